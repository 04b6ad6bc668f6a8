"""A scenario's traffic entries as arrival-rate models, with its timed traffic events.

Each service's model is its pattern, times its spikes, times the schedule of its
``scale_traffic`` events, with optional Poisson noise per tick from the named stream
``traffic.<service>.noise``: both fidelities and every variant see the same rates.
"""

from __future__ import annotations

import numpy as np

from simulator.core.world import World
from simulator.scenario import schema
from simulator.traffic.arrivals import (
    ArrivalRate,
    Constant,
    Diurnal,
    Noisy,
    Product,
    Spike,
    Steps,
    Trace,
)


def pattern_model(t: schema.Traffic) -> ArrivalRate:
    if isinstance(t, schema.ConstantTraffic):
        return Constant(t.rps)
    if isinstance(t, schema.DiurnalTraffic):
        weekly = tuple(t.weekly) if t.weekly is not None else None
        return Diurnal(t.min_rps, t.peak_rps, t.peak_at, weekly)
    if isinstance(t, schema.StepsTraffic):
        return Steps([(at, rps) for at, rps in t.steps])
    return Trace.from_csv(t.file, t.interpolation)


def arrival_model(
    t: schema.Traffic, events: list[schema.Event], world: World, tick: float
) -> ArrivalRate:
    model = pattern_model(t)
    for spike in t.spikes:
        model = Spike(model, spike.at, spike.duration, spike.multiplier)
    factors = sorted(
        (e.at, e.factor)
        for e in events
        if isinstance(e, schema.ScaleTraffic) and e.service == t.service
    )
    if factors:
        model = Product(model, Steps(factors, before=1.0))
    if t.noise:
        model = Noisy(model, world.rng(f"traffic.{t.service}.noise"), tick=tick)
    return model


def peak_rate(model: ArrivalRate, duration: float, step: float = 60.0) -> float:
    """The highest rate over the run, sampled every ``step`` seconds."""
    times = np.arange(0.0, max(duration, step), step)
    return float(np.max(model.rate(times))) if times.size else 0.0
