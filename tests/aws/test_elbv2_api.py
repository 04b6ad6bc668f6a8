"""The boto3 ELBv2 client: each operation's answers and refusals (responses validated
against botocore's output shapes by tests/aws/conftest.py)."""

from __future__ import annotations

from typing import Any

import pytest
from aws_helpers import checked, error_of, launch
from elbv2_helpers import alb, forward, health, listener, target_group

from simulator.aws import SimulatedAWS


@pytest.fixture
def aws() -> SimulatedAWS:
    return SimulatedAWS(seed=5, validate_responses=True)


@pytest.fixture
def elb(aws: SimulatedAWS) -> Any:
    return aws.client("elbv2")


@pytest.fixture
def setup(elb: Any) -> dict[str, Any]:
    lb = alb(elb)
    blue = target_group(elb, "blue", lb["VpcId"])
    green = target_group(elb, "green", lb["VpcId"])
    arn = listener(elb, lb["LoadBalancerArn"], forward((blue["TargetGroupArn"], 1)))
    return {
        "lb": lb,
        "blue": blue["TargetGroupArn"],
        "green": green["TargetGroupArn"],
        "listener": arn,
    }


def test_load_balancer_formats_and_lookups(aws: SimulatedAWS, elb: Any):
    lb = alb(elb, "shop", Scheme="internal", Tags=[{"Key": "team", "Value": "a"}])
    assert lb["LoadBalancerArn"].startswith(
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/shop/"
    )
    assert lb["DNSName"].startswith("internal-shop-")
    assert lb["CanonicalHostedZoneId"] == "Z35SXDOTRQ7X7K"
    assert [z["ZoneName"] for z in lb["AvailabilityZones"]] == ["us-east-1a", "us-east-1b"]
    assert alb(elb, "shop", Scheme="internal")["LoadBalancerArn"] == lb["LoadBalancerArn"]
    assert error_of(elb, "create_load_balancer", Name="shop", Subnets=["s-1", "s-2"])["Code"] == (
        "DuplicateLoadBalancerName"
    )
    assert error_of(elb, "create_load_balancer", Name="-bad")["Code"] == "ValidationError"
    assert error_of(elb, "create_load_balancer", Name="nlb", Type="network")["Code"] == (
        "UnsupportedOperation"
    )
    found = checked(elb, "describe_load_balancers", Names=["shop"])["LoadBalancers"]
    assert [f["LoadBalancerArn"] for f in found] == [lb["LoadBalancerArn"]]
    assert (
        error_of(elb, "describe_load_balancers", Names=["nope"])["Code"] == "LoadBalancerNotFound"
    )
    tags = checked(elb, "describe_tags", ResourceArns=[lb["LoadBalancerArn"]])["TagDescriptions"]
    assert tags[0]["Tags"] == [{"Key": "team", "Value": "a"}]
    attrs = checked(elb, "describe_load_balancer_attributes", LoadBalancerArn=lb["LoadBalancerArn"])
    assert {"Key": "idle_timeout.timeout_seconds", "Value": "60"} in attrs["Attributes"]
    checked(
        elb,
        "modify_load_balancer_attributes",
        LoadBalancerArn=lb["LoadBalancerArn"],
        Attributes=[{"Key": "deletion_protection.enabled", "Value": "true"}],
    )
    err = error_of(elb, "delete_load_balancer", LoadBalancerArn=lb["LoadBalancerArn"])
    assert err["Code"] == "OperationNotPermitted"
    assert aws.elbv2.find(lb["DNSName"]).name == "shop"


def test_paging(elb: Any):
    for i in range(3):
        alb(elb, f"lb{i}")
    first = checked(elb, "describe_load_balancers", PageSize=2)
    assert len(first["LoadBalancers"]) == 2 and "NextMarker" in first
    rest = checked(elb, "describe_load_balancers", PageSize=2, Marker=first["NextMarker"])
    assert len(rest["LoadBalancers"]) == 1 and "NextMarker" not in rest


def test_target_group_settings_and_errors(elb: Any, setup: dict[str, Any]):
    vpc = setup["lb"]["VpcId"]
    https = target_group(elb, "secure", vpc, Protocol="HTTPS", Port=443, TargetType="ip")
    assert https["HealthCheckTimeoutSeconds"] == 10 and https["TargetType"] == "ip"
    err = error_of(elb, "create_target_group", Name="blue", Protocol="HTTP", Port=81, VpcId=vpc)
    assert err["Code"] == "DuplicateTargetGroupName"
    err = error_of(
        elb,
        "create_target_group",
        Name="x",
        Protocol="HTTP",
        Port=80,
        VpcId=vpc,
        HealthCheckIntervalSeconds=5,
        HealthCheckTimeoutSeconds=5,
    )
    assert (err["Code"], err["Message"]) == (
        "ValidationError",
        "Health check interval must be greater than the timeout.",
    )
    assert error_of(elb, "create_target_group", Name="y", Protocol="HTTP", Port=80)["Code"] == (
        "ValidationError"
    )
    out = checked(
        elb, "modify_target_group", TargetGroupArn=setup["blue"], HealthCheckIntervalSeconds=10
    )
    assert out["TargetGroups"][0]["HealthCheckIntervalSeconds"] == 10
    assert out["TargetGroups"][0]["LoadBalancerArns"] == [setup["lb"]["LoadBalancerArn"]]
    by_lb = checked(elb, "describe_target_groups", LoadBalancerArn=setup["lb"]["LoadBalancerArn"])
    assert [t["TargetGroupName"] for t in by_lb["TargetGroups"]] == ["blue"]
    assert error_of(elb, "delete_target_group", TargetGroupArn=setup["blue"])["Code"] == (
        "ResourceInUse"
    )
    checked(elb, "delete_target_group", TargetGroupArn=setup["green"])
    err = error_of(elb, "describe_target_groups", TargetGroupArns=[setup["green"]])
    assert err["Code"] == "TargetGroupNotFound"


def test_target_group_attributes(elb: Any, setup: dict[str, Any]):
    attrs = checked(elb, "describe_target_group_attributes", TargetGroupArn=setup["blue"])
    values = {a["Key"]: a["Value"] for a in attrs["Attributes"]}
    assert values["deregistration_delay.timeout_seconds"] == "300"
    assert values["load_balancing.algorithm.type"] == "round_robin"
    out = checked(
        elb,
        "modify_target_group_attributes",
        TargetGroupArn=setup["blue"],
        Attributes=[
            {"Key": "deregistration_delay.timeout_seconds", "Value": "30"},
            {"Key": "load_balancing.algorithm.type", "Value": "least_outstanding_requests"},
        ],
    )
    values = {a["Key"]: a["Value"] for a in out["Attributes"]}
    assert values["deregistration_delay.timeout_seconds"] == "30"
    err = error_of(
        elb,
        "modify_target_group_attributes",
        TargetGroupArn=setup["blue"],
        Attributes=[{"Key": "slow_start.duration_seconds", "Value": "60"}],
    )
    assert err["Code"] == "InvalidConfigurationRequest"


def test_targets_must_be_instances_of_the_fleet(aws: SimulatedAWS, elb: Any, setup: dict[str, Any]):
    err = error_of(
        elb,
        "register_targets",
        TargetGroupArn=setup["blue"],
        Targets=[{"Id": "i-0123456789abcdef0"}],
    )
    assert err["Code"] == "InvalidTarget"
    (iid,) = launch(aws.client("ec2"), 1, "m6i.large")
    err = error_of(elb, "register_targets", TargetGroupArn=setup["blue"], Targets=[{"Id": iid}])
    assert (err["Code"], "not in a running state" in err["Message"]) == ("InvalidTarget", True)
    aws.advance("3m")
    checked(
        elb, "register_targets", TargetGroupArn=setup["blue"], Targets=[{"Id": iid, "Port": 8080}]
    )
    rows = checked(elb, "describe_target_health", TargetGroupArn=setup["blue"])
    assert rows["TargetHealthDescriptions"][0]["Target"] == {"Id": iid, "Port": 8080}
    assert health(elb, setup["green"], iid) == [(iid, "unused", "Target.NotRegistered")]
    err = error_of(elb, "deregister_targets", TargetGroupArn=setup["green"], Targets=[{"Id": iid}])
    assert err["Code"] == "InvalidTarget"
    err = error_of(
        elb, "describe_target_health", TargetGroupArn=setup["blue"], Targets=[{"Id": "i-00000000"}]
    )
    assert err["Code"] == "InvalidTarget"


def test_ip_targets_pass_by_default_or_by_probe(aws: SimulatedAWS, elb: Any, setup: dict[str, Any]):
    tg = target_group(elb, "tasks", setup["lb"]["VpcId"], TargetType="ip")
    checked(
        elb,
        "modify_listener",
        ListenerArn=setup["listener"],
        DefaultActions=forward((tg["TargetGroupArn"], 1)),
    )
    err = error_of(
        elb, "register_targets", TargetGroupArn=tg["TargetGroupArn"], Targets=[{"Id": "8.8.8.8"}]
    )
    assert err["Code"] == "InvalidTarget"
    aws.elb_health.target_probes["10.0.0.2"] = lambda _ip: False
    checked(
        elb,
        "register_targets",
        TargetGroupArn=tg["TargetGroupArn"],
        Targets=[{"Id": "10.0.0.1"}, {"Id": "10.0.0.2"}],
    )
    aws.advance("3m")
    assert health(elb, tg["TargetGroupArn"]) == [
        ("10.0.0.1", "healthy", None),
        ("10.0.0.2", "unhealthy", "Target.FailedHealthChecks"),
    ]


def test_rules_through_the_api(aws: SimulatedAWS, elb: Any, setup: dict[str, Any]):
    rule = checked(
        elb,
        "create_rule",
        ListenerArn=setup["listener"],
        Priority=10,
        Conditions=[
            {"Field": "host-header", "HostHeaderConfig": {"Values": ["api.example.com"]}},
            {
                "Field": "query-string",
                "QueryStringConfig": {"Values": [{"Key": "v", "Value": "2"}]},
            },
        ],
        Actions=forward((setup["green"], 1)),
    )["Rules"][0]
    assert rule["Priority"] == "10" and not rule["IsDefault"]
    err = error_of(
        elb,
        "create_rule",
        ListenerArn=setup["listener"],
        Priority=10,
        Conditions=[{"Field": "path-pattern", "Values": ["/x"]}],
        Actions=forward((setup["green"], 1)),
    )
    assert err["Code"] == "PriorityInUse"
    other = checked(
        elb,
        "create_rule",
        ListenerArn=setup["listener"],
        Priority=20,
        Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/static/*"]}}],
        Actions=[
            {
                "Type": "fixed-response",
                "FixedResponseConfig": {"StatusCode": "404", "ContentType": "text/plain"},
            }
        ],
    )["Rules"][0]
    rules = checked(elb, "describe_rules", ListenerArn=setup["listener"])["Rules"]
    assert [r["Priority"] for r in rules] == ["10", "20", "default"]
    swapped = checked(
        elb,
        "set_rule_priorities",
        RulePriorities=[
            {"RuleArn": rule["RuleArn"], "Priority": 20},
            {"RuleArn": other["RuleArn"], "Priority": 10},
        ],
    )["Rules"]
    assert [r["Priority"] for r in swapped] == ["20", "10"]
    checked(
        elb,
        "modify_rule",
        RuleArn=rule["RuleArn"],
        Actions=forward((setup["blue"], 9), (setup["green"], 1)),
    )
    from simulator.traffic.elb import Request

    lst = aws.elbv2.listener(setup["listener"])
    request = Request(host="API.example.com", query="v=2")
    matched, action = lst.route(request)
    assert matched is not None and matched.arn == rule["RuleArn"]
    assert [(tg.name, w) for tg, w in action.groups] == [("blue", 9), ("green", 1)]
    assert lst.route_split(100.0, request).elb_503 == 100.0  # no targets registered yet
    assert lst.route_split(1.0, Request(path="/static/a.css")).fixed == {404: 1.0}
    default = rules[-1]["RuleArn"]
    assert error_of(elb, "delete_rule", RuleArn=default)["Code"] == "OperationNotPermitted"
    checked(elb, "delete_rule", RuleArn=other["RuleArn"])
    assert error_of(elb, "describe_rules", RuleArns=[other["RuleArn"]])["Code"] == "RuleNotFound"
    err = error_of(
        elb,
        "create_rule",
        ListenerArn=setup["listener"],
        Priority=30,
        Conditions=[{"Field": "path-pattern", "Values": ["/1", "/2", "/3", "/4", "/5", "/6"]}],
        Actions=forward((setup["green"], 1)),
    )
    assert err["Code"] == "ValidationError"


def test_listener_errors(elb: Any, setup: dict[str, Any]):
    lb_arn = setup["lb"]["LoadBalancerArn"]
    err = error_of(
        elb,
        "create_listener",
        LoadBalancerArn=lb_arn,
        Protocol="HTTP",
        Port=80,
        DefaultActions=forward((setup["green"], 1)),
    )
    assert err["Code"] == "DuplicateListener"
    err = error_of(
        elb,
        "create_listener",
        LoadBalancerArn=lb_arn,
        Protocol="HTTPS",
        Port=443,
        DefaultActions=forward((setup["green"], 1)),
    )
    assert err["Code"] == "CertificateNotFound"
    err = error_of(
        elb,
        "modify_listener",
        ListenerArn=setup["listener"],
        DefaultActions=forward(*[(setup["blue"], 1)] * 2),
    )
    assert err["Code"] == "ValidationError"
    bogus = setup["blue"].replace("blue", "gone")
    err = error_of(
        elb, "modify_listener", ListenerArn=setup["listener"], DefaultActions=forward((bogus, 1))
    )
    assert err["Code"] == "TargetGroupNotFound"
    err = error_of(
        elb,
        "create_listener",
        LoadBalancerArn=lb_arn,
        Protocol="HTTP",
        Port=81,
        DefaultActions=[{"Type": "redirect", "RedirectConfig": {"StatusCode": "HTTP_301"}}],
    )
    assert err["Code"] == "UnsupportedOperation"
    err = error_of(elb, "describe_listeners", ListenerArns=[setup["listener"] + "0"])
    assert err["Code"] == "ListenerNotFound"
    checked(elb, "delete_load_balancer", LoadBalancerArn=lb_arn)
    assert error_of(elb, "describe_listeners", ListenerArns=[setup["listener"]])["Code"] == (
        "ListenerNotFound"
    )
    checked(elb, "delete_target_group", TargetGroupArn=setup["blue"])  # no longer in use
    checked(elb, "delete_load_balancer", LoadBalancerArn=lb_arn)  # gone: still succeeds


def test_unsupported_params_are_named(elb: Any, setup: dict[str, Any]):
    err = error_of(
        elb,
        "create_load_balancer",
        Name="x",
        Subnets=["a", "b"],
        CustomerOwnedIpv4Pool="ipv4pool-coip-12345678",
    )
    assert err["Code"] == "UnsupportedOperation" and "CustomerOwnedIpv4Pool" in err["Message"]
    err = error_of(elb, "describe_account_limits")
    assert err["Code"] == "UnsupportedOperation"


def test_delete_waiter_zones_and_rule_quota(aws: SimulatedAWS, elb: Any, setup: dict[str, Any]):
    err = error_of(elb, "create_load_balancer", Name="one", Subnets=["subnet-only"])
    assert err["Code"] == "ValidationError" and "two different Availability Zones" in err["Message"]
    aws.elbv2.quotas["rules-per-application-load-balancer"] = 1
    rule = {
        "ListenerArn": setup["listener"],
        "Conditions": [{"Field": "path-pattern", "Values": ["/a"]}],
        "Actions": forward((setup["blue"], 1)),
    }
    checked(elb, "create_rule", Priority=1, **rule)
    assert error_of(elb, "create_rule", Priority=2, **rule)["Code"] == "TooManyRules"
    checked(elb, "delete_load_balancer", LoadBalancerArn=setup["lb"]["LoadBalancerArn"])
    elb.get_waiter("load_balancers_deleted").wait(LoadBalancerArns=[setup["lb"]["LoadBalancerArn"]])
    assert aws.elbv2.load_balancers == {}
    assert (
        checked(elb, "describe_target_groups", Names=["blue"])["TargetGroups"][0][
            "LoadBalancerArns"
        ]
        == []
    )
