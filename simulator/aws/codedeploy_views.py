"""GetDeployment / GetDeploymentTarget answers built from the pure deployment machine.

Ready for the timed driver: it passes a ``Deployment`` (simulator.deploy.codedeploy), its
group and the task sets it runs; the dicts match botocore's output shapes (tests check
them). The AppSpec ``content`` is never returned ("always null" [model]).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from simulator.deploy.codedeploy import Deployment, DeploymentStatus, EventStatus, LifecycleEvent
from simulator.deploy.groups import DeploymentGroup

Timestamp = Callable[[float], dt.datetime]
DIAGNOSTIC_CODES = {"HOOK_EXECUTION_FAILURE": "ScriptFailed", "TIMEOUT": "ScriptTimedOut"}
"""``lifecycleEvents[].diagnostics.errorCode`` of the failed event, by errorInformation
code (ecsim's mapping; others are UnknownError)."""


class TaskSetView(NamedTuple):
    """One task set as ``ecsTarget.taskSetsInfo`` shows it."""

    identifier: str
    desired: int
    pending: int
    running: int
    status: str  # PRIMARY | ACTIVE | DRAINING
    traffic_weight: float  # percent
    target_group: str
    label: str  # Blue | Green


def target_status(d: Deployment) -> str:
    """``ecsTarget.status``: Succeeded already in the termination wait [obs AWS staff,
    containers-roadmap#269]; a stopped deployment's target is Failed, or Skipped if the
    deployment never started (ecsim's choice)."""
    if d.status is DeploymentStatus.CREATED:
        return "Pending"
    if d.status is DeploymentStatus.READY:
        return "Ready"
    if d.status is DeploymentStatus.SUCCEEDED or d.termination_wait_started:
        return "Failed" if d.status is DeploymentStatus.FAILED else "Succeeded"
    if d.status is DeploymentStatus.FAILED:
        return "Failed"
    if d.status is DeploymentStatus.STOPPED:
        return "Skipped" if d.start_time is None else "Failed"
    return "InProgress"


def deployment_info(
    d: Deployment,
    group: DeploymentGroup,
    timestamp: Timestamp,
    *,
    sha256: str | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    spec = group.spec
    out: dict[str, Any] = {
        "applicationName": d.group[0],
        "deploymentGroupName": d.group[1],
        "deploymentConfigName": d.config_name,
        "deploymentId": d.deployment_id,
        "revision": {
            "revisionType": "AppSpecContent",
            "appSpecContent": {"sha256": sha256} if sha256 else {},
        },
        "status": d.status.value,
        "createTime": timestamp(d.create_time),
        "creator": d.creator,
        "deploymentOverview": {
            k: int(target_status(d) == k)
            for k in ("Pending", "InProgress", "Succeeded", "Failed", "Skipped", "Ready")
        },
        "deploymentStyle": spec["deploymentStyle"],
        "blueGreenDeploymentConfiguration": spec["blueGreenDeploymentConfiguration"],
        "loadBalancerInfo": spec["loadBalancerInfo"],
        "instanceTerminationWaitTimeStarted": d.termination_wait_started,
        "computePlatform": "ECS",
        "deploymentStatusMessages": [],
    }
    if "autoRollbackConfiguration" in spec:
        out["autoRollbackConfiguration"] = spec["autoRollbackConfiguration"]
    if description:
        out["description"] = description
    if d.start_time is not None:
        out["startTime"] = timestamp(d.start_time)
    if d.complete_time is not None:
        out["completeTime"] = timestamp(d.complete_time)
    if d.error is not None:
        out["errorInformation"] = {"code": d.error[0], "message": d.error[1]}
    if d.rollback_info is not None:
        info = d.rollback_info
        out["rollbackInfo"] = {
            k: v
            for k, v in (
                ("rollbackDeploymentId", info.rollback_deployment_id),
                ("rollbackTriggeringDeploymentId", info.rollback_triggering_deployment_id),
                ("rollbackMessage", info.message),
            )
            if v is not None
        }
    return out


def target_id(group: DeploymentGroup) -> str:
    """An ECS target's id is ``<cluster>:<service>`` [model ECSService doc]."""
    cluster, service = group.ecs_service
    return f"{cluster}:{service}"


def ecs_target(
    d: Deployment,
    group: DeploymentGroup,
    target_arn: str,
    task_sets: Sequence[TaskSetView],
    timestamp: Timestamp,
    last_updated: float,
) -> dict[str, Any]:
    events = []
    for e in LifecycleEvent:
        rec = d.events[e]
        item: dict[str, Any] = {"lifecycleEventName": e.value, "status": rec.status.value}
        if rec.start is not None:
            item["startTime"] = timestamp(rec.start)
        if rec.end is not None:
            item["endTime"] = timestamp(rec.end)
        if rec.status is EventStatus.FAILED and d.error is not None:
            item["diagnostics"] = {
                "errorCode": DIAGNOSTIC_CODES.get(d.error[0], "UnknownError"),
                "message": d.error[1],
            }
        events.append(item)
    return {
        "deploymentTargetType": "ECSTarget",
        "ecsTarget": {
            "deploymentId": d.deployment_id,
            "targetId": target_id(group),
            "targetArn": target_arn,
            "lastUpdatedAt": timestamp(last_updated),
            "lifecycleEvents": events,
            "status": target_status(d),
            "taskSetsInfo": [
                {
                    "identifer": ts.identifier,  # botocore's spelling
                    "desiredCount": ts.desired,
                    "pendingCount": ts.pending,
                    "runningCount": ts.running,
                    "status": ts.status,
                    "trafficWeight": float(ts.traffic_weight),
                    "targetGroup": {"name": ts.target_group},
                    "taskSetLabel": ts.label,
                }
                for ts in task_sets
            ],
        },
    }
