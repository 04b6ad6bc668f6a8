"""A scenario's live CloudWatch: metrics put while the run goes, alarms evaluated on them."""

import json

import pytest

from simulator.cloudwatch.alarms import AlarmConfig, AlarmState
from simulator.core.errors import ScenarioError
from simulator.experiment.run import run
from simulator.report.writer import render_markdown
from simulator.scenario import parse_scenario
from simulator.scenario.build import Simulation

BASE = """\
name: t
duration: 4h
tick: TICK
capacity: {instance_type: m6i.xlarge, count: 4}
services:
  - {name: web, cpu: 1024, memory: 2048, desired_count: 4}
traffic:
  - {service: web, pattern: steps, steps: [[0, 200], [1h, 1400], [2h, 200]]}
alarms:
  - name: cpu-high
    namespace: AWS/ECS
    metric_name: CPUUtilization
    service: web
    statistic: Average
    period: PERIOD
    evaluation_periods: 3
    threshold: 80
    comparison_operator: GreaterThanThreshold
"""


def text(tick: str = "1m", period: int = 60) -> str:
    return BASE.replace("TICK", tick).replace("PERIOD", str(period))


def problems(t: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(t, source="s.yaml")
    return info.value.problems


def test_alarm_fires_during_the_overload_and_clears_after():
    result = run(parse_scenario(text()))
    a = result.summary["alarms"]["cpu-high"]
    # ALARM after 3 breaching one-minute datapoints: the evaluation at 1h03m sees
    # [1h, 1h01), [1h01, 1h02), [1h02, 1h03)
    assert a["first_alarm_s"] == 3600 + 180
    assert a["transitions"] == 3  # INSUFFICIENT_DATA -> OK -> ALARM -> OK
    assert a["final_state"] == "OK"
    # OK again at the first evaluation that sees a datapoint below: 2h01m
    assert a["time_in_alarm_s"] == 2 * 3600 + 60 - a["first_alarm_s"]
    ev = result.events[result.events.kind == "alarm_state_change"]
    states = [json.loads(d)["new_state"] for d in ev["details"]]
    assert states == ["OK", "ALARM", "OK"]
    md = render_markdown(result, [])
    assert "## Alarms" in md
    assert "| cpu-high | 58m | 3 | 1h3m | OK |" in md


def test_high_resolution_alarms_publish_every_period():
    sim = Simulation(parse_scenario(text(tick="10s", period=10)))
    assert sim.live_metrics.period == 10.0
    sim.start()
    sim.world.run(3600 + 60.0)
    alarm = sim.alarms.get("cpu-high")
    # 3 ten-second datapoints above 80 %: ALARM 30 s into the overload
    assert alarm.state is AlarmState.ALARM
    assert sim.alarm_log.changes[-1].timestamp == 3600 + 30


def test_a_caller_puts_its_own_alarm_and_reads_the_live_store():
    sim = Simulation(parse_scenario(text()))
    sim.start()
    sim.alarms.put(
        AlarmConfig(
            alarm_name="requests",
            namespace="AWS/ApplicationELB",
            metric_name="RequestCountPerTarget",
            dimensions={"TargetGroup": "targetgroup/" + sim.load_balancers.arn_of("web").split(
                ":targetgroup/")[1]},
            period=60, evaluation_periods=2, threshold=12_000.0, statistic="Sum",
            comparison_operator="GreaterThanThreshold",
        ),
        sim.world.now,
    )  # fmt: skip
    sim.world.run(3600.0 + 300)
    assert sim.alarms.get("requests").state is AlarmState.ALARM  # 1400 rps / 4 targets
    points = sim.metric_store.statistics(
        "AWS/ECS", "CPUUtilization", {"ClusterName": "t", "ServiceName": "web"},
        0, 3600, 60, ["Average"],
    )  # fmt: skip
    assert len(points) == 60
    assert all(0 < p.values["Average"] < 80 for p in points)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (("service: web", "service: api"), "s.yaml: alarms[0].service: unknown service 'api'"),
        (
            ("    service: web\n", "    service: web\n    dimensions: {ServiceName: web}\n"),
            "s.yaml: alarms[0]: expected one of dimensions, service or target_group",
        ),
        (
            ("statistic: Average", "statistic: Mean"),
            "s.yaml: alarms[0].statistic: expected one of SampleCount, Average, Sum, Minimum, "
            "Maximum or a percentile such as p99, got 'Mean'",
        ),
        (
            ("period: 60", "period: 45"),
            "s.yaml: alarms[0]: Period must be 10, 20, 30 or a multiple of 60, got 45. "
            "(ValidationError)",
        ),
        (
            ("period: 60", "period: 10"),
            "s.yaml: alarms[0].period: a 10-s period needs tick <= 10s",
        ),
        (
            ("evaluation_periods: 3", "evaluation_periods: 3\n    datapoints_to_alarm: 4"),
            "s.yaml: alarms[0]: DatapointsToAlarm must be between 1 and EvaluationPeriods (3)",
        ),
        (
            ("comparison_operator: GreaterThanThreshold", "comparison_operator: Above"),
            "s.yaml: alarms[0].comparison_operator:",
        ),
    ],
)
def test_bad_alarms_name_file_field_and_expectation(edit, expected):
    found = problems(text().replace(*edit))
    assert any(p.startswith(expected) for p in found), found
