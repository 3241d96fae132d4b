"""Benchmark helper for point-in-time recovery (scripts/bench.sh):

  pitr_restore.py PORT TABLE TIMEOUT
      restores TABLE to its latest restorable time into a new table and waits until that
      table is ACTIVE; prints
      RESULT workload=pitr-restore items=N seconds=S items_per_s=R
      where N is the restored table's ItemCount (the changes replayed, when PITR was enabled
      on an empty table and every change wrote a new item)."""

import http.client
import json
import sys
import time

AUTH = ("AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host, Signature=0")


def call(conn, op, body):
    conn.request("POST", "/", body=json.dumps(body), headers={
        "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810." + op,
        "Authorization": AUTH})
    resp = conn.getresponse()
    data = resp.read()
    if resp.status != 200:
        raise SystemExit("bench: %s failed: %s %s" % (op, resp.status, data[:300]))
    return json.loads(data)


def main():
    port, table, timeout = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    target = table + "-restored"
    t0 = time.monotonic()
    call(conn, "RestoreTableToPointInTime", {"SourceTableName": table, "TargetTableName": target,
                                             "UseLatestRestorableTime": True})
    while True:
        t = call(conn, "DescribeTable", {"TableName": target})["Table"]
        if t["TableStatus"] == "ACTIVE":
            break
        if time.monotonic() - t0 > timeout:
            raise SystemExit("bench: the restore of %s did not end within %.0f s" % (table, timeout))
        time.sleep(0.05)
    seconds = time.monotonic() - t0
    items = t["ItemCount"]
    print("RESULT workload=pitr-restore items=%d seconds=%.2f items_per_s=%.0f"
          % (items, seconds, items / seconds))


if __name__ == "__main__":
    main()
