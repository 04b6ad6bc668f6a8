"""When will a climbing metric reach its limit? A trend fit, as an operator's insight.

DevOps Guru's memory-leak insight (seed post) forecasts when a container's memory
utilization reaches 100 %. This fits a least-squares line to the recent points of a
series and says when the line crosses the threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


@dataclass(frozen=True)
class Forecast:
    slope: float  # units per second
    intercept: float  # value at time 0
    r_squared: float
    fitted_from: float  # first time of the window used
    fitted_to: float  # last time of the window used
    crossing_time: float | None  # when the line reaches the threshold; None if never

    def value_at(self, t: ArrayLike) -> np.ndarray:
        return self.intercept + self.slope * np.asarray(t, dtype=float)


def linear_forecast(
    times: ArrayLike, values: ArrayLike, threshold: float = 100.0, window: float | None = None
) -> Forecast:
    """Fit the last ``window`` seconds (all points when None) and project to ``threshold``."""
    t = np.asarray(times, dtype=float)
    v = np.asarray(values, dtype=float)
    keep = np.isfinite(v)
    t, v = t[keep], v[keep]
    if window is not None and t.size:
        recent = t >= t[-1] - window
        t, v = t[recent], v[recent]
    if t.size < 2 or np.ptp(t) == 0:
        raise ValueError("a forecast needs at least two points at different times")
    slope, intercept = np.polyfit(t, v, 1)
    fitted = intercept + slope * t
    total = float(np.sum((v - v.mean()) ** 2))
    r2 = 1.0 - float(np.sum((v - fitted) ** 2)) / total if total > 0 else 1.0
    crossing = None
    if slope > 0:
        crossing = max(float((threshold - intercept) / slope), float(t[-1]))
        if v[-1] >= threshold:
            crossing = float(t[-1])
    return Forecast(float(slope), float(intercept), r2, float(t[0]), float(t[-1]), crossing)
