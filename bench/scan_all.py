"""Scan a whole table page by page over one keep-alive connection and print
"SCAN items=N pages=P seconds=S items_per_s=R" (client JSON decoding included)."""

import http.client
import json
import sys
import time

port, table = int(sys.argv[1]), sys.argv[2]
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
headers = {"Content-Type": "application/x-amz-json-1.0",
           "X-Amz-Target": "DynamoDB_20120810.Scan",
           "Authorization": "AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/dynamodb/"
                            "aws4_request, SignedHeaders=host, Signature=0"}
request = {"TableName": table}
items = pages = 0
start = time.monotonic()
while True:
    conn.request("POST", "/", body=json.dumps(request), headers=headers)
    response = conn.getresponse()
    page = json.loads(response.read())
    if response.status != 200:
        sys.exit("scan failed: %s" % page)
    items += page["Count"]
    pages += 1
    if "LastEvaluatedKey" not in page:
        break
    request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
seconds = time.monotonic() - start
print("SCAN items=%d pages=%d seconds=%.2f items_per_s=%.0f" % (items, pages, seconds,
                                                                items / seconds))
