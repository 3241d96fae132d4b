"""Global tables ship each region's local changes from the table's stream:
a write that changes nothing still carries a newer version, which the
replicas must learn (or they diverge) while stream readers do not see it;
the records a replica has not acknowledged outlive the stream's retention
and its shard roll-overs, and go once every replica has them."""

import time

import boto3

from conftest import Server, make_client, raw_request, unique_name
from test_global_tables import finish_all, scan_all, two_regions, wait_until
from test_global_tables_versions import item_of, now_us, replicated_pair


def streams_client(server, region):
    return boto3.client("dynamodbstreams", endpoint_url=server.endpoint, region_name=region,
                        aws_access_key_id="k", aws_secret_access_key="s")


def stream_records(server, region, client, name):
    """Every record the table's stream shows, from each shard's trim horizon
    (read again when housekeeping trimmed a shard, or forgot one, while it
    was being read: records of other changes age out meanwhile)."""
    streams = streams_client(server, region)
    arn = client.describe_table(TableName=name)["Table"]["LatestStreamArn"]

    def read():
        out = []
        try:
            for sh in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
                it = streams.get_shard_iterator(StreamArn=arn, ShardId=sh["ShardId"],
                                                ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
                while it:
                    page = streams.get_records(ShardIterator=it)
                    out += page["Records"]
                    if not page["Records"]:
                        break
                    it = page.get("NextShardIterator")
        except (streams.exceptions.TrimmedDataAccessException,
                streams.exceptions.ResourceNotFoundException):
            return None
        return out
    for _ in range(50):
        records = read()
        if records is not None:
            return records
        time.sleep(0.1)
    raise AssertionError("no whole read of the stream of %s in 50 tries" % name)


def test_a_write_that_changes_nothing_replicates_its_version_unseen_by_stream_readers(tmp_path):
    servers = two_regions(tmp_path, [], [])
    try:
        name = unique_name("gn")
        a, b = replicated_pair(servers, name)
        one = {"k": {"S": "x"}, "v": {"S": "one"}}
        a.put_item(TableName=name, Item=one)
        wait_until(lambda: item_of(b, name, "x") == one, "the put replicated")
        # a third region's change reaches B only (B does not ship it on)
        resp = raw_request(servers[1].port, {"TableName": name, "Changes": [
            {"T": str(now_us()), "O": "eu-west-1", "K": {"k": {"S": "x"}},
             "I": {"k": {"S": "x"}, "v": {"S": "two"}}}]},
            target="DdbdReplication_20261130.ApplyChanges")
        assert resp.status == 200, resp.body
        assert item_of(b, name, "x")["v"] == {"S": "two"}
        # A writes what it already has: later than the third region's change,
        # so it wins in B too, though A's item does not change
        a.put_item(TableName=name, Item=one)
        a.put_item(TableName=name, Item={"k": {"S": "marker"}})
        wait_until(lambda: item_of(b, name, "marker") is not None, "later writes replicated")
        assert item_of(b, name, "x") == one
        assert scan_all(a, name) == scan_all(b, name)
        # A's stream shows the two changes, not the write that changed nothing
        recs = stream_records(servers[0], "us-east-1", a, name)
        assert [(r["eventName"], r["dynamodb"]["Keys"]["k"]["S"]) for r in recs] == \
            [("INSERT", "x"), ("INSERT", "marker")]
        # B's shows the put, the third region's change, and A's write, which
        # changed B's item
        recs = stream_records(servers[1], "us-west-2", b, name)
        assert [(r["eventName"], r["dynamodb"]["Keys"]["k"]["S"]) for r in recs] == \
            [("INSERT", "x"), ("MODIFY", "x"), ("MODIFY", "x"), ("INSERT", "marker")]
        assert recs[2]["dynamodb"]["NewImage"] == one
        # a Limit counts the records shown: the hidden one is passed over
        streams = streams_client(servers[0], "us-east-1")
        arn = a.describe_table(TableName=name)["Table"]["LatestStreamArn"]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                        ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                                        SequenceNumber=recs_seq(streams, arn, shard))
        page = streams.get_records(ShardIterator=it["ShardIterator"], Limit=1)
        assert [r["dynamodb"]["Keys"]["k"]["S"] for r in page["Records"]] == ["marker"]
    finally:
        finish_all(servers)


def recs_seq(streams, arn, shard):
    """The sequence number of the shard's first record."""
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    return streams.get_records(ShardIterator=it, Limit=1)["Records"][0]["dynamodb"][
        "SequenceNumber"]


def test_records_a_replica_lacks_outlive_the_retention_and_go_once_it_has_them(tmp_path):
    servers = two_regions(tmp_path, ["--stream-retention", "1", "--stream-shard-lifetime", "0.5"],
                          [])
    try:
        name = unique_name("gh")
        a, b = replicated_pair(servers, name)
        for i in range(5):
            a.put_item(TableName=name, Item={"k": {"S": "before%d" % i}})
        wait_until(lambda: len(scan_all(b, name)) == 5, "replicated")
        down = servers[1]
        down.finish()
        # B is away for some retentions and shard lifetimes while A writes
        for i in range(20):
            a.put_item(TableName=name, Item={"k": {"S": "away%02d" % i}, "v": {"N": str(i)}})
            time.sleep(0.1)
        a.delete_item(TableName=name, Key={"k": {"S": "before0"}})
        time.sleep(2.5)
        # A's stream still holds them (some in shards closed since)
        held = stream_records(servers[0], "us-east-1", a, name)
        assert len([r for r in held if r["dynamodb"]["Keys"]["k"]["S"].startswith("away")]) == 20
        servers[1] = Server(binary=down.binary, data_dir=down.data_dir, port=down.port,
                            extra_args=down.extra_args).start()
        b = make_client(servers[1].endpoint)
        wait_until(lambda: scan_all(b, name) == scan_all(a, name) and len(scan_all(b, name)) == 24,
                   "B has every change made while it was away")
        # once B has them, the records age out as any others do
        wait_until(lambda: stream_records(servers[0], "us-east-1", a, name) == [],
                   "A's stream trimmed", 30)
        a.put_item(TableName=name, Item={"k": {"S": "after"}})
        wait_until(lambda: item_of(b, name, "after") is not None, "later writes replicated")
    finally:
        finish_all(servers)
