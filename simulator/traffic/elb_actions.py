"""Listener and rule actions: forward to up to five weighted target groups, or answer
with a fixed response. Pure.

A forward action splits requests by weight (0-999, ELBv2 ForwardActionConfig). The load
balancer answers 503 itself (HTTPCode_ELB_5XX_Count) for the share of a weighted group
with no routable target, and for all requests when every weight is 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from simulator.core.errors import AWSError
from simulator.traffic.elb_targets import TargetGroup, choose_target

MAX_TARGET_GROUPS_PER_ACTION = 5
MAX_WEIGHT = 999
MAX_STICKINESS_S = 604800
VALIDATION_ERROR = "ValidationError"
ELB_UNAVAILABLE = 503
FIXED_RESPONSE_CONTENT_TYPES = (
    "text/plain",
    "text/css",
    "text/html",
    "application/javascript",
    "application/json",
)


@dataclass(frozen=True)
class Stickiness:
    """TargetGroupStickinessConfig: accepted and reported (ecsim has no client cookies, so
    every request is routed by weight)."""

    enabled: bool = False
    duration_s: int | None = None


@dataclass
class ForwardAction:
    """A ``forward`` action: (target group, weight) pairs."""

    groups: list[tuple[TargetGroup, int]]
    stickiness: Stickiness = field(default_factory=Stickiness)

    def __post_init__(self) -> None:
        check_forward(self.groups, self.stickiness)
        self._total = sum(w for _, w in self.groups)

    def target_groups(self) -> list[TargetGroup]:
        return [tg for tg, _ in self.groups]

    def split(self, rate: float, at: float | None = None) -> tuple[dict[str, float], float]:
        """Requests/s to each target group (by name) by weight, and the rate answered 503
        (a weighted group with no routable target; or all weights 0)."""
        total = self._total
        if total == 0:
            return {}, rate
        out: dict[str, float] = {}
        rejected = 0.0
        for tg, weight in self.groups:
            share = rate * weight / total
            if weight and not tg.has_routable():
                rejected += share
            elif weight:
                out[tg.name] = out.get(tg.name, 0.0) + share
        return out, rejected

    def choose_group(self, rng: np.random.Generator) -> TargetGroup | None:
        """The group one request goes to, drawn by weight (None when all weights are 0)."""
        if self._total == 0:
            return None
        if len(self.groups) == 1:
            return self.groups[0][0]
        u = float(rng.random()) * self._total
        for tg, weight in self.groups:
            u -= weight
            if u < 0:
                return tg
        return next(tg for tg, w in reversed(self.groups) if w)


@dataclass(frozen=True)
class FixedResponseAction:
    """A ``fixed-response`` action: the load balancer answers with ``status_code``."""

    status_code: int
    content_type: str | None = None
    message_body: str | None = None

    def __post_init__(self) -> None:
        if not (200 <= self.status_code <= 599 and str(self.status_code)[0] in "245"):
            raise AWSError(
                VALIDATION_ERROR, "The fixed response status code must be 2XX, 4XX or 5XX"
            )
        if self.content_type is not None and self.content_type not in FIXED_RESPONSE_CONTENT_TYPES:
            raise AWSError(
                VALIDATION_ERROR,
                f"Fixed response content type must be one of {list(FIXED_RESPONSE_CONTENT_TYPES)}",
            )
        if self.message_body is not None and len(self.message_body) > 1024:
            raise AWSError(
                VALIDATION_ERROR, "The fixed response message body is at most 1024 characters"
            )


Action = ForwardAction | FixedResponseAction


def check_forward(groups: Sequence[tuple[TargetGroup, int]], stickiness: Stickiness) -> None:
    """ForwardConfig's rules: 1 to 5 distinct target groups, weights 0-999."""
    if not 1 <= len(groups) <= MAX_TARGET_GROUPS_PER_ACTION:
        raise AWSError(
            VALIDATION_ERROR,
            f"A forward action takes 1 to {MAX_TARGET_GROUPS_PER_ACTION} target groups, "
            f"got {len(groups)}.",
        )
    for tg, weight in groups:
        if not 0 <= weight <= MAX_WEIGHT:
            raise AWSError(
                VALIDATION_ERROR,
                f"Target group weight must be between 0 and {MAX_WEIGHT}, got {weight} "
                f"for {tg.name}.",
            )
    arns = [tg.arn for tg, _ in groups]
    if len(set(arns)) != len(arns):
        raise AWSError(VALIDATION_ERROR, "A target group can appear only once in a forward action.")
    if stickiness.duration_s is not None and not 1 <= stickiness.duration_s <= MAX_STICKINESS_S:
        raise AWSError(
            VALIDATION_ERROR,
            f"Target group stickiness duration must be between 1 and {MAX_STICKINESS_S} seconds",
        )


@dataclass
class RouteSplit:
    """Where an offered rate goes: requests/s per target group (by name), the rate the load
    balancer answers 503 itself, and the rate answered by fixed responses (by code)."""

    groups: dict[str, float] = field(default_factory=dict)
    elb_503: float = 0.0
    fixed: dict[int, float] = field(default_factory=dict)

    def total(self) -> float:
        return sum(self.groups.values()) + self.elb_503 + sum(self.fixed.values())

    def add(self, other: RouteSplit) -> None:
        for name, rate in other.groups.items():
            self.groups[name] = self.groups.get(name, 0.0) + rate
        for code, rate in other.fixed.items():
            self.fixed[code] = self.fixed.get(code, 0.0) + rate
        self.elb_503 += other.elb_503


def split_action(action: Action, rate: float, at: float | None = None) -> RouteSplit:
    """The RouteSplit of ``rate`` requests/s through ``action``."""
    if isinstance(action, FixedResponseAction):
        return RouteSplit(fixed={action.status_code: rate})
    groups, rejected = action.split(rate, at)
    return RouteSplit(groups=groups, elb_503=rejected)


@dataclass(frozen=True)
class Routed:
    """Where one request went: a target of a group, or an answer from the load balancer
    itself (``status``: 503, or a fixed response's code)."""

    target_group: TargetGroup | None = None
    target_id: str | None = None
    status: int | None = None


def choose_action(
    action: Action,
    rng: np.random.Generator,
    at: float | None = None,
    outstanding: Mapping[str, float] | None = None,
) -> Routed:
    """The route of one request through ``action`` (random draws from ``rng`` only)."""
    if isinstance(action, FixedResponseAction):
        return Routed(status=action.status_code)
    tg = action.choose_group(rng)
    if tg is None:
        return Routed(status=ELB_UNAVAILABLE)
    target = choose_target(tg, rng, at, outstanding)
    if target is None:
        return Routed(target_group=tg, status=ELB_UNAVAILABLE)
    return Routed(target_group=tg, target_id=target)
