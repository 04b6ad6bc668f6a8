"""The ECS task lifecycle as a pure state machine (no simpy).

States and stop codes are ECS's own (DescribeTasks ``lastStatus``, ``stopCode``). The
normal path is PROVISIONING -> PENDING -> ACTIVATING -> RUNNING -> DEACTIVATING ->
STOPPING -> DEPROVISIONING -> STOPPED; a task asked to stop before it runs skips the
states it never reached, and a task whose container instance is lost is STOPPED at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import NamedTuple

from simulator.core.errors import AWSError


class TaskState(StrEnum):
    PROVISIONING = "PROVISIONING"
    PENDING = "PENDING"
    ACTIVATING = "ACTIVATING"
    RUNNING = "RUNNING"
    DEACTIVATING = "DEACTIVATING"
    STOPPING = "STOPPING"
    DEPROVISIONING = "DEPROVISIONING"
    STOPPED = "STOPPED"


class TaskAction(StrEnum):
    PROVISIONED = "provisioned"  # network interfaces attached (awsvpc) or nothing to do
    STARTED = "started"  # images pulled, containers started
    ACTIVATED = "activated"  # registered with load balancers / service discovery
    STOP = "stop"  # StopTask, scheduler, failure
    DEACTIVATED = "deactivated"  # deregistered from load balancers
    CONTAINERS_STOPPED = "containers-stopped"  # SIGTERM, SIGKILL after stopTimeout
    DEPROVISIONED = "deprovisioned"
    INSTANCE_LOST = "instance-lost"  # the container instance stopped or failed


class StopCode(StrEnum):
    """ECS's TaskStopCode values."""

    TASK_FAILED_TO_START = "TaskFailedToStart"
    ESSENTIAL_CONTAINER_EXITED = "EssentialContainerExited"
    USER_INITIATED = "UserInitiated"
    SERVICE_SCHEDULER_INITIATED = "ServiceSchedulerInitiated"
    SPOT_INTERRUPTION = "SpotInterruption"
    TERMINATION_NOTICE = "TerminationNotice"


S, A = TaskState, TaskAction
_LIVE = (S.PROVISIONING, S.PENDING, S.ACTIVATING, S.RUNNING, S.DEACTIVATING, S.STOPPING)

TRANSITIONS: Mapping[tuple[TaskState, TaskAction], TaskState] = MappingProxyType(
    {
        (S.PROVISIONING, A.PROVISIONED): S.PENDING,
        (S.PENDING, A.STARTED): S.ACTIVATING,
        (S.ACTIVATING, A.ACTIVATED): S.RUNNING,
        (S.PROVISIONING, A.STOP): S.DEPROVISIONING,
        (S.PENDING, A.STOP): S.STOPPING,
        (S.ACTIVATING, A.STOP): S.DEACTIVATING,
        (S.RUNNING, A.STOP): S.DEACTIVATING,
        (S.DEACTIVATING, A.DEACTIVATED): S.STOPPING,
        (S.STOPPING, A.CONTAINERS_STOPPED): S.DEPROVISIONING,
        (S.DEPROVISIONING, A.DEPROVISIONED): S.STOPPED,
        **{(state, A.INSTANCE_LOST): S.STOPPED for state in (*_LIVE, S.DEPROVISIONING)},
    }
)

INITIAL_STATE = TaskState.PROVISIONING

# DescribeTasks stoppedReason texts as ECS writes them
REASON_SCALING = "Scaling activity initiated by (deployment {deployment_id})"
REASON_ESSENTIAL_EXITED = "Essential container in task exited"
REASON_FAILED_TO_START = REASON_ESSENTIAL_EXITED  # what a task that never started reports
REASON_USER = "Task stopped by user"
REASON_HOST_LOST = "Host EC2 (instance {instance_id}) stopped/terminated."
REASON_SPOT = "Your Spot Task was interrupted."
REASON_ELB = "Task failed ELB health checks in (target-group {target_group})"
CONTAINER_REASON_OOM = "OutOfMemoryError: Container killed due to memory usage"


class TaskTransition(NamedTuple):
    at: float
    state: TaskState


class Task:
    """One task: its identity, placement, desired and last status, and history."""

    __slots__ = (
        "task_arn",
        "task_id",
        "task_definition_arn",
        "group",
        "container_instance",
        "last_status",
        "desired_status",
        "stop_code",
        "stopped_reason",
        "container_reason",
        "history",
        "started_by",
        "durations",
    )

    def __init__(
        self,
        task_arn: str,
        task_definition_arn: str,
        *,
        at: float,
        group: str,
        container_instance: str | None,
        started_by: str | None = None,
    ):
        self.task_arn = task_arn
        self.task_id = task_arn.rsplit("/", 1)[-1]
        self.task_definition_arn = task_definition_arn
        self.group = group
        self.container_instance = container_instance
        self.started_by = started_by
        self.last_status = INITIAL_STATE
        self.desired_status = "RUNNING"
        self.stop_code: StopCode | None = None
        self.stopped_reason: str | None = None
        self.container_reason: str | None = None
        self.history = [TaskTransition(at, INITIAL_STATE)]
        self.durations: dict[str, float] = {}  # drawn at launch, taken as each step starts

    @property
    def live(self) -> bool:
        return self.last_status is not TaskState.STOPPED

    def time_entered(self, state: TaskState) -> float | None:
        for t in self.history:
            if t.state is state:
                return t.at
        return None

    def apply(self, action: TaskAction, at: float) -> TaskState:
        nxt = TRANSITIONS.get((self.last_status, action))
        if nxt is None:
            raise AWSError(
                "InvalidParameterException",
                f"task {self.task_arn} is {self.last_status}; it cannot take '{action}' "
                f"(allowed from: {', '.join(s for (s, a) in TRANSITIONS if a is action)})",
            )
        self.last_status = nxt
        self.history.append(TaskTransition(at, nxt))
        return nxt

    def stop(self, at: float, code: StopCode, reason: str) -> TaskState:
        """Ask the task to stop (desiredStatus STOPPED), recording why (first reason wins)."""
        self.desired_status = "STOPPED"
        if self.stop_code is None:
            self.stop_code, self.stopped_reason = code, reason
        if self.last_status in (
            TaskState.DEACTIVATING,
            TaskState.STOPPING,
            TaskState.DEPROVISIONING,
            TaskState.STOPPED,
        ):
            return self.last_status  # already on its way out
        return self.apply(TaskAction.STOP, at)

    def __repr__(self) -> str:
        return f"Task({self.task_arn.rsplit('/', 1)[-1]} {self.group} {self.last_status})"
