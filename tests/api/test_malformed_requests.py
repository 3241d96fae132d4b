"""Malformed requests, exhaustively: for every operation, take the valid
requests of the fuzzer's seed corpus (fuzz/seeds/fuzz_request: together
they use every request member of the service model), and for every member
path at every depth (object members and array elements, inside
AttributeValues too) send the request with that node removed, set to null,
and replaced by each JSON type (string, integer, decimal, true, false, [],
{}, a deep structure).

Every answer must be the service's: status 200 or 400, a JSON object body,
an error `__type` the service uses for such a request (never
InternalServerError) with a message, and the server alive afterwards.  A
null member must be answered as an absent one.  Where the service model
gives the member's type, a value of another JSON type must be a
SerializationException, with the service's text where it is known
(errors.md, "Serialization (JSON type) failures"); a member the model
requires, left out, must be the one constraint violation "Value null at
'<path>' ... Member must not be null" with its path as the service prints
it.

The DynamoDB Streams operations are checked against their own model, with
the stream identifiers of the seeds (placeholders such as @STREAM_ARN@)
replaced by live ones of the fixture table with a stream.

The requests go over one keep-alive connection per operation, with the
headers an SDK sends.
"""

import copy
import http.client
import json
import re
import time
from pathlib import Path

import botocore.loaders
import pytest

import newermodel
from conftest import FAKE_AUTH, raw_call, unique_name, wait_active
from streamhelp import STREAMS_TARGET, raw_streams

SEED_DIR = Path(__file__).resolve().parents[2] / "fuzz" / "seeds" / "fuzz_request"

STREAMS_OPERATIONS = ["ListStreams", "DescribeStream", "GetShardIterator", "GetRecords"]
OPERATIONS = ["CreateTable", "DeleteTable", "DescribeTable", "ListTables", "UpdateTable",
              "PutItem", "GetItem", "DeleteItem", "UpdateItem", "BatchGetItem",
              "BatchWriteItem", "TransactWriteItems", "TransactGetItems", "Query", "Scan",
              "ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction",
              "UpdateTimeToLive", "DescribeTimeToLive", "TagResource",
              "UntagResource", "ListTagsOfResource", "PutResourcePolicy", "GetResourcePolicy",
              "DeleteResourcePolicy", "DescribeEndpoints", "DescribeLimits", "CreateBackup",
              "DescribeBackup", "DeleteBackup", "ListBackups",
              "RestoreTableFromBackup", "UpdateContinuousBackups", "DescribeContinuousBackups",
              "RestoreTableToPointInTime", "ExportTableToPointInTime", "DescribeExport",
              "ListExports", "ImportTable", "DescribeImport", "ListImports",
              "UpdateContributorInsights", "DescribeContributorInsights",
              "ListContributorInsights", "CreateGlobalTable", "UpdateGlobalTable",
              "DescribeGlobalTable", "ListGlobalTables", "DescribeGlobalTableSettings",
              "UpdateGlobalTableSettings", "DescribeTableReplicaAutoScaling",
              "UpdateTableReplicaAutoScaling"] + STREAMS_OPERATIONS
READ_ONLY = {"DescribeTable", "ListTables", "GetItem", "BatchGetItem", "TransactGetItems",
             "Query", "Scan", "DescribeTimeToLive", "ListTagsOfResource",
             "DescribeEndpoints", "DescribeLimits", "DescribeBackup",
             "ListBackups", "DescribeContinuousBackups", "DescribeExport",
             "ListExports", "DescribeImport", "ListImports", "DescribeContributorInsights",
             "ListContributorInsights", "DescribeGlobalTable", "ListGlobalTables",
             "DescribeGlobalTableSettings", "DescribeTableReplicaAutoScaling"} | set(
                 STREAMS_OPERATIONS)
# Members this server refuses as not implemented yet: whatever they hold,
# the answer is that refusal, so their paths say nothing.
UNSUPPORTED_SEEDS = {"UpdateTable-replicas", "UpdateTable-sse"}

# Operations answered without the service's shape checks yet (the 2017.11.29
# global table operations, refused or naming an unknown global table, and
# replica auto scaling): only that every answer is a well-formed 400 or 200
# of a known type, with the server alive, is checked of them.
SHAPES_UNCHECKED = {"CreateGlobalTable", "UpdateGlobalTable", "DescribeGlobalTable",
                    "ListGlobalTables", "DescribeGlobalTableSettings",
                    "UpdateGlobalTableSettings", "DescribeTableReplicaAutoScaling",
                    "UpdateTableReplicaAutoScaling"}

SER = "SerializationException"
VAL = "ValidationException"
# Error types a request can earn without any mistake in its JSON shape.
SEMANTIC = {VAL, "ResourceNotFoundException", "ResourceInUseException",
            "ConditionalCheckFailedException", "TransactionCanceledException",
            "LimitExceededException", "IdempotentParameterMismatchException",
            "ItemCollectionSizeLimitExceededException", "ExpiredIteratorException",
            "TrimmedDataAccessException", "AccessDeniedException", "PolicyNotFoundException",
            "TableNotFoundException", "TableAlreadyExistsException", "TableInUseException",
            "BackupNotFoundException", "BackupInUseException",
            "ContinuousBackupsUnavailableException", "PointInTimeRecoveryUnavailableException",
            "InvalidRestoreTimeException", "InvalidExportTimeException", "ExportConflictException",
            "ExportNotFoundException", "ImportConflictException", "ImportNotFoundException",
            "GlobalTableNotFoundException"}
MESSAGE_FIELD = {SER: "Message", "AccessDeniedException": "Message", "TransactionCanceledException": "Message",
                 "IdempotentParameterMismatchException": "Message"}

# The fixtures of the seeds, as the fuzzer creates them (fuzz_request.c);
# fz_s also has TTL on "exp".
FIXTURES = {
    "fz_s": dict(AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                 KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                 BillingMode="PAY_PER_REQUEST",
                 StreamSpecification={"StreamEnabled": True,
                                      "StreamViewType": "NEW_AND_OLD_IMAGES"}),
    "fz_nb": dict(AttributeDefinitions=[{"AttributeName": "h", "AttributeType": "N"},
                                        {"AttributeName": "r", "AttributeType": "B"},
                                        {"AttributeName": "g", "AttributeType": "S"}],
                  KeySchema=[{"AttributeName": "h", "KeyType": "HASH"},
                             {"AttributeName": "r", "KeyType": "RANGE"}],
                  GlobalSecondaryIndexes=[{
                      "IndexName": "gnb", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                      "Projection": {"ProjectionType": "ALL"},
                      "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}}],
                  ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}),
    "fz_idx": dict(
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": t} for n, t in
                              [("pk", "S"), ("sk", "N"), ("ls", "S"), ("gh", "S"), ("gr", "N"),
                               ("gb", "B")]],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
        LocalSecondaryIndexes=[{
            "IndexName": "lsi", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                              {"AttributeName": "ls", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"}}],
        GlobalSecondaryIndexes=[
            {"IndexName": "gsi", "KeySchema": [{"AttributeName": "gh", "KeyType": "HASH"},
                                               {"AttributeName": "gr", "KeyType": "RANGE"}],
             "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["a"]}},
            {"IndexName": "gsik", "KeySchema": [{"AttributeName": "gb", "KeyType": "HASH"}],
             "Projection": {"ProjectionType": "KEYS_ONLY"}},
            {"IndexName": "gmk", "KeySchema": [
                {"AttributeName": n, "KeyType": t}
                for n, t in [("gh", "HASH"), ("gb", "HASH"), ("gr", "RANGE"), ("ls", "RANGE")]],
             "Projection": {"ProjectionType": "KEYS_ONLY"}}],
        BillingMode="PAY_PER_REQUEST"),
    "fz_b": dict(AttributeDefinitions=[{"AttributeName": "b", "AttributeType": "B"}],
                 KeySchema=[{"AttributeName": "b", "KeyType": "HASH"}],
                 ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}),
}
# Seeds of read-only operations that name what does not exist.
EXPECTED_TO_FAIL = {"DescribeTable-missing", "GetResourcePolicy-table", "DescribeBackup-unknown",
                   "DescribeExport-unknown", "DescribeImport-unknown",
                   # no table is a global table of version 2017.11.29, nor has auto scaling
                   "DescribeGlobalTable-legacy", "DescribeGlobalTableSettings-legacy",
                   "DescribeTableReplicaAutoScaling-fixture",
                   # the fuzz target's import makes this table; no import runs here
                   "Scan-imported",
                   # the fuzz target's own backup and export (@BACKUP_ARN@,
                   # @EXPORT_ARN@): none here
                   "DescribeBackup-fixture", "DescribeExport-fixture"}
# Tables the seeds create (CreateTable) or expect to be missing.
CREATED = ["fz_new", "fz_new2", "fz_new3", "fz_new4"]


def deep(levels=20):
    v = {}
    for _ in range(levels):
        v = {"a": [v]}
    return v


# name -> replacement (REMOVED: the member or element is left out)
REMOVED = object()
VARIANTS = [("removed", REMOVED), ("null", None), ("string", "x"), ("integer", 7),
            ("decimal", 1.5), ("true", True), ("false", False), ("list", []), ("object", {}),
            ("deep", deep())]

# --- the service models -------------------------------------------------------------

_LOADER = botocore.loaders.Loader()
_MODEL = _LOADER.load_service_model("dynamodb", "service-2")
_STREAMS_MODEL = _LOADER.load_service_model("dynamodbstreams", "service-2")
# DescribeStream's ShardFilter is newer than the installed model: its shape
# as the service documents it (two optional strings).
_STREAMS_MODEL["shapes"].setdefault("ShardFilter", {"type": "structure", "members": {
    "Type": {"shape": "ShardFilterType"}, "ShardId": {"shape": "ShardId"}}})
_STREAMS_MODEL["shapes"].setdefault("ShardFilterType", {"type": "string",
                                                        "enum": ["CHILD_SHARDS"]})
_STREAMS_MODEL["shapes"]["DescribeStreamInput"]["members"].setdefault(
    "ShardFilter", {"shape": "ShardFilter"})


# The resource-policy operations are newer than that model.
_NEWER_MODEL = newermodel.extended_model()
# Absent members whose answer is a text of the operation, not the model's
# "must not be null" (the service checks a tag's key and value itself).
ABSENT_TEXTS = {("TagResource", "Key"): "The Tag Key provided is invalid, Key: null",
                ("TagResource", "Value"): "The Tag Value provided is invalid, Value: null"}


def model_of(op):
    if op in STREAMS_OPERATIONS:
        return _STREAMS_MODEL
    return _MODEL if op in _MODEL["operations"] else _NEWER_MODEL


def shapes_of(op):
    return model_of(op)["shapes"]


def shape_at(op, path):
    """The model shape name of a member path (keys and indexes), or None
    when the model does not know it.  Inside an AttributeValue the shapes
    of its members (S: string, B: blob, M: map...) follow the model too."""
    name = model_of(op)["operations"][op]["input"]["shape"]
    shapes = shapes_of(op)
    for step in path:
        shape = shapes[name]
        if shape["type"] == "structure":
            if not isinstance(step, str) or step not in shape["members"]:
                return None
            name = shape["members"][step]["shape"]
        elif shape["type"] == "list":
            if not isinstance(step, int):
                return None
            name = shape["member"]["shape"]
        elif shape["type"] == "map":
            if not isinstance(step, str):
                return None
            name = shape["value"]["shape"]
        else:
            return None
    return name


def parent_kind(op, path):
    if not path:
        return None
    name = shape_at(op, path[:-1])
    return shapes_of(op)[name]["type"] if name else None


def expected_serialization(op, path, variant):
    """(True, message or None) when the service answers a
    SerializationException for this replacement; (False, None) when the
    model does not say."""
    name = shape_at(op, path)
    if name is None or variant in ("removed", "null"):
        return False, None
    kind = shapes_of(op)[name]["type"]
    if name == "AttributeValue":
        kind = "attribute"
    scalar = variant in ("string", "integer", "decimal", "true", "false")
    token = {"string": "STRING_VALUE", "integer": "NUMBER_VALUE", "decimal": "DECIMAL_VALUE",
             "true": "TRUE_VALUE", "false": "FALSE_VALUE"}.get(variant)
    start_of_object = "Start of structure or map found where not expected"
    if kind == "string":
        if variant == "string":
            return False, None
        if variant in ("object", "deep"):
            return True, start_of_object
        return True, (token + " cannot be converted to String") if scalar else None
    if kind == "boolean":
        if variant in ("true", "false"):
            return False, None
        if variant in ("object", "deep"):
            return True, start_of_object
        return True, (token + " cannot be converted to Boolean") if scalar else None
    if kind in ("integer", "long"):
        if variant in ("integer", "decimal"):
            return False, None
        if variant in ("object", "deep"):
            return True, start_of_object
        java = "Integer" if kind == "integer" else "Long"
        return True, (token + " cannot be converted to " + java) if scalar else None
    if kind == "blob":
        if variant == "string":
            return True, "Base64 encoded length is expected a multiple of 4 bytes but found: 1"
        if variant in ("object", "deep"):
            return True, start_of_object
        return True, "only base-64-encoded strings are convertible to bytes" if scalar else None
    if kind == "list":
        if variant == "list":
            return False, None
        if variant in ("object", "deep"):
            return True, start_of_object
        # a list that is a map's value deserialises differently (text unknown)
        return True, "Unexpected field type" if parent_kind(op, path) != "map" else None
    # An AttributeValue that is a member of a structure (Expected.x.Value)
    # is read as a structure; one in a map or a list as a value.
    if kind in ("map", "structure", "attribute"):
        if variant in ("object", "deep"):
            return False, None
        if not scalar:
            return True, None
        if kind == "attribute" and parent_kind(op, path) != "structure":
            return True, "Unexpected value type in payload"
        # a map that is a list's element deserialises differently (text unknown)
        return True, "Unexpected field type" if parent_kind(op, path) != "list" else None
    return False, None


def required_member(op, path):
    """Whether path names a member the model requires of its structure."""
    name = shape_at(op, path[:-1]) if path else None
    shapes = shapes_of(op)
    if name is None or name == "AttributeValue" or shapes[name]["type"] != "structure":
        return False
    return path[-1] in shapes[name].get("required", [])


def constraint_path(op, path):
    """A member path as the service prints it in constraint messages:
    members lower camel case, list elements and map values as
    "<index from 1>.member" and "<key>.member"."""
    out = []
    for i, step in enumerate(path):
        kind = shapes_of(op)[shape_at(op, path[:i])]["type"]
        if kind == "structure":
            out.append(step[0].lower() + step[1:])
        else:
            out += [str(step + 1) if kind == "list" else step, "member"]
    return ".".join(out)


# --- requests ------------------------------------------------------------------------


def seeds(op):
    out = []
    for f in sorted(SEED_DIR.glob(op + "-*")):
        name, body = f.read_text().split("\n", 1)
        assert name == op, f
        if f.name not in UNSUPPORTED_SEEDS:
            out.append((f.name, json.loads(body)))
    assert out, "no seed for " + op
    return out


def rename_tables(value, names):
    if isinstance(value, dict):
        return {names.get(k, k): rename_tables(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [rename_tables(v, names) for v in value]
    if isinstance(value, str):
        if value.startswith("arn:") and ":table/" in value:  # a fixture's ARN
            head, name = value.rsplit(":table/", 1)
            return head + ":table/" + names.get(name, name)
        return names.get(value, value)
    return value


def paths(value, prefix=()):
    """Every node below the root, parents first."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield prefix + (k,)
            yield from paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield prefix + (i,)
            yield from paths(v, prefix + (i,))


def replaced(body, path, replacement):
    out = copy.deepcopy(body)
    node = out
    for step in path[:-1]:
        node = node[step]
    if replacement is REMOVED:
        del node[path[-1]]
    else:
        node[path[-1]] = copy.deepcopy(replacement)
    return out


def with_live(data, live):
    """Request text with the seeds' placeholders replaced by live stream
    identifiers (none of which needs escaping in JSON)."""
    for placeholder, value in live.items():
        data = data.replace(placeholder, value)
    return data


class Connection:
    """One keep-alive connection sending what an SDK sends."""

    def __init__(self, port, live=None):
        self.port = port
        self.live = live or {}
        self.conn = None

    def call(self, op, body):
        data = with_live(json.dumps(body), self.live).encode()
        prefix = STREAMS_TARGET if op in STREAMS_OPERATIONS else "DynamoDB_20120810."
        headers = {"Content-Type": "application/x-amz-json-1.0",
                   "X-Amz-Target": prefix + op,
                   "X-Amz-Date": "20240101T000000Z", "Authorization": FAKE_AUTH,
                   "User-Agent": "Boto3/1.26.27 Python/3.11.2 Linux/6.1.0 Botocore/1.29.27",
                   "Content-Length": str(len(data))}
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.conn.request("POST", "/", body=data, headers=headers)
                resp = self.conn.getresponse()
                return resp.status, resp.read(), resp.getheader("Connection", "")
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def settle(self, op):
        """Wait (bounded) until no import runs: an ImportTable answer depends
        on whether an earlier one (with its ClientToken or its table name) is
        still in progress, and the matrix compares answers to similar
        requests sent one after the other."""
        if op != "ImportTable":
            return
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            running, page = False, {"PageSize": 25}
            for _ in range(1000):  # pages
                status, raw, _ = self.call("ListImports", page)
                assert status == 200, raw
                doc = json.loads(raw)
                running |= any(s.get("ImportStatus") == "IN_PROGRESS"
                               for s in doc.get("ImportSummaryList", []))
                if running or "NextToken" not in doc:
                    break
                page = {"PageSize": 25, "NextToken": doc["NextToken"]}
            if not running:
                return
            time.sleep(0.02)
        raise AssertionError("an import still in progress after 20 s")

    def close(self):
        if self.conn is not None:
            self.conn.close()


@pytest.fixture(scope="module")
def tables(ddb):
    names = {n: unique_name("mal") for n in list(FIXTURES) + CREATED}
    for fixture, spec in FIXTURES.items():
        ddb.create_table(TableName=names[fixture], **spec)
    for fixture in FIXTURES:
        wait_active(ddb, names[fixture])
    ddb.update_time_to_live(TableName=names["fz_s"], TimeToLiveSpecification={
        "Enabled": True, "AttributeName": "exp"})
    yield names
    for name in names.values():
        try:  # a seed turns deletion protection on
            ddb.update_table(TableName=name, DeletionProtectionEnabled=False)
        except Exception:
            pass
        try:
            ddb.delete_table(TableName=name)
        except Exception:
            pass


@pytest.fixture(scope="module")
def live(ddb, port, tables):
    """The placeholders of the seeds and their values: the fixture's stream,
    its shard, an iterator, the sequence number of a record and the time."""
    arn = ddb.describe_table(TableName=tables["fz_s"])["Table"]["LatestStreamArn"]
    ddb.put_item(TableName=tables["fz_s"], Item={"pk": {"S": "live"}})
    shard = raw_streams(port, "DescribeStream", {"StreamArn": arn}).json()[
        "StreamDescription"]["Shards"][0]["ShardId"]
    iterator = raw_streams(port, "GetShardIterator", {
        "StreamArn": arn, "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON"}).json()[
        "ShardIterator"]
    records = raw_streams(port, "GetRecords", {"ShardIterator": iterator}).json()["Records"]
    # the fuzz target's own backup of fz_idx and export of fz_s: well-formed
    # ARNs here, of a backup and an export that do not exist
    table_arn = arn.split("/stream/")[0].rsplit("/", 1)[0] + "/"
    return {"@STREAM_ARN@": arn, "@SHARD_ID@": shard, "@SHARD_ITERATOR@": iterator,
            "@SEQUENCE@": records[0]["dynamodb"]["SequenceNumber"],
            "@NOW@": str(int(time.time())),
            "@BACKUP_ARN@": table_arn + tables["fz_idx"] + "/backup/1700000000000-0123abcd",
            "@EXPORT_ARN@": table_arn + tables["fz_s"] + "/export/01700000000000-0123abcd"}


ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")


def answer(status, raw):
    """(error type or None, message, body) after the checks every answer
    must pass; a string describing the problem instead when one fails."""
    if status not in (200, 400, 413):
        return "status %d" % status
    try:
        doc = json.loads(raw)
    except ValueError:
        return "body is not JSON: %r" % raw[:200]
    if not isinstance(doc, dict):
        return "body is not an object: %r" % raw[:200]
    if status == 200:
        return None if "__type" not in doc else "200 with __type: %r" % raw[:200]
    if not isinstance(doc.get("__type"), str) or "#" not in doc["__type"]:
        return "error without __type: %r" % raw[:300]
    kind = doc["__type"].rsplit("#", 1)[1]
    field = MESSAGE_FIELD.get(kind, "message")
    if not isinstance(doc.get(field), str) or not doc[field]:
        return "%s without %r: %r" % (kind, field, raw[:300])
    # times in a message (the bounds of a PITR window) move with the clock
    return kind, ISO_TIME.sub("<time>", doc[field])


def run_matrix(op, port, tables, live):
    conn = Connection(port, live)
    failures, sent = [], 0
    try:
        for seed_name, seed in seeds(op):
            body = rename_tables(seed, tables)
            # the seed itself reads what it names (so live identifiers work)
            if op in READ_ONLY and seed_name not in EXPECTED_TO_FAIL:
                status, raw, _ = conn.call(op, body)
                sent += 1
                if status != 200:
                    failures.append("%s as it is: %d %r" % (seed_name, status, raw[:300]))
            for path in list(paths(body)):
                answers = {}
                for variant, replacement in VARIANTS:
                    conn.settle(op)
                    status, raw, _ = conn.call(op, replaced(body, path, replacement))
                    sent += 1
                    got = answer(status, raw)
                    where = "%s %s=%s" % (seed_name, "/".join(map(str, path)), variant)
                    if isinstance(got, str):
                        failures.append("%s: %s" % (where, got))
                        continue
                    answers[variant] = (status, got)
                    kind, message = got if got else (None, None)
                    if kind is not None and kind != SER and kind not in SEMANTIC:
                        failures.append("%s: unexpected %s: %s" % (where, kind, message))
                    if op in SHAPES_UNCHECKED:
                        continue
                    must, text = expected_serialization(op, path, variant)
                    if must and (kind != SER or (text is not None and message != text)):
                        failures.append("%s: expected %s %r, got %s %r"
                                        % (where, SER, text, kind, message))
                    if variant in ("removed", "null") and required_member(op, path):
                        text = ABSENT_TEXTS.get((op, path[-1])) or (
                            "1 validation error detected: Value null at '%s' failed to "
                            "satisfy constraint: Member must not be null"
                            % constraint_path(op, path))
                        if (kind, message) != (VAL, text):
                            failures.append("%s: expected %s %r, got %s %r"
                                            % (where, VAL, text, kind, message))
                    member = parent_kind(op, path) == "structure"
                    if kind == SER and member and variant in ("removed", "null"):
                        failures.append("%s: %s for an absent member: %r"
                                        % (where, kind, message))
                removed, null = answers.get("removed"), answers.get("null")
                # A null member of a structure is an absent one (elements of
                # lists and values of maps are not members); compare where
                # the first answer cannot have changed what the second sees.
                if removed and null and parent_kind(op, path) == "structure" and \
                        (op in READ_ONLY or removed[1] is not None):
                    if removed[0] != null[0] or (removed[1] and removed[1] != null[1]):
                        failures.append("%s %s: null answered %r, absent %r"
                                        % (seed_name, "/".join(map(str, path)), null, removed))
        # the body itself not an object: a SerializationException (whose
        # message the service may leave out)
        for variant, replacement in VARIANTS[1:]:
            if variant in ("object", "deep"):
                continue
            status, raw, _ = conn.call(op, replacement)
            sent += 1
            doc = json.loads(raw)
            if status != 400 or doc.get("__type") != "com.amazon.coral.service#" + SER:
                failures.append("body=%s: %d %r" % (variant, status, raw[:200]))
    finally:
        conn.close()
    return sent, failures


@pytest.mark.parametrize("op", OPERATIONS)
def test_every_member_of_every_type(op, port, tables, live, server):
    sent, failures = run_matrix(op, port, tables, live)
    assert server.alive()
    # operations without members (DescribeLimits) only have their bodies to vary
    assert sent > (10 if any(body for _, body in seeds(op)) else 5)
    assert not failures, "%d of %d answers wrong:\n%s" % (
        len(failures), sent, "\n".join(failures[:40]))


# --- regressions: the exact answers for cases the matrix found ------------------------


def serialization(port, op, payload, message):
    r = raw_call(port, op, payload)
    assert r.status == 400, r.body
    assert r.json()["__type"] == "com.amazon.coral.service#SerializationException", r.body
    assert r.json().get("Message") == message, r.body


def test_type_error_inside_an_index_that_exists(port, table_s, ddb):
    # The index name is checked against the table only after the whole
    # request was read: a mistyped key schema of a known index is still a
    # SerializationException.
    create = {"IndexName": "gsi", "KeySchema": "pk",
              "Projection": {"ProjectionType": "ALL"}}
    ddb.update_table(TableName=table_s,
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     GlobalSecondaryIndexUpdates=[{"Create": dict(
                         create, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])}])
    serialization(port, "UpdateTable",
                  {"TableName": table_s, "GlobalSecondaryIndexUpdates": [{"Create": create}]},
                  "Unexpected field type")


def test_members_the_operation_does_not_use_are_still_typed(port, table_s):
    serialization(port, "BatchWriteItem",
                  {"RequestItems": {table_s: [{"PutRequest": {"Item": {"pk": {"S": "a"}}}}]},
                   "ReturnItemCollectionMetrics": 5},
                  "NUMBER_VALUE cannot be converted to String")
    serialization(port, "TransactGetItems",
                  {"TransactItems": [{"Get": {"TableName": table_s, "Key": {"pk": {"S": "a"}}}}],
                   "ReturnConsumedCapacity": True},
                  "TRUE_VALUE cannot be converted to String")
    serialization(port, "UpdateTable",
                  {"TableName": table_s, "SSESpecification": {"Enabled": "yes"}},
                  "STRING_VALUE cannot be converted to Boolean")


def test_wrong_type_reported_before_validation(port):
    # TableName too short (a validation error) and a mistyped value: the
    # service deserialises first.
    serialization(port, "PutItem", {"TableName": "ab", "Item": {"pk": {"S": 5}}},
                  "NUMBER_VALUE cannot be converted to String")
    serialization(port, "Query", {"TableName": "ab", "Limit": 0, "ExclusiveStartKey": {"k": 1}},
                  "Unexpected value type in payload")


def test_reused_token_with_a_type_error(port, table_s):
    put = {"Put": {"TableName": table_s, "Item": {"pk": {"S": "tok"}}}}
    token = unique_name("tok")
    first = raw_call(port, "TransactWriteItems", {"TransactItems": [put],
                                                  "ClientRequestToken": token})
    assert first.status == 200, first.body
    bad = {"Put": {"TableName": table_s, "Item": {"pk": {"S": ["tok"]}}}}
    serialization(port, "TransactWriteItems",
                  {"TransactItems": [bad], "ClientRequestToken": token},
                  "Start of list found where not expected")
    other = {"Put": {"TableName": table_s, "Item": {"pk": {"S": "other"}}}}
    r = raw_call(port, "TransactWriteItems", {"TransactItems": [other],
                                              "ClientRequestToken": token})
    assert r.status == 400
    assert r.json() == {
        "__type": "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException",
        "Message": "Request parameters do not match those of the original request with the "
                   "same ClientRequestToken"}


@pytest.mark.parametrize("op,payload,message", [
    ("DescribeTable", {"TableName": 1.5}, "DECIMAL_VALUE cannot be converted to String"),
    ("DescribeTable", {"TableName": 1e3}, "DECIMAL_VALUE cannot be converted to String"),
    ("DescribeTable", {"TableName": {}}, "Start of structure or map found where not expected"),
    ("ListTables", {"Limit": "5"}, "STRING_VALUE cannot be converted to Integer"),
    ("Scan", {"TableName": "abc", "Segment": False}, "FALSE_VALUE cannot be converted to Integer"),
    ("UpdateTable", {"TableName": "abc", "ProvisionedThroughput": {"ReadCapacityUnits": "5"}},
     "STRING_VALUE cannot be converted to Long"),
    ("UpdateTable", {"TableName": "abc", "ProvisionedThroughput": 5}, "Unexpected field type"),
    ("CreateTable", {"TableName": "abc", "KeySchema": "pk"}, "Unexpected field type"),
    ("CreateTable", {"TableName": "abc", "KeySchema": {}},
     "Start of structure or map found where not expected"),
    ("PutItem", {"TableName": "abc", "Item": {"pk": "x"}}, "Unexpected value type in payload"),
    ("PutItem", {"TableName": "abc", "Item": {"pk": {"B": True}}},
     "only base-64-encoded strings are convertible to bytes"),
    ("PutItem", {"TableName": "abc", "Item": {"pk": {"L": [7]}}},
     "Unexpected value type in payload"),
    ("PutItem", {"TableName": "abc", "Item": {"pk": {"S": "a"}}, "Expected": {"a": {"Value": 7}}},
     "Unexpected field type"),
    ("GetItem", {"TableName": "abc", "Key": {"pk": {"BOOL": 1}}},
     "NUMBER_VALUE cannot be converted to Boolean"),
])
def test_wrong_json_type_messages(port, op, payload, message):
    serialization(port, op, payload, message)


NULL_AT = ("1 validation error detected: Value null at '%s' failed to satisfy constraint: "
           "Member must not be null")


def test_required_members_of_entries(port, make_table):
    """Members the model requires inside lists and maps, each left out alone:
    the path names the entry as the service does."""
    t = make_table()
    key = {"pk": {"S": "a"}}
    cases = [
        ("CreateTable", {"TableName": unique_name(), "BillingMode": "PAY_PER_REQUEST",
                         "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                         "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                         "StreamSpecification": {"StreamViewType": "KEYS_ONLY"}},
         "streamSpecification.streamEnabled"),
        ("UpdateTable", {"TableName": t, "StreamSpecification": {}},
         "streamSpecification.streamEnabled"),
        ("UpdateTable", {"TableName": t, "AttributeDefinitions": [{"AttributeType": "S"}],
                         "GlobalSecondaryIndexUpdates": [{"Create": {
                             "IndexName": "gsi", "Projection": {"ProjectionType": "ALL"},
                             "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]}}]},
         "attributeDefinitions.1.member.attributeName"),
        ("UpdateTable", {"TableName": t,
                         "AttributeDefinitions": [{"AttributeName": "g", "AttributeType": "S"}],
                         "GlobalSecondaryIndexUpdates": [{"Create": {
                             "IndexName": "gsi", "Projection": {"ProjectionType": "ALL"},
                             "KeySchema": [{"AttributeName": "g"}]}}]},
         "globalSecondaryIndexUpdates.1.member.create.keySchema.1.member.keyType"),
        ("UpdateTable", {"TableName": t, "GlobalSecondaryIndexUpdates": [
            {"Update": {"IndexName": "gsi", "ProvisionedThroughput": {"ReadCapacityUnits": 1}}}]},
         "globalSecondaryIndexUpdates.1.member.update.provisionedThroughput.writeCapacityUnits"),
        ("BatchGetItem", {"RequestItems": {t: {"ConsistentRead": True}}},
         "requestItems.%s.member.keys" % t),
        ("BatchWriteItem", {"RequestItems": {t: [{"DeleteRequest": {"Key": key}},
                                                 {"PutRequest": {}}]}},
         "requestItems.%s.member.2.member.putRequest.item" % t),
        ("TransactGetItems", {"TransactItems": [{"Get": {"TableName": t, "Key": key}}, {}]},
         "transactItems.2.member.get"),
        ("TransactGetItems", {"TransactItems": [{"Get": {"Key": key}}]},
         "transactItems.1.member.get.tableName"),
        ("TransactWriteItems", {"TransactItems": [
            {"Put": {"TableName": t, "Item": key}},
            {"ConditionCheck": {"TableName": t, "Key": {"pk": {"S": "b"}}}}]},
         "transactItems.2.member.conditionCheck.conditionExpression"),
        ("TransactWriteItems", {"TransactItems": [{"Delete": {"TableName": t}}]},
         "transactItems.1.member.delete.key"),
        ("Query", {"TableName": t, "KeyConditions": {"pk": {"ComparisonOperator": "EQ",
                                                            "AttributeValueList": [{"S": "a"}]}},
                   "QueryFilter": {"x": {"AttributeValueList": [{"S": "a"}]}}},
         "queryFilter.x.member.comparisonOperator"),
        ("Scan", {"TableName": t, "ScanFilter": {"x": {}}}, "scanFilter.x.member.comparisonOperator"),
    ]
    for op, payload, path in cases:
        r = raw_call(port, op, payload)
        assert (r.status, r.error_type, r.error_message) == \
            (400, "ValidationException", NULL_AT % path), (op, payload, r.body)


# --- large requests: linear time, bounded stack ---------------------------------------

# Far above what these requests need (well under a second, also under the
# sanitizer); pairwise comparisons took minutes at these sizes.
LARGE_DEADLINE = 15.0
MANY = 60000


def timed_call(port, op, payload):
    start = time.monotonic()
    r = raw_call(port, op, payload, timeout=120)
    elapsed = time.monotonic() - start
    assert elapsed < LARGE_DEADLINE, "%s took %.1fs" % (op, elapsed)
    return r


def test_many_legacy_conditions_joined(port, table_s, server):
    # Conditions joined by ConditionalOperator once nested as deep as they
    # were many, and evaluating them overflowed the stack.
    raw_call(port, "PutItem", {"TableName": table_s, "Item": {"pk": {"S": "x"}}})
    names = ["a%d" % i for i in range(MANY)]
    r = timed_call(port, "Scan", {"TableName": table_s, "ConditionalOperator": "OR",
                                  "ScanFilter": {n: {"ComparisonOperator": "NULL"} for n in names}})
    assert r.status == 200 and r.json()["Count"] == 1, r.body[:300]
    r = timed_call(port, "PutItem", {"TableName": table_s, "Item": {"pk": {"S": "x"}},
                                     "Expected": {n: {"Exists": False} for n in names}})
    assert r.status == 200, r.body[:300]
    r = timed_call(port, "DeleteItem", {"TableName": table_s, "Key": {"pk": {"S": "x"}},
                                        "ConditionalOperator": "OR",
                                        "Expected": {n: {"Value": {"S": "v"}} for n in names}})
    assert r.error_type == "ConditionalCheckFailedException", r.body[:300]
    assert server.alive()


def test_many_attribute_names(port, table_s, server):
    names = ["a%d" % i for i in range(MANY)]
    item = dict({"pk": {"S": "x"}}, **{n: {"NULL": True} for n in names[:20000]})
    assert timed_call(port, "PutItem", {"TableName": table_s, "Item": item}).status == 200
    r = timed_call(port, "GetItem", {"TableName": table_s, "Key": {"pk": {"S": "x"}},
                                     "AttributesToGet": names})
    assert r.status == 200 and len(r.json()["Item"]) == 20000, r.body[:300]
    r = timed_call(port, "Scan", {"TableName": table_s, "AttributesToGet": names})
    assert r.status == 200 and len(r.json()["Items"][0]) == 20000, r.body[:300]
    # the first name given twice is the one named
    r = timed_call(port, "GetItem", {"TableName": table_s, "Key": {"pk": {"S": "x"}},
                                     "AttributesToGet": names + ["a7", "a3"]})
    assert (r.error_type, r.error_message) == (
        "ValidationException", "One or more parameter values were invalid: Duplicate value in "
                               "attribute name: a7")
    r = timed_call(port, "UpdateItem", {
        "TableName": table_s, "Key": {"pk": {"S": "x"}},
        "AttributeUpdates": {n: {"Value": {"N": "1"}, "Action": "PUT"} for n in names[10000:40000]},
        "ReturnValues": "UPDATED_NEW"})
    assert r.status == 200 and len(r.json()["Attributes"]) == 30000, r.body[:300]
    assert server.alive()


def test_many_definitions_in_a_table(port, server):
    attrs = [{"AttributeName": "a%d" % i, "AttributeType": "S"} for i in range(150000)]
    r = timed_call(port, "CreateTable", {
        "TableName": unique_name(), "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": attrs + [{"AttributeName": "a5", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "a0", "KeyType": "HASH"}],
        "GlobalSecondaryIndexes": [
            {"IndexName": "g%05d" % i, "Projection": {"ProjectionType": "KEYS_ONLY"},
             "KeySchema": [{"AttributeName": "a%d" % i, "KeyType": "HASH"}]}
            for i in range(20000)]})
    assert (r.error_type, r.error_message) == (
        "ValidationException", "Attribute Name is duplicated: a5")
    assert server.alive()


def test_client_request_token_length(port, table_s):
    put = {"Put": {"TableName": table_s, "Item": {"pk": {"S": "t"}}}}
    for token, constraint in [("x" * 37, "less than or equal to 36"),
                              ("", "greater than or equal to 1")]:
        r = raw_call(port, "TransactWriteItems", {"TransactItems": [put],
                                                  "ClientRequestToken": token})
        assert (r.error_type, r.error_message) == (
            "ValidationException",
            "1 validation error detected: Value '%s' at 'clientRequestToken' failed to satisfy "
            "constraint: Member must have length %s" % (token, constraint))
    assert raw_call(port, "TransactWriteItems", {"TransactItems": [put],
                                                 "ClientRequestToken": "x" * 36}).status == 200
