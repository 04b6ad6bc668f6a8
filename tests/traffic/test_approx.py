"""G/G/c approximations and the exact E_k/M/c wait, against closed forms and a CTMC."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.traffic import approx
from simulator.traffic.queueing import (
    erlang_c,
    mmc_mean_response,
    mmc_mean_wait,
    mmc_response_quantile,
    mmc_response_tail,
)

servers = st.integers(1, 16)
loads = st.floats(0.02, 0.98)
rates = st.floats(0.1, 500.0)
quantiles = st.sampled_from([0.5, 0.9, 0.99, 0.999])


@given(servers, loads, rates, quantiles)
def test_ggc_with_unit_cvs_is_mmc(c, rho, mu, q):
    lam = rho * c * mu
    g = approx.ggc_wait(c, lam, mu, ca=1.0, cs=1.0)
    assert float(g.probability) == pytest.approx(float(erlang_c(c, lam / mu)), rel=1e-12)
    assert float(g.mean) == pytest.approx(float(mmc_mean_wait(c, lam, mu)), rel=1e-12)
    assert float(approx.allen_cunneen_mean_wait(c, lam, mu)) == pytest.approx(
        float(mmc_mean_wait(c, lam, mu)), rel=1e-12
    )
    assert float(approx.response_mean(g, mu)) == pytest.approx(
        float(mmc_mean_response(c, lam, mu)), rel=1e-12
    )
    t = float(mmc_response_quantile(q, c, lam, mu))
    assert float(approx.response_tail(t, g, mu)) == pytest.approx(
        float(mmc_response_tail(t, c, lam, mu)), rel=1e-9
    )
    assert float(approx.response_quantile(q, g, mu)) == pytest.approx(t, rel=1e-9)


@given(loads, rates, st.floats(0.0, 3.0), st.floats(0.0, 3.0))
def test_kingman_is_allen_cunneen_with_one_server(rho, mu, ca, cs):
    lam = rho * mu
    assert float(approx.kingman_mean_wait(lam, mu, ca, cs)) == pytest.approx(
        float(approx.allen_cunneen_mean_wait(1, lam, mu, ca, cs)), rel=1e-12
    )


def test_pollaczek_khinchine_for_mg1():
    # M/G/1 exact: E[W] = lam E[S^2] / (2 (1 - rho)) = rho (1 + cs^2) / (2 mu (1 - rho))
    lam, mu = 7.0, 10.0
    for cs in (0.0, 0.5, 1.0, 2.0):
        pk = (lam / mu) * (1 + cs**2) / (2 * mu * (1 - lam / mu))
        assert float(approx.kingman_mean_wait(lam, mu, 1.0, cs)) == pytest.approx(pk)


def test_unstable_queues():
    for tail in (approx.ggc_wait(2, 25.0, 10.0, 0.5, 2.0), approx.mmc_wait(2, 20.0, 10.0)):
        assert not tail.stable
        assert math.isinf(float(tail.mean))
        assert math.isinf(float(approx.response_quantile(0.5, tail, 10.0)))
        assert float(approx.response_tail(3.0, tail, 10.0)) == 1.0
    assert math.isinf(float(approx.kingman_mean_wait(11.0, 10.0)))


def test_wait_tail_is_exponential():
    g = approx.mmc_wait(3, 24.0, 10.0)
    pw, decay = float(g.probability), float(g.decay)
    assert decay == pytest.approx(6.0)
    assert float(g.tail(0.4)) == pytest.approx(pw * math.exp(-2.4))
    # the median wait is 0 when fewer than half the requests wait
    assert float(g.quantile(0.5)) == (0.0 if pw < 0.5 else pytest.approx(math.log(2 * pw) / 6))
    assert float(g.quantile(0.99)) == pytest.approx(math.log(pw / 0.01) / decay)


@given(servers, loads, rates, st.floats(0.0, 4.0), quantiles)
def test_quantile_inverts_the_tail_for_any_service_cv(c, rho, mu, cs, q):
    g = approx.ggc_wait(c, rho * c * mu, mu, 1.0, cs)
    t = approx.response_quantile(q, g, mu, cs)
    assert float(approx.response_tail(t, g, mu, cs)) == pytest.approx(1 - q, abs=1e-9)


def test_deterministic_service_shifts_the_wait():
    # cs = 0: T = 1/mu + W, so P(T > t) = P(W > t - 1/mu)
    g = approx.ggc_wait(1, 5.0, 10.0, 1.0, 0.0)
    assert float(approx.response_tail(0.05, g, 10.0, 0.0)) == 1.0
    assert float(approx.response_tail(0.3, g, 10.0, 0.0)) == pytest.approx(
        float(g.tail(0.2)), rel=1e-5
    )


def test_quantiles_vectorised():
    c = np.array([1, 2, 4, 8])
    lam = np.array([5.0, 10.0, 30.0, 70.0])
    g = approx.ggc_wait(c, lam, 10.0, 0.7, np.array([0.3, 1.0, 1.5, 2.5]))
    both = approx.response_quantiles((0.5, 0.99), g, 10.0, np.array([0.3, 1.0, 1.5, 2.5]))
    assert both.shape == (2, 4)
    for i in range(4):
        one = approx.ggc_wait(c[i], lam[i], 10.0, 0.7, [0.3, 1.0, 1.5, 2.5][i])
        assert both[1, i] == pytest.approx(
            float(approx.response_quantile(0.99, one, 10.0, [0.3, 1.0, 1.5, 2.5][i])), rel=1e-9
        )


def ek_m_c_by_ctmc(c: int, lam: float, mu: float, k: int, cap: int = 300) -> tuple[float, float]:
    """P(wait) and E[W] of E_k/M/c from its CTMC (number, arrival phase), truncated.

    Independent of the Takacs formula under test: arrivals see the state just before
    the last phase completes.
    """
    size = (cap + 1) * k
    q = np.zeros((size, size))
    for n in range(cap + 1):
        for p in range(k):
            i = n * k + p
            nxt = n * k + p + 1 if p < k - 1 else (min(n + 1, cap)) * k
            q[i, nxt] += k * lam
            if n > 0:
                q[i, (n - 1) * k + p] += min(n, c) * mu
    np.fill_diagonal(q, q.diagonal() - q.sum(axis=1))
    a = q.T.copy()
    a[-1] = 1.0  # one balance equation is redundant: normalise instead
    b = np.zeros(size)
    b[-1] = 1.0
    pi = np.linalg.solve(a, b).reshape(cap + 1, k)[:, k - 1]
    seen = pi / pi.sum()
    n = np.arange(cap + 1)
    return float(seen[c:].sum()), float(np.sum(seen * np.where(n >= c, (n - c + 1) / (c * mu), 0)))


@pytest.mark.parametrize(
    ("c", "k", "rho"), [(1, 3, 0.7), (2, 3, 0.8), (4, 2, 0.6), (3, 5, 0.9), (2, 2, 0.5)]
)
def test_erlang_arrivals_wait_matches_the_ctmc(c, k, rho):
    mu = 2.0
    lam = rho * c * mu
    tail = approx.erlang_arrivals_wait(c, lam, mu, k)
    pw, mean = ek_m_c_by_ctmc(c, lam, mu, k)
    assert float(tail.probability) == pytest.approx(pw, rel=1e-7)
    assert float(tail.mean) == pytest.approx(mean, rel=1e-7)


@given(servers, loads)
def test_erlang_arrivals_with_one_phase_is_mmc(c, rho):
    tail = approx.erlang_arrivals_wait(c, rho * c, 1.0, 1)
    assert float(tail.probability) == pytest.approx(float(erlang_c(c, rho * c)), rel=1e-12)


@given(servers, loads, st.integers(2, 200))
def test_erlang_arrivals_wait_less_than_poisson(c, rho, k):
    # smoother arrivals (round robin over k tasks) never wait more than Poisson ones
    tail = approx.erlang_arrivals_wait(c, rho * c, 1.0, k)
    mmc = approx.mmc_wait(c, rho * c, 1.0)
    assert 0.0 <= float(tail.probability) <= float(mmc.probability) + 1e-9
    assert float(tail.mean) <= float(mmc.mean) * (1 + 1e-9)


def test_erlang_arrivals_near_the_removable_singularity_is_continuous():
    # omega = 1 - j / c makes one term 0/0; values around it must join up
    c, k, mu = 2, 3, 1.0
    lams = np.linspace(1.2, 1.5, 3001)
    pw = approx.erlang_arrivals_wait(c, lams, mu, k).probability
    assert np.all(np.isfinite(pw))
    assert np.max(np.abs(np.diff(pw))) < 1e-3
