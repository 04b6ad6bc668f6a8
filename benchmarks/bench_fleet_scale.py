"""Fleet scale: the capacity-planning goal shape, end to end through a scenario.

m6i Dedicated Hosts of 32 m6i.xlarge container instances each (host recovery on, host
failures at a 90-day MTBF per host), tasks of 1 vCPU / 2 GiB spread evenly over the
services, diurnal traffic at 30-75 % of each service's capacity, a rolling deployment of
every service every day (staggered over the day), flow fidelity, 1-minute metrics. The
goal is 50,000 instances, 100,000 tasks, 1,000 services and 90 days. ECS registers at most
5,000 EC2 instances per cluster and a scenario is one cluster, so sizes above 1/10 are
refused at load (the quota's error); the goal fleet is ten 1/10 clusters.

Prints CPU seconds per phase (build, start, simulate, frames, summary), simulated seconds
per CPU second, peak RSS, events scheduled, task transitions and the simulate phase's CPU
seconds day by day (the run advances a simulated day at a time: the same events in the same
order, plus the end of each day's run in SimPy's event count). ``--sweep`` runs 1/40,
1/20 and 1/10 of the size (one day), and 1/40 of the size over 1, 2 and 4 days, each in
its own process, and prints the exponents fitted (log-log least squares) in size and in
days, the projections they give, and the marginal simulated day (4 days less 2, halved)
scaled linearly to the goal, and the 4-day run's days 2-4 as timed in that run: fixed
costs make fitted exponents under 1 look better than the fleet will run. ``--profile``
prints the top of a cProfile of the simulate phase.

    .venv/bin/python benchmarks/bench_fleet_scale.py --instances 1250 --tasks 2500 \\
        --services 25 --days 1
    .venv/bin/python benchmarks/bench_fleet_scale.py --sweep
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time
from pathlib import Path

GOAL = {"instances": 50_000, "tasks": 100_000, "services": 1_000, "days": 90}
PER_HOST = 32  # m6i.xlarge on an m6i Dedicated Host
RPS_PER_TASK = 200.0  # web-dynamic on m6i: 200 requests/s per vCPU (workloads.csv)


def scenario(
    instances: int,
    tasks: int,
    services: int,
    days: float,
    lean: bool = False,
    outputs: dict | None = None,
) -> dict:
    """The goal shape at the given size; ``lean``: keep only the summary's metrics and no
    trace (``outputs``), as a fleet-scale capacity plan would; ``outputs``: more fields of
    the scenario's ``outputs`` (metrics_period, metrics_dtype, detail)."""
    full, rest = divmod(instances, PER_HOST)  # exactly ``instances``: a last, partial host
    groups = [(full, PER_HOST)] if full else []
    groups += [(1, rest)] if rest else []
    per_service = [tasks // services + (1 if i < tasks % services else 0) for i in range(services)]
    specs, traffic, events = [], [], []
    for i, n in enumerate(per_service):
        name = f"svc{i:04d}"
        specs.append({"name": name, "cpu": 1024, "memory": 2048, "desired_count": n})
        capacity = n * RPS_PER_TASK
        traffic.append(
            {
                "service": name,
                "pattern": "diurnal",
                "min_rps": 0.30 * capacity,
                "peak_rps": 0.75 * capacity,
                "peak_at": f"{10 + i % 8}h",
            }
        )
        at = 3600.0 + (i * 86400.0 / services)  # staggered over the day
        if at < days * 86400:
            events.append({"at": at, "action": "deploy", "service": name, "every": "1d"})
    return {
        "name": f"fleet-scale-{instances}",
        "seed": 7,
        "duration": days * 86400.0,
        "tick": "1m",
        "capacity": {
            "dedicated_hosts": [
                {
                    "instance_type": "m6i.xlarge",
                    "count": count,
                    "instances_per_host": per_host,
                    "host_recovery": "on",
                }
                for count, per_host in groups
            ]
        },
        "services": specs,
        "traffic": traffic,
        "events": events,
        "faults": [{"kind": "host_failures", "mean_time_between_failures": "90d"}],
        "fidelity": "flow",
        "outputs": {
            "plots": False,
            **({"metrics": [], "trace": False} if lean else {}),
            **(outputs or {}),
        },
    }


def measure(
    instances: int,
    tasks: int,
    services: int,
    days: float,
    profile: bool,
    lean: bool = False,
    outputs: dict | None = None,
) -> dict:
    """One run, phase by phase, in CPU seconds of this process."""
    import pandas as pd

    from simulator.experiment.result import RunResult
    from simulator.experiment.run import record, summarize
    from simulator.scenario import validate_scenario
    from simulator.scenario.build import Simulation

    cpu = time.process_time
    phases: dict[str, float] = {}
    t0 = cpu()
    sc = validate_scenario(
        scenario(instances, tasks, services, days, lean, outputs), source="bench"
    )
    sim = Simulation(sc)
    sim.keep_live_metrics = False  # as experiment.run: only alarms read the live store
    phases["build"] = cpu() - t0
    transitions = [0]

    def count(what: str, task, before) -> None:
        transitions[0] += 1

    t0 = cpu()
    sim.start()
    phases["start"] = cpu() - t0
    by_day: list[float] = []
    sim.ecs.task_listeners.append(count)
    t0 = cpu()
    if profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        sim.world.run(sc.duration)
        prof.disable()
        pstats.Stats(prof, stream=sys.stderr).sort_stats("tottime").print_stats(30)
    else:  # a day at a time (the same events in the same order), each day's CPU kept
        day = 0
        while day * 86400.0 < sc.duration:
            t_day = cpu()
            sim.world.run(min(sc.duration, (day + 1) * 86400.0))
            by_day.append(cpu() - t_day)
            day += 1
    sim.flush()
    phases["simulate"] = cpu() - t0
    store = sim.world.metrics
    bytes_per_point = store.nbytes / len(store) if len(store) else 0.0
    t0 = cpu()  # as experiment.run: the summary reads the store, then the table is built
    result = RunResult(sc.name, sim.seed, sc.duration, pd.DataFrame(), sim.world.trace.to_frame())
    result.summary = summarize(record(sim), result, store)
    phases["summary"] = cpu() - t0
    t0 = cpu()
    result.metrics = store.to_frame()
    phases["frames"] = cpu() - t0
    total = sum(phases.values())
    return {
        "instances": instances,
        "tasks": tasks,
        "services": services,
        "days": days,
        "lean": lean,
        "outputs": outputs or {},
        "phases_cpu_s": {k: round(v, 2) for k, v in phases.items()},
        "simulate_cpu_s_by_day": [round(v, 2) for v in by_day],
        "total_cpu_s": round(total, 2),
        "simulated_s_per_cpu_s": round(sc.duration / total),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "events": next(sim.world.env._eid),  # simpy's count of events scheduled
        "task_transitions": sim.world.trace.counts["ecs.task"],
        "task_notifications": transitions[0],
        "trace_events": sum(sim.world.trace.counts.values()),
        "trace_events_kept": len(result.events),
        "metric_points": len(result.metrics),
        "metric_bytes_per_point": round(bytes_per_point, 2),
        "host_failures": result.summary["host_failures"],
    }


def child(args: tuple, lean: bool = False) -> dict:
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--json",
        *(["--lean"] if lean else []),
        f"--instances={args[0]}",
        f"--tasks={args[1]}",
        f"--services={args[2]}",
        f"--days={args[3]}",
    ]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def slope(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of log(y) on log(x)."""
    lx, ly = [math.log(x) for x in xs], [math.log(y) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly, strict=True)) / sum(
        (a - mx) ** 2 for a in lx
    )


def sweep(lean: bool = False) -> None:
    g = GOAL
    sizes = [40, 20, 10]
    by_size = []
    for k in sizes:
        r = child((g["instances"] // k, g["tasks"] // k, g["services"] // k, 1), lean)
        print(_line(r), flush=True)
        by_size.append(r)
    by_days = [by_size[0]]
    for days in (2, 4):
        r = child((g["instances"] // 40, g["tasks"] // 40, g["services"] // 40, days), lean)
        print(_line(r), flush=True)
        by_days.append(r)
    e_size = slope([r["instances"] for r in by_size], [r["total_cpu_s"] for r in by_size])
    e_days = slope([r["days"] for r in by_days], [r["total_cpu_s"] for r in by_days])
    print(f"exponent in size: {e_size:.2f}")
    print(f"exponent in days: {e_days:.2f}")
    goal = by_size[-1]["total_cpu_s"] * 10**e_size * 90**e_days
    print(f"projected goal ({g['instances']:,} instances, 90 days): {goal:,.0f} CPU-s")
    # the totals carry fixed costs (imports, the fleet's start) that hide how the
    # simulated days cost: each phase fitted on its own, the per-day phases scaled by
    # their own exponent in days
    per_day = ("simulate", "frames", "summary")
    phased = 0.0
    for phase in by_size[-1]["phases_cpu_s"]:
        sizes_s = [max(r["phases_cpu_s"][phase], 1e-3) for r in by_size]
        e = slope([r["instances"] for r in by_size], sizes_s)
        days_e = (
            slope([r["days"] for r in by_days], [r["phases_cpu_s"][phase] for r in by_days])
            if phase in per_day
            else 0.0
        )
        print(f"  {phase}: exponent {e:.2f} in size, {days_e:.2f} in days")
        phased += sizes_s[-1] * 10**e * 90**days_e
    print(f"projected goal, phase by phase: {phased:,.0f} CPU-s")
    # exponents under 1 come from fixed costs; the marginal day, scaled linearly in size and
    # days, does not hide them: what a day costs once the fleet runs
    day = (by_days[2]["total_cpu_s"] - by_days[1]["total_cpu_s"]) / 2
    linear = day * 40 * g["days"]
    print(
        f"marginal simulated day at 1/40: {day:.2f} CPU-s; linear in size and days: "
        f"{linear:,.0f} CPU-s at the goal"
    )
    later = by_days[2]["simulate_cpu_s_by_day"][1:]  # the 4-day run's days 2-4, timed
    if later:
        mean = sum(later) / len(later)
        print(
            f"simulate phase per day at 1/40, days 2-{len(later) + 1} of one run: "
            f"{', '.join(f'{x:.2f}' for x in later)} CPU-s (mean {mean:.2f}); linear: "
            f"{mean * 40 * g['days']:,.0f} CPU-s at the goal"
        )


def _line(r: dict) -> str:
    days = r.get("simulate_cpu_s_by_day", [])
    by_day = f", simulate by day {days}" if len(days) > 1 else ""
    return (
        f"{r['instances']:>6,} instances {r['tasks']:>7,} tasks {r['services']:>5,} services "
        f"{r['days']:>3g} d: {r['total_cpu_s']:8.2f} CPU-s {r['phases_cpu_s']} "
        f"{r['simulated_s_per_cpu_s']:,} sim-s/CPU-s, peak RSS {r['peak_rss_mib']:,} MiB, "
        f"events {r['events']:,}, task transitions {r['task_transitions']:,}, "
        f"host failures {r['host_failures']}, metric points {r['metric_points']:,} "
        f"({r.get('metric_bytes_per_point', 0):.2f} B/point while running){by_day}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, default=GOAL["instances"])
    parser.add_argument("--tasks", type=int, default=GOAL["tasks"])
    parser.add_argument("--services", type=int, default=GOAL["services"])
    parser.add_argument("--days", type=float, default=GOAL["days"])
    parser.add_argument("--sweep", action="store_true")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--lean", action="store_true", help="outputs: summary metrics only, no trace"
    )
    parser.add_argument("--metrics-period", help="outputs.metrics_period, e.g. 5m")
    parser.add_argument("--metrics-dtype", choices=["float64", "float32"])
    parser.add_argument("--detail", choices=["task", "service"])
    args = parser.parse_args()
    if args.sweep:
        sweep(args.lean)
        return
    outputs = {
        k: v
        for k, v in {
            "metrics_period": args.metrics_period,
            "metrics_dtype": args.metrics_dtype,
            "detail": args.detail,
        }.items()
        if v is not None
    }
    r = measure(
        args.instances, args.tasks, args.services, args.days, args.profile, args.lean, outputs
    )
    print(json.dumps(r) if args.json else _line(r))


if __name__ == "__main__":
    main()
