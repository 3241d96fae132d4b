"""Tags: TagResource, UntagResource, ListTagsOfResource and CreateTable's
Tags, through boto3 (its client-side checks off, so that the server's own
are tested), raw requests and the AWS CLI.

Texts come from published probes of the service (control-plane-extras.md);
where one had to be inferred the test says "message unverified"."""

import json
import os
import subprocess

import pytest

from conftest import (REGION, assert_error, make_client, raw_call, unique_name, wait_active,
                      wait_gone)

ACCOUNT = "000000000000"
VAL = "ValidationException"
RNF = "ResourceNotFoundException"
INVALID = "One or more parameter values were invalid: "
LIMIT = "Number of Tags exceed the current limit for the provided ResourceArn"
AWS = "/usr/bin/aws"


def arn_of(name, region=REGION, account=ACCOUNT):
    return "arn:aws:dynamodb:%s:%s:table/%s" % (region, account, name)


def tags(n, prefix="k"):
    return [{"Key": "%s%02d" % (prefix, i), "Value": "v%02d" % i} for i in range(n)]


def listed(ddb, arn):
    out = ddb.list_tags_of_resource(ResourceArn=arn)
    assert "NextToken" not in out
    return out["Tags"]


@pytest.fixture
def tagged(make_table):
    name = make_table()
    return name, arn_of(name)


# --- CreateTable ------------------------------------------------------------------------


def create_kwargs(name, **extra):
    return dict(TableName=name, BillingMode="PAY_PER_REQUEST",
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], **extra)


def test_create_table_tags_are_listed(ddb, make_table):
    name = make_table(Tags=tags(50))
    assert listed(ddb, arn_of(name)) == tags(50)
    assert ddb.describe_table(TableName=name)["Table"]["TableArn"] == arn_of(name)


def test_create_table_empty_tags(ddb, make_table):
    assert listed(ddb, arn_of(make_table(Tags=[]))) == []


@pytest.mark.parametrize("bad, message", [
    ([{"Key": "aws:foo", "Value": "x"}], "Tag Key cannot be prefixed with aws:, Key: aws:foo"),
    ([{"Key": "k" * 129, "Value": "x"}], "The Tag Key provided is invalid, Key: " + "k" * 129),
    ([{"Key": "a#b", "Value": "x"}], "The Tag Key provided is invalid, Key: a#b"),
    ([{"Key": "k", "Value": "v" * 257}], "The Tag Value provided is invalid, Value: " + "v" * 257),
    (tags(51), LIMIT),
    ([{"Key": "dup", "Value": "1"}, {"Key": "dup", "Value": "2"}],
     "Duplicate Tag Keys provided as input: Duplicate Tag Key found dup"),
])
def test_create_table_bad_tags_create_nothing(ddb, bad, message):
    name = unique_name("tagc")
    assert_error(ddb.create_table, VAL, message, **create_kwargs(name, Tags=bad))
    assert_error(ddb.describe_table, RNF, TableName=name)


# --- TagResource ------------------------------------------------------------------------------


def test_tag_upsert_keeps_order_and_values_are_case_sensitive(ddb, tagged):
    _, arn = tagged
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "a", "Value": "1"},
                                            {"Key": "B", "Value": ""}])
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "c", "Value": "3"},
                                            {"Key": "a", "Value": "One"},
                                            {"Key": "b", "Value": "lower"}])
    assert listed(ddb, arn) == [{"Key": "a", "Value": "One"}, {"Key": "B", "Value": ""},
                                {"Key": "c", "Value": "3"}, {"Key": "b", "Value": "lower"}]


def test_tag_limits_at_the_edge(ddb, tagged):
    _, arn = tagged
    edge = [{"Key": "k" * 128, "Value": "v" * 256}, {"Key": "e", "Value": ""}]
    ddb.tag_resource(ResourceArn=arn, Tags=edge)
    assert listed(ddb, arn) == edge
    assert_error(ddb.tag_resource, VAL, "The Tag Key provided is invalid, Key: " + "x" * 129,
                 ResourceArn=arn, Tags=[{"Key": "x" * 129, "Value": "v"}])
    assert_error(ddb.tag_resource, VAL, "The Tag Value provided is invalid, Value: " + "w" * 257,
                 ResourceArn=arn, Tags=[{"Key": "x", "Value": "w" * 257}])
    assert_error(ddb.tag_resource, VAL, "The Tag Key provided is invalid, Key: ",
                 ResourceArn=arn, Tags=[{"Key": "", "Value": "v"}])
    assert listed(ddb, arn) == edge


def test_fifty_tags_after_merging(ddb, tagged):
    _, arn = tagged
    ddb.tag_resource(ResourceArn=arn, Tags=tags(50))
    assert_error(ddb.tag_resource, VAL, LIMIT, ResourceArn=arn,
                 Tags=[{"Key": "new", "Value": "x"}])
    # replacing values of existing keys stays at 50
    ddb.tag_resource(ResourceArn=arn, Tags=[dict(t, Value="w") for t in tags(50)])
    assert listed(ddb, arn) == [dict(t, Value="w") for t in tags(50)]
    # one new key with an existing one: 51 after the merge
    assert_error(ddb.tag_resource, VAL, LIMIT, ResourceArn=arn,
                 Tags=[{"Key": "k00", "Value": "z"}, {"Key": "new", "Value": "x"}])
    assert listed(ddb, arn)[0] == {"Key": "k00", "Value": "w"}  # nothing applied
    assert_error(ddb.tag_resource, VAL, LIMIT, ResourceArn=arn, Tags=tags(51, "n"))


def test_all_or_nothing(ddb, tagged):
    _, arn = tagged
    for bad, message in [
            ({"Key": "y" * 129, "Value": "v"}, "The Tag Key provided is invalid, Key: " + "y" * 129),
            ({"Key": "aws:zzz", "Value": "v"}, "Tag Key cannot be prefixed with aws:, Key: aws:zzz"),
            ({"Key": "AWS:Upper", "Value": "v"},
             "Tag Key cannot be prefixed with aws:, Key: AWS:Upper")]:
        assert_error(ddb.tag_resource, VAL, message, ResourceArn=arn,
                     Tags=[{"Key": "good", "Value": "v"}, bad])
    assert listed(ddb, arn) == []


@pytest.mark.parametrize("text", ["ключ", "café", "表", "a\u00a0b", "a\u3000b",
                                  "a+b-c=d.e_f:g/h@i", "٣ digits 7"])
def test_characters_accepted(ddb, tagged, text):
    _, arn = tagged
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": text, "Value": text}])
    assert listed(ddb, arn) == [{"Key": text, "Value": text}]


@pytest.mark.parametrize("text", ["\U0001f511", "100%", "a,b", "it's", '"q"', "(x)", "[y]",
                                  "{z}", "a&b", "a*b", "a;b", "a?b", "a|b", "a\\b", "<a>", "~a",
                                  "#", "a\tb", "a\nb", "a\u0000b"])
def test_characters_refused(ddb, tagged, text):
    _, arn = tagged
    shown = text.replace("\u0000", "\ufffd")
    assert_error(ddb.tag_resource, VAL, "The Tag Key provided is invalid, Key: " + shown,
                 ResourceArn=arn, Tags=[{"Key": text, "Value": "v"}])
    assert_error(ddb.tag_resource, VAL, "The Tag Value provided is invalid, Value: " + shown,
                 ResourceArn=arn, Tags=[{"Key": "k", "Value": text}])
    assert listed(ddb, arn) == []


def test_empty_and_absent_members(ddb, port, tagged):
    _, arn = tagged
    assert_error(ddb.tag_resource, VAL, "Atleast one Tag needs to be provided as Input.",
                 ResourceArn=arn, Tags=[])
    assert_error(ddb.untag_resource, VAL, "Atleast one Tag Key needs to be provided as Input.",
                 ResourceArn=arn, TagKeys=[])
    r = raw_call(port, "TagResource", {"ResourceArn": arn, "Tags": [{"Key": "k"}]})
    assert (r.status, r.error_type, r.error_message) == (
        400, VAL, "The Tag Value provided is invalid, Value: null")
    r = raw_call(port, "TagResource", {"ResourceArn": arn, "Tags": [{"Value": "v"}]})
    assert (r.error_type, r.error_message) == (VAL, "The Tag Key provided is invalid, Key: null")
    r = raw_call(port, "TagResource", {"ResourceArn": arn})
    assert r.error_message == ("1 validation error detected: Value null at 'tags' failed to "
                               "satisfy constraint: Member must not be null")
    r = raw_call(port, "ListTagsOfResource", {})
    assert r.error_message == ("1 validation error detected: Value null at 'resourceArn' failed "
                               "to satisfy constraint: Member must not be null")
    r = raw_call(port, "UntagResource", {"ResourceArn": ""})
    # message unverified: the model constraints of an empty ARN and absent keys
    assert r.error_message == (
        "2 validation errors detected: Value '' at 'resourceArn' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1; Value null at 'tagKeys' failed to "
        "satisfy constraint: Member must not be null")
    assert listed(ddb, arn) == []


# --- UntagResource ------------------------------------------------------------------------------


def test_untag(ddb, tagged):
    _, arn = tagged
    ddb.tag_resource(ResourceArn=arn, Tags=tags(5))
    ddb.untag_resource(ResourceArn=arn, TagKeys=["k01", "absent", "K03"])  # case-sensitive
    assert listed(ddb, arn) == [t for i, t in enumerate(tags(5)) if i != 1]
    assert_error(ddb.untag_resource, VAL, LIMIT, ResourceArn=arn,
                 TagKeys=["k%02d" % i for i in range(51)])
    ddb.untag_resource(ResourceArn=arn, TagKeys=["k%02d" % i for i in range(50)])
    assert listed(ddb, arn) == []
    assert_error(ddb.untag_resource, VAL, "Tag Key cannot be prefixed with aws:, Key: aws:x",
                 ResourceArn=arn, TagKeys=["aws:x"])
    assert_error(ddb.untag_resource, VAL, "The Tag Key provided is invalid, Key: " + "q" * 129,
                 ResourceArn=arn, TagKeys=["q" * 129])


# --- ARNs ------------------------------------------------------------------------------------------


def arn_cases(name):
    arn = arn_of(name)
    return [
        (name, VAL, INVALID + "ARNs must start with 'arn:': " + name),
        (arn + "/index/gsi", VAL, INVALID + "Invalid resource arn provided, only table or "
         "stream is accepted. Provided resource arn: " + arn + "/index/gsi"),
        (arn + "/backup/01700000000000-abcdef12", VAL,
         INVALID + "Provided Arn is not a DynamoDB resource arn: " + arn +
         "/backup/01700000000000-abcdef12"),
        ("arn:aws:s3:::bucket/x", VAL,
         INVALID + "Provided Arn is not a DynamoDB resource arn: arn:aws:s3:::bucket/x"),
        (arn_of(name, region="us-west-2"), VAL,
         "Invalid TableArn: Invalid ResourceArn provided as input " + arn_of(name, "us-west-2")),
        (arn_of(name, account="123456789012"), "AccessDeniedException", "Access is denied"),
        (arn + "/stream/2024-01-01T00:00:00.000", RNF, "Requested resource not found: "
         "ResourceArn: " + arn + "/stream/2024-01-01T00:00:00.000 not found"),
        (arn_of(name.upper()), RNF,
         "Requested resource not found: ResourceArn: " + arn_of(name.upper()) + " not found"),
        # message unverified: the texts of ARNs cut short (the service's ARN parser)
        ("arn:aws", VAL, INVALID + "Second colon partition not found: arn:aws"),
        ("arn:aws:dynamodb:us-east-1", VAL,
         INVALID + "Fourth colon (region/namespace delimiter) not found: arn:aws:dynamodb:us-east-1"),
    ]


def test_arn_forms(ddb, tagged):
    name, _ = tagged
    for arn, code, message in arn_cases(name):
        assert_error(ddb.list_tags_of_resource, code, message, ResourceArn=arn)
        assert_error(ddb.tag_resource, code, message, ResourceArn=arn,
                     Tags=[{"Key": "k", "Value": "v"}])
        assert_error(ddb.untag_resource, code, message, ResourceArn=arn, TagKeys=["k"])


def test_resource_arn_length(ddb, tagged):
    arn = arn_of("t" * 1300)
    assert_error(ddb.list_tags_of_resource, VAL, "1 validation error detected: Value '%s' "
                 "at 'resourceArn' failed to satisfy constraint: Member must have length less "
                 "than or equal to 1283" % arn, ResourceArn=arn)
    edge = arn_of("t" * (1283 - len(arn_of(""))))
    assert_error(ddb.list_tags_of_resource, RNF, "Requested resource not found: ResourceArn: "
                 "%s not found" % edge, ResourceArn=edge)


# --- lifetime, paging ------------------------------------------------------------------------------


def test_next_token_and_deleted_table(ddb, make_table):
    name = make_table(Tags=tags(50))
    arn = arn_of(name)
    out = ddb.list_tags_of_resource(ResourceArn=arn, NextToken="anything")
    assert out["Tags"] == tags(50) and "NextToken" not in out
    ddb.delete_table(TableName=name)
    wait_gone(ddb, name)
    missing = "Requested resource not found: ResourceArn: %s not found" % arn
    assert_error(ddb.list_tags_of_resource, RNF, missing, ResourceArn=arn)
    assert_error(ddb.tag_resource, RNF, missing, ResourceArn=arn, Tags=tags(1))
    ddb.create_table(**create_kwargs(name))
    wait_active(ddb, name)
    assert listed(ddb, arn) == []  # a new table of the same name has none
    ddb.delete_table(TableName=name)


def test_tags_survive_a_restart(spawn_server, tmp_path):
    srv = spawn_server(data_dir=tmp_path / "d")
    ddb = make_client(srv.endpoint)
    name = unique_name("tagr")
    ddb.create_table(**create_kwargs(name, Tags=tags(3)))
    wait_active(ddb, name)
    arn = arn_of(name)
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "k01", "Value": "changed"},
                                            {"Key": "late", "Value": "x"}])
    ddb.untag_resource(ResourceArn=arn, TagKeys=["k00"])
    # an index added afterwards makes a new definition: the tags go with it
    ddb.update_table(TableName=name, AttributeDefinitions=[
        {"AttributeName": "g", "AttributeType": "S"}], GlobalSecondaryIndexUpdates=[{"Create": {
            "IndexName": "gsi", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"}}}])
    want = [{"Key": "k01", "Value": "changed"}, {"Key": "k02", "Value": "v02"},
            {"Key": "late", "Value": "x"}]
    assert listed(ddb, arn) == want
    srv.stop()
    srv.start()
    assert listed(make_client(srv.endpoint), arn) == want


# --- the AWS CLI ---------------------------------------------------------------------------------


def test_cli(server, tmp_path, make_table):
    if not os.path.exists(AWS):
        pytest.skip("AWS CLI not installed")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
           "AWS_SECRET_ACCESS_KEY": "secret", "AWS_DEFAULT_REGION": REGION, "AWS_PAGER": "",
           "AWS_CONFIG_FILE": str(tmp_path / "c"), "AWS_SHARED_CREDENTIALS_FILE":
           str(tmp_path / "cr"), "AWS_MAX_ATTEMPTS": "1"}

    def aws(*args, ok=True):
        p = subprocess.run([AWS, "dynamodb", *args, "--endpoint-url", server.endpoint,
                            "--output", "json"], env=env, capture_output=True, text=True,
                           timeout=60)
        assert (p.returncode == 0) == ok, p.stderr
        return json.loads(p.stdout) if ok and p.stdout.strip() else p.stderr

    arn = arn_of(make_table())
    aws("tag-resource", "--resource-arn", arn, "--tags", "Key=team,Value=db", "Key=env,Value=")
    assert aws("list-tags-of-resource", "--resource-arn", arn)["Tags"] == [
        {"Key": "team", "Value": "db"}, {"Key": "env", "Value": ""}]
    aws("untag-resource", "--resource-arn", arn, "--tag-keys", "env")
    assert aws("list-tags-of-resource", "--resource-arn", arn)["Tags"] == [
        {"Key": "team", "Value": "db"}]
    err = aws("tag-resource", "--resource-arn", arn, "--tags", "Key=aws:x,Value=1", ok=False)
    assert "Tag Key cannot be prefixed with aws:, Key: aws:x" in err
