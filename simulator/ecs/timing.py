"""How long ECS's timed transitions take: distributions from catalog data, overridable."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulator.catalog.catalog import _rows
from simulator.core.distributions import Distribution, distribution
from simulator.core.errors import EcsimError

STOP_TIMEOUT_DEFAULT = 30.0
"""Seconds between SIGTERM and SIGKILL unless the container sets stopTimeout (aws-facts)."""


def default_timings() -> dict[str, Distribution]:
    return {
        r["name"]: distribution({"distribution": r["distribution"], "value": r["low"], **r})
        for r in _rows("ecs_timing.csv")
    }


@dataclass
class EcsTiming:
    """Every timed ECS transition's distribution, by name (see ecs_timing.csv).

    ``instant`` makes every draw 0: a scenario's initial fleet settles at time 0.
    """

    durations: dict[str, Distribution] = field(default_factory=default_timings)
    instant: bool = False

    @classmethod
    def with_overrides(cls, overrides: Mapping[str, Any] | None = None) -> EcsTiming:
        timing = cls()
        for name, spec in (overrides or {}).items():
            if name not in timing.durations:
                known = ", ".join(sorted(timing.durations))
                raise EcsimError(f"unknown ECS timing {name!r}; known: {known}")
            timing.durations[name] = distribution(spec)
        return timing

    def draw(self, name: str, rng: np.random.Generator) -> float:
        return 0.0 if self.instant else self.durations[name].draw(rng)
