"""Scenario wiring for capacity providers, Fargate and Service Auto Scaling.

``setup`` builds the Auto Scaling groups and capacity providers and associates them with the
scenario's cluster; ``start_groups`` launches the groups' initial instances (settled at time
0 with the rest of the fleet); ``start_auto_scaling`` registers every service's scalable
target: the policies' CloudWatch alarms go into the scenario's alarms registry and read
its live metric store, where ``build_metrics.LiveMetrics`` puts AWS/ECS CPUUtilization and
MemoryUtilization (the flow model's utilization of the running tasks, memory as the
scenario's linear assumption on CPU busy fraction or its memory model) and the ALB's
RequestCountPerTarget. ``ServiceMetrics`` gives the same quantities now, for studies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

import numpy as np

from simulator.cloudwatch.elb_metrics import dimension
from simulator.ecs.asg import AutoScalingGroup
from simulator.ecs.autoscaling import PredefinedMetric, ServiceAutoScaling, TargetTrackingPolicy
from simulator.ecs.capacity import CapacityProviders, ManagedScaling
from simulator.ecs.capacity_strategy import FARGATE_PROVIDERS, FARGATE_SPOT
from simulator.ecs.fargate import FargatePrices, fargate_facts
from simulator.traffic.service_model import effective_capacity

BLOCK = 1440  # minutes of offered load computed together

if TYPE_CHECKING:
    from simulator.scenario import schema
    from simulator.scenario.build import Simulation


def fargate_family(arch: str | None) -> str:
    """The instance family whose throughput a Fargate task gets (fargate.csv, unconfirmed)."""
    key = "throughput_family_arm64" if arch == "arm64" else "throughput_family_x86_64"
    return fargate_facts()[key]


def uses_fargate(spec: schema.Service) -> bool:
    items = spec.capacity_provider_strategy
    return bool(items) and all(i.capacity_provider in FARGATE_PROVIDERS for i in items)


def strategy_api(spec: schema.Service) -> list[dict]:
    return [
        {"capacityProvider": i.capacity_provider, "base": i.base, "weight": i.weight}
        for i in spec.capacity_provider_strategy
    ]


def setup(sim: Simulation) -> CapacityProviders | None:
    """The scenario's capacity providers on ``sim``'s control planes (None: it has none)."""
    s = sim.scenario
    if not s.capacity_providers:
        return None
    spot = next((p for p in s.capacity_providers if p.name == FARGATE_SPOT), None)
    registry = CapacityProviders(
        sim.ecs,
        fargate_spot_interruption_rate_per_hour=spot.interruption_rate_per_hour if spot else 0.0,
        fargate_prices=FargatePrices.default(**s.fargate_prices),
    )
    names = []
    for p in s.capacity_providers:
        names.append(p.name)
        if p.auto_scaling_group is None:
            continue
        g, m = p.auto_scaling_group, p.managed_scaling
        asg = AutoScalingGroup(
            sim.world,
            sim.ec2,
            f"{p.name}-asg",
            g.instance_types,
            min_size=g.min_size,
            max_size=g.max_size,
            desired_capacity=g.desired_capacity,
        )
        registry.create_capacity_provider(
            p.name,
            asg,
            managed_scaling=ManagedScaling(
                status=m.status,
                target_capacity=m.target_capacity,
                minimum_scaling_step_size=m.minimum_scaling_step_size,
                maximum_scaling_step_size=m.maximum_scaling_step_size,
                instance_warmup_period=m.instance_warmup_period,
            ),
            managed_termination_protection=p.managed_termination_protection,
        )
    registry.put_cluster_capacity_providers(sim.cluster.name, names)
    return registry


def start_groups(sim: Simulation) -> list[str]:
    """Launch every Auto Scaling group's initial desired capacity; returns the instance ids."""
    registry = sim.capacity
    if registry is None:
        return []
    ids: list[str] = []
    for p in registry.providers.values():
        asg = getattr(p, "asg", None)
        if asg is not None:
            ids += asg.start()
    return ids


def busy_fraction(model, offered: np.ndarray, running: np.ndarray, nominal: np.ndarray):
    """Served / effective capacity of the running tasks (``flow.evaluate``'s utilization
    without its latency quantiles); arrays broadcast (periods x services)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        per_task = np.where(running > 0, offered / running, 0.0)
    cap = effective_capacity(per_task, nominal, model.knee, model.full_load_efficiency)
    capacity = running * cap.capacity
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(capacity > 0, np.minimum(offered, capacity) / capacity, 0.0)


def memory_pct(spec: schema.Service, busy):
    """The scenario's memory assumption: idle % plus (busy % - idle %) x busy fraction."""
    a = spec.auto_scaling
    idle, peak = (a.memory_idle_pct, a.memory_busy_pct) if a else (40.0, 80.0)
    return idle + (peak - idle) * busy


class ServiceMetrics:
    """The predefined metrics of the scenario's services, now, from the flow model."""

    def __init__(self, sim: Simulation):
        self.sim = sim
        self._cpu = np.array([s.cpu for s in sim.scenario.services], float)
        self._block_start: float | None = None
        self._block = np.zeros((0, len(sim.names)))
        self._at: float | None = None
        self._util = np.zeros(0)
        self._rps = np.zeros(0)
        self._running = np.zeros(0)

    def _refresh(self) -> None:
        """Utilization as ``flow.evaluate`` defines it (served / effective capacity of the
        running tasks), without the latency quantiles it also computes: one minute's cost."""
        sim = self.sim
        now = sim.world.now
        if self._at == now:
            return
        offered = self._offered(now) * sim.traffic_factor * sim.shares()
        running = np.array([sim.cluster.services[n].running_count for n in sim.names], float)
        nominal = self._cpu / 1024.0 * sim._rps_per_vcpu()  # requests/s per task
        util = busy_fraction(sim.task_model, offered, running, nominal)
        self._at, self._util, self._rps, self._running = now, util, offered, running

    def _offered(self, now: float) -> np.ndarray:
        """Offered requests/s now, from a block of minutes computed at once (as the ticks do)."""
        k = None if self._block_start is None else (now - self._block_start) / 60.0
        if k is None or k != int(k) or not 0 <= k < len(self._block):
            self._block_start = now
            self._block = self.sim.offered(now + 60.0 * np.arange(BLOCK))
            k = 0
        return self._block[int(k)]

    def __call__(self, service: str, metric: str) -> float | None:
        self._refresh()
        j = self.sim.names.index(service)
        if self._running[j] <= 0:
            return None  # no running task sends a datapoint
        if metric == PredefinedMetric.ALB_REQUESTS:
            return float(self._rps[j] * 60.0 / self._running[j])
        busy = float(self._util[j])
        if metric == PredefinedMetric.MEMORY:
            return float(memory_pct(self.sim.specs[service], busy))
        return busy * 100.0


class _PolicyTuning(TypedDict, total=False):
    """The TargetTrackingPolicy fields a scenario may leave unset (then: their defaults)."""

    scale_out_cooldown: float
    scale_in_cooldown: float
    scale_out_datapoints: int
    scale_in_datapoints: int
    scale_in_threshold_ratio: float


def _tuning(p: schema.ScalingPolicy) -> _PolicyTuning:
    out = _PolicyTuning()
    if p.scale_out_cooldown is not None:
        out["scale_out_cooldown"] = p.scale_out_cooldown
    if p.scale_in_cooldown is not None:
        out["scale_in_cooldown"] = p.scale_in_cooldown
    if p.scale_out_datapoints is not None:
        out["scale_out_datapoints"] = p.scale_out_datapoints
    if p.scale_in_datapoints is not None:
        out["scale_in_datapoints"] = p.scale_in_datapoints
    if p.scale_in_threshold_ratio is not None:
        out["scale_in_threshold_ratio"] = p.scale_in_threshold_ratio
    return out


def resource_label(sim: Simulation, service: str) -> str | None:
    """ALBRequestCountPerTarget's ResourceLabel for the service's target group."""
    tg = sim.load_balancers.groups.get(service)
    if tg is None:
        return None
    lb = dimension(sim.load_balancers.load_balancer_of(tg.arn), "LoadBalancer")
    return f"{lb}/{dimension(tg.arn, 'TargetGroup')}"


def start_auto_scaling(sim: Simulation) -> dict[str, ServiceAutoScaling]:
    """Register each service's scalable target and policies; their alarms are evaluated
    with the scenario's, on the live metric store."""
    out = {}
    for spec in sim.scenario.services:
        a = spec.auto_scaling
        if a is None:
            continue
        policies = []
        for p in a.policies:
            policies.append(
                TargetTrackingPolicy(
                    p.metric,
                    p.target,
                    disable_scale_in=p.disable_scale_in,
                    resource_label=(
                        resource_label(sim, spec.name)
                        if p.metric == PredefinedMetric.ALB_REQUESTS
                        else None
                    ),
                    **_tuning(p),
                )
            )
        scaler = ServiceAutoScaling(
            sim.ecs,
            sim.cluster.name,
            spec.name,
            min_capacity=a.min,
            max_capacity=a.max,
            policies=policies,
            alarms=sim.alarms,
            store=sim.metric_store,
        )
        scaler.start()
        out[spec.name] = scaler
    return out
