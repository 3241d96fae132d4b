"""Scan: every item exactly once, Limit and ExclusiveStartKey/LastEvaluatedKey
paging (also through boto3's paginator), FilterExpression with Count and
ScannedCount, Select, ProjectionExpression, the legacy ScanFilter,
ConditionalOperator and AttributesToGet, parallel scans with Segment and
TotalSegments, and the 1 MB page limit."""

from collections import Counter

import pytest

from ddbvalues import N, S, canon_item
from conftest import assert_error

MB = 1024 * 1024
VE = "ValidationException"


# --------------------------------------------------------------------------
# Helpers


def put_all(ddb, table, items):
    for item in items:
        ddb.put_item(TableName=table, Item=item)


def all_pages(ddb, **params):
    """Follow LastEvaluatedKey to the end; returns (items, pages)."""
    items, pages = [], []
    while True:
        resp = ddb.scan(**params)
        pages.append(resp)
        items += resp.get("Items", [])
        if "LastEvaluatedKey" not in resp:
            return items, pages
        params["ExclusiveStartKey"] = resp["LastEvaluatedKey"]


def keys(items, names=("pk", "sk")):
    """The primary keys of items as hashable tuples."""
    return [tuple(next(iter(i[n].values())) for n in names if n in i) for i in items]


def assert_each_once(items, expected, names=("pk", "sk")):
    got = Counter(keys(items, names))
    assert all(c == 1 for c in got.values()), [k for k, c in got.items() if c > 1]
    assert set(got) == set(expected)


# --------------------------------------------------------------------------
# Tables shared by the read-only tests of this module

PARTITIONS = 5
PER_PARTITION = 6


def small_item(p, s):
    return {"pk": S("p%d" % p), "sk": N(s), "v": N(p * 10 + s), "tag": S("t%d" % (s % 3)),
            "status": S("on" if s % 2 else "off")}


SMALL_KEYS = {("p%d" % p, str(s)) for p in range(PARTITIONS) for s in range(PER_PARTITION)}
SMALL_COUNT = PARTITIONS * PER_PARTITION


@pytest.fixture(scope="module")
def small_table(ddb, module_tables):
    table = module_tables(range_key=("sk", "N"))
    put_all(ddb, table, [small_item(p, s) for p in range(PARTITIONS)
                         for s in range(PER_PARTITION)])
    return table


# --------------------------------------------------------------------------
# Whole-table scans


def test_scan_returns_every_item_once(ddb, small_table):
    resp = ddb.scan(TableName=small_table)
    assert resp["Count"] == resp["ScannedCount"] == SMALL_COUNT
    assert_each_once(resp["Items"], SMALL_KEYS)
    assert "LastEvaluatedKey" not in resp
    by_key = {(i["pk"]["S"], i["sk"]["N"]): i for i in resp["Items"]}
    assert by_key[("p3", "4")] == small_item(3, 4)


def test_scan_keeps_sort_order_within_a_partition(ddb, small_table):
    items = ddb.scan(TableName=small_table)["Items"]
    for p in range(PARTITIONS):
        sks = [int(i["sk"]["N"]) for i in items if i["pk"]["S"] == "p%d" % p]
        assert sks == sorted(sks)


def test_scan_empty_table(ddb, make_table):
    table = make_table()
    resp = ddb.scan(TableName=table)
    assert resp["Items"] == []
    assert resp["Count"] == 0 and resp["ScannedCount"] == 0
    assert "LastEvaluatedKey" not in resp


def test_scan_hash_only_table(ddb, make_table):
    table = make_table()
    put_all(ddb, table, [{"pk": S("k%d" % i), "n": N(i)} for i in range(10)])
    resp = ddb.scan(TableName=table)
    assert sorted(int(i["n"]["N"]) for i in resp["Items"]) == list(range(10))


@pytest.mark.parametrize("consistent", [True, False])
def test_scan_consistent_read(ddb, small_table, consistent):
    resp = ddb.scan(TableName=small_table, ConsistentRead=consistent)
    assert resp["Count"] == SMALL_COUNT


def test_scan_sees_latest_writes(ddb, make_table):
    table = make_table()
    put_all(ddb, table, [{"pk": S("a")}, {"pk": S("b")}])
    ddb.delete_item(TableName=table, Key={"pk": S("a")})
    ddb.put_item(TableName=table, Item={"pk": S("c")})
    resp = ddb.scan(TableName=table, ConsistentRead=True)
    assert sorted(i["pk"]["S"] for i in resp["Items"]) == ["b", "c"]


# --------------------------------------------------------------------------
# Limit and paging


def test_scan_limit(ddb, small_table):
    resp = ddb.scan(TableName=small_table, Limit=7)
    assert resp["Count"] == resp["ScannedCount"] == 7
    last = resp["Items"][-1]
    assert canon_item(resp["LastEvaluatedKey"]) == canon_item({"pk": last["pk"],
                                                                "sk": last["sk"]})


def test_scan_paging_round_trip(ddb, small_table):
    items, pages = all_pages(ddb, TableName=small_table, Limit=7)
    assert_each_once(items, SMALL_KEYS)
    assert len(pages) in (5, 6)
    for page in pages[:-1]:
        assert page["Count"] == 7
        last = page["Items"][-1]
        assert canon_item(page["LastEvaluatedKey"]) == canon_item({"pk": last["pk"],
                                                                    "sk": last["sk"]})


def test_scan_exclusive_start_key_continues_after_it(ddb, small_table):
    everything = ddb.scan(TableName=small_table)["Items"]
    first = ddb.scan(TableName=small_table, Limit=11)
    rest = ddb.scan(TableName=small_table, ExclusiveStartKey=first["LastEvaluatedKey"])
    assert keys(first["Items"]) + keys(rest["Items"]) == keys(everything)


def test_scan_limit_equal_to_table_size(ddb, small_table):
    resp = ddb.scan(TableName=small_table, Limit=SMALL_COUNT)
    assert resp["Count"] == SMALL_COUNT
    assert "LastEvaluatedKey" in resp
    rest = ddb.scan(TableName=small_table, Limit=SMALL_COUNT,
                    ExclusiveStartKey=resp["LastEvaluatedKey"])
    assert rest["Items"] == [] and rest["Count"] == 0
    assert "LastEvaluatedKey" not in rest


def test_scan_limit_larger_than_table(ddb, small_table):
    resp = ddb.scan(TableName=small_table, Limit=1000)
    assert resp["Count"] == SMALL_COUNT
    assert "LastEvaluatedKey" not in resp


def test_scan_paginator(ddb, small_table):
    pages = list(ddb.get_paginator("scan").paginate(TableName=small_table,
                                                     PaginationConfig={"PageSize": 4}))
    items = [i for page in pages for i in page["Items"]]
    assert_each_once(items, SMALL_KEYS)
    assert len(pages) >= SMALL_COUNT // 4


# --------------------------------------------------------------------------
# FilterExpression, Select and ProjectionExpression


def test_scan_filter(ddb, small_table):
    resp = ddb.scan(TableName=small_table, FilterExpression="tag = :t",
                    ExpressionAttributeValues={":t": S("t1")})
    assert resp["ScannedCount"] == SMALL_COUNT
    assert resp["Count"] == 10
    assert_each_once(resp["Items"], {k for k in SMALL_KEYS if int(k[1]) % 3 == 1})


def test_scan_filter_on_key_attributes(ddb, small_table):
    # Unlike Query, Scan may filter on the primary key.
    resp = ddb.scan(TableName=small_table, FilterExpression="pk = :p AND sk >= :s",
                    ExpressionAttributeValues={":p": S("p2"), ":s": N(4)})
    assert_each_once(resp["Items"], {("p2", "4"), ("p2", "5")})


def test_scan_filter_with_reserved_word(ddb, small_table):
    resp = ddb.scan(TableName=small_table, FilterExpression="#s = :on AND v < :v",
                    ExpressionAttributeNames={"#s": "status"},
                    ExpressionAttributeValues={":on": S("on"), ":v": N(20)})
    assert_each_once(resp["Items"], {("p0", "1"), ("p0", "3"), ("p0", "5"), ("p1", "1"),
                                     ("p1", "3"), ("p1", "5")})


def test_scan_limit_counts_before_the_filter(ddb, small_table):
    resp = ddb.scan(TableName=small_table, Limit=10, FilterExpression="tag = :t",
                    ExpressionAttributeValues={":t": S("t0")})
    assert resp["ScannedCount"] == 10
    assert resp["Count"] == len(resp["Items"]) <= 10
    assert "LastEvaluatedKey" in resp


def test_scan_filtered_paging_finds_every_match(ddb, small_table):
    items, pages = all_pages(ddb, TableName=small_table, Limit=4, FilterExpression="v > :v",
                             ExpressionAttributeValues={":v": N(33)})
    assert_each_once(items, {k for k in SMALL_KEYS if int(k[0][1:]) * 10 + int(k[1]) > 33})
    assert sum(p["ScannedCount"] for p in pages) == SMALL_COUNT


def test_scan_filter_matching_nothing(ddb, small_table):
    resp = ddb.scan(TableName=small_table, FilterExpression="attribute_exists(nope)")
    assert resp["Items"] == [] and resp["Count"] == 0
    assert resp["ScannedCount"] == SMALL_COUNT


def test_scan_select_count(ddb, small_table):
    resp = ddb.scan(TableName=small_table, Select="COUNT")
    assert "Items" not in resp
    assert resp["Count"] == resp["ScannedCount"] == SMALL_COUNT


def test_scan_select_count_with_filter_and_limit(ddb, small_table):
    resp = ddb.scan(TableName=small_table, Select="COUNT", FilterExpression="v >= :v",
                    ExpressionAttributeValues={":v": N(0)}, Limit=9)
    assert "Items" not in resp
    assert resp["Count"] == resp["ScannedCount"] == 9
    assert "LastEvaluatedKey" in resp


def test_scan_select_all_attributes(ddb, small_table):
    resp = ddb.scan(TableName=small_table, Select="ALL_ATTRIBUTES", Limit=3)
    assert all(set(i) == {"pk", "sk", "v", "tag", "status"} for i in resp["Items"])


def test_scan_projection(ddb, small_table):
    resp = ddb.scan(TableName=small_table, ProjectionExpression="v, #s",
                    ExpressionAttributeNames={"#s": "status"})
    assert resp["Count"] == SMALL_COUNT
    assert all(set(i) == {"v", "status"} for i in resp["Items"])
    resp = ddb.scan(TableName=small_table, Select="SPECIFIC_ATTRIBUTES",
                    ProjectionExpression="sk")
    assert sorted(int(i["sk"]["N"]) for i in resp["Items"]) == sorted(
        s for _ in range(PARTITIONS) for s in range(PER_PARTITION))


# --------------------------------------------------------------------------
# Legacy parameters


def cond(op, *values):
    return {"ComparisonOperator": op, "AttributeValueList": list(values)}


@pytest.mark.parametrize("scan_filter,expected", [
    ({"tag": cond("EQ", S("t2"))}, lambda p, s: s % 3 == 2),
    ({"v": cond("BETWEEN", N(12), N(21))}, lambda p, s: 12 <= p * 10 + s <= 21),
    ({"v": cond("IN", N(1), N(44), N(99))}, lambda p, s: p * 10 + s in (1, 44)),
    ({"pk": cond("BEGINS_WITH", S("p4"))}, lambda p, s: p == 4),
    ({"status": cond("NE", S("on"))}, lambda p, s: s % 2 == 0),
    ({"nope": cond("NULL")}, lambda p, s: True),
    ({"tag": cond("NOT_NULL")}, lambda p, s: True),
    ({"tag": cond("CONTAINS", S("1"))}, lambda p, s: s % 3 == 1),
    ({"v": cond("LT", N(3)), "sk": cond("GE", N(1))}, lambda p, s: p == 0 and 1 <= s < 3),
])
def test_scan_filter_legacy(ddb, small_table, scan_filter, expected):
    resp = ddb.scan(TableName=small_table, ScanFilter=scan_filter)
    assert_each_once(resp["Items"], {("p%d" % p, str(s)) for p in range(PARTITIONS)
                                     for s in range(PER_PARTITION) if expected(p, s)})
    assert resp["ScannedCount"] == SMALL_COUNT


def test_scan_filter_conditional_operator_or(ddb, small_table):
    resp = ddb.scan(TableName=small_table, ConditionalOperator="OR",
                    ScanFilter={"v": cond("LT", N(2)), "pk": cond("EQ", S("p4"))})
    assert_each_once(resp["Items"], {("p0", "0"), ("p0", "1")} |
                     {("p4", str(s)) for s in range(PER_PARTITION)})


def test_scan_filter_conditional_operator_and(ddb, small_table):
    resp = ddb.scan(TableName=small_table, ConditionalOperator="AND",
                    ScanFilter={"v": cond("LT", N(2)), "pk": cond("EQ", S("p0"))})
    assert_each_once(resp["Items"], {("p0", "0"), ("p0", "1")})


def test_scan_attributes_to_get(ddb, small_table):
    resp = ddb.scan(TableName=small_table, AttributesToGet=["tag", "status"],
                    ScanFilter={"pk": cond("EQ", S("p1")), "sk": cond("EQ", N(2))})
    assert resp["Items"] == [{"tag": S("t2"), "status": S("off")}]


# --------------------------------------------------------------------------
# Parallel scan

PARALLEL_COUNT = 500
PARALLEL_KEYS = {("u%03d" % i,) for i in range(PARALLEL_COUNT)}


@pytest.fixture(scope="module")
def parallel_table(ddb, module_tables):
    table = module_tables()
    put_all(ddb, table, [{"pk": S("u%03d" % i), "n": N(i)} for i in range(PARALLEL_COUNT)])
    return table


def segment_items(ddb, table, segment, total, **params):
    items, _ = all_pages(ddb, TableName=table, Segment=segment, TotalSegments=total, **params)
    return items


@pytest.mark.parametrize("total", [1, 2, 4, 7])
def test_parallel_scan_covers_every_item_once(ddb, parallel_table, total):
    segments = [segment_items(ddb, parallel_table, s, total) for s in range(total)]
    assert_each_once([i for seg in segments for i in seg], PARALLEL_KEYS, names=("pk",))
    if total <= 4:
        assert all(segments), [len(s) for s in segments]


@pytest.mark.parametrize("total,limit", [(4, 23), (7, 10)])
def test_parallel_scan_segments_page(ddb, parallel_table, total, limit):
    union = []
    for s in range(total):
        whole = ddb.scan(TableName=parallel_table, Segment=s, TotalSegments=total)
        assert "LastEvaluatedKey" not in whole
        items, pages = all_pages(ddb, TableName=parallel_table, Segment=s, TotalSegments=total,
                                 Limit=limit)
        # Paging a segment visits exactly the segment's items, in the same order.
        assert keys(items, ("pk",)) == keys(whole["Items"], ("pk",))
        for page in pages[:-1]:
            assert page["Count"] == limit
            assert page["LastEvaluatedKey"] == {"pk": page["Items"][-1]["pk"]}
        union += items
    assert_each_once(union, PARALLEL_KEYS, names=("pk",))


def test_parallel_scan_many_segments(ddb, parallel_table):
    total = 64
    union = []
    for s in range(total):
        union += segment_items(ddb, parallel_table, s, total)
    assert_each_once(union, PARALLEL_KEYS, names=("pk",))


def test_parallel_scan_segments_are_stable(ddb, parallel_table):
    a = segment_items(ddb, parallel_table, 2, 7)
    b = segment_items(ddb, parallel_table, 2, 7)
    assert keys(a, ("pk",)) == keys(b, ("pk",))


def test_parallel_scan_select_count(ddb, parallel_table):
    total = 0
    for s in range(4):
        resp = ddb.scan(TableName=parallel_table, Segment=s, TotalSegments=4, Select="COUNT")
        assert "Items" not in resp
        total += resp["Count"]
    assert total == PARALLEL_COUNT


def test_parallel_scan_with_filter(ddb, parallel_table):
    union = []
    for s in range(4):
        union += segment_items(ddb, parallel_table, s, 4, FilterExpression="n < :n",
                               ExpressionAttributeValues={":n": N(50)})
    assert_each_once(union, {("u%03d" % i,) for i in range(50)}, names=("pk",))


def test_parallel_scan_start_key_from_another_segment(ddb, parallel_table):
    first = ddb.scan(TableName=parallel_table, Segment=0, TotalSegments=4, Limit=1)
    msg = assert_error(ddb.scan, VE, TableName=parallel_table, Segment=1, TotalSegments=4,
                       ExclusiveStartKey=first["LastEvaluatedKey"],
                       prefix="The provided starting key is invalid: Invalid ExclusiveStartKey. "
                              "Please use ExclusiveStartKey with correct Segment.")
    # message unverified after the prefix (the segment numbers that follow)
    assert "TotalSegments: 4" in msg


def test_parallel_scan_of_a_hash_range_table(ddb, small_table):
    union = []
    for s in range(3):
        union += segment_items(ddb, small_table, s, 3, Limit=4)
    assert_each_once(union, SMALL_KEYS)


# --------------------------------------------------------------------------
# The 1 MB page limit

BIG_COUNT = 300
PAD = "x" * 4000
ITEM_SIZE = len("pk") + len("big000") + len("pad") + len(PAD)


@pytest.fixture(scope="module")
def big_table(ddb, module_tables):
    """About 1.2 MB: 300 items of about 4 KB."""
    table = module_tables()
    put_all(ddb, table, [{"pk": S("big%03d" % i), "pad": S(PAD)} for i in range(BIG_COUNT)])
    return table


BIG_KEYS = {("big%03d" % i,) for i in range(BIG_COUNT)}


def test_scan_first_page_is_about_one_megabyte(ddb, big_table):
    resp = ddb.scan(TableName=big_table)
    n = resp["Count"]
    assert 0 < n < BIG_COUNT
    assert 0.9 * MB <= n * ITEM_SIZE <= MB + ITEM_SIZE, n
    assert resp["ScannedCount"] == n
    assert resp["LastEvaluatedKey"] == {"pk": resp["Items"][-1]["pk"]}


def test_scan_paging_past_one_megabyte_gets_everything(ddb, big_table):
    items, pages = all_pages(ddb, TableName=big_table)
    assert_each_once(items, BIG_KEYS, names=("pk",))
    assert len(pages) == 2
    assert all(i["pad"] == S(PAD) for i in items)


def test_scan_one_megabyte_wins_over_a_larger_limit(ddb, big_table):
    plain = ddb.scan(TableName=big_table)
    resp = ddb.scan(TableName=big_table, Limit=BIG_COUNT)
    assert resp["Count"] == plain["Count"]
    assert resp["LastEvaluatedKey"] == plain["LastEvaluatedKey"]


def test_scan_one_megabyte_counts_before_filter_and_projection(ddb, big_table):
    plain = ddb.scan(TableName=big_table)
    resp = ddb.scan(TableName=big_table, FilterExpression="attribute_not_exists(#p)",
                    ExpressionAttributeNames={"#p": "pad"})
    assert resp["Items"] == [] and resp["Count"] == 0
    assert resp["ScannedCount"] == plain["Count"]
    assert resp["LastEvaluatedKey"] == plain["LastEvaluatedKey"]
    resp = ddb.scan(TableName=big_table, ProjectionExpression="pk")
    assert resp["Count"] == plain["Count"]
    assert resp["LastEvaluatedKey"] == plain["LastEvaluatedKey"]


def test_scan_one_megabyte_select_count_is_partial(ddb, big_table):
    resp = ddb.scan(TableName=big_table, Select="COUNT")
    assert 0 < resp["Count"] < BIG_COUNT
    assert "LastEvaluatedKey" in resp
    rest = ddb.scan(TableName=big_table, Select="COUNT",
                    ExclusiveStartKey=resp["LastEvaluatedKey"])
    assert resp["Count"] + rest["Count"] == BIG_COUNT
    assert "LastEvaluatedKey" not in rest


def test_scan_one_megabyte_per_segment(ddb, big_table):
    union = []
    for s in range(2):
        union += segment_items(ddb, big_table, s, 2)
    assert_each_once(union, BIG_KEYS, names=("pk",))


def test_scan_one_megabyte_paginator(ddb, big_table):
    pages = list(ddb.get_paginator("scan").paginate(TableName=big_table,
                                                     ProjectionExpression="pk"))
    assert len(pages) == 2
    assert_each_once([i for p in pages for i in p["Items"]], BIG_KEYS, names=("pk",))
