"""Global tables: settings changed while a replica is being created reach
it, and a replica's own overrides (on-demand read maxima of the table and
its GSIs) are applied in its region, as DescribeTable and throttling there
show."""

import json
import os
import signal
import time

from conftest import Server, assert_error, make_client, raw_request, unique_name
from test_global_tables import (finish_all, hash_table, index_names, regions,  # noqa: F401
                                replica_status, ttl_of, two_regions, wait_replica_active,
                                wait_until)

ITEMS = 4000  # of 8 KB: copying them takes a while


def populate(client, name, count):
    pad = "x" * 8000
    for start in range(0, count, 25):
        client.batch_write_item(RequestItems={name: [
            {"PutRequest": {"Item": {"k": {"S": "k%05d" % i}, "g": {"S": "g%d" % (i % 7)},
                                     "pad": {"S": pad}}}}
            for i in range(start, min(start + 25, count))]})


def count(client, name):
    total, kw = 0, {}
    for _ in range(1000):
        page = client.scan(TableName=name, Select="COUNT", **kw)
        total += page["Count"]
        if "LastEvaluatedKey" not in page:
            return total
        kw["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    raise AssertionError("too many pages")


def exists(client, name):
    try:
        client.describe_table(TableName=name)
        return True
    except client.exceptions.ResourceNotFoundException:
        return False


def raw(region, op, body):
    """A call newer than this SDK (OnDemandThroughput)."""
    resp = raw_request(region.port, body, target="DynamoDB_20120810." + op)
    assert resp.status == 200, resp.body
    return json.loads(resp.body)


def on_demand(region, name):
    return raw(region, "DescribeTable", {"TableName": name})["Table"].get("OnDemandThroughput")


def change_settings(region, name):
    """A TTL, on-demand maxima and a new GSI, made in region."""
    cl = region.client
    cl.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True,
                                                                    "AttributeName": "exp"})
    raw(region, "UpdateTable", {"TableName": name, "OnDemandThroughput": {
        "MaxReadRequestUnits": 400, "MaxWriteRequestUnits": 300}})
    cl.update_table(TableName=name,
                    AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
                    GlobalSecondaryIndexUpdates=[{"Create": {
                        "IndexName": "by-g",
                        "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                        "Projection": {"ProjectionType": "KEYS_ONLY"}}}])


def check_settings(a, b_region, name):
    b = b_region.client
    wait_replica_active(a, name, "us-west-2")
    wait_until(lambda: ttl_of(b, name) == {"TimeToLiveStatus": "ENABLED",
                                           "AttributeName": "exp"}, "TTL in the replica")
    wait_until(lambda: on_demand(b_region, name) == {"MaxReadRequestUnits": 400,
                                                     "MaxWriteRequestUnits": 300},
               "on-demand maxima in the replica")
    wait_until(lambda: index_names(b, name) == {"by-g": "ACTIVE"}, "index in the replica")
    wait_until(lambda: count(b, name) == ITEMS, "items copied")
    got = b.query(TableName=name, IndexName="by-g", KeyConditionExpression="g = :g",
                  ExpressionAttributeValues={":g": {"S": "g3"}}, Select="COUNT")["Count"]
    assert got == len([i for i in range(ITEMS) if i % 7 == 3])
    # and a change after the creation still travels as before
    a.update_table(TableName=name, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "by-g"}}])
    wait_until(lambda: index_names(b, name) == {}, "index deleted in the replica")


def start_creation(regions, name, hold_before):  # noqa: F811
    """A replica of a populated table being created in us-west-2, held
    (the region stopped) before the creation started, or once its table
    exists (its items are being copied)."""
    a, b = regions[0].client, regions[1]
    hash_table(a, name)
    populate(a, name, ITEMS)
    if hold_before:
        os.kill(b.server.proc.pid, signal.SIGSTOP)
    a.update_table(TableName=name, ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])
    if not hold_before:
        wait_until(lambda: exists(b.client, name), "replica table made", 30)
        os.kill(b.server.proc.pid, signal.SIGSTOP)


def test_settings_changed_while_a_replica_is_created_reach_it(regions):  # noqa: F811
    name = unique_name("gw")
    start_creation(regions, name, True)
    try:
        change_settings(regions[0], name)
        assert replica_status(regions[0].client, name, "us-west-2") == "CREATING"
        # no other replica (nor the same again) is added meanwhile
        for region in ("eu-west-1", "us-west-2"):
            assert_error(regions[0].client.update_table, "ResourceInUseException",
                         "The resource which you are attempting to change is in use.",
                         TableName=name, ReplicaUpdates=[{"Create": {"RegionName": region}}])
        time.sleep(0.5)
    finally:
        os.kill(regions[1].server.proc.pid, signal.SIGCONT)
    check_settings(regions[0].client, regions[1], name)


def test_creation_resumed_after_a_crash_takes_the_settings(regions):  # noqa: F811
    """The region making the replica is killed while the replica is being
    created, after settings changed: once restarted it finishes the
    replica, items and settings."""
    name = unique_name("gz")
    a = regions[0]
    start_creation(regions, name, False)
    try:
        change_settings(a, name)
        assert replica_status(a.client, name, "us-west-2") == "CREATING"
        a.server.kill()
    finally:
        os.kill(regions[1].server.proc.pid, signal.SIGCONT)
    a.server = Server(data_dir=a.data_dir, port=a.port, extra_args=a.server.extra_args)
    a.start()
    check_settings(a.client, regions[1], name)


# --- a replica's own overrides ---------------------------------------------------------


def gsi_table(region, name):
    body = {"TableName": name, "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"},
                                     {"AttributeName": "g", "AttributeType": "S"}],
            "GlobalSecondaryIndexes": [{"IndexName": "by-g", "KeySchema": [
                {"AttributeName": "g", "KeyType": "HASH"}], "Projection": {
                "ProjectionType": "ALL"}}]}
    raw(region, "CreateTable", body)
    wait_until(lambda: region.client.describe_table(TableName=name)["Table"]["TableStatus"]
               == "ACTIVE", "table active", 15)


def figures(region, name):
    """The table's and its GSI's OnDemandThroughput as the region shows them."""
    t = raw(region, "DescribeTable", {"TableName": name})["Table"]
    return t.get("OnDemandThroughput"), t["GlobalSecondaryIndexes"][0].get("OnDemandThroughput")


def reads_until_throttled(client, name, limit):
    """Strongly consistent reads of one item: how many passed before the
    first ThrottlingException (None: none in limit reads)."""
    for i in range(limit):
        try:
            client.get_item(TableName=name, Key={"k": {"S": "one"}}, ConsistentRead=True)
        except client.exceptions.ClientError as e:
            assert e.response["Error"]["Code"] == "ThrottlingException", e.response
            return i
    return None


def od(read, write):
    return {"MaxReadRequestUnits": read, "MaxWriteRequestUnits": write}


def test_replica_overrides_apply_in_its_region(tmp_path):
    servers = two_regions(tmp_path, ["--throttling"], ["--throttling"])
    try:
        a, b = (Region(s) for s in servers)
        name = unique_name("go")
        gsi_table(a, name)
        a.client.put_item(TableName=name, Item={"k": {"S": "one"}, "g": {"S": "x"}})
        a.client.update_table(TableName=name,
                              ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])
        wait_replica_active(a.client, name, "us-west-2")
        override = {"RegionName": "us-west-2", "OnDemandThroughputOverride": {
            "MaxReadRequestUnits": 5}, "GlobalSecondaryIndexes": [{
                "IndexName": "by-g", "OnDemandThroughputOverride": {"MaxReadRequestUnits": 7}}]}
        raw(a, "UpdateTable", {"TableName": name, "ReplicaUpdates": [{"Update": override}]})
        shown = dict(override, ReplicaStatus="ACTIVE")
        assert raw(a, "DescribeTable", {"TableName": name})["Table"]["Replicas"] == [shown]
        # the replica's region shows and applies its own figures; the others keep theirs
        wait_until(lambda: figures(b, name) == (od(5, -1), od(7, -1)), "overrides applied")
        assert figures(a, name) == (None, None)
        assert raw(b, "DescribeTable", {"TableName": name})["Table"]["Replicas"] == [
            {"RegionName": "us-east-1", "ReplicaStatus": "ACTIVE"}]
        wait_until(lambda: "Item" in b.client.get_item(TableName=name,
                                                       Key={"k": {"S": "one"}}), "item there")
        time.sleep(1.1)  # a second's worth of capacity again
        passed = reads_until_throttled(b.client, name, 100)
        assert passed is not None and passed <= 10, passed
        assert reads_until_throttled(a.client, name, 30) is None
        # a change of the group's figures keeps the override in its region
        raw(a, "UpdateTable", {"TableName": name, "OnDemandThroughput": {
            "MaxWriteRequestUnits": 50}})
        assert figures(a, name) == (od(-1, 50), None)
        wait_until(lambda: figures(b, name) == (od(5, 50), od(7, -1)), "group maximum arrived")
        # an Update without them drops the overrides: the group's figures again
        raw(a, "UpdateTable", {"TableName": name, "ReplicaUpdates": [{"Update": {
            "RegionName": "us-west-2", "TableClassOverride": "STANDARD"}}]})
        wait_until(lambda: figures(b, name) == (od(-1, 50), None), "overrides gone")
    finally:
        finish_all(servers)


class Region:
    """A started server of two_regions with its client."""

    def __init__(self, server):
        self.server, self.port = server, server.port
        self.client = make_client(server.endpoint)


def test_every_region_knows_and_keeps_a_replicas_overrides(regions):  # noqa: F811
    """An override set in one region is shown by every region, and a group
    change made in another region leaves it in place."""
    a, b, c = regions
    name = unique_name("gk")
    hash_table(a.client, name)
    for r in (b, c):
        a.client.update_table(TableName=name, ReplicaUpdates=[{"Create": {"RegionName": r.name}}])
        wait_replica_active(a.client, name, r.name)
    override = {"RegionName": "eu-west-1", "OnDemandThroughputOverride": {
        "MaxReadRequestUnits": 9}}
    raw(a, "UpdateTable", {"TableName": name, "ReplicaUpdates": [{"Update": override}]})

    def replicas(region):
        return sorted(raw(region, "DescribeTable", {"TableName": name})["Table"]["Replicas"],
                      key=lambda r: r["RegionName"])
    shown = dict(override, ReplicaStatus="ACTIVE")
    wait_until(lambda: replicas(b) == [shown, {"RegionName": "us-east-1",
                                               "ReplicaStatus": "ACTIVE"}], "B shows it")
    assert replicas(a) == [shown, {"RegionName": "us-west-2", "ReplicaStatus": "ACTIVE"}]
    wait_until(lambda: on_demand(c, name) == od(9, -1), "applied in eu-west-1")
    raw(b, "UpdateTable", {"TableName": name, "OnDemandThroughput": {
        "MaxReadRequestUnits": 100, "MaxWriteRequestUnits": 40}})
    wait_until(lambda: on_demand(a, name) == od(100, 40), "group change in us-east-1")
    wait_until(lambda: on_demand(c, name) == od(9, 40), "override kept in eu-west-1")
    time.sleep(0.5)
    assert on_demand(c, name) == od(9, 40)
