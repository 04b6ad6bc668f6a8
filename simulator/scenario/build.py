"""Build a runnable simulation from a validated Scenario.

This is where scenario fields meet model objects: the cluster, the services, their
arrival rates and the timed events, all scheduled on one World.
"""

from __future__ import annotations

from collections.abc import Generator

import numpy as np

from simulator.catalog.catalog import instance_type, requests_per_vcpu_second
from simulator.core.world import World
from simulator.ecs.cluster import UNABLE_TO_PLACE, Cluster, ServiceSpec
from simulator.scenario import schema
from simulator.traffic import flow
from simulator.traffic.arrivals import ArrivalRate, Constant, Diurnal

PER_SERVICE_METRICS = (
    "RequestRate",
    "RequestCount",
    "FailedRequestCount",
    "CPUUtilization",
    "LatencyMean",
    "LatencyP50",
    "LatencyP99",
    "RunningTaskCount",
    "DesiredTaskCount",
    "PendingTaskCount",
)
BLOCK = 1440  # ticks evaluated together

CLUSTER_METRICS = (
    "InstanceCount",
    "CPUReservation",
    "MemoryReservation",
    "CumulativeCost",
)


def arrival_model(t: schema.ConstantTraffic | schema.DiurnalTraffic) -> ArrivalRate:
    if isinstance(t, schema.ConstantTraffic):
        return Constant(t.rps)
    return Diurnal(t.min_rps, t.peak_rps, t.peak_at)


class Simulation:
    """One scenario wired onto a World; ``start`` schedules it, the World runs it."""

    def __init__(
        self, scenario: schema.Scenario, seed: int | None = None, world: World | None = None
    ):
        self.scenario = scenario
        self.seed = scenario.seed if seed is None else seed
        self.world = world if world is not None else World(self.seed)
        cap = scenario.capacity
        self.instance_type = instance_type(cap.instance_type)
        self.cluster = Cluster(scenario.name, cap.reserved_memory_mib)
        self.names = [s.name for s in scenario.services]
        for s in scenario.services:
            self.cluster.services[s.name] = ServiceSpec(
                s.name, s.cpu, s.memory, s.desired_count, s.workload
            )
        rates = [
            requests_per_vcpu_second(s.workload, self.instance_type.family)
            for s in scenario.services
        ]
        self.task_model = flow.TaskModel.build(
            [s.cpu for s in scenario.services], rates, [s.timeout for s in scenario.services]
        )
        traffic = {t.service: arrival_model(t) for t in scenario.traffic}
        self.arrivals: list[ArrivalRate | None] = [traffic.get(n) for n in self.names]
        self.traffic_factor = np.ones(len(self.names))
        self._unplaced: dict[str, int] = {}
        rec = self.world.metrics
        self._ids = {m: rec.series_ids(m, "service", self.names) for m in PER_SERVICE_METRICS}
        self._cluster_ids = np.array(
            [rec.series_id(m, cluster=scenario.name) for m in CLUSTER_METRICS]
        )
        self._reset_buffers()

    def start(self) -> None:
        w = self.world
        added = self.cluster.add_instances(self.instance_type, self.scenario.capacity.count, w.now)
        for ci in added:
            w.emit("instance.launched", ci.instance_id, instance_type=ci.instance_type.name)
        self._reconcile()
        for event in self.scenario.events:
            w.at(event.at, lambda e=event: self._apply(e))
        w.process(self._ticks())

    def _apply(
        self, event: schema.SetDesiredCount | schema.SetInstanceCount | schema.ScaleTraffic
    ) -> None:
        w = self.world
        if isinstance(event, schema.SetDesiredCount):
            self.cluster.services[event.service].desired_count = event.desired_count
            w.emit("service.desired_count", event.service, desired_count=event.desired_count)
        elif isinstance(event, schema.SetInstanceCount):
            current = len(self.cluster.instances)
            if event.count > current:
                for ci in self.cluster.add_instances(
                    self.instance_type, event.count - current, w.now
                ):
                    w.emit("instance.launched", ci.instance_id, instance_type=ci.instance_type.name)
            else:
                for ci in self.cluster.remove_instances(current - event.count, w.now):
                    w.emit("instance.terminated", ci.instance_id)
        else:
            self.traffic_factor[self.names.index(event.service)] = event.factor
            w.emit("traffic.scaled", event.service, factor=event.factor)
        self._reconcile()

    def _reconcile(self) -> None:
        w = self.world
        result = self.cluster.reconcile()
        for name, n in result.started.items():
            if n:
                w.emit("service.tasks_started", name, count=n)
        for name, n in result.stopped.items():
            if n:
                w.emit("service.tasks_stopped", name, count=n)
        for name in self.names:
            short = result.unplaced.get(name, 0)
            if short and short != self._unplaced.get(name, 0):
                w.emit(
                    "service.unable_to_place",
                    name,
                    message=UNABLE_TO_PLACE.format(service=name),
                    count=short,
                )
            self._unplaced[name] = short

    def offered(self, times: np.ndarray) -> np.ndarray:
        """Offered requests/s, shape (len(times), services), before traffic events."""
        out = np.zeros((len(times), len(self.names)))
        for j, a in enumerate(self.arrivals):
            if a is not None:
                out[:, j] = a.rate(times)
        return out

    def _ticks(self) -> Generator:
        """Each tick, sample the state; queueing outcomes are computed per block of
        ticks at once (they depend only on the sampled state), which keeps long runs fast."""
        w, tick = self.world, self.scenario.tick
        k = 0
        rates = np.empty((0, len(self.names)))
        while True:
            if k % BLOCK == 0:
                rates = self.offered(w.now + tick * np.arange(BLOCK))
            self._times.append(w.now)
            self._offered.append(rates[k % BLOCK] * self.traffic_factor)
            self._running.append([self.cluster.running(n) for n in self.names])
            self._desired.append([self.cluster.services[n].desired_count for n in self.names])
            self._pending.append([self._unplaced.get(n, 0) for n in self.names])
            cpu, mem = self.cluster.reserved()
            self._cluster_rows.append(
                (
                    len(self.cluster.instances),
                    cpu * 100,
                    mem * 100,
                    self.cluster.on_demand_cost(w.now),
                )
            )
            k += 1
            if len(self._times) >= BLOCK:
                self.flush()
            yield w.env.timeout(tick)

    def flush(self) -> None:
        """Evaluate and record the buffered ticks."""
        if not self._times:
            return
        tick = self.scenario.tick
        times = np.array(self._times)
        running = np.array(self._running, dtype=float)
        r = flow.evaluate(self.task_model, np.array(self._offered), running)
        values = {
            "RequestRate": r.offered,
            "RequestCount": r.offered * tick,
            "FailedRequestCount": r.failed * tick,
            "CPUUtilization": r.utilization * 100.0,
            "LatencyMean": r.latency_mean * 1000.0,
            "LatencyP50": r.latency_p50 * 1000.0,
            "LatencyP99": r.latency_p99 * 1000.0,
            "RunningTaskCount": running,
            "DesiredTaskCount": np.array(self._desired, dtype=float),
            "PendingTaskCount": np.array(self._pending, dtype=float),
        }
        rec = self.world.metrics
        for metric, ids in self._ids.items():
            rec.record_block(times, ids, values[metric])
        rec.record_block(times, self._cluster_ids, np.array(self._cluster_rows))
        self._reset_buffers()

    def _reset_buffers(self) -> None:
        self._times: list[float] = []
        self._offered: list[np.ndarray] = []
        self._running: list[list[int]] = []
        self._desired: list[list[int]] = []
        self._pending: list[list[int]] = []
        self._cluster_rows: list[tuple[float, float, float, float]] = []
