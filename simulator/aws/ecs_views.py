"""How the simulated ECS control plane looks through the ECS API: Cluster, Task, Service,
ContainerInstance and Failure, shaped as botocore's ecs 2014-11-13 output shapes.

The control plane keeps times as simulated seconds; the views turn them into the
account's datetimes. Times a task reports come from its state history (each state's
first entry):

- ``createdAt``: PROVISIONING; ``connectivityAt`` too (the agent is connected);
- ``pullStartedAt`` / ``pullStoppedAt``: PENDING / ACTIVATING (images pulled while PENDING);
- ``startedAt``: RUNNING;
- ``stoppingAt``: the first of DEACTIVATING, STOPPING, DEPROVISIONING, STOPPED (the stop);
- ``executionStoppedAt``: DEPROVISIONING, else STOPPED (the containers have exited);
- ``stoppedAt``: STOPPED.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from simulator.ecs.container_instance import ContainerInstance
from simulator.ecs.control import STARTING, EcsCluster, EcsControlPlane, Service
from simulator.ecs.deployment import Deployment
from simulator.ecs.task import Task, TaskState
from simulator.ecs.task_definition import NetworkMode, TaskDefinition

STOP_STATES = (
    TaskState.DEACTIVATING,
    TaskState.STOPPING,
    TaskState.DEPROVISIONING,
    TaskState.STOPPED,
)
CONTAINER_STATUS = {
    TaskState.PROVISIONING: "PENDING",
    TaskState.PENDING: "PENDING",
    TaskState.ACTIVATING: "RUNNING",
    TaskState.RUNNING: "RUNNING",
    TaskState.DEACTIVATING: "RUNNING",
    TaskState.STOPPING: "RUNNING",
    TaskState.DEPROVISIONING: "STOPPED",
    TaskState.STOPPED: "STOPPED",
}
"""A container's lastStatus for its task's lastStatus (containers start in PENDING and
stop with the task; assumed: ecsim models tasks, not each container)."""
OOM_EXIT_CODE = 137


class EcsViewContext(Protocol):
    """What the views need from the simulated account."""

    account_id: str
    region: str
    ecs: EcsControlPlane

    def timestamp(self, seconds: float | None = None) -> dt.datetime: ...


def failure(arn: str, reason: str, detail: str | None = None) -> dict[str, str]:
    """One ``failures[]`` item (botocore Failure)."""
    out = {"arn": arn, "reason": reason}
    if detail:
        out["detail"] = detail
    return out


# ----------------------------------------------------------------------------- clusters
def cluster_counts(cluster: EcsCluster) -> dict[str, int]:
    """registeredContainerInstancesCount (ACTIVE and DRAINING instances), runningTasksCount
    (tasks RUNNING), pendingTasksCount (tasks not yet RUNNING: PROVISIONING, PENDING,
    ACTIVATING) and activeServicesCount (services ACTIVE)."""
    registered = sum(
        1 for ci in cluster.container_instances.values() if ci.status.value != "INACTIVE"
    )
    running = pending = 0
    for t in cluster.tasks.values():
        if t.last_status is TaskState.RUNNING:
            running += 1
        elif t.last_status in STARTING:
            pending += 1
    services = sum(1 for s in cluster.services.values() if s.status == "ACTIVE")
    return {
        "registeredContainerInstancesCount": registered,
        "runningTasksCount": running,
        "pendingTasksCount": pending,
        "activeServicesCount": services,
    }


def cluster_view(
    cluster: EcsCluster,
    capacity_providers: Iterable[str] = (),
    default_strategy: Iterable[Mapping[str, Any]] = (),
    tags: Iterable[Mapping[str, str]] = (),
) -> dict[str, Any]:
    """One Cluster as CreateCluster and DescribeClusters return it."""
    out: dict[str, Any] = {
        "clusterArn": cluster.arn,
        "clusterName": cluster.name,
        "status": cluster.status,
        **cluster_counts(cluster),
        "statistics": [],
        "tags": [dict(t) for t in tags],
        "settings": [{"name": "containerInsights", "value": "disabled"}],
        "capacityProviders": list(capacity_providers),
        "defaultCapacityProviderStrategy": [dict(s) for s in default_strategy],
    }
    return out


# ----------------------------------------------------------------------------- tasks
def _entered(task: Task) -> dict[TaskState, float]:
    out: dict[TaskState, float] = {}
    for step in task.history:
        out.setdefault(step.state, step.at)
    return out


def _resource(total: int | None) -> str | None:
    return None if total is None else str(total)


def task_view(
    ctx: EcsViewContext,
    cluster: EcsCluster,
    task: Task,
    td: TaskDefinition,
    *,
    overrides: Mapping[str, Any] | None = None,
    tags: Iterable[Mapping[str, str]] = (),
    capacity_provider: str | None = None,
) -> dict[str, Any]:
    """One Task as RunTask, StartTask, StopTask and DescribeTasks return it.

    ``cpu`` and ``memory`` are the task definition's task-level values, or else what the
    scheduler reserves for the task (the containers' sums; assumed). Containers report no
    exit code unless one was out of memory (137, with ECS's reason text).
    """
    at = _entered(task)
    ts = ctx.timestamp
    req = td.requirements()
    ci = cluster.container_instances.get(task.container_instance or "")
    out: dict[str, Any] = {
        "attachments": [],
        "attributes": [{"name": "ecs.cpu-architecture", "value": ci.arch}] if ci else [],
        "clusterArn": cluster.arn,
        "connectivity": "CONNECTED",
        "connectivityAt": ts(at[TaskState.PROVISIONING]),
        "containers": _containers(ctx, cluster, task, td),
        "cpu": _resource(td.spec.cpu if td.spec.cpu is not None else req.cpu),
        "createdAt": ts(at[TaskState.PROVISIONING]),
        "desiredStatus": task.desired_status,
        "enableExecuteCommand": False,
        "group": task.group,
        "healthStatus": "UNKNOWN",
        "lastStatus": task.last_status.value,
        "launchType": "EC2" if task.container_instance is not None else "FARGATE",
        "memory": _resource(td.spec.memory if td.spec.memory is not None else req.memory),
        "overrides": _overrides(td, overrides),
        "tags": [dict(t) for t in tags],
        "taskArn": task.task_arn,
        "taskDefinitionArn": task.task_definition_arn,
        "version": len(task.history),
    }
    if ci is not None:
        out["containerInstanceArn"] = ci.arn
        out["availabilityZone"] = ci.availability_zone
    if capacity_provider is not None:
        out["capacityProviderName"] = capacity_provider
        if task.container_instance is None:
            out["platformVersion"] = "1.4.0"
            out["platformFamily"] = "Linux"
    if task.started_by:
        out["startedBy"] = task.started_by
    for key, state in (
        ("pullStartedAt", TaskState.PENDING),
        ("pullStoppedAt", TaskState.ACTIVATING),
        ("startedAt", TaskState.RUNNING),
        ("stoppedAt", TaskState.STOPPED),
    ):
        if state in at:
            out[key] = ts(at[state])
    stops = [at[s] for s in STOP_STATES if s in at]
    if stops:
        out["stoppingAt"] = ts(min(stops))
        done = at.get(TaskState.DEPROVISIONING, at.get(TaskState.STOPPED))
        if done is not None:
            out["executionStoppedAt"] = ts(done)
    if task.stop_code is not None:
        out["stopCode"] = task.stop_code.value
    if task.stopped_reason:
        out["stoppedReason"] = task.stopped_reason
    return {k: v for k, v in out.items() if v is not None}


def _overrides(td: TaskDefinition, given: Mapping[str, Any] | None) -> dict[str, Any]:
    """The task's overrides: every container named, with what RunTask overrode."""
    given = dict(given or {})
    by_name = {o.get("name"): dict(o) for o in given.get("containerOverrides") or ()}
    containers = [by_name.get(c.name, {"name": c.name}) for c in td.spec.container_definitions]
    out = {k: v for k, v in given.items() if k != "containerOverrides"}
    out["containerOverrides"] = containers
    out.setdefault("inferenceAcceleratorOverrides", [])
    return out


def _containers(
    ctx: EcsViewContext, cluster: EcsCluster, task: Task, td: TaskDefinition
) -> list[dict[str, Any]]:
    status = CONTAINER_STATUS[task.last_status]
    reached_running = task.time_entered(TaskState.RUNNING) is not None
    out = []
    for i, c in enumerate(td.spec.container_definitions):
        cid = uuid.uuid5(uuid.NAMESPACE_URL, f"{task.task_arn}/{c.name}")
        item: dict[str, Any] = {
            "containerArn": (
                f"arn:aws:ecs:{ctx.region}:{ctx.account_id}:container/"
                f"{cluster.name}/{task.task_id}/{cid}"
            ),
            "taskArn": task.task_arn,
            "name": c.name,
            "image": c.image,
            "lastStatus": status,
            "networkBindings": _bindings(td, c) if status == "RUNNING" else [],
            "networkInterfaces": [],
            "healthStatus": "UNKNOWN",
            "cpu": str(c.cpu),
        }
        if reached_running:
            item["runtimeId"] = f"{task.task_id}-{i}"
        if c.memory is not None:
            item["memory"] = str(c.memory)
        if c.memory_reservation is not None:
            item["memoryReservation"] = str(c.memory_reservation)
        if task.container_reason and status == "STOPPED" and c.essential:
            item["reason"] = task.container_reason
            item["exitCode"] = OOM_EXIT_CODE
        out.append(item)
    return out


def _bindings(td: TaskDefinition, container: Any) -> list[dict[str, Any]]:
    """Fixed host ports of bridge and host mode (dynamic ports are not modelled)."""
    mode = td.spec.network_mode
    if mode not in (NetworkMode.BRIDGE, NetworkMode.HOST):
        return []
    out = []
    for p in container.port_mappings:
        host = p.container_port if mode is NetworkMode.HOST else (p.host_port or 0)
        if host:
            out.append(
                {
                    "bindIP": "0.0.0.0",
                    "containerPort": p.container_port,
                    "hostPort": host,
                    "protocol": p.protocol,
                }
            )
    return out


# ----------------------------------------------------------------------------- services
def deployment_view(
    ctx: EcsViewContext, cluster: EcsCluster, svc: Service, d: Deployment
) -> dict[str, Any]:
    """One Deployment: counts of its live tasks (pending: not yet RUNNING)."""
    tasks = cluster.tasks
    pending = sum(1 for t in d.live_ids if tasks[t].last_status in STARTING)
    out: dict[str, Any] = {
        "id": d.id,
        "status": d.status.value,
        "taskDefinition": d.task_definition,
        "desiredCount": d.desired_count,
        "pendingCount": pending,
        "runningCount": d.running,
        "failedTasks": d.failed_tasks,
        "createdAt": ctx.timestamp(d.created_at),
        "updatedAt": ctx.timestamp(max(d.updated_at, d.created_at)),
        "rolloutState": d.rollout_state.value,
        "rolloutStateReason": d.rollout_state_reason,
    }
    if svc.capacity_provider_strategy:
        out["capacityProviderStrategy"] = [i.to_api() for i in svc.capacity_provider_strategy]
    else:
        out["launchType"] = svc.launch_type
    return out


def event_id(svc: Service, at: float, message: str) -> str:
    """A stable ID for one service event (the same event has the same ID on every call)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{svc.arn}/{at!r}/{message}"))


def service_view(
    ctx: EcsViewContext,
    cluster: EcsCluster,
    svc: Service,
    *,
    tags: Iterable[Mapping[str, str]] = (),
    created_by: str | None = None,
) -> dict[str, Any]:
    """One Service as CreateService, UpdateService, DeleteService and DescribeServices
    return it: events newest first (the latest 100), deployments PRIMARY first."""
    config = svc.config.to_api()
    config["strategy"] = "ROLLING"
    out: dict[str, Any] = {
        "serviceArn": svc.arn,
        "serviceName": svc.name,
        "clusterArn": cluster.arn,
        "loadBalancers": [
            {
                "targetGroupArn": lb.target_group_arn,
                "containerName": lb.container_name,
                "containerPort": lb.container_port,
            }
            for lb in svc.load_balancers
        ],
        "serviceRegistries": [],
        "status": svc.status,
        "desiredCount": svc.desired_count,
        "runningCount": svc.running_count,
        "pendingCount": svc.pending_count,
        "taskDefinition": svc.primary.task_definition if svc.deployments else "",
        "deploymentConfiguration": config,
        "deployments": [deployment_view(ctx, cluster, svc, d) for d in svc.deployments],
        "events": [
            {"id": event_id(svc, at, message), "createdAt": ctx.timestamp(at), "message": message}
            for at, message in svc.events
        ],
        "createdAt": ctx.timestamp(svc.created_at),
        "placementConstraints": [c.to_api() for c in svc.constraints],
        "placementStrategy": [s.to_api() for s in svc.strategies],
        "schedulingStrategy": svc.scheduling_strategy,
        "deploymentController": {"type": "ECS"},
        "tags": [dict(t) for t in tags],
        "enableECSManagedTags": False,
        "propagateTags": "NONE",
        "enableExecuteCommand": False,
    }
    if svc.health_check_grace_period:
        out["healthCheckGracePeriodSeconds"] = int(svc.health_check_grace_period)
    if svc.capacity_provider_strategy:
        out["capacityProviderStrategy"] = [i.to_api() for i in svc.capacity_provider_strategy]
    else:
        out["launchType"] = svc.launch_type
    if created_by:
        out["createdBy"] = created_by
    if svc.controller != "ECS":
        _task_set_fields(ctx, cluster, svc, out)
    return out


def _task_set_fields(
    ctx: EcsViewContext, cluster: EcsCluster, svc: Service, out: dict[str, Any]
) -> None:
    """A CODE_DEPLOY / EXTERNAL service shows its task sets instead of deployments; its
    task definition is the PRIMARY task set's."""
    registry = ctx.ecs.task_sets
    sets = registry.task_sets(svc) if registry is not None else []
    out["deploymentController"] = {"type": svc.controller}
    out["deployments"] = []
    out["taskSets"] = [task_set_view(ctx, cluster, svc, ts) for ts in sets]
    primary = next((ts for ts in sets if ts.status == "PRIMARY"), None)
    if primary is not None:
        out["taskDefinition"] = primary.task_definition
    else:
        out.pop("taskDefinition", None)


def task_set_view(
    ctx: EcsViewContext, cluster: EcsCluster, svc: Service, ts: Any
) -> dict[str, Any]:
    """One TaskSet (botocore ecs TaskSet)."""
    out: dict[str, Any] = {
        "id": ts.id,
        "taskSetArn": ts.arn,
        "serviceArn": svc.arn,
        "clusterArn": cluster.arn,
        "status": ts.status,
        "taskDefinition": ts.task_definition,
        "computedDesiredCount": ts.computed_desired,
        "pendingCount": ts.pending,
        "runningCount": ts.running,
        "createdAt": ctx.timestamp(ts.created_at),
        "updatedAt": ctx.timestamp(ts.updated_at),
        "loadBalancers": [
            {
                "targetGroupArn": lb.target_group_arn,
                "containerName": lb.container_name,
                "containerPort": lb.container_port,
            }
            for lb in ts.load_balancers
        ],
        "serviceRegistries": [],
        "scale": {"value": float(ts.scale), "unit": "PERCENT"},
        "stabilityStatus": ts.stability_status,
        "stabilityStatusAt": ctx.timestamp(ts.stability_at),
        "tags": [dict(t) for t in ts.tags],
    }
    if ts.started_by:
        out["startedBy"] = ts.started_by
    if ts.external_id:
        out["externalId"] = ts.external_id
    if ts.capacity_provider_strategy:
        out["capacityProviderStrategy"] = [i.to_api() for i in ts.capacity_provider_strategy]
    else:
        out["launchType"] = ts.launch_type
    if ts.network_configuration:
        out["networkConfiguration"] = ts.network_configuration
    return out


# ----------------------------------------------------------------------------- instances
def container_instance_view(
    ctx: EcsViewContext, ci: ContainerInstance, capacity_provider: str | None = None
) -> dict[str, Any]:
    """One ContainerInstance: ContainerInstance.to_api with the account's registeredAt."""
    out = ci.to_api()
    out["registeredAt"] = ctx.timestamp(ci.registered_at)
    if capacity_provider is not None:
        out["capacityProviderName"] = capacity_provider
    return out
