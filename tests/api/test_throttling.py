"""Throttling (--throttling): token buckets per table, per GSI and per
partition, with the service's errors.  Each test starts its own server with
--throttling and a short burst window (--throttling-burst-seconds), so that
a bucket's 300 seconds of burst become BURST seconds; every loop is bounded
in count and in time."""

import time

import pytest

from conftest import client_error, make_client, raw_call, unique_name, wait_active
from ddbvalues import S
from test_metrics import parse, scrape, value

BURST = 2.0  # seconds of unused capacity kept (the service: 300)

TABLE_MESSAGE = ("The level of configured provisioned throughput for the table was exceeded. "
                 "Consider increasing your provisioning level with the UpdateTable API.")
GSI_MESSAGE = ("The level of configured provisioned throughput for one or more global secondary "
               "indexes of the table was exceeded. Consider increasing your provisioning level "
               "for the under-provisioned global secondary indexes with the UpdateTable API")
ON_DEMAND_MESSAGE = ("Throughput exceeds the current capacity of your table or index. DynamoDB is "
                     "automatically scaling your table or index so please try again shortly. If "
                     "exceptions persist, check if you have a hot key: "
                     "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/"
                     "bp-partition-key-design.html")
PTEE = "ProvisionedThroughputExceededException"


@pytest.fixture
def throttled(spawn_server):
    """(server, client) of a server with throttling on."""
    srv = spawn_server(in_memory=True, extra_args=["--throttling", "--throttling-burst-seconds",
                                                   str(BURST)])
    return srv, make_client(srv.endpoint)


def create(ddb, rcu=None, wcu=None, gsi=None, name=None, on_demand_max=None):
    name = name or unique_name("thr")
    kwargs = dict(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                  AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    if on_demand_max:
        kwargs["OnDemandThroughput"] = on_demand_max
    if rcu is None:
        kwargs["BillingMode"] = "PAY_PER_REQUEST"
    else:
        kwargs["ProvisionedThroughput"] = {"ReadCapacityUnits": rcu, "WriteCapacityUnits": wcu}
    if gsi:
        kwargs["AttributeDefinitions"].append({"AttributeName": "g", "AttributeType": "S"})
        kwargs["GlobalSecondaryIndexes"] = [{
            "IndexName": "byg", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
            "ProvisionedThroughput": {"ReadCapacityUnits": gsi, "WriteCapacityUnits": gsi}}]
    ddb.create_table(**kwargs)
    wait_active(ddb, name)
    return name


def item(pk, size=100, **extra):
    """An item of `size` bytes by the service's rule (pk: 2 + len; pad: 3 + len)."""
    it = {"pk": S(pk), "pad": S("x" * (size - (2 + len(pk)) - 3))}
    it.update(extra)
    return it


def put(ddb, table, it):
    """None when the put succeeded, else (code, message)."""
    try:
        ddb.put_item(TableName=table, Item=it)
        return None
    except ddb.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"]


def write_until_throttled(ddb, table, make_item, limit=200, seconds=10.0):
    """Put make_item(i) until one is throttled: (successes, error)."""
    deadline = time.monotonic() + seconds
    for i in range(limit):
        err = put(ddb, table, make_item(i))
        if err:
            return i, err
        if time.monotonic() > deadline:
            break
    raise AssertionError("no throttling after %d writes" % (i + 1))


def test_start_up_log_says_whether_throttling_is_on(throttled, spawn_server):
    srv, _ = throttled
    assert "throttling on (burst 2 s)" in srv.log_tail()
    plain = spawn_server(in_memory=True)
    assert "throttling off" in plain.log_tail()


def test_without_the_flag_nothing_is_throttled(spawn_server):
    srv = spawn_server(in_memory=True)
    ddb = make_client(srv.endpoint)
    table = create(ddb, rcu=1, wcu=1)
    for i in range(40):  # forty times the table's capacity, at once
        assert put(ddb, table, item("k%d" % i, 1024)) is None
    for i in range(40):
        ddb.get_item(TableName=table, Key={"pk": S("k%d" % i)}, ConsistentRead=True)


def test_provisioned_write_loop_throttles_after_burst_and_recovers(throttled):
    srv, ddb = throttled
    table = create(ddb, rcu=5, wcu=5)
    start = time.monotonic()
    done, err = write_until_throttled(ddb, table, lambda i: item("k%d" % i, 1024))
    elapsed = time.monotonic() - start
    assert err == (PTEE, TABLE_MESSAGE)
    # the burst (5 WCU x 2 s) is spent first, then only the refill passes
    assert done >= 5 * BURST
    assert done <= 5 * BURST + 5 * elapsed + 1
    # still throttled at once, then recovered after a wait
    assert put(ddb, table, item("again", 1024)) == (PTEE, TABLE_MESSAGE)
    time.sleep(1.0)
    assert put(ddb, table, item("later", 1024)) is None
    assert ddb.get_item(TableName=table, Key={"pk": S("later")})["Item"]["pk"] == S("later")
    # a throttled write wrote nothing
    assert "Item" not in ddb.get_item(TableName=table, Key={"pk": S("again")},
                                      ConsistentRead=True)
    samples, _ = parse(scrape(srv.port).body.decode())
    assert value(samples, "ddbd_throttled_requests_total", table=table, index="") >= 2


def test_provisioned_reads_throttle(throttled):
    _, ddb = throttled
    table = create(ddb, rcu=2, wcu=100)
    ddb.put_item(TableName=table, Item=item("big", 16 * 1024))  # 4 RCU per strong read
    deadline = time.monotonic() + 10
    for i in range(50):
        code, message, _ = None, None, None
        try:
            ddb.get_item(TableName=table, Key={"pk": S("big")}, ConsistentRead=True)
        except ddb.exceptions.ClientError as e:
            code, message = e.response["Error"]["Code"], e.response["Error"]["Message"]
            break
        assert time.monotonic() < deadline
    assert (code, message) == (PTEE, TABLE_MESSAGE)
    assert i >= 1  # the burst (4 units) served the first read
    # Query and Scan of the table wait for the same bucket
    code, message, _ = client_error(ddb.scan, TableName=table)
    assert (code, message) == (PTEE, TABLE_MESSAGE)


# Isolation follows burst / 30 seconds of unbroken throttling: with BURST that
# is 67 ms, shorter than one slow put on a loaded machine, so the hot key could
# be isolated before its neighbours were seen to share its partition.  This
# test's server keeps 30 s of burst (isolation after 1 s of heat) instead.
ISOLATION_BURST = 30.0


def test_hot_partition_throttles_while_other_keys_pass_then_is_isolated(spawn_server):
    srv = spawn_server(in_memory=True, extra_args=["--throttling", "--throttling-burst-seconds",
                                                   str(ISOLATION_BURST)])
    ddb = make_client(srv.endpoint)
    # 4,000 WCU: 5 partitions of at most 1,000 WCU each, while the table has
    # capacity to spare
    table = create(ddb, rcu=1, wcu=4000)
    big = lambda i: item("hot", 300 * 1024)  # 300 WCU a write
    done, err = write_until_throttled(ddb, table, big)
    assert err == (PTEE, TABLE_MESSAGE)
    assert 3 <= done <= 20
    # other keys: most are on other partitions and pass; those sharing the
    # hot key's partition are throttled while its bucket is in debt
    others = ["o%d" % i for i in range(40)]
    passed, sharing = [], []
    for k in others:
        e = put(ddb, table, item(k, 100))
        (sharing if e else passed).append(k)
        if e:
            assert e == (PTEE, TABLE_MESSAGE)
        put(ddb, table, big(0))  # keep the hot partition in debt
    assert passed, "every key throttled: the table's capacity was not spared"
    assert sharing, "no key shared the hot partition"
    # Sustained heat (BURST / 30 s of throttling) isolates the hot item on a
    # partition of its own: its former neighbours pass even right after the
    # hot key was throttled, and the hot key stays capped.
    deadline = time.monotonic() + ISOLATION_BURST / 30 * 3
    while time.monotonic() < deadline:
        put(ddb, table, big(0))
    for k in sharing:
        write_until_throttled(ddb, table, big, limit=50)
        assert put(ddb, table, item(k, 100)) is None, k


def test_gsi_without_write_capacity_throttles_base_table_writes(throttled):
    _, ddb = throttled
    table = create(ddb, rcu=100, wcu=100, gsi=1)
    done, err = write_until_throttled(ddb, table,
                                      lambda i: item("k%d" % i, 1024, g=S("v%d" % i)))
    assert err == (PTEE, GSI_MESSAGE)
    assert 1 <= done <= 1 * BURST + 10  # far below the table's own 100 WCU
    # any write to the table waits for the index, even one it would not touch
    assert put(ddb, table, item("plain", 100)) == (PTEE, GSI_MESSAGE)
    # reads of the table are not concerned
    ddb.get_item(TableName=table, Key={"pk": S("k0")})


def test_on_demand_hot_key_throttles_with_throttling_exception(throttled):
    _, ddb = throttled
    table = create(ddb)
    done, err = write_until_throttled(ddb, table, lambda i: item("hot", 300 * 1024))
    assert err == ("ThrottlingException", ON_DEMAND_MESSAGE)
    assert 3 <= done <= 20  # one partition's 1,000 WRU a second
    assert put(ddb, table, item("other", 100)) in (None, ("ThrottlingException",
                                                          ON_DEMAND_MESSAGE))


def create_capped(srv, maximums):
    """An on-demand table with OnDemandThroughput (by raw requests: Debian's
    botocore predates the member)."""
    name = unique_name("cap")
    r = raw_call(srv.port, "CreateTable", {
        "TableName": name, "BillingMode": "PAY_PER_REQUEST", "OnDemandThroughput": maximums,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]})
    assert r.status == 200, r.body
    wait_active(make_client(srv.endpoint), name)
    return name


def described_maximums(srv, table):
    return raw_call(srv.port, "DescribeTable", {"TableName": table}).json()["Table"].get(
        "OnDemandThroughput")


def test_on_demand_maximums_cap(throttled):
    srv, ddb = throttled
    table = create_capped(srv, {"MaxWriteRequestUnits": 5})
    assert described_maximums(srv, table) == {"MaxReadRequestUnits": -1,
                                              "MaxWriteRequestUnits": 5}
    start = time.monotonic()
    done, err = write_until_throttled(ddb, table, lambda i: item("k%d" % i, 1024))
    # message unverified: the service's reason is MaxOnDemandThroughputExceeded
    assert err == ("ThrottlingException", ON_DEMAND_MESSAGE)
    assert 5 <= done <= 5 + 5 * (time.monotonic() - start) + 1  # one second's worth kept
    # reads are not capped
    for i in range(20):
        ddb.get_item(TableName=table, Key={"pk": S("k0")}, ConsistentRead=True)
    time.sleep(1.0)
    assert put(ddb, table, item("later", 1024)) is None


def test_on_demand_maximums_survive_a_restart(spawn_server, tmp_path):
    srv = spawn_server(data_dir=tmp_path / "d", extra_args=["--throttling"])
    table = create_capped(srv, {"MaxReadRequestUnits": 7})
    srv.stop()
    srv = spawn_server(data_dir=tmp_path / "d", extra_args=["--throttling"])
    assert described_maximums(srv, table) == {"MaxReadRequestUnits": 7,
                                              "MaxWriteRequestUnits": -1}


def spend(ddb, table):
    """Spend a provisioned table's write capacity."""
    write_until_throttled(ddb, table, lambda i: item("s%d" % i, 1024))


def test_batch_write_returns_throttled_part_unprocessed(throttled):
    _, ddb = throttled
    spent, fresh = create(ddb, rcu=1, wcu=1), create(ddb, rcu=1, wcu=100)
    spend(ddb, spent)
    requests = {spent: [{"PutRequest": {"Item": item("a", 100)}},
                        {"DeleteRequest": {"Key": {"pk": S("b")}}}],
                fresh: [{"PutRequest": {"Item": item("c", 100)}}]}
    r = ddb.batch_write_item(RequestItems=requests)
    assert r["UnprocessedItems"] == {spent: requests[spent]}
    assert ddb.get_item(TableName=fresh, Key={"pk": S("c")})["Item"] == item("c", 100)
    assert "Item" not in ddb.get_item(TableName=spent, Key={"pk": S("a")})
    # all of it throttled: the call fails
    code, message, _ = client_error(ddb.batch_write_item, RequestItems={spent: requests[spent]})
    assert (code, message) == (PTEE, TABLE_MESSAGE)


def test_batch_get_returns_throttled_keys_unprocessed(throttled):
    _, ddb = throttled
    spent, fresh = create(ddb, rcu=1, wcu=10), create(ddb, rcu=100, wcu=10)
    ddb.put_item(TableName=spent, Item=item("a", 8 * 1024))
    ddb.put_item(TableName=fresh, Item=item("c", 100))
    deadline = time.monotonic() + 10
    while True:  # spend the read capacity
        try:
            ddb.get_item(TableName=spent, Key={"pk": S("a")}, ConsistentRead=True)
        except ddb.exceptions.ClientError:
            break
        assert time.monotonic() < deadline
    request = {spent: {"Keys": [{"pk": S("a")}, {"pk": S("b")}], "ConsistentRead": True,
                       "ProjectionExpression": "pk"},
               fresh: {"Keys": [{"pk": S("c")}]}}
    r = ddb.batch_get_item(RequestItems=request)
    assert r["Responses"] == {spent: [], fresh: [item("c", 100)]}
    assert r["UnprocessedKeys"] == {spent: request[spent]}
    code, message, _ = client_error(ddb.batch_get_item, RequestItems={spent: request[spent]})
    assert (code, message) == (PTEE, TABLE_MESSAGE)


def test_transaction_cancels_with_throughput_reasons(throttled):
    _, ddb = throttled
    spent, fresh = create(ddb, rcu=1, wcu=1), create(ddb, rcu=1, wcu=100)
    spend(ddb, spent)
    e = client_error(ddb.transact_write_items, TransactItems=[
        {"Put": {"TableName": fresh, "Item": item("x", 100)}},
        {"Put": {"TableName": spent, "Item": item("y", 100)}}])
    assert e[0] == "TransactionCanceledException"
    assert e[1] == ("Transaction cancelled, please refer cancellation reasons for specific "
                    "reasons [None, ProvisionedThroughputExceeded]")
    assert "Item" not in ddb.get_item(TableName=fresh, Key={"pk": S("x")})


def test_on_demand_transaction_cancels_with_throttling_error(throttled):
    _, ddb = throttled
    table = create(ddb)
    deadline, i = time.monotonic() + 10, 0
    while True:  # 600 WRU a transaction on one key: one partition's 1,000 a second
        try:
            ddb.transact_write_items(TransactItems=[
                {"Put": {"TableName": table, "Item": item("hot", 300 * 1024)}}])
        except ddb.exceptions.ClientError as err:
            r = err.response
            break
        i += 1
        assert i < 30 and time.monotonic() < deadline
    assert r["Error"]["Code"] == "TransactionCanceledException"
    assert r["Error"]["Message"] == ("Transaction cancelled, please refer cancellation reasons "
                                     "for specific reasons [ThrottlingError]")
    assert r["CancellationReasons"] == [{"Code": "ThrottlingError",
                                         "Message": ON_DEMAND_MESSAGE}]


def test_throttled_keys_reach_contributor_insights(throttled):
    """Throttled writes and reads are counted by Contributor Insights under
    their keys (the most throttled keys at /metrics)."""
    from test_contributor_insights import top
    srv, ddb = throttled
    table = create(ddb, rcu=2, wcu=5)
    ddb.update_contributor_insights(TableName=table, ContributorInsightsAction="ENABLE")
    assert top(srv.port, "ddbd_insights_throttled_partition_keys", table) == []
    _, err = write_until_throttled(ddb, table, lambda i: item("hot", 1024))
    assert err == (PTEE, TABLE_MESSAGE)
    got = dict(top(srv.port, "ddbd_insights_throttled_partition_keys", table))
    assert got.get("hot", 0) >= 1 and set(got) == {"hot"}
    # a throttled read counts too
    deadline, reads = time.monotonic() + 10, 0
    while time.monotonic() < deadline and reads < 500:
        reads += 1
        try:
            ddb.get_item(TableName=table, Key={"pk": S("cold")}, ConsistentRead=True)
        except ddb.exceptions.ClientError as e:
            assert e.response["Error"]["Code"] == PTEE
            break
    else:
        raise AssertionError("no read throttling after %d reads" % reads)
    got = dict(top(srv.port, "ddbd_insights_throttled_partition_keys", table))
    assert got.get("cold", 0) >= 1
