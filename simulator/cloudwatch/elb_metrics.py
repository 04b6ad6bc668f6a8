"""AWS/ApplicationELB metrics, as a load balancer publishes them once a period.

The one publisher of ALB metrics: the boto3 world's load source (``aws.send_traffic``,
simulator/aws/traffic.py) describes each minute as ``GroupPeriod`` rows and calls
``publish`` (``publish_series`` over ``GroupSeries`` arrays does the work). There each
group's outcome is the flow model's steady state over its routable targets at the
period's start; the results are put stamped with the period's start:

- per LoadBalancer and TargetGroup: RequestCount, HTTPCode_Target_2XX_Count,
  HTTPCode_Target_5XX_Count (only when some failed), TargetResponseTime (three weighted
  values whose p50, p99 and Average are the flow model's), HealthyHostCount,
  UnHealthyHostCount; HTTPCode_ELB_5XX_Count and HTTPCode_ELB_503_Count for requests a
  group without a routable target answered with 503;
- per TargetGroup: RequestCountPerTarget; per LoadBalancer: RequestCount.

A scenario's live CloudWatch (simulator/scenario/build_metrics.py) has ticks already
computed: ``publish_ticks`` puts whole periods of ``GroupTicks`` (sums of the ticks'
counts, each tick's response times and health counts).

As CloudWatch documents, a count with no requests in a period is not reported (health
counts are). Periods under a minute are put as high-resolution metrics. Pure: no simpy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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
    error: float = 0.0
    """Share of served requests a bad version answers with 5xx (simulator.faults.revision)."""
    slow: float = 1.0
    """A bad version's mean latency multiplier over the group's targets."""


@dataclass(frozen=True)
class GroupSeries:
    """One target group's periods (arrays of one entry per period, oldest first): the
    requests/s offered, the routable targets and their mean requests/s per vCPU, and the
    health counts."""

    load_balancer_arn: str
    target_group: TargetGroup | None
    times: np.ndarray
    rate: np.ndarray
    targets: np.ndarray
    rate_per_vcpu: np.ndarray
    healthy: np.ndarray
    unhealthy: np.ndarray
    cpu: float = 1024.0
    timeout: float = 60.0
    error: np.ndarray | None = None
    """Per period: the share of served requests a bad version answers with 5xx."""
    slow: np.ndarray | None = None
    """Per period: a bad version's latency multiplier."""


@dataclass(frozen=True)
class GroupTicks:
    """One target group's ticks as a traffic model computed them (arrays of one entry
    per tick, oldest first, stamped with the tick's start): requests a target took, the
    target's 2xx and 5xx, the load balancer's 503s (no routable target) and 502s (a
    task lost with requests in flight), the served requests' p50, mean and p99 response
    time (NaN: none served) and the health counts. ``target_group`` None: a listener's
    own 503s."""

    load_balancer_arn: str
    target_group: TargetGroup | None
    times: np.ndarray
    requests: np.ndarray
    ok: np.ndarray
    target_5xx: np.ndarray
    elb_503: np.ndarray
    elb_502: np.ndarray | None = None
    latency: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    healthy: np.ndarray | None = None
    unhealthy: np.ndarray | None = None
    fixed: Mapping[int, np.ndarray] | None = None
    """Requests the listener's rules answered with a fixed response, by status code."""


ELB_CODES = (500, 502, 503, 504)
"""The status codes ALBs count one by one (HTTPCode_ELB_<code>_Count)."""


def dimension(arn: str, kind: str) -> str:
    """CloudWatch's dimension value: the ARN's resource part after ``loadbalancer/`` for
    LoadBalancer, from ``targetgroup/`` for TargetGroup."""
    if kind == "LoadBalancer":
        return arn.split(":loadbalancer/", 1)[-1]
    return "targetgroup/" + arn.split(":targetgroup/", 1)[-1]


def response_time_points(p50: Any, mean: Any, p99: Any, served: Any) -> tuple[Any, Any]:
    """A period's TargetResponseTime as three weighted values (CloudWatch's Values and
    Counts) whose nearest-rank p50 and p99 and whose Average are the flow model's: half
    the requests at p50, 2 % at p99, and the rest at the value that makes the mean
    (kept between the two). Numbers give lists; arrays of k periods give (k, 3) arrays."""
    if np.ndim(p50) == 0:
        middle = (mean - 0.5 * p50 - 0.02 * p99) / 0.48
        middle = min(max(middle, p50), p99)
        return [p50, middle, p99], [0.5 * served, 0.48 * served, 0.02 * served]
    middle = np.clip((mean - 0.5 * p50 - 0.02 * p99) / 0.48, p50, p99)
    values = np.stack([p50, middle, p99], axis=1)
    counts = np.asarray(served)[:, None] * np.array([0.5, 0.48, 0.02])
    return values, counts


def publish(
    store: MetricStore, at: float, period: float, groups: Sequence[GroupPeriod]
) -> dict[str, float]:
    """Put the period starting at ``at`` (health counts as the groups have them now);
    returns each serving group's utilization of its targets (0-1, by ARN)."""
    series = []
    for g in groups:
        tg = g.target_group
        healthy, unhealthy = tg.health_counts() if tg is not None else (0, 0)
        n = len(g.rate_per_vcpu)
        series.append(
            GroupSeries(
                g.load_balancer_arn,
                tg,
                np.array([at]),
                np.array([g.rate]),
                np.array([float(n)]),
                np.array([float(np.mean(g.rate_per_vcpu)) if n else 1.0]),
                np.array([float(healthy)]),
                np.array([float(unhealthy)]),
                g.cpu,
                g.timeout,
                np.array([g.error]),
                np.array([g.slow]),
            )
        )
    return {arn: float(u[0]) for arn, u in publish_series(store, period, series).items()}


def put_requests_per_target(
    store: MetricStore, period: float, groups: Sequence[GroupSeries]
) -> None:
    """RequestCountPerTarget (TargetGroup): a period's requests over its routable targets,
    where it had both (no flow model needed: target tracking's alarms read it each minute)."""
    resolution = 1 if period < 60 else 60
    for g in groups:
        if g.target_group is None:
            continue
        requests = g.rate * period
        flowing = (g.targets > 0) & (requests > 0)
        if flowing.any():
            dims = {"TargetGroup": dimension(g.target_group.arn, "TargetGroup")}
            store.series(NAMESPACE, "RequestCountPerTarget", dims).put_many(
                g.times[flowing],
                requests[flowing] / g.targets[flowing],
                storage_resolution=resolution,
            )


def publish_series(
    store: MetricStore, period: float, groups: Sequence[GroupSeries], *, per_target: bool = True
) -> dict[str, np.ndarray]:
    """Put every group's periods (one flow evaluation per group, vectorised over them);
    returns each group's utilization of its targets per period (by ARN; 0 when idle).
    ``per_target`` False: RequestCountPerTarget was put already (put_requests_per_target)."""
    resolution = 1 if period < 60 else 60
    by_lb: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
    utilization: dict[str, np.ndarray] = {}

    def put(metric: str, dims: dict[str, str], t: np.ndarray, v: np.ndarray) -> None:
        if t.shape[0]:
            store.series(NAMESPACE, metric, dims).put_many(t, v, storage_resolution=resolution)

    for g in groups:
        tg = g.target_group
        lb_dim = dimension(g.load_balancer_arn, "LoadBalancer")
        dims = {"LoadBalancer": lb_dim}
        t = g.times
        requests = g.rate * period
        if tg is not None:
            dims["TargetGroup"] = dimension(tg.arn, "TargetGroup")
            put("HealthyHostCount", dims, t, g.healthy)
            put("UnHealthyHostCount", dims, t, g.unhealthy)
            up = g.targets > 0
        else:
            up = np.zeros(t.shape, dtype=bool)
        rejected = ~up & (requests > 0)  # no routable target: the load balancer's 503s
        put("HTTPCode_ELB_5XX_Count", dims, t[rejected], requests[rejected])
        put("HTTPCode_ELB_503_Count", dims, t[rejected], requests[rejected])
        if tg is None or not up.any():
            continue
        model = flow.TaskModel.build(
            np.full(t.shape, g.cpu),
            np.where(up, g.rate_per_vcpu, 1.0),
            np.full(t.shape, g.timeout),
            routing=tg.algorithm,
        )
        r = flow.evaluate(model, np.where(up, g.rate, 0.0), np.where(up, g.targets, 1.0))
        utilization[tg.arn] = np.where(up, np.nan_to_num(r.utilization), 0.0)
        served = r.served * period
        failed = r.failed * period
        if g.error is not None:  # a bad version's 5xx come out of what it served
            wrong = served * g.error
            served, failed = served - wrong, failed + wrong
        slow = np.ones(t.shape) if g.slow is None else g.slow
        flowing = up & (requests > 0)
        tf = t[flowing]
        by_lb.setdefault(lb_dim, []).append((tf, requests[flowing]))
        put("RequestCount", dims, tf, requests[flowing])
        put("HTTPCode_Target_2XX_Count", dims, tf, served[flowing])
        bad = flowing & (failed > 0)
        put("HTTPCode_Target_5XX_Count", dims, t[bad], failed[bad])
        ok = flowing & (served > 0)
        if ok.any():
            values, counts = response_time_points(
                r.latency_p50[ok] * slow[ok],
                r.latency_mean[ok] * slow[ok],
                r.latency_p99[ok] * slow[ok],
                served[ok],
            )
            handle = store.series(NAMESPACE, "TargetResponseTime", dims)
            handle.unit = "Seconds"
            handle.put_values_many(t[ok], values, counts, storage_resolution=resolution)
    if per_target:
        put_requests_per_target(store, period, groups)
    for lb_dim in sorted(by_lb):
        lb_t = np.concatenate([t for t, _ in by_lb[lb_dim]])
        lb_v = np.concatenate([v for _, v in by_lb[lb_dim]])
        if not lb_t.shape[0]:
            continue
        order = np.argsort(lb_t, kind="stable")
        lb_t, lb_v = lb_t[order], lb_v[order]
        first = np.r_[True, lb_t[1:] != lb_t[:-1]]
        sums = np.add.reduceat(lb_v, np.flatnonzero(first))
        put("RequestCount", {"LoadBalancer": lb_dim}, lb_t[first], sums)
    return utilization


def publish_ticks(store: MetricStore, period: float, groups: Sequence[GroupTicks]) -> None:
    """Put whole periods made of ticks: counts are the sums of the period's ticks (put
    when not 0; RequestCount and HTTPCode_Target_2XX_Count while requests came), each
    tick's TargetResponseTime as three values weighted by its served requests, each
    tick's health counts; RequestCountPerTarget is the period's RequestCount over its
    mean healthy targets (all targets when none is healthy), as ALBs define it."""
    resolution = 1 if period < 60 else 60
    lb_sums: dict[str, dict[float, float]] = {}

    def put(metric: str, dims: dict[str, str], t: np.ndarray, v: np.ndarray) -> None:
        if t.shape[0]:
            store.series(NAMESPACE, metric, dims).put_many(t, v, storage_resolution=resolution)

    for g in groups:
        if not g.times.shape[0]:
            continue
        stamps = np.floor(g.times / period) * period
        starts, which = np.unique(stamps, return_inverse=True)

        def total(v: np.ndarray, which: np.ndarray = which, n: int = starts.shape[0]) -> Any:
            return np.bincount(which, weights=v, minlength=n)

        lb_dim = dimension(g.load_balancer_arn, "LoadBalancer")
        dims = {"LoadBalancer": lb_dim}
        codes = {503: total(g.elb_503)}  # the load balancer's own answers by status code
        if g.elb_502 is not None:
            codes[502] = total(g.elb_502)
        fixed = {code: total(v) for code, v in sorted((g.fixed or {}).items())}
        for code, v in fixed.items():
            codes[code] = codes.get(code, 0.0) + v
        if fixed:
            answered = np.sum(list(fixed.values()), axis=0)
            put("HTTP_Fixed_Response_Count", dims, starts[answered > 0], answered[answered > 0])
        if g.target_group is not None:
            dims["TargetGroup"] = dimension(g.target_group.arn, "TargetGroup")
        for family in (4, 5):
            n = sum((v for c, v in codes.items() if c // 100 == family), np.zeros(starts.shape))
            put(f"HTTPCode_ELB_{family}XX_Count", dims, starts[n > 0], n[n > 0])
        for code in ELB_CODES:
            if code in codes:
                n = codes[code]
                put(f"HTTPCode_ELB_{code}_Count", dims, starts[n > 0], n[n > 0])
        if g.target_group is None:
            continue
        if g.healthy is not None and g.unhealthy is not None:
            put("HealthyHostCount", dims, stamps, g.healthy)
            put("UnHealthyHostCount", dims, stamps, g.unhealthy)
        requests = total(g.requests)
        came = requests > 0
        put("RequestCount", dims, starts[came], requests[came])
        put("HTTPCode_Target_2XX_Count", dims, starts[came], total(g.ok)[came])
        failed = total(g.target_5xx)
        put("HTTPCode_Target_5XX_Count", dims, starts[failed > 0], failed[failed > 0])
        sums = lb_sums.setdefault(lb_dim, {})
        for t, v in zip(starts[came].tolist(), requests[came].tolist(), strict=True):
            sums[t] = sums.get(t, 0.0) + v
        if g.healthy is not None and g.unhealthy is not None:
            n = np.bincount(which, minlength=starts.shape[0])
            healthy = total(g.healthy) / n
            divisor = np.where(healthy > 0, healthy, healthy + total(g.unhealthy) / n)
            per = came & (divisor > 0)
            put(
                "RequestCountPerTarget",
                {"TargetGroup": dims["TargetGroup"]},
                starts[per],
                requests[per] / divisor[per],
            )
        if g.latency is not None:
            p50, mean, p99 = g.latency
            ok = (g.ok > 0) & np.isfinite(p50) & np.isfinite(mean) & np.isfinite(p99)
            if ok.any():
                values, counts = response_time_points(p50[ok], mean[ok], p99[ok], g.ok[ok])
                handle = store.series(NAMESPACE, "TargetResponseTime", dims)
                handle.unit = "Seconds"
                handle.put_values_many(stamps[ok], values, counts, storage_resolution=resolution)
    for lb_dim in sorted(lb_sums):
        sums = lb_sums[lb_dim]
        t = np.array(sorted(sums))
        put("RequestCount", {"LoadBalancer": lb_dim}, t, np.array([sums[x] for x in t.tolist()]))
