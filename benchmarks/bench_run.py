"""Speed of `run`: the quickstart, and a 1,000-instance fleet over 30 days.

Prints simulated seconds per wall second and peak memory (RSS) per case. Each case
runs in its own process so that peak memory is its own.

    .venv/bin/python benchmarks/bench_run.py
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def large_fleet() -> dict:
    """1,000 m6i.2xlarge instances and 20 services of 3,000 tasks in all, 30 days."""
    services, traffic = [], []
    for i in range(20):
        services.append({"name": f"svc{i:02d}", "cpu": 1024, "memory": 2048, "desired_count": 150})
        traffic.append(
            {
                "service": f"svc{i:02d}",
                "pattern": "diurnal",
                "min_rps": 5000 + 500 * i,
                "peak_rps": 20000 + 1000 * i,
                "peak_at": f"{10 + i % 8}h",
            }
        )
    return {
        "name": "fleet-1000",
        "duration": "30d",
        "tick": "1m",
        "capacity": {"instance_type": "m6i.2xlarge", "count": 1000},
        "services": services,
        "traffic": traffic,
        "events": [
            {
                "at": f"{d}d",
                "action": "set_desired_count",
                "service": "svc00",
                "desired_count": 150 + d % 3,
            }
            for d in range(1, 30)
        ],
    }


def child(case: str) -> None:
    from simulator.experiment import run
    from simulator.scenario import load_scenario, validate_scenario

    if case == "quickstart":
        scenario = load_scenario(ROOT / "scenarios" / "quickstart.yaml")
    else:
        scenario = validate_scenario(large_fleet(), source=case)
    start = time.perf_counter()
    result = run(scenario)
    wall = time.perf_counter() - start
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "case": case,
                "simulated_s": scenario.duration,
                "wall_s": wall,
                "metric_points": len(result.metrics),
                "peak_rss_mib": peak_mib,
            }
        )
    )


def main() -> None:
    print(
        f"{'case':<12} {'simulated':>10} {'wall s':>8} {'sim s / wall s':>15} "
        f"{'points':>11} {'peak RSS MiB':>13}"
    )
    for case in ("quickstart", "fleet-1000"):
        out = subprocess.run(
            [sys.executable, __file__, "--child", case], capture_output=True, text=True, check=True
        ).stdout
        r = json.loads(out.strip().splitlines()[-1])
        print(
            f"{r['case']:<12} {r['simulated_s'] / 86400:>9.0f}d {r['wall_s']:>8.2f} "
            f"{r['simulated_s'] / r['wall_s']:>15,.0f} {r['metric_points']:>11,} "
            f"{r['peak_rss_mib']:>13,.0f}"
        )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        main()
