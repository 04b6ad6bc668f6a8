import json
from pathlib import Path

import pandas as pd
import pytest

from simulator.core.errors import OutputExistsError
from simulator.experiment import run
from simulator.report import write_report
from simulator.report.writer import atomic_directory

QUICKSTART = Path(__file__).parents[2] / "scenarios" / "quickstart.yaml"
FILES = {
    ".ecsim-report",
    "report.md",
    "summary.json",
    "metrics.parquet",
    "events.parquet",
    "utilization.png",
    "latency.png",
    "capacity.png",
    "cost.png",
    "health.png",
    "errors.png",
}


@pytest.fixture(scope="module")
def result():
    return run(QUICKSTART, duration="6h")


def test_writes_every_file(tmp_path, result):
    out = write_report(result, tmp_path / "r")
    assert {p.name for p in out.iterdir()} == FILES
    assert json.loads((out / "summary.json").read_text()) == result.summary
    metrics = pd.read_parquet(out / "metrics.parquet")
    assert len(metrics) == len(result.metrics)
    report = (out / "report.md").read_text()
    for png in sorted(p for p in FILES if p.endswith(".png")):
        assert f"]({png})" in report
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["r"]  # no temporary left behind


def test_existing_directory_is_kept_without_force(tmp_path, result):
    out = tmp_path / "r"
    write_report(result, out, plots=False)
    (out / "mine.txt").write_text("keep")
    with pytest.raises(OutputExistsError):
        write_report(result, out)
    assert (out / "mine.txt").read_text() == "keep"
    write_report(result, out, force=True)
    assert not (out / "mine.txt").exists()
    assert (out / "summary.json").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["r"]


def test_a_failure_half_way_leaves_nothing(tmp_path):
    def fill(d: Path) -> None:
        (d / "a.txt").write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_directory(tmp_path / "r", force=False, fill=fill)
    assert list(tmp_path.iterdir()) == []


def test_trace_as_json_lines(tmp_path, result):
    out = write_report(result, tmp_path / "r", trace_jsonl=True)
    lines = (out / "events.jsonl").read_text().splitlines()
    assert len(lines) == len(result.events)
    first = json.loads(lines[0])
    assert {"time", "kind", "resource"} <= set(first)
    assert first["kind"] == result.events["kind"].iloc[0]


def test_deployments_are_listed_and_a_stuck_one_is_flagged(tmp_path):
    from simulator.scenario.loader import parse_scenario

    text = QUICKSTART.read_text()
    scenario = parse_scenario(text).model_copy(update={"duration": 4 * 3600.0})
    from simulator.scenario import schema

    deploy = schema.Deploy(at=3600.0, action="deploy", service="web")
    stuck = schema.Deploy(
        at=2 * 3600.0, action="deploy", service="proxy", start_failure_probability=1.0
    )
    scenario = scenario.model_copy(update={"events": [deploy, stuck]})
    r = run(scenario)
    ds = r.summary["deployments"]
    assert [d["service"] for d in ds] == ["web", "proxy"]
    web, proxy = ds
    assert web["completed_s"] is not None and not web["stuck"]
    assert web["started_s"] == 3600.0 and web["duration_s"] > 0
    assert proxy["completed_s"] is None and proxy["stuck"]  # no task ever starts
    out = write_report(r, tmp_path / "r")
    report = (out / "report.md").read_text()
    assert "## Deployments" in report
    assert "**stuck**" in report and "never completed" in report
    assert r.summary["deployments_stuck"] == sum(d["stuck"] for d in ds)
