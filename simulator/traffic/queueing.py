"""Queueing formulas for a task seen as an M/M/c queue, vectorised with numpy.

A task with c servers of rate mu each (requests per second per server) receives
lam requests per second. Erlang C gives the probability a request waits; the response
time T = W + S has the closed-form tail used for percentiles:

    P(T > t) = (1 - C) e^{-mu t} + C (theta e^{-mu t} - mu e^{-theta t}) / (theta - mu)

with theta = c mu - lam (the hypoexponential tail of an Exp(theta) wait plus an
Exp(mu) service), and the limit C mu t e^{-mu t} + e^{-mu t} when theta == mu.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def erlang_b(c: ArrayLike, a: ArrayLike) -> np.ndarray:
    """Erlang B blocking probability for c servers and offered load a = lam/mu."""
    c_arr, a_arr = np.broadcast_arrays(np.asarray(c, dtype=np.int64), np.asarray(a, dtype=float))
    b = np.ones(c_arr.shape, dtype=float)
    if c_arr.size == 0:
        return b
    for k in range(1, int(c_arr.max()) + 1):
        step = a_arr * b / (k + a_arr * b)
        b = np.where(k <= c_arr, step, b)
    return b


def erlang_c(c: ArrayLike, a: ArrayLike) -> np.ndarray:
    """Probability that an arrival waits (Erlang C); 1 when the queue is unstable."""
    c_arr, a_arr = np.broadcast_arrays(np.asarray(c, dtype=np.int64), np.asarray(a, dtype=float))
    rho = a_arr / c_arr
    b = erlang_b(c_arr, a_arr)
    with np.errstate(divide="ignore", invalid="ignore"):
        pw = b / (1.0 - rho * (1.0 - b))
    return np.where(rho < 1.0, pw, 1.0)


def mmc_mean_wait(c: ArrayLike, lam: ArrayLike, mu: ArrayLike) -> np.ndarray:
    """Mean time in queue, E[W] = C / (c mu - lam); inf when lam >= c mu."""
    c_arr, lam_arr, mu_arr = np.broadcast_arrays(
        np.asarray(c, dtype=np.int64), np.asarray(lam, dtype=float), np.asarray(mu, dtype=float)
    )
    pw = erlang_c(c_arr, lam_arr / mu_arr)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = pw / (c_arr * mu_arr - lam_arr)
    return np.where(lam_arr < c_arr * mu_arr, w, np.inf)


def mmc_mean_response(c: ArrayLike, lam: ArrayLike, mu: ArrayLike) -> np.ndarray:
    """Mean response time E[T] = E[W] + 1/mu."""
    return mmc_mean_wait(c, lam, mu) + 1.0 / np.asarray(mu, dtype=float)


def mmc_response_tail(t: ArrayLike, c: ArrayLike, lam: ArrayLike, mu: ArrayLike) -> np.ndarray:
    """P(T > t) for the response time of a stable M/M/c queue."""
    t_arr, c_arr, lam_arr, mu_arr = np.broadcast_arrays(
        np.asarray(t, dtype=float),
        np.asarray(c, dtype=np.int64),
        np.asarray(lam, dtype=float),
        np.asarray(mu, dtype=float),
    )
    pw = erlang_c(c_arr, lam_arr / mu_arr)
    return _tail(t_arr, pw, c_arr * mu_arr - lam_arr, mu_arr)


def _tail(t: np.ndarray, pw: np.ndarray, theta: np.ndarray, mu: np.ndarray) -> np.ndarray:
    e_mu = np.exp(-mu * t)
    diff = theta - mu
    close = np.abs(diff) < 1e-9 * np.maximum(mu, 1e-300)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        hypo = (theta * e_mu - mu * np.exp(-theta * t)) / diff
    hypo = np.where(close, (1.0 + mu * t) * e_mu, hypo)
    return (1.0 - pw) * e_mu + pw * hypo


def mmc_response_quantile(
    q: float, c: ArrayLike, lam: ArrayLike, mu: ArrayLike, iterations: int = 48
) -> np.ndarray:
    """The q-quantile of response time (e.g. q=0.99 for p99); inf when unstable.

    Solved by bisection on the closed-form tail (relative precision about
    2**-iterations), all queues at once.
    """
    c_arr, lam_arr, mu_arr = np.broadcast_arrays(
        np.asarray(c, dtype=np.int64), np.asarray(lam, dtype=float), np.asarray(mu, dtype=float)
    )
    stable = lam_arr < c_arr * mu_arr
    target = 1.0 - q
    lo = np.zeros(c_arr.shape)
    # upper bound: the slower of the two exponential rates, generously
    slowest = np.minimum(mu_arr, np.where(stable, c_arr * mu_arr - lam_arr, mu_arr))
    hi = np.where(stable, (np.log(1.0 / target) + 5.0) / np.maximum(slowest, 1e-300), 0.0)
    safe_lam = np.where(stable, lam_arr, 0.0)
    pw = erlang_c(c_arr, safe_lam / mu_arr)
    theta = c_arr * mu_arr - safe_lam
    # _tail's loop invariants, computed once (the same operations, so the same values)
    diff = theta - mu_arr
    close = np.abs(diff) < 1e-9 * np.maximum(mu_arr, 1e-300)
    any_close = bool(close.any())
    idle = 1.0 - pw
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for _ in range(iterations):
            mid = 0.5 * (lo + hi)
            e_mu = np.exp(-mu_arr * mid)
            hypo = (theta * e_mu - mu_arr * np.exp(-theta * mid)) / diff
            if any_close:
                hypo = np.where(close, (1.0 + mu_arr * mid) * e_mu, hypo)
            above = idle * e_mu + pw * hypo > target
            lo = np.where(above, mid, lo)
            hi = np.where(above, hi, mid)
    return np.where(stable, 0.5 * (lo + hi), np.inf)
