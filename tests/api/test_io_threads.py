"""Connections are spread evenly over the I/O threads.

The kernel hands a new connection to one thread's listening socket by a hash
of its addresses, which leaves some threads with three times as many
connections as others; the server moves each new connection to the thread
with the fewest.  Which thread serves which connection is read from
/proc/PID/fdinfo of the threads' epoll descriptors (Linux).
"""

import os
import socket
import time

import pytest

from conftest import Server, read_response, socket_inodes

THREADS = 4


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def healthy(s):
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    return read_response(s.makefile("rb")).status == 200


def per_thread(pid, server_port, socks):
    """How many of socks each epoll descriptor of the server watches, sorted."""
    inodes = socket_inodes(server_port, {s.getsockname()[1] for s in socks})
    assert len(inodes) == len(socks)
    fd_dir = "/proc/%d/fd" % pid
    ours, epolls = set(), []
    for name in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, name))
        except OSError:
            continue
        if target.startswith("socket:[") and target[8:-1] in inodes:
            ours.add(int(name))
        elif target == "anon_inode:[eventpoll]":
            epolls.append(int(name))
    counts = []
    for ep in epolls:
        with open("/proc/%d/fdinfo/%d" % (pid, ep)) as f:
            watched = [int(line.split()[1]) for line in f if line.startswith("tfd:")]
        n = sum(1 for fd in watched if fd in ours)
        if n:
            counts.append(n)
    assert sum(counts) == len(socks)
    return sorted(counts + [0] * (THREADS - len(counts)))


@pytest.fixture
def threaded_server(tmp_path):
    if not os.path.exists("/proc/net/tcp"):
        pytest.skip("needs Linux's /proc")
    srv = Server(extra_args=["--threads", str(THREADS)]).start()
    yield srv
    srv.finish()
    srv.cleanup()


def settled(pid, port, socks, want):
    """Waits (bounded) until the threads have taken the handed-over connections."""
    deadline = time.monotonic() + 5
    while True:
        got = per_thread(pid, port, socks)
        if got == want or time.monotonic() > deadline:
            return got
        time.sleep(0.05)


def test_connections_are_spread_evenly_over_the_threads(threaded_server):
    srv = threaded_server
    socks = []
    try:
        for _ in range(4 * THREADS):
            s = connect(srv.port)
            assert healthy(s)
            socks.append(s)
        assert settled(srv.proc.pid, srv.port, socks, [4] * THREADS) == [4] * THREADS
        # Close some (the first six, wherever they are served), open as many again: the new
        # ones go where the room is.
        for s in socks[:6]:
            s.close()
        del socks[:6]
        time.sleep(0.2)
        assert sum(per_thread(srv.proc.pid, srv.port, socks)) == 4 * THREADS - 6
        for _ in range(6):
            s = connect(srv.port)
            assert healthy(s)
            socks.append(s)
        assert settled(srv.proc.pid, srv.port, socks, [4] * THREADS) == [4] * THREADS
        # Every connection is served, handed over or not.
        assert all(healthy(s) for s in socks)
    finally:
        for s in socks:
            s.close()


def thread_names(pid):
    names = []
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
            names.append(f.read().strip())
    return sorted(names)


def test_threads_are_named_by_their_role(threaded_server):
    """top -H and /proc show which thread is which: the I/O threads by number, the writer,
    the housekeeping thread; the main thread keeps the program's name."""
    pid = threaded_server.proc.pid
    with open("/proc/%d/comm" % pid) as f:
        program = f.read().strip()  # the main thread's: ddbd, or the build's binary name
    assert program.startswith("ddbd")
    assert thread_names(pid) == sorted(
        [program, "janitor", "writer"] + ["io %d" % i for i in range(THREADS)])
