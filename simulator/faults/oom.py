"""OOM kills in continuous time: each task's memory follows its trajectory and the
kernel kills the container at the instant the trajectory reaches the hard limit.

A task's memory (``simulator.traffic.memory.MemoryModel``) is baseline + a share per
request in flight + a leak since the task started. Requests in flight come from the
load the task's target receives: below capacity, Little's law on the mean response
time at the flow model's effective capacity; above it, the busy servers plus a queue
that grows at the excess rate (a queued request waits at most the timeout). Within a
step the load is held and the trajectory is linear, so the kill instant is solved
exactly, not found at a sampling boundary; the step (``step_s``, 60 s by default) is
the model's own and independent of the scenario's ``tick``. A killed task's requests
in flight fail (the load balancer answers 502). The module lives in ``faults/``
because an OOM kill is a fault injected into ECS (``container_exited``); the memory
arithmetic stays pure in ``traffic/memory.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from simulator.ecs.task import CONTAINER_REASON_OOM, Task, TaskState
from simulator.traffic.memory import MemoryModel

if TYPE_CHECKING:
    from simulator.core.world import World
    from simulator.ecs.control import EcsCluster, EcsControlPlane

DEFAULT_STEP_S = 60.0


@dataclass(frozen=True)
class TaskLoad:
    """What one target of a service receives now and what it can do with it: arrivals
    and effective capacity (requests/s), its requests in flight when stable, its
    servers (vCPUs) and the request timeout."""

    rate: float
    capacity: float
    steady_in_flight: float
    servers: int
    timeout: float


LoadSource = Callable[[str, float], TaskLoad]
"""(service, now) -> the load on each of its routable targets."""

RevisionLeak = Callable[[Task, float], tuple[float, float]]
"""(task, now) -> (MiB its revision has leaked, MiB/s it leaks now)."""

Routable = Callable[[str, str], bool]
"""(service, task id) -> whether the task's target takes new requests."""


def in_flight_rate(load: TaskLoad) -> tuple[float, float]:
    """(requests in flight in the servers and their steady queue, excess arrivals per
    second over capacity: positive grows the overload queue, negative drains it)."""
    lam, cap = load.rate, load.capacity
    if cap <= 0:
        return 0.0, 0.0
    if lam < cap:
        return load.steady_in_flight, lam - cap
    return float(load.servers), lam - cap  # every server busy; the queue grows


@dataclass
class ServiceMemory:
    """One service's memory model, its tasks' hard limit and its fluid queue."""

    model: MemoryModel
    limit_mib: float
    queue: float = 0.0  # requests waiting per target past the servers (overload)
    kills: list[float] = field(default_factory=list)  # OOM kill times
    failed_in_flight: float = 0.0  # requests lost with killed tasks, not yet reported


def _started(task: Task, now: float) -> float:
    at = task.time_entered(TaskState.RUNNING)
    return now if at is None else at


class OomKiller:
    """Steps every service with a memory model and kills tasks at their limit."""

    def __init__(
        self,
        world: World,
        ecs: EcsControlPlane,
        cluster: EcsCluster,
        services: dict[str, ServiceMemory],
        load: LoadSource,
        routable: Routable,
        step_s: float = DEFAULT_STEP_S,
    ):
        self.world = world
        self.ecs = ecs
        self.cluster = cluster
        self.services = services
        self.load = load
        self.routable = routable
        self.step_s = step_s
        self._pending: set[str] = set()  # tasks with a kill scheduled in this step
        self.revision_leak: RevisionLeak | None = None
        """A bad revision's leak on top of the service's model (faults/revision.py)."""

    def start(self) -> None:
        if self.services:
            self.world.process(self._run())

    # ----------------------------------------------------------------- queries
    def usage(self, service: str, now: float) -> tuple[list[str], np.ndarray]:
        """(task ids, MiB used) of the service's RUNNING tasks at ``now``."""
        mem = self.services[service]
        ids, ages, flights = self._state(service, now)
        return ids, mem.model.usage(ages, flights) + self._leaks(ids, now)[0]

    def _leaks(self, ids: list[str], now: float) -> tuple[np.ndarray, np.ndarray]:
        """(MiB leaked, MiB/s) of each task's revision fault (zeros without one)."""
        if self.revision_leak is None:
            return np.zeros(len(ids)), np.zeros(len(ids))
        pairs = [self.revision_leak(self.cluster.tasks[t], now) for t in ids]
        return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])

    def utilization(self, service: str, now: float) -> float:
        """Mean MemoryUtilization (% of the task's memory) over its RUNNING tasks."""
        mem = self.services[service]
        ids, used = self.usage(service, now)
        if not ids:
            return float("nan")
        return float(np.mean(np.minimum(used, mem.limit_mib))) / mem.limit_mib * 100.0

    def take_failed(self, service: str) -> float:
        """Requests lost with OOM-killed tasks since the last call."""
        mem = self.services.get(service)
        if mem is None:
            return 0.0
        out, mem.failed_in_flight = mem.failed_in_flight, 0.0
        return out

    # ----------------------------------------------------------------- stepping
    def _run(self) -> Generator:
        while True:
            for name in sorted(self.services):
                self._step(name, self.world.now)
            yield self.world.env.timeout(self.step_s)

    def _running(self, service: str) -> list[str]:
        svc = self.cluster.services.get(service)
        if svc is None:
            return []
        tasks = self.cluster.tasks
        return sorted(
            t
            for t in svc.tasks
            if tasks[t].last_status is TaskState.RUNNING and tasks[t].desired_status == "RUNNING"
        )

    def _state(
        self, service: str, now: float, base: float | None = None
    ) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Ids, ages and requests in flight of the service's RUNNING tasks (``base``: the
        steady in-flight count per serving target, if the caller has it)."""
        mem = self.services[service]
        ids = self._running(service)
        tasks = self.cluster.tasks
        ages = np.array([now - _started(tasks[t], now) for t in ids])
        if base is None:
            base, _ = in_flight_rate(self.load(service, now))
        serving = np.array([self.routable(service, t) for t in ids], dtype=bool)
        flights = np.where(serving, base + mem.queue, 0.0) if ids else np.zeros(0)
        return ids, ages, flights

    def _step(self, service: str, now: float) -> None:
        """Solve each task's kill instant within [now, now + step) and schedule it."""
        mem = self.services[service]
        load = self.load(service, now)
        base, excess = in_flight_rate(load)
        # a queued request waits at most the timeout: the queue holds what the servers
        # finish within it
        cap = load.capacity * load.timeout
        ids, ages, flights = self._state(service, now, base)
        dt = self.step_s
        # the queue at the end of the step (for the next one), linear within it
        q_end = min(max(mem.queue + excess * dt, 0.0), cap)
        q_slope = (q_end - mem.queue) / dt
        if not ids:
            mem.queue = q_end
            return
        m = mem.model
        leaked, leak_rate = self._leaks(ids, now)
        used = m.usage(ages, flights) + leaked
        serving = flights > 0
        slope = (
            m.leak_mib_per_hour / 3600.0
            + leak_rate
            + np.where(serving, m.per_in_flight_mib * q_slope, 0.0)
        )
        headroom = mem.limit_mib - used
        with np.errstate(divide="ignore", invalid="ignore"):
            when = np.where(headroom <= 0, 0.0, np.where(slope > 0, headroom / slope, np.inf))
        later = base + mem.queue + q_slope * np.where(np.isfinite(when), when, 0.0)
        for task_id, t, in_flight in zip(ids, when, later, strict=True):
            if t < dt and task_id not in self._pending:
                self._pending.add(task_id)
                self._kill_at(service, task_id, float(t), float(in_flight))
        mem.queue = q_end

    def _kill_at(self, service: str, task_id: str, delay: float, in_flight: float) -> None:
        def kill() -> Generator:
            if delay > 0:
                yield self.world.env.timeout(delay)
            self._pending.discard(task_id)
            self._kill(service, task_id, in_flight)

        self.world.process(kill())

    def _kill(self, service: str, task_id: str, in_flight: float) -> None:
        task = self.cluster.tasks.get(task_id)
        if task is None or task.last_status is not TaskState.RUNNING:
            return
        if task.desired_status != "RUNNING":
            return
        mem = self.services[service]
        mem.kills.append(self.world.now)
        if self.routable(service, task_id):
            mem.failed_in_flight += in_flight
        self.world.emit("task.oom_killed", task_id, service=service)
        self.ecs.container_exited(self.cluster.name, task_id, CONTAINER_REASON_OOM)
