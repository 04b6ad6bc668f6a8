from pathlib import Path

import pandas as pd
import pytest

from simulator.experiment import run
from simulator.scenario import parse_scenario

QUICKSTART = Path(__file__).parents[2] / "scenarios" / "quickstart.yaml"

OVERLOAD = """\
name: overload
duration: 2h
capacity: {instance_type: m6i.xlarge, count: 1}
services:
  - {name: web, cpu: 1024, memory: 2048, desired_count: 2, workload: web-dynamic}
traffic:
  - {service: web, pattern: constant, rps: 300}
events:
  - {at: 1h, action: scale_traffic, service: web, factor: 3}
  - {at: 1h, action: set_desired_count, service: web, desired_count: 6}
"""


def test_same_seed_gives_identical_results():
    a, b = run(QUICKSTART), run(QUICKSTART)
    assert a.summary == b.summary
    pd.testing.assert_frame_equal(a.metrics, b.metrics)
    pd.testing.assert_frame_equal(a.events, b.events)


def test_overrides():
    r = run(QUICKSTART, seed=99, duration="6h")
    assert r.summary["seed"] == 99
    assert r.summary["duration_s"] == 21600
    assert r.metrics["time"].max() == 21600 - 60


def test_quickstart_outcome():
    s = run(QUICKSTART).summary
    web = s["services"]["web"]
    # 6 tasks x 1 vCPU x 200 rps/vCPU = 1200 rps of capacity for a 1150 rps peak
    assert web["max_cpu_utilization_pct"] == pytest.approx(1150 / 1200 * 100, rel=1e-6)
    assert web["failed_requests"] == 0
    assert web["running_tasks_max"] == 8
    # 4 x m6i.xlarge for 48 h, billed per second
    assert s["cost_usd"] == pytest.approx(4 * 0.192 * 48)
    assert s["host_cost_usd"] == 0


def test_overload_and_recovery_are_visible_in_the_metrics():
    r = run(parse_scenario(OVERLOAD))
    util = r.series("CPUUtilization", service="web")
    failed = r.series("HTTPCode_Target_5XX_Count", service="web")
    # first hour: 300 rps on 2 tasks of 200 rps each
    assert util.loc[:3599].max() == pytest.approx(75.0)
    assert failed.loc[:3599].sum() == 0
    # then 900 rps: the two tasks (400 rps) queue a backlog up to what they finish within
    # the 30 s timeout (400 x 30 requests) and fail the rest of the minute
    backlog = r.series("BacklogRequests", service="web")
    assert backlog.loc[3600] == pytest.approx(400 * 30)
    assert failed.loc[3600] == pytest.approx(900 * 60 - 400 * 60 - 400 * 30)
    # desired 6 but one m6i.xlarge holds 4 tasks (800 rps): the backlog grows to 800 x 30,
    # then 100 rps fail; requests wait the whole timeout
    assert r.series("RunningTaskCount", service="web").loc[3720] == 4
    assert r.series("DesiredTaskCount", service="web").loc[3720] == 6
    # (the new tasks take requests once they pass 5 health checks 30 s apart)
    assert backlog.loc[3840:].eq(800 * 30).all()
    assert failed.loc[3900] == pytest.approx(100 * 60)
    assert util.loc[3720] == pytest.approx(100.0)
    assert r.series("TargetResponseTime.p99", service="web").loc[3780] == pytest.approx(30.0)
    # conservation: arrivals = completed + failed + still queued
    arrived = r.series("RequestCount", service="web").sum()
    done = r.series("HTTPCode_Target_2XX_Count", service="web").sum() + failed.sum()
    assert arrived == pytest.approx(done + backlog.iloc[-1])
    placement = r.events[r.events["kind"] == "ecs.service_event"]["details"]
    assert placement.str.contains("was unable to place a task").sum() == 1
    # sampled at 1 h, as the desired count rises: 4 short until the new tasks run
    assert r.summary["services"]["web"]["tasks_short_max"] == 4


@pytest.mark.parametrize(
    "path",
    [
        "scenarios/quickstart.yaml",
        "scenarios/dedicated-host-recovery.yaml",
        "scenarios/memory-leak.yaml",
        "scenarios/weighted-listener.yaml",
    ],
)
def test_the_summary_from_the_store_is_the_summary_from_the_table(path):
    from simulator.experiment.result import RunResult
    from simulator.experiment.run import record, summarize
    from simulator.scenario.build import Simulation
    from simulator.scenario.loader import load_scenario

    sim = Simulation(load_scenario(path))
    sim.start()
    sim.world.run(sim.scenario.duration)
    sim.flush()
    result = RunResult(
        "x",
        sim.seed,
        sim.scenario.duration,
        sim.world.metrics.to_frame(),
        sim.world.trace.to_frame(),
    )
    assert summarize(record(sim), result, sim.world.metrics) == summarize(record(sim), result)
