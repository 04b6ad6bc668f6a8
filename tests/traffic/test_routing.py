"""TargetGroupRouting keeps a traffic model in step with ELBv2's rules: no request
goes to a target that is not a registered, healthy target (fail open excepted), a
draining target gets no new request, and requests are conserved across weight changes,
deregistrations and targets lost mid-tick."""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.traffic import elb_targets
from simulator.traffic.arrivals import Constant
from simulator.traffic.elb import HealthCheck, Listener, TargetGroup, TargetHealthState
from simulator.traffic.fidelity import FlowTraffic, ServiceTraffic
from simulator.traffic.routing import TargetGroupRouting

TICK = 60.0


class Clock:
    now = 0.0


def setup(rps: float = 300.0):
    clock = Clock()
    groups = [
        TargetGroup(name, f"arn:{name}", check=HealthCheck(), target_type="ip")
        for name in ("blue", "green")
    ]
    services = [ServiceTraffic(g.name, 1024, 30.0, Constant(rps)) for g in groups]
    model = FlowTraffic(services, TICK, clock=lambda: clock.now)
    routing = TargetGroupRouting(model, {g.arn: g.name for g in groups}, lambda arn, t: 100.0)
    listener = Listener(port=80)
    listener.set_forward([(groups[0], 1), (groups[1], 1)])
    routing.add_listener(listener)
    return clock, groups, model, routing, listener


def healthy(tg: TargetGroup, target: str, at: float) -> None:
    tg.register(target, at)
    for _ in range(tg.check.healthy_threshold):
        tg.health_check(target, True)


def apply_target_op(tg: TargetGroup, op: str, target: str, at: float) -> None:
    """register, healthy / fail (a threshold of checks), deregister; a name for another op
    or a target not registered does nothing here."""
    if op == "register":
        tg.register(target, at)
    elif op == "healthy" and target in tg.targets:
        for _ in range(tg.check.healthy_threshold):
            tg.health_check(target, True)
    elif op == "fail" and target in tg.targets:
        for _ in range(tg.check.unhealthy_threshold):
            tg.health_check(target, False)
    elif op == "deregister" and target in tg.targets:
        tg.deregister(target, at)


OPS = st.lists(
    st.tuples(
        st.sampled_from(["register", "healthy", "fail", "deregister", "complete", "weights"]),
        st.integers(0, 1),  # group
        st.integers(0, 3),  # target
        st.integers(0, 999),  # weight
        st.floats(0, TICK),  # time step
    ),
    max_size=40,
)


@given(OPS)
def test_only_registered_healthy_targets_get_requests_and_requests_are_conserved(ops):
    clock, groups, model, routing, listener = setup()
    weights = [1, 1]
    changes = [(0.0, (0.5, 0.5))]  # (time, each group's share) as the listener changes
    model.open(0.0)
    for op, g, k, w, dt in ops:
        tick_start = model._open_at
        clock.now += dt
        if clock.now - tick_start >= TICK:  # the tick boundary comes first
            model.close(tick_start + TICK)
            model.open(tick_start + TICK)
        tg, target = groups[g], f"10.0.{g}.{k}"
        apply_target_op(tg, op, target, clock.now)
        if op == "complete":
            tg.complete_deregistration(clock.now + 3600)
        elif op == "weights":
            weights[g] = w
            listener.set_forward([(groups[0], weights[0]), (groups[1], weights[1])])
            routing.refresh_shares()
            total = sum(weights)
            changes.append((clock.now, tuple(x / total if total else 0.0 for x in weights)))
        routing.refresh(tg)
        for group in groups:
            routed = set(model._running[group.name])
            states = {t: group.targets[t].state for t in routed}
            assert TargetHealthState.DRAINING not in states.values()
            assert TargetHealthState.INITIAL not in states.values()
            if any(t.state is TargetHealthState.HEALTHY for t in group.targets.values()):
                assert set(states.values()) <= {TargetHealthState.HEALTHY}
            else:  # fail open: every unhealthy target
                assert set(states.values()) <= {TargetHealthState.UNHEALTHY}
    model.close(clock.now)
    times, m = model.flush()
    edges = np.append(times, clock.now)
    for j in range(2):
        arriving = np.array(
            [
                300.0 * _share_seconds(changes, j, a, b)
                for a, b in zip(edges[:-1], edges[1:], strict=True)
            ]
        )
        taken = m["RequestCount"][:, j] + m["HTTPCode_ELB_503_Count"][:, j]
        assert taken == pytest.approx(arriving, abs=1e-6)
        done = m["HTTPCode_Target_2XX_Count"][:, j] + m["HTTPCode_Target_5XX_Count"][:, j]
        queued = m["BacklogRequests"][-1, j] if len(times) else 0.0
        assert m["RequestCount"][:, j].sum() == pytest.approx(done.sum() + queued, abs=1e-6)


def _share_seconds(changes, j: int, a: float, b: float) -> float:
    """Integral of group j's share over [a, b) (the last change at a time wins)."""
    out = 0.0
    for (t0, shares), (t1, _) in zip(changes, [*changes[1:], (np.inf, None)], strict=True):
        lo, hi = max(a, t0), min(b, t1)
        if hi > lo:
            out += shares[j] * (hi - lo)
    return out


def test_a_target_lost_half_way_gives_half_a_tick_of_capacity_and_503s_for_the_gap():
    clock, groups, model, routing, _ = setup(rps=100.0)
    blue = groups[0]
    healthy(blue, "a", 0.0)
    routing.refresh(blue)
    model.open(0.0)
    clock.now = 30.0
    blue.deregister("a", 30.0)
    routing.refresh(blue)
    model.close(60.0)
    _, m = model.flush()
    # blue gets half of 100 rps; without a target for the second half of the minute
    assert m["RequestCount"][0, 0] == pytest.approx(50 * 30)
    assert m["HTTPCode_ELB_503_Count"][0, 0] == pytest.approx(50 * 30)


def test_weights_split_the_listener_and_a_zero_weight_group_gets_nothing():
    clock, groups, model, routing, listener = setup(rps=100.0)
    for g in groups:
        healthy(g, f"{g.name}-1", 0.0)
        routing.refresh(g)
    listener.set_forward([(groups[0], 90), (groups[1], 10)])
    routing.refresh_shares()
    model.open(0.0)
    model.close(60.0)
    _, m = model.flush()
    assert m["RequestCount"][0] == pytest.approx([90 * 60, 10 * 60])
    listener.set_forward([(groups[0], 1), (groups[1], 0)])
    routing.refresh_shares()
    model.open(60.0)
    model.close(120.0)
    _, m = model.flush()
    assert m["RequestCount"][0] == pytest.approx([100 * 60, 0])


class Recorder:
    """A traffic model that records what routing tells it."""

    def __init__(self):
        self.calls: list[tuple[str, str]] = []

    def task_running(self, service, task_id, rps_per_vcpu):
        self.calls.append(("running", task_id))

    def task_stopping(self, service, task_id):
        self.calls.append(("stopping", task_id))

    def set_share(self, service, share):
        pass


REFRESH_OPS = st.lists(
    st.tuples(
        st.sampled_from(["register", "healthy", "fail", "deregister", "complete", "remove"]),
        st.integers(0, 2),  # target
        st.booleans(),  # refresh after this op
    ),
    max_size=60,
)


@pytest.mark.parametrize("log_min", [0, 64])
@given(ops=REFRESH_OPS)
def test_a_refresh_from_the_change_log_tells_the_model_what_a_full_recount_would(ops, log_min):
    # log_min 0 trims the group's change log often: a reader it left behind counts afresh
    with mock.patch.object(elb_targets, "KEPT_LOG_MIN", log_min):
        _refresh_against_a_full_recount(ops)


def _refresh_against_a_full_recount(ops):
    tg = TargetGroup("web", "arn:web", check=HealthCheck(), target_type="ip")
    model = Recorder()
    routing = TargetGroupRouting(model, {tg.arn: "web"}, lambda arn, t: 100.0)
    listener = Listener(port=80)
    listener.set_forward([(tg, 1)])
    routing.add_listener(listener)
    routed: set[str] = set()  # what a full recount at each refresh gives
    for op, k, refresh in ops + [("complete", 0, True)]:
        target = f"10.0.0.{k}"
        apply_target_op(tg, op, target, 0.0)
        if op == "complete":
            tg.complete_deregistration(3600.0)
        elif op == "remove":
            tg.remove(target)
        if not refresh:
            continue
        model.calls.clear()
        routing.refresh(tg)
        new = set(tg.routable())
        expected = [("stopping", t) for t in sorted(routed - new)]
        expected += [("running", t) for t in sorted(new - routed)]
        assert model.calls == expected
        assert routing.routable_count(tg.arn) == len(new)
        assert all(routing.routes(tg.arn, t) for t in new)
        routed = new


def test_a_group_that_fails_open_routes_every_unhealthy_target_not_only_the_changed_one():
    # B is unhealthy while A is healthy; A failing makes the group fail open: B comes back
    _refresh_against_a_full_recount(
        [
            ("register", 0, False),
            ("fail", 0, False),
            ("register", 1, False),
            ("healthy", 1, True),
            ("fail", 1, True),
        ]
    )


def test_a_reader_the_trimmed_change_log_left_behind_counts_afresh():
    toggles = [("healthy", 1, False), ("fail", 1, False)] * 10  # the log trims past these
    with mock.patch.object(elb_targets, "KEPT_LOG_MIN", 0):
        _refresh_against_a_full_recount(
            [("register", 0, False), ("healthy", 0, True), ("register", 1, False)]
            + [("register", 2, False), ("healthy", 2, False)]  # 2's change is trimmed away
            + toggles
            + [("deregister", 0, True)]
        )
