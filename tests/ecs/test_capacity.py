"""Auto Scaling group capacity providers: formulas, strategies, managed scaling in time."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.catalog import instance_type
from simulator.core.errors import AWSError
from simulator.core.world import World
from simulator.ec2 import Ec2ControlPlane
from simulator.ecs import capacity_strategy as cs
from simulator.ecs.asg import AutoScalingGroup
from simulator.ecs.capacity import (
    CapacityProviders,
    DatapointAlarm,
    ManagedScaling,
    capacity_provider_reservation,
    desired_instances,
    instances_needed,
    scale_in_count,
    scale_out_step,
    tasks_per_instance,
)
from simulator.ecs.control import EcsControlPlane
from simulator.ecs.task import REASON_HOST_LOST, TaskState
from simulator.ecs.task_definition import NetworkMode, TaskRequirements

XL = instance_type("m6i.xlarge")  # 4 vCPU, 16 GiB, x86_64
GRAVITON_XL = instance_type("m6g.xlarge")  # 4 vCPU, 16 GiB, arm64


def req(cpu=1024, memory=2048, ports=(), eni=0, arch=None) -> TaskRequirements:
    mode = NetworkMode.AWSVPC if eni else NetworkMode.BRIDGE
    return TaskRequirements(cpu, memory, tuple(ports), (), eni, arch, mode)


# --- formulas ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("needed", "running", "expected"),
    [(0, 0, 100.0), (3, 0, 200.0), (3, 2, 150.0), (2, 4, 50.0), (5, 5, 100.0)],
)
def test_capacity_provider_reservation(needed, running, expected):
    assert capacity_provider_reservation(needed, running) == expected


def test_desired_instances_rounds_up_to_reach_the_target():
    assert desired_instances(13, 90) == 15  # 13 / 15 = 86.7 % <= 90 %
    assert desired_instances(9, 100) == 9
    assert desired_instances(9, 90) == 10  # exactly 90 %
    assert desired_instances(0, 50) == 0


def test_scale_out_step_bounds():
    s = ManagedScaling(minimum_scaling_step_size=1, maximum_scaling_step_size=10)
    assert scale_out_step(3, 0, s) == 2  # from no instances: 2
    assert scale_out_step(13, 2, ManagedScaling(target_capacity=90)) == 13  # 15 - 2
    assert scale_out_step(13, 2, s) == 10  # capped at maximumScalingStepSize
    five = ManagedScaling(minimum_scaling_step_size=5)
    assert scale_out_step(4, 3, five) == 5  # raised to minimumScalingStepSize
    assert scale_out_step(3, 3, s) == 0  # at target
    assert scale_out_step(0, 0, s) == 0
    # the older API reference: groups of several types or AZs step by exactly the minimum
    legacy = ManagedScaling(minimum_scaling_step_size=3, legacy_exact_minimum_step=True)
    assert scale_out_step(13, 2, legacy) == 3
    assert scale_out_step(13, 0, legacy) == 2  # from none: still 2


def test_scale_in_count_is_at_most_half_the_group_a_minute():
    s = ManagedScaling(target_capacity=90)
    assert scale_in_count(2, 16, s) == 8  # wants 3, may drop 8 of 16 this minute
    assert scale_in_count(2, 4, s) == 1  # wants 3
    assert scale_in_count(0, 1, s) == 1  # at least one
    assert scale_in_count(9, 10, s) == 0  # ceil(9 / 0.9) = 10


def test_tasks_per_instance_binpacks_every_resource():
    assert tasks_per_instance(req(), XL) == 4  # CPU-bound: 4096 / 1024
    assert tasks_per_instance(req(cpu=256, memory=4096), XL) == 3  # memory: 15970 MiB registered
    assert tasks_per_instance(req(ports=(80,)), XL) == 1  # a fixed host port
    assert tasks_per_instance(req(ports=(22,)), XL) == 0  # the agent reserves 22
    assert tasks_per_instance(req(cpu=256, memory=512, eni=1), XL) == 3  # 4 ENIs - primary
    assert tasks_per_instance(req(), XL, distinct=True) == 1
    assert tasks_per_instance(req(arch="arm64"), XL) == 0
    assert tasks_per_instance(req(arch="arm64"), GRAVITON_XL) == 4


def test_instances_needed_per_group_largest_type_counts_smallest_protects():
    big = instance_type("m6i.2xlarge")
    small = instance_type("m6i.large")
    assert instances_needed({(req(), False): 10}, [XL]) == 3
    assert instances_needed({(req(), False): 10}, [small, big]) == 2  # 8 per m6i.2xlarge
    # a task the smallest type cannot hold is left out: no scale-out for it
    assert instances_needed({(req(cpu=4096, memory=4096), False): 3}, [small, big]) == 0
    groups = {(req(), False): 10, (req(cpu=2048, memory=4096), False): 6}
    assert instances_needed(groups, [XL]) == 3  # the lower bound: the largest group count
    assert instances_needed(groups, [XL], combination="sum") == 6


def test_managed_scaling_refuses_out_of_range_settings():
    with pytest.raises(AWSError, match="targetCapacity"):
        ManagedScaling(target_capacity=0)
    with pytest.raises(AWSError, match="minimumScalingStepSize"):
        ManagedScaling(minimum_scaling_step_size=5, maximum_scaling_step_size=2)
    assert ManagedScaling().target_capacity == 100
    assert ManagedScaling().instance_warmup_period == 300


def test_datapoint_alarm_needs_consecutive_breaches():
    alarm = DatapointAlarm(3, 100.0, above=True)
    assert [alarm.update(v) for v in (150, 150, 90, 150, 150, 150, 150)] == [
        False,
        False,
        False,
        False,
        False,
        True,
        True,
    ]
    assert alarm.update(None) is False  # no data breaks the run


# --- strategies ----------------------------------------------------------------------------


def strat(*items):
    return cs.strategy_from_api(items)


def test_base_first_then_weights():
    s = strat(
        {"capacityProvider": "od", "base": 2, "weight": 1},
        {"capacityProvider": "spot", "weight": 3},
    )
    assert cs.split(s, 14) == {"od": 5, "spot": 9}  # 2 base + 12 split 1:3
    assert cs.split(s, 1) == {"od": 1, "spot": 0}
    # a service growing one task at a time lands on the same split
    counts: dict[str, int] = {}
    for _ in range(14):
        p = cs.next_provider(s, counts)
        counts[p] = counts.get(p, 0) + 1
    assert counts == {"od": 5, "spot": 9}
    assert cs.split(s, 4, {"od": 2, "spot": 0}) == {"od": 1, "spot": 3}


def test_weight_zero_places_nothing_beyond_its_base():
    s = strat(
        {"capacityProvider": "a", "base": 1, "weight": 0},
        {"capacityProvider": "b", "weight": 1},
    )
    assert cs.split(s, 5) == {"a": 1, "b": 4}
    assert cs.split(strat({"capacityProvider": "only"}), 3) == {"only": 3}  # default weight


def test_scale_in_keeps_the_split_and_the_base():
    s = strat(
        {"capacityProvider": "od", "base": 2, "weight": 1},
        {"capacityProvider": "spot", "weight": 3},
    )
    order = cs.scale_in_order(s, {"od": 5, "spot": 9}, 8)
    left = {"od": 5 - order.count("od"), "spot": 9 - order.count("spot")}
    assert left == cs.split(s, 6)
    assert cs.scale_in_order(s, {"od": 2, "spot": 0}, 2) == ["od", "od"]


def test_strategy_refusals():
    with pytest.raises(AWSError, match="mix"):
        cs.validate_strategy(
            strat({"capacityProvider": "FARGATE", "weight": 1}, {"capacityProvider": "asg"})
        )
    with pytest.raises(AWSError, match="not associated"):
        cs.validate_strategy(strat({"capacityProvider": "asg", "weight": 1}), {"other"})
    with pytest.raises(AWSError, match="Only one"):
        cs.validate_strategy(
            strat(
                {"capacityProvider": "a", "base": 1, "weight": 1},
                {"capacityProvider": "b", "base": 1, "weight": 1},
            )
        )
    with pytest.raises(AWSError, match="weight greater than zero"):
        cs.validate_strategy(strat({"capacityProvider": "a"}, {"capacityProvider": "b"}))
    with pytest.raises(AWSError, match="only once"):
        cs.validate_strategy(strat({"capacityProvider": "a"}, {"capacityProvider": "a"}))


# --- in simulated time ---------------------------------------------------------------------


def taskdef(family="web", cpu=1024, memory=2048):
    return {
        "family": family,
        "containerDefinitions": [
            {"name": family, "image": "x", "cpu": cpu, "memory": memory, "essential": True}
        ],
    }


def cluster(
    types=("m6i.xlarge",),
    min_size=0,
    max_size=10,
    desired=0,
    seed=1,
    protection="ENABLED",
    **scaling,
):
    world = World(seed)
    ec2 = Ec2ControlPlane(world)
    ecs = EcsControlPlane(world, ec2)
    ecs.create_cluster("prod")
    registry = CapacityProviders(ecs)
    asg = AutoScalingGroup(
        world,
        ec2,
        "asg",
        list(types),
        min_size=min_size,
        max_size=max_size,
        desired_capacity=desired,
    )
    provider = registry.create_capacity_provider(
        "cp",
        asg,
        managed_scaling=ManagedScaling(**scaling),
        managed_termination_protection=protection,
    )
    registry.put_cluster_capacity_providers("prod", ["cp"])
    asg.start()
    return world, ecs, provider


CP = [{"capacityProvider": "cp", "weight": 1}]


def test_unplaceable_tasks_wait_provisioning_not_fail():
    world, ecs, p = cluster()
    ecs.register_task_definition(taskdef())
    tasks, failures = ecs.run_task("prod", "web", 3, capacity_provider_strategy=CP)
    assert failures == []
    assert all(t.last_status is TaskState.PROVISIONING for t in tasks)
    assert all(t.container_instance is None for t in tasks)
    assert len(p.waiting) == 3
    # without a strategy the same RunTask fails, as before
    tasks, failures = ecs.run_task("prod", "web", 1)
    assert (
        tasks == [] and failures[0].reason == "No Container Instances were found in your cluster."
    )


def test_scale_out_from_zero_then_after_warmup_and_place_on_registration():
    world, ecs, p = cluster(maximum_scaling_step_size=10)
    ecs.register_task_definition(taskdef())
    ecs.create_service("prod", "web", "web", 10, capacity_provider_strategy=CP)
    world.run(61)
    first = p.history[-1]
    assert (first.needed, first.running, first.reservation) == (3, 0, 200.0)
    assert first.action == "scale-out" and len(p.asg.instances) == 2  # from 0: 2
    world.run(301)
    # 8 tasks run on the 2 new instances; the other 2 wait; no scale-out during warmup
    assert ecs.service("prod", "web").running_count == 8
    assert [h.action for h in p.history[1:]] == [""] * 4
    assert p.history[-1].reservation == 150.0
    world.run(61 + 300 + 60)
    assert len(p.asg.instances) == 3
    assert ecs.service("prod", "web").running_count == 10
    # every task that waited was placed the instant capacity registered
    registered = set(p.capacity_events)
    assert p.waits and all(placed in registered for _, placed in p.waits)


def test_max_step_and_max_size_bound_scale_out():
    world, ecs, p = cluster(max_size=4, maximum_scaling_step_size=1, instance_warmup_period=0)
    ecs.register_task_definition(taskdef())
    ecs.create_service("prod", "web", "web", 40, capacity_provider_strategy=CP)
    world.run(10 * 60 + 1)
    steps = [h.change for h in p.history if h.action == "scale-out"]
    assert steps[0] == 2 and set(steps[1:]) == {1}
    assert max(h.running for h in p.history) == 4 == len(p.asg.instances)
    assert ecs.service("prod", "web").running_count == 16  # 4 per m6i.xlarge
    assert len(p.waiting) == 24  # still PROVISIONING: never failed


def test_scale_in_after_15_datapoints_and_only_empty_instances():
    world, ecs, p = cluster(desired=4, instance_warmup_period=0)
    ecs.register_task_definition(taskdef())
    ecs.create_service(
        "prod",
        "web",
        "web",
        2,
        capacity_provider_strategy=CP,
        strategies=[{"type": "binpack", "field": "cpu"}],
    )
    world.run(60 * 14 + 1)
    assert len(p.asg.instances) == 4  # 14 datapoints below 100 %: nothing yet
    busy = p.busy_instances()
    assert len(busy) == 1  # binpack: both tasks on one instance
    world.run(60 * 15 + 1)
    assert p.history[-1].action == "scale-in"
    assert p.history[-1].change == -2  # 4 -> at most 50 % a minute
    world.run(60 * 17 + 1)
    assert set(p.asg.instances) == busy  # the busy instance was never a candidate
    assert ecs.service("prod", "web").running_count == 2


def test_no_scale_in_within_15_minutes_of_a_scale_out():
    # one low datapoint would do (a parameter): the 15 minutes after a scale-out still hold
    world, ecs, p = cluster(instance_warmup_period=0, scale_in_datapoints=1)
    ecs.register_task_definition(taskdef())
    svc = ecs.create_service("prod", "web", "web", 8, capacity_provider_strategy=CP)
    world.run(3 * 60 + 1)
    out_at = max(h.time for h in p.history if h.action == "scale-out")
    ecs.update_service("prod", "web", desired_count=0)
    world.run(out_at + 15 * 60 + 120)
    ins = [h.time for h in p.history if h.action == "scale-in"]
    assert ins and min(ins) == out_at + 15 * 60
    assert svc.running_count == 0 and len(p.asg.instances) == 0


def test_mixed_x86_and_graviton_group_places_by_architecture():
    world, ecs, p = cluster(types=("m6g.xlarge", "m6i.xlarge"), desired=1)
    doc = taskdef("arm")
    doc["runtimePlatform"] = {"cpuArchitecture": "ARM64"}
    ecs.register_task_definition(doc)
    world.run(120)
    ecs.create_service("prod", "arm", "arm", 2, capacity_provider_strategy=CP)
    world.run(240)
    ci = next(iter(ecs.cluster("prod").container_instances.values()))
    assert ci.arch == "arm64"  # prioritized: the first type launches
    assert ecs.service("prod", "arm").running_count == 2


def test_strategy_splits_a_service_over_two_groups():
    world = World(3)
    ec2 = Ec2ControlPlane(world)
    ecs = EcsControlPlane(world, ec2)
    ecs.create_cluster("prod")
    registry = CapacityProviders(ecs)
    for name, itype in (("x86", "m6i.xlarge"), ("arm", "m6g.xlarge")):
        asg = AutoScalingGroup(world, ec2, name, [itype], min_size=0, max_size=10)
        registry.create_capacity_provider(name, asg, managed_scaling=ManagedScaling())
    registry.put_cluster_capacity_providers("prod", ["x86", "arm"])
    ecs.register_task_definition(taskdef())
    strategy = [
        {"capacityProvider": "x86", "base": 2, "weight": 1},
        {"capacityProvider": "arm", "weight": 1},
    ]
    svc = ecs.create_service("prod", "web", "web", 8, capacity_provider_strategy=strategy)
    world.run(20 * 60)
    assert registry.live_counts(ecs.cluster("prod"), svc) == {"x86": 5, "arm": 3}
    assert svc.running_count == 8
    with pytest.raises(AWSError, match="not associated"):
        ecs.run_task("prod", "web", capacity_provider_strategy=[{"capacityProvider": "nope"}])


def test_an_instance_lost_outside_scale_in_is_replaced():
    world, ecs, p = cluster(desired=2)
    world.run(60)
    lost = p.asg.instances[0]
    p.asg.ec2.terminate_instances([lost])
    world.run(120)
    assert lost not in p.asg.instances and len(p.asg.instances) == 2


# --- invariants ----------------------------------------------------------------------------


@settings(max_examples=15)
@given(
    steps=st.lists(
        st.tuples(st.integers(0, 12), st.integers(5, 40)), min_size=1, max_size=6
    ),  # (desired count, minutes)
    cpu=st.sampled_from([512, 1024, 2048]),
    target=st.sampled_from([70, 90, 100]),
    max_size=st.integers(1, 6),
    seed=st.integers(0, 1000),
    daemon=st.booleans(),
)
def test_managed_termination_protection_and_max_size_hold(
    steps, cpu, target, max_size, seed, daemon
):
    """No instance with non-daemon tasks is ever terminated by scale-in, and the group
    never has more than max_size instances in service."""
    world, ecs, p = cluster(
        max_size=max_size, seed=seed, target_capacity=target, instance_warmup_period=60
    )
    ecs.register_task_definition(taskdef("web", cpu, cpu * 2))
    if daemon:
        ecs.register_task_definition(taskdef("agent", 128, 128))
        ecs.create_service("prod", "agent", "agent", scheduling_strategy="DAEMON")
    ecs.create_service(
        "prod",
        "web",
        "web",
        steps[0][0],
        capacity_provider_strategy=CP,
        strategies=[{"type": "spread", "field": "instanceId"}],
    )
    sizes: list[int] = []

    def watch(changes):
        sizes.append(len(p.asg.instances))

    p.asg.ec2.listeners.append(watch)
    t = 0.0
    for desired, minutes in steps:
        ecs.update_service("prod", "web", desired_count=desired)
        t += minutes * 60
        world.run(t)
    ecs.update_service("prod", "web", desired_count=0)
    world.run(t + 45 * 60)
    tasks = ecs.cluster("prod").tasks.values()
    host_lost = REASON_HOST_LOST.split("{")[0]
    lost = [x for x in tasks if (x.stopped_reason or "").startswith(host_lost)]
    lost = [x for x in lost if x.group == "service:web"]
    assert lost == []
    assert max(sizes, default=0) <= max_size
    assert all(h.running <= max_size for h in p.history)
    assert len(p.asg.instances) == 0  # emptied out once the service went to 0
    assert math.isfinite(p.history[-1].reservation)
