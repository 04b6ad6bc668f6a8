"""End to end: the `ecsim` command as a user runs it."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
QUICKSTART = ROOT / "scenarios" / "quickstart.yaml"


def ecsim(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "simulator.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        timeout=120,
    )


def test_run_quickstart_writes_the_report(tmp_path):
    out = tmp_path / "quickstart"
    proc = ecsim("run", str(QUICKSTART), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "web" in proc.stdout and "Cost: $" in proc.stdout
    names = {p.name for p in out.iterdir()}
    assert {"report.md", "summary.json", "metrics.parquet", "events.parquet"} <= names
    assert {"utilization.png", "latency.png", "capacity.png", "cost.png"} <= names
    assert json.loads((out / "summary.json").read_text())["scenario"] == "quickstart"


def test_same_seed_twice_gives_identical_files(tmp_path):
    for name in ("a", "b"):
        proc = ecsim("run", str(QUICKSTART), "--out", str(tmp_path / name), "--seed", "3", "-q")
        assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "a" / "summary.json").read_text() == (
        tmp_path / "b" / "summary.json"
    ).read_text()
    import pandas as pd

    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "a" / "metrics.parquet"),
        pd.read_parquet(tmp_path / "b" / "metrics.parquet"),
    )


def test_existing_output_is_not_clobbered(tmp_path):
    out = tmp_path / "q"
    out.mkdir()
    proc = ecsim("run", str(QUICKSTART), "--out", str(out), "--duration", "1h")
    assert proc.returncode == 2
    assert "use --force" in proc.stderr
    assert list(out.iterdir()) == []


BROKEN = {
    "unknown_key.yaml": ("name: b\nduration: 1h\nduraton: 2h\n", "duraton: unknown field"),
    "wrong_type.yaml": (
        "name: b\nduration: 1h\ncapacity: {instance_type: m6i.large, count: 1}\n"
        "services:\n  - {name: w, cpu: 256, memory: 512, desired_count: ten}\n",
        "services[0].desired_count: expected an integer >= 0, got 'ten'",
    ),
    "bad_duration.yaml": ("name: b\nduration: soon\n", "duration: expected a duration"),
    "syntax.yaml": ("name: b\nservices: [\n  - x\n", "YAML syntax error"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_files_exit_2_with_the_field_path(tmp_path, name):
    text, expected = BROKEN[name]
    path = tmp_path / name
    path.write_text(text)
    for args in (("validate", str(path)), ("run", str(path), "--out", str(tmp_path / "o"))):
        proc = ecsim(*args)
        assert proc.returncode == 2
        assert expected in proc.stderr
        assert all(line.startswith(str(path)) for line in proc.stderr.splitlines())
        assert "Traceback" not in proc.stderr
    assert not (tmp_path / "o").exists()


def test_validate_good_files():
    files = sorted(str(p) for p in (ROOT / "scenarios").glob("*.yaml"))
    proc = ecsim("validate", *files)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count(": ok") == len(files)


def test_bad_duration_override(tmp_path):
    proc = ecsim("run", str(QUICKSTART), "--duration", "forever", "--out", str(tmp_path / "o"))
    assert proc.returncode == 2
    assert proc.stderr.startswith("--duration: expected a duration")
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("machine", ["instance", "host", "task"])
def test_states_draws_from_the_transition_tables(tmp_path, machine):
    from simulator.report.diagrams import MACHINES

    g = MACHINES[machine]()
    mermaid = ecsim("states", machine)
    assert mermaid.returncode == 0, mermaid.stderr
    arrows = [line for line in mermaid.stdout.splitlines() if "-->" in line and ":" in line]
    assert len(arrows) == g.number_of_edges()  # one arrow per edge of the table's graph
    dot = ecsim("states", machine, "--format", "dot")
    assert dot.stdout.count("->") == g.number_of_edges()
    png = tmp_path / f"{machine}.png"
    proc = ecsim("states", machine, "--format", "png", "--out", str(png))
    assert proc.returncode == 0, proc.stderr
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_states_rejects_unknown_machine_and_format():
    proc = ecsim("states", "volume", "--format", "svg")
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        "machine: expected one of instance, host, task, codedeploy, ecs-deployment, got 'volume'",
        "--format: expected one of png, dot, mermaid, got 'svg'",
    ]


def test_run_with_variants_writes_a_comparison_and_each_variant(tmp_path):
    out = tmp_path / "dh"
    scenario = ROOT / "scenarios" / "dedicated-host-recovery.yaml"
    proc = ecsim("run", str(scenario), "--out", str(out), "--duration", "3d")
    assert proc.returncode == 0, proc.stderr
    assert "recovery-on" in proc.stdout and "recovery-off" in proc.stdout
    assert {"report.md", "summary.json", "metrics.parquet", "variants.png"} <= {
        p.name for p in out.iterdir()
    }
    for name in ("recovery-on", "recovery-off"):
        assert (out / name / "fleet.png").exists()
        assert (out / name / "report.md").exists()
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["variants"]) == {"recovery-on", "recovery-off"}


HOSTILE_KEYS = {
    "escape": ("\x1b[2J\nok", "\\x1b[2J\\nok: unknown field"),
    "emoji_markup": (":x: [bold]hi[/bold]", ":x: [bold]hi[/bold]: unknown field"),
    "nul": ("a\x00b", "a\\x00b: unknown field"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_KEYS))
def test_names_are_printed_escaped_without_markup_or_emoji(tmp_path, name):
    key, expected = HOSTILE_KEYS[name]
    path = tmp_path / "s.yaml"
    path.write_text(QUICKSTART.read_text() + json.dumps({key: 1})[1:-1] + "\n")
    proc = ecsim("validate", str(path))
    assert proc.returncode == 2
    (line,) = proc.stderr.splitlines()
    assert line == f"{path}: {expected}"


@pytest.mark.parametrize(
    "args, expected",
    [
        (("--duration", "0"), "--duration: expected a duration > 0"),
        (("--seed", "-1"), "--seed: expected an integer from 0"),
        (("--duration", "soon"), "--duration: expected a duration"),
    ],
)
def test_bad_run_options_exit_2_in_one_line(tmp_path, args, expected):
    proc = ecsim("run", str(QUICKSTART), "--out", str(tmp_path / "o"), *args)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert expected in proc.stderr and len(proc.stderr.splitlines()) == 1
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("path", ["/dev/zero", "/dev/urandom"])
def test_validate_a_device_exits_2_at_once(path):
    proc = ecsim("validate", path)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"{path}: not a regular file; expected a scenario file"


def test_progress_is_a_plain_line_without_a_terminal(monkeypatch):
    import io

    from rich.console import Console

    from simulator import cli

    buffer = io.StringIO()
    monkeypatch.setattr(cli, "err_console", Console(file=buffer, force_terminal=False))
    progress = cli._LazyProgress(quiet=False, delay=0.0, every=0.0, note="estimate: 5 ticks")
    progress(3600.0, 7200.0)
    progress(7200.0, 7200.0)
    progress.close()
    lines = buffer.getvalue().splitlines()
    assert lines == [
        "simulating: 1h / 2h (50 %), 0 s elapsed (estimate: 5 ticks)",
        "simulating: 2h / 2h (100 %), 0 s elapsed (estimate: 5 ticks)",
    ]


def test_validate_prints_the_estimate_and_refuses_absurd_sizes(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text(QUICKSTART.read_text().replace("tick: 1m", "tick: 1ms"))
    proc = ecsim("validate", str(QUICKSTART), str(big))
    assert proc.returncode == 2
    assert "quickstart.yaml: ok (2,881 ticks" in proc.stdout
    (line,) = proc.stderr.splitlines()
    assert line.startswith(f"{big}: tick: ") and "--allow-large" in line
    proc = ecsim("validate", "--allow-large", str(big))
    assert proc.returncode == 0 and "172,800,001 ticks" in proc.stdout


def test_run_compares_the_traffic_shifting_deploys_of_a_scenario(tmp_path):
    out = tmp_path / "cdk"
    proc = ecsim("run", str(ROOT / "scenarios" / "cdk-pipeline-canary.yaml"), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "summary.json").read_text())
    statuses = [d["status"] for d in summary["traffic_deployments"]]
    assert len(statuses) == 2 and statuses[0] == "Succeeded" and statuses[1] != "Succeeded"
    assert "## Traffic-shifting deployments" in (out / "report.md").read_text()
    assert (out / "deployments.png").exists()
