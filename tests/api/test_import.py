"""ImportTable, DescribeImport, ListImports: files under --export-root read
as S3 objects (bucket = directory, S3KeyPrefix a raw key prefix), in
DYNAMODB_JSON or CSV, gzip'd or not; the new table CREATING until every
item is in; counts; bad lines counted and logged, not imported; an export
imported back; kill -9 during an import; and the errors.

Imports read files, hence these tests run their own servers with a root.
"""

import base64
import gzip
import json
import os
import random
import time

import pytest

from conftest import assert_error, make_client, raw_call, unique_name
from test_export import wait_export
from test_pitr import enable

ROUNDTRIP_ITEMS = int(os.environ.get("IMPORT_ROUNDTRIP_ITEMS", "10000"))


@pytest.fixture
def srv(spawn_server, tmp_path):
    root = tmp_path / "s3root"
    root.mkdir()
    return spawn_server(extra_args=["--pitr-snapshot-interval", "0.5",
                                    "--export-root", str(root)]), root


def put_file(root, bucket, key, lines, gz=False):
    path = os.path.join(str(root), bucket, key)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = "".join(x + "\n" for x in lines).encode()
    with open(path, "wb") as f:
        f.write(gzip.compress(data) if gz else data)
    return len(data)


def params(name, hash_key=("pk", "S"), range_key=None, **extra):
    p = {"TableName": name,
         "AttributeDefinitions": [{"AttributeName": hash_key[0], "AttributeType": hash_key[1]}],
         "KeySchema": [{"AttributeName": hash_key[0], "KeyType": "HASH"}],
         "BillingMode": "PAY_PER_REQUEST"}
    if range_key:
        p["AttributeDefinitions"].append({"AttributeName": range_key[0],
                                          "AttributeType": range_key[1]})
        p["KeySchema"].append({"AttributeName": range_key[0], "KeyType": "RANGE"})
    p.update(extra)
    return p


def wait_import(c, arn, timeout=120.0):
    deadline = time.monotonic() + timeout
    while True:
        d = c.describe_import(ImportArn=arn)["ImportTableDescription"]
        if d["ImportStatus"] != "IN_PROGRESS":
            return d
        assert time.monotonic() < deadline, d
        time.sleep(0.02)


def scan_all(c, name):
    items, kw = [], {}
    while True:
        r = c.scan(TableName=name, **kw)
        items += r["Items"]
        if "LastEvaluatedKey" not in r:
            return items
        kw["ExclusiveStartKey"] = r["LastEvaluatedKey"]


def count_all(c, name):
    """Items in the table, by COUNT scans over every 1 MB page."""
    count, kw = 0, {}
    while True:
        r = c.scan(TableName=name, Select="COUNT", **kw)
        count += r["Count"]
        if "LastEvaluatedKey" not in r:
            return count
        kw["ExclusiveStartKey"] = r["LastEvaluatedKey"]


def test_csv_with_header_list_and_delimiter(srv):
    server, root = srv
    c = make_client(server.endpoint)
    name = unique_name("csv")
    size = put_file(root, "bkt", "in/part-1.csv", [
        "u1;10;Ann;",
        'u2;20;"Bob; Jr.";x',
        "u3;-1.5;;y",
    ])
    d = c.import_table(
        S3BucketSource={"S3Bucket": "bkt", "S3KeyPrefix": "in/"}, InputFormat="CSV",
        InputFormatOptions={"Csv": {"Delimiter": ";", "HeaderList": ["pk", "sk", "who", "tag"]}},
        TableCreationParameters=params(name, range_key=("sk", "N")))["ImportTableDescription"]
    assert d["ImportStatus"] == "IN_PROGRESS"
    assert d["ImportArn"].startswith(d["TableArn"] + "/import/")
    assert d["TableCreationParameters"]["TableName"] == name
    assert d["InputFormat"] == "CSV" and d["InputCompressionType"] == "NONE"
    assert d["S3BucketSource"] == {"S3Bucket": "bkt", "S3KeyPrefix": "in/"}
    done = wait_import(c, d["ImportArn"])
    assert done["ImportStatus"] == "COMPLETED", done
    assert "FailureCode" not in done
    assert (done["ProcessedItemCount"], done["ImportedItemCount"], done["ErrorCount"]) == (3, 3, 0)
    assert done["ProcessedSizeBytes"] == size
    assert done["EndTime"] >= done["StartTime"]
    t = c.describe_table(TableName=name)["Table"]
    assert t["TableStatus"] == "ACTIVE" and "RestoreSummary" not in t
    assert t["TableId"] == d["TableId"] and t["ItemCount"] == 3
    got = {i["pk"]["S"]: i for i in scan_all(c, name)}
    assert got == {
        "u1": {"pk": {"S": "u1"}, "sk": {"N": "10"}, "who": {"S": "Ann"}},
        "u2": {"pk": {"S": "u2"}, "sk": {"N": "20"}, "who": {"S": "Bob; Jr."}, "tag": {"S": "x"}},
        "u3": {"pk": {"S": "u3"}, "sk": {"N": "-1.5"}, "tag": {"S": "y"}},
    }
    # the key typed by the definition: a query by number works
    q = c.query(TableName=name, KeyConditionExpression="pk = :p AND sk < :s",
                ExpressionAttributeValues={":p": {"S": "u3"}, ":s": {"N": "0"}})
    assert q["Count"] == 1


def test_csv_header_lines_gzip_and_gsi(srv):
    server, root = srv
    c = make_client(server.endpoint)
    name = unique_name("csvgz")
    for part in range(2):
        put_file(root, "bkt", "gz/f%d.csv.gz" % part,
                 ["id,city,n"] + ["i%d-%d,c%d,%d" % (part, k, k % 3, k) for k in range(50)],
                 gz=True)
    put_file(root, "bkt", "gzother/ignored.csv.gz", ["id,city", "zz,zz"], gz=True)
    gsi = {"IndexName": "by-city", "KeySchema": [{"AttributeName": "city", "KeyType": "HASH"}],
           "Projection": {"ProjectionType": "ALL"}}
    p = params(name, hash_key=("id", "S"), GlobalSecondaryIndexes=[gsi])
    p["AttributeDefinitions"].append({"AttributeName": "city", "AttributeType": "S"})
    d = c.import_table(S3BucketSource={"S3Bucket": "bkt", "S3KeyPrefix": "gz/"},
                       InputFormat="CSV", InputCompressionType="GZIP",
                       TableCreationParameters=p)["ImportTableDescription"]
    done = wait_import(c, d["ImportArn"])
    assert done["ImportStatus"] == "COMPLETED", done
    assert done["ImportedItemCount"] == 100 and done["ErrorCount"] == 0
    assert done["InputCompressionType"] == "GZIP"
    items = scan_all(c, name)
    assert len(items) == 100
    # a non-key column stays a string even when it looks like a number
    assert all(i["n"].keys() == {"S"} for i in items)
    q = c.query(TableName=name, IndexName="by-city", KeyConditionExpression="city = :c",
                ExpressionAttributeValues={":c": {"S": "c1"}})
    assert q["Count"] == sum(1 for i in items if i["city"]["S"] == "c1") == 34


def test_bad_lines_are_counted_logged_and_skipped(srv):
    server, root = srv
    c = make_client(server.endpoint)
    name = unique_name("bad")
    good = [{"Item": {"pk": {"S": "g%d" % k}, "v": {"N": str(k)}}} for k in range(5)]
    lines = [json.dumps(good[0]), "{not json", json.dumps(good[1]),
             json.dumps({"Item": {"other": {"S": "no key"}}}),
             json.dumps({"Item": {"pk": {"N": "1"}}}),
             json.dumps(good[2]), json.dumps({"Item": {"pk": {"S": ""}}}),
             json.dumps({"pk": {"S": "no Item wrapper"}}),
             json.dumps(good[3]), json.dumps(good[4]),
             # a repeated key: the last one wins
             json.dumps({"Item": {"pk": {"S": "g0"}, "v": {"S": "last"}}})]
    put_file(root, "bkt", "bad/data.json", lines)
    d = c.import_table(S3BucketSource={"S3Bucket": "bkt", "S3KeyPrefix": "bad/data"},
                       InputFormat="DYNAMODB_JSON",
                       TableCreationParameters=params(name))["ImportTableDescription"]
    done = wait_import(c, d["ImportArn"])
    assert done["ImportStatus"] == "FAILED"
    assert done["FailureCode"] == "ItemValidationError"
    assert done["FailureMessage"] == (
        "Some of the items failed validation checks and were not imported. Please check "
        "CloudWatch error logs for more details.")
    assert (done["ProcessedItemCount"], done["ImportedItemCount"], done["ErrorCount"]) == (11, 6, 5)
    # the table is there, ACTIVE, with the good items
    assert c.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE"
    got = {i["pk"]["S"]: i for i in scan_all(c, name)}
    assert sorted(got) == ["g0", "g1", "g2", "g3", "g4"]
    assert got["g0"]["v"] == {"S": "last"}
    assert c.describe_table(TableName=name)["Table"]["ItemCount"] == 5
    # each bad line is in the log with its file and line number
    with open(server.logpath) as f:
        log = f.read()
    for line_no in (2, 4, 5, 7, 8):
        assert "data.json line %d not imported" % line_no in log


def every_type(k):
    return {
        "pk": {"S": "p%d" % (k % 97)}, "sk": {"N": str(k)},
        "s": {"S": "text %d é" % k}, "n": {"N": "-%d.25" % k}, "b": {"B": bytes([k % 256, 0, 7])},
        "bool": {"BOOL": k % 2 == 0}, "null": {"NULL": True},
        "m": {"M": {"in": {"L": [{"S": "x"}, {"N": str(k)}, {"M": {}}]}}},
        "l": {"L": [{"BOOL": False}, {"NULL": True}]},
        "ss": {"SS": ["a%d" % k, "b"]}, "ns": {"NS": ["1", str(k + 2)]},
        "bs": {"BS": [b"\x01", bytes([k % 200 + 2])]},
    }


@pytest.mark.parametrize("fmt", ["DYNAMODB_JSON", "ION"])
def test_export_then_import_round_trips_every_type(srv, fmt):
    server, root = srv
    count = ROUNDTRIP_ITEMS if fmt == "DYNAMODB_JSON" else ROUNDTRIP_ITEMS // 10
    c = make_client(server.endpoint)
    src = unique_name("src")
    c.create_table(TableName=src, BillingMode="PAY_PER_REQUEST",
                   AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                         {"AttributeName": "sk", "AttributeType": "N"}],
                   KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                              {"AttributeName": "sk", "KeyType": "RANGE"}])
    enable(c, src)
    for start in range(0, count, 25):
        c.batch_write_item(RequestItems={src: [
            {"PutRequest": {"Item": every_type(k)}}
            for k in range(start, min(start + 25, count))]})
    arn = c.describe_table(TableName=src)["Table"]["TableArn"]
    e = c.export_table_to_point_in_time(TableArn=arn, S3Bucket="rt",
                                        S3Prefix="exp", ExportFormat=fmt)["ExportDescription"]
    e = wait_export(c, e["ExportArn"])
    assert e["ExportStatus"] == "COMPLETED" and e["ItemCount"] == count
    export_id = e["ExportArn"].rsplit("/", 1)[1]
    dst = unique_name("dst")
    started = time.monotonic()
    d = c.import_table(S3BucketSource={"S3Bucket": "rt",
                                       "S3KeyPrefix": "exp/AWSDynamoDB/%s/data/" % export_id},
                       InputFormat=fmt, InputCompressionType="GZIP",
                       TableCreationParameters=params(dst, range_key=("sk", "N"))
                       )["ImportTableDescription"]
    # never ACTIVE before every item is in
    seen = set()
    while True:
        st = c.describe_import(ImportArn=d["ImportArn"])["ImportTableDescription"]
        try:
            t = c.describe_table(TableName=dst)["Table"]
            seen.add(t["TableStatus"])
            if t["TableStatus"] == "ACTIVE":
                assert count_all(c, dst) == count
        except c.exceptions.ResourceNotFoundException:
            pass
        if st["ImportStatus"] != "IN_PROGRESS":
            break
        assert time.monotonic() - started < 300
        time.sleep(0.01)
    assert st["ImportStatus"] == "COMPLETED", st
    assert st["ImportedItemCount"] == st["ProcessedItemCount"] == count
    got = {(i["pk"]["S"], i["sk"]["N"]): i for i in scan_all(c, dst)}
    want = {("p%d" % (k % 97), str(k)): every_type(k) for k in range(count)}
    assert len(got) == len(want)
    for key, it in want.items():
        g = got[key]
        for setname in ("ss", "ns", "bs"):
            g[setname] = {list(g[setname])[0]: sorted(list(g[setname].values())[0])}
            it[setname] = {list(it[setname])[0]: sorted(list(it[setname].values())[0])}
        assert g == it, key
    server.finish()


def test_describe_list_paging_and_restart(srv):
    server, root = srv
    c = make_client(server.endpoint)
    put_file(root, "bkt", "one/a.json", [json.dumps({"Item": {"pk": {"S": "x"}}})])
    names = [unique_name("l%d" % k) for k in range(3)]
    arns = []
    for n in names:
        d = c.import_table(S3BucketSource={"S3Bucket": "bkt", "S3KeyPrefix": "one/"},
                           InputFormat="DYNAMODB_JSON",
                           TableCreationParameters=params(n))["ImportTableDescription"]
        arns.append(wait_import(c, d["ImportArn"]))
    listed = c.list_imports()["ImportSummaryList"]
    assert [s["ImportArn"] for s in listed] == [d["ImportArn"] for d in arns]
    s = listed[0]
    assert s["ImportStatus"] == "COMPLETED" and s["InputFormat"] == "DYNAMODB_JSON"
    assert s["TableArn"] == arns[0]["TableArn"]
    assert s["S3BucketSource"] == {"S3Bucket": "bkt", "S3KeyPrefix": "one/"}
    page = c.list_imports(PageSize=2)
    assert len(page["ImportSummaryList"]) == 2 and len(page["NextToken"]) >= 112
    rest = c.list_imports(PageSize=2, NextToken=page["NextToken"])
    assert [x["ImportArn"] for x in rest["ImportSummaryList"]] == [arns[2]["ImportArn"]]
    assert "NextToken" not in rest
    only = c.list_imports(TableArn=arns[1]["TableArn"])["ImportSummaryList"]
    assert [x["ImportArn"] for x in only] == [arns[1]["ImportArn"]]
    server.stop()
    server.start()
    c = make_client(server.endpoint)
    for d in arns:
        assert c.describe_import(ImportArn=d["ImportArn"])["ImportTableDescription"] == d
    assert len(c.list_imports()["ImportSummaryList"]) == 3


def test_missing_bucket_fails_without_a_table_and_empty_prefix_completes(srv):
    server, root = srv
    c = make_client(server.endpoint)
    name = unique_name("nob")
    d = c.import_table(S3BucketSource={"S3Bucket": "no-such-bucket"}, InputFormat="CSV",
                       TableCreationParameters=params(name))["ImportTableDescription"]
    done = wait_import(c, d["ImportArn"])
    assert done["ImportStatus"] == "FAILED" and done["FailureCode"] == "S3NoSuchBucket"
    assert_error(c.describe_table, "ResourceNotFoundException", TableName=name)
    os.makedirs(os.path.join(str(root), "empty"))
    d = c.import_table(S3BucketSource={"S3Bucket": "empty", "S3KeyPrefix": "nothing/"},
                       InputFormat="CSV", TableCreationParameters=params(name)
                       )["ImportTableDescription"]
    done = wait_import(c, d["ImportArn"])
    assert done["ImportStatus"] == "COMPLETED" and done["ProcessedItemCount"] == 0
    assert c.describe_table(TableName=name)["Table"]["ItemCount"] == 0
    server.finish()


def test_errors(srv):
    server, root = srv
    c = make_client(server.endpoint)
    port = server.port
    name = unique_name("err")
    base = {"S3BucketSource": {"S3Bucket": "bkt"}, "InputFormat": "CSV",
            "TableCreationParameters": params(name)}

    def call(**change):
        body = dict(base, **change)
        return raw_call(port, "ImportTable", {k: v for k, v in body.items() if v is not None})

    r = call(InputFormat=None)
    assert r.status == 400 and r.error_type == "ValidationException"
    assert r.error_message == ("1 validation error detected: Value null at 'inputFormat' failed "
                               "to satisfy constraint: Member must not be null")
    r = call(InputFormat="XML", InputCompressionType="LZ4")
    assert r.error_message == (
        "2 validation errors detected: Value 'XML' at 'inputFormat' failed to satisfy "
        "constraint: Member must satisfy enum value set: [DYNAMODB_JSON, ION, CSV]; Value 'LZ4' "
        "at 'inputCompressionType' failed to satisfy constraint: Member must satisfy enum value "
        "set: [GZIP, ZSTD, NONE]")
    r = call(InputFormatOptions={"Csv": {"Delimiter": "#"}})
    assert r.error_message == (
        "1 validation error detected: Value '#' at 'inputFormatOptions.csv.delimiter' failed to "
        "satisfy constraint: Member must satisfy regular expression pattern: [,;:|\\t ]")
    r = call(S3BucketSource=None, TableCreationParameters=None)
    assert r.error_message == (
        "2 validation errors detected: Value null at 's3BucketSource' failed to satisfy "
        "constraint: Member must not be null; Value null at 'tableCreationParameters' failed to "
        "satisfy constraint: Member must not be null")
    r = call(S3BucketSource={"S3Bucket": 5})
    assert r.error_type == "SerializationException"
    # a definition the CreateTable rules refuse
    bad = params(name)
    bad["KeySchema"][0]["AttributeName"] = "nope"
    r = call(TableCreationParameters=bad)
    assert r.error_type == "ValidationException"
    assert "nope" in r.error_message or "KeySchema" in r.error_message
    # the table exists
    c.create_table(**params(name))
    r = call()
    assert r.error_type == "ResourceInUseException"
    assert r.error_message == "Table already exists: %s" % name
    # nothing was started by any of these
    assert c.list_imports()["ImportSummaryList"] == []
    # DescribeImport
    arn = c.describe_table(TableName=name)["Table"]["TableArn"]
    assert_error(c.describe_import, "ValidationException", "Invalid Import ARN", ImportArn=arn)
    unknown = arn + "/import/01700000000000-0123abcd"
    assert_error(c.describe_import, "ImportNotFoundException",
                 "Import not found: %s" % unknown, ImportArn=unknown)  # message unverified
    r = raw_call(port, "DescribeImport", {"ImportArn": "short"})
    assert r.error_message == (
        "1 validation error detected: Value 'short' at 'importArn' failed to satisfy "
        "constraint: Member must have length greater than or equal to 37")
    # ListImports
    r = raw_call(port, "ListImports", {"PageSize": 26})
    assert r.error_message == (
        "1 validation error detected: Value '26' at 'pageSize' failed to satisfy constraint: "
        "Member must have value less than or equal to 25")
    r = raw_call(port, "ListImports", {"NextToken": "z" * 112})
    assert r.error_message == (
        "1 validation error detected: Value '%s' at 'nextToken' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: ([0-9a-f]{16})+" % ("z" * 112))


def test_client_token_after_completion(srv):
    server, root = srv
    c = make_client(server.endpoint)
    put_file(root, "bkt", "tok/a.csv", ["pk", "a"])
    name = unique_name("tok")
    req = dict(S3BucketSource={"S3Bucket": "bkt", "S3KeyPrefix": "tok/"}, InputFormat="CSV",
               ClientToken="tok-1", TableCreationParameters=params(name))
    d = c.import_table(**req)["ImportTableDescription"]
    assert d["ClientToken"] == "tok-1"
    assert wait_import(c, d["ImportArn"])["ImportStatus"] == "COMPLETED"
    assert_error(c.import_table, "ResourceInUseException", "Table already exists: %s" % name,
                 **req)
    # the token names that import (for 8 hours): other parameters conflict, finished or not
    conflict = "Import conflict: Duplicate request detected with conflicting parameters"
    other = unique_name("tok")
    assert_error(c.import_table, "ImportConflictException", conflict,
                 **dict(req, TableCreationParameters=params(other)))
    assert_error(c.import_table, "ImportConflictException", conflict,
                 **dict(req, InputFormat="DYNAMODB_JSON",
                        TableCreationParameters=params(other)))
    assert_error(c.describe_table, "ResourceNotFoundException", TableName=other)
    # a failed import without a table (no such bucket): replayed, the same import
    gone = dict(S3BucketSource={"S3Bucket": "no-such-bucket"}, InputFormat="CSV",
                ClientToken="tok-2", TableCreationParameters=params(other))
    f = c.import_table(**gone)["ImportTableDescription"]
    f = wait_import(c, f["ImportArn"])
    assert f["ImportStatus"] == "FAILED" and f["FailureCode"] == "S3NoSuchBucket"
    again = c.import_table(**gone)["ImportTableDescription"]
    assert again == f
    assert_error(c.import_table, "ImportConflictException", conflict,
                 **dict(gone, S3BucketSource={"S3Bucket": "bkt", "S3KeyPrefix": "tok/"}))
    # without a token, each call is an import of its own
    plain = dict(gone, ClientToken=None)
    del plain["ClientToken"]
    a1 = c.import_table(**plain)["ImportTableDescription"]["ImportArn"]
    wait_import(c, a1)
    a2 = c.import_table(**plain)["ImportTableDescription"]["ImportArn"]
    assert a1 != a2 and f["ImportArn"] not in (a1, a2)
    r = raw_call(server.port, "ImportTable", dict(req, ClientToken="a$b"))
    assert r.error_message == (
        "1 validation error detected: Value 'a$b' at 'clientToken' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: ^[^\\$]+$")


def test_kill_9_during_import_leaves_no_table(spawn_server, tmp_path):
    root = tmp_path / "s3root"
    root.mkdir()
    args = ["--export-root", str(root)]
    server = spawn_server(extra_args=args)
    c = make_client(server.endpoint)
    rnd = random.Random(7)
    for part in range(4):
        put_file(root, "big", "k/%d.csv" % part,
                 ["pk,v"] + ["k%d-%d,%s" % (part, i, "x" * rnd.randint(50, 150))
                             for i in range(50000)])
    name = unique_name("k9")
    d = c.import_table(S3BucketSource={"S3Bucket": "big", "S3KeyPrefix": "k/"},
                       InputFormat="CSV", TableCreationParameters=params(name)
                       )["ImportTableDescription"]
    deadline = time.monotonic() + 60
    while True:  # killed while items are going in
        st = c.describe_import(ImportArn=d["ImportArn"])["ImportTableDescription"]
        assert st["ImportStatus"] == "IN_PROGRESS", "the import ended before the kill"
        if st["ImportedItemCount"] > 0:
            break
        assert time.monotonic() < deadline
        time.sleep(0.005)
    assert c.describe_table(TableName=name)["Table"]["TableStatus"] == "CREATING"
    assert_error(c.get_item, "ResourceNotFoundException", TableName=name,
                 Key={"pk": {"S": "k0-0"}})
    server.kill()
    server.start()
    c = make_client(server.endpoint)
    st = c.describe_import(ImportArn=d["ImportArn"])["ImportTableDescription"]
    assert st["ImportStatus"] == "FAILED" and "EndTime" in st
    assert st["FailureMessage"] == "The server stopped during the import"
    assert_error(c.describe_table, "ResourceNotFoundException", TableName=name)
    assert name not in c.list_tables()["TableNames"]
    # the name is free again: the same import, to the end
    d = c.import_table(S3BucketSource={"S3Bucket": "big", "S3KeyPrefix": "k/"},
                       InputFormat="CSV", TableCreationParameters=params(name)
                       )["ImportTableDescription"]
    done = wait_import(c, d["ImportArn"], timeout=300)
    assert done["ImportStatus"] == "COMPLETED" and done["ImportedItemCount"] == 200000
    assert c.describe_table(TableName=name)["Table"]["ItemCount"] == 200000
    server.finish()


# --------------------------------------------------------------------------
# ZSTD (compressed here through the system's libzstd)


def zstd_compress(data, level=3):
    import ctypes
    import ctypes.util
    lib = ctypes.CDLL(ctypes.util.find_library("zstd") or "libzstd.so.1")
    lib.ZSTD_compressBound.restype = ctypes.c_size_t
    lib.ZSTD_compressBound.argtypes = [ctypes.c_size_t]
    lib.ZSTD_compress.restype = ctypes.c_size_t
    lib.ZSTD_compress.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p,
                                  ctypes.c_size_t, ctypes.c_int]
    lib.ZSTD_isError.argtypes = [ctypes.c_size_t]
    cap = lib.ZSTD_compressBound(len(data))
    out = ctypes.create_string_buffer(cap)
    n = lib.ZSTD_compress(out, cap, data, len(data), level)
    assert not lib.ZSTD_isError(n)
    return out.raw[:n]


def put_zstd(root, bucket, key, lines, frames=1):
    """lines as zstd, in `frames` frames one after the other."""
    path = os.path.join(str(root), bucket, key)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = [x + "\n" for x in lines]
    cut = [len(data) * i // frames for i in range(frames + 1)]
    with open(path, "wb") as f:
        for i in range(frames):
            f.write(zstd_compress("".join(data[cut[i]:cut[i + 1]]).encode()))
    return sum(len(x) for x in data)


def test_zstd_imports(srv):
    server, root = srv
    c = make_client(server.endpoint)
    # DYNAMODB_JSON in two files, one of three frames; long lines cross buffers
    items = {"k%04d" % i: "v" * (i * 37 % 3000) for i in range(3000)}
    lines = [json.dumps({"Item": {"pk": {"S": k}, "v": {"S": v}}}) for k, v in items.items()]
    size = put_zstd(root, "z", "j/a.json.zst", lines[:1000])
    size += put_zstd(root, "z", "j/b.json.zst", lines[1000:], frames=3)
    name = unique_name("zst")
    d = c.import_table(S3BucketSource={"S3Bucket": "z", "S3KeyPrefix": "j/"},
                       InputFormat="DYNAMODB_JSON", InputCompressionType="ZSTD",
                       TableCreationParameters=params(name))["ImportTableDescription"]
    assert d["InputCompressionType"] == "ZSTD"
    d = wait_import(c, d["ImportArn"])
    assert d["ImportStatus"] == "COMPLETED", d
    assert (d["ProcessedItemCount"], d["ImportedItemCount"], d["ErrorCount"]) == (3000, 3000, 0)
    assert d["ProcessedSizeBytes"] == size
    got = {i["pk"]["S"]: i.get("v", {"S": ""})["S"] for i in scan_all(c, name)}
    assert got == items
    # CSV
    put_zstd(root, "z", "c/one.csv.zst", ["pk,n", "a,1", "b,2"])
    name = unique_name("zst")
    d = c.import_table(S3BucketSource={"S3Bucket": "z", "S3KeyPrefix": "c/"},
                       InputFormat="CSV", InputCompressionType="ZSTD",
                       TableCreationParameters=params(name))["ImportTableDescription"]
    d = wait_import(c, d["ImportArn"])
    assert d["ImportStatus"] == "COMPLETED" and d["ImportedItemCount"] == 2
    assert sorted((i["pk"]["S"], i["n"]["S"]) for i in scan_all(c, name)) == [("a", "1"), ("b", "2")]
    # a file that is not zstd (a plain one; a gzip one): one error each, the others imported
    put_file(root, "z", "bad/1.csv", ["pk", "x"])
    put_file(root, "z", "bad/2.csv.gz", ["pk", "y"], gz=True)
    put_zstd(root, "z", "bad/3.csv.zst", ["pk", "z"])
    name = unique_name("zst")
    d = c.import_table(S3BucketSource={"S3Bucket": "z", "S3KeyPrefix": "bad/"},
                       InputFormat="CSV", InputCompressionType="ZSTD",
                       TableCreationParameters=params(name))["ImportTableDescription"]
    d = wait_import(c, d["ImportArn"])
    assert d["ImportStatus"] == "FAILED" and d["FailureCode"] == "ItemValidationError"
    assert (d["ErrorCount"], d["ImportedItemCount"]) == (2, 1)
    assert [i["pk"]["S"] for i in scan_all(c, name)] == ["z"]
    # a zstd file cut short: the lines before the cut are in, the cut counts
    # (about 1 MB of hardly compressible lines: several zstd blocks on each side of the cut)
    rnd = random.Random(3)
    blob = zstd_compress("".join("p%05d,%040x\n" % (i, rnd.getrandbits(160))
                                 for i in range(20000)).encode())
    os.makedirs(os.path.join(str(root), "z", "cut"), exist_ok=True)
    with open(os.path.join(str(root), "z", "cut", "a.csv.zst"), "wb") as f:
        f.write(blob[:len(blob) // 2])
    name = unique_name("zst")
    d = c.import_table(S3BucketSource={"S3Bucket": "z", "S3KeyPrefix": "cut/"},
                       InputFormat="CSV", InputCompressionType="ZSTD",
                       InputFormatOptions={"Csv": {"HeaderList": ["pk", "v"]}},
                       TableCreationParameters=params(name))["ImportTableDescription"]
    d = wait_import(c, d["ImportArn"])
    assert d["ImportStatus"] == "FAILED" and d["ErrorCount"] >= 1
    got = sorted(i["pk"]["S"] for i in scan_all(c, name))
    assert 0 < len(got) < 20000 and got == ["p%05d" % i for i in range(len(got))]


def peak_rss_kb(server):
    with open("/proc/%d/status" % server.proc.pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM")


@pytest.mark.parametrize("compression", ["ZSTD", "GZIP"])
def test_decompression_bomb_of_one_endless_line(srv, compression):
    """A small file that inflates to 256 MB without a line end (many
    copies of one frame of 8 MB of 'a', then a line end and a good line):
    the long line is one error, read through without being held, the good
    line is imported, and the server's peak memory hardly moves."""
    server, root = srv
    c = make_client(server.endpoint)
    chunk = b"a" * (8 << 20)
    frame = zstd_compress(chunk, 19) if compression == "ZSTD" else gzip.compress(chunk, 9)
    tail = b'\n{"Item":{"pk":{"S":"after"}}}\n'
    tail = zstd_compress(tail) if compression == "ZSTD" else gzip.compress(tail)
    os.makedirs(os.path.join(str(root), "bomb", compression), exist_ok=True)
    with open(os.path.join(str(root), "bomb", compression, "a.json.z"), "wb") as f:
        f.write(frame * 32 + tail)  # concatenated frames (members) are one stream
    before = peak_rss_kb(server)
    name = unique_name("bomb")
    d = c.import_table(S3BucketSource={"S3Bucket": "bomb", "S3KeyPrefix": compression + "/"},
                       InputFormat="DYNAMODB_JSON", InputCompressionType=compression,
                       TableCreationParameters=params(name))["ImportTableDescription"]
    d = wait_import(c, d["ImportArn"], timeout=300)
    assert d["ImportStatus"] == "FAILED" and d["FailureCode"] == "ItemValidationError", d
    assert (d["ProcessedItemCount"], d["ImportedItemCount"], d["ErrorCount"]) == (2, 1, 1)
    assert [i["pk"]["S"] for i in scan_all(c, name)] == ["after"]
    grown_mb = (peak_rss_kb(server) - before) / 1024
    assert grown_mb < 100, "peak memory grew by %.0f MB" % grown_mb
