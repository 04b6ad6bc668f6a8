"""The timed side of ELBv2: health checks on each target group's interval, deregistration
completing after the delay, and hooks told of every target state change.

Timing (parameters; AWS documents no figure for the first one): a registered target in a
group some listener uses is ``initial`` with Elb.RegistrationInProgress for
``registration_s``, then the load balancer sends its first health check
(Elb.InitialHealthChecking) and one every HealthCheckIntervalSeconds after that. With all
checks passing, a target is healthy at registration_s + (HealthyThresholdCount - 1) x
interval, i.e. on its HealthyThresholdCount-th check. A draining target is gone (its hooks
see ``unused``, Target.NotRegistered) when the deregistration delay ends.

Whoever owns the targets supplies the probe, ``passes(target_id) -> bool | ProbeResult``
(the ECS binding: "task RUNNING and its container healthy"; the account: "instance
running"). The default probe passes.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

from simulator.core.world import World
from simulator.traffic.elb_targets import Target, TargetChange, TargetGroup
from simulator.traffic.load_balancer import LoadBalancers
from simulator.traffic.target_health import ProbeResult, Reason, TargetHealthState

Probe = Callable[[str], "bool | ProbeResult"]
Hook = Callable[[TargetChange], None]


@dataclass(frozen=True)
class ElbTiming:
    """Delays AWS does not document: how long registration takes before the first check."""

    registration_s: float = 10.0


def _result(value: bool | ProbeResult) -> ProbeResult:
    if isinstance(value, ProbeResult):
        return value
    return ProbeResult.PASS if value else ProbeResult.FAILED


class HealthChecks:
    """Runs the health checks and deregistrations of every target group of ``registry``."""

    def __init__(
        self,
        world: World,
        registry: LoadBalancers,
        timing: ElbTiming | None = None,
        default_probe: Probe | None = None,
    ):
        self.world = world
        self.registry = registry
        self.timing = timing or ElbTiming()
        self.default_probe: Probe = default_probe or (lambda _target_id: True)
        self.probes: dict[str, Probe] = {}
        """Probe per target group ARN (else ``type_probes`` by target type, else the
        default)."""
        self.type_probes: dict[str, Probe] = {}
        self.target_probes: dict[str, Probe] = {}
        """Probe per target ID (an ip target's address, say), before all others."""
        self.hooks: list[Hook] = []
        """Called with every TargetChange, in order (ECS replaces unhealthy tasks and ends
        DEACTIVATING on ``unused`` after draining)."""
        self._runs: dict[tuple[str, str], object] = {}
        """The live check loop of each target: a token a superseded loop no longer holds."""
        registry.on_changes.append(self._usage_changed)

    # ------------------------------------------------------------------ API
    def set_probe(self, target_group: TargetGroup | str, probe: Probe) -> None:
        arn = target_group if isinstance(target_group, str) else target_group.arn
        self.probes[arn] = probe

    def probe_for(self, tg: TargetGroup, target_id: str = "") -> Probe:
        return (
            self.target_probes.get(target_id)
            or self.probes.get(tg.arn)
            or self.type_probes.get(tg.target_type)
            or self.default_probe
        )

    def register(self, tg: TargetGroup, target_id: str, port: int | None = None) -> Target:
        """RegisterTargets now: the target starts initial and its checks begin."""
        before = tg.targets.get(target_id)
        previous = before.state if before is not None else TargetHealthState.UNUSED
        target = tg.register(target_id, self.world.now, port)
        if target is not before:
            self._notify(
                TargetChange(
                    self.world.now, tg.arn, target_id, previous, target.state, target.reason
                )
            )
            self._start(tg, target)
        return target

    def deregister(self, tg: TargetGroup, target_id: str) -> Target:
        """DeregisterTargets now: draining, gone when the delay ends."""
        target = tg.targets.get(target_id)
        previous = target.state if target is not None else TargetHealthState.UNUSED
        target = tg.deregister(target_id, self.world.now)
        if previous is not TargetHealthState.DRAINING:
            self._notify(
                TargetChange(
                    self.world.now, tg.arn, target_id, previous, target.state, target.reason
                )
            )
            self._runs.pop((tg.arn, target_id), None)
            until = target.draining_until or self.world.now
            self.world.at(until, lambda: self._complete(tg, target))
        return target

    # ------------------------------------------------------------------ internals
    def _notify(self, change: TargetChange) -> None:
        self.world.emit(
            "elb.target",
            change.target_id,
            target_group=change.target_group_arn,
            previous=str(change.previous),
            state=str(change.state),
            reason=str(change.reason or ""),
        )
        for hook in list(self.hooks):
            hook(change)

    def _complete(self, tg: TargetGroup, target: Target) -> None:
        if tg.targets.get(target.target_id) is not target:
            return  # registered again meanwhile
        for target_id in tg.complete_deregistration(self.world.now):
            self._notify(
                TargetChange(
                    self.world.now,
                    tg.arn,
                    target_id,
                    TargetHealthState.DRAINING,
                    TargetHealthState.UNUSED,
                    Reason.NOT_REGISTERED,
                )
            )

    def _start(self, tg: TargetGroup, target: Target) -> None:
        if target.state is not TargetHealthState.INITIAL:
            return  # unused (group not in use) or unavailable (checks disabled)
        token = object()
        self._runs[(tg.arn, target.target_id)] = token
        self.world.process(self._checks(tg, target, token))

    def _current(self, tg: TargetGroup, target: Target, token: object) -> bool:
        return (
            self._runs.get((tg.arn, target.target_id)) is token
            and tg.targets.get(target.target_id) is target
            and tg.arn in self.registry.target_groups
        )

    def _checks(self, tg: TargetGroup, target: Target, token: object) -> Generator[Any, Any, None]:
        yield self.world.timeout(self.timing.registration_s)
        while self._current(tg, target, token):
            if target.state is TargetHealthState.UNUSED and target.reason is Reason.NOT_IN_USE:
                self._runs.pop((tg.arn, target.target_id), None)
                return
            result = _result(self.probe_for(tg, target.target_id)(target.target_id))
            change = tg.record_check(target.target_id, result, self.world.now)
            if change is not None:
                self._notify(change)
            yield self.world.timeout(tg.check.interval_s)

    def _usage_changed(self, changes: list[TargetChange]) -> None:
        for change in changes:
            self._notify(change)
            if change.state is TargetHealthState.INITIAL:
                tg = self.registry.target_groups.get(change.target_group_arn)
                if tg is not None:
                    self._start(tg, tg.targets[change.target_id])
