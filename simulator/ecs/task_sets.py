"""ECS task sets: the services whose deployments someone else drives (deploymentController
CODE_DEPLOY or EXTERNAL).

Such a service runs its tasks in task sets. Each task set has its own task definition,
target groups (``loadBalancers``) and ``scale`` (a percentage of the service's desired
count); ECS keeps ``computedDesiredCount = ceil(desiredCount x scale / 100)`` tasks of it
running (botocore TaskSet doc: "The result is always rounded up"). One task set is PRIMARY
(serving production traffic), the others ACTIVE; a deleted one is DRAINING until its
tasks have stopped (their targets drained through the deregistration delay), then gone.
``stabilityStatus`` is STEADY_STATE when the running count equals the computed desired
count, nothing is pending, and every task is healthy in the task set's target groups,
else STABILIZING (the TaskSet doc's conditions).

The control plane hands such a service's reconciliation to ``TaskSets.reconcile``; each
task set keeps its tasks in a ``simulator.ecs.deployment.Deployment`` (the same
bookkeeping the rolling scheduler uses), so launching, counting and draining are the
control plane's own.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import simpy

from simulator.core.errors import AWSError
from simulator.ecs import deployment as dep
from simulator.ecs.task import StopCode, TaskState

if TYPE_CHECKING:
    from simulator.ecs.control import EcsCluster, EcsControlPlane, Service
    from simulator.ecs.load_balancers import ServiceLoadBalancer, TargetRegistration

CODE_DEPLOY = "CODE_DEPLOY"
EXTERNAL = "EXTERNAL"
CONTROLLERS = ("ECS", CODE_DEPLOY, EXTERNAL)

PRIMARY, ACTIVE, DRAINING = "PRIMARY", "ACTIVE", "DRAINING"
STEADY_STATE, STABILIZING = "STEADY_STATE", "STABILIZING"

MAX_TASK_SETS = 5
"""Observed: "5 deployments exist on the service. Unable to create new TaskSet since this
exceeds the maximum limit." (the deployments reference, A.5)."""
TOO_MANY_TASK_SETS = (
    "{n} deployments exist on the service. Unable to create new TaskSet since this exceeds "
    "the maximum limit."
)
TASK_SET_NOT_FOUND = "TaskSetNotFoundException"
INVALID_PARAMETER = "InvalidParameterException"
REASON_SCALED = "Task set {task_set} scaled in (ecsim wording)."

_STARTING = (TaskState.PROVISIONING, TaskState.PENDING, TaskState.ACTIVATING)


def computed_desired_count(desired: int, scale_percent: float) -> int:
    """ceil(desired x scale / 100), exact for the decimal percentages the API takes."""
    scale = Fraction(str(scale_percent))
    return math.ceil(desired * scale / 100)


def check_scale(value: Any, unit: str = "PERCENT") -> float:
    """Scale.value "between 0 and 100", unit PERCENT (botocore Scale)."""
    if unit != "PERCENT":
        raise AWSError(INVALID_PARAMETER, f"Scale unit must be PERCENT, got {unit!r}.")
    value = float(value)
    if not 0 <= value <= 100:
        raise AWSError(INVALID_PARAMETER, f"Scale value must be between 0 and 100, got {value:g}.")
    return value


@dataclass
class TaskSet:
    """One task set of a CODE_DEPLOY or EXTERNAL service."""

    id: str
    arn: str
    service: str
    cluster: str
    task_definition: str
    deployment: dep.Deployment
    load_balancers: tuple[ServiceLoadBalancer, ...] = ()
    scale: float = 100.0
    status: str = ACTIVE
    external_id: str | None = None
    started_by: str | None = None
    created_at: float = 0.0
    updated_at: float = 0.0
    stability_status: str = STABILIZING
    stability_at: float = 0.0
    launch_type: str = "EC2"
    capacity_provider_strategy: tuple = ()
    network_configuration: dict[str, Any] | None = None
    tags: list[dict[str, str]] = field(default_factory=list)
    computed_desired: int = 0
    pending: int = 0

    @property
    def running(self) -> int:
        return self.deployment.running

    @property
    def live(self) -> int:
        return len(self.deployment.live_ids)


class TaskSets:
    """The task sets of every CODE_DEPLOY / EXTERNAL service of one control plane.

    Attaches itself to ``ecs`` (``ecs.task_sets``); ``on_change`` callbacks hear of each
    reconciliation of a service (the traffic-shift engine waits on them).
    """

    def __init__(self, ecs: EcsControlPlane):
        self.ecs = ecs
        self.world = ecs.world
        self.of_service: dict[str, list[TaskSet]] = {}  # service ARN -> task sets
        self.on_change: list[Callable[[Service], None]] = []
        self._steady_waiters: dict[str, list[simpy.Event]] = {}
        self._removed_waiters: dict[str, list[simpy.Event]] = {}
        self._health_seen: dict[str, tuple[tuple, bool]] = {}  # task set ARN -> (key, healthy)
        ecs.task_sets = self

    # ------------------------------------------------------------- services
    def adopt(self, svc: Service, controller: str) -> None:
        """``svc`` (just created) is driven by ``controller``: its tasks live in task sets."""
        if controller not in (CODE_DEPLOY, EXTERNAL):
            raise AWSError(INVALID_PARAMETER, f"Unknown deployment controller {controller}.")
        svc.controller = controller
        svc.deployments.clear()
        self.of_service.setdefault(svc.arn, [])

    def task_sets(self, svc: Service) -> list[TaskSet]:
        return self.of_service.get(svc.arn, [])

    def primary(self, svc: Service) -> TaskSet | None:
        return next((t for t in self.task_sets(svc) if t.status == PRIMARY), None)

    def find(self, svc: Service, ref: str) -> TaskSet:
        """A task set by ARN or id; TaskSetNotFoundException if none."""
        for ts in self.task_sets(svc):
            if ref in (ts.arn, ts.id, ts.id.split("/")[-1]):
                return ts
        raise AWSError(TASK_SET_NOT_FOUND, "The specified task set does not exist.")

    def create(
        self,
        cluster: EcsCluster,
        svc: Service,
        task_definition: str,
        *,
        load_balancers: Iterable[ServiceLoadBalancer] = (),
        scale: float = 100.0,
        external_id: str | None = None,
        started_by: str | None = None,
        launch_type: str | None = None,
        capacity_provider_strategy: Iterable = (),
        network_configuration: dict[str, Any] | None = None,
        tags: Iterable[dict[str, str]] = (),
        primary: bool = False,
    ) -> TaskSet:
        """CreateTaskSet (or CodeDeploy's replacement task set): ACTIVE unless it is the
        service's first, which is PRIMARY."""
        sets = self.of_service.setdefault(svc.arn, [])
        if len(sets) >= MAX_TASK_SETS:
            raise AWSError(INVALID_PARAMETER, TOO_MANY_TASK_SETS.format(n=len(sets)))
        d = self.ecs._new_deployment(task_definition, 0)
        task_set_id = d.id
        number = task_set_id.split("/")[-1]
        arn = (
            f"arn:aws:ecs:{self.ecs.region}:{self.ecs.account_id}:task-set/{cluster.name}/"
            f"{svc.name}/ecs-svc/{number}"
        )
        now = self.world.now
        ts = TaskSet(
            task_set_id,
            arn,
            svc.name,
            cluster.name,
            task_definition,
            d,
            load_balancers=tuple(load_balancers),
            scale=scale,
            status=PRIMARY if primary or not sets else ACTIVE,
            external_id=external_id,
            started_by=started_by,
            created_at=now,
            updated_at=now,
            stability_at=now,
            launch_type=launch_type or svc.launch_type,
            capacity_provider_strategy=tuple(capacity_provider_strategy)
            or svc.capacity_provider_strategy,
            network_configuration=network_configuration,
            tags=[dict(t) for t in tags],
        )
        sets.append(ts)
        svc.deployments.append(d)
        if ts.status == PRIMARY:
            for other in sets:
                if other.status == PRIMARY and other is not ts:
                    other.status = ACTIVE
            self._follow_primary(svc, ts)
        self.ecs.reconsider(cluster, svc)
        return ts

    def update_scale(self, cluster: EcsCluster, svc: Service, ts: TaskSet, scale: float) -> None:
        """UpdateTaskSet: the task set scales to ``scale`` percent of the desired count."""
        if ts.status == DRAINING:
            raise AWSError(INVALID_PARAMETER, "The task set is DRAINING (ecsim wording).")
        ts.scale = scale
        ts.updated_at = self.world.now
        self.ecs.reconsider(cluster, svc)

    def set_primary(self, cluster: EcsCluster, svc: Service, ts: TaskSet) -> None:
        """UpdateServicePrimaryTaskSet: ``ts`` PRIMARY, the previous primary ACTIVE; the
        service's task definition and loadBalancers follow the primary."""
        if ts.status == DRAINING:
            raise AWSError(INVALID_PARAMETER, "The task set is DRAINING (ecsim wording).")
        for other in self.task_sets(svc):
            if other.status == PRIMARY and other is not ts:
                other.status = ACTIVE
                other.updated_at = self.world.now
        ts.status = PRIMARY
        ts.updated_at = self.world.now
        self._follow_primary(svc, ts)
        self.ecs.reconsider(cluster, svc)

    def delete(self, cluster: EcsCluster, svc: Service, ts: TaskSet, force: bool) -> None:
        """DeleteTaskSet: DRAINING, its tasks stopped (targets drained), then removed.
        Without ``force`` a task set that still has tasks or is not scaled to 0 is refused
        ("If true, you can delete a task set even if it hasn't been scaled down to zero")."""
        if ts.status == DRAINING:
            return
        if not force and (ts.computed_desired > 0 or ts.live > 0 or ts.scale > 0):
            raise AWSError(
                INVALID_PARAMETER,
                "The task set cannot be deleted while it is scaled above 0; scale it to 0 "
                "or pass force (ecsim wording).",
            )
        ts.status = DRAINING
        ts.updated_at = self.world.now
        self.ecs.reconsider(cluster, svc)

    def _follow_primary(self, svc: Service, ts: TaskSet) -> None:
        svc.load_balancers = ts.load_balancers
        order = [ts.deployment] + [d for d in svc.deployments if d is not ts.deployment]
        svc.deployments[:] = order

    # ---------------------------------------------------------- control plane
    def load_balancers(self, svc: Service, task_id: str) -> tuple[ServiceLoadBalancer, ...]:
        """The target groups a task of ``svc`` registers in: its task set's."""
        d = svc.task_deployment.get(task_id)
        for ts in self.task_sets(svc):
            if ts.deployment is d:
                return ts.load_balancers
        return ()

    def reconcile(self, cluster: EcsCluster, svc: Service) -> None:
        """Keep each task set at its computed desired count; drain and drop deleted ones."""
        tasks = cluster.tasks
        service_gone = svc.status != "ACTIVE"
        for ts in list(self.task_sets(svc)):
            d = ts.deployment
            target = (
                0
                if service_gone or ts.status == DRAINING
                else computed_desired_count(svc.desired_count, ts.scale)
            )
            ts.computed_desired = target
            d.desired_count = target
            n_live = len(d.live_ids)
            if n_live < target:
                self._launch(cluster, svc, ts, target - n_live)
            elif n_live > target:
                live = [tasks[t] for t in d.live_ids]
                starting = [t for t in live if t.last_status in _STARTING]
                running = [t for t in live if t.last_status not in _STARTING]
                victims = (starting + list(reversed(running)))[: len(live) - target]
                for t in victims:
                    self.ecs.interrupt_task(
                        cluster,
                        t,
                        StopCode.SERVICE_SCHEDULER_INITIATED,
                        REASON_SCALED.format(task_set=ts.id),
                    )
            # live tasks are STARTING or RUNNING, and ``running`` counts the RUNNING ones
            # (the control plane's bookkeeping, checked by tests/ecs/test_ecs_stateful.py)
            ts.pending = len(d.live_ids) - d.running
            self._stability(ts, target)
            if ts.status == DRAINING and not d.task_ids:
                self.of_service[svc.arn].remove(ts)
                self._health_seen.pop(ts.arn, None)
                for event in self._removed_waiters.pop(ts.arn, []):
                    event.succeed(self.world.now)
                if d in svc.deployments:
                    svc.deployments.remove(d)
        if service_gone and not svc.tasks:
            svc.status = "INACTIVE"
        for listener in self.on_change:
            listener(svc)

    def _launch(self, cluster: EcsCluster, svc: Service, ts: TaskSet, n: int) -> None:
        """Start ``n`` tasks of ``ts`` with the control plane's own launch path (which
        files new tasks under the service's first deployment)."""
        order = list(svc.deployments)
        others = [d for d in order if d is not ts.deployment]
        svc.deployments[:] = [ts.deployment, *others]
        saved = svc.capacity_provider_strategy
        svc.capacity_provider_strategy = ts.capacity_provider_strategy
        try:
            self.ecs._start_service_tasks(cluster, svc, n)
        finally:
            svc.capacity_provider_strategy = saved
            svc.deployments[:] = order

    def _stability(self, ts: TaskSet, target: int) -> None:
        """STEADY_STATE when the counts are the computed desired count and every task is
        healthy in the task set's target groups; health is looked at only once the counts
        hold (``_healthy``)."""
        lb = self.ecs.load_balancing
        counts = ts.running == target and ts.pending == 0 and ts.live == target
        steady = counts and (lb is None or not ts.load_balancers or self._healthy(ts, lb))
        status = STEADY_STATE if steady else STABILIZING
        if status != ts.stability_status:
            ts.stability_status = status
            ts.stability_at = self.world.now
        if steady:
            for event in self._steady_waiters.pop(ts.arn, []):
                if not event.triggered:
                    event.succeed(self.world.now)

    def _healthy(self, ts: TaskSet, lb: TargetRegistration) -> bool:
        """Every live task of ``ts`` is healthy in its target groups. The answer is kept
        until a group's targets change (its version) or the task set's counts do: a
        service event that touches neither (the other task set draining) does not look at
        every task again. Looked at newest first, the last to turn healthy."""
        d = ts.deployment
        versions = tuple(lb.target_groups(b.target_group_arn)._version for b in ts.load_balancers)
        key = (d.running, len(d.live_ids), versions)
        seen = self._health_seen.get(ts.arn)
        if seen is not None and seen[0] == key:
            return seen[1]
        healthy = all(lb.healthy(t) for t in reversed(d.live_ids))
        self._health_seen[ts.arn] = (key, healthy)
        return healthy

    def removed(self, ts: TaskSet) -> simpy.Event:
        """An event that fires when ``ts`` (deleted) has drained and is gone."""
        event = self.world.env.event()
        live = any(ts is t for sets in self.of_service.values() for t in sets)
        if not live:
            event.succeed(self.world.now)
        else:
            self._removed_waiters.setdefault(ts.arn, []).append(event)
        return event

    def steady(self, ts: TaskSet) -> simpy.Event:
        """An event that fires when ``ts`` is next STEADY_STATE at its computed count."""
        event = self.world.env.event()
        if ts.stability_status == STEADY_STATE and ts.computed_desired == ts.running:
            event.succeed(self.world.now)
        else:
            self._steady_waiters.setdefault(ts.arn, []).append(event)
        return event
