"""One run: Scenario -> World -> simulate -> RunResult with a summary."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulator.catalog.hosts import host_type
from simulator.core.durations import Duration, parse_duration
from simulator.core.world import ProgressCallback
from simulator.experiment.capacity_summary import capacity_summary, fargate_cost_usd
from simulator.experiment.result import RunResult
from simulator.experiment.sizing import apply_sizing
from simulator.lifecycle.billing import fleet_bills
from simulator.scenario.build import Simulation
from simulator.scenario.loader import load_scenario
from simulator.scenario.schema import Scenario
from simulator.scenario.variants import all_variants
from simulator.traffic.forecast import linear_forecast


def run(
    scenario: Scenario | str | Path,
    seed: int | None = None,
    duration: Duration | None = None,
    progress: ProgressCallback | None = None,
) -> RunResult:
    """Simulate ``scenario`` (a Scenario or a file path) and return its RunResult.

    ``seed`` and ``duration`` override the scenario's own values.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if duration is not None:
        scenario = scenario.model_copy(update={"duration": parse_duration(duration)})
    scenario, sizing = apply_sizing(scenario)
    sim = Simulation(scenario, seed=seed)
    sim.start()
    sim.world.run(scenario.duration, progress=progress)
    sim.flush()
    metrics = sim.world.metrics.to_frame()
    events = sim.world.trace.to_frame()
    result = RunResult(scenario.name, sim.seed, scenario.duration, metrics, events)
    result.summary = summarize(sim, result)
    if sizing is not None:
        result.summary["sizing"] = {
            k: _num(v) if isinstance(v, float) else v for k, v in sizing.items()
        }
        month = 730 * 3600 / scenario.duration  # AWS prices a month as 730 hours
        cost = result.summary["cost_usd"] or 0.0
        requests = result.summary["services"][sizing["service"]]["requests"] or 0.0
        result.summary["sizing"]["monthly_cost_usd"] = _num(cost * month)
        result.summary["sizing"]["requests_per_dollar"] = _num(requests / cost) if cost else None
    return result


def run_variants(
    scenario: Scenario | str | Path,
    seed: int | None = None,
    duration: Duration | None = None,
    progress: ProgressCallback | None = None,
) -> dict[str, RunResult]:
    """Run every variant of ``scenario`` with the same seed (the base alone, as "base",
    when it has none). ``progress`` sees (done, total) over all variants."""
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    variants = all_variants(scenario)
    results: dict[str, RunResult] = {}
    total = sum(
        parse_duration(duration) if duration is not None else v.duration for v in variants.values()
    )
    done = 0.0
    for name, v in variants.items():
        if len(variants) > 1:
            v = v.model_copy(update={"name": f"{v.name}@{name}"})
        offset = done

        def report(now: float, _end: float, offset: float = offset) -> None:
            if progress is not None:
                progress(offset + now, total)

        results[name] = run(v, seed=seed, duration=duration, progress=report)
        done += results[name].duration
    return results


def summarize(sim: Simulation, result: RunResult) -> dict[str, Any]:
    """Headline numbers per service and for the cluster, plain JSON types only."""
    s = sim.scenario
    m = result.metrics
    services: dict[str, Any] = {}
    for name in sim.names:
        df = m[m["service"] == name]
        by = {k: g.set_index("time")["value"] for k, g in df.groupby("metric", observed=True)}
        requests = float(by["RequestCount"].sum())
        failed = float(by["HTTPCode_Target_5XX_Count"].sum())
        rate = by["RequestRate"]
        peak_t = float(rate.idxmax()) if len(rate) else 0.0
        served = by["HTTPCode_Target_2XX_Count"]
        latency = by["TargetResponseTime.mean"].fillna(0.0)
        weighted = float((latency * served).sum() / served.sum()) if served.sum() > 0 else None
        p99 = by["TargetResponseTime.p99"] * 1000.0
        services[name] = {
            "peak_rps": _num(rate.max()),
            "requests": _num(requests),
            "failed_requests": _num(failed),
            "error_rate": _num(failed / requests) if requests else 0.0,
            "max_cpu_utilization_pct": _num(by["CPUUtilization"].max()),
            "mean_latency_ms": _num(weighted * 1000.0) if weighted is not None else None,
            "p99_latency_ms_max": _num(p99.max()),
            "p99_latency_ms_at_peak": _num(p99.get(peak_t)),
            "running_tasks_min": int(by["RunningTaskCount"].min()),
            "running_tasks_max": int(by["RunningTaskCount"].max()),
            "pending_tasks_max": int(by["PendingTaskCount"].max()),
            "tasks_short_max": int((by["DesiredTaskCount"] - by["RunningTaskCount"]).max()),
            "oom_kills": sim.oom_kills[name],
            **memory_summary(by.get("MemoryUtilization"), sim.oom_times(name)),
        }
    cluster = m[m["cluster"] == s.name]
    cl = {k: g["value"].to_numpy() for k, g in cluster.groupby("metric", observed=True)}
    fleet = sim.ec2.fleet
    bills = fleet_bills(fleet.instances.values(), fleet.hosts.values(), s.duration)
    instance_cost = sum(b.cost for b in bills.values() if b.kind == "instance")
    host_cost = sum(b.cost for b in bills.values() if b.kind == "host")
    fargate_cost = fargate_cost_usd(sim)
    total_cost = instance_cost + host_cost + fargate_cost
    total_requests = sum(v["requests"] for v in services.values())
    host_families = sorted({h.family for h in fleet.hosts.values()})
    host_states = Counter(str(h.state) for h in fleet.hosts.values())
    cap = s.capacity
    return {
        "scenario": s.name,
        "seed": sim.seed,
        "duration_s": s.duration,
        "tick_s": s.tick,
        "region": s.region,
        "instance_type": cap.instance_type,
        "arch": sim.shared_type.arch if sim.shared_type else None,
        "dedicated_hosts": [
            {
                "instance_type": g.instance_type or f"{g.instance_family} (mixed sizes)",
                "count": g.count,
                "host_recovery": g.host_recovery,
            }
            for g in cap.dedicated_hosts
        ],
        "instances_max": int(np.max(cl["InstanceCount"])),
        "healthy_instances_min": int(np.min(cl["HealthyInstances"])),
        "capacity_lost_instance_hours": _num(np.sum(cl["CapacityLostInstances"]) * s.tick / 3600),
        "host_failures": sim.observer.host_failures,
        "hosts_by_state": dict(sorted(host_states.items())),
        "cpu_reservation_pct_max": _num(np.max(cl["CPUReservation"])),
        "instance_cost_usd": _num(instance_cost),
        "host_cost_usd": _num(host_cost),
        "fargate_cost_usd": _num(fargate_cost),
        "host_price_is_estimate": any(host_type(f).price_is_estimate for f in host_families),
        "cost_usd": _num(total_cost),
        "cost_per_million_requests_usd": _num(total_cost / total_requests * 1e6)
        if total_requests
        else None,
        "services": services,
        "events": int(len(result.events)),
        **capacity_summary(sim),
    }


def memory_summary(util: pd.Series | None, ooms: list[float]) -> dict[str, Any]:
    """For a service with a memory model: peak MemoryUtilization and the trend forecast
    of when it reaches 100 %, made from the first half of the climb to the first OOM
    kill (the insight an operator would have had in time), next to when it happened."""
    if util is None or util.dropna().empty:
        return {}
    out: dict[str, Any] = {"max_memory_utilization_pct": _num(util.max())}
    first_oom = ooms[0] if ooms else None
    out["first_oom_kill_s"] = first_oom
    horizon = first_oom if first_oom is not None else float(util.index.max())
    window = util[(util.index <= horizon / 2)].dropna()
    if len(window) >= 2:
        f = linear_forecast(window.index.to_numpy(), window.to_numpy(), threshold=100.0)
        out["forecast_made_at_s"] = _num(f.fitted_to)
        out["forecast_100pct_at_s"] = _num(f.crossing_time)
        out["forecast_slope_pct_per_hour"] = _num(f.slope * 3600)
    return out


def _num(x: Any) -> float | None:
    if x is None:
        return None
    x = float(x)
    if np.isnan(x) or np.isinf(x):
        return None
    return round(x, 6)


__all__ = ["RunResult", "run", "summarize"]
