"""ECS CreateService with loadBalancers on SimulatedAWS: the service's tasks become
targets of the account's ELBv2 target groups, pass their health checks (the
target_in_service waiter returns), and a stopped task drains for the deregistration
delay before it leaves DEACTIVATING."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from ecs_api_helpers import DEFAULT_SUBNETS, awsvpc_service_taskdef
from ecs_api_helpers import USER_DATA as HELPER_USER_DATA

from simulator.aws import SimulatedAWS

USER_DATA = HELPER_USER_DATA.format(cluster="web")


def task_definition(ecs, family: str) -> str:
    return awsvpc_service_taskdef(ecs, family)


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
    lb = elbv2.create_load_balancer(Name="web", Subnets=["subnet-a", "subnet-b"])["LoadBalancers"][
        0
    ]
    groups = [
        elbv2.create_target_group(
            Name=name, Protocol="HTTP", Port=8080, TargetType="ip", VpcId="vpc-1"
        )["TargetGroups"][0]["TargetGroupArn"]
        for name in ("blue", "green")
    ]
    elbv2.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[
            {
                "Type": "forward",
                "ForwardConfig": {
                    "TargetGroups": [
                        {"TargetGroupArn": groups[0], "Weight": 90},
                        {"TargetGroupArn": groups[1], "Weight": 10},
                    ]
                },
            }
        ],
    )
    for name, arn in zip(("blue", "green"), groups, strict=True):
        ecs.create_service(
            cluster="web",
            serviceName=name,
            taskDefinition=task_definition(ecs, name),
            desiredCount=2,
            networkConfiguration={"awsvpcConfiguration": {"subnets": DEFAULT_SUBNETS}},
            loadBalancers=[{"targetGroupArn": arn, "containerName": "app", "containerPort": 8080}],
            healthCheckGracePeriodSeconds=60,
        )
    return aws, ecs, elbv2, groups


def test_service_tasks_become_healthy_targets(world) -> None:
    aws, ecs, elbv2, groups = world
    service = ecs.describe_services(cluster="web", services=["blue"])["services"][0]
    assert service["loadBalancers"] == [
        {"targetGroupArn": groups[0], "containerName": "app", "containerPort": 8080}
    ]
    aws.run_until(
        lambda: (
            len(elbv2.describe_target_health(TargetGroupArn=groups[0])["TargetHealthDescriptions"])
            == 2
        ),
        timeout="10m",
    )
    health = elbv2.describe_target_health(TargetGroupArn=groups[0])["TargetHealthDescriptions"]
    targets = [{"Id": d["Target"]["Id"], "Port": d["Target"]["Port"]} for d in health]
    assert {d["TargetHealth"]["State"] for d in health} == {"initial"}
    t0 = aws.now
    elbv2.get_waiter("target_in_service").wait(TargetGroupArn=groups[0], Targets=targets)
    assert aws.now - t0 <= 10 + 4 * 30 + 15  # the waiter polls every 15 s
    health = elbv2.describe_target_health(TargetGroupArn=groups[0])["TargetHealthDescriptions"]
    assert {d["TargetHealth"]["State"] for d in health} == {"healthy"}


def test_a_stopped_task_drains_for_the_deregistration_delay(world) -> None:
    aws, ecs, elbv2, groups = world
    elbv2.modify_target_group_attributes(
        TargetGroupArn=groups[1],
        Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "120"}],
    )
    aws.advance("10m")
    task_arn = ecs.list_tasks(cluster="web", serviceName="green")["taskArns"][0]
    ecs.stop_task(cluster="web", task=task_arn)
    t0 = aws.now
    task = ecs.describe_tasks(cluster="web", tasks=[task_arn])["tasks"][0]
    assert task["lastStatus"] == "DEACTIVATING"
    states = {
        d["TargetHealth"]["State"]
        for d in elbv2.describe_target_health(TargetGroupArn=groups[1])["TargetHealthDescriptions"]
    }
    assert "draining" in states
    aws.advance(110)
    task = ecs.describe_tasks(cluster="web", tasks=[task_arn])["tasks"][0]
    assert task["lastStatus"] == "DEACTIVATING"
    aws.run_until(
        lambda: (
            ecs.describe_tasks(cluster="web", tasks=[task_arn])["tasks"][0]["lastStatus"]
            != "DEACTIVATING"
        ),
        timeout="5m",
    )
    assert aws.now - t0 == pytest.approx(120, abs=1)


def test_a_target_group_that_does_not_exist_is_refused(world) -> None:
    aws, ecs, elbv2, groups = world
    arn = groups[0].replace("/blue/", "/nope/")
    with pytest.raises(ClientError) as e:
        ecs.create_service(
            cluster="web",
            serviceName="nope",
            taskDefinition=task_definition(ecs, "nope"),
            desiredCount=1,
            networkConfiguration={"awsvpcConfiguration": {"subnets": DEFAULT_SUBNETS}},
            loadBalancers=[{"targetGroupArn": arn, "containerName": "app", "containerPort": 8080}],
        )
    assert e.value.response["Error"]["Code"] in ("TargetGroupNotFound", "InvalidParameterException")


def test_a_container_port_the_task_definition_lacks_is_refused(world) -> None:
    aws, ecs, elbv2, groups = world
    with pytest.raises(ClientError) as e:
        ecs.create_service(
            cluster="web",
            serviceName="badport",
            taskDefinition=task_definition(ecs, "badport"),
            desiredCount=1,
            networkConfiguration={"awsvpcConfiguration": {"subnets": DEFAULT_SUBNETS}},
            loadBalancers=[
                {"targetGroupArn": groups[0], "containerName": "app", "containerPort": 9999}
            ],
        )
    assert e.value.response["Error"]["Code"] == "InvalidParameterException"
    assert "9999" in e.value.response["Error"]["Message"]
