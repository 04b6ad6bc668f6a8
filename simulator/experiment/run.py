"""One run: Scenario -> World -> simulate -> RunResult with a summary."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulator.catalog.hosts import host_type
from simulator.core.durations import Duration, parse_duration
from simulator.core.metrics import MetricRecorder
from simulator.core.world import ProgressCallback
from simulator.experiment.capacity_summary import capacity_summary, fargate_cost_usd
from simulator.experiment.record import RunRecord
from simulator.experiment.result import RunResult
from simulator.lifecycle.billing import fleet_bills
from simulator.scenario.build import Simulation
from simulator.scenario.loader import load_scenario
from simulator.scenario.schema import Scenario
from simulator.scenario.sizing import apply_sizing
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
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if duration is not None:
        sc = sc.model_copy(update={"duration": parse_duration(duration)})
    sc, sizing = apply_sizing(sc)
    sim = Simulation(sc, seed=seed)
    sim.keep_live_metrics = False  # only the run's alarms read its live CloudWatch
    sim.start()
    sim.world.run(sc.duration, progress=progress)
    sim.flush()
    # the summary reads the store; the long table is built when something reads it (a
    # replication keeps only the summary and never does)
    result = RunResult(
        sc.name, sim.seed, sc.duration, sim.world.metrics, sim.world.trace.to_frame()
    )
    result.summary = summarize(record(sim), result, sim.world.metrics)
    if sim.test_fleet is not None:
        result.summary["test_fleet"] = sim.test_fleet.summary()
    if sizing is not None:
        result.summary["sizing"] = {
            k: _num(v) if isinstance(v, float) else v for k, v in sizing.items()
        }
        month = 730 * 3600 / sc.duration  # AWS prices a month as 730 hours
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


def record(sim: Simulation) -> RunRecord:
    """The finished simulation's record: what the summary needs of it."""
    s = sim.scenario
    fleet = sim.ec2.fleet
    return RunRecord(
        scenario=s,
        seed=sim.seed,
        services=list(sim.names),
        arch=sim.shared_type.arch if sim.shared_type else None,
        oom_times={n: sim.oom_times(n) for n in sim.names},
        bills=fleet_bills(fleet.instances.values(), fleet.hosts.values(), s.duration),
        host_families=sorted({h.family for h in fleet.hosts.values()}),
        host_states=dict(sorted(Counter(str(h.state) for h in fleet.hosts.values()).items())),
        host_failures=sim.observer.host_failures,
        fargate_cost_usd=fargate_cost_usd(sim),
        capacity=capacity_summary(sim),
        deployments=sim.deployments.records(),
        alarms=sim.alarm_log.summary([a.name for a in sim.alarms.sorted()], s.duration),
    )


def summarize(
    rec: RunRecord | Simulation, result: RunResult, store: MetricRecorder | None = None
) -> dict[str, Any]:
    """Headline numbers per service and for the cluster, plain JSON types only.

    ``store``: the run's own metric store, read series by series instead of the long
    table (the same points in the same order, so the same numbers, at a fraction of the
    memory a long run's table takes)."""
    if isinstance(rec, Simulation):
        rec = record(rec)
    s = rec.scenario
    services: dict[str, Any] = {}
    if store is not None:
        by_service = _series_from_store(store, rec.services)
        cl = {m: v for (c, m), (_, v) in store.grouped("cluster").items() if c == s.name}
    else:
        m = result.metrics
        by_service = _series_by_service(m, rec.services)
        cluster = m[m["cluster"] == s.name]
        cl = {k: g["value"].to_numpy() for k, g in cluster.groupby("metric", observed=True)}
    for name in rec.services:
        by = by_service[name]
        elb_5xx = by.get("HTTPCode_ELB_5XX_Count")
        elb_failed = float(elb_5xx.sum()) if elb_5xx is not None else 0.0
        elb_503 = by.get("HTTPCode_ELB_503_Count")
        # the ELB's 503s (no target to choose) never reach RequestCount; its 502s (the
        # target went away mid-request) do
        requests = float(by["RequestCount"].sum()) + (
            float(elb_503.sum()) if elb_503 is not None else 0.0
        )
        failed = float(by["HTTPCode_Target_5XX_Count"].sum()) + elb_failed
        rate = by["RequestRate"]
        peak_t = float(rate.idxmax()) if len(rate) else 0.0
        served = by["HTTPCode_Target_2XX_Count"]
        latency = by["TargetResponseTime.mean"].fillna(0.0)
        weighted = float((latency * served).sum() / served.sum()) if served.sum() > 0 else None
        p99 = by["TargetResponseTime.p99"] * 1000.0
        healthy = by.get("HealthyHostCount")
        services[name] = {
            "peak_rps": _num(rate.max()),
            "requests": _num(requests),
            "failed_requests": _num(failed),
            "elb_5xx_requests": _num(elb_failed),
            "error_rate": _num(failed / requests) if requests else 0.0,
            "max_cpu_utilization_pct": _num(by["CPUUtilization"].max()),
            "mean_latency_ms": _num(weighted * 1000.0) if weighted is not None else None,
            "p99_latency_ms_max": _num(p99.max()),
            "p99_latency_ms_at_peak": _num(p99.get(peak_t)),
            "running_tasks_min": int(by["RunningTaskCount"].min()),
            "running_tasks_max": int(by["RunningTaskCount"].max()),
            "healthy_targets_min": int(healthy.min()) if healthy is not None else None,
            "pending_tasks_max": int(by["PendingTaskCount"].max()),
            "tasks_short_max": int((by["DesiredTaskCount"] - by["RunningTaskCount"]).max()),
            "oom_kills": rec.oom_kills[name],
            **memory_summary(by.get("MemoryUtilization"), rec.oom_times[name]),
        }
    bills = rec.bills
    instance_cost = sum(b.cost for b in bills.values() if b.kind == "instance")
    host_cost = sum(b.cost for b in bills.values() if b.kind == "host")
    total_cost = instance_cost + host_cost + rec.fargate_cost_usd
    total_requests = sum(v["requests"] for v in services.values())
    cap = s.capacity
    step = s.outputs.metrics_period or s.tick  # seconds a cluster point stands for
    return {
        "scenario": s.name,
        "seed": rec.seed,
        "duration_s": s.duration,
        "tick_s": s.tick,
        **({"metrics_period_s": step} if s.outputs.metrics_period is not None else {}),
        "region": s.region,
        "instance_type": cap.instance_type,
        "arch": rec.arch,
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
        "capacity_lost_instance_hours": _num(np.sum(cl["CapacityLostInstances"]) * step / 3600),
        "host_failures": rec.host_failures,
        "hosts_by_state": rec.host_states,
        "cpu_reservation_pct_max": _num(np.max(cl["CPUReservation"])),
        "instance_cost_usd": _num(instance_cost),
        "host_cost_usd": _num(host_cost),
        "fargate_cost_usd": _num(rec.fargate_cost_usd),
        "host_price_is_estimate": any(host_type(f).price_is_estimate for f in rec.host_families),
        "cost_usd": _num(total_cost),
        "cost_per_million_requests_usd": _num(total_cost / total_requests * 1e6)
        if total_requests
        else None,
        "services": services,
        "deployments": deployments_summary(rec, by_service),
        "deployments_stuck": sum(1 for d in rec.deployments if d.stuck),
        "alarms": {
            name: {k: _num(v) if isinstance(v, float) else v for k, v in a.items()}
            for name, a in rec.alarms.items()
        },
        "events": int(len(result.events)),
        **rec.capacity,
    }


def _series_by_service(m: pd.DataFrame, names: list[str]) -> dict[str, dict[str, pd.Series]]:
    """service -> metric -> its values indexed by time, from the long table in one pass
    (one stable sort by (service, metric) codes; each series keeps its time order)."""
    out: dict[str, dict[str, pd.Series]] = {n: {} for n in names}
    if "service" not in m.columns or m.empty:
        return out
    service = m["service"].cat
    metric = m["metric"].cat
    s_codes = service.codes.to_numpy().astype(np.int64)
    m_codes = metric.codes.to_numpy().astype(np.int64)
    keep = np.flatnonzero(s_codes >= 0)
    key = s_codes[keep] * max(1, len(metric.categories)) + m_codes[keep]
    by_key = np.argsort(key, kind="stable")
    order, key = keep[by_key], key[by_key]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if key.size else np.zeros(0, int)
    ends = np.r_[starts[1:], key.size]
    times = m["time"].to_numpy()
    values = m["value"].to_numpy()
    n_metrics = max(1, len(metric.categories))
    for a, b in zip(starts, ends, strict=True):
        k = int(key[a])
        svc = str(service.categories[k // n_metrics])
        if svc not in out:
            continue
        rows = order[a:b]
        index = pd.Index(times[rows], name="time")
        out[svc][str(metric.categories[k % n_metrics])] = pd.Series(
            values[rows], index=index, name="value"
        )
    return out


def _series_from_store(store: MetricRecorder, names: list[str]) -> dict[str, dict[str, pd.Series]]:
    """service -> metric -> its values indexed by time, as ``_series_by_service`` makes
    them from the long table, read from the store."""
    out: dict[str, dict[str, pd.Series]] = {n: {} for n in names}
    for (svc, metric), (times, values) in sorted(store.grouped("service").items()):
        if svc in out:
            out[svc][metric] = pd.Series(values, index=pd.Index(times, name="time"), name="value")
    return out


def deployments_summary(
    rec: RunRecord, by_service: dict[str, dict[str, pd.Series]]
) -> list[dict[str, Any]]:
    """Each rolling deployment: id, start, end (None: stuck at the run's end) and the
    most tasks short of the desired count while it ran."""
    out = []
    for d in rec.deployments:
        by = by_service.get(d.service, {})
        short = None
        if "DesiredTaskCount" in by:
            gap = by["DesiredTaskCount"] - by["RunningTaskCount"]
            end = d.completed_at if d.completed_at is not None else rec.scenario.duration
            window = gap[(gap.index >= d.started_at) & (gap.index <= end)]
            short = int(window.max()) if len(window) else 0
        out.append(
            {
                "service": d.service,
                "deployment_id": d.deployment_id,
                "task_definition": d.task_definition.rsplit("/", 1)[-1],
                "started_s": _num(d.started_at),
                "completed_s": _num(d.completed_at),
                "duration_s": _num(d.completed_at - d.started_at)
                if d.completed_at is not None
                else None,
                "rollout_state": d.rollout_state,
                "stuck": d.stuck,
                "tasks_short_max": short,
            }
        )
    return out


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


__all__ = ["RunRecord", "RunResult", "record", "run", "summarize"]
