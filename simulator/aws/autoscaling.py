"""The EC2 Auto Scaling API (``aws.client("autoscaling")``) over the ASG model that ECS
capacity providers use (``simulator.ecs.asg``).

Groups launch from a launch template (or a mixed instances policy whose overrides list
x86 and Graviton types; the first type launches, as the prioritized strategy does) into
the Availability Zones of their subnets, balancing launches across them; each launch is a
RunInstances of the template, so user data with ECS_CLUSTER joins the cluster. Lifecycle
hooks hold instances in Pending:Wait / Terminating:Wait; each action is delivered to the
hook functions registered with ``SimulatedAWS.on_lifecycle_action`` (Python callables run
as Lambda functions in simulated time, ``simulator.aws.functions``), with the notification
message AWS sends (SNS or EventBridge form). Capacity providers reference the groups by ARN.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.model import OperationModel

from simulator.aws import ec2, ec2_instances, errors
from simulator.aws.filters import paginate
from simulator.aws.functions import Function, invoke
from simulator.aws.operations import Operation, find
from simulator.aws.operations import op as _op
from simulator.catalog.catalog import instance_type
from simulator.core.durations import Duration
from simulator.core.errors import AWSError
from simulator.ecs import asg_lifecycle as lc
from simulator.ecs.asg import VALIDATION_ERROR, AutoScalingGroup
from simulator.ecs.asg_lifecycle import LifecycleAction, LifecycleHook

if TYPE_CHECKING:
    from simulator.aws.account import SimulatedAWS
    from simulator.aws.ec2 import Ec2Service

ALREADY_EXISTS = "AlreadyExists"
RESOURCE_IN_USE = "ResourceInUse"
LIMIT_EXCEEDED = "LimitExceeded"
SCALING_ACTIVITY_IN_PROGRESS = "ScalingActivityInProgress"
ERROR_CODES = frozenset(
    {
        VALIDATION_ERROR,
        ALREADY_EXISTS,
        RESOURCE_IN_USE,
        LIMIT_EXCEEDED,
        SCALING_ACTIVITY_IN_PROGRESS,
        errors.UNSUPPORTED_OPERATION,
    }
)
"""Every code the simulated Auto Scaling client answers with (botocore autoscaling error
shapes, ValidationError, and UnsupportedOperation for what ecsim does not simulate)."""

DEFAULT_COOLDOWN = 300
"""CreateAutoScalingGroup DefaultCooldown: 'Default: 300 seconds'."""
DEFAULT_HEALTH_CHECK_GRACE = 0
"""CreateAutoScalingGroup HealthCheckGracePeriod: 'Default: 0 seconds' (API; the console
sets 300)."""


@dataclass
class Subscription:
    """A hook function and which actions it hears."""

    fn: Function
    group: str | None
    hook: str | None
    event_format: str
    timeout: Duration


@dataclass
class GroupMeta:
    """What the API knows of a group beyond the model's sizes and instances."""

    launch_template: dict[str, Any] | None
    mixed_instances_policy: dict[str, Any] | None
    zones: tuple[str, ...]
    subnets: tuple[str, ...]
    tags: dict[str, tuple[str, bool]] = field(default_factory=dict)  # key -> (value, propagate)
    default_cooldown: int = DEFAULT_COOLDOWN
    health_check_type: str = "EC2"
    health_check_grace: int = DEFAULT_HEALTH_CHECK_GRACE
    termination_policies: tuple[str, ...] = ("Default",)
    target_group_arns: tuple[str, ...] = ()
    capacity_rebalance: bool = False


def _validation(message: str) -> AWSError:
    return AWSError(VALIDATION_ERROR, message)


class AutoScalingService:
    """The Auto Scaling API of one simulated account and Region."""

    name = "autoscaling"

    def __init__(self, account: SimulatedAWS, ec2: Ec2Service):
        self.account = account
        self.ec2 = ec2
        self.meta: dict[str, GroupMeta] = {}
        self.subscriptions: list[Subscription] = []
        self.runs: list[Any] = []
        self._serial = 0
        self._run_model: OperationModel | None = None

    def handle(self, model: OperationModel, params: Mapping[str, Any]) -> dict[str, Any]:
        op = find(OPERATIONS, model, params, f"the Auto Scaling operation {model.name}")
        return op.handler(self, model, dict(params))

    # ------------------------------------------------------------------ lookups
    def group(self, name: str) -> AutoScalingGroup:
        found = self.account.auto_scaling_groups.get(name)
        if found is None:
            raise _validation(
                f"AutoScalingGroup name not found - AutoScalingGroup '{name}' not found"
            )
        return found

    def group_of(self, instance_id: str) -> AutoScalingGroup:
        for g in self.account.auto_scaling_groups.values():
            if instance_id in g.state:
                return g
        raise _validation(
            f"Instance Id not found - No managed instance found for instance ID: {instance_id}"
        )

    def _next_id(self, kind: str) -> str:
        self._serial += 1
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"ecsim/autoscaling/{kind}/{self._serial}"))

    # ------------------------------------------------------------------ launching
    def run_model(self) -> OperationModel:
        if self._run_model is None:
            model = self.account.boto3_session._session.get_service_model("ec2")  # noqa: SLF001
            self._run_model = model.operation_model("RunInstances")
        return self._run_model

    def launcher(self, name: str) -> Callable[[str, str | None], str]:
        def launch(instance_type: str, zone: str | None) -> str:
            meta = self.meta[name]
            params = self._run_params(name, meta, instance_type, zone)
            out = ec2_instances.run_instances(self.ec2, self.run_model(), params)
            return str(out["Instances"][0]["InstanceId"])

        return launch

    def _run_params(
        self, name: str, meta: GroupMeta, instance_type: str, zone: str | None
    ) -> dict[str, Any]:
        spec = _template_spec(meta)
        tags = [{"Key": "aws:autoscaling:groupName", "Value": name}]
        tags += [{"Key": k, "Value": v} for k, (v, propagate) in meta.tags.items() if propagate]
        params: dict[str, Any] = {
            "LaunchTemplate": dict(spec),
            "InstanceType": instance_type,
            "MinCount": 1,
            "MaxCount": 1,
            "TagSpecifications": [{"ResourceType": "instance", "Tags": tags}],
        }
        if zone is not None:
            subnet = next((s for s in meta.subnets if self._subnet_zone(s) == zone), None)
            if subnet is not None:
                params["SubnetId"] = subnet
            else:
                params["Placement"] = {"AvailabilityZone": zone}
        return params

    def _subnet_zone(self, subnet_id: str) -> str:
        vpc = getattr(self.ec2, "vpc", None)
        if vpc is None:
            raise errors.not_simulated("subnets (VPCZoneIdentifier) without the VPC model")
        return str(vpc.subnet(subnet_id).availability_zone)

    # ------------------------------------------------------------------ hook functions
    def subscribe(self, sub: Subscription) -> None:
        self.subscriptions.append(sub)

    def deliver(self, group: AutoScalingGroup, action: LifecycleAction) -> None:
        """A lifecycle action started: every matching hook function runs with its event."""
        for sub in self.subscriptions:
            if sub.group not in (None, group.name) or sub.hook not in (None, action.hook.name):
                continue
            message = self._message(group, action)
            event = self._event(sub.event_format, group, action, message)
            name = getattr(sub.fn, "__name__", "function")
            self.runs.append(
                invoke(
                    self.account,
                    sub.fn,
                    event,
                    name=name,
                    timeout=sub.timeout,
                    request_id=self._next_id("invocation"),
                )
            )

    def _time(self) -> str:
        ts = self.account.timestamp()
        return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"

    def _message(self, group: AutoScalingGroup, action: LifecycleAction) -> dict[str, Any]:
        """The lifecycle action notification (EC2 Auto Scaling User Guide, 'Receive
        notifications using Amazon SNS' / EventBridge 'EC2 Instance-terminate Lifecycle
        Action' detail)."""
        launching = action.hook.transition == lc.LAUNCHING
        out: dict[str, Any] = {
            "Origin": "EC2" if launching else "AutoScalingGroup",
            "Destination": "AutoScalingGroup" if launching else "EC2",
            "AccountId": self.account.account_id,
            "RequestId": self._next_id("request"),
            "Service": "AWS Auto Scaling",
            "Time": self._time(),
            "AutoScalingGroupName": group.name,
            "LifecycleHookName": action.hook.name,
            "LifecycleActionToken": action.token,
            "LifecycleTransition": action.hook.transition,
            "EC2InstanceId": action.instance_id,
        }
        if action.hook.notification_metadata is not None:
            out["NotificationMetadata"] = action.hook.notification_metadata
        return out

    def _event(
        self, form: str, group: AutoScalingGroup, action: LifecycleAction, message: dict
    ) -> dict[str, Any]:
        verb = "launch" if action.hook.transition == lc.LAUNCHING else "terminate"
        if form == "eventbridge":
            return {
                "version": "0",
                "id": self._next_id("event"),
                "detail-type": f"EC2 Instance-{verb} Lifecycle Action",
                "source": "aws.autoscaling",
                "account": self.account.account_id,
                "time": message["Time"][:19] + "Z",
                "region": self.account.region,
                "resources": [self.account.auto_scaling_group_arn(group.name)],
                "detail": {k: v for k, v in message.items() if k not in ("Service", "Time")},
            }
        topic = action.hook.notification_target_arn or (
            f"arn:aws:sns:{self.account.region}:{self.account.account_id}:{group.name}-hook"
        )
        word = "LAUNCHING" if verb == "launch" else "TERMINATING"
        return {
            "Records": [
                {
                    "EventSource": "aws:sns",
                    "EventVersion": "1.0",
                    "EventSubscriptionArn": f"{topic}:{self._next_id('subscription')}",
                    "Sns": {
                        "Type": "Notification",
                        "MessageId": self._next_id("message"),
                        "TopicArn": topic,
                        "Subject": f"Auto Scaling:  Lifecycle action '{word}' for instance "
                        f"{action.instance_id} in progress.",
                        "Message": json.dumps(message),
                        "Timestamp": message["Time"],
                        "SignatureVersion": "1",
                        "Signature": "",
                        "SigningCertUrl": "",
                        "UnsubscribeUrl": "",
                        "MessageAttributes": {},
                    },
                }
            ]
        }


def _template_spec(meta: GroupMeta) -> dict[str, Any]:
    if meta.launch_template is not None:
        return meta.launch_template
    assert meta.mixed_instances_policy is not None
    return dict(meta.mixed_instances_policy["LaunchTemplate"]["LaunchTemplateSpecification"])


# ----------------------------------------------------------------------------- groups
def _instance_types(svc: AutoScalingService, p: Mapping[str, Any]) -> list[str]:
    """The types a group launches: its template's, or its mixed policy's overrides."""
    if p.get("LaunchConfigurationName") or p.get("InstanceId"):
        raise errors.not_simulated(
            "launch configurations and InstanceId groups (use a launch template)",
            ["LaunchTemplate", "MixedInstancesPolicy"],
        )
    mixed = p.get("MixedInstancesPolicy")
    spec = p.get("LaunchTemplate")
    if mixed is not None and spec is not None:
        raise _validation(
            "Valid requests must contain either LaunchTemplate, "
            "LaunchConfigurationName, InstanceId or MixedInstancesPolicy parameter."
        )
    if mixed is not None:
        lt = mixed.get("LaunchTemplate") or {}
        spec = lt.get("LaunchTemplateSpecification")
        overrides = [o["InstanceType"] for o in lt.get("Overrides") or () if "InstanceType" in o]
    else:
        overrides = []
    if spec is None:
        raise _validation(
            "Valid requests must contain either LaunchTemplate, LaunchConfigurationName, "
            "InstanceId or MixedInstancesPolicy parameter."
        )
    try:
        _, _, data = svc.ec2.templates.data(dict(spec))
    except AWSError as e:
        raise _validation(
            f"You must use a valid fully-formed launch template. {e.message}"
        ) from None
    if "ImageId" not in data:
        raise _validation(
            "You must use a valid fully-formed launch template. The request must contain the "
            "parameter ImageId"
        )
    run = ec2.OPERATIONS["RunInstances"]
    extra = sorted(set(data) - (run.params | run.inert))
    if extra:
        raise errors.not_simulated(f"the launch template member(s) {', '.join(extra)}")
    types = overrides or ([data["InstanceType"]] if "InstanceType" in data else [])
    if not types:
        raise _validation(
            "You must use a valid fully-formed launch template. The launch template has no "
            "InstanceType and the group gives no instance type override."
        )
    return types


def _zones(
    svc: AutoScalingService, p: Mapping[str, Any]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(zones, subnets) of a group: its subnets' zones, else its AvailabilityZones."""
    subnets = tuple(s.strip() for s in (p.get("VPCZoneIdentifier") or "").split(",") if s.strip())
    if subnets:
        try:
            zones = tuple(dict.fromkeys(svc._subnet_zone(s) for s in subnets))
        except AWSError as e:  # Auto Scaling answers ValidationError with EC2's message
            raise _validation(e.message) from None
        return zones, subnets
    zones = tuple(p.get("AvailabilityZones") or ())
    if not zones:
        raise _validation("At least one Availability Zone or VPC Subnet is required.")
    for z in zones:
        svc.ec2.zone(z)
    return zones, ()


def _set_hook(group: AutoScalingGroup, p: Mapping[str, Any], name_key: str) -> LifecycleHook:
    name = p[name_key]
    existing = group.hooks.get(name)
    transition = p.get("LifecycleTransition") or (existing.transition if existing else None)
    if transition not in lc.TRANSITIONS:
        raise _validation(
            f"Invalid Lifecycle Transition: {transition!r} (expected one of "
            f"{', '.join(lc.TRANSITIONS)})."
        )
    timeout = int(
        p.get(
            "HeartbeatTimeout",
            existing.heartbeat_timeout if existing else lc.DEFAULT_HEARTBEAT_TIMEOUT,
        )
    )
    low, high = lc.HEARTBEAT_RANGE
    if not low <= timeout <= high:
        raise _validation(
            f"Heartbeat timeout {timeout} is out of range: it must be between {low} and {high} "
            "seconds."
        )
    result = p.get("DefaultResult", existing.default_result if existing else lc.DEFAULT_RESULT)
    if result not in lc.RESULTS:
        raise _validation(f"Invalid DefaultResult {result!r}: CONTINUE or ABANDON.")
    if existing is None and len(group.hooks) >= lc.MAX_HOOKS_PER_GROUP:
        raise AWSError(
            LIMIT_EXCEEDED,
            f"Auto Scaling group {group.name} already has {lc.MAX_HOOKS_PER_GROUP} lifecycle "
            "hooks.",
        )
    hook = LifecycleHook(
        name=name,
        transition=transition,
        heartbeat_timeout=timeout,
        default_result=result,
        notification_metadata=p.get(
            "NotificationMetadata", existing.notification_metadata if existing else None
        ),
        notification_target_arn=p.get(
            "NotificationTargetARN", existing.notification_target_arn if existing else None
        ),
        role_arn=p.get("RoleARN", existing.role_arn if existing else None),
    )
    group.hooks[name] = hook
    return hook


def create_auto_scaling_group(
    svc: AutoScalingService, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    name = p["AutoScalingGroupName"]
    if name in svc.account.auto_scaling_groups:
        raise AWSError(
            ALREADY_EXISTS,
            f"AutoScalingGroup by this name already exists - A group with the name {name} "
            "already exists",
        )
    types = _instance_types(svc, p)
    zones, subnets = _zones(svc, p)
    account = svc.account
    group = AutoScalingGroup(
        account.world,
        account.control,
        name,
        types,
        min_size=p["MinSize"],
        max_size=p["MaxSize"],
        desired_capacity=p.get("DesiredCapacity"),
        zone_of=lambda iid: svc.ec2.instance_meta_of(iid).availability_zone,
    )
    meta = GroupMeta(
        launch_template=dict(p["LaunchTemplate"]) if "LaunchTemplate" in p else None,
        mixed_instances_policy=p.get("MixedInstancesPolicy"),
        zones=zones,
        subnets=subnets,
        tags={
            t["Key"]: (t.get("Value", ""), bool(t.get("PropagateAtLaunch")))
            for t in p.get("Tags") or ()
        },
        default_cooldown=int(p.get("DefaultCooldown", DEFAULT_COOLDOWN)),
        health_check_type=p.get("HealthCheckType", "EC2"),
        health_check_grace=int(p.get("HealthCheckGracePeriod", DEFAULT_HEALTH_CHECK_GRACE)),
        termination_policies=tuple(p.get("TerminationPolicies") or ("Default",)),
        target_group_arns=tuple(p.get("TargetGroupARNs") or ()),
        capacity_rebalance=bool(p.get("CapacityRebalance", False)),
    )
    group.launcher = svc.launcher(name)
    group.zones = zones
    group.new_instances_protected = bool(p.get("NewInstancesProtectedFromScaleIn", False))
    for spec in p.get("LifecycleHookSpecificationList") or ():
        _set_hook(group, spec, "LifecycleHookName")
    group.listeners.append(svc.deliver)
    svc.meta[name] = meta
    account.auto_scaling_groups[name] = group
    group.start()
    return {}


def update_auto_scaling_group(
    svc: AutoScalingService, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    """Sizes (a MinSize above the desired capacity raises it, a MaxSize below lowers it),
    launch template or mixed policy, subnets, scale-in protection of new instances."""
    name = p["AutoScalingGroupName"]
    group = svc.group(name)
    meta = svc.meta.get(name)
    if meta is None:
        raise errors.not_simulated("UpdateAutoScalingGroup of a group made outside the API")
    if "LaunchTemplate" in p or "MixedInstancesPolicy" in p:
        types = _instance_types(svc, p)

        group.types = tuple(instance_type(t) for t in types)
        meta.launch_template = dict(p["LaunchTemplate"]) if "LaunchTemplate" in p else None
        meta.mixed_instances_policy = p.get("MixedInstancesPolicy")
    if "VPCZoneIdentifier" in p or "AvailabilityZones" in p:
        meta.zones, meta.subnets = _zones(svc, p)
        group.zones = meta.zones
    if "NewInstancesProtectedFromScaleIn" in p:
        group.new_instances_protected = bool(p["NewInstancesProtectedFromScaleIn"])
    for key, attr in (
        ("DefaultCooldown", "default_cooldown"),
        ("HealthCheckGracePeriod", "health_check_grace"),
    ):
        if key in p:
            setattr(meta, attr, int(p[key]))
    if "HealthCheckType" in p:
        meta.health_check_type = p["HealthCheckType"]
    lo = p.get("MinSize", group.min_size)
    hi = p.get("MaxSize", group.max_size)
    if lo > hi:
        raise _validation(f"Max bound, {hi}, must be greater than or equal to min bound, {lo}")
    desired = p.get("DesiredCapacity", min(max(group.desired_capacity, lo), hi))
    group.min_size, group.max_size = lo, hi
    group.set_desired_capacity(desired)
    return {}


def delete_auto_scaling_group(
    svc: AutoScalingService, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    name = p["AutoScalingGroupName"]
    group = svc.group(name)
    force = bool(p.get("ForceDelete", False))
    if group.state and not force:
        raise AWSError(
            RESOURCE_IN_USE,
            "You cannot delete an AutoScalingGroup while there are instances or pending Spot "
            "instance request(s) still in the group.",
        )
    group.delete(force=force)
    del svc.account.auto_scaling_groups[name]
    svc.meta.pop(name, None)
    return {}


def _template_view(meta: GroupMeta | None) -> dict[str, Any]:
    if meta is None:
        return {}
    if meta.launch_template is not None:
        spec = dict(meta.launch_template)
        return {"LaunchTemplate": spec}
    return {"MixedInstancesPolicy": meta.mixed_instances_policy}


def _instance_view(svc: AutoScalingService, group: AutoScalingGroup, iid: str) -> dict[str, Any]:
    inst = svc.account.fleet.instances[iid]
    out: dict[str, Any] = {
        "InstanceId": iid,
        "InstanceType": inst.instance_type,
        "AvailabilityZone": svc.ec2.instance_meta_of(iid).availability_zone,
        "LifecycleState": group.state[iid],
        "HealthStatus": "Healthy" if not inst.impaired else "Unhealthy",
        "ProtectedFromScaleIn": iid in group.protected,
    }
    meta = svc.meta.get(group.name)
    if meta is not None:
        spec = _template_spec(meta)
        t, n, _ = svc.ec2.templates.data(dict(spec))
        out["LaunchTemplate"] = {
            "LaunchTemplateId": t.template_id,
            "LaunchTemplateName": t.name,
            "Version": str(n),
        }
    return out


def _group_view(svc: AutoScalingService, group: AutoScalingGroup) -> dict[str, Any]:
    meta = svc.meta.get(group.name)
    zones = (
        list(meta.zones)
        if meta
        else sorted({svc.ec2.instance_meta_of(i).availability_zone for i in group.state})
        or [svc.ec2.zone(None)]
    )
    out: dict[str, Any] = {
        "AutoScalingGroupName": group.name,
        "AutoScalingGroupARN": svc.account.auto_scaling_group_arn(group.name),
        **_template_view(meta),
        "MinSize": group.min_size,
        "MaxSize": group.max_size,
        "DesiredCapacity": group.desired_capacity,
        "DefaultCooldown": meta.default_cooldown if meta else DEFAULT_COOLDOWN,
        "AvailabilityZones": zones,
        "LoadBalancerNames": [],
        "TargetGroupARNs": list(meta.target_group_arns) if meta else [],
        "HealthCheckType": meta.health_check_type if meta else "EC2",
        "HealthCheckGracePeriod": meta.health_check_grace if meta else DEFAULT_HEALTH_CHECK_GRACE,
        "Instances": [_instance_view(svc, group, i) for i in group.state],
        "CreatedTime": svc.account.timestamp(group.created_at),
        "SuspendedProcesses": [],
        "VPCZoneIdentifier": ",".join(meta.subnets) if meta else "",
        "EnabledMetrics": [],
        "Tags": _tag_views(group.name, meta),
        "TerminationPolicies": list(meta.termination_policies) if meta else ["Default"],
        "NewInstancesProtectedFromScaleIn": group.new_instances_protected,
        "ServiceLinkedRoleARN": f"arn:aws:iam::{svc.account.account_id}:role/aws-service-role/"
        "autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling",
        "CapacityRebalance": meta.capacity_rebalance if meta else False,
    }
    return out


def _tag_views(name: str, meta: GroupMeta | None) -> list[dict[str, Any]]:
    if meta is None:
        return []
    return [
        {
            "ResourceId": name,
            "ResourceType": "auto-scaling-group",
            "Key": k,
            "Value": v,
            "PropagateAtLaunch": propagate,
        }
        for k, (v, propagate) in meta.tags.items()
    ]


def _tag_matches(views: list[dict[str, Any]], filters: Iterable[Mapping[str, Any]]) -> bool:
    for f in filters:
        name, values = f.get("Name", ""), set(f.get("Values") or ())
        if name.startswith("tag:"):
            ok = any(t["Key"] == name[4:] and t["Value"] in values for t in views)
        elif name == "tag-key":
            ok = any(t["Key"] in values for t in views)
        elif name == "tag-value":
            ok = any(t["Value"] in values for t in views)
        else:
            raise _validation(f"Filter name '{name}' is invalid (tag:<key>, tag-key, tag-value).")
        if not ok:
            return False
    return True


def describe_auto_scaling_groups(
    svc: AutoScalingService, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    """The groups named (names that match none are left out, as AWS does) or all."""
    groups = svc.account.auto_scaling_groups
    names = p.get("AutoScalingGroupNames") or list(groups)
    rows = [groups[n] for n in dict.fromkeys(names) if n in groups]
    filters = p.get("Filters") or ()
    rows = [g for g in rows if _tag_matches(_tag_views(g.name, svc.meta.get(g.name)), filters)]
    page, token = paginate(rows, p.get("MaxRecords", 50), p.get("NextToken"), low=1, high=100)
    out: dict[str, Any] = {"AutoScalingGroups": [_group_view(svc, g) for g in page]}
    if token:
        out["NextToken"] = token
    return out


def describe_auto_scaling_instances(
    svc: AutoScalingService, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    rows = [
        (g, iid)
        for g in svc.account.auto_scaling_groups.values()
        for iid in g.state
        if not p.get("InstanceIds") or iid in p["InstanceIds"]
    ]
    page, token = paginate(rows, p.get("MaxRecords", 50), p.get("NextToken"), low=1, high=50)
    views = []
    for g, iid in page:
        v = _instance_view(svc, g, iid)
        v["AutoScalingGroupName"] = g.name
        views.append(v)
    out: dict[str, Any] = {"AutoScalingInstances": views}
    if token:
        out["NextToken"] = token
    return out


def set_desired_capacity(
    svc: AutoScalingService, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    svc.group(p["AutoScalingGroupName"]).set_desired_capacity(p["DesiredCapacity"])
    return {}


def _activity_view(svc: AutoScalingService, group_name: str, a: lc.Activity) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ActivityId": a.activity_id,
        "AutoScalingGroupName": group_name,
        "Description": a.description,
        "Cause": f"At {svc.account.timestamp(a.start):%Y-%m-%dT%H:%M:%SZ} {a.cause}.",
        "StartTime": svc.account.timestamp(a.start),
        "StatusCode": a.status,
        "Progress": a.progress,
        "Details": a.details,
        "AutoScalingGroupARN": svc.account.auto_scaling_group_arn(group_name),
    }
    if a.end is not None:
        out["EndTime"] = svc.account.timestamp(a.end)
    return out


def terminate_instance_in_auto_scaling_group(
    svc: AutoScalingService, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    iid = p["InstanceId"]
    group = svc.group_of(iid)
    decrement = bool(p["ShouldDecrementDesiredCapacity"])
    if iid not in group.instances:
        raise AWSError(
            SCALING_ACTIVITY_IN_PROGRESS,
            f"The instance {iid} is already terminating (state {group.state[iid]}).",
        )
    if decrement and group.desired_capacity - 1 < group.min_size:
        raise _validation(
            f"Currently, desiredSize equals minSize ({group.min_size}). Terminating instance "
            "without replacement will violate group's min size constraint. Either set "
            "shouldDecrementDesiredCapacity flag to false or lower group's min size."
        )
    group.terminate([iid], decrement=decrement)
    return {"Activity": _activity_view(svc, group.name, group.activities[-1])}


def set_instance_protection(
    svc: AutoScalingService, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    group = svc.group(p["AutoScalingGroupName"])
    for iid in p["InstanceIds"]:
        if iid not in group.state:
            raise _validation(f"The instance {iid} is not part of Auto Scaling group {group.name}.")
    for iid in p["InstanceIds"]:
        if p["ProtectedFromScaleIn"]:
            group.protected.add(iid)
        else:
            group.protected.discard(iid)
    return {}


# ----------------------------------------------------------------------------- hooks
def put_lifecycle_hook(
    svc: AutoScalingService, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    _set_hook(svc.group(p["AutoScalingGroupName"]), p, "LifecycleHookName")
    return {}


def _hook_view(group: AutoScalingGroup, h: LifecycleHook) -> dict[str, Any]:
    out: dict[str, Any] = {
        "LifecycleHookName": h.name,
        "AutoScalingGroupName": group.name,
        "LifecycleTransition": h.transition,
        "HeartbeatTimeout": h.heartbeat_timeout,
        "GlobalTimeout": lc.global_timeout(h.heartbeat_timeout),
        "DefaultResult": h.default_result,
    }
    for key, value in (
        ("NotificationTargetARN", h.notification_target_arn),
        ("RoleARN", h.role_arn),
        ("NotificationMetadata", h.notification_metadata),
    ):
        if value is not None:
            out[key] = value
    return out


def describe_lifecycle_hooks(
    svc: AutoScalingService, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    group = svc.group(p["AutoScalingGroupName"])
    names = p.get("LifecycleHookNames") or sorted(group.hooks)
    return {
        "LifecycleHooks": [_hook_view(group, group.hooks[n]) for n in names if n in group.hooks]
    }


def delete_lifecycle_hook(
    svc: AutoScalingService, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    """The hook goes; instances it holds proceed as its default result says."""
    group = svc.group(p["AutoScalingGroupName"])
    name = p["LifecycleHookName"]
    hook = group.hooks.pop(name, None)
    if hook is None:
        raise _validation(f"No Lifecycle Hook found with name {name} for group {group.name}")
    for a in group.open_actions():
        if a.hook is hook:
            group.complete(a, hook.default_result)
    return {}


def _action(svc: AutoScalingService, p: Mapping[str, Any]) -> tuple[AutoScalingGroup, Any]:
    group = svc.group(p["AutoScalingGroupName"])
    token, iid = p.get("LifecycleActionToken"), p.get("InstanceId")
    if token is None and iid is None:
        raise _validation("Either LifecycleActionToken or InstanceId must be specified.")
    return group, group.find_action(p["LifecycleHookName"], token=token, instance_id=iid)


def complete_lifecycle_action(
    svc: AutoScalingService, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    result = p["LifecycleActionResult"]
    if result not in lc.RESULTS:
        raise _validation(f"Invalid LifecycleActionResult {result!r}: CONTINUE or ABANDON.")
    group, action = _action(svc, p)
    group.complete(action, result)
    return {}


def record_lifecycle_action_heartbeat(
    svc: AutoScalingService, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    group, action = _action(svc, p)
    group.heartbeat(action)
    return {}


def describe_scaling_activities(
    svc: AutoScalingService, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    """Most recent first, as AWS lists them."""
    groups = svc.account.auto_scaling_groups
    name = p.get("AutoScalingGroupName")
    if name is not None:
        svc.group(name)
    rows = [
        (g.name, a) for g in groups.values() if name is None or g.name == name for a in g.activities
    ]
    rows.sort(key=lambda r: -r[1].start)
    ids = p.get("ActivityIds")
    if ids:
        rows = [r for r in rows if r[1].activity_id in ids]
    page, token = paginate(rows, p.get("MaxRecords", 100), p.get("NextToken"), low=1, high=100)
    out: dict[str, Any] = {"Activities": [_activity_view(svc, n, a) for n, a in page]}
    if token:
        out["NextToken"] = token
    return out


# ----------------------------------------------------------------------------- tags
def create_or_update_tags(
    svc: AutoScalingService, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    for t in p["Tags"]:
        meta = svc.meta.get(t.get("ResourceId", ""))
        if meta is None:
            svc.group(t.get("ResourceId", ""))
            raise errors.not_simulated("tags on a group made outside the API")
        meta.tags[t["Key"]] = (t.get("Value", ""), bool(t.get("PropagateAtLaunch", False)))
    return {}


def delete_tags(svc: AutoScalingService, model: OperationModel, p: dict[str, Any]) -> dict:
    for t in p["Tags"]:
        meta = svc.meta.get(t.get("ResourceId", ""))
        if meta is not None:
            meta.tags.pop(t["Key"], None)
    return {}


def describe_tags(svc: AutoScalingService, model: OperationModel, p: dict[str, Any]) -> dict:
    rows = [t for name, meta in svc.meta.items() for t in _tag_views(name, meta)]
    for f in p.get("Filters") or ():
        name, values = f.get("Name"), set(f.get("Values") or ())
        key = {
            "auto-scaling-group": "ResourceId",
            "key": "Key",
            "value": "Value",
            "propagate-at-launch": "PropagateAtLaunch",
        }.get(str(name))
        if key is None:
            raise _validation(f"Filter name '{name}' is invalid.")
        rows = [
            r
            for r in rows
            if str(r[key]).lower() in {v.lower() for v in values} or r[key] in values
        ]
    page, token = paginate(rows, p.get("MaxRecords", 50), p.get("NextToken"), low=1, high=100)
    out: dict[str, Any] = {"Tags": page}
    if token:
        out["NextToken"] = token
    return out


_GROUP_INERT = [
    "LoadBalancerNames",
    "PlacementGroup",
    "ServiceLinkedRoleARN",
    "MaxInstanceLifetime",
    "Context",
    "DefaultInstanceWarmup",
    "TrafficSources",
    "InstanceMaintenancePolicy",
    "AvailabilityZoneDistribution",
    "AvailabilityZoneImpairmentPolicy",
    "SkipZonalShiftValidation",
    "CapacityReservationSpecification",
    "DeletionProtection",
    "DesiredCapacityType",
]
_GROUP_PARAMS = [
    "AutoScalingGroupName",
    "LaunchConfigurationName",
    "LaunchTemplate",
    "MixedInstancesPolicy",
    "MinSize",
    "MaxSize",
    "DesiredCapacity",
    "DefaultCooldown",
    "AvailabilityZones",
    "VPCZoneIdentifier",
    "HealthCheckType",
    "HealthCheckGracePeriod",
    "TerminationPolicies",
    "NewInstancesProtectedFromScaleIn",
    "CapacityRebalance",
]

OPERATIONS: Mapping[str, Operation] = {
    "CreateAutoScalingGroup": _op(
        create_auto_scaling_group,
        [*_GROUP_PARAMS, "InstanceId", "LifecycleHookSpecificationList", "Tags", "TargetGroupARNs"],
        _GROUP_INERT,
    ),
    "UpdateAutoScalingGroup": _op(update_auto_scaling_group, _GROUP_PARAMS, _GROUP_INERT),
    "DeleteAutoScalingGroup": _op(
        delete_auto_scaling_group, ["AutoScalingGroupName", "ForceDelete"]
    ),
    "DescribeAutoScalingGroups": _op(
        describe_auto_scaling_groups,
        ["AutoScalingGroupNames", "Filters", "MaxRecords", "NextToken"],
        ["IncludeInstances", "IncludeManagedResources"],
    ),
    "DescribeAutoScalingInstances": _op(
        describe_auto_scaling_instances,
        ["InstanceIds", "MaxRecords", "NextToken"],
        ["IncludeManagedResources"],
    ),
    "SetDesiredCapacity": _op(
        set_desired_capacity, ["AutoScalingGroupName", "DesiredCapacity"], ["HonorCooldown"]
    ),
    "TerminateInstanceInAutoScalingGroup": _op(
        terminate_instance_in_auto_scaling_group,
        ["InstanceId", "ShouldDecrementDesiredCapacity"],
    ),
    "SetInstanceProtection": _op(
        set_instance_protection, ["InstanceIds", "AutoScalingGroupName", "ProtectedFromScaleIn"]
    ),
    "PutLifecycleHook": _op(
        put_lifecycle_hook,
        [
            "LifecycleHookName",
            "AutoScalingGroupName",
            "LifecycleTransition",
            "RoleARN",
            "NotificationTargetARN",
            "NotificationMetadata",
            "HeartbeatTimeout",
            "DefaultResult",
        ],
    ),
    "DescribeLifecycleHooks": _op(
        describe_lifecycle_hooks, ["AutoScalingGroupName", "LifecycleHookNames"]
    ),
    "DeleteLifecycleHook": _op(
        delete_lifecycle_hook, ["LifecycleHookName", "AutoScalingGroupName"]
    ),
    "CompleteLifecycleAction": _op(
        complete_lifecycle_action,
        [
            "LifecycleHookName",
            "AutoScalingGroupName",
            "LifecycleActionToken",
            "LifecycleActionResult",
            "InstanceId",
        ],
    ),
    "RecordLifecycleActionHeartbeat": _op(
        record_lifecycle_action_heartbeat,
        ["LifecycleHookName", "AutoScalingGroupName", "LifecycleActionToken", "InstanceId"],
    ),
    "DescribeScalingActivities": _op(
        describe_scaling_activities,
        ["ActivityIds", "AutoScalingGroupName", "MaxRecords", "NextToken"],
        ["IncludeDeletedGroups", "IncludeManagedResources", "Filters"],
    ),
    "CreateOrUpdateTags": _op(create_or_update_tags, ["Tags"]),
    "DeleteTags": _op(delete_tags, ["Tags"]),
    "DescribeTags": _op(
        describe_tags, ["Filters", "MaxRecords", "NextToken"], ["IncludeManagedResources"]
    ),
}
"""Every Auto Scaling operation ecsim simulates."""
