"""Global tables (version 2019.11.21) between ddbd servers of different
regions on 127.0.0.1: ReplicaUpdates validation and texts, replica creation
on a populated table under write load, deletion, every write in any region
reaching every other, concurrent conflicting writes converging (last writer
wins), a region stopped or killed catching up, streams on replicas, and the
2017.11.29 operations as the service answers them today."""

import json
import os
import signal
import subprocess
import threading
import time

import boto3
import pytest

from conftest import (Server, assert_error, free_port, make_client, raw_request, unique_name,
                      wait_for)

REGIONS = ["us-east-1", "us-west-2", "eu-west-1"]
INVALID = "One or more parameter values were invalid: "
WAIT_S = 60


def hash_table(client, name, billing="PAY_PER_REQUEST", stream=None):
    args = dict(TableName=name, KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}])
    if billing == "PAY_PER_REQUEST":
        args["BillingMode"] = billing
    else:
        args["ProvisionedThroughput"] = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    if stream:
        args["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream}
    client.create_table(**args)
    wait_until(lambda: client.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE",
               "table %s active" % name, 15)


def wait_until(pred, what, timeout=WAIT_S):
    return wait_for(pred, timeout, what)


def scan_all(client, name):
    items, kw = [], {}
    while True:
        page = client.scan(TableName=name, ConsistentRead=True, **kw)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            break
        kw["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return sorted(items, key=lambda i: i["k"]["S"])


class Region:
    def __init__(self, name, port, data_dir, peers):
        self.name, self.port, self.data_dir = name, port, data_dir
        args = ["--region", name, "--ttl-cooldown", "0"]
        for peer_name, peer_port in peers:
            args += ["--peer-region", "%s=http://127.0.0.1:%d" % (peer_name, peer_port)]
        self.server = Server(data_dir=data_dir, port=port, extra_args=args)

    def start(self):
        self.server.start()
        self.client = make_client(self.server.endpoint)
        return self


@pytest.fixture
def regions(tmp_path):
    ports = [free_port() for _ in REGIONS]
    started = []
    for i, name in enumerate(REGIONS):
        d = tmp_path / name
        d.mkdir()
        peers = [(REGIONS[j], ports[j]) for j in range(len(REGIONS)) if j != i]
        started.append(Region(name, ports[i], d, peers).start())
    yield started
    for r in started:
        if r.server.alive():
            os.kill(r.server.proc.pid, signal.SIGCONT)
            r.server.finish()


def add_replica(client, name, region):
    client.update_table(TableName=name, ReplicaUpdates=[{"Create": {"RegionName": region}}])


def replica_status(client, name, region):
    for r in client.describe_table(TableName=name)["Table"].get("Replicas", []):
        if r["RegionName"] == region:
            return r["ReplicaStatus"]
    return None


def wait_replica_active(client, name, region):
    wait_until(lambda: replica_status(client, name, region) == "ACTIVE",
               "replica %s of %s ACTIVE" % (region, name))


def wait_converged(regions, name, expect_count=None):
    def same():
        scans = [scan_all(r.client, name) for r in regions]
        if any(s != scans[0] for s in scans):
            return None
        if expect_count is not None and len(scans[0]) != expect_count:
            return None
        return scans[0]
    return wait_until(same, "all replicas of %s equal" % name)


# --- validation ----------------------------------------------------------------


def test_replica_updates_validation(regions):
    a = regions[0].client
    name = unique_name("gv")
    hash_table(a, name)
    known = "[us-east-1, us-west-2, eu-west-1]"
    assert_error(a.update_table, "ValidationException",
                 "Region ap-south-1 is not supported. The latest version of global tables are "
                 "only supported in the following regions: " + known,
                 TableName=name, ReplicaUpdates=[{"Create": {"RegionName": "ap-south-1"}}])
    for action in ("Create", "Delete"):
        assert_error(a.update_table, "ValidationException",
                     "Cannot add or delete the local region through ReplicaUpdates. Use "
                     "CreateTable, DeleteTable, or UpdateTable as required.",
                     TableName=name, ReplicaUpdates=[{action: {"RegionName": "us-east-1"}}])
    assert_error(a.update_table, "ValidationException",
                 "Update table operation with more than one create or delete replica actions "
                 "not allowed",
                 TableName=name, ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}},
                                                 {"Create": {"RegionName": "eu-west-1"}}])
    assert_error(a.update_table, "ValidationException",
                 INVALID + "Replica modification must be the only operation in the request",
                 TableName=name, BillingMode="PAY_PER_REQUEST",
                 ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])
    for action in ({"Delete": {"RegionName": "us-west-2"}},
                   {"Update": {"RegionName": "us-west-2", "TableClassOverride": "STANDARD"}}):
        assert_error(a.update_table, "ValidationException",
                     "Update global table operation failed because one or more replicas were not "
                     "part of the global table. Please retry the request without these replicas: "
                     "[us-west-2].", TableName=name, ReplicaUpdates=[action])
    no_actions = "There are no actions specified in the Replica Update Action of the request."
    for update in ({"Update": {"RegionName": "us-west-2"}}, {}):
        assert_error(a.update_table, "ValidationException", no_actions, TableName=name,
                     ReplicaUpdates=[update])
    assert_error(a.update_table, "ValidationException",
                 "Update table operation with more than one type of replica actions not allowed.",
                 TableName=name, ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"},
                                                  "Delete": {"RegionName": "eu-west-1"}}])
    assert_error(a.update_table, "ValidationException",
                 "1 validation error detected: Value null at "
                 "'replicaUpdates.1.member.create.regionName' failed to satisfy constraint: "
                 "Member must not be null", TableName=name, ReplicaUpdates=[{"Create": {}}])
    assert_error(a.update_table, "ResourceNotFoundException",
                 "Requested resource not found: Table: %s-x not found" % name,
                 TableName=name + "-x", ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])
    prov = unique_name("gp")
    hash_table(a, prov, billing="PROVISIONED")
    assert_error(a.update_table, "ValidationException",
                 "Table write capacity should either be Pay-Per-Request or AutoScaled.",
                 TableName=prov, ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])
    # a regional table has none of the global-table keys, and nothing was changed
    desc = a.describe_table(TableName=name)["Table"]
    assert "Replicas" not in desc and "GlobalTableVersion" not in desc
    assert "StreamSpecification" not in desc
    for r in regions[1:]:
        assert_error(r.client.describe_table, "ResourceNotFoundException", TableName=name)


def update_raw(region, body):
    """UpdateTable by a raw request (members newer than this SDK): (status,
    type, message)."""
    r = raw_request(region.port, body, target="DynamoDB_20120810.UpdateTable")
    return r.status, r.error_type if r.status != 200 else None, \
        r.error_message if r.status != 200 else None


NOTHING = ("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
           "GlobalSecondaryIndexUpdates, SSESpecification, ReplicaUpdates, "
           "MultiAccountReplicaReady, ReplicaTransitRoleArn, MultiRegionConsistency, "
           "DeletionProtectionEnabled, OnDemandThroughput, WarmThroughput or TableClass is "
           "required")


def test_multi_region_strong_consistency_requests(regions):
    """MultiRegionConsistency STRONG and witnesses: answered as the service
    answers such requests; no region of this server offers strong
    consistency, so a well-formed STRONG request names them unsupported."""
    a = regions[0]
    name = unique_name("gs")
    hash_table(a.client, name)
    create = [{"Create": {"RegionName": "us-west-2"}}]
    witness = [{"Create": {"RegionName": "eu-west-1"}}]
    cases = [
        ({"ReplicaUpdates": create, "GlobalTableWitnessUpdates": witness},
         "MultiRegionConsistency must be set as STRONG when GlobalTableWitnessUpdates parameter "
         "is present."),
        ({"ReplicaUpdates": create, "GlobalTableWitnessUpdates": witness,
          "MultiRegionConsistency": "EVENTUAL"},
         "MultiRegionConsistency must be set as STRONG when GlobalTableWitnessUpdates parameter "
         "is present."),
        ({"ReplicaUpdates": create, "MultiRegionConsistency": "STRONG"},
         "Unsupported replica count for global tables with MultiRegionConsistency set to STRONG."),
        ({"GlobalTableWitnessUpdates": witness, "MultiRegionConsistency": "STRONG"}, NOTHING),
        ({"GlobalTableWitnessUpdates": witness}, NOTHING),
        ({"ReplicaUpdates": [{"Delete": {"RegionName": "us-west-2"}}],
          "MultiRegionConsistency": "STRONG"},
         "Only Replica Create actions are supported when MultiRegionConsistency parameter is "
         "provided."),
        ({"ReplicaUpdates": create + [{"Update": {"RegionName": "eu-west-1",
                                                  "TableClassOverride": "STANDARD"}}],
          "MultiRegionConsistency": "EVENTUAL"},
         "Only Replica Create actions are supported when MultiRegionConsistency parameter is "
         "provided."),
        ({"ReplicaUpdates": create, "GlobalTableWitnessUpdates": witness,
          "MultiRegionConsistency": "STRONG", "DeletionProtectionEnabled": True},
         "Requests that modify replicas or witnesses must not also modify other fields"),
        ({"ReplicaUpdates": create, "GlobalTableWitnessUpdates": witness,
          "MultiRegionConsistency": "STRONG"},
         "Unsupported Region(s) specified for global tables with MultiRegionConsistency set to "
         "STRONG: [us-west-2, eu-west-1]."),
        ({"ReplicaUpdates": create + [{"Create": {"RegionName": "eu-west-1"}}],
          "MultiRegionConsistency": "STRONG"},
         "Unsupported Region(s) specified for global tables with MultiRegionConsistency set to "
         "STRONG: [us-west-2, eu-west-1]."),
        # message unverified: the model's enum in the usual constraint text
        ({"ReplicaUpdates": create, "MultiRegionConsistency": "SOMETIMES"},
         "1 validation error detected: Value 'SOMETIMES' at 'multiRegionConsistency' failed to "
         "satisfy constraint: Member must satisfy enum value set: [EVENTUAL, STRONG]"),
    ]
    for body, message in cases:
        assert update_raw(a, dict(body, TableName=name)) == (
            400, "ValidationException", message), body
    # EVENTUAL is what every replica of this server is: the usual replica
    assert update_raw(a, {"TableName": name, "ReplicaUpdates": create,
                          "MultiRegionConsistency": "EVENTUAL"}) == (200, None, None)
    wait_replica_active(a.client, name, "us-west-2")
    # nothing strong was made: no MultiRegionConsistency or witnesses shown
    desc = a.client.describe_table(TableName=name)["Table"]
    assert "MultiRegionConsistency" not in desc and "GlobalTableWitnesses" not in desc
    assert desc["Replicas"] == [{"RegionName": "us-west-2", "ReplicaStatus": "ACTIVE"}]
    assert_error(a.client.update_table, "ValidationException",
                 "Failed to create a the new replica of table with name: \u2018%s\u2019 because "
                 "one or more replicas already existed as tables." % name,
                 TableName=name, ReplicaUpdates=create)
    # a global table's consistency is the one it was made with
    for consistency in ("EVENTUAL", "STRONG"):
        assert update_raw(a, {"TableName": name, "MultiRegionConsistency": consistency,
                              "ReplicaUpdates": [{"Create": {"RegionName": "eu-west-1"}}]}) == (
            400, "ValidationException",
            "MultiRegionConsistency parameter is unsupported on existing global table")


def test_single_region_server_refuses_replicas(ddb):
    name = unique_name("gs")
    hash_table(ddb, name)
    assert_error(ddb.update_table, "ValidationException",
                 "Region us-west-2 is not supported. The latest version of global tables are "
                 "only supported in the following regions: [us-east-1]",
                 TableName=name, ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])
    assert "Replicas" not in ddb.describe_table(TableName=name)["Table"]


def test_legacy_operations(ddb):
    name = unique_name("gl")
    hash_table(ddb, name)
    assert_error(ddb.create_global_table, "ValidationException",
                 INVALID + "DynamoDB global tables version 2017.11.29 is not supported. We "
                 "recommend using DynamoDB global tables version 2019.11.21, instead of version "
                 "2017.11.29 (Legacy).",
                 GlobalTableName=name, ReplicationGroup=[{"RegionName": "us-east-1"}])
    missing = "Global table with name: '%s' does not exist." % name
    assert_error(ddb.update_global_table, "GlobalTableNotFoundException", missing,
                 GlobalTableName=name,
                 ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])
    for fn in (ddb.describe_global_table, ddb.describe_global_table_settings):
        assert_error(fn, "GlobalTableNotFoundException", missing, GlobalTableName=name)
    assert_error(ddb.update_global_table_settings, "GlobalTableNotFoundException", missing,
                 GlobalTableName=name, GlobalTableBillingMode="PAY_PER_REQUEST")
    assert_error(ddb.describe_global_table, "ValidationException",
                 "TableName must be at least 3 characters long and at most 255 characters long",
                 GlobalTableName="ab")
    assert ddb.list_global_tables()["GlobalTables"] == []
    assert_error(ddb.describe_table_replica_auto_scaling, "ResourceNotFoundException",
                 "Global table with name: '%s' does not exist." % name, TableName=name)


# --- replicas and replication ------------------------------------------------------


def put_range(client, name, start, stop, tag):
    for i in range(start, stop):
        client.put_item(TableName=name, Item={"k": {"S": "k%05d" % i}, "v": {"S": tag},
                                              "n": {"N": str(i)}})


def test_create_replica_under_load_and_delete(regions):
    a, b, c = (r.client for r in regions)
    name = unique_name("gc")
    hash_table(a, name)
    put_range(a, name, 0, 300, "before")
    stop = threading.Event()
    written = []

    def load():  # bounded: at most 400 writes, 20 s
        deadline = time.monotonic() + 20
        for i in range(300, 700):
            if stop.is_set() or time.monotonic() > deadline:
                break
            put_range(a, name, i, i + 1, "during")
            written.append(i)

    t = threading.Thread(target=load)
    t.start()
    resp = a.update_table(TableName=name, ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])
    desc = resp["TableDescription"]
    assert desc["TableStatus"] == "UPDATING"
    assert desc["GlobalTableVersion"] == "2019.11.21"
    assert desc["Replicas"] == [{"RegionName": "us-west-2", "ReplicaStatus": "CREATING"}]
    assert desc["StreamSpecification"] == {"StreamEnabled": True,
                                           "StreamViewType": "NEW_AND_OLD_IMAGES"}
    wait_replica_active(a, name, "us-west-2")
    t.join()
    stop.set()
    items = wait_converged(regions[:2], name, 300 + len(written))
    assert {i["k"]["S"] for i in items} == {"k%05d" % i for i in list(range(300)) + written}
    bd = b.describe_table(TableName=name)["Table"]
    assert bd["GlobalTableVersion"] == "2019.11.21"
    assert bd["Replicas"] == [{"RegionName": "us-east-1", "ReplicaStatus": "ACTIVE"}]
    assert bd["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    # a replica's own settings are kept and shown; an on-demand replica's
    # Update takes no provisioned read capacity
    assert_error(a.update_table, "ValidationException",
                 "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when "
                 "BillingMode is PAY_PER_REQUEST", TableName=name, ReplicaUpdates=[{"Update": {
                     "RegionName": "us-west-2",
                     "ProvisionedThroughputOverride": {"ReadCapacityUnits": 10},
                     "TableClassOverride": "STANDARD_INFREQUENT_ACCESS"}}])
    assert a.describe_table(TableName=name)["Table"]["Replicas"] == [
        {"RegionName": "us-west-2", "ReplicaStatus": "ACTIVE"}]
    a.update_table(TableName=name, ReplicaUpdates=[{"Update": {
        "RegionName": "us-west-2", "TableClassOverride": "STANDARD_INFREQUENT_ACCESS"}}])
    rep = a.describe_table(TableName=name)["Table"]["Replicas"][0]
    assert rep == {"RegionName": "us-west-2", "ReplicaStatus": "ACTIVE",
                   "ReplicaTableClassSummary": {"TableClass": "STANDARD_INFREQUENT_ACCESS"}}
    assert_error(a.update_table, "ValidationException",
                 INVALID + "Disabling Stream is not allowed for a Global Table replica.",
                 TableName=name, StreamSpecification={"StreamEnabled": False})

    # a third region joins; each knows all others
    add_replica(a, name, "eu-west-1")
    wait_replica_active(a, name, "eu-west-1")
    wait_until(lambda: replica_status(b, name, "eu-west-1") == "ACTIVE", "B knows C")
    assert sorted(r["RegionName"] for r in c.describe_table(TableName=name)["Table"]["Replicas"]) \
        == ["us-east-1", "us-west-2"]
    b.put_item(TableName=name, Item={"k": {"S": "from-b"}})
    c.put_item(TableName=name, Item={"k": {"S": "from-c"}})
    wait_converged(regions, name, 302 + len(written))

    # removal: the replica's table goes, the others forget it
    a.update_table(TableName=name, ReplicaUpdates=[{"Delete": {"RegionName": "eu-west-1"}}])
    wait_until(lambda: replica_status(a, name, "eu-west-1") is None, "replica removed")

    def gone():
        try:
            c.describe_table(TableName=name)
            return False
        except c.exceptions.ResourceNotFoundException:
            return True
    wait_until(gone, "table gone in eu-west-1")
    wait_until(lambda: replica_status(b, name, "eu-west-1") is None, "B forgot C")
    a.update_table(TableName=name, ReplicaUpdates=[{"Delete": {"RegionName": "us-west-2"}}])
    wait_until(lambda: "Replicas" not in a.describe_table(TableName=name)["Table"],
               "last replica removed")
    assert "GlobalTableVersion" not in a.describe_table(TableName=name)["Table"]


def global_table(regions, name):
    a = regions[0].client
    hash_table(a, name)
    for r in regions[1:]:
        add_replica(a, name, r.name)
        wait_replica_active(a, name, r.name)
    for r in regions[1:]:
        wait_until(lambda: len(r.client.describe_table(TableName=name)["Table"]
                               .get("Replicas", [])) == len(regions) - 1, "group known")


def test_conflicting_writes_converge(regions):
    name = unique_name("gx")
    global_table(regions, name)
    keys = ["c%02d" % i for i in range(20)]

    def writer(r, seed):  # bounded: 150 writes per region
        cl = r.client
        for i in range(150):
            k = keys[(i * 7 + seed) % len(keys)]
            op = (i + seed) % 3
            if op == 0:
                cl.put_item(TableName=name, Item={"k": {"S": k}, "by": {"S": r.name},
                                                  "i": {"N": str(i)}})
            elif op == 1:
                cl.update_item(TableName=name, Key={"k": {"S": k}},
                               UpdateExpression="SET u = :r ADD cnt :one",
                               ExpressionAttributeValues={":r": {"S": r.name},
                                                          ":one": {"N": "1"}})
            else:
                cl.delete_item(TableName=name, Key={"k": {"S": k}})

    threads = [threading.Thread(target=writer, args=(r, s)) for s, r in enumerate(regions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wait_converged(regions, name)

    # the later write wins everywhere, whichever region it was made in
    a, b, c = (r.client for r in regions)
    a.put_item(TableName=name, Item={"k": {"S": "late"}, "v": {"S": "first"}})
    time.sleep(0.01)
    b.put_item(TableName=name, Item={"k": {"S": "late"}, "v": {"S": "second"}})
    items = wait_converged(regions, name)
    assert [i for i in items if i["k"]["S"] == "late"] == [{"k": {"S": "late"},
                                                           "v": {"S": "second"}}]
    c.delete_item(TableName=name, Key={"k": {"S": "late"}})
    items = wait_converged(regions, name)
    assert all(i["k"]["S"] != "late" for i in items)


def test_stopped_and_killed_region_catch_up(regions):
    name = unique_name("gk")
    global_table(regions[:2], name)
    a, b = regions[0].client, regions[1]
    put_range(a, name, 0, 50, "x")
    wait_converged(regions[:2], name, 50)

    os.kill(b.server.proc.pid, signal.SIGSTOP)
    put_range(a, name, 50, 150, "while-stopped")
    time.sleep(0.5)
    os.kill(b.server.proc.pid, signal.SIGCONT)
    wait_converged(regions[:2], name, 150)

    b.server.kill()
    put_range(a, name, 150, 250, "while-dead")
    for i in range(0, 40):
        a.delete_item(TableName=name, Key={"k": {"S": "k%05d" % i}})
    time.sleep(0.5)
    b.server = Server(data_dir=b.data_dir, port=b.port, extra_args=b.server.extra_args)
    b.start()
    items = wait_converged(regions[:2], name, 210)
    assert [i["k"]["S"] for i in items] == ["k%05d" % i for i in range(40, 250)]
    # and the restarted region ships its own writes again
    b.client.put_item(TableName=name, Item={"k": {"S": "after-restart"}})
    wait_converged(regions[:2], name, 211)


def stream_records(endpoint, region, client, name, count):
    streams = boto3.client("dynamodbstreams", endpoint_url=endpoint, region_name=region,
                           aws_access_key_id="k", aws_secret_access_key="s")
    arn = client.describe_table(TableName=name)["Table"]["LatestStreamArn"]

    def records():
        out = []
        for sh in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            it = streams.get_shard_iterator(StreamArn=arn, ShardId=sh["ShardId"],
                                            ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            out += streams.get_records(ShardIterator=it)["Records"]
        return out if len(out) >= count else None
    return wait_until(records, "%d stream records in %s" % (count, region))


def test_ttl_deletions_replicate_as_deletes(regions):
    name = unique_name("gt")
    global_table(regions[:2], name)
    a, b = regions[0].client, regions[1].client
    a.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True,
                                                                   "AttributeName": "exp"})
    past = str(int(time.time()) - 60)
    a.put_item(TableName=name, Item={"k": {"S": "old"}, "exp": {"N": past}})
    a.put_item(TableName=name, Item={"k": {"S": "kept"}})
    wait_until(lambda: scan_all(b, name) == [{"k": {"S": "kept"}}], "expired item gone in B", 30)
    assert scan_all(a, name) == [{"k": {"S": "kept"}}]
    # the deleting region's stream names the service; the replica's does not
    recs_a = stream_records(regions[0].server.endpoint, "us-east-1", a, name, 3)
    recs_b = stream_records(regions[1].server.endpoint, "us-west-2", b, name, 3)
    remove_a = [r for r in recs_a if r["eventName"] == "REMOVE"]
    remove_b = [r for r in recs_b if r["eventName"] == "REMOVE"]
    assert len(remove_a) == 1 and len(remove_b) == 1
    assert remove_a[0]["userIdentity"] == {"PrincipalId": "dynamodb.amazonaws.com",
                                           "Type": "Service"}
    assert "userIdentity" not in remove_b[0]
    assert remove_b[0]["dynamodb"]["Keys"] == {"k": {"S": "old"}}
    # lag and shipped counts per (table, replica) at /metrics
    text = raw_request(regions[0].port, method="GET", path="/metrics", target=None,
                       content_type=None, auth=False).body.decode()
    labels = '{table="%s",replica="us-west-2"}' % name
    shipped = [ln for ln in text.splitlines()
               if ln.startswith("ddbd_replication_shipped_total" + labels)]
    assert len(shipped) == 1 and float(shipped[0].split()[-1]) >= 3, shipped
    assert "ddbd_replication_lag_seconds" + labels in text
    assert "ddbd_replication_lag_records" + labels in text


def test_replica_stream_shows_replicated_changes(regions):
    name = unique_name("gs")
    global_table(regions[:2], name)
    a, b = regions[0].client, regions[1].client
    a.put_item(TableName=name, Item={"k": {"S": "s1"}, "v": {"N": "1"}})
    a.delete_item(TableName=name, Key={"k": {"S": "s1"}})
    recs = stream_records(regions[1].server.endpoint, "us-west-2", b, name, 2)
    assert [r["eventName"] for r in recs] == ["INSERT", "REMOVE"]
    assert recs[0]["dynamodb"]["NewImage"] == {"k": {"S": "s1"}, "v": {"N": "1"}}
    assert recs[1]["dynamodb"]["OldImage"] == {"k": {"S": "s1"}, "v": {"N": "1"}}
    assert all("userIdentity" not in r for r in recs)


def test_delete_table_of_a_replica(regions):
    name = unique_name("gd")
    global_table(regions, name)
    a, b, c = (r.client for r in regions)
    # us-east-1 made both replicas today: its table stays
    assert_error(a.delete_table, "ValidationException",
                 "Replica cannot be deleted because it has acted as a source region for new "
                 "replica(s) being added to the table in the last 24 hours.", TableName=name)
    assert a.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE"
    # a replica made from elsewhere may go; the others forget it
    b.delete_table(TableName=name)
    for cl in (a, c):
        wait_until(lambda: [r["RegionName"] for r in
                            cl.describe_table(TableName=name)["Table"].get("Replicas", [])]
                   == ["eu-west-1" if cl is a else "us-east-1"], "us-west-2 forgotten")
    a.put_item(TableName=name, Item={"k": {"S": "after"}})
    wait_converged([regions[0], regions[2]], name, 1)


def test_replication_calls_are_signed(tmp_path):
    """A peer with authentication on accepts the replication key and refuses
    others: a replica made with the wrong key fails to be created."""
    creds = tmp_path / "credentials"
    creds.write_text("[replicator]\naws_access_key_id = AKIDREPLICATOR\n"
                     "aws_secret_access_key = replication-secret\n"
                     "[client]\naws_access_key_id = AKIDCLIENT\n"
                     "aws_secret_access_key = client-secret\n")
    pa, pb = free_port(), free_port()
    servers = []
    try:
        for name, port, peer, key in (("us-east-1", pa, ("us-west-2", pb), "good"),
                                      ("us-west-2", pb, ("us-east-1", pa), None)):
            d = tmp_path / name
            d.mkdir()
            args = ["--region", name, "--peer-region", "%s=http://127.0.0.1:%d" % peer,
                    "--replication-key", "AKIDREPLICATOR:replication-secret"]
            if key is None:
                args += ["--credentials", str(creds)]
            servers.append(Server(data_dir=d, port=port, extra_args=args).start())
        a = make_client(servers[0].endpoint)
        b = boto3.client("dynamodb", endpoint_url=servers[1].endpoint, region_name="us-west-2",
                         aws_access_key_id="AKIDCLIENT", aws_secret_access_key="client-secret")
        replicate_one_item(servers, a, b)
        servers[0].stop()
        # region A again, with a key B does not know
        args = [x if x != "AKIDREPLICATOR:replication-secret" else "AKIDOTHER:nope"
                for x in servers[0].extra_args]
        servers[0] = Server(data_dir=tmp_path / "us-east-1", port=pa, extra_args=args).start()
        a = make_client(servers[0].endpoint)
        other = unique_name("gb")
        hash_table(a, other)
        add_replica(a, other, "us-west-2")
        wait_until(lambda: replica_status(a, other, "us-west-2") == "CREATION_FAILED",
                   "creation refused", timeout=90)
        assert_error(b.describe_table, "ResourceNotFoundException", TableName=other)
    finally:
        for s in servers:
            s.finish()


# --- settings shared by the group ---------------------------------------------------


def index_names(client, name):
    desc = client.describe_table(TableName=name)["Table"]
    return {g["IndexName"]: g["IndexStatus"] for g in desc.get("GlobalSecondaryIndexes", [])}


def ttl_of(client, name):
    return client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]


def protect(region, name, on):
    """UpdateTable DeletionProtectionEnabled (raw: newer than this SDK)."""
    resp = raw_request(region.port, {"TableName": name, "DeletionProtectionEnabled": on},
                       target="DynamoDB_20120810.UpdateTable")
    assert resp.status == 200, resp.body


def protected(region, name):
    resp = raw_request(region.port, {"TableName": name}, target="DynamoDB_20120810.DescribeTable")
    assert resp.status == 200, resp.body
    return json.loads(resp.body)["Table"]["DeletionProtectionEnabled"]


def test_settings_changes_propagate(regions):
    """GSIs (each replica backfills its own) and TTL changed in any region
    reach every replica; deletion protection stays each replica's own."""
    name = unique_name("gp")
    global_table(regions, name)
    a, b, c = (r.client for r in regions)
    for i in range(30):
        a.put_item(TableName=name, Item={"k": {"S": "i%02d" % i}, "g": {"S": "even" if i % 2 == 0
                                                                        else "odd"}})
    wait_converged(regions, name, 30)
    a.update_table(TableName=name,
                   AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
                   GlobalSecondaryIndexUpdates=[{"Create": {
                       "IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                       "Projection": {"ProjectionType": "ALL"}}}])
    for cl in (b, c):
        wait_until(lambda: index_names(cl, name) == {"by-g": "ACTIVE"}, "index built")
        # the replica's own index holds the replicated items
        got = cl.query(TableName=name, IndexName="by-g", KeyConditionExpression="g = :g",
                       ExpressionAttributeValues={":g": {"S": "even"}})["Items"]
        assert sorted(i["k"]["S"] for i in got) == ["i%02d" % i for i in range(0, 30, 2)]
    # items written after the index exists reach the others' indexes too
    c.put_item(TableName=name, Item={"k": {"S": "late"}, "g": {"S": "even"}})
    wait_until(lambda: a.query(TableName=name, IndexName="by-g", KeyConditionExpression="g = :g",
                               ExpressionAttributeValues={":g": {"S": "even"}})["Count"] == 16,
               "late item in A's index")

    # TTL changed in B reaches A and C
    b.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True,
                                                                   "AttributeName": "exp"})
    for cl in (a, c):
        wait_until(lambda: ttl_of(cl, name) == {"TimeToLiveStatus": "ENABLED",
                                                "AttributeName": "exp"}, "TTL on")
    # deletion protection is per replica: set in A only
    protect(regions[0], name, True)
    assert protected(regions[0], name) is True
    # the index goes everywhere
    a.update_table(TableName=name, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "by-g"}}])
    for cl in (b, c):
        wait_until(lambda: index_names(cl, name) == {}, "index deleted")
    for r in regions[1:]:
        assert protected(r, name) is False
    # TTL off in C reaches A and B
    c.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": False,
                                                                   "AttributeName": "exp"})
    for cl in (a, b):
        wait_until(lambda: ttl_of(cl, name) == {"TimeToLiveStatus": "DISABLED"}, "TTL off")
    protect(regions[0], name, False)


def test_new_replica_takes_the_ttl(regions):
    name = unique_name("gq")
    a, b = regions[0].client, regions[1].client
    hash_table(a, name)
    a.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True,
                                                                   "AttributeName": "exp"})
    add_replica(a, name, "us-west-2")
    wait_replica_active(a, name, "us-west-2")
    wait_until(lambda: ttl_of(b, name) == {"TimeToLiveStatus": "ENABLED", "AttributeName": "exp"},
               "TTL on in the new replica")


def two_regions(tmp_path, extra_a, extra_b, scheme_b="http"):
    pa, pb = free_port(), free_port()
    servers = []
    for name, port, peer, scheme, extra in (
            ("us-east-1", pa, ("us-west-2", pb), scheme_b, extra_a),
            ("us-west-2", pb, ("us-east-1", pa), "http", extra_b)):
        d = tmp_path / name
        d.mkdir()
        args = ["--region", name,
                "--peer-region", "%s=%s://127.0.0.1:%d" % (peer[0], scheme, peer[1])] + extra
        servers.append(Server(data_dir=d, port=port, extra_args=args).start())
    return servers


def finish_all(servers):
    """Stop every server, then report the first that did not exit cleanly."""
    failed = []
    for s in servers:
        try:
            s.finish()
        except AssertionError as e:
            failed.append(e)
    if failed:
        raise failed[0]


def replicate_one_item(servers, a, b_client):
    name = unique_name("gr")
    hash_table(a, name)
    a.put_item(TableName=name, Item={"k": {"S": "one"}})
    add_replica(a, name, "us-west-2")
    wait_replica_active(a, name, "us-west-2")
    wait_until(lambda: b_client.scan(TableName=name)["Items"] == [{"k": {"S": "one"}}], "copied")
    b_client.put_item(TableName=name, Item={"k": {"S": "two"}})
    wait_until(lambda: len(a.scan(TableName=name)["Items"]) == 2, "shipped back")


def test_replication_key_defaults_to_the_first_credentials_key(tmp_path):
    """Without --replication-key, calls are signed with the first key of the
    server's own --credentials file, which the peer knows."""
    creds = tmp_path / "credentials"
    creds.write_text("[zz-replicator]\naws_access_key_id = AKIDZREPL\n"
                     "aws_secret_access_key = replication-secret\n"
                     "[aa-client]\naws_access_key_id = AKIDACLIENT\n"
                     "aws_secret_access_key = client-secret\n")
    servers = two_regions(tmp_path, ["--credentials", str(creds)], ["--credentials", str(creds)])
    try:
        def client(server, region):
            return boto3.client("dynamodb", endpoint_url=server.endpoint, region_name=region,
                                aws_access_key_id="AKIDACLIENT",
                                aws_secret_access_key="client-secret")
        replicate_one_item(servers, client(servers[0], "us-east-1"),
                           client(servers[1], "us-west-2"))
    finally:
        finish_all(servers)


def test_https_peer(tmp_path):
    """A peer reached over https, its certificate checked against
    --replication-ca-file."""
    openssl = "/usr/bin/openssl"
    if not os.path.exists(openssl):
        pytest.skip("openssl command line not installed")
    d = tmp_path / "pki"
    d.mkdir()

    def run(*args):
        subprocess.run([openssl] + list(args), cwd=d, check=True, capture_output=True,
                       timeout=60)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
        "-days", "2", "-subj", "/CN=ddbd test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=localhost")
    (d / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                               "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf")
    servers = two_regions(tmp_path, ["--replication-ca-file", str(d / "ca.pem")],
                          ["--tls-cert", str(d / "server.pem"), "--tls-key",
                           str(d / "server.key")], scheme_b="https")
    try:
        replicate_one_item(servers, make_client(servers[0].endpoint),
                           make_client(servers[1].endpoint))
    finally:
        finish_all(servers)


def test_replica_auto_scaling_of_a_global_table(regions):
    """Describe/UpdateTableReplicaAutoScaling answer for a global table (all
    its replicas on demand): every region listed, settings refused."""
    name = unique_name("ga")
    global_table(regions[:2], name)
    a, b = regions[0].client, regions[1].client
    expect = {"TableName": name, "TableStatus": "ACTIVE", "Replicas": [
        {"RegionName": "us-east-1", "GlobalSecondaryIndexes": [], "ReplicaStatus": "ACTIVE"},
        {"RegionName": "us-west-2", "GlobalSecondaryIndexes": [], "ReplicaStatus": "ACTIVE"}]}
    for cl in (a, b):
        got = cl.describe_table_replica_auto_scaling(TableName=name)
        assert got["TableAutoScalingDescription"] == expect
    on_demand = ("Failed to update global table with name \u2018%s\u2018. Replicas 'US-EAST-1', "
                 "'US-WEST-2' BillingMode is PayPerRequest. You must convert table's BillingMode "
                 "to PROVISIONED to set parameters: '%s'.")
    scaling = {"MinimumUnits": 1, "MaximumUnits": 10, "ScalingPolicyUpdate": {
        "TargetTrackingScalingPolicyConfiguration": {"TargetValue": 70.0}}}
    assert_error(a.update_table_replica_auto_scaling, "ValidationException",
                 on_demand % (name, "GlobalTableProvisionedWriteCapacityAutoScalingSettingsUpdate"),
                 TableName=name, ProvisionedWriteCapacityAutoScalingUpdate=scaling)
    assert_error(b.update_table_replica_auto_scaling, "ValidationException",
                 on_demand % (name, "ReplicaProvisionedReadCapacityAutoScalingSettingsUpdate"),
                 TableName=name, ReplicaUpdates=[{
                     "RegionName": "us-east-1",
                     "ReplicaProvisionedReadCapacityAutoScalingUpdate": scaling}])
    # an update updates something, for each replica it names, named once
    prefix = "Failed to update settings for global table with name: \u2018%s\u2019 because " % name
    assert_error(a.update_table_replica_auto_scaling, "ValidationException",
                 prefix + "at least one update parameter must be specified.", TableName=name)
    assert_error(a.update_table_replica_auto_scaling, "ValidationException",
                 prefix + "at least one update parameter must be specified for region: "
                 "\u2018us-west-2\u2019.", TableName=name,
                 ReplicaUpdates=[{"RegionName": "us-west-2"}])
    disabled = {"ReplicaProvisionedReadCapacityAutoScalingUpdate": {"AutoScalingDisabled": True}}
    assert_error(a.update_table_replica_auto_scaling, "ValidationException",
                 prefix + "the regions: \u2018[us-west-2]\u2019 were specified more than once.",
                 TableName=name, ReplicaUpdates=[dict(disabled, RegionName="us-west-2"),
                                                 dict(disabled, RegionName="us-east-1"),
                                                 dict(disabled, RegionName="us-west-2")])
    # disabling alone is accepted
    got = a.update_table_replica_auto_scaling(
        TableName=name, ProvisionedWriteCapacityAutoScalingUpdate={"AutoScalingDisabled": True})
    assert got["TableAutoScalingDescription"] == expect
    # a regional table is still no global table
    other = unique_name("gn")
    hash_table(a, other)
    assert_error(a.describe_table_replica_auto_scaling, "ResourceNotFoundException",
                 "Global table with name: '%s' does not exist." % other, TableName=other)


def test_replica_that_made_another_cannot_be_removed(regions):
    """A region that made a replica in the last 24 hours keeps its own while
    that replica exists: ReplicaUpdates Delete of it is refused in every
    region; once the replica it made is gone it may go."""
    name = unique_name("gm")
    a, b, c = (r.client for r in regions)
    hash_table(a, name)
    add_replica(a, name, "us-west-2")
    wait_replica_active(a, name, "us-west-2")
    wait_until(lambda: replica_status(b, name, "us-east-1") == "ACTIVE", "B knows A")
    add_replica(b, name, "eu-west-1")  # us-west-2 makes eu-west-1
    wait_replica_active(b, name, "eu-west-1")
    wait_until(lambda: replica_status(a, name, "eu-west-1") == "ACTIVE", "A knows C")
    wait_until(lambda: replica_status(c, name, "us-east-1") == "ACTIVE", "C knows A")
    held = ("Replica cannot be deleted because it has acted as a source region for new "
            "replica(s) being added to the table in the last 24 hours.")
    for cl in (a, c):
        assert_error(cl.update_table, "ValidationException", held, TableName=name,
                     ReplicaUpdates=[{"Delete": {"RegionName": "us-west-2"}}])
    # us-east-1 made us-west-2: C may not remove it either
    assert_error(c.update_table, "ValidationException", held, TableName=name,
                 ReplicaUpdates=[{"Delete": {"RegionName": "us-east-1"}}])
    assert replica_status(a, name, "us-west-2") == "ACTIVE"
    # eu-west-1 made nothing: it may go, and then us-west-2 may too
    a.update_table(TableName=name, ReplicaUpdates=[{"Delete": {"RegionName": "eu-west-1"}}])
    wait_until(lambda: replica_status(a, name, "eu-west-1") is None, "C removed")
    a.update_table(TableName=name, ReplicaUpdates=[{"Delete": {"RegionName": "us-west-2"}}])
    wait_until(lambda: "Replicas" not in a.describe_table(TableName=name)["Table"],
               "B removed")


# --- item versions and tombstones ---------------------------------------------------


def apply_stale_put(port, name, key):
    """A change as another region ships it, timestamped long ago."""
    body = {"TableName": name, "Changes": [{"T": "1", "O": "us-east-1", "K": {"k": {"S": key}},
                                            "I": {"k": {"S": key}, "v": {"S": "stale"}}}]}
    resp = raw_request(port, body, target="DdbdReplication_20261130.ApplyChanges")
    assert resp.status == 200, resp.body


def deleted_everywhere(a, b, name, key):
    a.put_item(TableName=name, Item={"k": {"S": key}, "v": {"S": "live"}})
    wait_until(lambda: "Item" in b.get_item(TableName=name, Key={"k": {"S": key}}), "put arrived")
    a.delete_item(TableName=name, Key={"k": {"S": key}})
    wait_until(lambda: "Item" not in b.get_item(TableName=name, Key={"k": {"S": key}}),
               "delete arrived")


def test_tombstone_beats_an_older_change(regions):
    name = unique_name("gt")
    global_table(regions[:2], name)
    a, b = regions[0].client, regions[1].client
    deleted_everywhere(a, b, name, "gone")
    apply_stale_put(regions[1].port, name, "gone")
    time.sleep(1.5)  # the server's trimming looks every second: it must keep the tombstone
    apply_stale_put(regions[1].port, name, "gone")
    assert "Item" not in b.get_item(TableName=name, Key={"k": {"S": "gone"}}, ConsistentRead=True)


def test_versions_forgotten_after_the_keep_time(tmp_path):
    """--replication-version-keep 0.5: half a second after every replica has
    a deletion its tombstone is forgotten, so a change older than it (which
    no replica could still send by then) is no longer refused."""
    keep = ["--replication-version-keep", "0.5"]
    servers = two_regions(tmp_path, keep, keep)
    try:
        a, b = make_client(servers[0].endpoint), make_client(servers[1].endpoint)
        name = unique_name("gv")
        hash_table(a, name)
        add_replica(a, name, "us-west-2")
        wait_replica_active(a, name, "us-west-2")
        deleted_everywhere(a, b, name, "gone")

        def stale_applied():
            apply_stale_put(servers[1].port, name, "gone")
            got = b.get_item(TableName=name, Key={"k": {"S": "gone"}}, ConsistentRead=True)
            return got.get("Item") == {"k": {"S": "gone"}, "v": {"S": "stale"}}
        wait_until(stale_applied, "tombstone forgotten", timeout=15)
    finally:
        finish_all(servers)


def apply_change_ahead(port, name, key, ts):
    """A change as a third region ships it, timestamped ts (microseconds)."""
    body = {"TableName": name, "Changes": [{"T": str(ts), "O": "eu-west-1", "K": {"k": {"S": key}},
                                            "I": {"k": {"S": key}, "v": {"S": "ahead"}}}]}
    resp = raw_request(port, body, target="DdbdReplication_20261130.ApplyChanges")
    assert resp.status == 200, resp.body


def test_local_write_after_a_change_stamped_ahead_wins_also_after_a_restart(tmp_path):
    """Both replicas hold changes stamped hours ahead of the clock; a local
    write of such an item afterwards must be stamped above it, or the other
    replica would refuse it as older and the two would differ.  The same after
    the writing region was killed and restarted: what it knows of the
    versions ahead of its clock survives."""
    servers = two_regions(tmp_path, [], [])
    try:
        a, b = make_client(servers[0].endpoint), make_client(servers[1].endpoint)
        name = unique_name("ga")
        hash_table(a, name)
        add_replica(a, name, "us-west-2")
        wait_replica_active(a, name, "us-west-2")

        def has(client, key, value):
            got = client.get_item(TableName=name, Key={"k": {"S": key}}, ConsistentRead=True)
            return got.get("Item", {}).get("v") == {"S": value}

        now = int(time.time() * 1e6)
        for key, ahead_h in (("before", 1), ("again", 1), ("after", 2)):  # a clock hours ahead
            for s in servers:
                apply_change_ahead(s.port, name, key, now + ahead_h * 3600 * 10**6)
            wait_until(lambda: has(b, key, "ahead"), "change ahead applied")

        a.put_item(TableName=name, Item={"k": {"S": "before"}, "v": {"S": "local"}})
        wait_until(lambda: has(b, "before", "local"), "local write replicated")

        servers[0].kill()
        servers[0] = Server(data_dir=servers[0].data_dir, port=servers[0].port,
                            extra_args=servers[0].extra_args).start()
        a = make_client(servers[0].endpoint)
        # stamped above what the region logged before (its own change of
        # "before" an hour ahead), and above the version two hours ahead
        for key in ("again", "after"):
            a.put_item(TableName=name, Item={"k": {"S": key}, "v": {"S": "local"}})
            wait_until(lambda: has(b, key, "local"), "local write after restart replicated")
        assert all(has(a, key, "local") for key in ("before", "again", "after"))
    finally:
        finish_all(servers)


def test_large_items_replicate_in_calls_under_the_request_limit(regions):
    """A replica's copy and a backlog of changes are sent in calls of a few
    MB: 500 or 1,000 items of up to 400 KB in one call would pass the 16 MB
    request limit the peer enforces, and the peer would refuse it forever."""
    name = unique_name("gl")
    a, b = regions[0], regions[1]
    hash_table(a.client, name)
    big = "x" * 380_000

    def put_big(start, stop):
        for i in range(start, stop):
            a.client.put_item(TableName=name, Item={"k": {"S": "b%03d" % i},
                                                    "v": {"S": "%03d" % i + big}})

    put_big(0, 50)  # 19 MB to copy
    add_replica(a.client, name, b.name)
    wait_replica_active(a.client, name, b.name)
    os.kill(b.server.proc.pid, signal.SIGSTOP)
    try:
        put_big(50, 110)  # a backlog of 23 MB
        time.sleep(0.5)
    finally:
        os.kill(b.server.proc.pid, signal.SIGCONT)

    def keys_and_heads(client):
        items = scan_all(client, name)
        return [(i["k"]["S"], i["v"]["S"][:3], len(i["v"]["S"])) for i in items]

    want = [("b%03d" % i, "%03d" % i, 380_003) for i in range(110)]
    wait_until(lambda: keys_and_heads(b.client) == want, "the large items on the replica")
    assert keys_and_heads(a.client) == want


def all_stream_records(endpoint, region, client, name):
    """Every record of the table's stream, each shard read to its end
    (bounded: at most 200 GetRecords calls)."""
    streams = boto3.client("dynamodbstreams", endpoint_url=endpoint, region_name=region,
                           aws_access_key_id="k", aws_secret_access_key="s")
    arn = client.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    out, calls = [], 0
    for sh in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=sh["ShardId"],
                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while it and calls < 200:
            calls += 1
            page = streams.get_records(ShardIterator=it, Limit=1000)
            out += page["Records"]
            if not page["Records"]:
                break
            it = page.get("NextShardIterator")
    assert calls < 200
    return out


def test_source_killed_while_a_large_backlog_ships(regions):
    """A backlog of several shipments' worth (and more than the changes
    between two stored positions) is being shipped when the source is
    killed: after its restart the replica has every change exactly once
    (its stream shows each once), none lost and none applied twice."""
    name = unique_name("gb")
    global_table(regions[:2], name)
    a, b = regions[0], regions[1]
    count = 6000
    os.kill(b.server.proc.pid, signal.SIGSTOP)
    try:
        for start in range(0, count, 25):
            reqs = [{"PutRequest": {"Item": {"k": {"S": "k%05d" % i}, "n": {"N": str(i)}}}}
                    for i in range(start, start + 25)]
            left = {name: reqs}
            for _ in range(50):
                left = a.client.batch_write_item(RequestItems=left)["UnprocessedItems"]
                if not left:
                    break
            assert not left
    finally:
        os.kill(b.server.proc.pid, signal.SIGCONT)
    # killed once the replica has some of the backlog but not all of it
    wait_until(lambda: b.client.scan(TableName=name, Select="COUNT")["Count"] > 0,
               "shipping begun", 30)
    a.server.kill()
    a.server = Server(data_dir=a.data_dir, port=a.port, extra_args=a.server.extra_args)
    a.start()
    items = wait_converged(regions[:2], name, count)
    assert [i["n"]["N"] for i in items] == [str(i) for i in range(count)]
    recs = all_stream_records(b.server.endpoint, "us-west-2", b.client, name)
    keys = [r["dynamodb"]["Keys"]["k"]["S"] for r in recs]
    assert len(keys) == count and sorted(keys) == ["k%05d" % i for i in range(count)]
    assert all(r["eventName"] == "INSERT" for r in recs)
