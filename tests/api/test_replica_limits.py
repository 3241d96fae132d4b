"""The limits of what a server keeps of its global tables, answered as
errors of the client's, never as internal errors: a replica's settings (the
members of a ReplicaUpdates Create or Update besides RegionName) are kept
with the table's group and shown in its description: members the model
does not have are ignored (neither kept nor shown, however long), and
settings longer than a replica keeps are a ValidationException; a first
replica of one table more than the server keeps groups of is a
LimitExceededException.  The peer region is an address nobody listens on:
building the replica keeps failing in the background, which does not
matter to these answers."""

import pytest

from conftest import free_port, raw_call, raw_request, unique_name, wait_for

TOO_LONG = ("One or more parameter values were invalid: The replica's settings "
            "(KMSMasterKeyId, overrides and GlobalSecondaryIndexes) are too long.")  # unverified
GROUPS_LIMIT = ("Subscriber limit exceeded: Number of tables with replicas exceeds the limit "
                "of 256")  # unverified
GROUPS_MAX = 256
NO_ACTIONS = "There are no actions specified in the Replica Update Action of the request."
PEER = "eu-west-1"


@pytest.fixture
def port(spawn_server):
    srv = spawn_server(in_memory=True, extra_args=[
        "--peer-region", "%s=http://127.0.0.1:%d" % (PEER, free_port())])
    return srv.port


def make_table(port, name=None):
    name = name or unique_name("rs")
    r = raw_call(port, "CreateTable", {
        "TableName": name, "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"},
                                 {"AttributeName": "g", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
        "GlobalSecondaryIndexes": [{"IndexName": "gidx",
                                    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                    "Projection": {"ProjectionType": "ALL"}}]})
    assert r.status == 200, r.body
    return name


def replicas(port, name):
    r = raw_call(port, "DescribeTable", {"TableName": name})
    assert r.status == 200, r.body
    return r.json()["Table"].get("Replicas")


def replica_update(port, name, action, **settings):
    return raw_call(port, "UpdateTable", {"TableName": name, "ReplicaUpdates": [
        {action: dict(RegionName=PEER, **settings)}]})


def long_gsis(n):
    return [{"IndexName": ("i%03d" % i) + "x" * 251,
             "ProvisionedThroughputOverride": {"ReadCapacityUnits": 5}} for i in range(n)]


@pytest.mark.parametrize("settings", [
    {"KMSMasterKeyId": "k" * 9000},
    {"GlobalSecondaryIndexes": long_gsis(40)},
    {"KMSMasterKeyId": "alias/" + "k" * 4000, "GlobalSecondaryIndexes": long_gsis(15)},
], ids=["kms-key", "indexes", "both"])
def test_create_with_settings_too_long_is_a_validation_error(port, settings):
    name = make_table(port)
    r = replica_update(port, name, "Create", **settings)
    assert (r.status, r.error_type, r.error_message) == (400, "ValidationException", TOO_LONG)
    assert replicas(port, name) is None  # still a regional table
    # the same replica with settings that fit is added
    fits = [{"IndexName": "gidx", "ProvisionedThroughputOverride": {"ReadCapacityUnits": 5}}]
    r = replica_update(port, name, "Create", KMSMasterKeyId="alias/k",
                       GlobalSecondaryIndexes=fits)
    assert r.status == 200, r.body
    got = replicas(port, name)
    assert [x["RegionName"] for x in got] == [PEER]
    assert got[0]["KMSMasterKeyId"] == "alias/k"
    assert got[0]["GlobalSecondaryIndexes"] == fits


def test_update_with_settings_too_long_is_a_validation_error(port):
    name = make_table(port)
    assert replica_update(port, name, "Create").status == 200
    r = replica_update(port, name, "Update", KMSMasterKeyId="k" * 9000)
    assert (r.status, r.error_type, r.error_message) == (400, "ValidationException", TOO_LONG)
    assert "KMSMasterKeyId" not in replicas(port, name)[0]
    r = replica_update(port, name, "Update", KMSMasterKeyId="alias/short")
    assert r.status == 200, r.body
    assert replicas(port, name)[0]["KMSMasterKeyId"] == "alias/short"


def test_members_the_model_lacks_are_neither_kept_nor_shown(port):
    name = make_table(port)
    junk = "j" * 20000  # longer than any settings kept
    r = replica_update(port, name, "Create", Junk=junk, TableClassOverride="STANDARD",
                       ProvisionedThroughputOverride={"ReadCapacityUnits": 7, "Junk": junk},
                       GlobalSecondaryIndexes=[{"IndexName": "gidx", "Junk": junk,
                                                "OnDemandThroughputOverride": {
                                                    "MaxReadRequestUnits": 9, "Junk": junk}}])
    assert r.status == 200, r.body
    got = replicas(port, name)
    assert len(got) == 1
    assert "Junk" not in got[0]
    assert got[0]["ProvisionedThroughputOverride"] == {"ReadCapacityUnits": 7}
    assert got[0]["GlobalSecondaryIndexes"] == [
        {"IndexName": "gidx", "OnDemandThroughputOverride": {"MaxReadRequestUnits": 9}}]
    assert got[0]["ReplicaTableClassSummary"] == {"TableClass": "STANDARD"}
    # an Update of nothing but unknown members is an Update of nothing
    r = replica_update(port, name, "Update", Junk=junk)
    assert (r.status, r.error_type, r.error_message) == (400, "ValidationException", NO_ACTIONS)
    # the server still answers
    assert wait_for(lambda: replicas(port, name) is not None, 5, "description")


def test_one_table_with_replicas_more_than_kept_is_a_limit_error(port):
    names = [make_table(port, "gl%03d" % i) for i in range(GROUPS_MAX + 1)]
    for name in names[:GROUPS_MAX]:
        r = replica_update(port, name, "Create")
        assert r.status == 200, (name, r.body)
    for _ in range(2):  # refused untried, and again
        r = replica_update(port, names[-1], "Create")
        assert (r.status, r.error_type, r.error_message) == \
            (400, "LimitExceededException", GROUPS_LIMIT)
    assert replicas(port, names[-1]) is None
    # a peer's announcement of a group for that table is refused alike
    r = raw_request(port, {"TableName": names[-1], "Members": [
        {"RegionName": "us-east-1", "ReplicaStatus": "ACTIVE"},
        {"RegionName": PEER, "ReplicaStatus": "ACTIVE"}]},
        target="DdbdReplication_20261130.SetGroup")
    assert (r.status, r.error_type, r.error_message) == \
        (400, "LimitExceededException", GROUPS_LIMIT)
    # the tables that have replicas keep theirs, and every table takes writes
    assert [x["RegionName"] for x in replicas(port, names[0])] == [PEER]
    r = replica_update(port, names[0], "Update", KMSMasterKeyId="alias/k")
    assert r.status == 200, r.body
    for name in (names[0], names[-1]):
        r = raw_call(port, "PutItem", {"TableName": name, "Item": {"k": {"S": "a"}}})
        assert r.status == 200, r.body
