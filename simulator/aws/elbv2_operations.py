"""Every ELBv2 operation ecsim simulates: its handler, the params it simulates, and the
params it accepts without effect (security groups, SSL policies and certificates)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simulator.aws import elbv2_parse as parse
from simulator.aws import errors
from simulator.aws.elbv2 import TOO_MANY_TARGETS, Elbv2Service
from simulator.aws.elbv2_views import (
    health_view,
    listener_view,
    load_balancer_view,
    rule_view,
    target_group_view,
    target_health_description,
)
from simulator.aws.operations import Operation, op
from simulator.core.errors import AWSError
from simulator.traffic import elb_attributes
from simulator.traffic.elb_listener import Listener
from simulator.traffic.elb_targets import HealthCheck, TargetGroup
from simulator.traffic.load_balancer import LoadBalancer
from simulator.traffic.target_health import Reason, description

VALIDATION_ERROR = "ValidationError"
DEFAULT_SSL_POLICY = "ELBSecurityPolicy-2016-08"


def _lb_view(s: Elbv2Service, lb: LoadBalancer) -> dict[str, Any]:
    return load_balancer_view(lb, s.account.now, s.account.timestamp)


# ----------------------------------------------------------------------------- load balancers
def create_load_balancer(s: Elbv2Service, p: dict[str, Any]) -> dict[str, Any]:
    kind = p.get("Type", "application")
    if kind != "application":
        raise errors.not_simulated(f"load balancers of type {kind}", ["application"])
    if p.get("Subnets") and p.get("SubnetMappings"):
        raise AWSError(VALIDATION_ERROR, "You can specify either Subnets or SubnetMappings")
    subnets = list(p.get("Subnets") or [m["SubnetId"] for m in p.get("SubnetMappings") or []])
    tags = parse.parse_tags(p.get("Tags"))
    scheme = p.get("Scheme", "internet-facing")
    name = p["Name"]
    for existing in s.registry.load_balancers.values():
        if existing.name == name and existing.scheme == scheme:
            return {"LoadBalancers": [_lb_view(s, existing)]}  # idempotent
    lb = s.registry.create_load_balancer(
        name,
        scheme=scheme,
        subnets=subnets,
        security_groups=p.get("SecurityGroups") or [],
        ip_address_type=p.get("IpAddressType", "ipv4"),
        vpc_id=s.vpc_id,
    )
    if tags:
        parse.add_tags(s.registry, lb.arn, tags)
    return {"LoadBalancers": [_lb_view(s, lb)]}


def describe_load_balancers(s: Elbv2Service, p: dict[str, Any]) -> dict[str, Any]:
    parse.one_of(p, ["LoadBalancerArns", "Names"], "DescribeLoadBalancers")
    lbs = list(s.registry.load_balancers.values())
    if p.get("LoadBalancerArns"):
        missing = [a for a in p["LoadBalancerArns"] if a not in s.registry.load_balancers]
        if missing:
            raise AWSError("LoadBalancerNotFound", "One or more load balancers not found")
        lbs = [s.registry.load_balancers[a] for a in dict.fromkeys(p["LoadBalancerArns"])]
    elif p.get("Names"):
        by_name = {lb.name: lb for lb in lbs}
        missing = [n for n in p["Names"] if n not in by_name]
        if missing:
            raise AWSError("LoadBalancerNotFound", "One or more load balancers not found")
        lbs = [by_name[n] for n in dict.fromkeys(p["Names"])]
    return parse.page("LoadBalancers", [_lb_view(s, lb) for lb in lbs], p)


def delete_load_balancer(s: Elbv2Service, p: dict[str, Any]) -> dict[str, Any]:
    """Succeeds for a load balancer that does not exist (API reference)."""
    lb = s.registry.load_balancers.get(p["LoadBalancerArn"])
    if lb is not None:
        s.registry.delete_load_balancer(lb)
    return {}


def describe_load_balancer_attributes(s: Elbv2Service, p: dict[str, Any]) -> dict[str, Any]:
    lb = s.registry.find(p["LoadBalancerArn"])
    return {"Attributes": [{"Key": k, "Value": v} for k, v in lb.attributes.items()]}


def modify_load_balancer_attributes(s: Elbv2Service, p: dict[str, Any]) -> dict[str, Any]:
    lb = s.registry.find(p["LoadBalancerArn"])
    changes = {a["Key"]: a["Value"] for a in p["Attributes"]}
    for key, value in changes.items():
        if key not in elb_attributes.LOAD_BALANCER_DEFAULTS:
            raise AWSError(
                "InvalidConfigurationRequest",
                f"Load balancer attribute key '{key}' is not recognized",
            )
        if (
            key != "deletion_protection.enabled"
            and value != elb_attributes.LOAD_BALANCER_DEFAULTS[key]
        ):
            raise errors.not_simulated(
                f"the load balancer attribute {key}", ["deletion_protection.enabled"]
            )
        if value not in ("true", "false") and key == "deletion_protection.enabled":
            raise AWSError(VALIDATION_ERROR, f"'{key}' must be true or false")
    lb.attributes.update(changes)
    return {"Attributes": [{"Key": k, "Value": v} for k, v in lb.attributes.items()]}


# ----------------------------------------------------------------------------- target groups
def _health_check(p: dict[str, Any], base: HealthCheck) -> HealthCheck:
    if p.get("HealthCheckEnabled") is False:
        raise AWSError(
            VALIDATION_ERROR,
            "Health checks cannot be disabled for target groups with target type "
            "'instance' or 'ip'",
        )
    matcher = p.get("Matcher") or {}
    if matcher.get("GrpcCode"):
        raise errors.not_simulated("gRPC health check matchers (Matcher.GrpcCode)")
    return HealthCheck(
        interval_s=float(p.get("HealthCheckIntervalSeconds", base.interval_s)),
        timeout_s=float(p.get("HealthCheckTimeoutSeconds", base.timeout_s)),
        healthy_threshold=int(p.get("HealthyThresholdCount", base.healthy_threshold)),
        unhealthy_threshold=int(p.get("UnhealthyThresholdCount", base.unhealthy_threshold)),
        path=p.get("HealthCheckPath", base.path),
        matcher=matcher.get("HttpCode", base.matcher),
        protocol=p.get("HealthCheckProtocol", base.protocol),
        port=p.get("HealthCheckPort", base.port),
    )


def create_target_group(s: Elbv2Service, p: dict[str, Any]) -> dict[str, Any]:
    target_type = p.get("TargetType", "instance")
    if target_type not in ("instance", "ip"):
        raise errors.not_simulated(f"target type {target_type}", ["instance", "ip"])
    if "Protocol" not in p or "Port" not in p:
        raise AWSError(VALIDATION_ERROR, "A protocol and a port must be specified")
    if "VpcId" not in p:
        raise AWSError(VALIDATION_ERROR, "A VPC ID must be specified")
    if p.get("ProtocolVersion", "HTTP1") != "HTTP1":
        raise errors.not_simulated(f"protocol version {p['ProtocolVersion']}", ["HTTP1"])
    protocol = p["Protocol"]
    check = _health_check(p, HealthCheck.for_protocol(protocol))
    tags = parse.parse_tags(p.get("Tags"))
    for existing in s.registry.target_groups.values():
        if existing.name == p["Name"] and (
            existing.protocol,
            existing.port,
            existing.target_type,
            existing.vpc_id,
            existing.check,
        ) == (protocol, p["Port"], target_type, p["VpcId"], check):
            return {"TargetGroups": [target_group_view(existing, s.registry)]}  # idempotent
    tg = s.registry.create_target_group(
        p["Name"],
        protocol=protocol,
        port=p["Port"],
        target_type=target_type,
        vpc_id=p["VpcId"],
        check=check,
    )
    if tags:
        parse.add_tags(s.registry, tg.arn, tags)
    return {"TargetGroups": [target_group_view(tg, s.registry)]}


def describe_target_groups(s: Elbv2Service, p: dict[str, Any]) -> dict[str, Any]:
    parse.one_of(p, ["LoadBalancerArn", "TargetGroupArns", "Names"], "DescribeTargetGroups")
    groups = list(s.registry.target_groups.values())
    if p.get("LoadBalancerArn"):
        lb = s.registry.find(p["LoadBalancerArn"])
        groups = [tg for tg in groups if lb.arn in s.registry.load_balancer_arns(tg)]
    for key, get in (("TargetGroupArns", "arn"), ("Names", "name")):
        if p.get(key):
            by = {getattr(tg, get): tg for tg in groups}
            if any(r not in by for r in p[key]):
                raise AWSError("TargetGroupNotFound", "One or more target groups not found")
            groups = [by[r] for r in dict.fromkeys(p[key])]
    return parse.page("TargetGroups", [target_group_view(tg, s.registry) for tg in groups], p)


def modify_target_group(s: Elbv2Service, p: dict[str, Any]) -> dict[str, Any]:
    tg = s.registry.target_group(p["TargetGroupArn"])
    check = _health_check(p, tg.check)
    problems = check.problems()
    if problems:
        raise AWSError(VALIDATION_ERROR, problems[0])
    tg.check = check
    return {"TargetGroups": [target_group_view(tg, s.registry)]}


def delete_target_group(s: Elbv2Service, p: dict[str, Any]) -> dict[str, Any]:
    """ResourceInUse while forwarded to; succeeds for a group that does not exist."""
    tg = s.registry.target_groups.get(p["TargetGroupArn"])
    if tg is not None:
        s.registry.delete_target_group(tg)
    return {}


def describe_target_group_attributes(s: Elbv2Service, p: dict[str, Any]) -> dict[str, Any]:
    tg = s.registry.target_group(p["TargetGroupArn"])
    return {"Attributes": [{"Key": k, "Value": v} for k, v in tg.attributes().items()]}


def modify_target_group_attributes(s: Elbv2Service, p: dict[str, Any]) -> dict[str, Any]:
    tg = s.registry.target_group(p["TargetGroupArn"])
    new = tg.set_attributes({a["Key"]: a["Value"] for a in p["Attributes"]})
    return {"Attributes": [{"Key": k, "Value": v} for k, v in new.items()]}


# ----------------------------------------------------------------------------- targets
def _targets(p: dict[str, Any]) -> list[tuple[str, int | None]]:
    out = []
    for t in p.get("Targets") or []:
        if t.get("AvailabilityZone") not in (None, "all"):
            pass  # accepted: ecsim routes without zones
        out.append((t["Id"], t.get("Port")))
    return out


def register_targets(s: Elbv2Service, p: dict[str, Any]) -> dict[str, Any]:
    tg = s.registry.target_group(p["TargetGroupArn"])
    targets = _targets(p)
    s.check_targets(tg.target_type, [i for i, _ in targets], registering=True)
    new = {i for i, _ in targets} - set(tg.targets)
    if len(tg.targets) + len(new) > s.registry.quotas["targets-per-target-group"]:
        raise AWSError(TOO_MANY_TARGETS, "You've reached the limit on the number of targets")
    for target_id, port in targets:
        s.health.register(tg, target_id, port)
    return {}


def deregister_targets(s: Elbv2Service, p: dict[str, Any]) -> dict[str, Any]:
    tg = s.registry.target_group(p["TargetGroupArn"])
    targets = _targets(p)
    s.check_targets(tg.target_type, [i for i, _ in targets], registering=False)
    missing = [i for i, _ in targets if i not in tg.targets]
    if missing:
        raise AWSError(
            "InvalidTarget",
            "The following targets are not registered in target group: "
            + ", ".join(f"'{m}'" for m in missing),
        )
    for target_id, _ in targets:
        s.health.deregister(tg, target_id)
    return {}


def describe_target_health(s: Elbv2Service, p: dict[str, Any]) -> dict[str, Any]:
    if p.get("Include"):
        raise errors.not_simulated("DescribeTargetHealth Include (anomaly detection)")
    tg = s.registry.target_group(p["TargetGroupArn"])
    asked = _targets(p)
    if not asked:
        return {"TargetHealthDescriptions": [health_view(tg, t) for t in tg.targets.values()]}
    s.check_targets(tg.target_type, [i for i, _ in asked], registering=False)
    out = []
    for target_id, port in asked:
        target = tg.targets.get(target_id)
        if target is not None:
            out.append(health_view(tg, target))
            continue
        health = {
            "State": "unused",
            "Reason": str(Reason.NOT_REGISTERED),
            "Description": description(Reason.NOT_REGISTERED) or "",
        }
        out.append(target_health_description(tg, target_id, port or tg.port, health))
    return {"TargetHealthDescriptions": out}


# ----------------------------------------------------------------------------- listeners
def _https(listener: Listener, p: dict[str, Any]) -> None:
    """Certificates and SslPolicy of an HTTPS listener (reported, not checked)."""
    certificates = [
        c["CertificateArn"] for c in p.get("Certificates") or [] if "CertificateArn" in c
    ]
    if certificates:
        listener.certificates = certificates
    if listener.protocol == "HTTPS":
        if not listener.certificates:
            raise AWSError(
                "CertificateNotFound", "A certificate must be specified for HTTPS listeners"
            )
        listener.ssl_policy = p.get("SslPolicy") or listener.ssl_policy or DEFAULT_SSL_POLICY


def create_listener(s: Elbv2Service, p: dict[str, Any]) -> dict[str, Any]:
    lb = s.registry.find(p["LoadBalancerArn"])
    if "Port" not in p or "Protocol" not in p:
        raise AWSError(VALIDATION_ERROR, "A listener port and protocol must be specified")
    if p["Protocol"] not in ("HTTP", "HTTPS"):
        raise AWSError(
            "UnsupportedProtocol",
            f"Protocol '{p['Protocol']}' is not supported by Application Load Balancers",
        )
    if p["Protocol"] == "HTTPS" and not p.get("Certificates"):
        raise AWSError("CertificateNotFound", "A certificate must be specified for HTTPS listeners")
    action = parse.parse_action(s.registry, p["DefaultActions"])
    tags = parse.parse_tags(p.get("Tags"))
    listener = s.registry.create_listener(lb, p["Port"], p["Protocol"], action)
    _https(listener, p)
    if tags:
        parse.add_tags(s.registry, listener.arn, tags)
    return {"Listeners": [listener_view(listener)]}


def describe_listeners(s: Elbv2Service, p: dict[str, Any]) -> dict[str, Any]:
    parse.one_of(p, ["LoadBalancerArn", "ListenerArns"], "DescribeListeners")
    if p.get("ListenerArns"):
        listeners = [s.registry.listener(a) for a in dict.fromkeys(p["ListenerArns"])]
    elif p.get("LoadBalancerArn"):
        listeners = list(s.registry.find(p["LoadBalancerArn"]).listeners.values())
    else:
        raise AWSError(
            VALIDATION_ERROR, "You must specify either listener ARNs or a load balancer ARN"
        )
    return parse.page("Listeners", [listener_view(lst) for lst in listeners], p)


def modify_listener(s: Elbv2Service, p: dict[str, Any]) -> dict[str, Any]:
    listener = s.registry.listener(p["ListenerArn"])
    action = parse.parse_action(s.registry, p["DefaultActions"]) if "DefaultActions" in p else None
    protocol = p.get("Protocol")
    if protocol is not None and protocol not in ("HTTP", "HTTPS"):
        raise AWSError(
            "UnsupportedProtocol",
            f"Protocol '{protocol}' is not supported by Application Load Balancers",
        )
    s.registry.modify_listener(
        listener, port=p.get("Port"), protocol=protocol, default_action=action
    )
    _https(listener, p)
    return {"Listeners": [listener_view(listener)]}


def delete_listener(s: Elbv2Service, p: dict[str, Any]) -> dict[str, Any]:
    s.registry.delete_listener(s.registry.listener(p["ListenerArn"]))
    return {}


# ----------------------------------------------------------------------------- rules
def _rule_view(s: Elbv2Service, arn: str) -> dict[str, Any]:
    listener, rule = s.registry.rule(arn)
    return rule_view(rule, arn, listener.default_action)


def create_rule(s: Elbv2Service, p: dict[str, Any]) -> dict[str, Any]:
    listener = s.registry.listener(p["ListenerArn"])
    conditions = parse.parse_conditions(p["Conditions"])
    action = parse.parse_action(s.registry, p["Actions"])
    tags = parse.parse_tags(p.get("Tags"))
    rule = s.registry.create_rule(listener, p["Priority"], conditions, action)
    if tags:
        parse.add_tags(s.registry, rule.arn, tags)
    return {"Rules": [_rule_view(s, rule.arn)]}


def describe_rules(s: Elbv2Service, p: dict[str, Any]) -> dict[str, Any]:
    parse.one_of(p, ["ListenerArn", "RuleArns"], "DescribeRules")
    if p.get("RuleArns"):
        arns = list(dict.fromkeys(p["RuleArns"]))
        for arn in arns:
            s.registry.rule(arn)
    elif p.get("ListenerArn"):
        listener = s.registry.listener(p["ListenerArn"])
        arns = [r.arn for r in listener.rules] + [s.registry.default_rule_arn(listener)]
    else:
        raise AWSError(VALIDATION_ERROR, "You must specify either listener ARN or rule ARNs")
    return parse.page("Rules", [_rule_view(s, a) for a in arns], p)


def modify_rule(s: Elbv2Service, p: dict[str, Any]) -> dict[str, Any]:
    conditions = parse.parse_conditions(p["Conditions"]) if "Conditions" in p else None
    action = parse.parse_action(s.registry, p["Actions"]) if "Actions" in p else None
    s.registry.modify_rule(p["RuleArn"], conditions, action)
    return {"Rules": [_rule_view(s, p["RuleArn"])]}


def delete_rule(s: Elbv2Service, p: dict[str, Any]) -> dict[str, Any]:
    s.registry.delete_rule(p["RuleArn"])
    return {}


def set_rule_priorities(s: Elbv2Service, p: dict[str, Any]) -> dict[str, Any]:
    changes = {r["RuleArn"]: r["Priority"] for r in p["RulePriorities"]}
    rules = s.registry.set_rule_priorities(changes)
    return {"Rules": [_rule_view(s, r.arn) for r in rules]}


# ----------------------------------------------------------------------------- tags
def add_tags(s: Elbv2Service, p: dict[str, Any]) -> dict[str, Any]:
    tags = parse.parse_tags(p["Tags"])
    for arn in p["ResourceArns"]:
        s.registry.resource_exists(arn)
    for arn in p["ResourceArns"]:
        parse.add_tags(s.registry, arn, tags)
    return {}


def remove_tags(s: Elbv2Service, p: dict[str, Any]) -> dict[str, Any]:
    for arn in p["ResourceArns"]:
        s.registry.resource_exists(arn)
    for arn in p["ResourceArns"]:
        for key in p["TagKeys"]:
            s.registry.tags.get(arn, {}).pop(key, None)
    return {}


def describe_tags(s: Elbv2Service, p: dict[str, Any]) -> dict[str, Any]:
    out = []
    for arn in p["ResourceArns"]:
        s.registry.resource_exists(arn)
        tags = s.registry.tags.get(arn, {})
        out.append({"ResourceArn": arn, "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]})
    return {"TagDescriptions": out}


PAGING = ("Marker", "PageSize")

OPERATIONS: Mapping[str, Operation] = {
    "CreateLoadBalancer": op(
        create_load_balancer,
        ["Name", "Subnets", "SubnetMappings", "Scheme", "Tags", "Type", "IpAddressType"],
        inert=["SecurityGroups"],
    ),
    "DescribeLoadBalancers": op(describe_load_balancers, ["LoadBalancerArns", "Names", *PAGING]),
    "DeleteLoadBalancer": op(delete_load_balancer, ["LoadBalancerArn"]),
    "DescribeLoadBalancerAttributes": op(describe_load_balancer_attributes, ["LoadBalancerArn"]),
    "ModifyLoadBalancerAttributes": op(
        modify_load_balancer_attributes, ["LoadBalancerArn", "Attributes"]
    ),
    "CreateTargetGroup": op(
        create_target_group,
        [
            "Name",
            "Protocol",
            "ProtocolVersion",
            "Port",
            "VpcId",
            "HealthCheckProtocol",
            "HealthCheckPort",
            "HealthCheckEnabled",
            "HealthCheckPath",
            "HealthCheckIntervalSeconds",
            "HealthCheckTimeoutSeconds",
            "HealthyThresholdCount",
            "UnhealthyThresholdCount",
            "Matcher",
            "TargetType",
            "Tags",
        ],
        inert=["IpAddressType"],
    ),
    "DescribeTargetGroups": op(
        describe_target_groups, ["LoadBalancerArn", "TargetGroupArns", "Names", *PAGING]
    ),
    "ModifyTargetGroup": op(
        modify_target_group,
        [
            "TargetGroupArn",
            "HealthCheckProtocol",
            "HealthCheckPort",
            "HealthCheckPath",
            "HealthCheckEnabled",
            "HealthCheckIntervalSeconds",
            "HealthCheckTimeoutSeconds",
            "HealthyThresholdCount",
            "UnhealthyThresholdCount",
            "Matcher",
        ],
    ),
    "DeleteTargetGroup": op(delete_target_group, ["TargetGroupArn"]),
    "DescribeTargetGroupAttributes": op(describe_target_group_attributes, ["TargetGroupArn"]),
    "ModifyTargetGroupAttributes": op(
        modify_target_group_attributes, ["TargetGroupArn", "Attributes"]
    ),
    "RegisterTargets": op(register_targets, ["TargetGroupArn", "Targets"]),
    "DeregisterTargets": op(deregister_targets, ["TargetGroupArn", "Targets"]),
    "DescribeTargetHealth": op(describe_target_health, ["TargetGroupArn", "Targets", "Include"]),
    "CreateListener": op(
        create_listener,
        ["LoadBalancerArn", "Protocol", "Port", "DefaultActions", "Tags", "Certificates"],
        inert=["SslPolicy", "AlpnPolicy"],
    ),
    "DescribeListeners": op(describe_listeners, ["LoadBalancerArn", "ListenerArns", *PAGING]),
    "ModifyListener": op(
        modify_listener,
        ["ListenerArn", "Port", "Protocol", "DefaultActions", "Certificates"],
        inert=["SslPolicy", "AlpnPolicy"],
    ),
    "DeleteListener": op(delete_listener, ["ListenerArn"]),
    "CreateRule": op(create_rule, ["ListenerArn", "Conditions", "Priority", "Actions", "Tags"]),
    "DescribeRules": op(describe_rules, ["ListenerArn", "RuleArns", *PAGING]),
    "ModifyRule": op(modify_rule, ["RuleArn", "Conditions", "Actions"]),
    "DeleteRule": op(delete_rule, ["RuleArn"]),
    "SetRulePriorities": op(set_rule_priorities, ["RulePriorities"]),
    "AddTags": op(add_tags, ["ResourceArns", "Tags"]),
    "RemoveTags": op(remove_tags, ["ResourceArns", "TagKeys"]),
    "DescribeTags": op(describe_tags, ["ResourceArns"]),
}
"""Every ELBv2 operation ecsim simulates."""

__all__ = ["OPERATIONS", "Operation", "TargetGroup"]

Elbv2Service.operations = OPERATIONS  # the table every Elbv2Service answers with
