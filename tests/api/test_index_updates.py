"""UpdateTable GlobalSecondaryIndexUpdates: an index added to a populated
table is backfilled online (IndexStatus CREATING with Backfilling, then
ACTIVE) while writes continue; indexes are deleted and their throughput
updated; the changes survive a restart."""

import threading
import time

from conftest import assert_error, make_client, unique_name, wait_active
from ddbvalues import N, S

BY_G = {"IndexName": "byG",
        "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                      {"AttributeName": "v", "KeyType": "RANGE"}],
        "Projection": {"ProjectionType": "ALL"}}
G_DEFS = [{"AttributeName": "g", "AttributeType": "S"},
          {"AttributeName": "v", "AttributeType": "N"}]


def fill(ddb, table, count, start=0):
    for i in range(start, start + count):
        item = {"pk": S("k%d" % i), "v": N(i)}
        if i % 2:
            item["g"] = S("odd")
        ddb.put_item(TableName=table, Item=item)


def query_all(ddb, table, value="odd"):
    pages = ddb.get_paginator("query").paginate(
        TableName=table, IndexName="byG", KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": S(value)})
    return [item for page in pages for item in page["Items"]]


def create_index(ddb, table, index=BY_G, defs=G_DEFS):
    return ddb.update_table(TableName=table, AttributeDefinitions=defs,
                            GlobalSecondaryIndexUpdates=[{"Create": index}])["TableDescription"]


def test_create_index_on_populated_table(ddb, table_s):
    fill(ddb, table_s, 1200)
    desc = create_index(ddb, table_s)
    assert desc["TableStatus"] == "UPDATING"
    (gsi,) = desc["GlobalSecondaryIndexes"]
    assert gsi["IndexName"] == "byG" and gsi["IndexStatus"] == "CREATING"
    assert gsi["Backfilling"] is True
    assert {d["AttributeName"] for d in desc["AttributeDefinitions"]} == {"pk", "g", "v"}
    wait_active(ddb, table_s)
    items = query_all(ddb, table_s)
    assert [int(i["v"]["N"]) for i in items] == list(range(1, 1200, 2))
    assert items[0] == {"pk": S("k1"), "v": N(1), "g": S("odd")}


def test_writes_during_backfill_are_indexed(ddb, table_s):
    fill(ddb, table_s, 2000)
    errors = []

    def writer():
        try:
            for i in range(2000, 2200):
                ddb.put_item(TableName=table_s, Item={"pk": S("k%d" % i), "v": N(i), "g": S("odd")})
            for i in range(1, 200, 2):  # change items the backfill may or may not have seen
                ddb.update_item(TableName=table_s, Key={"pk": S("k%d" % i)},
                                UpdateExpression="SET g = :e",
                                ExpressionAttributeValues={":e": S("even-now")})
            for i in range(201, 400, 2):
                ddb.delete_item(TableName=table_s, Key={"pk": S("k%d" % i)})
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    t = threading.Thread(target=writer)
    t.start()
    create_index(ddb, table_s)
    t.join()
    assert not errors, errors
    wait_active(ddb, table_s)
    got = sorted(int(i["v"]["N"]) for i in query_all(ddb, table_s))
    expected = [i for i in range(401, 2000, 2)] + list(range(2000, 2200))
    assert got == expected
    moved = sorted(int(i["v"]["N"]) for i in query_all(ddb, table_s, "even-now"))
    assert moved == list(range(1, 200, 2))


def test_delete_index(ddb, make_table):
    table = make_table(extra_attributes=[("g", "S"), ("v", "N")],
                       GlobalSecondaryIndexes=[BY_G])
    fill(ddb, table, 10)
    desc = ddb.update_table(TableName=table,
                            GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "byG"}}])
    assert "GlobalSecondaryIndexes" not in desc["TableDescription"]
    assert [d["AttributeName"] for d in desc["TableDescription"]["AttributeDefinitions"]] == ["pk"]
    assert "GlobalSecondaryIndexes" not in ddb.describe_table(TableName=table)["Table"]
    assert_error(ddb.query, "ValidationException",
                 "The table does not have the specified index: byG",
                 TableName=table, IndexName="byG", KeyConditionExpression="g = :g",
                 ExpressionAttributeValues={":g": S("odd")})
    # the table itself is untouched
    assert ddb.get_item(TableName=table, Key={"pk": S("k3")})["Item"]["g"] == S("odd")


def test_update_index_throughput(ddb, make_table):
    index = dict(BY_G, ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
    table = make_table(extra_attributes=[("g", "S"), ("v", "N")],
                       ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
                       GlobalSecondaryIndexes=[index])
    ddb.update_table(TableName=table, GlobalSecondaryIndexUpdates=[{"Update": {
        "IndexName": "byG",
        "ProvisionedThroughput": {"ReadCapacityUnits": 7, "WriteCapacityUnits": 9}}}])
    (gsi,) = ddb.describe_table(TableName=table)["Table"]["GlobalSecondaryIndexes"]
    assert gsi["ProvisionedThroughput"]["ReadCapacityUnits"] == 7
    assert gsi["ProvisionedThroughput"]["WriteCapacityUnits"] == 9


def test_create_existing_index_rejected(ddb, make_table):
    table = make_table(extra_attributes=[("g", "S"), ("v", "N")],
                       GlobalSecondaryIndexes=[BY_G])
    assert_error(ddb.update_table, "ValidationException",
                 "Attempting to create an index which already exists",  # message unverified
                 TableName=table, AttributeDefinitions=G_DEFS,
                 GlobalSecondaryIndexUpdates=[{"Create": BY_G}])


def test_delete_missing_index_rejected(ddb, table_s):
    assert_error(ddb.update_table, "ResourceNotFoundException",
                 "Requested resource not found: Index nope for table %s" % table_s,
                 TableName=table_s, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "nope"}}])


def test_one_online_index_change_at_a_time(ddb, table_s):
    other = dict(BY_G, IndexName="byG2")
    assert_error(ddb.update_table, "LimitExceededException",
                 "Subscriber limit exceeded: Only 1 online index can be created or deleted "
                 "simultaneously per table",
                 TableName=table_s, AttributeDefinitions=G_DEFS,
                 GlobalSecondaryIndexUpdates=[{"Create": BY_G}, {"Create": other}])


def test_new_index_needs_attribute_definitions(ddb, table_s):
    assert_error(ddb.update_table, "ValidationException",
                 "One or more parameter values were invalid: AttributeDefinitions is not "
                 "specified for index: byG",
                 TableName=table_s, GlobalSecondaryIndexUpdates=[{"Create": BY_G}])


def test_new_index_key_must_be_defined(ddb, table_s):
    # message unverified (the CreateTable text, with the request's definitions)
    assert_error(ddb.update_table, "ValidationException",
                 "One or more parameter values were invalid: Some index key attributes are not "
                 "defined in AttributeDefinitions. Keys: [g, v], AttributeDefinitions: [g]",
                 TableName=table_s, AttributeDefinitions=G_DEFS[:1],
                 GlobalSecondaryIndexUpdates=[{"Create": BY_G}])


def test_new_index_rules_are_createtables(ddb, table_s):
    bad = dict(BY_G, Projection={"ProjectionType": "INCLUDE"})
    assert_error(ddb.update_table, "ValidationException",
                 "One or more parameter values were invalid: ProjectionType is INCLUDE, but "
                 "NonKeyAttributes is not specified",  # message unverified
                 TableName=table_s, AttributeDefinitions=G_DEFS,
                 GlobalSecondaryIndexUpdates=[{"Create": bad}])


def test_index_change_survives_restart(spawn_server):
    srv = spawn_server()
    c = make_client(srv.endpoint)
    name = unique_name("gsi")
    c.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                   AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                   KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    fill(c, name, 3000)
    create_index(c, name)
    srv.stop()  # possibly mid-backfill: the backfill resumes at start
    srv2 = spawn_server(data_dir=srv.data_dir)
    c2 = make_client(srv2.endpoint)
    deadline = time.monotonic() + 30
    while c2.describe_table(TableName=name)["Table"]["GlobalSecondaryIndexes"][0][
            "IndexStatus"] != "ACTIVE":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert len(query_all(c2, name)) == 1500


# --------------------------------------------------------------------------
# Items that cannot be in a new index: a backfill leaves them out (they stay
# in the table), and once the index exists such writes are refused.

BY_GR = {"IndexName": "byGR",
         "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                       {"AttributeName": "r", "KeyType": "RANGE"}],
         "Projection": {"ProjectionType": "ALL"}}
GR_DEFS = [{"AttributeName": "g", "AttributeType": "S"},
           {"AttributeName": "r", "AttributeType": "S"}]
HASH_TOO_BIG = ("One or more parameter values were invalid: Size of hashkey has exceeded the "
                "maximum size limit of2048 bytes")  # unverified for index keys
RANGE_TOO_BIG = ("One or more parameter values were invalid: Aggregated size of all range keys "
                 "has exceeded the size limit of 1024 bytes")  # unverified for index keys


def backfill_items():
    """(item, indexed) pairs: values of g and r the index can and cannot key."""
    cases = [
        ({"g": S("a"), "r": S("r")}, True),
        ({"g": S("h" * 2048), "r": S("r")}, True),
        ({"g": S("\u00e9" * 1024), "r": S("r" * 1024)}, True),
        ({"g": S("a"), "r": S("\u00e9" * 512)}, True),
        ({"g": S("h" * 2049), "r": S("r")}, False),
        ({"g": S("\u00e9" * 1024 + "x"), "r": S("r")}, False),
        ({"g": S("a"), "r": S("r" * 1025)}, False),
        ({"g": S("a"), "r": {"B": b"\x01" * 1025}}, False),
        ({"g": S(""), "r": S("r")}, False),
        ({"g": S("a"), "r": S("")}, False),
        ({"g": N(1), "r": S("r")}, False),
        ({"g": {"B": b"a"}, "r": S("r")}, False),
        ({"g": S("a"), "r": {"SS": ["x"]}}, False),
        ({"g": {"NULL": True}, "r": S("r")}, False),
        ({"g": S("a")}, False),
        ({"r": S("r")}, False),
    ]
    out = []
    for i, (attrs, indexed) in enumerate(cases):
        item = {"pk": S("i%02d" % i)}
        item.update(attrs)
        out.append((item, indexed))
    return out


def test_backfill_skips_items_that_cannot_be_keyed(ddb, table_s):
    cases = backfill_items()
    for item, _ in cases:
        ddb.put_item(TableName=table_s, Item=item)
    fill(ddb, table_s, 600)  # more than one backfill step
    create_index(ddb, table_s, BY_GR, GR_DEFS)
    wait_active(ddb, table_s)
    got = []
    for page in ddb.get_paginator("scan").paginate(TableName=table_s, IndexName="byGR"):
        got += page["Items"]
    assert sorted(it["pk"]["S"] for it in got) == \
        sorted(item["pk"]["S"] for item, indexed in cases if indexed)
    # every item is still in the table, unchanged
    for item, _ in cases:
        assert ddb.get_item(TableName=table_s, Key={"pk": item["pk"]},
                            ConsistentRead=True)["Item"] == item
    # an indexed long key is found by a Query
    resp = ddb.query(TableName=table_s, IndexName="byGR",
                     KeyConditionExpression="g = :g AND r = :r",
                     ExpressionAttributeValues={":g": S("\u00e9" * 1024), ":r": S("r" * 1024)})
    assert [it["pk"] for it in resp["Items"]] == [S("i02")]


def test_writes_after_the_index_follow_its_rules(ddb, table_s):
    create_index(ddb, table_s, BY_GR, GR_DEFS)
    wait_active(ddb, table_s)
    refused = [
        ({"g": N(1), "r": S("r")}, "One or more parameter values were invalid: Type mismatch for "
                                   "Index Key g Expected: S Actual: N IndexName: byGR"),
        ({"g": S("a"), "r": {"B": b"x"}}, "One or more parameter values were invalid: Type "
                                          "mismatch for Index Key r Expected: S Actual: B "
                                          "IndexName: byGR"),
        ({"g": S("h" * 2049), "r": S("r")}, HASH_TOO_BIG),
        ({"g": S("a"), "r": S("r" * 1025)}, RANGE_TOO_BIG),
        ({"g": S(""), "r": S("r")},
         "One or more parameter values are not valid. A value specified for a secondary index "
         "key is not supported. The AttributeValue for a key attribute cannot contain an empty "
         "string value. IndexName: byGR, IndexKey: g"),
    ]
    for attrs, message in refused:
        item = dict({"pk": S("x")}, **attrs)
        assert_error(ddb.put_item, "ValidationException", message, TableName=table_s, Item=item)
        assert_error(ddb.batch_write_item, "ValidationException", message,
                     RequestItems={table_s: [{"PutRequest": {"Item": item}}]})
    assert "Item" not in ddb.get_item(TableName=table_s, Key={"pk": S("x")}, ConsistentRead=True)
    # at the limits: accepted and indexed
    ddb.put_item(TableName=table_s, Item={"pk": S("y"), "g": S("h" * 2048), "r": S("r" * 1024)})
    ddb.update_item(TableName=table_s, Key={"pk": S("z")}, UpdateExpression="SET g = :g, r = :r",
                    ExpressionAttributeValues={":g": S("a"), ":r": S("s" * 1024)})
    assert_error(ddb.update_item, "ValidationException", RANGE_TOO_BIG, TableName=table_s,
                 Key={"pk": S("z")}, UpdateExpression="SET r = :r",
                 ExpressionAttributeValues={":r": S("s" * 1025)})
    assert_error(ddb.update_item, "ValidationException", HASH_TOO_BIG, TableName=table_s,
                 Key={"pk": S("z")}, UpdateExpression="SET g = :g",
                 ExpressionAttributeValues={":g": S("g" * 2049)})
    got = ddb.scan(TableName=table_s, IndexName="byGR")["Items"]
    assert sorted(it["pk"]["S"] for it in got) == ["y", "z"]
    assert ddb.get_item(TableName=table_s, Key={"pk": S("z")},
                        ConsistentRead=True)["Item"]["r"] == S("s" * 1024)
