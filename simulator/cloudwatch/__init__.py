"""CloudWatch, live during a run: the metric store, metric alarms as CloudWatch evaluates
them (pure), and the timed evaluator (``simulator.cloudwatch.evaluator``, simpy) that runs
them in simulated time. See docs/cloudwatch.md."""

from simulator.cloudwatch.alarms import (
    AlarmConfig,
    Alarms,
    AlarmState,
    MetricAlarm,
    StateChange,
    TreatMissingData,
)
from simulator.cloudwatch.store import Datapoint, MetricStore, SeriesHandle

__all__ = [
    "AlarmConfig",
    "AlarmState",
    "Alarms",
    "Datapoint",
    "MetricAlarm",
    "MetricStore",
    "SeriesHandle",
    "StateChange",
    "TreatMissingData",
]
