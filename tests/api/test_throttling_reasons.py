"""Throttling (--throttling), continued: the ThrottlingReasons of throttling
errors, and the operations throttled besides the item, batch and
TransactWriteItems ones (test_throttling.py): Query and Scan of a GSI by
the index's read capacity, TransactGetItems and ExecuteTransaction reads
cancelling with throughput reasons, and PartiQL statements (ExecuteStatement,
and BatchExecuteStatement statement by statement).

ThrottlingReasons are read from raw responses: Debian's botocore predates
the member."""

import time

import pytest

from conftest import client_error, make_client, raw_call, wait_active
from ddbvalues import S
from test_throttling import (BURST, GSI_MESSAGE, ON_DEMAND_MESSAGE, PTEE, TABLE_MESSAGE, create,
                             item, throttled)  # noqa: F401 (fixture)

ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/"


def raw_put(port, table, it):
    return raw_call(port, "PutItem", {"TableName": table, "Item": it})


def raw_until_throttled(send, limit=300, seconds=10.0):
    """Call send(i) until it answers 400: (successes, response)."""
    deadline = time.monotonic() + seconds
    for i in range(limit):
        r = send(i)
        if r.status != 200:
            return i, r
        assert time.monotonic() < deadline, "no throttling in %.0f s" % seconds
    raise AssertionError("no throttling after %d requests" % limit)


def reasons(r, member="ThrottlingReasons"):
    body = r.json()
    assert set(body) == {"__type", "message", member}, body
    return body[member]


# --- ThrottlingReasons -------------------------------------------------------------------------


def test_provisioned_table_write_reason(throttled):
    srv, ddb = throttled
    table = create(ddb, rcu=1, wcu=1)
    _, r = raw_until_throttled(lambda i: raw_put(srv.port, table, item("k%d" % i, 1024)))
    assert (r.error_type, r.error_message) == (PTEE, TABLE_MESSAGE)
    assert reasons(r) == [{"reason": "TableWriteProvisionedThroughputExceeded",
                           "resource": ARN + table}]


def test_provisioned_table_read_reason(throttled):
    srv, ddb = throttled
    table = create(ddb, rcu=1, wcu=50)
    ddb.put_item(TableName=table, Item=item("big", 8 * 1024))
    _, r = raw_until_throttled(lambda i: raw_call(srv.port, "GetItem", {
        "TableName": table, "Key": {"pk": S("big")}, "ConsistentRead": True}))
    assert (r.error_type, r.error_message) == (PTEE, TABLE_MESSAGE)
    assert reasons(r) == [{"reason": "TableReadProvisionedThroughputExceeded",
                           "resource": ARN + table}]
    # a Scan waits for the same bucket, with the same reason
    r = raw_call(srv.port, "Scan", {"TableName": table})
    assert r.status == 400 and reasons(r)[0]["reason"] == "TableReadProvisionedThroughputExceeded"


def test_gsi_write_reason_names_the_index(throttled):
    srv, ddb = throttled
    table = create(ddb, rcu=10, wcu=100, gsi=1)
    _, r = raw_until_throttled(lambda i: raw_put(srv.port, table,
                                                 item("k%d" % i, 1024, g=S("v"))))
    assert (r.error_type, r.error_message) == (PTEE, GSI_MESSAGE)
    assert reasons(r) == [{"reason": "IndexWriteProvisionedThroughputExceeded",
                           "resource": ARN + table + "/index/byg"}]


def test_on_demand_hot_key_reason_is_the_key_range(throttled):
    srv, ddb = throttled
    table = create(ddb)
    _, r = raw_until_throttled(lambda i: raw_put(srv.port, table, item("hot", 300 * 1024)),
                               limit=40)
    assert (r.error_type, r.error_message) == ("ThrottlingException", ON_DEMAND_MESSAGE)
    # the ThrottlingException spells its member throttlingReasons
    assert reasons(r, "throttlingReasons") == [{"reason": "TableWriteKeyRangeThroughputExceeded",
                                                "resource": ARN + table}]


def test_cancellation_reasons_carry_no_throttling_reasons(throttled):
    srv, ddb = throttled
    spent = create(ddb, rcu=1, wcu=1)
    raw_until_throttled(lambda i: raw_put(srv.port, spent, item("s%d" % i, 1024)))
    r = raw_call(srv.port, "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": spent, "Item": item("y", 100)}}]})
    assert r.error_type == "TransactionCanceledException"
    assert r.json()["CancellationReasons"] == [{"Code": "ProvisionedThroughputExceeded",
                                                "Message": TABLE_MESSAGE}]


# --- Query and Scan of a GSI ----------------------------------------------------------------


def spend_index_reads(ddb, table, **kwargs):
    deadline = time.monotonic() + 10
    for i in range(300):
        try:
            ddb.query(TableName=table, IndexName="byg", KeyConditionExpression="g = :g",
                      ExpressionAttributeValues={":g": S("v")}, **kwargs)
        except ddb.exceptions.ClientError as e:
            return i, e.response
        assert time.monotonic() < deadline
    raise AssertionError("index reads never throttled")


def create_with_gsi_reads(ddb, gsi_rcu):
    """A provisioned table whose GSI has gsi_rcu read units (and writes to
    spare)."""
    table = create(ddb, rcu=1000, wcu=1000, gsi=1000)
    ddb.update_table(TableName=table, GlobalSecondaryIndexUpdates=[{"Update": {
        "IndexName": "byg",
        "ProvisionedThroughput": {"ReadCapacityUnits": gsi_rcu, "WriteCapacityUnits": 1000}}}])
    wait_active(ddb, table)
    return table


def test_gsi_query_throttles_on_the_index_read_capacity(throttled):
    srv, ddb = throttled
    table = create_with_gsi_reads(ddb, 1)
    for i in range(4):
        ddb.put_item(TableName=table, Item=item("k%d" % i, 3 * 1024, g=S("v")))
    # 12 KB a Query, eventually consistent: 1.5 units of the index's 1 RCU
    done, resp = spend_index_reads(ddb, table)
    assert 1 <= done <= BURST + 2
    # message unverified for an index read: the table's text
    assert (resp["Error"]["Code"], resp["Error"]["Message"]) == (PTEE, TABLE_MESSAGE)
    r = raw_call(srv.port, "Scan", {"TableName": table, "IndexName": "byg"})
    assert r.status == 400
    assert reasons(r) == [{"reason": "IndexReadProvisionedThroughputExceeded",
                           "resource": ARN + table + "/index/byg"}]
    # the table's own capacity is untouched
    assert len(ddb.query(TableName=table, KeyConditionExpression="pk = :p",
                         ExpressionAttributeValues={":p": S("k1")})["Items"]) == 1
    assert ddb.scan(TableName=table)["Count"] == 4
    # and the index recovers
    time.sleep(2.5)
    assert ddb.query(TableName=table, IndexName="byg", KeyConditionExpression="g = :g",
                     ExpressionAttributeValues={":g": S("v")})["Count"] == 4


def test_table_read_capacity_does_not_limit_a_gsi_query(throttled):
    srv, ddb = throttled
    table = create(ddb, rcu=1, wcu=1000, gsi=1000)
    ddb.put_item(TableName=table, Item=item("a", 8 * 1024, g=S("v")))
    code, _, _ = (None, None, None)
    deadline = time.monotonic() + 10
    while code is None:  # spend the table's reads
        try:
            ddb.get_item(TableName=table, Key={"pk": S("a")}, ConsistentRead=True)
        except ddb.exceptions.ClientError as e:
            code = e.response["Error"]["Code"]
        assert time.monotonic() < deadline
    assert code == PTEE
    for i in range(10):
        assert ddb.query(TableName=table, IndexName="byg", KeyConditionExpression="g = :g",
                         ExpressionAttributeValues={":g": S("v")})["Count"] == 1


def test_on_demand_gsi_read_maximum_caps_index_queries(throttled):
    srv, ddb = throttled
    name = "odq-%d" % int(time.time() * 1000)
    r = raw_call(srv.port, "CreateTable", {
        "TableName": name, "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                 {"AttributeName": "g", "AttributeType": "S"}],
        "GlobalSecondaryIndexes": [{
            "IndexName": "byg", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
            "OnDemandThroughput": {"MaxReadRequestUnits": 2}}]})
    assert r.status == 200, r.body
    for i in range(4):
        ddb.put_item(TableName=name, Item=item("k%d" % i, 3 * 1024, g=S("v")))
    _, r = raw_until_throttled(lambda i: raw_call(srv.port, "Query", {
        "TableName": name, "IndexName": "byg", "KeyConditionExpression": "g = :g",
        "ExpressionAttributeValues": {":g": S("v")}}), limit=50)
    assert (r.error_type, r.error_message) == ("ThrottlingException", ON_DEMAND_MESSAGE)
    assert reasons(r, "throttlingReasons") == [{
        "reason": "IndexReadMaxOnDemandThroughputExceeded",
        "resource": ARN + name + "/index/byg"}]


# --- TransactGetItems and ExecuteTransaction reads ---------------------------------------------


def spend_reads(ddb, table, key="big"):
    ddb.put_item(TableName=table, Item=item(key, 8 * 1024))
    deadline = time.monotonic() + 10
    while True:
        try:
            ddb.get_item(TableName=table, Key={"pk": S(key)}, ConsistentRead=True)
        except ddb.exceptions.ClientError as e:
            assert e.response["Error"]["Code"] == PTEE
            return
        assert time.monotonic() < deadline


def test_transact_get_cancels_with_throughput_reason(throttled):
    srv, ddb = throttled
    spent, fresh = create(ddb, rcu=1, wcu=100), create(ddb, rcu=100, wcu=100)
    ddb.put_item(TableName=fresh, Item=item("x", 100))
    spend_reads(ddb, spent)
    r = raw_call(srv.port, "TransactGetItems", {"TransactItems": [
        {"Get": {"TableName": fresh, "Key": {"pk": S("x")}}},
        {"Get": {"TableName": spent, "Key": {"pk": S("big")}}}]})
    assert r.error_type == "TransactionCanceledException"
    assert r.error_message == ("Transaction cancelled, please refer cancellation reasons for "
                               "specific reasons [None, ProvisionedThroughputExceeded]")
    assert r.json()["CancellationReasons"] == [
        {"Code": "None"}, {"Code": "ProvisionedThroughputExceeded", "Message": TABLE_MESSAGE}]
    # the fresh table alone reads
    got = ddb.transact_get_items(TransactItems=[{"Get": {"TableName": fresh,
                                                         "Key": {"pk": S("x")}}}])
    assert got["Responses"] == [{"Item": item("x", 100)}]


def test_on_demand_transact_get_cancels_with_throttling_error(throttled):
    srv, ddb = throttled
    table = create(ddb)
    ddb.put_item(TableName=table, Item=item("hot", 390 * 1024))
    deadline, r = time.monotonic() + 10, None
    for i in range(60):  # 2 x 98 RRU a read: one partition's 3,000 a second
        r = raw_call(srv.port, "TransactGetItems", {"TransactItems": [
            {"Get": {"TableName": table, "Key": {"pk": S("hot")}}}]})
        if r.status != 200:
            break
        assert time.monotonic() < deadline
    assert r.error_type == "TransactionCanceledException"
    assert r.json()["CancellationReasons"] == [{"Code": "ThrottlingError",
                                                "Message": ON_DEMAND_MESSAGE}]


def test_execute_transaction_read_cancels_with_throughput_reason(throttled):
    srv, ddb = throttled
    spent = create(ddb, rcu=1, wcu=100)
    spend_reads(ddb, spent)
    e = client_error(ddb.execute_transaction, TransactStatements=[
        {"Statement": 'SELECT * FROM "%s" WHERE pk = ?' % spent, "Parameters": [S("big")]}])
    assert e[:2] == ("TransactionCanceledException",
                     "Transaction cancelled, please refer cancellation reasons for specific "
                     "reasons [ProvisionedThroughputExceeded]")


# --- PartiQL ----------------------------------------------------------------------------------


def test_execute_statement_select_and_insert_throttle(throttled):
    srv, ddb = throttled
    table = create(ddb, rcu=1, wcu=100)
    spend_reads(ddb, table)
    stmt = 'SELECT * FROM "%s" WHERE pk = ?' % table
    code, message, _ = client_error(ddb.execute_statement, Statement=stmt, Parameters=[S("big")])
    assert (code, message) == (PTEE, TABLE_MESSAGE)
    # a SELECT that queries or scans waits for the same bucket
    code, _, _ = client_error(ddb.execute_statement, Statement='SELECT * FROM "%s"' % table)
    assert code == PTEE
    # writes: spend a table's write capacity with INSERTs
    table = create(ddb, rcu=100, wcu=1)
    deadline, i = time.monotonic() + 10, 0
    while True:
        try:
            ddb.execute_statement(Statement="INSERT INTO \"%s\" VALUE {'pk': ?, 'pad': ?}" % table,
                                  Parameters=[S("n%d" % i), S("x" * 1000)])
        except ddb.exceptions.ClientError as e:
            assert (e.response["Error"]["Code"], e.response["Error"]["Message"]) == \
                (PTEE, TABLE_MESSAGE)
            break
        i += 1
        assert i < 100 and time.monotonic() < deadline
    # the throttled INSERT wrote nothing
    assert "Item" not in ddb.get_item(TableName=table, Key={"pk": S("n%d" % i)})


def test_batch_execute_statement_throttles_statement_by_statement(throttled):
    srv, ddb = throttled
    spent, fresh = create(ddb, rcu=1, wcu=100), create(ddb, rcu=100, wcu=100)
    ddb.put_item(TableName=fresh, Item=item("x", 100))
    spend_reads(ddb, spent)
    r = ddb.batch_execute_statement(Statements=[
        {"Statement": 'SELECT * FROM "%s" WHERE pk = ?' % fresh, "Parameters": [S("x")]},
        {"Statement": 'SELECT * FROM "%s" WHERE pk = ?' % spent, "Parameters": [S("big")]}])
    assert r["Responses"] == [
        {"TableName": fresh, "Item": item("x", 100)},
        {"Error": {"Code": "ProvisionedThroughputExceeded", "Message": TABLE_MESSAGE}}]
    # writes: spend a table's write capacity, then a batch writes the fresh
    # table only
    spent = create(ddb, rcu=100, wcu=1)
    deadline = time.monotonic() + 10
    for i in range(100):
        try:
            ddb.put_item(TableName=spent, Item=item("w%d" % i, 1024))
        except ddb.exceptions.ClientError:
            break
        assert time.monotonic() < deadline
    insert = "INSERT INTO \"%s\" VALUE {'pk': ?}"
    r = ddb.batch_execute_statement(Statements=[
        {"Statement": insert % spent, "Parameters": [S("b1")]},
        {"Statement": insert % fresh, "Parameters": [S("b2")]}])
    assert r["Responses"] == [
        {"Error": {"Code": "ProvisionedThroughputExceeded", "Message": TABLE_MESSAGE}},
        {"TableName": fresh}]
    assert "Item" not in ddb.get_item(TableName=spent, Key={"pk": S("b1")}, ConsistentRead=True)
    assert ddb.get_item(TableName=fresh, Key={"pk": S("b2")})["Item"] == {"pk": S("b2")}


def test_without_the_flag_statements_and_index_reads_are_not_throttled(spawn_server):
    srv = spawn_server(in_memory=True)
    ddb = make_client(srv.endpoint)
    table = create(ddb, rcu=1, wcu=1, gsi=1)
    for i in range(30):
        ddb.execute_statement(Statement="INSERT INTO \"%s\" VALUE {'pk': ?, 'g': 'v', 'p': ?}"
                              % table, Parameters=[S("k%d" % i), S("x" * 2000)])
    for i in range(20):
        ddb.query(TableName=table, IndexName="byg", KeyConditionExpression="g = :g",
                  ExpressionAttributeValues={":g": S("v")})
        ddb.transact_get_items(TransactItems=[{"Get": {"TableName": table,
                                                       "Key": {"pk": S("k1")}}}])
