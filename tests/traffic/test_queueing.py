"""Erlang C and M/M/c response times against published and closed-form values."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.traffic.queueing import (
    erlang_b,
    erlang_c,
    mmc_mean_response,
    mmc_mean_wait,
    mmc_response_quantile,
    mmc_response_tail,
)


def erlang_c_by_definition(c: int, a: float) -> float:
    """Textbook sum form, independent of the recursion under test."""
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


@pytest.mark.parametrize(
    ("c", "a", "published"),
    [
        (1, 0.5, 0.5),  # M/M/1: P(wait) = rho
        (2, 1.0, 1 / 3),  # two servers at rho 0.5
        (3, 2.0, 4 / 9),
        (11, 10.0, 0.6821),  # Erlang C table: 10 erlangs on 11 agents, 68.21 % wait
    ],
)
def test_erlang_c_published_values(c, a, published):
    assert float(erlang_c(c, a)) == pytest.approx(published, abs=5e-5)


def test_erlang_b_published_value():
    # Erlang B table: 10 erlangs on 15 trunks blocks 3.65 % of calls
    assert float(erlang_b(15, 10.0)) == pytest.approx(0.0365, abs=5e-4)


@given(st.integers(1, 40), st.floats(0.01, 0.99))
def test_erlang_c_matches_the_sum_form(c, rho):
    a = rho * c
    assert float(erlang_c(c, a)) == pytest.approx(erlang_c_by_definition(c, a), rel=1e-9)


def test_unstable_queue_always_waits():
    assert float(erlang_c(2, 2.0)) == 1.0
    assert math.isinf(float(mmc_mean_wait(2, 25.0, 10.0)))
    assert math.isinf(float(mmc_response_quantile(0.99, 1, 12.0, 10.0)))


def test_mm1_closed_forms():
    lam, mu = 8.0, 10.0
    assert float(mmc_mean_response(1, lam, mu)) == pytest.approx(1 / (mu - lam))
    # M/M/1 response time is Exp(mu - lam): p99 = ln(100) / (mu - lam)
    assert float(mmc_response_quantile(0.99, 1, lam, mu)) == pytest.approx(
        math.log(100) / (mu - lam), rel=1e-9
    )


def test_tail_with_theta_equal_to_mu_is_continuous():
    # c=2, mu=1, lam=1: theta = c mu - lam = 1 = mu, the removable singularity
    at = float(mmc_response_tail(1.3, 2, 1.0, 1.0))
    near = float(mmc_response_tail(1.3, 2, 1.0 - 1e-6, 1.0))
    assert at == pytest.approx(near, rel=1e-4)


@given(st.integers(1, 16), st.floats(0.05, 0.95), st.sampled_from([0.5, 0.9, 0.99, 0.999]))
def test_quantile_inverts_the_tail(c, rho, q):
    mu = 7.0
    lam = rho * c * mu
    t = mmc_response_quantile(q, c, lam, mu)
    assert float(mmc_response_tail(t, c, lam, mu)) == pytest.approx(1 - q, abs=1e-9)


def test_vectorised_over_queues():
    c = np.array([1, 2, 4, 8])
    lam = np.array([5.0, 10.0, 30.0, 70.0])
    p99 = mmc_response_quantile(0.99, c, lam, 10.0)
    one_by_one = [
        float(mmc_response_quantile(0.99, ci, li, 10.0)) for ci, li in zip(c, lam, strict=True)
    ]
    assert np.allclose(p99, one_by_one)
