"""Global tables: where an item's version is kept.  A replicated table's
stored item carries its version (timestamp, origin region); a deletion
leaves a tombstone in the version DBI.  Last writer wins as before: a remote
change older than a local put or delete loses, also after a kill -9 and a
restart; every reader sees the same items as on a table without replicas;
and a data directory written by the previous release (its versions all in
the version DBI) keeps them when served by this one (DDBD_PREV_BIN: that
release's binary)."""

import os
import time

import pytest

from conftest import BIN, Server, make_client, raw_request, unique_name
from test_global_tables import (add_replica, finish_all, hash_table, regions,  # noqa: F401
                                scan_all, two_regions, wait_replica_active, wait_until)

PREV_BIN = os.environ.get("DDBD_PREV_BIN")


def now_us():
    return int(time.time() * 1e6)


def remote_change(port, name, key, ts, value="remote", origin="eu-west-1"):
    """A change as a third region ships it, stamped ts (microseconds);
    value None: a deletion."""
    change = {"T": str(ts), "O": origin, "K": {"k": {"S": key}}}
    if value is not None:
        change["I"] = {"k": {"S": key}, "v": {"S": value}}
    resp = raw_request(port, {"TableName": name, "Changes": [change]},
                       target="DdbdReplication_20261130.ApplyChanges")
    assert resp.status == 200, resp.body


def item_of(client, name, key):
    return client.get_item(TableName=name, Key={"k": {"S": key}}, ConsistentRead=True).get("Item")


def restart(servers, i, binary=None, kill=True):
    s = servers[i]
    if kill:
        s.kill()
    else:
        s.finish()
    servers[i] = Server(binary=binary or s.binary, data_dir=s.data_dir, port=s.port,
                        extra_args=s.extra_args).start()
    return make_client(servers[i].endpoint)


def replicated_pair(servers, name):
    a = make_client(servers[0].endpoint)
    hash_table(a, name)
    add_replica(a, name, "us-west-2")
    wait_replica_active(a, name, "us-west-2")
    return a, make_client(servers[1].endpoint)


def test_older_remote_change_loses_to_a_local_write_also_after_a_kill(tmp_path):
    servers = two_regions(tmp_path, [], [])
    try:
        name = unique_name("gv")
        a, b = replicated_pair(servers, name)
        before = now_us()
        a.put_item(TableName=name, Item={"k": {"S": "p"}, "v": {"S": "local"}})
        a.put_item(TableName=name, Item={"k": {"S": "d"}, "v": {"S": "local"}})
        a.delete_item(TableName=name, Key={"k": {"S": "d"}})
        # a change after the deletion: once it is in B, so is the deletion (its
        # tombstone), which "d" missing in B does not tell (never put yet)
        a.put_item(TableName=name, Item={"k": {"S": "after"}})
        wait_until(lambda: item_of(b, name, "p") == {"k": {"S": "p"}, "v": {"S": "local"}},
                   "put replicated")
        wait_until(lambda: item_of(b, name, "after") and item_of(b, name, "d") is None,
                   "replicated")
        older = before - 10**6
        for s in servers:  # refused where written and where replicated
            remote_change(s.port, name, "p", older)
            remote_change(s.port, name, "p", older, value=None)
            remote_change(s.port, name, "d", older)
        for c in (a, b):
            assert item_of(c, name, "p") == {"k": {"S": "p"}, "v": {"S": "local"}}
            assert item_of(c, name, "d") is None
        a = restart(servers, 0)
        b = restart(servers, 1, kill=False)
        for s in servers:
            remote_change(s.port, name, "p", older)
            remote_change(s.port, name, "d", older)
        for c in (a, b):
            assert item_of(c, name, "p") == {"k": {"S": "p"}, "v": {"S": "local"}}
            assert item_of(c, name, "d") is None
        # a later change wins, deletion or put, and then is the version to beat
        later = now_us()
        remote_change(servers[0].port, name, "p", later, value="later")
        remote_change(servers[0].port, name, "d", later, value="back")
        assert item_of(a, name, "p") == {"k": {"S": "p"}, "v": {"S": "later"}}
        assert item_of(a, name, "d") == {"k": {"S": "d"}, "v": {"S": "back"}}
        remote_change(servers[0].port, name, "p", later - 1, value="between")
        remote_change(servers[0].port, name, "d", later - 1, value=None)
        assert item_of(a, name, "p") == {"k": {"S": "p"}, "v": {"S": "later"}}
        assert item_of(a, name, "d") == {"k": {"S": "d"}, "v": {"S": "back"}}
        # same timestamp: the greater origin region wins
        remote_change(servers[0].port, name, "p", later, value="same-lesser", origin="ap-south-1")
        assert item_of(a, name, "p")["v"] == {"S": "later"}
        remote_change(servers[0].port, name, "p", later, value="same-greater", origin="sa-east-1")
        assert item_of(a, name, "p")["v"] == {"S": "same-greater"}
        a = restart(servers, 0)
        remote_change(servers[0].port, name, "p", later, value="same-lesser", origin="ap-south-1")
        assert item_of(a, name, "p")["v"] == {"S": "same-greater"}
    finally:
        finish_all(servers)


def test_a_local_write_of_an_item_stamped_ahead_is_stamped_above_it_after_a_kill(tmp_path):
    """The version an item carries, hours ahead of the clock, is read with
    the item: a local put, update or delete after a restart is stamped above
    it (the other replica holds the same version and would refuse less)."""
    servers = two_regions(tmp_path, [], [])
    try:
        name = unique_name("gh")
        a, b = replicated_pair(servers, name)
        ahead = now_us() + 3600 * 10**6
        for key in ("put", "upd", "del"):
            for s in servers:
                remote_change(s.port, name, key, ahead, value="ahead")
        a = restart(servers, 0)
        a.put_item(TableName=name, Item={"k": {"S": "put"}, "v": {"S": "local"}})
        a.update_item(TableName=name, Key={"k": {"S": "upd"}}, UpdateExpression="SET w = :w",
                      ExpressionAttributeValues={":w": {"S": "local"}})
        a.delete_item(TableName=name, Key={"k": {"S": "del"}})
        want = [{"k": {"S": "put"}, "v": {"S": "local"}},
                {"k": {"S": "upd"}, "v": {"S": "ahead"}, "w": {"S": "local"}}]
        wait_until(lambda: scan_all(b, name) == want, "local writes replicated")
        assert scan_all(a, name) == want
    finally:
        finish_all(servers)


def test_items_of_a_replicated_table_read_as_those_of_any_table(regions):  # noqa: F811
    """The same writes on a replicated table and on one without replicas:
    every read (GetItem, Query, Scan, a GSI, ReturnValues, conditions, the
    counts, a backup's restore) sees the same items."""
    a, b = regions[0].client, regions[1].client
    name, twin = unique_name("gi"), unique_name("gj")
    for n in (name, twin):
        a.create_table(TableName=n, BillingMode="PAY_PER_REQUEST",
                       KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                       AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"},
                                             {"AttributeName": "g", "AttributeType": "S"}],
                       GlobalSecondaryIndexes=[{
                           "IndexName": "byg", "Projection": {"ProjectionType": "ALL"},
                           "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                                         {"AttributeName": "k", "KeyType": "RANGE"}]}])
    wait_until(lambda: all(a.describe_table(TableName=n)["Table"]["TableStatus"] == "ACTIVE"
                           for n in (name, twin)), "tables active")
    add_replica(a, name, "us-west-2")
    wait_replica_active(a, name, "us-west-2")

    def both(op, **kw):
        got = [getattr(a, op)(TableName=n, **kw) for n in (name, twin)]
        for g in got:
            g.pop("ResponseMetadata", None)
        assert got[0] == got[1], (op, kw)
        return got[0]

    for i in range(40):
        both("put_item", Item={"k": {"S": "k%02d" % i}, "g": {"S": "g%d" % (i % 3)},
                               "n": {"N": str(i)}, "l": {"L": [{"S": "x" * i}]}})
    for i in range(0, 40, 4):
        r = both("put_item", Item={"k": {"S": "k%02d" % i}, "g": {"S": "g9"}},
                 ReturnValues="ALL_OLD")
        assert r["Attributes"]["n"] == {"N": str(i)}
    for i in range(1, 40, 4):
        r = both("update_item", Key={"k": {"S": "k%02d" % i}}, UpdateExpression="ADD n :one",
                 ExpressionAttributeValues={":one": {"N": "1"}}, ReturnValues="ALL_NEW")
        assert r["Attributes"]["n"] == {"N": str(i + 1)}
    for i in range(2, 40, 4):
        r = both("delete_item", Key={"k": {"S": "k%02d" % i}}, ReturnValues="ALL_OLD",
                 ConditionExpression="attribute_exists(l)")
        assert r["Attributes"]["k"] == {"S": "k%02d" % i}
    with pytest.raises(a.exceptions.ConditionalCheckFailedException):
        a.put_item(TableName=name, Item={"k": {"S": "k00"}}, ConditionExpression="attribute_exists(n)")
    assert scan_all(a, name) == scan_all(a, twin)
    assert len(scan_all(a, name)) == 30
    for g in ("g0", "g1", "g2", "g9"):
        both("query", IndexName="byg", KeyConditionExpression="g = :g",
             ExpressionAttributeValues={":g": {"S": g}})
    for i in range(40):
        both("get_item", Key={"k": {"S": "k%02d" % i}}, ConsistentRead=True)
        both("query", KeyConditionExpression="k = :k", ConsistentRead=True,
             ExpressionAttributeValues={":k": {"S": "k%02d" % i}})
    desc = [a.describe_table(TableName=n)["Table"] for n in (name, twin)]
    assert (desc[0]["ItemCount"], desc[0]["TableSizeBytes"]) == \
        (desc[1]["ItemCount"], desc[1]["TableSizeBytes"]) == (30, desc[1]["TableSizeBytes"])
    wait_until(lambda: scan_all(b, name) == scan_all(a, twin), "the replica has the same items")
    arn = a.create_backup(TableName=name, BackupName="versions")["BackupDetails"]["BackupArn"]
    wait_until(lambda: a.describe_backup(BackupArn=arn)["BackupDescription"]["BackupDetails"]
               ["BackupStatus"] == "AVAILABLE", "backup available")
    restored = unique_name("gr")
    a.restore_table_from_backup(TargetTableName=restored, BackupArn=arn)
    wait_until(lambda: a.describe_table(TableName=restored)["Table"]["TableStatus"] == "ACTIVE",
               "restored")
    assert scan_all(a, restored) == scan_all(a, twin)
    rd = a.describe_table(TableName=restored)["Table"]
    assert (rd["ItemCount"], rd["TableSizeBytes"]) == (30, desc[1]["TableSizeBytes"])


@pytest.mark.skipif(not PREV_BIN, reason="DDBD_PREV_BIN (the previous release's binary) not set")
def test_a_data_directory_of_the_previous_release_keeps_its_versions(tmp_path):
    """The previous release kept every item's version in the version DBI;
    served by this one, those versions (items' and tombstones', one ahead of
    the clock too) still decide, and writes go on from there."""
    servers = two_regions(tmp_path, [], [])
    for i in range(2):
        restart(servers, i, binary=PREV_BIN, kill=False)
    try:
        name = unique_name("gp")
        a, b = replicated_pair(servers, name)
        before = now_us()
        a.put_item(TableName=name, Item={"k": {"S": "live"}, "v": {"S": "old-release"}})
        a.put_item(TableName=name, Item={"k": {"S": "gone"}, "v": {"S": "old-release"}})
        a.delete_item(TableName=name, Key={"k": {"S": "gone"}})
        ahead = now_us() + 3600 * 10**6
        for s in servers:
            remote_change(s.port, name, "ahead", ahead, value="ahead")
        wait_until(lambda: scan_all(b, name) == scan_all(a, name) and len(scan_all(b, name)) == 2,
                   "replicated")
        for i in range(2):
            restart(servers, i, binary=BIN, kill=False)
        a, b = make_client(servers[0].endpoint), make_client(servers[1].endpoint)
        older = before - 10**6
        for s in servers:
            remote_change(s.port, name, "live", older, value="stale")
            remote_change(s.port, name, "gone", older, value="stale")
            remote_change(s.port, name, "ahead", ahead - 1, value="stale")
        want = [{"k": {"S": "ahead"}, "v": {"S": "ahead"}},
                {"k": {"S": "live"}, "v": {"S": "old-release"}}]
        assert scan_all(a, name) == scan_all(b, name) == want
        # a local write of the item stamped ahead is stamped above it
        b.put_item(TableName=name, Item={"k": {"S": "ahead"}, "v": {"S": "new-release"}})
        a.put_item(TableName=name, Item={"k": {"S": "live"}, "v": {"S": "new-release"}})
        want = [{"k": {"S": "ahead"}, "v": {"S": "new-release"}},
                {"k": {"S": "live"}, "v": {"S": "new-release"}}]
        wait_until(lambda: scan_all(a, name) == scan_all(b, name) == want, "new writes replicated")
        for s in servers:
            remote_change(s.port, name, "live", now_us() - 10**6, value="stale")
        assert scan_all(a, name) == scan_all(b, name) == want
    finally:
        finish_all(servers)


@pytest.mark.skipif(not PREV_BIN, reason="DDBD_PREV_BIN (the previous release's binary) not set")
@pytest.mark.parametrize("old", [0, 1], ids=["old-source", "old-replica"])
def test_a_region_of_the_previous_release_replicates_both_ways(tmp_path, old):
    """Shipments go as ApplyRecords (the changes as the change log stores
    them); a region of the previous release answers that it does not know
    the call, and is sent ApplyChanges instead; it ships ApplyChanges, which
    this release still applies."""
    servers = two_regions(tmp_path, [], [])
    try:
        restart(servers, old, binary=PREV_BIN, kill=False)
        name = unique_name("gm")
        a, b = replicated_pair(servers, name)
        for i in range(20):
            a.put_item(TableName=name, Item={"k": {"S": "a%d" % i}, "v": {"S": "x"}})
            b.put_item(TableName=name, Item={"k": {"S": "b%d" % i}, "v": {"S": "y"}})
        a.delete_item(TableName=name, Key={"k": {"S": "a0"}})
        b.delete_item(TableName=name, Key={"k": {"S": "b0"}})
        wait_until(lambda: scan_all(a, name) == scan_all(b, name) and len(scan_all(a, name)) == 38,
                   "both regions have every change")
    finally:
        finish_all(servers)


@pytest.mark.skipif(not PREV_BIN, reason="DDBD_PREV_BIN (the previous release's binary) not set")
def test_changes_the_previous_release_logged_reach_the_replica_after_the_upgrade(tmp_path):
    """The previous release kept a replicated table's changes in a log of its
    own until every replica had them; this one ships from the table's stream.
    Changes the previous release logged while the replica was away are still
    sent after the upgrade (killed, not stopped, in between), and the changes
    made since follow from the stream."""
    servers = two_regions(tmp_path, [], [])
    for i in range(2):
        restart(servers, i, binary=PREV_BIN, kill=False)
    try:
        name = unique_name("gu")
        a, b = replicated_pair(servers, name)
        a.put_item(TableName=name, Item={"k": {"S": "first"}})
        wait_until(lambda: len(scan_all(b, name)) == 1, "replicated")
        down = servers[1]
        down.finish()
        for i in range(30):
            a.put_item(TableName=name, Item={"k": {"S": "old%02d" % i}, "v": {"S": "prev"}})
        a.delete_item(TableName=name, Key={"k": {"S": "first"}})
        a = restart(servers, 0, binary=BIN, kill=True)
        for i in range(10):
            a.put_item(TableName=name, Item={"k": {"S": "new%02d" % i}, "v": {"S": "this"}})
        servers[1] = Server(binary=BIN, data_dir=down.data_dir, port=down.port,
                            extra_args=down.extra_args).start()
        b = make_client(servers[1].endpoint)
        wait_until(lambda: scan_all(b, name) == scan_all(a, name) and len(scan_all(b, name)) == 40,
                   "B has the changes of both releases")
        b.put_item(TableName=name, Item={"k": {"S": "from-b"}})
        wait_until(lambda: item_of(a, name, "from-b") is not None, "B's writes reach A")
    finally:
        finish_all(servers)
