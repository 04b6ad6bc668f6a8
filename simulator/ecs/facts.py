"""ECS facts read from ``simulator/catalog/data``: ENI limits, Fargate task sizes, defaults.

The numbers live in CSV files with a source on every row (DESIGN principle 7); this module
only reads them, so a scenario or test can override any of them by passing its own value.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from types import MappingProxyType

from simulator.catalog.catalog import did_you_mean, every_instance_type
from simulator.core.errors import CatalogError


def _rows(filename: str) -> list[dict[str, str]]:
    text = resources.files("simulator.catalog").joinpath("data", filename).read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


@dataclass(frozen=True, slots=True)
class EniLimit:
    """EC2's maximum network interfaces for a type (None: unknown, said so in the data)."""

    instance_type: str
    max_enis: int | None
    source: str

    @property
    def awsvpc_task_limit(self) -> int | None:
        """Tasks in awsvpc mode without ENI trunking: the primary ENI counts as one."""
        return None if self.max_enis is None else max(self.max_enis - 1, 0)


@lru_cache(maxsize=1)
def eni_limits() -> Mapping[str, EniLimit]:
    out = {}
    for r in _rows("eni_limits.csv"):
        value = r["max_enis"].strip()
        out[r["instance_type"]] = EniLimit(
            r["instance_type"], int(value) if value else None, r["source"]
        )
    return MappingProxyType(out)


def eni_limit(instance_type: str) -> EniLimit:
    """The ENI limit row for ``instance_type``; unknown names raise CatalogError."""
    limits = eni_limits()
    found = limits.get(instance_type)
    if found is not None:
        return found
    described = every_instance_type().get(instance_type)
    if described is not None and described.max_enis is not None:
        return EniLimit(instance_type, described.max_enis, described.source)
    raise CatalogError(
        f"no ENI limit for instance type {instance_type!r} in eni_limits.csv"
        f"{did_you_mean(instance_type, set(limits))}"
    )


@dataclass(frozen=True, slots=True)
class FargateTaskSize:
    """One Fargate CPU value and the memory values it accepts."""

    cpu: int
    memory_mib: frozenset[int]
    operating_systems: frozenset[str]
    min_linux_platform_version: str | None
    source: str


@lru_cache(maxsize=1)
def fargate_task_sizes() -> Mapping[int, FargateTaskSize]:
    out = {}
    for r in _rows("fargate_task_sizes.csv"):
        if r["memory_values_mib"].strip():
            values = frozenset(int(v) for v in r["memory_values_mib"].split())
        else:
            lo, hi, step = (
                int(r[k]) for k in ("memory_min_mib", "memory_max_mib", "memory_step_mib")
            )
            values = frozenset(range(lo, hi + 1, step))
        out[int(r["cpu"])] = FargateTaskSize(
            cpu=int(r["cpu"]),
            memory_mib=values,
            operating_systems=frozenset(r["operating_systems"].split()),
            min_linux_platform_version=r["min_linux_platform_version"] or None,
            source=r["source"],
        )
    return MappingProxyType(out)


def fargate_size_valid(cpu: int, memory_mib: int) -> bool:
    size = fargate_task_sizes().get(cpu)
    return size is not None and memory_mib in size.memory_mib


@lru_cache(maxsize=1)
def ecs_defaults() -> Mapping[str, str]:
    """Agent defaults and API limits by name (values as written in ecs_defaults.csv)."""
    return MappingProxyType({r["name"]: r["value"] for r in _rows("ecs_defaults.csv")})


def default_int(name: str) -> int:
    return int(ecs_defaults()[name])


def default_ports(name: str) -> tuple[int, ...]:
    return tuple(int(p) for p in ecs_defaults()[name].split())
