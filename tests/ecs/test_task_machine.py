import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.core.errors import AWSError
from simulator.ecs.task import (
    TRANSITIONS,
    StopCode,
    Task,
    TaskAction,
    TaskState,
)


def task() -> Task:
    return Task(
        "arn:aws:ecs:us-east-1:123456789012:task/c/abc",
        "td:1",
        at=0,
        group="service:web",
        container_instance="ci-1",
    )


def test_normal_path():
    t = task()
    for i, action in enumerate(
        [
            TaskAction.PROVISIONED,
            TaskAction.STARTED,
            TaskAction.ACTIVATED,
            TaskAction.STOP,
            TaskAction.DEACTIVATED,
            TaskAction.CONTAINERS_STOPPED,
            TaskAction.DEPROVISIONED,
        ]
    ):
        t.apply(action, at=float(i))
    assert [h.state for h in t.history] == list(TaskState)


def test_stop_records_the_first_reason_and_stopping_twice_is_harmless():
    t = task()
    t.apply(TaskAction.PROVISIONED, 1)
    t.stop(2, StopCode.USER_INITIATED, "Task stopped by user")
    t.stop(3, StopCode.SERVICE_SCHEDULER_INITIATED, "later")
    assert t.last_status is TaskState.STOPPING
    assert (t.stop_code, t.stopped_reason) == (StopCode.USER_INITIATED, "Task stopped by user")
    assert t.desired_status == "STOPPED"


def test_illegal_action_names_the_task_and_state():
    t = task()
    with pytest.raises(AWSError, match="PROVISIONING; it cannot take 'activated'"):
        t.apply(TaskAction.ACTIVATED, 1)


@given(st.lists(st.sampled_from(list(TaskAction)), max_size=30))
def test_stopped_is_final_and_every_path_only_moves_forward(actions):
    order = list(TaskState)
    t = task()
    for i, action in enumerate(actions):
        before = t.last_status
        if (before, action) in TRANSITIONS:
            after = t.apply(action, float(i))
            assert order.index(after) > order.index(before)
        else:
            with pytest.raises(AWSError):
                t.apply(action, float(i))
    if TaskState.STOPPED in [h.state for h in t.history]:
        assert t.last_status is TaskState.STOPPED
