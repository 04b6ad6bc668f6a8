"""The scenario's live CloudWatch agrees with the ticks metrics.parquet keeps."""

import numpy as np
import pytest

from simulator.cloudwatch.elb_metrics import NAMESPACE, dimension
from simulator.scenario import parse_scenario
from simulator.scenario.build import Simulation

# the load changes inside minutes and overloads the service (a backlog builds and
# drains), and a scale-in lands mid-minute: a period's start is not its steady state
SCENARIO = """\
name: ticks
duration: 1h
tick: 10s
capacity: {instance_type: m6i.xlarge, count: 4}
services:
  - {name: web, cpu: 1024, memory: 2048, desired_count: 3}
traffic:
  - {service: web, pattern: steps, steps: [[0, 200], [10m25s, 1500], [20m35s, 300]]}
events:
  - {at: 30m15s, action: set_desired_count, service: web, desired_count: 1}
"""


@pytest.fixture(scope="module")
def sim() -> Simulation:
    sim = Simulation(parse_scenario(SCENARIO))
    sim.start()
    sim.world.run(3600.0)
    sim.flush()
    return sim


def _live(sim: Simulation, metric: str, statistic: str) -> dict[float, float]:
    tg = sim.load_balancers.groups["web"]
    dims = {
        "LoadBalancer": dimension(sim.load_balancers.load_balancer_of(tg.arn), "LoadBalancer"),
        "TargetGroup": dimension(tg.arn, "TargetGroup"),
    }
    points = sim.metric_store.statistics(NAMESPACE, metric, dims, 0, 3600, 60, [statistic])
    return {p.timestamp: p.values[statistic] for p in points}


def _ticks(sim: Simulation, metric: str):
    m = sim.world.metrics.to_frame()
    rows = m[(m.metric == metric) & ((m.target_group == "web") | (m.service == "web"))]
    rows = rows.drop_duplicates("time")  # recorded per service and per target group
    return rows.time.to_numpy(), rows.value.to_numpy()


@pytest.mark.parametrize(
    "metric", ["RequestCount", "HTTPCode_Target_2XX_Count", "HTTPCode_Target_5XX_Count"]
)
def test_each_minutes_count_is_the_sum_of_its_ticks(sim, metric):
    live = _live(sim, metric, "Sum")
    t, v = _ticks(sim, metric)
    minute = np.floor(t / 60) * 60
    expected = {float(s): float(v[minute == s].sum()) for s in np.unique(minute)}
    expected = {s: x for s, x in expected.items() if x > 0}
    assert set(live) == set(expected)
    for s, x in expected.items():
        assert live[s] == pytest.approx(x, rel=1e-9), s
    if metric == "HTTPCode_Target_5XX_Count":
        assert expected  # the overload failed some requests


def test_the_minute_the_load_rises_is_not_its_start(sim):
    # 200 req/s for 25 s then 1500 for 35 s: its starting rate would say 12,000
    live = _live(sim, "RequestCount", "Sum")
    assert live[600.0] > 12_000 * 2


def test_response_time_is_the_request_weighted_ticks_and_the_worst_tick(sim):
    mean = _live(sim, "TargetResponseTime", "Average")
    worst = _live(sim, "TargetResponseTime", "Maximum")
    t, latency = _ticks(sim, "TargetResponseTime.mean")
    _, p50 = _ticks(sim, "TargetResponseTime.p50")
    _, p99 = _ticks(sim, "TargetResponseTime.p99")
    _, ok = _ticks(sim, "HTTPCode_Target_2XX_Count")
    minute = np.floor(t / 60) * 60
    checked = 0
    for s in mean:
        sel = (minute == s) & (ok > 0)
        assert worst[s] == pytest.approx(p99[sel].max(), rel=1e-9)
        # three weighted values (half at p50, 2 % at p99) carry a tick's mean while it
        # lies in [0.98 p50 + 0.02 p99, (p50 + p99) / 2]; a draining backlog's may not
        low, high = 0.98 * p50[sel] + 0.02 * p99[sel], 0.5 * (p50[sel] + p99[sel])
        if np.all((low <= latency[sel] * (1 + 1e-12)) & (latency[sel] <= high * (1 + 1e-12))):
            checked += 1
            assert mean[s] == pytest.approx(np.average(latency[sel], weights=ok[sel]), rel=1e-9)
    assert checked >= 55
    assert max(mean.values()) > 100 * min(mean.values())  # the overload is in there


def test_healthy_hosts_follow_the_scale_in_inside_its_minute(sim):
    healthy = _live(sim, "HealthyHostCount", "Average")
    t, v = _ticks(sim, "HealthyHostCount")
    minute = np.floor(t / 60) * 60
    for s in healthy:
        assert healthy[s] == pytest.approx(v[minute == s].mean(), rel=1e-9)
    assert healthy[0.0] == 3 and healthy[3540.0] == 1
