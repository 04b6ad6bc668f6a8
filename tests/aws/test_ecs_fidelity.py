"""Fidelity fixes found by running public scripts: each failed before its fix."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from ecs_api_helpers import call, error, launch, taskdef

from simulator.aws import SimulatedAWS


@pytest.fixture
def ecs() -> Any:
    aws = SimulatedAWS(seed=9, validate_responses=True)
    client = aws.client("ecs")
    call(client, "create_cluster", clusterName="c")
    return client


def test_registered_at_is_on_the_account_clock(ecs) -> None:
    td = call(ecs, "register_task_definition", **taskdef())["taskDefinition"]
    assert td["registeredAt"] == dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    again = call(ecs, "describe_task_definition", taskDefinition="web")["taskDefinition"]
    assert again["registeredAt"].year == 2024


def test_containers_report_empty_mount_points_and_efs_root_directory(ecs) -> None:
    td = call(
        ecs,
        "register_task_definition",
        **taskdef(volumes=[{"name": "data", "efsVolumeConfiguration": {"fileSystemId": "fs-1"}}]),
    )["taskDefinition"]
    (container,) = td["containerDefinitions"]
    assert (container["mountPoints"], container["volumesFrom"]) == ([], [])
    assert td["volumes"][0]["efsVolumeConfiguration"] == {
        "fileSystemId": "fs-1",
        "rootDirectory": "/",
    }


def test_an_invalid_launch_type_is_a_client_error(ecs) -> None:
    call(ecs, "register_task_definition", **taskdef())
    code, message = error(ecs, "run_task", cluster="c", taskDefinition="web", launchType="EC3")
    assert code == "InvalidParameterException"
    assert "Member must satisfy enum value set: [EC2, FARGATE, EXTERNAL" in message


def test_daemon_services_refuse_desired_count_and_max_percent(ecs) -> None:
    call(ecs, "register_task_definition", **taskdef())
    base = {"cluster": "c", "taskDefinition": "web", "schedulingStrategy": "DAEMON"}
    code, message = error(ecs, "create_service", serviceName="d1", desiredCount=1, **base)
    assert (code, message) == (
        "InvalidParameterException",
        "The daemon scheduling strategy does not support a desired count for services.",
    )
    code, message = error(
        ecs,
        "create_service",
        serviceName="d2",
        deploymentConfiguration={"maximumPercent": 200},
        **base,
    )
    assert message == (
        "The daemon scheduling strategy does not support values above 100 for maximumPercent."
    )
    call(
        ecs,
        "create_service",
        serviceName="d3",
        deploymentConfiguration={"maximumPercent": 100, "minimumHealthyPercent": 0},
        **base,
    )


def _cluster_with_instances(aws: SimulatedAWS, count: int = 2) -> tuple[Any, Any]:
    ec2, ecs = aws.client("ec2"), aws.client("ecs")
    call(ecs, "create_cluster", clusterName="c")
    launch(ec2, "c", "m6i.xlarge", count)
    aws.run_until(
        lambda: len(ecs.list_container_instances(cluster="c")["containerInstanceArns"]) == count
    )
    return ec2, ecs


def test_stop_timeout_bounds_the_stop() -> None:
    """SIGTERM to SIGKILL: the container's stopTimeout (1 s here) caps the graceful stop."""
    aws = SimulatedAWS(seed=9, validate_responses=True)
    _, ecs = _cluster_with_instances(aws, 1)
    call(ecs, "register_task_definition", **taskdef(container={"stopTimeout": 1}))
    (task,) = call(ecs, "run_task", cluster="c", taskDefinition="web", count=1)["tasks"]
    arn = task["taskArn"]

    def described() -> dict[str, Any]:
        return ecs.describe_tasks(cluster="c", tasks=[arn])["tasks"][0]

    aws.run_until(lambda: described()["lastStatus"] == "RUNNING")
    call(ecs, "stop_task", cluster="c", task=arn)
    aws.run_until(lambda: described()["lastStatus"] == "STOPPED")
    t = described()
    assert (t["executionStoppedAt"] - t["stoppingAt"]).total_seconds() <= 1.0


def test_rollback_goes_to_the_last_completed_deployment() -> None:
    """Revision 1 completed; revision 2 is still rolling out when revision 3 (whose tasks
    all fail) replaces it: the circuit breaker rolls back to revision 1, the last deployment
    that COMPLETED, not to revision 2."""
    aws = SimulatedAWS(seed=9, validate_responses=True)
    _, ecs = _cluster_with_instances(aws, 2)
    arns = [
        call(ecs, "register_task_definition", **taskdef(container={"image": f"web:{i}"}))[
            "taskDefinition"
        ]["taskDefinitionArn"]
        for i in (1, 2, 3)
    ]
    config = {
        "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        "minimumHealthyPercent": 100,
        "maximumPercent": 200,
    }
    call(ecs, "create_service", cluster="c", serviceName="web", taskDefinition=arns[0],
         desiredCount=4, deploymentConfiguration=config)  # fmt: skip
    ecs.get_waiter("services_stable").wait(cluster="c", services=["web"])
    aws.ecs.start_failure[arns[2]] = 1.0

    def deployments() -> list[dict[str, Any]]:
        return ecs.describe_services(cluster="c", services=["web"])["services"][0]["deployments"]

    call(ecs, "update_service", cluster="c", service="web", taskDefinition=arns[1])
    aws.run_until(lambda: deployments()[0]["runningCount"] >= 1)
    assert deployments()[0]["rolloutState"] == "IN_PROGRESS"
    call(ecs, "update_service", cluster="c", service="web", taskDefinition=arns[2])
    aws.run_until(
        lambda: "rolling back" in (deployments()[0].get("rolloutStateReason") or ""),
        timeout="1h",
    )
    assert deployments()[0]["taskDefinition"] == arns[0]
