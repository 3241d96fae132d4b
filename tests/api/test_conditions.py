"""ConditionExpression on PutItem, DeleteItem and UpdateItem: comparisons across
S/N/B and across types, BETWEEN, IN, AND/OR/NOT precedence, the condition
functions, document paths and placeholders, conditions on missing items and
ReturnValuesOnConditionCheckFailure.

Each case writes a base item, then attempts a conditional write; a failed
condition must leave the item exactly as it was."""

import pytest
from botocore.exceptions import ClientError

from ddbvalues import B, KEY, N, S, canon_item, read
from conftest import assert_error, raw_call

CCF = "ConditionalCheckFailedException"
CCF_MESSAGE = "The conditional request failed"
MARK = {"S": "written"}


def attempt(ddb, table, item, op="put", key=KEY, **params):
    """Store `item` (None: make sure the key is absent), then try a write with
    the given condition parameters.  Returns True if the write happened and
    False if the condition failed; checks the item either way."""
    if item is not None:
        ddb.put_item(TableName=table, Item=item)
    params = dict(params)
    try:
        if op == "put":
            ddb.put_item(TableName=table, Item=dict(key, mk=MARK), **params)
        elif op == "delete":
            ddb.delete_item(TableName=table, Key=key, **params)
        elif op == "update":
            values = dict(params.pop("ExpressionAttributeValues", {}))
            values[":mk"] = MARK
            ddb.update_item(TableName=table, Key=key, UpdateExpression="SET mk = :mk",
                            ExpressionAttributeValues=values, **params)
        else:
            raise AssertionError(op)
    except ClientError as e:
        err = e.response["Error"]
        if err.get("Code") != CCF:
            raise
        assert err.get("Message") == CCF_MESSAGE
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert canon_item(read(ddb, table, key)) == canon_item(item)
        return False
    got = read(ddb, table, key)
    if op == "put":
        assert got == dict(key, mk=MARK)
    elif op == "delete":
        assert got is None
    else:
        assert canon_item(got) == canon_item(dict(item or key, mk=MARK))
    return True


def holds(ddb, table, attrs, expr, values=None, names=None, op="put"):
    """Does `expr` hold on an item made of KEY plus `attrs`?"""
    params = {"ConditionExpression": expr}
    if values:
        params["ExpressionAttributeValues"] = values
    if names:
        params["ExpressionAttributeNames"] = names
    return attempt(ddb, table, dict(KEY, **attrs), op=op, **params)


# --------------------------------------------------------------------------
# Comparisons


CMP_SAME_TYPE = [
    (N(5), "=", N(5), True),
    (N(5), "=", N("5.0"), True),
    (N(5), "=", N("50E-1"), True),
    (N(5), "=", N(6), False),
    (N(5), "<>", N(6), True),
    (N(5), "<>", N("5.00"), False),
    (N(9), "<", N(10), True),  # numeric order, not text order
    (N(10), "<", N(9), False),
    (N(-1), "<", N(0), True),
    (N(-10), "<", N(-9), True),
    (N("0.1"), "<", N("0.11"), True),
    (N("1E3"), ">", N(999), True),
    (N("-1E-130"), "<", N("1E-130"), True),
    (N(5), "<=", N(5), True),
    (N(5), "<=", N(4), False),
    (N(5), ">=", N(5), True),
    (N(5), ">=", N(6), False),
    (N(5), ">", N(5), False),
    (N(6), ">", N(5), True),
    (S("abc"), "=", S("abc"), True),
    (S("abc"), "=", S("ABC"), False),
    (S("abc"), "<", S("abd"), True),
    (S("abc"), "<", S("abcd"), True),
    (S("abc"), ">=", S("abd"), False),
    (S("B"), "<", S("a"), True),  # byte order: upper case first
    (S("9"), ">", S("10"), True),  # strings compare as text
    (S("z"), "<", S("\u00e9"), True),  # UTF-8 lead byte 0xC3 > 'z'
    (S("\uffff"), "<", S("\U00010000"), True),  # UTF-8 order, not UTF-16 order
    (S("abc"), "<>", S("abc"), False),
    (B(b"ab"), "=", B(b"ab"), True),
    (B(b"ab"), "<>", B(b"ac"), True),
    (B(b"\x01"), "<", B(b"\x80"), True),  # bytes are unsigned
    (B(b"\x7f"), "<", B(b"\x80"), True),
    (B(b"\xff"), ">", B(b"\x00\xff"), True),
    (B(b"a"), "<", B(b"ab"), True),
    (B(b"\x80"), "<=", B(b"\x7f"), False),
]


@pytest.mark.parametrize("value,op,operand,expected", CMP_SAME_TYPE)
def test_compare_same_type(ddb, table_s, value, op, operand, expected):
    assert holds(ddb, table_s, {"a": value}, "a %s :v" % op, {":v": operand}) is expected


CMP_CROSS_TYPE = [
    (N(5), S("5")),
    (S("a"), B(b"a")),
    (B(b"1"), N(1)),
    ({"L": [N(5)]}, N(5)),
    ({"NS": ["5"]}, N(5)),
    ({"SS": ["a"]}, S("a")),
    ({"M": {"a": N(1)}}, N(1)),
    ({"BOOL": True}, S("true")),
    ({"NULL": True}, S("x")),
]


@pytest.mark.parametrize("value,operand", CMP_CROSS_TYPE)
@pytest.mark.parametrize("op,expected", [
    ("=", False), ("<>", True), ("<", False), ("<=", False), (">", False), (">=", False)])
def test_compare_across_types_is_false_not_error(ddb, table_s, value, operand, op, expected):
    # Values of different types are never equal and never ordered; only <>
    # holds.  None of this is an error.
    assert holds(ddb, table_s, {"a": value}, "a %s :v" % op, {":v": operand}) is expected


CMP_DOCUMENT_EQUALITY = [
    ({"SS": ["a", "b"]}, {"SS": ["b", "a"]}, True),
    ({"SS": ["a", "b"]}, {"SS": ["a"]}, False),
    ({"NS": ["1", "2"]}, {"NS": ["2.0", "1"]}, True),
    ({"BS": [b"\x01", b"\x02"]}, {"BS": [b"\x02", b"\x01"]}, True),
    ({"L": [N(1), N(2)]}, {"L": [N(1), N(2)]}, True),
    ({"L": [N(1), N(2)]}, {"L": [N(2), N(1)]}, False),
    ({"L": [N("1.0")]}, {"L": [N(1)]}, True),
    ({"M": {"x": N(1), "y": S("z")}}, {"M": {"y": S("z"), "x": N(1)}}, True),
    ({"M": {"x": N(1)}}, {"M": {"x": N(2)}}, False),
    ({"M": {"x": N(1)}}, {"M": {"x": N(1), "y": N(1)}}, False),
    ({"BOOL": True}, {"BOOL": True}, True),
    ({"BOOL": True}, {"BOOL": False}, False),
    ({"NULL": True}, {"NULL": True}, True),
]


@pytest.mark.parametrize("value,operand,expected", CMP_DOCUMENT_EQUALITY)
def test_equality_of_sets_lists_maps(ddb, table_s, value, operand, expected):
    assert holds(ddb, table_s, {"a": value}, "a = :v", {":v": operand}) is expected
    assert holds(ddb, table_s, {"a": value}, "a <> :v", {":v": operand}) is (not expected)


@pytest.mark.parametrize("expr,expected", [
    ("a = :v", False),
    ("a <> :v", True),
    ("a < :v", False),
    ("a <= :v", False),
    ("a > :v", False),
    ("a >= :v", False),
    ("NOT a = :v", True),
    ("NOT a < :v", True),
])
def test_compare_missing_attribute(ddb, table_s, expr, expected):
    assert holds(ddb, table_s, {"other": N(1)}, expr, {":v": N(1)}) is expected


def test_compare_two_attributes(ddb, table_s):
    attrs = {"a": N(1), "b": N(2), "c": N("1.0"), "s": S("1")}
    assert holds(ddb, table_s, attrs, "a < b") is True
    assert holds(ddb, table_s, attrs, "a = c") is True
    assert holds(ddb, table_s, attrs, "b <= a") is False
    assert holds(ddb, table_s, attrs, "a = s") is False
    assert holds(ddb, table_s, attrs, "a <> s") is True
    assert holds(ddb, table_s, attrs, "a = nothere") is False


def test_compare_value_on_the_left(ddb, table_s):
    attrs = {"a": N(5)}
    assert holds(ddb, table_s, attrs, ":v < a", {":v": N(4)}) is True
    assert holds(ddb, table_s, attrs, ":v > a", {":v": N(4)}) is False
    assert holds(ddb, table_s, attrs, ":v = :w", {":v": N(4), ":w": N("4.0")}) is True


@pytest.mark.parametrize("op", ["put", "delete", "update"])
def test_compare_on_each_write(ddb, table_s, op):
    attrs = {"a": N(10)}
    assert holds(ddb, table_s, attrs, "a > :v", {":v": N(9)}, op=op) is True
    assert holds(ddb, table_s, attrs, "a > :v", {":v": N(10)}, op=op) is False


# --------------------------------------------------------------------------
# BETWEEN and IN


@pytest.mark.parametrize("value,lo,hi,expected", [
    (N(5), N(1), N(10), True),
    (N(5), N(5), N(5), True),
    (N(5), N(5), N(6), True),
    (N(5), N(4), N(5), True),
    (N(5), N(6), N(10), False),
    (N(11), N(1), N(10), False),
    (N(10), N(9), N(11), True),
    (N("-0.5"), N(-1), N(0), True),
    (S("m"), S("a"), S("z"), True),
    (S("m"), S("n"), S("z"), False),
    (S("10"), S("1"), S("9"), True),  # text order
    (B(b"\x80"), B(b"\x00"), B(b"\xff"), True),
    (B(b"\x80"), B(b"\x81"), B(b"\xff"), False),
    (S("5"), N(1), N(9), False),  # another type: false, not an error
    (N(5), S("1"), S("9"), False),
    ({"L": [N(5)]}, N(1), N(9), False),
])
def test_between(ddb, table_s, value, lo, hi, expected):
    values = {":lo": lo, ":hi": hi}
    assert holds(ddb, table_s, {"a": value}, "a BETWEEN :lo AND :hi", values) is expected
    assert holds(ddb, table_s, {"a": value}, "NOT a BETWEEN :lo AND :hi", values) is (
        not expected)


def test_between_missing_attribute(ddb, table_s):
    values = {":lo": N(1), ":hi": N(9)}
    assert holds(ddb, table_s, {"b": N(5)}, "a BETWEEN :lo AND :hi", values) is False
    assert holds(ddb, table_s, {"b": N(5)}, "b between :lo and :hi", values) is True


@pytest.mark.parametrize("value,operands,expected", [
    (N(5), [N(1), N(5)], True),
    (N(5), [N(5)], True),
    (N("5.00"), [N(5)], True),
    (N(5), [N(1), N(2)], False),
    (S("b"), [S("a"), S("b"), S("c")], True),
    (S("B"), [S("a"), S("b"), S("c")], False),
    (S("5"), [N(5)], False),
    (N(5), [S("5"), N(6)], False),
    (B(b"\x01"), [B(b"\x00"), B(b"\x01")], True),
    ({"BOOL": True}, [{"BOOL": False}, {"BOOL": True}], True),
])
def test_in(ddb, table_s, value, operands, expected):
    values = {":v%d" % i: v for i, v in enumerate(operands)}
    expr = "a IN (%s)" % ", ".join(sorted(values))
    assert holds(ddb, table_s, {"a": value}, expr, values) is expected
    assert holds(ddb, table_s, {"a": value}, "NOT " + expr, values) is (not expected)


def test_in_missing_attribute(ddb, table_s):
    assert holds(ddb, table_s, {"b": N(1)}, "a IN (:x, :y)", {":x": N(1), ":y": N(2)}) is False


def test_in_with_100_operands(ddb, table_s):
    values = {":v%d" % i: N(i) for i in range(100)}
    expr = "a IN (%s)" % ", ".join(":v%d" % i for i in range(100))
    assert holds(ddb, table_s, {"a": N(99)}, expr, values) is True
    assert holds(ddb, table_s, {"a": N(100)}, expr, values) is False


# --------------------------------------------------------------------------
# AND / OR / NOT


LOGIC_VALUES = {":zero": N(0), ":one": N(1), ":two": N(2), ":x": S("x"), ":y": S("y")}


def test_redundant_parentheses_rejected(ddb, table_s):
    # The service refuses parentheses that group nothing.
    assert_error(ddb.put_item, "ValidationException",
                 "Invalid ConditionExpression: The expression has redundant parentheses;",
                 TableName=table_s, Item=dict(KEY, a=N(1)), ConditionExpression="((a = :one))",
                 ExpressionAttributeValues={":one": N(1)})


@pytest.mark.parametrize("expr,expected", [
    # item: a = 1, b = "x"
    ("a = :one AND b = :x", True),
    ("a = :one AND b = :y", False),
    ("a = :two OR b = :x", True),
    ("a = :two OR b = :y", False),
    # AND binds tighter than OR
    ("a = :one OR a = :two AND b = :y", True),
    ("(a = :one OR a = :two) AND b = :y", False),
    ("a = :two AND b = :x OR a = :one", True),
    ("a = :two AND (b = :x OR a = :one)", False),
    ("a = :two OR b = :x AND a = :one", True),
    # NOT binds tighter than AND and OR
    ("NOT a = :one AND b = :y", False),
    ("NOT (a = :one AND b = :y)", True),
    ("NOT a = :one OR b = :x", True),
    ("NOT (a = :one OR b = :x)", False),
    ("NOT NOT a = :one", True),
    ("NOT NOT NOT a = :one", False),
    ("(((a = :one) AND (b = :x)) OR (a = :two))", True),
    # the AND of BETWEEN is not a logical AND
    ("a BETWEEN :zero AND :two AND b = :x", True),
    ("a BETWEEN :zero AND :two AND b = :y", False),
    ("b = :y OR a BETWEEN :zero AND :two", True),
    # keywords are case-insensitive
    ("a = :one and not b = :y or a = :two", True),
    ("a = :one And b = :x", True),
    ("a in (:one, :two) AnD b = :x", True),
    ("not attribute_exists(c) and attribute_exists(a)", True),
])
def test_logic_and_precedence(ddb, table_s, expr, expected):
    used = {k: v for k, v in LOGIC_VALUES.items() if k in expr}
    assert holds(ddb, table_s, {"a": N(1), "b": S("x")}, expr, used) is expected


def test_whitespace_is_free(ddb, table_s):
    attrs = {"a": N(1), "b": S("x")}
    assert holds(ddb, table_s, attrs, "a=:one AND(b=:x)", {":one": N(1), ":x": S("x")}) is True
    assert holds(ddb, table_s, attrs, "\n\ta\t=  :one  \r\n", {":one": N(1)}) is True


# --------------------------------------------------------------------------
# Functions


FN_ITEM = {
    "s": S("hello"),
    "n": N(5),
    "b": B(b"\x01\x02\x03"),
    "ss": {"SS": ["a", "bb", "ccc"]},
    "ns": {"NS": ["1", "2", "3"]},
    "bs": {"BS": [b"\x01", b"\x02"]},
    "l": {"L": [S("x"), N(1), {"M": {"k": S("v")}}, {"L": [S("y")]}]},
    "m": {"M": {"x": N(1), "y": {"M": {"z": S("deep")}}}},
    "t": {"BOOL": True},
    "nul": {"NULL": True},
}


@pytest.mark.parametrize("path,exists", [
    ("s", True), ("nul", True), ("t", True), ("nothere", False),
    ("m.x", True), ("m.nope", False), ("m.y.z", True), ("m.y.z.w", False),
    ("l[0]", True), ("l[3]", True), ("l[4]", False), ("l[3][0]", True), ("l[3][1]", False),
    ("l[2].k", True), ("l[2].j", False),
    ("s.x", False), ("s[0]", False), ("m[0]", False), ("l.x", False), ("ss[0]", False),
])
def test_attribute_exists(ddb, table_s, path, exists):
    assert holds(ddb, table_s, FN_ITEM, "attribute_exists(%s)" % path) is exists
    assert holds(ddb, table_s, FN_ITEM, "attribute_not_exists(%s)" % path) is (not exists)


@pytest.mark.parametrize("path,type_name", [
    ("s", "S"), ("n", "N"), ("b", "B"), ("ss", "SS"), ("ns", "NS"), ("bs", "BS"),
    ("l", "L"), ("m", "M"), ("t", "BOOL"), ("nul", "NULL"),
    ("m.y", "M"), ("m.y.z", "S"), ("l[1]", "N"), ("l[3]", "L"),
])
def test_attribute_type_every_type(ddb, table_s, path, type_name):
    assert holds(ddb, table_s, FN_ITEM, "attribute_type(%s, :t)" % path,
                 {":t": S(type_name)}) is True


@pytest.mark.parametrize("path,type_name", [
    ("s", "SS"), ("n", "S"), ("ss", "S"), ("ns", "N"), ("l", "M"), ("m", "L"),
    ("t", "NULL"), ("nul", "BOOL"), ("b", "BS"), ("nothere", "S"), ("m.nope", "N"),
])
def test_attribute_type_mismatch(ddb, table_s, path, type_name):
    assert holds(ddb, table_s, FN_ITEM, "attribute_type(%s, :t)" % path,
                 {":t": S(type_name)}) is False


@pytest.mark.parametrize("path,prefix,expected", [
    ("s", S("he"), True),
    ("s", S("hello"), True),
    ("s", S("hello!"), False),
    ("s", S("el"), False),
    ("s", S("He"), False),
    ("b", B(b"\x01\x02"), True),
    ("b", B(b"\x01\x02\x03"), True),
    ("b", B(b"\x02"), False),
    ("l[0]", S("x"), True),
    ("m.y.z", S("de"), True),
    ("n", S("5"), False),
    ("ss", S("a"), False),
    ("s", B(b"he"), False),
    ("b", S("\x01"), False),
    ("nothere", S("a"), False),
])
def test_begins_with(ddb, table_s, path, prefix, expected):
    assert holds(ddb, table_s, FN_ITEM, "begins_with(%s, :p)" % path, {":p": prefix}) is expected


@pytest.mark.parametrize("path,operand,expected", [
    ("s", S("ell"), True),
    ("s", S("hello"), True),
    ("s", S("h"), True),
    ("s", S("xyz"), False),
    ("s", S("ELL"), False),
    ("ss", S("bb"), True),
    ("ss", S("b"), False),  # a member, not a substring of a member
    ("ns", N(2), True),
    ("ns", N(4), False),
    ("bs", B(b"\x02"), True),
    ("bs", B(b"\x03"), False),
    ("l", S("x"), True),
    ("l", N(1), True),
    ("l", S("y"), False),  # only top-level elements
    ("l", N(2), False),
    ("m.y.z", S("ee"), True),
    ("s", N(5), False),
    ("ss", N(1), False),
    ("n", N(5), False),
    ("m", S("x"), False),
    ("nothere", S("x"), False),
])
def test_contains(ddb, table_s, path, operand, expected):
    assert holds(ddb, table_s, FN_ITEM, "contains(%s, :v)" % path, {":v": operand}) is expected


@pytest.mark.parametrize("path,size", [
    ("s", 5), ("b", 3), ("ss", 3), ("ns", 3), ("bs", 2), ("l", 4), ("m", 2),
    ("m.y", 1), ("m.y.z", 4), ("l[3]", 1), ("l[2]", 1),
])
def test_size(ddb, table_s, path, size):
    assert holds(ddb, table_s, FN_ITEM, "size(%s) = :n" % path, {":n": N(size)}) is True
    assert holds(ddb, table_s, FN_ITEM, "size(%s) < :n" % path, {":n": N(size)}) is False
    assert holds(ddb, table_s, FN_ITEM, "size(%s) > :n" % path, {":n": N(size - 1)}) is True
    assert holds(ddb, table_s, FN_ITEM, "size(%s) <> :n" % path, {":n": N(size)}) is False


def test_size_in_between_and_in(ddb, table_s):
    values = {":one": N(1), ":five": N(5)}
    assert holds(ddb, table_s, FN_ITEM, "size(l) BETWEEN :one AND :five", values) is True
    assert holds(ddb, table_s, FN_ITEM, "size(s) IN (:one, :five)", values) is True
    assert holds(ddb, table_s, FN_ITEM, "size(ss) IN (:one, :five)", values) is False


def test_size_compared_with_attribute(ddb, table_s):
    assert holds(ddb, table_s, FN_ITEM, "size(l) > n") is False
    assert holds(ddb, table_s, FN_ITEM, "size(s) = n") is True


def test_size_of_missing_attribute(ddb, table_s):
    values = {":zero": N(0)}
    assert holds(ddb, table_s, FN_ITEM, "size(nothere) >= :zero", values) is False
    assert holds(ddb, table_s, FN_ITEM, "size(nothere) < :zero", values) is False
    assert holds(ddb, table_s, FN_ITEM, "size(nothere) <> :zero", values) is True


def test_size_of_string_counts_characters_for_ascii(ddb, table_s):
    assert holds(ddb, table_s, {"s": S("a" * 1000)}, "size(s) = :n", {":n": N(1000)}) is True


def test_functions_combined(ddb, table_s):
    expr = ("attribute_exists(s) AND begins_with(s, :h) AND contains(ss, :bb) "
            "AND size(l) > :two AND attribute_type(m, :m) AND NOT attribute_exists(zz)")
    values = {":h": S("h"), ":bb": S("bb"), ":two": N(2), ":m": S("M")}
    assert holds(ddb, table_s, FN_ITEM, expr, values) is True


def test_function_names_with_placeholders(ddb, table_s):
    names = {"#m": "m", "#y": "y", "#z": "z", "#l": "l"}
    assert holds(ddb, table_s, FN_ITEM, "attribute_exists(#m.#y.#z) AND size(#l[3]) = :one",
                 {":one": N(1)}, names) is True


@pytest.mark.parametrize("op", ["put", "delete", "update"])
def test_functions_on_each_write(ddb, table_s, op):
    assert holds(ddb, table_s, FN_ITEM, "attribute_exists(m.y.z)", op=op) is True
    assert holds(ddb, table_s, FN_ITEM, "contains(ss, :v)", {":v": S("zz")}, op=op) is False


# --------------------------------------------------------------------------
# Document paths and placeholders


PATH_ITEM = {
    "a": {"M": {"b": {"M": {"c": N(1)}}}},
    "a.b": N(2),
    "status": S("on"),
    "l": {"L": [{"L": [N(10), N(11)]}, {"M": {"x": N(20)}}]},
    "weird name-1": S("w"),
}


@pytest.mark.parametrize("expr,values,names,expected", [
    ("a.b.c = :v", {":v": N(1)}, None, True),
    ("a.b.c = :v", {":v": N(2)}, None, False),
    ("#ab = :v", {":v": N(2)}, {"#ab": "a.b"}, True),  # one top-level name with a dot
    ("#ab = :v", {":v": N(1)}, {"#ab": "a.b"}, False),
    ("a.b = :v", {":v": N(2)}, None, False),  # the nested path, a map
    ("#a.#b.#c = :v", {":v": N(1)}, {"#a": "a", "#b": "b", "#c": "c"}, True),
    ("#a.b.#c = :v", {":v": N(1)}, {"#a": "a", "#c": "c"}, True),
    ("l[0][1] = :v", {":v": N(11)}, None, True),
    ("l[0][0] = :v", {":v": N(11)}, None, False),
    ("l[1].x = :v", {":v": N(20)}, None, True),
    ("#l[1].#x = :v", {":v": N(20)}, {"#l": "l", "#x": "x"}, True),
    ("l[0][5] = :v", {":v": N(11)}, None, False),
    ("l[5] = :v", {":v": N(11)}, None, False),
    ("l[1][0] = :v", {":v": N(20)}, None, False),
    ("#st = :v", {":v": S("on")}, {"#st": "status"}, True),
    ("#st = :v AND #st <> :w", {":v": S("on"), ":w": S("off")}, {"#st": "status"}, True),
    ("#w = :v", {":v": S("w")}, {"#w": "weird name-1"}, True),
    ("attribute_exists(#ab) AND attribute_exists(a.b)", None, {"#ab": "a.b"}, True),
])
def test_document_paths(ddb, table_s, expr, values, names, expected):
    assert holds(ddb, table_s, PATH_ITEM, expr, values, names) is expected


@pytest.mark.parametrize("op", ["put_item", "delete_item", "update_item"])
def test_reserved_word_in_condition(ddb, table_s, op):
    ddb.put_item(TableName=table_s, Item=dict(KEY, status=S("on")))
    args = {"TableName": table_s, "ConditionExpression": "status = :v",
            "ExpressionAttributeValues": {":v": S("on")}}
    if op == "put_item":
        args["Item"] = dict(KEY)
    else:
        args["Key"] = KEY
    assert_error(getattr(ddb, op), "ValidationException",
                 "Invalid ConditionExpression: Attribute name is a reserved keyword; "
                 "reserved keyword: status", **args)
    assert read(ddb, table_s) == dict(KEY, status=S("on"))


@pytest.mark.parametrize("expr,word", [
    ("attribute_exists(name)", "name"),
    ("size(data) > :v", "data"),
    ("date = :v", "date"),
    ("a = :v OR count = :v", "count"),
])
def test_reserved_words_in_functions_and_operands(ddb, table_s, expr, word):
    values = {":v": N(1)} if ":v" in expr else None
    params = {"ConditionExpression": expr}
    if values:
        params["ExpressionAttributeValues"] = values
    assert_error(ddb.put_item, "ValidationException",
                 "Invalid ConditionExpression: Attribute name is a reserved keyword; "
                 "reserved keyword: %s" % word,
                 TableName=table_s, Item=KEY, **params)


def test_reserved_word_as_nested_segment(ddb, table_s):
    assert_error(ddb.put_item, "ValidationException",
                 "Invalid ConditionExpression: Attribute name is a reserved keyword; "
                 "reserved keyword: status",  # message unverified (nested segment)
                 TableName=table_s, Item=KEY, ConditionExpression="a.status = :v",
                 ExpressionAttributeValues={":v": N(1)})


# --------------------------------------------------------------------------
# Missing items and the put-if-absent idiom


def test_condition_on_missing_item_fails(ddb, table_s):
    assert attempt(ddb, table_s, None, ConditionExpression="a = :v",
                   ExpressionAttributeValues={":v": N(1)}) is False
    assert attempt(ddb, table_s, None, ConditionExpression="attribute_exists(a)") is False
    assert attempt(ddb, table_s, None, ConditionExpression="size(a) >= :z",
                   ExpressionAttributeValues={":z": N(0)}) is False


def test_negative_condition_on_missing_item_holds(ddb, table_s):
    assert attempt(ddb, table_s, None, ConditionExpression="a <> :v",
                   ExpressionAttributeValues={":v": N(1)}) is True
    ddb.delete_item(TableName=table_s, Key=KEY)
    assert attempt(ddb, table_s, None, ConditionExpression="attribute_not_exists(a)") is True
    ddb.delete_item(TableName=table_s, Key=KEY)
    assert attempt(ddb, table_s, None, ConditionExpression="NOT attribute_exists(pk)") is True


def test_put_if_absent(ddb, table_s):
    first = dict(KEY, v=S("first"))
    ddb.put_item(TableName=table_s, Item=first, ConditionExpression="attribute_not_exists(pk)")
    assert read(ddb, table_s) == first
    assert_error(ddb.put_item, CCF, CCF_MESSAGE, TableName=table_s,
                 Item=dict(KEY, v=S("second")), ConditionExpression="attribute_not_exists(pk)")
    assert read(ddb, table_s) == first


def test_put_if_absent_with_range_key(ddb, table_ss):
    cond = "attribute_not_exists(pk) AND attribute_not_exists(sk)"
    one = {"pk": S("p"), "sk": S("1")}
    ddb.put_item(TableName=table_ss, Item=one, ConditionExpression=cond)
    # Another sort key is another item: the condition sees no item.
    ddb.put_item(TableName=table_ss, Item={"pk": S("p"), "sk": S("2")}, ConditionExpression=cond)
    assert_error(ddb.put_item, CCF, CCF_MESSAGE, TableName=table_ss,
                 Item=dict(one, v=S("x")), ConditionExpression=cond)
    assert read(ddb, table_ss, one) == one


def test_delete_if_exists_on_missing_item(ddb, table_s):
    assert_error(ddb.delete_item, CCF, CCF_MESSAGE, TableName=table_s, Key=KEY,
                 ConditionExpression="attribute_exists(pk)")
    assert read(ddb, table_s) is None


def test_update_if_exists_does_not_create(ddb, table_s):
    assert_error(ddb.update_item, CCF, CCF_MESSAGE, TableName=table_s, Key=KEY,
                 UpdateExpression="SET a = :v", ConditionExpression="attribute_exists(pk)",
                 ExpressionAttributeValues={":v": N(1)})
    assert read(ddb, table_s) is None


def test_optimistic_locking(ddb, table_s):
    ddb.put_item(TableName=table_s, Item=dict(KEY, ver=N(1), v=S("a")))
    ddb.update_item(TableName=table_s, Key=KEY, UpdateExpression="SET ver = :new, v = :v",
                    ConditionExpression="ver = :old",
                    ExpressionAttributeValues={":old": N(1), ":new": N(2), ":v": S("b")})
    assert_error(ddb.update_item, CCF, CCF_MESSAGE, TableName=table_s, Key=KEY,
                 UpdateExpression="SET ver = :new, v = :v", ConditionExpression="ver = :old",
                 ExpressionAttributeValues={":old": N(1), ":new": N(2), ":v": S("c")})
    assert read(ddb, table_s) == dict(KEY, ver=N(2), v=S("b"))


def test_condition_sees_item_before_update(ddb, table_s):
    # The condition is evaluated against the old item, not the updated one.
    ddb.put_item(TableName=table_s, Item=dict(KEY, a=N(1)))
    ddb.update_item(TableName=table_s, Key=KEY, UpdateExpression="SET a = :two",
                    ConditionExpression="a = :one",
                    ExpressionAttributeValues={":one": N(1), ":two": N(2)})
    assert read(ddb, table_s) == dict(KEY, a=N(2))


def test_failed_condition_keeps_return_values_out(ddb, table_s):
    ddb.put_item(TableName=table_s, Item=dict(KEY, a=N(1)))
    try:
        ddb.put_item(TableName=table_s, Item=dict(KEY, a=N(2)), ReturnValues="ALL_OLD",
                     ConditionExpression="a = :v", ExpressionAttributeValues={":v": N(5)})
    except ClientError as e:
        assert e.response["Error"]["Code"] == CCF
        assert "Item" not in e.response
    else:
        raise AssertionError("condition should have failed")


# --------------------------------------------------------------------------
# ReturnValuesOnConditionCheckFailure (sent raw: the client predates it)


OLD_ITEM = {"pk": {"S": "k"}, "a": {"N": "1"}, "l": {"L": [{"S": "x"}]}}


def raw_write(port, op, table, rvcf, cond="a = :v", values=None):
    if values is None:
        values = {":v": {"N": "5"}}
    payload = {"TableName": table, "ConditionExpression": cond}
    if values:
        payload["ExpressionAttributeValues"] = values
    if rvcf is not None:
        payload["ReturnValuesOnConditionCheckFailure"] = rvcf
    if op == "PutItem":
        payload["Item"] = {"pk": {"S": "k"}, "new": {"S": "y"}}
    else:
        payload["Key"] = {"pk": {"S": "k"}}
    if op == "UpdateItem":
        payload["UpdateExpression"] = "SET b = :five"
        payload.setdefault("ExpressionAttributeValues", {})[":five"] = {"N": "5"}
    return raw_call(port, op, payload)


@pytest.mark.parametrize("op", ["PutItem", "DeleteItem", "UpdateItem"])
def test_rvcf_all_old_returns_item(ddb, port, table_s, op):
    ddb.put_item(TableName=table_s, Item=OLD_ITEM)
    r = raw_write(port, op, table_s, "ALL_OLD")
    assert r.status == 400
    assert r.error_type == CCF
    assert r.error_message == CCF_MESSAGE
    assert r.json()["Item"] == OLD_ITEM
    assert read(ddb, table_s) == OLD_ITEM


@pytest.mark.parametrize("op", ["PutItem", "DeleteItem", "UpdateItem"])
def test_rvcf_none_or_absent_returns_no_item(ddb, port, table_s, op):
    ddb.put_item(TableName=table_s, Item=OLD_ITEM)
    for rvcf in ("NONE", None):
        r = raw_write(port, op, table_s, rvcf)
        assert r.status == 400
        assert r.error_type == CCF
        assert r.error_message == CCF_MESSAGE
        assert "Item" not in r.json()
    assert read(ddb, table_s) == OLD_ITEM


@pytest.mark.parametrize("op", ["PutItem", "DeleteItem", "UpdateItem"])
def test_rvcf_all_old_on_missing_item(ddb, port, table_s, op):
    r = raw_write(port, op, table_s, "ALL_OLD", cond="attribute_exists(pk)", values={})
    assert r.status == 400
    assert r.error_type == CCF
    assert "Item" not in r.json()
    assert read(ddb, table_s) is None


def test_rvcf_all_old_on_success(ddb, port, table_s):
    ddb.put_item(TableName=table_s, Item=OLD_ITEM)
    r = raw_write(port, "UpdateItem", table_s, "ALL_OLD", cond="a = :one",
                  values={":one": {"N": "1"}})
    assert r.status == 200
    assert r.json() == {}
    assert read(ddb, table_s) == dict(OLD_ITEM, b=N(5))


def test_rvcf_invalid_value(port, table_s):
    r = raw_write(port, "PutItem", table_s, "ALL_NEW")
    assert r.status == 400
    assert r.error_type == "ValidationException"
    # message unverified beyond its prefix
    assert r.error_message.startswith(
        "1 validation error detected: Value 'ALL_NEW' at 'returnValuesOnConditionCheckFailure' "
        "failed to satisfy constraint: Member must satisfy enum value set:")
