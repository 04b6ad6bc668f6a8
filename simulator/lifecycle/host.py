"""The Dedicated Host state machine: AWS's host states, a transition table, capacity.

Pure: no clock, no simpy. Which instances a host holds and whether they fit is decided by
``Fleet``; this class records the host's own state, settings and history.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Literal, NamedTuple

from simulator.core.errors import AWSError
from simulator.lifecycle import codes

OnOff = Literal["on", "off"]
PendingReason = Literal["scrub", "modification", "recovery"]


class HostState(StrEnum):
    """Dedicated Host states, spelled as the EC2 API spells them (AllocationState)."""

    AVAILABLE = "available"
    PENDING = "pending"
    UNDER_ASSESSMENT = "under-assessment"
    RELEASED = "released"
    PERMANENT_FAILURE = "permanent-failure"
    RELEASED_PERMANENT_FAILURE = "released-permanent-failure"


class HostAction(StrEnum):
    """What happens to a host: requests, AWS's own events, and timed completions."""

    RELEASE = "release"  # ReleaseHosts
    BEGIN_SCRUB = "scrub"  # a Mac instance on it stopped or terminated
    SCRUB_COMPLETE = "scrub-complete"
    BEGIN_MODIFICATION = "modify"  # resource-group membership (or supported types) change
    MODIFICATION_COMPLETE = "modify-complete"
    RECOVERY_COMPLETE = "recovery-complete"  # a replacement host has taken the instances
    FAILURE_DETECTED = "failure-detected"  # hardware or network issue
    ASSESSED_HEALTHY = "assessed-healthy"
    ASSESSED_UNRECOVERABLE = "assessed-unrecoverable"
    RECOVERED_ELSEWHERE = "recovered-elsewhere"  # its instances now run on the replacement
    RETIRE = "retire"  # no instance left running on a permanently failed host


S, A = HostState, HostAction

TRANSITIONS: Mapping[tuple[HostState, HostAction], HostState] = MappingProxyType(
    {
        (S.AVAILABLE, A.RELEASE): S.RELEASED,
        (S.AVAILABLE, A.BEGIN_SCRUB): S.PENDING,
        (S.AVAILABLE, A.BEGIN_MODIFICATION): S.PENDING,
        (S.AVAILABLE, A.FAILURE_DETECTED): S.UNDER_ASSESSMENT,
        (S.PENDING, A.SCRUB_COMPLETE): S.AVAILABLE,
        (S.PENDING, A.MODIFICATION_COMPLETE): S.AVAILABLE,
        (S.PENDING, A.RECOVERY_COMPLETE): S.AVAILABLE,
        (S.UNDER_ASSESSMENT, A.ASSESSED_HEALTHY): S.AVAILABLE,
        (S.UNDER_ASSESSMENT, A.ASSESSED_UNRECOVERABLE): S.PERMANENT_FAILURE,
        (S.UNDER_ASSESSMENT, A.RECOVERED_ELSEWHERE): S.RELEASED_PERMANENT_FAILURE,
        # EC2 User Guide, host states: "If you stop or terminate all instances on a
        # Dedicated Host with this state, AWS retires the host."
        (S.PERMANENT_FAILURE, A.RETIRE): S.RELEASED_PERMANENT_FAILURE,
    }
)
"""(state, action) -> next state; a pair not in the table is refused with InvalidHostState.
released and released-permanent-failure are final."""

del S, A

INITIAL_STATE = HostState.AVAILABLE
"""AllocateHosts: the host is available at once."""
REPLACEMENT_INITIAL_STATE = HostState.PENDING
"""Host recovery allocates the replacement in pending."""

_PENDING_COMPLETION: Mapping[PendingReason, HostAction] = MappingProxyType(
    {
        "scrub": HostAction.SCRUB_COMPLETE,
        "modification": HostAction.MODIFICATION_COMPLETE,
        "recovery": HostAction.RECOVERY_COMPLETE,
    }
)
_PENDING_BEGIN: Mapping[HostAction, PendingReason] = MappingProxyType(
    {HostAction.BEGIN_SCRUB: "scrub", HostAction.BEGIN_MODIFICATION: "modification"}
)


class HostTransition(NamedTuple):
    """One entry of a host's history: it entered ``state`` at ``at``."""

    at: float
    state: HostState


class Host:
    """One Dedicated Host: its configuration, the instances it holds, its state history.

    ``instance_type`` is set for a single-size host and None for a mixed-size one.
    ``capacity`` is in the catalog's capacity units (vCPUs, except T3's small sizes; see
    ``simulator.catalog.hosts``). ``instances`` holds the ids of the instances placed on
    the host: active ones, and stopped ones still associated with it.
    """

    __slots__ = (
        "host_id",
        "family",
        "instance_type",
        "auto_placement",
        "host_recovery",
        "allocation_time",
        "release_time",
        "is_mac",
        "apple_silicon",
        "capacity",
        "size_units",
        "size_limits",
        "recovery_supported",
        "member_of_resource_group",
        "instances",
        "state",
        "pending_reason",
        "replacement_host_id",
        "replaces_host_id",
        "history",
    )

    def __init__(
        self,
        host_id: str,
        family: str,
        *,
        capacity: int,
        at: float,
        instance_type: str | None = None,
        auto_placement: OnOff = "off",
        host_recovery: OnOff = "off",
        is_mac: bool = False,
        apple_silicon: bool = False,
        size_units: Mapping[str, int] | None = None,
        size_limits: Mapping[str, int] | None = None,
        recovery_supported: bool = False,
        replaces_host_id: str | None = None,
    ):
        self.host_id = host_id
        self.family = family
        self.instance_type = instance_type
        self.auto_placement: OnOff = auto_placement
        self.host_recovery: OnOff = host_recovery
        self.allocation_time = at
        self.release_time: float | None = None
        self.is_mac = is_mac
        self.apple_silicon = apple_silicon
        self.capacity = capacity
        self.size_units: Mapping[str, int] = MappingProxyType(dict(size_units or {}))
        self.size_limits: Mapping[str, int] = MappingProxyType(dict(size_limits or {}))
        self.recovery_supported = recovery_supported
        self.member_of_resource_group = False
        self.instances: set[str] = set()
        self.replaces_host_id = replaces_host_id
        self.replacement_host_id: str | None = None
        if replaces_host_id is None:
            self.state = INITIAL_STATE
            self.pending_reason: PendingReason | None = None
        else:
            self.state = REPLACEMENT_INITIAL_STATE
            self.pending_reason = "recovery"
        self.history: list[HostTransition] = [HostTransition(at, self.state)]

    @property
    def mixed_size(self) -> bool:
        return self.instance_type is None

    @property
    def released(self) -> bool:
        return self.state in (HostState.RELEASED, HostState.RELEASED_PERMANENT_FAILURE)

    def units_for(self, vcpu: int, size: str) -> int:
        """Capacity units one instance of ``size`` takes on this host."""
        return self.size_units.get(size, vcpu)

    def accepts_type(self, instance_type: str, family: str) -> bool:
        """Whether the host's configuration supports the instance type at all."""
        if family != self.family:
            return False
        return self.instance_type is None or self.instance_type == instance_type

    def check(self, action: HostAction) -> HostState:
        """The state ``action`` would lead to; AWSError(InvalidHostState) if refused."""
        nxt = TRANSITIONS.get((self.state, action))
        if nxt is not None and self.state is HostState.PENDING:
            expected = _PENDING_COMPLETION.get(self.pending_reason or "scrub")
            if action is not expected:
                nxt = None
        if nxt is None:
            allowed = ", ".join(s.value for (s, a) in TRANSITIONS if a is action) or "no state"
            why = f" for {self.pending_reason}" if self.state is HostState.PENDING else ""
            raise AWSError(
                codes.INVALID_HOST_STATE,
                f"The Dedicated Host '{self.host_id}' is {self.state}{why}, from which "
                f"'{action}' is not allowed (rule: '{action}' is accepted from: {allowed}).",
            )
        return nxt

    def apply(self, action: HostAction, at: float) -> HostState:
        """Apply ``action`` at time ``at``; returns the previous state."""
        nxt = self.check(action)
        if self.history and at < self.history[-1].at:
            raise ValueError(f"{self.host_id}: time went backwards ({at} < {self.history[-1].at})")
        previous = self.state
        self.state = nxt
        self.pending_reason = _PENDING_BEGIN.get(action) if nxt is HostState.PENDING else None
        if nxt in (HostState.RELEASED, HostState.RELEASED_PERMANENT_FAILURE):
            self.release_time = at
        self.history.append(HostTransition(at, nxt))
        return previous

    def __repr__(self) -> str:
        what = self.instance_type or f"{self.family} (mixed sizes)"
        return f"Host({self.host_id} {what} {self.state}, {len(self.instances)} instances)"
