"""Speed of capacity providers and Service Auto Scaling.

Cases: the bundled scenarios/capacity-plan.yaml (3 days), and a larger one: 10 auto-scaled
diurnal services on one managed-scaling Auto Scaling group of up to 300 instances, with two
batches of 200 jobs, over 7 days. Prints simulated seconds per wall second.

    .venv/bin/python benchmarks/bench_capacity.py
"""

from __future__ import annotations

import time
from pathlib import Path

from simulator.experiment import run
from simulator.scenario import load_scenario, validate_scenario

ROOT = Path(__file__).resolve().parents[1]


def large() -> dict:
    services = [
        {
            "name": f"web{i}",
            "cpu": 1024,
            "memory": 2048,
            "desired_count": 4,
            "placement_strategy": [{"type": "binpack", "field": "cpu"}],
            "capacity_provider_strategy": [{"capacity_provider": "asg", "weight": 1}],
            "auto_scaling": {
                "min": 4,
                "max": 200,
                "policies": [{"metric": "ECSServiceAverageCPUUtilization", "target": 60}],
            },
        }
        for i in range(10)
    ]
    services.append(
        {
            "name": "batch",
            "cpu": 2048,
            "memory": 4096,
            "desired_count": 0,
            "workload": "batch",
            "placement_strategy": [{"type": "binpack", "field": "cpu"}],
            "capacity_provider_strategy": [{"capacity_provider": "asg", "weight": 1}],
        }
    )
    return {
        "name": "capacity-large",
        "duration": "7d",
        "capacity_providers": [
            {
                "name": "asg",
                "auto_scaling_group": {
                    "instance_types": ["m6g.4xlarge"],
                    "min_size": 4,
                    "max_size": 300,
                },
                "managed_scaling": {"target_capacity": 90},
                "managed_termination_protection": "ENABLED",
            }
        ],
        "services": services,
        "traffic": [
            {
                "service": f"web{i}",
                "pattern": "diurnal",
                "min_rps": 500,
                "peak_rps": 8000,
                "peak_at": f"{10 + i % 6}h",
            }
            for i in range(10)
        ],
        "events": [
            {"at": at, "action": "set_desired_count", "service": "batch", "desired_count": n}
            for at, n in (("2d", 200), ("2d4h", 0), ("5d", 200), ("5d6h", 0))
        ],
        "outputs": {"plots": False},
    }


def main() -> None:
    cases = {
        "capacity-plan (3 d)": load_scenario(ROOT / "scenarios" / "capacity-plan.yaml"),
        "10 services, <= 300 instances (7 d)": validate_scenario(large()),
    }
    for name, scenario in cases.items():
        start = time.perf_counter()
        result = run(scenario)
        wall = time.perf_counter() - start
        cp = result.summary["capacity_providers"]
        asg = next(v for v in cp.values() if v["kind"] == "ASG")
        print(
            f"{name}: {wall:.1f} s wall, {scenario.duration / wall:,.0f} simulated s per s; "
            f"instances {asg['instances_min']}-{asg['instances_max']}, "
            f"{asg['scale_outs']} scale-outs, {asg['scale_ins']} scale-ins"
        )


if __name__ == "__main__":
    main()
