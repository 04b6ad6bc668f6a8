"""How long EC2's timed transitions take: distributions from catalog data, overridable."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from simulator.catalog.catalog import _rows
from simulator.core.distributions import Distribution, distribution
from simulator.core.errors import EcsimError


def default_timings() -> dict[str, Distribution]:
    out: dict[str, Distribution] = {}
    for r in _rows("ec2_timing.csv"):
        out[r["name"]] = distribution({"distribution": r["distribution"], **r})
    return out


@dataclass
class Ec2Timing:
    """The distribution of every timed EC2 transition, by name (see ec2_timing.csv)."""

    durations: dict[str, Distribution] = field(default_factory=default_timings)

    @classmethod
    def with_overrides(cls, overrides: Mapping[str, Any] | None = None) -> Ec2Timing:
        timing = cls()
        for name, spec in (overrides or {}).items():
            if name not in timing.durations:
                known = ", ".join(sorted(timing.durations))
                raise EcsimError(f"unknown EC2 timing {name!r}; known: {known}")
            timing.durations[name] = distribution(spec)
        return timing

    def __getitem__(self, name: str) -> Distribution:
        return self.durations[name]
