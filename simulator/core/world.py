"""The World: one simulation's clock (a simpy.Environment), random streams, metrics, trace.

Model code receives a World and schedules work on it; pure domain objects
(lifecycle machines, catalog) never see it.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import numpy as np
import simpy
from simpy.core import URGENT

from simulator.core.collection import fewer_collections
from simulator.core.durations import Duration, parse_duration
from simulator.core.metrics import MetricRecorder
from simulator.core.rng import RandomStreams
from simulator.core.trace import EventTrace

ProgressCallback = Callable[[float, float], None]


class World:
    """Wraps ``simpy.Environment`` with the services every model needs."""

    def __init__(self, seed: int = 0, trace: EventTrace | None = None):
        self.env = simpy.Environment()
        self.seed = int(seed)
        self.streams = RandomStreams(self.seed)
        self.metrics = MetricRecorder()
        self.trace = trace if trace is not None else EventTrace()

    @property
    def now(self) -> float:
        return float(self.env._now)  # Environment.now's own field: read on every event

    def rng(self, name: str) -> np.random.Generator:
        """The named random stream ``name`` (see ``RandomStreams``)."""
        return self.streams.stream(name)

    def timeout(self, delay: Duration) -> simpy.Timeout:
        return self.env.timeout(parse_duration(delay))

    def process(self, generator: Generator[Any, Any, Any]) -> simpy.Process:
        return self.env.process(generator)

    def after(self, delay: float, action: Callable[[], None]) -> None:
        """Run ``action`` ``delay`` seconds from now. A positive delay is one Timeout with
        ``action`` as its callback (one event, where a process takes three: its start, the
        timeout and its end); events at distinct times run in the same order either way.
        A zero delay runs ``action`` as a process yielding a zero timeout would (``soon``),
        so that actions due at this same instant keep the order processes give them."""
        if delay > 0:
            self.env.timeout(delay).callbacks.append(lambda _event: action())
            return
        self.soon(action)

    def soon(self, action: Callable[[], None]) -> None:
        """Run ``action`` later in this instant, exactly where a new process whose first
        step is ``yield env.timeout(0)`` would run it: an urgent start event now, whose
        callback schedules the zero timeout. It is that process without its generator
        and its end event (which nothing waits on)."""
        env = self.env

        def begin(_event: simpy.Event) -> None:
            env.timeout(0).callbacks.append(lambda _e: action())  # type: ignore[union-attr]

        start = simpy.Event(env)
        start._ok, start._value = True, None  # triggered, as SimPy's own Initialize is made
        start.callbacks.append(begin)  # type: ignore[union-attr]
        env.schedule(start, URGENT)

    def at(self, time: Duration, action: Callable[[], None]) -> simpy.Process:
        """Run ``action`` at absolute simulated time ``time``."""
        when = parse_duration(time)

        def _wait() -> Generator:
            yield self.env.timeout(max(0.0, when - self.now))
            action()

        return self.env.process(_wait())

    def emit(self, kind: str, resource: str, **details: Any) -> None:
        self.trace.emit(float(self.env._now), kind, resource, **details)

    def run(
        self,
        until: Duration,
        progress: ProgressCallback | None = None,
        chunks: int = 200,
    ) -> None:
        """Run to ``until``; with ``progress``, call it with (now, until) between chunks.
        Garbage is collected less often meanwhile (``core.collection``)."""
        end = parse_duration(until)
        with fewer_collections():
            if progress is None:
                self.env.run(until=end)
                return
            step = max(end / chunks, 1e-9)
            t = self.now
            while t < end:
                t = min(end, t + step)
                self.env.run(until=t)
                progress(t, end)
