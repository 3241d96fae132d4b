"""Query on tables: KeyConditionExpression with every sort key operator on
string, number and binary sort keys (numbers ordered numerically, strings by
their UTF-8 bytes, binaries by unsigned bytes), ScanIndexForward, Limit and
ExclusiveStartKey/LastEvaluatedKey paging (also through boto3's paginator),
FilterExpression with Count and ScannedCount, Select, ProjectionExpression,
ConsistentRead, hash-only tables, the 1 MB page limit, and the legacy
KeyConditions, QueryFilter, ConditionalOperator and AttributesToGet."""

from decimal import Decimal

import pytest

from ddbvalues import B, N, S, canon_item

MB = 1024 * 1024


# --------------------------------------------------------------------------
# Helpers


def order_key(v):
    """The order DynamoDB sorts key values in: numbers by value, strings by
    their UTF-8 bytes, binaries by unsigned bytes."""
    (t, x), = v.items()
    if t == "N":
        return Decimal(x)
    if t == "S":
        return x.encode("utf-8")
    return bytes(x)


def put_all(ddb, table, items):
    for item in items:
        ddb.put_item(TableName=table, Item=item)


def query(ddb, table, kce, values, names=None, **params):
    args = dict(TableName=table, KeyConditionExpression=kce, ExpressionAttributeValues=values,
                **params)
    if names:
        args["ExpressionAttributeNames"] = names
    return ddb.query(**args)


def sks(resp, name="sk"):
    """The sort key values of a response's items, in response order."""
    return [order_key(item[name]) for item in resp["Items"]]


def key_of(item, names=("pk", "sk")):
    return {n: item[n] for n in names}


def all_pages(ddb, **params):
    """Follow LastEvaluatedKey to the end; returns (items, pages)."""
    items, pages = [], []
    while True:
        resp = ddb.query(**params)
        pages.append(resp)
        items += resp["Items"]
        if "LastEvaluatedKey" not in resp:
            return items, pages
        params["ExclusiveStartKey"] = resp["LastEvaluatedKey"]


def number_size(text):
    """Approximate stored size of a number: one byte per two significant
    digits plus one."""
    digits = Decimal(text).normalize().as_tuple().digits
    return (len(digits) + 1) // 2 + 1


def item_size(item):
    """Approximate DynamoDB item size (attribute names plus values), good
    enough for scalar-only items."""
    total = 0
    for name, v in item.items():
        total += len(name.encode("utf-8"))
        (t, x), = v.items()
        if t == "S":
            total += len(x.encode("utf-8"))
        elif t == "N":
            total += number_size(x)
        elif t == "B":
            total += len(x)
        else:  # BOOL, NULL
            total += 1
    return total


# --------------------------------------------------------------------------
# One table per sort key type, shared by the read-only tests of this module

NUMBERS = ["-1e10", "-5.5", "-1", "-0.5", "0", "0.001", "1", "1.5", "2", "10", "20", "100",
           "1e10"]
# "\uff61" and "\U0001F600" sort the other way round in UTF-16.
STRINGS = ["A", "B", "Z", "a", "aa", "ab", "b", "a b", "\u00e9", "\uff61", "\U0001F600", "0",
           "~"]
BINARIES = [b"\x00", b"\x00\x00", b"\x01", b"\x7f", b"\x80", b"\x80\x01", b"\xff", b"\xff\xff",
            b"a"]

TYPED = {
    "N": [N(x) for x in NUMBERS],
    "S": [S(x) for x in STRINGS],
    "B": [B(x) for x in BINARIES],
}


@pytest.fixture(scope="module")
def typed_tables(ddb, module_tables):
    """{type: table} with sort key sk of that type; partition "p" holds one
    item per value (with n = its position and a parity attribute), partition
    "q" a few decoys."""
    tables = {}
    for t, values in TYPED.items():
        name = module_tables(range_key=("sk", t))
        for i, v in enumerate(values):
            ddb.put_item(TableName=name, Item={"pk": S("p"), "sk": v, "n": N(i),
                                               "even": {"BOOL": i % 2 == 0}})
        for v in values[:3]:
            ddb.put_item(TableName=name, Item={"pk": S("q"), "sk": v, "decoy": S("yes")})
        tables[t] = name
    return tables


def sorted_values(t):
    return sorted(TYPED[t], key=order_key)


def matching(t, op, args):
    """The values of type t matching `sk op args`, in ascending order."""
    ks = [order_key(a) for a in args]
    out = []
    for v in sorted_values(t):
        k = order_key(v)
        if ((op == "=" and k == ks[0]) or (op == "<" and k < ks[0]) or
                (op == "<=" and k <= ks[0]) or (op == ">" and k > ks[0]) or
                (op == ">=" and k >= ks[0]) or (op == "BETWEEN" and ks[0] <= k <= ks[1]) or
                (op == "begins_with" and k.startswith(ks[0]))):
            out.append(k)
    return out


def condition(op):
    if op == "BETWEEN":
        return "pk = :p AND sk BETWEEN :a AND :b"
    if op == "begins_with":
        return "pk = :p AND begins_with(sk, :a)"
    return "pk = :p AND sk %s :a" % op


OPERATOR_CASES = [
    ("N", "=", [N("1.50")]),
    ("N", "=", [N("-1E10")]),
    ("N", "<", [N(0)]),
    ("N", "<=", [N("-0.5")]),
    ("N", ">", [N("1.5")]),
    ("N", ">=", [N(10)]),
    ("N", "BETWEEN", [N(-1), N(1)]),
    ("N", "BETWEEN", [N("0.0005"), N("0.002")]),
    ("N", "BETWEEN", [N(2), N(2)]),
    ("S", "=", [S("\u00e9")]),
    ("S", "<", [S("a")]),
    ("S", "<=", [S("ab")]),
    ("S", ">", [S("b")]),
    ("S", ">=", [S("\uff61")]),
    ("S", "BETWEEN", [S("B"), S("aa")]),
    ("S", "begins_with", [S("a")]),
    ("S", "begins_with", [S("\U0001F600")]),
    ("S", "begins_with", [S("c")]),
    ("B", "=", [B(b"\x80")]),
    ("B", "<", [B(b"\x80")]),
    ("B", "<=", [B(b"\x00")]),
    ("B", ">", [B(b"\x7f")]),
    ("B", ">=", [B(b"\xff")]),
    ("B", "BETWEEN", [B(b"\x01"), B(b"\x80")]),
    ("B", "begins_with", [B(b"\x80")]),
    ("B", "begins_with", [B(b"\x00")]),
]


# --------------------------------------------------------------------------
# Key conditions and ordering


@pytest.mark.parametrize("t,op,args", OPERATOR_CASES)
def test_sort_key_operators(ddb, typed_tables, t, op, args):
    values = {":p": S("p"), ":a": args[0]}
    if len(args) > 1:
        values[":b"] = args[1]
    resp = query(ddb, typed_tables[t], condition(op), values)
    expected = matching(t, op, args)
    assert sks(resp) == expected
    assert resp["Count"] == resp["ScannedCount"] == len(expected)
    assert "LastEvaluatedKey" not in resp


@pytest.mark.parametrize("t,op,args", OPERATOR_CASES)
def test_sort_key_operators_descending(ddb, typed_tables, t, op, args):
    values = {":p": S("p"), ":a": args[0]}
    if len(args) > 1:
        values[":b"] = args[1]
    resp = query(ddb, typed_tables[t], condition(op), values, ScanIndexForward=False)
    assert sks(resp) == list(reversed(matching(t, op, args)))


@pytest.mark.parametrize("t", ["N", "S", "B"])
def test_whole_partition_in_sort_key_order(ddb, typed_tables, t):
    resp = query(ddb, typed_tables[t], "pk = :p", {":p": S("p")})
    assert sks(resp) == [order_key(v) for v in sorted_values(t)]
    assert resp["Count"] == resp["ScannedCount"] == len(TYPED[t])
    # Whole items come back, and only those of the queried partition.
    assert all(item["pk"] == S("p") and "n" in item for item in resp["Items"])


@pytest.mark.parametrize("t", ["N", "S", "B"])
def test_scan_index_forward_false(ddb, typed_tables, t):
    resp = query(ddb, typed_tables[t], "pk = :p", {":p": S("p")}, ScanIndexForward=False)
    assert sks(resp) == [order_key(v) for v in reversed(sorted_values(t))]


def test_scan_index_forward_true_is_the_default(ddb, typed_tables):
    a = query(ddb, typed_tables["N"], "pk = :p", {":p": S("p")})
    b = query(ddb, typed_tables["N"], "pk = :p", {":p": S("p")}, ScanIndexForward=True)
    assert a["Items"] == b["Items"]


def test_numbers_sort_numerically_not_textually(ddb, typed_tables):
    resp = query(ddb, typed_tables["N"], "pk = :p AND sk BETWEEN :a AND :b",
                 {":p": S("p"), ":a": N(2), ":b": N(100)})
    assert [Decimal(i["sk"]["N"]) for i in resp["Items"]] == [2, 10, 20, 100]


def test_strings_sort_by_utf8_bytes(ddb, typed_tables):
    resp = query(ddb, typed_tables["S"], "pk = :p AND sk > :a", {":p": S("p"), ":a": S("~")})
    # U+00E9 < U+FF61 < U+1F600 in UTF-8 (in UTF-16 the emoji would come first).
    assert [i["sk"]["S"] for i in resp["Items"]] == ["\u00e9", "\uff61", "\U0001F600"]


def test_binaries_sort_unsigned(ddb, typed_tables):
    resp = query(ddb, typed_tables["B"], "pk = :p AND sk BETWEEN :a AND :b",
                 {":p": S("p"), ":a": B(b"\x7f"), ":b": B(b"\x80\xff")})
    assert [bytes(i["sk"]["B"]) for i in resp["Items"]] == [b"\x7f", b"\x80", b"\x80\x01"]


def test_other_partition(ddb, typed_tables):
    resp = query(ddb, typed_tables["S"], "pk = :p", {":p": S("q")})
    assert [i["sk"]["S"] for i in resp["Items"]] == sorted(STRINGS[:3])
    assert all(i["decoy"] == S("yes") for i in resp["Items"])


def test_empty_partition(ddb, typed_tables):
    resp = query(ddb, typed_tables["N"], "pk = :p", {":p": S("nobody")})
    assert resp["Items"] == []
    assert resp["Count"] == 0
    assert resp["ScannedCount"] == 0
    assert "LastEvaluatedKey" not in resp


def test_empty_range(ddb, typed_tables):
    resp = query(ddb, typed_tables["N"], "pk = :p AND sk > :a", {":p": S("p"), ":a": N("1e11")})
    assert resp["Items"] == [] and resp["Count"] == 0
    assert "LastEvaluatedKey" not in resp


def test_sort_key_condition_first(ddb, typed_tables):
    resp = query(ddb, typed_tables["N"], "sk >= :a AND pk = :p", {":p": S("p"), ":a": N(20)})
    assert sks(resp) == [20, 100, Decimal("1e10")]


def test_parenthesised_conditions(ddb, typed_tables):
    resp = query(ddb, typed_tables["N"], "(pk = :p) AND (sk < :a)",
                 {":p": S("p"), ":a": N(-1)})
    assert sks(resp) == [Decimal("-1e10"), Decimal("-5.5")]


def test_lowercase_and_and_between(ddb, typed_tables):
    resp = query(ddb, typed_tables["N"], "pk = :p and sk between :a and :b",
                 {":p": S("p"), ":a": N(0), ":b": N("0.001")})
    assert sks(resp) == [0, Decimal("0.001")]


def test_name_placeholders_for_keys(ddb, typed_tables):
    resp = query(ddb, typed_tables["N"], "#h = :p AND #r <= :a", {":p": S("p"), ":a": N(-1)},
                 names={"#h": "pk", "#r": "sk"})
    assert sks(resp) == [Decimal("-1e10"), Decimal("-5.5"), -1]


def test_reserved_word_key_names(ddb, make_table):
    table = make_table(hash_key=("status", "S"), range_key=("date", "S"))
    put_all(ddb, table, [{"status": S("open"), "date": S(d), "x": N(i)}
                         for i, d in enumerate(["2024-01-01", "2024-02-01", "2024-03-01"])])
    put_all(ddb, table, [{"status": S("closed"), "date": S("2024-02-15")}])
    resp = query(ddb, table, "#s = :s AND #d BETWEEN :a AND :b",
                 {":s": S("open"), ":a": S("2024-01-15"), ":b": S("2024-03-01")},
                 names={"#s": "status", "#d": "date"})
    assert [i["date"]["S"] for i in resp["Items"]] == ["2024-02-01", "2024-03-01"]


def test_number_partition_key_compared_by_value(ddb, make_table):
    table = make_table(hash_key=("pk", "N"), range_key=("sk", "S"))
    put_all(ddb, table, [{"pk": N(1), "sk": S("a")}, {"pk": N("1.0"), "sk": S("b")},
                         {"pk": N(10), "sk": S("c")}])
    resp = query(ddb, table, "pk = :p", {":p": N("1.000")})
    assert [i["sk"]["S"] for i in resp["Items"]] == ["a", "b"]


def test_binary_partition_key(ddb, make_table):
    table = make_table(hash_key=("pk", "B"), range_key=("sk", "N"))
    put_all(ddb, table, [{"pk": B(b"\x00\x01"), "sk": N(i)} for i in range(3)])
    put_all(ddb, table, [{"pk": B(b"\x00"), "sk": N(9)}])
    resp = query(ddb, table, "pk = :p", {":p": B(b"\x00\x01")})
    assert [Decimal(i["sk"]["N"]) for i in resp["Items"]] == [0, 1, 2]


# --------------------------------------------------------------------------
# Hash-only tables


def test_hash_only_table(ddb, make_table):
    table = make_table()
    put_all(ddb, table, [{"pk": S(k), "v": N(i)} for i, k in enumerate("abc")])
    resp = query(ddb, table, "pk = :p", {":p": S("b")})
    assert resp["Items"] == [{"pk": S("b"), "v": N(1)}]
    assert resp["Count"] == resp["ScannedCount"] == 1
    assert "LastEvaluatedKey" not in resp


def test_hash_only_table_no_match(ddb, make_table):
    table = make_table()
    put_all(ddb, table, [{"pk": S("a")}])
    resp = query(ddb, table, "pk = :p", {":p": S("zz")})
    assert resp["Items"] == [] and resp["Count"] == 0


def test_hash_only_table_with_filter_and_projection(ddb, make_table):
    table = make_table()
    put_all(ddb, table, [{"pk": S("a"), "v": N(5), "w": S("x")}])
    resp = query(ddb, table, "pk = :p", {":p": S("a"), ":five": N(5)},
                 FilterExpression="v = :five", ProjectionExpression="w")
    assert resp["Items"] == [{"w": S("x")}]
    resp = query(ddb, table, "pk = :p", {":p": S("a"), ":six": N(6)},
                 FilterExpression="v = :six")
    assert resp["Items"] == [] and resp["ScannedCount"] == 1


# --------------------------------------------------------------------------
# Limit and paging


def test_limit_stops_early_with_last_evaluated_key(ddb, typed_tables):
    resp = query(ddb, typed_tables["N"], "pk = :p", {":p": S("p")}, Limit=3)
    assert sks(resp) == [Decimal("-1e10"), Decimal("-5.5"), -1]
    assert resp["Count"] == resp["ScannedCount"] == 3
    assert canon_item(resp["LastEvaluatedKey"]) == canon_item(key_of(resp["Items"][-1]))


def test_limit_one(ddb, typed_tables):
    resp = query(ddb, typed_tables["S"], "pk = :p", {":p": S("p")}, Limit=1)
    assert [i["sk"] for i in resp["Items"]] == [S("0")]
    assert resp["LastEvaluatedKey"] == {"pk": S("p"), "sk": S("0")}


@pytest.mark.parametrize("t", ["N", "S", "B"])
@pytest.mark.parametrize("forward", [True, False])
def test_paging_round_trip(ddb, typed_tables, t, forward):
    items, pages = all_pages(ddb, TableName=typed_tables[t], KeyConditionExpression="pk = :p",
                             ExpressionAttributeValues={":p": S("p")}, Limit=4,
                             ScanIndexForward=forward)
    expected = [order_key(v) for v in sorted_values(t)]
    if not forward:
        expected.reverse()
    assert [order_key(i["sk"]) for i in items] == expected
    n = len(TYPED[t])
    assert len(pages) in (n // 4 + 1, n // 4 + 2)
    for page in pages[:-1]:
        assert page["Count"] == 4
        assert canon_item(page["LastEvaluatedKey"]) == canon_item(key_of(page["Items"][-1]))


def test_paging_with_sort_key_condition(ddb, typed_tables):
    items, pages = all_pages(ddb, TableName=typed_tables["N"],
                             KeyConditionExpression="pk = :p AND sk BETWEEN :a AND :b",
                             ExpressionAttributeValues={":p": S("p"), ":a": N(-1), ":b": N(20)},
                             Limit=2)
    assert [Decimal(i["sk"]["N"]) for i in items] == [-1, Decimal("-0.5"), 0, Decimal("0.001"),
                                                      1, Decimal("1.5"), 2, 10, 20]
    assert len(pages) >= 5


def test_limit_equal_to_result_size(ddb, typed_tables):
    # Stopping because of Limit gives a LastEvaluatedKey even when nothing is
    # left; the next page is then empty and has none.
    resp = query(ddb, typed_tables["N"], "pk = :p AND sk <= :a", {":p": S("p"), ":a": N(-1)},
                 Limit=3)
    assert resp["Count"] == 3
    assert "LastEvaluatedKey" in resp
    resp = query(ddb, typed_tables["N"], "pk = :p AND sk <= :a", {":p": S("p"), ":a": N(-1)},
                 Limit=3, ExclusiveStartKey=resp["LastEvaluatedKey"])
    assert resp["Items"] == [] and resp["Count"] == 0
    assert "LastEvaluatedKey" not in resp


def test_limit_larger_than_result(ddb, typed_tables):
    resp = query(ddb, typed_tables["N"], "pk = :p", {":p": S("p")}, Limit=100)
    assert resp["Count"] == len(NUMBERS)
    assert "LastEvaluatedKey" not in resp


def test_exclusive_start_key_between_items(ddb, typed_tables):
    # The start key is a position in the sort order; no item needs to have it.
    resp = query(ddb, typed_tables["N"], "pk = :p", {":p": S("p")},
                 ExclusiveStartKey={"pk": S("p"), "sk": N(3)})
    assert sks(resp) == [10, 20, 100, Decimal("1e10")]
    resp = query(ddb, typed_tables["N"], "pk = :p", {":p": S("p")}, ScanIndexForward=False,
                 ExclusiveStartKey={"pk": S("p"), "sk": N("-0.75")})
    assert sks(resp) == [-1, Decimal("-5.5"), Decimal("-1e10")]


def test_exclusive_start_key_is_exclusive(ddb, typed_tables):
    resp = query(ddb, typed_tables["S"], "pk = :p", {":p": S("p")},
                 ExclusiveStartKey={"pk": S("p"), "sk": S("b")})
    assert [i["sk"]["S"] for i in resp["Items"]] == ["~", "\u00e9", "\uff61", "\U0001F600"]


def test_exclusive_start_key_at_range_bound(ddb, typed_tables):
    resp = query(ddb, typed_tables["N"], "pk = :p AND sk >= :a", {":p": S("p"), ":a": N(10)},
                 ExclusiveStartKey={"pk": S("p"), "sk": N(10)})
    assert sks(resp) == [20, 100, Decimal("1e10")]


def test_exclusive_start_key_after_last_item(ddb, typed_tables):
    resp = query(ddb, typed_tables["N"], "pk = :p", {":p": S("p")},
                 ExclusiveStartKey={"pk": S("p"), "sk": N("1e10")})
    assert resp["Items"] == [] and "LastEvaluatedKey" not in resp


def test_paginator_collects_every_item_once(ddb, typed_tables):
    paginator = ddb.get_paginator("query")
    pages = list(paginator.paginate(TableName=typed_tables["B"],
                                    KeyConditionExpression="pk = :p",
                                    ExpressionAttributeValues={":p": S("p")},
                                    PaginationConfig={"PageSize": 2}))
    items = [i for page in pages for i in page["Items"]]
    assert [bytes(i["sk"]["B"]) for i in items] == sorted(BINARIES)
    assert len(pages) >= len(BINARIES) // 2


def test_paginator_descending_with_filter(ddb, typed_tables):
    paginator = ddb.get_paginator("query")
    pages = paginator.paginate(TableName=typed_tables["N"], KeyConditionExpression="pk = :p",
                               FilterExpression="even = :t",
                               ExpressionAttributeValues={":p": S("p"), ":t": {"BOOL": True}},
                               ScanIndexForward=False, PaginationConfig={"PageSize": 3})
    items = [i for page in pages for i in page["Items"]]
    expected = [Decimal(x) for i, x in enumerate(NUMBERS) if i % 2 == 0]
    assert [Decimal(i["sk"]["N"]) for i in items] == sorted(expected, reverse=True)


# --------------------------------------------------------------------------
# FilterExpression


def test_filter_count_and_scanned_count(ddb, typed_tables):
    resp = query(ddb, typed_tables["N"], "pk = :p", {":p": S("p"), ":t": {"BOOL": True}},
                 FilterExpression="even = :t")
    assert resp["ScannedCount"] == len(NUMBERS)
    assert resp["Count"] == (len(NUMBERS) + 1) // 2
    assert all(i["even"] == {"BOOL": True} for i in resp["Items"])
    assert sks(resp) == sorted(Decimal(x) for i, x in enumerate(NUMBERS) if i % 2 == 0)


def test_limit_counts_items_before_the_filter(ddb, typed_tables):
    # Limit is the number of items read, not returned: of the first five
    # items (n = 0..4) three pass the filter.
    resp = query(ddb, typed_tables["N"], "pk = :p", {":p": S("p"), ":t": {"BOOL": True}},
                 FilterExpression="even = :t", Limit=5)
    assert resp["ScannedCount"] == 5
    assert resp["Count"] == 3
    assert [i["n"] for i in resp["Items"]] == [N(0), N(2), N(4)]
    assert canon_item(resp["LastEvaluatedKey"]) == canon_item({"pk": S("p"), "sk": N(0)})


def test_limit_page_may_be_empty_after_filter(ddb, typed_tables):
    resp = query(ddb, typed_tables["N"], "pk = :p", {":p": S("p"), ":n": N(7)},
                 FilterExpression="n = :n", Limit=2)
    assert resp["Items"] == [] and resp["Count"] == 0
    assert resp["ScannedCount"] == 2
    assert canon_item(resp["LastEvaluatedKey"]) == canon_item({"pk": S("p"), "sk": N(-5.5)})


def test_filter_paging_finds_every_match(ddb, typed_tables):
    items, pages = all_pages(ddb, TableName=typed_tables["S"], KeyConditionExpression="pk = :p",
                             FilterExpression="n >= :lo",
                             ExpressionAttributeValues={":p": S("p"), ":lo": N(10)}, Limit=3)
    assert sorted(i["n"]["N"] for i in items) == ["10", "11", "12"]
    assert sum(p["ScannedCount"] for p in pages) == len(STRINGS)


def test_filter_matching_nothing(ddb, typed_tables):
    resp = query(ddb, typed_tables["B"], "pk = :p", {":p": S("p")},
                 FilterExpression="attribute_exists(nope)")
    assert resp["Items"] == [] and resp["Count"] == 0
    assert resp["ScannedCount"] == len(BINARIES)
    assert "LastEvaluatedKey" not in resp


def test_filter_with_sort_key_condition(ddb, typed_tables):
    resp = query(ddb, typed_tables["N"], "pk = :p AND sk > :z",
                 {":p": S("p"), ":z": N(0), ":t": {"BOOL": False}},
                 FilterExpression="even = :t")
    assert resp["ScannedCount"] == 8
    assert [i["n"]["N"] for i in resp["Items"]] == ["5", "7", "9", "11"]


def test_filter_functions_and_placeholders(ddb, make_table):
    table = make_table(range_key=("sk", "N"))
    put_all(ddb, table, [
        {"pk": S("p"), "sk": N(1), "name": S("alpha"), "tags": {"SS": ["x", "y"]}},
        {"pk": S("p"), "sk": N(2), "name": S("beta"), "tags": {"SS": ["y"]}},
        {"pk": S("p"), "sk": N(3), "name": S("alphabet")},
        {"pk": S("p"), "sk": N(4), "size": N(3)},
    ])
    resp = query(ddb, table, "pk = :p", {":p": S("p"), ":a": S("alpha")},
                 names={"#n": "name"}, FilterExpression="begins_with(#n, :a)")
    assert [i["sk"]["N"] for i in resp["Items"]] == ["1", "3"]
    resp = query(ddb, table, "pk = :p", {":p": S("p"), ":x": S("x"), ":b": S("beta")},
                 names={"#n": "name"}, FilterExpression="contains(tags, :x) OR #n = :b")
    assert [i["sk"]["N"] for i in resp["Items"]] == ["1", "2"]
    resp = query(ddb, table, "pk = :p", {":p": S("p"), ":five": N(5)},
                 names={"#n": "name"}, FilterExpression="size(#n) > :five")
    assert [i["sk"]["N"] for i in resp["Items"]] == ["3"]
    resp = query(ddb, table, "pk = :p", {":p": S("p"), ":three": N(3)},
                 names={"#s": "size"},
                 FilterExpression="#s = :three AND attribute_not_exists(tags)")
    assert [i["sk"]["N"] for i in resp["Items"]] == ["4"]


def test_filter_in_and_not(ddb, typed_tables):
    resp = query(ddb, typed_tables["N"], "pk = :p",
                 {":p": S("p"), ":a": N(1), ":b": N(3), ":c": N(12)},
                 FilterExpression="NOT (n IN (:a, :b, :c))")
    assert resp["Count"] == len(NUMBERS) - 3


# --------------------------------------------------------------------------
# Select and ProjectionExpression


@pytest.fixture
def rich_table(ddb, make_table):
    table = make_table(range_key=("sk", "N"))
    put_all(ddb, table, [
        {"pk": S("p"), "sk": N(i), "a": N(i * 10), "b": S("b%d" % i),
         "m": {"M": {"x": N(i), "y": S("y")}}, "l": {"L": [S("l0"), S("l1"), S("l2")]},
         "status": S("on" if i % 2 else "off")}
        for i in range(4)])
    return table


def test_select_all_attributes(ddb, rich_table):
    resp = query(ddb, rich_table, "pk = :p", {":p": S("p")}, Select="ALL_ATTRIBUTES")
    assert len(resp["Items"]) == 4
    assert all(set(i) == {"pk", "sk", "a", "b", "m", "l", "status"} for i in resp["Items"])


def test_select_specific_attributes(ddb, rich_table):
    resp = query(ddb, rich_table, "pk = :p", {":p": S("p")}, Select="SPECIFIC_ATTRIBUTES",
                 ProjectionExpression="a, b")
    assert resp["Items"] == [{"a": N(i * 10), "b": S("b%d" % i)} for i in range(4)]


def test_projection_expression_defaults_to_specific(ddb, rich_table):
    resp = query(ddb, rich_table, "pk = :p AND sk = :one", {":p": S("p"), ":one": N(1)},
                 ProjectionExpression="sk, m.x, l[2], #s, nothing",
                 names={"#s": "status"})
    assert resp["Items"] == [{"sk": N(1), "m": {"M": {"x": N(1)}}, "l": {"L": [S("l2")]},
                              "status": S("on")}]


def test_projection_without_key_attributes(ddb, rich_table):
    resp = query(ddb, rich_table, "pk = :p", {":p": S("p")}, ProjectionExpression="b",
                 Limit=2)
    assert resp["Items"] == [{"b": S("b0")}, {"b": S("b1")}]
    # The page key is still the full primary key.
    assert canon_item(resp["LastEvaluatedKey"]) == canon_item({"pk": S("p"), "sk": N(1)})


def test_projection_of_missing_attribute_gives_empty_items(ddb, rich_table):
    resp = query(ddb, rich_table, "pk = :p", {":p": S("p")}, ProjectionExpression="zz")
    assert resp["Items"] == [{}, {}, {}, {}]
    assert resp["Count"] == 4


def test_filter_on_attribute_not_projected(ddb, rich_table):
    resp = query(ddb, rich_table, "pk = :p", {":p": S("p"), ":on": S("on")},
                 names={"#s": "status"}, FilterExpression="#s = :on",
                 ProjectionExpression="b")
    assert resp["Items"] == [{"b": S("b1")}, {"b": S("b3")}]


def test_select_count(ddb, rich_table):
    resp = query(ddb, rich_table, "pk = :p", {":p": S("p")}, Select="COUNT")
    assert "Items" not in resp
    assert resp["Count"] == resp["ScannedCount"] == 4


def test_select_count_with_filter(ddb, rich_table):
    resp = query(ddb, rich_table, "pk = :p", {":p": S("p"), ":x": N(15)}, Select="COUNT",
                 FilterExpression="a > :x")
    assert "Items" not in resp
    assert resp["Count"] == 2 and resp["ScannedCount"] == 4


def test_select_count_with_limit(ddb, rich_table):
    resp = query(ddb, rich_table, "pk = :p", {":p": S("p")}, Select="COUNT", Limit=3)
    assert resp["Count"] == 3
    assert canon_item(resp["LastEvaluatedKey"]) == canon_item({"pk": S("p"), "sk": N(2)})


def test_select_count_empty(ddb, rich_table):
    resp = query(ddb, rich_table, "pk = :p", {":p": S("none")}, Select="COUNT")
    assert resp["Count"] == 0 and resp["ScannedCount"] == 0
    assert "Items" not in resp


@pytest.mark.parametrize("consistent", [True, False])
def test_consistent_read(ddb, rich_table, consistent):
    resp = query(ddb, rich_table, "pk = :p AND sk > :z", {":p": S("p"), ":z": N(0)},
                 ConsistentRead=consistent)
    assert [i["sk"] for i in resp["Items"]] == [N(1), N(2), N(3)]


def test_query_sees_latest_writes(ddb, rich_table):
    ddb.put_item(TableName=rich_table, Item={"pk": S("p"), "sk": N(9), "new": S("yes")})
    ddb.delete_item(TableName=rich_table, Key={"pk": S("p"), "sk": N(0)})
    ddb.update_item(TableName=rich_table, Key={"pk": S("p"), "sk": N(1)},
                    UpdateExpression="SET a = :v", ExpressionAttributeValues={":v": N(-1)})
    resp = query(ddb, rich_table, "pk = :p", {":p": S("p")}, ConsistentRead=True,
                 ProjectionExpression="sk, a")
    assert resp["Items"] == [{"sk": N(1), "a": N(-1)}, {"sk": N(2), "a": N(20)},
                             {"sk": N(3), "a": N(30)}, {"sk": N(9)}]


# --------------------------------------------------------------------------
# Legacy parameters


def cond(op, *values):
    return {"ComparisonOperator": op, "AttributeValueList": list(values)}


LEGACY_CASES = [
    ("EQ", [N(2)], [2]),
    ("LE", [N(1)], [Decimal("-1e10"), Decimal("-5.5"), -1, Decimal("-0.5"), 0,
                    Decimal("0.001"), 1]),
    ("LT", [N(-1)], [Decimal("-1e10"), Decimal("-5.5")]),
    ("GE", [N(100)], [100, Decimal("1e10")]),
    ("GT", [N(100)], [Decimal("1e10")]),
    ("BETWEEN", [N(0), N(2)], [0, Decimal("0.001"), 1, Decimal("1.5"), 2]),
]


@pytest.mark.parametrize("op,args,expected", LEGACY_CASES)
def test_key_conditions(ddb, typed_tables, op, args, expected):
    resp = ddb.query(TableName=typed_tables["N"],
                     KeyConditions={"pk": cond("EQ", S("p")), "sk": cond(op, *args)})
    assert sks(resp) == expected


def test_key_conditions_begins_with(ddb, typed_tables):
    resp = ddb.query(TableName=typed_tables["S"],
                     KeyConditions={"pk": cond("EQ", S("p")), "sk": cond("BEGINS_WITH", S("a"))})
    assert [i["sk"]["S"] for i in resp["Items"]] == ["a", "a b", "aa", "ab"]


def test_key_conditions_hash_only(ddb, typed_tables):
    resp = ddb.query(TableName=typed_tables["B"], KeyConditions={"pk": cond("EQ", S("q"))},
                     ScanIndexForward=False)
    assert [bytes(i["sk"]["B"]) for i in resp["Items"]] == sorted(BINARIES[:3], reverse=True)


def test_key_conditions_paging(ddb, typed_tables):
    items, pages = all_pages(ddb, TableName=typed_tables["N"], Limit=5,
                             KeyConditions={"pk": cond("EQ", S("p")), "sk": cond("GT", N(0))})
    assert [Decimal(i["sk"]["N"]) for i in items] == [Decimal("0.001"), 1, Decimal("1.5"), 2,
                                                      10, 20, 100, Decimal("1e10")]
    assert len(pages) == 2


def test_query_filter(ddb, typed_tables):
    resp = ddb.query(TableName=typed_tables["N"], KeyConditions={"pk": cond("EQ", S("p"))},
                     QueryFilter={"n": cond("BETWEEN", N(3), N(5))})
    assert [i["n"] for i in resp["Items"]] == [N(3), N(4), N(5)]
    assert resp["ScannedCount"] == len(NUMBERS)


def test_query_filter_and_by_default(ddb, typed_tables):
    resp = ddb.query(TableName=typed_tables["N"], KeyConditions={"pk": cond("EQ", S("p"))},
                     QueryFilter={"n": cond("LT", N(6)), "even": cond("EQ", {"BOOL": True})})
    assert [i["n"] for i in resp["Items"]] == [N(0), N(2), N(4)]


def test_query_filter_conditional_operator_or(ddb, typed_tables):
    resp = ddb.query(TableName=typed_tables["N"], KeyConditions={"pk": cond("EQ", S("p"))},
                     QueryFilter={"n": cond("LT", N(2)), "even": cond("EQ", {"BOOL": False})},
                     ConditionalOperator="OR")
    assert [i["n"]["N"] for i in resp["Items"]] == ["0", "1", "3", "5", "7", "9", "11"]


def test_key_conditions_with_query_filter_and_attributes_to_get(ddb, typed_tables):
    resp = ddb.query(TableName=typed_tables["S"],
                     KeyConditions={"pk": cond("EQ", S("p")), "sk": cond("LT", S("a"))},
                     QueryFilter={"n": cond("NE", N(1))}, AttributesToGet=["sk", "n"])
    assert resp["Items"] == [{"sk": S("0"), "n": N(11)}, {"sk": S("A"), "n": N(0)},
                             {"sk": S("Z"), "n": N(2)}]


def test_attributes_to_get(ddb, rich_table):
    resp = ddb.query(TableName=rich_table, KeyConditions={"pk": cond("EQ", S("p"))},
                     AttributesToGet=["b", "status", "missing"], Limit=2)
    assert resp["Items"] == [{"b": S("b0"), "status": S("off")}, {"b": S("b1"), "status": S("on")}]


def test_attributes_to_get_with_select_specific(ddb, rich_table):
    resp = ddb.query(TableName=rich_table, KeyConditions={"pk": cond("EQ", S("p"))},
                     AttributesToGet=["a"], Select="SPECIFIC_ATTRIBUTES")
    assert resp["Items"] == [{"a": N(i * 10)} for i in range(4)]


# --------------------------------------------------------------------------
# The 1 MB page limit

BIG_COUNT = 300
PAD = "x" * 4000


def big_item(i):
    return {"pk": S("big"), "sk": N(i), "pad": S(PAD), "odd": {"BOOL": i % 2 == 1}}


@pytest.fixture(scope="module")
def big_table(ddb, module_tables):
    """About 1.2 MB in one partition: 300 items of about 4 KB."""
    table = module_tables(range_key=("sk", "N"))
    put_all(ddb, table, [big_item(i) for i in range(BIG_COUNT)])
    # One small item in another partition, which the queries never see.
    ddb.put_item(TableName=table, Item={"pk": S("small"), "sk": N(0)})
    return table


def assert_about_one_mb(count, first=0):
    size = sum(item_size(big_item(i)) for i in range(first, first + count))
    biggest = item_size(big_item(BIG_COUNT - 1))
    assert 0.9 * MB <= size <= MB + biggest, (count, size)


def big_query(ddb, table, values=None, **params):
    params.setdefault("KeyConditionExpression", "pk = :p")
    return ddb.query(TableName=table, ExpressionAttributeValues=dict({":p": S("big")},
                                                                     **(values or {})),
                     **params)


def test_first_page_is_about_one_megabyte(ddb, big_table):
    resp = big_query(ddb, big_table)
    n = resp["Count"]
    assert 0 < n < BIG_COUNT
    assert resp["ScannedCount"] == n
    assert_about_one_mb(n)
    assert [int(i["sk"]["N"]) for i in resp["Items"]] == list(range(n))
    assert resp["LastEvaluatedKey"] == {"pk": S("big"), "sk": N(n - 1)}


def test_paging_past_one_megabyte_gets_everything(ddb, big_table):
    items, pages = all_pages(ddb, TableName=big_table, KeyConditionExpression="pk = :p",
                             ExpressionAttributeValues={":p": S("big")})
    assert [int(i["sk"]["N"]) for i in items] == list(range(BIG_COUNT))
    assert len(pages) == 2
    assert all(i["pad"] == S(PAD) for i in items)


def test_one_megabyte_descending(ddb, big_table):
    resp = big_query(ddb, big_table, ScanIndexForward=False)
    n = resp["Count"]
    assert 0 < n < BIG_COUNT
    assert_about_one_mb(n, first=BIG_COUNT - n)
    assert [int(i["sk"]["N"]) for i in resp["Items"]] == list(range(BIG_COUNT - 1,
                                                                   BIG_COUNT - 1 - n, -1))
    rest = big_query(ddb, big_table, ScanIndexForward=False,
                     ExclusiveStartKey=resp["LastEvaluatedKey"])
    assert rest["Count"] == BIG_COUNT - n
    assert "LastEvaluatedKey" not in rest


def test_one_megabyte_wins_over_a_larger_limit(ddb, big_table):
    plain = big_query(ddb, big_table)
    resp = big_query(ddb, big_table, Limit=1000)
    assert resp["Count"] == plain["Count"]
    assert "LastEvaluatedKey" in resp


def test_limit_below_one_megabyte(ddb, big_table):
    resp = big_query(ddb, big_table, Limit=10)
    assert resp["Count"] == 10
    assert resp["LastEvaluatedKey"] == {"pk": S("big"), "sk": N(9)}


def test_one_megabyte_counts_before_the_filter(ddb, big_table):
    plain = big_query(ddb, big_table)
    resp = big_query(ddb, big_table, FilterExpression="attribute_exists(nope)")
    assert resp["Items"] == [] and resp["Count"] == 0
    assert resp["ScannedCount"] == plain["Count"]
    assert resp["LastEvaluatedKey"] == plain["LastEvaluatedKey"]


def test_one_megabyte_counts_before_the_projection(ddb, big_table):
    plain = big_query(ddb, big_table)
    resp = big_query(ddb, big_table, ProjectionExpression="sk")
    assert resp["Count"] == plain["Count"]
    assert resp["LastEvaluatedKey"] == plain["LastEvaluatedKey"]
    assert resp["Items"][0] == {"sk": N(0)}


def test_one_megabyte_with_select_count(ddb, big_table):
    plain = big_query(ddb, big_table)
    resp = big_query(ddb, big_table, Select="COUNT")
    assert "Items" not in resp
    assert resp["Count"] == plain["Count"]
    assert resp["LastEvaluatedKey"] == plain["LastEvaluatedKey"]


def test_one_megabyte_filtered_paging(ddb, big_table):
    items, pages = all_pages(ddb, TableName=big_table, KeyConditionExpression="pk = :p",
                             FilterExpression="odd = :t",
                             ExpressionAttributeValues={":p": S("big"), ":t": {"BOOL": True}},
                             ProjectionExpression="sk")
    assert [int(i["sk"]["N"]) for i in items] == list(range(1, BIG_COUNT, 2))
    assert len(pages) == 2
    assert sum(p["ScannedCount"] for p in pages) == BIG_COUNT


def test_one_megabyte_with_range_condition(ddb, big_table):
    resp = big_query(ddb, big_table, KeyConditionExpression="pk = :p AND sk >= :lo",
                     values={":lo": N(100)})
    n = resp["Count"]
    assert n == BIG_COUNT - 100
    assert "LastEvaluatedKey" not in resp
