"""The structured event trace: (time, kind, resource, details), in order.

Kinds are dotted names such as ``service.steady``, ``instance.state`` or
``placement.failed``. The trace can also stream to a JSON-lines file as it grows,
so a long run can be followed with ``tail -f``.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import IO, Any

import pandas as pd


@dataclass(frozen=True, slots=True)
class TraceEvent:
    time: float
    kind: str
    resource: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(
            {"time": self.time, "kind": self.kind, "resource": self.resource, **self.details},
            sort_keys=True,
            default=str,
        )


class EventTrace:
    """Appends events; optionally mirrors each one to a JSON-lines stream."""

    def __init__(self, jsonl: IO[str] | None = None, keep: bool = True):
        self.events: list[TraceEvent] = []
        self._jsonl = jsonl
        self.keep = keep
        """False: events are counted per kind (``counts``), not kept (a fleet-scale run)."""
        self.counts: Counter[str] = Counter()
        self.omit: frozenset[str] = frozenset()
        """Kinds counted but neither kept nor streamed (``outputs.detail: service``)."""

    def emit(self, time: float, kind: str, resource: str, **details: Any) -> TraceEvent | None:
        """Count the event; keep and stream it unless told not to (None: not made)."""
        self.counts[kind] += 1
        if (self.omit and kind in self.omit) or (not self.keep and self._jsonl is None):
            return None
        event = TraceEvent(float(time), kind, resource, details)
        if self.keep:
            self.events.append(event)
        if self._jsonl is not None:
            self._jsonl.write(event.to_json() + "\n")
        return event

    def of_kind(self, kind: str) -> list[TraceEvent]:
        return [e for e in self.events if e.kind == kind]

    def __len__(self) -> int:
        return len(self.events)

    def to_frame(self) -> pd.DataFrame:
        """time, kind, resource, details (details as a JSON string, for Parquet)."""
        return pd.DataFrame(
            {
                "time": [e.time for e in self.events],
                "kind": [e.kind for e in self.events],
                "resource": [e.resource for e in self.events],
                "details": [
                    json.dumps(e.details, sort_keys=True, default=str) for e in self.events
                ],
            },
            columns=["time", "kind", "resource", "details"],
        )

    def write_jsonl(self, stream: IO[str]) -> None:
        for event in self.events:
            stream.write(event.to_json() + "\n")
