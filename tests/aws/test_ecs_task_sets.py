"""ECS task sets through boto3: EXTERNAL services driven by CreateTaskSet / UpdateTaskSet /
UpdateServicePrimaryTaskSet / DeleteTaskSet, CODE_DEPLOY services' first task set, each
task set's tasks in its own target group, and AWS's refusals."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from ecs_api_helpers import USER_DATA as HELPER_USER_DATA
from ecs_api_helpers import awsvpc_service_taskdef
from hypothesis import given
from hypothesis import strategies as st

from simulator.aws import SimulatedAWS
from simulator.aws.ecs_services import CODE_DEPLOY_TASK_DEFINITION
from simulator.ecs.task_sets import computed_desired_count

USER_DATA = HELPER_USER_DATA.format(cluster="web")
NETWORK = {"awsvpcConfiguration": {"subnets": ["subnet-a"]}}


@pytest.fixture
def world():
    aws = SimulatedAWS(seed=4, validate_responses=True)
    ec2, ecs, elbv2 = aws.client("ec2"), aws.client("ecs"), aws.client("elbv2")
    ecs.create_cluster(clusterName="web")
    ec2.run_instances(
        ImageId="ami-12345678",
        InstanceType="m6i.xlarge",
        MinCount=3,
        MaxCount=3,
        UserData=USER_DATA,
    )
    aws.advance("2m")
    alb = elbv2.create_load_balancer(Name="web", Subnets=["subnet-a", "subnet-b"])
    groups = [
        elbv2.create_target_group(
            Name=name, Protocol="HTTP", Port=8080, TargetType="ip", VpcId="vpc-1"
        )["TargetGroups"][0]["TargetGroupArn"]
        for name in ("blue", "green")
    ]
    for arn in groups:
        elbv2.modify_target_group_attributes(
            TargetGroupArn=arn,
            Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "30"}],
        )
    elbv2.create_listener(  # both groups in use: their targets are health-checked
        LoadBalancerArn=alb["LoadBalancers"][0]["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[
            {
                "Type": "forward",
                "ForwardConfig": {
                    "TargetGroups": [
                        {"TargetGroupArn": groups[0], "Weight": 1},
                        {"TargetGroupArn": groups[1], "Weight": 0},
                    ]
                },
            }
        ],
    )
    td = awsvpc_service_taskdef(ecs, "app")
    return aws, ecs, elbv2, groups, td


def lb(arn: str) -> list[dict]:
    return [{"targetGroupArn": arn, "containerName": "app", "containerPort": 8080}]


def external(ecs, desired: int = 4) -> None:
    ecs.create_service(
        cluster="web",
        serviceName="ext",
        desiredCount=desired,
        deploymentController={"type": "EXTERNAL"},
    )


def task_set(ecs, tg: str, td: str, scale: float = 100.0) -> dict:
    return ecs.create_task_set(
        cluster="web",
        service="ext",
        taskDefinition=td,
        externalId="ext-1",
        loadBalancers=lb(tg),
        networkConfiguration=NETWORK,
        scale={"value": scale, "unit": "PERCENT"},
    )["taskSet"]


def describe(ecs, service: str = "ext") -> list[dict]:
    return ecs.describe_task_sets(cluster="web", service=service)["taskSets"]


def test_external_task_sets_scale_and_register_in_their_own_groups(world) -> None:
    aws, ecs, elbv2, groups, td = world
    external(ecs)
    service = ecs.describe_services(cluster="web", services=["ext"])["services"][0]
    assert service["deploymentController"] == {"type": "EXTERNAL"}
    assert service["taskSets"] == []
    blue = task_set(ecs, groups[0], td)
    assert blue["status"] == "PRIMARY"  # the first task set serves production
    assert blue["stabilityStatus"] == "STABILIZING"
    green = task_set(ecs, groups[1], td, scale=50)
    assert green["status"] == "ACTIVE"
    assert green["externalId"] == "ext-1"
    aws.run_until(lambda: all(t["stabilityStatus"] == "STEADY_STATE" for t in describe(ecs)))
    by_id = {t["id"]: t for t in describe(ecs)}
    assert by_id[blue["id"]]["computedDesiredCount"] == 4
    assert by_id[green["id"]]["computedDesiredCount"] == 2
    assert by_id[green["id"]]["runningCount"] == 2
    assert by_id[green["id"]]["pendingCount"] == 0
    health = {
        arn: [
            d["TargetHealth"]["State"]
            for d in elbv2.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
        ]
        for arn in groups
    }
    assert health == {groups[0]: ["healthy"] * 4, groups[1]: ["healthy"] * 2}
    service = ecs.describe_services(cluster="web", services=["ext"])["services"][0]
    assert service["runningCount"] == 6
    assert service["taskDefinition"] == td


def test_primary_switch_and_delete_drains_through_the_deregistration_delay(world) -> None:
    aws, ecs, elbv2, groups, td = world
    external(ecs, desired=2)
    blue = task_set(ecs, groups[0], td)
    green = task_set(ecs, groups[1], td)
    aws.run_until(lambda: all(t["stabilityStatus"] == "STEADY_STATE" for t in describe(ecs)))
    out = ecs.update_service_primary_task_set(
        cluster="web", service="ext", primaryTaskSet=green["taskSetArn"]
    )["taskSet"]
    assert out["status"] == "PRIMARY"
    statuses = {t["id"]: t["status"] for t in describe(ecs)}
    assert statuses == {blue["id"]: "ACTIVE", green["id"]: "PRIMARY"}
    service = ecs.describe_services(cluster="web", services=["ext"])["services"][0]
    assert service["loadBalancers"] == lb(groups[1])
    with pytest.raises(ClientError) as e:
        ecs.delete_task_set(cluster="web", service="ext", taskSet=blue["taskSetArn"])
    assert e.value.response["Error"]["Code"] == "InvalidParameterException"
    gone = ecs.delete_task_set(
        cluster="web", service="ext", taskSet=blue["taskSetArn"], force=True
    )["taskSet"]
    assert gone["status"] == "DRAINING"
    start = aws.now
    aws.advance("1s")
    states = [
        d["TargetHealth"]["State"]
        for d in elbv2.describe_target_health(TargetGroupArn=groups[0])["TargetHealthDescriptions"]
    ]
    assert states == ["draining", "draining"]
    aws.run_until(lambda: len(describe(ecs)) == 1, timeout="10m")
    assert aws.now - start >= 30  # the group's deregistration delay
    assert [t["id"] for t in describe(ecs)] == [green["id"]]


def test_update_task_set_scales_in_and_out(world) -> None:
    aws, ecs, _elbv2, groups, td = world
    external(ecs, desired=3)
    ts = task_set(ecs, groups[0], td, scale=100)
    aws.run_until(lambda: describe(ecs)[0]["runningCount"] == 3)
    ecs.update_task_set(
        cluster="web", service="ext", taskSet=ts["id"], scale={"value": 34, "unit": "PERCENT"}
    )
    aws.run_until(lambda: describe(ecs)[0]["stabilityStatus"] == "STEADY_STATE", timeout="10m")
    assert describe(ecs)[0]["computedDesiredCount"] == 2  # ceil(3 x 0.34)
    assert describe(ecs)[0]["runningCount"] == 2
    ecs.update_service(cluster="web", service="ext", desiredCount=6)
    aws.run_until(lambda: describe(ecs)[0]["runningCount"] == 3)  # ceil(6 x 0.34)


def test_code_deploy_service_has_a_primary_task_set_and_refuses_new_task_definitions(
    world,
) -> None:
    aws, ecs, _elbv2, groups, td = world
    ecs.create_service(
        cluster="web",
        serviceName="cd",
        taskDefinition=td,
        desiredCount=2,
        deploymentController={"type": "CODE_DEPLOY"},
        loadBalancers=lb(groups[0]),
        networkConfiguration=NETWORK,
    )
    sets = describe(ecs, "cd")
    assert [(t["status"], t["scale"]["value"], t["taskDefinition"]) for t in sets] == [
        ("PRIMARY", 100.0, td)
    ]
    aws.run_until(lambda: describe(ecs, "cd")[0]["stabilityStatus"] == "STEADY_STATE")
    with pytest.raises(ClientError) as e:
        ecs.update_service(cluster="web", service="cd", taskDefinition=td)
    assert e.value.response["Error"]["Code"] == "InvalidParameterException"
    assert e.value.response["Error"]["Message"] == CODE_DEPLOY_TASK_DEFINITION
    with pytest.raises(ClientError) as e:
        ecs.create_task_set(cluster="web", service="cd", taskDefinition=td)
    assert e.value.response["Error"]["Code"] == "InvalidParameterException"
    ecs.update_service(cluster="web", service="cd", desiredCount=3)
    aws.run_until(lambda: describe(ecs, "cd")[0]["runningCount"] == 3)


def test_task_set_errors(world) -> None:
    _aws, ecs, _elbv2, groups, td = world
    external(ecs)
    with pytest.raises(ClientError) as e:
        ecs.update_task_set(
            cluster="web", service="ext", taskSet="ecs-svc/1", scale={"value": 5, "unit": "PERCENT"}
        )
    assert e.value.response["Error"]["Code"] == "TaskSetNotFoundException"
    with pytest.raises(ClientError) as e:
        task_set(ecs, groups[0], td, scale=150)
    assert e.value.response["Error"]["Code"] == "InvalidParameterException"
    for _ in range(5):
        task_set(ecs, groups[0], td, scale=0)
    with pytest.raises(ClientError) as e:
        task_set(ecs, groups[0], td, scale=0)
    assert "Unable to create new TaskSet" in e.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as e:
        ecs.describe_task_sets(cluster="web", service="nope")
    assert e.value.response["Error"]["Code"] == "ServiceNotFoundException"
    missing = ecs.describe_task_sets(cluster="web", service="ext", taskSets=["ecs-svc/9"])
    assert missing["failures"][0]["reason"] == "MISSING"


@given(st.integers(0, 1000), st.decimals(0, 100, places=1))
def test_computed_desired_count_rounds_up(desired: int, scale) -> None:
    n = computed_desired_count(desired, float(scale))
    assert n * 100 >= desired * scale
    assert (n - 1) * 100 < desired * scale or n == 0
