"""Fargate and Fargate Spot capacity providers: sizes, provisioning, Spot, strategy, cost."""

import pytest

from simulator.core.errors import AWSError
from simulator.core.world import World
from simulator.ec2 import Ec2ControlPlane
from simulator.ecs.capacity import CapacityProviders
from simulator.ecs.control import EcsControlPlane
from simulator.ecs.fargate import FargatePrices, billed_seconds, fargate_cost
from simulator.ecs.task import REASON_SPOT, StopCode, Task, TaskState, TaskTransition

F = [{"capacityProvider": "FARGATE", "weight": 1}]
SPOT = [{"capacityProvider": "FARGATE_SPOT", "weight": 1}]


def fargate_td(family="job", cpu="512", memory="1024", arch=None):
    doc = {
        "family": family,
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": cpu,
        "memory": memory,
        "containerDefinitions": [{"name": family, "image": "x", "essential": True}],
    }
    if arch:
        doc["runtimePlatform"] = {"cpuArchitecture": arch, "operatingSystemFamily": "LINUX"}
    return doc


def setup(rate=0.0, seed=2, **kw):
    world = World(seed)
    ec2 = Ec2ControlPlane(world)
    ecs = EcsControlPlane(world, ec2)
    ecs.create_cluster("prod")
    registry = CapacityProviders(ecs, fargate_spot_interruption_rate_per_hour=rate, **kw)
    registry.put_cluster_capacity_providers("prod", ["FARGATE", "FARGATE_SPOT"])
    return world, ecs, registry


# --- prices and billing --------------------------------------------------------------------------


def test_prices_per_architecture_and_spot():
    p = FargatePrices.default()
    assert p.per_hour(1024, 2048, "x86_64", False) == pytest.approx(0.04048 + 2 * 0.004445)
    assert p.per_hour(1024, 2048, "arm64", False) == pytest.approx(0.03238 + 2 * 0.00356)
    assert p.per_hour(1024, 2048, "x86_64", True) == pytest.approx(0.3 * (0.04048 + 2 * 0.004445))
    assert FargatePrices.default(spot_discount=0.5).per_hour(1024, 0, None, True) == 0.02024


def task_with(*states):
    t = Task("arn:aws:ecs:us-east-1:1:task/c/abc", "td", at=0.0, group="g", container_instance=None)
    for at, state in states:
        t.last_status = state
        t.history.append(TaskTransition(at, state))
    return t


def test_billing_runs_from_image_pull_to_stop_per_second_with_a_minute_minimum():
    short = task_with((10.0, TaskState.PENDING), (40.0, TaskState.STOPPED))
    assert billed_seconds(short, 1000) == (30.0, 60.0)  # one-minute minimum
    long = task_with((10.0, TaskState.PENDING), (100.2, TaskState.STOPPED))
    assert billed_seconds(long, 1000) == pytest.approx((90.2, 91.0))  # rounded up
    running = task_with((10.0, TaskState.PENDING), (20.0, TaskState.RUNNING))
    assert billed_seconds(running, 3610) == (3600.0, 3600.0)  # still running: until now
    never = task_with((5.0, TaskState.DEPROVISIONING), (8.0, TaskState.STOPPED))
    assert billed_seconds(never, 1000) == (0.0, 0.0)  # stopped while provisioning


# --- tasks ---------------------------------------------------------------------------------------


def test_fargate_tasks_provision_without_a_container_instance():
    world, ecs, registry = setup()
    ecs.register_task_definition(fargate_td())
    tasks, failures = ecs.run_task("prod", "job", 3, capacity_provider_strategy=F)
    assert failures == [] and all(t.container_instance is None for t in tasks)
    world.run(19)
    assert all(t.last_status is TaskState.PROVISIONING for t in tasks)  # 20-60 s
    world.run(200)
    assert all(t.last_status is TaskState.RUNNING for t in tasks)
    pending = [t.time_entered(TaskState.PENDING) for t in tasks]
    assert all(20 <= p <= 60 for p in pending)
    assert ecs.cluster("prod").container_instances == {}


def test_non_fargate_definitions_are_refused():
    world, ecs, registry = setup()
    ecs.register_task_definition(
        {
            "family": "ec2only",
            "containerDefinitions": [{"name": "a", "image": "x", "cpu": 256, "memory": 512}],
        }
    )
    with pytest.raises(AWSError, match="does not support launch_type FARGATE"):
        ecs.run_task("prod", "ec2only", capacity_provider_strategy=F)
    with pytest.raises(AWSError, match="No Fargate configuration"):
        ecs.register_task_definition(fargate_td(cpu="256", memory="4096"))


def test_spot_arm64_follows_the_current_api_unless_told_otherwise():
    world, ecs, registry = setup()
    ecs.register_task_definition(fargate_td("arm", arch="ARM64"))
    (task,), _ = ecs.run_task("prod", "arm", capacity_provider_strategy=SPOT)
    assert task.last_status is TaskState.PROVISIONING
    world, ecs, registry = setup(spot_arm64=False)  # the 2023 developer guide's rule
    ecs.register_task_definition(fargate_td("arm", arch="ARM64"))
    with pytest.raises(AWSError, match="X86_64"):
        ecs.run_task("prod", "arm", capacity_provider_strategy=SPOT)


def test_a_strategy_cannot_mix_fargate_and_auto_scaling_groups():
    world, ecs, registry = setup()
    ecs.register_task_definition(fargate_td())
    mixed = [{"capacityProvider": "FARGATE", "weight": 1}, {"capacityProvider": "asg"}]
    with pytest.raises(AWSError, match="mix"):
        ecs.create_service("prod", "svc", "job", 1, capacity_provider_strategy=mixed)


def test_spot_interruption_two_minute_notice_and_the_service_replaces_the_task():
    world, ecs, registry = setup(rate=6.0)  # ten-minute mean time to interruption
    ecs.register_task_definition(fargate_td())
    svc = ecs.create_service("prod", "svc", "job", 3, capacity_provider_strategy=SPOT)
    world.run(3 * 3600)
    spot = registry.providers["FARGATE_SPOT"]
    assert spot.interruptions >= 5
    stopped = [t for t in ecs.cluster("prod").tasks.values() if t.stop_code is not None]
    assert stopped and all(t.stop_code is StopCode.SPOT_INTERRUPTION for t in stopped)
    assert all(t.stopped_reason == REASON_SPOT for t in stopped)
    for t in stopped:  # SIGTERM at the notice; gone within the two minutes
        notice = t.time_entered(TaskState.DEACTIVATING)
        assert t.time_entered(TaskState.STOPPED) - notice <= 120
    assert svc.running_count + svc.pending_count == 3  # replaced


def test_base_and_weight_split_and_scale_in_keeps_it():
    world, ecs, registry = setup()
    ecs.register_task_definition(fargate_td())
    strategy = [
        {"capacityProvider": "FARGATE", "base": 2, "weight": 1},
        {"capacityProvider": "FARGATE_SPOT", "weight": 3},
    ]
    svc = ecs.create_service("prod", "svc", "job", 10, capacity_provider_strategy=strategy)
    world.run(300)
    cluster = ecs.cluster("prod")
    assert registry.live_counts(cluster, svc) == {"FARGATE": 4, "FARGATE_SPOT": 6}
    ecs.update_service("prod", "svc", desired_count=6)
    world.run(600)
    assert registry.live_counts(cluster, svc) == {"FARGATE": 3, "FARGATE_SPOT": 3}
    assert svc.running_count == 6


def test_fargate_cost_from_task_histories():
    world, ecs, registry = setup()
    ecs.register_task_definition(fargate_td(cpu="1024", memory="2048"))
    ecs.register_task_definition(fargate_td("arm", cpu="1024", memory="2048", arch="ARM64"))
    (x86,), _ = ecs.run_task("prod", "job", capacity_provider_strategy=F)
    (arm,), _ = ecs.run_task("prod", "arm", capacity_provider_strategy=SPOT)
    world.run(3600)
    ecs.stop_task("prod", x86.task_arn)
    world.run(7200)
    prices = FargatePrices.default()
    expected = 0.0
    for task, spot, arch in ((x86, False, "x86_64"), (arm, True, "arm64")):
        _, billed = billed_seconds(task, 7200)
        expected += billed / 3600 * prices.per_hour(1024, 2048, arch, spot)
    assert fargate_cost(ecs, 7200) == pytest.approx(expected)
    bills = {b.capacity_provider: b for b in registry.fargate_bills(7200)}
    assert bills["FARGATE"].seconds == pytest.approx(
        x86.time_entered(TaskState.STOPPED) - x86.time_entered(TaskState.PENDING)
    )
    assert bills["FARGATE_SPOT"].arch == "arm64"
