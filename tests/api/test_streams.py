"""DynamoDB Streams through boto3's dynamodb and dynamodbstreams clients: the
records every kind of write produces (per view type, exact images and
SizeBytes), no record for writes that change nothing, batch and transaction
writes, per-item order under concurrent writers, stream settings on
CreateTable/UpdateTable/DeleteTable, and ListStreams / DescribeStream /
GetShardIterator / GetRecords with their errors.

Rollover, expiry, trimming, restarts and crashes need servers of their own:
test_streams_lifecycle.py."""

import json
import os
import subprocess
import threading
import time
from datetime import datetime, timezone

import pytest

from conftest import (assert_error, make_client, raw_request, unique_name, wait_active,
                      wait_gone)
from ddbvalues import B, L, M, N, S, canon_item
from streamhelp import (ARN_RE, EVENT_ID_RE, LABEL_RE, SEQUENCE_RE, SHARD_RE, VIEWS, all_shards,
                        assert_stream_error, create_stream_table, item_size, latest_arn,
                        make_streams_client, raw_streams, read_shard, read_stream)


@pytest.fixture(scope="session")
def streams(server):
    return make_streams_client(server.endpoint)


@pytest.fixture
def stream_table(ddb, make_table):
    """stream_table(view, range_key=None) -> (table name, stream ARN)."""

    def create(view="NEW_AND_OLD_IMAGES", range_key=None, **kwargs):
        name = unique_name("st")
        make_table.track(name)
        desc = create_stream_table(ddb, name, view, range_key=range_key, **kwargs)
        wait_active(ddb, name)
        return name, desc["LatestStreamArn"]

    return create


def get(ddb, table, key):
    return ddb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")


def seq(record):
    return int(record["dynamodb"]["SequenceNumber"])


def check_record(rec, event, keys, view, new=None, old=None, t0=None, t1=None):
    """One record, member by member, as the service shapes it."""
    assert set(rec) == {"eventID", "eventName", "eventVersion", "eventSource", "awsRegion",
                        "dynamodb"}, rec
    assert EVENT_ID_RE.match(rec["eventID"]), rec["eventID"]
    assert rec["eventName"] == event
    assert rec["eventVersion"] == "1.1"
    assert rec["eventSource"] == "aws:dynamodb"
    assert rec["awsRegion"] == "us-east-1"
    dyn = rec["dynamodb"]
    members = {"ApproximateCreationDateTime", "Keys", "SequenceNumber", "SizeBytes",
               "StreamViewType"}
    with_new = view in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES") and event != "REMOVE"
    with_old = view in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES") and event != "INSERT"
    if with_new:
        members.add("NewImage")
    if with_old:
        members.add("OldImage")
    assert set(dyn) == members, dyn
    assert dyn["Keys"] == keys
    size = item_size(keys)
    if with_new:
        assert canon_item(dyn["NewImage"]) == canon_item(new)
        size += item_size(new)
    if with_old:
        assert canon_item(dyn["OldImage"]) == canon_item(old)
        size += item_size(old)
    assert dyn["SizeBytes"] == size
    assert dyn["StreamViewType"] == view
    assert SEQUENCE_RE.match(dyn["SequenceNumber"])
    when = dyn["ApproximateCreationDateTime"].timestamp()
    assert when == int(when), "ApproximateCreationDateTime is rounded down to the second"
    if t0 is not None:
        assert int(t0) <= when <= t1


# --------------------------------------------------------------------------------------
# Records of each kind of write, per view type


RICH = {"pk": S("a"), "sk": N("1"), "s": S("h\u00e9llo"), "n": N("-12.500"),
        "b": B(b"\x00\x01\xff"), "t": {"BOOL": True}, "z": {"NULL": True},
        "ss": {"SS": ["y", "x"]}, "ns": {"NS": ["10", "2.5"]}, "bs": {"BS": [b"\x02", b"\x01"]},
        "l": L(S("e"), N("7"), L()), "m": M(inner=M(deep=S("v")), k=N("0"))}


@pytest.mark.parametrize("view", VIEWS)
def test_records_of_each_event_per_view_type(ddb, streams, stream_table, view):
    table, arn = stream_table(view, range_key=("sk", "N"))
    key = {"pk": S("a"), "sk": N("1")}
    t0 = time.time()
    expected = []  # (event, keys, new, old)

    ddb.put_item(TableName=table, Item=RICH)                                  # INSERT
    v1 = get(ddb, table, key)
    expected.append(("INSERT", key, v1, None))
    replaced = {"pk": S("a"), "sk": N("1"), "oth": S("o")}
    ddb.put_item(TableName=table, Item=replaced)                              # MODIFY (replace)
    v2 = get(ddb, table, key)
    expected.append(("MODIFY", key, v2, v1))
    ddb.update_item(TableName=table, Key=key, UpdateExpression="SET c = :c REMOVE oth",
                    ExpressionAttributeValues={":c": N("3")})                 # MODIFY (update)
    v3 = get(ddb, table, key)
    expected.append(("MODIFY", key, v3, v2))
    key2 = {"pk": S("b"), "sk": N("-2.5")}
    ddb.update_item(TableName=table, Key=key2, UpdateExpression="SET q = :q",
                    ExpressionAttributeValues={":q": S("new")})              # INSERT (update)
    w1 = get(ddb, table, key2)
    expected.append(("INSERT", key2, w1, None))
    key3 = {"pk": S("c"), "sk": N("0")}
    ddb.update_item(TableName=table, Key=key3)                                # INSERT (key only)
    expected.append(("INSERT", key3, key3, None))
    ddb.delete_item(TableName=table, Key=key)                                 # REMOVE
    expected.append(("REMOVE", key, None, v3))
    ddb.delete_item(TableName=table, Key=key3)                                # REMOVE (key only)
    expected.append(("REMOVE", key3, None, key3))
    t1 = time.time()

    assert v2 == replaced and w1 == {"pk": S("b"), "sk": N("-2.5"), "q": S("new")}
    records = read_stream(streams, arn)
    assert len(records) == len(expected)
    for rec, (event, keys, new, old) in zip(records, expected):
        check_record(rec, event, keys, view, new=new, old=old, t0=t0, t1=t1)
    seqs = [seq(r) for r in records]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert len({r["eventID"] for r in records}) == len(records)


def test_size_bytes_examples(ddb, streams, stream_table):
    """The service's recorded examples: Keys {id:"Fred"} + NewImage
    {id:"Fred"} -> 12 (here pk:"Fredd" -> 2 + 5 per map)."""
    table, arn = stream_table("NEW_IMAGE")
    ddb.put_item(TableName=table, Item={"pk": S("Fredd")})
    table2, arn2 = stream_table("KEYS_ONLY")
    ddb.put_item(TableName=table2, Item={"pk": S("Alice"), "big": S("x" * 1000)})
    [rec] = read_stream(streams, arn)
    assert rec["dynamodb"]["SizeBytes"] == 14
    [rec2] = read_stream(streams, arn2)
    assert rec2["dynamodb"]["SizeBytes"] == 7
    assert set(rec2["dynamodb"]) == {"ApproximateCreationDateTime", "Keys", "SequenceNumber",
                                     "SizeBytes", "StreamViewType"}


def test_keys_are_the_table_keys_also_with_indexes(ddb, streams, make_table):
    table = make_table(
        range_key=("sk", "N"), extra_attributes=[("g", "S"), ("l", "N")],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        GlobalSecondaryIndexes=[{"IndexName": "by-g", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]}],
        LocalSecondaryIndexes=[{"IndexName": "by-l", "Projection": {"ProjectionType": "KEYS_ONLY"},
                                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                              {"AttributeName": "l", "KeyType": "RANGE"}]}])
    item = {"pk": S("p"), "sk": N("2"), "g": S("gg"), "l": N("5"), "x": S("y")}
    ddb.put_item(TableName=table, Item=item)
    ddb.update_item(TableName=table, Key={"pk": S("p"), "sk": N("2")}, UpdateExpression="REMOVE g")
    records = read_stream(streams, latest_arn(ddb, table))
    assert [r["dynamodb"]["Keys"] for r in records] == [{"pk": S("p"), "sk": N("2")}] * 2
    assert records[0]["dynamodb"]["NewImage"] == item
    assert records[1]["dynamodb"]["NewImage"] == {k: v for k, v in item.items() if k != "g"}


def test_record_json_types_on_the_wire(ddb, stream_table, port):
    """Timestamps are JSON numbers (whole seconds), SizeBytes an integer,
    sequence numbers strings; a closed shard read to its end has no
    NextShardIterator member at all (not null, not "")."""
    table, arn = stream_table("NEW_AND_OLD_IMAGES")
    ddb.put_item(TableName=table, Item={"pk": S("k"), "v": N("1")})
    ddb.update_table(TableName=table, StreamSpecification={"StreamEnabled": False})
    desc = raw_streams(port, "DescribeStream", {"StreamArn": arn}).json()["StreamDescription"]
    assert isinstance(desc["CreationRequestDateTime"], (int, float))
    [shard] = desc["Shards"]
    it = raw_streams(port, "GetShardIterator", {"StreamArn": arn, "ShardId": shard["ShardId"],
                                               "ShardIteratorType": "TRIM_HORIZON"}).json()
    r = raw_streams(port, "GetRecords", {"ShardIterator": it["ShardIterator"]})
    assert r.status == 200 and r.headers["content-type"] == "application/x-amz-json-1.0"
    doc = r.json()
    assert set(doc) == {"Records"}
    [rec] = doc["Records"]
    dyn = rec["dynamodb"]
    assert isinstance(dyn["ApproximateCreationDateTime"], (int, float))
    assert dyn["ApproximateCreationDateTime"] == int(dyn["ApproximateCreationDateTime"])
    assert isinstance(dyn["SizeBytes"], int) and dyn["SizeBytes"] == 3 + 6
    assert isinstance(dyn["SequenceNumber"], str)
    assert dyn["NewImage"] == {"pk": {"S": "k"}, "v": {"N": "1"}}


# --------------------------------------------------------------------------------------
# Writes that change nothing record nothing


def _put_identical(ddb, table):
    # members reordered, set elements reordered, numbers equal in value
    ddb.put_item(TableName=table, Item={
        "m": M(y=N("2.0"), x=S("s")), "ns": {"NS": ["1e1", "3"]}, "ss": {"SS": ["b", "a"]},
        "n": N("0.50"), "pk": S("k"), "l": L(N("1"), N("100"))})


def _update_same_value(ddb, table):
    ddb.update_item(TableName=table, Key={"pk": S("k")}, UpdateExpression="SET n = :v, m.x = :x",
                    ExpressionAttributeValues={":v": N("5E-1"), ":x": S("s")})


def _update_remove_absent(ddb, table):
    ddb.update_item(TableName=table, Key={"pk": S("k")}, UpdateExpression="REMOVE nothere, m.zq")


def _update_add_zero(ddb, table):
    ddb.update_item(TableName=table, Key={"pk": S("k")}, UpdateExpression="ADD n :z",
                    ExpressionAttributeValues={":z": N("0")})


def _update_add_present_set_member(ddb, table):
    ddb.update_item(TableName=table, Key={"pk": S("k")}, UpdateExpression="ADD ss :s",
                    ExpressionAttributeValues={":s": {"SS": ["a"]}})


def _update_delete_absent_set_member(ddb, table):
    ddb.update_item(TableName=table, Key={"pk": S("k")}, UpdateExpression="DELETE ss :s",
                    ExpressionAttributeValues={":s": {"SS": ["zz"]}})


def _update_remove_on_missing_item(ddb, table):
    ddb.update_item(TableName=table, Key={"pk": S("missing")}, UpdateExpression="REMOVE a")
    assert get(ddb, table, {"pk": S("missing")}) is None


def _legacy_update_same_value(ddb, table):
    ddb.update_item(TableName=table, Key={"pk": S("k")},
                    AttributeUpdates={"n": {"Action": "PUT", "Value": N("0.5")}})


def _delete_missing(ddb, table):
    ddb.delete_item(TableName=table, Key={"pk": S("missing")})


def _put_condition_fails(ddb, table):
    assert_error(ddb.put_item, "ConditionalCheckFailedException", TableName=table,
                 Item={"pk": S("k"), "oth": S("x")},
                 ConditionExpression="attribute_not_exists(pk)")


def _update_condition_fails(ddb, table):
    assert_error(ddb.update_item, "ConditionalCheckFailedException", TableName=table,
                 Key={"pk": S("k")}, UpdateExpression="SET oth = :x",
                 ConditionExpression="n = :nine", ExpressionAttributeValues={
                     ":x": S("x"), ":nine": N("9")})


def _delete_condition_fails(ddb, table):
    assert_error(ddb.delete_item, "ConditionalCheckFailedException", TableName=table,
                 Key={"pk": S("k")}, Expected={"n": {"Value": N("9")}})


def _batch_identical_and_missing(ddb, table):
    r = ddb.batch_write_item(RequestItems={table: [
        {"PutRequest": {"Item": {"pk": S("k"), "n": N("0.500"), "ss": {"SS": ["a", "b"]},
                                 "ns": {"NS": ["10", "3"]}, "m": M(x=S("s"), y=N("2")),
                                 "l": L(N("1"), N("1E2"))}}},
        {"DeleteRequest": {"Key": {"pk": S("missing")}}}]})
    assert r["UnprocessedItems"] == {}


def _transaction_cancelled(ddb, table):
    assert_error(ddb.transact_write_items, "TransactionCanceledException", TransactItems=[
        {"Put": {"TableName": table, "Item": {"pk": S("new")}}},
        {"ConditionCheck": {"TableName": table, "Key": {"pk": S("k")},
                            "ConditionExpression": "attribute_not_exists(pk)"}}])


def _transaction_of_no_ops(ddb, table):
    ddb.transact_write_items(TransactItems=[
        {"ConditionCheck": {"TableName": table, "Key": {"pk": S("missing-a")},
                            "ConditionExpression": "attribute_not_exists(pk)"}},
        {"Update": {"TableName": table, "Key": {"pk": S("k")}, "UpdateExpression": "SET n = :n",
                    "ExpressionAttributeValues": {":n": N("0.5")}}},
        {"Delete": {"TableName": table, "Key": {"pk": S("missing-b")}}}])


NO_OPS = [_put_identical, _update_same_value, _update_remove_absent, _update_add_zero,
          _update_add_present_set_member, _update_delete_absent_set_member,
          _update_remove_on_missing_item, _legacy_update_same_value, _delete_missing,
          _put_condition_fails, _update_condition_fails, _delete_condition_fails,
          _batch_identical_and_missing, _transaction_cancelled, _transaction_of_no_ops]


@pytest.mark.parametrize("no_op", NO_OPS, ids=[f.__name__.strip("_") for f in NO_OPS])
def test_write_that_changes_nothing_records_nothing(ddb, streams, stream_table, no_op):
    table, arn = stream_table("NEW_AND_OLD_IMAGES")
    base = {"pk": S("k"), "n": N("0.5"), "m": M(x=S("s"), y=N("2")), "ss": {"SS": ["a", "b"]},
            "ns": {"NS": ["3", "10"]}, "l": L(N("1"), N("100"))}
    ddb.put_item(TableName=table, Item=base)
    no_op(ddb, table)
    assert canon_item(get(ddb, table, {"pk": S("k")})) == canon_item(base)
    # a real change afterwards is the next record: the stream is alive
    ddb.put_item(TableName=table, Item={"pk": S("after")})
    records = read_stream(streams, arn)
    assert [(r["eventName"], r["dynamodb"]["Keys"]) for r in records] == [
        ("INSERT", {"pk": S("k")}), ("INSERT", {"pk": S("after")})]


def test_put_replacing_with_a_different_item_is_one_modify(ddb, streams, stream_table):
    table, arn = stream_table("NEW_AND_OLD_IMAGES")
    ddb.put_item(TableName=table, Item={"pk": S("k"), "n": N("1")})
    ddb.put_item(TableName=table, Item={"pk": S("k"), "n": N("1.0000001")})
    ddb.put_item(TableName=table, Item={"pk": S("k"), "n": N("1.0000001"), "e": S("")})
    records = read_stream(streams, arn)
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "MODIFY"]
    assert records[2]["dynamodb"]["OldImage"] == {"pk": S("k"), "n": N("1.0000001")}


# --------------------------------------------------------------------------------------
# Batch and transaction writes


def test_batch_write_records_one_per_changed_item(ddb, streams, stream_table):
    table, arn = stream_table("NEW_IMAGE", range_key=("sk", "S"))
    ddb.put_item(TableName=table, Item={"pk": S("old"), "sk": S("1"), "v": N("1")})
    ddb.put_item(TableName=table, Item={"pk": S("same"), "sk": S("1"), "v": N("1")})
    puts = [{"pk": S("p%02d" % i), "sk": S("x"), "v": N(i)} for i in range(20)]
    requests = [{"PutRequest": {"Item": it}} for it in puts]
    requests += [{"DeleteRequest": {"Key": {"pk": S("old"), "sk": S("1")}}},
                 {"DeleteRequest": {"Key": {"pk": S("nope"), "sk": S("1")}}},
                 {"PutRequest": {"Item": {"pk": S("same"), "sk": S("1"), "v": N("1.0")}}}]
    assert ddb.batch_write_item(RequestItems={table: requests})["UnprocessedItems"] == {}
    records = read_stream(streams, arn)[2:]
    assert len(records) == 21
    by_key = {(r["dynamodb"]["Keys"]["pk"]["S"], r["eventName"]): r for r in records}
    assert set(by_key) == {("p%02d" % i, "INSERT") for i in range(20)} | {("old", "REMOVE")}
    for i, item in enumerate(puts):
        dyn = by_key[("p%02d" % i, "INSERT")]["dynamodb"]
        assert dyn["NewImage"] == item
        assert dyn["Keys"] == {"pk": item["pk"], "sk": item["sk"]}
    assert "NewImage" not in by_key[("old", "REMOVE")]["dynamodb"]


def test_transaction_records_share_one_commit_time(ddb, streams, stream_table):
    table, arn = stream_table("NEW_AND_OLD_IMAGES")
    other, other_arn = stream_table("KEYS_ONLY")
    ddb.put_item(TableName=table, Item={"pk": S("upd"), "v": N("1")})
    ddb.put_item(TableName=table, Item={"pk": S("del"), "v": N("1")})
    ddb.put_item(TableName=table, Item={"pk": S("chk")})
    before = len(read_stream(streams, arn))
    ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": table, "Item": {"pk": S("new"), "v": N("7")}}},
        {"Update": {"TableName": table, "Key": {"pk": S("upd")}, "UpdateExpression": "ADD v :o",
                    "ExpressionAttributeValues": {":o": N("1")}}},
        {"Delete": {"TableName": table, "Key": {"pk": S("del")}}},
        {"ConditionCheck": {"TableName": table, "Key": {"pk": S("chk")},
                            "ConditionExpression": "attribute_exists(pk)"}},
        {"Delete": {"TableName": table, "Key": {"pk": S("absent")}}},
        {"Put": {"TableName": other, "Item": {"pk": S("x"), "a": S("b")}}}])
    records = read_stream(streams, arn)[before:]
    assert [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in records] == [
        ("INSERT", "new"), ("MODIFY", "upd"), ("REMOVE", "del")]
    assert records[0]["dynamodb"]["NewImage"] == {"pk": S("new"), "v": N("7")}
    assert records[1]["dynamodb"]["OldImage"] == {"pk": S("upd"), "v": N("1")}
    assert records[1]["dynamodb"]["NewImage"] == {"pk": S("upd"), "v": N("2")}
    assert records[2]["dynamodb"]["OldImage"] == {"pk": S("del"), "v": N("1")}
    [other_rec] = read_stream(streams, other_arn)
    times = {r["dynamodb"]["ApproximateCreationDateTime"] for r in records + [other_rec]}
    assert len(times) == 1
    assert other_rec["dynamodb"]["Keys"] == {"pk": S("x")}


# --------------------------------------------------------------------------------------
# Order per item under concurrent writers


def test_concurrent_writers_records_complete_and_in_order_per_item(server, ddb, streams,
                                                                     stream_table):
    table, arn = stream_table("NEW_IMAGE")
    keys = ["a", "b", "c"]
    per_thread, threads = 30, 4
    errors = []

    def writer(w):
        c = make_client(server.endpoint)
        try:
            for i in range(per_thread):
                c.update_item(TableName=table, Key={"pk": S(keys[(i + w) % len(keys)])},
                              UpdateExpression="ADD n :one SET w = :w",
                              ExpressionAttributeValues={":one": N("1"), ":w": N(w)})
        except Exception as e:  # reported below
            errors.append(e)

    ts = [threading.Thread(target=writer, args=(w,)) for w in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    assert not errors
    final = {k: int(get(ddb, table, {"pk": S(k)})["n"]["N"]) for k in keys}
    assert sum(final.values()) == per_thread * threads
    seen = {k: [] for k in keys}
    for rec in read_stream(streams, arn):
        seen[rec["dynamodb"]["Keys"]["pk"]["S"]].append(int(rec["dynamodb"]["NewImage"]["n"]["N"]))
    for k in keys:
        assert seen[k] == list(range(1, final[k] + 1)), k


# --------------------------------------------------------------------------------------
# Stream settings on CreateTable / UpdateTable / DescribeTable


@pytest.mark.parametrize("view", VIEWS)
def test_create_table_with_stream_describes_it(ddb, streams, stream_table, view):
    t0 = time.time()
    table, arn = stream_table(view, range_key=("sk", "B"))
    desc = ddb.describe_table(TableName=table)["Table"]
    assert desc["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": view}
    m = ARN_RE.match(arn)
    assert m and m.group("table") == table
    assert desc["LatestStreamArn"] == arn
    assert desc["LatestStreamArn"] == desc["TableArn"] + "/stream/" + desc["LatestStreamLabel"]
    label = desc["LatestStreamLabel"]
    assert LABEL_RE.match(label)
    created = datetime.strptime(label, "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=timezone.utc)
    assert t0 - 1 <= created.timestamp() <= time.time() + 1
    sd = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert sd["StreamArn"] == arn and sd["StreamLabel"] == label
    assert sd["StreamStatus"] == "ENABLED" and sd["StreamViewType"] == view
    assert sd["TableName"] == table
    assert sd["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"},
                               {"AttributeName": "sk", "KeyType": "RANGE"}]
    assert abs(sd["CreationRequestDateTime"].timestamp() - created.timestamp()) < 1
    [shard] = sd["Shards"]
    assert SHARD_RE.match(shard["ShardId"]) and "ParentShardId" not in shard
    assert set(shard["SequenceNumberRange"]) == {"StartingSequenceNumber"}
    assert SEQUENCE_RE.match(shard["SequenceNumberRange"]["StartingSequenceNumber"])
    assert "LastEvaluatedShardId" not in sd


def test_table_without_stream_has_no_stream_members(ddb, streams, make_table):
    table = make_table()
    desc = ddb.describe_table(TableName=table)["Table"]
    for member in ("StreamSpecification", "LatestStreamArn", "LatestStreamLabel"):
        assert member not in desc
    assert streams.list_streams(TableName=table)["Streams"] == []
    table2 = make_table(StreamSpecification={"StreamEnabled": False})
    desc = ddb.describe_table(TableName=table2)["Table"]
    assert "StreamSpecification" not in desc and "LatestStreamArn" not in desc


INVALID_PARAM = "One or more parameter values were invalid: "


@pytest.mark.parametrize("spec,message", [
    ({"StreamEnabled": True},
     INVALID_PARAM + "Table is being created with a stream enabled, UpdateViewType is required"),
    ({"StreamEnabled": False, "StreamViewType": "KEYS_ONLY"},
     INVALID_PARAM + "Table is being created with a stream disabled, UpdateViewType should not "
                     "be specified"),
    ({}, "1 validation error detected: Value null at 'streamSpecification.streamEnabled' failed "
         "to satisfy constraint: Member must not be null"),
    ({"StreamViewType": "NEW_IMAGE"},
     "1 validation error detected: Value null at 'streamSpecification.streamEnabled' failed to "
     "satisfy constraint: Member must not be null"),
    ({"StreamEnabled": True, "StreamViewType": "new_image"},
     "1 validation error detected: Value 'new_image' at 'streamSpecification.streamViewType' "
     "failed to satisfy constraint: Member must satisfy enum value set: [OLD_IMAGE, KEYS_ONLY, "
     "NEW_AND_OLD_IMAGES, NEW_IMAGE]"),
])
def test_create_table_stream_specification_errors(ddb, make_table, spec, message):
    name = unique_name("st")
    make_table.track(name)
    assert_error(ddb.create_table, "ValidationException", message, TableName=name,
                 AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                 KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                 BillingMode="PAY_PER_REQUEST", StreamSpecification=spec)
    assert_error(ddb.describe_table, "ResourceNotFoundException", TableName=name)


@pytest.mark.parametrize("enabled_before,spec,message", [
    (False, {"StreamEnabled": True},
     INVALID_PARAM + "If stream is being enabled then UpdateViewType is required"),
    (True, {"StreamEnabled": False, "StreamViewType": "NEW_IMAGE"},
     INVALID_PARAM + "If stream is being disabled, then UpdateViewType must not be specified"),
    (False, {}, "1 validation error detected: Value null at 'streamSpecification.streamEnabled' "
                "failed to satisfy constraint: Member must not be null"),
    (False, {"StreamEnabled": True, "StreamViewType": "ALL"},
     "1 validation error detected: Value 'ALL' at 'streamSpecification.streamViewType' failed to "
     "satisfy constraint: Member must satisfy enum value set: [OLD_IMAGE, KEYS_ONLY, "
     "NEW_AND_OLD_IMAGES, NEW_IMAGE]"),
    (True, {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
     "Table already has an enabled stream: TableName: {table}"),
    (True, {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
     "Table already has an enabled stream: TableName: {table}"),
    (False, {"StreamEnabled": False}, "Table has no stream to disable: TableName: {table}"),
])
def test_update_table_stream_specification_errors(ddb, streams, make_table, enabled_before, spec,
                                                  message):
    kwargs = {}
    if enabled_before:
        kwargs["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    table = make_table(**kwargs)
    before = ddb.describe_table(TableName=table)["Table"]
    assert_error(ddb.update_table, "ValidationException", message.format(table=table),
                 TableName=table, StreamSpecification=spec)
    after = ddb.describe_table(TableName=table)["Table"]
    for member in ("StreamSpecification", "LatestStreamArn", "LatestStreamLabel"):
        assert after.get(member) == before.get(member)
    assert len(streams.list_streams(TableName=table)["Streams"]) == (1 if enabled_before else 0)


def test_update_table_stream_change_with_throughput_or_index(ddb, make_table):
    table = make_table(ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
    assert_error(ddb.update_table, "ValidationException",
                 INVALID_PARAM + "You cannot modify stream status while updating table IOPS",
                 TableName=table,
                 StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
                 ProvisionedThroughput={"ReadCapacityUnits": 2, "WriteCapacityUnits": 1})
    assert_error(ddb.update_table, "ValidationException",
                 INVALID_PARAM + "You cannot create or delete index while changing stream status",
                 TableName=table,
                 StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
                 AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
                 GlobalSecondaryIndexUpdates=[{"Create": {
                     "IndexName": "gix", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                     "Projection": {"ProjectionType": "ALL"},
                     "ProvisionedThroughput": {"ReadCapacityUnits": 1,
                                               "WriteCapacityUnits": 1}}}])
    assert "LatestStreamArn" not in ddb.describe_table(TableName=table)["Table"]
    # with PAY_PER_REQUEST the change is allowed in the same call
    desc = ddb.update_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                            StreamSpecification={"StreamEnabled": True,
                                                 "StreamViewType": "OLD_IMAGE"})
    assert desc["TableDescription"]["StreamSpecification"] == {"StreamEnabled": True,
                                                               "StreamViewType": "OLD_IMAGE"}


def test_disable_and_reenable_make_a_new_stream(ddb, streams, stream_table):
    table, first = stream_table("NEW_AND_OLD_IMAGES")
    ddb.put_item(TableName=table, Item={"pk": S("one")})
    label1 = ARN_RE.match(first).group("label")

    out = ddb.update_table(TableName=table, StreamSpecification={"StreamEnabled": False})
    assert "StreamSpecification" not in out["TableDescription"]
    assert out["TableDescription"]["LatestStreamArn"] == first
    wait_active(ddb, table)
    desc = ddb.describe_table(TableName=table)["Table"]
    assert "StreamSpecification" not in desc
    assert desc["LatestStreamArn"] == first and desc["LatestStreamLabel"] == label1
    # no records while disabled
    ddb.put_item(TableName=table, Item={"pk": S("while-disabled")})

    old = streams.describe_stream(StreamArn=first)["StreamDescription"]
    assert old["StreamStatus"] == "DISABLED" and old["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert old["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    [shard] = old["Shards"]
    rng = shard["SequenceNumberRange"]
    assert set(rng) == {"StartingSequenceNumber", "EndingSequenceNumber"}
    assert int(rng["StartingSequenceNumber"]) <= int(rng["EndingSequenceNumber"])
    records, finished = read_shard(streams, first, shard["ShardId"])
    assert finished and [r["dynamodb"]["Keys"] for r in records] == [{"pk": S("one")}]
    assert int(rng["EndingSequenceNumber"]) >= seq(records[0])

    out = ddb.update_table(TableName=table, StreamSpecification={"StreamEnabled": True,
                                                                 "StreamViewType": "KEYS_ONLY"})
    second = out["TableDescription"]["LatestStreamArn"]
    label2 = out["TableDescription"]["LatestStreamLabel"]
    assert second != first and label2 != label1 and label2 > label1
    assert ARN_RE.match(second).group("label") == label2
    wait_active(ddb, table)
    assert ddb.describe_table(TableName=table)["Table"]["StreamSpecification"] == {
        "StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    ddb.put_item(TableName=table, Item={"pk": S("two"), "x": S("y")})
    [rec] = read_stream(streams, second)
    assert rec["dynamodb"]["Keys"] == {"pk": S("two")}
    assert rec["dynamodb"]["StreamViewType"] == "KEYS_ONLY"
    # the old stream is unchanged and still listed
    assert [r["dynamodb"]["Keys"] for r in read_stream(streams, first)] == [{"pk": S("one")}]
    listed = streams.list_streams(TableName=table)["Streams"]
    assert sorted(s["StreamArn"] for s in listed) == sorted([first, second])
    for s in listed:
        assert s["TableName"] == table and s["StreamArn"].endswith("/stream/" + s["StreamLabel"])
    assert streams.describe_stream(StreamArn=second)["StreamDescription"]["StreamStatus"] == \
        "ENABLED"


def test_delete_table_disables_the_stream_and_keeps_it_readable(ddb, streams, stream_table,
                                                                make_table):
    table, arn = stream_table("NEW_IMAGE")
    ddb.put_item(TableName=table, Item={"pk": S("a"), "v": N("1")})
    ddb.put_item(TableName=table, Item={"pk": S("b")})
    ddb.delete_table(TableName=table)
    wait_gone(ddb, table)
    desc = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert desc["StreamStatus"] in ("DISABLING", "DISABLED")
    assert all("EndingSequenceNumber" in s["SequenceNumberRange"] for s in desc["Shards"])
    assert desc["TableName"] == table
    records = read_stream(streams, arn)
    # no REMOVE records for the items of a dropped table
    assert [(r["eventName"], r["dynamodb"]["NewImage"]) for r in records] == [
        ("INSERT", {"pk": S("a"), "v": N("1")}), ("INSERT", {"pk": S("b")})]
    assert [s["StreamArn"] for s in streams.list_streams(TableName=table)["Streams"]] == [arn]

    # the same name again: a new stream; the old one is still listed
    desc2 = create_stream_table(ddb, table, "KEYS_ONLY")
    make_table.track(table)
    wait_active(ddb, table)
    arn2 = desc2["LatestStreamArn"]
    assert arn2 != arn
    listed = [s["StreamArn"] for s in streams.list_streams(TableName=table)["Streams"]]
    assert sorted(listed) == sorted([arn, arn2])
    ddb.put_item(TableName=table, Item={"pk": S("c")})
    assert [r["dynamodb"]["Keys"] for r in read_stream(streams, arn2)] == [{"pk": S("c")}]
    assert len(read_stream(streams, arn)) == 2


# --------------------------------------------------------------------------------------
# ListStreams


def test_list_streams_paging_per_table(ddb, streams, stream_table):
    table, a1 = stream_table("KEYS_ONLY")
    arns = [a1]
    for view in ("NEW_IMAGE", "OLD_IMAGE"):
        ddb.update_table(TableName=table, StreamSpecification={"StreamEnabled": False})
        out = ddb.update_table(TableName=table, StreamSpecification={"StreamEnabled": True,
                                                                     "StreamViewType": view})
        arns.append(out["TableDescription"]["LatestStreamArn"])
    assert len(set(arns)) == 3
    full = streams.list_streams(TableName=table)
    assert "LastEvaluatedStreamArn" not in full
    assert sorted(s["StreamArn"] for s in full["Streams"]) == sorted(arns)
    for limit in (1, 2, 3):
        got, start, pages = [], None, 0
        while True:
            args = {"TableName": table, "Limit": limit}
            if start:
                args["ExclusiveStartStreamArn"] = start
            page = streams.list_streams(**args)
            pages += 1
            assert len(page["Streams"]) <= limit
            got += [s["StreamArn"] for s in page["Streams"]]
            start = page.get("LastEvaluatedStreamArn")
            if not start:
                break
            assert start == page["Streams"][-1]["StreamArn"]
            assert pages < 10
        assert sorted(got) == sorted(arns) and len(got) == 3, limit


def test_list_streams_of_every_table_pages_through_all(ddb, streams, stream_table):
    mine = {stream_table(v)[1] for v in VIEWS}
    got, start = [], None
    for n in range(1000):
        args = {"Limit": 3}
        if start:
            args["ExclusiveStartStreamArn"] = start
        if n == 1:  # a stream created between pages disturbs nothing
            mine.add(stream_table("KEYS_ONLY")[1])
        page = streams.list_streams(**args)
        for s in page["Streams"]:
            m = ARN_RE.match(s["StreamArn"])
            assert m and m.group("table") == s["TableName"] and m.group("label") == s["StreamLabel"]
        got += [s["StreamArn"] for s in page["Streams"]]
        start = page.get("LastEvaluatedStreamArn")
        if not start:
            break
    assert len(got) == len(set(got))
    assert mine <= set(got)
    unpaged = streams.list_streams()
    assert set(s["StreamArn"] for s in unpaged["Streams"]) <= set(got)
    assert len(unpaged["Streams"]) <= 100


def test_list_streams_of_unknown_or_streamless_table_is_empty(streams, make_table):
    out = streams.list_streams(TableName=unique_name("none"))
    assert out["Streams"] == [] and "LastEvaluatedStreamArn" not in out
    assert streams.list_streams(TableName=make_table())["Streams"] == []


LS = "1 validation error detected: Value %s at '%s' failed to satisfy constraint: Member must %s"


@pytest.mark.parametrize("payload,code,message", [
    ({"Limit": 0}, "ValidationException", LS % ("'0'", "limit",
                                                "have value greater than or equal to 1")),
    ({"Limit": 101}, "ValidationException", LS % ("'101'", "limit",
                                                  "have value less than or equal to 100")),
    ({"TableName": "ab"}, "ValidationException",
     LS % ("'ab'", "tableName", "have length greater than or equal to 3")),
    ({"TableName": "t" * 256}, "ValidationException",
     LS % ("'%s'" % ("t" * 256), "tableName", "have length less than or equal to 255")),
    ({"TableName": "bad name"}, "ValidationException",
     LS % ("'bad name'", "tableName", "satisfy regular expression pattern: [a-zA-Z0-9_.-]+")),
    ({"ExclusiveStartStreamArn": "arn:short"}, "ValidationException",
     LS % ("'arn:short'", "exclusiveStartStreamArn", "have length greater than or equal to 37")),
    ({"TableName": "a", "Limit": -1}, "ValidationException",
     "2 validation errors detected: Value 'a' at 'tableName' failed to satisfy constraint: Member "
     "must have length greater than or equal to 3; Value '-1' at 'limit' failed to satisfy "
     "constraint: Member must have value greater than or equal to 1"),
    ({"TableName": 5}, "SerializationException", "NUMBER_VALUE cannot be converted to String"),
    ({"ExclusiveStartStreamArn": True}, "SerializationException",
     "TRUE_VALUE cannot be converted to String"),
    # an Integer member; the text ("... to Integer" or "Long") is unverified
    ({"Limit": "5"}, "SerializationException", None),
    # a well-sized value that is no stream ARN: message unverified
    ({"ExclusiveStartStreamArn": "x" * 40}, "ValidationException", None),
])
def test_list_streams_errors(port, payload, code, message):
    assert_stream_error(raw_streams(port, "ListStreams", payload), code, message)


def test_list_streams_null_members_are_absent(port):
    r = raw_streams(port, "ListStreams", {"TableName": None, "Limit": None,
                                          "ExclusiveStartStreamArn": None})
    assert r.status == 200 and isinstance(r.json()["Streams"], list)


# --------------------------------------------------------------------------------------
# DescribeStream


def test_describe_stream_unknown_and_malformed_arns(streams, stream_table):
    table, arn = stream_table("KEYS_ONLY")
    label = ARN_RE.match(arn).group("label")
    for unknown in (arn.replace(label, "2001-01-01T00:00:00.000"),
                    arn.replace("/" + table + "/", "/" + table + "x/")):
        assert_error(streams.describe_stream, "ResourceNotFoundException",
                     "Requested resource not found: Stream: %s not found" % unknown,
                     StreamArn=unknown)
    # malformed ARNs: ValidationException (message unverified)
    for bad in ("x" * 40, "arn:aws:dynamodb:us-east-1:000000000000:table/" + table,
                "arn:aws:s3:::bucket/with/a/long/enough/name/in/it"):
        assert_error(streams.describe_stream, "ValidationException", StreamArn=bad)


def test_table_called_stream(ddb, streams, make_table):
    """The ARN of table "stream" holds "/stream/" twice."""
    table = make_table(name="stream", StreamSpecification={"StreamEnabled": True,
                                                           "StreamViewType": "KEYS_ONLY"})
    arn = latest_arn(ddb, table)
    assert arn.startswith("arn:aws:dynamodb:us-east-1:") and ":table/stream/stream/" in arn
    ddb.put_item(TableName=table, Item={"pk": S("a")})
    desc = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert desc["TableName"] == "stream" and desc["StreamArn"] == arn
    assert [r["dynamodb"]["Keys"] for r in read_stream(streams, arn)] == [{"pk": S("a")}]
    page = streams.list_streams(Limit=1, ExclusiveStartStreamArn=arn)
    assert arn not in [s["StreamArn"] for s in page["Streams"]]


def test_describe_stream_paging_and_shard_filter(port, streams, stream_table):
    table, arn = stream_table("KEYS_ONLY")
    [shard] = all_shards(streams, arn)
    out = streams.describe_stream(StreamArn=arn, Limit=1)["StreamDescription"]
    assert [s["ShardId"] for s in out["Shards"]] == [shard["ShardId"]]
    assert "LastEvaluatedShardId" not in out
    out = streams.describe_stream(StreamArn=arn, ExclusiveStartShardId=shard["ShardId"])
    assert out["StreamDescription"]["Shards"] == []
    # ShardFilter (not in every SDK's model: raw request)
    r = raw_streams(port, "DescribeStream", {
        "StreamArn": arn, "ShardFilter": {"Type": "CHILD_SHARDS", "ShardId": shard["ShardId"]}})
    assert r.status == 200 and r.json()["StreamDescription"]["Shards"] == []
    r = raw_streams(port, "DescribeStream", {"StreamArn": arn, "ShardFilter": None})
    assert r.status == 200 and len(r.json()["StreamDescription"]["Shards"]) == 1


DS_ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/some-table/stream/2020-01-01T00:00:00.000"


@pytest.mark.parametrize("payload,code,message", [
    ({}, "ValidationException", LS % ("null", "streamArn", "not be null")),
    ({"StreamArn": None}, "ValidationException", LS % ("null", "streamArn", "not be null")),
    ({"StreamArn": "arn:aws:dynamodb"}, "ValidationException",
     LS % ("'arn:aws:dynamodb'", "streamArn", "have length greater than or equal to 37")),
    ({"StreamArn": DS_ARN, "Limit": 0}, "ValidationException",
     LS % ("'0'", "limit", "have value greater than or equal to 1")),
    ({"StreamArn": DS_ARN, "Limit": 101}, "ValidationException",
     LS % ("'101'", "limit", "have value less than or equal to 100")),
    ({"StreamArn": DS_ARN, "ExclusiveStartShardId": "shardId-1"}, "ValidationException",
     LS % ("'shardId-1'", "exclusiveStartShardId", "have length greater than or equal to 28")),
    ({"StreamArn": DS_ARN, "ExclusiveStartShardId": "s" * 66}, "ValidationException",
     LS % ("'%s'" % ("s" * 66), "exclusiveStartShardId", "have length less than or equal to 65")),
    ({"StreamArn": DS_ARN, "ShardFilter": {}}, "ValidationException",
     "2 validation errors detected: Value null at 'shardFilter.type' failed to satisfy "
     "constraint: Member must not be null; Value null at 'shardFilter.shardId' failed to satisfy "
     "constraint: Member must not be null"),
    ({"StreamArn": DS_ARN, "ShardFilter": {"Type": "PARENT_SHARDS",
                                           "ShardId": "shardId-00000001414576573621-f55eea83"}},
     "ValidationException",
     LS % ("'PARENT_SHARDS'", "shardFilter.type", "satisfy enum value set: [CHILD_SHARDS]")),
    ({"StreamArn": DS_ARN, "ShardFilter": {"Type": "CHILD_SHARDS"}}, "ValidationException",
     LS % ("null", "shardFilter.shardId", "not be null")),
    ({"Limit": 0, "ExclusiveStartShardId": "x"}, "ValidationException",
     "3 validation errors detected: Value null at 'streamArn' failed to satisfy constraint: "
     "Member must not be null; Value '0' at 'limit' failed to satisfy constraint: Member must "
     "have value greater than or equal to 1; Value 'x' at 'exclusiveStartShardId' failed to "
     "satisfy constraint: Member must have length greater than or equal to 28"),
    ({"StreamArn": 7}, "SerializationException", "NUMBER_VALUE cannot be converted to String"),
    ({"StreamArn": DS_ARN, "ShardFilter": {"Type": 1}}, "SerializationException",
     "NUMBER_VALUE cannot be converted to String"),
    ({"StreamArn": DS_ARN, "ShardFilter": {"ShardId": False, "Type": "CHILD_SHARDS"}},
     "SerializationException", "FALSE_VALUE cannot be converted to String"),
    # a structure given as a scalar or a list: message unverified
    ({"StreamArn": DS_ARN, "ShardFilter": "CHILD_SHARDS"}, "SerializationException", None),
    ({"StreamArn": DS_ARN, "ShardFilter": []}, "SerializationException", None),
    ({"StreamArn": DS_ARN, "Limit": "1"}, "SerializationException", None),
    # well-formed but unknown stream
    ({"StreamArn": DS_ARN}, "ResourceNotFoundException",
     "Requested resource not found: Stream: %s not found" % DS_ARN),
])
def test_describe_stream_errors(port, payload, code, message):
    assert_stream_error(raw_streams(port, "DescribeStream", payload), code, message)


# --------------------------------------------------------------------------------------
# GetShardIterator / GetRecords


def test_iterator_types_and_positions(ddb, streams, stream_table):
    table, arn = stream_table("NEW_IMAGE")
    [shard] = all_shards(streams, arn)
    sid = shard["ShardId"]
    latest = streams.get_shard_iterator(StreamArn=arn, ShardId=sid,
                                        ShardIteratorType="LATEST")["ShardIterator"]
    assert latest.startswith(arn + "|1|") and len(latest) <= 2048
    for i in range(5):
        ddb.put_item(TableName=table, Item={"pk": S("k%d" % i)})
    records, finished = read_shard(streams, arn, sid)
    assert not finished and len(records) == 5
    seqs = [r["dynamodb"]["SequenceNumber"] for r in records]
    assert int(shard["SequenceNumberRange"]["StartingSequenceNumber"]) <= int(seqs[0])
    assert [int(s) for s in seqs] == sorted(int(s) for s in seqs)

    def keys_from(**kw):
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=sid, **kw)["ShardIterator"]
        r = streams.get_records(ShardIterator=it)
        assert "NextShardIterator" in r  # the shard is open
        return [x["dynamodb"]["Keys"]["pk"]["S"] for x in r["Records"]]

    # the LATEST iterator taken before the writes sees all five
    r = streams.get_records(ShardIterator=latest)
    assert [x["dynamodb"]["Keys"]["pk"]["S"] for x in r["Records"]] == ["k%d" % i for i in range(5)]
    assert keys_from(ShardIteratorType="TRIM_HORIZON") == ["k0", "k1", "k2", "k3", "k4"]
    assert keys_from(ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber=seqs[2]) == [
        "k2", "k3", "k4"]
    assert keys_from(ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=seqs[2]) == [
        "k3", "k4"]
    assert keys_from(ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=seqs[4]) == []
    assert keys_from(ShardIteratorType="AT_SEQUENCE_NUMBER",
                     SequenceNumber=shard["SequenceNumberRange"]["StartingSequenceNumber"]) == [
        "k0", "k1", "k2", "k3", "k4"]
    assert keys_from(ShardIteratorType="LATEST") == []
    # LATEST taken now, then one more write: just that one
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=sid,
                                    ShardIteratorType="LATEST")["ShardIterator"]
    ddb.put_item(TableName=table, Item={"pk": S("k5")})
    r = streams.get_records(ShardIterator=it)
    assert [x["dynamodb"]["Keys"]["pk"]["S"] for x in r["Records"]] == ["k5"]
    # the next iterator continues after it; polling an open shard keeps an iterator
    r2 = streams.get_records(ShardIterator=r["NextShardIterator"])
    assert r2["Records"] == [] and r2["NextShardIterator"]
    ddb.put_item(TableName=table, Item={"pk": S("k6")})
    r3 = streams.get_records(ShardIterator=r2["NextShardIterator"])
    assert [x["dynamodb"]["Keys"]["pk"]["S"] for x in r3["Records"]] == ["k6"]
    # an iterator can be used again: it is a position, not a cursor
    r4 = streams.get_records(ShardIterator=r2["NextShardIterator"])
    assert r4["Records"] == r3["Records"]


def test_get_records_limit_and_paging(ddb, streams, stream_table):
    table, arn = stream_table("KEYS_ONLY")
    [shard] = all_shards(streams, arn)
    total = 1010
    for start in range(0, total, 25):
        ddb.batch_write_item(RequestItems={table: [
            {"PutRequest": {"Item": {"pk": S("k%04d" % i)}}}
            for i in range(start, min(start + 25, total))]})
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    r = streams.get_records(ShardIterator=it)
    assert len(r["Records"]) == 1000  # the default and the maximum
    r2 = streams.get_records(ShardIterator=r["NextShardIterator"], Limit=1000)
    assert len(r2["Records"]) == 10
    got = [x["dynamodb"]["Keys"]["pk"]["S"] for x in r["Records"] + r2["Records"]]
    assert sorted(got) == ["k%04d" % i for i in range(total)]
    # Limit=1 walks record by record
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    one_by_one = []
    for _ in range(3):
        r = streams.get_records(ShardIterator=it, Limit=1)
        assert len(r["Records"]) == 1
        one_by_one.append(r["Records"][0]["dynamodb"]["SequenceNumber"])
        it = r["NextShardIterator"]
    assert one_by_one == [x["dynamodb"]["SequenceNumber"] for x in
                          streams.get_records(ShardIterator=streams.get_shard_iterator(
                              StreamArn=arn, ShardId=shard["ShardId"],
                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"],
                              Limit=3)["Records"]]


def test_get_records_response_stays_within_one_megabyte(ddb, streams, stream_table):
    table, arn = stream_table("NEW_AND_OLD_IMAGES")
    for i in range(5):
        ddb.put_item(TableName=table, Item={"pk": S("k"), "v": S(str(i) * 300000)})
    [shard] = all_shards(streams, arn)
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    got = []
    for _ in range(10):
        r = streams.get_records(ShardIterator=it)
        length = int(r["ResponseMetadata"]["HTTPHeaders"]["content-length"])
        assert r["Records"], "a record must get through even when it is large"
        assert length <= 1024 * 1024 or len(r["Records"]) == 1
        got += r["Records"]
        it = r["NextShardIterator"]
        if len(got) == 5:
            break
    assert [x["eventName"] for x in got] == ["INSERT"] + ["MODIFY"] * 4
    assert [x["dynamodb"]["NewImage"]["v"]["S"][0] for x in got] == list("01234")
    assert streams.get_records(ShardIterator=it)["Records"] == []


def test_closed_shard_iterators(ddb, streams, stream_table):
    table, arn = stream_table("KEYS_ONLY")
    for i in range(3):
        ddb.put_item(TableName=table, Item={"pk": S("k%d" % i)})
    ddb.update_table(TableName=table, StreamSpecification={"StreamEnabled": False})
    [shard] = all_shards(streams, arn)
    sid, rng = shard["ShardId"], shard["SequenceNumberRange"]
    # read to the end: the call returning the last records omits the next iterator
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=sid,
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    r = streams.get_records(ShardIterator=it, Limit=2)
    assert len(r["Records"]) == 2 and r["NextShardIterator"]
    r = streams.get_records(ShardIterator=r["NextShardIterator"])
    assert len(r["Records"]) == 1 and "NextShardIterator" not in r
    last = r["Records"][0]["dynamodb"]["SequenceNumber"]
    assert int(last) <= int(rng["EndingSequenceNumber"])
    # LATEST of a closed shard, and AFTER its last record: nothing, no iterator
    for kw in ({"ShardIteratorType": "LATEST"},
               {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
                "SequenceNumber": rng["EndingSequenceNumber"]}):
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=sid, **kw)["ShardIterator"]
        r = streams.get_records(ShardIterator=it)
        assert r["Records"] == [] and "NextShardIterator" not in r
    # sequence numbers outside the closed shard's range are refused
    # (ValidationException; message unverified)
    beyond = str(int(rng["EndingSequenceNumber"]) + 1)
    assert_error(streams.get_shard_iterator, "ValidationException", StreamArn=arn, ShardId=sid,
                 ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber=beyond)


def test_shard_and_sequence_errors(ddb, streams, stream_table):
    table, arn = stream_table("KEYS_ONLY")
    other_table, other_arn = stream_table("KEYS_ONLY")
    ddb.put_item(TableName=table, Item={"pk": S("a")})
    [shard] = all_shards(streams, arn)
    [other_shard] = all_shards(streams, other_arn)
    sid = shard["ShardId"]
    seq_a = read_shard(streams, arn, sid)[0][0]["dynamodb"]["SequenceNumber"]
    # unknown shard of a known stream, a shard of another stream (text unverified)
    for unknown in ("shardId-00000000000000000001-00000000", other_shard["ShardId"]):
        if unknown == sid:
            continue
        assert_error(streams.get_shard_iterator, "ResourceNotFoundException", StreamArn=arn,
                     ShardId=unknown, ShardIteratorType="TRIM_HORIZON")
    # unknown well-formed ARN / malformed ARN (texts unverified)
    label = ARN_RE.match(arn).group("label")
    assert_error(streams.get_shard_iterator, "ResourceNotFoundException",
                 StreamArn=arn.replace(label, "2001-01-01T00:00:00.000"), ShardId=sid,
                 ShardIteratorType="LATEST")
    assert_error(streams.get_shard_iterator, "ValidationException", StreamArn="x" * 50,
                 ShardId=sid, ShardIteratorType="LATEST")
    # SequenceNumber required for AT/AFTER, refused for TRIM_HORIZON/LATEST,
    # must be one of ours (ValidationException; texts unverified)
    for t in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"):
        assert_error(streams.get_shard_iterator, "ValidationException", StreamArn=arn,
                     ShardId=sid, ShardIteratorType=t)
        for bad in ("x" * 21, "0" * 21, "9" * 40, "1" + "0" * 19 + "x", "-" + "1" * 20):
            assert_error(streams.get_shard_iterator, "ValidationException", StreamArn=arn,
                         ShardId=sid, ShardIteratorType=t, SequenceNumber=bad)
    for t in ("TRIM_HORIZON", "LATEST"):
        assert_error(streams.get_shard_iterator, "ValidationException", StreamArn=arn,
                     ShardId=sid, ShardIteratorType=t, SequenceNumber=seq_a)
    # a sequence number below the shard's start
    below = str(int(shard["SequenceNumberRange"]["StartingSequenceNumber"]) - 1)
    if len(below) >= 21:
        assert_error(streams.get_shard_iterator, "ValidationException", StreamArn=arn,
                     ShardId=sid, ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber=below)


def test_iterators_are_tamper_proof(ddb, streams, stream_table):
    table, arn = stream_table("KEYS_ONLY")
    other_table, other_arn = stream_table("KEYS_ONLY")
    ddb.put_item(TableName=table, Item={"pk": S("a")})
    [shard] = all_shards(streams, arn)
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    assert len(streams.get_records(ShardIterator=it)["Records"]) == 1
    # every single-character change is refused (ValidationException; message unverified)
    step = max(1, len(it) // 60)
    for i in list(range(0, len(it), step)) + [len(it) - 1]:
        flipped = it[:i] + ("B" if it[i] != "B" else "C") + it[i + 1:]
        assert_error(streams.get_records, "ValidationException", ShardIterator=flipped)
    # another stream's ARN in front of this iterator's blob
    blob = it[len(arn):]
    assert_error(streams.get_records, "ValidationException", ShardIterator=other_arn + blob)
    for bad in ("x", arn, arn + "|1|", "|1|" + it.split("|1|")[1], it + "A", it[:-1]):
        assert_error(streams.get_records, "ValidationException", ShardIterator=bad)


SHARD = "shardId-00000001414576573621-f55eea83"


@pytest.mark.parametrize("payload,code,message", [
    ({}, "ValidationException",
     "3 validation errors detected: Value null at 'streamArn' failed to satisfy constraint: "
     "Member must not be null; Value null at 'shardId' failed to satisfy constraint: Member must "
     "not be null; Value null at 'shardIteratorType' failed to satisfy constraint: Member must "
     "not be null"),
    ({"StreamArn": DS_ARN, "ShardId": SHARD}, "ValidationException",
     LS % ("null", "shardIteratorType", "not be null")),
    ({"StreamArn": DS_ARN, "ShardId": SHARD, "ShardIteratorType": "trim_horizon"},
     "ValidationException",
     LS % ("'trim_horizon'", "shardIteratorType", "satisfy enum value set: [TRIM_HORIZON, "
           "LATEST, AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER]")),
    ({"StreamArn": DS_ARN, "ShardId": "shardId-1", "ShardIteratorType": "LATEST"},
     "ValidationException",
     LS % ("'shardId-1'", "shardId", "have length greater than or equal to 28")),
    ({"StreamArn": "arn", "ShardId": SHARD, "ShardIteratorType": "LATEST"},
     "ValidationException", LS % ("'arn'", "streamArn", "have length greater than or equal to 37")),
    ({"StreamArn": DS_ARN, "ShardId": SHARD, "ShardIteratorType": "AT_SEQUENCE_NUMBER",
      "SequenceNumber": "12345"}, "ValidationException",
     LS % ("'12345'", "sequenceNumber", "have length greater than or equal to 21")),
    ({"StreamArn": DS_ARN, "ShardId": SHARD, "ShardIteratorType": "AT_SEQUENCE_NUMBER",
      "SequenceNumber": "1" * 41}, "ValidationException",
     LS % ("'%s'" % ("1" * 41), "sequenceNumber", "have length less than or equal to 40")),
    ({"StreamArn": DS_ARN, "ShardId": SHARD, "ShardIteratorType": 3}, "SerializationException",
     "NUMBER_VALUE cannot be converted to String"),
    ({"StreamArn": DS_ARN, "ShardId": SHARD, "ShardIteratorType": "AT_SEQUENCE_NUMBER",
      "SequenceNumber": 100000000000000000001}, "SerializationException",
     "NUMBER_VALUE cannot be converted to String"),
    ({"StreamArn": DS_ARN, "ShardId": ["x"], "ShardIteratorType": "LATEST"},
     "SerializationException", None),
    # all model checks pass; the stream is unknown
    ({"StreamArn": DS_ARN, "ShardId": SHARD, "ShardIteratorType": "LATEST"},
     "ResourceNotFoundException", None),
])
def test_get_shard_iterator_errors(port, payload, code, message):
    assert_stream_error(raw_streams(port, "GetShardIterator", payload), code, message)


@pytest.mark.parametrize("payload,code,message", [
    ({}, "ValidationException", LS % ("null", "shardIterator", "not be null")),
    ({"ShardIterator": None}, "ValidationException", LS % ("null", "shardIterator",
                                                            "not be null")),
    ({"ShardIterator": ""}, "ValidationException",
     LS % ("''", "shardIterator", "have length greater than or equal to 1")),
    ({"ShardIterator": "abc", "Limit": 0}, "ValidationException",
     LS % ("'0'", "limit", "have value greater than or equal to 1")),
    ({"ShardIterator": "abc", "Limit": 1001}, "ValidationException",
     LS % ("'1001'", "limit", "have value less than or equal to 1000")),
    ({"Limit": -3}, "ValidationException",
     "2 validation errors detected: Value null at 'shardIterator' failed to satisfy constraint: "
     "Member must not be null; Value '-3' at 'limit' failed to satisfy constraint: Member must "
     "have value greater than or equal to 1"),
    ({"ShardIterator": 12}, "SerializationException",
     "NUMBER_VALUE cannot be converted to String"),
    ({"ShardIterator": {"a": 1}}, "SerializationException", None),
    ({"ShardIterator": "abc", "Limit": "10"}, "SerializationException", None),
    ({"ShardIterator": "abc", "Limit": False}, "SerializationException", None),
    # a well-sized iterator that is none of ours: message unverified
    ({"ShardIterator": "abc"}, "ValidationException", None),
])
def test_get_records_errors(port, payload, code, message):
    assert_stream_error(raw_streams(port, "GetRecords", payload), code, message)


def test_get_records_iterator_too_long(port):
    r = raw_streams(port, "GetRecords", {"ShardIterator": "i" * 2049})
    assert r.status == 400 and r.error_type == "ValidationException"
    assert r.error_message.startswith("1 validation error detected: Value '")
    assert r.error_message.endswith("' at 'shardIterator' failed to satisfy constraint: Member "
                                    "must have length less than or equal to 2048")


def test_streams_target_on_dynamodb_prefix_is_unknown(port):
    r = raw_request(port, body=b"{}", target="DynamoDB_20120810.ListStreams")
    assert r.status == 400 and r.error_type == "UnknownOperationException"
    r = raw_request(port, body=b"{}", target="DynamoDBStreams_20120810.ListTables")
    assert r.status == 400 and r.error_type == "UnknownOperationException"


# --------------------------------------------------------------------------------------
# The AWS CLI


AWS = "/usr/bin/aws"


def test_cli_dynamodbstreams(server, ddb, streams, stream_table, tmp_path):
    if not os.path.exists(AWS):
        pytest.skip("AWS CLI not installed at %s" % AWS)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
           "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_PAGER": "",
           "AWS_CONFIG_FILE": str(tmp_path / "config"),
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"), "AWS_MAX_ATTEMPTS": "1"}

    def aws(*args):
        cmd = [AWS, "dynamodbstreams"] + list(args) + ["--endpoint-url", server.endpoint,
                                                       "--output", "json"]
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, "%s\nstdout: %s\nstderr: %s" % (cmd, p.stdout, p.stderr)
        return json.loads(p.stdout) if p.stdout.strip() else {}

    table, arn = stream_table("NEW_AND_OLD_IMAGES")
    ddb.put_item(TableName=table, Item={"pk": S("cli"), "n": N("1.50")})
    ddb.update_item(TableName=table, Key={"pk": S("cli")}, UpdateExpression="SET n = :n",
                    ExpressionAttributeValues={":n": N("2")})
    listed = aws("list-streams", "--table-name", table)
    assert [s["StreamArn"] for s in listed["Streams"]] == [arn]
    [shard] = all_shards(streams, arn)
    it = aws("get-shard-iterator", "--stream-arn", arn, "--shard-id", shard["ShardId"],
             "--shard-iterator-type", "TRIM_HORIZON")["ShardIterator"]
    out = aws("get-records", "--shard-iterator", it)
    assert [r["eventName"] for r in out["Records"]] == ["INSERT", "MODIFY"]
    assert out["Records"][1]["dynamodb"]["OldImage"] == {"pk": {"S": "cli"}, "n": {"N": "1.5"}}
    assert out["Records"][1]["dynamodb"]["NewImage"] == {"pk": {"S": "cli"}, "n": {"N": "2"}}
    assert out["Records"][1]["dynamodb"]["SizeBytes"] == 5 + 8 + 8
    assert out["NextShardIterator"]
