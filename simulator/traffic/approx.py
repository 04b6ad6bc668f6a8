"""Waiting and response times beyond M/M/c: G/G/c approximations, GI/M/c exactly.

Every wait is described by an exponential tail, ``P(W > t) = probability *
exp(-decay * t)`` (a ``WaitTail``):

- M/M/c, exact: probability = Erlang C, decay = c mu - lam.
- GI/M/c with Erlang-k interarrival times, exact (Takacs): the wait of a request that
  waits is exponential, decay = c mu (1 - omega) with omega the root in (0, 1) of
  omega = A*(c mu (1 - omega)), A* the interarrival Laplace-Stieltjes transform. This
  is a task behind a round-robin load balancer: every k-th request of a Poisson stream.
- G/G/c, approximate: probability = Erlang C; the mean from Allen-Cunneen,
  E[W] = C(c, a) / (c mu - lam) * (ca^2 + cs^2) / 2 (Kingman's formula when c = 1,
  exact for M/G/1 by Pollaczek-Khinchine); decay = probability / E[W], so the tail is
  exponential with the right mean (exact when ca = cs = 1).

A response time is T = W + S with S fitted by its mean 1/mu and coefficient of
variation cs: exponential (cs = 1); a constant plus an exponential (cs < 1; a constant
at cs = 0); a balanced-means two-phase hyperexponential (cs > 1). W + S then has a
closed-form tail, and quantiles are found by bisection, vectorised over queues.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from simulator.traffic.queueing import erlang_c

MIN_CV = 1e-6  # a service cv below this is treated as deterministic


@dataclass(frozen=True)
class WaitTail:
    """P(W > t) = probability * exp(-decay * t); decay 0 marks an unstable queue."""

    probability: np.ndarray
    decay: np.ndarray

    @property
    def stable(self) -> np.ndarray:
        return self.decay > 0.0

    @property
    def mean(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.stable, self.probability / self.decay, np.inf)

    def tail(self, t: ArrayLike) -> np.ndarray:
        """P(W > t)."""
        with np.errstate(invalid="ignore"):
            return np.where(
                self.stable,
                self.probability * np.exp(-self.decay * np.asarray(t, dtype=float)),
                1.0,
            )

    def quantile(self, q: float) -> np.ndarray:
        """The q-quantile of the wait: 0 when fewer than 1 - q of requests wait."""
        with np.errstate(divide="ignore", invalid="ignore"):
            w = np.log(self.probability / (1.0 - q)) / self.decay
        return np.where(self.stable, np.maximum(np.nan_to_num(w, nan=0.0), 0.0), np.inf)


def _arrays(*values: ArrayLike) -> list[np.ndarray]:
    return [np.asarray(v, dtype=float) for v in np.broadcast_arrays(*values)]


def mmc_wait(c: ArrayLike, lam: ArrayLike, mu: ArrayLike) -> WaitTail:
    """The exact M/M/c wait."""
    c_arr, lam_arr, mu_arr = _arrays(c, lam, mu)
    stable = lam_arr < c_arr * mu_arr
    safe = np.where(stable, lam_arr, 0.0)
    pw = erlang_c(c_arr.astype(np.int64), safe / mu_arr)
    return WaitTail(np.where(stable, pw, 1.0), np.where(stable, c_arr * mu_arr - safe, 0.0))


def allen_cunneen_mean_wait(
    c: ArrayLike, lam: ArrayLike, mu: ArrayLike, ca: ArrayLike = 1.0, cs: ArrayLike = 1.0
) -> np.ndarray:
    """Allen-Cunneen G/G/c mean wait; ``ca``, ``cs`` are coefficients of variation."""
    c_arr, lam_arr, mu_arr, ca_arr, cs_arr = _arrays(c, lam, mu, ca, cs)
    base = mmc_wait(c_arr, lam_arr, mu_arr).mean
    return base * (ca_arr**2 + cs_arr**2) / 2.0


def kingman_mean_wait(
    lam: ArrayLike, mu: ArrayLike, ca: ArrayLike = 1.0, cs: ArrayLike = 1.0
) -> np.ndarray:
    """Kingman's G/G/1 mean wait, rho / (1 - rho) * (ca^2 + cs^2) / 2 / mu."""
    lam_arr, mu_arr, ca_arr, cs_arr = _arrays(lam, mu, ca, cs)
    rho = lam_arr / mu_arr
    with np.errstate(divide="ignore", invalid="ignore"):
        w = rho / (1.0 - rho) * (ca_arr**2 + cs_arr**2) / 2.0 / mu_arr
    return np.where(rho < 1.0, w, np.inf)


def ggc_wait(
    c: ArrayLike, lam: ArrayLike, mu: ArrayLike, ca: ArrayLike = 1.0, cs: ArrayLike = 1.0
) -> WaitTail:
    """Approximate G/G/c wait: Erlang C probability, Allen-Cunneen mean."""
    c_arr, lam_arr, mu_arr, ca_arr, cs_arr = _arrays(c, lam, mu, ca, cs)
    mmc = mmc_wait(c_arr, lam_arr, mu_arr)
    scale = (ca_arr**2 + cs_arr**2) / 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        decay = np.where(scale > 0, mmc.decay / scale, np.inf)
    return WaitTail(np.where(scale > 0, mmc.probability, 0.0), np.where(mmc.stable, decay, 0.0))


def erlang_interarrival_lst(s: np.ndarray, lam: np.ndarray, phases: np.ndarray) -> np.ndarray:
    """E[exp(-s A)] for A ~ Erlang(phases) of mean 1 / lam: (k lam / (k lam + s))^k."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.where(lam > 0, np.exp(-phases * np.log1p(s / (phases * lam))), 0.0)


def erlang_arrivals_wait(
    c: ArrayLike, lam: ArrayLike, mu: ArrayLike, phases: ArrayLike, max_iterations: int = 200
) -> WaitTail:
    """Exact E_k/M/c wait (Takacs); phases = 1 is M/M/c.

    P(W > 0) = D / (1 - omega) with
    1 / D = 1 / (1 - omega) + sum_{j=1..c} binom(c, j) (c (1 - A_j) - j)
            / (C_j (1 - A_j) (c (1 - omega) - j)),
    A_j = A*(j mu), C_j = prod_{i<=j} A_i / (1 - A_i). The term whose denominator
    vanishes (omega = 1 - j / c) has a removable singularity; those queues are
    evaluated at lam (1 -+ 1e-6) and averaged.
    """
    c_arr, lam_arr, mu_arr, k_arr = _arrays(c, lam, mu, phases)
    shape = c_arr.shape
    c_arr, lam_arr, mu_arr, k_arr = (a.ravel() for a in (c_arr, lam_arr, mu_arr, k_arr))
    k_arr = np.maximum(np.round(k_arr), 1.0)
    pw, decay, singular = _takacs(c_arr, lam_arr, mu_arr, k_arr, max_iterations)
    if np.any(singular):
        idx = np.nonzero(singular)
        args = (c_arr[idx], lam_arr[idx], mu_arr[idx], k_arr[idx], max_iterations)
        lo_pw, lo_decay, _ = _takacs(*_nudge(args, 1.0 - 1e-6))
        hi_pw, hi_decay, _ = _takacs(*_nudge(args, 1.0 + 1e-6))
        pw[idx] = 0.5 * (lo_pw + hi_pw)
        decay[idx] = 0.5 * (lo_decay + hi_decay)
    poisson = k_arr == 1.0
    if np.any(poisson):
        exact = mmc_wait(c_arr, lam_arr, mu_arr)
        pw = np.where(poisson, exact.probability, pw)
        decay = np.where(poisson, exact.decay, decay)
    return WaitTail(pw.reshape(shape), decay.reshape(shape))


def _nudge(args: tuple, factor: float) -> tuple:
    c, lam, mu, k, iterations = args
    return c, lam * factor, mu, k, iterations


def _takacs(
    c: np.ndarray, lam: np.ndarray, mu: np.ndarray, k: np.ndarray, iterations: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    stable = (lam < c * mu) & (lam > 0)
    # omega: root in (0, 1) of h(w) = w, h(w) = A*(c mu (1 - w)) increasing and convex,
    # so Newton's method from 0 climbs to it monotonically (h' < 1 below the root)
    omega = np.zeros(c.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        for _ in range(iterations):
            s = c * mu * (1.0 - omega)
            h = erlang_interarrival_lst(s, lam, k)
            slope = c * mu * k * h / (k * lam + s)
            nxt = np.where(stable, np.clip(omega + (h - omega) / (1.0 - slope), 0.0, 1.0), 0.0)
            done = np.all(np.abs(nxt - omega) <= 1e-14)
            omega = nxt
            if done:
                break
    total = 1.0 / (1.0 - omega)
    inverse_cj = np.ones(c.shape)
    singular = np.zeros(c.shape, dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for j in range(1, int(c.max(initial=1)) + 1):
            a_j = erlang_interarrival_lst(j * mu, lam, k)
            inverse_cj = inverse_cj * (1.0 - a_j) / a_j
            den = c * (1.0 - omega) - j
            singular |= (j <= c) & stable & (np.abs(den) < 1e-7)
            term = _binom(c, j) * inverse_cj / (1.0 - a_j) * (c * (1.0 - a_j) - j) / den
            total = np.where(j <= c, total + term, total)
        pw = np.where(np.isfinite(total), 1.0 / total / (1.0 - omega), 0.0)
    pw = np.where(stable, pw, np.where(lam > 0, 1.0, 0.0))
    decay = np.where(stable | (lam <= 0), c * mu * (1.0 - omega), 0.0)
    return pw, decay, singular


def _binom(c: np.ndarray, j: int) -> np.ndarray:
    table = np.array([math.comb(int(n), j) for n in range(int(c.max(initial=1)) + 1)], float)
    return table[c.astype(np.int64)]


@dataclass(frozen=True)
class _Service:
    """S = delay + Exp(rate1) with probability p1, else delay + Exp(rate2)."""

    delay: np.ndarray
    p1: np.ndarray
    rate1: np.ndarray
    rate2: np.ndarray


def _service_fit(mu: np.ndarray, cs: np.ndarray) -> _Service:
    if np.all(cs == 1.0):  # exponential service (the default): what the formulas give
        return _Service((1.0 - cs) / mu, np.ones(np.shape(mu)), mu, mu)
    cs = np.maximum(cs, MIN_CV)
    low = cs <= 1.0
    scv = cs * cs
    with np.errstate(divide="ignore", invalid="ignore"):
        p1 = np.where(low, 1.0, 0.5 * (1.0 + np.sqrt((scv - 1.0) / (scv + 1.0))))
        rate1 = np.where(low, mu / cs, 2.0 * p1 * mu)
        rate2 = np.where(low, mu / cs, 2.0 * (1.0 - p1) * mu)
    delay = np.where(low, (1.0 - cs) / mu, 0.0)
    return _Service(delay, p1, rate1, rate2)


def hypoexponential_tail(
    t: np.ndarray, probability: np.ndarray, decay: np.ndarray, rate: np.ndarray
) -> np.ndarray:
    """P(W + X > t) for P(W > s) = probability e^{-decay s} and X ~ Exp(rate)."""
    return _branch(t, probability, decay, rate)[0]


def _branch(
    t: np.ndarray, pw: np.ndarray, decay: np.ndarray, rate: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Tail and density of W + Exp(rate) at t (sharing the two exponentials)."""
    e_rate = np.exp(-rate * t)
    e_decay = np.exp(-decay * t)
    diff = decay - rate
    close = np.abs(diff) < 1e-9 * np.maximum(rate, 1e-300)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        hypo = (decay * e_rate - rate * e_decay) / diff
        hypo_density = rate * decay * (e_rate - e_decay) / diff
    hypo = np.where(close, (1.0 + rate * t) * e_rate, hypo)
    hypo_density = np.where(close, rate * rate * t * e_rate, hypo_density)
    tail = (1.0 - pw) * e_rate + pw * hypo
    density = (1.0 - pw) * rate * e_rate + pw * hypo_density
    return tail, density


def _tail_density(
    x: np.ndarray, pw: np.ndarray, decay: np.ndarray, s: _Service, mixed: bool
) -> tuple[np.ndarray, np.ndarray]:
    tail, density = _branch(x, pw, decay, s.rate1)
    if mixed:  # the second phase exists only for cs > 1
        tail2, density2 = _branch(x, pw, decay, s.rate2)
        tail = s.p1 * tail + (1.0 - s.p1) * tail2
        density = s.p1 * density + (1.0 - s.p1) * density2
    return tail, density


def response_tail(t: ArrayLike, wait: WaitTail, mu: ArrayLike, cs: ArrayLike = 1.0) -> np.ndarray:
    """P(T > t) for T = W + S, S of mean 1 / mu and coefficient of variation cs."""
    t_arr, pw, decay, mu_arr, cs_arr = _arrays(t, wait.probability, wait.decay, mu, cs)
    s = _service_fit(mu_arr, cs_arr)
    x = np.maximum(t_arr - s.delay, 0.0)
    tail = _tail_density(x, pw, decay, s, bool(np.any(s.p1 < 1.0)))[0]
    tail = np.where(t_arr < s.delay, 1.0, tail)
    return np.where(decay > 0, tail, 1.0)


def response_mean(wait: WaitTail, mu: ArrayLike) -> np.ndarray:
    """E[T] = E[W] + 1 / mu."""
    return wait.mean + 1.0 / np.asarray(mu, dtype=float)


def response_quantile(
    q: float,
    wait: WaitTail,
    mu: ArrayLike,
    cs: ArrayLike = 1.0,
    tolerance: float = 1e-13,
    max_iterations: int = 100,
) -> np.ndarray:
    """The q-quantile of T = W + S; inf for an unstable queue."""
    return response_quantiles([q], wait, mu, cs, tolerance, max_iterations)[0]


def response_quantiles(
    qs: Sequence[float],
    wait: WaitTail,
    mu: ArrayLike,
    cs: ArrayLike = 1.0,
    tolerance: float = 1e-13,
    max_iterations: int = 100,
) -> np.ndarray:
    """Quantiles of T = W + S, shape (len(qs), *queues); inf for an unstable queue.

    Newton's method on log P(T > t), which is nearly linear in t, kept inside a
    bisection bracket [constant part of S, a bound past the slowest exponential]:
    about five iterations reach ``tolerance`` (relative), all queues and all ``qs``
    at once.
    """
    pw, decay, mu_arr, cs_arr = _arrays(wait.probability, wait.decay, mu, cs)
    shape = (len(qs), *pw.shape)
    pw, decay, mu_arr, cs_arr = (np.broadcast_to(a, shape) for a in (pw, decay, mu_arr, cs_arr))
    s = _service_fit(mu_arr, cs_arr)
    mixed = bool(np.any(s.p1 < 1.0))
    stable = decay > 0
    target = np.broadcast_to(
        1.0 - np.asarray(qs, dtype=float).reshape(-1, *[1] * (len(shape) - 1)), shape
    )
    log_target = np.log(target)
    slowest = np.minimum(np.where(stable, decay, 1.0), np.minimum(s.rate1, s.rate2))
    lo = np.zeros(shape)
    hi = np.where(stable, (5.0 - log_target) / slowest, 0.0)
    x = np.minimum(-log_target / slowest, hi)  # exact when T is one exponential
    pw = np.where(stable, pw, 0.0)
    for _ in range(max_iterations):
        tail, density = _tail_density(x, pw, decay, s, mixed)
        above = tail > target
        lo = np.where(above, x, lo)
        hi = np.where(above, hi, x)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = x + (np.log(tail) - log_target) * tail / density
        inside = (newton >= lo) & (newton <= hi)
        nxt = np.where(inside, newton, 0.5 * (lo + hi))
        done = np.abs(nxt - x) <= tolerance * np.maximum(np.abs(x), 1e-300)
        x = nxt
        if done.all():
            break
    return np.where(stable, s.delay + x, np.inf)
