"""How long stopped tasks stay: ECS shows a stopped task for a while, then forgets it.

DescribeTasks and ListTasks: "Currently, stopped tasks appear in the returned results for
at least one hour." A long run that kept every stopped task would grow without bound (a
rolling deployment a day replaces every task daily), so a control plane may drop stopped
tasks ``retention`` seconds after they stopped (one hour, AWS's figure), keeping only how
many it dropped. Dropping happens as later tasks stop (no timers: nothing is scheduled for
it), oldest first, so a dropped task was stopped for at least ``retention`` seconds.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from typing import Protocol

STOPPED_TASK_RETENTION = 3600.0
"""Seconds a stopped task stays visible ("at least one hour": DescribeTasks)."""


class _Tasks(Protocol):
    tasks: dict
    stopped_tasks_dropped: int


class StoppedTasks:
    """Stopped tasks in the order they stopped; ``drop`` forgets those older than retention."""

    def __init__(self, retention: float = STOPPED_TASK_RETENTION):
        if not retention >= 0:
            raise ValueError(f"retention: expected seconds >= 0, got {retention!r}")
        self.retention = float(retention)
        self._queue: deque[tuple[float, str, str]] = deque()  # (stopped at, cluster, task)

    def stopped(self, at: float, cluster: str, task_id: str) -> None:
        self._queue.append((at, cluster, task_id))

    def drop(
        self, now: float, clusters: Mapping[str, _Tasks], still_stopped: Callable[[object], bool]
    ) -> int:
        """Forget tasks stopped at least ``retention`` ago; returns how many."""
        q, n = self._queue, 0
        while q and q[0][0] + self.retention <= now:
            _, name, task_id = q.popleft()
            cluster = clusters.get(name)
            if cluster is None:
                continue
            task = cluster.tasks.get(task_id)
            if task is not None and still_stopped(task):
                del cluster.tasks[task_id]
                cluster.stopped_tasks_dropped += 1
                n += 1
        return n
