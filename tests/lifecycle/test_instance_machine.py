"""The EC2 instance state machine on its own."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.core.errors import AWSError
from simulator.lifecycle import codes
from simulator.lifecycle.instance import (
    ACTIVE_STATES,
    STATE_CODES,
    TRANSITIONS,
    Action,
    Instance,
    InstanceState,
)

S, A = InstanceState, Action


def make(root_device="ebs", hibernation=False, at=0.0) -> Instance:
    return Instance(
        "i-0000000000000000a",
        "m6i.large",
        family="m6i",
        vcpu=2,
        arch="x86_64",
        at=at,
        root_device=root_device,
        hibernation_configured=hibernation,
    )


def test_state_codes_are_aws_codes():
    assert {s.value: s.code for s in S} == {
        "pending": 0,
        "running": 16,
        "rebooting": 16,
        "shutting-down": 32,
        "terminated": 48,
        "stopping": 64,
        "stopped": 80,
    }
    assert set(STATE_CODES) == set(S)


def test_a_reboot_is_reported_as_running():
    assert S.REBOOTING.api_name == "running"
    assert S.SHUTTING_DOWN.api_name == "shutting-down"


def test_active_states_are_the_seed_posts_list():
    assert {s.value for s in ACTIVE_STATES} == {
        "pending",
        "running",
        "rebooting",
        "stopping",
        "shutting-down",
    }


def test_table_is_data_over_aws_states():
    for (state, action), nxt in TRANSITIONS.items():
        assert isinstance(state, S) and isinstance(action, A) and isinstance(nxt, S)
    assert {s for (s, _) in TRANSITIONS} == set(S)


def test_full_lifecycle_with_history():
    i = make()
    steps = [
        (A.BOOTED, S.RUNNING),
        (A.REBOOT, S.REBOOTING),
        (A.REBOOTED, S.RUNNING),
        (A.STOP, S.STOPPING),
        (A.STOPPED, S.STOPPED),
        (A.START, S.PENDING),
        (A.BOOTED, S.RUNNING),
        (A.TERMINATE, S.SHUTTING_DOWN),
        (A.TERMINATED, S.TERMINATED),
    ]
    for t, (action, state) in enumerate(steps, start=1):
        i.apply(action, at=float(t))
        assert i.state is state
    assert [e.state for e in i.history] == [S.PENDING] + [s for _, s in steps]
    assert [e.at for e in i.history] == [0.0, *range(1, len(steps) + 1)]


def test_stopped_terminates_directly():
    i = make()
    for a in (A.BOOTED, A.STOP, A.STOPPED, A.TERMINATE):
        i.apply(a, at=1.0)
    assert i.state is S.TERMINATED


def test_refusal_names_instance_state_action_and_rule():
    i = make()
    with pytest.raises(AWSError) as e:
        i.apply(A.REBOOT, at=1.0)
    err = e.value
    assert err.code == codes.INCORRECT_INSTANCE_STATE
    assert "i-0000000000000000a" in err.message
    assert "'pending'" in err.message
    assert "'reboot'" in err.message
    assert "accepted from: running" in err.message
    assert i.state is S.PENDING and len(i.history) == 1


@pytest.mark.parametrize("action", [a for a in A if a is not A.TERMINATE])
def test_terminated_is_final(action):
    i = make()
    i.apply(A.TERMINATE, at=1.0)
    i.apply(A.TERMINATED, at=2.0)
    with pytest.raises(AWSError) as e:
        i.apply(action, at=3.0)
    assert e.value.code == codes.INCORRECT_INSTANCE_STATE
    assert i.state is S.TERMINATED


def test_terminating_terminated_is_a_noop():
    i = make()
    i.apply(A.TERMINATE, at=1.0)
    i.apply(A.TERMINATED, at=2.0)
    assert i.apply(A.TERMINATE, at=3.0) is S.TERMINATED
    assert len(i.history) == 3


def test_noops_leave_history_alone():
    i = make()
    i.apply(A.BOOTED, at=1.0)
    assert i.apply(A.START, at=2.0) is S.RUNNING
    i.apply(A.STOP, at=3.0)
    i.apply(A.STOP, at=4.0)
    assert [e.state for e in i.history] == [S.PENDING, S.RUNNING, S.STOPPING]


@pytest.mark.parametrize("action", [A.STOP, A.HIBERNATE])
def test_instance_store_root_cannot_stop(action):
    i = make(root_device="instance-store")
    i.apply(A.BOOTED, at=1.0)
    with pytest.raises(AWSError) as e:
        i.apply(action, at=2.0)
    assert e.value.code == codes.UNSUPPORTED_OPERATION
    assert "'ebs' root device" in e.value.message
    i.apply(A.TERMINATE, at=3.0)  # terminating is fine
    assert i.state is S.SHUTTING_DOWN


def test_hibernate_needs_hibernation_configured():
    i = make()
    i.apply(A.BOOTED, at=1.0)
    with pytest.raises(AWSError) as e:
        i.apply(A.HIBERNATE, at=2.0)
    assert e.value.code == codes.UNSUPPORTED_HIBERNATION
    j = make(hibernation=True)
    j.apply(A.BOOTED, at=1.0)
    j.apply(A.HIBERNATE, at=2.0)
    assert j.state is S.STOPPING


def test_pending_cannot_stop_or_reboot():
    for action in (A.STOP, A.REBOOT):
        with pytest.raises(AWSError) as e:
            make().apply(action, at=1.0)
        assert e.value.code == codes.INCORRECT_INSTANCE_STATE


def test_time_cannot_go_backwards():
    i = make(at=10.0)
    with pytest.raises(ValueError):
        i.apply(A.BOOTED, at=5.0)


@given(st.lists(st.sampled_from(list(A)), max_size=40))
def test_random_action_sequences_follow_the_table(actions):
    i = make()
    t = 0.0
    seen_terminated = False
    for action in actions:
        t += 1.0
        before = i.state
        try:
            i.apply(action, at=t)
        except AWSError as e:
            assert e.code in codes.ALL
            assert i.state is before
            assert (before, action) not in TRANSITIONS or e.code != codes.INCORRECT_INSTANCE_STATE
            continue
        assert TRANSITIONS[(before, action)] is i.state
        if seen_terminated:
            assert i.state is S.TERMINATED
        seen_terminated |= i.state is S.TERMINATED
    assert i.history[-1].state is i.state
    assert all(a.state is not b.state for a, b in zip(i.history, i.history[1:], strict=False))
