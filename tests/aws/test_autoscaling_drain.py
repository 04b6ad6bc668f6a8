"""Done-when: an ECS drain hook in the shape AWS users deploy runs unchanged against
SimulatedAWS - a termination lifecycle hook, the hook function drains the container
instance and completes the action once its tasks are gone - while the service keeps its
desired count on the other instances."""

from __future__ import annotations

import base64
import importlib.util
import time
from pathlib import Path
from typing import Any

import boto3
import pytest

from simulator.aws.mock import simulated_aws

HOOK_SOURCE = Path(__file__).parent / "data" / "drain_hook.py"
CLUSTER = "prod"
USER_DATA = f"#!/bin/bash\necho ECS_CLUSTER={CLUSTER} >> /etc/ecs/ecs.config\n"


def load_hook() -> Any:
    """Import the function's module as Lambda would: its module-level clients are made now."""
    spec = importlib.util.spec_from_file_location("drain_hook", HOOK_SOURCE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def service_counts(ecs: Any) -> tuple[int, int]:
    s = ecs.describe_services(cluster=CLUSTER, services=["web"])["services"][0]
    return s["runningCount"], s["desiredCount"]


@pytest.fixture
def drained(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("CLUSTER", CLUSTER)
    with simulated_aws(seed=5) as aws:
        ec2, ecs, autoscaling = (boto3.client(s) for s in ("ec2", "ecs", "autoscaling"))
        ecs.create_cluster(clusterName=CLUSTER)
        ec2.create_launch_template(
            LaunchTemplateName="ecs-m6g",
            LaunchTemplateData={
                "ImageId": "ami-1e749f67",
                "InstanceType": "m6g.large",
                "UserData": base64.b64encode(USER_DATA.encode()).decode(),
            },
        )
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName="prod-capacity",
            LaunchTemplate={"LaunchTemplateName": "ecs-m6g", "Version": "$Latest"},
            MinSize=0,
            MaxSize=6,
            DesiredCapacity=3,
            AvailabilityZones=["us-east-1a", "us-east-1b", "us-east-1c"],
        )
        autoscaling.put_lifecycle_hook(
            LifecycleHookName="drain",
            AutoScalingGroupName="prod-capacity",
            LifecycleTransition="autoscaling:EC2_INSTANCE_TERMINATING",
            HeartbeatTimeout=300,
            DefaultResult="CONTINUE",
            NotificationTargetARN="arn:aws:sns:us-east-1:123456789012:drain-topic",
            RoleARN="arn:aws:iam::123456789012:role/hook-role",
        )
        while len(ecs.list_container_instances(cluster=CLUSTER)["containerInstanceArns"]) < 3:
            time.sleep(5)
        hook = load_hook()
        aws.on_lifecycle_action(hook.lambda_handler, group="prod-capacity")
        ecs.register_task_definition(
            family="web",
            containerDefinitions=[{"name": "web", "image": "web:1", "cpu": 256, "memory": 512}],
        )
        ecs.create_service(
            cluster=CLUSTER,
            serviceName="web",
            taskDefinition="web",
            desiredCount=6,
            placementStrategy=[{"type": "spread", "field": "instanceId"}],
        )
        ecs.get_waiter("services_stable").wait(cluster=CLUSTER, services=["web"])
        tasks = ecs.describe_tasks(
            cluster=CLUSTER, tasks=ecs.list_tasks(cluster=CLUSTER)["taskArns"]
        )["tasks"]
        by_ci: dict[str, int] = {}
        for t in tasks:
            by_ci[t["containerInstanceArn"]] = by_ci.get(t["containerInstanceArn"], 0) + 1
        ci = ecs.describe_container_instances(cluster=CLUSTER, containerInstances=list(by_ci))
        victim = ci["containerInstances"][0]["ec2InstanceId"]
        started = aws.now
        autoscaling.terminate_instance_in_auto_scaling_group(
            InstanceId=victim, ShouldDecrementDesiredCapacity=True
        )
        states, counts = [], []
        for _ in range(60):
            found = autoscaling.describe_auto_scaling_instances(InstanceIds=[victim])
            states.append(
                found["AutoScalingInstances"][0]["LifecycleState"]
                if found["AutoScalingInstances"]
                else "gone"
            )
            counts.append(service_counts(ecs))
            state = ec2.describe_instances(InstanceIds=[victim])["Reservations"][0]["Instances"][0][
                "State"
            ]["Name"]
            if state == "terminated":
                break
            time.sleep(15)
        group = aws.auto_scaling_groups["prod-capacity"]
        return {
            "aws": aws,
            "ecs": ecs,
            "victim": victim,
            "tasks_before": by_ci,
            "states": states,
            "counts": counts,
            "ended": aws.now - started,
            "state": state,
            "runs": list(aws.autoscaling.runs),
            "actions": [a for a in group.actions if a.instance_id == victim],
            "final_tasks": ecs.describe_tasks(
                cluster=CLUSTER,
                tasks=ecs.list_tasks(cluster=CLUSTER, desiredStatus="RUNNING")["taskArns"],
            )["tasks"],
            "instances": ecs.describe_container_instances(
                cluster=CLUSTER,
                containerInstances=ecs.list_container_instances(cluster=CLUSTER)[
                    "containerInstanceArns"
                ],
            )["containerInstances"],
        }


def test_the_hook_function_drains_then_completes_the_action(drained: dict[str, Any]) -> None:
    assert drained["state"] == "terminated"
    assert drained["states"][0] == "Terminating:Wait"
    (run,) = drained["runs"]
    assert run.error is None, run.error
    assert run.ended is not None and run.sleeps and all(s == 10 for s in run.sleeps)
    (action,) = drained["actions"]
    assert action.result == "CONTINUE"
    # completed by the function once the tasks were gone, well before the 300 s timeout
    assert drained["ended"] < 300


def test_the_service_keeps_its_desired_count_on_the_other_instances(
    drained: dict[str, Any],
) -> None:
    assert sorted(drained["tasks_before"].values()) == [2, 2, 2]
    assert all(running >= desired for running, desired in drained["counts"]), drained["counts"]
    victim = drained["victim"]
    by_instance = {ci["containerInstanceArn"]: ci["ec2InstanceId"] for ci in drained["instances"]}
    homes = {by_instance.get(t["containerInstanceArn"]) for t in drained["final_tasks"]}
    assert len(drained["final_tasks"]) == 6
    assert victim not in homes and len(homes) == 2
