"""ECS operations of the account as a whole: tags on any resource by ARN, account settings,
RegisterContainerInstance (an instance joins by API, as its agent would) and
DeleteTaskDefinitions.

Account settings are kept and listed (per principal, with account defaults) but change
nothing in the simulation: ecsim always answers in the long ARN formats and models no
trunking, Container Insights or FIPS mode (docs/aws-ecs.md).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from botocore.model import OperationModel

from simulator.aws import errors
from simulator.aws.ecs import (
    CLIENT_EXCEPTION,
    INVALID_PARAMETER,
    _instance_view,
    page,
    task_definition_view,
)
from simulator.core.errors import AWSError

if TYPE_CHECKING:
    from simulator.aws.ecs import EcsService

RESOURCE_NOT_FOUND = "ResourceNotFoundException"
MAX_TAGS = 50
"""ECS tagging restrictions: 'Maximum number of tags per resource - 50'."""

SETTING_DEFAULTS: Mapping[str, str] = {
    "serviceLongArnFormat": "enabled",
    "taskLongArnFormat": "enabled",
    "containerInstanceLongArnFormat": "enabled",
    "awsvpcTrunking": "disabled",
    "containerInsights": "disabled",
    "fargateFIPSMode": "disabled",
    "tagResourceAuthorization": "on",
    "fargateTaskRetirementWaitPeriod": "7",
    "guardDutyActivate": "off",
    "defaultLogDriverMode": "blocking",
    "fargateEventWindows": "disabled",
}
"""Account setting defaults of a new account (ECS Developer Guide, 'Amazon ECS account
settings': long ARN formats are the default since 2021; the retirement wait period is 7
days; tag resource authorization is on)."""
SETTING_VALUES: Mapping[str, tuple[str, ...]] = {
    "serviceLongArnFormat": ("enabled", "disabled"),
    "taskLongArnFormat": ("enabled", "disabled"),
    "containerInstanceLongArnFormat": ("enabled", "disabled"),
    "awsvpcTrunking": ("enabled", "disabled"),
    "containerInsights": ("enabled", "disabled", "enhanced"),
    "fargateFIPSMode": ("enabled", "disabled"),
    "tagResourceAuthorization": ("on", "off"),
    "fargateTaskRetirementWaitPeriod": ("0", "7", "14"),
    "guardDutyActivate": ("on", "off"),
    "defaultLogDriverMode": ("blocking", "non-blocking"),
    "fargateEventWindows": ("enabled", "disabled"),
}


# ----------------------------------------------------------------------------- tags
def _tag_store(svc: EcsService, arn: str) -> tuple[dict[str, list[dict[str, str]]], str]:
    """The tag list map and key holding the tags of resource ``arn``."""
    if not arn.startswith("arn:aws:ecs:"):
        raise AWSError(INVALID_PARAMETER, f"The ARN {arn} is not a valid ECS resource ARN.")
    kind, _, path = arn.split(":", 5)[-1].partition("/")
    parts = path.split("/")
    ecs = svc.ecs
    try:
        if kind == "cluster":
            ecs.cluster(parts[0])
            return svc.cluster_tags, parts[0]
        if kind == "service" and len(parts) == 2:
            service = ecs.service(parts[0], parts[1])
            return svc.service_tags, service.arn
        if kind == "task" and len(parts) == 2:
            if parts[1] in ecs.cluster(parts[0]).tasks:
                return svc.task_tags, parts[1]
        elif kind == "task-definition":
            td = ecs.task_definitions.describe(arn)
            return svc.task_definition_tags, td.arn
        elif kind == "capacity-provider":
            if ecs.capacity is not None and parts[0] in ecs.capacity.providers:
                return svc.provider_tags, parts[0]
        elif kind == "container-instance" and len(parts) == 2:
            cluster = ecs.cluster(parts[0])
            if svc.container_instance(cluster, parts[1]) is not None:
                return svc.container_instance_tags, parts[1]
    except AWSError:
        pass
    raise AWSError(RESOURCE_NOT_FOUND, "The specified resource could not be found.")


def tag_resource(svc: EcsService, model: OperationModel, p: dict[str, Any]) -> dict[str, Any]:
    store, key = _tag_store(svc, p["resourceArn"])
    tags = {t["key"]: t.get("value", "") for t in store.get(key, [])}
    for t in p["tags"]:
        if t["key"].lower().startswith("aws:"):
            raise AWSError(INVALID_PARAMETER, "Tag keys with the aws: prefix are reserved.")
        tags[t["key"]] = t.get("value", "")
    if len(tags) > MAX_TAGS:
        raise AWSError(INVALID_PARAMETER, f"A resource can have at most {MAX_TAGS} tags.")
    store[key] = [{"key": k, "value": v} for k, v in tags.items()]
    return {}


def untag_resource(svc: EcsService, model: OperationModel, p: dict[str, Any]) -> dict[str, Any]:
    store, key = _tag_store(svc, p["resourceArn"])
    drop = set(p["tagKeys"])
    store[key] = [t for t in store.get(key, []) if t["key"] not in drop]
    return {}


def list_tags_for_resource(
    svc: EcsService, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    store, key = _tag_store(svc, p["resourceArn"])
    return {"tags": [dict(t) for t in store.get(key, [])]}


# ----------------------------------------------------------------------------- settings
def _check_setting(name: str, value: str) -> None:
    allowed = SETTING_VALUES.get(name)
    if allowed is None:
        raise AWSError(INVALID_PARAMETER, f"Invalid setting name {name}.")
    if value not in allowed:
        raise AWSError(
            INVALID_PARAMETER,
            f"Invalid value {value} for setting {name}: expected one of {', '.join(allowed)}.",
        )


def _root(svc: EcsService) -> str:
    return f"arn:aws:iam::{svc.account.account_id}:root"


def _setting(name: str, value: str, principal: str, kind: str = "user") -> dict[str, str]:
    return {"name": name, "value": value, "principalArn": principal, "type": kind}


def put_account_setting(
    svc: EcsService, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    _check_setting(p["name"], p["value"])
    principal = p.get("principalArn") or _root(svc)
    svc.account_settings[(principal, p["name"])] = p["value"]
    return {"setting": _setting(p["name"], p["value"], principal)}


def put_account_setting_default(
    svc: EcsService, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    _check_setting(p["name"], p["value"])
    svc.account_setting_defaults[p["name"]] = p["value"]
    return {"setting": _setting(p["name"], p["value"], _root(svc))}


def delete_account_setting(
    svc: EcsService, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    name = p["name"]
    _check_setting(name, SETTING_VALUES.get(name, ("",))[0])
    principal = p.get("principalArn") or _root(svc)
    value = svc.account_settings.pop((principal, name), None)
    if value is None:
        raise AWSError(INVALID_PARAMETER, f"No setting {name} for principal {principal}.")
    return {"setting": _setting(name, value, principal)}


def list_account_settings(
    svc: EcsService, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    """The principal's own settings; with effectiveSettings, the account defaults fill in
    every setting it has not set."""
    principal = p.get("principalArn") or _root(svc)
    defaults = {**SETTING_DEFAULTS, **svc.account_setting_defaults}
    rows = [
        _setting(name, value, who)
        for (who, name), value in svc.account_settings.items()
        if who == principal
    ]
    if p.get("effectiveSettings"):
        own = {r["name"] for r in rows}
        rows += [
            _setting(
                n, v, _root(svc), "aws_managed" if n not in svc.account_setting_defaults else "user"
            )
            for n, v in defaults.items()
            if n not in own
        ]
    if "name" in p:
        rows = [r for r in rows if r["name"] == p["name"]]
    if "value" in p:
        rows = [r for r in rows if r["value"] == p["value"]]
    rows.sort(key=lambda r: r["name"])
    return page("settings", rows, p, default=10)


# ----------------------------------------------------------------------------- instances
def register_container_instance(
    svc: EcsService, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    """The agent's call: the EC2 instance of the identity document joins the cluster now
    (it must be running)."""
    cluster = svc.cluster(p.get("cluster"))
    if p.get("totalResources"):
        raise errors.not_simulated(
            "RegisterContainerInstance totalResources (ecsim registers the instance type's "
            "resources)"
        )
    try:
        doc = json.loads(p.get("instanceIdentityDocument") or "")
        iid = doc["instanceId"]
    except (ValueError, KeyError, TypeError):
        raise AWSError(
            CLIENT_EXCEPTION,
            "instanceIdentityDocument must be the instance's identity document (JSON with "
            "instanceId).",
        ) from None
    inst = svc.account.fleet.instances.get(iid)
    if inst is None or inst.state.api_name != "running":
        raise AWSError(
            CLIENT_EXCEPTION, f"The EC2 instance {iid} does not exist or is not running."
        )
    ci = svc.ecs.register_now(iid, cluster.name)
    if ci is None:
        raise AWSError(CLIENT_EXCEPTION, f"The EC2 instance {iid} could not register.")
    if p.get("tags"):
        svc.container_instance_tags[ci.container_instance_id] = [dict(t) for t in p["tags"]]
    return {"containerInstance": _instance_view(svc, ci)}


# ----------------------------------------------------------------------------- task defs
def delete_task_definitions(
    svc: EcsService, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    """INACTIVE revisions go to DELETE_IN_PROGRESS; others are failures (API reference:
    'You can't delete an ACTIVE task definition')."""
    registry = svc.ecs.task_definitions
    done, failures = [], []
    for ref in p["taskDefinitions"]:
        try:
            done.append(task_definition_view(svc, registry.delete(ref)))
        except AWSError as e:
            failures.append({"arn": ref, "reason": e.message})
    return {"taskDefinitions": done, "failures": failures}
