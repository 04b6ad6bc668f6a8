"""CodeDeploy applications and ECS blue/green deployment groups as validated data.

``group_from_api`` reads CreateDeploymentGroup / UpdateDeploymentGroup parameters for the
ECS compute platform and raises CodeDeploy's error for each rule broken (botocore checks
types and required members only: enum values, list sizes and cross-field rules are
checked here). ``Options`` for the deployment machine come from ``deployment_options``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from simulator.core.errors import AWSError
from simulator.deploy import codes
from simulator.deploy.codedeploy import LifecycleEvent, Options, RollbackEvent

NAME = re.compile(r"[A-Za-z0-9+=,.@_-]{1,100}")
ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+")
LISTENER_ARN = re.compile(r"arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:listener/.+")
MAX_ALARMS = 10
MAX_TERMINATION_WAIT_MINUTES = 2880
MAX_READY_WAIT_MINUTES = 2880
"""[param] deploymentReadyOption.waitTimeInMinutes upper bound (the model gives none;
ecsim uses the termination wait's 2880)."""

ECS_REFUSED = (
    "ec2TagFilters",
    "onPremisesInstanceTagFilters",
    "autoScalingGroups",
    "ec2TagSet",
    "onPremisesTagSet",
    "ec2DeploymentOptions",
    "outdatedInstancesStrategy",
    "terminationHookEnabled",
)
"""EC2/on-premises members an ECS deployment group cannot have."""


def check_name(value: Any, code: str, what: str) -> str:
    if not isinstance(value, str) or not NAME.fullmatch(value):
        raise AWSError(
            code,
            f"The {what} {value!r} is invalid: use 1-100 letters, digits and +=,.@_- "
            "(ecsim wording).",
        )
    return value


@dataclass
class Application:
    name: str
    application_id: str
    create_time: float
    compute_platform: str = "ECS"
    tags: list[dict[str, str]] = field(default_factory=list)


@dataclass
class DeploymentGroup:
    """One deployment group; ``spec`` holds its API members as validated (echoed back)."""

    application: str
    name: str
    group_id: str
    spec: dict[str, Any]
    tags: list[dict[str, str]] = field(default_factory=list)

    @property
    def config_name(self) -> str:
        return str(self.spec["deploymentConfigName"])

    @property
    def ecs_service(self) -> tuple[str, str]:
        s = self.spec["ecsServices"][0]
        return (s["clusterName"], s["serviceName"])


def _fail(code: str, message: str) -> AWSError:
    return AWSError(code, message)


def _style(p: Mapping[str, Any]) -> dict[str, str]:
    style = p.get("deploymentStyle")
    if not style:
        raise _fail(
            codes.INVALID_DEPLOYMENT_STYLE,
            "An ECS deployment group requires deploymentStyle BLUE_GREEN / WITH_TRAFFIC_CONTROL.",
        )
    if style.get("deploymentType") != "BLUE_GREEN" or style.get("deploymentOption") != (
        "WITH_TRAFFIC_CONTROL"
    ):
        raise _fail(
            codes.INVALID_DEPLOYMENT_STYLE,
            "Amazon ECS deployments support only deploymentType BLUE_GREEN with "
            f"deploymentOption WITH_TRAFFIC_CONTROL, got {dict(style)}.",
        )
    return dict(style)


def _services(p: Mapping[str, Any]) -> list[dict[str, str]]:
    services = p.get("ecsServices") or []
    if len(services) != 1:
        raise _fail(
            codes.INVALID_ECS_SERVICE,
            f"An ECS deployment group maps exactly one ECS service, got {len(services)}.",
        )
    s = services[0]
    if not s.get("clusterName") or not s.get("serviceName"):
        raise _fail(codes.INVALID_ECS_SERVICE, "ecsServices[0] needs clusterName and serviceName.")
    return [{"serviceName": s["serviceName"], "clusterName": s["clusterName"]}]


def _route(pair: Mapping[str, Any], key: str, required: bool) -> dict[str, list[str]] | None:
    route = pair.get(key)
    if route is None:
        if required:
            raise _fail(codes.INVALID_TARGET_GROUP_PAIR, f"A target group pair needs {key}.")
        return None
    arns = list(route.get("listenerArns") or [])
    if len(arns) != 1:
        raise _fail(
            codes.INVALID_TARGET_GROUP_PAIR,
            f"{key}.listenerArns must hold exactly one listener ARN, got {len(arns)}.",
        )
    if not LISTENER_ARN.fullmatch(arns[0]):
        raise _fail(codes.INVALID_LOAD_BALANCER_INFO, f"{arns[0]!r} is not a listener ARN.")
    return {"listenerArns": arns}


def _load_balancer(p: Mapping[str, Any]) -> dict[str, Any]:
    info = p.get("loadBalancerInfo")
    if not info:
        raise _fail(
            codes.INVALID_LOAD_BALANCER_INFO,
            "An ECS deployment group requires loadBalancerInfo.targetGroupPairInfoList.",
        )
    other = [k for k in ("elbInfoList", "targetGroupInfoList") if info.get(k)]
    if other:
        raise _fail(
            codes.INVALID_LOAD_BALANCER_INFO,
            f"An ECS deployment group takes targetGroupPairInfoList, not {other[0]}.",
        )
    pairs = info.get("targetGroupPairInfoList") or []
    if len(pairs) != 1:
        raise _fail(
            codes.INVALID_TARGET_GROUP_PAIR,
            f"targetGroupPairInfoList must hold exactly one pair, got {len(pairs)}.",
        )
    pair = pairs[0]
    names = [tg.get("name") for tg in pair.get("targetGroups") or []]
    if len(names) != 2 or not all(names) or names[0] == names[1]:
        raise _fail(
            codes.INVALID_TARGET_GROUP_PAIR,
            f"A target group pair needs two different target groups, got {names}.",
        )
    out: dict[str, Any] = {"targetGroups": [{"name": n} for n in names]}
    out["prodTrafficRoute"] = _route(pair, "prodTrafficRoute", True)
    test = _route(pair, "testTrafficRoute", False)
    if test is not None:
        if test == out["prodTrafficRoute"]:
            raise _fail(
                codes.INVALID_TARGET_GROUP_PAIR,
                "The test listener must differ from the production listener.",
            )
        out["testTrafficRoute"] = test
    return {"targetGroupPairInfoList": [out]}


def _minutes(value: Any, high: int, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
        raise _fail(
            codes.INVALID_BLUE_GREEN_CONFIG, f"{where} must be 0-{high} minutes, got {value!r}."
        )
    return value


def _blue_green(p: Mapping[str, Any]) -> dict[str, Any]:
    bg = p.get("blueGreenDeploymentConfiguration")
    if not bg:
        raise _fail(
            codes.INVALID_BLUE_GREEN_CONFIG,
            "An ECS deployment group requires blueGreenDeploymentConfiguration.",
        )
    if bg.get("greenFleetProvisioningOption"):
        raise _fail(
            codes.INVALID_BLUE_GREEN_CONFIG,
            "greenFleetProvisioningOption applies to EC2 blue/green, not ECS.",
        )
    term = dict(bg.get("terminateBlueInstancesOnDeploymentSuccess") or {})
    action = term.get("action", "TERMINATE")
    if action != "TERMINATE":
        raise _fail(
            codes.INVALID_BLUE_GREEN_CONFIG,
            f"terminateBlueInstancesOnDeploymentSuccess.action must be TERMINATE for ECS, got "
            f"{action!r} (KEEP_ALIVE is not allowed).",
        )
    wait = _minutes(
        term.get("terminationWaitTimeInMinutes", 0),
        MAX_TERMINATION_WAIT_MINUTES,
        "terminationWaitTimeInMinutes",
    )
    ready = dict(bg.get("deploymentReadyOption") or {})
    on_timeout = ready.get("actionOnTimeout", "CONTINUE_DEPLOYMENT")
    if on_timeout not in ("CONTINUE_DEPLOYMENT", "STOP_DEPLOYMENT"):
        raise _fail(
            codes.INVALID_BLUE_GREEN_CONFIG,
            f"deploymentReadyOption.actionOnTimeout must be CONTINUE_DEPLOYMENT or "
            f"STOP_DEPLOYMENT, got {on_timeout!r}.",
        )
    out_ready: dict[str, Any] = {"actionOnTimeout": on_timeout}
    if on_timeout == "STOP_DEPLOYMENT" or "waitTimeInMinutes" in ready:
        out_ready["waitTimeInMinutes"] = _minutes(
            ready.get("waitTimeInMinutes", 0), MAX_READY_WAIT_MINUTES, "waitTimeInMinutes"
        )
    return {
        "terminateBlueInstancesOnDeploymentSuccess": {
            "action": "TERMINATE",
            "terminationWaitTimeInMinutes": wait,
        },
        "deploymentReadyOption": out_ready,
    }


def _alarms(p: Mapping[str, Any]) -> dict[str, Any] | None:
    a = p.get("alarmConfiguration")
    if a is None:
        return None
    alarms = [{"name": x["name"]} for x in a.get("alarms") or []]
    if len(alarms) > MAX_ALARMS:
        raise _fail(
            codes.ALARMS_LIMIT_EXCEEDED,
            f"The maximum number of alarms for a deployment group is {MAX_ALARMS}, got "
            f"{len(alarms)}.",
        )
    names = [x["name"] for x in alarms]
    if len(set(names)) != len(names):
        raise _fail(codes.INVALID_ALARM_CONFIG, "The alarm configuration names an alarm twice.")
    enabled = bool(a.get("enabled", False))
    if enabled and not alarms:
        raise _fail(
            codes.INVALID_ALARM_CONFIG, "An enabled alarm configuration must name an alarm."
        )
    return {
        "enabled": enabled,
        "ignorePollAlarmFailure": bool(a.get("ignorePollAlarmFailure", False)),
        "alarms": alarms,
    }


def _rollback(p: Mapping[str, Any]) -> dict[str, Any] | None:
    r = p.get("autoRollbackConfiguration")
    if r is None:
        return None
    events = list(r.get("events") or [])
    valid = {e.value for e in RollbackEvent}
    bad = [e for e in events if e not in valid]
    if bad:
        raise _fail(
            codes.INVALID_AUTO_ROLLBACK_CONFIG,
            f"autoRollbackConfiguration.events: {bad[0]!r} is not one of "
            f"{', '.join(sorted(valid))}.",
        )
    return {"enabled": bool(r.get("enabled", False)), "events": events}


def group_spec_from_api(
    p: Mapping[str, Any], config_exists: Any, default_config: str
) -> dict[str, Any]:
    """The validated members of an ECS deployment group; ``config_exists(name)`` tells
    whether a deployment configuration of the ECS platform has that name."""
    refused = [k for k in ECS_REFUSED if p.get(k) not in (None, [], {})]
    if refused:
        raise _fail(
            codes.INVALID_INPUT,
            f"{refused[0]} does not apply to an ECS deployment group (ecsim wording).",
        )
    role = p.get("serviceRoleArn")
    if not role:
        raise _fail(codes.ROLE_REQUIRED, "Role ARN is required for the deployment group.")
    if not ROLE_ARN.fullmatch(role):
        raise _fail(codes.INVALID_ROLE, f"The service role ARN {role} is not valid.")
    config = p.get("deploymentConfigName") or default_config
    check_name(config, codes.INVALID_DEPLOYMENT_CONFIG_NAME, "deployment config name")
    if not config_exists(config):
        raise _fail(
            codes.DEPLOYMENT_CONFIG_DOES_NOT_EXIST,
            f"No ECS deployment configuration found for name: {config}",
        )
    spec: dict[str, Any] = {
        "serviceRoleArn": role,
        "deploymentConfigName": config,
        "deploymentStyle": _style(p),
        "ecsServices": _services(p),
        "loadBalancerInfo": _load_balancer(p),
        "blueGreenDeploymentConfiguration": _blue_green(p),
    }
    alarms, rollback = _alarms(p), _rollback(p)
    if alarms is not None:
        spec["alarmConfiguration"] = alarms
    if rollback is not None:
        spec["autoRollbackConfiguration"] = rollback
    if p.get("triggerConfigurations"):
        spec["triggerConfigurations"] = [dict(t) for t in p["triggerConfigurations"]]
    return spec


def deployment_options(group: DeploymentGroup, hooks: Mapping[LifecycleEvent, str]) -> Options:
    """The deployment machine's Options for a deployment of ``group``."""
    spec = group.spec
    bg = spec["blueGreenDeploymentConfiguration"]
    ready = bg["deploymentReadyOption"]
    pair = spec["loadBalancerInfo"]["targetGroupPairInfoList"][0]
    rollback = spec.get("autoRollbackConfiguration") or {}
    return Options(
        has_test_listener="testTrafficRoute" in pair,
        ready_wait_minutes=(
            ready.get("waitTimeInMinutes", 0)
            if ready["actionOnTimeout"] == "STOP_DEPLOYMENT"
            else None
        ),
        termination_wait_minutes=bg["terminateBlueInstancesOnDeploymentSuccess"][
            "terminationWaitTimeInMinutes"
        ],
        rollback_enabled=bool(rollback.get("enabled")),
        rollback_events=frozenset(RollbackEvent(e) for e in rollback.get("events", [])),
        hooks=dict(hooks),
    )
