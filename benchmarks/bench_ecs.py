"""Speed of the ECS layer end to end through a scenario.

About 1,000 container instances (63 m6i Dedicated Hosts x 16 m6i.2xlarge) running
10,000 tasks (20 services x 500), for 30 days, with a rolling deployment of every
service each day and random host failures (host recovery on). Prints simulated seconds
per wall second, task state transitions and peak memory (RSS).

    .venv/bin/python benchmarks/bench_ecs.py [--days D] [--services N]
"""

from __future__ import annotations

import argparse
import resource
import time

from simulator.experiment import run
from simulator.scenario import validate_scenario


def scenario(days: int, services: int, tasks: int) -> dict:
    return {
        "name": "ecs-bench",
        "duration": f"{days}d",
        "tick": "5m",
        "capacity": {
            "dedicated_hosts": [
                {"instance_type": "m6i.2xlarge", "count": 63, "host_recovery": "on"}
            ]
        },
        "services": [
            {"name": f"svc{i:02d}", "cpu": 512, "memory": 1024, "desired_count": tasks}
            for i in range(services)
        ],
        "traffic": [
            {"service": f"svc{i:02d}", "pattern": "diurnal", "min_rps": 10_000, "peak_rps": 30_000}
            for i in range(services)
        ],
        "events": [
            {"at": f"{d * 24 + 2 + i * 0.1:.2f}h", "action": "deploy", "service": f"svc{i:02d}"}
            for d in range(days)
            for i in range(services)
        ],
        "faults": [{"kind": "host_failures", "mean_time_between_failures": "90d"}],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--services", type=int, default=20)
    parser.add_argument("--tasks", type=int, default=500)
    args = parser.parse_args()
    s = validate_scenario(scenario(args.days, args.services, args.tasks), source="bench")
    start = time.perf_counter()
    result = run(s)
    wall = time.perf_counter() - start
    task_events = int((result.events["kind"] == "ecs.task").sum())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{args.services} services x {args.tasks} tasks on ~1,000 instances, "
        f"{args.days} days, a deployment of every service each day"
    )
    print(f"host failures: {result.summary['host_failures']}")
    print(f"task state transitions: {task_events:,}")
    print(f"wall time: {wall:.1f} s")
    print(f"simulated seconds per wall second: {s.duration / wall:,.0f}")
    print(f"peak RSS: {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
