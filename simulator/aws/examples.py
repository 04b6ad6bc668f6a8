"""Ops scripts written for real AWS, run unchanged against SimulatedAWS by the tests and
benchmarks. They take boto3 EC2 (and ECS) clients and know nothing of the simulation."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError


@dataclass
class FillResult:
    """What ``fill_dedicated_host`` saw."""

    host_id: str
    instance_ids: list[str]
    extra_launch_error: str | None
    """The error code of the launch one past capacity (None if it was accepted)."""
    release: dict[str, Any]
    """The ReleaseHosts response for the busy host."""


def fill_dedicated_host(
    ec2: Any,
    *,
    zone: str = "us-east-1a",
    instance_type: str = "m6i.xlarge",
    count: int = 32,
    image_id: str = "ami-1e749f67",
) -> FillResult:
    """Allocate a host, launch ``count`` instances onto it, wait until they run, then try
    one launch more and the release of the busy host."""
    host_id = ec2.allocate_hosts(AvailabilityZone=zone, InstanceType=instance_type, Quantity=1)[
        "HostIds"
    ][0]
    placement = {"HostId": host_id, "Tenancy": "host"}
    reservation = ec2.run_instances(
        ImageId=image_id,
        InstanceType=instance_type,
        MinCount=count,
        MaxCount=count,
        Placement=placement,
    )
    ids = [i["InstanceId"] for i in reservation["Instances"]]
    ec2.get_waiter("instance_running").wait(InstanceIds=ids)
    try:
        ec2.run_instances(
            ImageId=image_id,
            InstanceType=instance_type,
            MinCount=1,
            MaxCount=1,
            Placement=placement,
        )
        error = None
    except ClientError as e:
        error = e.response["Error"]["Code"]
    release = ec2.release_hosts(HostIds=[host_id])
    return FillResult(host_id, ids, error, release)


def drain_and_release(ec2: Any, host_id: str, instance_ids: list[str]) -> dict[str, Any]:
    """Terminate the instances, wait until they are gone, release the host."""
    ec2.terminate_instances(InstanceIds=instance_ids)
    ec2.get_waiter("instance_terminated").wait(InstanceIds=instance_ids)
    return ec2.release_hosts(HostIds=[host_id])


# ----------------------------------------------------------------------------- ECS
ECS_USER_DATA = "#!/bin/bash\necho ECS_CLUSTER={cluster} >> /etc/ecs/ecs.config\n"
"""User data of the ECS-optimized AMI: the agent reads /etc/ecs/ecs.config at start."""


@dataclass
class ArmServiceResult:
    """What ``deploy_arm64_service`` saw once the service was stable."""

    cluster: str
    service: dict[str, Any]
    """DescribeServices' service."""
    tasks: list[dict[str, Any]]
    """DescribeTasks' tasks of the service."""
    container_instances: list[dict[str, Any]]
    """DescribeContainerInstances' instances of the cluster."""
    arm64_instance_ids: list[str]
    x86_instance_ids: list[str]


def launch_container_instances(
    ec2: Any,
    cluster: str,
    instance_type: str,
    zones: list[str],
    *,
    image_id: str = "ami-1e749f67",
) -> list[str]:
    """One instance of ``instance_type`` per Availability Zone, joining ``cluster``."""
    ids = []
    for zone in zones:
        reservation = ec2.run_instances(
            ImageId=image_id,
            InstanceType=instance_type,
            MinCount=1,
            MaxCount=1,
            Placement={"AvailabilityZone": zone},
            UserData=ECS_USER_DATA.format(cluster=cluster),
        )
        ids += [i["InstanceId"] for i in reservation["Instances"]]
    return ids


def wait_for_registration(ecs: Any, cluster: str, count: int, timeout: float = 600) -> None:
    """Poll until ``count`` container instances are ACTIVE (each agent registers after its
    instance boots). Uses time.sleep: run it under ``aws.patch_sleep()`` when simulated."""
    waited = 0.0
    while True:
        arns = ecs.list_container_instances(cluster=cluster, status="ACTIVE")[
            "containerInstanceArns"
        ]
        if len(arns) >= count:
            return
        if waited >= timeout:
            raise TimeoutError(f"{len(arns)} of {count} container instances registered")
        time.sleep(10)
        waited += 10


def deploy_arm64_service(
    ec2: Any,
    ecs: Any,
    task_definition: dict[str, Any],
    *,
    cluster: str = "prod",
    service: str = "web",
    desired_count: int = 6,
    arm64_type: str = "m6g.xlarge",
    x86_type: str = "m6i.xlarge",
    zones: tuple[str, ...] = ("us-east-1a", "us-east-1b"),
) -> ArmServiceResult:
    """Launch Graviton and x86 instances into a cluster, register the task definition (the
    JSON ``register-task-definition --cli-input-json`` takes), create a service binpacked
    on memory and constrained to arm64 instances, and wait until it is stable."""
    ecs.create_cluster(clusterName=cluster)
    arm = launch_container_instances(ec2, cluster, arm64_type, list(zones))
    x86 = launch_container_instances(ec2, cluster, x86_type, list(zones))
    ec2.get_waiter("instance_running").wait(InstanceIds=arm + x86)
    wait_for_registration(ecs, cluster, len(arm) + len(x86))
    td = ecs.register_task_definition(**task_definition)["taskDefinition"]
    ecs.create_service(
        cluster=cluster,
        serviceName=service,
        taskDefinition=td["taskDefinitionArn"],
        desiredCount=desired_count,
        launchType="EC2",
        placementStrategy=[{"type": "binpack", "field": "memory"}],
        placementConstraints=[
            {"type": "memberOf", "expression": "attribute:ecs.cpu-architecture == arm64"}
        ],
    )
    ecs.get_waiter("services_stable").wait(cluster=cluster, services=[service])
    described = ecs.describe_services(cluster=cluster, services=[service])["services"][0]
    arns = ecs.list_tasks(cluster=cluster, serviceName=service)["taskArns"]
    tasks = ecs.describe_tasks(cluster=cluster, tasks=arns)["tasks"] if arns else []
    ci_arns = ecs.list_container_instances(cluster=cluster)["containerInstanceArns"]
    instances = ecs.describe_container_instances(cluster=cluster, containerInstances=ci_arns)[
        "containerInstances"
    ]
    return ArmServiceResult(cluster, described, tasks, instances, arm, x86)
