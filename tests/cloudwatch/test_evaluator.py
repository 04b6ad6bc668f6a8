"""The timed driver: evaluation cadence, ingestion delay, and detection latency."""

from __future__ import annotations

from collections.abc import Generator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.cloudwatch.alarms import AlarmConfig, Alarms, AlarmState
from simulator.cloudwatch.evaluator import AlarmEvaluator
from simulator.cloudwatch.store import MetricStore
from simulator.core.world import World


def setup(delay: float = 0.0, **alarm: object) -> tuple[World, MetricStore, Alarms, AlarmEvaluator]:
    world, store, alarms = World(0), MetricStore(), Alarms()
    ev = AlarmEvaluator(world, store, alarms, ingestion_delay=delay)
    alarms.on_put.append(lambda _a: ev.start())
    base: dict[str, object] = dict(
        alarm_name="errors",
        namespace="App",
        metric_name="Errors",
        period=60,
        evaluation_periods=1,
        threshold=5.0,
        comparison_operator="GreaterThanThreshold",
        statistic="Sum",
        treat_missing_data="notBreaching",
    )
    base.update(alarm)
    alarms.put(AlarmConfig(**base), 0)  # type: ignore[arg-type]
    return world, store, alarms, ev


def publisher(
    world: World,
    store: MetricStore,
    start: float,
    stop: float,
    value: float,
    every: float,
    resolution: int = 60,
) -> Generator:
    """Puts ``value`` for each ``every``-second interval at the interval's end, as the ALB
    publishes a minute's datapoint once the minute is over."""
    h = store.series("App", "Errors", {})
    yield world.timeout(start + every)
    while world.now <= stop:
        h.put(world.now - every, value=value, storage_resolution=resolution)
        yield world.timeout(every)


@pytest.mark.parametrize("delay", [0.0, 5.0, 30.0])
def test_detection_takes_one_period_plus_the_ingestion_delay(delay: float) -> None:
    # deployments.md A.4: Sum over 60 s, M = N = 1, fault from a period boundary ->
    # T_detect = 60 s + L.
    world, store, alarms, ev = setup(delay)
    world.process(publisher(world, store, 120, 600, 10.0, 60))
    world.run(600)
    to_alarm = [c for c in ev.changes if c.new_state is AlarmState.ALARM]
    assert to_alarm[0].timestamp == 120 + 60 + delay


def test_evaluation_runs_after_a_publisher_of_the_same_instant() -> None:
    # The publisher's process is created after the evaluator's: at t = 60 both are due.
    world, store, alarms, ev = setup()
    world.process(publisher(world, store, 0, 600, 10.0, 60))
    world.run(61)
    assert alarms.get("errors").state is AlarmState.ALARM
    assert ev.changes[0].timestamp == 60


def test_sub_minute_alarm_is_evaluated_every_ten_seconds() -> None:
    # A 1-s metric of 10 per second: only a full 10-s period sums above 95.
    world, store, alarms, ev = setup(period=10, evaluation_periods=1, threshold=95.0)
    world.process(publisher(world, store, 25, 400, 10.0, 1, resolution=1))
    world.run(400)
    first = next(c for c in ev.changes if c.new_state is AlarmState.ALARM)
    assert first.timestamp == 40  # the first full 10-s period with data is [30, 40)


def test_sub_minute_alarm_on_a_standard_resolution_metric_sees_data_once_a_minute() -> None:
    world, store, alarms, ev = setup(period=10, evaluation_periods=1, treat_missing_data="missing")
    h = store.series("App", "Errors", {})
    for minute in range(10):
        world.at(minute * 60, lambda m=minute: h.put(m * 60, value=10.0))
    world.run(600)
    # Each minute's datum is seen by the 10-s periods holding the minute's start only, so
    # the alarm lapses into INSUFFICIENT_DATA between them, as the guide warns.
    states = [(c.timestamp, c.new_state) for c in ev.changes]
    assert states[:3] == [
        (10, AlarmState.ALARM),
        (40, AlarmState.INSUFFICIENT_DATA),
        (70, AlarmState.ALARM),
    ]


def test_evaluator_stops_without_alarms_and_restarts_on_put() -> None:
    world, store, alarms, ev = setup()
    world.run(120)
    assert ev.running
    alarms.delete(["errors"], world.now)
    world.run(300)
    assert not ev.running
    alarms.put(
        AlarmConfig("again", "App", "Errors", 60, 1, 5.0, "GreaterThanThreshold", statistic="Sum"),
        world.now,
    )
    assert ev.running


@given(
    st.sampled_from([10, 30, 60, 300]),
    st.integers(1, 3),
    st.sampled_from(["missing", "ignore", "breaching", "notBreaching"]),
    st.lists(st.tuples(st.integers(0, 1800), st.floats(0, 20)), max_size=40),
    st.sampled_from([0.0, 3.0]),
)
def test_state_changes_only_at_evaluation_times(
    period: int, n: int, treat: str, puts: list[tuple[int, float]], delay: float
) -> None:
    world, store, alarms, ev = setup(
        delay, period=period, evaluation_periods=n, treat_missing_data=treat
    )
    h = store.series("App", "Errors", {})
    for t, v in sorted(puts):
        world.at(t, lambda t=t, v=v: h.put(t, value=v, storage_resolution=1))
    world.run(2000)
    cadence = 60 if period >= 60 else 10
    for c in ev.changes:
        assert (c.timestamp - delay) % cadence == 0
    # The history agrees with the changes, in time order.
    updates = [x for x in alarms.history("errors") if x.item_type == "StateUpdate"]
    assert [u.timestamp for u in updates] == [c.timestamp for c in ev.changes]


def test_a_ten_second_alarm_added_mid_minute_is_evaluated_within_ten_seconds() -> None:
    world, store, alarms, ev = setup()  # a 60-s alarm: the loop sleeps on a 60-s step
    world.run(61)
    alarms.put(
        AlarmConfig(
            "fast",
            "App",
            "Fast",
            10,
            1,
            0.0,
            "GreaterThanThreshold",
            statistic="Sum",
            treat_missing_data="breaching",
        ),
        world.now,
    )
    world.run(75)
    fast = [c for c in ev.changes if c.alarm_name == "fast"]
    assert [(c.timestamp, c.new_state) for c in fast] == [(70.0, AlarmState.ALARM)]
    world.run(200)
    # One loop only: the 60-s alarm is still evaluated once a minute, not twice.
    minute = [c for c in ev.changes if c.alarm_name == "errors"]
    assert [c.timestamp for c in minute] == [60.0]


POLICY = (
    "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:0:resource/ecs/service/c/s:"
    "policyName/p"
)
TOPIC = "arn:aws:sns:us-east-1:123456789012:ops"


def test_auto_scaling_actions_repeat_while_in_alarm_other_actions_only_on_transitions() -> None:
    """CloudWatch User Guide, "Alarm actions": actions run on a state change, except Auto
    Scaling actions, invoked again at each evaluation while the alarm stays in the state."""
    world, store, alarms, _ = setup(alarm_actions=(POLICY, TOPIC))
    calls: list[tuple[str, float]] = []
    rounds: list[float] = []
    for arn in (POLICY, TOPIC):
        alarms.register_action(arn, lambda alarm, now, arn=arn: calls.append((arn, now)))
    alarms.on_evaluated.append(rounds.append)
    world.process(publisher(world, store, 0, 300, 9.0, 60))  # breaching from minute 1 to 5
    world.run(481)
    policy = [t for arn, t in calls if arn == POLICY]
    topic = [t for arn, t in calls if arn == TOPIC]
    assert topic == [60.0]  # once, on OK -> ALARM
    # every evaluation in ALARM: the last datapoint (minute 4) stays the newest real one in
    # the 3-period evaluation range up to 420 s; at 480 none is left and notBreaching fills
    assert policy == [60.0 * k for k in range(1, 8)]
    assert alarms.get("errors").state is AlarmState.OK
    assert rounds == [60.0 * k for k in range(1, 9)]  # after every round, in ALARM or not


def test_set_alarm_state_runs_the_actions_and_an_unregistered_action_is_skipped() -> None:
    world, store, alarms, _ = setup(alarm_actions=(POLICY,))
    calls: list[float] = []
    alarms.register_action(POLICY, lambda alarm, now: calls.append(now))
    alarms.set_alarm_state("errors", "ALARM", "test", None, 10.0)
    assert calls == [10.0]
    alarms.unregister_action(POLICY)
    world.process(publisher(world, store, 0, 120, 9.0, 60))
    world.run(121)
    assert calls == [10.0]
