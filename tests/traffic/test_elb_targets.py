import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.core.errors import AWSError
from simulator.traffic.elb import HealthCheck, ProbeResult, Reason, TargetGroup, TargetHealthState
from simulator.traffic.elb_targets import choose_target, per_target
from simulator.traffic.target_health import TRANSITIONS, Event, description

S = TargetHealthState


def group(**kw) -> TargetGroup:
    return TargetGroup("tg", "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/tg/x", **kw)


def make_healthy(tg: TargetGroup, target_id: str, at: float) -> None:
    tg.register(target_id, at=at)
    for _ in range(tg.check.healthy_threshold):
        tg.record_check(target_id, ProbeResult.PASS, at)


def test_defaults_are_the_api_references_for_http():
    hc = HealthCheck()
    assert (hc.interval_s, hc.timeout_s, hc.healthy_threshold, hc.unhealthy_threshold) == (
        30.0,
        6.0,
        5,
        2,
    )
    assert (hc.path, hc.matcher) == ("/", "200")
    assert HealthCheck.for_protocol("HTTPS").timeout_s == 10.0
    assert HealthCheck().problems() == []
    assert HealthCheck(interval_s=5, timeout_s=5).problems() == [
        "Health check interval must be greater than the timeout."
    ]
    assert len(HealthCheck(healthy_threshold=1, matcher="600").problems()) == 2


def test_states_and_reasons_through_a_life():
    tg = group(check=HealthCheck(healthy_threshold=2, unhealthy_threshold=2))
    t = tg.register("a", at=0)
    assert (t.state, t.reason) == (S.INITIAL, Reason.REGISTRATION_IN_PROGRESS)
    change = tg.record_check("a", ProbeResult.PASS, 10)
    assert change is not None and change.reason is Reason.INITIAL_HEALTH_CHECKING
    change = tg.record_check("a", ProbeResult.PASS, 40)
    assert change is not None and (change.previous, change.state) == (S.INITIAL, S.HEALTHY)
    assert t.reason is None
    assert tg.record_check("a", ProbeResult.TIMEOUT, 70) is None  # one failure: still healthy
    change = tg.record_check("a", ProbeResult.TIMEOUT, 100)
    assert change is not None and (change.state, change.reason) == (S.UNHEALTHY, Reason.TIMEOUT)
    tg.record_check("a", ProbeResult.CODE_MISMATCH, 130)
    assert t.reason is Reason.RESPONSE_CODE_MISMATCH
    assert description(t.reason, "502") == "Health checks failed with these codes: [502]"
    tg.record_check("a", ProbeResult.INVALID_STATE, 160)
    assert (t.state, t.reason) == (S.UNUSED, Reason.INVALID_STATE)
    tg.record_check("a", ProbeResult.PASS, 190)
    assert (t.state, t.reason) == (S.INITIAL, Reason.INITIAL_HEALTH_CHECKING)
    tg.deregister("a", at=200)
    assert (t.state, t.reason) == (S.DRAINING, Reason.DEREGISTRATION_IN_PROGRESS)
    assert tg.record_check("a", ProbeResult.PASS, 210) is None  # draining ignores checks
    assert t.draining_until == 500


def test_unused_group_then_in_use():
    tg = group(in_use=False)
    t = tg.register("a", at=0)
    assert (t.state, t.reason) == (S.UNUSED, Reason.NOT_IN_USE)
    assert tg.record_check("a", ProbeResult.PASS, 1) is None  # no checks while unused
    changes = tg.set_in_use(True, at=5)
    assert [(c.state, c.reason) for c in changes] == [(S.INITIAL, Reason.REGISTRATION_IN_PROGRESS)]
    make_healthy(tg, "b", 6)
    tg.set_in_use(False, at=7)
    assert {x.state for x in tg.targets.values()} == {S.UNUSED}
    assert tg.routable() == []


def test_transition_table_is_total_for_register_and_deregister():
    for state in S:
        assert TRANSITIONS[(state, Event.REGISTER)].state is S.INITIAL
        assert TRANSITIONS[(state, Event.DEREGISTER)].state is S.DRAINING
    for (_, _), nxt in TRANSITIONS.items():
        assert (nxt.reason is None) == (nxt.state is S.HEALTHY)


def test_register_again_while_draining_starts_over():
    tg = group()
    make_healthy(tg, "a", 0)
    tg.deregister("a", at=10)
    again = tg.register("a", at=20)
    assert again.state is S.INITIAL and again.registered_at == 20
    assert tg.complete_deregistration(at=400) == []  # the new registration stays


def test_attributes_defaults_and_validation():
    tg = group()
    attrs = tg.attributes()
    assert attrs["deregistration_delay.timeout_seconds"] == "300"
    assert attrs["slow_start.duration_seconds"] == "0"
    assert attrs["load_balancing.algorithm.type"] == "round_robin"
    out = tg.set_attributes(
        {
            "deregistration_delay.timeout_seconds": "30",
            "slow_start.duration_seconds": "60",
            "stickiness.enabled": "true",
        }
    )
    assert tg.deregistration_delay_s == 30 and tg.slow_start_s == 60
    assert out["stickiness.enabled"] == "true"
    bad = [
        ({"deregistration_delay.timeout_seconds": "3601"}, "ValidationError", "0-3600"),
        ({"slow_start.duration_seconds": "10"}, "ValidationError", "30-900"),
        ({"slow_start.duration_seconds": "901"}, "ValidationError", "0-900"),
        ({"load_balancing.algorithm.type": "random"}, "ValidationError", "must be one of"),
        (
            {"load_balancing.algorithm.type": "least_outstanding_requests"},
            "InvalidConfigurationRequest",
            "Slow start",
        ),
        ({"nope": "1"}, "InvalidConfigurationRequest", "not recognized"),
    ]
    for changes, code, message in bad:
        with pytest.raises(AWSError, match=message) as e:
            tg.set_attributes(changes)
        assert e.value.code == code
    assert tg.deregistration_delay_s == 30  # a refused change changes nothing


def test_slow_start_only_beside_a_settled_healthy_target():
    tg = group(slow_start_s=100.0)
    make_healthy(tg, "old", 0)
    assert tg.targets["old"].slow_start_until is None  # first healthy target: no slow start
    make_healthy(tg, "new", 1000)
    assert tg.targets["new"].slow_start_until == 1100
    shares = per_target(tg, 100.0, at=1050)
    assert shares["new"] == pytest.approx(100 * 0.5 / 1.5)
    assert per_target(tg, 100.0, at=1100) == {"old": 50.0, "new": 50.0}


def test_round_robin_rotates_and_follows_weights():
    tg = group()
    for t in ("a", "b"):
        make_healthy(tg, t, 0)
    tg.slow_start_s = 100.0  # enabled later: healthy targets do not enter slow start
    rng = np.random.default_rng(0)
    assert [choose_target(tg, rng) for _ in range(4)] == ["a", "b", "a", "b"]
    make_healthy(tg, "c", 0)  # slow start from t=0
    picks = [choose_target(tg, rng, at=25.0) for _ in range(900)]
    assert picks.count("c") == pytest.approx(900 * 0.25 / 2.25, abs=2)


def test_weighted_random_and_least_outstanding():
    tg = group(algorithm="weighted_random")
    for t in ("a", "b"):
        make_healthy(tg, t, 0)
    rng = np.random.default_rng(3)
    picks = [choose_target(tg, rng) for _ in range(2000)]
    assert 900 < picks.count("a") < 1100
    tg.algorithm = "least_outstanding_requests"
    assert choose_target(tg, rng, outstanding={"a": 3, "b": 1}) == "b"
    assert choose_target(group(), rng) is None


@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                ["register", "deregister", "pass", "fail", "complete", "remove", "use"]
            ),
            st.integers(0, 1),
        ),
        min_size=8,
        max_size=40,
    )
)
def test_the_kept_routable_set_equals_the_routable_targets(steps):
    tg = group(deregistration_delay_s=10.0)
    tg.kept_sets()  # build the kept sets first, so every step must keep them
    at = 0.0
    for action, k in steps:
        at += 5.0
        tid = f"10.0.0.{k}"
        known = tid in tg.targets
        if action == "register":
            tg.register(tid, at)
        elif action == "deregister" and known:
            tg.deregister(tid, at)
        elif action in ("pass", "fail") and known:
            result = ProbeResult.PASS if action == "pass" else ProbeResult.FAILED
            for _ in range(5):
                tg.record_check(tid, result, at=at)
        elif action == "complete":
            tg.complete_deregistration(at)
        elif action == "remove":
            tg.remove(tid)
        elif action == "use":
            tg.set_in_use(not tg.in_use, at)
        healthy, unhealthy = tg.kept_sets()
        assert set(healthy or unhealthy) == set(tg.routable())
