"""Target groups as ELBv2 models them: registered targets, their health, the health check
settings and the attributes that change routing (deregistration delay, slow start,
algorithm). Pure: whoever drives it passes the simulated time ``at``.

Routing rules (ELBv2 User Guide, "Health checks for Application Load Balancer target
groups" and "Target group attributes"):

- requests go to the healthy targets only; a target in ``initial`` gets none yet;
- fail-open: "If a target group contains only unhealthy registered targets, the load
  balancer routes requests to all those targets, regardless of their health status";
- a draining target gets no new request; its in-flight ones may finish within the
  deregistration delay, then it is gone;
- slow start: a target that becomes healthy while another healthy target is not in slow
  start gets a share that rises linearly from 0 to a full share over the duration; it
  leaves slow start when the duration ends or it becomes unhealthy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from simulator.core.errors import AWSError
from simulator.traffic import elb_attributes as attrs
from simulator.traffic.target_health import (
    UNHEALTHY_EVENT,
    Event,
    ProbeResult,
    Reason,
    TargetHealthState,
    next_state,
)

VALIDATION_ERROR = "ValidationError"
INVALID_TARGET = "InvalidTarget"
TARGET_TYPES = ("instance", "ip")
PROTOCOLS = ("HTTP", "HTTPS")


_KEPT_STATES = (TargetHealthState.HEALTHY, TargetHealthState.UNHEALTHY)
"""The states whose target ids a group keeps as sets (routing)."""

KEPT_LOG_MIN = 64
"""Entries the log of kept-state changes holds past twice the targets before it halves."""


@dataclass(frozen=True)
class HealthCheck:
    """Target-group health check settings; the defaults are CreateTargetGroup's for an
    HTTP target group of an Application Load Balancer (ELBv2 API reference): interval
    30 s, timeout 6 s, healthy threshold 5, unhealthy threshold 2, path /, matcher 200.
    (Older guides said 5 s for the timeout; the current API reference says 6 s for HTTP
    and 10 s for HTTPS, see ``for_protocol``.)"""

    interval_s: float = 30.0
    timeout_s: float = 6.0
    healthy_threshold: int = 5
    unhealthy_threshold: int = 2
    path: str = "/"
    matcher: str = "200"
    protocol: str = "HTTP"
    port: str = "traffic-port"
    enabled: bool = True

    @classmethod
    def for_protocol(cls, protocol: str) -> HealthCheck:
        """The defaults for a target group of ``protocol`` (HTTPS: timeout 10 s)."""
        return cls(timeout_s=10.0 if protocol == "HTTPS" else 6.0, protocol=protocol)

    def problems(self) -> list[str]:
        """Every range the API enforces that these settings break (empty when valid)."""
        out = []
        if not 5 <= self.interval_s <= 300:
            out.append("Health check interval must be between 5 and 300 seconds")
        if not 2 <= self.timeout_s <= 120:
            out.append("Health check timeout must be between 2 and 120 seconds")
        if self.timeout_s >= self.interval_s:
            out.append("Health check interval must be greater than the timeout.")
        for name, value in (
            ("Healthy", self.healthy_threshold),
            ("Unhealthy", self.unhealthy_threshold),
        ):
            if not 2 <= value <= 10:
                out.append(f"{name} threshold count must be between 2 and 10")
        if not self.path.startswith("/") or len(self.path) > 1024:
            out.append("Health check path must begin with '/' and be at most 1024 characters")
        if self.protocol not in PROTOCOLS:
            out.append(f"Health check protocol must be one of {list(PROTOCOLS)}")
        if not matcher_codes_valid(self.matcher):
            out.append("Matcher HttpCode must be codes or ranges of 200-499 (e.g. '200,202')")
        return out


def matcher_codes_valid(matcher: str) -> bool:
    """'200', '200,202', '200-299': codes of an HTTP health check Matcher (200-499)."""
    for part in matcher.split(","):
        low, _, high = part.partition("-")
        if not low.isdigit() or (high and not high.isdigit()):
            return False
        lo, hi = int(low), int(high or low)
        if not 200 <= lo <= hi <= 499:
            return False
    return True


@dataclass
class Target:
    """A registered target and its health as DescribeTargetHealth reports it."""

    target_id: str
    port: int
    registered_at: float
    state: TargetHealthState = TargetHealthState.INITIAL
    successes: int = 0
    failures: int = 0
    draining_until: float | None = None
    reason: Reason | None = Reason.REGISTRATION_IN_PROGRESS
    healthy_since: float | None = None
    slow_start_until: float | None = None
    availability_zone: str | None = None

    def in_slow_start(self, at: float | None) -> bool:
        return at is not None and self.slow_start_until is not None and at < self.slow_start_until


@dataclass(frozen=True)
class TargetChange:
    """A target's state changed (what the driver's hooks receive)."""

    at: float | None
    target_group_arn: str
    target_id: str
    previous: TargetHealthState
    state: TargetHealthState
    reason: Reason | None


@dataclass
class TargetGroup:
    """An ELBv2 target group (instance or ip targets, HTTP or HTTPS)."""

    name: str
    arn: str
    check: HealthCheck = field(default_factory=HealthCheck)
    deregistration_delay_s: float = 300.0
    algorithm: str = "round_robin"  # least_outstanding_requests | weighted_random
    targets: dict[str, Target] = field(default_factory=dict)
    protocol: str = "HTTP"
    port: int = 80
    target_type: str = "instance"
    vpc_id: str = ""
    slow_start_s: float = 0.0
    in_use: bool = True
    """Whether a listener or rule forwards to the group (ELBv2 does not check targets of a
    group no load balancer uses: they are ``unused``, Target.NotInUse)."""
    other_attributes: dict[str, str] = field(default_factory=dict)
    """Attributes accepted and reported without effect (stickiness, cross-zone)."""
    _rr: dict[str, float] = field(default_factory=dict, repr=False, compare=False)
    _cursor: int = field(default=0, repr=False, compare=False)
    _version: int = field(default=0, repr=False, compare=False)
    """Bumped on every change of target states, so ``routable`` can be cached."""
    _routable: tuple[int, list[str], bool] = field(
        default=(-1, [], False), repr=False, compare=False
    )
    _counts: tuple[int, int, int] = field(default=(-1, 0, 0), repr=False, compare=False)
    _state_sets: tuple[set[str], set[str]] | None = field(default=None, repr=False, compare=False)
    """(healthy ids, unhealthy ids), built on first use and kept as states change."""
    _kept_version: int = field(default=0, repr=False, compare=False)
    """Bumped when a target enters or leaves healthy or unhealthy: the routable targets
    may differ only then."""
    _kept_log: list[str] = field(default_factory=list, repr=False, compare=False)
    """The target of each ``_kept_version`` bump from ``_kept_log_from`` on, oldest first
    (``kept_changes``); trimmed to about twice the targets, so it stays bounded."""
    _kept_log_from: int = field(default=0, repr=False, compare=False)

    # ------------------------------------------------------------------ attributes
    def attributes(self) -> dict[str, str]:
        """DescribeTargetGroupAttributes' key/value pairs."""
        out = dict(attrs.TARGET_GROUP_DEFAULTS)
        out.update(self.other_attributes)
        out[attrs.DEREGISTRATION_DELAY] = str(int(self.deregistration_delay_s))
        out[attrs.SLOW_START] = str(int(self.slow_start_s))
        out[attrs.ALGORITHM] = self.algorithm
        return out

    def set_attributes(self, changes: Mapping[str, str]) -> dict[str, str]:
        """ModifyTargetGroupAttributes: validate ``changes`` (AWSError), apply them, and
        return the full attributes."""
        new = attrs.validate_target_group_attributes(self.attributes(), changes)
        self.deregistration_delay_s = float(new[attrs.DEREGISTRATION_DELAY])
        self.slow_start_s = float(new[attrs.SLOW_START])
        self.algorithm = new[attrs.ALGORITHM]
        typed = (attrs.DEREGISTRATION_DELAY, attrs.SLOW_START, attrs.ALGORITHM)
        self.other_attributes = {
            k: v
            for k, v in new.items()
            if k not in typed and v != attrs.TARGET_GROUP_DEFAULTS.get(k)
        }
        return self.attributes()

    # ------------------------------------------------------------------ state machine
    def apply(self, target: Target, event: Event, at: float | None) -> TargetChange | None:
        """Apply ``event`` to ``target`` through the transition table; the change, or None
        when the event does not apply in the target's state."""
        found = next_state(target.state, event)
        if found is None:
            return None
        previous, old_reason = target.state, target.reason
        if event in (Event.REGISTER, Event.IN_USE, Event.RESTORED):
            target.successes = target.failures = 0
        if found.state is TargetHealthState.HEALTHY and previous is not TargetHealthState.HEALTHY:
            target.healthy_since = at
            target.slow_start_until = self._slow_start_end(target, at)
        elif found.state is not TargetHealthState.HEALTHY:
            target.healthy_since = target.slow_start_until = None
        target.state, target.reason = found.state, found.reason
        if previous is not found.state:
            self._moved(target.target_id, previous, found.state)
        self._version += 1
        if (previous, old_reason) == (found.state, found.reason):
            return None
        return TargetChange(at, self.arn, target.target_id, previous, found.state, found.reason)

    def _slow_start_end(self, target: Target, at: float | None) -> float | None:
        """Slow start applies only if another healthy target is not in slow start."""
        if not self.slow_start_s or at is None:
            return None
        others = [
            t
            for t in self.targets.values()
            if t is not target and t.state is TargetHealthState.HEALTHY and not t.in_slow_start(at)
        ]
        return at + self.slow_start_s if others else None

    def register(self, target_id: str, at: float, port: int | None = None) -> Target:
        """RegisterTargets: a new target starts ``initial`` (Elb.RegistrationInProgress)
        until its checks pass; registering a registered target again changes nothing,
        registering a draining one starts it over; in a group no listener uses it is
        ``unused`` (Target.NotInUse)."""
        existing = self.targets.get(target_id)
        if existing is not None and existing.state is not TargetHealthState.DRAINING:
            return existing
        target = Target(target_id, self.port if port is None else port, at)
        if existing is not None:
            self._moved(target_id, existing.state, target.state)
        self.targets[target_id] = target
        self._version += 1
        if not self.in_use:
            self.apply(target, Event.NOT_IN_USE, at)
        elif not self.check.enabled:
            self.apply(target, Event.CHECKS_DISABLED, at)
        return target

    def deregister(self, target_id: str, at: float) -> Target:
        """DeregisterTargets: draining for the deregistration delay, then gone."""
        target = self.targets.get(target_id)
        if target is None:
            raise AWSError(
                INVALID_TARGET, f"The target {target_id} is not registered with {self.name}."
            )
        if target.state is not TargetHealthState.DRAINING:
            self.apply(target, Event.DEREGISTER, at)
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
            self._moved(target_id, self.targets[target_id].state, None)
            del self.targets[target_id]
            self._rr.pop(target_id, None)
        if done:
            self._version += 1
        return done

    def remove(self, target_id: str) -> None:
        """Drop a target at once (its task or instance is gone), without draining."""
        gone = self.targets.pop(target_id, None)
        if gone is not None:
            self._moved(target_id, gone.state, None)
            self._rr.pop(target_id, None)
            self._version += 1

    def record_check(
        self, target_id: str, result: ProbeResult, at: float | None = None
    ) -> TargetChange | None:
        """One health check's result: ``healthy_threshold`` consecutive passes make a
        target healthy, ``unhealthy_threshold`` consecutive failures unhealthy (the reason
        from the last failure); a stopped or terminated instance is ``unused``."""
        t = self.targets[target_id]
        if t.state in (TargetHealthState.DRAINING, TargetHealthState.UNAVAILABLE):
            return None
        if t.state is TargetHealthState.UNUSED and t.reason is Reason.NOT_IN_USE:
            return None
        if result is ProbeResult.INVALID_STATE:
            return self.apply(t, Event.INVALID_STATE, at)
        change = None
        if t.state is TargetHealthState.UNUSED:
            change = self.apply(t, Event.RESTORED, at)
        elif t.reason is Reason.REGISTRATION_IN_PROGRESS:
            change = self.apply(t, Event.CHECKING, at)
        hc = self.check
        if result is ProbeResult.PASS:
            t.successes, t.failures = t.successes + 1, 0
            if t.successes >= hc.healthy_threshold:
                change = self.apply(t, Event.HEALTHY, at) or change
        else:
            t.failures, t.successes = t.failures + 1, 0
            if t.failures >= hc.unhealthy_threshold:
                change = self.apply(t, UNHEALTHY_EVENT[result], at) or change
        return change

    def health_check(self, target_id: str, passed: bool) -> TargetHealthState:
        """One health check result (no time: no slow start); returns the new state."""
        self.record_check(target_id, ProbeResult.PASS if passed else ProbeResult.FAILED)
        return self.targets[target_id].state

    def set_in_use(self, in_use: bool, at: float | None) -> list[TargetChange]:
        """A listener or rule started (or stopped) forwarding to the group."""
        if in_use == self.in_use:
            return []
        self.in_use = in_use
        event = Event.IN_USE if in_use else Event.NOT_IN_USE
        changes = [self.apply(t, event, at) for t in list(self.targets.values())]
        return [c for c in changes if c is not None]

    # ------------------------------------------------------------------ routing
    def _routable_ids(self) -> tuple[list[str], bool]:
        """(routable ids, whether any may be in slow start), cached per state version."""
        version, ids, slow = self._routable
        if version != self._version:
            targets = self.targets.values()
            healthy = [t for t in targets if t.state is TargetHealthState.HEALTHY]
            chosen = healthy or [t for t in targets if t.state is TargetHealthState.UNHEALTHY]
            ids = [t.target_id for t in chosen]
            slow = any(t.slow_start_until is not None for t in chosen)
            self._routable = (self._version, ids, slow)
        return ids, slow

    def _moved(
        self, target_id: str, before: TargetHealthState, after: TargetHealthState | None
    ) -> None:
        if before in _KEPT_STATES or after in _KEPT_STATES:
            self._kept_version += 1
            log = self._kept_log
            log.append(target_id)
            if len(log) > 2 * len(self.targets) + KEPT_LOG_MIN:
                drop = len(log) // 2  # a reader further behind counts afresh
                del log[:drop]
                self._kept_log_from += drop
        sets = self._state_sets
        if sets is None:
            return
        for state, ids in zip(_KEPT_STATES, sets, strict=True):
            if before is state:
                ids.discard(target_id)
            if after is state:
                ids.add(target_id)

    def kept_sets(self) -> tuple[set[str], set[str]]:
        """(healthy ids, unhealthy ids), kept as states change; the group's own sets, to
        read and not to change."""
        sets = self._state_sets
        if sets is None:
            healthy = {
                t.target_id for t in self.targets.values() if t.state is TargetHealthState.HEALTHY
            }
            unhealthy = {
                t.target_id for t in self.targets.values() if t.state is TargetHealthState.UNHEALTHY
            }
            sets = self._state_sets = (healthy, unhealthy)
        return sets

    def kept_changes(self, since: int) -> list[str] | None:
        """The targets that entered or left healthy or unhealthy after ``_kept_version``
        was ``since`` (with repeats), or None when the log no longer reaches back there:
        a reader that kept the routable targets then need look only at these."""
        if since < self._kept_log_from or since > self._kept_version:
            return None
        return self._kept_log[since - self._kept_log_from :]

    def routable(self, at: float | None = None) -> list[str]:
        """Targets that receive new requests: the healthy ones, or (fail open) every
        unhealthy one when none is healthy. Initial, draining and unused targets never."""
        return list(self._routable_ids()[0])

    def has_routable(self) -> bool:
        return bool(self._routable_ids()[0])

    def weights(self, at: float | None = None) -> dict[str, float]:
        """Each routable target's relative share: 1, or for a target in slow start the
        elapsed fraction of the slow start duration (linear ramp)."""
        ids, slow = self._routable_ids()
        if not slow or at is None:
            return dict.fromkeys(ids, 1.0)
        out: dict[str, float] = {}
        for target_id in ids:
            t = self.targets[target_id]
            if t.in_slow_start(at):
                assert t.healthy_since is not None
                out[target_id] = max(0.0, (at - t.healthy_since) / self.slow_start_s)
            else:
                out[target_id] = 1.0
        return out

    def in_slow_start(self, at: float | None) -> bool:
        """Whether some routable target is in slow start at ``at``."""
        ids, slow = self._routable_ids()
        return slow and any(self.targets[t].in_slow_start(at) for t in ids)

    def health_counts(self) -> tuple[int, int]:
        """(HealthyHostCount, UnHealthyHostCount), counted once per state version (a
        metric sample per tick must not walk every target)."""
        version, healthy, unhealthy = self._counts
        if version != self._version:
            states = [t.state for t in self.targets.values()]
            healthy = states.count(TargetHealthState.HEALTHY)
            unhealthy = states.count(TargetHealthState.UNHEALTHY)
            self._counts = (self._version, healthy, unhealthy)
        return healthy, unhealthy

    def healthy_count(self) -> int:
        """CloudWatch HealthyHostCount."""
        return self.health_counts()[0]

    def unhealthy_count(self) -> int:
        """CloudWatch UnHealthyHostCount."""
        return self.health_counts()[1]


def per_target(
    tg: TargetGroup,
    rate: float,
    outstanding: Mapping[str, float] | None = None,
    at: float | None = None,
) -> dict[str, float]:
    """Requests/s to each routable target: even for round robin and weighted random (scaled
    by slow start when ``at`` is given); for least outstanding requests, weighted toward
    targets with fewer requests in flight."""
    weights = tg.weights(at)
    if not weights:
        return {}
    if tg.algorithm == "least_outstanding_requests" and outstanding:
        weights = {t: w / (1.0 + outstanding.get(t, 0.0)) for t, w in weights.items()}
    total = sum(weights.values())
    if total <= 0:
        return {t: rate / len(weights) for t in weights}
    return {t: rate * w / total for t, w in weights.items()}


def choose_target(
    tg: TargetGroup,
    rng: np.random.Generator,
    at: float | None = None,
    outstanding: Mapping[str, float] | None = None,
) -> str | None:
    """The target one new request goes to (None: the group has no routable target).

    round_robin: in turn (smooth weighted round robin while slow start sets the weights;
    deterministic); weighted_random: a draw from ``rng`` by weight;
    least_outstanding_requests: the target with fewest requests in flight (ties broken by
    ``rng``).
    """
    ids, _ = tg._routable_ids()
    if not ids:
        tg._rr.clear()
        return None
    if tg.algorithm == "least_outstanding_requests":
        counts = [(outstanding or {}).get(t, 0.0) for t in ids]
        low = min(counts)
        ties = [i for i, c in enumerate(counts) if c == low]
        return ids[ties[0] if len(ties) == 1 else int(ties[int(rng.integers(len(ties)))])]
    if not tg.in_slow_start(at):
        if tg.algorithm == "weighted_random":
            return ids[int(rng.integers(len(ids)))]
        i = tg._cursor % len(ids)
        tg._cursor = i + 1
        return ids[i]
    weights = tg.weights(at)
    total = sum(weights.values())
    if tg.algorithm == "weighted_random":
        u = float(rng.random()) * total
        for target_id, weight in weights.items():
            u -= weight
            if u < 0:
                return target_id
        return ids[-1]
    for stale in [k for k in tg._rr if k not in weights]:
        del tg._rr[stale]
    best_id, best = ids[0], float("-inf")
    for target_id, weight in weights.items():
        current = tg._rr.get(target_id, 0.0) + weight
        tg._rr[target_id] = current
        if current > best:
            best_id, best = target_id, current
    tg._rr[best_id] -= total
    return best_id
