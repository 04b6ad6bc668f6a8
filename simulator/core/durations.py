"""Durations as people write them: "90s", "5m", "24h", "30d", "1h30m", or plain seconds.

Scenario files and every API that takes a duration accept these forms; inside the
simulation time is always a float number of seconds.
"""

from __future__ import annotations

import math
import re

from simulator.core.errors import DurationError

UNITS: dict[str, float] = {
    "ms": 0.001,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
    "d": 86400.0,
    "w": 604800.0,
}

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_WHOLE = re.compile(r"^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$")

EXPECTED = "a duration such as '90s', '5m', '24h', '30d' or a number of seconds"

Duration = str | int | float


def parse_duration(value: Duration) -> float:
    """Seconds in ``value``; raises DurationError naming what was expected."""
    if isinstance(value, bool):
        raise DurationError(f"expected {EXPECTED}, got {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip().replace(" ", "").lower()
        try:
            seconds = float(text)
        except ValueError:
            if not _WHOLE.match(text):
                raise DurationError(f"expected {EXPECTED}, got {value!r}") from None
            seconds = sum(float(n) * UNITS[u] for n, u in _PART.findall(text))
    else:
        raise DurationError(f"expected {EXPECTED}, got {value!r}")
    if not math.isfinite(seconds) or seconds < 0:
        raise DurationError(f"expected {EXPECTED} (>= 0), got {value!r}")
    return seconds


def format_duration(seconds: float) -> str:
    """The shortest exact form: 90 -> "1m30s", 86400 -> "1d"."""
    if seconds < 0:
        raise DurationError(f"expected seconds >= 0, got {seconds!r}")
    if seconds == 0:
        return "0s"
    whole = int(seconds)
    rest = seconds - whole
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        n, whole = divmod(whole, size)
        if n:
            parts.append(f"{n}{unit}")
    if rest:
        ms = round(rest * 1000, 3)
        parts.append(f"{ms:g}ms")
    return "".join(parts)
