"""Arrival rate models: requests per second as a function of simulated time.

Every model is vectorised: ``rate(times)`` takes an array of seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

DAY = 86400.0


class ArrivalRate(Protocol):
    def rate(self, times: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class Constant:
    rps: float

    def rate(self, times: np.ndarray) -> np.ndarray:
        return np.full(np.shape(times), float(self.rps))


@dataclass(frozen=True)
class Diurnal:
    """A daily cosine between ``min_rps`` (12 h after the peak) and ``peak_rps``."""

    min_rps: float
    peak_rps: float
    peak_at: float = 14 * 3600.0  # seconds after midnight

    def rate(self, times: np.ndarray) -> np.ndarray:
        phase = 2.0 * np.pi * (np.asarray(times, dtype=float) - self.peak_at) / DAY
        return self.min_rps + (self.peak_rps - self.min_rps) * 0.5 * (1.0 + np.cos(phase))
