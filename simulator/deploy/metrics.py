"""What one deployment cost and risked, from its record and the traffic it served.

The reference's section 5 (docs/deploy.md "Deployment metrics"): exposed requests,
bad responses, detectability per phase, time to detect / contain / complete the
rollback, duration by phase, peak tasks, extra task-seconds and extra cost. Inputs are a
``DeploymentRecord`` (what the driver did) and per-target-group series of requests and
bad responses per tick (what the traffic model measured), so every strategy is measured
one way. Pure: numpy only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from simulator.deploy.record import DeploymentRecord


@dataclass(frozen=True)
class GroupSeries:
    """One target group's traffic per tick: tick starts and lengths (seconds), requests
    it received and the bad responses among them (target 5xx plus the load balancer's
    5xx for it)."""

    starts: np.ndarray
    lengths: np.ndarray
    requests: np.ndarray
    bad: np.ndarray

    @classmethod
    def of(
        cls,
        starts: Sequence[float],
        requests: Sequence[float],
        bad: Sequence[float],
        length: float | Sequence[float],
    ) -> GroupSeries:
        s = np.asarray(starts, dtype=float)
        lengths = np.broadcast_to(np.asarray(length, dtype=float), s.shape).copy()
        r, b = np.asarray(requests, dtype=float), np.asarray(bad, dtype=float)
        if not (s.shape == r.shape == b.shape):
            raise ValueError("starts, requests and bad must have the same length")
        return cls(s, lengths, r, b)

    def total(self, values: np.ndarray, a: float, b: float) -> float:
        """Sum of ``values`` over [a, b), a tick cut by the window counted pro rata."""
        if b <= a:
            return 0.0
        ends = self.starts + self.lengths
        inside = np.clip(np.minimum(ends, b) - np.maximum(self.starts, a), 0.0, None)
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = np.where(self.lengths > 0, inside / self.lengths, 0.0)
        return float(np.sum(values * frac))

    @property
    def end(self) -> float:
        return float((self.starts + self.lengths).max()) if self.starts.size else 0.0


@dataclass(frozen=True)
class AlarmRule:
    """How an alarm sees a fault (for detectability per phase): ``load_balancer`` is a
    bad-response rate over both groups (threshold a fraction); ``target_group`` a Sum of
    the green group's bad responses per ``period_s`` (threshold a count)."""

    name: str
    scope: Literal["load_balancer", "target_group"]
    threshold: float
    period_s: float = 60.0


@dataclass(frozen=True)
class Prices:
    """Fargate: one task's price per hour (vCPU·$/vCPU-h + GB·$/GB-h). EC2: one
    instance's price per hour, billed per second with a 60 s minimum per instance."""

    task_per_hour: float = 0.0
    instance_per_hour: float = 0.0
    instance_minimum_s: float = 60.0


@dataclass(frozen=True)
class PhaseDetectability:
    """One traffic step: from ``start`` to ``end`` green had ``weight`` (0-1 share);
    what each alarm's metric read; whether it breaches its threshold."""

    start: float
    end: float
    weight: float
    observed: Mapping[str, float]
    detectable: Mapping[str, bool]


@dataclass
class DeploymentMetrics:
    """Section 5's metrics for one deployment (seconds, requests, USD)."""

    deployment_id: str
    strategy: str
    status: str
    rolled_back: bool
    exposed_requests: float
    bad_responses: float
    bad_responses_total: float
    time_to_detect: float | None
    time_to_contain: float | None
    time_to_rollback_complete: float | None
    escaped_to_100pct: bool | None
    duration: float
    phases: dict[str, float]
    peak_tasks: int
    extra_task_seconds: float
    extra_instance_seconds: float
    extra_cost: float
    detectability: list[PhaseDetectability] = field(default_factory=list)

    def as_dict(self) -> dict:
        """JSON-ready (summary.json)."""
        out = {k: v for k, v in self.__dict__.items() if k != "detectability"}
        out["detectable_by_phase"] = [
            {
                "start": p.start,
                "end": p.end,
                "weight": p.weight,
                "observed": dict(p.observed),
                "detectable": dict(p.detectable),
            }
            for p in self.detectability
        ]
        return out


def _green_steps(record: DeploymentRecord, end: float) -> list[tuple[float, float, float]]:
    """(start, end, green share) pieces of the record's weight changes up to ``end``."""
    out = []
    for i, change in enumerate(record.weights):
        a = change.at
        b = record.weights[i + 1].at if i + 1 < len(record.weights) else end
        b = min(b, end)
        if b > a:
            out.append((a, b, record.green_share_at(a)))
    return out


def first_shift(record: DeploymentRecord) -> float | None:
    """When green first took production traffic."""
    return next((w.at for w in record.weights if record.green_share_at(w.at) > 0), None)


def full_at(record: DeploymentRecord) -> float | None:
    """When green first held all production traffic."""
    return next((w.at for w in record.weights if record.green_share_at(w.at) >= 1.0), None)


def detectability(
    record: DeploymentRecord,
    blue: GroupSeries,
    green: GroupSeries,
    alarms: Sequence[AlarmRule],
    *,
    fault_onset: float = -math.inf,
    end: float | None = None,
) -> list[PhaseDetectability]:
    """Per traffic step with green traffic: what each alarm's metric reads once the fault
    is on (LB-wide bad rate, or the green group's bad responses per period) and whether
    it breaches. False before 100 % is an escape to the next step."""
    stop = end if end is not None else (record.ended if record.ended is not None else green.end)
    out = []
    for a, b, w in _green_steps(record, stop):
        lo = max(a, fault_onset)
        if w <= 0 or b <= lo:
            continue
        req = blue.total(blue.requests, lo, b) + green.total(green.requests, lo, b)
        bad = blue.total(blue.bad, lo, b) + green.total(green.bad, lo, b)
        observed: dict[str, float] = {}
        verdict: dict[str, bool] = {}
        for rule in alarms:
            if rule.scope == "load_balancer":
                value = bad / req if req > 0 else 0.0
            else:
                value = green.total(green.bad, lo, b) / (b - lo) * rule.period_s
            observed[rule.name] = value
            verdict[rule.name] = value > rule.threshold
        out.append(PhaseDetectability(a, b, w, observed, verdict))
    return out


def _task_series(record: DeploymentRecord) -> tuple[np.ndarray, np.ndarray]:
    """(instants, total running tasks from each instant on) over both sides."""
    times = sorted({t.at for t in record.tasks})
    running: dict[str, int] = {}
    totals = []
    by_time: dict[float, list] = {}
    for t in record.tasks:
        by_time.setdefault(t.at, []).append(t)
    for at in times:
        for t in by_time[at]:
            running[t.side] = t.running
        totals.append(sum(running.values()))
    return np.array(times, dtype=float), np.array(totals, dtype=float)


def extra_task_seconds(record: DeploymentRecord, desired: int, end: float) -> float:
    """∫ max(0, tasks − N) dt from the record's creation to ``end`` (a shortfall while
    tasks are replaced is not counted as a saving)."""
    times, totals = _task_series(record)
    if not times.size:
        return 0.0
    edges = np.append(times, max(end, times[-1]))
    widths = np.clip(np.minimum(edges[1:], end) - np.maximum(edges[:-1], record.created), 0, None)
    return float(np.sum(np.clip(totals - desired, 0.0, None) * widths))


def extra_instance_seconds(
    instances: Sequence[tuple[float, int]], baseline: int, end: float, minimum_s: float = 60.0
) -> float:
    """Instance-seconds over ``baseline`` from (instant, count) changes to ``end``, each
    added instance billed at least ``minimum_s`` (EC2's per-second billing minimum)."""
    total = 0.0
    launched = 0
    for i, (at, count) in enumerate(instances):
        nxt = instances[i + 1][0] if i + 1 < len(instances) else end
        extra = max(0, count - baseline)
        prev = max(0, instances[i - 1][1] - baseline) if i else 0
        launched += max(0, extra - prev)
        total += extra * max(0.0, min(nxt, end) - at)
    return max(total, launched * minimum_s)


def measure(
    record: DeploymentRecord,
    blue: GroupSeries,
    green: GroupSeries,
    *,
    desired: int,
    fault_onset: float | None = None,
    alarms: Sequence[AlarmRule] = (),
    prices: Prices = Prices(),
    instances: Sequence[tuple[float, int]] = (),
    baseline_instances: int = 0,
) -> DeploymentMetrics:
    """Section 5's metrics. The exposure window runs from green's first production
    traffic to containment (green's weight back to 0), or to the deployment's end when
    nothing contained it; ``fault_onset`` (None: a good version) times detection."""
    end = record.ended if record.ended is not None else max(blue.end, green.end)
    start = first_shift(record)
    stop = record.contained if record.contained is not None else end
    exposed = bad = 0.0
    if start is not None:
        exposed = green.total(green.requests, start, stop)
        bad = green.total(green.bad, start, stop)
    bad_total = blue.total(blue.bad, record.created, end) + green.total(
        green.bad, record.created, end
    )

    def since_fault(t: float | None) -> float | None:
        return None if t is None or fault_onset is None else t - fault_onset

    full = full_at(record)
    escaped = None
    if fault_onset is not None:
        escaped = full is not None and (record.detected is None or record.detected >= full)
    phases: dict[str, float] = {}
    for p in record.phases:
        span = (p.end if p.end is not None else end) - p.start
        phases[p.name] = phases.get(p.name, 0.0) + span
    _, totals = _task_series(record)
    task_s = extra_task_seconds(record, desired, end)
    inst_s = (
        extra_instance_seconds(instances, baseline_instances, end, prices.instance_minimum_s)
        if instances
        else 0.0
    )
    cost = task_s / 3600.0 * prices.task_per_hour + inst_s / 3600.0 * prices.instance_per_hour
    return DeploymentMetrics(
        deployment_id=record.deployment_id,
        strategy=record.strategy,
        status=record.status,
        rolled_back=record.rolled_back,
        exposed_requests=exposed,
        bad_responses=bad,
        bad_responses_total=bad_total,
        time_to_detect=since_fault(record.detected),
        time_to_contain=since_fault(record.contained),
        time_to_rollback_complete=since_fault(record.rollback_completed),
        escaped_to_100pct=escaped,
        duration=end - record.created,
        phases=phases,
        peak_tasks=int(totals.max()) if totals.size else 0,
        extra_task_seconds=task_s,
        extra_instance_seconds=inst_s,
        extra_cost=cost,
        detectability=detectability(
            record,
            blue,
            green,
            alarms,
            fault_onset=-math.inf if fault_onset is None else fault_onset,
            end=stop,
        ),
    )
