"""ELBv2 API views: the response structures of load balancers, target groups, listeners,
rules, actions, conditions and target health, as botocore's output shapes define them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from simulator.traffic.elb_actions import Action, FixedResponseAction
from simulator.traffic.elb_listener import Listener
from simulator.traffic.elb_rules import Condition, Rule
from simulator.traffic.elb_targets import Target, TargetGroup
from simulator.traffic.load_balancer import HOSTED_ZONES, LoadBalancer, LoadBalancers
from simulator.traffic.target_health import TargetHealthState, description

PLACEHOLDER_ZONE_ID = "Z00000000ECSIM"


def load_balancer_view(
    lb: LoadBalancer, now: float, timestamp: Callable[[float], dt.datetime]
) -> dict[str, Any]:
    return {
        "LoadBalancerArn": lb.arn,
        "DNSName": lb.dns_name,
        "CanonicalHostedZoneId": HOSTED_ZONES.get(lb.arn.split(":")[3], PLACEHOLDER_ZONE_ID),
        "CreatedTime": timestamp(lb.created_at),
        "LoadBalancerName": lb.name,
        "Scheme": lb.scheme,
        "VpcId": lb.vpc_id,
        "State": {"Code": lb.state(now)},
        "Type": "application",
        "AvailabilityZones": [
            {"ZoneName": s.zone, "SubnetId": s.subnet_id, "LoadBalancerAddresses": []}
            for s in lb.subnets
        ],
        "SecurityGroups": list(lb.security_groups),
        "IpAddressType": lb.ip_address_type,
    }


def target_group_view(tg: TargetGroup, registry: LoadBalancers) -> dict[str, Any]:
    hc = tg.check
    return {
        "TargetGroupArn": tg.arn,
        "TargetGroupName": tg.name,
        "Protocol": tg.protocol,
        "Port": tg.port,
        "VpcId": tg.vpc_id,
        "HealthCheckProtocol": hc.protocol,
        "HealthCheckPort": hc.port,
        "HealthCheckEnabled": hc.enabled,
        "HealthCheckIntervalSeconds": int(hc.interval_s),
        "HealthCheckTimeoutSeconds": int(hc.timeout_s),
        "HealthyThresholdCount": hc.healthy_threshold,
        "UnhealthyThresholdCount": hc.unhealthy_threshold,
        "HealthCheckPath": hc.path,
        "Matcher": {"HttpCode": hc.matcher},
        "LoadBalancerArns": registry.load_balancer_arns(tg),
        "TargetType": tg.target_type,
        "ProtocolVersion": "HTTP1",
        "IpAddressType": "ipv4",
    }


def action_view(action: Action, single_arn: bool = True) -> dict[str, Any]:
    if isinstance(action, FixedResponseAction):
        config: dict[str, Any] = {"StatusCode": str(action.status_code)}
        if action.content_type is not None:
            config["ContentType"] = action.content_type
        if action.message_body is not None:
            config["MessageBody"] = action.message_body
        return {"Type": "fixed-response", "FixedResponseConfig": config}
    stickiness: dict[str, Any] = {"Enabled": action.stickiness.enabled}
    if action.stickiness.enabled and action.stickiness.duration_s is not None:
        stickiness["DurationSeconds"] = action.stickiness.duration_s
    out: dict[str, Any] = {
        "Type": "forward",
        "ForwardConfig": {
            "TargetGroups": [{"TargetGroupArn": tg.arn, "Weight": w} for tg, w in action.groups],
            "TargetGroupStickinessConfig": stickiness,
        },
    }
    if single_arn and len(action.groups) == 1:
        out["TargetGroupArn"] = action.groups[0][0].arn
    return out


def listener_view(listener: Listener) -> dict[str, Any]:
    out = {
        "ListenerArn": listener.arn,
        "LoadBalancerArn": listener.load_balancer_arn,
        "Port": listener.port,
        "Protocol": listener.protocol,
        "DefaultActions": [action_view(listener.default_action)],
    }
    if listener.protocol == "HTTPS":
        out["Certificates"] = [{"CertificateArn": c} for c in listener.certificates]
        out["SslPolicy"] = listener.ssl_policy or "ELBSecurityPolicy-2016-08"
    return out


_CONFIG = {
    "host-header": "HostHeaderConfig",
    "path-pattern": "PathPatternConfig",
    "http-request-method": "HttpRequestMethodConfig",
    "source-ip": "SourceIpConfig",
}


def condition_view(c: Condition) -> dict[str, Any]:
    out: dict[str, Any] = {"Field": c.field}
    if c.field in ("host-header", "path-pattern"):
        out["Values"] = list(c.values)
    if c.field in _CONFIG:
        out[_CONFIG[c.field]] = {"Values": list(c.values)}
    elif c.field == "http-header":
        out["HttpHeaderConfig"] = {"HttpHeaderName": c.header_name, "Values": list(c.values)}
    else:
        pairs = []
        for p in c.pairs:
            pair = {"Value": p.value}
            if p.key is not None:
                pair["Key"] = p.key
            pairs.append(pair)
        out["QueryStringConfig"] = {"Values": pairs}
    return out


def rule_view(rule: Rule | None, arn: str, default_action: Action | None = None) -> dict[str, Any]:
    if rule is None:
        assert default_action is not None
        return {
            "RuleArn": arn,
            "Priority": "default",
            "Conditions": [],
            "Actions": [action_view(default_action)],
            "IsDefault": True,
        }
    return {
        "RuleArn": arn,
        "Priority": str(rule.priority),
        "Conditions": [condition_view(c) for c in rule.conditions],
        "Actions": [action_view(rule.action)],
        "IsDefault": False,
    }


def health_view(tg: TargetGroup, target: Target) -> dict[str, Any]:
    health: dict[str, Any] = {"State": str(target.state)}
    if target.state is not TargetHealthState.HEALTHY and target.reason is not None:
        health["Reason"] = str(target.reason)
        text = description(target.reason)
        if text:
            health["Description"] = text
    return target_health_description(tg, target.target_id, target.port, health)


def target_health_description(
    tg: TargetGroup, target_id: str, port: int, health: dict[str, Any]
) -> dict[str, Any]:
    hc_port = str(port) if tg.check.port == "traffic-port" else tg.check.port
    return {
        "Target": {"Id": target_id, "Port": port},
        "HealthCheckPort": hc_port,
        "TargetHealth": health,
    }
