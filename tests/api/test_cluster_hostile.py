"""Cluster mode under hostile input: garbage on every node's cluster port
(Raft's TCP transport) and bad admin requests must neither crash nor stall
a node.

Each test starts a 3-node cluster (test_cluster.py's helpers), throws its
input at every node, then checks that every node is still alive, that the
group still has a leader, and that a write through each node is acknowledged
and read back from every node.  Every loop is bounded in count and time.

The cluster port speaks libraft's protocol: a handshake (u64 protocol 1,
u64 node ID, u64 address length, the address), then messages (u64 type,
u64 header length, the header, a payload).  All little-endian.
"""

import os
import random
import socket
import struct
import threading
import time

import pytest

from test_cluster import TABLE, Cluster, admin, api_address, create_table, eventually, item, \
    running

PROTOCOL = 1
# message types (raft.h)
APPEND_ENTRIES, APPEND_ENTRIES_RESULT, REQUEST_VOTE, REQUEST_VOTE_RESULT, INSTALL_SNAPSHOT, \
    TIMEOUT_NOW = 1, 2, 3, 4, 5, 6
SEED = int(os.environ.get("HOSTILE_SEED", "20261130"))


@pytest.fixture
def cluster(tmp_path):
    yield from running(Cluster(tmp_path).start())


def u64(*values):
    return b"".join(struct.pack("<Q", v) for v in values)


def handshake(node_id=99, address=b"127.0.0.1:1\0", length=None):
    return u64(PROTOCOL, node_id, len(address) if length is None else length) + address


def send(port, data, linger=0.0, timeout=2.0):
    """Connect to port, send data, wait linger seconds (reading whatever
    comes back), close.  The node may close first: that is fine."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(data)
        deadline = time.monotonic() + linger
        s.settimeout(0.05)
        while time.monotonic() < deadline:
            try:
                if not s.recv(4096):
                    break
            except socket.timeout:
                pass
    except OSError:
        pass  # reset by the node
    finally:
        s.close()


def item_or_none(client, key):
    """The item as a node has it; None also while the node has not yet
    applied the table's creation (a follower's reads are its own state)."""
    try:
        return item(client, key)
    except client.exceptions.ResourceNotFoundException:
        return None


def healthy(cluster, key):
    """Every node is alive, the group has a leader, and a write through
    every node is read back from every node."""
    for i, node in cluster.nodes.items():
        assert node.alive(), "node %d died:\n%s" % (i, node.log_tail(40))
    leader = cluster.leader(timeout=15)
    clients = cluster.clients
    tables = clients[leader].list_tables()["TableNames"]
    if TABLE not in tables:
        create_table(clients[leader])
    for i in cluster.ids:
        k = "%s-via-%d" % (key, i)
        # a write may meet an election the garbage caused: retried, bounded
        deadline = time.monotonic() + 15
        while True:
            try:
                clients[i].put_item(TableName=TABLE, Item={"k": {"S": k}, "v": {"N": str(i)}})
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        for j in cluster.ids:
            got = eventually(lambda: item_or_none(clients[j], k))
            assert got == {"k": {"S": k}, "v": {"N": str(i)}}, (i, j)
    for i, node in cluster.nodes.items():
        assert node.alive(), "node %d died:\n%s" % (i, node.log_tail(40))


def every_port(cluster):
    return list(cluster.cluster_ports.values())


def test_random_bytes(cluster):
    healthy(cluster, "before")
    rng = random.Random(SEED)
    for port in every_port(cluster):
        for size in (1, 7, 8, 23, 24, 25, 64, 1000, 65536):
            send(port, bytes(rng.getrandbits(8) for _ in range(size)))
        # a plausible start (protocol 1) with random rest
        for _ in range(20):
            send(port, u64(PROTOCOL) + bytes(rng.getrandbits(8) for _ in range(rng.randrange(64))))
        # HTTP and TLS spoken to the wrong port
        send(port, b"GET /cluster/status HTTP/1.1\r\nHost: x\r\n\r\n")
        send(port, bytes.fromhex("16030100a5010000a10303") + b"\0" * 160)
    healthy(cluster, "after")


@pytest.mark.parametrize("name, data", [
    ("wrong protocol", u64(2, 99, 12) + b"127.0.0.1:1\0"),
    ("protocol zero", u64(0, 0, 0)),
    ("address length 0", handshake(length=0)),
    ("address length 2^63", u64(PROTOCOL, 99, 1 << 63)),
    ("address length 2^64-1", u64(PROTOCOL, 99, (1 << 64) - 1)),
    ("address length 1 GiB, 16 bytes sent", u64(PROTOCOL, 99, 1 << 30) + b"x" * 16),
    ("address without NUL", handshake(address=b"A" * 64)),
    ("node ID 0", handshake(node_id=0)),
    ("node ID 2^64-1", handshake(node_id=(1 << 64) - 1)),
    ("a member's ID", handshake(node_id=1)),
    ("message header length 0", handshake() + u64(REQUEST_VOTE, 0)),
    ("message header length 2^63", handshake() + u64(REQUEST_VOTE, 1 << 63)),
    ("message header length 2^64-1", handshake() + u64(APPEND_ENTRIES, (1 << 64) - 1)),
    ("unknown message type", handshake() + u64(77, 8) + u64(1)),
    ("message type 0", handshake() + u64(0, 8) + u64(1)),
    ("append entries: 2^32-1 entries", handshake() + u64(APPEND_ENTRIES, 40) + u64(0, 0, 0, 0)
     + u64((1 << 32) - 1)),
    ("append entries: bad entry type", handshake() + u64(APPEND_ENTRIES, 56) + u64(0, 0, 0, 0, 1)
     + u64(0) + bytes([9, 0, 0, 0]) + struct.pack("<I", 8)),
])
def test_absurd_handshakes_and_headers(cluster, name, data):
    for port in every_port(cluster):
        send(port, data, linger=0.3)
    healthy(cluster, "absurd")


def test_half_open_many_and_slow(cluster):
    healthy(cluster, "before")
    held = []
    try:
        # half-open: connected, nothing or a part of a handshake sent, kept open
        for port in every_port(cluster):
            for part in (b"", u64(PROTOCOL)[:3], handshake()[:20], handshake(),
                         handshake() + u64(REQUEST_VOTE)):
                s = socket.create_connection(("127.0.0.1", port), timeout=2)
                s.sendall(part)
                held.append(s)
        # many at once: 150 per node, each with a complete handshake
        for port in every_port(cluster):
            for _ in range(150):
                try:
                    s = socket.create_connection(("127.0.0.1", port), timeout=2)
                    s.sendall(handshake())
                    held.append(s)
                except OSError:
                    break

        # slow drip: a handshake and a header one byte every 20 ms, on every
        # node at once, while the group must keep working
        def drip(port):
            data = handshake() + u64(REQUEST_VOTE, 40) + u64(0, 0, 0, 0, 0)
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=2)
                for b in data[:60]:
                    s.sendall(bytes([b]))
                    time.sleep(0.02)
                s.close()
            except OSError:
                pass

        drippers = [threading.Thread(target=drip, args=(p,)) for p in every_port(cluster)]
        for t in drippers:
            t.start()
        healthy(cluster, "meanwhile")
        for t in drippers:
            t.join(timeout=30)
    finally:
        for s in held:
            s.close()
    healthy(cluster, "after")


# --------------------------------------------------------------------------
# The admin command against wrong ports and with bad IDs


def test_admin_hostile(cluster):
    leader = cluster.leader()
    healthy(cluster, "before")
    node = cluster.nodes[leader]
    to = api_address(node)
    # a cluster port is not an API port: no answer, an error, no hang
    for port in every_port(cluster):
        t0 = time.monotonic()
        rc, out, err = admin("status", "--to", "127.0.0.1:%d" % port)
        assert rc == 1 and out == "" and err, (rc, out, err)
        assert time.monotonic() - t0 < 45
    # refused arguments
    for args in (["remove", "0"], ["remove", "99999999999999999999999999"],
                 ["remove", "18446744073709551616"], ["add", "0=127.0.0.1:1"],
                 ["add", "99999999999999999999=127.0.0.1:1"], ["add", "5=nocolon"],
                 ["add", "5=:1"], ["add", "5=h:"]):
        rc, out, err = admin(*args, "--to", to)
        assert rc in (1, 2) and out == "", (args, rc, out, err)
    # a member that is not there, and the nodes' own IDs through a follower
    rc, out, err = admin("remove", "77", "--to", to)
    assert rc == 1 and out == "" and "refused" in err, (rc, out, err)
    # bad requests straight to the admin path
    import http.client
    for method, path in (("GET", "/cluster/status?" + "x" * 5000), ("POST", "/cluster/add"),
                         ("POST", "/cluster/add?id=&address="),
                         ("POST", "/cluster/add?id=4&address=" + "a" * 3000 + ":1"),
                         ("POST", "/cluster/remove?id=" + "9" * 300),
                         ("POST", "/cluster/member?id=0&api=x"),
                         ("GET", "/cluster/remove?id=2"), ("DELETE", "/cluster/status"),
                         ("POST", "/cluster/%00"), ("POST", "/cluster/remove?id=77%00")):
        conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=20)
        try:
            conn.request(method, path, body=b"")
            resp = conn.getresponse()
            resp.read()
            assert resp.status in (200, 400, 403, 404, 405, 409, 413, 414, 431), (path, resp.status)
        finally:
            conn.close()
    # a value cut at a decoded NUL would read "id=2%00" as member 2 and remove it
    follower = next(i for i in cluster.ids if i != leader)
    for path in ("/cluster/remove?id=%d%%00" % follower, "/cluster/remove?id=%d%%00x" % follower):
        conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=20)
        try:
            conn.request("POST", path, body=b"")
            resp = conn.getresponse()
            resp.read()
            assert resp.status == 400, (path, resp.status)
        finally:
            conn.close()
    healthy(cluster, "after")
    # every member is still one
    rows = eventually(lambda: admin("status", "--to", to)[1])
    for i in cluster.ids:
        assert ("\n%d " % i) in rows, rows


# --------------------------------------------------------------------------
# Inputs that reach the followers' replay


def test_index_with_the_longest_name_replicates(cluster):
    """An index's DBI is named "i:<table id>:<index name>": with a 255-byte
    index name that is over 255 bytes, which the change set's one-byte name
    length wrapped, and every follower stopped at the entry."""
    leader = cluster.leader()
    lc = cluster.clients[leader]
    index = "g" * 255
    lc.create_table(
        TableName="longidx", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"},
                              {"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{"IndexName": index,
                                 "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "ALL"}}])
    lc.put_item(TableName="longidx", Item={"k": {"S": "a"}, "g": {"S": "x"}})

    def found(i):
        try:
            return cluster.clients[i].query(
                TableName="longidx", IndexName=index, KeyConditionExpression="g = :g",
                ExpressionAttributeValues={":g": {"S": "x"}})["Items"]
        except Exception:
            return None

    for i in cluster.ids:
        assert eventually(lambda: found(i)) == [{"k": {"S": "a"}, "g": {"S": "x"}}], i
    healthy(cluster, "longidx")
