"""UpdateItem with UpdateExpression: SET (plain, nested, list elements, arithmetic,
if_not_exists, list_append), REMOVE, ADD and DELETE, clause order, upserts,
ReturnValues selection, and the update-time errors (missing operands, wrong
operand types, invalid document paths, repeated clauses, overlapping paths,
key attributes, item size)."""

import pytest

from ddbvalues import KEY, L, M, N, S, canon_item, read
from conftest import assert_error

INVALID_PATH = "The document path provided in the update expression is invalid for update"
MISSING_OPERAND = "The provided expression refers to an attribute that does not exist in the item"
BAD_OPERAND = "An operand in the update expression has an incorrect data type"
KEY_UPDATE = ("One or more parameter values were invalid: Cannot update attribute %s. "
              "This attribute is part of the key")
OVERLAP = ("Invalid UpdateExpression: Two document paths overlap with each other; must remove "
           "or rewrite one of these paths; path one: %s, path two: %s")
CONFLICT = ("Invalid UpdateExpression: Two document paths conflict with each other; must "
            "remove or rewrite one of these paths; path one: %s, path two: %s")
MAX_ITEM = 409600


def update(ddb, table, expr, values=None, names=None, key=KEY, **kwargs):
    args = dict(TableName=table, Key=key, UpdateExpression=expr, **kwargs)
    if values:
        args["ExpressionAttributeValues"] = values
    if names:
        args["ExpressionAttributeNames"] = names
    return ddb.update_item(**args)


def updated(ddb, table, start, expr, values=None, names=None):
    """Store KEY + start (None: no item), apply expr, return the new item."""
    if start is not None:
        ddb.put_item(TableName=table, Item=dict(KEY, **start))
    update(ddb, table, expr, values, names)
    return read(ddb, table)


def update_error(ddb, table, start, expr, message, values=None, names=None, key=KEY,
                 code="ValidationException"):
    """The update fails with `message` and leaves the item as it was."""
    item = None
    if start is not None:
        item = dict(key, **start)
        ddb.put_item(TableName=table, Item=item)
    args = dict(TableName=table, Key=key, UpdateExpression=expr)
    if values:
        args["ExpressionAttributeValues"] = values
    if names:
        args["ExpressionAttributeNames"] = names
    assert_error(ddb.update_item, code, message, **args)
    assert canon_item(read(ddb, table, key)) == canon_item(item)


# --------------------------------------------------------------------------
# SET


def test_set_plain(ddb, table_s):
    got = updated(ddb, table_s, {"a": N(1), "c": S("keep")}, "SET a = :a, b = :b",
                  {":a": S("one"), ":b": L(N(1), M(x=S("y")))})
    assert got == dict(KEY, a=S("one"), b=L(N(1), M(x=S("y"))), c=S("keep"))


def test_set_creates_missing_item(ddb, table_s):
    got = updated(ddb, table_s, None, "SET a = :a", {":a": N(7)})
    assert got == dict(KEY, a=N(7))


def test_set_every_type(ddb, table_s):
    values = {
        ":s": S("x"), ":n": N("1.5"), ":b": {"B": b"\x00\xff"}, ":ss": {"SS": ["a", "b"]},
        ":ns": {"NS": ["1", "2"]}, ":bs": {"BS": [b"\x01"]}, ":t": {"BOOL": False},
        ":nul": {"NULL": True}, ":l": L(), ":m": M(),
    }
    expr = "SET " + ", ".join("%s = %s" % (k[1:], k) for k in values)
    got = updated(ddb, table_s, None, expr, values)
    assert canon_item(got) == canon_item(dict(KEY, **{k[1:]: v for k, v in values.items()}))


def test_set_with_name_placeholders(ddb, table_s):
    got = updated(ddb, table_s, None, "SET #st = :v, #d = :w",
                  {":v": S("on"), ":w": N(1)}, {"#st": "status", "#d": "a.b"})
    assert got == dict(KEY, status=S("on"), **{"a.b": N(1)})


def test_set_nested_map(ddb, table_s):
    start = {"m": M(x=N(1), y=M(z=N(2)))}
    got = updated(ddb, table_s, start, "SET m.x = :v, m.w = :w, m.y.z = :z, m.y.q = :q",
                  {":v": S("new"), ":w": N(3), ":z": N(4), ":q": N(5)})
    assert got == dict(KEY, m=M(x=S("new"), y=M(z=N(4), q=N(5)), w=N(3)))


def test_set_nested_with_placeholders(ddb, table_s):
    got = updated(ddb, table_s, {"m": M(x=M())}, "SET #m.#x.#y = :v", {":v": N(1)},
                  {"#m": "m", "#x": "x", "#y": "y"})
    assert got == dict(KEY, m=M(x=M(y=N(1))))


def test_set_list_element(ddb, table_s):
    got = updated(ddb, table_s, {"l": L(S("a"), S("b"), S("c"))}, "SET l[1] = :v", {":v": N(9)})
    assert got == dict(KEY, l=L(S("a"), N(9), S("c")))


def test_set_nested_list_element(ddb, table_s):
    start = {"l": L(L(N(1), N(2)), M(x=L(N(3))))}
    got = updated(ddb, table_s, start, "SET l[0][1] = :a, l[1].x[0] = :b, l[1].y = :c",
                  {":a": S("a"), ":b": S("b"), ":c": S("c")})
    assert got == dict(KEY, l=L(L(N(1), S("a")), M(x=L(S("b")), y=S("c"))))


def test_set_past_end_of_list_appends(ddb, table_s):
    got = updated(ddb, table_s, {"l": L(S("a"), S("b"))}, "SET l[10] = :v", {":v": S("c")})
    assert got == dict(KEY, l=L(S("a"), S("b"), S("c")))


def test_set_several_past_end_sorted_by_index(ddb, table_s):
    got = updated(ddb, table_s, {"l": L(S("a"), S("b"))},
                  "SET l[9] = :y, l[0] = :z, l[5] = :x", {":x": S("x"), ":y": S("y"), ":z": S("z")})
    assert got == dict(KEY, l=L(S("z"), S("b"), S("x"), S("y")))


def test_set_past_end_of_empty_list(ddb, table_s):
    got = updated(ddb, table_s, {"l": L()}, "SET l[3] = :v", {":v": N(1)})
    assert got == dict(KEY, l=L(N(1)))


def test_set_replaces_whole_attribute(ddb, table_s):
    got = updated(ddb, table_s, {"l": L(N(1)), "m": M(x=N(1))}, "SET l = :m, m = :l",
                  {":m": M(y=N(2)), ":l": L(N(3))})
    assert got == dict(KEY, l=M(y=N(2)), m=L(N(3)))


def test_set_copies_another_attribute(ddb, table_s):
    got = updated(ddb, table_s, {"a": M(x=L(N(1)))}, "SET b = a, c = a.x[0]")
    assert got == dict(KEY, a=M(x=L(N(1))), b=M(x=L(N(1))), c=N(1))


def test_set_swap_uses_old_values(ddb, table_s):
    # Every operand is read from the item as it was before the update.
    got = updated(ddb, table_s, {"a": N(1), "b": N(2)}, "SET a = b, b = a")
    assert got == dict(KEY, a=N(2), b=N(1))


@pytest.mark.parametrize("start,expr,result", [
    ({"n": N(5)}, "SET n = n + :x", "7"),
    ({"n": N(5)}, "SET n = n - :x", "3"),
    ({"n": N(5)}, "SET n = :x - n", "-3"),
    ({"n": N(5)}, "SET n = :x + n", "7"),
    ({"n": N(5), "o": N(10)}, "SET n = o - n", "5"),
    ({"n": N("0.1")}, "SET n = n + :y", "0.3"),  # exact decimal arithmetic
    ({"n": N("1.10")}, "SET n = n + :one", "2.1"),
    ({"n": N("-1.5")}, "SET n = n - :one", "-2.5"),
    ({"n": N("1E+2")}, "SET n = n + :one", "101"),
    ({"n": N("99999999999999999999999999999999999998")}, "SET n = n + :one",
     "99999999999999999999999999999999999999"),
    ({"n": N(2)}, "SET n = n - :x", "0"),
    ({"m": M(c=N(1))}, "SET m.c = m.c + :one", None),
])
def test_set_arithmetic(ddb, table_s, start, expr, result):
    values = {k: v for k, v in {":x": N(2), ":y": N("0.2"), ":one": N(1)}.items() if k in expr}
    got = updated(ddb, table_s, start, expr, values)
    if result is None:
        assert got == dict(KEY, m=M(c=N(2)))
    else:
        assert got["n"] == N(result)


def test_set_arithmetic_on_list_element(ddb, table_s):
    got = updated(ddb, table_s, {"l": L(N(1), N(2))}, "SET l[1] = l[1] + l[0]")
    assert got == dict(KEY, l=L(N(1), N(3)))


def test_if_not_exists(ddb, table_s):
    got = updated(ddb, table_s, {"a": N(1)},
                  "SET a = if_not_exists(a, :v), b = if_not_exists(b, :v)", {":v": N(9)})
    assert got == dict(KEY, a=N(1), b=N(9))


def test_if_not_exists_other_attribute_and_nested(ddb, table_s):
    got = updated(ddb, table_s, {"x": S("from-x"), "m": M(c=N(1))},
                  "SET a = if_not_exists(x, :v), b = if_not_exists(y, :v), "
                  "m.c = if_not_exists(m.c, :v), m.d = if_not_exists(m.d, :v)",
                  {":v": S("default")})
    assert got == dict(KEY, x=S("from-x"), a=S("from-x"), b=S("default"),
                       m=M(c=N(1), d=S("default")))


def test_counter_idiom_on_absent_item(ddb, table_s):
    for expected in ("1", "2", "3"):
        update(ddb, table_s, "SET n = if_not_exists(n, :zero) + :one",
               {":zero": N(0), ":one": N(1)})
        assert read(ddb, table_s) == dict(KEY, n=N(expected))


def test_list_append_both_orders(ddb, table_s):
    start = {"l": L(N(1), N(2))}
    got = updated(ddb, table_s, start, "SET l = list_append(l, :v)", {":v": L(N(3), N(4))})
    assert got == dict(KEY, l=L(N(1), N(2), N(3), N(4)))
    got = updated(ddb, table_s, start, "SET l = list_append(:v, l)", {":v": L(N(3), N(4))})
    assert got == dict(KEY, l=L(N(3), N(4), N(1), N(2)))


def test_list_append_values_and_attributes(ddb, table_s):
    got = updated(ddb, table_s, {"a": L(S("a")), "b": L(S("b"))},
                  "SET c = list_append(a, b), d = list_append(:x, :y), e = list_append(a, :e)",
                  {":x": L(N(1)), ":y": L(N(2)), ":e": L()})
    assert got["c"] == L(S("a"), S("b"))
    assert got["d"] == L(N(1), N(2))
    assert got["e"] == L(S("a"))


def test_list_append_if_not_exists_idiom(ddb, table_s):
    expr = "SET l = list_append(if_not_exists(l, :empty), :v)"
    update(ddb, table_s, expr, {":empty": L(), ":v": L(S("a"))})
    update(ddb, table_s, expr, {":empty": L(), ":v": L(S("b"))})
    assert read(ddb, table_s) == dict(KEY, l=L(S("a"), S("b")))


def test_list_append_nested(ddb, table_s):
    got = updated(ddb, table_s, {"m": M(l=L(N(1)))}, "SET m.l = list_append(m.l, :v)",
                  {":v": L(N(2))})
    assert got == dict(KEY, m=M(l=L(N(1), N(2))))


# --------------------------------------------------------------------------
# REMOVE


def test_remove_attributes(ddb, table_s):
    got = updated(ddb, table_s, {"a": N(1), "b": N(2), "c": N(3)}, "REMOVE a, c, nothere")
    assert got == dict(KEY, b=N(2))


def test_remove_everything_leaves_key(ddb, table_s):
    got = updated(ddb, table_s, {"a": N(1)}, "REMOVE a")
    assert got == KEY


def test_remove_nested(ddb, table_s):
    start = {"m": M(x=N(1), y=M(z=N(2), w=N(3)))}
    got = updated(ddb, table_s, start, "REMOVE m.x, m.y.z, m.nope")
    assert got == dict(KEY, m=M(y=M(w=N(3))))


def test_remove_list_element_shifts(ddb, table_s):
    got = updated(ddb, table_s, {"l": L(N(0), N(1), N(2))}, "REMOVE l[0]")
    assert got == dict(KEY, l=L(N(1), N(2)))


@pytest.mark.parametrize("expr", ["REMOVE l[1], l[3]", "REMOVE l[3], l[1]"])
def test_remove_several_list_elements(ddb, table_s, expr):
    # Indexes refer to the list before the update.
    start = {"l": L(N(0), N(1), N(2), N(3), N(4))}
    got = updated(ddb, table_s, start, expr)
    assert got == dict(KEY, l=L(N(0), N(2), N(4)))


def test_remove_past_end_of_list(ddb, table_s):
    got = updated(ddb, table_s, {"l": L(N(0))}, "REMOVE l[5]")
    assert got == dict(KEY, l=L(N(0)))


def test_remove_nested_list_elements(ddb, table_s):
    start = {"l": L(L(N(0), N(1)), M(x=L(N(2), N(3))))}
    got = updated(ddb, table_s, start, "REMOVE l[0][0], l[1].x[1]")
    assert got == dict(KEY, l=L(L(N(1)), M(x=L(N(2)))))


def test_remove_all_list_elements_keeps_empty_list(ddb, table_s):
    got = updated(ddb, table_s, {"l": L(N(0), N(1))}, "REMOVE l[0], l[1]")
    assert got == dict(KEY, l=L())


def test_remove_with_placeholders(ddb, table_s):
    got = updated(ddb, table_s, {"status": N(1), "a.b": N(2), "a": M(b=N(3))},
                  "REMOVE #st, #ab", names={"#st": "status", "#ab": "a.b"})
    assert got == dict(KEY, a=M(b=N(3)))


# --------------------------------------------------------------------------
# ADD


@pytest.mark.parametrize("start,value,result", [
    ("2", "3", "5"),
    ("2", "-3", "-1"),
    ("0.5", "0.25", "0.75"),
    ("10", "-10", "0"),
])
def test_add_number(ddb, table_s, start, value, result):
    got = updated(ddb, table_s, {"n": N(start)}, "ADD n :v", {":v": N(value)})
    assert got == dict(KEY, n=N(result))


def test_add_to_missing_attribute(ddb, table_s):
    got = updated(ddb, table_s, {"a": N(1)}, "ADD n :v, ss :ss",
                  {":v": N(-4), ":ss": {"SS": ["x"]}})
    assert canon_item(got) == canon_item(dict(KEY, a=N(1), n=N(-4), ss={"SS": ["x"]}))


def test_add_creates_item(ddb, table_s):
    got = updated(ddb, table_s, None, "ADD n :v", {":v": N(1)})
    assert got == dict(KEY, n=N(1))


@pytest.mark.parametrize("t,start,value,result", [
    ("SS", ["a", "b"], ["b", "c"], ["a", "b", "c"]),
    ("NS", ["1", "2"], ["2", "3.5"], ["1", "2", "3.5"]),
    ("NS", ["1"], ["1.0"], ["1"]),
    ("BS", [b"\x01"], [b"\x02", b"\x01"], [b"\x01", b"\x02"]),
])
def test_add_set(ddb, table_s, t, start, value, result):
    got = updated(ddb, table_s, {"s": {t: start}}, "ADD s :v", {":v": {t: value}})
    assert canon_item(got) == canon_item(dict(KEY, s={t: result}))


def test_add_nested_number(ddb, table_s):
    got = updated(ddb, table_s, {"m": M(n=N(1))}, "ADD m.n :v", {":v": N(2)})
    assert got == dict(KEY, m=M(n=N(3)))


def test_add_number_to_string_attribute(ddb, table_s):
    update_error(ddb, table_s, {"n": S("1")}, "ADD n :v", BAD_OPERAND,  # message unverified
                 {":v": N(1)})


def test_add_set_of_another_type(ddb, table_s):
    update_error(ddb, table_s, {"s": {"SS": ["1"]}}, "ADD s :v", BAD_OPERAND,  # message unverified
                 {":v": {"NS": ["1"]}})


def test_add_number_to_set(ddb, table_s):
    update_error(ddb, table_s, {"s": {"NS": ["1"]}}, "ADD s :v", BAD_OPERAND,  # message unverified
                 {":v": N(1)})


@pytest.mark.parametrize("value,type_name", [
    (M(a=N(1)), "MAP"),
    (L(N(1)), "LIST"),
    (S("1"), "STRING"),  # message unverified for this type name
    ({"BOOL": True}, "BOOLEAN"),  # message unverified for this type name
])
def test_add_operand_type_rejected_before_update(ddb, table_s, value, type_name):
    update_error(ddb, table_s, {"a": N(1)}, "ADD a :v",
                 "Invalid UpdateExpression: Incorrect operand type for operator or function; "
                 "operator: ADD, operand type: %s, typeSet: ALLOWED_FOR_ADD_OPERAND" % type_name,
                 {":v": value})


# --------------------------------------------------------------------------
# DELETE


@pytest.mark.parametrize("t,start,value,result", [
    ("SS", ["a", "b", "c"], ["a", "c", "zz"], ["b"]),
    ("NS", ["1", "2", "3"], ["2.0"], ["1", "3"]),
    ("BS", [b"\x01", b"\x02"], [b"\x02"], [b"\x01"]),
])
def test_delete_set_members(ddb, table_s, t, start, value, result):
    got = updated(ddb, table_s, {"s": {t: start}}, "DELETE s :v", {":v": {t: value}})
    assert canon_item(got) == canon_item(dict(KEY, s={t: result}))


def test_delete_last_members_removes_attribute(ddb, table_s):
    got = updated(ddb, table_s, {"s": {"SS": ["a", "b"]}, "x": N(1)}, "DELETE s :v",
                  {":v": {"SS": ["b", "a"]}})
    assert got == dict(KEY, x=N(1))


def test_delete_from_missing_attribute(ddb, table_s):
    got = updated(ddb, table_s, {"x": N(1)}, "DELETE s :v", {":v": {"SS": ["a"]}})
    assert got == dict(KEY, x=N(1))


def test_delete_nested_set(ddb, table_s):
    got = updated(ddb, table_s, {"m": M(s={"NS": ["1", "2"]})}, "DELETE m.s :v",
                  {":v": {"NS": ["1"]}})
    assert got == dict(KEY, m=M(s={"NS": ["2"]}))


def test_delete_set_of_another_type(ddb, table_s):
    update_error(ddb, table_s, {"s": {"SS": ["1"]}}, "DELETE s :v",
                 BAD_OPERAND,  # message unverified
                 {":v": {"NS": ["1"]}})


def test_delete_from_non_set(ddb, table_s):
    update_error(ddb, table_s, {"s": S("a")}, "DELETE s :v", BAD_OPERAND,  # message unverified
                 {":v": {"SS": ["a"]}})


@pytest.mark.parametrize("value,type_name", [
    (L(S("a")), "LIST"),
    (S("a"), "STRING"),  # message unverified for this type name
    (N(1), "NUMBER"),  # message unverified for this type name
])
def test_delete_operand_type_rejected_before_update(ddb, table_s, value, type_name):
    update_error(ddb, table_s, {"s": {"SS": ["a"]}}, "DELETE s :v",
                 "Invalid UpdateExpression: Incorrect operand type for operator or function; "
                 "operator: DELETE, operand type: %s, typeSet: ALLOWED_FOR_DELETE_OPERAND"
                 % type_name, {":v": value})


# --------------------------------------------------------------------------
# Clauses together


@pytest.mark.parametrize("expr", [
    "SET a = :a REMOVE b ADD n :one DELETE ss :d",
    "DELETE ss :d ADD n :one REMOVE b SET a = :a",
    "REMOVE b SET a = :a DELETE ss :d ADD n :one",
    "set a = :a remove b add n :one delete ss :d",
])
def test_clauses_in_any_order(ddb, table_s, expr):
    start = {"b": N(1), "n": N(1), "ss": {"SS": ["x", "y"]}}
    got = updated(ddb, table_s, start, expr,
                  {":a": S("a"), ":one": N(1), ":d": {"SS": ["x"]}})
    assert got == dict(KEY, a=S("a"), n=N(2), ss={"SS": ["y"]})


def test_several_actions_per_clause(ddb, table_s):
    got = updated(ddb, table_s, {"a": N(1), "b": N(2), "c": N(3), "d": N(4)},
                  "SET a = :v, b = b + :v REMOVE c, d ADD e :v, f :v", {":v": N(10)})
    assert got == dict(KEY, a=N(10), b=N(12), e=N(10), f=N(10))


def test_upsert_with_every_clause(ddb, table_s):
    got = updated(ddb, table_s, None, "SET a = :a REMOVE b ADD n :one, ss :ss DELETE ds :ss",
                  {":a": S("a"), ":one": N(1), ":ss": {"SS": ["x"]}})
    assert got == dict(KEY, a=S("a"), n=N(1), ss={"SS": ["x"]})


def test_update_without_expression_creates_key_only_item(ddb, table_s):
    resp = ddb.update_item(TableName=table_s, Key=KEY)
    assert "Attributes" not in resp
    assert read(ddb, table_s) == KEY


def test_update_without_expression_leaves_existing_item(ddb, table_s):
    ddb.put_item(TableName=table_s, Item=dict(KEY, a=N(1)))
    resp = ddb.update_item(TableName=table_s, Key=KEY, ReturnValues="ALL_NEW")
    assert resp["Attributes"] == dict(KEY, a=N(1))
    assert read(ddb, table_s) == dict(KEY, a=N(1))


def test_update_with_range_key(ddb, table_ss):
    key = {"pk": S("p"), "sk": S("s")}
    ddb.update_item(TableName=table_ss, Key=key, UpdateExpression="SET a = :v",
                    ExpressionAttributeValues={":v": N(1)})
    assert read(ddb, table_ss, key) == dict(key, a=N(1))
    assert read(ddb, table_ss, {"pk": S("p"), "sk": S("other")}) is None


# --------------------------------------------------------------------------
# ReturnValues


RV_START = {"a": N(1), "b": S("x"), "m": M(x=N(1), y=N(2)), "l": L(N(10), N(20), N(30)),
            "ss": {"SS": ["p"]}}


def rv(ddb, table, start, expr, mode, values=None):
    if start is not None:
        ddb.put_item(TableName=table, Item=dict(KEY, **start))
    resp = update(ddb, table, expr, values, ReturnValues=mode)
    return resp.get("Attributes")


def test_return_values_none(ddb, table_s):
    assert rv(ddb, table_s, RV_START, "SET a = :v", "NONE", {":v": N(2)}) is None
    resp = update(ddb, table_s, "SET a = :v", {":v": N(3)})
    assert "Attributes" not in resp


def test_return_values_all_old(ddb, table_s):
    got = rv(ddb, table_s, RV_START, "SET a = :v REMOVE b", "ALL_OLD", {":v": N(2)})
    assert canon_item(got) == canon_item(dict(KEY, **RV_START))


def test_return_values_all_old_on_new_item(ddb, table_s):
    assert rv(ddb, table_s, None, "SET a = :v", "ALL_OLD", {":v": N(2)}) is None


def test_return_values_all_new(ddb, table_s):
    got = rv(ddb, table_s, RV_START, "SET a = :v REMOVE b", "ALL_NEW", {":v": N(2)})
    expected = dict(KEY, **RV_START)
    expected["a"] = N(2)
    del expected["b"]
    assert canon_item(got) == canon_item(expected)


def test_return_values_all_new_on_new_item(ddb, table_s):
    assert rv(ddb, table_s, None, "SET a = :v", "ALL_NEW", {":v": N(2)}) == dict(KEY, a=N(2))


@pytest.mark.parametrize("expr,values,old,new", [
    ("SET a = :v, c = :v", {":v": N(2)}, {"a": N(1)}, {"a": N(2), "c": N(2)}),
    ("SET a = :v", {":v": N(1)}, {"a": N(1)}, {"a": N(1)}),  # unchanged value still returned
    ("REMOVE b", None, {"b": S("x")}, None),
    ("REMOVE b, nothere", None, {"b": S("x")}, None),
    ("SET m.x = :v", {":v": N(5)}, {"m": M(x=N(1))}, {"m": M(x=N(5))}),
    ("SET m.x = :v, m.z = :v", {":v": N(5)}, {"m": M(x=N(1))}, {"m": M(x=N(5), z=N(5))}),
    ("SET m.z = :v", {":v": N(5)}, None, {"m": M(z=N(5))}),
    ("REMOVE m.y", None, {"m": M(y=N(2))}, None),
    ("SET l[1] = :v", {":v": N(5)}, {"l": L(N(20))}, {"l": L(N(5))}),
    ("SET l[0] = :v, l[2] = :v", {":v": N(5)}, {"l": L(N(10), N(30))}, {"l": L(N(5), N(5))}),
    ("ADD a :v", {":v": N(2)}, {"a": N(1)}, {"a": N(3)}),
    ("ADD ss :v", {":v": {"SS": ["q"]}}, {"ss": {"SS": ["p"]}}, {"ss": {"SS": ["p", "q"]}}),
    ("DELETE ss :v", {":v": {"SS": ["p"]}}, {"ss": {"SS": ["p"]}}, None),
    ("SET a = :v REMOVE b ADD n :v", {":v": N(2)}, {"a": N(1), "b": S("x")},
     {"a": N(2), "n": N(2)}),
])
def test_return_values_updated(ddb, table_s, expr, values, old, new):
    got = rv(ddb, table_s, RV_START, expr, "UPDATED_OLD", values)
    assert canon_item(got) == canon_item(old)
    got = rv(ddb, table_s, RV_START, expr, "UPDATED_NEW", values)
    assert canon_item(got) == canon_item(new)


def test_return_values_updated_new_on_new_item(ddb, table_s):
    # The key is not an updated attribute.
    assert rv(ddb, table_s, None, "SET a = :v", "UPDATED_NEW", {":v": N(2)}) == {"a": N(2)}
    ddb.delete_item(TableName=table_s, Key=KEY)
    assert rv(ddb, table_s, None, "SET a = :v", "UPDATED_OLD", {":v": N(2)}) is None


def test_return_values_invalid(ddb, table_s):
    assert_error(ddb.update_item, "ValidationException", TableName=table_s, Key=KEY,
                 UpdateExpression="SET a = :v", ExpressionAttributeValues={":v": N(1)},
                 ReturnValues="ALL",
                 prefix="1 validation error detected: Value 'ALL' at 'returnValues' failed to "
                        "satisfy constraint: Member must satisfy enum value set: ")
    assert read(ddb, table_s) is None


# --------------------------------------------------------------------------
# Errors while updating


@pytest.mark.parametrize("expr", [
    "SET a = b + :x",
    "SET a = :x + b",
    "SET a = b",
    "SET a = b.c",
    "SET a = l[5]",
    "SET a = list_append(b, :l)",
    "SET a = list_append(:l, b)",
    "SET a = if_not_exists(b, :x) + c",
])
def test_operand_refers_to_missing_attribute(ddb, table_s, expr):
    values = {k: v for k, v in {":x": N(1), ":l": L(N(1))}.items() if k in expr}
    update_error(ddb, table_s, {"l": L(N(0))}, expr, MISSING_OPERAND, values)


def test_operand_missing_on_absent_item(ddb, table_s):
    update_error(ddb, table_s, None, "SET n = n + :one", MISSING_OPERAND, {":one": N(1)})


@pytest.mark.parametrize("start,expr", [
    ({}, "SET nope.x = :v"),
    ({"m": M()}, "SET m.x.y = :v"),
    ({"m": M(x=M())}, "SET m.x.y.z = :v"),
    ({}, "SET l[0] = :v"),
    ({"l": L(M())}, "SET l[3].x = :v"),
    ({"m": M(x=M())}, "SET m.y[0] = :v"),
])
def test_set_path_with_missing_parent(ddb, table_s, start, expr):
    update_error(ddb, table_s, dict(start, other=N(1)), expr, INVALID_PATH, {":v": N(1)})


def test_set_path_with_missing_parent_on_absent_item(ddb, table_s):
    update_error(ddb, table_s, None, "SET m.x = :v", INVALID_PATH, {":v": N(1)})


@pytest.mark.parametrize("start,expr", [
    ({"m": M(x=N(1))}, "SET m[0] = :v"),
    ({"l": L(N(1))}, "SET l.x = :v"),
    ({"l": L(N(1))}, "SET l[0].x = :v"),
    ({"s": S("abc")}, "SET s.x = :v"),
    ({"s": S("abc")}, "SET s[0] = :v"),
])
def test_set_path_through_wrong_type(ddb, table_s, start, expr):
    update_error(ddb, table_s, start, expr, INVALID_PATH,  # message unverified
                 {":v": N(1)})


@pytest.mark.parametrize("start,expr,values", [
    ({"a": S("1")}, "SET n = a + :one", {":one": N(1)}),
    ({"a": N(1), "b": S("x")}, "SET n = a - b", None),
    ({"a": L(N(1))}, "SET n = a + :one", {":one": N(1)}),
    ({"a": N(1)}, "SET l = list_append(a, :l)", {":l": L(N(1))}),
    ({"a": {"NULL": True}}, "SET a = list_append(if_not_exists(a, :e), :l)",
     {":e": L(), ":l": L(N(1))}),
    ({"a": {"SS": ["x"]}}, "SET l = list_append(:l, a)", {":l": L(N(1))}),
])
def test_wrong_operand_type_at_update(ddb, table_s, start, expr, values):
    update_error(ddb, table_s, start, expr, BAD_OPERAND,  # message unverified
                 values)


def test_list_append_value_of_wrong_type(ddb, table_s):
    update_error(ddb, table_s, {"l": L(N(1))}, "SET l = list_append(l, :m)",
                 "Invalid UpdateExpression: Incorrect operand type for operator or function; "
                 "operator or function: list_append, operand type: M",
                 {":m": M(a=N(1))})


def test_arithmetic_value_of_wrong_type(ddb, table_s):
    update_error(ddb, table_s, {"n": N(1)}, "SET n = n + :s",
                 "Invalid UpdateExpression: Incorrect operand type for operator or function; "
                 "operator or function: +, operand type: S",  # message unverified
                 {":s": S("1")})


@pytest.mark.parametrize("clause,expr", [
    ("ADD", "ADD a :one SET b = :one ADD c :one"),
    ("SET", "SET a = :one SET b = :one"),  # message unverified for SET (verified for ADD)
    ("REMOVE", "REMOVE a REMOVE b"),  # message unverified for REMOVE (verified for ADD)
    ("DELETE", "DELETE s :ss DELETE t :ss"),  # message unverified for DELETE (verified for ADD)
    ("SET", "SET a = :one REMOVE b set c = :one"),  # message unverified (case of keyword)
])
def test_clause_used_twice(ddb, table_s, clause, expr):
    values = {k: v for k, v in {":one": N(1), ":ss": {"SS": ["x"]}}.items() if k in expr}
    update_error(ddb, table_s, {"a": N(0)}, expr,
                 'Invalid UpdateExpression: The "%s" section can only be used once in an '
                 'update expression;' % clause, values)


def test_same_path_set_twice(ddb, table_s):
    update_error(ddb, table_s, {"a": N(0)}, "SET a = :one, a = :two", OVERLAP % ("[a]", "[a]"),
                 {":one": N(1), ":two": N(2)})


@pytest.mark.parametrize("expr,one,two", [
    ("SET a = :v REMOVE a", "[a]", "[a]"),
    ("SET m = :v, m.x = :v", "[m]", "[m, x]"),
    ("SET m.x = :v REMOVE m", "[m, x]", "[m]"),
    ("SET m.x.y = :v, m.x = :v", "[m, x, y]", "[m, x]"),
    ("REMOVE l[1], l[1]", "[l, [1]]", "[l, [1]]"),
    ("SET l[0] = :v REMOVE l", "[l, [0]]", "[l]"),
    ("ADD n :v SET n = :v", "[n]", "[n]"),
])
def test_overlapping_paths(ddb, table_s, expr, one, two):
    values = {":v": N(1)} if ":v" in expr else None
    update_error(ddb, table_s, {"a": N(0)}, expr, OVERLAP % (one, two),  # message unverified
                 values)


def test_overlapping_paths_through_placeholders(ddb, table_s):
    update_error(ddb, table_s, {"a": N(0)}, "SET #a = :v, a = :v", OVERLAP % ("[a]", "[a]"),
                 {":v": N(1)}, {"#a": "a"})


@pytest.mark.parametrize("expr,one,two", [
    ("SET l[0] = :v, l.x = :v", "[l, [0]]", "[l, x]"),
    ("SET m.x = :v REMOVE m[1]", "[m, x]", "[m, [1]]"),
])
def test_conflicting_paths(ddb, table_s, expr, one, two):
    update_error(ddb, table_s, {"a": N(0)}, expr, CONFLICT % (one, two),  # message unverified
                 {":v": N(1)})


def test_sibling_paths_do_not_overlap(ddb, table_s):
    got = updated(ddb, table_s, {"m": M(x=N(1)), "l": L(N(1), N(2))},
                  "SET m.x = :v, m.y = :v, l[0] = :v, l[1] = :v, mx = :v", {":v": N(7)})
    assert got == dict(KEY, m=M(x=N(7), y=N(7)), l=L(N(7), N(7)), mx=N(7))


@pytest.mark.parametrize("expr", [
    "SET pk = :v",
    "REMOVE pk",
    "ADD pk :n",
    "SET a = :v, pk = :v",
    "SET pk = if_not_exists(pk, :v)",
])
def test_key_attribute_cannot_be_updated(ddb, table_s, expr):
    values = {":v": S("other"), ":n": N(1)}
    values = {k: v for k, v in values.items() if k in expr}
    update_error(ddb, table_s, {"a": N(0)}, expr, KEY_UPDATE % "pk", values)


def test_range_key_attribute_cannot_be_updated(ddb, table_ss):
    key = {"pk": S("p"), "sk": S("s")}
    update_error(ddb, table_ss, {"a": N(0)}, "SET sk = :v", KEY_UPDATE % "sk",
                 {":v": S("t")}, key=key)


def test_key_attribute_through_placeholder(ddb, table_s):
    update_error(ddb, table_s, {"a": N(0)}, "SET #k = :v", KEY_UPDATE % "pk",
                 {":v": S("x")}, {"#k": "pk"})


def test_updated_item_at_400kb(ddb, table_s):
    # pk+"k" = 3 bytes, "a" + 300000, "b" + the rest.
    ddb.put_item(TableName=table_s, Item=dict(KEY, a=S("x" * 300000)))
    rest = MAX_ITEM - 3 - 300001 - 1
    update(ddb, table_s, "SET b = :v", {":v": S("y" * rest)})
    assert len(read(ddb, table_s)["b"]["S"]) == rest


def test_updated_item_over_400kb(ddb, table_s):
    start = {"a": S("x" * 300000)}
    rest = MAX_ITEM - 3 - 300001 - 1
    update_error(ddb, table_s, start, "SET b = :v",
                 "Item size to update has exceeded the maximum allowed size",  # message unverified
                 {":v": S("y" * (rest + 1))})


def test_item_grown_by_list_append_over_400kb(ddb, table_s):
    start = {"l": L(S("x" * 250000))}
    update_error(ddb, table_s, start, "SET l = list_append(l, l)",
                 "Item size to update has exceeded the maximum allowed size")  # message unverified
