"""Partitions of a GSI under --throttling: a GSI has partitions of its own,
ranges of the hash of the index's partition key, sized from the index's
throughput (or on-demand's initial size), each at the per-partition limits
(3,000 read / 1,000 write units a second).  A hot index key throttles the
base table's writes that put entries under it, and Queries of it, while
other index keys pass; sustained heat isolates it; the index's data splits
its partitions; /metrics shows ddbd_partitions{table,index}.  Every loop
is bounded in count and in time."""

import time

from conftest import make_client, raw_call, wait_active
from ddbvalues import S
from test_contributor_insights import top
from test_metrics import parse, scrape, value
from test_throttling import GSI_MESSAGE, PTEE, TABLE_MESSAGE, item, put
from test_throttling_reasons import ARN, reasons

# Isolation follows burst / 30 s of unbroken throttling: 1 s of heat here,
# longer than any one request on a loaded machine.
ISOLATION_BURST = 30.0


def server(spawn_server, *extra):
    srv = spawn_server(in_memory=True, extra_args=["--throttling", *extra])
    return srv, make_client(srv.endpoint)


def create(ddb, name, rcu=None, wcu=None, gsi_rcu=None, gsi_wcu=None, projection="ALL"):
    kwargs = dict(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                  AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                        {"AttributeName": "g", "AttributeType": "S"}])
    index = {"IndexName": "byg", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
             "Projection": {"ProjectionType": projection}}
    if rcu is None:
        kwargs["BillingMode"] = "PAY_PER_REQUEST"
    else:
        kwargs["ProvisionedThroughput"] = {"ReadCapacityUnits": rcu, "WriteCapacityUnits": wcu}
        index["ProvisionedThroughput"] = {"ReadCapacityUnits": gsi_rcu,
                                          "WriteCapacityUnits": gsi_wcu}
    kwargs["GlobalSecondaryIndexes"] = [index]
    ddb.create_table(**kwargs)
    wait_active(ddb, name)
    return name


def partitions(port, table, index=None):
    s, _ = parse(scrape(port).body.decode())
    labels = {"table": table}
    if index:
        labels["index"] = index
    return value(s, "ddbd_partitions", **labels)


def wait_partitions(port, table, index, want, seconds=5.0):
    deadline = time.monotonic() + seconds
    while True:
        got = partitions(port, table, index)
        if got == want or time.monotonic() > deadline:
            return got
        time.sleep(0.1)


def raw_put(port, table, it):
    return raw_call(port, "PutItem", {"TableName": table, "Item": it})


def test_gsi_partition_count_follows_its_own_throughput(spawn_server):
    srv, ddb = server(spawn_server)
    # the table: 1 partition; its GSI: ceil(3000/3000 + 2000/1000) = 3
    create(ddb, "prov", rcu=1, wcu=1, gsi_rcu=3000, gsi_wcu=2000)
    # on demand: the initial size, 4 partitions, the GSI's as the table's
    create(ddb, "odm")
    for t in ("prov", "odm"):
        ddb.put_item(TableName=t, Item={"pk": S("a"), "g": S("x")})
    assert partitions(srv.port, "prov") == 1
    assert partitions(srv.port, "prov", "byg") == 3
    assert partitions(srv.port, "odm") == 4
    assert partitions(srv.port, "odm", "byg") == 4
    # raising the GSI's throughput adds partitions; lowering never merges
    ddb.update_table(TableName="prov", GlobalSecondaryIndexUpdates=[{"Update": {
        "IndexName": "byg",
        "ProvisionedThroughput": {"ReadCapacityUnits": 3000, "WriteCapacityUnits": 5000}}}])
    wait_active(ddb, "prov")
    ddb.put_item(TableName="prov", Item={"pk": S("b"), "g": S("y")})
    assert partitions(srv.port, "prov", "byg") == 6
    ddb.update_table(TableName="prov", GlobalSecondaryIndexUpdates=[{"Update": {
        "IndexName": "byg",
        "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}}])
    wait_active(ddb, "prov")
    ddb.put_item(TableName="prov", Item={"pk": S("c"), "g": S("z")})
    assert partitions(srv.port, "prov", "byg") == 6
    assert partitions(srv.port, "prov") == 1


def test_without_throttling_no_gsi_partition_series(spawn_server):
    srv = spawn_server(in_memory=True)
    ddb = make_client(srv.endpoint)
    create(ddb, "plain", rcu=1, wcu=1, gsi_rcu=3000, gsi_wcu=2000)
    ddb.put_item(TableName="plain", Item={"pk": S("a"), "g": S("x")})
    assert "ddbd_partitions" not in scrape(srv.port).body.decode()


def test_hot_gsi_key_throttles_base_writes_then_is_isolated(spawn_server):
    srv, ddb = server(spawn_server, "--throttling-burst-seconds", str(ISOLATION_BURST))
    # the table: 21 partitions and 20,000 WCU, so that base-table writes
    # never throttle here; its GSI: 5 partitions of 1,000 WCU, 4,000 in all
    table = create(ddb, "hotg", rcu=1, wcu=20000, gsi_rcu=1, gsi_wcu=4000)
    # 300 WCU on the index a put: each one changes the entry (n), and the
    # base keys rotate so that no table partition is hot
    count = iter(range(10 ** 6))
    big = lambda i: item("b%d" % (i % 30), 300 * 1024, g=S("hot"), n=S(str(next(count))))
    ddb.update_contributor_insights(TableName=table, IndexName="byg",
                                    ContributorInsightsAction="ENABLE")
    deadline = time.monotonic() + 10
    for i in range(20):
        r = raw_put(srv.port, table, big(i))
        if r.status != 200:
            break
        assert time.monotonic() < deadline
    else:
        raise AssertionError("no throttling on the hot index key")
    assert 3 <= i <= 20, i  # 1,000 units of the partition (and its second)
    assert (r.error_type, r.error_message) == (PTEE, GSI_MESSAGE)
    assert reasons(r) == [{"reason": "IndexWriteKeyRangeThroughputExceeded",
                           "resource": ARN + table + "/index/byg"}]
    # the throttled put wrote nothing
    assert "Item" not in ddb.get_item(TableName=table, Key={"pk": S("b%d" % i)})
    # other index keys: most are on other index partitions and pass (the
    # index has capacity to spare); those sharing the hot one's partition
    # are throttled while it is in debt
    passed, sharing = [], []
    for k in range(40):
        e = put(ddb, table, item("o%d" % k, 100, g=S("g%d" % k)))
        (sharing if e else passed).append(k)
        if e:
            assert e == (PTEE, GSI_MESSAGE)
        put(ddb, table, big(0))  # keep the hot partition in debt
    assert passed, "every index key throttled: the index's capacity was not spared"
    assert sharing, "no index key shared the hot partition"
    # a write without an entry in the index is never held by it
    assert put(ddb, table, item("noidx", 100)) is None
    # sustained heat isolates the hot index key on a partition of its own
    before = partitions(srv.port, table, "byg")
    assert before == 5
    deadline = time.monotonic() + ISOLATION_BURST / 30 * 3
    while time.monotonic() < deadline:
        put(ddb, table, big(0))
    assert partitions(srv.port, table, "byg") > before
    for k in sharing:
        for _ in range(20):  # the hot key in debt again
            if put(ddb, table, big(0)):
                break
        assert put(ddb, table, item("o%d" % k, 100, g=S("g%d" % k))) is None, k
    # the throttled index key leads the index's Contributor Insights
    throttled = top(srv.port, "ddbd_insights_throttled_partition_keys", table, "byg")
    assert throttled[0][0] == "hot" and throttled[0][1] >= 2
    assert top(srv.port, "ddbd_insights_throttled_partition_keys", table) == []


def test_hot_gsi_key_throttles_queries_of_it(spawn_server):
    srv, ddb = server(spawn_server)
    table = create(ddb, "hotq", rcu=1000, wcu=4000, gsi_rcu=10000, gsi_wcu=1000)
    # 1 MB read a Query of "hot" (eventually consistent: 128 units of its
    # partition's 3,000 a second), a filter that keeps the answers small;
    # the puts are spaced so that the hot index partition's 1,000 WCU hold
    for i in range(4):
        ddb.put_item(TableName=table, Item=item("h%d" % i, 300 * 1024, g=S("hot")))
        time.sleep(0.4)
    for i in range(10):
        ddb.put_item(TableName=table, Item=item("c%d" % i, 100, g=S("cold%d" % i)))
    query = lambda g: raw_call(srv.port, "Query", {
        "TableName": table, "IndexName": "byg", "KeyConditionExpression": "g = :g",
        "FilterExpression": "attribute_not_exists(pk)",
        "ExpressionAttributeValues": {":g": S(g)}})
    deadline = time.monotonic() + 20
    for i in range(400):
        r = query("hot")
        if r.status != 200:
            break
        assert time.monotonic() < deadline, "no throttling in 20 s"
    else:
        raise AssertionError("no throttling after 400 queries")
    assert i >= 3000 // 160  # the partition's 3,000 units first (about 151 a Query)
    # message unverified for an index read: the table's text
    assert (r.error_type, r.error_message) == (PTEE, TABLE_MESSAGE)
    assert reasons(r) == [{"reason": "IndexReadKeyRangeThroughputExceeded",
                           "resource": ARN + table + "/index/byg"}]
    # the index's capacity (10,000 RCU) is spared: keys on its other
    # partitions read (some of ten, on 5 partitions, may share the hot one)
    statuses = [query("cold%d" % k).status for k in range(10)]
    assert statuses.count(200) >= 1, statuses
    # a Scan of the index is not keyed: only the index's capacity
    assert raw_call(srv.port, "Scan", {"TableName": table, "IndexName": "byg",
                                       "Limit": 1}).status == 200


def test_gsi_data_splits_its_partitions(spawn_server):
    srv, ddb = server(spawn_server, "--throttling-partition-bytes", "4096")
    # KEYS_ONLY entries (about 10 bytes each) keep the index small while the
    # table grows; then ALL-projected entries of a second table split it
    create(ddb, "small", rcu=5, wcu=5, gsi_rcu=5, gsi_wcu=5, projection="KEYS_ONLY")
    create(ddb, "wide", rcu=5, wcu=5, gsi_rcu=5, gsi_wcu=5)
    for i in range(20):  # just under 20 KB of items (1,000 bytes and g)
        ddb.put_item(TableName="small", Item=item("k%d" % i, 1000, g=S("v%d" % i)))
        ddb.put_item(TableName="wide", Item=item("k%d" % i, 1000, g=S("v%d" % i)))
    assert wait_partitions(srv.port, "wide", None, 5) == 5
    assert wait_partitions(srv.port, "wide", "byg", 5) == 5
    assert wait_partitions(srv.port, "small", None, 5) == 5
    time.sleep(1.5)
    assert partitions(srv.port, "small", "byg") == 1
