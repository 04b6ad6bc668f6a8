"""The CodeDeploy API (ECS compute platform) answered from ``simulator.deploy``.

Applications, deployment groups and deployment configurations here; deployments
(CreateDeployment and the operations on them) in ``simulator.aws.codedeploy_deployments``,
run in simulated time by ``simulator.aws.codedeploy_run`` over the traffic-shift engine;
see docs/deploy.md. As for EC2 and ECS, each operation declares the params it simulates;
any other param is refused naming it.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from botocore.model import OperationModel

from simulator.aws import codedeploy_deployments as cd
from simulator.aws import errors
from simulator.aws.operations import Operation, find, op
from simulator.core.errors import AWSError
from simulator.deploy import codes
from simulator.deploy.configs import (
    CONFIG_LIMIT,
    DEFAULT_ECS_CONFIG,
    PREDEFINED,
    DeploymentConfig,
    custom_config,
)
from simulator.deploy.groups import Application, DeploymentGroup, check_name, group_spec_from_api

if TYPE_CHECKING:
    from simulator.aws.account import SimulatedAWS

PAGE_SIZE = 100
"""[param] Names per List* page (the API has no maxResults; AWS's page size is unstated)."""
BATCH_LIMIT = 100
"""BatchGetApplications / BatchGetDeploymentGroups take at most 100 names [model doc]."""


def _id(kind: str, *parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "codedeploy/" + kind + "/" + "/".join(parts)))


def _page(names: Sequence[str], token: str | None) -> tuple[list[str], str | None]:
    start = 0
    if token:
        try:
            prefix, _, number = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
            if prefix != "ecsim-codedeploy" or not number.isdigit():
                raise ValueError(token)
            start = int(number)
        except (ValueError, UnicodeDecodeError, binascii.Error):
            raise AWSError(
                codes.INVALID_NEXT_TOKEN, "The next token was specified in an invalid format."
            ) from None
    end = start + PAGE_SIZE
    nxt = base64.urlsafe_b64encode(f"ecsim-codedeploy:{end}".encode()).decode()
    return list(names[start:end]), nxt if end < len(names) else None


class CodeDeployService:
    """The CodeDeploy API of one simulated account and Region."""

    name = "codedeploy"

    def __init__(self, account: SimulatedAWS):
        self.account = account
        self.applications: dict[str, Application] = {}
        self.groups: dict[tuple[str, str], DeploymentGroup] = {}
        self.configs: dict[str, DeploymentConfig] = {}
        self.operations = OPERATIONS
        self._deployments: cd.Deployments | None = None

    @property
    def deployments(self) -> cd.Deployments:
        """The account's deployments (made on first use: the account is complete then)."""
        if self._deployments is None:
            self._deployments = cd.Deployments(self)
        return self._deployments

    def handle(self, model: OperationModel, params: Mapping[str, Any]) -> dict[str, Any]:
        what = f"the CodeDeploy operation {model.name}"
        operation = find(self.operations, model, params, what)
        return operation.handler(self, dict(params))

    # ------------------------------------------------------------------ lookups
    def application(self, name: str) -> Application:
        check_name(name, codes.INVALID_APPLICATION_NAME, "application name")
        app = self.applications.get(name)
        if app is None:
            raise AWSError(
                codes.APPLICATION_DOES_NOT_EXIST, f"No application found for name: {name}"
            )
        return app

    def group(self, application: str, name: str) -> DeploymentGroup:
        self.application(application)
        check_name(name, codes.INVALID_DEPLOYMENT_GROUP_NAME, "deployment group name")
        g = self.groups.get((application, name))
        if g is None:
            raise AWSError(
                codes.DEPLOYMENT_GROUP_DOES_NOT_EXIST,
                f"No Deployment Group found for name: {name}",
            )
        return g

    def config(self, name: str) -> DeploymentConfig | None:
        return PREDEFINED.get(name) or self.configs.get(name)

    def time(self, seconds: float) -> Any:
        return self.account.timestamp(seconds)

    # ------------------------------------------------------------------ views
    def application_view(self, app: Application) -> dict[str, Any]:
        return {
            "applicationId": app.application_id,
            "applicationName": app.name,
            "createTime": self.time(app.create_time),
            "linkedToGitHub": False,
            "computePlatform": app.compute_platform,
        }

    def group_view(self, g: DeploymentGroup) -> dict[str, Any]:
        return {
            "applicationName": g.application,
            "deploymentGroupId": g.group_id,
            "deploymentGroupName": g.name,
            "computePlatform": "ECS",
            **g.spec,
        }

    def config_view(self, c: DeploymentConfig) -> dict[str, Any]:
        return {
            "deploymentConfigId": c.config_id,
            "deploymentConfigName": c.name,
            "createTime": self.time(c.create_time),
            "computePlatform": c.compute_platform,
            "trafficRoutingConfig": c.routing.to_api(),
        }


def _ecs_only(platform: str | None, what: str) -> None:
    if platform != "ECS":
        raise errors.not_simulated(
            f"{what} of the {platform or 'Server'} compute platform (ecsim simulates CodeDeploy "
            "for ECS only: pass computePlatform='ECS')"
        )


# ----------------------------------------------------------------------------- applications
def create_application(svc: CodeDeployService, p: dict[str, Any]) -> dict[str, Any]:
    name = check_name(p["applicationName"], codes.INVALID_APPLICATION_NAME, "application name")
    _ecs_only(p.get("computePlatform"), "applications")
    if name in svc.applications:
        raise AWSError(
            codes.APPLICATION_ALREADY_EXISTS,
            f"The application {name} already exists with the IAM user or AWS account.",
        )
    app = Application(
        name,
        _id("application", name),
        svc.account.now,
        "ECS",
        [dict(t) for t in p.get("tags") or []],
    )
    svc.applications[name] = app
    return {"applicationId": app.application_id}


def get_application(svc: CodeDeployService, p: dict[str, Any]) -> dict[str, Any]:
    return {"application": svc.application_view(svc.application(p["applicationName"]))}


def batch_get_applications(svc: CodeDeployService, p: dict[str, Any]) -> dict[str, Any]:
    names = list(p["applicationNames"])
    if len(names) > BATCH_LIMIT:
        raise AWSError(codes.BATCH_LIMIT_EXCEEDED, f"The maximum number of names is {BATCH_LIMIT}.")
    return {"applicationsInfo": [svc.application_view(svc.application(n)) for n in names]}


def list_applications(svc: CodeDeployService, p: dict[str, Any]) -> dict[str, Any]:
    names, token = _page(sorted(svc.applications), p.get("nextToken"))
    out: dict[str, Any] = {"applications": names}
    if token:
        out["nextToken"] = token
    return out


def delete_application(svc: CodeDeployService, p: dict[str, Any]) -> dict[str, Any]:
    """Deleting an application deletes its deployment groups; an unknown name succeeds
    (the model lists no ApplicationDoesNotExistException for DeleteApplication)."""
    name = check_name(p["applicationName"], codes.INVALID_APPLICATION_NAME, "application name")
    svc.applications.pop(name, None)
    for key in [k for k in svc.groups if k[0] == name]:
        del svc.groups[key]
    return {}


# ----------------------------------------------------------------------------- groups
def _mapped_elsewhere(
    svc: CodeDeployService, service: tuple[str, str], key: tuple[str, str]
) -> None:
    for other_key, other in svc.groups.items():
        if other_key != key and other.ecs_service == service:
            raise AWSError(
                codes.ECS_SERVICE_MAPPING_LIMIT_EXCEEDED,
                f"The ECS service {service[0]}:{service[1]} is already associated with the "
                f"deployment group {other.application}/{other.name}.",
            )


def create_deployment_group(svc: CodeDeployService, p: dict[str, Any]) -> dict[str, Any]:
    app = svc.application(p["applicationName"])
    name = check_name(
        p["deploymentGroupName"], codes.INVALID_DEPLOYMENT_GROUP_NAME, "deployment group name"
    )
    key = (app.name, name)
    if key in svc.groups:
        raise AWSError(
            codes.DEPLOYMENT_GROUP_ALREADY_EXISTS,
            f"The deployment group {name} already exists with the application {app.name}.",
        )
    spec = group_spec_from_api(p, lambda n: svc.config(n) is not None, DEFAULT_ECS_CONFIG)
    g = DeploymentGroup(
        app.name, name, _id("group", app.name, name), spec, [dict(t) for t in p.get("tags") or []]
    )
    _mapped_elsewhere(svc, g.ecs_service, key)
    svc.groups[key] = g
    return {"deploymentGroupId": g.group_id}


def get_deployment_group(svc: CodeDeployService, p: dict[str, Any]) -> dict[str, Any]:
    g = svc.group(p["applicationName"], p["deploymentGroupName"])
    return {"deploymentGroupInfo": svc.group_view(g)}


def batch_get_deployment_groups(svc: CodeDeployService, p: dict[str, Any]) -> dict[str, Any]:
    app = svc.application(p["applicationName"])
    names = list(p["deploymentGroupNames"])
    if len(names) > BATCH_LIMIT:
        raise AWSError(codes.BATCH_LIMIT_EXCEEDED, f"The maximum number of names is {BATCH_LIMIT}.")
    found, missing = [], []
    for n in names:
        g = svc.groups.get((app.name, n))
        if g is None:
            missing.append(n)
        else:
            found.append(svc.group_view(g))
    out: dict[str, Any] = {"deploymentGroupsInfo": found}
    if missing:
        out["errorMessage"] = "Deployment groups not found: " + ", ".join(missing)
    return out


def list_deployment_groups(svc: CodeDeployService, p: dict[str, Any]) -> dict[str, Any]:
    app = svc.application(p["applicationName"])
    names = sorted(n for a, n in svc.groups if a == app.name)
    page, token = _page(names, p.get("nextToken"))
    out: dict[str, Any] = {"applicationName": app.name, "deploymentGroups": page}
    if token:
        out["nextToken"] = token
    return out


def update_deployment_group(svc: CodeDeployService, p: dict[str, Any]) -> dict[str, Any]:
    """Members given replace the group's; the rest keep their values; the result is
    validated as a whole, and nothing changes if it is refused."""
    g = svc.group(p["applicationName"], p["currentDeploymentGroupName"])
    new_name = p.get("newDeploymentGroupName") or g.name
    check_name(new_name, codes.INVALID_DEPLOYMENT_GROUP_NAME, "deployment group name")
    new_key = (g.application, new_name)
    if new_name != g.name and new_key in svc.groups:
        raise AWSError(
            codes.DEPLOYMENT_GROUP_ALREADY_EXISTS,
            f"The deployment group {new_name} already exists with the application {g.application}.",
        )
    merged = {**g.spec, **{k: v for k, v in p.items() if k in UPDATABLE}}
    spec = group_spec_from_api(merged, lambda n: svc.config(n) is not None, DEFAULT_ECS_CONFIG)
    updated = DeploymentGroup(g.application, new_name, g.group_id, spec, g.tags)
    _mapped_elsewhere(svc, updated.ecs_service, (g.application, g.name))
    del svc.groups[(g.application, g.name)]
    svc.groups[new_key] = updated
    return {"hooksNotCleanedUp": []}


def delete_deployment_group(svc: CodeDeployService, p: dict[str, Any]) -> dict[str, Any]:
    """An unknown group succeeds (no DeploymentGroupDoesNotExistException in the model)."""
    check_name(p["applicationName"], codes.INVALID_APPLICATION_NAME, "application name")
    name = check_name(
        p["deploymentGroupName"], codes.INVALID_DEPLOYMENT_GROUP_NAME, "deployment group name"
    )
    svc.groups.pop((p["applicationName"], name), None)
    return {"hooksNotCleanedUp": []}


# ----------------------------------------------------------------------------- configs
def create_deployment_config(svc: CodeDeployService, p: dict[str, Any]) -> dict[str, Any]:
    name = p["deploymentConfigName"]
    check_name(name, codes.INVALID_DEPLOYMENT_CONFIG_NAME, "deployment config name")
    _ecs_only(p.get("computePlatform"), "deployment configurations")
    if p.get("minimumHealthyHosts"):
        raise AWSError(
            codes.INVALID_MINIMUM_HEALTHY_HOSTS,
            "minimumHealthyHosts applies to the Server compute platform, not ECS.",
        )
    if p.get("zonalConfig"):
        raise AWSError(
            codes.INVALID_ZONAL_CONFIG, "zonalConfig applies to the Server compute platform only."
        )
    if "trafficRoutingConfig" not in p:
        raise AWSError(
            codes.INVALID_TRAFFIC_ROUTING,
            "An ECS deployment configuration requires trafficRoutingConfig.",
        )
    if svc.config(name) is not None:
        raise AWSError(
            codes.DEPLOYMENT_CONFIG_ALREADY_EXISTS,
            f"A deployment configuration with the name {name} already exists.",
        )
    if len(svc.configs) >= CONFIG_LIMIT:
        raise AWSError(
            codes.DEPLOYMENT_CONFIG_LIMIT_EXCEEDED,
            f"The account already has {CONFIG_LIMIT} custom deployment configurations.",
        )
    c = custom_config(name, p["trafficRoutingConfig"], at=svc.account.now)
    svc.configs[name] = c
    return {"deploymentConfigId": c.config_id}


def get_deployment_config(svc: CodeDeployService, p: dict[str, Any]) -> dict[str, Any]:
    name = p["deploymentConfigName"]
    check_name(name, codes.INVALID_DEPLOYMENT_CONFIG_NAME, "deployment config name")
    c = svc.config(name)
    if c is None:
        raise AWSError(
            codes.DEPLOYMENT_CONFIG_DOES_NOT_EXIST,
            f"No ECS deployment configuration found for name: {name}",
        )
    return {"deploymentConfigInfo": svc.config_view(c)}


def list_deployment_configs(svc: CodeDeployService, p: dict[str, Any]) -> dict[str, Any]:
    names, token = _page([*sorted(PREDEFINED), *sorted(svc.configs)], p.get("nextToken"))
    out: dict[str, Any] = {"deploymentConfigsList": names}
    if token:
        out["nextToken"] = token
    return out


def delete_deployment_config(svc: CodeDeployService, p: dict[str, Any]) -> dict[str, Any]:
    name = p["deploymentConfigName"]
    check_name(name, codes.INVALID_DEPLOYMENT_CONFIG_NAME, "deployment config name")
    if name in PREDEFINED:
        raise AWSError(
            codes.INVALID_OPERATION, f"Predefined configurations cannot be deleted: {name}."
        )
    users = sorted(
        f"{g.application}/{g.name}" for g in svc.groups.values() if g.config_name == name
    )
    if users:
        raise AWSError(
            codes.DEPLOYMENT_CONFIG_IN_USE,
            f"The deployment configuration {name} is in use by {', '.join(users)}.",
        )
    svc.configs.pop(name, None)
    return {}


GROUP_PARAMS = (
    "deploymentConfigName",
    "serviceRoleArn",
    "deploymentStyle",
    "blueGreenDeploymentConfiguration",
    "loadBalancerInfo",
    "ecsServices",
    "alarmConfiguration",
    "autoRollbackConfiguration",
    "triggerConfigurations",
    "ec2TagFilters",
    "onPremisesInstanceTagFilters",
    "autoScalingGroups",
    "ec2TagSet",
    "onPremisesTagSet",
    "ec2DeploymentOptions",
    "outdatedInstancesStrategy",
    "terminationHookEnabled",
)
UPDATABLE = frozenset(GROUP_PARAMS)

OPERATIONS: Mapping[str, Operation] = {
    "CreateApplication": op(create_application, ["applicationName", "computePlatform", "tags"]),
    "GetApplication": op(get_application, ["applicationName"]),
    "BatchGetApplications": op(batch_get_applications, ["applicationNames"]),
    "ListApplications": op(list_applications, ["nextToken"]),
    "DeleteApplication": op(delete_application, ["applicationName"]),
    "CreateDeploymentGroup": op(
        create_deployment_group, ["applicationName", "deploymentGroupName", *GROUP_PARAMS, "tags"]
    ),
    "GetDeploymentGroup": op(get_deployment_group, ["applicationName", "deploymentGroupName"]),
    "BatchGetDeploymentGroups": op(
        batch_get_deployment_groups, ["applicationName", "deploymentGroupNames"]
    ),
    "ListDeploymentGroups": op(list_deployment_groups, ["applicationName", "nextToken"]),
    "UpdateDeploymentGroup": op(
        update_deployment_group,
        ["applicationName", "currentDeploymentGroupName", "newDeploymentGroupName", *GROUP_PARAMS],
    ),
    "DeleteDeploymentGroup": op(
        delete_deployment_group, ["applicationName", "deploymentGroupName"]
    ),
    "CreateDeploymentConfig": op(
        create_deployment_config,
        [
            "deploymentConfigName",
            "computePlatform",
            "trafficRoutingConfig",
            "minimumHealthyHosts",
            "zonalConfig",
        ],
    ),
    "GetDeploymentConfig": op(get_deployment_config, ["deploymentConfigName"]),
    "ListDeploymentConfigs": op(list_deployment_configs, ["nextToken"]),
    "DeleteDeploymentConfig": op(delete_deployment_config, ["deploymentConfigName"]),
}
"""Every CodeDeploy operation ecsim simulates."""

OPERATIONS = {
    **OPERATIONS,
    "CreateDeployment": op(
        cd.create_deployment,
        [
            "applicationName",
            "deploymentGroupName",
            "revision",
            "deploymentConfigName",
            "description",
            "autoRollbackConfiguration",
            "overrideAlarmConfiguration",
            "targetInstances",
            "ec2DeploymentOptions",
            "fileExistsBehavior",
        ],
        inert=["ignoreApplicationStopFailures", "updateOutdatedInstancesOnly"],
    ),
    "GetDeployment": op(cd.get_deployment, ["deploymentId"]),
    "BatchGetDeployments": op(cd.batch_get_deployments, ["deploymentIds"]),
    "ListDeployments": op(
        cd.list_deployments,
        [
            "applicationName",
            "deploymentGroupName",
            "includeOnlyStatuses",
            "createTimeRange",
            "nextToken",
        ],
    ),
    "ListDeploymentTargets": op(
        cd.list_deployment_targets, ["deploymentId", "nextToken", "targetFilters"]
    ),
    "GetDeploymentTarget": op(cd.get_deployment_target, ["deploymentId", "targetId"]),
    "BatchGetDeploymentTargets": op(cd.batch_get_deployment_targets, ["deploymentId", "targetIds"]),
    "ContinueDeployment": op(cd.continue_deployment, ["deploymentId", "deploymentWaitType"]),
    "StopDeployment": op(cd.stop_deployment, ["deploymentId", "autoRollbackEnabled"]),
    "PutLifecycleEventHookExecutionStatus": op(
        cd.put_lifecycle_event_hook_execution_status,
        ["deploymentId", "lifecycleEventHookExecutionId", "status"],
    ),
}
"""Every CodeDeploy operation ecsim simulates, deployments included."""
