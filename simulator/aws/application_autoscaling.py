"""The Application Auto Scaling API for ECS services, answered by ``ServiceAutoScaling``.

``client("application-autoscaling")``: scalable targets (ServiceNamespace ``ecs``,
ScalableDimension ``ecs:service:DesiredCount``, ResourceId ``service/<cluster>/<service>``)
and their target tracking policies with predefined metrics. A policy puts its two CloudWatch
alarms into the account's alarms (``client("cloudwatch").describe_alarms()`` lists them),
the account's evaluator runs them on the simulated clock, and their actions scale the
service (``simulator.ecs.autoscaling``); the account's traffic publisher puts the AWS/ECS
metrics they read. StepScaling, predictive scaling, customized metrics and the other
namespaces are refused naming what is not simulated. See docs/autoscaling.md.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.model import OperationModel

from simulator.aws.operations import Operation, find, op
from simulator.core.errors import AWSError
from simulator.ecs.autoscaling import (
    PredefinedMetric,
    ScalingActivity,
    ServiceAutoScaling,
    TargetTrackingPolicy,
)

if TYPE_CHECKING:
    from simulator.aws.account import SimulatedAWS

VALIDATION = "ValidationException"
NOT_FOUND = "ObjectNotFoundException"
INVALID_TOKEN = "InvalidNextTokenException"
NAMESPACE = "ecs"
DIMENSION = "ecs:service:DesiredCount"
TARGET_TRACKING = "TargetTrackingScaling"
MAX_RESULTS = 50
"""DescribeScalable*/DescribeScalingPolicies/Activities page size: the API's maximum."""
ROLE = (
    "arn:aws:iam::{account}:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/"
    "AWSServiceRoleForApplicationAutoScaling_ECSService"
)
"""The service-linked role RegisterScalableTarget uses when RoleARN is left out."""


def _validation(message: str) -> AWSError:
    return AWSError(VALIDATION, message)


@dataclass
class ScalableTarget:
    """One registered ECS service, its scaler and what DescribeScalableTargets shows."""

    resource_id: str
    arn: str
    role_arn: str
    created_at: float
    scaler: ServiceAutoScaling
    suspended: dict[str, bool] = field(default_factory=dict)
    policy_created: dict[str, float] = field(default_factory=dict)
    policy_given: dict[str, frozenset[str]] = field(default_factory=dict)
    """The TargetTrackingScalingPolicyConfiguration members each policy was put with
    (DescribeScalingPolicies echoes the optional ones only when they were given)."""


class ApplicationAutoScalingService:
    """The Application Auto Scaling API of one simulated account and Region."""

    name = "application-autoscaling"

    def __init__(self, account: SimulatedAWS):
        self.account = account
        self.targets: dict[str, ScalableTarget] = {}
        self.activities: list[tuple[str, ScalingActivity]] = []
        """Activities of deregistered targets (AWS keeps them for a while)."""

    def handle(self, model: OperationModel, params: Mapping[str, Any]) -> dict[str, Any]:
        what = f"the Application Auto Scaling operation {model.name}"
        operation = find(OPERATIONS, model, params, what)
        return operation.handler(self, dict(params))

    # ------------------------------------------------------------------ lookups
    def target(self, p: Mapping[str, Any]) -> ScalableTarget:
        resource = _resource(p)
        found = self.targets.get(resource)
        if found is None:
            raise AWSError(
                NOT_FOUND,
                f"No scalable target registered for service namespace: {NAMESPACE}, resource "
                f"ID: {resource}, scalable dimension: {DIMENSION}",
            )
        return found

    def time(self, seconds: float) -> Any:
        return self.account.timestamp(seconds)

    # ------------------------------------------------------------------ views
    def target_view(self, t: ScalableTarget) -> dict[str, Any]:
        return {
            "ServiceNamespace": NAMESPACE,
            "ResourceId": t.resource_id,
            "ScalableDimension": DIMENSION,
            "MinCapacity": t.scaler.min_capacity,
            "MaxCapacity": t.scaler.max_capacity,
            "RoleARN": t.role_arn,
            "CreationTime": self.time(t.created_at),
            "SuspendedState": {
                "DynamicScalingInSuspended": t.suspended.get("DynamicScalingInSuspended", False),
                "DynamicScalingOutSuspended": t.suspended.get("DynamicScalingOutSuspended", False),
                "ScheduledScalingSuspended": t.suspended.get("ScheduledScalingSuspended", False),
            },
            "ScalableTargetARN": t.arn,
        }

    def policy_view(self, t: ScalableTarget, name: str) -> dict[str, Any]:
        state = next(s for s in t.scaler.states if s.policy.name == name)
        p = state.policy
        spec: dict[str, Any] = {"PredefinedMetricType": p.metric}
        if p.resource_label:
            spec["ResourceLabel"] = p.resource_label
        given = t.policy_given.get(name, frozenset())
        config: dict[str, Any] = {
            "TargetValue": float(p.target),
            "PredefinedMetricSpecification": spec,
        }
        optional = {
            "ScaleOutCooldown": int(p.scale_out_cooldown),
            "ScaleInCooldown": int(p.scale_in_cooldown),
            "DisableScaleIn": p.disable_scale_in,
        }
        config.update({k: v for k, v in optional.items() if k in given})
        return {
            "PolicyARN": state.arn,
            "PolicyName": name,
            "ServiceNamespace": NAMESPACE,
            "ResourceId": t.resource_id,
            "ScalableDimension": DIMENSION,
            "PolicyType": TARGET_TRACKING,
            "TargetTrackingScalingPolicyConfiguration": config,
            "Alarms": self.alarms_view(t.scaler, name),
            "CreationTime": self.time(t.policy_created.get(name, state.created_at)),
        }

    def alarms_view(self, scaler: ServiceAutoScaling, name: str) -> list[dict[str, str]]:
        state = next(s for s in scaler.states if s.policy.name == name)
        alarms = self.account.alarms
        return [
            {"AlarmName": c.alarm_name, "AlarmARN": alarms.arn(c.alarm_name)} for c in state.configs
        ]

    def activity_view(self, resource: str, a: ScalingActivity) -> dict[str, Any]:
        return {
            "ActivityId": a.activity_id,
            "ServiceNamespace": NAMESPACE,
            "ResourceId": resource,
            "ScalableDimension": DIMENSION,
            "Description": a.description,
            "Cause": a.cause,
            "StartTime": self.time(a.time),
            "EndTime": self.time(a.time),
            "StatusCode": "Successful",
            "StatusMessage": (
                f"Successfully set desired count to {a.desired}. Change successfully "
                "fulfilled by ecs."
            ),
        }


# ---------------------------------------------------------------------- parameters
def _resource(p: Mapping[str, Any]) -> str:
    """The ResourceId of an ECS service's DesiredCount (ValidationException otherwise)."""
    _namespace_only(p)
    resource = p.get("ResourceId")
    if resource is None:
        raise _validation("ResourceId is required.")
    parts = str(resource).split("/")
    if len(parts) != 3 or parts[0] != "service" or not parts[1] or not parts[2]:
        raise _validation("Unsupported service namespace, resource type or scalable dimension")
    return str(resource)


def _page(items: list[Any], p: Mapping[str, Any]) -> tuple[list[Any], str | None]:
    size = p.get("MaxResults", MAX_RESULTS)
    if not 1 <= size <= MAX_RESULTS:
        raise _validation(f"MaxResults must be between 1 and {MAX_RESULTS}, got {size}.")
    start = 0
    token = p.get("NextToken")
    if token:
        try:
            prefix, _, number = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
            if prefix != "ecsim-aas" or not number.isdigit():
                raise ValueError(token)
            start = int(number)
        except (ValueError, UnicodeDecodeError, binascii.Error):
            raise AWSError(INVALID_TOKEN, "Invalid token") from None
    end = start + size
    nxt = base64.urlsafe_b64encode(f"ecsim-aas:{end}".encode()).decode()
    return items[start:end], nxt if end < len(items) else None


def _paged(key: str, items: list[Any], p: Mapping[str, Any]) -> dict[str, Any]:
    page, nxt = _page(items, p)
    out: dict[str, Any] = {key: page}
    if nxt is not None:
        out["NextToken"] = nxt
    return out


# ---------------------------------------------------------------------- operations
def register_scalable_target(svc: ApplicationAutoScalingService, p: dict[str, Any]) -> dict:
    resource = _resource(p)
    if "ScalableDimension" not in p:
        raise _validation("ScalableDimension is required.")
    _, cluster, service = resource.split("/")
    aws = svc.account
    existing = svc.targets.get(resource)
    if existing is None:
        try:
            aws.ecs.service(cluster, service)
        except AWSError:
            raise _validation(f"ECS service doesn't exist: {resource}") from None
        if "MinCapacity" not in p or "MaxCapacity" not in p:
            raise _validation(
                "MinCapacity and MaxCapacity are required when registering a new scalable target."
            )
        scaler = ServiceAutoScaling(
            aws.ecs,
            cluster,
            service,
            min_capacity=p["MinCapacity"],
            max_capacity=p["MaxCapacity"],
            alarms=aws.alarms,
            store=aws.cloudwatch_store,
        )
        token = uuid.uuid5(uuid.NAMESPACE_URL, f"{aws.account_id}/{aws.region}/{resource}").hex
        target = ScalableTarget(
            resource,
            f"arn:aws:application-autoscaling:{aws.region}:{aws.account_id}:scalable-target/"
            f"0e{token}",
            p.get("RoleARN") or ROLE.format(account=aws.account_id),
            aws.now,
            scaler,
        )
        _suspend(target, p.get("SuspendedState"))
        svc.targets[resource] = target
        scaler.start()
        aws.traffic.start()  # ECS publishes its services' metrics from now on
    else:
        target = existing
        lo = p.get("MinCapacity", target.scaler.min_capacity)
        hi = p.get("MaxCapacity", target.scaler.max_capacity)
        _suspend(target, p.get("SuspendedState"))
        target.scaler.set_capacity(lo, hi)
    return {"ScalableTargetARN": target.arn}


def _suspend(target: ScalableTarget, state: Mapping[str, bool] | None) -> None:
    if state:
        target.suspended.update(state)
    target.scaler.scale_in_suspended = target.suspended.get("DynamicScalingInSuspended", False)
    target.scaler.scale_out_suspended = target.suspended.get("DynamicScalingOutSuspended", False)


def deregister_scalable_target(svc: ApplicationAutoScalingService, p: dict[str, Any]) -> dict:
    target = svc.target(p)
    target.scaler.stop()
    svc.activities += [(target.resource_id, a) for a in target.scaler.activities]
    del svc.targets[target.resource_id]
    return {}


def describe_scalable_targets(svc: ApplicationAutoScalingService, p: dict[str, Any]) -> dict:
    _namespace_only(p)
    wanted = p.get("ResourceIds")
    targets = [svc.targets[k] for k in sorted(svc.targets)]
    if wanted:
        targets = [t for t in targets if t.resource_id in wanted]
    return _paged("ScalableTargets", [svc.target_view(t) for t in targets], p)


def _namespace_only(p: Mapping[str, Any]) -> None:
    if p.get("ServiceNamespace") != NAMESPACE:
        raise _validation(
            f"ecsim simulates Application Auto Scaling for ServiceNamespace ecs only, got "
            f"{p.get('ServiceNamespace')!r}."
        )
    dim = p.get("ScalableDimension")
    if dim is not None and dim != DIMENSION:
        raise _validation("Unsupported service namespace, resource type or scalable dimension")


def put_scaling_policy(svc: ApplicationAutoScalingService, p: dict[str, Any]) -> dict:
    target = svc.target(p)
    kind = p.get("PolicyType", "StepScaling")  # the API's default
    if kind != TARGET_TRACKING:
        raise _validation(
            f"ecsim simulates TargetTrackingScaling policies only; {kind} is not simulated."
        )
    if "StepScalingPolicyConfiguration" in p or "PredictiveScalingPolicyConfiguration" in p:
        raise _validation(
            "A TargetTrackingScaling policy takes TargetTrackingScalingPolicyConfiguration only."
        )
    config = p.get("TargetTrackingScalingPolicyConfiguration")
    if config is None:
        raise _validation(
            "TargetTrackingScalingPolicyConfiguration is required for a TargetTrackingScaling "
            "policy."
        )
    if "CustomizedMetricSpecification" in config:
        raise _validation(
            "ecsim simulates predefined metrics only (PredefinedMetricSpecification); "
            "CustomizedMetricSpecification is not simulated."
        )
    spec = config.get("PredefinedMetricSpecification")
    if spec is None:
        raise _validation("PredefinedMetricSpecification is required.")
    metric = spec["PredefinedMetricType"]
    label = spec.get("ResourceLabel")
    if metric == PredefinedMetric.ALB_REQUESTS and not label:
        raise _validation("ResourceLabel is required for ALBRequestCountPerTarget.")
    name = p["PolicyName"]
    tuning = {
        k: float(config[key])
        for key, k in (
            ("ScaleOutCooldown", "scale_out_cooldown"),
            ("ScaleInCooldown", "scale_in_cooldown"),
        )
        if key in config
    }
    policy = TargetTrackingPolicy(
        metric,
        float(config["TargetValue"]),
        disable_scale_in=bool(config.get("DisableScaleIn", False)),
        policy_name=name,
        resource_label=label,
        **tuning,  # type: ignore[arg-type]
    )
    state = target.scaler.put_policy(policy)
    target.policy_created.setdefault(name, svc.account.now)
    target.policy_given[name] = frozenset(config)
    return {"PolicyARN": state.arn, "Alarms": svc.alarms_view(target.scaler, name)}


def describe_scaling_policies(svc: ApplicationAutoScalingService, p: dict[str, Any]) -> dict:
    _namespace_only(p)
    resource = p.get("ResourceId")
    names = p.get("PolicyNames")
    views = []
    for key in sorted(svc.targets):
        t = svc.targets[key]
        if resource is not None and t.resource_id != resource:
            continue
        for s in t.scaler.states:
            if not names or s.policy.name in names:
                views.append(svc.policy_view(t, s.policy.name))
    return _paged("ScalingPolicies", views, p)


def delete_scaling_policy(svc: ApplicationAutoScalingService, p: dict[str, Any]) -> dict:
    resource = _resource(p)
    name = p["PolicyName"]
    target = svc.targets.get(resource)
    if target is None or name not in [s.policy.name for s in target.scaler.states]:
        raise AWSError(
            NOT_FOUND,
            f"No scaling policy found for service namespace: {NAMESPACE}, resource ID: "
            f"{resource}, scalable dimension: {DIMENSION}, policy name: {name}",
        )
    target.scaler.delete_policy(name)
    target.policy_created.pop(name, None)
    return {}


def describe_scaling_activities(svc: ApplicationAutoScalingService, p: dict[str, Any]) -> dict:
    _namespace_only(p)
    resource = p.get("ResourceId")
    items = list(svc.activities)
    for key in sorted(svc.targets):
        items += [(key, a) for a in svc.targets[key].scaler.activities]
    if resource is not None:
        items = [(r, a) for r, a in items if r == resource]
    items.sort(key=lambda x: (-x[1].time, x[0]))  # newest first, as AWS lists them
    return _paged("ScalingActivities", [svc.activity_view(r, a) for r, a in items], p)


_TARGET = ["ServiceNamespace", "ResourceId", "ScalableDimension"]
OPERATIONS: Mapping[str, Operation] = {
    "RegisterScalableTarget": op(
        register_scalable_target,
        [*_TARGET, "MinCapacity", "MaxCapacity", "RoleARN", "SuspendedState"],
        inert=["Tags"],
    ),
    "DeregisterScalableTarget": op(deregister_scalable_target, _TARGET),
    "DescribeScalableTargets": op(
        describe_scalable_targets,
        ["ServiceNamespace", "ResourceIds", "ScalableDimension", "MaxResults", "NextToken"],
    ),
    "PutScalingPolicy": op(
        put_scaling_policy,
        [
            "PolicyName",
            *_TARGET,
            "PolicyType",
            "TargetTrackingScalingPolicyConfiguration",
            "StepScalingPolicyConfiguration",
            "PredictiveScalingPolicyConfiguration",
        ],
    ),
    "DescribeScalingPolicies": op(
        describe_scaling_policies, ["PolicyNames", *_TARGET, "MaxResults", "NextToken"]
    ),
    "DeleteScalingPolicy": op(delete_scaling_policy, ["PolicyName", *_TARGET]),
    "DescribeScalingActivities": op(
        describe_scaling_activities,
        [*_TARGET, "MaxResults", "NextToken"],
        inert=["IncludeNotScaledActivities"],
    ),
}
"""Every Application Auto Scaling operation ecsim simulates."""
