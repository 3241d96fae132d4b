"""HTTPS: --tls-cert/--tls-key, on the same port as HTTP (told apart by the
first byte of a connection) or on a --tls-port of its own.

Each module run makes its own certificate authority and a server certificate
for 127.0.0.1 and localhost with the openssl command line; clients verify the
server against that CA only (boto3 with verify=<ca>, the AWS CLI with
--ca-bundle), so a test passes only if the server really presents the
certificate it was given.  Every loop is bounded in count and time.
"""

import json
import os
import socket
import ssl
import struct
import subprocess
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import SSLError

from conftest import (MODE, REGION, Server, build_request, read_response, unique_name,
                      wait_active)

OPENSSL = "/usr/bin/openssl"
AWS = "/usr/bin/aws"
HEADER_TIMEOUT = 1.0
SLACK = 1.5


def openssl(*args, cwd):
    subprocess.run([OPENSSL] + list(args), cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A CA, a server certificate it signed (for 127.0.0.1 and localhost) and
    its key, and a second CA that signed nothing the server has."""
    if not os.path.exists(OPENSSL):
        pytest.skip("openssl command line not installed")
    d = tmp_path_factory.mktemp("pki")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
            "ca.pem", "-days", "2", "-subj", "/CN=ddbd test CA", cwd=d)
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
            "-subj", "/CN=localhost", cwd=d)
    (d / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                               "basicConstraints=CA:FALSE\n"
                               "keyUsage=digitalSignature,keyEncipherment\n"
                               "extendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf", cwd=d)
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other.key", "-out",
            "other-ca.pem", "-days", "2", "-subj", "/CN=another CA", cwd=d)
    return {"dir": d, "ca": str(d / "ca.pem"), "cert": str(d / "server.pem"),
            "key": str(d / "server.key"), "other_ca": str(d / "other-ca.pem"),
            "other_key": str(d / "other.key")}


def start(tmp_path_factory, pki, *extra):
    data_dir = tmp_path_factory.mktemp("ddbd-tls") if MODE == "disk" else None
    args = ["--tls-cert", pki["cert"], "--tls-key", pki["key"], "--threads", "1"] + list(extra)
    return Server(data_dir=data_dir, extra_args=args).start()


@pytest.fixture(scope="module")
def same_port(tmp_path_factory, pki):
    """HTTP and HTTPS on one port."""
    srv = start(tmp_path_factory, pki)
    yield srv
    srv.finish()


@pytest.fixture(scope="module")
def short_timeout(tmp_path_factory, pki):
    """HTTP and HTTPS on one port, with a header timeout of HEADER_TIMEOUT: a
    handshake must be complete by then.  Only for the tests of that timeout:
    elsewhere a client stalled for a second on a loaded machine would fail a
    test that is not about it."""
    srv = start(tmp_path_factory, pki, "--header-timeout", str(HEADER_TIMEOUT))
    yield srv
    srv.finish()


@pytest.fixture(scope="module")
def two_ports(tmp_path_factory, pki):
    """HTTP on the port, HTTPS on a port of its own; yields (server, tls port)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    tls_port = sock.getsockname()[1]
    sock.close()
    srv = start(tmp_path_factory, pki, "--tls-port", str(tls_port))
    yield srv, tls_port
    srv.finish()


def https_client(port, ca, **config):
    cfg = dict(retries={"max_attempts": 0}, connect_timeout=5, read_timeout=30)
    cfg.update(config)
    return boto3.client("dynamodb", endpoint_url="https://127.0.0.1:%d" % port,
                        region_name=REGION, aws_access_key_id="AKIDEXAMPLE",
                        aws_secret_access_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                        verify=ca, config=Config(**cfg))


def tls_context(ca, **kw):
    ctx = ssl.create_default_context(cafile=ca)
    for k, v in kw.items():
        setattr(ctx, k, v)
    return ctx


def tls_connect(port, ctx, server_hostname="127.0.0.1", timeout=10):
    raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    return ctx.wrap_socket(raw, server_hostname=server_hostname)


def round_trip(client):
    """Real operations: create a table, write, read, query, scan, delete."""
    name = unique_name("tls")
    client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                              {"AttributeName": "sk", "AttributeType": "N"}],
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                   {"AttributeName": "sk", "KeyType": "RANGE"}])
    wait_active(client, name)
    for i in range(5):
        client.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"N": str(i)},
                                              "v": {"S": "value-%d" % i}})
    got = client.get_item(TableName=name, Key={"pk": {"S": "p"}, "sk": {"N": "3"}},
                          ConsistentRead=True)
    assert got["Item"] == {"pk": {"S": "p"}, "sk": {"N": "3"}, "v": {"S": "value-3"}}
    q = client.query(TableName=name, KeyConditionExpression="pk = :p AND sk >= :s",
                     ExpressionAttributeValues={":p": {"S": "p"}, ":s": {"N": "2"}})
    assert [it["sk"]["N"] for it in q["Items"]] == ["2", "3", "4"]
    assert client.scan(TableName=name)["Count"] == 5
    client.delete_table(TableName=name)
    return name


def test_boto3_over_https_on_the_same_port(same_port, pki):
    round_trip(https_client(same_port.port, pki["ca"]))


def test_plain_http_still_served_on_the_same_port(same_port, pki):
    client = boto3.client("dynamodb", endpoint_url=same_port.endpoint, region_name=REGION,
                          aws_access_key_id="a", aws_secret_access_key="b",
                          config=Config(retries={"max_attempts": 0}))
    assert "TableNames" in client.list_tables()


def test_boto3_over_https_on_the_tls_port(two_ports, pki):
    srv, tls_port = two_ports
    round_trip(https_client(tls_port, pki["ca"]))


def test_boto3_rejects_a_server_its_ca_did_not_sign(two_ports, pki):
    srv, tls_port = two_ports
    with pytest.raises(SSLError) as e:
        https_client(tls_port, pki["other_ca"]).list_tables()
    assert "CERTIFICATE_VERIFY_FAILED" in str(e.value)  # the certificate refused, not a cut handshake
    assert srv.alive()
    assert "TableNames" in https_client(tls_port, pki["ca"]).list_tables()


def test_aws_cli_with_ca_bundle(two_ports, pki, tmp_path):
    if not os.path.exists(AWS):
        pytest.skip("AWS CLI not installed at %s" % AWS)
    srv, tls_port = two_ports
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
           "AWS_SECRET_ACCESS_KEY": "secret", "AWS_DEFAULT_REGION": REGION, "AWS_PAGER": "",
           "AWS_CONFIG_FILE": str(tmp_path / "config"),
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
           "AWS_MAX_ATTEMPTS": "1"}

    def aws(*args, ca=pki["ca"], ok=True):
        cmd = [AWS, "dynamodb"] + list(args) + [
            "--endpoint-url", "https://localhost:%d" % tls_port, "--ca-bundle", ca,
            "--output", "json"]
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
        if ok:
            assert p.returncode == 0, "%s\n%s\n%s" % (cmd, p.stdout, p.stderr)
            return json.loads(p.stdout) if p.stdout.strip() else {}
        return p

    name = unique_name("cli-tls")
    out = aws("create-table", "--table-name", name,
              "--attribute-definitions", "AttributeName=id,AttributeType=S",
              "--key-schema", "AttributeName=id,KeyType=HASH", "--billing-mode", "PAY_PER_REQUEST")
    assert out["TableDescription"]["TableName"] == name
    wait_active(https_client(tls_port, pki["ca"]), name)
    item = {"id": {"S": "one"}, "n": {"N": "2.50"}}
    assert aws("put-item", "--table-name", name, "--item", json.dumps(item)) == {}
    got = aws("get-item", "--table-name", name, "--key", json.dumps({"id": {"S": "one"}}),
              "--consistent-read")
    assert got["Item"] == {"id": {"S": "one"}, "n": {"N": "2.5"}}
    assert name in aws("list-tables")["TableNames"]
    assert aws("delete-table", "--table-name", name)["TableDescription"]["TableName"] == name
    # the wrong CA: the CLI refuses the server
    p = aws("list-tables", ca=pki["other_ca"], ok=False)
    assert p.returncode != 0 and "SSL" in p.stderr, p.stderr


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3])
def test_tls_1_2_and_1_3(two_ports, pki, version):
    srv, tls_port = two_ports
    ctx = tls_context(pki["ca"], minimum_version=version, maximum_version=version)
    with tls_connect(tls_port, ctx) as s:
        assert s.version() == {ssl.TLSVersion.TLSv1_2: "TLSv1.2",
                               ssl.TLSVersion.TLSv1_3: "TLSv1.3"}[version]
        cipher, _, _ = s.cipher()
        if version == ssl.TLSVersion.TLSv1_2:
            # forward secret and authenticated encryption
            assert cipher.startswith("ECDHE-") and ("GCM" in cipher or "CHACHA20" in cipher), cipher
        s.sendall(build_request("ListTables", {}))
        r = read_response(s.makefile("rb"))
        assert r.status == 200 and "TableNames" in r.json()


def test_weak_ciphers_refused(two_ports, pki):
    """A TLS 1.2 client offering only CBC ciphers without forward secrecy
    finds none in common."""
    srv, tls_port = two_ports
    ctx = tls_context(pki["ca"], maximum_version=ssl.TLSVersion.TLSv1_2)
    ctx.set_ciphers("AES128-SHA:AES256-SHA:AES128-SHA256")
    with pytest.raises(ssl.SSLError):
        with tls_connect(tls_port, ctx):
            pass
    assert "TableNames" in https_client(tls_port, pki["ca"]).list_tables()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_tls_1_1_refused(two_ports, pki):
    srv, tls_port = two_ports
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(pki["ca"])
    try:
        ctx.minimum_version = ssl.TLSVersion.TLSv1_1
        ctx.maximum_version = ssl.TLSVersion.TLSv1_1
        ctx.set_ciphers("ALL:@SECLEVEL=0")
    except (ValueError, ssl.SSLError) as e:
        pytest.skip("this client cannot offer TLS 1.1: %s" % e)
    with pytest.raises((ssl.SSLError, ConnectionResetError)):
        with tls_connect(tls_port, ctx):
            pass


def test_keep_alive_and_pipelining_over_tls(same_port, pki):
    """Several requests in one TLS write, answered in order; then more on the
    same connection, one by one."""
    ctx = tls_context(pki["ca"])
    names = [unique_name("pipe") for _ in range(3)]
    with tls_connect(same_port.port, ctx) as s:
        f = s.makefile("rb")
        s.sendall(b"".join(build_request("DescribeTable", {"TableName": n}) for n in names)
                  + build_request("ListTables", {}))
        for n in names:
            r = read_response(f)
            assert r.status == 400 and n in r.error_message
        assert read_response(f).status == 200
        for _ in range(20):
            s.sendall(build_request("ListTables", {}))
            assert read_response(f).status == 200


def test_large_request_and_response_over_tls(same_port, pki):
    """A body and a response of many TLS records each: a 390 KB item written
    and read back, and a BatchGetItem answer of over 1 MB."""
    client = https_client(same_port.port, pki["ca"])
    name = unique_name("tls-big")
    client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    wait_active(client, name)
    try:
        values = {}
        for i in range(4):
            values[i] = ("%d" % i) * (390 * 1024)
            client.put_item(TableName=name, Item={"pk": {"S": "big%d" % i},
                                                  "v": {"S": values[i]}})
        got = client.batch_get_item(RequestItems={name: {
            "Keys": [{"pk": {"S": "big%d" % i}} for i in range(4)], "ConsistentRead": True}})
        items = got["Responses"][name]
        assert sorted(it["pk"]["S"] for it in items) == ["big0", "big1", "big2", "big3"]
        for it in items:
            assert it["v"]["S"] == values[int(it["pk"]["S"][3:])]
    finally:
        client.delete_table(TableName=name)


def test_plain_http_on_the_tls_port_is_told_and_closed(two_ports):
    srv, tls_port = two_ports
    s = socket.create_connection(("127.0.0.1", tls_port), timeout=10)
    try:
        s.sendall(build_request("ListTables", {}))
        f = s.makefile("rb")
        r = read_response(f)
        assert r.status == 400
        assert r.headers["connection"] == "close"
        assert r.body == b"This port speaks HTTPS only.\n"
        assert f.read() == b""  # then closed
    finally:
        s.close()
    assert srv.alive()


def test_tls_hello_on_the_plain_port_is_refused(two_ports, pki):
    srv, tls_port = two_ports
    ctx = tls_context(pki["ca"])
    t0 = time.monotonic()
    with pytest.raises((ssl.SSLError, ConnectionResetError, OSError)):
        with tls_connect(srv.port, ctx):
            pass
    assert time.monotonic() - t0 < 5  # an error at once, no hang
    assert srv.alive()
    assert "TableNames" in https_client(tls_port, pki["ca"]).list_tables()


def test_garbage_after_a_handshake_byte_is_closed(short_timeout, pki):
    for junk in (b"\x16\x03\x01\x00\x05hello", b"\x16" + b"\xff" * 300, b"\x16\x03\x03\xff\xff"):
        s = socket.create_connection(("127.0.0.1", short_timeout.port), timeout=10)
        try:
            s.sendall(junk)
            s.settimeout(HEADER_TIMEOUT + SLACK + 2)
            try:
                data = s.recv(4096)
                while data and len(data) < 1 << 16:  # a TLS alert, then the close
                    more = s.recv(4096)
                    if not more:
                        break
                    data += more
            except (ConnectionResetError, socket.timeout):
                data = b""
            assert not data.startswith(b"HTTP/")
        finally:
            s.close()
    assert "TableNames" in https_client(short_timeout.port, pki["ca"]).list_tables()


@pytest.mark.parametrize("sent", [b"", b"\x16", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"])
def test_stalled_handshake_closed_at_the_header_timeout(short_timeout, pki, sent):
    """Nothing, the first byte, or a ClientHello cut short: the connection is
    closed once the header timeout has passed, not before, while others are
    served."""
    s = socket.create_connection(("127.0.0.1", short_timeout.port), timeout=10)
    try:
        if sent:
            s.sendall(sent)
        t0 = time.monotonic()
        assert "TableNames" in https_client(short_timeout.port, pki["ca"]).list_tables()
        s.settimeout(HEADER_TIMEOUT + SLACK + 3)
        try:
            while s.recv(4096):
                pass
        except ConnectionResetError:
            pass
        elapsed = time.monotonic() - t0
    finally:
        s.close()
    assert HEADER_TIMEOUT * 0.8 <= elapsed <= HEADER_TIMEOUT + SLACK, elapsed


def test_many_tls_connections_at_once(same_port, pki):
    ctx = tls_context(pki["ca"])
    socks = [tls_connect(same_port.port, ctx) for _ in range(50)]
    try:
        for s in socks:
            s.sendall(build_request("ListTables", {}))
        for s in socks:
            assert read_response(s.makefile("rb")).status == 200
    finally:
        for s in socks:
            s.close()


def test_client_reset_while_the_server_writes(same_port, pki):
    """Clients that pipeline requests with large answers over TLS and reset
    the connection (RST) without reading: the server's writes then fail,
    and it goes on serving everyone else (no SIGPIPE)."""
    ctx = tls_context(pki["ca"])
    # the health check names the Host asked for: ~4 KB per answer, ~120 KB in all
    req = b"GET / HTTP/1.1\r\nHost: " + b"h" * 4000 + b"\r\n\r\n"
    for _ in range(10):
        s = tls_connect(same_port.port, ctx)
        s.sendall(req * 30)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
        time.sleep(0.05)
        assert same_port.alive()
    assert "TableNames" in https_client(same_port.port, pki["ca"]).list_tables()


def tls_memory_connect(port, ctx):
    """A TLS client whose records are bytes in hand (SSLObject over memory
    BIOs), so that a test can send part of one."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(incoming, outgoing, server_hostname="127.0.0.1")
    for _ in range(20):
        try:
            tls.do_handshake()
            break
        except ssl.SSLWantReadError:
            sock.sendall(outgoing.read())
            data = sock.recv(65536)
            assert data, "closed during the handshake"
            incoming.write(data)
    sock.sendall(outgoing.read())  # the client's Finished
    return sock, tls, incoming, outgoing


def tls_memory_response(sock, tls, incoming):
    """One HTTP response read through the SSLObject: (status line, body)."""
    data = b""
    for _ in range(1000):
        head, sep, rest = data.partition(b"\r\n\r\n")
        if sep:
            length = [int(line.split(b":")[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:")][0]
            if len(rest) >= length:
                return head.split(b"\r\n")[0], rest[:length]
        try:
            data += tls.read(65536)
            continue
        except ssl.SSLWantReadError:
            pass
        more = sock.recv(65536)
        assert more, "closed before a whole response: %r" % data
        incoming.write(more)
    raise AssertionError("no whole response: %r" % data)


IDLE_TRIM = 10.0  # the server releases an idle connection's buffers after this long


def test_idle_tls_connections_served_after_their_buffers_are_released(same_port, pki):
    """TLS connections idle long enough for the server to release their
    buffers are served as before; so is one that had sent half a TLS record
    before it went quiet (its buffer holds that half and must be kept)."""
    ctx = tls_context(pki["ca"])
    idle = [tls_connect(same_port.port, ctx) for _ in range(20)]
    half_sock, half_tls, half_in, half_out = tls_memory_connect(same_port.port, ctx)
    try:
        for s in idle:
            s.sendall(build_request("ListTables", {}))
            assert read_response(s.makefile("rb")).status == 200
        half_tls.write(build_request("ListTables", {}))
        record = half_out.read()
        half_sock.sendall(record[:len(record) // 2])
        time.sleep(IDLE_TRIM + 2)  # the trim runs on the timer's next tick
        half_sock.sendall(record[len(record) // 2:])
        status, body = tls_memory_response(half_sock, half_tls, half_in)
        assert status == b"HTTP/1.1 200 OK" and b"TableNames" in body
        for s in idle:
            f = s.makefile("rb")
            for _ in range(3):
                s.sendall(build_request("ListTables", {}))
                r = read_response(f)
                assert r.status == 200 and b"TableNames" in r.body
    finally:
        for s in idle:
            s.close()
        half_sock.close()


# --------------------------------------------------------------------------
# Start-up errors


def run_ddbd(*args):
    return subprocess.run([Server().binary, "--in-memory", "--port", "0"] + list(args),
                          capture_output=True, text=True, timeout=20)


def test_missing_certificate_file(pki, tmp_path):
    r = run_ddbd("--tls-cert", str(tmp_path / "nope.pem"), "--tls-key", pki["key"])
    assert r.returncode == 1
    assert "cannot read the TLS certificate %s: No such file or directory" % (
        tmp_path / "nope.pem") in r.stderr


def test_garbage_certificate_and_key(pki, tmp_path):
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")
    r = run_ddbd("--tls-cert", str(junk), "--tls-key", pki["key"])
    assert r.returncode == 1 and "bad TLS certificate %s" % junk in r.stderr, r.stderr
    r = run_ddbd("--tls-cert", pki["cert"], "--tls-key", str(junk))
    assert r.returncode == 1 and "bad TLS key %s" % junk in r.stderr, r.stderr


def test_key_of_another_certificate(pki):
    r = run_ddbd("--tls-cert", pki["cert"], "--tls-key", pki["other_key"])
    assert r.returncode == 1
    assert "does not match the certificate" in r.stderr, r.stderr


@pytest.mark.parametrize("args", [["--tls-cert", "x.pem"], ["--tls-key", "x.key"],
                                  ["--tls-port", "8443"], ["--tls-port", "http"]])
def test_incomplete_tls_flags(args):
    r = run_ddbd(*args)
    assert r.returncode == 2, r.stderr
    assert "usage:" in r.stderr
