"""ProjectionExpression on GetItem: top-level attributes, nested map paths, list
elements, #name placeholders, the shapes returned (projected maps keep only the
requested members, projected list elements are gathered in order), and the
projection's own errors."""

import pytest

from ddbvalues import KEY, L, M, N, S
from conftest import assert_error, raw_call


ITEM = dict(
    KEY,
    a=N(1),
    b=S("two"),
    m=M(x=N(1), y=M(z=S("deep"), w=L(N(5), N(6))), q=S("q")),
    l=L(S("l0"), M(x=N(10), y=N(11)), L(N(20), N(21), N(22)), S("l3")),
    ss={"SS": ["s"]},
    **{"status": S("on"), "a.b": S("dotted"), "name": S("nm")},
)


def project(ddb, table, expr, names=None, item=ITEM):
    ddb.put_item(TableName=table, Item=item)
    args = {"TableName": table, "Key": KEY, "ProjectionExpression": expr, "ConsistentRead": True}
    if names:
        args["ExpressionAttributeNames"] = names
    resp = ddb.get_item(**args)
    return resp.get("Item")


@pytest.mark.parametrize("expr,expected", [
    ("a", {"a": N(1)}),
    ("a, b", {"a": N(1), "b": S("two")}),
    ("b,a", {"a": N(1), "b": S("two")}),
    ("pk", KEY),
    ("pk, ss", dict(KEY, ss={"SS": ["s"]})),
    ("a, nothere", {"a": N(1)}),
    ("  a ,\tb  ", {"a": N(1), "b": S("two")}),
    ("m", {"m": ITEM["m"]}),
    ("l", {"l": ITEM["l"]}),
])
def test_top_level(ddb, table_s, expr, expected):
    assert project(ddb, table_s, expr) == expected


@pytest.mark.parametrize("expr,expected", [
    ("m.x", {"m": M(x=N(1))}),
    ("m.y.z", {"m": M(y=M(z=S("deep")))}),
    ("m.x, m.q", {"m": M(x=N(1), q=S("q"))}),
    ("m.y.z, m.x", {"m": M(x=N(1), y=M(z=S("deep")))}),
    ("m.y", {"m": M(y=ITEM["m"]["M"]["y"])}),
    ("m.x, m.nope", {"m": M(x=N(1))}),
    ("m.y.z, a", {"m": M(y=M(z=S("deep"))), "a": N(1)}),
])
def test_nested_map_paths(ddb, table_s, expr, expected):
    assert project(ddb, table_s, expr) == expected


@pytest.mark.parametrize("expr,expected", [
    ("l[0]", {"l": L(S("l0"))}),
    ("l[3]", {"l": L(S("l3"))}),
    ("l[0], l[3]", {"l": L(S("l0"), S("l3"))}),
    ("l[3], l[0]", {"l": L(S("l0"), S("l3"))}),  # gathered in list order
    ("l[1].x", {"l": L(M(x=N(10)))}),
    ("l[2][1]", {"l": L(L(N(21)))}),
    ("l[2][0], l[2][2]", {"l": L(L(N(20), N(22)))}),
    ("l[1].y, l[2][0]", {"l": L(M(y=N(11)), L(N(20)))}),
    ("l[0], l[9]", {"l": L(S("l0"))}),
    ("m.y.w[1]", {"m": M(y=M(w=L(N(6))))}),
    ("m.y.w[0], m.x", {"m": M(x=N(1), y=M(w=L(N(5))))}),
])
def test_list_elements(ddb, table_s, expr, expected):
    assert project(ddb, table_s, expr) == expected


@pytest.mark.parametrize("expr", [
    "nothere", "l[9]", "m.nope.x", "m[0]", "l.x", "a.x", "a[0]", "l[0].x", "l[1][0]", "ss[0]",
])
def test_paths_that_match_nothing(ddb, port, table_s, expr):
    ddb.put_item(TableName=table_s, Item=ITEM)
    r = raw_call(port, "GetItem", {"TableName": table_s, "Key": KEY, "ProjectionExpression": expr,
                                   "ConsistentRead": True})
    assert r.status == 200
    # The item exists but nothing was projected.
    assert r.json() in ({"Item": {}}, {})


def test_missing_item(port, table_s):
    r = raw_call(port, "GetItem", {"TableName": table_s, "Key": KEY, "ProjectionExpression": "a"})
    assert r.status == 200
    assert r.json() == {}


@pytest.mark.parametrize("expr,names,expected", [
    ("#s", {"#s": "status"}, {"status": S("on")}),
    ("#n, #s", {"#n": "name", "#s": "status"}, {"name": S("nm"), "status": S("on")}),
    ("#d", {"#d": "a.b"}, {"a.b": S("dotted")}),
    ("#m.#y.#z", {"#m": "m", "#y": "y", "#z": "z"}, {"m": M(y=M(z=S("deep")))}),
    ("#m.x, #m.q", {"#m": "m"}, {"m": M(x=N(1), q=S("q"))}),
    ("#l[1].#x", {"#l": "l", "#x": "x"}, {"l": L(M(x=N(10)))}),
    ("#d, a", {"#d": "a.b"}, {"a.b": S("dotted"), "a": N(1)}),
])
def test_name_placeholders(ddb, table_s, expr, names, expected):
    assert project(ddb, table_s, expr, names) == expected


def test_dotted_name_is_not_a_path(ddb, table_s):
    item = dict(KEY, a=M(b=S("nested")), **{"a.b": S("flat")})
    assert project(ddb, table_s, "a.b", item=item) == {"a": M(b=S("nested"))}
    assert project(ddb, table_s, "#ab", {"#ab": "a.b"}, item=item) == {"a.b": S("flat")}


def test_projection_with_consistent_and_eventual_reads(ddb, table_s):
    ddb.put_item(TableName=table_s, Item=ITEM)
    for consistent in (True, False):
        got = ddb.get_item(TableName=table_s, Key=KEY, ProjectionExpression="a, m.x",
                           ConsistentRead=consistent)["Item"]
        assert got == {"a": N(1), "m": M(x=N(1))}


def test_projection_with_range_key_table(ddb, table_ss):
    key = {"pk": S("p"), "sk": S("s")}
    ddb.put_item(TableName=table_ss, Item=dict(key, a=N(1), b=N(2)))
    got = ddb.get_item(TableName=table_ss, Key=key, ProjectionExpression="sk, b")["Item"]
    assert got == {"sk": S("s"), "b": N(2)}


def test_projection_of_many_attributes(ddb, table_s):
    item = dict(KEY, **{"a%d" % i: N(i) for i in range(50)})
    expr = ", ".join("a%d" % i for i in range(0, 50, 2))
    got = project(ddb, table_s, expr, item=item)
    assert got == {"a%d" % i: N(i) for i in range(0, 50, 2)}


# --------------------------------------------------------------------------
# Errors


OVERLAP = ("Invalid ProjectionExpression: Two document paths overlap with each other; must "
           "remove or rewrite one of these paths; path one: %s, path two: %s")
CONFLICT = ("Invalid ProjectionExpression: Two document paths conflict with each other; must "
            "remove or rewrite one of these paths; path one: %s, path two: %s")


def projection_error(ddb, table, expr, message, names=None, prefix=None):
    args = {"TableName": table, "Key": KEY, "ProjectionExpression": expr}
    if names:
        args["ExpressionAttributeNames"] = names
    assert_error(ddb.get_item, "ValidationException", message, prefix=prefix, **args)


@pytest.mark.parametrize("expr,one,two", [
    ("a, a", "[a]", "[a]"),
    ("m, m.x", "[m]", "[m, x]"),
    ("m.x, m", "[m, x]", "[m]"),
    ("m.y.z, m.y", "[m, y, z]", "[m, y]"),
    ("l[1], l[1]", "[l, [1]]", "[l, [1]]"),
    ("l, l[0]", "[l]", "[l, [0]]"),
])
def test_overlapping_paths(ddb, table_s, expr, one, two):
    projection_error(ddb, table_s, expr, OVERLAP % (one, two))  # message unverified


def test_overlap_through_placeholder(ddb, table_s):
    projection_error(ddb, table_s, "#a, a", OVERLAP % ("[a]", "[a]"),  # message unverified
                     {"#a": "a"})


def test_conflicting_paths(ddb, table_s):
    projection_error(ddb, table_s, "l.x, l[1]",
                     CONFLICT % ("[l, x]", "[l, [1]]"))  # message unverified


@pytest.mark.parametrize("word", ["name", "status", "data"])
def test_reserved_word(ddb, table_s, word):
    projection_error(ddb, table_s, "a, %s" % word,
                     "Invalid ProjectionExpression: Attribute name is a reserved keyword; "
                     "reserved keyword: %s" % word)


def test_undefined_name(ddb, table_s):
    projection_error(ddb, table_s, "#x, #nope",
                     "Invalid ProjectionExpression: An expression attribute name used in the "
                     "document path is not defined; attribute name: #nope", {"#x": "a"})


def test_unused_name(ddb, table_s):
    projection_error(ddb, table_s, "#a", "Value provided in ExpressionAttributeNames unused in "
                     "expressions: keys: {#b}", {"#a": "a", "#b": "b"})


def test_names_without_projection(ddb, table_s):
    assert_error(ddb.get_item, "ValidationException",
                 "ExpressionAttributeNames can only be specified when using expressions",
                 TableName=table_s, Key=KEY, ExpressionAttributeNames={"#a": "a"})


def test_empty_projection(ddb, table_s):
    message = "Invalid ProjectionExpression: The expression can not be empty;"  # message unverified
    projection_error(ddb, table_s, "", message)


@pytest.mark.parametrize("expr", ["a,", ",a", "a,,b", "a b", "a.", "a[", "a[]", "a[x]", "a[-1]",
                                  "a = b"])
def test_syntax_errors(ddb, table_s, expr):
    # message unverified beyond its prefix
    projection_error(ddb, table_s, expr, None,
                     prefix="Invalid ProjectionExpression: Syntax error; token: ")


def test_projection_with_attributes_to_get(ddb, table_s):
    assert_error(ddb.get_item, "ValidationException",
                 "Can not use both expression and non-expression parameters in the same request: "
                 "Non-expression parameters: {AttributesToGet} Expression parameters: "
                 "{ProjectionExpression}",  # message unverified
                 TableName=table_s, Key=KEY, ProjectionExpression="a", AttributesToGet=["a"])


def test_projection_over_4kb(ddb, table_s):
    ddb.put_item(TableName=table_s, Item=ITEM)
    ok = "a" + " " * 4095
    got = ddb.get_item(TableName=table_s, Key=KEY, ProjectionExpression=ok)["Item"]
    assert got == {"a": N(1)}
    projection_error(ddb, table_s, ok + " ",
                     "Invalid ProjectionExpression: Expression size has exceeded the maximum "
                     "allowed size;")  # without the size, as for update expressions
