"""Fargate and Fargate Spot capacity providers, and what Fargate bills.

A Fargate task has no container instance: it stays PROVISIONING for the
``fargate_provisioning`` delay (ecs_timing.csv), then pulls its image and runs. Its size must
be a Fargate size (the task definition validates it). A FARGATE_SPOT task can be interrupted:
each running Spot task draws an exponential time to interruption at
``interruption_rate_per_hour`` (a parameter: AWS publishes no rate) from the
``fargate_spot.interruptions`` stream; the interruption is a two-minute notice (SIGTERM, the
task stops with stopCode SpotInterruption, "Your Spot Task was interrupted.") and the task is
gone when the notice ends at the latest; a service replaces it like any stopped task.

Billing (aws.amazon.com/fargate/pricing): vCPU and memory per second, from the start of the
image pull (PENDING) until the task terminates (STOPPED), rounded up to the second, with a
one-minute minimum; ARM64 has its own prices; Spot is discounted (``spot_discount``, "up to
70 %" in aws-facts, a parameter). Rates are in fargate.csv with sources.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from simulator.catalog.catalog import _rows
from simulator.core.errors import AWSError
from simulator.ecs.capacity_strategy import FARGATE_SPOT, INVALID_PARAMETER, fact
from simulator.ecs.task import REASON_SPOT, StopCode, Task, TaskState
from simulator.ecs.task_definition import TaskDefinition

if TYPE_CHECKING:
    from simulator.ecs.control import EcsCluster, EcsControlPlane, Service

NOT_FARGATE = "Task definition does not support launch_type FARGATE."
"""The RunTask/CreateService answer for a definition that is not Fargate-compatible (live
answers quoted in many public issues)."""
SPOT_ARM64 = "Fargate Spot supports Linux tasks with the X86_64 architecture only."
"""The June 2023 developer guide's rule (ecsim wording); the current API reference allows ARM64
on platform 1.4.0+, the default here (``spot_arm64=True``)."""


@lru_cache(maxsize=1)
def fargate_facts() -> Mapping[str, str]:
    return {r["name"]: r["value"] for r in _rows("fargate.csv")}


@dataclass(frozen=True)
class FargatePrices:
    """USD rates (us-east-1 Linux) and the billing rule's numbers."""

    x86_64_vcpu_hour: float
    x86_64_gb_hour: float
    arm64_vcpu_hour: float
    arm64_gb_hour: float
    spot_discount: float
    minimum_billed_seconds: float

    @classmethod
    def default(cls, **overrides: float) -> FargatePrices:
        f = fargate_facts()
        values = {name: float(f[name]) for name in cls.__dataclass_fields__}
        values.update(overrides)
        return cls(**values)

    def per_hour(self, cpu_units: int, memory_mib: int, arch: str | None, spot: bool) -> float:
        """The task's price per hour: vCPUs and GB at the architecture's rates, less Spot."""
        arm = arch == "arm64"
        vcpu = self.arm64_vcpu_hour if arm else self.x86_64_vcpu_hour
        gb = self.arm64_gb_hour if arm else self.x86_64_gb_hour
        price = cpu_units / 1024 * vcpu + memory_mib / 1024 * gb
        return price * (1.0 - self.spot_discount) if spot else price


@dataclass(frozen=True, slots=True)
class FargateBill:
    """One task's Fargate charge up to a time."""

    task_id: str
    capacity_provider: str
    cpu: int
    memory_mib: int
    arch: str
    seconds: float
    billed_seconds: float
    price_per_hour: float

    @property
    def cost(self) -> float:
        return self.billed_seconds / 3600.0 * self.price_per_hour


def billed_seconds(task: Task, until: float, minimum: float = 60.0) -> tuple[float, float]:
    """(seconds run, seconds billed) up to ``until``: from PENDING (image pull) to STOPPED,
    rounded up to the second, at least ``minimum``; (0, 0) if it never reached PENDING."""
    start = task.time_entered(TaskState.PENDING)
    if start is None or start > until:
        return 0.0, 0.0
    end = task.time_entered(TaskState.STOPPED)
    end = until if end is None else min(end, until)
    seconds = max(0.0, end - start)
    return seconds, max(float(math.ceil(seconds - 1e-9)), minimum)


def fargate_bills(
    tasks: Iterable[tuple[Task, str, TaskDefinition]],
    until: float,
    prices: FargatePrices | None = None,
) -> list[FargateBill]:
    """Bills for (task, capacity provider, task definition) triples on Fargate providers."""
    prices = prices or FargatePrices.default()
    out = []
    for task, provider, td in tasks:
        req = td.requirements()
        arch = req.arch or "x86_64"
        seconds, billed = billed_seconds(task, until, prices.minimum_billed_seconds)
        if not billed:
            continue
        out.append(
            FargateBill(
                task.task_arn.rsplit("/", 1)[-1],
                provider,
                req.cpu,
                req.memory,
                arch,
                seconds,
                billed,
                prices.per_hour(req.cpu, req.memory, arch, provider == FARGATE_SPOT),
            )
        )
    return out


def fargate_cost(ecs: EcsControlPlane, until: float, prices: FargatePrices | None = None) -> float:
    """Every Fargate task's charge up to ``until`` (USD), from the control plane's tasks."""
    capacity = getattr(ecs, "capacity", None)
    if capacity is None:
        return 0.0
    return sum(b.cost for b in capacity.fargate_bills(until, prices))


class FargateProvider:
    """FARGATE or FARGATE_SPOT for one control plane (available to every account)."""

    kind = "FARGATE"

    def __init__(
        self,
        ecs: EcsControlPlane,
        name: str,
        *,
        interruption_rate_per_hour: float = 0.0,
        notice: float | None = None,
        spot_arm64: bool = True,
    ):
        if interruption_rate_per_hour < 0:
            raise AWSError(INVALID_PARAMETER, "interruption_rate_per_hour must be >= 0.")
        self.ecs = ecs
        self.world = ecs.world
        self.name = name
        self.spot = name == FARGATE_SPOT
        self.interruption_rate_per_hour = interruption_rate_per_hour
        self.notice = fact("spot_notice") if notice is None else notice
        self.spot_arm64 = spot_arm64
        self.interruptions = 0
        self.tasks_started = 0

    def check(self, td: TaskDefinition) -> None:
        """Refuse a definition Fargate cannot run (RunTask/CreateService would)."""
        if not td.spec.fargate_compatible:
            raise AWSError(INVALID_PARAMETER, NOT_FARGATE)
        if self.spot and not self.spot_arm64 and td.requirements().arch == "arm64":
            raise AWSError(INVALID_PARAMETER, SPOT_ARM64)

    def launch(
        self,
        cluster: EcsCluster,
        td: TaskDefinition,
        count: int,
        group: str,
        started_by: str | None,
        service: Service | None,
        record: Callable[[Task], None] = lambda _task: None,
    ) -> list[Task]:
        """``count`` tasks, PROVISIONING on Fargate until their capacity is ready;
        ``record`` sees each task before its lifecycle moves on."""
        self.check(td)
        out = []
        for _ in range(count):
            task = self.ecs.start_unplaced(cluster, td, group, started_by, service)
            record(task)
            self.ecs.provision_unplaced(cluster, task, "fargate_provisioning")
            out.append(task)
        self.tasks_started += count
        return out

    def on_running(self, cluster: EcsCluster, task: Task) -> None:
        """A Spot task started running: draw when it will be interrupted."""
        if not self.spot or self.interruption_rate_per_hour <= 0:
            return
        rng = self.world.rng("fargate_spot.interruptions")
        delay = float(rng.exponential(3600.0 / self.interruption_rate_per_hour))

        def later() -> Generator:
            yield self.world.env.timeout(delay)
            if task.last_status is TaskState.RUNNING and task.desired_status == "RUNNING":
                self.interrupt(cluster, task)

        self.world.process(later())

    def interrupt(self, cluster: EcsCluster, task: Task) -> None:
        """The two-minute notice: SIGTERM now (the task stops), gone when the notice ends."""
        self.interruptions += 1
        task_id = task.task_arn.rsplit("/", 1)[-1]
        self.world.emit("fargate.spot_interruption", task_id, notice=self.notice, group=task.group)
        self.ecs.interrupt_task(cluster, task, StopCode.SPOT_INTERRUPTION, REASON_SPOT)

        def deadline() -> Generator:
            yield self.world.env.timeout(self.notice)
            if task.live:
                self.ecs.lose_task(cluster, task, REASON_SPOT)

        self.world.process(deadline())
