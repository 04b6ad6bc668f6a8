"""The analytic model: exposure, the CloudWatch timing chain, capacity, duration."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.deploy import PREDEFINED
from simulator.deploy.risk import (
    AlarmTiming,
    CodeDeployPhases,
    bad_responses,
    codedeploy_breakdown,
    containment_time,
    detect,
    detectable_by_phase,
    detectable_rate_alarm,
    detectable_sum_alarm,
    exposed_requests,
    extra_cost,
    extra_task_seconds,
    green_up_to_blue_gone,
    peak_tasks,
    time_to_contain,
    time_to_detect,
)
from simulator.deploy.timeline import from_steps

P = "CodeDeployDefault."


def test_exposed_requests_of_canary_and_linear_by_hand():
    canary = PREDEFINED[P + "ECSCanary10Percent5Minutes"].timeline()
    assert exposed_requests(canary, 100.0) == pytest.approx(100 * 0.10 * 300)
    assert exposed_requests(canary, 100.0, until=600) == pytest.approx(3000 + 100 * 300)
    linear = PREDEFINED[P + "ECSLinear10PercentEvery1Minutes"].timeline()
    # 10 %..90 % for a minute each, the shift to 100 % ends the phase
    assert exposed_requests(linear, 10.0) == pytest.approx(
        10 * 60 * (0.1 + 0.2 + 0.3 + 0.4 + 0.5 + 0.6 + 0.7 + 0.8 + 0.9)
    )
    assert exposed_requests(linear, 10.0, until=90) == pytest.approx(10 * (60 * 0.1 + 30 * 0.2))


def test_contained_canary_vs_escaped_all_at_once():
    canary = PREDEFINED[P + "ECSCanary10Percent5Minutes"].timeline()
    once = PREDEFINED[P + "ECSAllAtOnce"].timeline()
    alarm = AlarmTiming(period_s=60, ingestion_lag_s=5, poll_interval_s=0)
    t_c = containment_time(0, alarm)
    assert t_c == 65
    assert bad_responses(canary, 100, 0.5, until=t_c) == pytest.approx(100 * 0.1 * 0.5 * 65)
    assert bad_responses(once, 100, 0.5, until=t_c) == pytest.approx(100 * 0.5 * 65)


def test_time_to_detect_sum_period_60_m1_is_60_plus_lag():
    assert time_to_detect(0, AlarmTiming(period_s=60, ingestion_lag_s=7)) == 67
    # mid-period onset: the partial period does not breach at fraction 1
    assert time_to_detect(30, AlarmTiming(period_s=60)) == 90
    # a Sum alarm twice over its threshold breaches with half a period of fault
    assert time_to_detect(30, AlarmTiming(period_s=60), breach_fraction=0.5) == 30


def test_m_of_n_and_evaluation_cadence_and_poll():
    a = AlarmTiming(period_s=60, datapoints_to_alarm=3, evaluation_periods=5, ingestion_lag_s=10)
    assert time_to_detect(0, a) == 190
    misaligned = AlarmTiming(period_s=60, ingestion_lag_s=10, evaluation_phase_s=0)
    assert time_to_detect(0, misaligned) == 120  # next whole minute after 70 s
    ten = AlarmTiming(period_s=10, ingestion_lag_s=3, evaluation_phase_s=0)
    assert ten.cadence_s == 10 and time_to_detect(0, ten) == 20
    polled = AlarmTiming(period_s=60, poll_interval_s=45, reroute_s=2)
    assert time_to_contain(0, polled) == 90 + 2


def test_invalid_alarm_periods_are_refused():
    with pytest.raises(ValueError):
        AlarmTiming(period_s=45)
    with pytest.raises(ValueError):
        AlarmTiming(datapoints_to_alarm=3, evaluation_periods=2)


def test_detectability_of_a_canary_by_scope():
    # the reference's example: 10 % canary failing 20 % is 2 % LB-wide: a 5 % alarm misses it
    assert not detectable_rate_alarm(10, 0.20, 0.05)
    assert detectable_rate_alarm(100, 0.20, 0.05)
    assert detectable_sum_alarm(10, 0.20, rate=50, period_s=60, threshold=10)
    canary = PREDEFINED[P + "ECSCanary10Percent5Minutes"].timeline()
    assert [d for _, _, d in detectable_by_phase(canary, 0.2, 0.05)] == [False, True]


def test_capacity_and_cost():
    assert peak_tasks(4) == 8 and peak_tasks(5, green_scale_percent=10) == 6
    assert extra_task_seconds(4, 100, 1000) == 3600
    assert extra_cost(3600, 0.05) == pytest.approx(0.05)


def test_duration_breakdown_of_the_seed_stage():
    canary = PREDEFINED[P + "ECSCanary10Percent5Minutes"].timeline()
    b = codedeploy_breakdown(
        canary,
        CodeDeployPhases(
            install_s=180, hooks_s={"AfterAllowTestTraffic": 30}, termination_wait_minutes=15
        ),
    )
    assert b["AllowTraffic"] == 300 and b["TerminationWait"] == 900
    assert b["total"] == 180 + 30 + 300 + 900
    assert green_up_to_blue_gone(b) == b["total"]


steps = st.lists(st.tuples(st.floats(0.1, 1000), st.floats(0.1, 99.9)), min_size=0, max_size=6)


@given(steps, st.floats(0.0, 100.0), st.floats(0.0, 3000.0), st.floats(0.0, 3000.0))
def test_exposure_is_monotone_in_the_window_and_bounded_by_rate_times_length(pieces, rate, a, b):
    at = 0.0
    pts = []
    weight = 0.0
    for dt, w in pieces:
        weight = max(weight, w)
        pts.append((at, weight))
        at += dt
    pts.append((at, 100.0))
    tl = from_steps(pts)
    lo, hi = sorted((a, b))
    e1 = exposed_requests(tl, rate, until=lo)
    e2 = exposed_requests(tl, rate, until=hi)
    assert e1 <= e2 + 1e-9
    assert e2 <= rate * hi + 1e-6


@given(
    st.floats(0, 10_000),
    st.sampled_from([10, 20, 30, 60, 120, 300]),
    st.integers(1, 5),
    st.floats(0, 60),
)
def test_detection_is_at_least_m_periods_and_containment_after_detection(onset, period, m, lag):
    a = AlarmTiming(
        period_s=period,
        datapoints_to_alarm=m,
        evaluation_periods=m,
        ingestion_lag_s=lag,
        poll_interval_s=30,
    )
    d = time_to_detect(onset, a)
    assert d >= m * period + lag - 1e-6
    assert time_to_contain(onset, a) >= d


def test_detect_escape_of_a_canary_under_an_lb_wide_alarm():
    canary = PREDEFINED[P + "ECSCanary10Percent5Minutes"].timeline()
    alarm = AlarmTiming(period_s=60, ingestion_lag_s=5)

    def lb_wide(w):
        return detectable_rate_alarm(w, 0.20, 0.05)

    d = detect(canary, 0, alarm, lb_wide)
    # invisible at 10 %: breaching starts at the shift to 100 % (300 s), caught a period later
    assert d.breach_start == 300 and d.alarm_at == 365 and d.escaped_to_full
    tg = detect(canary, 0, alarm, lambda w: detectable_sum_alarm(w, 0.2, 50, 60, 10))
    assert tg.breach_start == 0 and tg.contained_at == 65 and not tg.escaped_to_full
    # caught only after the deployment ended: nothing is rolled back
    assert detect(canary, 0, alarm, lb_wide, window_end=320) is None
    assert detect(canary, 0, alarm, lambda w: False) is None


@given(st.floats(0, 2000), st.integers(1, 99), st.integers(1, 10))
def test_detection_never_precedes_the_onset_or_a_visible_weight(onset, pct, minutes):
    from simulator.deploy import RoutingType, TrafficRouting

    tl = TrafficRouting(RoutingType.TIME_BASED_LINEAR, pct, minutes).timeline()
    threshold = 50.0
    d = detect(tl, onset, AlarmTiming(), lambda w: w > threshold)
    assert d is not None  # 100 % is always visible to this alarm
    assert d.breach_start >= onset and tl.weight_at(d.breach_start) > threshold
    assert d.contained_at >= d.alarm_at >= d.breach_start


def test_ecs_breakdown_of_a_default_linear():
    from simulator.deploy.ecs_native import strategy_from_api
    from simulator.deploy.risk import ecs_breakdown

    cfg = strategy_from_api({"strategy": "LINEAR", "bakeTimeInMinutes": 10})
    b = ecs_breakdown(
        cfg.timeline(), cfg.bake_time_minutes, scale_up_s=120, hooks_s={"POST_SCALE_UP": 15}
    )
    assert b["PRODUCTION_TRAFFIC_SHIFT"] == 9 * 6 * 60 and b["BAKE_TIME"] == 600
    assert b["total"] == 120 + 15 + 3240 + 600
    # the same numbers CloudFormation's 33-hour rule computes (minutes), plus what it omits
    assert b["PRODUCTION_TRAFFIC_SHIFT"] + b["BAKE_TIME"] == cfg.cfn_minutes() * 60
