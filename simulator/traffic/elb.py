"""Application Load Balancers as ELBv2 models them: listeners forwarding to up to five
weighted target groups, targets with health checks, deregistration delay. Pure: the
simulation calls ``health_check`` and ``complete_deregistration`` at their times.

Routing rules modelled (ELBv2 User Guide): a listener's forward action splits requests
by target-group weight (0-999); within a group, requests go to healthy targets (round
robin or least outstanding requests); when no target of a group is healthy, the group
fails open and routes to all its registered targets; a group with no targets at all
answers 503. A draining target receives no new requests; its in-flight ones finish
within the deregistration delay (default 300 s).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from simulator.core.errors import AWSError

MAX_TARGET_GROUPS_PER_ACTION = 5
MAX_WEIGHT = 999
VALIDATION_ERROR = "ValidationError"
TARGET_GROUP_NOT_FOUND = "TargetGroupNotFound"
INVALID_TARGET = "InvalidTarget"


class TargetHealthState(StrEnum):
    """TargetHealth.State values of DescribeTargetHealth."""

    INITIAL = "initial"
    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"
    UNUSED = "unused"
    DRAINING = "draining"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class HealthCheck:
    """ALB target-group health check settings (defaults as CreateTargetGroup's for HTTP)."""

    interval_s: float = 30.0
    timeout_s: float = 5.0
    healthy_threshold: int = 5
    unhealthy_threshold: int = 2


@dataclass
class Target:
    target_id: str
    port: int
    registered_at: float
    state: TargetHealthState = TargetHealthState.INITIAL
    successes: int = 0
    failures: int = 0
    draining_until: float | None = None


@dataclass
class TargetGroup:
    name: str
    arn: str
    check: HealthCheck = field(default_factory=HealthCheck)
    deregistration_delay_s: float = 300.0
    algorithm: str = "round_robin"  # or least_outstanding_requests
    targets: dict[str, Target] = field(default_factory=dict)

    def register(self, target_id: str, at: float, port: int = 80) -> Target:
        """RegisterTargets: a new target starts ``initial`` until its checks pass."""
        existing = self.targets.get(target_id)
        if existing is not None and existing.state is not TargetHealthState.DRAINING:
            return existing
        target = Target(target_id, port, at)
        self.targets[target_id] = target
        return target

    def deregister(self, target_id: str, at: float) -> Target:
        """DeregisterTargets: draining for the deregistration delay, then gone."""
        target = self.targets.get(target_id)
        if target is None:
            raise AWSError(
                INVALID_TARGET, f"The target {target_id} is not registered with {self.name}."
            )
        if target.state is not TargetHealthState.DRAINING:
            target.state = TargetHealthState.DRAINING
            target.draining_until = at + self.deregistration_delay_s
        return target

    def complete_deregistration(self, at: float) -> list[str]:
        """Drop draining targets whose delay has passed; returns their ids."""
        done = [
            t.target_id
            for t in self.targets.values()
            if t.state is TargetHealthState.DRAINING and (t.draining_until or 0.0) <= at
        ]
        for target_id in done:
            del self.targets[target_id]
        return done

    def health_check(self, target_id: str, passed: bool) -> TargetHealthState:
        """One health check result: ``healthy_threshold`` consecutive passes make a target
        healthy, ``unhealthy_threshold`` consecutive failures unhealthy."""
        t = self.targets[target_id]
        if t.state is TargetHealthState.DRAINING:
            return t.state
        hc = self.check
        if passed:
            t.successes, t.failures = t.successes + 1, 0
            if t.successes >= hc.healthy_threshold:
                t.state = TargetHealthState.HEALTHY
        else:
            t.failures, t.successes = t.failures + 1, 0
            if t.failures >= hc.unhealthy_threshold:
                t.state = TargetHealthState.UNHEALTHY
        return t.state

    def routable(self) -> list[str]:
        """Targets that receive new requests: the healthy ones, or (fail open) every
        registered non-draining target when none is healthy."""
        live = [t for t in self.targets.values() if t.state is not TargetHealthState.DRAINING]
        healthy = [t.target_id for t in live if t.state is TargetHealthState.HEALTHY]
        return healthy or [t.target_id for t in live]

    def healthy_count(self) -> int:
        """CloudWatch HealthyHostCount."""
        return sum(1 for t in self.targets.values() if t.state is TargetHealthState.HEALTHY)


@dataclass
class Listener:
    """A listener whose default action forwards to weighted target groups."""

    port: int
    forward: list[tuple[TargetGroup, int]] = field(default_factory=list)

    def set_forward(self, groups: list[tuple[TargetGroup, int]]) -> None:
        """ModifyListener's ForwardConfig: up to 5 groups, weights 0-999."""
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
        self.forward = list(groups)

    def split(self, rate: float) -> tuple[dict[str, float], float]:
        """Requests/s to each target group by weight, and the rate answered 503 (a group
        with weight but no registered targets; or all weights 0)."""
        total = sum(w for _, w in self.forward)
        if total == 0:
            return {}, rate
        out: dict[str, float] = {}
        rejected = 0.0
        for tg, weight in self.forward:
            share = rate * weight / total
            if weight and not tg.routable():
                rejected += share
            elif weight:
                out[tg.name] = out.get(tg.name, 0.0) + share
        return out, rejected


def per_target(tg: TargetGroup, rate: float, outstanding: dict[str, float] | None = None):
    """Requests/s to each routable target: even for round robin; for least outstanding
    requests, weighted toward targets with fewer requests in flight."""
    targets = tg.routable()
    if not targets:
        return {}
    if tg.algorithm != "least_outstanding_requests" or not outstanding:
        return {t: rate / len(targets) for t in targets}
    weights = {t: 1.0 / (1.0 + outstanding.get(t, 0.0)) for t in targets}
    total = sum(weights.values())
    return {t: rate * w / total for t, w in weights.items()}
