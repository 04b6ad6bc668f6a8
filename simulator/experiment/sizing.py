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

from simulator.catalog.catalog import InstanceType
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
) -> Sizing:
    """The smallest task count whose p99 at ``peak_rps`` is within ``p99_target_s``."""
    model = flow.TaskModel.build([task_cpu], [rps_per_vcpu], [timeout_s])

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
    """How many tasks of this size ECS can place on one instance (CPU and memory)."""
    return min(
        itype.vcpu * 1024 // task_cpu, (itype.memory_mib - reserved_memory_mib) // task_memory
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
