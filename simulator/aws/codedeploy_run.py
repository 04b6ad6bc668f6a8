"""A CodeDeploy ECS deployment in simulated time: the pure machine
(``simulator.deploy.codedeploy``) driven over the traffic-shift engine
(``simulator.ecs.traffic_shift``).

One simpy process per deployment walks the lifecycle: BeforeInstall (hook), Install (the
green task set at 100 %, steady), AfterInstall (hook), AllowTestTraffic (test listener to
green), AfterAllowTestTraffic (hook), the Ready wait (STOP_DEPLOYMENT groups), then
BeforeAllowTraffic (hook), AllowTraffic (weights per the configuration), AfterAllowTraffic
(hook), the termination wait, blue removed, Succeeded. A hook is the AppSpec's Lambda
function, invoked with ``{"DeploymentId", "LifecycleEventHookExecutionId"}``; the step
waits for its PutLifecycleEventHookExecutionStatus (one hour at most). The group's alarms
are polled by the engine all along; an alarm, a failed hook or a StopDeployment ends the
deployment, and the configured rollback (a new deployment, ``creator:
codeDeployRollback``) reroutes production to blue and removes green, or else everything
stays where it is ("components remain in their current state").
"""

from __future__ import annotations

import uuid
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import simpy

from simulator.aws.codedeploy_views import TaskSetView
from simulator.aws.functions import invoke as invoke_function
from simulator.core.errors import AWSError
from simulator.deploy.appspec import AppSpec
from simulator.deploy.codedeploy import (
    ROLLBACK_EVENT_OF,
    Action,
    Deployment,
    DeploymentBook,
    LifecycleEvent,
    Step,
)
from simulator.deploy.groups import DeploymentGroup
from simulator.deploy.record import DeploymentRecord
from simulator.deploy.timeline import WeightTimeline
from simulator.ecs.task_sets import TaskSet
from simulator.ecs.traffic_shift import (
    ALARM,
    POLL_FAILURE,
    STOP,
    TIMEOUT,
    ShiftSettings,
    Sides,
    TrafficShift,
)

if TYPE_CHECKING:
    from simulator.aws.account import SimulatedAWS

STARTED_BY = "CODE_DEPLOY"
"""CodeDeploy-created task sets: ``startedBy='CODE_DEPLOY'``, ``externalId`` the
deployment id [model TaskSet]."""


@dataclass
class Run:
    """One deployment's process and what its API calls need to reach."""

    deployment: Deployment
    group: DeploymentGroup
    spec: AppSpec | None
    sha256: str | None
    description: str | None
    shift: TrafficShift
    record: DeploymentRecord
    changed: simpy.Event
    stop_rollback: bool | None = None
    """StopDeployment's autoRollbackEnabled (None: not stopped by request)."""
    continue_ready: bool = False
    last_updated: float = 0.0
    task_set_views: list[TaskSetView] = field(default_factory=list)

    def notify(self, env: simpy.Environment) -> None:
        """Wake the process: a hook answered, ContinueDeployment, StopDeployment."""
        if not self.changed.triggered:
            self.changed.succeed()
        self.changed = env.event()


class DeploymentRunner:
    """Starts and drives the account's CodeDeploy deployments."""

    def __init__(self, account: SimulatedAWS, book: DeploymentBook, settings: ShiftSettings):
        self.account = account
        self.book = book
        self.settings = settings
        self.runs: dict[str, Run] = {}
        self.order: list[str] = []
        """Deployment ids in creation order, rollbacks included."""
        self._ids = account.world.rng("codedeploy.hook_execution_id")

    @property
    def env(self) -> simpy.Environment:
        return self.account.world.env

    @property
    def now(self) -> float:
        return self.account.now

    # ------------------------------------------------------------------ start
    def start(
        self,
        d: Deployment,
        group: DeploymentGroup,
        spec: AppSpec,
        timeline: WeightTimeline,
        *,
        alarms: tuple[str, ...],
        sha256: str | None,
        description: str | None,
    ) -> Run:
        sides = self._sides(group, alarms)
        record = DeploymentRecord(
            d.deployment_id,
            group.ecs_service[1],
            d.config_name,
            sides.blue_target_group,
            sides.green_target_group,
            created=self.now,
        )
        shift = TrafficShift(
            self.account.task_sets,
            self.account.elbv2,
            self.account.alarms,
            sides,
            record,
            self.settings,
        )
        run = Run(d, group, spec, sha256, description, shift, record, self.env.event())
        run.last_updated = self.now
        self.runs[d.deployment_id] = run
        self.order.append(d.deployment_id)
        self._snapshot(run)
        self.account.world.process(self._drive(run, timeline))
        return run

    def _sides(self, group: DeploymentGroup, alarms: tuple[str, ...]) -> Sides:
        """Blue is the target group the PRIMARY task set serves from; green the pair's
        other group (roles alternate with each deployment)."""
        cluster, service = group.ecs_service
        svc = self.account.ecs.service(cluster, service)
        primary = self.account.task_sets.primary(svc)
        if primary is None or not primary.load_balancers:
            raise AWSError(
                "InvalidECSServiceException",
                f"The ECS service {cluster}:{service} has no primary task set behind a "
                "target group (ecsim wording).",
            )
        pair = group.spec["loadBalancerInfo"]["targetGroupPairInfoList"][0]
        arns = [self.account.elbv2.target_group(t["name"]).arn for t in pair["targetGroups"]]
        blue_arn = primary.load_balancers[0].target_group_arn
        if blue_arn not in arns:
            raise AWSError(
                "InvalidTargetGroupPairException",
                f"The primary task set of {cluster}:{service} is not behind either target "
                "group of the deployment group (ecsim wording).",
            )
        green_arn = next(a for a in arns if a != blue_arn)
        test = pair.get("testTrafficRoute", {}).get("listenerArns") or [None]
        return Sides(
            cluster,
            service,
            primary,
            blue_arn,
            green_arn,
            pair["prodTrafficRoute"]["listenerArns"][0],
            test[0],
            alarms,
        )

    # ------------------------------------------------------------------ API hooks
    def stop(self, run: Run, auto_rollback: bool | None) -> None:
        run.stop_rollback = run.deployment.should_roll_back(Action.STOP, auto_rollback)
        run.shift.stop(STOP)
        run.notify(self.env)

    def continue_ready(self, run: Run) -> None:
        run.continue_ready = True
        run.notify(self.env)

    def continue_termination(self, run: Run) -> None:
        run.shift.skip_wait()
        run.notify(self.env)

    def hook_answered(self, run: Run) -> None:
        run.last_updated = self.now
        run.notify(self.env)

    # ------------------------------------------------------------------ the process
    def _drive(self, run: Run, timeline: WeightTimeline) -> Generator[Any, Any, None]:
        d, shift = run.deployment, run.shift
        rec = run.record
        if any(self._in_alarm(name) for name in shift.sides.alarms):
            d.apply(Action.ALARM, self.now, cause="alarm", message=_ALARM_AT_START)
            return self._finish(run)
        d.apply(Action.START, self.now)
        shift.watch()
        steps: list[tuple[Step, Any]] = [
            (Step.BEFORE_INSTALL, None),
            (Step.INSTALL, self._install),
            (Step.AFTER_INSTALL, None),
            (Step.ALLOW_TEST_TRAFFIC, self._test_traffic),
            (Step.AFTER_ALLOW_TEST_TRAFFIC, None),
            (Step.READY_WAIT, self._ready_wait),
            (Step.BEFORE_ALLOW_TRAFFIC, None),
            (Step.ALLOW_TRAFFIC, lambda r: self._allow_traffic(r, timeline)),
            (Step.AFTER_ALLOW_TRAFFIC, None),
            (Step.TERMINATION_WAIT, self._termination_wait),
        ]
        for step, work in steps:
            if d.final or shift.interrupted:
                break
            if step is Step.READY_WAIT and d.options.ready_wait_minutes is None:
                continue
            if d.step is not step:
                break  # the machine went elsewhere (a refused transition is a bug)
            rec.open_phase(step.value, self.now)
            if work is None:
                yield from self._hook(run)
            else:
                yield from work(run)
            rec.close_phase(step.value, self.now)
            run.last_updated = self.now
            self._snapshot(run)
        shift.unwatch()
        if not d.final:
            self._end(run)
        yield from self._after(run)

    def _advance(self, run: Run) -> None:
        d = run.deployment
        d.apply(Action.COMPLETE, self.now)

    def _hook(self, run: Run) -> Generator[Any, Any, None]:
        """The current step's hook: invoke it, wait for its status (or its hour)."""
        d, shift = run.deployment, run.shift
        step = d.step
        event = LifecycleEvent(step.value)
        ref = d.hook_function(event)
        if ref is None:
            d.apply(d.completion(), self.now)
            return
        execution_id = str(uuid.UUID(bytes=self._ids.bytes(16), version=4))
        h = d.start_hook(execution_id, self.now)
        fn = self.account.functions.find(ref)
        if fn is None:
            d.apply(
                Action.FAIL,
                self.now,
                cause="hook_failed",
                message=f"The {event} lifecycle hook function {ref} was not found.",
            )
            return
        invoke_function(
            self.account,
            fn.handler,
            h.payload,
            name=fn.name,
            timeout=fn.timeout,
            request_id=execution_id,
        )
        deadline = self.env.timeout(max(0.0, h.deadline - self.now))
        while d.step is step and not shift.interrupted:
            yield self.env.any_of([run.changed, deadline, shift.interruption])
            if deadline.triggered and d.step is step and not shift.interrupted:
                d.hook_timed_out(execution_id, self.now)

    def _install(self, run: Run) -> Generator[Any, Any, None]:
        spec = run.spec
        assert spec is not None
        ok = yield from run.shift.install(
            spec.task_definition,
            started_by=STARTED_BY,
            external_id=run.deployment.deployment_id,
            container_name=spec.container_name,
            container_port=spec.container_port,
        )
        if ok:
            self._advance(run)

    def _test_traffic(self, run: Run) -> Generator[Any, Any, None]:
        run.shift.allow_test_traffic()
        self._advance(run)
        yield from ()

    def _ready_wait(self, run: Run) -> Generator[Any, Any, None]:
        d = run.deployment
        minutes = d.options.ready_wait_minutes or 0
        timeout = self.env.timeout(minutes * 60.0)
        while not run.continue_ready and not run.shift.interrupted:
            yield self.env.any_of([run.changed, timeout, run.shift.interruption])
            if timeout.triggered and not run.continue_ready:
                run.stop_rollback = d.should_roll_back(Action.READY_TIMEOUT)
                d.apply(
                    Action.READY_TIMEOUT,
                    self.now,
                    cause="ready_timeout",
                    message=f"The deployment timed out while waiting for the replacement "
                    f"task set to be ready ({minutes} minutes) (ecsim wording).",
                )
                return
        if run.continue_ready and not run.shift.interrupted:
            d.apply(Action.CONTINUE_READY, self.now)

    def _allow_traffic(self, run: Run, timeline: WeightTimeline) -> Generator[Any, Any, None]:
        ok = yield from run.shift.allow_traffic(timeline)
        if ok:
            self._advance(run)

    def _termination_wait(self, run: Run) -> Generator[Any, Any, None]:
        d = run.deployment
        ok = yield from run.shift.wait(d.options.termination_wait_minutes * 60.0)
        if not ok:
            return
        run.shift.unwatch()
        run.record.open_phase("RemoveBlue", self.now)
        yield from run.shift.remove("blue")
        run.record.close_phase("RemoveBlue", self.now)
        d.apply(Action.COMPLETE, self.now)

    # ------------------------------------------------------------------ endings
    def _end(self, run: Run) -> None:
        """The engine was interrupted: an alarm, a stop, Install's timeout."""
        d, shift = run.deployment, run.shift
        cause = shift.cause
        if cause in (ALARM, POLL_FAILURE):
            run.stop_rollback = d.should_roll_back(Action.ALARM)
            names = ", ".join(shift.sides.alarms)
            message = (
                f"One or more alarms have been activated according to the Amazon CloudWatch "
                f"metrics you selected, and the affected deployments have been stopped. "
                f"Activated alarms: <{names}>"
                if cause == ALARM
                else f"The alarm state of <{names}> could not be read (ecsim wording)."
            )
            d.apply(Action.ALARM, self.now, cause="alarm", message=message)
        elif cause == TIMEOUT:
            run.stop_rollback = d.should_roll_back(Action.FAIL)
            d.apply(
                Action.FAIL,
                self.now,
                cause="install_timeout",
                message="The ECS service's replacement task set did not reach steady state "
                "within an hour (ecsim wording).",
            )
        else:
            d.apply(
                Action.STOP,
                self.now,
                cause="manual_stop",
                message="The deployment was stopped by request (StopDeployment).",
            )

    def _after(self, run: Run) -> Generator[Any, Any, None]:
        """A final deployment: roll back if configured, else leave things as they are."""
        d = run.deployment
        self._snapshot(run)
        if d.step is Step.SUCCEEDED:
            return self._finish(run)
        roll = run.stop_rollback
        if roll is None:  # a failed hook ended it inside the machine
            roll = _rollback_configured(d, Action.FAIL)
        if not roll or not run.shift.green:
            return self._finish(run)
        rb = self.book.roll_back(d, self.now)
        rb_run = Run(
            rb, run.group, run.spec, run.sha256, None, run.shift, run.record, self.env.event()
        )
        rb_run.last_updated = self.now
        self.runs[rb.deployment_id] = rb_run
        self.order.append(rb.deployment_id)
        rb.apply(Action.START_ROLLBACK, self.now)
        self._snapshot(rb_run)
        yield from run.shift.roll_back()
        rb.apply(Action.COMPLETE, self.now)
        rb_run.last_updated = self.now
        self._snapshot(rb_run)
        self._snapshot(run)
        self._finish(run)

    def _finish(self, run: Run) -> None:
        rec = run.record
        rec.status = run.deployment.status.value
        rec.ended = self.now
        run.shift.close()
        run.last_updated = self.now

    # ------------------------------------------------------------------ views
    def _in_alarm(self, name: str) -> bool:
        alarms = self.account.alarms
        return name in alarms and str(alarms.get(name).state) == "ALARM"

    def _snapshot(self, run: Run) -> None:
        """taskSetsInfo as it stands (kept once the task sets are gone)."""
        shift = run.shift
        views = []
        for label, ts, tg in (
            ("Blue", shift.sides.blue, shift.sides.blue_target_group),
            ("Green", shift.green, shift.sides.green_target_group),
        ):
            if ts is None:
                continue
            weight = shift.green_percent if label == "Green" else 100.0 - shift.green_percent
            views.append(_view(ts, label, weight, self.account.elbv2.target_group(tg).name))
        run.task_set_views = views

    def task_set_views(self, run: Run) -> list[TaskSetView]:
        if not run.deployment.final:
            self._snapshot(run)
        return run.task_set_views


def _view(ts: TaskSet, label: str, weight: float, tg_name: str) -> TaskSetView:
    return TaskSetView(
        ts.id, ts.computed_desired, ts.pending, ts.running, ts.status, weight, tg_name, label
    )


def _rollback_configured(d: Deployment, ending: Action) -> bool:
    """Whether the group's rollback configuration covers ``ending`` (the step before the
    final one must be past BeforeInstall: 'a rollback is not possible at this point')."""
    if d.is_rollback:
        return False
    before = d.history[-2].step if len(d.history) >= 2 else Step.CREATED
    if before in (Step.CREATED, Step.BEFORE_INSTALL):
        return False
    event = ROLLBACK_EVENT_OF.get(ending)
    return bool(d.options.rollback_enabled and event in d.options.rollback_events)


_ALARM_AT_START = (
    "The deployment was stopped because an alarm of the deployment group was already in "
    "ALARM when it started (ecsim wording)."
)
