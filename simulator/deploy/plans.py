"""ecsim strategies beyond AWS's own: an Argo Rollouts-style ``steps`` plan and a
Flagger-style analysis plan, each giving a WeightTimeline and its analysis schedule.

These are **ecsim strategies** (``ecsim:argo``, ``ecsim:flagger``), not AWS's: they let a
team compare what those tools would do with CodeDeploy's and ECS's configurations on the
same load balancer and the same bad version. Each is validated with its own tool's
rules (docs/deploy.md "ecsim strategies" cites them):

- Argo Rollouts (``pkg/apis/rollouts/validation``, ``utils/analysis``): a step sets
  exactly one of setWeight, pause, analysis ("Step must have one of the following set:
  ..."); "SetWeight needs to be between 0 and 100"; a pause duration must not be
  negative; a metric's count must be >= failureLimit, "interval must be specified when
  count > 1", failureLimit >= 0. The run fails when failed measurements exceed
  failureLimit (default 0: the first failure aborts); an abort puts the weight back to
  0. After the last step the rollout is promoted (100 %).
- Flagger (``docs/gitbook/usage/deployment-strategies.md``, the Canary getters and the
  scheduler): ``interval`` (default 60 s, raised to at least 10 s), ``threshold`` failed
  checks before rollback (default 1), ``stepWeight`` up to ``maxWeight`` (default 100)
  or a ``stepWeights`` list, or ``iterations`` (blue/green: no production traffic until
  promotion); weights are percentages 0-100. The weight advances once per interval while
  checks pass; once it reaches maxWeight the next interval promotes (100 %), so a
  passing analysis takes interval × ⌈maxWeight / stepWeight⌉; a failed check halts the
  advance, and the run after the threshold-th failure rolls back (all traffic to the
  primary).

Times are seconds since traffic shifting began. Pure: no simpy.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from simulator.core.durations import parse_duration
from simulator.core.errors import DurationError, EcsimError
from simulator.deploy.timeline import Shift, WeightTimeline

ARGO = "ecsim:argo"
FLAGGER = "ecsim:flagger"
MAX_WEIGHT = 100
DEFAULT_MANUAL_PAUSE_S = 600.0
"""[param] How long an indefinite Argo ``pause: {}`` lasts before someone promotes it
(ecsim's choice: Argo waits for ``kubectl argo rollouts promote``)."""
FLAGGER_DEFAULT_INTERVAL_S = 60.0
FLAGGER_MIN_INTERVAL_S = 10.0


class PlanError(EcsimError, ValueError):
    """A plan broke its tool's rule; the message starts with the field path."""


@dataclass(frozen=True)
class Check:
    """One analysis measurement at ``at`` while green holds ``weight`` percent."""

    at: float
    weight: float
    analysis: str


@dataclass(frozen=True)
class Analysis:
    """An Argo metric (or Flagger's checks): what it reads and how often.

    ``alarm``: a scenario alarm whose ALARM state is a failed measurement; or ``metric``
    with ``threshold`` (a failed measurement reads above it)."""

    name: str
    alarm: str | None = None
    metric: str | None = None
    threshold: float | None = None
    interval_s: float | None = None
    count: int = 1
    failure_limit: int = 0
    initial_delay_s: float = 0.0

    @property
    def span_s(self) -> float:
        """From the analysis start to its last measurement."""
        return self.initial_delay_s + (self.count - 1) * (self.interval_s or 0.0)


@dataclass(frozen=True)
class Plan:
    """A strategy's schedule: the weight timeline if every check passes, the checks,
    and how many failures abort (Argo: more than ``failure_limit`` per analysis;
    Flagger: ``threshold`` in total)."""

    strategy: str
    timeline: WeightTimeline
    checks: tuple[Check, ...]
    analyses: Mapping[str, Analysis]
    threshold: int | None = None
    interval_s: float | None = None


def seconds(where: str, value: Any) -> float:
    if isinstance(value, bool):
        raise PlanError(f"{where}: expected a duration, got {value!r}")
    try:
        s = parse_duration(value)
    except DurationError as err:
        raise PlanError(f"{where}: {err}") from None
    if s < 0:
        raise PlanError(f"{where}: Duration needs to be greater than 0, got {value!r}")
    return s


def _int(where: str, value: Any, low: int, high: int | None = None) -> int:
    ok = isinstance(value, int) and not isinstance(value, bool)
    if not ok or value < low or (high is not None and value > high):
        span = f"{low}-{high}" if high is not None else f">= {low}"
        raise PlanError(f"{where}: expected an integer {span}, got {value!r}")
    return value


def _weight(where: str, value: Any, message: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_WEIGHT:
        raise PlanError(f"{where}: {message}, got {value!r}")
    return value


def _keys(where: str, spec: Mapping[str, Any], allowed: set[str]) -> None:
    if not isinstance(spec, Mapping):
        raise PlanError(f"{where}: expected a mapping, got {type(spec).__name__}")
    extra = sorted(set(spec) - allowed)
    if extra:
        raise PlanError(f"{where}: unknown field(s) {extra}; expected some of {sorted(allowed)}")


ANALYSIS_FIELDS = {
    "name",
    "alarm",
    "metric",
    "threshold",
    "interval",
    "count",
    "failureLimit",
    "initialDelay",
}


def analysis_from(where: str, spec: Mapping[str, Any], default_name: str) -> Analysis:
    """An Argo-style analysis (one metric) with Argo's metric rules."""
    _keys(where, spec, ANALYSIS_FIELDS)
    alarm, metric = spec.get("alarm"), spec.get("metric")
    if (alarm is None) == (metric is None):
        raise PlanError(f"{where}: expected exactly one of alarm or metric")
    threshold = spec.get("threshold")
    if metric is not None:
        ok = isinstance(threshold, int | float) and not isinstance(threshold, bool)
        if not ok or not math.isfinite(float(threshold or 0)):
            raise PlanError(f"{where}.threshold: a metric needs a numeric threshold")
    count = _int(f"{where}.count", spec.get("count", 1), 1)
    failure_limit = _int(f"{where}.failureLimit", spec.get("failureLimit", 0), 0)
    if count < failure_limit:
        raise PlanError(f"{where}: count must be >= failureLimit")
    interval = spec.get("interval")
    if count > 1 and interval is None:
        raise PlanError(f"{where}: interval must be specified when count > 1")
    interval_s = None if interval is None else seconds(f"{where}.interval", interval)
    if interval_s is not None and interval_s <= 0:
        raise PlanError(f"{where}.interval: Duration needs to be greater than 0")
    return Analysis(
        name=str(spec.get("name", default_name)),
        alarm=alarm,
        metric=metric,
        threshold=None if threshold is None else float(threshold),
        interval_s=interval_s,
        count=count,
        failure_limit=failure_limit,
        initial_delay_s=seconds(f"{where}.initialDelay", spec.get("initialDelay", 0)),
    )


STEP_KINDS = ("setWeight", "pause", "analysis")


def argo_plan(
    steps: Sequence[Mapping[str, Any]],
    *,
    background: Mapping[str, Any] | None = None,
    manual_pause_s: float = DEFAULT_MANUAL_PAUSE_S,
    where: str = "steps",
) -> Plan:
    """An Argo Rollouts canary ``steps`` list (setWeight, pause with or without a
    duration, analysis) and an optional background ``analysis`` (``startingStep`` plus
    one metric) as a plan. ecsim keeps weights non-decreasing (its timelines are
    monotone); a step analysis blocks until its last measurement, as Argo's does."""
    if not isinstance(steps, Sequence) or isinstance(steps, str) or not steps:
        raise PlanError(f"{where}: expected a non-empty list of steps")
    t, weight = 0.0, 0.0
    shifts: list[Shift] = []
    checks: list[Check] = []
    analyses: dict[str, Analysis] = {}
    step_start: list[float] = []
    for i, step in enumerate(steps):
        here = f"{where}[{i}]"
        step_start.append(t)
        if not isinstance(step, Mapping):
            raise PlanError(f"{here}: expected a mapping, got {type(step).__name__}")
        kinds = [k for k in STEP_KINDS if k in step]
        if len(kinds) != 1 or len(step) != 1:
            raise PlanError(
                f"{here}: Step must have one of the following set: setWeight, pause or "
                f"analysis (got {sorted(step)})"
            )
        kind = kinds[0]
        if kind == "setWeight":
            w = _weight(
                f"{here}.setWeight", step[kind], f"SetWeight needs to be between 0 and {MAX_WEIGHT}"
            )
            if w < weight:
                raise PlanError(
                    f"{here}.setWeight: ecsim keeps weights non-decreasing ({w} after {weight:g})"
                )
            weight = float(w)
            shifts.append(Shift(t, weight))
        elif kind == "pause":
            pause = step[kind]
            _keys(f"{here}.pause", pause, {"duration"})
            if "duration" in pause:
                t += seconds(f"{here}.pause.duration", pause["duration"])
            else:
                t += manual_pause_s
        else:
            a = analysis_from(f"{here}.analysis", step[kind], f"step-{i}")
            if a.name in analyses:
                raise PlanError(f"{here}.analysis.name: duplicate analysis name {a.name!r}")
            analyses[a.name] = a
            for k in range(a.count):
                checks.append(
                    Check(t + a.initial_delay_s + k * (a.interval_s or 0.0), weight, a.name)
                )
            t += a.span_s
    end = t
    if not shifts or shifts[-1].weight < MAX_WEIGHT:
        shifts.append(Shift(end, float(MAX_WEIGHT)))  # promoted after the last step
    timeline = WeightTimeline(tuple(shifts), max(end, shifts[-1].at))
    if background is not None:
        _keys("analysis", background, {*ANALYSIS_FIELDS, "startingStep"})
        start_step = _int("analysis.startingStep", background.get("startingStep", 0), 0)
        if start_step >= len(steps):
            raise PlanError(
                f"analysis.startingStep: expected a step index < {len(steps)}, got {start_step}"
            )
        spec = {k: v for k, v in background.items() if k != "startingStep"}
        a = analysis_from("analysis", spec, "background")
        if a.interval_s is None:
            raise PlanError("analysis.interval: a background analysis needs an interval")
        analyses[a.name] = a
        at = step_start[start_step] + a.initial_delay_s
        k = 0
        while at < timeline.time_to_full and (background.get("count") is None or k < a.count):
            checks.append(Check(at, timeline.weight_at(at), a.name))
            at += a.interval_s
            k += 1
    checks.sort(key=lambda c: (c.at, c.analysis))
    return Plan(ARGO, timeline, tuple(checks), analyses)


FLAGGER_FIELDS = {
    "interval",
    "threshold",
    "maxWeight",
    "stepWeight",
    "stepWeights",
    "iterations",
    "alarm",
    "metric",
    "metricThreshold",
}


def flagger_plan(spec: Mapping[str, Any], *, where: str = "analysis") -> Plan:
    """A Flagger ``analysis`` block as a plan: the advance schedule if every check passes
    and one check per interval while green is being analysed."""
    _keys(where, spec, FLAGGER_FIELDS)
    interval = seconds(f"{where}.interval", spec.get("interval", FLAGGER_DEFAULT_INTERVAL_S))
    interval = max(interval, FLAGGER_MIN_INTERVAL_S)  # Flagger raises shorter ones to 10 s
    threshold = _int(f"{where}.threshold", spec.get("threshold", 1), 1)
    modes = [k for k in ("stepWeight", "stepWeights", "iterations") if k in spec]
    if len(modes) != 1:
        raise PlanError(f"{where}: expected exactly one of stepWeight, stepWeights or iterations")
    pct = "expected a percentage (0-100)"
    weights: list[int] = []
    shifts: tuple[Shift, ...]
    if "iterations" in spec:
        if "maxWeight" in spec:
            raise PlanError(f"{where}.maxWeight: not used with iterations (blue/green)")
        n = _int(f"{where}.iterations", spec["iterations"], 1)
        shifts = (Shift(n * interval, float(MAX_WEIGHT)),)
        check_weights = [0.0] * n
    else:
        if "stepWeights" in spec:
            listed = spec["stepWeights"]
            if not isinstance(listed, Sequence) or isinstance(listed, str) or not listed:
                raise PlanError(f"{where}.stepWeights: expected a non-empty list of percentages")
            weights = [_weight(f"{where}.stepWeights[{i}]", w, pct) for i, w in enumerate(listed)]
            if any(b <= a for a, b in zip(weights, weights[1:], strict=False)) or weights[0] <= 0:
                raise PlanError(f"{where}.stepWeights: expected increasing percentages > 0")
            if "maxWeight" in spec:
                raise PlanError(f"{where}.maxWeight: the last of stepWeights is the maximum")
        else:
            step = _weight(f"{where}.stepWeight", spec["stepWeight"], pct)
            top = _weight(f"{where}.maxWeight", spec.get("maxWeight", MAX_WEIGHT), pct)
            if step <= 0 or top <= 0:
                raise PlanError(f"{where}: stepWeight and maxWeight must be > 0")
            w = 0
            while w < top:
                w = min(top, w + step)
                weights.append(w)
        shifts = tuple(Shift(k * interval, float(w)) for k, w in enumerate(weights))
        if weights[-1] < MAX_WEIGHT:
            shifts += (Shift(len(weights) * interval, float(MAX_WEIGHT)),)  # promotion
        check_weights = [float(w) for w in weights]  # the last check passes: promotion
    alarm, metric = spec.get("alarm"), spec.get("metric")
    if alarm is not None and metric is not None:
        raise PlanError(f"{where}: expected at most one of alarm or metric")
    if metric is not None:
        level = spec.get("metricThreshold")
        if isinstance(level, bool) or not isinstance(level, int | float):
            raise PlanError(f"{where}.metricThreshold: a metric needs a numeric metricThreshold")
    name = "checks"
    analysis = Analysis(
        name,
        alarm=alarm,
        metric=metric,
        threshold=None if metric is None else float(spec["metricThreshold"]),
        interval_s=interval,
        count=len(check_weights),
        failure_limit=threshold - 1,
    )
    offset = interval  # the first check runs one interval after the first advance
    checks = tuple(Check(offset + k * interval, w, name) for k, w in enumerate(check_weights))
    # promotion comes one interval after the last check's weight was set
    timeline = WeightTimeline(shifts, max(shifts[-1].at, len(check_weights) * interval))
    return Plan(FLAGGER, timeline, checks, {name: analysis}, threshold, interval)


@dataclass(frozen=True)
class Outcome:
    """What a plan does when some checks fail: ``aborted_at`` (None: promoted) and the
    weights it actually held (a Flagger failure holds the weight; an abort sets 0)."""

    aborted_at: float | None
    shifts: tuple[Shift, ...]
    failed: int


def run_plan(plan: Plan, fails: Callable[[Check], bool]) -> Outcome:
    """Replay the plan with ``fails(check)`` deciding each measurement.

    Argo: an analysis aborts the rollout (weight 0) at the measurement where its
    failures exceed its failureLimit. Flagger: a failed check holds the weight (the
    schedule slips one interval); the run after the threshold-th failure rolls back."""
    if plan.strategy == ARGO:
        failures: dict[str, int] = {}
        for c in plan.checks:
            if fails(c):
                failures[c.analysis] = failures.get(c.analysis, 0) + 1
                if failures[c.analysis] > plan.analyses[c.analysis].failure_limit:
                    # shifts up to the measurement (a later step's shift at the same
                    # instant waits for this analysis to complete)
                    kept = tuple(
                        s for s in plan.timeline.shifts if s.at <= c.at and s.weight <= c.weight
                    )
                    return Outcome(c.at, (*kept, Shift(c.at, 0.0)), sum(failures.values()))
        return Outcome(None, plan.timeline.shifts, sum(failures.values()))
    assert plan.interval_s is not None and plan.threshold is not None
    interval, threshold = plan.interval_s, plan.threshold
    # the weight after each passing check: the next advance, then the promotion (100 %)
    after = [c.weight for c in plan.checks[1:]] + [float(MAX_WEIGHT)]
    shifts = [s for s in plan.timeline.shifts if s.at == 0.0 and s.weight < MAX_WEIGHT]
    held = shifts[0].weight if shifts else 0.0
    passed = failed = 0
    t = interval
    while passed < len(plan.checks):
        if fails(Check(t, held, "checks")):
            failed += 1
            if failed >= threshold:
                return Outcome(t + interval, (*shifts, Shift(t + interval, 0.0)), failed)
        else:
            if after[passed] != held:
                held = after[passed]
                shifts.append(Shift(t, held))
            passed += 1
        t += interval
    return Outcome(None, tuple(shifts), failed)
