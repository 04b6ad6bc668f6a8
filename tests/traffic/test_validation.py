"""Validation: the request fidelity against queueing theory, and flow against request.

Theory tests are honest statistical tests: R independent replications (seeds), a
t-based 95 % confidence interval from the replication means, and the theoretical
value must lie inside it. With correct code each fails with probability about 5 %
for a given set of seeds; the seeds are fixed, so the outcome is reproducible. (Over
100 sets of seeds the M/M/c intervals covered the theory 95 and 93 times.)
"""

import numpy as np
import pytest
from traffic_replications import confidence_interval, run_request

from simulator.traffic import approx, flow
from simulator.traffic.queueing import erlang_c
from simulator.traffic.request import ServiceTime

R = 20


def replicate(horizon, warmup, **kw):
    waits, waited = [], []
    for seed in range(R):
        sim = run_request(seed, horizon=horizon, **kw)
        wait = sim.records(since=warmup).wait
        waits.append(wait.mean())
        waited.append(np.mean(wait > 0))
    return confidence_interval(waits), confidence_interval(waited)


def assert_inside(interval, value):
    mean, half = interval
    assert abs(mean - value) <= half, f"{value:.5f} not in {mean:.5f} +- {half:.5f}"


def test_request_fidelity_matches_mmc():
    # one task of 2 servers at 80 % load: E[W] = C / (c mu - lam), P(W > 0) = Erlang C
    c, lam, mu = 2, 1.6, 1.0
    mean_wait, p_wait = replicate(12_500.0, 500.0, rate=lam, tasks=1, servers=c, mu=mu)
    assert_inside(mean_wait, float(approx.mmc_wait(c, lam, mu).mean))
    assert_inside(p_wait, float(erlang_c(c, lam / mu)))


@pytest.mark.parametrize("service", [ServiceTime("deterministic"), ServiceTime("lognormal", 0.5)])
def test_request_fidelity_matches_pollaczek_khinchine(service):
    # M/G/1 at 70 %: Kingman with ca = 1 is exact; P(W > 0) = rho
    lam, mu = 0.7, 1.0
    mean_wait, p_wait = replicate(
        10_000.0, 300.0, rate=lam, tasks=1, servers=1, mu=mu, service_time=service
    )
    assert_inside(mean_wait, float(approx.kingman_mean_wait(lam, mu, 1.0, service.cv)))
    assert_inside(p_wait, lam / mu)


def test_round_robin_matches_the_exact_erlang_arrivals_queue():
    # 3 tasks of 2 servers behind round robin: each sees E_3 interarrival times
    tasks, c, mu, rho = 3, 2, 1.0, 0.8
    lam = rho * tasks * c * mu
    mean_wait, p_wait = replicate(
        4_000.0, 300.0, rate=lam, tasks=tasks, servers=c, mu=mu, routing="round_robin"
    )
    exact = approx.erlang_arrivals_wait(c, lam / tasks, mu, tasks)
    assert_inside(mean_wait, float(exact.mean))
    assert_inside(p_wait, float(exact.probability))


SHARED = [
    # routing, tasks, servers per task, utilization
    ("weighted_random", 3, 1, 0.7),
    ("weighted_random", 2, 2, 0.85),
    ("round_robin", 4, 1, 0.8),
    ("round_robin", 1, 4, 0.5),
    ("round_robin", 3, 2, 0.6),
]


@pytest.mark.parametrize(("routing", "tasks", "servers", "rho"), SHARED)
def test_flow_agrees_with_request(routing, tasks, servers, rho):
    """The README's tolerance: utilization and p50 within 5 %, p99 within 15 %."""
    rps_per_vcpu = 20.0
    lam = rho * tasks * servers * rps_per_vcpu
    horizon = 200_000 / lam
    warmup = 0.02 * horizon
    sim = run_request(11, lam, tasks, servers, rps_per_vcpu, horizon, routing=routing, timeout=30.0)
    p50, p99 = sim.latency_quantile([0.5, 0.99], since=warmup)
    util = sim.utilization(warmup, horizon)

    model = flow.TaskModel.build([1024 * servers], [rps_per_vcpu], [30.0], routing=routing)
    r = flow.evaluate(model, np.array([lam]), np.array([tasks]))
    assert float(r.utilization[0]) == pytest.approx(util, rel=0.05)
    assert float(r.latency_p50[0]) == pytest.approx(p50, rel=0.05)
    assert float(r.latency_p99[0]) == pytest.approx(p99, rel=0.15)
