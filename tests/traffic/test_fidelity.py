"""The fidelity adapters a scenario uses agree with each other (README tolerance)."""

from collections.abc import Generator

import numpy as np
import pytest

from simulator.core.world import World
from simulator.traffic.arrivals import Constant
from simulator.traffic.fidelity import FlowTraffic, RequestTraffic, ServiceTraffic


def simulate(kind: str, seed: int = 1, tasks: int = 3, hours: float = 2.0):
    world = World(seed=seed)
    services = [ServiceTraffic("web", cpu=1024, timeout=30.0, arrivals=Constant(240.0))]
    tick = 60.0
    model = (
        FlowTraffic(services, tick, routing="round_robin")
        if kind == "flow"
        else RequestTraffic(world, services, tick, routing="round_robin")
    )
    for k in range(tasks):
        model.task_running("web", f"t{k}", rps_per_vcpu=100.0)

    def ticks() -> Generator:
        while True:
            model.sample(world.now)
            yield world.env.timeout(tick)

    world.process(ticks())
    world.run(hours * 3600)
    return model.flush()


def test_flow_and_request_agree_within_the_stated_tolerance():
    _, f = simulate("flow")
    _, r = simulate("request")
    # utilization 240 / 300 = 80 %
    assert f["CPUUtilization"].mean() == pytest.approx(80.0)
    assert r["CPUUtilization"].mean() == pytest.approx(f["CPUUtilization"].mean(), rel=0.05)
    for q, tol in (("p50", 0.05), ("p99", 0.15)):
        flow_q = np.nanmean(f[f"TargetResponseTime.{q}"])
        req_q = np.nanmedian(r[f"TargetResponseTime.{q}"])
        assert req_q == pytest.approx(flow_q, rel=tol), q


def test_request_counts_are_conserved():
    _, r = simulate("request", hours=1.0)
    assert np.array_equal(
        r["RequestCount"],
        r["HTTPCode_Target_2XX_Count"] + r["HTTPCode_Target_5XX_Count"],
    )
    assert r["RequestCount"].sum() == pytest.approx(240 * 3600, rel=0.02)


def test_stopping_tasks_overloads_the_rest():
    world = World(seed=2)
    services = [ServiceTraffic("web", cpu=1024, timeout=5.0, arrivals=Constant(150.0))]
    model = FlowTraffic(services, 60.0)
    model.task_running("web", "a", 100.0)
    model.task_running("web", "b", 100.0)
    model.sample(0.0)
    model.task_stopping("web", "b")
    model.sample(60.0)
    _, m = model.flush()
    assert m["HTTPCode_Target_5XX_Count"][0, 0] == 0
    # one task of 100 rps: it queues what it can finish within the 5 s timeout (500
    # requests) and fails the rest of the minute's excess
    assert m["BacklogRequests"][1, 0] == pytest.approx(100 * 5)
    assert m["HTTPCode_Target_5XX_Count"][1, 0] == pytest.approx(50 * 60 - 100 * 5)
    arrived = m["RequestCount"].sum()
    done = m["HTTPCode_Target_2XX_Count"].sum() + m["HTTPCode_Target_5XX_Count"].sum()
    assert arrived == pytest.approx(done + m["BacklogRequests"][-1, 0])
    assert model.running() == [1]
    del world
