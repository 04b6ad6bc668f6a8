"""What one traffic-shifting deployment did, in simulated time: the record a timed driver
writes and the deployment metrics, tables and plots read.

Every strategy (CodeDeploy's configurations, ECS's own BLUE_GREEN/LINEAR/CANARY, ecsim's
Argo- and Flagger-style plans) ends in the same record, so exposure, detection, containment,
duration and extra capacity are computed one way for all of them (definitions: docs/deploy.md,
the reference's section 5). Pure data: no simpy, no traffic model.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple


class WeightChange(NamedTuple):
    """From ``at`` on, the production listener sends ``weights[tg]`` (0-999, ELBv2's
    relative weights) to each target group of the deployment."""

    at: float
    weights: Mapping[str, int]


class AlarmChange(NamedTuple):
    """The state the deployment's poller saw for ``alarm`` at ``at`` (OK, ALARM,
    INSUFFICIENT_DATA); only changes are kept."""

    at: float
    alarm: str
    state: str


class TaskCount(NamedTuple):
    """From ``at`` on, ``running`` tasks of ``side`` ("blue" or "green") are RUNNING."""

    at: float
    side: str
    running: int


@dataclass
class PhaseSpan:
    """One phase of the deployment (a CodeDeploy lifecycle event such as AllowTraffic,
    an ECS lifecycle stage such as PRODUCTION_TRAFFIC_SHIFT, or a plan's step)."""

    name: str
    start: float
    end: float | None = None


@dataclass
class DeploymentRecord:
    """One deployment from creation to its end; times are simulated seconds.

    ``detected`` is when the driver first saw an alarm in ALARM, ``contained`` when green's
    production weight went back to 0 after it, ``rollback_completed`` when blue again
    served all traffic at its desired count. ``strategy`` is the configuration's name as
    its owner spells it (``CodeDeployDefault.ECSCanary10Percent5Minutes``, ``ECS:CANARY``,
    ``ecsim:argo``).
    """

    deployment_id: str
    service: str
    strategy: str
    blue_target_group: str
    green_target_group: str
    created: float
    status: str = "Created"
    ended: float | None = None
    rolled_back: bool = False
    detected: float | None = None
    contained: float | None = None
    rollback_completed: float | None = None
    phases: list[PhaseSpan] = field(default_factory=list)
    weights: list[WeightChange] = field(default_factory=list)
    alarms: list[AlarmChange] = field(default_factory=list)
    tasks: list[TaskCount] = field(default_factory=list)

    def open_phase(self, name: str, at: float) -> PhaseSpan:
        span = PhaseSpan(name, at)
        self.phases.append(span)
        return span

    def close_phase(self, name: str, at: float) -> None:
        """End the latest open phase called ``name``; a phase never opened is an error."""
        for span in reversed(self.phases):
            if span.name == name and span.end is None:
                span.end = at
                return
        raise ValueError(f"phase {name!r} is not open")

    def phase(self, name: str) -> PhaseSpan | None:
        """The first phase called ``name`` (None if it never ran)."""
        return next((p for p in self.phases if p.name == name), None)

    def set_weights(self, at: float, weights: Mapping[str, int]) -> None:
        if self.weights and at < self.weights[-1].at:
            raise ValueError("weight changes must be recorded in time order")
        self.weights.append(WeightChange(at, dict(weights)))

    def see_alarm(self, at: float, alarm: str, state: str) -> None:
        last = next((a.state for a in reversed(self.alarms) if a.alarm == alarm), None)
        if state != last:
            self.alarms.append(AlarmChange(at, alarm, state))

    def count_tasks(self, at: float, side: str, running: int) -> None:
        last = next((t.running for t in reversed(self.tasks) if t.side == side), None)
        if running != last:
            self.tasks.append(TaskCount(at, side, running))

    def green_share_at(self, t: float) -> float:
        """Green's fraction of production traffic at ``t`` (0 before the first change)."""
        i = bisect_right([w.at for w in self.weights], t)
        if i == 0:
            return 0.0
        weights = self.weights[i - 1].weights
        total = sum(weights.values())
        return 0.0 if total == 0 else weights.get(self.green_target_group, 0) / total
