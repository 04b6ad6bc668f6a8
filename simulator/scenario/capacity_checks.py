"""Scenario checks for capacity providers, strategies and Service Auto Scaling.

Each problem is (field path, message) as ``loader.check_references`` reports them: one line,
``FILE: FIELD.PATH: expected ..., got ...``. The rules are ECS's (simulator.ecs.capacity_strategy
and simulator.ecs.fargate) restated for scenario fields.
"""

from __future__ import annotations

from typing import Any

from simulator.catalog.catalog import did_you_mean, instance_types
from simulator.ecs.capacity_strategy import FARGATE_PROVIDERS, FARGATE_SPOT
from simulator.ecs.facts import fargate_size_valid, fargate_task_sizes
from simulator.ecs.fargate import fargate_facts

Problem = tuple[str, str]


def check_capacity_providers(s: Any) -> list[Problem]:
    """Problems in ``capacity_providers``, services' strategies and auto scaling."""
    out: list[Problem] = []
    providers: dict[str, Any] = {}
    for i, p in enumerate(s.capacity_providers):
        where = f"capacity_providers[{i}]"
        if p.name in providers:
            out.append((f"{where}.name", f"duplicate capacity provider name {p.name!r}"))
        providers.setdefault(p.name, p)
        out += _check_provider(where, p)
    prices = [k for k in fargate_facts() if not k.startswith(("throughput", "billing"))]
    for key in s.fargate_prices:
        if key not in prices:
            out.append(
                (
                    f"fargate_prices.{key}",
                    f"unknown Fargate price {key!r}{did_you_mean(key, set(prices))}; "
                    f"known: {', '.join(prices)}",
                )
            )
    traffic = {t.service for t in s.traffic}
    for i, svc in enumerate(s.services):
        out += _check_strategy(f"services[{i}]", svc, providers)
        if svc.auto_scaling is not None:
            out += _check_auto_scaling(f"services[{i}]", svc, traffic)
    return out


def has_instance_capacity(s: Any) -> bool:
    """Whether services without a strategy have container instances to run on."""
    cap = s.capacity
    asg = any(p.auto_scaling_group is not None for p in s.capacity_providers)
    return bool(cap.instance_type is not None or cap.dedicated_hosts or asg)


def _check_provider(where: str, p: Any) -> list[Problem]:
    fargate = p.name in FARGATE_PROVIDERS
    if fargate and p.auto_scaling_group is not None:
        return [(f"{where}.auto_scaling_group", f"expected none for {p.name}, got a mapping")]
    if not fargate:
        if p.auto_scaling_group is None:
            return [
                (
                    f"{where}.auto_scaling_group",
                    f"required for {p.name!r} (only FARGATE and FARGATE_SPOT need none)",
                )
            ]
        if p.name.lower().startswith(("aws", "ecs", "fargate")):
            return [
                (
                    f"{where}.name",
                    f"expected a name not starting with aws, ecs or fargate, got {p.name!r}",
                )
            ]
    if p.interruption_rate_per_hour and p.name != FARGATE_SPOT:
        return [(f"{where}.interruption_rate_per_hour", "only FARGATE_SPOT is interrupted")]
    if fargate:
        return []
    out = []
    g = p.auto_scaling_group
    known = instance_types()
    for j, name in enumerate(g.instance_types):
        field = f"{where}.auto_scaling_group.instance_types[{j}]"
        t = known.get(name)
        if t is None:
            out.append((field, f"unknown instance type {name!r}" + did_you_mean(name, set(known))))
        elif t.price_per_hour is None:
            out.append((field, f"expected a shared-tenancy instance type, got {name}"))
    if g.min_size > g.max_size:
        out.append(
            (
                f"{where}.auto_scaling_group.max_size",
                f"expected >= min_size ({g.min_size}), got {g.max_size}",
            )
        )
    elif g.desired_capacity is not None and not g.min_size <= g.desired_capacity <= g.max_size:
        out.append(
            (
                f"{where}.auto_scaling_group.desired_capacity",
                f"expected from min_size {g.min_size} to max_size {g.max_size}, "
                f"got {g.desired_capacity}",
            )
        )
    m = p.managed_scaling
    if m.minimum_scaling_step_size > m.maximum_scaling_step_size:
        out.append(
            (
                f"{where}.managed_scaling.maximum_scaling_step_size",
                f"expected >= minimum_scaling_step_size ({m.minimum_scaling_step_size}), "
                f"got {m.maximum_scaling_step_size}",
            )
        )
    if m.instance_warmup_period > 10000:
        out.append(
            (
                f"{where}.managed_scaling.instance_warmup_period",
                f"expected at most 10000 s, got {m.instance_warmup_period:g} s",
            )
        )
    if p.managed_termination_protection == "ENABLED" and m.status == "DISABLED":
        out.append(
            (
                f"{where}.managed_termination_protection",
                "expected managed_scaling.status ENABLED with managed termination protection "
                "(ECS: it does not work without managed scaling)",
            )
        )
    return out


def _check_strategy(where: str, svc: Any, providers: dict[str, Any]) -> list[Problem]:
    items = svc.capacity_provider_strategy
    if not items:
        return []
    field = f"{where}.capacity_provider_strategy"
    if svc.scheduling_strategy == "DAEMON":
        return [(field, "expected none for a DAEMON service (daemons run on every instance)")]
    out = []
    names = [i.capacity_provider for i in items]
    for j, name in enumerate(names):
        if name not in providers:
            out.append(
                (
                    f"{field}[{j}].capacity_provider",
                    f"no capacity provider named {name!r} in capacity_providers"
                    + did_you_mean(name, set(providers)),
                )
            )
        elif names.index(name) != j:
            out.append((f"{field}[{j}].capacity_provider", f"{name!r} appears twice"))
    if out:
        return out
    if len(items) > 20:
        out.append((field, f"expected at most 20 items, got {len(items)}"))
    if sum(1 for i in items if i.base) > 1:
        out.append((field, "expected a base on one capacity provider only"))
    if len(items) > 1 and not any(i.weight for i in items):
        out.append((field, "expected a weight > 0 on at least one capacity provider"))
    fargate = [n in FARGATE_PROVIDERS for n in names]
    if any(fargate) and not all(fargate):
        out.append((field, "expected Fargate providers or Auto Scaling group providers, not a mix"))
    elif all(fargate) and not fargate_size_valid(svc.cpu, svc.memory):
        out.append(
            (
                f"{where}.memory",
                f"expected a Fargate task size (cpu {svc.cpu}: memory "
                f"{_fargate_memories(svc.cpu)}), got cpu {svc.cpu}, memory {svc.memory}",
            )
        )
    return out


def _fargate_memories(cpu: int) -> str:
    size = fargate_task_sizes().get(cpu)
    if size is None:
        return f"no such Fargate cpu; cpu is one of {', '.join(map(str, fargate_task_sizes()))}"
    values = sorted(size.memory_mib)
    if len(values) <= 4:
        return ", ".join(map(str, values))
    step = values[1] - values[0]
    return f"{values[0]} to {values[-1]} in steps of {step}"


def _check_auto_scaling(where: str, svc: Any, traffic: set[str]) -> list[Problem]:
    a = svc.auto_scaling
    field = f"{where}.auto_scaling"
    out = []
    if svc.scheduling_strategy == "DAEMON":
        return [(field, "expected none for a DAEMON service (its count follows the instances)")]
    if a.min > a.max:
        out.append((f"{field}.max", f"expected >= min ({a.min}), got {a.max}"))
    metrics = [p.metric for p in a.policies]
    for j, m in enumerate(metrics):
        if metrics.index(m) != j:
            out.append((f"{field}.policies[{j}].metric", f"{m} has a policy already"))
        elif m == "ALBRequestCountPerTarget" and svc.name not in traffic:
            out.append(
                (f"{field}.policies[{j}].metric", f"expected traffic for service {svc.name!r}")
            )
    for j, p in enumerate(a.policies):
        r = p.scale_in_threshold_ratio
        if r is not None and r > 1:
            out.append(
                (
                    f"{field}.policies[{j}].scale_in_threshold_ratio",
                    f"expected a number in (0, 1], got {r:g}",
                )
            )
    if a.memory_busy_pct < a.memory_idle_pct:
        out.append(
            (
                f"{field}.memory_busy_pct",
                f"expected >= memory_idle_pct ({a.memory_idle_pct:g}), got {a.memory_busy_pct:g}",
            )
        )
    return out
