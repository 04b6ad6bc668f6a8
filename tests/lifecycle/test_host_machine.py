"""The Dedicated Host state machine on its own."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.core.errors import AWSError
from simulator.lifecycle import codes
from simulator.lifecycle.host import TRANSITIONS, Host, HostAction, HostState

S, A = HostState, HostAction


def make(**kw) -> Host:
    return Host("h-0000000000000000a", "m6i", capacity=128, at=0.0, **kw)


def test_states_are_aws_spellings():
    assert {s.value for s in S} == {
        "available",
        "pending",
        "under-assessment",
        "released",
        "permanent-failure",
        "released-permanent-failure",
    }


def test_table_is_data_and_released_states_are_final():
    for (state, action), nxt in TRANSITIONS.items():
        assert isinstance(state, S) and isinstance(action, A) and isinstance(nxt, S)
    sources = {s for (s, _) in TRANSITIONS}
    assert S.RELEASED not in sources
    assert S.RELEASED_PERMANENT_FAILURE not in sources


def test_allocated_available_and_release():
    h = make()
    assert h.state is S.AVAILABLE and h.pending_reason is None
    h.apply(A.RELEASE, at=5.0)
    assert h.state is S.RELEASED and h.release_time == 5.0 and h.released
    with pytest.raises(AWSError) as e:
        h.apply(A.BEGIN_SCRUB, at=6.0)
    assert e.value.code == codes.INVALID_HOST_STATE


def test_pending_ends_only_with_its_own_completion():
    h = make()
    h.apply(A.BEGIN_SCRUB, at=1.0)
    assert h.pending_reason == "scrub"
    for wrong in (A.MODIFICATION_COMPLETE, A.RECOVERY_COMPLETE):
        with pytest.raises(AWSError) as e:
            h.apply(wrong, at=2.0)
        assert e.value.code == codes.INVALID_HOST_STATE
        assert "pending for scrub" in e.value.message
        assert "h-0000000000000000a" in e.value.message
    h.apply(A.SCRUB_COMPLETE, at=3.0)
    assert h.state is S.AVAILABLE and h.pending_reason is None


def test_replacement_starts_pending_for_recovery():
    h = make(replaces_host_id="h-00000000000000009")
    assert h.state is S.PENDING and h.pending_reason == "recovery"
    h.apply(A.RECOVERY_COMPLETE, at=1.0)
    assert h.state is S.AVAILABLE


def test_failure_paths():
    h = make()
    h.apply(A.FAILURE_DETECTED, at=1.0)
    assert h.state is S.UNDER_ASSESSMENT
    h.apply(A.ASSESSED_UNRECOVERABLE, at=2.0)
    assert h.state is S.PERMANENT_FAILURE
    h.apply(A.RETIRE, at=3.0)
    assert h.state is S.RELEASED_PERMANENT_FAILURE and h.release_time == 3.0


def test_accepts_type():
    single = Host("h-1", "m6i", capacity=128, at=0.0, instance_type="m6i.xlarge")
    assert single.accepts_type("m6i.xlarge", "m6i")
    assert not single.accepts_type("m6i.large", "m6i")
    mixed = Host("h-2", "m5", capacity=96, at=0.0)
    assert mixed.mixed_size and mixed.accepts_type("m5.large", "m5")
    assert not mixed.accepts_type("m6i.large", "m6i")


def test_units_for_uses_size_units():
    t3 = Host("h-3", "t3", capacity=192, at=0.0, size_units={"nano": 1})
    assert t3.units_for(2, "nano") == 1
    assert t3.units_for(2, "large") == 2


@given(st.lists(st.sampled_from(list(A)), max_size=30))
def test_random_action_sequences_follow_the_table(actions):
    h = make()
    for t, action in enumerate(actions, start=1):
        before = h.state
        try:
            h.apply(action, at=float(t))
        except AWSError as e:
            assert e.code == codes.INVALID_HOST_STATE
            assert h.state is before
            continue
        assert TRANSITIONS[(before, action)] is h.state
        assert (h.state is S.PENDING) == (h.pending_reason is not None)
    assert h.history[-1].state is h.state
    assert h.released == (h.release_time is not None)
