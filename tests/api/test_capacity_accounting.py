"""The capacity units every data operation reports, on items of many sizes
around each 1 KB (write) and 4 KB (read) boundary up to 400 KB, and the
shares of secondary indexes (ReturnConsumedCapacity=INDEXES).

The expected units are computed here from the service's published
arithmetic, independently of the server: reads 1 unit per 4 KB (rounded up,
at least 1), half when eventually consistent, double in a transaction;
writes 1 unit per 1 KB of the larger of the old and new item, double in a
transaction; Query and Scan by the bytes read before the filter, summed over
the page and rounded once; an index write by the size of its entry (the
projected item), a move between index keys costing a delete and a put."""

import math

import pytest

from ddbvalues import N, S

KB = 1024
# item sizes: the smallest items, each side of the 1 KB and 4 KB steps, and
# the 400 KB limit
SIZES = [3, 5, 100, 1023, 1024, 1025, 2047, 2048, 2049, 3072, 4095, 4096, 4097, 8191, 8192,
         8193, 12288, 12289, 65536, 102400, 204801, 409600]


def read_units(size, consistent=True):
    units = max(1, math.ceil(size / (4 * KB)))
    return float(units) if consistent else units / 2


def write_units(size):
    return float(max(1, math.ceil(size / KB)))


def item_of_size(pk, size, pad_name="pd"):
    """An item of exactly `size` bytes by the service's rule (name bytes plus
    value bytes per attribute); key-only when it is small."""
    base = 2 + len(pk)  # "pk" + its value
    if size <= base + len(pad_name):
        return {"pk": S("x" * (size - 2))}
    return {"pk": S(pk), pad_name: S("y" * (size - base - len(pad_name)))}


def key_of(item):
    return {"pk": item["pk"]}


def total(table, units, write=False):
    kind = "WriteCapacityUnits" if write else "ReadCapacityUnits"
    return {"TableName": table, "CapacityUnits": units, kind: units}


@pytest.fixture(scope="module")
def table(module_tables):
    return module_tables()


def test_the_size_helper_is_exact():
    # the rule, checked on two worked examples: pk "ab" (2 + 2) and
    # pd of 11 (2 + 11)
    assert item_of_size("ab", 17) == {"pk": S("ab"), "pd": S("y" * 11)}
    assert item_of_size("zz", 3) == {"pk": S("x")}


@pytest.mark.parametrize("size", SIZES)
def test_single_item_operations(ddb, table, size):
    item = item_of_size("s%d" % size, size)
    key = key_of(item)
    put = ddb.put_item(TableName=table, Item=item, ReturnConsumedCapacity="TOTAL")
    assert put["ConsumedCapacity"] == total(table, write_units(size), write=True)
    for consistent in (True, False):
        got = ddb.get_item(TableName=table, Key=key, ConsistentRead=consistent,
                           ReturnConsumedCapacity="TOTAL")
        assert got["Item"] == item
        assert got["ConsumedCapacity"] == total(table, read_units(size, consistent))
    # an overwrite by a small item is charged for the larger, old one
    small = dict(key)
    over = ddb.put_item(TableName=table, Item=small, ReturnConsumedCapacity="TOTAL")
    assert over["ConsumedCapacity"] == total(table, write_units(size), write=True)
    # an update that makes the item this size again is charged for the new size
    if "pd" in item:
        upd = ddb.update_item(TableName=table, Key=key, UpdateExpression="SET pd = :p",
                              ExpressionAttributeValues={":p": item["pd"]},
                              ReturnConsumedCapacity="TOTAL")
        assert upd["ConsumedCapacity"] == total(table, write_units(size), write=True)
    else:
        ddb.put_item(TableName=table, Item=item)
    gone = ddb.delete_item(TableName=table, Key=key, ReturnConsumedCapacity="TOTAL")
    assert gone["ConsumedCapacity"] == total(table, write_units(size), write=True)


@pytest.mark.parametrize("size", [1023, 1025, 4096, 4097, 102400])
def test_failed_condition_changes_nothing(ddb, table, size):
    item = item_of_size("c%d" % size, size)
    ddb.put_item(TableName=table, Item=item)
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
        ddb.put_item(TableName=table, Item=key_of(item), ConditionExpression="attribute_not_exists(pk)",
                     ReturnConsumedCapacity="TOTAL")
    assert ddb.get_item(TableName=table, Key=key_of(item), ConsistentRead=True)["Item"] == item


@pytest.mark.parametrize("size", [100, 1025, 4097, 8193, 204801])
def test_batches_charge_per_item(ddb, make_table, size):
    t = make_table()
    items = [item_of_size("b%d-%d" % (size, i), size + i) for i in range(3)]
    w = ddb.batch_write_item(RequestItems={t: [{"PutRequest": {"Item": it}} for it in items]},
                             ReturnConsumedCapacity="TOTAL")
    assert w["ConsumedCapacity"] == [total(t, sum(write_units(size + i) for i in range(3)),
                                           write=True)]
    for consistent in (True, False):
        g = ddb.batch_get_item(RequestItems={t: {"Keys": [key_of(it) for it in items] +
                                                 [{"pk": S("absent")}],
                                                 "ConsistentRead": consistent}},
                               ReturnConsumedCapacity="TOTAL")
        expected = sum(read_units(size + i, consistent) for i in range(3))
        expected += read_units(0, consistent)  # the absent key costs the minimum
        assert g["ConsumedCapacity"] == [total(t, expected)]
    d = ddb.batch_write_item(RequestItems={t: [{"DeleteRequest": {"Key": key_of(it)}}
                                               for it in items]},
                             ReturnConsumedCapacity="TOTAL")
    assert d["ConsumedCapacity"] == [total(t, sum(write_units(size + i) for i in range(3)),
                                           write=True)]


@pytest.mark.parametrize("size", [100, 1024, 1025, 4096, 4097, 102400])
def test_transactions_charge_double_per_item(ddb, make_table, size):
    t = make_table()
    a, b = item_of_size("ta%d" % size, size), item_of_size("tb%d" % size, size + 1)
    w = ddb.transact_write_items(TransactItems=[{"Put": {"TableName": t, "Item": a}},
                                                {"Put": {"TableName": t, "Item": b}}],
                                 ReturnConsumedCapacity="TOTAL")
    assert w["ConsumedCapacity"] == [total(t, 2 * (write_units(size) + write_units(size + 1)),
                                           write=True)]
    g = ddb.transact_get_items(TransactItems=[{"Get": {"TableName": t, "Key": key_of(a)}},
                                              {"Get": {"TableName": t, "Key": key_of(b)}}],
                               ReturnConsumedCapacity="TOTAL")
    assert g["ConsumedCapacity"] == [total(t, 2 * (read_units(size) + read_units(size + 1)))]
    u = ddb.transact_write_items(TransactItems=[
        {"Update": {"TableName": t, "Key": key_of(a), "UpdateExpression": "REMOVE pd"}}],
        ReturnConsumedCapacity="TOTAL")
    # the larger of the old and the new item
    assert u["ConsumedCapacity"] == [total(t, 2 * write_units(size), write=True)]


@pytest.mark.parametrize("sizes", [[1000, 1000, 1000, 1000, 97], [4096, 8], [4095, 8],
                                   [12289], [100] * 41, [409600, 409600]])
def test_query_and_scan_sum_the_page_before_the_filter(ddb, make_table, sizes):
    t = make_table(range_key=("sk", "S"))
    for i, size in enumerate(sizes):
        # pk "q" (2 + 1), sk "000" (2 + 3), pad (3 + n): at least 8 bytes
        item = {"pk": S("q"), "sk": S("%03d" % i)}
        if size > 8:
            item["pad"] = S("z" * (size - 8 - 3))
        ddb.put_item(TableName=t, Item=item)
    read = sum(sizes)
    for consistent in (True, False):
        q = ddb.query(TableName=t, KeyConditionExpression="pk = :p",
                      ExpressionAttributeValues={":p": S("q")},
                      FilterExpression="attribute_exists(nothing)", ConsistentRead=consistent,
                      ReturnConsumedCapacity="TOTAL")
        assert (q["Count"], q["ScannedCount"]) == (0, len(sizes))
        assert q["ConsumedCapacity"] == total(t, read_units(read, consistent))
        s = ddb.scan(TableName=t, ConsistentRead=consistent, ReturnConsumedCapacity="TOTAL",
                     FilterExpression="attribute_exists(nothing)")
        assert (s["Count"], s["ScannedCount"]) == (0, len(sizes))
        assert s["ConsumedCapacity"] == total(t, read_units(read, consistent))


def test_execute_statement_charges_like_the_operation_it_lowers_to(ddb, table):
    size = 5000
    item = item_of_size("pql", size)
    ins = ddb.execute_statement(Statement="INSERT INTO \"%s\" VALUE {'pk': 'pql', 'pd': ?}"
                                % table, Parameters=[item["pd"]],
                                ReturnConsumedCapacity="TOTAL")
    assert ins["ConsumedCapacity"] == total(table, write_units(size), write=True)
    for consistent in (True, False):
        sel = ddb.execute_statement(Statement="SELECT * FROM \"%s\" WHERE pk = 'pql'" % table,
                                    ConsistentRead=consistent, ReturnConsumedCapacity="TOTAL")
        assert sel["Items"] == [item]
        assert sel["ConsumedCapacity"] == total(table, read_units(size, consistent))
    upd = ddb.execute_statement(Statement="UPDATE \"%s\" SET pd = 'short' WHERE pk = 'pql'"
                                % table, ReturnConsumedCapacity="TOTAL")
    assert upd["ConsumedCapacity"] == total(table, write_units(size), write=True)
    dele = ddb.execute_statement(Statement="DELETE FROM \"%s\" WHERE pk = 'pql'" % table,
                                 ReturnConsumedCapacity="TOTAL")
    assert dele["ConsumedCapacity"] == total(table, write_units(2 + 3 + 2 + 5), write=True)


# --------------------------------------------------------------------------
# Secondary indexes


@pytest.fixture(scope="module")
def indexed(ddb):
    """A table with a GSI projecting ALL, a KEYS_ONLY GSI and an LSI
    projecting one attribute."""
    from conftest import TableFactory
    make = TableFactory(ddb)
    name = make(
        range_key=("sk", "S"),
        extra_attributes=[("g", "S"), ("k", "S"), ("l", "S")],
        GlobalSecondaryIndexes=[
            {"IndexName": "gall", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
             "Projection": {"ProjectionType": "ALL"}},
            {"IndexName": "gkeys", "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
             "Projection": {"ProjectionType": "KEYS_ONLY"}},
        ],
        LocalSecondaryIndexes=[
            {"IndexName": "linc", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                                {"AttributeName": "l", "KeyType": "RANGE"}],
             "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["inc"]}},
        ])
    yield name
    make.cleanup()


def units(n, write):
    kind = "WriteCapacityUnits" if write else "ReadCapacityUnits"
    return {"CapacityUnits": n, kind: n}


def with_indexes(table, own, gsis=None, lsis=None, write=True):
    everything = own + sum((gsis or {}).values()) + sum((lsis or {}).values())
    got = total(table, everything, write)
    got["Table"] = units(own, write)
    if gsis:
        got["GlobalSecondaryIndexes"] = {k: units(v, write) for k, v in gsis.items()}
    if lsis:
        got["LocalSecondaryIndexes"] = {k: units(v, write) for k, v in lsis.items()}
    return got


def size_of(item):
    """The service's item size of an item of S attributes."""
    return sum(len(k.encode()) + len(v["S"].encode()) for k, v in item.items())


def test_index_writes_are_charged_per_index(ddb, indexed):
    t = indexed
    big = "b" * 3000
    item = {"pk": S("p1"), "sk": S("s"), "g": S("g1"), "k": S("k1"), "l": S("l1"),
            "inc": S("i" * 1500), "other": S(big)}
    keys = {"pk": S("p1"), "sk": S("s")}
    whole = size_of(item)
    keys_only = size_of({**keys, "k": S("k1")})
    lsi = size_of({**keys, "l": S("l1"), "inc": item["inc"]})
    put = ddb.put_item(TableName=t, Item=item, ReturnConsumedCapacity="INDEXES")
    assert put["ConsumedCapacity"] == with_indexes(
        t, write_units(whole), {"gall": write_units(whole), "gkeys": write_units(keys_only)},
        {"linc": write_units(lsi)})
    tot = ddb.put_item(TableName=t, Item=item, ReturnConsumedCapacity="TOTAL")
    # the same item again: every index entry is unchanged and costs nothing
    assert tot["ConsumedCapacity"] == total(t, write_units(whole), write=True)

    # an attribute no index but the ALL one projects: only that index pays
    upd = ddb.update_item(TableName=t, Key=keys, UpdateExpression="SET #o = :o",
                          ExpressionAttributeNames={"#o": "other"},
                          ExpressionAttributeValues={":o": S("o")},
                          ReturnConsumedCapacity="INDEXES")
    after = dict(item, other=S("o"))
    assert upd["ConsumedCapacity"] == with_indexes(
        t, write_units(whole), {"gall": write_units(whole)})

    # a new GSI key value: a delete and a put on that index
    moved = dict(after, k=S("k2" + "x" * 2000))
    upd = ddb.update_item(TableName=t, Key=keys, UpdateExpression="SET k = :k",
                          ExpressionAttributeValues={":k": moved["k"]},
                          ReturnConsumedCapacity="INDEXES")
    new_keys_only = size_of({**keys, "k": moved["k"]})
    assert upd["ConsumedCapacity"] == with_indexes(
        t, write_units(size_of(moved)),
        {"gall": write_units(size_of(moved)),
         "gkeys": write_units(keys_only) + write_units(new_keys_only)})

    # the GSI key taken away: a delete there, the others rewrite
    upd = ddb.update_item(TableName=t, Key=keys, UpdateExpression="REMOVE g",
                          ReturnConsumedCapacity="INDEXES")
    gone_g = {k: v for k, v in moved.items() if k != "g"}
    assert upd["ConsumedCapacity"] == with_indexes(
        t, write_units(size_of(moved)), {"gall": write_units(size_of(moved))})

    # a projected attribute of the LSI: the LSI rewrites its entry in place
    upd = ddb.update_item(TableName=t, Key=keys, UpdateExpression="SET inc = :i",
                          ExpressionAttributeValues={":i": S("j")},
                          ReturnConsumedCapacity="INDEXES")
    assert upd["ConsumedCapacity"] == with_indexes(
        t, write_units(size_of(gone_g)), None, {"linc": write_units(lsi)})

    # the delete removes every remaining entry
    final = dict(gone_g, inc=S("j"))
    gone = ddb.delete_item(TableName=t, Key=keys, ReturnConsumedCapacity="INDEXES")
    assert gone["ConsumedCapacity"] == with_indexes(
        t, write_units(size_of(final)), {"gkeys": write_units(new_keys_only)},
        {"linc": write_units(size_of({**keys, "l": S("l1"), "inc": S("j")}))})


def test_an_item_outside_every_index_charges_only_the_table(ddb, indexed):
    item = {"pk": S("plain"), "sk": S("s"), "x": S("v" * 2000)}
    put = ddb.put_item(TableName=indexed, Item=item, ReturnConsumedCapacity="INDEXES")
    assert put["ConsumedCapacity"] == with_indexes(indexed, write_units(size_of(item)))


def test_batch_and_transaction_index_shares(ddb, indexed):
    t = indexed
    items = [{"pk": S("bt%d" % i), "sk": S("s"), "g": S("g"), "pad": S("p" * 1500)}
             for i in range(2)]
    size = size_of(items[0])
    w = ddb.batch_write_item(RequestItems={t: [{"PutRequest": {"Item": it}} for it in items]},
                             ReturnConsumedCapacity="INDEXES")
    assert w["ConsumedCapacity"] == [with_indexes(t, 2 * write_units(size),
                                                  {"gall": 2 * write_units(size)})]
    tx = ddb.transact_write_items(TransactItems=[
        {"Delete": {"TableName": t, "Key": {"pk": it["pk"], "sk": it["sk"]}}} for it in items],
        ReturnConsumedCapacity="INDEXES")
    assert tx["ConsumedCapacity"] == [with_indexes(t, 4 * write_units(size),
                                                   {"gall": 4 * write_units(size)})]


def test_index_reads_charge_the_index(ddb, indexed):
    t = indexed
    item = {"pk": S("r"), "sk": S("s"), "g": S("gr"), "k": S("kr"), "l": S("lr"),
            "inc": S("i" * 100), "big": S("b" * 9000)}
    ddb.put_item(TableName=t, Item=item)
    whole = size_of(item)
    q = ddb.query(TableName=t, IndexName="gall", KeyConditionExpression="g = :g",
                  ExpressionAttributeValues={":g": S("gr")}, ReturnConsumedCapacity="INDEXES")
    assert q["ConsumedCapacity"] == with_indexes(t, 0.0, {"gall": read_units(whole, False)},
                                                 write=False)
    q = ddb.query(TableName=t, IndexName="gkeys", KeyConditionExpression="k = :k",
                  ExpressionAttributeValues={":k": S("kr")}, ReturnConsumedCapacity="TOTAL")
    assert q["ConsumedCapacity"] == total(t, 0.5)
    # the LSI entry alone, then with the table items it fetches
    lsi_entry = size_of({"pk": S("r"), "sk": S("s"), "l": S("lr"), "inc": item["inc"]})
    q = ddb.query(TableName=t, IndexName="linc", KeyConditionExpression="pk = :p",
                  ExpressionAttributeValues={":p": S("r")}, ConsistentRead=True,
                  ReturnConsumedCapacity="INDEXES")
    assert q["ConsumedCapacity"] == with_indexes(t, 0.0, None, {"linc": read_units(lsi_entry)},
                                                 write=False)
    q = ddb.query(TableName=t, IndexName="linc", KeyConditionExpression="pk = :p",
                  ExpressionAttributeValues={":p": S("r")}, ConsistentRead=True,
                  Select="ALL_ATTRIBUTES", ReturnConsumedCapacity="INDEXES")
    assert q["Items"] == [item]
    assert q["ConsumedCapacity"] == with_indexes(t, read_units(whole),
                                                 None, {"linc": read_units(lsi_entry)},
                                                 write=False)
    s = ddb.scan(TableName=t, IndexName="gkeys", ReturnConsumedCapacity="INDEXES")
    assert s["Count"] >= 1
    assert set(s["ConsumedCapacity"]) == {"TableName", "CapacityUnits", "ReadCapacityUnits",
                                          "Table", "GlobalSecondaryIndexes"}
    assert s["ConsumedCapacity"]["Table"] == units(0.0, False)


@pytest.mark.parametrize("size", [4097, 8193])
def test_projections_do_not_lower_the_charge(ddb, table, size):
    """A read is charged for the whole item, whatever it returns."""
    item = item_of_size("proj%d" % size, size)
    ddb.put_item(TableName=table, Item=item)
    got = ddb.get_item(TableName=table, Key=key_of(item), ProjectionExpression="pk",
                       ConsistentRead=True, ReturnConsumedCapacity="TOTAL")
    assert got["Item"] == key_of(item)
    assert got["ConsumedCapacity"] == total(table, read_units(size))
    q = ddb.query(TableName=table, KeyConditionExpression="pk = :p", Select="COUNT",
                  ExpressionAttributeValues={":p": item["pk"]}, ReturnConsumedCapacity="TOTAL")
    assert q["Count"] == 1 and q["ConsumedCapacity"] == total(table, read_units(size, False))
