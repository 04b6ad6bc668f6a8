"""Invariants of ELBv2 routing, over random groups, target states, weights and times."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.traffic.elb import (
    ForwardAction,
    HealthCheck,
    Listener,
    ProbeResult,
    TargetGroup,
    TargetHealthState,
    choose_target,
    per_target,
)

STATES = ("initial", "healthy", "unhealthy", "draining", "unused")
CHECK = HealthCheck(healthy_threshold=2, unhealthy_threshold=2)


def build(name: str, states: list[str], slow_start_s: float = 0.0) -> TargetGroup:
    tg = TargetGroup(name, f"arn:{name}", check=CHECK, slow_start_s=slow_start_s)
    for i, state in enumerate(states):
        tid = f"{name}-{i}"
        tg.register(tid, at=0)
        if state in ("healthy", "draining"):
            for _ in range(2):
                tg.record_check(tid, ProbeResult.PASS, float(i))
        if state == "unhealthy":
            for _ in range(2):
                tg.record_check(tid, ProbeResult.FAILED, 0.0)
        if state == "draining":
            tg.deregister(tid, at=1.0)
        if state == "unused":
            tg.record_check(tid, ProbeResult.INVALID_STATE, 0.0)
    return tg


groups_st = st.lists(
    st.tuples(st.integers(0, 999), st.lists(st.sampled_from(STATES), max_size=5)),
    min_size=1,
    max_size=5,
)


def listener_of(spec) -> tuple[Listener, list[TargetGroup]]:
    groups = [build(f"g{i}", states) for i, (_, states) in enumerate(spec)]
    listener = Listener(80)
    listener.set_forward([(tg, w) for tg, (w, _) in zip(groups, spec, strict=True)])
    return listener, groups


def allowed(tg: TargetGroup) -> set[str]:
    """Healthy targets, or (fail-open) unhealthy ones when none is healthy."""
    by = {s: {t.target_id for t in tg.targets.values() if t.state is s} for s in TargetHealthState}
    return by[TargetHealthState.HEALTHY] or by[TargetHealthState.UNHEALTHY]


@given(spec=groups_st, rate=st.floats(0, 1e6))
def test_split_and_503_sum_to_the_offered_rate(spec, rate):
    listener, groups = listener_of(spec)
    s = listener.route_split(rate)
    assert s.total() == pytest.approx(rate, rel=1e-9, abs=1e-9)
    if sum(w for w, _ in spec) == 0:
        assert s.elb_503 == rate
    for tg in groups:
        if tg.name in s.groups:
            shares = per_target(tg, s.groups[tg.name])
            assert sum(shares.values()) == pytest.approx(s.groups[tg.name], rel=1e-9)


@given(spec=groups_st, rate=st.floats(1, 1e6))
def test_shares_proportional_to_weights(spec, rate):
    listener, groups = listener_of(spec)
    s = listener.route_split(rate)
    total = sum(w for w, _ in spec)
    for tg, (w, _) in zip(groups, spec, strict=True):
        if tg.name in s.groups:
            assert s.groups[tg.name] == pytest.approx(rate * w / total, rel=1e-9)


@given(spec=groups_st, seed=st.integers(0, 2**32 - 1))
def test_no_new_request_to_draining_or_unhealthy_unless_fail_open(spec, seed):
    listener, groups = listener_of(spec)
    rng = np.random.default_rng(seed)
    for tg in groups:
        ok = allowed(tg)
        assert set(per_target(tg, 100.0)) == ok
        assert set(tg.routable()) == ok
    for _ in range(20):
        routed = listener.choose(rng)
        if routed.target_id is not None:
            assert routed.target_group is not None
            assert routed.target_id in allowed(routed.target_group)
        else:
            assert routed.status == 503


@given(
    n_old=st.integers(1, 4),
    duration=st.integers(30, 900),
    times=st.lists(st.floats(0, 1000), min_size=2, max_size=10),
)
def test_slow_start_share_is_monotone(n_old, duration, times):
    tg = build("g", ["healthy"] * n_old)
    tg.slow_start_s = float(duration)
    tg.register("new", at=100.0)
    for _ in range(2):
        tg.record_check("new", ProbeResult.PASS, 100.0)
    assert tg.targets["new"].slow_start_until == 100.0 + duration
    shares = [per_target(tg, 1.0, at=100.0 + t)["new"] for t in sorted(times)]
    assert all(a <= b + 1e-12 for a, b in zip(shares, shares[1:], strict=False))
    assert shares[-1] <= 1.0 / (n_old + 1) + 1e-12


@given(spec=groups_st, seed=st.integers(0, 1000))
def test_per_request_choice_respects_weights_zero(spec, seed):
    listener, groups = listener_of(spec)
    rng = np.random.default_rng(seed)
    action = listener.default_action
    assert isinstance(action, ForwardAction)
    zero = {tg.name for tg, (w, _) in zip(groups, spec, strict=True) if w == 0}
    for _ in range(10):
        routed = listener.choose(rng)
        if routed.target_group is not None:
            assert routed.target_group.name not in zero
            if routed.target_id is not None:
                assert choose_target(routed.target_group, rng) is not None
