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


def parse_override(name: str, spec: Any) -> Distribution:
    """One ``ecs_timing`` override as a Distribution, or EcsimError naming the field: a
    mapping lacking its kind's keys (a ``fixed`` row written as the CSV writes it, with
    low/high and no value) is refused as the scenario validator refuses it, not a KeyError."""
    where = f"ecs_timing.{name}"
    if isinstance(spec, Mapping):
        kind = spec.get("distribution")
        keys = TIMING_KEYS.get(kind) if isinstance(kind, str) else None
        if keys is None:
            raise EcsimError(f"{where}.distribution: expected one of {', '.join(TIMING_KEYS)}")
        extra = sorted(str(k) for k in spec if k not in keys)
        missing = sorted(keys - set(spec))
        if extra or missing:
            takes = ", ".join(sorted(keys - {"distribution"}))
            field_name = extra[0] if extra else missing[0]
            raise EcsimError(f"{where}.{field_name}: a {kind} distribution takes {takes}")
    elif not isinstance(spec, str | int | float) or isinstance(spec, bool):
        raise EcsimError(f"{where}: expected a duration or a distribution mapping")
    try:
        return distribution(dict(spec) if isinstance(spec, Mapping) else spec)
    except EcsimError as exc:
        raise EcsimError(f"{where}: {exc}") from None


TIMING_KEYS: Mapping[str, frozenset[str]] = {
    "fixed": frozenset({"distribution", "value"}),
    "uniform": frozenset({"distribution", "low", "high"}),
    "exponential": frozenset({"distribution", "mean"}),
}
"""The keys of each kind of distribution (simulator.core.distributions.distribution)."""


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
            timing.durations[name] = parse_override(name, spec)
        return timing

    @property
    def duplicate_event_interval(self) -> float:
        """Seconds before a service event whose cause holds is posted again (the
        ``duplicate_service_event`` row; its mean, never drawn, never instant)."""
        return self.durations["duplicate_service_event"].mean

    def draw(self, name: str, rng: np.random.Generator) -> float:
        return 0.0 if self.instant else self.durations[name].draw(rng)
