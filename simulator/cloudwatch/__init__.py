"""CloudWatch, live during a run: the metric store, metric alarms as CloudWatch evaluates
them, and the timed evaluator that runs them in simulated time."""

from simulator.cloudwatch.store import Datapoint, MetricStore, SeriesHandle

__all__ = ["Datapoint", "MetricStore", "SeriesHandle"]
