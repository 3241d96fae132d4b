#!/usr/bin/python3
"""Known-answer vectors for tests/unit/test_sigv4.c, computed by botocore's
signer (Debian's python3-botocore), not by ddbd: prints sigv4_vectors.h.

Each vector is a request signed at a fixed time, written out as the raw
HTTP request a client sends, with the canonical request, the string to sign
and the signature botocore computed for it.

The query strings are written in canonical form: botocore signs a URL's
query as it is spelled, the service (and ddbd) as it decodes.

Usage: /usr/bin/python3 tests/unit/sigv4_vectors.py > tests/unit/sigv4_vectors.h
       /usr/bin/python3 tests/unit/sigv4_vectors.py --seeds fuzz/seeds/fuzz_sigv4
         (the raw requests and their Authorization values, seeds of fuzz_sigv4)
"""

import calendar
import datetime
import hashlib
import json
import os
import sys
import types
from urllib.parse import urlsplit

import botocore.auth
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

WHEN = datetime.datetime(2024, 3, 9, 23, 59, 30)  # near midnight on purpose
KEY_ID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEHAaCXVzLWVhc3QtMSJHMEUCIQ+token/with=odd+chars"
REGION = "us-east-1"


class _FixedDatetime(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return WHEN


# botocore reads the clock through its module's `datetime`: give it ours.
botocore.auth.datetime = types.SimpleNamespace(datetime=_FixedDatetime)


def recording(base):
    class Recorder(base):
        def canonical_request(self, request):
            self.recorded_canonical = super().canonical_request(request)
            return self.recorded_canonical

        def string_to_sign(self, request, canonical_request):
            self.recorded_sts = super().string_to_sign(request, canonical_request)
            return self.recorded_sts

        def signature(self, string_to_sign, request):
            self.recorded_signature = super().signature(string_to_sign, request)
            return self.recorded_signature

    return Recorder


class PresignKeepingBody(recording(SigV4QueryAuth)):
    """botocore's presigner moves a body into the query string; DynamoDB
    reads JSON bodies, so keep it where it is (and signed)."""

    def _modify_request_before_signing(self, request):
        body = request.data
        request.data = b""
        super()._modify_request_before_signing(request)
        request.data = body


def make(name, target, body, url_path="/", headers=(), token=None, presign=False, expires=900,
         accept=True):
    request = AWSRequest(method="POST", url="http://localhost:8000" + url_path, data=body)
    request.headers["Host"] = "localhost:8000"
    request.headers["Content-Type"] = "application/x-amz-json-1.0"
    if target:
        request.headers["X-Amz-Target"] = target
    for k, v in headers:
        request.headers[k] = v  # an email.message: a second value is a second header
    creds = Credentials(KEY_ID, SECRET, token)
    if presign:
        signer = PresignKeepingBody(creds, "dynamodb", REGION, expires=expires)
    else:
        signer = recording(SigV4Auth)(creds, "dynamodb", REGION)
    signer.add_auth(request)
    assert (request.body or b"") == body
    parts = urlsplit(request.url)
    target_line = parts.path + ("?" + parts.query if parts.query else "")
    lines = ["POST %s HTTP/1.1" % target_line]
    for k, v in request.headers.items():
        lines.append("%s: %s" % (k, v))
    lines.append("Content-Length: %d" % len(body))
    raw = "\r\n".join(lines) + "\r\n\r\n" + body.decode("utf-8")
    return {
        "name": name,
        "request": raw,
        "canonical": signer.recorded_canonical,
        "string_to_sign": signer.recorded_sts,
        "signature": signer.recorded_signature,
        "token": token,
        "accept": accept,
    }


def vectors():
    get = json.dumps({"TableName": "users", "Key": {"id": {"S": "u1"}}}).encode()
    put = b'{"TableName":"t","Item":{"k":{"S":"v"}}}'
    return [
        make("get_item", "DynamoDB_20120810.GetItem", get),
        make("empty_body", "DynamoDB_20120810.ListTables", b""),
        make("streams", "DynamoDBStreams_20120810.ListStreams", b"{}"),
        make("query_string", "DynamoDB_20120810.ListTables", b"{}",
             url_path="/?b=2&a=1&a=0&c=x%2Fy&d&e=~%20s"),
        make("dot_segments", "DynamoDB_20120810.ListTables", b"{}",
             url_path="/a/./b/../c//d%20e/"),
        make("repeated_headers", "DynamoDB_20120810.ListTables", b"{}",
             headers=[("X-Custom", "a   b\t c"), ("X-Custom", "second"),
                      ("X-Amz-Meta-Upper", "  Trimmed  ")]),
        make("session_token", "DynamoDB_20120810.ListTables", b"{}", token=TOKEN),
        make("date_header", "DynamoDB_20120810.ListTables", b"{}",
             headers=[("Date", "placeholder, botocore writes its own")]),
        make("content_sha256", "DynamoDB_20120810.PutItem", put,
             headers=[("X-Amz-Content-SHA256", hashlib.sha256(put).hexdigest())]),
        # Signed over a payload hash that is not the body's: refused.
        make("content_sha256_wrong", "DynamoDB_20120810.PutItem", put,
             headers=[("X-Amz-Content-SHA256", hashlib.sha256(b"other").hexdigest())],
             accept=False),
        make("presigned", "DynamoDB_20120810.GetItem", get, presign=True, expires=3600),
        make("presigned_token", "DynamoDB_20120810.ListTables", b"{}", presign=True,
             token=TOKEN, expires=60),
    ]


def c_string(s):
    out = []
    for ch in s:
        o = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif 32 <= o < 127:
            out.append(ch)
        else:
            raise ValueError("non-ASCII in a vector")
    return '"' + "".join(out) + '"'


def main():
    print("/* sigv4_vectors.h: written by sigv4_vectors.py with botocore's signer; do not edit. */")
    print("#ifndef DDBD_SIGV4_VECTORS_H")
    print("#define DDBD_SIGV4_VECTORS_H")
    print()
    print("#define VECTOR_KEY_ID %s" % c_string(KEY_ID))
    print("#define VECTOR_SECRET %s" % c_string(SECRET))
    print("#define VECTOR_TOKEN %s" % c_string(TOKEN))
    print("#define VECTOR_REGION %s" % c_string(REGION))
    print("#define VECTOR_NOW %dLL /* %s UTC, the signing time */"
          % (calendar.timegm(WHEN.timetuple()), WHEN.isoformat()))
    print()
    print("typedef struct {")
    print("    const char *name, *request, *canonical, *string_to_sign, *signature;")
    print("    int session_token; /* signed with VECTOR_TOKEN */")
    print("    int accept;        /* 0: the signature is right, but the request is refused */")
    print("} sigv4_vector_t;")
    print()
    print("static const sigv4_vector_t sigv4_vectors[] = {")
    for v in vectors():
        print("    {%s," % c_string(v["name"]))
        for field in ("request", "canonical", "string_to_sign", "signature"):
            print("     %s," % c_string(v[field]))
        print("     %d, %d}," % (1 if v["token"] else 0, 1 if v["accept"] else 0))
    print("};")
    print()
    print("#endif")


def write_seeds(directory):
    os.makedirs(directory, exist_ok=True)
    for v in vectors():
        with open(os.path.join(directory, v["name"]), "wb") as f:
            f.write(v["request"].encode())
        for line in v["request"].split("\r\n"):
            if line.startswith("Authorization: "):
                with open(os.path.join(directory, v["name"] + "-authorization"), "wb") as f:
                    f.write(line[len("Authorization: "):].encode())


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--seeds":
        write_seeds(sys.argv[2])
    else:
        main()
