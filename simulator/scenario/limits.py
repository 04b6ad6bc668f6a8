"""Limits on a scenario's size, and an estimate of a run's cost made before it starts.

Two kinds (README "Limits"):

- AWS's own quotas, which no flag lifts: container instances per ECS cluster (5,000,
  counting those on Dedicated Hosts),
  tasks per service (5,000), Dedicated Hosts (simulator.aws.limits.HOST_LIMIT);
- cost limits of the simulation (ticks, metric rows, simulated requests, duration), which
  ``--allow-large`` lifts for a run the user knows to be big.

Each problem names the field, so a ``count: 1000000`` with ``duration: 90d`` is a one-line
error at load time instead of a run that never ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simulator.aws.limits import HOST_LIMIT
from simulator.catalog.hosts import hosts_capacity

CONTAINER_INSTANCES_PER_CLUSTER = 5_000
"""ECS service quota "Container instances per cluster"."""
TASKS_PER_SERVICE = 5_000
"""ECS service quota "Tasks per service"."""

MAX_DURATION = 366 * 86400.0
MAX_TICKS = 1_000_000
MAX_METRIC_ROWS = 30_000_000
MAX_REQUESTS = 50_000_000
"""Simulated requests of a ``fidelity: request`` run (each is an event)."""

ROWS_PER_SERVICE_TICK = 22
"""Metric rows one service records per tick (measured on the bundled scenarios: 20-22)."""
BYTES_PER_ROW = 64
"""Memory per metric row while recording and framing (an estimate; the Parquet file
takes about 19 bytes a row)."""

Problem = tuple[str, str]


@dataclass(frozen=True)
class Estimate:
    ticks: int
    metric_rows: int
    requests: float
    memory_mib: float

    def __str__(self) -> str:
        text = f"{self.ticks:,} ticks, ~{self.metric_rows:,} metric rows"
        if self.requests:
            text += f", up to {self.requests:,.0f} simulated requests"
        return text + f", ~{self.memory_mib:,.0f} MiB"


def peak_rps(t: Any) -> float:
    pattern = getattr(t, "pattern", "")
    if pattern == "constant":
        base = t.rps
    elif pattern == "diurnal":
        base = max(t.peak_rps, t.min_rps) * max(t.weekly or [1.0])
    elif pattern == "steps":
        base = max((r for _, r in t.steps), default=0.0)
    else:
        base = 0.0  # a trace: bounded by the schema's MAX_RPS when it is read
    return base * max([1.0] + [sp.multiplier for sp in t.spikes])


def estimate(s: Any) -> Estimate:
    ticks = int(s.duration / s.tick + 1e-9) + 1 if s.tick > 0 else 0
    rows = ticks * (ROWS_PER_SERVICE_TICK * max(1, len(s.services)) + 5)
    requests = 0.0
    if s.fidelity == "request":
        requests = sum(peak_rps(t) for t in s.traffic) * s.duration
    memory = rows * BYTES_PER_ROW / 2**20 + requests * 200 / 2**20 / 1000
    return Estimate(ticks, rows, requests, memory)


def check_quotas(s: Any) -> list[Problem]:
    """AWS's quotas: no flag lifts them."""
    out: list[Problem] = []
    cap = s.capacity
    if cap.count > CONTAINER_INSTANCES_PER_CLUSTER:
        out.append(("capacity.count", _quota(cap.count, "container instances per cluster")))
    hosts = sum(g.count for g in cap.dedicated_hosts)
    if hosts > HOST_LIMIT:
        out.append(("capacity.dedicated_hosts", _quota(hosts, "Dedicated Hosts", HOST_LIMIT)))
    on_hosts = sum(g.count * _per_host(g) for g in cap.dedicated_hosts)
    if cap.count <= CONTAINER_INSTANCES_PER_CLUSTER < cap.count + on_hosts:
        out.append(
            (
                "capacity.dedicated_hosts",
                _quota(cap.count + on_hosts, "container instances per cluster")
                + f" ({cap.count:,} shared and {on_hosts:,} on Dedicated Hosts)",
            )
        )
    for i, p in enumerate(s.capacity_providers):
        g = p.auto_scaling_group
        if g is not None and g.max_size > CONTAINER_INSTANCES_PER_CLUSTER:
            out.append(
                (
                    f"capacity_providers[{i}].auto_scaling_group.max_size",
                    _quota(g.max_size, "container instances per cluster"),
                )
            )
    for i, svc in enumerate(s.services):
        if svc.desired_count > TASKS_PER_SERVICE:
            out.append((f"services[{i}].desired_count", _tasks(svc.desired_count)))
        a = svc.auto_scaling
        if a is not None and a.max > TASKS_PER_SERVICE:
            out.append((f"services[{i}].auto_scaling.max", _tasks(a.max)))
    for i, e in enumerate(s.events):
        n = getattr(e, "desired_count", None)
        if n is not None and n > TASKS_PER_SERVICE:
            out.append((f"events[{i}].desired_count", _tasks(n)))
        if getattr(e, "action", "") == "set_instance_count" and (
            e.count > CONTAINER_INSTANCES_PER_CLUSTER
        ):
            out.append((f"events[{i}].count", _quota(e.count, "container instances per cluster")))
    return out


def _per_host(group: Any) -> int:
    """Instances one host of ``group`` runs (0 for a type the other checks refuse)."""
    if group.instance_type is None:
        return sum(group.instances.values())
    if group.instances_per_host is not None:
        return int(group.instances_per_host)
    return hosts_capacity(group.instance_type)


def _quota(n: int, what: str, limit: int = CONTAINER_INSTANCES_PER_CLUSTER) -> str:
    return f"expected at most {limit:,} (the {what} quota), got {n:,}"


def _tasks(n: int) -> str:
    return f"expected at most {TASKS_PER_SERVICE:,} (ECS's tasks per service quota), got {n:,}"


def check_cost(s: Any) -> list[Problem]:
    """The simulation's own limits (``--allow-large`` lifts them)."""
    out: list[Problem] = []
    hint = "; pass --allow-large to run it anyway"
    if s.duration > MAX_DURATION:
        out.append(("duration", f"expected at most 366d, got {s.duration / 86400:,.0f}d{hint}"))
    if s.tick <= 0 or s.duration <= 0:
        return out
    e = estimate(s)
    if e.ticks > MAX_TICKS:
        out.append(
            (
                "tick",
                f"{e.ticks:,} ticks (duration / tick) is more than {MAX_TICKS:,}; "
                f"use a longer tick or a shorter duration{hint}",
            )
        )
    elif e.metric_rows > MAX_METRIC_ROWS:
        out.append(
            (
                "tick",
                f"~{e.metric_rows:,} metric rows (~{e.memory_mib:,.0f} MiB) is more than "
                f"{MAX_METRIC_ROWS:,}; use a longer tick or fewer services{hint}",
            )
        )
    if e.requests > MAX_REQUESTS:
        out.append(
            (
                "fidelity",
                f"up to {e.requests:,.0f} simulated requests is more than {MAX_REQUESTS:,}; "
                f"use fidelity: flow or a shorter duration{hint}",
            )
        )
    return out
