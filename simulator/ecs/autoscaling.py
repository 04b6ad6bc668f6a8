"""Service Auto Scaling: target tracking policies on an ECS service's desired count.

Application Auto Scaling (its user guide, "How target tracking scaling works"; the ECS
developer guide, service-auto-scaling and troubleshoot-service-auto-scaling):

- Predefined metrics ECSServiceAverageCPUUtilization, ECSServiceAverageMemoryUtilization and
  ALBRequestCountPerTarget, read by CloudWatch alarms from a metric store: the account's or
  scenario's live store (its publishers put AWS/ECS and AWS/ApplicationELB metrics), or one
  the scaler fills each minute from a callable (``MetricSource``, for tests and studies).
- Each policy puts two CloudWatch alarms (``simulator.ecs.scaling_alarms``): AlarmHigh
  (``scale_out_datapoints`` of as many one-minute datapoints above the target, 3 by default)
  and AlarmLow (``scale_in_datapoints`` below target x ``scale_in_threshold_ratio``, 15 and
  0.9 by default; none with DisableScaleIn). The datapoint counts and the 0.9 are reported
  by users, not documented: parameters (ecs_capacity.csv). The alarms' action is the
  policy's ARN; CloudWatch invokes it on the transition to ALARM and again at each
  evaluation while the alarm stays in ALARM (CloudWatch User Guide, "Alarm actions": the
  exception for Auto Scaling actions), on the evaluator's minute grid.
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
import uuid
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from simulator.cloudwatch.alarms import AlarmConfig, Alarms, AlarmState, MetricAlarm
from simulator.cloudwatch.evaluator import AlarmEvaluator
from simulator.cloudwatch.store import MetricStore
from simulator.core.errors import AWSError, EcsimError
from simulator.ecs import scaling_alarms
from simulator.ecs.capacity_strategy import fact
from simulator.ecs.deployment import RolloutState

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
    policy_name: str | None = None
    """PolicyName (default ``<metric>-target-tracking``)."""
    resource_label: str | None = None
    """ALBRequestCountPerTarget's ResourceLabel (app/<lb>/<id>/targetgroup/<tg>/<id>)."""

    @property
    def name(self) -> str:
        return self.policy_name or f"{self.metric}-target-tracking"

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
    """One change of the desired count, and why (DescribeScalingActivities' words)."""

    time: float
    service: str
    previous: int
    desired: int
    direction: str  # "out" | "in"
    cause: str
    """"monitor alarm <name> in state ALARM triggered policy <policy>" (AWS's text)."""
    activity_id: str = ""

    @property
    def description(self) -> str:
        return f"Setting desired count to {self.desired}."


class _PolicyState:
    """One policy, its ARN and its alarms' PutMetricAlarm requests."""

    def __init__(self, policy: TargetTrackingPolicy, scaler: ServiceAutoScaling):
        self.policy = policy
        self.arn = scaling_alarms.policy_arn(
            scaler.region, scaler.account_id, scaler.resource_id, policy.name
        )
        high, low = scaling_alarms.alarm_configs(
            region=scaler.region,
            account_id=scaler.account_id,
            cluster=scaler.cluster,
            service=scaler.service_name,
            policy_name=policy.name,
            metric=policy.metric,
            target=policy.target,
            resource_label=policy.resource_label,
            scale_out_datapoints=policy.scale_out_datapoints,
            scale_in_datapoints=policy.scale_in_datapoints,
            scale_in_threshold_ratio=policy.scale_in_threshold_ratio,
            disable_scale_in=policy.disable_scale_in,
        )
        self.action = scaling_alarms.alarm_action(self.arn)
        self.high: AlarmConfig = high
        self.low: AlarmConfig | None = low
        self.value: float | None = None
        self.created_at = scaler.world.now

    @property
    def configs(self) -> list[AlarmConfig]:
        return [c for c in (self.high, self.low) if c is not None]


class ServiceAutoScaling:
    """A scalable target (an ECS service's DesiredCount) with its target tracking policies.

    ``alarms`` and ``store``: the CloudWatch alarms registry and metric store the policies'
    alarms live in (an evaluator must run them, as the account's and scenario's do); left
    out, the scaler makes its own with an evaluator. ``metrics``: a callable whose values
    the scaler puts into the store as the predefined metrics each minute (value of the
    minute that ends now); without it the store's publishers provide them."""

    def __init__(
        self,
        ecs: EcsControlPlane,
        cluster: str,
        service: str,
        *,
        min_capacity: int,
        max_capacity: int,
        policies: Sequence[TargetTrackingPolicy] = (),
        metrics: MetricSource | None = None,
        alarms: Alarms | None = None,
        store: MetricStore | None = None,
        period: float = fact("metric_period"),
    ):
        _check_capacity(min_capacity, max_capacity)
        names = [p.metric for p in policies]
        if len(set(names)) != len(names):
            raise AWSError(
                VALIDATION_EXCEPTION, "Each target tracking policy must use a different metric."
            )
        self.ecs = ecs
        self.world = ecs.world
        self.region = ecs.region
        self.account_id = ecs.account_id
        self.cluster = cluster
        self.service_name = service
        self.resource_id = scaling_alarms.resource_id(cluster, service)
        self.min_capacity = min_capacity
        self.max_capacity = max_capacity
        if alarms is None:
            store = MetricStore() if store is None else store
            alarms = Alarms(self.region, self.account_id)
            evaluator = AlarmEvaluator(self.world, store, alarms)
            alarms.on_put.append(lambda _alarm: evaluator.start())
        if store is None:
            raise EcsimError("ServiceAutoScaling: alarms given without the store they read")
        self.alarms = alarms
        self.store = store
        self.metrics = metrics
        self.period = period
        self.states: list[_PolicyState] = []
        self._pending = list(policies)
        self.activities: list[ScalingActivity] = []
        self.scale_out_cooldown_until = -math.inf
        self.scale_in_cooldown_until = -math.inf
        self._cooldown_base = 0  # capacity before the scale-out that started the cooldown
        self.suspended_scale_ins = 0
        self.scale_out_suspended = False
        """SuspendedState DynamicScalingOutSuspended: the alarms' actions do not scale out."""
        self.scale_in_suspended = False
        self._invoked: dict[str, set[str]] = {}  # policy ARN -> alarm names, this instant
        self._started = False
        self._stopped = False

    @property
    def service(self) -> Service:
        return self.ecs.service(self.cluster, self.service_name)

    @property
    def policies(self) -> list[TargetTrackingPolicy]:
        return [s.policy for s in self.states]

    def start(self) -> None:
        """RegisterScalableTarget: the desired count moves into [min, max], the policies'
        alarms are put, and (with ``metrics``) the minute's datapoints published."""
        self._started = True
        self.apply_bounds()
        self.alarms.on_evaluated.append(self._decide)
        for p in self._pending:
            self.put_policy(p)
        self._pending = []
        if self.metrics is not None:
            self.world.process(self._publish())

    def apply_bounds(self) -> ScalingActivity | None:
        """Move the desired count into [min, max] (RegisterScalableTarget does)."""
        current = self.service.desired_count
        bounded = min(self.max_capacity, max(self.min_capacity, current))
        if bounded == current:
            return None
        which = "minimum" if bounded > current else "maximum"
        cause = f"{which} capacity was set to {bounded}"
        return self._set(current, bounded, "out" if bounded > current else "in", cause)

    def set_capacity(self, min_capacity: int, max_capacity: int) -> ScalingActivity | None:
        """RegisterScalableTarget again: new bounds, applied at once."""
        _check_capacity(min_capacity, max_capacity)
        self.min_capacity, self.max_capacity = min_capacity, max_capacity
        return self.apply_bounds()

    def put_policy(self, policy: TargetTrackingPolicy) -> _PolicyState:
        """PutScalingPolicy: add the policy or replace the one of that name; its alarms put."""
        other = [s for s in self.states if s.policy.name != policy.name]
        if any(s.policy.metric == policy.metric for s in other):
            raise AWSError(
                VALIDATION_EXCEPTION, "Each target tracking policy must use a different metric."
            )
        old = next((s for s in self.states if s.policy.name == policy.name), None)
        state = _PolicyState(policy, self)
        now = self.world.now
        if old is not None:
            state.created_at = old.created_at
            gone = [n for n in _names(old) if n not in _names(state) and n in self.alarms]
            if gone:  # DisableScaleIn turned on: the low alarm goes
                self.alarms.delete(gone, now)
        for config in state.configs:
            self.alarms.put(config, now)
        self.alarms.register_action(state.action, self._on_alarm)
        if old is None:
            self.states.append(state)
        else:
            self.states[self.states.index(old)] = state
        return state

    def delete_policy(self, name: str) -> None:
        """DeleteScalingPolicy: the policy and its alarms go."""
        state = next((s for s in self.states if s.policy.name == name), None)
        if state is None:
            return
        self.states = [s for s in self.states if s is not state]
        self.alarms.unregister_action(state.action)
        self.alarms.delete([n for n in _names(state) if n in self.alarms], self.world.now)

    def stop(self) -> None:
        """DeregisterScalableTarget: every policy and its alarms are deleted."""
        for s in list(self.states):
            self.delete_policy(s.policy.name)
        self._stopped = True
        if self._decide in self.alarms.on_evaluated:
            self.alarms.on_evaluated.remove(self._decide)

    def alarm(self, name: str) -> MetricAlarm:
        return self.alarms.get(name)

    # ------------------------------------------------------------------ metrics
    def _publish(self) -> Generator:
        """Each minute boundary: the minute that ended, from ``metrics``, into the store."""
        period = self.period
        at = (math.floor(self.world.now / period + 1e-9) + 1) * period
        while not self._stopped:
            yield self.world.env.timeout(at - self.world.now)
            if self._stopped or self.metrics is None:
                return
            seen: set[tuple] = set()
            for s in self.states:
                c = s.high
                key = (c.namespace, c.metric_name, c.dimensions)
                if key in seen:
                    continue
                seen.add(key)
                value = self.metrics(self.service_name, s.policy.metric)
                if value is not None:
                    handle = self.store.series(c.namespace, c.metric_name, dict(c.dimensions))
                    handle.put(at - period, value=float(value))
            at += period

    # ------------------------------------------------------------------ alarms
    def _on_alarm(self, alarm: MetricAlarm, now: float) -> None:
        """An alarm invoked a policy: remembered until the round of evaluations ends."""
        for s in self.states:
            if alarm.name in _names(s):
                self._invoked.setdefault(s.arn, set()).add(alarm.name)

    def deployment_in_progress(self) -> bool:
        svc = self.service
        return len(svc.deployments) > 1 or svc.primary.rollout_state is RolloutState.IN_PROGRESS

    def _in_alarm(self, config: AlarmConfig | None) -> bool:
        return (
            config is not None
            and config.alarm_name in self.alarms
            and self.alarms.get(config.alarm_name).state is AlarmState.ALARM
        )

    def _decide(self, now: float) -> ScalingActivity | None:
        """The round's invocations: at most one scaling activity (largest capacity)."""
        invoked, self._invoked = self._invoked, {}
        if not invoked or self._stopped:
            return None
        for s in self.states:
            c = s.high
            s.value = (
                self.alarms.get(c.alarm_name).latest_value if c.alarm_name in self.alarms else None
            )
        out = [s for s in self.states if s.high.alarm_name in invoked.get(s.arn, ())]
        try:
            svc = self.service
        except AWSError:  # the service is gone: the alarms' actions scale nothing
            return None
        if svc.status != "ACTIVE":
            return None
        current = svc.desired_count
        if out and self.scale_out_suspended:
            return None
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
                return self._set(current, desired, "out", _cause(out, "High"))
            return None
        eligible = [s for s in self.states if not s.policy.disable_scale_in]
        if self.scale_in_suspended:
            return None
        lows = [
            s for s in eligible if s.low is not None and s.low.alarm_name in invoked.get(s.arn, ())
        ]
        if not lows or not all(self._in_alarm(s.low) for s in eligible):
            return None
        for s in eligible:
            low = self.alarms.get(s.low.alarm_name) if s.low is not None else None
            s.value = low.latest_value if low is not None else None
        wanted = max(
            target_tracking_capacity(current, s.value or 0.0, s.policy.target) for s in eligible
        )
        desired = min(self.max_capacity, max(self.min_capacity, wanted))
        if desired >= current or now < self.scale_in_cooldown_until:
            return None
        if self.deployment_in_progress():
            self.suspended_scale_ins += 1
            return None
        self.scale_in_cooldown_until = now + max(s.policy.scale_in_cooldown for s in eligible)
        return self._set(current, desired, "in", _cause(eligible, "Low"))

    def _set(self, previous: int, desired: int, direction: str, cause: str) -> ScalingActivity:
        self.ecs.update_service(self.cluster, self.service_name, desired_count=desired)
        token = uuid.uuid5(
            uuid.NAMESPACE_URL,
            f"application-autoscaling/{self.account_id}/{self.resource_id}/{len(self.activities)}",
        )
        activity = ScalingActivity(
            self.world.now, self.service_name, previous, desired, direction, cause, str(token)
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


def _names(state: _PolicyState) -> list[str]:
    return [c.alarm_name for c in state.configs]


def _check_capacity(min_capacity: int, max_capacity: int) -> None:
    if not 0 <= min_capacity <= max_capacity:
        raise AWSError(
            VALIDATION_EXCEPTION,
            f"Expected 0 <= MinCapacity <= MaxCapacity, got {min_capacity}, {max_capacity}.",
        )


def _cause(states: Sequence[_PolicyState], kind: str) -> str:
    """AWS's Cause: "monitor alarm <name> in state ALARM triggered policy <policy>"."""
    parts = []
    for s in states:
        config = s.high if kind == "High" else s.low
        if config is not None:
            parts.append(
                f"monitor alarm {config.alarm_name} in state ALARM triggered policy {s.policy.name}"
            )
    return " and ".join(parts)
