import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.core.errors import AWSError
from simulator.traffic.elb import (
    HealthCheck,
    Listener,
    ProbeResult,
    TargetGroup,
    TargetHealthState,
    per_target,
)


def group(name="blue", **kw) -> TargetGroup:
    return TargetGroup(name, f"arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/{name}/x", **kw)


def healthy(tg: TargetGroup, target_id: str, at: float = 0.0) -> None:
    tg.register(target_id, at=at)
    for _ in range(tg.check.healthy_threshold):
        tg.record_check(target_id, ProbeResult.PASS, at)


def test_health_thresholds():
    tg = group(check=HealthCheck(healthy_threshold=3, unhealthy_threshold=2))
    tg.register("t1", at=0)
    assert tg.targets["t1"].state is TargetHealthState.INITIAL
    for _ in range(2):
        tg.health_check("t1", True)
    assert tg.targets["t1"].state is TargetHealthState.INITIAL
    assert tg.health_check("t1", True) is TargetHealthState.HEALTHY
    assert tg.health_check("t1", False) is TargetHealthState.HEALTHY
    assert tg.health_check("t1", False) is TargetHealthState.UNHEALTHY
    assert tg.healthy_count() == 0


def test_routes_to_healthy_targets_and_fails_open():
    tg = group(check=HealthCheck(healthy_threshold=1, unhealthy_threshold=1))
    for t in ("a", "b"):
        tg.register(t, at=0)
    assert tg.routable() == []  # initial targets get no request before a check passes
    tg.health_check("a", True)
    assert tg.routable() == ["a"]
    tg.health_check("a", False)
    tg.health_check("b", False)
    assert sorted(tg.routable()) == ["a", "b"]  # every target unhealthy: fail open


def test_deregistration_delay():
    tg = group(deregistration_delay_s=300)
    tg.register("a", at=0)
    tg.register("b", at=0)
    tg.deregister("a", at=100)
    assert tg.targets["a"].state is TargetHealthState.DRAINING
    assert "a" not in tg.routable()
    assert tg.complete_deregistration(at=399) == []
    assert tg.complete_deregistration(at=400) == ["a"]
    with pytest.raises(AWSError) as e:
        tg.deregister("zzz", at=0)
    assert e.value.code == "InvalidTarget"


def test_weighted_forward_and_503_for_empty_groups():
    blue, green = group("blue"), group("green")
    healthy(blue, "b1")
    listener = Listener(80)
    listener.set_forward([(blue, 90), (green, 10)])
    routed, rejected = listener.split(1000.0)
    assert routed == {"blue": 900.0}
    assert rejected == pytest.approx(100.0)  # green has no targets yet
    green.register("g1", at=0)
    assert listener.split(1000.0)[1] == pytest.approx(100.0)  # g1 still initial
    green.health_check("g1", False)
    green.health_check("g1", False)  # unhealthy: the group fails open
    routed, rejected = listener.split(1000.0)
    assert routed == pytest.approx({"blue": 900.0, "green": 100.0}) and rejected == 0


def test_forward_limits():
    listener = Listener(80)
    with pytest.raises(AWSError, match="between 0 and 999"):
        listener.set_forward([(group(), 1000)])
    with pytest.raises(AWSError, match="1 to 5 target groups"):
        listener.set_forward([(group(str(i)), 1) for i in range(6)])


@given(
    weights=st.lists(st.integers(0, 999), min_size=1, max_size=5),
    targets=st.lists(st.integers(0, 3), min_size=5, max_size=5),
    rate=st.floats(0, 1e6),
)
def test_conservation(weights, targets, rate):
    groups = []
    for i, w in enumerate(weights):
        tg = group(f"g{i}")
        for k in range(targets[i]):
            healthy(tg, f"g{i}-t{k}")
        groups.append((tg, w))
    listener = Listener(80)
    listener.set_forward(groups)
    routed, rejected = listener.split(rate)
    assert sum(routed.values()) + rejected == pytest.approx(rate, rel=1e-9, abs=1e-9)
    for tg, _ in groups:
        if tg.name in routed:
            shares = per_target(tg, routed[tg.name])
            assert sum(shares.values()) == pytest.approx(routed[tg.name], rel=1e-9)


def test_least_outstanding_requests_favours_idle_targets():
    tg = group(algorithm="least_outstanding_requests")
    for t in ("busy", "idle"):
        healthy(tg, t)
    shares = per_target(tg, 100.0, outstanding={"busy": 9.0, "idle": 0.0})
    assert shares["idle"] > shares["busy"]
    assert sum(shares.values()) == pytest.approx(100.0)
