"""Dedicated Host types: topology, capacity and price per instance family.

Facts live in ``catalog/data/host_types.csv``, one row per family with its source. A host's
capacity is counted in *units*: one unit per instance vCPU, except where ``size_units``
says a size takes fewer (T3's burstable nano..medium share CPU 4:1, so a T3 host takes 192
of them but only 96 t3.large), and ``size_limits`` caps how many of one size fit (an R5 host
takes at most 2 r5.8xlarge although 3 would fit by vCPUs). That one rule reproduces every
count AWS documents: m6i 32 x xlarge / 4 x 8xlarge / 1 x metal, m5 6 x 4xlarge, r5 2 x
8xlarge, t3 192 / 96 / 48 / 24.
"""

from __future__ import annotations

import csv
import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from types import MappingProxyType

from simulator.catalog.catalog import instance_types
from simulator.core.errors import CatalogError

MAC_MINIMUM_ALLOCATION_SECONDS = 24 * 3600.0
"""Mac hosts can't be released, and are charged, for at least 24 h from allocation."""


@dataclass(frozen=True, slots=True)
class HostType:
    """One Dedicated Host configuration (a row of host_types.csv)."""

    family: str
    sockets: int
    physical_cores: int
    vcpus: int
    mixed_sizes: bool
    price_per_hour: float
    price_is_estimate: bool
    capacity_units: int
    size_units: Mapping[str, int]
    size_limits: Mapping[str, int]
    host_recovery_supported: bool
    source: str

    @property
    def is_mac(self) -> bool:
        return self.family.startswith("mac")

    @property
    def apple_silicon(self) -> bool:
        """mac2 and later Mac families run on Apple silicon; mac1 is an Intel Mac mini."""
        return self.is_mac and self.family != "mac1"

    def units_per_instance(self, instance_vcpu: int, size: str | None = None) -> int:
        """Capacity units one instance of ``size`` (with ``instance_vcpu`` vCPUs) takes."""
        if instance_vcpu <= 0:
            raise ValueError(f"instance vCPUs must be positive, got {instance_vcpu}")
        if size is not None and size in self.size_units:
            return self.size_units[size]
        return instance_vcpu

    def size_limit(self, size: str | None) -> int | None:
        """The documented cap on instances of ``size`` per host, if any."""
        return self.size_limits.get(size) if size is not None else None

    def instances_per_host(self, instance_vcpu: int, size: str | None = None) -> int:
        """How many instances of one size fit on an empty host of this type."""
        n = self.capacity_units // self.units_per_instance(instance_vcpu, size)
        limit = self.size_limit(size)
        return n if limit is None else min(n, limit)


def _pairs(text: str, column: str, family: str) -> Mapping[str, int]:
    """Read 'size=n;size=n' into a read-only mapping."""
    out: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        size, sep, value = part.partition("=")
        if not sep or not value.strip().isdigit():
            raise CatalogError(f"host_types.csv: family {family!r}: bad {column} entry {part!r}")
        out[size.strip()] = int(value)
    return MappingProxyType(out)


def _bool(text: str, column: str, family: str) -> bool:
    value = text.strip().lower()
    if value not in ("true", "false"):
        raise CatalogError(f"host_types.csv: family {family!r}: {column} must be true or false")
    return value == "true"


@lru_cache(maxsize=1)
def host_types() -> dict[str, HostType]:
    """Every Dedicated Host type in the catalog, by family."""
    text = resources.files("simulator.catalog").joinpath("data", "host_types.csv").read_text()
    out: dict[str, HostType] = {}
    for r in csv.DictReader(text.splitlines()):
        f = r["family"]
        out[f] = HostType(
            family=f,
            sockets=int(r["sockets"]),
            physical_cores=int(r["physical_cores"]),
            vcpus=int(r["vcpus"]),
            mixed_sizes=_bool(r["mixed_sizes"], "mixed_sizes", f),
            price_per_hour=float(r["host_price_usd_hr"]),
            price_is_estimate=_bool(r["price_is_estimate"], "price_is_estimate", f),
            capacity_units=int(r["capacity_units"]),
            size_units=_pairs(r["size_units"], "size_units", f),
            size_limits=_pairs(r["size_limits"], "size_limits", f),
            host_recovery_supported=_bool(r["host_recovery"], "host_recovery", f),
            source=r["source"],
        )
    return out


def host_type(family: str) -> HostType:
    """The Dedicated Host type of ``family`` (e.g. ``m6i``); CatalogError if unknown."""
    types = host_types()
    try:
        return types[family]
    except KeyError:
        close = difflib.get_close_matches(family, sorted(types), n=3, cutoff=0.5)
        hint = f" (did you mean: {', '.join(close)}?)" if close else ""
        raise CatalogError(
            f"unknown Dedicated Host family {family!r}{hint}; known: {', '.join(sorted(types))}"
        ) from None


def instances_per_host(family: str, instance_vcpu: int, size: str | None = None) -> int:
    """Instances of one size that fit on an empty ``family`` host.

    ``size`` (``large``, ``8xlarge``...) matters only where the catalog has a per-size rule
    (T3's small sizes, R5's 8xlarge cap); without it the rule is host units // vCPUs.
    """
    return host_type(family).instances_per_host(instance_vcpu, size)


def hosts_capacity(instance_type: str) -> int:
    """How many instances of ``instance_type`` one Dedicated Host of its family holds (0
    for a type no host takes, or one the catalog does not know)."""
    itype = instance_types().get(instance_type)
    if itype is None:
        return 0
    try:
        return instances_per_host(itype.family, itype.vcpu, itype.size)
    except CatalogError:
        return 0
