"""The AttributeValueList of a legacy condition (an Expected entry, a QueryFilter
or ScanFilter Condition, a KeyConditions Condition) checked against its
ComparisonOperator: the number of values, the types the operator takes, one
type for all values, BETWEEN's bounds in order.  Each is a ValidationException
found before the table is looked up, never a failed condition or an empty
result; a valid list behaves as a condition."""

import pytest

from ddbvalues import KEY, B, N, S, read
from conftest import assert_error, raw_call, unique_name

VE = "ValidationException"
INVALID = "One or more parameter values were invalid: "
MIXED = INVALID + "AttributeValues inside AttributeValueList must be of same type"
ORDER = ("The BETWEEN condition was provided a range where the lower bound is greater than "
         "the upper bound")
COUNT = INVALID + "Invalid number of argument(s) for the %s ComparisonOperator"
TYPE = INVALID + "ComparisonOperator %s is not valid for %s AttributeValue type"
OPERATORS = ("Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, "
             "NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]")

SS = {"SS": ["x"]}
NS = {"NS": ["1"]}
BS = {"BS": [b"x"]}
BOOL = {"BOOL": True}
NULL = {"NULL": True}
LIST = {"L": [S("x")]}
MAP = {"M": {"x": S("x")}}
NON_SCALARS = [SS, NS, BS, BOOL, NULL, LIST, MAP]


def cond(op, *values):
    return {"ComparisonOperator": op, "AttributeValueList": list(values)}


def type_name(v):
    return next(iter(v))


# Where a condition can stand: a function sending `entry` for attribute "a"
# (for KeyConditions the partition key "pk") to `table`.
PLACES = {
    "Expected": lambda ddb, t, entry: ddb.put_item(TableName=t, Item=KEY, Expected={"a": entry}),
    "QueryFilter": lambda ddb, t, entry: ddb.query(
        TableName=t, KeyConditions={"pk": cond("EQ", S("k"))}, QueryFilter={"a": entry}),
    "ScanFilter": lambda ddb, t, entry: ddb.scan(TableName=t, ScanFilter={"a": entry}),
    "KeyConditions": lambda ddb, t, entry: ddb.query(TableName=t, KeyConditions={"pk": entry}),
}


def refused(ddb, table_s, place, entry, message):
    """`entry` is refused with `message`, on a table that does not exist as on
    one that does (nothing written there)."""
    send = PLACES[place]
    assert_error(lambda: send(ddb, unique_name("missing"), entry), VE, message)
    assert_error(lambda: send(ddb, table_s, entry), VE, message)
    assert read(ddb, table_s) is None


# --------------------------------------------------------------------------
# Values of different types


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("values", [
    [S("a"), N(1)],
    [N(1), S("a")],
    [B(b"a"), S("a")],
])
def test_between_values_of_two_types(ddb, table_s, place, values):
    refused(ddb, table_s, place, cond("BETWEEN", *values), MIXED)


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("values", [
    [S("a"), N(1)],
    [N(1), N(2), S("3")],
    [B(b"a"), B(b"b"), N(1)],
])
def test_in_values_of_several_types(ddb, table_s, place, values):
    refused(ddb, table_s, place, cond("IN", *values), MIXED)


# --------------------------------------------------------------------------
# BETWEEN's bounds


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("lower,upper", [
    (N(3), N(1)),
    (N(10), N(9)),  # numerically, not as text
    (N(-1), N("-1.5")),
    (S("b"), S("a")),
    (S("ab"), S("a")),
    (B(b"\x80"), B(b"\x7f")),  # unsigned bytes
])
def test_between_bounds_reversed(ddb, table_s, place, lower, upper):
    refused(ddb, table_s, place, cond("BETWEEN", lower, upper), ORDER)


@pytest.mark.parametrize("lower,upper,holds", [
    (N(5), N(5), True),
    (N(5), N("5.0"), True),  # equal bounds
    (N(9), N(10), False),
    (S("a"), S("b"), False),  # another type than the attribute: no match, no error
])
def test_between_bounds_in_order(ddb, table_s, lower, upper, holds):
    ddb.put_item(TableName=table_s, Item=dict(KEY, a=N(5)))
    got = ddb.scan(TableName=table_s, ScanFilter={"a": cond("BETWEEN", lower, upper)})
    assert got["Count"] == (1 if holds else 0)


# --------------------------------------------------------------------------
# Types an operator takes


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("op", ["IN", "LT", "LE", "GT", "GE"])
@pytest.mark.parametrize("value", NON_SCALARS)
def test_ordered_operators_take_scalars(ddb, table_s, place, op, value):
    refused(ddb, table_s, place, cond(op, value), TYPE % (op, type_name(value)))


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("value", NON_SCALARS)
def test_between_takes_scalars(ddb, table_s, place, value):
    refused(ddb, table_s, place, cond("BETWEEN", value, value),
            TYPE % ("BETWEEN", type_name(value)))


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("op", ["CONTAINS", "NOT_CONTAINS"])
@pytest.mark.parametrize("value", [SS, NS, BS, LIST, MAP])
def test_contains_takes_no_set_list_or_map(ddb, table_s, place, op, value):
    refused(ddb, table_s, place, cond(op, value), TYPE % (op, type_name(value)))


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("value", [N(1)] + NON_SCALARS)
def test_begins_with_takes_strings_and_binaries(ddb, table_s, place, value):
    refused(ddb, table_s, place, cond("BEGINS_WITH", value),
            TYPE % ("BEGINS_WITH", type_name(value)))


def test_begins_with_number_as_value(ddb, table_s):
    # Expected's Value stands for a one-element list
    refused(ddb, table_s, "Expected", {"ComparisonOperator": "BEGINS_WITH", "Value": N(1)},
            TYPE % ("BEGINS_WITH", "N"))
    refused(ddb, table_s, "Expected", {"ComparisonOperator": "LT", "Value": SS},
            TYPE % ("LT", "SS"))


@pytest.mark.parametrize("value,holds", [(BOOL, True), (NULL, True), ({"BOOL": False}, False)])
def test_contains_takes_bool_and_null(ddb, table_s, value, holds):
    ddb.put_item(TableName=table_s, Item=dict(KEY, a={"L": [BOOL, NULL]}))
    got = ddb.scan(TableName=table_s, ScanFilter={"a": cond("CONTAINS", value)})
    assert got["Count"] == (1 if holds else 0)
    got = ddb.scan(TableName=table_s, ScanFilter={"a": cond("NOT_CONTAINS", value)})
    assert got["Count"] == (0 if holds else 1)


@pytest.mark.parametrize("place", ["Expected", "QueryFilter", "ScanFilter"])
@pytest.mark.parametrize("value", [S("x"), N(1), SS, LIST, MAP, BOOL, NULL])
def test_equality_takes_every_type(ddb, table_s, place, value):
    # a condition that does not hold, not a refused request
    ddb.put_item(TableName=table_s, Item=dict(KEY, b=N(0)))
    for op in ("EQ", "NE"):
        entry = cond(op, value)
        if place == "Expected":
            held = True
            try:
                ddb.put_item(TableName=table_s, Item=dict(KEY, b=N(0)), Expected={"a": entry})
            except ddb.exceptions.ConditionalCheckFailedException:
                held = False
            assert held == (op == "NE")
        else:
            assert PLACES[place](ddb, table_s, entry)["Count"] == (1 if op == "NE" else 0)


@pytest.mark.parametrize("place", PLACES)
def test_unsupported_type_after_a_good_one(ddb, table_s, place):
    # order unverified: each value is checked for its type, then against the
    # first value's type
    refused(ddb, table_s, place, cond("IN", S("a"), SS), TYPE % ("IN", "SS"))
    refused(ddb, table_s, place, cond("IN", S("a"), N(1), SS), MIXED)


# --------------------------------------------------------------------------
# Number of values


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("op,values", [
    ("NULL", [S("a")]),
    ("NOT_NULL", [S("a")]),
    ("NOT_NULL", [S("a"), S("b")]),
    ("EQ", []),
    ("EQ", [S("a"), S("a")]),
    ("IN", []),
    ("BETWEEN", [S("a")]),
    ("BETWEEN", [SS]),  # the count comes before the type
    ("BETWEEN", [S("a"), S("b"), S("c")]),
    ("CONTAINS", [S("a"), S("b")]),
    ("BEGINS_WITH", [N(1), N(2)]),
])
def test_wrong_number_of_values(ddb, table_s, place, op, values):
    refused(ddb, table_s, place, cond(op, *values), COUNT % op)


@pytest.mark.parametrize("place", ["QueryFilter", "ScanFilter", "KeyConditions"])
def test_condition_without_list(ddb, table_s, place):
    refused(ddb, table_s, place, {"ComparisonOperator": "EQ"}, COUNT % "EQ")


@pytest.mark.parametrize("operation,member", [("Scan", "ScanFilter"), ("Query", "KeyConditions")])
def test_condition_has_no_value_member(port, table_s, operation, member):
    # message unverified: a Condition has no Value member (unlike an Expected
    # entry), so only its AttributeValueList counts
    resp = raw_call(port, operation, {"TableName": table_s, member: {
        "pk": {"ComparisonOperator": "EQ", "Value": S("k")}}})
    assert (resp.status, resp.error_type, resp.error_message) == (400, VE, COUNT % "EQ")


def test_expected_without_list(ddb, table_s):
    refused(ddb, table_s, "Expected", {"ComparisonOperator": "EQ"},
            INVALID + "Value or AttributeValueList must be used with ComparisonOperator: EQ "
            "for Attribute: a")


# --------------------------------------------------------------------------
# Entries without an operator


@pytest.mark.parametrize("place,path", [
    ("QueryFilter", "queryFilter.a"),
    ("ScanFilter", "scanFilter.a"),
    ("KeyConditions", "keyConditions.pk"),
])
def test_condition_needs_an_operator(ddb, table_s, place, path):
    message = ("1 validation error detected: Value null at '%s.member.comparisonOperator' "
               "failed to satisfy constraint: Member must not be null" % path)
    refused(ddb, table_s, place, {}, message)
    refused(ddb, table_s, place, {"AttributeValueList": [S("a")]}, message)


@pytest.mark.parametrize("place,path", [
    ("Expected", "expected.a"),
    ("QueryFilter", "queryFilter.a"),
    ("ScanFilter", "scanFilter.a"),
    ("KeyConditions", "keyConditions.pk"),
])
def test_unknown_operator(ddb, table_s, place, path):
    refused(ddb, table_s, place, cond("LIKE", S("a")),
            "1 validation error detected: Value 'LIKE' at '%s.member.comparisonOperator' failed "
            "to satisfy constraint: %s" % (path, OPERATORS))


def test_expected_entry_with_nothing(ddb, table_s):
    refused(ddb, table_s, "Expected", {},
            INVALID + "Value must be provided when Exists is null for Attribute: a")


def test_several_filter_entries_without_operator(ddb, table_s):
    # every violation in one message (the order of a map's entries is kept)
    assert_error(ddb.scan, VE, "2 validation errors detected: Value null at "
                 "'scanFilter.a.member.comparisonOperator' failed to satisfy constraint: Member "
                 "must not be null; Value 'X' at 'scanFilter.b.member.comparisonOperator' failed "
                 "to satisfy constraint: " + OPERATORS,
                 TableName=unique_name("missing"), ScanFilter={"a": {}, "b": cond("X")})


# --------------------------------------------------------------------------
# The first bad entry is reported


def test_first_bad_entry_wins(ddb, table_s):
    assert_error(ddb.scan, VE, COUNT % "EQ", TableName=table_s,
                 ScanFilter={"a": cond("EQ"), "b": cond("BETWEEN", N(2), N(1))})
    assert_error(ddb.scan, VE, ORDER, TableName=table_s,
                 ScanFilter={"b": cond("BETWEEN", N(2), N(1)), "a": cond("EQ")})


def test_checked_before_the_condition_is_evaluated(ddb, table_s):
    # the stored item would fail the condition; the request is refused first
    ddb.put_item(TableName=table_s, Item=dict(KEY, a=N(5)))
    assert_error(ddb.put_item, VE, ORDER, TableName=table_s, Item=dict(KEY, a=N(6)),
                 Expected={"a": cond("BETWEEN", N(9), N(8))})
    assert_error(ddb.update_item, VE, MIXED, TableName=table_s, Key=KEY,
                 AttributeUpdates={"a": {"Action": "PUT", "Value": N(7)}},
                 Expected={"a": cond("IN", N(5), S("5"))})
    assert_error(ddb.delete_item, VE, TYPE % ("GT", "BOOL"), TableName=table_s, Key=KEY,
                 Expected={"a": cond("GT", BOOL)})
    assert read(ddb, table_s) == dict(KEY, a=N(5))
