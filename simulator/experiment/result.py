"""RunResult: what one run produced, as tables, plus the summary that reports quote."""

from __future__ import annotations

from typing import Any

import pandas as pd

from simulator.core.metrics import MetricRecorder


class RunResult:
    """Metric time series and events as DataFrames, and a JSON-ready summary.

    ``metrics`` may be given as the run's metric store: the long table is then built the
    first time it is read. A run whose caller wants only the summary (a replication, a
    sweep's point) never builds it, and holds 8 bytes a point (the store's float64, 4 at
    float32) instead of about 20 (the table's time, value and label codes)."""

    def __init__(
        self,
        scenario: str,
        seed: int,
        duration: float,
        metrics: pd.DataFrame | MetricRecorder,
        events: pd.DataFrame,
        summary: dict[str, Any] | None = None,
        traffic_deployments: list[Any] | None = None,
    ) -> None:
        self.scenario = scenario
        self.seed = seed
        self.duration = duration
        self._metrics = metrics
        self.events = events
        self.summary: dict[str, Any] = summary if summary is not None else {}
        self.traffic_deployments: list[Any] = (
            traffic_deployments if traffic_deployments is not None else []
        )
        """Traffic-shifting deployments (simulator.report.deployments.DeploymentView)."""

    @property
    def metrics(self) -> pd.DataFrame:
        """The long table: time, metric, one column per label, value."""
        if isinstance(self._metrics, MetricRecorder):
            self._metrics = self._metrics.to_frame()
        return self._metrics

    @metrics.setter
    def metrics(self, value: pd.DataFrame | MetricRecorder) -> None:
        self._metrics = value

    def __repr__(self) -> str:
        return (
            f"RunResult(scenario={self.scenario!r}, seed={self.seed}, "
            f"duration={self.duration}, summary keys={sorted(self.summary)})"
        )

    def series(self, metric: str, **labels: str) -> pd.Series:
        """One metric as a Series indexed by time (seconds), filtered by labels."""
        df = self.metrics[self.metrics["metric"] == metric]
        for name, value in labels.items():
            df = df[df[name] == value]
        return df.set_index("time")["value"].rename(metric)

    def wide(self, label: str = "service") -> pd.DataFrame:
        """Metrics pivoted to one column per (metric, label value), indexed by time."""
        df = self.metrics.dropna(subset=[label])
        return df.pivot_table(
            index="time", columns=["metric", label], values="value", observed=True
        )
