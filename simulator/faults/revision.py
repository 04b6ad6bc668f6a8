"""Bad versions: a task definition revision that answers errors, is slow, costs more CPU,
leaks memory or fails to start.

A ``RevisionFault`` is facts about one revision; ``RevisionFaults`` keeps which revision
has which fault, which targets run which revision and since when, and turns that into
what each traffic fidelity applies per target:

- error probability: the target answers 5xx (HTTPCode_Target_5XX_Count of its target
  group) instead of a success;
- latency multiplier: the target's response time is multiplied (a slow dependency: the
  request waits outside the task's CPU, so capacity is unchanged);
- CPU cost factor: a performance regression; each request costs that many times the
  CPU, so the task's capacity (requests/s) divides by it. A CPU cost changes nothing
  without requests, so it holds from the revision's first task (``onset`` does not
  delay it);
- memory leak: MiB/h added to the task's memory from the onset (or its start, if later),
  into the OOM model (``faults/oom.py``);
- start failure: tasks of the revision fail to start (ECS's start-failure path).

The onset is a time (simulated seconds) or the revision's first request: the first
instant a target running the revision is routable in a target group that has a share of
its listener's traffic. The arithmetic is pure: time-weighted shares of faulty targets
over intervals, so the flow fidelity's tick averages and the request fidelity's
per-request draws agree in expectation.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from simulator.core.errors import EcsimError

FIRST_REQUEST: Literal["first_request"] = "first_request"
FIELDS = (
    "error_probability",
    "latency_multiplier",
    "cpu_cost_factor",
    "memory_leak_mib_per_hour",
    "start_failure_probability",
)


class FaultError(EcsimError, ValueError):
    """A revision fault field out of its range (the message names the field)."""


def _finite(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise FaultError(f"{name}: expected a finite number, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class RevisionFault:
    """What is wrong with one revision; the defaults are a healthy revision.

    ``onset``: seconds of simulated time from which the error, latency and leak apply,
    or ``"first_request"`` (resolved when the revision first takes traffic)."""

    error_probability: float = 0.0
    latency_multiplier: float = 1.0
    cpu_cost_factor: float = 1.0
    memory_leak_mib_per_hour: float = 0.0
    start_failure_probability: float = 0.0
    onset: float | Literal["first_request"] = 0.0

    def __post_init__(self) -> None:
        p = _finite("error_probability", self.error_probability)
        if not 0.0 <= p <= 1.0:
            raise FaultError(f"error_probability: expected a probability 0-1, got {p!r}")
        s = _finite("start_failure_probability", self.start_failure_probability)
        if not 0.0 <= s <= 1.0:
            raise FaultError(f"start_failure_probability: expected a probability 0-1, got {s!r}")
        for name in ("latency_multiplier", "cpu_cost_factor"):
            if _finite(name, getattr(self, name)) <= 0:
                raise FaultError(f"{name}: expected a number > 0, got {getattr(self, name)!r}")
        if _finite("memory_leak_mib_per_hour", self.memory_leak_mib_per_hour) < 0:
            raise FaultError(
                f"memory_leak_mib_per_hour: expected a number >= 0, "
                f"got {self.memory_leak_mib_per_hour!r}"
            )
        if self.onset != FIRST_REQUEST and _finite("onset", self.onset) < 0:
            raise FaultError(f"onset: expected seconds >= 0 or 'first_request', got {self.onset!r}")

    @classmethod
    def from_fields(cls, fields: Mapping[str, Any]) -> RevisionFault:
        """From keyword fields (boto3 world, scenario); an unknown one is refused."""
        unknown = sorted(set(fields) - {*FIELDS, "onset"})
        if unknown:
            raise FaultError(
                f"unknown fault field(s) {unknown}; expected some of {[*FIELDS, 'onset']}"
            )
        return cls(**dict(fields))

    @property
    def serves_badly(self) -> bool:
        """Whether requests answered by the revision differ (errors or latency)."""
        return self.error_probability > 0 or self.latency_multiplier != 1.0


@dataclass
class _Interval:
    """A target of a column running ``revision`` and routable from ``start`` to ``end``."""

    column: str
    target: str
    revision: str | None
    start: float
    end: float = math.inf


Resolver = Callable[[str, str], "str | None"]
"""(column, target id) -> the task definition ARN the target runs (None: not a task)."""


@dataclass
class RevisionFaults:
    """Faults by task definition ARN and the routable targets' revisions over time."""

    clock: Callable[[], float]
    resolve: Resolver = field(default=lambda _column, _target: None)
    faults: dict[str, RevisionFault] = field(default_factory=dict)
    onsets: dict[str, float] = field(default_factory=dict)
    """Resolved onset per revision (a time; first_request once it happened)."""
    _open: dict[tuple[str, str], _Interval] = field(default_factory=dict)
    _closed: list[_Interval] = field(default_factory=list)
    _shares: dict[str, float] = field(default_factory=dict)

    # ------------------------------------------------------------- facts
    def inject(self, task_definition_arn: str, fault: RevisionFault, *, now: float = 0.0) -> None:
        """Give the revision ``fault``; a numeric onset counts from ``now``."""
        self.faults[task_definition_arn] = fault
        self.onsets.pop(task_definition_arn, None)
        if fault.onset != FIRST_REQUEST:
            self.onsets[task_definition_arn] = now + float(fault.onset)
        else:
            self._resolve_first_request(now)

    def fault_of(self, task_definition_arn: str | None) -> RevisionFault | None:
        return None if task_definition_arn is None else self.faults.get(task_definition_arn)

    def capacity_factor(self, task_definition_arn: str | None) -> float:
        """What a target's requests/s is multiplied by (1 / cpu_cost_factor)."""
        fault = self.fault_of(task_definition_arn)
        return 1.0 if fault is None else 1.0 / fault.cpu_cost_factor

    def onset_of(self, task_definition_arn: str | None) -> float:
        """When the revision's errors, latency and leak start (inf: not yet, or never)."""
        if task_definition_arn is None or task_definition_arn not in self.faults:
            return math.inf
        return self.onsets.get(task_definition_arn, math.inf)

    def leak(self, task_definition_arn: str | None, started: float, now: float) -> float:
        """MiB a task of the revision started at ``started`` has leaked by ``now``."""
        fault = self.fault_of(task_definition_arn)
        if fault is None or fault.memory_leak_mib_per_hour <= 0:
            return 0.0
        since = max(started, self.onset_of(task_definition_arn))
        return fault.memory_leak_mib_per_hour * max(0.0, now - since) / 3600.0

    def leak_rate(self, task_definition_arn: str | None, now: float) -> float:
        """MiB/s the revision leaks at ``now`` (0 before its onset)."""
        fault = self.fault_of(task_definition_arn)
        if fault is None or now < self.onset_of(task_definition_arn):
            return 0.0
        return fault.memory_leak_mib_per_hour / 3600.0

    # ------------------------------------------------------------- routing
    def task_running(self, column: str, target: str) -> str | None:
        """The target takes new requests of ``column`` from now; returns the revision it
        runs (resolved once per target, so callers need not resolve it again)."""
        key = (column, target)
        if key in self._open:
            return self.resolve(column, target)
        now = self.clock()
        iv = _Interval(column, target, self.resolve(column, target), now)
        self._open[key] = iv
        if self._awaiting_first_request():
            self._resolve_first_request(now, [iv])
        return iv.revision

    def task_stopping(self, column: str, target: str) -> None:
        iv = self._open.pop((column, target), None)
        if iv is not None:
            iv.end = self.clock()
            self._closed.append(iv)

    def set_share(self, column: str, share: float) -> None:
        self._shares[column] = share
        if share > 0 and self._awaiting_first_request():
            opened = [iv for iv in self._open.values() if iv.column == column]
            self._resolve_first_request(self.clock(), opened)

    def _awaiting_first_request(self) -> bool:
        """Whether some faulty revision still waits for its first request (the common
        case, no fault at all, costs nothing per target change)."""
        return bool(self.faults) and any(rev not in self.onsets for rev in self.faults)

    def _resolve_first_request(
        self, now: float, intervals: Iterable[_Interval] | None = None
    ) -> None:
        """A first_request onset starts when a routable target of its revision has a
        positive share; only ``intervals`` (default: every open one) can have changed."""
        for iv in self._open.values() if intervals is None else intervals:
            rev = iv.revision
            if rev is None or rev in self.onsets or rev not in self.faults:
                continue
            if self._shares.get(iv.column, 1.0) > 0:
                self.onsets[rev] = now

    def first_request(self, task_definition_arn: str | None, at: float) -> None:
        """The revision answered its first request at ``at`` (a caller that sees
        requests, such as the boto3 world's publisher): a first_request onset starts."""
        if task_definition_arn in self.faults and task_definition_arn not in self.onsets:
            self.onsets[task_definition_arn] = at

    @property
    def active(self) -> bool:
        """Whether any fault changes what a target answers (else nothing to apply)."""
        return any(f.serves_badly for f in self.faults.values())

    def _intervals(self, column: str) -> list[_Interval]:
        return [iv for iv in (*self._closed, *self._open.values()) if iv.column == column]

    def forget_before(self, t: float) -> None:
        """Drop intervals that ended before ``t`` (already applied to flushed ticks)."""
        self._closed = [iv for iv in self._closed if iv.end >= t]

    # ------------------------------------------------------------- flow fidelity
    def tick_factors(
        self, column: str, starts: np.ndarray, ends: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per tick [start, end): (share of the column's answers that are fault 5xx,
        mean latency multiplier), each target weighted by the time it was routable (the
        flow model splits a group's requests evenly over its routable targets)."""
        starts = np.asarray(starts, dtype=float)
        ends = np.asarray(ends, dtype=float)
        target_s = np.zeros(starts.shape)
        error_s = np.zeros(starts.shape)
        slow_s = np.zeros(starts.shape)
        for iv in self._intervals(column):
            whole = _overlap(starts, ends, iv.start, iv.end)
            target_s += whole
            fault = self.fault_of(iv.revision)
            if fault is None:
                slow_s += whole
                continue
            bad = _overlap(starts, ends, max(iv.start, self.onset_of(iv.revision)), iv.end)
            error_s += fault.error_probability * bad
            slow_s += whole + (fault.latency_multiplier - 1.0) * bad
        with np.errstate(divide="ignore", invalid="ignore"):
            error = np.where(target_s > 0, error_s / target_s, 0.0)
            slow = np.where(target_s > 0, slow_s / target_s, 1.0)
        return error, slow

    def apply_flow(
        self, columns: list[str], starts: np.ndarray, lengths: np.ndarray, out: dict
    ) -> None:
        """Turn the fault share of each tick's successes into target 5xx and stretch its
        response times (``out``: the fidelity's metric -> (ticks, columns) arrays)."""
        if not len(starts):
            return
        ends = np.asarray(starts, dtype=float) + np.asarray(lengths, dtype=float).reshape(-1)
        if self.active:
            for j, column in enumerate(columns):
                error, slow = self.tick_factors(column, starts, ends)
                apply_factors(out, j, error, slow)
        self.forget_before(float(ends[-1]))

    # ------------------------------------------------------------- request fidelity
    def request_faults(
        self,
        column: str,
        targets: list[str | None],
        arrival: np.ndarray,
        rng: np.random.Generator,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per request (its target id, None for none; its arrival time): (answered 5xx
        by the fault, latency multiplier). One uniform draw per request a faulty
        revision answered, in arrival order, from the caller's named stream."""
        n = len(targets)
        bad = np.zeros(n, dtype=bool)
        slow = np.ones(n)
        if not self.active or n == 0:
            return bad, slow
        revisions: dict[str, str | None] = {}
        for iv in self._intervals(column):
            revisions.setdefault(iv.target, iv.revision)
        p = np.zeros(n)
        for i, target in enumerate(targets):
            if target is None:
                continue
            rev = revisions.get(target)
            fault = self.fault_of(rev)
            if fault is None or arrival[i] < self.onset_of(rev):
                continue
            p[i] = fault.error_probability
            slow[i] = fault.latency_multiplier
        drawn = np.flatnonzero(p > 0)
        if drawn.size:
            bad[drawn] = rng.random(drawn.size) < p[drawn]
        return bad, slow


def _overlap(starts: np.ndarray, ends: np.ndarray, a: float, b: float) -> np.ndarray:
    """Seconds of each [start, end) inside [a, b)."""
    return np.clip(np.minimum(ends, b) - np.maximum(starts, a), 0.0, None)


LATENCY = (
    "TargetResponseTime.mean",
    "TargetResponseTime.p50",
    "TargetResponseTime.p90",
    "TargetResponseTime.p99",
)


def apply_factors(out: dict, j: int, error: np.ndarray, slow: np.ndarray) -> None:
    """Column ``j``: a share ``error`` of the successes becomes target 5xx; response
    times and the requests in flight (Little's law) scale by ``slow``."""
    ok = out["HTTPCode_Target_2XX_Count"][:, j]
    failed = ok * error
    out["HTTPCode_Target_2XX_Count"][:, j] = ok - failed
    out["HTTPCode_Target_5XX_Count"][:, j] = out["HTTPCode_Target_5XX_Count"][:, j] + failed
    for name in LATENCY:
        if name in out:
            out[name][:, j] = out[name][:, j] * slow
    if "InFlightPerTask" in out:
        out["InFlightPerTask"][:, j] = out["InFlightPerTask"][:, j] * slow
