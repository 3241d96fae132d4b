"""Helpers shared by the DynamoDB Streams tests: a streams client, tables with
a stream, a reader that follows the shard lineage, the item-size rule that
SizeBytes uses, raw Streams calls."""

import json
import re
from decimal import Decimal

import boto3
from botocore.config import Config

from conftest import REGION, raw_request

STREAMS_TARGET = "DynamoDBStreams_20120810."
ARN_RE = re.compile(r"^arn:aws:dynamodb:%s:\d{12}:table/(?P<table>[A-Za-z0-9_.-]{3,255})/stream/"
                    r"(?P<label>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})$" % REGION)
LABEL_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$")
SHARD_RE = re.compile(r"^shardId-\d{20}-[0-9a-f]{8}$")
SEQUENCE_RE = re.compile(r"^\d{21,40}$")
EVENT_ID_RE = re.compile(r"^[0-9a-f]{32}$")
VIEWS = ["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"]


def make_streams_client(endpoint):
    return boto3.client(
        "dynamodbstreams", endpoint_url=endpoint, region_name=REGION,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        config=Config(retries={"max_attempts": 0}, connect_timeout=5, read_timeout=60,
                      parameter_validation=False, max_pool_connections=16))


def create_stream_table(client, name, view, range_key=None, **kwargs):
    """Create a table with a stream of the given view type; returns the
    CreateTable description."""
    defs = [{"AttributeName": "pk", "AttributeType": "S"}]
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
    if range_key:
        defs.append({"AttributeName": range_key[0], "AttributeType": range_key[1]})
        keys.append({"AttributeName": range_key[0], "KeyType": "RANGE"})
    kwargs.setdefault("BillingMode", "PAY_PER_REQUEST")
    desc = client.create_table(
        TableName=name, AttributeDefinitions=defs, KeySchema=keys,
        StreamSpecification={"StreamEnabled": True, "StreamViewType": view},
        **kwargs)["TableDescription"]
    return desc


def all_shards(streams, arn, limit=None):
    shards, start = [], None
    for _ in range(1000):
        args = {"StreamArn": arn}
        if limit:
            args["Limit"] = limit
        if start:
            args["ExclusiveStartShardId"] = start
        desc = streams.describe_stream(**args)["StreamDescription"]
        shards += desc["Shards"]
        start = desc.get("LastEvaluatedShardId")
        if not start:
            return shards
    raise AssertionError("DescribeStream paging does not end")


def read_shard(streams, arn, shard_id, iterator_type="TRIM_HORIZON", sequence=None,
               limit=None, max_calls=200):
    """Every record of one shard from the given position: a closed shard to
    its end (no NextShardIterator), an open one until a call returns nothing.
    Returns (records, closed_and_finished)."""
    args = dict(StreamArn=arn, ShardId=shard_id, ShardIteratorType=iterator_type)
    if sequence:
        args["SequenceNumber"] = sequence
    it = streams.get_shard_iterator(**args)["ShardIterator"]
    records = []
    for _ in range(max_calls):
        args = {"ShardIterator": it}
        if limit:
            args["Limit"] = limit
        r = streams.get_records(**args)
        records += r["Records"]
        it = r.get("NextShardIterator")
        if it is None:
            return records, True
        if not r["Records"]:
            return records, False
    raise AssertionError("shard %s does not end" % shard_id)


def read_stream(streams, arn):
    """Every record of a stream, shards read parent first."""
    shards = all_shards(streams, arn)
    ids = {s["ShardId"] for s in shards}
    done, records = set(), []
    pending = list(shards)
    while pending:
        progressed = False
        for s in list(pending):
            parent = s.get("ParentShardId")
            if parent in ids and parent not in done:
                continue
            got, _ = read_shard(streams, arn, s["ShardId"])
            records += got
            done.add(s["ShardId"])
            pending.remove(s)
            progressed = True
        assert progressed, "shard lineage has a cycle: %r" % shards
    return records


def latest_arn(ddb, table):
    return ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]


# --- SizeBytes: the item-size rule (types-and-limits.md section 5) ---------------

def _number_size(text):
    digits = Decimal(text).normalize().as_tuple().digits
    sig = "".join(str(d) for d in digits).strip("0")
    return 1 + (len(sig) + 1) // 2


def value_size(v):
    (t, x), = v.items()
    if t == "S":
        return len(x.encode("utf-8"))
    if t == "B":
        return len(x)
    if t == "N":
        return _number_size(x)
    if t in ("BOOL", "NULL"):
        return 1
    if t == "SS":
        return sum(len(e.encode("utf-8")) for e in x)
    if t == "NS":
        return sum(_number_size(e) for e in x)
    if t == "BS":
        return sum(len(e) for e in x)
    if t == "L":
        return 3 + sum(1 + value_size(e) for e in x)
    if t == "M":
        return 3 + sum(1 + len(k.encode("utf-8")) + value_size(e) for k, e in x.items())
    raise AssertionError(t)


def item_size(item):
    return sum(len(k.encode("utf-8")) + value_size(v) for k, v in item.items())


# --- raw calls ---------------------------------------------------------------------

def raw_streams(port, operation, payload):
    body = payload if isinstance(payload, (str, bytes)) else json.dumps(payload)
    return raw_request(port, body=body, target=STREAMS_TARGET + operation)


def assert_stream_error(r, code, message=None):
    """A raw reply is a 400 of the given type, with exactly the given text when one
    is known (and some text otherwise)."""
    assert (r.status, r.error_type) == (400, code), (r.status, r.error_type, r.error_message)
    if message is not None:
        assert r.error_message == message
    else:
        assert r.error_message


