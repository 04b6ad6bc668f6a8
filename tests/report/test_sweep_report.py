"""The sweep report: its files, its columns fit the scenario, compare reads it back."""

from pathlib import Path

import pandas as pd

from simulator.experiment.sweep import run_replications
from simulator.report.compare_outputs import compare_outputs
from simulator.report.sweep import summary_table, write_sweep_report
from simulator.scenario.loader import load_scenario

SCENARIOS = Path(__file__).parents[2] / "scenarios"


def test_files_and_columns_of_a_shared_tenancy_experiment(tmp_path):
    s = load_scenario(SCENARIOS / "quickstart.yaml")
    result = run_replications(s, 2, duration="2h")
    out = write_sweep_report(result, tmp_path / "q")
    names = {p.name for p in out.iterdir()}
    assert {"results.parquet", "summary.parquet", "summary.csv", "report.md"} <= names
    assert {"summary.png", "sweep.json", "differences.csv"} <= names
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary left
    header, rows = summary_table(result)
    assert header[:3] == ["p99 ms", "CPU % max", "errors %"]
    assert "OOM kills" not in header and not any("host" in h for h in header)
    assert len(rows) == 1
    back = pd.read_parquet(out / "results.parquet")
    pd.testing.assert_frame_equal(back, result.table(), check_categorical=False)


def test_oom_kills_get_a_column_when_a_run_had_one(tmp_path):
    s = load_scenario(SCENARIOS / "memory-leak.yaml")
    header, _ = summary_table(run_replications(s, 2))
    assert "OOM kills" in header


def test_compare_pairs_same_seeds_and_uses_welch_otherwise(tmp_path):
    s = load_scenario(SCENARIOS / "quickstart.yaml")
    noisy = s.model_copy(
        update={"traffic": [t.model_copy(update={"noise": True}) for t in s.traffic]}
    )
    a = write_sweep_report(run_replications(noisy, 3, duration="2h"), tmp_path / "a")
    b = write_sweep_report(run_replications(noisy, 3, duration="2h", seed=99), tmp_path / "b")
    same = write_sweep_report(run_replications(noisy, 3, duration="2h"), tmp_path / "same")
    header, rows, note = compare_outputs(a, same)
    assert "paired" in note
    diff = header.index("B - A [95 % CI]")
    assert all(r[diff] == "0" for r in rows)  # same seeds, same model: no difference
    _, rows, note = compare_outputs(a, b)
    assert "Welch" in note and rows
