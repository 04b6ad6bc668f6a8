"""The CloudWatch alarms a target tracking policy creates, named and shaped as AWS does. Pure.

Application Auto Scaling user guide ("Target tracking scaling policies"): the policy
"creates and manages the CloudWatch alarms that trigger scaling events"; their names are
``TargetTracking-<resource id>-AlarmHigh-<uuid>`` and ``...-AlarmLow-<uuid>`` and their
description starts "DO NOT EDIT OR DELETE.". For an ECS service the high alarm is
``scale_out_datapoints`` of as many one-minute datapoints above the target and the low one
``scale_in_datapoints`` below target x ``scale_in_threshold_ratio`` (3, 15 and 0.9, reported
by users: ecs_capacity.csv parameters). The metric is the one the predefined type stands for:

- ECSServiceAverageCPUUtilization: AWS/ECS CPUUtilization, Average, ClusterName/ServiceName;
- ECSServiceAverageMemoryUtilization: AWS/ECS MemoryUtilization, likewise;
- ALBRequestCountPerTarget: AWS/ApplicationELB RequestCountPerTarget, Sum, TargetGroup (the
  part of the ResourceLabel from ``targetgroup/`` on).

The alarms' action is the policy's ARN followed by ``:createdBy/<uuid>``. UUIDs are uuid5
of the account, resource and policy name: the same run names them alike.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from simulator.cloudwatch.alarms import AlarmConfig
from simulator.core.errors import AWSError

VALIDATION_EXCEPTION = "ValidationException"

METRICS: Mapping[str, tuple[str, str, str]] = {
    "ECSServiceAverageCPUUtilization": ("AWS/ECS", "CPUUtilization", "Average"),
    "ECSServiceAverageMemoryUtilization": ("AWS/ECS", "MemoryUtilization", "Average"),
    "ALBRequestCountPerTarget": ("AWS/ApplicationELB", "RequestCountPerTarget", "Sum"),
}
"""Predefined metric type -> (namespace, metric name, statistic)."""
ALB_REQUESTS = "ALBRequestCountPerTarget"
PERIOD = 60


def resource_id(cluster: str, service: str) -> str:
    """Application Auto Scaling's ResourceId of an ECS service."""
    return f"service/{cluster}/{service}"


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "application-autoscaling/" + "/".join(parts)))


def policy_arn(region: str, account_id: str, resource: str, policy_name: str) -> str:
    """arn:aws:autoscaling:<region>:<account>:scalingPolicy:<uuid>:resource/ecs/<id>:
    policyName/<name> (the form PutScalingPolicy returns)."""
    token = _uuid(account_id, region, resource, policy_name)
    return (
        f"arn:aws:autoscaling:{region}:{account_id}:scalingPolicy:{token}:resource/ecs/"
        f"{resource}:policyName/{policy_name}"
    )


def alarm_action(arn: str) -> str:
    """The AlarmActions entry of a target tracking alarm: the policy's ARN with
    ``:createdBy/<uuid>`` (as target tracking alarms show it; moto writes it alike)."""
    return f"{arn}:createdBy/{_uuid(arn, 'createdBy')}"


def target_group_dimension(resource_label: str) -> str:
    """The TargetGroup dimension of a ResourceLabel ``app/<lb>/<id>/targetgroup/<tg>/<id>``."""
    lb, sep, tg = resource_label.partition("/targetgroup/")
    if not sep or not lb.startswith("app/") or len(lb.split("/")) != 3 or len(tg.split("/")) != 2:
        raise AWSError(
            VALIDATION_EXCEPTION,
            "ResourceLabel must be app/<load-balancer-name>/<load-balancer-id>/targetgroup/"
            f"<target-group-name>/<target-group-id>, got {resource_label!r}.",
        )
    return "targetgroup/" + tg


def dimensions(
    metric: str, cluster: str, service: str, resource_label: str | None
) -> tuple[tuple[str, str], ...]:
    """The alarms' dimensions; an ALB policy without a label (a domain-level policy with
    no load balancer) names its target group after the service."""
    if metric == ALB_REQUESTS:
        tg = (
            target_group_dimension(resource_label)
            if resource_label
            else f"targetgroup/{service}/0000000000000000"
        )
        return (("TargetGroup", tg),)
    return (("ClusterName", cluster), ("ServiceName", service))


def alarm_configs(
    *,
    region: str,
    account_id: str,
    cluster: str,
    service: str,
    policy_name: str,
    metric: str,
    target: float,
    resource_label: str | None,
    scale_out_datapoints: int,
    scale_in_datapoints: int,
    scale_in_threshold_ratio: float,
    disable_scale_in: bool = False,
) -> tuple[AlarmConfig, AlarmConfig | None]:
    """The policy's (AlarmHigh, AlarmLow) PutMetricAlarm requests; with DisableScaleIn
    there is no low alarm (None: nothing would act on it)."""
    resource = resource_id(cluster, service)
    arn = policy_arn(region, account_id, resource, policy_name)
    namespace, metric_name, statistic = METRICS[metric]
    dims = dimensions(metric, cluster, service, resource_label)
    description = f"DO NOT EDIT OR DELETE. For TargetTrackingScaling policy {arn}."

    def config(kind: str, n: int, threshold: float, operator: str) -> AlarmConfig:
        token = _uuid(account_id, region, resource, policy_name, kind)
        return AlarmConfig(
            alarm_name=f"TargetTracking-{resource}-Alarm{kind}-{token}",
            namespace=namespace,
            metric_name=metric_name,
            period=PERIOD,
            evaluation_periods=n,
            datapoints_to_alarm=n,
            threshold=float(threshold),
            comparison_operator=operator,
            dimensions=dims,
            statistic=statistic,
            alarm_description=description,
            alarm_actions=(alarm_action(arn),),
        )

    high = config("High", scale_out_datapoints, target, "GreaterThanThreshold")
    if disable_scale_in:
        return high, None
    ratio = scale_in_threshold_ratio
    return high, config("Low", scale_in_datapoints, target * ratio, "LessThanThreshold")
