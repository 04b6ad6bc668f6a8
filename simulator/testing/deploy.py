"""What the seed's CDK stage creates, through boto3 on a SimulatedAWS: an ALB with a
production listener (port 80, to blue) and a test listener (port 8080, to green), two ip
target groups, a Fargate service with the CODE_DEPLOY controller behind blue, and (with
``codedeploy=True``) a CodeDeploy application and ECS deployment group. Used by the
deployment tests and by anyone who wants a blue/green world in a few lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simulator.aws.account import SimulatedAWS

CLUSTER = "web"
SERVICE = "api"
NETWORK = {"awsvpcConfiguration": {"subnets": ["subnet-0a"], "assignPublicIp": "DISABLED"}}
ROLE = "arn:aws:iam::123456789012:role/CodeDeployEcsRole"


@dataclass
class BlueGreenWorld:
    aws: SimulatedAWS
    ecs: Any
    elbv2: Any
    codedeploy: Any
    load_balancer: str
    blue: str  # target group ARNs
    green: str
    production_listener: str
    test_listener: str
    task_definition: str

    def register_revision(self, image: str = "api:2") -> str:
        """A new revision of the service's task definition; its ARN."""
        return register(self.ecs, image)

    def weights(self, listener: str | None = None) -> dict[str, int]:
        """The listener's forward weights by target group name ("blue"/"green")."""
        arn = listener or self.production_listener
        (lst,) = self.elbv2.describe_listeners(ListenerArns=[arn])["Listeners"]
        groups = lst["DefaultActions"][0]["ForwardConfig"]["TargetGroups"]
        names = {self.blue: "blue", self.green: "green"}
        return {names[g["TargetGroupArn"]]: g.get("Weight", 1) for g in groups}


def register(ecs: Any, image: str = "api:1") -> str:
    return ecs.register_task_definition(
        family="api",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[
            {
                "name": "app",
                "image": image,
                "essential": True,
                "portMappings": [{"containerPort": 8080}],
            }
        ],
    )["taskDefinition"]["taskDefinitionArn"]


def blue_green_world(
    seed: int = 0,
    *,
    desired: int = 2,
    deregistration_delay: int = 30,
    codedeploy: bool = True,
    config: str = "CodeDeployDefault.ECSCanary10Percent5Minutes",
    termination_wait_minutes: int = 15,
    alarms: list[str] | None = None,
    rollback_events: list[str] | None = None,
    ready_wait_minutes: int | None = None,
    aws: SimulatedAWS | None = None,
) -> BlueGreenWorld:
    """The seed's stack, settled (blue healthy, serving). ``alarms``: the group's alarm
    names; ``rollback_events``: its autoRollbackConfiguration events (CDK's defaults:
    DEPLOYMENT_FAILURE, plus DEPLOYMENT_STOP_ON_ALARM when there are alarms)."""
    aws = aws or SimulatedAWS(seed=seed, validate_responses=True)
    ecs, elbv2 = aws.client("ecs"), aws.client("elbv2")
    ecs.create_cluster(
        clusterName=CLUSTER,
        capacityProviders=["FARGATE"],
        defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1}],
    )
    lb = elbv2.create_load_balancer(Name="api", Subnets=["subnet-0a", "subnet-0b"])
    lb_arn = lb["LoadBalancers"][0]["LoadBalancerArn"]
    groups = []
    for name in ("blue", "green"):
        arn = elbv2.create_target_group(
            Name=name, Protocol="HTTP", Port=8080, TargetType="ip", VpcId="vpc-0a"
        )["TargetGroups"][0]["TargetGroupArn"]
        elbv2.modify_target_group_attributes(
            TargetGroupArn=arn,
            Attributes=[
                {"Key": "deregistration_delay.timeout_seconds", "Value": str(deregistration_delay)}
            ],
        )
        groups.append(arn)
    blue, green = groups
    listeners = []
    for port, tg in ((80, blue), (8080, green)):
        listeners.append(
            elbv2.create_listener(
                LoadBalancerArn=lb_arn,
                Protocol="HTTP",
                Port=port,
                DefaultActions=[
                    {
                        "Type": "forward",
                        "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": tg, "Weight": 1}]},
                    }
                ],
            )["Listeners"][0]["ListenerArn"]
        )
    td = register(ecs)
    ecs.create_service(
        cluster=CLUSTER,
        serviceName=SERVICE,
        taskDefinition=td,
        desiredCount=desired,
        deploymentController={"type": "CODE_DEPLOY"},
        loadBalancers=[{"targetGroupArn": blue, "containerName": "app", "containerPort": 8080}],
        networkConfiguration=NETWORK,
        healthCheckGracePeriodSeconds=60,
    )
    client = aws.client("codedeploy")
    if codedeploy:
        client.create_application(applicationName="api", computePlatform="ECS")
        events = rollback_events
        if events is None:
            events = ["DEPLOYMENT_FAILURE"] + (["DEPLOYMENT_STOP_ON_ALARM"] if alarms else [])
        ready: dict[str, Any] = {"actionOnTimeout": "CONTINUE_DEPLOYMENT"}
        if ready_wait_minutes is not None:
            ready = {"actionOnTimeout": "STOP_DEPLOYMENT", "waitTimeInMinutes": ready_wait_minutes}
        client.create_deployment_group(
            applicationName="api",
            deploymentGroupName="api-dg",
            serviceRoleArn=ROLE,
            deploymentConfigName=config,
            deploymentStyle={
                "deploymentType": "BLUE_GREEN",
                "deploymentOption": "WITH_TRAFFIC_CONTROL",
            },
            blueGreenDeploymentConfiguration={
                "terminateBlueInstancesOnDeploymentSuccess": {
                    "action": "TERMINATE",
                    "terminationWaitTimeInMinutes": termination_wait_minutes,
                },
                "deploymentReadyOption": ready,
            },
            ecsServices=[{"clusterName": CLUSTER, "serviceName": SERVICE}],
            loadBalancerInfo={
                "targetGroupPairInfoList": [
                    {
                        "targetGroups": [{"name": "blue"}, {"name": "green"}],
                        "prodTrafficRoute": {"listenerArns": [listeners[0]]},
                        "testTrafficRoute": {"listenerArns": [listeners[1]]},
                    }
                ]
            },
            alarmConfiguration={
                "enabled": bool(alarms),
                "alarms": [{"name": a} for a in alarms or []],
            },
            autoRollbackConfiguration={"enabled": bool(events), "events": events},
        )
    aws.run_until(
        lambda: (
            all(
                d["TargetHealth"]["State"] == "healthy"
                for d in elbv2.describe_target_health(TargetGroupArn=blue)[
                    "TargetHealthDescriptions"
                ]
            )
            and len(elbv2.describe_target_health(TargetGroupArn=blue)["TargetHealthDescriptions"])
            == desired
        ),
        timeout="30m",
    )
    return BlueGreenWorld(
        aws, ecs, elbv2, client, lb_arn, blue, green, listeners[0], listeners[1], td
    )
