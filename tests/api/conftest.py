"""Harness for the black-box API tests: starts ddbd, hands out boto3 clients,
temporary tables and raw HTTP helpers.

Environment:
  DDBD_BIN   server binary (default build/ddbd under the repository root)
  DDBD_MODE  "memory" (default: --in-memory) or "disk" (--data-dir in a temp dir)

The expected behaviour is that of Amazon DynamoDB; the tests never look at
the server's code.
"""

import base64
import contextlib
import gzip
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

REPO = Path(__file__).resolve().parents[2]
BIN = os.environ.get("DDBD_BIN") or str(REPO / "build" / "ddbd")
MODE = os.environ.get("DDBD_MODE", "memory")
REGION = "us-east-1"
START_TIMEOUT = 10.0

# A syntactically plausible SigV4 header; signatures are not verified (yet).
FAKE_AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
    "Signature=0000000000000000000000000000000000000000000000000000000000000000"
)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One ddbd process.  data_dir=None means --in-memory."""

    def __init__(self, binary=BIN, data_dir=None, port=None, extra_args=()):
        self.binary = binary
        self.data_dir = data_dir
        self.port = port or free_port()
        # a port picked here may be taken by another socket before the server binds it: its
        # first start then tries another (later starts keep the port clients know)
        self._repick = port is None
        self.extra_args = list(extra_args)
        self.proc = None
        self.logdir = tempfile.mkdtemp(prefix="ddbd-log-")
        self.logpath = os.path.join(self.logdir, "server.log")
        self._log = None

    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self):
        for _ in range(3):
            if self._start_once():
                return self
            self.port = free_port()
        self._start_once(last=True)
        return self

    def _start_once(self, last=False):
        """Start and wait for GET /; False (when another port may be tried)
        if the port was taken before the server could listen on it."""
        repick, self._repick = self._repick and not last, False
        if not os.path.exists(self.binary):
            pytest.fail("server binary not found: %s (build it with make)" % self.binary,
                        pytrace=False)
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        if self.data_dir is None:
            args.append("--in-memory")
        else:
            args += ["--data-dir", str(self.data_dir)]
        args += self.extra_args
        self._log = open(self.logpath, "ab")
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                taken = "cannot listen on 127.0.0.1:%d: Address already in use" % self.port
                if repick and taken in self.log_tail():
                    self._log.close()
                    self._repick = True
                    return False
                pytest.fail("server exited with %s during startup:\n%s"
                            % (self.proc.returncode, self.log_tail()), pytrace=False)
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
                conn.request("GET", "/")
                resp = conn.getresponse()
                resp.read()
                conn.close()
                if resp.status == 200:
                    return True
            except OSError:
                pass
            time.sleep(0.03)
        self.kill()
        pytest.fail("server did not answer GET / within %.0fs:\n%s"
                    % (START_TIMEOUT, self.log_tail()), pytrace=False)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=15.0):
        """Signal the server and wait; returns its exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self._close_log()
                raise AssertionError("server did not exit within %.0fs of signal %d"
                                     % (timeout, sig))
        self._close_log()
        return self.proc.returncode

    def kill(self):
        return self.stop(sig=signal.SIGKILL)

    def finish(self):
        """Stop with SIGTERM and assert a clean exit (under the sanitizer
        build a leak or a late error shows up here)."""
        was_alive = self.alive()
        rc = self.stop()
        tail = self.log_tail()
        self.cleanup()
        assert was_alive and rc == 0, "server exit code %s:\n%s" % (rc, tail)

    def _close_log(self):
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, n=60):
        try:
            with open(self.logpath, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
            return "\n".join(lines[-n:])
        except OSError:
            return "(no log)"

    def cleanup(self):
        shutil.rmtree(self.logdir, ignore_errors=True)


def make_client(endpoint, **config):
    cfg = dict(retries={"max_attempts": 0}, connect_timeout=5, read_timeout=60,
               parameter_validation=False)
    cfg.update(config)
    return boto3.client(
        "dynamodb", endpoint_url=endpoint, region_name=REGION,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        config=Config(**cfg))


def make_resource(endpoint):
    return boto3.resource(
        "dynamodb", endpoint_url=endpoint, region_name=REGION,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        config=Config(retries={"max_attempts": 0}, connect_timeout=5, read_timeout=60))


# --------------------------------------------------------------------------
# Session server


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    data_dir = None
    if MODE == "disk":
        data_dir = tmp_path_factory.mktemp("ddbd-data")
    elif MODE != "memory":
        pytest.fail("DDBD_MODE must be memory or disk, not %r" % MODE, pytrace=False)
    srv = Server(data_dir=data_dir).start()
    yield srv
    srv.finish()


@pytest.fixture(autouse=True)
def _server_still_alive(request):
    """Fail the test during which the session server died, then restart it so
    the remaining tests still run."""
    yield
    if "server" not in request.fixturenames:
        return
    srv = request.getfixturevalue("server")
    if not srv.alive():
        tail = srv.log_tail()
        rc = srv.proc.returncode
        srv.start()
        pytest.fail("server died (exit %s) during this test:\n%s" % (rc, tail), pytrace=False)


@pytest.fixture(scope="session")
def port(server):
    return server.port


@pytest.fixture(scope="session")
def ddb(server):
    return make_client(server.endpoint)


@pytest.fixture(scope="session")
def ddb_resource(server):
    return make_resource(server.endpoint)


@pytest.fixture
def spawn_server(tmp_path):
    """Start extra servers (restart and crash tests); always with a data dir
    unless in_memory=True.  All are stopped at the end of the test."""
    started = []

    def spawn(data_dir=None, in_memory=False, port=None, extra_args=()):
        if not in_memory and data_dir is None:
            data_dir = tmp_path / "data"
            data_dir.mkdir(exist_ok=True)
        srv = Server(data_dir=None if in_memory else data_dir, port=port,
                     extra_args=extra_args).start()
        started.append(srv)
        return srv

    yield spawn
    for srv in started:
        if srv.alive():
            srv.kill()
        srv.cleanup()


# --------------------------------------------------------------------------
# Tables


def unique_name(prefix="t"):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:16])


def wait_for(predicate, timeout, what, step=0.05):
    """predicate()'s first true value, polled every step seconds; an
    AssertionError naming what if none comes within timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("%s: not within %.1fs" % (what, timeout))
        time.sleep(step)


def wait_active(client, name, timeout=15.0):
    deadline = time.monotonic() + timeout
    while True:
        desc = client.describe_table(TableName=name)["Table"]
        if desc["TableStatus"] == "ACTIVE" and all(
                g.get("IndexStatus") == "ACTIVE" for g in desc.get("GlobalSecondaryIndexes", [])):
            return desc
        if time.monotonic() > deadline:
            raise AssertionError("table %s not ACTIVE after %.0fs: %r" % (name, timeout, desc))
        time.sleep(0.02)


def wait_gone(client, name, timeout=15.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            client.describe_table(TableName=name)
        except ClientError as e:
            if e.response["Error"]["Code"] == "ResourceNotFoundException":
                return
            raise
        if time.monotonic() > deadline:
            raise AssertionError("table %s still exists %.0fs after DeleteTable" % (name, timeout))
        time.sleep(0.02)


class TableFactory:
    """Creates uniquely named tables and deletes them afterwards."""

    def __init__(self, client):
        self.client = client
        self.names = []

    def __call__(self, hash_key=("pk", "S"), range_key=None, name=None, wait=True, **kwargs):
        name = name or unique_name()
        attrs = [{"AttributeName": hash_key[0], "AttributeType": hash_key[1]}]
        schema = [{"AttributeName": hash_key[0], "KeyType": "HASH"}]
        if range_key:
            attrs.append({"AttributeName": range_key[0], "AttributeType": range_key[1]})
            schema.append({"AttributeName": range_key[0], "KeyType": "RANGE"})
        extra_attrs = kwargs.pop("extra_attributes", [])
        attrs += [{"AttributeName": n, "AttributeType": t} for n, t in extra_attrs]
        if "ProvisionedThroughput" not in kwargs and "BillingMode" not in kwargs:
            kwargs["BillingMode"] = "PAY_PER_REQUEST"
        self.names.append(name)
        self.last_response = self.client.create_table(
            TableName=name, AttributeDefinitions=attrs, KeySchema=schema, **kwargs)
        if wait:
            wait_active(self.client, name)
        return name

    def track(self, name):
        self.names.append(name)

    def cleanup(self):
        for name in self.names:
            try:
                self.client.delete_table(TableName=name)
            except ClientError:
                pass
            except Exception:
                pass


@pytest.fixture
def make_table(ddb):
    factory = TableFactory(ddb)
    yield factory
    factory.cleanup()


@pytest.fixture(scope="module")
def module_tables(ddb):
    """Tables shared by the tests of one module (read-only data sets), deleted
    after the module."""
    factory = TableFactory(ddb)
    yield factory
    factory.cleanup()


@pytest.fixture
def table_s(make_table):
    """A table with a string hash key 'pk'."""
    return make_table()


@pytest.fixture
def table_ss(make_table):
    """A table with string hash key 'pk' and string range key 'sk'."""
    return make_table(range_key=("sk", "S"))


# --------------------------------------------------------------------------
# Errors


def client_error(fn, *args, **kwargs):
    """Call fn expecting a ClientError; return (code, message, http_status)."""
    try:
        result = fn(*args, **kwargs)
    except ClientError as e:
        err = e.response.get("Error", {})
        status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return err.get("Code"), err.get("Message"), status
    raise AssertionError("expected an error, got success: %r" % (result,))


def assert_error(fn, code, message=None, status=400, prefix=None, **kwargs):
    """Assert fn(**kwargs) fails with the given code (and exact message when
    given, or message starting with prefix)."""
    got_code, got_msg, got_status = client_error(fn, **kwargs)
    assert got_code == code, "code %r (message %r), expected %r" % (got_code, got_msg, code)
    if message is not None:
        assert got_msg == message
    if prefix is not None:
        assert got_msg is not None and got_msg.startswith(prefix), got_msg
    if status is not None:
        assert got_status == status
    return got_msg


# --------------------------------------------------------------------------
# Raw HTTP


class RawResponse:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-cased names
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    @property
    def error_type(self):
        """The short error code from __type (after the '#')."""
        t = self.json().get("__type", "")
        return t.rsplit("#", 1)[-1]

    @property
    def error_message(self):
        doc = self.json()
        return doc.get("message", doc.get("Message"))


def raw_request(port, body=b"", target="DynamoDB_20120810.ListTables", method="POST", path="/",
                content_type="application/x-amz-json-1.0", auth=True, headers=None,
                timeout=30):
    """Send one request on a fresh connection.  target/content_type/auth set to
    None leave that header out."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    elif isinstance(body, (dict, list)):
        body = json.dumps(body).encode("utf-8")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        hdrs = {}
        if content_type is not None:
            hdrs["Content-Type"] = content_type
        if target is not None:
            hdrs["X-Amz-Target"] = target
        if auth:
            hdrs["Authorization"] = FAKE_AUTH
            hdrs["X-Amz-Date"] = "20240101T000000Z"
        if headers:
            hdrs.update(headers)
        if method != "GET" or body:
            hdrs.setdefault("Content-Length", str(len(body)))
        for k, v in hdrs.items():
            conn.putheader(k, v)
        conn.endheaders()
        if body:
            conn.send(body)
        resp = conn.getresponse()
        data = resp.read()
        return RawResponse(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
    finally:
        conn.close()


def raw_call(port, operation, payload, **kwargs):
    return raw_request(port, body=json.dumps(payload).encode("utf-8"),
                       target="DynamoDB_20120810." + operation, **kwargs)


def build_request(operation, payload, extra_headers=None, body=None):
    """Bytes of one complete HTTP/1.1 request, for socket-level tests."""
    if body is None:
        body = json.dumps(payload).encode("utf-8")
    lines = [
        "POST / HTTP/1.1",
        "Host: 127.0.0.1",
        "Content-Type: application/x-amz-json-1.0",
        "X-Amz-Target: DynamoDB_20120810." + operation,
        "X-Amz-Date: 20240101T000000Z",
        "Authorization: " + FAKE_AUTH,
        "Content-Length: %d" % len(body),
    ]
    for k, v in (extra_headers or {}).items():
        lines.append("%s: %s" % (k, v))
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + body


def read_response(sock_file):
    """Read one HTTP response from a socket's file object; returns RawResponse
    or None if the connection was closed before a status line."""
    line = sock_file.readline()
    if not line:
        return None
    parts = line.decode("latin-1").split(" ", 2)
    status = int(parts[1])
    headers = {}
    while True:
        h = sock_file.readline()
        if h in (b"\r\n", b"\n", b""):
            break
        k, _, v = h.decode("latin-1").partition(":")
        headers[k.strip().lower()] = v.strip()
    if "content-length" in headers:
        body = sock_file.read(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            size = int(sock_file.readline().strip().split(b";")[0], 16)
            if size == 0:
                sock_file.readline()
                break
            body += sock_file.read(size)
            sock_file.readline()
    else:
        body = b""
    return RawResponse(status, headers, body)


def gzip_bytes(data):
    return gzip.compress(data)


def b64(data):
    return base64.b64encode(data).decode("ascii")


def socket_inodes(server_port, client_ports):
    """The inodes of the server's ends of the connections from client_ports."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        with open(table) as f:
            next(f)
            for line in f:
                fields = line.split()
                local, remote, inode = fields[1], fields[2], fields[9]
                if (int(local.rsplit(":", 1)[1], 16) == server_port
                        and int(remote.rsplit(":", 1)[1], 16) in client_ports):
                    inodes.add(inode)
    return inodes


def can_mount():
    """A size-limited tmpfs can be mounted here (root and mount(8))."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    probe = tempfile.mkdtemp(prefix="ddbd-mount-")
    try:
        ok = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", probe],
                            capture_output=True).returncode == 0
        if ok:
            subprocess.run(["umount", probe], capture_output=True)
        return ok
    finally:
        os.rmdir(probe)


@contextlib.contextmanager
def small_tmpfs(size):
    """A tmpfs of size (mount's "8m" and the like) mounted for the block;
    the test is skipped where none can be."""
    if not can_mount():
        pytest.skip("mounting a size-limited tmpfs needs root and mount(8) permission here")
    mnt = tempfile.mkdtemp(prefix="ddbd-smallfs-")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", mnt], check=True)
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", mnt], capture_output=True)
        os.rmdir(mnt)
