"""GET /metrics: the Prometheus text exposition of the server's counters,
checked against known work on a fresh server, parsed directly and through a
real Prometheus server (Debian's `prometheus`) that scrapes it."""

import json
import math
import os
import re
import shutil
import subprocess
import time
import urllib.parse
import urllib.request

import pytest

from conftest import free_port, make_client, raw_request
from ddbvalues import S

LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)')


def parse(text):
    """The samples of an exposition as {(name, frozenset(labels)): value},
    checking the format on the way: every sample's family declared first by
    # HELP and # TYPE, names and labels well formed, one sample per series."""
    samples, types = {}, {}
    for line in text.splitlines():
        if line.startswith("# HELP "):
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert kind in ("counter", "gauge", "histogram"), line
            assert name not in types, "family declared twice: " + name
            types[name] = kind
            continue
        m = LINE.match(line)
        assert m, "malformed line: %r" % line
        name, labels, value = m.groups()
        family = re.sub(r"_(bucket|sum|count)$", "", name) if name not in types else name
        assert family in types, "sample before its # TYPE: " + line
        pairs = {}
        rest = labels or ""
        while rest:
            lm = LABEL.match(rest)
            assert lm, "malformed labels: %r" % line
            pairs[lm.group(1)] = lm.group(2)
            rest = rest[lm.end():]
        key = (name, frozenset(pairs.items()))
        assert key not in samples, "series twice: " + line
        samples[key] = float(value)
    return samples, types


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())))


def scrape(port, path="/metrics"):
    r = raw_request(port, method="GET", path=path, target=None, content_type=None, auth=False)
    return r


@pytest.fixture
def fresh(spawn_server):
    """A server of our own, so that every count is ours."""
    srv = spawn_server(in_memory=True)
    return srv, make_client(srv.endpoint)


def known_work(ddb, table="metered"):
    """Work whose counts are known: returns what it did."""
    ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "g", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     GlobalSecondaryIndexes=[{
                         "IndexName": "byg", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                         "Projection": {"ProjectionType": "KEYS_ONLY"}}])
    # 7 items of 2,000 bytes ("pk" + 3, "pd" + 1,993): 2 write units each; 3
    # of them in the index (keys "pk" + 3 and "g" + 1: 7 bytes, 1 unit)
    for i in range(7):
        item = {"pk": S("k%02d" % i), "pd": S("x" * 1993)}
        if i < 3:
            item["g"] = S("g")
            item["pd"] = S("x" * 1991)
        ddb.put_item(TableName=table, Item=item)
    for i in range(5):  # 5 strongly consistent reads of 1 unit, 4 eventual of 0.5
        ddb.get_item(TableName=table, Key={"pk": S("k%02d" % i)}, ConsistentRead=True)
    for i in range(4):
        ddb.get_item(TableName=table, Key={"pk": S("k%02d" % i)})
    for _ in range(3):  # errors of three kinds
        with pytest.raises(ddb.exceptions.ResourceNotFoundException):
            ddb.get_item(TableName="no-such-table", Key={"pk": S("a")})
    with pytest.raises(ddb.exceptions.ClientError) as e:
        ddb.get_item(TableName=table, Key={"nokey": S("a")})
    assert e.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
        # a failed condition still costs the write: 2 units
        ddb.put_item(TableName=table, Item={"pk": S("k00")},
                     ConditionExpression="attribute_not_exists(pk)")
    ddb.query(TableName=table, IndexName="byg", KeyConditionExpression="g = :g",
              ExpressionAttributeValues={":g": S("g")})  # 3 x 7 bytes: 0.5 on the index
    return {"puts": 8, "gets": 13, "read": 5 * 1 + 4 * 0.5, "write": 7 * 2 + 2,
            "index_write": 3.0, "index_read": 0.5, "items": 7, "bytes": 7 * 2000,
            "index_items": 3, "index_bytes": 3 * 7}


def test_exposition_counts_the_work_done(fresh):
    srv, ddb = fresh
    did = known_work(ddb)
    r = scrape(srv.port)
    assert r.status == 200
    assert r.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    samples, types = parse(r.body.decode())
    req = "ddbd_requests_total"
    assert types[req] == "counter"
    assert value(samples, req, operation="PutItem") == did["puts"]
    assert value(samples, req, operation="GetItem") == did["gets"]
    assert value(samples, req, operation="Query") == 1
    assert value(samples, req, operation="CreateTable") == 1
    assert value(samples, req, operation="DeleteTable") == 0
    err = "ddbd_errors_total"
    assert value(samples, err, operation="GetItem", error="ResourceNotFoundException") == 3
    assert value(samples, err, operation="PutItem",
                 error="ConditionalCheckFailedException") == 1
    assert value(samples, err, operation="GetItem", error="ValidationException") == 1
    assert value(samples, err, operation="PutItem", error="ValidationException") is None
    # by table: requests naming a table that does not exist are not kept
    treq, terr = "ddbd_table_requests_total", "ddbd_table_errors_total"
    assert value(samples, treq, table="metered", operation="PutItem") == did["puts"]
    assert value(samples, treq, table="metered", operation="GetItem") == did["gets"] - 3
    assert value(samples, treq, table="metered", operation="Query") == 1
    assert value(samples, treq, table="metered", operation="CreateTable") == 1
    assert value(samples, treq, table="no-such-table", operation="GetItem") is None
    assert value(samples, terr, table="metered", operation="PutItem",
                 error="ConditionalCheckFailedException") == 1
    assert value(samples, terr, table="metered", operation="GetItem",
                 error="ValidationException") == 1
    assert not [k for k in samples if k[0] == terr and dict(k[1])["table"] != "metered"]
    # units per table and index
    t = dict(table="metered", index="")
    gsi = dict(table="metered", index="byg")
    assert value(samples, "ddbd_consumed_read_units_total", **t) == did["read"]
    assert value(samples, "ddbd_consumed_write_units_total", **t) == did["write"]
    assert value(samples, "ddbd_consumed_write_units_total", **gsi) == did["index_write"]
    assert value(samples, "ddbd_consumed_read_units_total", **gsi) == did["index_read"]
    assert value(samples, "ddbd_throttled_requests_total", **t) == 0
    assert value(samples, "ddbd_throttled_requests_total", **gsi) == 0
    assert value(samples, "ddbd_table_items", **t) == did["items"]
    assert value(samples, "ddbd_table_bytes", **t) == did["bytes"]
    assert value(samples, "ddbd_table_items", **gsi) == did["index_items"]
    assert value(samples, "ddbd_table_bytes", **gsi) == did["index_bytes"]
    # latency histograms: cumulative buckets ending in +Inf == _count == requests
    for op, n in (("PutItem", did["puts"]), ("GetItem", did["gets"])):
        name = "ddbd_request_duration_seconds"
        buckets = sorted(((float(dict(k[1])["le"]), v) for k, v in samples.items()
                          if k[0] == name + "_bucket" and dict(k[1])["operation"] == op))
        assert len(buckets) == 15 and math.isinf(buckets[-1][0])
        assert all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:]))
        assert buckets[-1][1] == n == value(samples, name + "_count", operation=op)
        assert 0 < value(samples, name + "_sum", operation=op) < 60 * n
    # the server's own gauges
    assert value(samples, "ddbd_open_connections") >= 1
    assert value(samples, "ddbd_writer_queue_depth") == 0
    commits = value(samples, "ddbd_group_commit_writes_count")
    writes = value(samples, "ddbd_group_commit_writes_sum")
    # every put (and the table's creation) went through the writer
    assert writes >= did["puts"] + 1 and 1 <= commits <= writes
    assert value(samples, "ddbd_group_commit_writes_bucket", le="+Inf") == commits
    assert value(samples, "ddbd_commit_duration_seconds_count") >= commits
    assert 0 < value(samples, "ddbd_storage_used_bytes") <= value(samples,
                                                                  "ddbd_storage_map_bytes")


def test_counters_only_grow_between_scrapes(fresh):
    srv, ddb = fresh
    known_work(ddb)
    first, _ = parse(scrape(srv.port).body.decode())
    ddb.get_item(TableName="metered", Key={"pk": S("k01")}, ConsistentRead=True)
    second, _ = parse(scrape(srv.port).body.decode())
    t = dict(table="metered", index="")
    assert value(second, "ddbd_requests_total", operation="GetItem") == \
        value(first, "ddbd_requests_total", operation="GetItem") + 1
    assert value(second, "ddbd_consumed_read_units_total", **t) == \
        value(first, "ddbd_consumed_read_units_total", **t) + 1


def test_label_values_and_head(fresh):
    srv, ddb = fresh
    ddb.create_table(TableName="a.b-c_d", BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    ddb.put_item(TableName="a.b-c_d", Item={"pk": S("v")})
    samples, _ = parse(scrape(srv.port).body.decode())
    assert value(samples, "ddbd_table_items", table="a.b-c_d", index="") == 1
    r = raw_request(srv.port, method="HEAD", path="/metrics", target=None, content_type=None,
                    auth=False)
    assert r.status == 200 and r.body == b""
    # a query string is allowed; other paths stay unknown
    assert scrape(srv.port, "/metrics?x=1").status == 200
    assert scrape(srv.port, "/metricsx").status == 404
    assert scrape(srv.port, "/metrics/").status == 404


def test_made_up_table_names_are_bounded(spawn_server):
    """Requests that fail validation before any table is looked up may name
    any table: past the bound they are counted under "(other)"."""
    import socket
    from conftest import build_request, read_response
    srv = spawn_server(in_memory=True, extra_args=["--threads", "1"])
    n = 4096 + 50
    sock = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
    f = sock.makefile("rb")
    deadline = time.time() + 120
    sent = 0
    try:
        while sent < n and time.time() < deadline:
            batch = min(100, n - sent)  # pipelined, in bounded steps
            sock.sendall(b"".join(build_request("GetItem", {
                "TableName": "made-up-%05d" % (sent + i), "Key": {"pk": {"S": "a"}},
                "ReturnConsumedCapacity": "BOGUS"}) for i in range(batch)))
            for _ in range(batch):
                r = read_response(f)
                assert r.status == 400 and r.error_type == "ValidationException"
            sent += batch
    finally:
        sock.close()
    assert sent == n
    samples, _ = parse(scrape(srv.port).body.decode())
    tables = {dict(k[1])["table"] for k in samples if k[0] == "ddbd_table_requests_total"}
    assert len(tables) == 4096 + 1 and "(other)" in tables
    assert value(samples, "ddbd_table_requests_total", table="(other)", operation="GetItem") == 50
    assert value(samples, "ddbd_table_errors_total", table="made-up-00000", operation="GetItem",
                 error="ValidationException") == 1
    assert value(samples, "ddbd_errors_total", operation="GetItem",
                 error="ValidationException") == n


def test_no_metrics_flag(spawn_server):
    srv = spawn_server(in_memory=True, extra_args=["--no-metrics"])
    ddb = make_client(srv.endpoint)
    assert "TableNames" in ddb.list_tables()
    assert scrape(srv.port).status == 404


def test_metrics_port_serves_only_metrics(spawn_server):
    mport = free_port()
    srv = spawn_server(in_memory=True, extra_args=["--metrics-port", str(mport)])
    ddb = make_client(srv.endpoint)
    ddb.list_tables()
    r = scrape(mport)
    assert r.status == 200
    samples, _ = parse(r.body.decode())
    assert value(samples, "ddbd_requests_total", operation="ListTables") == 1
    # the API is not served there
    r = raw_request(mport, body=b"{}")
    assert r.status == 404
    assert raw_request(mport, method="GET", path="/", target=None, content_type=None).status == 404
    assert scrape(srv.port).status == 200


@pytest.mark.parametrize("bad", ["0", "65536", "x", "-1"])
def test_metrics_port_value_checked(bad):
    from conftest import BIN
    r = subprocess.run([BIN, "--in-memory", "--metrics-port", bad], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 2
    assert r.stderr.startswith("ddbd: bad value for --metrics-port: %s\n" % bad)


# --------------------------------------------------------------------------
# A real Prometheus server


def prometheus_query(port, query):
    url = "http://127.0.0.1:%d/api/v1/query?%s" % (port, urllib.parse.urlencode({"query": query}))
    with urllib.request.urlopen(url, timeout=5) as r:
        body = json.load(r)
    assert body["status"] == "success"
    return {tuple(sorted(x["metric"].items())): float(x["value"][1])
            for x in body["data"]["result"]}


def test_prometheus_scrapes_the_work_done(fresh, tmp_path):
    binary = shutil.which("prometheus")
    if not binary:
        pytest.skip("Debian's prometheus is not installed (make deps installs it)")
    srv, ddb = fresh
    did = known_work(ddb)
    pport = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text("global:\n  scrape_interval: 1s\n"
                      "scrape_configs:\n  - job_name: ddbd\n    metrics_path: /metrics\n"
                      "    static_configs:\n      - targets: ['127.0.0.1:%d']\n" % srv.port)
    log = open(tmp_path / "prometheus.log", "w")
    proc = subprocess.Popen([binary, "--config.file=%s" % config,
                             "--storage.tsdb.path=%s" % (tmp_path / "tsdb"),
                             "--web.listen-address=127.0.0.1:%d" % pport],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 60
        got = {}
        while time.time() < deadline:
            try:
                got = prometheus_query(pport, 'ddbd_requests_total{operation="PutItem"}')
            except OSError:
                got = {}
            if got:
                break
            assert proc.poll() is None, "prometheus exited: see %s" % log.name
            time.sleep(0.5)
        assert got, "no scrape within 60 s"
        (labels, puts), = got.items()
        assert dict(labels)["job"] == "ddbd" and puts == did["puts"]
        assert list(prometheus_query(pport, 'up{job="ddbd"}').values()) == [1.0]
        units = prometheus_query(pport, 'ddbd_consumed_write_units_total{table="metered"}')
        # Prometheus stores an empty label as no label: the table's own series
        by_index = {dict(k).get("index", ""): v for k, v in units.items()}
        assert by_index == {"": did["write"], "byg": did["index_write"]}
        errors = prometheus_query(pport, 'sum by (error) (ddbd_errors_total)')
        assert {dict(k)["error"]: v for k, v in errors.items()} == {
            "ResourceNotFoundException": 3, "ConditionalCheckFailedException": 1,
            "ValidationException": 1}
        by_table = prometheus_query(pport, 'ddbd_table_requests_total{operation="PutItem"}')
        assert {dict(k)["table"]: v for k, v in by_table.items()} == {"metered": did["puts"]}
        count = prometheus_query(
            pport, 'ddbd_request_duration_seconds_count{operation="GetItem"}')
        assert list(count.values()) == [did["gets"]]
        items = prometheus_query(pport, 'ddbd_table_items{table="metered",index=""}')
        assert list(items.values()) == [did["items"]]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
