"""Benchmark helpers for the change log (scripts/bench.sh):

  streams_ttl.py read PORT TABLE
      reads every record of TABLE's stream with GetShardIterator/GetRecords (Limit 1000),
      shards parent first, over one keep-alive connection; prints
      RESULT workload=getrecords records=N seconds=S records_per_s=R pages=P
  streams_ttl.py expire PORT TABLE ATTRIBUTE TIMEOUT
      enables TTL on ATTRIBUTE and waits until the table's ItemCount reaches 0; prints
      RESULT workload=expire items=N seconds=S items_per_s=R

Records are counted in the response text, not decoded, so the figure measures the server
rather than Python's JSON decoder."""

import http.client
import json
import re
import sys
import time

AUTH = ("AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host, Signature=0")
NEXT = re.compile(rb'"NextShardIterator":"([^"]*)"')


class Client:
    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def raw(self, target, body):
        self.conn.request("POST", "/", body=body, headers={
            "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": target,
            "Authorization": AUTH})
        resp = self.conn.getresponse()
        data = resp.read()
        if resp.status != 200:
            raise SystemExit("bench: %s failed: %s %s" % (target, resp.status, data[:300]))
        return data

    def call(self, op, body, streams=False):
        prefix = "DynamoDBStreams_20120810." if streams else "DynamoDB_20120810."
        return json.loads(self.raw(prefix + op, json.dumps(body)))


def read(port, table):
    c = Client(port)
    arn = c.call("DescribeTable", {"TableName": table})["Table"]["LatestStreamArn"]
    shards = c.call("DescribeStream", {"StreamArn": arn}, True)["StreamDescription"]["Shards"]
    records = pages = 0
    t0 = time.monotonic()
    for shard in sorted(shards, key=lambda s: s["ShardId"]):
        it = c.call("GetShardIterator", {"StreamArn": arn, "ShardId": shard["ShardId"],
                                         "ShardIteratorType": "TRIM_HORIZON"},
                    True)["ShardIterator"]
        while it:
            body = c.raw("DynamoDBStreams_20120810.GetRecords",
                         json.dumps({"ShardIterator": it, "Limit": 1000}))
            pages += 1
            n = body.count(b'"eventID"')
            records += n
            m = NEXT.search(body)
            it = m.group(1).decode().replace("\\/", "/") if m and n else None
    seconds = time.monotonic() - t0
    print("RESULT workload=getrecords records=%d seconds=%.2f records_per_s=%.0f pages=%d"
          % (records, seconds, records / seconds if seconds else 0, pages))


def expire(port, table, attribute, timeout):
    c = Client(port)
    start_count = c.call("DescribeTable", {"TableName": table})["Table"]["ItemCount"]
    t0 = time.monotonic()
    c.call("UpdateTimeToLive", {"TableName": table, "TimeToLiveSpecification": {
        "Enabled": True, "AttributeName": attribute}})
    count = start_count
    while count and time.monotonic() - t0 < timeout:
        time.sleep(0.05)
        count = c.call("DescribeTable", {"TableName": table})["Table"]["ItemCount"]
    seconds = time.monotonic() - t0
    deleted = start_count - count
    print("RESULT workload=expire items=%d remaining=%d seconds=%.2f items_per_s=%.0f"
          % (deleted, count, seconds, deleted / seconds if seconds else 0))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "read":
        read(int(sys.argv[2]), sys.argv[3])
    elif len(sys.argv) == 6 and sys.argv[1] == "expire":
        expire(int(sys.argv[2]), sys.argv[3], sys.argv[4], float(sys.argv[5]))
    else:
        raise SystemExit(__doc__)
