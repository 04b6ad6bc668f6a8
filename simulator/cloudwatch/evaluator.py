"""The timed driver of metric alarms: evaluates each alarm on its cadence in simulated time.

Alarms with a period of 60 s or more are evaluated every minute, those with 10-, 20- or
30-s periods every 10 s (``AlarmConfig.cadence``). Evaluations happen at
``k * cadence + ingestion_delay``, so the datapoint of period [kP, (k+1)P) is first seen at
(k+1)P + ingestion_delay, and they run after every other event scheduled for the same
simulated instant (a lower simpy priority): a publisher that puts a minute's datapoint at
the minute's end is always seen by the evaluation of that instant, whatever the order in
which the two processes were created.

``ingestion_delay`` defaults to 0 s. AWS documents no figure (re:Post answers say "a few
seconds"); 0 keeps the detection chain on whole periods (T_detect = P for a fault starting
at a period boundary with M = N = 1) and any lag a study needs is one parameter away.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import simpy
from simpy.events import NORMAL, EventPriority

from simulator.cloudwatch.alarms import DEFAULT_RANGE_EXTRA, Alarms, MetricAlarm, StateChange
from simulator.cloudwatch.store import MetricStore
from simulator.core.durations import Duration, parse_duration
from simulator.core.world import World

LATE = EventPriority(NORMAL + 1)
"""simpy priority of evaluations: after the NORMAL events of the same instant."""


class _LateTimeout(simpy.Event):
    """A timeout processed after the NORMAL-priority events of its instant."""

    def __init__(self, env: simpy.Environment, delay: float):
        super().__init__(env)
        self._ok = True
        self._value = None
        env.schedule(self, LATE, delay)


class AlarmEvaluator:
    """Runs ``alarms``' evaluations against ``store`` in ``world``'s simulated time.

    ``start()`` begins the loop (idempotent); it ends by itself when no alarm is left and
    resumes on the next ``start()`` (the account calls it whenever an alarm is put).
    ``changes`` records every state change the evaluations caused, in order."""

    def __init__(
        self,
        world: World,
        store: MetricStore,
        alarms: Alarms,
        *,
        ingestion_delay: Duration = 0,
        evaluation_range_extra: int = DEFAULT_RANGE_EXTRA,
    ):
        self.world = world
        self.store = store
        self.alarms = alarms
        self.ingestion_delay = parse_duration(ingestion_delay)
        if self.ingestion_delay < 0:
            raise ValueError(f"ingestion_delay must be >= 0, got {ingestion_delay!r}")
        self.range_extra = int(evaluation_range_extra)
        self.changes: list[StateChange] = []
        self._process: simpy.Process | None = None
        self._step = math.inf
        self._generation = 0

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.is_alive

    def start(self) -> None:
        """Run the loop; restart it at once if an alarm with a shorter cadence arrived
        while it slept on a longer step (the stale loop ends when it wakes)."""
        if not len(self.alarms):
            return
        step = min(a.config.cadence for a in self.alarms.sorted())
        if self.running and step >= self._step:
            return
        self._generation += 1
        self._step = step
        self._process = self.world.process(self._loop(self._generation))

    def next_evaluation(self, after: float, step: int) -> float:
        """The first evaluation instant strictly after ``after`` on a ``step`` grid."""
        lag = self.ingestion_delay
        k = math.floor((after - lag) / step + 1e-9) + 1
        return k * step + lag

    def _loop(self, generation: int) -> Generator[Any, Any, None]:
        env = self.world.env
        while len(self.alarms) and generation == self._generation:
            step = min(a.config.cadence for a in self.alarms.sorted())
            self._step = step
            at = self.next_evaluation(self.world.now, step)
            yield _LateTimeout(env, at - self.world.now)
            if generation != self._generation:
                return
            self.evaluate_due(self.world.now)
        if generation == self._generation:
            self._step = math.inf

    def evaluate_due(self, now: float) -> list[StateChange]:
        """Evaluate the alarms whose cadence falls on ``now``."""
        lag = self.ingestion_delay

        def due(alarm: MetricAlarm) -> bool:
            phase = (now - lag) / alarm.config.cadence
            return abs(phase - round(phase)) < 1e-6

        changes = self.alarms.evaluate(
            self.store, now, ingestion_delay=lag, range_extra=self.range_extra, only=due
        )
        self.changes.extend(changes)
        return changes
