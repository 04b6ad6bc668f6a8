"""The ECS control plane in simulated time: registration, tasks, services, deployments."""

import pytest

from simulator.core.errors import AWSError
from simulator.core.rng import RandomStreams
from simulator.core.world import World
from simulator.ec2 import Ec2ControlPlane
from simulator.ecs.container_instance import ContainerInstanceStatus
from simulator.ecs.control import TASK_ID_BLOCK, EcsControlPlane
from simulator.ecs.deployment import DeploymentConfiguration, RolloutState
from simulator.ecs.task import StopCode, TaskState


def taskdef(family="web", cpu=1024, memory=2048, image="web:1", **extra):
    doc = {
        "family": family,
        "containerDefinitions": [
            {"name": family, "image": image, "cpu": cpu, "memory": memory, "essential": True}
        ],
    }
    doc.update(extra)
    return doc


def cluster(instances=2, itype="m6i.xlarge", seed=1, settle=True):
    world = World(seed=seed)
    ec2 = Ec2ControlPlane(world)
    ecs = EcsControlPlane(world, ec2)
    ecs.create_cluster("prod")
    ids = ec2.run_instances(itype, instances)
    for i in ids:
        ecs.join(i, "prod")
    if settle:
        world.run(120)  # boot (5-17 s) and agent registration (10-30 s)
    return world, ec2, ecs, ids


def test_instances_register_after_boot_and_agent_start():
    world, ec2, ecs, ids = cluster(settle=False)
    world.run(4)
    assert ecs.cluster("prod").container_instances == {}
    world.run(120)
    cis = ecs.cluster("prod").container_instances.values()
    assert {ci.ec2_instance_id for ci in cis} == set(ids)
    ci = next(iter(cis))
    assert (ci.registered_cpu, ci.status) == (4096, ContainerInstanceStatus.ACTIVE)
    assert ci.attributes["ecs.cpu-architecture"] == "x86_64"


def test_run_task_goes_through_the_lifecycle_and_stop_task_records_the_reason():
    world, ec2, ecs, _ = cluster()
    ecs.register_task_definition(taskdef())
    (task,), failures = ecs.run_task("prod", "web")
    assert failures == []
    assert task.last_status is TaskState.PENDING  # bridge mode: nothing to provision
    world.run(world.now + 60)
    assert task.last_status is TaskState.RUNNING
    ecs.stop_task("prod", task.task_arn, reason="maintenance")
    world.run(world.now + 60)
    states = [str(h.state) for h in task.history]
    assert states == [
        "PROVISIONING",
        "PENDING",
        "ACTIVATING",
        "RUNNING",
        "DEACTIVATING",
        "STOPPING",
        "DEPROVISIONING",
        "STOPPED",
    ]
    assert (task.stop_code, task.stopped_reason) == (StopCode.USER_INITIATED, "maintenance")
    ci = ecs.cluster("prod").container_instances[task.container_instance]
    assert ci.remaining_cpu == ci.registered_cpu  # resources given back


def test_run_task_failures_when_nothing_fits():
    world, ec2, ecs, _ = cluster(instances=1)
    ecs.register_task_definition(taskdef(cpu=4096, memory=4096))
    tasks, _ = ecs.run_task("prod", "web")
    assert len(tasks) == 1
    tasks, failures = ecs.run_task("prod", "web")
    assert tasks == []
    assert [f.reason for f in failures] == ["RESOURCE:CPU"]


def test_unknown_cluster_and_service_errors():
    world, ec2, ecs, _ = cluster(instances=1)
    with pytest.raises(AWSError) as e:
        ecs.cluster("nope")
    assert e.value.code == "ClusterNotFoundException"
    with pytest.raises(AWSError) as e:
        ecs.service("prod", "nope")
    assert e.value.code == "ServiceNotFoundException"


def test_service_reaches_desired_count_and_writes_ecs_events():
    world, ec2, ecs, _ = cluster()
    ecs.register_task_definition(taskdef())
    svc = ecs.create_service("prod", "web", "web", 6)
    world.run(world.now + 120)
    assert (svc.running_count, svc.pending_count) == (6, 0)
    messages = [m for _, m in svc.events]
    assert messages[0] == "(service web) has reached a steady state."
    assert any(m.startswith("(service web) has started 6 tasks: (task ") for m in messages)
    assert svc.primary.rollout_state is RolloutState.COMPLETED
    # the service default spreads tasks over the AZs
    cl = ecs.cluster("prod")
    azs = {
        cl.container_instances[cl.tasks[t].container_instance].availability_zone for t in svc.tasks
    }
    assert len(azs) == 2  # two instances, in two AZs


def test_rolling_deployment_keeps_minimum_healthy_percent():
    world, ec2, ecs, _ = cluster(instances=3)
    ecs.register_task_definition(taskdef())
    config = DeploymentConfiguration(minimum_healthy_percent=50, maximum_percent=100)
    svc = ecs.create_service("prod", "web", "web", 8, deployment_configuration=config)
    world.run(world.now + 120)
    ecs.register_task_definition(taskdef(image="web:2"))
    lowest = []

    def watch(what, task, before):
        lowest.append(svc.running_count)

    ecs.task_listeners.append(watch)
    ecs.update_service("prod", "web", task_definition="web:2")
    world.run(world.now + 600)
    assert min(lowest) >= 4  # ceil(8 x 50 %)
    live = [ecs.cluster("prod").tasks[t] for t in svc.tasks]
    assert {t.task_definition_arn.rsplit(":", 1)[-1] for t in live} == {"2"}
    assert svc.running_count == 8 and len(svc.deployments) == 1


def test_circuit_breaker_rolls_back_a_deployment_whose_tasks_fail_to_start():
    world, ec2, ecs, _ = cluster(instances=3)
    ecs.register_task_definition(taskdef())
    config = DeploymentConfiguration(circuit_breaker=True, rollback=True)
    svc = ecs.create_service("prod", "web", "web", 4, deployment_configuration=config)
    world.run(world.now + 120)
    bad = ecs.register_task_definition(taskdef(image="web:broken"))
    ecs.start_failure[bad.arn] = 1.0
    ecs.update_service("prod", "web", task_definition=bad.arn)
    world.run(world.now + 3600)
    failed = [m for _, m in svc.events if "deployment failed: tasks failed to start" in m]
    assert len(failed) == 1
    assert any("rolling back to deployment" in m for _, m in svc.events)
    assert svc.primary.task_definition.endswith("web:1")
    assert svc.primary.rollout_state is RolloutState.COMPLETED
    assert svc.running_count == 4


def test_without_circuit_breaker_failures_are_retried_with_back_off():
    world, ec2, ecs, _ = cluster(instances=2)
    bad = ecs.register_task_definition(taskdef(image="web:broken"))
    ecs.start_failure[bad.arn] = 1.0
    svc = ecs.create_service("prod", "web", "web", 1)
    world.run(world.now + 3600)
    starts = sorted(t for t, m in svc.events if "has started" in m)
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert len(starts) >= 6
    assert gaps[:4] == sorted(gaps[:4])  # the delay between attempts grows...
    assert max(gaps) <= 900 + 30  # ...up to 15 minutes (plus the image pull time)
    assert svc.running_count == 0


def test_lost_instance_stops_its_tasks_and_the_service_replaces_them():
    world, ec2, ecs, ids = cluster(instances=3)
    ecs.register_task_definition(taskdef())
    svc = ecs.create_service("prod", "web", "web", 6)
    world.run(world.now + 120)
    cl = ecs.cluster("prod")
    victim = ids[0]
    on_victim = [
        t
        for t in svc.tasks
        if cl.container_instances[cl.tasks[t].container_instance].ec2_instance_id == victim
    ]
    assert on_victim
    ec2.terminate_instances([victim])
    world.run(world.now + 300)
    for t in on_victim:
        task = cl.tasks[t]
        assert task.last_status is TaskState.STOPPED
        assert task.stopped_reason == f"Host EC2 (instance {victim}) stopped/terminated."
    assert svc.running_count == 6
    ci = cl.container_instances[cl.by_ec2[victim]]
    assert ci.status is ContainerInstanceStatus.INACTIVE


def test_draining_replaces_service_tasks_elsewhere():
    world, ec2, ecs, ids = cluster(instances=3)
    ecs.register_task_definition(taskdef())
    svc = ecs.create_service("prod", "web", "web", 4)
    world.run(world.now + 120)
    cl = ecs.cluster("prod")
    draining = cl.by_ec2[ids[0]]
    ecs.update_container_instances_state("prod", [draining], "DRAINING")
    world.run(world.now + 600)
    assert svc.running_count == 4
    assert all(cl.tasks[t].container_instance != draining for t in svc.tasks)


def test_daemon_service_runs_one_task_per_instance():
    world, ec2, ecs, ids = cluster(instances=3)
    ecs.register_task_definition(taskdef(family="agent", cpu=128, memory=128))
    svc = ecs.create_service("prod", "agent", "agent", scheduling_strategy="DAEMON")
    world.run(world.now + 120)
    cl = ecs.cluster("prod")
    per_instance = sorted(cl.tasks[t].container_instance for t in svc.tasks)
    assert len(per_instance) == 3 == len(set(per_instance))
    more = ec2.run_instances("m6i.xlarge", 1)
    ecs.join(more[0], "prod")
    world.run(world.now + 120)
    assert svc.running_count == 4


def test_memberof_arch_constraint_places_only_on_graviton():
    world = World(seed=3)
    ec2 = Ec2ControlPlane(world)
    ecs = EcsControlPlane(world, ec2)
    ecs.create_cluster("prod")
    for itype in ("m6i.xlarge", "m7g.xlarge"):
        for i in ec2.run_instances(itype, 2):
            ecs.join(i, "prod")
    world.run(120)
    ecs.register_task_definition(taskdef())
    svc = ecs.create_service(
        "prod",
        "web",
        "web",
        6,
        strategies=[{"type": "binpack", "field": "memory"}],
        constraints=[{"type": "memberOf", "expression": "attribute:ecs.cpu-architecture == arm64"}],
    )
    world.run(world.now + 120)
    cl = ecs.cluster("prod")
    types = {
        cl.container_instances[cl.tasks[t].container_instance].instance_type.name for t in svc.tasks
    }
    assert types == {"m7g.xlarge"}
    # binpack: the first instance is filled (4 x 1 vCPU) before the second is used
    per_ci = sorted(
        sum(1 for t in svc.tasks if cl.tasks[t].container_instance == ci)
        for ci in {cl.tasks[t].container_instance for t in svc.tasks}
    )
    assert per_ci == [2, 4]


def test_task_ids_are_the_task_id_streams_draws_one_uuid_at_a_time():
    # ids are drawn in blocks; a block must be the same ids as one 16-byte draw each
    world, ec2, ecs, _ = cluster(instances=4, seed=7)
    ecs.register_task_definition(taskdef(cpu=128, memory=128))
    tasks = []
    for _ in range(9):  # more than one block (TASK_ID_BLOCK) of ids in all
        placed, _failures = ecs.run_task("prod", "web", count=10)
        tasks += placed
    assert len(tasks) > TASK_ID_BLOCK
    stream = RandomStreams(7).stream("ecs.task_ids")
    assert [t.task_id for t in tasks] == [stream.bytes(16).hex() for _ in tasks]


def _step_durations(task) -> list[float]:
    return [b.at - a.at for a, b in zip(task.history, task.history[1:], strict=False)]


def test_a_task_s_timings_are_its_own_whatever_else_the_cluster_runs():
    """Common random numbers: the n-th task of a group draws the same step durations with
    or without other groups' tasks starting and stopping around it."""

    def web_steps(others: int) -> list[list[float]]:
        world, _, ecs, _ = cluster(instances=3)
        ecs.register_task_definition(taskdef())
        ecs.register_task_definition(taskdef(family="batch", cpu=256, memory=512))
        for _ in range(others):
            ecs.run_task("prod", "batch")
        web, _ = ecs.run_task("prod", "web", count=4)
        world.run(world.now + 7)  # the others are mid-start when web's tasks are stopped
        for _ in range(others):
            ecs.run_task("prod", "batch")
        world.run(world.now + 60)
        for t in web:
            ecs.stop_task("prod", t.task_arn)
        world.run(world.now + 60)
        assert all(t.last_status is TaskState.STOPPED for t in web)
        return [_step_durations(t) for t in web]

    alone = web_steps(0)
    assert len({tuple(s) for s in alone}) == 4  # each task has its own draws
    assert web_steps(3) == alone


def test_the_same_group_in_another_cluster_draws_its_own_timings():
    world, ec2, ecs, ids = cluster(instances=2)
    ecs.create_cluster("staging")
    for i in ec2.run_instances("m6i.xlarge", 2):
        ecs.join(i, "staging")
    world.run(world.now + 120)
    ecs.register_task_definition(taskdef())
    (prod,), _ = ecs.run_task("prod", "web")
    (staging,), _ = ecs.run_task("staging", "web")
    world.run(world.now + 60)
    assert prod.last_status is staging.last_status is TaskState.RUNNING
    assert _step_durations(prod) != _step_durations(staging)
