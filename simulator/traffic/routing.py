"""Keeps a traffic model in step with the load balancers in front of it.

The traffic model has one column per target group. Which targets of a group take new
requests (its healthy targets, or every registered one when none is healthy: fail
open; never a draining one) and what share of its listener's requests the group gets
are ELBv2's rules (``simulator.traffic.elb``): each request class entering the
listener takes the action of the first rule that matches it, else the default action;
a forward action gives the class to its groups by weight, a fixed response answers it
at the load balancer. This module only passes their changes on, in a fixed order, so
that every fidelity sees the same routing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from simulator.traffic.elb import FixedResponseAction, Listener, Request, TargetGroup
from simulator.traffic.elb_listener import ANY_REQUEST

Classes = Sequence[tuple[Request, float]]
"""Request classes and their shares of a listener's requests (adding up to 1)."""
ONE_CLASS: Classes = ((ANY_REQUEST, 1.0),)


@dataclass
class ListenerShares:
    """Where a listener's requests go: each target group's share (by ARN), the shares
    answered by a fixed response (by status code), and the share no group takes (a
    forward action whose weights are all 0: the load balancer's 503)."""

    groups: dict[str, float] = field(default_factory=dict)
    fixed: dict[int, float] = field(default_factory=dict)
    unrouted: float = 0.0


def listener_shares(listener: Listener, classes: Classes = ONE_CLASS) -> ListenerShares:
    """Each class through the listener's rules (first match, else the default action)."""
    out = ListenerShares()
    for request, share in classes:
        rule, action = listener.route(request)
        if isinstance(action, FixedResponseAction):
            if rule is None and listener.fixed_response is None:  # no forward at all
                out.unrouted += share
            else:
                code = action.status_code
                out.fixed[code] = out.fixed.get(code, 0.0) + share
            continue
        total = sum(w for _, w in action.groups)
        if not total:
            out.unrouted += share
            continue
        for tg, weight in action.groups:
            out.groups[tg.arn] = out.groups.get(tg.arn, 0.0) + share * weight / total
    return out


class TrafficModel(Protocol):
    """What both fidelities implement, keyed by target group (a column)."""

    def task_running(self, service: str, task_id: str, rps_per_vcpu: float) -> None:
        """Target ``task_id`` of column ``service`` takes new requests from now."""

    def task_stopping(self, service: str, task_id: str) -> None:
        """Target ``task_id`` of column ``service`` takes no new requests from now."""

    def set_share(self, service: str, share: float) -> None:
        """The column's share of its listener's requests from now."""


TargetCapacity = Callable[[str, str], float]
"""(target group ARN, target id) -> the target's requests/s per vCPU."""


class TargetGroupRouting:
    """Passes target-group and listener changes to a TrafficModel."""

    def __init__(self, model: TrafficModel, columns: Mapping[str, str], capacity: TargetCapacity):
        self.model = model
        self.columns = dict(columns)  # target group ARN -> the model's column
        self.capacity = capacity
        self._routable: dict[str, set[str]] = {arn: set() for arn in self.columns}
        self._seen: dict[str, tuple[TargetGroup, int, bool]] = {}
        """The group, its kept-state version and whether it failed open, when last read."""
        self._shares: dict[str, float] = dict.fromkeys(self.columns, 1.0)
        self._listeners: list[tuple[Listener, Classes]] = []
        self.listener_shares: dict[str, ListenerShares] = {}
        """Listener ARN -> where its requests go now."""

    def add_listener(self, listener: Listener, classes: Classes = ONE_CLASS) -> None:
        """Route ``classes`` of requests through ``listener`` (default: one class
        without attributes)."""
        self._listeners.append((listener, tuple(classes)))
        self.refresh_shares()

    def refresh(self, tg: TargetGroup) -> None:
        """The group's targets or their health changed: update its routable set."""
        column = self.columns.get(tg.arn)
        if column is None:
            return
        seen = self._seen.get(tg.arn)
        if seen is not None and seen[0] is tg and seen[1] == tg._kept_version:
            return  # no target entered or left healthy or unhealthy: the same set
        healthy, unhealthy = tg.kept_sets()
        failed_open = not healthy  # every unhealthy target takes requests then
        live = unhealthy if failed_open else healthy
        # the same group, failing open as it did: only the targets that moved since can
        # have moved in or out (None: look at every target routed now or routable)
        touched = None
        if seen is not None and seen[0] is tg and seen[2] == failed_open:
            touched = tg.kept_changes(seen[1])
        self._seen[tg.arn] = (tg, tg._kept_version, failed_open)
        old = self._routable[tg.arn]
        candidates = old | live if touched is None else set(touched)
        gone = sorted(t for t in candidates if t in old and t not in live)
        came = sorted(t for t in candidates if t not in old and t in live)
        old.difference_update(gone)
        old.update(came)
        for target in gone:
            self.model.task_stopping(column, target)
        for target in came:
            self.model.task_running(column, target, self.capacity(tg.arn, target))

    def refresh_shares(self) -> None:
        """Listener actions, weights or rules changed: each group's share of its
        listener's requests."""
        for listener, classes in self._listeners:
            shares = listener_shares(listener, classes)
            self.listener_shares[listener.arn] = shares
            for tg in listener.target_groups():
                if tg.arn in self.columns:
                    share = shares.groups.get(tg.arn, 0.0)
                    self._shares[tg.arn] = share
                    self.model.set_share(self.columns[tg.arn], share)

    def routes(self, target_group_arn: str, target_id: str) -> bool:
        """Whether the target takes new requests now."""
        return target_id in self._routable.get(target_group_arn, ())

    def routable_count(self, target_group_arn: str) -> int:
        return len(self._routable.get(target_group_arn, ()))

    def share(self, target_group_arn: str) -> float:
        return self._shares.get(target_group_arn, 0.0)
