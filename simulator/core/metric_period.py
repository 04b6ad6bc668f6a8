"""Metric resolution: tick points aggregated into periods, each metric by its statistic.

A run samples its metrics every tick; ``outputs.metrics_period`` keeps one point per
period instead, so the points a run holds grow with duration / period, not duration /
tick. Each metric is aggregated by the statistic that keeps its meaning (CloudWatch's
own: Sum for counts, Average for gauges, Maximum for percentiles):

- ``sum``: counts over the tick (requests, response codes): the period's total.
- ``average``: gauges and rates (tasks, utilization, requests/s): time-weighted by each
  tick's length, NaN ticks left out (NaN when every tick is NaN).
- ``served``: the mean response time, weighted by the requests served in each tick
  (``HTTPCode_Target_2XX_Count``), so the period's mean is the mean over its requests.
- ``maximum``: percentiles (p50, p90, p99): the largest tick value, an upper bound of the
  period's percentile (a percentile of a mixture is at most its largest part's).
- ``last``: cumulative values (OOM kills so far, cost so far): the period's last tick.

A point is stamped with its period's start (a multiple of the period). Pure: no clock.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

STATISTICS = ("sum", "average", "served", "maximum", "last")
SERVED_WEIGHT = "HTTPCode_Target_2XX_Count"

_LAST = frozenset({"OOMKills", "CumulativeCost"})


def statistic(metric: str) -> str:
    """How ``metric`` is aggregated over a period (see the module's list)."""
    if metric in _LAST:
        return "last"
    if metric == "TargetResponseTime.mean":
        return "served"
    if metric.startswith("TargetResponseTime."):
        return "maximum"
    if metric == "RequestCount" or metric.endswith("_Count"):
        return "sum"
    return "average"


class PeriodAggregator:
    """Tick blocks in, period blocks out; the open period's ticks are held until a tick
    of a later period (or ``finish``) closes it. One aggregator per group of series that
    share their ticks (a table of metric -> (ticks, columns) arrays)."""

    def __init__(self, period: float) -> None:
        if not period > 0:
            raise ValueError(f"period: expected seconds > 0, got {period!r}")
        self.period = float(period)
        self._times = np.empty(0)
        self._lengths = np.empty(0)
        self._values: dict[str, np.ndarray] = {}

    def push(
        self, times: np.ndarray, lengths: np.ndarray, values: Mapping[str, np.ndarray]
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Add ticks (start times, lengths in seconds, metric -> (ticks, columns));
        returns the periods they close: (period starts, metric -> (periods, columns))."""
        if not self._values:
            self._values = {m: np.asarray(v, float)[:0] for m, v in values.items()}
        self._times = np.concatenate([self._times, np.asarray(times, float)])
        self._lengths = np.concatenate([self._lengths, np.asarray(lengths, float)])
        for m, v in values.items():
            self._values[m] = np.concatenate([self._values[m], np.asarray(v, float)])
        if not len(self._times):
            return np.empty(0), {m: v[:0] for m, v in self._values.items()}
        index = np.floor(self._times / self.period)
        closed = int(np.searchsorted(index, index[-1], side="left"))  # ticks before the last period
        return self._emit(closed)

    def finish(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Close the open period (the end of a run)."""
        return self._emit(len(self._times))

    def _emit(self, n: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        times, lengths = self._times[:n], self._lengths[:n]
        values = {m: v[:n] for m, v in self._values.items()}
        self._times, self._lengths = self._times[n:], self._lengths[n:]
        self._values = {m: v[n:] for m, v in self._values.items()}
        return aggregate(times, lengths, values, self.period)


def aggregate(
    times: np.ndarray, lengths: np.ndarray, values: Mapping[str, np.ndarray], period: float
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Aggregate ticks (in time order) into periods of ``period`` seconds."""
    if not len(times):
        return np.empty(0), {m: np.asarray(v, float)[:0] for m, v in values.items()}
    index = np.floor(times / period)
    starts = np.flatnonzero(np.r_[True, index[1:] != index[:-1]])
    ends = np.r_[starts[1:], len(times)]
    w = np.asarray(lengths, float).reshape(-1, 1)
    served = values.get(SERVED_WEIGHT)
    out: dict[str, np.ndarray] = {}
    for m, v in values.items():
        v = np.asarray(v, float)
        how = statistic(m)
        if how == "sum":
            out[m] = np.add.reduceat(v, starts, axis=0)
        elif how == "maximum":
            out[m] = _reduce_nan(np.fmax, v, starts)
        elif how == "last":
            out[m] = v[ends - 1]
        else:
            weight = np.asarray(served, float) if how == "served" and served is not None else w
            out[m] = _weighted(v, np.broadcast_to(weight, v.shape), starts)
    return index[starts] * period, out


def _reduce_nan(op: np.ufunc, v: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """``op`` over each period's rows, NaN only where all of them are NaN (fmax, fmin)."""
    return op.reduceat(v, starts, axis=0)


def _weighted(v: np.ndarray, w: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Each period's mean of ``v`` weighted by ``w``, NaN values left out (NaN where no
    weight remains)."""
    ok = ~np.isnan(v)
    w = np.where(ok, w, 0.0)
    total = np.add.reduceat(w, starts, axis=0)
    acc = np.add.reduceat(np.where(ok, v, 0.0) * w, starts, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, acc / total, np.nan)
