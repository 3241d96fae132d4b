"""A U+0000 inside a name, identifier or enumeration value never passes for
the text before it.

Such members are read as C strings inside the server; a NUL there stands as
U+FFFD, so "ALL_OLD\\u0000" is no ReturnValues, "<stream ARN>\\u0000x" no
stream, and TTL set on "a\\u0000b" is not TTL on "a".  (What the service
echoes for such values in its messages is unverified; these tests assert
that the value is refused or kept apart, the error type, and the message's
start.)"""
import pytest

from conftest import raw_call, unique_name, wait_active
from streamhelp import create_stream_table, raw_streams

NUL = "\u0000"


def refused(r, code="ValidationException"):
    assert (r.status, r.error_type) == (400, code), (r.status, r.body)
    return r.error_message


def test_table_name_with_nul_is_refused(port, table_s):
    msg = refused(raw_call(port, "DescribeTable", {"TableName": table_s + NUL + "x"}))
    assert msg.startswith("1 validation error detected: Value '")
    assert msg.endswith("' at 'tableName' failed to satisfy constraint: Member must satisfy "
                        "regular expression pattern: [a-zA-Z0-9_.-]+")


def test_table_name_ending_in_nul_is_refused(port, table_s):
    refused(raw_call(port, "DescribeTable", {"TableName": table_s + NUL}))


def test_enumeration_with_nul_is_refused(port, table_s):
    msg = refused(raw_call(port, "PutItem", {"TableName": table_s,
                                             "Item": {"pk": {"S": "a"}},
                                             "ReturnValues": "ALL_OLD" + NUL}))
    assert "at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set" \
        in msg
    r = raw_call(port, "GetItem", {"TableName": table_s, "Key": {"pk": {"S": "a"}}})
    assert r.status == 200 and "Item" not in r.json()


def test_conditional_operator_with_nul_is_refused(port, table_s):
    msg = refused(raw_call(port, "PutItem", {
        "TableName": table_s, "Item": {"pk": {"S": "a"}}, "ConditionalOperator": "OR" + NUL,
        "Expected": {"x": {"Exists": False}, "y": {"Exists": False}}}))
    assert "at 'conditionalOperator' failed to satisfy constraint" in msg


def test_comparison_operator_with_nul_is_refused(port, table_s):
    msg = refused(raw_call(port, "Query", {
        "TableName": table_s,
        "KeyConditions": {"pk": {"ComparisonOperator": "EQ" + NUL,
                                 "AttributeValueList": [{"S": "a"}]}}}))
    assert "comparisonOperator' failed to satisfy constraint: Member must satisfy enum" in msg


def test_attribute_action_with_nul_is_refused(port, table_s):
    msg = refused(raw_call(port, "UpdateItem", {
        "TableName": table_s, "Key": {"pk": {"S": "a"}},
        "AttributeUpdates": {"v": {"Action": "PUT" + NUL, "Value": {"S": "x"}}}}))
    assert "attributeUpdates.v.member.action' failed to satisfy constraint" in msg


def test_ttl_attribute_with_nul_is_not_the_shorter_name(port, ddb, make_table):
    table = make_table()
    r = raw_call(port, "UpdateTimeToLive", {
        "TableName": table,
        "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "exp" + NUL + "ire"}})
    assert r.status == 200, r.body
    name = ddb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]["AttributeName"]
    assert name != "exp" and name.startswith("exp") and name.endswith("ire")


@pytest.fixture(scope="module")
def stream_arn(ddb):
    name = unique_name("nul-stream")
    create_stream_table(ddb, name, "KEYS_ONLY")
    wait_active(ddb, name)
    arn = ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    yield arn
    ddb.delete_table(TableName=name)


def test_stream_arn_with_nul_is_no_stream(port, stream_arn):
    assert raw_streams(port, "DescribeStream", {"StreamArn": stream_arn}).status == 200
    r = raw_streams(port, "DescribeStream", {"StreamArn": stream_arn + NUL + "xyz"})
    assert r.status == 400 and r.error_type in ("ValidationException",
                                                "ResourceNotFoundException"), r.body


def test_shard_id_and_iterator_with_nul_are_refused(port, stream_arn):
    shard = raw_streams(port, "DescribeStream",
                        {"StreamArn": stream_arn}).json()["StreamDescription"]["Shards"][0]
    r = raw_streams(port, "GetShardIterator", {"StreamArn": stream_arn,
                                               "ShardId": shard["ShardId"] + NUL + "x",
                                               "ShardIteratorType": "TRIM_HORIZON"})
    assert r.status == 400 and r.error_type in ("ValidationException",
                                                "ResourceNotFoundException"), r.body
    r = raw_streams(port, "GetShardIterator", {"StreamArn": stream_arn,
                                               "ShardId": shard["ShardId"],
                                               "ShardIteratorType": "TRIM_HORIZON"})
    iterator = r.json()["ShardIterator"]
    assert raw_streams(port, "GetRecords", {"ShardIterator": iterator}).status == 200
    r = raw_streams(port, "GetRecords", {"ShardIterator": iterator + NUL + "x"})
    assert r.status == 400 and r.error_type == "ValidationException", r.body


def test_values_keep_their_nul(port, table_s):
    """Attribute values are not names: a NUL in them is kept as sent."""
    value = "a" + NUL + "b"
    assert raw_call(port, "PutItem", {"TableName": table_s,
                                      "Item": {"pk": {"S": value}, "v": {"S": value}}}).status == 200
    r = raw_call(port, "GetItem", {"TableName": table_s, "Key": {"pk": {"S": value}}})
    assert r.json()["Item"] == {"pk": {"S": value}, "v": {"S": value}}
    r = raw_call(port, "GetItem", {"TableName": table_s, "Key": {"pk": {"S": "a"}}})
    assert r.status == 200 and "Item" not in r.json()
