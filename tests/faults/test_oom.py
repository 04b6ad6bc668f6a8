"""OOM kills in continuous time: the kill instant is solved from the memory trajectory,
not found at a sampling boundary, so results do not move with ``tick``."""

import pytest

from simulator.experiment import run
from simulator.faults.oom import TaskLoad, in_flight_rate
from simulator.scenario.loader import parse_scenario

LEAK_AT_LOAD = """
name: leak-t0
seed: 5
duration: 12h
capacity: {instance_type: m6i.xlarge, count: 2}
services:
  - name: api
    cpu: 256
    memory: 1024
    desired_count: 4
    memory_model: {baseline_mib: 256, per_in_flight_mib: 0.5, leak_mib_per_hour: 24}
traffic:
  - {service: api, pattern: constant, rps: 120}
"""

LEAK_DIURNAL = """
name: leak-diurnal
seed: 5
duration: 2d
capacity: {instance_type: m6i.xlarge, count: 3}
services:
  - name: api
    cpu: 1024
    memory: 2048
    desired_count: 4
    memory_model: {baseline_mib: 512, per_in_flight_mib: 0.5, leak_mib_per_hour: 40}
traffic:
  - {service: api, pattern: diurnal, min_rps: 150, peak_rps: 600}
"""


def test_a_leaking_task_below_its_limit_is_not_killed_at_start():
    """More load than one task can carry, at 27 % memory: nothing to kill at t = 0 (the
    initial tasks start together, and in-flight requests come from the shared load)."""
    s = run(parse_scenario(LEAK_AT_LOAD)).summary["services"]["api"]
    assert s["oom_kills"] == 0
    assert s["first_oom_kill_s"] is None


def test_the_kill_comes_when_baseline_plus_leak_reach_the_limit():
    scenario = parse_scenario(LEAK_AT_LOAD).model_copy(update={"duration": 40 * 3600.0})
    r = run(scenario)
    first = r.summary["services"]["api"]["first_oom_kill_s"]
    # (1024 - 256 - 0.5 x in flight) / 24 MiB per hour; in flight is a few requests
    assert (1024 - 256 - 0.5 * 10) / 24 * 3600 < first < (1024 - 256) / 24 * 3600


@pytest.mark.parametrize("text", [LEAK_AT_LOAD, LEAK_DIURNAL])
def test_oom_kills_and_requests_do_not_move_with_tick(text):
    base = parse_scenario(text)
    outs = {}
    for tick in (10.0, 60.0, 300.0):
        s = run(base.model_copy(update={"tick": tick})).summary
        outs[tick] = s
    ref = outs[60.0]
    for tick, s in outs.items():
        a, b = s["services"]["api"], ref["services"]["api"]
        assert a["oom_kills"] == b["oom_kills"], tick
        assert a["first_oom_kill_s"] == b["first_oom_kill_s"], tick
        assert a["requests"] == pytest.approx(b["requests"], rel=0.05), tick
        assert s["cost_usd"] == pytest.approx(ref["cost_usd"], rel=0.05), tick


def test_in_flight_below_and_above_capacity():
    steady, excess = in_flight_rate(TaskLoad(50.0, 100.0, 0.7, 1, 30.0))
    assert (steady, excess) == (0.7, -50.0)
    busy, excess = in_flight_rate(TaskLoad(150.0, 100.0, 0.0, 2, 30.0))
    assert (busy, excess) == (2.0, 50.0)
