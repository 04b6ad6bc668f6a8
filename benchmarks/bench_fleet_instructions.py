"""Fleet scale in instructions: the goal shape of ``bench_fleet_scale.py`` counted by
valgrind's callgrind, phase by phase and day by day.

CPU seconds on a shared machine move by a third between runs of the same code, and they
grow faster than the work when the fleet's objects outgrow the processor's caches. An
instruction count does neither: it says how the work grows, and the CPU sweep's
exponents then say how much the memory hierarchy adds. The run is the same as
``bench_fleet_scale.py``'s (lean: the summary's metrics, no trace); it stops between the
phases and after each simulated day and asks callgrind to dump its counts
(``callgrind_control -d``), so each phase's and each day's instructions are their own.

``--sweep`` counts 1/40, 1/20 and 1/10 of the goal for two days and 1/40 for four, two
processes at a time, and fits exponents (log-log least squares) in size, on each size's
second day, and in days, on the 1/40 runs' simulated days. Needs valgrind on the PATH;
under it a run is about 50 times slower (1/10 for two days took over ten CPU minutes
here).

    .venv/bin/python benchmarks/bench_fleet_instructions.py --instances 1250 \\
        --tasks 2500 --services 25 --days 2
    .venv/bin/python benchmarks/bench_fleet_instructions.py --sweep
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_fleet_scale import GOAL, scenario, slope  # noqa: E402


def inner(instances: int, tasks: int, services: int, days: int) -> None:
    """Under callgrind: run the shape, dumping the counts after each phase and day."""
    from simulator.experiment.result import RunResult
    from simulator.experiment.run import record, summarize
    from simulator.scenario import validate_scenario
    from simulator.scenario.build import Simulation

    def dump(tag: str) -> None:
        subprocess.run(
            ["callgrind_control", "-d", tag, str(os.getpid())], check=True, capture_output=True
        )

    import pandas as pd

    sc = validate_scenario(scenario(instances, tasks, services, days, True), source="bench")
    sim = Simulation(sc)
    sim.keep_live_metrics = False
    dump("build")  # imports included
    sim.start()
    dump("start")
    for day in range(days):
        sim.world.run((day + 1) * 86400.0)
        dump(f"day{day + 1}")
    sim.flush()
    store = sim.world.metrics
    result = RunResult(sc.name, sim.seed, sc.duration, pd.DataFrame(), sim.world.trace.to_frame())
    result.summary = summarize(record(sim), result, store)
    result.metrics = store.to_frame()
    dump("end")  # the flush, the summary and the long table
    print(json.dumps({"task_transitions": sim.world.trace.counts["ecs.task"]}))


def count(instances: int, tasks: int, services: int, days: int) -> dict:
    """Run ``inner`` under callgrind in a new process; its counts by dump."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        cmd = [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            sys.executable,
            str(Path(__file__).resolve()),
            "--inner",
            f"--instances={instances}",
            f"--tasks={tasks}",
            f"--services={services}",
            f"--days={days}",
        ]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"callgrind run failed ({done.returncode}):\n{done.stderr[-2000:]}")
        phases: dict[str, int] = {}
        for part in sorted(Path(tmp).glob("callgrind.out.*"), key=lambda p: int(p.suffix[1:])):
            text = part.read_text(errors="replace")
            tag = re.search(r"^desc: Trigger: dump (\S+)", text, re.M)
            total = re.search(r"^(?:summary|totals): (\d+)", text, re.M)
            if tag and total:
                phases[tag.group(1)] = int(total.group(1))
        info = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "instances": instances,
        "tasks": tasks,
        "services": services,
        "days": days,
        "instructions": phases,
        **info,
    }


def _line(r: dict) -> str:
    ph = r["instructions"]
    days = [ph[f"day{d + 1}"] for d in range(r["days"])]
    return (
        f"{r['instances']:>6,} instances {r['tasks']:>7,} tasks {r['services']:>5,} services "
        f"{r['days']} d: build {ph['build']:,}, start {ph['start']:,}, days "
        f"{', '.join(f'{x:,}' for x in days)}, end {ph['end']:,} instructions; "
        f"task transitions {r['task_transitions']:,}"
    )


def sweep() -> None:
    g = GOAL
    shapes = [(40, 2), (20, 2), (10, 2), (40, 4)]
    args = [(g["instances"] // k, g["tasks"] // k, g["services"] // k, d) for k, d in shapes]
    with ThreadPoolExecutor(2) as pool:  # each run is its own process
        results = list(pool.map(lambda a: count(*a), args))
    for r in results:
        print(_line(r), flush=True)
    by_size = results[:3]
    sizes = [r["instances"] for r in by_size]
    for phase in ("start", "day2", "end"):
        e = slope(sizes, [r["instructions"][phase] for r in by_size])
        print(f"exponent in size, {phase}: {e:.2f}")
    four = results[3]["instructions"]
    runs = [sum(four[f"day{d + 1}"] for d in range(n)) for n in (1, 2, 4)]
    print(f"exponent in days (1/40, simulated days 1, 2 and 4): {slope([1, 2, 4], runs):.2f}")
    later = [four[f"day{d}"] for d in (2, 3, 4)]
    print("1/40 days 2-4: " + ", ".join(f"{x:,}" for x in later) + " instructions")
    per_task = ", ".join(f"{r['instructions']['day2'] / r['tasks']:,.0f}" for r in by_size)
    print(f"day 2 per task of the fleet at 1/40, 1/20, 1/10: {per_task} instructions")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, default=GOAL["instances"] // 40)
    parser.add_argument("--tasks", type=int, default=GOAL["tasks"] // 40)
    parser.add_argument("--services", type=int, default=GOAL["services"] // 40)
    parser.add_argument("--days", type=int, default=2)
    parser.add_argument("--sweep", action="store_true")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    a = parser.parse_args()
    if a.inner:
        inner(a.instances, a.tasks, a.services, a.days)
        return
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        raise SystemExit("bench_fleet_instructions: needs valgrind (callgrind) on the PATH")
    if a.sweep:
        sweep()
        return
    print(_line(count(a.instances, a.tasks, a.services, a.days)))


if __name__ == "__main__":
    main()
