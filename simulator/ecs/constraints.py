"""Placement constraints and strategies as the ECS API spells them, validated on creation.

Shapes: botocore ecs 2014-11-13 ``PlacementConstraint`` {type, expression} and
``PlacementStrategy`` {type, field}. Task definitions, RunTask and CreateService share them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from simulator.core.errors import AWSError
from simulator.ecs import codes
from simulator.ecs.facts import default_int
from simulator.ecs.query import Expression, parse

DISTINCT_INSTANCE = "distinctInstance"
MEMBER_OF = "memberOf"
BINPACK, SPREAD, RANDOM = "binpack", "spread", "random"
AZ_ATTRIBUTE = "attribute:ecs.availability-zone"


def _invalid(message: str) -> AWSError:
    return AWSError(codes.INVALID_PARAMETER, message)


@dataclass(frozen=True, slots=True)
class PlacementConstraint:
    """distinctInstance, or memberOf with a parsed cluster query."""

    type: str
    expression: str | None = None
    query: Expression | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.type == DISTINCT_INSTANCE:
            if self.expression:
                raise _invalid(codes.DISTINCT_INSTANCE_EXPRESSION)
        elif self.type == MEMBER_OF:
            if not self.expression:
                raise _invalid(codes.MEMBER_OF_NEEDS_EXPRESSION)
            object.__setattr__(self, "query", parse(self.expression))
        else:
            raise _invalid(codes.UNKNOWN_CONSTRAINT_TYPE.format(type=self.type))

    @classmethod
    def from_api(cls, doc: Mapping) -> PlacementConstraint:
        return cls(str(doc.get("type", "")), doc.get("expression"))

    def to_api(self) -> dict:
        out = {"type": self.type}
        if self.expression is not None:
            out["expression"] = self.expression
        return out


@dataclass(frozen=True, slots=True)
class PlacementStrategy:
    """binpack(cpu|memory), spread(instanceId|host|attribute:<name>) or random."""

    type: str
    field: str | None = None

    def __post_init__(self) -> None:
        if self.type == BINPACK:
            if self.field not in ("cpu", "memory"):
                raise self._bad("binpack field must be cpu or memory")
        elif self.type == SPREAD:
            f = self.field or ""
            if f not in ("instanceId", "host") and not (
                f.startswith("attribute:") and len(f) > len("attribute:")
            ):
                raise self._bad("spread field must be instanceId, host or attribute:<name>")
        elif self.type != RANDOM:
            raise self._bad("type must be random, spread or binpack")

    def _bad(self, why: str) -> AWSError:
        return _invalid(codes.INVALID_STRATEGY.format(strategy=self.to_api(), why=why))

    @property
    def attribute(self) -> str | None:
        """The attribute name a spread works on (None for instanceId/host)."""
        f = self.field or ""
        return f[len("attribute:") :] if f.startswith("attribute:") else None

    @classmethod
    def from_api(cls, doc: Mapping) -> PlacementStrategy:
        return cls(str(doc.get("type", "")), doc.get("field"))

    def to_api(self) -> dict:
        out = {"type": self.type}
        if self.field is not None:
            out["field"] = self.field
        return out


SERVICE_DEFAULT_STRATEGIES: tuple[PlacementStrategy, ...] = (
    PlacementStrategy(SPREAD, AZ_ATTRIBUTE),
)
"""A service without placementStrategy spreads by Availability Zone (developer guide,
"Use strategies to define Amazon ECS task placement")."""


def strategies_from_api(
    docs: Iterable[Mapping | PlacementStrategy] | None,
) -> tuple[PlacementStrategy, ...]:
    """Validated strategies, at most ``max_placement_strategies`` (5)."""
    out = tuple(
        d if isinstance(d, PlacementStrategy) else PlacementStrategy.from_api(d) for d in docs or ()
    )
    limit = default_int("max_placement_strategies")
    if len(out) > limit:
        raise _invalid(codes.TOO_MANY_STRATEGIES.format(count=len(out), limit=limit))
    return out


def constraints_from_api(
    docs: Iterable[Mapping | PlacementConstraint] | None,
) -> tuple[PlacementConstraint, ...]:
    """Validated constraints, at most ``max_placement_constraints`` (10)."""
    out = tuple(
        d if isinstance(d, PlacementConstraint) else PlacementConstraint.from_api(d)
        for d in docs or ()
    )
    limit = default_int("max_placement_constraints")
    if len(out) > limit:
        raise _invalid(codes.TOO_MANY_CONSTRAINTS.format(count=len(out), limit=limit))
    return out


def service_group(service_name: str) -> str:
    """The task group of a service's tasks (developer guide, "task groups")."""
    return f"service:{service_name}"


def family_group(family: str) -> str:
    """The default task group of standalone tasks: the task definition family."""
    return f"family:{family}"
