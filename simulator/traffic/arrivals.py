"""Arrival rate models: requests per second as a function of simulated time.

Every model is vectorised: ``rate(times)`` takes an array of seconds (t = 0 is a
Monday, 00:00). Every model here also has ``max_rate(start, end)``, an upper bound of
its rate over an interval, which the `request` fidelity thins against; a model of
your own without it gets a sampled bound (``rate_bound``).

Models compose: ``Scaled(Diurnal(...), 1.2)``, ``Spike(base, at, duration, 3.0)``,
``Sum([a, b])``, ``Noisy(base, world.rng("traffic.web.noise"))``.
"""

from __future__ import annotations

import csv
import math
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import numpy as np

from simulator.core.durations import Duration, parse_duration
from simulator.core.errors import EcsimError

DAY = 86400.0


class ArrivalRate(Protocol):
    def rate(self, times: np.ndarray) -> np.ndarray: ...


def rate_bound(model: ArrivalRate, start: float, end: float) -> float:
    """An upper bound of ``model.rate`` over [start, end].

    Uses the model's ``max_rate`` when it has one; otherwise 1.5 times the largest of
    257 samples (the `request` fidelity refuses a window whose rate then exceeds it).
    """
    bounded = getattr(model, "max_rate", None)
    if bounded is not None:
        return float(bounded(start, end))
    grid = np.linspace(start, end, 257)
    return 1.5 * float(np.max(model.rate(grid)))


def _times(times: np.ndarray) -> np.ndarray:
    return np.asarray(times, dtype=float)


@dataclass(frozen=True)
class Constant:
    rps: float

    def rate(self, times: np.ndarray) -> np.ndarray:
        return np.full(np.shape(times), float(self.rps))

    def max_rate(self, start: float, end: float) -> float:
        return float(self.rps)


@dataclass(frozen=True)
class Diurnal:
    """A daily cosine between ``min_rps`` (12 h after the peak) and ``peak_rps``.

    ``weekly``: optional 7 multipliers, Monday first, applied to whole days (t = 0 is
    Monday 00:00), e.g. ``(1, 1, 1, 1, 1, 0.6, 0.5)`` for quiet weekends.
    """

    min_rps: float
    peak_rps: float
    peak_at: float = 14 * 3600.0  # seconds after midnight
    weekly: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        if self.weekly is not None:
            weekly = tuple(float(w) for w in self.weekly)
            if len(weekly) != 7 or not all(w >= 0 and math.isfinite(w) for w in weekly):
                raise ValueError(
                    f"weekly: expected 7 multipliers >= 0 (Monday first), got {self.weekly!r}"
                )
            object.__setattr__(self, "weekly", weekly)

    def _daily(self, t: np.ndarray) -> np.ndarray:
        phase = 2.0 * np.pi * (t - self.peak_at) / DAY
        return self.min_rps + (self.peak_rps - self.min_rps) * 0.5 * (1.0 + np.cos(phase))

    def _week(self, t: np.ndarray) -> np.ndarray:
        if self.weekly is None:
            return np.ones(np.shape(t))
        day = np.floor(t / DAY).astype(np.int64) % 7
        return np.asarray(self.weekly)[day]

    def rate(self, times: np.ndarray) -> np.ndarray:
        t = _times(times)
        return self._daily(t) * self._week(t)

    def max_rate(self, start: float, end: float) -> float:
        week = 1.0
        if self.weekly is not None:
            days = np.arange(math.floor(start / DAY), math.floor(end / DAY) + 1)[:7] % 7
            week = float(np.max(np.asarray(self.weekly)[days]))
        if end - start >= DAY:
            return max(self.peak_rps, self.min_rps) * week
        # the cosine is monotone between its extremes (every 12 h from peak_at), so its
        # largest value is at an endpoint or at an extreme inside the interval
        half = DAY / 2
        first = math.ceil((start - self.peak_at) / half)
        last = math.floor((end - self.peak_at) / half)
        inside = self.peak_at + half * np.arange(first, last + 1)
        top = float(self._daily(np.concatenate([[start, end], inside])).max())
        return top * week


@dataclass(frozen=True)
class Steps:
    """A step function: from each ``at`` (seconds or a duration) the given rps.

    Before the first step the rate is ``before``.
    """

    steps: tuple[tuple[float, float], ...]
    before: float = 0.0
    _at: np.ndarray = field(init=False, repr=False, compare=False)
    _rps: np.ndarray = field(init=False, repr=False, compare=False)

    def __init__(self, steps: Sequence[tuple[Duration, float]], before: float = 0.0):
        parsed = tuple((parse_duration(at), float(rps)) for at, rps in steps)
        if not parsed:
            raise ValueError("steps: expected at least one (at, rps) pair")
        ats = [at for at, _ in parsed]
        if any(b <= a for a, b in zip(ats, ats[1:], strict=False)):
            raise ValueError(f"steps: expected strictly increasing times, got {ats}")
        if any(not (r >= 0 and math.isfinite(r)) for _, r in parsed) or not before >= 0:
            raise ValueError("steps: expected rates >= 0")
        object.__setattr__(self, "steps", parsed)
        object.__setattr__(self, "before", float(before))
        object.__setattr__(self, "_at", np.array(ats))
        object.__setattr__(self, "_rps", np.array([self.before, *(r for _, r in parsed)]))

    def rate(self, times: np.ndarray) -> np.ndarray:
        return self._rps[np.searchsorted(self._at, _times(times), side="right")]

    def max_rate(self, start: float, end: float) -> float:
        lo, hi = np.searchsorted(self._at, [start, end], side="right")
        return float(self._rps[lo : hi + 1].max())


@dataclass(frozen=True)
class Spike:
    """``base`` times ``multiplier`` during [at, at + duration)."""

    base: ArrivalRate
    at: float
    duration: float
    multiplier: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", parse_duration(self.at))
        object.__setattr__(self, "duration", parse_duration(self.duration))
        if not self.multiplier >= 0:
            raise ValueError(f"multiplier: expected a number >= 0, got {self.multiplier!r}")

    def rate(self, times: np.ndarray) -> np.ndarray:
        t = _times(times)
        inside = (t >= self.at) & (t < self.at + self.duration)
        return self.base.rate(t) * np.where(inside, self.multiplier, 1.0)

    def max_rate(self, start: float, end: float) -> float:
        base = rate_bound(self.base, start, end)
        overlaps = start < self.at + self.duration and end >= self.at
        return base * max(1.0, self.multiplier) if overlaps else base


@dataclass(frozen=True)
class Scaled:
    model: ArrivalRate
    factor: float

    def __post_init__(self) -> None:
        if not self.factor >= 0:
            raise ValueError(f"factor: expected a number >= 0, got {self.factor!r}")

    def rate(self, times: np.ndarray) -> np.ndarray:
        return self.model.rate(_times(times)) * self.factor

    def max_rate(self, start: float, end: float) -> float:
        return rate_bound(self.model, start, end) * self.factor


@dataclass(frozen=True)
class Sum:
    models: tuple[ArrivalRate, ...]

    def __init__(self, models: Sequence[ArrivalRate]):
        object.__setattr__(self, "models", tuple(models))

    def rate(self, times: np.ndarray) -> np.ndarray:
        t = _times(times)
        out = np.zeros(np.shape(t))
        for m in self.models:
            out = out + m.rate(t)
        return out

    def max_rate(self, start: float, end: float) -> float:
        return float(sum(rate_bound(m, start, end) for m in self.models))


class TraceFileError(EcsimError, ValueError):
    """A trace CSV could not be read; names the file, line, column and what was expected."""

    def __init__(self, path: str, line: int, column: int, expected: str, got: object):
        self.path, self.line, self.column, self.expected, self.got = (
            path,
            line,
            column,
            expected,
            got,
        )
        super().__init__(f"{path}:{line}:{column}: expected {expected}, got {got!r}")


TIME_EXPECTED = "a time: seconds, or an ISO 8601 date-time such as 2024-04-01T00:00:00Z"
RPS_EXPECTED = "requests per second: a number >= 0"


class Trace:
    """Replay of measured rates: (time, requests/s) points, linear or step between them.

    Outside the points the first and last rates hold.
    """

    def __init__(
        self,
        times: Sequence[float] | np.ndarray,
        rps: Sequence[float] | np.ndarray,
        interpolation: str = "linear",
        source: str | None = None,
    ):
        if interpolation not in ("linear", "step"):
            raise ValueError(f"interpolation: expected 'linear' or 'step', got {interpolation!r}")
        self.times = np.asarray(times, dtype=float)
        self.rps = np.asarray(rps, dtype=float)
        if self.times.ndim != 1 or self.times.shape != self.rps.shape or self.times.size == 0:
            raise ValueError("expected equal, non-empty 1-D arrays of times and rates")
        if np.any(np.diff(self.times) <= 0):
            raise ValueError("times: expected strictly increasing")
        if np.any(~np.isfinite(self.rps)) or np.any(self.rps < 0):
            raise ValueError("rps: expected finite rates >= 0")
        self.interpolation = interpolation
        self.source = source

    def __repr__(self) -> str:
        where = self.source or f"{self.times.size} points"
        return f"Trace({where!r}, interpolation={self.interpolation!r})"

    def rate(self, times: np.ndarray) -> np.ndarray:
        t = _times(times)
        if self.interpolation == "linear":
            return np.interp(t, self.times, self.rps)
        idx = np.searchsorted(self.times, t, side="right") - 1
        return self.rps[np.clip(idx, 0, self.times.size - 1)]

    def max_rate(self, start: float, end: float) -> float:
        lo, hi = np.searchsorted(self.times, [start, end], side="left")
        inside = self.rps[lo:hi]
        ends = self.rate(np.array([start, end]))
        return float(max(ends.max(), inside.max() if inside.size else 0.0))

    @classmethod
    def from_csv(cls, path: str | Path, interpolation: str = "linear") -> Trace:
        """Read ``time,rps`` rows; an optional header row; ``#`` comments and blank lines.

        Times are seconds of simulated time, or ISO 8601 date-times taken relative to
        the first row (naive ones as UTC). Every row must use the same kind.
        """
        name = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise TraceFileError(name, 0, 0, "a readable CSV file", str(exc)) from None
        times: list[float] = []
        rates: list[float] = []
        kind: str | None = None
        origin: datetime | None = None
        header_allowed = True
        for line_no, row in enumerate(csv.reader(text.splitlines()), start=1):
            if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
                continue
            cells = [c.strip() for c in row]
            if header_allowed and _parse_time(cells[0])[0] is None and not _is_number(cells[-1]):
                header_allowed = False  # a header row such as "timestamp,rps"
                continue
            header_allowed = False
            if len(cells) != 2:
                column = 3 if len(cells) > 2 else len(cells) + 1
                raise TraceFileError(
                    name, line_no, column, "2 columns: time, requests per second", ",".join(row)
                )
            value, row_kind, stamp = _parse_time(cells[0])
            if value is None:
                raise TraceFileError(name, line_no, 1, TIME_EXPECTED, cells[0])
            if kind is None:
                kind = row_kind
                origin = stamp
            elif row_kind != kind:
                raise TraceFileError(
                    name, line_no, 1, f"a time of the same kind as line 1 ({kind})", cells[0]
                )
            if stamp is not None and origin is not None:
                value = (stamp - origin).total_seconds()
            if times and value <= times[-1]:
                raise TraceFileError(
                    name, line_no, 1, f"a time after the previous row's ({times[-1]:g} s)", cells[0]
                )
            if not _is_number(cells[1]) or not float(cells[1]) >= 0:
                raise TraceFileError(name, line_no, 2, RPS_EXPECTED, cells[1])
            times.append(value)
            rates.append(float(cells[1]))
        if not times:
            raise TraceFileError(name, 1, 1, "at least one row of time, requests per second", "")
        return cls(times, rates, interpolation, source=name)


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _parse_time(text: str) -> tuple[float | None, str, datetime | None]:
    if _is_number(text):
        return float(text), "seconds", None
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        return None, "", None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return 0.0, "ISO 8601", stamp


class Noisy:
    """``base`` with Poisson noise: each tick's rate is Poisson(rate * tick) / tick.

    The noise is a pure function of time: tick k's count comes from a generator
    seeded by (a key drawn once from ``rng``, k's block), so it does not depend on how
    often or in what order ``rate`` is called. Pass a named World stream
    (``world.rng("traffic.web.noise")``): the same seed gives the same noise, another
    name independent noise, and two variants of a scenario the same arrivals.
    The base rate is taken at the start of each tick.
    """

    def __init__(
        self,
        base: ArrivalRate,
        rng: np.random.Generator,
        tick: float = 60.0,
        block: int = 1440,
        cache_blocks: int = 8,
    ):
        self.base = base
        self.tick = parse_duration(tick)
        if self.tick <= 0:
            raise ValueError(f"tick: expected seconds > 0, got {tick!r}")
        self.block = int(block)
        self._key = [int(k) for k in rng.integers(0, 2**63, size=2)]
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()
        self._cache_blocks = int(cache_blocks)

    def __repr__(self) -> str:
        return f"Noisy({self.base!r}, tick={self.tick:g})"

    def _block(self, b: int) -> np.ndarray:
        rates = self._cache.get(b)
        if rates is not None:
            self._cache.move_to_end(b)
            return rates
        zigzag = 2 * b if b >= 0 else -2 * b - 1
        gen = np.random.Generator(np.random.PCG64(np.random.SeedSequence([*self._key, zigzag])))
        starts = (b * self.block + np.arange(self.block)) * self.tick
        lam = np.maximum(np.asarray(self.base.rate(starts), dtype=float), 0.0) * self.tick
        rates = gen.poisson(lam) / self.tick
        self._cache[b] = rates
        if len(self._cache) > self._cache_blocks:
            self._cache.popitem(last=False)
        return rates

    def rate(self, times: np.ndarray) -> np.ndarray:
        t = _times(times)
        ticks = np.floor(t / self.tick).astype(np.int64)
        blocks = np.floor_divide(ticks, self.block)
        out = np.empty(t.shape)
        for b in np.unique(blocks):
            sel = blocks == b
            out[sel] = self._block(int(b))[ticks[sel] - b * self.block]
        return out

    def max_rate(self, start: float, end: float) -> float:
        first, last = math.floor(start / self.tick), math.floor(end / self.tick)
        top = 0.0
        for b in range(first // self.block, last // self.block + 1):
            lo = max(first - b * self.block, 0)
            hi = min(last - b * self.block, self.block - 1)
            top = max(top, float(self._block(b)[lo : hi + 1].max()))
        return top


@dataclass(frozen=True)
class Product:
    """``model`` times a time-varying ``factor`` model (e.g. a Steps schedule of the
    scenario's scale_traffic events): both fidelities see the same rates."""

    model: ArrivalRate
    factor: ArrivalRate

    def rate(self, times: np.ndarray) -> np.ndarray:
        t = _times(times)
        return self.model.rate(t) * self.factor.rate(t)

    def max_rate(self, start: float, end: float) -> float:
        return rate_bound(self.model, start, end) * rate_bound(self.factor, start, end)
