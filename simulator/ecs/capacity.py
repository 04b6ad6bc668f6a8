"""ECS capacity providers: Auto Scaling group providers with managed scaling, and the
registry that routes tasks launched with a capacity provider strategy.

Managed scaling (ECS developer guide, cluster-auto-scaling.md and managed-scaling-behavior.md;
AWS Containers blog "Deep Dive on Amazon ECS Cluster Auto Scaling"), every minute:

- M, instances needed = instances of the group running non-daemon tasks + the instances the
  tasks waiting in PROVISIONING need, binpacked onto fresh instances of the group's types
  (per group of identical tasks: the largest type gives the count, a task that does not fit
  the smallest type is left out); N = instances in service;
  CapacityProviderReservation = M / N x 100 (N = 0: 100 if M = 0, else 200).
- Scale out when it is above targetCapacity: to ceil(M x 100 / targetCapacity) instances,
  the step bounded by minimumScalingStepSize and maximumScalingStepSize (from 0 instances,
  2), never while an instance is within instanceWarmupPeriod of its launch.
- Scale in after 15 consecutive datapoints below target, not within 15 min of a scale-out,
  down to ceil(M x 100 / targetCapacity), at most 50 % of the group a minute; with managed
  termination protection only instances without non-daemon tasks are terminated.

A task with an Auto Scaling group provider that does not fit waits in PROVISIONING (no
RunTask failure) and is placed as soon as an instance of the group registers or frees room.
The pure formulas are functions here; the timed parts are ``AsgCapacityProvider``'s.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import groupby
from typing import TYPE_CHECKING, Any

from simulator.catalog.catalog import InstanceType
from simulator.core.errors import AWSError
from simulator.ecs.asg import AutoScalingGroup
from simulator.ecs.candidates import CandidateArrays
from simulator.ecs.capacity_strategy import (
    FARGATE,
    FARGATE_PROVIDERS,
    FARGATE_SPOT,
    INVALID_PARAMETER,
    Strategy,
    fact,
    scale_in_order,
    split,
    strategy_from_api,
    validate_strategy,
)
from simulator.ecs.constraints import DISTINCT_INSTANCE, constraints_from_api
from simulator.ecs.container_instance import ContainerInstance
from simulator.ecs.fargate import FargateBill, FargatePrices, FargateProvider, fargate_bills
from simulator.ecs.placement import place
from simulator.ecs.task import Task, TaskState
from simulator.ecs.task_definition import TaskDefinition, TaskRequirements

if TYPE_CHECKING:
    from simulator.ecs.control import EcsCluster, EcsControlPlane, Service

ENABLED, DISABLED = "ENABLED", "DISABLED"


# --------------------------------------------------------------------------- settings
@dataclass(frozen=True)
class ManagedScaling:
    """ECS's ManagedScaling, plus the undocumented details as parameters (ecs_capacity.csv)."""

    status: str = ENABLED
    target_capacity: int = int(fact("target_capacity"))
    minimum_scaling_step_size: int = int(fact("minimum_scaling_step_size"))
    maximum_scaling_step_size: int = int(fact("maximum_scaling_step_size"))
    instance_warmup_period: float = fact("instance_warmup_period")
    # ecsim parameters
    scale_out_datapoints: int = int(fact("scale_out_datapoints"))
    scale_in_datapoints: int = int(fact("scale_in_datapoints"))
    scale_in_after_scale_out: float = fact("scale_in_after_scale_out")
    scale_in_max_fraction: float = fact("scale_in_max_fraction")
    initial_scale_out: int = int(fact("initial_scale_out_instances"))
    group_combination: str = "max"
    period: float = fact("metric_period")

    def __post_init__(self) -> None:
        problems = []
        if self.status not in (ENABLED, DISABLED):
            problems.append(f"status must be ENABLED or DISABLED, got {self.status!r}")
        if not 1 <= self.target_capacity <= 100:
            problems.append(f"targetCapacity must be 1-100, got {self.target_capacity}")
        for name in ("minimum_scaling_step_size", "maximum_scaling_step_size"):
            if not 1 <= getattr(self, name) <= 10000:
                problems.append(f"{name} must be 1-10000, got {getattr(self, name)}")
        if self.minimum_scaling_step_size > self.maximum_scaling_step_size:
            problems.append("minimumScalingStepSize must be <= maximumScalingStepSize")
        if not 0 <= self.instance_warmup_period <= 10000:
            problems.append(
                f"instanceWarmupPeriod must be 0-10000, got {self.instance_warmup_period}"
            )
        if self.group_combination not in ("max", "sum"):
            problems.append(f"group_combination must be max or sum, got {self.group_combination!r}")
        if problems:
            raise AWSError(INVALID_PARAMETER, "ManagedScaling: " + "; ".join(problems) + ".")

    @property
    def enabled(self) -> bool:
        return self.status == ENABLED


# --------------------------------------------------------------------------- formulas
def capacity_provider_reservation(needed: int, running: int) -> float:
    """CapacityProviderReservation = M / N x 100; N = 0: 100 when M = 0, else 200."""
    if running == 0:
        return 100.0 if needed == 0 else fact("reservation_without_instances")
    return needed / running * 100.0


def desired_instances(needed: int, target_capacity: float) -> int:
    """Instances that bring the reservation to the target: ceil(M x 100 / target)."""
    return math.ceil(needed * 100.0 / target_capacity - 1e-9)


def scale_out_step(needed: int, running: int, s: ManagedScaling) -> int:
    """Instances to add now (0: none): from none to the initial 2; else the gap to
    ceil(M x 100 / target), raised to minimumScalingStepSize, capped at maximum."""
    if needed == 0:
        return 0
    if running == 0:
        return s.initial_scale_out
    gap = desired_instances(needed, s.target_capacity) - running
    if gap <= 0:
        return 0
    return max(s.minimum_scaling_step_size, min(s.maximum_scaling_step_size, gap))


def scale_in_count(needed: int, running: int, s: ManagedScaling) -> int:
    """Instances to remove this minute once the low alarm fires: down to
    ceil(M x 100 / target), at least 1 and at most ``scale_in_max_fraction`` of N."""
    excess = running - desired_instances(needed, s.target_capacity)
    if excess <= 0:
        return 0
    return min(excess, max(1, math.floor(running * s.scale_in_max_fraction)))


@lru_cache(maxsize=256)
def _fresh(itype: InstanceType, reserved_memory_mib: int) -> ContainerInstance:
    return ContainerInstance(
        "i-00000000000000000",
        itype,
        availability_zone="",
        reserved_memory_mib=reserved_memory_mib,
    )


def tasks_per_instance(
    req: TaskRequirements,
    itype: InstanceType,
    *,
    distinct: bool = False,
    reserved_memory_mib: int = 0,
) -> int:
    """How many tasks of ``req`` binpack onto one fresh container instance of ``itype``."""
    if req.arch is not None and req.arch != itype.arch:
        return 0
    ci = _fresh(itype, reserved_memory_mib)
    limits = []
    if req.cpu:
        limits.append(ci.registered_cpu // req.cpu)
    if req.memory:
        limits.append(ci.registered_memory // req.memory)
    if req.eni:
        limits.append(ci.registered_enis // req.eni)
    if req.ports or req.ports_udp:
        if set(req.ports) & ci.registered_ports or set(req.ports_udp) & ci.registered_ports_udp:
            return 0
        limits.append(1)
    if distinct:
        limits.append(1)
    return int(min(limits)) if limits else 10**6


def instances_needed(
    groups: Mapping[tuple[TaskRequirements, bool], int],
    types: Sequence[InstanceType],
    *,
    combination: str = "max",
    reserved_memory_mib: int = 0,
) -> int:
    """Instances the waiting tasks need, per group of identical tasks (requirements,
    distinctInstance) -> count: binpacked on the type that holds most of them (the count),
    skipped when the type holding fewest holds none (not compatible: no scale-out)."""
    counts = []
    for (req, distinct), n in groups.items():
        fits = [
            tasks_per_instance(req, t, distinct=distinct, reserved_memory_mib=reserved_memory_mib)
            for t in types
        ]
        if n <= 0 or min(fits) == 0:
            continue
        counts.append(math.ceil(n / max(fits)))
    if not counts:
        return 0
    return max(counts) if combination == "max" else sum(counts)


class DatapointAlarm:
    """``datapoints`` of ``datapoints`` consecutive one-minute values beyond ``threshold``
    (a CloudWatch alarm whose DatapointsToAlarm equals EvaluationPeriods); a missing
    datapoint (None) breaks the run."""

    def __init__(self, datapoints: int, threshold: float, above: bool):
        self.datapoints = max(1, int(datapoints))
        self.threshold = threshold
        self.above = above
        self.run = 0

    def update(self, value: float | None) -> bool:
        """Add a datapoint; True while the alarm is in ALARM."""
        breach = value is not None and (
            value > self.threshold if self.above else value < self.threshold
        )
        self.run = self.run + 1 if breach else 0
        return self.run >= self.datapoints

    def reset(self) -> None:
        self.run = 0


# --------------------------------------------------------------------------- runtime
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
            allocations = c.container_instances[ci_id].allocations.values()
            if any(a.group not in daemon for a in allocations):
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
    ) -> list[Task]:
        """Create ``count`` tasks PROVISIONING and place what fits now (oldest first)."""
        constraints = tuple(constraints)
        out = []
        for _ in range(count):
            task = self.ecs.start_unplaced(cluster, td, group, started_by, service)
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
        if not cis:
            return 0
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


@dataclass
class _Association:
    providers: list[str] = field(default_factory=list)
    default_strategy: Strategy = ()


class CapacityProviders:
    """The capacity providers of one EcsControlPlane (it routes strategy launches here).

    ``create_capacity_provider`` wraps an Auto Scaling group; FARGATE and FARGATE_SPOT exist
    for every account; ``put_cluster_capacity_providers`` associates providers with a cluster
    (and starts managed scaling). Every task launched through a provider is remembered with
    its provider (``task_provider``) for Spot interruptions, cost and strategy splits.
    """

    def __init__(
        self,
        ecs: EcsControlPlane,
        *,
        fargate_spot_interruption_rate_per_hour: float = 0.0,
        spot_arm64: bool = True,
        fargate_prices: FargatePrices | None = None,
    ):
        self.ecs = ecs
        self.world = ecs.world
        self.fargate_prices = fargate_prices or FargatePrices.default()
        self.providers: dict[str, AsgCapacityProvider | FargateProvider] = {
            FARGATE: FargateProvider(ecs, FARGATE),
            FARGATE_SPOT: FargateProvider(
                ecs,
                FARGATE_SPOT,
                interruption_rate_per_hour=fargate_spot_interruption_rate_per_hour,
                spot_arm64=spot_arm64,
            ),
        }
        self.clusters: dict[str, _Association] = {}
        self.task_provider: dict[str, str] = {}
        self._by_ec2: dict[str, AsgCapacityProvider] = {}
        ecs.capacity = self
        ecs.registration_listeners.append(self._on_registered)
        ecs.task_listeners.append(self._on_task)

    # ------------------------------------------------------------- API
    def create_capacity_provider(
        self,
        name: str,
        auto_scaling_group: AutoScalingGroup,
        *,
        managed_scaling: ManagedScaling | None = None,
        managed_termination_protection: str = DISABLED,
    ) -> AsgCapacityProvider:
        """CreateCapacityProvider with an autoScalingGroupProvider."""
        if name in self.providers or name.upper().startswith(("AWS", "ECS", "FARGATE")):
            raise AWSError(
                INVALID_PARAMETER,
                f"The capacity provider name {name!r} is taken or reserved "
                "(names cannot start with aws, ecs or fargate).",
            )
        if any(p.asg is auto_scaling_group for p in self._asg_providers()):
            raise AWSError(
                INVALID_PARAMETER,
                f"The Auto Scaling group {auto_scaling_group.name} already has a capacity "
                "provider.",
            )
        provider = AsgCapacityProvider(
            self, name, auto_scaling_group, managed_scaling, managed_termination_protection
        )
        self.providers[name] = provider
        return provider

    def put_cluster_capacity_providers(
        self,
        cluster: str,
        capacity_providers: Collection[str],
        default_capacity_provider_strategy: Iterable = (),
    ) -> None:
        """Associate providers with ``cluster``; managed scaling starts for new ones."""
        c = self.ecs.cluster(cluster)
        for name in capacity_providers:
            if name not in self.providers:
                raise AWSError(INVALID_PARAMETER, f"The capacity provider {name} does not exist.")
            p = self.providers[name]
            if isinstance(p, AsgCapacityProvider) and p.cluster not in (None, c.name):
                raise AWSError(
                    INVALID_PARAMETER,
                    f"The capacity provider {name} is associated with cluster {p.cluster}; with "
                    "managed scaling a capacity provider serves one cluster.",
                )
        strategy = strategy_from_api(default_capacity_provider_strategy)
        validate_strategy(strategy, set(capacity_providers))
        assoc = self.clusters.setdefault(c.name, _Association())
        for name in capacity_providers:
            p = self.providers[name]
            if isinstance(p, AsgCapacityProvider) and p.cluster is None:
                p.cluster = c.name
                for iid in p.asg.instances:
                    self._by_ec2[iid] = p
                self.world.process(p.run())
            if name not in assoc.providers:
                assoc.providers.append(name)
        assoc.default_strategy = strategy

    def provider(self, name: str) -> AsgCapacityProvider | FargateProvider:
        try:
            return self.providers[name]
        except KeyError:
            raise AWSError(INVALID_PARAMETER, f"The capacity provider {name} does not exist.")

    def default_strategy(self, cluster: str) -> Strategy:
        assoc = self.clusters.get(cluster)
        return assoc.default_strategy if assoc else ()

    def check_strategy(self, cluster: str, strategy: Iterable, td: TaskDefinition) -> Strategy:
        """The validated strategy for ``cluster`` (CreateService/RunTask refuse as ECS)."""
        items = strategy_from_api(strategy)
        assoc = self.clusters.get(cluster)
        validate_strategy(items, set(assoc.providers) if assoc else set())
        for item in items:
            p = self.providers[item.capacity_provider]
            if isinstance(p, FargateProvider):
                p.check(td)
        return items

    # ------------------------------------------------------------- control-plane hooks
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
        strategy: Iterable,
    ) -> list[Task]:
        """Split ``count`` tasks over the strategy's providers and launch each share."""
        items = self.check_strategy(cluster.name, strategy, td)
        counts = self.live_counts(cluster, service) if service is not None else {}
        tasks: list[Task] = []
        for name, n in split(items, count, counts).items():
            if n <= 0:
                continue
            p = self.providers[name]
            if isinstance(p, FargateProvider):
                batch = p.launch(cluster, td, n, group, started_by, service)
            else:
                batch = p.launch(
                    cluster, td, n, strategies, constraints, group, started_by, service
                )
            for t in batch:
                self.task_provider[self.ecs.task_id(t)] = name
            tasks += batch
        return tasks

    def live_counts(self, cluster: EcsCluster, service: Service) -> dict[str, int]:
        """The service's live tasks (desired RUNNING) per capacity provider."""
        out: dict[str, int] = {}
        for t in service.tasks:
            task = cluster.tasks[t]
            name = self.task_provider.get(t)
            if name is not None and task.desired_status == "RUNNING":
                out[name] = out.get(name, 0) + 1
        return out

    def scale_in_victims(
        self, cluster: EcsCluster, service: Service, running: Sequence[Task], count: int
    ) -> list[Task]:
        """Running Fargate tasks to stop so the service keeps its strategy's split (tasks on
        container instances are left to the placement strategy)."""
        items = strategy_from_api(service.capacity_provider_strategy)
        if not items or not all(i.capacity_provider in FARGATE_PROVIDERS for i in items):
            return []
        pools: dict[str, list[Task]] = {}
        for t in running:
            name = self.task_provider.get(self.ecs.task_id(t))
            if name is not None:
                pools.setdefault(name, []).append(t)
        counts = {k: len(v) for k, v in pools.items()}
        return [pools[name].pop() for name in scale_in_order(items, counts, count)]

    def _on_registered(self, cluster: EcsCluster, ci: ContainerInstance) -> None:
        p = self._by_ec2.get(ci.ec2_instance_id)
        if p is None:
            p = next(
                (x for x in self._asg_providers() if ci.ec2_instance_id in x.asg.launched_at),
                None,
            )
            if p is None:
                return
            self._by_ec2[ci.ec2_instance_id] = p
        p.retry_soon()

    def _on_task(self, what: str, task: Task, before: TaskState | None) -> None:
        name = self.task_provider.get(self.ecs.task_id(task))
        if name is None:
            return
        p = self.providers[name]
        cluster = self.ecs.clusters[task.task_arn.split("/")[-2]]
        if what == "running" and isinstance(p, FargateProvider):
            p.on_running(cluster, task)
        elif what == "stopped" and isinstance(p, AsgCapacityProvider):
            p.retry_soon()

    def _asg_providers(self) -> list[AsgCapacityProvider]:
        return [p for p in self.providers.values() if isinstance(p, AsgCapacityProvider)]

    # ------------------------------------------------------------- reporting
    def fargate_bills(self, until: float, prices: FargatePrices | None = None) -> list[FargateBill]:
        """Every Fargate task's bill up to ``until``."""
        triples = []
        for task_id, name in self.task_provider.items():
            if name not in FARGATE_PROVIDERS:
                continue
            for c in self.ecs.clusters.values():
                task = c.tasks.get(task_id)
                if task is not None:
                    td = self.ecs.task_definitions.describe(task.task_definition_arn)
                    triples.append((task, name, td))
                    break
        return fargate_bills(triples, until, prices or self.fargate_prices)
