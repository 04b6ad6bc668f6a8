"""Sizing: the fewest tasks and instances that hold a latency target at peak.

The flow model's own queueing formulas answer "how many tasks keep p99 under X at the
peak rate?" exactly as a run would measure it, so a sized variant meets its target when
it is then simulated. Instances follow from how many tasks fit on one (CPU units and
registered memory, as ECS places them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulator.catalog.catalog import (
    InstanceType,
    calibrate,
    instance_type,
    requests_per_vcpu_second,
)
from simulator.core.world import World
from simulator.ecs.container_instance import registered_memory_mib
from simulator.scenario import build_capacity
from simulator.scenario.schema import Scenario
from simulator.scenario.traffic_models import arrival_model, peak_rate
from simulator.traffic import flow


@dataclass(frozen=True)
class Sizing:
    tasks: int
    p99_s: float  # at the peak rate, with that many tasks
    utilization: float  # at the peak rate


def tasks_for_latency(
    peak_rps: float,
    task_cpu: int,
    rps_per_vcpu: float,
    p99_target_s: float,
    timeout_s: float = 30.0,
    max_tasks: int = 100_000,
    routing: str = "weighted_random",
) -> Sizing:
    """The smallest task count whose p99 at ``peak_rps`` is within ``p99_target_s``
    (``routing``: the load balancer's algorithm, as the run will model it)."""
    model = flow.TaskModel.build([task_cpu], [rps_per_vcpu], [timeout_s], routing=routing)

    def p99(n: int) -> tuple[float, float, float]:
        r = flow.evaluate(model, np.array([peak_rps]), np.array([float(n)]))
        return float(r.latency_p99[0]), float(r.utilization[0]), float(r.failed[0])

    def ok(n: int) -> bool:
        latency, _, failed = p99(n)
        return failed == 0 and latency <= p99_target_s

    if peak_rps <= 0:
        return Sizing(1, p99(1)[0], 0.0)
    lo = max(1, math.ceil(peak_rps / float(model.task_capacity[0])))  # below: unstable
    hi = lo
    while not ok(hi):
        if hi >= max_tasks:
            raise ValueError(
                f"no task count up to {max_tasks} holds p99 <= {p99_target_s * 1000:g} ms "
                f"(one request alone takes longer?)"
            )
        hi = min(max_tasks, hi * 2)
    while lo < hi:  # p99 falls as tasks are added: bisect for the first that holds
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid + 1
    latency, utilization, _ = p99(hi)
    return Sizing(hi, latency, utilization)


def tasks_per_instance(
    itype: InstanceType, task_cpu: int, task_memory: int, reserved_memory_mib: int = 0
) -> int:
    """How many tasks of this size ECS can place on one instance (CPU and the memory its
    agent registers)."""
    return min(
        itype.vcpu * 1024 // task_cpu,
        registered_memory_mib(itype, reserved_memory_mib) // task_memory,
    )


def instances_for(
    tasks: int, itype: InstanceType, task_cpu: int, task_memory: int, reserved_memory_mib: int = 0
) -> int:
    per = tasks_per_instance(itype, task_cpu, task_memory, reserved_memory_mib)
    if per <= 0:
        raise ValueError(
            f"a task of {task_cpu} CPU units / {task_memory} MiB does not fit {itype.name}"
        )
    return math.ceil(tasks / per)


def apply_sizing(scenario: Scenario) -> tuple[Scenario, dict | None]:
    """The scenario with its ``sizing`` service's desired count (and, on shared-tenancy
    EC2, the instance count) set to the fewest that hold the p99 target at peak.

    Returns (sized scenario, sizing facts for the summary)."""
    target = scenario.sizing
    if target is None:
        return scenario, None
    spec = next(s for s in scenario.services if s.name == target.service)
    traffic = next(t for t in scenario.traffic if t.service == target.service)
    plain = traffic.model_copy(update={"noise": False})
    peak = peak_rate(
        arrival_model(plain, scenario.events, World(scenario.seed), scenario.tick),
        scenario.duration,
    )
    profiles = {n: calibrate(n, *m.items()) for n, m in scenario.profiles.items()}
    fargate = build_capacity.uses_fargate(spec)
    if fargate:
        arch = "arm64" if spec.cpu_architecture == "ARM64" else "x86_64"
        family, platform = build_capacity.fargate_family(arch), f"Fargate {arch}"
        itype = None
    else:
        name = scenario.capacity.instance_type
        if name is None:
            raise ValueError("sizing sizes capacity.instance_type's instances; none is given")
        itype = instance_type(name)
        family, platform = itype.family, itype.name
    rate = requests_per_vcpu_second(spec.workload, family, spec.runtime, profiles)
    sized = tasks_for_latency(
        peak, spec.cpu, rate, target.p99, spec.timeout, routing=scenario.routing
    )
    services = [
        s.model_copy(update={"desired_count": sized.tasks}) if s.name == spec.name else s
        for s in scenario.services
    ]
    update: dict = {"services": services}
    instances = 0
    if itype is not None:
        instances = (
            instances_for(
                sized.tasks, itype, spec.cpu, spec.memory, scenario.capacity.reserved_memory_mib
            )
            + target.headroom_instances
        )
        update["capacity"] = scenario.capacity.model_copy(update={"count": instances})
    facts = {
        "service": spec.name,
        "platform": platform,
        "peak_rps": peak,
        "p99_target_ms": target.p99 * 1000,
        "tasks": sized.tasks,
        "instances": instances,
        "p99_at_peak_ms": sized.p99_s * 1000,
        "utilization_at_peak_pct": sized.utilization * 100,
        "requests_per_vcpu_second": rate,
    }
    return scenario.model_copy(update=update), facts
