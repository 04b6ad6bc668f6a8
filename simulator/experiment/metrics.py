"""The numbers an experiment compares, read from one run's summary (plain JSON).

Headline numbers are over the whole scenario (the worst service's p99, all requests'
error rate, every service's OOM kills); with more than one service each service's own
numbers follow as ``<service>:<number>``. Only ``RunResult.summary`` is read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

MONTH_S = 730 * 3600.0  # AWS prices a month as 730 hours


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    unit: str
    host: bool = False  # a host-failure number: shown only for scenarios with hosts/faults
    lower_is_better: bool = True
    column: bool = True  # a column of the report's table (the others are in the files)


HEADLINE: tuple[Metric, ...] = (
    Metric("p99_latency_ms_max", "p99 ms", "ms"),
    Metric("mean_latency_ms", "mean ms", "ms", column=False),
    Metric("cpu_utilization_pct_max", "CPU % max", "%"),
    Metric("error_rate_pct", "errors %", "%"),
    Metric("oom_kills", "OOM kills", "count"),
    Metric("tasks_short_max", "tasks short", "tasks"),
    Metric("cost_usd", "cost USD", "USD"),
    Metric("monthly_cost_usd", "monthly USD", "USD"),
    Metric("host_failures", "host failures", "count", host=True),
    Metric("capacity_lost_instance_hours", "capacity lost inst-h", "instance-hours", host=True),
    Metric(
        "healthy_instances_min", "fewest healthy", "instances", host=True, lower_is_better=False
    ),
)
BY_NAME = {m.name: m for m in HEADLINE}

_PER_SERVICE = (
    "p99_latency_ms_max",
    "mean_latency_ms",
    "max_cpu_utilization_pct",
    "error_rate",
    "oom_kills",
    "tasks_short_max",
    "requests",
)


def run_metrics(summary: dict[str, Any]) -> dict[str, float]:
    """Every comparable number of one run (NaN where the run has none)."""
    services = list(summary["services"].values())
    requests = sum(_f(s["requests"]) for s in services)
    failed = sum(_f(s["failed_requests"]) for s in services)
    served = [
        (s["mean_latency_ms"], _f(s["requests"]) - _f(s["failed_requests"])) for s in services
    ]
    weight = sum(w for m, w in served if m is not None)
    out: dict[str, float] = {
        "p99_latency_ms_max": _max(s["p99_latency_ms_max"] for s in services),
        "mean_latency_ms": (
            sum(m * w for m, w in served if m is not None) / weight if weight else math.nan
        ),
        "cpu_utilization_pct_max": _max(s["max_cpu_utilization_pct"] for s in services),
        "error_rate_pct": failed / requests * 100 if requests else 0.0,
        "oom_kills": float(sum(s.get("oom_kills", 0) for s in services)),
        "tasks_short_max": _max(s["tasks_short_max"] for s in services),
        "requests": requests,
        "cost_usd": _f(summary["cost_usd"]),
        "monthly_cost_usd": _f(summary["cost_usd"]) * MONTH_S / float(summary["duration_s"]),
        "cost_per_million_requests_usd": _f(summary.get("cost_per_million_requests_usd")),
        "instances_max": _f(summary["instances_max"]),
        "host_failures": _f(summary["host_failures"]),
        "capacity_lost_instance_hours": _f(summary["capacity_lost_instance_hours"]),
        "healthy_instances_min": _f(summary["healthy_instances_min"]),
    }
    if len(services) > 1:
        for name, s in summary["services"].items():
            for key in _PER_SERVICE:
                out[f"{name}:{key}"] = _f(s.get(key))
    return out


def has_hosts(summaries: list[dict[str, Any]]) -> bool:
    """Whether host-failure numbers mean anything: Dedicated Hosts or host failures."""
    return any(s.get("dedicated_hosts") or s.get("host_failures") for s in summaries)


def _f(x: Any) -> float:
    return math.nan if x is None else float(x)


def _max(xs: Any) -> float:
    vals = [float(x) for x in xs if x is not None]
    return max(vals) if vals else math.nan
