"""Global secondary indexes with multi-attribute keys: up to four HASH and
four RANGE attributes per GSI key, in CreateTable and UpdateTable (with
backfill), echoed as given; sparse membership and per-attribute checks on
writes; Query with equality on every partition attribute and conditions on
sort attributes left to right; paging keys with every attribute."""

import itertools
import time
from decimal import Decimal

import pytest

from conftest import assert_error, make_client, unique_name, wait_active
from ddbvalues import B, N, S

INVALID = "One or more parameter values were invalid: "


def ks(*elements):
    """KeySchema from "name:HASH" / "name:RANGE" texts."""
    return [{"AttributeName": e.split(":")[0], "KeyType": e.split(":")[1]} for e in elements]


def defs(**types):
    return [{"AttributeName": n, "AttributeType": t} for n, t in types.items()]


def gsi(name, *elements, projection="ALL"):
    return {"IndexName": name, "KeySchema": ks(*elements),
            "Projection": {"ProjectionType": projection}}


def create(ddb, make_table, attrs, *indexes, name=None, wait=True):
    name = name or unique_name("mk")
    make_table.track(name)
    resp = ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                            AttributeDefinitions=defs(pk="S", **attrs),
                            KeySchema=ks("pk:HASH"), GlobalSecondaryIndexes=list(indexes))
    if wait:
        wait_active(ddb, name)
    return name, resp["TableDescription"]


# --------------------------------------------------------------------------
# Creation and descriptions

def test_create_echoes_key_schema_in_order(ddb, make_table):
    index = gsi("byMatch", "tournament:HASH", "region:HASH", "round:RANGE", "bracket:RANGE",
                "matchId:RANGE")
    name, created = create(ddb, make_table, dict(tournament="S", region="S", round="N",
                                                 bracket="S", matchId="B"), index)
    assert created["GlobalSecondaryIndexes"][0]["KeySchema"] == index["KeySchema"]
    desc = ddb.describe_table(TableName=name)["Table"]
    assert desc["GlobalSecondaryIndexes"][0]["KeySchema"] == index["KeySchema"]
    assert desc["GlobalSecondaryIndexes"][0]["IndexStatus"] == "ACTIVE"


@pytest.mark.parametrize("elements", [
    ("a:HASH", "b:HASH"),
    ("a:HASH", "b:RANGE", "c:RANGE"),
    ("a:HASH", "b:RANGE", "c:RANGE", "d:RANGE", "e:RANGE"),
    ("a:HASH", "b:HASH", "c:HASH", "d:HASH", "e:RANGE", "f:RANGE", "g:RANGE", "h:RANGE"),
])
def test_shapes_accepted(ddb, make_table, elements):
    names = [e.split(":")[0] for e in elements]
    name, created = create(ddb, make_table, {n: "S" for n in names}, gsi("gix", *elements))
    assert created["GlobalSecondaryIndexes"][0]["KeySchema"] == ks(*elements)


def test_attribute_hash_in_one_index_range_in_another(ddb, make_table):
    name, created = create(ddb, make_table, dict(a="S", b="N"),
                           gsi("gi1", "a:HASH", "b:HASH"), gsi("gi2", "b:HASH", "pk:RANGE", "a:RANGE"))
    schemas = {g["IndexName"]: g["KeySchema"] for g in created["GlobalSecondaryIndexes"]}
    assert schemas == {"gi1": ks("a:HASH", "b:HASH"), "gi2": ks("b:HASH", "pk:RANGE", "a:RANGE")}


def test_definition_survives_restart(spawn_server):
    srv = spawn_server()
    c = make_client(srv.endpoint)
    index = gsi("gix", "a:HASH", "b:HASH", "c:RANGE", "d:RANGE")
    c.create_table(TableName="tmk", BillingMode="PAY_PER_REQUEST",
                   AttributeDefinitions=defs(pk="S", a="S", b="N", c="N", d="B"),
                   KeySchema=ks("pk:HASH"), GlobalSecondaryIndexes=[index])
    c.put_item(TableName="tmk", Item={"pk": S("1"), "a": S("x"), "b": N(1), "c": N(2),
                                    "d": B(b"z")})
    srv.stop()
    srv2 = spawn_server(data_dir=srv.data_dir)
    c2 = make_client(srv2.endpoint)
    desc = c2.describe_table(TableName="tmk")["Table"]
    assert desc["GlobalSecondaryIndexes"][0]["KeySchema"] == index["KeySchema"]
    got = c2.query(TableName="tmk", IndexName="gix",
                   KeyConditionExpression="a = :a AND b = :b AND c = :c",
                   ExpressionAttributeValues={":a": S("x"), ":b": N(1), ":c": N(2)})
    assert [i["pk"] for i in got["Items"]] == [S("1")]


# --------------------------------------------------------------------------
# Validation of definitions

ABCDEFGHIJ = {n: "S" for n in "abcdefghij"}


@pytest.mark.parametrize("elements,message", [
    (("a:HASH", "b:HASH", "c:HASH", "d:HASH", "e:HASH"),
     INVALID + "The KeySchema exceeds the maximum allowed number of HASH key attributes"),
    (("a:HASH", "b:RANGE", "c:RANGE", "d:RANGE", "e:RANGE", "f:RANGE"),
     INVALID + "The KeySchema exceeds the maximum allowed number of RANGE key attributes"),
    (("a:HASH", "b:RANGE", "c:HASH"),
     INVALID + "All HASH key attributes must precede RANGE key attributes in the KeySchema"),
    (("a:HASH", "b:HASH", "c:RANGE", "d:HASH", "e:RANGE"),
     INVALID + "All HASH key attributes must precede RANGE key attributes in the KeySchema"),
    (("a:HASH", "a:HASH"), "The KeySchema contains multiple key attributes with the same name"),
    (("a:HASH", "b:RANGE", "a:RANGE"),
     "The KeySchema contains multiple key attributes with the same name"),
    (("b:RANGE", "a:HASH", "c:HASH"),
     "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"),
])
def test_invalid_gsi_key_schemas(ddb, elements, message):
    names = sorted({e.split(":")[0] for e in elements})
    name = unique_name("bad")
    assert_error(ddb.create_table, "ValidationException", message,
                 TableName=name, BillingMode="PAY_PER_REQUEST",
                 AttributeDefinitions=defs(pk="S", **{n: "S" for n in names}),
                 KeySchema=ks("pk:HASH"), GlobalSecondaryIndexes=[gsi("gix", *elements)])
    assert name not in ddb.list_tables()["TableNames"]


def test_component_not_defined(ddb):
    assert_error(ddb.create_table, "ValidationException",
                 INVALID + "Some index key attributes are not defined in AttributeDefinitions. "
                 "Keys: [a, b, c], AttributeDefinitions: [pk, a, c]",
                 TableName=unique_name("bad"), BillingMode="PAY_PER_REQUEST",
                 AttributeDefinitions=defs(pk="S", a="S", c="N"), KeySchema=ks("pk:HASH"),
                 GlobalSecondaryIndexes=[gsi("gix", "a:HASH", "b:HASH", "c:RANGE")])


def test_definition_not_used(ddb):
    assert_error(ddb.create_table, "ValidationException",
                 INVALID + "Some AttributeDefinitions are not used. AttributeDefinitions: "
                 "[pk, a, b, x], keys used: [pk, a, b]",
                 TableName=unique_name("bad"), BillingMode="PAY_PER_REQUEST",
                 AttributeDefinitions=defs(pk="S", a="S", b="N", x="S"), KeySchema=ks("pk:HASH"),
                 GlobalSecondaryIndexes=[gsi("gix", "a:HASH", "b:HASH")])


def three_elements(member):
    return ("1 validation error detected: Value '[KeySchemaElement(AttributeName=pk, "
            "KeyType=HASH), KeySchemaElement(AttributeName=a, KeyType=HASH), "
            "KeySchemaElement(AttributeName=b, KeyType=RANGE)]' at '%s' failed to satisfy "
            "constraint: Member must have length less than or equal to 2" % member)


def test_table_key_keeps_two_elements(ddb):
    assert_error(ddb.create_table, "ValidationException", three_elements("keySchema"),
                 TableName=unique_name("bad"), BillingMode="PAY_PER_REQUEST",
                 AttributeDefinitions=defs(pk="S", a="S", b="S"),
                 KeySchema=ks("pk:HASH", "a:HASH", "b:RANGE"))


def test_lsi_key_keeps_two_elements(ddb):
    assert_error(ddb.create_table, "ValidationException",
                 three_elements("localSecondaryIndexes.1.member.keySchema"),
                 TableName=unique_name("bad"), BillingMode="PAY_PER_REQUEST",
                 AttributeDefinitions=defs(pk="S", sk="S", a="S", b="S"),
                 KeySchema=ks("pk:HASH", "sk:RANGE"),
                 LocalSecondaryIndexes=[gsi("lix", "pk:HASH", "a:HASH", "b:RANGE")])


def test_update_table_create_validated_the_same(ddb, make_table):
    name = make_table()
    assert_error(ddb.update_table, "ValidationException",
                 INVALID + "The KeySchema exceeds the maximum allowed number of RANGE key attributes",
                 TableName=name, AttributeDefinitions=defs(**ABCDEFGHIJ),
                 GlobalSecondaryIndexUpdates=[{"Create": gsi(
                     "gix", "a:HASH", "b:RANGE", "c:RANGE", "d:RANGE", "e:RANGE", "f:RANGE")}])
    assert_error(ddb.update_table, "ValidationException",
                 INVALID + "All HASH key attributes must precede RANGE key attributes in the "
                 "KeySchema",
                 TableName=name, AttributeDefinitions=defs(a="S", b="S", c="S"),
                 GlobalSecondaryIndexUpdates=[{"Create": gsi("gix", "a:HASH", "b:RANGE", "c:HASH")}])
    assert "GlobalSecondaryIndexes" not in ddb.describe_table(TableName=name)["Table"]


# --------------------------------------------------------------------------
# Membership under writes

H2R2 = gsi("gix", "h1:HASH", "h2:HASH", "r1:RANGE", "r2:RANGE")
H2R2_TYPES = dict(h1="S", h2="N", r1="N", r2="S")


@pytest.fixture
def h2r2(ddb, make_table):
    return create(ddb, make_table, H2R2_TYPES, H2R2)[0]


def full(pk, h1="a", h2=1, r1=1, r2="x", **more):
    item = {"pk": S(pk), "h1": S(h1), "h2": N(h2), "r1": N(r1), "r2": S(r2)}
    item.update(more)
    return item


def index_keys(ddb, table, index="gix"):
    """pk of every item in the index (Scan of the index)."""
    items = ddb.scan(TableName=table, IndexName=index)["Items"]
    return sorted(i["pk"]["S"] for i in items)


def test_sparse_membership_on_put(ddb, h2r2):
    ddb.put_item(TableName=h2r2, Item=full("all"))
    for missing in ("h1", "h2", "r1", "r2"):
        item = full("no-" + missing)
        del item[missing]
        ddb.put_item(TableName=h2r2, Item=item)
    assert index_keys(ddb, h2r2) == ["all"]
    count = ddb.describe_table(TableName=h2r2)["Table"]["GlobalSecondaryIndexes"][0]["ItemCount"]
    assert count == 1


def test_update_removes_moves_and_restores_entry(ddb, h2r2):
    ddb.put_item(TableName=h2r2, Item=full("k", r1=5))
    q = dict(TableName=h2r2, IndexName="gix", KeyConditionExpression="h1 = :a AND h2 = :b",
             ExpressionAttributeValues={":a": S("a"), ":b": N(1)})
    assert [i["r1"] for i in ddb.query(**q)["Items"]] == [N(5)]
    ddb.update_item(TableName=h2r2, Key={"pk": S("k")}, UpdateExpression="REMOVE r2")
    assert ddb.query(**q)["Items"] == []
    ddb.update_item(TableName=h2r2, Key={"pk": S("k")}, UpdateExpression="SET r2 = :v, r1 = :r",
                    ExpressionAttributeValues={":v": S("y"), ":r": N(7)})
    assert [(i["r1"], i["r2"]) for i in ddb.query(**q)["Items"]] == [(N(7), S("y"))]
    ddb.update_item(TableName=h2r2, Key={"pk": S("k")}, UpdateExpression="SET h2 = :v",
                    ExpressionAttributeValues={":v": N(2)})
    assert ddb.query(**q)["Items"] == []
    q["ExpressionAttributeValues"][":b"] = N(2)
    assert [i["pk"] for i in ddb.query(**q)["Items"]] == [S("k")]
    ddb.delete_item(TableName=h2r2, Key={"pk": S("k")})
    assert ddb.query(**q)["Items"] == []
    assert index_keys(ddb, h2r2) == []


@pytest.mark.parametrize("attr,value,expected,actual", [
    ("h2", S("1"), "N", "S"), ("r2", N(3), "S", "N"), ("h1", B(b"x"), "S", "B")])
def test_component_type_mismatch(ddb, h2r2, attr, value, expected, actual):
    item = full("k")
    item[attr] = value
    message = (INVALID + "Type mismatch for Index Key %s Expected: %s Actual: %s IndexName: gix"
               % (attr, expected, actual))
    assert_error(ddb.put_item, "ValidationException", message, TableName=h2r2, Item=item)
    ddb.put_item(TableName=h2r2, Item=full("k"))
    assert_error(ddb.update_item, "ValidationException", message, TableName=h2r2,
                 Key={"pk": S("k")}, UpdateExpression="SET #a = :v",
                 ExpressionAttributeNames={"#a": attr}, ExpressionAttributeValues={":v": value})


@pytest.mark.parametrize("attr", ["h1", "r2"])
def test_component_empty_string(ddb, h2r2, attr):
    item = full("k")
    item[attr] = S("")
    assert_error(ddb.put_item, "ValidationException",
                 "One or more parameter values are not valid. A value specified for a secondary "
                 "index key is not supported. The AttributeValue for a key attribute cannot "
                 "contain an empty string value. IndexName: gix, IndexKey: %s" % attr,
                 TableName=h2r2, Item=item)
    assert ddb.scan(TableName=h2r2)["Items"] == []


def test_batch_write_rejected_whole(ddb, h2r2):
    bad = full("bad")
    bad["r1"] = S("one")
    assert_error(ddb.batch_write_item, "ValidationException",
                 INVALID + "Type mismatch for Index Key r1 Expected: N Actual: S IndexName: gix",
                 RequestItems={h2r2: [{"PutRequest": {"Item": full("good")}},
                                      {"PutRequest": {"Item": bad}}]})
    assert ddb.scan(TableName=h2r2)["Items"] == []
    ddb.batch_write_item(RequestItems={h2r2: [{"PutRequest": {"Item": full("p%d" % i, r1=i)}}
                                              for i in range(5)]})
    ddb.batch_write_item(RequestItems={h2r2: [{"DeleteRequest": {"Key": {"pk": S("p1")}}}]})
    assert index_keys(ddb, h2r2) == ["p0", "p2", "p3", "p4"]


def test_transactions_maintain_membership(ddb, h2r2):
    ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": h2r2, "Item": full("t1")}},
        {"Put": {"TableName": h2r2, "Item": full("t2", r1=2)}}])
    assert index_keys(ddb, h2r2) == ["t1", "t2"]
    ddb.transact_write_items(TransactItems=[
        {"Update": {"TableName": h2r2, "Key": {"pk": S("t1")}, "UpdateExpression": "REMOVE h1"}},
        {"Delete": {"TableName": h2r2, "Key": {"pk": S("t2")}}},
        {"Put": {"TableName": h2r2, "Item": full("t3", r1=3)}}])
    assert index_keys(ddb, h2r2) == ["t3"]
    bad = full("t4")
    bad["h2"] = S("x")
    code = assert_error(ddb.transact_write_items, "ValidationException",
                        INVALID + "Type mismatch for Index Key h2 Expected: N Actual: S "
                        "IndexName: gix",
                        TransactItems=[{"Put": {"TableName": h2r2, "Item": full("t5")}},
                                       {"Put": {"TableName": h2r2, "Item": bad}}])
    assert code
    assert index_keys(ddb, h2r2) == ["t3"]


# --------------------------------------------------------------------------
# Backfill of a multi-attribute index added by UpdateTable

def test_backfill_via_update_table(ddb, make_table):
    name = make_table()
    for i in range(300):
        item = {"pk": S("k%d" % i), "a": S("g%d" % (i % 3)), "b": N(i % 2), "c": N(i)}
        if i % 5 == 0:
            del item["b"]  # not in the index
        ddb.put_item(TableName=name, Item=item)
    index = gsi("gix", "a:HASH", "b:HASH", "c:RANGE")
    resp = ddb.update_table(TableName=name, AttributeDefinitions=defs(a="S", b="N", c="N"),
                            GlobalSecondaryIndexUpdates=[{"Create": index}])
    assert resp["TableDescription"]["GlobalSecondaryIndexes"][0]["KeySchema"] == index["KeySchema"]
    deadline = time.monotonic() + 30
    while ddb.describe_table(TableName=name)["Table"]["GlobalSecondaryIndexes"][0][
            "IndexStatus"] != "ACTIVE":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    for a, b in itertools.product(range(3), range(2)):
        got = ddb.query(TableName=name, IndexName="gix",
                        KeyConditionExpression="b = :b AND a = :a AND c >= :c",
                        ExpressionAttributeValues={":a": S("g%d" % a), ":b": N(b), ":c": N(100)})
        want = [i for i in range(100, 300) if i % 3 == a and i % 2 == b and i % 5 != 0]
        assert [int(x["c"]["N"]) for x in got["Items"]] == want


# --------------------------------------------------------------------------
# Query shapes.  Index: HASH (t S, reg S), RANGE (rnd N, br S, m N); the
# numbers include negatives, fractions and values whose text order is not
# their numeric order.

ROUNDS = [-1, 2, 9.5, 10, 100]
BRACKETS = ["a", "ab", "b", "upper"]
MATCHES = [3, 20, 100]
Q_INDEX = gsi("qix", "t:HASH", "reg:HASH", "rnd:RANGE", "br:RANGE", "m:RANGE")


@pytest.fixture(scope="module")
def qtable(ddb, module_tables):
    name = unique_name("mq")
    module_tables.track(name)
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=defs(pk="S", t="S", reg="S", rnd="N", br="S", m="N"),
                     KeySchema=ks("pk:HASH"), GlobalSecondaryIndexes=[Q_INDEX])
    wait_active(ddb, name)
    n = 0
    for t, reg in (("T1", "eu"), ("T1", "us"), ("T2", "eu")):
        for rnd, br, m in itertools.product(ROUNDS, BRACKETS, MATCHES):
            ddb.put_item(TableName=name, Item={"pk": S("p%04d" % n), "t": S(t), "reg": S(reg),
                                               "rnd": N(rnd), "br": S(br), "m": N(m)})
            n += 1
    return name


def expected(pred, t="T1", reg="eu", reverse=False):
    rows = [(Decimal(str(r)), b, Decimal(m)) for r, b, m in
            itertools.product(ROUNDS, BRACKETS, MATCHES) if pred(Decimal(str(r)), b, m)]
    rows.sort(reverse=reverse)
    return rows


def run_query(ddb, table, cond, values, forward=True, **extra):
    values = dict(values)
    values.setdefault(":t", S("T1"))
    values.setdefault(":reg", S("eu"))
    items, start = [], None
    for _ in range(200):
        kwargs = dict(TableName=table, IndexName="qix", ScanIndexForward=forward,
                      KeyConditionExpression="t = :t AND reg = :reg" + (" AND " + cond if cond
                                                                        else ""),
                      ExpressionAttributeValues=values, **extra)
        if start:
            kwargs["ExclusiveStartKey"] = start
        page = ddb.query(**kwargs)
        items += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    return [(Decimal(i["rnd"]["N"]), i["br"]["S"], Decimal(i["m"]["N"])) for i in items]


QUERIES = [
    ("", {}, lambda r, b, m: True),
    ("rnd = :r", {":r": N(10)}, lambda r, b, m: r == 10),
    ("rnd = :r AND br = :b", {":r": N(9.5), ":b": S("ab")}, lambda r, b, m: r == 9.5 and b == "ab"),
    ("rnd = :r AND br = :b AND m = :m", {":r": N(2), ":b": S("b"), ":m": N(20)},
     lambda r, b, m: (r, b, m) == (2, "b", 20)),
    ("rnd < :r", {":r": N(10)}, lambda r, b, m: r < 10),
    ("rnd <= :r", {":r": N(10)}, lambda r, b, m: r <= 10),
    ("rnd > :r", {":r": N(2)}, lambda r, b, m: r > 2),
    ("rnd >= :r", {":r": N(2)}, lambda r, b, m: r >= 2),
    ("rnd BETWEEN :r AND :s", {":r": N(0), ":s": N(10)}, lambda r, b, m: 0 <= r <= 10),
    ("rnd = :r AND br < :b", {":r": N(10), ":b": S("b")}, lambda r, b, m: r == 10 and b < "b"),
    ("rnd = :r AND br <= :b", {":r": N(10), ":b": S("ab")}, lambda r, b, m: r == 10 and b <= "ab"),
    ("rnd = :r AND br > :b", {":r": N(10), ":b": S("a")}, lambda r, b, m: r == 10 and b > "a"),
    ("rnd = :r AND br >= :b", {":r": N(10), ":b": S("ab")}, lambda r, b, m: r == 10 and b >= "ab"),
    ("rnd = :r AND br BETWEEN :b AND :c", {":r": N(-1), ":b": S("ab"), ":c": S("b")},
     lambda r, b, m: r == -1 and "ab" <= b <= "b"),
    ("rnd = :r AND begins_with(br, :b)", {":r": N(100), ":b": S("a")},
     lambda r, b, m: r == 100 and b.startswith("a")),
    ("rnd = :r AND br = :b AND m < :m", {":r": N(2), ":b": S("a"), ":m": N(100)},
     lambda r, b, m: r == 2 and b == "a" and m < 100),
    ("rnd = :r AND br = :b AND m <= :m", {":r": N(2), ":b": S("a"), ":m": N(20)},
     lambda r, b, m: r == 2 and b == "a" and m <= 20),
    ("rnd = :r AND br = :b AND m > :m", {":r": N(2), ":b": S("a"), ":m": N(3)},
     lambda r, b, m: r == 2 and b == "a" and m > 3),
    ("rnd = :r AND br = :b AND m >= :m", {":r": N(2), ":b": S("a"), ":m": N(20)},
     lambda r, b, m: r == 2 and b == "a" and m >= 20),
    ("rnd = :r AND br = :b AND m BETWEEN :m AND :n", {":r": N(2), ":b": S("a"), ":m": N(4),
                                                      ":n": N(100)},
     lambda r, b, m: r == 2 and b == "a" and 4 <= m <= 100),
    # clauses in any order
    ("m = :m AND br = :b AND rnd = :r", {":r": N(9.5), ":b": S("upper"), ":m": N(3)},
     lambda r, b, m: (r, b, m) == (9.5, "upper", 3)),
    # nothing matches
    ("rnd = :r", {":r": N(7)}, lambda r, b, m: False),
    ("rnd > :r", {":r": N(100)}, lambda r, b, m: False),
]


@pytest.mark.parametrize("cond,values,pred", QUERIES, ids=[q[0] or "hash only" for q in QUERIES])
@pytest.mark.parametrize("forward", [True, False], ids=["forward", "reverse"])
def test_query_shapes(ddb, qtable, cond, values, pred, forward):
    assert run_query(ddb, qtable, cond, values, forward) == expected(pred, reverse=not forward)


@pytest.mark.parametrize("cond,values,pred", [QUERIES[0], QUERIES[4], QUERIES[9], QUERIES[14]],
                         ids=["all", "rnd <", "br <", "begins_with"])
@pytest.mark.parametrize("forward", [True, False], ids=["forward", "reverse"])
@pytest.mark.parametrize("limit", [1, 4, 7])
def test_query_paging(ddb, qtable, cond, values, pred, forward, limit):
    assert (run_query(ddb, qtable, cond, values, forward, Limit=limit)
            == expected(pred, reverse=not forward))


def test_partitions_are_separate(ddb, qtable):
    for t, reg in (("T1", "us"), ("T2", "eu")):
        got = run_query(ddb, qtable, "rnd = :r", {":t": S(t), ":reg": S(reg), ":r": N(2)})
        assert got == expected(lambda r, b, m: r == 2)
    assert run_query(ddb, qtable, "", {":t": S("T2"), ":reg": S("us")}) == []


def test_last_evaluated_key_carries_every_component(ddb, qtable):
    page = ddb.query(TableName=qtable, IndexName="qix", Limit=2,
                     KeyConditionExpression="t = :t AND reg = :reg",
                     ExpressionAttributeValues={":t": S("T1"), ":reg": S("eu")})
    last = page["LastEvaluatedKey"]
    assert sorted(last) == ["br", "m", "pk", "reg", "rnd", "t"]
    assert page["Items"][-1] == {**page["Items"][-1], **last}


@pytest.mark.parametrize("change", ["drop", "extra", "type"])
def test_exclusive_start_key_must_hold_every_component(ddb, qtable, change):
    page = ddb.query(TableName=qtable, IndexName="qix", Limit=2,
                     KeyConditionExpression="t = :t AND reg = :reg",
                     ExpressionAttributeValues={":t": S("T1"), ":reg": S("eu")})
    start = dict(page["LastEvaluatedKey"])
    if change == "drop":
        del start["br"]
    elif change == "extra":
        start["other"] = S("x")
    else:
        start["m"] = S("3")
    assert_error(ddb.query, "ValidationException",
                 "The provided starting key is invalid: The provided key element does not match "
                 "the schema",
                 TableName=qtable, IndexName="qix", Limit=2, ExclusiveStartKey=start,
                 KeyConditionExpression="t = :t AND reg = :reg",
                 ExpressionAttributeValues={":t": S("T1"), ":reg": S("eu")})


def test_legacy_key_conditions(ddb, qtable):
    """KeyConditions name the partition attributes as the expression does
    (ddbd still limits KeyConditions to two entries, as for other keys)."""
    got = ddb.query(TableName=qtable, IndexName="qix", KeyConditions={
        "t": {"ComparisonOperator": "EQ", "AttributeValueList": [S("T1")]},
        "reg": {"ComparisonOperator": "EQ", "AttributeValueList": [S("eu")]}})
    assert ([(Decimal(i["rnd"]["N"]), i["br"]["S"], Decimal(i["m"]["N"])) for i in got["Items"]]
            == expected(lambda r, b, m: True))
    assert_error(ddb.query, "ValidationException", "Query key condition not supported",
                 TableName=qtable, IndexName="qix", KeyConditions={
                     "t": {"ComparisonOperator": "EQ", "AttributeValueList": [S("T1")]},
                     "reg": {"ComparisonOperator": "GT", "AttributeValueList": [S("eu")]}})


def test_filter_on_non_key_and_table_key(ddb, qtable):
    got = ddb.query(TableName=qtable, IndexName="qix",
                    KeyConditionExpression="t = :t AND reg = :reg AND rnd = :r",
                    FilterExpression="pk <> :p",
                    ExpressionAttributeValues={":t": S("T1"), ":reg": S("eu"), ":r": N(2),
                                               ":p": S("none")})
    assert got["Count"] == len(BRACKETS) * len(MATCHES)


RANGE_PREFIX = ("RANGE key attributes %s must have equality conditions specified in the query "
                "because a condition is present on key attribute %s")


@pytest.mark.parametrize("cond,values,message", [
    # a partition attribute without a condition (message unverified)
    ("t = :t", {":t": S("T1")}, "Query condition missed key schema element: reg"),
    ("reg = :reg AND rnd = :r", {":reg": S("eu"), ":r": N(1)},
     "Query condition missed key schema element: t"),
    # a partition attribute with another operator than equality (message unverified)
    ("t = :t AND reg > :reg", {":t": S("T1"), ":reg": S("eu")}, "Query key condition not supported"),
    ("t = :t AND begins_with(reg, :reg)", {":t": S("T1"), ":reg": S("e")},
     "Query key condition not supported"),
    # sort attributes: a gap, a skipped first one, a range before another
    ("t = :t AND reg = :reg AND rnd = :r AND m = :m", {":t": S("T1"), ":reg": S("eu"),
                                                        ":r": N(1), ":m": N(1)},
     RANGE_PREFIX % ("br", "m")),
    ("t = :t AND reg = :reg AND br = :b", {":t": S("T1"), ":reg": S("eu"), ":b": S("a")},
     RANGE_PREFIX % ("rnd", "br")),
    ("t = :t AND reg = :reg AND rnd > :r AND br = :b", {":t": S("T1"), ":reg": S("eu"),
                                                         ":r": N(1), ":b": S("a")},
     RANGE_PREFIX % ("rnd", "br")),
    ("t = :t AND reg = :reg AND rnd = :r AND br > :b AND m = :m",
     {":t": S("T1"), ":reg": S("eu"), ":r": N(1), ":b": S("a"), ":m": N(1)},
     RANGE_PREFIX % ("br", "m")),
    # a non-key attribute
    ("t = :t AND reg = :reg AND pk = :p", {":t": S("T1"), ":reg": S("eu"), ":p": S("x")},
     "Query key condition not supported"),
    # types
    ("t = :t AND reg = :reg AND rnd = :r", {":t": S("T1"), ":reg": S("eu"), ":r": S("1")},
     INVALID + "Condition parameter type does not match schema type"),
    ("t = :t AND reg = :reg", {":t": S("T1"), ":reg": N(1)},
     INVALID + "Condition parameter type does not match schema type"),
    ("t = :t AND reg = :reg AND begins_with(rnd, :r)", {":t": S("T1"), ":reg": S("eu"),
                                                        ":r": N(1)},
     "Invalid KeyConditionExpression: Incorrect operand type for operator or function; "
     "operator or function: begins_with, operand type: N"),
    ("t = :t AND reg = :reg AND rnd = :r AND br BETWEEN :b AND :c",
     {":t": S("T1"), ":reg": S("eu"), ":r": N(1), ":b": S("z"), ":c": S("a")},
     "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater "
     "than or equal to lower bound; lower bound operand: AttributeValue: {S:z}, upper bound "
     "operand: AttributeValue: {S:a}"),
    ("t = :t AND reg = :reg AND rnd = :r AND rnd = :s",
     {":t": S("T1"), ":reg": S("eu"), ":r": N(1), ":s": N(2)},
     "KeyConditionExpressions must only contain one condition per key"),
    # empty values
    ("t = :t AND reg = :reg", {":t": S("T1"), ":reg": S("")},
     "One or more parameter values are not valid. A value specified for a secondary index key "
     "is not supported. The AttributeValue for a key attribute cannot contain an empty string "
     "value. IndexName: qix, IndexKey: reg"),
])
def test_query_condition_errors(ddb, qtable, cond, values, message):
    assert_error(ddb.query, "ValidationException", message, TableName=qtable, IndexName="qix",
                 KeyConditionExpression=cond, ExpressionAttributeValues=values)


@pytest.mark.parametrize("attr", ["reg", "m", "br"])
def test_filter_on_any_component_refused(ddb, qtable, attr):
    assert_error(ddb.query, "ValidationException",
                 "Filter Expression can only contain non-primary key attributes: Primary key "
                 "attribute: %s" % attr,
                 TableName=qtable, IndexName="qix",
                 KeyConditionExpression="t = :t AND reg = :reg",
                 FilterExpression="#a = :v", ExpressionAttributeNames={"#a": attr},
                 ExpressionAttributeValues={":t": S("T1"), ":reg": S("eu"), ":v": S("x")})


def test_consistent_read_refused(ddb, qtable):
    assert_error(ddb.query, "ValidationException",
                 "Consistent reads are not supported on global secondary indexes",
                 TableName=qtable, IndexName="qix", ConsistentRead=True,
                 KeyConditionExpression="t = :t AND reg = :reg",
                 ExpressionAttributeValues={":t": S("T1"), ":reg": S("eu")})


# --------------------------------------------------------------------------
# Mixed component types, binary components, numbers in numeric order

def test_mixed_types_and_numeric_order(ddb, make_table):
    index = gsi("gix", "n:HASH", "b:HASH", "x:RANGE", "s:RANGE")
    name, _ = create(ddb, make_table, dict(n="N", b="B", x="N", s="B"), index)
    xs = ["-10", "-2.5", "0", "1e-5", "3", "20", "100", "1E+3"]
    for i, x in enumerate(xs):
        for s in (b"\x00", b"\x00\x01", b"\x01", b"\xff"):
            ddb.put_item(TableName=name, Item={"pk": S("%d-%s" % (i, s.hex())), "n": N(7),
                                               "b": B(b"\x00k"), "x": N(x), "s": B(s)})
    ddb.put_item(TableName=name, Item={"pk": S("other"), "n": N(7), "b": B(b"\x00"), "x": N(1),
                                       "s": B(b"a")})
    got = ddb.query(TableName=name, IndexName="gix", KeyConditionExpression="n = :n AND b = :b",
                    ExpressionAttributeValues={":n": N("7.0"), ":b": B(b"\x00k")})["Items"]
    order = [(Decimal(i["x"]["N"]), bytes(i["s"]["B"])) for i in got]
    assert order == sorted(order)
    assert len(order) == len(xs) * 4
    got = ddb.query(TableName=name, IndexName="gix",
                    KeyConditionExpression="n = :n AND b = :b AND x = :x AND begins_with(s, :s)",
                    ExpressionAttributeValues={":n": N(7), ":b": B(b"\x00k"), ":x": N("3.0"),
                                               ":s": B(b"\x00")})["Items"]
    assert [bytes(i["s"]["B"]) for i in got] == [b"\x00", b"\x00\x01"]


# --------------------------------------------------------------------------
# Scan of the index, backups

def test_scan_index_pages(ddb, qtable):
    seen, start = [], None
    for _ in range(100):
        kwargs = dict(TableName=qtable, IndexName="qix", Limit=7)
        if start:
            kwargs["ExclusiveStartKey"] = start
        page = ddb.scan(**kwargs)
        seen += [i["pk"]["S"] for i in page["Items"]]
        start = page.get("LastEvaluatedKey")
        if not start:
            break
        assert sorted(start) == ["br", "m", "pk", "reg", "rnd", "t"]
    assert len(seen) == len(set(seen)) == 3 * len(ROUNDS) * len(BRACKETS) * len(MATCHES)


def test_backup_and_restore_keep_the_key_schema(spawn_server):
    srv = spawn_server()
    c = make_client(srv.endpoint)
    index = gsi("gix", "a:HASH", "b:HASH", "c:RANGE", "d:RANGE")
    c.create_table(TableName="src", BillingMode="PAY_PER_REQUEST",
                   AttributeDefinitions=defs(pk="S", a="S", b="N", c="N", d="S"),
                   KeySchema=ks("pk:HASH"), GlobalSecondaryIndexes=[index])
    for i in range(20):
        c.put_item(TableName="src", Item={"pk": S("k%d" % i), "a": S("x"), "b": N(i % 2),
                                          "c": N(i), "d": S("d%d" % i)})
    arn = c.create_backup(TableName="src", BackupName="multikey")["BackupDetails"]["BackupArn"]
    deadline = time.monotonic() + 30
    while True:
        d = c.describe_backup(BackupArn=arn)["BackupDescription"]
        if d["BackupDetails"]["BackupStatus"] == "AVAILABLE":
            break
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert (d["SourceTableFeatureDetails"]["GlobalSecondaryIndexes"][0]["KeySchema"]
            == index["KeySchema"])
    c.restore_table_from_backup(TargetTableName="dst", BackupArn=arn)
    while c.describe_table(TableName="dst")["Table"]["TableStatus"] != "ACTIVE":
        assert time.monotonic() < deadline + 30
        time.sleep(0.05)
    t = c.describe_table(TableName="dst")["Table"]
    assert t["GlobalSecondaryIndexes"][0]["KeySchema"] == index["KeySchema"]
    got = c.query(TableName="dst", IndexName="gix",
                  KeyConditionExpression="a = :a AND b = :b AND c > :c",
                  ExpressionAttributeValues={":a": S("x"), ":b": N(1), ":c": N(10)})
    assert [i["c"]["N"] for i in got["Items"]] == ["11", "13", "15", "17", "19"]


def test_long_components_keep_their_order(ddb, make_table):
    """Sort key tuples far longer than a stored key (each attribute up to its
    1024-byte limit) are still found and ordered by their values."""
    index = gsi("gix", "h:HASH", "a:RANGE", "b:RANGE", "c:RANGE")
    name, _ = create(ddb, make_table, dict(h="S", a="S", b="S", c="N"), index)
    long_a = ["x" * 1000 + s for s in ("a", "b", "")]
    long_b = ["y" * 900 + s for s in ("q", "p")]
    rows = []
    for i, (a, b, c) in enumerate(itertools.product(long_a, long_b, [5, -5, 50])):
        ddb.put_item(TableName=name, Item={"pk": S("k%d" % i), "h": S("h"), "a": S(a),
                                           "b": S(b), "c": N(c)})
        rows.append((a, b, c))
    got = ddb.query(TableName=name, IndexName="gix", KeyConditionExpression="h = :h",
                    ExpressionAttributeValues={":h": S("h")})["Items"]
    assert [(i["a"]["S"], i["b"]["S"], int(i["c"]["N"])) for i in got] == sorted(rows)
    got = ddb.query(TableName=name, IndexName="gix", ScanIndexForward=False, Limit=2,
                    KeyConditionExpression="h = :h AND a = :a AND b = :b AND c > :c",
                    ExpressionAttributeValues={":h": S("h"), ":a": S(long_a[0]),
                                               ":b": S(long_b[1]), ":c": N(-5)})
    assert [int(i["c"]["N"]) for i in got["Items"]] == [50, 5]
    rest = ddb.query(TableName=name, IndexName="gix", ScanIndexForward=False, Limit=2,
                     ExclusiveStartKey=got["LastEvaluatedKey"],
                     KeyConditionExpression="h = :h AND a = :a AND b = :b AND c > :c",
                     ExpressionAttributeValues={":h": S("h"), ":a": S(long_a[0]),
                                                ":b": S(long_b[1]), ":c": N(-5)})
    assert rest["Items"] == [] and "LastEvaluatedKey" not in rest


# PartiQL: a SELECT through a multi-attribute index is refused; the table itself is not


def test_partiql_select_through_multi_attribute_index_refused(ddb, h2r2):
    ddb.put_item(TableName=h2r2, Item=full("p1"))
    text = ("PartiQL statements cannot be executed on tables with multi-attribute HASH keys "
            "or multi-attribute RANGE keys.")
    assert_error(ddb.execute_statement, "ValidationException", text,
                 Statement=f'SELECT * FROM "{h2r2}"."gix" WHERE h1 = \'a\' AND h2 = 1')
    assert_error(ddb.execute_statement, "ValidationException", text,
                 Statement=f'SELECT pk FROM "{h2r2}"."gix"')
    # the base table still answers, and writes on it work
    got = ddb.execute_statement(Statement=f'SELECT pk FROM "{h2r2}" WHERE pk = \'p1\'')
    assert got["Items"] == [{"pk": S("p1")}]
    ddb.execute_statement(Statement=f'DELETE FROM "{h2r2}" WHERE pk = \'p1\'')
    assert "Item" not in ddb.get_item(TableName=h2r2, Key={"pk": S("p1")})
