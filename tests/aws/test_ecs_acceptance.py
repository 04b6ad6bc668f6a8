"""The issue's acceptance script: a boto3 script written for AWS launches Graviton and x86
instances into a cluster (UserData ECS_CLUSTER), registers a task definition from a JSON
file, creates a service binpacked on memory and constrained to arm64, waits for
services_stable - unchanged against SimulatedAWS - and sees the placement AWS would make;
asking for more than fits gets AWS's failure reasons and service event text."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from ecs_api_helpers import call, describe_service, instances_by_arn, resources

from simulator.aws import SimulatedAWS
from simulator.aws.examples import ArmServiceResult, deploy_arm64_service

TASK_DEFINITION = Path(__file__).parent / "data" / "web-arm64-task-definition.json"
ARM64 = "attribute:ecs.cpu-architecture == arm64"
X86 = "attribute:ecs.cpu-architecture == x86_64"


@pytest.fixture
def deployed() -> tuple[SimulatedAWS, Any, Any, ArmServiceResult]:
    aws = SimulatedAWS(seed=3, validate_responses=True)
    ec2, ecs = aws.client("ec2"), aws.client("ecs")
    doc = json.loads(TASK_DEFINITION.read_text())
    started = time.perf_counter()
    with aws.patch_sleep():  # the script polls registration with time.sleep
        result = deploy_arm64_service(ec2, ecs, doc, desired_count=6)
    wall = time.perf_counter() - started
    print(f"ECS acceptance script: {wall * 1000:.0f} ms wall, {aws.now:.0f} s simulated")
    return aws, ec2, ecs, result


def test_the_service_is_binpacked_on_arm64_instances_only(deployed) -> None:
    aws, _, _, result = deployed
    service = result.service
    assert (service["status"], service["runningCount"], service["desiredCount"]) == (
        "ACTIVE",
        6,
        6,
    )
    assert len(service["deployments"]) == 1
    assert service["deployments"][0]["rolloutState"] == "COMPLETED"
    assert service["placementStrategy"] == [{"type": "binpack", "field": "memory"}]
    by_arn = {ci["containerInstanceArn"]: ci for ci in result.container_instances}
    arch = {
        arn: next(a["value"] for a in ci["attributes"] if a["name"] == "ecs.cpu-architecture")
        for arn, ci in by_arn.items()
    }
    per_instance = Counter(t["containerInstanceArn"] for t in result.tasks)
    assert all(t["lastStatus"] == "RUNNING" for t in result.tasks)
    assert {arch[a] for a in per_instance} == {"arm64"}
    # binpack on memory: 1024 CPU / 3072 MiB tasks on 4096 CPU / 16 GiB instances (15970 MiB
    # registered: what the OS reports) fill one instance (4 tasks, CPU-bound) before the next
    assert sorted(per_instance.values()) == [2, 4]
    full = next(a for a, n in per_instance.items() if n == 4)
    remaining = {r["name"]: r["integerValue"] for r in by_arn[full]["remainingResources"][:2]}
    assert remaining == {"CPU": 0, "MEMORY": 15970 - 4 * 3072}
    for ci in result.container_instances:
        if arch[ci["containerInstanceArn"]] == "x86_64":
            assert ci["runningTasksCount"] == 0
    assert {ci["ec2InstanceId"] for ci in result.container_instances} == set(
        result.arm64_instance_ids + result.x86_instance_ids
    )
    assert aws.now < 300  # boots, registration and image pulls: minutes, not the waiter's 10


def test_more_than_fits_gets_aws_failure_reasons(deployed) -> None:
    aws, _, ecs, result = deployed
    cluster = result.cluster
    by_arn = instances_by_arn(ecs, cluster)
    # two more web tasks fit the second arm64 instance; the third does not fit any arm64
    # instance, and the x86 ones, which have room, are excluded by the constraint
    web = call(
        ecs,
        "run_task",
        cluster=cluster,
        taskDefinition="web",
        count=3,
        placementConstraints=[{"type": "memberOf", "expression": ARM64}],
    )
    assert len(web["tasks"]) == 2
    assert {by_arn[t["containerInstanceArn"]]["arch"] for t in web["tasks"]} == {"arm64"}
    (failure,) = web["failures"]
    assert failure["reason"] == "MemberOf placement constraint unsatisfied."
    assert by_arn[failure["arn"]]["arch"] == "x86_64"
    # memory no instance has
    call(
        ecs,
        "register_task_definition",
        family="batch",
        containerDefinitions=[{"name": "batch", "image": "batch:1", "cpu": 256, "memory": 20480}],
    )
    batch = call(ecs, "run_task", cluster=cluster, taskDefinition="batch")
    assert batch["tasks"] == []
    assert [f["reason"] for f in batch["failures"]] == ["RESOURCE:MEMORY"]
    assert batch["failures"][0]["arn"] in by_arn
    # CPU no instance has
    call(
        ecs,
        "register_task_definition",
        family="render",
        containerDefinitions=[{"name": "render", "image": "render:1", "cpu": 8192, "memory": 512}],
    )
    render = call(ecs, "run_task", cluster=cluster, taskDefinition="render")
    assert [f["reason"] for f in render["failures"]] == ["RESOURCE:CPU"]


def test_a_service_asking_for_more_than_fits_says_why_in_its_events(deployed) -> None:
    aws, _, ecs, result = deployed
    cluster = result.cluster
    call(
        ecs,
        "register_task_definition",
        family="legacy",
        containerDefinitions=[{"name": "app", "image": "legacy:7", "cpu": 3072, "memory": 4096}],
    )
    call(
        ecs,
        "create_service",
        cluster=cluster,
        serviceName="legacy",
        taskDefinition="legacy",
        desiredCount=3,
        placementConstraints=[{"type": "memberOf", "expression": X86}],
    )
    aws.advance("3m")
    legacy = describe_service(ecs, cluster, "legacy")
    assert (legacy["runningCount"], legacy["desiredCount"]) == (2, 3)  # 1 per x86 instance
    messages = [e["message"] for e in legacy["events"]]
    unable = [m for m in messages if "was unable to place a task" in m]
    assert len(unable) == 1, messages  # said once, not at every retry
    # every instance is short of CPU now: the closest match is the one with the most left
    # (the arm64 instance with 2 web tasks: 2048 units; the x86 ones have 1024)
    cpu_left = {
        arn.rsplit("/", 1)[-1]: resources(ci, "remainingResources")["CPU"]
        for arn, ci in instances_by_arn(ecs, cluster).items()
    }
    closest = unable[0].split("container-instance ")[1].split(" ")[0]
    assert cpu_left[closest] == max(cpu_left.values()) == 2048
    assert unable[0] == (
        "service legacy was unable to place a task because no container instance met all of "
        f"its requirements. The closest matching container-instance {closest} has "
        "insufficient CPU units available. For more information, see the Troubleshooting "
        "section of the Amazon ECS Developer Guide."
    )
    # the waiter gives up on a service that cannot reach its desired count
    from botocore.exceptions import WaiterError

    with pytest.raises(WaiterError):
        ecs.get_waiter("services_stable").wait(
            cluster=cluster, services=["legacy"], WaiterConfig={"Delay": 15, "MaxAttempts": 4}
        )
