"""End to end: ecsim sweep / compare / init / run --replications, as a user runs them."""

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).parents[1]
HOSTS = ROOT / "scenarios" / "dedicated-host-recovery.yaml"
QUICKSTART = ROOT / "scenarios" / "quickstart.yaml"


def ecsim(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "simulator.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        timeout=300,
    )


def test_version():
    proc = ecsim("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("ecsim 0.")


def test_sweep_prints_intervals_writes_the_report_and_resumes(tmp_path):
    out = tmp_path / "sweep"
    args = ["sweep", str(HOSTS), "--replications", "2", "--duration", "3d", "--out", str(out)]
    args += ["--set", "capacity.dedicated_hosts[0].count=8,10"]
    proc = ecsim(*args)
    assert proc.returncode == 0, proc.stderr
    assert "[" in proc.stdout and "failures" in proc.stdout  # intervals, host columns
    assert "8 run(s) done, 0 reused" in proc.stdout
    names = {p.name for p in out.iterdir()}
    assert {"results.parquet", "summary.csv", "report.md", "summary.png", "runs"} <= names
    df = pd.read_parquet(out / "results.parquet")
    assert set(df["capacity.dedicated_hosts[0].count"]) == {8, 10}
    assert "Paired differences" in (out / "report.md").read_text()
    runs = sorted((out / "runs").glob("*.json"))
    runs[0].unlink()  # as if interrupted before that run finished
    again = ecsim(*args)
    assert again.returncode == 0, again.stderr
    assert "1 run(s) done, 7 reused" in again.stdout
    pd.testing.assert_frame_equal(df, pd.read_parquet(out / "results.parquet"))


def test_run_replications_as_csv_without_host_columns(tmp_path):
    out = tmp_path / "reps"
    proc = ecsim(
        "run", str(QUICKSTART), "--replications", "2", "--duration", "2h", "--out", str(out),
        "--format", "csv", "--executor", "processes", "--workers", "2",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.reader(io.StringIO(proc.stdout)))
    assert rows[0][:2] == ["p99 ms", "CPU % max"] and len(rows) == 2
    assert not any("host" in h for h in rows[0])  # a shared-tenancy fleet: no host columns


def test_run_one_variant_as_json(tmp_path):
    proc = ecsim(
        "run", str(HOSTS), "--variant", "recovery-off", "--duration", "6h",
        "--out", str(tmp_path / "v"), "--format", "json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["dedicated_hosts"][0]["host_recovery"] == "off"


def test_compare_two_reports(tmp_path):
    for name, seed in (("a", "1"), ("b", "1")):
        proc = ecsim(
            "run", str(QUICKSTART), "--replications", "2", "--duration", "2h", "--seed", seed,
            "--out", str(tmp_path / name), "-q",
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
    proc = ecsim("compare", str(tmp_path / "a"), str(tmp_path / "b"), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    cost = next(r for r in rows if r["number"] == "cost USD")
    assert cost["B - A [95 % CI]"] == "0" and cost["significant"] == "no"


def test_init_writes_a_starter_and_the_examples(tmp_path):
    proc = ecsim("init", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert ecsim("validate", str(tmp_path / "scenario.yaml")).returncode == 0
    assert ecsim("init", cwd=tmp_path).returncode == 2  # no clobbering
    proc = ecsim("init", "--example", "capacity-plan", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "capacity-plan.yaml").read_text() == (
        ROOT / "scenarios" / "capacity-plan.yaml"
    ).read_text()
    bad = ecsim("init", "--example", "nope", cwd=tmp_path)
    assert bad.returncode == 2 and "capacity-plan" in bad.stderr


def test_bundled_examples_are_the_scenarios_directory():
    from simulator.examples import example_names, example_text

    files = sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml"))
    assert example_names() == files, "copy scenarios/*.yaml to simulator/examples/data/"
    for name in files:
        assert example_text(name) == (ROOT / "scenarios" / f"{name}.yaml").read_text(), name


def test_bad_sweep_options_are_one_line_each(tmp_path):
    proc = ecsim("sweep", str(HOSTS), "--set", "capacity.nope=1", "--out", str(tmp_path / "x"))
    assert proc.returncode == 2 and "capacity.nope: unknown field" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = ecsim("sweep", str(HOSTS), "--executor", "gpu", "--out", str(tmp_path / "y"))
    assert proc.returncode == 2 and "--executor: expected one of" in proc.stderr
