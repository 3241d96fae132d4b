"""TransactWriteItems and TransactGetItems: all-or-nothing writes over several tables,
cancellation reasons in request order (with the old item on request), one action per
item, idempotent retries with ClientRequestToken, the 100-action limit, request errors
that reject the whole transaction, ordered snapshot reads, and a bounded concurrent
transfer test whose readers must always see a constant total."""

import random
import threading
import time

import pytest
from botocore.exceptions import ClientError

from ddbvalues import L, M, N, S, canon_item, read
from conftest import assert_error, make_client, raw_call, unique_name

VE = "ValidationException"
CANCELED = "TransactionCanceledException"
NOT_FOUND = "Requested resource not found"
KEY_MISMATCH = "The provided key element does not match the schema"
MULTIPLE_OPS = "Transaction request cannot include multiple operations on one item"
CANCEL_PREFIX = "Transaction cancelled, please refer cancellation reasons for specific reasons "
CHECK_FAILED = {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}
NONE = {"Code": "None"}
MISSING_OPERAND = "The provided expression refers to an attribute that does not exist in the item"


def pk(v):
    return {"pk": S(v)}


def pksk(p, s):
    return {"pk": S(p), "sk": S(s)}


def put(table, item, **kw):
    return {"Put": dict(TableName=table, Item=item, **kw)}


def update(table, key, expr, **kw):
    return {"Update": dict(TableName=table, Key=key, UpdateExpression=expr, **kw)}


def delete(table, key, **kw):
    return {"Delete": dict(TableName=table, Key=key, **kw)}


def check(table, key, cond, **kw):
    return {"ConditionCheck": dict(TableName=table, Key=key, ConditionExpression=cond, **kw)}


def get(table, key, **kw):
    return {"Get": dict(TableName=table, Key=key, **kw)}


def cancelled(ddb, items, **kwargs):
    """Run a TransactWriteItems expected to be cancelled; returns the reasons."""
    try:
        ddb.transact_write_items(TransactItems=items, **kwargs)
    except ClientError as e:
        err = e.response["Error"]
        assert err["Code"] == CANCELED, err
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        reasons = e.response.get("CancellationReasons")
        assert reasons is not None, e.response
        codes = ", ".join(r["Code"] for r in reasons)
        assert err["Message"] == CANCEL_PREFIX + "[" + codes + "]"
        return reasons
    raise AssertionError("transaction was not cancelled")


# --------------------------------------------------------------------------
# TransactWriteItems: success


def test_all_action_kinds_over_tables(ddb, make_table):
    a = make_table()
    b = make_table(range_key=("sk", "S"))
    ddb.put_item(TableName=a, Item=dict(pk("checked"), state=S("open")))
    ddb.put_item(TableName=a, Item=dict(pk("old"), v=N(1)))
    ddb.put_item(TableName=b, Item=dict(pksk("p", "s"), v=N(10), tags={"SS": ["x"]}))
    resp = ddb.transact_write_items(TransactItems=[
        check(a, pk("checked"), "#st = :open", ExpressionAttributeNames={"#st": "state"},
              ExpressionAttributeValues={":open": S("open")}),
        put(b, dict(pksk("p", "new"), m=M(x=L(N(1))))),
        update(b, pksk("p", "s"), "SET #v = #v + :one ADD #t :y",
               ExpressionAttributeNames={"#v": "v", "#t": "tags"},
               ExpressionAttributeValues={":one": N(1), ":y": {"SS": ["y"]}}),
        delete(a, pk("old"), ConditionExpression="attribute_exists(#v)",
               ExpressionAttributeNames={"#v": "v"}),
        put(a, dict(pk("new"), v=S("fresh")), ConditionExpression="attribute_not_exists(pk)"),
    ])
    assert "CancellationReasons" not in resp
    assert read(ddb, a, pk("checked")) == dict(pk("checked"), state=S("open"))
    assert read(ddb, a, pk("old")) is None
    assert read(ddb, a, pk("new")) == dict(pk("new"), v=S("fresh"))
    assert read(ddb, b, pksk("p", "new")) == dict(pksk("p", "new"), m=M(x=L(N(1))))
    assert canon_item(read(ddb, b, pksk("p", "s"))) == canon_item(
        dict(pksk("p", "s"), v=N(11), tags={"SS": ["x", "y"]}))


def test_write_response_shape(port, table_s):
    resp = raw_call(port, "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": table_s, "Item": {"pk": {"S": "a"}}}}]})
    assert resp.status == 200
    assert resp.json() == {}


def test_update_creates_missing_item(ddb, table_s):
    ddb.transact_write_items(TransactItems=[
        update(table_s, pk("u"), "SET #a = :v", ExpressionAttributeNames={"#a": "a"},
               ExpressionAttributeValues={":v": N(5)})])
    assert read(ddb, table_s, pk("u")) == dict(pk("u"), a=N(5))


def test_100_actions(ddb, make_table):
    a = make_table()
    b = make_table(range_key=("sk", "S"))
    items = [put(a, dict(pk("a%02d" % i), n=N(i))) for i in range(50)]
    items += [put(b, dict(pksk("p", "b%02d" % i), n=N(i))) for i in range(49)]
    items.append(check(a, pk("none"), "attribute_not_exists(pk)"))
    ddb.transact_write_items(TransactItems=items)
    assert len(ddb.scan(TableName=a, ConsistentRead=True)["Items"]) == 50
    assert len(ddb.scan(TableName=b, ConsistentRead=True)["Items"]) == 49


def test_101_actions(ddb, table_s):
    items = [put(table_s, pk("i%03d" % i)) for i in range(101)]
    msg = assert_error(ddb.transact_write_items, VE,
                       prefix="1 validation error detected: Value '[", TransactItems=items)
    # The members' rendering between the brackets is not asserted.
    assert msg.endswith("]' at 'transactItems' failed to satisfy constraint: Member must have "
                        "length less than or equal to 100"), msg
    assert ddb.scan(TableName=table_s, ConsistentRead=True)["Items"] == []


def test_empty_transact_items(ddb):
    assert_error(ddb.transact_write_items, VE,
                 # message unverified
                 "1 validation error detected: Value '[]' at 'transactItems' failed to satisfy "
                 "constraint: Member must have length greater than or equal to 1",
                 TransactItems=[])


# --------------------------------------------------------------------------
# TransactWriteItems: cancellation


@pytest.fixture
def two_tables(ddb, make_table):
    a = make_table()
    b = make_table(range_key=("sk", "S"))
    ddb.put_item(TableName=a, Item=dict(pk("x"), v=N(1)))
    ddb.put_item(TableName=a, Item=dict(pk("y"), v=N(2)))
    ddb.put_item(TableName=b, Item=dict(pksk("p", "s"), v=N(3)))
    return a, b


def untouched(ddb, a, b):
    assert read(ddb, a, pk("x")) == dict(pk("x"), v=N(1))
    assert read(ddb, a, pk("y")) == dict(pk("y"), v=N(2))
    assert read(ddb, a, pk("new")) is None
    assert read(ddb, b, pksk("p", "s")) == dict(pksk("p", "s"), v=N(3))
    assert read(ddb, b, pksk("p", "new")) is None


NAMES = {"#v": "v"}


def failing_action(kind, a, b):
    """An action on b's item (p, s) whose condition (v = 99) is false."""
    cond = dict(ConditionExpression="#v = :no", ExpressionAttributeNames=NAMES,
                ExpressionAttributeValues={":no": N(99)})
    if kind == "ConditionCheck":
        return check(b, pksk("p", "s"), cond.pop("ConditionExpression"), **cond)
    if kind == "Put":
        return put(b, dict(pksk("p", "s"), v=N(100)), **cond)
    if kind == "Update":
        vals = dict(cond.pop("ExpressionAttributeValues"), **{":w": N(100)})
        return update(b, pksk("p", "s"), "SET #v = :w", ExpressionAttributeValues=vals, **cond)
    return delete(b, pksk("p", "s"), **cond)


@pytest.mark.parametrize("kind", ["ConditionCheck", "Put", "Update", "Delete"])
def test_failed_condition_cancels_everything(ddb, two_tables, kind):
    a, b = two_tables
    reasons = cancelled(ddb, [
        put(a, dict(pk("new"), v=N(0))),
        failing_action(kind, a, b),
        update(a, pk("x"), "SET #v = :w", ExpressionAttributeNames=NAMES,
               ExpressionAttributeValues={":w": N(50)}),
        delete(a, pk("y")),
    ])
    assert reasons == [NONE, CHECK_FAILED, NONE, NONE]
    untouched(ddb, a, b)


def test_cancellation_message_lists_every_action(ddb, two_tables):
    a, b = two_tables
    try:
        ddb.transact_write_items(TransactItems=[
            put(a, dict(pk("new"), v=N(0))),
            check(a, pk("x"), "attribute_not_exists(#v)", ExpressionAttributeNames=NAMES),
            put(b, dict(pksk("p", "new"))),
        ])
    except ClientError as e:
        assert e.response["Error"]["Code"] == CANCELED
        assert e.response["Error"]["Message"] == (
            "Transaction cancelled, please refer cancellation reasons for specific reasons "
            "[None, ConditionalCheckFailed, None]")
        assert e.response["CancellationReasons"] == [NONE, CHECK_FAILED, NONE]
    else:
        raise AssertionError("transaction was not cancelled")
    untouched(ddb, a, b)


def test_condition_on_missing_item(ddb, two_tables):
    a, b = two_tables
    reasons = cancelled(ddb, [
        check(a, pk("absent"), "attribute_exists(pk)"),
        put(a, dict(pk("new"), v=N(0))),
    ])
    assert reasons == [CHECK_FAILED, NONE]
    untouched(ddb, a, b)


def test_several_failed_conditions(ddb, two_tables):
    a, b = two_tables
    reasons = cancelled(ddb, [
        check(a, pk("x"), "attribute_not_exists(pk)"),
        put(a, dict(pk("new"), v=N(0))),
        check(b, pksk("p", "s"), "attribute_not_exists(pk)"),
    ])
    # Whether evaluation stops at the first failure is not documented: every
    # reason is either None or the failure, and the first failure is reported.
    assert len(reasons) == 3
    assert reasons[0] == CHECK_FAILED
    assert reasons[1] == NONE
    assert reasons[2] in (NONE, CHECK_FAILED)
    untouched(ddb, a, b)


def test_return_old_item_on_failure(ddb, two_tables):
    a, b = two_tables
    reasons = cancelled(ddb, [
        put(a, dict(pk("new"), v=N(0)), ReturnValuesOnConditionCheckFailure="ALL_OLD"),
        update(b, pksk("p", "s"), "SET #v = :w", ConditionExpression="#v > :big",
               ExpressionAttributeNames=NAMES,
               ExpressionAttributeValues={":w": N(0), ":big": N(10)},
               ReturnValuesOnConditionCheckFailure="ALL_OLD"),
        check(a, pk("x"), "#v = :one", ExpressionAttributeNames=NAMES,
              ExpressionAttributeValues={":one": N(1)}),
    ])
    assert reasons == [NONE, dict(CHECK_FAILED, Item=dict(pksk("p", "s"), v=N(3))), NONE]
    untouched(ddb, a, b)


def test_return_old_item_on_failure_without_item(ddb, two_tables):
    a, b = two_tables
    reasons = cancelled(ddb, [
        check(a, pk("absent"), "attribute_exists(pk)",
              ReturnValuesOnConditionCheckFailure="ALL_OLD"),
    ])
    assert reasons == [CHECK_FAILED]


def test_return_old_item_none(ddb, two_tables):
    a, b = two_tables
    reasons = cancelled(ddb, [
        delete(a, pk("x"), ConditionExpression="attribute_not_exists(pk)",
               ReturnValuesOnConditionCheckFailure="NONE"),
    ])
    assert reasons == [CHECK_FAILED]
    untouched(ddb, a, b)


def test_update_evaluation_error_is_a_cancellation_reason(ddb, two_tables):
    # An error that depends on the stored item (here: an operand missing from
    # it) cancels the transaction with a ValidationError reason for the action.
    a, b = two_tables
    reasons = cancelled(ddb, [
        put(a, dict(pk("new"), v=N(0))),
        update(b, pksk("p", "s"), "SET #v = #nope + :one",
               ExpressionAttributeNames={"#v": "v", "#nope": "nope"},
               ExpressionAttributeValues={":one": N(1)}),
    ])
    assert reasons == [NONE, {"Code": "ValidationError", "Message": MISSING_OPERAND}]
    untouched(ddb, a, b)


def test_update_operand_type_error_is_a_cancellation_reason(ddb, two_tables):
    a, b = two_tables
    ddb.put_item(TableName=a, Item=dict(pk("str"), v=S("text")))
    reasons = cancelled(ddb, [
        update(a, pk("str"), "ADD #v :one", ExpressionAttributeNames=NAMES,
               ExpressionAttributeValues={":one": N(1)}),
        put(a, dict(pk("new"), v=N(0))),
    ])
    assert reasons == [{"Code": "ValidationError",
                        "Message": "An operand in the update expression has an incorrect data "
                                   "type"},  # message unverified
                       NONE]
    assert read(ddb, a, pk("str")) == dict(pk("str"), v=S("text"))
    untouched(ddb, a, b)


def test_update_syntax_error_rejects_request(ddb, two_tables):
    # An error found without looking at any item rejects the whole request.
    a, b = two_tables
    assert_error(ddb.transact_write_items, VE,
                 'Invalid UpdateExpression: Syntax error; token: ":", near: "hits : incr"',
                 # message unverified (verified on UpdateItem)
                 TransactItems=[put(a, dict(pk("new"), v=N(0))),
                                update(b, pksk("p", "s"), "ADD hits : incr",
                                       ExpressionAttributeValues={":incr": N(1)})])
    untouched(ddb, a, b)


def test_update_without_update_expression(ddb, two_tables):
    a, b = two_tables
    assert_error(ddb.transact_write_items, VE,
                 "1 validation error detected: Value null at "
                 "'transactItems.2.member.update.updateExpression' failed to satisfy constraint: "
                 "Member must not be null",
                 TransactItems=[put(a, dict(pk("new"), v=N(0))),
                                {"Update": {"TableName": b, "Key": pksk("p", "s")}}])
    untouched(ddb, a, b)


@pytest.mark.parametrize("actions", [(), ("Put", "Delete")])
def test_element_with_zero_or_two_actions(ddb, two_tables, actions):
    a, b = two_tables
    element = {}
    if actions:
        element = {"Put": {"TableName": a, "Item": pk("z")},
                   "Delete": {"TableName": a, "Key": pk("y")}}
    assert_error(ddb.transact_write_items, VE,  # message unverified
                 TransactItems=[put(a, dict(pk("new"), v=N(0))), element])
    untouched(ddb, a, b)


# --------------------------------------------------------------------------
# TransactWriteItems: request errors


@pytest.mark.parametrize("first,second", [
    (lambda t: put(t, dict(pk("x"), v=N(5))), lambda t: update(
        t, pk("x"), "SET #v = :w", ExpressionAttributeNames=NAMES,
        ExpressionAttributeValues={":w": N(6)})),
    (lambda t: check(t, pk("x"), "attribute_exists(pk)"), lambda t: delete(t, pk("x"))),
    (lambda t: delete(t, pk("y")), lambda t: delete(t, pk("y"))),
    (lambda t: put(t, pk("new")), lambda t: put(t, pk("new"))),
])
def test_two_actions_on_one_item(ddb, two_tables, first, second):
    a, b = two_tables
    assert_error(ddb.transact_write_items, VE, MULTIPLE_OPS,
                 TransactItems=[first(a), put(b, pksk("p", "new")), second(a)])
    untouched(ddb, a, b)


def test_two_actions_on_one_item_range_table(ddb, two_tables):
    a, b = two_tables
    assert_error(ddb.transact_write_items, VE, MULTIPLE_OPS,
                 TransactItems=[put(b, pksk("p", "s")), delete(b, pksk("p", "s"))])
    untouched(ddb, a, b)
    # Same partition key, other sort key: different items.
    ddb.transact_write_items(TransactItems=[put(b, pksk("p", "new")),
                                            delete(b, pksk("p", "s"))])
    assert read(ddb, b, pksk("p", "new")) == pksk("p", "new")
    assert read(ddb, b, pksk("p", "s")) is None


def test_same_key_in_two_tables(ddb, make_table):
    a = make_table()
    b = make_table()
    ddb.transact_write_items(TransactItems=[put(a, dict(pk("k"), t=S("a"))),
                                            put(b, dict(pk("k"), t=S("b")))])
    assert read(ddb, a, pk("k")) == dict(pk("k"), t=S("a"))
    assert read(ddb, b, pk("k")) == dict(pk("k"), t=S("b"))


def test_missing_table(ddb, two_tables):
    a, b = two_tables
    assert_error(ddb.transact_write_items, "ResourceNotFoundException", NOT_FOUND,
                 TransactItems=[put(a, dict(pk("new"), v=N(0))),
                                put(unique_name(), pk("x"))])
    untouched(ddb, a, b)


@pytest.mark.parametrize("key", [N(1), {"SS": ["a"]}])
def test_put_key_type_mismatch_cancels(ddb, two_tables, key):
    # A key value of the wrong type is found while the transaction runs: it
    # cancels with a ValidationError reason rather than rejecting the request.
    a, b = two_tables
    reasons = cancelled(ddb, [put(a, dict(pk("new"), v=N(0))), put(a, {"pk": key})])
    assert reasons[0] == NONE
    assert reasons[1]["Code"] == "ValidationError"  # message unverified
    untouched(ddb, a, b)


def test_put_empty_string_key_rejects_request(ddb, two_tables):
    # An empty key value is found by the request's own validation.
    a, b = two_tables
    assert_error(ddb.transact_write_items, VE,
                 "One or more parameter values are not valid. The AttributeValue for a key "
                 "attribute cannot contain an empty string value. Key: pk",  # message unverified
                 TransactItems=[put(b, dict(pksk("p", "new"))), put(a, pk(""))])
    untouched(ddb, a, b)


@pytest.mark.parametrize("action", [
    lambda b: delete(b, pk("p")),
    lambda b: check(b, dict(pksk("p", "s"), x=S("extra")), "attribute_exists(pk)"),
    lambda b: update(b, {"pk": S("p"), "sk": N(1)}, "SET #v = :w",
                     ExpressionAttributeNames=NAMES, ExpressionAttributeValues={":w": N(0)}),
])
def test_key_not_matching_schema(ddb, two_tables, action):
    # Whether a Key argument that does not fit the schema rejects the request
    # or cancels the transaction is not established; either way nothing is
    # written and the schema message is given.
    a, b = two_tables
    try:
        ddb.transact_write_items(TransactItems=[put(a, dict(pk("new"), v=N(0))), action(b)])
    except ClientError as e:
        err = e.response["Error"]
        if err["Code"] == CANCELED:
            assert e.response["CancellationReasons"] == [
                NONE, {"Code": "ValidationError", "Message": KEY_MISMATCH}]  # message unverified
        else:
            assert err["Code"] == VE
            assert err["Message"] == KEY_MISMATCH  # message unverified
    else:
        raise AssertionError("transaction accepted")
    untouched(ddb, a, b)


def test_put_missing_key(ddb, two_tables):
    a, b = two_tables
    assert_error(ddb.transact_write_items, VE,
                 "One or more parameter values were invalid: Missing the key sk in the item",
                 # message unverified (PutItem's)
                 TransactItems=[put(a, dict(pk("new"), v=N(0))), put(b, pk("p"))])
    untouched(ddb, a, b)


# --------------------------------------------------------------------------
# TransactWriteItems: ClientRequestToken


def increment(table, key):
    return update(table, key, "ADD #c :one", ExpressionAttributeNames={"#c": "counter"},
                  ExpressionAttributeValues={":one": N(1)})


def test_idempotent_retry(ddb, make_table):
    a = make_table()
    b = make_table()
    token = "tok-" + unique_name()
    items = [increment(a, pk("c")), increment(b, pk("c"))]
    ddb.transact_write_items(TransactItems=items, ClientRequestToken=token)
    ddb.transact_write_items(TransactItems=items, ClientRequestToken=token)
    assert read(ddb, a, pk("c")) == dict(pk("c"), counter=N(1))
    assert read(ddb, b, pk("c")) == dict(pk("c"), counter=N(1))
    # Another token is another transaction.
    ddb.transact_write_items(TransactItems=items, ClientRequestToken=token + "-2")
    assert read(ddb, a, pk("c")) == dict(pk("c"), counter=N(2))


def test_token_reused_with_other_request(ddb, table_s):
    token = "tok-" + unique_name()
    ddb.transact_write_items(TransactItems=[increment(table_s, pk("c"))],
                             ClientRequestToken=token)
    # message unverified
    assert_error(ddb.transact_write_items, "IdempotentParameterMismatchException",
                 TransactItems=[increment(table_s, pk("other"))], ClientRequestToken=token)
    assert read(ddb, table_s, pk("c")) == dict(pk("c"), counter=N(1))
    assert read(ddb, table_s, pk("other")) is None


def test_without_token_every_call_applies(ddb, table_s):
    items = [increment(table_s, pk("c"))]
    ddb.transact_write_items(TransactItems=items)
    ddb.transact_write_items(TransactItems=items)
    assert read(ddb, table_s, pk("c")) == dict(pk("c"), counter=N(2))


# --------------------------------------------------------------------------
# TransactGetItems


@pytest.fixture
def filled(ddb, make_table):
    a = make_table()
    b = make_table(range_key=("sk", "S"))
    for i in range(60):
        ddb.put_item(TableName=a, Item=dict(pk("a%02d" % i), n=N(i), name=S("n%d" % i),
                                            m=M(x=N(i), y=S("y"))))
    for i in range(50):
        ddb.put_item(TableName=b, Item=dict(pksk("p", "b%02d" % i), n=N(i)))
    return a, b


def test_get_in_request_order(ddb, filled):
    a, b = filled
    resp = ddb.transact_get_items(TransactItems=[
        get(b, pksk("p", "b07")),
        get(a, pk("a03")),
        get(a, pk("missing")),
        get(a, pk("a01"), ProjectionExpression="#n, m.x", ExpressionAttributeNames={"#n": "name"}),
        get(b, pksk("q", "b07")),
        get(b, pksk("p", "b01"), ProjectionExpression="sk"),
    ])
    assert resp["Responses"] == [
        {"Item": dict(pksk("p", "b07"), n=N(7))},
        {"Item": dict(pk("a03"), n=N(3), name=S("n3"), m=M(x=N(3), y=S("y")))},
        {},
        {"Item": {"name": S("n1"), "m": M(x=N(1))}},
        {},
        {"Item": {"sk": S("b01")}},
    ]


def test_get_response_shape(port, filled):
    a, b = filled
    resp = raw_call(port, "TransactGetItems", {"TransactItems": [
        {"Get": {"TableName": a, "Key": {"pk": {"S": "a05"}}, "ProjectionExpression": "pk"}},
        {"Get": {"TableName": a, "Key": {"pk": {"S": "none"}}}},
    ]})
    assert resp.status == 200
    assert resp.json() == {"Responses": [{"Item": {"pk": {"S": "a05"}}}, {}]}


def test_get_100(ddb, filled):
    a, b = filled
    items = [get(a, pk("a%02d" % i), ProjectionExpression="n") for i in range(60)]
    items += [get(b, pksk("p", "b%02d" % i), ProjectionExpression="n") for i in range(40)]
    resp = ddb.transact_get_items(TransactItems=items)
    assert [int(r["Item"]["n"]["N"]) for r in resp["Responses"]] == (
        list(range(60)) + list(range(40)))


def test_get_101(ddb, filled):
    a, b = filled
    items = [get(a, pk("a%02d" % i)) for i in range(60)]
    items += [get(b, pksk("p", "b%02d" % i)) for i in range(41)]
    msg = assert_error(ddb.transact_get_items, VE,
                       prefix="1 validation error detected: Value '[", TransactItems=items)
    assert msg.endswith("]' at 'transactItems' failed to satisfy constraint: Member must have "
                        "length less than or equal to 100"), msg


def test_get_empty(ddb):
    assert_error(ddb.transact_get_items, VE,
                 # message unverified
                 "1 validation error detected: Value '[]' at 'transactItems' failed to satisfy "
                 "constraint: Member must have length greater than or equal to 1",
                 TransactItems=[])


def test_get_same_item_twice(ddb, filled):
    # The API reference does not say; a read transaction is held to the same
    # one-action-per-item rule as a write transaction.
    a, b = filled
    assert_error(ddb.transact_get_items, VE,
                 MULTIPLE_OPS,  # message unverified (for TransactGetItems)
                 TransactItems=[get(a, pk("a01")), get(b, pksk("p", "b01")),
                                get(a, pk("a01"), ProjectionExpression="n")])


def test_get_missing_table(ddb, filled):
    a, b = filled
    assert_error(ddb.transact_get_items, "ResourceNotFoundException",
                 NOT_FOUND,  # message unverified (for TransactGetItems)
                 TransactItems=[get(a, pk("a01")), get(unique_name(), pk("a01"))])


def test_get_key_not_matching_schema(ddb, filled):
    a, b = filled
    assert_error(ddb.transact_get_items, VE,
                 KEY_MISMATCH,  # message unverified (verified on GetItem)
                 TransactItems=[get(a, pk("a01")), get(b, pk("p"))])


# --------------------------------------------------------------------------
# Concurrency: transfers between accounts, snapshot reads


ACCOUNTS = 20
START = 100
DURATION = 2.0


def conflict(e):
    reasons = e.response.get("CancellationReasons") or []
    return any(r.get("Code") == "TransactionConflict" for r in reasons)


def test_concurrent_transfers_keep_the_total(ddb, server, table_s):
    names = {"#b": "balance"}
    for i in range(ACCOUNTS):
        ddb.put_item(TableName=table_s, Item=dict(pk("acct%02d" % i), balance=N(START)))
    total = ACCOUNTS * START
    stop = time.monotonic() + DURATION
    errors = []
    stats = {"transfers": 0, "refused": 0, "conflicts": 0, "snapshots": 0}
    lock = threading.Lock()

    def count(k):
        with lock:
            stats[k] += 1

    def writer(seed):
        client = make_client(server.endpoint)
        rnd = random.Random(seed)
        try:
            while time.monotonic() < stop:
                src, dst = rnd.sample(range(ACCOUNTS), 2)
                amt = N(rnd.randint(1, 60))
                items = [
                    update(table_s, pk("acct%02d" % src), "SET #b = #b - :amt",
                           ConditionExpression="#b >= :amt", ExpressionAttributeNames=names,
                           ExpressionAttributeValues={":amt": amt}),
                    update(table_s, pk("acct%02d" % dst), "SET #b = #b + :amt",
                           ExpressionAttributeNames=names,
                           ExpressionAttributeValues={":amt": amt}),
                ]
                try:
                    client.transact_write_items(TransactItems=items)
                    count("transfers")
                except ClientError as e:
                    if e.response["Error"]["Code"] != CANCELED:
                        raise
                    if conflict(e):
                        count("conflicts")
                        continue
                    assert e.response["CancellationReasons"] == [CHECK_FAILED, NONE], e.response
                    count("refused")
        except Exception as e:  # reported by the main thread
            errors.append(e)

    def reader():
        client = make_client(server.endpoint)
        gets = [get(table_s, pk("acct%02d" % i)) for i in range(ACCOUNTS)]
        try:
            while time.monotonic() < stop:
                try:
                    resp = client.transact_get_items(TransactItems=gets)
                except ClientError as e:
                    if e.response["Error"]["Code"] == CANCELED and conflict(e):
                        count("conflicts")
                        continue
                    raise
                balances = [int(r["Item"]["balance"]["N"]) for r in resp["Responses"]]
                assert sum(balances) == total, balances
                assert min(balances) >= 0, balances
                count("snapshots")
        except Exception as e:  # reported by the main thread
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(s,)) for s in (1, 2)]
    threads += [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=DURATION + 30)
    assert not any(t.is_alive() for t in threads), "a worker thread hung"
    if errors:
        raise errors[0]
    assert stats["transfers"] > 0 and stats["snapshots"] > 0, stats
    items = ddb.scan(TableName=table_s, ConsistentRead=True)["Items"]
    balances = [int(i["balance"]["N"]) for i in items]
    assert len(balances) == ACCOUNTS
    assert sum(balances) == total, stats
    assert min(balances) >= 0


def test_aggregate_size_over_4mb_rejected(ddb, two_tables):
    # Eleven items of ~390 KB: each is allowed, together they pass 4 MB.
    a, b = two_tables
    big = "x" * (390 * 1024)
    items = [put(a, dict(pk("big%d" % i), blob=S(big))) for i in range(11)]
    assert_error(ddb.transact_write_items, VE,
                 "Transaction request cannot be larger than 4 MB",  # message unverified
                 TransactItems=items)
    assert read(ddb, a, pk("big0")) is None
    ddb.transact_write_items(TransactItems=items[:10])  # ~3.8 MB is fine
    assert read(ddb, a, pk("big9"))["blob"] == S(big)
