"""Build a runnable simulation from a validated Scenario.

This is where scenario fields meet model objects: the EC2 control plane (instances and
Dedicated Hosts in simulated time), the ECS cluster whose container instances follow
the EC2 instances, the services and their traffic, timed events and faults, all on one
World.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Generator

import numpy as np

from simulator.catalog.catalog import InstanceType, instance_type, requests_per_vcpu_second
from simulator.catalog.hosts import host_type
from simulator.core.world import World
from simulator.ec2.control import Ec2ControlPlane
from simulator.ec2.observe import FleetObserver
from simulator.ec2.timing import Ec2Timing
from simulator.ecs.control import EcsControlPlane
from simulator.ecs.deployment import DeploymentConfiguration
from simulator.ecs.task import TaskState
from simulator.ecs.timing import EcsTiming
from simulator.faults.hosts import host_failures
from simulator.lifecycle.fleet import Fleet
from simulator.lifecycle.host import HostState
from simulator.lifecycle.instance import InstanceState
from simulator.scenario import build_capacity, schema
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


def _reference_family(s: schema.Scenario, shared: InstanceType | None) -> str:
    """The family whose throughput a service has before any task runs: the shared type's,
    the first Dedicated Host group's, the first Auto Scaling group's, or Fargate's."""
    if shared is not None:
        return shared.family
    if s.capacity.dedicated_hosts:
        return instance_type(_first_host_type(s.capacity.dedicated_hosts[0])).family
    for p in s.capacity_providers:
        if p.auto_scaling_group is not None:
            return instance_type(p.auto_scaling_group.instance_types[0]).family
    return build_capacity.fargate_family(None)


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
        self.ec2.listeners.append(self.observer)
        self.ecs = EcsControlPlane(
            self.world,
            self.ec2,
            timing=EcsTiming.with_overrides(scenario.ecs_timing),
            reserved_memory_mib=cap.reserved_memory_mib,
        )
        self.cluster = self.ecs.create_cluster(scenario.name)
        self.ecs.task_listeners.append(self._on_task)
        self.capacity = build_capacity.setup(self)  # capacity providers (None: none)
        self.auto_scaling: dict = {}  # service name -> ServiceAutoScaling
        self.shared_type = instance_type(cap.instance_type) if cap.instance_type else None
        self.throughput_family = _reference_family(scenario, self.shared_type)
        self.host_ids: list[str] = []
        self.shared_ids: list[str] = []
        self.expected_instances = 0
        self.names = [s.name for s in scenario.services]
        self.specs = {s.name: s for s in scenario.services}
        # running tasks of each service per instance family: the traffic model's capacity
        self.running_by_family: dict[str, Counter] = {n: Counter() for n in self.names}
        self.base_rates = [
            requests_per_vcpu_second(s.workload, self.throughput_family) for s in scenario.services
        ]
        self.task_model = flow.TaskModel.build(
            [s.cpu for s in scenario.services],
            self.base_rates,
            [s.timeout for s in scenario.services],
        )
        traffic = {t.service: arrival_model(t) for t in scenario.traffic}
        self.arrivals: list[ArrivalRate | None] = [traffic.get(n) for n in self.names]
        self.traffic_factor = np.ones(len(self.names))
        self._revisions: dict[str, int] = {}
        rec = self.world.metrics
        self._ids = {m: rec.series_ids(m, "service", self.names) for m in PER_SERVICE_METRICS}
        self._cluster_ids = np.array(
            [rec.series_id(m, cluster=scenario.name) for m in CLUSTER_METRICS]
        )
        self._reset_buffers()

    # ---------------------------------------------------------------- set-up
    def start(self) -> None:
        """Launch the initial fleet, register it and start the services: all settled at
        time 0 (the scenario starts from a running system); then events and faults."""
        s, ec2 = self.scenario, self.ec2
        cap = s.capacity
        self.ecs.timing.instant = True
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
        self._join(initial)
        ec2.boot_now(initial + build_capacity.start_groups(self))  # groups join their cluster
        for spec in s.services:
            self._create_service(spec)
        self.ecs.settle()
        self.ecs.timing.instant = False
        self.auto_scaling = build_capacity.start_auto_scaling(self)
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

    def _join(self, ec2_ids: list[str]) -> None:
        """Instances join the scenario's cluster (user data ECS_CLUSTER); ECS has no macOS
        container instances, so Mac instances stay plain EC2."""
        for iid in ec2_ids:
            if not self.ec2.fleet.instances[iid].is_mac:
                self.ecs.join(iid, self.cluster.name)

    def _task_definition(self, spec: schema.Service, revision: int) -> dict:
        doc = {
            "family": spec.name,
            "containerDefinitions": [
                {
                    "name": spec.name,
                    "image": f"{spec.name}:v{revision}",
                    "cpu": spec.cpu,
                    "memory": spec.memory,
                    "essential": True,
                }
            ],
            "cpu": str(spec.cpu),
            "memory": str(spec.memory),
        }
        if spec.cpu_architecture is not None:
            doc["runtimePlatform"] = {
                "cpuArchitecture": spec.cpu_architecture,
                "operatingSystemFamily": "LINUX",
            }
        if build_capacity.uses_fargate(spec):
            doc.update(networkMode="awsvpc", requiresCompatibilities=["FARGATE"])
        return doc

    def _register(self, spec: schema.Service, start_failure: float = 0.0) -> str:
        revision = self._revisions.get(spec.name, 0) + 1
        self._revisions[spec.name] = revision
        td = self.ecs.register_task_definition(self._task_definition(spec, revision))
        if start_failure:
            self.ecs.start_failure[td.arn] = start_failure
        return td.arn

    def _create_service(self, spec: schema.Service) -> None:
        d = spec.deployment
        strategies = (
            None
            if spec.placement_strategy is None
            else [x.model_dump(exclude_none=True) for x in spec.placement_strategy]
        )
        self.ecs.create_service(
            self.cluster.name,
            spec.name,
            self._register(spec),
            spec.desired_count,
            strategies=strategies,
            constraints=[c.model_dump(exclude_none=True) for c in spec.placement_constraints],
            deployment_configuration=DeploymentConfiguration(
                d.minimum_healthy_percent, d.maximum_percent, d.circuit_breaker, d.rollback
            ),
            scheduling_strategy=spec.scheduling_strategy,
            capacity_provider_strategy=build_capacity.strategy_api(spec),
        )

    # ---------------------------------------------------------------- events
    def _apply(self, event: schema.Event) -> None:
        w, ecs, cluster = self.world, self.ecs, self.cluster.name
        if isinstance(event, schema.SetDesiredCount):
            ecs.update_service(cluster, event.service, desired_count=event.desired_count)
            w.emit("service.desired_count", event.service, desired_count=event.desired_count)
        elif isinstance(event, schema.SetInstanceCount):
            self._set_shared_count(event.count)
        elif isinstance(event, schema.ScaleTraffic):
            self.traffic_factor[self.names.index(event.service)] = event.factor
            w.emit("traffic.scaled", event.service, factor=event.factor)
        elif isinstance(event, schema.Deploy):
            arn = self._register(self.specs[event.service], event.start_failure_probability)
            ecs.update_service(
                cluster, event.service, task_definition=arn, desired_count=event.desired_count
            )
            w.emit("service.deploy", event.service, task_definition=arn)
        elif isinstance(event, schema.DrainInstances):
            active = [
                ci.container_instance_id
                for ci in self.cluster.container_instances.values()
                if ci.placeable and ci.agent_connected
            ][: event.count]
            ecs.update_container_instances_state(cluster, active, "DRAINING")
            w.emit("ecs.drain", cluster, container_instances=active)
        elif isinstance(event, schema.FailHost):
            hid = self.host_ids[event.host]
            if self.ec2.fleet.hosts[hid].state is HostState.AVAILABLE:
                w.emit("fault.host_failure", hid)
                self.ec2.fail_host(hid)
            else:
                w.emit("fault.skipped", hid, reason="host not available")

    def _set_shared_count(self, count: int) -> None:
        fleet = self.ec2.fleet
        gone = (InstanceState.SHUTTING_DOWN, InstanceState.TERMINATED)
        live = [i for i in self.shared_ids if fleet.instances[i].state not in gone]
        if count > len(live) and self.shared_type is not None:
            new = self.ec2.run_instances(self.shared_type.name, count - len(live))
            self.shared_ids += new
            self._join(new)
        elif count < len(live):
            self.ec2.terminate_instances(live[count:][::-1])
        self.expected_instances += count - len(live)

    def _on_task(self, what: str, task, before) -> None:
        """Keep running tasks per service and instance family (the traffic capacity)."""
        if not task.group.startswith("service:"):
            return
        counter = self.running_by_family.get(task.group[8:])
        if counter is None:
            return
        if what == "running":
            counter[self._family_of(task)] += 1
        elif what == "stopping" and before is TaskState.RUNNING:
            counter[self._family_of(task)] -= 1

    def _family_of(self, task) -> str:
        """The instance family a task runs on (Fargate: the family assumed for its arch)."""
        if task.container_instance is None:
            arch = self.ecs.task_definitions.describe(task.task_definition_arn).requirements().arch
            return build_capacity.fargate_family(arch)
        return self.cluster.container_instances[task.container_instance].instance_type.family

    def _rps_per_vcpu(self) -> np.ndarray:
        """Each service's throughput per vCPU, averaged over the families its running
        tasks are on (the scenario's first instance type when none run)."""
        out = np.array(self.base_rates, dtype=float)
        for j, name in enumerate(self.names):
            counter = self.running_by_family[name]
            total = sum(counter.values())
            if total and (len(counter) > 1 or next(iter(counter)) != self.throughput_family):
                workload = self.specs[name].workload
                out[j] = (
                    sum(
                        n * requests_per_vcpu_second(workload, family)
                        for family, n in counter.items()
                        if n
                    )
                    / total
                )
        return out

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
            services = [self.cluster.services[n] for n in self.names]
            self._running.append([svc.running_count for svc in services])
            self._desired.append([svc.desired_count for svc in services])
            self._pending.append([svc.pending_count for svc in services])
            self._rates.append(self._rps_per_vcpu())
            c = self.cluster
            cpu = c.used_cpu / c.registered_cpu if c.registered_cpu else 0.0
            mem = c.used_memory / c.registered_memory if c.registered_memory else 0.0
            healthy = obs.healthy_running
            hosts = obs.hosts
            self._cluster_rows.append(
                (
                    self.cluster.active_count,
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
        rates = np.array(self._rates).reshape(len(times), len(self.names))
        model = flow.TaskModel.build(
            np.broadcast_to([s.cpu for s in self.scenario.services], rates.shape),
            rates,
            np.broadcast_to(self.task_model.timeout, rates.shape),
        )
        r = flow.evaluate(model, offered, running)
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
        self._rates: list[np.ndarray] = []
