"""Helpers for the statistical tests: request runs (the intervals are the package's)."""

from __future__ import annotations

from simulator.core.world import World
from simulator.experiment.stats import confidence_interval, t_critical
from simulator.traffic.arrivals import ArrivalRate, Constant
from simulator.traffic.request import RequestSimulation, ServiceTime


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


__all__ = ["confidence_interval", "run_request", "t_critical"]
