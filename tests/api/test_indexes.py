"""Secondary indexes defined at CreateTable.  Local secondary indexes: query by
the alternate sort key, sparseness, the KEYS_ONLY / INCLUDE / ALL projections,
fetching unprojected attributes from the table, ConsistentRead.  Global
secondary indexes: query by their own keys, sparseness, projections, page keys
carrying index and table keys, no strongly consistent reads, maintenance on
PutItem/UpdateItem/DeleteItem, key type checks on writes.  Also Scan of an
index and the index fields of DescribeTable."""

import pytest

from ddbvalues import N, S, canon_item
from conftest import assert_error

VE = "ValidationException"
INVALID = "One or more parameter values were invalid: "


def ks(hash_name, range_name=None):
    schema = [{"AttributeName": hash_name, "KeyType": "HASH"}]
    if range_name:
        schema.append({"AttributeName": range_name, "KeyType": "RANGE"})
    return schema


def projection(kind):
    if kind == "INCLUDE":
        return {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["a"]}
    return {"ProjectionType": kind}


def make_indexed(make_table, kind="ALL", lsi=True, gsi=True, gsi_range=True):
    """A table (pk S, sk S) with a local index "byL" on lsk (N) and a global
    index "byG" on gpk (S) / gsk (N), both with the given projection."""
    kwargs = {}
    extra = []
    if lsi:
        extra.append(("lsk", "N"))
        kwargs["LocalSecondaryIndexes"] = [{"IndexName": "byL", "KeySchema": ks("pk", "lsk"),
                                            "Projection": projection(kind)}]
    if gsi:
        extra.append(("gpk", "S"))
        if gsi_range:
            extra.append(("gsk", "N"))
        kwargs["GlobalSecondaryIndexes"] = [{
            "IndexName": "byG", "KeySchema": ks("gpk", "gsk" if gsi_range else None),
            "Projection": projection(kind)}]
    return make_table(range_key=("sk", "S"), extra_attributes=extra, **kwargs)


# Six items in partition "p" (sk s0..s5) and one in "q".  lsk orders them
# differently from sk and is missing on s3; gpk/gsk put four of them in "g1",
# one in "g2", and s4 has gpk but no gsk, s5 has neither.
ITEMS = [
    {"pk": S("p"), "sk": S("s0"), "lsk": N(50), "gpk": S("g1"), "gsk": N(3), "a": S("a0"),
     "b": S("b0")},
    {"pk": S("p"), "sk": S("s1"), "lsk": N(30), "gpk": S("g1"), "gsk": N(1), "a": S("a1"),
     "b": S("b1")},
    {"pk": S("p"), "sk": S("s2"), "lsk": N(10), "gpk": S("g2"), "gsk": N(2), "a": S("a2"),
     "b": S("b2")},
    {"pk": S("p"), "sk": S("s3"), "gpk": S("g1"), "gsk": N(-1), "a": S("a3"), "b": S("b3")},
    {"pk": S("p"), "sk": S("s4"), "lsk": N(40), "gpk": S("g1"), "a": S("a4"), "b": S("b4")},
    {"pk": S("p"), "sk": S("s5"), "lsk": N(20), "b": S("b5")},
    {"pk": S("q"), "sk": S("s0"), "lsk": N(1), "gpk": S("g1"), "gsk": N(2), "b": S("bq")},
]


def load(ddb, table, items=ITEMS):
    for item in items:
        ddb.put_item(TableName=table, Item=item)


def item(pk, sk):
    return next(i for i in ITEMS if i["pk"] == S(pk) and i["sk"] == S(sk))


def sks(resp):
    return [(i["pk"]["S"], i["sk"]["S"]) for i in resp["Items"]]


def qi(ddb, table, index, kce, values, **params):
    return ddb.query(TableName=table, IndexName=index, KeyConditionExpression=kce,
                     ExpressionAttributeValues=values, **params)


def project(it, names):
    return {k: v for k, v in it.items() if k in names}


LSI_KEYS = {"pk", "sk", "lsk"}
GSI_KEYS = {"pk", "sk", "gpk", "gsk"}


@pytest.fixture
def indexed(ddb, make_table):
    table = make_indexed(make_table)
    load(ddb, table)
    return table


# --------------------------------------------------------------------------
# Local secondary indexes


def test_lsi_query_orders_by_index_sort_key(ddb, indexed):
    resp = qi(ddb, indexed, "byL", "pk = :p", {":p": S("p")})
    assert sks(resp) == [("p", "s2"), ("p", "s5"), ("p", "s1"), ("p", "s4"), ("p", "s0")]
    assert resp["Count"] == resp["ScannedCount"] == 5


def test_lsi_query_descending_with_condition(ddb, indexed):
    resp = qi(ddb, indexed, "byL", "pk = :p AND lsk BETWEEN :a AND :b",
              {":p": S("p"), ":a": N(15), ":b": N(45)}, ScanIndexForward=False)
    assert sks(resp) == [("p", "s4"), ("p", "s1"), ("p", "s5")]


def test_lsi_is_sparse(ddb, indexed):
    resp = qi(ddb, indexed, "byL", "pk = :p", {":p": S("p")})
    assert ("p", "s3") not in sks(resp)
    resp = qi(ddb, indexed, "byL", "pk = :p", {":p": S("q")})
    assert sks(resp) == [("q", "s0")]


@pytest.mark.parametrize("kind,names", [
    ("KEYS_ONLY", LSI_KEYS),
    ("INCLUDE", LSI_KEYS | {"a"}),
    ("ALL", LSI_KEYS | {"a", "b", "gpk", "gsk"}),
])
def test_lsi_projections(ddb, make_table, kind, names):
    table = make_indexed(make_table, kind)
    load(ddb, table)
    resp = qi(ddb, table, "byL", "pk = :p AND lsk < :x", {":p": S("p"), ":x": N(35)})
    assert resp["Items"] == [project(item("p", sk), names) for sk in ("s2", "s5", "s1")]
    # ALL_PROJECTED_ATTRIBUTES is what an index query returns by default.
    explicit = qi(ddb, table, "byL", "pk = :p AND lsk < :x", {":p": S("p"), ":x": N(35)},
                  Select="ALL_PROJECTED_ATTRIBUTES")
    assert explicit["Items"] == resp["Items"]


@pytest.mark.parametrize("kind", ["KEYS_ONLY", "INCLUDE"])
def test_lsi_all_attributes_fetches_the_whole_item(ddb, make_table, kind):
    table = make_indexed(make_table, kind)
    load(ddb, table)
    resp = qi(ddb, table, "byL", "pk = :p", {":p": S("p")}, Select="ALL_ATTRIBUTES")
    assert resp["Items"] == [item("p", sk) for sk in ("s2", "s5", "s1", "s4", "s0")]


def test_lsi_projection_expression_fetches_unprojected_attributes(ddb, make_table):
    table = make_indexed(make_table, "KEYS_ONLY")
    load(ddb, table)
    resp = qi(ddb, table, "byL", "pk = :p AND lsk >= :x", {":p": S("p"), ":x": N(40)},
              ProjectionExpression="b, lsk")
    assert resp["Items"] == [{"b": S("b4"), "lsk": N(40)}, {"b": S("b0"), "lsk": N(50)}]


def test_lsi_filter_on_unprojected_attribute(ddb, make_table):
    table = make_indexed(make_table, "KEYS_ONLY")
    load(ddb, table)
    resp = qi(ddb, table, "byL", "pk = :p", {":p": S("p"), ":b": S("b1")},
              FilterExpression="b = :b")
    assert sks(resp) == [("p", "s1")]
    assert resp["ScannedCount"] == 5


@pytest.mark.parametrize("consistent", [True, False])
def test_lsi_consistent_read(ddb, indexed, consistent):
    resp = qi(ddb, indexed, "byL", "pk = :p", {":p": S("p")}, ConsistentRead=consistent)
    assert resp["Count"] == 5


def test_lsi_paging_keys(ddb, indexed):
    resp = qi(ddb, indexed, "byL", "pk = :p", {":p": S("p")}, Limit=2)
    assert sks(resp) == [("p", "s2"), ("p", "s5")]
    # The page key holds the table's key and the index's sort key.
    assert canon_item(resp["LastEvaluatedKey"]) == canon_item(
        {"pk": S("p"), "sk": S("s5"), "lsk": N(20)})
    seen = sks(resp)
    while "LastEvaluatedKey" in resp:
        resp = qi(ddb, indexed, "byL", "pk = :p", {":p": S("p")}, Limit=2,
                  ExclusiveStartKey=resp["LastEvaluatedKey"])
        seen += sks(resp)
    assert seen == [("p", "s2"), ("p", "s5"), ("p", "s1"), ("p", "s4"), ("p", "s0")]


def test_lsi_with_equal_index_keys(ddb, make_table):
    # Items sharing an index sort key are all returned, each once, also
    # across pages.
    table = make_indexed(make_table, gsi=False)
    load(ddb, table, [{"pk": S("p"), "sk": S("s%02d" % i), "lsk": N(i % 3)} for i in range(12)])
    seen = []
    params = {}
    while True:
        resp = qi(ddb, table, "byL", "pk = :p", {":p": S("p")}, Limit=5, **params)
        seen += resp["Items"]
        if "LastEvaluatedKey" not in resp:
            break
        params = {"ExclusiveStartKey": resp["LastEvaluatedKey"]}
    assert sorted(i["sk"]["S"] for i in seen) == ["s%02d" % i for i in range(12)]
    assert [int(i["lsk"]["N"]) for i in seen] == sorted(int(i["lsk"]["N"]) for i in seen)


def test_lsi_follows_writes(ddb, indexed):
    ddb.update_item(TableName=indexed, Key={"pk": S("p"), "sk": S("s3")},
                    UpdateExpression="SET lsk = :v", ExpressionAttributeValues={":v": N(5)})
    ddb.update_item(TableName=indexed, Key={"pk": S("p"), "sk": S("s0")},
                    UpdateExpression="REMOVE lsk")
    ddb.put_item(TableName=indexed, Item={"pk": S("p"), "sk": S("s1"), "lsk": N(99)})
    ddb.delete_item(TableName=indexed, Key={"pk": S("p"), "sk": S("s5")})
    resp = qi(ddb, indexed, "byL", "pk = :p", {":p": S("p")})
    assert sks(resp) == [("p", "s3"), ("p", "s2"), ("p", "s4"), ("p", "s1")]
    assert resp["Items"][-1] == {"pk": S("p"), "sk": S("s1"), "lsk": N(99)}


# --------------------------------------------------------------------------
# Global secondary indexes


def test_gsi_query_orders_by_index_sort_key(ddb, indexed):
    resp = qi(ddb, indexed, "byG", "gpk = :g", {":g": S("g1")})
    assert sks(resp) == [("p", "s3"), ("p", "s1"), ("q", "s0"), ("p", "s0")]
    assert resp["Count"] == resp["ScannedCount"] == 4


def test_gsi_query_with_sort_key_condition(ddb, indexed):
    resp = qi(ddb, indexed, "byG", "gpk = :g AND gsk > :x", {":g": S("g1"), ":x": N(0)},
              ScanIndexForward=False)
    assert sks(resp) == [("p", "s0"), ("q", "s0"), ("p", "s1")]
    resp = qi(ddb, indexed, "byG", "gpk = :g", {":g": S("g2")})
    assert sks(resp) == [("p", "s2")]


def test_gsi_is_sparse(ddb, indexed):
    # s4 lacks gsk and s5 lacks both index keys: neither is in the index.
    everything = ddb.scan(TableName=indexed, IndexName="byG")
    assert sorted(sks(everything)) == [("p", "s0"), ("p", "s1"), ("p", "s2"), ("p", "s3"),
                                       ("q", "s0")]
    resp = qi(ddb, indexed, "byG", "gpk = :g", {":g": S("nothing")})
    assert resp["Items"] == [] and resp["Count"] == 0


def test_gsi_without_sort_key_needs_only_its_partition_key(ddb, make_table):
    table = make_indexed(make_table, lsi=False, gsi_range=False)
    load(ddb, table)
    resp = qi(ddb, table, "byG", "gpk = :g", {":g": S("g1")})
    assert sorted(sks(resp)) == [("p", "s0"), ("p", "s1"), ("p", "s3"), ("p", "s4"),
                                 ("q", "s0")]


@pytest.mark.parametrize("kind,names", [
    ("KEYS_ONLY", GSI_KEYS),
    ("INCLUDE", GSI_KEYS | {"a"}),
    ("ALL", GSI_KEYS | {"a", "b", "lsk"}),
])
def test_gsi_projections(ddb, make_table, kind, names):
    table = make_indexed(make_table, kind)
    load(ddb, table)
    resp = qi(ddb, table, "byG", "gpk = :g AND gsk <= :x", {":g": S("g1"), ":x": N(1)})
    assert resp["Items"] == [project(item("p", sk), names) for sk in ("s3", "s1")]
    explicit = qi(ddb, table, "byG", "gpk = :g AND gsk <= :x", {":g": S("g1"), ":x": N(1)},
                  Select="ALL_PROJECTED_ATTRIBUTES")
    assert explicit["Items"] == resp["Items"]


def test_gsi_select_all_attributes_with_all_projection(ddb, indexed):
    resp = qi(ddb, indexed, "byG", "gpk = :g", {":g": S("g2")}, Select="ALL_ATTRIBUTES")
    assert resp["Items"] == [item("p", "s2")]


@pytest.mark.parametrize("kind", ["KEYS_ONLY", "INCLUDE"])
def test_gsi_select_all_attributes_needs_all_projection(ddb, make_table, kind):
    table = make_indexed(make_table, kind)
    assert_error(ddb.query, VE, INVALID + "Select type ALL_ATTRIBUTES is not supported for "
                 "global secondary index byG because its projection type is not ALL",
                 TableName=table, IndexName="byG", KeyConditionExpression="gpk = :g",
                 ExpressionAttributeValues={":g": S("g1")}, Select="ALL_ATTRIBUTES")


def test_gsi_projection_expression_of_projected_attributes(ddb, make_table):
    table = make_indexed(make_table, "INCLUDE")
    load(ddb, table)
    resp = qi(ddb, table, "byG", "gpk = :g AND gsk = :x", {":g": S("g1"), ":x": N(3)},
              ProjectionExpression="a, sk")
    assert resp["Items"] == [{"a": S("a0"), "sk": S("s0")}]


def test_gsi_paging_keys_hold_index_and_table_keys(ddb, indexed):
    resp = qi(ddb, indexed, "byG", "gpk = :g", {":g": S("g1")}, Limit=3)
    assert sks(resp) == [("p", "s3"), ("p", "s1"), ("q", "s0")]
    assert canon_item(resp["LastEvaluatedKey"]) == canon_item(
        {"gpk": S("g1"), "gsk": N(2), "pk": S("q"), "sk": S("s0")})
    rest = qi(ddb, indexed, "byG", "gpk = :g", {":g": S("g1")}, Limit=3,
              ExclusiveStartKey=resp["LastEvaluatedKey"])
    assert sks(rest) == [("p", "s0")]


def test_gsi_paging_with_equal_index_keys(ddb, make_table):
    # Many items share one index partition key and sort key value: paging
    # must still return each of them exactly once.
    table = make_indexed(make_table, "KEYS_ONLY", lsi=False)
    load(ddb, table, [{"pk": S("k%02d" % (i % 5)), "sk": S("s%02d" % i), "gpk": S("same"),
                       "gsk": N(i % 2)} for i in range(20)])
    seen = []
    params = {}
    while True:
        resp = qi(ddb, table, "byG", "gpk = :g", {":g": S("same")}, Limit=3, **params)
        seen += resp["Items"]
        if "LastEvaluatedKey" not in resp:
            break
        assert set(resp["LastEvaluatedKey"]) == GSI_KEYS
        params = {"ExclusiveStartKey": resp["LastEvaluatedKey"]}
    assert sorted(i["sk"]["S"] for i in seen) == ["s%02d" % i for i in range(20)]
    assert [i["gsk"]["N"] for i in seen] == ["0"] * 10 + ["1"] * 10


def test_gsi_paginator(ddb, indexed):
    pages = list(ddb.get_paginator("query").paginate(
        TableName=indexed, IndexName="byG", KeyConditionExpression="gpk = :g",
        ExpressionAttributeValues={":g": S("g1")}, PaginationConfig={"PageSize": 1}))
    items = [i for p in pages for i in p["Items"]]
    assert [(i["pk"]["S"], i["sk"]["S"]) for i in items] == [("p", "s3"), ("p", "s1"),
                                                             ("q", "s0"), ("p", "s0")]


def test_gsi_filter_and_count(ddb, indexed):
    resp = qi(ddb, indexed, "byG", "gpk = :g", {":g": S("g1")},
              FilterExpression="attribute_exists(a)")
    assert resp["Count"] == 3 and resp["ScannedCount"] == 4
    resp = qi(ddb, indexed, "byG", "gpk = :g", {":g": S("g1")}, Select="COUNT")
    assert resp["Count"] == 4 and "Items" not in resp


def test_gsi_consistent_read_rejected(ddb, indexed):
    assert_error(ddb.query, VE, "Consistent reads are not supported on global secondary indexes",
                 TableName=indexed, IndexName="byG", KeyConditionExpression="gpk = :g",
                 ExpressionAttributeValues={":g": S("g1")}, ConsistentRead=True)


def test_gsi_consistent_read_false_allowed(ddb, indexed):
    resp = qi(ddb, indexed, "byG", "gpk = :g", {":g": S("g2")}, ConsistentRead=False)
    assert resp["Count"] == 1


def test_gsi_follows_put_item(ddb, indexed):
    # Replacing an item moves it to its new index position; dropping an index
    # key drops it from the index.
    ddb.put_item(TableName=indexed, Item={"pk": S("p"), "sk": S("s1"), "gpk": S("g2"),
                                          "gsk": N(7), "a": S("new")})
    ddb.put_item(TableName=indexed, Item={"pk": S("p"), "sk": S("s0"), "b": S("bare")})
    ddb.put_item(TableName=indexed, Item={"pk": S("p"), "sk": S("s9"), "gpk": S("g1"),
                                          "gsk": N(0)})
    g1 = qi(ddb, indexed, "byG", "gpk = :g", {":g": S("g1")})
    assert sks(g1) == [("p", "s3"), ("p", "s9"), ("q", "s0")]
    g2 = qi(ddb, indexed, "byG", "gpk = :g", {":g": S("g2")})
    assert sks(g2) == [("p", "s2"), ("p", "s1")]
    assert g2["Items"][1]["a"] == S("new")


def test_gsi_follows_update_item(ddb, indexed):
    ddb.update_item(TableName=indexed, Key={"pk": S("p"), "sk": S("s4")},
                    UpdateExpression="SET gsk = :v", ExpressionAttributeValues={":v": N(0)})
    ddb.update_item(TableName=indexed, Key={"pk": S("p"), "sk": S("s3")},
                    UpdateExpression="SET gsk = :v", ExpressionAttributeValues={":v": N(10)})
    ddb.update_item(TableName=indexed, Key={"pk": S("q"), "sk": S("s0")},
                    UpdateExpression="REMOVE gpk")
    ddb.update_item(TableName=indexed, Key={"pk": S("p"), "sk": S("s1")},
                    UpdateExpression="SET a = :v", ExpressionAttributeValues={":v": S("changed")})
    ddb.update_item(TableName=indexed, Key={"pk": S("p"), "sk": S("new")},
                    UpdateExpression="SET gpk = :g, gsk = :v",
                    ExpressionAttributeValues={":g": S("g1"), ":v": N(2)})
    resp = qi(ddb, indexed, "byG", "gpk = :g", {":g": S("g1")})
    assert sks(resp) == [("p", "s4"), ("p", "s1"), ("p", "new"), ("p", "s0"), ("p", "s3")]
    assert resp["Items"][1]["a"] == S("changed")


def test_gsi_follows_delete_item(ddb, indexed):
    ddb.delete_item(TableName=indexed, Key={"pk": S("p"), "sk": S("s1")})
    ddb.delete_item(TableName=indexed, Key={"pk": S("p"), "sk": S("s2")})
    assert sks(qi(ddb, indexed, "byG", "gpk = :g", {":g": S("g1")})) == [
        ("p", "s3"), ("q", "s0"), ("p", "s0")]
    assert qi(ddb, indexed, "byG", "gpk = :g", {":g": S("g2")})["Items"] == []


def test_gsi_partition_key_may_repeat_table_attributes(ddb, make_table):
    # An index may be keyed on the table's own sort key.
    table = make_table(range_key=("sk", "S"), GlobalSecondaryIndexes=[
        {"IndexName": "bySk", "KeySchema": ks("sk", "pk"), "Projection": projection("ALL")}])
    load(ddb, table, [{"pk": S(p), "sk": S(s)} for p in ("a", "b", "c") for s in ("x", "y")])
    resp = qi(ddb, table, "bySk", "sk = :s", {":s": S("y")}, ScanIndexForward=False)
    assert sks(resp) == [("c", "y"), ("b", "y"), ("a", "y")]


# --------------------------------------------------------------------------
# Key types of index attributes are checked on writes


def test_put_item_with_wrong_gsi_key_type(ddb, make_table):
    table = make_indexed(make_table, lsi=False)
    bad = {"pk": S("p"), "sk": S("x"), "gpk": N(1), "gsk": N(1)}
    assert_error(ddb.put_item, VE, INVALID + "Type mismatch for Index Key gpk Expected: S "
                 "Actual: N IndexName: byG", TableName=table, Item=bad)
    bad = {"pk": S("p"), "sk": S("x"), "gpk": S("g"), "gsk": S("1")}
    assert_error(ddb.put_item, VE, INVALID + "Type mismatch for Index Key gsk Expected: N "
                 "Actual: S IndexName: byG", TableName=table, Item=bad)
    assert "Item" not in ddb.get_item(TableName=table, Key={"pk": S("p"), "sk": S("x")})


def test_put_item_with_null_gsi_key(ddb, make_table):
    # A sparse index needs the attribute absent; NULL is a wrong type.
    table = make_indexed(make_table, lsi=False)
    assert_error(ddb.put_item, VE, INVALID + "Type mismatch for Index Key gpk Expected: S "
                 "Actual: NULL IndexName: byG", TableName=table,
                 Item={"pk": S("p"), "sk": S("x"), "gpk": {"NULL": True}})


def test_put_item_with_wrong_lsi_key_type(ddb, make_table):
    table = make_indexed(make_table, gsi=False)
    assert_error(ddb.put_item, VE, INVALID + "Type mismatch for Index Key lsk Expected: N "
                 "Actual: S IndexName: byL",  # message unverified for an LSI
                 TableName=table, Item={"pk": S("p"), "sk": S("x"), "lsk": S("1")})


def test_update_item_with_wrong_gsi_key_type(ddb, make_table):
    table = make_indexed(make_table, lsi=False)
    ddb.put_item(TableName=table, Item={"pk": S("p"), "sk": S("x"), "gpk": S("g"), "gsk": N(1)})
    assert_error(ddb.update_item, VE, INVALID + "Type mismatch for Index Key gpk Expected: S "
                 "Actual: N IndexName: byG",  # message unverified for UpdateItem
                 TableName=table, Key={"pk": S("p"), "sk": S("x")},
                 UpdateExpression="SET gpk = :v", ExpressionAttributeValues={":v": N(5)})
    assert ddb.get_item(TableName=table, Key={"pk": S("p"), "sk": S("x")})["Item"]["gpk"] == \
        S("g")


def test_put_item_with_empty_gsi_key(ddb, make_table):
    table = make_indexed(make_table, lsi=False)
    assert_error(ddb.put_item, VE, "One or more parameter values are not valid. A value "
                 "specified for a secondary index key is not supported. The AttributeValue for "
                 "a key attribute cannot contain an empty string value. IndexName: byG, "
                 "IndexKey: gpk",  # message unverified for PutItem (seen on Query)
                 TableName=table, Item={"pk": S("p"), "sk": S("x"), "gpk": S(""), "gsk": N(1)})


def test_non_key_attributes_of_other_types_are_fine(ddb, make_table):
    # Only index key attributes are type-checked; "a" (projected by INCLUDE)
    # can hold anything.
    table = make_indexed(make_table, "INCLUDE")
    ddb.put_item(TableName=table, Item={"pk": S("p"), "sk": S("x"), "gpk": S("g"),
                                        "gsk": N(1), "a": {"L": [N(1)]}})
    resp = qi(ddb, table, "byG", "gpk = :g", {":g": S("g")})
    assert resp["Items"][0]["a"] == {"L": [N(1)]}


# --------------------------------------------------------------------------
# Scan of an index


def test_scan_gsi(ddb, make_table):
    table = make_indexed(make_table, "KEYS_ONLY")
    load(ddb, table)
    resp = ddb.scan(TableName=table, IndexName="byG")
    assert resp["Count"] == resp["ScannedCount"] == 5
    by_key = {(i["pk"]["S"], i["sk"]["S"]): i for i in resp["Items"]}
    assert by_key[("p", "s1")] == project(item("p", "s1"), GSI_KEYS)
    assert all(set(i) == GSI_KEYS for i in resp["Items"])


def test_scan_lsi(ddb, make_table):
    table = make_indexed(make_table, "INCLUDE")
    load(ddb, table)
    resp = ddb.scan(TableName=table, IndexName="byL")
    assert resp["Count"] == 6
    assert sorted(sks(resp)) == [("p", "s0"), ("p", "s1"), ("p", "s2"), ("p", "s4"),
                                 ("p", "s5"), ("q", "s0")]
    assert all(set(i) <= LSI_KEYS | {"a"} and LSI_KEYS <= set(i) for i in resp["Items"])
    # Within a partition the local index is in index sort key order.
    assert [i["sk"]["S"] for i in resp["Items"] if i["pk"] == S("p")] == [
        "s2", "s5", "s1", "s4", "s0"]


def test_scan_index_paging(ddb, indexed):
    seen = []
    params = {}
    while True:
        resp = ddb.scan(TableName=indexed, IndexName="byG", Limit=2, **params)
        seen += sks(resp)
        if "LastEvaluatedKey" not in resp:
            break
        assert set(resp["LastEvaluatedKey"]) == GSI_KEYS
        params = {"ExclusiveStartKey": resp["LastEvaluatedKey"]}
    assert sorted(seen) == [("p", "s0"), ("p", "s1"), ("p", "s2"), ("p", "s3"), ("q", "s0")]


def test_scan_index_with_filter_and_count(ddb, indexed):
    resp = ddb.scan(TableName=indexed, IndexName="byL", FilterExpression="lsk > :x",
                    ExpressionAttributeValues={":x": N(25)})
    assert sorted(sks(resp)) == [("p", "s0"), ("p", "s1"), ("p", "s4")]
    assert resp["ScannedCount"] == 6
    resp = ddb.scan(TableName=indexed, IndexName="byG", Select="COUNT")
    assert resp["Count"] == 5 and "Items" not in resp


def test_parallel_scan_of_an_index(ddb, indexed):
    seen = []
    for s in range(3):
        resp = ddb.scan(TableName=indexed, IndexName="byG", Segment=s, TotalSegments=3)
        seen += sks(resp)
    assert sorted(seen) == [("p", "s0"), ("p", "s1"), ("p", "s2"), ("p", "s3"), ("q", "s0")]


def test_scan_gsi_consistent_read_rejected(ddb, indexed):
    assert_error(ddb.scan, VE, "Consistent reads are not supported on global secondary "
                 "indexes",  # message unverified for Scan
                 TableName=indexed, IndexName="byG", ConsistentRead=True)


def test_scan_lsi_consistent_read(ddb, indexed):
    resp = ddb.scan(TableName=indexed, IndexName="byL", ConsistentRead=True)
    assert resp["Count"] == 6


# --------------------------------------------------------------------------
# Index queries that name the wrong keys


def test_index_query_needs_the_index_partition_key(ddb, indexed):
    assert_error(ddb.query, VE, "Query condition missed key schema element: gpk",
                 TableName=indexed, IndexName="byG", KeyConditionExpression="pk = :p",
                 ExpressionAttributeValues={":p": S("p")})


def test_table_query_on_index_sort_key(ddb, indexed):
    # Without IndexName the condition must be on the table's keys.
    assert_error(ddb.query, VE, "Query condition missed key schema element: sk",
                 TableName=indexed, KeyConditionExpression="pk = :p AND lsk > :x",
                 ExpressionAttributeValues={":p": S("p"), ":x": N(1)})


def test_index_query_filter_on_index_key(ddb, indexed):
    assert_error(ddb.query, VE, "Filter Expression can only contain non-primary key "
                 "attributes: Primary key attribute: gsk",
                 TableName=indexed, IndexName="byG", KeyConditionExpression="gpk = :g",
                 FilterExpression="gsk <> :x",
                 ExpressionAttributeValues={":g": S("g1"), ":x": N(1)})


def test_index_query_with_empty_string_key(ddb, indexed):
    assert_error(ddb.query, VE, "One or more parameter values are not valid. A value specified "
                 "for a secondary index key is not supported. The AttributeValue for a key "
                 "attribute cannot contain an empty string value. IndexName: byG, IndexKey: gpk",
                 TableName=indexed, IndexName="byG", KeyConditionExpression="gpk = :g",
                 ExpressionAttributeValues={":g": S("")})


def test_index_query_with_malformed_start_key(ddb, indexed):
    # A start key without the index keys is not a position in the index.
    assert_error(ddb.query, VE, TableName=indexed, IndexName="byG",
                 KeyConditionExpression="gpk = :g", ExpressionAttributeValues={":g": S("g1")},
                 ExclusiveStartKey={"pk": S("p"), "sk": S("s1")},
                 prefix="The provided starting key is invalid")


# --------------------------------------------------------------------------
# DescribeTable


def test_describe_table_index_counters(ddb, indexed):
    desc = ddb.describe_table(TableName=indexed)["Table"]
    for idx in desc["LocalSecondaryIndexes"] + desc["GlobalSecondaryIndexes"]:
        # The service refreshes these about every six hours; only their
        # presence and sanity are asserted.
        assert isinstance(idx["ItemCount"], int) and idx["ItemCount"] >= 0
        assert isinstance(idx["IndexSizeBytes"], int) and idx["IndexSizeBytes"] >= 0
    assert desc["GlobalSecondaryIndexes"][0]["IndexStatus"] == "ACTIVE"
    assert isinstance(desc["ItemCount"], int)


# Index key values are bounded like table keys: a GSI partition key at 2048
# bytes, LSI and GSI sort keys at 1024 (the texts of table keys; unverified
# for index keys).
HASH_TOO_BIG = INVALID + "Size of hashkey has exceeded the maximum size limit of2048 bytes"
RANGE_TOO_BIG = (INVALID + "Aggregated size of all range keys has exceeded the size limit of "
                 "1024 bytes")


def test_index_key_sizes_on_writes(ddb, make_table):
    table = make_table(range_key=("sk", "S"),
                       extra_attributes=[("l", "B"), ("g", "S"), ("h", "S")],
                       LocalSecondaryIndexes=[{"IndexName": "byL", "KeySchema": ks("pk", "l"),
                                               "Projection": projection("KEYS_ONLY")}],
                       GlobalSecondaryIndexes=[{"IndexName": "byG", "KeySchema": ks("g", "h"),
                                                "Projection": projection("ALL")}])
    base = {"pk": S("p"), "sk": S("s")}
    ddb.put_item(TableName=table, Item=dict(base, l={"B": b"\xff" * 1024}, g=S("g" * 2048),
                                            h=S("h" * 1024)))
    for extra, message in [({"l": {"B": b"\xff" * 1025}}, RANGE_TOO_BIG),
                           ({"g": S("g" * 2049)}, HASH_TOO_BIG),
                           ({"g": S("g"), "h": S("\u00e9" * 512 + "x")}, RANGE_TOO_BIG)]:
        assert_error(ddb.put_item, VE, message, TableName=table, Item=dict(base, **extra))
    got = ddb.get_item(TableName=table, Key=base, ConsistentRead=True)["Item"]
    assert got["g"] == S("g" * 2048) and got["l"] == {"B": b"\xff" * 1024}
    resp = ddb.query(TableName=table, IndexName="byL", KeyConditionExpression="pk = :p AND l = :l",
                     ExpressionAttributeValues={":p": S("p"), ":l": {"B": b"\xff" * 1024}})
    assert resp["Items"] == [{"pk": S("p"), "sk": S("s"), "l": {"B": b"\xff" * 1024}}]
