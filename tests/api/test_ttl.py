"""Time to Live: UpdateTimeToLive / DescribeTimeToLive (validation in the
service's order, texts, shapes, the cooldown) and the background deleter
(which items expire, when, what stays readable, index and ItemCount upkeep,
the REMOVE stream records of TTL deletions, restarts and kill -9).

The servers here are started with a short deleter period (--ttl-delay) and
no cooldown (--ttl-cooldown 0) unless a test is about those flags.
"""

import json
import os
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from streamhelp import make_streams_client
from conftest import (MODE, Server, assert_error, make_client, raw_call, raw_request,
                      unique_name, wait_active, wait_for, wait_gone)

DELAY = 0.2  # --ttl-delay of the servers below
SETTLE = 5.0  # how long a due item may take to go (deleter period plus slack under ASan)
DAY = 86400
SERVICE_IDENTITY = {"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"}
NOT_NULL = "Member must not be null"
RNF = "Requested resource not found: Table: %s not found"
ALREADY_ENABLED = "TimeToLive is already enabled"
ALREADY_DISABLED = "TimeToLive is already disabled"
OTHER_ATTRIBUTE = "TimeToLive is active on a different AttributeName: current AttributeName is %s"
COOLDOWN = "Time to live has been modified multiple times within a fixed interval"


# --------------------------------------------------------------------------
# Servers and clients


def start_server(data_dir=None, delay=DELAY, cooldown=0):
    return Server(data_dir=data_dir, extra_args=["--ttl-delay", str(delay),
                                                 "--ttl-cooldown", str(cooldown)]).start()


@pytest.fixture(scope="module")
def ttl_server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("ttl-data") if MODE == "disk" else None
    srv = start_server(data_dir)
    yield srv
    srv.finish()


@pytest.fixture
def c(ttl_server):
    """A client of the module's server; the test fails if the server died."""
    yield make_client(ttl_server.endpoint)
    assert ttl_server.alive(), "server died:\n%s" % ttl_server.log_tail()


@pytest.fixture
def servers(spawn_server):
    """Servers of one test sharing the data dir tmp_path/data (restart and
    crash tests); all are stopped at the end."""

    def start(delay=DELAY, cooldown=0):
        return spawn_server(extra_args=["--ttl-delay", str(delay),
                                        "--ttl-cooldown", str(cooldown)])

    return start


# --------------------------------------------------------------------------
# Helpers


def create(client, hash_key=("pk", "S"), range_key=None, extra=(), ttl=None, **kwargs):
    name = unique_name("ttl")
    attrs = [{"AttributeName": hash_key[0], "AttributeType": hash_key[1]}]
    schema = [{"AttributeName": hash_key[0], "KeyType": "HASH"}]
    if range_key:
        attrs.append({"AttributeName": range_key[0], "AttributeType": range_key[1]})
        schema.append({"AttributeName": range_key[0], "KeyType": "RANGE"})
    attrs += [{"AttributeName": n, "AttributeType": t} for n, t in extra]
    kwargs.setdefault("BillingMode", "PAY_PER_REQUEST")
    client.create_table(TableName=name, AttributeDefinitions=attrs, KeySchema=schema, **kwargs)
    wait_active(client, name)
    if ttl:
        enable(client, name, ttl)
    return name


def enable(client, name, attribute="exp"):
    out = client.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute})
    assert out["TimeToLiveSpecification"] == {"Enabled": True, "AttributeName": attribute}


def disable(client, name, attribute="exp"):
    out = client.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": False, "AttributeName": attribute})
    assert out["TimeToLiveSpecification"] == {"Enabled": False, "AttributeName": attribute}


def describe(client, name):
    out = client.describe_time_to_live(TableName=name)
    out.pop("ResponseMetadata")
    return out


def update_ttl(client, name, enabled, attribute):
    return client.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": enabled, "AttributeName": attribute})


def key(pk):
    return {"pk": {"S": pk}}


def item(pk, exp=None, **attrs):
    """An item; exp is a number (seconds) or an AttributeValue dict."""
    it = {"pk": {"S": pk}}
    if exp is not None:
        it["exp"] = exp if isinstance(exp, dict) else {"N": num(exp)}
    it.update(attrs)
    return it


def num(x):
    if isinstance(x, float):
        return "%.3f" % x
    return str(x)


def get(client, name, k):
    return client.get_item(TableName=name, Key=k if isinstance(k, dict) else key(k),
                           ConsistentRead=True).get("Item")


def scan_keys(client, name, key_attr="pk", **kwargs):
    keys, start = set(), None
    for _ in range(1000):
        args = dict(TableName=name, ProjectionExpression=key_attr, **kwargs)
        if start:
            args["ExclusiveStartKey"] = start
        out = client.scan(**args)
        keys |= {it[key_attr]["S"] for it in out["Items"]}
        start = out.get("LastEvaluatedKey")
        if not start:
            return keys
    raise AssertionError("scan did not end")


def item_count(client, name):
    return client.describe_table(TableName=name)["Table"]["ItemCount"]


def load(client, name, items, threads=2):
    """Put items with BatchWriteItem, in parallel, bounded retries."""
    chunks = [items[i:i + 25] for i in range(0, len(items), 25)]

    def put(chunk):
        req = {name: [{"PutRequest": {"Item": it}} for it in chunk]}
        for _ in range(50):
            req = client.batch_write_item(RequestItems=req).get("UnprocessedItems") or {}
            if not req:
                return
        raise AssertionError("items left unprocessed")

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(put, chunks))


def wait_until(pred, timeout=SETTLE, what="condition"):
    return wait_for(pred, timeout, what, step=0.03)


def wait_gone_items(client, name, pks, timeout=SETTLE):
    pks = set(pks)
    wait_until(lambda: not any(get(client, name, pk) for pk in pks), timeout,
               "deletion of %s" % sorted(pks))


def idle_ticks(n=3):
    """Give the deleter n periods to do something it should not."""
    time.sleep(n * DELAY + 0.2)


def stream_records(client, streams, name):
    arn = client.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    desc = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    records = []
    for shard in desc["Shards"]:
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        for _ in range(1000):
            out = streams.get_records(ShardIterator=it, Limit=1000)
            records += out["Records"]
            it = out.get("NextShardIterator")
            if not it or not out["Records"]:
                break
    return records


def removes(records):
    """pk -> list of REMOVE records."""
    out = {}
    for r in records:
        if r["eventName"] == "REMOVE":
            out.setdefault(r["dynamodb"]["Keys"]["pk"]["S"], []).append(r)
    return out


# --------------------------------------------------------------------------
# UpdateTimeToLive: validation in the service's order


def ttl_call(port, payload):
    r = raw_call(port, "UpdateTimeToLive", payload)
    return r.status, r.error_type, r.error_message


def v(*parts):
    n = len(parts)
    return "%d validation error%s detected: %s" % (n, "" if n == 1 else "s", "; ".join(parts))


def null_at(path):
    return "Value null at '%s' failed to satisfy constraint: %s" % (path, NOT_NULL)


LONG = "a" * 256


# The order of the two members within a specification is the service's (as
# observed); the place of tableName among them is unverified.
@pytest.mark.parametrize("payload,message", [
    ({}, v(null_at("tableName"), null_at("timeToLiveSpecification"))),
    ({"TableName": "tbl"}, v(null_at("timeToLiveSpecification"))),
    ({"TableName": "tbl", "TimeToLiveSpecification": None}, v(null_at("timeToLiveSpecification"))),
    ({"TableName": "tbl", "TimeToLiveSpecification": {}},
     v(null_at("timeToLiveSpecification.attributeName"),
       null_at("timeToLiveSpecification.enabled"))),
    ({"TableName": "tbl", "TimeToLiveSpecification": {"Enabled": True}},
     v(null_at("timeToLiveSpecification.attributeName"))),
    ({"TableName": "tbl", "TimeToLiveSpecification": {"AttributeName": "exp"}},
     v(null_at("timeToLiveSpecification.enabled"))),
    ({"TableName": "tbl", "TimeToLiveSpecification": {"AttributeName": "exp", "Enabled": None}},
     v(null_at("timeToLiveSpecification.enabled"))),
    ({"TableName": "tbl", "TimeToLiveSpecification": {"AttributeName": "", "Enabled": True}},
     v("Value '' at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: "
       "Member must have length greater than or equal to 1")),
    ({"TableName": "tbl", "TimeToLiveSpecification": {"AttributeName": LONG, "Enabled": True}},
     v("Value '%s' at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: "
       "Member must have length less than or equal to 255" % LONG)),
    ({"TableName": "tbl", "TimeToLiveSpecification": {"AttributeName": LONG}},
     v("Value '%s' at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: "
       "Member must have length less than or equal to 255" % LONG,
       null_at("timeToLiveSpecification.enabled"))),
    ({"TableName": "ab", "TimeToLiveSpecification": {}},
     v("Value 'ab' at 'tableName' failed to satisfy constraint: "
       "Member must have length greater than or equal to 3",
       null_at("timeToLiveSpecification.attributeName"),
       null_at("timeToLiveSpecification.enabled"))),
    ({"TableName": "a b", "TimeToLiveSpecification": {"AttributeName": "exp", "Enabled": True}},
     v("Value 'a b' at 'tableName' failed to satisfy constraint: "
       "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")),
])
def test_update_model_constraints(c, ttl_server, payload, message):
    # Model constraints come before the table is looked up: "tbl" and "ab" do
    # not exist, and the answer is still the validation error.
    status, code, msg = ttl_call(ttl_server.port, payload)
    assert (status, code, msg) == (400, "ValidationException", message)


@pytest.mark.parametrize("payload,message", [
    ({"TableName": "tbl", "TimeToLiveSpecification": {"AttributeName": "exp", "Enabled": "true"}},
     "STRING_VALUE cannot be converted to Boolean"),
    ({"TableName": "tbl", "TimeToLiveSpecification": {"AttributeName": "exp", "Enabled": 1}},
     "NUMBER_VALUE cannot be converted to Boolean"),
    ({"TableName": "tbl", "TimeToLiveSpecification": {"AttributeName": 5, "Enabled": True}},
     "NUMBER_VALUE cannot be converted to String"),
    ({"TableName": "tbl", "TimeToLiveSpecification": {"AttributeName": True, "Enabled": True}},
     "TRUE_VALUE cannot be converted to String"),
    ({"TableName": 5, "TimeToLiveSpecification": {"AttributeName": "exp", "Enabled": True}},
     "NUMBER_VALUE cannot be converted to String"),
    # a structure where a string belongs
    ({"TableName": "tbl", "TimeToLiveSpecification": {"AttributeName": {}, "Enabled": True}},
     "Start of structure or map found where not expected"),
    # wrong types win over model constraints ("ab" is too short)
    ({"TableName": "ab", "TimeToLiveSpecification": {"Enabled": "yes"}},
     "STRING_VALUE cannot be converted to Boolean"),
    # a scalar or a list where the specification structure belongs: the text
    # is the one of the protocol layer (not asserted here)
    ({"TableName": "tbl", "TimeToLiveSpecification": "exp"}, None),
    ({"TableName": "tbl", "TimeToLiveSpecification": [{"AttributeName": "exp"}]}, None),
])
def test_update_wrong_json_types(c, ttl_server, payload, message):
    status, code, msg = ttl_call(ttl_server.port, payload)
    assert (status, code) == (400, "SerializationException")
    if message is not None:
        assert msg == message


def test_update_unknown_table(c):
    name = unique_name("ttl-missing")
    for enabled in (True, False):
        assert_error(c.update_time_to_live, "ResourceNotFoundException", RNF % name,
                     TableName=name,
                     TimeToLiveSpecification={"Enabled": enabled, "AttributeName": "exp"})
    assert_error(c.describe_time_to_live, "ResourceNotFoundException", RNF % name,
                 TableName=name)


def test_update_content_checks_in_order(c):
    name = create(c)
    # never set: disabling anything is refused, the table stays as it is
    assert_error(update_ttl, "ValidationException", ALREADY_DISABLED, client=c, name=name,
                 enabled=False, attribute="exp")
    assert_error(update_ttl, "ValidationException", ALREADY_DISABLED, client=c, name=name,
                 enabled=False, attribute="other")
    assert describe(c, name) == {"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}}

    enable(c, name, "exp")
    assert_error(update_ttl, "ValidationException", ALREADY_ENABLED, client=c, name=name,
                 enabled=True, attribute="exp")
    # a different name is reported before anything else, enabling or not
    assert_error(update_ttl, "ValidationException", OTHER_ATTRIBUTE % "exp", client=c,
                 name=name, enabled=True, attribute="other")
    assert_error(update_ttl, "ValidationException", OTHER_ATTRIBUTE % "exp", client=c,
                 name=name, enabled=False, attribute="other")
    # names are compared exactly
    assert_error(update_ttl, "ValidationException", OTHER_ATTRIBUTE % "exp", client=c,
                 name=name, enabled=False, attribute="Exp")
    assert describe(c, name) == {"TimeToLiveDescription": {"TimeToLiveStatus": "ENABLED",
                                                           "AttributeName": "exp"}}
    disable(c, name, "exp")
    assert describe(c, name) == {"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}}
    assert_error(update_ttl, "ValidationException", ALREADY_DISABLED, client=c, name=name,
                 enabled=False, attribute="exp")
    # the previous name is forgotten: another one can be enabled now
    enable(c, name, "other")
    assert describe(c, name) == {"TimeToLiveDescription": {"TimeToLiveStatus": "ENABLED",
                                                           "AttributeName": "other"}}
    c.delete_table(TableName=name)


def test_update_response_and_describe_shapes_raw(c, ttl_server):
    name = create(c)
    r = raw_call(ttl_server.port, "DescribeTimeToLive", {"TableName": name})
    assert r.status == 200 and r.json() == {
        "TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}}
    odd = "ttl \u00e9\"\\/\u20ac"  # any characters, echoed as given
    r = raw_call(ttl_server.port, "UpdateTimeToLive",
                 {"TableName": name,
                  "TimeToLiveSpecification": {"Enabled": True, "AttributeName": odd}})
    assert r.status == 200 and r.json() == {
        "TimeToLiveSpecification": {"Enabled": True, "AttributeName": odd}}
    r = raw_call(ttl_server.port, "DescribeTimeToLive", {"TableName": name})
    assert r.json() == {"TimeToLiveDescription": {"TimeToLiveStatus": "ENABLED",
                                                  "AttributeName": odd}}
    # the table stays ACTIVE, and DescribeTable says nothing about TTL
    table = c.describe_table(TableName=name)["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert not any("TimeToLive" in k for k in table)
    r = raw_call(ttl_server.port, "UpdateTimeToLive",
                 {"TableName": name,
                  "TimeToLiveSpecification": {"AttributeName": odd, "Enabled": False}})
    assert r.status == 200 and r.json() == {
        "TimeToLiveSpecification": {"Enabled": False, "AttributeName": odd}}
    # a 255-character name is fine
    r = raw_call(ttl_server.port, "UpdateTimeToLive",
                 {"TableName": name,
                  "TimeToLiveSpecification": {"AttributeName": "n" * 255, "Enabled": True}})
    assert r.status == 200, r.body
    assert describe(c, name)["TimeToLiveDescription"]["AttributeName"] == "n" * 255
    c.delete_table(TableName=name)


def test_describe_validation(c, ttl_server):
    for payload, message in [
        ({}, v(null_at("tableName"))),
        # as observed for index names: an empty name fails the length and the pattern
        ({"TableName": ""}, v("Value '' at 'tableName' failed to satisfy constraint: "
                              "Member must have length greater than or equal to 3",
                              "Value '' at 'tableName' failed to satisfy constraint: "
                              "Member must satisfy regular expression pattern: "
                              "[a-zA-Z0-9_.-]+")),
    ]:
        r = raw_call(ttl_server.port, "DescribeTimeToLive", payload)
        assert (r.status, r.error_type, r.error_message) == (400, "ValidationException", message)
    r = raw_call(ttl_server.port, "DescribeTimeToLive", {"TableName": 7})
    assert (r.status, r.error_type, r.error_message) == (
        400, "SerializationException", "NUMBER_VALUE cannot be converted to String")


def test_deleted_table(c):
    name = create(c, ttl="exp")
    c.delete_table(TableName=name)
    wait_gone(c, name)
    assert_error(c.describe_time_to_live, "ResourceNotFoundException", RNF % name,
                 TableName=name)
    assert_error(update_ttl, "ResourceNotFoundException", RNF % name, client=c, name=name,
                 enabled=False, attribute="exp")


def test_default_cooldown_is_an_hour(ddb, make_table):
    """The session server runs with the defaults: after a change, the next
    one is refused; content checks still come first."""
    name = make_table()
    enable(ddb, name, "exp")
    assert_error(update_ttl, "ValidationException", COOLDOWN, client=ddb, name=name,
                 enabled=False, attribute="exp")
    assert_error(update_ttl, "ValidationException", ALREADY_ENABLED, client=ddb, name=name,
                 enabled=True, attribute="exp")
    assert_error(update_ttl, "ValidationException", OTHER_ATTRIBUTE % "exp", client=ddb,
                 name=name, enabled=False, attribute="x")
    # nothing changed, and the cooldown does not show
    out = ddb.describe_time_to_live(TableName=name)
    assert out["TimeToLiveDescription"] == {"TimeToLiveStatus": "ENABLED", "AttributeName": "exp"}
    # the cooldown is per table
    other = make_table()
    enable(ddb, other, "exp")


def test_cooldown_window(tmp_path):
    """--ttl-cooldown 1.5: a change is refused until 1.5 s after the last
    successful one; refused attempts do not extend the window."""
    srv = start_server(cooldown=1.5)
    try:
        c = make_client(srv.endpoint)
        name = create(c)
        before = time.time()
        enable(c, name)
        changed = time.time()
        assert_error(update_ttl, "ValidationException", COOLDOWN, client=c, name=name,
                     enabled=False, attribute="exp")
        time.sleep(max(0, changed + 0.7 - time.time()))
        assert_error(update_ttl, "ValidationException", COOLDOWN, client=c, name=name,
                     enabled=False, attribute="exp")
        assert time.time() < before + 1.5, "the machine is too slow for this test"
        time.sleep(max(0, changed + 1.6 - time.time()))
        disable(c, name)
        assert_error(update_ttl, "ValidationException", COOLDOWN, client=c, name=name,
                     enabled=True, attribute="exp")
        assert describe(c, name) == {"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}}
    finally:
        srv.finish()


def test_cli_update_and_describe(c, ttl_server, tmp_path):
    aws = "/usr/bin/aws"
    if not os.path.exists(aws):
        pytest.skip("AWS CLI not installed at %s" % aws)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
           "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_PAGER": "",
           "AWS_CONFIG_FILE": str(tmp_path / "config"),
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"), "AWS_MAX_ATTEMPTS": "1"}

    def run(*args):
        cmd = [aws, "dynamodb"] + list(args) + ["--endpoint-url", ttl_server.endpoint,
                                                "--output", "json"]
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, "%s\nstdout: %s\nstderr: %s" % (cmd, p.stdout, p.stderr)
        return json.loads(p.stdout)

    name = create(c)
    assert run("update-time-to-live", "--table-name", name, "--time-to-live-specification",
               "Enabled=true,AttributeName=expires") == {
        "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "expires"}}
    assert run("describe-time-to-live", "--table-name", name) == {
        "TimeToLiveDescription": {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires"}}
    c.put_item(TableName=name, Item={"pk": {"S": "x"}, "expires": {"N": str(int(time.time()) - 5)}})
    wait_gone_items(c, name, ["x"])
    c.delete_table(TableName=name)


# --------------------------------------------------------------------------
# Which items expire


def test_which_values_expire(c):
    name = create(c, ttl="exp")
    now = int(time.time())
    base = now - 100
    expiring = {
        "int": item("int", base),
        "fraction": item("fraction", "%d.75" % base),
        "long-fraction": item("long-fraction", "%d.0000000000000000000000001" % base),
        "exponent": item("exponent", str(Decimal(base).scaleb(-1)) + "e1"),
        "exponent-upper": item("exponent-upper", str(Decimal(base).scaleb(-9)) + "E+9"),
        "negative-exponent": item("negative-exponent", "%d0000e-4" % base),
        "just-past": item("just-past", "%.3f" % (time.time() - 0.5)),
        "almost-five-years": item("almost-five-years", now - 1820 * DAY),
        "with-others": item("with-others", base, other={"N": "1"}, m={"M": {"exp": {"S": "x"}}}),
    }
    kept = {
        "string": item("string", {"S": str(base)}),
        "number-set": item("number-set", {"NS": [str(base)]}),
        "list": item("list", {"L": [{"N": str(base)}]}),
        "map": item("map", {"M": {"exp": {"N": str(base)}}}),
        "binary": item("binary", {"B": b"\x01"}),
        "bool": item("bool", {"BOOL": True}),
        "null": item("null", {"NULL": True}),
        "zero": item("zero", 0),
        "negative": item("negative", -base),
        "minus-one": item("minus-one", -1),
        "epoch-start": item("epoch-start", 1),
        "tiny": item("tiny", "1E-130"),
        "more-than-five-years": item("more-than-five-years", now - 1830 * DAY),
        "milliseconds": item("milliseconds", base * 1000),
        "future": item("future", now + 3600),
        "far-future": item("far-future", "9.9999999999999999999999999999999999999E+125"),
        "missing": item("missing"),
        "other-case": item("other-case", other={"N": str(base)}, Exp={"N": str(base)}),
        "nested": item("nested", outer={"M": {"exp": {"N": str(base)}}}),
    }
    for it in list(expiring.values()) + list(kept.values()):
        c.put_item(TableName=name, Item=it)
    wait_gone_items(c, name, expiring)
    idle_ticks()
    assert scan_keys(c, name) == set(kept)
    for pk, it in kept.items():
        got = get(c, name, pk)
        if "N" in it["exp"] if "exp" in it else False:  # numbers come back normalized
            assert Decimal(got.pop("exp")["N"]) == Decimal(it.pop("exp")["N"]), pk
        assert got == it, pk  # untouched
    assert item_count(c, name) == len(kept)
    c.delete_table(TableName=name)


def test_future_values_expire_when_their_time_comes(c):
    name = create(c, ttl="exp")
    t0 = time.time()
    soon = t0 + 0.8
    c.put_item(TableName=name, Item=item("soon", "%.3f" % soon))
    c.put_item(TableName=name, Item=item("later", int(t0) + 3600))
    c.put_item(TableName=name, Item=item("exp-form", str(Decimal("%.2f" % (t0 + 1.0))
                                                          .scaleb(-3)) + "e3"))
    assert get(c, name, "soon") is not None
    gone_at = wait_until(lambda: get(c, name, "soon") is None and time.time(), 0.8 + SETTLE,
                         "deletion of the item due at %.3f" % soon)
    assert gone_at >= soon, "deleted %.3f s before its time" % (soon - gone_at)
    wait_gone_items(c, name, ["exp-form"])
    idle_ticks()
    assert get(c, name, "later") is not None
    c.delete_table(TableName=name)


def test_every_write_path_maintains_the_expiry_index(c):
    name = create(c, ttl="exp")
    past = int(time.time()) - 60
    future = int(time.time()) + 3600
    c.put_item(TableName=name, Item=item("put", past))
    c.update_item(TableName=name, Key=key("update"), UpdateExpression="SET exp = :e",
                  ExpressionAttributeValues={":e": {"N": str(past)}})
    # ADD moves a future value into the past
    c.put_item(TableName=name, Item=item("add", future))
    c.update_item(TableName=name, Key=key("add"), UpdateExpression="ADD exp :d",
                  ExpressionAttributeValues={":d": {"N": "-7200"}})
    # a string becomes a number
    c.put_item(TableName=name, Item=item("retyped", {"S": str(past)}))
    c.update_item(TableName=name, Key=key("retyped"), UpdateExpression="SET exp = :e",
                  ExpressionAttributeValues={":e": {"N": str(past)}})
    c.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": item("batch", past)}}]})
    c.transact_write_items(TransactItems=[
        {"Put": {"TableName": name, "Item": item("transact-put", past)}},
        {"Update": {"TableName": name, "Key": key("transact-update"),
                    "UpdateExpression": "SET exp = :e",
                    "ExpressionAttributeValues": {":e": {"N": str(past)}}}}])
    # the legacy AttributeUpdates
    c.update_item(TableName=name, Key=key("legacy"),
                  AttributeUpdates={"exp": {"Action": "PUT", "Value": {"N": str(past)}}})
    # an item whose value went from past to future to past again
    c.put_item(TableName=name, Item=item("moved", past))
    c.put_item(TableName=name, Item=item("moved", future))
    c.put_item(TableName=name, Item=item("moved", past - 1))
    due = ["put", "update", "add", "retyped", "batch", "transact-put", "transact-update",
           "legacy", "moved"]
    wait_gone_items(c, name, due)
    assert scan_keys(c, name) == set()
    assert item_count(c, name) == 0
    c.delete_table(TableName=name)


def test_key_attribute_as_ttl_attribute(c):
    # a Number sort key as the TTL attribute: items expire by their key
    name = create(c, range_key=("sk", "N"), ttl="sk")
    past, future = int(time.time()) - 60, int(time.time()) + 3600
    for sk in (past, future, 0):
        c.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"N": str(sk)}})
    wait_until(lambda: c.query(TableName=name, KeyConditionExpression="pk = :p",
                               ExpressionAttributeValues={":p": {"S": "p"}},
                               ConsistentRead=True)["Count"] == 2, what="key-expired item gone")
    items = c.query(TableName=name, KeyConditionExpression="pk = :p",
                    ExpressionAttributeValues={":p": {"S": "p"}})["Items"]
    assert sorted(int(i["sk"]["N"]) for i in items) == [0, future]
    c.delete_table(TableName=name)
    # a String hash key is accepted as the TTL attribute, and never expires
    name = create(c, ttl="pk")
    c.put_item(TableName=name, Item={"pk": {"S": str(past)}})
    idle_ticks()
    assert get(c, name, str(past)) is not None
    c.delete_table(TableName=name)


def test_dotted_attribute_name_is_one_top_level_name(c):
    name = create(c, ttl="a.b")
    past = str(int(time.time()) - 60)
    c.put_item(TableName=name, Item={"pk": {"S": "top"}, "a.b": {"N": past}})
    c.put_item(TableName=name, Item={"pk": {"S": "nested"}, "a": {"M": {"b": {"N": past}}}})
    wait_gone_items(c, name, ["top"])
    idle_ticks()
    assert get(c, name, "nested") is not None
    c.delete_table(TableName=name)


def test_items_stored_before_ttl_was_enabled(c):
    """More items than one fill step takes: all are looked at."""
    name = create(c)
    now = int(time.time())
    items, expect_kept = [], set()
    for i in range(2600):
        pk = "i%05d" % i
        kind = i % 5
        if kind == 0:
            items.append(item(pk, now - 60 - i))  # due
            continue
        if kind == 1:
            items.append(item(pk, now + 3600 + i))
        elif kind == 2:
            items.append(item(pk, payload={"S": "x" * 50}))
        elif kind == 3:
            items.append(item(pk, {"S": str(now - 60)}))
        else:
            items.append(item(pk, now - 1830 * DAY))
        expect_kept.add(pk)
    load(c, name, items)
    assert item_count(c, name) == 2600
    idle_ticks(2)
    assert item_count(c, name) == 2600  # nothing expires without TTL
    enable(c, name)
    wait_until(lambda: item_count(c, name) == len(expect_kept), SETTLE + 5,
               "deletion of the due items")
    idle_ticks()
    assert scan_keys(c, name) == expect_kept
    assert item_count(c, name) == len(expect_kept)
    c.delete_table(TableName=name)


# --------------------------------------------------------------------------
# Expired items until they are deleted


def test_expired_items_stay_readable_until_deleted_and_can_be_rescued(servers):
    """With a deleter period far beyond the test, expired items are returned
    by every read and can be written; after a restart with a short period,
    the ones still expired go and the rescued ones stay."""
    srv = servers(delay=600)
    c = make_client(srv.endpoint)
    name = create(c, range_key=("sk", "S"), extra=[("g", "S")], ttl="exp",
                  GlobalSecondaryIndexes=[{"IndexName": "by_g",
                                           "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                           "Projection": {"ProjectionType": "ALL"}}])
    past = int(time.time()) - 30

    def k(sk):
        return {"pk": {"S": "p"}, "sk": {"S": sk}}

    names = ["gone", "gone-moved", "saved-future", "saved-removed", "saved-string",
             "saved-reput", "saved-condition"]
    for sk in names:
        c.put_item(TableName=name, Item=dict(k(sk), exp={"N": str(past)}, g={"S": "G"}))
    time.sleep(3 * DELAY)
    for sk in names:
        assert get(c, name, k(sk))["exp"] == {"N": str(past)}
    q = c.query(TableName=name, KeyConditionExpression="pk = :p",
                ExpressionAttributeValues={":p": {"S": "p"}})
    assert sorted(i["sk"]["S"] for i in q["Items"]) == sorted(names)
    q = c.query(TableName=name, IndexName="by_g", KeyConditionExpression="g = :g",
                ExpressionAttributeValues={":g": {"S": "G"}})
    assert q["Count"] == len(names)
    assert c.scan(TableName=name, Select="COUNT")["Count"] == len(names)
    got = c.batch_get_item(RequestItems={name: {"Keys": [k(sk) for sk in names]}})
    assert len(got["Responses"][name]) == len(names)
    got = c.transact_get_items(TransactItems=[{"Get": {"TableName": name, "Key": k("gone")}}])
    assert got["Responses"][0]["Item"]["sk"] == {"S": "gone"}

    c.update_item(TableName=name, Key=k("gone-moved"), UpdateExpression="SET exp = :e",
                  ExpressionAttributeValues={":e": {"N": str(past - 10)}})
    c.update_item(TableName=name, Key=k("saved-future"), UpdateExpression="SET exp = :e",
                  ExpressionAttributeValues={":e": {"N": str(int(time.time()) + 3600)}})
    c.update_item(TableName=name, Key=k("saved-removed"), UpdateExpression="REMOVE exp")
    c.update_item(TableName=name, Key=k("saved-string"), UpdateExpression="SET exp = :e",
                  ExpressionAttributeValues={":e": {"S": str(past)}})
    c.put_item(TableName=name, Item=dict(k("saved-reput"), g={"S": "G"}))
    # the expired item exists as far as conditions go
    c.update_item(TableName=name, Key=k("saved-condition"), UpdateExpression="REMOVE exp",
                  ConditionExpression="attribute_exists(pk) AND exp < :now",
                  ExpressionAttributeValues={":now": {"N": str(int(time.time()))}})
    assert srv.stop() == 0, srv.log_tail()

    srv = servers(delay=DELAY)
    c = make_client(srv.endpoint)
    wait_until(lambda: get(c, name, k("gone")) is None and get(c, name, k("gone-moved")) is None,
               what="deletion of the expired items after the restart")
    idle_ticks()
    saved = sorted(n for n in names if n.startswith("saved"))
    q = c.query(TableName=name, KeyConditionExpression="pk = :p",
                ExpressionAttributeValues={":p": {"S": "p"}})
    assert sorted(i["sk"]["S"] for i in q["Items"]) == saved
    q = c.query(TableName=name, IndexName="by_g", KeyConditionExpression="g = :g",
                ExpressionAttributeValues={":g": {"S": "G"}})
    assert sorted(i["sk"]["S"] for i in q["Items"]) == saved
    assert item_count(c, name) == len(saved)


def test_deleter_period_is_the_ttl_delay(tmp_path):
    """--ttl-delay 2: an expired item is deleted about 2 s after the server
    started, not sooner; until then it is readable."""
    started = time.time()
    srv = start_server(delay=2)
    try:
        c = make_client(srv.endpoint)
        name = create(c, ttl="exp")
        c.put_item(TableName=name, Item=item("x", int(time.time()) - 60))
        gone_at = wait_until(lambda: get(c, name, "x") is None and time.time(), 2 + SETTLE,
                             "deletion of the expired item")
        assert gone_at - started >= 1.9, "deleted %.2f s after the start" % (gone_at - started)
    finally:
        srv.finish()


def test_update_before_due_time_prevents_deletion(c):
    name = create(c, ttl="exp")
    due = time.time() + 0.6
    for pk in ("moved", "removed", "kept-due"):
        c.put_item(TableName=name, Item=item(pk, "%.3f" % due))
    c.update_item(TableName=name, Key=key("moved"), UpdateExpression="SET exp = :e",
                  ExpressionAttributeValues={":e": {"N": str(int(time.time()) + 3600)}})
    c.update_item(TableName=name, Key=key("removed"), UpdateExpression="REMOVE exp")
    wait_gone_items(c, name, ["kept-due"], timeout=1.0 + SETTLE)
    idle_ticks()
    assert scan_keys(c, name) == {"moved", "removed"}
    c.delete_table(TableName=name)


# --------------------------------------------------------------------------
# Indexes, ItemCount, streams


def test_deletion_removes_index_entries_and_counts(c):
    name = create(c, range_key=("sk", "S"), extra=[("g", "S"), ("l", "S")], ttl="exp",
                  GlobalSecondaryIndexes=[{"IndexName": "gsi",
                                           "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                           "Projection": {"ProjectionType": "ALL"}}],
                  LocalSecondaryIndexes=[{"IndexName": "lsi",
                                          "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                                        {"AttributeName": "l", "KeyType": "RANGE"}],
                                          "Projection": {"ProjectionType": "KEYS_ONLY"}}])
    # due once the checks below have seen all four (3 s: room for a loaded machine)
    due = "%.3f" % (time.time() + 3.0)
    rows = [("a", due), ("b", None), ("c", due), ("d", None)]
    for sk, exp in rows:
        it = {"pk": {"S": "P"}, "sk": {"S": sk}, "g": {"S": "G"}, "l": {"S": "L" + sk}}
        if exp:
            it["exp"] = {"N": exp}
        c.put_item(TableName=name, Item=it)

    def gsi():
        return sorted(i["sk"]["S"] for i in c.query(
            TableName=name, IndexName="gsi", KeyConditionExpression="g = :g",
            ExpressionAttributeValues={":g": {"S": "G"}})["Items"])

    def lsi():
        return sorted(i["sk"]["S"] for i in c.query(
            TableName=name, IndexName="lsi", KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "P"}}, ConsistentRead=True)["Items"])

    assert gsi() == lsi() == ["a", "b", "c", "d"]
    assert item_count(c, name) == 4
    size_with = c.describe_table(TableName=name)["Table"]["TableSizeBytes"]
    wait_until(lambda: c.query(TableName=name, KeyConditionExpression="pk = :p",
                               ExpressionAttributeValues={":p": {"S": "P"}},
                               ConsistentRead=True)["Count"] == 2,
               3.0 + SETTLE, "deletion of the due items")
    assert gsi() == lsi() == ["b", "d"]
    assert item_count(c, name) == 2
    # the size is that of the two items left: as if a and c had never been
    size_after = c.describe_table(TableName=name)["Table"]["TableSizeBytes"]
    assert 0 < size_after < size_with
    for sk in ("a", "c"):
        c.put_item(TableName=name, Item={"pk": {"S": "P"}, "sk": {"S": sk}, "g": {"S": "G"},
                                         "l": {"S": "L" + sk}, "exp": {"N": due}})
    assert c.describe_table(TableName=name)["Table"]["TableSizeBytes"] == size_with
    for sk in ("a", "c"):
        c.delete_item(TableName=name, Key={"pk": {"S": "P"}, "sk": {"S": sk}})
    assert c.describe_table(TableName=name)["Table"]["TableSizeBytes"] == size_after
    # an LSI range query sees the gap too
    out = c.query(TableName=name, IndexName="lsi",
                  KeyConditionExpression="pk = :p AND l BETWEEN :a AND :c",
                  ExpressionAttributeValues={":p": {"S": "P"}, ":a": {"S": "La"},
                                             ":c": {"S": "Lc"}})
    assert [i["sk"]["S"] for i in out["Items"]] == ["b"]
    c.delete_table(TableName=name)


def test_index_added_after_enabling_is_kept_too(c):
    name = create(c, ttl="exp")
    c.update_table(TableName=name, AttributeDefinitions=[{"AttributeName": "g",
                                                          "AttributeType": "S"}],
                   GlobalSecondaryIndexUpdates=[{"Create": {
                       "IndexName": "late", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                       "Projection": {"ProjectionType": "ALL"}}}])
    wait_active(c, name)
    assert describe(c, name)["TimeToLiveDescription"] == {"TimeToLiveStatus": "ENABLED",
                                                          "AttributeName": "exp"}
    due = "%.3f" % (time.time() + 0.8)
    c.put_item(TableName=name, Item=item("x", due, g={"S": "G"}))
    c.put_item(TableName=name, Item=item("y", g={"S": "G"}))

    def in_gsi():
        return sorted(i["pk"]["S"] for i in c.query(
            TableName=name, IndexName="late", KeyConditionExpression="g = :g",
            ExpressionAttributeValues={":g": {"S": "G"}})["Items"])

    assert in_gsi() == ["x", "y"]
    wait_gone_items(c, name, ["x"], timeout=0.8 + SETTLE)
    assert in_gsi() == ["y"]
    c.delete_table(TableName=name)


def test_stream_records_of_ttl_deletions(c, ttl_server):
    streams = make_streams_client(ttl_server.endpoint)
    name = create(c, range_key=("sk", "N"), ttl="exp",
                  StreamSpecification={"StreamEnabled": True,
                                       "StreamViewType": "NEW_AND_OLD_IMAGES"})
    past = str(int(time.time()) - 30)
    expired = {"pk": {"S": "ttl"}, "sk": {"N": "1"}, "exp": {"N": past}, "v": {"S": "x"}}
    by_user = {"pk": {"S": "user"}, "sk": {"N": "2"}, "exp": {"N": past}}
    rescued = {"pk": {"S": "rescued"}, "sk": {"N": "3"}, "exp": {"N": "%.3f" % (time.time() + 1)}}
    start = time.time()
    # the user deletes this one before the deleter gets to it
    c.transact_write_items(TransactItems=[{"Put": {"TableName": name, "Item": by_user}},
                                          {"Put": {"TableName": name, "Item": rescued}}])
    c.delete_item(TableName=name, Key={"pk": by_user["pk"], "sk": by_user["sk"]})
    c.update_item(TableName=name, Key={"pk": rescued["pk"], "sk": rescued["sk"]},
                  UpdateExpression="REMOVE exp")
    c.put_item(TableName=name, Item=expired)
    wait_until(lambda: get(c, name, {"pk": expired["pk"], "sk": expired["sk"]}) is None,
               what="deletion of the expired item")
    idle_ticks()
    records = stream_records(c, streams, name)
    events = {}
    for r in records:
        events.setdefault(r["dynamodb"]["Keys"]["pk"]["S"], []).append(
            (r["eventName"], r.get("userIdentity")))
    assert events == {"user": [("INSERT", None), ("REMOVE", None)],
                      "rescued": [("INSERT", None), ("MODIFY", None)],
                      "ttl": [("INSERT", None), ("REMOVE", SERVICE_IDENTITY)]}
    ttl_remove = records[-1]
    assert ttl_remove["userIdentity"] == SERVICE_IDENTITY
    assert ttl_remove["dynamodb"]["Keys"] == {"pk": {"S": "ttl"}, "sk": {"N": "1"}}
    assert ttl_remove["dynamodb"]["OldImage"] == expired
    assert "NewImage" not in ttl_remove["dynamodb"]
    assert ttl_remove["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert ttl_remove["eventSource"] == "aws:dynamodb"
    assert ttl_remove["dynamodb"]["ApproximateCreationDateTime"].timestamp() >= int(start) - 1
    user_remove = removes(records)["user"][0]
    assert user_remove["dynamodb"]["OldImage"] == by_user
    c.delete_table(TableName=name)


@pytest.mark.parametrize("view,images", [("KEYS_ONLY", set()), ("NEW_IMAGE", set()),
                                         ("OLD_IMAGE", {"OldImage"}),
                                         ("NEW_AND_OLD_IMAGES", {"OldImage"})])
def test_stream_record_of_ttl_deletion_raw(c, ttl_server, view, images):
    """The record as sent: userIdentity beside dynamodb, the images of the
    view type (a REMOVE has no new image)."""
    name = create(c, ttl="exp", StreamSpecification={"StreamEnabled": True,
                                                     "StreamViewType": view})
    expired = item("k", int(time.time()) - 30, v={"N": "1"})
    c.put_item(TableName=name, Item=expired)
    wait_gone_items(c, name, ["k"])
    arn = c.describe_table(TableName=name)["Table"]["LatestStreamArn"]

    def streams_call(op, payload):
        r = raw_request(ttl_server.port, json.dumps(payload), "DynamoDBStreams_20120810." + op)
        assert r.status == 200, r.body
        return r.json()

    shard = streams_call("DescribeStream", {"StreamArn": arn})["StreamDescription"]["Shards"]
    it = streams_call("GetShardIterator", {"StreamArn": arn, "ShardId": shard[0]["ShardId"],
                                           "ShardIteratorType": "TRIM_HORIZON"})["ShardIterator"]
    r = raw_request(ttl_server.port, json.dumps({"ShardIterator": it}),
                    "DynamoDBStreams_20120810.GetRecords")
    records = r.json()["Records"]
    assert [x["eventName"] for x in records] == ["INSERT", "REMOVE"]
    insert, remove = records
    assert "userIdentity" not in insert
    assert remove["userIdentity"] == SERVICE_IDENTITY
    assert set(remove) == {"eventID", "eventName", "eventVersion", "eventSource", "awsRegion",
                           "dynamodb", "userIdentity"}
    assert set(remove["dynamodb"]) == {"ApproximateCreationDateTime", "Keys", "SequenceNumber",
                                       "SizeBytes", "StreamViewType"} | images
    assert remove["dynamodb"]["Keys"] == {"pk": {"S": "k"}}
    assert remove["dynamodb"]["StreamViewType"] == view
    if images:
        assert remove["dynamodb"]["OldImage"] == expired
    c.delete_table(TableName=name)


def test_ttl_changes_racing_new_table_definitions(c, ttl_server):
    """TTL toggled while UpdateTable gives the table new definitions (index
    throughput changes): no change is lost or undone, and writes go on."""
    name = create(c, extra=[("g", "S")],
                  ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
                  BillingMode="PROVISIONED",
                  GlobalSecondaryIndexes=[{"IndexName": "gsi",
                                           "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                           "Projection": {"ProjectionType": "KEYS_ONLY"},
                                           "ProvisionedThroughput": {"ReadCapacityUnits": 1,
                                                                     "WriteCapacityUnits": 1}}])
    rounds = 150
    errors = []
    stop = threading.Event()

    def toggle():
        tc = make_client(ttl_server.endpoint)
        try:
            for i in range(rounds):
                update_ttl(tc, name, i % 2 == 0, "exp")
                tc.put_item(TableName=name, Item=item("w", i, g={"S": "G"}))
        except Exception as e:  # reported below
            errors.append(e)
        finally:
            stop.set()

    def redefine():
        uc = make_client(ttl_server.endpoint)
        try:
            for i in range(2, 10000):
                if stop.is_set():
                    return
                uc.update_table(TableName=name, GlobalSecondaryIndexUpdates=[{"Update": {
                    "IndexName": "gsi", "ProvisionedThroughput": {"ReadCapacityUnits": i,
                                                                  "WriteCapacityUnits": 1}}}])
        except Exception as e:
            errors.append(e)

    threads = [threading.Thread(target=toggle), threading.Thread(target=redefine)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    # the last change (round 149) disabled TTL
    assert describe(c, name) == {"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}}
    enable(c, name)
    c.put_item(TableName=name, Item=item("due", int(time.time()) - 10, g={"S": "G"}))
    wait_gone_items(c, name, ["due"])
    c.delete_table(TableName=name)


# --------------------------------------------------------------------------
# Turning TTL off, deleting the table


def test_disabling_stops_deletions_and_reenabling_resumes(c):
    name = create(c, ttl="exp")
    due = time.time() + 0.4
    c.put_item(TableName=name, Item=item("x", "%.3f" % due))
    c.put_item(TableName=name, Item=item("y", int(time.time()) + 3600))
    disable(c, name)
    # written while disabled: found by the fill once enabled again
    c.put_item(TableName=name, Item=item("z", int(time.time()) - 10))
    time.sleep(max(0, due - time.time()))
    idle_ticks()
    assert scan_keys(c, name) == {"x", "y", "z"}
    enable(c, name)
    wait_gone_items(c, name, ["x", "z"])
    # enabled on another attribute, the old one means nothing
    disable(c, name)
    enable(c, name, "other")
    c.put_item(TableName=name, Item=item("w", int(time.time()) - 10))
    c.put_item(TableName=name, Item=item("v", other={"N": str(int(time.time()) - 10)}))
    wait_gone_items(c, name, ["v"])
    idle_ticks()
    assert scan_keys(c, name) == {"y", "w"}
    c.delete_table(TableName=name)


def test_delete_table_with_ttl_and_due_items(c):
    name = create(c, ttl="exp", StreamSpecification={"StreamEnabled": True,
                                                     "StreamViewType": "OLD_IMAGE"})
    due = time.time() + 0.5
    load(c, name, [item("i%04d" % i, "%.3f" % (due + i / 1000.0)) for i in range(1000)])
    time.sleep(max(0, due + 0.3 - time.time()))
    c.delete_table(TableName=name)  # while the deleter is at work
    wait_gone(c, name)
    # a new table of the same name starts without TTL
    c.create_table(TableName=name, AttributeDefinitions=[{"AttributeName": "pk",
                                                          "AttributeType": "S"}],
                   KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                   BillingMode="PAY_PER_REQUEST")
    wait_active(c, name)
    assert describe(c, name) == {"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}}
    c.put_item(TableName=name, Item=item("old", int(time.time()) - 10))
    idle_ticks()
    assert get(c, name, "old") is not None
    enable(c, name)
    wait_gone_items(c, name, ["old"])
    c.delete_table(TableName=name)


# --------------------------------------------------------------------------
# Scale: the deleter goes by the expiry index


def test_many_items_fill_across_update_table_then_due_ones_go_promptly(c):
    """20,000 items stored before TTL is enabled, and a new definition of the
    table (an index added) while they are being looked at: none is lost.
    Then a few due items among them go promptly (within SETTLE)."""
    name = create(c)
    now = int(time.time())
    n = 20000
    old_due = {"n%05d" % i for i in range(7, n, 2500)}
    load(c, name, [item(pk, now - 60) if pk in old_due else
                   item(pk, now + 3600 + i) if i % 2 else item(pk)
                   for i, pk in enumerate("n%05d" % i for i in range(n))], threads=3)
    enable(c, name)
    c.update_table(TableName=name, AttributeDefinitions=[{"AttributeName": "g",
                                                          "AttributeType": "S"}],
                   GlobalSecondaryIndexUpdates=[{"Create": {
                       "IndexName": "by_g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                       "Projection": {"ProjectionType": "KEYS_ONLY"}}}])
    wait_gone_items(c, name, old_due, timeout=SETTLE + 5)
    assert item_count(c, name) == n - len(old_due)

    due = time.time() + 0.5
    pks = ["due%d" % i for i in range(5)]
    for pk in pks:
        c.put_item(TableName=name, Item=item(pk, "%.3f" % due, g={"S": "G"}))
    time.sleep(max(0, due - time.time()))
    wait_gone_items(c, name, pks, timeout=SETTLE)
    assert time.time() - due < SETTLE
    assert item_count(c, name) == n - len(old_due)
    assert c.query(TableName=name, IndexName="by_g", KeyConditionExpression="g = :g",
                   ExpressionAttributeValues={":g": {"S": "G"}})["Count"] == 0
    c.delete_table(TableName=name)


# --------------------------------------------------------------------------
# Restarts and kill -9


def test_restart_keeps_setting_index_and_cooldown(servers):
    srv = servers(cooldown=3600)
    c = make_client(srv.endpoint)
    name = create(c)
    now = time.time()
    # stored before enabling (found by the fill) and after
    c.put_item(TableName=name, Item=item("before", "%.3f" % (now + 1.5)))
    enable(c, name)
    c.put_item(TableName=name, Item=item("after", "%.3f" % (now + 1.5)))
    c.put_item(TableName=name, Item=item("kept", int(now) + 3600))
    assert srv.stop() == 0, srv.log_tail()

    srv = servers(cooldown=3600)
    c = make_client(srv.endpoint)
    assert describe(c, name) == {"TimeToLiveDescription": {"TimeToLiveStatus": "ENABLED",
                                                           "AttributeName": "exp"}}
    # the last change is remembered
    assert_error(update_ttl, "ValidationException", COOLDOWN, client=c, name=name,
                 enabled=False, attribute="exp")
    assert get(c, name, "before") is not None
    wait_gone_items(c, name, ["before", "after"], timeout=1.5 + SETTLE)
    c.put_item(TableName=name, Item=item("new", int(time.time()) - 1))
    wait_gone_items(c, name, ["new"])
    idle_ticks()
    assert scan_keys(c, name) == {"kept"}
    assert item_count(c, name) == 1
    assert srv.stop() == 0, srv.log_tail()


def test_kill_during_fill_then_restart(servers):
    srv = servers()
    c = make_client(srv.endpoint)
    name = create(c)
    now = int(time.time())
    n = 3000
    load(c, name, [item("i%05d" % i, now - 60 if i % 2 else now + 3600) for i in range(n)])
    enable(c, name)
    srv.kill()  # most likely before the fill is done

    srv = servers()
    c = make_client(srv.endpoint)
    assert describe(c, name)["TimeToLiveDescription"]["TimeToLiveStatus"] == "ENABLED"
    wait_until(lambda: item_count(c, name) == n // 2, SETTLE + 5, "deletion of the due half")
    assert scan_keys(c, name) == {"i%05d" % i for i in range(0, n, 2)}
    assert srv.stop() == 0, srv.log_tail()


def test_kill_9_while_deleting_leaves_each_item_whole(servers):
    """Items come due over one second; kill -9 in the middle.  Afterwards each
    item is either there (in the table and its GSI, without a REMOVE record)
    or gone everywhere with exactly one REMOVE record of the service."""
    srv = servers()
    c = make_client(srv.endpoint)
    name = create(c, extra=[("g", "S")], ttl="exp",
                  StreamSpecification={"StreamEnabled": True, "StreamViewType": "OLD_IMAGE"},
                  GlobalSecondaryIndexes=[{"IndexName": "gsi",
                                           "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                           "Projection": {"ProjectionType": "KEYS_ONLY"}}])
    n = 1500
    due = time.time() + 2.0
    expiry = {"i%05d" % i: due + i / float(n) for i in range(n)}
    load(c, name, [item(pk, "%.3f" % e, g={"S": "g%d" % (i % 7)})
                   for i, (pk, e) in enumerate(sorted(expiry.items()))])
    time.sleep(max(0, due + 0.5 - time.time()))
    killed_at = time.time()
    srv.kill()

    # a deleter period beyond the test: look at what the kill left
    srv = servers(delay=600)
    c = make_client(srv.endpoint)
    streams = make_streams_client(srv.endpoint)
    present = scan_keys(c, name)
    assert present < set(expiry), "the deleter had not started"
    assert {pk for pk, e in expiry.items() if e > killed_at} <= present
    assert scan_keys(c, name, IndexName="gsi") == present
    assert item_count(c, name) == len(present)
    records = stream_records(c, streams, name)
    assert sorted(r["dynamodb"]["Keys"]["pk"]["S"] for r in records
                  if r["eventName"] == "INSERT") == sorted(expiry)
    gone = removes(records)
    assert set(gone) == set(expiry) - present
    for pk, rs in gone.items():
        assert len(rs) == 1, pk
        assert rs[0]["userIdentity"] == SERVICE_IDENTITY
        assert Decimal(rs[0]["dynamodb"]["OldImage"]["exp"]["N"]) == Decimal("%.3f" % expiry[pk])
    assert srv.stop() == 0, srv.log_tail()

    # and the rest goes, once each
    srv = servers()
    c = make_client(srv.endpoint)
    streams = make_streams_client(srv.endpoint)
    wait_until(lambda: item_count(c, name) == 0, SETTLE, "deletion of the rest")
    assert scan_keys(c, name) == set()
    assert scan_keys(c, name, IndexName="gsi") == set()
    gone = removes(stream_records(c, streams, name))
    assert set(gone) == set(expiry)
    assert all(len(rs) == 1 and rs[0]["userIdentity"] == SERVICE_IDENTITY
               for rs in gone.values())
    assert srv.stop() == 0, srv.log_tail()
