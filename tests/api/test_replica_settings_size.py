"""A replica's settings (the members of a ReplicaUpdates Create or Update
besides RegionName) are kept with the table's group and shown in its
description: members the model does not have are ignored (neither kept nor
shown, however long), and settings longer than a replica keeps are a
ValidationException, never an internal error.  The peer region is an
address nobody listens on: building the replica keeps failing in the
background, which does not matter to these answers."""

import pytest

from conftest import free_port, raw_call, unique_name, wait_for

TOO_LONG = ("One or more parameter values were invalid: The replica's settings "
            "(KMSMasterKeyId, overrides and GlobalSecondaryIndexes) are too long.")  # unverified
NO_ACTIONS = "There are no actions specified in the Replica Update Action of the request."
PEER = "eu-west-1"


@pytest.fixture
def port(spawn_server):
    srv = spawn_server(in_memory=True, extra_args=[
        "--peer-region", "%s=http://127.0.0.1:%d" % (PEER, free_port())])
    return srv.port


def make_table(port):
    name = unique_name("rs")
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
