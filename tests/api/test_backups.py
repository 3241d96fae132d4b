"""On-demand backups: CreateBackup, DescribeBackup, ListBackups, DeleteBackup,
RestoreTableFromBackup; their consistency under a write load, restarts and
kill -9, and their validation errors.

Backups need a data directory, so these tests run their own servers with one
(whatever DDBD_MODE says); one test checks the refusal in --in-memory mode.
Every load loop is bounded in count and time.
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time

import pytest

from conftest import Server, assert_error, client_error, make_client, raw_call, unique_name

ARN_RE = re.compile(
    r"^arn:aws:dynamodb:us-east-1:000000000000:table/([A-Za-z0-9_.-]+)/backup/(\d{13})-[0-9a-f]{8}$")


def own_disk_server(prefix, extra_args=()):
    """A server of the module's own on a new data directory, removed after
    (the body of a module-scoped fixture: `yield from`)."""
    data = tempfile.mkdtemp(prefix=prefix)
    srv = Server(data_dir=data, extra_args=extra_args).start()
    yield srv
    if srv.alive():
        srv.finish()
    srv.cleanup()
    shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(scope="module")
def disk_server():
    yield from own_disk_server("ddbd-backups-")


@pytest.fixture(scope="module")
def db(disk_server):
    return make_client(disk_server.endpoint)


def create_table(db, name=None, gsis=None, lsis=None, range_key=True, prefix="bk", **extra):
    """A table keyed pk (S) and, with range_key, sk (N); gsis on g (S) and lsis
    on l (N) when given."""
    name = name or unique_name(prefix)
    attrs = [{"AttributeName": "pk", "AttributeType": "S"}]
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
    if range_key:
        attrs.append({"AttributeName": "sk", "AttributeType": "N"})
        keys.append({"AttributeName": "sk", "KeyType": "RANGE"})
    args = dict(TableName=name, AttributeDefinitions=attrs, KeySchema=keys,
                BillingMode="PAY_PER_REQUEST")
    if gsis:
        args["GlobalSecondaryIndexes"] = gsis
        attrs.append({"AttributeName": "g", "AttributeType": "S"})
    if lsis:
        args["LocalSecondaryIndexes"] = lsis
        attrs.append({"AttributeName": "l", "AttributeType": "N"})
    args.update(extra)
    db.create_table(**args)
    return name


def wait_backup(db, arn, timeout=30.0):
    deadline = time.monotonic() + timeout
    while True:
        d = db.describe_backup(BackupArn=arn)["BackupDescription"]
        if d["BackupDetails"]["BackupStatus"] == "AVAILABLE":
            return d
        assert time.monotonic() < deadline, d
        time.sleep(0.02)


def wait_restored(db, name, timeout=60.0):
    deadline = time.monotonic() + timeout
    while True:
        t = db.describe_table(TableName=name)["Table"]
        if t["TableStatus"] == "ACTIVE":
            return t
        assert t["TableStatus"] == "CREATING", t
        assert t["RestoreSummary"]["RestoreInProgress"] is True
        assert time.monotonic() < deadline, t
        time.sleep(0.02)


def scan_all(db, name, **kw):
    items, start = [], None
    for _ in range(10000):
        args = dict(TableName=name, **kw)
        if start:
            args["ExclusiveStartKey"] = start
        page = db.scan(**args)
        items += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return items
    raise AssertionError("scan did not end")


def batch_put(db, name, reqs):
    """BatchWriteItem of reqs (25 at most), sent again with what comes back
    unprocessed until nothing does (50 tries at most)."""
    for _ in range(50):
        reqs = db.batch_write_item(RequestItems={name: reqs}).get("UnprocessedItems", {}).get(name)
        if not reqs:
            return
    raise AssertionError("%d writes still unprocessed after 50 tries" % len(reqs))


def put_many(db, name, n, prefix="p", payload="x"):
    for base in range(0, n, 25):
        reqs = [{"PutRequest": {"Item": {"pk": {"S": "%s%d" % (prefix, i % 7)},
                                         "sk": {"N": str(i)}, "v": {"S": payload * (1 + i % 5)},
                                         "g": {"S": "g%d" % (i % 3)}, "l": {"N": str(-i)}}}}
                for i in range(base, min(n, base + 25))]
        batch_put(db, name, reqs)


GSI = {"IndexName": "by_g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                                          {"AttributeName": "sk", "KeyType": "RANGE"}],
       "Projection": {"ProjectionType": "ALL"}}
GSI2 = {"IndexName": "by_g_keys", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "KEYS_ONLY"}}
LSI = {"IndexName": "by_l", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                          {"AttributeName": "l", "KeyType": "RANGE"}],
       "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["v"]}}


# --------------------------------------------------------------------------
# Lifecycle


def test_backup_lifecycle_describe_list_delete(db):
    name = create_table(db, gsis=[GSI], lsis=[LSI],
                        StreamSpecification={"StreamEnabled": True,
                                             "StreamViewType": "NEW_IMAGE"})
    put_many(db, name, 60)
    db.update_time_to_live(TableName=name, TimeToLiveSpecification={
        "Enabled": True, "AttributeName": "exp"})
    table = db.describe_table(TableName=name)["Table"]
    before = time.time()
    details = db.create_backup(TableName=name, BackupName="first.backup-1")["BackupDetails"]
    after = time.time()
    m = ARN_RE.match(details["BackupArn"])
    assert m and m.group(1) == name, details["BackupArn"]
    assert details["BackupName"] == "first.backup-1"
    assert details["BackupStatus"] == "CREATING"
    assert details["BackupType"] == "USER"
    assert "BackupExpiryDateTime" not in details
    created = details["BackupCreationDateTime"].timestamp()
    assert before - 0.01 <= created <= after + 0.01
    assert int(m.group(2)) == round(created * 1000)

    desc = wait_backup(db, details["BackupArn"])
    bd = desc["BackupDetails"]
    assert bd["BackupCreationDateTime"] == details["BackupCreationDateTime"]
    assert bd["BackupSizeBytes"] == table["TableSizeBytes"] > 0
    src = desc["SourceTableDetails"]
    assert src["TableName"] == name and src["TableId"] == table["TableId"]
    assert src["TableArn"] == table["TableArn"]
    assert src["ItemCount"] == 60 and src["TableSizeBytes"] == table["TableSizeBytes"]
    assert src["KeySchema"] == table["KeySchema"]
    assert src["BillingMode"] == "PAY_PER_REQUEST"
    assert src["ProvisionedThroughput"] == {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0}
    feat = desc["SourceTableFeatureDetails"]
    assert [g["IndexName"] for g in feat["GlobalSecondaryIndexes"]] == ["by_g"]
    assert feat["GlobalSecondaryIndexes"][0]["KeySchema"] == GSI["KeySchema"]
    assert feat["LocalSecondaryIndexes"][0]["Projection"] == LSI["Projection"]
    assert feat["StreamDescription"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    assert feat["TimeToLiveDescription"] == {"TimeToLiveStatus": "ENABLED",
                                             "AttributeName": "exp"}

    # BackupName is not unique: a second backup gets its own ARN
    second = db.create_backup(TableName=name, BackupName="first.backup-1")["BackupDetails"]
    assert second["BackupArn"] != details["BackupArn"]
    wait_backup(db, second["BackupArn"])
    listed = db.list_backups(TableName=name)["BackupSummaries"]
    assert [b["BackupArn"] for b in listed] == [details["BackupArn"], second["BackupArn"]]
    s = listed[0]
    assert s["TableName"] == name and s["TableId"] == table["TableId"]
    assert s["TableArn"] == table["TableArn"] and s["BackupStatus"] == "AVAILABLE"
    assert s["BackupType"] == "USER" and s["BackupSizeBytes"] == table["TableSizeBytes"]
    assert s["BackupCreationDateTime"] == details["BackupCreationDateTime"]

    gone = db.delete_backup(BackupArn=details["BackupArn"])["BackupDescription"]
    assert gone["BackupDetails"]["BackupStatus"] == "DELETED"
    assert gone["SourceTableDetails"]["ItemCount"] == 60
    for op in (db.describe_backup, db.delete_backup):
        assert_error(op, "BackupNotFoundException",
                     "Backup not found: %s" % details["BackupArn"],  # message unverified
                     BackupArn=details["BackupArn"])
    listed = db.list_backups(TableName=name)["BackupSummaries"]
    assert [b["BackupArn"] for b in listed] == [second["BackupArn"]]
    db.delete_backup(BackupArn=second["BackupArn"])


def test_list_backups_filters_and_paging(db, disk_server):
    a, b = create_table(db), create_table(db)
    put_many(db, a, 5)
    arns = []
    for i in range(5):
        arns.append(db.create_backup(TableName=a if i % 2 == 0 else b,
                                     BackupName="page%d" % i)["BackupDetails"])
        time.sleep(0.005)  # distinct creation milliseconds
    for d in arns:
        wait_backup(db, d["BackupArn"])
    mine = [d["BackupArn"] for d in arns]
    everything = [s["BackupArn"] for s in db.list_backups()["BackupSummaries"]]
    assert [x for x in everything if x in mine] == mine  # by creation time
    assert [s["BackupArn"] for s in db.list_backups(TableName=a)["BackupSummaries"]] == mine[0::2]
    for t in ("USER", "ALL"):
        got = [s["BackupArn"] for s in db.list_backups(TableName=b, BackupType=t)["BackupSummaries"]]
        assert got == mine[1::2]
    for t in ("SYSTEM", "AWS_BACKUP"):
        assert db.list_backups(TableName=a, BackupType=t)["BackupSummaries"] == []
    # time range: lower inclusive, upper exclusive, to the millisecond (sent
    # raw: boto3 cuts timestamps to whole seconds)
    ms = [int(ARN_RE.match(x).group(2)) for x in mine]
    assert ms == sorted(ms) and len(set(ms)) == 5
    out = raw_call(disk_server.port, "ListBackups", {"TimeRangeLowerBound": ms[1] / 1000,
                                                     "TimeRangeUpperBound": ms[3] / 1000})
    assert out.status == 200, out.body
    got = [s["BackupArn"] for s in out.json()["BackupSummaries"]]
    assert [x for x in got if x in mine] == mine[1:3]
    out = raw_call(disk_server.port, "ListBackups", {"TimeRangeLowerBound": ms[1] / 1000 + 0.001,
                                                     "TimeRangeUpperBound": ms[3] / 1000 + 0.001})
    got = [s["BackupArn"] for s in out.json()["BackupSummaries"]]
    assert [x for x in got if x in mine] == mine[2:4]
    out = raw_call(disk_server.port, "ListBackups", {"TimeRangeLowerBound": "yesterday"})
    assert out.status == 400 and out.error_type == "SerializationException"
    # paging with Limit and ExclusiveStartBackupArn
    pages, start = [], None
    for _ in range(10):
        args = dict(TableName=a, Limit=2)
        if start:
            args["ExclusiveStartBackupArn"] = start
        out = db.list_backups(**args)
        pages.append([s["BackupArn"] for s in out["BackupSummaries"]])
        start = out.get("LastEvaluatedBackupArn")
        if not start:
            break
    assert pages == [mine[0:3:2], mine[4:5]]
    # a deleted or unknown table lists nothing, and is no error
    assert db.list_backups(TableName="no-such-table")["BackupSummaries"] == []
    db.delete_table(TableName=b)
    assert len(db.list_backups(TableName=b)["BackupSummaries"]) == 2
    for d in arns:
        db.delete_backup(BackupArn=d["BackupArn"])


# --------------------------------------------------------------------------
# Consistency under a write load


def test_backup_during_write_load_holds_exactly_a_prefix_of_each_writer(db, disk_server):
    """Each writer puts items w<k>-<i> in order, each acknowledged before the
    next is sent, and sets its counter item to i.  The backup's instant is
    the commit its snapshot sees: the restored table must hold, for every
    writer, exactly the items 0..n-1 and counter n-1 for one n (so nothing
    written after the instant and nothing missing before it), with every
    item acknowledged before CreateBackup was sent in it, and none sent after
    its answer arrived."""
    name = create_table(db)
    put_many(db, name, 3000, prefix="base")
    writers, stop = 3, threading.Event()
    log = {k: [] for k in range(writers)}  # (i, sent, acked)

    def writer(k):
        client = make_client(disk_server.endpoint)
        for i in range(100000):
            if stop.is_set():
                return
            sent = time.monotonic()
            client.transact_write_items(TransactItems=[
                {"Put": {"TableName": name, "Item": {"pk": {"S": "w%d" % k},
                                                     "sk": {"N": str(i)}}}},
                {"Put": {"TableName": name, "Item": {"pk": {"S": "c%d" % k}, "sk": {"N": "0"},
                                                     "n": {"N": str(i)}}}}])
            log[k].append((i, sent, time.monotonic()))

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(writers)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 10
    while min(len(v) for v in log.values()) < 30 and time.monotonic() < deadline:
        time.sleep(0.01)
    sent = time.monotonic()
    arn = db.create_backup(TableName=name, BackupName="under-load")["BackupDetails"]["BackupArn"]
    answered = time.monotonic()
    time.sleep(0.3)
    stop.set()
    for t in threads:
        t.join(30)
    wait_backup(db, arn)
    target = unique_name("bkr")
    db.restore_table_from_backup(TargetTableName=target, BackupArn=arn)
    wait_restored(db, target)
    items = scan_all(db, target)
    for k in range(writers):
        got = sorted(int(it["sk"]["N"]) for it in items if it["pk"]["S"] == "w%d" % k)
        n = len(got)
        assert got == list(range(n)), "writer %d: not a prefix" % k
        counter = [it for it in items if it["pk"]["S"] == "c%d" % k]
        if n:
            assert len(counter) == 1 and counter[0]["n"]["N"] == str(n - 1)
        acked_before = [i for i, s, a in log[k] if a < sent]
        sent_after = [i for i, s, a in log[k] if s > answered]
        assert acked_before and n >= len(acked_before), (k, n, len(acked_before))
        assert sent_after and n <= sent_after[0], (k, n, sent_after[0])
    assert len([it for it in items if it["pk"]["S"].startswith("base")]) == 3000
    t = db.describe_table(TableName=target)["Table"]
    assert t["ItemCount"] == len(items)
    db.delete_backup(BackupArn=arn)


# --------------------------------------------------------------------------
# Restore


def test_restore_with_index_overrides_answers_queries(db):
    src = create_table(db, gsis=[GSI, GSI2], lsis=[LSI])
    put_many(db, src, 120)
    arn = db.create_backup(TableName=src, BackupName="idx")["BackupDetails"]["BackupArn"]
    wait_backup(db, arn)
    target = unique_name("bkr")
    gsi = dict(GSI, ProvisionedThroughput={"ReadCapacityUnits": 3, "WriteCapacityUnits": 4})
    out = db.restore_table_from_backup(
        TargetTableName=target, BackupArn=arn, GlobalSecondaryIndexOverride=[gsi],
        LocalSecondaryIndexOverride=[], BillingModeOverride="PROVISIONED",
        ProvisionedThroughputOverride={"ReadCapacityUnits": 5, "WriteCapacityUnits": 6})
    desc = out["TableDescription"]
    assert desc["TableName"] == target and desc["TableStatus"] == "CREATING"
    rs = desc["RestoreSummary"]
    assert rs["SourceBackupArn"] == arn and rs["RestoreInProgress"] is True
    assert rs["SourceTableArn"] == db.describe_table(TableName=src)["Table"]["TableArn"]
    # a second restore to the name being restored: TableInUseException while
    # the first runs; the first may finish in between (a small table), and
    # then the name belongs to an ACTIVE table
    code, msg, _ = client_error(db.restore_table_from_backup, TargetTableName=target,
                                BackupArn=arn)
    if code == "TableAlreadyExistsException":
        assert msg == "Table already exists: %s" % target
        assert db.describe_table(TableName=target)["Table"]["TableStatus"] == "ACTIVE"
    else:
        assert (code, msg) == ("TableInUseException",
                               "Table is being restored: %s" % target)  # message unverified
    t = wait_restored(db, target)
    assert "RestoreSummary" not in t
    assert t["BillingModeSummary"]["BillingMode"] == "PROVISIONED" if "BillingModeSummary" in t \
        else True
    assert t["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    assert t["ProvisionedThroughput"]["WriteCapacityUnits"] == 6
    assert [g["IndexName"] for g in t["GlobalSecondaryIndexes"]] == ["by_g"]
    assert t["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"]["ReadCapacityUnits"] == 3
    assert "LocalSecondaryIndexes" not in t
    assert t["ItemCount"] == 120
    assert t["GlobalSecondaryIndexes"][0]["ItemCount"] == 120
    assert "StreamSpecification" not in t
    want = sorted(i for i in range(120) if i % 3 == 1)
    got = db.query(TableName=target, IndexName="by_g", KeyConditionExpression="g = :g",
                   ExpressionAttributeValues={":g": {"S": "g1"}})["Items"]
    assert [int(x["sk"]["N"]) for x in got] == want
    src_items = sorted(scan_all(db, src), key=lambda x: (x["pk"]["S"], int(x["sk"]["N"])))
    dst_items = sorted(scan_all(db, target), key=lambda x: (x["pk"]["S"], int(x["sk"]["N"])))
    assert dst_items == src_items
    assert_error(db.query, "ValidationException", TableName=target, IndexName="by_g_keys",
                 KeyConditionExpression="g = :g",
                 ExpressionAttributeValues={":g": {"S": "g1"}})
    # the target name now exists
    assert_error(db.restore_table_from_backup, "TableAlreadyExistsException",
                 "Table already exists: %s" % target,  # message unverified
                 TargetTableName=target, BackupArn=arn)

    # without overrides: every index, the LSI answering queries too
    full = unique_name("bkr")
    db.restore_table_from_backup(TargetTableName=full, BackupArn=arn)
    t = wait_restored(db, full)
    assert sorted(g["IndexName"] for g in t["GlobalSecondaryIndexes"]) == ["by_g", "by_g_keys"]
    assert t["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    got = db.query(TableName=full, IndexName="by_l", KeyConditionExpression="pk = :p",
                   ExpressionAttributeValues={":p": {"S": "p3"}}, ScanIndexForward=True)["Items"]
    assert [int(x["l"]["N"]) for x in got] == sorted(-i for i in range(120) if i % 7 == 3)
    db.delete_backup(BackupArn=arn)


def test_backup_in_use_and_item_operations_on_a_restoring_table(db):
    src = create_table(db)
    put_many(db, src, 4000, payload="y" * 50)
    arn = db.create_backup(TableName=src, BackupName="busy")["BackupDetails"]["BackupArn"]
    wait_backup(db, arn)
    target = unique_name("bkr")
    db.restore_table_from_backup(TargetTableName=target, BackupArn=arn)
    seen_busy = deleted = False
    for _ in range(2000):
        if db.describe_table(TableName=target)["Table"]["TableStatus"] != "CREATING":
            break
        try:
            db.delete_backup(BackupArn=arn)
            # only once the restore is over
            assert db.describe_table(TableName=target)["Table"]["TableStatus"] == "ACTIVE"
            deleted = True
            break
        except db.exceptions.BackupInUseException as e:
            assert e.response["Error"]["Message"] == (
                "Backup is being used to restore a table: %s" % arn)  # message unverified
            seen_busy = True
        try:
            db.get_item(TableName=target, Key={"pk": {"S": "p0"}, "sk": {"N": "0"}})
            if db.describe_table(TableName=target)["Table"]["TableStatus"] == "CREATING":
                raise AssertionError("item read on a table still being restored")
        except db.exceptions.ResourceNotFoundException:
            pass
    wait_restored(db, target)
    assert db.describe_table(TableName=target)["Table"]["ItemCount"] == 4000
    if not seen_busy:
        pytest.skip("the restore finished before it could be observed in progress")
    if not deleted:
        db.delete_backup(BackupArn=arn)


# --------------------------------------------------------------------------
# Validation


def test_validation_errors(db):
    name = create_table(db, gsis=[GSI], lsis=[LSI])
    arn = db.create_backup(TableName=name, BackupName="vvv")["BackupDetails"]["BackupArn"]
    wait_backup(db, arn)
    V = "ValidationException"
    assert_error(db.create_backup, "TableNotFoundException", "Table not found: nope-table",
                 TableName="nope-table", BackupName="abc")
    assert_error(db.create_backup, V,
                 "1 validation error detected: Value 'ab!' at 'backupName' failed to satisfy "
                 "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
                 TableName=name, BackupName="ab!")
    assert_error(db.create_backup, V,
                 "1 validation error detected: Value 'ab' at 'backupName' failed to satisfy "
                 "constraint: Member must have length greater than or equal to 3",
                 TableName=name, BackupName="ab")
    short = "arn:aws:dynamodb:us-east-1:0000"
    assert_error(db.describe_backup, V,
                 "1 validation error detected: Value '%s' at 'backupArn' failed to satisfy "
                 "constraint: Member must have length greater than or equal to 37" % short,
                 BackupArn=short)
    bad = "arn:aws:dynamodb:us-east-1:000000000000:table/%s" % name
    # message unverified
    assert_error(db.describe_backup, V, "Invalid Backup ARN", BackupArn=bad)
    assert_error(db.delete_backup, V, "Invalid Backup ARN", BackupArn=bad)
    missing = arn[:-8] + ("00000000" if not arn.endswith("00000000") else "11111111")
    assert_error(db.describe_backup, "BackupNotFoundException", "Backup not found: %s" % missing,
                 BackupArn=missing)
    assert_error(db.list_backups, V,
                 "1 validation error detected: Value '0' at 'limit' failed to satisfy "
                 "constraint: Member must have value greater than or equal to 1", Limit=0)
    assert_error(db.list_backups, V,
                 "1 validation error detected: Value 'NONE' at 'backupType' failed to satisfy "
                 "constraint: Member must satisfy enum value set: [USER, SYSTEM, AWS_BACKUP, ALL]",
                 BackupType="NONE")
    assert_error(db.list_backups, V,
                 "One or more parameter values were invalid: Time range lower bound must be "
                 "less than or equal to upper bound",
                 TimeRangeLowerBound=2000000000, TimeRangeUpperBound=1000000000)
    # restores
    R = db.restore_table_from_backup
    t = unique_name("bkr")
    assert_error(R, V, "Invalid Request: BackupArn is not valid",  # message unverified
                 TargetTableName=t, BackupArn=bad)
    assert_error(R, "BackupNotFoundException", "Backup not found: %s" % missing,
                 TargetTableName=t, BackupArn=missing)
    assert_error(R, "TableAlreadyExistsException", "Table already exists: %s" % name,
                 TargetTableName=name, BackupArn=arn)
    assert_error(R, V,
                 "1 validation error detected: Value 'x' at 'targetTableName' failed to satisfy "
                 "constraint: Member must have length greater than or equal to 3",
                 TargetTableName="x", BackupArn=arn)
    assert_error(R, V,
                 "1 validation error detected: Value 'FREE' at 'billingModeOverride' failed to "
                 "satisfy constraint: Member must satisfy enum value set: [PROVISIONED, "
                 "PAY_PER_REQUEST]", TargetTableName=t, BackupArn=arn, BillingModeOverride="FREE")
    pt = {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}
    assert_error(R, V, "Invalid Request: Cannot override ProvisionedThroughput if BillingMode is "
                       "overridden to PAY_PER_REQUEST", TargetTableName=t, BackupArn=arn,
                 BillingModeOverride="PAY_PER_REQUEST", ProvisionedThroughputOverride=pt)
    assert_error(R, V, "Invalid Request: Must override ProvisionedThroughput if BillingMode is "
                       "overridden to PROVISIONED", TargetTableName=t, BackupArn=arn,
                 BillingModeOverride="PROVISIONED")
    assert_error(R, V, "Invalid Request: Cannot override ProvisionedThroughput unless "
                       "BillingMode is PROVISIONED", TargetTableName=t, BackupArn=arn,
                 ProvisionedThroughputOverride=pt)
    other = dict(GSI, IndexName="not_there")
    assert_error(R, V, "Invalid Request: Index not_there does not match a secondary index that "
                       "existed in the source table and cannot be created during the restore "
                       "operation", TargetTableName=t, BackupArn=arn,
                 GlobalSecondaryIndexOverride=[other])
    # an LSI named as a GSI does not match either
    as_gsi = {"IndexName": "by_l", "KeySchema": LSI["KeySchema"], "Projection": LSI["Projection"]}
    assert_error(R, V, prefix="Invalid Request: Index by_l does not match", TargetTableName=t,
                 BackupArn=arn, GlobalSecondaryIndexOverride=[as_gsi])
    # nothing was created by the refused restores
    assert_error(db.describe_table, "ResourceNotFoundException", TableName=t)
    db.delete_backup(BackupArn=arn)


def test_in_memory_server_refuses_backups(spawn_server):
    srv = spawn_server(in_memory=True)
    c = make_client(srv.endpoint)
    name = create_table(c)
    # closest service error; message unverified (ours)
    assert_error(c.create_backup, "ContinuousBackupsUnavailableException",
                 "Backups are not available for the table: %s. This server keeps no data "
                 "(--in-memory)" % name, TableName=name, BackupName="nope")
    assert c.list_backups()["BackupSummaries"] == []


# --------------------------------------------------------------------------
# Restarts and kill -9


def test_backups_survive_delete_table_and_restart(spawn_server, tmp_path):
    srv = spawn_server()
    c = make_client(srv.endpoint)
    name = create_table(c, gsis=[GSI])
    put_many(c, name, 200)
    arn = c.create_backup(TableName=name, BackupName="keep")["BackupDetails"]["BackupArn"]
    before = wait_backup(c, arn)
    c.delete_table(TableName=name)
    srv.stop()
    srv.start()
    c = make_client(srv.endpoint)
    after = c.describe_backup(BackupArn=arn)["BackupDescription"]
    assert after == before
    assert [s["BackupArn"] for s in c.list_backups(TableName=name)["BackupSummaries"]] == [arn]
    c.restore_table_from_backup(TargetTableName=name, BackupArn=arn)
    t = wait_restored(c, name)
    assert t["ItemCount"] == 200 and t["TableId"] != before["SourceTableDetails"]["TableId"]
    got = c.query(TableName=name, IndexName="by_g", KeyConditionExpression="g = :g",
                  ExpressionAttributeValues={":g": {"S": "g2"}}, Select="COUNT")["Count"]
    assert got == len([i for i in range(200) if i % 3 == 2])


def test_kill_9_during_backup_leaves_no_half_made_backup(spawn_server):
    srv = spawn_server()
    c = make_client(srv.endpoint)
    name = create_table(c)
    put_many(c, name, 30000, payload="z" * 40)
    arns = [c.create_backup(TableName=name, BackupName="kill%d" % i)["BackupDetails"]["BackupArn"]
            for i in range(3)]
    srv.kill()
    srv.start()
    c = make_client(srv.endpoint)
    listed = c.list_backups(TableName=name)["BackupSummaries"]
    for s in listed:
        assert s["BackupStatus"] == "AVAILABLE" and s["BackupArn"] in arns
    for arn in arns:
        if arn not in [s["BackupArn"] for s in listed]:
            assert_error(c.describe_backup, "BackupNotFoundException", BackupArn=arn)
    backups_dir = os.path.join(str(srv.data_dir), "backups")
    assert len(os.listdir(backups_dir)) == len(listed)
    # a finished backup restores whole
    arn = c.create_backup(TableName=name, BackupName="after")["BackupDetails"]["BackupArn"]
    wait_backup(c, arn)
    target = unique_name("bkr")
    c.restore_table_from_backup(TargetTableName=target, BackupArn=arn)
    assert wait_restored(c, target)["ItemCount"] == 30000


def test_kill_9_during_restore_resumes_it(spawn_server):
    srv = spawn_server()
    c = make_client(srv.endpoint)
    name = create_table(c, gsis=[GSI])
    put_many(c, name, 30000, payload="q" * 40)
    arn = c.create_backup(TableName=name, BackupName="rrr")["BackupDetails"]["BackupArn"]
    wait_backup(c, arn)
    target = unique_name("bkr")
    c.restore_table_from_backup(TargetTableName=target, BackupArn=arn)
    time.sleep(0.05)
    srv.kill()
    srv.start()
    c = make_client(srv.endpoint)
    t = c.describe_table(TableName=target)["Table"]
    assert t["TableStatus"] in ("CREATING", "ACTIVE")
    t = wait_restored(c, target)
    assert t["ItemCount"] == 30000
    assert t["GlobalSecondaryIndexes"][0]["ItemCount"] == 30000
    src = sorted((x["pk"]["S"], x["sk"]["N"]) for x in scan_all(
        c, name, ProjectionExpression="pk, sk"))
    dst = sorted((x["pk"]["S"], x["sk"]["N"]) for x in scan_all(
        c, target, ProjectionExpression="pk, sk"))
    assert dst == src


# --------------------------------------------------------------------------
# AWS CLI smoke


def test_aws_cli_backup_smoke(db, disk_server):
    if not shutil.which("aws"):
        pytest.skip("aws CLI not installed")
    name = create_table(db)
    put_many(db, name, 10)
    env = dict(os.environ, AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local",
               AWS_DEFAULT_REGION="us-east-1")

    def cli(*args):
        out = subprocess.run(["aws", "dynamodb", *args, "--endpoint-url", disk_server.endpoint,
                              "--output", "json"], env=env, capture_output=True, text=True,
                             timeout=60)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    arn = cli("create-backup", "--table-name", name, "--backup-name", "cli")[
        "BackupDetails"]["BackupArn"]
    wait_backup(db, arn)
    listed = cli("list-backups", "--table-name", name)["BackupSummaries"]
    assert [s["BackupArn"] for s in listed] == [arn]
    target = unique_name("bkr")
    cli("restore-table-from-backup", "--target-table-name", target, "--backup-arn", arn)
    assert wait_restored(db, target)["ItemCount"] == 10
    assert cli("delete-backup", "--backup-arn", arn)["BackupDescription"]["BackupDetails"][
        "BackupStatus"] == "DELETED"


# --------------------------------------------------------------------------
# OnDemandThroughputOverride (newer than this boto3's model: raw calls)


def on_demand_of(port, name):
    r = raw_call(port, "DescribeTable", {"TableName": name})
    assert r.status == 200, r.body
    return r.json()["Table"].get("OnDemandThroughput")


def restore_raw(port, **body):
    return raw_call(port, "RestoreTableFromBackup", body)


def test_on_demand_throughput_override(db, disk_server):
    port = disk_server.port
    od = {"MaxReadRequestUnits": 100, "MaxWriteRequestUnits": 50}
    # an on-demand source with maximums, one without, a provisioned one
    with_max = unique_name("bk")
    r = raw_call(port, "CreateTable", {
        "TableName": with_max, "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "OnDemandThroughput": {"MaxReadRequestUnits": 7, "MaxWriteRequestUnits": 9}})
    assert r.status == 200, r.body
    plain = create_table(db)
    prov = create_table(db, BillingMode="PROVISIONED",
                        ProvisionedThroughput={"ReadCapacityUnits": 3, "WriteCapacityUnits": 4})
    arns = {}
    for n in (with_max, plain, prov):
        arns[n] = db.create_backup(TableName=n, BackupName="odt")["BackupDetails"]["BackupArn"]
        wait_backup(db, arns[n])

    def restored(source, expect, **extra):
        target = unique_name("bkr")
        r = restore_raw(port, TargetTableName=target, BackupArn=arns[source], **extra)
        assert r.status == 200, r.body
        assert r.json()["TableDescription"].get("OnDemandThroughput") == expect
        wait_restored(db, target)
        assert on_demand_of(port, target) == expect
        return target
    # the source's maximums are kept; the override replaces them
    restored(with_max, {"MaxReadRequestUnits": 7, "MaxWriteRequestUnits": 9})
    restored(with_max, od, OnDemandThroughputOverride=od)
    restored(plain, None)
    restored(plain, od, OnDemandThroughputOverride=od)
    t = restored(prov, od, BillingModeOverride="PAY_PER_REQUEST", OnDemandThroughputOverride=od)
    assert db.describe_table(TableName=t)["Table"]["BillingModeSummary"]["BillingMode"] == \
        "PAY_PER_REQUEST"
    # provisioned into the source's throughput: its maximums go
    t = restored(with_max, None, BillingModeOverride="PROVISIONED",
                 ProvisionedThroughputOverride={"ReadCapacityUnits": 2, "WriteCapacityUnits": 2})

    # not on demand: refused (MaxWriteRequestUnits' text inferred: message unverified)
    target = unique_name("bkr")
    pt = {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}
    for source, extra, member in [
            (plain, dict(BillingModeOverride="PROVISIONED", ProvisionedThroughputOverride=pt,
                         OnDemandThroughputOverride=od), "MaxReadRequestUnits"),
            (prov, dict(OnDemandThroughputOverride=od), "MaxReadRequestUnits"),
            (prov, dict(OnDemandThroughputOverride={"MaxWriteRequestUnits": 5}),
             "MaxWriteRequestUnits")]:
        r = restore_raw(port, TargetTableName=target, BackupArn=arns[source], **extra)
        assert (r.status, r.error_type, r.error_message) == (
            400, "ValidationException",
            "Invalid Request: Cannot override %s for OnDemandThroughput unless "
            "BillingModeOverride is PAY_PER_REQUEST" % member)
    # a malformed override
    r = restore_raw(port, TargetTableName=target, BackupArn=arns[plain],
                    OnDemandThroughputOverride="many")
    assert (r.status, r.error_type) == (400, "SerializationException"), r.body
    r = restore_raw(port, TargetTableName=target, BackupArn=arns[plain],
                    OnDemandThroughputOverride={"MaxReadRequestUnits": "ten"})
    assert (r.status, r.error_type) == (400, "SerializationException"), r.body
    assert_error(db.describe_table, "ResourceNotFoundException", TableName=target)
