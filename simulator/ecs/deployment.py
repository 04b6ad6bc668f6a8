"""Rolling deployment rules and service event texts, as pure functions and data.

ECS's replica scheduler keeps a service between two bounds while it replaces tasks:
at least ``minimumHealthyPercent`` of the desired count healthy (rounded up) and at most
``maximumPercent`` of it live (rounded down). The deployment circuit breaker fails a
deployment once enough of its tasks failed: half the desired count, bounded below by 3
(current API reference; the 2023 developer guide said 10) and above by 200.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

CIRCUIT_BREAKER_MINIMUM = 3
"""Current API reference (botocore ecs DeploymentCircuitBreaker doc)."""
CIRCUIT_BREAKER_MINIMUM_2023 = 10
"""The June 2023 developer guide's lower bound; selectable."""
CIRCUIT_BREAKER_MAXIMUM = 200

# DescribeServices events, as ECS writes them
EVENT_STARTED = "(service {service}) has started {count} tasks: {tasks}."
EVENT_STOPPED = "(service {service}) has stopped {count} running tasks: {tasks}."
EVENT_STEADY = "(service {service}) has reached a steady state."
EVENT_DEPLOYMENT_COMPLETED = "(service {service}) (deployment {deployment}) deployment completed."
EVENT_DEPLOYMENT_FAILED = (
    "(service {service}) (deployment {deployment}) deployment failed: tasks failed to start."
)
EVENT_ROLLBACK = "(service {service}) rolling back to deployment {deployment}."
EVENT_DRAINING = "(service {service}) has begun draining connections on {count} tasks."


def task_list(task_ids: list[str]) -> str:
    """ECS lists tasks in events as ``(task id) (task id)``."""
    return " ".join(f"(task {t})" for t in task_ids)


class RolloutState(StrEnum):
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


class DeploymentStatus(StrEnum):
    PRIMARY = "PRIMARY"
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


@dataclass(frozen=True)
class DeploymentConfiguration:
    """ECS's DeploymentConfiguration for the rolling update (ECS) controller."""

    minimum_healthy_percent: int = 100
    maximum_percent: int = 200
    circuit_breaker: bool = False
    rollback: bool = False
    circuit_breaker_minimum: int = CIRCUIT_BREAKER_MINIMUM

    @classmethod
    def from_api(cls, doc: dict | None) -> DeploymentConfiguration:
        doc = doc or {}
        cb = doc.get("deploymentCircuitBreaker") or {}
        return cls(
            minimum_healthy_percent=int(doc.get("minimumHealthyPercent", 100)),
            maximum_percent=int(doc.get("maximumPercent", 200)),
            circuit_breaker=bool(cb.get("enable", False)),
            rollback=bool(cb.get("rollback", False)),
        )

    def to_api(self) -> dict:
        return {
            "deploymentCircuitBreaker": {
                "enable": self.circuit_breaker,
                "rollback": self.rollback,
            },
            "maximumPercent": self.maximum_percent,
            "minimumHealthyPercent": self.minimum_healthy_percent,
        }


def rolling_bounds(desired: int, config: DeploymentConfiguration) -> tuple[int, int]:
    """(fewest healthy tasks, most live tasks) while replacing: min rounded up, max down."""
    low = math.ceil(desired * config.minimum_healthy_percent / 100)
    high = math.floor(desired * config.maximum_percent / 100)
    return low, high


def circuit_breaker_threshold(
    desired: int, minimum: int = CIRCUIT_BREAKER_MINIMUM, maximum: int = CIRCUIT_BREAKER_MAXIMUM
) -> int:
    """Failed tasks that trip the breaker: ceil(0.5 x desired), within [minimum, maximum]."""
    return min(maximum, max(minimum, math.ceil(0.5 * desired)))


def retry_delay(failures: int, base: float = 30.0, cap: float = 900.0) -> float:
    """ECS throttles a service whose tasks repeatedly fail to start: the delay between
    launch attempts grows (doubling here, a parameter) up to 15 minutes."""
    if failures <= 0:
        return 0.0
    return min(cap, base * 2 ** (failures - 1))


@dataclass
class Deployment:
    """One of a service's deployments (DescribeServices ``deployments[]``)."""

    id: str
    task_definition: str
    desired_count: int
    created_at: float
    status: DeploymentStatus = DeploymentStatus.PRIMARY
    rollout_state: RolloutState = RolloutState.IN_PROGRESS
    rollout_state_reason: str = "ECS deployment {id} in progress."
    failed_tasks: int = 0
    updated_at: float = 0.0
    task_ids: set[str] = field(default_factory=set)  # not yet STOPPED
    live_ids: dict[str, None] = field(default_factory=dict)
    """Desired RUNNING task ids in launch order (not a set: scale-in picks from it, so its
    order must not depend on the hash seed)."""
    running: int = 0  # RUNNING and desired RUNNING

    def __post_init__(self) -> None:
        self.rollout_state_reason = self.rollout_state_reason.format(id=self.id)
        self.updated_at = self.created_at
