"""The ECS rows of the Service Authorization Reference ("Actions, resources, and condition
keys for Amazon Elastic Container Service"), as data: ``data/ecs_actions.csv`` (action ->
resource types, ``*`` marking the required one, and the action's condition keys) and
``data/ecs_resource_types.csv`` (resource type -> ARN format and its condition keys).

Only the keys an action supports reach its request context: ``aws:ResourceTag/owner``
means nothing to CreateCluster (the cluster does not exist yet), ``aws:RequestTag/...``
nothing to StopTask. Global keys (``aws:PrincipalTag/...``, ``aws:PrincipalArn``...)
reach every request.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from simulator.core.errors import CatalogError

GLOBAL_PREFIXES = (
    "aws:principaltag/",
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principaltype",
    "aws:userid",
    "aws:username",
    "aws:requestedregion",
    "aws:currenttime",
    "aws:epochtime",
    "aws:securetransport",
    "aws:sourceidentity",
)
"""Global condition keys present in every request of an IAM principal (IAM User Guide,
"AWS global condition context keys"); compared lower-cased."""


@dataclass(frozen=True)
class ActionFacts:
    action: str
    resource_types: tuple[str, ...]
    required: str | None
    condition_keys: tuple[str, ...]


@dataclass(frozen=True)
class ResourceType:
    name: str
    arn_format: str
    condition_keys: tuple[str, ...]


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("simulator.iam").joinpath("data", name).read_text()
    return list(csv.DictReader(text.splitlines()))


@cache
def resource_types() -> Mapping[str, ResourceType]:
    out = {}
    for row in _rows("ecs_resource_types.csv"):
        keys = tuple(row["condition_keys"].split())
        out[row["resource_type"]] = ResourceType(row["resource_type"], row["arn_format"], keys)
    return out


@cache
def actions() -> Mapping[str, ActionFacts]:
    out = {}
    for row in _rows("ecs_actions.csv"):
        kinds = row["resource_types"].split()
        required = next((k.rstrip("*") for k in kinds if k.endswith("*")), None)
        names = tuple(k.rstrip("*") for k in kinds)
        unknown = [k for k in names if k not in resource_types()]
        if unknown:
            raise CatalogError(f"ecs_actions.csv {row['action']}: unknown resource type {unknown}")
        keys = tuple(row["condition_keys"].split())
        out[row["action"]] = ActionFacts(row["action"], names, required, keys)
    return out


def action(name: str) -> ActionFacts:
    """The facts of ECS action ``name`` (``RunTask``); CatalogError if not in the table."""
    found = actions().get(name)
    if found is None:
        raise CatalogError(f"ECS action {name} is not in simulator/iam/data/ecs_actions.csv")
    return found


def _pattern_matches(pattern: str, key: str) -> bool:
    pattern = pattern.lower()
    if pattern.endswith("/${tagkey}"):
        return key.startswith(pattern[: -len("${tagkey}")])
    return key == pattern


def supported_keys(name: str, resource_type: str | None) -> tuple[str, ...]:
    """The condition key patterns a request of action ``name`` on a resource of
    ``resource_type`` carries (the action's own, plus the resource type's)."""
    facts = action(name)
    keys = list(facts.condition_keys)
    if resource_type is not None and resource_type in resource_types():
        keys += resource_types()[resource_type].condition_keys
    return tuple(keys)


def filter_context(
    name: str, resource_type: str | None, context: Mapping[str, Sequence[str]]
) -> dict[str, tuple[str, ...]]:
    """``context`` without the keys action ``name`` does not support (global keys stay)."""
    patterns = supported_keys(name, resource_type)
    out = {}
    for key, values in context.items():
        low = key.lower()
        if low.startswith(GLOBAL_PREFIXES) or any(_pattern_matches(p, low) for p in patterns):
            out[key] = tuple(values)
    return out
