"""DynamoDB Streams over time, each test on a server of its own with short
lifetimes: shard rollover read by lineage under a write load (every
acknowledged write exactly once, in order per item), iterator expiry,
trimming after the retention, restart persistence, and a kill -9 during a
write load (the records replay to exactly the table's final state)."""

import re
import signal
import threading
import time

import pytest

from conftest import MODE, assert_error, make_client, unique_name, wait_active, wait_for
from ddbvalues import N, S
from streamhelp import (all_shards, create_stream_table, make_streams_client, raw_streams,
                        read_shard, read_stream)

pytestmark = pytest.mark.slow


@pytest.fixture
def start_server(spawn_server):
    """start_server(*flags, data_dir=None, disk=MODE == "disk") -> Server;
    every server is killed at the end of the test."""

    def start(*flags, data_dir=None, disk=None):
        if disk is None:
            disk = MODE == "disk" or data_dir is not None
        return spawn_server(data_dir=data_dir, in_memory=not disk, extra_args=flags)

    return start


def stream_table(ddb, view="NEW_IMAGE"):
    name = unique_name("sl")
    arn = create_stream_table(ddb, name, view)["LatestStreamArn"]
    wait_active(ddb, name)
    return name, arn


# --------------------------------------------------------------------------------------
# Rollover: consumers following the lineage read every record once, in order


class LineageReader:
    """A consumer: reads a shard only after its parent is read to its end,
    polls open shards, discovers new shards with DescribeStream."""

    def __init__(self, streams, arn):
        self.streams, self.arn = streams, arn
        self.done, self.iterators = set(), {}
        self.records = []
        self.shards = []

    def poll(self):
        self.shards = all_shards(self.streams, self.arn, limit=2)
        ids = {s["ShardId"] for s in self.shards}
        for s in self.shards:
            sid = s["ShardId"]
            if sid in self.done:
                continue
            parent = s.get("ParentShardId")
            if parent in ids and parent not in self.done:
                continue
            it = self.iterators.get(sid) or self.streams.get_shard_iterator(
                StreamArn=self.arn, ShardId=sid, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            for _ in range(50):
                r = self.streams.get_records(ShardIterator=it, Limit=100)
                self.records += r["Records"]
                it = r.get("NextShardIterator")
                if it is None:
                    self.done.add(sid)
                    break
                self.iterators[sid] = it
                if not r["Records"]:
                    break


def test_rollover_lineage_reads_every_write_once_in_order(start_server):
    # a data directory: commits take long enough to show readers racing a rollover
    srv = start_server("--stream-shard-lifetime", "0.25", disk=True)
    ddb = make_client(srv.endpoint)
    streams = make_streams_client(srv.endpoint)
    table, arn = stream_table(ddb, "NEW_IMAGE")
    keys = ["a", "b", "c", "d"]
    acked = {k: [] for k in keys}
    errors = []
    stop_at = time.monotonic() + 2.5

    def writer(w):
        c = make_client(srv.endpoint)
        try:
            for i in range(400):
                if time.monotonic() > stop_at:
                    break
                k = keys[(i * 3 + w) % len(keys)]
                r = c.update_item(TableName=table, Key={"pk": S(k)}, UpdateExpression="ADD n :o",
                                  ExpressionAttributeValues={":o": N("1")},
                                  ReturnValues="UPDATED_NEW")
                acked[k].append(int(r["Attributes"]["n"]["N"]))
        except Exception as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(3)]
    for t in threads:
        t.start()
    reader = LineageReader(streams, arn)
    while any(t.is_alive() for t in threads):
        reader.poll()
    for t in threads:
        t.join()
    assert not errors
    total = sum(len(v) for v in acked.values())
    assert total > 50
    deadline = time.monotonic() + 10
    while len(reader.records) < total and time.monotonic() < deadline:
        reader.poll()
        time.sleep(0.05)

    assert len(reader.shards) >= 3, "the shard rolled over"
    # the lineage: one shard without parent, every other names an earlier one
    by_id = {s["ShardId"]: s for s in reader.shards}
    roots = [s for s in reader.shards if "ParentShardId" not in s]
    assert len(roots) == 1
    open_shards = [s for s in reader.shards
                   if "EndingSequenceNumber" not in s["SequenceNumberRange"]]
    assert len(open_shards) == 1
    for s in reader.shards:
        rng = s["SequenceNumberRange"]
        if "ParentShardId" in s:
            parent = by_id[s["ParentShardId"]]["SequenceNumberRange"]
            assert int(parent["EndingSequenceNumber"]) < int(rng["StartingSequenceNumber"])
        if "EndingSequenceNumber" in rng:
            assert int(rng["StartingSequenceNumber"]) <= int(rng["EndingSequenceNumber"])
    # every acknowledged write exactly once, in order per item
    seen = {k: [] for k in keys}
    for rec in reader.records:
        seen[rec["dynamodb"]["Keys"]["pk"]["S"]].append(int(rec["dynamodb"]["NewImage"]["n"]["N"]))
    for k in keys:
        assert sorted(acked[k]) == list(range(1, len(acked[k]) + 1))
        assert seen[k] == list(range(1, len(acked[k]) + 1)), k
    seqs = [int(r["dynamodb"]["SequenceNumber"]) for r in reader.records]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    # each record lies in the range of the shard it was read from
    for s in reader.shards:
        rng = s["SequenceNumberRange"]
        got, _ = read_shard(streams, arn, s["ShardId"])
        for r in got:
            assert int(rng["StartingSequenceNumber"]) <= int(r["dynamodb"]["SequenceNumber"])
            if "EndingSequenceNumber" in rng:
                assert int(r["dynamodb"]["SequenceNumber"]) <= int(rng["EndingSequenceNumber"])


def test_rollover_child_shards_and_filter(start_server):
    srv = start_server("--stream-shard-lifetime", "0.2")
    ddb = make_client(srv.endpoint)
    streams = make_streams_client(srv.endpoint)
    table, arn = stream_table(ddb, "KEYS_ONLY")
    ddb.put_item(TableName=table, Item={"pk": S("first")})
    wait_for(lambda: len(all_shards(streams, arn)) >= 4, 10, "three rollovers")
    ddb.put_item(TableName=table, Item={"pk": S("last")})
    # disabling closes the open shard and ends the rollovers
    ddb.update_table(TableName=table, StreamSpecification={"StreamEnabled": False})
    shards = all_shards(streams, arn)
    assert all("EndingSequenceNumber" in s["SequenceNumberRange"] for s in shards)
    assert [s["ShardId"] for s in shards] == sorted(s["ShardId"] for s in shards)
    # paging with Limit=1 gives the same list
    assert all_shards(streams, arn, limit=1) == shards
    by_parent = {}
    for s in shards:
        by_parent.setdefault(s.get("ParentShardId"), []).append(s["ShardId"])
    assert len(by_parent[None]) == 1
    for s in shards:
        r = raw_streams(srv.port, "DescribeStream", {
            "StreamArn": arn, "ShardFilter": {"Type": "CHILD_SHARDS", "ShardId": s["ShardId"]}})
        assert r.status == 200
        assert [c["ShardId"] for c in r.json()["StreamDescription"]["Shards"]] == \
            by_parent.get(s["ShardId"], [])
    # the records, shard by shard, parent first
    keys = [r["dynamodb"]["Keys"]["pk"]["S"] for r in read_stream(streams, arn)]
    assert keys == ["first", "last"]
    # a closed empty shard: nothing, and no next iterator
    got, finished = read_shard(streams, arn, shards[1]["ShardId"])
    assert got == [] and finished


# --------------------------------------------------------------------------------------
# Iterator expiry


EXPIRED_RE = re.compile(
    r"^Iterator expired\. The iterator was created at time \w{3} \w{3} \d\d \d\d:\d\d:\d\d UTC "
    r"\d{4} while right now it is \w{3} \w{3} \d\d \d\d:\d\d:\d\d UTC \d{4} which is further in "
    r"the future than the tolerated delay of 1000 milliseconds\.$")


def test_iterators_expire(start_server):
    srv = start_server("--stream-iterator-lifetime", "1")
    ddb = make_client(srv.endpoint)
    streams = make_streams_client(srv.endpoint)
    table, arn = stream_table(ddb)
    ddb.put_item(TableName=table, Item={"pk": S("a")})
    [shard] = all_shards(streams, arn)
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    r = streams.get_records(ShardIterator=it)
    assert len(r["Records"]) == 1
    nxt = r["NextShardIterator"]
    time.sleep(1.3)
    msg = assert_error(streams.get_records, "ExpiredIteratorException", ShardIterator=it)
    assert EXPIRED_RE.match(msg), msg
    assert_error(streams.get_records, "ExpiredIteratorException", ShardIterator=nxt)
    # a fresh iterator works, and the next one it hands out is fresh too
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    time.sleep(0.6)
    r = streams.get_records(ShardIterator=it)
    time.sleep(0.6)
    ddb.put_item(TableName=table, Item={"pk": S("b")})
    r = streams.get_records(ShardIterator=r["NextShardIterator"])
    assert [x["dynamodb"]["Keys"]["pk"]["S"] for x in r["Records"]] == ["b"]


# --------------------------------------------------------------------------------------
# Trimming after the retention


def test_records_are_trimmed_after_the_retention(start_server):
    srv = start_server("--stream-retention", "1")
    ddb = make_client(srv.endpoint)
    streams = make_streams_client(srv.endpoint)
    table, arn = stream_table(ddb)
    for i in range(3):
        ddb.put_item(TableName=table, Item={"pk": S("old%d" % i)})
    [shard] = all_shards(streams, arn)
    sid = shard["ShardId"]
    old, _ = read_shard(streams, arn, sid)
    seqs = [r["dynamodb"]["SequenceNumber"] for r in old]
    assert len(seqs) == 3
    old_iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=sid,
                                              ShardIteratorType="AT_SEQUENCE_NUMBER",
                                              SequenceNumber=seqs[1])["ShardIterator"]

    # writes go on while the records age out and are trimmed
    latencies, i = [], 0

    def trimmed():
        nonlocal i
        t = time.monotonic()
        ddb.put_item(TableName=table, Item={"pk": S("w%d" % i)})
        latencies.append(time.monotonic() - t)
        i += 1
        got, _ = read_shard(streams, arn, sid)
        return not any(r["dynamodb"]["Keys"]["pk"]["S"].startswith("old") for r in got)

    wait_for(trimmed, 8, "records older than the retention are trimmed", step=0.1)
    assert max(latencies) < 2.0

    assert_error(streams.get_records, "TrimmedDataAccessException", ShardIterator=old_iterator)
    # AT the shard's start is allowed (below); every other trimmed position is
    # not (TrimmedDataAccessException; message unverified)
    assert seqs[0] == shard["SequenceNumberRange"]["StartingSequenceNumber"]
    for t, q in ([("AT_SEQUENCE_NUMBER", q) for q in seqs[1:]] +
                 [("AFTER_SEQUENCE_NUMBER", q) for q in seqs]):
        assert_error(streams.get_shard_iterator, "TrimmedDataAccessException", StreamArn=arn,
                     ShardId=sid, ShardIteratorType=t, SequenceNumber=q)
    # the shard is still described; TRIM_HORIZON starts at what is left,
    # and so does AT its starting sequence number
    [again] = all_shards(streams, arn)
    assert again["ShardId"] == sid
    ddb.put_item(TableName=table, Item={"pk": S("fresh")})
    start = again["SequenceNumberRange"]["StartingSequenceNumber"]
    for kw in ({"iterator_type": "TRIM_HORIZON"},
               {"iterator_type": "AT_SEQUENCE_NUMBER", "sequence": start}):
        got, _ = read_shard(streams, arn, sid, **kw)
        names = [r["dynamodb"]["Keys"]["pk"]["S"] for r in got]
        assert "fresh" in names and not any(n.startswith("old") for n in names)
        got_seqs = [int(r["dynamodb"]["SequenceNumber"]) for r in got]
        assert got_seqs == sorted(got_seqs) and got_seqs[0] > int(seqs[-1])


def test_trimmed_parent_is_still_named(start_server, tmp_path):
    srv = start_server("--stream-retention", "1", "--stream-shard-lifetime", "0.25",
                       data_dir=tmp_path / "data")
    ddb = make_client(srv.endpoint)
    streams = make_streams_client(srv.endpoint)
    table, arn = stream_table(ddb, "KEYS_ONLY")
    first = all_shards(streams, arn)[0]["ShardId"]

    def first_forgotten():
        ddb.put_item(TableName=table, Item={"pk": S("x")})
        shards = all_shards(streams, arn)
        return shards if first not in {s["ShardId"] for s in shards} else None

    shards = wait_for(first_forgotten, 8, "the first shard is trimmed away", step=0.1)
    ids = {s["ShardId"] for s in shards}
    # every shard still names its parent, also when the parent is gone
    assert all("ParentShardId" in s for s in shards)
    orphans = [s for s in shards if s["ParentShardId"] not in ids]
    assert len(orphans) == 1
    r = raw_streams(srv.port, "DescribeStream", {"StreamArn": arn, "ShardFilter": {
        "Type": "CHILD_SHARDS", "ShardId": orphans[0]["ParentShardId"]}})
    assert [c["ShardId"] for c in r.json()["StreamDescription"]["Shards"]] == [
        orphans[0]["ShardId"]]
    # the lineage survives a restart
    ddb.update_table(TableName=table, StreamSpecification={"StreamEnabled": False})
    shards = all_shards(streams, arn)
    assert srv.stop(signal.SIGTERM) == 0, srv.log_tail()
    srv2 = start_server(data_dir=tmp_path / "data")
    assert all_shards(make_streams_client(srv2.endpoint), arn) == shards


def test_disabled_stream_vanishes_after_the_retention(start_server):
    srv = start_server("--stream-retention", "1")
    ddb = make_client(srv.endpoint)
    streams = make_streams_client(srv.endpoint)
    table, arn = stream_table(ddb)
    other, other_arn = stream_table(ddb, "KEYS_ONLY")
    ddb.put_item(TableName=table, Item={"pk": S("a")})
    ddb.update_table(TableName=table, StreamSpecification={"StreamEnabled": False})
    ddb.delete_table(TableName=other)
    listed = {s["StreamArn"] for s in streams.list_streams()["Streams"]}
    assert {arn, other_arn} <= listed
    wait_for(lambda: not {arn, other_arn} & {s["StreamArn"] for s in
                                             streams.list_streams()["Streams"]},
             8, "disabled streams are forgotten after the retention", step=0.1)
    assert streams.list_streams(TableName=table)["Streams"] == []
    for gone in (arn, other_arn):
        assert_error(streams.describe_stream, "ResourceNotFoundException",
                     "Requested resource not found: Stream: %s not found" % gone,
                     StreamArn=gone)
    # the table itself still names its last stream
    assert ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"] == arn
    # enabling again makes a new stream that works
    out = ddb.update_table(TableName=table, StreamSpecification={"StreamEnabled": True,
                                                                 "StreamViewType": "KEYS_ONLY"})
    new_arn = out["TableDescription"]["LatestStreamArn"]
    assert new_arn != arn
    ddb.put_item(TableName=table, Item={"pk": S("b")})
    assert [r["dynamodb"]["Keys"] for r in read_stream(streams, new_arn)] == [{"pk": S("b")}]


def test_iterator_of_a_forgotten_stream_reads_no_other_stream(start_server, tmp_path):
    """After a restart a new stream must not answer for a forgotten one whose
    iterators are still unexpired."""
    srv = start_server("--stream-retention", "1", data_dir=tmp_path / "data")
    ddb = make_client(srv.endpoint)
    streams = make_streams_client(srv.endpoint)
    stream_table(ddb)
    gone_table, gone_arn = stream_table(ddb)
    [shard] = all_shards(streams, gone_arn)
    it = streams.get_shard_iterator(StreamArn=gone_arn, ShardId=shard["ShardId"],
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    ddb.delete_table(TableName=gone_table)
    wait_for(lambda: gone_arn not in {s["StreamArn"] for s in streams.list_streams()["Streams"]},
             8, "the deleted table's stream is forgotten", step=0.1)
    assert srv.stop(signal.SIGTERM) == 0, srv.log_tail()
    srv2 = start_server("--stream-retention", "1", data_dir=tmp_path / "data")
    ddb = make_client(srv2.endpoint)
    streams = make_streams_client(srv2.endpoint)
    new_table, new_arn = stream_table(ddb)
    ddb.put_item(TableName=new_table, Item={"pk": S("private")})
    assert_error(streams.get_records, "TrimmedDataAccessException", ShardIterator=it)
    assert [r["dynamodb"]["Keys"] for r in read_stream(streams, new_arn)] == [{"pk": S("private")}]


# --------------------------------------------------------------------------------------
# Restarts and crashes


def test_records_survive_a_restart(start_server, tmp_path):
    srv = start_server(data_dir=tmp_path / "data")
    ddb = make_client(srv.endpoint)
    streams = make_streams_client(srv.endpoint)
    table, arn = stream_table(ddb, "NEW_AND_OLD_IMAGES")
    disabled_table, disabled_arn = stream_table(ddb, "KEYS_ONLY")
    ddb.put_item(TableName=disabled_table, Item={"pk": S("z")})
    ddb.update_table(TableName=disabled_table, StreamSpecification={"StreamEnabled": False})
    for i in range(5):
        ddb.put_item(TableName=table, Item={"pk": S("k%d" % i), "v": N(i)})
    ddb.update_item(TableName=table, Key={"pk": S("k0")}, UpdateExpression="SET v = :v",
                    ExpressionAttributeValues={":v": S("changed")})
    ddb.delete_item(TableName=table, Key={"pk": S("k1")})
    before = read_stream(streams, arn)
    before_disabled = streams.describe_stream(StreamArn=disabled_arn)["StreamDescription"]
    [shard] = all_shards(streams, arn)
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                    ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                                    SequenceNumber=before[-1]["dynamodb"]["SequenceNumber"]
                                    )["ShardIterator"]
    assert srv.stop(signal.SIGTERM) == 0, srv.log_tail()

    srv2 = start_server(data_dir=tmp_path / "data")
    ddb = make_client(srv2.endpoint)
    streams = make_streams_client(srv2.endpoint)
    assert read_stream(streams, arn) == before
    assert all_shards(streams, arn) == [shard]
    assert streams.describe_stream(StreamArn=disabled_arn)["StreamDescription"] == before_disabled
    listed = {s["StreamArn"] for s in streams.list_streams()["Streams"]}
    assert {arn, disabled_arn} <= listed
    # sequence numbers go on increasing; an iterator from before still works
    ddb.put_item(TableName=table, Item={"pk": S("after")})
    r = streams.get_records(ShardIterator=it)
    assert [x["dynamodb"]["Keys"]["pk"]["S"] for x in r["Records"]] == ["after"]
    assert int(r["Records"][0]["dynamodb"]["SequenceNumber"]) > int(
        before[-1]["dynamodb"]["SequenceNumber"])
    ids = {x["eventID"] for x in before}
    assert r["Records"][0]["eventID"] not in ids


def test_kill_during_writes_keeps_records_and_items_consistent(start_server, tmp_path):
    srv = start_server(data_dir=tmp_path / "data")
    ddb = make_client(srv.endpoint)
    streams = make_streams_client(srv.endpoint)
    table, arn = stream_table(ddb, "NEW_AND_OLD_IMAGES")
    writers = 4
    acked = {}  # key -> its counter after the last acknowledged write (0: absent)
    in_flight = [None] * writers  # (key, counter if that write committed)
    stop = threading.Event()

    def writer(w):
        c = make_client(srv.endpoint)
        for i in range(3000):
            if stop.is_set():
                return
            k = "w%d-%d" % (w, i % 6)
            try:
                if i % 17 == 16:
                    in_flight[w] = (k, 0)
                    c.delete_item(TableName=table, Key={"pk": S(k)})
                else:
                    in_flight[w] = (k, acked.get(k, 0) + 1)
                    c.update_item(TableName=table, Key={"pk": S(k)}, UpdateExpression="ADD n :o",
                                  ExpressionAttributeValues={":o": N("1")})
            except Exception:
                return
            acked[k] = in_flight[w][1]
            in_flight[w] = None

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    srv.kill()
    stop.set()
    for t in threads:
        t.join(30)
    assert len(acked) > 4 and sum(acked.values()) > 20

    srv2 = start_server(data_dir=tmp_path / "data")
    ddb = make_client(srv2.endpoint)
    streams = make_streams_client(srv2.endpoint)
    items = {}
    for page in ddb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        for it in page["Items"]:
            items[it["pk"]["S"]] = it
    records = read_stream(streams, arn)
    # replaying the records gives exactly the table
    replay = {}
    for r in records:
        k = r["dynamodb"]["Keys"]["pk"]["S"]
        if r["eventName"] == "REMOVE":
            assert replay.get(k) == r["dynamodb"]["OldImage"]
            del replay[k]
        else:
            assert replay.get(k) == r["dynamodb"].get("OldImage"), "records follow each other"
            replay[k] = r["dynamodb"]["NewImage"]
    assert replay == items
    # each acknowledged write is there; the write in flight may or may not be
    pending = {f[0]: f[1] for f in in_flight if f}
    for k, count in acked.items():
        got = int(items[k]["n"]["N"]) if k in items else 0
        assert got == count or got == pending.get(k), (k, count, got)
    assert set(items) <= set(acked) | set(pending)
    seqs = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    # and the stream goes on
    ddb.put_item(TableName=table, Item={"pk": S("after-crash")})
    assert read_stream(streams, arn)[-1]["dynamodb"]["Keys"] == {"pk": S("after-crash")}
