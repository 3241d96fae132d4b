"""Benchmark helper for point-in-time recovery (scripts/bench.sh):

  pitr_restore.py PORT TABLE TIMEOUT
      restores TABLE to its latest restorable time into a new table and waits until that
      table is ACTIVE; prints
      RESULT workload=pitr-restore items=N seconds=S items_per_s=R
      where N is the restored table's ItemCount (the changes replayed, when PITR was enabled
      on an empty table and every change wrote a new item)."""

import http.client
import sys
import time

from ddb_call import call, result, wait


def main():
    port, table, timeout = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    target = table + "-restored"
    t0 = time.monotonic()
    call(conn, "RestoreTableToPointInTime", {"SourceTableName": table, "TargetTableName": target,
                                             "UseLatestRestorableTime": True})

    def active():
        t = call(conn, "DescribeTable", {"TableName": target})["Table"]
        return t if t["TableStatus"] == "ACTIVE" else None
    t = wait("the restore of " + table, active, timeout, t0)
    result("pitr-restore", t["ItemCount"], time.monotonic() - t0)


if __name__ == "__main__":
    main()
