"""The flow fidelity's extensions: routing, variability, hyperthreads, and the backlog."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.traffic import approx, flow
from simulator.traffic.queueing import mmc_response_quantile


def one(rps_per_vcpu=100.0, cpu=1024, timeout=30.0, **kw) -> flow.TaskModel:
    return flow.TaskModel.build([cpu], [rps_per_vcpu], [timeout], **kw)


def test_defaults_are_mmc_and_shapes_follow_the_input():
    m = flow.TaskModel.build([1024, 2048], [200.0, 50.0], [30.0, 10.0])
    offered = np.array([[100.0, 20.0], [300.0, 50.0], [0.0, 0.0]])
    tasks = np.array([[1, 1], [3, 1], [2, 2]])
    r = flow.evaluate(m, offered, tasks)
    assert r.latency_p99.shape == (3, 2)
    expected = mmc_response_quantile(0.99, [1, 2], [100.0, 20.0], [200.0, 50.0])
    assert r.latency_p99[0] == pytest.approx(expected, rel=1e-9)


def test_routing_orders_latency():
    # at the same load: round robin smooths arrivals, LOR balances queues, random does neither
    p99 = {}
    for routing in flow.ROUTING_ALGORITHMS:
        r = flow.evaluate(one(routing=routing), np.array([320.0]), np.array([4]))
        p99[routing] = float(r.latency_p99[0])
        assert r.utilization[0] == pytest.approx(0.8)
    assert p99["least_outstanding_requests"] < p99["round_robin"] < p99["weighted_random"]


def test_round_robin_is_the_exact_erlang_arrivals_queue():
    r = flow.evaluate(one(routing="round_robin", cpu=2048), np.array([300.0]), np.array([3]))
    tail = approx.erlang_arrivals_wait(2, 100.0, 100.0, 3)
    assert r.latency_mean[0] == pytest.approx(float(approx.response_mean(tail, 100.0)))


def test_variability_moves_latency_the_right_way():
    def p99(**kw):
        return float(flow.evaluate(one(**kw), np.array([70.0]), np.array([1])).latency_p99[0])

    assert p99(cs=0.0) < p99() < p99(cs=2.0)
    assert p99(ca=0.5) < p99() < p99(ca=1.5)


def test_hyperthreads_lower_capacity_above_the_knee():
    x86 = one(full_load_efficiency=0.63)
    arm = one(full_load_efficiency=0.96)
    low = [flow.evaluate(m, np.array([40.0]), np.array([1])) for m in (x86, arm)]
    assert low[0].latency_p99[0] == low[1].latency_p99[0]  # below the knee: no effect
    high = [flow.evaluate(m, np.array([80.0]), np.array([1])) for m in (x86, arm)]
    assert high[0].failed[0] == pytest.approx(80.0 - 63.0)  # x86 saturates at 63 rps
    assert high[0].utilization[0] == 1.0
    assert high[1].failed[0] == 0.0
    assert 0.8 < high[1].utilization[0] < 1.0


def test_requests_slower_than_the_timeout_fail():
    # M/M/1 at 99 % load of 100 rps with a 0.5 s timeout: P(T > 0.5) = e^{-0.5}
    r = flow.evaluate(one(timeout=0.5), np.array([99.0]), np.array([1]))
    assert r.failed[0] == pytest.approx(99.0 * np.exp(-0.5))
    assert r.served[0] + r.failed[0] == pytest.approx(99.0)
    assert r.latency_p99[0] == 0.5


def test_unknown_routing_is_refused():
    with pytest.raises(ValueError, match="routing"):
        one(routing="fastest")


# -- the backlog ------------------------------------------------------------------------


def run(model, offered, tasks, dt, state=None):
    state = state or flow.FlowState.empty(model)
    results = []
    for lam, n in zip(offered, tasks, strict=True):
        r = flow.step(state, np.atleast_1d(lam), np.atleast_1d(n), dt)
        results.append(r)
        state = r.state
    return results


def test_overload_grows_a_backlog_up_to_the_timeout_then_fails():
    m = one(timeout=30.0)  # 100 rps, backlog limit 100 * 30 = 3000 requests
    rs = run(m, [150.0] * 8, [1] * 8, 10.0)
    backlog = [float(r.backlog[0]) for r in rs]
    assert backlog == pytest.approx([500, 1000, 1500, 2000, 2500, 3000, 3000, 3000])
    assert [float(r.completed[0]) for r in rs] == pytest.approx([1000] * 8)
    assert [float(r.failed[0]) for r in rs] == pytest.approx([0] * 5 + [0, 500, 500])
    assert all(float(r.latency_p99[0]) == 30.0 for r in rs)  # saturated: the timeout


def test_backlog_drains_when_load_falls():
    m = one()
    rs = run(m, [150.0] * 4 + [50.0] * 6, [1] * 10, 10.0)
    after = [float(r.backlog[0]) for r in rs[4:]]
    assert after == pytest.approx([1500, 1000, 500, 0, 0, 0])
    # while draining, latency includes the wait behind the backlog
    steady = float(flow.evaluate(m, np.array([50.0]), np.array([1])).latency_p50[0])
    assert float(rs[5].latency_p50[0]) > steady + 5.0
    assert float(rs[-1].latency_p50[0]) == pytest.approx(steady)
    assert float(rs[5].utilization[0]) == 1.0
    assert float(rs[-1].utilization[0]) == pytest.approx(0.5)


def test_losing_tasks_fails_the_backlog_above_the_new_limit():
    m = one(timeout=30.0)
    rs = run(m, [350.0, 350.0, 0.0], [2, 2, 1], 20.0)
    assert float(rs[1].backlog[0]) == pytest.approx(6000)  # 2 tasks * 100 rps * 30 s
    # one task left: limit 3000, so 3000 fail at once, then it drains at 100 rps
    assert float(rs[2].failed[0]) == pytest.approx(3000)
    assert float(rs[2].backlog[0]) == pytest.approx(1000)


def test_no_tasks_fails_everything():
    m = one()
    rs = run(m, [150.0, 30.0], [1, 0], 10.0)
    assert float(rs[1].failed[0]) == pytest.approx(500 + 300)
    assert float(rs[1].backlog[0]) == 0.0
    assert np.isnan(rs[1].latency_p99[0])


def test_tick_length_does_not_change_the_totals():
    m = one()
    pattern = [(150.0, 1)] * 3 + [(60.0, 1)] * 4 + [(180.0, 2)] * 2 + [(10.0, 1)] * 3
    minute = run(m, [o for o, _ in pattern], [n for _, n in pattern], 60.0)
    seconds = run(
        m,
        [o for o, _ in pattern for _ in range(60)],
        [n for _, n in pattern for _ in range(60)],
        1.0,
    )

    def totals(rs):
        return [
            sum(float(getattr(r, k)[0]) for r in rs) for k in ("arrivals", "completed", "failed")
        ]

    assert totals(seconds) == pytest.approx(totals(minute), rel=1e-9)
    assert float(seconds[-1].backlog[0]) == pytest.approx(float(minute[-1].backlog[0]), abs=1e-6)


def test_stable_step_matches_evaluate():
    m = flow.TaskModel.build([1024, 4096], [100.0, 30.0], [30.0, 5.0], routing="round_robin")
    offered, tasks = np.array([250.0, 100.0]), np.array([3, 1])
    r = flow.step(flow.FlowState.empty(m), offered, tasks, 60.0)
    e = flow.evaluate(m, offered, tasks)
    assert r.backlog.tolist() == [0.0, 0.0]
    for k in ("latency_mean", "latency_p50", "latency_p99", "utilization"):
        assert getattr(r, k) == pytest.approx(getattr(e, k))
    assert r.failed == pytest.approx(e.failed * 60.0)


@st.composite
def schedules(draw):
    services = draw(st.integers(1, 4))
    steps = draw(st.integers(1, 25))
    dt = draw(st.sampled_from([1.0, 10.0, 60.0]))
    offered = draw(
        st.lists(
            st.lists(st.floats(0.0, 2000.0), min_size=services, max_size=services),
            min_size=steps,
            max_size=steps,
        )
    )
    tasks = draw(
        st.lists(
            st.lists(st.integers(0, 6), min_size=services, max_size=services),
            min_size=steps,
            max_size=steps,
        )
    )
    routing = draw(st.sampled_from(flow.ROUTING_ALGORITHMS))
    efficiency = draw(st.sampled_from([1.0, 0.96, 0.63]))
    return services, dt, np.array(offered), np.array(tasks), routing, efficiency


@given(schedules())
def test_every_step_conserves_requests(schedule):
    services, dt, offered, tasks, routing, efficiency = schedule
    m = flow.TaskModel.build(
        [512, 1024, 2048, 4096][:services],
        [100.0, 200.0, 50.0, 10.0][:services],
        [30.0, 1.0, 10.0, 60.0][:services],
        routing=routing,
        full_load_efficiency=efficiency,
    )
    state = flow.FlowState.empty(m)
    for lam, n in zip(offered, tasks, strict=True):
        r = flow.step(state, lam, n, dt)
        change = r.state.backlog - state.backlog
        assert r.arrivals == pytest.approx(r.completed + r.failed + change, rel=1e-9, abs=1e-6)
        assert np.all(r.completed >= -1e-9) and np.all(r.failed >= -1e-9)
        assert np.all(r.backlog >= 0)
        limit = n * m.task_capacity * efficiency * m.timeout
        assert np.all(r.backlog <= limit * (1 + 1e-9) + 1e-9)
        assert np.all((r.utilization >= 0) & (r.utilization <= 1))
        served = n > 0
        assert np.all(r.latency_p99[served] <= m.timeout[served])
        assert np.all(r.latency_p50[served] <= r.latency_p99[served] + 1e-12)
        state = r.state


@pytest.mark.parametrize("routing", flow.ROUTING_ALGORITHMS)
def test_p90_is_the_quantile_of_the_distribution_that_gives_p50_and_p99(routing):
    # the three percentiles come from one response-time distribution (the routing's own
    # queue), so they are ordered and p90 is its 0.9-quantile, not another queue's
    m = one(routing=routing, cpu=2048)
    offered, tasks = np.array([150.0, 300.0, 380.0]), np.array([3, 3, 4])
    r = flow.evaluate(m, offered, tasks)
    assert np.all(r.latency_p50 < r.latency_p90) and np.all(r.latency_p90 < r.latency_p99)
    if routing == "round_robin":  # the exact E_N/M/c queue of each task
        for k in range(3):
            wait = approx.erlang_arrivals_wait(2, offered[k] / tasks[k], 100.0, tasks[k])
            q90 = float(approx.response_quantile(0.9, wait, 100.0))
            assert r.latency_p90[k] == pytest.approx(q90, rel=1e-9)
    if routing == "weighted_random":  # M/M/c: the closed form's bisection agrees
        q90 = mmc_response_quantile(0.9, 2, offered / tasks, 100.0)
        assert r.latency_p90 == pytest.approx(q90, rel=1e-9)
