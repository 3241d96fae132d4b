"""UpdateItem on an item that does not exist: an update whose every action only
takes something away (REMOVE, DELETE from a set, the legacy DELETE with or
without a value) leaves the item absent and returns no Attributes in any
ReturnValues mode; an update without actions, or with anything that sets or
adds, creates it.  The same holds inside TransactWriteItems and on tables
with a local secondary index (no index entry, nothing counted)."""

import pytest

from ddbvalues import KEY, N, S, canon_item, read
from conftest import assert_error

MODES = ["NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"]
CCF = "ConditionalCheckFailedException"

# Updates that only take attributes away.
REMOVALS = [
    dict(UpdateExpression="REMOVE a"),
    dict(UpdateExpression="REMOVE a, b, #c", ExpressionAttributeNames={"#c": "c"}),
    # DELETE from a set: inferred from the legacy DELETE with a set value
    dict(UpdateExpression="DELETE s :v", ExpressionAttributeValues={":v": {"SS": ["x"]}}),
    dict(UpdateExpression="REMOVE a DELETE s :v", ExpressionAttributeValues={":v": {"SS": ["y"]}}),
    dict(AttributeUpdates={"a": {"Action": "DELETE"}}),
    dict(AttributeUpdates={"a": {"Action": "DELETE"}, "b": {"Action": "DELETE"}}),
    dict(AttributeUpdates={"s": {"Action": "DELETE", "Value": {"SS": ["x"]}}}),
]

# Updates that create the item, with the item they create.
CREATIONS = [
    (dict(), KEY),
    (dict(AttributeUpdates={}), KEY),
    (dict(UpdateExpression="SET a = :v", ExpressionAttributeValues={":v": N(1)}),
     dict(KEY, a=N(1))),
    (dict(UpdateExpression="REMOVE b SET a = :v", ExpressionAttributeValues={":v": N(1)}),
     dict(KEY, a=N(1))),
    (dict(UpdateExpression="ADD n :v REMOVE b", ExpressionAttributeValues={":v": N(2)}),
     dict(KEY, n=N(2))),
    (dict(UpdateExpression="REMOVE b ADD s :v", ExpressionAttributeValues={":v": {"SS": ["x"]}}),
     dict(KEY, s={"SS": ["x"]})),
    (dict(AttributeUpdates={"a": {"Action": "PUT", "Value": S("v")}, "b": {"Action": "DELETE"}}),
     dict(KEY, a=S("v"))),
    (dict(AttributeUpdates={"n": {"Action": "ADD", "Value": N(3)}, "b": {"Action": "DELETE"}}),
     dict(KEY, n=N(3))),
]


def item_count(ddb, table):
    return ddb.scan(TableName=table, ConsistentRead=True)["Count"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("params", REMOVALS)
def test_removals_create_nothing(ddb, table_s, params, mode):
    resp = ddb.update_item(TableName=table_s, Key=KEY, ReturnValues=mode, **params)
    assert "Attributes" not in resp
    assert read(ddb, table_s) is None
    assert item_count(ddb, table_s) == 0


@pytest.mark.parametrize("params,created", CREATIONS)
def test_other_updates_create_the_item(ddb, table_s, params, created):
    resp = ddb.update_item(TableName=table_s, Key=KEY, ReturnValues="ALL_NEW", **params)
    assert canon_item(resp["Attributes"]) == canon_item(created)
    assert canon_item(read(ddb, table_s)) == canon_item(created)


@pytest.mark.parametrize("params", REMOVALS)
def test_removals_on_an_existing_item_keep_it(ddb, table_s, params):
    item = dict(KEY, a=N(1), b=N(2), c=N(3), s={"SS": ["x"]}, keep=S("k"))
    ddb.put_item(TableName=table_s, Item=item)
    resp = ddb.update_item(TableName=table_s, Key=KEY, ReturnValues="ALL_NEW", **params)
    got = read(ddb, table_s)
    assert got is not None and got["keep"] == S("k")
    assert resp["Attributes"] == got
    assert not {"a", "s"} <= set(got)  # something was taken away


def test_removing_every_attribute_leaves_the_key(ddb, table_s):
    ddb.put_item(TableName=table_s, Item=dict(KEY, a=N(1)))
    resp = ddb.update_item(TableName=table_s, Key=KEY, UpdateExpression="REMOVE a",
                           ReturnValues="ALL_NEW")
    assert resp["Attributes"] == KEY
    assert read(ddb, table_s) == KEY
    # the key-only item is an item: taking more away keeps it
    ddb.update_item(TableName=table_s, Key=KEY, UpdateExpression="REMOVE a")
    assert read(ddb, table_s) == KEY


def test_removal_after_delete_creates_nothing(ddb, table_s):
    ddb.put_item(TableName=table_s, Item=dict(KEY, a=N(1)))
    ddb.delete_item(TableName=table_s, Key=KEY)
    resp = ddb.update_item(TableName=table_s, Key=KEY, UpdateExpression="REMOVE a",
                           ReturnValues="ALL_OLD")
    assert "Attributes" not in resp
    assert read(ddb, table_s) is None


def test_removal_with_condition_on_missing_item(ddb, table_s):
    # the condition holds: still nothing to create
    resp = ddb.update_item(TableName=table_s, Key=KEY, UpdateExpression="REMOVE a",
                           ConditionExpression="attribute_not_exists(pk)",
                           ReturnValues="ALL_NEW")
    assert "Attributes" not in resp
    assert read(ddb, table_s) is None
    resp = ddb.update_item(TableName=table_s, Key=KEY,
                           AttributeUpdates={"a": {"Action": "DELETE"}},
                           Expected={"pk": {"Exists": False}}, ReturnValues="UPDATED_NEW")
    assert "Attributes" not in resp
    assert read(ddb, table_s) is None
    # the condition fails: the usual error
    assert_error(ddb.update_item, CCF, "The conditional request failed", TableName=table_s,
                 Key=KEY, UpdateExpression="REMOVE a",
                 ConditionExpression="attribute_exists(pk)")
    assert_error(ddb.update_item, CCF, "The conditional request failed", TableName=table_s,
                 Key=KEY, AttributeUpdates={"a": {"Action": "DELETE"}},
                 Expected={"a": {"ComparisonOperator": "NOT_NULL"}})
    assert read(ddb, table_s) is None


def test_removal_on_missing_item_still_checks_keys(ddb, table_s):
    # the request is validated as any other: a key attribute cannot be removed
    assert_error(ddb.update_item, "ValidationException",
                 "One or more parameter values were invalid: Cannot update attribute pk. "
                 "This attribute is part of the key",
                 TableName=table_s, Key=KEY, UpdateExpression="REMOVE pk")
    assert read(ddb, table_s) is None


def test_removal_counts_as_a_write(ddb, table_s):
    resp = ddb.update_item(TableName=table_s, Key=KEY, UpdateExpression="REMOVE a",
                           ReturnConsumedCapacity="TOTAL")
    # value unverified: one write unit, as for any write of a small item
    assert resp["ConsumedCapacity"] == {"TableName": table_s, "CapacityUnits": 1.0,
                                        "WriteCapacityUnits": 1.0}


# --------------------------------------------------------------------------
# TransactWriteItems


def test_transaction_removal_creates_nothing(ddb, table_s):
    other = {"pk": S("other")}
    ddb.transact_write_items(TransactItems=[
        {"Update": {"TableName": table_s, "Key": KEY, "UpdateExpression": "REMOVE a, b"}},
        {"Put": {"TableName": table_s, "Item": dict(other, v=N(1))}},
    ])
    assert read(ddb, table_s) is None
    assert read(ddb, table_s, other) == dict(other, v=N(1))
    assert item_count(ddb, table_s) == 1


def test_transaction_removal_with_condition(ddb, table_s):
    ddb.transact_write_items(TransactItems=[
        {"Update": {"TableName": table_s, "Key": KEY, "UpdateExpression": "DELETE s :v",
                    "ConditionExpression": "attribute_not_exists(pk)",
                    "ExpressionAttributeValues": {":v": {"SS": ["x"]}}}},
    ])
    assert read(ddb, table_s) is None


def test_transaction_update_without_removal_creates(ddb, table_s):
    ddb.transact_write_items(TransactItems=[
        {"Update": {"TableName": table_s, "Key": KEY, "UpdateExpression": "REMOVE a SET b = :v",
                    "ExpressionAttributeValues": {":v": N(7)}}},
    ])
    assert read(ddb, table_s) == dict(KEY, b=N(7))


def test_transaction_removal_on_existing_item(ddb, table_s):
    ddb.put_item(TableName=table_s, Item=dict(KEY, a=N(1), b=N(2)))
    ddb.transact_write_items(TransactItems=[
        {"Update": {"TableName": table_s, "Key": KEY, "UpdateExpression": "REMOVE a"}},
    ])
    assert read(ddb, table_s) == dict(KEY, b=N(2))


# --------------------------------------------------------------------------
# Tables with a local secondary index

LSI = [{"IndexName": "byL",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                      {"AttributeName": "l", "KeyType": "RANGE"}],
        "Projection": {"ProjectionType": "ALL"}}]


def lsi_table(make_table):
    return make_table(range_key=("sk", "S"), extra_attributes=[("l", "S")],
                      LocalSecondaryIndexes=LSI)


def index_items(ddb, table):
    return ddb.query(TableName=table, IndexName="byL", KeyConditionExpression="pk = :p",
                     ExpressionAttributeValues={":p": S("p")})["Items"]


def test_lsi_removal_creates_no_entry(ddb, make_table):
    table = lsi_table(make_table)
    key = {"pk": S("p"), "sk": S("a")}
    resp = ddb.update_item(TableName=table, Key=key, UpdateExpression="REMOVE l, x",
                           ReturnValues="ALL_NEW")
    assert "Attributes" not in resp
    assert read(ddb, table, key) is None
    assert index_items(ddb, table) == []
    assert item_count(ddb, table) == 0
    desc = ddb.describe_table(TableName=table)["Table"]
    assert (desc["ItemCount"], desc["TableSizeBytes"]) == (0, 0)


def test_lsi_collection_unchanged_by_removals(ddb, make_table):
    table = lsi_table(make_table)
    stored = {"pk": S("p"), "sk": S("a"), "l": S("x")}
    ddb.put_item(TableName=table, Item=stored)
    size = ddb.describe_table(TableName=table)["Table"]["TableSizeBytes"]
    for sk in ("b", "c"):
        ddb.update_item(TableName=table, Key={"pk": S("p"), "sk": S(sk)},
                        AttributeUpdates={"l": {"Action": "DELETE"}})
    assert index_items(ddb, table) == [stored]
    desc = ddb.describe_table(TableName=table)["Table"]
    assert (desc["ItemCount"], desc["TableSizeBytes"]) == (1, size)
    # a real write to the collection still reports it
    resp = ddb.update_item(TableName=table, Key={"pk": S("p"), "sk": S("d")},
                           UpdateExpression="SET l = :l", ExpressionAttributeValues={":l": S("y")},
                           ReturnItemCollectionMetrics="SIZE")
    assert resp["ItemCollectionMetrics"] == {"ItemCollectionKey": {"pk": S("p")},
                                             "SizeEstimateRangeGB": [0.0, 1.0]}
    assert len(index_items(ddb, table)) == 2
