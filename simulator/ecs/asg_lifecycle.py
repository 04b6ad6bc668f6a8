"""EC2 Auto Scaling lifecycle hooks and instance lifecycle states, as data.

From the EC2 Auto Scaling API reference and User Guide ("Amazon EC2 Auto Scaling lifecycle
hooks", "Instance lifecycle"): a launching hook holds a new instance in ``Pending:Wait``, a
terminating hook holds a leaving one in ``Terminating:Wait``, until every hook of that
transition is completed (CompleteLifecycleAction) or its heartbeat timeout passes, when the
hook's DefaultResult applies. A heartbeat (RecordLifecycleActionHeartbeat) restarts the
timeout; an instance waits at most 48 hours or 100 x the heartbeat timeout, whichever is
smaller. ABANDON on launch terminates the instance (and the group replaces it); on
termination CONTINUE and ABANDON both let the termination proceed (ABANDON skips the
group's remaining hooks).
"""

from __future__ import annotations

from dataclasses import dataclass, field

LAUNCHING = "autoscaling:EC2_INSTANCE_LAUNCHING"
TERMINATING = "autoscaling:EC2_INSTANCE_TERMINATING"
TRANSITIONS = (LAUNCHING, TERMINATING)
CONTINUE = "CONTINUE"
ABANDON = "ABANDON"
RESULTS = (CONTINUE, ABANDON)

DEFAULT_HEARTBEAT_TIMEOUT = 3600
"""PutLifecycleHook HeartbeatTimeout: 'from 30 to 7200 seconds. The default value is 3600'."""
HEARTBEAT_RANGE = (30, 7200)
DEFAULT_RESULT = ABANDON
"""PutLifecycleHook DefaultResult: 'The default value is ABANDON'."""
GLOBAL_TIMEOUT_CAP = 48 * 3600
GLOBAL_TIMEOUT_FACTOR = 100
"""User Guide: 'the maximum amount of time that you can keep an instance in a wait state is
48 hours or 100 times the heartbeat timeout, whichever is smaller'."""
MAX_HOOKS_PER_GROUP = 50
"""Auto Scaling quotas: lifecycle hooks per Auto Scaling group, 50."""

# instance lifecycle states (LifecycleState enum of the autoscaling service model)
PENDING = "Pending"
PENDING_WAIT = "Pending:Wait"
PENDING_PROCEED = "Pending:Proceed"
IN_SERVICE = "InService"
TERMINATING_STATE = "Terminating"
TERMINATING_WAIT = "Terminating:Wait"
TERMINATING_PROCEED = "Terminating:Proceed"
TERMINATED = "Terminated"


def global_timeout(heartbeat_timeout: int) -> int:
    return min(GLOBAL_TIMEOUT_CAP, GLOBAL_TIMEOUT_FACTOR * heartbeat_timeout)


@dataclass
class LifecycleHook:
    """One PutLifecycleHook's settings."""

    name: str
    transition: str
    heartbeat_timeout: int = DEFAULT_HEARTBEAT_TIMEOUT
    default_result: str = DEFAULT_RESULT
    notification_metadata: str | None = None
    notification_target_arn: str | None = None
    role_arn: str | None = None


@dataclass
class LifecycleAction:
    """One instance waiting on one hook: completed, timed out, or still open."""

    hook: LifecycleHook
    instance_id: str
    token: str
    started: float
    deadline: float  # the heartbeat timeout expires then
    global_deadline: float
    result: str | None = None
    heartbeats: list[float] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return self.result is None


@dataclass(frozen=True)
class Activity:
    """One scaling activity (DescribeScalingActivities)."""

    activity_id: str
    description: str
    cause: str
    start: float
    end: float | None
    status: str  # Successful | InProgress | Cancelled | Failed ...
    progress: int
    details: str = "{}"
