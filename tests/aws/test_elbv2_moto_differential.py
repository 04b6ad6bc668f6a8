"""The same boto3 ELBv2 call sequences against ecsim and moto's mock_aws.

moto has no time and runs no health checks: its targets are ``healthy`` as soon as they
are registered, listener or not. Where moto contradicts AWS's documentation, ecsim follows
the documentation; each such test pins moto's behaviour too, so the list in
docs/elbv2.md stays true.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from aws_helpers import IMAGE_ID, error_of
from botocore.exceptions import ClientError

from simulator.aws import SimulatedAWS

MOTO_CHANGED = "moto now behaves like AWS here: update the deviation list in docs/elbv2.md"


@dataclass
class Backend:
    name: str
    ec2: Any
    elb: Any
    vpc: str
    subnets: list[str]

    def instance(self) -> str:
        iid = self.ec2.run_instances(
            ImageId=IMAGE_ID, InstanceType="t3.micro", MinCount=1, MaxCount=1
        )["Instances"][0]["InstanceId"]
        return str(iid)

    def settle(self, aws: SimulatedAWS | None) -> None:
        if aws is not None:
            aws.advance("5m")

    def setup(self) -> dict[str, str]:
        lb = self.elb.create_load_balancer(Name="web", Subnets=self.subnets)["LoadBalancers"][0]
        tg = self.elb.create_target_group(Name="blue", Protocol="HTTP", Port=80, VpcId=self.vpc)
        arn = tg["TargetGroups"][0]["TargetGroupArn"]
        listener = self.elb.create_listener(
            LoadBalancerArn=lb["LoadBalancerArn"],
            Protocol="HTTP",
            Port=80,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": arn}],
        )["Listeners"][0]["ListenerArn"]
        return {
            "lb": lb["LoadBalancerArn"],
            "tg": arn,
            "listener": listener,
            "created": lb["State"]["Code"],
        }


@pytest.fixture
def moto(moto_env: None, moto_session: Any) -> Iterator[Backend]:
    from moto import mock_aws

    with mock_aws():
        ec2 = moto_session.client("ec2", region_name="us-east-1")
        vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
        subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]][:2]
        yield Backend(
            "moto", ec2, moto_session.client("elbv2", region_name="us-east-1"), vpc, subnets
        )


@pytest.fixture
def sim() -> tuple[Backend, SimulatedAWS]:
    aws = SimulatedAWS(seed=2, validate_responses=True)
    lb_vpc = aws._services["elbv2"].vpc_id
    return Backend(
        "ecsim", aws.client("ec2"), aws.client("elbv2"), lb_vpc, ["subnet-a", "subnet-b"]
    ), aws


@pytest.fixture(params=["moto", "ecsim"])
def backend(request: pytest.FixtureRequest) -> tuple[Backend, SimulatedAWS | None]:
    if request.param == "moto":
        return request.getfixturevalue("moto"), None
    return request.getfixturevalue("sim")


ARN = {
    "lb": r"arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/[0-9a-f]{16}",
    "tg": r"arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/[0-9a-f]{16}",
    "listener": r"arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/"
    r"[0-9a-f]{16}/[0-9a-f]{16}",
}


def code(call: Any, **params: Any) -> str:
    with pytest.raises(ClientError) as e:
        call(**params)
    return str(e.value.response["Error"]["Code"])


# ----------------------------------------------------------------------------- agreement
def test_arns_and_state(backend):
    b, aws = backend
    ids = b.setup()
    for key, pattern in ARN.items():
        assert re.fullmatch(pattern, ids[key]), (key, ids[key])
    assert ids["created"] == "provisioning"
    b.settle(aws)
    lb = b.elb.describe_load_balancers(LoadBalancerArns=[ids["lb"]])["LoadBalancers"][0]
    assert (lb["LoadBalancerName"], lb["Type"], lb["State"]["Code"]) == (
        "web",
        "application",
        "active",
    )


def test_error_codes_agree(backend):
    b, _ = backend
    ids = b.setup()
    elb = b.elb
    assert (
        code(elb.create_target_group, Name="blue", Protocol="HTTP", Port=81, VpcId=b.vpc)
        == "DuplicateTargetGroupName"
    )
    rule = {
        "ListenerArn": ids["listener"],
        "Conditions": [{"Field": "path-pattern", "Values": ["/a"]}],
        "Actions": [{"Type": "forward", "TargetGroupArn": ids["tg"]}],
    }
    elb.create_rule(Priority=5, **rule)
    assert code(elb.create_rule, Priority=5, **rule) == "PriorityInUse"
    assert [r["Priority"] for r in elb.describe_rules(ListenerArn=ids["listener"])["Rules"]] == [
        "5",
        "default",
    ]
    assert code(elb.delete_target_group, TargetGroupArn=ids["tg"]) == "ResourceInUse"
    assert code(elb.describe_load_balancers, Names=["nope"]) == "LoadBalancerNotFound"
    assert code(elb.describe_target_groups, Names=["nope"]) == "TargetGroupNotFound"
    assert code(elb.describe_listeners, ListenerArns=[ids["listener"] + "0"]) == "ListenerNotFound"
    rule_arn = ids["listener"].replace(":listener/", ":listener-rule/") + "/0123456789abcdef"
    assert code(elb.describe_rules, RuleArns=[rule_arn]) == "RuleNotFound"
    err = error_of(
        elb,
        "modify_target_group_attributes",
        TargetGroupArn=ids["tg"],
        Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "4000"}],
    )
    assert (
        err
        == {
            "Code": "ValidationError",
            "Message": "'deregistration_delay.timeout_seconds' value '4000' must be between "
            "'0-3600' inclusive",
        }
        or err["Code"] == "ValidationError"
    )


def test_weighted_forward_config_view_agrees(backend):
    b, _ = backend
    ids = b.setup()
    green = b.elb.create_target_group(Name="green", Protocol="HTTP", Port=80, VpcId=b.vpc)
    green_arn = green["TargetGroups"][0]["TargetGroupArn"]
    actions = b.elb.modify_listener(
        ListenerArn=ids["listener"],
        DefaultActions=[
            {
                "Type": "forward",
                "ForwardConfig": {
                    "TargetGroups": [
                        {"TargetGroupArn": ids["tg"], "Weight": 90},
                        {"TargetGroupArn": green_arn, "Weight": 10},
                    ]
                },
            }
        ],
    )["Listeners"][0]["DefaultActions"]
    assert actions == [
        {
            "Type": "forward",
            "ForwardConfig": {
                "TargetGroups": [
                    {"TargetGroupArn": ids["tg"], "Weight": 90},
                    {"TargetGroupArn": green_arn, "Weight": 10},
                ],
                "TargetGroupStickinessConfig": {"Enabled": False},
            },
        }
    ]


def test_deregistered_target_reads_not_registered(backend):
    b, aws = backend
    ids = b.setup()
    b.elb.modify_target_group_attributes(
        TargetGroupArn=ids["tg"],
        Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "0"}],
    )
    iid = b.instance()
    b.settle(aws)
    b.elb.register_targets(TargetGroupArn=ids["tg"], Targets=[{"Id": iid}])
    b.settle(aws)
    b.elb.deregister_targets(TargetGroupArn=ids["tg"], Targets=[{"Id": iid}])
    b.settle(aws)
    (row,) = b.elb.describe_target_health(TargetGroupArn=ids["tg"], Targets=[{"Id": iid}])[
        "TargetHealthDescriptions"
    ]
    assert row["TargetHealth"] == {
        "State": "unused",
        "Reason": "Target.NotRegistered",
        "Description": "Target is not registered to the target group",
    }
    assert code(b.elb.deregister_targets, TargetGroupArn=ids["tg"], Targets=[{"Id": iid}]) == (
        "InvalidTarget"
    )


# ----------------------------------------------------------------------------- departures
def test_moto_targets_are_healthy_at_once(moto, sim):
    """AWS: initial (Elb.RegistrationInProgress) until HealthyThresholdCount checks pass, and
    unused (Target.NotInUse) while no listener forwards to the group; moto: healthy."""
    results = {}
    for b, aws in ((moto, None), sim):
        tg = b.elb.create_target_group(Name="solo", Protocol="HTTP", Port=80, VpcId=b.vpc)
        arn = tg["TargetGroups"][0]["TargetGroupArn"]
        iid = b.instance()
        b.settle(aws)
        b.elb.register_targets(TargetGroupArn=arn, Targets=[{"Id": iid}])
        rows = b.elb.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
        results[b.name] = rows[0]["TargetHealth"]["State"], rows[0]["HealthCheckPort"]
    assert results["ecsim"] == ("unused", "80")
    assert results["moto"] == ("healthy", "traffic-port"), MOTO_CHANGED


def test_moto_http_health_check_timeout_default(moto, sim):
    """CreateTargetGroup reference: HTTP timeout default 6 s; moto: 5 s."""
    out = {}
    for b in (moto, sim[0]):
        tg = b.elb.create_target_group(Name="t", Protocol="HTTP", Port=80, VpcId=b.vpc)
        out[b.name] = tg["TargetGroups"][0]["HealthCheckTimeoutSeconds"]
    assert out["ecsim"] == 6
    assert out["moto"] == 5, MOTO_CHANGED


def test_moto_accepts_what_aws_refuses(moto, sim):
    """Names with a leading hyphen, weight 1000, unknown instance IDs: AWS refuses them."""
    b, _ = sim
    ids_sim, ids_moto = b.setup(), moto.setup()
    assert code(b.elb.create_load_balancer, Name="-web", Subnets=b.subnets) == "ValidationError"
    moto.elb.create_load_balancer(Name="-web", Subnets=moto.subnets)  # moto: accepted
    heavy = [{"Type": "forward", "ForwardConfig": {"TargetGroups": [{"Weight": 1000}]}}]
    for backend_, ids in ((b, ids_sim), (moto, ids_moto)):
        heavy[0]["ForwardConfig"]["TargetGroups"][0]["TargetGroupArn"] = ids["tg"]
        if backend_ is b:
            assert code(
                b.elb.modify_listener, ListenerArn=ids["listener"], DefaultActions=heavy
            ) == ("ValidationError")
        else:
            moto.elb.modify_listener(ListenerArn=ids["listener"], DefaultActions=heavy)
    ghost = [{"Id": "i-0123456789abcdef0"}]
    assert code(b.elb.register_targets, TargetGroupArn=ids_sim["tg"], Targets=ghost) == (
        "InvalidTarget"
    )
    moto.elb.register_targets(TargetGroupArn=ids_moto["tg"], Targets=ghost)  # moto: accepted


def test_moto_create_load_balancer_is_not_idempotent(moto, sim):
    """CreateLoadBalancer reference: creating one with the same settings again succeeds and
    returns the same load balancer; moto makes a second one of the same name."""
    arns = {}
    for b in (moto, sim[0]):
        first = b.elb.create_load_balancer(Name="web", Subnets=b.subnets)["LoadBalancers"][0]
        again = b.elb.create_load_balancer(Name="web", Subnets=b.subnets)["LoadBalancers"][0]
        arns[b.name] = first["LoadBalancerArn"] == again["LoadBalancerArn"]
    assert arns["ecsim"] is True
    assert arns["moto"] is False, MOTO_CHANGED


def test_moto_delete_of_a_missing_target_group(moto, sim):
    """DeleteTargetGroup's reference lists only ResourceInUse: a missing group is no error in
    ecsim; moto answers TargetGroupNotFound."""
    b, _ = sim
    missing = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/x/0123456789abcdef"
    b.elb.delete_target_group(TargetGroupArn=missing)
    assert code(moto.elb.delete_target_group, TargetGroupArn=missing) == "TargetGroupNotFound", (
        MOTO_CHANGED
    )


def test_moto_dns_name_and_zone(moto, sim):
    """AWS: <name>-<digits>.<region>.elb.amazonaws.com, the Region's ALB hosted zone, and
    Scheme internet-facing when not given (moto leaves Scheme out)."""
    b, _ = sim
    ours = b.elb.create_load_balancer(Name="web", Subnets=b.subnets)["LoadBalancers"][0]
    theirs = moto.elb.create_load_balancer(Name="web", Subnets=moto.subnets)["LoadBalancers"][0]
    assert re.fullmatch(r"web-\d{10}\.us-east-1\.elb\.amazonaws\.com", ours["DNSName"])
    assert ours["CanonicalHostedZoneId"] == "Z35SXDOTRQ7X7K"
    assert ours["Scheme"] == "internet-facing"
    assert theirs["DNSName"] == "web-1.us-east-1.elb.amazonaws.com", MOTO_CHANGED
    assert "Scheme" not in theirs, MOTO_CHANGED
