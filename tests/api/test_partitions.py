"""Partitions under --throttling: a table's data splits its partitions
(10 GB each in the service; --throttling-partition-bytes makes that small
here), and /metrics shows each table's partition count and the consumed
units of its most consuming partitions (a bounded number of series)."""

import time

from conftest import make_client
from test_metrics import parse, scrape, value
from test_throttling import create, item


def samples(port):
    s, _ = parse(scrape(port).body.decode())
    return s


def series(s, name, table):
    return {labels: v for (n, labels), v in s.items()
            if n == name and ("table", table) in labels}


def wait_partitions(port, table, want, seconds=5.0):
    deadline = time.monotonic() + seconds
    while True:
        got = value(samples(port), "ddbd_partitions", table=table)
        if got == want or time.monotonic() > deadline:
            return got
        time.sleep(0.1)


def server(spawn_server, partition_bytes):
    srv = spawn_server(in_memory=True, extra_args=[
        "--throttling", "--throttling-partition-bytes", str(partition_bytes)])
    return srv, make_client(srv.endpoint)


def test_data_splits_partitions(spawn_server):
    srv, ddb = server(spawn_server, 4096)
    table = create(ddb, rcu=5, wcu=5)  # one partition by its throughput
    ddb.put_item(TableName=table, Item=item("k0", 1024))
    assert wait_partitions(srv.port, table, 1) == 1
    for i in range(1, 20):  # 20 KB: five partitions of 4 KB
        ddb.put_item(TableName=table, Item=item("k%d" % i, 1024))
    assert wait_partitions(srv.port, table, 5) == 5
    # rewriting the same items keeps the size, and the count
    for i in range(20):
        ddb.put_item(TableName=table, Item=item("k%d" % i, 1024))
    time.sleep(1.5)
    s = samples(srv.port)
    assert value(s, "ddbd_partitions", table=table) == 5
    # every rewrite (1 WCU) is on one of the five partitions, all shown
    writes = {labels: v for labels, v in series(
        s, "ddbd_partition_consumed_units_total", table).items() if ("kind", "write") in labels}
    assert len(writes) == 5
    assert sum(writes.values()) == 20
    # deleting data never merges partitions
    for i in range(20):
        ddb.delete_item(TableName=table, Key={"pk": {"S": "k%d" % i}})
    time.sleep(1.5)
    assert value(samples(srv.port), "ddbd_partitions", table=table) == 5


def test_partition_series_are_bounded(spawn_server):
    srv, ddb = server(spawn_server, 1024)
    table = create(ddb)  # on demand: four partitions to start with
    for i in range(40):
        ddb.put_item(TableName=table, Item=item("k%d" % i, 1024))
    assert wait_partitions(srv.port, table, 40) == 40
    for i in range(40):
        ddb.get_item(TableName=table, Key={"pk": {"S": "k%d" % i}}, ConsistentRead=True)
    s = samples(srv.port)
    consumed = series(s, "ddbd_partition_consumed_units_total", table)
    assert len(consumed) == 8 * 2  # the 8 most consuming partitions, read and write
    reads = [v for labels, v in consumed.items() if ("kind", "read") in labels]
    assert all(v >= 1 for v in reads)


def test_without_throttling_no_partition_families(spawn_server):
    srv = spawn_server(in_memory=True)
    create(make_client(srv.endpoint), rcu=1, wcu=1)
    text = scrape(srv.port).body.decode()
    assert "ddbd_partitions" not in text
    assert "ddbd_partition_consumed_units_total" not in text
