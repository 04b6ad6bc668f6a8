"""The timed driver of a live publisher: one datapoint per period, put once it is over.

Every ``period`` seconds from the first whole period on, ``snapshot(at)`` takes what the
period starts with and, at its end, ``publish(at, snapshot)`` puts the datapoints stamped
with its start (as an ALB publishes a minute's metrics once the minute is over). Alarm
evaluations at the same instant run after it (``AlarmEvaluator`` schedules them late).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any, Generic, TypeVar

from simulator.cloudwatch.store import MetricStore
from simulator.core.world import World

S = TypeVar("S")


class PeriodicPublisher(Generic[S]):
    def __init__(
        self,
        world: World,
        period: float,
        snapshot: Callable[[float], S],
        publish: Callable[[float, S], None],
    ):
        if period <= 0:
            raise ValueError(f"period must be > 0, got {period!r}")
        self.world = world
        self.period = float(period)
        self.snapshot = snapshot
        self.publish = publish
        self.published = 0
        self._started = False

    def start(self) -> None:
        """Begin publishing (idempotent)."""
        if not self._started:
            self._started = True
            self.world.process(self._run())

    def _run(self) -> Generator[Any, Any, None]:
        world, period = self.world, self.period
        start = (world.now // period) * period
        if start < world.now:
            yield world.env.timeout(start + period - world.now)
            start += period
        while True:
            snap = self.snapshot(start)
            yield world.env.timeout(period)
            self.publish(start, snap)
            self.published += 1
            start += period


class LiveStore(MetricStore):
    """A MetricStore that lets a lazy publisher put what it holds back before any read
    (``before_read``): metrics can be gathered cheaply every period and evaluated in
    blocks, yet every reader (alarms, a caller) sees every closed period.

    ``before_read_namespace[ns]``: hooks that put only namespace ``ns``'s metrics, run
    instead of ``before_read`` when a reader looks up a series of ``ns`` (an alarm on
    AWS/ECS every minute need not pay the ALB flow model each minute);
    ``before_read_metric[(ns, metric)]`` likewise for one metric, checked first."""

    def __init__(self) -> None:
        super().__init__()
        self.before_read: list[Callable[[], None]] = []
        self.before_read_namespace: dict[str, list[Callable[[], None]]] = {}
        self.before_read_metric: dict[tuple[str, str], list[Callable[[], None]]] = {}
        self._reading = False

    def _catch_up(self, key: tuple[str | None, str | None] = (None, None)) -> None:
        namespace, metric = key
        hooks = self.before_read_metric.get(
            (namespace or "", metric or ""),
            self.before_read_namespace.get(namespace or "", self.before_read),
        )
        if self._reading or not hooks:
            return
        self._reading = True
        try:
            for hook in hooks:
                hook()
        finally:
            self._reading = False

    def find(self, *args: Any, **kwargs: Any) -> Any:
        self._catch_up(_namespace(args, kwargs))
        return super().find(*args, **kwargs)

    def statistics(self, *args: Any, **kwargs: Any) -> Any:
        self._catch_up(_namespace(args, kwargs))
        return super().statistics(*args, **kwargs)

    def list_metrics(self, *args: Any, **kwargs: Any) -> Any:
        self._catch_up()
        return super().list_metrics(*args, **kwargs)

    def __iter__(self) -> Any:
        self._catch_up()
        return super().__iter__()

    def __len__(self) -> int:
        self._catch_up()
        return super().__len__()


def _namespace(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[str | None, str | None]:
    """(namespace, metric name) of a find/statistics call."""
    ns = args[0] if args else kwargs.get("namespace")
    metric = args[1] if len(args) > 1 else kwargs.get("metric_name")
    return (
        ns if isinstance(ns, str) else None,
        metric if isinstance(metric, str) else None,
    )
