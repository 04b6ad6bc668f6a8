"""Service Auto Scaling: target tracking policies on an ECS service's desired count.

Application Auto Scaling (its user guide, "How target tracking scaling works"; the ECS
developer guide, service-auto-scaling and troubleshoot-service-auto-scaling):

- Predefined metrics ECSServiceAverageCPUUtilization, ECSServiceAverageMemoryUtilization and
  ALBRequestCountPerTarget; one datapoint a minute, from a callable the caller supplies
  (``MetricSource``: the scenario's traffic model).
- Each policy has a high alarm (``scale_out_datapoints`` of as many one-minute datapoints above
  the target, 3 by default) and a low alarm (``scale_in_datapoints`` below target x
  ``scale_in_threshold_ratio``, 15 and 0.9 by default). The datapoint counts and the 0.9 are
  reported by users, not documented: parameters (ecs_capacity.csv).
- The new capacity is ceil(current x metric / target), within [min_capacity, max_capacity].
- Cooldowns (300 s default): during a scale-out cooldown only a larger scale-out happens, and
  the capacity the initiating scale-out added counts toward it (the next is computed from the
  capacity before it); during a scale-in cooldown no scale-in, but a scale-out proceeds at
  once and ends that cooldown.
- Several policies: "Application Auto Scaling scales based on the policy that provides the
  largest capacity": out if any policy says out, in only if every policy (scale-in enabled)
  says in, to the largest of their capacities.
- Scale-in is turned off while an ECS deployment is in progress; scale-out continues.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from simulator.core.errors import AWSError
from simulator.ecs.capacity_strategy import fact
from simulator.ecs.deployment import RolloutState
from simulator.ecs.managed_scaling import DatapointAlarm

if TYPE_CHECKING:
    from simulator.ecs.control import EcsControlPlane, Service

VALIDATION_EXCEPTION = "ValidationException"
"""Application Auto Scaling's error code for invalid parameters."""

MetricSource = Callable[[str, str], "float | None"]
"""(service name, predefined metric name) -> the current one-minute value, None for no data."""


class PredefinedMetric(StrEnum):
    """Application Auto Scaling's predefined metric types for ECS services."""

    CPU = "ECSServiceAverageCPUUtilization"
    MEMORY = "ECSServiceAverageMemoryUtilization"
    ALB_REQUESTS = "ALBRequestCountPerTarget"


@dataclass(frozen=True)
class TargetTrackingPolicy:
    """A TargetTrackingScalingPolicyConfiguration with a predefined metric."""

    metric: str
    target: float
    scale_out_cooldown: float = fact("service_cooldown")
    scale_in_cooldown: float = fact("service_cooldown")
    disable_scale_in: bool = False
    scale_out_datapoints: int = int(fact("service_scale_out_datapoints"))
    scale_in_datapoints: int = int(fact("service_scale_in_datapoints"))
    scale_in_threshold_ratio: float = fact("service_scale_in_threshold_ratio")

    def __post_init__(self) -> None:
        known = [m.value for m in PredefinedMetric]
        if self.metric not in known:
            raise AWSError(
                VALIDATION_EXCEPTION,
                f"PredefinedMetricType must be one of {', '.join(known)}, got {self.metric!r}.",
            )
        if not self.target > 0:
            raise AWSError(VALIDATION_EXCEPTION, f"TargetValue must be > 0, got {self.target}.")
        if self.scale_out_cooldown < 0 or self.scale_in_cooldown < 0:
            raise AWSError(VALIDATION_EXCEPTION, "Cooldowns must be >= 0 seconds.")
        if self.scale_out_datapoints < 1 or self.scale_in_datapoints < 1:
            raise AWSError(VALIDATION_EXCEPTION, "Alarm datapoints must be >= 1.")
        if not 0 < self.scale_in_threshold_ratio <= 1:
            raise AWSError(VALIDATION_EXCEPTION, "scale_in_threshold_ratio must be in (0, 1].")


def target_tracking_capacity(current: int, metric: float, target: float) -> int:
    """The capacity that brings ``metric`` to ``target``: ceil(current x metric / target)."""
    return math.ceil(current * metric / target - 1e-9)


@dataclass(frozen=True, slots=True)
class ScalingActivity:
    """One change of the desired count, and why (DescribeScalingActivities, in short)."""

    time: float
    service: str
    previous: int
    desired: int
    direction: str  # "out" | "in"
    cause: str


class _PolicyState:
    def __init__(self, policy: TargetTrackingPolicy):
        self.policy = policy
        self.high = DatapointAlarm(policy.scale_out_datapoints, policy.target, above=True)
        self.low = DatapointAlarm(
            policy.scale_in_datapoints, policy.target * policy.scale_in_threshold_ratio, above=False
        )
        self.value: float | None = None


class ServiceAutoScaling:
    """A scalable target (an ECS service's DesiredCount) with its target tracking policies."""

    def __init__(
        self,
        ecs: EcsControlPlane,
        cluster: str,
        service: str,
        *,
        min_capacity: int,
        max_capacity: int,
        policies: Sequence[TargetTrackingPolicy],
        metrics: MetricSource,
        period: float = fact("metric_period"),
    ):
        if not 0 <= min_capacity <= max_capacity:
            raise AWSError(
                VALIDATION_EXCEPTION,
                f"Expected 0 <= MinCapacity <= MaxCapacity, got {min_capacity}, {max_capacity}.",
            )
        if not policies:
            raise AWSError(VALIDATION_EXCEPTION, "At least one scaling policy is required.")
        names = [p.metric for p in policies]
        if len(set(names)) != len(names):
            raise AWSError(
                VALIDATION_EXCEPTION, "Each target tracking policy must use a different metric."
            )
        self.ecs = ecs
        self.world = ecs.world
        self.cluster = cluster
        self.service_name = service
        self.min_capacity = min_capacity
        self.max_capacity = max_capacity
        self.states = [_PolicyState(p) for p in policies]
        self.metrics = metrics
        self.period = period
        self.activities: list[ScalingActivity] = []
        self.scale_out_cooldown_until = -math.inf
        self.scale_in_cooldown_until = -math.inf
        self._cooldown_base = 0  # capacity before the scale-out that started the cooldown
        self.suspended_scale_ins = 0

    @property
    def service(self) -> Service:
        return self.ecs.service(self.cluster, self.service_name)

    def start(self) -> None:
        """RegisterScalableTarget (the desired count moves into [min, max]) and evaluate
        every minute from now on."""
        current = self.service.desired_count
        bounded = min(self.max_capacity, max(self.min_capacity, current))
        if bounded != current:
            self._set(current, bounded, "out" if bounded > current else "in", "min/max capacity")
        self.world.process(self._run())

    def _run(self) -> Generator:
        while True:
            yield self.world.env.timeout(self.period)
            self.evaluate()

    def deployment_in_progress(self) -> bool:
        svc = self.service
        return len(svc.deployments) > 1 or svc.primary.rollout_state is RolloutState.IN_PROGRESS

    def evaluate(self) -> ScalingActivity | None:
        """One minute: every policy's datapoint, then at most one scaling activity."""
        now = self.world.now
        for s in self.states:
            s.value = self.metrics(self.service_name, s.policy.metric)
        out = [s for s in self.states if s.high.update(s.value)]
        lows = [s.low.update(s.value) for s in self.states]
        current = self.service.desired_count
        if out:
            cooling = now < self.scale_out_cooldown_until
            base = self._cooldown_base if cooling else current
            wanted = max(
                target_tracking_capacity(base, s.value or 0.0, s.policy.target) for s in out
            )
            desired = min(self.max_capacity, max(self.min_capacity, wanted))
            if desired > current:
                if not cooling:
                    self._cooldown_base = current
                cooldown = max(s.policy.scale_out_cooldown for s in out)
                self.scale_out_cooldown_until = now + cooldown
                self.scale_in_cooldown_until = -math.inf  # a scale-out ends it
                return self._set(current, desired, "out", _cause(out, "above"))
            return None
        voters = [(s, low) for s, low in zip(self.states, lows, strict=True)]
        eligible = [(s, low) for s, low in voters if not s.policy.disable_scale_in]
        if not eligible or not all(low for _, low in eligible):
            return None
        wanted = max(
            target_tracking_capacity(current, s.value or 0.0, s.policy.target) for s, _ in eligible
        )
        desired = min(self.max_capacity, max(self.min_capacity, wanted))
        if desired >= current or now < self.scale_in_cooldown_until:
            return None
        if self.deployment_in_progress():
            self.suspended_scale_ins += 1
            return None
        self.scale_in_cooldown_until = now + max(s.policy.scale_in_cooldown for s, _ in eligible)
        return self._set(current, desired, "in", _cause([s for s, _ in eligible], "below"))

    def _set(self, previous: int, desired: int, direction: str, cause: str) -> ScalingActivity:
        self.ecs.update_service(self.cluster, self.service_name, desired_count=desired)
        activity = ScalingActivity(
            self.world.now, self.service_name, previous, desired, direction, cause
        )
        self.activities.append(activity)
        self.world.emit(
            f"service_autoscaling.scale_{direction}",
            self.service_name,
            previous=previous,
            desired_count=desired,
            cause=cause,
        )
        return activity


def _cause(states: Sequence[_PolicyState], where: str) -> str:
    return "; ".join(
        f"{s.policy.metric} {s.value:.4g} {where} target {s.policy.target:g}"
        for s in states
        if s.value is not None
    )
