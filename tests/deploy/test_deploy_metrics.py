"""Deployment metrics from a record and per-group series: hand-computed values on a
constructed record, and risk.py's closed forms for a constant rate and a step fault."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.deploy import PREDEFINED
from simulator.deploy.metrics import (
    AlarmRule,
    GroupSeries,
    Prices,
    extra_instance_seconds,
    measure,
)
from simulator.deploy.record import DeploymentRecord
from simulator.deploy.risk import bad_responses, exposed_requests
from simulator.deploy.timeline import WeightTimeline

P = "CodeDeployDefault."


def _record(timeline: WeightTimeline, t0: float, contained: float | None = None):
    r = DeploymentRecord("d-TEST00001", "api", "x", "blue", "green", created=0.0)
    r.set_weights(0.0, {"blue": 1, "green": 0})
    for s in timeline.shifts:
        if contained is not None and t0 + s.at >= contained:
            break
        r.set_weights(t0 + s.at, {"blue": int(100 - s.weight), "green": int(s.weight)})
    if contained is not None:
        r.detected = contained - 30
        r.contained = contained
        r.set_weights(contained, {"blue": 100, "green": 0})
    return r


def _series(record, rate, p_err, onset, end, tick=10.0):
    starts = np.arange(0.0, end, tick)
    green_share = np.array(
        [
            np.mean([record.green_share_at(a + f * tick) for f in np.linspace(0, 1, 101)[:-1]])
            for a in starts
        ]
    )
    g_req = rate * green_share * tick
    faulty = np.clip((starts + tick - np.maximum(starts, onset)) / tick, 0, 1)
    g_bad = g_req * p_err * faulty
    blue = GroupSeries.of(starts, rate * (1 - green_share) * tick, np.zeros_like(starts), tick)
    green = GroupSeries.of(starts, g_req, g_bad, tick)
    return blue, green


def test_hand_computed_record():
    r = DeploymentRecord(
        "d-TEST00002",
        "api",
        "CodeDeployDefault.ECSCanary10Percent5Minutes",
        "blue",
        "green",
        created=0.0,
    )
    r.open_phase("Install", 0.0)
    r.close_phase("Install", 100.0)
    r.open_phase("AllowTraffic", 100.0)
    r.set_weights(100.0, {"blue": 90, "green": 10})
    r.count_tasks(0.0, "blue", 4)
    r.count_tasks(50.0, "green", 4)
    r.detected, r.contained = 160.0, 200.0
    r.set_weights(200.0, {"blue": 100, "green": 0})
    r.close_phase("AllowTraffic", 200.0)
    r.count_tasks(260.0, "green", 0)
    r.rollback_completed, r.ended, r.status, r.rolled_back = 260.0, 300.0, "Stopped", True
    starts = np.arange(0.0, 300.0, 60.0)
    # green: 60 requests a minute while it has 10 %, half of them bad from t=120
    green = GroupSeries.of(starts, [0, 60, 60, 30, 0], [0, 0, 30, 15, 0], 60.0)
    blue = GroupSeries.of(starts, [600, 540, 540, 570, 600], [0] * 5, 60.0)
    m = measure(
        r,
        blue,
        green,
        desired=4,
        fault_onset=120.0,
        alarms=[
            AlarmRule("lb-5xx", "load_balancer", 0.05),
            AlarmRule("tg-5xx", "target_group", 10),
        ],
        prices=Prices(task_per_hour=0.36),
    )
    # window 100-200 s: a third of the 60-120 s tick, the 120-180 s tick, a third of 180-240 s
    assert m.exposed_requests == pytest.approx(60 / 3 + 60 + 30 / 3)
    assert m.bad_responses == pytest.approx(30 + 15 / 3)
    assert m.time_to_detect == 40.0 and m.time_to_contain == 80.0
    assert m.time_to_rollback_complete == 140.0
    assert m.escaped_to_100pct is False
    assert m.duration == 300.0
    assert m.phases == {"Install": 100.0, "AllowTraffic": 100.0}
    assert m.peak_tasks == 8
    assert m.extra_task_seconds == pytest.approx(4 * 210)  # green's 4 tasks 50-260 s
    assert m.extra_cost == pytest.approx(840 / 3600 * 0.36)
    (phase,) = m.detectability
    # from the fault (120 s) to containment: 35 bad of 60 + 10 + 540 + 190 = 800 requests,
    # 4.4 %: the canary escapes a 5 % LB-wide alarm; the group's Sum is 35 / 80 s x 60 = 26
    assert phase.observed["lb-5xx"] == pytest.approx(35 / 800)
    assert phase.observed["tg-5xx"] == pytest.approx(35 / 80 * 60)
    assert phase.detectable == {"lb-5xx": False, "tg-5xx": True}


@pytest.mark.parametrize("name", ["ECSCanary10Percent5Minutes", "ECSLinear10PercentEvery1Minutes"])
@pytest.mark.parametrize("contained", [None, 250.0])
def test_matches_the_closed_forms_for_a_constant_rate_and_a_step_fault(name, contained):
    tl = PREDEFINED[P + name].timeline()
    t0, rate, p_err, onset = 120.0, 50.0, 0.3, 150.0
    end = t0 + tl.duration + 120.0
    record = _record(tl, t0, None if contained is None else t0 + contained)
    record.ended = end
    blue, green = _series(record, rate, p_err, onset, end)
    m = measure(record, blue, green, desired=4, fault_onset=onset)
    until = tl.duration + 120.0 if contained is None else contained
    want_exposed = exposed_requests(tl, rate, until=until)
    want_bad = bad_responses(tl, rate, p_err, fault_onset=onset - t0, until=until)
    assert m.exposed_requests == pytest.approx(want_exposed, rel=0.01)
    assert m.bad_responses == pytest.approx(want_bad, rel=0.01)


@given(
    counts=st.lists(st.integers(0, 20), min_size=1, max_size=8),
    baseline=st.integers(0, 10),
)
def test_extra_instance_seconds_is_never_negative_and_at_least_the_minimum(counts, baseline):
    changes = [(60.0 * i, c) for i, c in enumerate(counts)]
    s = extra_instance_seconds(changes, baseline, 60.0 * len(counts))
    assert s >= 0
    if max(counts) > baseline:
        assert s >= 60.0
