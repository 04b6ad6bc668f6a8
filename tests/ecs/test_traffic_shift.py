"""The traffic-shift engine on a simulated account: green scales to 100 % on Fargate
before any production traffic, the listener follows the timeline, alarms stop it, and a
rollback reroutes to blue only when asked."""

from __future__ import annotations

import pytest

from simulator.cloudwatch.alarms import AlarmConfig, AlarmState
from simulator.deploy.configs import PREDEFINED
from simulator.deploy.record import DeploymentRecord
from simulator.ecs.traffic_shift import ShiftSettings, Sides, TrafficShift, listener_weights
from simulator.testing.deploy import CLUSTER, SERVICE, blue_green_world

CANARY = PREDEFINED["CodeDeployDefault.ECSCanary10Percent5Minutes"].timeline()


def engine(w, alarms=(), **settings) -> TrafficShift:
    aws = w.aws
    svc = aws.ecs.service(CLUSTER, SERVICE)
    (blue,) = aws.task_sets.task_sets(svc)
    record = DeploymentRecord("d-1", SERVICE, "test", w.blue, w.green, created=aws.now)
    sides = Sides(
        CLUSTER, SERVICE, blue, w.blue, w.green, w.production_listener, w.test_listener, alarms
    )
    return TrafficShift(
        aws.task_sets, aws.elbv2, aws.alarms, sides, record, ShiftSettings(**settings)
    )


def run(w, shift: TrafficShift, **kw):
    td = w.register_revision()
    proc = w.aws.world.process(shift.run(td, CANARY, **kw))
    w.aws.run_until(lambda: proc.triggered, timeout="3h")
    return proc.value


def alarm(aws, name: str = "green-5xx") -> str:
    aws.alarms.put(
        AlarmConfig(
            alarm_name=name,
            namespace="AWS/ApplicationELB",
            metric_name="HTTPCode_Target_5XX_Count",
            statistic="Sum",
            period=60,
            evaluation_periods=1,
            threshold=1.0,
            comparison_operator="GreaterThanOrEqualToThreshold",
        ),
        aws.now,
    )
    return name


def test_listener_weights() -> None:
    assert listener_weights(10) == (90, 10)
    assert listener_weights(100) == (0, 100)
    assert listener_weights(2.5) == (974, 25)


def test_canary_succeeds_with_green_at_full_count_before_traffic() -> None:
    w = blue_green_world(1, desired=3, codedeploy=False)
    shift = engine(w)
    assert run(w, shift, wait_s=600) == "Succeeded"
    rec = shift.record
    install = rec.phase("Install")
    allow = rec.phase("AllowTraffic")
    assert install is not None and allow is not None
    green_full = next(t.at for t in rec.tasks if t.side == "green" and t.running == 3)
    first_weight = next(x.at for x in rec.weights if x.weights[w.green] > 0)
    assert green_full <= install.end <= first_weight
    # green's group is already in use (the test listener): no weight-0 entry is needed
    assert [x.weights[w.green] for x in rec.weights] == [10, 100]
    assert rec.weights[1].at - rec.weights[0].at == pytest.approx(300)
    wait = rec.phase("TerminationWait")
    assert wait.end - wait.start == pytest.approx(600)
    assert w.weights() == {"blue": 0, "green": 100}
    assert w.weights(w.test_listener) == {"blue": 0, "green": 100}
    sets = w.ecs.describe_task_sets(cluster=CLUSTER, service=SERVICE)["taskSets"]
    assert [(t["status"], t["runningCount"]) for t in sets] == [("PRIMARY", 3)]
    remove = rec.phase("RemoveBlue")
    blue_counts = [t.running for t in rec.tasks if t.side == "blue" and t.at < remove.start]
    assert blue_counts and min(blue_counts) == 3  # blue kept its count beside green
    assert rec.status == "Succeeded" and rec.ended >= remove.end


def test_alarm_with_rollback_reroutes_to_blue() -> None:
    w = blue_green_world(2, codedeploy=False)
    name = alarm(w.aws)
    shift = engine(w, alarms=(name,), poll_interval_s=15)
    td = w.register_revision()
    proc = w.aws.world.process(shift.run(td, CANARY, wait_s=900, rollback_on_alarm=True))
    w.aws.run_until(
        lambda: shift.record.weights and shift.record.weights[-1].weights[w.green] == 10
    )
    at = w.aws.now
    w.aws.alarms.get(name).set_state(AlarmState.ALARM, "test", None, w.aws.now)
    w.aws.run_until(lambda: proc.triggered, timeout="1h")
    rec = shift.record
    assert proc.value == "Stopped" and rec.rolled_back
    assert at <= rec.detected <= at + 15
    assert rec.contained == rec.detected  # reroute_s = 0
    assert w.weights() == {"blue": 100, "green": 0}
    sets = w.ecs.describe_task_sets(cluster=CLUSTER, service=SERVICE)["taskSets"]
    assert [(t["status"], t["runningCount"]) for t in sets] == [("PRIMARY", 2)]
    assert rec.rollback_completed >= rec.contained + 30  # green drained


def test_alarm_without_rollback_leaves_traffic_where_it_is() -> None:
    w = blue_green_world(3, codedeploy=False)
    name = alarm(w.aws)
    shift = engine(w, alarms=(name,))
    td = w.register_revision()
    proc = w.aws.world.process(shift.run(td, CANARY, rollback_on_alarm=False))
    w.aws.run_until(
        lambda: shift.record.weights and shift.record.weights[-1].weights[w.green] == 10
    )
    # a real breach, not SetAlarmState: the alarm is in ALARM for a whole evaluation
    # (60 s), longer than the engine's poll (30 s), wherever the poll's phase falls
    errors = w.aws.cloudwatch_store.series("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count")
    errors.put(w.aws.now, value=5.0)
    w.aws.run_until(lambda: proc.triggered, timeout="1h")
    assert proc.value == "Stopped" and not shift.record.rolled_back
    assert w.weights() == {"blue": 90, "green": 10}
    assert shift.record.contained is None


def integral(changes, until: float, value) -> float:
    """∫ value(state) dt of a step function given as time-ordered (at, state) pairs."""
    total = 0.0
    for (at, state), nxt in zip(changes, [*changes[1:], (until, None)], strict=True):
        total += value(state) * (min(nxt[0], until) - at)
    return total


@pytest.mark.parametrize("name", sorted(PREDEFINED))
def test_engine_matches_the_analytic_model(name: str) -> None:
    """Per configuration: time to 100 %, exposed requests (constant rate) and extra
    task-seconds from the record agree with simulator.deploy.risk within 1 %."""
    from simulator.deploy import risk

    desired, wait_s, rate = 2, 300.0, 50.0
    timeline = PREDEFINED[name].timeline()
    w = blue_green_world(5, desired=desired, codedeploy=False)
    shift = engine(w)
    td = w.register_revision()
    proc = w.aws.world.process(shift.run(td, timeline, wait_s=wait_s))
    w.aws.run_until(lambda: proc.triggered, timeout="3h")
    rec = shift.record
    assert proc.value == "Succeeded"
    allow = rec.phase("AllowTraffic")
    shifted = [x for x in rec.weights if x.weights[w.green] > 0]
    assert shifted[-1].at - shifted[0].at == pytest.approx(
        timeline.time_to_full, rel=0.01, abs=1e-6
    )
    exposed = rate * integral(
        [(x.at, x) for x in rec.weights],
        allow.end,
        lambda x: x.weights[w.green] / sum(x.weights.values()),
    )
    assert exposed == pytest.approx(risk.exposed_requests(timeline, rate), rel=0.01, abs=1e-6)
    green_up = next(t.at for t in rec.tasks if t.side == "green" and t.running == desired)
    blue_gone = next(t.at for t in rec.tasks if t.side == "blue" and t.running == 0)
    counts: dict[str, int] = {"blue": desired, "green": 0}
    steps = []
    for t in rec.tasks:
        counts[t.side] = t.running
        steps.append((t.at, dict(counts)))
    window = [(max(at, green_up), c) for at, c in steps if at < blue_gone]
    extra = integral(
        [s for s in window if s[0] >= green_up], blue_gone, lambda c: sum(c.values()) - desired
    )
    model = risk.extra_task_seconds(desired, green_up, blue_gone)
    assert extra == pytest.approx(model, rel=0.01)
    assert blue_gone - green_up >= timeline.duration + wait_s
