"""What answers at a peer region's address is not trusted: a server that
answers a replication call with a head that never ends, a body longer than
any answer, or a coding no ddbd uses must make the caller drop the
connection at once (after at most the longest head, or nothing of the body),
never read on into memory, and leave the server serving.

The fake peer answers every request on every connection with the same bytes
and then keeps sending filler until the connection breaks, counting what it
sent; ddbd is asked for a replica in that region, which makes it call the
peer.  Every loop here is bounded in bytes and time."""

import socket
import threading
import time

import pytest

from conftest import Server, free_port, make_client, unique_name, wait_for

FILLER_CAP = 256 << 20  # a caller still reading after this much never stops
TIME_CAP_S = 30


class FakePeer:
    def __init__(self, reply, filler):
        self.reply, self.filler = reply, filler
        self.port = free_port()
        self.done = []  # per connection: (bytes of filler sent, seconds, broken)
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.stopping = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stopping:
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self.serve, args=(c,), daemon=True).start()

    def serve(self, c):
        c.settimeout(5)
        sent, broken, t0 = 0, False, time.monotonic()
        try:
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 1 << 20:
                data = c.recv(65536)
                if not data:
                    return
                head += data
            c.sendall(self.reply)
            chunk = self.filler * (65536 // len(self.filler) + 1)
            while sent < FILLER_CAP and time.monotonic() - t0 < TIME_CAP_S:
                c.sendall(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            broken = True
        finally:
            self.done.append((sent, time.monotonic() - t0, broken))
            c.close()

    def stop(self):
        self.stopping = True
        self.sock.close()


CASES = [
    # a header that never ends
    ("endless-head", b"HTTP/1.1 200 OK\r\nX-Filler: ", b"a"),
    # a body longer than any answer, announced and then sent
    ("huge-body", b"HTTP/1.1 200 OK\r\nContent-Length: 999999999999\r\n\r\n", b"{"),
    # lengths that do not say how long the body is
    ("chunked", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", b"ffff\r\n"),
    ("two-lengths", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 999999999\r\n\r\n",
     b"x"),
    ("length-not-a-number", b"HTTP/1.1 200 OK\r\nContent-Length: 1e12\r\n\r\n", b"x"),
]


def rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0


@pytest.mark.parametrize("name,reply,filler", CASES, ids=[c[0] for c in CASES])
def test_a_peer_answering_garbage_is_dropped(tmp_path, name, reply, filler):
    peer = FakePeer(reply, filler)
    srv = Server(data_dir=tmp_path / "a", extra_args=[
        "--region", "us-east-1", "--peer-region", "us-west-2=http://127.0.0.1:%d" % peer.port])
    try:
        srv.start()
        client = make_client(srv.endpoint)
        table = unique_name("garbage")
        client.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                            KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                            AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}])
        wait_for(lambda: client.describe_table(TableName=table)["Table"]["TableStatus"] ==
                 "ACTIVE", 15, "table active")
        client.update_table(TableName=table,
                            ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])
        wait_for(lambda: peer.done, TIME_CAP_S + 15, "a call to the peer that ended")
        sent, seconds, broken = peer.done[0]
        # dropped by ddbd, long before the fake's own limits: what the kernel's buffers hold
        # plus the longest head, not the hundreds of megabytes it was offered
        assert broken, (sent, seconds)
        assert sent < 32 << 20, (sent, seconds)
        assert seconds < 10, (sent, seconds)
        assert srv.alive()
        assert rss_mib(srv.proc.pid) < 200
        client.put_item(TableName=table, Item={"k": {"S": "still"}})
        assert client.get_item(TableName=table, Key={"k": {"S": "still"}},
                               ConsistentRead=True)["Item"] == {"k": {"S": "still"}}
    finally:
        peer.stop()
        srv.finish()
