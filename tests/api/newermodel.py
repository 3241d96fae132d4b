"""The DynamoDB service model of Debian's botocore, with the members and
operations the service added after it (resource-based policies: the
PutResourcePolicy, GetResourcePolicy and DeleteResourcePolicy operations,
CreateTable's ResourcePolicy, PolicyNotFoundException), written as a
botocore data directory.  boto3 (through the data loader's search path) and
the AWS CLI (through AWS_DATA_PATH) then call these operations as they call
any other.  The shapes follow the service model (2024 revision)."""

import copy
import json
import os

import boto3
import botocore.loaders
import botocore.session

from conftest import REGION

POLICY_OPERATIONS = {
    "PutResourcePolicy": ({"ResourceArn": "ResourceArnString", "Policy": "ResourcePolicy",
                           "ExpectedRevisionId": "PolicyRevisionId",
                           "ConfirmRemoveSelfResourceAccess": "ConfirmRemoveSelfResourceAccess"},
                          ["ResourceArn", "Policy"], {"RevisionId": "PolicyRevisionId"}),
    "GetResourcePolicy": ({"ResourceArn": "ResourceArnString"}, ["ResourceArn"],
                          {"Policy": "ResourcePolicy", "RevisionId": "PolicyRevisionId"}),
    "DeleteResourcePolicy": ({"ResourceArn": "ResourceArnString",
                              "ExpectedRevisionId": "PolicyRevisionId"}, ["ResourceArn"],
                             {"RevisionId": "PolicyRevisionId"}),
}


def extended_model():
    model = copy.deepcopy(botocore.loaders.Loader().load_service_model(
        "dynamodb", "service-2", "2012-08-10"))
    shapes = model["shapes"]
    shapes.setdefault("ResourcePolicy", {"type": "string"})
    shapes.setdefault("PolicyRevisionId", {"type": "string", "min": 1, "max": 255})
    shapes.setdefault("ConfirmRemoveSelfResourceAccess", {"type": "boolean"})
    shapes.setdefault("PolicyNotFoundException", {
        "type": "structure", "members": {"message": {"shape": "ErrorMessage"}},
        "exception": True})
    shapes["CreateTableInput"]["members"].setdefault("ResourcePolicy",
                                                     {"shape": "ResourcePolicy"})
    for op, (members, required, output) in POLICY_OPERATIONS.items():
        shapes[op + "Input"] = {"type": "structure", "required": required,
                                "members": {k: {"shape": v} for k, v in members.items()}}
        shapes[op + "Output"] = {"type": "structure",
                                 "members": {k: {"shape": v} for k, v in output.items()}}
        model["operations"].setdefault(op, {
            "name": op, "http": {"method": "POST", "requestUri": "/"},
            "input": {"shape": op + "Input"}, "output": {"shape": op + "Output"},
            "errors": [{"shape": "ResourceNotFoundException"},
                       {"shape": "PolicyNotFoundException"},
                       {"shape": "InternalServerError"}]})
    return model


def write_data_dir(root):
    """Write the model under root (dynamodb/2012-08-10/service-2.json);
    returns root as a string."""
    d = os.path.join(str(root), "dynamodb", "2012-08-10")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "service-2.json"), "w") as f:
        json.dump(extended_model(), f)
    return str(root)


def client(endpoint, data_dir, key=("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")):
    """A boto3 DynamoDB client that knows the newer operations, signing with
    key (access key id, secret)."""
    core = botocore.session.Session()
    core.get_component("data_loader").search_paths.insert(0, data_dir)
    session = boto3.session.Session(botocore_session=core)
    return session.client("dynamodb", endpoint_url=endpoint, region_name=REGION,
                          aws_access_key_id=key[0], aws_secret_access_key=key[1])
