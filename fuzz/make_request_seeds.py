#!/usr/bin/env python3
"""Write the seed corpus of fuzz_request (fuzz/seeds/fuzz_request/) and its
dictionary (fuzz/fuzz_request.dict).

Each seed is one valid request: the operation name, a newline, the JSON
body.  The requests use the fixture tables fuzz_request.c creates:
  fz_s    hash pk (S), on demand, stream NEW_AND_OLD_IMAGES, TTL on exp
  fz_nb   hash h (N), range r (B); GSI gnb (g S, ALL); provisioned
  fz_idx  hash pk (S), range sk (N); LSI lsi (pk, ls S); GSI gsi (gh S, gr N,
          INCLUDE a); GSI gsik (gb B, KEYS_ONLY); GSI gmk (gh, gb HASH;
          gr, ls RANGE: multi-attribute keys, KEYS_ONLY); on demand
  fz_b    hash b (B), provisioned
Together the seeds use every request member the service models define for
each operation (checked against botocore's models of DynamoDB and of
DynamoDB Streams when they are installed, and the members newer than those
models), every AttributeValue type and every legacy parameter.  Stream
identifiers are placeholders (@STREAM_ARN@, @SHARD_ID@, @SHARD_ITERATOR@,
@SEQUENCE@) that the target replaces with live ones of fz_s's stream,
@NOW@ is the time in epoch seconds (a TTL value that expires at once),
@BACKUP_ARN@ the target's backup of fz_idx and @EXPORT_ARN@ its finished
export of fz_s (fz_s and fz_idx have point-in-time recovery on, so that
restores to a point in time and exports of them run).

Usage: fuzz/make_request_seeds.py [--check]   (--check: only verify)
"""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "api"))
from storedform import stored_map, varint  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SEED_DIR = os.path.join(HERE, "seeds", "fuzz_request")
DICT_PATH = os.path.join(HERE, "fuzz_request.dict")
BOTOCORE = "/usr/lib/python3/dist-packages/botocore/data"
MODEL = BOTOCORE + "/dynamodb/2012-08-10/service-2.json"
STREAMS_MODEL = BOTOCORE + "/dynamodbstreams/2012-08-10/service-2.json"

OPERATIONS = ["CreateTable", "DeleteTable", "DescribeTable", "ListTables", "UpdateTable",
              "PutItem", "GetItem", "DeleteItem", "UpdateItem", "BatchGetItem",
              "BatchWriteItem", "TransactWriteItems", "TransactGetItems", "Query", "Scan",
              "ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction",
              "UpdateTimeToLive", "DescribeTimeToLive", "TagResource",
              "UntagResource", "ListTagsOfResource", "PutResourcePolicy", "GetResourcePolicy",
              "DeleteResourcePolicy", "DescribeEndpoints", "DescribeLimits", "CreateBackup",
              "DescribeBackup", "DeleteBackup", "ListBackups", "RestoreTableFromBackup",
              "UpdateContinuousBackups", "DescribeContinuousBackups",
              "RestoreTableToPointInTime", "ExportTableToPointInTime", "DescribeExport",
              "ListExports", "ImportTable", "DescribeImport", "ListImports",
              "UpdateContributorInsights", "DescribeContributorInsights",
              "ListContributorInsights", "CreateGlobalTable", "UpdateGlobalTable",
              "DescribeGlobalTable", "ListGlobalTables", "DescribeGlobalTableSettings",
              "UpdateGlobalTableSettings", "DescribeTableReplicaAutoScaling",
              "UpdateTableReplicaAutoScaling"]
STREAMS_OPERATIONS = ["ListStreams", "DescribeStream", "GetShardIterator", "GetRecords"]
# What replicas in other regions call on each other (no model: whole targets).
REPLICATION_PREFIX = "DdbdReplication_20261130."
REPLICATION_OPERATIONS = [REPLICATION_PREFIX + "ApplyChanges", REPLICATION_PREFIX + "SetGroup",
                          REPLICATION_PREFIX + "Settings"]
PLACEHOLDERS = ["@STREAM_ARN@", "@SHARD_ID@", "@SHARD_ITERATOR@", "@SEQUENCE@", "@NOW@",
                "@BACKUP_ARN@", "@EXPORT_ARN@"]

# Members newer than botocore's model in Debian (operations.md, "Members
# newer than the tables below"), as model paths.
NEWER = {
    "PutItem": ["ReturnValuesOnConditionCheckFailure"],
    "UpdateItem": ["ReturnValuesOnConditionCheckFailure"],
    "DeleteItem": ["ReturnValuesOnConditionCheckFailure"],
    "ExecuteStatement": ["ReturnValuesOnConditionCheckFailure"],
    "BatchExecuteStatement": ["Statements[].ReturnValuesOnConditionCheckFailure"],
    "ExecuteTransaction": ["TransactStatements[].ReturnValuesOnConditionCheckFailure"],
    "CreateTable": ["DeletionProtectionEnabled", "OnDemandThroughput.MaxReadRequestUnits",
                    "OnDemandThroughput.MaxWriteRequestUnits"],
    "UpdateTable": ["DeletionProtectionEnabled", "OnDemandThroughput.MaxReadRequestUnits",
                    "OnDemandThroughput.MaxWriteRequestUnits",
                    "GlobalSecondaryIndexUpdates[].Update.OnDemandThroughput.MaxReadRequestUnits",
                    "GlobalSecondaryIndexUpdates[].Update.OnDemandThroughput.MaxWriteRequestUnits",
                    "MultiRegionConsistency", "GlobalTableWitnessUpdates",
                    "GlobalTableSettingsReplicationMode",
                    "ReplicaUpdates[].Update.OnDemandThroughputOverride.MaxReadRequestUnits"],
    "DescribeStream": ["ShardFilter.Type", "ShardFilter.ShardId"],
    "UpdateContinuousBackups": ["PointInTimeRecoverySpecification.RecoveryPeriodInDays"],
    "UpdateContributorInsights": ["ContributorInsightsMode"],
}
# Operations newer than botocore's model in Debian, with their member paths.
NEWER_OPERATIONS = {
    "PutResourcePolicy": ["ResourceArn", "Policy", "ExpectedRevisionId",
                          "ConfirmRemoveSelfResourceAccess"],
    "GetResourcePolicy": ["ResourceArn"],
    "DeleteResourcePolicy": ["ResourceArn", "ExpectedRevisionId"],
    REPLICATION_PREFIX + "ApplyChanges": ["TableName", "Changes"],
    REPLICATION_PREFIX + "SetGroup": ["TableName", "Members"],
    REPLICATION_PREFIX + "Settings": ["Operation", "Request"],
}
# The ARN of a fixture table (the fuzzer's region and account).
ARN_S = "arn:aws:dynamodb:us-east-1:000000000000:table/fz_s"
ARN_IDX = "arn:aws:dynamodb:us-east-1:000000000000:table/fz_idx"
BACKUP_ARN = ARN_S + "/backup/1700000000000-0123abcd"
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Sid": "reads", "Effect": "Deny", "Principal": {"AWS": "111122223333"},
    "Action": ["dynamodb:GetItem", "dynamodb:Query"], "Resource": "*"}]})

# Enum values newer than the models.
NEWER_ENUMS = ["CHILD_SHARDS", "ACCESSED_AND_THROTTLED_KEYS", "THROTTLED_KEYS"]

# An auto scaling setting, every member of it.
AUTO_SCALING = {"MinimumUnits": 1, "MaximumUnits": 10, "AutoScalingDisabled": False,
                "AutoScalingRoleArn": "arn:aws:iam::000000000000:role/fz",
                "ScalingPolicyUpdate": {"PolicyName": "fz", "TargetTrackingScalingPolicyConfiguration": {
                    "DisableScaleIn": False, "ScaleInCooldown": 60, "ScaleOutCooldown": 60,
                    "TargetValue": 70.0}}}

# Every AttributeValue type, nested.
ALL_TYPES = {
    "s": {"S": "text"}, "n": {"N": "-12.5E3"}, "bin": {"B": "AQID"}, "t": {"BOOL": True},
    "z": {"NULL": True},
    "m": {"M": {"nested": {"S": "x"}, "deep": {"M": {"l": {"L": [{"N": "1"}, {"S": "y"}]}}}}},
    "l": {"L": [{"S": "a"}, {"N": "2"}, {"BOOL": False}, {"M": {}}, {"L": []}]},
    "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2.5"]}, "bs": {"BS": ["AQ==", "Ag=="]},
}

ID_PT = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}


def change_records():
    """ApplyRecords' body of bytes: the table fz_s and the origin (varint
    length, bytes), then a put of k9 and its removal, each as the change log
    stores it (format 1 | event | flags, 2: a new image | varint time | keys |
    image) after its varint sequence number and length."""
    put = b"\x01\x01\x02" + varint(1) + stored_map({"pk": "k9"}) + stored_map({"pk": "k9", "v": "x"})
    remove = b"\x01\x03\x00" + varint(1) + stored_map({"pk": "k9"})
    head = b"".join(varint(len(t)) + t for t in (b"fz_s", b"eu-west-1"))
    return head + b"".join(varint(seq) + varint(len(r)) + r for seq, r in ((5, put), (6, remove)))


# Calls whose body is bytes, not JSON: their seeds as they are.
BYTES_SEEDS = {REPLICATION_PREFIX + "ApplyRecords": [("put-delete", change_records())]}


def idx_item(pk="p1", sk="1"):
    return {"pk": {"S": pk}, "sk": {"N": sk}, "ls": {"S": "l1"}, "gh": {"S": "g1"},
            "gr": {"N": "7"}, "gb": {"B": "AQID"}, "a": {"S": "projected"},
            "extra": {"N": "3"}}


SEEDS = {
    "CreateTable": [
        ("full", {
            "TableName": "fz_new",
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"},
                                     {"AttributeName": "ts", "AttributeType": "N"},
                                     {"AttributeName": "g", "AttributeType": "B"},
                                     {"AttributeName": "l", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"},
                          {"AttributeName": "ts", "KeyType": "RANGE"}],
            "LocalSecondaryIndexes": [{
                "IndexName": "by_l",
                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"},
                              {"AttributeName": "l", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["x", "y"]}}],
            "GlobalSecondaryIndexes": [{
                "IndexName": "by_g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                              {"AttributeName": "ts", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
                "ProvisionedThroughput": ID_PT}],
            "BillingMode": "PROVISIONED",
            "ProvisionedThroughput": ID_PT,
            "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
            "TableClass": "STANDARD",
            "DeletionProtectionEnabled": False}),
        ("multi-key-gsi", {
            "TableName": "fz_new4",
            "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"},
                                     {"AttributeName": "a", "AttributeType": "S"},
                                     {"AttributeName": "b", "AttributeType": "N"},
                                     {"AttributeName": "c", "AttributeType": "B"}],
            "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
            "GlobalSecondaryIndexes": [{
                "IndexName": "by_abc",
                "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"},
                              {"AttributeName": "b", "KeyType": "HASH"},
                              {"AttributeName": "c", "KeyType": "RANGE"},
                              {"AttributeName": "k", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"}}],
            "BillingMode": "PAY_PER_REQUEST"}),
        ("on-demand", {
            "TableName": "fz_new2",
            "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "B"},
                                     {"AttributeName": "g", "AttributeType": "N"}],
            "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
            "GlobalSecondaryIndexes": [{
                "IndexName": "by_g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["v"]}}],
            "BillingMode": "PAY_PER_REQUEST",
            "OnDemandThroughput": {"MaxReadRequestUnits": 100, "MaxWriteRequestUnits": 50},
            "TableClass": "STANDARD_INFREQUENT_ACCESS"}),
        ("sse-tags", {
            "TableName": "fz_new3",
            "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
            "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
            "SSESpecification": {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": "alias/k"},
            "Tags": [{"Key": "team", "Value": "db"}],
            "StreamSpecification": {"StreamEnabled": False}}),
    ],
    "DeleteTable": [
        ("created", {"TableName": "fz_new"}),
        ("fixture", {"TableName": "fz_b"}),
        ("imported", {"TableName": "fz_imp4"}),
    ],
    "DescribeTable": [
        ("indexes", {"TableName": "fz_idx"}),
        ("missing", {"TableName": "fz_missing"}),
    ],
    "ListTables": [
        ("paged", {"ExclusiveStartTableName": "fz_b", "Limit": 2}),
        ("all", {}),
    ],
    "UpdateTable": [
        ("strong", {"TableName": "fz_s", "MultiRegionConsistency": "STRONG",
                    "ReplicaUpdates": [{"Create": {"RegionName": "eu-west-1"}}],
                    "GlobalTableWitnessUpdates": [{"Create": {"RegionName": "eu-west-2"}}]}),
        ("witness-delete", {"TableName": "fz_s", "MultiRegionConsistency": "EVENTUAL",
                            "GlobalTableSettingsReplicationMode": "ENABLED",
                            "GlobalTableWitnessUpdates": [{"Delete": {"RegionName": "eu-west-2"}}]}),
        # the peer regions fuzz_request.c configures never answer: a replica
        # is added (CREATING) and removed (DELETING) all the same
        ("replica-create", {"TableName": "fz_idx", "ReplicaUpdates": [{"Create": {
            "RegionName": "eu-west-2", "KMSMasterKeyId": "alias/k",
            "GlobalSecondaryIndexes": [{"IndexName": "gsi", "OnDemandThroughputOverride": {
                "MaxReadRequestUnits": 7}}]}}]}),
        ("replica-delete", {"TableName": "fz_idx", "ReplicaUpdates": [{"Delete": {
            "RegionName": "eu-west-2"}}]}),
        # settings longer than a replica keeps (once an internal error)
        ("replica-settings-long", {"TableName": "fz_s", "ReplicaUpdates": [{"Create": {
            "RegionName": "eu-west-1", "KMSMasterKeyId": "\u00019000*k"}}]}),
        ("replica-override", {"TableName": "fz_s", "ReplicaUpdates": [{"Update": {
            "RegionName": "eu-west-1", "OnDemandThroughputOverride": {"MaxReadRequestUnits": 5},
            "GlobalSecondaryIndexes": [{"IndexName": "by_b", "OnDemandThroughputOverride": {
                "MaxReadRequestUnits": 7}}]}}]}),
        ("throughput", {"TableName": "fz_nb",
                        "ProvisionedThroughput": {"ReadCapacityUnits": 10,
                                                  "WriteCapacityUnits": 10}}),
        ("billing", {"TableName": "fz_s", "BillingMode": "PROVISIONED",
                     "ProvisionedThroughput": {"ReadCapacityUnits": 3,
                                               "WriteCapacityUnits": 4}}),
        ("gsi-create", {
            "TableName": "fz_idx",
            "AttributeDefinitions": [{"AttributeName": "gn", "AttributeType": "S"},
                                     {"AttributeName": "gr", "AttributeType": "N"}],
            "GlobalSecondaryIndexUpdates": [{"Create": {
                "IndexName": "gnew",
                "KeySchema": [{"AttributeName": "gn", "KeyType": "HASH"},
                              {"AttributeName": "gr", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["a"]}}}]}),
        ("gsi-create-provisioned", {
            "TableName": "fz_nb",
            "AttributeDefinitions": [{"AttributeName": "g2", "AttributeType": "S"}],
            "GlobalSecondaryIndexUpdates": [{"Create": {
                "IndexName": "gnew",
                "KeySchema": [{"AttributeName": "g2", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
                "ProvisionedThroughput": ID_PT}}]}),
        ("gsi-delete", {"TableName": "fz_idx",
                        "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "gsik"}}]}),
        ("gsi-update", {"TableName": "fz_nb", "GlobalSecondaryIndexUpdates": [
            {"Update": {"IndexName": "gnb", "ProvisionedThroughput": {
                "ReadCapacityUnits": 7, "WriteCapacityUnits": 7}}}]}),
        ("settings", {"TableName": "fz_b",
                      "StreamSpecification": {"StreamEnabled": True,
                                              "StreamViewType": "KEYS_ONLY"},
                      "TableClass": "STANDARD_INFREQUENT_ACCESS",
                      "DeletionProtectionEnabled": True}),
        ("on-demand", {"TableName": "fz_nb", "BillingMode": "PAY_PER_REQUEST",
                       "OnDemandThroughput": {"MaxReadRequestUnits": 10,
                                              "MaxWriteRequestUnits": 10}}),
        ("gsi-on-demand", {"TableName": "fz_idx", "GlobalSecondaryIndexUpdates": [
            {"Update": {"IndexName": "gsi", "OnDemandThroughput": {
                "MaxReadRequestUnits": 20, "MaxWriteRequestUnits": -1}}}]}),
        ("sse", {"TableName": "fz_s",
                 "SSESpecification": {"Enabled": True, "SSEType": "AES256",
                                      "KMSMasterKeyId": "alias/k"}}),
        ("replicas", {"TableName": "fz_s", "ReplicaUpdates": [
            {"Create": {"RegionName": "eu-west-1", "KMSMasterKeyId": "alias/k",
                        "ProvisionedThroughputOverride": {"ReadCapacityUnits": 5},
                        "GlobalSecondaryIndexes": [{
                            "IndexName": "gsi",
                            "ProvisionedThroughputOverride": {"ReadCapacityUnits": 5}}],
                        "TableClassOverride": "STANDARD"}},
            {"Update": {"RegionName": "eu-west-2", "KMSMasterKeyId": "alias/k",
                        "ProvisionedThroughputOverride": {"ReadCapacityUnits": 5},
                        "GlobalSecondaryIndexes": [{
                            "IndexName": "gsi",
                            "ProvisionedThroughputOverride": {"ReadCapacityUnits": 5}}],
                        "TableClassOverride": "STANDARD_INFREQUENT_ACCESS"}},
            {"Delete": {"RegionName": "eu-west-3"}}]}),
    ],
    "PutItem": [
        ("all-types", {
            "TableName": "fz_s",
            "Item": dict({"pk": {"S": "k1"}}, **ALL_TYPES),
            "ConditionExpression": "attribute_not_exists(#k) OR #n < :v",
            "ExpressionAttributeNames": {"#k": "pk", "#n": "n"},
            "ExpressionAttributeValues": {":v": {"N": "100"}},
            "ReturnValues": "ALL_OLD",
            "ReturnConsumedCapacity": "TOTAL",
            "ReturnItemCollectionMetrics": "SIZE",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}),
        ("legacy", {
            "TableName": "fz_idx",
            "Item": idx_item(),
            "Expected": {
                "a": {"Value": {"S": "projected"}, "Exists": True},
                "gone": {"Exists": False},
                "extra": {"ComparisonOperator": "BETWEEN",
                          "AttributeValueList": [{"N": "1"}, {"N": "9"}]}},
            "ConditionalOperator": "OR",
            "ReturnConsumedCapacity": "INDEXES",
            "ReturnItemCollectionMetrics": "SIZE"}),
        ("nb", {"TableName": "fz_nb",
                "Item": {"h": {"N": "1"}, "r": {"B": "AQID"}, "v": {"SS": ["x"]}}}),
        ("b", {"TableName": "fz_b", "Item": {"b": {"B": "AA=="}, "v": {"L": [{"NULL": True}]}}}),
        ("expiring", {"TableName": "fz_s", "Item": {"pk": {"S": "k5"}, "exp": {"N": "@NOW@"}}}),
    ],
    "GetItem": [
        ("projection", {"TableName": "fz_s", "Key": {"pk": {"S": "k1"}},
                        "ProjectionExpression": "#m.nested, l[1], ss",
                        "ExpressionAttributeNames": {"#m": "m"},
                        "ConsistentRead": True, "ReturnConsumedCapacity": "TOTAL"}),
        ("legacy", {"TableName": "fz_nb", "Key": {"h": {"N": "1"}, "r": {"B": "AQID"}},
                    "AttributesToGet": ["h", "v"], "ConsistentRead": False,
                    "ReturnConsumedCapacity": "NONE"}),
    ],
    "DeleteItem": [
        ("condition", {"TableName": "fz_idx", "Key": {"pk": {"S": "p1"}, "sk": {"N": "1"}},
                       "ConditionExpression": "attribute_exists(#a) AND extra = :three",
                       "ExpressionAttributeNames": {"#a": "a"},
                       "ExpressionAttributeValues": {":three": {"N": "3"}},
                       "ReturnValues": "ALL_OLD", "ReturnConsumedCapacity": "INDEXES",
                       "ReturnItemCollectionMetrics": "SIZE",
                       "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}),
        ("legacy", {"TableName": "fz_s", "Key": {"pk": {"S": "k1"}},
                    "Expected": {"n": {"ComparisonOperator": "GE",
                                       "AttributeValueList": [{"N": "0"}]},
                                 "s": {"Value": {"S": "text"}, "Exists": True}},
                    "ConditionalOperator": "AND", "ReturnValues": "NONE"}),
    ],
    "UpdateItem": [
        ("expression", {
            "TableName": "fz_s", "Key": {"pk": {"S": "k2"}},
            "UpdateExpression": "SET #c = if_not_exists(#c, :zero) + :one, l = "
                                "list_append(if_not_exists(l, :l), :l) REMOVE gone ADD ns :ns "
                                "DELETE ss :ss",
            "ConditionExpression": "attribute_not_exists(pk) OR size(ss) > :zero",
            "ExpressionAttributeNames": {"#c": "count"},
            "ExpressionAttributeValues": {":zero": {"N": "0"}, ":one": {"N": "1"},
                                          ":l": {"L": [{"S": "z"}]}, ":ns": {"NS": ["5"]},
                                          ":ss": {"SS": ["a"]}},
            "ReturnValues": "UPDATED_NEW", "ReturnConsumedCapacity": "TOTAL",
            "ReturnItemCollectionMetrics": "SIZE",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}),
        ("legacy", {
            "TableName": "fz_nb", "Key": {"h": {"N": "1"}, "r": {"B": "AQID"}},
            "AttributeUpdates": {"n": {"Value": {"N": "2"}, "Action": "ADD"},
                                 "s": {"Value": {"S": "v"}, "Action": "PUT"},
                                 "v": {"Value": {"SS": ["x"]}, "Action": "DELETE"},
                                 "gone": {"Action": "DELETE"}},
            "Expected": {"n": {"ComparisonOperator": "NULL"}, "u": {"Value": {"N": "1"}},
                         "w": {"Exists": False},
                         "s": {"ComparisonOperator": "IN",
                               "AttributeValueList": [{"S": "v"}, {"S": "w"}]}},
            "ConditionalOperator": "OR", "ReturnValues": "ALL_NEW"}),
        ("index-keys", {
            "TableName": "fz_idx", "Key": {"pk": {"S": "p1"}, "sk": {"N": "1"}},
            "UpdateExpression": "SET gh = :g, gr = :r, ls = :l",
            "ExpressionAttributeValues": {":g": {"S": "g2"}, ":r": {"N": "8"},
                                          ":l": {"S": "l2"}},
            "ReturnValues": "UPDATED_OLD"}),
    ],
    "BatchGetItem": [
        ("two-tables", {
            "RequestItems": {
                "fz_s": {"Keys": [{"pk": {"S": "k1"}}, {"pk": {"S": "k2"}}],
                         "ProjectionExpression": "#p, s", "ExpressionAttributeNames": {"#p": "pk"},
                         "ConsistentRead": True},
                "fz_nb": {"Keys": [{"h": {"N": "1"}, "r": {"B": "AQID"}}],
                          "AttributesToGet": ["h", "r"]}},
            "ReturnConsumedCapacity": "TOTAL"}),
    ],
    "BatchWriteItem": [
        ("mixed", {
            "RequestItems": {
                "fz_s": [{"PutRequest": {"Item": {"pk": {"S": "k3"}, "n": {"N": "1"}}}},
                         {"DeleteRequest": {"Key": {"pk": {"S": "k4"}}}}],
                "fz_idx": [{"PutRequest": {"Item": idx_item("p2", "2")}}]},
            "ReturnConsumedCapacity": "INDEXES", "ReturnItemCollectionMetrics": "SIZE"}),
    ],
    "TransactWriteItems": [
        ("all-actions", {
            "TransactItems": [
                {"ConditionCheck": {"TableName": "fz_nb",
                                    "Key": {"h": {"N": "1"}, "r": {"B": "AQID"}},
                                    "ConditionExpression": "attribute_exists(#h) OR :t = :t",
                                    "ExpressionAttributeNames": {"#h": "h"},
                                    "ExpressionAttributeValues": {":t": {"BOOL": True}},
                                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
                {"Put": {"TableName": "fz_s", "Item": {"pk": {"S": "t1"}, "v": {"N": "1"}},
                         "ConditionExpression": "attribute_not_exists(#p) OR v < :v",
                         "ExpressionAttributeNames": {"#p": "pk"},
                         "ExpressionAttributeValues": {":v": {"N": "9"}},
                         "ReturnValuesOnConditionCheckFailure": "NONE"}},
                {"Delete": {"TableName": "fz_idx", "Key": {"pk": {"S": "p9"}, "sk": {"N": "9"}},
                            "ConditionExpression": "attribute_not_exists(#a) OR a <> :a",
                            "ExpressionAttributeNames": {"#a": "a"},
                            "ExpressionAttributeValues": {":a": {"S": "x"}},
                            "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
                {"Update": {"TableName": "fz_b", "Key": {"b": {"B": "AQ=="}},
                            "UpdateExpression": "SET #c = :c ADD n :one",
                            "ConditionExpression": "attribute_not_exists(n) OR n < :c",
                            "ExpressionAttributeNames": {"#c": "c"},
                            "ExpressionAttributeValues": {":c": {"N": "10"}, ":one": {"N": "1"}},
                            "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}}],
            "ReturnConsumedCapacity": "TOTAL", "ReturnItemCollectionMetrics": "SIZE",
            "ClientRequestToken": "token-1"}),
    ],
    "TransactGetItems": [
        ("two", {
            "TransactItems": [
                {"Get": {"TableName": "fz_s", "Key": {"pk": {"S": "k1"}},
                         "ProjectionExpression": "#p, m.nested", "ExpressionAttributeNames": {"#p": "pk"}}},
                {"Get": {"TableName": "fz_idx", "Key": {"pk": {"S": "p1"}, "sk": {"N": "1"}}}}],
            "ReturnConsumedCapacity": "TOTAL"}),
    ],
    "Query": [
        ("expression", {
            "TableName": "fz_idx",
            "KeyConditionExpression": "#p = :p AND sk BETWEEN :lo AND :hi",
            "FilterExpression": "extra > :zero",
            "ProjectionExpression": "#p, sk, a",
            "ExpressionAttributeNames": {"#p": "pk"},
            "ExpressionAttributeValues": {":p": {"S": "p1"}, ":lo": {"N": "0"}, ":hi": {"N": "10"},
                                          ":zero": {"N": "0"}},
            "ExclusiveStartKey": {"pk": {"S": "p1"}, "sk": {"N": "0"}},
            "Limit": 10, "ScanIndexForward": False, "ConsistentRead": True,
            "Select": "SPECIFIC_ATTRIBUTES", "ReturnConsumedCapacity": "INDEXES"}),
        ("gsi", {
            "TableName": "fz_idx", "IndexName": "gsi",
            "KeyConditionExpression": "gh = :g AND gr >= :r",
            "ExpressionAttributeValues": {":g": {"S": "g1"}, ":r": {"N": "1"}},
            "Select": "ALL_PROJECTED_ATTRIBUTES"}),
        ("gsi-multi", {
            "TableName": "fz_idx", "IndexName": "gmk",
            "KeyConditionExpression": "gb = :b AND gh = :g AND gr = :r AND begins_with(ls, :l)",
            "ExpressionAttributeValues": {":g": {"S": "g1"}, ":b": {"B": "AA=="},
                                          ":r": {"N": "1"}, ":l": {"S": "l"}},
            "ExclusiveStartKey": {"pk": {"S": "p1"}, "sk": {"N": "1"}, "gh": {"S": "g1"},
                                  "gb": {"B": "AA=="}, "gr": {"N": "1"}, "ls": {"S": "l1"}},
            "ScanIndexForward": False, "Limit": 3}),
        ("legacy", {
            "TableName": "fz_idx", "IndexName": "lsi",
            "KeyConditions": {"pk": {"ComparisonOperator": "EQ",
                                     "AttributeValueList": [{"S": "p1"}]},
                              "ls": {"ComparisonOperator": "BEGINS_WITH",
                                     "AttributeValueList": [{"S": "l"}]}},
            "QueryFilter": {"extra": {"ComparisonOperator": "NE",
                                      "AttributeValueList": [{"N": "4"}]},
                            "a": {"ComparisonOperator": "NOT_NULL"}},
            "ConditionalOperator": "AND", "AttributesToGet": ["pk", "a"],
            "Select": "SPECIFIC_ATTRIBUTES", "Limit": 5}),
        ("nb", {"TableName": "fz_nb", "KeyConditionExpression": "h = :h AND begins_with(r, :r)",
                "ExpressionAttributeValues": {":h": {"N": "1"}, ":r": {"B": "AQ=="}},
                "Select": "COUNT"}),
    ],
    "ExecuteStatement": [
        ("select-key", {"Statement": 'SELECT pk, "a".b[0] FROM fz_s WHERE pk = ?',
                        "Parameters": [{"S": "k1"}], "ConsistentRead": True,
                        "ReturnConsumedCapacity": "TOTAL"}),
        ("select-query", {"Statement": 'SELECT * FROM "fz_idx"."lsi" WHERE pk = \'p\' AND '
                                       'ls BETWEEN \'a\' AND \'z\' ORDER BY ls DESC',
                          "Limit": 3, "NextToken": "AAAA"}),
        ("select-partitions", {"Statement": "SELECT * FROM fz_idx WHERE pk IN ['p', ?] AND "
                                            "sk > 0 ORDER BY pk DESC",
                               "Parameters": [{"S": "q"}], "Limit": 2}),
        ("select-scan", {"Statement": "SELECT * FROM fz_idx WHERE a IS NOT MISSING AND "
                                      "(begins_with(a, 'x') OR size(a) > 2 OR a IN [1, 2])"}),
        ("insert", {"Statement": "INSERT INTO fz_s VALUE {'pk': ?, 'a': <<1, 2>>, "
                                 "'m': {'l': [true, NULL, 'x']}}",
                    "Parameters": [{"S": "ins"}]}),
        ("update", {"Statement": "UPDATE fz_idx SET a = a + 1 REMOVE b WHERE pk = 'p' AND sk = 1 "
                                 "AND attribute_exists(a) RETURNING ALL NEW *",
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}),
        ("delete", {"Statement": "DELETE FROM fz_nb WHERE h = 1 AND r = ? -- comment",
                    "Parameters": [{"B": "AQI="}]}),
    ],
    "BatchExecuteStatement": [
        ("reads", {"Statements": [
            {"Statement": "SELECT pk, m.l[1] FROM fz_s WHERE pk = ?",
             "Parameters": [{"S": "k1"}], "ConsistentRead": True},
            {"Statement": 'SELECT * FROM "fz_idx" WHERE pk = \'p\' AND sk = 1'},
            {"Statement": "SELECT * FROM fz_idx WHERE pk = 'p'"}],
            "ReturnConsumedCapacity": "INDEXES"}),
        ("writes", {"Statements": [
            {"Statement": "INSERT INTO fz_s VALUE {'pk': 'bi', 'n': 1}"},
            {"Statement": "UPDATE fz_idx SET a = 'x' WHERE pk = 'p' AND sk = 2 AND a = ?",
             "Parameters": [{"S": "y"}], "ReturnValuesOnConditionCheckFailure": "ALL_OLD"},
            {"Statement": "DELETE FROM fz_nb WHERE h = 2 AND r = ?", "Parameters": [{"B": "AQ=="}]}],
            "ReturnConsumedCapacity": "TOTAL"}),
    ],
    "ExecuteTransaction": [
        ("writes", {"TransactStatements": [
            {"Statement": "EXISTS(SELECT * FROM fz_s WHERE pk = 'k1' AND n IS MISSING)"},
            {"Statement": "INSERT INTO fz_idx VALUE {'pk': 'tx', 'sk': ?}",
             "Parameters": [{"N": "3"}]},
            {"Statement": "UPDATE fz_nb SET g = 'v' WHERE h = 1 AND r = ? AND g <> 'v'",
             "Parameters": [{"B": "AQI="}], "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}],
            "ClientRequestToken": "fuzz-token-1", "ReturnConsumedCapacity": "TOTAL"}),
        ("reads", {"TransactStatements": [
            {"Statement": "SELECT * FROM fz_s WHERE pk = 'k1'"},
            {"Statement": "SELECT a FROM fz_idx WHERE pk = 'p' AND sk = 1"}]}),
    ],
    "Scan": [
        ("imported", {"TableName": "fz_imp3", "IndexName": "gnum", "ConsistentRead": False}),
        ("expression", {
            "TableName": "fz_idx",
            "FilterExpression": "contains(#a, :x) OR attribute_type(extra, :n)",
            "ProjectionExpression": "#a, extra",
            "ExpressionAttributeNames": {"#a": "a"},
            "ExpressionAttributeValues": {":x": {"S": "proj"}, ":n": {"S": "N"}},
            "Limit": 3, "Segment": 1, "TotalSegments": 4, "ConsistentRead": True,
            "Select": "SPECIFIC_ATTRIBUTES", "ReturnConsumedCapacity": "TOTAL"}),
        ("legacy", {
            "TableName": "fz_s",
            "ScanFilter": {"n": {"ComparisonOperator": "LT", "AttributeValueList": [{"N": "0"}]},
                           "s": {"ComparisonOperator": "CONTAINS",
                                 "AttributeValueList": [{"S": "x"}]},
                           "ss": {"ComparisonOperator": "NOT_CONTAINS",
                                  "AttributeValueList": [{"S": "q"}]}},
            "ConditionalOperator": "OR", "AttributesToGet": ["pk", "n"],
            "ExclusiveStartKey": {"pk": {"S": "k1"}},
            "Select": "SPECIFIC_ATTRIBUTES"}),
        ("index", {"TableName": "fz_idx", "IndexName": "gsik", "Select": "COUNT",
                   "Limit": 100}),
    ],
    "UpdateTimeToLive": [
        ("enable", {"TableName": "fz_s",
                    "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "exp"}}),
        ("disable", {"TableName": "fz_s",
                     "TimeToLiveSpecification": {"Enabled": False, "AttributeName": "exp"}}),
        ("other-table", {"TableName": "fz_idx",
                         "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "extra"}}),
    ],
    "DescribeTimeToLive": [
        ("fixture", {"TableName": "fz_s"}),
    ],
    "TagResource": [
        ("two", {"ResourceArn": ARN_S, "Tags": [{"Key": "team", "Value": "db"},
                                                 {"Key": "empty", "Value": ""}]}),
    ],
    "UntagResource": [
        ("keys", {"ResourceArn": ARN_S, "TagKeys": ["team", "absent"]}),
    ],
    "ListTagsOfResource": [
        ("token", {"ResourceArn": ARN_S, "NextToken": "t"}),
        ("table", {"ResourceArn": ARN_S}),
    ],
    "PutResourcePolicy": [
        ("all", {"ResourceArn": ARN_S, "Policy": POLICY, "ExpectedRevisionId": "NO_POLICY",
                 "ConfirmRemoveSelfResourceAccess": True}),
    ],
    "GetResourcePolicy": [
        ("table", {"ResourceArn": ARN_S}),
    ],
    "DeleteResourcePolicy": [
        ("expected", {"ResourceArn": ARN_S, "ExpectedRevisionId": "1"}),
        ("table", {"ResourceArn": ARN_S}),
    ],
    "DescribeEndpoints": [("empty", {})],
    "DescribeLimits": [("empty", {})],
    "CreateBackup": [("fixture", {"TableName": "fz_s", "BackupName": "fz-backup"})],
    "DescribeBackup": [("unknown", {"BackupArn": BACKUP_ARN}),
                       ("fixture", {"BackupArn": "@BACKUP_ARN@"})],
    "DeleteBackup": [("unknown", {"BackupArn": BACKUP_ARN}),
                     ("fixture", {"BackupArn": "@BACKUP_ARN@"})],
    "ListBackups": [
        ("all", {"TableName": "fz_s", "Limit": 10, "TimeRangeLowerBound": 1700000000.5,
                 "TimeRangeUpperBound": 1900000000, "ExclusiveStartBackupArn": BACKUP_ARN,
                 "BackupType": "ALL"}),
        ("empty", {}),
        ("after-fixture", {"TableName": "fz_idx", "ExclusiveStartBackupArn": "@BACKUP_ARN@",
                           "BackupType": "USER"}),
    ],
    "RestoreTableFromBackup": [
        ("fixture", {"TargetTableName": "fz_restored3", "BackupArn": "@BACKUP_ARN@"}),
        ("fixture-overrides", {"TargetTableName": "fz_restored4", "BackupArn": "@BACKUP_ARN@",
                               "BillingModeOverride": "PROVISIONED",
                               "ProvisionedThroughputOverride": ID_PT,
                               "GlobalSecondaryIndexOverride": [{
                                   "IndexName": "gsik",
                                   "KeySchema": [{"AttributeName": "gb", "KeyType": "HASH"}],
                                   "Projection": {"ProjectionType": "KEYS_ONLY"},
                                   "ProvisionedThroughput": ID_PT}],
                               "LocalSecondaryIndexOverride": []}),
        ("overrides", {"TargetTableName": "fz_restored", "BackupArn": BACKUP_ARN,
                       "BillingModeOverride": "PROVISIONED", "ProvisionedThroughputOverride": ID_PT,
                       "GlobalSecondaryIndexOverride": [{
                           "IndexName": "by_g",
                           "KeySchema": [{"AttributeName": "gh", "KeyType": "HASH"}],
                           "Projection": {"ProjectionType": "INCLUDE",
                                          "NonKeyAttributes": ["a"]},
                           "ProvisionedThroughput": ID_PT}],
                       "LocalSecondaryIndexOverride": [{
                           "IndexName": "by_ls",
                           "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                         {"AttributeName": "ls", "KeyType": "RANGE"}],
                           "Projection": {"ProjectionType": "INCLUDE",
                                          "NonKeyAttributes": ["a"]}}],
                       "SSESpecificationOverride": {"Enabled": True, "SSEType": "KMS",
                                                    "KMSMasterKeyId": "alias/k"}}),
        ("drop-indexes", {"TargetTableName": "fz_restored2", "BackupArn": BACKUP_ARN,
                          "GlobalSecondaryIndexOverride": [], "LocalSecondaryIndexOverride": []}),
    ],
    "UpdateContinuousBackups": [
        ("enable", {"TableName": "fz_s", "PointInTimeRecoverySpecification": {
            "PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 7}}),
        ("disable", {"TableName": "fz_idx", "PointInTimeRecoverySpecification": {
            "PointInTimeRecoveryEnabled": False}}),
        ("enable-short", {"TableName": "fz_nb", "PointInTimeRecoverySpecification": {
            "PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 1}}),
    ],
    "DescribeContinuousBackups": [("fixture", {"TableName": "fz_s"})],
    "RestoreTableToPointInTime": [
        ("latest", {"SourceTableName": "fz_s", "TargetTableName": "fz_pitr3",
                    "UseLatestRestorableTime": True}),
        # a time past any date (its second's end overflowed)
        ("far-time", {"SourceTableName": "fz_s", "TargetTableName": "fz_pitr5",
                      "RestoreDateTime": 10 ** 20}),
        ("arn-latest", {"SourceTableArn": ARN_IDX, "TargetTableName": "fz_pitr4",
                        "UseLatestRestorableTime": True, "BillingModeOverride": "PAY_PER_REQUEST",
                        "GlobalSecondaryIndexOverride": []}),
        ("latest-overrides", {"SourceTableName": "fz_idx", "TargetTableName": "fz_pitr",
                              "UseLatestRestorableTime": True,
                              "BillingModeOverride": "PROVISIONED",
                              "ProvisionedThroughputOverride": ID_PT,
                              "GlobalSecondaryIndexOverride": [{
                                  "IndexName": "gsi",
                                  "KeySchema": [{"AttributeName": "gh", "KeyType": "HASH"},
                                                {"AttributeName": "gr", "KeyType": "RANGE"}],
                                  "Projection": {"ProjectionType": "INCLUDE",
                                                 "NonKeyAttributes": ["a"]},
                                  "ProvisionedThroughput": ID_PT}],
                              "LocalSecondaryIndexOverride": [{
                                  "IndexName": "lsi",
                                  "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                                {"AttributeName": "ls", "KeyType": "RANGE"}],
                                  "Projection": {"ProjectionType": "INCLUDE",
                                                 "NonKeyAttributes": ["a"]}}],
                              "SSESpecificationOverride": {"Enabled": True, "SSEType": "KMS",
                                                           "KMSMasterKeyId": "alias/k"}}),
        ("arn-time", {"SourceTableArn": ARN_S, "TargetTableName": "fz_pitr2",
                      "RestoreDateTime": 1700000000.5, "GlobalSecondaryIndexOverride": [],
                      "LocalSecondaryIndexOverride": []}),
    ],
    "ExportTableToPointInTime": [
        ("now", {"TableArn": ARN_S, "S3Bucket": "fz-bucket", "S3Prefix": "fz/x"}),
        ("ion", {"TableArn": ARN_IDX, "S3Bucket": "fz-bucket", "ExportFormat": "ION",
                 "ClientToken": "fz-ion"}),
        # times past any date: 10^20 s is no int64 of milliseconds
        ("far-time", {"TableArn": ARN_S, "S3Bucket": "fz-bucket", "ExportTime": 10 ** 20}),
        ("far-period", {"TableArn": ARN_S, "S3Bucket": "fz-bucket",
                        "ExportType": "INCREMENTAL_EXPORT", "IncrementalExportSpecification": {
                            "ExportFromTime": -10 ** 20, "ExportToTime": 10 ** 20}}),
        ("full", {"TableArn": ARN_S, "ExportTime": 1700000000.5, "ClientToken": "fz-token",
                  "S3Bucket": "fz-bucket", "S3BucketOwner": "000000000000", "S3Prefix": "fz/p",
                  "S3SseAlgorithm": "KMS", "S3SseKmsKeyId": "alias/k",
                  "ExportFormat": "DYNAMODB_JSON", "ExportType": "FULL_EXPORT"}),
        ("incremental", {"TableArn": ARN_S, "S3Bucket": "fz-bucket",
                         "ExportType": "INCREMENTAL_EXPORT", "IncrementalExportSpecification": {
                             "ExportFromTime": 1700000000, "ExportToTime": 1700001000,
                             "ExportViewType": "NEW_AND_OLD_IMAGES"}}),
    ],
    "DescribeExport": [("unknown", {"ExportArn": ARN_S + "/export/01700000000000-0123abcd"}),
                       ("fixture", {"ExportArn": "@EXPORT_ARN@"})],
    "ListExports": [("table", {"TableArn": ARN_S, "MaxResults": 5, "NextToken": "x"}),
                    ("all", {}), ("fixture-table", {"TableArn": ARN_S, "MaxResults": 1})],
    "ImportTable": [
        # what the target's export of fz_s wrote (its data files and manifests)
        ("from-export", {"S3BucketSource": {"S3Bucket": "fz-bucket", "S3KeyPrefix": "fz/export"},
                         "InputFormat": "DYNAMODB_JSON", "InputCompressionType": "GZIP",
                         "TableCreationParameters": {
                             "TableName": "fz_imp5",
                             "AttributeDefinitions": [
                                 {"AttributeName": "pk", "AttributeType": "S"}],
                             "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                             "BillingMode": "PAY_PER_REQUEST"}}),
        ("csv", {"ClientToken": "fz-import", "S3BucketSource": {
                     "S3BucketOwner": "000000000000", "S3Bucket": "fz-bucket",
                     "S3KeyPrefix": "fz/in/"},
                 "InputFormat": "CSV", "InputFormatOptions": {"Csv": {
                     "Delimiter": ";", "HeaderList": ["pk", "g", "v"]}},
                 "InputCompressionType": "GZIP",
                 "TableCreationParameters": {
                     "TableName": "fz_imp",
                     "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                              {"AttributeName": "g", "AttributeType": "N"}],
                     "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                     "BillingMode": "PROVISIONED",
                     "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
                     "SSESpecification": {"Enabled": True, "SSEType": "KMS",
                                          "KMSMasterKeyId": "alias/k"},
                     "GlobalSecondaryIndexes": [{
                         "IndexName": "gimp", "KeySchema": [{"AttributeName": "g",
                                                           "KeyType": "HASH"}],
                         "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["v"]},
                         "ProvisionedThroughput": {"ReadCapacityUnits": 1,
                                                   "WriteCapacityUnits": 1},
                         "OnDemandThroughput": {"MaxReadRequestUnits": 5,
                                                "MaxWriteRequestUnits": 5}}]}}),
        ("json", {"S3BucketSource": {"S3Bucket": "fz-bucket"}, "InputFormat": "DYNAMODB_JSON",
                  "InputCompressionType": "NONE",
                  "TableCreationParameters": {
                      "TableName": "fz_imp2",
                      "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                      "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                      "BillingMode": "PAY_PER_REQUEST",
                      "OnDemandThroughput": {"MaxReadRequestUnits": 5,
                                             "MaxWriteRequestUnits": 5}}}),
        # the sources fuzz_request.c writes: one prefix per format
        ("json-prefix", {"S3BucketSource": {"S3Bucket": "fz-bucket", "S3KeyPrefix": "fz/json/"},
                         "InputFormat": "DYNAMODB_JSON",
                         "TableCreationParameters": {
                             "TableName": "fz_imp3",
                             "AttributeDefinitions": [
                                 {"AttributeName": "pk", "AttributeType": "S"},
                                 {"AttributeName": "n", "AttributeType": "N"}],
                             "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                             "BillingMode": "PAY_PER_REQUEST",
                             "GlobalSecondaryIndexes": [{
                                 "IndexName": "gnum", "KeySchema": [{"AttributeName": "n",
                                                                  "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "ALL"}}]}}),
        ("csv-gzip", {"S3BucketSource": {"S3Bucket": "fz-bucket", "S3KeyPrefix": "fz/in/"},
                      "InputFormat": "CSV", "InputCompressionType": "GZIP",
                      "InputFormatOptions": {"Csv": {"Delimiter": ";",
                                                     "HeaderList": ["pk", "g", "v"]}},
                      "TableCreationParameters": {
                          "TableName": "fz_imp7",
                          "AttributeDefinitions": [
                              {"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "g", "AttributeType": "N"}],
                          "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                        {"AttributeName": "g", "KeyType": "RANGE"}],
                          "BillingMode": "PAY_PER_REQUEST"}}),
        ("ion", {"S3BucketSource": {"S3Bucket": "fz-bucket", "S3KeyPrefix": "fz/ion/"},
                 "InputFormat": "ION", "InputCompressionType": "NONE",
                 "TableCreationParameters": {
                     "TableName": "fz_imp4",
                     "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                     "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                     "BillingMode": "PAY_PER_REQUEST"}}),
        ("zstd", {"S3BucketSource": {"S3Bucket": "fz-bucket", "S3KeyPrefix": "fz/zstd/"},
                  "InputFormat": "DYNAMODB_JSON", "InputCompressionType": "ZSTD",
                  "TableCreationParameters": {
                      "TableName": "fz_imp5",
                      "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                      "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                      "BillingMode": "PAY_PER_REQUEST"}}),
        ("csv-header", {"S3BucketSource": {"S3Bucket": "fz-bucket", "S3KeyPrefix": "fz/in/part-1"},
                        "InputFormat": "CSV", "InputFormatOptions": {"Csv": {"Delimiter": ";"}},
                        "TableCreationParameters": {
                            "TableName": "fz_imp6",
                            "AttributeDefinitions": [
                                {"AttributeName": "k4", "AttributeType": "S"}],
                            "KeySchema": [{"AttributeName": "k4", "KeyType": "HASH"}],
                            "BillingMode": "PAY_PER_REQUEST"}}),
    ],
    "DescribeImport": [("unknown", {"ImportArn": ARN_S + "/import/01700000000000-0123abcd"})],
    "ListImports": [("table", {"TableArn": ARN_S, "PageSize": 5, "NextToken": "0" * 112}),
                    ("all", {})],
    "UpdateContributorInsights": [
        ("enable", {"TableName": "fz_s", "ContributorInsightsAction": "ENABLE"}),
        ("index-throttled", {"TableName": "fz_idx", "IndexName": "gsik",
                             "ContributorInsightsAction": "ENABLE",
                             "ContributorInsightsMode": "THROTTLED_KEYS"}),
        ("disable", {"TableName": "fz_s", "ContributorInsightsAction": "DISABLE",
                     "ContributorInsightsMode": "ACCESSED_AND_THROTTLED_KEYS"}),
    ],
    "DescribeContributorInsights": [
        ("table", {"TableName": "fz_s"}),
        ("index", {"TableName": "fz_idx", "IndexName": "gsik"}),
    ],
    "ListContributorInsights": [
        ("table", {"TableName": "fz_idx", "MaxResults": 5, "NextToken": "fz_idx/gsik"}),
        ("all", {}),
    ],
    "ListStreams": [
        ("table", {"TableName": "fz_s", "Limit": 5, "ExclusiveStartStreamArn": "@STREAM_ARN@"}),
        ("all", {}),
    ],
    "DescribeStream": [
        ("paged", {"StreamArn": "@STREAM_ARN@", "Limit": 10,
                   "ExclusiveStartShardId": "@SHARD_ID@"}),
        ("children", {"StreamArn": "@STREAM_ARN@",
                      "ShardFilter": {"Type": "CHILD_SHARDS", "ShardId": "@SHARD_ID@"}}),
        ("all", {"StreamArn": "@STREAM_ARN@"}),
    ],
    "GetShardIterator": [
        ("trim-horizon", {"StreamArn": "@STREAM_ARN@", "ShardId": "@SHARD_ID@",
                          "ShardIteratorType": "TRIM_HORIZON"}),
        ("latest", {"StreamArn": "@STREAM_ARN@", "ShardId": "@SHARD_ID@",
                    "ShardIteratorType": "LATEST"}),
        ("at-sequence", {"StreamArn": "@STREAM_ARN@", "ShardId": "@SHARD_ID@",
                         "ShardIteratorType": "AT_SEQUENCE_NUMBER", "SequenceNumber": "@SEQUENCE@"}),
        ("after-sequence", {"StreamArn": "@STREAM_ARN@", "ShardId": "@SHARD_ID@",
                            "ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
                            "SequenceNumber": "@SEQUENCE@"}),
    ],
    "CreateGlobalTable": [("legacy", {"GlobalTableName": "fz_s", "ReplicationGroup": [
        {"RegionName": "us-east-1"}, {"RegionName": "eu-west-1"}]})],
    "UpdateGlobalTable": [("legacy", {"GlobalTableName": "fz_s", "ReplicaUpdates": [
        {"Create": {"RegionName": "eu-west-1"}}, {"Delete": {"RegionName": "eu-west-2"}}]})],
    "DescribeGlobalTable": [("legacy", {"GlobalTableName": "fz_s"})],
    "ListGlobalTables": [("paged", {"ExclusiveStartGlobalTableName": "fz_b", "Limit": 2,
                                    "RegionName": "us-east-1"}), ("all", {})],
    "DescribeGlobalTableSettings": [("legacy", {"GlobalTableName": "fz_s"})],
    "UpdateGlobalTableSettings": [("all", {
        "GlobalTableName": "fz_s", "GlobalTableBillingMode": "PROVISIONED",
        "GlobalTableProvisionedWriteCapacityUnits": 5,
        "GlobalTableProvisionedWriteCapacityAutoScalingSettingsUpdate": AUTO_SCALING,
        "GlobalTableGlobalSecondaryIndexSettingsUpdate": [{
            "IndexName": "gsi", "ProvisionedWriteCapacityUnits": 5,
            "ProvisionedWriteCapacityAutoScalingSettingsUpdate": AUTO_SCALING}],
        "ReplicaSettingsUpdate": [{
            "RegionName": "eu-west-1", "ReplicaProvisionedReadCapacityUnits": 5,
            "ReplicaProvisionedReadCapacityAutoScalingSettingsUpdate": AUTO_SCALING,
            "ReplicaGlobalSecondaryIndexSettingsUpdate": [{
                "IndexName": "gsi", "ProvisionedReadCapacityUnits": 5,
                "ProvisionedReadCapacityAutoScalingSettingsUpdate": AUTO_SCALING}],
            "ReplicaTableClass": "STANDARD"}]})],
    "DescribeTableReplicaAutoScaling": [("fixture", {"TableName": "fz_idx"})],
    "UpdateTableReplicaAutoScaling": [("all", {
        "TableName": "fz_idx",
        "ProvisionedWriteCapacityAutoScalingUpdate": AUTO_SCALING,
        "GlobalSecondaryIndexUpdates": [{
            "IndexName": "gsi", "ProvisionedWriteCapacityAutoScalingUpdate": AUTO_SCALING}],
        "ReplicaUpdates": [{
            "RegionName": "eu-west-1",
            "ReplicaProvisionedReadCapacityAutoScalingUpdate": AUTO_SCALING,
            "ReplicaGlobalSecondaryIndexUpdates": [{
                "IndexName": "gsi", "ProvisionedReadCapacityAutoScalingUpdate": AUTO_SCALING}]}]})],
    # Changes: T the change's time, O its origin region, K the key, I the
    # new image (none: a delete).
    REPLICATION_PREFIX + "ApplyChanges": [
        ("put-delete", {"TableName": "fz_idx", "Changes": [
            {"T": "1700000000000", "O": "eu-west-1", "K": {"pk": {"S": "r1"}, "sk": {"N": "1"}},
             "I": dict(idx_item("r1"), **ALL_TYPES)},
            {"T": "1700000000001", "O": "eu-west-1",
             "K": {"pk": {"S": "p1"}, "sk": {"N": "1"}}}]}),
        ("other-keys", {"TableName": "fz_nb", "Changes": [
            {"T": "18446744073709551615", "O": "ap-south-1",
             "K": {"h": {"N": "1"}, "r": {"B": "AQID"}},
             "I": {"h": {"N": "1"}, "r": {"B": "AQID"}, "g": {"S": "x"}}}]}),
        ("stream", {"TableName": "fz_s", "Changes": [
            {"T": "1", "O": "eu-west-1", "K": {"pk": {"S": "k9"}},
             "I": {"pk": {"S": "k9"}, "exp": {"N": "@NOW@"}}}]}),
    ],
    REPLICATION_PREFIX + "SetGroup": [
        ("members", {"TableName": "fz_s", "Members": [
            {"RegionName": "us-east-1", "ReplicaStatus": "ACTIVE"},
            {"RegionName": "eu-west-1", "ReplicaStatus": "CREATING"},
            {"RegionName": "eu-west-2", "ReplicaStatus": "DELETING"}]}),
        ("overrides", {"TableName": "fz_s", "Members": [
            {"RegionName": "us-east-1", "ReplicaStatus": "ACTIVE", "Overrides": {}},
            {"RegionName": "eu-west-1", "ReplicaStatus": "ACTIVE", "Overrides": {
                "OnDemandThroughputOverride": {"MaxReadRequestUnits": 5},
                "GlobalSecondaryIndexes": [{"IndexName": "by_b", "OnDemandThroughputOverride": {
                    "MaxReadRequestUnits": 7}}]}}]}),
        ("leave", {"TableName": "fz_s", "Members": [
            {"RegionName": "eu-west-1", "ReplicaStatus": "ACTIVE"}]}),
    ],
    # Operation: the public settings operation a region applied; Request: its body.
    REPLICATION_PREFIX + "Settings": [
        ("update-table", {"Operation": "UpdateTable", "Request": {
            "TableName": "fz_idx", "BillingMode": "PAY_PER_REQUEST",
            "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
            "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "gsik"}}]}}),
        ("ttl", {"Operation": "UpdateTimeToLive", "Request": {
            "TableName": "fz_s",
            "TimeToLiveSpecification": {"Enabled": False, "AttributeName": "exp"}}}),
    ],
    "GetRecords": [
        ("limit", {"ShardIterator": "@SHARD_ITERATOR@", "Limit": 2}),
        ("all", {"ShardIterator": "@SHARD_ITERATOR@"}),
    ],
}


def load_models():
    """{operation: its model} for the models that are installed."""
    out = {}
    for path, ops in ((MODEL, OPERATIONS), (STREAMS_MODEL, STREAMS_OPERATIONS)):
        if os.path.exists(path):
            with open(path) as f:
                model = json.load(f)
            out.update((op, model) for op in ops)
        else:
            print("note: %s not found; member coverage of %s not checked"
                  % (path, ", ".join(ops)))
    return out


def model_paths(model, op):
    """Every member path of op's input (a.b[].c, maps as {}), with
    AttributeValue as a leaf."""
    shapes = model["shapes"]
    out = set()

    def walk(name, path):
        shape = shapes[name]
        if name == "AttributeValue" or shape["type"] not in ("structure", "list", "map"):
            out.add(path)
            return
        if shape["type"] == "structure":
            for member, ref in shape["members"].items():
                walk(ref["shape"], (path + "." if path else "") + member)
        elif shape["type"] == "list":
            walk(shape["member"]["shape"], path + "[]")
        else:
            walk(shape["value"]["shape"], path + "{}")

    walk(model["operations"][op]["input"]["shape"], "")
    return out


def seed_paths(value, path, model_shape, shapes, out):
    """The model paths a request uses (descending like model_paths)."""
    if model_shape == "AttributeValue" or shapes[model_shape]["type"] not in (
            "structure", "list", "map"):
        out.add(path)
        return
    shape = shapes[model_shape]
    if shape["type"] == "structure":
        for member, v in value.items():
            ref = shape["members"].get(member)
            if ref is None:  # newer than the model: name it with its members
                prefix = (path + "." if path else "") + member
                out.update([prefix + "." + k for k in v] if isinstance(v, dict) else [prefix])
                continue
            seed_paths(v, (path + "." if path else "") + member, ref["shape"], shapes, out)
    elif shape["type"] == "list":
        for v in value:
            seed_paths(v, path + "[]", shape["member"]["shape"], shapes, out)
    else:
        for v in value.values():
            seed_paths(v, path + "{}", shape["value"]["shape"], shapes, out)


def attribute_types(value, found):
    if isinstance(value, dict):
        if len(value) == 1:
            (tag, inner), = value.items()
            if tag in ("S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"):
                found.add(tag)
        for v in value.values():
            attribute_types(v, found)
    elif isinstance(value, list):
        for v in value:
            attribute_types(v, found)


def check():
    problems = []
    models = load_models()
    for op in OPERATIONS + STREAMS_OPERATIONS + REPLICATION_OPERATIONS:
        if not SEEDS.get(op):
            problems.append("%s: no seed" % op)
            continue
        if op in NEWER_OPERATIONS:
            got = set()
            for _, body in SEEDS[op]:
                got.update(body)
            problems.extend("%s: no seed uses %s" % (op, m)
                            for m in NEWER_OPERATIONS[op] if m not in got)
            continue
        if op not in models:
            continue
        model = models[op]
        want = model_paths(model, op) | set(NEWER.get(op, []))
        got = set()
        shape = model["operations"][op]["input"]["shape"]
        for _, body in SEEDS[op]:
            seed_paths(body, "", shape, model["shapes"], got)
        for path in sorted(want - got):
            problems.append("%s: no seed uses %s" % (op, path))
    types = set()
    for op in OPERATIONS:
        for _, body in SEEDS.get(op, []):
            attribute_types(body, types)
    for tag in ("S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"):
        if tag not in types:
            problems.append("no seed uses the AttributeValue type %s" % tag)
    used = json.dumps(SEEDS)
    for p in PLACEHOLDERS:
        if p not in used:
            problems.append("no seed uses the placeholder %s" % p)
    return problems


def dictionary():
    words = set(OPERATIONS + STREAMS_OPERATIONS + REPLICATION_OPERATIONS + PLACEHOLDERS +
                NEWER_ENUMS)
    models = load_models()
    for op, model in models.items():
        if op in NEWER_OPERATIONS:
            words.update(NEWER_OPERATIONS[op])
            continue
        for path in model_paths(model, op):
            words.update(p for p in path.replace("[]", "").replace("{}", "").split(".") if p)
    for model in {id(m): m for m in models.values()}.values():
        for shape in model["shapes"].values():
            words.update(shape.get("enum", []))
    for paths in NEWER.values():
        for p in paths:
            words.update(p.replace("[]", "").split("."))
    words.update(["S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS",
                  "fz_s", "fz_nb", "fz_idx", "fz_b", "lsi", "gsi", "gsik", "exp",
                  "fz-bucket", "fz/in/", "fz/export", "fz_restored3", "fz_pitr3", "fz/json/", "fz/ion/", "fz/zstd/", "fz_imp3", "fz_imp4",
                  "SET", "REMOVE", "ADD", "DELETE", "AND", "OR", "NOT", "BETWEEN", "IN",
                  "attribute_exists", "attribute_not_exists", "attribute_type", "begins_with",
                  "contains", "size", "if_not_exists", "list_append",
                  "true", "false", "null", "1e400", "-0",
                  "DynamoDB_20120810.", "DynamoDBStreams_20120810.", REPLICATION_PREFIX,
                  "ApplyChanges", "ApplyRecords", "SetGroup", "Settings", "Operation", "Request", "T", "O", "K", "I", "RegionName", "ReplicaStatus",
                  "us-east-1", "eu-west-1", "ACTIVE", "CREATING", "DELETING", "UPDATING",
                  "CREATION_FAILED"])
    lines = ["# fuzz_request: member names, operations, enum values, type tags,",
             "# placeholders and expression words (written by make_request_seeds.py)"]
    for i, w in enumerate(sorted(words)):
        esc = w.replace("\\", "\\\\").replace('"', '\\"')
        lines.append('w%d="%s"' % (i, esc))
        lines.append('q%d="\\"%s\\""' % (i, esc))
    # the compact spelling of long values (see fuzz_request.c), as JSON text
    lines.append('x0="\\\\u0001100*"')
    lines.append('x1="\\"\\\\u00011000*"')
    lines.append('x2="\\\\u000120000#"')
    return "\n".join(lines) + "\n"


def main():
    problems = check()
    for p in problems:
        print(p)
    if problems:
        sys.exit(1)
    if "--check" in sys.argv:
        return
    os.makedirs(SEED_DIR, exist_ok=True)
    for old in os.listdir(SEED_DIR):
        os.remove(os.path.join(SEED_DIR, old))
    count = 0
    for op in OPERATIONS + STREAMS_OPERATIONS + REPLICATION_OPERATIONS:
        for name, body in SEEDS[op]:
            with open(os.path.join(SEED_DIR, "%s-%s" % (op, name)), "w") as f:
                f.write(op + "\n" + json.dumps(body, separators=(",", ":")))
            count += 1
    for op, seeds in BYTES_SEEDS.items():
        for name, body in seeds:
            with open(os.path.join(SEED_DIR, "%s-%s" % (op, name)), "wb") as f:
                f.write(op.encode() + b"\n" + body)
            count += 1
    with open(DICT_PATH, "w") as f:
        f.write(dictionary())
    print("%d seeds in %s; dictionary %s" % (count, SEED_DIR, DICT_PATH))


if __name__ == "__main__":
    main()
