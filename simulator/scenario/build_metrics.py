"""A scenario's live CloudWatch: metrics put while the run goes, alarms evaluated on them.

Once a publishing period (a minute; 10, 20 or 30 s when an alarm asks for that period),
``LiveMetrics`` describes the period's start as the boto3 world's load source does: each
listener's arrivals (the traffic of the services entering there) split by its default
action's weights, each target group's routable targets at their task's size and instance
family. The one ALB publisher (``simulator.cloudwatch.elb_metrics``) puts the
AWS/ApplicationELB metrics; AWS/ECS CPUUtilization and MemoryUtilization (ClusterName,
ServiceName) are the values Service Auto Scaling reads (``build_capacity.ServiceMetrics``),
with the memory model's utilization where the service has one, and no datapoint while no
task of the service runs (as ECS sends none).

These are the period's steady state at its start, which the alarms need while the run
goes; the RunRecord's metrics (metrics.parquet) stay the tick-averaged ones with backlog
and OOM kills, computed per block of ticks. The two agree when the load holds over the
period and differ when it changes inside it (the RunRecord's are the finer).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulator.cloudwatch import elb_metrics
from simulator.cloudwatch.elb_metrics import GroupSeries
from simulator.scenario.build_alarms import ECS_NAMESPACE
from simulator.scenario.build_capacity import busy_fraction, memory_pct
from simulator.traffic.arrivals import ArrivalRate
from simulator.traffic.elb_targets import TargetGroup

if TYPE_CHECKING:
    from simulator.scenario.build import Simulation

GroupState = tuple[TargetGroup, int, int, float, int, int]
"""(group, weight, routable targets, their mean requests/s per vCPU, healthy, unhealthy)."""


class LiveMetrics:
    """The snapshot and publish halves of the scenario's live publisher.

    A snapshot records each listener's state (its groups' weights, routable targets and
    health) and each service's running tasks, only when they changed since the last
    period (runs of equal states: a few objects per change, not per period); the flow
    model and the puts run over every closed period at once, vectorised, when the store
    is read (``sim.metric_store`` is a ``LiveStore``: each alarm evaluation reads it, so
    with alarms that is every evaluation). A run nobody reads pays the snapshots only."""

    def __init__(self, sim: Simulation, period: int, listener_arrivals: dict[str, ArrivalRate]):
        self.sim = sim
        self.period = period
        self.listener_arrivals = listener_arrivals
        self._times: list[float] = []
        self._closed = 0  # periods whose end has come (the rest: the open one)
        self._runs: dict[str, list[tuple[int, tuple[GroupState, ...]]]] = {}
        self._cache: dict[str, tuple[tuple, tuple[GroupState, ...]]] = {}
        self._groups: dict[str, tuple[int, int, float, int, int]] = {}  # arn -> version...
        self._target_rates: dict[str, dict[str, tuple[str | None, float]]] = {}
        self._ecs_runs: list[tuple[int, tuple]] = []
        self._memory: dict[str, list[float]] = {n: [] for n in sim.memory}
        self._cpu = np.array([s.cpu for s in sim.scenario.services], float)
        lbs = sim.load_balancers
        groups = [*lbs.target_groups.values(), *lbs.groups.values()]
        self._all_groups = list({tg.arn: tg for tg in groups}.values())
        self._listeners = list(sim.load_balancers.listeners.values())
        self._last_signature: tuple[int, tuple[int, ...]] | None = None
        self._last_running: tuple[int, ...] | None = None
        self._last_forward: tuple[int, ...] | None = None

    # ------------------------------------------------------------------ snapshot
    def _group(self, tg: TargetGroup, at: float) -> tuple[int, float, int, int]:
        cached = self._groups.get(tg.arn)
        if cached is not None and cached[0] == tg._version:
            return cached[1:]
        routable = tg.routable(at)
        rates = self._rates(tg.arn, routable)
        healthy, unhealthy = tg.health_counts()
        mean = float(np.mean(rates)) if rates else 1.0
        self._groups[tg.arn] = (tg._version, len(rates), mean, healthy, unhealthy)
        return len(rates), mean, healthy, unhealthy

    def _rates(self, arn: str, routable: list[str]) -> list[float]:
        """Requests/s per vCPU of each routable target, in order. A target's rate is fixed
        while the same task stands behind it, so it is kept per group between changes
        (only the group's routable targets: bounded by the group, not by the run)."""
        task_of = self.sim.targets.task_of
        old = self._target_rates.get(arn, {})
        new: dict[str, tuple[str | None, float]] = {}
        rates = []
        for t in routable:
            task_id = task_of(arn, t)
            kept = old.get(t)
            if kept is None or kept[0] != task_id:
                kept = (task_id, self.sim._target_capacity(arn, t))
            new[t] = kept
            rates.append(kept[1])
        self._target_rates[arn] = new
        return rates

    def _state(self, key: str, at: float) -> tuple[GroupState, ...]:
        listener = self.sim.load_balancers.listeners[key]
        forward = listener.forward if listener.fixed_response is None else []
        version = tuple((id(tg), w, tg._version) for tg, w in forward)
        cached = self._cache.get(key)
        if cached is not None and cached[0] == version:
            return cached[1]
        state = tuple((tg, w, *self._group(tg, at)) for tg, w in forward)
        self._cache[key] = (version, state)
        return state

    def _signature(self) -> tuple[int, tuple[int, ...]]:
        """Changes when a target state or a listener's default action changes: target
        group versions only grow, and a new forward list replaces the old one."""
        versions = sum(tg._version for tg in self._all_groups)
        return versions, tuple(id(listener.forward) for listener in self._listeners)

    def snapshot(self, at: float) -> None:
        sim = self.sim
        i = len(self._times)
        self._times.append(at)
        signature = self._signature()
        if signature != self._last_signature:
            self._last_signature = signature
            for key in self.listener_arrivals:
                state = self._state(key, at)
                runs = self._runs.setdefault(key, [])
                if not runs or runs[-1][1] is not state:
                    runs.append((i, state))
        services = sim.cluster.services
        running = tuple(services[n].running_count for n in sim.names)
        if running != self._last_running or signature[1] != self._last_forward:
            self._last_running, self._last_forward = running, signature[1]
            ecs = (running, tuple(sim._rps_per_vcpu()), tuple(sim.shares()))
            if not self._ecs_runs or self._ecs_runs[-1][1] != ecs:
                self._ecs_runs.append((i, ecs))
        for name, values in self._memory.items():
            values.append(sim.oom.utilization(name, at))

    def publish(self, at: float, _snapshot: None) -> None:
        """The period is over: readers see it from now (``catch_up`` on their read)."""
        self._closed += 1

    # ------------------------------------------------------------------ catching up
    def catch_up(self) -> None:
        """Put every closed period held back."""
        k = self._closed
        if not k:
            return
        times = np.array(self._times[:k])
        store = self.sim.metric_store
        elb_metrics.publish_series(store, self.period, self._group_series(times))
        self._put_ecs(times)
        self._times = self._times[k:]
        self._closed = 0
        self._runs = {key: _rebase(runs, k) for key, runs in self._runs.items()}
        self._ecs_runs = _rebase(self._ecs_runs, k)
        self._memory = {n: v[k:] for n, v in self._memory.items()}

    def _group_series(self, times: np.ndarray) -> list[GroupSeries]:
        k = times.shape[0]
        lbs = self.sim.load_balancers
        out: list[GroupSeries] = []
        owners = lbs.columns
        for key, arrivals in self.listener_arrivals.items():
            lb_arn = lbs.listeners[key].load_balancer_arn
            rates = np.asarray(arrivals.rate(times), dtype=float)
            cols: dict[str, tuple[TargetGroup, dict[str, np.ndarray]]] = {}
            rejected = np.zeros(k)
            for lo, hi, state in _segments(self._runs.get(key, []), k):
                total = sum(w for _, w, *_ in state)
                if not total:
                    rejected[lo:hi] = rates[lo:hi]
                    continue
                for tg, w, n, mean, healthy, unhealthy in state:
                    if tg.arn not in cols:
                        fields = ("present", "rate", "n", "mean", "h", "u")
                        cols[tg.arn] = (tg, {f: np.zeros(k) for f in fields})
                    col = cols[tg.arn][1]
                    share = rates[lo:hi] * (w / total)
                    col["present"][lo:hi] = 1.0
                    col["h"][lo:hi], col["u"][lo:hi] = healthy, unhealthy
                    col["mean"][lo:hi] = mean
                    if n:
                        col["rate"][lo:hi], col["n"][lo:hi] = share, n
                    elif w:
                        rejected[lo:hi] += share
            for tg, col in cols.values():
                service = owners.get(tg.arn)
                if service is None:  # a group without a service has weight 0: no requests
                    continue
                sel = col["present"] > 0
                spec = self.sim.specs[service]
                out.append(
                    GroupSeries(
                        lb_arn, tg, times[sel], col["rate"][sel], col["n"][sel],
                        col["mean"][sel], col["h"][sel], col["u"][sel],
                        cpu=float(spec.cpu), timeout=spec.timeout,
                    )
                )  # fmt: skip
            if rejected.any():
                z = np.zeros(k)
                out.append(GroupSeries(lb_arn, None, times, rejected, z, z + 1.0, z, z))
        return out

    def _put_ecs(self, times: np.ndarray) -> None:
        sim = self.sim
        k, m = times.shape[0], len(sim.names)
        if not m:
            return
        running = np.zeros((k, m))
        nominal = np.zeros((k, m))
        shares = np.zeros((k, m))
        for lo, hi, (run, rps, share) in _segments(self._ecs_runs, k):
            running[lo:hi] = run
            nominal[lo:hi] = np.asarray(rps) * self._cpu / 1024.0
            shares[lo:hi] = share
        offered = np.zeros((k, m))
        for j, a in enumerate(sim.arrivals):
            if a is not None:
                offered[:, j] = a.rate(times)
        busy = busy_fraction(sim.task_model, offered * shares, running, nominal)
        store = sim.metric_store
        resolution = 1 if self.period < 60 else 60
        for j, name in enumerate(sim.names):
            sel = running[:, j] > 0  # no running task sends no datapoint
            if not sel.any():
                continue
            dims = {"ClusterName": sim.cluster.name, "ServiceName": name}
            if name in self._memory:
                memory = np.array(self._memory[name][:k])
            else:
                memory = memory_pct(sim.specs[name], busy[:, j])
            for metric, values in (
                ("CPUUtilization", busy[:, j] * 100.0),
                ("MemoryUtilization", memory),
            ):
                ok = sel & np.isfinite(values)
                handle = store.series(ECS_NAMESPACE, metric, dims)
                handle.unit = "Percent"
                handle.put_many(times[ok], values[ok], storage_resolution=resolution)


def _segments(runs: list[tuple[int, tuple]], k: int):
    """(first, end, state) of each run of equal states over periods [0, k)."""
    for r, (lo, state) in enumerate(runs):
        hi = runs[r + 1][0] if r + 1 < len(runs) else k
        lo, hi = min(lo, k), min(hi, k)
        if hi > lo:
            yield lo, hi, state


def _rebase(runs: list[tuple[int, tuple]], k: int) -> list[tuple[int, tuple]]:
    """The runs of periods k on, renumbered from 0 (the state at k starts the first)."""
    kept = [(lo - k, st) for lo, st in runs if lo >= k]
    before = [st for lo, st in runs if lo < k]
    if before and (not kept or kept[0][0] > 0):
        kept.insert(0, (0, before[-1]))
    return kept
