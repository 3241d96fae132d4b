"""Cluster mode: what the store's durability rests on.

A node's store commits are not synced one by one: the Raft log (synced on
a majority before an entry counts) is the durable record.  A file in the
node's Raft directory, raft/store-unsynced, names the boot whose unsynced
store pages may not be on the disk; a clean stop syncs the store and
removes it.  A start that finds it naming another boot (a power loss or a
system crash came in between) deletes the store and rebuilds it from the
node's own Raft snapshot and log.

A power loss is simulated after a kill -9: the marker is made to name
another boot, and the store file is damaged as a torn write could leave it
(using it would fail, or serve a state that is not the log's).  Every wait
is bounded.
"""

import os
import re
import threading
import time

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError, \
    ReadTimeoutError

from conftest import make_client
from test_cluster import TABLE, Cluster, create_table, eventually, full_scan, log_text, metrics, \
    running, scan_or_none, consistent_scan_or_none

SNAPSHOT_ENTRIES = 40
BOOT_ID = "/proc/sys/kernel/random/boot_id"
OTHER_BOOT = "00000000-0000-4000-8000-000000000000"
REBUILT = "discarded; rebuilding it from the Raft snapshot and log"
PAGE = 4096


def this_boot():
    with open(BOOT_ID) as f:
        return f.read().strip()


def marker(node):
    return os.path.join(node.data_dir, "raft", "store-unsynced")


def marker_text(node):
    with open(marker(node)) as f:
        return f.read().strip()


def power_loss(node, damage):
    """After a kill -9: the marker names another boot, the store is torn."""
    assert not node.alive()
    assert marker_text(node) == this_boot()
    with open(marker(node), "w") as f:
        f.write(OTHER_BOOT + "\n")
    path = os.path.join(node.data_dir, "data.mdb")
    size = os.path.getsize(path)
    assert size > 4 * PAGE
    with open(path, "r+b") as f:
        if damage == "all":
            # nothing reached the disk: meta pages too (LMDB cannot open it)
            f.write(b"\0" * size)
        else:
            # the meta pages did, the pages they name did not
            f.seek(2 * PAGE)
            f.write(b"\0" * (size - 2 * PAGE))


def applied_at_start(node):
    """The applied index each start of the node logged, in order."""
    return [int(n) for n in re.findall(r"log in \S+, applied up to (\d+)", log_text(node))]


def assert_rebuilt(node):
    """The last start discarded the store and restored this node's own
    snapshot into the new one."""
    text = log_text(node)
    assert REBUILT in text, node.log_tail(20)
    assert "restored a snapshot" in text[text.rindex(REBUILT):], node.log_tail(20)


def put_items(client, prefix, n):
    for i in range(n):
        client.put_item(TableName=TABLE, Item={"k": {"S": "%s%04d" % (prefix, i)},
                                               "v": {"N": str(i)}})


def expect_everywhere(cluster, ids, want, timeout=30):
    """Every node of ids serves exactly want from its own copy."""
    for i in ids:
        got = eventually(lambda: scan_or_none(cluster.clients[i]) == want, timeout=timeout)
        if not got:
            have = {it["k"]["S"]: it for it in scan_or_none(cluster.clients[i]) or []}
            need = {it["k"]["S"]: it for it in want}
            missing = sorted(set(need) - set(have))
            extra = sorted(set(have) - set(need))
            differ = sorted(k for k in set(need) & set(have) if need[k] != have[k])
            progress = {j: {k: v for k, v in metrics(cluster.nodes[j]).items()
                            if "applied" in k or "commit" in k}
                        for j in cluster.ids}
            raise AssertionError("node %d: missing %s (%d), extra %s, different %s\n%s\n%s" % (
                i, missing[:20], len(missing), extra[:20], differ[:20], progress,
                "\n".join("node %d:\n%s" % (j, cluster.nodes[j].log_tail(25))
                          for j in cluster.ids)))


def leader_state(cluster, ids):
    """A strongly consistent full scan through any of ids (retried through
    an election)."""
    want = None
    deadline = time.monotonic() + 20
    while want is None and time.monotonic() < deadline:
        for i in ids:
            try:
                want = consistent_scan_or_none(cluster.clients[i])
            except ClientError as e:  # the table not known yet on a rebuilt node
                if e.response["Error"]["Code"] != "ResourceNotFoundException":
                    raise
            if want is not None:
                break
        else:
            time.sleep(0.1)
    assert want is not None, "no leader answers"
    return want


@pytest.fixture
def snapshotting(tmp_path):
    yield from running(Cluster(tmp_path, extra_args=["--cluster-snapshot-entries",
                                                     str(SNAPSHOT_ENTRIES)]).start())


@pytest.fixture
def cluster(tmp_path):
    yield from running(Cluster(tmp_path).start())


def thirty_items_everywhere(cluster):
    """A table of 30 items written through the leader, served by every
    node; its full (consistent) scan."""
    lc = cluster.clients[cluster.leader()]
    create_table(lc)
    put_items(lc, "k", 30)
    want = full_scan(lc, consistent=True)
    expect_everywhere(cluster, cluster.ids, want)
    return want


def restart_all_keeping_the_store(cluster, want):
    """Start every (stopped) node again: none rebuilds (the store kept
    what it had applied: its second start-up line says applied >= 31) and
    each serves want."""
    for i in cluster.ids:
        cluster.nodes[i].start()
    for i in cluster.ids:
        node = cluster.nodes[i]
        assert REBUILT not in log_text(node)
        starts = applied_at_start(node)
        assert len(starts) == 2 and starts[1] >= 31, starts
    expect_everywhere(cluster, cluster.ids, want)
    assert leader_state(cluster, cluster.ids) == want


def test_power_loss_of_every_node_loses_no_acknowledged_write(snapshotting):
    """Every node loses power after acknowledged writes (past several
    snapshots, then some more in the log): each rebuilds its store from its
    own snapshot and log and serves every acknowledged item."""
    cluster = snapshotting
    leader = cluster.leader()
    lc = cluster.clients[leader]
    create_table(lc)
    n = 4 * SNAPSHOT_ENTRIES + 7
    put_items(lc, "k", n)
    lc.delete_item(TableName=TABLE, Key={"k": {"S": "k0003"}})
    lc.update_item(TableName=TABLE, Key={"k": {"S": "k0005"}},
                   UpdateExpression="SET v = v + :d",
                   ExpressionAttributeValues={":d": {"N": "100"}})
    want = full_scan(lc, consistent=True)
    assert len(want) == n - 1
    expect_everywhere(cluster, cluster.ids, want)
    assert eventually(lambda: all("snapshot of" in log_text(cluster.nodes[i])
                                  for i in cluster.ids), timeout=20)
    for i in cluster.ids:
        cluster.nodes[i].kill()
    for i in cluster.ids:
        power_loss(cluster.nodes[i], "all" if i % 2 else "data")
    for i in cluster.ids:
        cluster.nodes[i].start()
    for i in cluster.ids:
        assert_rebuilt(cluster.nodes[i])
    cluster.leader()
    assert leader_state(cluster, cluster.ids) == want
    expect_everywhere(cluster, cluster.ids, want)
    # and the cluster takes writes again, on its rebuilt stores
    leader = cluster.leader()
    cluster.clients[leader].put_item(TableName=TABLE, Item={"k": {"S": "after"}})
    want = leader_state(cluster, [leader])
    assert len(want) == n
    expect_everywhere(cluster, cluster.ids, want)
    # the marker names this boot again
    for i in cluster.ids:
        assert marker_text(cluster.nodes[i]) == this_boot()


def test_power_loss_of_one_node_while_the_others_take_writes(snapshotting):
    """One node loses power; the other two keep taking writes meanwhile
    and while it rebuilds: it ends with every acknowledged item."""
    cluster = snapshotting
    leader = cluster.leader()
    lc = cluster.clients[leader]
    create_table(lc)
    put_items(lc, "before", 2 * SNAPSHOT_ENTRIES + 5)
    victim = cluster.followers(leader)[0]
    node = cluster.nodes[victim]
    assert eventually(lambda: scan_or_none(cluster.clients[victim]) ==
                      full_scan(lc, consistent=True))
    others = [i for i in cluster.ids if i != victim]
    acked, stop = [], threading.Event()

    def writer():
        clients = {i: make_client(cluster.nodes[i].endpoint, read_timeout=15) for i in others}
        deadline = time.monotonic() + 30
        for n in range(600):
            if stop.is_set() or time.monotonic() > deadline:
                return
            key = "during%04d" % n
            try:
                clients[others[n % 2]].put_item(TableName=TABLE, Item={"k": {"S": key}})
            except (ClientError, EndpointConnectionError, ConnectionClosedError,
                    ReadTimeoutError):
                continue
            acked.append(key)

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    try:
        node.kill()
        assert eventually(lambda: len(acked) >= 20, timeout=15), "no write while it is down"
        power_loss(node, "data")
        node.start()
        assert eventually(lambda: len(acked) >= 60, timeout=20), "no write while it rebuilds"
    finally:
        stop.set()
        t.join(timeout=30)
    assert not t.is_alive()
    assert_rebuilt(node)
    for i in others:
        assert REBUILT not in log_text(cluster.nodes[i])
    want = leader_state(cluster, others)
    keys = {it["k"]["S"] for it in want}
    assert set(acked) <= keys
    assert len(keys) >= 2 * SNAPSHOT_ENTRIES + 5 + 60
    expect_everywhere(cluster, cluster.ids, want)


def test_clean_stop_leaves_no_marker_and_the_next_start_keeps_the_store(cluster):
    want = thirty_items_everywhere(cluster)
    for i in cluster.ids:
        # running: unsynced commits of this boot may exist
        assert marker_text(cluster.nodes[i]) == this_boot()
    for i in cluster.ids:
        assert cluster.nodes[i].stop() == 0
        assert not os.path.exists(marker(cluster.nodes[i]))
    restart_all_keeping_the_store(cluster, want)
    for i in cluster.ids:
        assert marker_text(cluster.nodes[i]) == this_boot()


def test_kill_without_power_loss_keeps_the_store_and_every_write(cluster):
    """A kill -9 (the process dies, the kernel keeps the pages it wrote):
    the marker names this boot, so the next start trusts the store."""
    want = thirty_items_everywhere(cluster)
    for i in cluster.ids:
        cluster.nodes[i].kill()
    for i in cluster.ids:
        assert marker_text(cluster.nodes[i]) == this_boot()
    restart_all_keeping_the_store(cluster, want)
