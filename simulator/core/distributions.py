"""Duration distributions (seconds), drawn from named random streams.

Timing facts such as "pending -> running takes about 5 to 17 s" are distributions,
not constants; each is data (with its source) and can be overridden in a scenario.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from simulator.core.durations import parse_duration
from simulator.core.errors import EcsimError


class Distribution(Protocol):
    def draw(self, rng: np.random.Generator) -> float: ...

    def draws(self, rng: np.random.Generator, n: int) -> list[float]:
        """``n`` draws at once: the same values, in the same order, as ``n`` calls of
        ``draw`` on the same stream (numpy fills an array with the scalar sequence), at a
        fraction of the cost per value."""
        ...

    @property
    def mean(self) -> float: ...


@dataclass(frozen=True)
class Fixed:
    value: float

    def draw(self, rng: np.random.Generator) -> float:
        return self.value

    def draws(self, rng: np.random.Generator, n: int) -> list[float]:
        return [self.value] * n

    @property
    def mean(self) -> float:
        return self.value


@dataclass(frozen=True)
class Uniform:
    low: float
    high: float

    def draw(self, rng: np.random.Generator) -> float:
        return float(rng.uniform(self.low, self.high))

    def draws(self, rng: np.random.Generator, n: int) -> list[float]:
        return rng.uniform(self.low, self.high, n).tolist()  # type: ignore[no-any-return]

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2


@dataclass(frozen=True)
class Exponential:
    mean_value: float

    def draw(self, rng: np.random.Generator) -> float:
        return float(rng.exponential(self.mean_value))

    def draws(self, rng: np.random.Generator, n: int) -> list[float]:
        return rng.exponential(self.mean_value, n).tolist()  # type: ignore[no-any-return]

    @property
    def mean(self) -> float:
        return self.mean_value


KINDS = ("fixed", "uniform", "exponential")


def distribution(spec: dict[str, Any] | str | float | int) -> Distribution:
    """Build from a scenario or data value: a duration (fixed), or a mapping such as
    ``{distribution: uniform, low: 5s, high: 17s}`` / ``{distribution: exponential,
    mean: 10m}``. Raises EcsimError naming what was expected."""
    if not isinstance(spec, dict):
        return Fixed(parse_duration(spec))
    kind = spec.get("distribution")
    if kind == "fixed":
        return Fixed(parse_duration(spec["value"]))
    if kind == "uniform":
        low, high = parse_duration(spec["low"]), parse_duration(spec["high"])
        if high < low:
            raise EcsimError(f"expected low <= high, got low={low:g}s high={high:g}s")
        return Uniform(low, high)
    if kind == "exponential":
        return Exponential(parse_duration(spec["mean"]))
    raise EcsimError(f"expected distribution one of {', '.join(KINDS)}, got {kind!r}")
