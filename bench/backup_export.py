"""Benchmark helper for backups, exports and imports (scripts/bench.sh):

  backup_export.py backup-restore PORT TABLE TIMEOUT
      CreateBackup of TABLE, waited for until AVAILABLE, then RestoreTableFromBackup into a
      new table, waited for until ACTIVE; prints
      RESULT workload=backup items=N seconds=S items_per_s=R
      RESULT workload=restore items=N seconds=S items_per_s=R
  backup_export.py export-import PORT TABLE TIMEOUT
      ExportTableToPointInTime of TABLE (latest; PITR must be on), waited for until COMPLETED,
      then ImportTable of its data files into a new table, waited for until COMPLETED; prints
      RESULT workload=export items=N seconds=S items_per_s=R
      RESULT workload=import items=N seconds=S items_per_s=R
  backup_export.py backup-loop PORT TABLE SECONDS
      takes backups of TABLE one after the other (each waited for, then deleted) for SECONDS:
      the load a GetItem run is measured against; prints
      RESULT workload=backup-loop backups=N"""

import http.client
import sys
import time

from ddb_call import call, result, wait

def backup(conn, table, timeout):
    t0 = time.monotonic()
    arn = call(conn, "CreateBackup", {"TableName": table,
                                      "BackupName": "bench"})["BackupDetails"]["BackupArn"]

    def done():
        d = call(conn, "DescribeBackup", {"BackupArn": arn})["BackupDescription"]
        return d if d["BackupDetails"]["BackupStatus"] == "AVAILABLE" else None
    d = wait("the backup of " + table, done, timeout, t0)
    return arn, d["SourceTableDetails"].get("ItemCount", 0), time.monotonic() - t0


def backup_restore(conn, table, timeout):
    arn, _, seconds = backup(conn, table, timeout)
    items = call(conn, "DescribeTable", {"TableName": table})["Table"]["ItemCount"]
    result("backup", items, seconds)
    target = table + "-from-backup"
    t0 = time.monotonic()
    call(conn, "RestoreTableFromBackup", {"TargetTableName": target, "BackupArn": arn})

    def active():
        t = call(conn, "DescribeTable", {"TableName": target})["Table"]
        return t if t["TableStatus"] == "ACTIVE" else None
    t = wait("the restore of " + table, active, timeout, t0)
    result("restore", t["ItemCount"], time.monotonic() - t0)


def export_import(conn, table, timeout):
    arn = call(conn, "DescribeTable", {"TableName": table})["Table"]["TableArn"]
    t0 = time.monotonic()
    e = call(conn, "ExportTableToPointInTime", {"TableArn": arn, "S3Bucket": "bench",
                                                "S3Prefix": "exp"})["ExportDescription"]

    def exported():
        d = call(conn, "DescribeExport", {"ExportArn": e["ExportArn"]})["ExportDescription"]
        return d if d["ExportStatus"] != "IN_PROGRESS" else None
    d = wait("the export of " + table, exported, timeout, t0)
    if d["ExportStatus"] != "COMPLETED":
        raise SystemExit("bench: the export failed: %s" % d)
    result("export", d["ItemCount"], time.monotonic() - t0)
    export_id = d["ExportArn"].rsplit("/", 1)[1]
    t = call(conn, "DescribeTable", {"TableName": table})["Table"]
    params = {"TableName": table + "-imported", "BillingMode": "PAY_PER_REQUEST",
              "AttributeDefinitions": t["AttributeDefinitions"], "KeySchema": t["KeySchema"]}
    t0 = time.monotonic()
    i = call(conn, "ImportTable", {
        "S3BucketSource": {"S3Bucket": "bench",
                           "S3KeyPrefix": "exp/AWSDynamoDB/%s/data/" % export_id},
        "InputFormat": "DYNAMODB_JSON", "InputCompressionType": "GZIP",
        "TableCreationParameters": params})["ImportTableDescription"]

    def imported():
        d = call(conn, "DescribeImport", {"ImportArn": i["ImportArn"]})["ImportTableDescription"]
        return d if d["ImportStatus"] != "IN_PROGRESS" else None
    d = wait("the import", imported, timeout, t0)
    if d["ImportStatus"] != "COMPLETED":
        raise SystemExit("bench: the import failed: %s" % d)
    result("import", d["ImportedItemCount"], time.monotonic() - t0)


def backup_loop(conn, table, seconds):
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        arn, _, _ = backup(conn, table, seconds + 600)
        call(conn, "DeleteBackup", {"BackupArn": arn})
        n += 1
    print("RESULT workload=backup-loop backups=%d" % n)


def main():
    cmd, port, table, limit = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    if cmd == "backup-restore":
        backup_restore(conn, table, limit)
    elif cmd == "export-import":
        export_import(conn, table, limit)
    elif cmd == "backup-loop":
        backup_loop(conn, table, limit)
    else:
        raise SystemExit("usage: backup_export.py backup-restore|export-import|backup-loop ...")


if __name__ == "__main__":
    main()
