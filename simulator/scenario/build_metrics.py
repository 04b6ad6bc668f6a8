"""A scenario's live CloudWatch: the run's own ticks, put once a period into the store.

Once a publishing period (a minute; 10, 20 or 30 s when an alarm asks for that period)
the live store holds what the ticks of that period computed (metrics.parquet's values):
per target group, RequestCount and the response counts are the sums of its ticks,
TargetResponseTime carries each tick's p50, mean and p99 weighted by its requests (so
a period's Average is the request-weighted mean of its ticks and its Maximum the worst
tick's), HealthyHostCount and UnHealthyHostCount each tick's counts; backlog, OOM kills
(HTTPCode_ELB_502_Count), bad versions and changes inside a tick are in them because
the ticks have them. A listener's requests its rules answer with a fixed response are
HTTP_Fixed_Response_Count and HTTPCode_ELB_4XX/5XX_Count (per LoadBalancer), those no
group took otherwise (every weight 0) the load balancer's 503s. AWS/ECS CPUUtilization
and MemoryUtilization (ClusterName, ServiceName) are each tick's values, with no
datapoint for a tick without a running task (as ECS sends none). The one ALB
publisher (``simulator.cloudwatch.elb_metrics``) does the puts.

Lazily: the Simulation hands each block of ticks it records to ``add_ticks``; a read of
the store (every alarm evaluation reads it) first has the Simulation record its closed
ticks (``catch_up``), then puts every period whose ticks are all in. A read of AWS/ECS
alone takes the closed ticks' CPU without recording them where the flow model can give
it (``catch_up_ecs``, ``Simulation.ecs_closed``). A run nobody reads evaluates its ticks
per block, as without alarms.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulator.cloudwatch import elb_metrics
from simulator.cloudwatch.elb_metrics import GroupTicks
from simulator.scenario.build_alarms import ECS_NAMESPACE
from simulator.scenario.build_capacity import memory_pct
from simulator.traffic.arrivals import ArrivalRate

if TYPE_CHECKING:
    from simulator.scenario.build import Simulation

KEPT = (
    "RequestRate",
    "RequestCount",
    "HTTPCode_Target_2XX_Count",
    "HTTPCode_Target_5XX_Count",
    "HTTPCode_ELB_503_Count",
    "HTTPCode_ELB_502_Count",
    "TargetResponseTime.mean",
    "TargetResponseTime.p50",
    "TargetResponseTime.p99",
    "HealthyHostCount",
    "UnHealthyHostCount",
    "CPUUtilization",
    "MemoryUtilization",
    "RunningTaskCount",
)
"""The per-service tick metrics the live store is made of."""

ECS_KEPT = ("RunningTaskCount", "CPUUtilization", "MemoryUtilization")
"""What an AWS/ECS put reads of them."""


HELD_TICKS = 1440
"""Ticks an AWS/ECS-only reader lets the ALB metrics wait before they are put too."""

UNREAD_WINDOW = 86_400.0
"""How far back the live store holds ticks when only alarms can read it (no caller
keeps the Simulation: ``Simulation.keep_live_metrics`` false, as ``experiment.run``
sets it): one day, the longest an alarm of a period under an hour looks back
(Period x EvaluationPeriods <= 86,400 s, PutMetricAlarm), or the longest window of an
alarm put so far. Older ticks are dropped unread, so a long run's held ticks stay
bounded."""


class LiveMetrics:
    """Ticks in, one put per closed period out (``catch_up``, before each read)."""

    def __init__(self, sim: Simulation, period: int, listener_arrivals: dict[str, ArrivalRate]):
        self.sim = sim
        self.period = float(period)
        self.listener_arrivals = listener_arrivals
        self._times: list[np.ndarray] = []
        self._lengths: list[np.ndarray] = []
        self._values: dict[str, list[np.ndarray]] = {m: [] for m in KEPT}
        self._until = 0.0  # the end of the last tick received
        self._ecs_until = -np.inf  # AWS/ECS metrics of every period before are put
        self._held_n = 0  # ticks held
        self._cursor: tuple[int, int] | None = None  # (block, row): first tick not put

    def add_ticks(self, times: np.ndarray, ends: np.ndarray, values: dict[str, np.ndarray]) -> None:
        """A block of recorded ticks ([times, ends), metric -> (ticks, services))."""
        if not times.shape[0]:
            return
        self._times.append(times)
        self._lengths.append(ends - times)
        self._held_n += times.shape[0]
        for metric in KEPT:
            self._values[metric].append(values[metric])
        self._until = float(ends[-1])
        if not self.sim.keep_live_metrics:
            self._drop_unread()

    def window(self) -> float:
        """How far back an alarm can read: one day, or the longest alarm's range."""
        ranges = [a.config.period * (a.config.evaluation_periods + 1) for a in self.sim.alarms]
        return max([UNREAD_WINDOW, *ranges])

    def _drop_unread(self) -> None:
        """Drop the held ticks of whole periods that ended more than a window ago. Done
        once the oldest held tick is a quarter window past it, so the joining is
        amortised."""
        oldest = next((float(b[0]) for b in self._times if b.size), self._until)
        if self._until - oldest <= 1.25 * UNREAD_WINDOW:
            return  # within any window (the alarms need not be looked at)
        window = self.window()
        if self._until - oldest <= 1.25 * window:
            return
        times = np.concatenate(self._times)
        cutoff = np.floor((self._until - window) / self.period) * self.period
        d = int(np.searchsorted(times, cutoff, side="left"))
        if not d:
            return
        self._set_held(
            times[d:],
            np.concatenate(self._lengths)[d:],
            {m: np.concatenate(v)[d:] for m, v in self._values.items()},
        )

    def _set_held(self, times: np.ndarray, lengths: np.ndarray, values: dict) -> None:
        """Hold these ticks as one block (the ECS cursor is found again when next
        needed)."""
        self._times, self._lengths = [times], [lengths]
        self._values = {m: [v] for m, v in values.items()}
        self._held_n = times.shape[0]
        self._cursor = None

    def _held(self) -> tuple[int, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """Record the closed ticks; (how many held ticks make whole periods, their
        times, lengths, values), the held blocks joined into one."""
        self.sim.flush_closed()
        if not self._times:
            return 0, np.zeros(0), np.zeros(0), {}
        times = np.concatenate(self._times)
        lengths = np.concatenate(self._lengths)
        values = {m: np.concatenate(v) for m, v in self._values.items()}
        self._set_held(times, lengths, values)
        starts = np.floor(times / self.period) * self.period
        done = starts + self.period <= self._until + 1e-9
        return int(np.count_nonzero(done)), times, lengths, values  # done ones come first

    def catch_up(self) -> None:
        """Record the closed ticks, then put every period whose ticks are all in."""
        k, times, lengths, values = self._held()
        if not k:
            return
        elb_metrics.publish_ticks(
            self.sim.metric_store, self.period, self._group_ticks(times[:k], lengths[:k], values)
        )
        self._put_ecs_done(times[:k], {m: values[m][:k] for m in ECS_KEPT}, self._until)
        self._set_held(times[k:], lengths[k:], {m: v[k:] for m, v in values.items()})

    def catch_up_ecs(self) -> None:
        """Put only the AWS/ECS metrics of the whole periods not yet put: Service Auto
        Scaling's CPU and memory alarms read them every minute, and the ALB metrics
        (many series per group) wait for a reader of their own or the next full read.
        The closed ticks not recorded yet are read without recording them where the
        traffic model can give their CPU alone (``Simulation.ecs_closed``), so they are
        still recorded a block at a time."""
        if self._held_n >= HELD_TICKS:
            self.catch_up()  # bounds what is held
            return
        closed = self.sim.ecs_closed(self._ecs_until)
        if closed is None:
            self.sim.flush_closed()
        times, values = self._unput()  # recorded ticks first, then the unrecorded
        until = self._until
        if closed is not None and closed[0].shape[0]:
            new_times, ends, new_values = closed
            times = np.concatenate([times, new_times])
            values = {m: np.concatenate([values[m], new_values[m]]) for m in ECS_KEPT}
            until = float(ends[-1])
        self._put_ecs_done(times, values, until)

    def _put_ecs_done(self, times: np.ndarray, values: dict[str, np.ndarray], until: float) -> None:
        """Put the AWS/ECS metrics of the ticks (in time order) whose period is whole by
        ``until`` and not put yet."""
        if not times.shape[0]:
            return
        starts = np.floor(times / self.period) * self.period
        rows = (starts + self.period <= until + 1e-9) & (starts >= self._ecs_until)
        if not rows.any():
            return
        self._put_ecs(times[rows], {m: values[m][rows] for m in ECS_KEPT})
        self._ecs_until = float(starts[rows][-1]) + self.period

    def _unput(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """The held ticks whose AWS/ECS metrics are not put yet (from ``_ecs_until``),
        joined from the blocks that hold them: a read a minute joins a block or two, not
        the day held."""
        first, cut = self._cursor_at()
        blocks = range(first, len(self._times))
        if not blocks:
            none = np.zeros((0, len(self.sim.names)))
            return np.zeros(0), dict.fromkeys(ECS_KEPT, none)

        def join(parts: list[np.ndarray]) -> np.ndarray:
            tail = [parts[i] for i in blocks]
            tail[0] = tail[0][cut:]
            return tail[0] if len(tail) == 1 else np.concatenate(tail)

        return join(self._times), {m: join(self._values[m]) for m in ECS_KEPT}

    def _cursor_at(self) -> tuple[int, int]:
        """(block, row) of the first held tick at or after ``_ecs_until``; kept between
        reads and moved forward (the held blocks only grow at their end), found again
        after they are joined."""
        block, row = self._cursor if self._cursor is not None else (0, 0)
        while block < len(self._times):
            times = self._times[block]
            row = max(row, int(np.searchsorted(times, self._ecs_until, side="left")))
            if row < times.shape[0]:
                break
            block, row = block + 1, 0
        self._cursor = (block, row)
        return block, row

    def _group_ticks(
        self, times: np.ndarray, lengths: np.ndarray, values: dict[str, np.ndarray]
    ) -> list[GroupTicks]:
        sim, lbs = self.sim, self.sim.load_balancers
        out: list[GroupTicks] = []
        for j, name in enumerate(sim.names):
            tg = lbs.group_of(name)
            lb_arn = lbs.load_balancer_of(tg.arn)
            if not lb_arn or name not in lbs.entry:
                continue
            out.append(
                GroupTicks(
                    lb_arn,
                    tg,
                    times,
                    requests=values["RequestCount"][:, j],
                    ok=values["HTTPCode_Target_2XX_Count"][:, j],
                    target_5xx=values["HTTPCode_Target_5XX_Count"][:, j],
                    elb_503=values["HTTPCode_ELB_503_Count"][:, j],
                    elb_502=values["HTTPCode_ELB_502_Count"][:, j],
                    latency=(
                        values["TargetResponseTime.p50"][:, j],
                        values["TargetResponseTime.mean"][:, j],
                        values["TargetResponseTime.p99"][:, j],
                    ),
                    healthy=values["HealthyHostCount"][:, j],
                    unhealthy=values["UnHealthyHostCount"][:, j],
                )
            )
        # a listener's requests no group took: fixed responses (the shares its rules
        # give them now) and, for the rest, the load balancer's 503s
        rates = values["RequestRate"]
        for key, arrivals in self.listener_arrivals.items():
            listener = lbs.listeners[key]
            cols = [j for j, n in enumerate(sim.names) if lbs.entry.get(n) == key]
            offered = np.asarray(arrivals.rate(times), dtype=float) * lengths
            shares = sim.routing.listener_shares.get(listener.arn)
            fixed = {
                code: offered * share
                for code, share in sorted((shares.fixed if shares else {}).items())
            }
            left = offered - rates[:, cols].sum(axis=1) * lengths - sum(fixed.values(), 0.0)
            left = np.where(left > 1e-9 * np.maximum(offered, 1.0), left, 0.0)
            if left.any() or fixed:
                z = np.zeros(times.shape)
                out.append(
                    GroupTicks(listener.load_balancer_arn, None, times, z, z, z, left, fixed=fixed)
                )
        return out

    def _put_ecs(self, times: np.ndarray, values: dict[str, np.ndarray]) -> None:
        sim = self.sim
        store = sim.metric_store
        resolution = 1 if self.period < 60 else 60
        stamps = np.floor(times / self.period) * self.period
        for j, name in enumerate(sim.names):
            running = values["RunningTaskCount"][:, j] > 0  # no running task: no datapoint
            if not running.any():
                continue
            cpu = values["CPUUtilization"][:, j]
            memory = values["MemoryUtilization"][:, j]
            if name not in sim.memory:
                memory = memory_pct(sim.specs[name], cpu / 100.0)
            dims = {"ClusterName": sim.cluster.name, "ServiceName": name}
            for metric, v in (("CPUUtilization", cpu), ("MemoryUtilization", memory)):
                ok = running & np.isfinite(v)
                handle = store.series(ECS_NAMESPACE, metric, dims)
                handle.unit = "Percent"
                handle.put_many(stamps[ok], v[ok], storage_resolution=resolution)
