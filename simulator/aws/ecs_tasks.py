"""Task operations: RunTask, StartTask, StopTask, DescribeTasks and ListTasks.

Tasks go through the control plane's lifecycle in simulated time (PROVISIONING ->
PENDING -> ACTIVATING -> RUNNING...). A STOPPED task stays visible to DescribeTasks and
ListTasks for ``stopped_task_visibility`` (1 h: "Stopped tasks appear in the returned
results for at least one hour", DescribeTasks reference), then it is MISSING.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from botocore.model import OperationModel

from simulator.aws import ecs_network, errors
from simulator.aws.ecs import INVALID_PARAMETER, MISSING, SERVICE_NOT_FOUND, page, short
from simulator.aws.ecs_views import failure, task_view
from simulator.core.errors import AWSError
from simulator.ecs import codes
from simulator.ecs.control import EcsCluster
from simulator.ecs.task import Task, TaskState
from simulator.ecs.task_definition import NetworkMode, TaskDefinition

if TYPE_CHECKING:
    from simulator.aws.ecs import EcsService

OVERRIDE_KEYS = frozenset({"containerOverrides", "taskRoleArn", "executionRoleArn"})
CONTAINER_OVERRIDE_KEYS = frozenset({"name", "command", "environment", "environmentFiles"})
"""Overrides accepted (reported back, no effect on the simulation). Overrides of cpu,
memory and the like change placement and are refused as not simulated."""
MAX_DESCRIBE = 100
NETWORK_CONFIGURATION_REQUIRED = (
    "Network Configuration must be provided when networkMode 'awsvpc' is specified."
)
"""Live answer quoted in tryretool/retool-onpremise#84 (CreateService); moto's text too."""
NETWORK_CONFIGURATION_INVALID = (
    "Network Configuration is not valid for the given networkMode of this task definition."
)
"""Live answer quoted in muya/amazon-ecs-run-task#7 (RunTask)."""


def visible(svc: EcsService, task: Task) -> bool:
    """A task is visible until ``stopped_task_visibility`` after it STOPPED."""
    if task.last_status is not TaskState.STOPPED:
        return True
    stopped = task.history[-1].at
    return svc.account.now - stopped <= svc.account.stopped_task_visibility


def view(svc: EcsService, cluster: EcsCluster, task: Task) -> dict[str, Any]:
    td = svc.ecs.task_definitions.describe(task.task_definition_arn)
    capacity = svc.ecs.capacity
    provider = capacity.task_provider.get(task.task_id) if capacity is not None else None
    if provider is None and task.container_instance is not None:
        ci = cluster.container_instances.get(task.container_instance)
        provider = svc.capacity_provider_of_instance(ci) if ci is not None else None
    return task_view(
        svc.account,
        cluster,
        task,
        td,
        overrides=svc.task_overrides.get(task.task_id),
        tags=svc.task_tags.get(task.task_id, ()),
        capacity_provider=provider,
        attachments=svc.networks.attachments(task),
        zone=svc.networks.zone_of(task),
    )


def _check_overrides(overrides: Mapping[str, Any] | None) -> None:
    if not overrides:
        return
    extra = set(overrides) - OVERRIDE_KEYS
    for c in overrides.get("containerOverrides") or ():
        extra |= {f"containerOverrides.{k}" for k in set(c) - CONTAINER_OVERRIDE_KEYS}
    if extra:
        raise errors.not_simulated(
            f"the task override(s) {', '.join(sorted(extra))}",
            sorted(OVERRIDE_KEYS | {f"containerOverrides.{k}" for k in CONTAINER_OVERRIDE_KEYS}),
        )


def check_network(td: TaskDefinition, p: Mapping[str, Any]) -> None:
    """awsvpc tasks need a networkConfiguration; other modes refuse one."""
    given = bool(p.get("networkConfiguration"))
    if td.spec.network_mode is NetworkMode.AWSVPC and not given:
        raise AWSError(INVALID_PARAMETER, NETWORK_CONFIGURATION_REQUIRED)
    if td.spec.network_mode is not NetworkMode.AWSVPC and given:
        raise AWSError(INVALID_PARAMETER, NETWORK_CONFIGURATION_INVALID)


LAUNCH_TYPES = ("EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES")
"""botocore ecs LaunchType enum: any other value is a client error (AWS's JSON-protocol
validation message); FARGATE as a launchType is not simulated (use a strategy)."""


def _strategy(svc: EcsService, cluster: EcsCluster, p: Mapping[str, Any]) -> list | None:
    """The capacity provider strategy of a RunTask/CreateService request, if any: the one
    given, else (no launchType) the cluster's default strategy."""
    launch_type = p.get("launchType")
    given = p.get("capacityProviderStrategy")
    if launch_type and given:
        raise AWSError(
            INVALID_PARAMETER,
            "Specify either Launch Type or Capacity Provider Strategy, but not both.",
        )
    enum = LAUNCH_TYPES
    if launch_type is not None and launch_type not in enum:
        raise AWSError(
            INVALID_PARAMETER,
            f"1 validation error detected: Value '{launch_type}' at 'launchType' failed to "
            f"satisfy constraint: Member must satisfy enum value set: [{', '.join(enum)}]",
        )
    if launch_type not in (None, "EC2"):
        raise errors.not_simulated(
            f"launchType {launch_type} (use a FARGATE capacity provider strategy)", ["EC2"]
        )
    if given:
        if svc.ecs.capacity is None:
            raise errors.not_simulated(
                "capacity provider strategies on this account (make the SimulatedAWS with "
                "capacity_providers=True)"
            )
        return list(given)
    if launch_type is None and svc.ecs.capacity is not None:
        default = svc.ecs.capacity.default_strategy(cluster.name)
        if default:
            return [i.to_api() for i in default]
    return None


def on_fargate(strategy: Sequence[Mapping[str, Any]] | None) -> bool:
    """Every provider of the strategy is FARGATE or FARGATE_SPOT."""
    names = [
        i.get("capacityProvider") if isinstance(i, Mapping) else i.capacity_provider
        for i in strategy or ()
    ]
    return bool(names) and all(n in ("FARGATE", "FARGATE_SPOT") for n in names)


def network_of(
    svc: EcsService, td: TaskDefinition, p: Mapping[str, Any], strategy: Sequence | None
) -> ecs_network.AwsvpcConfig | None:
    """The request's checked awsvpcConfiguration (None unless the mode is awsvpc)."""
    check_network(td, p)
    return ecs_network.parse(svc.networks.vpc, td, p, fargate=on_fargate(strategy))


def with_zones(
    constraints: Sequence[Any], config: ecs_network.AwsvpcConfig | None, strategy: Sequence | None
) -> list[Any]:
    """``constraints`` plus the subnets' zones for tasks on EC2 capacity."""
    if config is None or on_fargate(strategy):
        return list(constraints)
    return [*constraints, config.zone_constraint()]


def _remember(svc: EcsService, tasks: Sequence[Task], p: Mapping[str, Any]) -> None:
    for t in tasks:
        if p.get("overrides"):
            svc.task_overrides[t.task_id] = dict(p["overrides"])
        if p.get("tags"):
            svc.task_tags[t.task_id] = [dict(x) for x in p["tags"]]


def run_task(svc: EcsService, model: OperationModel, p: dict[str, Any]) -> dict[str, Any]:
    """Place ``count`` (1-10) tasks now; what does not fit comes back as ``failures``
    ({arn: closest container instance, reason: RESOURCE:MEMORY...}). A cluster without
    container instances is InvalidParameterException, as ECS answers."""
    cluster = svc.cluster(p.get("cluster"))
    td = svc.task_definition(p["taskDefinition"], active=True)
    _check_overrides(p.get("overrides"))
    strategy = _strategy(svc, cluster, p)
    config = network_of(svc, td, p, strategy)
    svc.networks.pending = config
    try:
        tasks, failures = svc.ecs.run_task(
            cluster.name,
            td.arn,
            p.get("count", 1),
            strategies=p.get("placementStrategy"),
            constraints=with_zones(p.get("placementConstraints") or (), config, strategy),
            group=p.get("group"),
            started_by=p.get("startedBy"),
            capacity_provider_strategy=strategy,
        )
    finally:
        svc.networks.pending = None
    if not tasks and any(f.arn is None for f in failures):
        raise AWSError(INVALID_PARAMETER, codes.NO_CONTAINER_INSTANCES)
    _remember(svc, tasks, p)
    return {
        "tasks": [view(svc, cluster, t) for t in tasks],
        "failures": [f.to_api() for f in failures if f.arn is not None],
    }


def start_task(svc: EcsService, model: OperationModel, p: dict[str, Any]) -> dict[str, Any]:
    """One task on each named container instance (no placement strategy); an instance
    without room is a failure with its reason."""
    cluster = svc.cluster(p.get("cluster"))
    td = svc.task_definition(p["taskDefinition"], active=True)
    _check_overrides(p.get("overrides"))
    config = network_of(svc, td, p, None)
    refs = p.get("containerInstances") or []
    if not 1 <= len(refs) <= 10:
        raise AWSError(
            INVALID_PARAMETER, "containerInstances must list 1 to 10 container instances."
        )
    svc.networks.pending = config
    try:
        tasks, failures = svc.ecs.start_task(
            cluster.name, td.arn, refs, group=p.get("group"), started_by=p.get("startedBy")
        )
    finally:
        svc.networks.pending = None
    _remember(svc, tasks, p)
    return {
        "tasks": [view(svc, cluster, t) for t in tasks],
        "failures": [f.to_api() for f in failures],
    }


def stop_task(svc: EcsService, model: OperationModel, p: dict[str, Any]) -> dict[str, Any]:
    """Desired STOPPED now: SIGTERM, SIGKILL after the stop timeout, resources freed once
    STOPPED; stopCode UserInitiated, stoppedReason the given reason."""
    cluster = svc.cluster(p.get("cluster"))
    task = cluster.tasks.get(short(p["task"]))
    if task is None or not visible(svc, task):
        raise AWSError(INVALID_PARAMETER, "The referenced task was not found.")
    svc.ecs.stop_task(cluster.name, task.task_arn, p.get("reason"))
    return {"task": view(svc, cluster, task)}


def describe_tasks(svc: EcsService, model: OperationModel, p: dict[str, Any]) -> dict[str, Any]:
    cluster = svc.cluster(p.get("cluster"))
    refs = p.get("tasks") or []
    if not refs:
        raise AWSError(INVALID_PARAMETER, "Tasks cannot be empty.")
    if len(refs) > MAX_DESCRIBE:
        raise AWSError(
            INVALID_PARAMETER, f"tasks can have at most {MAX_DESCRIBE} items (ecsim wording)."
        )
    found, failures = [], []
    for ref in dict.fromkeys(refs):
        task = cluster.tasks.get(short(ref))
        if task is None or not visible(svc, task):
            arn = ref if ref.startswith("arn:") else _task_arn(svc, cluster, ref)
            failures.append(failure(arn, MISSING))
        else:
            found.append(view(svc, cluster, task))
    return {"tasks": found, "failures": failures}


def _task_arn(svc: EcsService, cluster: EcsCluster, task_id: str) -> str:
    account = svc.account
    return f"arn:aws:ecs:{account.region}:{account.account_id}:task/{cluster.name}/{task_id}"


def list_tasks(svc: EcsService, model: OperationModel, p: dict[str, Any]) -> dict[str, Any]:
    """Tasks of desiredStatus RUNNING (default) or STOPPED, filtered by container instance,
    family, service, launch type or startedBy (which must then be the only filter)."""
    cluster = svc.cluster(p.get("cluster"))
    filters = ("containerInstance", "family", "serviceName", "desiredStatus", "launchType")
    if p.get("startedBy") is not None and any(p.get(k) is not None for k in filters):
        raise AWSError(
            INVALID_PARAMETER,
            "When you specify startedBy as the filter, it must be the only filter that you use.",
        )
    desired = p.get("desiredStatus", "RUNNING")
    rows = [t for t in cluster.tasks.values() if visible(svc, t)]
    if p.get("startedBy") is not None:
        rows = [t for t in rows if t.started_by == p["startedBy"]]
    else:
        rows = [t for t in rows if t.desired_status == desired]
    if p.get("containerInstance"):
        ci = svc.container_instance(cluster, p["containerInstance"])
        if ci is None:
            raise AWSError(
                INVALID_PARAMETER, f"Container instance {p['containerInstance']} not found."
            )
        rows = [t for t in rows if t.container_instance == ci.container_instance_id]
    if p.get("family"):
        rows = [t for t in rows if _family(t) == p["family"]]
    if p.get("serviceName"):
        name = short(p["serviceName"])
        if name not in cluster.services:
            raise AWSError(SERVICE_NOT_FOUND, "Service not found.")
        rows = [t for t in rows if t.group == f"service:{name}"]
    if p.get("launchType"):
        want_ec2 = p["launchType"] == "EC2"
        rows = [t for t in rows if (t.container_instance is not None) == want_ec2]
    return page("taskArns", [t.task_arn for t in rows], p)


def _family(task: Task) -> str:
    return task.task_definition_arn.rsplit("/", 1)[-1].rsplit(":", 1)[0]
