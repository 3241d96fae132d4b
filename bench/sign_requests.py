#!/usr/bin/python3
"""Signed GetItem requests for the benchmark's authentication runs: wrk's Lua
has no HMAC, so the requests are signed here (botocore's SigV4 signer, at
the current time: they stay valid for the server's 15-minute window) and
the wrk script cycles through them.  Each request is written whole (head
and body) and followed by a NUL byte.

Usage: sign_requests.py OUT KEY_ID SECRET ITEMS COUNT [TABLE]
  keys k<random below ITEMS>, COUNT requests, table "bench" by default.
"""

import json
import random
import sys

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def main():
    out, key_id, secret, items, count = sys.argv[1:6]
    table = sys.argv[6] if len(sys.argv) > 6 else "bench"
    items, count = int(items), int(count)
    signer = SigV4Auth(Credentials(key_id, secret), "dynamodb", "us-east-1")
    rng = random.Random(7)
    with open(out, "wb") as f:
        for _ in range(count):
            body = json.dumps({"TableName": table,
                               "Key": {"pk": {"S": "k%d" % rng.randrange(items)}}},
                              separators=(",", ":")).encode()
            req = AWSRequest(method="POST", url="http://127.0.0.1/", data=body)
            req.headers["Host"] = "127.0.0.1"
            req.headers["Content-Type"] = "application/x-amz-json-1.0"
            req.headers["X-Amz-Target"] = "DynamoDB_20120810.GetItem"
            signer.add_auth(req)
            head = "POST / HTTP/1.1\r\n" + "".join(
                "%s: %s\r\n" % (k, v) for k, v in req.headers.items())
            head += "Content-Length: %d\r\n\r\n" % len(body)
            f.write(head.encode() + body + b"\0")


if __name__ == "__main__":
    main()
