"""The CodeDeploy ECS blue/green deployment as a state machine: steps, statuses, hooks.

Pure: no clock, no simpy. The timed driver passes the simulated time ``at`` of every
action and decides when the timed completions happen (the green task set is steady, the
weights reached 100 %, the termination wait ended). The machine's states are the steps of
"What happens during an Amazon ECS deployment": each step maps to the deployment status
the API reports and to the lifecycle event it runs, if any.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np

from simulator.core.errors import AWSError
from simulator.deploy import codes


class DeploymentStatus(StrEnum):
    """``deploymentInfo.status`` (Queued and Baking are never used for ECS)."""

    CREATED = "Created"
    QUEUED = "Queued"
    IN_PROGRESS = "InProgress"
    BAKING = "Baking"
    READY = "Ready"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    STOPPED = "Stopped"


FINAL_STATUSES = frozenset(
    {DeploymentStatus.SUCCEEDED, DeploymentStatus.FAILED, DeploymentStatus.STOPPED}
)


class LifecycleEvent(StrEnum):
    """The ECS target's lifecycle events, in order (``ecsTarget.lifecycleEvents``)."""

    BEFORE_INSTALL = "BeforeInstall"
    INSTALL = "Install"
    AFTER_INSTALL = "AfterInstall"
    ALLOW_TEST_TRAFFIC = "AllowTestTraffic"
    AFTER_ALLOW_TEST_TRAFFIC = "AfterAllowTestTraffic"
    BEFORE_ALLOW_TRAFFIC = "BeforeAllowTraffic"
    ALLOW_TRAFFIC = "AllowTraffic"
    AFTER_ALLOW_TRAFFIC = "AfterAllowTraffic"


HOOKABLE_EVENTS: tuple[LifecycleEvent, ...] = (
    LifecycleEvent.BEFORE_INSTALL,
    LifecycleEvent.AFTER_INSTALL,
    LifecycleEvent.AFTER_ALLOW_TEST_TRAFFIC,
    LifecycleEvent.BEFORE_ALLOW_TRAFFIC,
    LifecycleEvent.AFTER_ALLOW_TRAFFIC,
)
"""AppSpec ``Hooks`` may name these; Install, AllowTestTraffic and AllowTraffic 'cannot be
scripted'."""


class EventStatus(StrEnum):
    """``lifecycleEvents[].status`` (and a hook execution's status)."""

    PENDING = "Pending"
    IN_PROGRESS = "InProgress"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    SKIPPED = "Skipped"
    UNKNOWN = "Unknown"


class Step(StrEnum):
    """Where a deployment is: the machine's states."""

    CREATED = "Created"
    BEFORE_INSTALL = "BeforeInstall"
    INSTALL = "Install"
    AFTER_INSTALL = "AfterInstall"
    ALLOW_TEST_TRAFFIC = "AllowTestTraffic"
    AFTER_ALLOW_TEST_TRAFFIC = "AfterAllowTestTraffic"
    READY_WAIT = "ReadyWait"
    BEFORE_ALLOW_TRAFFIC = "BeforeAllowTraffic"
    ALLOW_TRAFFIC = "AllowTraffic"
    AFTER_ALLOW_TRAFFIC = "AfterAllowTraffic"
    TERMINATION_WAIT = "TerminationWait"
    REROUTE = "Reroute"
    """A rollback deployment's only step: production traffic back to the original."""
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    STOPPED = "Stopped"


STEP_STATUS: Mapping[Step, DeploymentStatus] = MappingProxyType(
    {
        **{s: DeploymentStatus.IN_PROGRESS for s in Step},
        Step.CREATED: DeploymentStatus.CREATED,
        Step.READY_WAIT: DeploymentStatus.READY,
        Step.SUCCEEDED: DeploymentStatus.SUCCEEDED,
        Step.FAILED: DeploymentStatus.FAILED,
        Step.STOPPED: DeploymentStatus.STOPPED,
    }
)
"""The status the API reports in each step: InProgress through the termination wait."""

STEP_EVENT: Mapping[Step, LifecycleEvent] = MappingProxyType(
    {Step(e.value): e for e in LifecycleEvent}
)


class Action(StrEnum):
    """What happens to a deployment: API requests and the timed completions that follow."""

    START = "start"
    START_ROLLBACK = "start-rollback"
    COMPLETE = "complete"  # the step's work is done (its hook answered Succeeded)
    AWAIT_READY = "await-ready"  # test traffic validated; deploymentReadyOption STOP_DEPLOYMENT
    CONTINUE_READY = "continue-ready"  # ContinueDeployment(READY_WAIT)
    READY_TIMEOUT = "ready-timeout"  # waitTimeInMinutes passed without ContinueDeployment
    CONTINUE_TERMINATION = "continue-termination"  # ContinueDeployment(TERMINATION_WAIT)
    FAIL = "fail"  # a hook Failed or timed out, Install timed out, an ECS error
    ALARM = "alarm"  # a monitored alarm is in ALARM
    STOP = "stop"  # StopDeployment


S, A = Step, Action
_RUNNING = (
    S.BEFORE_INSTALL,
    S.INSTALL,
    S.AFTER_INSTALL,
    S.ALLOW_TEST_TRAFFIC,
    S.AFTER_ALLOW_TEST_TRAFFIC,
    S.READY_WAIT,
    S.BEFORE_ALLOW_TRAFFIC,
    S.ALLOW_TRAFFIC,
    S.AFTER_ALLOW_TRAFFIC,
    S.TERMINATION_WAIT,
)
TRANSITIONS: Mapping[tuple[Step, Action], Step] = MappingProxyType(
    {
        (S.CREATED, A.START): S.BEFORE_INSTALL,
        (S.BEFORE_INSTALL, A.COMPLETE): S.INSTALL,
        (S.INSTALL, A.COMPLETE): S.AFTER_INSTALL,
        (S.AFTER_INSTALL, A.COMPLETE): S.ALLOW_TEST_TRAFFIC,
        (S.ALLOW_TEST_TRAFFIC, A.COMPLETE): S.AFTER_ALLOW_TEST_TRAFFIC,
        (S.AFTER_ALLOW_TEST_TRAFFIC, A.COMPLETE): S.BEFORE_ALLOW_TRAFFIC,
        (S.AFTER_ALLOW_TEST_TRAFFIC, A.AWAIT_READY): S.READY_WAIT,
        (S.READY_WAIT, A.CONTINUE_READY): S.BEFORE_ALLOW_TRAFFIC,
        (S.READY_WAIT, A.READY_TIMEOUT): S.STOPPED,
        (S.BEFORE_ALLOW_TRAFFIC, A.COMPLETE): S.ALLOW_TRAFFIC,
        (S.ALLOW_TRAFFIC, A.COMPLETE): S.AFTER_ALLOW_TRAFFIC,
        (S.AFTER_ALLOW_TRAFFIC, A.COMPLETE): S.TERMINATION_WAIT,
        (S.TERMINATION_WAIT, A.COMPLETE): S.SUCCEEDED,
        (S.TERMINATION_WAIT, A.CONTINUE_TERMINATION): S.SUCCEEDED,
        (S.CREATED, A.START_ROLLBACK): S.REROUTE,
        (S.REROUTE, A.COMPLETE): S.SUCCEEDED,
        (S.CREATED, A.STOP): S.STOPPED,
        (S.CREATED, A.ALARM): S.STOPPED,  # an alarm already in ALARM blocks the start [obs]
        (S.REROUTE, A.FAIL): S.FAILED,
        **{(s, A.FAIL): S.FAILED for s in _RUNNING if s is not S.READY_WAIT},
        **{(s, A.ALARM): S.STOPPED for s in _RUNNING},
        **{(s, A.STOP): S.STOPPED for s in _RUNNING},
    }
)
"""(step, action) -> next step. A pair not in the table is refused with AWSError naming
the deployment, its status and the action. Final steps have no way out."""
del S, A

INITIAL_STEP = Step.CREATED
FINAL_STEPS = frozenset({Step.SUCCEEDED, Step.FAILED, Step.STOPPED})
_COMPLETING = frozenset({Action.COMPLETE, Action.AWAIT_READY})
"""Actions that finish the current step's event successfully."""


class RollbackEvent(StrEnum):
    """``autoRollbackConfiguration.events``."""

    DEPLOYMENT_FAILURE = "DEPLOYMENT_FAILURE"
    DEPLOYMENT_STOP_ON_ALARM = "DEPLOYMENT_STOP_ON_ALARM"
    DEPLOYMENT_STOP_ON_REQUEST = "DEPLOYMENT_STOP_ON_REQUEST"


ROLLBACK_EVENT_OF: Mapping[Action, RollbackEvent] = MappingProxyType(
    {
        Action.FAIL: RollbackEvent.DEPLOYMENT_FAILURE,
        Action.ALARM: RollbackEvent.DEPLOYMENT_STOP_ON_ALARM,
        Action.STOP: RollbackEvent.DEPLOYMENT_STOP_ON_REQUEST,
        Action.READY_TIMEOUT: RollbackEvent.DEPLOYMENT_STOP_ON_REQUEST,
    }
)
"""Which configured rollback event an ending action is (a ready-wait timeout is a stop)."""

ERROR_CODES: Mapping[str, str] = MappingProxyType(
    {
        "alarm": "ALARM_ACTIVE",
        "hook_failed": "HOOK_EXECUTION_FAILURE",
        "hook_timeout": "TIMEOUT",
        "install_timeout": "TIMEOUT",
        "ready_timeout": "TIMEOUT",
        "manual_stop": "MANUAL_STOP",
        "ecs_error": "ECS_UPDATE_ERROR",
        "health_constraints": "HEALTH_CONSTRAINTS",
    }
)
"""[param] ``errorInformation.code`` per cause; the model's ErrorCode enum holds them all,
the mapping for timeouts is unconfirmed."""

HOOK_TIMEOUT_S = 3600.0
"""A hook must answer within one hour or the deployment fails [doc]."""
INSTALL_TIMEOUT_S = 3600.0
"""CodeDeploy waits up to an hour for the green task set to reach steady state [doc]."""
ROLLBACK_CREATOR = "codeDeployRollback"


@dataclass(frozen=True)
class Options:
    """What a deployment's group and request decided, as the machine needs it."""

    has_test_listener: bool = False
    ready_wait_minutes: int | None = None
    """Set with deploymentReadyOption.actionOnTimeout=STOP_DEPLOYMENT: the Ready wait."""
    termination_wait_minutes: int = 0
    rollback_enabled: bool = False
    rollback_events: frozenset[RollbackEvent] = frozenset()
    hooks: Mapping[LifecycleEvent, str] = field(default_factory=dict)
    """Lifecycle event -> Lambda function (name or ARN) from the AppSpec's Hooks."""
    hook_timeout_s: float = HOOK_TIMEOUT_S


class EventRecord(NamedTuple):
    status: EventStatus
    start: float | None = None
    end: float | None = None


@dataclass
class HookExecution:
    """One run of a lifecycle hook: CodeDeploy invokes the function once per deployment
    and waits for PutLifecycleEventHookExecutionStatus."""

    execution_id: str
    deployment_id: str
    event: LifecycleEvent
    function: str
    started_at: float
    deadline: float
    status: EventStatus = EventStatus.PENDING

    @property
    def payload(self) -> dict[str, str]:
        """What the Lambda function receives (``event`` of ``handler(event, context)``)."""
        return {
            "DeploymentId": self.deployment_id,
            "LifecycleEventHookExecutionId": self.execution_id,
        }


class RollbackInfo(NamedTuple):
    rollback_deployment_id: str | None = None
    rollback_triggering_deployment_id: str | None = None
    message: str | None = None


class Transition(NamedTuple):
    at: float
    step: Step
    action: Action | None


def _allowed_from(action: Action) -> list[str]:
    return [s.value for (s, a) in TRANSITIONS if a is action]


class Deployment:
    """One CodeDeploy ECS deployment: its step, lifecycle events, hooks and outcome."""

    def __init__(
        self,
        deployment_id: str,
        group: tuple[str, str],
        config_name: str,
        *,
        at: float,
        options: Options | None = None,
        creator: str = "user",
    ):
        self.deployment_id = deployment_id
        self.group = group
        self.config_name = config_name
        self.options = options or Options()
        self.creator = creator
        self.create_time = at
        self.start_time: float | None = None
        self.complete_time: float | None = None
        self.step = INITIAL_STEP
        self.history: list[Transition] = [Transition(at, INITIAL_STEP, None)]
        self.events: dict[LifecycleEvent, EventRecord] = {
            e: EventRecord(EventStatus.PENDING) for e in LifecycleEvent
        }
        self.hooks: dict[str, HookExecution] = {}
        self.error: tuple[str, str] | None = None
        self.rollback_info: RollbackInfo | None = None
        self.termination_wait_started = False

    # ------------------------------------------------------------------ views
    @property
    def status(self) -> DeploymentStatus:
        return STEP_STATUS[self.step]

    @property
    def final(self) -> bool:
        return self.step in FINAL_STEPS

    @property
    def active(self) -> bool:
        """Counts against the group's one active deployment (termination wait included)."""
        return not self.final

    @property
    def is_rollback(self) -> bool:
        return self.creator == ROLLBACK_CREATOR

    def green_may_take_production(self) -> bool:
        """True once every step up to BeforeAllowTraffic (and their hooks) succeeded."""
        before = list(LifecycleEvent)[: list(LifecycleEvent).index(LifecycleEvent.ALLOW_TRAFFIC)]
        return self.step in (
            Step.ALLOW_TRAFFIC,
            Step.AFTER_ALLOW_TRAFFIC,
            Step.TERMINATION_WAIT,
        ) and all(self.events[e].status is EventStatus.SUCCEEDED for e in before)

    # ------------------------------------------------------------------ machine
    def _refuse(self, action: Action, rule: str) -> AWSError:
        if self.final:
            code = codes.DEPLOYMENT_ALREADY_COMPLETED
        elif action is Action.CONTINUE_READY:
            code = codes.DEPLOYMENT_NOT_READY
        else:
            code = codes.INVALID_DEPLOYMENT_STATUS
        return AWSError(
            code,
            f"The deployment '{self.deployment_id}' is in status '{self.status}' (step "
            f"'{self.step}'), from which '{action}' is not allowed ({rule}).",
        )

    def check(self, action: Action) -> Step:
        """The step ``action`` would lead to; AWSError if CodeDeploy would refuse it."""
        nxt = TRANSITIONS.get((self.step, action))
        if nxt is None:
            allowed = ", ".join(_allowed_from(action)) or "no step"
            raise self._refuse(action, f"rule: '{action}' is accepted from: {allowed}")
        if action is Action.START and self.is_rollback:
            raise self._refuse(action, "rule: a rollback deployment starts with start-rollback")
        if action is Action.START_ROLLBACK and not self.is_rollback:
            raise self._refuse(action, f"rule: only a {ROLLBACK_CREATOR} deployment reroutes")
        if self.step is Step.AFTER_ALLOW_TEST_TRAFFIC:
            waits = self.options.ready_wait_minutes is not None
            if action is Action.COMPLETE and waits:
                raise self._refuse(action, "rule: the group waits in Ready (STOP_DEPLOYMENT)")
            if action is Action.AWAIT_READY and not waits:
                raise self._refuse(action, "rule: the group reroutes at once (CONTINUE_DEPLOYMENT)")
        if action in _COMPLETING and self.step in STEP_EVENT:
            event = STEP_EVENT[self.step]
            if self.hook_function(event) is not None and not self._hook_succeeded(event):
                raise self._refuse(action, f"rule: the {event} hook has not reported Succeeded")
        return nxt

    def apply(
        self, action: Action, at: float, *, cause: str | None = None, message: str = ""
    ) -> Step:
        """Apply ``action`` at ``at``; returns the previous step. ``cause`` (a key of
        ERROR_CODES) sets errorInformation when the action ends the deployment."""
        nxt = self.check(action)
        previous = self.step
        if self.history and at < self.history[-1].at:
            raise ValueError(f"{self.deployment_id}: time went backwards ({at})")
        event = STEP_EVENT.get(previous)
        if event is not None and self.events[event].status is EventStatus.IN_PROGRESS:
            if action in _COMPLETING:
                self.events[event] = self.events[event]._replace(
                    status=EventStatus.SUCCEEDED, end=at
                )
            elif nxt in FINAL_STEPS:
                ended = EventStatus.SKIPPED if action is Action.STOP else EventStatus.FAILED
                self.events[event] = self.events[event]._replace(status=ended, end=at)
        self.step = nxt
        self.history.append(Transition(at, nxt, action))
        if previous is Step.CREATED and nxt not in FINAL_STEPS:
            self.start_time = at
        if nxt is Step.TERMINATION_WAIT:
            self.termination_wait_started = True
        new_event = STEP_EVENT.get(nxt)
        if new_event is not None:
            self.events[new_event] = EventRecord(EventStatus.IN_PROGRESS, at)
        if nxt in FINAL_STEPS:
            self.complete_time = at
            for e, rec in self.events.items():
                if rec.status is EventStatus.IN_PROGRESS:  # e.g. left by the Ready wait
                    self.events[e] = rec._replace(status=EventStatus.FAILED, end=at)
                elif rec.status is EventStatus.PENDING:
                    self.events[e] = EventRecord(
                        EventStatus.SUCCEEDED if nxt is Step.SUCCEEDED else EventStatus.SKIPPED
                    )
            if cause is not None and nxt is not Step.SUCCEEDED:
                self.error = (ERROR_CODES[cause], message or cause.replace("_", " "))
        return previous

    def should_roll_back(self, ending: Action, requested: bool | None = None) -> bool:
        """Whether ending with ``ending`` rolls back: the event must be configured (or,
        for StopDeployment, ``autoRollbackEnabled`` asked) and green must already exist
        ('a rollback is not possible' in BeforeInstall)."""
        if self.is_rollback or self.step is Step.BEFORE_INSTALL or self.step is Step.CREATED:
            return False
        if ending is Action.STOP and requested is not None:
            return requested
        event = ROLLBACK_EVENT_OF.get(ending)
        return (
            event is not None
            and self.options.rollback_enabled
            and event in self.options.rollback_events
        )

    def completion(self) -> Action:
        """The action that completes the current step: AWAIT_READY after the test traffic
        when the group waits in Ready (STOP_DEPLOYMENT), else COMPLETE."""
        if (
            self.step is Step.AFTER_ALLOW_TEST_TRAFFIC
            and self.options.ready_wait_minutes is not None
        ):
            return Action.AWAIT_READY
        return Action.COMPLETE

    # ------------------------------------------------------------------ hooks
    def _hook_succeeded(self, event: LifecycleEvent) -> bool:
        return any(
            h.event is event and h.status is EventStatus.SUCCEEDED for h in self.hooks.values()
        )

    def hook_function(self, event: LifecycleEvent) -> str | None:
        """The function to run at ``event`` now (None: no hook, or no test listener for
        AfterAllowTestTraffic, which then 'does nothing')."""
        if event is LifecycleEvent.AFTER_ALLOW_TEST_TRAFFIC and not self.options.has_test_listener:
            return None
        return self.options.hooks.get(event)

    def start_hook(self, execution_id: str, at: float) -> HookExecution:
        """Begin the current step's hook: the driver then invokes the function with
        ``payload`` and waits for its status until ``deadline``."""
        event = STEP_EVENT.get(self.step)
        function = None if event is None else self.hook_function(event)
        if event is None or function is None:
            raise self._refuse(Action.COMPLETE, f"rule: step '{self.step}' has no hook to run")
        if any(h.event is event for h in self.hooks.values()):
            raise self._refuse(Action.COMPLETE, "rule: a hook is executed once per deployment")
        h = HookExecution(
            execution_id, self.deployment_id, event, function, at, at + self.options.hook_timeout_s
        )
        h.status = EventStatus.IN_PROGRESS
        self.hooks[execution_id] = h
        return h

    def put_hook_status(self, execution_id: str, status: str, at: float) -> HookExecution:
        """PutLifecycleEventHookExecutionStatus: Succeeded completes the step, Failed
        fails the deployment (HOOK_EXECUTION_FAILURE)."""
        h = self.hooks.get(execution_id)
        if h is None:
            raise AWSError(
                codes.INVALID_HOOK_EXECUTION_ID,
                f"The lifecycle event hook execution ID {execution_id} is not valid for "
                f"deployment {self.deployment_id} (ecsim wording).",
            )
        if status not in (EventStatus.SUCCEEDED, EventStatus.FAILED):
            raise AWSError(
                codes.INVALID_HOOK_STATUS,
                f"The status {status!r} is not valid: a lifecycle hook reports Succeeded or "
                "Failed (ecsim wording).",
            )
        if h.status is not EventStatus.IN_PROGRESS or self.final:
            raise AWSError(
                codes.LIFECYCLE_EVENT_ALREADY_COMPLETED,
                f"The lifecycle event {h.event} of deployment {self.deployment_id} is already "
                f"completed ({h.status}) (ecsim wording).",
            )
        h.status = EventStatus(status)
        if h.status is EventStatus.SUCCEEDED:
            self.apply(self.completion(), at)
        else:
            self.apply(
                Action.FAIL,
                at,
                cause="hook_failed",
                message=f"The {h.event} lifecycle hook {h.function} reported Failed.",
            )
        return h

    def hook_timed_out(self, execution_id: str, at: float) -> bool:
        """The hook's hour passed: fail the deployment if it is still waiting on it."""
        h = self.hooks[execution_id]
        if h.status is not EventStatus.IN_PROGRESS or self.final or at < h.deadline:
            return False
        h.status = EventStatus.FAILED
        self.apply(
            Action.FAIL,
            at,
            cause="hook_timeout",
            message=f"CodeDeploy was not notified by {h.function} within "
            f"{self.options.hook_timeout_s:.0f} s ({h.event}).",
        )
        return True


class LambdaContext(NamedTuple):
    """The ``context`` a simulated Lambda handler receives (the fields hooks read)."""

    function_name: str
    invoked_function_arn: str
    aws_request_id: str
    deadline_s: float

    def get_remaining_time_in_millis(self) -> int:
        return int(self.deadline_s * 1000)


HookHandler = Callable[[dict[str, Any], LambdaContext], Any]
"""A lifecycle hook as Lambda runs it: ``handler(event, context)``; it answers through
``put_lifecycle_event_hook_execution_status`` (the codedeploy client)."""


def invoke(handler: HookHandler, execution: HookExecution, function_arn: str) -> Any:
    """Call ``handler`` as Lambda calls it for ``execution``."""
    name = function_arn.rsplit(":", 1)[-1]
    context = LambdaContext(name, function_arn, execution.execution_id, 900.0)
    return handler(execution.payload, context)


# ----------------------------------------------------------------------------- groups
ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def new_deployment_id(rng: np.random.Generator) -> str:
    """``d-`` + 9 upper-case alphanumerics, the form AWS returns."""
    return "d-" + "".join(ID_ALPHABET[int(i)] for i in rng.integers(0, len(ID_ALPHABET), 9))


class DeploymentBook:
    """Every deployment of an account: one active deployment per deployment group, and
    rollbacks as new deployments that point back to the deployment they undo."""

    def __init__(self, rng: np.random.Generator | None = None):
        self._rng = rng if rng is not None else np.random.default_rng(0)
        self.deployments: dict[str, Deployment] = {}

    def _new_id(self) -> str:
        while True:
            did = new_deployment_id(self._rng)
            if did not in self.deployments:
                return did

    def active(self, group: tuple[str, str]) -> Deployment | None:
        for d in self.deployments.values():
            if d.group == group and d.active:
                return d
        return None

    def of_group(self, group: tuple[str, str]) -> list[Deployment]:
        return [d for d in self.deployments.values() if d.group == group]

    def create(
        self, group: tuple[str, str], config_name: str, *, at: float, options: Options | None = None
    ) -> Deployment:
        """A new deployment in Created; DeploymentLimitExceededException while another one
        of the group is not final (its termination wait included)."""
        current = self.active(group)
        if current is not None:
            raise AWSError(
                codes.DEPLOYMENT_LIMIT_EXCEEDED,
                f"The Deployment Group '{group[1]}' already has an active Deployment "
                f"'{current.deployment_id}'",
            )
        d = Deployment(self._new_id(), group, config_name, at=at, options=options)
        self.deployments[d.deployment_id] = d
        return d

    def roll_back(self, original: Deployment, at: float) -> Deployment:
        """The rollback deployment of ``original`` (which must have ended Failed or
        Stopped): creator codeDeployRollback, rollbackInfo on both."""
        if original.step not in (Step.FAILED, Step.STOPPED) or original.rollback_info:
            raise original._refuse(
                Action.START_ROLLBACK,
                "rule: only a failed or stopped deployment that was not rolled back yet rolls back",
            )
        rb = Deployment(
            self._new_id(),
            original.group,
            original.config_name,
            at=at,
            options=original.options,
            creator=ROLLBACK_CREATOR,
        )
        original.rollback_info = RollbackInfo(
            rollback_deployment_id=rb.deployment_id,
            message=f"Deployment {original.deployment_id} was rolled back by "
            f"{rb.deployment_id} (ecsim wording).",
        )
        rb.rollback_info = RollbackInfo(
            rollback_triggering_deployment_id=original.deployment_id,
            message=f"Rollback of deployment {original.deployment_id}.",
        )
        self.deployments[rb.deployment_id] = rb
        return rb
