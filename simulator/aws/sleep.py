"""Sleeps that advance simulated time instead of wall time.

Which clock a sleep advances is held in a ContextVar, so it is per thread (and per asyncio
task): a simulated waiter in one thread never speeds up a real waiter, or any other
sleep, in another.

- Waiters: botocore's ``Waiter.wait`` sleeps with ``time.sleep`` looked up through the
  module global ``botocore.waiter.time``. ``install_waiter_clock`` replaces that one global
  (not the ``time`` module) with a proxy whose ``sleep`` advances the current simulated
  clock if there is one and otherwise calls ``time.sleep``. Simulated clients set the clock
  only while their own waiters run, so every other waiter sleeps for real.
- Your own code: ``patch_time_sleep(clock)`` replaces ``time.sleep`` for the duration of a
  ``with`` block, with a function that advances the clock in the thread that entered the
  block and sleeps for real everywhere else. Code that did ``from time import sleep``
  before the block keeps the real function.
"""

from __future__ import annotations

import threading
import time as _time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol, SupportsIndex


class Clock(Protocol):
    """Anything whose time a sleep can advance (SimulatedAWS)."""

    def advance(self, duration: float | int | str) -> float: ...


_CLOCK: ContextVar[Clock | None] = ContextVar("ecsim_simulated_clock", default=None)


def current_clock() -> Clock | None:
    """The simulated clock sleeps advance in this context, if any."""
    return _CLOCK.get()


@contextmanager
def simulated_time(clock: Clock) -> Iterator[None]:
    """Within the block, in this context, waiter sleeps advance ``clock``."""
    token = _CLOCK.set(clock)
    try:
        yield
    finally:
        _CLOCK.reset(token)


# time.sleep's own signature (typeshed), so the patched and saved sleeps can replace it.
_Seconds = float | SupportsIndex


def _sleep_or_advance(seconds: _Seconds, real: Callable[[_Seconds], Any]) -> None:
    clock = _CLOCK.get()
    if clock is None:
        real(seconds)
    else:
        clock.advance(max(0.0, float(seconds)))


class _WaiterTime:
    """Stands in for the ``time`` module inside ``botocore.waiter`` only."""

    ecsim_proxy = True

    def sleep(self, seconds: float) -> None:
        _sleep_or_advance(seconds, lambda s: _time.sleep(s))

    def __getattr__(self, name: str) -> Any:
        return getattr(_time, name)


_INSTALL_LOCK = threading.Lock()


def install_waiter_clock() -> None:
    """Route botocore waiters' sleeps through the simulated clock (idempotent)."""
    import botocore.waiter

    with _INSTALL_LOCK:
        if not getattr(botocore.waiter.time, "ecsim_proxy", False):
            botocore.waiter.time = _WaiterTime()  # type: ignore[assignment]


_PATCH_LOCK = threading.Lock()
_patch_depth = 0
_saved_sleep: Callable[[_Seconds], None] | None = None


def _patched_sleep(seconds: _Seconds) -> None:
    _sleep_or_advance(seconds, _saved_sleep or _time.sleep)


@contextmanager
def patch_time_sleep(clock: Clock) -> Iterator[None]:
    """Within the block, ``time.sleep`` in this thread advances ``clock``."""
    global _patch_depth, _saved_sleep
    with _PATCH_LOCK:
        if _patch_depth == 0:
            _saved_sleep = _time.sleep
            _time.sleep = _patched_sleep
        _patch_depth += 1
    try:
        with simulated_time(clock):
            yield
    finally:
        with _PATCH_LOCK:
            _patch_depth -= 1
            if _patch_depth == 0:
                if _time.sleep is _patched_sleep and _saved_sleep is not None:
                    _time.sleep = _saved_sleep
                _saved_sleep = None
