"""Per-task memory: a baseline, a share per in-flight request, and a leak over time.

usage(t) = baseline + per_in_flight x in_flight + leak_rate x (time since the task
started). In-flight requests come from Little's law (arrival rate x mean response
time). A container whose usage passes its hard limit (the task's memory) is killed by
the kernel's OOM killer; ECS reports the container reason
"OutOfMemoryError: Container killed due to memory usage" and the service replaces it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


@dataclass(frozen=True)
class MemoryModel:
    baseline_mib: float
    per_in_flight_mib: float = 0.0
    leak_mib_per_hour: float = 0.0

    def usage(self, age_s: ArrayLike, in_flight: ArrayLike = 0.0) -> np.ndarray:
        """MiB used by tasks of the given ages (seconds) and in-flight requests."""
        age = np.asarray(age_s, dtype=float)
        return (
            self.baseline_mib
            + self.per_in_flight_mib * np.asarray(in_flight, dtype=float)
            + self.leak_mib_per_hour * age / 3600.0
        )

    def time_to_limit(self, limit_mib: float, in_flight: float = 0.0) -> float:
        """Age (seconds) at which a task reaches ``limit_mib``; inf without a leak, 0 if
        it starts over the limit."""
        headroom = limit_mib - self.baseline_mib - self.per_in_flight_mib * in_flight
        if headroom <= 0:
            return 0.0
        if self.leak_mib_per_hour <= 0:
            return float("inf")
        return headroom / self.leak_mib_per_hour * 3600.0


def in_flight(rate_per_task: ArrayLike, mean_response_s: ArrayLike) -> np.ndarray:
    """Little's law: requests in a task at once = arrival rate x time in system."""
    return np.asarray(rate_per_task, dtype=float) * np.nan_to_num(
        np.asarray(mean_response_s, dtype=float)
    )
