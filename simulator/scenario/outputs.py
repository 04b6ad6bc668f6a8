"""What a run keeps (``outputs:``): which metrics go into the result table, and whether
the event trace is kept. A fleet-scale run keeps what it is asked for, no more.

The metrics the summary reads are always recorded (the summary is part of every run);
``outputs.metrics`` names the others to keep (None: all of them). ``outputs.trace: false``
keeps no trace events, only their count per kind (``World.trace.counts``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simulator.scenario.metric_names import CLUSTER_METRICS, PER_SERVICE_METRICS

SUMMARY_METRICS = frozenset(
    {
        "RequestRate",
        "RequestCount",
        "HTTPCode_Target_2XX_Count",
        "HTTPCode_Target_5XX_Count",
        "HTTPCode_ELB_503_Count",
        "HTTPCode_ELB_5XX_Count",
        "TargetResponseTime.mean",
        "TargetResponseTime.p99",
        "CPUUtilization",
        "RunningTaskCount",
        "DesiredTaskCount",
        "PendingTaskCount",
        "HealthyHostCount",
        "MemoryUtilization",
        "InstanceCount",
        "HealthyInstances",
        "CapacityLostInstances",
        "CPUReservation",
    }
)
"""Read by simulator.experiment.run.summarize: recorded whatever ``outputs.metrics`` says."""


def known_metrics() -> tuple[str, ...]:
    """Every metric a scenario run records (per service, then per cluster)."""
    return (*PER_SERVICE_METRICS, *CLUSTER_METRICS)


def check_outputs(s: Any) -> list[tuple[str, str]]:
    """Unknown names in ``outputs.metrics``, as (field path, message)."""
    names = s.outputs.metrics
    if names is None:
        return []
    known = known_metrics()
    return [
        (
            f"outputs.metrics[{i}]",
            f"unknown metric {name!r}: expected one of {', '.join(known)}",
        )
        for i, name in enumerate(names)
        if name not in known
    ]


def metric_filter(s: Any) -> Callable[[str], bool] | None:
    """Which metrics the run records (None: every one)."""
    names = s.outputs.metrics
    if names is None:
        return None
    keep = SUMMARY_METRICS | set(names)
    return keep.__contains__
