"""Stopped tasks stay visible for ECS's hour, then are forgotten (counted)."""

import pytest

from simulator.ecs.retention import STOPPED_TASK_RETENTION, StoppedTasks
from tests.ecs.test_ecs_control import cluster, taskdef


def test_a_stopped_task_is_kept_an_hour_then_dropped_as_later_tasks_stop():
    world, _, ecs, _ = cluster()
    ecs.stopped_tasks = StoppedTasks()
    ecs.register_task_definition(taskdef())
    prod = ecs.cluster("prod")
    (first,), _ = ecs.run_task("prod", "web")
    world.run(world.now + 60)
    ecs.stop_task("prod", first.task_arn)
    world.run(world.now + 120)
    stopped_at = first.time_entered(first.last_status)
    assert str(first.last_status) == "STOPPED" and first.task_id in prod.tasks
    (second,), _ = ecs.run_task("prod", "web")
    world.run(stopped_at + STOPPED_TASK_RETENTION - 60)
    ecs.stop_task("prod", second.task_arn)  # stops within the hour: the first stays
    world.run(world.now + 50)
    assert first.task_id in prod.tasks and prod.stopped_tasks_dropped == 0
    (third,), _ = ecs.run_task("prod", "web")
    world.run(stopped_at + STOPPED_TASK_RETENTION + 60)
    ecs.stop_task("prod", third.task_arn)
    world.run(world.now + 120)
    assert first.task_id not in prod.tasks and prod.stopped_tasks_dropped == 1
    assert second.task_id in prod.tasks  # stopped less than an hour ago


def test_without_retention_every_stopped_task_is_kept():
    world, _, ecs, _ = cluster()
    ecs.register_task_definition(taskdef())
    (task,), _ = ecs.run_task("prod", "web")
    world.run(world.now + 60)
    ecs.stop_task("prod", task.task_arn)
    world.run(world.now + 3 * STOPPED_TASK_RETENTION)
    (other,), _ = ecs.run_task("prod", "web")
    world.run(world.now + 60)
    ecs.stop_task("prod", other.task_arn)
    world.run(world.now + 120)
    assert task.task_id in ecs.cluster("prod").tasks


def test_retention_must_not_be_negative():
    with pytest.raises(ValueError, match="retention"):
        StoppedTasks(-1.0)
