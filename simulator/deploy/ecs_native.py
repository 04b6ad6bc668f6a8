"""ECS's own deployment strategies (``deploymentConfiguration.strategy``) as data and a
state machine: BLUE_GREEN, LINEAR and CANARY with their lifecycle stages and hooks.

Pure: the timed driver passes ``at`` and decides when stages complete. Unlike CodeDeploy,
a rollback happens in place on the same service deployment ARN (``rollback`` field), hooks
answer SUCCEEDED / FAILED / IN_PROGRESS by their return value, and PAUSE hooks wait for
ContinueServiceDeployment. Facts: docs/deploy.md, the reference's section 2.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any, NamedTuple

from simulator.core.errors import AWSError
from simulator.deploy import codes
from simulator.deploy.timeline import WeightTimeline, all_at_once, equal_steps, two_steps


class Strategy(StrEnum):
    ROLLING = "ROLLING"
    BLUE_GREEN = "BLUE_GREEN"
    LINEAR = "LINEAR"
    CANARY = "CANARY"


class Stage(StrEnum):
    """``ServiceDeployment.lifecycleStage``, in the order a deployment runs them."""

    RECONCILE_SERVICE = "RECONCILE_SERVICE"
    PRE_SCALE_UP = "PRE_SCALE_UP"
    SCALE_UP = "SCALE_UP"
    POST_SCALE_UP = "POST_SCALE_UP"
    TEST_TRAFFIC_SHIFT = "TEST_TRAFFIC_SHIFT"
    POST_TEST_TRAFFIC_SHIFT = "POST_TEST_TRAFFIC_SHIFT"
    PRODUCTION_TRAFFIC_SHIFT = "PRODUCTION_TRAFFIC_SHIFT"
    POST_PRODUCTION_TRAFFIC_SHIFT = "POST_PRODUCTION_TRAFFIC_SHIFT"
    BAKE_TIME = "BAKE_TIME"
    CLEAN_UP = "CLEAN_UP"


class HookStage(StrEnum):
    """``lifecycleHooks[].lifecycleStages`` values (PRE_PRODUCTION_TRAFFIC_SHIFT is a hook
    point inside PRODUCTION_TRAFFIC_SHIFT, not a stage of its own)."""

    RECONCILE_SERVICE = "RECONCILE_SERVICE"
    PRE_SCALE_UP = "PRE_SCALE_UP"
    POST_SCALE_UP = "POST_SCALE_UP"
    TEST_TRAFFIC_SHIFT = "TEST_TRAFFIC_SHIFT"
    POST_TEST_TRAFFIC_SHIFT = "POST_TEST_TRAFFIC_SHIFT"
    PRE_PRODUCTION_TRAFFIC_SHIFT = "PRE_PRODUCTION_TRAFFIC_SHIFT"
    PRODUCTION_TRAFFIC_SHIFT = "PRODUCTION_TRAFFIC_SHIFT"
    POST_PRODUCTION_TRAFFIC_SHIFT = "POST_PRODUCTION_TRAFFIC_SHIFT"


PAUSE_FORBIDDEN = frozenset({HookStage.TEST_TRAFFIC_SHIFT, HookStage.PRODUCTION_TRAFFIC_SHIFT})
ROLLBACK_HOOK_STAGES = (HookStage.PRODUCTION_TRAFFIC_SHIFT, HookStage.TEST_TRAFFIC_SHIFT)
"""On rollback ECS runs the hooks of these stages again [doc deployment-lifecycle-hooks]."""


class ServiceDeploymentStatus(StrEnum):
    PENDING = "PENDING"
    IN_PROGRESS = "IN_PROGRESS"
    SUCCESSFUL = "SUCCESSFUL"
    STOPPED = "STOPPED"
    STOP_REQUESTED = "STOP_REQUESTED"
    ROLLBACK_REQUESTED = "ROLLBACK_REQUESTED"
    ROLLBACK_IN_PROGRESS = "ROLLBACK_IN_PROGRESS"
    ROLLBACK_SUCCESSFUL = "ROLLBACK_SUCCESSFUL"
    ROLLBACK_FAILED = "ROLLBACK_FAILED"


# ----------------------------------------------------------------------------- config
BAKE_RANGE = (0, 1440)
LINEAR_STEP_RANGE = (3.0, 100.0)
CANARY_PERCENT_RANGE = (0.1, 100.0)
LINEAR_DEFAULTS = (10.0, 6)
CANARY_DEFAULTS = (5.0, 10)
HOOK_TIMEOUT_RANGE = (1, 20160)
HOOK_TIMEOUT_DEFAULT = (1440, "ROLLBACK")
CALLBACK_DELAY_S = 30.0
"""IN_PROGRESS re-invokes the function after 30 s unless it returns ``callBackDelay``."""
DEFAULT_BAKE_TIME_MINUTES = 0
"""[param] bakeTimeInMinutes of a LINEAR or CANARY deployment that omits it (required for
BLUE_GREEN; no default found for the others)."""
CFN_MAX_MINUTES = 33 * 60
"""CloudFormation rejects linear/canary templates whose computed time exceeds 33 h."""


def _bad(message: str) -> AWSError:
    return AWSError(codes.ECS_INVALID_PARAMETER, message)


def _tenths(name: str, value: Any, bounds: tuple[float, float]) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(f"{name} must be a number, got {value!r}.")
    low, high = bounds
    if not low <= value <= high or abs(value * 10 - round(value * 10)) > 1e-9:
        raise _bad(f"{name} must be a multiple of 0.1 from {low} to {high}, got {value}.")
    return round(float(value), 1)


def _minutes(name: str, value: Any, bounds: tuple[int, int]) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(f"{name} must be an integer number of minutes, got {value!r}.")
    if not bounds[0] <= value <= bounds[1]:
        raise _bad(f"{name} must be between {bounds[0]} and {bounds[1]} minutes, got {value}.")
    return value


@dataclass(frozen=True)
class LifecycleHook:
    """One ``lifecycleHooks[]`` entry."""

    hook_id: str
    target_type: str
    stages: tuple[HookStage, ...]
    target_arn: str | None = None
    details: Any = None
    timeout_minutes: int = HOOK_TIMEOUT_DEFAULT[0]
    timeout_action: str = HOOK_TIMEOUT_DEFAULT[1]


def hook_from_api(raw: Mapping[str, Any], index: int) -> LifecycleHook:
    where = f"deploymentConfiguration.lifecycleHooks[{index}]"
    target_type = raw.get("targetType", "AWS_LAMBDA")
    if target_type not in ("AWS_LAMBDA", "PAUSE"):
        raise _bad(f"{where}.targetType must be AWS_LAMBDA or PAUSE, got {target_type!r}.")
    arn = raw.get("hookTargetArn")
    if target_type == "AWS_LAMBDA" and not arn:
        raise _bad(f"{where}.hookTargetArn is required for an AWS_LAMBDA lifecycle hook.")
    stages_raw = raw.get("lifecycleStages") or []
    if not stages_raw:
        raise _bad(f"{where}.lifecycleStages must name at least one stage.")
    stages = []
    for s in stages_raw:
        try:
            stages.append(HookStage(s))
        except ValueError:
            valid = ", ".join(h.value for h in HookStage)
            raise _bad(f"{where}.lifecycleStages: {s!r} is not one of {valid}.") from None
    if target_type == "PAUSE":
        bad = [s.value for s in stages if s in PAUSE_FORBIDDEN]
        if bad:
            raise _bad(f"{where}: a PAUSE hook cannot run at {', '.join(bad)}.")
    timeout = raw.get("timeoutConfiguration") or {}
    minutes = timeout.get("timeoutInMinutes", HOOK_TIMEOUT_DEFAULT[0])
    _minutes(f"{where}.timeoutConfiguration.timeoutInMinutes", minutes, HOOK_TIMEOUT_RANGE)
    action = timeout.get("action", HOOK_TIMEOUT_DEFAULT[1])
    if action not in ("ROLLBACK", "CONTINUE"):
        raise _bad(f"{where}.timeoutConfiguration.action must be ROLLBACK or CONTINUE.")
    return LifecycleHook(
        f"hook-{index}", target_type, tuple(stages), arn, raw.get("hookDetails"), minutes, action
    )


@dataclass(frozen=True)
class StrategyConfig:
    """A validated ``deploymentConfiguration`` (the strategy part)."""

    strategy: Strategy = Strategy.ROLLING
    bake_time_minutes: int = 0
    step_percent: float = LINEAR_DEFAULTS[0]
    step_bake_minutes: int = LINEAR_DEFAULTS[1]
    canary_percent: float = CANARY_DEFAULTS[0]
    canary_bake_minutes: int = CANARY_DEFAULTS[1]
    hooks: tuple[LifecycleHook, ...] = ()
    alarm_names: tuple[str, ...] = ()
    alarms_enabled: bool = False
    alarm_rollback: bool = False

    @property
    def shifts_traffic(self) -> bool:
        return self.strategy is not Strategy.ROLLING

    def timeline(self) -> WeightTimeline:
        """Production weight on green from the start of PRODUCTION_TRAFFIC_SHIFT; no bake
        after the last step ("not applied after reaching 100 percent")."""
        if self.strategy is Strategy.LINEAR:
            return equal_steps(
                self.step_percent, self.step_bake_minutes * 60.0, wait_after_last=False
            )
        if self.strategy is Strategy.CANARY:
            return two_steps(self.canary_percent, self.canary_bake_minutes * 60.0)
        return all_at_once()

    def hooks_at(self, stage: HookStage) -> list[LifecycleHook]:
        return [h for h in self.hooks if stage in h.stages]

    def cfn_minutes(self) -> float:
        """CloudFormation's computed time (its 33-hour rule)."""
        if self.strategy is Strategy.LINEAR:
            p = self.step_percent
            steps = 100 / p - 1 if abs(100 / p - round(100 / p)) < 1e-9 else math.floor(100 / p)
            return self.bake_time_minutes + self.step_bake_minutes * steps
        if self.strategy is Strategy.CANARY:
            return self.bake_time_minutes + self.canary_bake_minutes
        return float(self.bake_time_minutes)


def strategy_from_api(config: Mapping[str, Any]) -> StrategyConfig:
    """Read ``deploymentConfiguration``; InvalidParameterException naming the rule."""
    raw = config.get("strategy", "ROLLING")
    try:
        strategy = Strategy(raw)
    except ValueError:
        names = ", ".join(s.value for s in Strategy)
        raise _bad(
            f"deploymentConfiguration.strategy must be one of {names}, got {raw!r}."
        ) from None
    linear, canary = config.get("linearConfiguration"), config.get("canaryConfiguration")
    if linear is not None and strategy is not Strategy.LINEAR:
        raise _bad("linearConfiguration is only valid with strategy LINEAR.")
    if canary is not None and strategy is not Strategy.CANARY:
        raise _bad("canaryConfiguration is only valid with strategy CANARY.")
    bake = config.get("bakeTimeInMinutes")
    if strategy is Strategy.BLUE_GREEN and bake is None:
        raise _bad("bakeTimeInMinutes is required when you use the BLUE_GREEN deployment strategy.")
    if bake is not None:
        bake = _minutes("deploymentConfiguration.bakeTimeInMinutes", bake, BAKE_RANGE)
    out: dict[str, Any] = {
        "strategy": strategy,
        "bake_time_minutes": DEFAULT_BAKE_TIME_MINUTES if bake is None else bake,
    }
    if strategy is Strategy.LINEAR:
        linear = linear or {}
        out["step_percent"] = _tenths(
            "linearConfiguration.stepPercent",
            linear.get("stepPercent", LINEAR_DEFAULTS[0]),
            LINEAR_STEP_RANGE,
        )
        out["step_bake_minutes"] = _minutes(
            "linearConfiguration.stepBakeTimeInMinutes",
            linear.get("stepBakeTimeInMinutes", LINEAR_DEFAULTS[1]),
            BAKE_RANGE,
        )
    if strategy is Strategy.CANARY:
        canary = canary or {}
        out["canary_percent"] = _tenths(
            "canaryConfiguration.canaryPercent",
            canary.get("canaryPercent", CANARY_DEFAULTS[0]),
            CANARY_PERCENT_RANGE,
        )
        out["canary_bake_minutes"] = _minutes(
            "canaryConfiguration.canaryBakeTimeInMinutes",
            canary.get("canaryBakeTimeInMinutes", CANARY_DEFAULTS[1]),
            BAKE_RANGE,
        )
    hooks = config.get("lifecycleHooks") or []
    out["hooks"] = tuple(hook_from_api(h, i) for i, h in enumerate(hooks))
    alarms = config.get("alarms") or {}
    out["alarm_names"] = tuple(alarms.get("alarmNames") or ())
    out["alarms_enabled"] = bool(alarms.get("enable", False))
    out["alarm_rollback"] = bool(alarms.get("rollback", False))
    return StrategyConfig(**out)


# ----------------------------------------------------------------------------- machine
class Step(StrEnum):
    """The machine's states: the stages of a deployment, its rollback, its ends."""

    PENDING = "PENDING"
    RECONCILE_SERVICE = "RECONCILE_SERVICE"
    PRE_SCALE_UP = "PRE_SCALE_UP"
    SCALE_UP = "SCALE_UP"
    POST_SCALE_UP = "POST_SCALE_UP"
    TEST_TRAFFIC_SHIFT = "TEST_TRAFFIC_SHIFT"
    POST_TEST_TRAFFIC_SHIFT = "POST_TEST_TRAFFIC_SHIFT"
    PRODUCTION_TRAFFIC_SHIFT = "PRODUCTION_TRAFFIC_SHIFT"
    POST_PRODUCTION_TRAFFIC_SHIFT = "POST_PRODUCTION_TRAFFIC_SHIFT"
    BAKE_TIME = "BAKE_TIME"
    CLEAN_UP = "CLEAN_UP"
    SUCCESSFUL = "SUCCESSFUL"
    STOP_REQUESTED = "STOP_REQUESTED"
    STOPPED = "STOPPED"
    ROLLBACK_REQUESTED = "ROLLBACK_REQUESTED"
    ROLLBACK_PRODUCTION_TRAFFIC_SHIFT = "ROLLBACK_PRODUCTION_TRAFFIC_SHIFT"
    ROLLBACK_TEST_TRAFFIC_SHIFT = "ROLLBACK_TEST_TRAFFIC_SHIFT"
    ROLLBACK_CLEAN_UP = "ROLLBACK_CLEAN_UP"
    ROLLBACK_SUCCESSFUL = "ROLLBACK_SUCCESSFUL"
    ROLLBACK_FAILED = "ROLLBACK_FAILED"


STAGES: tuple[Step, ...] = tuple(Step(s.value) for s in Stage)
_SD = ServiceDeploymentStatus
STEP_STATUS: Mapping[Step, ServiceDeploymentStatus] = MappingProxyType(
    {
        Step.PENDING: _SD.PENDING,
        **{s: _SD.IN_PROGRESS for s in STAGES},
        Step.SUCCESSFUL: _SD.SUCCESSFUL,
        Step.STOP_REQUESTED: _SD.STOP_REQUESTED,
        Step.STOPPED: _SD.STOPPED,
        Step.ROLLBACK_REQUESTED: _SD.ROLLBACK_REQUESTED,
        Step.ROLLBACK_PRODUCTION_TRAFFIC_SHIFT: _SD.ROLLBACK_IN_PROGRESS,
        Step.ROLLBACK_TEST_TRAFFIC_SHIFT: _SD.ROLLBACK_IN_PROGRESS,
        Step.ROLLBACK_CLEAN_UP: _SD.ROLLBACK_IN_PROGRESS,
        Step.ROLLBACK_SUCCESSFUL: _SD.ROLLBACK_SUCCESSFUL,
        Step.ROLLBACK_FAILED: _SD.ROLLBACK_FAILED,
    }
)
del _SD
STEP_STAGE: Mapping[Step, Stage] = MappingProxyType(
    {
        **{s: Stage(s.value) for s in STAGES},
        Step.ROLLBACK_PRODUCTION_TRAFFIC_SHIFT: Stage.PRODUCTION_TRAFFIC_SHIFT,
        Step.ROLLBACK_TEST_TRAFFIC_SHIFT: Stage.TEST_TRAFFIC_SHIFT,
        Step.ROLLBACK_CLEAN_UP: Stage.CLEAN_UP,
    }
)
"""The lifecycleStage reported in each step (rollback steps report the stage they redo)."""


class Action(StrEnum):
    START = "start"
    COMPLETE = "complete"  # the stage's work and hooks are done
    SHIFT = "shift"  # one more production traffic step (LINEAR/CANARY)
    ROLLBACK = "rollback"  # hook FAILED / timeout ROLLBACK / alarm with rollback / request
    STOP = "stop"  # StopServiceDeployment(stopType=ABORT)
    STOPPED = "stopped"  # the stop finished
    FAIL = "fail"  # the rollback itself failed


S, A = Step, Action
_ROLLBACKABLE = STAGES[:-1]  # every stage but CLEAN_UP (blue is being removed)
TRANSITIONS: Mapping[tuple[Step, Action], Step] = MappingProxyType(
    {
        (S.PENDING, A.START): S.RECONCILE_SERVICE,
        **{(STAGES[i], A.COMPLETE): STAGES[i + 1] for i in range(len(STAGES) - 1)},
        (S.CLEAN_UP, A.COMPLETE): S.SUCCESSFUL,
        (S.PRODUCTION_TRAFFIC_SHIFT, A.SHIFT): S.PRODUCTION_TRAFFIC_SHIFT,
        **{(s, A.ROLLBACK): S.ROLLBACK_REQUESTED for s in _ROLLBACKABLE},
        **{(s, A.STOP): S.STOP_REQUESTED for s in (S.PENDING, *STAGES)},
        (S.STOP_REQUESTED, A.STOPPED): S.STOPPED,
        (S.ROLLBACK_REQUESTED, A.COMPLETE): S.ROLLBACK_PRODUCTION_TRAFFIC_SHIFT,
        (S.ROLLBACK_PRODUCTION_TRAFFIC_SHIFT, A.COMPLETE): S.ROLLBACK_TEST_TRAFFIC_SHIFT,
        (S.ROLLBACK_TEST_TRAFFIC_SHIFT, A.COMPLETE): S.ROLLBACK_CLEAN_UP,
        (S.ROLLBACK_CLEAN_UP, A.COMPLETE): S.ROLLBACK_SUCCESSFUL,
        **{
            (s, A.FAIL): S.ROLLBACK_FAILED
            for s in (
                S.ROLLBACK_REQUESTED,
                S.ROLLBACK_PRODUCTION_TRAFFIC_SHIFT,
                S.ROLLBACK_TEST_TRAFFIC_SHIFT,
                S.ROLLBACK_CLEAN_UP,
            )
        },
    }
)
"""(step, action) -> next step; anything else is refused naming the deployment."""
del S, A

INITIAL_STEP = Step.PENDING
FINAL_STEPS = frozenset(
    {Step.SUCCESSFUL, Step.STOPPED, Step.ROLLBACK_SUCCESSFUL, Step.ROLLBACK_FAILED}
)


class HookStatus(StrEnum):
    """``lifecycleHookDetails[].status``."""

    AWAITING_ACTION = "AWAITING_ACTION"
    IN_PROGRESS = "IN_PROGRESS"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"


class HookOutcome(NamedTuple):
    """What the deployment does after a hook answered: ``continue``, ``rollback``, or
    ``reinvoke`` at ``at``."""

    kind: str
    at: float
    details: Any = None


@dataclass
class HookRun:
    """One hook at one hook point (PRODUCTION_TRAFFIC_SHIFT hooks run once per step)."""

    hook: LifecycleHook
    stage: HookStage
    started_at: float
    status: HookStatus = HookStatus.IN_PROGRESS
    details: Any = None

    @property
    def expires_at(self) -> float:
        return self.started_at + self.hook.timeout_minutes * 60.0

    def answer(self, response: Any, at: float) -> HookOutcome:
        """A Lambda hook's return value: ``{"hookStatus": ..., "callBackDelay"?, "hookDetails"?}``;
        anything else (no valid hookStatus, or the function failed) rolls back [doc]."""
        if self.hook.target_type != "AWS_LAMBDA":
            raise ValueError("a PAUSE hook answers through continue_service_deployment")
        if at >= self.expires_at:
            return self.timed_out(at)
        status = response.get("hookStatus") if isinstance(response, Mapping) else None
        if status == "SUCCEEDED":
            self.status = HookStatus.SUCCEEDED
            return HookOutcome("continue", at)
        if status == "IN_PROGRESS":
            delay = response.get("callBackDelay", CALLBACK_DELAY_S)
            if isinstance(delay, bool) or not isinstance(delay, int | float) or delay < 0:
                delay = CALLBACK_DELAY_S
            self.details = response.get("hookDetails", self.details)
            return HookOutcome("reinvoke", min(at + float(delay), self.expires_at), self.details)
        self.status = HookStatus.FAILED
        return HookOutcome("rollback", at)

    def resolve(self, action: str, at: float) -> HookOutcome:
        """ContinueServiceDeployment on a PAUSE hook (action CONTINUE or ROLLBACK)."""
        if self.hook.target_type != "PAUSE" or self.status is not HookStatus.AWAITING_ACTION:
            raise _bad(f"The lifecycle hook {self.hook.hook_id} is not awaiting action.")
        if action not in ("CONTINUE", "ROLLBACK"):
            raise _bad(f"action must be CONTINUE or ROLLBACK, got {action!r}.")
        self.status = HookStatus.SUCCEEDED if action == "CONTINUE" else HookStatus.FAILED
        return HookOutcome("continue" if action == "CONTINUE" else "rollback", at)

    def timed_out(self, at: float) -> HookOutcome:
        self.status = HookStatus.TIMED_OUT
        kind = "continue" if self.hook.timeout_action == "CONTINUE" else "rollback"
        return HookOutcome(kind, at)


class RollbackRecord(NamedTuple):
    reason: str
    started_at: float
    service_revision_arn: str | None


class Transition(NamedTuple):
    at: float
    step: Step
    action: Action | None


class ServiceDeployment:
    """One ECS service deployment under BLUE_GREEN, LINEAR or CANARY."""

    def __init__(
        self,
        arn: str,
        config: StrategyConfig,
        *,
        at: float,
        source_revision_arn: str | None = None,
        target_revision_arn: str = "",
    ):
        if not config.shifts_traffic:
            raise _bad("ROLLING deployments do not run the blue/green lifecycle stages.")
        self.arn = arn
        self.config = config
        self.source_revision_arn = source_revision_arn
        self.target_revision_arn = target_revision_arn
        self.created_at = at
        self.step = INITIAL_STEP
        self.history: list[Transition] = [Transition(at, INITIAL_STEP, None)]
        self.shift_index = -1
        """Index of the production shift last applied (-1: none)."""
        self.rollback: RollbackRecord | None = None
        self.hook_runs: list[HookRun] = []
        self.status_reason = ""

    @property
    def status(self) -> ServiceDeploymentStatus:
        return STEP_STATUS[self.step]

    @property
    def lifecycle_stage(self) -> Stage | None:
        return STEP_STAGE.get(self.step)

    @property
    def final(self) -> bool:
        return self.step in FINAL_STEPS

    def production_weight(self) -> float:
        """Green's production weight (percent) as this deployment has set it."""
        if self.step in (
            Step.ROLLBACK_TEST_TRAFFIC_SHIFT,
            Step.ROLLBACK_CLEAN_UP,
            Step.ROLLBACK_SUCCESSFUL,
        ):
            return 0.0
        if self.shift_index < 0:
            return 0.0
        return float(self.config.timeline().shifts[self.shift_index].weight)

    def _refuse(self, action: Action, rule: str) -> AWSError:
        return _bad(
            f"The service deployment '{self.arn}' is {self.status} (stage "
            f"{self.lifecycle_stage or '-'}), from which '{action}' is not allowed ({rule})."
        )

    def check(self, action: Action) -> Step:
        nxt = TRANSITIONS.get((self.step, action))
        if nxt is None:
            allowed = ", ".join(s.value for (s, a) in TRANSITIONS if a is action) or "no step"
            raise self._refuse(action, f"rule: '{action}' is accepted from: {allowed}")
        shifts = self.config.timeline().shifts
        if self.step is Step.PRODUCTION_TRAFFIC_SHIFT:
            if action is Action.SHIFT and self.shift_index + 1 >= len(shifts):
                raise self._refuse(action, "rule: production traffic is already at 100 %")
            if action is Action.COMPLETE and self.shift_index + 1 < len(shifts):
                raise self._refuse(action, "rule: production traffic has not reached 100 %")
        if action is Action.ROLLBACK and self.source_revision_arn is None:
            raise self._refuse(
                action, "rule: a rollback needs a previous deployment in COMPLETED state"
            )
        open_runs = [
            r
            for r in self.hook_runs
            if r.status in (HookStatus.IN_PROGRESS, HookStatus.AWAITING_ACTION)
        ]
        if action in (Action.COMPLETE, Action.SHIFT) and open_runs:
            raise self._refuse(
                action, f"rule: lifecycle hook {open_runs[0].hook.hook_id} is unresolved"
            )
        return nxt

    def apply(self, action: Action, at: float, *, reason: str = "") -> Step:
        nxt = self.check(action)
        if at < self.history[-1].at:
            raise ValueError(f"{self.arn}: time went backwards ({at})")
        previous = self.step
        if action is Action.SHIFT or (
            previous is Step.POST_TEST_TRAFFIC_SHIFT and action is Action.COMPLETE
        ):
            self.shift_index += 1  # entering PRODUCTION_TRAFFIC_SHIFT applies the first step
        if action is Action.ROLLBACK:
            self.rollback = RollbackRecord(reason or "rollback", at, self.source_revision_arn)
            for r in self.hook_runs:
                if r.status in (HookStatus.IN_PROGRESS, HookStatus.AWAITING_ACTION):
                    r.status = HookStatus.FAILED
        if reason:
            self.status_reason = reason
        self.step = nxt
        self.history.append(Transition(at, nxt, action))
        return previous

    # ------------------------------------------------------------------ hooks
    def current_hook_points(self) -> list[HookStage]:
        """The hook points of the current step, in the order they run."""
        if self.step is Step.PRODUCTION_TRAFFIC_SHIFT:
            return [HookStage.PRE_PRODUCTION_TRAFFIC_SHIFT, HookStage.PRODUCTION_TRAFFIC_SHIFT]
        if self.step is Step.ROLLBACK_PRODUCTION_TRAFFIC_SHIFT:
            return [HookStage.PRODUCTION_TRAFFIC_SHIFT]
        if self.step is Step.ROLLBACK_TEST_TRAFFIC_SHIFT:
            return [HookStage.TEST_TRAFFIC_SHIFT]
        stage = self.lifecycle_stage
        try:
            return [HookStage(stage.value)] if stage is not None else []
        except ValueError:
            return []  # SCALE_UP, BAKE_TIME, CLEAN_UP take no hooks

    def start_hooks(self, stage: HookStage, at: float) -> list[HookRun]:
        """Begin every hook configured at ``stage``: Lambda hooks are invoked (the driver
        calls them with ``payload``), PAUSE hooks await ContinueServiceDeployment."""
        runs = []
        for h in self.config.hooks_at(stage):
            status = (
                HookStatus.AWAITING_ACTION if h.target_type == "PAUSE" else HookStatus.IN_PROGRESS
            )
            run = HookRun(h, stage, at, status, h.details)
            self.hook_runs.append(run)
            runs.append(run)
        return runs

    def payload(self, run: HookRun, service_arn: str) -> dict[str, Any]:
        """What a Lambda hook receives (the documented common fields, plus hookDetails)."""
        green = self.production_weight()
        weights = {self.target_revision_arn: green}
        if self.source_revision_arn:
            weights[self.source_revision_arn] = 100.0 - green
        test = {self.target_revision_arn: 100.0 if self._test_on_green() else 0.0}
        if self.source_revision_arn:
            test[self.source_revision_arn] = 100.0 - test[self.target_revision_arn]
        out: dict[str, Any] = {
            "serviceArn": service_arn,
            "targetServiceRevisionArn": self.target_revision_arn,
            "testTrafficWeights": test,
            "productionTrafficWeights": weights,
        }
        if run.details is not None:
            out["hookDetails"] = run.details
        return out

    def _test_on_green(self) -> bool:
        order = list(Step)
        return (
            order.index(Step.TEST_TRAFFIC_SHIFT)
            <= order.index(self.step)
            <= order.index(Step.SUCCESSFUL)
        )


def stage_sequence(config: StrategyConfig) -> list[tuple[Step, Sequence[HookStage]]]:
    """The steps a successful deployment walks, each with its hook points in order
    (PRODUCTION_TRAFFIC_SHIFT once per traffic step)."""
    out: list[tuple[Step, Sequence[HookStage]]] = []
    for step in STAGES:
        if step is Step.PRODUCTION_TRAFFIC_SHIFT:
            for _ in config.timeline().shifts:
                out.append(
                    (
                        step,
                        (
                            HookStage.PRE_PRODUCTION_TRAFFIC_SHIFT,
                            HookStage.PRODUCTION_TRAFFIC_SHIFT,
                        ),
                    )
                )
            continue
        try:
            out.append((step, (HookStage(step.value),)))
        except ValueError:
            out.append((step, ()))
    return out
