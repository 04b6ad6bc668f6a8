"""A load source for the boto3 world: ``aws.send_traffic(load_balancer, rps)``.

Requests are offered to a load balancer (its ARN, DNS name or name) from now until
changed or stopped (``rps=0``), as a number of requests/s or an arrival pattern written
as in scenario files (``{"pattern": "diurnal", "min_rps": 100, "peak_rps": 400}``).
Once a minute, the ALB's publishing interval, each load balancer's listener splits the
minute's requests over its weighted target groups (503 from the load balancer for a
group without a routable target), each group spreads its share over its routable
targets, and the flow model gives the outcome. The results go to the account's live
CloudWatch store as ``AWS/ApplicationELB`` metrics (RequestCount, HTTPCode_Target_2XX /
5XX_Count, HTTPCode_ELB_5XX_Count, TargetResponseTime, RequestCountPerTarget per target
group; HealthyHostCount and UnHealthyHostCount; RequestCount by LoadBalancer), stamped
with the minute's start and put at its end. As CloudWatch documents, a metric with no
requests in a minute is not reported.

A target that is an ECS task serves at its task's size and instance family; another
target (an EC2 instance registered by hand) at its instance's vCPUs. ``workload`` (a
row of catalog/data/workloads.csv) sets the requests/s per vCPU.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import TypeAdapter, ValidationError

from simulator.catalog.catalog import requests_per_vcpu_second
from simulator.core.errors import EcsimError
from simulator.scenario import schema
from simulator.scenario.traffic_models import arrival_model
from simulator.traffic import flow
from simulator.traffic.arrivals import ArrivalRate, Constant
from simulator.traffic.elb_targets import TargetGroup

if TYPE_CHECKING:
    from simulator.aws.account import SimulatedAWS

NAMESPACE = "AWS/ApplicationELB"
PERIOD = 60.0
DEFAULT_FAMILY = "m6i"  # Fargate tasks and unknown targets
_PATTERN = TypeAdapter(schema.Traffic)


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


def _dimension(arn: str, kind: str) -> str:
    """CloudWatch's dimension value: the ARN's resource part after ``loadbalancer/`` for
    LoadBalancer, from ``targetgroup/`` for TargetGroup."""
    if kind == "LoadBalancer":
        return arn.split(":loadbalancer/", 1)[-1]
    return "targetgroup/" + arn.split(":targetgroup/", 1)[-1]


def response_time_points(
    p50: float, mean: float, p99: float, served: float
) -> tuple[list[float], list[float]]:
    """A minute's TargetResponseTime as three weighted values (CloudWatch's Values and
    Counts) whose nearest-rank p50 and p99 and whose Average are the flow model's: half
    the requests at p50, 2 % at p99, and the rest at the value that makes the mean
    (kept between the two)."""
    middle = (mean - 0.5 * p50 - 0.02 * p99) / 0.48
    middle = min(max(middle, p50), p99)
    return [p50, middle, p99], [0.5 * served, 0.48 * served, 0.02 * served]


class TrafficSources:
    """The account's offered load, evaluated and published once a minute."""

    def __init__(self, aws: SimulatedAWS):
        self.aws = aws
        self._sources: dict[str, _Source] = {}
        self._started = False

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
        if not self._started:
            self._started = True
            self.aws.world.process(self._run())

    def _run(self) -> Generator:
        world = self.aws.world
        start = (world.now // PERIOD) * PERIOD
        if start < world.now:
            yield world.env.timeout(start + PERIOD - world.now)
            start += PERIOD
        while True:
            snapshot = self._snapshot(start)
            yield world.env.timeout(PERIOD)
            self._publish(start, snapshot)
            start += PERIOD

    # -------------------------------------------------------------- the minute
    def _snapshot(self, at: float) -> list[tuple]:
        """Per load balancer and target group: offered requests/s, the routable targets'
        capacities (requests/s) and their bad-version factors, at the minute's start."""
        out = []
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
                out.append((lb, tg, rate_tg, caps, self._faults(tg, targets, at, rate_tg > 0)))
            if split.elb_503:
                out.append((lb, None, split.elb_503, [], (0.0, 1.0)))  # type: ignore[arg-type]
        return out

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

    def _publish(self, at: float, snapshot: list) -> None:
        store = self.aws.cloudwatch_store
        by_lb: dict[str, float] = {}
        for lb, tg, rate, caps, (error, slow) in snapshot:
            lb_dim = _dimension(lb.arn, "LoadBalancer")
            if tg is None or not caps:  # no routable target: the load balancer's 503s
                count = rate * PERIOD
                if count > 0:
                    dims = {"LoadBalancer": lb_dim}
                    if tg is not None:
                        dims["TargetGroup"] = _dimension(tg.arn, "TargetGroup")
                    store.put(NAMESPACE, "HTTPCode_ELB_5XX_Count", dims, at, value=count)
                    store.put(NAMESPACE, "HTTPCode_ELB_503_Count", dims, at, value=count)
                if tg is not None:
                    self._health(lb_dim, tg, at)
                continue
            n = len(caps)
            mean_cap = float(np.mean(caps))
            model = flow.TaskModel.build([1024.0], [mean_cap], [60.0], routing=tg.algorithm)
            r = flow.evaluate(model, np.array([rate]), np.array([float(n)]))
            dims = {"LoadBalancer": lb_dim, "TargetGroup": _dimension(tg.arn, "TargetGroup")}
            requests = rate * PERIOD
            self._health(lb_dim, tg, at)
            if requests <= 0:
                continue
            by_lb[lb_dim] = by_lb.get(lb_dim, 0.0) + requests
            served = float(r.served[0]) * PERIOD
            failed = float(r.failed[0]) * PERIOD + served * error  # a bad version's 5xx
            served -= served * error
            store.put(NAMESPACE, "RequestCount", dims, at, value=requests)
            store.put(NAMESPACE, "HTTPCode_Target_2XX_Count", dims, at, value=served)
            if failed > 0:
                store.put(NAMESPACE, "HTTPCode_Target_5XX_Count", dims, at, value=failed)
            store.put(
                NAMESPACE,
                "RequestCountPerTarget",
                {"TargetGroup": dims["TargetGroup"]},
                at,
                value=requests / n,
            )
            if served > 0:
                values, counts = response_time_points(
                    float(r.latency_p50[0]) * slow,
                    float(r.latency_mean[0]) * slow,
                    float(r.latency_p99[0]) * slow,
                    served,
                )
                store.put(
                    NAMESPACE, "TargetResponseTime", dims, at, values=values, counts=counts,
                    unit="Seconds",
                )  # fmt: skip
        for lb_dim, requests in sorted(by_lb.items()):
            store.put(NAMESPACE, "RequestCount", {"LoadBalancer": lb_dim}, at, value=requests)

    def _health(self, lb_dim: str, tg: TargetGroup, at: float) -> None:
        dims = {"LoadBalancer": lb_dim, "TargetGroup": _dimension(tg.arn, "TargetGroup")}
        store = self.aws.cloudwatch_store
        store.put(NAMESPACE, "HealthyHostCount", dims, at, value=float(tg.healthy_count()))
        store.put(NAMESPACE, "UnHealthyHostCount", dims, at, value=float(tg.unhealthy_count()))
