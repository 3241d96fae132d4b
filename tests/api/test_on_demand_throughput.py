"""OnDemandThroughput: the maximum read and write request units of an
on-demand table and of its GSIs, set by CreateTable and UpdateTable (table
member, GSI definition, GlobalSecondaryIndexUpdates Update), described by
DescribeTable, kept across restarts, and enforced with --throttling.

By raw requests: Debian's botocore predates the member.  Message texts come
from published observations of the service; those marked "message
unverified" were inferred from their siblings."""

import time

import pytest

from conftest import make_client, raw_call, unique_name, wait_active
from ddbvalues import S

INVALID = "One or more parameter values were invalid: "
VALIDATION = "ValidationException"
LIMIT = "LimitExceededException"
MAX_READ, MAX_WRITE = "MaxReadRequestUnits", "MaxWriteRequestUnits"
NO_LIMIT = {MAX_READ: -1, MAX_WRITE: -1}


def call(port, op, payload):
    r = raw_call(port, op, payload)
    return r.status, r.json()


def error(port, op, payload):
    r = raw_call(port, op, payload)
    assert r.status == 400, r.body
    return r.error_type, r.error_message


def definition(name, on_demand=True, maxima=None, gsi=False, gsi_maxima=None):
    d = {"TableName": name, "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
         "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]}
    if on_demand:
        d["BillingMode"] = "PAY_PER_REQUEST"
    else:
        d["ProvisionedThroughput"] = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    if maxima is not None:
        d["OnDemandThroughput"] = maxima
    if gsi:
        d["AttributeDefinitions"].append({"AttributeName": "g", "AttributeType": "S"})
        g = {"IndexName": "byg", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
             "Projection": {"ProjectionType": "ALL"}}
        if not on_demand:
            g["ProvisionedThroughput"] = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        if gsi_maxima is not None:
            g["OnDemandThroughput"] = gsi_maxima
        d["GlobalSecondaryIndexes"] = [g]
    return d


def create(srv, **kwargs):
    name = unique_name("odt")
    status, body = call(srv.port, "CreateTable", definition(name, **kwargs))
    assert status == 200, body
    wait_active(make_client(srv.endpoint), name)
    return name


def described(port, table):
    status, body = call(port, "DescribeTable", {"TableName": table})
    assert status == 200
    return body["Table"]


def gsi_maxima(port, table):
    return described(port, table)["GlobalSecondaryIndexes"][0].get("OnDemandThroughput")


def update(port, table, **members):
    status, body = call(port, "UpdateTable", dict(TableName=table, **members))
    assert status == 200, body
    return body["TableDescription"]


def wait_table_active(port, table, timeout=15.0):
    deadline = time.monotonic() + timeout
    while described(port, table)["TableStatus"] != "ACTIVE":
        assert time.monotonic() < deadline
        time.sleep(0.05)


# --- the table's maxima ------------------------------------------------------------------


def test_update_sets_changes_and_clears_table_maxima(server):
    port = server.port
    table = create(server)
    assert "OnDemandThroughput" not in described(port, table)
    d = update(port, table, OnDemandThroughput={MAX_READ: 100})
    assert d["OnDemandThroughput"] == {MAX_READ: 100, MAX_WRITE: -1}
    wait_table_active(port, table)
    # a member left out keeps its value
    update(port, table, OnDemandThroughput={MAX_WRITE: 50})
    wait_table_active(port, table)
    assert described(port, table)["OnDemandThroughput"] == {MAX_READ: 100, MAX_WRITE: 50}
    # -1 removes a maximum
    update(port, table, OnDemandThroughput={MAX_READ: -1})
    wait_table_active(port, table)
    assert described(port, table)["OnDemandThroughput"] == {MAX_READ: -1, MAX_WRITE: 50}
    update(port, table, OnDemandThroughput=NO_LIMIT)
    wait_table_active(port, table)
    assert "OnDemandThroughput" not in described(port, table)


def test_update_with_only_on_demand_throughput_is_a_change(server):
    """Not the 'At least one of ...' error: the member is an update of its own."""
    table = create(server)
    update(server.port, table, OnDemandThroughput={MAX_WRITE: 9})
    wait_table_active(server.port, table)
    assert described(server.port, table)["OnDemandThroughput"] == {MAX_READ: -1, MAX_WRITE: 9}


@pytest.mark.parametrize("value", [0, -2, -1000])
@pytest.mark.parametrize("member", [MAX_READ, MAX_WRITE])
def test_update_maximum_below_one_is_outside_the_range(server, member, value):
    table = create(server)
    assert error(server.port, "UpdateTable",
                 {"TableName": table, "OnDemandThroughput": {member: value}}) == (
        VALIDATION, INVALID + "Requested %s for OnDemandThroughput for table is outside of "
                              "valid range" % member)
    assert "OnDemandThroughput" not in described(server.port, table)


@pytest.mark.parametrize("value", [0, -1, -5])
def test_create_maximum_below_one_is_outside_the_range(server, value):
    """At creation -1 clears nothing: it is out of range like 0."""
    name = unique_name("odt")
    assert error(server.port, "CreateTable",
                 definition(name, maxima={MAX_WRITE: value})) == (
        VALIDATION, INVALID + "Requested MaxWriteRequestUnits for OnDemandThroughput for table "
                              "is outside of valid range")
    assert error(server.port, "DescribeTable", {"TableName": name})[0] == \
        "ResourceNotFoundException"


def test_update_read_maximum_reported_before_the_write_one(server):
    table = create(server)
    assert error(server.port, "UpdateTable",
                 {"TableName": table, "OnDemandThroughput": {MAX_READ: 0, MAX_WRITE: 0}})[1] == (
        INVALID + "Requested MaxReadRequestUnits for OnDemandThroughput for table is outside of "
                  "valid range")


def test_maxima_on_a_provisioned_table_are_refused(server):
    port = server.port
    table = create(server, on_demand=False)
    assert error(port, "UpdateTable", {"TableName": table,
                                       "OnDemandThroughput": {MAX_WRITE: 10}}) == (
        VALIDATION, INVALID + "MaxWriteRequestUnits for OnDemandThroughput cannot be specified "
                              "when the table BillingMode is PROVISIONED")
    # even -1 names the member
    assert error(port, "UpdateTable", {"TableName": table,
                                       "OnDemandThroughput": {MAX_READ: -1}})[1] == (
        INVALID + "MaxReadRequestUnits for OnDemandThroughput cannot be specified when the table "
                  "BillingMode is PROVISIONED")
    assert error(port, "CreateTable", definition(unique_name("odt"), on_demand=False,
                                                 maxima={MAX_READ: 10})) == (
        VALIDATION, INVALID + "MaxReadRequestUnits for OnDemandThroughput cannot be specified "
                              "when table BillingMode is PROVISIONED.")


def test_maxima_with_a_switch_to_on_demand_apply(server):
    port = server.port
    table = create(server, on_demand=False)
    d = update(port, table, BillingMode="PAY_PER_REQUEST", OnDemandThroughput={MAX_READ: 30})
    assert d["OnDemandThroughput"] == {MAX_READ: 30, MAX_WRITE: -1}
    wait_table_active(port, table)
    assert described(port, table)["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def test_maxima_with_a_switch_to_provisioned_are_refused(server):
    table = create(server)
    assert error(server.port, "UpdateTable", {
        "TableName": table, "BillingMode": "PROVISIONED", "OnDemandThroughput": {MAX_READ: 5},
        "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}) == (
        VALIDATION, INVALID + "MaxReadRequestUnits for OnDemandThroughput cannot be specified "
                              "when the table BillingMode is PROVISIONED")


@pytest.mark.parametrize("member,quota", [(MAX_READ, "TableMaxReadCapacityUnits"),
                                          (MAX_WRITE, "TableMaxWriteCapacityUnits")])
def test_maxima_above_the_table_quota_exceed_the_limit(server, member, quota):
    port = server.port
    table = create(server)
    assert error(port, "UpdateTable", {"TableName": table,
                                       "OnDemandThroughput": {member: 40001}}) == (
        LIMIT, "Subscriber limit exceeded: Requested %s for OnDemandThroughput for table exceeds "
               "%s of the account in region us-east-1" % (member, quota))
    # message unverified at CreateTable (observed on UpdateTable)
    assert error(port, "CreateTable", definition(unique_name("odt"), maxima={member: 40001}))[0] \
        == LIMIT
    # the quota itself is allowed
    update(port, table, OnDemandThroughput={member: 40000})


def test_update_maxima_of_an_unknown_table(server):
    assert error(server.port, "UpdateTable", {"TableName": unique_name("none"),
                                              "OnDemandThroughput": {MAX_READ: 5}})[0] == \
        "ResourceNotFoundException"


def test_switch_to_provisioned_drops_the_maxima(server):
    port = server.port
    table = create(server, maxima={MAX_READ: 20, MAX_WRITE: 20})
    update(port, table, BillingMode="PROVISIONED",
           ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
    wait_table_active(port, table)
    assert "OnDemandThroughput" not in described(port, table)


def test_table_maxima_survive_a_restart(spawn_server, tmp_path):
    srv = spawn_server(data_dir=tmp_path / "d")
    table = create(srv)
    update(srv.port, table, OnDemandThroughput={MAX_WRITE: 12})
    srv.stop()
    srv = spawn_server(data_dir=tmp_path / "d")
    assert described(srv.port, table)["OnDemandThroughput"] == {MAX_READ: -1, MAX_WRITE: 12}


# --- GSI maxima ----------------------------------------------------------------------------


def test_create_gsi_maxima_are_described(server):
    table = create(server, gsi=True, gsi_maxima={MAX_READ: 40})
    assert gsi_maxima(server.port, table) == {MAX_READ: 40, MAX_WRITE: -1}


@pytest.mark.parametrize("value", [0, -1])
def test_create_gsi_maximum_below_one_is_outside_the_range(server, value):
    assert error(server.port, "CreateTable", definition(
        unique_name("odt"), gsi=True, gsi_maxima={MAX_READ: value})) == (
        VALIDATION, INVALID + "Requested MaxReadRequestUnits for OnDemandThroughput for index : "
                              "byg is outside of valid range")


def test_create_gsi_maxima_on_a_provisioned_table_are_refused(server):
    # message unverified: the table's text with the index named
    assert error(server.port, "CreateTable", definition(
        unique_name("odt"), on_demand=False, gsi=True, gsi_maxima={MAX_WRITE: 5})) == (
        VALIDATION, INVALID + "MaxWriteRequestUnits for OnDemandThroughput for index: byg cannot "
                              "be specified when table BillingMode is PROVISIONED.")


def gsi_update(index="byg", **body):
    return [{"Update": dict(IndexName=index, **body)}]


def test_update_gsi_maxima(server):
    port = server.port
    table = create(server, gsi=True)
    assert gsi_maxima(port, table) is None
    update(port, table, GlobalSecondaryIndexUpdates=gsi_update(OnDemandThroughput={MAX_WRITE: 7}))
    wait_table_active(port, table)
    assert gsi_maxima(port, table) == {MAX_READ: -1, MAX_WRITE: 7}
    update(port, table, GlobalSecondaryIndexUpdates=gsi_update(OnDemandThroughput={MAX_READ: 8}))
    wait_table_active(port, table)
    assert gsi_maxima(port, table) == {MAX_READ: 8, MAX_WRITE: 7}
    update(port, table, GlobalSecondaryIndexUpdates=gsi_update(OnDemandThroughput=NO_LIMIT))
    wait_table_active(port, table)
    assert gsi_maxima(port, table) is None
    # the table's own maxima are untouched
    assert "OnDemandThroughput" not in described(port, table)


def test_update_gsi_maxima_out_of_range_and_above_quota(server):
    port = server.port
    table = create(server, gsi=True)
    assert error(port, "UpdateTable", {"TableName": table, "GlobalSecondaryIndexUpdates":
                                       gsi_update(OnDemandThroughput={MAX_WRITE: 0})}) == (
        VALIDATION, INVALID + "Requested MaxWriteRequestUnits for OnDemandThroughput for index : "
                              "byg is outside of valid range")
    assert error(port, "UpdateTable", {"TableName": table, "GlobalSecondaryIndexUpdates":
                                       gsi_update(OnDemandThroughput={MAX_READ: 40001})}) == (
        LIMIT, "Subscriber limit exceeded: Requested MaxReadRequestUnits for OnDemandThroughput "
               "for index : byg exceeds TableMaxReadCapacityUnits of the account in region "
               "us-east-1")
    assert gsi_maxima(port, table) is None


def test_update_gsi_of_on_demand_table_takes_only_maxima(server):
    port = server.port
    table = create(server, gsi=True)
    only = (VALIDATION, INVALID + "The only Updates for index: byg when TableThroughputMode is "
                                  "PAY_PER_REQUEST can be to OnDemandThroughput, WarmThroughput")
    assert error(port, "UpdateTable", {"TableName": table, "GlobalSecondaryIndexUpdates":
                                       gsi_update()}) == only
    assert error(port, "UpdateTable", {"TableName": table, "GlobalSecondaryIndexUpdates": gsi_update(
        ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
        OnDemandThroughput={MAX_READ: 5})}) == only


def test_update_gsi_maxima_of_provisioned_table_refused(server):
    table = create(server, on_demand=False, gsi=True)
    # message unverified: the table's text with the index named
    assert error(server.port, "UpdateTable", {
        "TableName": table, "GlobalSecondaryIndexUpdates": gsi_update(
            ProvisionedThroughput={"ReadCapacityUnits": 2, "WriteCapacityUnits": 2},
            OnDemandThroughput={MAX_READ: 5})}) == (
        VALIDATION, INVALID + "MaxReadRequestUnits for OnDemandThroughput for index: byg cannot "
                              "be specified when table BillingMode is PROVISIONED.")


def test_gsi_maxima_dropped_by_a_switch_to_provisioned_and_kept_on_restart(spawn_server,
                                                                           tmp_path):
    srv = spawn_server(data_dir=tmp_path / "d")
    port = srv.port
    table = create(srv, gsi=True, gsi_maxima={MAX_WRITE: 3})
    other = create(srv, gsi=True, gsi_maxima={MAX_READ: 4})
    srv.stop()
    srv = spawn_server(data_dir=tmp_path / "d")
    port = srv.port
    assert gsi_maxima(port, table) == {MAX_READ: -1, MAX_WRITE: 3}
    update(port, other, BillingMode="PROVISIONED",
           ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
           GlobalSecondaryIndexUpdates=gsi_update(
               ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}))
    wait_table_active(port, other)
    assert gsi_maxima(port, other) is None


# --- enforced with --throttling --------------------------------------------------------------


@pytest.fixture
def throttled(spawn_server):
    return spawn_server(in_memory=True, extra_args=["--throttling",
                                                    "--throttling-burst-seconds", "2"])


def put(port, table, i, **extra):
    item = {"pk": {"S": "k%d" % i}, "pad": {"S": "x" * 1000}}
    item.update(extra)
    return raw_call(port, "PutItem", {"TableName": table, "Item": item})


def writes_until_throttled(port, table, limit=100, seconds=10.0, **extra):
    deadline = time.monotonic() + seconds
    for i in range(limit):
        r = put(port, table, i, **extra)
        if r.status != 200:
            return i, r
        assert time.monotonic() < deadline
    raise AssertionError("no throttling after %d writes" % limit)


def test_updated_table_maximum_is_enforced(throttled):
    port = throttled.port
    table = create(throttled)
    update(port, table, OnDemandThroughput={MAX_WRITE: 4})
    wait_table_active(port, table)
    done, r = writes_until_throttled(port, table)
    assert 4 <= done <= 8
    assert r.error_type == "ThrottlingException"
    assert r.json()["throttlingReasons"] == [{
        "reason": "TableWriteMaxOnDemandThroughputExceeded",
        "resource": "arn:aws:dynamodb:us-east-1:000000000000:table/" + table}]
    # cleared: no maximum any more
    update(port, table, OnDemandThroughput={MAX_WRITE: -1})
    wait_table_active(port, table)
    time.sleep(1.0)
    for i in range(20):
        assert put(port, table, 100 + i).status == 200


def test_gsi_write_maximum_throttles_table_writes(throttled):
    port = throttled.port
    table = create(throttled, gsi=True, gsi_maxima={MAX_WRITE: 3})
    # items outside the index cost it nothing
    for i in range(20):
        assert put(port, table, i).status == 200
    done, r = writes_until_throttled(port, table, g={"S": "v"})
    assert 3 <= done <= 6
    assert r.error_type == "ThrottlingException"
    assert r.json()["throttlingReasons"] == [{
        "reason": "IndexWriteMaxOnDemandThroughputExceeded",
        "resource": "arn:aws:dynamodb:us-east-1:000000000000:table/%s/index/byg" % table}]
