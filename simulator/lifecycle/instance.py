"""The EC2 instance state machine: AWS's states and codes, a transition table, guards.

Pure: no clock, no simpy. Whoever drives it passes the simulated time ``at`` of each
action; the DES layer decides when the timed completions (BOOTED, STOPPED, ...) happen.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Literal, NamedTuple

from simulator.core.errors import AWSError
from simulator.lifecycle import codes

Tenancy = Literal["default", "host"]
Affinity = Literal["default", "host"]
RootDevice = Literal["ebs", "instance-store"]


class InstanceState(StrEnum):
    """EC2 instance states, spelled as the EC2 API spells them."""

    PENDING = "pending"
    RUNNING = "running"
    REBOOTING = "rebooting"
    STOPPING = "stopping"
    STOPPED = "stopped"
    SHUTTING_DOWN = "shutting-down"
    TERMINATED = "terminated"

    @property
    def code(self) -> int:
        """The API's InstanceState.Code (the low byte; a reboot reports running, 16)."""
        return STATE_CODES[self]

    @property
    def api_name(self) -> str:
        """The API's InstanceState.Name: the API never reports 'rebooting'."""
        return InstanceState.RUNNING.value if self is InstanceState.REBOOTING else self.value


STATE_CODES: Mapping[InstanceState, int] = MappingProxyType(
    {
        InstanceState.PENDING: 0,
        InstanceState.RUNNING: 16,
        InstanceState.REBOOTING: 16,
        InstanceState.SHUTTING_DOWN: 32,
        InstanceState.TERMINATED: 48,
        InstanceState.STOPPING: 64,
        InstanceState.STOPPED: 80,
    }
)

ACTIVE_STATES: frozenset[InstanceState] = frozenset(
    {
        InstanceState.PENDING,
        InstanceState.RUNNING,
        InstanceState.REBOOTING,
        InstanceState.STOPPING,
        InstanceState.SHUTTING_DOWN,
    }
)
"""States in which an instance occupies its host: they use host capacity and they block
ReleaseHosts (seed post: 'pending, running, rebooting, stopping, or shutting down')."""


class Action(StrEnum):
    """What happens to an instance: API requests and the timed completions that follow."""

    BOOTED = "booted"  # pending -> running, after the launch delay
    REBOOT = "reboot"  # RebootInstances
    REBOOTED = "rebooted"
    STOP = "stop"  # StopInstances
    HIBERNATE = "hibernate"  # StopInstances Hibernate=true
    STOPPED = "stopped"
    START = "start"  # StartInstances
    TERMINATE = "terminate"  # TerminateInstances
    TERMINATED = "terminated"
    RECOVER = "recover"  # host recovery relaunches it on the replacement host


S, A = InstanceState, Action

TRANSITIONS: Mapping[tuple[InstanceState, Action], InstanceState] = MappingProxyType(
    {
        (S.PENDING, A.BOOTED): S.RUNNING,
        (S.PENDING, A.START): S.PENDING,  # StartInstances on a pending instance: no-op
        (S.PENDING, A.TERMINATE): S.SHUTTING_DOWN,
        (S.RUNNING, A.REBOOT): S.REBOOTING,
        (S.RUNNING, A.STOP): S.STOPPING,
        (S.RUNNING, A.HIBERNATE): S.STOPPING,
        (S.RUNNING, A.START): S.RUNNING,  # no-op
        (S.RUNNING, A.TERMINATE): S.SHUTTING_DOWN,
        (S.RUNNING, A.RECOVER): S.PENDING,
        (S.REBOOTING, A.REBOOTED): S.RUNNING,
        (S.REBOOTING, A.STOP): S.STOPPING,  # the API shows it as running: it can be stopped
        (S.REBOOTING, A.TERMINATE): S.SHUTTING_DOWN,
        (S.REBOOTING, A.RECOVER): S.PENDING,
        (S.STOPPING, A.STOPPED): S.STOPPED,
        (S.STOPPING, A.STOP): S.STOPPING,  # no-op
        (S.STOPPING, A.HIBERNATE): S.STOPPING,  # no-op
        (S.STOPPING, A.TERMINATE): S.SHUTTING_DOWN,
        (S.STOPPED, A.START): S.PENDING,
        (S.STOPPED, A.STOP): S.STOPPED,  # no-op
        (S.STOPPED, A.HIBERNATE): S.STOPPED,  # no-op
        (S.STOPPED, A.TERMINATE): S.TERMINATED,  # seed post: stopped -> terminated
        (S.SHUTTING_DOWN, A.TERMINATED): S.TERMINATED,
        (S.SHUTTING_DOWN, A.TERMINATE): S.SHUTTING_DOWN,  # no-op
        (S.TERMINATED, A.TERMINATE): S.TERMINATED,  # no-op: terminated is final
    }
)
"""(state, action) -> next state. A pair not in the table is refused with
IncorrectInstanceState. Self-loops are the API's idempotent no-ops (stopping a stopped
instance succeeds and reports stopped -> stopped)."""

del S, A

INITIAL_STATE = InstanceState.PENDING
"""RunInstances creates instances in pending."""

_STOP_ACTIONS = frozenset({Action.STOP, Action.HIBERNATE})


def allowed_from(action: Action) -> list[InstanceState]:
    """The states from which ``action`` is accepted, in table order."""
    return [s for (s, a) in TRANSITIONS if a is action]


class Transition(NamedTuple):
    """One entry of an instance's history: it entered ``state`` at ``at`` on ``host_id``."""

    at: float
    state: InstanceState
    host_id: str | None


class Instance:
    """One EC2 instance: its identity, placement and state history.

    ``host_id`` is the Dedicated Host the instance is on or, when stopped, last ran on
    (None for shared tenancy, or host tenancy not yet placed). Placement rules between
    instances and hosts live in ``Fleet``; this class guards only its own transitions.
    """

    __slots__ = (
        "instance_id",
        "instance_type",
        "family",
        "size",
        "vcpu",
        "arch",
        "host_id",
        "tenancy",
        "affinity",
        "root_device",
        "hibernation_configured",
        "impaired",
        "state",
        "history",
    )

    def __init__(
        self,
        instance_id: str,
        instance_type: str,
        *,
        family: str,
        vcpu: int,
        arch: str,
        at: float,
        host_id: str | None = None,
        tenancy: Tenancy = "default",
        affinity: Affinity = "default",
        root_device: RootDevice = "ebs",
        hibernation_configured: bool = False,
    ):
        self.instance_id = instance_id
        self.instance_type = instance_type
        self.family = family
        self.size = instance_type.split(".", 1)[1] if "." in instance_type else instance_type
        self.vcpu = vcpu
        self.arch = arch
        self.host_id = host_id
        self.tenancy: Tenancy = tenancy
        self.affinity: Affinity = affinity
        self.root_device: RootDevice = root_device
        self.hibernation_configured = hibernation_configured
        self.impaired = False
        self.state = INITIAL_STATE
        self.history: list[Transition] = [Transition(at, INITIAL_STATE, host_id)]

    @property
    def is_mac(self) -> bool:
        return self.family.startswith("mac")

    @property
    def active(self) -> bool:
        """True while the instance occupies its host (see ACTIVE_STATES)."""
        return self.state in ACTIVE_STATES

    def check(self, action: Action) -> InstanceState:
        """The state ``action`` would lead to; AWSError if AWS would refuse it."""
        if action in _STOP_ACTIONS and self.root_device == "instance-store":
            raise AWSError(
                codes.UNSUPPORTED_OPERATION,
                f"The instance '{self.instance_id}' does not have an 'ebs' root device type "
                f"and cannot be stopped (it is {self.state}; only EBS-backed instances stop).",
            )
        if (
            action is Action.HIBERNATE
            and not self.hibernation_configured
            and self.state is InstanceState.RUNNING
        ):
            raise AWSError(
                codes.UNSUPPORTED_HIBERNATION,
                f"The instance '{self.instance_id}' is not enabled for hibernation "
                f"(it is {self.state}); launch it with hibernation configured to hibernate it.",
            )
        nxt = TRANSITIONS.get((self.state, action))
        if nxt is None:
            allowed = ", ".join(s.value for s in allowed_from(action)) or "no state"
            raise AWSError(
                codes.INCORRECT_INSTANCE_STATE,
                f"The instance '{self.instance_id}' is in state '{self.state}', from which "
                f"'{action}' is not allowed (rule: '{action}' is accepted from: {allowed}).",
            )
        return nxt

    def apply(self, action: Action, at: float) -> InstanceState:
        """Apply ``action`` at time ``at``; returns the previous state."""
        nxt = self.check(action)
        previous = self.state
        if nxt is not previous:
            self._enter(nxt, at)
        return previous

    def _enter(self, state: InstanceState, at: float) -> None:
        if self.history and at < self.history[-1].at:
            raise ValueError(
                f"{self.instance_id}: time went backwards ({at} < {self.history[-1].at})"
            )
        self.state = state
        self.history.append(Transition(at, state, self.host_id))

    def __repr__(self) -> str:
        where = f" on {self.host_id}" if self.host_id else ""
        return f"Instance({self.instance_id} {self.instance_type} {self.state}{where})"
