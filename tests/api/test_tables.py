"""Table operations: CreateTable, DescribeTable, ListTables, DeleteTable,
UpdateTable, their validation, and secondary index definitions."""

import datetime
import re

import pytest

from conftest import (assert_error, client_error, raw_call, unique_name, wait_active,
                      wait_gone)

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
INVALID = "One or more parameter values were invalid: "


def arn_re(name):
    return re.compile(r"^arn:aws:dynamodb:us-east-1:\d{12}:table/%s$" % re.escape(name))


def attr_defs(*pairs):
    return [{"AttributeName": n, "AttributeType": t} for n, t in pairs]


def key_schema(hash_name, range_name=None):
    ks = [{"AttributeName": hash_name, "KeyType": "HASH"}]
    if range_name:
        ks.append({"AttributeName": range_name, "KeyType": "RANGE"})
    return ks


def by_name(defs):
    return sorted(defs, key=lambda d: d["AttributeName"])


def check_recent(ts):
    now = datetime.datetime.now(datetime.timezone.utc)
    assert abs((now - ts).total_seconds()) < 300, ts


# --------------------------------------------------------------------------
# CreateTable / DescribeTable


def test_create_table_description(ddb, make_table):
    name = unique_name()
    make_table(name=name, wait=False)
    desc = make_table.last_response["TableDescription"]
    assert desc["TableName"] == name
    assert desc["TableStatus"] in ("CREATING", "ACTIVE")
    assert desc["KeySchema"] == key_schema("pk")
    assert desc["AttributeDefinitions"] == attr_defs(("pk", "S"))
    assert arn_re(name).match(desc["TableArn"]), desc["TableArn"]
    assert UUID_RE.match(desc["TableId"]), desc["TableId"]
    check_recent(desc["CreationDateTime"])
    assert desc["ItemCount"] == 0
    assert desc["TableSizeBytes"] == 0
    assert desc["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    pt = desc["ProvisionedThroughput"]
    assert pt["ReadCapacityUnits"] == 0 and pt["WriteCapacityUnits"] == 0
    assert pt["NumberOfDecreasesToday"] == 0

    got = wait_active(ddb, name)
    for field in ("TableName", "KeySchema", "AttributeDefinitions", "TableArn", "TableId",
                  "CreationDateTime"):
        assert got[field] == desc[field], field
    assert got["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


@pytest.mark.parametrize("hash_type", ["S", "N", "B"])
@pytest.mark.parametrize("range_type", [None, "S", "N", "B"])
def test_create_table_key_types(ddb, make_table, hash_type, range_type):
    name = make_table(hash_key=("h", hash_type),
                      range_key=("r", range_type) if range_type else None)
    desc = ddb.describe_table(TableName=name)["Table"]
    expected_defs = [("h", hash_type)] + ([("r", range_type)] if range_type else [])
    assert by_name(desc["AttributeDefinitions"]) == by_name(attr_defs(*expected_defs))
    assert desc["KeySchema"] == key_schema("h", "r" if range_type else None)
    assert desc["TableStatus"] == "ACTIVE"


def test_create_table_provisioned(ddb, make_table):
    name = make_table(range_key=("sk", "N"),
                      ProvisionedThroughput={"ReadCapacityUnits": 7, "WriteCapacityUnits": 3})
    desc = make_table.last_response["TableDescription"]
    pt = desc["ProvisionedThroughput"]
    assert (pt["ReadCapacityUnits"], pt["WriteCapacityUnits"]) == (7, 3)
    assert pt["NumberOfDecreasesToday"] == 0
    if "BillingModeSummary" in desc:
        assert desc["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    desc = ddb.describe_table(TableName=name)["Table"]
    pt = desc["ProvisionedThroughput"]
    assert (pt["ReadCapacityUnits"], pt["WriteCapacityUnits"]) == (7, 3)


def test_create_table_provisioned_explicit_billing_mode(ddb, make_table):
    name = make_table(BillingMode="PROVISIONED",
                      ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
    desc = ddb.describe_table(TableName=name)["Table"]
    assert desc["ProvisionedThroughput"]["ReadCapacityUnits"] == 1
    if "BillingModeSummary" in desc:
        assert desc["BillingModeSummary"]["BillingMode"] == "PROVISIONED"


def test_create_table_with_tags_sse_and_stream(ddb, make_table):
    name = make_table(
        Tags=[{"Key": "team", "Value": "storage"}, {"Key": "env", "Value": ""}],
        SSESpecification={"Enabled": True},
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    desc = ddb.describe_table(TableName=name)["Table"]
    assert desc["StreamSpecification"] == {"StreamEnabled": True,
                                           "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert desc["LatestStreamLabel"]
    assert desc["LatestStreamArn"] == desc["TableArn"] + "/stream/" + desc["LatestStreamLabel"]
    if "SSEDescription" in desc:
        assert desc["SSEDescription"]["Status"] in ("ENABLED", "ENABLING", "UPDATING")


def test_table_exists_waiter(ddb, make_table):
    name = make_table(wait=False)
    ddb.get_waiter("table_exists").wait(TableName=name,
                                        WaiterConfig={"Delay": 1, "MaxAttempts": 15})
    assert ddb.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE"


def test_describe_table_counts_are_numbers(port, ddb, make_table):
    name = make_table()
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"S": "x" * 100}})
    r = raw_call(port, "DescribeTable", {"TableName": name})
    assert r.status == 200
    t = r.json()["Table"]
    for field in ("ItemCount", "TableSizeBytes"):
        assert isinstance(t[field], int) and not isinstance(t[field], bool), field
        assert t[field] >= 0
    assert isinstance(t["CreationDateTime"], (int, float))


def test_describe_missing_table(ddb):
    name = unique_name()
    assert_error(ddb.describe_table, "ResourceNotFoundException",
                 "Requested resource not found: Table: %s not found" % name, TableName=name)


def test_create_existing_table(ddb, make_table):
    name = make_table()
    assert_error(ddb.create_table, "ResourceInUseException", "Table already exists: %s" % name,
                 TableName=name, AttributeDefinitions=attr_defs(("pk", "S")),
                 KeySchema=key_schema("pk"), BillingMode="PAY_PER_REQUEST")


def test_table_name_characters(ddb, make_table):
    name = "Ab.9_-" + unique_name()
    make_table(name=name)
    assert ddb.describe_table(TableName=name)["Table"]["TableName"] == name


def test_table_names_are_case_sensitive(ddb, make_table):
    base = unique_name("case")
    make_table(name=base.lower())
    make_table(name=base.upper())
    names = list_all(ddb, 100)
    assert base.lower() in names and base.upper() in names


def test_table_name_255_chars(ddb, make_table):
    name = (unique_name() + "x" * 255)[:255]
    make_table(name=name)
    assert ddb.describe_table(TableName=name)["Table"]["TableName"] == name


# --------------------------------------------------------------------------
# ListTables


def list_all(ddb, page_size):
    names = []
    for page in ddb.get_paginator("list_tables").paginate(
            PaginationConfig={"PageSize": page_size}):
        names += page["TableNames"]
    return names


def test_list_tables_sorted_and_paginated(ddb, make_table):
    prefix = unique_name("lt")
    mine = [make_table(name="%s-%d" % (prefix, i)) for i in (3, 1, 4, 0, 2)]
    full = list_all(ddb, 100)
    assert full == sorted(full)
    assert len(full) == len(set(full))
    for n in mine:
        assert n in full
    assert list_all(ddb, 2) == full
    assert list_all(ddb, 1) == full


def test_list_tables_limit_and_exclusive_start(ddb, make_table):
    prefix = unique_name("lt")
    for i in range(5):
        make_table(name="%s-%d" % (prefix, i))
    full = list_all(ddb, 100)
    i = full.index("%s-0" % prefix)
    page = ddb.list_tables(ExclusiveStartTableName=full[i], Limit=2)
    assert page["TableNames"] == full[i + 1:i + 3]
    assert page["LastEvaluatedTableName"] == full[i + 2]
    page = ddb.list_tables(Limit=1)
    assert page["TableNames"] == full[:1]
    assert page["LastEvaluatedTableName"] == full[0]


def test_list_tables_last_page_has_no_last_evaluated(ddb, make_table):
    make_table()
    page = ddb.list_tables(Limit=100)
    if len(page["TableNames"]) < 100:
        assert "LastEvaluatedTableName" not in page


def test_list_tables_start_after_last(ddb, make_table):
    make_table()
    full = list_all(ddb, 100)
    page = ddb.list_tables(ExclusiveStartTableName=full[-1])
    assert page["TableNames"] == []
    assert "LastEvaluatedTableName" not in page


@pytest.mark.parametrize("limit,constraint", [
    (0, "Member must have value greater than or equal to 1"),
    (101, "Member must have value less than or equal to 100"),
])
def test_list_tables_limit_bounds(ddb, limit, constraint):
    assert_error(ddb.list_tables, "ValidationException",
                 "1 validation error detected: Value '%d' at 'limit' failed to satisfy "
                 "constraint: %s" % (limit, constraint), Limit=limit)


# --------------------------------------------------------------------------
# DeleteTable


def test_delete_table(ddb, make_table):
    name = make_table()
    arn = ddb.describe_table(TableName=name)["Table"]["TableArn"]
    desc = ddb.delete_table(TableName=name)["TableDescription"]
    assert desc["TableName"] == name
    assert desc["TableStatus"] == "DELETING"
    assert desc["TableArn"] == arn
    wait_gone(ddb, name)
    assert name not in list_all(ddb, 100)
    assert_error(ddb.get_item, "ResourceNotFoundException", "Requested resource not found",
                 TableName=name, Key={"pk": {"S": "a"}})


# DeleteTable's TableDescription is trimmed: no KeySchema,
# AttributeDefinitions, CreationDateTime or indexes (observed on the service:
# TableName, TableStatus, ProvisionedThroughput, TableSizeBytes, ItemCount,
# TableArn, TableId, BillingModeSummary when on demand, TableClassSummary
# when a class was set, DeletionProtectionEnabled).
DELETED_MEMBERS = {"TableName", "TableStatus", "ProvisionedThroughput", "TableSizeBytes",
                   "ItemCount", "TableArn", "TableId", "DeletionProtectionEnabled"}


def delete_raw(port, ddb, name):
    """DescribeTable then DeleteTable (raw HTTP); returns both descriptions."""
    before = raw_call(port, "DescribeTable", {"TableName": name}).json()["Table"]
    r = raw_call(port, "DeleteTable", {"TableName": name})
    assert r.status == 200, r.body
    body = r.json()
    assert list(body) == ["TableDescription"]
    return before, body["TableDescription"]


def test_delete_table_on_demand_description(port, ddb, make_table):
    name = make_table(range_key=("sk", "N"))
    for i in range(3):
        ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "sk": {"N": str(i)}})
    before, desc = delete_raw(port, ddb, name)
    assert set(desc) == DELETED_MEMBERS | {"BillingModeSummary"}
    assert desc["TableName"] == name
    assert desc["TableStatus"] == "DELETING"
    assert desc["ProvisionedThroughput"] == {"NumberOfDecreasesToday": 0, "ReadCapacityUnits": 0,
                                             "WriteCapacityUnits": 0}
    assert set(desc["BillingModeSummary"]) == {"BillingMode", "LastUpdateToPayPerRequestDateTime"}
    assert desc["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert isinstance(desc["BillingModeSummary"]["LastUpdateToPayPerRequestDateTime"], (int, float))
    for field in ("TableArn", "TableId", "ItemCount", "TableSizeBytes"):
        assert desc[field] == before[field], field
    assert desc["DeletionProtectionEnabled"] is False
    wait_gone(ddb, name)


def test_delete_table_provisioned_with_indexes_description(port, ddb, make_table):
    name = make_table(
        range_key=("sk", "S"), extra_attributes=[("g", "S"), ("l", "S")],
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 7},
        GlobalSecondaryIndexes=[gsi("byG", "g", throughput={"ReadCapacityUnits": 1,
                                                             "WriteCapacityUnits": 1})],
        LocalSecondaryIndexes=[gsi("byL", "pk", "l")])
    before, desc = delete_raw(port, ddb, name)
    assert set(desc) == DELETED_MEMBERS
    assert desc["ProvisionedThroughput"] == {"NumberOfDecreasesToday": 0, "ReadCapacityUnits": 5,
                                             "WriteCapacityUnits": 7}
    assert (desc["TableArn"], desc["TableId"]) == (before["TableArn"], before["TableId"])
    wait_gone(ddb, name)


def test_delete_table_after_switch_to_provisioned(port, ddb, make_table):
    name = make_table()
    ddb.update_table(TableName=name, BillingMode="PROVISIONED",
                     ProvisionedThroughput={"ReadCapacityUnits": 2, "WriteCapacityUnits": 3})
    wait_active(ddb, name)
    before, desc = delete_raw(port, ddb, name)
    assert desc["BillingModeSummary"] == before["BillingModeSummary"]
    assert desc["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    pt = desc["ProvisionedThroughput"]
    assert (pt["ReadCapacityUnits"], pt["WriteCapacityUnits"]) == (2, 3)
    assert "KeySchema" not in desc and "CreationDateTime" not in desc


def test_delete_table_with_class_stream_and_sse(port, ddb, make_table):
    name = make_table(TableClass="STANDARD_INFREQUENT_ACCESS", SSESpecification={"Enabled": True},
                      StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    before, desc = delete_raw(port, ddb, name)
    assert desc["TableClassSummary"] == {"TableClass": "STANDARD_INFREQUENT_ACCESS"}
    # The stream and SSE members are inferred (not observed) to stay in
    # the trimmed description, as they do in DescribeTable.
    for field in ("TableClassSummary", "StreamSpecification", "LatestStreamLabel",
                  "LatestStreamArn", "SSEDescription", "BillingModeSummary"):
        assert desc[field] == before[field], field
    assert set(desc) == DELETED_MEMBERS | {"TableClassSummary", "StreamSpecification",
                                           "LatestStreamLabel", "LatestStreamArn",
                                           "SSEDescription", "BillingModeSummary"}


def test_delete_table_boto3_shape(ddb, make_table):
    name = make_table(extra_attributes=[("g", "S")], GlobalSecondaryIndexes=[gsi("byG", "g")])
    desc = ddb.delete_table(TableName=name)["TableDescription"]
    for absent in ("KeySchema", "AttributeDefinitions", "CreationDateTime",
                   "GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        assert absent not in desc, absent
    assert desc["TableStatus"] == "DELETING"


def test_delete_missing_table(ddb):
    name = unique_name()
    assert_error(ddb.delete_table, "ResourceNotFoundException",
                 "Requested resource not found: Table: %s not found" % name,  # message unverified
                 TableName=name)


def test_recreate_deleted_table_is_empty(ddb, make_table):
    name = make_table()
    ddb.put_item(TableName=name, Item={"pk": {"S": "old"}})
    ddb.delete_table(TableName=name)
    wait_gone(ddb, name)
    make_table(name=name, range_key=("sk", "N"))
    desc = ddb.describe_table(TableName=name)["Table"]
    assert desc["KeySchema"] == key_schema("pk", "sk")
    assert "Item" not in ddb.get_item(TableName=name, Key={"pk": {"S": "old"}, "sk": {"N": "1"}})


# --------------------------------------------------------------------------
# UpdateTable


def test_update_table_provisioned_to_on_demand(ddb, make_table):
    name = make_table(ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5})
    desc = ddb.update_table(TableName=name, BillingMode="PAY_PER_REQUEST")["TableDescription"]
    assert desc["TableName"] == name
    desc = wait_active(ddb, name)
    assert desc["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def test_update_table_on_demand_to_provisioned(ddb, make_table):
    name = make_table()
    ddb.update_table(TableName=name, BillingMode="PROVISIONED",
                     ProvisionedThroughput={"ReadCapacityUnits": 4, "WriteCapacityUnits": 6})
    desc = wait_active(ddb, name)
    pt = desc["ProvisionedThroughput"]
    assert (pt["ReadCapacityUnits"], pt["WriteCapacityUnits"]) == (4, 6)
    assert desc["BillingModeSummary"]["BillingMode"] == "PROVISIONED"


def test_update_table_throughput(ddb, make_table):
    name = make_table(ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5})
    ddb.update_table(TableName=name,
                     ProvisionedThroughput={"ReadCapacityUnits": 10, "WriteCapacityUnits": 20})
    desc = wait_active(ddb, name)
    pt = desc["ProvisionedThroughput"]
    assert (pt["ReadCapacityUnits"], pt["WriteCapacityUnits"]) == (10, 20)
    check_recent(pt["LastIncreaseDateTime"])


def test_update_table_keeps_items(ddb, make_table):
    name = make_table(ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5})
    ddb.put_item(TableName=name, Item={"pk": {"S": "keep"}, "v": {"N": "1"}})
    ddb.update_table(TableName=name, BillingMode="PAY_PER_REQUEST")
    wait_active(ddb, name)
    got = ddb.get_item(TableName=name, Key={"pk": {"S": "keep"}}, ConsistentRead=True)
    assert got["Item"] == {"pk": {"S": "keep"}, "v": {"N": "1"}}


def test_update_missing_table(ddb):
    name = unique_name()
    assert_error(ddb.update_table, "ResourceNotFoundException",
                 "Requested resource not found: Table: %s not found" % name,  # message unverified
                 TableName=name, BillingMode="PAY_PER_REQUEST")


# --------------------------------------------------------------------------
# CreateTable validation


def create(ddb, name=None, defs=(("pk", "S"),), keys=None, default_billing=True,
           with_keys=True, **kwargs):
    """Call CreateTable expecting failure; returns (code, message, status).  If
    the table is created after all, it is deleted again and the test fails."""
    name = name or unique_name()
    if with_keys:
        kwargs["KeySchema"] = key_schema(defs[0][0]) if keys is None else keys
    if default_billing and "BillingMode" not in kwargs and "ProvisionedThroughput" not in kwargs:
        kwargs["BillingMode"] = "PAY_PER_REQUEST"
    try:
        return client_error(ddb.create_table, TableName=name,
                            AttributeDefinitions=attr_defs(*defs), **kwargs)
    except AssertionError:
        try:
            ddb.delete_table(TableName=name)
        except Exception:
            pass
        raise


def check(result, code, message=None, prefix=None):
    got_code, got_msg, status = result
    assert (got_code, status) == (code, 400), got_msg
    if message is not None:
        assert got_msg == message
    if prefix is not None:
        assert got_msg.startswith(prefix), got_msg


def test_table_name_too_short(ddb):
    check(create(ddb, name="ab"), "ValidationException",
          "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: "
          "Member must have length greater than or equal to 3")


def test_table_name_too_long(ddb):
    name = "a" * 256
    check(create(ddb, name=name), "ValidationException",
          "1 validation error detected: Value '%s' at 'tableName' failed to satisfy constraint: "
          "Member must have length less than or equal to 255" % name)


def test_table_name_bad_characters(ddb):
    check(create(ddb, name="bad name!"), "ValidationException",
          "1 validation error detected: Value 'bad name!' at 'tableName' failed to satisfy "
          "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")


def test_table_name_two_violations(ddb):
    # The order of the two messages is unverified; only the count is asserted.
    check(create(ddb, name="a!"), "ValidationException",
          prefix="2 validation errors detected: ")


def test_key_not_in_attribute_definitions(ddb):
    check(create(ddb, defs=(("pk", "S"),), keys=key_schema("pk", "sk")), "ValidationException",
          "Invalid KeySchema: Some index key attribute have no definition")


def test_unused_attribute_definition(ddb):
    check(create(ddb, defs=(("pk", "S"), ("extra", "N"))), "ValidationException",
          INVALID + "Number of attributes in KeySchema does not exactly match number of "
          "attributes defined in AttributeDefinitions")


def test_two_hash_keys(ddb):
    keys = [{"AttributeName": "a", "KeyType": "HASH"}, {"AttributeName": "b", "KeyType": "HASH"}]
    check(create(ddb, defs=(("a", "S"), ("b", "S")), keys=keys), "ValidationException",
          "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type")


def test_range_before_hash(ddb):
    keys = [{"AttributeName": "b", "KeyType": "RANGE"}, {"AttributeName": "a", "KeyType": "HASH"}]
    check(create(ddb, defs=(("a", "S"), ("b", "S")), keys=keys), "ValidationException",
          "Invalid KeySchema: The first KeySchemaElement is not a HASH key type")


def test_range_without_hash(ddb):
    keys = [{"AttributeName": "a", "KeyType": "RANGE"}]
    check(create(ddb, defs=(("a", "S"),), keys=keys), "ValidationException",
          "Invalid KeySchema: The first KeySchemaElement is not a HASH key type")


def test_three_key_schema_elements(ddb):
    keys = key_schema("a", "b") + [{"AttributeName": "c", "KeyType": "RANGE"}]
    check(create(ddb, defs=(("a", "S"), ("b", "S"), ("c", "S")), keys=keys),
          "ValidationException",
          prefix="1 validation error detected: Value '[")  # rest of message unverified


def test_invalid_attribute_type(ddb):
    check(create(ddb, defs=(("pk", "X"),)), "ValidationException",
          "1 validation error detected: Value 'X' at 'attributeDefinitions.1.member.attributeType' "
          "failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]")  # message unverified (enum order)


def test_invalid_key_type(ddb):
    keys = [{"AttributeName": "pk", "KeyType": "PRIMARY"}]
    check(create(ddb, keys=keys), "ValidationException",
          prefix="1 validation error detected: Value 'PRIMARY' at 'keySchema.1.member.keyType' "
                 "failed to satisfy constraint: Member must satisfy enum value set: ")


def test_provisioned_without_throughput(ddb):
    check(create(ddb, BillingMode="PROVISIONED"), "ValidationException",
          INVALID + "ReadCapacityUnits and WriteCapacityUnits must both be specified when "
          "BillingMode is PROVISIONED")


def test_no_billing_mode_and_no_throughput(ddb):
    check(create(ddb, default_billing=False), "ValidationException",
          "No provisioned throughput specified for the table")  # message unverified


def test_pay_per_request_with_throughput(ddb):
    check(create(ddb, BillingMode="PAY_PER_REQUEST",
                 ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}),
          "ValidationException",
          INVALID + "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when "
          "BillingMode is PAY_PER_REQUEST")  # message unverified


def test_read_capacity_zero(ddb):
    check(create(ddb, ProvisionedThroughput={"ReadCapacityUnits": 0, "WriteCapacityUnits": 1}),
          "ValidationException",
          "1 validation error detected: Value '0' at 'provisionedThroughput.readCapacityUnits' "
          "failed to satisfy constraint: Member must have value greater than or equal to 1")


def test_write_capacity_zero(ddb):
    check(create(ddb, ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 0}),
          "ValidationException",
          "1 validation error detected: Value '0' at 'provisionedThroughput.writeCapacityUnits' "
          "failed to satisfy constraint: Member must have value greater than or equal to 1")


def test_invalid_billing_mode(ddb):
    check(create(ddb, BillingMode="FREE"), "ValidationException",
          prefix="1 validation error detected: Value 'FREE' at 'billingMode' failed to satisfy "
                 "constraint: Member must satisfy enum value set: ")


def test_missing_key_schema(ddb):
    check(create(ddb, with_keys=False), "ValidationException")  # message unverified


# --------------------------------------------------------------------------
# Secondary indexes


def gsi(name, hash_name, range_name=None, projection=None, throughput=None):
    idx = {"IndexName": name, "KeySchema": key_schema(hash_name, range_name),
           "Projection": projection or {"ProjectionType": "ALL"}}
    if throughput:
        idx["ProvisionedThroughput"] = throughput
    return idx


def test_gsi_and_lsi_described(ddb, make_table):
    name = make_table(
        range_key=("sk", "S"),
        extra_attributes=[("g1", "S"), ("g2", "N"), ("l1", "B")],
        GlobalSecondaryIndexes=[
            gsi("byG1", "g1", "g2"),
            gsi("byG2", "g2", projection={"ProjectionType": "KEYS_ONLY"}),
            gsi("byG1inc", "g1", projection={"ProjectionType": "INCLUDE",
                                             "NonKeyAttributes": ["a", "b"]}),
        ],
        LocalSecondaryIndexes=[
            gsi("byL1", "pk", "l1", projection={"ProjectionType": "INCLUDE",
                                                "NonKeyAttributes": ["c"]}),
        ],
    )
    desc = ddb.describe_table(TableName=name)["Table"]
    assert by_name(desc["AttributeDefinitions"]) == by_name(
        attr_defs(("pk", "S"), ("sk", "S"), ("g1", "S"), ("g2", "N"), ("l1", "B")))
    gsis = {g["IndexName"]: g for g in desc["GlobalSecondaryIndexes"]}
    assert set(gsis) == {"byG1", "byG2", "byG1inc"}
    assert gsis["byG1"]["KeySchema"] == key_schema("g1", "g2")
    assert gsis["byG1"]["Projection"] == {"ProjectionType": "ALL"}
    assert gsis["byG2"]["KeySchema"] == key_schema("g2")
    assert gsis["byG2"]["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    assert gsis["byG1inc"]["Projection"]["ProjectionType"] == "INCLUDE"
    assert sorted(gsis["byG1inc"]["Projection"]["NonKeyAttributes"]) == ["a", "b"]
    for g in gsis.values():
        assert g["IndexStatus"] == "ACTIVE"
        assert g["IndexArn"] == desc["TableArn"] + "/index/" + g["IndexName"]
    lsis = desc["LocalSecondaryIndexes"]
    assert len(lsis) == 1
    assert lsis[0]["IndexName"] == "byL1"
    assert lsis[0]["KeySchema"] == key_schema("pk", "l1")
    assert lsis[0]["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["c"]}
    assert lsis[0]["IndexArn"] == desc["TableArn"] + "/index/byL1"
    assert "IndexStatus" not in lsis[0]


def test_gsi_on_provisioned_table(ddb, make_table):
    name = make_table(
        extra_attributes=[("g", "S")],
        ProvisionedThroughput={"ReadCapacityUnits": 2, "WriteCapacityUnits": 2},
        GlobalSecondaryIndexes=[gsi("byG", "g", throughput={"ReadCapacityUnits": 3,
                                                             "WriteCapacityUnits": 4})])
    g = ddb.describe_table(TableName=name)["Table"]["GlobalSecondaryIndexes"][0]
    assert g["ProvisionedThroughput"]["ReadCapacityUnits"] == 3
    assert g["ProvisionedThroughput"]["WriteCapacityUnits"] == 4


def test_gsi_without_throughput_on_provisioned_table(ddb):
    check(create(ddb, defs=(("pk", "S"), ("g", "S")),
                 ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
                 GlobalSecondaryIndexes=[gsi("byG", "g")]),
          "ValidationException", INVALID + "ProvisionedThroughput is not specified for index: byG")


def test_gsi_key_without_definition(ddb):
    check(create(ddb, GlobalSecondaryIndexes=[gsi("byG", "g")]), "ValidationException")
    # message unverified


def test_unused_attribute_definition_with_index(ddb):
    check(create(ddb, defs=(("pk", "S"), ("g", "S"), ("zz", "S")),
                 GlobalSecondaryIndexes=[gsi("byG", "g")]),
          "ValidationException",
          prefix=INVALID + "Some AttributeDefinitions are not used.")  # rest unverified


def test_lsi_with_different_hash_key(ddb):
    check(create(ddb, defs=(("pk", "S"), ("sk", "S"), ("other", "S"), ("l", "S")),
                 keys=key_schema("pk", "sk"),
                 LocalSecondaryIndexes=[gsi("byL", "other", "l")]),
          "ValidationException")  # message unverified


def test_lsi_on_hash_only_table(ddb):
    check(create(ddb, defs=(("pk", "S"), ("l", "S")),
                 LocalSecondaryIndexes=[gsi("byL", "pk", "l")]),
          "ValidationException",
          INVALID + "Table KeySchema does not have a range key, which is required when "
          "specifying a LocalSecondaryIndex")


def test_duplicate_index_names(ddb):
    check(create(ddb, defs=(("pk", "S"), ("g", "S"), ("h", "S")),
                 GlobalSecondaryIndexes=[gsi("dupIdx", "g"), gsi("dupIdx", "h")]),
          "ValidationException", INVALID + "Duplicate index name: dupIdx")


def test_include_without_non_key_attributes(ddb):
    check(create(ddb, defs=(("pk", "S"), ("g", "S")),
                 GlobalSecondaryIndexes=[gsi("byG", "g", projection={"ProjectionType": "INCLUDE"})]),
          "ValidationException",
          INVALID + "ProjectionType is INCLUDE, but NonKeyAttributes is not specified")


def test_all_with_non_key_attributes(ddb):
    check(create(ddb, defs=(("pk", "S"), ("g", "S")),
                 GlobalSecondaryIndexes=[gsi("byG", "g", projection={
                     "ProjectionType": "ALL", "NonKeyAttributes": ["x"]})]),
          "ValidationException",
          INVALID + "ProjectionType is ALL, but NonKeyAttributes is specified")


def test_index_name_too_short(ddb):
    check(create(ddb, defs=(("pk", "S"), ("g", "S")), GlobalSecondaryIndexes=[gsi("ab", "g")]),
          "ValidationException",
          prefix="1 validation error detected: Value 'ab' at ")  # rest unverified


# --------------------------------------------------------------------------
# Attribute name limits in definitions: key attribute names and projected
# names are 1 to 255 bytes (model constraints at their paths).

LONG = "n" * 256
OK_255 = "m" * 255


def test_key_names_of_255_bytes(ddb, make_table):
    a, b, c, d = ("a" * 254 + "1", "b" * 254 + "2", "c" * 254 + "3", "d" * 254 + "4")
    name = make_table(hash_key=(a, "S"), range_key=(b, "S"), extra_attributes=[(c, "S"), (d, "S")],
                      GlobalSecondaryIndexes=[gsi("byC", c, d)],
                      LocalSecondaryIndexes=[gsi("byD", a, d, projection={
                          "ProjectionType": "INCLUDE", "NonKeyAttributes": [OK_255]})])
    item = {a: {"S": "x"}, b: {"S": "y"}, c: {"S": "z"}, d: {"S": "w"}, OK_255: {"N": "1"}}
    ddb.put_item(TableName=name, Item=item)
    assert ddb.get_item(TableName=name, Key={a: {"S": "x"}, b: {"S": "y"}},
                        ConsistentRead=True)["Item"] == item
    got = ddb.query(TableName=name, IndexName="byD", KeyConditionExpression="#a = :a AND #d = :d",
                    ExpressionAttributeNames={"#a": a, "#d": d},
                    ExpressionAttributeValues={":a": {"S": "x"}, ":d": {"S": "w"}})
    assert got["Items"] == [{a: {"S": "x"}, b: {"S": "y"}, d: {"S": "w"}, OK_255: {"N": "1"}}]
    got = ddb.query(TableName=name, IndexName="byC", KeyConditionExpression="#c = :c",
                    ExpressionAttributeNames={"#c": c}, ExpressionAttributeValues={":c": {"S": "z"}})
    assert got["Items"] == [item]


def one_violation(value, path, constraint):
    return ("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s"
            % (value, path, constraint))


TOO_LONG = "Member must have length less than or equal to 255"


def test_attribute_definition_name_too_long(ddb):
    check(create(ddb, defs=((LONG, "S"),), keys=key_schema("pk")), "ValidationException",
          one_violation(LONG, "attributeDefinitions.1.member.attributeName", TOO_LONG))


def test_attribute_definition_name_empty(ddb):
    check(create(ddb, defs=(("", "S"),), keys=key_schema("pk")), "ValidationException",
          one_violation("", "attributeDefinitions.1.member.attributeName",
                        "Member must have length greater than or equal to 1"))


@pytest.mark.parametrize("position", [1, 2])
def test_key_schema_name_too_long(ddb, position):
    keys = key_schema("pk", "sk")
    keys[position - 1]["AttributeName"] = LONG
    check(create(ddb, defs=(("pk", "S"), ("sk", "S")), keys=keys), "ValidationException",
          one_violation(LONG, "keySchema.%d.member.attributeName" % position, TOO_LONG))


@pytest.mark.parametrize("member", ["globalSecondaryIndexes", "localSecondaryIndexes"])
def test_index_key_name_too_long(ddb, member):
    index = gsi("byX", "pk", LONG)
    param = "GlobalSecondaryIndexes" if member.startswith("global") else "LocalSecondaryIndexes"
    check(create(ddb, defs=(("pk", "S"), ("sk", "S")), keys=key_schema("pk", "sk"),
                 **{param: [index]}),
          "ValidationException",
          one_violation(LONG, member + ".1.member.keySchema.2.member.attributeName", TOO_LONG))


@pytest.mark.parametrize("names,constraint", [
    (["a", LONG], "Member must satisfy constraint: [Member must have length less than or equal "
                  "to 255, Member must have length greater than or equal to 1]"),  # unverified
    ([""], "Member must satisfy constraint: [Member must have length less than or equal to 255, "
           "Member must have length greater than or equal to 1]"),  # unverified
    ([], "Member must have length greater than or equal to 1"),
    (["a%d" % i for i in range(21)], "Member must have length less than or equal to 20"),
], ids=["too-long", "empty-name", "empty-list", "21-names"])
def test_projected_names(ddb, names, constraint):
    index = gsi("byG", "g", projection={"ProjectionType": "INCLUDE", "NonKeyAttributes": names})
    check(create(ddb, defs=(("pk", "S"), ("g", "S")), GlobalSecondaryIndexes=[index]),
          "ValidationException",
          one_violation("[%s]" % ", ".join(names),
                        "globalSecondaryIndexes.1.member.projection.nonKeyAttributes",
                        constraint))


def test_projected_name_duplicate(ddb):
    index = gsi("byG", "g", projection={"ProjectionType": "INCLUDE",
                                        "NonKeyAttributes": ["x", "y", "x"]})
    check(create(ddb, defs=(("pk", "S"), ("g", "S")), GlobalSecondaryIndexes=[index]),
          "ValidationException",
          INVALID + "Duplicate element in NonKeyAttributes: x")  # message unverified (prefix)


def test_duplicate_attribute_definition(ddb):
    check(create(ddb, defs=(("pk", "S"), ("pk", "N"))), "ValidationException",
          "Attribute Name is duplicated: pk")


def test_key_schema_element_without_members(ddb):
    # observed: the name before the key type
    check(create(ddb, keys=[{}]), "ValidationException",
          "2 validation errors detected: Value null at 'keySchema.1.member.attributeName' failed "
          "to satisfy constraint: Member must not be null; Value null at "
          "'keySchema.1.member.keyType' failed to satisfy constraint: Member must not be null")


def test_gsi_name_empty(ddb):
    check(create(ddb, defs=(("pk", "S"), ("g", "S")), GlobalSecondaryIndexes=[gsi("", "g")]),
          "ValidationException",
          "2 validation errors detected: Value '' at 'globalSecondaryIndexes.1.member.indexName' "
          "failed to satisfy constraint: Member must have length greater than or equal to 3; "
          "Value '' at 'globalSecondaryIndexes.1.member.indexName' failed to satisfy constraint: "
          "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")


def test_stream_view_type_enum(ddb):
    check(create(ddb, StreamSpecification={"StreamEnabled": True, "StreamViewType": ""}),
          "ValidationException",
          one_violation("", "streamSpecification.streamViewType",
                        "Member must satisfy enum value set: [OLD_IMAGE, KEYS_ONLY, "
                        "NEW_AND_OLD_IMAGES, NEW_IMAGE]"))
