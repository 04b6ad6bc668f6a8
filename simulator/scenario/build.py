"""Build a runnable simulation from a validated Scenario.

This is where scenario fields meet model objects: the EC2 control plane (instances and
Dedicated Hosts in simulated time), the ECS cluster whose container instances follow
the EC2 instances, the services and their traffic, timed events and faults, all on one
World.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Generator
from functools import partial
from typing import Any

import numpy as np

from simulator.batch.fleet import TestFleetRun
from simulator.catalog.catalog import (
    InstanceType,
    calibrate,
    instance_type,
    requests_per_vcpu_second,
)
from simulator.catalog.hosts import host_type, hosts_capacity
from simulator.cloudwatch.alarm_log import AlarmLog
from simulator.cloudwatch.alarms import Alarms, StateChange
from simulator.cloudwatch.evaluator import AlarmEvaluator
from simulator.cloudwatch.live import LiveStore
from simulator.core.collection import fewer_collections
from simulator.core.errors import EcsimError
from simulator.core.metric_period import PeriodAggregator
from simulator.core.world import World
from simulator.ec2.control import Ec2ControlPlane
from simulator.ec2.observe import FleetObserver
from simulator.ec2.timing import Ec2Timing
from simulator.ecs.control import EcsControlPlane
from simulator.ecs.deployment import DeploymentConfiguration
from simulator.ecs.deployment_log import DeploymentLog
from simulator.ecs.load_balancers import TargetRegistration
from simulator.ecs.retention import StoppedTasks
from simulator.ecs.task import TaskState
from simulator.ecs.timing import EcsTiming
from simulator.faults.hosts import host_failures
from simulator.faults.oom import OomKiller, ServiceMemory, TaskLoad
from simulator.faults.revision import RevisionFaults
from simulator.lifecycle.fleet import Fleet
from simulator.lifecycle.host import HostState
from simulator.lifecycle.instance import InstanceState
from simulator.scenario import build_alarms, build_capacity, build_elb, events, schema
from simulator.scenario.build_metrics import LiveMetrics
from simulator.scenario.metric_names import (
    CLUSTER_METRICS,
    PER_SERVICE_METRICS,
    PER_TARGET_GROUP_METRICS,
)
from simulator.scenario.outputs import metric_filter, omitted_event_kinds
from simulator.scenario.traffic_models import arrival_model
from simulator.traffic import flow
from simulator.traffic.arrivals import ArrivalRate, Sum
from simulator.traffic.fidelity import FlowTraffic, RequestTraffic, ServiceTraffic
from simulator.traffic.memory import MemoryModel
from simulator.traffic.queueing import mmc_mean_response
from simulator.traffic.routing import TargetGroupRouting, listener_shares
from simulator.traffic.service_model import effective_capacity

BLOCK = 1440  # ticks evaluated together


def _listener_arrivals(
    lbs: build_elb.ServiceLoadBalancers, traffic: dict[str, ArrivalRate]
) -> dict[str, ArrivalRate]:
    """Listener key -> the arrivals entering there: the traffic of its services."""
    out: dict[str, ArrivalRate] = {}
    for key, services in lbs.entering().items():
        models = [traffic[n] for n in services if n in traffic]
        if models:
            out[key] = models[0] if len(models) == 1 else Sum(models)
    return out


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
        for i, e in enumerate(scenario.events):
            if getattr(e, "strategy", None) is not None:
                raise EcsimError(
                    f"events[{i}].strategy: traffic-shifting deployments run on the blue/green "
                    "engine (simulator.experiment.deployment_choice), not in this run yet"
                )
        self.seed = scenario.seed if seed is None else seed
        self.world = world if world is not None else World(self.seed)
        self.world.metrics.keep = metric_filter(scenario)  # outputs: what the run keeps
        self.world.trace.keep = scenario.outputs.trace
        self.world.trace.omit = omitted_event_kinds(scenario)
        self.world.metrics.dtype = np.dtype(scenario.outputs.metrics_dtype)
        period = scenario.outputs.metrics_period
        self._periods = (
            None if period is None else (PeriodAggregator(period), PeriodAggregator(period))
        )
        """(services' and target groups', cluster's) aggregators: outputs.metrics_period."""
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
        if not scenario.capacity_providers:  # Fargate's bills read stopped tasks
            self.ecs.stopped_tasks = StoppedTasks()  # stopped tasks go after ECS's hour
        self.cluster = self.ecs.create_cluster(scenario.name)
        self.ecs.task_listeners.append(self._on_task)
        self.capacity = build_capacity.setup(self)  # capacity providers (None: none)
        self.auto_scaling: dict = {}  # service name -> ServiceAutoScaling
        self.test_fleet: Any = None  # simulator.batch.fleet.TestFleetRun of test_fleet
        self.shared_type = instance_type(cap.instance_type) if cap.instance_type else None
        self.throughput_family = _reference_family(scenario, self.shared_type)
        self.host_ids: list[str] = []
        self.shared_ids: list[str] = []
        self.expected_instances = 0
        self.names = [s.name for s in scenario.services]
        self.specs = {s.name: s for s in scenario.services}
        # running tasks of each service per instance family: the traffic model's capacity
        self.running_by_family: dict[str, Counter] = {n: Counter() for n in self.names}
        self.profiles = {name: calibrate(name, *m.items()) for name, m in scenario.profiles.items()}
        self._rate_cache: dict[tuple[str, str], float] = {}
        self.base_rates = [self.rate(s.name, self.throughput_family) for s in scenario.services]
        self.task_model = flow.TaskModel.build(
            [s.cpu for s in scenario.services],
            self.base_rates,
            [s.timeout for s in scenario.services],
        )
        traffic = {
            t.service: arrival_model(t, scenario.events, self.world, scenario.tick)
            for t in scenario.traffic
        }
        # load balancers: declared ones, and one of its own for every other service
        self.load_balancers = build_elb.service_load_balancers(scenario)
        self.listener_arrivals = _listener_arrivals(self.load_balancers, traffic)
        # each target group's column gets the arrivals of the listener it is behind
        self.arrivals: list[ArrivalRate | None] = [
            self.listener_arrivals.get(self.load_balancers.entry.get(n, "")) for n in self.names
        ]
        # scale_traffic events are part of the arrival models; kept for readers of offered()
        self.traffic_factor = np.ones(len(self.names))
        shares = self._request_shares()
        traffic_services = [
            ServiceTraffic(s.name, s.cpu, s.timeout, a, shares.get(s.name, 1.0))
            for s, a in zip(scenario.services, self.arrivals, strict=True)
        ]
        self.traffic: FlowTraffic | RequestTraffic
        if scenario.fidelity == "request":
            self.traffic = RequestTraffic(
                self.world, traffic_services, scenario.tick, routing=scenario.routing
            )
        else:
            self.traffic = FlowTraffic(
                traffic_services,
                scenario.tick,
                clock=lambda: self.world.now,
                routing=scenario.routing,
            )
        self.targets = TargetRegistration(self.ecs, self.load_balancers.target_group)
        self.routing = TargetGroupRouting(
            self.traffic, self.load_balancers.columns, self._target_capacity
        )
        self.faults = RevisionFaults(lambda: self.world.now, self._revision_of)
        self.traffic.faults = self.faults  # bad versions, per target (faults/revision.py)
        for key, listener in self.load_balancers.listeners.items():
            self.routing.add_listener(listener, self.load_balancers.classes_at(key))
        self.targets.listeners.append(self.routing.refresh)
        self.memory = {
            s.name: MemoryModel(
                s.memory_model.baseline_mib,
                s.memory_model.per_in_flight_mib,
                s.memory_model.leak_mib_per_hour,
            )
            for s in scenario.services
            if s.memory_model is not None
        }
        self.oom = OomKiller(
            self.world,
            self.ecs,
            self.cluster,
            {
                name: ServiceMemory(model, self.specs[name].memory)
                for name, model in self.memory.items()
            },
            self._task_load,
            self._serving,
        )
        self.oom.revision_leak = self._revision_leak
        self.deployments = DeploymentLog(self.cluster)
        self._no_ooms = [0] * len(self.names)
        self._no_memory = [np.nan] * len(self.names)
        self._no_failed = [0.0] * len(self.names)
        self._groups = [self.load_balancers.group_of(n) for n in self.names]
        self._last_versions = [-1] * len(self.names)  # no group's version: read them all
        self._health_rows: tuple[list[int], list[int]] = (
            [0] * len(self.names),
            [0] * len(self.names),
        )
        self._revisions: dict[str, int] = {}
        rec = self.world.metrics
        self._ids = {m: rec.series_ids(m, "service", self.names) for m in PER_SERVICE_METRICS}
        groups = [g.name for g in self._groups]
        self._tg_ids = {
            m: rec.series_ids(m, "target_group", groups) for m in PER_TARGET_GROUP_METRICS
        }
        self._cluster_ids = np.array(
            [rec.series_id(m, cluster=scenario.name) for m in CLUSTER_METRICS]
        )
        self._reset_buffers()
        # live CloudWatch: metrics put while the run goes, the scenario's alarms on them
        self.metric_store = LiveStore()
        """The live metric store (AWS/ApplicationELB and AWS/ECS metrics, once a period)."""
        self.keep_live_metrics = True
        """Hold every tick for the live store until it is read (a caller reading
        ``metric_store`` after the run sees the whole run). False: hold only what an alarm
        can still read (``build_metrics.UNREAD_WINDOW``); ``experiment.run`` sets that,
        as its result carries no live store."""
        self.alarms = Alarms(scenario.region)
        """The CloudWatch alarms registry: the scenario's alarms, and any a caller puts
        (``alarms.put(AlarmConfig(...), now)``; ``alarms.subscribe(callback)``)."""
        self.alarm_evaluator = AlarmEvaluator(self.world, self.metric_store, self.alarms)
        self.alarms.on_put.append(lambda _alarm: self.alarm_evaluator.start())
        self.alarms.subscribe(self._on_alarm)
        self.alarm_log = AlarmLog()
        self._alarm_configs, _ = build_alarms.alarm_configs(scenario, self.load_balancers)
        self.live_metrics = LiveMetrics(
            self, build_alarms.publish_period(scenario), self.listener_arrivals
        )
        self.metric_store.before_read.append(self.live_metrics.catch_up)
        ecs_reads = self.metric_store.before_read_namespace
        ecs_reads[build_alarms.ECS_NAMESPACE] = [self.live_metrics.catch_up_ecs]

    def _request_shares(self) -> dict[str, float]:
        """Each service's group's share of its listener's requests as the request
        classes route them at the start (the request fidelity's fixed shares)."""
        lbs = self.load_balancers
        out: dict[str, float] = {}
        for name in self.names:
            key = lbs.entry.get(name)
            if key is not None:
                shares = listener_shares(lbs.listeners[key], lbs.classes_at(key))
                out[name] = shares.groups.get(lbs.arn_of(name), 0.0)
        return out

    # ---------------------------------------------------------------- set-up
    @fewer_collections()
    def start(self) -> None:
        """Launch the initial fleet, register it and start the services: all settled at
        time 0 (the scenario starts from a running system); then events and faults.
        Garbage is collected less often meanwhile (``core.collection``)."""
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
        self.oom.start()
        for config in self._alarm_configs:
            self.alarms.put(config, self.world.now)
        if s.test_fleet is not None:
            self.test_fleet = TestFleetRun(self)
            self.test_fleet.start()
        for event in s.events:
            self.world.at(event.at, partial(events.apply, self, event))
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
        doc: dict[str, Any] = {
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

    def register(self, spec: schema.Service, start_failure: float = 0.0) -> str:
        """A new revision of the service's task definition; its ARN."""
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
            self.register(spec),
            spec.desired_count,
            strategies=strategies,
            constraints=[c.model_dump(exclude_none=True) for c in spec.placement_constraints],
            deployment_configuration=DeploymentConfiguration(
                d.minimum_healthy_percent, d.maximum_percent, d.circuit_breaker, d.rollback
            ),
            scheduling_strategy=spec.scheduling_strategy,
            capacity_provider_strategy=build_capacity.strategy_api(spec),
            health_check_grace_period=spec.load_balancer.health_check_grace_period,
            load_balancers=[self.load_balancers.binding(spec.name)],
        )

    # ---------------------------------------------------------------- events
    def set_shared_count(self, count: int) -> None:
        """set_instance_count: launch or terminate shared-tenancy instances."""
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

    def _on_alarm(self, change: StateChange) -> None:
        """An alarm changed state: an event of the run, and the alarms' summary."""
        self.alarm_log.record(change)
        self.world.emit(
            "alarm_state_change",
            change.alarm_name,
            old_state=str(change.old_state),
            new_state=str(change.new_state),
            reason=change.reason,
        )

    def shares(self) -> np.ndarray:
        """Each service's target group share of its listener's requests now."""
        return np.array([self.routing.share(self.load_balancers.arn_of(n)) for n in self.names])

    def _on_task(self, what: str, task, before) -> None:
        """Keep running tasks per service and instance family (the capacity estimate the
        auto scaling metrics and the memory model use)."""
        if not task.group.startswith("service:"):
            return
        counter = self.running_by_family.get(task.group[8:])
        if counter is None:
            return
        if what == "running":
            counter[self._family_of(task)] += 1
        elif what == "stopping" and before is TaskState.RUNNING:
            counter[self._family_of(task)] -= 1

    def rate(self, service: str, family: str) -> float:
        """Requests/s per vCPU of ``service`` on ``family`` (workload, runtime, profiles)."""
        key = (service, family)
        if key not in self._rate_cache:
            spec = self.specs[service]
            self._rate_cache[key] = requests_per_vcpu_second(
                spec.workload, family, spec.runtime, self.profiles
            )
        return self._rate_cache[key]

    def _target_capacity(self, target_group_arn: str, target_id: str) -> float:
        """Requests/s per vCPU of the task behind a target."""
        task_id = self.targets.task_of(target_group_arn, target_id)
        service = self.load_balancers.service_of(target_group_arn)
        task = self.cluster.tasks.get(task_id or "")
        family = self._family_of(task) if task is not None else self.throughput_family
        return self.rate(service, family)

    def _revision_of(self, column: str, target_id: str) -> str | None:
        """The task definition ARN behind a target of ``column`` (a service's group)."""
        task_id = self.targets.task_of(self.load_balancers.arn_of(column), target_id)
        task = self.cluster.tasks.get(task_id or "")
        return None if task is None else task.task_definition_arn

    def _revision_leak(self, task, now: float) -> tuple[float, float]:
        started = task.time_entered(TaskState.RUNNING)
        started = now if started is None else started
        arn = task.task_definition_arn
        return self.faults.leak(arn, started, now), self.faults.leak_rate(arn, now)

    # ---------------------------------------------------------------- memory
    def _serving(self, service: str, task_id: str) -> bool:
        """Whether the task's target takes new requests now."""
        return any(self.routing.routes(arn, t) for arn, t in self.targets.targets_of(task_id))

    def _task_load(self, service: str, now: float) -> TaskLoad:
        """The load on each routable target of ``service`` now, at the flow model's
        operating point (for the memory model)."""
        j = self.names.index(service)
        spec = self.specs[service]
        servers = max(1, spec.cpu // 1024)
        arn = self.load_balancers.arn_of(service)
        n = self.routing.routable_count(arn)
        arrivals = self.arrivals[j]
        lam = 0.0
        if n and arrivals is not None:
            lam = float(arrivals.rate(np.array([now]))[0]) * self.routing.share(arn) / n
        nominal = spec.cpu / 1024.0 * float(self._rps_per_vcpu()[j])
        tm = self.task_model
        knee = np.broadcast_to(tm.knee, (len(self.names),))[j]
        full = np.broadcast_to(tm.full_load_efficiency, (len(self.names),))[j]
        eff = effective_capacity(lam, nominal, knee, full)
        cap = float(eff.capacity)
        stable = lam < cap and not bool(eff.saturated)
        steady = lam * float(mmc_mean_response(servers, lam, cap / servers)) if stable else 0.0
        return TaskLoad(lam, cap, steady, servers, spec.timeout)

    @property
    def oom_kills(self) -> dict[str, int]:
        """OOM kills so far, per service."""
        return {
            n: len(self.oom.services[n].kills) if n in self.oom.services else 0 for n in self.names
        }

    def oom_times(self, service: str) -> list[float]:
        mem = self.oom.services.get(service)
        return list(mem.kills) if mem is not None else []

    def _memory_sample(self) -> list[float]:
        """Each service's average MemoryUtilization (% of task memory) now."""
        now = self.world.now
        return [
            self.oom.utilization(name, now) if name in self.memory else np.nan
            for name in self.names
        ]

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
                out[j] = sum(n * self.rate(name, f) for f, n in counter.items() if n) / total
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
        """Each tick, close the one before (the traffic model averages its state over the
        tick) and sample the state at its start; queueing outcomes are computed per block
        of ticks at once, which keeps long runs fast."""
        w, tick = self.world, self.scenario.tick
        while True:
            self._close_tick()
            if len(self._times) >= BLOCK:
                self._flush_block()
            self._sample()
            self.traffic.open(w.now)
            yield w.env.timeout(tick)

    def _close_tick(self) -> None:
        if not self._times or len(self._oom_failed) == len(self._times):
            return
        self.traffic.close(self.world.now)
        self._oom_failed.append(
            [self.oom.take_failed(n) for n in self.names] if self.memory else self._no_failed
        )

    def _sample(self) -> None:
        w, obs = self.world, self.observer
        self._times.append(w.now)
        services = [self.cluster.services[n] for n in self.names]
        versions = [tg._version for tg in self._groups]  # health_counts' own key
        last = self._last_versions
        if versions != last:  # some group's targets or health changed: read those groups
            healthy_row, unhealthy_row = list(self._health_rows[0]), list(self._health_rows[1])
            for j, tg in enumerate(self._groups):
                if versions[j] != last[j]:
                    healthy_row[j], unhealthy_row[j] = tg.health_counts()
            self._last_versions = versions
            self._health_rows = (healthy_row, unhealthy_row)  # new lists: appended rows stay
        for rows, row in (
            (self._running, [svc.running_count for svc in services]),
            (self._desired, [svc.desired_count for svc in services]),
            (self._pending, [svc.pending_count for svc in services]),
            (self._healthy, self._health_rows[0]),
            (self._unhealthy, self._health_rows[1]),
        ):  # a row equal to the tick before's is that row (read-only once appended: ``_rows``)
            rows.append(rows[-1] if rows and rows[-1] == row else row)
        self._memory.append(self._memory_sample() if self.memory else self._no_memory)
        self._ooms.append(
            [len(self.oom.services[n].kills) if n in self.oom.services else 0 for n in self.names]
            if self.memory
            else self._no_ooms
        )
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
                hosts[HostState.PERMANENT_FAILURE] + hosts[HostState.RELEASED_PERMANENT_FAILURE],
            )
        )

    def flush(self) -> None:
        """Close the open tick now and record every buffered one (the end of a run)."""
        self._close_tick()
        self._flush_block()
        if self._periods is not None:  # the open period
            self._record(*self._periods[0].finish(), *self._periods[1].finish())

    def flush_closed(self) -> None:
        """Record the ticks closed so far (the open one stays open): the live store's
        reads see every tick before now."""
        self._flush_block()

    def _ends(self, times: np.ndarray, k: int) -> np.ndarray:
        """Where each of ``times`` (the last of the ``k`` closed ticks' starts) ends: the
        next tick's start, the last at the open tick's start (or now)."""
        end = self._times[k] if len(self._times) > k else self.world.now
        return np.append(times[1:], end)

    def ecs_closed(
        self, since: float
    ) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]] | None:
        """The closed ticks not recorded yet that start at ``since`` or later, as (times,
        ends, the values an AWS/ECS put reads: RunningTaskCount, CPUUtilization,
        MemoryUtilization), without recording them: those ``_flush_block`` will record.
        None when only recording gives them (request fidelity, a backlog or overload:
        ``FlowTraffic.peek_cpu``); no rows when there are none."""
        k = len(self._oom_failed)
        if not k or not isinstance(self.traffic, FlowTraffic):
            return None
        first = bisect.bisect_left(self._times, since, 0, k)
        if first == k:  # every closed tick is put already
            return np.zeros(0), np.zeros(0), {}
        cpu = self.traffic.peek_cpu(first)
        if cpu is None:
            return None
        times = np.array(self._times[first:k], dtype=float)
        ends = self._ends(times, k)
        shape = (k - first, len(self.names))
        values = {
            "RunningTaskCount": np.array(self._running[first:k], dtype=float).reshape(shape),
            "CPUUtilization": cpu,
            "MemoryUtilization": np.array(self._memory[first:k], dtype=float).reshape(shape),
        }
        return times, ends, values

    def _flush_block(self) -> None:
        """Evaluate and record the buffered closed ticks (all but an open one)."""
        k = len(self._oom_failed)  # closed ticks: each closed one has its OOM row
        if not k:
            return
        times, values = self.traffic.flush()
        assert len(times) == k, (len(times), k)
        ends = self._ends(times, k)
        shape = (len(times), len(self.names))
        values["RunningTaskCount"] = _rows(self._running[:k], shape)
        values["DesiredTaskCount"] = _rows(self._desired[:k], shape)
        values["PendingTaskCount"] = _rows(self._pending[:k], shape)
        values["HealthyHostCount"] = _rows(self._healthy[:k], shape)
        values["UnHealthyHostCount"] = _rows(self._unhealthy[:k], shape)
        values["MemoryUtilization"] = _rows(self._memory[:k], shape)
        values["OOMKills"] = _rows(self._ooms[:k], shape)
        # requests in flight in an OOM-killed task: the load balancer answers 502
        lost = _rows(self._oom_failed, shape)
        lost = np.minimum(lost, values["HTTPCode_Target_2XX_Count"])
        values["HTTPCode_Target_2XX_Count"] = values["HTTPCode_Target_2XX_Count"] - lost
        values["HTTPCode_ELB_502_Count"] = lost
        values["HTTPCode_ELB_5XX_Count"] = values["HTTPCode_ELB_503_Count"] + lost
        rows = np.array(self._cluster_rows[:k], dtype=float).reshape(k, len(CLUSTER_METRICS))
        cluster = {m: rows[:, [i]] for i, m in enumerate(CLUSTER_METRICS)}
        self._reset_buffers(k)
        self.live_metrics.add_ticks(times, ends, values)
        if self._periods is None:
            self._record(times, values, times, cluster)
            return
        lengths = ends - times
        self._record(
            *self._periods[0].push(times, lengths, values),
            *self._periods[1].push(times, lengths, cluster),
        )

    def _record(
        self,
        times: np.ndarray,
        values: dict[str, np.ndarray],
        cluster_times: np.ndarray,
        cluster: dict[str, np.ndarray],
    ) -> None:
        """Record per service, per target group and per cluster (ticks or periods)."""
        rec = self.world.metrics
        if self.names and len(times):
            for metric, ids in self._ids.items():
                rec.record_block(times, ids, values[metric])
            for metric, ids in self._tg_ids.items():
                rec.record_block(times, ids, values[metric])
        if len(cluster_times):
            rows = np.hstack([cluster[m] for m in CLUSTER_METRICS])
            rec.record_block(cluster_times, self._cluster_ids, rows)

    def _reset_buffers(self, k: int | None = None) -> None:
        """Drop the first ``k`` buffered ticks (None: start empty)."""
        if k is None:
            self._times: list[float] = []
            self._running: list[list[int]] = []
            self._desired: list[list[int]] = []
            self._pending: list[list[int]] = []
            self._cluster_rows: list[tuple[float, ...]] = []
            self._memory: list[list[float]] = []
            self._ooms: list[list[int]] = []
            self._healthy: list[list[int]] = []
            self._unhealthy: list[list[int]] = []
            self._oom_failed: list[list[float]] = []
            return
        for buffer in (
            self._times, self._running, self._desired, self._pending, self._cluster_rows,
            self._memory, self._ooms, self._healthy, self._unhealthy, self._oom_failed,
        ):  # fmt: skip
            del buffer[:k]


def _rows(rows: list, shape: tuple[int, int]) -> np.ndarray:
    """Buffered per-tick rows as one float array of ``shape``; a row the tick before
    shared (the same object: nothing changed) is converted once and repeated."""
    starts = [i for i, row in enumerate(rows) if not i or row is not rows[i - 1]]
    unique = np.array([rows[i] for i in starts], dtype=float).reshape(len(starts), shape[1])
    return np.repeat(unique, np.diff([*starts, len(rows)]), axis=0).reshape(shape)
