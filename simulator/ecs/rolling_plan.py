"""A rolling deployment's decisions in closed form, from its tasks' drawn durations.

The replica scheduler (``EcsControlPlane._reconcile_replica``) decides at each instant
one of a service's tasks changes: it starts new tasks while the service stays within
maximumPercent, and stops old RUNNING tasks while the tasks RUNNING and healthy stay at or
above minimumHealthyPercent. When nothing else disturbs the deployment (every new task
places and starts, no task fails or is lost, the desired count holds, no other deployment
begins), those decisions depend only on when each new task becomes ready (RUNNING and
healthy in its target groups). Since a task draws its durations at launch from its
group's streams, the instants are known when the deployment begins, and the decisions can
be computed without visiting each task's events: the step a task cohort takes instead of
one event per member (docs/scale.md, "Task cohorts"). So can each task's history: a new
task's from its launch to RUNNING (``started_history``), a stopped one's from the stop to
STOPPED (``stopped_history``), or all of them at once as a cohort (``rolling_cohort``),
from the same arithmetic (``_start_instants``, ``_stop_instants``). Pure: no clock, no
control plane. ``tests/ecs/test_rolling_plan.py`` checks it against the scheduler,
decision for decision.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulator.ecs.cohort import LIFECYCLE, Cohort
from simulator.ecs.task import TaskTransition

ReadyAt = Callable[[int, float], float]
"""``ready(k, launched_at)``: when the k-th new task (0-based, in launch order),
launched at ``launched_at``, is first RUNNING and healthy (``ready_at``)."""


@dataclass
class RollingPlan:
    """What the scheduler does, in the order it does it.

    ``launched``: each new task's launch instant, in launch order; ``stopped``: the
    instant each old task is stopped (desiredStatus STOPPED), in the order the scheduler
    lists them (its deployments' tasks in launch order), as many as it stops; ``stalled``:
    the bounds let it neither start nor stop a task while old tasks remain
    (maximumPercent 100 with minimumHealthyPercent 100, say), as the scheduler would wait
    forever.
    """

    launched: list[float] = field(default_factory=list)
    stopped: list[float] = field(default_factory=list)
    stalled: bool = False


def plan_rolling(
    start: float, old: int, desired: int, low: int, high: int, ready_at: ReadyAt
) -> RollingPlan:
    """The decisions of a rolling deployment that begins at ``start`` with ``old`` tasks
    of earlier deployments, all RUNNING and healthy; ``low`` and ``high`` are
    ``deployment.rolling_bounds(desired, config)``: the fewest ready tasks and the most
    live ones. At each instant the scheduler reconciles until nothing changes (a stop
    frees room for a start in the same instant), as ``EcsControlPlane.settle`` does."""
    plan = RollingPlan()
    live_old, ready = old, 0
    pending: list[float] = []  # ready instants of launched tasks not yet ready (a heap)
    now = start
    while True:
        while True:  # one instant's reconciles
            changed = False
            n_new = len(plan.launched)
            want, room = desired - n_new, high - n_new - live_old
            if want > 0 and room > 0:
                for _ in range(min(want, room)):
                    heapq.heappush(pending, ready_at(len(plan.launched), now))
                    plan.launched.append(now)
                changed = True
            if live_old:
                can_stop = live_old if desired == 0 else live_old + ready - low
                if can_stop > 0:
                    n = min(can_stop, live_old)
                    plan.stopped.extend([now] * n)
                    live_old -= n
                    changed = True
            if not changed:
                break
        if not pending:
            plan.stalled = live_old > 0
            return plan
        now = heapq.heappop(pending)
        ready += 1
        while pending and pending[0] == now:  # ready at the same instant: one reconcile
            heapq.heappop(pending)
            ready += 1


def _start_instants(launched: Any, eni: Any, pull: Any, activation: Any) -> tuple[Any, ...]:
    """PROVISIONING, PENDING, ACTIVATING and RUNNING instants of new tasks, for one task
    (floats) or many (arrays) alike: PENDING once the ENI is attached (``eni`` None: at
    once, without awsvpc), ACTIVATING when the images are pulled, RUNNING when activated."""
    pending = launched + eni if eni is not None else launched
    activating = pending + pull
    return launched, pending, activating, activating + activation


def _stop_instants(
    stopped: Any, delay: float, graceful: Any, deprovisioning: Any
) -> tuple[Any, ...]:
    """DEACTIVATING, STOPPING, DEPROVISIONING and STOPPED instants of tasks the scheduler
    stops at ``stopped``, for one task or many alike: DEACTIVATING while the target drains
    (``delay``), STOPPING until the containers exit (``graceful``, already capped by
    stopTimeout), DEPROVISIONING for the deprovisioning drawn."""
    stopping = stopped + delay if delay > 0 else stopped
    deprovisioning_at = stopping + graceful
    return stopped, stopping, deprovisioning_at, deprovisioning_at + deprovisioning


def started_history(launched_at: float, draws: Mapping[str, float]) -> list[TaskTransition]:
    """A new task's history from its launch to RUNNING, from what it drew at launch
    (``EcsControlPlane._launch_durations``)."""
    instants = _start_instants(
        launched_at, draws.get("eni_attachment"), draws["image_pull"], draws["activation"]
    )
    return [TaskTransition(at, state) for at, state in zip(instants, LIFECYCLE[:4], strict=True)]


def ready_at(started: list[TaskTransition], health_wait: float) -> float:
    """When a started task counts for minimumHealthyPercent: RUNNING, and healthy in its
    target group, which is ``health_wait`` (registration, then HealthyThresholdCount - 1
    intervals) after it was registered on entering ACTIVATING."""
    activating, running = started[2].at, started[3].at
    return max(running, activating + health_wait)


def stopped_history(
    stopped_at: float,
    draws: Mapping[str, float],
    deregistration_delay: float,
    stop_timeout: float,
) -> list[TaskTransition]:
    """A RUNNING task's history from the scheduler's stop to STOPPED: DEACTIVATING while
    its target drains, STOPPING until its containers exit (the graceful stop it drew,
    capped by stopTimeout), DEPROVISIONING for the deprovisioning it drew."""
    instants = _stop_instants(
        stopped_at,
        deregistration_delay,
        min(draws["graceful_stop"], stop_timeout),
        draws["deprovisioning"],
    )
    return [TaskTransition(at, state) for at, state in zip(instants, LIFECYCLE[4:], strict=True)]


def rolling_cohort(
    plan: RollingPlan,
    new_draws: Mapping[str, np.ndarray],
    old_started: np.ndarray,
    old_draws: Mapping[str, np.ndarray],
    deregistration_delay: float,
    stop_timeout: float,
    health_wait: float = np.inf,
    old_healthy: np.ndarray | None = None,
) -> Cohort:
    """A deployment's tasks as one cohort, from arrays: the new tasks (``plan.launched``,
    each drawing ``new_draws[timing][k]``) first, then the old ones, whose first four
    state-entry instants are ``old_started`` (shape (4, old)) and the stopped ones among
    which stop at ``plan.stopped``. The same instants as ``started_history`` and
    ``stopped_history``, member for member (elementwise float64 arithmetic is Python's),
    without an object per member. ``health_wait``: from a new task's registration (on
    entering ACTIVATING) to its target's healthy state; ``old_healthy``: when each old
    task's target became healthy."""
    launched = np.asarray(plan.launched, dtype=float)
    n_new, n_old = len(launched), old_started.shape[1]
    entered = np.full((len(LIFECYCLE), n_new + n_old), np.inf)
    new = entered[:, :n_new]
    eni = new_draws.get("eni_attachment")
    new[:4] = _start_instants(
        launched,
        eni[:n_new] if eni is not None else None,
        new_draws["image_pull"][:n_new],
        new_draws["activation"][:n_new],
    )
    old = entered[:, n_new:]
    old[:4] = old_started
    stopped = np.asarray(plan.stopped, dtype=float)
    k = len(stopped)
    old[4:, :k] = _stop_instants(
        stopped,
        deregistration_delay,
        np.minimum(old_draws["graceful_stop"][:k], stop_timeout),
        old_draws["deprovisioning"][:k],
    )
    healthy = np.full(n_new + n_old, np.inf)
    healthy[:n_new] = new[2] + health_wait
    if old_healthy is not None:
        healthy[n_new:] = old_healthy
    return Cohort(entered, healthy)
