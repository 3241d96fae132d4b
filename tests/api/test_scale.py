"""Scale: item counts and sizes kept exactly with the data (tables and
indexes, through every kind of write, TTL deletions, index backfills and a
kill -9), a start-up that reads no items, full storage refused cleanly (a
small --storage-map-size, and a small file system where one can be mounted),
and a long Scan under writes that does not make the data file grow.

Sizes are DynamoDB item sizes: attribute names plus values (a number counts
one byte plus one per two significant digits); an index's size is that of
the attributes it holds (its keys, the table's keys and what it projects),
which is what a Scan of the index returns."""

import http.client
import os
import random
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from decimal import Decimal

import pytest
from botocore.exceptions import ClientError

from conftest import make_client, raw_call, small_tmpfs, unique_name, wait_active

pytestmark = pytest.mark.slow

INTERNAL = "com.amazonaws.dynamodb.v20120810#InternalServerError"


# --------------------------------------------------------------------------
# Sizes and full counts


def number_size(text):
    digits = Decimal(text).normalize().as_tuple().digits
    digits = "".join(map(str, digits)).strip("0")
    return 1 + (len(digits) + 1) // 2


def value_size(v):
    (t, x), = v.items()
    if t in ("S",):
        return len(x.encode("utf-8"))
    if t == "B":
        return len(x)
    if t == "N":
        return number_size(x)
    if t in ("BOOL", "NULL"):
        return 1
    if t == "SS":
        return sum(len(s.encode("utf-8")) for s in x)
    if t == "BS":
        return sum(len(b) for b in x)
    if t == "NS":
        return sum(number_size(n) for n in x)
    if t == "M":
        return 3 + sum(1 + len(k.encode("utf-8")) + value_size(y) for k, y in x.items())
    if t == "L":
        return 3 + sum(1 + value_size(y) for y in x)
    raise AssertionError(t)


def item_size(item):
    return sum(len(k.encode("utf-8")) + value_size(v) for k, v in item.items())


def scan_all(client, table, index=None, **kwargs):
    args = dict(TableName=table, **kwargs)
    if index:
        args["IndexName"] = index
    items = []
    for _ in range(100000):
        page = client.scan(**args)
        items += page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return items
        args["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    raise AssertionError("scan did not end")


def full_counts(client, table):
    """(items, bytes) of the table and of each index, counted by Scans."""
    desc = client.describe_table(TableName=table)["Table"]
    items = scan_all(client, table)
    counted = client.scan(TableName=table, Select="COUNT")
    n = counted["Count"]
    while "LastEvaluatedKey" in counted:
        counted = client.scan(TableName=table, Select="COUNT",
                              ExclusiveStartKey=counted["LastEvaluatedKey"])
        n += counted["Count"]
    assert n == len(items)
    result = {None: (len(items), sum(item_size(i) for i in items))}
    for ix in desc.get("LocalSecondaryIndexes", []) + desc.get("GlobalSecondaryIndexes", []):
        entries = scan_all(client, table, index=ix["IndexName"])
        result[ix["IndexName"]] = (len(entries), sum(item_size(e) for e in entries))
    return result


def described_counts(client, table):
    desc = client.describe_table(TableName=table)["Table"]
    result = {None: (desc["ItemCount"], desc["TableSizeBytes"])}
    for ix in desc.get("LocalSecondaryIndexes", []) + desc.get("GlobalSecondaryIndexes", []):
        result[ix["IndexName"]] = (ix["ItemCount"], ix["IndexSizeBytes"])
    return result


def assert_counts_exact(client, table):
    full = full_counts(client, table)
    assert described_counts(client, table) == full
    return full


# --------------------------------------------------------------------------
# A table with every kind of index, and random writes


def create_indexed(client, name=None, **extra):
    name = name or unique_name("scale")
    client.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": t} for a, t in
                              (("pk", "S"), ("sk", "N"), ("g", "S"), ("l", "N"), ("h", "B"))],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
        LocalSecondaryIndexes=[{"IndexName": "byL",
                                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                              {"AttributeName": "l", "KeyType": "RANGE"}],
                                "Projection": {"ProjectionType": "INCLUDE",
                                               "NonKeyAttributes": ["a"]}}],
        GlobalSecondaryIndexes=[
            {"IndexName": "byG", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
             "Projection": {"ProjectionType": "KEYS_ONLY"}},
            {"IndexName": "byH", "KeySchema": [{"AttributeName": "h", "KeyType": "HASH"},
                                               {"AttributeName": "sk", "KeyType": "RANGE"}],
             "Projection": {"ProjectionType": "ALL"}}],
        **extra)
    wait_active(client, name)
    return name


def random_item(rng, pk, sk):
    item = {"pk": {"S": pk}, "sk": {"N": str(sk)}}
    if rng.random() < 0.7:
        item["g"] = {"S": "g%d" % rng.randrange(5)}
    if rng.random() < 0.5:
        item["l"] = {"N": str(rng.randrange(-1000, 1000)) + rng.choice(["", ".25", "e3"])}
    if rng.random() < 0.4:
        item["h"] = {"B": bytes(rng.randrange(256) for _ in range(rng.randrange(1, 20)))}
    if rng.random() < 0.6:
        item["a"] = {"S": "x" * rng.randrange(0, 300)}
    if rng.random() < 0.3:
        item["m"] = {"M": {"n": {"N": "12345.678"}, "l": {"L": [{"BOOL": True}, {"NULL": True}]},
                           "ss": {"SS": ["p", "qq"]}}}
    return item


def random_writes(client, table, rng, count, keys=40):
    for _ in range(count):
        pk, sk = "p%d" % rng.randrange(keys // 4), rng.randrange(4)
        key = {"pk": {"S": pk}, "sk": {"N": str(sk)}}
        op = rng.random()
        if op < 0.45:
            client.put_item(TableName=table, Item=random_item(rng, pk, sk))
        elif op < 0.7:
            client.update_item(
                TableName=table, Key=key,
                UpdateExpression="SET a = :a, g = :g REMOVE l",
                ExpressionAttributeValues={":a": {"S": "u" * rng.randrange(50)},
                                           ":g": {"S": "g%d" % rng.randrange(5)}})
        elif op < 0.8:
            client.update_item(TableName=table, Key=key, UpdateExpression="REMOVE g, h, a")
        else:
            client.delete_item(TableName=table, Key=key)


def test_counts_exact_after_random_writes_batches_and_transactions(ddb):
    rng = random.Random(16)
    name = create_indexed(ddb)
    assert described_counts(ddb, name) == {None: (0, 0), "byL": (0, 0), "byG": (0, 0),
                                           "byH": (0, 0)}
    random_writes(ddb, name, rng, 250)
    full = assert_counts_exact(ddb, name)
    assert full[None][0] > 5 and all(full[ix][0] > 0 for ix in ("byL", "byG", "byH"))

    for _ in range(8):  # BatchWriteItem: puts and deletes of distinct keys
        keys = rng.sample([(p, s) for p in range(10) for s in range(4)], 20)
        requests = []
        for p, s in keys:
            if rng.random() < 0.6:
                requests.append({"PutRequest": {"Item": random_item(rng, "p%d" % p, s)}})
            else:
                requests.append({"DeleteRequest": {"Key": {"pk": {"S": "p%d" % p},
                                                           "sk": {"N": str(s)}}}})
        assert ddb.batch_write_item(RequestItems={name: requests})["UnprocessedItems"] == {}
    assert_counts_exact(ddb, name)

    for i in range(10):  # transactions: applied, and canceled (nothing counted)
        (p1, s1), (p2, s2), (p3, s3) = rng.sample(
            [(p, s) for p in range(10) for s in range(4)], 3)
        actions = [
            {"Put": {"TableName": name, "Item": random_item(rng, "p%d" % p1, s1)}},
            {"Delete": {"TableName": name, "Key": {"pk": {"S": "p%d" % p2},
                                                    "sk": {"N": str(s2)}}}},
            {"Update": {"TableName": name, "Key": {"pk": {"S": "p%d" % p3}, "sk": {"N": str(s3)}},
                        "UpdateExpression": "SET g = :g, a = :a",
                        "ExpressionAttributeValues": {":g": {"S": "t%d" % i},
                                                      ":a": {"S": "y" * i}}}}]
        if i % 3 == 0:
            actions.append({"ConditionCheck": {
                "TableName": name, "Key": {"pk": {"S": "nope"}, "sk": {"N": "0"}},
                "ConditionExpression": "attribute_exists(pk)"}})
            before = described_counts(ddb, name)
            with pytest.raises(ClientError) as err:
                ddb.transact_write_items(TransactItems=actions)
            assert err.value.response["Error"]["Code"] == "TransactionCanceledException"
            assert described_counts(ddb, name) == before
        else:
            ddb.transact_write_items(TransactItems=actions)
    assert_counts_exact(ddb, name)

    # everything deleted: all counts back to zero
    for item in scan_all(ddb, name):
        ddb.delete_item(TableName=name, Key={"pk": item["pk"], "sk": item["sk"]})
    assert described_counts(ddb, name) == {None: (0, 0), "byL": (0, 0), "byG": (0, 0),
                                           "byH": (0, 0)}
    ddb.delete_table(TableName=name)


def test_conditional_failures_and_no_op_writes_count_nothing(ddb):
    name = create_indexed(ddb)
    item = {"pk": {"S": "a"}, "sk": {"N": "1"}, "g": {"S": "x"}, "a": {"S": "12345"}}
    ddb.put_item(TableName=name, Item=item)
    before = assert_counts_exact(ddb, name)
    with pytest.raises(ClientError):
        ddb.put_item(TableName=name, Item=dict(item, a={"S": "longer value"}),
                     ConditionExpression="attribute_not_exists(pk)")
    ddb.delete_item(TableName=name, Key={"pk": {"S": "zz"}, "sk": {"N": "1"}})  # absent
    ddb.update_item(TableName=name, Key={"pk": {"S": "zz"}, "sk": {"N": "1"}},
                    UpdateExpression="REMOVE a")  # creates nothing
    ddb.put_item(TableName=name, Item=item)  # the same item again
    assert described_counts(ddb, name) == before
    ddb.delete_table(TableName=name)


def test_counts_exact_after_ttl_deletions(ddb):
    name = create_indexed(ddb)
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={
        "Enabled": True, "AttributeName": "exp"})
    past, future = int(time.time()) - 100, int(time.time()) + 3600
    for i in range(30):
        item = {"pk": {"S": "p%d" % (i % 5)}, "sk": {"N": str(i)}, "g": {"S": "g"},
                "a": {"S": "v" * i}, "exp": {"N": str(past if i % 3 else future)}}
        ddb.put_item(TableName=name, Item=item)
    deadline = time.monotonic() + 30
    while described_counts(ddb, name)[None][0] != 10:
        assert time.monotonic() < deadline, described_counts(ddb, name)
        time.sleep(0.2)
    full = assert_counts_exact(ddb, name)
    assert full[None][0] == 10 and full["byG"][0] == 10
    ddb.delete_table(TableName=name)


def test_counts_exact_after_an_index_backfill(ddb):
    rng = random.Random(7)
    name = unique_name("scale")
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    wait_active(ddb, name)
    for start in range(0, 1500, 25):  # more items than one backfill step
        ddb.batch_write_item(RequestItems={name: [
            {"PutRequest": {"Item": dict({"pk": {"S": "k%d" % i}, "v": {"S": "x" * (i % 70)}},
                                         **({"g": {"S": "g%d" % (i % 9)}} if i % 4 else {}))}}
            for i in range(start, start + 25)]})
    ddb.update_table(TableName=name,
                     AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
                     GlobalSecondaryIndexUpdates=[{"Create": {
                         "IndexName": "late", "KeySchema": [{"AttributeName": "g",
                                                             "KeyType": "HASH"}],
                         "Projection": {"ProjectionType": "INCLUDE",
                                        "NonKeyAttributes": ["v"]}}}])
    # writes during the backfill (new index keys, and the same ones with
    # other values, also on items it has not reached yet) are counted once
    for _ in range(100):
        i = rng.randrange(1500)
        ddb.put_item(TableName=name, Item={"pk": {"S": "k%d" % i}, "g": {"S": "new"},
                                           "v": {"S": "w" * rng.randrange(10)}})
        i = rng.randrange(1500)
        ddb.update_item(TableName=name, Key={"pk": {"S": "k%d" % i}},
                        UpdateExpression="SET v = :v",
                        ExpressionAttributeValues={":v": {"S": "s" * rng.randrange(90)}})
    wait_active(ddb, name, timeout=60)
    full = assert_counts_exact(ddb, name)
    assert full["late"][0] >= 1125
    # dropping the index forgets its counts; the table's stay
    ddb.update_table(TableName=name, GlobalSecondaryIndexUpdates=[{"Delete": {
        "IndexName": "late"}}])
    assert described_counts(ddb, name) == {None: full[None]}
    ddb.delete_table(TableName=name)


# --------------------------------------------------------------------------
# Restarts: counts survive a kill -9, start-up reads no item


def data_file_rss(pid, data_dir):
    """Resident bytes of the process's mapping of data.mdb (what it touched)."""
    path = os.path.join(str(data_dir), "data.mdb")
    rss, inside = 0, False
    with open("/proc/%d/smaps" % pid) as f:
        for line in f:
            fields = line.split()
            if len(fields) >= 6 and "-" in fields[0] and ":" in fields[3]:
                inside = fields[-1] == os.path.realpath(path)
            elif inside and fields[0] == "Rss:":
                rss += int(fields[1]) * 1024
    return rss


def load_items(client, table, count, size, prefix="k"):
    for start in range(0, count, 25):
        client.batch_write_item(RequestItems={table: [
            {"PutRequest": {"Item": {"pk": {"S": "%s%d" % (prefix, i)}, "sk": {"N": str(i % 7)},
                                     "g": {"S": "g%d" % (i % 13)}, "a": {"S": "z" * size}}}}
            for i in range(start, min(count, start + 25))]})


def test_start_up_reads_no_items(spawn_server):
    srv = spawn_server()
    c = make_client(srv.endpoint)
    name = create_indexed(c)
    load_items(c, name, 6000, 3000)  # ~20 MB of items, each also in two indexes
    expected = assert_counts_exact(c, name)
    assert srv.stop() == 0, srv.log_tail()
    data_size = os.path.getsize(os.path.join(str(srv.data_dir), "data.mdb"))
    assert data_size > 16 << 20

    srv2 = spawn_server(data_dir=srv.data_dir)
    # Before any request of ours: the server touched only a few pages of the
    # file (walking the items would have touched all of them).
    touched = data_file_rss(srv2.proc.pid, srv2.data_dir)
    assert touched < data_size // 8, (touched, data_size)
    assert "items read at start-up: 0" in open(srv2.logpath).read()
    c2 = make_client(srv2.endpoint)
    assert described_counts(c2, name) == expected
    assert data_file_rss(srv2.proc.pid, srv2.data_dir) < data_size // 8
    assert srv2.stop() == 0, srv2.log_tail()


def test_counts_survive_kill_9(spawn_server):
    srv = spawn_server()
    c = make_client(srv.endpoint)
    name = create_indexed(c)
    stop = threading.Event()
    errors = []

    def writer(seed):
        client = make_client(srv.endpoint, read_timeout=10)
        rng = random.Random(seed)
        for _ in range(100000):
            if stop.is_set():
                return
            try:
                random_writes(client, name, rng, 1, keys=200)
            except Exception as e:  # noqa: BLE001 - the server dies mid-request
                if not stop.is_set():
                    errors.append(e)
                return

    threads = [threading.Thread(target=writer, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    time.sleep(2.0)
    stop.set()
    srv.kill()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors[:3]
    srv2 = spawn_server(data_dir=srv.data_dir)
    c2 = make_client(srv2.endpoint)
    full = assert_counts_exact(c2, name)
    assert full[None][0] > 10
    assert "items read at start-up: 0" in open(srv2.logpath).read()
    random_writes(c2, name, random.Random(3), 50, keys=200)  # and they go on from there
    assert_counts_exact(c2, name)
    assert srv2.stop() == 0, srv2.log_tail()


# --------------------------------------------------------------------------
# Full storage


def put_raw(port, table, key, size):
    return raw_call(port, "PutItem", {"TableName": table,
                                      "Item": {"pk": {"S": key}, "v": {"S": "x" * size}}})


def fill_until_refused(port, table, prefix, size, limit):
    """PutItem until writes are refused; returns (acknowledged keys, the refusals)."""
    acked, refused = [], []
    for i in range(limit):
        key = "%s%d" % (prefix, i)
        r = put_raw(port, table, key, size)
        if r.status == 200:
            acked.append(key)
            continue
        refused.append((key, r))
        if len(refused) == 3:
            return acked, refused
    raise AssertionError("writes never refused after %d items" % limit)


def assert_refusal(r):
    assert r.status == 500, r.body
    assert r.json()["__type"] == INTERNAL
    assert r.error_message == "Internal server error"


def create_simple(client, name=None):
    name = name or unique_name("full")
    client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    wait_active(client, name)
    return name


def storage_lines(srv):
    return [line for line in open(srv.logpath).read().splitlines()
            if "storage:" in line and ("refused" in line or "failed" in line)]


def check_full_cycle(srv, client, name, item_size_bytes, limit):
    acked, refused = fill_until_refused(srv.port, name, "a", item_size_bytes, limit)
    assert len(acked) > 10
    for _, r in refused:
        assert_refusal(r)
    # the same refusal through an SDK, for other write kinds too
    for fn, kwargs in (
            (client.update_item, dict(Key={"pk": {"S": "new"}}, UpdateExpression="SET v = :v",
                                      ExpressionAttributeValues={":v": {"S": "y" * 5000}})),
            (client.batch_write_item, None)):
        if kwargs is None:
            kwargs = dict(RequestItems={name: [{"PutRequest": {"Item": {
                "pk": {"S": "b"}, "v": {"S": "y" * 5000}}}}]})
        else:
            kwargs["TableName"] = name
        with pytest.raises(ClientError) as err:
            fn(**kwargs)
        assert err.value.response["Error"]["Code"] == "InternalServerError"
        assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    lines = storage_lines(srv)
    assert len(lines) == 1, lines  # one line for the condition, not one per request
    # reads go on
    got = client.get_item(TableName=name, Key={"pk": {"S": acked[-1]}}, ConsistentRead=True)
    assert got["Item"]["v"]["S"] == "x" * item_size_bytes
    assert client.describe_table(TableName=name)["Table"]["ItemCount"] == len(acked)
    assert len(scan_all(client, name)) == len(acked)
    # deletes are still possible, and free room for writes without a restart
    deleted = acked[: len(acked) // 2]
    for key in deleted:
        client.delete_item(TableName=name, Key={"pk": {"S": key}})
    r = put_raw(srv.port, name, "after", item_size_bytes)
    assert r.status == 200, r.body
    kept = acked[len(acked) // 2:] + ["after"]
    return kept, deleted, [k for k, _ in refused]


def check_after_restart(client, name, kept, gone):
    for key in kept:
        got = client.get_item(TableName=name, Key={"pk": {"S": key}}, ConsistentRead=True)
        assert "Item" in got, key
    for key in gone:
        got = client.get_item(TableName=name, Key={"pk": {"S": key}}, ConsistentRead=True)
        assert "Item" not in got, key
    assert client.describe_table(TableName=name)["Table"]["ItemCount"] == len(kept)


def test_full_storage_map_refuses_writes_cleanly(spawn_server):
    srv = spawn_server(extra_args=["--storage-map-size", "4M"])
    c = make_client(srv.endpoint)
    name = create_simple(c)
    kept, deleted, refused = check_full_cycle(srv, c, name, 8000, 2000)
    assert "storage map" in storage_lines(srv)[0]
    assert srv.stop() == 0, srv.log_tail()
    srv2 = spawn_server(data_dir=srv.data_dir, extra_args=["--storage-map-size", "4M"])
    check_after_restart(make_client(srv2.endpoint), name, kept, deleted + refused)
    assert srv2.stop() == 0, srv2.log_tail()


def test_storage_map_size_flag_is_checked(tmp_path):
    binary = os.environ.get("DDBD_BIN") or os.path.join(
        os.path.dirname(__file__), "..", "..", "build", "ddbd")
    for bad in ("0", "12", "1X", "-4M", "1.5G", "65T", "M", ""):
        p = subprocess.run([binary, "--storage-map-size", bad, "--data-dir", str(tmp_path)],
                           capture_output=True, timeout=10)
        assert p.returncode == 2, (bad, p.stderr)
        assert b"bad value for --storage-map-size" in p.stderr
    assert b"--storage-map-size" in subprocess.run([binary, "--help"], capture_output=True,
                                                   timeout=10).stdout


@pytest.fixture
def small_fs():
    with small_tmpfs("8m") as mnt:
        yield mnt


def test_full_file_system_refuses_writes_cleanly(spawn_server, small_fs):
    data = os.path.join(small_fs, "data")
    srv = spawn_server(data_dir=data)
    c = make_client(srv.endpoint)
    name = create_simple(c)
    kept, deleted, refused = check_full_cycle(srv, c, name, 8000, 4000)
    assert "file system" in storage_lines(srv)[0]

    # Someone else fills the file system: writes that need the file to grow
    # fail (a full file system under the writer), reads go on, and once
    # space is given back (the other file removed, items deleted) writes
    # succeed again, without a restart.
    filler = os.path.join(small_fs, "filler")
    with open(filler, "wb") as f:
        try:
            for _ in range(10000):
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass
    more, more_refused = fill_until_refused(srv.port, name, "c", 30000, 400)
    for _, r in more_refused:
        assert_refusal(r)
    assert c.get_item(TableName=name, Key={"pk": {"S": kept[0]}})["Item"]
    assert any("ENOSPC" in line or "file system" in line for line in storage_lines(srv))
    os.unlink(filler)
    for key in kept[: len(kept) // 2]:
        c.delete_item(TableName=name, Key={"pk": {"S": key}})
    deleted += kept[: len(kept) // 2]
    kept = kept[len(kept) // 2:]
    deadline = time.monotonic() + 10
    while put_raw(srv.port, name, "late", 1000).status != 200:
        assert time.monotonic() < deadline, srv.log_tail()
        time.sleep(0.1)
    kept += more + ["late"]
    refused += [k for k, _ in more_refused]
    srv.kill()  # acknowledged writes are on disk even without a clean stop
    srv2 = spawn_server(data_dir=data)
    check_after_restart(make_client(srv2.endpoint), name, kept, deleted + refused)
    assert srv2.stop() == 0, srv2.log_tail()


# --------------------------------------------------------------------------
# A long Scan under writes: no snapshot held across pages


def test_long_scan_under_writes_keeps_the_file_bounded(spawn_server):
    srv = spawn_server()
    c = make_client(srv.endpoint)
    name = create_simple(c)
    count, size = 8000, 1000
    for start in range(0, count, 25):
        c.batch_write_item(RequestItems={name: [
            {"PutRequest": {"Item": {"pk": {"S": "k%d" % i}, "v": {"S": "x" * size}}}}
            for i in range(start, start + 25)]})
    path = os.path.join(str(srv.data_dir), "data.mdb")
    before = os.path.getsize(path)
    stop = threading.Event()
    writes = [0]

    def overwrite():
        client = make_client(srv.endpoint)
        rng = random.Random(5)
        deadline = time.monotonic() + 60
        while not stop.is_set() and time.monotonic() < deadline and writes[0] < 20000:
            i = rng.randrange(count)
            client.put_item(TableName=name, Item={"pk": {"S": "k%d" % i},
                                                  "v": {"S": "y" * size}})
            writes[0] += 1

    threads = [threading.Thread(target=overwrite) for _ in range(4)]
    for t in threads:
        t.start()
    seen = 0
    args = dict(TableName=name, Limit=25)
    for _ in range(10000):  # small pages: a long Scan, one request per page
        page = c.scan(**args)
        seen += len(page["Items"])
        if "LastEvaluatedKey" not in page:
            break
        args["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        time.sleep(0.02)
    stop.set()
    for t in threads:
        t.join(timeout=60)
    after = os.path.getsize(path)
    assert seen == count
    assert writes[0] > 1000
    # Each overwrite rewrites a leaf page and its branch pages; pages a
    # transaction frees are reused two transactions later unless a reader
    # still sees them.  With no snapshot open for longer than one page of
    # the Scan the file stays about as it was; one snapshot held through
    # the Scan would keep every page rewritten meanwhile (several pages per
    # write, so tens of MB here).
    assert after <= before * 1.25 + (4 << 20), (before, after, writes[0])
    assert srv.stop() == 0, srv.log_tail()


# --------------------------------------------------------------------------
# The page cache after a bulk load: one page per folio


def cached_folio_pages(path, samples):
    """For up to `samples` pages of the file spread over it: how many pages
    the page-cache folio holding each has (1: a page of its own), read from
    /proc/self/pagemap and /proc/kpageflags; None where those cannot be read
    (they need privileges)."""
    import mmap
    import struct
    fd = os.open(path, os.O_RDONLY)
    size = os.fstat(fd).st_size
    m = mmap.mmap(fd, size, prot=mmap.PROT_READ)
    m.madvise(mmap.MADV_RANDOM)  # a page not cached comes back on its own
    base = next(int(line.split("-")[0], 16) for line in open("/proc/self/maps")
                if line.rstrip().endswith(os.path.realpath(path)))
    pages = size // 4096
    found = []
    try:
        # unbuffered: a buffer would answer from what was read before a touch
        with open("/proc/self/pagemap", "rb", buffering=0) as pm, \
                open("/proc/kpageflags", "rb", buffering=0) as kf:
            def flags(pfn):
                kf.seek(pfn * 8)
                return struct.unpack("Q", kf.read(8))[0]
            # (past the first pages, written when the file was created)
            for p in range(16, pages, max(1, pages // samples)):
                m[p * 4096]
                pm.seek((base // 4096 + p) * 8)
                entry = struct.unpack("Q", pm.read(8))[0]
                pfn = entry & ((1 << 55) - 1)
                if not entry >> 63 or not pfn:
                    return None
                head = pfn
                while flags(head) >> 16 & 1:  # a tail page: back to the head
                    head -= 1
                end = head + 1
                if flags(head) >> 15 & 1:  # a compound head: count its tails
                    while flags(end) >> 16 & 1:
                        end += 1
                found.append(end - head)
    except OSError:
        return None
    finally:
        m.close()
        os.close(fd)
    return found


def test_bulk_load_leaves_the_data_file_cached_page_by_page(spawn_server):
    # The kernel caches a file in folios as large as the write that brought
    # each part in, and a later one-page write into a large folio costs work
    # over all of it: pages the file gains must be cached one by one.
    srv = spawn_server()
    c = make_client(srv.endpoint)
    name = create_simple(c)
    for start in range(0, 4000, 25):  # ~4 MB, the file growing in runs of pages
        c.batch_write_item(RequestItems={name: [
            {"PutRequest": {"Item": {"pk": {"S": "k%d" % i}, "v": {"S": "x" * 1000}}}}
            for i in range(start, start + 25)]})
    found = cached_folio_pages(os.path.join(str(srv.data_dir), "data.mdb"), 200)
    if found is None:
        pytest.skip("page flags are not readable here")
    assert len(found) >= 100
    assert max(found) == 1, sorted(found)[-10:]
    assert srv.stop() == 0, srv.log_tail()


# --------------------------------------------------------------------------
# A data directory written before counts were kept


def drop_stored_counts(data_dir):
    """Make data_dir what a ddbd that kept no counts wrote: the same data
    without the "stats" DBI (dropped with LMDB itself, the server stopped)."""
    import ctypes
    import ctypes.util
    path = ctypes.util.find_library("lmdb")
    if not path:
        pytest.skip("liblmdb is not installed: cannot take the counts out of a data directory")
    lib = ctypes.CDLL(path)
    lib.mdb_strerror.restype = ctypes.c_char_p
    env, txn, dbi = ctypes.c_void_p(), ctypes.c_void_p(), ctypes.c_uint()

    def check(rc):
        assert rc == 0, lib.mdb_strerror(rc).decode()

    check(lib.mdb_env_create(ctypes.byref(env)))
    try:
        check(lib.mdb_env_set_maxdbs(env, 64))
        check(lib.mdb_env_open(env, str(data_dir).encode(), 0, 0o644))
        check(lib.mdb_txn_begin(env, None, 0, ctypes.byref(txn)))
        rc = lib.mdb_dbi_open(txn, b"stats", 0, ctypes.byref(dbi))
        if rc == 0:
            rc = lib.mdb_drop(txn, dbi, 1)
        if rc:
            lib.mdb_txn_abort(txn)
            check(rc)
        check(lib.mdb_txn_commit(txn))
    finally:
        lib.mdb_env_close(env)


def fill_old_directory(data, origin):
    """Write a table with indexes into data as a ddbd without stored counts
    would have; its full counts."""
    from conftest import Server
    binary = os.environ.get("DDBD_PREVIOUS_BIN") if origin == "previous" else None
    if origin == "previous" and not binary:
        pytest.skip("needs DDBD_PREVIOUS_BIN: a ddbd built before item counts were stored "
                    "(e.g. git revision bcf639f)")
    kwargs = {"binary": binary} if binary else {}
    old = Server(data_dir=data, **kwargs).start()
    try:
        c = make_client(old.endpoint)
        name = create_indexed(c)
        random_writes(c, name, random.Random(11), 300)
        expected = full_counts(c, name)
        assert old.stop() == 0, old.log_tail()
    finally:
        if old.alive():
            old.kill()
        old.cleanup()
    if origin == "dropped":
        drop_stored_counts(data)
    return name, expected


@pytest.mark.parametrize("origin", ["dropped", "previous"])
def test_data_directory_without_counts_is_counted_once(spawn_server, tmp_path, origin):
    data = tmp_path / "old"
    data.mkdir()
    name, expected = fill_old_directory(data, origin)
    srv = spawn_server(data_dir=data)
    log = open(srv.logpath).read()
    assert "without stored counts" in log
    assert "items read at start-up: %d" % (
        expected[None][0] + sum(n for ix, (n, _) in expected.items() if ix)) in log
    c = make_client(srv.endpoint)
    assert described_counts(c, name) == expected
    random_writes(c, name, random.Random(12), 50)
    expected = assert_counts_exact(c, name)
    assert srv.stop() == 0, srv.log_tail()
    srv2 = spawn_server(data_dir=data)  # counted once: stored from then on
    log2 = open(srv2.logpath).read()
    assert "items read at start-up: 0" in log2
    assert "without stored counts" not in log2
    assert described_counts(make_client(srv2.endpoint), name) == expected
    assert srv2.stop() == 0, srv2.log_tail()
