"""A load source for the boto3 world: ``aws.send_traffic(load_balancer, rps)``.

Requests are offered to a load balancer (its ARN, DNS name or name) from now until
changed or stopped (``rps=0``), as a number of requests/s or an arrival pattern written
as in scenario files (``{"pattern": "diurnal", "min_rps": 100, "peak_rps": 400}``).
Once a minute, the ALB's publishing interval, each load balancer's listener splits the
minute's requests over its weighted target groups (503 from the load balancer for a
group without a routable target), each group spreads its share over its routable
targets, and the flow model gives the outcome (``simulator.cloudwatch.elb_metrics``,
the publisher a scenario's live CloudWatch uses too). The results go to the account's live
CloudWatch store as ``AWS/ApplicationELB`` metrics (RequestCount, HTTPCode_Target_2XX /
5XX_Count, HTTPCode_ELB_5XX_Count, TargetResponseTime, RequestCountPerTarget per target
group; HealthyHostCount and UnHealthyHostCount; RequestCount by LoadBalancer), stamped
with the minute's start and put at its end. As CloudWatch documents, a metric with no
requests in a minute is not reported.

From the first ``send_traffic`` or RegisterScalableTarget on, every ECS service with
running tasks also gets AWS/ECS CPUUtilization and MemoryUtilization (ClusterName,
ServiceName) each minute: the mean over its running tasks of their target group's flow
utilization (0 for a task no traffic reaches), memory as the scenario's default linear
assumption (40 % idle to 80 % busy); ECS sends no datapoint for a service without a
running task. These are what target tracking policies' alarms read.

A target that is an ECS task serves at its task's size and instance family; another
target (an EC2 instance registered by hand) at its instance's vCPUs. ``workload`` (a
row of catalog/data/workloads.csv) sets the requests/s per vCPU.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import TypeAdapter, ValidationError

from simulator.catalog.catalog import requests_per_vcpu_second
from simulator.cloudwatch import elb_metrics
from simulator.cloudwatch.elb_metrics import GroupPeriod
from simulator.cloudwatch.live import PeriodicPublisher
from simulator.core.errors import EcsimError
from simulator.ecs.task import TaskState
from simulator.scenario import schema
from simulator.scenario.traffic_models import arrival_model
from simulator.traffic.arrivals import ArrivalRate, Constant
from simulator.traffic.elb_targets import TargetGroup

if TYPE_CHECKING:
    from simulator.aws.account import SimulatedAWS

PERIOD = 60.0
DEFAULT_FAMILY = "m6i"  # Fargate tasks and unknown targets
_PATTERN = TypeAdapter(schema.Traffic)
ECS_NAMESPACE = "AWS/ECS"
MEMORY_IDLE_PCT, MEMORY_BUSY_PCT = 40.0, 80.0
"""The memory assumption of a scenario's auto_scaling defaults (build_capacity.memory_pct)."""


@dataclass(frozen=True)
class _Minute:
    """What a minute starts with: the groups' loads, which tasks each group's routable
    targets are, and each ECS service's running tasks."""

    groups: list[GroupPeriod]
    tasks_of: dict[str, list[str]]  # target group ARN -> task ids of its routable targets
    services: list[tuple[str, str, list[str]]]  # (cluster, service, running task ids)


@dataclass
class _Source:
    load_balancer: str  # ARN
    arrivals: ArrivalRate
    workload: str


def arrivals_from(rps: float | Mapping[str, Any], world: Any) -> ArrivalRate:
    """A number of requests/s, or a scenario file's traffic pattern."""
    if isinstance(rps, int | float) and not isinstance(rps, bool):
        if not np.isfinite(rps) or rps < 0:
            raise EcsimError(f"rps must be a finite number >= 0, got {rps!r}")
        return Constant(float(rps))
    if not isinstance(rps, Mapping):
        raise EcsimError(f"rps must be a number or a traffic pattern mapping, got {rps!r}")
    try:
        t = _PATTERN.validate_python({"service": "load-balancer", **rps})
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(x) for x in first["loc"][1:]) or "pattern"
        raise EcsimError(f"rps.{where}: {first['msg']}") from None
    return arrival_model(t, [], world, PERIOD)


class TrafficSources:
    """The account's offered load, evaluated and published once a minute."""

    def __init__(self, aws: SimulatedAWS):
        self.aws = aws
        self._sources: dict[str, _Source] = {}
        self._publisher = PeriodicPublisher(aws.world, PERIOD, self._snapshot, self._publish)

    def start(self) -> None:
        """Publish from now on (ECS metrics even without load)."""
        self._publisher.start()

    def send(
        self, target: str, rps: float | Mapping[str, Any], workload: str = "web-dynamic"
    ) -> None:
        lb = self.aws.elbv2.find(target)
        arrivals = arrivals_from(rps, self.aws.world)
        if isinstance(arrivals, Constant) and arrivals.rps == 0:
            self._sources.pop(lb.arn, None)
            return
        requests_per_vcpu_second(workload, DEFAULT_FAMILY, None, {})  # an unknown one fails
        self._sources[lb.arn] = _Source(lb.arn, arrivals, workload)
        self._publisher.start()

    # -------------------------------------------------------------- the minute
    def _snapshot(self, at: float) -> _Minute:
        """Per load balancer and target group: offered requests/s and the routable
        targets' capacities (requests/s, each as one vCPU) and their bad-version factors, at
        the minute's start; and the ECS services' running tasks."""
        out = []
        tasks_of: dict[str, list[str]] = {}
        for arn in sorted(self._sources):
            source = self._sources[arn]
            lb = self.aws.elbv2.find(arn)
            if lb.state(at) != "active" or not lb.listeners:
                continue
            rate = float(source.arrivals.rate(np.array([at]))[0])
            # the listener clients use: the lowest port (production's 80 before a 8080
            # test listener; ecsim's choice), then the ARN
            listener = min(lb.listeners.values(), key=lambda x: (x.port, x.arn))
            split = listener.route_split(rate, at=at)
            for name in sorted(split.groups):
                tg = self.aws.elbv2.target_group(name)
                targets = sorted(tg.routable(at))
                caps = [self._capacity(tg, t, source.workload) for t in targets]
                rate_tg = split.groups[name]
                tasks_of[tg.arn] = [
                    tid
                    for t in targets
                    if (tid := self.aws.target_registration.task_of(tg.arn, t)) is not None
                ]
                error, slow = self._faults(tg, targets, at, rate_tg > 0)
                out.append(GroupPeriod(lb.arn, tg, rate_tg, tuple(caps), error=error, slow=slow))
            if split.elb_503:
                out.append(GroupPeriod(lb.arn, None, split.elb_503))
        services = []
        for cname in sorted(self.aws.ecs.clusters):
            cluster = self.aws.ecs.clusters[cname]
            running: dict[str, list[str]] = {}
            for task in cluster.tasks.values():
                group = getattr(task, "group", "") or ""
                if task.last_status is TaskState.RUNNING and group.startswith("service:"):
                    running.setdefault(group.removeprefix("service:"), []).append(task.task_id)
            services += [(cname, name, sorted(running[name])) for name in sorted(running)]
        return _Minute(out, tasks_of, services)

    def _revision(self, tg: TargetGroup, target_id: str) -> str | None:
        """The task definition ARN behind a target (None: not an ECS task)."""
        task_id = self.aws.target_registration.task_of(tg.arn, target_id)
        for cluster in self.aws.ecs.clusters.values() if task_id is not None else ():
            task = cluster.tasks.get(task_id or "")
            if task is not None:
                return task.task_definition_arn
        return None

    def _faults(
        self, tg: TargetGroup, targets: list[str], at: float, serving: bool
    ) -> tuple[float, float]:
        """(share of answers that are a bad version's 5xx, mean latency multiplier) over
        the group's routable targets, which share its requests evenly; a revision whose
        targets receive requests for the first time starts a first_request onset."""
        faults = self.aws.revision_faults
        if not targets or not faults.active:
            return 0.0, 1.0
        error = slow = 0.0
        for target in targets:
            rev = self._revision(tg, target)
            if serving:
                faults.first_request(rev, at)
            fault = faults.fault_of(rev)
            if fault is not None and at >= faults.onset_of(rev):
                error += fault.error_probability
                slow += fault.latency_multiplier
            else:
                slow += 1.0
        return error / len(targets), slow / len(targets)

    def _capacity(self, tg: TargetGroup, target_id: str, workload: str) -> float:
        """Requests/s a target serves at low load (a bad version's CPU cost divides it)."""
        aws = self.aws
        task_id = aws.target_registration.task_of(tg.arn, target_id)
        if task_id is not None:
            for cluster in aws.ecs.clusters.values():
                task = cluster.tasks.get(task_id)
                if task is None:
                    continue
                req = aws.ecs.task_definitions.describe(task.task_definition_arn).requirements()
                ci = cluster.container_instances.get(task.container_instance or "")
                family = ci.instance_type.family if ci is not None else DEFAULT_FAMILY
                factor = aws.revision_faults.capacity_factor(task.task_definition_arn)
                rps = requests_per_vcpu_second(workload, family, None, {})
                return req.cpu / 1024.0 * rps * factor
        instance = aws.fleet.instances.get(target_id)
        if instance is not None:
            itype = aws.instance_type(instance.instance_type)
            return itype.vcpu * requests_per_vcpu_second(workload, itype.family, None, {})
        return requests_per_vcpu_second(workload, DEFAULT_FAMILY, None, {})

    def _publish(self, at: float, minute: _Minute) -> None:
        store = self.aws.cloudwatch_store
        utilization = elb_metrics.publish(store, at, PERIOD, minute.groups)
        busy: dict[str, float] = {}
        for arn in sorted(minute.tasks_of):
            for task in minute.tasks_of[arn]:
                busy[task] = max(busy.get(task, 0.0), utilization.get(arn, 0.0))
        for cluster, service, tasks in minute.services:
            if not tasks:
                continue
            b = sum(busy.get(t, 0.0) for t in tasks) / len(tasks)
            dims = {"ClusterName": cluster, "ServiceName": service}
            memory = MEMORY_IDLE_PCT + (MEMORY_BUSY_PCT - MEMORY_IDLE_PCT) * b
            for metric, value in (("CPUUtilization", b * 100.0), ("MemoryUtilization", memory)):
                handle = store.series(ECS_NAMESPACE, metric, dims)
                handle.unit = "Percent"
                handle.put(at, value=value)
