"""An Auto Scaling group capacity provider in simulated time: placement onto the group's
instances, tasks waiting in PROVISIONING for capacity, and managed scaling every minute
(the rules are ``simulator.ecs.managed_scaling``'s; see ``simulator.ecs.capacity``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass
from itertools import groupby
from typing import TYPE_CHECKING, Any

from simulator.core.errors import AWSError
from simulator.ecs.asg import AutoScalingGroup
from simulator.ecs.candidates import CandidateArrays
from simulator.ecs.capacity_strategy import INVALID_PARAMETER
from simulator.ecs.constraints import DISTINCT_INSTANCE, constraints_from_api
from simulator.ecs.container_instance import ContainerInstance
from simulator.ecs.managed_scaling import (
    DISABLED,
    ENABLED,
    DatapointAlarm,
    ManagedScaling,
    capacity_provider_reservation,
    instances_needed,
    scale_in_count,
    scale_out_step,
)
from simulator.ecs.placement import place
from simulator.ecs.task import Task, TaskState
from simulator.ecs.task_definition import TaskDefinition, TaskRequirements

if TYPE_CHECKING:
    from simulator.ecs.capacity import CapacityProviders
    from simulator.ecs.control import EcsCluster, Service


@dataclass
class Waiting:
    """A task waiting in PROVISIONING for its Auto Scaling group provider's capacity."""

    task: Task
    cluster: str
    td: TaskDefinition
    strategies: Any
    constraints: tuple
    group: str
    since: float

    @property
    def key(self) -> tuple:
        return (self.td.arn, self.group, repr(self.strategies), repr(self.constraints))

    @property
    def waiting(self) -> bool:
        t = self.task
        return (
            t.last_status is TaskState.PROVISIONING
            and t.desired_status == "RUNNING"
            and t.container_instance is None
        )


@dataclass(frozen=True, slots=True)
class ReservationPoint:
    """One minute of managed scaling: M, N, the metric and what was done."""

    time: float
    needed: int
    running: int
    reservation: float
    waiting: int
    action: str  # "" | "scale-out" | "scale-in"
    change: int = 0


class AsgCapacityProvider:
    """An Auto Scaling group capacity provider: placement onto its instances, waiting tasks,
    and managed scaling in simulated time."""

    kind = "ASG"

    def __init__(
        self,
        registry: CapacityProviders,
        name: str,
        asg: AutoScalingGroup,
        managed_scaling: ManagedScaling | None = None,
        managed_termination_protection: str = DISABLED,
    ):
        if managed_termination_protection not in (ENABLED, DISABLED):
            raise AWSError(
                INVALID_PARAMETER,
                "managedTerminationProtection must be ENABLED or DISABLED.",
            )
        self.registry = registry
        self.ecs = registry.ecs
        self.world = registry.ecs.world
        self.name = name
        self.asg = asg
        self.managed_scaling = managed_scaling or ManagedScaling()
        self.managed_termination_protection = managed_termination_protection
        self.cluster: str | None = None
        self.waiting: list[Waiting] = []
        self.history: list[ReservationPoint] = []
        self.waits: list[tuple[float, float]] = []  # (waiting since, placed at)
        self.capacity_events: list[float] = []  # instance registered or room freed
        self.last_scale_out = -math.inf
        s = self.managed_scaling
        self._high = DatapointAlarm(s.scale_out_datapoints, s.target_capacity, above=True)
        self._low = DatapointAlarm(s.scale_in_datapoints, s.target_capacity, above=False)
        self._retry_pending = False
        rec = self.world.metrics
        self._series = {
            m: rec.series_id(m, capacity_provider=name)
            for m in (
                "CapacityProviderReservation",
                "GroupDesiredCapacity",
                "GroupInServiceInstances",
                "ProvisioningTaskCount",
            )
        }

    @property
    def protected_by_ecs(self) -> bool:
        return self.managed_termination_protection == ENABLED and self.managed_scaling.enabled

    # ------------------------------------------------------------- instances
    def _cluster(self) -> EcsCluster:
        if self.cluster is None:
            raise AWSError(INVALID_PARAMETER, f"capacity provider {self.name} has no cluster.")
        return self.ecs.cluster(self.cluster)

    def container_instances(self) -> list[ContainerInstance]:
        """The group's registered, connected container instances, in launch order."""
        c = self._cluster()
        out = []
        for iid in self.asg.instances:
            ci_id = c.by_ec2.get(iid)
            if ci_id is not None and c.container_instances[ci_id].agent_connected:
                out.append(c.container_instances[ci_id])
        return out

    def _daemon_groups(self, c: EcsCluster) -> set[str]:
        return {s.group for s in c.services.values() if s.scheduling_strategy == "DAEMON"}

    def busy_instances(self) -> set[str]:
        """EC2 ids of the group's instances that hold non-daemon tasks."""
        c = self._cluster()
        daemon = self._daemon_groups(c)
        out = set()
        for iid in self.asg.instances:
            ci_id = c.by_ec2.get(iid)
            if ci_id is None:
                continue
            groups = c.container_instances[ci_id].group_counts  # task groups held, by count
            if any(g not in daemon for g in groups):
                out.add(iid)
        return out

    def measure(self) -> tuple[int, int]:
        """(M, N): instances needed and instances in service."""
        groups: dict[tuple[TaskRequirements, bool], int] = {}
        for w in self.waiting:
            if not w.waiting:
                continue
            distinct = any(c.type == DISTINCT_INSTANCE for c in constraints_from_api(w.constraints))
            key = (w.td.requirements(), distinct)
            groups[key] = groups.get(key, 0) + 1
        extra = instances_needed(
            groups,
            self.asg.types,
            combination=self.managed_scaling.group_combination,
            reserved_memory_mib=self.ecs.reserved_memory_mib,
        )
        return len(self.busy_instances()) + extra, len(self.asg.instances)

    # ------------------------------------------------------------- tasks
    def launch(
        self,
        cluster: EcsCluster,
        td: TaskDefinition,
        count: int,
        strategies: Any,
        constraints: Iterable,
        group: str,
        started_by: str | None,
        service: Service | None,
        record: Callable[[Task], None] = lambda _task: None,
    ) -> list[Task]:
        """Create ``count`` tasks PROVISIONING and place what fits now (oldest first);
        ``record`` sees each task before it can be placed."""
        constraints = tuple(constraints)
        out = []
        for _ in range(count):
            task = self.ecs.start_unplaced(cluster, td, group, started_by, service)
            record(task)
            self.waiting.append(
                Waiting(task, cluster.name, td, strategies, constraints, group, self.world.now)
            )
            out.append(task)
        self.place_waiting()
        return out

    def place_waiting(self) -> int:
        """Place waiting tasks, oldest first, where they fit; returns how many were placed."""
        self.waiting = [w for w in self.waiting if w.waiting]
        if not self.waiting or self.cluster is None:
            return 0
        cis = self.container_instances()
        needs = {(r.cpu, r.memory) for r in (w.td.requirements() for w in self.waiting)}
        if not any(
            ci.placeable and ci.remaining_cpu >= cpu and ci.remaining_memory >= memory
            for ci in cis
            for cpu, memory in needs
        ):
            return 0  # no task fits anywhere (the common case while new instances boot)
        cluster = self._cluster()
        arrays = CandidateArrays(cis)
        rng = self.world.rng("ecs.placement")
        placed: set[int] = set()
        full: set[tuple] = set()
        for key, batch_iter in groupby(self.waiting, key=lambda w: w.key):
            batch = list(batch_iter)
            if key in full:
                continue
            first = batch[0]
            placements, _ = place(
                first.td.requirements(),
                len(batch),
                arrays,
                first.strategies,
                first.constraints,
                first.group,
                rng,
            )
            for w, p in zip(batch, placements, strict=False):
                self.ecs.place_unplaced(cluster, w.task, arrays.instances[p.index])
                self.waits.append((w.since, self.world.now))
                placed.add(id(w))
            if len(placements) < len(batch):
                full.add(key)
        self.waiting = [w for w in self.waiting if id(w) not in placed]
        return len(placed)

    def retry_soon(self) -> None:
        """Place waiting tasks at the end of this instant (coalesced)."""
        self.capacity_events.append(self.world.now)
        if self._retry_pending or not self.waiting:
            return
        self._retry_pending = True

        def later() -> Generator:
            yield self.world.env.timeout(0)
            self._retry_pending = False
            self.place_waiting()

        self.world.process(later())

    # ------------------------------------------------------------- managed scaling
    def run(self) -> Generator:
        """Every minute: CapacityProviderReservation, then scale out or in."""
        period = self.managed_scaling.period
        while True:
            yield self.world.env.timeout(period)
            self.evaluate()

    def evaluate(self) -> ReservationPoint:
        """One datapoint of managed scaling (also callable directly in tests)."""
        s, asg, now = self.managed_scaling, self.asg, self.world.now
        self.place_waiting()
        needed, running = self.measure()
        reservation = capacity_provider_reservation(needed, running)
        high = self._high.update(reservation)
        low = self._low.update(reservation)
        action, change = "", 0
        if s.enabled and high:
            warm = all(now - asg.launched_at[i] >= s.instance_warmup_period for i in asg.instances)
            step = min(scale_out_step(needed, running, s), asg.max_size - len(asg.instances))
            if warm and step > 0:
                asg.set_desired_capacity(len(asg.instances) + step)
                self.last_scale_out = now
                self._low.reset()
                action, change = "scale-out", step
        elif s.enabled and low and now - self.last_scale_out >= s.scale_in_after_scale_out:
            count = scale_in_count(needed, running, s)
            protected = self.busy_instances() if self.protected_by_ecs else set()
            gone = asg.scale_in(count, protected) if count else []
            if gone:
                action, change = "scale-in", -len(gone)
        point = ReservationPoint(
            now, needed, running, reservation, len(self.waiting), action, change
        )
        self.history.append(point)
        rec, ids = self.world.metrics, self._series
        rec.record_ids(
            now,
            [
                ids["CapacityProviderReservation"],
                ids["GroupDesiredCapacity"],
                ids["GroupInServiceInstances"],
                ids["ProvisioningTaskCount"],
            ],
            [reservation, asg.desired_capacity, len(asg.instances), len(self.waiting)],
        )
        if action:
            self.world.emit(
                f"capacity_provider.{action}",
                self.name,
                reservation=round(reservation, 3),
                needed=needed,
                running=running,
                change=change,
                desired_capacity=asg.desired_capacity,
            )
        return point
