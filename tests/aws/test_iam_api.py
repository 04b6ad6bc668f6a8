"""The IAM and STS APIs of SimulatedAWS, and which principal each client is."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from simulator.aws import ECS_OPERATIONS, SimulatedAWS
from simulator.aws.ecs_authorization import TARGETS
from simulator.iam import ecs_facts

ACCOUNT = "123456789012"


def trust(*principals: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": list(principals)},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )


def allow(action: str, resource: str = "*") -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}],
        }
    )


def code_of(call: Any, **params: Any) -> str:
    with pytest.raises(ClientError) as e:
        call(**params)
    return e.value.response["Error"]["Code"]


@pytest.fixture
def aws() -> SimulatedAWS:
    return SimulatedAWS(seed=3)


@pytest.fixture
def iam(aws: SimulatedAWS) -> Any:
    return aws.client("iam")


def test_roles_are_created_read_tagged_and_refused_as_iam_refuses(iam) -> None:
    doc = trust(f"arn:aws:iam::{ACCOUNT}:root")
    role = iam.create_role(
        RoleName="app", AssumeRolePolicyDocument=doc, Tags=[{"Key": "a", "Value": "1"}]
    )
    assert role["Role"]["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/app"
    assert role["Role"]["RoleId"].startswith("AROA")
    got = iam.get_role(RoleName="app")["Role"]
    assert got["AssumeRolePolicyDocument"] == json.loads(doc)  # boto3 decodes it
    iam.tag_role(RoleName="app", Tags=[{"Key": "b", "Value": "2"}])
    iam.untag_role(RoleName="app", TagKeys=["a"])
    assert iam.list_role_tags(RoleName="app")["Tags"] == [{"Key": "b", "Value": "2"}]
    assert (
        code_of(iam.create_role, RoleName="APP", AssumeRolePolicyDocument=doc)
        == "EntityAlreadyExists"
    )
    assert code_of(iam.get_role, RoleName="nope") == "NoSuchEntity"
    bad = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]}
    )
    assert (
        code_of(iam.create_role, RoleName="x", AssumeRolePolicyDocument=bad)
        == "MalformedPolicyDocument"
    )


def test_managed_and_inline_policies(iam) -> None:
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=trust(ACCOUNT))
    arn = iam.create_policy(PolicyName="ecs-read", PolicyDocument=allow("ecs:Describe*"))["Policy"][
        "Arn"
    ]
    iam.attach_role_policy(RoleName="app", PolicyArn=arn)
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 1
    assert iam.list_attached_role_policies(RoleName="app")["AttachedPolicies"] == [
        {"PolicyName": "ecs-read", "PolicyArn": arn}
    ]
    iam.put_role_policy(RoleName="app", PolicyName="inline", PolicyDocument=allow("ecs:List*"))
    assert iam.list_role_policies(RoleName="app")["PolicyNames"] == ["inline"]
    assert (
        code_of(iam.create_policy, PolicyName="bad", PolicyDocument="{")
        == "MalformedPolicyDocument"
    )
    no_resource = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ecs:*"}]}
    )
    assert code_of(
        iam.put_role_policy, RoleName="app", PolicyName="p", PolicyDocument=no_resource
    ) == ("MalformedPolicyDocument")
    assert code_of(iam.attach_role_policy, RoleName="app", PolicyArn=arn + "x") == "NoSuchEntity"


def test_callers_are_known_by_their_credentials(aws, iam) -> None:
    assert aws.client("sts").get_caller_identity()["Arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    iam.create_user(UserName="ana", Tags=[{"Key": "team", "Value": "blue"}])
    key = iam.create_access_key(UserName="ana")["AccessKey"]
    assert key["AccessKeyId"].startswith("AKIA")
    kw = {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}
    me = aws.client("sts", **kw).get_caller_identity()
    assert me["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/ana" and me["UserId"].startswith("AIDA")
    ecs = aws.client("ecs", **kw)
    assert code_of(ecs.list_clusters) == "AccessDeniedException"
    iam.attach_user_policy(UserName="ana", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    assert ecs.list_clusters()["clusterArns"] == []
    wrong = aws.client("ecs", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key="wrong")
    assert code_of(wrong.list_clusters) == "UnrecognizedClientException"


def test_assume_role_follows_the_trust_policy(aws, iam) -> None:
    iam.create_role(
        RoleName="named", AssumeRolePolicyDocument=trust(f"arn:aws:iam::{ACCOUNT}:user/ana")
    )
    iam.create_role(RoleName="account", AssumeRolePolicyDocument=trust(ACCOUNT))
    iam.create_role(
        RoleName="other", AssumeRolePolicyDocument=trust("arn:aws:iam::210987654321:root")
    )
    iam.create_user(UserName="ana")
    key = iam.create_access_key(UserName="ana")["AccessKey"]
    sts = aws.client(
        "sts", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"]
    )
    role = f"arn:aws:iam::{ACCOUNT}:role/"
    # named in the trust policy: enough on its own
    creds = sts.assume_role(RoleArn=role + "named", RoleSessionName="s1")
    assert creds["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/named/s1"
    assert creds["Credentials"]["AccessKeyId"].startswith("ASIA")
    # trusting the account: the user's own policies must allow sts:AssumeRole too
    assert (
        code_of(sts.assume_role, RoleArn=role + "account", RoleSessionName="s2") == "AccessDenied"
    )
    iam.put_user_policy(UserName="ana", PolicyName="assume", PolicyDocument=allow("sts:AssumeRole"))
    sts.assume_role(RoleArn=role + "account", RoleSessionName="s2")
    # another account's trust, an unknown role, and too long a session
    assert code_of(sts.assume_role, RoleArn=role + "other", RoleSessionName="s3") == "AccessDenied"
    assert code_of(sts.assume_role, RoleArn=role + "ghost", RoleSessionName="s3") == "AccessDenied"
    assert (
        code_of(
            aws.client("sts").assume_role,
            RoleArn=role + "account",
            RoleSessionName="s4",
            DurationSeconds=7200,
        )
        == "ValidationError"
    )


def test_session_tags_override_the_roles_tags(aws, iam) -> None:
    iam.create_role(
        RoleName="r",
        AssumeRolePolicyDocument=trust(ACCOUNT),
        Tags=[{"Key": "owner", "Value": "ana"}],
    )
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "ecs:ListClusters",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalTag/owner": "bo"}},
            }
        ],
    }
    iam.put_role_policy(RoleName="r", PolicyName="p", PolicyDocument=json.dumps(doc))
    sts = aws.client("sts")
    arn = f"arn:aws:iam::{ACCOUNT}:role/r"

    def ecs_of(**extra: Any) -> Any:
        c = sts.assume_role(RoleArn=arn, RoleSessionName="s-1", **extra)["Credentials"]
        return aws.client(
            "ecs",
            aws_access_key_id=c["AccessKeyId"],
            aws_secret_access_key=c["SecretAccessKey"],
            aws_session_token=c["SessionToken"],
        )

    assert code_of(ecs_of().list_clusters) == "AccessDeniedException"
    assert ecs_of(Tags=[{"Key": "owner", "Value": "bo"}]).list_clusters()["clusterArns"] == []


def test_every_simulated_ecs_operation_has_authorization_facts() -> None:
    for name in ECS_OPERATIONS:
        assert name in TARGETS, name
        ecs_facts.action(name)
