"""The summary's capacity providers and Service Auto Scaling section (plain JSON types)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.ecs.capacity import AsgCapacityProvider
from simulator.ecs.fargate import fargate_cost

if TYPE_CHECKING:
    from simulator.scenario.build import Simulation


def fargate_cost_usd(sim: Simulation) -> float:
    """What Fargate bills for the run's Fargate tasks (0 without capacity providers)."""
    return fargate_cost(sim.ecs, sim.scenario.duration)


def capacity_summary(sim: Simulation) -> dict[str, Any]:
    """Per capacity provider: instances (peak, last), CapacityProviderReservation, scaling
    activities, tasks that waited for capacity and how long; Fargate tasks and cost; per
    auto scaled service: its scaling activities and desired count range."""
    registry = sim.capacity
    out: dict[str, Any] = {"capacity_providers": {}, "auto_scaling": {}}
    if registry is not None:
        until = sim.scenario.duration
        bills = registry.fargate_bills(until)
        for name, p in registry.providers.items():
            if isinstance(p, AsgCapacityProvider):
                out["capacity_providers"][name] = _asg(p)
            elif name in {a for c in registry.clusters.values() for a in c.providers}:
                mine = [b for b in bills if b.capacity_provider == name]
                out["capacity_providers"][name] = {
                    "kind": "FARGATE",
                    "tasks": p.tasks_started,
                    "spot_interruptions": p.interruptions,
                    "task_hours": _round(sum(b.seconds for b in mine) / 3600),
                    "cost_usd": _round(sum(b.cost for b in mine)),
                }
    for name, scaler in sim.auto_scaling.items():
        acts = scaler.activities
        desired = [a.desired for a in acts]
        out["auto_scaling"][name] = {
            "scale_outs": sum(1 for a in acts if a.direction == "out"),
            "scale_ins": sum(1 for a in acts if a.direction == "in"),
            "desired_min": min(desired) if desired else None,
            "desired_max": max(desired) if desired else None,
            "scale_ins_suspended_by_deployments": scaler.suspended_scale_ins,
        }
    return out


def _asg(p: AsgCapacityProvider) -> dict[str, Any]:
    h = p.history
    reservation = np.array([x.reservation for x in h]) if h else np.zeros(0)
    in_service = [x.running for x in h]
    waits = np.array([placed - since for since, placed in p.waits if placed > since])
    return {
        "kind": "ASG",
        "instance_types": [t.name for t in p.asg.types],
        "target_capacity": p.managed_scaling.target_capacity,
        "instances_max": max(in_service) if in_service else len(p.asg.instances),
        "instances_min": min(in_service) if in_service else len(p.asg.instances),
        "instances_end": len(p.asg.instances),
        "reservation_mean_pct": _round(reservation.mean()) if reservation.size else None,
        "reservation_max_pct": _round(reservation.max()) if reservation.size else None,
        "scale_outs": sum(1 for x in h if x.action == "scale-out"),
        "scale_ins": sum(1 for x in h if x.action == "scale-in"),
        "provisioning_tasks_max": max((x.waiting for x in h), default=0),
        "tasks_waited": int(waits.size),
        "wait_max_s": _round(waits.max()) if waits.size else 0.0,
        "wait_p95_s": _round(np.percentile(waits, 95)) if waits.size else 0.0,
    }


def _round(x: float) -> float:
    return round(float(x), 6)
