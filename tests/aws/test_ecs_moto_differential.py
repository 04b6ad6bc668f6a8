"""The same boto3 ECS call sequences against ecsim and moto's mock_aws.

moto has no time: its tasks are RUNNING as soon as RunTask returns, and its default state
transition moves a task one state towards STOPPED at every DescribeTasks. The agreement
tests freeze that progression (moto's state manager) and let ecsim's simulated time run
until its tasks have settled, then compare the settled states. moto has no ECS agent
either: its instances join a cluster through RegisterContainerInstance (the agent's call),
ecsim's through their UserData.

Where moto contradicts AWS's documentation, ecsim follows the documentation; each such
test pins moto's behaviour too, so the list in docs/aws-ecs.md stays true.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from aws_helpers import checked, error_of
from ecs_api_helpers import IMAGE_ID, USER_DATA, resources

from simulator.aws import SimulatedAWS

MOTO_CHANGED = "moto now behaves like AWS here: update the deviation list in docs/aws-ecs.md"
CLUSTER = "prod"


@dataclass
class Backend:
    name: str
    ec2: Any
    ecs: Any
    settle: Callable[[], None]
    """Let time pass until tasks have settled (moto: nothing to wait for)."""

    def launch(self, instance_type: str = "m6i.xlarge") -> str:
        """An instance that joins the cluster: its UserData (ecsim), or the agent's
        RegisterContainerInstance (moto, which has no agent)."""
        iid = checked(
            self.ec2,
            "run_instances",
            ImageId=IMAGE_ID,
            InstanceType=instance_type,
            MinCount=1,
            MaxCount=1,
            UserData=USER_DATA.format(cluster=CLUSTER),
        )["Instances"][0]["InstanceId"]
        if self.name == "moto":
            document = json.dumps({"instanceId": iid, "region": "us-east-1"})
            self.ecs.register_container_instance(cluster=CLUSTER, instanceIdentityDocument=document)
        self.settle()
        return iid


@pytest.fixture
def moto_frozen() -> Iterator[None]:
    """moto's tasks keep their state when described (manual progression, never reached)."""
    from moto.moto_api import state_manager

    state_manager.set_transition("ecs::task", {"progression": "manual", "times": 10**9})
    yield
    state_manager.unset_transition("ecs::task")


@pytest.fixture
def moto(moto_env: None, moto_session: Any) -> Iterator[Backend]:
    from moto import mock_aws

    with mock_aws():
        yield Backend(
            "moto",
            moto_session.client("ec2", region_name="us-east-1"),
            moto_session.client("ecs", region_name="us-east-1"),
            lambda: None,
        )


@pytest.fixture
def ecsim() -> Backend:
    aws = SimulatedAWS(seed=1, validate_responses=True)
    return Backend("ecsim", aws.client("ec2"), aws.client("ecs"), lambda: aws.advance("3m"))


@pytest.fixture
def both(moto: Backend, ecsim: Backend, moto_frozen: None) -> list[Backend]:
    for b in (ecsim, moto):
        checked(b.ecs, "create_cluster", clusterName=CLUSTER)
    return [ecsim, moto]


def each(backends: list[Backend], fn: Callable[[Backend], Any]) -> dict[str, Any]:
    return {b.name: fn(b) for b in backends}


def agree(backends: list[Backend], fn: Callable[[Backend], Any]) -> Any:
    results = each(backends, fn)
    assert results["ecsim"] == results["moto"], results
    return results["ecsim"]


def register(b: Backend, family: str, cpu: int, memory: int, **container: Any) -> None:
    definition = {"name": family, "image": f"{family}:1", "cpu": cpu, "memory": memory}
    definition.update(container)
    checked(b.ecs, "register_task_definition", family=family, containerDefinitions=[definition])


def instance(b: Backend) -> dict[str, Any]:
    arns = checked(b.ecs, "list_container_instances", cluster=CLUSTER)["containerInstanceArns"]
    (ci,) = checked(
        b.ecs, "describe_container_instances", cluster=CLUSTER, containerInstances=arns
    )["containerInstances"]
    return ci


def used(b: Backend) -> dict[str, Any]:
    """What the tasks hold on the (single) container instance: registered - remaining."""
    ci = instance(b)
    registered, remaining = (
        resources(ci, "registeredResources"),
        resources(ci, "remainingResources"),
    )
    return {
        "CPU": registered["CPU"] - remaining["CPU"],
        "MEMORY": registered["MEMORY"] - remaining["MEMORY"],
        "PORTS": remaining["PORTS"] - registered["PORTS"],
        "runningTasksCount": ci["runningTasksCount"],
        "pendingTasksCount": ci["pendingTasksCount"],
    }


def cluster_counts(b: Backend) -> dict[str, int]:
    (c,) = checked(b.ecs, "describe_clusters", clusters=[CLUSTER])["clusters"]
    keys = ("registeredContainerInstancesCount", "runningTasksCount", "pendingTasksCount")
    return {k: c[k] for k in keys}


# ----------------------------------------------------------------------------- agreement
def test_run_task_and_stop_task_hold_and_free_the_same_resources(both) -> None:
    for b in both:
        b.launch()
        register(b, "api", 1024, 400, portMappings=[{"containerPort": 80, "hostPort": 8080}])
        register(b, "worker", 512, 256)
    assert agree(both, used) == {
        "CPU": 0,
        "MEMORY": 0,
        "PORTS": set(),
        "runningTasksCount": 0,
        "pendingTasksCount": 0,
    }
    api = each(
        both,
        lambda b: checked(
            b.ecs, "run_task", cluster=CLUSTER, launchType="EC2", taskDefinition="api"
        ),
    )
    agree(both, lambda b: len(api[b.name]["tasks"]))
    workers = agree(
        both,
        lambda b: len(
            checked(
                b.ecs,
                "run_task",
                cluster=CLUSTER,
                launchType="EC2",
                taskDefinition="worker",
                count=2,
            )["tasks"]
        ),
    )
    assert workers == 2
    for b in both:
        b.settle()
    assert agree(both, used) == {
        "CPU": 2048,
        "MEMORY": 912,
        "PORTS": {"8080"},
        "runningTasksCount": 3,
        "pendingTasksCount": 0,
    }
    assert agree(both, cluster_counts) == {
        "registeredContainerInstancesCount": 1,
        "runningTasksCount": 3,
        "pendingTasksCount": 0,
    }
    for b in both:
        arn = api[b.name]["tasks"][0]["taskArn"]
        checked(b.ecs, "stop_task", cluster=CLUSTER, task=arn, reason="rotate")
        b.settle()

    def stopped(b: Backend) -> tuple[str, str, str]:
        arn = api[b.name]["tasks"][0]["taskArn"]
        (t,) = checked(b.ecs, "describe_tasks", cluster=CLUSTER, tasks=[arn])["tasks"]
        return t["lastStatus"], t["desiredStatus"], t["stoppedReason"]

    assert agree(both, stopped) == ("STOPPED", "STOPPED", "rotate")
    assert agree(both, used) == {
        "CPU": 1024,
        "MEMORY": 512,
        "PORTS": set(),
        "runningTasksCount": 2,
        "pendingTasksCount": 0,
    }
    assert agree(both, cluster_counts)["runningTasksCount"] == 2
    listed = each(
        both,
        lambda b: checked(b.ecs, "list_tasks", cluster=CLUSTER, desiredStatus="RUNNING"),
    )
    assert agree(both, lambda b: len(listed[b.name]["taskArns"])) == 2
    # ListTasks' default desiredStatus is RUNNING (API reference); moto lists every task
    default = each(both, lambda b: checked(b.ecs, "list_tasks", cluster=CLUSTER)["taskArns"])
    assert (len(default["ecsim"]), len(default["moto"])) == (2, 3), MOTO_CHANGED


def test_not_found_errors_agree(both) -> None:
    for b in both:
        checked(b.ecs, "create_cluster", clusterName="other")
        register(b, "api", 256, 256)
    calls: list[tuple[str, dict[str, Any]]] = [
        ("run_task", {"cluster": "nope", "taskDefinition": "api"}),
        ("list_tasks", {"cluster": "nope"}),
        ("list_services", {"cluster": "nope"}),
        ("describe_services", {"cluster": "nope", "services": ["s"]}),
        ("update_service", {"cluster": CLUSTER, "service": "nope", "desiredCount": 1}),
        ("delete_service", {"cluster": CLUSTER, "service": "nope"}),
        ("describe_task_definition", {"taskDefinition": "nope"}),
        ("run_task", {"cluster": CLUSTER, "taskDefinition": "nope"}),
    ]
    for operation, params in calls:
        agree(both, lambda b, o=operation, p=params: error_of(b.ecs, o, **p))
    assert agree(
        both, lambda b: checked(b.ecs, "describe_clusters", clusters=["nope"])["failures"]
    ) == [{"arn": "arn:aws:ecs:us-east-1:123456789012:cluster/nope", "reason": "MISSING"}]
    missing = each(
        both,
        lambda b: checked(b.ecs, "describe_services", cluster=CLUSTER, services=["nope"]),
    )
    assert agree(both, lambda b: missing[b.name]["failures"]) == [
        {"arn": "arn:aws:ecs:us-east-1:123456789012:service/nope", "reason": "MISSING"}
    ]


def test_cluster_lifecycle_agrees(both) -> None:
    for b in both:
        checked(b.ecs, "create_cluster", clusterName="other")
    assert agree(
        both,
        lambda b: sorted(
            a.rsplit("/", 1)[-1] for a in checked(b.ecs, "list_clusters")["clusterArns"]
        ),
    ) == ["other", CLUSTER]
    assert (
        agree(
            both, lambda b: checked(b.ecs, "delete_cluster", cluster="other")["cluster"]["status"]
        )
        == "INACTIVE"
    )
    assert agree(both, cluster_counts) == {
        "registeredContainerInstancesCount": 0,
        "runningTasksCount": 0,
        "pendingTasksCount": 0,
    }


# ----------------------------------------------------------------------------- deviations
def test_registered_resources_follow_the_instance_type(both) -> None:
    """AWS: CPU = vCPUs x 1024, memory = what the OS reports (less than the nominal 32 GiB:
    ECS developer guide, memory-management.html) less ECS_RESERVED_MEMORY. moto registers
    4096 CPU units and 7482 MiB whatever the type."""
    registered = {}
    for b in both:
        b.launch("m6g.2xlarge")  # 8 vCPUs, 32 GiB
        registered[b.name] = resources(instance(b), "registeredResources")
    assert (registered["ecsim"]["CPU"], registered["ecsim"]["MEMORY"]) == (8192, 31940)
    assert (registered["moto"]["CPU"], registered["moto"]["MEMORY"]) == (4096, 7482), MOTO_CHANGED


def test_user_data_joins_the_cluster_without_register_container_instance(
    ecsim: Backend, moto: Backend
) -> None:
    """The ECS-optimized AMI's agent reads ECS_CLUSTER and registers; moto has no agent (its
    instances join only through RegisterContainerInstance, which ecsim leaves to the
    agent and does not simulate)."""
    counts = {}
    for b in (ecsim, moto):
        checked(b.ecs, "create_cluster", clusterName=CLUSTER)
        checked(
            b.ec2, "run_instances", ImageId=IMAGE_ID, InstanceType="m6i.large", MinCount=1,
            MaxCount=1, UserData=USER_DATA.format(cluster=CLUSTER),
        )  # fmt: skip
        b.settle()
        arns = checked(b.ecs, "list_container_instances", cluster=CLUSTER)
        counts[b.name] = len(arns["containerInstanceArns"])
    assert counts == {"ecsim": 1, "moto": 0}, MOTO_CHANGED


def test_register_container_instance_by_api_agrees(ecsim: Backend, moto: Backend) -> None:
    """An instance without ECS_CLUSTER joins through RegisterContainerInstance in both."""
    joined = {}
    for b in (ecsim, moto):
        checked(b.ecs, "create_cluster", clusterName=CLUSTER)
        iid = checked(
            b.ec2, "run_instances", ImageId=IMAGE_ID, InstanceType="m6i.large", MinCount=1,
            MaxCount=1,
        )["Instances"][0]["InstanceId"]  # fmt: skip
        b.settle()
        doc = json.dumps({"instanceId": iid, "instanceType": "m6i.large"})
        ci = checked(b.ecs, "register_container_instance", cluster=CLUSTER,
                     instanceIdentityDocument=doc)["containerInstance"]  # fmt: skip
        joined[b.name] = (ci["ec2InstanceId"] == iid, ci["status"])
    assert joined["ecsim"] == joined["moto"] == (True, "ACTIVE")


def test_what_does_not_fit_is_a_failure_with_its_reason(both) -> None:
    """A second task needing the same static host port: AWS answers a failure
    RESOURCE:PORTS; moto places one task and reports no failure."""
    for b in both:
        b.launch()
        register(b, "api", 256, 256, portMappings=[{"containerPort": 80, "hostPort": 8080}])
    got = each(
        both,
        lambda b: checked(
            b.ecs, "run_task", cluster=CLUSTER, launchType="EC2", taskDefinition="api", count=2
        ),
    )
    assert agree(both, lambda b: len(got[b.name]["tasks"])) == 1
    assert [f["reason"] for f in got["ecsim"]["failures"]] == ["RESOURCE:PORTS"]
    assert got["moto"]["failures"] == [], MOTO_CHANGED


def test_placement_constraints_are_binding(both) -> None:
    """moto ignores placement constraints and strategies (a TODO in moto.ecs.models)."""
    for b in both:
        b.launch("m6i.large")  # x86_64
        register(b, "arm-only", 256, 256)
    constraint = [{"type": "memberOf", "expression": "attribute:ecs.cpu-architecture == arm64"}]
    got = each(
        both,
        lambda b: checked(
            b.ecs, "run_task", cluster=CLUSTER, launchType="EC2", taskDefinition="arm-only",
            placementConstraints=constraint,
        ),
    )  # fmt: skip
    assert got["ecsim"]["tasks"] == []
    assert [f["reason"] for f in got["ecsim"]["failures"]] == [
        "MemberOf placement constraint unsatisfied."
    ]
    assert len(got["moto"]["tasks"]) == 1, MOTO_CHANGED


def test_memory_reservation_and_task_level_sizes_are_what_is_reserved(both) -> None:
    """AWS reserves memoryReservation when a container sets it (else memory), and the
    task-level cpu/memory when the task definition sets them. moto reserves each container's
    memory and cpu."""
    for b in both:
        b.launch()
        checked(
            b.ecs, "register_task_definition", family="soft",
            containerDefinitions=[
                {"name": "c", "image": "c:1", "cpu": 256, "memory": 1024,
                 "memoryReservation": 512}
            ],
        )  # fmt: skip
        checked(
            b.ecs, "register_task_definition", family="sized", cpu="1024", memory="2048",
            containerDefinitions=[{"name": "c", "image": "c:1", "memoryReservation": 128}],
        )  # fmt: skip
        checked(b.ecs, "run_task", cluster=CLUSTER, launchType="EC2", taskDefinition="soft")
        checked(b.ecs, "run_task", cluster=CLUSTER, launchType="EC2", taskDefinition="sized")
        b.settle()
    got = each(both, used)
    assert (got["ecsim"]["CPU"], got["ecsim"]["MEMORY"]) == (256 + 1024, 512 + 2048)
    assert (got["moto"]["CPU"], got["moto"]["MEMORY"]) == (256 + 0, 1024 + 128), MOTO_CHANGED


def test_refusals_moto_leaves_to_python_exceptions(both) -> None:
    """RunTask on a cluster without container instances and StopTask of an unknown task are
    InvalidParameterException in AWS; in moto a Python exception escapes the client."""
    for b in both:
        register(b, "api", 256, 256)
    assert error_of(
        both[0].ecs, "run_task", cluster=CLUSTER, launchType="EC2", taskDefinition="api"
    ) == {
        "Code": "InvalidParameterException",
        "Message": "No Container Instances were found in your cluster.",
    }
    with pytest.raises(Exception, match="No instances found in cluster"):
        both[1].ecs.run_task(cluster=CLUSTER, taskDefinition="api")
    assert error_of(both[0].ecs, "stop_task", cluster=CLUSTER, task="0" * 32)["Code"] == (
        "InvalidParameterException"
    )
    with pytest.raises(Exception, match="Cluster prod has no registered tasks"):
        both[1].ecs.stop_task(cluster=CLUSTER, task="0" * 32)


def test_a_task_run_without_launch_type_reports_ec2(both) -> None:
    """The shape validator's find: moto reports launchType '' (not a LaunchType value) for a
    task run without launchType on container instances."""
    for b in both:
        b.launch()
        register(b, "api", 256, 256)
    task = checked(both[0].ecs, "run_task", cluster=CLUSTER, taskDefinition="api")["tasks"][0]
    assert task["launchType"] == "EC2"
    raw = both[1].ecs.run_task(cluster=CLUSTER, taskDefinition="api")["tasks"][0]
    assert raw["launchType"] == "", MOTO_CHANGED


def test_unknown_tasks_are_missing_failures(both) -> None:
    got = each(both, lambda b: checked(b.ecs, "describe_tasks", cluster=CLUSTER, tasks=["0" * 32]))
    assert [f["reason"] for f in got["ecsim"]["failures"]] == ["MISSING"]
    assert got["moto"]["failures"] == [], MOTO_CHANGED


def test_a_cluster_with_container_instances_cannot_be_deleted(both) -> None:
    for b in both:
        b.launch()
    assert error_of(both[0].ecs, "delete_cluster", cluster=CLUSTER)["Code"] == (
        "ClusterContainsContainerInstancesException"
    )
    deleted = checked(both[1].ecs, "delete_cluster", cluster=CLUSTER)
    assert deleted["cluster"]["status"] == "INACTIVE", MOTO_CHANGED


def test_services_run_their_tasks(both) -> None:
    """moto's services start no task (runningCount comes from MOTO_ECS_SERVICE_RUNNING), its
    cluster counts the service's desired tasks as pending and no service as active."""
    for b in both:
        b.launch()
        register(b, "web", 256, 256)
        checked(
            b.ecs, "create_service", cluster=CLUSTER, serviceName="web", taskDefinition="web",
            desiredCount=2,
        )  # fmt: skip
        b.settle()
    services = each(
        both,
        lambda b: checked(b.ecs, "describe_services", cluster=CLUSTER, services=["web"])[
            "services"
        ][0],
    )
    clusters = each(
        both, lambda b: checked(b.ecs, "describe_clusters", clusters=[CLUSTER])["clusters"][0]
    )
    assert services["ecsim"]["runningCount"] == 2
    assert services["ecsim"]["deployments"][0]["rolloutState"] == "COMPLETED"
    assert (clusters["ecsim"]["activeServicesCount"], clusters["ecsim"]["pendingTasksCount"]) == (
        1,
        0,
    )
    assert services["moto"]["runningCount"] == 0, MOTO_CHANGED
    assert (clusters["moto"]["activeServicesCount"], clusters["moto"]["pendingTasksCount"]) == (
        0,
        2,
    ), MOTO_CHANGED


def test_describing_a_task_does_not_move_it(ecsim: Backend, moto: Backend) -> None:
    """moto's default transition moves a task one state towards STOPPED every time it is
    described (RUNNING -> DEACTIVATING -> STOPPING...); describing changes nothing in AWS."""
    states = {}
    for b in (ecsim, moto):
        checked(b.ecs, "create_cluster", clusterName=CLUSTER)
        b.launch()
        register(b, "api", 256, 256)
        arn = checked(b.ecs, "run_task", cluster=CLUSTER, launchType="EC2", taskDefinition="api")[
            "tasks"
        ][0]["taskArn"]
        b.settle()
        states[b.name] = [
            checked(b.ecs, "describe_tasks", cluster=CLUSTER, tasks=[arn])["tasks"][0]["lastStatus"]
            for _ in range(3)
        ]
    assert states["ecsim"] == ["RUNNING"] * 3
    assert states["moto"] == ["DEACTIVATING", "STOPPING", "DEPROVISIONING"], MOTO_CHANGED


@pytest.mark.filterwarnings("ignore:Exception\\(InvalidSubnetIdError\\):UserWarning")
def test_awsvpc_network_configuration_departures(both) -> None:
    """An unknown subnet: ECS answers InvalidParameterException "Error retrieving subnet
    information for [...]" (live answer, eddmann/serverless-fargate#20); moto answers EC2's
    InvalidSubnetID.NotFound, no error shape of the ECS model. No securityGroups: the VPC's
    default group (AwsVpcConfiguration reference); moto raises a Python KeyError."""
    unknown = {"awsvpcConfiguration": {"subnets": ["subnet-nope"], "securityGroups": ["sg-1"]}}
    codes = {}
    for b in both:
        checked(b.ecs, "create_cluster", clusterName=CLUSTER)
        b.launch()
        checked(b.ecs, "register_task_definition", family="w", networkMode="awsvpc",
                containerDefinitions=[{"name": "w", "image": "w", "memory": 256}])  # fmt: skip
        codes[b.name] = error_of(
            b.ecs, "run_task", cluster=CLUSTER, taskDefinition="w", networkConfiguration=unknown
        )["Code"]
    assert codes == {"ecsim": "InvalidParameterException", "moto": "InvalidSubnetID.NotFound"}, (
        MOTO_CHANGED
    )
    (ecsim,) = [b for b in both if b.name == "ecsim"]
    (moto,) = [b for b in both if b.name == "moto"]
    subnet = checked(moto.ec2, "describe_subnets")["Subnets"][0]["SubnetId"]
    no_groups = {"awsvpcConfiguration": {"subnets": [subnet]}}
    with pytest.raises(KeyError):
        moto.ecs.run_task(cluster=CLUSTER, taskDefinition="w", networkConfiguration=no_groups)
    subnet = checked(ecsim.ec2, "describe_subnets")["Subnets"][0]["SubnetId"]
    no_groups = {"awsvpcConfiguration": {"subnets": [subnet]}}
    ran = checked(
        ecsim.ecs, "run_task", cluster=CLUSTER, taskDefinition="w", networkConfiguration=no_groups
    )
    assert ran["tasks"] and ran["failures"] == []
