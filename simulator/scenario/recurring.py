"""Recurring events: ``every: 1d`` (with ``until`` or ``count``) on any timed event,
expanded into concrete events before validation, so ``Scenario.events`` holds only
plain events and nothing downstream knows about recurrence.

The first occurrence stays where it was written (its index in error messages is the
one in the file); the repeats are appended after all written events, in time order.
An event at the same time as a repeat runs before it. Without ``until`` or ``count``
an event repeats to the end of the scenario's duration; ``until`` is exclusive (a
repeat at exactly ``until`` does not happen), ``count`` counts the first occurrence.
An event is recurring only when it has ``every``. ``set_instance_count`` has a
``count`` of its own (the instance count), so its number of occurrences is spelled
``occurrences`` (accepted on every event).
"""

from __future__ import annotations

import copy
from typing import Any

from simulator.core.durations import EXPECTED as DURATION_EXPECTED
from simulator.core.durations import parse_duration
from simulator.core.errors import DurationError

KEYS = ("every", "until", "count", "occurrences")
OWN_COUNT = {"set_instance_count"}  # actions whose own field is called count
MAX_OCCURRENCES = 100_000


def _seconds(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return parse_duration(value)
    except (DurationError, TypeError, ValueError):
        return None


def expand_recurring(data: Any) -> tuple[Any, list[tuple[str, str]]]:
    """``data`` (a parsed scenario mapping) with recurring events expanded, and the
    problems found as (field path, message). Data that is not a scenario mapping, or
    whose events are not a list, is returned as it is for the schema to report."""
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        return data, []
    if not any(isinstance(e, dict) and "every" in e for e in data["events"]):
        return data, []
    problems: list[tuple[str, str]] = []
    horizon = _seconds(data.get("duration"))
    written: list[Any] = []
    repeats: list[tuple[float, int, dict[str, Any]]] = []
    for i, event in enumerate(data["events"]):
        if not isinstance(event, dict) or "every" not in event:
            written.append(event)
            continue
        where = f"events[{i}]"
        keys = [k for k in KEYS if not (k == "count" and event.get("action") in OWN_COUNT)]
        plain = {k: v for k, v in event.items() if k not in keys}
        written.append(plain)
        every = _seconds(event.get("every"))
        if every is None or every <= 0:
            problems.append(
                (f"{where}.every", f"expected {DURATION_EXPECTED} > 0, got {event.get('every')!r}")
            )
            continue
        start = _seconds(plain.get("at"))
        if start is None:
            continue  # the schema reports the event's own `at`
        until: float | None = horizon
        if "until" in event:
            until = _seconds(event["until"])
            if until is None:
                problems.append(
                    (f"{where}.until", f"expected {DURATION_EXPECTED}, got {event['until']!r}")
                )
                continue
        name = "occurrences" if "occurrences" in event or "count" not in keys else "count"
        count = event.get(name)
        bad = count is not None and (isinstance(count, bool) or not isinstance(count, int))
        if bad or (count is not None and count < 1):
            problems.append((f"{where}.{name}", f"expected an integer >= 1, got {count!r}"))
            continue
        if until is None and count is None:
            continue  # no duration to bound it: the schema reports the missing duration
        k = 1
        while count is None or k < count:
            at = start + k * every
            if until is not None and at >= until:
                break
            if k >= MAX_OCCURRENCES:
                problems.append(
                    (where, f"repeats more than {MAX_OCCURRENCES} times; raise every or set count")
                )
                break
            repeats.append((at, i, {**copy.deepcopy(plain), "at": at}))
            k += 1
    repeats.sort(key=lambda r: (r[0], r[1]))
    out = dict(data)
    out["events"] = written + [r[2] for r in repeats]
    return out, problems
