"""Sweeps: the tidy table, summaries, resume after an interrupt, every executor alike."""

from pathlib import Path

import pandas as pd
import pytest

from simulator.experiment.executors import DaskExecutor, ProcessExecutor
from simulator.experiment.replications import RunStore
from simulator.experiment.sweep import plan_sweep, run_replications, run_sweep
from simulator.scenario.loader import load_scenario
from simulator.scenario.sweep_points import sweep_of

SCENARIOS = Path(__file__).parents[2] / "scenarios"


@pytest.fixture(scope="module")
def hosts():
    return load_scenario(SCENARIOS / "dedicated-host-recovery.yaml")


def small_plan(scenario, reps=2):
    points, _ = sweep_of(scenario, ["capacity.dedicated_hosts[0].count=6,8"])
    return plan_sweep(scenario, points, reps, duration="6h")


def test_tidy_table_has_one_row_per_run_and_metric(hosts):
    plan = small_plan(hosts)
    result = run_sweep(plan)
    df = result.table()
    assert len(plan.tasks) == 2 * 2 * 2
    first = ["capacity.dedicated_hosts[0].count", "point", "variant", "replication", "seed"]
    assert list(df.columns) == [*first, "metric", "value"]
    runs = df.groupby(["point", "variant", "replication"], observed=True).size()
    assert len(runs) == 8 and runs.nunique() == 1
    # more hosts cost more, in every replication
    cost = df[df["metric"] == "cost_usd"].groupby("capacity.dedicated_hosts[0].count")["value"]
    assert cost.min()[8] > cost.max()[6]
    summary = result.summary()
    row = summary[(summary["metric"] == "cost_usd") & (summary["point"] == 0)].iloc[0]
    assert row["low"] <= row["estimate"] <= row["high"] and row["n"] == 2


def test_interrupted_sweep_resumes_with_only_the_missing_runs(tmp_path, hosts):
    plan = small_plan(hosts)
    store = RunStore(tmp_path / "runs")

    def stop_after_three(done, total):
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(plan, store, progress=stop_after_three)
    assert len(list(store.directory.glob("*.json"))) == 3
    resumed = run_sweep(plan, store)
    assert resumed.executed == len(plan.tasks) - 3
    again = run_sweep(plan, store)
    assert again.executed == 0
    pd.testing.assert_frame_equal(again.table(), run_sweep(plan).table())


def test_identical_results_serially_on_processes_and_on_dask(hosts):
    plan = small_plan(hosts, reps=1)
    serial = run_sweep(plan).table()
    procs = ProcessExecutor(workers=2)
    try:
        on_processes = run_sweep(plan, executor=procs).table()
    finally:
        procs.close()
    dask = DaskExecutor(workers=1, processes=False)  # a real LocalCluster, in-process
    try:
        on_dask = run_sweep(plan, executor=dask).table()
    finally:
        dask.close()
    pd.testing.assert_frame_equal(serial, on_processes)
    pd.testing.assert_frame_equal(serial, on_dask)


def test_replications_pair_variants_with_common_random_numbers(hosts):
    result = run_replications(hosts, 3, duration="6h")
    diffs = result.differences()
    lost = diffs[diffs["metric"] == "cost_usd"].iloc[0]
    assert lost["variant"] == "recovery-off" and lost["reference"] == "recovery-on"
    assert lost["n"] == 3
