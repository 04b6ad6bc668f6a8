"""Batch planning for a test suite (pure: no simpy, no clock).

A suite is a list of test durations (seconds). It is split into ``K`` batches that run in
parallel, each batch's tests in sequence. ``round_robin`` deals tests out in suite order;
``by_duration`` is longest-processing-time first (LPT): each test, longest first, onto the
batch with the least work so far, whose makespan is within 4/3 of the optimum (Graham, 1969).
Fast-fail: at the first failing test, every batch stops; the work not yet done is "saved".
"""

from __future__ import annotations

import csv
import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simulator.core.distributions import Distribution
from simulator.core.errors import EcsimError

STRATEGIES = ("round_robin", "by_duration", "given")


@dataclass(frozen=True)
class Plan:
    """Which tests (indices into ``durations``) each batch runs, in order."""

    durations: tuple[float, ...]
    batches: tuple[tuple[int, ...], ...]

    def work(self, batch: int) -> float:
        return float(sum(self.durations[i] for i in self.batches[batch]))

    @property
    def loads(self) -> list[float]:
        return [self.work(b) for b in range(len(self.batches))]

    @property
    def makespan(self) -> float:
        """Wall time of the suite with every batch started at once and no failure."""
        return max(self.loads, default=0.0)

    @property
    def total(self) -> float:
        return float(sum(self.durations))


def draw_durations(dist: Distribution, n: int, rng: np.random.Generator) -> list[float]:
    """``n`` test durations drawn from ``dist``."""
    return [dist.draw(rng) for _ in range(n)]


def read_durations(path: str | Path, column: str = "duration_s") -> list[float]:
    """Measured test durations from a CSV file with a ``column`` of seconds."""
    p = Path(path)
    try:
        with p.open(newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        raise EcsimError(f"{p}: cannot read ({e.strerror})") from None
    if not rows or column not in rows[0]:
        raise EcsimError(f"{p}: expected a CSV with a header column {column!r}")
    out = []
    for line, row in enumerate(rows, start=2):
        try:
            value = float(row[column])
        except (TypeError, ValueError):
            value = -1.0
        if not value >= 0 or value == float("inf"):
            raise EcsimError(f"{p}:{line}: {column}: expected seconds >= 0, got {row[column]!r}")
        out.append(value)
    return out


def plan(
    durations: Sequence[float],
    k: int,
    strategy: str = "by_duration",
    given: Sequence[Sequence[int]] | None = None,
) -> Plan:
    """Split the suite into ``k`` batches by ``strategy`` (see STRATEGIES)."""
    d = tuple(float(x) for x in durations)
    if k < 1:
        raise EcsimError(f"expected batches >= 1, got {k}")
    if strategy == "round_robin":
        batches = [tuple(range(b, len(d), k)) for b in range(k)]
    elif strategy == "by_duration":
        batches = _lpt(d, k)
    elif strategy == "given":
        batches = _given(d, k, given)
    else:
        raise EcsimError(f"expected strategy one of {', '.join(STRATEGIES)}, got {strategy!r}")
    return Plan(d, tuple(batches))


def _lpt(d: tuple[float, ...], k: int) -> list[tuple[int, ...]]:
    # longest first, ties by index; the least-loaded batch, ties by batch number
    order = sorted(range(len(d)), key=lambda i: (-d[i], i))
    heap = [(0.0, b) for b in range(k)]
    out: list[list[int]] = [[] for _ in range(k)]
    for i in order:
        load, b = heapq.heappop(heap)
        out[b].append(i)
        heapq.heappush(heap, (load + d[i], b))
    return [tuple(x) for x in out]


def _given(d: tuple[float, ...], k: int, given: Sequence[Sequence[int]] | None) -> list:
    if given is None or len(given) != k:
        n = 0 if given is None else len(given)
        raise EcsimError(f"strategy given: expected {k} batch lists, got {n}")
    seen: dict[int, int] = {}
    for b, tests in enumerate(given):
        for i in tests:
            if not 0 <= i < len(d):
                raise EcsimError(f"batches[{b}]: test {i} is not in the suite (0..{len(d) - 1})")
            if i in seen:
                raise EcsimError(f"batches[{b}]: test {i} is already in batches[{seen[i]}]")
            seen[i] = b
    missing = [i for i in range(len(d)) if i not in seen]
    if missing:
        raise EcsimError(f"strategy given: tests {missing[:5]} are in no batch")
    return [tuple(int(i) for i in tests) for tests in given]


@dataclass(frozen=True)
class Outcome:
    """A suite's run with all batches started at ``starts`` (default 0) and fast-fail."""

    first_failure_s: float | None
    """When the first failing test finished (None: every test passed)."""
    ends: tuple[float, ...]
    """When each batch stopped: its last test, or the first failure (fast-fail)."""
    done_s: float
    """Test-seconds run (the failing test counted, tests cut short in part)."""
    saved_s: float
    """Test-seconds not run because of fast-fail."""
    failed_test: int | None


def draw_failures(n: int, probability: float, rng: np.random.Generator) -> list[bool]:
    """Whether each of ``n`` tests fails, independently with ``probability``."""
    return [bool(x) for x in rng.random(n) < probability]


def outcome(
    p: Plan,
    failures: Sequence[bool],
    starts: Sequence[float] | None = None,
    fast_fail: bool = True,
) -> Outcome:
    """Run the plan on paper: batch ``b`` starts at ``starts[b]`` and runs its tests in
    order; with ``fast_fail`` every batch stops when the first failing test ends."""
    s = list(starts) if starts is not None else [0.0] * len(p.batches)
    first: float | None = None
    failed: int | None = None
    for b, tests in enumerate(p.batches):
        t = s[b]
        for i in tests:
            t += p.durations[i]
            if failures[i] and (first is None or t < first):
                first, failed = t, i
                break
    stop = first if fast_fail and first is not None else None
    ends, done = [], 0.0
    for b, tests in enumerate(p.batches):
        t = s[b]
        for i in tests:
            if stop is not None and t >= stop:
                break
            end = t + p.durations[i]
            if stop is not None and end > stop:
                done += stop - t
                t = stop
                break
            done += p.durations[i]
            t = end
        ends.append(t if stop is None else min(max(t, s[b]), max(stop, s[b])))
    return Outcome(first, tuple(ends), done, p.total - done, failed)
