"""Requests that Query and Scan reject: missing tables and indexes, key
conditions that do not fit the key schema or use operators a key condition
does not allow, bad Limit/Select/Segment/TotalSegments values, start keys
that do not match the schema or the key condition, mixing expression and
legacy parameters, unused and undefined placeholders, filters on key
attributes."""

import pytest

from ddbvalues import N, S
from conftest import TableFactory, assert_error, unique_name

VE = "ValidationException"
INVALID = "One or more parameter values were invalid: "
MIXED = ("Can not use both expression and non-expression parameters in the same request: "
         "Non-expression parameters: {%s} Expression parameters: {%s}")


@pytest.fixture(scope="module")
def tables(ddb):
    """Read-only tables for the whole module: "num" (pk S, sk N), "str"
    (pk S, sk S), "hash" (pk S) and "idx" (pk S, sk N, an LSI on lsk and a
    GSI on gpk/gsk)."""
    factory = TableFactory(ddb)
    out = {
        "num": factory(range_key=("sk", "N")),
        "str": factory(range_key=("sk", "S")),
        "hash": factory(),
        "idx": factory(
            range_key=("sk", "N"), extra_attributes=[("lsk", "S"), ("gpk", "S"), ("gsk", "N")],
            LocalSecondaryIndexes=[{
                "IndexName": "byL", "Projection": {"ProjectionType": "ALL"},
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                              {"AttributeName": "lsk", "KeyType": "RANGE"}]}],
            GlobalSecondaryIndexes=[{
                "IndexName": "byG", "Projection": {"ProjectionType": "KEYS_ONLY"},
                "KeySchema": [{"AttributeName": "gpk", "KeyType": "HASH"},
                              {"AttributeName": "gsk", "KeyType": "RANGE"}]}]),
    }
    for i in range(5):
        ddb.put_item(TableName=out["num"], Item={"pk": S("p"), "sk": N(i), "a": N(i)})
        ddb.put_item(TableName=out["str"], Item={"pk": S("p"), "sk": S("s%d" % i)})
    yield out
    factory.cleanup()


def query_error(ddb, table, message=None, prefix=None, kce="pk = :p", values=None, **params):
    """Query `table` expecting a ValidationException; values default to
    {":p": "p"} (pass values={} for none)."""
    if kce is not None:
        params["KeyConditionExpression"] = kce
    if values is None:
        values = {":p": S("p")}
    if values:
        params["ExpressionAttributeValues"] = values
    return assert_error(ddb.query, VE, message, prefix=prefix, TableName=table, **params)


# --------------------------------------------------------------------------
# Missing tables and indexes


def test_query_missing_table(ddb):
    assert_error(ddb.query, "ResourceNotFoundException", "Requested resource not found",
                 TableName=unique_name("missing"), KeyConditionExpression="pk = :p",
                 ExpressionAttributeValues={":p": S("p")})


def test_scan_missing_table(ddb):
    assert_error(ddb.scan, "ResourceNotFoundException",
                 "Requested resource not found",  # message unverified for Scan
                 TableName=unique_name("missing"))


def test_query_missing_index(ddb, tables):
    query_error(ddb, tables["idx"], "The table does not have the specified index: nope",
                IndexName="nope")


def test_query_index_on_table_without_indexes(ddb, tables):
    query_error(ddb, tables["num"], "The table does not have the specified index: byG",
                IndexName="byG")


def test_scan_missing_index(ddb, tables):
    assert_error(ddb.scan, VE, "The table does not have the specified index: nope",
                 TableName=tables["idx"], IndexName="nope")  # message unverified for Scan


# --------------------------------------------------------------------------
# Key conditions that do not fit the key schema


def test_no_key_condition_at_all(ddb, tables):
    assert_error(ddb.query, VE, "Either the KeyConditions or KeyConditionExpression parameter "
                 "must be specified in the request.", TableName=tables["num"])


def test_condition_on_non_key_attribute(ddb, tables):
    query_error(ddb, tables["num"], "Query condition missed key schema element: sk",
                kce="pk = :p AND a = :a", values={":p": S("p"), ":a": N(1)})


@pytest.mark.parametrize("kce", ["pk = :p AND a = :a", "a = :a AND b = :a"])
def test_two_conditions_on_hash_only_table(ddb, tables, kce):
    query_error(ddb, tables["hash"], "Query key condition not supported", kce=kce,
                values={":p": S("p"), ":a": N(1)} if ":p" in kce else {":a": N(1)})


@pytest.mark.parametrize("kce", [
    "pk = :p AND sk = :s AND a = :a",
    "a = :a AND b = :a AND c = :a",
    " AND ".join("(a%d = :a)" % i for i in range(10)),
])
def test_more_than_two_conditions(ddb, tables, kce):
    values = {":a": N(1)}
    values.update({k: v for k, v in ((":p", S("p")), (":s", N(1))) if k in kce})
    query_error(ddb, tables["num"], "Conditions can be of length 1 or 2 only", kce=kce,
                values=values)


def test_no_partition_key_condition(ddb, tables):
    query_error(ddb, tables["num"], "Query condition missed key schema element: pk",
                kce="sk = :s", values={":s": N(1)})


def test_index_query_without_index_partition_key(ddb, tables):
    query_error(ddb, tables["idx"], "Query condition missed key schema element: gpk",
                IndexName="byG", kce="gsk = :s", values={":s": N(1)})


@pytest.mark.parametrize("kce", [
    "pk = :p AND sk > :a AND sk < :b",
    "pk = :p AND sk = :a AND sk = :b",
    "pk = :p AND begins_with(pk, :p)",
    "pk = :p AND pk = :p",
])
def test_two_conditions_on_one_key(ddb, tables, kce):
    values = {":p": S("p")}
    if ":a" in kce:
        values.update({":a": S("a"), ":b": S("b")})
    query_error(ddb, tables["str"], "KeyConditionExpressions must only contain one condition "
                "per key", kce=kce, values=values)


def test_or_in_key_condition(ddb, tables):
    query_error(ddb, tables["num"], "Invalid operator used in KeyConditionExpression: OR",
                kce="pk = :p OR sk = :s", values={":p": S("p"), ":s": N(1)})


def test_not_in_key_condition(ddb, tables):
    query_error(ddb, tables["num"], "Invalid operator used in KeyConditionExpression: NOT",
                kce="pk = :p AND NOT sk = :s",  # message unverified
                values={":p": S("p"), ":s": N(1)})


def test_in_in_key_condition(ddb, tables):
    query_error(ddb, tables["num"], "Invalid operator used in KeyConditionExpression: IN",
                kce="pk = :p AND sk IN (:a, :b)", values={":p": S("p"), ":a": N(1), ":b": N(2)})


def test_not_equal_in_key_condition(ddb, tables):
    query_error(ddb, tables["num"], "Invalid operator used in KeyConditionExpression: <>",
                kce="pk = :p AND sk <> :s",  # message unverified
                values={":p": S("p"), ":s": N(1)})


def test_contains_in_key_condition(ddb, tables):
    query_error(ddb, tables["str"], "Invalid operator used in KeyConditionExpression: contains",
                kce="pk = :p AND contains(sk, :s)", values={":p": S("p"), ":s": S("s")})


@pytest.mark.parametrize("kce,fn", [
    ("pk = :p AND attribute_exists(sk)", "attribute_exists"),
    ("pk = :p AND attribute_not_exists(sk)", "attribute_not_exists"),
    ("pk = :p AND attribute_type(sk, :s)", "attribute_type"),
])
def test_other_functions_in_key_condition(ddb, tables, kce, fn):
    values = {":p": S("p")}
    if ":s" in kce:
        values[":s"] = S("S")
    query_error(ddb, tables["str"], "Invalid operator used in KeyConditionExpression: " + fn,
                kce=kce, values=values)  # message unverified (verified for contains)


def test_size_in_key_condition(ddb, tables):
    # Code only: the message is unverified.
    query_error(ddb, tables["str"], kce="pk = :p AND size(sk) = :n",
                values={":p": S("p"), ":n": N(2)})


def test_begins_with_on_number_sort_key(ddb, tables):
    query_error(ddb, tables["num"], "Invalid KeyConditionExpression: Incorrect operand type for "
                "operator or function; operator or function: begins_with, operand type: N",
                kce="pk = :p AND begins_with(sk, :s)",  # message unverified
                values={":p": S("p"), ":s": N(1)})


def test_between_bounds_reversed(ddb, tables):
    # A reversed range is an error, not an empty result.
    query_error(ddb, tables["num"], "Invalid KeyConditionExpression: The BETWEEN operator "
                "requires upper bound to be greater than or equal to lower bound; lower bound "
                "operand: AttributeValue: {N:10}, upper bound operand: AttributeValue: {N:1}",
                # message unverified beyond its first sentence
                kce="pk = :p AND sk BETWEEN :a AND :b",
                values={":p": S("p"), ":a": N(10), ":b": N(1)})


def test_key_conditions_between_bounds_reversed(ddb, tables):
    assert_error(ddb.query, VE, "The BETWEEN condition was provided a range where the lower "
                 "bound is greater than the upper bound", TableName=tables["str"],
                 KeyConditions={
                     "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [S("p")]},
                     "sk": {"ComparisonOperator": "BETWEEN",
                            "AttributeValueList": [S("s3"), S("s1")]}})


def test_range_operator_on_partition_key(ddb, tables):
    query_error(ddb, tables["num"], "Query key condition not supported",
                kce="pk > :p",  # message unverified
                values={":p": S("p")})


def test_begins_with_on_partition_key(ddb, tables):
    # Code only: the message is unverified.
    query_error(ddb, tables["str"], kce="begins_with(pk, :p)")


def test_attribute_name_as_operand(ddb, tables):
    query_error(ddb, tables["str"], "Invalid condition in KeyConditionExpression: multiple "
                "attribute names used in one condition", kce="pk = :p AND begins_with(sk, a)")


def test_key_condition_value_of_wrong_type(ddb, tables):
    query_error(ddb, tables["num"], INVALID + "Condition parameter type does not match schema "
                "type", kce="pk = :p AND sk > :s",  # message unverified
                values={":p": S("p"), ":s": S("1")})


def test_partition_key_value_of_wrong_type(ddb, tables):
    query_error(ddb, tables["num"], INVALID + "Condition parameter type does not match schema "
                "type", kce="pk = :p", values={":p": N(1)})  # message unverified


def test_reserved_word_in_key_condition(ddb, make_table):
    table = make_table(hash_key=("hash", "S"))
    assert_error(ddb.query, VE, "Invalid KeyConditionExpression: Attribute name is a reserved "
                 "keyword; reserved keyword: hash", TableName=table,
                 KeyConditionExpression="hash = :h", ExpressionAttributeValues={":h": S("x")})


def test_reserved_word_in_filter(ddb, tables):
    query_error(ddb, tables["num"], "Invalid FilterExpression: Attribute name is a reserved "
                "keyword; reserved keyword: time", FilterExpression="time = :p")


def test_empty_key_condition_expression(ddb, tables):
    query_error(ddb, tables["num"], "Invalid KeyConditionExpression: The expression can not be "
                "empty;", kce="", values={})  # message unverified


# --------------------------------------------------------------------------
# Filters on key attributes


@pytest.mark.parametrize("attr", ["pk", "sk"])
def test_filter_on_key_attribute(ddb, tables, attr):
    query_error(ddb, tables["num"], "Filter Expression can only contain non-primary key "
                "attributes: Primary key attribute: " + attr,
                FilterExpression="attribute_exists(%s)" % attr)


def test_filter_on_key_attribute_in_nested_condition(ddb, tables):
    query_error(ddb, tables["num"], "Filter Expression can only contain non-primary key "
                "attributes: Primary key attribute: sk",
                FilterExpression="a > :z OR (a < :z AND sk = :z)",
                values={":p": S("p"), ":z": N(0)})


def test_query_filter_on_key_attribute(ddb, tables):
    msg = assert_error(ddb.query, VE, TableName=tables["num"], KeyConditions={
        "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [S("p")]}},
        QueryFilter={"sk": {"ComparisonOperator": "GT", "AttributeValueList": [N(1)]}})
    assert msg == ("QueryFilter can only contain non-primary key attributes: Primary key "
                   "attribute: sk")


# --------------------------------------------------------------------------
# Limit, Select


@pytest.mark.parametrize("limit", [0, -1])
def test_query_limit_below_one(ddb, tables, limit):
    query_error(ddb, tables["num"], "1 validation error detected: Value '%d' at 'limit' failed "
                "to satisfy constraint: Member must have value greater than or equal to 1"
                % limit, Limit=limit)


def test_scan_limit_zero(ddb, tables):
    assert_error(ddb.scan, VE, "1 validation error detected: Value '0' at 'limit' failed to "
                 "satisfy constraint: Member must have value greater than or equal to 1",
                 TableName=tables["num"], Limit=0)  # message unverified for Scan


def test_select_specific_attributes_without_projection(ddb, tables):
    msg = query_error(ddb, tables["num"], Select="SPECIFIC_ATTRIBUTES")
    # message unverified beyond this phrase
    assert "Must specify the AttributesToGet or ProjectionExpression when choosing to get " \
        "SPECIFIC_ATTRIBUTES" in msg


def test_scan_select_specific_attributes_without_projection(ddb, tables):
    msg = assert_error(ddb.scan, VE, TableName=tables["num"], Select="SPECIFIC_ATTRIBUTES")
    # message unverified beyond this phrase
    assert "Must specify the AttributesToGet or ProjectionExpression when choosing to get " \
        "SPECIFIC_ATTRIBUTES" in msg


def test_select_count_with_projection(ddb, tables):
    msg = query_error(ddb, tables["num"], Select="COUNT", ProjectionExpression="a")
    # message unverified beyond this phrase
    assert "Cannot specify the ProjectionExpression when choosing to get only the Count" in msg


def test_select_count_with_attributes_to_get(ddb, tables):
    msg = assert_error(ddb.query, VE, TableName=tables["num"], Select="COUNT",
                       AttributesToGet=["a"], KeyConditions={
                           "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [S("p")]}})
    # message unverified beyond this phrase
    assert "Cannot specify the AttributesToGet when choosing to get only the Count" in msg


def test_select_all_attributes_with_projection(ddb, tables):
    msg = query_error(ddb, tables["num"], Select="ALL_ATTRIBUTES", ProjectionExpression="a")
    # message unverified beyond this phrase
    assert "Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES" in msg


def test_all_projected_attributes_on_table_query(ddb, tables):
    msg = query_error(ddb, tables["num"], Select="ALL_PROJECTED_ATTRIBUTES")
    # message unverified beyond this phrase
    assert "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName" in msg


def test_all_projected_attributes_on_table_scan(ddb, tables):
    # Code only: the message is unverified.
    assert_error(ddb.scan, VE, TableName=tables["num"], Select="ALL_PROJECTED_ATTRIBUTES")


def test_select_unknown_value(ddb, tables):
    query_error(ddb, tables["num"], Select="SOME",
                prefix="1 validation error detected: Value 'SOME' at 'select' failed to "
                       "satisfy constraint: Member must satisfy enum value set: ")
    # message unverified after the prefix (the order of the enum list)


# --------------------------------------------------------------------------
# Segment and TotalSegments


def test_segment_without_total_segments(ddb, tables):
    assert_error(ddb.scan, VE, "The TotalSegments parameter is required but was not present in "
                 "the request when Segment parameter is present",  # message unverified
                 TableName=tables["num"], Segment=0)


def test_total_segments_without_segment(ddb, tables):
    assert_error(ddb.scan, VE, "The Segment parameter is required but was not present in the "
                 "request when parameter TotalSegments is present",  # message unverified
                 TableName=tables["num"], TotalSegments=2)


@pytest.mark.parametrize("segment,total", [(4, 4), (5, 4), (1, 1)])
def test_segment_not_below_total_segments(ddb, tables, segment, total):
    assert_error(ddb.scan, VE, "The Segment parameter is zero-based and must be less than "
                 "parameter TotalSegments: Segment: %d is not less than TotalSegments: %d"
                 % (segment, total),  # message unverified
                 TableName=tables["num"], Segment=segment, TotalSegments=total)


def test_total_segments_too_large(ddb, tables):
    assert_error(ddb.scan, VE, "1 validation error detected: Value '1000001' at "
                 "'totalSegments' failed to satisfy constraint: Member must have value less "
                 "than or equal to 1000000",  # message unverified
                 TableName=tables["num"], Segment=0, TotalSegments=1000001)


def test_total_segments_maximum_allowed(ddb, tables):
    resp = ddb.scan(TableName=tables["num"], Segment=999999, TotalSegments=1000000)
    assert resp["Count"] == len(resp["Items"])


def test_total_segments_zero(ddb, tables):
    assert_error(ddb.scan, VE, "1 validation error detected: Value '0' at 'totalSegments' "
                 "failed to satisfy constraint: Member must have value greater than or equal "
                 "to 1",  # message unverified
                 TableName=tables["num"], Segment=0, TotalSegments=0)


def test_negative_segment(ddb, tables):
    assert_error(ddb.scan, VE, "1 validation error detected: Value '-1' at 'segment' failed to "
                 "satisfy constraint: Member must have value greater than or equal to 0",
                 TableName=tables["num"], Segment=-1, TotalSegments=2)  # message unverified


# --------------------------------------------------------------------------
# ExclusiveStartKey


@pytest.mark.parametrize("start", [
    {"pk": S("p")},
    {"pk": S("p"), "other": N(1)},
    {"pk": S("p"), "sk": N(1), "a": N(1)},
    {"pk": S("p"), "sk": S("1")},
])
def test_query_start_key_not_matching_schema(ddb, tables, start):
    # message unverified after the prefix
    query_error(ddb, tables["num"], prefix="The provided starting key is invalid",
                ExclusiveStartKey=start)


def test_scan_start_key_not_matching_schema(ddb, tables):
    assert_error(ddb.scan, VE, "The provided starting key is invalid: The provided key element "
                 "does not match the schema", TableName=tables["hash"],
                 ExclusiveStartKey={"other": S("x")})


def test_scan_start_key_of_wrong_type(ddb, tables):
    # message unverified after the prefix
    assert_error(ddb.scan, VE, prefix="The provided starting key is invalid",
                 TableName=tables["num"], ExclusiveStartKey={"pk": S("p"), "sk": S("1")})


def test_start_key_outside_the_key_condition(ddb, tables):
    query_error(ddb, tables["num"], "The provided starting key does not match the range key "
                "predicate", kce="pk = :p AND sk >= :lo", values={":p": S("p"), ":lo": N(2)},
                ExclusiveStartKey={"pk": S("p"), "sk": N(1)})


def test_start_key_at_the_lower_bound_going_forwards(ddb, tables):
    resp = ddb.query(TableName=tables["num"], KeyConditionExpression="pk = :p AND sk >= :lo",
                     ExpressionAttributeValues={":p": S("p"), ":lo": N(2)},
                     ExclusiveStartKey={"pk": S("p"), "sk": N(2)})
    assert [i["sk"] for i in resp["Items"]] == [N(3), N(4)]


# --------------------------------------------------------------------------
# Expression and legacy parameters together


def test_key_condition_expression_with_key_conditions(ddb, tables):
    query_error(ddb, tables["num"], MIXED % ("KeyConditions", "KeyConditionExpression"),
                KeyConditions={"pk": {"ComparisonOperator": "EQ",
                                      "AttributeValueList": [S("p")]}})  # message unverified


def test_filter_expression_with_query_filter(ddb, tables):
    query_error(ddb, tables["num"], MIXED % ("QueryFilter", "FilterExpression, "
                                                            "KeyConditionExpression"),
                # message unverified (order of the parameter lists)
                values={":p": S("p"), ":z": N(0)}, FilterExpression="a > :z",
                QueryFilter={"a": {"ComparisonOperator": "GT", "AttributeValueList": [N(0)]}})


def test_projection_expression_with_attributes_to_get(ddb, tables):
    msg = query_error(ddb, tables["num"], ProjectionExpression="a", AttributesToGet=["a"],
                      prefix="Can not use both expression and non-expression parameters in the "
                             "same request: Non-expression parameters: {AttributesToGet}")
    # message unverified after the prefix
    assert "ProjectionExpression" in msg


def test_scan_filter_expression_with_scan_filter(ddb, tables):
    assert_error(ddb.scan, VE, MIXED % ("ScanFilter", "FilterExpression"),
                 TableName=tables["num"], FilterExpression="a > :z",
                 ExpressionAttributeValues={":z": N(0)},
                 ScanFilter={"a": {"ComparisonOperator": "GT", "AttributeValueList": [N(0)]}})
    # message unverified for Scan


# --------------------------------------------------------------------------
# Placeholders


def test_unused_value(ddb, tables):
    query_error(ddb, tables["num"], "Value provided in ExpressionAttributeValues unused in "
                "expressions: keys: {:x}", values={":p": S("p"), ":x": N(1)})


def test_unused_name(ddb, tables):
    query_error(ddb, tables["num"], "Value provided in ExpressionAttributeNames unused in "
                "expressions: keys: {#x}", ExpressionAttributeNames={"#x": "x"})


def test_scan_unused_value(ddb, tables):
    assert_error(ddb.scan, VE, "Value provided in ExpressionAttributeValues unused in "
                 "expressions: keys: {:x}", TableName=tables["num"], FilterExpression="a > :z",
                 ExpressionAttributeValues={":z": N(0), ":x": N(1)})


def test_undefined_value_in_key_condition(ddb, tables):
    query_error(ddb, tables["num"], "Invalid KeyConditionExpression: An expression attribute "
                "value used in expression is not defined; attribute value: :nope",
                kce="pk = :nope")


def test_undefined_name_in_key_condition(ddb, tables):
    query_error(ddb, tables["num"], "Invalid KeyConditionExpression: An expression attribute "
                "name used in the document path is not defined; attribute name: #k",
                kce="#k = :p")


def test_undefined_value_in_filter(ddb, tables):
    query_error(ddb, tables["num"], "Invalid FilterExpression: An expression attribute value "
                "used in expression is not defined; attribute value: :nope",
                FilterExpression="a = :nope")  # message unverified for FilterExpression


def test_undefined_name_in_projection(ddb, tables):
    query_error(ddb, tables["num"], "Invalid ProjectionExpression: An expression attribute "
                "name used in the document path is not defined; attribute name: #a",
                ProjectionExpression="#a")


def test_placeholders_shared_between_expressions(ddb, tables):
    # Names and values count as used when any expression of the request uses them.
    resp = ddb.query(TableName=tables["num"], KeyConditionExpression="#k = :p AND sk > :z",
                     FilterExpression="#a >= :z", ProjectionExpression="#a, #s",
                     ExpressionAttributeNames={"#k": "pk", "#a": "a", "#s": "sk"},
                     ExpressionAttributeValues={":p": S("p"), ":z": N(1)})
    assert resp["Items"] == [{"a": N(i), "sk": N(i)} for i in range(2, 5)]


def test_names_without_any_expression_in_scan(ddb, tables):
    assert_error(ddb.scan, VE, "ExpressionAttributeNames can only be specified when using "
                 "expressions",  # message unverified for Scan
                 TableName=tables["num"], ExpressionAttributeNames={"#a": "a"})


def test_values_without_any_expression_in_scan(ddb, tables):
    assert_error(ddb.scan, VE, "ExpressionAttributeValues can only be specified when using "
                 "expressions: FilterExpression is null",  # message unverified
                 TableName=tables["num"], ExpressionAttributeValues={":a": N(1)})


# --------------------------------------------------------------------------
# Indexes


def test_consistent_read_on_gsi(ddb, tables):
    query_error(ddb, tables["idx"], "Consistent reads are not supported on global secondary "
                "indexes", IndexName="byG", kce="gpk = :p", ConsistentRead=True)


def test_all_attributes_on_keys_only_gsi(ddb, tables):
    query_error(ddb, tables["idx"], INVALID + "Select type ALL_ATTRIBUTES is not supported for "
                "global secondary index byG because its projection type is not ALL",
                IndexName="byG", kce="gpk = :p", Select="ALL_ATTRIBUTES")


def test_filter_on_lsi_sort_key(ddb, tables):
    query_error(ddb, tables["idx"], "Filter Expression can only contain non-primary key "
                "attributes: Primary key attribute: lsk", IndexName="byL",
                FilterExpression="attribute_exists(lsk)")


def test_lsi_condition_on_table_sort_key(ddb, tables):
    # The table's sort key is not a key of the index.
    query_error(ddb, tables["idx"], "Query condition missed key schema element: lsk",
                # message unverified for an index (verified for a table)
                IndexName="byL", kce="pk = :p AND sk = :s", values={":p": S("p"), ":s": N(1)})


# --------------------------------------------------------------------------
# KeyConditions (the legacy key condition)


def kc(op, *values):
    return {"ComparisonOperator": op, "AttributeValueList": list(values)}


def key_conditions_error(ddb, table, message, **conditions):
    return assert_error(ddb.query, VE, message, TableName=table, KeyConditions=conditions)


UNINDEXABLE = [kc("NE", S("p")), kc("IN", S("p")), kc("CONTAINS", S("p")),
               kc("NOT_CONTAINS", S("p")), kc("NULL"), kc("NOT_NULL")]
NOT_INDEXABLE = "Attempted conditional constraint is not an indexable operation"
NOT_SUPPORTED = "Query key condition not supported"
TYPE_MISMATCH = INVALID + "Condition parameter type does not match schema type"


@pytest.mark.parametrize("condition", UNINDEXABLE)
def test_key_conditions_unindexable_on_partition_key(ddb, tables, condition):
    key_conditions_error(ddb, tables["hash"], NOT_INDEXABLE, pk=condition)
    key_conditions_error(ddb, tables["num"], NOT_INDEXABLE, pk=condition)


@pytest.mark.parametrize("condition", UNINDEXABLE)
def test_key_conditions_unindexable_on_sort_key(ddb, tables, condition):
    if condition["AttributeValueList"]:
        condition = kc(condition["ComparisonOperator"], N(1))
    key_conditions_error(ddb, tables["num"], NOT_INDEXABLE, pk=kc("EQ", S("p")), sk=condition)


def test_key_conditions_unindexable_on_index_sort_key(ddb, tables):
    assert_error(ddb.query, VE, NOT_INDEXABLE, TableName=tables["idx"], IndexName="byL",
                 KeyConditions={"pk": kc("EQ", S("p")), "lsk": kc("NOT_NULL")})


@pytest.mark.parametrize("op,values", [
    ("LT", [S("p")]), ("LE", [S("p")]), ("GT", [S("p")]), ("GE", [S("p")]),
    ("BEGINS_WITH", [S("p")]), ("BETWEEN", [S("a"), S("p")]),
])
def test_key_conditions_range_operator_on_partition_key(ddb, tables, op, values):
    key_conditions_error(ddb, tables["hash"], NOT_SUPPORTED, pk=kc(op, *values))
    key_conditions_error(ddb, tables["num"], NOT_SUPPORTED, pk=kc(op, *values),
                         sk=kc("EQ", N(1)))


def test_key_conditions_type_checked_before_operator(ddb, tables):
    # a number for the string partition key: the type is reported first
    key_conditions_error(ddb, tables["hash"], TYPE_MISMATCH, pk=kc("GT", N(1)))
    key_conditions_error(ddb, tables["num"], TYPE_MISMATCH, pk=kc("EQ", S("p")),
                         sk=kc("GT", S("1")))


def test_key_conditions_partition_key_checked_before_sort_key(ddb, tables):
    key_conditions_error(ddb, tables["num"], NOT_SUPPORTED, pk=kc("GT", S("p")), sk=kc("NULL"))
    key_conditions_error(ddb, tables["num"], NOT_INDEXABLE, pk=kc("NULL"), sk=kc("GT", S("x")))


def test_key_conditions_two_conditions_on_hash_only_table(ddb, tables):
    key_conditions_error(ddb, tables["hash"], NOT_SUPPORTED, pk=kc("EQ", S("p")),
                         a=kc("EQ", N(1)))
    key_conditions_error(ddb, tables["hash"], NOT_SUPPORTED, a=kc("EQ", N(1)), b=kc("NULL"))


def test_key_conditions_missing_key_elements(ddb, tables):
    key_conditions_error(ddb, tables["num"], "Query condition missed key schema element: pk",
                         sk=kc("EQ", N(1)))
    key_conditions_error(ddb, tables["hash"], "Query condition missed key schema element: pk",
                         a=kc("EQ", N(1)))
    key_conditions_error(ddb, tables["num"], "Query condition missed key schema element: sk",
                         pk=kc("EQ", S("p")), a=kc("NULL"))
    key_conditions_error(ddb, tables["num"], "Query condition missed key schema element: pk",
                         a=kc("NULL"), sk=kc("EQ", N(1)))


@pytest.mark.parametrize("table", ["missing", "num"])
def test_key_conditions_count(ddb, tables, table):
    # checked with the request, before the table is looked up
    name = unique_name("missing") if table == "missing" else tables[table]
    message = "Conditions can be of length 1 or 2 only"
    key_conditions_error(ddb, name, message)
    key_conditions_error(ddb, name, message, pk=kc("EQ", S("p")), sk=kc("EQ", N(1)),
                         a=kc("NULL"))
    # the entries are checked first
    key_conditions_error(ddb, name, INVALID + "Invalid number of argument(s) for the EQ "
                         "ComparisonOperator", pk=kc("EQ"), sk=kc("NULL"), a=kc("NULL"))


def test_key_conditions_begins_with_on_number_sort_key(ddb, tables):
    # a number value: refused with the request (whatever the key's type)
    for name in (unique_name("missing"), tables["num"], tables["str"]):
        key_conditions_error(ddb, name, INVALID + "ComparisonOperator BEGINS_WITH is not valid "
                             "for N AttributeValue type", pk=kc("EQ", S("p")),
                             sk=kc("BEGINS_WITH", N(1)))
    # a string value for a number sort key: the type does not match the key
    key_conditions_error(ddb, tables["num"], TYPE_MISMATCH, pk=kc("EQ", S("p")),
                         sk=kc("BEGINS_WITH", S("1")))


def test_key_conditions_between_types(ddb, tables):
    key_conditions_error(ddb, tables["num"], INVALID + "AttributeValues inside "
                         "AttributeValueList must be of same type", pk=kc("EQ", S("p")),
                         sk=kc("BETWEEN", N(1), S("2")))
    key_conditions_error(ddb, tables["num"], TYPE_MISMATCH, pk=kc("EQ", S("p")),
                         sk=kc("BETWEEN", S("1"), S("2")))


def test_key_conditions_select(ddb, tables):
    resp = ddb.query(TableName=tables["num"], KeyConditions={
        "pk": kc("EQ", S("p")), "sk": kc("BETWEEN", N(1), N(3))})
    assert [i["sk"] for i in resp["Items"]] == [N(1), N(2), N(3)]
    resp = ddb.query(TableName=tables["str"], KeyConditions={
        "pk": kc("EQ", S("p")), "sk": kc("BEGINS_WITH", S("s"))}, ScanIndexForward=False)
    assert [i["sk"] for i in resp["Items"]] == [S("s%d" % i) for i in range(4, -1, -1)]


# --------------------------------------------------------------------------
# KeyConditions with expressions


def test_key_conditions_with_filter_expression(ddb, tables):
    resp = ddb.query(TableName=tables["num"], KeyConditions={"pk": kc("EQ", S("p"))},
                     FilterExpression="a >= :lo", ExpressionAttributeValues={":lo": N(3)})
    assert [i["a"] for i in resp["Items"]] == [N(3), N(4)]
    assert (resp["Count"], resp["ScannedCount"]) == (2, 5)


def test_key_conditions_with_projection_expression(ddb, tables):
    resp = ddb.query(TableName=tables["num"], ProjectionExpression="#a",
                     ExpressionAttributeNames={"#a": "a"},
                     KeyConditions={"pk": kc("EQ", S("p")), "sk": kc("LT", N(2))})
    assert resp["Items"] == [{"a": N(0)}, {"a": N(1)}]


def test_key_conditions_with_filter_and_projection(ddb, tables):
    resp = ddb.query(TableName=tables["num"], KeyConditions={"pk": kc("EQ", S("p"))},
                     FilterExpression="a <> :one", ProjectionExpression="sk",
                     ExpressionAttributeValues={":one": N(1)}, Limit=3)
    assert resp["Items"] == [{"sk": N(0)}, {"sk": N(2)}]
    assert resp["LastEvaluatedKey"] == {"pk": S("p"), "sk": N(2)}


def test_key_conditions_with_attributes_to_get(ddb, tables):
    resp = ddb.query(TableName=tables["num"], KeyConditions={"pk": kc("EQ", S("p"))},
                     AttributesToGet=["sk"], Limit=2)
    assert resp["Items"] == [{"sk": N(0)}, {"sk": N(1)}]


def test_key_conditions_filter_expression_errors(ddb, tables):
    # the filter expression is checked as with a key condition expression
    assert_error(ddb.query, VE, "Filter Expression can only contain non-primary key "
                 "attributes: Primary key attribute: sk", TableName=tables["num"],
                 KeyConditions={"pk": kc("EQ", S("p"))}, FilterExpression="sk > :z",
                 ExpressionAttributeValues={":z": N(0)})
    assert_error(ddb.query, VE, "Value provided in ExpressionAttributeValues unused in "
                 "expressions: keys: {:unused}", TableName=tables["num"],
                 KeyConditions={"pk": kc("EQ", S("p"))}, FilterExpression="a > :z",
                 ExpressionAttributeValues={":z": N(0), ":unused": N(1)})


def test_key_conditions_with_values_only(ddb, tables):
    assert_error(ddb.query, VE, "ExpressionAttributeValues can only be specified when using "
                 "expressions: FilterExpression and KeyConditionExpression are null",
                 TableName=tables["num"], KeyConditions={"pk": kc("EQ", S("p"))},
                 ExpressionAttributeValues={":z": N(0)})
    assert_error(ddb.query, VE, "ExpressionAttributeNames can only be specified when using "
                 "expressions", TableName=tables["num"], KeyConditions={"pk": kc("EQ", S("p"))},
                 ExpressionAttributeNames={"#a": "a"})
