"""Speed-up of a 64-run sweep: serially, on 2 local processes, on a Dask LocalCluster
of 2 worker processes, all in one run (and the same results on all three).

The sweep: the Dedicated Host scenario (two variants) over four host counts, eight
replications each, ten simulated days per run: 4 x 2 x 8 = 64 runs. Start-up of the
pools and the cluster is included in their times, as a user would wait for it.

    .venv/bin/python benchmarks/bench_sweep.py
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pandas as pd

from simulator.experiment.executors import DaskExecutor, ProcessExecutor, SerialExecutor
from simulator.experiment.sweep import plan_sweep, run_sweep
from simulator.scenario.loader import load_scenario
from simulator.scenario.sweep_points import sweep_of

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "dedicated-host-recovery.yaml")
    points, _ = sweep_of(scenario, ["capacity.dedicated_hosts[0].count=7,8,9,10"])
    plan = plan_sweep(scenario, points, replications=8, duration="10d")
    assert len(plan.tasks) == 64
    print(f"{len(plan.tasks)} runs of 10 simulated days; {os.cpu_count()} CPU(s) here")
    times: dict[str, float] = {}
    tables: dict[str, pd.DataFrame] = {}
    for name, make in (
        ("serial", SerialExecutor),
        ("2 processes", lambda: ProcessExecutor(workers=2)),
        ("dask LocalCluster (2 workers)", lambda: DaskExecutor(workers=2)),
    ):
        started = time.perf_counter()
        ex = make()
        try:
            result = run_sweep(plan, executor=ex)
        finally:
            ex.close()
        times[name] = time.perf_counter() - started
        tables[name] = result.table()
    for t in tables.values():
        pd.testing.assert_frame_equal(tables["serial"], t)
    for name, t in times.items():
        speedup = times["serial"] / t
        print(f"{name:32s} {t:7.1f} s   {len(plan.tasks) / t:5.2f} runs/s   x{speedup:.2f}")
    print("identical results on all three executors")


if __name__ == "__main__":
    main()
