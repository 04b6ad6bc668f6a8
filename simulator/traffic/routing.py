"""Keeps a traffic model in step with the load balancers in front of it.

The traffic model has one column per target group. Which targets of a group take new
requests (its healthy targets, or every registered one when none is healthy: fail
open; never a draining one) and what share of its listener's requests the group gets
(its weight over the listener's total) are ELBv2's rules (``simulator.traffic.elb``);
this module only passes their changes on, in a fixed order, so that every fidelity
sees the same routing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

from simulator.traffic.elb import Listener, TargetGroup


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
        self._shares: dict[str, float] = dict.fromkeys(self.columns, 1.0)
        self._listeners: list[Listener] = []

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)
        self.refresh_shares()

    def refresh(self, tg: TargetGroup) -> None:
        """The group's targets or their health changed: update its routable set."""
        column = self.columns.get(tg.arn)
        if column is None:
            return
        new = tg.routable_set()
        old = self._routable[tg.arn]
        for target in sorted(old - new):
            self.model.task_stopping(column, target)
        for target in sorted(new - old):
            self.model.task_running(column, target, self.capacity(tg.arn, target))
        self._routable[tg.arn] = new

    def refresh_shares(self) -> None:
        """Listener weights changed (ModifyListener): each group's share of its traffic."""
        for listener in self._listeners:
            total = sum(w for _, w in listener.forward)
            for tg, weight in listener.forward:
                if tg.arn in self.columns:
                    share = weight / total if total else 0.0
                    self._shares[tg.arn] = share
                    self.model.set_share(self.columns[tg.arn], share)

    def routes(self, target_group_arn: str, target_id: str) -> bool:
        """Whether the target takes new requests now."""
        return target_id in self._routable.get(target_group_arn, ())

    def routable_count(self, target_group_arn: str) -> int:
        return len(self._routable.get(target_group_arn, ()))

    def share(self, target_group_arn: str) -> float:
        return self._shares.get(target_group_arn, 0.0)
