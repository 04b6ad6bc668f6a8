"""Placement decisions per second on 1,000, 10,000 and 50,000 container instances.

Each decision places one task (256 CPU units, 512 MiB, bridge, no host port) on a fleet of
m6i.2xlarge and m6g.2xlarge instances spread over three Availability Zones, through one
CandidateArrays kept in step across decisions (as the timed ECS layer will keep it). Four
policies: spread(AZ) (a service's default); binpack(memory); spread(AZ) + binpack(memory);
memberOf(arm64) + spread(AZ). Each runs twice: on PlacementBuckets (``buckets``)
and on the whole-column pass (``columns``). Also prints the time to build the arrays and a
batched run (count=10 per call).

Run: ``.venv/bin/python benchmarks/bench_placement.py [--decisions N] [--repeat R]
[--sizes 1000 10000 50000]``; each figure is the best and the median of R runs.
A benchmark, not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from simulator.catalog import instance_type
from simulator.ecs.candidates import CandidateArrays
from simulator.ecs.container_instance import ContainerInstance
from simulator.ecs.placement import place
from simulator.ecs.task_definition import TaskRequirements

AZS = ("us-east-1a", "us-east-1b", "us-east-1c")
TASK = TaskRequirements(cpu=256, memory=512)
POLICIES: dict[str, tuple[list[dict], list[dict]]] = {
    "spread(AZ)": ([{"type": "spread", "field": "attribute:ecs.availability-zone"}], []),
    "binpack(memory)": ([{"type": "binpack", "field": "memory"}], []),
    "spread(AZ)+binpack(memory)": (
        [
            {"type": "spread", "field": "attribute:ecs.availability-zone"},
            {"type": "binpack", "field": "memory"},
        ],
        [],
    ),
    "memberOf(arm64)+spread(AZ)": (
        [{"type": "spread", "field": "attribute:ecs.availability-zone"}],
        [{"type": "memberOf", "expression": "attribute:ecs.cpu-architecture == arm64"}],
    ),
}


def fleet(n: int) -> list[ContainerInstance]:
    x86, arm = instance_type("m6i.2xlarge"), instance_type("m6g.2xlarge")
    return [
        ContainerInstance(
            f"i-{k:017x}", arm if k % 2 else x86, availability_zone=AZS[k % 3], cluster="bench"
        )
        for k in range(n)
    ]


def run(n: int, decisions: int, batch: int, repeat: int) -> None:
    instances = fleet(n)
    builds = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        CandidateArrays(instances)
        builds.append(time.perf_counter() - t0)
    print(
        f"{n:>6} instances: CandidateArrays built in {min(builds) * 1000:.1f} ms (best of {repeat})"
    )
    for name, (strategies, constraints) in POLICIES.items():
        for buckets in (True, False):
            rates = []
            for _ in range(repeat):
                arrays = CandidateArrays(instances)
                rng = np.random.default_rng(0)
                placed = 0
                t0 = time.perf_counter()
                for _ in range(decisions // batch):
                    got, _ = place(
                        TASK, batch, arrays, strategies, constraints, "service:bench", rng,
                        buckets=buckets,
                    )  # fmt: skip
                    placed += len(got)
                rates.append(placed / (time.perf_counter() - t0))
            rates.sort()
            path = "buckets" if buckets else "columns"
            print(
                f"{n:>6} instances  {name:<28} {path:<7} count={batch:<3} {placed:>6} tasks  "
                f"best {rates[-1]:>8,.0f}  median {rates[len(rates) // 2]:>8,.0f} decisions/s"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--decisions", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    args = parser.parse_args()
    for n in args.sizes:
        for batch in (1, 10):
            run(n, args.decisions, batch, args.repeat)


if __name__ == "__main__":
    main()
