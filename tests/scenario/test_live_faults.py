"""A bad version's 5xx and latency reach the scenario's live CloudWatch and its alarms."""

import numpy as np
import pytest

from simulator.cloudwatch.alarms import AlarmState
from simulator.cloudwatch.elb_metrics import NAMESPACE, dimension
from simulator.scenario import parse_scenario
from simulator.scenario.build import Simulation

SCENARIO = """\
name: bad-deploy
duration: 1h
tick: 10s
capacity: {instance_type: m6i.xlarge, count: 4}
services:
  - {name: web, cpu: 1024, memory: 2048, desired_count: 4}
traffic:
  - {service: web, pattern: constant, rps: 200}
events:
  - at: 20m
    action: deploy
    service: web
    fault: {error_probability: ERROR, latency_multiplier: 3}
alarms:
  - name: web-5xx
    namespace: AWS/ApplicationELB
    metric_name: HTTPCode_Target_5XX_Count
    service: web
    statistic: Sum
    period: 60
    evaluation_periods: 2
    threshold: 100
    comparison_operator: GreaterThanThreshold
    treat_missing_data: notBreaching
"""


def _run(error: float, until: float) -> Simulation:
    sim = Simulation(parse_scenario(SCENARIO.replace("ERROR", str(error))))
    sim.start()
    sim.world.run(until)
    return sim


def _sums(sim: Simulation, metric: str, statistic: str = "Sum") -> dict[float, float]:
    tg = sim.load_balancers.groups["web"]
    dims = {
        "LoadBalancer": dimension(sim.load_balancers.load_balancer_of(tg.arn), "LoadBalancer"),
        "TargetGroup": dimension(tg.arn, "TargetGroup"),
    }
    points = sim.metric_store.statistics(NAMESPACE, metric, dims, 0, 3600, 60, [statistic])
    return {p.timestamp: p.values[statistic] for p in points}


@pytest.fixture(scope="module")
def bad() -> Simulation:
    return _run(0.2, 3600.0)


def test_a_bad_deploy_puts_the_alarm_on_the_target_groups_5xx_in_alarm(bad):
    assert bad.alarms.get("web-5xx").state is AlarmState.ALARM
    first = next(c for c in bad.alarm_log.changes if c.new_state is AlarmState.ALARM)
    assert 20 * 60 < first.timestamp < 40 * 60


def test_the_same_deploy_without_a_fault_leaves_the_alarm_ok():
    sim = _run(0.0, 3600.0)
    assert sim.alarms.get("web-5xx").state is AlarmState.OK


def test_once_every_target_runs_the_bad_version_a_fifth_of_requests_are_5xx(bad):
    requests = _sums(bad, "RequestCount")
    errors = _sums(bad, "HTTPCode_Target_5XX_Count")
    late = [t for t in requests if t >= 50 * 60]
    assert late
    for t in late:
        assert errors[t] == pytest.approx(0.2 * requests[t], rel=1e-6)
    assert not any(t < 20 * 60 for t in errors)  # none before the deploy


def test_the_bad_versions_latency_multiplier_reaches_target_response_time(bad):
    latency = _sums(bad, "TargetResponseTime", "Average")
    before = np.mean([v for t, v in latency.items() if t < 19 * 60])
    after = np.mean([v for t, v in latency.items() if t >= 50 * 60])
    assert after == pytest.approx(3 * before, rel=0.05)
