"""BatchGetItem and BatchWriteItem: reads and writes over several tables, per-table
projections and consistency, the request limits (100 keys, 25 writes), duplicate keys,
key-schema and table errors that reject the whole batch, UnprocessedKeys /
UnprocessedItems, consumed capacity, and the boto3 resource helpers built on them."""

import pytest

from ddbvalues import L, M, N, S, canon_item, read
from conftest import assert_error, raw_call, unique_name

VE = "ValidationException"
INVALID = "One or more parameter values were invalid: "
NOT_FOUND = "Requested resource not found"
KEY_MISMATCH = "The provided key element does not match the schema"
DUPLICATES = "Provided list of item keys contains duplicates"
TOO_MANY_GETS = "Too many items requested for the BatchGetItem call"
ITEM_TOO_BIG = "Item size has exceeded the maximum allowed size"


def pk(v):
    return {"pk": S(v)}


def pksk(p, s):
    return {"pk": S(p), "sk": S(s)}


def by_key(items, *names):
    return sorted((canon_item(i) for i in items),
                  key=lambda i: tuple(str(i[n]) for n in names))


# --------------------------------------------------------------------------
# Read data shared by the BatchGetItem tests (never written by them)

HASH_ITEMS = [dict(pk(str(i)), n=N(i), name=S("item %d" % i), m=M(x=N(i), y=S("y")),
                   l=L(S("a"), N(i)))
              for i in range(110)]
RANGE_ITEMS = [dict(pksk("p%d" % (i % 3), "s%d" % i), v=N(i), data=S("d%d" % i))
               for i in range(12)]


@pytest.fixture(scope="module")
def tables(ddb, module_tables):
    """(hash-only table with 110 items, hash+range table with 12 items)."""
    h = module_tables()
    r = module_tables(range_key=("sk", "S"))
    for item in HASH_ITEMS:
        ddb.put_item(TableName=h, Item=item)
    for item in RANGE_ITEMS:
        ddb.put_item(TableName=r, Item=item)
    return h, r


# --------------------------------------------------------------------------
# BatchGetItem


def test_get_from_two_tables(ddb, tables):
    h, r = tables
    resp = ddb.batch_get_item(RequestItems={
        h: {"Keys": [pk("1"), pk("7"), pk("nothere"), pk("42")]},
        r: {"Keys": [pksk("p0", "s0"), pksk("p1", "s4"), pksk("p1", "s0")]},
    })
    assert set(resp["Responses"]) == {h, r}
    assert by_key(resp["Responses"][h], "pk") == by_key(
        [HASH_ITEMS[1], HASH_ITEMS[7], HASH_ITEMS[42]], "pk")
    assert by_key(resp["Responses"][r], "pk", "sk") == by_key(
        [RANGE_ITEMS[0], RANGE_ITEMS[4]], "pk", "sk")
    assert resp["UnprocessedKeys"] == {}


def test_get_response_shape(port, tables):
    h, r = tables
    resp = raw_call(port, "BatchGetItem", {"RequestItems": {
        h: {"Keys": [{"pk": {"S": "3"}}], "ProjectionExpression": "pk"}}})
    assert resp.status == 200
    assert resp.json() == {"Responses": {h: [{"pk": {"S": "3"}}]}, "UnprocessedKeys": {}}


def test_missing_items_are_absent(ddb, tables):
    h, r = tables
    resp = ddb.batch_get_item(RequestItems={
        h: {"Keys": [pk("no1"), pk("no2")]},
        r: {"Keys": [pksk("p0", "nope")]},
    })
    # A table with nothing found contributes no items (whether it is listed with
    # an empty list is not asserted).
    assert resp["Responses"].get(h, []) == []
    assert resp["Responses"].get(r, []) == []
    assert resp["UnprocessedKeys"] == {}


def test_projection_per_table(ddb, tables):
    h, r = tables
    resp = ddb.batch_get_item(RequestItems={
        h: {"Keys": [pk("5"), pk("6")],
            "ProjectionExpression": "#n, m.x, l[1]",
            "ExpressionAttributeNames": {"#n": "name"}},
        r: {"Keys": [pksk("p2", "s5")],
            "ProjectionExpression": "sk, #d",
            "ExpressionAttributeNames": {"#d": "data"}},
    })
    assert by_key(resp["Responses"][h], "name") == by_key([
        {"name": S("item 5"), "m": M(x=N(5)), "l": L(N(5))},
        {"name": S("item 6"), "m": M(x=N(6)), "l": L(N(6))},
    ], "name")
    assert [canon_item(i) for i in resp["Responses"][r]] == [
        canon_item({"sk": S("s5"), "data": S("d5")})]


def test_attributes_to_get(ddb, tables):
    h, r = tables
    resp = ddb.batch_get_item(RequestItems={
        h: {"Keys": [pk("9")], "AttributesToGet": ["pk", "n", "absent"]},
        r: {"Keys": [pksk("p0", "s3")], "AttributesToGet": ["v"]},
    })
    assert [canon_item(i) for i in resp["Responses"][h]] == [canon_item(dict(pk("9"), n=N(9)))]
    assert [canon_item(i) for i in resp["Responses"][r]] == [canon_item({"v": N(3)})]


def test_projection_and_attributes_to_get_together(ddb, tables):
    h, _ = tables
    assert_error(ddb.batch_get_item, VE,
                 "Can not use both expression and non-expression parameters in the same request: "
                 "Non-expression parameters: {AttributesToGet} Expression parameters: "
                 "{ProjectionExpression}",  # message unverified
                 RequestItems={h: {"Keys": [pk("1")], "ProjectionExpression": "n",
                                   "AttributesToGet": ["n"]}})


def test_unused_expression_attribute_name(ddb, tables):
    h, _ = tables
    assert_error(ddb.batch_get_item, VE,
                 "Value provided in ExpressionAttributeNames unused in expressions: "
                 "keys: {#b}",  # message unverified (verified on GetItem)
                 RequestItems={h: {"Keys": [pk("1")], "ProjectionExpression": "#a",
                                   "ExpressionAttributeNames": {"#a": "n", "#b": "m"}}})


@pytest.mark.parametrize("consistent", [True, False])
def test_consistent_read(ddb, make_table, consistent):
    a = make_table()
    b = make_table()
    ddb.put_item(TableName=a, Item=dict(pk("x"), v=N(1)))
    ddb.put_item(TableName=b, Item=dict(pk("x"), v=N(2)))
    resp = ddb.batch_get_item(RequestItems={
        a: {"Keys": [pk("x")], "ConsistentRead": consistent},
        b: {"Keys": [pk("x")], "ConsistentRead": not consistent},
    })
    assert resp["Responses"][a] == [dict(pk("x"), v=N(1))]
    assert resp["Responses"][b] == [dict(pk("x"), v=N(2))]


def test_same_key_in_two_tables(ddb, make_table):
    a = make_table()
    b = make_table()
    ddb.put_item(TableName=a, Item=dict(pk("same"), t=S("a")))
    ddb.put_item(TableName=b, Item=dict(pk("same"), t=S("b")))
    resp = ddb.batch_get_item(RequestItems={a: {"Keys": [pk("same")]},
                                            b: {"Keys": [pk("same")]}})
    assert resp["Responses"][a] == [dict(pk("same"), t=S("a"))]
    assert resp["Responses"][b] == [dict(pk("same"), t=S("b"))]


def test_100_keys(ddb, tables):
    h, _ = tables
    keys = [pk(str(i)) for i in range(95)] + [pk("missing%d" % i) for i in range(5)]
    resp = ddb.batch_get_item(RequestItems={h: {"Keys": keys, "ProjectionExpression": "pk"}})
    assert sorted(int(i["pk"]["S"]) for i in resp["Responses"][h]) == list(range(95))
    assert resp["UnprocessedKeys"] == {}


def test_100_keys_over_two_tables(ddb, tables):
    h, r = tables
    resp = ddb.batch_get_item(RequestItems={
        h: {"Keys": [pk(str(i)) for i in range(88)]},
        r: {"Keys": [{"pk": i["pk"], "sk": i["sk"]} for i in RANGE_ITEMS]},
    })
    assert len(resp["Responses"][h]) == 88
    assert len(resp["Responses"][r]) == 12
    assert resp["UnprocessedKeys"] == {}


def test_101_keys_in_one_table(ddb, tables):
    h, _ = tables
    # The rendering of the rejected list between the quotes is the service's
    # internal one and is not asserted.
    msg = assert_error(ddb.batch_get_item, VE,
                       prefix="1 validation error detected: Value '[",
                       RequestItems={h: {"Keys": [pk(str(i)) for i in range(101)]}})
    assert msg.endswith("]' at 'requestItems.%s.member.keys' failed to satisfy constraint: "
                        "Member must have length less than or equal to 100" % h), msg


def test_101_keys_over_two_tables(ddb, tables):
    h, r = tables
    msg = assert_error(ddb.batch_get_item, VE, prefix=TOO_MANY_GETS, RequestItems={
        h: {"Keys": [pk(str(i)) for i in range(90)]},
        r: {"Keys": [{"pk": i["pk"], "sk": i["sk"]} for i in RANGE_ITEMS[:11]]},
    })
    # The API reference quotes the message with a final period, the service
    # has been seen to send it without one.
    assert msg in (TOO_MANY_GETS, TOO_MANY_GETS + ".")


def test_get_duplicate_keys(ddb, tables):
    h, r = tables
    assert_error(ddb.batch_get_item, VE, DUPLICATES,
                 RequestItems={h: {"Keys": [pk("1"), pk("2"), pk("1")]}})
    assert_error(ddb.batch_get_item, VE, DUPLICATES,
                 RequestItems={r: {"Keys": [pksk("p0", "s0"), pksk("p0", "s0")]}})


def test_get_same_hash_different_range_is_not_duplicate(ddb, tables):
    _, r = tables
    resp = ddb.batch_get_item(RequestItems={r: {"Keys": [pksk("p0", "s0"), pksk("p0", "s3")]}})
    assert len(resp["Responses"][r]) == 2


def test_get_missing_table(ddb, tables):
    h, _ = tables
    assert_error(ddb.batch_get_item, "ResourceNotFoundException", NOT_FOUND,
                 RequestItems={h: {"Keys": [pk("1")]}, unique_name(): {"Keys": [pk("1")]}})


@pytest.mark.parametrize("bad", [
    {"pk": S("p0")},                                  # range key missing
    {"pk": S("p0"), "sk": S("s0"), "x": S("extra")},  # extra attribute
    {"pk": S("p0"), "sk": N(0)},                      # wrong type
    {"id": S("p0"), "sk": S("s0")},                   # wrong name
])
def test_get_key_not_matching_schema(ddb, tables, bad):
    _, r = tables
    assert_error(ddb.batch_get_item, VE, KEY_MISMATCH,
                 RequestItems={r: {"Keys": [pksk("p0", "s0"), bad]}})


def test_get_empty_string_key(ddb, tables):
    h, _ = tables
    assert_error(ddb.batch_get_item, VE,
                 "One or more parameter values are not valid. The AttributeValue for a key "
                 "attribute cannot contain an empty string value. Key: pk",  # message unverified
                 RequestItems={h: {"Keys": [pk("1"), pk("")]}})


def test_get_empty_request_items(ddb):
    assert_error(ddb.batch_get_item, VE, RequestItems={})  # message unverified


def test_get_empty_key_list(ddb, tables):
    h, _ = tables
    assert_error(ddb.batch_get_item, VE,
                 "1 validation error detected: Value '[]' at 'requestItems.%s.member.keys' "
                 "failed to satisfy constraint: Member must have length greater than or equal "
                 "to 1" % h,
                 RequestItems={h: {"Keys": []}})


def test_resource_batch_get(ddb_resource, tables):
    h, r = tables
    resp = ddb_resource.batch_get_item(RequestItems={
        h: {"Keys": [{"pk": "2"}, {"pk": "3"}], "ProjectionExpression": "pk, n"},
        r: {"Keys": [{"pk": "p1", "sk": "s1"}], "ConsistentRead": True},
    })
    assert sorted(resp["Responses"][h], key=lambda i: i["pk"]) == [
        {"pk": "2", "n": 2}, {"pk": "3", "n": 3}]
    assert resp["Responses"][r] == [{"pk": "p1", "sk": "s1", "v": 1, "data": "d1"}]
    assert resp["UnprocessedKeys"] == {}


# --------------------------------------------------------------------------
# BatchWriteItem


def put_req(item):
    return {"PutRequest": {"Item": item}}


def del_req(key):
    return {"DeleteRequest": {"Key": key}}


def test_put_and_delete_over_two_tables(ddb, make_table):
    a = make_table()
    b = make_table(range_key=("sk", "S"))
    ddb.put_item(TableName=a, Item=dict(pk("gone"), v=N(0)))
    ddb.put_item(TableName=b, Item=dict(pksk("p", "gone"), v=N(0)))
    ddb.put_item(TableName=b, Item=dict(pksk("p", "stays"), v=N(0)))
    resp = ddb.batch_write_item(RequestItems={
        a: [put_req(dict(pk("a1"), v=N(1))), put_req(dict(pk("a2"), v=S("two"))),
            del_req(pk("gone"))],
        b: [put_req(dict(pksk("p", "new"), v=L(N(1), S("x")))), del_req(pksk("p", "gone"))],
    })
    assert resp["UnprocessedItems"] == {}
    assert read(ddb, a, pk("a1")) == dict(pk("a1"), v=N(1))
    assert read(ddb, a, pk("a2")) == dict(pk("a2"), v=S("two"))
    assert read(ddb, a, pk("gone")) is None
    assert read(ddb, b, pksk("p", "new")) == dict(pksk("p", "new"), v=L(N(1), S("x")))
    assert read(ddb, b, pksk("p", "gone")) is None
    assert read(ddb, b, pksk("p", "stays")) == dict(pksk("p", "stays"), v=N(0))


def test_write_response_shape(port, table_s):
    resp = raw_call(port, "BatchWriteItem", {"RequestItems": {
        table_s: [{"PutRequest": {"Item": {"pk": {"S": "x"}}}}]}})
    assert resp.status == 200
    assert resp.json() == {"UnprocessedItems": {}}


def test_each_write_applies_like_its_single_item_operation(ddb, table_s):
    # A put replaces the whole item; deleting an item that is not there is no
    # error; no write sees a condition.
    ddb.put_item(TableName=table_s, Item=dict(pk("r"), old=S("x"), keep=S("no")))
    resp = ddb.batch_write_item(RequestItems={table_s: [
        put_req(dict(pk("r"), new=N(1))),
        del_req(pk("never-existed")),
        put_req(dict(pk("s"), v=N(2))),
    ]})
    assert resp["UnprocessedItems"] == {}
    assert read(ddb, table_s, pk("r")) == dict(pk("r"), new=N(1))
    assert read(ddb, table_s, pk("s")) == dict(pk("s"), v=N(2))
    assert read(ddb, table_s, pk("never-existed")) is None


def test_25_writes(ddb, table_s):
    resp = ddb.batch_write_item(RequestItems={
        table_s: [put_req(dict(pk("i%02d" % i), v=N(i))) for i in range(25)]})
    assert resp["UnprocessedItems"] == {}
    got = ddb.scan(TableName=table_s, ConsistentRead=True)["Items"]
    assert by_key(got, "pk") == by_key(
        [dict(pk("i%02d" % i), v=N(i)) for i in range(25)], "pk")


def test_26_writes_in_one_table(ddb, table_s):
    msg = assert_error(ddb.batch_write_item, VE,
                       prefix="1 validation error detected: Value '{%s=[" % table_s,
                       RequestItems={table_s: [put_req(pk("i%02d" % i)) for i in range(26)]})
    # The members' rendering between the brackets is not asserted.
    assert msg.endswith("]}' at 'requestItems' failed to satisfy constraint: Map value must "
                        "satisfy constraint: [Member must have length less than or equal to 25, "
                        "Member must have length greater than or equal to 1]"), msg
    assert ddb.scan(TableName=table_s, ConsistentRead=True)["Items"] == []


def test_26_writes_over_two_tables(ddb, make_table):
    a = make_table()
    b = make_table()
    assert_error(ddb.batch_write_item, VE,
                 # message unverified
                 prefix="Too many items requested for the BatchWriteItem call",
                 RequestItems={a: [put_req(pk("a%d" % i)) for i in range(13)],
                               b: [put_req(pk("b%d" % i)) for i in range(13)]})
    assert ddb.scan(TableName=a, ConsistentRead=True)["Items"] == []
    assert ddb.scan(TableName=b, ConsistentRead=True)["Items"] == []


def test_empty_write_list(ddb, table_s):
    assert_error(ddb.batch_write_item, VE,
                 "1 validation error detected: Value '{%s=[]}' at 'requestItems' failed to "
                 "satisfy constraint: Map value must satisfy constraint: [Member must have length "
                 "less than or equal to 25, Member must have length greater than or equal to 1]"
                 % table_s,
                 RequestItems={table_s: []})


def test_write_empty_request_items(ddb):
    assert_error(ddb.batch_write_item, VE, RequestItems={})  # message unverified


@pytest.mark.parametrize("writes", [
    [put_req(dict(pk("d"), v=N(1))), del_req(pk("d"))],
    [put_req(dict(pk("d"), v=N(1))), put_req(dict(pk("d"), v=N(2)))],
    [del_req(pk("d")), del_req(pk("d"))],
    [put_req(dict(pk("e"))), del_req(pk("d")), put_req(dict(pk("d"), v=N(2)))],
])
def test_write_duplicate_keys(ddb, table_s, writes):
    ddb.put_item(TableName=table_s, Item=dict(pk("d"), v=N(0)))
    assert_error(ddb.batch_write_item, VE, DUPLICATES, RequestItems={table_s: writes})
    assert read(ddb, table_s, pk("d")) == dict(pk("d"), v=N(0))
    assert read(ddb, table_s, pk("e")) is None


def test_write_duplicate_keys_range_table(ddb, table_ss):
    assert_error(ddb.batch_write_item, VE, DUPLICATES, RequestItems={table_ss: [
        put_req(pksk("p", "s")), del_req(pksk("p", "s"))]})
    # Same partition, other sort key: two items.
    resp = ddb.batch_write_item(RequestItems={table_ss: [
        put_req(pksk("p", "s")), put_req(pksk("p", "t"))]})
    assert resp["UnprocessedItems"] == {}
    assert read(ddb, table_ss, pksk("p", "t")) == pksk("p", "t")


def test_write_same_key_in_two_tables(ddb, make_table):
    a = make_table()
    b = make_table()
    resp = ddb.batch_write_item(RequestItems={a: [put_req(dict(pk("k"), t=S("a")))],
                                              b: [put_req(dict(pk("k"), t=S("b")))]})
    assert resp["UnprocessedItems"] == {}
    assert read(ddb, a, pk("k")) == dict(pk("k"), t=S("a"))
    assert read(ddb, b, pk("k")) == dict(pk("k"), t=S("b"))


@pytest.mark.parametrize("request_", [
    {"PutRequest": {"Item": {"pk": {"S": "x"}}}, "DeleteRequest": {"Key": {"pk": {"S": "y"}}}},
    {},
])
def test_write_request_with_both_or_neither(ddb, table_s, request_):
    assert_error(ddb.batch_write_item, VE,  # message unverified
                 RequestItems={table_s: [put_req(pk("ok")), request_]})
    assert read(ddb, table_s, pk("ok")) is None


def test_write_item_too_large(ddb, table_s):
    big = dict(pk("big"), blob=S("x" * (400 * 1024)))
    assert_error(ddb.batch_write_item, VE,
                 ITEM_TOO_BIG,  # message unverified (verified on PutItem)
                 RequestItems={table_s: [put_req(pk("small")), put_req(big)]})
    assert read(ddb, table_s, pk("small")) is None
    assert read(ddb, table_s, pk("big")) is None


def test_write_put_missing_key(ddb, table_ss):
    # Unlike PutItem, a batch reports a put's key problems with the key-schema
    # message.
    assert_error(ddb.batch_write_item, VE, KEY_MISMATCH,  # message unverified
                 RequestItems={table_ss: [put_req(pksk("p", "ok")), put_req(pk("p"))]})
    assert read(ddb, table_ss, pksk("p", "ok")) is None


@pytest.mark.parametrize("key", [N(1), {"SS": ["a"]}])
def test_write_put_key_type_mismatch(ddb, table_s, key):
    assert_error(ddb.batch_write_item, VE, KEY_MISMATCH,
                 RequestItems={table_s: [put_req(pk("ok")), put_req({"pk": key})]})
    assert read(ddb, table_s, pk("ok")) is None


def test_write_put_empty_string_key(ddb, table_s):
    assert_error(ddb.batch_write_item, VE,
                 "One or more parameter values are not valid. The AttributeValue for a key "
                 "attribute cannot contain an empty string value. Key: pk",  # message unverified
                 RequestItems={table_s: [put_req(pk("ok")), put_req(pk(""))]})
    assert read(ddb, table_s, pk("ok")) is None


@pytest.mark.parametrize("bad", [
    {"pk": S("p")},
    {"pk": S("p"), "sk": S("s"), "x": S("extra")},
    {"pk": N(1), "sk": S("s")},
])
def test_write_delete_key_not_matching_schema(ddb, table_ss, bad):
    ddb.put_item(TableName=table_ss, Item=pksk("p", "s"))
    assert_error(ddb.batch_write_item, VE, KEY_MISMATCH,
                 RequestItems={table_ss: [del_req(pksk("p", "s")), del_req(bad)]})
    assert read(ddb, table_ss, pksk("p", "s")) == pksk("p", "s")


def test_write_missing_table(ddb, table_s):
    assert_error(ddb.batch_write_item, "ResourceNotFoundException", NOT_FOUND,
                 RequestItems={table_s: [put_req(pk("x"))], unique_name(): [put_req(pk("x"))]})
    assert read(ddb, table_s, pk("x")) is None


def test_write_consumed_capacity_total(ddb, make_table):
    a = make_table()
    b = make_table()
    resp = ddb.batch_write_item(ReturnConsumedCapacity="TOTAL", RequestItems={
        a: [put_req(dict(pk("1"), v=S("small"))), put_req(pk("2")), del_req(pk("3"))],
        b: [put_req(pk("1"))],
    })
    assert resp["UnprocessedItems"] == {}
    caps = sorted(resp["ConsumedCapacity"], key=lambda c: c["TableName"] != a)
    # Each write of an item under 1 KB costs one write unit.
    assert [c["TableName"] for c in caps] == [a, b]
    assert [c["CapacityUnits"] for c in caps] == [3.0, 1.0]


def test_write_without_consumed_capacity(ddb, table_s):
    resp = ddb.batch_write_item(RequestItems={table_s: [put_req(pk("1"))]})
    assert "ConsumedCapacity" not in resp


def test_resource_batch_writer(ddb, ddb_resource, table_ss):
    table = ddb_resource.Table(table_ss)
    with table.batch_writer() as batch:
        for i in range(60):
            batch.put_item(Item={"pk": "p%d" % (i % 4), "sk": "s%02d" % i, "n": i,
                                 "tags": {"a", "b"}})
    got = ddb.scan(TableName=table_ss, ConsistentRead=True)["Items"]
    assert len(got) == 60
    assert sorted(int(i["n"]["N"]) for i in got) == list(range(60))
    with table.batch_writer() as batch:
        for i in range(0, 60, 2):
            batch.delete_item(Key={"pk": "p%d" % (i % 4), "sk": "s%02d" % i})
    got = ddb.scan(TableName=table_ss, ConsistentRead=True)["Items"]
    assert sorted(int(i["n"]["N"]) for i in got) == list(range(1, 60, 2))


def test_resource_batch_writer_overwrite_by_pkeys(ddb_resource, ddb, table_ss):
    # The helper drops earlier writes to the same key inside a batch, so the
    # service never sees duplicates.
    table = ddb_resource.Table(table_ss)
    with table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as batch:
        for i in range(30):
            batch.put_item(Item={"pk": "p", "sk": "s%d" % (i % 3), "n": i})
    got = ddb.scan(TableName=table_ss, ConsistentRead=True)["Items"]
    assert sorted(int(i["n"]["N"]) for i in got) == [27, 28, 29]


def test_get_consumed_capacity_per_table(ddb, make_table):
    a, b = make_table(), make_table()
    ddb.put_item(TableName=a, Item={"pk": S("x")})
    resp = ddb.batch_get_item(RequestItems={a: {"Keys": [{"pk": S("x")}, {"pk": S("y")}]},
                                            b: {"Keys": [{"pk": S("z")}]}},
                              ReturnConsumedCapacity="TOTAL")
    got = {c["TableName"]: c["CapacityUnits"] for c in resp["ConsumedCapacity"]}
    # eventually consistent reads: half a unit per item read or looked for
    assert got == {a: 1.0, b: 0.5}


def test_get_over_16mb_returns_unprocessed_keys_with_their_options(ddb, make_table):
    # 60 items of ~390 KB: about 23 MB, more than one 16 MB response.
    table = make_table()
    big = "x" * (390 * 1024)
    for i in range(60):
        ddb.put_item(TableName=table, Item={"pk": S("k%02d" % i), "blob": S(big), "n": N(i)})
    request = {table: {"Keys": [{"pk": S("k%02d" % i)} for i in range(60)],
                       "ProjectionExpression": "pk, #b",
                       "ExpressionAttributeNames": {"#b": "blob"},
                       "ConsistentRead": True}}
    resp = ddb.batch_get_item(RequestItems=request)
    first = resp["Responses"][table]
    unprocessed = resp["UnprocessedKeys"]
    assert 0 < len(first) < 60
    assert set(unprocessed) == {table}
    rest = unprocessed[table]
    # resent as is, with the same projection and read mode
    assert rest["ProjectionExpression"] == "pk, #b"
    assert rest["ExpressionAttributeNames"] == {"#b": "blob"}
    assert rest["ConsistentRead"] is True
    assert len(first) + len(rest["Keys"]) == 60
    got = list(first)
    while unprocessed:
        resp = ddb.batch_get_item(RequestItems=unprocessed)
        got += resp["Responses"][table]
        unprocessed = resp["UnprocessedKeys"]
    assert sorted(item["pk"]["S"] for item in got) == ["k%02d" % i for i in range(60)]
    assert all(set(item) == {"pk", "blob"} for item in got)
