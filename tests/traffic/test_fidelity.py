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


def _request_ticks(flush_every: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Two tasks serve 240 requests/s for 40 minutes, then stop (the ELB answers 503),
    closing each 1-minute tick as a scenario does and flushing every ``flush_every``."""
    world = World(seed=3)
    services = [ServiceTraffic("web", cpu=1024, timeout=30.0, arrivals=Constant(240.0))]
    model = RequestTraffic(world, services, 60.0, routing="round_robin")
    for k in range(2):
        model.task_running("web", f"t{k}", rps_per_vcpu=150.0)
    blocks: list[tuple[np.ndarray, dict[str, np.ndarray]]] = []

    def ticks() -> Generator:
        for k in range(60):
            if k:
                model.close(world.now)
                if k % flush_every == 0:
                    blocks.append(model.flush())
            if k == 40:
                for t in range(2):
                    model.task_stopping("web", f"t{t}")
            model.open(world.now)
            yield world.env.timeout(60.0)
        model.close(world.now)
        blocks.append(model.flush())

    world.process(ticks())
    world.run(3700.0)
    times = np.concatenate([t for t, _ in blocks])
    return times, {name: np.concatenate([m[name] for _, m in blocks]) for name in blocks[0][1]}


def test_a_request_flush_of_many_ticks_equals_the_ticks_flushed_one_by_one():
    """A flush slices each tick's requests out of the window (arrival order); it must
    give exactly what flushing every tick on its own gives."""
    times_1, one_by_one = _request_ticks(1)
    times_all, at_once = _request_ticks(1000)
    assert np.array_equal(times_1, times_all)
    assert len(times_1) == 60
    assert at_once["HTTPCode_ELB_503_Count"][45:].sum() > 0  # no target after minute 40
    assert at_once["HTTPCode_Target_2XX_Count"][:40].sum() > 0
    for name, values in one_by_one.items():
        np.testing.assert_array_equal(at_once[name], values, err_msg=name)
