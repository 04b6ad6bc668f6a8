"""What a run's alarms did: their state changes, time in ALARM, transitions. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simulator.cloudwatch.alarms import AlarmState, StateChange


@dataclass
class AlarmLog:
    """State changes of the alarms, in order (subscribe ``record`` to an Alarms)."""

    changes: list[StateChange] = field(default_factory=list)

    def record(self, change: StateChange) -> None:
        self.changes.append(change)

    def summary(self, names: list[str], end: float) -> dict[str, dict[str, Any]]:
        """Per alarm (``names``, in that order): seconds in ALARM up to ``end``, the
        number of state changes, and the state at ``end``."""
        out: dict[str, dict[str, Any]] = {}
        for name in names:
            mine = [c for c in self.changes if c.alarm_name == name and c.timestamp <= end]
            in_alarm = 0.0
            since: float | None = None
            for c in mine:
                if c.new_state is AlarmState.ALARM and since is None:
                    since = c.timestamp
                elif c.new_state is not AlarmState.ALARM and since is not None:
                    in_alarm += c.timestamp - since
                    since = None
            if since is not None:
                in_alarm += end - since
            state = mine[-1].new_state if mine else AlarmState.INSUFFICIENT_DATA
            out[name] = {
                "time_in_alarm_s": in_alarm,
                "transitions": len(mine),
                "first_alarm_s": next(
                    (c.timestamp for c in mine if c.new_state is AlarmState.ALARM), None
                ),
                "final_state": str(state),
            }
        return out
