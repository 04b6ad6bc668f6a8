"""The rolling deployment's closed form against the replica scheduler itself: the same
launches and the same stops, at the same instants, from the tasks' drawn durations."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.ecs.deployment import DeploymentConfiguration, rolling_bounds
from simulator.ecs.rolling_plan import plan_rolling, ready_at, started_history, stopped_history
from simulator.ecs.task import TaskState
from simulator.ecs.timing import STOP_TIMEOUT_DEFAULT
from simulator.testing.rolling import RollingRun


def _entered(task, state: TaskState) -> float:
    at = task.time_entered(state)
    assert at is not None, (task, state)
    return at


def _check(desired: int, minimum: int, maximum: int, seed: int) -> None:
    run = RollingRun.start(desired, minimum, maximum, seed=seed)
    run.sim.world.run(7200.0)
    old, new, plan = run.old, run.new, run.plan()
    assert not plan.stalled
    assert len(old) == len(new) == desired
    assert [t.history[0].at for t, _ in new] == plan.launched
    assert [_entered(t, TaskState.DEACTIVATING) for t, _ in old] == plan.stopped
    # every task's history, float for float: the new ones' from launch to RUNNING, the
    # old ones' from the scheduler's stop to STOPPED
    for (task, draws), launched in zip(new, plan.launched, strict=True):
        assert task.history == started_history(launched, draws)
    delay = run.deregistration_delay
    for (task, draws), stopped in zip(old, plan.stopped, strict=True):
        i = [h.state for h in task.history].index(TaskState.DEACTIVATING)
        assert task.history[i:] == stopped_history(stopped, draws, delay, STOP_TIMEOUT_DEFAULT)


@pytest.mark.parametrize(
    ("desired", "minimum", "maximum"),
    [(6, 100, 200), (6, 50, 100), (8, 100, 125), (5, 0, 100), (7, 75, 150)],
)
def test_the_plan_is_the_scheduler_s_deployment(desired, minimum, maximum):
    _check(desired, minimum, maximum, seed=3)


@settings(max_examples=8, deadline=None)
@given(
    desired=st.integers(1, 9),
    minimum=st.sampled_from([0, 50, 75, 100]),
    extra=st.sampled_from([0, 25, 50, 100]),
    seed=st.integers(0, 2**16),
)
def test_the_plan_matches_any_bounds_and_seed(desired, minimum, extra, seed):
    maximum = max(100, minimum + extra)
    low, high = rolling_bounds(desired, DeploymentConfiguration(minimum, maximum))
    if high <= low and high <= desired:  # no room to start and none to stop: ECS waits
        assert plan_rolling(0.0, desired, desired, low, high, lambda k, at: at + 1.0).stalled
        return
    _check(desired, minimum, maximum, seed)


def test_a_deployment_with_no_room_either_way_stalls():
    plan = plan_rolling(0.0, 4, 4, 4, 4, lambda k, at: at + 10.0)
    assert plan.stalled and plan.launched == [] and plan.stopped == []


def test_stops_wait_for_readiness_and_free_room_for_starts_in_the_same_instant():
    # 4 tasks, min 50 % (2), max 100 % (4): two stop at once, then each start is bounded
    plan = plan_rolling(0.0, 4, 4, 2, 4, lambda k, at: at + 10.0 + k)
    assert plan.stopped[:2] == [0.0, 0.0] and plan.launched[:2] == [0.0, 0.0]
    assert plan.stopped[2:] == [10.0, 11.0]  # each old one waits for a new one
    assert plan.launched[2:] == [10.0, 11.0]  # and its room starts the next


def test_an_awsvpc_task_is_pending_once_its_eni_is_attached():
    draws = {"eni_attachment": 7.0, "image_pull": 12.0, "activation": 2.0}
    history = started_history(100.0, draws)
    assert [(h.at, h.state) for h in history] == [
        (100.0, TaskState.PROVISIONING),
        (107.0, TaskState.PENDING),
        (119.0, TaskState.ACTIVATING),
        (121.0, TaskState.RUNNING),
    ]
    assert ready_at(history, 130.0) == 249.0  # healthy long after RUNNING
    assert ready_at(history, 1.0) == 121.0  # healthy first: RUNNING decides


def test_a_stop_without_draining_goes_straight_to_stopping_and_stop_timeout_caps_it():
    draws = {"graceful_stop": 45.0, "deprovisioning": 3.0}
    history = stopped_history(10.0, draws, deregistration_delay=0.0, stop_timeout=30.0)
    assert [(h.at, h.state) for h in history] == [
        (10.0, TaskState.DEACTIVATING),
        (10.0, TaskState.STOPPING),
        (40.0, TaskState.DEPROVISIONING),
        (43.0, TaskState.STOPPED),
    ]
