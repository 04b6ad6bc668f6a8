"""RunResult: what one run produced, as tables, plus the summary that reports quote."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd


@dataclass
class RunResult:
    """Metric time series and events as DataFrames, and a JSON-ready summary."""

    scenario: str
    seed: int
    duration: float
    metrics: pd.DataFrame
    events: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)
    traffic_deployments: list[Any] = field(default_factory=list)
    """Traffic-shifting deployments (simulator.report.deployments.DeploymentView)."""

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
