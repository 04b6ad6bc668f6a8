"""The `request` fidelity: every request an event in SimPy, with exact accounting.

A ``RequestSimulation`` is one target group behind a load balancer: tasks of ``c``
servers each (a server of rate ``mu`` is a vCPU's worth of the workload), requests
routed by ALB's algorithms (``round_robin``, ``least_outstanding_requests``,
``weighted_random``), FIFO within a task. Each arrival is a SimPy timeout whose
callback routes the request and, because a task is a FIFO queue, fixes its start and
finish at once from the task's server free times (the Kiefer-Wolfowitz recursion):
no process, no resource and no object per request, and the outcome is exactly that of
an event-by-event simulation.

A request fails (5xx) if it would take longer than ``timeout``: a request still
queued at its deadline leaves the queue and uses no server time; one in service
keeps its server busy but is failed at the deadline, as a client behind ALB sees it.
A removed task takes no new requests (deregistration) and finishes those it holds
until ``deregistration_delay`` (ALB's default 300 s) has passed; any still in flight
then fail.

Randomness comes from three named World streams, ``traffic.<name>.arrivals``,
``.service`` and ``.routing``: two variants of a scenario with the same seed see the
same arrival times and the same service demands, whatever their task sizes.

Arrivals are a non-homogeneous Poisson process made by thinning against the arrival
model, one window at a time: candidates at the window's bound rate, each kept with
probability rate(t) / bound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from heapq import heappop, heappush, heapreplace
from typing import NamedTuple

import numpy as np
from simpy.events import Timeout

from simulator.core.world import World
from simulator.traffic.arrivals import ArrivalRate, rate_bound

ROUTING_ALGORITHMS = ("round_robin", "least_outstanding_requests", "weighted_random")
SERVICE_DISTRIBUTIONS = ("exponential", "deterministic", "lognormal")
DEFAULT_DEREGISTRATION_DELAY = 300.0  # ALB deregistration_delay.timeout_seconds
_RR, _LOR, _RANDOM = range(3)
_INF = math.inf


@dataclass(frozen=True)
class ServiceTime:
    """Distribution of a request's work, in units of its mean (mean 1)."""

    distribution: str = "exponential"
    cv: float = 1.0  # coefficient of variation; only lognormal's is free

    def __post_init__(self) -> None:
        fixed = {"exponential": 1.0, "deterministic": 0.0}
        if self.distribution not in SERVICE_DISTRIBUTIONS:
            raise ValueError(
                f"distribution: expected one of {SERVICE_DISTRIBUTIONS}, got {self.distribution!r}"
            )
        if self.distribution in fixed:
            object.__setattr__(self, "cv", fixed[self.distribution])
        elif not (self.cv > 0 and math.isfinite(self.cv)):
            raise ValueError(f"cv: expected a number > 0, got {self.cv!r}")

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self.distribution == "exponential":
            return rng.standard_exponential(n)
        if self.distribution == "deterministic":
            return np.ones(n)
        sigma2 = math.log1p(self.cv**2)
        return rng.lognormal(-sigma2 / 2.0, math.sqrt(sigma2), n)


class RequestCounters(NamedTuple):
    """At one time: arrivals == completed + failed + in_flight."""

    arrivals: int
    completed: int
    failed: int
    in_flight: int


@dataclass(frozen=True)
class RequestRecords:
    """One row per request (numpy arrays); times in seconds, ``task`` -1 for none."""

    arrival: np.ndarray
    task: np.ndarray
    start: np.ndarray  # inf: never started (left the queue, or no task)
    finish: np.ndarray  # end of service; inf when never started
    resolved: np.ndarray  # when the client got its answer: completion or failure
    completed: np.ndarray  # bool

    @property
    def latency(self) -> np.ndarray:
        return self.resolved - self.arrival

    @property
    def wait(self) -> np.ndarray:
        return self.start - self.arrival


class RequestSimulation:
    """A target group of tasks serving one arrival model, request by request.

    ``timeout``: seconds before a request fails (ALB answers 5xx). ``window``: seconds
    of arrivals thinned at a time, at most ``batch`` candidates each; they change
    which random numbers are drawn, not the arrival process's law, so keep them fixed
    across variants that should share arrivals.
    """

    def __init__(
        self,
        world: World,
        arrivals: ArrivalRate,
        *,
        name: str = "service",
        timeout: float = 30.0,
        routing: str = "round_robin",
        service_time: ServiceTime | None = None,
        deregistration_delay: float = DEFAULT_DEREGISTRATION_DELAY,
        window: float = 60.0,
        batch: int = 4096,
    ):
        if routing not in ROUTING_ALGORITHMS:
            raise ValueError(f"routing: expected one of {ROUTING_ALGORITHMS}, got {routing!r}")
        if not timeout > 0:
            raise ValueError(f"timeout: expected seconds > 0, got {timeout!r}")
        self.world = world
        self.env = world.env
        self.model = arrivals
        self.name = name
        self.timeout = float(timeout)
        self.routing = routing
        self.service_time = service_time if service_time is not None else ServiceTime()
        self.deregistration_delay = float(deregistration_delay)
        self.window = float(window)
        self.batch = int(batch)
        prefix = f"traffic.{name}"
        self._arrival_rng = world.rng(f"{prefix}.arrivals")
        self._service_rng = world.rng(f"{prefix}.service")
        self._routing_rng = world.rng(f"{prefix}.routing")
        self._routing = ROUTING_ALGORITHMS.index(routing)
        # tasks, by id
        self._servers: list[int] = []
        self._inv_rate: list[float] = []
        self._free: list[list[float]] = []  # heap of server free times per task
        self._outstanding: list[list[float]] = []  # heap of resolve times (LOR only)
        self._added: list[float] = []
        self._stopped: list[float] = []  # removal + deregistration delay; inf if active
        self._active: list[int] = []
        self._rr = 0
        # requests: rows [0, _n) are processed; arrival/demand are filled a window ahead
        size = 1024
        self._arrival = np.empty(size)
        self._demand = np.empty(size)
        self._task = np.empty(size, dtype=np.int32)
        self._start = np.empty(size)
        self._finish = np.empty(size)
        self._n = 0
        self._filled = 0
        self._mark = (0, -_INF)  # (first request busy at a time, that time): utilization
        self._horizon = world.now  # end of the last generated window
        self._times: list[float] = []  # current window, as Python floats for speed
        self._work: list[float] = []
        self._pick: list[float] = []
        self._pos = 0
        self._started = False

    # -- tasks -------------------------------------------------------------------------

    def add_task(self, servers: int = 1, rate: float = 1.0) -> int:
        """Register a task of ``servers`` servers of ``rate`` requests/s each; its id."""
        if servers < 1 or int(servers) != servers:
            raise ValueError(f"servers: expected an integer >= 1, got {servers!r}")
        if not rate > 0:
            raise ValueError(f"rate: expected requests/s > 0, got {rate!r}")
        now = self.world.now
        task = len(self._servers)
        self._servers.append(int(servers))
        self._inv_rate.append(1.0 / float(rate))
        self._free.append([now] * int(servers))
        self._outstanding.append([])
        self._added.append(now)
        self._stopped.append(_INF)
        self._active.append(task)
        return task

    def remove_task(self, task: int) -> None:
        """Deregister ``task``: no new requests; in flight ones get the delay to finish."""
        if task not in self._active:
            raise ValueError(f"task {task} is not registered (active: {self._active})")
        self._active.remove(task)
        self._stopped[task] = self.world.now + self.deregistration_delay

    @property
    def active_tasks(self) -> list[int]:
        return list(self._active)

    # -- the event chain ---------------------------------------------------------------

    def start(self) -> None:
        """Schedule the first arrival; the World's run drives the rest."""
        if self._started:
            raise RuntimeError(f"request simulation {self.name!r} already started")
        self._started = True
        self._horizon = self.world.now
        self._schedule_next()

    def _schedule_next(self) -> None:
        windows = 0
        while self._pos >= len(self._times):
            if windows == 64:  # a long quiet spell: look again later, one event per 64
                Timeout(self.env, self._horizon - self.env.now).callbacks.append(self._resume)
                return
            self._generate()
            windows += 1
        Timeout(self.env, max(0.0, self._times[self._pos] - self.env.now)).callbacks.append(
            self._arrive
        )

    def _resume(self, _event: object) -> None:
        self._schedule_next()

    def _generate(self) -> None:
        """Thin one window of candidates at the window's bound rate into arrivals."""
        t0 = self._horizon
        bound = rate_bound(self.model, t0, t0 + self.window)
        width = self.window
        if bound * width > self.batch:
            width = self.batch / bound
        self._horizon = t0 + width
        rng = self._arrival_rng
        n = int(rng.poisson(bound * width)) if bound > 0 else 0
        candidates = t0 + np.sort(rng.random(n)) * width
        rates = np.asarray(self.model.rate(candidates), dtype=float)
        if n and rates.max() > bound * (1 + 1e-12):
            raise ValueError(
                f"arrival model {self.model!r} exceeds its rate bound {bound:g}/s in "
                f"[{t0:g}, {t0 + width:g}] s; give it a max_rate(start, end) method"
            )
        times = candidates[rng.random(n) * bound < rates]
        m = times.size
        work = self.service_time.draw(self._service_rng, m)
        pick = self._routing_rng.random(m) if self._routing == _RANDOM else np.empty(0)
        self._reserve(self._filled + m)
        self._arrival[self._filled : self._filled + m] = times
        self._demand[self._filled : self._filled + m] = work
        self._filled += m
        self._times = times.tolist()
        self._work = work.tolist()
        self._pick = pick.tolist()
        self._pos = 0

    def _reserve(self, size: int) -> None:
        if size <= self._arrival.size:
            return
        new = max(size, 2 * self._arrival.size)
        for attr in ("_arrival", "_demand", "_task", "_start", "_finish"):
            old = getattr(self, attr)
            grown = np.empty(new, dtype=old.dtype)
            grown[: old.size] = old
            setattr(self, attr, grown)

    def _arrive(self, _event: object) -> None:
        pos = self._pos
        a = self._times[pos]
        i = self._n
        active = self._active
        n_active = len(active)
        start = finish = _INF
        if n_active == 0:
            k = -1  # no registered target: ALB answers 503 at once
        else:
            routing = self._routing
            if routing == _RR:
                k = active[self._rr % n_active]
                self._rr += 1
            elif routing == _LOR:
                k = self._least_outstanding(a, active)
            else:
                k = active[int(self._pick[pos] * n_active)]
            free = self._free[k]
            first = free[0]
            start = a if first <= a else first
            if start - a < self.timeout:
                finish = start + self._work[pos] * self._inv_rate[k]
                heapreplace(free, finish)
            else:
                start = _INF  # still queued at its deadline: leaves without service
            if routing == _LOR:
                deadline = a + self.timeout
                heappush(self._outstanding[k], finish if finish < deadline else deadline)
        self._task[i] = k
        self._start[i] = start
        self._finish[i] = finish
        self._n = i + 1
        self._pos = pos + 1
        if pos + 1 < len(self._times):
            Timeout(self.env, max(0.0, self._times[pos + 1] - self.env.now)).callbacks.append(
                self._arrive
            )
        else:
            self._schedule_next()

    def _finished_mark(self, since: float, hi: int) -> int:
        """The first request (below ``hi``) still busy at ``since``; every request before it
        was unserved or had finished by then. Kept between calls while ``since`` grows."""
        mark, at = self._mark
        if since < at:
            mark = 0
        if mark < hi:
            done = (self._finish[mark:hi] <= since) | ~(self._start[mark:hi] < _INF)
            busy = np.flatnonzero(~done)
            mark += int(busy[0]) if busy.size else hi - mark
        self._mark = (mark, since)
        return mark

    def _least_outstanding(self, now: float, active: list[int]) -> int:
        """ALB least_outstanding_requests; ties go round robin."""
        n = len(active)
        offset = self._rr % n
        self._rr += 1
        best, best_count = active[offset], _INF
        for j in range(n):
            k = active[(offset + j) % n]
            heap = self._outstanding[k]
            while heap and heap[0] <= now:
                heappop(heap)
            if len(heap) < best_count:
                best, best_count = k, len(heap)
        return best

    # -- results -----------------------------------------------------------------------

    def records(self, since: float = -_INF, until: float = _INF) -> RequestRecords:
        """Processed requests that arrived in [since, until).

        Arrivals are recorded in time order, so the window is found by bisection and only
        its requests are looked at (a tick's flush costs its own requests, not the run's)."""
        lo, hi = self._window(since, until)
        arrival = self._arrival[lo:hi]
        task = self._task[lo:hi]
        start = self._start[lo:hi]
        finish = self._finish[lo:hi]
        stopped = np.asarray([*self._stopped, _INF])[task]  # task -1 -> the last, inf
        deadline = np.minimum(arrival + self.timeout, stopped)
        completed = (finish <= deadline) & (task >= 0)
        resolved = np.where(completed, finish, np.where(task >= 0, deadline, arrival))
        return RequestRecords(
            arrival.copy(), task.copy(), start.copy(), finish.copy(), resolved, completed
        )

    def _window(self, since: float, until: float) -> tuple[int, int]:
        """Indices [lo, hi) of the processed requests that arrived in [since, until)."""
        arrival = self._arrival[: self._n]
        lo = int(np.searchsorted(arrival, since, side="left")) if since > -_INF else 0
        hi = int(np.searchsorted(arrival, until, side="left")) if until < _INF else self._n
        return lo, max(lo, hi)

    def counters(self, at: float | None = None) -> RequestCounters:
        """Arrivals, completed, failed and in flight at ``at`` (default: now)."""
        now = self.world.now
        t = now if at is None else float(at)
        if t > now:
            raise ValueError(f"at: expected a time <= now ({now:g} s), got {t:g}")
        r = self.records()
        arrived = r.arrival <= t
        done = r.resolved <= t
        return RequestCounters(
            int(np.count_nonzero(arrived)),
            int(np.count_nonzero(done & r.completed)),
            int(np.count_nonzero(done & ~r.completed)),
            int(np.count_nonzero(arrived & ~done)),
        )

    @property
    def arrivals(self) -> int:
        return self.counters().arrivals

    @property
    def completed(self) -> int:
        return self.counters().completed

    @property
    def failed(self) -> int:
        return self.counters().failed

    @property
    def in_flight(self) -> int:
        return self.counters().in_flight

    def latency_quantile(
        self, q: float | np.ndarray, since: float = -_INF, until: float = _INF
    ) -> np.ndarray:
        """Exact quantiles of the latency of requests completed among [since, until)."""
        r = self.records(since, until)
        latency = r.latency[r.completed & (r.resolved <= self.world.now)]
        if latency.size == 0:
            return np.full(np.shape(q), np.nan)
        return np.quantile(latency, q)

    def utilization(self, since: float, until: float) -> float:
        """Busy server-seconds over available server-seconds in [since, until).

        Only requests that can overlap the window are looked at: those that arrived before
        ``until``, from the first one not yet finished at ``since`` on (a mark that only
        moves forward, as ticks do)."""
        _, hi = self._window(-_INF, until)
        lo = self._finished_mark(since, hi)
        start_, finish_, task_ = self._start[lo:hi], self._finish[lo:hi], self._task[lo:hi]
        ok = np.isfinite(start_)
        stop = np.asarray(self._stopped)[task_[ok]]
        busy = np.minimum(np.minimum(finish_[ok], stop), until) - np.maximum(start_[ok], since)
        added = np.asarray(self._added)
        stopped = np.asarray(self._stopped)
        servers = np.asarray(self._servers, dtype=float)
        up = np.minimum(stopped, until) - np.maximum(added, since)
        available = float(np.sum(servers * np.maximum(up, 0.0)))
        return float(np.sum(np.maximum(busy, 0.0))) / available if available > 0 else math.nan
