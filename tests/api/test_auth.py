"""Authentication (AWS Signature Version 4) and access keys: a server started
with --credentials FILE, driven by boto3, the AWS CLI and hand-signed raw
requests (botocore's signer with a shifted clock, presigned query strings,
malformed Authorization headers); the rights of read-only and table-limited
keys; and, on the session server (authentication off), the answer to a
request without credentials.

Service texts: the wrong-signature, missing-token, incomplete-signature,
expired/not-yet-current, scope, unknown-key and AccessDenied texts are the
service's as reported by its users and recorded by emulators checked
against it.  Message unverified (inferred): the X-Amz-Expires text, the
window of an expired presigned request ("- 60 min."), the resource of
ListStreams without a table ("table/*/stream/*"), the per-item action of a
transaction (PutItem, ConditionCheckItem) and the "region" text without
the region (the service's newer wording; older answers added ", not 'r'").
"""

import base64
import contextlib
import datetime
import gzip
import http.client
import json
import os
import re
import socket
import subprocess
import time
import types
from urllib.parse import urlsplit

import boto3
import botocore.auth
import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

try:
    import botocore.crt.auth as crt_auth
except ImportError:
    crt_auth = None

import newermodel
from conftest import (BIN, MODE, REGION, RawResponse, Server, assert_error, free_port,
                      raw_request, unique_name, wait_active)

ADMIN = ("AKIDADMIN", "admin/secret+key", None)
TEMP = ("ASIATEMP", "temp-secret", "FwoGZXIvYXdzEJr//////////wEaDEXAMPLETOKEN+/=")
READER = ("AKIDREADER", "reader-secret", None)
SHOP = ("AKIDSHOP", "shop-secret", None)

CREDENTIALS = """# access keys of the test server
[admin]
aws_access_key_id = AKIDADMIN
aws_secret_access_key = admin/secret+key

[temp]
aws_access_key_id = ASIATEMP
aws_secret_access_key = temp-secret
aws_session_token = FwoGZXIvYXdzEJr//////////wEaDEXAMPLETOKEN+/=

[profile reader]
aws_access_key_id = AKIDREADER
aws_secret_access_key = reader-secret
ddbd_access = read-only

[shop]
aws_access_key_id = AKIDSHOP
aws_secret_access_key = shop-secret
ddbd_tables = shop_*, orders
"""

MISMATCH = ("The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service "
            "documentation for details.")
BAD_TOKEN = "The security token included in the request is invalid."
MISSING = "Request is missing Authentication Token"


def denied(user, action, resource):
    return ("User: arn:aws:iam::000000000000:user/%s is not authorized to perform: dynamodb:%s "
            "on resource: %s because no identity-based policy allows the dynamodb:%s action"
            % (user, action, resource, action))


def explicit_deny(user, action, resource):
    return ("User: arn:aws:iam::000000000000:user/%s is not authorized to perform: dynamodb:%s "
            "on resource: %s with an explicit deny in a resource-based policy"
            % (user, action, resource))


def table_arn(name):
    return "arn:aws:dynamodb:%s:000000000000:table/%s" % (REGION, name)


# --------------------------------------------------------------------------
# The server with authentication on, and clients for its keys


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory):
    d = tmp_path_factory.mktemp("auth")
    path = d / "credentials"
    path.write_text(CREDENTIALS)
    data_dir = None
    if MODE == "disk":
        data_dir = d / "data"
        data_dir.mkdir()
    srv = Server(data_dir=data_dir, extra_args=["--credentials", str(path)]).start()
    yield srv
    srv.finish()


def client(srv, key, service="dynamodb", **config):
    cfg = dict(retries={"max_attempts": 0}, connect_timeout=5, read_timeout=30,
               parameter_validation=False)
    cfg.update(config)
    return boto3.client(service, endpoint_url=srv.endpoint, region_name=REGION,
                        aws_access_key_id=key[0], aws_secret_access_key=key[1],
                        aws_session_token=key[2], config=Config(**cfg))


@pytest.fixture(scope="module")
def admin(auth_server):
    return client(auth_server, ADMIN)


def create(c, name, stream=False):
    kwargs = {}
    if stream:
        kwargs["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    c.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                   AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                   KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], **kwargs)
    return wait_active(c, name)


@pytest.fixture(scope="module")
def tables(admin):
    """shop_items (with a stream), orders and private, each with item "a"."""
    suffix = unique_name("")[1:9]
    names = {"shop": "shop_items" + suffix, "orders": "orders", "private": "private" + suffix}
    arns = {}
    for key, name in names.items():
        desc = create(admin, name, stream=True)
        arns[key] = desc["LatestStreamArn"]
        admin.put_item(TableName=name, Item={"pk": {"S": "a"}, "n": {"N": "1"}})
    yield types.SimpleNamespace(streams=arns, **names)
    for name in names.values():
        admin.delete_table(TableName=name)


# --------------------------------------------------------------------------
# Signing by hand: botocore's signer, with its clock shifted when asked


@contextlib.contextmanager
def signing_clock(offset_seconds):
    """botocore's signers sign as if the time were now + offset: its own
    (used here for raw requests) and the AWS CRT's (which boto3 clients use
    when awscrt is installed)."""
    modules = [botocore.auth] + ([crt_auth] if crt_auth else [])

    class Shifted(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return datetime.datetime.utcnow() + datetime.timedelta(seconds=offset_seconds)

    shim = types.SimpleNamespace(**{k: getattr(datetime, k) for k in dir(datetime)
                                    if not k.startswith("__")})
    shim.datetime = Shifted
    saved = [m.datetime for m in modules]
    for m in modules:
        m.datetime = shim
    try:
        yield
    finally:
        for m, real in zip(modules, saved):
            m.datetime = real


class PresignKeepingBody(SigV4QueryAuth):
    """botocore's presigner moves a body into the query string; keep it
    where DynamoDB reads it (and signed)."""

    def _modify_request_before_signing(self, request):
        body = request.data
        request.data = b""
        super()._modify_request_before_signing(request)
        request.data = body


def signed(srv, operation, payload=None, key=ADMIN, offset=0, body=None, headers=None,
           presign_expires=None, prefix="DynamoDB_20120810.", path="/", region=REGION):
    """A request signed by botocore: returns (target, headers, body)."""
    if body is None:
        body = json.dumps(payload if payload is not None else {}).encode()
    req = AWSRequest(method="POST", url=srv.endpoint + path, data=body)
    req.headers["Host"] = "127.0.0.1:%d" % srv.port
    req.headers["Content-Type"] = "application/x-amz-json-1.0"
    req.headers["X-Amz-Target"] = prefix + operation
    for k, v in (headers or {}).items():
        req.headers[k] = v
    creds = Credentials(*key)
    with signing_clock(offset):
        if presign_expires is not None:
            PresignKeepingBody(creds, "dynamodb", region, expires=presign_expires).add_auth(req)
        else:
            SigV4Auth(creds, "dynamodb", region).add_auth(req)
    parts = urlsplit(req.url)
    target = parts.path + ("?" + parts.query if parts.query else "")
    return target, list(req.headers.items()), body


def send(srv, target, headers, body):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    try:
        conn.putrequest("POST", target, skip_host=True, skip_accept_encoding=True)
        for k, v in headers:
            conn.putheader(k, v)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders()
        conn.send(body)
        resp = conn.getresponse()
        return RawResponse(resp.status, {k.lower(): v for k, v in resp.getheaders()},
                           resp.read())
    finally:
        conn.close()


def call(srv, operation, payload=None, **kwargs):
    return send(srv, *signed(srv, operation, payload, **kwargs))


def assert_raw_error(r, name, message):
    assert r.status == 400, r.body
    assert r.json()["__type"] == "com.amazon.coral.service#" + name, r.body
    assert r.error_message == message


def with_header(headers, name, value):
    """headers with name's value replaced (or added), others kept in order."""
    out = [(k, v) for k, v in headers if k.lower() != name.lower()]
    if value is not None:
        out.append((name, value))
    return out


def header(headers, name):
    return next(v for k, v in headers if k.lower() == name.lower())


# --------------------------------------------------------------------------
# The right secret: everything works


def test_common_operations_with_the_right_secret(auth_server, admin, tables):
    name = unique_name("auth")
    create(admin, name)
    try:
        admin.put_item(TableName=name, Item={"pk": {"S": "k1"}, "v": {"N": "1"}})
        admin.update_item(TableName=name, Key={"pk": {"S": "k1"}},
                          UpdateExpression="SET v = v + :one",
                          ExpressionAttributeValues={":one": {"N": "1"}})
        assert admin.get_item(TableName=name, Key={"pk": {"S": "k1"}},
                              ConsistentRead=True)["Item"] == {"pk": {"S": "k1"},
                                                               "v": {"N": "2"}}
        admin.batch_write_item(RequestItems={name: [
            {"PutRequest": {"Item": {"pk": {"S": "k%d" % i}}}} for i in range(2, 6)]})
        got = admin.batch_get_item(RequestItems={name: {"Keys": [{"pk": {"S": "k2"}},
                                                                 {"pk": {"S": "k3"}}]}})
        assert sorted(i["pk"]["S"] for i in got["Responses"][name]) == ["k2", "k3"]
        admin.transact_write_items(TransactItems=[
            {"Put": {"TableName": name, "Item": {"pk": {"S": "t1"}}}},
            {"ConditionCheck": {"TableName": name, "Key": {"pk": {"S": "k1"}},
                                "ConditionExpression": "attribute_exists(pk)"}}])
        got = admin.transact_get_items(TransactItems=[
            {"Get": {"TableName": name, "Key": {"pk": {"S": "t1"}}}}])
        assert got["Responses"][0]["Item"] == {"pk": {"S": "t1"}}
        assert admin.query(TableName=name, KeyConditionExpression="pk = :p",
                           ExpressionAttributeValues={":p": {"S": "k1"}})["Count"] == 1
        assert admin.scan(TableName=name)["Count"] == 6
        admin.delete_item(TableName=name, Key={"pk": {"S": "t1"}})
        assert name in admin.list_tables(Limit=100)["TableNames"] or admin.describe_table(
            TableName=name)
        admin.update_time_to_live(TableName=name, TimeToLiveSpecification={
            "Enabled": True, "AttributeName": "exp"})
        assert admin.describe_time_to_live(TableName=name)["TimeToLiveDescription"][
            "TimeToLiveStatus"] == "ENABLED"
        admin.update_table(TableName=name, StreamSpecification={
            "StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    finally:
        admin.delete_table(TableName=name)


def test_streams_with_the_right_secret(auth_server, admin, tables):
    streams = client(auth_server, ADMIN, "dynamodbstreams")
    arns = [s["StreamArn"] for s in streams.list_streams(TableName=tables.shop)["Streams"]]
    assert arns == [tables.streams["shop"]]
    shard = streams.describe_stream(StreamArn=arns[0])["StreamDescription"]["Shards"][0]
    it = streams.get_shard_iterator(StreamArn=arns[0], ShardId=shard["ShardId"],
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = streams.get_records(ShardIterator=it)["Records"]
    assert [r["dynamodb"]["Keys"] for r in records] == [{"pk": {"S": "a"}}]


def test_session_token(auth_server, tables):
    temp = client(auth_server, TEMP)
    assert temp.get_item(TableName=tables.orders, Key={"pk": {"S": "a"}})["Item"]["n"] == {
        "N": "1"}
    # without the token, with another one, or a token for a key that has none
    for key in [(TEMP[0], TEMP[1], None), (TEMP[0], TEMP[1], TEMP[2] + "x"),
                (ADMIN[0], ADMIN[1], TEMP[2])]:
        assert_error(client(auth_server, key).list_tables, "UnrecognizedClientException",
                     BAD_TOKEN)


def test_session_token_sent_but_unsigned(auth_server):
    target, headers, body = signed(auth_server, "ListTables", key=(TEMP[0], TEMP[1], None))
    r = send(auth_server, target, headers + [("X-Amz-Security-Token", TEMP[2])], body)
    assert r.status == 200, r.body


# --------------------------------------------------------------------------
# Wrong secrets, unknown keys, the AWS CLI


def test_wrong_secret(auth_server):
    c = client(auth_server, (ADMIN[0], ADMIN[1] + "x", None))
    assert_error(c.list_tables, "InvalidSignatureException", MISMATCH)
    assert_error(c.get_item, "InvalidSignatureException", MISMATCH, TableName="orders",
                 Key={"pk": {"S": "a"}})
    # another key's secret
    c = client(auth_server, (ADMIN[0], SHOP[1], None))
    assert_error(c.list_tables, "InvalidSignatureException", MISMATCH)


def test_unknown_key(auth_server):
    for key_id in ["AKIDNOBODY", "akidadmin", "AKIDADMIN2", "AKIDADMI"]:
        c = client(auth_server, (key_id, ADMIN[1], None))
        assert_error(c.list_tables, "UnrecognizedClientException", BAD_TOKEN)


def test_error_bodies(auth_server):
    """Authentication errors say "message", AccessDenied "Message"."""
    r = call(auth_server, "ListTables", key=("AKIDNOBODY", "x", None))
    assert r.status == 400
    assert json.loads(r.body) == {
        "__type": "com.amazon.coral.service#UnrecognizedClientException", "message": BAD_TOKEN}
    r = call(auth_server, "ListTables", key=(ADMIN[0], "wrong", None))
    assert json.loads(r.body) == {
        "__type": "com.amazon.coral.service#InvalidSignatureException", "message": MISMATCH}
    r = call(auth_server, "PutItem", {"TableName": "orders", "Item": {"pk": {"S": "z"}}},
             key=READER)
    assert json.loads(r.body) == {
        "__type": "com.amazon.coral.service#AccessDeniedException",
        "Message": denied("reader", "PutItem", table_arn("orders"))}


AWS = "/usr/bin/aws"


def run_cli(srv, key, *args, service="dynamodb"):
    if not os.path.exists(AWS):
        pytest.skip("AWS CLI not installed at %s" % AWS)
    env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "AWS_ACCESS_KEY_ID": key[0],
           "AWS_SECRET_ACCESS_KEY": key[1], "AWS_DEFAULT_REGION": REGION, "AWS_PAGER": "",
           "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
           "AWS_MAX_ATTEMPTS": "1"}
    if key[2]:
        env["AWS_SESSION_TOKEN"] = key[2]
    cmd = [AWS, service] + list(args) + ["--endpoint-url", srv.endpoint, "--output", "json"]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)


def test_cli_right_secret(auth_server, tables):
    p = run_cli(auth_server, ADMIN, "put-item", "--table-name", tables.orders, "--item",
                json.dumps({"pk": {"S": "cli"}}))
    assert p.returncode == 0, p.stderr
    p = run_cli(auth_server, TEMP, "get-item", "--table-name", tables.orders, "--key",
                json.dumps({"pk": {"S": "cli"}}))
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["Item"] == {"pk": {"S": "cli"}}
    p = run_cli(auth_server, SHOP, "list-streams", "--table-name", tables.shop,
                service="dynamodbstreams")
    assert p.returncode == 0, p.stderr
    assert [s["StreamArn"] for s in json.loads(p.stdout)["Streams"]] == [tables.streams["shop"]]


def test_cli_wrong_secret_and_rights(auth_server, tables):
    p = run_cli(auth_server, (ADMIN[0], "nope", None), "list-tables")
    assert p.returncode != 0
    assert "An error occurred (InvalidSignatureException) when calling the ListTables" in p.stderr
    assert "): " + MISMATCH in p.stderr
    p = run_cli(auth_server, ("AKIDNOBODY", "nope", None), "list-tables")
    assert p.returncode != 0
    assert "(UnrecognizedClientException)" in p.stderr and BAD_TOKEN in p.stderr
    p = run_cli(auth_server, READER, "delete-item", "--table-name", tables.orders, "--key",
                json.dumps({"pk": {"S": "a"}}))
    assert p.returncode != 0
    assert denied("reader", "DeleteItem", table_arn(tables.orders)) in p.stderr


# --------------------------------------------------------------------------
# Malformed and missing credentials (raw requests)


def test_missing_authorization(auth_server):
    r = raw_request(auth_server.port, body=b"{}", auth=False)
    assert_raw_error(r, "MissingAuthenticationTokenException", MISSING)
    assert json.loads(r.body) == {
        "__type": "com.amazon.coral.service#MissingAuthenticationTokenException",
        "message": MISSING}
    # a header that is not a SigV4 one counts as none
    for value in ["AWS4", "Bearer abc", "aws4-hmac-sha256 Credential=x"]:
        r = raw_request(auth_server.port, body=b"{}", auth=False,
                        headers={"Authorization": value})
        assert_raw_error(r, "MissingAuthenticationTokenException", MISSING)


def test_order_of_checks(auth_server):
    # unknown operation, then JSON, before authentication
    r = raw_request(auth_server.port, body=b"{}", target="DynamoDB_20120810.Nope", auth=False)
    assert r.status == 400 and r.error_type == "UnknownOperationException"
    r = raw_request(auth_server.port, body=b"{not json", auth=False)
    assert r.status == 400 and r.error_type == "SerializationException"
    # then authentication before the members' types and values
    r = raw_request(auth_server.port, body=b'{"Limit": "x"}', auth=False)
    assert_raw_error(r, "MissingAuthenticationTokenException", MISSING)
    r = call(auth_server, "ListTables", {"Limit": 0}, key=(ADMIN[0], "bad", None))
    assert_raw_error(r, "InvalidSignatureException", MISMATCH)
    # and access rights after the types, before validation
    r = call(auth_server, "PutItem", {"TableName": 5}, key=READER)
    assert r.status == 400 and r.error_type == "SerializationException"
    r = call(auth_server, "PutItem", {"TableName": "x!"}, key=READER)
    assert_raw_error(r, "AccessDeniedException", denied("reader", "PutItem", table_arn("x!")))


GOOD_CRED = "Credential=AKIDADMIN/{day}/us-east-1/dynamodb/aws4_request"
ZERO_SIG = "Signature=" + "0" * 64


def auth_call(srv, authorization, date=True, extra=None, path="/"):
    now = datetime.datetime.utcnow()
    headers = {"X-Amz-Date": now.strftime("%Y%m%dT%H%M%SZ")} if date else {}
    if authorization is not None:
        headers["Authorization"] = authorization.replace("{day}", now.strftime("%Y%m%d"))
    headers.update(extra or {})
    return raw_request(srv.port, body=b"{}", path=path, auth=False, headers=headers)


def test_incomplete_authorization(auth_server):
    cases = [
        ("AWS4-", False,
         "Authorization header requires 'Credential' parameter. Authorization header requires "
         "'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. "
         "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
         "Authorization=AWS4-"),
        ("AWS4-HMAC-SHA256 SignedHeaders=host, " + ZERO_SIG, True,
         "Authorization header requires 'Credential' parameter. Authorization=AWS4-HMAC-SHA256 "
         "SignedHeaders=host, " + ZERO_SIG),
        ("AWS4-HMAC-SHA256 " + GOOD_CRED + ", " + ZERO_SIG, True,
         "Authorization header requires 'SignedHeaders' parameter. Authorization="
         "AWS4-HMAC-SHA256 " + GOOD_CRED + ", " + ZERO_SIG),
        ("AWS4-HMAC-SHA256 " + GOOD_CRED + ", SignedHeaders=host", True,
         "Authorization header requires 'Signature' parameter. Authorization="
         "AWS4-HMAC-SHA256 " + GOOD_CRED + ", SignedHeaders=host"),
        ("AWS4-HMAC-SHA256 " + GOOD_CRED + ", SignedHeaders=host, " + ZERO_SIG, False,
         "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
         "Authorization=AWS4-HMAC-SHA256 " + GOOD_CRED + ", SignedHeaders=host, " + ZERO_SIG),
    ]
    day = datetime.datetime.utcnow().strftime("%Y%m%d")
    for authorization, date, message in cases:
        r = auth_call(auth_server, authorization, date=date)
        assert_raw_error(r, "IncompleteSignatureException", message.replace("{day}", day))


def test_malformed_authorization(auth_server):
    day = datetime.datetime.utcnow().strftime("%Y%m%d")
    r = auth_call(auth_server, "AWS4-HMAC-SHA256 Credential=AKIDADMIN /%s/us-east-1/dynamodb/"
                               "aws4_request, SignedHeaders=host, %s" % (day, ZERO_SIG))
    assert_raw_error(r, "IncompleteSignatureException",
                     "'/%s/us-east-1/dynamodb/aws4_request' not a valid key=value pair (missing "
                     "equal-sign) in Authorization header: 'AWS4-HMAC-SHA256 Credential=AKIDADMIN "
                     "/%s/us-east-1/dynamodb/aws4_request, SignedHeaders=host, %s'."
                     % (day, day, ZERO_SIG))
    r = auth_call(auth_server, "AWS4-HMAC-SHA512 " + GOOD_CRED + ", SignedHeaders=host, "
                  + ZERO_SIG)
    assert_raw_error(r, "IncompleteSignatureException",
                     "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for "
                     "now). ")
    r = auth_call(auth_server, "AWS4-HMAC-SHA256 Credential=AKIDADMIN/%s/us-east-1, "
                               "SignedHeaders=host, %s" % (day, ZERO_SIG))
    assert_raw_error(r, "IncompleteSignatureException",
                     "Credential must have exactly 5 slash-delimited elements, e.g. "
                     "keyid/date/region/service/term, got 'AKIDADMIN/%s/us-east-1'" % day)
    r = auth_call(auth_server, "AWS4-HMAC-SHA256 " + GOOD_CRED + ", SignedHeaders=x-amz-date, "
                  + ZERO_SIG)
    assert_raw_error(r, "InvalidSignatureException",
                     "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
    r = auth_call(auth_server, "AWS4-HMAC-SHA256 " + GOOD_CRED + ", SignedHeaders=host, "
                  + ZERO_SIG, date=False, extra={"X-Amz-Date": "2024-01-01T00:00:00Z"})
    assert_raw_error(r, "IncompleteSignatureException",
                     "Date must be in ISO-8601 'basic format'. Got '2024-01-01T00:00:00Z'. See "
                     "http://en.wikipedia.org/wiki/ISO_8601")
    r = auth_call(auth_server, "AWS4-HMAC-SHA256 Credential=AKIDADMIN/19990101/eu-west-1/s3/"
                               "aws4, SignedHeaders=host, " + ZERO_SIG)
    assert_raw_error(r, "InvalidSignatureException",
                     "Credential should be scoped to a valid region. Credential should be scoped "
                     "to correct service: 'dynamodb'. Credential should be scoped with a valid "
                     "terminator: 'aws4_request', not 'aws4'. Date in Credential scope does not "
                     "match YYYYMMDD from ISO-8601 version of date from HTTP: '19990101' != "
                     "'%s', from '%s'. " % (day, header_date(r)))
    r = auth_call(auth_server, "AWS4-HMAC-SHA256 " + GOOD_CRED + ", SignedHeaders=host, "
                  + ZERO_SIG)
    assert_raw_error(r, "InvalidSignatureException", MISMATCH)



def test_header_bytes_that_are_not_utf8(auth_server):
    """A message that quotes a header quotes it in valid JSON: a byte that begins no UTF-8
    sequence stands for its Latin-1 character (as HTTP reads header bytes); UTF-8 in a header
    stays what it is.  (http.client sends a str header's characters as Latin-1 bytes.)"""
    r = auth_call(auth_server, "AWS4-HMAC-SHA\xff56 " + GOOD_CRED + ", SignedHeaders=host, "
                  + ZERO_SIG)
    assert_raw_error(r, "IncompleteSignatureException",
                     "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA\u00ff56' (only AWS4-HMAC-SHA256 "
                     "for now). ")
    r = auth_call(auth_server, "AWS4-HMAC-SHA256 " + GOOD_CRED + ", SignedHeaders=host, "
                  + ZERO_SIG, date=False, extra={"X-Amz-Date": "2024\x80\xc30101T000000Z"})
    assert_raw_error(r, "IncompleteSignatureException",
                     "Date must be in ISO-8601 'basic format'. Got '2024\u0080\u00c30101T000000Z'. "
                     "See http://en.wikipedia.org/wiki/ISO_8601")
    r = auth_call(auth_server, auth_with_terminator("aws4_r\xc3\xa9quest"))
    assert_raw_error(r, "InvalidSignatureException",
                     "Credential should be scoped with a valid terminator: 'aws4_request', not "
                     "'aws4_r\u00e9quest'. ")
    r = auth_call(auth_server, auth_with_terminator("aws4_\xed\xa0\x80"))
    assert_raw_error(r, "InvalidSignatureException",
                     "Credential should be scoped with a valid terminator: 'aws4_request', not "
                     "'aws4_\u00ed\u00a0\u0080'. ")


def auth_with_terminator(term):
    return ("AWS4-HMAC-SHA256 Credential=AKIDADMIN/{day}/us-east-1/dynamodb/" + term +
            ", SignedHeaders=host, " + ZERO_SIG)

def header_date(r):
    """The X-Amz-Date the last auth_call sent, read back from the message."""
    m = re.search(r"from '(\d{8}T\d{6}Z)'", r.error_message)
    assert m, r.error_message
    return m.group(1)


def test_signed_for_another_region(auth_server):
    r = call(auth_server, "ListTables", region="eu-west-1")
    assert_raw_error(r, "InvalidSignatureException",
                     "Credential should be scoped to a valid region. ")


def test_tampered_requests(auth_server, tables):
    payload = {"TableName": tables.orders, "Key": {"pk": {"S": "a"}}}
    target, headers, body = signed(auth_server, "GetItem", payload)
    assert send(auth_server, target, headers, body).status == 200
    # body, signed header, target operation, path
    other = json.dumps({"TableName": tables.orders, "Key": {"pk": {"S": "b"}}}).encode()
    assert_raw_error(send(auth_server, target, headers, other), "InvalidSignatureException",
                     MISMATCH)
    h = with_header(headers, "X-Amz-Target", "DynamoDB_20120810.DeleteItem")
    assert_raw_error(send(auth_server, target, h, body), "InvalidSignatureException", MISMATCH)
    h = with_header(headers, "Content-Type", "application/x-amz-json-1.1")
    assert_raw_error(send(auth_server, target, h, body), "InvalidSignatureException", MISMATCH)
    assert_raw_error(send(auth_server, "/x", headers, body), "InvalidSignatureException",
                     MISMATCH)
    assert_raw_error(send(auth_server, "/?a=1", headers, body), "InvalidSignatureException",
                     MISMATCH)
    # an unsigned header may be added
    assert send(auth_server, target, headers + [("X-Extra", "1")], body).status == 200


def test_query_string_and_path_are_signed(auth_server):
    r = call(auth_server, "ListTables", path="/?b=2&a=x%2Fy&a=0&c")
    assert r.status == 200, r.body
    r = call(auth_server, "ListTables", path="/a/./b/../c//")
    assert r.status == 200, r.body


def test_content_sha256(auth_server):
    body = b"{}"
    import hashlib
    r = call(auth_server, "ListTables", body=body,
             headers={"X-Amz-Content-SHA256": hashlib.sha256(body).hexdigest()})
    assert r.status == 200, r.body
    # signed, but not the hash of the body sent
    r = call(auth_server, "ListTables", body=body,
             headers={"X-Amz-Content-SHA256": hashlib.sha256(b"{ }").hexdigest()})
    assert_raw_error(r, "InvalidSignatureException", MISMATCH)


def test_gzip_body_is_signed_as_sent(auth_server, tables):
    body = gzip.compress(json.dumps({"TableName": tables.orders,
                                     "Key": {"pk": {"S": "a"}}}).encode())
    r = call(auth_server, "GetItem", body=body, headers={"Content-Encoding": "gzip"})
    assert r.status == 200, r.body
    assert r.json()["Item"]["pk"] == {"S": "a"}


def test_chunked_body(auth_server, tables):
    body = json.dumps({"TableName": tables.orders, "Key": {"pk": {"S": "a"}}}).encode()
    target, headers, _ = signed(auth_server, "GetItem", body=body)
    head = "POST %s HTTP/1.1\r\n" % target + "".join("%s: %s\r\n" % kv for kv in headers)
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 7]), body[i:i + 7])
                      for i in range(0, len(body), 7)) + b"0\r\n\r\n"
    with socket.create_connection(("127.0.0.1", auth_server.port), timeout=10) as s:
        s.sendall(head.encode() + b"Transfer-Encoding: chunked\r\n\r\n" + chunks)
        f = s.makefile("rb")
        from conftest import read_response
        r = read_response(f)
    assert r.status == 200, r.body
    assert r.json()["Item"]["pk"] == {"S": "a"}


# --------------------------------------------------------------------------
# Time: expired and future dates, through boto3 with a shifted clock


def window_message(r):
    m = re.fullmatch(r"Signature (expired|not yet current): (\d{8}T\d{6}Z) is (?:now earlier|"
                     r"still later) than (\d{8}T\d{6}Z) \((\d{8}T\d{6}Z) ([+-]) (\d+) min\.\)",
                     r)
    assert m, r
    parse = lambda s: datetime.datetime.strptime(s, "%Y%m%dT%H%M%SZ")
    return m.group(1), parse(m.group(2)), parse(m.group(3)), parse(m.group(4)), m.group(5), \
        int(m.group(6))


def test_expired_and_future_dates(auth_server):
    for offset, kind, sign in [(-20 * 60, "expired", "-"), (20 * 60, "not yet current", "+"),
                               (-86400 * 3, "expired", "-")]:
        before = datetime.datetime.utcnow().replace(microsecond=0)
        with signing_clock(offset):
            msg = assert_error(client(auth_server, ADMIN).list_tables,
                               "InvalidSignatureException",
                               prefix="Signature %s: " % kind)
        after = datetime.datetime.utcnow()
        got_kind, date, limit, now, got_sign, minutes = window_message(msg)
        assert (got_kind, got_sign, minutes) == (kind, sign, 15)
        assert before - datetime.timedelta(seconds=1) <= now <= after
        window = datetime.timedelta(minutes=15)
        assert limit == (now - window if sign == "-" else now + window)
        assert abs((date - now).total_seconds() - offset) <= 3
    # inside the window, on either side
    for offset in [-14 * 60, 14 * 60]:
        with signing_clock(offset):
            assert "TableNames" in client(auth_server, ADMIN).list_tables()


def test_date_header_instead_of_x_amz_date(auth_server):
    # botocore writes an HTTP date in Date (and no X-Amz-Date) when Date is set
    target, headers, body = signed(auth_server, "ListTables", headers={"Date": "x"})
    assert [k for k, _ in headers if k.lower() == "x-amz-date"] == []
    assert re.fullmatch(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d -0000", header(headers, "Date"))
    assert send(auth_server, target, headers, body).status == 200
    target, headers, body = signed(auth_server, "ListTables", headers={"Date": "x"},
                                   offset=-3600)
    r = send(auth_server, target, headers, body)
    assert r.status == 400 and r.error_message.startswith("Signature expired: ")


# --------------------------------------------------------------------------
# Presigned (query-string) requests


def test_presigned(auth_server, tables):
    payload = {"TableName": tables.orders, "Key": {"pk": {"S": "a"}}}
    target, headers, body = signed(auth_server, "GetItem", payload, presign_expires=300)
    assert "X-Amz-Signature=" in target and "Authorization" not in dict(headers)
    r = send(auth_server, target, headers, body)
    assert r.status == 200, r.body
    assert r.json()["Item"]["pk"] == {"S": "a"}
    # with a session token in the query
    target, headers, body = signed(auth_server, "GetItem", payload, presign_expires=300, key=TEMP)
    assert "X-Amz-Security-Token=" in target
    assert send(auth_server, target, headers, body).status == 200
    # a changed parameter, body or signature
    t2 = target.replace("X-Amz-Expires=300", "X-Amz-Expires=301")
    assert_raw_error(send(auth_server, t2, headers, body), "InvalidSignatureException", MISMATCH)
    assert_raw_error(send(auth_server, target, headers, body + b" "),
                     "InvalidSignatureException", MISMATCH)
    # and an Authorization header besides
    r = send(auth_server, target, headers + [("Authorization", "anything")], body)
    assert_raw_error(r, "InvalidSignatureException",
                     "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' "
                     "as HTTP header.")


def test_presigned_expiry(auth_server):
    # X-Amz-Expires replaces the 15 minutes into the past
    target, headers, body = signed(auth_server, "ListTables", presign_expires=3600, offset=-1800)
    assert send(auth_server, target, headers, body).status == 200
    target, headers, body = signed(auth_server, "ListTables", presign_expires=60, offset=-120)
    r = send(auth_server, target, headers, body)
    assert r.status == 400
    kind, date, limit, now, sign, minutes = window_message(r.error_message)
    assert (kind, sign, minutes) == ("expired", "-", 1)
    assert limit == now - datetime.timedelta(seconds=60)
    # message unverified: X-Amz-Expires out of range
    target, headers, body = signed(auth_server, "ListTables", presign_expires=604801)
    assert_raw_error(send(auth_server, target, headers, body), "IncompleteSignatureException",
                     "X-Amz-Expires must be a whole number of seconds from 1 to 604800, got "
                     "'604801'. Re-examine the query-string parameters.")


def test_presigned_incomplete(auth_server):
    r = raw_request(auth_server.port, body=b"{}", auth=False,
                    path="/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20240101T000000Z")
    assert_raw_error(r, "IncompleteSignatureException",
                     "AWS query-string parameters must include 'X-Amz-Credential'. AWS "
                     "query-string parameters must include 'X-Amz-Signature'. AWS query-string "
                     "parameters must include 'X-Amz-SignedHeaders'. Re-examine the "
                     "query-string parameters.")
    # the parameters without X-Amz-Algorithm are no credentials at all
    r = raw_request(auth_server.port, body=b"{}", auth=False,
                    path="/?X-Amz-Credential=a&X-Amz-Signature=b&X-Amz-SignedHeaders=host"
                         "&X-Amz-Date=20240101T000000Z")
    assert_raw_error(r, "MissingAuthenticationTokenException", MISSING)


# --------------------------------------------------------------------------
# Rights: read-only keys and keys limited to tables


def test_read_only_key(auth_server, tables):
    reader = client(auth_server, READER)
    assert reader.get_item(TableName=tables.private, Key={"pk": {"S": "a"}})["Item"]
    assert reader.query(TableName=tables.orders, KeyConditionExpression="pk = :p",
                        ExpressionAttributeValues={":p": {"S": "a"}})["Count"] == 1
    assert reader.scan(TableName=tables.shop)["Count"] >= 1
    assert reader.describe_table(TableName=tables.orders)["Table"]["TableName"] == tables.orders
    assert tables.orders in reader.list_tables(Limit=100)["TableNames"] or True
    reader.batch_get_item(RequestItems={tables.orders: {"Keys": [{"pk": {"S": "a"}}]}})
    reader.transact_get_items(TransactItems=[
        {"Get": {"TableName": tables.private, "Key": {"pk": {"S": "a"}}}}])
    # a transaction of condition checks only reads
    reader.transact_write_items(TransactItems=[
        {"ConditionCheck": {"TableName": tables.orders, "Key": {"pk": {"S": "a"}},
                            "ConditionExpression": "attribute_exists(pk)"}}])
    o = table_arn(tables.orders)
    writes = [
        ("PutItem", o, dict(TableName=tables.orders, Item={"pk": {"S": "r"}}), reader.put_item),
        ("UpdateItem", o, dict(TableName=tables.orders, Key={"pk": {"S": "a"}},
                               UpdateExpression="SET x = :x",
                               ExpressionAttributeValues={":x": {"N": "1"}}),
         reader.update_item),
        ("DeleteItem", o, dict(TableName=tables.orders, Key={"pk": {"S": "a"}}),
         reader.delete_item),
        ("BatchWriteItem", o, dict(RequestItems={tables.orders: [
            {"DeleteRequest": {"Key": {"pk": {"S": "a"}}}}]}), reader.batch_write_item),
        ("PutItem", o, dict(TransactItems=[
            {"ConditionCheck": {"TableName": tables.orders, "Key": {"pk": {"S": "a"}},
                                "ConditionExpression": "attribute_exists(pk)"}},
            {"Put": {"TableName": tables.orders, "Item": {"pk": {"S": "r"}}}}]),
         reader.transact_write_items),
        ("CreateTable", table_arn("newtable"), dict(
            TableName="newtable", BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}]), reader.create_table),
        ("DeleteTable", o, dict(TableName=tables.orders), reader.delete_table),
        ("UpdateTable", o, dict(TableName=tables.orders, BillingMode="PAY_PER_REQUEST"),
         reader.update_table),
        ("UpdateTimeToLive", o, dict(TableName=tables.orders, TimeToLiveSpecification={
            "Enabled": True, "AttributeName": "t"}), reader.update_time_to_live),
    ]
    for action, resource, kwargs, fn in writes:
        assert_error(fn, "AccessDeniedException", denied("reader", action, resource), **kwargs)
    # nothing was written
    admin = client(auth_server, ADMIN)
    assert admin.get_item(TableName=tables.orders, Key={"pk": {"S": "a"}},
                          ConsistentRead=True)["Item"] == {"pk": {"S": "a"}, "n": {"N": "1"}}
    assert "Item" not in admin.get_item(TableName=tables.orders, Key={"pk": {"S": "r"}},
                                        ConsistentRead=True)
    assert_error(admin.describe_table, "ResourceNotFoundException", TableName="newtable")


def test_table_limited_key(auth_server, tables):
    shop = client(auth_server, SHOP)
    shop.put_item(TableName=tables.shop, Item={"pk": {"S": "s1"}})
    assert shop.get_item(TableName=tables.orders, Key={"pk": {"S": "a"}})["Item"]
    p = table_arn(tables.private)
    assert_error(shop.get_item, "AccessDeniedException", denied("shop", "GetItem", p),
                 TableName=tables.private, Key={"pk": {"S": "a"}})
    assert_error(shop.put_item, "AccessDeniedException", denied("shop", "PutItem", p),
                 TableName=tables.private, Item={"pk": {"S": "x"}})
    assert_error(shop.query, "AccessDeniedException",
                 denied("shop", "Query", p + "/index/byX"), TableName=tables.private,
                 IndexName="byX", KeyConditionExpression="pk = :p",
                 ExpressionAttributeValues={":p": {"S": "a"}})
    assert_error(shop.describe_table, "AccessDeniedException",
                 denied("shop", "DescribeTable", p), TableName=tables.private)
    assert_error(shop.list_tables, "AccessDeniedException",
                 denied("shop", "ListTables", "arn:aws:dynamodb:us-east-1:000000000000:table/*"))
    # batches and transactions: any table outside the key's refuses the call
    assert_error(shop.batch_get_item, "AccessDeniedException",
                 denied("shop", "BatchGetItem", p),
                 RequestItems={tables.orders: {"Keys": [{"pk": {"S": "a"}}]},
                               tables.private: {"Keys": [{"pk": {"S": "a"}}]}})
    assert_error(shop.batch_write_item, "AccessDeniedException",
                 denied("shop", "BatchWriteItem", p),
                 RequestItems={tables.shop: [{"PutRequest": {"Item": {"pk": {"S": "b1"}}}}],
                               tables.private: [{"PutRequest": {"Item": {"pk": {"S": "b1"}}}}]})
    assert_error(shop.transact_write_items, "AccessDeniedException",
                 denied("shop", "DeleteItem", p),
                 TransactItems=[{"Put": {"TableName": tables.shop, "Item": {"pk": {"S": "t1"}}}},
                                {"Delete": {"TableName": tables.private,
                                            "Key": {"pk": {"S": "a"}}}}])
    assert_error(shop.transact_get_items, "AccessDeniedException",
                 denied("shop", "GetItem", p),
                 TransactItems=[{"Get": {"TableName": tables.private,
                                         "Key": {"pk": {"S": "a"}}}}])
    # nothing of the refused batch or transaction was written
    admin = client(auth_server, ADMIN)
    for key in ["b1", "t1"]:
        assert "Item" not in admin.get_item(TableName=tables.shop, Key={"pk": {"S": key}},
                                            ConsistentRead=True)
    assert admin.get_item(TableName=tables.private, Key={"pk": {"S": "a"}},
                          ConsistentRead=True)["Item"]
    # allowed tables only: fine
    shop.transact_write_items(TransactItems=[
        {"Put": {"TableName": tables.shop, "Item": {"pk": {"S": "t2"}}}},
        {"Put": {"TableName": tables.orders, "Item": {"pk": {"S": "t2"}}}}])


def test_table_limited_key_streams(auth_server, tables):
    streams = client(auth_server, SHOP, "dynamodbstreams")
    own, other = tables.streams["shop"], tables.streams["private"]
    assert [s["StreamArn"] for s in
            streams.list_streams(TableName=tables.shop)["Streams"]] == [own]
    shard = streams.describe_stream(StreamArn=own)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=own, ShardId=shard,
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    assert streams.get_records(ShardIterator=it)["Records"]
    assert_error(streams.list_streams, "AccessDeniedException",
                 denied("shop", "ListStreams",
                        "arn:aws:dynamodb:us-east-1:000000000000:table/*/stream/*"))
    assert_error(streams.list_streams, "AccessDeniedException",
                 denied("shop", "ListStreams", table_arn(tables.private)),
                 TableName=tables.private)
    assert_error(streams.describe_stream, "AccessDeniedException",
                 denied("shop", "DescribeStream", other), StreamArn=other)
    # an iterator of the other table's stream, obtained by a key that may read it
    admin = client(auth_server, ADMIN, "dynamodbstreams")
    shard = admin.describe_stream(StreamArn=other)["StreamDescription"]["Shards"][0]["ShardId"]
    it = admin.get_shard_iterator(StreamArn=other, ShardId=shard,
                                  ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    assert_error(streams.get_shard_iterator, "AccessDeniedException",
                 denied("shop", "GetShardIterator", other), StreamArn=other, ShardId=shard,
                 ShardIteratorType="TRIM_HORIZON")
    assert_error(streams.get_records, "AccessDeniedException",
                 denied("shop", "GetRecords", other), ShardIterator=it)
    # naming an allowed table in front of another stream's iterator does not help
    forged = own + it[len(other):]
    assert_error(streams.get_records, "ValidationException", "Invalid ShardIterator",
                 ShardIterator=forged)


def test_key_rights_cover_partiql_and_backups(auth_server, tables):
    """ExecuteStatement is authorised for the statement's table with IAM's
    PartiQL actions; the backup operations for the table a backup belongs to."""
    reader, shop = client(auth_server, READER), client(auth_server, SHOP)
    o, p = table_arn(tables.orders), table_arn(tables.private)
    got = reader.execute_statement(Statement='SELECT * FROM "%s" WHERE pk = ?' % tables.orders,
                                   Parameters=[{"S": "a"}])["Items"]
    assert got == [{"pk": {"S": "a"}, "n": {"N": "1"}}]
    for action, stmt in (("PartiQLInsert", "INSERT INTO \"%s\" VALUE {'pk': 'q'}"),
                         ("PartiQLUpdate", "UPDATE \"%s\" SET n = 2 WHERE pk = 'a'"),
                         ("PartiQLDelete", "DELETE FROM \"%s\" WHERE pk = 'a'")):
        assert_error(reader.execute_statement, "AccessDeniedException",
                     denied("reader", action, o), Statement=stmt % tables.orders)
    assert_error(shop.execute_statement, "AccessDeniedException",
                 denied("shop", "PartiQLSelect", p),
                 Statement='SELECT * FROM "%s" WHERE pk = \'a\'' % tables.private)
    assert_error(shop.execute_statement, "AccessDeniedException",
                 denied("shop", "PartiQLSelect", p + "/index/byX"),
                 Statement='SELECT * FROM "%s"."byX"' % tables.private)
    assert shop.execute_statement(
        Statement='SELECT n FROM "%s" WHERE pk = \'a\'' % tables.orders)["Items"] == [
            {"n": {"N": "1"}}]
    backup = p + "/backup/01700000000000-0123abcd"
    assert_error(reader.create_backup, "AccessDeniedException", denied("reader", "CreateBackup", o),
                 TableName=tables.orders, BackupName="b1")
    assert_error(shop.describe_backup, "AccessDeniedException",
                 denied("shop", "DescribeBackup", backup), BackupArn=backup)
    assert_error(shop.delete_backup, "AccessDeniedException",
                 denied("shop", "DeleteBackup", backup), BackupArn=backup)
    assert_error(shop.list_backups, "AccessDeniedException",
                 denied("shop", "ListBackups",
                        "arn:aws:dynamodb:us-east-1:000000000000:table/*/backup/*"))
    assert_error(shop.restore_table_from_backup, "AccessDeniedException",
                 denied("shop", "RestoreTableFromBackup", backup),
                 TargetTableName="shop_restored", BackupArn=backup)
    assert_error(reader.restore_table_from_backup, "AccessDeniedException",
                 denied("reader", "RestoreTableFromBackup", o + "x"),
                 TargetTableName=tables.orders + "x", BackupArn=backup)


def test_key_rights_cover_partiql_batches_and_transactions(auth_server, tables):
    """BatchExecuteStatement checks each statement's rights on its own (a
    denied statement is an AccessDenied slot); ExecuteTransaction refuses the
    whole request when any statement is denied, writing nothing."""
    reader, shop = client(auth_server, READER), client(auth_server, SHOP)
    o, p = table_arn(tables.orders), table_arn(tables.private)
    out = shop.batch_execute_statement(Statements=[
        {"Statement": 'SELECT n FROM "%s" WHERE pk = \'a\'' % tables.orders},
        {"Statement": 'SELECT * FROM "%s" WHERE pk = \'a\'' % tables.private}])["Responses"]
    assert out == [{"TableName": tables.orders, "Item": {"n": {"N": "1"}}},
                   {"Error": {"Code": "AccessDenied",
                              "Message": denied("shop", "PartiQLSelect", p)}}]
    out = reader.batch_execute_statement(Statements=[
        {"Statement": "UPDATE \"%s\" SET n = 5 WHERE pk = 'a'" % tables.orders}])["Responses"]
    assert out == [{"Error": {"Code": "AccessDenied",
                              "Message": denied("reader", "PartiQLUpdate", o)}}]
    assert_error(reader.execute_transaction, "AccessDeniedException",
                 denied("reader", "PartiQLDelete", o),
                 TransactStatements=[{"Statement": "DELETE FROM \"%s\" WHERE pk = 'a'"
                                                   % tables.orders}])
    assert_error(shop.execute_transaction, "AccessDeniedException",
                 denied("shop", "PartiQLSelect", p),
                 TransactStatements=[
                     {"Statement": 'SELECT * FROM "%s" WHERE pk = \'a\'' % tables.orders},
                     {"Statement": 'SELECT * FROM "%s" WHERE pk = \'a\'' % tables.private}])
    assert reader.execute_transaction(TransactStatements=[
        {"Statement": 'SELECT * FROM "%s" WHERE pk = \'a\'' % tables.orders}])["Responses"] == [
            {"Item": {"pk": {"S": "a"}, "n": {"N": "1"}}}]
    assert reader.execute_statement(
        Statement='SELECT n FROM "%s" WHERE pk = \'a\'' % tables.orders)["Items"] == [
            {"n": {"N": "1"}}]


def deny_policy(principal, actions, resource):
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::000000000000:user/admin"},
         "Action": "dynamodb:*", "Resource": resource},
        {"Effect": "Deny", "Principal": {"AWS": principal}, "Action": actions,
         "Resource": resource}]})


def test_resource_policy_deny(auth_server, tmp_path):
    """An explicit Deny of a table's (or its stream's) resource-based policy
    refuses the calls it names for the principals it names, before the key's
    own rights are looked at; other principals and actions are unaffected,
    and removing the policy lifts it."""
    admin = newermodel.client(auth_server.endpoint, newermodel.write_data_dir(tmp_path),
                              key=ADMIN[:2])
    name = unique_name("shop_pol")
    arn = create(admin, name, stream=True)["TableArn"]
    admin.put_item(TableName=name, Item={"pk": {"S": "a"}})
    shop, reader = client(auth_server, SHOP), client(auth_server, READER)
    shop_user = "arn:aws:iam::000000000000:user/shop"
    rev = admin.put_resource_policy(ResourceArn=arn, Policy=deny_policy(
        shop_user, ["dynamodb:PutItem", "dynamodb:Delete*"], arn))["RevisionId"]
    assert_error(shop.put_item, "AccessDeniedException", explicit_deny("shop", "PutItem", arn),
                 TableName=name, Item={"pk": {"S": "s"}})
    assert_error(shop.delete_item, "AccessDeniedException",
                 explicit_deny("shop", "DeleteItem", arn), TableName=name,
                 Key={"pk": {"S": "a"}})
    # a transaction is authorised per item action; a batch is its own action
    # (dynamodb:BatchWriteItem), which this policy does not name
    shop.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": {"pk": {"S": "b"}}}}]})
    assert_error(shop.transact_write_items, "AccessDeniedException",
                 explicit_deny("shop", "PutItem", arn),
                 TransactItems=[{"Put": {"TableName": name, "Item": {"pk": {"S": "t"}}}}])
    assert shop.get_item(TableName=name, Key={"pk": {"S": "a"}})["Item"] == {"pk": {"S": "a"}}
    # PartiQL has actions of its own, which this policy does not name
    shop.execute_statement(Statement="DELETE FROM \"%s\" WHERE pk = 'b'" % name)
    shop.update_item(TableName=name, Key={"pk": {"S": "a"}}, UpdateExpression="SET n = :n",
                     ExpressionAttributeValues={":n": {"N": "1"}})
    admin.put_item(TableName=name, Item={"pk": {"S": "x"}})  # another principal
    # the explicit deny is named even where the key's own rights also refuse
    rev = admin.put_resource_policy(ResourceArn=arn, ExpectedRevisionId=rev, Policy=deny_policy(
        "arn:aws:iam::000000000000:user/reader", "dynamodb:PutItem", arn))["RevisionId"]
    assert_error(reader.put_item, "AccessDeniedException",
                 explicit_deny("reader", "PutItem", arn), TableName=name,
                 Item={"pk": {"S": "r"}})
    assert_error(reader.update_item, "AccessDeniedException", denied("reader", "UpdateItem", arn),
                 TableName=name, Key={"pk": {"S": "a"}}, UpdateExpression="REMOVE n")
    shop.put_item(TableName=name, Item={"pk": {"S": "s"}})
    # an account principal names every user of the account; wildcards in actions
    admin.put_resource_policy(ResourceArn=arn, ExpectedRevisionId=rev, Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Principal": {"AWS": "000000000000"},
             "Action": "dynamodb:Get*", "Resource": arn}]}))
    for user, c in (("shop", shop), ("admin", admin)):
        assert_error(c.get_item, "AccessDeniedException", explicit_deny(user, "GetItem", arn),
                     TableName=name, Key={"pk": {"S": "a"}})
    assert admin.scan(TableName=name)["Count"] == 3
    # dynamodb:Get* does not name dynamodb:PartiQLSelect
    assert shop.execute_statement(
        Statement="SELECT pk FROM \"%s\" WHERE pk = 'a'" % name)["Items"] == [{"pk": {"S": "a"}}]
    # a stream's own policy governs its ARN; the table's does not reach it
    streams = client(auth_server, SHOP, "dynamodbstreams")
    stream = admin.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=stream)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=stream, ShardId=shard,
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    admin.put_resource_policy(ResourceArn=stream, Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Principal": {"AWS": shop_user},
             "Action": "dynamodb:GetRecords", "Resource": stream}]}))
    assert_error(streams.get_records, "AccessDeniedException",
                 explicit_deny("shop", "GetRecords", stream), ShardIterator=it)
    assert streams.describe_stream(StreamArn=stream)["StreamDescription"]["StreamArn"] == stream
    # removing the policies lifts the denials
    admin.delete_resource_policy(ResourceArn=arn)
    admin.delete_resource_policy(ResourceArn=stream)
    assert shop.get_item(TableName=name, Key={"pk": {"S": "a"}})["Item"]["n"] == {"N": "1"}
    assert streams.get_records(ShardIterator=it)["Records"]
    admin.delete_table(TableName=name)


# --------------------------------------------------------------------------
# Start-up


def start_with(tmp_path, text):
    path = tmp_path / unique_name("credentials")
    if text is not None:
        path.write_text(text)
    p = subprocess.run([BIN, "--port", str(free_port()), "--in-memory", "--credentials",
                        str(path)], capture_output=True, text=True, timeout=20)
    return p.returncode, p.stderr, str(path)


def test_startup_with_a_bad_credentials_file(tmp_path):
    rc, err, path = start_with(tmp_path, "[a]\naws_access_key_id = k\nddbd_access = rw\n"
                                         "aws_secret_access_key = s\n")
    assert rc == 1
    assert ("credentials file %s: line 3: ddbd_access must be read-only or read-write, "
            "not 'rw'" % path) in err
    rc, err, path = start_with(tmp_path, "")
    assert rc == 1 and "credentials file %s: no access key in the file" % path in err
    rc, err, path = start_with(tmp_path, None)
    assert rc == 1 and "cannot read the credentials file %s: No such file or directory" % path \
        in err


def test_startup_log(auth_server, server):
    assert "authentication is on: 4 access keys from " in auth_server.log_tail(200)
    assert ("authentication is off: any credentials are accepted (--credentials FILE turns it "
            "on)") in server.log_tail(200)


# --------------------------------------------------------------------------
# Authentication off (the session server)


def test_off_without_credentials(port):
    r = raw_request(port, body=b"{}", auth=False)
    assert_raw_error(r, "MissingAuthenticationTokenException", MISSING)
    assert json.loads(r.body) == {
        "__type": "com.amazon.coral.service#MissingAuthenticationTokenException",
        "message": MISSING}
    # not even a date or an X-Amz-Algorithm-less query counts
    r = raw_request(port, body=b"{}", auth=False, path="/?X-Amz-Credential=a",
                    headers={"X-Amz-Date": "20240101T000000Z"})
    assert_raw_error(r, "MissingAuthenticationTokenException", MISSING)


def test_off_accepts_any_credentials(port, ddb):
    for headers, path in [({"Authorization": "anything at all"}, "/"),
                          ({"Authorization": "AWS4-HMAC-SHA256 Credential=x/y"}, "/"),
                          ({}, "/?X-Amz-Algorithm=AWS4-HMAC-SHA256")]:
        r = raw_request(port, body=b"{}", auth=False, headers=headers, path=path)
        assert r.status == 200, (headers, path, r.body)
        assert "TableNames" in r.json()
    # any key and secret through boto3
    c = boto3.client("dynamodb", endpoint_url="http://127.0.0.1:%d" % port, region_name=REGION,
                     aws_access_key_id="whoever", aws_secret_access_key="whatever",
                     config=Config(retries={"max_attempts": 0}))
    assert "TableNames" in c.list_tables()
