"""Confidence intervals over replications, and paired differences between variants.

Each replication of a scenario gives one value of each summary number; these helpers
turn the values into an estimate with an interval. Means get Student's t interval;
numbers that are themselves percentiles or extremes of a run (p99, a maximum, a
minimum) are skewed and bounded, so their mean gets a bootstrap interval instead, and
``quantile_interval`` gives a distribution-free one for a quantile of the replications.
Paired differences use the pairing that common random numbers give: replication i of
variant A and of variant B saw the same arrivals and faults.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
from scipy import stats as sps

Method = Literal["t", "bootstrap", "order", "exact"]

BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 20240101  # fixed: the same values always give the same interval


@dataclass(frozen=True)
class Interval:
    """An estimate with a two-sided interval at ``level`` from ``n`` values."""

    estimate: float
    low: float
    high: float
    n: int
    level: float = 0.95
    method: Method = "t"

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2

    def contains(self, x: float) -> bool:
        return self.low <= x <= self.high

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        return format_interval(self)


def t_critical(df: int, level: float = 0.95) -> float:
    """Student t quantile for a two-sided interval at ``level`` with ``df`` degrees."""
    if df < 1:
        raise ValueError(f"t interval needs at least 2 values (df >= 1), got df={df}")
    return float(sps.t.ppf(0.5 + level / 2, df))


def _values(values: Any) -> np.ndarray:
    x = np.asarray(values, dtype=float).ravel()
    x = x[~np.isnan(x)]
    if x.size == 0:
        raise ValueError("no values to estimate from")
    return x


def confidence_interval(values: Any, level: float = 0.95) -> tuple[float, float]:
    """(mean, half-width) of Student's t interval from independent replications."""
    i = mean_interval(values, level)
    return i.estimate, i.half_width


def mean_interval(values: Any, level: float = 0.95) -> Interval:
    """Student's t interval for the mean of independent replications (one value: no
    width can be known, the interval is the value itself, method "exact")."""
    x = _values(values)
    mean = float(x.mean())
    if x.size == 1:
        return Interval(mean, mean, mean, 1, level, "exact")
    half = t_critical(x.size - 1, level) * float(x.std(ddof=1)) / math.sqrt(x.size)
    return Interval(mean, mean - half, mean + half, int(x.size), level, "t")


def bootstrap_interval(values: Any, level: float = 0.95) -> Interval:
    """Percentile bootstrap interval for the mean (resampling with a fixed seed, so the
    same values give the same interval); for skewed per-run numbers such as p99."""
    x = _values(values)
    mean = float(x.mean())
    if x.size == 1 or np.all(x == x[0]):
        return Interval(mean, mean, mean, int(x.size), level, "exact")
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    res = sps.bootstrap(
        (x,),
        np.mean,
        n_resamples=BOOTSTRAP_RESAMPLES,
        confidence_level=level,
        method="percentile",
        random_state=rng,
    )
    ci = res.confidence_interval
    return Interval(mean, float(ci.low), float(ci.high), int(x.size), level, "bootstrap")


def quantile_interval(values: Any, q: float, level: float = 0.95) -> Interval:
    """Distribution-free interval for the ``q`` quantile from order statistics: the
    ranks around n*q whose binomial coverage is at least ``level`` (clamped to min..max
    when n is too small to reach it: the coverage is then below ``level``)."""
    if not 0 < q < 1:
        raise ValueError(f"q must be in (0, 1), got {q}")
    x = np.sort(_values(values))
    n = int(x.size)
    estimate = float(np.quantile(x, q))
    alpha = 1 - level
    binom = sps.binom(n, q)
    lo = max(1, int(binom.ppf(alpha / 2)))  # 1-based ranks: [x_(lo), x_(hi)]
    hi = min(n, int(binom.ppf(1 - alpha / 2)) + 1)
    lo, hi = lo - 1, hi - 1
    return Interval(estimate, float(x[lo]), float(x[hi]), n, level, "order")


def interval_for(metric: str, values: Any, level: float = 0.95) -> Interval:
    """The interval that fits the metric: bootstrap for per-run percentiles and extremes
    (names with p99, max or min in them), Student's t for the rest."""
    return bootstrap_interval(values, level) if is_extreme(metric) else mean_interval(values, level)


def is_extreme(metric: str) -> bool:
    words = metric.replace(".", "_").replace(":", "_").split("_")
    return any(w in {"p99", "p95", "p50", "max", "min"} for w in words)


@dataclass(frozen=True)
class PairedDifference:
    """B - A over paired replications: the mean difference, its t interval, the paired
    t test's p-value, and whether the interval excludes zero."""

    interval: Interval
    p_value: float
    significant: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            **{f"diff_{k}": v for k, v in self.interval.as_dict().items()},
            "p_value": self.p_value,
            "significant": self.significant,
        }


def paired_difference(a: Any, b: Any, level: float = 0.95) -> PairedDifference:
    """The difference B - A of paired replications (same seeds: common random numbers)."""
    xa, xb = np.asarray(a, dtype=float).ravel(), np.asarray(b, dtype=float).ravel()
    if xa.shape != xb.shape:
        raise ValueError(f"paired values need equal counts, got {xa.size} and {xb.size}")
    keep = ~(np.isnan(xa) | np.isnan(xb))
    d = xb[keep] - xa[keep]
    i = mean_interval(d, level)
    if d.size < 2 or np.all(d == d[0]):
        # no spread: the difference is known exactly (0 means the variants agree)
        p = 1.0 if i.estimate == 0 else 0.0
        return PairedDifference(i, p, i.estimate != 0 and d.size >= 2)
    with warnings.catch_warnings():  # nearly equal values: scipy warns, the p is still right
        warnings.simplefilter("ignore", RuntimeWarning)
        p = float(sps.ttest_rel(xb[keep], xa[keep]).pvalue)
    return PairedDifference(i, p, not i.contains(0.0))


def welch_difference(a: Any, b: Any, level: float = 0.95) -> PairedDifference:
    """B - A for independent samples (different seeds): Welch's t interval and test."""
    xa, xb = _values(a), _values(b)
    diff = float(xb.mean() - xa.mean())
    if xa.size < 2 or xb.size < 2:
        i = Interval(diff, diff, diff, int(min(xa.size, xb.size)), level, "exact")
        return PairedDifference(i, float("nan"), False)
    va, vb = xa.var(ddof=1) / xa.size, xb.var(ddof=1) / xb.size
    se = math.sqrt(va + vb)
    if se == 0:
        i = Interval(diff, diff, diff, int(min(xa.size, xb.size)), level, "exact")
        return PairedDifference(i, 1.0 if diff == 0 else 0.0, diff != 0)
    df = (va + vb) ** 2 / (va**2 / (xa.size - 1) + vb**2 / (xb.size - 1))
    half = float(sps.t.ppf(0.5 + level / 2, df)) * se
    i = Interval(diff, diff - half, diff + half, int(min(xa.size, xb.size)), level, "t")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        p = float(sps.ttest_ind(xb, xa, equal_var=False).pvalue)
    return PairedDifference(i, p, not i.contains(0.0))


def format_interval(i: Interval, digits: int | None = None) -> str:
    """``12.3 [11.9, 12.8]``; the value alone when the interval has no width."""
    d = digits if digits is not None else _digits(i.estimate, i.half_width)
    if i.low == i.high:
        return f"{i.estimate:,.{d}f}"
    return f"{i.estimate:,.{d}f} [{i.low:,.{d}f}, {i.high:,.{d}f}]"


def _digits(estimate: float, half: float) -> int:
    scale = half if half > 0 else abs(estimate)
    if scale == 0 or not math.isfinite(scale):
        return 0
    return int(min(4, max(0, 2 - math.floor(math.log10(scale)))))
