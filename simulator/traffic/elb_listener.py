"""A listener: a port and protocol, a default action, and rules in priority order. Pure.

Routing one request (or a rate of them): the first rule by priority whose conditions all
match gives the action, else the default action; a forward action then splits by
target-group weight (``simulator.traffic.elb_actions``) and the group picks a target
(``simulator.traffic.elb_targets``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from simulator.core.errors import AWSError
from simulator.traffic.elb_actions import (
    Action,
    FixedResponseAction,
    ForwardAction,
    Routed,
    RouteSplit,
    Stickiness,
    check_forward,
    choose_action,
    split_action,
)
from simulator.traffic.elb_rules import PRIORITY_IN_USE, Request, Rule
from simulator.traffic.elb_targets import TargetGroup

LISTENER_PROTOCOLS = ("HTTP", "HTTPS")
ANY_REQUEST = Request()


@dataclass
class Listener:
    """A listener whose default action forwards to weighted target groups (``forward``)
    or, when ``fixed_response`` is set, answers with it; plus rules."""

    port: int
    forward: list[tuple[TargetGroup, int]] = field(default_factory=list)
    protocol: str = "HTTP"
    arn: str = ""
    load_balancer_arn: str = ""
    fixed_response: FixedResponseAction | None = None
    stickiness: Stickiness = field(default_factory=Stickiness)
    rules: list[Rule] = field(default_factory=list)
    """Non-default rules, kept in priority order."""
    on_change: Callable[[], None] | None = field(default=None, repr=False, compare=False)
    """Called after any change of actions or rules (the registry tracks group use)."""
    certificates: list[str] = field(default_factory=list)
    """HTTPS listeners: the certificate ARNs (accepted and reported, not checked)."""
    ssl_policy: str | None = None
    _default: tuple[object, Action] | None = field(default=None, repr=False, compare=False)
    _matched: dict[int, tuple[Request, Rule | None]] = field(
        default_factory=dict, repr=False, compare=False
    )
    """route()'s answers per request object (flow fidelity routes the same request classes
    every step); emptied on every change of rules."""

    def __post_init__(self) -> None:
        if self.protocol not in LISTENER_PROTOCOLS:
            raise AWSError(
                "ValidationError",
                f"Listener protocol '{self.protocol}' must be one of {list(LISTENER_PROTOCOLS)}",
            )
        if not 1 <= self.port <= 65535:
            raise AWSError("ValidationError", f"Listener port must be 1-65535, got {self.port}")
        self.rules.sort(key=lambda r: r.priority or 0)

    def _changed(self) -> None:
        """Rules or actions changed (``Rule`` objects edited in place too: call it)."""
        self._matched.clear()
        if self.on_change is not None:
            self.on_change()

    # ------------------------------------------------------------------ default action
    def set_forward(
        self, groups: list[tuple[TargetGroup, int]], stickiness: Stickiness | None = None
    ) -> None:
        """ModifyListener's ForwardConfig: up to 5 groups, weights 0-999."""
        stick = stickiness or Stickiness()
        check_forward(groups, stick)
        self.forward = list(groups)
        self.stickiness = stick
        self.fixed_response = None
        self._changed()

    def set_default_action(self, action: Action) -> None:
        """ModifyListener's DefaultActions (one forward or fixed-response action)."""
        if isinstance(action, FixedResponseAction):
            self.forward, self.fixed_response = [], action
            self._changed()
        else:
            self.set_forward(action.groups, action.stickiness)

    @property
    def default_action(self) -> Action:
        """The default rule's action (built once per change of ``forward``)."""
        if self.fixed_response is not None:
            return self.fixed_response
        key = (tuple((id(tg), w) for tg, w in self.forward), self.stickiness)
        if self._default is not None and self._default[0] == key:
            return self._default[1]
        action: Action = (
            ForwardAction(self.forward, self.stickiness)
            if self.forward
            else FixedResponseAction(503)
        )
        self._default = (key, action)
        return action

    # ------------------------------------------------------------------ rules
    def add_rule(self, rule: Rule) -> Rule:
        """CreateRule: PriorityInUse if another rule of the listener has its priority."""
        if rule.priority is None:
            raise AWSError("ValidationError", "Only the listener has a default rule")
        self._check_free(rule.priority)
        self.rules.append(rule)
        self.rules.sort(key=lambda r: r.priority or 0)
        self._changed()
        return rule

    def _check_free(self, priority: int, moving: Sequence[Rule] = ()) -> None:
        taken = {r.priority for r in self.rules if r not in moving}
        if priority in taken:
            raise AWSError(PRIORITY_IN_USE, f"Priority '{priority}' is currently in use")

    def remove_rule(self, rule: Rule) -> None:
        self.rules = [r for r in self.rules if r is not rule]
        self._changed()

    def set_priorities(self, priorities: Mapping[int, int]) -> None:
        """SetRulePriorities on this listener: {id(rule): priority}, applied together."""
        moving = [r for r in self.rules if id(r) in priorities]
        new = [priorities[id(r)] for r in moving]
        if len(set(new)) != len(new):
            raise AWSError(PRIORITY_IN_USE, "The same priority is given to more than one rule")
        for p in new:
            self._check_free(p, moving)
        for rule, p in zip(moving, new, strict=True):
            rule.priority = p
        self.rules.sort(key=lambda r: r.priority or 0)
        self._changed()

    def target_groups(self) -> list[TargetGroup]:
        """Every target group an action of the listener forwards to (default first)."""
        out: dict[str, TargetGroup] = {tg.arn or tg.name: tg for tg, _ in self.forward}
        for rule in self.rules:
            if isinstance(rule.action, ForwardAction):
                for tg in rule.action.target_groups():
                    out.setdefault(tg.arn or tg.name, tg)
        return list(out.values())

    # ------------------------------------------------------------------ routing
    def route(self, request: Request = ANY_REQUEST) -> tuple[Rule | None, Action]:
        """The matched rule (None: the default rule) and its action for ``request``."""
        cached = self._matched.get(id(request))
        if cached is not None and cached[0] is request:
            rule = cached[1]
        else:
            rule = next((r for r in self.rules if r.matches(request)), None)
            if len(self._matched) >= 4096:
                self._matched.clear()
            self._matched[id(request)] = (request, rule)
        return (rule, rule.action) if rule is not None else (None, self.default_action)

    def split(self, rate: float, request: Request | None = None) -> tuple[dict[str, float], float]:
        """Requests/s to each target group (by name), and the rate the load balancer answers
        itself: 503 (a weighted group with no routable target; or all weights 0), or a
        fixed response (see ``route_split`` for the breakdown)."""
        s = self.route_split(rate, request)
        return s.groups, s.elb_503 + sum(s.fixed.values())

    def route_split(
        self, rate: float, request: Request | None = None, at: float | None = None
    ) -> RouteSplit:
        """Flow fidelity: where ``rate`` requests/s like ``request`` go."""
        _, action = self.route(request or ANY_REQUEST)
        return split_action(action, rate, at)

    def split_classes(
        self, classes: Sequence[tuple[Request, float]], at: float | None = None
    ) -> RouteSplit:
        """Flow fidelity with several request classes: (request, requests/s) pairs."""
        out = RouteSplit()
        for request, rate in classes:
            out.add(self.route_split(rate, request, at))
        return out

    def choose(
        self,
        rng: np.random.Generator,
        request: Request | None = None,
        at: float | None = None,
        outstanding: Mapping[str, float] | None = None,
    ) -> Routed:
        """Request fidelity: the route of one request (random draws from ``rng`` only)."""
        _, action = self.route(request or ANY_REQUEST)
        return choose_action(action, rng, at, outstanding)
