"""RunRecord: what a finished simulation hands to the summary, so the summary reads a
small record instead of the simulation's internals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simulator.ecs.deployment_log import DeploymentRecord
from simulator.lifecycle.billing import Bill
from simulator.scenario.schema import Scenario


@dataclass(frozen=True)
class RunRecord:
    scenario: Scenario
    seed: int
    services: list[str]
    arch: str | None
    oom_times: dict[str, list[float]]
    bills: dict[str, Bill]
    host_families: list[str]
    host_states: dict[str, int]
    host_failures: int
    fargate_cost_usd: float
    capacity: dict[str, Any]  # capacity providers and Service Auto Scaling (plain JSON)
    deployments: list[DeploymentRecord] = field(default_factory=list)
    alarms: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per CloudWatch alarm: time_in_alarm_s, transitions, first_alarm_s, final_state."""

    @property
    def oom_kills(self) -> dict[str, int]:
        return {name: len(self.oom_times.get(name, [])) for name in self.services}
