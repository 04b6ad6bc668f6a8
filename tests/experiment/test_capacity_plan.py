"""The bundled scenario scenarios/capacity-plan.yaml, asserted."""

import math
from pathlib import Path

import numpy as np
import pytest

from simulator.ecs.fargate import FargatePrices
from simulator.ecs.task import REASON_HOST_LOST, StopCode
from simulator.experiment.result import RunResult
from simulator.experiment.run import run, summarize
from simulator.scenario.build import Simulation
from simulator.scenario.loader import load_scenario

SCENARIO = Path(__file__).parents[2] / "scenarios" / "capacity-plan.yaml"
H = 3600.0


@pytest.fixture(scope="module")
def sim_and_result():
    s = load_scenario(SCENARIO)
    sim = Simulation(s)
    sim.start()
    sim.world.run(s.duration)
    sim.flush()
    result = RunResult(
        s.name, sim.seed, s.duration, sim.world.metrics.to_frame(), sim.world.trace.to_frame()
    )
    result.summary = summarize(sim, result)
    return sim, result


@pytest.fixture(scope="module")
def asg(sim_and_result):
    return sim_and_result[0].capacity.providers["graviton-asg"]


def test_web_desired_count_follows_the_daily_cycle(sim_and_result):
    _, r = sim_and_result
    desired = r.series("DesiredTaskCount", service="web")
    for day in range(3):
        assert desired.loc[(day * 24 + 2) * H] == 4  # the night: auto scaling's minimum
        # the 3000 rps peak at 60 % CPU: 3000 / (231 rps per m6g vCPU x 0.6) = 22 tasks
        assert 18 <= desired.loc[(day * 24 + 14) * H] <= 24
    util = r.series("CPUUtilization", service="web")
    assert util.quantile(0.9) <= 62  # target tracking holds the 60 % target
    web = r.summary["services"]["web"]
    assert web["failed_requests"] == 0
    assert web["pending_tasks_max"] == 0  # the 10 % headroom takes every web scale-out
    a = r.summary["auto_scaling"]["web"]
    assert a["desired_min"] == 4 and a["scale_outs"] > 10 and a["scale_ins"] > 10


def test_instances_scale_out_for_the_peak_and_the_batch_and_back_in(sim_and_result):
    _, r = sim_and_result
    inst = r.series("InstanceCount")
    assert inst.loc[2 * H] == 2  # min_size at night
    assert inst.loc[14 * H] >= 6  # the web peak
    assert inst.loc[26 * H : 30 * H].max() >= 14  # 24 batch jobs of 2 vCPU: 2 per instance
    assert inst.loc[50 * H : 53 * H].max() >= 10  # 16 jobs
    for end in (30, 53):  # scale-in within the hour after each batch
        assert inst.loc[(end + 1) * H] <= 5
    assert inst.iloc[-1] <= 3
    cp = r.summary["capacity_providers"]["graviton-asg"]
    assert cp["instances_max"] == inst.max() and cp["instances_max"] <= 40


def test_waiting_tasks_start_the_instant_capacity_registers(asg):
    waited = [(since, placed) for since, placed in asg.waits if placed > since]
    assert waited  # the batch jobs waited in PROVISIONING for new instances
    capacity = set(asg.capacity_events)
    assert all(placed in capacity for _, placed in waited)  # no wait once capacity is there
    # at worst: a minute to the next datapoint, maximumScalingStepSize 10 then the
    # 300 s instanceWarmupPeriod before the next step, and boot + agent registration
    assert max(placed - since for since, placed in waited) <= 60 + 300 + 120


def test_group_converges_to_the_target_tracking_size(asg):
    last, checked = -math.inf, 0
    for x in asg.history:
        if x.action:
            last = x.time
        if x.waiting == 0 and x.time - last >= 15 * 60:
            checked += 1
            assert x.running == max(2, math.ceil(x.needed * 100 / 90 - 1e-9))
    assert checked > 3000  # most of the three days
    settled = np.array([x.reservation for x in asg.history if x.waiting == 0])
    assert 75 <= np.median(settled) <= 90  # CapacityProviderReservation near targetCapacity 90


def test_managed_termination_protection_lost_no_task(sim_and_result):
    sim, _ = sim_and_result
    lost = REASON_HOST_LOST.split("{")[0]
    assert not [t for t in sim.cluster.tasks.values() if (t.stopped_reason or "").startswith(lost)]


def test_fargate_base_spot_interruptions_and_cost(sim_and_result):
    sim, r = sim_and_result
    cp = r.summary["capacity_providers"]
    assert cp["FARGATE"]["tasks"] == 1  # the base; the rest on FARGATE_SPOT by weight
    assert cp["FARGATE_SPOT"]["spot_interruptions"] >= 1
    stopped = [
        t for t in sim.cluster.tasks.values() if t.group == "service:reports" and t.stop_code
    ]
    assert all(t.stop_code is StopCode.SPOT_INTERRUPTION for t in stopped)
    running = r.series("RunningTaskCount", service="reports")
    assert running.min() >= 3 and (running < 4).sum() <= 3 * len(stopped)  # replaced quickly
    price = FargatePrices.default().per_hour(512, 1024, "x86_64", spot=False)
    assert cp["FARGATE"]["cost_usd"] == pytest.approx(72 * price)
    s = r.summary
    assert s["fargate_cost_usd"] == pytest.approx(
        cp["FARGATE"]["cost_usd"] + cp["FARGATE_SPOT"]["cost_usd"]
    )
    assert s["cost_usd"] == pytest.approx(s["instance_cost_usd"] + s["fargate_cost_usd"])


def test_same_seed_same_outcome_through_run(sim_and_result):
    _, r = sim_and_result
    again = run(SCENARIO)
    assert again.summary == r.summary
