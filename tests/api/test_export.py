"""ExportTableToPointInTime (FULL_EXPORT, DYNAMODB_JSON), DescribeExport,
ListExports: the files written under --export-root in the service's S3
layout, their manifests and checksums, exports at chosen seconds, records
that outlive the table and restarts, and the errors.

An export needs PITR, hence a data directory: these tests run their own
servers.  Seconds are chosen as in test_pitr.py (each step inside a second
of its own).
"""

import base64
import copy
import glob
import gzip
import hashlib
import json
import os
import time

import pytest

from conftest import assert_error, make_client, raw_call, unique_name
from test_pitr import create_table, enable, in_one_second, item, new_second, utc

FAST = ["--pitr-snapshot-interval", "0.5"]


@pytest.fixture
def srv(spawn_server, tmp_path):
    root = tmp_path / "s3root"
    return spawn_server(extra_args=FAST + ["--export-root", str(root)]), root


def wait_export(c, arn, timeout=60.0):
    deadline = time.monotonic() + timeout
    while True:
        d = c.describe_export(ExportArn=arn)["ExportDescription"]
        if d["ExportStatus"] != "IN_PROGRESS":
            return d
        assert time.monotonic() < deadline, d
        time.sleep(0.02)


def read_export(root, bucket, prefix, d):
    """The items of a COMPLETED export, read as a client of S3 would: from
    the summary to the files manifest to the data files, checking sizes and
    checksums on the way."""
    assert d["ExportStatus"] == "COMPLETED", d
    export_id = d["ExportArn"].rsplit("/", 1)[1]
    key_prefix = (prefix + "/" if prefix else "") + "AWSDynamoDB/" + export_id
    assert d["ExportManifest"] == key_prefix + "/manifest-summary.json"
    base = os.path.join(str(root), bucket)
    top = os.path.join(base, key_prefix)
    assert os.path.exists(os.path.join(top, "_started"))
    with open(os.path.join(base, d["ExportManifest"]), "rb") as f:
        summary_bytes = f.read()
    with open(os.path.join(top, "manifest-summary.checksum")) as f:
        assert f.read() == hashlib.md5(summary_bytes).hexdigest()
    summary = json.loads(summary_bytes)
    assert summary["version"] == "2020-06-30"
    assert summary["exportArn"] == d["ExportArn"]
    assert summary["tableArn"] == d["TableArn"] and summary["tableId"] == d["TableId"]
    assert summary["s3Bucket"] == bucket and summary["s3Prefix"] == (prefix or None)
    assert summary["outputFormat"] == "DYNAMODB_JSON" and summary["s3SseAlgorithm"] == "AES256"
    assert summary["itemCount"] == d["ItemCount"]
    assert summary["billedSizeBytes"] == d["BilledSizeBytes"]
    for k in ("startTime", "endTime", "exportTime"):
        assert summary[k].endswith("Z") and "T" in summary[k]
    assert summary["manifestFilesS3Key"] == key_prefix + "/manifest-files.json"
    with open(os.path.join(base, summary["manifestFilesS3Key"]), "rb") as f:
        files_bytes = f.read()
    with open(os.path.join(top, "manifest-files.checksum")) as f:
        assert f.read() == hashlib.md5(files_bytes).hexdigest()
    items, count = [], 0
    for line in files_bytes.decode().splitlines():
        entry = json.loads(line)
        assert entry["dataFileS3Key"].startswith(key_prefix + "/data/")
        assert entry["dataFileS3Key"].endswith(".json.gz")
        with open(os.path.join(base, entry["dataFileS3Key"]), "rb") as f:
            raw = f.read()
        assert entry["etag"] == hashlib.md5(raw).hexdigest()
        assert entry["md5Checksum"] == base64.b64encode(hashlib.md5(raw).digest()).decode()
        lines = gzip.decompress(raw).decode().splitlines()
        assert len(lines) == entry["itemCount"]
        count += entry["itemCount"]
        items += [json.loads(x)["Item"] for x in lines]
    assert count == d["ItemCount"]
    return {(i["pk"]["S"], i["sk"]["N"]): i for i in items}


def wire(it):
    """An item as the export writes it (binary values in base64)."""
    def conv(v):
        (t, x), = v.items()
        if t == "B":
            return {"B": base64.b64encode(x).decode()}
        if t == "BS":
            return {"BS": [base64.b64encode(b).decode() for b in x]}
        if t == "M":
            return {"M": {k: conv(y) for k, y in x.items()}}
        if t == "L":
            return {"L": [conv(y) for y in x]}
        return v
    return {k: conv(v) for k, v in it.items()}


def test_export_at_chosen_seconds_and_latest(srv):
    server, root = srv
    c = make_client(server.endpoint)
    name = create_table(c)
    arn = c.describe_table(TableName=name)["Table"]["TableArn"]
    model = {}
    for i in range(30):
        it = item("p%d" % (i % 3), i, v={"N": str(i)}, b={"B": bytes([i, 0, 255])})
        c.put_item(TableName=name, Item=it)
        model[("p%d" % (i % 3), str(i))] = it
    enable(c, name)
    states = {}

    def step1():
        for i in range(0, 30, 4):
            c.delete_item(TableName=name, Key={"pk": {"S": "p%d" % (i % 3)}, "sk": {"N": str(i)}})
            model.pop(("p%d" % (i % 3), str(i)))
        it = item("new", 1, m={"M": {"l": {"L": [{"S": "x"}, {"NULL": True}, {"BOOL": False}]}}},
                  ss={"SS": ["a", "b"]}, ns={"NS": ["1", "2.5"]})
        c.put_item(TableName=name, Item=it)
        model[("new", "1")] = it
    s1 = in_one_second(step1)
    states[s1] = copy.deepcopy(model)

    def step2():
        c.transact_write_items(TransactItems=[
            {"Update": {"TableName": name, "Key": {"pk": {"S": "p1"}, "sk": {"N": "1"}},
                        "UpdateExpression": "SET v = :v", "ExpressionAttributeValues": {
                            ":v": {"S": "changed"}}}},
            {"Delete": {"TableName": name, "Key": {"pk": {"S": "new"}, "sk": {"N": "1"}}}}])
        model[("p1", "1")] = dict(model[("p1", "1")], v={"S": "changed"})
        model.pop(("new", "1"))
    s2 = in_one_second(step2)
    states[s2] = copy.deepcopy(model)
    new_second()
    for second, expected in states.items():
        d = c.export_table_to_point_in_time(TableArn=arn, ExportTime=utc(second),
                                            S3Bucket="bucket-one", S3Prefix="daily/%d" % second
                                            )["ExportDescription"]
        assert d["ExportStatus"] == "IN_PROGRESS" and d["ExportFormat"] == "DYNAMODB_JSON"
        assert d["ExportTime"].timestamp() == pytest.approx(second + 0.999, abs=0.0011)
        assert d["S3Bucket"] == "bucket-one" and d["S3SseAlgorithm"] == "AES256"
        assert "EndTime" not in d and "ItemCount" not in d
        done = wait_export(c, d["ExportArn"])
        assert done["EndTime"] >= done["StartTime"]
        got = read_export(root, "bucket-one", "daily/%d" % second, done)
        assert got == {k: wire(v) for k, v in expected.items()}
    # latest, no prefix: what was acknowledged last
    d = c.export_table_to_point_in_time(TableArn=arn, S3Bucket="bucket-two")["ExportDescription"]
    got = read_export(root, "bucket-two", None, wait_export(c, d["ExportArn"]))
    assert got == {k: wire(v) for k, v in model.items()}


def test_describe_and_list_exports_outlive_table_and_restart(srv):
    server, root = srv
    c = make_client(server.endpoint)
    names = [create_table(c) for _ in range(2)]
    arns = [c.describe_table(TableName=n)["Table"]["TableArn"] for n in names]
    for n in names:
        enable(c, n)
        c.put_item(TableName=n, Item=item("a", 1))
    exports = []
    for k in range(3):
        d = c.export_table_to_point_in_time(TableArn=arns[k % 2], S3Bucket="b",
                                            S3Prefix="p%d" % k)["ExportDescription"]
        exports.append(wait_export(c, d["ExportArn"]))
    # ListExports: all, by table, paged
    listed = c.list_exports()["ExportSummaries"]
    assert [s["ExportArn"] for s in listed] == [d["ExportArn"] for d in exports]
    assert all(s["ExportStatus"] == "COMPLETED" for s in listed)
    r = raw_call(server.port, "ListExports", {"TableArn": arns[0]})
    assert [s["ExportArn"] for s in r.json()["ExportSummaries"]] == [
        exports[0]["ExportArn"], exports[2]["ExportArn"]]
    assert all(s["ExportType"] == "FULL_EXPORT" for s in r.json()["ExportSummaries"])
    page = c.list_exports(MaxResults=2)
    assert len(page["ExportSummaries"]) == 2 and page["NextToken"]
    rest = c.list_exports(MaxResults=2, NextToken=page["NextToken"])
    assert [s["ExportArn"] for s in rest["ExportSummaries"]] == [exports[2]["ExportArn"]]
    assert "NextToken" not in rest
    # the same after DeleteTable and a restart
    c.delete_table(TableName=names[0])
    assert c.describe_export(ExportArn=exports[0]["ExportArn"])["ExportDescription"] == exports[0]
    server.stop()
    server.start()
    c = make_client(server.endpoint)
    for d in exports:
        assert c.describe_export(ExportArn=d["ExportArn"])["ExportDescription"] == d
    assert [s["ExportArn"] for s in c.list_exports()["ExportSummaries"]] == [
        d["ExportArn"] for d in exports]


def test_client_token(srv):
    server, _ = srv
    c = make_client(server.endpoint)
    name = create_table(c)
    arn = c.describe_table(TableName=name)["Table"]["TableArn"]
    enable(c, name)
    first = c.export_table_to_point_in_time(TableArn=arn, S3Bucket="b", ClientToken="tok-1")[
        "ExportDescription"]
    wait_export(c, first["ExportArn"])
    again = c.export_table_to_point_in_time(TableArn=arn, S3Bucket="b", ClientToken="tok-1")[
        "ExportDescription"]
    assert again["ExportArn"] == first["ExportArn"] and again["ExportStatus"] == "COMPLETED"
    assert_error(c.export_table_to_point_in_time, "ExportConflictException",
                 "Export conflict: Duplicate request detected with conflicting parameters",
                 TableArn=arn, S3Bucket="other", ClientToken="tok-1")
    assert len(c.list_exports()["ExportSummaries"]) == 1


def test_export_errors(srv):
    server, root = srv
    c = make_client(server.endpoint)
    port = server.port
    name = create_table(c)
    arn = c.describe_table(TableName=name)["Table"]["TableArn"]
    call = c.export_table_to_point_in_time
    assert_error(call, "PointInTimeRecoveryUnavailableException",
                 "Point in time recovery is not enabled for table '%s'" % name,
                 TableArn=arn, S3Bucket="b")
    missing = arn.replace(name, unique_name("nope"))
    assert_error(call, "TableNotFoundException", "Table not found: " + missing,
                 TableArn=missing, S3Bucket="b")
    enable(c, name)
    early = c.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"][
        "PointInTimeRecoveryDescription"]["EarliestRestorableDateTime"].timestamp()
    # message unverified: it names both bounds
    msg = assert_error(call, "InvalidExportTimeException", TableArn=arn, S3Bucket="b",
                       ExportTime=utc(int(early) - 5))
    assert msg.startswith("ExportTime must be between EarliestRestorableDateTime (")
    assert_error(call, "InvalidExportTimeException", TableArn=arn, S3Bucket="b",
                 ExportTime=utc(int(time.time()) + 10))
    cases = [
        ({"S3Bucket": "b"}, "1 validation error detected: Value null at 'tableArn' failed to "
                            "satisfy constraint: Member must not be null"),
        ({"TableArn": arn}, "1 validation error detected: Value null at 's3Bucket' failed to "
                            "satisfy constraint: Member must not be null"),
        ({"TableArn": arn, "S3Bucket": "b", "ExportFormat": "CSV"},
         "1 validation error detected: Value 'CSV' at 'exportFormat' failed to satisfy "
         "constraint: Member must satisfy enum value set: [DYNAMODB_JSON, ION]"),
        ({"TableArn": arn, "S3Bucket": "b", "S3SseAlgorithm": "DES"},
         "1 validation error detected: Value 'DES' at 's3SseAlgorithm' failed to satisfy "
         "constraint: Member must satisfy enum value set: [AES256, KMS]"),
        ({"TableArn": arn, "S3Bucket": "b", "ExportFormat": "ION"},
         "ExportFormat ION is not supported by this server yet"),
        ({"TableArn": arn, "S3Bucket": "b", "ExportType": "INCREMENTAL_EXPORT"},
         "ExportType INCREMENTAL_EXPORT is not supported by this server yet"),
    ]
    for payload, message in cases:
        r = raw_call(port, "ExportTableToPointInTime", payload)
        assert (r.status, r.error_type, r.error_message) == (400, "ValidationException", message), payload
    # DescribeExport
    assert_error(c.describe_export, "ValidationException", "Invalid Export ARN",
                 ExportArn=arn + "/backup/01700000000000-0123abcd")
    unknown = arn + "/export/01700000000000-0123abcd"
    # message unverified
    assert_error(c.describe_export, "ExportNotFoundException", "Export not found: " + unknown,
                 ExportArn=unknown)
    r = raw_call(port, "ListExports", {"MaxResults": 26})
    assert (r.status, r.error_type, r.error_message) == (
        400, "ValidationException",
        "1 validation error detected: Value '26' at 'maxResults' failed to satisfy constraint: "
        "Member must have value less than or equal to 25")
    # a prefix that leaves the bucket fails the export, writing nothing outside
    d = call(TableArn=arn, S3Bucket="b", S3Prefix="../../escape")["ExportDescription"]
    d = wait_export(c, d["ExportArn"])
    assert d["ExportStatus"] == "FAILED" and d["FailureCode"] and d["FailureMessage"]
    assert "ItemCount" not in d
    assert not glob.glob(os.path.join(os.path.dirname(str(root)), "escape"))
