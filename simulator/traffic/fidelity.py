"""The two traffic fidelities behind one interface, as a scenario uses them.

Both are told when an ECS task of a service starts RUNNING (with its capacity) and when
it stops taking requests, and both turn a block of ticks into per-service metrics named
as CloudWatch names them for an ALB target group and Container Insights:
RequestCount, HTTPCode_Target_2XX_Count, HTTPCode_Target_5XX_Count,
TargetResponseTime (seconds; p50/p90/p99 and mean), CPUUtilization (%), and the
requests in flight per task (for the memory model).

- ``FlowTraffic``: per tick, each service's rate split evenly over its running tasks,
  the queueing outcome from the flow model's formulas, evaluated per block, vectorised.
- ``RequestTraffic``: every request an event (``RequestSimulation``); per-tick metrics
  are exact statistics of the requests that arrived in each tick.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from simulator.core.world import World
from simulator.faults.revision import RevisionFaults
from simulator.traffic import flow
from simulator.traffic.arrivals import ArrivalRate, Scaled
from simulator.traffic.request import RequestSimulation

METRICS = (
    "RequestRate",
    "RequestCount",
    "HTTPCode_Target_2XX_Count",
    "HTTPCode_Target_5XX_Count",
    "HTTPCode_ELB_503_Count",
    "TargetResponseTime.mean",
    "TargetResponseTime.p50",
    "TargetResponseTime.p90",
    "TargetResponseTime.p99",
    "CPUUtilization",
    "InFlightPerTask",
    "BacklogRequests",
)
LATENCY_METRICS = tuple(m for m in METRICS if m.startswith("TargetResponseTime."))


@dataclass
class ServiceTraffic:
    """What the traffic model needs to know of one service."""

    name: str
    cpu: int  # task CPU units
    timeout: float
    arrivals: ArrivalRate | None
    share: float = 1.0
    """Request fidelity: the group's share of ``arrivals`` (its listener's requests that
    its request classes route to it), fixed for the run."""


def _servers(cpu: int) -> int:
    return max(1, cpu // 1024)


class FlowTraffic:
    """The flow fidelity: one column per target group; its state is averaged over each
    tick, outcomes are computed per block of ticks.

    With a ``clock`` (the World's time), target changes inside a tick are weighted by
    the time they held: a target lost half-way through a tick gives half a tick of
    capacity, and a group without a target for part of a tick answers that part's
    requests with the load balancer's 503 (HTTPCode_ELB_503_Count). Without a clock
    each tick sees the targets present when it opened.
    """

    def __init__(
        self,
        services: list[ServiceTraffic],
        tick: float,
        clock: Callable[[], float] | None = None,
        **model_options,
    ):
        self.services = services
        self.tick = tick
        self.clock = clock
        self.model_options = model_options
        self._index = {s.name: j for j, s in enumerate(services)}
        self._running: dict[str, dict[str, float]] = {s.name: {} for s in services}
        n = len(services)
        self._rate_sum = np.zeros(n)  # sum of the routable targets' requests/s per vCPU
        self._counts = np.zeros(n)  # routable targets per column
        self._share = np.ones(n)  # this group's share of its listener's requests
        self._since = np.zeros(n)
        self._count_s = np.zeros(n)  # target-seconds in the open tick
        self._rate_s = np.zeros(n)  # (rate x targets)-seconds
        self._empty_s = np.zeros(n)  # seconds without a routable target
        self._share_s = np.zeros(n)
        self._open_at: float | None = None
        self._changed = True  # a target or share changed since the last closed tick
        self._last: tuple | None = None  # that tick's averages, while nothing changes
        self._backlog = np.zeros(n)  # requests queued past the steady state
        self.faults: RevisionFaults | None = None  # bad revisions (faults/revision.py)
        self._reset()

    def task_running(self, service: str, task_id: str, rps_per_vcpu: float) -> None:
        """``task_id`` takes new requests of group ``service`` from now."""
        j = self._index[service]
        self._accrue(j)
        if self.faults is not None:
            revision = self.faults.task_running(service, task_id)
            if self.faults.faults:
                rps_per_vcpu *= self.faults.capacity_factor(revision)
        per = self._running[service]
        self._rate_sum[j] += rps_per_vcpu - per.get(task_id, 0.0)
        per[task_id] = rps_per_vcpu
        self._counts[j] = len(per)

    def task_stopping(self, service: str, task_id: str) -> None:
        """``task_id`` takes no new requests of group ``service`` from now."""
        j = self._index[service]
        per = self._running[service]
        if task_id not in per:
            return
        self._accrue(j)
        if self.faults is not None:
            self.faults.task_stopping(service, task_id)
        self._rate_sum[j] -= per.pop(task_id)
        self._counts[j] = len(per)
        if not per:
            self._rate_sum[j] = 0.0  # no drift from float sums

    def set_share(self, service: str, share: float) -> None:
        """The fraction of its listener's requests group ``service`` receives from now."""
        j = self._index[service]
        self._accrue(j)
        self._share[j] = share
        if self.faults is not None:
            self.faults.set_share(service, share)

    def running(self) -> list[int]:
        return [len(self._running[s.name]) for s in self.services]

    def _accrue(self, j: int) -> None:
        """Add column ``j``'s state since its last change to the open tick's sums."""
        if not self._changed:
            self._changed = True
            if self._open_at is not None:  # the tick's first change: start its sums now
                self._start_sums(self._open_at)
        if self.clock is not None and self._open_at is not None:
            self._accrue_to(j, self.clock())

    def _start_sums(self, at: float) -> None:
        """The open tick's time-weighted sums start empty at ``at``."""
        self._since[:] = at
        for a in (self._count_s, self._rate_s, self._empty_s, self._share_s):
            a[:] = 0.0

    def open(self, now: float) -> None:
        """Start the tick that begins at ``now`` (its sums start at its first change)."""
        self._open_at = now
        if self._changed:  # changes came between ticks: start the sums at once
            self._start_sums(now)
        if self.clock is None:  # the tick sees the state at its start
            self._snapshot = (self._counts.copy(), self._rate_sum.copy(), self._share.copy())

    def close(self, now: float) -> None:
        """End the open tick at ``now`` and keep its averaged state."""
        start = self._open_at
        if start is None:
            return
        self._open_at = None
        length = now - start
        if not self._changed and self._last is not None and length == self._last[0]:
            # nothing changed since the last full tick: the same averages (the common case)
            self._times.append(start)
            self._lengths.append(length)
            for rows, value in zip(
                (self._tasks, self._rates, self._up, self._shares), self._last[1:], strict=True
            ):
                rows.append(value)
            return
        if not self._changed:  # the whole tick in one state: its sums are that state's
            self._start_sums(start)
        if self.clock is None:
            counts, rate_sum, share = self._snapshot
            up = (counts > 0).astype(float)
            tasks = counts
            rates = np.divide(rate_sum, counts, out=np.full(counts.shape, np.nan), where=counts > 0)
        else:
            dt = now - self._since  # every column, since its last change
            counts = self._counts
            self._count_s += counts * dt
            self._rate_s += self._rate_sum * dt
            self._empty_s += np.where(counts == 0, dt, 0.0)
            self._share_s += self._share * dt
            self._since[:] = now
            busy = length - self._empty_s
            n = len(self.services)
            if length > 0:
                up = busy / length
                share = self._share_s / length
            else:
                up, share = np.zeros(n), self._share.copy()
            tasks = np.divide(self._count_s, busy, out=np.zeros(n), where=busy > 0)
            rates = np.divide(
                self._rate_s, self._count_s, out=np.full(n, np.nan), where=self._count_s > 0
            )
        self._times.append(start)
        self._lengths.append(length)
        self._tasks.append(tasks)
        self._rates.append(rates)
        self._up.append(up)
        self._shares.append(share)
        # a tick without changes that followed one without changes repeats it
        self._last = (length, tasks, rates, up, share) if not self._changed else None
        self._changed = False

    def _accrue_to(self, j: int, now: float) -> None:
        dt = now - self._since[j]
        if dt > 0:
            n = self._counts[j]
            self._count_s[j] += n * dt
            self._rate_s[j] += self._rate_sum[j] * dt
            if n == 0:
                self._empty_s[j] += dt
            self._share_s[j] += self._share[j] * dt
        self._since[j] = now

    def sample(self, now: float) -> None:
        """Close the tick before ``now`` (if one is open) and open the one at ``now``."""
        self.close(now)
        self.open(now)

    def closed_ticks(self) -> int:
        return len(self._times)

    def flush(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """(times, metric -> array of shape (ticks, groups)) for the closed ticks (without
        a clock, an open tick is closed one tick after it opened)."""
        if self.clock is None and self._open_at is not None:
            self.close(self._open_at + self.tick)
        times, lengths, arriving, offered, tasks, rates, cpu, timeouts = self._inputs()
        shape = arriving.shape
        model = flow.TaskModel.build(cpu, rates, timeouts, **self.model_options)
        r = flow.evaluate(model, offered, tasks)
        t = lengths
        out = {
            "RequestRate": arriving,
            "RequestCount": r.offered * t,
            "HTTPCode_Target_2XX_Count": r.served * t,
            "HTTPCode_Target_5XX_Count": r.failed * t,
            "HTTPCode_ELB_503_Count": (arriving - offered) * t,
            "TargetResponseTime.mean": r.latency_mean,
            "TargetResponseTime.p50": r.latency_p50,
            "TargetResponseTime.p90": r.latency_p90,
            "TargetResponseTime.p99": r.latency_p99,
            "CPUUtilization": r.utilization * 100.0,
            "BacklogRequests": np.zeros(shape),
        }
        self._carry_backlog(offered, tasks, rates, cpu, timeouts, lengths[:, 0], out)
        with np.errstate(divide="ignore", invalid="ignore"):
            served = np.where(t > 0, out["HTTPCode_Target_2XX_Count"] / t, 0.0)
            per_task = np.where(tasks > 0, served / tasks, 0.0)
        out["InFlightPerTask"] = per_task * np.nan_to_num(out["TargetResponseTime.mean"])
        if self.faults is not None:
            self.faults.apply_flow([s.name for s in self.services], times, lengths, out)
        self._reset()
        return times, out

    def _inputs(self, first: int = 0) -> tuple[np.ndarray, ...]:
        """The closed ticks' (from the ``first``) (times, lengths as a column, arriving,
        offered, tasks, rates, cpu, timeouts), each (ticks, services) but the first two."""
        times = np.array(self._times[first:])
        shape = (len(times), len(self.services))
        lengths = np.array(self._lengths[first:], dtype=float).reshape(-1, 1)
        arriving = np.zeros(shape)
        for j, s in enumerate(self.services):
            if s.arrivals is not None:
                arriving[:, j] = s.arrivals.rate(times)
        shares = np.array(self._shares[first:], dtype=float).reshape(shape)
        up = np.array(self._up[first:], dtype=float).reshape(shape)
        arriving = arriving * shares
        offered = arriving * up  # the part of the tick some target took requests
        tasks = np.array(self._tasks[first:], dtype=float).reshape(shape)
        rates = np.array(self._rates[first:], dtype=float).reshape(shape)
        rates = np.where(np.isnan(rates), 1.0, rates)  # no task: capacity irrelevant
        cpu = np.broadcast_to([s.cpu for s in self.services], shape)
        timeouts = np.broadcast_to([s.timeout for s in self.services], shape)
        return times, lengths, arriving, offered, tasks, rates, cpu, timeouts

    def peek_cpu(self, first: int = 0) -> np.ndarray | None:
        """CPUUtilization (%) of the closed ticks ``flush`` has not taken (from the
        ``first``), without taking them: the values ``flush`` will give (the same
        operations), computed without the queueing, for a reader of CPU alone. None where
        ``flush`` would change them: a backlog carried in, or a tick at or above capacity
        (the sequential model from there on; a caller peeks each tick as it closes, so
        the ticks before ``first`` were below), or no such tick."""
        if self.clock is None or len(self._times) <= first or self._backlog.any():
            return None
        _, _, _, offered, tasks, rates, cpu, timeouts = self._inputs(first)
        if _overloaded(offered, tasks, rates, cpu).any():
            return None
        model = flow.TaskModel.build(cpu, rates, timeouts, **self.model_options)
        return flow.utilization(model, offered, tasks) * 100.0

    def _carry_backlog(self, offered, tasks, rates, cpu, timeouts, lengths, out) -> None:
        """Overload queues requests instead of failing them at once: from the first tick
        that is overloaded (or starts with a backlog), ticks are stepped in order with
        the fluid backlog model (``flow.step``), which grows the backlog, fails what
        would wait past the timeout, and drains it when load falls. Other ticks keep
        the vectorised steady-state outcome."""
        overloaded = _overloaded(offered, tasks, rates, cpu)
        rows = np.flatnonzero(overloaded.any(axis=1))
        if not rows.size and not self._backlog.any():
            return
        first = 0 if self._backlog.any() else int(rows[0])
        backlog = self._backlog
        for i in range(first, offered.shape[0]):
            # only services with a backlog or an overload need the sequential model; the
            # others keep their steady-state outcome
            cols = np.flatnonzero((backlog > 0) | overloaded[i])
            if not cols.size:
                continue
            model = flow.TaskModel.build(
                cpu[i, cols], rates[i, cols], timeouts[i, cols], **self.model_options
            )
            res = flow.step(
                flow.FlowState(model, backlog[cols]), offered[i, cols], tasks[i, cols], lengths[i]
            )
            backlog = backlog.copy()
            backlog[cols] = res.backlog
            out["RequestCount"][i, cols] = res.arrivals
            out["HTTPCode_Target_2XX_Count"][i, cols] = res.completed
            out["HTTPCode_Target_5XX_Count"][i, cols] = res.failed
            out["TargetResponseTime.mean"][i, cols] = res.latency_mean
            spread = out["TargetResponseTime.p90"][i, cols] - out["TargetResponseTime.p50"][i, cols]
            out["TargetResponseTime.p50"][i, cols] = res.latency_p50
            out["TargetResponseTime.p90"][i, cols] = np.minimum(
                res.latency_p50 + np.nan_to_num(spread), res.latency_p99
            )
            out["TargetResponseTime.p99"][i, cols] = res.latency_p99
            out["CPUUtilization"][i, cols] = res.utilization * 100.0
            out["BacklogRequests"][i] = backlog
        self._backlog = backlog

    def _reset(self) -> None:
        self._times: list[float] = []
        self._lengths: list[float] = []
        self._tasks: list[np.ndarray] = []
        self._rates: list[np.ndarray] = []
        self._up: list[np.ndarray] = []
        self._shares: list[np.ndarray] = []


def _overloaded(offered, tasks, rates, cpu) -> np.ndarray:
    """Per (tick, service): offered at or above the tasks' nominal requests/s, where the
    backlog model takes over from the steady state."""
    with np.errstate(invalid="ignore"):
        nominal = tasks * (cpu / 1024.0) * rates
    return (offered >= nominal) & (offered > 0)


@dataclass
class _RequestService:
    sim: RequestSimulation
    ids: dict[str, int] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)  # simulation task -> target id


class RequestTraffic:
    """The request fidelity: one RequestSimulation per service (a target group)."""

    def __init__(
        self,
        world: World,
        services: list[ServiceTraffic],
        tick: float,
        routing: str = "round_robin",
        deregistration_delay: float = 300.0,
    ):
        self.world = world
        self.services = services
        self.tick = tick
        self._by_name: dict[str, _RequestService] = {}
        for s in services:
            if s.arrivals is None:
                continue
            sim = RequestSimulation(
                world,
                s.arrivals if s.share == 1.0 else Scaled(s.arrivals, s.share),
                name=s.name,
                timeout=s.timeout,
                routing=routing,
                deregistration_delay=deregistration_delay,
            )
            sim.start()
            self._by_name[s.name] = _RequestService(sim)
        self._running: dict[str, set[str]] = {s.name: set() for s in services}
        self._block_start = world.now
        self._times: list[float] = []
        self._tasks: list[list[int]] = []  # each open tick's running tasks per service
        self._end: float | None = None
        self._closed = 0  # ticks closed at _end (a tick opened since stays open)
        self.faults: RevisionFaults | None = None  # bad revisions (faults/revision.py)

    def task_running(self, service: str, task_id: str, rps_per_vcpu: float) -> None:
        self._running[service].add(task_id)
        if self.faults is not None:
            revision = self.faults.task_running(service, task_id)
            if self.faults.faults:
                rps_per_vcpu *= self.faults.capacity_factor(revision)
        rs = self._by_name.get(service)
        if rs is None:
            return
        cpu = next(s.cpu for s in self.services if s.name == service)
        servers = _servers(cpu)
        rate = cpu / 1024.0 * rps_per_vcpu / servers
        rs.ids[task_id] = rs.sim.add_task(servers, rate)
        rs.names[rs.ids[task_id]] = task_id

    def task_stopping(self, service: str, task_id: str) -> None:
        self._running[service].discard(task_id)
        if self.faults is not None:
            self.faults.task_stopping(service, task_id)
        rs = self._by_name.get(service)
        if rs is not None and task_id in rs.ids:
            rs.sim.remove_task(rs.ids.pop(task_id))

    def set_share(self, service: str, share: float) -> None:
        """Each group has its own arrival model, its share of the listener's requests
        (``ServiceTraffic.share``: what its request classes route to it) taken at the
        start; a share that changes during the run (weights) is not modelled."""
        if self.faults is not None:
            self.faults.set_share(service, share)
        fixed = next(s.share for s in self.services if s.name == service)
        if abs(share - fixed) > 1e-12:
            raise NotImplementedError(
                f"the request fidelity keeps group {service!r}'s share of its listener at "
                f"{fixed:g} (its request classes'), got {share:g}; "
                "use fidelity: flow for weighted target groups"
            )

    def running(self) -> list[int]:
        return [len(self._running[s.name]) for s in self.services]

    def open(self, now: float) -> None:
        self._times.append(now)
        self._tasks.append(self.running())

    def close(self, now: float) -> None:
        self._end = now
        self._closed = len(self._times)

    def closed_ticks(self) -> int:
        return self._closed if self._end is not None else 0

    def sample(self, now: float) -> None:
        self.open(now)

    def flush(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """The closed ticks' metrics (a tick opened after the last close stays open;
        without a close, every tick, the last one tick long)."""
        closed = self._closed if self._end is not None else len(self._times)
        times = np.array(self._times[:closed])
        n, m = len(times), len(self.services)
        running = np.array(self._tasks[:closed], dtype=float).reshape(n, m)
        out = {name: np.zeros((n, m)) for name in METRICS}
        for name in LATENCY_METRICS:
            out[name][:] = np.nan
        end = self._end if self._end is not None else (times[-1] + self.tick if n else 0.0)
        edges = np.append(times, max(end, times[-1]) if n else end) if n else times
        lengths = np.diff(edges) if n else np.zeros(0)
        for j, s in enumerate(self.services):
            rs = self._by_name.get(s.name)
            if rs is None or n == 0:
                continue
            r = rs.sim.records(since=edges[0], until=edges[-1])
            bins = np.searchsorted(edges, r.arrival, side="right") - 1
            bad, slow = self._fault_draws(s.name, rs, r)
            # Records come in arrival order, so each tick's requests are one slice: a
            # flush costs its requests once, not once per tick it covers.
            cuts = np.searchsorted(bins, np.arange(n + 1), side="left")
            answered = r.latency * slow
            for i in range(n):
                lo, hi = int(cuts[i]), int(cuts[i + 1])
                routed = r.task[lo:hi] >= 0  # -1: no registered target, the ELB's 503
                done = r.completed[lo:hi][routed] & ~bad[lo:hi][routed]
                latency = answered[lo:hi][routed][done]
                out["RequestCount"][i, j] = np.count_nonzero(routed)
                out["HTTPCode_Target_2XX_Count"][i, j] = np.count_nonzero(done)
                out["HTTPCode_Target_5XX_Count"][i, j] = np.count_nonzero(
                    routed
                ) - np.count_nonzero(done)
                out["HTTPCode_ELB_503_Count"][i, j] = (hi - lo) - np.count_nonzero(routed)
                if latency.size:
                    out["TargetResponseTime.mean"][i, j] = latency.mean()
                    p50, p90, p99 = np.quantile(latency, [0.5, 0.9, 0.99])
                    out["TargetResponseTime.p50"][i, j] = p50
                    out["TargetResponseTime.p90"][i, j] = p90
                    out["TargetResponseTime.p99"][i, j] = p99
                if lengths[i] > 0:
                    out["CPUUtilization"][i, j] = 100.0 * rs.sim.utilization(edges[i], edges[i + 1])
            with np.errstate(divide="ignore", invalid="ignore"):
                arrived = out["RequestCount"][:, j] + out["HTTPCode_ELB_503_Count"][:, j]
                out["RequestRate"][:, j] = np.where(lengths > 0, arrived / lengths, 0.0)
                served_rate = np.where(lengths > 0, out["RequestCount"][:, j] / lengths, 0.0)
            tasks = np.maximum(1, running[:, j])  # each tick's tasks, as at its start
            out["InFlightPerTask"][:, j] = (
                served_rate * np.nan_to_num(out["TargetResponseTime.mean"][:, j])
            ) / tasks
        out["CPUUtilization"] = np.nan_to_num(out["CPUUtilization"])
        self._times = self._times[closed:]
        self._tasks = self._tasks[closed:]
        self._end = None
        self._closed = 0
        if self.faults is not None and n:
            self.faults.forget_before(float(edges[-1]))
        return times, out

    def _fault_draws(self, column: str, rs: _RequestService, r) -> tuple[np.ndarray, np.ndarray]:
        """Per request: answered 5xx by a bad revision, and its latency multiplier (one
        draw per faulty answer from the group's own stream, so block sizes do not matter)."""
        if self.faults is None or not self.faults.active:
            return np.zeros(len(r.arrival), dtype=bool), np.ones(len(r.arrival))
        targets = [rs.names.get(int(k)) for k in r.task]
        rng = self.world.rng(f"faults.revision.{column}")
        return self.faults.request_faults(column, targets, r.arrival, rng)
