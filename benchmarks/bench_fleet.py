"""Speed of the EC2 / Dedicated Host layer at scale, end to end through a scenario.

10,000 m6i Dedicated Hosts, each running 4 m6i.8xlarge instances (40,000 instances),
for 30 days with host failures (MTBF 30 days per host, host recovery on): prints
simulated seconds per wall second, lifecycle transitions, and peak memory (RSS).

    .venv/bin/python benchmarks/bench_fleet.py [--hosts N] [--days D]
"""

from __future__ import annotations

import argparse
import resource
import time

from simulator.experiment import run
from simulator.scenario import validate_scenario


def scenario(hosts: int, days: int) -> dict:
    return {
        "name": f"fleet-{hosts}-hosts",
        "duration": f"{days}d",
        "tick": "5m",
        "capacity": {
            "dedicated_hosts": [
                {
                    "instance_type": "m6i.8xlarge",
                    "count": hosts,
                    "instances_per_host": 4,
                    "host_recovery": "on",
                }
            ]
        },
        "services": [],
        "faults": [{"kind": "host_failures", "mean_time_between_failures": "30d"}],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    s = validate_scenario(scenario(args.hosts, args.days), source="bench")
    start = time.perf_counter()
    result = run(s)
    wall = time.perf_counter() - start
    transitions = int(result.events["kind"].isin(["instance.state", "host.state"]).sum())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"hosts {args.hosts:,}, instances {args.hosts * 4:,}, {args.days} days simulated")
    print(f"host failures: {result.summary['host_failures']:,}")
    print(f"lifecycle transitions: {transitions:,}")
    print(f"wall time: {wall:.1f} s")
    print(f"simulated seconds per wall second: {s.duration / wall:,.0f}")
    print(f"peak RSS: {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
