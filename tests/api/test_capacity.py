"""ReturnConsumedCapacity on every operation: one rule for the member (an
unknown value is the same ValidationException everywhere), the units the
service charges (reads per 4 KB, half when eventually consistent, double in
transactions; writes per 1 KB of the larger of the old and new item), and
the ConsumedCapacity shapes (one object, or one per table for batches and
transactions; INDEXES adds the table's own share)."""

import pytest

from ddbvalues import N, S
from conftest import assert_error

ENUM_MESSAGE = ("1 validation error detected: Value 'BOGUS' at 'returnConsumedCapacity' failed "
                "to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]")


def item_of_size(pk, size):
    """An item of exactly `size` bytes by the service's rule: pk (2 + len)
    plus pad (3 + len)."""
    pad = size - (2 + len(pk)) - 3
    assert pad >= 0
    return {"pk": S(pk), "pad": S("x" * pad)}


@pytest.fixture(scope="module")
def table(module_tables):
    return module_tables()


def every_operation(ddb, table):
    """Each operation that takes ReturnConsumedCapacity, as (name, call, args)."""
    key = {"pk": S("k")}
    return [
        ("GetItem", ddb.get_item, dict(TableName=table, Key=key)),
        ("PutItem", ddb.put_item, dict(TableName=table, Item=key)),
        ("DeleteItem", ddb.delete_item, dict(TableName=table, Key=key)),
        ("UpdateItem", ddb.update_item, dict(TableName=table, Key=key)),
        ("Query", ddb.query, dict(TableName=table, KeyConditionExpression="pk = :k",
                                   ExpressionAttributeValues={":k": S("k")})),
        ("Scan", ddb.scan, dict(TableName=table)),
        ("BatchGetItem", ddb.batch_get_item, dict(RequestItems={table: {"Keys": [key]}})),
        ("BatchWriteItem", ddb.batch_write_item,
         dict(RequestItems={table: [{"PutRequest": {"Item": key}}]})),
        ("TransactGetItems", ddb.transact_get_items,
         dict(TransactItems=[{"Get": {"TableName": table, "Key": key}}])),
        ("TransactWriteItems", ddb.transact_write_items,
         dict(TransactItems=[{"Put": {"TableName": table, "Item": key}}])),
    ]


@pytest.mark.parametrize("op", ["GetItem", "PutItem", "DeleteItem", "UpdateItem", "Query", "Scan",
                                "BatchGetItem", "BatchWriteItem", "TransactGetItems",
                                "TransactWriteItems"])
def test_unknown_value_refused_everywhere(ddb, table, op):
    (name, call, args), = [x for x in every_operation(ddb, table) if x[0] == op]
    assert_error(call, "ValidationException", ENUM_MESSAGE, ReturnConsumedCapacity="BOGUS",
                 **args)


@pytest.mark.parametrize("op", ["GetItem", "PutItem", "Query", "BatchGetItem", "BatchWriteItem",
                                "TransactGetItems", "TransactWriteItems"])
def test_none_and_absent_give_no_capacity(ddb, table, op):
    (name, call, args), = [x for x in every_operation(ddb, table) if x[0] == op]
    assert "ConsumedCapacity" not in call(**args)
    assert "ConsumedCapacity" not in call(ReturnConsumedCapacity="NONE", **args)


def test_wrong_json_type_is_a_serialization_error(ddb, table):
    for call, args in [(ddb.get_item, dict(TableName=table, Key={"pk": S("k")})),
                       (ddb.batch_write_item,
                        dict(RequestItems={table: [{"PutRequest": {"Item": {"pk": S("k")}}}]}))]:
        assert_error(call, "SerializationException", "NUMBER_VALUE cannot be converted to String",
                     ReturnConsumedCapacity=5, **args)


def test_violations_are_counted_together(ddb):
    assert_error(ddb.get_item, "ValidationException",
                 "2 validation errors detected: Value 'x' at 'tableName' failed to satisfy "
                 "constraint: Member must have length greater than or equal to 3; Value 'BOGUS' at "
                 "'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum "
                 "value set: [INDEXES, TOTAL, NONE]",
                 TableName="x", Key={"pk": S("k")}, ReturnConsumedCapacity="BOGUS")


# --------------------------------------------------------------------------
# Units and shapes


def test_get_item_units(ddb, table):
    ddb.put_item(TableName=table, Item=item_of_size("g4096", 4096))
    ddb.put_item(TableName=table, Item=item_of_size("g4097", 4097))
    cases = [("g4096", True, 1.0), ("g4096", False, 0.5), ("g4097", True, 2.0),
             ("g4097", False, 1.0), ("absent", True, 1.0), ("absent", False, 0.5)]
    for pk, consistent, units in cases:
        got = ddb.get_item(TableName=table, Key={"pk": S(pk)}, ConsistentRead=consistent,
                           ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]
        assert got == {"TableName": table, "CapacityUnits": units, "ReadCapacityUnits": units}


def test_indexes_adds_the_table_share(ddb, table):
    ddb.put_item(TableName=table, Item=item_of_size("i", 9000))
    got = ddb.get_item(TableName=table, Key={"pk": S("i")}, ConsistentRead=True,
                       ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]
    assert got == {"TableName": table, "CapacityUnits": 3.0, "ReadCapacityUnits": 3.0,
                   "Table": {"CapacityUnits": 3.0, "ReadCapacityUnits": 3.0}}


def test_write_units_use_the_larger_item(ddb, table):
    put = ddb.put_item(TableName=table, Item=item_of_size("w", 3000),
                       ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]
    assert put == {"TableName": table, "CapacityUnits": 3.0, "WriteCapacityUnits": 3.0}
    # a smaller replacement is charged for the old, larger item
    put = ddb.put_item(TableName=table, Item=item_of_size("w", 100),
                       ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]
    assert put["CapacityUnits"] == 3.0
    upd = ddb.update_item(TableName=table, Key={"pk": S("w")},
                          UpdateExpression="SET #p = :p", ExpressionAttributeNames={"#p": "pad"},
                          ExpressionAttributeValues={":p": S("y" * 5000)},
                          ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]
    assert upd == {"TableName": table, "CapacityUnits": 5.0, "WriteCapacityUnits": 5.0,
                   "Table": {"CapacityUnits": 5.0, "WriteCapacityUnits": 5.0}}
    gone = ddb.delete_item(TableName=table, Key={"pk": S("w")},
                           ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]
    assert gone["CapacityUnits"] == 5.0
    nothing = ddb.delete_item(TableName=table, Key={"pk": S("w")},
                              ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]
    assert nothing["CapacityUnits"] == 1.0


def test_query_and_scan_units_sum_the_page(ddb, make_table):
    t = make_table(range_key=("sk", "N"))
    for i in range(3):  # 3 items of 3,000 bytes: 9,000 bytes read -> 3 units
        item = {"pk": S("q"), "sk": N(i), "pad": S("x" * (3000 - 2 - 1 - 2 - 1 - 3))}
        ddb.put_item(TableName=t, Item=item)
    q = ddb.query(TableName=t, KeyConditionExpression="pk = :p",
                  ExpressionAttributeValues={":p": S("q")}, ConsistentRead=True,
                  ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]
    assert q == {"TableName": t, "CapacityUnits": 3.0, "ReadCapacityUnits": 3.0}
    # the filter runs after the read: it does not lower the charge
    s = ddb.scan(TableName=t, FilterExpression="sk = :n",
                 ExpressionAttributeValues={":n": N(99)},
                 ReturnConsumedCapacity="INDEXES")
    assert s["Count"] == 0
    assert s["ConsumedCapacity"] == {"TableName": t, "CapacityUnits": 1.5,
                                     "ReadCapacityUnits": 1.5,
                                     "Table": {"CapacityUnits": 1.5, "ReadCapacityUnits": 1.5}}


def test_batches_report_one_entry_per_table(ddb, make_table):
    t1, t2 = make_table(), make_table()
    w = ddb.batch_write_item(RequestItems={
        t1: [{"PutRequest": {"Item": item_of_size("a", 1500)}},
             {"PutRequest": {"Item": item_of_size("b", 100)}}],
        t2: [{"PutRequest": {"Item": item_of_size("c", 2100)}}],
    }, ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]
    assert sorted(w, key=lambda c: c["TableName"]) == sorted([
        {"TableName": t1, "CapacityUnits": 3.0, "WriteCapacityUnits": 3.0},
        {"TableName": t2, "CapacityUnits": 3.0, "WriteCapacityUnits": 3.0},
    ], key=lambda c: c["TableName"])
    g = ddb.batch_get_item(RequestItems={
        t1: {"Keys": [{"pk": S("a")}, {"pk": S("b")}], "ConsistentRead": True},
        t2: {"Keys": [{"pk": S("c")}, {"pk": S("none")}]},
    }, ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]
    assert sorted(g, key=lambda c: c["TableName"]) == sorted([
        {"TableName": t1, "CapacityUnits": 2.0, "ReadCapacityUnits": 2.0,
         "Table": {"CapacityUnits": 2.0, "ReadCapacityUnits": 2.0}},
        {"TableName": t2, "CapacityUnits": 1.0, "ReadCapacityUnits": 1.0,
         "Table": {"CapacityUnits": 1.0, "ReadCapacityUnits": 1.0}},
    ], key=lambda c: c["TableName"])


def test_transactions_charge_double(ddb, make_table):
    t1, t2 = make_table(), make_table()
    w = ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": t1, "Item": item_of_size("a", 1500)}},
        {"Put": {"TableName": t2, "Item": item_of_size("b", 100)}},
        {"ConditionCheck": {"TableName": t2, "Key": {"pk": S("c")},
                            "ConditionExpression": "attribute_not_exists(pk)"}},
    ], ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]
    assert sorted(w, key=lambda c: c["TableName"]) == sorted([
        {"TableName": t1, "CapacityUnits": 4.0, "WriteCapacityUnits": 4.0},
        {"TableName": t2, "CapacityUnits": 4.0, "WriteCapacityUnits": 4.0},
    ], key=lambda c: c["TableName"])
    ddb.put_item(TableName=t2, Item=item_of_size("big", 5000))
    g = ddb.transact_get_items(TransactItems=[
        {"Get": {"TableName": t1, "Key": {"pk": S("a")}}},
        {"Get": {"TableName": t2, "Key": {"pk": S("big")}}},
        {"Get": {"TableName": t2, "Key": {"pk": S("none")}}},
    ], ReturnConsumedCapacity="TOTAL")
    assert len(g["Responses"]) == 3
    assert sorted(g["ConsumedCapacity"], key=lambda c: c["TableName"]) == sorted([
        {"TableName": t1, "CapacityUnits": 2.0, "ReadCapacityUnits": 2.0},
        {"TableName": t2, "CapacityUnits": 6.0, "ReadCapacityUnits": 6.0},
    ], key=lambda c: c["TableName"])


# --------------------------------------------------------------------------
# The other member constraints of the batch and transaction operations


def test_item_collection_metrics_enum_on_batch_and_transaction(ddb, table):
    message = ("1 validation error detected: Value 'ALL' at 'returnItemCollectionMetrics' "
               "failed to satisfy constraint: Member must satisfy enum value set: [SIZE, NONE]")
    assert_error(ddb.batch_write_item, "ValidationException", message,
                 RequestItems={table: [{"PutRequest": {"Item": {"pk": S("k")}}}]},
                 ReturnItemCollectionMetrics="ALL")
    assert_error(ddb.transact_write_items, "ValidationException", message,
                 TransactItems=[{"Put": {"TableName": table, "Item": {"pk": S("k")}}}],
                 ReturnItemCollectionMetrics="ALL")


def test_client_request_token_length(ddb, table):
    token = "t" * 37
    assert_error(ddb.transact_write_items, "ValidationException",
                 "1 validation error detected: Value '%s' at 'clientRequestToken' failed to "
                 "satisfy constraint: Member must have length less than or equal to 36" % token,
                 TransactItems=[{"Put": {"TableName": table, "Item": {"pk": S("k")}}}],
                 ClientRequestToken=token)


def test_batch_constraints_are_counted_together(ddb, table):
    assert_error(ddb.batch_get_item, "ValidationException",
                 "2 validation errors detected: Value 'ab' at 'requestItems.key' failed to "
                 "satisfy constraint: Member must have length greater than or equal to 3; Value "
                 "'BOGUS' at 'returnConsumedCapacity' failed to satisfy constraint: Member must "
                 "satisfy enum value set: [INDEXES, TOTAL, NONE]",
                 RequestItems={"ab": {"Keys": [{"pk": S("k")}]}},
                 ReturnConsumedCapacity="BOGUS")
    assert_error(ddb.transact_get_items, "ValidationException",
                 "2 validation errors detected: Value '[]' at 'transactItems' failed to satisfy "
                 "constraint: Member must have length greater than or equal to 1; Value 'BOGUS' "
                 "at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy "
                 "enum value set: [INDEXES, TOTAL, NONE]",
                 TransactItems=[], ReturnConsumedCapacity="BOGUS")


# --------------------------------------------------------------------------
# Integer and Long members keep their model type in serialization errors


@pytest.mark.parametrize("op,payload,message", [
    ("Query", {"TableName": "tbl", "Limit": "5"}, "STRING_VALUE cannot be converted to Integer"),
    ("Scan", {"TableName": "tbl", "Segment": True}, "TRUE_VALUE cannot be converted to Integer"),
    ("Scan", {"TableName": "tbl", "TotalSegments": 2 ** 31},
     "NUMBER_VALUE cannot be converted to Integer"),
    ("ListTables", {"Limit": 2 ** 40}, "NUMBER_VALUE cannot be converted to Integer"),
    ("CreateTable", {"TableName": "tbl", "ProvisionedThroughput": {"ReadCapacityUnits": "1"}},
     "STRING_VALUE cannot be converted to Long"),
])
def test_integer_and_long_members(server, op, payload, message):
    from conftest import raw_call
    r = raw_call(server.port, op, payload)
    assert (r.status, r.error_type, r.error_message) == (400, "SerializationException", message)


def test_integer_member_in_range_is_read(ddb, table):
    # 2**31 - 1 is an Integer: no serialization error, the table is scanned
    assert ddb.scan(TableName=table, Limit=2 ** 31 - 1)["Count"] >= 0
