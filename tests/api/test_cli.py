"""Smoke test with the AWS CLI (Debian's awscli package, /usr/bin/aws)."""

import json
import os
import subprocess

import pytest

from conftest import unique_name

AWS = "/usr/bin/aws"


@pytest.fixture
def aws(server, tmp_path):
    if not os.path.exists(AWS):
        pytest.skip("AWS CLI not installed at %s" % AWS)
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_PAGER": "",
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        "AWS_MAX_ATTEMPTS": "1",
    }

    def run(*args):
        cmd = [AWS, "dynamodb"] + list(args) + ["--endpoint-url", server.endpoint,
                                                "--output", "json"]
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, "%s\nstdout: %s\nstderr: %s" % (cmd, p.stdout, p.stderr)
        return json.loads(p.stdout) if p.stdout.strip() else {}

    return run


def test_cli_round_trip(aws, ddb):
    name = unique_name("cli")
    try:
        out = aws("create-table", "--table-name", name,
                  "--attribute-definitions", "AttributeName=id,AttributeType=S",
                  "--key-schema", "AttributeName=id,KeyType=HASH",
                  "--billing-mode", "PAY_PER_REQUEST")
        assert out["TableDescription"]["TableName"] == name
        ddb.get_waiter("table_exists").wait(TableName=name,
                                            WaiterConfig={"Delay": 1, "MaxAttempts": 15})
        item = {"id": {"S": "one"}, "n": {"N": "1.50"}, "l": {"L": [{"BOOL": True}]}}
        assert aws("put-item", "--table-name", name, "--item", json.dumps(item)) == {}
        got = aws("get-item", "--table-name", name, "--key", json.dumps({"id": {"S": "one"}}),
                  "--consistent-read")
        assert got["Item"] == {"id": {"S": "one"}, "n": {"N": "1.5"},
                               "l": {"L": [{"BOOL": True}]}}
        listed = aws("list-tables")
        assert name in listed["TableNames"]
        out = aws("delete-table", "--table-name", name)
        assert out["TableDescription"]["TableStatus"] == "DELETING"
    finally:
        try:
            ddb.delete_table(TableName=name)
        except Exception:
            pass
