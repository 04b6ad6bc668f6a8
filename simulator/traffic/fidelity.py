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

from dataclasses import dataclass, field

import numpy as np

from simulator.core.world import World
from simulator.traffic import flow
from simulator.traffic.arrivals import ArrivalRate
from simulator.traffic.request import RequestSimulation

METRICS = (
    "RequestRate",
    "RequestCount",
    "HTTPCode_Target_2XX_Count",
    "HTTPCode_Target_5XX_Count",
    "TargetResponseTime.mean",
    "TargetResponseTime.p50",
    "TargetResponseTime.p90",
    "TargetResponseTime.p99",
    "CPUUtilization",
    "InFlightPerTask",
    "BacklogRequests",
)


@dataclass
class ServiceTraffic:
    """What the traffic model needs to know of one service."""

    name: str
    cpu: int  # task CPU units
    timeout: float
    arrivals: ArrivalRate | None


def _servers(cpu: int) -> int:
    return max(1, cpu // 1024)


class FlowTraffic:
    """The flow fidelity: samples per tick, outcomes per block of ticks."""

    def __init__(self, services: list[ServiceTraffic], tick: float, **model_options):
        self.services = services
        self.tick = tick
        self.model_options = model_options
        self._running: dict[str, dict[str, float]] = {s.name: {} for s in services}
        self._backlog = np.zeros(len(services))  # requests queued past the steady state
        self._reset()

    def task_running(self, service: str, task_id: str, rps_per_vcpu: float) -> None:
        self._running[service][task_id] = rps_per_vcpu

    def task_stopping(self, service: str, task_id: str) -> None:
        self._running[service].pop(task_id, None)

    def running(self) -> list[int]:
        return [len(self._running[s.name]) for s in self.services]

    def sample(self, now: float) -> None:
        """Record this tick's state: running tasks and their mean rate (the offered rates
        are computed for the whole block at once in ``flush``)."""
        tasks, rates = [], []
        for s in self.services:
            per = self._running[s.name]
            tasks.append(len(per))
            rates.append(sum(per.values()) / len(per) if per else np.nan)
        self._times.append(now)
        self._tasks.append(tasks)
        self._rates.append(rates)

    def flush(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """(times, metric -> array of shape (ticks, services)) for the sampled ticks."""
        times = np.array(self._times)
        shape = (len(times), len(self.services))
        offered = np.zeros(shape)
        for j, s in enumerate(self.services):
            if s.arrivals is not None:
                offered[:, j] = s.arrivals.rate(times)
        tasks = np.array(self._tasks, dtype=float).reshape(shape)
        rates = np.array(self._rates, dtype=float).reshape(shape)
        rates = np.where(np.isnan(rates), 1.0, rates)  # no task: capacity irrelevant
        cpu = np.broadcast_to([s.cpu for s in self.services], shape)
        timeouts = np.broadcast_to([s.timeout for s in self.services], shape)
        model = flow.TaskModel.build(cpu, rates, timeouts, **self.model_options)
        r = flow.evaluate(model, offered, tasks)
        p90 = _flow_p90(model, offered, tasks, r)
        t = self.tick
        out = {
            "RequestRate": r.offered,
            "RequestCount": r.offered * t,
            "HTTPCode_Target_2XX_Count": r.served * t,
            "HTTPCode_Target_5XX_Count": r.failed * t,
            "TargetResponseTime.mean": r.latency_mean,
            "TargetResponseTime.p50": r.latency_p50,
            "TargetResponseTime.p90": p90,
            "TargetResponseTime.p99": r.latency_p99,
            "CPUUtilization": r.utilization * 100.0,
            "BacklogRequests": np.zeros(shape),
        }
        self._carry_backlog(offered, tasks, rates, cpu, timeouts, out)
        with np.errstate(divide="ignore", invalid="ignore"):
            served = out["HTTPCode_Target_2XX_Count"] / t
            per_task = np.where(tasks > 0, served / tasks, 0.0)
        out["InFlightPerTask"] = per_task * np.nan_to_num(out["TargetResponseTime.mean"])
        self._reset()
        return times, out

    def _carry_backlog(self, offered, tasks, rates, cpu, timeouts, out) -> None:
        """Overload queues requests instead of failing them at once: from the first tick
        that is overloaded (or starts with a backlog), ticks are stepped in order with
        the fluid backlog model (``flow.step``), which grows the backlog, fails what
        would wait past the timeout, and drains it when load falls. Other ticks keep
        the vectorised steady-state outcome."""
        with np.errstate(invalid="ignore"):
            nominal = tasks * (cpu / 1024.0) * rates
        overloaded = (offered >= nominal) & (offered > 0)
        rows = np.flatnonzero(overloaded.any(axis=1))
        if not rows.size and not self._backlog.any():
            return
        first = 0 if self._backlog.any() else int(rows[0])
        t = self.tick
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
                flow.FlowState(model, backlog[cols]), offered[i, cols], tasks[i, cols], t
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
        self._tasks: list[list[int]] = []
        self._rates: list[list[float]] = []


def _flow_p90(model: flow.TaskModel, offered, tasks, r: flow.FlowResult) -> np.ndarray:
    """p90 from the same M/M/c response-time distribution the flow model uses."""
    from simulator.traffic.queueing import mmc_response_quantile

    with np.errstate(divide="ignore", invalid="ignore"):
        lam = np.where(tasks > 0, offered / tasks, 0.0)
    stable = lam < model.task_capacity
    q = mmc_response_quantile(0.90, model.servers, np.where(stable, lam, 0.0), model.server_rate)
    timeout = np.broadcast_to(model.timeout, np.shape(q))
    out = np.where(stable, np.minimum(q, timeout), timeout)
    return np.where(tasks > 0, out, np.nan)


@dataclass
class _RequestService:
    sim: RequestSimulation
    ids: dict[str, int] = field(default_factory=dict)


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
                s.arrivals,
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

    def task_running(self, service: str, task_id: str, rps_per_vcpu: float) -> None:
        self._running[service].add(task_id)
        rs = self._by_name.get(service)
        if rs is None:
            return
        cpu = next(s.cpu for s in self.services if s.name == service)
        servers = _servers(cpu)
        rate = cpu / 1024.0 * rps_per_vcpu / servers
        rs.ids[task_id] = rs.sim.add_task(servers, rate)

    def task_stopping(self, service: str, task_id: str) -> None:
        self._running[service].discard(task_id)
        rs = self._by_name.get(service)
        if rs is not None and task_id in rs.ids:
            rs.sim.remove_task(rs.ids.pop(task_id))

    def running(self) -> list[int]:
        return [len(self._running[s.name]) for s in self.services]

    def sample(self, now: float) -> None:
        self._times.append(now)

    def flush(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        times = np.array(self._times)
        n, m = len(times), len(self.services)
        out = {name: np.zeros((n, m)) for name in METRICS}
        for name in METRICS[4:8]:
            out[name][:] = np.nan
        edges = np.append(times, times[-1] + self.tick) if n else times
        for j, s in enumerate(self.services):
            rs = self._by_name.get(s.name)
            if rs is None or n == 0:
                continue
            r = rs.sim.records(since=edges[0], until=edges[-1])
            bins = np.searchsorted(edges, r.arrival, side="right") - 1
            for i in range(n):
                sel = bins == i
                done = r.completed[sel]
                latency = r.latency[sel][done]
                out["RequestCount"][i, j] = np.count_nonzero(sel)
                out["HTTPCode_Target_2XX_Count"][i, j] = np.count_nonzero(done)
                out["HTTPCode_Target_5XX_Count"][i, j] = np.count_nonzero(sel) - np.count_nonzero(
                    done
                )
                if latency.size:
                    out["TargetResponseTime.mean"][i, j] = latency.mean()
                    p50, p90, p99 = np.quantile(latency, [0.5, 0.9, 0.99])
                    out["TargetResponseTime.p50"][i, j] = p50
                    out["TargetResponseTime.p90"][i, j] = p90
                    out["TargetResponseTime.p99"][i, j] = p99
                out["CPUUtilization"][i, j] = 100.0 * rs.sim.utilization(edges[i], edges[i + 1])
            out["RequestRate"][:, j] = out["RequestCount"][:, j] / self.tick
            tasks = np.maximum(1, len(self._running[s.name]))
            out["InFlightPerTask"][:, j] = (
                out["RequestRate"][:, j] * np.nan_to_num(out["TargetResponseTime.mean"][:, j])
            ) / tasks
        out["CPUUtilization"] = np.nan_to_num(out["CPUUtilization"])
        self._times = []
        return times, out
