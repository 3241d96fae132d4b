"""PartiQL through ExecuteStatement: every statement form, planning onto
GetItem / Query / Scan (results agree with those operations on the same
data), writes, parameters, paging, and the service's error texts
(spec/partiql.md)."""
import pytest

from conftest import assert_error, raw_call


def es(ddb, statement, params=None, **kw):
    if params is not None:
        kw["Parameters"] = params
    return ddb.execute_statement(Statement=statement, **kw)


def verr(ddb, statement, message, code="ValidationException", params=None, **kw):
    if params is not None:
        kw["Parameters"] = params
    return assert_error(ddb.execute_statement, code, message, Statement=statement, **kw)


SYNTAX = "Statement wasn't well formed, can't be processed: "


def by_key(items, *keys):
    return sorted(items, key=lambda i: tuple(str(i[k]) for k in keys))


@pytest.fixture
def data(ddb, make_table):
    """A hash+range table with 3 partitions x 4 items."""
    t = make_table(range_key=("sk", "N"))
    for p in ("a", "b", "c"):
        for s in range(4):
            item = {"pk": {"S": p}, "sk": {"N": str(s)}, "v": {"N": str(s * 10)},
                    "tag": {"S": "even" if s % 2 == 0 else "odd"},
                    "m": {"M": {"k": {"L": [{"N": "1"}, {"S": "x%d" % s}]}}}}
            if s == 3:
                item["opt"] = {"BOOL": True}
            ddb.put_item(TableName=t, Item=item)
    return t


# --- SELECT ------------------------------------------------------------------------------

def test_select_full_key_agrees_with_get_item(ddb, data):
    got = es(ddb, 'SELECT * FROM "%s" WHERE pk = \'b\' AND sk = 2' % data)
    want = ddb.get_item(TableName=data, Key={"pk": {"S": "b"}, "sk": {"N": "2"}})["Item"]
    assert got["Items"] == [want]
    assert "NextToken" not in got
    # key written value-first, keywords in any case
    got = es(ddb, 'select * from "%s" where 2 = sk and \'b\' = pk' % data)
    assert got["Items"] == [want]


def test_select_missing_item_is_empty(ddb, data):
    assert es(ddb, 'SELECT * FROM "%s" WHERE pk = \'z\' AND sk = 1' % data)["Items"] == []


def test_select_partition_agrees_with_query(ddb, data):
    got = es(ddb, 'SELECT * FROM "%s" WHERE pk = \'a\'' % data)["Items"]
    want = ddb.query(TableName=data, KeyConditionExpression="pk = :p",
                     ExpressionAttributeValues={":p": {"S": "a"}})["Items"]
    assert got == want and len(got) == 4
    assert [i["sk"]["N"] for i in got] == ["0", "1", "2", "3"]


@pytest.mark.parametrize("cond,expected", [
    ("sk > 1", ["2", "3"]),
    ("sk >= 1", ["1", "2", "3"]),
    ("sk < 2", ["0", "1"]),
    ("sk <= 2", ["0", "1", "2"]),
    ("1 < sk", ["2", "3"]),
    ("sk BETWEEN 1 AND 2", ["1", "2"]),
    ("sk = 3", ["3"]),
])
def test_select_query_sort_key_conditions(ddb, data, cond, expected):
    got = es(ddb, 'SELECT * FROM "%s" WHERE pk = \'c\' AND %s' % (data, cond))["Items"]
    assert [i["sk"]["N"] for i in got] == expected


def test_select_query_with_filter_and_order_by(ddb, data):
    got = es(ddb, 'SELECT sk FROM "%s" WHERE pk = \'a\' AND tag = \'even\' ORDER BY sk DESC'
             % data)["Items"]
    assert got == [{"sk": {"N": "2"}}, {"sk": {"N": "0"}}]
    got = es(ddb, 'SELECT sk FROM "%s" WHERE pk = \'a\' ORDER BY sk ASC' % data)["Items"]
    assert [i["sk"]["N"] for i in got] == ["0", "1", "2", "3"]


@pytest.mark.parametrize("where,filt,values", [
    ("v >= 20", "v >= :a", {":a": {"N": "20"}}),
    ("tag = 'odd' OR v = 0", "tag = :a OR v = :b", {":a": {"S": "odd"}, ":b": {"N": "0"}}),
    ("NOT tag = 'odd'", "NOT tag = :a", {":a": {"S": "odd"}}),
    ("tag IN ['odd', 'nope']", "tag IN (:a, :b)", {":a": {"S": "odd"}, ":b": {"S": "nope"}}),
    ("v BETWEEN 5 AND 25", "v BETWEEN :a AND :b", {":a": {"N": "5"}, ":b": {"N": "25"}}),
    ("begins_with(tag, 'ev')", "begins_with(tag, :a)", {":a": {"S": "ev"}}),
    ("contains(tag, 'dd')", "contains(tag, :a)", {":a": {"S": "dd"}}),
    ("size(tag) > 3", "size(tag) > :a", {":a": {"N": "3"}}),
    ("attribute_type(opt, 'BOOL')", "attribute_type(opt, :a)", {":a": {"S": "BOOL"}}),
    ("m.k[1] = 'x2'", "m.k[1] = :a", {":a": {"S": "x2"}}),
    ("pk <> 'a' AND sk = 1", "pk <> :a AND sk = :b", {":a": {"S": "a"}, ":b": {"N": "1"}}),
])
def test_select_scan_agrees_with_scan(ddb, data, where, filt, values):
    got = es(ddb, 'SELECT * FROM "%s" WHERE %s' % (data, where))["Items"]
    want = ddb.scan(TableName=data, FilterExpression=filt,
                    ExpressionAttributeValues=values)["Items"]
    assert by_key(got, "pk", "sk") == by_key(want, "pk", "sk")
    assert got  # every case matches something


@pytest.mark.parametrize("where,count", [
    ("opt IS MISSING", 9), ("opt IS NOT MISSING", 3), ("attribute_exists(opt)", 3),
    ("attribute_not_exists(opt)", 9), ("opt IS BOOLEAN", 3), ("v IS NOT NULL", 12),
    ("ATTRIBUTE_EXISTS(opt) = true", 3), ("attribute_exists(opt) = false", 9),
])
def test_select_is_and_functions(ddb, data, where, count):
    got = es(ddb, 'SELECT pk FROM "%s" WHERE %s' % (data, where))["Items"]
    assert len(got) == count


def test_select_whole_table_and_projection(ddb, data):
    got = es(ddb, 'SELECT pk, v FROM "%s"' % data)["Items"]
    assert len(got) == 12 and all(set(i) == {"pk", "v"} for i in got)
    got = es(ddb, 'SELECT "opt" FROM "%s" WHERE pk = \'a\'' % data)["Items"]
    assert got == [{}, {}, {}, {"opt": {"BOOL": True}}]


def test_select_parameters(ddb, data):
    got = es(ddb, 'SELECT * FROM "%s" WHERE pk = ? AND sk = ?' % data,
             [{"S": "c"}, {"N": "1"}])["Items"]
    assert [(i["pk"]["S"], i["sk"]["N"]) for i in got] == [("c", "1")]
    got = es(ddb, 'SELECT * FROM "%s" WHERE pk = ? AND v > ?' % data,
             [{"S": "c"}, {"N": "15"}, {"S": "ignored"}])["Items"]
    assert [i["sk"]["N"] for i in got] == ["2", "3"]


def test_select_comments_and_quoted_names(ddb, data):
    got = es(ddb, '-- leading\nSELECT /* cols */ "sk" FROM "%s" WHERE "pk" = \'a\' AND sk = 0;'
             % data)["Items"]
    assert got == [{"sk": {"N": "0"}}]


def test_select_paging_with_limit(ddb, data):
    seen, token, pages = [], None, 0
    while pages < 20:
        kw = {"Limit": 5}
        if token:
            kw["NextToken"] = token
        r = es(ddb, 'SELECT * FROM "%s"' % data, **kw)
        pages += 1
        seen += r["Items"]
        token = r.get("NextToken")
        if not token:
            break
    assert len(seen) == 12 and pages == 3
    assert len({(i["pk"]["S"], i["sk"]["N"]) for i in seen}) == 12
    # Limit counts items evaluated, not matched
    r = es(ddb, 'SELECT * FROM "%s" WHERE pk = \'a\' AND tag = \'odd\'' % data, Limit=2)
    assert [i["sk"]["N"] for i in r["Items"]] == ["1"] and "NextToken" in r
    r = es(ddb, 'SELECT * FROM "%s" WHERE pk = \'a\' AND tag = \'odd\'' % data, Limit=2,
           NextToken=r["NextToken"])
    assert [i["sk"]["N"] for i in r["Items"]] == ["3"]


# --- several partition values: one Query each ----------------------------------------------

def pages_of(ddb, statement, limit, params=None, max_pages=30):
    """Every page of a SELECT with Limit; (items, page count)."""
    seen, token, pages = [], None, 0
    while pages < max_pages:
        kw = {"Limit": limit}
        if token:
            kw["NextToken"] = token
        r = es(ddb, statement, params, **kw)
        pages += 1
        seen += r["Items"]
        token = r.get("NextToken")
        if not token:
            return seen, pages
    raise AssertionError("more than %d pages" % max_pages)


def query_items(ddb, table, p, forward=True):
    return ddb.query(TableName=table, KeyConditionExpression="pk = :p",
                     ExpressionAttributeValues={":p": {"S": p}}, ScanIndexForward=forward)["Items"]


def keys_of(items):
    return [(i["pk"]["S"], i["sk"]["N"]) for i in items]


def test_select_partition_list_agrees_with_queries(ddb, data):
    want = query_items(ddb, data, "c") + query_items(ddb, data, "a")
    # IN and OR of equalities: the partitions in the order written, each in key order
    assert es(ddb, 'SELECT * FROM "%s" WHERE pk IN [\'c\', \'a\']' % data)["Items"] == want
    assert es(ddb, 'SELECT * FROM "%s" WHERE pk = \'c\' OR pk = \'a\'' % data)["Items"] == want
    assert es(ddb, 'SELECT * FROM "%s" WHERE pk IN [?, \'a\', ?]' % data,
              [{"S": "c"}, {"S": "c"}])["Items"] == want  # each value once
    # with a sort-key condition and a filter
    got = es(ddb, 'SELECT pk, sk FROM "%s" WHERE (pk = \'b\' OR pk = \'a\') AND sk >= 1 '
                  'AND tag = \'odd\'' % data)["Items"]
    assert keys_of(got) == [("b", "1"), ("b", "3"), ("a", "1"), ("a", "3")]
    # a partition without items adds nothing
    got = es(ddb, 'SELECT * FROM "%s" WHERE pk IN [\'zz\', \'b\'] AND sk = 2' % data)["Items"]
    assert keys_of(got) == [("b", "2")]
    # each Query is charged on its own: half a unit per small partition read eventually
    r = es(ddb, 'SELECT * FROM "%s" WHERE pk IN [\'c\', \'a\']' % data,
           ReturnConsumedCapacity="TOTAL")
    assert r["ConsumedCapacity"] == {"TableName": data, "CapacityUnits": 1.0,
                                     "ReadCapacityUnits": 1.0}
    r = es(ddb, 'SELECT * FROM "%s" WHERE pk IN [\'c\', \'a\', \'b\']' % data,
           ReturnConsumedCapacity="TOTAL", ConsistentRead=True)
    assert r["ConsumedCapacity"] == {"TableName": data, "CapacityUnits": 3.0,
                                     "ReadCapacityUnits": 3.0}
    # an OR with another attribute is a Scan with a filter: same items, table order
    got = es(ddb, 'SELECT * FROM "%s" WHERE pk = \'c\' OR v = 0' % data)["Items"]
    assert sorted(keys_of(got)) == [("a", "0"), ("b", "0"), ("c", "0"), ("c", "1"), ("c", "2"),
                                    ("c", "3")]


def test_select_partition_list_order_by(ddb, data):
    got = es(ddb, 'SELECT * FROM "%s" WHERE pk IN [\'a\', \'c\', \'b\'] ORDER BY pk DESC'
             % data)["Items"]
    assert got == (query_items(ddb, data, "c", False) + query_items(ddb, data, "b", False) +
                   query_items(ddb, data, "a", False))
    got = es(ddb, 'SELECT * FROM "%s" WHERE pk IN [\'c\', \'a\'] ORDER BY pk' % data)["Items"]
    assert got == query_items(ddb, data, "a") + query_items(ddb, data, "c")
    verr(ddb, 'SELECT * FROM "%s" WHERE pk IN [\'c\', \'a\'] ORDER BY sk' % data,
         "Must have hash key in ORDER BY clause when more than one hash key condition specified "
         "in WHERE clause.")


def test_select_partition_list_paging(ddb, data):
    stmt = 'SELECT * FROM "%s" WHERE pk IN [\'c\', \'a\', \'b\']' % data
    want = es(ddb, stmt)["Items"]
    assert len(want) == 12
    for limit in (1, 3, 4, 5, 12):
        got, pages = pages_of(ddb, stmt, limit)
        assert got == want, limit
        # a page ends when Limit items were evaluated, across partitions
        assert pages in (-(-12 // limit), -(-12 // limit) + 1), (limit, pages)
    # Limit counts items evaluated, not matched
    r = es(ddb, 'SELECT sk FROM "%s" WHERE pk IN [\'a\', \'b\'] AND tag = \'odd\'' % data, Limit=5)
    assert r["Items"] == [{"sk": {"N": "1"}}, {"sk": {"N": "3"}}] and "NextToken" in r
    r = es(ddb, 'SELECT sk FROM "%s" WHERE pk IN [\'a\', \'b\'] AND tag = \'odd\'' % data, Limit=5,
           NextToken=r["NextToken"])
    # (the first page stopped after b's first item: the rest of b)
    assert r["Items"] == [{"sk": {"N": "1"}}, {"sk": {"N": "3"}}] and "NextToken" not in r
    # tokens belong to their statement
    r = es(ddb, stmt, Limit=2)
    verr(ddb, 'SELECT * FROM "%s" WHERE pk IN [\'c\', \'b\']' % data,
         "The provided starting key is invalid", NextToken=r["NextToken"])


def test_select_partition_list_limits(ddb, data):
    values = ", ".join("'p%d'" % i for i in range(50))
    assert es(ddb, 'SELECT * FROM "%s" WHERE pk IN [%s, \'a\']' % (data, values[:-7]))["Items"] \
        == query_items(ddb, data, "a")
    # message unverified: DynamoDB Local's text; the service allows 50 values on a partition key
    verr(ddb, 'SELECT * FROM "%s" WHERE pk IN [%s, \'a\']' % (data, values),
         "Too many decomposed read operations for a given query.")
    verr(ddb, 'SELECT * FROM "%s" WHERE pk IN [\'a\', 1]' % data,
         "Key attribute's data type should match its data type in table's schema: Key pk")


def test_next_token_errors(ddb, data):
    r = es(ddb, 'SELECT * FROM "%s"' % data, Limit=1)
    verr(ddb, 'SELECT * FROM "%s" WHERE v > 0' % data, "The provided starting key is invalid",
         NextToken=r["NextToken"])
    verr(ddb, 'SELECT * FROM "%s"' % data, "Invalid NextToken", NextToken="garbage!")


def test_select_consumed_capacity(ddb, data):
    r = es(ddb, 'SELECT * FROM "%s" WHERE pk = \'a\' AND sk = 1' % data,
           ReturnConsumedCapacity="TOTAL", ConsistentRead=True)
    want = ddb.get_item(TableName=data, Key={"pk": {"S": "a"}, "sk": {"N": "1"}},
                        ReturnConsumedCapacity="TOTAL", ConsistentRead=True)
    assert r["ConsumedCapacity"] == want["ConsumedCapacity"]
    assert r["ConsumedCapacity"]["CapacityUnits"] == 1.0
    r = es(ddb, 'SELECT * FROM "%s" WHERE pk = \'a\'' % data, ReturnConsumedCapacity="TOTAL")
    assert r["ConsumedCapacity"]["TableName"] == data
    assert "ConsumedCapacity" not in es(ddb, 'SELECT * FROM "%s"' % data)


def test_select_on_index(ddb, make_table):
    t = make_table(extra_attributes=[("g", "S")], GlobalSecondaryIndexes=[{
        "IndexName": "byg", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "ALL"}}])
    for i in range(4):
        ddb.put_item(TableName=t, Item={"pk": {"S": "p%d" % i}, "g": {"S": "x" if i < 3 else "y"}})
    got = es(ddb, 'SELECT pk FROM "%s"."byg" WHERE g = \'x\'' % t)["Items"]
    assert sorted(i["pk"]["S"] for i in got) == ["p0", "p1", "p2"]
    assert len(es(ddb, 'SELECT * FROM "%s"."byg"' % t)["Items"]) == 4
    verr(ddb, 'SELECT * FROM "%s"."nope"' % t, "The table does not have the specified index")
    verr(ddb, 'SELECT * FROM "%s"."byg" WHERE g = \'x\'' % t,
         "Strongly consistent read is not supported on Global Secondary Indexes",
         ConsistentRead=True)


# --- INSERT / UPDATE / DELETE ------------------------------------------------------------

def test_insert_and_duplicate(ddb, table_ss):
    r = es(ddb, "INSERT INTO \"%s\" VALUE {'pk': 'a', 'sk': 'b', 'n': 1.50, 'l': [1, 'x', [true]],"
                " 'm': {'k': null}, 's': <<'x', 'y'>>, 'ns': <<1, 2>>, 'p': ?}" % table_ss,
           [{"B": b"\x01"}])
    assert r["Items"] == []
    item = ddb.get_item(TableName=table_ss, Key={"pk": {"S": "a"}, "sk": {"S": "b"}})["Item"]
    assert item["n"] == {"N": "1.5"}
    assert item["l"] == {"L": [{"N": "1"}, {"S": "x"}, {"L": [{"BOOL": True}]}]}
    assert item["m"] == {"M": {"k": {"NULL": True}}}
    assert sorted(item["s"]["SS"]) == ["x", "y"] and sorted(item["ns"]["NS"]) == ["1", "2"]
    assert item["p"] == {"B": b"\x01"}
    verr(ddb, "INSERT INTO \"%s\" VALUE {'pk': 'a', 'sk': 'b'}" % table_ss,
         "Duplicate primary key exists in table", code="DuplicateItemException")
    verr(ddb, "INSERT INTO \"%s\" VALUE {'pk': 'a'}" % table_ss,
         "Key attribute should be present in the item: Key sk")
    verr(ddb, "INSERT INTO \"%s\" VALUE {'pk': 'a', 'sk': 1}" % table_ss,
         "Key attribute's data type should match its data type in table's schema: Key sk")


def test_update_set_remove_returning(ddb, table_ss):
    key = {"pk": {"S": "a"}, "sk": {"S": "b"}}
    ddb.put_item(TableName=table_ss, Item=dict(key, n={"N": "5"}, x={"S": "gone"},
                                               l={"L": [{"N": "1"}]}))
    r = es(ddb, "UPDATE \"%s\" SET n = n + 2 SET y = 'new' REMOVE x "
                "WHERE pk = 'a' AND sk = 'b' RETURNING ALL NEW *" % table_ss)
    assert r["Items"] == [dict(key, n={"N": "7"}, y={"S": "new"}, l={"L": [{"N": "1"}]})]
    r = es(ddb, "UPDATE \"%s\" SET l = list_append(l, [2]) WHERE pk = 'a' AND sk = 'b' "
                "RETURNING MODIFIED NEW *" % table_ss)
    assert r["Items"] == [{"l": {"L": [{"N": "1"}, {"N": "2"}]}}]
    r = es(ddb, "UPDATE \"%s\" SET n = 1 WHERE pk = 'a' AND sk = 'b' RETURNING MODIFIED OLD *"
           % table_ss)
    assert r["Items"] == [{"n": {"N": "7"}}]
    r = es(ddb, "UPDATE \"%s\" SET n = 2 WHERE pk = 'a' AND sk = 'b' AND n = 1 "
                "RETURNING ALL OLD *" % table_ss)
    assert r["Items"][0]["n"] == {"N": "1"}
    assert es(ddb, "UPDATE \"%s\" SET n = 3 WHERE pk = 'a' AND sk = 'b'" % table_ss)["Items"] == []
    got = ddb.get_item(TableName=table_ss, Key=key)["Item"]
    assert got["n"] == {"N": "3"}
    # condition false; item missing: nothing created
    verr(ddb, "UPDATE \"%s\" SET n = 9 WHERE pk = 'a' AND sk = 'b' AND n = 100" % table_ss,
         "The conditional request failed", code="ConditionalCheckFailedException")
    verr(ddb, "UPDATE \"%s\" SET n = 9 WHERE pk = 'zz' AND sk = 'b'" % table_ss,
         "The conditional request failed", code="ConditionalCheckFailedException")
    assert "Item" not in ddb.get_item(TableName=table_ss, Key={"pk": {"S": "zz"}, "sk": {"S": "b"}})
    assert ddb.get_item(TableName=table_ss, Key=key)["Item"]["n"] == {"N": "3"}


def test_update_condition_failure_returns_item(ddb, port, table_s):
    # Debian's boto3 model lacks ReturnValuesOnConditionCheckFailure here: raw HTTP
    ddb.put_item(TableName=table_s, Item={"pk": {"S": "a"}, "n": {"N": "1"}})
    for rv, item in (("ALL_OLD", {"pk": {"S": "a"}, "n": {"N": "1"}}), ("NONE", None)):
        r = raw_call(port, "ExecuteStatement", {
            "Statement": "UPDATE \"%s\" SET n = 2 WHERE pk = 'a' AND n = 5" % table_s,
            "ReturnValuesOnConditionCheckFailure": rv})
        assert r.status == 400 and r.error_type == "ConditionalCheckFailedException"
        assert r.json().get("Item") == item
    r = raw_call(port, "ExecuteStatement", {"Statement": "SELECT * FROM \"%s\"" % table_s,
                                            "ReturnValuesOnConditionCheckFailure": "SOME"})
    assert r.error_message == ("1 validation error detected: Value 'SOME' at "
                               "'returnValuesOnConditionCheckFailure' failed to satisfy "
                               "constraint: Member must satisfy enum value set: [ALL_OLD, NONE]")


def test_delete(ddb, table_ss):
    key = {"pk": {"S": "a"}, "sk": {"S": "b"}}
    ddb.put_item(TableName=table_ss, Item=dict(key, n={"N": "1"}))
    verr(ddb, "DELETE FROM \"%s\" WHERE pk = 'a' AND sk = 'b' AND n = 2" % table_ss,
         "The conditional request failed", code="ConditionalCheckFailedException")
    r = es(ddb, "DELETE FROM \"%s\" WHERE pk = 'a' AND sk = 'b' AND n = 1 RETURNING ALL OLD *"
           % table_ss)
    assert r["Items"] == [dict(key, n={"N": "1"})]
    assert "Item" not in ddb.get_item(TableName=table_ss, Key=key)
    assert es(ddb, "DELETE FROM \"%s\" WHERE pk = 'a' AND sk = 'b'" % table_ss)["Items"] == []


def test_write_key_errors(ddb, table_ss):
    t = table_ss
    verr(ddb, "DELETE FROM \"%s\" WHERE pk = 'a'" % t,
         "Where clause does not contain a mandatory equality on all key attributes")
    verr(ddb, "UPDATE \"%s\" SET x = 1 WHERE pk = 'a' OR sk = 'b'" % t,
         "Where clause does not contain a mandatory equality on all key attributes")
    verr(ddb, "DELETE FROM \"%s\" WHERE pk = 'a' AND sk = 'b' AND sk = 'c'" % t,
         "Multiple conditions on same key sk. Only single item Update/Insert/Delete are supported")
    verr(ddb, "DELETE FROM \"%s\" WHERE pk = 1 AND sk = 'b'" % t,
         "Key attribute's data type should match its data type in table's schema: Key pk")
    verr(ddb, "DELETE FROM \"%s\" WHERE pk = ? AND sk = 'b'" % t,
         "Key attribute's data type should match its data type in table's schema: Key pk",
         params=[{"N": "1"}])
    verr(ddb, "SELECT * FROM nosuchtable", "Requested resource not found",
         code="ResourceNotFoundException")


# --- errors ---------------------------------------------------------------------------------

@pytest.mark.parametrize("statement,message", [
    ("SELECT * FROM t WHERE", SYNTAX + "Unexpected term"),
    ("SELECT * FROM", SYNTAX + "Unexpected term"),
    ("SELECT * FROM t WHERE a = 1 AND", SYNTAX + "Missing right-hand side expression of infix operator"),
    ("SELECT * FROM t WHERE ORDER BY a", SYNTAX + "Unexpected keyword"),
    ("DELETE FROM", SYNTAX + "Expected identifier for simple path"),
    ("SELECT * FROM t WHERE a = 1)", SYNTAX + "Unexpected token after expression"),
    ("SELECT * FROM t # x", SYNTAX),
    ("SELECT * FROM t /* open", SYNTAX),
    ("SELECT * FROM t WHERE a.inner = 1", SYNTAX + "Invalid path dot component"),
    ("SELECT * FROM t WHERE a IS 5", SYNTAX + "Expected type name"),
    ("SELECT * FROM t x", "Aliasing is not supported"),
    ("SELECT * FROM t AS x", "Aliasing is not supported"),
    ("SELECT * FROM t LIMIT 1", "Unsupported clause: LIMIT"),
    ("SELECT * FROM a, b", "Only select from a single table or index is supported."),
    ("SELECT *, a FROM t", "Other attributes should not be present in the projection when '*' is used."),
    ("SELECT a.z, z FROM t", "Duplicate identifiers in select clause: z"),
    ("SELECT * FROM t WHERE exists(a)", "Unrecognized function: exists at 1:23:6"),
    ("SELECT * FROM t WHERE a = MISSING", "MISSING must be compared using IS operator"),
    ("SELECT * FROM t WHERE a IN []", "IN operator must have a left hand argument of type "
     "Variable Reference and right hand argument of type Seq with at least one member"),
    ("SELECT * FROM t WHERE a", "WHERE clause must contain an expression that resolves to a boolean"),
    ("SELECT * FROM t WHERE a[*].b = 1", "Wildcard path component like a[*].b are not supported"),
    ("INSERT INTO t VALUES {'a': 1}", "Unsupported operation: Inserting multiple items in a single "
     "statement is not supported, use \"INSERT INTO tableName VALUE item\" instead"),
    ("INSERT INTO t VALUE {'a': 1} RETURNING ALL OLD *", "RETURNING is not supported in INSERT"),
    ("INSERT INTO t VALUE {'a': 1, 'a': 2}", "Duplicate keys in tuple. Key: a under root"),
    ("INSERT INTO t VALUE {'a': {1: 2}}", "Tuple keys must be of type String. Actual type: DECIMAL under root.a"),
    ("INSERT INTO t VALUE {'a': <<1, 'x'>>}", "Unsupported data type in Bag. DynamoDB only "
     "supports either numbers or strings in bags"),
    ("INSERT INTO t VALUE {'a': <<>>}", "Empty bags are not supported"),
    ("INSERT INTO t VALUE {'a': 1e999999}", "Number overflow. Attempting to store a number with "
     "magnitude larger than supported range under root.a"),
    ("INSERT INTO t VALUE {'a': [1, 123456789012345678901234567890123456789]}",
     "Attempting to store more than 38 significant digits in a Number under root.a[1]"),
    ("UPDATE t ADD a 1 WHERE pk = 'a'", "Only SET and REMOVE are supported in update expressions at this time"),
    ("DELETE FROM t WHERE pk = 'a' RETURNING ALL NEW *", "Invalid returning clause: RETURNING ALL "
     "NEW *. Only RETURNING ALL OLD * is allowed in DELETE statements."),
    ("UPDATE t SET a = 1 WHERE pk = 'a' RETURNING ALL NEW", "Expected '*' after ( MODIFIED | ALL ) "
     "( NEW | OLD ) in RETURNING clause"),
    # message unverified: the "Unsupported operation: <op>" form is DynamoDB Local's; the word
    # it names for UPSERT, DROP and REPLACE is inferred
    ("UPSERT INTO t VALUE {'a': 1}", "Unsupported operation: UPSERT"),
    ("DROP TABLE t", "Unsupported operation: DROP"),
    ("REPLACE INTO t VALUE {'a': 1}", "Unsupported operation: REPLACE"),
    # message unverified: DISTINCT is refused by the service, its text is inferred from the
    # "Unsupported clause: <clause>" form of LIMIT
    ("SELECT DISTINCT a FROM t", "Unsupported clause: DISTINCT"),
    # message unverified: positions past the first line are inferred (line and column from 1,
    # the column counted again from each new line)
    ("SELECT *\nFROM t\nWHERE exists(a)", "Unrecognized function: exists at 3:7:6"),
])
def test_statement_errors(ddb, statement, message):
    verr(ddb, statement, message)


def test_operand_type_errors(ddb, data):
    verr(ddb, 'SELECT * FROM "%s" WHERE v < true' % data,
         "Incorrect operand type for operator or function; operator or function: <, operand type: BOOL")
    verr(ddb, 'SELECT * FROM "%s" WHERE v BETWEEN ? AND 3' % data,
         "Incorrect operand type for operator or function; operator or function: BETWEEN, "
         "operand type: L", params=[{"L": []}])


def test_parameter_errors(ddb, data):
    verr(ddb, 'SELECT * FROM "%s" WHERE pk = ? AND sk = ?' % data,
         "Number of parameters in request and statement don't match.", params=[{"S": "a"}])
    verr(ddb, 'SELECT * FROM "%s" WHERE pk = ?' % data,
         "The parameter cannot be converted to a numeric value: 1x", params=[{"N": "1x"}])
    verr(ddb, 'SELECT * FROM "%s" WHERE pk = ?' % data,
         "1 validation error detected: Value '[]' at 'parameters' failed to satisfy constraint: "
         "Member must have length greater than or equal to 1", params=[])


def test_order_by_errors(ddb, data):
    verr(ddb, 'SELECT * FROM "%s" ORDER BY sk' % data,
         "Must have WHERE clause in the statement when using ORDER BY clause.")
    verr(ddb, 'SELECT * FROM "%s" WHERE v = 1 ORDER BY sk' % data,
         "Must have at least one non-optional hash key condition in WHERE clause when using "
         "ORDER BY clause.")
    # the service's wording, as users quote it (DynamoDB Local says "Variable reference v ...")
    verr(ddb, 'SELECT * FROM "%s" WHERE pk = \'a\' ORDER BY v' % data,
         "Attribute v in ORDER BY clause must be part of the primary key")


def test_statement_length_limit(ddb, data):
    verr(ddb, "SELECT * FROM t WHERE a = '%s'" % ("x" * 8192), None)
