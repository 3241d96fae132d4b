"""The legacy parameters: Expected (Exists, Value, ComparisonOperator with
AttributeValueList, ConditionalOperator) on PutItem/DeleteItem/UpdateItem,
AttributeUpdates (PUT/ADD/DELETE) with ReturnValues, AttributesToGet, and the
rule that legacy and expression parameters cannot be mixed."""

import pytest
from botocore.exceptions import ClientError

from ddbvalues import B, KEY, N, S, canon_item, read
from conftest import assert_error

CCF = "ConditionalCheckFailedException"
CCF_MESSAGE = "The conditional request failed"
MARK = {"S": "written"}
INVALID = "One or more parameter values were invalid: "
MIXED = ("Can not use both expression and non-expression parameters in the same request: "
         "Non-expression parameters: {%s} Expression parameters: {%s}")


def attempt(ddb, table, item, op="put", **params):
    """Store `item` (None: absent) and try a write with the legacy condition
    parameters; True if it happened, False if the condition failed."""
    if item is not None:
        ddb.put_item(TableName=table, Item=item)
    try:
        if op == "put":
            ddb.put_item(TableName=table, Item=dict(KEY, mk=MARK), **params)
        elif op == "delete":
            ddb.delete_item(TableName=table, Key=KEY, **params)
        else:
            ddb.update_item(TableName=table, Key=KEY,
                            AttributeUpdates={"mk": {"Action": "PUT", "Value": MARK}}, **params)
    except ClientError as e:
        err = e.response["Error"]
        if err.get("Code") != CCF:
            raise
        assert err.get("Message") == CCF_MESSAGE
        assert canon_item(read(ddb, table)) == canon_item(item)
        return False
    got = read(ddb, table)
    if op == "put":
        assert got == dict(KEY, mk=MARK)
    elif op == "delete":
        assert got is None
    else:
        assert canon_item(got) == canon_item(dict(item or KEY, mk=MARK))
    return True


ITEM = dict(
    KEY,
    n=N(5),
    s=S("hello"),
    b=B(b"\x01\x02\x03"),
    ss={"SS": ["a", "b"]},
    ns={"NS": ["1", "2"]},
    l={"L": [S("x"), N(1)]},
    m={"M": {"x": N(1)}},
    status=S("on"),
    **{"a.b": S("flat")},
)


def cmp(op, *values):
    return {"ComparisonOperator": op, "AttributeValueList": list(values)}


# --------------------------------------------------------------------------
# Expected with ComparisonOperator


@pytest.mark.parametrize("name,cond,expected", [
    ("n", cmp("EQ", N(5)), True),
    ("n", cmp("EQ", N("5.0")), True),
    ("n", cmp("EQ", N(6)), False),
    ("n", cmp("EQ", S("5")), False),
    ("s", cmp("EQ", S("hello")), True),
    ("ss", cmp("EQ", {"SS": ["b", "a"]}), True),
    ("l", cmp("EQ", {"L": [S("x"), N(1)]}), True),
    ("m", cmp("EQ", {"M": {"x": N(1)}}), True),
    ("missing", cmp("EQ", N(5)), False),
    ("n", cmp("NE", N(6)), True),
    ("n", cmp("NE", N(5)), False),
    ("s", cmp("NE", S("hello!")), True),
    ("n", cmp("LE", N(5)), True),
    ("n", cmp("LE", N(4)), False),
    ("n", cmp("LT", N(10)), True),  # numeric
    ("n", cmp("LT", N(5)), False),
    ("n", cmp("GE", N(5)), True),
    ("n", cmp("GE", N(6)), False),
    ("n", cmp("GT", N(4)), True),
    ("n", cmp("GT", N(5)), False),
    ("s", cmp("GT", S("Hello")), True),  # byte order
    ("s", cmp("LT", S("help")), True),
    ("b", cmp("GT", B(b"\x01\x02")), True),
    ("b", cmp("LT", B(b"\x80")), True),  # unsigned bytes
    ("n", cmp("GT", S("1")), False),  # another type
    ("missing", cmp("GT", N(1)), False),
    ("n", cmp("NOT_NULL"), True),
    ("missing", cmp("NOT_NULL"), False),
    ("missing", cmp("NULL"), True),
    ("n", cmp("NULL"), False),
    ("s", cmp("CONTAINS", S("ell")), True),
    ("s", cmp("CONTAINS", S("xyz")), False),
    ("ss", cmp("CONTAINS", S("a")), True),
    ("ss", cmp("CONTAINS", S("c")), False),
    ("ns", cmp("CONTAINS", N(2)), True),
    ("b", cmp("CONTAINS", B(b"\x02\x03")), True),
    ("l", cmp("CONTAINS", S("x")), True),
    ("l", cmp("CONTAINS", N(1)), True),
    ("l", cmp("CONTAINS", N(2)), False),
    ("s", cmp("NOT_CONTAINS", S("xyz")), True),
    ("s", cmp("NOT_CONTAINS", S("ell")), False),
    ("ss", cmp("NOT_CONTAINS", S("c")), True),
    ("ss", cmp("NOT_CONTAINS", S("a")), False),
    ("s", cmp("BEGINS_WITH", S("he")), True),
    ("s", cmp("BEGINS_WITH", S("el")), False),
    ("b", cmp("BEGINS_WITH", B(b"\x01")), True),
    ("n", cmp("IN", N(1), N(5)), True),
    ("n", cmp("IN", N(5)), True),
    ("n", cmp("IN", N(1), N(2)), False),
    ("s", cmp("IN", S("a"), S("hello")), True),
    ("n", cmp("BETWEEN", N(1), N(5)), True),
    ("n", cmp("BETWEEN", N(5), N(9)), True),
    ("n", cmp("BETWEEN", N(6), N(9)), False),
    ("s", cmp("BETWEEN", S("a"), S("z")), True),
    ("s", cmp("BETWEEN", S("i"), S("z")), False),
])
def test_comparison_operators(ddb, table_s, name, cond, expected):
    assert attempt(ddb, table_s, ITEM, Expected={name: cond}) is expected


@pytest.mark.parametrize("op", ["put", "delete", "update"])
def test_comparison_on_each_write(ddb, table_s, op):
    assert attempt(ddb, table_s, ITEM, op=op, Expected={"n": cmp("GT", N(4))}) is True
    assert attempt(ddb, table_s, ITEM, op=op, Expected={"n": cmp("GT", N(5))}) is False


# --------------------------------------------------------------------------
# Expected with Exists / Value


@pytest.mark.parametrize("expected,holds", [
    ({"n": {"Value": N(5)}}, True),
    ({"n": {"Value": N(6)}}, False),
    ({"n": {"Value": S("5")}}, False),
    ({"n": {"Exists": True, "Value": N(5)}}, True),
    ({"n": {"Exists": True, "Value": N(4)}}, False),
    ({"missing": {"Exists": False}}, True),
    ({"n": {"Exists": False}}, False),
    ({"missing": {"Value": N(5)}}, False),
    ({"ss": {"Value": {"SS": ["b", "a"]}}}, True),
    ({"status": {"Value": S("on")}}, True),  # no reserved words in legacy parameters
    ({"a.b": {"Value": S("flat")}}, True),  # a plain name, not a path
])
def test_exists_and_value(ddb, table_s, expected, holds):
    assert attempt(ddb, table_s, ITEM, Expected=expected) is holds


@pytest.mark.parametrize("conditions,operator,holds", [
    ({"n": cmp("EQ", N(5)), "s": cmp("EQ", S("hello"))}, None, True),
    ({"n": cmp("EQ", N(5)), "s": cmp("EQ", S("nope"))}, None, False),
    ({"n": cmp("EQ", N(5)), "s": cmp("EQ", S("nope"))}, "AND", False),
    ({"n": cmp("EQ", N(5)), "s": cmp("EQ", S("nope"))}, "OR", True),
    ({"n": cmp("EQ", N(6)), "s": cmp("EQ", S("nope"))}, "OR", False),
    ({"n": {"Value": N(6)}, "missing": {"Exists": False}}, "OR", True),
    ({"n": {"Value": N(5)}, "missing": {"Exists": False}, "s": cmp("BEGINS_WITH", S("h"))},
     "AND", True),
])
def test_conditional_operator(ddb, table_s, conditions, operator, holds):
    params = {"Expected": conditions}
    if operator:
        params["ConditionalOperator"] = operator
    assert attempt(ddb, table_s, ITEM, **params) is holds


def test_put_if_absent(ddb, table_s):
    first = dict(KEY, v=S("first"))
    ddb.put_item(TableName=table_s, Item=first, Expected={"pk": {"Exists": False}})
    assert_error(ddb.put_item, CCF, CCF_MESSAGE, TableName=table_s,
                 Item=dict(KEY, v=S("second")), Expected={"pk": {"Exists": False}})
    assert read(ddb, table_s) == first


def test_expected_on_missing_item(ddb, table_s):
    assert attempt(ddb, table_s, None, Expected={"pk": {"Value": S("k")}}) is False
    assert attempt(ddb, table_s, None, op="delete", Expected={"a": cmp("NOT_NULL")}) is False
    assert attempt(ddb, table_s, None, op="update", Expected={"a": cmp("NOT_NULL")}) is False
    assert attempt(ddb, table_s, None, Expected={"a": cmp("NULL")}) is True


# --------------------------------------------------------------------------
# Expected errors


@pytest.mark.parametrize("op,values", [
    ("EQ", []),
    ("EQ", [N(1), N(2)]),
    ("GT", []),  # message unverified (verified for EQ)
    ("BETWEEN", [N(1)]),  # message unverified (verified for EQ)
    ("BETWEEN", [N(1), N(2), N(3)]),  # message unverified (verified for EQ)
    ("NULL", [N(1)]),  # message unverified (verified for EQ)
    ("NOT_NULL", [N(1)]),  # message unverified (verified for EQ)
    ("IN", []),  # message unverified (verified for EQ)
    ("BEGINS_WITH", [S("a"), S("b")]),  # message unverified (verified for EQ)
])
def test_wrong_number_of_arguments(ddb, table_s, op, values):
    assert_error(ddb.put_item, "ValidationException",
                 INVALID + "Invalid number of argument(s) for the %s ComparisonOperator" % op,
                 TableName=table_s, Item=KEY,
                 Expected={"a": {"ComparisonOperator": op, "AttributeValueList": values}})
    assert read(ddb, table_s) is None


def test_exists_true_without_value(ddb, table_s):
    assert_error(ddb.put_item, "ValidationException",
                 INVALID + "Value must be provided when Exists is true for Attribute: a",
                 # message unverified
                 TableName=table_s, Item=KEY, Expected={"a": {"Exists": True}})


def test_exists_false_with_value(ddb, table_s):
    assert_error(ddb.put_item, "ValidationException",
                 INVALID + "Value cannot be used when Exists is false for Attribute: a",
                 # message unverified
                 TableName=table_s, Item=KEY, Expected={"a": {"Exists": False, "Value": N(1)}})


def test_value_with_comparison_operator(ddb, table_s):
    # code only; message unverified
    assert_error(ddb.put_item, "ValidationException", TableName=table_s, Item=KEY,
                 Expected={"a": {"Value": N(1), "ComparisonOperator": "EQ",
                                 "AttributeValueList": [N(1)]}})


# --------------------------------------------------------------------------
# AttributeUpdates


def legacy_update(ddb, table, updates, key=KEY, **kwargs):
    return ddb.update_item(TableName=table, Key=key, AttributeUpdates=updates, **kwargs)


def test_put_action(ddb, table_s):
    ddb.put_item(TableName=table_s, Item=dict(KEY, a=N(1), c=N(3)))
    legacy_update(ddb, table_s, {"a": {"Action": "PUT", "Value": S("new")},
                                 "b": {"Value": {"L": [N(1)]}}})  # PUT is the default action
    assert read(ddb, table_s) == dict(KEY, a=S("new"), b={"L": [N(1)]}, c=N(3))


def test_put_action_creates_item(ddb, table_s):
    legacy_update(ddb, table_s, {"a": {"Action": "PUT", "Value": N(1)}})
    assert read(ddb, table_s) == dict(KEY, a=N(1))


def test_names_are_literal(ddb, table_s):
    legacy_update(ddb, table_s, {"status": {"Value": S("on")}, "a.b": {"Value": S("flat")},
                                 "l[0]": {"Value": N(1)}})
    assert read(ddb, table_s) == dict(KEY, status=S("on"), **{"a.b": S("flat"), "l[0]": N(1)})


def test_delete_action_removes_attribute(ddb, table_s):
    ddb.put_item(TableName=table_s, Item=dict(KEY, a=N(1), b=N(2)))
    legacy_update(ddb, table_s, {"a": {"Action": "DELETE"}, "missing": {"Action": "DELETE"}})
    assert read(ddb, table_s) == dict(KEY, b=N(2))


@pytest.mark.parametrize("t,start,value,result", [
    ("SS", ["a", "b", "c"], ["a", "zz"], ["b", "c"]),
    ("NS", ["1", "2"], ["2"], ["1"]),
    ("BS", [b"\x01", b"\x02"], [b"\x01"], [b"\x02"]),
])
def test_delete_action_set_members(ddb, table_s, t, start, value, result):
    ddb.put_item(TableName=table_s, Item=dict(KEY, s={t: start}))
    legacy_update(ddb, table_s, {"s": {"Action": "DELETE", "Value": {t: value}}})
    assert canon_item(read(ddb, table_s)) == canon_item(dict(KEY, s={t: result}))


def test_delete_action_last_members(ddb, table_s):
    ddb.put_item(TableName=table_s, Item=dict(KEY, s={"SS": ["a"]}, x=N(1)))
    legacy_update(ddb, table_s, {"s": {"Action": "DELETE", "Value": {"SS": ["a"]}}})
    assert read(ddb, table_s) == dict(KEY, x=N(1))


def test_add_action_numbers(ddb, table_s):
    ddb.put_item(TableName=table_s, Item=dict(KEY, n=N(5)))
    legacy_update(ddb, table_s, {"n": {"Action": "ADD", "Value": N(-2)},
                                 "m": {"Action": "ADD", "Value": N("1.5")}})
    assert read(ddb, table_s) == dict(KEY, n=N(3), m=N("1.5"))


def test_add_action_sets(ddb, table_s):
    ddb.put_item(TableName=table_s, Item=dict(KEY, s={"SS": ["a"]}))
    legacy_update(ddb, table_s, {"s": {"Action": "ADD", "Value": {"SS": ["b", "a"]}},
                                 "n": {"Action": "ADD", "Value": {"NS": ["7"]}}})
    assert canon_item(read(ddb, table_s)) == canon_item(
        dict(KEY, s={"SS": ["a", "b"]}, n={"NS": ["7"]}))


def test_add_action_creates_item(ddb, table_s):
    legacy_update(ddb, table_s, {"n": {"Action": "ADD", "Value": N(1)}})
    legacy_update(ddb, table_s, {"n": {"Action": "ADD", "Value": N(1)}})
    assert read(ddb, table_s) == dict(KEY, n=N(2))


def test_add_action_type_mismatch(ddb, table_s):
    ddb.put_item(TableName=table_s, Item=dict(KEY, n=S("x")))
    # code only; message unverified
    assert_error(ddb.update_item, "ValidationException", TableName=table_s, Key=KEY,
                 AttributeUpdates={"n": {"Action": "ADD", "Value": N(1)}})
    assert read(ddb, table_s) == dict(KEY, n=S("x"))


@pytest.mark.parametrize("action", ["PUT", "ADD", "DELETE"])
def test_key_attribute_cannot_be_updated(ddb, table_s, action):
    ddb.put_item(TableName=table_s, Item=dict(KEY, a=N(1)))
    update = {"Action": action}
    if action != "DELETE":
        update["Value"] = S("other") if action == "PUT" else N(1)
    assert_error(ddb.update_item, "ValidationException",
                 INVALID + "Cannot update attribute pk. This attribute is part of the key",
                 TableName=table_s, Key=KEY, AttributeUpdates={"pk": update})
    assert read(ddb, table_s) == dict(KEY, a=N(1))


def test_attribute_updates_with_expected(ddb, table_s):
    ddb.put_item(TableName=table_s, Item=dict(KEY, ver=N(1)))
    legacy_update(ddb, table_s, {"ver": {"Value": N(2)}}, Expected={"ver": {"Value": N(1)}})
    assert_error(ddb.update_item, CCF, CCF_MESSAGE, TableName=table_s, Key=KEY,
                 AttributeUpdates={"ver": {"Value": N(3)}}, Expected={"ver": {"Value": N(1)}})
    assert read(ddb, table_s) == dict(KEY, ver=N(2))


START = {"a": N(1), "b": S("x"), "s": {"SS": ["p"]}}
UPDATES = {"a": {"Value": N(2)}, "b": {"Action": "DELETE"}, "c": {"Action": "ADD", "Value": N(5)}}


@pytest.mark.parametrize("mode,expected", [
    ("NONE", None),
    ("ALL_OLD", dict(KEY, **START)),
    ("ALL_NEW", dict(KEY, a=N(2), c=N(5), s={"SS": ["p"]})),
    ("UPDATED_OLD", {"a": N(1), "b": S("x")}),
    ("UPDATED_NEW", {"a": N(2), "c": N(5)}),
])
def test_attribute_updates_return_values(ddb, table_s, mode, expected):
    ddb.put_item(TableName=table_s, Item=dict(KEY, **START))
    resp = legacy_update(ddb, table_s, UPDATES, ReturnValues=mode)
    assert canon_item(resp.get("Attributes")) == canon_item(expected)


def test_attribute_updates_return_values_on_new_item(ddb, table_s):
    resp = legacy_update(ddb, table_s, {"a": {"Value": N(1)}}, ReturnValues="ALL_OLD")
    assert "Attributes" not in resp
    ddb.delete_item(TableName=table_s, Key=KEY)
    resp = legacy_update(ddb, table_s, {"a": {"Value": N(1)}}, ReturnValues="ALL_NEW")
    assert resp["Attributes"] == dict(KEY, a=N(1))


# --------------------------------------------------------------------------
# AttributesToGet


def test_attributes_to_get_names_are_literal(ddb, table_s):
    ddb.put_item(TableName=table_s, Item=dict(KEY, a={"M": {"b": S("nested")}},
                                              status=S("on"), **{"a.b": S("flat")}))
    got = ddb.get_item(TableName=table_s, Key=KEY, AttributesToGet=["a.b", "status"],
                       ConsistentRead=True)["Item"]
    assert got == {"a.b": S("flat"), "status": S("on")}


# --------------------------------------------------------------------------
# Mixing legacy and expression parameters


def test_put_expected_with_condition_expression(ddb, table_s):
    assert_error(ddb.put_item, "ValidationException",
                 MIXED % ("Expected", "ConditionExpression"),  # message unverified
                 TableName=table_s, Item=KEY, Expected={"pk": {"Exists": False}},
                 ConditionExpression="attribute_not_exists(pk)")
    assert read(ddb, table_s) is None


def test_delete_expected_with_condition_expression(ddb, table_s):
    ddb.put_item(TableName=table_s, Item=KEY)
    assert_error(ddb.delete_item, "ValidationException",
                 MIXED % ("Expected", "ConditionExpression"),  # message unverified
                 TableName=table_s, Key=KEY, Expected={"pk": {"Exists": True, "Value": S("k")}},
                 ConditionExpression="attribute_exists(pk)")
    assert read(ddb, table_s) == KEY


@pytest.mark.parametrize("legacy,expression,non_expr,expr", [
    ({"AttributeUpdates": {"a": {"Value": N(1)}}},
     {"UpdateExpression": "SET a = :v", "ExpressionAttributeValues": {":v": N(1)}},
     "AttributeUpdates", "UpdateExpression"),
    ({"Expected": {"a": {"Exists": False}}},
     {"UpdateExpression": "SET a = :v", "ExpressionAttributeValues": {":v": N(1)}},
     "Expected", "UpdateExpression"),
    ({"AttributeUpdates": {"a": {"Value": N(1)}}},
     {"ConditionExpression": "attribute_not_exists(a)"},
     "AttributeUpdates", "ConditionExpression"),
    ({"Expected": {"a": {"Exists": False}}},
     {"ConditionExpression": "attribute_not_exists(a)"},
     "Expected", "ConditionExpression"),
])
def test_update_mixed_parameters(ddb, table_s, legacy, expression, non_expr, expr):
    assert_error(ddb.update_item, "ValidationException",
                 MIXED % (non_expr, expr),  # message unverified
                 TableName=table_s, Key=KEY, **legacy, **expression)
    assert read(ddb, table_s) is None


def test_update_all_four_mixed(ddb, table_s):
    assert_error(ddb.update_item, "ValidationException",
                 MIXED % ("AttributeUpdates, Expected", "UpdateExpression, ConditionExpression"),
                 TableName=table_s, Key=KEY,
                 AttributeUpdates={"a": {"Value": N(1)}}, Expected={"a": {"Exists": False}},
                 UpdateExpression="SET b = :v", ConditionExpression="attribute_not_exists(b)",
                 ExpressionAttributeValues={":v": N(1)})
    assert read(ddb, table_s) is None


def test_expected_with_expression_values_only(ddb, table_s):
    assert_error(ddb.update_item, "ValidationException",
                 "ExpressionAttributeValues can only be specified when using expressions: "
                 "UpdateExpression and ConditionExpression are null",
                 TableName=table_s, Key=KEY, Expected={"a": {"Exists": False}},
                 ExpressionAttributeValues={":v": N(1)})


def test_conditional_operator_with_condition_expression(ddb, table_s):
    # ConditionalOperator is a legacy member of its own, even without Expected
    assert_error(ddb.put_item, "ValidationException",
                 MIXED % ("ConditionalOperator", "ConditionExpression"), TableName=table_s,
                 Item=KEY, ConditionalOperator="OR", ConditionExpression="attribute_not_exists(pk)")
    assert read(ddb, table_s) is None


ALONE = "ConditionalOperator cannot be used without Filter or Expected"
ONE_ELEMENT = ("ConditionalOperator can only be used when Filter or Expected has two or more "
               "elements")


@pytest.mark.parametrize("op", ["put", "update", "delete"])
@pytest.mark.parametrize("operator", ["AND", "OR"])
def test_conditional_operator_without_expected(ddb, table_s, server, op, operator):
    calls = {
        "put": (ddb.put_item, dict(Item=KEY)),
        "delete": (ddb.delete_item, dict(Key=KEY)),
        "update": (ddb.update_item,
                   dict(Key=KEY, AttributeUpdates={"mk": {"Action": "PUT", "Value": MARK}})),
    }
    call, params = calls[op]
    assert_error(call, "ValidationException", ALONE, TableName=table_s,
                 ConditionalOperator=operator, **params)
    # an empty Expected joins nothing either
    assert_error(call, "ValidationException", ALONE, TableName=table_s,
                 ConditionalOperator=operator, Expected={}, **params)
    assert_error(call, "ValidationException", ONE_ELEMENT, TableName=table_s,
                 ConditionalOperator=operator, Expected={"a": {"Exists": False}}, **params)
    assert server.alive()
    assert read(ddb, table_s) is None


def test_conditional_operator_without_filter(ddb, table_s):
    assert_error(ddb.scan, "ValidationException", ALONE, TableName=table_s,
                 ConditionalOperator="OR")
    assert_error(ddb.scan, "ValidationException", ONE_ELEMENT, TableName=table_s,
                 ConditionalOperator="OR", ScanFilter={"a": cmp("NOT_NULL")})
    assert_error(ddb.query, "ValidationException", ALONE, TableName=table_s,
                 ConditionalOperator="AND", KeyConditions={"pk": cmp("EQ", S("k"))})


# --------------------------------------------------------------------------
# Which members mix, and how the message lists them: legacy members in the
# order AttributeUpdates, AttributesToGet, Expected, QueryFilter, ScanFilter,
# ConditionalOperator, KeyConditions; expressions in the order
# UpdateExpression, ProjectionExpression, ConditionExpression,
# FilterExpression, KeyConditionExpression.

TWO = {"a": cmp("EQ", N(1)), "b": cmp("NOT_NULL")}
KC = {"pk": cmp("EQ", S("k"))}
V = {":v": N(1)}


@pytest.mark.parametrize("op,params,non_expr,expr", [
    ("update_item", dict(Key=KEY, AttributeUpdates={"a": {"Value": N(1)}}, Expected=TWO,
                         ConditionalOperator="OR", UpdateExpression="SET b = :v",
                         ConditionExpression="a = :v", ExpressionAttributeValues=V),
     "AttributeUpdates, Expected, ConditionalOperator", "UpdateExpression, ConditionExpression"),
    ("update_item", dict(Key=KEY, ConditionalOperator="AND", UpdateExpression="SET b = :v",
                         ExpressionAttributeValues=V),
     "ConditionalOperator", "UpdateExpression"),
    ("put_item", dict(Item=KEY, Expected=TWO, ConditionalOperator="AND",
                      ConditionExpression="attribute_exists(pk)"),
     "Expected, ConditionalOperator", "ConditionExpression"),
    ("delete_item", dict(Key=KEY, ConditionalOperator="AND",
                         ConditionExpression="attribute_exists(pk)"),
     "ConditionalOperator", "ConditionExpression"),
    ("get_item", dict(Key=KEY, AttributesToGet=["a"], ProjectionExpression="b"),
     "AttributesToGet", "ProjectionExpression"),
    ("scan", dict(AttributesToGet=["a"], ScanFilter=TWO, ConditionalOperator="AND",
                  FilterExpression="a = :v", ProjectionExpression="b",
                  ExpressionAttributeValues=V),
     "AttributesToGet, ScanFilter, ConditionalOperator", "ProjectionExpression, FilterExpression"),
    ("scan", dict(ScanFilter=TWO, ProjectionExpression="b"), "ScanFilter", "ProjectionExpression"),
    ("query", dict(AttributesToGet=["a"], QueryFilter=TWO, ConditionalOperator="OR",
                   KeyConditions=KC, ProjectionExpression="b", FilterExpression="a = :v",
                   KeyConditionExpression="pk = :k", ExpressionAttributeValues=dict(V, **{
                       ":k": S("k")})),
     "AttributesToGet, QueryFilter, ConditionalOperator, KeyConditions",
     "ProjectionExpression, FilterExpression, KeyConditionExpression"),
    # KeyConditions only clashes with KeyConditionExpression
    ("query", dict(QueryFilter=TWO, ConditionalOperator="OR", KeyConditions=KC,
                   FilterExpression="a = :v", ProjectionExpression="b",
                   ExpressionAttributeValues=V),
     "QueryFilter, ConditionalOperator", "ProjectionExpression, FilterExpression"),
    ("query", dict(KeyConditions=KC, KeyConditionExpression="pk = :k",
                   FilterExpression="a = :v", ExpressionAttributeValues={":k": S("k"), ":v": N(1)}),
     "KeyConditions", "FilterExpression, KeyConditionExpression"),
    ("query", dict(KeyConditions=KC, ConditionalOperator="AND", FilterExpression="a = :v",
                   ExpressionAttributeValues=V),
     "ConditionalOperator", "FilterExpression"),
    ("query", dict(ConditionalOperator="AND", KeyConditionExpression="pk = :k",
                   ExpressionAttributeValues={":k": S("k")}),
     "ConditionalOperator", "KeyConditionExpression"),
    ("query", dict(AttributesToGet=["a"], KeyConditionExpression="pk = :k",
                   ExpressionAttributeValues={":k": S("k")}),
     "AttributesToGet", "KeyConditionExpression"),
    ("query", dict(KeyConditions=KC, QueryFilter=TWO, ProjectionExpression="b"),
     "QueryFilter", "ProjectionExpression"),
])
def test_mixed_parameters_listed(ddb, table_s, op, params, non_expr, expr):
    assert_error(getattr(ddb, op), "ValidationException", MIXED % (non_expr, expr),
                 TableName=table_s, **params)
    assert read(ddb, table_s) is None


def test_mixing_comes_before_unused_values(ddb, table_s):
    assert_error(ddb.scan, "ValidationException", MIXED % ("ConditionalOperator",
                                                             "FilterExpression"),
                 TableName=table_s, ConditionalOperator="AND", FilterExpression="a = :v",
                 ExpressionAttributeValues={":v": N(1), ":unused": N(2)})


# --------------------------------------------------------------------------
# ConditionalOperator: its enumeration, then the mixing rule, then whether
# there is something to join

CONDOP_ENUM = ("1 validation error detected: Value '%s' at 'conditionalOperator' failed to "
               "satisfy constraint: Member must satisfy enum value set: [OR, AND]")


@pytest.mark.parametrize("value", ["XOR", "and", ""])
def test_conditional_operator_enum_first(ddb, table_s, value):
    message = CONDOP_ENUM % value
    assert_error(ddb.scan, "ValidationException", message, TableName=table_s,
                 ConditionalOperator=value)
    assert_error(ddb.scan, "ValidationException", message, TableName=table_s,
                 ConditionalOperator=value, ScanFilter={"a": cmp("NULL")})
    assert_error(ddb.scan, "ValidationException", message, TableName=table_s,
                 ConditionalOperator=value, FilterExpression="a = :v",
                 ExpressionAttributeValues={":v": N(1)})
    assert_error(ddb.put_item, "ValidationException", message, TableName=table_s, Item=KEY,
                 ConditionalOperator=value, ConditionExpression="attribute_not_exists(pk)")
    assert_error(ddb.update_item, "ValidationException", message, TableName=table_s, Key=KEY,
                 ConditionalOperator=value, Expected=TWO)
    assert_error(ddb.query, "ValidationException", message, TableName=table_s,
                 ConditionalOperator=value, KeyConditions=KC)
    assert read(ddb, table_s) is None


def test_legacy_enums_listed_together(ddb, table_s):
    # a Scan lists ConditionalOperator before ScanFilter's entries; a Query
    # QueryFilter's entries, ConditionalOperator, then KeyConditions'
    assert_error(ddb.scan, "ValidationException",
                 "2 validation errors detected: Value 'X' at 'conditionalOperator' failed to "
                 "satisfy constraint: Member must satisfy enum value set: [OR, AND]; Value null "
                 "at 'scanFilter.a.member.comparisonOperator' failed to satisfy constraint: "
                 "Member must not be null",
                 TableName=table_s, ConditionalOperator="X", ScanFilter={"a": {}})
    assert_error(ddb.query, "ValidationException",
                 "3 validation errors detected: Value null at "
                 "'queryFilter.a.member.comparisonOperator' failed to satisfy constraint: Member "
                 "must not be null; Value 'X' at 'conditionalOperator' failed to satisfy "
                 "constraint: Member must satisfy enum value set: [OR, AND]; Value null at "
                 "'keyConditions.pk.member.comparisonOperator' failed to satisfy constraint: "
                 "Member must not be null",
                 TableName=table_s, ConditionalOperator="X", QueryFilter={"a": {}},
                 KeyConditions={"pk": {}})


def test_table_name_comes_first(ddb):
    msg = assert_error(ddb.put_item, "ValidationException", TableName="aa", Item=KEY,
                       ConditionalOperator="AND", ConditionExpression="attribute_exists(pk)")
    assert "at 'tableName' failed to satisfy constraint" in msg
    msg = assert_error(ddb.scan, "ValidationException", TableName="aa",
                       ConditionalOperator="AND")
    assert "at 'tableName' failed to satisfy constraint" in msg


def test_mixing_comes_before_the_conditional_operator_rule(ddb, table_s):
    assert_error(ddb.scan, "ValidationException", MIXED % ("ConditionalOperator",
                                                             "FilterExpression"),
                 TableName=table_s, ConditionalOperator="OR", FilterExpression="a = :v",
                 ExpressionAttributeValues={":v": N(1)})
    assert_error(ddb.scan, "ValidationException", MIXED % ("ConditionalOperator",
                                                             "ProjectionExpression"),
                 TableName=table_s, ConditionalOperator="OR", ProjectionExpression="a")


def test_conditional_operator_needs_two_filter_entries(ddb, table_s):
    assert_error(ddb.scan, "ValidationException", ALONE, TableName=table_s,
                 ConditionalOperator="AND", ScanFilter={})
    assert_error(ddb.scan, "ValidationException", ALONE, TableName=table_s,
                 ConditionalOperator="AND", AttributesToGet=["a"])
    assert_error(ddb.query, "ValidationException", ONE_ELEMENT, TableName=table_s,
                 ConditionalOperator="OR", KeyConditions=KC, QueryFilter={"a": cmp("NULL")})
    assert_error(ddb.query, "ValidationException", ALONE, TableName=table_s,
                 ConditionalOperator="OR", KeyConditions=KC, QueryFilter={})
    # before the missing key condition
    assert_error(ddb.query, "ValidationException", ALONE, TableName=table_s,
                 ConditionalOperator="OR")
    # KeyConditions are not joined by it
    assert_error(ddb.query, "ValidationException", ALONE, TableName=table_s,
                 ConditionalOperator="OR", KeyConditions=KC)


def test_conditional_operator_rule_before_the_entries(ddb, table_s):
    # order unverified: the entry's own error would come later
    assert_error(ddb.scan, "ValidationException", ONE_ELEMENT, TableName=table_s,
                 ConditionalOperator="OR", ScanFilter={"a": cmp("BETWEEN", N(2), N(1))})


@pytest.mark.parametrize("operator,expected", [("AND", ["both"]), ("OR", ["a", "b", "both"])])
def test_conditional_operator_joins_filters(ddb, table_s, operator, expected):
    for name, item in {"a": {"x": N(1)}, "b": {"y": N(1)}, "both": {"x": N(1), "y": N(1)},
                       "none": {}}.items():
        ddb.put_item(TableName=table_s, Item=dict({"pk": S(name)}, **item))
    got = ddb.scan(TableName=table_s, ConditionalOperator=operator,
                   ScanFilter={"x": cmp("EQ", N(1)), "y": cmp("NOT_NULL")})
    assert sorted(i["pk"]["S"] for i in got["Items"]) == expected
    for name in ("a", "b", "both", "none"):
        got = ddb.query(TableName=table_s, ConditionalOperator=operator,
                        KeyConditions={"pk": cmp("EQ", S(name))},
                        QueryFilter={"x": cmp("EQ", N(1)), "y": cmp("NOT_NULL")})
        assert got["Count"] == (1 if name in expected else 0)
