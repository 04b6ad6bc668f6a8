"""The analytic model of a deployment choice: exposure, detection, capacity, duration.

Closed-form arithmetic over a weight timeline and the CloudWatch -> CodeDeploy timing
chain, with constant offered rate and a step fault. This is the reference the timed
driver's measured numbers are checked against (flow fidelity with fixed timings must
match these within 1 %); it is not a simulation. Definitions: docs/deploy.md, the
reference's section 5.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from simulator.deploy.timeline import WeightTimeline

ALARM_PERIODS_S = (10, 20, 30)
"""Sub-minute alarm periods; any other period is a multiple of 60 s [model PutMetricAlarm]."""


def exposed_requests(
    timeline: WeightTimeline, rate: float, *, start: float = 0.0, until: float | None = None
) -> float:
    """∫ rate·w(t) dt over [start, until] of the shifting phase (w as a fraction), the
    requests production sends to green. ``until`` defaults to the phase's end; pass the
    containment instant to stop at a rollback."""
    end = timeline.duration if until is None else until
    total = 0.0
    for a, b, weight in timeline.intervals(until=end):
        lo, hi = max(a, start), min(b, end)
        if hi > lo:
            total += rate * weight / 100.0 * (hi - lo)
    return total


def bad_responses(
    timeline: WeightTimeline,
    rate: float,
    p_err: float,
    *,
    fault_onset: float = 0.0,
    until: float | None = None,
) -> float:
    """∫ rate·w(t)·p_err dt from the fault's onset (a step fault of probability p_err)."""
    return p_err * exposed_requests(timeline, rate, start=fault_onset, until=until)


@dataclass(frozen=True)
class AlarmTiming:
    """One alarm and how CodeDeploy watches it; each link of the chain is a parameter.

    ``ingestion_lag_s`` [param, default 0; 'a few seconds' on re:Post]: a period's
    datapoint is available that long after the period ends. ``evaluation_interval_s``:
    None takes the documented cadence (every 10 s for periods of 10/20/30 s, every
    minute otherwise). ``evaluation_phase_s``: None puts an evaluation exactly when each
    datapoint arrives (the reference's T_detect = P + L); a number places evaluations at
    phase + k·interval. ``poll_interval_s`` [param, undocumented] and ``poll_phase_s``:
    when CodeDeploy reads the alarm state. ``reroute_s`` [param]: ModifyListener's effect.
    """

    period_s: int = 60
    datapoints_to_alarm: int = 1
    evaluation_periods: int = 1
    ingestion_lag_s: float = 0.0
    evaluation_interval_s: float | None = None
    evaluation_phase_s: float | None = None
    poll_interval_s: float = 0.0
    poll_phase_s: float = 0.0
    reroute_s: float = 0.0

    def __post_init__(self) -> None:
        p = self.period_s
        if not (p in ALARM_PERIODS_S or (p >= 60 and p % 60 == 0)):
            raise ValueError(f"period must be 10, 20, 30 or a multiple of 60 s, got {p}")
        if not 1 <= self.datapoints_to_alarm <= self.evaluation_periods:
            raise ValueError("datapoints_to_alarm must be between 1 and evaluation_periods")

    @property
    def cadence_s(self) -> float:
        if self.evaluation_interval_s is not None:
            return self.evaluation_interval_s
        return 10.0 if self.period_s in ALARM_PERIODS_S else 60.0


def _next_at_or_after(t: float, interval: float, phase: float) -> float:
    if interval <= 0:
        return t
    k = math.ceil((t - phase) / interval - 1e-12)
    return max(t, phase + k * interval)


def first_breaching_period(onset: float, period_s: float, breach_fraction: float = 1.0) -> int:
    """Index k of the first period [kP, (k+1)P) whose datapoint breaches for a step fault
    from ``onset``: the fault must cover ``breach_fraction`` of the period (1: a whole
    period, right for a rate alarm at its threshold; 1/r for a Sum alarm r times over)."""
    if not 0 < breach_fraction <= 1:
        raise ValueError("breach_fraction must be in (0, 1]")
    k = math.floor(onset / period_s)
    while (k + 1) * period_s - max(onset, k * period_s) < breach_fraction * period_s - 1e-9:
        k += 1
    return k


def alarm_time(onset: float, alarm: AlarmTiming, *, breach_fraction: float = 1.0) -> float:
    """When the alarm enters ALARM for a step fault from ``onset`` that keeps breaching:
    after M breaching datapoints (M of N with every later datapoint breaching), at the
    first evaluation once the M-th datapoint is ingested."""
    k = first_breaching_period(onset, alarm.period_s, breach_fraction)
    mth_end = (k + alarm.datapoints_to_alarm) * alarm.period_s
    available = mth_end + alarm.ingestion_lag_s
    phase = alarm.ingestion_lag_s if alarm.evaluation_phase_s is None else alarm.evaluation_phase_s
    return _next_at_or_after(available, alarm.cadence_s, phase)


def time_to_detect(onset: float, alarm: AlarmTiming, *, breach_fraction: float = 1.0) -> float:
    """T_detect = t_ALARM - t_f."""
    return alarm_time(onset, alarm, breach_fraction=breach_fraction) - onset


def containment_time(onset: float, alarm: AlarmTiming, *, breach_fraction: float = 1.0) -> float:
    """t_c: the first CodeDeploy poll at or after t_ALARM, plus the reroute."""
    t_alarm = alarm_time(onset, alarm, breach_fraction=breach_fraction)
    return _next_at_or_after(t_alarm, alarm.poll_interval_s, alarm.poll_phase_s) + alarm.reroute_s


def time_to_contain(onset: float, alarm: AlarmTiming, *, breach_fraction: float = 1.0) -> float:
    """T_contain = t_c - t_f = T_detect + poll wait + reroute."""
    return containment_time(onset, alarm, breach_fraction=breach_fraction) - onset


def detectable_rate_alarm(weight_percent: float, p_err: float, threshold: float) -> bool:
    """An LB-wide error-rate alarm sees w·p_err: it can fire only if that exceeds the
    threshold (a fraction, 0.05 for 5 %)."""
    return weight_percent / 100.0 * p_err > threshold


def detectable_sum_alarm(
    weight_percent: float, p_err: float, rate: float, period_s: float, threshold: float
) -> bool:
    """A target-group Sum-of-5xx alarm sees rate·w·p_err·P errors per period."""
    return rate * weight_percent / 100.0 * p_err * period_s > threshold


def detectable_by_phase(
    timeline: WeightTimeline, p_err: float, threshold: float
) -> list[tuple[float, float, bool]]:
    """(start, weight, detectable) per traffic step for an LB-wide rate alarm: a False
    before 100 % is an escape to the next step."""
    return [
        (s.at, s.weight, detectable_rate_alarm(s.weight, p_err, threshold)) for s in timeline.shifts
    ]


@dataclass(frozen=True)
class Detection:
    """When a step fault is caught under a weight timeline (seconds from shift start)."""

    breach_start: float
    """When the alarm's metric starts breaching: the fault's onset, or the first later
    shift to a weight at which the alarm can see it."""
    alarm_at: float
    contained_at: float
    escaped_to_full: bool
    """Still undetected when green reached 100 %."""


def detect(
    timeline: WeightTimeline,
    onset: float,
    alarm: AlarmTiming,
    can_detect: Callable[[float], bool],
    *,
    breach_fraction: float = 1.0,
    window_end: float | None = None,
) -> Detection | None:
    """The detection of a fault from ``onset`` by an alarm that fires only at weights
    where ``can_detect(weight_percent)`` (e.g. ``detectable_rate_alarm`` bound to p_err
    and a threshold). None if it is never caught, or caught only after ``window_end``
    (the deployment already ended: nothing is rolled back)."""
    pieces = timeline.intervals(until=max(onset, timeline.time_to_full) + 1.0)
    starts = [(a, w) for a, _, w in pieces]
    breach = None
    for i, (a, w) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else math.inf
        if end <= onset or not can_detect(w):
            continue
        breach = max(a, onset)
        break
    if breach is None:
        return None
    t_alarm = alarm_time(breach, alarm, breach_fraction=breach_fraction)
    t_c = containment_time(breach, alarm, breach_fraction=breach_fraction)
    if window_end is not None and t_c > window_end:
        return None
    return Detection(breach, t_alarm, t_c, t_alarm >= timeline.time_to_full)


def extra_task_seconds(desired: int, green_up_at: float, blue_gone_at: float) -> float:
    """∫ (tasks − N) dt with green at 100 % of N from its scale-up to blue's removal
    (CodeDeploy and ECS's own strategies both run 2×N in between)."""
    return desired * max(0.0, blue_gone_at - green_up_at)


def peak_tasks(desired: int, *, green_scale_percent: float = 100.0) -> int:
    """Blue at N plus green at ceil(N × scale / 100) (computedDesiredCount's rule)."""
    return desired + math.ceil(desired * green_scale_percent / 100.0 - 1e-9)


def extra_cost(task_seconds: float, price_per_task_hour: float) -> float:
    """Extra Fargate cost of ``task_seconds`` at one task's hourly price (see
    simulator.ecs.fargate.FargatePrices.per_hour)."""
    return task_seconds / 3600.0 * price_per_task_hour


@dataclass(frozen=True)
class CodeDeployPhases:
    """Phase durations (seconds) of a CodeDeploy ECS deployment, for the breakdown."""

    install_s: float
    """Green task set created until steady (start + ≥ healthy_threshold × interval)."""
    hooks_s: Mapping[str, float]
    """Seconds each hooked event waits for its function's answer."""
    test_traffic_s: float = 0.0
    ready_wait_s: float = 0.0
    termination_wait_minutes: int = 0


def codedeploy_breakdown(timeline: WeightTimeline, phases: CodeDeployPhases) -> dict[str, float]:
    """Duration by phase, in lifecycle order, plus ``total``; traffic shifting is the
    timeline's duration."""
    h = phases.hooks_s
    out = {
        "BeforeInstall": h.get("BeforeInstall", 0.0),
        "Install": phases.install_s,
        "AfterInstall": h.get("AfterInstall", 0.0),
        "AllowTestTraffic": phases.test_traffic_s,
        "AfterAllowTestTraffic": h.get("AfterAllowTestTraffic", 0.0),
        "ReadyWait": phases.ready_wait_s,
        "BeforeAllowTraffic": h.get("BeforeAllowTraffic", 0.0),
        "AllowTraffic": timeline.duration,
        "AfterAllowTraffic": h.get("AfterAllowTraffic", 0.0),
        "TerminationWait": phases.termination_wait_minutes * 60.0,
    }
    out["total"] = sum(out.values())
    return out


def green_up_to_blue_gone(breakdown: Mapping[str, float]) -> float:
    """Seconds both task sets run: from Install (green created) to the end of the
    termination wait (blue deleted)."""
    keys = list(breakdown)
    start = keys.index("Install")
    return sum(breakdown[k] for k in keys[start:] if k != "total")


def ecs_breakdown(
    timeline: WeightTimeline,
    bake_time_minutes: int,
    *,
    scale_up_s: float,
    hooks_s: Mapping[str, float] | None = None,
    test_traffic_s: float = 0.0,
    clean_up_s: float = 0.0,
) -> dict[str, float]:
    """Duration by lifecycle stage of an ECS BLUE_GREEN / LINEAR / CANARY deployment,
    plus ``total``; ``hooks_s`` by hook stage name adds to its stage (PRE_PRODUCTION_
    TRAFFIC_SHIFT to PRODUCTION_TRAFFIC_SHIFT)."""
    h = dict(hooks_s or {})
    out = {
        "RECONCILE_SERVICE": h.get("RECONCILE_SERVICE", 0.0),
        "PRE_SCALE_UP": h.get("PRE_SCALE_UP", 0.0),
        "SCALE_UP": scale_up_s,
        "POST_SCALE_UP": h.get("POST_SCALE_UP", 0.0),
        "TEST_TRAFFIC_SHIFT": test_traffic_s + h.get("TEST_TRAFFIC_SHIFT", 0.0),
        "POST_TEST_TRAFFIC_SHIFT": h.get("POST_TEST_TRAFFIC_SHIFT", 0.0),
        "PRODUCTION_TRAFFIC_SHIFT": timeline.duration
        + h.get("PRE_PRODUCTION_TRAFFIC_SHIFT", 0.0)
        + h.get("PRODUCTION_TRAFFIC_SHIFT", 0.0),
        "POST_PRODUCTION_TRAFFIC_SHIFT": h.get("POST_PRODUCTION_TRAFFIC_SHIFT", 0.0),
        "BAKE_TIME": bake_time_minutes * 60.0,
        "CLEAN_UP": clean_up_s,
    }
    out["total"] = sum(out.values())
    return out
