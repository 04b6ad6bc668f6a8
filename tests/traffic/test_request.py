"""The request fidelity's accounting: conservation, timeouts, deregistration, streams."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from traffic_replications import confidence_interval, run_request

from simulator.core.world import World
from simulator.traffic.arrivals import Constant, Diurnal, Steps
from simulator.traffic.request import RequestCounters, RequestSimulation, ServiceTime


def simulation(world, rate=50.0, **kw) -> RequestSimulation:
    model = Constant(rate) if isinstance(rate, int | float) else rate
    return RequestSimulation(world, model, **kw)


def test_counters_add_up_and_requests_finish():
    w = World(1)
    sim = simulation(w, 80.0)
    sim.add_task(1, 100.0)
    sim.start()
    w.run(100)
    c = sim.counters()
    assert c.arrivals == c.completed + c.failed + c.in_flight
    assert c.failed == 0
    assert c.arrivals == pytest.approx(8000, abs=4 * math.sqrt(8000))
    r = sim.records()
    assert np.all(r.resolved >= r.arrival)
    assert np.all(r.start >= r.arrival)


def test_same_seed_same_requests_and_common_random_numbers():
    def run(seed, servers, rate):
        w = World(seed)
        sim = simulation(w, Diurnal(20, 80, peak_at=30))
        sim.add_task(servers, rate)
        sim.start()
        w.run(60)
        return sim.records()

    a, b = run(3, 1, 100.0), run(3, 1, 100.0)
    assert np.array_equal(a.arrival, b.arrival) and np.array_equal(a.resolved, b.resolved)
    # a variant with other tasks (say Graviton, faster) sees the same arrivals and work
    c = run(3, 2, 130.0)
    assert np.array_equal(a.arrival, c.arrival)
    assert not np.array_equal(a.resolved, c.resolved)
    assert not np.array_equal(a.arrival, run(4, 1, 100.0).arrival)


def test_arrival_count_follows_the_rate_integral():
    # Steps: 10/s for 100 s then 200/s for 100 s; Poisson counts in each part
    model = Steps([(0, 10.0), (100, 200.0)])
    counts = []
    for seed in range(20):
        w = World(seed)
        sim = simulation(w, model)
        sim.add_task(4, 100.0)
        sim.start()
        w.run(200)
        arr = sim.records().arrival
        counts.append((np.sum(arr < 100), np.sum(arr >= 100)))
    low, high = np.array(counts).T
    m, h = confidence_interval(low)
    assert abs(m - 1000) <= h
    m, h = confidence_interval(high)
    assert abs(m - 20000) <= h


def test_timeout_fails_slow_requests_and_frees_queue_slots():
    # deterministic 1 s service, one server, 3 requests/s: the queue grows 2/s
    w = World(0)
    sim = simulation(w, 3.0, timeout=5.0, service_time=ServiceTime("deterministic"))
    sim.add_task(1, 1.0)
    sim.start()
    w.run(200)
    r = sim.records()
    done = r.resolved <= w.now
    assert np.all(r.latency[r.completed] <= 5.0)
    assert np.all(r.latency[~r.completed & done] == pytest.approx(5.0))
    # a request that left the queue used no server time: throughput stays 1/s
    served = np.isfinite(r.start)
    assert np.sum(served & (r.finish <= 200)) == pytest.approx(200, abs=6)
    assert sim.counters().failed > 300


def test_no_registered_task_fails_at_once():
    w = World(0)
    sim = simulation(w, 10.0)
    sim.start()
    w.run(10)
    c = sim.counters()
    assert c.failed == c.arrivals > 0 and c.in_flight == 0
    assert np.all(sim.records().task == -1)


def test_deregistration_finishes_in_flight_requests_then_cuts_off():
    w = World(2)
    sim = simulation(w, 30.0, deregistration_delay=5.0, service_time=ServiceTime("deterministic"))
    slow = sim.add_task(1, 10.0)  # 10 requests/s offered 15: it falls behind
    sim.add_task(1, 1000.0)
    sim.start()
    w.at(20, lambda: sim.remove_task(slow))
    w.run(60)
    r = sim.records()
    mine = r.task == slow
    assert np.all(r.arrival[mine] < 20)  # no new requests once deregistered
    assert np.all(r.resolved[mine] <= 25.0 + 1e-9)
    cut = mine & ~r.completed
    assert cut.any() and np.all(r.resolved[cut & (r.latency < 30)] == pytest.approx(25.0))
    with pytest.raises(ValueError, match="not registered"):
        sim.remove_task(slow)


def test_round_robin_spreads_evenly():
    w = World(5)
    sim = simulation(w, 300.0)
    for _ in range(3):
        sim.add_task(1, 200.0)
    sim.start()
    w.run(100)
    counts = np.bincount(sim.records().task)
    assert counts.max() - counts.min() <= 1


def test_least_outstanding_prefers_the_fast_task():
    w = World(5)
    sim = simulation(w, 150.0, routing="least_outstanding_requests")
    sim.add_task(1, 40.0)
    fast = sim.add_task(1, 400.0)
    sim.start()
    w.run(100)
    counts = np.bincount(sim.records().task)
    assert counts[fast] > 3 * counts[1 - fast]


def test_service_times_have_unit_mean_and_the_asked_cv():
    rng = np.random.default_rng(0)
    for st_, cv in [(ServiceTime(), 1.0), (ServiceTime("lognormal", 0.5), 0.5)]:
        x = st_.draw(rng, 400_000)
        assert x.mean() == pytest.approx(1.0, rel=0.01)
        assert x.std() / x.mean() == pytest.approx(cv, rel=0.02)
    assert ServiceTime("deterministic").cv == 0.0
    with pytest.raises(ValueError, match="distribution"):
        ServiceTime("pareto")


def test_counters_in_the_past_and_not_the_future():
    sim = run_request(1, 20.0, 1, 1, 30.0, 50.0)
    past = sim.counters(at=25.0)
    assert past.arrivals == past.completed + past.failed + past.in_flight
    assert past.arrivals < sim.counters().arrivals
    with pytest.raises(ValueError, match="<= now"):
        sim.counters(at=51.0)


def test_a_model_above_its_sampled_bound_is_refused():
    class Sneaky:
        """Looks quiet on the 257-point grid the bound is sampled on, is busy elsewhere."""

        def rate(self, times):
            return np.full(np.shape(times), 1.0 if np.size(times) == 257 else 100.0)

    w = World(0)
    sim = simulation(w, Sneaky())
    sim.add_task(1, 10.0)
    with pytest.raises(ValueError, match="max_rate"):
        sim.start()


# -- conservation under any schedule ----------------------------------------------------

ACTIONS = st.one_of(
    st.tuples(st.just("add"), st.integers(1, 3), st.floats(5.0, 200.0)),
    st.tuples(st.just("remove"), st.integers(0, 10), st.just(0.0)),
    st.tuples(st.just("check"), st.just(0), st.just(0.0)),
)


@given(
    seed=st.integers(0, 2**16),
    routing=st.sampled_from(["round_robin", "least_outstanding_requests", "weighted_random"]),
    service=st.sampled_from(
        [ServiceTime(), ServiceTime("deterministic"), ServiceTime("lognormal", 2.0)]
    ),
    timeout=st.sampled_from([0.05, 1.0, 1e9]),
    delay=st.sampled_from([0.0, 2.0, 300.0]),
    rates=st.lists(st.floats(0.0, 400.0), min_size=1, max_size=5),
    schedule=st.lists(st.tuples(st.floats(0.0, 30.0), ACTIONS), max_size=20),
)
def test_arrivals_always_equal_completed_failed_and_in_flight(
    seed, routing, service, timeout, delay, rates, schedule
):
    w = World(seed)
    model = Steps([(6.0 * i, r) for i, r in enumerate(rates)])
    sim = RequestSimulation(
        w,
        model,
        routing=routing,
        service_time=service,
        timeout=timeout,
        deregistration_delay=delay,
    )
    sim.add_task(1, 100.0)
    sim.start()
    seen: list[RequestCounters] = []

    def act(kind, a, b):
        if kind == "add":
            sim.add_task(a, b)
        elif kind == "remove" and sim.active_tasks:
            sim.remove_task(sim.active_tasks[a % len(sim.active_tasks)])
        c = sim.counters()
        assert c.arrivals == c.completed + c.failed + c.in_flight
        assert min(c) >= 0
        seen.append(c)

    for at, action in sorted(schedule, key=lambda x: x[0]):
        w.at(at, lambda action=action: act(*action))
    for t in (10.0, 20.0, 30.0, 40.0):
        w.run(t)
        act("check", 0, 0.0)
    # counters never run backwards
    for before, after in zip(seen, seen[1:], strict=False):
        assert after.arrivals >= before.arrivals
        assert after.completed >= before.completed and after.failed >= before.failed
    # every request is answered by its deadline (or at once, without a target)
    r = sim.records()
    assert np.all(r.resolved <= r.arrival + timeout + 1e-9)
