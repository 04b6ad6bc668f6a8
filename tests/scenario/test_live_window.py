"""A run nobody reads after it holds only what an alarm can still read of its live
CloudWatch: a day (PutMetricAlarm: Period x EvaluationPeriods <= 86,400 s below an
hour), so the held ticks of a long run stay bounded."""

import numpy as np

from simulator.cloudwatch.elb_metrics import NAMESPACE, dimension
from simulator.scenario import parse_scenario
from simulator.scenario.build import Simulation
from simulator.scenario.build_metrics import UNREAD_WINDOW

SCENARIO = """\
name: window
duration: 4d
tick: 5m
capacity: {instance_type: m6i.xlarge, count: 2}
services:
  - {name: web, cpu: 1024, memory: 2048, desired_count: 2}
traffic:
  - {service: web, pattern: constant, rps: 100}
"""


def _held_span(sim: Simulation) -> float:
    times = np.concatenate(sim.live_metrics._times)
    return float(times[-1] - times[0])


def _run(keep: bool) -> Simulation:
    sim = Simulation(parse_scenario(SCENARIO))
    sim.keep_live_metrics = keep
    sim.start()
    for day in range(1, 5):
        sim.world.run(day * 86400.0)
        sim.flush_closed()
    return sim


def test_unread_ticks_older_than_a_day_are_dropped():
    sim = _run(keep=False)
    assert _held_span(sim) <= 1.25 * UNREAD_WINDOW
    # what an alarm reads, the last hour's closed periods, is still there
    tg = sim.load_balancers.groups["web"]
    dims = {
        "LoadBalancer": dimension(sim.load_balancers.load_balancer_of(tg.arn), "LoadBalancer"),
        "TargetGroup": dimension(tg.arn, "TargetGroup"),
    }
    now = sim.world.now
    points = sim.metric_store.statistics(
        NAMESPACE, "RequestCount", dims, now - 3600, now - 300, 300, ["Sum"]
    )
    assert len(points) == 11
    assert all(p.values["Sum"] == 100 * 300 for p in points)


def test_a_caller_holding_the_simulation_keeps_every_tick():
    sim = _run(keep=True)
    assert _held_span(sim) >= 4 * 86400.0 - 2 * 300


ECS_ALARM = """\
name: t
duration: 26h
tick: 1m
capacity: {instance_type: m6i.xlarge, count: 4}
services:
  - {name: web, cpu: 1024, memory: 2048, desired_count: 4}
traffic:
  - {service: web, pattern: diurnal, min_rps: 200, peak_rps: 1200, peak_at: 14h}
alarms:
  - {name: cpu-high, namespace: AWS/ECS, metric_name: CPUUtilization, service: web,
     statistic: Average, period: 60, evaluation_periods: 3, threshold: 80,
     comparison_operator: GreaterThanThreshold}
"""


def _alarm_run(text: str) -> tuple[Simulation, list[int]]:
    sim = Simulation(parse_scenario(text))
    sim.keep_live_metrics = False
    flushes = [0]
    flush = sim.traffic.flush

    def counted():
        flushes[0] += 1
        return flush()

    sim.traffic.flush = counted  # type: ignore[method-assign]
    sim.start()
    sim.world.run(26 * 3600.0)
    sim.flush()
    return sim, flushes


def _ecs_points_equal_the_ticks(sim: Simulation) -> None:
    frame = sim.world.metrics.to_frame()
    ticks = frame[(frame.metric == "CPUUtilization") & (frame.service == "web")]
    expected = dict(zip(ticks.time.astype(float), ticks.value, strict=True))
    dims = {"ClusterName": "t", "ServiceName": "web"}
    end = 26 * 3600.0 - 60  # the last minute is put at the next read
    points = sim.metric_store.statistics("AWS/ECS", "CPUUtilization", dims, 0, end, 60, ["Average"])
    assert [p.timestamp for p in points] == [60.0 * i for i in range(int(end // 60))]
    assert all(p.values["Average"] == expected[p.timestamp] for p in points)


def test_an_alarm_reading_every_minute_sees_each_tick_once_across_a_day():
    """The AWS/ECS puts a minute reader makes, past the day of held ticks (where the
    held blocks are put and joined) and past the unread window: one datapoint a
    minute, each the recorded tick's own CPU utilization to the bit, through the peak
    hours where the service is overloaded (those ticks are recorded as they close)."""
    sim, flushes = _alarm_run(ECS_ALARM)
    _ecs_points_equal_the_ticks(sim)
    assert 1 < flushes[0] < 26 * 60  # recorded a minute at a time only while overloaded


def test_below_capacity_a_cpu_reader_leaves_the_ticks_recorded_a_block_at_a_time():
    sim, flushes = _alarm_run(ECS_ALARM.replace("peak_rps: 1200", "peak_rps: 600"))
    _ecs_points_equal_the_ticks(sim)
    assert flushes[0] <= 3  # the day's block, the rest at the end
