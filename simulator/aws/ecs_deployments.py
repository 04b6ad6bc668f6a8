"""ECS's own BLUE_GREEN / LINEAR / CANARY deployments in simulated time: the pure machine
(``simulator.deploy.ecs_native``) driven over the traffic-shift engine
(``simulator.ecs.traffic_shift``), and the service-deployment operations.

A service created with ``deploymentConfiguration.strategy`` other than ROLLING keeps its
tasks in task sets (the engine's unit), while its API stays the ECS controller's. An
UpdateService with a new task definition starts a service deployment: a new service
revision's tasks at 100 % in the alternate target group (SCALE_UP), the test listener
rule to green, the production listener rule's forward weights moved per the strategy,
the bake time, then the old revision drained (CLEAN_UP). Lambda hooks answer by their
return value and are invoked again while IN_PROGRESS; a FAILED hook, a hook's timeout
with action ROLLBACK, an alarm with ``rollback`` or StopServiceDeployment(ROLLBACK) roll
back in place on the same deployment ARN.
"""

from __future__ import annotations

import base64
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import simpy

from simulator.aws import ecs_services, errors  # modules: ecs_services imports this one
from simulator.aws.ecs_pagination import page
from simulator.aws.ecs_views import failure
from simulator.aws.functions import FunctionRun
from simulator.aws.functions import _drive as run_function
from simulator.core.errors import AWSError
from simulator.deploy.ecs_native import (
    STEP_STAGE,
    Action,
    HookRun,
    HookStage,
    HookStatus,
    ServiceDeployment,
    ServiceDeploymentStatus,
    Step,
    StrategyConfig,
    strategy_from_api,
)
from simulator.deploy.record import DeploymentRecord
from simulator.ecs.task_sets import PRIMARY, TaskSet
from simulator.ecs.traffic_shift import ALARM, POLL_FAILURE, ShiftSettings, Sides, TrafficShift
from simulator.traffic.elb_actions import ForwardAction

if TYPE_CHECKING:
    from simulator.aws.account import SimulatedAWS
    from simulator.ecs.control import EcsCluster, Service

INVALID_PARAMETER = "InvalidParameterException"
NOT_FOUND = "ServiceDeploymentNotFoundException"
STRATEGY_KEYS = frozenset(
    {
        "strategy",
        "bakeTimeInMinutes",
        "linearConfiguration",
        "canaryConfiguration",
        "lifecycleHooks",
        "alarms",
    }
)
"""deploymentConfiguration members this module reads (the rest is the rolling scheduler's)."""
ADVANCED_REQUIRED = ("alternateTargetGroupArn", "productionListenerRule", "roleArn")
STARTED_BY = "ecs-deployment"
"""[param] startedBy of a service revision's task set (not visible through the ECS API)."""


def strip_strategy(doc: Mapping[str, Any]) -> dict[str, Any]:
    """``doc`` without the strategy members when the strategy shifts traffic (they are
    validated here; the rolling parameters go on to the scheduler)."""
    if set(doc) & (STRATEGY_KEYS - {"alarms"}):
        strategy_from_api(doc)  # ECS's own errors (canaryConfiguration with LINEAR, ...)
    if doc.get("strategy", "ROLLING") == "ROLLING":
        return dict(doc)
    return {k: v for k, v in doc.items() if k not in STRATEGY_KEYS}


@dataclass
class Advanced:
    """``loadBalancers[0].advancedConfiguration``."""

    alternate_target_group: str
    production_rule: str
    test_rule: str | None
    role_arn: str


@dataclass
class NativeService:
    """What a traffic-shifting ECS service keeps between deployments."""

    config: StrategyConfig
    raw: dict[str, Any]
    advanced: Advanced
    revision_arn: str
    """The current service revision (the blue side)."""
    target_group: str
    """``loadBalancers[0].targetGroupArn``: blue and green alternate between it and the
    alternate target group."""
    revisions: dict[str, str] = field(default_factory=dict)
    """Service revision ARN -> task definition."""


@dataclass
class NativeRun:
    deployment: ServiceDeployment
    service: Service
    cluster: str
    shift: TrafficShift
    created_at: float
    started_at: float | None = None
    finished_at: float | None = None
    stopped_at: float | None = None
    updated_at: float = 0.0
    changed: simpy.Event | None = None
    stop_type: str | None = None
    triggered_alarms: list[str] = field(default_factory=list)


class EcsDeployments:
    """The account's ECS-native service deployments (one per account)."""

    def __init__(self, account: SimulatedAWS):
        self.account = account
        self.services: dict[str, NativeService] = {}
        self.runs: dict[str, NativeRun] = {}
        self._ids = account.world.rng("ecs.service_deployment_id")
        self.settings = ShiftSettings()

    @property
    def env(self) -> simpy.Environment:
        return self.account.world.env

    @property
    def now(self) -> float:
        return float(self.account.now)

    def _id(self) -> str:
        """22 URL-safe characters, as AWS's ``service-deployment/<cluster>/<service>/
        r9i43YFjvgF_xlg7m2eJ1r`` example (API reference)."""
        return base64.urlsafe_b64encode(self._ids.bytes(16)).decode()[:22]

    def _arn(self, kind: str, svc: Service) -> str:
        a = self.account
        return f"arn:aws:ecs:{a.region}:{a.account_id}:{kind}/{svc.cluster}/{svc.name}/{self._id()}"

    # ------------------------------------------------------------------ services
    def prepare(self, p: Mapping[str, Any]) -> tuple[StrategyConfig, Advanced] | None:
        """CreateService's strategy and advancedConfiguration, checked before the service
        exists (None: ROLLING)."""
        config = strategy_from_api(p.get("deploymentConfiguration") or {})
        if not config.shifts_traffic:
            return None
        advanced = self._advanced(p.get("loadBalancers") or [])
        self._check_hooks(config)
        return config, advanced

    def adopt(
        self,
        cluster: EcsCluster,
        svc: Service,
        p: Mapping[str, Any],
        prepared: tuple[StrategyConfig, Advanced],
    ) -> None:
        """Keep the first revision's tasks in a PRIMARY task set behind the service's
        target group."""
        raw = dict(p.get("deploymentConfiguration") or {})
        config, advanced = prepared
        registry = self.account.task_sets
        d = svc.deployments[0]
        number = d.id.split("/")[-1]
        ts = TaskSet(
            d.id,
            f"arn:aws:ecs:{self.account.region}:{self.account.account_id}:task-set/"
            f"{cluster.name}/{svc.name}/ecs-svc/{number}",
            svc.name,
            cluster.name,
            d.task_definition,
            d,
            load_balancers=tuple(svc.load_balancers),
            status=PRIMARY,
            created_at=self.now,
            updated_at=self.now,
            stability_at=self.now,
            launch_type=svc.launch_type,
            capacity_provider_strategy=svc.capacity_provider_strategy,
            network_configuration=p.get("networkConfiguration"),
        )
        registry.of_service[svc.arn] = [ts]
        revision = self._arn("service-revision", svc)
        self.services[svc.arn] = NativeService(
            config,
            raw,
            advanced,
            revision,
            svc.load_balancers[0].target_group_arn,
            {revision: d.task_definition},
        )

    def _advanced(self, entries: list[Mapping[str, Any]]) -> Advanced:
        if not entries:
            raise errors.not_simulated(
                "BLUE_GREEN, LINEAR or CANARY services without a load balancer"
            )
        adv = entries[0].get("advancedConfiguration")
        if not adv:
            raise AWSError(
                INVALID_PARAMETER,
                "loadBalancers[0].advancedConfiguration is required for the BLUE_GREEN, "
                "LINEAR and CANARY deployment strategies (ecsim wording).",
            )
        missing = [k for k in ADVANCED_REQUIRED if not adv.get(k)]
        if missing:
            raise AWSError(
                INVALID_PARAMETER,
                f"loadBalancers[0].advancedConfiguration.{missing[0]} is required (ecsim wording).",
            )
        elbv2 = self.account.elbv2
        elbv2.target_group(adv["alternateTargetGroupArn"])
        if adv["alternateTargetGroupArn"] == entries[0].get("targetGroupArn"):
            raise AWSError(
                INVALID_PARAMETER,
                "alternateTargetGroupArn must differ from targetGroupArn (ecsim wording).",
            )
        for key in ("productionListenerRule", "testListenerRule"):
            if adv.get(key):
                elbv2.rule(adv[key])
        return Advanced(
            adv["alternateTargetGroupArn"],
            adv["productionListenerRule"],
            adv.get("testListenerRule"),
            adv["roleArn"],
        )

    def _check_hooks(self, config: StrategyConfig) -> None:
        for h in config.hooks:
            if h.target_type == "PAUSE":
                raise errors.not_simulated("PAUSE lifecycle hooks (ContinueServiceDeployment)")

    def native(self, svc: Service) -> NativeService | None:
        return self.services.get(svc.arn)

    def reconfigure(self, svc: Service, doc: Mapping[str, Any]) -> None:
        """UpdateService's deploymentConfiguration on a traffic-shifting service."""
        ns = self.services[svc.arn]
        raw = {**ns.raw, **doc}
        config = strategy_from_api(raw)
        if not config.shifts_traffic:
            raise errors.not_simulated("changing a BLUE_GREEN/LINEAR/CANARY service to ROLLING")
        self._check_hooks(config)
        ns.config, ns.raw = config, raw

    def view(self, svc: Service, out: dict[str, Any]) -> None:
        """DescribeServices: the strategy members and advancedConfiguration as given."""
        ns = self.services.get(svc.arn)
        if ns is None:
            return
        out["deploymentConfiguration"].update(
            {k: v for k, v in ns.raw.items() if k in STRATEGY_KEYS}
        )
        for lb in out["loadBalancers"][:1]:
            adv = ns.advanced
            lb["advancedConfiguration"] = {
                "alternateTargetGroupArn": adv.alternate_target_group,
                "productionListenerRule": adv.production_rule,
                "roleArn": adv.role_arn,
                **({"testListenerRule": adv.test_rule} if adv.test_rule else {}),
            }

    # ------------------------------------------------------------------ deployments
    def deploy(self, cluster: EcsCluster, svc: Service, task_definition: str) -> NativeRun:
        """UpdateService with a new task definition: a service deployment, PENDING."""
        ns = self.services[svc.arn]
        active = [r for r in self.runs.values() if r.service is svc and not r.deployment.final]
        if active:
            raise AWSError(
                INVALID_PARAMETER,
                f"The service deployment {active[0].deployment.arn} is in progress; wait for "
                "it to finish or stop it (ecsim wording).",
            )
        blue = self.account.task_sets.primary(svc)
        assert blue is not None and blue.load_balancers
        blue_tg = blue.load_balancers[0].target_group_arn
        adv = ns.advanced
        pair = [ns.target_group, adv.alternate_target_group]
        green_tg = next(a for a in pair if a != blue_tg)
        target = self._arn("service-revision", svc)
        ns.revisions[target] = task_definition
        arn = self._arn("service-deployment", svc)
        d = ServiceDeployment(
            arn,
            ns.config,
            at=self.now,
            source_revision_arn=ns.revision_arn,
            target_revision_arn=target,
        )
        alarms = ns.config.alarm_names if ns.config.alarms_enabled else ()
        sides = Sides(
            cluster.name,
            svc.name,
            blue,
            blue_tg,
            green_tg,
            adv.production_rule,
            adv.test_rule,
            alarms,
        )
        record = DeploymentRecord(
            arn, svc.name, ns.config.strategy.value, blue_tg, green_tg, created=self.now
        )
        shift = RuleTrafficShift(
            self.account.task_sets,
            self.account.elbv2,
            self.account.alarms,
            sides,
            record,
            self.settings,
        )
        run = NativeRun(d, svc, cluster.name, shift, self.now, updated_at=self.now)
        run.changed = self.env.event()
        self.runs[arn] = run
        self.account.world.process(self._drive(run, task_definition))
        return run

    def stop(self, arn: str, stop_type: str) -> None:
        run = self.find(arn)
        d = run.deployment
        if d.final:
            raise AWSError(
                "ConflictException",
                f"The service deployment {arn} is {d.status} and cannot be stopped.",
            )
        if stop_type == "ABORT":
            raise errors.not_simulated("StopServiceDeployment with stopType ABORT")
        if d.step is Step.CLEAN_UP or d.step.value.startswith("ROLLBACK"):
            raise AWSError(
                "ConflictException",
                f"The service deployment {arn} is in {d.lifecycle_stage} and cannot be rolled "
                "back (ecsim wording).",
            )
        run.stop_type = stop_type
        run.shift.stop()

    def find(self, arn: str) -> NativeRun:
        run = self.runs.get(arn)
        if run is None:
            raise AWSError(NOT_FOUND, f"The service deployment {arn} does not exist.")
        return run

    # ------------------------------------------------------------------ the process
    def _drive(self, run: NativeRun, task_definition: str) -> Generator[Any, Any, None]:
        d, shift = run.deployment, run.shift
        ns = self.services[run.service.arn]
        d.apply(Action.START, self.now)
        run.started_at = self.now
        shift.watch()
        ok = yield from self._stage_hooks(run)
        for work in (
            None,  # PRE_SCALE_UP
            lambda: shift.install(task_definition, started_by=STARTED_BY),  # SCALE_UP
            None,  # POST_SCALE_UP
            "test",  # TEST_TRAFFIC_SHIFT
            None,  # POST_TEST_TRAFFIC_SHIFT
        ):
            if not ok:
                break
            self._advance(run, Action.COMPLETE)
            if work == "test":
                shift.allow_test_traffic()
            elif work is not None:
                assert callable(work)
                ok = yield from work()
                if not ok:
                    break
            ok = yield from self._stage_hooks(run)
        if ok:
            self._advance(run, Action.COMPLETE)  # PRODUCTION_TRAFFIC_SHIFT, first step
            ok = yield from self._production(run)
        if ok:
            self._advance(run, Action.COMPLETE)  # POST_PRODUCTION_TRAFFIC_SHIFT
            ok = yield from self._stage_hooks(run)
        if ok:
            self._advance(run, Action.COMPLETE)  # BAKE_TIME
            ok = yield from shift.wait(d.config.bake_time_minutes * 60.0)
        if ok:
            shift.unwatch()
            self._advance(run, Action.COMPLETE)  # CLEAN_UP
            yield from shift.remove("blue")
            self._advance(run, Action.COMPLETE)  # SUCCESSFUL
            ns.revision_arn = d.target_revision_arn
            shift.record.status = "Succeeded"
            run.finished_at = self.now
        else:
            yield from self._roll_back(run)
        shift.record.ended = self.now
        shift.close()

    def _advance(self, run: NativeRun, action: Action, reason: str = "") -> None:
        run.deployment.apply(action, self.now, reason=reason)
        run.updated_at = self.now

    def _production(self, run: NativeRun) -> Generator[Any, Any, bool]:
        """One production step per timeline shift, each with its PRE_ and PRODUCTION_
        hooks; weights at the timeline's instants from the stage's start."""
        d, shift = run.deployment, run.shift
        shifts = d.config.timeline().shifts
        start = self.now
        for i, step in enumerate(shifts):
            if i > 0:
                wait = start + step.at - self.now
                if wait > 0:
                    yield shift._interruptible(self.env.timeout(wait))
                    if shift.interrupted:
                        return False
                self._advance(run, Action.SHIFT)
            ok = yield from self._hooks(run, HookStage.PRE_PRODUCTION_TRAFFIC_SHIFT)
            if not ok:
                return False
            shift._set_production(step.weight)
            ok = yield from self._hooks(run, HookStage.PRODUCTION_TRAFFIC_SHIFT)
            if not ok:
                return False
        cluster, svc = shift._service()
        assert shift.green is not None
        self.account.task_sets.set_primary(cluster, svc, shift.green)
        return True

    def _stage_hooks(self, run: NativeRun) -> Generator[Any, Any, bool]:
        for point in run.deployment.current_hook_points():
            ok = yield from self._hooks(run, point)
            if not ok:
                return False
        return True

    def _hooks(self, run: NativeRun, point: HookStage) -> Generator[Any, Any, bool]:
        """Every hook at ``point``, one after another; False when one asks to roll back
        (FAILED, a missing or failing function, its timeout with action ROLLBACK) or the
        deployment was interrupted meanwhile."""
        d = run.deployment
        for hr in d.start_hooks(point, self.now):
            ok = yield from self._one_hook(run, hr)
            if not ok:
                return False
        return not run.shift.interrupted

    def _one_hook(self, run: NativeRun, hr: HookRun) -> Generator[Any, Any, bool]:
        d, shift = run.deployment, run.shift
        fn = self.account.functions.find(hr.hook.target_arn or "")
        while True:
            if fn is None:
                outcome_kind = "rollback"
                break
            fr = FunctionRun(fn.name, d.payload(hr, run.service.arn), self.now)
            proc = self.env.process(
                run_function(self.account, fn.handler, fr, float(fn.timeout), hr.hook.hook_id)
            )
            yield shift._interruptible(proc)
            if shift.interrupted:
                return False
            response = fr.result if fr.error is None else None
            outcome = hr.answer(response, self.now)
            outcome_kind = outcome.kind
            if outcome.kind != "reinvoke":
                break
            expires = self.env.timeout(max(0.0, hr.expires_at - self.now))
            yield shift._interruptible(self.env.timeout(outcome.at - self.now), expires)
            if shift.interrupted:
                return False
            if self.now >= hr.expires_at:
                outcome_kind = hr.timed_out(self.now).kind
                break
        if outcome_kind == "rollback":
            if hr.status is HookStatus.IN_PROGRESS:
                hr.status = HookStatus.FAILED
            shift.stop("hook")
            return False
        return True

    def _roll_back(self, run: NativeRun) -> Generator[Any, Any, None]:
        d, shift = run.deployment, run.shift
        shift.unwatch()
        cause = shift.cause
        if cause in (ALARM, POLL_FAILURE):
            names = [
                n
                for n in shift.sides.alarms
                if shift._alarm_state(n) in ("ALARM", None) or cause == POLL_FAILURE
            ]
            run.triggered_alarms = names
            if not d.config.alarm_rollback:
                self._advance(run, Action.STOP, reason=f"Alarm(s) {', '.join(names)} triggered.")
                self._advance(run, Action.STOPPED)
                run.stopped_at = run.finished_at = self.now
                shift.record.status = "Stopped"
                return
            reason = f"Service deployment rolled back because alarm(s) {', '.join(names)} fired."
        elif cause == "hook":
            reason = "Service deployment rolled back because a lifecycle hook failed."
        elif cause == "stop":
            reason = "Service deployment rolled back by StopServiceDeployment (ROLLBACK)."
        else:
            reason = (
                "Service deployment rolled back because the service revision did not reach "
                "steady state."
            )
        self._advance(run, Action.ROLLBACK, reason=reason)
        shift.record.rolled_back = True
        shift.record.open_phase("Rollback", self.now)
        self._advance(run, Action.COMPLETE)  # ROLLBACK_PRODUCTION_TRAFFIC_SHIFT
        yield from shift.reroute_to_blue()
        shift.cause = None  # the rollback's own hooks run uninterrupted
        shift._interrupt = self.env.event()
        ok = yield from self._hooks(run, HookStage.PRODUCTION_TRAFFIC_SHIFT)
        if ok:
            self._advance(run, Action.COMPLETE)  # ROLLBACK_TEST_TRAFFIC_SHIFT
            ok = yield from self._hooks(run, HookStage.TEST_TRAFFIC_SHIFT)
        if not ok:
            self._advance(run, Action.FAIL, reason="A lifecycle hook failed during the rollback.")
            run.finished_at = self.now
            shift.record.close_phase("Rollback", self.now)
            shift.record.status = "Failed"
            return
        self._advance(run, Action.COMPLETE)  # ROLLBACK_CLEAN_UP
        yield from shift.remove("green")
        self._advance(run, Action.COMPLETE)  # ROLLBACK_SUCCESSFUL
        shift.record.close_phase("Rollback", self.now)
        shift.record.rollback_completed = run.finished_at = self.now
        shift.record.status = "Stopped"

    # ------------------------------------------------------------------ views
    def revision_summary(self, run: NativeRun, revision: str, green: bool) -> dict[str, Any]:
        shift = run.shift
        ts = shift.green if green else shift.sides.blue
        weight = shift.green_percent if green else 100.0 - shift.green_percent
        d = run.deployment
        test_on_green = d._test_on_green() and d.step not in (
            Step.ROLLBACK_TEST_TRAFFIC_SHIFT,
            Step.ROLLBACK_CLEAN_UP,
            Step.ROLLBACK_SUCCESSFUL,
        )
        live = ts is not None and ts in self.account.task_sets.task_sets(run.service)
        return {
            "arn": revision,
            "requestedTaskCount": ts.computed_desired if live and ts else 0,
            "runningTaskCount": ts.running if live and ts else 0,
            "pendingTaskCount": ts.pending if live and ts else 0,
            "requestedTestTrafficWeight": 100.0 if test_on_green == green else 0.0,
            "requestedProductionTrafficWeight": float(weight),
        }

    def brief(self, run: NativeRun, ts: Any) -> dict[str, Any]:
        d = run.deployment
        out: dict[str, Any] = {
            "serviceDeploymentArn": d.arn,
            "serviceArn": run.service.arn,
            "clusterArn": self.account.ecs.cluster(run.cluster).arn,
            "createdAt": ts(run.created_at),
            "targetServiceRevisionArn": d.target_revision_arn,
            "status": d.status.value,
        }
        if run.started_at is not None:
            out["startedAt"] = ts(run.started_at)
        if run.finished_at is not None:
            out["finishedAt"] = ts(run.finished_at)
        if d.status_reason:
            out["statusReason"] = d.status_reason
        return out

    def describe(self, run: NativeRun, ts: Any) -> dict[str, Any]:
        d = run.deployment
        out = self.brief(run, ts)
        out.pop("targetServiceRevisionArn")
        out["updatedAt"] = ts(run.updated_at)
        if run.stopped_at is not None:
            out["stoppedAt"] = ts(run.stopped_at)
        ns = self.services[run.service.arn]
        out["deploymentConfiguration"] = {
            "strategy": d.config.strategy.value,
            **{k: v for k, v in ns.raw.items() if k in STRATEGY_KEYS and k != "strategy"},
        }
        out["sourceServiceRevisions"] = (
            [self.revision_summary(run, d.source_revision_arn, False)]
            if d.source_revision_arn
            else []
        )
        out["targetServiceRevision"] = self.revision_summary(run, d.target_revision_arn, True)
        stage = next(
            (STEP_STAGE[t.step] for t in reversed(d.history) if t.step in STEP_STAGE), None
        )
        if stage is not None:  # a finished deployment keeps the stage it ended in
            out["lifecycleStage"] = stage.value
        if d.rollback is not None:
            out["rollback"] = {
                "reason": d.rollback.reason,
                "startedAt": ts(d.rollback.started_at),
                "serviceRevisionArn": d.rollback.service_revision_arn,
            }
        names = list(run.shift.sides.alarms)
        if d.config.alarm_names:
            status = "DISABLED"
            if d.config.alarms_enabled:
                status = (
                    "TRIGGERED"
                    if run.triggered_alarms
                    else ("MONITORING_COMPLETE" if d.final else "MONITORING")
                )
            out["alarms"] = {
                "status": status,
                "alarmNames": names or list(d.config.alarm_names),
                "triggeredAlarmNames": run.triggered_alarms,
            }
        return out


class RuleTrafficShift(TrafficShift):
    """The engine moving ALB listener *rules* (ECS's productionListenerRule and
    testListenerRule) instead of listeners' default actions; a listener's default rule
    ARN moves the listener itself."""

    def _forward(self, listener_arn: str, blue_w: int, green_w: int) -> None:
        elbv2 = self.elbv2
        blue = elbv2.target_group(self.sides.blue_target_group)
        green = elbv2.target_group(self.sides.green_target_group)
        listener, _ = elbv2.rule(listener_arn)
        action = ForwardAction([(blue, blue_w), (green, green_w)], listener.stickiness)
        elbv2.modify_rule(listener_arn, action=action)


def deployments(account: SimulatedAWS) -> EcsDeployments:
    """The account's book of ECS-native deployments (made on first use)."""
    book = getattr(account, "_ecs_deployments", None)
    if book is None:
        book = EcsDeployments(account)
        account._ecs_deployments = book  # type: ignore[attr-defined]
    return book


STATUSES = frozenset(s.value for s in ServiceDeploymentStatus)


# ---------------------------------------------------------------------- operations
def list_service_deployments(svc: Any, model: Any, p: dict[str, Any]) -> dict[str, Any]:
    """The service's deployments, newest first, filtered by status and createdAt."""
    cluster = svc.cluster(p.get("cluster"))
    service = ecs_services._service(svc, cluster, p["service"])
    book = deployments(svc.account)
    wanted = set(p.get("status") or ())
    bad = sorted(wanted - STATUSES)
    if bad:
        raise AWSError(INVALID_PARAMETER, f"status {bad[0]} is not a service deployment status.")
    created = p.get("createdAt") or {}
    before = created.get("before")
    after = created.get("after")
    rows = []
    for run in reversed(list(book.runs.values())):
        if run.service is not service:
            continue
        if wanted and run.deployment.status.value not in wanted:
            continue
        at = svc.account.timestamp(run.created_at)
        if (before is not None and at >= before) or (after is not None and at <= after):
            continue
        rows.append(book.brief(run, svc.account.timestamp))
    return page("serviceDeployments", rows, p, default=20)


def describe_service_deployments(svc: Any, model: Any, p: dict[str, Any]) -> dict[str, Any]:
    """Up to 20 deployments by ARN; unknown ARNs are failures with reason MISSING."""
    book = deployments(svc.account)
    arns = p["serviceDeploymentArns"]
    if not 1 <= len(arns) <= 20:
        raise AWSError(
            INVALID_PARAMETER,
            "serviceDeploymentArns must name 1 to 20 deployments (ecsim wording).",
        )
    found, failures = [], []
    for arn in arns:
        run = book.runs.get(arn)
        if run is None:
            failures.append(failure(arn, "MISSING"))
        else:
            found.append(book.describe(run, svc.account.timestamp))
    return {"serviceDeployments": found, "failures": failures}


def stop_service_deployment(svc: Any, model: Any, p: dict[str, Any]) -> dict[str, Any]:
    """stopType ROLLBACK (the default): traffic back to the source revision, in place."""
    arn = p["serviceDeploymentArn"]
    deployments(svc.account).stop(arn, p.get("stopType", "ROLLBACK"))
    return {"serviceDeploymentArn": arn}
