"""Request shapes and constraints of the global table operations of version
2017.11.29 and of replica auto scaling: a member of the wrong JSON type is a
SerializationException before anything else (as for every operation), then
the model's constraints (required members, lengths, ranges, enums, name
patterns) answer the service's ValidationException texts, before the
operation's own answer (not supported, not found, empty list)."""

import pytest

from conftest import raw_call, unique_name

VALIDATION = "1 validation error detected: "
NULL = "Value null at '%s' failed to satisfy constraint: Member must not be null"
PATTERN = ("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular "
           "expression pattern: [a-zA-Z0-9_.-]+")
AT_LEAST_1 = ("Value '%s' at '%s' failed to satisfy constraint: Member must have value "
              "greater than or equal to 1")
LEGACY = ("One or more parameter values were invalid: DynamoDB global tables version "
          "2017.11.29 is not supported. We recommend using DynamoDB global tables version "
          "2019.11.21, instead of version 2017.11.29 (Legacy).")
NAME_LENGTH = "TableName must be at least 3 characters long and at most 255 characters long"


def missing(name):
    return "Global table with name: '%s' does not exist." % name


def call(port, op, payload):
    r = raw_call(port, op, payload)
    return r.status, r.error_type if r.status != 200 else None, \
        r.error_message if r.status != 200 else r.json()


SCALING_POLICY = {"TargetTrackingScalingPolicyConfiguration": {"TargetValue": 70.0}}

# (operation, a valid request): each is checked with its members mistyped
VALID = [
    ("CreateGlobalTable", {"GlobalTableName": "gtx", "ReplicationGroup": [
        {"RegionName": "us-east-1"}]}),
    ("UpdateGlobalTable", {"GlobalTableName": "gtx", "ReplicaUpdates": [
        {"Create": {"RegionName": "us-west-2"}}, {"Delete": {"RegionName": "eu-west-1"}}]}),
    ("DescribeGlobalTable", {"GlobalTableName": "gtx"}),
    ("ListGlobalTables", {"ExclusiveStartGlobalTableName": "gtx", "Limit": 5,
                          "RegionName": "us-east-1"}),
    ("DescribeGlobalTableSettings", {"GlobalTableName": "gtx"}),
    ("UpdateGlobalTableSettings", {
        "GlobalTableName": "gtx", "GlobalTableBillingMode": "PROVISIONED",
        "GlobalTableProvisionedWriteCapacityUnits": 5,
        "GlobalTableProvisionedWriteCapacityAutoScalingSettingsUpdate": {
            "MinimumUnits": 1, "MaximumUnits": 10, "AutoScalingDisabled": False,
            "AutoScalingRoleArn": "arn:aws:iam::1:role/x",
            "ScalingPolicyUpdate": {"PolicyName": "p", "TargetTrackingScalingPolicyConfiguration": {
                "DisableScaleIn": False, "ScaleInCooldown": 1, "ScaleOutCooldown": 1,
                "TargetValue": 70.5}}},
        "GlobalTableGlobalSecondaryIndexSettingsUpdate": [
            {"IndexName": "idx", "ProvisionedWriteCapacityUnits": 5}],
        "ReplicaSettingsUpdate": [{
            "RegionName": "us-east-1", "ReplicaProvisionedReadCapacityUnits": 5,
            "ReplicaGlobalSecondaryIndexSettingsUpdate": [
                {"IndexName": "idx", "ProvisionedReadCapacityUnits": 5}],
            "ReplicaTableClass": "STANDARD"}]}),
    ("DescribeTableReplicaAutoScaling", {"TableName": "gtx"}),
    ("UpdateTableReplicaAutoScaling", {
        "TableName": "gtx",
        "GlobalSecondaryIndexUpdates": [{"IndexName": "idx",
                                         "ProvisionedWriteCapacityAutoScalingUpdate": {
                                             "AutoScalingDisabled": True}}],
        "ProvisionedWriteCapacityAutoScalingUpdate": {"AutoScalingDisabled": True},
        "ReplicaUpdates": [{"RegionName": "us-east-1",
                            "ReplicaGlobalSecondaryIndexUpdates": [
                                {"IndexName": "idx", "ProvisionedReadCapacityAutoScalingUpdate": {
                                    "MinimumUnits": 1, "ScalingPolicyUpdate": SCALING_POLICY}}],
                            "ReplicaProvisionedReadCapacityAutoScalingUpdate": {
                                "AutoScalingDisabled": True}}]}),
]


def leaves(value, path=()):
    """Every scalar member's path in a request."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from leaves(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from leaves(v, path + (i,))
    else:
        yield path, value


def replaced(value, path, new):
    if not path:
        return new
    if isinstance(value, dict):
        return {k: (replaced(v, path[1:], new) if k == path[0] else v) for k, v in value.items()}
    return [replaced(v, path[1:], new) if i == path[0] else v for i, v in enumerate(value)]


TYPE_NAMES = {"Limit": "Integer", "ScaleInCooldown": "Integer", "ScaleOutCooldown": "Integer"}


def wrong(path, v):
    """A value of another JSON type than v, and the text the service gives."""
    if isinstance(v, bool):
        return "yes", "STRING_VALUE cannot be converted to Boolean"
    if isinstance(v, float):
        return "70", "STRING_VALUE cannot be converted to Double"
    if isinstance(v, int):
        return True, "TRUE_VALUE cannot be converted to %s" % TYPE_NAMES.get(path[-1], "Long")
    return 5, "NUMBER_VALUE cannot be converted to String"


@pytest.mark.parametrize("op,req", VALID, ids=[v[0] for v in VALID])
def test_every_member_mistyped_is_a_serialization_error(port, op, req):
    for path, v in leaves(req):
        bad, text = wrong(path, v)
        status, kind, msg = call(port, op, replaced(req, path, bad))
        assert (status, kind, msg) == (400, "SerializationException", text), (op, path)
    # containers: a list where a structure is expected and the reverse
    for k, v in req.items():
        bad = {"x": 1} if isinstance(v, list) else [1] if isinstance(v, dict) else None
        if bad is None:
            continue
        text = ("Start of structure or map found where not expected" if isinstance(v, list)
                else "Start of list found where not expected")
        assert call(port, op, dict(req, **{k: bad})) == (400, "SerializationException", text), k


def test_valid_requests_get_the_operations_answers(port):
    answers = {
        "CreateGlobalTable": (400, "ValidationException", LEGACY),
        "UpdateGlobalTable": (400, "GlobalTableNotFoundException", missing("gtx")),
        "DescribeGlobalTable": (400, "GlobalTableNotFoundException", missing("gtx")),
        "ListGlobalTables": (200, None, {"GlobalTables": []}),
        "DescribeGlobalTableSettings": (400, "GlobalTableNotFoundException", missing("gtx")),
        "UpdateGlobalTableSettings": (400, "GlobalTableNotFoundException", missing("gtx")),
        "DescribeTableReplicaAutoScaling": (400, "ResourceNotFoundException", missing("gtx")),
        "UpdateTableReplicaAutoScaling": (400, "ResourceNotFoundException", missing("gtx")),
    }
    for op, req in VALID:
        assert call(port, op, req) == answers[op], op


def test_legacy_constraints(port):
    # the name's length has the operations' own text, checked first
    for op in ("CreateGlobalTable", "UpdateGlobalTable", "DescribeGlobalTable",
               "DescribeGlobalTableSettings", "UpdateGlobalTableSettings"):
        for name in (None, "ab", "x" * 256):
            req = {} if name is None else {"GlobalTableName": name}
            assert call(port, op, req) == (400, "ValidationException", NAME_LENGTH), (op, name)
        # message unverified: the model's pattern, in the usual constraint text
        req = dict(dict(VALID)[op], GlobalTableName="a b")
        assert call(port, op, req) == (
            400, "ValidationException", VALIDATION + PATTERN % ("a b", "globalTableName")), op
    assert call(port, "CreateGlobalTable", {"GlobalTableName": "gtx"}) == (
        400, "ValidationException", VALIDATION + NULL % "replicationGroup")
    assert call(port, "UpdateGlobalTable", {"GlobalTableName": "gtx"}) == (
        400, "ValidationException", VALIDATION + NULL % "replicaUpdates")
    assert call(port, "UpdateGlobalTable", {"GlobalTableName": "gtx", "ReplicaUpdates": [
        {"Create": {}}, {"Delete": {"RegionName": "x"}}, {"Delete": {}}]}) == (
        400, "ValidationException",
        "2 validation errors detected: " + NULL % "replicaUpdates.1.member.create.regionName"
        + "; " + NULL % "replicaUpdates.3.member.delete.regionName")
    assert call(port, "ListGlobalTables", {"Limit": 0}) == (
        400, "ValidationException", VALIDATION + AT_LEAST_1 % (0, "limit"))
    assert call(port, "ListGlobalTables", {"ExclusiveStartGlobalTableName": "a*"}) == (
        400, "ValidationException", "2 validation errors detected: "
        "Value 'a*' at 'exclusiveStartGlobalTableName' failed to satisfy constraint: Member must "
        "have length greater than or equal to 3; "
        + PATTERN % ("a*", "exclusiveStartGlobalTableName"))
    settings = {"GlobalTableName": "gtx", "GlobalTableBillingMode": "FREE",
                "GlobalTableProvisionedWriteCapacityUnits": 0,
                "ReplicaSettingsUpdate": [{"ReplicaTableClass": "COLD",
                                           "ReplicaProvisionedReadCapacityUnits": 0}]}
    assert call(port, "UpdateGlobalTableSettings", settings) == (
        400, "ValidationException", "5 validation errors detected: "
        "Value 'FREE' at 'globalTableBillingMode' failed to satisfy constraint: Member must "
        "satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]; "
        + AT_LEAST_1 % (0, "globalTableProvisionedWriteCapacityUnits") + "; "
        + NULL % "replicaSettingsUpdate.1.member.regionName" + "; "
        + AT_LEAST_1 % (0, "replicaSettingsUpdate.1.member.replicaProvisionedReadCapacityUnits")
        + "; Value 'COLD' at 'replicaSettingsUpdate.1.member.replicaTableClass' failed to "
        "satisfy constraint: Member must satisfy enum value set: [STANDARD, "
        "STANDARD_INFREQUENT_ACCESS]")
    assert call(port, "UpdateGlobalTableSettings", {
        "GlobalTableName": "gtx", "GlobalTableGlobalSecondaryIndexSettingsUpdate": [],
        "ReplicaSettingsUpdate": [{"RegionName": "r", "ReplicaGlobalSecondaryIndexSettingsUpdate": [
            {"ProvisionedReadCapacityUnits": 1}]}]}) == (
        400, "ValidationException", "2 validation errors detected: "
        "Value '[]' at 'globalTableGlobalSecondaryIndexSettingsUpdate' failed to satisfy "
        "constraint: Member must have length greater than or equal to 1; "
        + NULL % "replicaSettingsUpdate.1.member.replicaGlobalSecondaryIndexSettingsUpdate"
        ".1.member.indexName")


def test_replica_auto_scaling_constraints(port, table_s):
    assert call(port, "DescribeTableReplicaAutoScaling", {}) == (
        400, "ValidationException", VALIDATION + NULL % "tableName")
    assert call(port, "DescribeTableReplicaAutoScaling", {"TableName": "ab"}) == (
        400, "ValidationException", VALIDATION + "Value 'ab' at 'tableName' failed to satisfy "
        "constraint: Member must have length greater than or equal to 3")
    # constraints before the existence check, on an existing regional table too
    for name in (table_s, unique_name("gn")):
        assert call(port, "UpdateTableReplicaAutoScaling", {
            "TableName": name, "ReplicaUpdates": [{
                "ReplicaProvisionedReadCapacityAutoScalingUpdate": {
                    "MinimumUnits": 0, "ScalingPolicyUpdate": {}}}],
            "GlobalSecondaryIndexUpdates": []}) == (
            400, "ValidationException", "4 validation errors detected: "
            "Value '[]' at 'globalSecondaryIndexUpdates' failed to satisfy constraint: Member "
            "must have length greater than or equal to 1; "
            + NULL % "replicaUpdates.1.member.regionName" + "; "
            + AT_LEAST_1 % (0, "replicaUpdates.1.member.replicaProvisionedReadCapacity"
                               "AutoScalingUpdate.minimumUnits") + "; "
            + NULL % ("replicaUpdates.1.member.replicaProvisionedReadCapacityAutoScalingUpdate."
                      "scalingPolicyUpdate.targetTrackingScalingPolicyConfiguration"))
        assert call(port, "UpdateTableReplicaAutoScaling", {
            "TableName": name, "ProvisionedWriteCapacityAutoScalingUpdate": {
                "ScalingPolicyUpdate": {"TargetTrackingScalingPolicyConfiguration": {}}}}) == (
            400, "ValidationException", VALIDATION + NULL % (
                "provisionedWriteCapacityAutoScalingUpdate.scalingPolicyUpdate."
                "targetTrackingScalingPolicyConfiguration.targetValue"))
    assert call(port, "UpdateTableReplicaAutoScaling", {"TableName": table_s}) == (
        400, "ResourceNotFoundException", missing(table_s))
