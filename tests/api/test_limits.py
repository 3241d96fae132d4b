"""Item size (400 KB by DynamoDB's rule: UTF-8 attribute name lengths plus value
sizes) and key size limits (partition key 2048 bytes, sort key 1024 bytes)."""

import pytest

from conftest import assert_error

MAX_ITEM = 409600
ITEM_TOO_BIG = "Item size has exceeded the maximum allowed size"
HASH_TOO_BIG = ("One or more parameter values were invalid: Size of hashkey has exceeded the "
                "maximum size limit of2048 bytes")
RANGE_TOO_BIG = ("One or more parameter values were invalid: Aggregated size of all range keys "
                 "has exceeded the size limit of 1024 bytes")


def string_item(total):
    # "pk" + "k" = 3 bytes, "d" = 1 byte, value = the rest.
    return {"pk": {"S": "k"}, "d": {"S": "x" * (total - 4)}}


def test_item_at_400kb_accepted(ddb, table_s):
    item = string_item(MAX_ITEM)
    ddb.put_item(TableName=table_s, Item=item)
    got = ddb.get_item(TableName=table_s, Key={"pk": {"S": "k"}}, ConsistentRead=True)["Item"]
    assert got == item


def test_item_over_400kb_rejected(ddb, table_s):
    assert_error(ddb.put_item, "ValidationException", ITEM_TOO_BIG,
                 TableName=table_s, Item=string_item(MAX_ITEM + 1))
    assert "Item" not in ddb.get_item(TableName=table_s, Key={"pk": {"S": "k"}},
                                      ConsistentRead=True)


def test_item_size_counts_utf8_bytes(ddb, table_s):
    # "\u00e9" is two bytes in UTF-8.
    n = (MAX_ITEM - 4) // 2
    ddb.put_item(TableName=table_s, Item={"pk": {"S": "k"}, "d": {"S": "\u00e9" * n}})
    assert_error(ddb.put_item, "ValidationException", ITEM_TOO_BIG, TableName=table_s,
                 Item={"pk": {"S": "k"}, "d": {"S": "\u00e9" * n + "x"}})


def test_item_size_counts_attribute_names(ddb, table_s):
    def item(filler):
        it = {"pk": {"S": "k"}}
        for i in range(400):
            it["%03d" % i + "n" * 97] = {"S": "v" * 920}  # 100 + 920 bytes each
        it["f"] = {"S": "z" * filler}
        return it
    # 3 + 400 * 1020 + 1 + filler
    filler = MAX_ITEM - 3 - 400 * 1020 - 1
    ddb.put_item(TableName=table_s, Item=item(filler))
    assert_error(ddb.put_item, "ValidationException", ITEM_TOO_BIG, TableName=table_s,
                 Item=item(filler + 1))


def test_binary_item_size(ddb, table_s):
    # "pk"+"k" = 3, "b" = 1, then raw bytes (not their base64 length).
    n = MAX_ITEM - 4
    ddb.put_item(TableName=table_s, Item={"pk": {"S": "k"}, "b": {"B": b"\x01" * n}})
    assert_error(ddb.put_item, "ValidationException", ITEM_TOO_BIG, TableName=table_s,
                 Item={"pk": {"S": "k"}, "b": {"B": b"\x01" * (n + 1)}})


def test_hash_key_2048_bytes_accepted(ddb, table_s):
    key = {"pk": {"S": "h" * 2048}}
    ddb.put_item(TableName=table_s, Item=key)
    assert ddb.get_item(TableName=table_s, Key=key, ConsistentRead=True)["Item"] == key


def test_hash_key_over_2048_bytes_rejected(ddb, table_s):
    assert_error(ddb.put_item, "ValidationException", HASH_TOO_BIG,
                 TableName=table_s, Item={"pk": {"S": "h" * 2049}})


def test_hash_key_size_in_utf8_bytes(ddb, table_s):
    ddb.put_item(TableName=table_s, Item={"pk": {"S": "\u00e9" * 1024}})
    assert_error(ddb.put_item, "ValidationException", HASH_TOO_BIG,
                 TableName=table_s, Item={"pk": {"S": "\u00e9" * 1024 + "x"}})


def test_binary_hash_key_limit(ddb, make_table):
    table = make_table(hash_key=("pk", "B"))
    ddb.put_item(TableName=table, Item={"pk": {"B": b"\xff" * 2048}})
    assert_error(ddb.put_item, "ValidationException", HASH_TOO_BIG,
                 TableName=table, Item={"pk": {"B": b"\xff" * 2049}})


def test_range_key_1024_bytes_accepted(ddb, table_ss):
    key = {"pk": {"S": "a"}, "sk": {"S": "r" * 1024}}
    ddb.put_item(TableName=table_ss, Item=key)
    assert ddb.get_item(TableName=table_ss, Key=key, ConsistentRead=True)["Item"] == key


def test_range_key_over_1024_bytes_rejected(ddb, table_ss):
    assert_error(ddb.put_item, "ValidationException", RANGE_TOO_BIG,
                 TableName=table_ss, Item={"pk": {"S": "a"}, "sk": {"S": "r" * 1025}})


def test_oversized_keys_rejected_in_get_and_delete(ddb, table_ss):
    big_hash = {"pk": {"S": "h" * 2049}, "sk": {"S": "a"}}
    big_range = {"pk": {"S": "a"}, "sk": {"S": "r" * 1025}}
    for op in (ddb.get_item, ddb.delete_item):
        assert_error(op, "ValidationException", HASH_TOO_BIG, TableName=table_ss, Key=big_hash)
        assert_error(op, "ValidationException", RANGE_TOO_BIG, TableName=table_ss, Key=big_range)


# Attribute names of items: up to 65535 bytes (UTF-8), in items, keys and
# nested maps.  The text is DynamoDB Local's (message unverified).
NAME_TOO_LONG = "Attribute name is too large, must be less than 65536 bytes"


def test_attribute_name_of_65535_bytes(ddb, table_s):
    name = "n" * 65535
    item = {"pk": {"S": "k"}, name: {"S": "v"}, "m": {"M": {name: {"N": "1"}}}}
    ddb.put_item(TableName=table_s, Item=item)
    assert ddb.get_item(TableName=table_s, Key={"pk": {"S": "k"}},
                        ConsistentRead=True)["Item"] == item
    # UTF-8 bytes are counted: 32767 two-byte characters + 1
    name = "\u00e9" * 32767 + "x"
    ddb.put_item(TableName=table_s, Item={"pk": {"S": "k2"}, name: {"S": "v"}})


@pytest.mark.parametrize("where", ["top", "nested", "utf8"])
def test_attribute_name_over_65535_bytes(ddb, table_s, where):
    name = "n" * 65536 if where != "utf8" else "\u00e9" * 32768
    item = {"pk": {"S": "k"}}
    if where == "nested":
        item["m"] = {"M": {"a": {"M": {name: {"S": "v"}}}}}
    else:
        item[name] = {"S": "v"}
    assert_error(ddb.put_item, "ValidationException", NAME_TOO_LONG, TableName=table_s,
                 Item=item)
    assert "Item" not in ddb.get_item(TableName=table_s, Key={"pk": {"S": "k"}},
                                      ConsistentRead=True)


def test_attribute_name_over_65535_bytes_in_key(ddb, table_s):
    assert_error(ddb.get_item, "ValidationException", NAME_TOO_LONG, TableName=table_s,
                 Key={"n" * 65536: {"S": "k"}})
