"""AWS/ApplicationELB metrics of one period, as a load balancer publishes them.

The one publisher of ALB metrics: the boto3 world's load source (``aws.send_traffic``,
simulator/aws/traffic.py) and a scenario's live CloudWatch (simulator/cloudwatch/live.py)
both describe a period as ``GroupPeriod`` rows (the requests/s a listener sent to each
target group and the routable targets' capacities at the period's start) and call
``publish``. Each group's outcome is the flow model's steady state over its routable
targets; the results are put stamped with the period's start:

- per LoadBalancer and TargetGroup: RequestCount, HTTPCode_Target_2XX_Count,
  HTTPCode_Target_5XX_Count (only when some failed), TargetResponseTime (three weighted
  values whose p50, p99 and Average are the flow model's), HealthyHostCount,
  UnHealthyHostCount; HTTPCode_ELB_5XX_Count and HTTPCode_ELB_503_Count for requests a
  group without a routable target answered with 503;
- per TargetGroup: RequestCountPerTarget; per LoadBalancer: RequestCount.

As CloudWatch documents, a count with no requests in a period is not reported (health
counts are). Pure: no simpy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simulator.cloudwatch.store import MetricStore
from simulator.traffic import flow
from simulator.traffic.elb_targets import TargetGroup

NAMESPACE = "AWS/ApplicationELB"


@dataclass(frozen=True)
class GroupPeriod:
    """What one target group of one load balancer received in a period.

    ``target_group`` None: the listener's own 503s (all weights 0). ``rate_per_vcpu`` has
    one entry per routable target: its requests/s per vCPU at low load; ``cpu`` is each
    target's CPU units (1024: one vCPU) and ``timeout`` the requests' timeout."""

    load_balancer_arn: str
    target_group: TargetGroup | None
    rate: float  # requests/s offered to the group
    rate_per_vcpu: tuple[float, ...] = ()
    cpu: float = 1024.0
    timeout: float = 60.0


@dataclass(frozen=True)
class GroupOutcome:
    """The flow model's outcome of one group's period (for the ECS metrics beside it)."""

    requests: float
    served: float
    failed: float
    utilization: float  # busy fraction of the group's routable targets, 0..1


def dimension(arn: str, kind: str) -> str:
    """CloudWatch's dimension value: the ARN's resource part after ``loadbalancer/`` for
    LoadBalancer, from ``targetgroup/`` for TargetGroup."""
    if kind == "LoadBalancer":
        return arn.split(":loadbalancer/", 1)[-1]
    return "targetgroup/" + arn.split(":targetgroup/", 1)[-1]


def response_time_points(
    p50: float, mean: float, p99: float, served: float
) -> tuple[list[float], list[float]]:
    """A period's TargetResponseTime as three weighted values (CloudWatch's Values and
    Counts) whose nearest-rank p50 and p99 and whose Average are the flow model's: half
    the requests at p50, 2 % at p99, and the rest at the value that makes the mean
    (kept between the two)."""
    middle = (mean - 0.5 * p50 - 0.02 * p99) / 0.48
    middle = min(max(middle, p50), p99)
    return [p50, middle, p99], [0.5 * served, 0.48 * served, 0.02 * served]


def publish(
    store: MetricStore, at: float, period: float, groups: Sequence[GroupPeriod]
) -> dict[str, GroupOutcome]:
    """Put the period starting at ``at`` into ``store``; the outcome per target group ARN."""
    resolution = 1 if period < 60 else 60
    by_lb: dict[str, float] = {}
    outcomes: dict[str, GroupOutcome] = {}

    def put(metric: str, dims: dict[str, str], **kw: object) -> None:
        store.put(NAMESPACE, metric, dims, at, storage_resolution=resolution, **kw)  # type: ignore[arg-type]

    for g in groups:
        tg = g.target_group
        lb_dim = dimension(g.load_balancer_arn, "LoadBalancer")
        dims = {"LoadBalancer": lb_dim}
        if tg is not None:
            dims["TargetGroup"] = dimension(tg.arn, "TargetGroup")
            put("HealthyHostCount", dims, value=float(tg.healthy_count()))
            put("UnHealthyHostCount", dims, value=float(tg.unhealthy_count()))
        requests = g.rate * period
        if tg is None or not g.rate_per_vcpu:  # no routable target: the load balancer's 503s
            if requests > 0:
                put("HTTPCode_ELB_5XX_Count", dims, value=requests)
                put("HTTPCode_ELB_503_Count", dims, value=requests)
            if tg is not None:
                outcomes[tg.arn] = GroupOutcome(0.0, 0.0, 0.0, 0.0)
            continue
        n = len(g.rate_per_vcpu)
        model = flow.TaskModel.build(
            [g.cpu], [float(np.mean(g.rate_per_vcpu))], [g.timeout], routing=tg.algorithm
        )
        r = flow.evaluate(model, np.array([g.rate]), np.array([float(n)]))
        served = float(r.served[0]) * period
        failed = float(r.failed[0]) * period
        outcomes[tg.arn] = GroupOutcome(requests, served, failed, float(r.utilization[0]))
        if requests <= 0:
            continue
        by_lb[lb_dim] = by_lb.get(lb_dim, 0.0) + requests
        put("RequestCount", dims, value=requests)
        put("HTTPCode_Target_2XX_Count", dims, value=served)
        if failed > 0:
            put("HTTPCode_Target_5XX_Count", dims, value=failed)
        put("RequestCountPerTarget", {"TargetGroup": dims["TargetGroup"]}, value=requests / n)
        if served > 0:
            values, counts = response_time_points(
                float(r.latency_p50[0]), float(r.latency_mean[0]), float(r.latency_p99[0]), served
            )
            put("TargetResponseTime", dims, values=values, counts=counts, unit="Seconds")
    for lb_dim, requests in sorted(by_lb.items()):
        put("RequestCount", {"LoadBalancer": lb_dim}, value=requests)
    return outcomes
