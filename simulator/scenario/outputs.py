"""What a run keeps (``outputs:``): which metrics go into the result table, at which
resolution and precision, and how much of the event trace is kept. A fleet-scale run keeps
what it is asked for, no more.

The metrics the summary reads are always recorded (the summary is part of every run);
``outputs.metrics`` names the others to keep (None: all of them). ``outputs.trace: false``
keeps no trace events, only their count per kind (``World.trace.counts``).
``outputs.metrics_period`` keeps one point per period (simulator/core/metric_period.py);
``outputs.detail: service`` leaves the per-task events (``TASK_EVENT_KINDS``) out of the
trace, counted like the others.
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


TASK_EVENT_KINDS = frozenset({"ecs.task", "task.oom_killed"})
"""Trace kinds with one event per task (its resource a task id): left out by
``detail: service``."""


def known_metrics() -> tuple[str, ...]:
    """Every metric a scenario run records (per service, then per cluster)."""
    return (*PER_SERVICE_METRICS, *CLUSTER_METRICS)


def check_outputs(s: Any) -> list[tuple[str, str]]:
    """Unknown names in ``outputs.metrics`` and a metrics period that is not a whole
    number of ticks, as (field path, message)."""
    names = s.outputs.metrics
    if names is None:
        return check_metrics_period(s)
    known = known_metrics()
    return check_metrics_period(s) + [
        (
            f"outputs.metrics[{i}]",
            f"unknown metric {name!r}: expected one of {', '.join(known)}",
        )
        for i, name in enumerate(names)
        if name not in known
    ]


def check_metrics_period(s: Any) -> list[tuple[str, str]]:
    """``outputs.metrics_period`` is a whole number of ticks, as (field path, message)."""
    period = s.outputs.metrics_period
    if period is None:
        return []
    ticks = period / s.tick
    if ticks < 1 or abs(ticks - round(ticks)) > 1e-9:
        return [
            (
                "outputs.metrics_period",
                f"expected a multiple of the tick ({s.tick:g}s), got {period:g}s",
            )
        ]
    return []


def omitted_event_kinds(s: Any) -> frozenset[str]:
    """Trace kinds counted but not kept (``detail: service``: the per-task ones)."""
    return TASK_EVENT_KINDS if s.outputs.detail == "service" else frozenset()


def metric_filter(s: Any) -> Callable[[str], bool] | None:
    """Which metrics the run records (None: every one)."""
    names = s.outputs.metrics
    if names is None:
        return None
    keep = SUMMARY_METRICS | set(names)
    return keep.__contains__
