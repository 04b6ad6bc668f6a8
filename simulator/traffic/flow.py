"""The `flow` fidelity: per tick, every service's tasks as identical G/G/c queues.

A service's request rate is split evenly over its running tasks. A task of ``cpu``
units has ``c = max(1, cpu // 1024)`` servers whose total nominal rate is the task's
vCPU share times the workload's throughput per vCPU on that instance family; the
hyperthread effect (``service_model``) lowers it as the vCPUs fill, by default not at
all (``full_load_efficiency`` 1.0).

How requests reach tasks sets the queue (ALB's algorithm names):

- ``weighted_random`` (the default): each task sees a Poisson stream, M/M/c, exact.
- ``round_robin``: each task sees every N-th request, Erlang-N interarrival times;
  E_N/M/c solved exactly (``approx.erlang_arrivals_wait``).
- ``least_outstanding_requests``: join-the-shortest-queue, approximated. A request
  waits with the probability of the pooled queue of N c servers (Erlang C; the request
  fidelity measures less for JSQ), then for its own task to clear the K / N requests
  ahead of it when K wait in all (queues kept balanced): a geometric number of
  Exp(c mu) services, Exp(c mu (1 - rho^N)). Conservative: against the request
  fidelity at 50-90 % load (2 to 20 tasks), p50 up to 12 % high and p99 up to 7 %
  high. Not exact, so not among the shared scenarios of the flow-versus-request tests.

With arrival or service variability other than Poisson/exponential (``ca``, ``cs``
not 1), the wait is Allen-Cunneen's G/G/c approximation with the per-task arrival cv
the routing leaves (random splitting: 1 - 1/N + ca^2/N; round robin: ca^2/N).

``evaluate`` is stateless: offered load above capacity fails at once. ``step`` carries
a backlog from tick to tick (``FlowState``): overload grows a queue, requests that
would wait past the timeout fail, and the queue drains when the load falls.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike

from simulator.traffic import approx
from simulator.traffic.service_model import DEFAULT_KNEE, EffectiveCapacity, effective_capacity

ROUTING_ALGORITHMS = ("weighted_random", "round_robin", "least_outstanding_requests")
NEGLIGIBLE = 1e-12  # timeout probabilities below this are reported as no failures


@dataclass(frozen=True)
class TaskModel:
    """Per-service arrays: servers per task, each server's nominal rate, timeouts, and
    the optional variability, routing and hyperthread parameters (scalars broadcast)."""

    servers: np.ndarray  # int, per service
    server_rate: np.ndarray  # float, per service: nominal (low-load) requests/s
    timeout: np.ndarray  # seconds, per service
    # optional, scalars or per-service; arrays after construction
    ca: np.ndarray | float = 1.0  # cv of the service's arrival process
    cs: np.ndarray | float = 1.0  # cv of service times
    routing: np.ndarray | str = "weighted_random"  # ALB's algorithm
    knee: np.ndarray | float = DEFAULT_KNEE  # busy fraction where hyperthreads start to share
    full_load_efficiency: np.ndarray | float = 1.0  # per-vCPU throughput kept at full load

    def __post_init__(self) -> None:
        shape = np.shape(self.servers)
        for name in ("ca", "cs", "knee", "full_load_efficiency"):
            value = np.broadcast_to(np.asarray(getattr(self, name), dtype=float), shape).copy()
            object.__setattr__(self, name, value)
        given = np.asarray(self.routing, dtype=object)  # checked before it is broadcast
        unknown = sorted({str(r) for r in given.ravel()} - set(ROUTING_ALGORITHMS))
        routing = np.broadcast_to(given, shape).copy()
        if unknown:
            raise ValueError(f"routing: expected one of {ROUTING_ALGORITHMS}, got {unknown}")
        object.__setattr__(self, "routing", routing)
        if np.any(self.ca < 0) or np.any(self.cs < 0):
            raise ValueError("ca, cs: expected coefficients of variation >= 0")
        if np.any((self.knee < 0) | (self.knee >= 1)):
            raise ValueError("knee: expected busy fractions in [0, 1)")
        if np.any((self.full_load_efficiency <= 0) | (self.full_load_efficiency > 1)):
            raise ValueError("full_load_efficiency: expected fractions in (0, 1]")

    @classmethod
    def build(
        cls,
        cpu_units: ArrayLike,
        rps_per_vcpu: ArrayLike,
        timeouts: ArrayLike,
        *,
        ca: ArrayLike = 1.0,
        cs: ArrayLike = 1.0,
        routing: str | ArrayLike = "weighted_random",
        knee: ArrayLike = DEFAULT_KNEE,
        full_load_efficiency: ArrayLike = 1.0,
    ) -> TaskModel:
        cpu = np.asarray(cpu_units, dtype=float)
        servers = np.maximum(1, (cpu // 1024)).astype(np.int64)
        capacity = cpu / 1024.0 * np.asarray(rps_per_vcpu, dtype=float)
        return cls(
            servers,
            capacity / servers,
            np.asarray(timeouts, dtype=float),
            np.asarray(ca, dtype=float),
            np.asarray(cs, dtype=float),
            np.asarray(routing, dtype=object),
            np.asarray(knee, dtype=float),
            np.asarray(full_load_efficiency, dtype=float),
        )

    @property
    def task_capacity(self) -> np.ndarray:
        """Nominal requests/s per task (before the hyperthread effect)."""
        return self.servers * self.server_rate


@dataclass(frozen=True)
class _Queue:
    """The steady-state queue of every (tick, service), flattened."""

    shape: tuple[int, ...]
    tasks: np.ndarray
    offered: np.ndarray
    capacity: np.ndarray  # effective, per task, at this load
    saturated_capacity: np.ndarray  # per task with every vCPU busy
    utilization: np.ndarray  # busy fraction at the stable operating point
    stable: np.ndarray
    timeout: np.ndarray
    mean: np.ndarray  # response times, inf when unstable
    p50: np.ndarray
    p90: np.ndarray
    p99: np.ndarray
    p_timeout: np.ndarray  # P(response > timeout), 0 when negligible


def _per_service(model: TaskModel, shape: tuple[int, ...]) -> dict[str, np.ndarray]:
    names = ("servers", "server_rate", "timeout", "ca", "cs", "knee", "full_load_efficiency")
    out = {n: np.broadcast_to(getattr(model, n), shape).ravel() for n in names}
    out["routing"] = np.broadcast_to(model.routing, shape).ravel()
    return out


@dataclass(frozen=True)
class _Load:
    """Offered load over tasks and the tasks' effective capacity, flattened."""

    shape: tuple[int, ...]
    lam: np.ndarray
    n: np.ndarray
    p: dict[str, np.ndarray]
    servers: np.ndarray
    nominal: np.ndarray
    per_task: np.ndarray
    cap: EffectiveCapacity


def _load(model: TaskModel, offered: np.ndarray, tasks: np.ndarray) -> _Load:
    shape = np.broadcast_shapes(np.shape(offered), np.shape(tasks), np.shape(model.servers))
    lam = np.broadcast_to(offered, shape).astype(float).ravel()
    n = np.broadcast_to(tasks, shape).astype(float).ravel()
    p = _per_service(model, shape)
    servers = p["servers"].astype(float)
    nominal = servers * p["server_rate"]
    with np.errstate(divide="ignore", invalid="ignore"):
        per_task = np.where(n > 0, lam / n, 0.0)
    cap = effective_capacity(per_task, nominal, p["knee"], p["full_load_efficiency"])
    return _Load(shape, lam, n, p, servers, nominal, per_task, cap)


def _busy_fraction(offered: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Busy fraction of ``capacity`` (all tasks' requests/s) at ``offered`` requests/s."""
    busy = np.minimum(offered, capacity)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(capacity > 0, busy / capacity, 0.0)


def utilization(model: TaskModel, offered: np.ndarray, tasks: np.ndarray) -> np.ndarray:
    """``evaluate``'s utilization alone (the same operations, no queueing solved): what
    a reader of CPU alone needs of a tick below capacity."""
    load = _load(model, np.asarray(offered, dtype=float), np.asarray(tasks, dtype=float))
    return _busy_fraction(load.lam, load.n * load.cap.capacity).reshape(load.shape)


def _queue(model: TaskModel, offered: np.ndarray, tasks: np.ndarray) -> _Queue:
    load = _load(model, offered, tasks)
    shape, lam, n, p, servers = load.shape, load.lam, load.n, load.p, load.servers
    nominal, per_task, cap = load.nominal, load.per_task, load.cap
    saturated_capacity = nominal * p["full_load_efficiency"]
    stable = ~cap.saturated & (n > 0)
    mu = cap.capacity / servers
    routing = p["routing"]
    pooled = routing == "least_outstanding_requests"
    # the queue a request joins: one task, or the pooled tasks under LOR
    c_q = np.where(pooled, servers * np.maximum(n, 1.0), servers)
    lam_q = np.where(stable, np.where(pooled, lam, per_task), 0.0)
    wait = _wait(c_q, lam_q, mu, n, p["ca"], p["cs"], routing, stable)
    cs = p["cs"]
    mean = np.where(stable, approx.response_mean(wait, mu), np.inf)
    # one Newton solve for every percentile: p90 from the same distribution as p50, p99
    p50, p90, p99 = approx.response_quantiles((0.50, 0.90, 0.99), wait, mu, cs)
    p_timeout = np.where(stable, approx.response_tail(p["timeout"], wait, mu, cs), 1.0)
    p_timeout = np.where(p_timeout < NEGLIGIBLE, 0.0, p_timeout)
    return _Queue(
        shape,
        n,
        lam,
        cap.capacity,
        saturated_capacity,
        cap.utilization,
        stable,
        p["timeout"],
        mean,
        p50,
        p90,
        p99,
        p_timeout,
    )


def _wait(
    c: np.ndarray,
    lam: np.ndarray,
    mu: np.ndarray,
    tasks: np.ndarray,
    ca: np.ndarray,
    cs: np.ndarray,
    routing: np.ndarray,
    stable: np.ndarray,
) -> approx.WaitTail:
    """The wait each queue's requests see, by the most exact method that applies."""
    n = np.maximum(np.round(tasks), 1.0)
    markov = (ca == 1.0) & (cs == 1.0)
    rr_exact = markov & (routing == "round_robin") & stable
    general = ~markov & stable
    # Poisson into every queue (weighted_random, or pooled LOR): exact M/M/c
    tail = approx.mmc_wait(c, lam, np.where(stable, mu, 1.0))
    pw, decay = tail.probability.copy(), tail.decay.copy()
    if np.any(rr_exact):
        i = np.nonzero(rr_exact)
        t = approx.erlang_arrivals_wait(c[i], lam[i], mu[i], n[i])
        pw[i], decay[i] = t.probability, t.decay
    if np.any(general):
        i = np.nonzero(general)
        ca2 = ca[i] ** 2
        split = np.where(
            routing[i] == "round_robin",
            ca2 / n[i],
            np.where(routing[i] == "weighted_random", 1.0 - 1.0 / n[i] + ca2 / n[i], ca2),
        )
        t = approx.ggc_wait(c[i], lam[i], mu[i], np.sqrt(split), cs[i])
        pw[i], decay[i] = t.probability, t.decay
    # LOR: the pooled queue's probability of waiting, then one task's balanced queue
    if np.any(pooled := (routing == "least_outstanding_requests") & stable):
        i = np.nonzero(pooled)
        rho = lam[i] / (c[i] * mu[i])
        decay[i] = decay[i] * _balanced_ratio(rho, n[i])
    return approx.WaitTail(np.where(stable, pw, 1.0), np.where(stable, decay, 0.0))


def _balanced_ratio(rho: np.ndarray, n: np.ndarray) -> np.ndarray:
    """(1 - rho^N) / (N (1 - rho)): one task's wait decay over the pooled queue's."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = -np.expm1(n * np.log(rho)) / (n * (1.0 - rho))
    return np.where(rho > 0, ratio, 1.0 / n)


@dataclass(frozen=True)
class FlowResult:
    """Per service, for one tick: rates in requests/s, latencies in seconds."""

    offered: np.ndarray
    served: np.ndarray
    failed: np.ndarray
    utilization: np.ndarray  # busy fraction of the service's task capacity, 0..1
    latency_mean: np.ndarray
    latency_p50: np.ndarray
    latency_p90: np.ndarray
    latency_p99: np.ndarray


def evaluate(model: TaskModel, offered: np.ndarray, tasks: np.ndarray) -> FlowResult:
    """Steady-state outcome of ``offered`` requests/s over ``tasks`` running tasks each.

    Above capacity a task serves its capacity and the excess fails; below it, the
    requests whose response time would pass the timeout fail. A latency is never
    reported above the timeout that would have failed the request; an overloaded
    service reports the timeout, one without tasks NaN.
    """
    q = _queue(model, np.asarray(offered, dtype=float), np.asarray(tasks, dtype=float))
    capacity = q.tasks * q.capacity  # saturated tasks: their full-load capacity
    busy = np.minimum(q.offered, capacity)
    failed = q.offered - busy + np.where(q.stable, q.offered * q.p_timeout, 0.0)
    shape = q.shape
    return FlowResult(
        offered=q.offered.reshape(shape),
        served=(q.offered - failed).reshape(shape),
        failed=failed.reshape(shape),
        utilization=_busy_fraction(q.offered, capacity).reshape(shape),
        latency_mean=_report(q.mean, q).reshape(shape),
        latency_p50=_report(q.p50, q).reshape(shape),
        latency_p90=_report(q.p90, q).reshape(shape),
        latency_p99=_report(q.p99, q).reshape(shape),
    )


def _report(latency: np.ndarray, q: _Queue, extra: np.ndarray | float = 0.0) -> np.ndarray:
    capped = np.minimum(latency + extra, q.timeout)
    return np.where(q.tasks > 0, np.where(q.stable, capped, q.timeout), np.nan)


@dataclass(frozen=True)
class FlowState:
    """The backlog carried between ticks: requests queued beyond the steady state."""

    model: TaskModel
    backlog: np.ndarray

    @classmethod
    def empty(cls, model: TaskModel) -> FlowState:
        return cls(model, np.zeros(np.shape(model.servers)))


@dataclass(frozen=True)
class StepResult:
    """Per service, over one step of ``dt`` seconds: counts of requests, latencies in s.

    Conservation: arrivals == completed + failed + (state.backlog - previous backlog).
    """

    state: FlowState
    arrivals: np.ndarray
    completed: np.ndarray
    failed: np.ndarray
    backlog: np.ndarray
    utilization: np.ndarray
    latency_mean: np.ndarray
    latency_p50: np.ndarray
    latency_p99: np.ndarray


def step(state: FlowState, offered: ArrayLike, tasks: ArrayLike, dt: float) -> StepResult:
    """Advance every service by ``dt`` seconds at ``offered`` requests/s on ``tasks`` tasks.

    A fluid queue on top of the steady-state one. While a backlog exists, or the load
    is above what the tasks can sustain, they work at their saturated capacity K and
    the backlog B moves linearly at (offered - K); B never exceeds K * timeout, since
    a request behind more than that would wait past its timeout, so the overflow (and,
    if the tasks shrank, the part of B above the new limit) fails. Without a backlog,
    the steady-state queue's share of requests slower than the timeout fails.

    Latency: a request arriving at t waits B(t) / K for the backlog ahead of it; the
    step's quantiles of that wait (B is monotone within a step) are added to the
    steady-state response quantiles. A saturated step reports the timeout.
    """
    model = state.model
    q = _queue(model, np.asarray(offered, dtype=float), np.asarray(tasks, dtype=float))
    b0 = np.broadcast_to(state.backlog, q.shape).astype(float).ravel()
    lam = q.offered
    arrivals = lam * dt
    busy = (b0 > 0) | ~q.stable
    k = q.tasks * np.where(busy, q.saturated_capacity, q.capacity)
    limit = k * q.timeout
    dropped = np.maximum(b0 - limit, 0.0)
    start = b0 - dropped
    unclipped = start + (lam - k) * dt
    overflow = np.maximum(unclipped - limit, 0.0)
    b1 = np.clip(unclipped, 0.0, limit)
    completed = start + arrivals - b1 - overflow
    timed_out = np.where(q.stable, completed * q.p_timeout, 0.0)
    failed = dropped + overflow + timed_out
    completed = completed - timed_out
    with np.errstate(divide="ignore", invalid="ignore"):
        utilization = np.where(k > 0, np.minimum((completed + timed_out) / (k * dt), 1.0), 0.0)
        utilization = np.where(busy, utilization, np.where(q.tasks > 0, q.utilization, 0.0))
        slope = lam - k
        mean_wait = np.where(k > 0, _mean_clipped(start, slope, limit, dt) / k, 0.0)
        wait50 = np.where(k > 0, _backlog_at_quantile(0.50, start, slope, limit, dt) / k, 0.0)
        wait99 = np.where(k > 0, _backlog_at_quantile(0.99, start, slope, limit, dt) / k, 0.0)
    out = [
        arrivals,
        completed,
        failed,
        b1,
        utilization,
        _report(q.mean, q, mean_wait),
        _report(q.p50, q, wait50),
        _report(q.p99, q, wait99),
    ]
    out = [x.reshape(q.shape) for x in out]
    new_state = replace(state, backlog=out[3])
    return StepResult(new_state, *out)


def _backlog_at_quantile(
    q: float, b0: np.ndarray, slope: np.ndarray, limit: np.ndarray, dt: float
) -> np.ndarray:
    """The q-quantile over a step's arrivals of the backlog B(t) they find.

    B(t) = clip(b0 + slope t, 0, limit) is monotone, and arrivals are uniform in time,
    so the quantile is B at q dt (B rising) or at (1 - q) dt (B falling).
    """
    at = np.where(slope >= 0, q, 1.0 - q) * dt
    return np.clip(b0 + slope * at, 0.0, limit)


def _mean_clipped(b0: np.ndarray, slope: np.ndarray, limit: np.ndarray, dt: float) -> np.ndarray:
    """Time average of clip(b0 + slope t, 0, limit) over [0, dt], b0 within [0, limit]."""
    with np.errstate(divide="ignore", invalid="ignore"):
        # time until the line reaches the bound it is heading to
        reach = np.where(slope > 0, (limit - b0) / slope, np.where(slope < 0, b0 / -slope, np.inf))
    tau = np.clip(reach, 0.0, dt)  # then it stays at that bound
    end = np.where(slope > 0, limit, 0.0)
    return ((b0 + 0.5 * slope * tau) * tau + end * (dt - tau)) / dt
