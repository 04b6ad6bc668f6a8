"""Target health as DescribeTargetHealth reports it: states, reason codes, descriptions,
and the transition table between them.

Pure data. ``TargetGroup`` (``simulator.traffic.elb_targets``) applies events to its
targets through ``TRANSITIONS``; the timed driver (``simulator.traffic.elb_health``)
decides when the events happen.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import NamedTuple


class TargetHealthState(StrEnum):
    """TargetHealth.State values of DescribeTargetHealth (``unhealthy.draining`` is a
    Network Load Balancer state, not modelled)."""

    INITIAL = "initial"
    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"
    UNUSED = "unused"
    DRAINING = "draining"
    UNAVAILABLE = "unavailable"


class Reason(StrEnum):
    """TargetHealth.Reason codes (TargetHealthReasonEnum) ecsim produces."""

    REGISTRATION_IN_PROGRESS = "Elb.RegistrationInProgress"
    INITIAL_HEALTH_CHECKING = "Elb.InitialHealthChecking"
    RESPONSE_CODE_MISMATCH = "Target.ResponseCodeMismatch"
    TIMEOUT = "Target.Timeout"
    FAILED_HEALTH_CHECKS = "Target.FailedHealthChecks"
    NOT_REGISTERED = "Target.NotRegistered"
    NOT_IN_USE = "Target.NotInUse"
    DEREGISTRATION_IN_PROGRESS = "Target.DeregistrationInProgress"
    INVALID_STATE = "Target.InvalidState"
    HEALTH_CHECK_DISABLED = "Target.HealthCheckDisabled"


DESCRIPTIONS: Mapping[Reason, str] = MappingProxyType(
    {
        Reason.REGISTRATION_IN_PROGRESS: "Target registration is in progress",
        Reason.INITIAL_HEALTH_CHECKING: "Initial health checks in progress",
        Reason.RESPONSE_CODE_MISMATCH: "Health checks failed with these codes: [{code}]",
        Reason.TIMEOUT: "Request timed out",
        Reason.FAILED_HEALTH_CHECKS: "Health checks failed",
        Reason.NOT_REGISTERED: "Target is not registered to the target group",
        Reason.NOT_IN_USE: (
            "Target group is not configured to receive traffic from the load balancer"
        ),
        Reason.DEREGISTRATION_IN_PROGRESS: "Target deregistration is in progress",
        Reason.INVALID_STATE: "Target is in the stopped or terminated state",
        Reason.HEALTH_CHECK_DISABLED: "Health checks are disabled",
    }
)
"""TargetHealth.Description per reason (the console's wording; a healthy target has no
reason and no description)."""


class ProbeResult(StrEnum):
    """What one health check request saw."""

    PASS = "pass"
    FAILED = "failed"  # connection refused or malformed response
    TIMEOUT = "timeout"  # no answer within HealthCheckTimeoutSeconds
    CODE_MISMATCH = "code-mismatch"  # answered, not with a Matcher code
    INVALID_STATE = "invalid-state"  # the instance is stopped or terminated


class Event(StrEnum):
    """What happens to a registered target."""

    REGISTER = "register"  # RegisterTargets
    CHECKING = "checking"  # registration done, first health check sent
    HEALTHY = "healthy"  # HealthyThresholdCount consecutive passes
    FAILED_CHECKS = "failed-checks"  # UnhealthyThresholdCount consecutive failures...
    TIMED_OUT = "timed-out"  # ... the last one a timeout
    CODE_MISMATCH = "code-mismatch"  # ... the last one a wrong HTTP code
    INVALID_STATE = "invalid-state"  # its instance stopped or terminated
    RESTORED = "restored"  # its instance is running again
    NOT_IN_USE = "not-in-use"  # no listener or rule forwards to the group any more
    IN_USE = "in-use"  # a listener or rule forwards to the group again
    CHECKS_DISABLED = "checks-disabled"  # HealthCheckEnabled false (lambda targets)
    DEREGISTER = "deregister"  # DeregisterTargets


class Next(NamedTuple):
    state: TargetHealthState
    reason: Reason | None


def _rows() -> dict[tuple[TargetHealthState, Event], Next]:
    S, E, R = TargetHealthState, Event, Reason
    _LIVE = (S.INITIAL, S.HEALTHY, S.UNHEALTHY, S.UNAVAILABLE)
    _CHECKED = (S.INITIAL, S.HEALTHY, S.UNHEALTHY)
    rows: dict[tuple[TargetHealthState, Event], Next] = {}
    for state in S:
        rows[(state, E.REGISTER)] = Next(S.INITIAL, R.REGISTRATION_IN_PROGRESS)
    rows[(S.INITIAL, E.CHECKING)] = Next(S.INITIAL, R.INITIAL_HEALTH_CHECKING)
    for state in (S.INITIAL, S.HEALTHY, S.UNHEALTHY):
        rows[(state, E.HEALTHY)] = Next(S.HEALTHY, None)
        rows[(state, E.FAILED_CHECKS)] = Next(S.UNHEALTHY, R.FAILED_HEALTH_CHECKS)
        rows[(state, E.TIMED_OUT)] = Next(S.UNHEALTHY, R.TIMEOUT)
        rows[(state, E.CODE_MISMATCH)] = Next(S.UNHEALTHY, R.RESPONSE_CODE_MISMATCH)
    for state in _CHECKED:
        rows[(state, E.INVALID_STATE)] = Next(S.UNUSED, R.INVALID_STATE)
        rows[(state, E.CHECKS_DISABLED)] = Next(S.UNAVAILABLE, R.HEALTH_CHECK_DISABLED)
    rows[(S.UNUSED, E.INVALID_STATE)] = Next(S.UNUSED, R.INVALID_STATE)
    rows[(S.UNUSED, E.RESTORED)] = Next(S.INITIAL, R.INITIAL_HEALTH_CHECKING)
    for state in _LIVE:
        rows[(state, E.NOT_IN_USE)] = Next(S.UNUSED, R.NOT_IN_USE)
    rows[(S.UNUSED, E.NOT_IN_USE)] = Next(S.UNUSED, R.NOT_IN_USE)
    rows[(S.UNUSED, E.IN_USE)] = Next(S.INITIAL, R.REGISTRATION_IN_PROGRESS)
    for state in (*_LIVE, S.UNUSED, S.DRAINING):
        rows[(state, E.DEREGISTER)] = Next(S.DRAINING, R.DEREGISTRATION_IN_PROGRESS)
    return rows


TRANSITIONS: Mapping[tuple[TargetHealthState, Event], Next] = MappingProxyType(_rows())
"""(state, event) -> (next state, reason). A pair not in the table leaves the target as it
is: a draining target ignores health checks and use changes until it is gone, a healthy
one ignores IN_USE. Registering again always starts over at ``initial``."""

UNHEALTHY_EVENT: Mapping[ProbeResult, Event] = MappingProxyType(
    {
        ProbeResult.FAILED: Event.FAILED_CHECKS,
        ProbeResult.TIMEOUT: Event.TIMED_OUT,
        ProbeResult.CODE_MISMATCH: Event.CODE_MISMATCH,
    }
)
"""The event that a failing probe result raises once the unhealthy threshold is met."""


def next_state(state: TargetHealthState, event: Event) -> Next | None:
    """The table's answer, or None when the event does not apply in ``state``."""
    return TRANSITIONS.get((state, event))


def description(reason: Reason | None, code: str = "503") -> str | None:
    """TargetHealth.Description for ``reason`` (``code``: what a mismatching check got)."""
    if reason is None:
        return None
    return DESCRIPTIONS[reason].format(code=code)
