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
