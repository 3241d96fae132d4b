"""Contributor Insights: UpdateContributorInsights, DescribeContributorInsights
and ListContributorInsights (states, rule names, modes, indexes, paging,
errors, durability), and the most accessed keys of enabled tables and
indexes at GET /metrics."""

import re
import time

import pytest

from conftest import assert_error, make_client, raw_call, raw_request, unique_name
from ddbvalues import S

RNF = "ResourceNotFoundException"
VE = "ValidationException"
INDEX_LENGTH = "IndexName must be at least 3 characters long and at most 255 characters long"
RULE = re.compile(r"^DynamoDBContributorInsights-(PKC|PKT|SKC|SKT)-(.+)-(\d{13})$")


def table_with_indexes(make_table):
    """pk/sk table with a GSI "byg" (hash g) and an LSI "bylsi"."""
    return make_table(range_key=("sk", "N"), extra_attributes=[("g", "S"), ("l", "S")],
                      GlobalSecondaryIndexes=[{
                          "IndexName": "byg",
                          "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                          "Projection": {"ProjectionType": "ALL"}}],
                      LocalSecondaryIndexes=[{
                          "IndexName": "bylsi",
                          "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                        {"AttributeName": "l", "KeyType": "RANGE"}],
                          "Projection": {"ProjectionType": "KEYS_ONLY"}}])


def strip(out):
    out = dict(out)
    out.pop("ResponseMetadata", None)
    return out


def rules_of(out, resource):
    """The kinds of the rule list, checking each name's resource and that
    every rule carries the same creation time, LastUpdateDateTime's ms."""
    kinds, stamps = [], set()
    for name in out["ContributorInsightsRuleList"]:
        m = RULE.match(name)
        assert m, name
        assert m.group(2) == resource
        kinds.append(m.group(1))
        stamps.add(int(m.group(3)))
    assert len(stamps) == 1
    when = out["LastUpdateDateTime"]
    assert stamps == {round(when.timestamp() * 1000)}
    return kinds


# --- lifecycle ----------------------------------------------------------------------------------


def test_lifecycle_of_a_table(ddb, make_table):
    t = make_table(range_key=("sk", "S"))
    assert strip(ddb.describe_contributor_insights(TableName=t)) == {
        "TableName": t, "ContributorInsightsStatus": "DISABLED"}
    before = time.time()
    assert strip(ddb.update_contributor_insights(TableName=t, ContributorInsightsAction="ENABLE")) == {
        "TableName": t, "ContributorInsightsStatus": "ENABLING"}
    after = time.time()
    d = strip(ddb.describe_contributor_insights(TableName=t))
    assert d["ContributorInsightsStatus"] == "ENABLED"
    assert before - 0.01 <= d["LastUpdateDateTime"].timestamp() <= after + 0.01
    assert rules_of(d, t) == ["PKC", "PKT", "SKC", "SKT"]
    assert set(d) == {"TableName", "ContributorInsightsRuleList", "ContributorInsightsStatus",
                      "LastUpdateDateTime"}
    # enabling again changes nothing
    assert ddb.update_contributor_insights(
        TableName=t, ContributorInsightsAction="ENABLE")["ContributorInsightsStatus"] == "ENABLED"
    assert strip(ddb.describe_contributor_insights(TableName=t)) == d
    assert strip(ddb.update_contributor_insights(TableName=t, ContributorInsightsAction="DISABLE")) == {
        "TableName": t, "ContributorInsightsStatus": "DISABLING"}
    off = strip(ddb.describe_contributor_insights(TableName=t))
    assert off["ContributorInsightsStatus"] == "DISABLED"
    assert "ContributorInsightsRuleList" not in off
    assert off["LastUpdateDateTime"] > d["LastUpdateDateTime"]
    assert ddb.update_contributor_insights(
        TableName=t, ContributorInsightsAction="DISABLE")["ContributorInsightsStatus"] == "DISABLED"
    # a new enabling makes new rules
    ddb.update_contributor_insights(TableName=t, ContributorInsightsAction="ENABLE")
    again = strip(ddb.describe_contributor_insights(TableName=t))
    assert rules_of(again, t) == ["PKC", "PKT", "SKC", "SKT"]
    assert again["ContributorInsightsRuleList"] != d["ContributorInsightsRuleList"]


def test_disable_never_enabled(ddb, table_s):
    assert strip(ddb.update_contributor_insights(TableName=table_s,
                                                 ContributorInsightsAction="DISABLE")) == {
        "TableName": table_s, "ContributorInsightsStatus": "DISABLED"}
    assert strip(ddb.describe_contributor_insights(TableName=table_s)) == {
        "TableName": table_s, "ContributorInsightsStatus": "DISABLED"}


def test_hash_only_table_has_partition_rules_only(ddb, table_s):
    ddb.update_contributor_insights(TableName=table_s, ContributorInsightsAction="ENABLE")
    d = ddb.describe_contributor_insights(TableName=table_s)
    assert rules_of(d, table_s) == ["PKC", "PKT"]


def test_mode_wire(port, make_table):
    """ContributorInsightsMode (newer than the SDK here): raw requests."""
    t = make_table(range_key=("sk", "S"))
    r = raw_call(port, "UpdateContributorInsights",
                 {"TableName": t, "ContributorInsightsAction": "ENABLE"})
    assert r.status == 200
    assert r.json() == {"TableName": t, "ContributorInsightsStatus": "ENABLING",
                        "ContributorInsightsMode": "ACCESSED_AND_THROTTLED_KEYS"}
    d = raw_call(port, "DescribeContributorInsights", {"TableName": t}).json()
    assert d["ContributorInsightsMode"] == "ACCESSED_AND_THROTTLED_KEYS"
    # the same mode: no change; another: a new enabling with the throttled-key rules only
    r = raw_call(port, "UpdateContributorInsights",
                 {"TableName": t, "ContributorInsightsAction": "ENABLE",
                  "ContributorInsightsMode": "ACCESSED_AND_THROTTLED_KEYS"})
    assert r.json()["ContributorInsightsStatus"] == "ENABLED"
    r = raw_call(port, "UpdateContributorInsights",
                 {"TableName": t, "ContributorInsightsAction": "ENABLE",
                  "ContributorInsightsMode": "THROTTLED_KEYS"})
    assert r.json() == {"TableName": t, "ContributorInsightsStatus": "ENABLING",
                        "ContributorInsightsMode": "THROTTLED_KEYS"}
    d = raw_call(port, "DescribeContributorInsights", {"TableName": t}).json()
    assert d["ContributorInsightsStatus"] == "ENABLED"
    assert d["ContributorInsightsMode"] == "THROTTLED_KEYS"
    assert [RULE.match(n).group(1) for n in d["ContributorInsightsRuleList"]] == ["PKT", "SKT"]
    listed = raw_call(port, "ListContributorInsights", {"TableName": t}).json()
    assert listed == {"ContributorInsightsSummaries": [{
        "TableName": t, "ContributorInsightsStatus": "ENABLED",
        "ContributorInsightsMode": "THROTTLED_KEYS"}]}
    # omitting the mode goes back to the default
    r = raw_call(port, "UpdateContributorInsights",
                 {"TableName": t, "ContributorInsightsAction": "ENABLE"})
    assert r.json()["ContributorInsightsStatus"] == "ENABLING"
    assert r.json()["ContributorInsightsMode"] == "ACCESSED_AND_THROTTLED_KEYS"
    # disabling keeps the mode shown
    r = raw_call(port, "UpdateContributorInsights",
                 {"TableName": t, "ContributorInsightsAction": "DISABLE",
                  "ContributorInsightsMode": "THROTTLED_KEYS"})
    assert r.json() == {"TableName": t, "ContributorInsightsStatus": "DISABLING",
                        "ContributorInsightsMode": "ACCESSED_AND_THROTTLED_KEYS"}
    d = raw_call(port, "DescribeContributorInsights", {"TableName": t}).json()
    assert set(d) == {"TableName", "ContributorInsightsStatus", "LastUpdateDateTime",
                      "ContributorInsightsMode"}
    assert d["ContributorInsightsStatus"] == "DISABLED"


def test_per_index(ddb, make_table):
    t = table_with_indexes(make_table)
    out = strip(ddb.update_contributor_insights(TableName=t, IndexName="byg",
                                                ContributorInsightsAction="ENABLE"))
    assert out == {"TableName": t, "IndexName": "byg", "ContributorInsightsStatus": "ENABLING"}
    d = strip(ddb.describe_contributor_insights(TableName=t, IndexName="byg"))
    assert d["IndexName"] == "byg" and d["ContributorInsightsStatus"] == "ENABLED"
    assert rules_of(d, t + "-byg") == ["PKC", "PKT"]
    # the table's own setting is apart
    assert strip(ddb.describe_contributor_insights(TableName=t)) == {
        "TableName": t, "ContributorInsightsStatus": "DISABLED"}
    ddb.update_contributor_insights(TableName=t, ContributorInsightsAction="ENABLE")
    ddb.update_contributor_insights(TableName=t, IndexName="byg",
                                    ContributorInsightsAction="DISABLE")
    assert ddb.describe_contributor_insights(
        TableName=t, IndexName="byg")["ContributorInsightsStatus"] == "DISABLED"
    assert ddb.describe_contributor_insights(TableName=t)["ContributorInsightsStatus"] == "ENABLED"


def test_index_setting_goes_with_the_index(ddb, make_table):
    t = table_with_indexes(make_table)
    ddb.update_contributor_insights(TableName=t, IndexName="byg", ContributorInsightsAction="ENABLE")
    ddb.update_table(TableName=t, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "byg"}}])
    assert_error(ddb.describe_contributor_insights, RNF,
                 "Requested resource not found: Index: byg not found for table: %s" % t,
                 TableName=t, IndexName="byg")
    assert [s for s in ddb.list_contributor_insights(TableName=t)["ContributorInsightsSummaries"]] == []


# --- errors ------------------------------------------------------------------------------------


def test_missing_table(ddb):
    name = unique_name()
    msg = "Requested resource not found: Table: %s not found" % name
    assert_error(ddb.describe_contributor_insights, RNF, msg, TableName=name)
    assert_error(ddb.update_contributor_insights, RNF, msg, TableName=name,
                 ContributorInsightsAction="ENABLE")
    assert_error(ddb.update_contributor_insights, RNF, msg, TableName=name, IndexName="byg",
                 ContributorInsightsAction="DISABLE")
    assert_error(ddb.list_contributor_insights, RNF, msg, TableName=name)


@pytest.mark.parametrize("index", ["nope", "bylsi"])
def test_missing_or_local_index(ddb, make_table, index):
    t = table_with_indexes(make_table)
    msg = "Requested resource not found: Index: %s not found for table: %s" % (index, t)
    assert_error(ddb.describe_contributor_insights, RNF, msg, TableName=t, IndexName=index)
    assert_error(ddb.update_contributor_insights, RNF, msg, TableName=t, IndexName=index,
                 ContributorInsightsAction="ENABLE")


@pytest.mark.parametrize("index", ["", "ab", "x" * 256])
def test_index_name_length(port, table_s, index):
    for op, body in (("DescribeContributorInsights", {}),
                     ("UpdateContributorInsights", {"ContributorInsightsAction": "ENABLE"}),
                     ("UpdateContributorInsights", {"ContributorInsightsAction": "bad"})):
        r = raw_call(port, op, dict(body, TableName=table_s, IndexName=index))
        assert r.status == 400 and r.error_type == VE
        assert r.error_message == INDEX_LENGTH


def test_index_name_pattern(port, table_s):
    r = raw_call(port, "DescribeContributorInsights", {"TableName": table_s, "IndexName": "a b c"})
    assert r.status == 400 and r.error_type == VE
    assert r.error_message == (
        "1 validation error detected: Value 'a b c' at 'indexName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")


def test_action_and_mode_values(port, table_s):
    r = raw_call(port, "UpdateContributorInsights", {"TableName": table_s})
    assert r.status == 400 and r.error_type == VE
    assert r.error_message == ("1 validation error detected: Value null at "
                               "'contributorInsightsAction' failed to satisfy constraint: "
                               "Member must not be null")
    r = raw_call(port, "UpdateContributorInsights",
                 {"TableName": table_s, "ContributorInsightsAction": ""})
    assert r.error_message == ("1 validation error detected: Value '' at "
                               "'contributorInsightsAction' failed to satisfy constraint: "
                               "Member must satisfy enum value set: [ENABLE, DISABLE]")
    r = raw_call(port, "UpdateContributorInsights",
                 {"TableName": table_s, "ContributorInsightsAction": "enable",
                  "ContributorInsightsMode": ""})
    assert r.error_message == (
        "2 validation errors detected: Value 'enable' at 'contributorInsightsAction' failed to "
        "satisfy constraint: Member must satisfy enum value set: [ENABLE, DISABLE]; Value '' at "
        "'contributorInsightsMode' failed to satisfy constraint: Member must satisfy enum value "
        "set: [THROTTLED_KEYS, ACCESSED_AND_THROTTLED_KEYS]")
    # nothing changed
    d = raw_call(port, "DescribeContributorInsights", {"TableName": table_s}).json()
    assert d == {"TableName": table_s, "ContributorInsightsStatus": "DISABLED"}


def test_table_name_checked(port):
    r = raw_call(port, "DescribeContributorInsights", {})
    assert r.status == 400 and r.error_type == VE
    assert r.error_message == ("1 validation error detected: Value null at 'tableName' failed to "
                               "satisfy constraint: Member must not be null")
    r = raw_call(port, "ListContributorInsights", {"TableName": "a!"})
    assert r.status == 400 and r.error_type == VE
    assert "'tableName'" in r.error_message


@pytest.mark.parametrize("bad", [101, 1000])
def test_max_results_limit(port, bad):
    r = raw_call(port, "ListContributorInsights", {"MaxResults": bad})
    assert r.status == 400 and r.error_type == VE
    assert r.error_message == ("1 validation error detected: Value '%d' at 'maxResults' failed to "
                               "satisfy constraint: Member must have value less than or equal "
                               "to 100" % bad)


def test_wrong_member_types(port, table_s):
    r = raw_call(port, "ListContributorInsights", {"MaxResults": "3"})
    assert r.status == 400 and r.error_type == "SerializationException"
    r = raw_call(port, "UpdateContributorInsights",
                 {"TableName": table_s, "ContributorInsightsAction": ["ENABLE"]})
    assert r.status == 400 and r.error_type == "SerializationException"


# --- ListContributorInsights ----------------------------------------------------------------------


@pytest.fixture
def fresh(spawn_server):
    """A server of our own: every listed entry and every key counted is ours."""
    srv = spawn_server(in_memory=True)
    return srv, make_client(srv.endpoint)


def create(ddb, name, gsis=(), range_key=False):
    attrs = [{"AttributeName": "pk", "AttributeType": "S"}]
    schema = [{"AttributeName": "pk", "KeyType": "HASH"}]
    if range_key:
        attrs.append({"AttributeName": "sk", "AttributeType": "S"})
        schema.append({"AttributeName": "sk", "KeyType": "RANGE"})
    kwargs = {}
    if gsis:
        attrs.append({"AttributeName": "g", "AttributeType": "S"})
        kwargs["GlobalSecondaryIndexes"] = [{
            "IndexName": g, "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"}} for g in gsis]
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", AttributeDefinitions=attrs,
                     KeySchema=schema, **kwargs)


def test_list_and_paging(fresh):
    srv, ddb = fresh
    assert ddb.list_contributor_insights()["ContributorInsightsSummaries"] == []
    create(ddb, "bbb", gsis=["gi1", "gi2"])
    create(ddb, "aaa")
    create(ddb, "ccc")
    create(ddb, "ddd")  # never enabled
    for table, index in (("bbb", "gi2"), ("ccc", None), ("bbb", None), ("aaa", None),
                         ("bbb", "gi1")):
        kw = {"IndexName": index} if index else {}
        ddb.update_contributor_insights(TableName=table, ContributorInsightsAction="ENABLE", **kw)
    ddb.update_contributor_insights(TableName="ccc", ContributorInsightsAction="DISABLE")

    def entry(table, index=None):
        e = {"TableName": table, "ContributorInsightsStatus": "ENABLED"}
        if index:
            e["IndexName"] = index
        return e

    # tables by name, a table before its indexes (in their order), disabled ones left out
    want = [entry("aaa"), entry("bbb"), entry("bbb", "gi1"), entry("bbb", "gi2")]
    out = ddb.list_contributor_insights()
    assert out["ContributorInsightsSummaries"] == want and "NextToken" not in out
    assert ddb.list_contributor_insights(MaxResults=4)["ContributorInsightsSummaries"] == want
    for size in (1, 2, 3):
        pages, kw = [], {}
        for _ in range(10):
            out = ddb.list_contributor_insights(MaxResults=size, **kw)
            pages.append(out["ContributorInsightsSummaries"])
            assert len(pages[-1]) <= size
            if "NextToken" not in out:
                break
            kw = {"NextToken": out["NextToken"]}
        assert [e for p in pages for e in p] == want, size
    by_table = ddb.list_contributor_insights(TableName="bbb", MaxResults=2)
    assert by_table["ContributorInsightsSummaries"] == want[1:3]
    rest = ddb.list_contributor_insights(TableName="bbb", NextToken=by_table["NextToken"])
    assert rest["ContributorInsightsSummaries"] == want[3:] and "NextToken" not in rest
    assert ddb.list_contributor_insights(TableName="ddd")["ContributorInsightsSummaries"] == []
    # deleting a table takes its settings along
    ddb.delete_table(TableName="bbb")
    assert ddb.list_contributor_insights()["ContributorInsightsSummaries"] == [entry("aaa")]
    create(ddb, "bbb", gsis=["gi1", "gi2"])
    assert strip(ddb.describe_contributor_insights(TableName="bbb", IndexName="gi1")) == {
        "TableName": "bbb", "IndexName": "gi1", "ContributorInsightsStatus": "DISABLED"}


def test_settings_survive_restart(spawn_server, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    srv = spawn_server(data_dir=data)
    ddb = make_client(srv.endpoint)
    create(ddb, "keep", gsis=["gix"], range_key=True)
    create(ddb, "gone")
    ddb.update_contributor_insights(TableName="keep", ContributorInsightsAction="ENABLE")
    ddb.update_contributor_insights(TableName="keep", IndexName="gix",
                                    ContributorInsightsAction="ENABLE")
    ddb.update_contributor_insights(TableName="keep", IndexName="gix",
                                    ContributorInsightsAction="DISABLE")
    ddb.update_contributor_insights(TableName="gone", ContributorInsightsAction="ENABLE")
    before = [strip(ddb.describe_contributor_insights(TableName="keep")),
              strip(ddb.describe_contributor_insights(TableName="keep", IndexName="gix"))]
    ddb.delete_table(TableName="gone")
    srv.stop()
    srv = spawn_server(data_dir=data)
    ddb = make_client(srv.endpoint)
    after = [strip(ddb.describe_contributor_insights(TableName="keep")),
             strip(ddb.describe_contributor_insights(TableName="keep", IndexName="gix"))]
    assert after == before
    assert before[0]["ContributorInsightsStatus"] == "ENABLED"
    assert before[1]["ContributorInsightsStatus"] == "DISABLED" and "LastUpdateDateTime" in before[1]
    assert ddb.list_contributor_insights()["ContributorInsightsSummaries"] == [
        {"TableName": "keep", "ContributorInsightsStatus": "ENABLED"}]
    # the keys are counted again after the restart
    ddb.get_item(TableName="keep", Key={"pk": S("p"), "sk": S("s")})
    assert top(srv.port, "ddbd_insights_accessed_items", "keep") == [(("p", "s"), 1)]


# --- the hottest keys at /metrics ---------------------------------------------------------------

SAMPLE = re.compile(r'^(ddbd_insights_[a-z_]+)\{(.*)\} (\S+)$')
LABEL = re.compile(r'([a-z_]+)="((?:[^"\\]|\\.)*)"(?:,|$)')


def unescape(v):
    return re.sub(r'\\(.)', lambda m: "\n" if m.group(1) == "n" else m.group(1), v)


def insights_samples(port):
    """The insights series in exposition order: (family, labels, value)."""
    r = raw_request(port, method="GET", path="/metrics", target=None, content_type=None,
                    auth=False)
    assert r.status == 200
    out = []
    for line in r.body.decode("utf-8").splitlines():
        m = SAMPLE.match(line)
        if not m:
            assert not line.startswith("ddbd_insights_"), line
            continue
        labels = {k: unescape(v) for k, v, in LABEL.findall(m.group(2))}
        out.append((m.group(1), labels, float(m.group(3))))
    return out


def top(port, family, table, index=""):
    """[(key, count)] of one table or index in order; key: the partition key,
    or (partition key, sort key) for the item families."""
    got = []
    for fam, labels, value in insights_samples(port):
        if fam != family or labels["table"] != table or labels["index"] != index:
            continue
        key = labels["partition_key"]
        if "sort_key" in labels:
            key = (key, labels["sort_key"])
        got.append((key, int(value)))
    return got


def test_hot_keys_appear_in_order(fresh):
    srv, ddb = fresh
    create(ddb, "hot", gsis=["byg"], range_key=True)
    create(ddb, "quiet", range_key=True)  # never enabled: reports nothing
    ddb.update_contributor_insights(TableName="hot", ContributorInsightsAction="ENABLE")
    ddb.update_contributor_insights(TableName="hot", IndexName="byg",
                                    ContributorInsightsAction="ENABLE")
    # a skewed pattern: partition "p<i>" gets 40 >> i accesses, spread over sort keys
    counts = {"p%d" % i: 40 >> i for i in range(6)}  # 40 20 10 5 2 1
    items = {}
    for pk, n in counts.items():
        for j in range(n):
            sk = "s%d" % (j % 2)
            items[(pk, sk)] = items.get((pk, sk), 0) + 1
            if j % 2:
                ddb.get_item(TableName="hot", Key={"pk": S(pk), "sk": S(sk)})
            else:
                ddb.put_item(TableName="hot", Item={"pk": S(pk), "sk": S(sk), "g": S("G" + pk)})
            ddb.get_item(TableName="quiet", Key={"pk": S(pk), "sk": S(sk)})
    # 25 one-off partitions: more keys than the top list shows
    for i in range(25):
        ddb.delete_item(TableName="hot", Key={"pk": S("cold%02d" % i), "sk": S("x")})
        items[("cold%02d" % i, "x")] = 1
    for _ in range(3):
        ddb.query(TableName="hot", IndexName="byg", KeyConditionExpression="g = :g",
                  ExpressionAttributeValues={":g": S("Gp0")})
    ddb.query(TableName="hot", KeyConditionExpression="pk = :p",
              ExpressionAttributeValues={":p": S("p5")})
    counts["p5"] += 1  # the Query counts for the partition, not for an item

    got = top(srv.port, "ddbd_insights_accessed_partition_keys", "hot")
    assert len(got) == 10
    assert got[:6] == [("p0", 40), ("p1", 20), ("p2", 10), ("p3", 5), ("p4", 2), ("p5", 2)]
    assert [k for k, n in got[6:]] == ["cold00", "cold01", "cold02", "cold03"]  # ties by key
    assert all(n == 1 for k, n in got[6:])
    want_items = sorted(items.items(), key=lambda kv: (-kv[1], kv[0]))
    got_items = top(srv.port, "ddbd_insights_accessed_items", "hot")
    assert got_items == want_items[:10]
    # the index: each first put of p<i> put an entry under "Gp<i>" (the
    # rewrites left it as it was), and three Queries read "Gp0"
    by_g = [("Gp0", 4)] + [("Gp%d" % i, 1) for i in range(1, 6)]
    assert top(srv.port, "ddbd_insights_accessed_partition_keys", "hot", "byg") == by_g
    assert top(srv.port, "ddbd_insights_accessed_items", "hot", "byg") == []
    # nothing throttles here, and nothing is reported for the quiet table
    assert top(srv.port, "ddbd_insights_throttled_partition_keys", "hot") == []
    assert all(labels["table"] == "hot" for _, labels, _ in insights_samples(srv.port))
    # disabling stops the reports; enabling again starts from nothing
    ddb.update_contributor_insights(TableName="hot", ContributorInsightsAction="DISABLE")
    assert top(srv.port, "ddbd_insights_accessed_partition_keys", "hot") == []
    assert top(srv.port, "ddbd_insights_accessed_partition_keys", "hot", "byg") == by_g
    ddb.get_item(TableName="hot", Key={"pk": S("p0"), "sk": S("s0")})
    ddb.update_contributor_insights(TableName="hot", ContributorInsightsAction="ENABLE")
    ddb.get_item(TableName="hot", Key={"pk": S("p1"), "sk": S("s0")})
    assert top(srv.port, "ddbd_insights_accessed_partition_keys", "hot") == [("p1", 1)]


def test_base_table_writes_count_against_the_index_keys(fresh):
    srv, ddb = fresh
    ddb.create_table(
        TableName="wgi", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("pk", "g", "r")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[{
            "IndexName": "byg", "Projection": {"ProjectionType": "KEYS_ONLY"},
            "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                          {"AttributeName": "r", "KeyType": "RANGE"}]}])
    ddb.update_contributor_insights(TableName="wgi", IndexName="byg",
                                    ContributorInsightsAction="ENABLE")
    ddb.put_item(TableName="wgi", Item={"pk": S("p1"), "g": S("A"), "r": S("1")})  # A/1 put
    ddb.put_item(TableName="wgi", Item={"pk": S("p2"), "g": S("A"), "r": S("2")})  # A/2 put
    ddb.put_item(TableName="wgi", Item={"pk": S("p3"), "x": S("no entry")})
    # a change outside the projection leaves the entry as it was: no access
    ddb.update_item(TableName="wgi", Key={"pk": S("p1")}, UpdateExpression="SET x = :x",
                    ExpressionAttributeValues={":x": S("5")})
    # moving the item deletes A/1 and puts B/1
    ddb.update_item(TableName="wgi", Key={"pk": S("p1")}, UpdateExpression="SET g = :g",
                    ExpressionAttributeValues={":g": S("B")})
    ddb.delete_item(TableName="wgi", Key={"pk": S("p2")})  # A/2 deleted
    ddb.delete_item(TableName="wgi", Key={"pk": S("p3")})  # never had an entry
    ddb.query(TableName="wgi", IndexName="byg", KeyConditionExpression="g = :g",
              ExpressionAttributeValues={":g": S("A")})  # the partition A
    assert top(srv.port, "ddbd_insights_accessed_partition_keys", "wgi", "byg") == [
        ("A", 5), ("B", 1)]
    assert top(srv.port, "ddbd_insights_accessed_items", "wgi", "byg") == [
        (("A", "1"), 2), (("A", "2"), 2), (("B", "1"), 1)]
    # the table's own keys are not counted: its setting is not enabled
    assert top(srv.port, "ddbd_insights_accessed_partition_keys", "wgi") == []
    # disabled, the index counts nothing more
    ddb.update_contributor_insights(TableName="wgi", IndexName="byg",
                                    ContributorInsightsAction="DISABLE")
    ddb.put_item(TableName="wgi", Item={"pk": S("p4"), "g": S("C"), "r": S("1")})
    assert top(srv.port, "ddbd_insights_accessed_partition_keys", "wgi", "byg") == []


def test_throttled_keys_mode_counts_no_access(fresh):
    srv, ddb = fresh
    create(ddb, "thr")
    r = raw_call(srv.port, "UpdateContributorInsights",
                 {"TableName": "thr", "ContributorInsightsAction": "ENABLE",
                  "ContributorInsightsMode": "THROTTLED_KEYS"})
    assert r.status == 200
    for i in range(5):
        ddb.put_item(TableName="thr", Item={"pk": S("a")})
    assert [s for s in insights_samples(srv.port) if s[1]["table"] == "thr"] == []


def test_key_values_as_label_text(fresh):
    srv, ddb = fresh
    ddb.create_table(TableName="typed", BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "n", "AttributeType": "N"},
                                           {"AttributeName": "b", "AttributeType": "B"}],
                     KeySchema=[{"AttributeName": "n", "KeyType": "HASH"},
                                {"AttributeName": "b", "KeyType": "RANGE"}])
    create(ddb, "texts")
    for t in ("typed", "texts"):
        ddb.update_contributor_insights(TableName=t, ContributorInsightsAction="ENABLE")
    ddb.get_item(TableName="typed", Key={"n": {"N": "00012.50"}, "b": {"B": b"\x00\xffab"}})
    assert top(srv.port, "ddbd_insights_accessed_items", "typed") == [(("12.5", "AP9hYg=="), 1)]
    odd = 'q"uo\\te\nline é'
    long = "é" * 100  # cut at a character's boundary, within 64 bytes
    for k in (odd, odd, long):
        ddb.get_item(TableName="texts", Key={"pk": S(k)})
    got = top(srv.port, "ddbd_insights_accessed_partition_keys", "texts")
    assert got == [(odd, 2), ("é" * 32, 1)]


def test_sketch_stays_bounded_and_keeps_the_heavy_hitters(fresh):
    """More distinct keys than the sketch holds (64 per rule): the frequent
    ones stay, with counts that are never under the truth."""
    srv, ddb = fresh
    create(ddb, "many")
    ddb.update_contributor_insights(TableName="many", ContributorInsightsAction="ENABLE")
    for i in range(300):  # 240 one-off keys, "hot" 50 times, "warm" 10 times
        if i % 6 == 0:
            key = "hot"
        elif i % 30 == 1:
            key = "warm"
        else:
            key = "once%03d" % i
        ddb.get_item(TableName="many", Key={"pk": S(key)})
    got = top(srv.port, "ddbd_insights_accessed_partition_keys", "many")
    assert len(got) == 10
    assert got[0] == ("hot", 50)  # in from the start: never evicted, exact
    assert dict(got).get("warm", 0) >= 10
    assert all(n >= 1 for _, n in got)
    assert [n for _, n in got] == sorted((n for _, n in got), reverse=True)


def test_restored_table_starts_without_insights(spawn_server, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    srv = spawn_server(data_dir=data)
    ddb = make_client(srv.endpoint)
    create(ddb, "source")
    ddb.update_contributor_insights(TableName="source", ContributorInsightsAction="ENABLE")
    arn = ddb.create_backup(TableName="source", BackupName="bk1")["BackupDetails"]["BackupArn"]
    deadline = time.monotonic() + 30
    while ddb.describe_backup(BackupArn=arn)["BackupDescription"]["BackupDetails"][
            "BackupStatus"] != "AVAILABLE":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    ddb.restore_table_from_backup(TargetTableName="copy", BackupArn=arn)
    while ddb.describe_table(TableName="copy")["Table"]["TableStatus"] != "ACTIVE":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert strip(ddb.describe_contributor_insights(TableName="copy")) == {
        "TableName": "copy", "ContributorInsightsStatus": "DISABLED"}
    assert ddb.describe_contributor_insights(
        TableName="source")["ContributorInsightsStatus"] == "ENABLED"
