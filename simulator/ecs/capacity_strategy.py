"""Capacity provider strategies: which provider each task of a RunTask or a service uses. Pure.

A strategy is a list of CapacityProviderStrategyItem {capacityProvider, base, weight}
(botocore ecs doc): ``base`` tasks, at a minimum, run on the one provider that defines a
base, satisfied first; the rest are distributed by the ``weight`` ratios (weights 1 and 3:
for every task on the first provider, three on the second); a provider of weight 0 places
no tasks beyond its base. Fargate and Auto Scaling group providers never mix in one strategy.

``next_provider`` gives each new task the provider whose share beyond its base is furthest
below its weight (ties: the heavier weight, then the earlier item), so a service that grows
one task at a time and a RunTask of ``count`` tasks split the same way; ``scale_in_order``
removes tasks in the reverse order, so the remaining split stays closest to the weights and
bases go last.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from simulator.catalog.catalog import _rows
from simulator.core.errors import AWSError

INVALID_PARAMETER = "InvalidParameterException"
FARGATE = "FARGATE"
FARGATE_SPOT = "FARGATE_SPOT"
FARGATE_PROVIDERS = frozenset({FARGATE, FARGATE_SPOT})

MIXED = (
    "A capacity provider strategy cannot contain a mix of capacity providers using Auto "
    "Scaling groups and Fargate providers. Specify one or the other and try again."
)
"""aws/aws-cdk aws-ecs cluster.ts mirrors ECS's text (the API answers the same sentence)."""
NOT_ASSOCIATED = (
    "The specified capacity provider strategy cannot contain a capacity provider that is not "
    "associated with the cluster. Associate the capacity provider with the cluster or specify "
    "a valid capacity provider and try again."
)
"""First sentence: a live answer quoted in a public stack (Fargate task launcher); the second
is ecsim wording."""
ONE_BASE = "Only one capacity provider in a capacity provider strategy can have a base defined."
"""botocore ecs CapacityProviderStrategyItem.base doc (the rule; the error text is ecsim's)."""
ALL_ZERO = (
    "At least one capacity provider in a capacity provider strategy must have a weight "
    "greater than zero."
)
"""botocore ecs CapacityProviderStrategyItem.weight doc (the rule; the text is ecsim's)."""


@lru_cache(maxsize=1)
def capacity_facts() -> Mapping[str, str]:
    """ecs_capacity.csv by name (managed scaling and Service Auto Scaling defaults)."""
    return {r["name"]: r["value"] for r in _rows("ecs_capacity.csv")}


def fact(name: str) -> float:
    return float(capacity_facts()[name])


@dataclass(frozen=True, slots=True)
class StrategyItem:
    """One CapacityProviderStrategyItem."""

    capacity_provider: str
    base: int = 0
    weight: int = 0

    @classmethod
    def from_api(cls, doc: StrategyItem | Mapping) -> StrategyItem:
        if isinstance(doc, StrategyItem):
            return doc
        return cls(str(doc["capacityProvider"]), int(doc.get("base", 0)), int(doc.get("weight", 0)))

    def to_api(self) -> dict:
        return {
            "capacityProvider": self.capacity_provider,
            "base": self.base,
            "weight": self.weight,
        }

    @property
    def fargate(self) -> bool:
        return self.capacity_provider in FARGATE_PROVIDERS


Strategy = tuple[StrategyItem, ...]


def strategy_from_api(items: Iterable[StrategyItem | Mapping] | None) -> Strategy:
    return tuple(StrategyItem.from_api(i) for i in items or ())


def validate_strategy(strategy: Strategy, associated: Collection[str] | None = None) -> None:
    """ECS's refusals of a strategy (InvalidParameterException); ``associated``: the
    cluster's capacity providers (None: not checked)."""

    def refuse(message: str) -> AWSError:
        return AWSError(INVALID_PARAMETER, message)

    limit = int(fact("max_strategy_items"))
    if len(strategy) > limit:
        raise refuse(f"A capacity provider strategy can contain at most {limit} items.")
    names = [i.capacity_provider for i in strategy]
    if len(set(names)) != len(names):
        raise refuse("A capacity provider can appear only once in a capacity provider strategy.")
    for i in strategy:
        if not 0 <= i.base <= fact("max_base") or not 0 <= i.weight <= fact("max_weight"):
            raise refuse(
                f"Capacity provider {i.capacity_provider}: base must be 0-100000 and weight "
                f"0-1000, got base {i.base}, weight {i.weight}."
            )
    if sum(1 for i in strategy if i.base > 0) > 1:
        raise refuse(ONE_BASE)
    if strategy and not any(i.weight > 0 for i in strategy) and len(strategy) > 1:
        raise refuse(ALL_ZERO)
    if any(i.fargate for i in strategy) and not all(i.fargate for i in strategy):
        raise refuse(MIXED)
    if associated is not None and any(n not in associated for n in names):
        raise refuse(NOT_ASSOCIATED)


def _weights(strategy: Strategy) -> Strategy:
    """A single item of weight 0 still places every task (the API's default weight)."""
    if len(strategy) == 1 and strategy[0].weight == 0:
        return (StrategyItem(strategy[0].capacity_provider, strategy[0].base, 1),)
    return strategy


def next_provider(strategy: Strategy, counts: Mapping[str, int]) -> str:
    """The provider of the next task, given the tasks each provider already has."""
    strategy = _weights(strategy)
    for item in strategy:
        if item.base > counts.get(item.capacity_provider, 0):
            return item.capacity_provider
    best: tuple[float, int, int] | None = None
    choice = strategy[0].capacity_provider
    for k, item in enumerate(strategy):
        if item.weight <= 0:
            continue
        beyond = counts.get(item.capacity_provider, 0) - item.base
        score = ((beyond + 1) / item.weight, -item.weight, k)
        if best is None or score < best:
            best, choice = score, item.capacity_provider
    return choice


def split(
    strategy: Strategy, count: int, counts: Mapping[str, int] | None = None
) -> dict[str, int]:
    """How many of ``count`` new tasks go to each provider (in strategy order)."""
    now = dict(counts or {})
    out = {i.capacity_provider: 0 for i in strategy}
    for _ in range(count):
        p = next_provider(strategy, now)
        now[p] = now.get(p, 0) + 1
        out[p] += 1
    return out


def scale_in_order(strategy: Strategy, counts: Mapping[str, int], count: int) -> list[str]:
    """The providers to stop ``count`` tasks on, one entry per task: each time the provider
    furthest above its weighted share beyond its base; bases go last."""
    strategy = _weights(strategy)
    now = {i.capacity_provider: counts.get(i.capacity_provider, 0) for i in strategy}
    out: list[str] = []
    for _ in range(count):
        best: tuple[float, int, int] | None = None
        choice: str | None = None
        for k, item in enumerate(strategy):
            beyond = now[item.capacity_provider] - item.base
            if beyond <= 0:
                continue
            score = (-beyond / item.weight if item.weight else float("-inf"), item.weight, -k)
            if best is None or score < best:
                best, choice = score, item.capacity_provider
        if choice is None:  # only base tasks left: take them from the base provider
            choice = next((i.capacity_provider for i in strategy if now[i.capacity_provider]), None)
            if choice is None:
                break
        now[choice] -= 1
        out.append(choice)
    return out
