"""Tasks that move through their lifecycle together, kept as arrays of instants.

A cohort holds, for each of its members, the instant it entered each task state (``inf``
for a state it has not entered), as ``Task.history`` would record them. What the metrics
read at a tick, how many tasks are in each state, is then a bisection over sorted arrays
for all the ticks at once, instead of a counter moved at every member's every transition;
a member's ``Task.history`` is built only when something asks for it. The members'
instants come from their draws and the scheduler's decisions in closed form
(``simulator.ecs.rolling_plan``). See docs/scale.md, "Task cohorts".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from simulator.ecs.task import TaskState, TaskTransition

LIFECYCLE = (
    TaskState.PROVISIONING,
    TaskState.PENDING,
    TaskState.ACTIVATING,
    TaskState.RUNNING,
    TaskState.DEACTIVATING,
    TaskState.STOPPING,
    TaskState.DEPROVISIONING,
    TaskState.STOPPED,
)
"""A task's states in the order a task that starts and is stopped by the scheduler
enters them (``simulator.ecs.task.TRANSITIONS``)."""

_INDEX = {state: i for i, state in enumerate(LIFECYCLE)}


class Cohort:
    """Members' state-entry instants: ``entered[s][m]`` is when member ``m`` entered
    ``LIFECYCLE[s]``; each member's instants do not decrease along the lifecycle."""

    def __init__(self, entered: np.ndarray, healthy: np.ndarray | None = None):
        """``healthy``: when each member's load balancer target became healthy (inf:
        never, or no load balancer); it stays healthy until the member is deregistered on
        entering DEACTIVATING."""
        if entered.ndim != 2 or entered.shape[0] != len(LIFECYCLE):
            raise ValueError(f"entered: expected shape ({len(LIFECYCLE)}, members)")
        if np.any(entered[1:] < entered[:-1]):  # inf after inf is fine, a finite after it not
            raise ValueError("entered: a member enters a state before the one it comes from")
        self.entered = entered
        self._sorted = np.sort(entered, axis=1)  # per state, for bisection
        members = entered.shape[1]
        self.healthy = np.full(members, np.inf) if healthy is None else healthy
        if self.healthy.shape != (members,):
            raise ValueError(f"healthy: expected one instant per member ({members})")
        deregistered = entered[_INDEX[TaskState.DEACTIVATING]]
        served = self.healthy < deregistered  # healthy before it was deregistered
        self._healthy_from = np.sort(np.where(served, self.healthy, np.inf))
        self._healthy_until = np.sort(np.where(served, deregistered, np.inf))

    @classmethod
    def from_histories(cls, histories: Sequence[Sequence[TaskTransition]]) -> Cohort:
        """From members' histories (each a run of ``LIFECYCLE`` from PROVISIONING on, as
        far as the member got; a later part alone, such as a stopped task's from
        DEACTIVATING, is joined to the earlier one by the caller)."""
        entered = np.full((len(LIFECYCLE), len(histories)), np.inf)
        for m, history in enumerate(histories):
            for k, (at, state) in enumerate(history):
                if _INDEX[state] != k:
                    raise ValueError(
                        f"member {m}: expected {LIFECYCLE[k]} at step {k}, got {state}"
                    )
                entered[k, m] = at
        return cls(entered)

    def __len__(self) -> int:
        return int(self.entered.shape[1])

    def entered_by(self, state: TaskState, times: np.ndarray) -> np.ndarray:
        """How many members had entered ``state`` at each of ``times`` (an instant counts
        from the event at it on, as a sample taken after the instant's events)."""
        return np.searchsorted(self._sorted[_INDEX[state]], times, side="right")

    def counts(self, times: np.ndarray) -> dict[TaskState, np.ndarray]:
        """Members in each state at each of ``times``."""
        by = [self.entered_by(state, times) for state in LIFECYCLE]
        out = {state: by[k] - by[k + 1] for k, state in enumerate(LIFECYCLE[:-1])}
        out[TaskState.STOPPED] = by[-1]
        return out

    def healthy_targets(self, times: np.ndarray) -> np.ndarray:
        """Members whose target is healthy at each of ``times`` (HealthyHostCount of their
        target group, if the members are all its targets)."""
        came = np.searchsorted(self._healthy_from, times, side="right")
        return came - np.searchsorted(self._healthy_until, times, side="right")

    def history(self, member: int, at: float = np.inf) -> list[TaskTransition]:
        """Member ``member``'s ``Task.history`` as of ``at`` (by default as far as it has
        got): built when asked for, not kept."""
        column = self.entered[:, member]
        return [
            TaskTransition(float(t), state)
            for t, state in zip(column, LIFECYCLE, strict=True)
            if t <= at and t != np.inf
        ]
