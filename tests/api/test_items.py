"""Single-item operations: PutItem, GetItem, DeleteItem on hash and hash+range
tables with S, N and B keys; ConsistentRead, AttributesToGet, ReturnValues and
key validation."""

import pytest

from conftest import assert_error, raw_call, unique_name

INVALID = "One or more parameter values were invalid: "
KEY_MISMATCH = "The provided key element does not match the schema"
NOT_FOUND = "Requested resource not found"

SAMPLES = {
    "S": [{"S": "alpha"}, {"S": "beta \u00e9"}],
    "N": [{"N": "1"}, {"N": "-2.5"}],
    "B": [{"B": b"\x00\x01"}, {"B": b"\xff"}],
}


@pytest.mark.parametrize("hash_type", ["S", "N", "B"])
@pytest.mark.parametrize("range_type", [None, "S", "N", "B"])
def test_put_get_delete(ddb, make_table, hash_type, range_type):
    table = make_table(hash_key=("h", hash_type),
                       range_key=("r", range_type) if range_type else None)
    keys = []
    for hv in SAMPLES[hash_type]:
        if range_type:
            keys += [{"h": hv, "r": rv} for rv in SAMPLES[range_type]]
        else:
            keys.append({"h": hv})
    for i, key in enumerate(keys):
        ddb.put_item(TableName=table, Item=dict(key, v={"N": str(i)}, s={"S": "item %d" % i}))
    for i, key in enumerate(keys):
        got = ddb.get_item(TableName=table, Key=key, ConsistentRead=True)
        assert got["Item"] == dict(key, v={"N": str(i)}, s={"S": "item %d" % i})
    # Delete one; the others stay.
    ddb.delete_item(TableName=table, Key=keys[0])
    assert "Item" not in ddb.get_item(TableName=table, Key=keys[0], ConsistentRead=True)
    for key in keys[1:]:
        assert "Item" in ddb.get_item(TableName=table, Key=key, ConsistentRead=True)


def test_get_missing_item(port, table_s):
    r = raw_call(port, "GetItem", {"TableName": table_s, "Key": {"pk": {"S": "nothing"}}})
    assert r.status == 200
    assert r.json() == {}


@pytest.mark.parametrize("consistent", [True, False])
def test_consistent_read_flag(ddb, table_s, consistent):
    item = {"pk": {"S": "cr"}, "v": {"S": "x"}}
    ddb.put_item(TableName=table_s, Item=item)
    got = ddb.get_item(TableName=table_s, Key={"pk": item["pk"]}, ConsistentRead=consistent)
    assert got["Item"] == item


def test_put_replaces_whole_item(ddb, table_s):
    ddb.put_item(TableName=table_s, Item={"pk": {"S": "r"}, "a": {"S": "1"}, "b": {"S": "2"}})
    ddb.put_item(TableName=table_s, Item={"pk": {"S": "r"}, "c": {"N": "3"}})
    got = ddb.get_item(TableName=table_s, Key={"pk": {"S": "r"}}, ConsistentRead=True)
    assert got["Item"] == {"pk": {"S": "r"}, "c": {"N": "3"}}


def test_number_keys_are_normalised(ddb, make_table):
    table = make_table(hash_key=("h", "N"), range_key=("r", "N"))
    ddb.put_item(TableName=table, Item={"h": {"N": "1.50"}, "r": {"N": "100"}, "v": {"S": "a"}})
    for h, r in (("1.5", "1E+2"), ("15E-1", "100.000"), ("0001.5", "1e2")):
        got = ddb.get_item(TableName=table, Key={"h": {"N": h}, "r": {"N": r}},
                           ConsistentRead=True)
        assert got["Item"] == {"h": {"N": "1.5"}, "r": {"N": "100"}, "v": {"S": "a"}}
    # Same number written another way overwrites the same item.
    ddb.put_item(TableName=table, Item={"h": {"N": "15E-1"}, "r": {"N": "1E2"}, "v": {"S": "b"}})
    got = ddb.get_item(TableName=table, Key={"h": {"N": "1.5"}, "r": {"N": "100"}},
                       ConsistentRead=True)
    assert got["Item"]["v"] == {"S": "b"}


def test_range_key_distinguishes_items(ddb, table_ss):
    for sk in ("a", "b", "A", "aa"):
        ddb.put_item(TableName=table_ss, Item={"pk": {"S": "p"}, "sk": {"S": sk},
                                               "v": {"S": sk}})
    for sk in ("a", "b", "A", "aa"):
        got = ddb.get_item(TableName=table_ss, Key={"pk": {"S": "p"}, "sk": {"S": sk}})
        assert got["Item"]["v"] == {"S": sk}


def test_attributes_to_get(ddb, table_s):
    ddb.put_item(TableName=table_s, Item={"pk": {"S": "atg"}, "a": {"S": "1"}, "b": {"N": "2"},
                                          "c": {"BOOL": True}})
    got = ddb.get_item(TableName=table_s, Key={"pk": {"S": "atg"}},
                       AttributesToGet=["a", "c", "missing"])
    assert got["Item"] == {"a": {"S": "1"}, "c": {"BOOL": True}}
    got = ddb.get_item(TableName=table_s, Key={"pk": {"S": "atg"}}, AttributesToGet=["pk"])
    assert got["Item"] == {"pk": {"S": "atg"}}


def test_attributes_to_get_none_present(port, ddb, table_s):
    ddb.put_item(TableName=table_s, Item={"pk": {"S": "atg2"}, "a": {"S": "1"}})
    r = raw_call(port, "GetItem", {"TableName": table_s, "Key": {"pk": {"S": "atg2"}},
                                   "AttributesToGet": ["zz"]})
    assert r.status == 200
    # The item exists but has none of the requested attributes.
    assert r.json() in ({"Item": {}}, {})


# --------------------------------------------------------------------------
# ReturnValues


def test_put_return_values_none(ddb, table_s):
    ddb.put_item(TableName=table_s, Item={"pk": {"S": "rv"}, "v": {"N": "1"}})
    resp = ddb.put_item(TableName=table_s, Item={"pk": {"S": "rv"}, "v": {"N": "2"}},
                        ReturnValues="NONE")
    assert "Attributes" not in resp


def test_put_return_values_all_old(ddb, table_s):
    resp = ddb.put_item(TableName=table_s, Item={"pk": {"S": "rv"}, "v": {"N": "1"}},
                        ReturnValues="ALL_OLD")
    assert "Attributes" not in resp
    resp = ddb.put_item(TableName=table_s, Item={"pk": {"S": "rv"}, "w": {"S": "new"}},
                        ReturnValues="ALL_OLD")
    assert resp["Attributes"] == {"pk": {"S": "rv"}, "v": {"N": "1"}}


def test_delete_return_values(ddb, table_s):
    item = {"pk": {"S": "drv"}, "v": {"L": [{"S": "x"}]}}
    ddb.put_item(TableName=table_s, Item=item)
    resp = ddb.delete_item(TableName=table_s, Key={"pk": item["pk"]}, ReturnValues="ALL_OLD")
    assert resp["Attributes"] == item
    resp = ddb.delete_item(TableName=table_s, Key={"pk": item["pk"]}, ReturnValues="ALL_OLD")
    assert "Attributes" not in resp
    ddb.put_item(TableName=table_s, Item=item)
    resp = ddb.delete_item(TableName=table_s, Key={"pk": item["pk"]}, ReturnValues="NONE")
    assert "Attributes" not in resp


def test_delete_missing_item_succeeds(port, table_s):
    r = raw_call(port, "DeleteItem", {"TableName": table_s, "Key": {"pk": {"S": "none"}}})
    assert r.status == 200
    assert r.json() == {}


@pytest.mark.parametrize("rv", ["ALL_NEW", "UPDATED_OLD", "UPDATED_NEW"])
def test_put_return_values_invalid_for_put(ddb, table_s, rv):
    assert_error(ddb.put_item, "ValidationException", "Return values set to invalid value",
                 TableName=table_s, Item={"pk": {"S": "x"}}, ReturnValues=rv)
    assert "Item" not in ddb.get_item(TableName=table_s, Key={"pk": {"S": "x"}})


@pytest.mark.parametrize("rv", ["ALL_NEW", "UPDATED_OLD", "UPDATED_NEW"])
def test_delete_return_values_invalid_for_delete(ddb, table_s, rv):
    ddb.put_item(TableName=table_s, Item={"pk": {"S": "x"}})
    assert_error(ddb.delete_item, "ValidationException",
                 "Return values set to invalid value",  # message unverified for DeleteItem
                 TableName=table_s, Key={"pk": {"S": "x"}}, ReturnValues=rv)
    assert "Item" in ddb.get_item(TableName=table_s, Key={"pk": {"S": "x"}}, ConsistentRead=True)


def test_return_values_not_in_enum(ddb, table_s):
    assert_error(ddb.put_item, "ValidationException", TableName=table_s,
                 Item={"pk": {"S": "x"}}, ReturnValues="FOO",
                 prefix="1 validation error detected: Value 'FOO' at 'returnValues' failed to "
                        "satisfy constraint: Member must satisfy enum value set: ")
    # the order of the enum list in the message is unverified


# --------------------------------------------------------------------------
# Key validation


def test_put_missing_hash_key(ddb, table_s):
    assert_error(ddb.put_item, "ValidationException", INVALID + "Missing the key pk in the item",
                 TableName=table_s, Item={"other": {"S": "x"}})


def test_put_missing_range_key(ddb, table_ss):
    assert_error(ddb.put_item, "ValidationException", INVALID + "Missing the key sk in the item",
                 TableName=table_ss, Item={"pk": {"S": "x"}})


def test_put_key_type_mismatch(ddb, table_s):
    assert_error(ddb.put_item, "ValidationException",
                 INVALID + "Type mismatch for key pk expected: S actual: N",
                 TableName=table_s, Item={"pk": {"N": "1"}})


def test_put_range_key_type_mismatch(ddb, make_table):
    table = make_table(range_key=("sk", "N"))
    assert_error(ddb.put_item, "ValidationException",
                 INVALID + "Type mismatch for key sk expected: N actual: S",
                 TableName=table, Item={"pk": {"S": "a"}, "sk": {"S": "1"}})


def test_put_key_as_set(ddb, table_s):
    assert_error(ddb.put_item, "ValidationException",
                 INVALID + "Type mismatch for key pk expected: S actual: SS",
                 TableName=table_s, Item={"pk": {"SS": ["a"]}})


@pytest.mark.parametrize("op", ["get_item", "delete_item"])
def test_key_missing_range(ddb, table_ss, op):
    assert_error(getattr(ddb, op), "ValidationException", KEY_MISMATCH,
                 TableName=table_ss, Key={"pk": {"S": "a"}})


@pytest.mark.parametrize("op", ["get_item", "delete_item"])
def test_key_extra_attribute(ddb, table_s, op):
    assert_error(getattr(ddb, op), "ValidationException", KEY_MISMATCH,
                 TableName=table_s, Key={"pk": {"S": "a"}, "other": {"S": "b"}})


@pytest.mark.parametrize("op", ["get_item", "delete_item"])
def test_key_wrong_type(ddb, table_s, op):
    assert_error(getattr(ddb, op), "ValidationException", KEY_MISMATCH,
                 TableName=table_s, Key={"pk": {"N": "1"}})


@pytest.mark.parametrize("op", ["get_item", "delete_item"])
def test_key_wrong_name(ddb, table_s, op):
    assert_error(getattr(ddb, op), "ValidationException", KEY_MISMATCH,
                 TableName=table_s, Key={"id": {"S": "a"}})


@pytest.mark.parametrize("op,args", [
    ("put_item", {"Item": {"pk": {"S": "a"}}}),
    ("get_item", {"Key": {"pk": {"S": "a"}}}),
    ("delete_item", {"Key": {"pk": {"S": "a"}}}),
])
def test_table_not_found(ddb, op, args):
    assert_error(getattr(ddb, op), "ResourceNotFoundException", NOT_FOUND,
                 TableName=unique_name(), **args)


def test_put_item_without_item(ddb, table_s):
    assert_error(ddb.put_item, "ValidationException",
                 "1 validation error detected: Value null at 'item' failed to satisfy "
                 "constraint: Member must not be null",  # message unverified
                 TableName=table_s)


def test_get_item_without_key(ddb, table_s):
    assert_error(ddb.get_item, "ValidationException",
                 "1 validation error detected: Value null at 'key' failed to satisfy "
                 "constraint: Member must not be null",  # message unverified
                 TableName=table_s)


def test_get_item_without_table_name(ddb):
    assert_error(ddb.get_item, "ValidationException",
                 "1 validation error detected: Value null at 'tableName' failed to satisfy "
                 "constraint: Member must not be null",  # message unverified
                 Key={"pk": {"S": "a"}})


def test_item_survives_other_tables_deletion(ddb, make_table):
    a = make_table()
    b = make_table()
    ddb.put_item(TableName=a, Item={"pk": {"S": "same"}, "t": {"S": "a"}})
    ddb.put_item(TableName=b, Item={"pk": {"S": "same"}, "t": {"S": "b"}})
    ddb.delete_table(TableName=b)
    got = ddb.get_item(TableName=a, Key={"pk": {"S": "same"}}, ConsistentRead=True)
    assert got["Item"] == {"pk": {"S": "same"}, "t": {"S": "a"}}
