"""The bundled scenario scenarios/memory-leak.yaml (the seed's DevOps Guru post)."""

import json
from pathlib import Path

import pytest

from simulator.experiment import run

SCENARIO = Path(__file__).parents[2] / "scenarios" / "memory-leak.yaml"


@pytest.fixture(scope="module")
def result():
    return run(SCENARIO)


def test_memory_climbs_at_the_leak_rate_until_the_oom_kill(result):
    util = result.series("MemoryUtilization", service="leaky-api").dropna()
    first = result.summary["services"]["leaky-api"]["first_oom_kill_s"]
    climb = util[util.index < first]
    # 24 MiB an hour of a 1024 MiB limit: 2.34 % per hour (plus the in-flight share)
    per_hour = (climb.iloc[-1] - climb.iloc[0]) / ((climb.index[-1] - climb.index[0]) / 3600)
    assert per_hour == pytest.approx(24 / 1024 * 100, rel=0.05)
    # the first kill comes when baseline + leak reach the limit: (1024 - 256) / 24 h
    assert first == pytest.approx((1024 - 256) / 24 * 3600, rel=0.02)


def test_the_forecast_made_halfway_predicts_the_oom_kill(result):
    s = result.summary["services"]["leaky-api"]
    assert s["forecast_made_at_s"] <= s["first_oom_kill_s"] / 2
    assert s["forecast_100pct_at_s"] == pytest.approx(s["first_oom_kill_s"], rel=0.02)


def test_ooms_stop_tasks_as_ecs_reports_them_and_the_service_replaces_them(result):
    s = result.summary["services"]["leaky-api"]
    assert s["oom_kills"] == 2 * 3  # two tasks, killed every 32 h over four days
    kills = result.events[result.events["kind"] == "task.oom_killed"]
    assert len(kills) == 6
    stopped = result.events[result.events["kind"] == "ecs.service_event"]
    assert any("has started 2 tasks" in json.loads(d)["message"] for d in stopped["details"])
    running = result.series("RunningTaskCount", service="leaky-api")
    assert running.iloc[-1] == 2
