"""The deployment scenarios, run on the blue/green engine: the CDK stage's good then bad
revision, and one bad version under every strategy, each asserted against what the
reference says should happen and against the closed forms of deploy/risk.py."""

import json
import math
from pathlib import Path

import pytest

from simulator.deploy import PREDEFINED
from simulator.deploy.metrics import first_shift
from simulator.deploy.risk import exposed_requests
from simulator.experiment.deployment_choice import (
    PERIOD,
    run_strategy,
    scenario_runs,
    write_choice_report,
)
from simulator.scenario.build import Simulation
from simulator.scenario.loader import load_scenario

ROOT = Path(__file__).parents[2] / "scenarios"


@pytest.fixture(scope="module")
def cdk():
    sc = load_scenario(ROOT / "cdk-pipeline-canary.yaml")
    return [run_strategy(s, setup) for s, setup in scenario_runs(sc)]


@pytest.fixture(scope="module")
def choice():
    sc = load_scenario(ROOT / "deployment-choice.yaml")
    return {s.label: run_strategy(s, setup) for s, setup in scenario_runs(sc)}


def test_cdk_stage_good_then_bad_rolled_back_in_the_canary(cdk):
    good, bad = (v.metrics for v in cdk)
    assert good.status == "Succeeded" and not good.rolled_back and good.bad_responses == 0
    # the good one keeps both task sets through the 15-minute termination wait
    assert good.phases["TerminationWait"] == pytest.approx(900)
    assert good.peak_tasks == 8
    assert bad.status == "Stopped" and bad.rolled_back
    assert bad.escaped_to_100pct is False  # caught at 10 %
    assert bad.time_to_detect is not None and 60 <= bad.time_to_detect <= 120
    assert bad.time_to_rollback_complete > bad.time_to_contain
    (phase,) = bad.detectability  # only the 10 % step ran
    # 20 % errors at 10 % weight is 2 % LB-wide: a 5 % LB alarm cannot see it; the
    # target group's Sum alarm can
    assert phase.detectable == {"lb-5xx-rate": False, "green-5xx": True}
    assert phase.observed["lb-5xx-rate"] == pytest.approx(0.02, abs=0.003)


def test_bad_canary_exposure_matches_the_closed_form(cdk):
    view = cdk[1]
    r, m = view.record, view.metrics
    start = first_shift(r)
    # the ALB publisher evaluates weights at each minute's start: green's first
    # requests come in the minute after the shift
    served_from = math.ceil(start / PERIOD) * PERIOD
    tl = PREDEFINED["CodeDeployDefault.ECSCanary10Percent5Minutes"].timeline()
    want = exposed_requests(tl, 100.0, start=served_from - start, until=r.contained - start)
    assert m.exposed_requests == pytest.approx(want, rel=0.01)
    assert m.bad_responses == pytest.approx(0.2 * m.exposed_requests, rel=0.01)


def test_every_strategy_compared_on_the_same_bad_version(choice, tmp_path):
    m = {k: v.metrics for k, v in choice.items()}
    assert set(m) == {
        "CodeDeployDefault.ECSAllAtOnce",
        "CodeDeployDefault.ECSCanary10Percent5Minutes",
        "CodeDeployDefault.ECSCanary10Percent15Minutes",
        "CodeDeployDefault.ECSLinear10PercentEvery1Minutes",
        "CodeDeployDefault.ECSLinear10PercentEvery3Minutes",
        "ECS:CANARY",
        "ECS:LINEAR",
        "ecsim:argo",
        "ecsim:flagger",
    }
    assert all(x.rolled_back and x.status == "Stopped" for x in m.values())
    assert [k for k, x in m.items() if x.escaped_to_100pct] == ["CodeDeployDefault.ECSAllAtOnce"]
    canary = m["CodeDeployDefault.ECSCanary10Percent5Minutes"].exposed_requests
    assert m["CodeDeployDefault.ECSAllAtOnce"].exposed_requests > 8 * canary
    # a 5 % first step exposes half of what a 10 % one does
    assert m["ECS:CANARY"].exposed_requests == pytest.approx(canary / 2, rel=0.02)
    assert m["ecsim:argo"].exposed_requests == pytest.approx(canary / 2, rel=0.02)
    # a 1-minute linear reaches 20 % before the alarm: more exposure than the canary
    assert m["CodeDeployDefault.ECSLinear10PercentEvery1Minutes"].exposed_requests > canary
    assert all(x.extra_cost > 0 and x.peak_tasks == 8 for x in m.values())
    out = write_choice_report(list(choice.values()), tmp_path / "choice")
    report = (out / "report.md").read_text()
    assert report.count("| d-") == 9
    assert (out / "deployments.png").exists()
    summary = json.loads((out / "summary.json").read_text())
    assert len(summary["traffic_deployments"]) == 9


def test_a_strategy_deploy_is_refused_by_the_rolling_run():
    sc = load_scenario(ROOT / "cdk-pipeline-canary.yaml")
    with pytest.raises(Exception, match=r"events\[0\]\.strategy"):
        Simulation(sc)
