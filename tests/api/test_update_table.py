"""UpdateTable validation: a request that changes nothing, the shape of
GlobalSecondaryIndexUpdates (one action per entry and per index, one online
index change, what may accompany a Create), each action against the table
(unknown and local indexes, attribute definitions and their types, key
schema and projection rules, throughput as the billing mode wants it, the
index count limit), billing switches of tables with GSIs, and the model
constraints of the index members at their UpdateTable paths."""

import pytest

from conftest import assert_error, make_client, raw_call, unique_name, wait_active

INVALID = "One or more parameter values were invalid: "
NOTHING = ("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
           "GlobalSecondaryIndexUpdates, SSESpecification, ReplicaUpdates, "
           "MultiAccountReplicaReady, ReplicaTransitRoleArn, MultiRegionConsistency, "
           "DeletionProtectionEnabled, OnDemandThroughput, WarmThroughput or TableClass is "
           "required")
ONLINE = ("Subscriber limit exceeded: Only 1 online index can be created or deleted "
          "simultaneously per table")
PT = {"ReadCapacityUnits": 2, "WriteCapacityUnits": 3}


def ks(hash_name, range_name=None):
    k = [{"AttributeName": hash_name, "KeyType": "HASH"}]
    if range_name:
        k.append({"AttributeName": range_name, "KeyType": "RANGE"})
    return k


def index(name, hash_name, range_name=None, projection=None, throughput=None):
    ix = {"IndexName": name, "KeySchema": ks(hash_name, range_name),
          "Projection": {"ProjectionType": "ALL"} if projection is None else projection}
    if throughput:
        ix["ProvisionedThroughput"] = throughput
    return ix


def defs(*pairs):
    return [{"AttributeName": n, "AttributeType": t} for n, t in pairs]


def create(ix):
    return {"Create": ix}


@pytest.fixture
def on_demand_gsi(make_table):
    """PAY_PER_REQUEST, pk S, GSI byG on g S."""
    return make_table(extra_attributes=[("g", "S")], GlobalSecondaryIndexes=[index("byG", "g")])


@pytest.fixture
def provisioned_gsi(make_table):
    """PROVISIONED 2/3, pk S, sk S, GSI byG on g S (1/1), LSI byL on l S."""
    return make_table(range_key=("sk", "S"), extra_attributes=[("g", "S"), ("l", "S")],
                      ProvisionedThroughput=PT,
                      GlobalSecondaryIndexes=[index("byG", "g", throughput={
                          "ReadCapacityUnits": 1, "WriteCapacityUnits": 1})],
                      LocalSecondaryIndexes=[index("byL", "pk", "l")])


def describe(ddb, name):
    return ddb.describe_table(TableName=name)["Table"]


def update_raw(port, payload):
    """UpdateTable through raw HTTP (members this boto3 may not know)."""
    r = raw_call(port, "UpdateTable", payload)
    return r.status, r.error_type if r.status != 200 else None, r.error_message, r


# --------------------------------------------------------------------------
# Nothing to do


@pytest.mark.parametrize("extra", [
    {},
    {"GlobalSecondaryIndexUpdates": []},
    {"AttributeDefinitions": defs(("pk", "S"))},
    {"AttributeDefinitions": defs(("x", "N")), "GlobalSecondaryIndexUpdates": []},
], ids=["bare", "empty-gsi-updates", "attribute-definitions", "both"])
def test_nothing_to_update(ddb, table_s, extra):
    assert_error(ddb.update_table, "ValidationException", NOTHING, TableName=table_s, **extra)


def test_nothing_to_update_checked_before_the_table_exists(ddb):
    # the request is refused before the table is looked up (observed)
    assert_error(ddb.update_table, "ValidationException", NOTHING, TableName="no-such-table-x")


def test_empty_index_updates_with_another_change(port, ddb, on_demand_gsi):
    status, code, message, _ = update_raw(port, {
        "TableName": on_demand_gsi, "GlobalSecondaryIndexUpdates": [],
        "DeletionProtectionEnabled": True})
    assert (status, code, message) == (400, "ValidationException",
                                       INVALID + "List of GlobalSecondaryIndexUpdates is empty")
    # the carrier change was not applied
    desc = raw_call(port, "DescribeTable", {"TableName": on_demand_gsi}).json()["Table"]
    assert desc["DeletionProtectionEnabled"] is False


# --------------------------------------------------------------------------
# The shape of GlobalSecondaryIndexUpdates


def test_entry_without_action(ddb, on_demand_gsi):
    assert_error(ddb.update_table, "ValidationException",
                 INVALID + "One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate."
                 "Create, GlobalSecondaryIndexUpdate.Delete must not be null",
                 TableName=on_demand_gsi, GlobalSecondaryIndexUpdates=[{}])


def test_entry_with_two_actions(ddb, on_demand_gsi):
    assert_error(ddb.update_table, "ValidationException",
                 INVALID + "Only one global secondary index action is allowed per "
                 "GlobalSecondaryIndexUpdate object",
                 TableName=on_demand_gsi, AttributeDefinitions=defs(("h", "S")),
                 GlobalSecondaryIndexUpdates=[{"Create": index("byH", "h"),
                                               "Delete": {"IndexName": "byG"}}])


@pytest.mark.parametrize("updates", [
    [{"Delete": {"IndexName": "byG"}}, create(index("byG", "h"))],
    [{"Delete": {"IndexName": "byG"}}, {"Delete": {"IndexName": "byG"}}],
], ids=["delete-then-create", "delete-twice"])
def test_two_actions_on_one_index(ddb, on_demand_gsi, updates):
    assert_error(ddb.update_table, "ValidationException",
                 INVALID + "Only one global secondary index update per index is allowed "
                 "simultaneously. Index: byG",
                 TableName=on_demand_gsi, AttributeDefinitions=defs(("h", "S")),
                 GlobalSecondaryIndexUpdates=updates)


def test_two_updates_of_one_index(ddb, provisioned_gsi):
    update = {"Update": {"IndexName": "byG", "ProvisionedThroughput": PT}}
    assert_error(ddb.update_table, "ValidationException",
                 INVALID + "Only one global secondary index update per index is allowed "
                 "simultaneously. Index: byG",
                 TableName=provisioned_gsi, GlobalSecondaryIndexUpdates=[update, update])


@pytest.mark.parametrize("updates", [
    [create(index("byH", "h")), create(index("byH2", "h"))],
    [create(index("byH", "h")), {"Delete": {"IndexName": "byG"}}],
], ids=["two-creates", "create-and-delete"])
def test_one_online_index_change(ddb, on_demand_gsi, updates):
    assert_error(ddb.update_table, "LimitExceededException", ONLINE, TableName=on_demand_gsi,
                 AttributeDefinitions=defs(("h", "S")), GlobalSecondaryIndexUpdates=updates)
    assert [g["IndexName"] for g in describe(ddb, on_demand_gsi)["GlobalSecondaryIndexes"]] == \
        ["byG"]


def test_two_deletes(ddb, make_table):
    table = make_table(extra_attributes=[("g", "S"), ("h", "S")],
                       GlobalSecondaryIndexes=[index("byG", "g"), index("byH", "h")])
    assert_error(ddb.update_table, "LimitExceededException", ONLINE, TableName=table,
                 GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "byG"}},
                                              {"Delete": {"IndexName": "byH"}}])


@pytest.mark.parametrize("extra,message", [
    ({"ProvisionedThroughput": {"ReadCapacityUnits": 4, "WriteCapacityUnits": 4}},
     INVALID + "You cannot create or delete index while updating table IOPS"),
    ({"StreamSpecification": {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}},
     INVALID + "You cannot create or delete index while changing stream status"),
    ({"DeletionProtectionEnabled": True},
     INVALID + "DeletionProtection modification must be the only operation in the request"),
    ({"TableClass": "STANDARD_INFREQUENT_ACCESS"},
     INVALID + "TableClass modification must be the only operation in the request"),
], ids=["throughput", "stream", "protection", "class"])
def test_create_must_not_share_the_request(port, provisioned_gsi, extra, message):
    payload = {"TableName": provisioned_gsi, "AttributeDefinitions": defs(("h", "S")),
               "GlobalSecondaryIndexUpdates": [create(index("byH", "h", throughput=PT))]}
    payload.update(extra)
    status, code, got, _ = update_raw(port, payload)
    assert (status, code, got) == (400, "ValidationException", message)
    desc = raw_call(port, "DescribeTable", {"TableName": provisioned_gsi}).json()["Table"]
    assert [g["IndexName"] for g in desc["GlobalSecondaryIndexes"]] == ["byG"]
    assert desc["DeletionProtectionEnabled"] is False and "StreamSpecification" not in desc
    assert "TableClassSummary" not in desc
    assert desc["ProvisionedThroughput"]["ReadCapacityUnits"] == 2


def test_delete_with_throughput_change(ddb, provisioned_gsi):
    assert_error(ddb.update_table, "ValidationException",
                 INVALID + "You cannot create or delete index while updating table IOPS",
                 TableName=provisioned_gsi,
                 ProvisionedThroughput={"ReadCapacityUnits": 9, "WriteCapacityUnits": 9},
                 GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "byG"}}])


def test_create_with_update_of_another_index(ddb, provisioned_gsi):
    ddb.update_table(TableName=provisioned_gsi, AttributeDefinitions=defs(("h", "N")),
                     GlobalSecondaryIndexUpdates=[
                         create(index("byH", "h", throughput=PT)),
                         {"Update": {"IndexName": "byG", "ProvisionedThroughput": {
                             "ReadCapacityUnits": 6, "WriteCapacityUnits": 7}}}])
    desc = wait_active(ddb, provisioned_gsi)
    gsis = {g["IndexName"]: g for g in desc["GlobalSecondaryIndexes"]}
    pt = gsis["byG"]["ProvisionedThroughput"]
    assert (pt["ReadCapacityUnits"], pt["WriteCapacityUnits"]) == (6, 7)
    pt = gsis["byH"]["ProvisionedThroughput"]
    assert (pt["ReadCapacityUnits"], pt["WriteCapacityUnits"]) == (2, 3)


def test_create_with_switch_to_on_demand(ddb, provisioned_gsi):
    ddb.update_table(TableName=provisioned_gsi, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=defs(("h", "S")),
                     GlobalSecondaryIndexUpdates=[create(index("byH", "h"))])
    desc = wait_active(ddb, provisioned_gsi)
    assert desc["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    for g in desc["GlobalSecondaryIndexes"]:
        pt = g["ProvisionedThroughput"]
        assert (pt["ReadCapacityUnits"], pt["WriteCapacityUnits"]) == (0, 0), g["IndexName"]
    ddb.put_item(TableName=provisioned_gsi, Item={"pk": {"S": "a"}, "sk": {"S": "b"},
                                                  "h": {"S": "x"}})
    got = ddb.query(TableName=provisioned_gsi, IndexName="byH", KeyConditionExpression="h = :h",
                    ExpressionAttributeValues={":h": {"S": "x"}})
    assert got["Count"] == 1


# --------------------------------------------------------------------------
# Each action against the table


@pytest.mark.parametrize("name", ["byG", "byL"])
def test_create_existing_index(ddb, provisioned_gsi, name):
    assert_error(ddb.update_table, "ValidationException",
                 "Attempting to create an index which already exists",
                 TableName=provisioned_gsi, AttributeDefinitions=defs(("h", "S")),
                 GlobalSecondaryIndexUpdates=[create(index(name, "h", throughput=PT))])


@pytest.mark.parametrize("action,verb", [("Delete", "delete"), ("Update", "update")])
def test_local_index_is_not_global(ddb, provisioned_gsi, action, verb):
    body = {"IndexName": "byL"}
    if action == "Update":
        body["ProvisionedThroughput"] = PT
    assert_error(ddb.update_table, "ValidationException",
                 "Cannot %s an index that is not a GlobalSecondaryIndex: byL" % verb,
                 TableName=provisioned_gsi, GlobalSecondaryIndexUpdates=[{action: body}])


@pytest.mark.parametrize("action", ["Delete", "Update"])
def test_unknown_index(ddb, provisioned_gsi, action):
    body = {"IndexName": "nope"}
    if action == "Update":
        body["ProvisionedThroughput"] = PT
    assert_error(ddb.update_table, "ResourceNotFoundException",
                 "Requested resource not found: Index nope for table %s" % provisioned_gsi,
                 TableName=provisioned_gsi, GlobalSecondaryIndexUpdates=[{action: body}])


def test_unknown_index_with_a_valid_update(ddb, provisioned_gsi):
    assert_error(ddb.update_table, "ResourceNotFoundException",
                 "Requested resource not found: Index nope for table %s" % provisioned_gsi,
                 TableName=provisioned_gsi, GlobalSecondaryIndexUpdates=[
                     {"Update": {"IndexName": "byG", "ProvisionedThroughput": PT}},
                     {"Delete": {"IndexName": "nope"}}])
    pt = describe(ddb, provisioned_gsi)["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"]
    assert (pt["ReadCapacityUnits"], pt["WriteCapacityUnits"]) == (1, 1)


def test_redefined_attribute_type(ddb, make_table):
    table = make_table(extra_attributes=[("xyz", "S")], GlobalSecondaryIndexes=[
        index("index1", "xyz")])
    assert_error(ddb.update_table, "ValidationException",
                 INVALID + "Attributes cannot be redefined. Please check that your attribute has "
                 "the same type as previously defined. Existing schema: Schema:[SchemaElement: "
                 "key{xyz:S:HASH}] New schema: Schema:[SchemaElement: key{xyz:N:HASH}]",
                 TableName=table, AttributeDefinitions=defs(("xyz", "N")),
                 GlobalSecondaryIndexUpdates=[create(index("index2", "xyz"))])


def test_redefined_table_key_type(ddb, table_ss):
    # the same text for an attribute the table's key schema uses as RANGE;
    # message unverified for this variant
    assert_error(ddb.update_table, "ValidationException",
                 INVALID + "Attributes cannot be redefined. Please check that your attribute has "
                 "the same type as previously defined. Existing schema: Schema:[SchemaElement: "
                 "key{sk:S:RANGE}] New schema: Schema:[SchemaElement: key{sk:B:HASH}]",
                 TableName=table_ss, AttributeDefinitions=defs(("sk", "B")),
                 GlobalSecondaryIndexUpdates=[create(index("bySk", "sk"))])


def test_conflicting_definition_of_an_unused_attribute_is_ignored(ddb, table_s):
    ddb.update_table(TableName=table_s, AttributeDefinitions=defs(("pk", "N"), ("g", "S")),
                     GlobalSecondaryIndexUpdates=[create(index("byG", "g"))])
    desc = wait_active(ddb, table_s)
    assert sorted((d["AttributeName"], d["AttributeType"])
                  for d in desc["AttributeDefinitions"]) == [("g", "S"), ("pk", "S")]


def test_index_on_a_table_key_with_its_type(ddb, table_ss):
    ddb.put_item(TableName=table_ss, Item={"pk": {"S": "a"}, "sk": {"S": "k1"}})
    ddb.update_table(TableName=table_ss, AttributeDefinitions=defs(("sk", "S")),
                     GlobalSecondaryIndexUpdates=[create(index("bySk", "sk"))])
    wait_active(ddb, table_ss)
    got = ddb.query(TableName=table_ss, IndexName="bySk", KeyConditionExpression="sk = :s",
                    ExpressionAttributeValues={":s": {"S": "k1"}})
    assert got["Items"] == [{"pk": {"S": "a"}, "sk": {"S": "k1"}}]


def test_create_key_schema_rules(ddb, table_s):
    bad = {"IndexName": "byG", "Projection": {"ProjectionType": "ALL"},
           "KeySchema": [{"AttributeName": "g", "KeyType": "RANGE"}]}
    assert_error(ddb.update_table, "ValidationException",
                 "Invalid KeySchema: The first KeySchemaElement is not a HASH key type",
                 TableName=table_s, AttributeDefinitions=defs(("g", "S")),
                 GlobalSecondaryIndexUpdates=[create(bad)])


@pytest.mark.parametrize("projection,message", [
    ({"ProjectionType": "KEYS_ONLY", "NonKeyAttributes": ["a"]},
     INVALID + "ProjectionType is KEYS_ONLY, but NonKeyAttributes is specified"),
    ({}, INVALID + "Unknown ProjectionType: null"),
    ({"ProjectionType": "INCLUDE", "NonKeyAttributes": ["a", "b", "a"]},
     INVALID + "Duplicate element in NonKeyAttributes: a"),  # message unverified (prefix)
], ids=["keys-only-with-names", "no-type", "duplicate"])
def test_create_projection_rules(ddb, table_s, projection, message):
    assert_error(ddb.update_table, "ValidationException", message, TableName=table_s,
                 AttributeDefinitions=defs(("g", "S")),
                 GlobalSecondaryIndexUpdates=[create(index("byG", "g", projection=projection))])


def test_create_without_throughput_on_provisioned_table(ddb, provisioned_gsi):
    assert_error(ddb.update_table, "ValidationException",
                 INVALID + "Both ReadCapacityUnits and WriteCapacityUnits must be specified for "
                 "index: byH",
                 TableName=provisioned_gsi, AttributeDefinitions=defs(("h", "S")),
                 GlobalSecondaryIndexUpdates=[create(index("byH", "h"))])


def test_create_with_throughput_on_on_demand_table(ddb, on_demand_gsi):
    assert_error(ddb.update_table, "ValidationException",
                 INVALID + "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified "
                 "for index: byH when BillingMode is PAY_PER_REQUEST",
                 TableName=on_demand_gsi, AttributeDefinitions=defs(("h", "S")),
                 GlobalSecondaryIndexUpdates=[create(index("byH", "h", throughput=PT))])


def test_update_on_on_demand_table(ddb, on_demand_gsi):
    assert_error(ddb.update_table, "ValidationException",
                 INVALID + "The only Updates for index: byG when TableThroughputMode is "
                 "PAY_PER_REQUEST can be to OnDemandThroughput, WarmThroughput",
                 TableName=on_demand_gsi,
                 GlobalSecondaryIndexUpdates=[{"Update": {"IndexName": "byG",
                                                          "ProvisionedThroughput": PT}}])


def test_update_with_the_same_throughput(ddb, provisioned_gsi):
    # the text after "Current WriteCapacityUnits" is unverified
    assert_error(ddb.update_table, "ValidationException",
                 "The provisioned throughput for the index byG will not change. The requested "
                 "value equals the current value. Current ReadCapacityUnits provisioned for index "
                 "byG: 1. Requested ReadCapacityUnits: 1. Current WriteCapacityUnits provisioned "
                 "for index byG: 1. Requested WriteCapacityUnits: 1. Refer to the Amazon "
                 "DynamoDB Developer Guide for current limits and how to request higher limits.",
                 TableName=provisioned_gsi, GlobalSecondaryIndexUpdates=[{"Update": {
                     "IndexName": "byG",
                     "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}}])


def test_update_changing_one_unit(ddb, provisioned_gsi):
    ddb.update_table(TableName=provisioned_gsi, GlobalSecondaryIndexUpdates=[{"Update": {
        "IndexName": "byG",
        "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 2}}}])
    pt = describe(ddb, provisioned_gsi)["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"]
    assert (pt["ReadCapacityUnits"], pt["WriteCapacityUnits"]) == (1, 2)


def test_index_count_limit(ddb, make_table):
    names = ["g%02d" % i for i in range(20)]
    table = make_table(extra_attributes=[(n, "S") for n in names],
                       GlobalSecondaryIndexes=[index("by" + n, n) for n in names])
    assert_error(ddb.update_table, "LimitExceededException",
                 "Subscriber limit exceeded: Number of global secondary indexes exceeds "
                 "per-table limit of 20",
                 TableName=table, AttributeDefinitions=defs(("h", "S")),
                 GlobalSecondaryIndexUpdates=[create(index("byH", "h"))])
    ddb.update_table(TableName=table, GlobalSecondaryIndexUpdates=[
        {"Delete": {"IndexName": "byg00"}}])
    ddb.update_table(TableName=table, AttributeDefinitions=defs(("h", "S")),
                     GlobalSecondaryIndexUpdates=[create(index("byH", "h"))])
    assert len(wait_active(ddb, table)["GlobalSecondaryIndexes"]) == 20


# --------------------------------------------------------------------------
# Billing switches


def test_provisioned_alone_on_provisioned_table(ddb, provisioned_gsi):
    assert_error(ddb.update_table, "ValidationException",
                 INVALID + "ProvisionedThroughput must be specified when BillingMode is "
                 "PROVISIONED",
                 TableName=provisioned_gsi, BillingMode="PROVISIONED")


def test_provisioned_with_the_same_throughput(ddb, provisioned_gsi):
    assert_error(ddb.update_table, "ValidationException",
                 "The provisioned throughput for the table will not change. The requested value "
                 "equals the current value. Current ReadCapacityUnits provisioned for the table: "
                 "2. Requested ReadCapacityUnits: 2. Current WriteCapacityUnits provisioned for "
                 "the table: 3. Requested WriteCapacityUnits: 3. Refer to the Amazon DynamoDB "
                 "Developer Guide for current limits and how to request higher limits.",
                 TableName=provisioned_gsi, BillingMode="PROVISIONED", ProvisionedThroughput=PT)


def test_switch_to_provisioned_needs_every_index(ddb, on_demand_gsi):
    assert_error(ddb.update_table, "ValidationException",
                 INVALID + "ProvisionedThroughput must be specified when BillingMode is "
                 "PROVISIONED",
                 TableName=on_demand_gsi, BillingMode="PROVISIONED")
    assert_error(ddb.update_table, "ValidationException",
                 INVALID + "ProvisionedThroughput must be specified for index: byG",
                 TableName=on_demand_gsi, BillingMode="PROVISIONED", ProvisionedThroughput=PT)
    assert describe(ddb, on_demand_gsi)["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def test_switch_with_indexes_and_back(port, ddb, on_demand_gsi):
    ddb.put_item(TableName=on_demand_gsi, Item={"pk": {"S": "a"}, "g": {"S": "x"}})
    ddb.update_table(TableName=on_demand_gsi, BillingMode="PROVISIONED", ProvisionedThroughput=PT,
                     GlobalSecondaryIndexUpdates=[{"Update": {
                         "IndexName": "byG",
                         "ProvisionedThroughput": {"ReadCapacityUnits": 4,
                                                   "WriteCapacityUnits": 5}}}])
    desc = wait_active(ddb, on_demand_gsi)
    assert desc["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    pt = desc["ProvisionedThroughput"]
    assert (pt["ReadCapacityUnits"], pt["WriteCapacityUnits"]) == (2, 3)
    pt = desc["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"]
    assert (pt["ReadCapacityUnits"], pt["WriteCapacityUnits"]) == (4, 5)
    # a later index change keeps the provisioned definition readable
    ddb.update_table(TableName=on_demand_gsi, GlobalSecondaryIndexUpdates=[{"Update": {
        "IndexName": "byG", "ProvisionedThroughput": {"ReadCapacityUnits": 6,
                                                      "WriteCapacityUnits": 5}}}])
    ddb.update_table(TableName=on_demand_gsi, BillingMode="PAY_PER_REQUEST")
    desc = wait_active(ddb, on_demand_gsi)
    assert desc["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    pt = desc["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"]
    assert (pt["ReadCapacityUnits"], pt["WriteCapacityUnits"]) == (0, 0)
    got = ddb.query(TableName=on_demand_gsi, IndexName="byG", KeyConditionExpression="g = :g",
                    ExpressionAttributeValues={":g": {"S": "x"}})
    assert got["Items"] == [{"pk": {"S": "a"}, "g": {"S": "x"}}]


def test_index_update_with_switch_to_on_demand(ddb, provisioned_gsi):
    assert_error(ddb.update_table, "ValidationException",
                 INVALID + "The only Updates for index: byG when TableThroughputMode is "
                 "PAY_PER_REQUEST can be to OnDemandThroughput, WarmThroughput",
                 TableName=provisioned_gsi, BillingMode="PAY_PER_REQUEST",
                 GlobalSecondaryIndexUpdates=[{"Update": {"IndexName": "byG",
                                                          "ProvisionedThroughput": PT}}])


# --------------------------------------------------------------------------
# Model constraints at UpdateTable's paths


def test_create_index_name_too_short(ddb, table_s):
    assert_error(ddb.update_table, "ValidationException",
                 "1 validation error detected: Value 'ab' at "
                 "'globalSecondaryIndexUpdates.1.member.create.indexName' failed to satisfy "
                 "constraint: Member must have length greater than or equal to 3",
                 TableName=table_s, AttributeDefinitions=defs(("g", "S")),
                 GlobalSecondaryIndexUpdates=[create(index("ab", "g"))])


def test_create_index_name_empty(ddb, table_s):
    # observed: the length, then the pattern
    assert_error(ddb.update_table, "ValidationException",
                 "2 validation errors detected: Value '' at "
                 "'globalSecondaryIndexUpdates.1.member.create.indexName' failed to satisfy "
                 "constraint: Member must have length greater than or equal to 3; Value '' at "
                 "'globalSecondaryIndexUpdates.1.member.create.indexName' failed to satisfy "
                 "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
                 TableName=table_s, AttributeDefinitions=defs(("g", "S")),
                 GlobalSecondaryIndexUpdates=[create(index("", "g"))])


def test_create_key_name_too_long(ddb, table_s):
    long = "k" * 256
    assert_error(ddb.update_table, "ValidationException",
                 "1 validation error detected: Value '%s' at "
                 "'globalSecondaryIndexUpdates.2.member.create.keySchema.1.member.attributeName' "
                 "failed to satisfy constraint: Member must have length less than or equal to 255"
                 % long,
                 TableName=table_s, AttributeDefinitions=defs(("g", "S")),
                 GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "nope"}},
                                              create(index("byK", long))])


def test_attribute_definition_name_too_long(ddb, table_s):
    long = "k" * 256
    assert_error(ddb.update_table, "ValidationException",
                 "1 validation error detected: Value '%s' at "
                 "'attributeDefinitions.1.member.attributeName' failed to satisfy constraint: "
                 "Member must have length less than or equal to 255" % long,
                 TableName=table_s, AttributeDefinitions=defs((long, "S")),
                 GlobalSecondaryIndexUpdates=[create(index("byK", "g"))])


def test_create_projected_name_too_long(ddb, table_s):
    names = ["a", "n" * 256]
    assert_error(ddb.update_table, "ValidationException",
                 "1 validation error detected: Value '[a, %s]' at "
                 "'globalSecondaryIndexUpdates.1.member.create.projection.nonKeyAttributes' "
                 "failed to satisfy constraint: Member must satisfy constraint: [Member must have "
                 "length less than or equal to 255, Member must have length greater than or equal "
                 "to 1]" % names[1],  # message unverified (list member constraint)
                 TableName=table_s, AttributeDefinitions=defs(("g", "S")),
                 GlobalSecondaryIndexUpdates=[create(index("byG", "g", projection={
                     "ProjectionType": "INCLUDE", "NonKeyAttributes": names}))])


def test_delete_without_index_name(ddb, table_s):
    assert_error(ddb.update_table, "ValidationException",
                 "1 validation error detected: Value null at "
                 "'globalSecondaryIndexUpdates.1.member.delete.indexName' failed to satisfy "
                 "constraint: Member must not be null",
                 TableName=table_s, GlobalSecondaryIndexUpdates=[{"Delete": {}}])


def test_update_with_empty_throughput(ddb, provisioned_gsi):
    # observed: write capacity first
    assert_error(ddb.update_table, "ValidationException",
                 "2 validation errors detected: Value null at "
                 "'globalSecondaryIndexUpdates.1.member.update.provisionedThroughput."
                 "writeCapacityUnits' failed to satisfy constraint: Member must not be null; "
                 "Value null at 'globalSecondaryIndexUpdates.1.member.update.provisionedThroughput."
                 "readCapacityUnits' failed to satisfy constraint: Member must not be null",
                 TableName=provisioned_gsi, GlobalSecondaryIndexUpdates=[{"Update": {
                     "IndexName": "byG", "ProvisionedThroughput": {}}}])


def test_stream_view_type_enum(ddb, table_s):
    assert_error(ddb.update_table, "ValidationException",
                 "1 validation error detected: Value '' at 'streamSpecification.streamViewType' "
                 "failed to satisfy constraint: Member must satisfy enum value set: [OLD_IMAGE, "
                 "KEYS_ONLY, NEW_AND_OLD_IMAGES, NEW_IMAGE]",
                 TableName=table_s,
                 StreamSpecification={"StreamEnabled": True, "StreamViewType": ""})


def test_raw_entry_of_wrong_type(port, table_s):
    r = raw_call(port, "UpdateTable", {"TableName": table_s, "GlobalSecondaryIndexUpdates": [5]})
    assert r.status == 400 and r.error_type == "SerializationException"


def test_switches_with_indexes_survive_restart(spawn_server):
    srv = spawn_server()
    c = make_client(srv.endpoint)
    name = unique_name("bill")
    c.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                   AttributeDefinitions=defs(("pk", "S"), ("g", "S")), KeySchema=ks("pk"),
                   GlobalSecondaryIndexes=[index("byG", "g")])
    c.put_item(TableName=name, Item={"pk": {"S": "a"}, "g": {"S": "x"}})
    c.update_table(TableName=name, BillingMode="PROVISIONED", ProvisionedThroughput=PT,
                   GlobalSecondaryIndexUpdates=[{"Update": {"IndexName": "byG",
                                                            "ProvisionedThroughput": PT}}])
    srv.stop()
    srv2 = spawn_server(data_dir=srv.data_dir)
    c2 = make_client(srv2.endpoint)
    desc = c2.describe_table(TableName=name)["Table"]
    assert desc["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    assert desc["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"]["WriteCapacityUnits"] == 3
    c2.update_table(TableName=name, BillingMode="PAY_PER_REQUEST")
    srv2.stop()
    srv3 = spawn_server(data_dir=srv.data_dir)
    c3 = make_client(srv3.endpoint)
    desc = c3.describe_table(TableName=name)["Table"]
    assert desc["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    got = c3.query(TableName=name, IndexName="byG", KeyConditionExpression="g = :g",
                   ExpressionAttributeValues={":g": {"S": "x"}})
    assert got["Count"] == 1


# Throughput decreases: four a UTC day, then one an hour


def long_utc(when):
    """The service's long form of a time: Friday, October 9, 2026 at 1:21:34 AM Coordinated
    Universal Time."""
    import datetime
    utc = when.astimezone(datetime.timezone.utc)
    return utc.strftime("%A, %B %-d, %Y at %-I:%M:%S %p Coordinated Universal Time")


def test_throughput_decreases_are_limited(ddb, make_table):
    name = make_table(ProvisionedThroughput={"ReadCapacityUnits": 20, "WriteCapacityUnits": 20})
    pt = ddb.describe_table(TableName=name)["Table"]["ProvisionedThroughput"]
    assert pt["NumberOfDecreasesToday"] == 0 and "LastDecreaseDateTime" not in pt
    for n in range(1, 5):  # decreases of either unit, or both
        rcu, wcu = 20 - n, 20 - (n % 2)
        ddb.update_table(TableName=name, ProvisionedThroughput={"ReadCapacityUnits": rcu,
                                                                "WriteCapacityUnits": wcu})
        pt = wait_active(ddb, name)["ProvisionedThroughput"]
        assert (pt["NumberOfDecreasesToday"], pt["ReadCapacityUnits"],
                pt["WriteCapacityUnits"]) == (n, rcu, wcu)
    last = pt["LastDecreaseDateTime"]
    import datetime
    message = ("Subscriber limit exceeded: Provisioned throughput decreases are limited within a "
               "given UTC day. After the first 4 decreases, each subsequent decrease in the same "
               "UTC day can be performed at most once every 3600 seconds. Number of decreases "
               "today: 4. Last decrease at %s. Next decrease can be made at %s"
               % (long_utc(last), long_utc(last + datetime.timedelta(seconds=3600))))
    assert_error(ddb.update_table, "LimitExceededException", message, TableName=name,
                 ProvisionedThroughput={"ReadCapacityUnits": 15, "WriteCapacityUnits": 20})
    # an increase of one unit with a decrease of the other is a decrease too
    assert_error(ddb.update_table, "LimitExceededException", message, TableName=name,
                 ProvisionedThroughput={"ReadCapacityUnits": 30, "WriteCapacityUnits": 1})
    # increases stay free
    ddb.update_table(TableName=name, ProvisionedThroughput={"ReadCapacityUnits": 30,
                                                            "WriteCapacityUnits": 30})
    pt = wait_active(ddb, name)["ProvisionedThroughput"]
    assert pt["NumberOfDecreasesToday"] == 4 and pt["LastDecreaseDateTime"] == last
    assert pt["LastIncreaseDateTime"] >= last


@pytest.mark.parametrize("updates", [
    [None], [None, None, None], [None, {}], [{"Create": None}, None],
    [{"a": {"Delete": None}}, {}, None, {}],
])
def test_replica_updates_of_null_elements(port, table_s, server, updates):
    """Null or empty elements of ReplicaUpdates name no action: the service's
    text for a replica update without one (a null was once looked into as if
    it were an object)."""
    for _ in range(20):  # the memory a null lies in holds what earlier requests left
        r = raw_call(port, "UpdateTable", {"TableName": table_s, "ReplicaUpdates": updates})
        assert r.status == 400, r.body
        assert (r.error_type, r.json()["message"]) == (
            "ValidationException",
            "There are no actions specified in the Replica Update Action of the request.")
    assert server.alive()
