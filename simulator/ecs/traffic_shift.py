"""The traffic-shift engine: a blue/green deployment of one ECS service in simulated time.

Every traffic-shifting strategy runs on it (CodeDeploy's configurations through
``simulator.aws.codedeploy_run``, ECS's own BLUE_GREEN / LINEAR / CANARY, a scenario's
strategies): it moves real things and writes what happened into a DeploymentRecord.

- ``install``: the green task set scales to 100 % of the service's desired count on the
  service's own capacity (container instances, capacity providers with managed scaling,
  Fargate), so extra instances appear and cost; it waits for steady state (every green
  task RUNNING, registered and healthy in green's target group).
- ``allow_test_traffic``: the test listener forwards to green.
- ``allow_traffic(timeline)``: the production listener's weights follow the WeightTimeline
  at each shift instant; green becomes the PRIMARY task set at 100 %.
- ``wait(seconds)``: the termination wait / bake time.
- ``reroute_to_blue``: both listeners back to blue (a rollback), after ``reroute_s``.
- ``remove(side)``: the side's task set is deleted, its tasks drained through the
  deregistration delay; the step ends when it is gone.

Alarms are polled from the CloudWatch alarm registry every ``poll_interval_s`` while the
engine is ``watching``; the first poll that finds an alarm in ALARM (or, unless
``ignore_poll_alarm_failure``, an alarm that cannot be read) interrupts the running step,
as ``stop(cause)`` does. The driver decides what follows: a rollback reroutes only when
its configuration asks for it; otherwise traffic stays where it is.

Each step is a generator to ``yield from`` inside a simpy process; it returns True when
the step completed, False when an interruption (or Install's timeout) ended it. ``run``
strings the steps together for drivers that have no hooks of their own.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import simpy

from simulator.cloudwatch.alarms import AlarmState
from simulator.core.errors import AWSError
from simulator.deploy.record import DeploymentRecord
from simulator.deploy.timeline import WeightTimeline
from simulator.ecs.load_balancers import ServiceLoadBalancer
from simulator.ecs.task_sets import TaskSet, TaskSets

if TYPE_CHECKING:
    from simulator.cloudwatch.alarms import Alarms
    from simulator.ecs.control import EcsCluster, Service
    from simulator.traffic.load_balancer import LoadBalancers

POLL_INTERVAL_S = 30.0
"""How often the deployment reads its alarms. CodeDeploy's poll interval is undocumented
(the deployments reference marks it [param]); 30 s is ecsim's default."""
INSTALL_TIMEOUT_S = 3600.0
""""CodeDeploy will wait up to an hour for the green task set to reach steady state"."""
REROUTE_S = 0.0
"""ModifyListener's propagation on a rollback reroute (unconfirmed: [param])."""

ALARM, STOP, POLL_FAILURE, TIMEOUT = "alarm", "stop", "alarm-poll-failure", "timeout"
"""Why a step was interrupted (``TrafficShift.cause``)."""


@dataclass(frozen=True)
class ShiftSettings:
    """The engine's parameters (each documented in docs/deploy.md)."""

    poll_interval_s: float = POLL_INTERVAL_S
    install_timeout_s: float = INSTALL_TIMEOUT_S
    reroute_s: float = REROUTE_S
    ignore_poll_alarm_failure: bool = False

    def __post_init__(self) -> None:
        if self.poll_interval_s <= 0:
            raise ValueError("poll_interval_s must be positive")


def listener_weights(green_percent: float) -> tuple[int, int]:
    """(blue, green) ELBv2 weights for green's share: whole percentages as CodeDeploy sets
    them ("TG2: 100, TG1: 0"); ECS's 0.1 % steps out of 999, the largest weight."""
    if float(green_percent).is_integer():
        green = int(green_percent)
        return 100 - green, green
    green = round(green_percent * 9.99)
    return 999 - green, green


@dataclass
class Sides:
    """What the deployment moves: the service, its blue task set, green's target group and
    the listeners (ARNs on the LoadBalancers model)."""

    cluster: str
    service: str
    blue: TaskSet
    blue_target_group: str
    green_target_group: str
    production_listener: str
    test_listener: str | None = None
    alarms: tuple[str, ...] = ()


@dataclass
class TrafficShift:
    """One deployment on one service (see the module docstring for its steps)."""

    world: object
    task_sets: TaskSets
    elbv2: LoadBalancers
    alarm_registry: Alarms | None
    sides: Sides
    record: DeploymentRecord
    settings: ShiftSettings = field(default_factory=ShiftSettings)
    green: TaskSet | None = None
    cause: str | None = None
    green_percent: float = 0.0
    _interrupt: simpy.Event | None = None
    _skip: simpy.Event | None = None
    _watching: bool = False

    def __post_init__(self) -> None:
        self.env: simpy.Environment = self.task_sets.world.env
        self.ecs = self.task_sets.ecs
        self._interrupt = self.env.event()
        self.task_sets.on_change.append(self._count)

    # ------------------------------------------------------------- lookups
    @property
    def now(self) -> float:
        return float(self.env.now)

    def _service(self) -> tuple[EcsCluster, Service]:
        cluster = self.ecs.cluster(self.sides.cluster)
        return cluster, self.ecs.service(self.sides.cluster, self.sides.service)

    @property
    def interrupted(self) -> bool:
        return self.cause is not None

    # ------------------------------------------------------------- control
    def stop(self, cause: str = STOP) -> None:
        """Interrupt the running step now (StopDeployment, an alarm, a failed hook)."""
        if self.cause is None:
            self.cause = cause
            assert self._interrupt is not None
            self._interrupt.succeed(cause)

    def skip_wait(self) -> None:
        """End the current ``wait`` now (ContinueDeployment during the termination wait)."""
        if self._skip is not None and not self._skip.triggered:
            self._skip.succeed()

    def watch(self, alarms: Iterable[str] | None = None) -> None:
        """Start polling the alarms (the sides' by default) every ``poll_interval_s``."""
        if alarms is not None:
            self.sides.alarms = tuple(alarms)
        if self._watching or not self.sides.alarms:
            return
        self._watching = True
        self.env.process(self._poll())

    def unwatch(self) -> None:
        self._watching = False

    def _poll(self) -> Generator[Any, Any, None]:
        while self._watching and self.cause is None:
            for name in self.sides.alarms:
                state = self._alarm_state(name)
                if state is None:
                    if not self.settings.ignore_poll_alarm_failure:
                        self._detected(POLL_FAILURE)
                    continue
                self.record.see_alarm(self.now, name, state)
                if state == AlarmState.ALARM:
                    self._detected(ALARM)
            yield self.env.timeout(self.settings.poll_interval_s)

    def _detected(self, cause: str) -> None:
        if self.record.detected is None:
            self.record.detected = self.now
        self.stop(cause)

    def _alarm_state(self, name: str) -> str | None:
        if self.alarm_registry is None or name not in self.alarm_registry:
            return None
        return str(self.alarm_registry.get(name).state)

    def _interruptible(self, *events: simpy.Event) -> simpy.Event:
        assert self._interrupt is not None
        return self.env.any_of([*events, self._interrupt])

    # ------------------------------------------------------------- steps
    def install(
        self,
        task_definition: str,
        *,
        started_by: str | None = None,
        external_id: str | None = None,
        container_name: str | None = None,
        container_port: int | None = None,
    ) -> Generator[simpy.Event, object, bool]:
        """Create green at 100 % in green's target group and wait for its steady state.
        Green's target group joins the production listener at weight 0 if no listener
        uses it yet (CodeDeploy keeps the idle group at weight 0), so it is health-checked."""
        cluster, svc = self._service()
        blue_lb = self.sides.blue.load_balancers[0] if self.sides.blue.load_balancers else None
        name = container_name or (blue_lb.container_name if blue_lb else None)
        port = container_port or (blue_lb.container_port if blue_lb else None)
        if name is None or port is None:
            raise AWSError(
                "InvalidParameterException",
                "the green task set needs a container name and port for its target group",
            )
        tg = self.elbv2.target_group(self.sides.green_target_group)
        if not tg.in_use:
            self._set_production(0.0)
        self.green = self.task_sets.create(
            cluster,
            svc,
            task_definition,
            load_balancers=[ServiceLoadBalancer(tg.arn, name, int(port))],
            scale=100.0,
            started_by=started_by,
            external_id=external_id,
            network_configuration=self.sides.blue.network_configuration,
        )
        steady = self.task_sets.steady(self.green)
        timeout = self.env.timeout(self.settings.install_timeout_s)
        yield self._interruptible(steady, timeout)
        if steady.triggered:
            return True
        if not self.interrupted:
            self.stop(TIMEOUT)
        return False

    def allow_test_traffic(self) -> None:
        """The test listener (if any) forwards to green only."""
        if self.sides.test_listener is None:
            return
        self._forward(self.sides.test_listener, 0, 100)

    def allow_traffic(self, timeline: WeightTimeline) -> Generator[simpy.Event, object, bool]:
        """Production weights follow ``timeline`` from now; green is PRIMARY at 100 %.
        Returns after the timeline's ``duration`` (True) or at an interruption (False)."""
        start = self.now
        for shift in timeline.shifts:
            wait = start + shift.at - self.now
            if wait > 0:
                yield self._interruptible(self.env.timeout(wait))
                if self.interrupted:
                    return False
            self._set_production(shift.weight)
        cluster, svc = self._service()
        assert self.green is not None
        self.task_sets.set_primary(cluster, svc, self.green)
        rest = start + timeline.duration - self.now
        if rest > 0:
            yield self._interruptible(self.env.timeout(rest))
        return not self.interrupted

    def wait(self, seconds: float, *, interruptible: bool = True) -> Generator[Any, Any, bool]:
        """The termination wait / bake: True when it ran out or was skipped."""
        self._skip = self.env.event()
        events = [self.env.timeout(seconds), self._skip]
        yield self._interruptible(*events) if interruptible else self.env.any_of(events)
        self._skip = None
        return not (interruptible and self.interrupted)

    def reroute_to_blue(self) -> Generator[Any, Any, None]:
        """Rollback: production and test traffic back to blue; blue PRIMARY again."""
        if self.settings.reroute_s > 0:
            yield self.env.timeout(self.settings.reroute_s)
        self._set_production(0.0)
        if self.sides.test_listener is not None:
            self._forward(self.sides.test_listener, 100, 0)
        cluster, svc = self._service()
        if self.sides.blue in self.task_sets.task_sets(svc):
            self.task_sets.set_primary(cluster, svc, self.sides.blue)
        if self.record.detected is not None and self.record.contained is None:
            self.record.contained = self.now

    def remove(self, side: str) -> Generator[Any, Any, None]:
        """Delete ``side``'s task set ("blue" after success, "green" after a rollback);
        returns once its tasks have drained and stopped."""
        ts = self.sides.blue if side == "blue" else self.green
        if ts is None:
            return
        cluster, svc = self._service()
        if ts not in self.task_sets.task_sets(svc):
            return
        self.task_sets.delete(cluster, svc, ts, force=True)
        yield self.task_sets.removed(ts)

    # ------------------------------------------------------------- whole runs
    def run(
        self,
        task_definition: str,
        timeline: WeightTimeline,
        *,
        wait_s: float = 0.0,
        rollback_on_alarm: bool = True,
        started_by: str | None = None,
    ) -> Generator[Any, Any, str]:
        """Install, test traffic, shift, wait, remove blue; on an alarm or stop, reroute
        and remove green when ``rollback_on_alarm`` (else traffic stays). Fills the record
        and returns its final status (Succeeded, Stopped, Failed)."""
        rec = self.record
        self.watch()
        ok = yield from self._phase("Install", self.install(task_definition, started_by=started_by))
        if ok:
            self.allow_test_traffic()
            ok = yield from self._phase("AllowTraffic", self.allow_traffic(timeline))
        if ok:
            ok = yield from self._phase("TerminationWait", self.wait(wait_s))
        self.unwatch()
        if ok:
            yield from self._phase("RemoveBlue", self.remove("blue"))
            rec.status = "Succeeded"
        else:
            rec.status = "Failed" if self.cause == TIMEOUT else "Stopped"
            if rollback_on_alarm:
                yield from self.roll_back()
        rec.ended = self.now
        self.close()
        return rec.status

    def roll_back(self) -> Generator[Any, Any, None]:
        """Reroute to blue, remove green, note when blue again serves everything."""
        self.record.rolled_back = True
        yield from self._phase("Reroute", self.reroute_to_blue())
        yield from self._phase("RemoveGreen", self.remove("green"))
        self.record.rollback_completed = self.now

    def _phase(self, name: str, step: Generator[Any, Any, Any]) -> Generator[Any, Any, bool]:
        self.record.open_phase(name, self.now)
        try:
            result = yield from step
        finally:
            self.record.close_phase(name, self.now)
        return True if result is None else result

    # ------------------------------------------------------------- listener
    def _set_production(self, green_percent: float) -> None:
        blue_w, green_w = listener_weights(green_percent)
        self.green_percent = green_percent
        self._forward(self.sides.production_listener, blue_w, green_w)
        self.record.set_weights(
            self.now,
            {self.sides.blue_target_group: blue_w, self.sides.green_target_group: green_w},
        )
        if green_percent == 0 and self.record.detected is not None and not self.record.contained:
            self.record.contained = self.now

    def _forward(self, listener_arn: str, blue_w: int, green_w: int) -> None:
        listener = self.elbv2.listener(listener_arn)
        blue = self.elbv2.target_group(self.sides.blue_target_group)
        green = self.elbv2.target_group(self.sides.green_target_group)
        listener.set_forward([(blue, blue_w), (green, green_w)], listener.stickiness)

    def close(self) -> None:
        """Stop following the service's task counts (the deployment is over)."""
        self.unwatch()
        if self._count in self.task_sets.on_change:
            self.task_sets.on_change.remove(self._count)

    def _count(self, svc: Service) -> None:
        if svc.name != self.sides.service or svc.cluster != self.sides.cluster:
            return
        self.record.count_tasks(self.now, "blue", self.sides.blue.running)
        if self.green is not None:
            self.record.count_tasks(self.now, "green", self.green.running)
