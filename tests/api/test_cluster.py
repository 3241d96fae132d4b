"""Cluster mode: three ddbd processes on 127.0.0.1, each with its own data
directory and cluster port, replicating through Raft.

What a client sees: a write acknowledged by any node is on every node; a
write sent to a follower is executed by the leader and its answer (success
or the exact error) relayed; when the leader is killed (-9) under a write
load, no acknowledged write is lost and writes are accepted again within
3 s; a killed follower restarts and catches up.  Every wait is bounded.

The leader is found from the nodes' logs (the line "node N leads").
"""

import os
import re
import shutil
import threading
import time

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError, \
    ReadTimeoutError

from conftest import BIN, Server, free_port, make_client

TABLE = "cluster_items"
FAILOVER_LIMIT_S = 3.0
CONVERGE_S = 10.0


class Cluster:
    def __init__(self, tmp_path, n=3, extra_args=()):
        self.ids = list(range(1, n + 1))
        ports = set()
        while len(ports) < 2 * n:  # API and cluster ports, all distinct
            ports.add(free_port())
        ports = sorted(ports)
        self.cluster_ports = {i: ports[n + i - 1] for i in self.ids}
        members = ",".join("%d=127.0.0.1:%d" % (i, self.cluster_ports[i]) for i in self.ids)
        self.nodes = {}
        for i in self.ids:
            data = tmp_path / ("node%d" % i)
            data.mkdir()
            self.nodes[i] = Server(BIN, data_dir=str(data), port=ports[i - 1],
                                   extra_args=["--node-id", str(i), "--cluster", members]
                                   + list(extra_args))
        self.clients = {}

    def start(self):
        for node in self.nodes.values():
            node.start()
        for i, node in self.nodes.items():
            self.clients[i] = make_client(node.endpoint, read_timeout=20)
        return self

    def leader(self, timeout=10.0, among=None):
        """The ID of the node whose log last says it leads (and not that it
        stopped), among the live nodes."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for i in among or self.ids:
                node = self.nodes[i]
                if not node.alive():
                    continue
                with open(node.logpath, "rb") as f:
                    text = f.read().decode("utf-8", "replace")
                events = re.findall(r"node %d (leads|no longer leads)" % i, text)
                if events and events[-1] == "leads":
                    return i
            time.sleep(0.05)
        raise AssertionError("no leader within %.0fs:\n%s" % (timeout, "\n".join(
            "node %d:\n%s" % (i, n.log_tail(15)) for i, n in self.nodes.items())))

    def followers(self, leader):
        return [i for i in self.ids if i != leader and self.nodes[i].alive()]

    def finish(self):
        for node in self.nodes.values():
            if node.alive():
                node.finish()
            else:
                node.cleanup()


def running(c):
    """Yield the started cluster c once it has a leader; stop its nodes after."""
    try:
        c.leader()
        yield c
    finally:
        for node in c.nodes.values():
            if node.alive():
                node.stop()


@pytest.fixture
def cluster(tmp_path):
    yield from running(Cluster(tmp_path).start())


def create_table(client):
    client.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}])


def item(client, key, consistent=False):
    return client.get_item(TableName=TABLE, Key={"k": {"S": key}},
                           ConsistentRead=consistent).get("Item")


def eventually(fn, timeout=CONVERGE_S):
    """fn() until it returns a true value, at most timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


# --------------------------------------------------------------------------
# Start-up


@pytest.mark.parametrize("args, why", [
    (["--node-id", "1"], "--node-id and --cluster go together"),
    (["--cluster", "1=127.0.0.1:1"], "--node-id and --cluster go together"),
    (["--node-id", "2", "--cluster", "1=127.0.0.1:1"], "--cluster must name this node's --node-id"),
    (["--node-id", "0", "--cluster", "1=127.0.0.1:1"], "--node-id is a number from 1"),
    (["--node-id", "1", "--cluster", "1=127.0.0.1"], "each node's address is HOST:PORT"),
    (["--node-id", "1", "--cluster", "1:127.0.0.1:1"], "--cluster takes ID=HOST:PORT,..."),
    (["--node-id", "1", "--cluster", "1=127.0.0.1:1,1=127.0.0.1:2"], "a node ID appears twice"),
    (["--node-id", "1", "--cluster", "1=127.0.0.1:1", "--in-memory"], "needs --data-dir"),
])
def test_bad_cluster_flags_refused(tmp_path, args, why):
    import subprocess
    p = subprocess.run([BIN, "--port", str(free_port()), "--data-dir", str(tmp_path / "d")] + args,
                       capture_output=True, timeout=20)
    assert p.returncode == 2
    assert why in p.stderr.decode()


# --------------------------------------------------------------------------
# Replication and forwarding


def test_write_on_leader_readable_on_every_node(cluster):
    leader = cluster.leader()
    lc = cluster.clients[leader]
    create_table(lc)
    lc.put_item(TableName=TABLE, Item={"k": {"S": "a"}, "v": {"N": "1"}})
    for i in cluster.ids:
        c = cluster.clients[i]
        # strongly consistent: at once, wherever asked
        assert item(c, "a", consistent=True) == {"k": {"S": "a"}, "v": {"N": "1"}}
        # eventually consistent: from the node's own copy, once applied
        assert eventually(lambda: item(c, "a")) == {"k": {"S": "a"}, "v": {"N": "1"}}
        assert eventually(lambda: c.describe_table(TableName=TABLE)["Table"]["ItemCount"] == 1)
    lc.delete_item(TableName=TABLE, Key={"k": {"S": "a"}})
    for i in cluster.ids:
        assert eventually(lambda: item(cluster.clients[i], "a") is None)


def test_write_sent_to_a_follower_runs_on_the_leader(cluster):
    leader = cluster.leader()
    follower = cluster.followers(leader)[0]
    fc = cluster.clients[follower]
    create_table(fc)  # a table created through a follower exists everywhere
    for i in cluster.ids:
        assert eventually(lambda: TABLE in cluster.clients[i].list_tables()["TableNames"])
    fc.put_item(TableName=TABLE, Item={"k": {"S": "f"}, "n": {"N": "1"}},
                ConditionExpression="attribute_not_exists(k)")
    out = fc.update_item(TableName=TABLE, Key={"k": {"S": "f"}}, UpdateExpression="ADD n :one",
                         ExpressionAttributeValues={":one": {"N": "1"}}, ReturnValues="ALL_NEW")
    assert out["Attributes"] == {"k": {"S": "f"}, "n": {"N": "2"}}
    # the leader evaluated the condition; its exact error is relayed
    with pytest.raises(ClientError) as e:
        fc.put_item(TableName=TABLE, Item={"k": {"S": "f"}},
                    ConditionExpression="attribute_not_exists(k)")
    assert e.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    assert e.value.response["Error"]["Message"] == "The conditional request failed"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert item(cluster.clients[leader], "f", consistent=True) == {"k": {"S": "f"}, "n": {"N": "2"}}
    # a validation error is the follower's own answer, the same as the leader's
    with pytest.raises(ClientError) as e:
        fc.put_item(TableName=TABLE, Item={"x": {"S": "no key"}})
    assert e.value.response["Error"]["Code"] == "ValidationException"
    # transactions run on the leader too
    fc.transact_write_items(TransactItems=[
        {"Put": {"TableName": TABLE, "Item": {"k": {"S": "t1"}}}},
        {"Put": {"TableName": TABLE, "Item": {"k": {"S": "t2"}}}}])
    got = fc.transact_get_items(TransactItems=[
        {"Get": {"TableName": TABLE, "Key": {"k": {"S": "t1"}}}},
        {"Get": {"TableName": TABLE, "Key": {"k": {"S": "t2"}}}}])
    assert [r.get("Item") for r in got["Responses"]] == [{"k": {"S": "t1"}}, {"k": {"S": "t2"}}]
    fc.delete_table(TableName=TABLE)
    for i in cluster.ids:
        assert eventually(lambda: TABLE not in cluster.clients[i].list_tables()["TableNames"])


def test_concurrent_writes_through_a_follower_each_get_their_own_answer(cluster):
    """Many writes forwarded at once (several in flight to the leader): each
    client gets the answer to its own request (the item of its own key, its
    own count), and the leader's errors are relayed to the right client."""
    leader = cluster.leader()
    follower = cluster.followers(leader)[0]
    create_table(cluster.clients[leader])
    assert eventually(lambda: TABLE in cluster.clients[follower].list_tables()["TableNames"])
    endpoint = cluster.nodes[follower].endpoint
    writers, rounds, problems = 24, 8, []

    def write(w):
        c = make_client(endpoint, read_timeout=20)
        key = {"k": {"S": f"w{w}"}}
        try:
            for r in range(1, rounds + 1):
                out = c.update_item(TableName=TABLE, Key=key, UpdateExpression="ADD n :one",
                                    ExpressionAttributeValues={":one": {"N": "1"}},
                                    ReturnValues="ALL_NEW")
                if out["Attributes"] != {"k": {"S": f"w{w}"}, "n": {"N": str(r)}}:
                    problems.append((w, r, out["Attributes"]))
                try:  # fails on the leader; its error comes back to this writer
                    c.put_item(TableName=TABLE, Item=key, ConditionExpression="attribute_not_exists(k)")
                    problems.append((w, r, "condition passed"))
                except ClientError as e:
                    if (e.response["Error"]["Code"] != "ConditionalCheckFailedException" or
                            e.response["Error"]["Message"] != "The conditional request failed"):
                        problems.append((w, r, e.response))
        except Exception as e:  # noqa: BLE001 - reported below
            problems.append((w, repr(e)))

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads)
    assert problems == []
    lc = cluster.clients[leader]
    for w in range(writers):
        assert item(lc, f"w{w}", consistent=True) == {"k": {"S": f"w{w}"}, "n": {"N": str(rounds)}}


# --------------------------------------------------------------------------
# Failures


class Load:
    """Writers putting distinct keys through every live node, each write
    bounded in count and time; records what was acknowledged."""

    def __init__(self, cluster, nodes, writers=3, per_writer=400, seconds=25.0):
        self.acked, self.lock = [], threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(cluster, nodes, w, per_writer,
                                                                seconds), daemon=True)
                        for w in range(writers)]

    def run(self, cluster, nodes, w, count, seconds):
        clients = {i: make_client(cluster.nodes[i].endpoint, read_timeout=15) for i in nodes}
        deadline = time.monotonic() + seconds
        for n in range(count):
            if self.stop.is_set() or time.monotonic() > deadline:
                return
            i = nodes[n % len(nodes)]
            if not cluster.nodes[i].alive():
                continue
            key = "w%d-%d" % (w, n)
            try:
                clients[i].put_item(TableName=TABLE, Item={"k": {"S": key}})
            except (ClientError, EndpointConnectionError, ConnectionClosedError,
                    ReadTimeoutError):
                continue  # not acknowledged: it may or may not be there
            with self.lock:
                self.acked.append(key)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=30)
        assert not any(t.is_alive() for t in self.threads)


def first_write_after(cluster, survivors, start, limit=10.0):
    """Seconds from start until a write through a survivor is acknowledged."""
    clients = [make_client(cluster.nodes[i].endpoint, read_timeout=5) for i in survivors]
    n = 0
    while time.monotonic() - start < limit:
        c = clients[n % len(clients)]
        n += 1
        try:
            c.put_item(TableName=TABLE, Item={"k": {"S": "probe-%d" % n}})
            return time.monotonic() - start
        except (ClientError, EndpointConnectionError, ConnectionClosedError, ReadTimeoutError):
            time.sleep(0.02)
    return None


def assert_all_present(cluster, nodes, keys):
    for i in nodes:
        c = cluster.clients[i]

        def missing():
            found = set()
            kw = {"TableName": TABLE}
            while True:
                page = c.scan(**kw)
                found.update(it["k"]["S"] for it in page["Items"])
                if "LastEvaluatedKey" not in page:
                    break
                kw["ExclusiveStartKey"] = page["LastEvaluatedKey"]
            return set(keys) - found
        assert eventually(lambda: not missing()), \
            "node %d lacks %d acknowledged writes, e.g. %s" % (i, len(missing()),
                                                               sorted(missing())[:5])


def assert_copies_identical(clients, ids):
    """Every node's own copy (an eventually consistent full scan) is, once
    quiet, the leader's state (a strongly consistent one, retried through
    an election): followers hold exactly what the log committed."""
    deadline = time.monotonic() + CONVERGE_S
    want = None
    while want is None:
        want = consistent_scan_or_none(clients[ids[0]])
        assert want is not None or time.monotonic() < deadline, "no leader answers"
        if want is None:
            time.sleep(0.05)
    for i in ids:
        assert eventually(lambda: scan_or_none(clients[i]) == want), \
            (i, len(want), scan_or_none(clients[i]) == want)
    return want


def test_leader_killed_under_load_loses_no_acknowledged_write(cluster):
    leader = cluster.leader()
    create_table(cluster.clients[leader])
    survivors = cluster.followers(leader)
    with Load(cluster, cluster.ids) as load:
        assert eventually(lambda: len(load.acked) >= 30, timeout=15), "no load got through"
        cluster.nodes[leader].kill()
        killed_at = time.monotonic()
        took = first_write_after(cluster, survivors, killed_at)
        time.sleep(0.5)  # some writes through the new leader
    assert took is not None and took < FAILOVER_LIMIT_S, "writes accepted again after %s s" % took
    new_leader = cluster.leader(among=survivors)
    assert new_leader in survivors
    assert len(load.acked) >= 30
    assert_all_present(cluster, survivors, load.acked)
    assert_copies_identical(cluster.clients, survivors)


def test_killed_follower_restarts_and_catches_up(cluster):
    leader = cluster.leader()
    lc = cluster.clients[leader]
    create_table(lc)
    for n in range(20):
        lc.put_item(TableName=TABLE, Item={"k": {"S": "before-%d" % n}})
    follower = cluster.followers(leader)[0]
    cluster.nodes[follower].kill()
    # a majority is left: writes go on
    for n in range(30):
        lc.put_item(TableName=TABLE, Item={"k": {"S": "during-%d" % n}})
    lc.delete_item(TableName=TABLE, Key={"k": {"S": "before-0"}})
    cluster.nodes[follower].start()
    keys = ["before-%d" % n for n in range(1, 20)] + ["during-%d" % n for n in range(30)]
    assert_all_present(cluster, [follower], keys)
    fc = cluster.clients[follower]
    assert eventually(lambda: item(fc, "before-0") is None)
    assert eventually(lambda: fc.describe_table(TableName=TABLE)["Table"]["ItemCount"] == 49)
    # and it keeps following
    lc.put_item(TableName=TABLE, Item={"k": {"S": "after"}})
    assert eventually(lambda: item(fc, "after")) == {"k": {"S": "after"}}
    assert len(assert_copies_identical(cluster.clients, cluster.ids)) == 50


def test_clean_shutdown(cluster):
    """SIGTERM stops every node with exit status 0 (under the sanitizer
    build: no leak, no late error)."""
    leader = cluster.leader()
    create_table(cluster.clients[leader])
    cluster.clients[cluster.followers(leader)[0]].put_item(TableName=TABLE,
                                                           Item={"k": {"S": "x"}})
    cluster.finish()


def test_indexes_and_table_changes_replicate(cluster):
    """Index entries, an index added later (its backfill runs on the
    leader) and a table setting change reach every node's own copy."""
    leader = cluster.leader()
    fc = cluster.clients[cluster.followers(leader)[0]]
    fc.create_table(
        TableName=TABLE, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"},
                              {"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{"IndexName": "byG", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]}])
    for n in range(5):
        fc.put_item(TableName=TABLE, Item={"k": {"S": "i%d" % n}, "g": {"S": "G"},
                                           "h": {"S": "H%d" % (n % 2)}})
    fc.update_table(TableName=TABLE,
                    AttributeDefinitions=[{"AttributeName": "h", "AttributeType": "S"}],
                    GlobalSecondaryIndexUpdates=[{"Create": {
                        "IndexName": "byH", "Projection": {"ProjectionType": "KEYS_ONLY"},
                        "KeySchema": [{"AttributeName": "h", "KeyType": "HASH"}]}}])
    fc.tag_resource(ResourceArn=fc.describe_table(TableName=TABLE)["Table"]["TableArn"],
                    Tags=[{"Key": "team", "Value": "blue"}])

    def query(c, index, attr, value):
        out = c.query(TableName=TABLE, IndexName=index, KeyConditionExpression="#a = :v",
                      ExpressionAttributeNames={"#a": attr},
                      ExpressionAttributeValues={":v": {"S": value}})
        return sorted(it["k"]["S"] for it in out["Items"])

    for i in cluster.ids:
        c = cluster.clients[i]
        assert eventually(lambda: query(c, "byG", "g", "G") == ["i%d" % n for n in range(5)])

        def by_h_active():
            t = c.describe_table(TableName=TABLE)["Table"]
            return any(x["IndexName"] == "byH" and x["IndexStatus"] == "ACTIVE"
                       for x in t.get("GlobalSecondaryIndexes", []))
        assert eventually(by_h_active), "node %d: byH not ACTIVE" % i
        assert query(c, "byH", "h", "H1") == ["i1", "i3"]
        arn = c.describe_table(TableName=TABLE)["Table"]["TableArn"]
        assert eventually(lambda: c.list_tags_of_resource(ResourceArn=arn)["Tags"] ==
                          [{"Key": "team", "Value": "blue"}])


def test_canceled_transaction_changes_no_copy(cluster):
    """A transaction canceled by a condition leaves every copy as it was,
    and a successful one changes every copy alike: followers apply exactly
    what the leader's store holds (a canceled transaction's actions ran in
    a nested transaction that was then aborted, so none of them may reach
    the followers), whatever action order meets the failing condition."""
    leader = cluster.leader()
    lc = cluster.clients[leader]
    create_table(lc)
    for k, b in (("a", 5), ("b", 100), ("c", 100)):
        lc.put_item(TableName=TABLE, Item={"k": {"S": k}, "b": {"N": str(b)}})

    def update(k, x, condition=None):
        u = {"TableName": TABLE, "Key": {"k": {"S": k}}, "UpdateExpression": "SET b = b + :x",
             "ExpressionAttributeValues": {":x": {"N": str(x)}}}
        if condition:
            u["ConditionExpression"] = condition
            if ":min" in condition:
                u["ExpressionAttributeValues"][":min"] = {"N": str(-x)}
        return {"Update": u}

    canceled = [
        [update("a", -10, "b >= :min"), update("b", 10)],   # the failing action first
        [update("b", 10), update("a", -10, "b >= :min")],   # ... and last
        [update("b", 7), update("c", -1, "attribute_not_exists(k)")],
    ]
    for actions in canceled:
        with pytest.raises(ClientError) as e:
            lc.transact_write_items(TransactItems=actions)
        assert e.value.response["Error"]["Code"] == "TransactionCanceledException"
    lc.transact_write_items(TransactItems=[update("c", -3, "b >= :min"), update("a", 3)])
    want = [{"k": {"S": "a"}, "b": {"N": "8"}}, {"k": {"S": "b"}, "b": {"N": "100"}},
            {"k": {"S": "c"}, "b": {"N": "97"}}]
    assert full_scan(lc, consistent=True) == want
    for i in cluster.ids:
        c = cluster.clients[i]
        assert eventually(lambda: full_scan(c) == want), (i, full_scan(c))


def test_minority_never_acknowledges_a_write(cluster):
    leader = cluster.leader()
    create_table(cluster.clients[leader])
    follower = cluster.followers(leader)[0]
    assert eventually(lambda: TABLE in cluster.clients[follower].list_tables()["TableNames"])
    cluster.nodes[leader].kill()
    others = [i for i in cluster.followers(leader) if i != follower]
    for i in others:
        cluster.nodes[i].kill()
    # alone, the follower can neither elect itself nor reach a leader
    c = cluster.clients[follower]
    for n in range(3):
        t0 = time.monotonic()
        with pytest.raises(ClientError) as e:
            c.put_item(TableName=TABLE, Item={"k": {"S": "lost-%d" % n}})
        assert time.monotonic() - t0 < 5.0
        assert e.value.response["Error"]["Code"] == "InternalServerError"
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
        with pytest.raises(ClientError) as e:  # nor a strongly consistent read
            item(c, "lost-%d" % n, consistent=True)
        assert e.value.response["Error"]["Code"] == "InternalServerError"
    # eventually consistent reads go on from its own copy
    assert item(c, "lost-0") is None
    assert c.describe_table(TableName=TABLE)["Table"]["TableName"] == TABLE


def test_paused_leader_never_serves_a_stale_strong_read(cluster):
    import signal
    leader = cluster.leader()
    lc = cluster.clients[leader]
    create_table(lc)
    lc.put_item(TableName=TABLE, Item={"k": {"S": "x"}, "v": {"N": "1"}})
    survivors = cluster.followers(leader)
    cluster.nodes[leader].proc.send_signal(signal.SIGSTOP)
    try:
        new_leader = cluster.leader(among=survivors)
        nc = cluster.clients[new_leader]
        deadline = time.monotonic() + 10
        while True:  # the new leader takes writes once its first entry is in
            try:
                nc.put_item(TableName=TABLE, Item={"k": {"S": "x"}, "v": {"N": "2"}})
                break
            except ClientError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
    finally:
        cluster.nodes[leader].proc.send_signal(signal.SIGCONT)
    # at once: the old leader still thinks it leads until it hears otherwise
    old = make_client(cluster.nodes[leader].endpoint, read_timeout=10)
    answers = []
    for _ in range(20):
        try:
            answers.append(item(old, "x", consistent=True)["v"]["N"])
        except ClientError as e:
            assert e.response["Error"]["Code"] == "InternalServerError"
            answers.append("500")
    assert "1" not in answers, answers
    assert answers[-1] == "2", answers


def test_backups_are_the_leaders(cluster):
    """Backups are files of the node that takes them: asked of any node,
    the backup operations answer the leader's."""
    leader = cluster.leader()
    create_table(cluster.clients[leader])
    fc = cluster.clients[cluster.followers(leader)[0]]
    arn = fc.create_backup(TableName=TABLE, BackupName="backup1")["BackupDetails"]["BackupArn"]
    for i in cluster.ids:
        c = cluster.clients[i]
        assert [b["BackupArn"] for b in c.list_backups(TableName=TABLE)["BackupSummaries"]] == [arn]
        assert c.describe_backup(BackupArn=arn)["BackupDescription"]["BackupDetails"][
            "BackupName"] == "backup1"


# --------------------------------------------------------------------------
# Snapshots


SNAPSHOT_ENTRIES = 40


def full_scan(client, consistent=False):
    items, start = [], None
    while True:
        kw = {"TableName": TABLE, "ConsistentRead": consistent}
        if start:
            kw["ExclusiveStartKey"] = start
        page = client.scan(**kw)
        items += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return sorted(items, key=lambda it: it["k"]["S"])


def scan_or_none(client):
    """A node's eventually consistent full scan; None while it does not
    know the table yet."""
    try:
        return full_scan(client)
    except ClientError as e:
        if e.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        return None


def consistent_scan_or_none(client):
    """A strongly consistent full scan; None while there is no leader (an
    election after a restart: the retryable 500)."""
    try:
        return full_scan(client, consistent=True)
    except ClientError as e:
        if e.response["Error"]["Code"] != "InternalServerError":
            raise
        return None


def log_text(node):
    with open(node.logpath, "rb") as f:
        return f.read().decode("utf-8", "replace")


@pytest.fixture
def snapshotting(tmp_path):
    yield from running(Cluster(tmp_path, extra_args=["--cluster-snapshot-entries",
                                                     str(SNAPSHOT_ENTRIES)]).start())


def test_wiped_follower_catches_up_by_snapshot(snapshotting):
    """Writes past several snapshot thresholds cut the log; a follower
    whose data directory is wiped gets the store by snapshot and then
    follows the log again, serving the same items as the leader."""
    cluster = snapshotting
    leader = cluster.leader()
    lc = cluster.clients[leader]
    create_table(lc)
    n = 6 * SNAPSHOT_ENTRIES
    for i in range(n):
        lc.put_item(TableName=TABLE, Item={"k": {"S": "k%04d" % i}, "v": {"N": str(i)}})
    for i in range(0, n, 7):
        lc.delete_item(TableName=TABLE, Key={"k": {"S": "k%04d" % i}})
    for i in (i for i in range(1, n, 11) if i % 7):
        lc.update_item(TableName=TABLE, Key={"k": {"S": "k%04d" % i}},
                       UpdateExpression="SET v = v + :one",
                       ExpressionAttributeValues={":one": {"N": "1000"}})
    assert eventually(lambda: "snapshot of" in log_text(cluster.nodes[leader]))

    follower = cluster.followers(leader)[0]
    node = cluster.nodes[follower]
    node.stop()
    shutil.rmtree(node.data_dir)
    os.mkdir(node.data_dir)
    # while it is away, a table it never saw and more writes
    lc.create_table(TableName="later", BillingMode="PAY_PER_REQUEST",
                    KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                    AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    lc.put_item(TableName="later", Item={"id": {"S": "x"}})
    for i in range(SNAPSHOT_ENTRIES):
        lc.put_item(TableName=TABLE, Item={"k": {"S": "away%03d" % i}})
    node.start()

    expected = full_scan(lc, consistent=True)
    assert len(expected) == n - len(range(0, n, 7)) + SNAPSHOT_ENTRIES
    fc = cluster.clients[follower]
    assert eventually(lambda: scan_or_none(fc) == expected, timeout=30), node.log_tail(30)
    assert "restored a snapshot" in log_text(node)
    assert fc.describe_table(TableName=TABLE)["Table"]["ItemCount"] == len(expected)
    assert sorted(fc.list_tables()["TableNames"]) == sorted([TABLE, "later"])
    assert fc.get_item(TableName="later", Key={"id": {"S": "x"}})["Item"] == {"id": {"S": "x"}}

    # it follows the log again: a write, a table dropped
    lc.put_item(TableName=TABLE, Item={"k": {"S": "after"}})
    lc.delete_table(TableName="later")
    assert eventually(lambda: item(fc, "after")) == {"k": {"S": "after"}}
    assert eventually(lambda: fc.list_tables()["TableNames"] == [TABLE])

    # a restart of the restored node and of the leader (both load their
    # own snapshots and the log after them) keeps every item
    node.stop()
    node.start()
    cluster.nodes[leader].stop()
    cluster.nodes[leader].start()
    expected = eventually(lambda: consistent_scan_or_none(fc))
    assert len(expected) == n - len(range(0, n, 7)) + SNAPSHOT_ENTRIES + 1
    for i in cluster.ids:
        assert eventually(lambda: scan_or_none(cluster.clients[i]) == expected), i


def test_snapshot_after_entries_that_change_nothing(snapshotting):
    """A snapshot whose last entry stores nothing (a strong read's barrier)
    is taken and finished on every node: its copy waits only for the
    entries that change the store."""
    cluster = snapshotting
    leader = cluster.leader()
    lc = cluster.clients[leader]
    create_table(lc)
    for i in range(5):
        lc.put_item(TableName=TABLE, Item={"k": {"S": "s%d" % i}, "v": {"N": str(i)}})
    # each strongly consistent read is one more entry (a barrier)
    for i in range(3 * SNAPSHOT_ENTRIES):
        assert item(lc, "s%d" % (i % 5), consistent=True) == {"k": {"S": "s%d" % (i % 5)},
                                                              "v": {"N": str(i % 5)}}
    for i in cluster.ids:
        node = cluster.nodes[i]
        assert eventually(lambda: metrics(node)["ddbd_cluster_snapshots_taken_total"] >= 2,
                          timeout=20), (i, node.log_tail(20))
    # writes go on, and a restart loads the snapshot with every item
    lc.put_item(TableName=TABLE, Item={"k": {"S": "later"}})
    follower = cluster.followers(leader)[0]
    cluster.nodes[follower].stop()
    cluster.nodes[follower].start()
    fc = cluster.clients[follower]
    assert eventually(lambda: item(fc, "later")) == {"k": {"S": "later"}}
    assert len(eventually(lambda: scan_or_none(fc))) == 6


def test_snapshot_entries_flag_checked(tmp_path):
    import subprocess
    for bad in ["1", "x", "-5", ""]:
        p = subprocess.run([BIN, "--port", str(free_port()), "--data-dir", str(tmp_path / "d"),
                            "--cluster-snapshot-entries", bad], capture_output=True, timeout=20)
        assert p.returncode == 2, bad
        assert "--cluster-snapshot-entries" in p.stderr.decode()


# --------------------------------------------------------------------------
# Membership: ddbd cluster add|remove|status


def admin(*args):
    import subprocess
    p = subprocess.run([BIN, "cluster"] + [str(a) for a in args], capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def status_rows(out):
    """The member lines of `cluster status` as dicts by column name."""
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("node "))
    names = lines[at].split()
    return {int(r[0]): dict(zip(names, r)) for r in (line.split() for line in lines[at + 1:])}


def api_address(node):
    return "127.0.0.1:%d" % node.port


def test_status_shows_every_node(cluster):
    leader = cluster.leader()
    create_table(cluster.clients[leader])
    follower = cluster.followers(leader)[0]
    # followers make their API addresses known to the group soon after start
    assert eventually(lambda: "unreachable" not in admin(
        "status", "--to", api_address(cluster.nodes[follower]))[1])
    # and every node applies what the leader has
    assert eventually(lambda: len({r["applied"] for r in status_rows(admin(
        "status", "--to", api_address(cluster.nodes[follower]))[1]).values()}) == 1)
    rc, out, err = admin("status", "--to", api_address(cluster.nodes[follower]))
    assert rc == 0, err
    assert out.startswith("leader: node %d, term " % leader)
    rows = status_rows(out)
    assert sorted(rows) == cluster.ids
    for i, row in rows.items():
        assert row["role"] == ("leader" if i == leader else "follower")
        assert row["member"] == "voter"
        assert row["cluster"] == "127.0.0.1:%d" % cluster.cluster_ports[i]
        assert row["api"] == api_address(cluster.nodes[i])
        assert int(row["applied"]) > 0 and int(row["commit"]) >= int(row["applied"]) - 1
        assert row["lag"].isdigit() and row["match"].isdigit()
    assert rows[leader]["lag"] == "0"
    # a node that is down is shown so
    cluster.nodes[follower].kill()
    rc, out, err = admin("status", "--to", api_address(cluster.nodes[leader]))
    assert rc == 0, err
    assert status_rows(out)[follower]["role"] == "unreachable"


def test_add_a_fourth_node_online(tmp_path):
    cluster = Cluster(tmp_path, extra_args=["--cluster-snapshot-entries", str(SNAPSHOT_ENTRIES)])
    cluster.start()
    try:
        leader = cluster.leader()
        lc = cluster.clients[leader]
        create_table(lc)
        for i in range(3 * SNAPSHOT_ENTRIES):
            lc.put_item(TableName=TABLE, Item={"k": {"S": "k%03d" % i}})
        port = free_port()
        while port in cluster.cluster_ports.values():
            port = free_port()
        members = ",".join("%d=127.0.0.1:%d" % (i, p) for i, p in cluster.cluster_ports.items())
        data = tmp_path / "node4"
        data.mkdir()
        new = Server(BIN, data_dir=str(data), extra_args=[
            "--node-id", "4", "--cluster", members + ",4=127.0.0.1:%d" % port, "--cluster-join"])
        cluster.nodes[4] = new
        new.start()
        # a joining node never leads alone nor accepts a write by itself
        time.sleep(1.5)
        assert "leads" not in log_text(new)
        follower = cluster.followers(leader)[0]
        rc, out, err = admin("add", "4=127.0.0.1:%d" % port, "--to",
                             api_address(cluster.nodes[follower]))  # sent on to the leader
        assert (rc, out, err) == (0, "node 4 added, a voter\n", "")
        cluster.ids.append(4)
        cluster.cluster_ports[4] = port
        nc = make_client(new.endpoint, read_timeout=20)
        expected = full_scan(lc, consistent=True)
        assert eventually(lambda: scan_or_none(nc) == expected), new.log_tail(30)
        # it makes its API address known to the group soon after
        assert eventually(lambda: status_rows(admin("status", "--to", api_address(new))[1])
                          [4]["role"] == "follower")
        rows = status_rows(admin("status", "--to", api_address(new))[1])
        assert sorted(rows) == [1, 2, 3, 4]
        assert rows[4]["member"] == "voter" and rows[4]["role"] == "follower"
        # adding it again is refused
        rc, out, err = admin("add", "4=127.0.0.1:%d" % port, "--to", api_address(new))
        assert rc == 1 and out == "" and "refused" in err
        # it votes: with one of the first three down, three of four remain
        other = [i for i in (1, 2, 3) if i != leader][0]
        cluster.nodes[other].kill()
        lc.put_item(TableName=TABLE, Item={"k": {"S": "after"}})
        assert eventually(lambda: item(nc, "after")) == {"k": {"S": "after"}}
    finally:
        for node in cluster.nodes.values():
            if node.alive():
                node.stop()


def test_remove_a_node_online(cluster):
    leader = cluster.leader()
    lc = cluster.clients[leader]
    create_table(lc)
    removed, kept = cluster.followers(leader)
    for i in (removed, kept):
        assert eventually(lambda: TABLE in cluster.clients[i].list_tables()["TableNames"])
    rc, out, err = admin("remove", removed, "--to", api_address(cluster.nodes[kept]))
    assert (rc, out, err) == (0, "node %d removed\n" % removed, "")
    rows = status_rows(admin("status", "--to", api_address(cluster.nodes[leader]))[1])
    assert sorted(rows) == sorted([leader, kept])
    # the group goes on without it: a write reaches the member, not the removed node
    lc.put_item(TableName=TABLE, Item={"k": {"S": "later"}})
    assert eventually(lambda: item(cluster.clients[kept], "later")) == {"k": {"S": "later"}}
    time.sleep(1.0)
    assert item(cluster.clients[removed], "later") is None
    # removing it again, or the leader itself, is refused
    rc, out, err = admin("remove", removed, "--to", api_address(cluster.nodes[leader]))
    assert rc == 1 and "refused" in err
    rc, out, err = admin("remove", leader, "--to", api_address(cluster.nodes[leader]))
    assert rc == 1 and "the leader cannot remove itself" in err


@pytest.mark.parametrize("args, why", [
    (["status"], "usage: ddbd cluster"),
    (["status", "x", "--to", "127.0.0.1:1"], "usage: ddbd cluster"),
    (["frob", "--to", "127.0.0.1:1"], "usage: ddbd cluster"),
    (["add", "4", "--to", "127.0.0.1:1"], "add takes ID=HOST:PORT"),
    (["add", "x=127.0.0.1:5", "--to", "127.0.0.1:1"], "add takes ID=HOST:PORT"),
    (["remove", "a", "--to", "127.0.0.1:1"], "remove takes a node ID"),
    (["remove", "--to", "127.0.0.1:1"], "usage: ddbd cluster"),
])
def test_admin_bad_arguments(args, why):
    rc, out, err = admin(*args)
    assert (rc, out) == (2, "")
    assert why in err


def test_admin_errors_from_nodes(tmp_path):
    # nobody there
    port = free_port()
    rc, out, err = admin("status", "--to", "127.0.0.1:%d" % port)
    assert (rc, out) == (1, "") and "cannot connect to 127.0.0.1:%d" % port in err
    # a node that is not in cluster mode
    s = Server(BIN, data_dir=None).start()
    try:
        rc, out, err = admin("status", "--to", api_address(s))
        assert (rc, out) == (1, "")
        assert "%s answers no cluster requests: not in cluster mode" % api_address(s) in err
        rc, out, err = admin("add", "4=127.0.0.1:1", "--to", api_address(s))
        assert (rc, out) == (1, "") and "not in cluster mode" in err
    finally:
        s.stop()


# --------------------------------------------------------------------------
# Observability


def metrics(node):
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=10)
    conn.request("GET", "/metrics")
    resp = conn.getresponse()
    assert resp.status == 200
    values = {}
    for line in resp.read().decode().splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


def test_metrics_and_logs_show_replication(cluster):
    leader = cluster.leader()
    lc = cluster.clients[leader]
    create_table(lc)
    for i in range(20):
        lc.put_item(TableName=TABLE, Item={"k": {"S": "m%d" % i}})
    m = metrics(cluster.nodes[leader])
    assert m['ddbd_cluster_role{role="leader"}'] == 1
    assert m['ddbd_cluster_role{role="follower"}'] == 0
    assert m["ddbd_cluster_node_id"] == leader and m["ddbd_cluster_leader_id"] == leader
    assert m["ddbd_cluster_term"] >= 2  # the first election began term 2
    assert m["ddbd_cluster_voters"] == 3
    assert m["ddbd_cluster_commit_index"] >= m["ddbd_cluster_applied_index"] >= 20
    for f in cluster.followers(leader):
        assert 'ddbd_cluster_follower_lag_entries{node="%d"}' % f in m
        assert eventually(lambda: metrics(cluster.nodes[leader])[
            'ddbd_cluster_follower_lag_entries{node="%d"}' % f] == 0)
        assert m['ddbd_cluster_follower_reachable{node="%d"}' % f] == 1
        fm = metrics(cluster.nodes[f])
        assert fm['ddbd_cluster_role{role="follower"}'] == 1
        assert fm["ddbd_cluster_leader_id"] == leader
        assert not any(k.startswith("ddbd_cluster_follower_lag") for k in fm)
        assert eventually(lambda: metrics(cluster.nodes[f])["ddbd_cluster_applied_index"]
                          >= m["ddbd_cluster_applied_index"])
    # a follower down: the leader shows it unreachable and falling behind
    down = cluster.followers(leader)[0]
    cluster.nodes[down].kill()
    for i in range(5):
        lc.put_item(TableName=TABLE, Item={"k": {"S": "n%d" % i}})
    assert eventually(lambda: metrics(cluster.nodes[leader])[
        'ddbd_cluster_follower_reachable{node="%d"}' % down] == 0, timeout=5)
    assert metrics(cluster.nodes[leader])[
        'ddbd_cluster_follower_lag_entries{node="%d"}' % down] >= 5
    # the leader killed: the survivor that takes over counts the election
    cluster.nodes[leader].kill()
    cluster.nodes[down].start()
    new = cluster.leader(among=[i for i in cluster.ids if i != leader])
    nm = metrics(cluster.nodes[new])
    assert nm["ddbd_cluster_elections_total"] >= 1
    assert nm["ddbd_cluster_leader_changes_total"] >= 1
    assert re.search(r"cluster: term \d+ began \(election \d+ seen since start\)",
                     log_text(cluster.nodes[new]))


def test_no_cluster_metrics_without_cluster_mode():
    s = Server(BIN, data_dir=None).start()
    try:
        assert not any(k.startswith("ddbd_cluster") for k in metrics(s))
    finally:
        s.stop()


# --------------------------------------------------------------------------
# Shutdown and housekeeping


@pytest.mark.parametrize("which", ["leader", "follower"])
def test_sigterm_finishes_writes_in_flight(cluster, which):
    """SIGTERM under a write load: every write the node took is answered
    (acknowledged, or refused before it was taken: connection closed),
    never failed with a 500; the acknowledged ones are on the others."""
    import signal
    leader = cluster.leader()
    create_table(cluster.clients[leader])
    node = leader if which == "leader" else cluster.followers(leader)[0]
    outcomes, acked, lock = {}, [], threading.Lock()

    def writer(w):
        c = make_client(cluster.nodes[node].endpoint, read_timeout=20)
        for n in range(300):
            key = "t%d-%d" % (w, n)
            try:
                c.put_item(TableName=TABLE, Item={"k": {"S": key}})
                outcome = "ok"
            except ClientError as e:
                outcome = e.response["Error"]["Code"]
            except (EndpointConnectionError, ConnectionClosedError):
                outcome = "closed"
            with lock:
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
                if outcome == "ok":
                    acked.append(key)
            if outcome != "ok":
                return
    threads = [threading.Thread(target=writer, args=(w,), daemon=True) for w in range(6)]
    for t in threads:
        t.start()
    assert eventually(lambda: len(acked) >= 30, timeout=15)
    cluster.nodes[node].proc.send_signal(signal.SIGTERM)
    for t in threads:
        t.join(timeout=40)
    assert not any(t.is_alive() for t in threads)
    assert cluster.nodes[node].proc.wait(timeout=20) == 0
    assert set(outcomes) <= {"ok", "closed"}, outcomes
    others = [i for i in cluster.ids if i != node]
    assert_all_present(cluster, others, acked)


def test_followers_leave_housekeeping_to_the_leader(tmp_path):
    """TTL deletions run on the leader only and reach the followers through
    the log; a follower logs no failed write of its own."""
    cluster = Cluster(tmp_path, extra_args=["--ttl-delay", "0.2"]).start()
    try:
        leader = cluster.leader()
        lc = cluster.clients[leader]
        create_table(lc)
        lc.update_time_to_live(TableName=TABLE, TimeToLiveSpecification={
            "Enabled": True, "AttributeName": "exp"})
        past = str(int(time.time()) - 60)
        for i in range(20):
            lc.put_item(TableName=TABLE, Item={"k": {"S": "e%d" % i}, "exp": {"N": past}})
        lc.put_item(TableName=TABLE, Item={"k": {"S": "keep"}})
        for i in cluster.ids:
            c = cluster.clients[i]
            assert eventually(lambda: [it["k"]["S"] for it in c.scan(TableName=TABLE)["Items"]]
                              == ["keep"]), i
        time.sleep(1.0)  # several housekeeping rounds on every node
        for i in cluster.followers(leader):
            text = log_text(cluster.nodes[i])
            assert " ERROR " not in text and " WARN " not in text, cluster.nodes[i].log_tail(20)
    finally:
        for node in cluster.nodes.values():
            if node.alive():
                node.stop()


# --------------------------------------------------------------------------
# Hostile admin requests


def send_raw(port, data, timeout=10):
    """One raw request; (status, body) of the answer, or None when the node
    closed the connection without one."""
    import socket
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        got = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    if not got:
        return None
    head, _, body = got.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def admin_request(method, target, body=b""):
    return (b"%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: %d\r\n\r\n"
            % (method, target, len(body)) + body)


# Requests none of which may change the group: wrong methods, unknown
# paths, IDs and addresses that are not ones, damaged percent escapes
# (some at the very end of the path), over-long values, bodies.
HOSTILE_ADMIN = [
    admin_request(m, t) for m in (b"GET", b"POST", b"PUT", b"DELETE", b"OPTIONS", b"PATCH")
    for t in (b"/cluster/", b"/cluster/x", b"/cluster/status/", b"/cluster/add", b"/cluster/remove",
              b"/cluster/member", b"/cluster/add?id=", b"/cluster/add?id=0",
              b"/cluster/add?id=-1", b"/cluster/add?id=99999999999999999999999",
              b"/cluster/add?id=1&address=", b"/cluster/add?id=77&address=:",
              b"/cluster/add?id=77&address=noport:", b"/cluster/add?id=77&address=%",
              b"/cluster/add?id=77&address=%4", b"/cluster/add?id=77&address=%zz",
              b"/cluster/add?id=%", b"/cluster/add?id=%3", b"/cluster/remove?id=%",
              b"/cluster/remove?id=%39%39", b"/cluster/remove?id=1e3", b"/cluster/remove?id=0x2",
              b"/cluster/remove?id=" + b"9" * 5000, b"/cluster/add?" + b"&" * 5000,
              b"/cluster/add?id=77&address=" + b"%41" * 3000 + b":1",
              b"/cluster/member?id=&api=", b"/cluster/member?id=0&api=x",
              b"/cluster/member?api=%", b"/cluster/status?%", b"/cluster/status?id=%0")
] + [
    admin_request(b"POST", b"/cluster/status", b"x" * 100000),
    admin_request(b"POST", b"/cluster/add?id=%", b"\xff" * 70000),
    b"POST /cluster/add?id=% HTTP/1.1\r\nContent-Length: 5\r\n\r\n",  # body cut short
    b"GET /cluster/\x00status HTTP/1.1\r\n\r\n",
    b"GET /cluster/status\tx HTTP/1.1\r\n\r\n",
    b"POST /cluster/add?id=%\r\n\r\n",
    b"GET /cluster/" + b"a" * 100000 + b" HTTP/1.1\r\n\r\n",
]


def check_hostile_admin(nodes):
    """Every hostile request to every node: an answer (or a close), an error
    but for a status read, the node alive after."""
    for node in nodes:
        for data in HOSTILE_ADMIN:
            got = send_raw(node.port, data)
            assert node.alive(), (data[:120], node.log_tail(20))
            if got is None:
                continue
            status, body = got
            target = data.split(b" ", 2)[1] if data.count(b" ") >= 2 else b""
            reads = re.match(rb"/cluster/status(\?|$)", target) is not None
            assert 400 <= status < 600 or (reads and status == 200), \
                (data[:120], status, body[:200])


def test_hostile_admin_requests_single_node(tmp_path):
    """A node not in cluster mode, and a node that is (a group of one)."""
    plain = Server(BIN, data_dir=None).start()
    try:
        check_hostile_admin([plain])
        make_client(plain.endpoint).list_tables()
    finally:
        plain.stop()
    solo = Cluster(tmp_path, n=1).start()
    try:
        solo.leader()
        check_hostile_admin(solo.nodes.values())
        rows = status_rows(admin("status", "--to", api_address(solo.nodes[1]))[1])
        assert sorted(rows) == [1] and rows[1]["role"] == "leader"
    finally:
        solo.finish()


def test_hostile_admin_requests_cluster(cluster):
    leader = cluster.leader()
    create_table(cluster.clients[leader])
    check_hostile_admin(cluster.nodes.values())
    rows = status_rows(admin("status", "--to", api_address(cluster.nodes[leader]))[1])
    assert sorted(rows) == cluster.ids
    assert [rows[i]["member"] for i in cluster.ids] == ["voter"] * 3
    assert cluster.leader() == leader
    cluster.clients[leader].put_item(TableName=TABLE, Item={"k": {"S": "after"}})
    for i in cluster.ids:
        assert eventually(lambda: item(cluster.clients[i], "after")) == {"k": {"S": "after"}}
