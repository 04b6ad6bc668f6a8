"""ecsim's Argo Rollouts-style and Flagger-style plans: their tools' validation rules, the
timelines and analysis schedules, and properties of their outcomes."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.deploy.plans import (
    ARGO,
    FLAGGER,
    PlanError,
    argo_plan,
    flagger_plan,
    run_plan,
)


def test_argo_steps_by_hand():
    plan = argo_plan(
        [
            {"setWeight": 20},
            {"pause": {"duration": "1m"}},
            {"analysis": {"alarm": "tg-5xx", "interval": "30s", "count": 3, "failureLimit": 1}},
            {"setWeight": 60},
            {"pause": {}},
        ],
        manual_pause_s=300,
    )
    assert plan.strategy == ARGO
    assert [(s.at, s.weight) for s in plan.timeline.shifts] == [(0, 20), (120, 60), (420, 100)]
    assert [(c.at, c.weight) for c in plan.checks] == [(60, 20), (90, 20), (120, 20)]
    # the second failure exceeds failureLimit 1: abort at 90 s, weight back to 0
    out = run_plan(plan, lambda c: c.at >= 60)
    assert out.aborted_at == 90
    assert [(s.at, s.weight) for s in out.shifts] == [(0, 20), (90, 0)]
    # failing only the last measurement: one failure, within the limit
    assert run_plan(plan, lambda c: c.at == 120).aborted_at is None


def test_argo_background_analysis_runs_until_full():
    plan = argo_plan(
        [
            {"setWeight": 10},
            {"pause": {"duration": "5m"}},
            {"setWeight": 50},
            {"pause": {"duration": "5m"}},
        ],
        background={"startingStep": 1, "alarm": "lb", "interval": "2m"},
    )
    assert [c.at for c in plan.checks] == [0, 120, 240, 360, 480]
    assert [c.weight for c in plan.checks] == [10, 10, 10, 50, 50]


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ([{"setWeight": 101}], r"steps\[0\]\.setWeight: SetWeight needs to be between 0 and 100"),
        ([{"setWeight": -1}], "SetWeight needs to be between 0 and 100"),
        ([{"pause": {"duration": -5}}], r"steps\[0\]\.pause\.duration"),
        ([{"setWeight": 10, "pause": {}}], "Step must have one of the following set"),
        ([{}], "Step must have one of the following set"),
        (
            [{"analysis": {"alarm": "a", "count": 1, "failureLimit": 2}}],
            "count must be >= failureLimit",
        ),
        ([{"analysis": {"alarm": "a", "count": 2}}], "interval must be specified when count > 1"),
        ([{"analysis": {"alarm": "a", "failureLimit": -1}}], "failureLimit"),
        ([{"analysis": {"metric": "m"}}], "a metric needs a numeric threshold"),
        ([{"analysis": {"alarm": "a", "metric": "m"}}], "exactly one of alarm or metric"),
        ([{"setWeight": 50}, {"setWeight": 20}], "non-decreasing"),
        ([], "non-empty"),
        ([{"pause": {"for": "1m"}}], "unknown field"),
    ],
)
def test_argo_rules(steps, message):
    with pytest.raises(PlanError, match=message):
        argo_plan(steps)


def test_flagger_canary_by_hand_and_its_documented_formulas():
    plan = flagger_plan({"interval": "1m", "threshold": 2, "stepWeight": 10, "maxWeight": 50})
    assert plan.strategy == FLAGGER
    assert [(s.at, s.weight) for s in plan.timeline.shifts] == [
        (0, 10),
        (60, 20),
        (120, 30),
        (180, 40),
        (240, 50),
        (300, 100),
    ]
    # promotion after interval x maxWeight / stepWeight
    assert plan.timeline.time_to_full == 60 * 50 / 10
    assert [c.at for c in plan.checks] == [60, 120, 180, 240, 300]
    # failing from 120 s on: two failed checks, rolled back an interval later,
    # interval x threshold after the first failure
    out = run_plan(plan, lambda c: c.at >= 120)
    assert out.aborted_at == 120 + 60 * 2
    assert out.shifts[-1].weight == 0


def test_flagger_step_weights_iterations_and_defaults():
    plan = flagger_plan({"stepWeights": [1, 5, 25, 100]})
    assert plan.interval_s == 60 and plan.threshold == 1
    assert [s.weight for s in plan.timeline.shifts] == [1, 5, 25, 100]
    assert plan.timeline.duration == 240  # promotion after the check at 100 %
    bg = flagger_plan({"interval": "30s", "iterations": 4, "threshold": 2})
    assert [(s.at, s.weight) for s in bg.timeline.shifts] == [(120, 100)]
    assert all(c.weight == 0 for c in bg.checks)
    assert flagger_plan({"interval": "2s", "stepWeight": 50}).interval_s == 10  # Flagger's floor


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"stepWeight": 120}, r"analysis\.stepWeight: expected a percentage \(0-100\)"),
        ({"stepWeight": 10, "maxWeight": 101}, "maxWeight"),
        ({"stepWeight": 0}, "must be > 0"),
        ({"stepWeights": [10, 5]}, "increasing"),
        ({"stepWeights": [10, 50], "maxWeight": 60}, "the last of stepWeights"),
        ({"stepWeight": 10, "iterations": 3}, "exactly one of"),
        ({}, "exactly one of"),
        ({"iterations": 0}, "iterations"),
        ({"stepWeight": 10, "threshold": 0}, "threshold"),
        ({"stepWeight": 10, "interval": "soon"}, r"analysis\.interval"),
        ({"stepWeight": 10, "metric": "p99"}, "metricThreshold"),
        ({"stepWeight": 10, "steps": 3}, "unknown field"),
    ],
)
def test_flagger_rules(spec, message):
    with pytest.raises(PlanError, match=message):
        flagger_plan(spec)


weights = st.integers(0, 100)
step = st.one_of(
    st.builds(lambda w: {"setWeight": w}, weights),
    st.builds(lambda d: {"pause": {"duration": d}}, st.integers(0, 600)),
    st.just({"pause": {}}),
    st.builds(
        lambda n, i, f: {
            "analysis": {"alarm": "a", "count": n, "interval": i, "failureLimit": min(f, n)}
        },
        st.integers(1, 5),
        st.integers(10, 120),
        st.integers(0, 3),
    ),
)


@given(st.lists(step, min_size=1, max_size=8))
def test_argo_timelines_are_monotone_and_end_at_full(raw):
    steps, top = [], 0
    for s in raw:  # keep setWeight non-decreasing (ecsim's rule)
        if "setWeight" in s:
            top = max(top, s["setWeight"])
            s = {"setWeight": top}
        steps.append(s)
    plan = argo_plan(steps, manual_pause_s=60)
    ws = [s.weight for s in plan.timeline.shifts]
    assert ws == sorted(ws) and ws[-1] == 100 and all(0 <= w <= 100 for w in ws)
    assert all(0 <= c.at <= plan.timeline.duration for c in plan.checks)
    for c in plan.checks:
        assert c.weight == plan.timeline.weight_at(c.at) or c.weight <= plan.timeline.weight_at(
            c.at
        )
    # all pass: promoted on schedule; all fail: aborted at the first analysis's
    # (failureLimit + 1)-th measurement
    assert run_plan(plan, lambda c: False).aborted_at is None
    out = run_plan(plan, lambda c: True)
    if plan.checks:
        first = plan.checks[0].analysis
        limit = plan.analyses[first].failure_limit
        mine = [c for c in plan.checks if c.analysis == first]
        if len(mine) > limit:
            assert out.aborted_at is not None and out.aborted_at <= mine[limit].at
        assert out.shifts[-1].weight == 0 or out.aborted_at is None


@given(
    interval=st.integers(10, 600),
    step_weight=st.integers(1, 100),
    max_weight=st.integers(1, 100),
    threshold=st.integers(1, 10),
)
def test_flagger_promotion_and_rollback_times(interval, step_weight, max_weight, threshold):
    plan = flagger_plan(
        {
            "interval": interval,
            "stepWeight": step_weight,
            "maxWeight": max_weight,
            "threshold": threshold,
        }
    )
    advances = math.ceil(max_weight / step_weight)
    want_full = (advances if max_weight < 100 else advances - 1) * interval
    assert plan.timeline.time_to_full == want_full
    assert plan.timeline.duration == advances * interval
    ok = run_plan(plan, lambda c: False)
    assert ok.aborted_at is None and ok.shifts == plan.timeline.shifts
    bad = run_plan(plan, lambda c: True)
    # first check one interval after the first advance, rollback interval x threshold later
    assert bad.aborted_at == interval + threshold * interval
    assert bad.failed == threshold
