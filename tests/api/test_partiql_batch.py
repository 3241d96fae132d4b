"""PartiQL through BatchExecuteStatement (per-statement results and errors,
reads and writes not mixed) and ExecuteTransaction (all or nothing, like
TransactGetItems / TransactWriteItems, ClientRequestToken, cancellation
reasons), with the service's texts (spec/partiql.md)."""
import uuid

import pytest

from conftest import assert_error, client_error, raw_call

SYNTAX = "Statement wasn't well formed, can't be processed: "
SELECT_KEY = ("Select statements within BatchExecuteStatement must specify the primary key in "
              "the where clause.")
TX_SELECT_KEY = ("Select statements within ExecuteTransaction must specify the primary key in "
                 "the where clause.")


def bes(ddb, *statements, **kw):
    """BatchExecuteStatement; a statement is a text or (text, params) or a dict."""
    members = []
    for s in statements:
        if isinstance(s, dict):
            members.append(s)
        elif isinstance(s, tuple):
            members.append({"Statement": s[0], "Parameters": s[1]})
        else:
            members.append({"Statement": s})
    return ddb.batch_execute_statement(Statements=members, **kw)


def tx_members(statements):
    members = []
    for s in statements:
        if isinstance(s, dict):
            members.append(s)
        elif isinstance(s, tuple):
            members.append({"Statement": s[0], "Parameters": s[1]})
        else:
            members.append({"Statement": s})
    return members


def et(ddb, *statements, **kw):
    return ddb.execute_transaction(TransactStatements=tx_members(statements), **kw)


def et_error(ddb, code, message, *statements, **kw):
    return assert_error(ddb.execute_transaction, code, message,
                        TransactStatements=tx_members(statements), **kw)


def key(p, s=None):
    k = {"pk": {"S": p}}
    if s is not None:
        k["sk"] = {"N": str(s)}
    return k


def get(ddb, table, k):
    return ddb.get_item(TableName=table, Key=k, ConsistentRead=True).get("Item")


@pytest.fixture
def data(ddb, make_table):
    """A hash+range table, partitions a and b, sort keys 0..2."""
    t = make_table(range_key=("sk", "N"))
    for p in ("a", "b"):
        for s in range(3):
            ddb.put_item(TableName=t, Item={"pk": {"S": p}, "sk": {"N": str(s)},
                                            "v": {"N": str(s * 10)}, "tag": {"S": p + str(s)}})
    return t


# --- BatchExecuteStatement: reads ---------------------------------------------------------

def test_batch_reads_agree_with_get_item_in_request_order(ddb, data):
    out = bes(ddb,
              'SELECT * FROM "%s" WHERE pk = \'b\' AND sk = 2' % data,
              ('SELECT v, tag FROM "%s" WHERE sk = ? AND pk = ?' % data,
               [{"N": "0"}, {"S": "a"}]),
              'SELECT * FROM "%s" WHERE pk = \'z\' AND sk = 1' % data,
              'select tag from "%s" where 1 = sk and \'a\' = pk' % data)
    r = out["Responses"]
    assert len(r) == 4
    assert r[0] == {"TableName": data, "Item": get(ddb, data, key("b", 2))}
    want = get(ddb, data, key("a", 0))
    assert r[1] == {"TableName": data, "Item": {"v": want["v"], "tag": want["tag"]}}
    assert r[2] == {"TableName": data}  # no such item: no Item member
    assert r[3] == {"TableName": data, "Item": {"tag": {"S": "a1"}}}
    assert "ConsumedCapacity" not in out


def test_batch_read_consistent_and_capacity(ddb, data, make_table):
    other = make_table()
    ddb.put_item(TableName=other, Item={"pk": {"S": "x"}})
    out = bes(ddb,
              {"Statement": 'SELECT * FROM "%s" WHERE pk = \'a\' AND sk = 1' % data,
               "ConsistentRead": True},
              'SELECT * FROM "%s" WHERE pk = \'b\' AND sk = 1' % data,
              'SELECT * FROM "%s" WHERE pk = \'x\'' % other,
              ReturnConsumedCapacity="TOTAL")
    assert [bool(r.get("Item")) for r in out["Responses"]] == [True, True, True]
    cap = {c["TableName"]: c["CapacityUnits"] for c in out["ConsumedCapacity"]}
    # a consistent read of a small item is 1 unit, an eventual one 0.5
    assert cap == {data: 1.5, other: 0.5}


def test_batch_select_must_name_the_whole_key(ddb, data, make_table):
    indexed = make_table(
        extra_attributes=[("tag", "S")],
        GlobalSecondaryIndexes=[{"IndexName": "gix", "KeySchema": [
            {"AttributeName": "tag", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"}}])
    out = bes(ddb,
              'SELECT * FROM "%s" WHERE pk = \'a\'' % data,             # partition only
              'SELECT * FROM "%s"' % data,                              # no WHERE
              'SELECT * FROM "%s" WHERE tag = \'a1\'' % data,           # not a key
              'SELECT * FROM "%s" WHERE pk = \'a\' AND sk > 1' % data,  # a range
              'SELECT * FROM "%s" WHERE pk = \'a\' AND sk = 1 AND v = 10' % data,  # a filter
              'SELECT * FROM "%s"."gix" WHERE tag = \'a1\'' % indexed,    # an index
              'SELECT * FROM "%s" WHERE pk = \'a\' AND sk = 1' % data)
    r = out["Responses"]
    for slot in r[:6]:
        assert slot == {"Error": {"Code": "ValidationError", "Message": SELECT_KEY}}
    assert r[6]["Item"]["tag"] == {"S": "a1"}


def test_batch_statement_errors_do_not_fail_the_batch(ddb, data):
    missing = "nosuch-" + uuid.uuid4().hex[:8]
    out = bes(ddb,
              'SELECT * FROM "%s" WHERE pk = \'a\' AND sk = 1' % missing,
              'SELECT * FROM "%s" WHERE' % data,
              ('SELECT * FROM "%s" WHERE pk = ? AND sk = ?' % data, [{"S": "a"}]),
              'SELECT * FROM "%s" WHERE pk = 1 AND sk = 1' % data,
              'SELECT * FROM "%s" WHERE pk = \'b\' AND sk = 0' % data)
    r = out["Responses"]
    assert r[0] == {"Error": {"Code": "ResourceNotFound",
                              "Message": "Requested resource not found"}}
    assert r[1] == {"Error": {"Code": "ValidationError", "Message": SYNTAX + "Unexpected term"}}
    assert r[2] == {"Error": {"Code": "ValidationError",
                              "Message": "Number of parameters in request and statement don't "
                                         "match."}}
    assert r[3] == {"Error": {"Code": "ValidationError",
                              "Message": "Key attribute's data type should match its data type "
                                         "in table's schema: Key pk"}}
    assert r[4] == {"TableName": data, "Item": get(ddb, data, key("b", 0))}


# --- BatchExecuteStatement: writes ----------------------------------------------------------

def test_batch_writes_each_statement_form(ddb, data):
    out = bes(ddb,
              "INSERT INTO \"%s\" VALUE {'pk': 'n', 'sk': 1, 'x': <<'p', 'q'>>}" % data,
              ('INSERT INTO "%s" VALUE {\'pk\': ?, \'sk\': ?, \'x\': [1, ?]}' % data,
               [{"S": "n"}, {"N": "2"}, {"BOOL": True}]),
              "UPDATE \"%s\" SET v = v + 5 SET w = 'new' REMOVE tag WHERE pk = 'a' AND sk = 1"
              % data,
              'DELETE FROM "%s" WHERE pk = \'b\' AND sk = 2' % data,
              'DELETE FROM "%s" WHERE pk = \'zz\' AND sk = 2' % data)
    assert out["Responses"] == [{"TableName": data}] * 5
    assert get(ddb, data, key("n", 1)) == {"pk": {"S": "n"}, "sk": {"N": "1"},
                                           "x": {"SS": ["p", "q"]}}
    assert get(ddb, data, key("n", 2))["x"] == {"L": [{"N": "1"}, {"BOOL": True}]}
    assert get(ddb, data, key("a", 1)) == {"pk": {"S": "a"}, "sk": {"N": "1"},
                                           "v": {"N": "15"}, "w": {"S": "new"}}
    assert get(ddb, data, key("b", 2)) is None


def test_batch_update_returning_gives_the_item(ddb, data):
    out = bes(ddb,
              "UPDATE \"%s\" SET v = 99 WHERE pk = 'a' AND sk = 2 RETURNING MODIFIED OLD *" % data,
              "DELETE FROM \"%s\" WHERE pk = 'a' AND sk = 0 RETURNING ALL OLD *" % data)
    r = out["Responses"]
    assert r[0] == {"TableName": data, "Item": {"v": {"N": "20"}}}
    assert r[1] == {"TableName": data, "Item": {"pk": {"S": "a"}, "sk": {"N": "0"},
                                                 "v": {"N": "0"}, "tag": {"S": "a0"}}}


def test_batch_write_failures_are_per_statement(ddb, data):
    out = bes(ddb,
              "INSERT INTO \"%s\" VALUE {'pk': 'a', 'sk': 0, 'v': 1}" % data,   # exists
              "UPDATE \"%s\" SET v = 1 WHERE pk = 'q' AND sk = 0" % data,       # no item
              "UPDATE \"%s\" SET v = 7 WHERE pk = 'a' AND sk = 1 AND v = 999" % data,
              "DELETE FROM \"%s\" WHERE pk = 'a' AND sk = 2 AND v = 1" % data,
              "UPDATE \"%s\" SET v = 5 WHERE pk = 'b' AND sk = 0" % data,       # succeeds
              "DELETE FROM \"%s\" WHERE pk = 'b'" % data,                        # no full key
              "INSERT INTO \"%s\" VALUE {'pk': 'c'}" % data)                    # no sort key
    r = out["Responses"]
    ccf = {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}
    assert r[0] == {"Error": {"Code": "DuplicateItem",
                              "Message": "Duplicate primary key exists in table"},
                    "TableName": data}
    assert r[1] == {"Error": ccf, "TableName": data}
    assert r[2] == {"Error": ccf, "TableName": data}
    assert r[3] == {"Error": ccf, "TableName": data}
    assert r[4] == {"TableName": data}
    assert r[5] == {"Error": {"Code": "ValidationError",
                              "Message": "Where clause does not contain a mandatory equality "
                                         "on all key attributes"}}
    assert r[6] == {"Error": {"Code": "ValidationError",
                              "Message": "Key attribute should be present in the item: Key sk"}}
    # the failures wrote nothing, the success did
    assert get(ddb, data, key("a", 0))["v"] == {"N": "0"}
    assert get(ddb, data, key("q", 0)) is None
    assert get(ddb, data, key("a", 1))["v"] == {"N": "10"}
    assert get(ddb, data, key("a", 2))["v"] == {"N": "20"}
    assert get(ddb, data, key("b", 0))["v"] == {"N": "5"}
    assert get(ddb, data, key("c", 0)) is None


def test_batch_write_capacity(ddb, data):
    out = bes(ddb, "UPDATE \"%s\" SET v = 1 WHERE pk = 'a' AND sk = 0" % data,
              "DELETE FROM \"%s\" WHERE pk = 'a' AND sk = 1" % data,
              ReturnConsumedCapacity="TOTAL")
    assert out["ConsumedCapacity"] == [{"TableName": data, "CapacityUnits": 2.0,
                                        "WriteCapacityUnits": 2.0}]


def test_batch_refuses_mixed_reads_and_writes(ddb, data):
    for statements in (
            ('SELECT * FROM "%s" WHERE pk = \'a\' AND sk = 0' % data,
             "DELETE FROM \"%s\" WHERE pk = 'a' AND sk = 0" % data),
            ("INSERT INTO \"%s\" VALUE {'pk': 'm', 'sk': 1}" % data,
             'SELECT * FROM "%s" WHERE pk = \'a\' AND sk = 0' % data)):
        code, msg, _ = client_error(bes, ddb, *statements)
        assert (code, msg) == ("ValidationException", "Read and write requests together in the "
                                                      "same batch is not supported.")
    # nothing of the refused batch was written
    assert get(ddb, data, key("a", 0)) is not None
    assert get(ddb, data, key("m", 1)) is None
    # a statement that does not parse takes no side
    out = bes(ddb, 'SELECT * FROM "%s" WHERE pk = \'a\' AND sk = 0' % data, "DELETE FROM")
    assert out["Responses"][1]["Error"]["Code"] == "ValidationError"


def test_batch_refuses_one_item_twice(ddb, data):
    code, msg, _ = client_error(bes, ddb, "UPDATE \"%s\" SET v = 1 WHERE pk = 'a' AND sk = 0" % data,
                                "DELETE FROM \"%s\" WHERE sk = 0 AND pk = 'a'" % data)
    assert (code, msg) == ("ValidationException",
                           "Provided list of item keys contains duplicates")
    assert get(ddb, data, key("a", 0))["v"] == {"N": "0"}


def test_batch_exists_is_for_transactions(ddb, data):
    exists = "EXISTS(SELECT * FROM \"%s\" WHERE pk = 'a' AND sk = 0 AND v = 0)" % data
    refused = {"Error": {"Code": "ValidationError",
                         "Message": "EXISTS can only be used in ExecuteTransaction write requests."}}
    assert bes(ddb, exists)["Responses"] == [refused]
    # it takes no side: beside a read or a write, it is refused on its own
    out = bes(ddb, exists, 'SELECT * FROM "%s" WHERE pk = \'a\' AND sk = 1' % data)["Responses"]
    assert out[0] == refused and out[1]["Item"]["sk"] == {"N": "1"}
    out = bes(ddb, exists, "DELETE FROM \"%s\" WHERE pk = 'a' AND sk = 1" % data)["Responses"]
    assert out == [refused, {"TableName": data}]
    assert get(ddb, data, key("a", 1)) is None
    assert_error(ddb.execute_statement, "ValidationException",
                 "EXISTS can only be used in ExecuteTransaction write requests.",
                 Statement="EXISTS(SELECT * FROM \"%s\" WHERE pk = 'a' AND sk = 0 AND v = 0)"
                 % data)


def test_batch_limits(ddb, data):
    many = ['SELECT * FROM "%s" WHERE pk = \'a\' AND sk = %d' % (data, i) for i in range(26)]
    code, msg, _ = client_error(bes, ddb, *many)
    assert code == "ValidationException"
    assert msg.startswith("1 validation error detected: Value '[")
    assert msg.endswith("' at 'statements' failed to satisfy constraint: Member must have length "
                        "less than or equal to 25")
    assert len(bes(ddb, *many[:25])["Responses"]) == 25
    assert_error(ddb.batch_execute_statement, "ValidationException",
                 "1 validation error detected: Value '[]' at 'statements' failed to satisfy "
                 "constraint: Member must have length greater than or equal to 1", Statements=[])
    long = "SELECT * FROM \"%s\" WHERE pk = '%s' AND sk = 1" % (data, "x" * 8192)
    code, msg, _ = client_error(bes, ddb, long)
    assert code == "ValidationException"
    assert msg.endswith("' at 'statements.1.member.statement' failed to satisfy constraint: "
                        "Member must have length less than or equal to 8192")
    assert_error(ddb.batch_execute_statement, "ValidationException",
                 "1 validation error detected: Value '[]' at 'statements.1.member.parameters' "
                 "failed to satisfy constraint: Member must have length greater than or equal "
                 "to 1", Statements=[{"Statement": "SELECT * FROM t", "Parameters": []}])


def test_batch_raw_request_errors(port):
    r = raw_call(port, "BatchExecuteStatement", {})
    assert r.status == 400 and r.error_type == "ValidationException"
    assert r.error_message == ("1 validation error detected: Value null at 'statements' failed "
                               "to satisfy constraint: Member must not be null")
    r = raw_call(port, "BatchExecuteStatement", {"Statements": [{}]})
    assert r.error_message == ("1 validation error detected: Value null at "
                               "'statements.1.member.statement' failed to satisfy constraint: "
                               "Member must not be null")
    r = raw_call(port, "BatchExecuteStatement", {"Statements": [{"Statement": 5}]})
    assert r.status == 400 and r.error_type == "SerializationException"


# --- ExecuteTransaction: writes ---------------------------------------------------------------

def test_transaction_writes_every_form(ddb, data):
    out = et(ddb,
             "INSERT INTO \"%s\" VALUE {'pk': 'n', 'sk': 1, 'x': 'y'}" % data,
             ("UPDATE \"%s\" SET v = v + ? REMOVE tag WHERE pk = 'a' AND sk = 1" % data,
              [{"N": "3"}]),
             "DELETE FROM \"%s\" WHERE pk = 'b' AND sk = 2" % data,
             "EXISTS(SELECT * FROM \"%s\" WHERE pk = 'a' AND sk = 0 AND v = 0)" % data)
    assert "Responses" not in out
    assert get(ddb, data, key("n", 1)) == {"pk": {"S": "n"}, "sk": {"N": "1"}, "x": {"S": "y"}}
    assert get(ddb, data, key("a", 1)) == {"pk": {"S": "a"}, "sk": {"N": "1"}, "v": {"N": "13"}}
    assert get(ddb, data, key("b", 2)) is None


def snapshot(ddb, table):
    return sorted(ddb.scan(TableName=table, ConsistentRead=True)["Items"],
                  key=lambda i: (i["pk"]["S"], i["sk"]["N"]))


@pytest.mark.parametrize("failing, codes", [
    ("INSERT INTO \"{t}\" VALUE {{'pk': 'a', 'sk': 2}}", "DuplicateItem"),
    ("UPDATE \"{t}\" SET v = 1 WHERE pk = 'nope' AND sk = 0", "ConditionalCheckFailed"),
    ("UPDATE \"{t}\" SET v = 1 WHERE pk = 'a' AND sk = 2 AND v = 3", "ConditionalCheckFailed"),
    ("DELETE FROM \"{t}\" WHERE pk = 'a' AND sk = 2 AND tag = 'zz'", "ConditionalCheckFailed"),
    ("EXISTS(SELECT * FROM \"{t}\" WHERE pk = 'a' AND sk = 2 AND v = 1)",
     "ConditionalCheckFailed"),
    ("EXISTS(SELECT * FROM \"{t}\" WHERE pk = 'none' AND sk = 2 AND v IS MISSING)",
     "ConditionalCheckFailed"),
])
def test_transaction_is_all_or_nothing(ddb, data, failing, codes):
    before = snapshot(ddb, data)
    statements = ["INSERT INTO \"%s\" VALUE {'pk': 'n', 'sk': 1}" % data,
                  "UPDATE \"%s\" SET v = 77 WHERE pk = 'a' AND sk = 0" % data,
                  failing.format(t=data),
                  "DELETE FROM \"%s\" WHERE pk = 'b' AND sk = 1" % data]
    try:
        et(ddb, *statements)
        raise AssertionError("expected a cancellation")
    except ddb.exceptions.TransactionCanceledException as e:
        err = e.response
    messages = {"DuplicateItem": "Duplicate primary key exists in table",
                "ConditionalCheckFailed": "The conditional request failed"}
    assert err["Error"]["Message"] == ("Transaction cancelled, please refer cancellation reasons "
                                       "for specific reasons [None, None, %s, None]" % codes)
    assert err["CancellationReasons"] == [
        {"Code": "None"}, {"Code": "None"}, {"Code": codes, "Message": messages[codes]},
        {"Code": "None"}]
    # nothing written: item by item
    after = snapshot(ddb, data)
    assert after == before
    assert get(ddb, data, key("n", 1)) is None
    assert get(ddb, data, key("a", 0))["v"] == {"N": "0"}
    assert get(ddb, data, key("b", 1)) is not None


def test_transaction_reason_item_with_all_old(ddb, data, port):
    r = raw_call(port, "ExecuteTransaction", {"TransactStatements": [
        {"Statement": "DELETE FROM \"%s\" WHERE pk = 'b' AND sk = 0" % data},
        {"Statement": "UPDATE \"%s\" SET v = 1 WHERE pk = 'a' AND sk = 1 AND v = 0" % data,
         "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}]})
    assert r.status == 400 and r.error_type == "TransactionCanceledException"
    assert r.json()["CancellationReasons"] == [
        {"Code": "None"},
        {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed",
         "Item": get(ddb, data, key("a", 1))}]
    assert get(ddb, data, key("b", 0)) is not None
    r = raw_call(port, "ExecuteTransaction", {"TransactStatements": [
        {"Statement": "DELETE FROM \"%s\" WHERE pk = 'b' AND sk = 0" % data,
         "ReturnValuesOnConditionCheckFailure": "SOME"}]})
    assert r.error_message == ("1 validation error detected: Value 'SOME' at "
                               "'transactStatements.1.member.returnValuesOnConditionCheckFailure' "
                               "failed to satisfy constraint: Member must satisfy enum value set: "
                               "[ALL_OLD, NONE]")


def test_batch_error_item_with_all_old(ddb, data, port):
    stmt = "DELETE FROM \"%s\" WHERE pk = 'a' AND sk = 2 AND v = 1" % data
    r = raw_call(port, "BatchExecuteStatement", {"Statements": [
        {"Statement": stmt, "ReturnValuesOnConditionCheckFailure": "ALL_OLD"},
        {"Statement": stmt.replace("sk = 2", "sk = 1"),
         "ReturnValuesOnConditionCheckFailure": "NONE"}]})
    assert r.status == 200
    ccf = {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}
    assert r.json()["Responses"] == [
        {"Error": dict(ccf, Item=get(ddb, data, key("a", 2))), "TableName": data},
        {"Error": ccf, "TableName": data}]
    assert get(ddb, data, key("a", 2))["v"] == {"N": "20"}
    r = raw_call(port, "BatchExecuteStatement", {"Statements": [
        {"Statement": stmt, "ReturnValuesOnConditionCheckFailure": "X"}]})
    assert r.error_message == ("1 validation error detected: Value 'X' at "
                               "'statements.1.member.returnValuesOnConditionCheckFailure' failed "
                               "to satisfy constraint: Member must satisfy enum value set: "
                               "[ALL_OLD, NONE]")


def test_transaction_statement_errors(ddb, data):
    t = data
    et_error(ddb, "ValidationException",
             "Validation failed in TransactStatements[1]: " + SYNTAX + "Unexpected term",
             "DELETE FROM \"%s\" WHERE pk = 'a' AND sk = 0" % t, 'DELETE FROM "%s" WHERE' % t)
    et_error(ddb, "ValidationException",
             "Validation failed in TransactStatements[0]: RETURNING clause is not supported in "
             "ExecuteTransaction.",
             "UPDATE \"%s\" SET v = 1 WHERE pk = 'a' AND sk = 0 RETURNING ALL NEW *" % t)
    et_error(ddb, "ValidationException",
             "Validation failed in TransactStatements[0]: EXISTS() must contain a single item "
             "read with additional condition",
             "EXISTS(SELECT * FROM \"%s\" WHERE pk = 'a' AND sk = 0)" % t,
             "DELETE FROM \"%s\" WHERE pk = 'a' AND sk = 1" % t)
    et_error(ddb, "ValidationException",
             "Validation failed in TransactStatements[1]: Where clause does not contain a "
             "mandatory equality on all key attributes",
             "DELETE FROM \"%s\" WHERE pk = 'a' AND sk = 1" % t,
             "DELETE FROM \"%s\" WHERE pk = 'a'" % t)
    et_error(ddb, "ValidationException",
             "Validation failed in TransactStatements[0]: Number of parameters in request and "
             "statement don't match.", "DELETE FROM \"%s\" WHERE pk = ? AND sk = ?" % t)
    et_error(ddb, "ResourceNotFoundException", "Requested resource not found",
             "DELETE FROM \"nosuch-%s\" WHERE pk = 'a'" % uuid.uuid4().hex[:8])
    et_error(ddb, "ValidationException",
             "Transaction request cannot include multiple operations on one item",
             "UPDATE \"%s\" SET v = 1 WHERE pk = 'a' AND sk = 0" % t,
             "DELETE FROM \"%s\" WHERE pk = 'a' AND sk = 0" % t)
    # none of these wrote anything
    assert get(ddb, t, key("a", 0)) == {"pk": {"S": "a"}, "sk": {"N": "0"}, "v": {"N": "0"},
                                        "tag": {"S": "a0"}}
    assert get(ddb, t, key("a", 1)) is not None


def test_transaction_refuses_mixed_reads_and_writes(ddb, data):
    msg = ("ExecuteTransaction API does not support both read and write operations in the same "
           "request.")
    et_error(ddb, "ValidationException", msg,
             'SELECT * FROM "%s" WHERE pk = \'a\' AND sk = 0' % data,
             "UPDATE \"%s\" SET v = 5 WHERE pk = 'a' AND sk = 0" % data)
    et_error(ddb, "ValidationException", msg,
             "EXISTS(SELECT * FROM \"%s\" WHERE pk = 'a' AND sk = 0 AND v = 0)" % data,
             'SELECT * FROM "%s" WHERE pk = \'a\' AND sk = 1' % data)
    assert get(ddb, data, key("a", 0))["v"] == {"N": "0"}


def test_transaction_idempotency(ddb, data):
    token = uuid.uuid4().hex
    stmt = "UPDATE \"%s\" SET v = v + 1 WHERE pk = 'a' AND sk = 0" % data
    et(ddb, stmt, ClientRequestToken=token)
    et(ddb, stmt, ClientRequestToken=token)  # answered, not run again
    assert get(ddb, data, key("a", 0))["v"] == {"N": "1"}
    et(ddb, stmt, ClientRequestToken=token + "x")
    assert get(ddb, data, key("a", 0))["v"] == {"N": "2"}
    et_error(ddb, "IdempotentParameterMismatchException", None,
             "UPDATE \"%s\" SET v = v + 1 WHERE pk = 'a' AND sk = 1" % data,
             ClientRequestToken=token)
    assert get(ddb, data, key("a", 1))["v"] == {"N": "10"}
    et_error(ddb, "ValidationException",
             "1 validation error detected: Value '%s' at 'clientRequestToken' failed to satisfy "
             "constraint: Member must have length less than or equal to 36" % ("t" * 37),
             stmt, ClientRequestToken="t" * 37)


def test_transaction_write_capacity(ddb, data):
    out = et(ddb, "UPDATE \"%s\" SET v = 1 WHERE pk = 'a' AND sk = 0" % data,
             "DELETE FROM \"%s\" WHERE pk = 'a' AND sk = 1" % data,
             ReturnConsumedCapacity="TOTAL")
    # transactional writes cost twice the units
    assert out["ConsumedCapacity"] == [{"TableName": data, "CapacityUnits": 4.0,
                                        "WriteCapacityUnits": 4.0}]


# --- ExecuteTransaction: reads ----------------------------------------------------------------

def test_transaction_reads(ddb, data, make_table):
    other = make_table()
    ddb.put_item(TableName=other, Item={"pk": {"S": "o"}, "z": {"N": "1"}})
    out = et(ddb, 'SELECT * FROM "%s" WHERE pk = \'a\' AND sk = 2' % data,
             ('SELECT tag FROM "%s" WHERE pk = ? AND sk = ?' % data, [{"S": "b"}, {"N": "1"}]),
             'SELECT * FROM "%s" WHERE pk = \'none\' AND sk = 1' % data,
             'SELECT z FROM "%s" WHERE pk = \'o\'' % other,
             ReturnConsumedCapacity="TOTAL")
    assert out["Responses"] == [{"Item": get(ddb, data, key("a", 2))},
                                {"Item": {"tag": {"S": "b1"}}}, {},
                                {"Item": {"z": {"N": "1"}}}]
    cap = {c["TableName"]: c["CapacityUnits"] for c in out["ConsumedCapacity"]}
    assert cap == {data: 6.0, other: 2.0}


def test_transaction_select_must_name_the_whole_key(ddb, data):
    for i, where in enumerate(("pk = 'a'", "sk = 1", "pk = 'a' AND sk > 0",
                               "pk = 'a' AND sk = 1 AND v = 10")):
        et_error(ddb, "ValidationException",
                 "Validation failed in TransactStatements[1]: " + TX_SELECT_KEY,
                 'SELECT * FROM "%s" WHERE pk = \'b\' AND sk = 0' % data,
                 'SELECT * FROM "%s" WHERE %s' % (data, where))


def test_transaction_limits(ddb, data, make_table):
    t = make_table()
    stmts = ["INSERT INTO \"%s\" VALUE {'pk': 'k%d'}" % (t, i) for i in range(101)]
    code, msg, _ = client_error(et, ddb, *stmts)
    assert code == "ValidationException"
    assert msg.endswith("' at 'transactStatements' failed to satisfy constraint: Member must "
                        "have length less than or equal to 100")
    assert ddb.scan(TableName=t, Select="COUNT")["Count"] == 0
    et(ddb, *stmts[:100])
    assert ddb.scan(TableName=t, Select="COUNT", ConsistentRead=True)["Count"] == 100
    assert_error(ddb.execute_transaction, "ValidationException",
                 "1 validation error detected: Value '[]' at 'transactStatements' failed to "
                 "satisfy constraint: Member must have length greater than or equal to 1",
                 TransactStatements=[])


def test_transaction_raw_request_errors(port):
    r = raw_call(port, "ExecuteTransaction", {})
    assert r.status == 400 and r.error_type == "ValidationException"
    assert r.error_message == ("1 validation error detected: Value null at 'transactStatements' "
                               "failed to satisfy constraint: Member must not be null")
    r = raw_call(port, "ExecuteTransaction", {"TransactStatements": [{"Statement": 5}]})
    assert r.status == 400 and r.error_type == "SerializationException"
    r = raw_call(port, "ExecuteTransaction", {"TransactStatements": [{}]})
    assert r.error_message == ("1 validation error detected: Value null at "
                               "'transactStatements.1.member.statement' failed to satisfy "
                               "constraint: Member must not be null")
