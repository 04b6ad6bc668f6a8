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


def test_a_missing_service_fails_in_ecs_short_arn_form(ecs) -> None:
    """ECS names a missing service as arn:...:service/<name>, without the cluster (live
    answers quoted in aws-actions/amazon-ecs-deploy-task-definition#312, #369)."""
    out = call(ecs, "describe_services", cluster="c", services=["nope", "arn:aws:ecs:x"])
    assert out["failures"] == [
        {"arn": "arn:aws:ecs:us-east-1:123456789012:service/nope", "reason": "MISSING"},
        {"arn": "arn:aws:ecs:x", "reason": "MISSING"},
    ]


def test_registered_memory_is_what_the_os_reports_less_the_reserve() -> None:
    """m4.large: 8 GiB nominal, 8373026816 bytes in `free -b`, 7985 MiB registered (ECS
    developer guide, memory-management.html); ECS_RESERVED_MEMORY comes off that."""
    from simulator.catalog.catalog import instance_type
    from simulator.ecs.container_instance import ContainerInstance, os_memory_mib

    m4 = instance_type("m4.large")
    assert (m4.memory_mib, os_memory_mib(m4)) == (8192, 7985)
    ci = ContainerInstance("i-1", m4, availability_zone="us-east-1a", reserved_memory_mib=256)
    assert ci.registered_memory == 7985 - 256
    aws = SimulatedAWS(seed=9, validate_responses=True)
    _, ecs = _cluster_with_instances(aws, 1)
    (arn,) = ecs.list_container_instances(cluster="c")["containerInstanceArns"]
    (described,) = ecs.describe_container_instances(cluster="c", containerInstances=[arn])[
        "containerInstances"
    ]
    memory = next(r for r in described["registeredResources"] if r["name"] == "MEMORY")
    assert memory["integerValue"] == os_memory_mib(instance_type("m6i.xlarge")) < 16384
    user_data = "#!/bin/bash\necho ECS_CLUSTER=c >> /etc/ecs/ecs.config\n"
    user_data += "echo ECS_RESERVED_MEMORY=512 >> /etc/ecs/ecs.config\n"
    ec2 = aws.client("ec2")
    call(ec2, "run_instances", ImageId="ami-1e749f67", InstanceType="m4.large", MinCount=1,
         MaxCount=1, UserData=user_data)  # fmt: skip
    aws.run_until(
        lambda: len(ecs.list_container_instances(cluster="c")["containerInstanceArns"]) == 2
    )
    registered = {
        next(r["integerValue"] for r in ci["registeredResources"] if r["name"] == "MEMORY")
        for ci in ecs.describe_container_instances(
            cluster="c", containerInstances=ecs.list_container_instances(cluster="c")[
                "containerInstanceArns"]
        )["containerInstances"]
    }  # fmt: skip
    assert 7985 - 512 in registered
    too_much = user_data.replace("512", "9000")
    code, message = error(ec2, "run_instances", ImageId="ami-1e749f67", InstanceType="m4.large",
                          MinCount=1, MaxCount=1, UserData=too_much)  # fmt: skip
    assert code == "UnsupportedOperation" and "ECS_RESERVED_MEMORY=9000" in message


def test_ecs_timing_written_as_the_csv_writes_it_is_a_clear_error() -> None:
    from simulator.core.errors import EcsimError

    csv_row = {"distribution": "fixed", "low": "0s", "high": "0s"}
    with pytest.raises(EcsimError, match=r"ecs_timing\.deactivation\.high: a fixed .* value"):
        SimulatedAWS(ecs_timing={"deactivation": csv_row})
    with pytest.raises(EcsimError, match=r"ecs_timing\.image_pull\.distribution"):
        SimulatedAWS(ecs_timing={"image_pull": {"distribution": "normal"}})
    with pytest.raises(EcsimError, match=r"ecs_timing\.image_pull: expected a duration"):
        SimulatedAWS(ecs_timing={"image_pull": ["5s"]})
    fine = SimulatedAWS(ecs_timing={"deactivation": {"distribution": "fixed", "value": "2s"}})
    assert fine.ecs.timing.durations["deactivation"].mean == 2.0


def _unplaceable_service(aws: SimulatedAWS, **timing: Any) -> Any:
    _, ecs = _cluster_with_instances(aws, 1)
    call(ecs, "register_task_definition", **taskdef(cpu=1024, memory=15000))
    call(ecs, "create_service", cluster="c", serviceName="web", taskDefinition="web",
         desiredCount=2)  # fmt: skip
    return ecs


def _placement_events(ecs: Any) -> list[Any]:
    events = ecs.describe_services(cluster="c", services=["web"])["services"][0]["events"]
    return [e["createdAt"] for e in events if "was unable to place a task" in e["message"]]


def test_unable_to_place_is_posted_again_every_six_hours_while_it_holds() -> None:
    """'duplicate event messages are omitted until either the cause is resolved or six hours
    passes' (ECS developer guide, service-event-messages.html)."""
    aws = SimulatedAWS(seed=9, validate_responses=True)
    ecs = _unplaceable_service(aws)
    aws.advance("1h")
    assert len(_placement_events(ecs)) == 1
    aws.advance("5h1m")
    assert len(_placement_events(ecs)) == 2
    aws.advance("12h")
    newest, *_, first = _placement_events(ecs)
    assert len(_placement_events(ecs)) == 4
    assert (newest - first).total_seconds() == pytest.approx(18 * 3600, abs=120)


def test_the_repeat_interval_is_a_parameter() -> None:
    timing = {"duplicate_service_event": "10m"}
    aws = SimulatedAWS(seed=9, validate_responses=True, ecs_timing=timing)
    assert aws.ecs.timing.duplicate_event_interval == 600
    ecs = _unplaceable_service(aws)
    aws.advance("31m")
    assert len(_placement_events(ecs)) == 4
