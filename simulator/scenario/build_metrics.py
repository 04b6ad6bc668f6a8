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

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from simulator.cloudwatch import elb_metrics
from simulator.cloudwatch.elb_metrics import GroupPeriod
from simulator.ecs.autoscaling import PredefinedMetric
from simulator.scenario.build_alarms import ECS_NAMESPACE
from simulator.scenario.build_capacity import ServiceMetrics
from simulator.traffic.arrivals import ArrivalRate

if TYPE_CHECKING:
    from simulator.scenario.build import Simulation


@dataclass(frozen=True)
class PeriodStart:
    groups: list[GroupPeriod]
    ecs: list[tuple[str, float | None, float | None]]  # service, CPU %, memory %


class LiveMetrics:
    """The snapshot and publish halves of the scenario's live publisher."""

    def __init__(self, sim: Simulation, period: int, listener_arrivals: dict[str, ArrivalRate]):
        self.sim = sim
        self.period = period
        self.listener_arrivals = listener_arrivals
        self.service_metrics = ServiceMetrics(sim)

    def snapshot(self, at: float) -> PeriodStart:
        sim = self.sim
        lbs = sim.load_balancers
        groups: list[GroupPeriod] = []
        for key, listener in lbs.listeners.items():
            arrivals = self.listener_arrivals.get(key)
            if arrivals is None:
                continue
            rate = float(arrivals.rate(np.array([at]))[0])
            split = listener.route_split(rate, at=at)
            for name in sorted(split.groups):
                tg = lbs.target_groups[name]
                service = lbs.service_of(tg.arn)
                spec = sim.specs[service]
                per_vcpu = tuple(sim._target_capacity(tg.arn, t) for t in sorted(tg.routable(at)))
                groups.append(
                    GroupPeriod(
                        listener.load_balancer_arn,
                        tg,
                        split.groups[name],
                        per_vcpu,
                        cpu=float(spec.cpu),
                        timeout=spec.timeout,
                    )
                )
            if split.elb_503:
                groups.append(GroupPeriod(listener.load_balancer_arn, None, split.elb_503))
        ecs: list[tuple[str, float | None, float | None]] = []
        for name in sim.names:
            cpu = self.service_metrics(name, PredefinedMetric.CPU)
            if cpu is None:
                ecs.append((name, None, None))
                continue
            if name in sim.memory:
                memory: float | None = sim.oom.utilization(name, at)
            else:
                memory = self.service_metrics(name, PredefinedMetric.MEMORY)
            ecs.append((name, cpu, memory))
        return PeriodStart(groups, ecs)

    def publish(self, at: float, start: PeriodStart) -> None:
        store = self.sim.metric_store
        elb_metrics.publish(store, at, self.period, start.groups)
        resolution = 1 if self.period < 60 else 60
        cluster = self.sim.cluster.name
        for name, cpu, memory in start.ecs:
            dims = {"ClusterName": cluster, "ServiceName": name}
            for metric, value in (("CPUUtilization", cpu), ("MemoryUtilization", memory)):
                if value is not None and np.isfinite(value):
                    store.put(
                        ECS_NAMESPACE, metric, dims, at, value=float(value), unit="Percent",
                        storage_resolution=resolution,
                    )  # fmt: skip
