"""Account limits on throughput changes: the per-table maxima DescribeLimits
reports, enforced on CreateTable and UpdateTable (the table's units and
its GSIs' together), the account maxima (every provisioned table and GSI
of the server), a table's and each GSI's decreases a day, and switches to PAY_PER_REQUEST, at most four in a
rolling day (the other way at any time).

Texts: the per-table text is the service's; the per-index text, the sum's
and the billing-switch one are marked "message unverified" where inferred."""

import re

import pytest

from conftest import client_error, unique_name, wait_active

LIMIT = "LimitExceededException"


def table_text(which, n):
    return ("The requested %s, %d, is above the per table maximum for the account in us-east-1. "
            "Per table maximum: 40000. Refer to the Amazon DynamoDB Developer Guide for current "
            "limits and how to request higher limits." % (which, n))


def pt(r, w):
    return {"ReadCapacityUnits": r, "WriteCapacityUnits": w}


def definition(name, rcu, wcu, gsi=None):
    d = dict(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
             AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
             ProvisionedThroughput=pt(rcu, wcu))
    if gsi:
        d["AttributeDefinitions"].append({"AttributeName": "g", "AttributeType": "S"})
        d["GlobalSecondaryIndexes"] = [{
            "IndexName": "byg", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"}, "ProvisionedThroughput": pt(*gsi)}]
    return d


def create_error(ddb, **kwargs):
    name = unique_name("lim")
    e = client_error(ddb.create_table, **definition(name, **kwargs))
    assert name not in ddb.list_tables()["TableNames"]
    return e


def test_describe_limits_reports_the_maxima(ddb):
    r = ddb.describe_limits()
    assert {k: r[k] for k in r if k != "ResponseMetadata"} == {
        "AccountMaxReadCapacityUnits": 80000, "AccountMaxWriteCapacityUnits": 80000,
        "TableMaxReadCapacityUnits": 40000, "TableMaxWriteCapacityUnits": 40000}


@pytest.mark.parametrize("rcu,wcu,which,n", [(40001, 1, "ReadCapacityUnits", 40001),
                                             (1, 50000, "WriteCapacityUnits", 50000)])
def test_create_table_above_the_per_table_maximum(ddb, rcu, wcu, which, n):
    assert create_error(ddb, rcu=rcu, wcu=wcu) == (LIMIT, table_text(which, n), 400)


def test_create_table_at_the_maximum(make_table):
    make_table(ProvisionedThroughput=pt(40000, 40000))


def test_create_gsi_above_the_maximum(ddb):
    # message unverified: the per-index variant's ending
    assert create_error(ddb, rcu=1, wcu=1, gsi=(1, 40001)) == (
        LIMIT, "The requested WriteCapacityUnits for index byg, 40001, is above the per index "
               "maximum for the account in us-east-1. Per index maximum: 40000. Refer to the "
               "Amazon DynamoDB Developer Guide for current limits and how to request higher "
               "limits.", 400)


def test_create_table_and_gsi_together_above_the_maximum(ddb):
    # message unverified: the sum in the per-table text
    assert create_error(ddb, rcu=30000, wcu=1, gsi=(10001, 1)) == (
        LIMIT, table_text("ReadCapacityUnits", 40001), 400)


def test_on_demand_tables_have_no_provisioned_maximum(make_table):
    make_table(BillingMode="PAY_PER_REQUEST")


def make(ddb, **kwargs):
    name = unique_name("lim")
    ddb.create_table(**definition(name, **kwargs))
    wait_active(ddb, name)
    return name


def test_update_table_above_the_maximum(ddb):
    table = make(ddb, rcu=5, wcu=5)
    assert client_error(ddb.update_table, TableName=table,
                        ProvisionedThroughput=pt(5, 40001)) == (
        LIMIT, table_text("WriteCapacityUnits", 40001), 400)
    assert ddb.describe_table(TableName=table)["Table"]["ProvisionedThroughput"][
        "WriteCapacityUnits"] == 5


def test_update_counts_the_gsis_with_the_table(ddb):
    table = make(ddb, rcu=30000, wcu=5, gsi=(10000, 5))
    # the GSI raised past the sum
    assert client_error(ddb.update_table, TableName=table, GlobalSecondaryIndexUpdates=[
        {"Update": {"IndexName": "byg", "ProvisionedThroughput": pt(10001, 5)}}]) == (
        LIMIT, table_text("ReadCapacityUnits", 40001), 400)
    # the table raised past the sum
    assert client_error(ddb.update_table, TableName=table,
                        ProvisionedThroughput=pt(30001, 5))[:2] == (
        LIMIT, table_text("ReadCapacityUnits", 40001))
    # a new GSI counts too
    assert client_error(ddb.update_table, TableName=table, AttributeDefinitions=[
        {"AttributeName": "h", "AttributeType": "S"}], GlobalSecondaryIndexUpdates=[
        {"Create": {"IndexName": "byh", "KeySchema": [{"AttributeName": "h", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                    "ProvisionedThroughput": pt(1, 5)}}])[:2] == (
        LIMIT, table_text("ReadCapacityUnits", 40001))
    # lowering one makes room for the other
    ddb.update_table(TableName=table, ProvisionedThroughput=pt(20000, 5))
    wait_active(ddb, table)
    ddb.update_table(TableName=table, GlobalSecondaryIndexUpdates=[
        {"Update": {"IndexName": "byg", "ProvisionedThroughput": pt(20000, 5)}}])
    wait_active(ddb, table)
    ddb.delete_table(TableName=table)  # its units count against the account's maxima


def switch(ddb, table, mode):
    kwargs = {"ProvisionedThroughput": pt(1, 1)} if mode == "PROVISIONED" else {}
    ddb.update_table(TableName=table, BillingMode=mode, **kwargs)
    wait_active(ddb, table)


DATE = r"[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d UTC \d{4}"


def test_four_switches_to_on_demand_a_day(ddb):
    table = make(ddb, rcu=1, wcu=1)
    for i in range(4):
        switch(ddb, table, "PAY_PER_REQUEST")
        switch(ddb, table, "PROVISIONED")  # back: at any time
    code, message, status = client_error(ddb.update_table, TableName=table,
                                         BillingMode="PAY_PER_REQUEST")
    assert (code, status) == (LIMIT, 400)
    # message unverified: the service's older once-a-day text with the count
    assert re.fullmatch(r"Subscriber limit exceeded: Update to PayPerRequest mode are limited to "
                        r"4 times in 1 day\(s\)\. Last update at %s\. Next update can be made at "
                        r"%s" % (DATE, DATE), message), message
    assert ddb.describe_table(TableName=table)["Table"]["BillingModeSummary"][
        "BillingMode"] == "PROVISIONED"
    # other changes go on
    ddb.update_table(TableName=table, ProvisionedThroughput=pt(2, 2))


def test_switches_are_counted_across_a_restart(spawn_server, tmp_path):
    from conftest import make_client
    srv = spawn_server(data_dir=tmp_path / "d")
    ddb = make_client(srv.endpoint)
    table = make(ddb, rcu=1, wcu=1)
    for i in range(4):
        switch(ddb, table, "PAY_PER_REQUEST")
        switch(ddb, table, "PROVISIONED")
    srv.stop()
    srv = spawn_server(data_dir=tmp_path / "d")
    ddb = make_client(srv.endpoint)
    assert client_error(ddb.update_table, TableName=table,
                        BillingMode="PAY_PER_REQUEST")[0] == LIMIT


# --- a GSI's throughput decreases ----------------------------------------------------------------


def gsi_pt(ddb, table):
    return ddb.describe_table(TableName=table)["Table"]["GlobalSecondaryIndexes"][0][
        "ProvisionedThroughput"]


def update_gsi(ddb, table, rcu, wcu):
    ddb.update_table(TableName=table, GlobalSecondaryIndexUpdates=[
        {"Update": {"IndexName": "byg", "ProvisionedThroughput": pt(rcu, wcu)}}])
    wait_active(ddb, table)


def test_gsi_decreases_are_counted_per_utc_day(spawn_server, tmp_path):
    import datetime
    from conftest import make_client
    from test_update_table import long_utc
    srv = spawn_server(data_dir=tmp_path / "d")
    ddb = make_client(srv.endpoint)
    table = make(ddb, rcu=20, wcu=20, gsi=(20, 20))
    p = gsi_pt(ddb, table)
    assert p["NumberOfDecreasesToday"] == 0 and "LastDecreaseDateTime" not in p
    assert "LastIncreaseDateTime" not in p
    for n in range(1, 5):  # decreases of either unit, or both
        rcu, wcu = 20 - n, 20 - (n % 2)
        update_gsi(ddb, table, rcu, wcu)
        p = gsi_pt(ddb, table)
        assert (p["NumberOfDecreasesToday"], p["ReadCapacityUnits"],
                p["WriteCapacityUnits"]) == (n, rcu, wcu)
    last = p["LastDecreaseDateTime"]
    # the table's own count is apart
    tp = ddb.describe_table(TableName=table)["Table"]["ProvisionedThroughput"]
    assert tp["NumberOfDecreasesToday"] == 0 and "LastDecreaseDateTime" not in tp
    # message unverified for an index: the table's text
    message = ("Subscriber limit exceeded: Provisioned throughput decreases are limited within a "
               "given UTC day. After the first 4 decreases, each subsequent decrease in the same "
               "UTC day can be performed at most once every 3600 seconds. Number of decreases "
               "today: 4. Last decrease at %s. Next decrease can be made at %s"
               % (long_utc(last), long_utc(last + datetime.timedelta(seconds=3600))))
    fifth = dict(TableName=table, GlobalSecondaryIndexUpdates=[
        {"Update": {"IndexName": "byg", "ProvisionedThroughput": pt(10, 20)}}])
    assert client_error(ddb.update_table, **fifth) == (LIMIT, message, 400)
    # an increase of one unit with a decrease of the other is a decrease too
    assert client_error(ddb.update_table, TableName=table, GlobalSecondaryIndexUpdates=[
        {"Update": {"IndexName": "byg", "ProvisionedThroughput": pt(30, 1)}}]) == (
            LIMIT, message, 400)
    assert (gsi_pt(ddb, table)["ReadCapacityUnits"], gsi_pt(ddb, table)["WriteCapacityUnits"]) == (
        16, 20)
    # increases stay free; the table's decreases too
    update_gsi(ddb, table, 30, 30)
    p = gsi_pt(ddb, table)
    assert p["NumberOfDecreasesToday"] == 4 and p["LastDecreaseDateTime"] == last
    assert p["LastIncreaseDateTime"] >= last
    ddb.update_table(TableName=table, ProvisionedThroughput=pt(10, 10))
    wait_active(ddb, table)
    assert ddb.describe_table(TableName=table)["Table"]["ProvisionedThroughput"][
        "NumberOfDecreasesToday"] == 1
    # the count is kept across a restart
    srv.stop()
    srv = spawn_server(data_dir=tmp_path / "d")
    ddb = make_client(srv.endpoint)
    p = gsi_pt(ddb, table)
    assert p["NumberOfDecreasesToday"] == 4 and p["LastDecreaseDateTime"] == last
    assert client_error(ddb.update_table, **fifth)[0] == LIMIT


# --- the account maxima ----------------------------------------------------------------------


def account_text(which, n):
    # message unverified: the per-table text's shape for the account maximum
    return ("The requested %s, %d, is above the per account maximum for the account in "
            "us-east-1. Per account maximum: 80000. Refer to the Amazon DynamoDB Developer Guide "
            "for current limits and how to request higher limits." % (which, n))


def test_account_maxima_count_every_provisioned_table_and_gsi(spawn_server):
    from conftest import make_client
    srv = spawn_server(in_memory=True)  # a server whose tables are all this test's
    ddb = make_client(srv.endpoint)
    a = make(ddb, rcu=40000, wcu=1)
    b = make(ddb, rcu=30000, wcu=1, gsi=(10000, 1))  # 80,000 read units: at the maximum
    e = create_error(ddb, rcu=1, wcu=1)
    assert e == (LIMIT, account_text("ReadCapacityUnits", 80001), 400)
    # on-demand tables hold no provisioned units
    od = unique_name("lim")
    d = definition(od, 1, 1)
    del d["ProvisionedThroughput"]
    ddb.create_table(BillingMode="PAY_PER_REQUEST", **d)
    wait_active(ddb, od)
    # a table's own units are replaced, not added, by its update
    ddb.update_table(TableName=a, ProvisionedThroughput=pt(39999, 40000))
    wait_active(ddb, a)
    c = make(ddb, rcu=1, wcu=1)
    # the write side: A's 40,000, B's 2 and C's 1 so far; B's table raised
    # to 39,999 (40,000 with its GSI) makes 80,001
    assert client_error(ddb.update_table, TableName=b, ProvisionedThroughput=pt(30000, 39999)) == (
        LIMIT, account_text("WriteCapacityUnits", 80001), 400)
    assert ddb.describe_table(TableName=b)["Table"]["ProvisionedThroughput"][
        "WriteCapacityUnits"] == 1
    # a GSI raised past the account's read units
    assert client_error(ddb.update_table, TableName=b, GlobalSecondaryIndexUpdates=[
        {"Update": {"IndexName": "byg", "ProvisionedThroughput": pt(10001, 1)}}]) == (
        LIMIT, table_text("ReadCapacityUnits", 40001), 400)  # the per-table limit first
    ddb.update_table(TableName=b, ProvisionedThroughput=pt(29999, 1))
    wait_active(ddb, b)
    ddb.update_table(TableName=a, ProvisionedThroughput=pt(40000, 40000))  # 80,000 read again
    wait_active(ddb, a)
    assert client_error(ddb.update_table, TableName=b, GlobalSecondaryIndexUpdates=[
        {"Update": {"IndexName": "byg", "ProvisionedThroughput": pt(10001, 1)}}]) == (
        LIMIT, account_text("ReadCapacityUnits", 80001), 400)
    # a switch to PROVISIONED brings units too
    assert client_error(ddb.update_table, TableName=od, BillingMode="PROVISIONED",
                        ProvisionedThroughput=pt(1, 1)) == (
        LIMIT, account_text("ReadCapacityUnits", 80001), 400)
    # a deleted table's units are free again
    ddb.delete_table(TableName=c)
    ddb.update_table(TableName=od, BillingMode="PROVISIONED", ProvisionedThroughput=pt(1, 1))
    wait_active(ddb, od)
    assert sorted(ddb.list_tables()["TableNames"]) == sorted([a, b, od])
