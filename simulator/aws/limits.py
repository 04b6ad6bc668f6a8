"""Account limits the boto3 facade enforces before anything is launched.

AWS has per-account quotas where the API has no per-call maximum: RunInstances launches
at most what the quota leaves (``MaxCount`` is an upper bound: "Amazon EC2 launches the
largest possible number of instances above MinCount") and refuses with
InstanceLimitExceeded when not even ``MinCount`` fit; AllocateHosts refuses with
HostLimitExceeded. AWS's On-Demand quota counts vCPUs per instance bucket and differs per
account; ecsim bounds instance and host *counts* instead, with these defaults (a choice,
so that a request such as ``MaxCount=2**63`` is an AWS error, not an exhausted machine).
"""

from __future__ import annotations

from simulator.aws.errors import INSTANCE_LIMIT_EXCEEDED
from simulator.core.errors import AWSError

INSTANCE_LIMIT = 5_000
"""Instances not yet terminated an account may have."""

TASKS_PER_SERVICE = 5_000
"""ECS service quota "Tasks per service" (the desired count's upper bound)."""

HOST_LIMIT = 1_000
"""Dedicated Hosts not yet released an account may have (every family together)."""


def instances_launchable(live: int, min_count: object, max_count: object) -> int | None:
    """The MaxCount to launch with under the limit (None: leave the request as it is for
    the fleet to refuse malformed counts); AWSError when not even MinCount fit."""
    if not isinstance(max_count, int) or not isinstance(min_count, int):
        return None
    if min_count < 1 or max_count < min_count:
        return None
    room = max(0, INSTANCE_LIMIT - live)
    if min_count > room:
        raise AWSError(
            INSTANCE_LIMIT_EXCEEDED,
            f"You have requested more instances ({min_count}) than your current instance "
            f"limit of {INSTANCE_LIMIT} allows ({live} running or pending).",
        )
    return min(max_count, room)
