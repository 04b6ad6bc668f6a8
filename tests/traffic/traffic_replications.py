"""Helpers for the statistical tests: t-based confidence intervals, request runs."""

from __future__ import annotations

import math

import numpy as np

from simulator.core.world import World
from simulator.traffic.arrivals import ArrivalRate, Constant
from simulator.traffic.request import RequestSimulation, ServiceTime


def t_critical(df: int, level: float = 0.95) -> float:
    """Student t quantile (two-sided ``level``) by the Cornish-Fisher expansion.

    Abramowitz and Stegun 26.7.5; within 1e-4 of the tables for df >= 5.
    """
    z = {0.95: 1.959963984540054, 0.99: 2.5758293035489}[level]
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    return z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4


def confidence_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """(mean, half-width) of the t-based interval from independent replications."""
    values = np.asarray(values, dtype=float)
    n = values.size
    half = t_critical(n - 1, level) * float(values.std(ddof=1)) / math.sqrt(n)
    return float(values.mean()), half


def run_request(
    seed: int,
    rate: float | ArrivalRate,
    tasks: int,
    servers: int,
    mu: float,
    horizon: float,
    routing: str = "round_robin",
    service_time: ServiceTime | None = None,
    timeout: float = 1e9,
) -> RequestSimulation:
    """One replication: ``tasks`` tasks of ``servers`` servers at ``mu``, run to horizon."""
    world = World(seed)
    model = Constant(rate) if isinstance(rate, int | float) else rate
    sim = RequestSimulation(
        world, model, routing=routing, service_time=service_time, timeout=timeout
    )
    for _ in range(tasks):
        sim.add_task(servers, mu)
    sim.start()
    world.run(horizon)
    return sim
