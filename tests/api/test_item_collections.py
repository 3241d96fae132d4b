"""Item collections: on a table with a local secondary index, writes report
ItemCollectionMetrics when asked (ReturnItemCollectionMetrics SIZE); tables
without one report none."""

from ddbvalues import N, S

LSI = [{"IndexName": "byL",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                      {"AttributeName": "l", "KeyType": "RANGE"}],
        "Projection": {"ProjectionType": "KEYS_ONLY"}}]
METRICS = {"ItemCollectionKey": {"pk": S("p")}, "SizeEstimateRangeGB": [0.0, 1.0]}


def lsi_table(make_table):
    return make_table(range_key=("sk", "S"), extra_attributes=[("l", "S")],
                      LocalSecondaryIndexes=LSI)


def test_put_update_delete_report_the_collection(ddb, make_table):
    table = lsi_table(make_table)
    key = {"pk": S("p"), "sk": S("a")}
    r = ddb.put_item(TableName=table, Item=dict(key, l=S("x")), ReturnItemCollectionMetrics="SIZE")
    assert r["ItemCollectionMetrics"] == METRICS
    r = ddb.update_item(TableName=table, Key=key, UpdateExpression="SET n = :n",
                        ExpressionAttributeValues={":n": N(1)}, ReturnItemCollectionMetrics="SIZE")
    assert r["ItemCollectionMetrics"] == METRICS
    r = ddb.delete_item(TableName=table, Key=key, ReturnItemCollectionMetrics="SIZE")
    assert r["ItemCollectionMetrics"] == METRICS


def test_metrics_only_when_asked(ddb, make_table):
    table = lsi_table(make_table)
    r = ddb.put_item(TableName=table, Item={"pk": S("p"), "sk": S("a")})
    assert "ItemCollectionMetrics" not in r
    r = ddb.put_item(TableName=table, Item={"pk": S("p"), "sk": S("b")},
                     ReturnItemCollectionMetrics="NONE")
    assert "ItemCollectionMetrics" not in r


def test_no_metrics_without_a_local_index(ddb, table_ss):
    r = ddb.put_item(TableName=table_ss, Item={"pk": S("p"), "sk": S("a")},
                     ReturnItemCollectionMetrics="SIZE")
    assert "ItemCollectionMetrics" not in r
