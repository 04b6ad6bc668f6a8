"""Fewer cyclic garbage collections while a simulation runs.

A run allocates many short-lived objects (SimPy events, callbacks, trace records) and
makes almost no cyclic garbage: CPython's default young-generation threshold (a
collection every 700 net allocations) then spends time traversing objects it never
frees, more as the fleet grows. Inside ``fewer_collections()`` that threshold is
raised; collections still run, less often, and the caller's thresholds come back when
it ends. Results do not depend on it: the model keeps no finalizers or weak-reference
callbacks that act on the simulation.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_THRESHOLD = 10_000
"""Net allocations between young-generation collections while a run goes (700 by
default); measured in ``benchmarks/bench_fleet_scale.py``."""


@contextmanager
def fewer_collections(threshold: int = YOUNG_THRESHOLD) -> Iterator[None]:
    """Raise the young-generation threshold to ``threshold`` for the block (never lower
    it; nothing changes with the collector disabled)."""
    old = gc.get_threshold()
    if not gc.isenabled() or old[0] >= threshold:
        yield
        return
    gc.set_threshold(threshold, *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)
