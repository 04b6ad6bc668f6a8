"""A scenario whose every service has an AWS/ECS alarm: the live store is read every
minute, so each minute's ticks are recorded and put as the run goes.

Prints the CPU seconds of ``run`` for ``--services`` services (one CPU alarm each) over
``--days`` days at one-minute ticks.

    .venv/bin/python benchmarks/bench_scenario_alarms.py --services 50 --days 1
"""

from __future__ import annotations

import argparse
import time

import yaml


def scenario(services: int, days: float) -> str:
    names = [f"s{i:03d}" for i in range(services)]
    doc = {
        "name": "alarms-everywhere",
        "duration": f"{days}d",
        "tick": "1m",
        "capacity": {"instance_type": "m6i.xlarge", "count": services + 10},
        "services": [{"name": n, "cpu": 1024, "memory": 2048, "desired_count": 2} for n in names],
        "traffic": [
            {"service": n, "pattern": "diurnal", "min_rps": 100, "peak_rps": 300, "peak_at": "14h"}
            for n in names
        ],
        "alarms": [
            {
                "name": f"{n}-cpu",
                "namespace": "AWS/ECS",
                "metric_name": "CPUUtilization",
                "service": n,
                "statistic": "Average",
                "period": 60,
                "evaluation_periods": 3,
                "threshold": 80,
                "comparison_operator": "GreaterThanThreshold",
            }
            for n in names
        ],
    }
    return yaml.safe_dump(doc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--services", type=int, default=50)
    parser.add_argument("--days", type=float, default=1.0)
    args = parser.parse_args()
    from simulator.experiment import run
    from simulator.scenario import parse_scenario

    sc = parse_scenario(scenario(args.services, args.days))
    t0 = time.process_time()
    run(sc)
    print(
        f"{args.services} services, one AWS/ECS alarm each, {args.days:g} d at 1m ticks: "
        f"{time.process_time() - t0:.2f} CPU-s"
    )


if __name__ == "__main__":
    main()
