"""ECS services behind target groups: registration while ACTIVATING, health checks,
DEACTIVATING for the deregistration delay, unhealthy tasks replaced, rolling
deployments that wait for healthy targets."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.core.errors import AWSError
from simulator.core.world import World
from simulator.ec2 import Ec2ControlPlane
from simulator.ecs.control import EcsControlPlane
from simulator.ecs.load_balancers import (
    _TASK_SUBNET,
    ServiceLoadBalancer,
    TargetRegistration,
    _task_address,
)
from simulator.ecs.task import StopCode, TaskState
from simulator.traffic.elb import HealthCheck, TargetGroup, TargetHealthState

ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef"


def taskdef(image="web:1"):
    return {
        "family": "web",
        "containerDefinitions": [
            {"name": "web", "image": image, "cpu": 1024, "memory": 2048, "essential": True}
        ],
    }


def setup(delay=300.0, grace=0.0, desired=2):
    world = World(seed=3)
    ec2 = Ec2ControlPlane(world)
    ecs = EcsControlPlane(world, ec2)
    ecs.create_cluster("prod")
    for i in ec2.run_instances("m6i.xlarge", 2):
        ecs.join(i, "prod")
    world.run(120)
    tg = TargetGroup(
        "web", ARN, check=HealthCheck(), deregistration_delay_s=delay, target_type="ip"
    )
    groups = {ARN: tg}

    def lookup(arn):
        if arn not in groups:
            raise AWSError("TargetGroupNotFound", arn)
        return groups[arn]

    targets = TargetRegistration(ecs, lookup)
    changes = []
    targets.listeners.append(lambda g: changes.append((world.now, g.healthy_count())))
    td = ecs.register_task_definition(taskdef())
    svc = ecs.create_service(
        "prod",
        "web",
        td.arn,
        desired,
        load_balancers=[ServiceLoadBalancer(ARN, "web", 80)],
        health_check_grace_period=grace,
    )
    return world, ecs, targets, tg, svc, changes


def running(ecs, svc):
    c = ecs.cluster("prod")
    return [c.tasks[t] for t in sorted(svc.tasks) if c.tasks[t].last_status is TaskState.RUNNING]


def test_tasks_register_and_become_healthy_after_the_threshold_checks():
    world, ecs, targets, tg, svc, _ = setup()
    world.run(world.now + 60)
    tasks = running(ecs, svc)
    assert len(tasks) == 2
    assert len(tg.targets) == 2
    assert {t.state for t in tg.targets.values()} == {TargetHealthState.INITIAL}
    started = min(t.registered_at for t in tg.targets.values())
    # the first check 10 s after registration, healthy on the 5th, 30 s apart
    world.run(started + 10 + 4 * 30 - 1)
    assert tg.healthy_count() < 2
    world.run(started + 10 + 4 * 30 + 60)
    assert tg.healthy_count() == 2
    for task in tasks:
        ((arn, target_id),) = targets.targets_of(task.task_id)
        assert arn == ARN and targets.task_of(ARN, target_id) == task.task_id


def test_a_stopped_task_stays_deactivating_for_the_deregistration_delay():
    world, ecs, targets, tg, svc, _ = setup(delay=120.0)
    world.run(world.now + 300)
    task = running(ecs, svc)[0]
    ((_, target_id),) = targets.targets_of(task.task_id)
    t0 = world.now
    ecs.stop_task("prod", task.task_arn)
    assert task.last_status is TaskState.DEACTIVATING
    assert tg.targets[target_id].state is TargetHealthState.DRAINING
    assert target_id not in tg.routable()
    world.run(t0 + 119)
    assert task.last_status is TaskState.DEACTIVATING
    world.run(t0 + 121)
    assert task.last_status is not TaskState.DEACTIVATING
    assert target_id not in tg.targets
    assert targets.targets_of(task.task_id) == []


def test_without_a_delay_the_task_moves_on_at_once():
    world, ecs, targets, tg, svc, _ = setup(delay=0.0)
    world.run(world.now + 300)
    task = running(ecs, svc)[0]
    ecs.stop_task("prod", task.task_arn)
    assert task.last_status is TaskState.STOPPING


def test_failing_health_checks_get_the_task_replaced_after_the_grace_period():
    world, ecs, targets, tg, svc, _ = setup(grace=600.0)
    world.run(world.now + 300)
    bad = running(ecs, svc)[0]
    started = bad.time_entered(TaskState.RUNNING)
    targets.set_health(bad.task_id, passing=False)
    world.run(world.now + 2 * 30 + 1)
    ((_, target_id),) = targets.targets_of(bad.task_id)
    assert tg.targets[target_id].state is TargetHealthState.UNHEALTHY
    assert bad.desired_status == "RUNNING"  # within the grace period
    world.run(started + 600 + 1)
    assert bad.desired_status == "STOPPED"
    assert bad.stop_code is StopCode.SERVICE_SCHEDULER_INITIATED
    assert bad.stopped_reason == f"Task failed ELB health checks in (target-group {ARN})"
    world.run(world.now + 900)
    assert len(running(ecs, svc)) == 2  # replaced


def test_a_rolling_deployment_stops_old_tasks_only_once_new_ones_are_healthy():
    world, ecs, targets, tg, svc, _ = setup(delay=60.0, desired=2)
    world.run(world.now + 600)
    old = {t.task_id for t in running(ecs, svc)}
    td2 = ecs.register_task_definition(taskdef(image="web:2"))
    ecs.update_service("prod", "web", task_definition=td2.arn)
    t0 = world.now
    world.run(t0 + 100)  # new tasks run but are not yet healthy (5 x 30 s)
    c = ecs.cluster("prod")
    assert all(c.tasks[t].desired_status == "RUNNING" for t in old)
    world.run(t0 + 1200)
    assert all(c.tasks[t].last_status is TaskState.STOPPED for t in old)
    stops = [c.tasks[t].time_entered(TaskState.DEACTIVATING) for t in old]
    new = [t for t in running(ecs, svc) if t.task_id not in old]
    healthy_at = min(t.time_entered(TaskState.RUNNING) for t in new) + 130
    assert min(stops) >= healthy_at - 30
    assert svc.primary.rollout_state == "COMPLETED"


def test_more_than_five_target_groups_are_refused():
    world, ecs, targets, tg, svc, _ = setup()
    td = ecs.task_definitions.describe("web")
    with pytest.raises(AWSError, match="at most 5"):
        ecs.create_service(
            "prod", "web6", td.arn, 1, load_balancers=[ServiceLoadBalancer(ARN, "web", 80)] * 6
        )
    with pytest.raises(AWSError) as e:
        ecs.create_service(
            "prod", "web7", td.arn, 1, load_balancers=[ServiceLoadBalancer("nope", "web", 80)]
        )
    assert e.value.code == "TargetGroupNotFound"


def brute_healthy(ecs, targets, svc):
    c = ecs.cluster("prod")
    return sum(
        1 for t in svc.tasks if c.tasks[t].last_status is TaskState.RUNNING and targets._healthy(t)
    )


def test_the_kept_healthy_count_equals_a_recount_through_deployments_and_outside_changes():
    world, ecs, targets, tg, svc, _ = setup(delay=60.0, desired=3)
    c = ecs.cluster("prod")
    seen = []
    for step in range(60):
        world.run(world.now + 20)
        if step == 5:
            td2 = ecs.register_task_definition(taskdef(image="web:2"))
            ecs.update_service("prod", "web", task_definition=td2.arn)
        if step == 20:  # a check failure the binding follows
            targets.set_health(running(ecs, svc)[0].task_id, passing=False)
        if step == 30:  # a change the binding did not make: DeregisterTargets by API
            tid = next(iter(tg.targets))
            tg.deregister(tid, world.now)
        kept = ecs.healthy_count(c, svc)
        assert kept == brute_healthy(ecs, targets, svc)
        seen.append(kept)
    assert min(seen) < max(seen)  # the count moved: the comparison was not trivial


@given(st.one_of(st.integers(-5, 300), st.integers(2**24 - 300, 2**24 + 5)))
def test_a_task_address_is_the_subnets_address_of_that_index(i):
    if 0 <= i < _TASK_SUBNET.num_addresses:
        assert _task_address(i) == str(_TASK_SUBNET[i])
    else:  # past the end, or negative (which the network counts from its end)
        with pytest.raises(IndexError):
            _task_address(i)
