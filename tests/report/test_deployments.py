"""The deployments part of a report, on constructed records: the table carries the
metrics, summary.json has them, a timeline per deployment and the comparison exist."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator.deploy.metrics import AlarmRule, GroupSeries, Prices, measure
from simulator.deploy.record import DeploymentRecord
from simulator.experiment import run
from simulator.experiment.result import RunResult
from simulator.report import deployments as rep
from simulator.report.writer import fill_report

QUICKSTART = Path(__file__).parents[2] / "scenarios" / "quickstart.yaml"


def _view(deployment_id: str, strategy: str, contained: float | None) -> rep.DeploymentView:
    r = DeploymentRecord(deployment_id, "api", strategy, "tg-1", "tg-2", created=0.0)
    r.open_phase("Install", 0.0)
    r.close_phase("Install", 60.0)
    r.count_tasks(0.0, "blue", 2)
    r.count_tasks(30.0, "green", 2)
    r.set_weights(60.0, {"tg-1": 90, "tg-2": 10})
    r.see_alarm(60.0, "tg-5xx", "OK")
    if contained is not None:
        r.see_alarm(contained - 30.0, "tg-5xx", "ALARM")
        r.detected = contained - 30.0
        r.contained = contained
        r.rolled_back = True
        r.set_weights(contained, {"tg-1": 100, "tg-2": 0})
        r.status = "Stopped"
    else:
        r.set_weights(360.0, {"tg-1": 0, "tg-2": 100})
        r.status = "Succeeded"
    r.count_tasks(480.0, "green" if contained is not None else "blue", 0)
    r.ended = 540.0
    starts = np.arange(0.0, 540.0, 60.0)
    share = np.array([r.green_share_at(a) for a in starts])
    green = GroupSeries.of(starts, 600 * share, 600 * share * 0.2, 60.0)
    blue = GroupSeries.of(starts, 600 * (1 - share), np.zeros_like(starts), 60.0)
    m = measure(
        r,
        blue,
        green,
        desired=2,
        fault_onset=60.0,
        alarms=[AlarmRule("tg-5xx", "target_group", 5.0)],
        prices=Prices(task_per_hour=0.05),
    )
    return rep.DeploymentView(r, blue, green, m)


def _result(views) -> RunResult:
    empty = pd.DataFrame({"time": [], "metric": [], "value": []})
    result = RunResult("deploys", 0, 540.0, empty, pd.DataFrame(), {})
    rep.attach(result, views)
    return result


def test_the_table_has_each_deployments_numbers():
    views = [
        _view("d-AAAAAAAAA", "CodeDeployDefault.ECSCanary10Percent5Minutes", 180.0),
        _view("d-BBBBBBBBB", "CodeDeployDefault.ECSAllAtOnce", None),
    ]
    lines = rep.table_lines(_result(views).summary)
    text = "\n".join(lines)
    assert lines[0] == "## Traffic-shifting deployments"
    canary = next(line for line in lines if "d-AAAAAAAAA" in line)
    m = views[0].metrics
    assert f"{m.exposed_requests:,.0f}" in canary and m.exposed_requests == pytest.approx(120.0)
    assert f"{m.bad_responses:,.0f}" in canary
    assert "90 s" in canary  # contained 120 s after the fault at 60 s... detected at 150 s
    assert "Stopped (rolled back)" in canary
    assert "10 %: tg-5xx yes" in canary
    assert "Escaped to 100 %" in text and "d-BBBBBBBBB" in text.split("Escaped")[1]


def test_report_files_and_summary(tmp_path):
    views = [
        _view("d-AAAAAAAAA", "CodeDeployDefault.ECSCanary10Percent5Minutes", 180.0),
        _view("d-BBBBBBBBB", "ecsim:argo", None),
    ]
    result = _result(views)
    paths = rep.write_plots(views, tmp_path)
    names = {p.name for p in paths}
    assert names == {"deployment-d-AAAAAAAAA.png", "deployment-d-BBBBBBBBB.png", "deployments.png"}
    assert all(p.stat().st_size > 1000 for p in paths)
    summary = json.loads(json.dumps(result.summary))
    assert summary["traffic_deployments"][1]["strategy"] == "ecsim:argo"
    assert summary["traffic_deployments"][0]["time_to_contain"] == 120.0


def test_a_run_report_carries_the_table_and_plots(tmp_path):
    result = run(QUICKSTART, duration="1h")
    rep.attach(
        result, [_view("d-AAAAAAAAA", "CodeDeployDefault.ECSCanary10Percent5Minutes", 180.0)]
    )
    fill_report(result, tmp_path)
    report = (tmp_path / "report.md").read_text()
    assert "## Traffic-shifting deployments" in report
    assert "d-AAAAAAAAA" in report and "(deployment-d-AAAAAAAAA.png)" in report
    assert (tmp_path / "deployment-d-AAAAAAAAA.png").exists()
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["traffic_deployments"][0]["deployment_id"] == "d-AAAAAAAAA"
