"""Managed scaling's rules, pure (no simpy): settings, CapacityProviderReservation, the
scale-out step, the scale-in count, the binpack estimate of instances needed, and the
CloudWatch-style datapoint alarm.

Sources: ECS developer guide (cluster-auto-scaling.md, managed-scaling-behavior.md), botocore's
ManagedScaling documentation and the AWS Containers blog "Deep Dive on Amazon ECS Cluster Auto
Scaling"; every number is a row of ecs_capacity.csv. ``simulator.ecs.capacity`` applies them
every minute in simulated time.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from simulator.catalog.catalog import InstanceType
from simulator.core.errors import AWSError
from simulator.ecs.capacity_strategy import INVALID_PARAMETER, fact
from simulator.ecs.container_instance import ContainerInstance
from simulator.ecs.task_definition import TaskRequirements

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
    legacy_exact_minimum_step: bool = False
    """The older API reference (SDK docs until 2023): with more than one instance type or
    Availability Zone, scale out by exactly minimumScalingStepSize, ignoring demand and the
    maximum. The current reference dropped the sentence; every ecsim group spans three AZs,
    so True applies it to every scale-out after the initial one."""

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
    if s.legacy_exact_minimum_step:
        return s.minimum_scaling_step_size
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
