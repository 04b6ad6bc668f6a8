"""The target tracking alarms: with a datapoint every minute they go to ALARM exactly when
the last N datapoints breach (the N-of-N rule the earlier datapoint alarm applied)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.cloudwatch.alarms import Alarms, AlarmState
from simulator.cloudwatch.store import MetricStore
from simulator.ecs import scaling_alarms
from simulator.ecs.managed_scaling import DatapointAlarm


def configs(target: float, out: int, in_: int, ratio: float):
    return scaling_alarms.alarm_configs(
        region="us-east-1",
        account_id="123456789012",
        cluster="prod",
        service="web",
        policy_name="cpu",
        metric="ECSServiceAverageCPUUtilization",
        target=target,
        resource_label=None,
        scale_out_datapoints=out,
        scale_in_datapoints=in_,
        scale_in_threshold_ratio=ratio,
    )


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.integers(0, 100).map(float), min_size=1, max_size=40),
    out=st.integers(1, 5),
    in_=st.integers(1, 8),
    ratio=st.sampled_from([0.9, 1.0, 0.5]),
)
def test_alarm_states_follow_the_n_of_n_rule(values, out, in_, ratio):
    target = 60.0
    high, low = configs(target, out, in_, ratio)
    assert low is not None
    store, alarms = MetricStore(), Alarms()
    alarms.put(high, 0)
    alarms.put(low, 0)
    handle = store.series(high.namespace, high.metric_name, dict(high.dimensions))
    ref_high = DatapointAlarm(out, target, above=True)
    ref_low = DatapointAlarm(in_, target * ratio, above=False)
    for k, v in enumerate(values):
        handle.put(60.0 * k, value=v)
        alarms.evaluate(store, 60.0 * (k + 1))
        assert (alarms.get(high.alarm_name).state is AlarmState.ALARM) == ref_high.update(v)
        assert (alarms.get(low.alarm_name).state is AlarmState.ALARM) == ref_low.update(v)
        assert alarms.get(high.alarm_name).latest_value == v


def test_names_are_aws_forms_and_stable():
    high, low = configs(60.0, 3, 15, 0.9)
    again = configs(60.0, 3, 15, 0.9)
    assert (high, low) == again  # uuid5: the same run names them alike
    assert low is not None
    assert high.alarm_name.startswith("TargetTracking-service/prod/web-AlarmHigh-")
    assert low.alarm_name.startswith("TargetTracking-service/prod/web-AlarmLow-")
    arn = scaling_alarms.policy_arn("us-east-1", "123456789012", "service/prod/web", "cpu")
    assert arn.startswith("arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:")
    assert arn.endswith(":resource/ecs/service/prod/web:policyName/cpu")
    assert (
        high.alarm_description == f"DO NOT EDIT OR DELETE. For TargetTrackingScaling policy {arn}."
    )
    assert (high.evaluation_periods, high.m, low.evaluation_periods, low.m) == (3, 3, 15, 15)
    assert (high.threshold, low.threshold) == (60.0, 54.0)
