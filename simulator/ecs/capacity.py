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
The rules are pure functions in ``simulator.ecs.managed_scaling`` and the timed provider is
``simulator.ecs.asg_provider``'s ``AsgCapacityProvider`` (both re-exported here); this module
is the registry: CreateCapacityProvider, PutClusterCapacityProviders, and the launch hook the
control plane calls for tasks with a capacity provider strategy.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simulator.core.errors import AWSError
from simulator.ecs.asg import AutoScalingGroup
from simulator.ecs.asg_provider import AsgCapacityProvider, ReservationPoint, Waiting
from simulator.ecs.capacity_strategy import (
    FARGATE,
    FARGATE_PROVIDERS,
    FARGATE_SPOT,
    INVALID_PARAMETER,
    Strategy,
    scale_in_order,
    split,
    strategy_from_api,
    validate_strategy,
)
from simulator.ecs.container_instance import ContainerInstance
from simulator.ecs.fargate import FargateBill, FargatePrices, FargateProvider, fargate_bills
from simulator.ecs.managed_scaling import (
    DISABLED,
    ENABLED,
    DatapointAlarm,
    ManagedScaling,
    capacity_provider_reservation,
    desired_instances,
    instances_needed,
    scale_in_count,
    scale_out_step,
    tasks_per_instance,
)
from simulator.ecs.task import Task, TaskState
from simulator.ecs.task_definition import TaskDefinition

if TYPE_CHECKING:
    from simulator.ecs.control import EcsCluster, EcsControlPlane, Service


__all__ = [
    "DISABLED",
    "ENABLED",
    "AsgCapacityProvider",
    "CapacityProviders",
    "DatapointAlarm",
    "ManagedScaling",
    "ReservationPoint",
    "Waiting",
    "capacity_provider_reservation",
    "desired_instances",
    "instances_needed",
    "scale_in_count",
    "scale_out_step",
    "tasks_per_instance",
]


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
                raise AWSError(
                    INVALID_PARAMETER, f"The capacity provider {name} does not exist."
                ) from None
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
                self._attach(p, c.name)
                self.world.process(p.run())
            if name not in assoc.providers:
                assoc.providers.append(name)
        assoc.default_strategy = strategy

    def _attach(self, p: AsgCapacityProvider, cluster: str) -> None:
        """The group's instances join ``cluster`` (its launch template's user data sets
        ECS_CLUSTER), those already launched and every later one."""
        asg = p.asg

        def join(iid: str) -> None:
            self._by_ec2[iid] = p
            self.ecs.join(iid, cluster)

        asg.join = join
        asg.zone_of = self.ecs.availability_zone
        for iid in asg.instances:
            join(iid)

    def provider(self, name: str) -> AsgCapacityProvider | FargateProvider:
        try:
            return self.providers[name]
        except KeyError:
            raise AWSError(
                INVALID_PARAMETER, f"The capacity provider {name} does not exist."
            ) from None

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

            def record(task: Task, name: str = name) -> None:
                self.task_provider[task.task_id] = name

            if isinstance(p, FargateProvider):
                batch = p.launch(cluster, td, n, group, started_by, service, record)
            else:
                batch = p.launch(
                    cluster, td, n, strategies, constraints, group, started_by, service, record
                )
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
