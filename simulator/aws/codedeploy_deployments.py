"""CodeDeploy's deployment operations (ECS), run in simulated time by
``simulator.aws.codedeploy_run``: CreateDeployment, GetDeployment, BatchGetDeployments,
ListDeployments, ListDeploymentTargets, GetDeploymentTarget, BatchGetDeploymentTargets,
ContinueDeployment, StopDeployment, PutLifecycleEventHookExecutionStatus.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from simulator.aws import errors
from simulator.aws.codedeploy_run import DeploymentRunner, Run
from simulator.aws.codedeploy_views import deployment_info, ecs_target, target_id
from simulator.core.errors import AWSError
from simulator.deploy import codes
from simulator.deploy.appspec import parse_appspec
from simulator.deploy.codedeploy import (
    Action,
    DeploymentBook,
    DeploymentStatus,
    RollbackEvent,
)
from simulator.deploy.groups import MAX_ALARMS, deployment_options
from simulator.ecs.traffic_shift import ShiftSettings

if TYPE_CHECKING:
    from simulator.aws.codedeploy import CodeDeployService

DEPLOYMENT_ID = re.compile(r"d-[A-Z0-9]{9}")
MAX_DESCRIPTION = 256
"""CreateDeployment ``description``: DescriptionTooLongException past this (ecsim's bound:
the model gives no length)."""
BATCH_LIMIT = 25
"""BatchGetDeployments / BatchGetDeploymentTargets: at most 25 ids [model doc]."""
PAGE_SIZE = 100
WAIT_TYPES = ("READY_WAIT", "TERMINATION_WAIT")


class Deployments:
    """The account's deployments: the book (one active per group), the runner."""

    def __init__(self, svc: CodeDeployService, settings: ShiftSettings | None = None):
        self.svc = svc
        account = svc.account
        self.book = DeploymentBook(account.world.rng("codedeploy.deployment_id"))
        self.runner = DeploymentRunner(account, self.book, settings or ShiftSettings())

    def run(self, deployment_id: Any) -> Run:
        if not deployment_id:
            raise AWSError("DeploymentIdRequiredException", "A deployment ID must be specified.")
        if not isinstance(deployment_id, str) or not DEPLOYMENT_ID.fullmatch(deployment_id):
            raise AWSError(
                "InvalidDeploymentIdException",
                f"The deployment ID {deployment_id} is not in the form d-XXXXXXXXX.",
            )
        run = self.runner.runs.get(deployment_id)
        if run is None:
            raise AWSError(
                codes.DEPLOYMENT_DOES_NOT_EXIST,
                f"The deployment {deployment_id} could not be found.",
            )
        return run

    def info(self, run: Run) -> dict[str, Any]:
        out = deployment_info(
            run.deployment,
            run.group,
            self.svc.time,
            sha256=run.sha256,
            description=run.description,
        )
        return out


def _deployments(svc: CodeDeployService) -> Deployments:
    return svc.deployments


# ----------------------------------------------------------------------------- create
def create_deployment(svc: CodeDeployService, p: dict[str, Any]) -> dict[str, Any]:
    """A deployment of the group's ECS service from an AppSpec (YAML or JSON content);
    it starts at once and runs in simulated time."""
    ds = _deployments(svc)
    group = svc.group(p["applicationName"], p["deploymentGroupName"])
    for member in ("targetInstances", "ec2DeploymentOptions", "fileExistsBehavior"):
        if p.get(member):
            raise AWSError(
                codes.INVALID_INPUT, f"{member} applies to the Server compute platform, not ECS."
            )
    revision = p.get("revision")
    if not revision:
        raise AWSError("RevisionRequiredException", "A revision must be specified.")
    if revision.get("revisionType") != "AppSpecContent":
        raise errors.not_simulated(
            f"revisionType {revision.get('revisionType')} (ecsim reads AppSpecContent only)"
        )
    content = (revision.get("appSpecContent") or {}).get("content")
    if not content:
        raise AWSError(codes.INVALID_REVISION, "The AppSpec content is empty.")
    sha256 = (revision.get("appSpecContent") or {}).get("sha256")
    description = p.get("description")
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise AWSError(
            "DescriptionTooLongException",
            f"The description is longer than {MAX_DESCRIPTION} characters (ecsim wording).",
        )
    ecs = svc.account.ecs

    def container_exists(task_definition: str, name: str) -> bool:
        td = ecs.task_definitions.describe(task_definition)
        return any(c.name == name for c in td.spec.container_definitions)

    try:
        spec = parse_appspec(content, sha256, container_exists=container_exists)
    except AWSError as e:
        if e.code != "ClientException":
            raise
        raise AWSError(codes.INVALID_REVISION, f"The AppSpec names {e.message}") from None
    config_name = p.get("deploymentConfigName") or group.config_name
    config = svc.config(config_name)
    if config is None:
        raise AWSError(
            codes.DEPLOYMENT_CONFIG_DOES_NOT_EXIST,
            f"No ECS deployment configuration found for name: {config_name}",
        )
    options = deployment_options(group, spec.hooks)
    rollback = p.get("autoRollbackConfiguration")
    if rollback is not None:
        try:
            events = frozenset(RollbackEvent(e) for e in rollback.get("events", []))
        except ValueError:
            raise AWSError(
                codes.INVALID_AUTO_ROLLBACK_CONFIG,
                f"autoRollbackConfiguration.events must be of {[e.value for e in RollbackEvent]}",
            ) from None
        options = replace(
            options, rollback_enabled=bool(rollback.get("enabled")), rollback_events=events
        )
    alarms = _alarms(group.spec.get("alarmConfiguration"), p.get("overrideAlarmConfiguration"))
    d = ds.book.create(
        (group.application, group.name), config.name, at=svc.account.now, options=options
    )
    try:
        ds.runner.start(
            d,
            group,
            spec,
            config.timeline(),
            alarms=alarms,
            sha256=sha256,
            description=description,
        )
    except AWSError:
        del ds.book.deployments[d.deployment_id]
        raise
    return {"deploymentId": d.deployment_id}


def _alarms(group: dict[str, Any] | None, override: dict[str, Any] | None) -> tuple[str, ...]:
    config = override if override is not None else group
    if not config or not config.get("enabled"):
        return ()
    names = [a["name"] for a in config.get("alarms") or []]
    if len(names) > MAX_ALARMS:
        raise AWSError(
            codes.ALARMS_LIMIT_EXCEEDED, f"The maximum number of alarms is {MAX_ALARMS}."
        )
    return tuple(names)


# ----------------------------------------------------------------------------- read
def get_deployment(svc: CodeDeployService, p: dict[str, Any]) -> dict[str, Any]:
    ds = _deployments(svc)
    return {"deploymentInfo": ds.info(ds.run(p.get("deploymentId")))}


def batch_get_deployments(svc: CodeDeployService, p: dict[str, Any]) -> dict[str, Any]:
    ds = _deployments(svc)
    ids = list(p.get("deploymentIds") or [])
    if not ids:
        raise AWSError("DeploymentIdRequiredException", "A deployment ID must be specified.")
    if len(ids) > BATCH_LIMIT:
        raise AWSError(codes.BATCH_LIMIT_EXCEEDED, f"The maximum number of IDs is {BATCH_LIMIT}.")
    out = []
    for i in ids:
        try:
            out.append(ds.info(ds.run(i)))
        except AWSError as e:
            if e.code != codes.DEPLOYMENT_DOES_NOT_EXIST:
                raise
    return {"deploymentsInfo": out}


def list_deployments(svc: CodeDeployService, p: dict[str, Any]) -> dict[str, Any]:
    """Newest first (ecsim's order), filtered by group, status and create time."""
    ds = _deployments(svc)
    app, group_name = p.get("applicationName"), p.get("deploymentGroupName")
    if group_name and not app:
        raise AWSError(
            codes.APPLICATION_NAME_REQUIRED,
            "The application name must be specified with a deployment group name.",
        )
    if app and not group_name:
        raise AWSError(
            codes.DEPLOYMENT_GROUP_NAME_REQUIRED,
            "The deployment group name must be specified with an application name.",
        )
    if app:
        svc.group(app, str(group_name))
    statuses = p.get("includeOnlyStatuses") or []
    valid = [s.value for s in DeploymentStatus]
    bad = [s for s in statuses if s not in valid]
    if bad:
        raise AWSError(
            codes.INVALID_DEPLOYMENT_STATUS,
            f"The deployment status {bad[0]} is not one of {valid}.",
        )
    window = p.get("createTimeRange") or {}
    start, end = window.get("start"), window.get("end")
    if start is not None and end is not None and start > end:
        raise AWSError("InvalidTimeRangeException", "The time range start is after its end.")
    rows = []
    for did in reversed(ds.runner.order):
        run = ds.runner.runs[did]
        d = run.deployment
        if app and d.group != (app, group_name):
            continue
        if statuses and d.status.value not in statuses:
            continue
        created = svc.time(d.create_time)
        if (start is not None and created < start) or (end is not None and created > end):
            continue
        rows.append(did)
    page, token = _page(rows, p.get("nextToken"))
    out: dict[str, Any] = {"deployments": page}
    if token:
        out["nextToken"] = token
    return out


def _page(rows: list[str], token: str | None) -> tuple[list[str], str | None]:
    start = 0
    if token:
        if not token.isdigit() or int(token) > len(rows):
            raise AWSError(codes.INVALID_NEXT_TOKEN, "The next token is not valid.")
        start = int(token)
    end = start + PAGE_SIZE
    return rows[start:end], (str(end) if end < len(rows) else None)


# ----------------------------------------------------------------------------- targets
def _target(ds: Deployments, run: Run) -> dict[str, Any]:
    account = ds.svc.account
    cluster, service = run.group.ecs_service
    arn = f"arn:aws:ecs:{account.region}:{account.account_id}:service/{cluster}/{service}"
    return ecs_target(
        run.deployment,
        run.group,
        arn,
        ds.runner.task_set_views(run),
        ds.svc.time,
        run.last_updated,
    )


def _started(run: Run) -> None:
    """A deployment that has not started has no targets yet (stopped while Created
    included)."""
    if run.deployment.start_time is None:
        raise AWSError(
            "DeploymentNotStartedException",
            f"The deployment {run.deployment.deployment_id} has not started.",
        )


def list_deployment_targets(svc: CodeDeployService, p: dict[str, Any]) -> dict[str, Any]:
    ds = _deployments(svc)
    run = ds.run(p.get("deploymentId"))
    _started(run)
    if p.get("targetFilters"):
        for name in p["targetFilters"]:
            if name not in ("TargetStatus", "ServerInstanceLabel"):
                raise AWSError("InvalidTargetFilterNameException", f"Unknown filter {name}.")
    ids = [target_id(run.group)]
    wanted = (p.get("targetFilters") or {}).get("TargetStatus")
    if wanted:
        status = _target(ds, run)["ecsTarget"]["status"]
        ids = [i for i in ids if status in wanted]
    return {"targetIds": ids}


def _one_target(ds: Deployments, run: Run, ref: Any) -> dict[str, Any]:
    _started(run)
    if not ref:
        raise AWSError(
            "DeploymentTargetIdRequiredException", "A deployment target ID must be specified."
        )
    if ref != target_id(run.group):
        raise AWSError(
            "DeploymentTargetDoesNotExistException",
            f"The deployment target {ref} does not exist in deployment "
            f"{run.deployment.deployment_id}.",
        )
    return _target(ds, run)


def get_deployment_target(svc: CodeDeployService, p: dict[str, Any]) -> dict[str, Any]:
    ds = _deployments(svc)
    run = ds.run(p.get("deploymentId"))
    return {"deploymentTarget": _one_target(ds, run, p.get("targetId"))}


def batch_get_deployment_targets(svc: CodeDeployService, p: dict[str, Any]) -> dict[str, Any]:
    ds = _deployments(svc)
    run = ds.run(p.get("deploymentId"))
    ids = list(p.get("targetIds") or [])
    if not ids:
        raise AWSError(
            "DeploymentTargetIdRequiredException", "A deployment target ID must be specified."
        )
    if len(ids) > BATCH_LIMIT:
        raise AWSError(
            "DeploymentTargetListSizeExceededException",
            f"The maximum number of target IDs is {BATCH_LIMIT}.",
        )
    return {"deploymentTargets": [_one_target(ds, run, i) for i in ids]}


# ----------------------------------------------------------------------------- control
def continue_deployment(svc: CodeDeployService, p: dict[str, Any]) -> dict[str, Any]:
    """READY_WAIT: reroute now (the deployment must be Ready); TERMINATION_WAIT: end the
    termination wait now (the default wait type is READY_WAIT [model])."""
    ds = _deployments(svc)
    run = ds.run(p.get("deploymentId"))
    d = run.deployment
    wait_type = p.get("deploymentWaitType") or "READY_WAIT"
    if wait_type not in WAIT_TYPES:
        raise AWSError(
            codes.INVALID_DEPLOYMENT_WAIT_TYPE,
            f"The wait type {wait_type} is not one of {list(WAIT_TYPES)}.",
        )
    if wait_type == "READY_WAIT":
        d.check(Action.CONTINUE_READY)
        ds.runner.continue_ready(run)
    else:
        d.check(Action.CONTINUE_TERMINATION)
        ds.runner.continue_termination(run)
    return {}


def stop_deployment(svc: CodeDeployService, p: dict[str, Any]) -> dict[str, Any]:
    """Stops the deployment now; with autoRollbackEnabled (or the group's
    DEPLOYMENT_STOP_ON_REQUEST) it rolls back. Returns Pending: the stop completes in the
    deployment's own process."""
    ds = _deployments(svc)
    run = ds.run(p.get("deploymentId"))
    d = run.deployment
    if d.final:
        raise AWSError(
            codes.DEPLOYMENT_ALREADY_COMPLETED,
            f"The deployment {d.deployment_id} has already completed.",
        )
    if d.is_rollback:
        raise AWSError(
            "UnsupportedActionForDeploymentTypeException",
            "A rollback deployment cannot be stopped (ecsim wording).",
        )
    ds.runner.stop(run, p.get("autoRollbackEnabled"))
    return {"status": "Pending", "statusMessage": "Stopping deployment."}


def put_lifecycle_event_hook_execution_status(
    svc: CodeDeployService, p: dict[str, Any]
) -> dict[str, Any]:
    ds = _deployments(svc)
    run = ds.run(p.get("deploymentId"))
    execution_id = p.get("lifecycleEventHookExecutionId") or ""
    run.deployment.put_hook_status(execution_id, p.get("status") or "", svc.account.now)
    ds.runner.hook_answered(run)
    return {"lifecycleEventHookExecutionId": execution_id}
