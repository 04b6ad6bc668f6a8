"""ECS services behind ELBv2 target groups, bound as ECS binds them.

A service's ``loadBalancers`` name up to five target groups (ECS developer guide,
"Use load balancing to distribute Amazon ECS service traffic"). ECS registers each task
of the service as a target while the task is ACTIVATING; the task then runs, and the
target becomes ``healthy`` once it has passed ``HealthyThresholdCount`` consecutive
health checks. When the task is stopped, ECS deregisters its targets and the task stays
DEACTIVATING while they drain ("the task remains in the DEACTIVATING state for the
duration of the deregistration delay"), then goes on to STOPPING. A target that fails
``UnhealthyThresholdCount`` consecutive checks goes ``unhealthy``; once the service's
``healthCheckGracePeriodSeconds`` since the task started has passed, ECS stops the task
("Task failed ELB health checks in (target-group ...)") and the scheduler replaces it.
During a rolling deployment only tasks that are RUNNING and healthy in every target
group count toward ``minimumHealthyPercent``.

Health checks are not simulated one by one: a target's probe result changes only at
known events (the task starts, ``set_health`` marks it failing or passing), so each
change schedules the one instant its state follows (a new target: the registration
delay, then threshold - 1 intervals; a change of result: threshold intervals), which
keeps a large fleet cheap and gives the states that checking every interval gives.
"""

from __future__ import annotations

import ipaddress
import itertools
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from simulator.core.errors import AWSError
from simulator.ecs.task import REASON_ELB, StopCode, Task, TaskState
from simulator.traffic.elb import TargetGroup, TargetHealthState
from simulator.traffic.elb_health import ElbTiming
from simulator.traffic.elb_targets import ProbeResult

if TYPE_CHECKING:
    from simulator.ecs.control import EcsCluster, EcsControlPlane, Service

MAX_LOAD_BALANCERS_PER_SERVICE = 5
"""ECS: a service can use up to five target groups."""

_TASK_SUBNET = ipaddress.IPv4Network("10.0.0.0/8")


_TASK_SUBNET_FIRST = int(_TASK_SUBNET.network_address)
_TASK_SUBNET_SIZE = _TASK_SUBNET.num_addresses


def _task_address(i: int) -> str:
    """The ``i``-th address of the tasks' subnet, as ``str(_TASK_SUBNET[i])`` gives it
    (an IndexError past its end), without building an address object per task."""
    if not 0 <= i < _TASK_SUBNET_SIZE:
        raise IndexError("address out of range")
    return socket.inet_ntoa((_TASK_SUBNET_FIRST + i).to_bytes(4, "big"))


@dataclass(frozen=True)
class ServiceLoadBalancer:
    """One entry of a service's ``loadBalancers``."""

    target_group_arn: str
    container_name: str
    container_port: int


@dataclass
class _HealthySet:
    """A service's tasks that count as healthy, as of its groups' ``versions``."""

    service: Service
    groups: dict[str, int]  # target group ARN -> index in versions
    versions: list[int]
    healthy: set[str]
    dirty: set[str] = field(default_factory=set)  # tasks to look at again


TargetGroupLookup = Callable[[str], TargetGroup]
"""Target group by ARN; raises AWSError (TargetGroupNotFound) for an unknown one."""

TargetsChanged = Callable[[TargetGroup], None]
"""Told after a group's registered targets or their health states change."""


class TargetRegistration:
    """Registers services' tasks with their target groups and follows their health.

    Attaches itself to ``ecs`` (``ecs.load_balancing``); the control plane calls
    ``activating``, ``deactivating`` and ``stopped`` as tasks move.
    """

    def __init__(
        self,
        ecs: EcsControlPlane,
        target_groups: TargetGroupLookup,
        timing: ElbTiming | None = None,
    ):
        self.ecs = ecs
        self.timing = timing if timing is not None else ElbTiming()
        self.world = ecs.world
        self.target_groups = target_groups
        self.listeners: list[TargetsChanged] = []
        self._targets: dict[str, list[tuple[str, str]]] = {}  # task id -> (tg ARN, target)
        self._task_of: dict[tuple[str, str], str] = {}  # (tg ARN, target id) -> task id
        self._failing: set[str] = set()  # task ids whose health checks fail
        self._cluster_of: dict[str, str] = {}  # task id -> its cluster, while registered
        self._ips = itertools.count(1)
        self._healthy_sets: dict[str, _HealthySet] = {}  # service ARN -> its healthy tasks
        self._owner: dict[str, str] = {}  # task id -> its service's ARN, while registered
        ecs.load_balancing = self

    # ------------------------------------------------------------- queries
    def task_of(self, target_group_arn: str, target_id: str) -> str | None:
        """The task a target stands for."""
        return self._task_of.get((target_group_arn, target_id))

    def targets_of(self, task_id: str) -> list[tuple[str, str]]:
        """(target group ARN, target id) of each target registered for the task."""
        return list(self._targets.get(task_id, ()))

    def check(self, svc: Service) -> None:
        """CreateService's checks of ``loadBalancers``."""
        if len(svc.load_balancers) > MAX_LOAD_BALANCERS_PER_SERVICE:
            raise AWSError(
                "InvalidParameterException",
                f"A service can have at most {MAX_LOAD_BALANCERS_PER_SERVICE} target groups, "
                f"got {len(svc.load_balancers)}.",
            )
        for lb in svc.load_balancers:
            self.target_groups(lb.target_group_arn)

    def healthy_count(self, cluster: EcsCluster, svc: Service) -> int:
        """RUNNING tasks of ``svc`` that are healthy in every one of its target groups.

        The scheduler asks on every reconcile of a rolling deployment, so the healthy set
        is kept: only tasks that changed since (``task_changed``, or a target change made
        here) are looked at again. A group changed by anything else (the elbv2 API, a
        listener) has moved on from the version recorded, and the set is counted afresh."""
        versions = [self.target_groups(lb.target_group_arn)._version for lb in svc.load_balancers]
        st = self._healthy_sets.get(svc.arn)
        if st is None or st.service is not svc or st.versions != versions:
            healthy = {t for t in svc.tasks if self._counts_healthy(cluster, svc, t)}
            arns = {lb.target_group_arn: i for i, lb in enumerate(svc.load_balancers)}
            self._healthy_sets[svc.arn] = _HealthySet(svc, arns, versions, healthy)
            return len(healthy)
        for t in st.dirty:
            if self._counts_healthy(cluster, svc, t):
                st.healthy.add(t)
            else:
                st.healthy.discard(t)
        st.dirty.clear()
        return len(st.healthy)

    def _counts_healthy(self, cluster: EcsCluster, svc: Service, task_id: str) -> bool:
        task = cluster.tasks.get(task_id)
        return (
            task_id in svc.tasks
            and task is not None
            and task.last_status is TaskState.RUNNING
            and self._healthy(task_id)
        )

    def task_changed(self, svc: Service, task_id: str) -> None:
        """The control plane: a task of ``svc`` started, ran, began stopping or stopped."""
        st = self._healthy_sets.get(svc.arn)
        if st is not None:
            st.dirty.add(task_id)

    def _moved(self, task_id: str, tg: TargetGroup, before: int) -> None:
        """A target of ``task_id`` in ``tg`` changed here (version ``before`` -> now)."""
        st = self._healthy_sets.get(self._owner.get(task_id, ""))
        i = st.groups.get(tg.arn) if st is not None else None
        if st is not None and i is not None and st.versions[i] == before:
            st.versions[i] = tg._version
            st.dirty.add(task_id)

    def healthy(self, task_id: str) -> bool:
        """The task is registered and healthy in every one of its target groups."""
        return self._healthy(task_id)

    def _healthy(self, task_id: str) -> bool:
        targets = self._targets.get(task_id)
        if not targets:
            return False
        for arn, target_id in targets:
            t = self.target_groups(arn).targets.get(target_id)
            if t is None or t.state is not TargetHealthState.HEALTHY:
                return False
        return True

    # --------------------------------------------------------- ECS's hooks
    def activating(self, cluster: EcsCluster, task: Task) -> None:
        """RegisterTargets for each of the task's service's target groups."""
        svc = self._service(cluster, task)
        if svc is None:
            return
        balancers = svc.load_balancers
        registry = self.ecs.task_sets
        if registry is not None and (svc.controller != "ECS" or svc.arn in registry.of_service):
            balancers = registry.load_balancers(svc, task.task_id)  # its task set's
        if not balancers:
            return
        now = self.world.now
        address = _task_address(next(self._ips))
        registered: list[tuple[str, str]] = []
        self._owner[task.task_id] = svc.arn
        for lb in balancers:
            tg = self.target_groups(lb.target_group_arn)
            target_id = address if tg.target_type == "ip" else self._instance_id(cluster, task)
            before = tg._version
            tg.register(target_id, now, port=lb.container_port)
            self._moved(task.task_id, tg, before)
            registered.append((tg.arn, target_id))
            self._task_of[(tg.arn, target_id)] = task.task_id
        self._targets[task.task_id] = registered
        self._cluster_of[task.task_id] = cluster.name
        if self.ecs.timing.instant:  # a scenario's initial fleet is already in service
            for arn, target_id in registered:
                tg = self.target_groups(arn)
                before = tg._version
                for _ in range(tg.check.healthy_threshold):
                    tg.record_check(target_id, ProbeResult.PASS, at=now)
                self._moved(task.task_id, tg, before)
        else:
            self._schedule_health(task.task_id, first=True)
        self._changed({arn for arn, _ in registered})

    def deactivating(self, cluster: EcsCluster, task: Task) -> bool:
        """DeregisterTargets; True if the task waits for the deregistration delay (the
        binding then calls ``ecs.deactivated``)."""
        targets = self._targets.get(task.task_id)
        if not targets:
            return False
        now = self.world.now
        delay = 0.0
        for arn, target_id in targets:
            tg = self.target_groups(arn)
            if target_id in tg.targets:
                before = tg._version
                tg.deregister(target_id, now)
                self._moved(task.task_id, tg, before)
                delay = max(delay, tg.deregistration_delay_s)
        self._changed({arn for arn, _ in targets})
        task_id = task.task_id

        def done() -> None:
            self._complete(task_id)
            t = cluster.tasks.get(task_id)
            if t is not None:
                self.ecs.deactivated(cluster, t)

        if delay <= 0 or self.ecs.timing.instant:
            done()
        else:
            self._later(delay, done)
        return True

    def stopped(self, cluster: EcsCluster, task: Task) -> None:
        """A task that stopped without draining (its instance was lost): its targets go."""
        if task.task_id in self._targets:
            self._complete(task.task_id, force=True)
        self._failing.discard(task.task_id)

    # ------------------------------------------------------------- health
    def set_health(self, task_id: str, passing: bool) -> None:
        """From now on the task's health checks pass (or fail): its targets follow after
        the threshold number of checks."""
        if passing:
            self._failing.discard(task_id)
        else:
            self._failing.add(task_id)
        if task_id in self._targets:
            self._schedule_health(task_id)

    def _schedule_health(self, task_id: str, first: bool = False) -> None:
        """When the targets' state follows their probe: a new target's first check comes
        after the registration delay, then one check an interval."""
        for arn, target_id in self._targets.get(task_id, ()):
            tg = self.target_groups(arn)
            passing = task_id not in self._failing
            threshold = tg.check.healthy_threshold if passing else tg.check.unhealthy_threshold
            wait = (
                self.timing.registration_s + (threshold - 1) * tg.check.interval_s
                if first
                else threshold * tg.check.interval_s
            )
            self._later(wait, partial(self._checked, task_id, arn, target_id, passing))

    def _checked(self, task_id: str, arn: str, target_id: str, passing: bool) -> None:
        """``threshold`` consecutive checks with the same result have been made."""
        if (task_id not in self._failing) is not passing:
            return  # the probe changed since: a later event decides
        tg = self.target_groups(arn)
        target = tg.targets.get(target_id)
        if target is None or target.state is TargetHealthState.DRAINING:
            return
        before = target.state
        threshold = tg.check.healthy_threshold if passing else tg.check.unhealthy_threshold
        result = ProbeResult.PASS if passing else ProbeResult.FAILED
        version = tg._version
        for _ in range(threshold):
            tg.record_check(target_id, result, at=self.world.now)
        self._moved(task_id, tg, version)
        if target.state is not before:
            self.world.emit(
                "elb.target_health", target_id, target_group=tg.name, state=str(target.state)
            )
            self._changed({arn})
            self._reconsider(task_id)
        if target.state is TargetHealthState.UNHEALTHY:
            self._replace_unhealthy(task_id, tg)

    def _task(self, task_id: str) -> tuple[EcsCluster, Task, Service] | None:
        """A registered task with its cluster and service."""
        cluster = self.ecs.clusters.get(self._cluster_of.get(task_id, ""))
        task = cluster.tasks.get(task_id) if cluster is not None else None
        svc = self._service(cluster, task) if cluster is not None and task is not None else None
        if cluster is None or task is None or svc is None:
            return None
        return cluster, task, svc

    def _reconsider(self, task_id: str) -> None:
        """A deployment waiting for healthy tasks looks again."""
        found = self._task(task_id)
        if found is not None:
            self.ecs.reconsider(found[0], found[2])

    def _replace_unhealthy(self, task_id: str, tg: TargetGroup) -> None:
        """ECS stops a task whose target is unhealthy once the grace period is over."""
        found = self._task(task_id)
        if found is None:
            return
        cluster, task, svc = found
        started = task.time_entered(TaskState.RUNNING)
        if started is None:
            return
        wait = started + svc.health_check_grace_period - self.world.now
        if wait > 0:
            self._later(wait, partial(self._replace_unhealthy, task_id, tg))
            return
        target_ids = [t for a, t in self._targets.get(task_id, ()) if a == tg.arn]
        if any(
            tg.targets.get(t) is not None and tg.targets[t].state is TargetHealthState.UNHEALTHY
            for t in target_ids
        ):
            self.ecs.interrupt_task(
                cluster,
                task,
                StopCode.SERVICE_SCHEDULER_INITIATED,
                REASON_ELB.format(target_group=tg.arn),
            )

    # ------------------------------------------------------------- helpers
    def _complete(self, task_id: str, force: bool = False) -> None:
        """The task's targets are gone from their groups (drained, or lost)."""
        targets = self._targets.pop(task_id, [])
        self._cluster_of.pop(task_id, None)
        for arn, target_id in targets:
            tg = self.target_groups(arn)
            target = tg.targets.get(target_id)
            if target is not None and (force or target.state is TargetHealthState.DRAINING):
                before = tg._version
                tg.remove(target_id)
                self._moved(task_id, tg, before)
            self._task_of.pop((arn, target_id), None)
        self._owner.pop(task_id, None)
        if targets:
            self._changed({arn for arn, _ in targets})

    def _changed(self, arns: set[str]) -> None:
        for arn in sorted(arns):
            tg = self.target_groups(arn)
            for listener in self.listeners:
                listener(tg)

    def _later(self, delay: float, action: Callable[[], None]) -> None:
        self.world.after(delay, action)

    def _service(self, cluster: EcsCluster, task: Task) -> Service | None:
        if not task.group.startswith("service:"):
            return None
        return cluster.services.get(task.group[8:])

    @staticmethod
    def _instance_id(cluster: EcsCluster, task: Task) -> str:
        ci = cluster.container_instances.get(task.container_instance or "")
        if ci is None:
            raise AWSError(
                "InvalidParameterException",
                "A target group with target type instance cannot take a Fargate task; "
                "use target type ip.",
            )
        return ci.ec2_instance_id
