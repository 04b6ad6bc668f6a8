"""A production-traffic weight timeline: the green weight as a step function of time.

Both CodeDeploy's configurations and ECS's own LINEAR/CANARY strategies shift traffic in
steps and hold each weight until the next step, so one piecewise-constant function serves
both. Times are seconds since traffic shifting began (AllowTraffic / the start of
PRODUCTION_TRAFFIC_SHIFT); weights are percent of production traffic on green.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple


class Shift(NamedTuple):
    """At ``at`` seconds the listener moves to ``weight`` percent on green."""

    at: float
    weight: float


@dataclass(frozen=True)
class WeightTimeline:
    """Steps in time order; the weight is 0 before the first and holds between steps.
    Steps may share an instant (ECS's 0-minute step bake): the last one at it holds.

    ``duration`` is how long the traffic-shifting phase lasts: the last shift's instant,
    plus a final wait where the strategy waits after reaching 100 % (a parameter).
    """

    shifts: tuple[Shift, ...]
    duration: float

    def __post_init__(self) -> None:
        if not self.shifts:
            raise ValueError("a timeline needs at least one shift")
        times = [s.at for s in self.shifts]
        if times != sorted(times):
            raise ValueError(f"shift instants must be in time order: {times}")
        weights = [s.weight for s in self.shifts]
        if weights != sorted(weights):
            raise ValueError(f"weights must not decrease: {weights}")
        if self.shifts[-1].weight != 100:
            raise ValueError("the last shift must put 100 % on green")
        if self.duration < self.shifts[-1].at:
            raise ValueError("the phase cannot end before its last shift")

    def weight_at(self, t: float) -> float:
        """Green's production weight (percent) ``t`` seconds after shifting began."""
        i = bisect_right([s.at for s in self.shifts], t)
        return 0.0 if i == 0 else float(self.shifts[i - 1].weight)

    @property
    def shift_instants(self) -> list[float]:
        return [s.at for s in self.shifts]

    @property
    def time_to_full(self) -> float:
        """Seconds from the start of shifting until green holds 100 %."""
        return self.shifts[-1].at

    def intervals(self, until: float | None = None) -> list[tuple[float, float, float]]:
        """(start, end, weight) pieces from 0 to ``until`` (default: ``duration``)."""
        end = self.duration if until is None else until
        out = []
        for i, s in enumerate(self.shifts):
            nxt = self.shifts[i + 1].at if i + 1 < len(self.shifts) else max(end, s.at)
            a, b = s.at, min(nxt, end)
            if b > a:
                out.append((a, b, float(s.weight)))
        return out


def equal_steps(step: float, interval_s: float, *, wait_after_last: bool) -> WeightTimeline:
    """Linear shifting: ``step`` percent at the start of each increment, capped at 100."""
    shifts: list[Shift] = []
    k = 0
    while True:
        weight = min(100.0, round((k + 1) * step, 6))
        shifts.append(Shift(k * interval_s, weight))
        if weight >= 100:
            break
        k += 1
    last = shifts[-1].at
    return WeightTimeline(tuple(shifts), last + (interval_s if wait_after_last else 0.0))


def two_steps(first: float, interval_s: float) -> WeightTimeline:
    """Canary shifting: ``first`` percent at once, the rest ``interval_s`` later."""
    if first >= 100:
        return WeightTimeline((Shift(0.0, 100.0),), 0.0)
    return WeightTimeline((Shift(0.0, first), Shift(interval_s, 100.0)), interval_s)


def all_at_once() -> WeightTimeline:
    return WeightTimeline((Shift(0.0, 100.0),), 0.0)


def from_steps(
    steps: Sequence[tuple[float, float]], duration: float | None = None
) -> WeightTimeline:
    """A timeline from explicit (at, weight) pairs (an ecsim strategy's plan)."""
    shifts = tuple(Shift(float(a), float(w)) for a, w in steps)
    return WeightTimeline(shifts, shifts[-1].at if duration is None else duration)
