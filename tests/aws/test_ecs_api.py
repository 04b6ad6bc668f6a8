"""The boto3 ECS client on a simulated account: clusters, registration through UserData,
task definitions, the task lifecycle, services and deployments, draining, errors."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from ecs_api_helpers import (
    DEFAULT_SUBNETS,
    attribute,
    call,
    container_instances,
    describe_service,
    describe_task,
    error,
    launch,
    resources,
    service_tasks,
    taskdef,
)

from simulator.aws import ECS_ERROR_CODES, ECS_OPERATIONS, SimulatedAWS
from simulator.aws.ecs import cluster_of_user_data


@pytest.fixture
def aws() -> SimulatedAWS:
    return SimulatedAWS(seed=5, validate_responses=True)


@pytest.fixture
def ec2(aws: SimulatedAWS) -> Any:
    return aws.client("ec2")


@pytest.fixture
def ecs(aws: SimulatedAWS) -> Any:
    return aws.client("ecs")


def cluster_with(aws: SimulatedAWS, ec2: Any, ecs: Any, n: int = 2, itype: str = "m6i.xlarge"):
    call(ecs, "create_cluster", clusterName="prod")
    ids = launch(ec2, "prod", itype, n)
    aws.advance("2m")  # boot (5-17 s) and agent registration (10-30 s)
    return ids


# ----------------------------------------------------------------------------- user data
@pytest.mark.parametrize(
    "user_data, cluster",
    [
        ("#!/bin/bash\necho ECS_CLUSTER=prod >> /etc/ecs/ecs.config", "prod"),
        ("ECS_CLUSTER=blue\nECS_RESERVED_MEMORY=256\n", "blue"),
        ('echo "ECS_CLUSTER=a" > /etc/ecs/ecs.config\necho ECS_CLUSTER=b >> x', "b"),
        (base64.b64encode(b"ECS_CLUSTER=encoded").decode(), "encoded"),
        (b"ECS_CLUSTER=raw-bytes", "raw-bytes"),
        ("ECS_CLUSTER=arn:aws:ecs:us-east-1:123456789012:cluster/by-arn", "by-arn"),
        ("#!/bin/bash\nyum update -y", None),
        ("", None),
    ],
)
def test_the_cluster_is_read_from_user_data(user_data: Any, cluster: str | None) -> None:
    assert cluster_of_user_data(user_data) == cluster


def test_instances_register_after_boot_and_agent_start(aws, ec2, ecs) -> None:
    call(ecs, "create_cluster", clusterName="prod")
    arm = launch(ec2, "prod", "m6g.large", 1, Placement={"AvailabilityZone": "us-east-1b"})
    plain = call(
        ec2,
        "run_instances",
        ImageId="ami-1e749f67",
        InstanceType="m6i.large",
        MinCount=1,
        MaxCount=1,
    )["Instances"][0]["InstanceId"]
    assert container_instances(ecs, "prod") == []  # still pending
    aws.advance("2m")
    (ci,) = container_instances(ecs, "prod")
    assert ci["ec2InstanceId"] == arm[0] != plain  # no ECS_CLUSTER: joins nothing
    assert (ci["status"], ci["agentConnected"]) == ("ACTIVE", True)
    assert attribute(ci, "ecs.cpu-architecture") == "arm64"
    assert attribute(ci, "ecs.availability-zone") == "us-east-1b"  # the instance's zone
    assert attribute(ci, "ecs.instance-type") == "m6g.large"
    assert attribute(ci, "ecs.ami-id") == "ami-1e749f67"
    registered = resources(ci, "registeredResources")
    assert (registered["CPU"], registered["MEMORY"]) == (2048, 7985)  # what the OS reports
    assert registered["PORTS"] == {"22", "2375", "2376", "51678", "51679"}
    assert ci["registeredAt"] > aws.timestamp(0)
    cluster = call(ecs, "describe_clusters", clusters=["prod"])["clusters"][0]
    assert cluster["registeredContainerInstancesCount"] == 1


def test_an_agent_waits_for_its_cluster_to_exist(aws, ec2, ecs) -> None:
    launch(ec2, "later", "m6i.large", 2)
    aws.advance("2m")
    assert error(ecs, "list_container_instances", cluster="later")[0] == (
        "ClusterNotFoundException"
    )
    call(ecs, "create_cluster", clusterName="later")
    aws.advance("1m")
    assert len(container_instances(ecs, "later")) == 2


def test_instance_types_ecsim_cannot_register_are_refused_before_launch(aws, ec2) -> None:
    code, message = error(
        ec2,
        "run_instances",
        ImageId="ami-1e749f67",
        InstanceType="u7ib-12tb.224xlarge",  # in the enum, no source gives its figures
        MinCount=1,
        MaxCount=1,
        UserData="ECS_CLUSTER=prod",
    )
    assert code == "UnsupportedOperation" and "u7ib-12tb.224xlarge" in message
    assert aws.fleet.instances == {}


# ----------------------------------------------------------------------------- clusters
def test_cluster_lifecycle(aws, ec2, ecs) -> None:
    created = call(ecs, "create_cluster", clusterName="c1", tags=[{"key": "k", "value": "v"}])
    assert created["cluster"]["status"] == "ACTIVE"
    assert created["cluster"]["tags"] == [{"key": "k", "value": "v"}]
    assert (
        call(ecs, "create_cluster", clusterName="c1")["cluster"]["clusterArn"]
        == (created["cluster"]["clusterArn"])
    )  # idempotent
    call(ecs, "create_cluster")  # "default"
    arns = call(ecs, "list_clusters")["clusterArns"]
    assert [a.rsplit("/", 1)[-1] for a in arns] == ["c1", "default"]
    first = call(ecs, "list_clusters", maxResults=1)
    second = call(ecs, "list_clusters", nextToken=first["nextToken"])
    assert first["clusterArns"] + second["clusterArns"] == arns and "nextToken" not in second
    assert call(ecs, "describe_clusters")["clusters"][0]["clusterName"] == "default"
    deleted = call(ecs, "delete_cluster", cluster="c1")["cluster"]
    assert deleted["status"] == "INACTIVE"
    described = call(ecs, "describe_clusters", clusters=["c1", "nope"])
    assert [c["status"] for c in described["clusters"]] == ["INACTIVE"]
    assert described["failures"] == [
        {"arn": "arn:aws:ecs:us-east-1:123456789012:cluster/nope", "reason": "MISSING"}
    ]
    assert error(ecs, "delete_cluster", cluster="c1")[0] == "ClusterNotFoundException"
    assert call(ecs, "create_cluster", clusterName="c1")["cluster"]["status"] == "ACTIVE"


def test_a_cluster_in_use_cannot_be_deleted(aws, ec2, ecs) -> None:
    ids = cluster_with(aws, ec2, ecs, 1)
    assert error(ecs, "delete_cluster", cluster="prod") == (
        "ClusterContainsContainerInstancesException",
        "The Cluster cannot be deleted while Container Instances are active or draining.",
    )
    call(ec2, "terminate_instances", InstanceIds=ids)
    aws.advance("5m")
    assert container_instances(ecs, "prod") == []
    (ci,) = container_instances(ecs, "prod", status="INACTIVE")
    assert ci["status"] == "INACTIVE" and not ci["agentConnected"]
    assert call(ecs, "delete_cluster", cluster="prod")["cluster"]["status"] == "INACTIVE"


def test_a_stopped_instance_terminated_stays_registered_until_deregistered(aws, ec2, ecs):
    """DeregisterContainerInstance reference: "stopped container instances or instances with
    disconnected agents aren't automatically deregistered when terminated"."""
    ids = cluster_with(aws, ec2, ecs, 1)
    call(ecs, "register_task_definition", **taskdef())
    call(ec2, "stop_instances", InstanceIds=ids)
    aws.advance("5m")
    call(ec2, "terminate_instances", InstanceIds=ids)
    aws.advance("5m")
    (ci,) = container_instances(ecs, "prod")
    assert (ci["status"], ci["agentConnected"]) == ("ACTIVE", False)
    assert error(ecs, "delete_cluster", cluster="prod")[0] == (
        "ClusterContainsContainerInstancesException"
    )
    gone = call(
        ecs, "deregister_container_instance", cluster="prod",
        containerInstance=ci["containerInstanceArn"],
    )["containerInstance"]  # fmt: skip
    assert gone["status"] == "INACTIVE"
    assert call(ecs, "delete_cluster", cluster="prod")["cluster"]["status"] == "INACTIVE"


def test_deregistering_an_instance_with_tasks_needs_force(aws, ec2, ecs) -> None:
    cluster_with(aws, ec2, ecs, 1)
    call(ecs, "register_task_definition", **taskdef())
    task = call(ecs, "run_task", cluster="prod", taskDefinition="web")["tasks"][0]
    arn = task["containerInstanceArn"]
    assert (
        error(ecs, "deregister_container_instance", cluster="prod", containerInstance=arn)[0]
        == "InvalidParameterException"
    )
    call(ecs, "deregister_container_instance", cluster="prod", containerInstance=arn, force=True)
    assert describe_task(ecs, "prod", task["taskArn"])["lastStatus"] == "STOPPED"
    assert container_instances(ecs, "prod") == []
    aws.advance("10m")  # the agent does not register the instance again
    assert container_instances(ecs, "prod") == []


# ----------------------------------------------------------------------------- task defs
def test_task_definition_revisions(ecs) -> None:
    first = call(ecs, "register_task_definition", **taskdef("api"))["taskDefinition"]
    assert (first["family"], first["revision"], first["status"]) == ("api", 1, "ACTIVE")
    call(ecs, "register_task_definition", **taskdef("api", memory=2048))
    call(ecs, "register_task_definition", **taskdef("worker"))
    assert (
        call(ecs, "describe_task_definition", taskDefinition="api")["taskDefinition"]["revision"]
        == 2
    )
    listed = call(ecs, "list_task_definitions")["taskDefinitionArns"]
    assert [a.rsplit("/", 1)[-1] for a in listed] == ["api:1", "api:2", "worker:1"]
    newest_first = call(ecs, "list_task_definitions", familyPrefix="api", sort="DESC")
    assert [a.rsplit("/", 1)[-1] for a in newest_first["taskDefinitionArns"]] == [
        "api:2",
        "api:1",
    ]
    assert call(ecs, "list_task_definitions", familyPrefix="ap")["taskDefinitionArns"] == []
    gone = call(ecs, "deregister_task_definition", taskDefinition="api:2")["taskDefinition"]
    assert gone["status"] == "INACTIVE"
    assert (
        call(ecs, "describe_task_definition", taskDefinition="api")["taskDefinition"]["revision"]
        == 1
    )
    inactive = call(ecs, "list_task_definitions", status="INACTIVE")["taskDefinitionArns"]
    assert [a.rsplit("/", 1)[-1] for a in inactive] == ["api:2"]
    assert call(ecs, "list_task_definition_families")["families"] == ["api", "worker"]


@pytest.mark.parametrize(
    "doc, message",
    [
        (taskdef(memory=None), "At least one of 'memory' or 'memoryReservation'"),
        (
            {"family": "f", "containerDefinitions": []},
            "Container list cannot be empty.",
        ),
        (
            taskdef(requiresCompatibilities=["FARGATE"], networkMode="awsvpc"),
            "Fargate requires that 'cpu' be defined at the task level.",
        ),
        (
            taskdef(container={"essential": False}),
            "Task definition doesn't have any essential container.",
        ),
    ],
)
def test_task_definition_refusals(ecs, doc: dict, message: str) -> None:
    if doc["containerDefinitions"] and doc["containerDefinitions"][0].get("memory") is None:
        del doc["containerDefinitions"][0]["memory"]
    code, text = error(ecs, "register_task_definition", **doc)
    assert code == "ClientException" and message in text


def test_an_inactive_revision_runs_no_new_tasks(aws, ec2, ecs) -> None:
    cluster_with(aws, ec2, ecs, 1)
    call(ecs, "register_task_definition", **taskdef())
    call(ecs, "deregister_task_definition", taskDefinition="web:1")
    assert error(ecs, "run_task", cluster="prod", taskDefinition="web:1") == (
        "ClientException",
        "TaskDefinition is inactive",
    )


# ----------------------------------------------------------------------------- tasks
def test_a_task_reports_its_lifecycle(aws, ec2, ecs) -> None:
    cluster_with(aws, ec2, ecs, 1)
    call(
        ecs,
        "register_task_definition",
        **taskdef(container={"portMappings": [{"containerPort": 80, "hostPort": 8080}]}),
    )
    started = aws.now
    task = call(ecs, "run_task", cluster="prod", taskDefinition="web", startedBy="cron")["tasks"][0]
    assert (task["lastStatus"], task["desiredStatus"]) == ("PENDING", "RUNNING")
    assert (task["group"], task["startedBy"], task["launchType"]) == ("family:web", "cron", "EC2")
    assert task["createdAt"] == aws.timestamp(started)
    arn = task["taskArn"]
    ecs.get_waiter("tasks_running").wait(cluster="prod", tasks=[arn])
    running = describe_task(ecs, "prod", arn)
    assert running["lastStatus"] == "RUNNING"
    assert running["createdAt"] <= running["pullStartedAt"] <= running["pullStoppedAt"]
    assert running["pullStoppedAt"] <= running["startedAt"]
    (container,) = running["containers"]
    assert container["lastStatus"] == "RUNNING"
    assert container["networkBindings"] == [
        {"bindIP": "0.0.0.0", "containerPort": 80, "hostPort": 8080, "protocol": "tcp"}
    ]
    (ci,) = container_instances(ecs, "prod")
    assert "8080" in resources(ci, "remainingResources")["PORTS"]
    stopped = call(ecs, "stop_task", cluster="prod", task=arn, reason="rotate credentials")
    assert stopped["task"]["desiredStatus"] == "STOPPED"
    ecs.get_waiter("tasks_stopped").wait(cluster="prod", tasks=[arn])
    done = describe_task(ecs, "prod", arn)
    assert (done["lastStatus"], done["stopCode"], done["stoppedReason"]) == (
        "STOPPED",
        "UserInitiated",
        "rotate credentials",
    )
    assert done["startedAt"] <= done["stoppingAt"] <= done["executionStoppedAt"]
    assert done["executionStoppedAt"] <= done["stoppedAt"]
    assert done["containers"][0]["lastStatus"] == "STOPPED"
    (ci,) = container_instances(ecs, "prod")
    assert resources(ci, "remainingResources") == resources(ci, "registeredResources")
    assert call(ecs, "list_tasks", cluster="prod")["taskArns"] == []
    assert call(ecs, "list_tasks", cluster="prod", desiredStatus="STOPPED")["taskArns"] == [arn]
    # stopped tasks stay visible for an hour
    aws.advance("61m")
    assert call(ecs, "describe_tasks", cluster="prod", tasks=[arn])["failures"] == [
        {"arn": arn, "reason": "MISSING"}
    ]


def test_run_task_limits_and_failures(aws, ec2, ecs) -> None:
    call(ecs, "create_cluster", clusterName="prod")
    call(ecs, "register_task_definition", **taskdef(cpu=1024, memory=3840))
    assert error(ecs, "run_task", cluster="prod", taskDefinition="web") == (
        "InvalidParameterException",
        "No Container Instances were found in your cluster.",
    )
    cluster_with(aws, ec2, ecs, 1)  # 4096 CPU units, 15970 MiB (16 GiB less the OS's share)
    assert error(ecs, "run_task", cluster="prod", taskDefinition="web", count=11)[0] == (
        "InvalidParameterException"
    )
    response = call(ecs, "run_task", cluster="prod", taskDefinition="web", count=5)
    assert len(response["tasks"]) == 4
    (ci,) = container_instances(ecs, "prod")
    assert response["failures"] == [{"arn": ci["containerInstanceArn"], "reason": "RESOURCE:CPU"}]
    assert (ci["pendingTasksCount"], ci["runningTasksCount"]) == (4, 0)
    aws.advance("2m")
    (ci,) = container_instances(ecs, "prod")
    assert (ci["pendingTasksCount"], ci["runningTasksCount"]) == (0, 4)
    cluster = call(ecs, "describe_clusters", clusters=["prod"])["clusters"][0]
    assert (cluster["runningTasksCount"], cluster["pendingTasksCount"]) == (4, 0)


def test_start_task_on_named_instances(aws, ec2, ecs) -> None:
    cluster_with(aws, ec2, ecs, 2)
    arns = call(ecs, "list_container_instances", cluster="prod")["containerInstanceArns"]
    call(ecs, "register_task_definition", **taskdef(cpu=4096))
    first = call(ecs, "start_task", cluster="prod", taskDefinition="web", containerInstances=arns)
    assert sorted(t["containerInstanceArn"] for t in first["tasks"]) == sorted(arns)
    again = call(
        ecs, "start_task", cluster="prod", taskDefinition="web", containerInstances=arns[:1]
    )
    assert again["failures"] == [{"arn": arns[0], "reason": "RESOURCE:CPU"}]


def test_list_tasks_filters_and_pages(aws, ec2, ecs) -> None:
    cluster_with(aws, ec2, ecs, 2)
    call(ecs, "register_task_definition", **taskdef("a", cpu=128, memory=128))
    call(ecs, "register_task_definition", **taskdef("b", cpu=128, memory=128))
    a = call(ecs, "run_task", cluster="prod", taskDefinition="a", count=10)["tasks"]
    b = call(ecs, "run_task", cluster="prod", taskDefinition="b", count=3, startedBy="me")["tasks"]
    arns = [t["taskArn"] for t in a + b]
    assert call(ecs, "list_tasks", cluster="prod")["taskArns"] == arns
    family = call(ecs, "list_tasks", cluster="prod", family="b")["taskArns"]
    assert family == [t["taskArn"] for t in b]
    assert call(ecs, "list_tasks", cluster="prod", startedBy="me")["taskArns"] == family
    ci = a[0]["containerInstanceArn"]
    on_ci = call(ecs, "list_tasks", cluster="prod", containerInstance=ci)["taskArns"]
    assert on_ci == [t["taskArn"] for t in a + b if t["containerInstanceArn"] == ci]
    pages = list(
        ecs.get_paginator("list_tasks").paginate(cluster="prod", PaginationConfig={"PageSize": 4})
    )
    assert [len(p["taskArns"]) for p in pages] == [4, 4, 4, 1]
    assert [x for p in pages for x in p["taskArns"]] == arns
    assert error(ecs, "list_tasks", cluster="prod", startedBy="me", family="b")[0] == (
        "InvalidParameterException"
    )
    assert error(ecs, "list_tasks", cluster="prod", serviceName="nope")[0] == (
        "ServiceNotFoundException"
    )
    assert error(ecs, "list_tasks", cluster="prod", maxResults=101)[0] == (
        "InvalidParameterException"
    )


# ----------------------------------------------------------------------------- services
def test_a_rolling_deployment_shows_in_describe_services(aws, ec2, ecs) -> None:
    cluster_with(aws, ec2, ecs, 2)
    call(ecs, "register_task_definition", **taskdef(cpu=512, memory=1024))
    created = call(
        ecs,
        "create_service",
        cluster="prod",
        serviceName="web",
        taskDefinition="web",
        desiredCount=4,
        deploymentConfiguration={
            "minimumHealthyPercent": 50,
            "maximumPercent": 100,
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        },
    )["service"]
    assert created["deploymentConfiguration"]["minimumHealthyPercent"] == 50
    assert created["placementStrategy"] == [
        {"type": "spread", "field": "attribute:ecs.availability-zone"}
    ]
    ecs.get_waiter("services_stable").wait(cluster="prod", services=["web"])
    first = describe_service(ecs, "prod", "web")["deployments"][0]
    call(
        ecs,
        "register_task_definition",
        **taskdef(cpu=512, memory=1024, container={"image": "web:2"}),
    )
    updated = call(ecs, "update_service", cluster="prod", service="web", taskDefinition="web:2")
    deployments = updated["service"]["deployments"]
    assert [d["status"] for d in deployments] == ["PRIMARY", "ACTIVE"]
    assert deployments[0]["taskDefinition"].endswith("web:2")
    assert deployments[0]["rolloutState"] == "IN_PROGRESS"
    assert deployments[1]["id"] == first["id"]
    aws.advance(1)  # the scheduler acts: maximumPercent 100 -> stop 2 old tasks first
    mid = describe_service(ecs, "prod", "web")
    old, new = mid["deployments"][1], mid["deployments"][0]
    assert old["runningCount"] == 2 and mid["runningCount"] >= 2  # minimumHealthyPercent 50
    assert new["desiredCount"] == 4
    ecs.get_waiter("services_stable").wait(cluster="prod", services=["web"])
    done = describe_service(ecs, "prod", "web")
    (primary,) = done["deployments"]
    assert (primary["rolloutState"], primary["runningCount"], primary["failedTasks"]) == (
        "COMPLETED",
        4,
        0,
    )
    assert done["taskDefinition"].endswith("web:2")
    messages = [e["message"] for e in done["events"]]
    assert messages[0] == "(service web) has reached a steady state."
    assert f"(service web) (deployment {primary['id']}) deployment completed." in messages
    times = [e["createdAt"] for e in done["events"]]
    assert times == sorted(times, reverse=True)  # newest first
    assert len({e["id"] for e in done["events"]}) == len(done["events"])
    stopped = call(ecs, "list_tasks", cluster="prod", serviceName="web", desiredStatus="STOPPED")
    old_tasks = call(ecs, "describe_tasks", cluster="prod", tasks=stopped["taskArns"])["tasks"]
    assert len(old_tasks) == 4
    assert {t["stopCode"] for t in old_tasks} == {"ServiceSchedulerInitiated"}
    assert {t["stoppedReason"] for t in old_tasks} == {
        f"Scaling activity initiated by (deployment {primary['id']})"
    }


def test_force_new_deployment_and_scaling(aws, ec2, ecs) -> None:
    cluster_with(aws, ec2, ecs, 2)
    call(ecs, "register_task_definition", **taskdef())
    call(
        ecs,
        "create_service",
        cluster="prod",
        serviceName="web",
        taskDefinition="web",
        desiredCount=2,
    )
    ecs.get_waiter("services_stable").wait(cluster="prod", services=["web"])
    forced = call(ecs, "update_service", cluster="prod", service="web", forceNewDeployment=True)
    assert len(forced["service"]["deployments"]) == 2
    ecs.get_waiter("services_stable").wait(cluster="prod", services=["web"])
    scaled = call(ecs, "update_service", cluster="prod", service="web", desiredCount=5)
    assert (scaled["service"]["desiredCount"], len(scaled["service"]["deployments"])) == (5, 1)
    ecs.get_waiter("services_stable").wait(cluster="prod", services=["web"])
    assert describe_service(ecs, "prod", "web")["runningCount"] == 5
    assert len(service_tasks(ecs, "prod", "web")) == 5
    listed = call(ecs, "list_services", cluster="prod")["serviceArns"]
    assert [a.rsplit("/", 1)[-1] for a in listed] == ["web"]


def test_delete_service(aws, ec2, ecs) -> None:
    cluster_with(aws, ec2, ecs, 1)
    call(ecs, "register_task_definition", **taskdef())
    call(
        ecs,
        "create_service",
        cluster="prod",
        serviceName="web",
        taskDefinition="web",
        desiredCount=2,
    )
    assert error(
        ecs,
        "create_service",
        cluster="prod",
        serviceName="web",
        taskDefinition="web",
        desiredCount=1,
    ) == ("InvalidParameterException", "Creation of service was not idempotent.")
    ecs.get_waiter("services_stable").wait(cluster="prod", services=["web"])
    assert error(ecs, "delete_service", cluster="prod", service="web") == (
        "InvalidParameterException",
        "The service cannot be stopped while it is scaled above 0.",
    )
    assert error(ecs, "delete_cluster", cluster="prod")[0] in (
        "ClusterContainsContainerInstancesException",
    )
    deleted = call(ecs, "delete_service", cluster="prod", service="web", force=True)["service"]
    assert (deleted["status"], deleted["desiredCount"]) == ("DRAINING", 0)
    assert error(ecs, "update_service", cluster="prod", service="web", desiredCount=1) == (
        "ServiceNotActiveException",
        "Service was not ACTIVE.",
    )
    ecs.get_waiter("services_inactive").wait(cluster="prod", services=["web"])
    assert call(ecs, "list_services", cluster="prod")["serviceArns"] == []
    assert describe_service(ecs, "prod", "web")["status"] == "INACTIVE"
    recreated = call(
        ecs,
        "create_service",
        cluster="prod",
        serviceName="web",
        taskDefinition="web",
        desiredCount=0,
    )
    assert recreated["service"]["status"] == "ACTIVE"


def test_service_errors(aws, ec2, ecs) -> None:
    call(ecs, "create_cluster", clusterName="prod")
    call(ecs, "register_task_definition", **taskdef())
    assert error(ecs, "describe_services", cluster="nope", services=["x"])[0] == (
        "ClusterNotFoundException"
    )
    missing = call(ecs, "describe_services", cluster="prod", services=["x"])
    assert missing["failures"][0]["reason"] == "MISSING"
    assert error(ecs, "update_service", cluster="prod", service="x")[0] == (
        "ServiceNotFoundException"
    )
    assert error(ecs, "delete_service", cluster="prod", service="x")[0] == (
        "ServiceNotFoundException"
    )
    assert (
        error(ecs, "create_service", cluster="prod", serviceName="s", taskDefinition="web")[0]
        == "InvalidParameterException"
    )  # no desiredCount
    code, message = error(
        ecs,
        "create_service",
        cluster="prod",
        serviceName="s",
        taskDefinition="web",
        desiredCount=1,
        deploymentController={"type": "BLUE_GREEN"},  # CODE_DEPLOY / EXTERNAL: task sets
    )
    assert code == "InvalidParameterException" and "BLUE_GREEN" in message
    bad = error(
        ecs,
        "create_service",
        cluster="prod",
        serviceName="s",
        taskDefinition="web",
        desiredCount=1,
        placementStrategy=[{"type": "binpack", "field": "disk"}],
    )
    assert bad[0] == "InvalidParameterException"


def test_daemon_service_runs_one_task_per_instance(aws, ec2, ecs) -> None:
    cluster_with(aws, ec2, ecs, 3)
    call(ecs, "register_task_definition", **taskdef("agent", cpu=128, memory=128))
    call(
        ecs,
        "create_service",
        cluster="prod",
        serviceName="agent",
        taskDefinition="agent",
        schedulingStrategy="DAEMON",
    )
    ecs.get_waiter("services_stable").wait(cluster="prod", services=["agent"])
    service = describe_service(ecs, "prod", "agent")
    assert (service["schedulingStrategy"], service["desiredCount"]) == ("DAEMON", 3)
    assert len({t["containerInstanceArn"] for t in service_tasks(ecs, "prod", "agent")}) == 3


# ----------------------------------------------------------------------------- draining
def test_draining_moves_service_tasks_and_leaves_standalone_ones(aws, ec2, ecs) -> None:
    cluster_with(aws, ec2, ecs, 2)
    call(ecs, "register_task_definition", **taskdef())
    call(ecs, "register_task_definition", **taskdef("batch", cpu=128, memory=128))
    call(
        ecs,
        "create_service",
        cluster="prod",
        serviceName="web",
        taskDefinition="web",
        desiredCount=4,
        placementStrategy=[{"type": "spread", "field": "instanceId"}],
    )
    ecs.get_waiter("services_stable").wait(cluster="prod", services=["web"])
    arns = call(ecs, "list_container_instances", cluster="prod")["containerInstanceArns"]
    victim = arns[0]
    batch = call(
        ecs, "start_task", cluster="prod", taskDefinition="batch", containerInstances=[victim]
    )["tasks"][0]
    drained = call(
        ecs,
        "update_container_instances_state",
        cluster="prod",
        containerInstances=[victim, "0123456789abcdef0123456789abcdef"],
        status="DRAINING",
    )
    assert [c["status"] for c in drained["containerInstances"]] == ["DRAINING"]
    assert drained["failures"][0]["reason"] == "MISSING"
    assert call(ecs, "list_container_instances", cluster="prod", status="DRAINING")[
        "containerInstanceArns"
    ] == [victim]
    ecs.get_waiter("services_stable").wait(cluster="prod", services=["web"])
    aws.advance("2m")
    tasks = service_tasks(ecs, "prod", "web")
    assert len(tasks) == 4 and {t["containerInstanceArn"] for t in tasks} == {arns[1]}
    assert describe_task(ecs, "prod", batch["taskArn"])["lastStatus"] == "RUNNING"
    back = call(
        ecs,
        "update_container_instances_state",
        cluster="prod",
        containerInstances=[victim],
        status="ACTIVE",
    )
    assert back["containerInstances"][0]["status"] == "ACTIVE"
    assert error(
        ecs,
        "update_container_instances_state",
        cluster="prod",
        containerInstances=[victim],
        status="REGISTERING",
    )[0] == ("InvalidParameterException")


def test_tasks_on_a_terminated_instance_stop(aws, ec2, ecs) -> None:
    ids = cluster_with(aws, ec2, ecs, 1)
    call(ecs, "register_task_definition", **taskdef())
    task = call(ecs, "run_task", cluster="prod", taskDefinition="web")["tasks"][0]
    call(ec2, "terminate_instances", InstanceIds=ids)
    aws.advance("1m")
    done = describe_task(ecs, "prod", task["taskArn"])
    assert done["lastStatus"] == "STOPPED"
    assert done["stoppedReason"] == f"Host EC2 (instance {ids[0]}) stopped/terminated."


# ----------------------------------------------------------------------------- capacity
def test_fargate_capacity_provider(aws, ecs) -> None:
    call(
        ecs,
        "create_cluster",
        clusterName="serverless",
        capacityProviders=["FARGATE", "FARGATE_SPOT"],
        defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1}],
    )
    cluster = call(ecs, "describe_clusters", clusters=["serverless"])["clusters"][0]
    assert cluster["capacityProviders"] == ["FARGATE", "FARGATE_SPOT"]
    call(
        ecs,
        "register_task_definition",
        family="fn",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "fn", "image": "fn:1", "essential": True}],
    )
    assert error(ecs, "run_task", cluster="serverless", taskDefinition="fn") == (
        "InvalidParameterException",
        "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
    )
    network = {"awsvpcConfiguration": {"subnets": DEFAULT_SUBNETS}}
    task = call(
        ecs, "run_task", cluster="serverless", taskDefinition="fn", networkConfiguration=network
    )["tasks"][0]
    assert task["lastStatus"] == "PROVISIONING" and task["capacityProviderName"] == "FARGATE"
    ecs.get_waiter("tasks_running").wait(cluster="serverless", tasks=[task["taskArn"]])
    running = describe_task(ecs, "serverless", task["taskArn"])
    assert running["launchType"] == "FARGATE" and "containerInstanceArn" not in running


def test_auto_scaling_group_capacity_provider(aws, ecs) -> None:
    call(ecs, "create_cluster", clusterName="prod")
    arn = aws.create_auto_scaling_group("asg", ["m6g.large"], min_size=0, max_size=4)
    provider = call(
        ecs,
        "create_capacity_provider",
        name="arm",
        autoScalingGroupProvider={
            "autoScalingGroupArn": arn,
            "managedScaling": {"status": "ENABLED", "targetCapacity": 100},
            "managedTerminationProtection": "ENABLED",
        },
    )["capacityProvider"]
    assert provider["autoScalingGroupProvider"]["autoScalingGroupArn"] == arn
    names = [p["name"] for p in call(ecs, "describe_capacity_providers")["capacityProviders"]]
    assert names == ["FARGATE", "FARGATE_SPOT", "arm"]
    call(
        ecs,
        "put_cluster_capacity_providers",
        cluster="prod",
        capacityProviders=["arm"],
        defaultCapacityProviderStrategy=[{"capacityProvider": "arm", "weight": 1}],
    )
    call(ecs, "register_task_definition", **taskdef(cpu=1024, memory=2048))
    call(
        ecs,
        "create_service",
        cluster="prod",
        serviceName="web",
        taskDefinition="web",
        desiredCount=3,
    )
    # no instances yet: the tasks wait in PROVISIONING while managed scaling launches some
    ecs.get_waiter("services_stable").wait(
        cluster="prod", services=["web"], WaiterConfig={"Delay": 15, "MaxAttempts": 80}
    )
    service = describe_service(ecs, "prod", "web")
    assert service["runningCount"] == 3
    assert service["capacityProviderStrategy"] == [
        {"capacityProvider": "arm", "base": 0, "weight": 1}
    ]
    cis = container_instances(ecs, "prod")
    assert {ci["capacityProviderName"] for ci in cis} == {"arm"}


# ----------------------------------------------------------------------------- facade
def test_unsimulated_operations_and_params_are_refused(ecs) -> None:
    code, message = error(ecs, "list_attributes", targetType="container-instance")
    assert code == "UnsupportedOperation" and "ListAttributes" in message
    code, message = error(
        ecs, "create_cluster", clusterName="c", serviceConnectDefaults={"namespace": "x"}
    )
    assert code == "UnsupportedOperation" and "serviceConnectDefaults" in message


def test_every_code_is_declared_and_every_operation_exists() -> None:
    import botocore.session

    model = botocore.session.get_session().get_service_model("ecs")
    assert set(ECS_OPERATIONS) <= set(model.operation_names)
    modeled = {
        s.name for op in model.operation_names for s in model.operation_model(op).error_shapes
    }
    assert ECS_ERROR_CODES - {"UnsupportedOperation"} <= modeled


def test_the_plugin_gives_an_ecs_client_of_the_same_account(
    simulated_aws: SimulatedAWS, ec2_client: Any, ecs_client: Any
) -> None:
    call(ecs_client, "create_cluster", clusterName="prod")
    launch(ec2_client, "prod", "m6g.large")
    simulated_aws.advance("2m")
    assert len(container_instances(ecs_client, "prod")) == 1


def test_errors_carry_the_modeled_message_member(ecs) -> None:
    """botocore adds an error shape's members to the response (ECS errors model
    ``message``): a real ClientError.response has them, and so does ecsim's."""
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as info:
        ecs.describe_services(cluster="nope", services=["web"])
    assert info.value.response["Error"] == {
        "Code": "ClusterNotFoundException",
        "Message": "Cluster not found.",
    }
    assert info.value.response["message"] == "Cluster not found."
    assert isinstance(info.value, ecs.exceptions.ClusterNotFoundException)


def test_list_container_instances_takes_a_cluster_query(aws, ec2, ecs) -> None:
    call(ecs, "create_cluster", clusterName="prod")
    arm = launch(ec2, "prod", "m6g.large", 2)
    launch(ec2, "prod", "m6i.large", 1)
    aws.advance("2m")
    graviton = call(
        ecs,
        "list_container_instances",
        cluster="prod",
        filter="attribute:ecs.cpu-architecture == arm64",
    )["containerInstanceArns"]
    described = call(
        ecs, "describe_container_instances", cluster="prod", containerInstances=graviton
    )["containerInstances"]
    assert sorted(ci["ec2InstanceId"] for ci in described) == sorted(arm)
    code, _ = error(ecs, "list_container_instances", cluster="prod", filter="attribute:x ==")
    assert code == "InvalidParameterException"


def test_starting_a_running_instance_then_deregistering_it(aws, ec2, ecs) -> None:
    """Found by the state machine: StartInstances of a running instance re-armed the agent's
    registration (counted twice), and a registration due after DeregisterContainerInstance
    failed. Neither may change what the cluster has."""
    ids = cluster_with(aws, ec2, ecs, 2, "m6g.large")
    call(ec2, "start_instances", InstanceIds=ids[:1])  # running -> running
    aws.advance(60)
    assert aws.ecs.cluster("prod").registered_cpu == 2 * 2048  # not counted twice
    arn = container_instances(ecs, "prod")[0]["containerInstanceArn"]
    call(ec2, "start_instances", InstanceIds=ids)
    call(ecs, "deregister_container_instance", cluster="prod", containerInstance=arn)
    aws.advance("2m")
    assert len(container_instances(ecs, "prod")) == 1
    assert aws.ecs.cluster("prod").registered_cpu == 2048
