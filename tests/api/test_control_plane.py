"""DescribeEndpoints, DescribeLimits and resource-based policies
(PutResourcePolicy, GetResourcePolicy, DeleteResourcePolicy, CreateTable's
ResourcePolicy), through boto3 (with the newer model, newermodel.py),
raw requests and the AWS CLI."""

import json
import os
import subprocess

import pytest

import newermodel
from conftest import REGION, assert_error, make_client, raw_call, unique_name, wait_active

ACCOUNT = "000000000000"
VAL = "ValidationException"
INVALID = "One or more parameter values were invalid: "
PNF = "PolicyNotFoundException"
AWS = "/usr/bin/aws"


def arn_of(name, region=REGION, account=ACCOUNT):
    return "arn:aws:dynamodb:%s:%s:table/%s" % (region, account, name)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return newermodel.write_data_dir(tmp_path_factory.mktemp("model"))


@pytest.fixture(scope="module")
def pol(server, data_dir):
    return newermodel.client(server.endpoint, data_dir)


def doc(action="dynamodb:GetItem", effect="Allow", principal=None, **extra):
    st = {"Effect": effect, "Principal": principal or {"AWS": "111122223333"},
          "Action": [action], "Resource": "*"}
    st.update(extra)
    return json.dumps({"Version": "2012-10-17", "Statement": [st]})


def canonical(action="dynamodb:GetItem", effect="Allow"):
    return ('{"Version":"2012-10-17","Statement":[{"Effect":"%s","Principal":{"AWS":'
            '"arn:aws:iam::111122223333:root"},"Action":"%s","Resource":"*"}]}' % (effect, action))


# --- DescribeEndpoints, DescribeLimits ------------------------------------------------------


def test_describe_endpoints(ddb, server, port):
    out = ddb.describe_endpoints()
    assert out["Endpoints"] == [{"Address": "127.0.0.1:%d" % port, "CachePeriodInMinutes": 1440}]
    r = raw_call(port, "DescribeEndpoints", {})
    assert r.status == 200 and r.json() == {"Endpoints": out["Endpoints"]}


def test_describe_limits(ddb, port):
    want = {"AccountMaxReadCapacityUnits": 80000, "AccountMaxWriteCapacityUnits": 80000,
            "TableMaxReadCapacityUnits": 40000, "TableMaxWriteCapacityUnits": 40000}
    r = raw_call(port, "DescribeLimits", {})
    assert r.status == 200 and r.json() == want
    out = ddb.describe_limits()
    del out["ResponseMetadata"]
    assert out == want


# --- resource policies ------------------------------------------------------------------------


def test_put_get_delete(pol, make_table):
    arn = arn_of(make_table())
    missing = "Resource-based policy not found for the provided ResourceArn: " + arn
    assert_error(pol.get_resource_policy, PNF, missing, ResourceArn=arn)
    assert pol.delete_resource_policy(ResourceArn=arn).get("RevisionId") is None
    rev = pol.put_resource_policy(ResourceArn=arn, Policy=doc())["RevisionId"]
    assert rev.isdigit()
    got = pol.get_resource_policy(ResourceArn=arn)
    assert (got["Policy"], got["RevisionId"]) == (canonical(), rev)
    # the same policy (spelled otherwise) again: nothing changes
    again = pol.put_resource_policy(ResourceArn=arn, Policy=json.dumps(json.loads(doc()),
                                                                         indent=4))
    assert again["RevisionId"] == rev
    rev2 = pol.put_resource_policy(ResourceArn=arn, Policy=doc("dynamodb:PutItem"),
                                   ExpectedRevisionId=rev,
                                   ConfirmRemoveSelfResourceAccess=True)["RevisionId"]
    assert int(rev2) > int(rev)
    name = arn.rsplit("/", 1)[1]
    assert_error(pol.put_resource_policy, PNF,
                 "Resource-based policy not found for the provided ResourceArn: Requested update "
                 "for policy with revision id %s, but the policy associated to target table %s "
                 "has revision id %s." % (rev, name, rev2),
                 ResourceArn=arn, Policy=doc("dynamodb:Query"), ExpectedRevisionId=rev)
    assert_error(pol.put_resource_policy, PNF,
                 "Resource-based policy not found for the provided ResourceArn: Requested policy "
                 "update expecting none to be present for table %s, but a policy exists with "
                 "revision id %s." % (name, rev2),
                 ResourceArn=arn, Policy=doc("dynamodb:Query"), ExpectedRevisionId="NO_POLICY")
    assert_error(pol.delete_resource_policy, PNF,
                 "Resource-based policy not found for the provided ResourceArn: Requested update "
                 "for policy with revision id unknown, but the policy associated to target table "
                 "%s has revision id %s." % (name, rev2),
                 ResourceArn=arn, ExpectedRevisionId="unknown")
    assert pol.get_resource_policy(ResourceArn=arn)["Policy"] == canonical("dynamodb:PutItem")
    assert pol.delete_resource_policy(ResourceArn=arn, ExpectedRevisionId=rev2)["RevisionId"] \
        == rev2
    assert_error(pol.get_resource_policy, PNF, missing, ResourceArn=arn)
    assert pol.put_resource_policy(ResourceArn=arn, Policy=doc(),
                                   ExpectedRevisionId="NO_POLICY")["RevisionId"].isdigit()


def test_canonical_form(pol, make_table):
    arn = arn_of(make_table())
    sent = {"Statement": {"Resource": ["*"], "Action": "dynamodb:*", "Condition": {
        "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, "Principal": {"AWS": [
            "111122223333", "arn:aws:iam::444455556666:user/u"]}, "Effect": "Allow", "Sid": "s1"}}
    pol.put_resource_policy(ResourceArn=arn, Policy=json.dumps(sent))
    assert pol.get_resource_policy(ResourceArn=arn)["Policy"] == (
        '{"Version":"2008-10-17","Statement":[{"Sid":"s1","Effect":"Allow","Principal":{"AWS":'
        '["arn:aws:iam::111122223333:root","arn:aws:iam::444455556666:user/u"]},"Action":'
        '"dynamodb:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}')


DOC = INVALID + "Invalid policy document: "


@pytest.mark.parametrize("policy, message", [
    ("{not json", DOC + "This policy contains invalid Json"),
    ("", DOC + "This policy contains invalid Json"),
    ('{"Version":"2012-10-17","Statement":[]}', DOC + "Could not parse the policy: Statement is "
     "empty!"),
    (json.dumps({"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "dynamodb:*"}]}),
     DOC + "Missing required field Resource"),
    (json.dumps({"Statement": [json.loads(doc())["Statement"][0] | {"Sid": "a"},
                               json.loads(doc())["Statement"][0] | {"Sid": "a"}]}),
     DOC + "The Statement Ids in the policy are not unique"),
    (doc("dynamodb:GetRecords"), DOC + 'The following action names are invalid: '
     '"dynamodb:GetRecords"'),
    (doc(principal="*"), "Resource-based policy grants unbounded access in one or more elements. "
     "Please revise the policy to ensure least-privilege form of access"),
    # message unverified: the texts below are inferred
    (doc(principal={"AWS": "someone"}), "Invalid principal in policy document."),
    (doc(effect="Maybe"), DOC + "Invalid effect: Maybe"),
    (json.dumps({"Version": "2020-01-01", "Statement": json.loads(doc())["Statement"]}),
     DOC + "The policy must contain a valid version string"),
])
def test_bad_documents(pol, make_table, policy, message):
    arn = arn_of(make_table())
    assert_error(pol.put_resource_policy, VAL, message, ResourceArn=arn, Policy=policy)
    assert_error(pol.get_resource_policy, PNF, ResourceArn=arn)


def test_size_limit(pol, make_table):
    arn = arn_of(make_table())
    base = doc()
    at_limit = base[:-1] + " " * (20480 - len(base)) + "}"
    assert len(at_limit) == 20480
    pol.put_resource_policy(ResourceArn=arn, Policy=at_limit)
    assert pol.get_resource_policy(ResourceArn=arn)["Policy"] == canonical()
    assert_error(pol.put_resource_policy, VAL,
                 INVALID + "Maximum policy size of 20480 bytes exceeded",
                 ResourceArn=arn, Policy=at_limit[:-1] + " }")


def test_arn_forms(pol, ddb, make_table):
    name = make_table(StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    arn = arn_of(name)
    stream = ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    cases = [
        (name, VAL, INVALID + "ARNs must start with 'arn:': " + name),
        (arn + "/index/gsi", VAL, INVALID + "Invalid resource arn provided, only table or stream "
         "is accepted. Provided resource arn: " + arn + "/index/gsi"),
        (arn + "/backup/0170", VAL,
         INVALID + "Provided Arn is not a DynamoDB resource arn: " + arn + "/backup/0170"),
        (arn_of(name, "us-west-2"), VAL, INVALID + "Invalid resource Arn: " +
         arn_of(name, "us-west-2")),
        (arn.replace("arn:aws:", "arn:aws-cn:"), VAL,
         INVALID + "Invalid resource Arn: " + arn.replace("arn:aws:", "arn:aws-cn:")),
        (arn_of(name, account="123456789012"), VAL, "This action is only supported by accounts "
         "that match the resource owner\u2019s account."),
        (arn_of(name.upper()), "ResourceNotFoundException",
         "Requested resource not found: Table: %s not found" % name.upper()),
        (arn + "/stream/2000-01-01T00:00:00.000", "ResourceNotFoundException",
         "Requested resource not found: Stream: 2000-01-01T00:00:00.000 not found for Table: " +
         name),
    ]
    for bad, code, message in cases:
        assert_error(pol.get_resource_policy, code, message, ResourceArn=bad)
        assert_error(pol.delete_resource_policy, code, message, ResourceArn=bad)
        # a stream's document names stream actions (it is checked before the stream is
        # looked for)
        good = doc("dynamodb:GetRecords" if "/stream/" in bad else "dynamodb:GetItem")
        assert_error(pol.put_resource_policy, code, message, ResourceArn=bad, Policy=good)
    # the stream is a slot of its own
    assert_error(pol.get_resource_policy, PNF, "Resource-based policy not found for the "
                 "provided ResourceArn: " + stream, ResourceArn=stream)
    srev = pol.put_resource_policy(ResourceArn=stream, Policy=doc("dynamodb:GetRecords"))[
        "RevisionId"]
    assert_error(pol.get_resource_policy, PNF, ResourceArn=arn)
    got = pol.get_resource_policy(ResourceArn=stream)
    assert (got["Policy"], got["RevisionId"]) == (canonical("dynamodb:GetRecords"), srev)
    assert_error(pol.put_resource_policy, VAL, DOC + 'The following action names are invalid: '
                 '"dynamodb:PutItem"', ResourceArn=stream, Policy=doc("dynamodb:PutItem"))


def test_create_table_policy_and_restart(spawn_server, tmp_path, data_dir):
    srv = spawn_server(data_dir=tmp_path / "d")
    pol = newermodel.client(srv.endpoint, data_dir)
    name = unique_name("pol")
    spec = dict(TableName=name, BillingMode="PAY_PER_REQUEST",
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    assert_error(pol.create_table, VAL, DOC + "This policy contains invalid Json",
                 ResourcePolicy="[", **spec)
    assert_error(pol.describe_table, "ResourceNotFoundException", TableName=name)
    pol.create_table(ResourcePolicy=doc(), **spec)
    wait_active(pol, name)
    got = pol.get_resource_policy(ResourceArn=arn_of(name))
    assert got["Policy"] == canonical()
    srv.stop()
    srv.start()
    again = newermodel.client(srv.endpoint, data_dir).get_resource_policy(ResourceArn=arn_of(name))
    assert (again["Policy"], again["RevisionId"]) == (got["Policy"], got["RevisionId"])
    pol.delete_table(TableName=name)
    assert_error(pol.get_resource_policy, "ResourceNotFoundException",
                 "Requested resource not found: Table: %s not found" % name,
                 ResourceArn=arn_of(name))


def test_cli(server, tmp_path, data_dir, make_table):
    if not os.path.exists(AWS):
        pytest.skip("AWS CLI not installed")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
           "AWS_SECRET_ACCESS_KEY": "secret", "AWS_DEFAULT_REGION": REGION, "AWS_PAGER": "",
           "AWS_CONFIG_FILE": str(tmp_path / "c"), "AWS_SHARED_CREDENTIALS_FILE":
           str(tmp_path / "cr"), "AWS_MAX_ATTEMPTS": "1", "AWS_DATA_PATH": data_dir}

    def aws(*args, ok=True):
        p = subprocess.run([AWS, "dynamodb", *args, "--endpoint-url", server.endpoint,
                            "--output", "json"], env=env, capture_output=True, text=True,
                           timeout=60)
        assert (p.returncode == 0) == ok, p.stderr
        return json.loads(p.stdout) if ok and p.stdout.strip() else p.stderr

    assert aws("describe-limits")["TableMaxReadCapacityUnits"] == 40000
    assert aws("describe-endpoints")["Endpoints"][0]["Address"] == "127.0.0.1:%d" % server.port
    arn = arn_of(make_table())
    rev = aws("put-resource-policy", "--resource-arn", arn, "--policy", doc())["RevisionId"]
    assert aws("get-resource-policy", "--resource-arn", arn) == {"Policy": canonical(),
                                                                 "RevisionId": rev}
    assert aws("delete-resource-policy", "--resource-arn", arn) == {"RevisionId": rev}
    assert "PolicyNotFoundException" in aws("get-resource-policy", "--resource-arn", arn,
                                            ok=False)
