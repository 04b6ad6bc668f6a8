"""The seed post "Control access to Amazon ECS resources by using ABAC policies", through
boto3: a role tagged owner/environment, the post's policy attached, its three negative and
two positive test cases; then a property against an independent reading of the policy.

The post tags its role owner=mock_owner but creates its resources with owner=mock_user;
the policy allows a request only when the request's tags equal the principal's, so these
tests tag the role owner=mock_user, the value under which the post's positive cases pass
(``test_the_posts_role_tag_mock_owner_denies_its_own_positive_case`` shows the other).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from ecs_api_helpers import DEFAULT_SUBNETS
from hypothesis import given
from hypothesis import strategies as st

from simulator.aws import SimulatedAWS

POLICY = (Path(__file__).parent / "data" / "ecs-abac-policy.json").read_text()
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
ROLE_TAGS = {"owner": "mock_user", "environment": "development"}


def tags(**kv: str) -> list[dict[str, str]]:
    return [{"key": k, "value": v} for k, v in kv.items()]


def role_client(aws: SimulatedAWS, role_tags: dict[str, str], name: str = "ecs-abac") -> Any:
    """An ECS client acting as a new role with ``role_tags`` and the post's policy."""
    iam = aws.client("iam")
    role = iam.create_role(
        RoleName=name,
        AssumeRolePolicyDocument=TRUST,
        Tags=[{"Key": k, "Value": v} for k, v in role_tags.items()],
    )["Role"]
    arn = iam.create_policy(PolicyName=f"{name}-ECSABAC", PolicyDocument=POLICY)["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=name, PolicyArn=arn)
    creds = aws.client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="abac-test")[
        "Credentials"
    ]
    return aws.client(
        "ecs",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


@pytest.fixture
def aws() -> SimulatedAWS:
    return SimulatedAWS(seed=14)


@pytest.fixture
def ecs(aws: SimulatedAWS) -> Any:
    return role_client(aws, ROLE_TAGS)


def denied(call: Any, **params: Any) -> str:
    with pytest.raises(ClientError) as e:
        call(**params)
    assert e.value.response["Error"]["Code"] == "AccessDeniedException"
    return e.value.response["Error"]["Message"]


def test_negative_case_1_a_cluster_without_tags_is_denied(aws, ecs) -> None:
    message = denied(ecs.create_cluster, clusterName="no-tags")
    assert message == (
        "User: arn:aws:sts::123456789012:assumed-role/ecs-abac/abac-test is not authorized "
        "to perform: ecs:CreateCluster on resource: "
        "arn:aws:ecs:us-east-1:123456789012:cluster/no-tags because no identity-based policy "
        "allows the ecs:CreateCluster action"
    )
    assert "no-tags" not in aws.ecs.clusters


def test_negative_case_2_a_cluster_missing_the_environment_tag_is_denied(aws, ecs) -> None:
    denied(ecs.create_cluster, clusterName="owner-only", tags=tags(owner="mock_user"))
    assert "owner-only" not in aws.ecs.clusters


def test_negative_case_3_a_cluster_with_wrong_tag_values_is_denied(aws, ecs) -> None:
    wrong = tags(owner="test_user", environment="production")
    denied(ecs.create_cluster, clusterName="wrong", tags=wrong)
    assert "wrong" not in aws.ecs.clusters


def test_positive_case_1_a_cluster_with_the_principals_tags_is_created(aws, ecs) -> None:
    out = ecs.create_cluster(clusterName="abac", tags=tags(**ROLE_TAGS))
    assert out["cluster"]["status"] == "ACTIVE"
    assert {t["key"]: t["value"] for t in out["cluster"]["tags"]} == ROLE_TAGS


def test_positive_case_2_a_standalone_task_with_the_principals_tags_runs(aws, ecs) -> None:
    admin = aws.client("ecs")
    admin.create_cluster(
        clusterName="abac",
        tags=tags(**ROLE_TAGS),
        capacityProviders=["FARGATE"],
        defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1}],
    )
    admin.register_task_definition(
        family="batch",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "job", "image": "job:1", "essential": True}],
        tags=tags(**ROLE_TAGS),
    )
    run = ecs.run_task(
        cluster="abac",
        taskDefinition="batch",
        capacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1}],
        networkConfiguration={"awsvpcConfiguration": {"subnets": DEFAULT_SUBNETS[:1]}},
        tags=tags(**ROLE_TAGS),
    )
    assert run["failures"] == [] and len(run["tasks"]) == 1
    # the same call with another owner's tags is refused before anything runs
    before = len(aws.ecs.clusters["abac"].tasks)
    denied(
        ecs.run_task,
        cluster="abac",
        taskDefinition="batch",
        tags=tags(owner="test_user", environment="development"),
    )
    assert len(aws.ecs.clusters["abac"].tasks) == before


def test_the_posts_role_tag_mock_owner_denies_its_own_positive_case(aws) -> None:
    ecs = role_client(aws, {"owner": "mock_owner", "environment": "development"})
    denied(ecs.create_cluster, clusterName="abac", tags=tags(**ROLE_TAGS))
    ecs.create_cluster(clusterName="abac", tags=tags(owner="mock_owner", environment="development"))


def test_resource_tags_decide_deletion_and_explicit_deny_wins(aws, ecs) -> None:
    admin = aws.client("ecs")
    admin.create_cluster(
        clusterName="theirs", tags=tags(owner="someone", environment="development")
    )
    admin.create_cluster(clusterName="mine", tags=tags(**ROLE_TAGS))
    denied(ecs.delete_cluster, cluster="theirs")
    assert ecs.delete_cluster(cluster="mine")["cluster"]["status"] == "INACTIVE"
    deny = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "ecs:Delete*", "Resource": "*"}],
    }
    aws.client("iam").put_role_policy(
        RoleName="ecs-abac", PolicyName="no-deletes", PolicyDocument=json.dumps(deny)
    )
    admin.create_cluster(clusterName="mine2", tags=tags(**ROLE_TAGS))
    message = denied(ecs.delete_cluster, cluster="mine2")
    assert message.endswith("with an explicit deny in an identity-based policy")


def test_an_expired_session_and_an_unknown_key_are_refused(aws) -> None:
    ecs = role_client(aws, ROLE_TAGS)
    aws.advance("1h")
    with pytest.raises(ClientError) as e:
        ecs.list_clusters()
    assert e.value.response["Error"]["Code"] == "ExpiredTokenException"
    stranger = aws.client(
        "ecs", aws_access_key_id="AKIAUNKNOWN000000000", aws_secret_access_key="x"
    )
    with pytest.raises(ClientError) as e:
        stranger.list_clusters()
    assert e.value.response["Error"]["Code"] == "UnrecognizedClientException"


# ----------------------------------------------------------------------------- property
OWNERS = ["mock_user", "test_user", ""]
ENVS = ["development", "production"]


def maybe(values: list[str]) -> st.SearchStrategy[str | None]:
    return st.one_of(st.none(), st.sampled_from(values))


tag_sets = st.fixed_dictionaries(
    {},
    optional={
        "owner": st.sampled_from(OWNERS),
        "environment": st.sampled_from(ENVS),
        "cost-center": st.sampled_from(["a", "b"]),
    },
)


full_sets = st.fixed_dictionaries(
    {"owner": st.sampled_from(OWNERS), "environment": st.sampled_from(ENVS)},
    optional={"cost-center": st.sampled_from(["a", "b"])},
)


@st.composite
def assignments(draw: Any) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Principal, request and resource tags; the request and resource often copy the
    principal's owner and environment (then perhaps change some), so that allowed and
    denied cases both occur."""
    principal = draw(st.one_of(full_sets, tag_sets))

    def near() -> dict[str, str]:
        mode = draw(st.sampled_from(["random", "copy", "changed"]))
        if mode == "random":
            return draw(tag_sets)
        out = {k: v for k, v in principal.items() if k != "cost-center"}
        if mode == "changed":
            out.update(draw(tag_sets))
        return out

    return principal, near(), near()


def policy_allows_create(principal: dict[str, str], request: dict[str, str]) -> bool:
    """ECSCreateCluster read directly: every request tag key is owner or environment, and
    both are present and equal the principal's (which must have them). With tags, the
    tag-on-create check on ecs:TagResource asks the same of the same statement."""
    if not set(request) <= {"owner", "environment"}:
        return False
    return all(k in principal and request.get(k) == principal[k] for k in ("owner", "environment"))


def policy_allows_delete(principal: dict[str, str], resource: dict[str, str]) -> bool:
    """ECSDeletion read directly: the cluster's owner and environment tags exist and equal
    the principal's."""
    return all(k in principal and resource.get(k) == principal[k] for k in ("owner", "environment"))


_shared: dict[str, Any] = {}


def shared() -> tuple[SimulatedAWS, Any, int]:
    """One account and role for every example (the role's tags are reset each time)."""
    if not _shared:
        aws = SimulatedAWS(seed=140)
        _shared.update(aws=aws, ecs=role_client(aws, {}), n=0)
    _shared["n"] += 1
    return _shared["aws"], _shared["ecs"], _shared["n"]


def allowed(call: Any, **params: Any) -> bool:
    try:
        call(**params)
    except ClientError as e:
        assert e.response["Error"]["Code"] == "AccessDeniedException"
        return False
    return True


@given(assignments())
def test_a_principal_acts_only_where_the_policy_says(tags_of) -> None:
    principal, request, resource = tags_of
    aws, ecs, n = shared()
    iam = aws.client("iam")
    iam.untag_role(RoleName="ecs-abac", TagKeys=["owner", "environment", "cost-center"])
    if principal:
        iam.tag_role(
            RoleName="ecs-abac", Tags=[{"Key": k, "Value": v} for k, v in principal.items()]
        )
    create = allowed(ecs.create_cluster, clusterName=f"c{n}", tags=tags(**request))
    assert create is policy_allows_create(principal, request)
    assert (f"c{n}" in aws.ecs.clusters) is create
    aws.client("ecs").create_cluster(clusterName=f"r{n}", tags=tags(**resource))
    delete = allowed(ecs.delete_cluster, cluster=f"r{n}")
    assert delete is policy_allows_delete(principal, resource)
    assert (aws.ecs.clusters[f"r{n}"].status == "INACTIVE") is delete


def test_a_script_that_assumes_a_role_runs_unchanged() -> None:
    """boto3.client(...) with the assumed role's credentials, as a script would write it."""
    import boto3

    from simulator.aws.mock import simulated_aws

    with simulated_aws(seed=5):
        iam = boto3.client("iam")
        role = iam.create_role(
            RoleName="ecs-abac",
            AssumeRolePolicyDocument=TRUST,
            Tags=[{"Key": k, "Value": v} for k, v in ROLE_TAGS.items()],
        )["Role"]
        arn = iam.create_policy(PolicyName="ECSABAC", PolicyDocument=POLICY)["Policy"]["Arn"]
        iam.attach_role_policy(RoleName="ecs-abac", PolicyArn=arn)
        creds = boto3.client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="script")[
            "Credentials"
        ]
        ecs = boto3.client(
            "ecs",
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )
        denied(ecs.create_cluster, clusterName="untagged")
        assert ecs.create_cluster(clusterName="ok", tags=tags(**ROLE_TAGS))["cluster"][
            "status"
        ] == ("ACTIVE")


def test_task_set_calls_are_authorized_on_the_task_set_arn(aws, ecs) -> None:
    message = denied(ecs.delete_task_set, cluster="dev", service="web", taskSet="ecs-svc/123")
    assert "ecs:DeleteTaskSet" in message
    assert "arn:aws:ecs:us-east-1:123456789012:task-set/dev/web/ecs-svc/123" in message
    message = denied(ecs.describe_task_sets, cluster="dev", service="web")
    assert "task-set/dev/web/*" in message
