"""Per-task service capacity, with the x86 hyperthread effect and Graviton's lack of it.

A task's nominal capacity (requests/s) is its CPU share (cpu units / 1024 vCPU) times
the workload's throughput per vCPU on that CPU, measured at low load. On x86 a vCPU is
a hyperthread: once more than about half the vCPUs are busy, sibling threads share a
core and each busy vCPU gets less done. A Graviton vCPU is a whole core, so it keeps
nearly all of its throughput. Source (aws-facts.md, "Prices and Graviton"): AWS
Graviton performance runbook, c7g.2xlarge kept 96 % of its per-vCPU throughput at full
load against 63 % for c6i.2xlarge.

The model: a busy vCPU works at ``throughput_factor(u)`` of its low-load speed, where
``u`` is the busy fraction of the vCPUs; piecewise linear, 1.0 up to ``knee`` and
``full_load_efficiency`` at ``u = 1``. The busy fraction itself depends on that speed,
so the effective capacity is a fixed point, solved in closed form by
``effective_capacity``. Both fidelities use it: ``flow`` per tick, ``request`` to set a
task's service rate for the load it is planned for.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

DEFAULT_KNEE = 0.5
"""Busy fraction above which x86 sibling hyperthreads start to share cores (runbook)."""

X86_FULL_LOAD_EFFICIENCY = 0.63
"""Per-vCPU throughput kept at full load on x86: c6i.2xlarge, AWS Graviton perf runbook."""

ARM64_FULL_LOAD_EFFICIENCY = 0.96
"""Per-vCPU throughput kept at full load on Graviton: c7g.2xlarge, same runbook."""


@dataclass(frozen=True)
class PerformanceProfile:
    """How one architecture's per-vCPU throughput holds up as the vCPUs fill.

    ``full_load_efficiency`` 1.0 means no degradation (the flow model's default, so a
    scenario that does not ask for the effect keeps its old numbers).
    """

    arch: str
    knee: float = DEFAULT_KNEE
    full_load_efficiency: float = 1.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.knee < 1.0:
            raise ValueError(f"knee: expected a busy fraction in [0, 1), got {self.knee!r}")
        if not 0.0 < self.full_load_efficiency <= 1.0:
            raise ValueError(
                "full_load_efficiency: expected a fraction in (0, 1], "
                f"got {self.full_load_efficiency!r}"
            )

    def factor(self, utilization: ArrayLike) -> np.ndarray:
        return throughput_factor(utilization, self.knee, self.full_load_efficiency)

    def capacity(self, offered: ArrayLike, nominal: ArrayLike) -> EffectiveCapacity:
        return effective_capacity(offered, nominal, self.knee, self.full_load_efficiency)


X86_64 = PerformanceProfile("x86_64", DEFAULT_KNEE, X86_FULL_LOAD_EFFICIENCY)
ARM64 = PerformanceProfile("arm64", DEFAULT_KNEE, ARM64_FULL_LOAD_EFFICIENCY)
PROFILES: dict[str, PerformanceProfile] = {"x86_64": X86_64, "arm64": ARM64}


def profile_for(arch: str) -> PerformanceProfile:
    """The default profile of an instance type's ``arch`` ("x86_64" or "arm64")."""
    try:
        return PROFILES[arch]
    except KeyError:
        raise ValueError(f"arch: expected one of {sorted(PROFILES)}, got {arch!r}") from None


def task_capacity(cpu_units: ArrayLike, rps_per_vcpu: ArrayLike) -> np.ndarray:
    """Nominal (low-load) requests/s of a task: its vCPU share times throughput per vCPU."""
    return np.asarray(cpu_units, dtype=float) / 1024.0 * np.asarray(rps_per_vcpu, dtype=float)


def throughput_factor(
    utilization: ArrayLike, knee: ArrayLike = DEFAULT_KNEE, full_load_efficiency: ArrayLike = 1.0
) -> np.ndarray:
    """Speed of a busy vCPU relative to low load, at busy fraction ``utilization``.

    Monotone non-increasing, 1 at or below ``knee``, ``full_load_efficiency`` at and
    above 1 (a busy fraction cannot exceed 1; larger inputs are clipped).
    """
    u = np.clip(np.asarray(utilization, dtype=float), 0.0, 1.0)
    k = np.asarray(knee, dtype=float)
    e = np.asarray(full_load_efficiency, dtype=float)
    return np.where(u <= k, 1.0, 1.0 - (1.0 - e) * (u - k) / (1.0 - k))


@dataclass(frozen=True)
class EffectiveCapacity:
    """Per task: the capacity it delivers at its own load, and that load's busy fraction."""

    capacity: np.ndarray  # requests/s the task completes when all its vCPUs are needed
    utilization: np.ndarray  # busy fraction of the vCPUs, 0..1
    saturated: np.ndarray  # bool: offered load has no stable operating point


def effective_capacity(
    offered: ArrayLike,
    nominal: ArrayLike,
    knee: ArrayLike = DEFAULT_KNEE,
    full_load_efficiency: ArrayLike = 1.0,
) -> EffectiveCapacity:
    """Capacity of tasks of ``nominal`` requests/s offered ``offered`` requests/s each.

    The busy fraction u must satisfy u * f(u) = x with x = offered / nominal (a task
    busy u of the time at speed f(u) completes x of its nominal work). Above the knee
    this is the quadratic a u^2 - (1 + a k) u + x = 0 with a = (1 - e) / (1 - k); its
    smaller root, if in [k, 1), is the operating point the load reaches first as it
    rises. When there is none the task is saturated: every vCPU busy, capacity
    e * nominal.

    When e < 1 / (2 - k) (2/3 at the default knee) u * f(u) peaks below u = 1: with
    the x86 defaults at 0.634 of nominal for u = 0.93, against 0.63 at u = 1, so the
    largest sustainable load is slightly above the full-load capacity. Kept, not
    smoothed: once saturated a task stays at e * nominal until its backlog drains.
    """
    x_num, nom, k, e = np.broadcast_arrays(
        np.asarray(offered, dtype=float),
        np.asarray(nominal, dtype=float),
        np.asarray(knee, dtype=float),
        np.asarray(full_load_efficiency, dtype=float),
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.where(nom > 0, x_num / nom, np.inf)
        a = (1.0 - e) / (1.0 - k)
        b = 1.0 + a * k
        disc = b * b - 4.0 * a * x
        # the smaller root, written to stay accurate as a -> 0 (no degradation)
        root = 2.0 * x / (b + np.sqrt(np.maximum(disc, 0.0)))
    # a root below the knee belongs to the quadratic, not to u f(u): no operating point
    u = np.where(x <= k, x, np.where((disc >= 0.0) & (root >= k), root, np.inf))
    saturated = ~(u < 1.0)
    u = np.where(saturated, 1.0, u)
    factor = throughput_factor(u, k, e)
    return EffectiveCapacity(nom * factor, u, saturated)
