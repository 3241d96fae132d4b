"""Long keys on every access path: partition keys up to 2048 bytes, table,
LSI and GSI sort keys up to 1024 bytes, found by GetItem, DeleteItem,
UpdateItem, BatchGetItem, TransactGetItems and by Query with every sort key
operator, forward and reverse, with and without ExclusiveStartKey paging.

The key sets cluster around the lengths where a storage engine keeping
bounded keys has to cut them (roughly 190-200 bytes for partition keys,
265-300 bytes for sort keys, and the 1000-1024 maximum) and share long
prefixes, so that many keys agree on their first hundreds of bytes.  Every
Query result is compared with a reference computed here from DynamoDB's
rules: sort keys ordered by their UTF-8 (S) or raw (B) bytes."""

import random

import pytest

from ddbvalues import B, S

RNG = random.Random(20240607)


# --------------------------------------------------------------------------
# Key sets


def s_keys():
    keys = set()
    lengths = [1, 2, 10, 100] + list(range(188, 201)) + list(range(265, 301)) + \
        list(range(1000, 1025, 3)) + [1024]
    for n in lengths:
        for c in "aBz":
            keys.add("x" * (n - 1) + c)
    for tail in ["", "a", "b", "a" * 700, "b" * 700, "ab" * 300, "a" * 724, "\u00e9" * 362]:
        keys.add("x" * 300 + tail)
    for pos in [135, 136, 137, 270, 271, 272, 273, 279, 280, 287, 288, 289, 295, 296, 297]:
        for c in "aw":
            keys.add("x" * pos + c + "x" * (400 - pos - 1))
    assert all(len(k.encode("utf-8")) <= 1024 for k in keys)
    return sorted(keys, key=lambda k: k.encode("utf-8"))


def b_keys():
    # Zero bytes make an index key's escaped form twice as long: 136-141 raw
    # bytes cross the same boundaries as 272-282 bytes of letters.
    keys = set()
    for n in [1, 2, 100, 134, 135, 136, 137, 138, 139, 140, 141, 142, 286, 287, 288, 289, 290,
              295, 296, 297, 1000, 1024]:
        for last in (0, 1, 255):
            keys.add(b"\x00" * (n - 1) + bytes([last]))
            keys.add(b"\xff" * (n - 1) + bytes([last]))
    for pos in [136, 137, 272, 288, 289]:
        keys.add(b"\x00" * pos + b"\x01" + b"\x00" * 300)
        keys.add(b"\x00" * pos + b"\x00\x01" + b"\x00" * 300)
    for tail in [b"", b"\x00", b"\x01", b"\x00" * 700, b"\x01" * 723]:
        keys.add(b"\x00" * 300 + tail)
    assert all(len(k) <= 1024 for k in keys)
    return sorted(keys)


def raw(v):
    (t, x), = v.items()
    return x.encode("utf-8") if t == "S" else bytes(x)


def wrap(kind, x):
    return S(x) if kind == "S" else B(x)


# --------------------------------------------------------------------------
# Reference Query


def matches(sk, op, a, b):
    if op == "=":
        return sk == a
    if op == "<":
        return sk < a
    if op == "<=":
        return sk <= a
    if op == ">":
        return sk > a
    if op == ">=":
        return sk >= a
    if op == "between":
        return a <= sk <= b
    if op == "begins_with":
        return sk.startswith(a)
    raise ValueError(op)


def condition(op, name):
    if op == "between":
        return "#s BETWEEN :a AND :b"
    if op == "begins_with":
        return "begins_with(#s, :a)"
    return "#s %s :a" % op


def expected(items, part_name, part, sk_name, op, a, b, forward):
    rows = [it for it in items if it.get(part_name) == part and sk_name in it
            and matches(raw(it[sk_name]), op, raw(a), raw(b) if b else None)]
    rows.sort(key=lambda it: raw(it[sk_name]), reverse=not forward)
    return rows


def run_query(ddb, table, index, part_name, part, sk_name, op, a, b, forward, limit=None,
              start=None, projected=False):
    """All items of a Query, following LastEvaluatedKey (bounded); projected:
    only the sort key and "i" of each item."""
    params = dict(TableName=table, KeyConditionExpression="#p = :p AND " + condition(op, sk_name),
                  ExpressionAttributeNames={"#p": part_name, "#s": sk_name},
                  ExpressionAttributeValues={":p": part, ":a": a}, ScanIndexForward=forward)
    if projected:
        params["ProjectionExpression"] = "#s, i"
    if b is not None:
        params["ExpressionAttributeValues"][":b"] = b
    if index:
        params["IndexName"] = index
    if limit:
        params["Limit"] = limit
    if start:
        params["ExclusiveStartKey"] = start
    got = []
    for _ in range(1000):
        resp = ddb.query(**params)
        if limit:
            assert len(resp["Items"]) <= limit
        got += resp["Items"]
        if "LastEvaluatedKey" not in resp:
            return got
        assert limit, "a page stopped without a Limit: %r" % resp.get("LastEvaluatedKey")
        params["ExclusiveStartKey"] = resp["LastEvaluatedKey"]
    raise AssertionError("more than 1000 pages")


def conditions(keys, kind):
    """(op, a, b) triples: members and non-members of the key set, around
    the cut lengths."""
    picks = RNG.sample(keys, 12)
    extra = []
    if kind == "S":
        for n in [1, 192, 272, 273, 288, 289, 296, 297, 1024]:
            extra += ["x" * n, "x" * (n - 1) + "b"]
        extra += ["y", "w", "x" * 300 + "a" * 400, "x" * 288 + "a"]
    else:
        for n in [1, 136, 137, 288, 289, 1024]:
            extra += [b"\x00" * n, b"\x00" * (n - 1) + b"\x02", b"\xff" * n]
        extra += [b"\x00" * 300 + b"\x00" * 100, b"\x80"]
    values = [wrap(kind, k) for k in picks + extra]
    out = []
    for v in values:
        for op in ["=", "<", "<=", ">", ">="]:
            out.append((op, v, None))
    ordered = sorted(values, key=raw)
    for _ in range(16):
        i, j = sorted(RNG.sample(range(len(ordered)), 2))
        out.append(("between", ordered[i], ordered[j]))
    out.append(("between", ordered[3], ordered[3]))
    if kind == "S":
        prefixes = ["x" * n for n in [1, 100, 190, 271, 272, 273, 287, 288, 289, 296, 300, 1000]]
        prefixes += ["x" * 300 + "a", "x" * 300 + "ab", "x" * 288 + "a", "x" * 135 + "a", "xa"]
    else:
        prefixes = [b"\x00" * n for n in [1, 135, 136, 137, 272, 288, 300, 1000]]
        prefixes += [b"\x00" * 300 + b"\x01", b"\xff", b"\x00" * 136 + b"\x01"]
    out += [("begins_with", wrap(kind, p), None) for p in prefixes]
    return out


# --------------------------------------------------------------------------
# Data sets: one table per key type, with an LSI and a GSI on other
# permutations of the same keys, and a second partition that must never
# leak into results.

LONG_PK = "p" * 2048
LONG_GPK = "g" * 2047 + "h"


def make_long_table(ddb, factory, kind):
    keys = s_keys() if kind == "S" else b_keys()
    name = factory(
        range_key=("sk", kind),
        extra_attributes=[("lsk", kind), ("gpk", "S"), ("gsk", kind)],
        LocalSecondaryIndexes=[{
            "IndexName": "bylsk",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                          {"AttributeName": "lsk", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"}}],
        GlobalSecondaryIndexes=[{
            "IndexName": "bygsk",
            "KeySchema": [{"AttributeName": "gpk", "KeyType": "HASH"},
                          {"AttributeName": "gsk", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"}}])
    lsk = keys[:]
    gsk = keys[:]
    RNG.shuffle(lsk)
    RNG.shuffle(gsk)
    items = []
    for i, k in enumerate(keys):
        items.append({"pk": S("p"), "sk": wrap(kind, k), "lsk": wrap(kind, lsk[i]),
                      "gpk": S("g"), "gsk": wrap(kind, gsk[i]), "i": {"N": str(i)}})
    # the same keys under other partition keys (a long one among them)
    for i, k in enumerate(keys[::3]):
        items.append({"pk": S(LONG_PK), "sk": wrap(kind, k), "lsk": wrap(kind, k),
                      "gpk": S(LONG_GPK), "gsk": wrap(kind, k), "i": {"N": str(10000 + i)}})
        items.append({"pk": S("q"), "sk": wrap(kind, k), "lsk": wrap(kind, k),
                      "gpk": S("g" * 2047 + "i"), "gsk": wrap(kind, k), "i": {"N": str(20000 + i)}})
    for start in range(0, len(items), 25):
        ddb.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": it}}
                                                  for it in items[start:start + 25]]})
    return name, keys, items


@pytest.fixture(scope="module")
def long_s(ddb, module_tables):
    return make_long_table(ddb, module_tables, "S")


@pytest.fixture(scope="module")
def long_b(ddb, module_tables):
    return make_long_table(ddb, module_tables, "B")


PATHS = [
    # index, partition attribute, partition values, sort attribute
    (None, "pk", [S("p"), S(LONG_PK)], "sk"),
    ("bylsk", "pk", [S("p"), S(LONG_PK)], "lsk"),
    ("bygsk", "gpk", [S("g"), S(LONG_GPK)], "gsk"),
]


def short(items, sk_name):
    return [(raw(it[sk_name]), it["i"]["N"]) for it in items]


def check_path(ddb, data, kind, path):
    table, keys, items = data
    index, part_name, parts, sk_name = path
    conds = conditions(keys, kind)
    for part in parts:
        # the long partition key: every third condition
        for op, a, b in (conds if part == parts[0] else conds[::3]):
            for forward in (True, False):
                want = expected(items, part_name, part, sk_name, op, a, b, forward)
                got = run_query(ddb, table, index, part_name, part, sk_name, op, a, b, forward,
                                projected=True)
                assert short(got, sk_name) == short(want, sk_name), \
                    (index, op, raw(a)[:20], len(raw(a)), forward)
        # whole items, paging through ranges
        for op, a, b in conds[::11]:
            for forward in (True, False):
                want = expected(items, part_name, part, sk_name, op, a, b, forward)
                got = run_query(ddb, table, index, part_name, part, sk_name, op, a, b, forward,
                                limit=RNG.choice([1, 3, 7]) if len(want) < 40 else 29)
                assert got == want, (index, op, len(raw(a)), forward)


@pytest.mark.parametrize("path", PATHS, ids=["table", "lsi", "gsi"])
def test_query_long_string_keys(ddb, long_s, path):
    check_path(ddb, long_s, "S", path)


@pytest.mark.parametrize("path", PATHS, ids=["table", "lsi", "gsi"])
def test_query_long_binary_keys(ddb, long_b, path):
    check_path(ddb, long_b, "B", path)


def test_lsi_equality_on_1024_byte_sort_key(ddb, make_table):
    table = make_table(range_key=("sk", "S"), extra_attributes=[("lsk", "S")],
                       LocalSecondaryIndexes=[{
                           "IndexName": "bylsk",
                           "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                         {"AttributeName": "lsk", "KeyType": "RANGE"}],
                           "Projection": {"ProjectionType": "ALL"}}])
    item = {"pk": S("hello"), "sk": S("x" * 1024), "lsk": S("y" * 1024)}
    ddb.put_item(TableName=table, Item=item)
    for n in range(1, 40):
        ddb.put_item(TableName=table, Item={"pk": S("hello"), "sk": S("s%d" % n),
                                            "lsk": S("y" * (1024 - n) + "z" * n)})
    got = ddb.query(TableName=table, IndexName="bylsk", ConsistentRead=True,
                    KeyConditionExpression="pk = :p AND lsk = :l",
                    ExpressionAttributeValues={":p": S("hello"), ":l": S("y" * 1024)})
    assert got["Items"] == [item] and got["Count"] == 1
    got = ddb.query(TableName=table, KeyConditionExpression="pk = :p AND sk = :s",
                    ExpressionAttributeValues={":p": S("hello"), ":s": S("x" * 1024)})
    assert got["Items"] == [item]


def start_key_of(kind, sk):
    return {"pk": S("p"), "sk": wrap(kind, sk)}


@pytest.mark.parametrize("forward", [True, False])
def test_exclusive_start_key_need_not_exist(ddb, long_s, forward):
    # A start key between stored keys (in the middle of keys sharing their
    # first 300 bytes) continues right after (before) it.
    table, keys, items = long_s
    for sk in ["x" * 300 + "a" * 350, "x" * 300 + "aa", "x" * 289, "x" * 288 + "y",
               "x" * 1000 + "b", "x" * 199 + "c"]:
        rows = expected(items, "pk", S("p"), "sk", ">=", S("x"), None, forward)
        after = [it for it in rows
                 if (raw(it["sk"]) > sk.encode() if forward else raw(it["sk"]) < sk.encode())]
        got = run_query(ddb, table, None, "pk", S("p"), "sk", ">=", S("x"), None, forward,
                        limit=7, start=start_key_of("S", sk))
        assert got == after, (sk[-5:], len(sk))


# --------------------------------------------------------------------------
# Item operations on long keys


def long_item_table(make_table):
    return make_table(range_key=("sk", "S"))


def neighbours():
    """Keys that share a 2040-byte partition key prefix and 1000-byte sort
    key prefixes."""
    pks = ["k" * 2040 + "%08d" % i for i in range(3)] + ["k" * 190 + "%d" % i for i in range(3)]
    sks = ["s" * 1000 + "%024d" % i for i in range(3)] + ["s" * 287 + "%d" % i for i in range(3)]
    return [(p, s) for p in pks for s in sks]


def test_get_update_delete_long_keys(ddb, make_table):
    table = long_item_table(make_table)
    keys = neighbours()
    for n, (p, s) in enumerate(keys):
        ddb.put_item(TableName=table, Item={"pk": S(p), "sk": S(s), "n": {"N": str(n)}})
    for n, (p, s) in enumerate(keys):
        got = ddb.get_item(TableName=table, Key={"pk": S(p), "sk": S(s)}, ConsistentRead=True)
        assert got["Item"] == {"pk": S(p), "sk": S(s), "n": {"N": str(n)}}
    # update every other item, delete every third
    for n, (p, s) in enumerate(keys):
        if n % 2 == 0:
            resp = ddb.update_item(TableName=table, Key={"pk": S(p), "sk": S(s)},
                                   UpdateExpression="SET n = n + :one",
                                   ConditionExpression="attribute_exists(pk)",
                                   ExpressionAttributeValues={":one": {"N": "1000"}},
                                   ReturnValues="UPDATED_NEW")
            assert resp["Attributes"] == {"n": {"N": str(n + 1000)}}
    for n, (p, s) in enumerate(keys):
        if n % 3 == 0:
            resp = ddb.delete_item(TableName=table, Key={"pk": S(p), "sk": S(s)},
                                   ReturnValues="ALL_OLD")
            assert resp["Attributes"]["sk"] == S(s)
    for n, (p, s) in enumerate(keys):
        got = ddb.get_item(TableName=table, Key={"pk": S(p), "sk": S(s)}, ConsistentRead=True)
        if n % 3 == 0:
            assert "Item" not in got
        else:
            want = n + 1000 if n % 2 == 0 else n
            assert got["Item"]["n"] == {"N": str(want)}
    count = ddb.scan(TableName=table, Select="COUNT")["Count"]
    assert count == len([n for n in range(len(keys)) if n % 3])


def test_batch_and_transact_get_long_keys(ddb, make_table):
    table = long_item_table(make_table)
    keys = neighbours()
    for n, (p, s) in enumerate(keys):
        ddb.put_item(TableName=table, Item={"pk": S(p), "sk": S(s), "n": {"N": str(n)}})
    missing = ("k" * 2040 + "%08d" % 7, "s" * 1000 + "%024d" % 1)
    asked = keys[:20] + [missing]
    resp = ddb.batch_get_item(RequestItems={table: {
        "Keys": [{"pk": S(p), "sk": S(s)} for p, s in asked], "ConsistentRead": True}})
    got = {(it["pk"]["S"], it["sk"]["S"]): int(it["n"]["N"]) for it in resp["Responses"][table]}
    assert got == {k: n for n, k in enumerate(keys[:20])}
    resp = ddb.transact_get_items(TransactItems=[
        {"Get": {"TableName": table, "Key": {"pk": S(p), "sk": S(s)}}} for p, s in keys[-10:]])
    assert [int(r["Item"]["n"]["N"]) for r in resp["Responses"]] == \
        list(range(len(keys) - 10, len(keys)))


def test_gsi_partition_key_of_2048_bytes(ddb, make_table):
    table = make_table(extra_attributes=[("g", "S")], GlobalSecondaryIndexes=[{
        "IndexName": "byg", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "ALL"}}])
    gs = ["G" * 2047 + c for c in "abc"] + ["G" * 191 + c for c in "ab"]
    for i in range(30):
        ddb.put_item(TableName=table, Item={"pk": S("i%d" % i), "g": S(gs[i % len(gs)])})
    for j, g in enumerate(gs):
        resp = ddb.query(TableName=table, IndexName="byg", KeyConditionExpression="g = :g",
                         ExpressionAttributeValues={":g": S(g)})
        assert sorted(it["pk"]["S"] for it in resp["Items"]) == \
            sorted("i%d" % i for i in range(30) if i % len(gs) == j)
