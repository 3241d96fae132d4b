"""Validation of expressions and their placeholders: unused and undefined
ExpressionAttributeNames/Values, placeholders given without any expression,
empty maps, malformed placeholder keys, empty expressions, syntax errors,
reserved words, misused functions, IN with too many operands and the 4 KB
expression size limit.  A rejected request never changes the item."""

import pytest

from ddbvalues import KEY, N, S, read
from conftest import assert_error

ITEM = dict(KEY, a={"N": "1"})
VE = "ValidationException"


def call(ddb, table, op, **params):
    """Arguments for one operation on KEY (PutItem writes ITEM plus b)."""
    args = dict(TableName=table, **params)
    if op == "put_item":
        args["Item"] = dict(ITEM, b=S("new"))
    else:
        args["Key"] = KEY
    return getattr(ddb, op), args


def rejected(ddb, table, op, message, prefix=None, **params):
    """op fails with a ValidationException carrying `message` (exact) or
    starting with `prefix`, and the stored item is untouched."""
    ddb.put_item(TableName=table, Item=ITEM)
    fn, args = call(ddb, table, op, **params)
    assert_error(fn, VE, message, prefix=prefix, **args)
    assert read(ddb, table) == ITEM


WRITES = ["put_item", "delete_item", "update_item"]


# --------------------------------------------------------------------------
# Unused and undefined placeholders


@pytest.mark.parametrize("op", WRITES)
def test_unused_value(ddb, table_s, op):
    rejected(ddb, table_s, op, "Value provided in ExpressionAttributeValues unused in "
             "expressions: keys: {:x}", ConditionExpression="a = :v",
             ExpressionAttributeValues={":v": N(1), ":x": N(2)})


@pytest.mark.parametrize("op", WRITES)
def test_unused_name(ddb, table_s, op):
    rejected(ddb, table_s, op, "Value provided in ExpressionAttributeNames unused in "
             "expressions: keys: {#x}", ConditionExpression="#a = :v",
             ExpressionAttributeNames={"#a": "a", "#x": "x"},
             ExpressionAttributeValues={":v": N(1)})


def test_unused_value_in_update(ddb, table_s):
    rejected(ddb, table_s, "update_item", "Value provided in ExpressionAttributeValues unused "
             "in expressions: keys: {:x}", UpdateExpression="SET a = :v",
             ExpressionAttributeValues={":v": N(1), ":x": N(2)})


def test_unused_name_in_update(ddb, table_s):
    rejected(ddb, table_s, "update_item", "Value provided in ExpressionAttributeNames unused "
             "in expressions: keys: {#x}", UpdateExpression="REMOVE #a",
             ExpressionAttributeNames={"#a": "a", "#x": "x"})


def test_unused_several_values(ddb, table_s):
    # The order of the keys in the message is not asserted.
    msg = assert_error(ddb.put_item, VE, TableName=table_s, Item=ITEM,
                       ConditionExpression="a = :v",
                       ExpressionAttributeValues={":v": N(1), ":x": N(2), ":y": N(3)},
                       prefix="Value provided in ExpressionAttributeValues unused in "
                              "expressions: keys: {")
    assert msg.endswith("}")
    assert sorted(msg[msg.index("{") + 1:-1].split(", ")) == [":x", ":y"]


def test_placeholders_shared_between_update_and_condition(ddb, table_s):
    # A placeholder used by either expression of the request counts as used.
    ddb.put_item(TableName=table_s, Item=ITEM)
    ddb.update_item(TableName=table_s, Key=KEY, UpdateExpression="SET #b = :v",
                    ConditionExpression="#a = :one",
                    ExpressionAttributeNames={"#a": "a", "#b": "b"},
                    ExpressionAttributeValues={":v": S("x"), ":one": N(1)})
    assert read(ddb, table_s) == dict(ITEM, b=S("x"))


@pytest.mark.parametrize("op", WRITES)
def test_undefined_value(ddb, table_s, op):
    rejected(ddb, table_s, op, "Invalid ConditionExpression: An expression attribute value used "
             "in expression is not defined; attribute value: :nope",
             ConditionExpression="a = :nope", ExpressionAttributeValues={":v": N(1)})


def test_undefined_value_without_any_values(ddb, table_s):
    rejected(ddb, table_s, "put_item", "Invalid ConditionExpression: An expression attribute "
             "value used in expression is not defined; attribute value: :v",
             ConditionExpression="a = :v")


@pytest.mark.parametrize("op", WRITES)
def test_undefined_name(ddb, table_s, op):
    rejected(ddb, table_s, op, "Invalid ConditionExpression: An expression attribute name used "
             "in the document path is not defined; attribute name: #nope",
             ConditionExpression="attribute_exists(#nope)")


def test_undefined_name_nested(ddb, table_s):
    rejected(ddb, table_s, "put_item", "Invalid ConditionExpression: An expression attribute "
             "name used in the document path is not defined; attribute name: #y",
             ConditionExpression="attribute_exists(#x.#y)", ExpressionAttributeNames={"#x": "x"})


def test_undefined_value_in_update(ddb, table_s):
    rejected(ddb, table_s, "update_item", "Invalid UpdateExpression: An expression attribute "
             "value used in expression is not defined; attribute value: :v",
             UpdateExpression="SET a = :v", ExpressionAttributeValues={":w": N(1)})


def test_undefined_name_in_update(ddb, table_s):
    rejected(ddb, table_s, "update_item", "Invalid UpdateExpression: An expression attribute "
             "name used in the document path is not defined; attribute name: #a",
             UpdateExpression="SET #a = :v", ExpressionAttributeValues={":v": N(1)})


def test_names_are_case_sensitive(ddb, table_s):
    rejected(ddb, table_s, "put_item", "Invalid ConditionExpression: An expression attribute "
             "name used in the document path is not defined; attribute name: #A",
             ConditionExpression="attribute_exists(#A)", ExpressionAttributeNames={"#a": "a"})


# --------------------------------------------------------------------------
# Placeholders without expressions, empty maps, malformed keys


def test_values_without_expression_update(ddb, table_s):
    rejected(ddb, table_s, "update_item", "ExpressionAttributeValues can only be specified when "
             "using expressions: UpdateExpression and ConditionExpression are null",
             ExpressionAttributeValues={":v": N(1)})


@pytest.mark.parametrize("op", ["put_item", "delete_item"])
def test_values_without_expression(ddb, table_s, op):
    rejected(ddb, table_s, op, "ExpressionAttributeValues can only be specified when using "
             "expressions: ConditionExpression is null",  # message unverified
             ExpressionAttributeValues={":v": N(1)})


@pytest.mark.parametrize("op", WRITES)
def test_names_without_expression(ddb, table_s, op):
    rejected(ddb, table_s, op, "ExpressionAttributeNames can only be specified when using "
             "expressions",  # message verified on PutItem only
             ExpressionAttributeNames={"#a": "a"})


@pytest.mark.parametrize("op", WRITES)
def test_empty_values_map(ddb, table_s, op):
    rejected(ddb, table_s, op, "ExpressionAttributeValues must not be empty",
             ConditionExpression="attribute_exists(a)", ExpressionAttributeValues={})


@pytest.mark.parametrize("op", WRITES)
def test_empty_names_map(ddb, table_s, op):
    rejected(ddb, table_s, op, "ExpressionAttributeNames must not be empty",
             ConditionExpression="a = :v", ExpressionAttributeNames={},
             ExpressionAttributeValues={":v": N(1)})


def test_empty_names_map_on_get(ddb, table_s):
    assert_error(ddb.get_item, VE, "ExpressionAttributeNames must not be empty",
                 TableName=table_s, Key=KEY, ProjectionExpression="a",
                 ExpressionAttributeNames={})


@pytest.mark.parametrize("key", ["v", "v:", "#v", ": v"])
def test_malformed_value_key(ddb, table_s, key):
    rejected(ddb, table_s, "put_item", 'ExpressionAttributeValues contains invalid key: Syntax '
             'error; key: "%s"' % key, ConditionExpression="attribute_exists(a)",
             ExpressionAttributeValues={key: N(1)})


@pytest.mark.parametrize("key", ["n", "n#", ":n", "#a-b", "#a.b"])
def test_malformed_name_key(ddb, table_s, key):
    rejected(ddb, table_s, "put_item", 'ExpressionAttributeNames contains invalid key: Syntax '
             'error; key: "%s"' % key, ConditionExpression="attribute_exists(a)",
             ExpressionAttributeNames={key: "a"})


@pytest.mark.parametrize("member", ["ExpressionAttributeNames", "ExpressionAttributeValues"])
def test_empty_placeholder_key(ddb, table_s, member):
    # message unverified (Amazon's DynamoDB Local gives this text)
    value = "a" if member == "ExpressionAttributeNames" else N(1)
    rejected(ddb, table_s, "put_item", "%s contains invalid key: The expression attribute map "
             "contains an empty key;" % member, ConditionExpression="attribute_exists(a)",
             **{member: {"": value}})


def test_well_formed_placeholder_keys(ddb, table_s):
    ddb.put_item(TableName=table_s, Item=ITEM)
    ddb.update_item(TableName=table_s, Key=KEY, UpdateExpression="SET #B_2 = :V_1x",
                    ExpressionAttributeNames={"#B_2": "b"},
                    ExpressionAttributeValues={":V_1x": N(2)})
    assert read(ddb, table_s) == dict(ITEM, b=N(2))


# --------------------------------------------------------------------------
# Empty expressions and syntax errors


@pytest.mark.parametrize("op", WRITES)
def test_empty_condition_expression(ddb, table_s, op):
    rejected(ddb, table_s, op,
             "Invalid ConditionExpression: The expression can not be empty;",  # message unverified
             ConditionExpression="")


def test_empty_update_expression(ddb, table_s):
    rejected(ddb, table_s, "update_item",
             "Invalid UpdateExpression: The expression can not be empty;",  # message unverified
             UpdateExpression="")


def test_syntax_error_token_and_neighbours(ddb, table_s):
    rejected(ddb, table_s, "update_item",
             'Invalid UpdateExpression: Syntax error; token: ":", near: "hits : incr"',
             UpdateExpression="ADD hits : incr", ExpressionAttributeValues={":incr": N(1)})


def test_syntax_error_at_start(ddb, table_s):
    rejected(ddb, table_s, "update_item",
             'Invalid UpdateExpression: Syntax error; token: "INVALID", near: "INVALID SYNTAX"',
             UpdateExpression="INVALID SYNTAX HERE", ExpressionAttributeValues={":v": S("v")})


@pytest.mark.parametrize("expr,token,near", [
    ("a == :v", "=", "== :v"),
    ("a = :v AND", "<EOF>", "AND"),
    ("a = :v b = :v", "b", ":v b ="),
    ("(a = :v", "<EOF>", ":v"),
    ("a = :v)", ")", ":v)"),
    ("a IN ()", ")", "()"),
    ("a BETWEEN :v", "<EOF>", ":v"),
])
def test_condition_syntax_errors(ddb, table_s, expr, token, near):
    rejected(ddb, table_s, "put_item",
             'Invalid ConditionExpression: Syntax error; token: "%s", near: "%s"'
             % (token, near),  # message unverified (format verified on UpdateExpression)
             ConditionExpression=expr, ExpressionAttributeValues={":v": N(1)})


@pytest.mark.parametrize("expr", [
    "SET", "SET a", "SET a =", "SET a = :v,", "REMOVE", "REMOVE a,", "ADD a", "DELETE a",
    "SET a = :v REMOVE", "a = :v", "SET a + :v", "SET a = :v + ", "UPDATE a = :v",
    "SET a.1 = :v", "SET a[x] = :v", "SET a[-1] = :v", "SET a[] = :v",
])
def test_update_syntax_errors(ddb, table_s, expr):
    # message unverified beyond its prefix
    values = {":v": N(1)} if ":v" in expr else None
    params = {"UpdateExpression": expr}
    if values:
        params["ExpressionAttributeValues"] = values
    rejected(ddb, table_s, "update_item", None,
             prefix="Invalid UpdateExpression: Syntax error; token: ", **params)


@pytest.mark.parametrize("expr", [
    "a", "a =", "= :v", "a = :v AND", "NOT", "a < :v < :v", "a IN :v", "a BETWEEN :v :v",
    "attribute_exists(a", "a = :v OR OR a = :v", "a.1 = :v", "a[x] = :v", ":v", "()",
])
def test_more_condition_syntax_errors(ddb, table_s, expr):
    # message unverified beyond its prefix
    values = {":v": N(1)} if ":v" in expr else None
    params = {"ConditionExpression": expr}
    if values:
        params["ExpressionAttributeValues"] = values
    rejected(ddb, table_s, "put_item", None,
             prefix="Invalid ConditionExpression: Syntax error; token: ", **params)


# --------------------------------------------------------------------------
# Reserved words


@pytest.mark.parametrize("expr,word", [
    ("SET status = :v", "status"),
    ("REMOVE name", "name"),
    ("ADD count :v", "count"),
    ("SET a = :v REMOVE data", "data"),
])
def test_reserved_word_in_update(ddb, table_s, expr, word):
    values = {":v": N(1)} if ":v" in expr else None
    params = {"UpdateExpression": expr}
    if values:
        params["ExpressionAttributeValues"] = values
    rejected(ddb, table_s, "update_item", "Invalid UpdateExpression: Attribute name is a "
             "reserved keyword; reserved keyword: %s" % word, **params)


def test_reserved_word_through_placeholder_is_fine(ddb, table_s):
    ddb.put_item(TableName=table_s, Item=ITEM)
    ddb.update_item(TableName=table_s, Key=KEY, UpdateExpression="SET #s = :v",
                    ConditionExpression="attribute_not_exists(#s)",
                    ExpressionAttributeNames={"#s": "status"},
                    ExpressionAttributeValues={":v": S("on")})
    assert read(ddb, table_s) == dict(ITEM, status=S("on"))


# --------------------------------------------------------------------------
# Functions used wrongly


def test_unknown_function(ddb, table_s):
    rejected(ddb, table_s, "put_item",
             "Invalid ConditionExpression: Invalid function name; function: foo",
             # message unverified
             ConditionExpression="foo(a)")


def test_function_names_are_case_sensitive(ddb, table_s):
    rejected(ddb, table_s, "put_item",
             "Invalid ConditionExpression: Invalid function name; function: Attribute_Exists",
             # message unverified
             ConditionExpression="Attribute_Exists(a)")


@pytest.mark.parametrize("expr,fn,count", [
    ("attribute_exists(a, b)", "attribute_exists", 2),
    ("begins_with(a)", "begins_with", 1),
    ("contains(a, :v, :v)", "contains", 3),
    ("attribute_type(a)", "attribute_type", 1),
    ("size(a, b) > :v", "size", 2),
])
def test_wrong_number_of_function_operands(ddb, table_s, expr, fn, count):
    values = {":v": N(1)} if ":v" in expr else None
    params = {"ConditionExpression": expr}
    if values:
        params["ExpressionAttributeValues"] = values
    rejected(ddb, table_s, "put_item",
             "Invalid ConditionExpression: Incorrect number of operands for operator or "
             "function; operator or function: %s, number of operands: %d" % (fn, count),
             # message unverified
             **params)


def test_attribute_type_invalid_type(ddb, table_s):
    rejected(ddb, table_s, "put_item",
             "Invalid ConditionExpression: Invalid attribute type name found; type: X, "
             "valid types: {N,BS,L,B,NULL,M,S,SS,NS,BOOL}",  # message unverified (order)
             ConditionExpression="attribute_type(a, :t)", ExpressionAttributeValues={":t": S("X")})


def test_begins_with_number_operand(ddb, table_s):
    rejected(ddb, table_s, "put_item",
             "Invalid ConditionExpression: Incorrect operand type for operator or function; "
             "operator or function: begins_with, operand type: N",  # message unverified
             ConditionExpression="begins_with(a, :v)", ExpressionAttributeValues={":v": N(1)})


@pytest.mark.parametrize("expr", [
    "size(a)",  # not a condition by itself
    "a = if_not_exists(a, :v)",  # update-only function
    "a = list_append(a, :v)",  # update-only function
    "attribute_exists(:v)",  # a path is required
    "size(a) = attribute_exists(a)",
    "a = :v + :v",  # arithmetic only in updates
])
def test_functions_misused_in_condition(ddb, table_s, expr):
    # code only; message unverified
    values = {":v": N(1)} if ":v" in expr else None
    params = {"ConditionExpression": expr}
    if values:
        params["ExpressionAttributeValues"] = values
    rejected(ddb, table_s, "put_item", None, **params)


@pytest.mark.parametrize("expr", [
    "SET a = attribute_exists(b)",
    "SET a = size(b)",
    "SET a = if_not_exists(:v, :v)",  # the first operand must be a path
    "SET a = b = :v",
    "SET a = foo(b)",
])
def test_functions_misused_in_update(ddb, table_s, expr):
    # code only; message unverified
    values = {":v": N(1)} if ":v" in expr else None
    params = {"UpdateExpression": expr}
    if values:
        params["ExpressionAttributeValues"] = values
    rejected(ddb, table_s, "update_item", None, **params)


def test_between_bounds_out_of_order(ddb, table_s):
    rejected(ddb, table_s, "put_item",
             "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be "
             "greater than or equal to lower bound; lower bound operand: AttributeValue: {N:2}, "
             "upper bound operand: AttributeValue: {N:1}",  # message unverified
             ConditionExpression="a BETWEEN :lo AND :hi",
             ExpressionAttributeValues={":lo": N(2), ":hi": N(1)})


# --------------------------------------------------------------------------
# Limits


def test_in_with_101_operands(ddb, table_s):
    values = {":v%d" % i: N(i) for i in range(101)}
    rejected(ddb, table_s, "put_item",
             "Invalid ConditionExpression: The IN operator is provided with too many operands; "
             "number of operands: 101",  # message unverified
             ConditionExpression="a IN (%s)" % ", ".join(sorted(values)),
             ExpressionAttributeValues=values)


@pytest.mark.parametrize("op", WRITES)
def test_condition_expression_4kb(ddb, table_s, op):
    expr = "attribute_exists(a)"
    ok = expr + " " * (4096 - len(expr))
    ddb.put_item(TableName=table_s, Item=ITEM)
    fn, args = call(ddb, table_s, op, ConditionExpression=ok)
    fn(**args)
    rejected(ddb, table_s, op, "Invalid ConditionExpression: Expression size has exceeded the "
             "maximum allowed size; expression size: 4097", ConditionExpression=ok + " ")


def test_condition_expression_size_counts_utf8_bytes(ddb, table_s):
    # 2118 characters but 4218 bytes: the limit is on the UTF-8 bytes.
    name = "\u00e9" * 2100
    rejected(ddb, table_s, "put_item", "Invalid ConditionExpression: Expression size has "
             "exceeded the maximum allowed size; expression size: %d" % (4200 + 18),
             # message unverified (UTF-8 counting)
             ConditionExpression="attribute_exists(%s)" % name)


def test_update_expression_4kb(ddb, table_s):
    expr = "SET b = :v"
    ok = expr + " " * (4096 - len(expr))
    ddb.put_item(TableName=table_s, Item=ITEM)
    ddb.update_item(TableName=table_s, Key=KEY, UpdateExpression=ok,
                    ExpressionAttributeValues={":v": N(2)})
    assert read(ddb, table_s) == dict(ITEM, b=N(2))
    ddb.put_item(TableName=table_s, Item=ITEM)
    # Unlike condition expressions, the service's text for update expressions
    # does not give the size.
    rejected(ddb, table_s, "update_item", "Invalid UpdateExpression: Expression size has "
             "exceeded the maximum allowed size;",
             UpdateExpression=ok + " ", ExpressionAttributeValues={":v": N(2)})


def test_placeholder_values_do_not_count_towards_4kb(ddb, table_s):
    ddb.put_item(TableName=table_s, Item=ITEM)
    ddb.update_item(TableName=table_s, Key=KEY, UpdateExpression="SET #n = :v",
                    ExpressionAttributeNames={"#n": "n" * 5000},
                    ExpressionAttributeValues={":v": S("x" * 100000)})
    assert read(ddb, table_s) == dict(ITEM, **{"n" * 5000: S("x" * 100000)})
