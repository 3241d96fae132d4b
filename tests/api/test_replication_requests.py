"""The calls replicas of a global table make on each other
(DdbdReplication_20261130.ApplyChanges, .ApplyRecords, .SetGroup and .Settings) take a JSON body from
the network without the service's shape checks: every body that is not what
a replica sends (members missing, of any other JSON type at any depth, huge
or negative numbers, over-long or NUL-carrying strings, images that do not
fit the table, unknown tables, bytes that are not JSON) must be a 400 naming
what is wrong, with the server alive and nothing written: not even the
valid changes of a list holding a bad one.

The message texts are this server's own (the operations are not the
service's): "Invalid replication request: <member> is missing or not
valid"."""

import json

import pytest

from conftest import raw_request
from storedform import m_value, s_value, ss_value, stored_map, stored_members, varint

PREFIX = "DdbdReplication_20261130."
VAL = "ValidationException"


def call(port, op, body):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return raw_request(port, body=data, target=PREFIX + op)


def invalid(member):
    return "Invalid replication request: %s is missing or not valid" % member


@pytest.fixture
def table(make_table):
    """hash pk (S), range sk (N), a GSI on g (S): the image checks of every
    kind of key."""
    return make_table(range_key=("sk", "N"), extra_attributes=[("g", "S")],
                      GlobalSecondaryIndexes=[{
                          "IndexName": "by_g",
                          "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                          "Projection": {"ProjectionType": "ALL"}}])


def change(pk="a", sk="1", ts="1000", origin="eu-west-1", item=True, **extra):
    c = {"T": ts, "O": origin, "K": {"pk": {"S": pk}, "sk": {"N": sk}}}
    if item:
        c["I"] = {"pk": {"S": pk}, "sk": {"N": sk}, "g": {"S": "x"}, "v": {"N": "1"}}
    c.update(extra)
    return c


def contents(ddb, name):
    items = ddb.scan(TableName=name, ConsistentRead=True)["Items"]
    index = ddb.scan(TableName=name, IndexName="by_g")["Items"]
    key = lambda i: json.dumps(i, sort_keys=True)  # noqa: E731
    return sorted(items, key=key), sorted(index, key=key)


def test_a_valid_change_is_applied(port, ddb, table):
    """The control of the cases below: the same body, well formed, writes."""
    r = call(port, "ApplyChanges", {"TableName": table, "Changes": [change()]})
    assert (r.status, r.json()) == (200, {}), r.body
    items, index = contents(ddb, table)
    assert items == [{"pk": {"S": "a"}, "sk": {"N": "1"}, "g": {"S": "x"}, "v": {"N": "1"}}]
    assert index == items
    r = call(port, "ApplyChanges", {"TableName": table, "Changes": [
        change(ts="1001", item=False)]})
    assert (r.status, r.json()) == (200, {}), r.body
    assert contents(ddb, table) == ([], [])


def deep(levels=60):
    v = {"S": "x"}
    for _ in range(levels):
        v = {"M": {"a": v}}
    return v


BIG = 10 ** 400
# (name, body or a function of the table name giving it, member named)
APPLY_CASES = [
    ("empty", {}, "TableName"),
    ("name-number", {"TableName": 5, "Changes": []}, "TableName"),
    ("name-null", lambda t: {"TableName": None, "Changes": [change()]}, "TableName"),
    ("no-changes", lambda t: {"TableName": t}, "Changes"),
    ("changes-object", lambda t: {"TableName": t, "Changes": {"0": change()}}, "Changes"),
    ("changes-string", lambda t: {"TableName": t, "Changes": "x"}, "Changes"),
    ("change-string", lambda t: {"TableName": t, "Changes": ["x" * 64]}, "Changes[0]"),
    ("change-array", lambda t: {"TableName": t, "Changes": [[change(), 2, 3]]}, "Changes[0]"),
    ("change-null", lambda t: {"TableName": t, "Changes": [None]}, "Changes[0]"),
    ("change-number", lambda t: {"TableName": t, "Changes": [BIG]}, "Changes[0]"),
    ("ts-number", lambda t: {"TableName": t, "Changes": [change(ts=1000)]}, "Changes[0].T"),
    ("ts-huge", lambda t: {"TableName": t, "Changes": [change(ts="9" * 30)]}, "Changes[0].T"),
    ("ts-overflow", lambda t: {"TableName": t, "Changes": [change(ts="18446744073709551616")]},
     "Changes[0].T"),
    ("ts-negative", lambda t: {"TableName": t, "Changes": [change(ts="-1")]}, "Changes[0].T"),
    ("ts-space", lambda t: {"TableName": t, "Changes": [change(ts=" 1")]}, "Changes[0].T"),
    ("ts-junk", lambda t: {"TableName": t, "Changes": [change(ts="12x")]}, "Changes[0].T"),
    ("ts-empty", lambda t: {"TableName": t, "Changes": [change(ts="")]}, "Changes[0].T"),
    ("ts-nul", lambda t: {"TableName": t, "Changes": [change(ts="1\u00002")]}, "Changes[0].T"),
    ("ts-missing", lambda t: {"TableName": t, "Changes": [
        {k: v for k, v in change().items() if k != "T"}]}, "Changes[0].T"),
    ("origin-missing", lambda t: {"TableName": t, "Changes": [
        {k: v for k, v in change().items() if k != "O"}]}, "Changes[0].O"),
    ("origin-empty", lambda t: {"TableName": t, "Changes": [change(origin="")]}, "Changes[0].O"),
    ("origin-long", lambda t: {"TableName": t, "Changes": [change(origin="r" * 65)]},
     "Changes[0].O"),
    ("origin-nul", lambda t: {"TableName": t, "Changes": [change(origin="eu\u0000x")]},
     "Changes[0].O"),
    ("origin-list", lambda t: {"TableName": t, "Changes": [change(origin=["eu-west-1"])]},
     "Changes[0].O"),
    ("key-missing", lambda t: {"TableName": t, "Changes": [
        {k: v for k, v in change().items() if k != "K"}]}, "Changes[0].K"),
    ("key-list", lambda t: {"TableName": t, "Changes": [change(K=[{"pk": {"S": "a"}}])]},
     "Changes[0].K"),
    ("key-value-string", lambda t: {"TableName": t, "Changes": [change(K={"pk": "a"})]},
     "Changes[0].K"),
    ("key-bad-tag", lambda t: {"TableName": t, "Changes": [change(K={"pk": {"Q": "a"}})]},
     "Changes[0].K"),
    ("key-bad-number", lambda t: {"TableName": t, "Changes": [
        change(K={"pk": {"S": "a"}, "sk": {"N": "1e400"}})]}, "Changes[0].K"),
    ("key-s-number", lambda t: {"TableName": t, "Changes": [change(K={"pk": {"S": 1}})]},
     "Changes[0].K"),
    ("image-list", lambda t: {"TableName": t, "Changes": [change(I=[])]}, "Changes[0].I"),
    ("image-null", lambda t: {"TableName": t, "Changes": [change(I=None)]}, "Changes[0].I"),
    ("image-bad-number", lambda t: {"TableName": t, "Changes": [
        change(I={"pk": {"S": "a"}, "sk": {"N": "abc"}})]}, "Changes[0].I"),
    ("image-deep", lambda t: {"TableName": t, "Changes": [
        change(I={"pk": {"S": "a"}, "sk": {"N": "1"}, "d": deep()})]}, "Changes[0].I"),
    # images that do not fit the table under the change's key
    ("image-other-key", lambda t: {"TableName": t, "Changes": [
        change(I={"pk": {"S": "b"}, "sk": {"N": "1"}})]}, "Changes[0].I"),
    ("image-other-sort-key", lambda t: {"TableName": t, "Changes": [
        change(I={"pk": {"S": "a"}, "sk": {"N": "2"}})]}, "Changes[0].I"),
    ("image-without-key", lambda t: {"TableName": t, "Changes": [
        change(I={"v": {"S": "x"}})]}, "Changes[0].I"),
    ("image-index-key-type", lambda t: {"TableName": t, "Changes": [
        change(I={"pk": {"S": "a"}, "sk": {"N": "1"}, "g": {"N": "5"}})]}, "Changes[0].I"),
    ("image-index-key-empty", lambda t: {"TableName": t, "Changes": [
        change(I={"pk": {"S": "a"}, "sk": {"N": "1"}, "g": {"S": ""}})]}, "Changes[0].I"),
    ("image-empty-key", lambda t: {"TableName": t, "Changes": [
        change(pk="", I={"pk": {"S": ""}, "sk": {"N": "1"}})]}, "Changes[0].I"),
    ("image-too-large", lambda t: {"TableName": t, "Changes": [
        change(I={"pk": {"S": "a"}, "sk": {"N": "1"}, "v": {"S": "x" * (400 * 1024)}})]},
     "Changes[0].I"),
    # a bad change anywhere in the list: none of the list is applied
    ("second-bad", lambda t: {"TableName": t, "Changes": [change(), change(pk="c", ts=None)]},
     "Changes[1].T"),
    ("last-image-bad", lambda t: {"TableName": t, "Changes": [
        change(), change(pk="b"), change(pk="c", I={"pk": {"S": "d"}, "sk": {"N": "1"}})]},
     "Changes[2].I"),
]


@pytest.mark.parametrize("name,body,member", APPLY_CASES, ids=[c[0] for c in APPLY_CASES])
def test_hostile_apply_changes(port, ddb, server, table, name, body, member):
    before = contents(ddb, table)
    r = call(port, "ApplyChanges", body(table) if callable(body) else body)
    assert r.status == 400, r.body
    assert (r.error_type, r.json().get("message")) == (VAL, invalid(member)), r.body
    assert server.alive()
    assert contents(ddb, table) == before


def test_apply_changes_to_an_unknown_table(port, ddb, server):
    r = call(port, "ApplyChanges", {"TableName": "no-such-table", "Changes": [change()]})
    assert r.status == 400, r.body
    assert r.error_type == "ResourceNotFoundException"
    assert r.json()["message"] == "Requested resource not found: Table: no-such-table not found"


def test_a_key_of_another_schema_is_skipped(port, ddb, table):
    """A change whose key is not the table's (a table of that name with
    another key schema in the sending region) writes nothing."""
    r = call(port, "ApplyChanges", {"TableName": table, "Changes": [
        {"T": "5", "O": "eu-west-1", "K": {"id": {"S": "a"}}, "I": {"id": {"S": "a"}}},
        {"T": "5", "O": "eu-west-1", "K": {"pk": {"N": "1"}, "sk": {"N": "1"}},
         "I": {"pk": {"N": "1"}, "sk": {"N": "1"}}}]})
    assert (r.status, r.json()) == (200, {}), r.body
    assert contents(ddb, table) == ([], [])


SET_GROUP_CASES = [
    ("empty", {}, "TableName"),
    ("name-object", {"TableName": {"S": "x"}, "Members": []}, "TableName"),
    ("no-members", lambda t: {"TableName": t}, "Members"),
    ("members-object", lambda t: {"TableName": t, "Members": {}}, "Members"),
    ("member-string", lambda t: {"TableName": t, "Members": ["A" * 100]}, "Members[0]"),
    ("member-array", lambda t: {"TableName": t, "Members": [
        [{"RegionName": "us-east-1", "ReplicaStatus": "ACTIVE"}]]}, "Members[0]"),
    ("member-number", lambda t: {"TableName": t, "Members": [BIG]}, "Members[0]"),
    ("region-missing", lambda t: {"TableName": t, "Members": [{"ReplicaStatus": "ACTIVE"}]},
     "Members[0].RegionName"),
    ("region-number", lambda t: {"TableName": t, "Members": [
        {"RegionName": 1, "ReplicaStatus": "ACTIVE"}]}, "Members[0].RegionName"),
    ("region-empty", lambda t: {"TableName": t, "Members": [
        {"RegionName": "", "ReplicaStatus": "ACTIVE"}]}, "Members[0].RegionName"),
    ("region-nul", lambda t: {"TableName": t, "Members": [
        {"RegionName": "us-east-1\u0000x", "ReplicaStatus": "ACTIVE"}]},
     "Members[0].RegionName"),
    ("status-missing", lambda t: {"TableName": t, "Members": [{"RegionName": "us-east-1"}]},
     "Members[0].ReplicaStatus"),
    ("status-true", lambda t: {"TableName": t, "Members": [
        {"RegionName": "us-east-1", "ReplicaStatus": True}]}, "Members[0].ReplicaStatus"),
    ("overrides-string", lambda t: {"TableName": t, "Members": [
        {"RegionName": "us-east-1", "ReplicaStatus": "ACTIVE", "Overrides": "{}"}]},
     "Members[0].Overrides"),
    ("overrides-array", lambda t: {"TableName": t, "Members": [
        {"RegionName": "eu-west-1", "ReplicaStatus": "ACTIVE", "Overrides": [{}]}]},
     "Members[0].Overrides"),
    ("second-bad", lambda t: {"TableName": t, "Members": [
        {"RegionName": "us-east-1", "ReplicaStatus": "ACTIVE"},
        {"RegionName": "eu-west-1", "ReplicaStatus": None}]}, "Members[1].ReplicaStatus"),
]


@pytest.mark.parametrize("name,body,member", SET_GROUP_CASES,
                         ids=[c[0] for c in SET_GROUP_CASES])
def test_hostile_set_group(port, ddb, server, table, name, body, member):
    before = ddb.describe_table(TableName=table)["Table"]
    r = call(port, "SetGroup", body(table) if callable(body) else body)
    assert r.status == 400, r.body
    assert (r.error_type, r.json().get("message")) == (VAL, invalid(member)), r.body
    assert server.alive()
    after = ddb.describe_table(TableName=table)["Table"]
    assert "Replicas" not in after
    assert after == before


def test_set_group_of_an_unknown_table(port, server):
    r = call(port, "SetGroup", {"TableName": "no-such-table", "Members": []})
    assert r.status == 400, r.body
    assert r.error_type == "ResourceNotFoundException"


JUNK = [b"", b"\x00\xff\xfe garbage", b"[1,2,3]", b"\"TableName\"", b"{\"TableName\":",
        b"{" * 100000, b"1e99999", b"null", b"{\"TableName\":\"t\",\"Changes\":[" + b"[" * 5000]


@pytest.mark.parametrize("op", ["ApplyChanges", "SetGroup"])
@pytest.mark.parametrize("junk", JUNK, ids=range(len(JUNK)))
def test_bodies_that_are_not_json_objects(port, server, op, junk):
    r = call(port, op, junk)
    assert r.status == 400, r.body
    assert r.error_type in ("SerializationException", VAL), r.body
    assert server.alive()


# --------------------------------------------------------------------------
# .Settings: a settings change made in another region, applied as the
# public operation would apply it.  The inner request gets the public
# operation's shape checks, so a malformed one answers exactly what the
# public operation answers, and changes nothing.

SETTINGS_BODIES = [
    {"TableName": 5},
    {"TableName": None, "BillingMode": "PAY_PER_REQUEST"},
    {"BillingMode": "PAY_PER_REQUEST"},
    {"TableName": "@T", "BillingMode": ["PAY_PER_REQUEST"]},
    {"TableName": "@T", "ProvisionedThroughput": "lots"},
    {"TableName": "@T", "ProvisionedThroughput": {"ReadCapacityUnits": "x",
                                                  "WriteCapacityUnits": 1}},
    {"TableName": "@T", "GlobalSecondaryIndexUpdates": {"Delete": {"IndexName": "by_g"}}},
    {"TableName": "@T", "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": 7}}]},
    {"TableName": "@T", "GlobalSecondaryIndexUpdates": [None]},
    {"TableName": "@T", "StreamSpecification": {"StreamEnabled": "yes"}},
    {"TableName": "@T", "AttributeDefinitions": [{"AttributeName": {"S": "g"}}]},
]
TTL_BODIES = [
    {"TableName": "@T"},
    {"TableName": "@T", "TimeToLiveSpecification": None},
    {"TableName": "@T", "TimeToLiveSpecification": {"Enabled": "true", "AttributeName": "e"}},
    {"TableName": "@T", "TimeToLiveSpecification": {"Enabled": True, "AttributeName": ["e"]}},
]


def with_table(body, name):
    return {k: (name if v == "@T" else v) for k, v in body.items()}


@pytest.mark.parametrize("operation,body", [("UpdateTable", b) for b in SETTINGS_BODIES] +
                         [("UpdateTimeToLive", b) for b in TTL_BODIES])
def test_settings_with_a_malformed_request_answers_as_the_public_operation(
        port, ddb, table, operation, body):
    body = with_table(body, table)
    before = ddb.describe_table(TableName=table)["Table"]
    public = raw_request(port, body=json.dumps(body).encode(),
                         target="DynamoDB_20120810." + operation)
    assert public.status == 400, public.body
    r = call(port, "Settings", {"Operation": operation, "Request": body})
    assert (r.status, r.error_type, r.error_message) == (
        public.status, public.error_type, public.error_message), r.body
    assert ddb.describe_table(TableName=table)["Table"] == before


@pytest.mark.parametrize("body,member", [
    ({}, "Operation"), ({"Operation": "UpdateTable"}, "Request"),
    ({"Operation": "UpdateTable", "Request": None}, "Request"),
    ({"Operation": "UpdateTable", "Request": []}, "Request"),
    ({"Operation": 1, "Request": {}}, "Operation"),
    ({"Operation": None, "Request": {}}, "Operation"),
    ({"Operation": "DeleteTable", "Request": {"TableName": "@T"}}, "Operation"),
    ({"Operation": "PutItem", "Request": {"TableName": "@T", "Item": {}}}, "Operation")])
def test_settings_of_no_settings_operation_is_refused(port, ddb, table, body, member):
    if isinstance(body.get("Request"), dict):
        body = dict(body, Request=with_table(body["Request"], table))
    r = call(port, "Settings", body)
    assert (r.status, r.error_type, r.error_message) == (400, VAL, invalid(member)), r.body
    assert ddb.describe_table(TableName=table)["Table"]["TableStatus"] == "ACTIVE"
    assert ddb.scan(TableName=table)["Items"] == []


# --- ApplyRecords: the changes as the source's change log stores them ---------------------
# A body of bytes (Content-Type application/octet-stream): varint length and table name, varint
# length and origin region, then per record varint sequence | varint length | record.  A record:
# u8 format (1) | u8 event | u8 flags (2: a new image) | varint time | keys | [image], each map
# as a stored item (varint size, varint count, then per attribute varint name length, name,
# tag, payload).
BYTES = "application/octet-stream"


def record(pk, item=None, fmt=1):
    keys = stored_map({"pk": pk})
    flags = 2 if item is not None else 0
    event = 1 if item is not None else 3
    return (bytes([fmt, event, flags]) + varint(1) + keys +
            (stored_map(item) if item is not None else b""))


def typed_record(keys, item):
    """A record of a put whose key and image are (name, encoded value) pairs."""
    return bytes([1, 1, 2]) + varint(1) + stored_members(keys) + stored_members(item)


def shipment(*records):
    out = b""
    for seq, r in records:
        out += varint(seq) + varint(len(r)) + r
    return out


def text(s):
    b = s.encode() if isinstance(s, str) else s
    return varint(len(b)) + b


def records_body(table, raw, origin="eu-west-1"):
    return text(table) + text(origin) + raw


def apply_records(port, body, content_type=BYTES):
    return raw_request(port, body=body, target=PREFIX + "ApplyRecords",
                       content_type=content_type)


def test_records_are_applied(port, ddb, make_table):
    t = make_table()
    r = apply_records(port, records_body(t, shipment(
        (1000, record("a", {"pk": "a", "v": "1"})), (1000, record("b", {"pk": "b", "v": "2"})))))
    assert (r.status, r.json()) == (200, {}), r.body
    items = ddb.scan(TableName=t, ConsistentRead=True)["Items"]
    assert sorted(i["pk"]["S"] for i in items) == ["a", "b"]
    # last writer wins as with ApplyChanges: an older change of b is dropped, a newer removal
    # of a applied
    r = apply_records(port, records_body(t, shipment(
        (999, record("b", {"pk": "b", "v": "old"})), (1001, record("a")))))
    assert (r.status, r.json()) == (200, {}), r.body
    items = ddb.scan(TableName=t, ConsistentRead=True)["Items"]
    assert items == [{"pk": {"S": "b"}, "v": {"S": "2"}}]
    r = apply_records(port, records_body(t, b""))
    assert (r.status, r.json()) == (200, {}), r.body


def test_records_of_an_unknown_table(port):
    r = apply_records(port, records_body("no-such-table", shipment((5, record("a", {"pk": "a"})))))
    assert r.status == 400 and r.error_type == "ResourceNotFoundException", r.body


def test_records_only_as_bytes(port, make_table):
    """ApplyRecords takes a body of bytes only; a JSON one is an unknown
    operation, as any call under a Content-Type the call does not take."""
    t = make_table()
    r = apply_records(port, records_body(t, shipment((5, record("a", {"pk": "a"})))),
                      content_type="application/x-amz-json-1.0")
    assert (r.status, r.error_type) == (404, "UnknownOperationException"), r.body
    r = raw_request(port, body={"TableName": t, "Changes": []}, target=PREFIX + "ApplyChanges",
                    content_type=BYTES)
    assert (r.status, r.error_type) == (404, "UnknownOperationException"), r.body


RECORD_CASES = [
    ("empty-body", lambda t: b"", "TableName"),
    ("name-cut-short", lambda t: text(t)[:-1], "TableName"),
    ("name-with-nul", lambda t: text(t + "\0x") + text("eu-west-1"), "TableName"),
    ("no-origin", lambda t: text(t), "Origin"),
    ("empty-origin", lambda t: text(t) + text(""), "Origin"),
    ("long-origin", lambda t: records_body(t, shipment((5, record("a", {"pk": "a"}))), "x" * 65),
     "Origin"),
    ("cut-short", lambda t: records_body(t, shipment((5, record("a", {"pk": "a"})))[:-3]),
     "Records[0]"),
    ("length-past-end", lambda t: records_body(
        t, shipment((5, record("a", {"pk": "a"}))) + varint(6) + varint(100) + b"\x01"),
     "Records[1]"),
    ("unknown-format", lambda t: records_body(t, shipment(
        (5, record("a", {"pk": "a"})), (6, record("b", {"pk": "b"}, fmt=9)))), "Records[1]"),
    ("trailing-bytes", lambda t: records_body(
        t, shipment((5, record("a", {"pk": "a"}) + b"\x00"))), "Records[0]"),
    ("no-key", lambda t: records_body(t, shipment(
        (5, b"\x01\x01\x02\x01" + varint(0) + varint(0) + stored_map({"pk": "a"})))),
     "Records[0]"),
    ("image-of-another-key", lambda t: records_body(t, shipment(
        (5, record("a", {"pk": "a"})), (6, record("b", {"pk": "c"})))), "Records[1]"),
    ("empty-key", lambda t: records_body(t, shipment((5, record("", {"pk": ""})))),
     "Records[0]"),
    # what a request's JSON cannot hold: a peer's bytes may not hold it either (answers name
    # what they hold, and the items go out as JSON)
    ("name-not-utf8", lambda t: text(b"\xff" + t.encode()) + text("eu-west-1"), "TableName"),
    ("origin-not-utf8", lambda t: records_body(
        t, shipment((5, record("a", {"pk": "a"}))), b"eu-\xc3"), "Origin"),
    ("key-not-utf8", lambda t: records_body(t, shipment((5, typed_record(
        [("pk", s_value(b"\xed\xa0\x80"))], [("pk", s_value(b"\xed\xa0\x80"))])))),
     "Records[0]"),
    ("string-not-utf8", lambda t: records_body(t, shipment((5, typed_record(
        [("pk", s_value("a"))], [("pk", s_value("a")), ("v", s_value(b"ok\xff"))])))),
     "Records[0]"),
    ("name-of-attribute-not-utf8", lambda t: records_body(t, shipment((5, typed_record(
        [("pk", s_value("a"))], [("pk", s_value("a")), (b"\xc0\xaf", s_value("x"))])))),
     "Records[0]"),
    ("nested-string-not-utf8", lambda t: records_body(t, shipment((5, typed_record(
        [("pk", s_value("a"))],
        [("pk", s_value("a")), ("m", m_value([("x", s_value(b"\xf4\x90\x80\x80"))]))])))),
     "Records[0]"),
    ("set-member-not-utf8", lambda t: records_body(t, shipment((5, typed_record(
        [("pk", s_value("a"))], [("pk", s_value("a")), ("s", ss_value([b"x", b"\x80"]))])))),
     "Records[0]"),
    ("empty-set", lambda t: records_body(t, shipment((5, typed_record(
        [("pk", s_value("a"))], [("pk", s_value("a")), ("s", ss_value([]))])))), "Records[0]"),
    ("set-with-a-duplicate", lambda t: records_body(t, shipment((5, typed_record(
        [("pk", s_value("a"))], [("pk", s_value("a")), ("s", ss_value(["x", "y", "x"]))])))),
     "Records[0]"),
    ("attribute-twice", lambda t: records_body(t, shipment((5, typed_record(
        [("pk", s_value("a"))], [("pk", s_value("a")), ("v", s_value("1")),
                                 ("v", s_value("2"))])))), "Records[0]"),
    ("nested-name-twice", lambda t: records_body(t, shipment((5, typed_record(
        [("pk", s_value("a"))],
        [("pk", s_value("a")), ("m", m_value([("x", s_value("1")), ("x", s_value("1"))]))])))),
     "Records[0]"),
    ("key-twice", lambda t: records_body(t, shipment((5, typed_record(
        [("pk", s_value("a")), ("pk", s_value("b"))], [("pk", s_value("a"))])))), "Records[0]"),
]


@pytest.mark.parametrize("name,body,member", RECORD_CASES, ids=[c[0] for c in RECORD_CASES])
def test_hostile_apply_records(port, ddb, server, make_table, name, body, member):
    t = make_table()
    r = apply_records(port, body(t))
    assert r.status == 400, r.body
    assert (r.error_type, r.json().get("message")) == (VAL, invalid(member)), r.body
    assert server.alive()
    assert ddb.scan(TableName=t, ConsistentRead=True)["Items"] == []
