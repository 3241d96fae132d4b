"""Hostile and slow clients never stall the others.

Each test runs an attack against a dedicated server started with short limits
and a single I/O thread (so the attacker and the well-behaved client share
it), and shows two things: the server cuts off or refuses the attacker, at
the limit and not before; and a well-behaved boto3 client, probing with
GetItem throughout the attack, keeps getting correct answers, each within
PROBE_MAX_LATENCY.  Where a client could make the server hold memory, the
server's resident memory (VmRSS) is watched during the attack.

Every loop is bounded in count and time.
"""

import gzip
import json
import os
import resource
import select
import socket
import struct
import subprocess
import threading
import time

import pytest
from botocore.exceptions import ClientError

from conftest import (FAKE_AUTH, MODE, Server, build_request, make_client, read_response,
                      socket_inodes, unique_name, wait_active)

HEADER_TIMEOUT = 0.5
BODY_TIMEOUT = 1.0
IDLE_TIMEOUT = 2.0
WRITE_TIMEOUT = 1.0
MAX_HEADER_BYTES = 8192
MAX_OUTPUT_BYTES = 256 * 1024
SERVICE_MAX_BODY = 16 * 1024 * 1024

PROBE_MAX_LATENCY = 1.0  # seconds, for each GetItem of the well-behaved client
SLACK = 1.0  # how late a timeout may fire (timer granularity, a loaded machine)
SMALL_ITEMS = 100
BIG_ITEM_BYTES = 300 * 1024

LIMIT_ARGS = [
    "--threads", "1",
    "--header-timeout", str(HEADER_TIMEOUT),
    "--body-timeout", str(BODY_TIMEOUT),
    "--idle-timeout", str(IDLE_TIMEOUT),
    "--write-timeout", str(WRITE_TIMEOUT),
    "--max-header-bytes", str(MAX_HEADER_BYTES),
    "--max-output-bytes", str(MAX_OUTPUT_BYTES),
]


# --------------------------------------------------------------------------
# Servers and data


def start_server(tmp_path_factory, extra_args):
    data_dir = tmp_path_factory.mktemp("ddbd-hostile") if MODE == "disk" else None
    return Server(data_dir=data_dir, extra_args=extra_args).start()


def stop_server(srv):
    srv.finish()


def small_item(i):
    return {"pk": {"S": "k%d" % i}, "n": {"N": str(i)}, "s": {"S": "value-%d" % i}}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A server with short limits, a table of small items k0..k99 and one big
    item "big"; yields (server, table name)."""
    srv = start_server(tmp_path_factory, LIMIT_ARGS)
    client = make_client(srv.endpoint)
    table = unique_name("hostile")
    client.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    wait_active(client, table)
    for i in range(SMALL_ITEMS):
        client.put_item(TableName=table, Item=small_item(i))
    client.put_item(TableName=table, Item={"pk": {"S": "big"}, "b": {"S": "x" * BIG_ITEM_BYTES}})
    yield srv, table
    stop_server(srv)


def rss_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    raise AssertionError("no VmRSS for pid %d" % pid)


def open_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def accepted(pid, port, socks):
    """How many of the connections socks made to the server on port it has
    accepted: its descriptors that are their server ends (a connection still
    in the listen queue has no descriptor)."""
    inodes = socket_inodes(port, {s.getsockname()[1] for s in socks})
    n = 0
    fd_dir = "/proc/%d/fd" % pid
    for name in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, name))
        except OSError:
            continue
        n += target.startswith("socket:[") and target[8:-1] in inodes
    return n


def settled_fds(pid, timeout=5):
    """The server's descriptor count once connections of earlier tests (still
    lingering) are gone: the same for 300 ms."""
    deadline = time.monotonic() + timeout
    last = open_fds(pid)
    while time.monotonic() < deadline:
        time.sleep(0.3)
        now = open_fds(pid)
        if now == last:
            break
        last = now
    return last


class RssWatch:
    """Samples a process's VmRSS every 20 ms in a thread; .peak in MB."""

    def __init__(self, pid):
        self.pid = pid
        self.base = rss_mb(pid)
        self.peak = self.base
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb(self.pid))
            self._stop.wait(0.02)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(5)
        self.peak = max(self.peak, rss_mb(self.pid))


# --------------------------------------------------------------------------
# The well-behaved client


class Probe:
    """A boto3 client doing GetItem after GetItem on its own thread, checking
    each answer and timing it, until stopped."""

    def __init__(self, srv, table, pause=0.005):
        self.client = make_client(srv.endpoint, read_timeout=10, connect_timeout=5)
        self.table = table
        self.pause = pause
        self.latencies = []
        self.starts = []
        self.errors = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.get(0)  # connect and warm up outside the measurement

    def get(self, i):
        resp = self.client.get_item(TableName=self.table, Key={"pk": {"S": "k%d" % i}},
                                    ConsistentRead=True)
        if resp.get("Item") != small_item(i):
            raise AssertionError("GetItem k%d answered %r" % (i, resp.get("Item")))

    def _run(self):
        i = 0
        while not self._stop.is_set() and len(self.latencies) < 100000:
            t0 = time.monotonic()
            try:
                self.get(i % SMALL_ITEMS)
            except Exception as e:  # noqa: BLE001 - every failure is a finding
                self.errors.append(repr(e))
                if len(self.errors) > 10:
                    return
            self.latencies.append(time.monotonic() - t0)
            self.starts.append(t0)
            i += 1
            self._stop.wait(self.pause)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        # A short attack still gets a few measurements.
        deadline = time.monotonic() + 5
        while len(self.latencies) < self.MIN_REQUESTS and time.monotonic() < deadline:
            time.sleep(0.01)
        self._stop.set()
        self._thread.join(30)

    MIN_REQUESTS = 5

    def count_between(self, t_start, t_end):
        return sum(1 for t in self.starts if t_start <= t <= t_end)

    def check(self, min_requests=MIN_REQUESTS):
        assert not self.errors, "well-behaved client failed: %s" % self.errors[:3]
        assert len(self.latencies) >= min_requests, \
            "well-behaved client got only %d answers" % len(self.latencies)
        worst = max(self.latencies)
        assert worst < PROBE_MAX_LATENCY, \
            "a GetItem took %.3f s during the attack (%d requests)" % (worst, len(self.latencies))


# --------------------------------------------------------------------------
# Raw sockets


def connect(port, timeout=5):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


TCP_ESTABLISHED = 1


def tcp_state(sock):
    """The kernel's TCP state of the socket (1 = established), read without
    consuming anything."""
    return struct.unpack("B", sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[:1])[0]


def read_until_closed(sock, timeout):
    """Everything the server sends until it closes (EOF or reset); returns
    (bytes, closed?, seconds waited)."""
    t0 = time.monotonic()
    deadline = t0 + timeout
    data = b""
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        except (ConnectionResetError, BrokenPipeError):
            return data, True, time.monotonic() - t0
        if not chunk:
            return data, True, time.monotonic() - t0
        data += chunk
    return data, False, time.monotonic() - t0


def status_of(data):
    """The status code of the first response in data (None when there is none)."""
    if not data.startswith(b"HTTP/1.1 "):
        return None
    return int(data[9:12])


def get_item_request(table, key):
    return build_request("GetItem", {"TableName": table, "Key": {"pk": {"S": key}},
                                     "ConsistentRead": True})


def head_for(target, length=None, chunked=False, extra=()):
    lines = ["POST / HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/x-amz-json-1.0",
             "X-Amz-Target: DynamoDB_20120810." + target, "X-Amz-Date: 20240101T000000Z",
             "Authorization: " + FAKE_AUTH]
    if length is not None:
        lines.append("Content-Length: %d" % length)
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    lines += list(extra)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


def assert_bare_413(data):
    """The 413 of an over-long body: status line, Connection: close and an
    empty body.  (The service's 413 body is unverified: the emulator tested
    against the service answers 413 with an empty body, which SDKs report as
    error code "413".)"""
    assert status_of(data) == 413, data[:200]
    head, _, body = data.partition(b"\r\n\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in
               (line.partition(b":") for line in head.split(b"\r\n")[1:])}
    assert headers[b"connection"] == b"close"
    assert headers[b"content-length"] == b"0"
    assert b"x-amzn-requestid" in headers
    assert body == b""


# --------------------------------------------------------------------------
# Tests


def test_limits_are_command_line_flags():
    binary = Server().binary
    out = subprocess.run([binary, "--help"], capture_output=True, timeout=10).stdout.decode()
    for flag in ("--header-timeout", "--body-timeout", "--idle-timeout", "--write-timeout",
                 "--max-header-bytes", "--max-body-bytes", "--max-output-bytes",
                 "--max-connections"):
        assert flag in out, flag
    for bad in (["--header-timeout", "0"], ["--body-timeout", "-1"], ["--idle-timeout", "x"],
                ["--write-timeout", "1e9"], ["--max-header-bytes", "12"],
                ["--max-body-bytes", "0"], ["--max-connections", "-5"],
                ["--max-output-bytes", "1.5"], ["--header-timeout"]):
        r = subprocess.run([binary, "--port", "0", "--in-memory"] + bad, capture_output=True,
                           timeout=10)
        assert r.returncode == 2, (bad, r.stderr)
        assert b"bad " in r.stderr


def test_slowloris_headers_cut_off_at_the_header_timeout(hostile):
    srv, table = hostile
    n = 200
    socks = [connect(srv.port) for _ in range(n)]
    line = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
    cut_at = {}
    answers = {}
    with Probe(srv, table) as probe:
        t0 = time.monotonic()
        for s in socks:
            s.sendall(line[:1])
            s.setblocking(False)
        sent = 1
        # A header byte to every connection every 50 ms, for as long as it is open.
        while len(cut_at) < n and time.monotonic() - t0 < HEADER_TIMEOUT + SLACK + 1:
            time.sleep(0.05)
            for i, s in enumerate(socks):
                if i in cut_at:
                    continue
                try:
                    chunk = s.recv(65536)
                    answers[i] = answers.get(i, b"") + chunk
                    if not chunk or answers[i].endswith(b"\r\n\r\n"):
                        cut_at[i] = time.monotonic() - t0
                        continue
                except BlockingIOError:
                    pass
                except OSError:
                    cut_at[i] = time.monotonic() - t0
                    continue
                try:
                    s.send((line + b"a" * 1000)[sent:sent + 1])
                except OSError:
                    cut_at[i] = time.monotonic() - t0
            sent += 1
    for s in socks:
        s.close()
    probe.check()
    assert len(cut_at) == n, "%d of %d slow connections still open" % (n - len(cut_at), n)
    assert min(cut_at.values()) >= HEADER_TIMEOUT * 0.9, "cut off before the header timeout"
    assert max(cut_at.values()) <= HEADER_TIMEOUT + SLACK
    # Each was told why: 408, then the connection closes.
    assert all(status_of(answers.get(i, b"")) == 408 for i in range(n))


def test_trickled_body_cut_off_at_the_body_timeout(hostile):
    srv, table = hostile
    payload = json.dumps({"TableName": table, "Key": {"pk": {"S": "k1"}}}).encode()
    body = payload + b" " * (2000 - len(payload))
    head = head_for("GetItem", length=len(body))
    n = 20
    socks = [connect(srv.port) for _ in range(n)]
    done = {}
    with Probe(srv, table) as probe:
        t0 = time.monotonic()
        for s in socks:
            s.sendall(head)
            s.setblocking(False)
        sent = 0
        # One body byte per connection every 20 ms: 2000 bytes would take 40 s.
        while len(done) < n and time.monotonic() - t0 < BODY_TIMEOUT + SLACK + 1:
            time.sleep(0.02)
            for i, s in enumerate(socks):
                if i in done:
                    continue
                try:
                    data = s.recv(65536)
                    done[i] = (time.monotonic() - t0, data)
                    continue
                except BlockingIOError:
                    pass
                except OSError:
                    done[i] = (time.monotonic() - t0, b"")
                    continue
                try:
                    s.send(body[sent:sent + 1])
                except OSError:
                    done[i] = (time.monotonic() - t0, b"")
            sent += 1
    for s in socks:
        s.close()
    probe.check()
    assert len(done) == n, "%d trickling connections still open" % (n - len(done))
    times = [t for t, _ in done.values()]
    assert min(times) >= BODY_TIMEOUT * 0.9 and max(times) <= BODY_TIMEOUT + SLACK, times
    assert all(status_of(d) == 408 for _, d in done.values())
    assert sent < len(body) / 10


def test_slow_but_timely_request_is_served(hostile):
    """The timeouts bound the time, not the pace: a head and a body each sent
    in pieces, but within their limits, are served."""
    srv, table = hostile
    payload = json.dumps({"TableName": table, "Key": {"pk": {"S": "k7"}}}).encode()
    req = head_for("GetItem", length=len(payload)) + payload
    head_len = req.index(b"\r\n\r\n") + 4
    s = connect(srv.port)
    try:
        for part in (req[:20], req[20:head_len - 1], req[head_len - 1:head_len]):
            s.sendall(part)
            time.sleep(HEADER_TIMEOUT / 5)
        for k in range(head_len, len(req), 10):
            s.sendall(req[k:k + 10])
            time.sleep(BODY_TIMEOUT / 20)
        r = read_response(s.makefile("rb"))
    finally:
        s.close()
    assert r.status == 200 and r.json() == {"Item": small_item(7)}


def test_half_open_connections(hostile):
    srv, table = hostile
    partial_head = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le"
    full = get_item_request(table, "k3")
    partial_body = full[:-5]
    with Probe(srv, table) as probe:
        # Silent after part of the head, and after part of the body.
        silent = []
        t_sent = time.monotonic()
        for data in (partial_head, partial_body):
            s = connect(srv.port)
            s.sendall(data)
            silent.append(s)
        # Part of a request, then the client shuts its sending side.
        shut = []
        for data in (partial_head, partial_body, b""):
            s = connect(srv.port)
            if data:
                s.sendall(data)
            s.shutdown(socket.SHUT_WR)
            shut.append(s)
        results = [read_until_closed(s, HEADER_TIMEOUT + SLACK + 1) for s in shut]
        silent_results = []
        for s in silent:
            data, closed, _ = read_until_closed(s, BODY_TIMEOUT + SLACK + 1)
            silent_results.append((data, closed, time.monotonic() - t_sent))
    for s in silent + shut:
        s.close()
    probe.check()
    # The half-closed ones are closed at once, without an answer: the request
    # can never be completed.
    for data, closed, waited in results:
        assert closed and data == b"" and waited < HEADER_TIMEOUT * 0.8, (data, closed, waited)
    # The silent ones get 408 when their head or body is late.
    (d1, c1, w1), (d2, c2, w2) = silent_results
    assert c1 and status_of(d1) == 408
    assert HEADER_TIMEOUT * 0.9 <= w1 <= HEADER_TIMEOUT + SLACK
    assert c2 and status_of(d2) == 408
    assert BODY_TIMEOUT * 0.9 <= w2 <= BODY_TIMEOUT + SLACK


def test_thousands_of_idle_connections(hostile):
    srv, table = hostile
    n = 3000
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 1000), hard))
    assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] >= n + 200, "cannot open enough sockets"
    fds_before = settled_fds(srv.proc.pid)
    socks = []
    try:
        with Probe(srv, table) as probe:
            t0 = time.monotonic()
            for _ in range(n):
                socks.append(socket.create_connection(("127.0.0.1", srv.port), timeout=5))
            opened = time.monotonic() - t0
            # All accepted and held while the probe runs.
            deadline = time.monotonic() + 5
            while accepted(srv.proc.pid, srv.port, socks) < n and time.monotonic() < deadline:
                time.sleep(0.05)
            held = accepted(srv.proc.pid, srv.port, socks)
            time.sleep(0.3)
        probe.check()
        assert held == n, "server accepted %d of %d idle connections in %.1f s" % (
            held, n, time.monotonic() - t0)
        # Not closed before the idle timeout...
        poller = select.poll()
        for s in socks:
            poller.register(s, select.POLLIN)
        early = IDLE_TIMEOUT * 0.9 - (time.monotonic() - t0)
        if early > 0:
            ready = poller.poll(early * 1000)
            assert ready == [], "%d idle connections closed early (%d still accepted)" % (
                len(ready), accepted(srv.proc.pid, srv.port, socks))
        # ... and all closed by the server soon after it.
        closed = set()
        deadline = t0 + opened + IDLE_TIMEOUT + SLACK
        while len(closed) < n and time.monotonic() < deadline:
            for fd, _ in poller.poll(50):
                closed.add(fd)
                poller.unregister(fd)
        assert len(closed) == n, "%d idle connections still open" % (n - len(closed))
        assert all(s.recv(1) == b"" for s in socks[:50])
    finally:
        for s in socks:
            s.close()
    # The server's descriptors are back where they were.
    deadline = time.monotonic() + 3
    while open_fds(srv.proc.pid) > fds_before + 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert open_fds(srv.proc.pid) <= fds_before + 5


def test_deep_pipelining_answered_in_order_while_others_stay_fast(hostile):
    srv, table = hostile
    n = 30000  # three times 10,000, so that the attack lasts long enough to measure
    requests = b"".join(get_item_request(table, "k%d" % (i % SMALL_ITEMS)) for i in range(n))
    s = connect(srv.port, timeout=30)
    got = []
    failure = []

    def reader():
        f = s.makefile("rb")
        try:
            for _ in range(n):
                r = read_response(f)
                if r is None:
                    failure.append("connection closed after %d responses" % len(got))
                    return
                got.append((r.status, r.json().get("Item", {}).get("pk", {}).get("S")))
        except Exception as e:  # noqa: BLE001
            failure.append(repr(e))

    t = threading.Thread(target=reader, daemon=True)
    with RssWatch(srv.proc.pid) as rss, Probe(srv, table) as probe:
        t0 = time.monotonic()
        t.start()
        s.sendall(requests)
        t.join(60)
        elapsed = time.monotonic() - t0
    s.close()
    probe.check()
    during = probe.count_between(t0, t0 + elapsed)
    assert during >= 10, "only %d GetItems during the %.2f s of pipelining" % (during, elapsed)
    assert not failure, failure
    assert len(got) == n, "%d of %d pipelined answers in %.1f s" % (len(got), n, elapsed)
    assert got == [(200, "k%d" % (i % SMALL_ITEMS)) for i in range(n)]
    # The pipeline's input and output are held a part at a time.
    assert rss.peak - rss.base < 64, "VmRSS %.0f -> %.0f MB" % (rss.base, rss.peak)


def test_client_that_never_reads_is_bounded_then_closed(hostile):
    srv, table = hostile
    req = get_item_request(table, "big")
    n = 20000  # 20,000 answers of 300 KB: 6 GB if the server kept them all
    s = connect(srv.port)
    s.setblocking(False)
    with RssWatch(srv.proc.pid) as rss, Probe(srv, table) as probe:
        data = req * n
        off = 0
        t0 = time.monotonic()
        # Push as many requests as the server takes in 0.3 s; never read.
        while off < len(data) and time.monotonic() - t0 < 0.3:
            try:
                off += s.send(data[off:off + 65536])
            except BlockingIOError:
                time.sleep(0.01)
        assert off < len(data), "the server took every request without answers being read"
        time.sleep(WRITE_TIMEOUT * 0.4)
        assert tcp_state(s) == TCP_ESTABLISHED, "closed before the write timeout"
        deadline = time.monotonic() + WRITE_TIMEOUT + SLACK + 1
        while tcp_state(s) == TCP_ESTABLISHED and time.monotonic() < deadline:
            time.sleep(0.05)
        closed_after = time.monotonic() - t0
    probe.check()
    assert tcp_state(s) != TCP_ESTABLISHED, "still open %.1f s after the write timeout" % (
        closed_after - WRITE_TIMEOUT)
    s.close()
    assert rss.peak - rss.base < 32, "VmRSS %.0f -> %.0f MB" % (rss.base, rss.peak)


def test_oversized_headers_get_431(hostile):
    srv, table = hostile
    ok = get_item_request(table, "k5")
    head, _, body = ok.partition(b"\r\n\r\n")
    # A head just under the limit is served...
    pad = MAX_HEADER_BYTES - len(head) - 4 - len("X-Pad: \r\n")
    s = connect(srv.port)
    s.sendall(head + b"\r\nX-Pad: " + b"p" * pad + b"\r\n\r\n" + body)
    r = read_response(s.makefile("rb"))
    s.close()
    assert r.status == 200 and r.json() == {"Item": small_item(5)}
    with Probe(srv, table) as probe:
        # ... one byte more is not.
        s = connect(srv.port)
        s.sendall(head + b"\r\nX-Pad: " + b"p" * (pad + 1) + b"\r\n\r\n" + body)
        data, closed, _ = read_until_closed(s, 5)
        s.close()
        assert closed and status_of(data) == 431, data[:100]
        assert b"\r\nConnection: close\r\n" in data
        # A head that never ends is refused once it passes the limit, without
        # waiting for the header timeout.
        s = connect(srv.port)
        t0 = time.monotonic()
        s.sendall(b"POST / HTTP/1.1\r\nX-Big: " + b"b" * (MAX_HEADER_BYTES + 10))
        data, closed, _ = read_until_closed(s, 5)
        s.close()
        assert closed and status_of(data) == 431
        assert time.monotonic() - t0 < HEADER_TIMEOUT
        # So are too many header fields, however short.
        s = connect(srv.port)
        s.sendall(head + b"".join(b"\r\nH%d: v" % i for i in range(101)) + b"\r\n\r\n" + body)
        data, closed, _ = read_until_closed(s, 5)
        s.close()
        assert closed and status_of(data) == 431
    probe.check()


LINGER = 2.0  # how long the server reads and discards after refusing a request


def test_refused_client_that_keeps_sending_is_closed(hostile):
    """After a 431 the server discards what the client still sends, for a
    short while only, however fast the client keeps sending."""
    srv, table = hostile
    s = connect(srv.port)
    junk = b"j" * (4 * 1024 * 1024)  # large sends: the client outpaces a drain turn
    with Probe(srv, table) as probe:
        t0 = time.monotonic()
        s.sendall(b"POST / HTTP/1.1\r\nX-Big: " + b"b" * (MAX_HEADER_BYTES + 10))
        closed_after = None
        while time.monotonic() - t0 < LINGER + SLACK + 3:
            try:
                s.sendall(junk)
            except (BrokenPipeError, ConnectionResetError):
                closed_after = time.monotonic() - t0
                break
    s.close()
    probe.check()
    assert closed_after is not None, "the server still reads after %.1f s" % (LINGER + SLACK + 3)
    assert closed_after <= LINGER + SLACK


def test_oversized_body_gets_413_at_once(hostile):
    srv, table = hostile
    with Probe(srv, table) as probe:
        # Content-Length over the service's 16 MB: answered from the head alone.
        s = connect(srv.port)
        s.sendall(head_for("PutItem", length=SERVICE_MAX_BODY + 1))
        s.shutdown(socket.SHUT_WR)  # no body will come
        data, closed, waited = read_until_closed(s, 5)
        s.close()
        assert closed and waited < 1
        assert_bare_413(data)
    probe.check()


def test_body_of_exactly_the_limit_is_accepted(hostile):
    srv, table = hostile
    payload = json.dumps({"TableName": table, "Key": {"pk": {"S": "k2"}}}).encode()
    body = payload[:-1] + b" " * (SERVICE_MAX_BODY - len(payload)) + b"}"
    assert len(body) == SERVICE_MAX_BODY
    s = connect(srv.port, timeout=30)
    s.sendall(head_for("GetItem", length=len(body)) + body)
    r = read_response(s.makefile("rb"))
    s.close()
    assert r.status == 200 and r.json() == {"Item": small_item(2)}


def test_oversized_chunked_body_gets_413(hostile):
    srv, table = hostile
    chunk = b" " * (1024 * 1024)
    framed = b"%x\r\n" % len(chunk) + chunk + b"\r\n"
    s = connect(srv.port, timeout=10)
    with Probe(srv, table) as probe:
        s.sendall(head_for("PutItem", chunked=True) + b"1\r\n{\r\n")
        sent = 1
        refused = None
        try:
            for _ in range(20):  # 20 MB: past the 16 MB limit
                s.sendall(framed)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError) as e:
            refused = e
        try:
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        data, closed, _ = read_until_closed(s, 5)
        s.close()
    probe.check()
    assert closed
    assert sent > SERVICE_MAX_BODY - len(chunk) or refused is not None
    assert_bare_413(data)


def test_gzip_body_inflating_past_the_limit_gets_413(hostile):
    srv, table = hostile
    inner = b'{"TableName":"' + table.encode() + b'"' + b" " * SERVICE_MAX_BODY + b"}"
    body = gzip.compress(inner, 6)
    assert len(body) < 100000
    s = connect(srv.port, timeout=30)
    s.sendall(head_for("GetItem", length=len(body), extra=["Content-Encoding: gzip"]) + body)
    s.shutdown(socket.SHUT_WR)
    data, closed, _ = read_until_closed(s, 10)
    s.close()
    assert closed
    assert_bare_413(data)
    # Under the limit once inflated, the same kind of body is served.
    inner = (b'{"TableName":"' + table.encode() + b'","Key":{"pk":{"S":"k4"}}' +
             b" " * (SERVICE_MAX_BODY - 200) + b"}")
    body = gzip.compress(inner, 6)
    s = connect(srv.port, timeout=30)
    s.sendall(head_for("GetItem", length=len(body), extra=["Content-Encoding: gzip"]) + body)
    r = read_response(s.makefile("rb"))
    s.close()
    assert r.status == 200 and r.json() == {"Item": small_item(4)}


def test_sdk_sees_413_for_an_oversized_request(hostile):
    srv, table = hostile
    client = make_client(srv.endpoint, read_timeout=30)
    with pytest.raises(ClientError) as e:
        client.put_item(TableName=table,
                        Item={"pk": {"S": "huge"}, "v": {"S": "x" * (SERVICE_MAX_BODY + 10)}})
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert e.value.response["Error"]["Code"] == "413"


def test_huge_bodies_do_not_starve_others(hostile):
    """Bodies near the limit, received as fast as the client sends them, and
    a chunked body of many small chunks, while the probe measures."""
    srv, table = hostile
    payload = json.dumps({"TableName": table, "Key": {"pk": {"S": "k9"}}}).encode()
    big = payload[:-1] + b" " * (12 * 1024 * 1024) + b"}"
    chunks = [payload[:-1]] + [b" " * 60] * 100000 + [b"}"]  # 6 MB in 100,000 chunks
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"
    answers = []
    with Probe(srv, table) as probe:
        t0 = time.monotonic()
        for _ in range(3):
            s = connect(srv.port, timeout=30)
            s.sendall(head_for("GetItem", length=len(big)) + big)
            answers.append(read_response(s.makefile("rb")))
            s.close()
        s = connect(srv.port, timeout=30)
        head = head_for("GetItem", chunked=True)
        s.sendall(head)
        for k in range(0, len(chunked), 4096):  # in small pieces: many reads
            s.sendall(chunked[k:k + 4096])
        answers.append(read_response(s.makefile("rb")))
        s.close()
        elapsed = time.monotonic() - t0
    probe.check()
    assert [(r.status, r.json()) for r in answers] == [(200, {"Item": small_item(9)})] * 4
    assert elapsed < 30


def test_too_many_connections_are_refused_and_existing_ones_work(tmp_path_factory):
    limit = 20
    srv = start_server(tmp_path_factory, ["--threads", "2", "--max-connections", str(limit),
                                          "--max-body-bytes", "1000"])
    socks = []
    try:
        def health(s):
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            return read_response(s.makefile("rb"))

        for _ in range(limit):
            s = connect(srv.port)
            assert health(s).status == 200
            socks.append(s)
        # One more: accepted by the kernel, closed by the server at once.
        for _ in range(3):
            extra = connect(srv.port)
            try:
                extra.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            except OSError:
                pass
            data, closed, waited = read_until_closed(extra, 3)
            extra.close()
            assert closed and data == b"" and waited < 1
        # The existing ones keep working.
        for s in socks:
            assert health(s).status == 200
        # Room again once some close.
        for s in socks[:5]:
            s.close()
        del socks[:5]
        time.sleep(0.2)
        for _ in range(5):
            s = connect(srv.port)
            assert health(s).status == 200
            socks.append(s)
        # --max-body-bytes: the limit is the flag's, not the service's.
        for s in socks[:2]:
            s.close()
        del socks[:2]
        time.sleep(0.2)
        s = connect(srv.port)
        s.sendall(head_for("ListTables", length=1001) + b" " * 1001)
        s.shutdown(socket.SHUT_WR)
        data, closed, _ = read_until_closed(s, 5)
        s.close()
        assert closed
        assert_bare_413(data)
        s = connect(srv.port)
        s.sendall(head_for("ListTables", length=1000) + b"{}" + b" " * 998)
        r = read_response(s.makefile("rb"))
        s.close()
        assert r.status == 200 and "TableNames" in r.json()
    finally:
        for s in socks:
            s.close()
        stop_server(srv)


def test_descriptor_limit_raised_at_start(tmp_path_factory):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard <= 512:
        pytest.skip("hard descriptor limit %d: nothing to raise" % hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))
    try:
        srv = start_server(tmp_path_factory, [])
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    try:
        with open("/proc/%d/limits" % srv.proc.pid) as f:
            line = next(x for x in f if x.startswith("Max open files"))
        got_soft, got_hard = line.split()[3:5]
        assert got_soft == got_hard, line
    finally:
        stop_server(srv)
