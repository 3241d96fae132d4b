"""Shared by the benchmark helpers of jobs (backup_export.py, pitr_restore.py): one
DynamoDB call over a kept HTTP connection (with a fixed dummy signature), waiting for a job
to end, and the RESULT line scripts/bench.sh reads."""

import json
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


def wait(what, fn, timeout, t0):
    while True:
        got = fn()
        if got is not None:
            return got
        if time.monotonic() - t0 > timeout:
            raise SystemExit("bench: %s did not end within %.0f s" % (what, timeout))
        time.sleep(0.05)


def result(workload, items, seconds):
    print("RESULT workload=%s items=%d seconds=%.2f items_per_s=%.0f"
          % (workload, items, seconds, items / seconds if seconds > 0 else 0))
