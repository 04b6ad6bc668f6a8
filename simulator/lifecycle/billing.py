"""Billing meters, computed from state histories: what AWS would charge up to a time.

Rules (seed post and EC2 User Guide): an instance is billed only while running, and not at
all while on a Dedicated Host (the host is billed instead); a host is billed only while
available. Both per second with a 60 s minimum for each billed period (each start of a
run); a reboot does not start a new period (AWS: "Rebooting an instance doesn't start a
new instance billing period"), so rebooting, which the API reports as running, is billed
as part of the run. Mac hosts carry a 24 h minimum charge from allocation.

A minimum is charged when the period starts: up to ``until`` a period that began 10 s
earlier is billed 60 s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from simulator.catalog.hosts import MAC_MINIMUM_ALLOCATION_SECONDS
from simulator.core.errors import CatalogError
from simulator.lifecycle.host import Host, HostState
from simulator.lifecycle.instance import Instance, InstanceState, Transition

MINIMUM_PERIOD_SECONDS = 60.0
"""Per-second billing has a 60 s minimum for each period."""

BILLED_INSTANCE_STATES = frozenset({InstanceState.RUNNING, InstanceState.REBOOTING})


@dataclass(frozen=True, slots=True)
class Bill:
    """What one resource costs up to a time."""

    resource_id: str
    kind: Literal["instance", "host"]
    price_per_hour: float
    seconds: float
    """Time spent in the billed state (before minimums)."""
    periods: int
    """Billed periods started (each carries the 60 s minimum)."""
    billed_seconds: float
    """Seconds charged, after the 60 s and Mac 24 h minimums."""

    @property
    def cost(self) -> float:
        return self.billed_seconds / 3600.0 * self.price_per_hour


def periods(entries: Sequence[tuple[float, bool]], until: float) -> list[tuple[float, float]]:
    """Maximal [start, end) intervals, clipped to ``until``, during which the flag holds.

    ``entries`` are (time, billed?) in time order, each holding until the next one.
    """
    out: list[tuple[float, float]] = []
    start: float | None = None
    for at, billed in entries:
        if at > until:
            break
        if billed and start is None:
            start = at
        elif not billed and start is not None:
            out.append((start, at))
            start = None
    if start is not None and start <= until:
        out.append((start, until))
    return out


def _charged(spans: Iterable[tuple[float, float]]) -> tuple[float, int, float]:
    seconds = billed = 0.0
    n = 0
    for a, b in spans:
        seconds += b - a
        billed += max(b - a, MINIMUM_PERIOD_SECONDS)
        n += 1
    return seconds, n, billed


def instance_billed(entry: Transition) -> bool:
    """Billed: running (or rebooting) and not on a Dedicated Host."""
    return entry.state in BILLED_INSTANCE_STATES and entry.host_id is None


def instance_bill(instance: Instance, until: float, price_per_hour: float) -> Bill:
    """The instance's charge up to ``until``."""
    spans = periods([(e.at, instance_billed(e)) for e in instance.history], until)
    seconds, n, billed = _charged(spans)
    return Bill(instance.instance_id, "instance", price_per_hour, seconds, n, billed)


def host_bill(
    host: Host,
    until: float,
    price_per_hour: float,
    mac_minimum_seconds: float = MAC_MINIMUM_ALLOCATION_SECONDS,
) -> Bill:
    """The host's charge up to ``until`` (a Mac host: at least 24 h once allocated)."""
    entries = [(e.at, e.state is HostState.AVAILABLE) for e in host.history]
    seconds, n, billed = _charged(periods(entries, until))
    if host.is_mac and host.allocation_time <= until:
        billed = max(billed, mac_minimum_seconds)
    return Bill(host.host_id, "host", price_per_hour, seconds, n, billed)


def _catalog_instance_price(instance_type: str) -> float:
    from simulator.catalog.catalog import instance_type as lookup

    itype = lookup(instance_type)
    if itype.price_per_hour is not None:
        return float(itype.price_per_hour)
    if itype.host_only:
        return 0.0  # its Dedicated Host is what is billed
    raise CatalogError(
        f"no price for instance type {instance_type} in the catalog ({itype.source}); "
        "pass instance_price= to bill it"
    )


def _catalog_host_price(family: str) -> float:
    from simulator.catalog.hosts import host_type

    return host_type(family).price_per_hour


def fleet_bills(
    instances: Iterable[Instance],
    hosts: Iterable[Host],
    until: float,
    *,
    instance_price: Callable[[str], float] | None = None,
    host_price: Callable[[str], float] | None = None,
) -> dict[str, Bill]:
    """Bills of every instance and host, by id; prices from the catalog unless given
    (``instance_price(instance_type)``, ``host_price(family)``, USD per hour)."""
    iprice = instance_price or _catalog_instance_price
    hprice = host_price or _catalog_host_price
    out: dict[str, Bill] = {}
    for inst in instances:
        out[inst.instance_id] = instance_bill(inst, until, iprice(inst.instance_type))
    for host in hosts:
        out[host.host_id] = host_bill(host, until, hprice(host.family))
    return out


def total_cost(bills: Iterable[Bill]) -> float:
    """Sum of the bills' costs, in USD."""
    return sum(b.cost for b in bills)
