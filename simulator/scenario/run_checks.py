"""The checks a run would otherwise make late, made at load time with a field path.

ECS's own refusals (task cpu and memory, placement strategies and constraints, memberOf
syntax), reserved memory that does not fit an instance, timing overrides with unknown
names or keys, unsorted steps, discounts outside [0, 1], deployment percents and a
sizing target that no task count meets. Each problem is (field path, message).
"""

from __future__ import annotations

from typing import Any

from simulator.catalog.catalog import instance_types
from simulator.core.distributions import distribution
from simulator.core.errors import AWSError, EcsimError
from simulator.ec2.timing import default_timings as ec2_defaults
from simulator.ecs.constraints import constraints_from_api, strategies_from_api
from simulator.ecs.container_instance import os_memory_mib, registered_memory_mib
from simulator.ecs.query import parse
from simulator.ecs.task_definition import parse_task_definition
from simulator.ecs.timing import default_timings as ecs_defaults
from simulator.scenario.build_capacity import uses_fargate
from simulator.scenario.outputs import check_outputs as check
from simulator.scenario.sizing import apply_sizing

Problem = tuple[str, str]

TIMING_KEYS = {
    "fixed": {"distribution", "value"},
    "uniform": {"distribution", "low", "high"},
    "exponential": {"distribution", "mean"},
}
"""The keys of each kind of timing distribution (simulator.core.distributions)."""


def task_definition_doc(spec: Any) -> dict[str, Any]:
    """The RegisterTaskDefinition request the simulation registers for a service
    (the same document as ``Simulation._task_definition``; a test keeps them equal)."""
    doc: dict[str, Any] = {
        "family": spec.name,
        "containerDefinitions": [
            {
                "name": spec.name,
                "image": f"{spec.name}:v1",
                "cpu": spec.cpu,
                "memory": spec.memory,
                "essential": True,
            }
        ],
        "cpu": str(spec.cpu),
        "memory": str(spec.memory),
    }
    if spec.cpu_architecture is not None:
        doc["runtimePlatform"] = {
            "cpuArchitecture": spec.cpu_architecture,
            "operatingSystemFamily": "LINUX",
        }
    if uses_fargate(spec):
        doc.update(networkMode="awsvpc", requiresCompatibilities=["FARGATE"])
    return doc


def _aws(exc: AWSError) -> str:
    return f"{exc.code}: {exc.message}"


def check_services(s: Any) -> list[Problem]:
    out: list[Problem] = []
    for i, svc in enumerate(s.services):
        where = f"services[{i}]"
        try:
            parse_task_definition(task_definition_doc(svc))
        except AWSError as exc:
            if exc.message.startswith("No Fargate configuration"):
                continue  # capacity_checks reports the Fargate sizes, with the valid ones
            text = exc.message.lower()
            field = ".memory" if "memory" in text else ".cpu" if "cpu" in text else ""
            out.append((where + field, _aws(exc)))
        if svc.placement_strategy is not None:
            try:
                strategies_from_api(
                    [x.model_dump(exclude_none=True) for x in svc.placement_strategy]
                )
            except AWSError as exc:
                out.append((f"{where}.placement_strategy", _aws(exc)))
        try:
            constraints_from_api(
                [c.model_dump(exclude_none=True) for c in svc.placement_constraints]
            )
        except AWSError as exc:
            out.append((f"{where}.placement_constraints", _aws(exc)))
        for j, c in enumerate(svc.placement_constraints):
            if c.type == "memberOf" and c.expression is not None:
                try:
                    parse(c.expression)
                except AWSError as exc:
                    out.append((f"{where}.placement_constraints[{j}].expression", _aws(exc)))
        d = svc.deployment
        if d.maximum_percent < d.minimum_healthy_percent:
            out.append(
                (
                    f"{where}.deployment.maximum_percent",
                    f"expected at least minimum_healthy_percent "
                    f"({d.minimum_healthy_percent}), got {d.maximum_percent}",
                )
            )
    return out


def check_reserved_memory(s: Any) -> list[Problem]:
    """ECS_RESERVED_MEMORY must leave memory of what the OS reports on every instance type
    the cluster runs."""
    reserve = s.capacity.reserved_memory_mib
    if not reserve:
        return []
    known = instance_types()
    used = []
    if s.capacity.instance_type is not None:
        used.append(s.capacity.instance_type)
    for g in s.capacity.dedicated_hosts:
        used += [g.instance_type] if g.instance_type else list(g.instances)
    for p in s.capacity_providers:
        if p.auto_scaling_group is not None:
            used += p.auto_scaling_group.instance_types
    for name in dict.fromkeys(used):
        itype = known.get(name)
        if itype is not None and registered_memory_mib(itype, reserve) <= 0:
            return [
                (
                    "capacity.reserved_memory_mib",
                    f"expected less than {name}'s memory ({os_memory_mib(itype)} MiB the OS "
                    f"reports), got {reserve}",
                )
            ]
    return []


def check_timings(
    field: str, overrides: dict[str, Any], known: set[str], service: str
) -> list[Problem]:
    """Timing overrides: known names, a duration or a distribution with exactly its keys."""
    out: list[Problem] = []
    for name, spec in overrides.items():
        where = f"{field}.{name}"
        if name not in known:
            out.append(
                (where, f"unknown {service} timing {name!r}; known: {', '.join(sorted(known))}")
            )
            continue
        if isinstance(spec, dict):
            kind = spec.get("distribution")
            keys = TIMING_KEYS.get(kind) if isinstance(kind, str) else None
            if keys is None:
                out.append(
                    (
                        f"{where}.distribution",
                        f"expected one of {', '.join(TIMING_KEYS)}, got {kind!r}",
                    )
                )
                continue
            extra = sorted(str(k) for k in spec if k not in keys)
            missing = sorted(keys - set(spec))
            if extra:
                takes = f"unknown field (a {kind} distribution takes {keys_of(keys)})"
                out.append((f"{where}.{extra[0]}", takes))
            if missing:
                out.append((f"{where}.{missing[0]}", "required field is missing"))
            if extra or missing:
                continue
        elif not isinstance(spec, str | int | float) or isinstance(spec, bool):
            out.append((where, "expected a duration or a distribution mapping"))
            continue
        try:
            distribution(spec)
        except (EcsimError, TypeError, ValueError) as exc:
            out.append((where, str(exc)))
    return out


def keys_of(keys: set[str]) -> str:
    return ", ".join(sorted(k for k in keys if k != "distribution"))


def check_timing_overrides(s: Any) -> list[Problem]:
    out: list[Problem] = []
    if s.ec2_timing:
        out += check_timings("ec2_timing", s.ec2_timing, set(ec2_defaults()), "EC2")
    if s.ecs_timing:
        out += check_timings("ecs_timing", s.ecs_timing, set(ecs_defaults()), "ECS")
    return out


def check_traffic_shapes(s: Any) -> list[Problem]:
    out: list[Problem] = []
    for i, t in enumerate(s.traffic):
        if getattr(t, "pattern", "") == "steps":
            times = [at for at, _ in t.steps]
            for k in range(1, len(times)):
                if times[k] <= times[k - 1]:
                    out.append(
                        (
                            f"traffic[{i}].steps[{k}]",
                            f"expected times in increasing order, got {times[k]:g}s after "
                            f"{times[k - 1]:g}s",
                        )
                    )
                    break
    for key, value in s.fargate_prices.items():
        if "discount" in key and value > 1:
            out.append((f"fargate_prices.{key}", f"expected a fraction from 0 to 1, got {value:g}"))
    return out


def check_sizing(s: Any) -> list[Problem]:
    """Size now what the run would size, so an unreachable target is a load-time error."""
    if s.sizing is None:
        return []
    spec = next((svc for svc in s.services if svc.name == s.sizing.service), None)
    if spec is not None and not uses_fargate(spec) and s.capacity.instance_type is None:
        return [
            (
                "sizing",
                "sizing sets the count of capacity.instance_type's shared-tenancy instances; "
                "give capacity.instance_type, or size a Fargate service",
            )
        ]
    try:
        apply_sizing(s)
    except (ValueError, EcsimError, KeyError) as exc:
        return [("sizing.p99", str(exc).strip("'"))]
    return []


def check_all(s: Any) -> list[Problem]:
    return (
        check_services(s)
        + check_reserved_memory(s)
        + check_timing_overrides(s)
        + check_traffic_shapes(s)
        + check_outputs(s)
    )


def check_outputs(s: Any) -> list[Problem]:
    return check(s)
