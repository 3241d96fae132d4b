"""The store's journal (--data-dir): a write is acknowledged once its journal
record is on the disk; LMDB's file is synced at checkpoints.  A start after
a crash replays the records after the last checkpoint, from that
checkpoint's snapshot, so it also recovers a data file whose unsynced pages
a crash of the system left in any state: emulated here by garbling LMDB's
two meta pages after a kill -9 (LMDB alone would refuse such a file)."""

import os
import shutil
import signal
import threading
import time

import pytest

from conftest import Server, make_client, small_tmpfs, unique_name, wait_active
from streamhelp import make_streams_client
from test_scale import drop_stored_counts

pytestmark = pytest.mark.slow

PREV_BIN = os.environ.get("DDBD_PREV_BIN")


def garble_meta_pages(data_dir):
    with open(os.path.join(str(data_dir), "data.mdb"), "r+b") as f:
        for at in (0, 4096):
            f.seek(at)
            f.write(b"\x5a" * 512)


def create_table(c, name):
    c.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "g", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[{"IndexName": "byG",
                                 "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "ALL"}}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    wait_active(c, name)


def scan_all(c, name, **kw):
    items, args = [], dict(TableName=name, ConsistentRead=True, **kw)
    if "IndexName" in kw:
        del args["ConsistentRead"]
    while True:
        r = c.scan(**args)
        items += r["Items"]
        if "LastEvaluatedKey" not in r:
            return items
        args["ExclusiveStartKey"] = r["LastEvaluatedKey"]


def stream_events(endpoint, c, name):
    s = make_streams_client(endpoint)
    arn = c.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    events = []
    for shard in s.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        it = s.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                  ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while it:
            r = s.get_records(ShardIterator=it, Limit=1000)
            events += [(e["eventName"], e["dynamodb"]["Keys"]["pk"]["S"]) for e in r["Records"]]
            if not r["Records"]:
                break
            it = r.get("NextShardIterator")
    return events


def run_writers(srv, name, seconds, workers=4):
    """Each worker owns its keys and puts, updates, deletes and transacts on
    them until the server dies.  Returns per key the states it may be in
    after the crash: the last acknowledged one, and for the one write a
    worker had in flight, the state that write makes too."""
    states, lock, dying, errors = {}, threading.Lock(), threading.Event(), []

    def worker(w):
        client = make_client(srv.endpoint, read_timeout=10)
        n = 0
        while True:
            key = "w%d-%d" % (w, n % 40)
            item = {"pk": {"S": key}, "g": {"S": "g%d" % (n % 7)}, "n": {"N": str(n)},
                    "pad": {"S": "p" * (n % 300)}}
            step = n % 4
            try:
                if step == 3:
                    with lock:
                        states[key] = [states.get(key, [None])[0], None]
                    client.delete_item(TableName=name, Key={"pk": {"S": key}})
                    new = None
                elif step == 2:
                    other = "w%d-x%d" % (w, n % 5)
                    with lock:
                        states[key] = [states.get(key, [None])[0], item]
                        states[other] = [states.get(other, [None])[0], {"pk": {"S": other}}]
                    client.transact_write_items(TransactItems=[
                        {"Put": {"TableName": name, "Item": item}},
                        {"Put": {"TableName": name, "Item": {"pk": {"S": other}}}}])
                    with lock:
                        states[other] = [{"pk": {"S": other}}]
                    new = item
                else:
                    with lock:
                        states[key] = [states.get(key, [None])[0], item]
                    client.put_item(TableName=name, Item=item)
                    new = item
            except Exception as e:  # noqa: BLE001 - the server dies mid-request
                if not dying.is_set():
                    errors.append(e)
                return
            with lock:
                states[key] = [new]
            n += 1

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(workers)]
    for t in threads:
        t.start()
    time.sleep(seconds)
    dying.set()
    srv.kill()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors[:3]
    return states


def check_states(c, name, states):
    got = {i["pk"]["S"]: i for i in scan_all(c, name)}
    wrong = [(k, got.get(k), allowed) for k, allowed in states.items()
             if got.get(k) not in allowed]
    assert not wrong, "%d of %d keys not in an acknowledged state, e.g. %r" % (
        len(wrong), len(states), wrong[:3])
    assert set(got) <= set(states)
    # the index holds exactly the table's items that have its key
    in_index = sorted(i["pk"]["S"] for i in scan_all(c, name, IndexName="byG"))
    assert in_index == sorted(k for k, i in got.items() if "g" in i)
    return got


def replayed(srv):
    with open(srv.logpath, "rb") as f:
        lines = [line for line in f.read().decode(errors="replace").splitlines()
                 if "transactions replayed" in line]
    return int(lines[-1].split("journal: ")[1].split()[0]) if lines else 0


def test_a_system_crash_emulated_loses_no_acknowledged_write(spawn_server):
    srv = spawn_server()
    c = make_client(srv.endpoint)
    name = unique_name("jr")
    create_table(c, name)
    states = run_writers(srv, name, 2.5)
    assert len(states) > 40
    garble_meta_pages(srv.data_dir)

    srv2 = spawn_server(data_dir=srv.data_dir)
    c2 = make_client(srv2.endpoint)
    wait_active(c2, name)
    assert replayed(srv2) > 0, srv2.log_tail()
    got = check_states(c2, name, states)
    # the stream holds a record for each change that is there: a key's last
    # record says what became of it
    last = {}
    for event, key in stream_events(srv2.endpoint, c2, name):
        last[key] = event
    for key, item in got.items():
        assert last.get(key) in ("INSERT", "MODIFY"), key
    for key in set(states) - set(got):
        assert last.get(key) in (None, "REMOVE"), key
    # and the store goes on: written, stopped, started again with all of it
    c2.put_item(TableName=name, Item={"pk": {"S": "after"}, "g": {"S": "a"}})
    assert srv2.stop() == 0, srv2.log_tail()
    srv3 = spawn_server(data_dir=srv.data_dir)
    assert replayed(srv3) == 0, srv3.log_tail()
    c3 = make_client(srv3.endpoint)
    assert c3.get_item(TableName=name, Key={"pk": {"S": "after"}})["Item"]["g"] == {"S": "a"}
    assert {i["pk"]["S"] for i in scan_all(c3, name)} == set(got) | {"after"}


def test_a_clean_stop_leaves_nothing_to_replay(spawn_server):
    srv = spawn_server()
    c = make_client(srv.endpoint)
    name = unique_name("jr")
    create_table(c, name)
    for i in range(50):
        c.put_item(TableName=name, Item={"pk": {"S": "k%d" % i}, "g": {"S": "x"}})
    journal = os.path.join(str(srv.data_dir), "journal")
    size = os.path.getsize(journal)
    assert 256 << 10 <= size <= 64 << 20
    # sparse: a few writes take a few blocks, not the whole length
    assert os.stat(journal).st_blocks * 512 < 4 << 20
    assert srv.stop(signal.SIGTERM) == 0, srv.log_tail()
    srv2 = spawn_server(data_dir=srv.data_dir)
    assert replayed(srv2) == 0, srv2.log_tail()
    assert "journal: not applied" not in srv2.log_tail()
    assert len(scan_all(make_client(srv2.endpoint), name)) == 50


def test_a_store_written_by_another_program_after_a_crash_is_taken_as_it_is(spawn_server):
    """After a kill -9, a program other than ddbd (here LMDB itself) commits
    to the store: the journal, which does not hold that commit, is not put
    back over it."""
    srv = spawn_server()
    c = make_client(srv.endpoint)
    name = unique_name("jr")
    create_table(c, name)
    for i in range(30):
        c.put_item(TableName=name, Item={"pk": {"S": "k%d" % i}})
    srv.kill()
    drop_stored_counts(srv.data_dir)  # one LMDB commit the journal never saw
    srv2 = spawn_server(data_dir=srv.data_dir)
    assert "journal: not applied: the store has commits it does not hold" in srv2.log_tail()
    assert "without stored counts" in srv2.log_tail()  # the other program's commit is there
    assert len(scan_all(make_client(srv2.endpoint), name)) == 30


def test_a_data_directory_without_a_journal_gets_one(spawn_server):
    """A data directory of an earlier release (LMDB's file synced, no
    journal) opens as it is, and is journaled from then on."""
    srv = spawn_server()
    c = make_client(srv.endpoint)
    name = unique_name("jr")
    create_table(c, name)
    c.put_item(TableName=name, Item={"pk": {"S": "old"}})
    assert srv.stop() == 0, srv.log_tail()
    os.unlink(os.path.join(str(srv.data_dir), "journal"))
    srv2 = spawn_server(data_dir=srv.data_dir)
    c2 = make_client(srv2.endpoint)
    assert c2.get_item(TableName=name, Key={"pk": {"S": "old"}})["Item"]
    c2.put_item(TableName=name, Item={"pk": {"S": "new"}})
    srv2.kill()
    garble_meta_pages(srv.data_dir)
    srv3 = spawn_server(data_dir=srv.data_dir)
    c3 = make_client(srv3.endpoint)
    assert {i["pk"]["S"] for i in scan_all(c3, name)} == {"old", "new"}


def test_a_journal_beside_another_store_is_not_applied(spawn_server, tmp_path):
    a = spawn_server(data_dir=tmp_path / "a")
    ca = make_client(a.endpoint)
    name = unique_name("jr")
    create_table(ca, name)
    for i in range(20):
        ca.put_item(TableName=name, Item={"pk": {"S": "a%d" % i}})
    a.kill()
    b = spawn_server(data_dir=tmp_path / "b")
    cb = make_client(b.endpoint)
    create_table(cb, name)
    cb.put_item(TableName=name, Item={"pk": {"S": "b"}})
    assert b.stop() == 0, b.log_tail()
    shutil.copy(tmp_path / "a" / "journal", tmp_path / "b" / "journal")
    b2 = spawn_server(data_dir=tmp_path / "b")
    assert "journal: not applied: it was kept for another store" in b2.log_tail()
    assert replayed(b2) == 0
    assert [i["pk"]["S"] for i in scan_all(make_client(b2.endpoint), name)] == ["b"]


def test_writes_bigger_than_a_small_journal_holds_are_durable(spawn_server):
    """On a 16 MiB file system the journal is 1 MiB: a 300 KB item's record
    would take more than a quarter of it, so that write is acknowledged
    once a checkpoint has synced it."""
    with small_tmpfs("16m") as mnt:
        data = os.path.join(mnt, "data")
        srv = spawn_server(data_dir=data)
        assert os.path.getsize(os.path.join(data, "journal")) <= 1 << 20
        c = make_client(srv.endpoint)
        name = unique_name("jr")
        create_table(c, name)
        for i in range(4):
            c.put_item(TableName=name,
                       Item={"pk": {"S": "big%d" % i}, "v": {"S": "%d" % i * 300000}})
            c.put_item(TableName=name, Item={"pk": {"S": "small%d" % i}})
        srv.kill()
        garble_meta_pages(data)
        srv2 = spawn_server(data_dir=data)
        c2 = make_client(srv2.endpoint)
        got = {i["pk"]["S"]: i for i in scan_all(c2, name)}
        assert sorted(got) == sorted(["big%d" % i for i in range(4)] +
                                     ["small%d" % i for i in range(4)])
        assert all(got["big%d" % i]["v"]["S"] == "%d" % i * 300000 for i in range(4))
        assert srv2.stop() == 0, srv2.log_tail()


@pytest.mark.skipif(not PREV_BIN, reason="DDBD_PREV_BIN (the previous release's binary) not set")
def test_the_previous_release_and_this_one_take_turns_on_a_directory(spawn_server, tmp_path):
    """The previous release knows no journal.  After a clean stop of this one
    it opens the store as it is; after a kill -9 of this one too (LMDB's file
    is intact on the same machine), and what it commits then is kept when
    this release starts again: the journal, which lacks those commits, is
    not put back over them."""
    data = tmp_path / "d"

    def previous(keys_there, key_added):
        old = Server(data_dir=data, binary=PREV_BIN).start()
        try:
            c = make_client(old.endpoint)
            assert sorted(i["pk"]["S"] for i in scan_all(c, name)) == keys_there
            c.put_item(TableName=name, Item={"pk": {"S": key_added}})
            assert old.stop() == 0, old.log_tail()
        finally:
            if old.alive():
                old.kill()
            old.cleanup()

    srv = spawn_server(data_dir=data)
    c = make_client(srv.endpoint)
    name = unique_name("jr")
    create_table(c, name)
    c.put_item(TableName=name, Item={"pk": {"S": "k1"}})
    assert srv.stop() == 0, srv.log_tail()
    previous(["k1"], "k2")
    srv2 = spawn_server(data_dir=data)
    assert "journal: not applied" not in srv2.log_tail()
    c2 = make_client(srv2.endpoint)
    c2.put_item(TableName=name, Item={"pk": {"S": "k3"}})
    srv2.kill()
    previous(["k1", "k2", "k3"], "k4")
    srv3 = spawn_server(data_dir=data)
    assert "journal: not applied: the store has commits it does not hold" in srv3.log_tail()
    assert sorted(i["pk"]["S"] for i in scan_all(make_client(srv3.endpoint), name)) == [
        "k1", "k2", "k3", "k4"]
