"""Build a runnable simulation from a validated Scenario.

This is where scenario fields meet model objects: the EC2 control plane (instances and
Dedicated Hosts in simulated time), the ECS cluster whose container instances follow
the EC2 instances, the services and their traffic, timed events and faults, all on one
World.
"""

from __future__ import annotations

from collections.abc import Generator

import numpy as np

from simulator.catalog.catalog import instance_type, requests_per_vcpu_second
from simulator.catalog.hosts import host_type
from simulator.core.world import World
from simulator.ec2.control import Ec2ControlPlane
from simulator.ec2.observe import FleetObserver
from simulator.ec2.timing import Ec2Timing
from simulator.ecs.cluster import UNABLE_TO_PLACE, Cluster, ServiceSpec
from simulator.faults.hosts import host_failures
from simulator.lifecycle.fleet import Changes, Fleet
from simulator.lifecycle.host import HostState
from simulator.lifecycle.instance import InstanceState
from simulator.scenario import schema
from simulator.scenario.loader import hosts_capacity
from simulator.traffic import flow
from simulator.traffic.arrivals import ArrivalRate, Constant, Diurnal

BLOCK = 1440  # ticks evaluated together

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
CLUSTER_METRICS = (
    "InstanceCount",
    "CPUReservation",
    "MemoryReservation",
    "CumulativeCost",
    "HealthyInstances",
    "ExpectedInstances",
    "CapacityLostInstances",
    "ImpairedInstances",
    "PendingInstances",
    "HostsAvailable",
    "HostsPending",
    "HostsUnderAssessment",
    "HostsFailed",
)


def arrival_model(t: schema.ConstantTraffic | schema.DiurnalTraffic) -> ArrivalRate:
    if isinstance(t, schema.ConstantTraffic):
        return Constant(t.rps)
    return Diurnal(t.min_rps, t.peak_rps, t.peak_at)


def _first_host_type(group: schema.DedicatedHosts) -> str:
    return group.instance_type or next(iter(group.instances), f"{group.instance_family}.large")


def _instance_price(name: str) -> float:
    return instance_type(name).price_per_hour or 0.0


def _host_price(family: str) -> float:
    return host_type(family).price_per_hour


class Simulation:
    """One scenario wired onto a World; ``start`` schedules it, the World runs it."""

    def __init__(
        self, scenario: schema.Scenario, seed: int | None = None, world: World | None = None
    ):
        self.scenario = scenario
        self.seed = scenario.seed if seed is None else seed
        self.world = world if world is not None else World(self.seed)
        cap = scenario.capacity
        timing = Ec2Timing.with_overrides(scenario.ec2_timing)
        self.ec2 = Ec2ControlPlane(self.world, Fleet(), timing)
        self.observer = FleetObserver(
            self.ec2.fleet, _instance_price, _host_price, lambda: self.world.now
        )
        self.ec2.listeners += [self.observer, self._on_changes]
        self.cluster = Cluster(scenario.name, cap.reserved_memory_mib)
        self.shared_type = instance_type(cap.instance_type) if cap.instance_type else None
        first = self.shared_type or instance_type(_first_host_type(cap.dedicated_hosts[0]))
        self.throughput_family = first.family
        self.host_ids: list[str] = []
        self.shared_ids: list[str] = []
        self.expected_instances = 0
        self.names = [s.name for s in scenario.services]
        for s in scenario.services:
            self.cluster.services[s.name] = ServiceSpec(
                s.name, s.cpu, s.memory, s.desired_count, s.workload
            )
        rates = [requests_per_vcpu_second(s.workload, first.family) for s in scenario.services]
        self.task_model = flow.TaskModel.build(
            [s.cpu for s in scenario.services], rates, [s.timeout for s in scenario.services]
        )
        traffic = {t.service: arrival_model(t) for t in scenario.traffic}
        self.arrivals: list[ArrivalRate | None] = [traffic.get(n) for n in self.names]
        self.traffic_factor = np.ones(len(self.names))
        self._unplaced: dict[str, int] = {}
        self._started = False
        rec = self.world.metrics
        self._ids = {m: rec.series_ids(m, "service", self.names) for m in PER_SERVICE_METRICS}
        self._cluster_ids = np.array(
            [rec.series_id(m, cluster=scenario.name) for m in CLUSTER_METRICS]
        )
        self._reset_buffers()

    # ---------------------------------------------------------------- set-up
    def start(self) -> None:
        """Launch the initial fleet (running at time 0), schedule events and faults."""
        s, ec2 = self.scenario, self.ec2
        cap = s.capacity
        initial: list[str] = []
        if cap.count and self.shared_type is not None:
            self.shared_ids = ec2.run_instances(self.shared_type.name, cap.count)
            initial += self.shared_ids
        for group in cap.dedicated_hosts:
            hids = ec2.allocate_hosts(
                instance_type=group.instance_type,
                instance_family=group.instance_family,
                quantity=group.count,
                host_recovery=group.host_recovery,
                auto_placement=group.auto_placement,
            )
            self.host_ids += hids
            if group.instance_type is not None:
                per_host = group.instances_per_host
                if per_host is None:
                    per_host = hosts_capacity(group.instance_type)
                mix = {group.instance_type: per_host}
            else:
                mix = dict(group.instances)
            for hid in hids:
                for itype, n in mix.items():
                    if n:
                        initial += ec2.run_instances(itype, n, tenancy="host", host_id=hid)
        self.expected_instances = len(initial)
        ec2.boot_now(initial)
        self._started = True
        self._reconcile()
        for event in s.events:
            self.world.at(event.at, lambda e=event: self._apply(e))
        for fault in s.faults:
            self.world.process(
                host_failures(
                    self.world,
                    ec2,
                    fault.mean_time_between_failures,
                    max_hosts=len(self.host_ids),
                    start=fault.start,
                )
            )
        self.world.process(self._ticks())

    # ---------------------------------------------------------------- events
    def _apply(self, event: schema.Event) -> None:
        w = self.world
        if isinstance(event, schema.SetDesiredCount):
            self.cluster.services[event.service].desired_count = event.desired_count
            w.emit("service.desired_count", event.service, desired_count=event.desired_count)
        elif isinstance(event, schema.SetInstanceCount):
            self._set_shared_count(event.count)
        elif isinstance(event, schema.ScaleTraffic):
            self.traffic_factor[self.names.index(event.service)] = event.factor
            w.emit("traffic.scaled", event.service, factor=event.factor)
        elif isinstance(event, schema.FailHost):
            hid = self.host_ids[event.host]
            if self.ec2.fleet.hosts[hid].state is HostState.AVAILABLE:
                w.emit("fault.host_failure", hid)
                self.ec2.fail_host(hid)
            else:
                w.emit("fault.skipped", hid, reason="host not available")
        self._reconcile()

    def _set_shared_count(self, count: int) -> None:
        fleet = self.ec2.fleet
        live = [
            i
            for i in self.shared_ids
            if fleet.instances[i].state
            not in (InstanceState.SHUTTING_DOWN, InstanceState.TERMINATED)
        ]
        if count > len(live) and self.shared_type is not None:
            self.shared_ids += self.ec2.run_instances(self.shared_type.name, count - len(live))
        elif count < len(live):
            self.ec2.terminate_instances(live[count:][::-1])
        self.expected_instances += count - len(live)

    def _on_changes(self, changes: Changes) -> None:
        """Container instances follow their EC2 instances."""
        if not self._started and not changes.instances:
            return
        fleet, now, cluster = self.ec2.fleet, self.world.now, self.cluster
        touched = False
        for iid in changes.impaired:
            touched |= cluster.deregister(iid, now) is not None
        for c in changes.instances:
            inst = fleet.instances[c.instance_id]
            healthy = (
                c.current_state is InstanceState.RUNNING
                and not inst.impaired
                and not inst.is_mac  # ECS has no macOS container instances
            )
            if healthy and not cluster.is_registered(c.instance_id):
                cluster.register(c.instance_id, instance_type(inst.instance_type), now)
                touched = True
            elif not healthy and cluster.is_registered(c.instance_id):
                cluster.deregister(c.instance_id, now)
                touched = True
        if touched and self._started:
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
                message = UNABLE_TO_PLACE.format(service=name)
                w.emit("service.unable_to_place", name, message=message, count=short)
            self._unplaced[name] = short

    # ---------------------------------------------------------------- sampling
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
        obs = self.observer
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
            healthy = obs.healthy_running
            hosts = obs.hosts
            self._cluster_rows.append(
                (
                    len(self.cluster.instances),
                    cpu * 100,
                    mem * 100,
                    obs.cost(w.now),
                    healthy,
                    self.expected_instances,
                    max(0, self.expected_instances - healthy),
                    len(obs.impaired),
                    obs.instances[InstanceState.PENDING],
                    hosts[HostState.AVAILABLE],
                    hosts[HostState.PENDING],
                    hosts[HostState.UNDER_ASSESSMENT],
                    hosts[HostState.PERMANENT_FAILURE]
                    + hosts[HostState.RELEASED_PERMANENT_FAILURE],
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
        running = np.array(self._running, dtype=float).reshape(len(times), len(self.names))
        offered = np.array(self._offered).reshape(len(times), len(self.names))
        r = flow.evaluate(self.task_model, offered, running)
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
        if self.names:
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
        self._cluster_rows: list[tuple[float, ...]] = []
