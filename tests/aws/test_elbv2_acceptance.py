"""A boto3 script as a user writes it: an ALB with two target groups, EC2 instances behind
them, a 90/10 weighted listener, waiters that advance simulated time."""

from __future__ import annotations

import pytest
from aws_helpers import checked, launch
from elbv2_helpers import alb, forward, health, listener, target_group

from simulator.aws import SimulatedAWS
from simulator.traffic.elb import Request


@pytest.fixture
def aws() -> SimulatedAWS:
    return SimulatedAWS(seed=3, validate_responses=True)


def test_alb_weighted_targets_in_service_then_deregistered(aws: SimulatedAWS):
    ec2, elb = aws.client("ec2"), aws.client("elbv2")
    blue_ids = launch(ec2, 2, "m6i.large")
    green_ids = launch(ec2, 1, "m6i.large")
    aws.run_until(
        lambda: all(i.state == "running" for i in aws.fleet.instances.values()), timeout="10m"
    )
    lb = alb(elb)
    assert lb["State"]["Code"] == "provisioning"
    elb.get_waiter("load_balancer_available").wait(LoadBalancerArns=[lb["LoadBalancerArn"]])
    assert aws.elbv2.find(lb["DNSName"]).state(aws.now) == "active"

    blue = target_group(elb, "blue", lb["VpcId"])
    green = target_group(elb, "green", lb["VpcId"])
    assert (blue["HealthCheckIntervalSeconds"], blue["HealthCheckTimeoutSeconds"]) == (30, 6)
    checked(
        elb,
        "register_targets",
        TargetGroupArn=blue["TargetGroupArn"],
        Targets=[{"Id": i} for i in blue_ids],
    )
    checked(
        elb,
        "register_targets",
        TargetGroupArn=green["TargetGroupArn"],
        Targets=[{"Id": i} for i in green_ids],
    )
    # no listener forwards to them yet: unused, Target.NotInUse
    assert {r[1:] for r in health(elb, blue["TargetGroupArn"])} == {("unused", "Target.NotInUse")}

    listener_arn = listener(
        elb,
        lb["LoadBalancerArn"],
        forward((blue["TargetGroupArn"], 90), (green["TargetGroupArn"], 10)),
    )
    assert {r[1:] for r in health(elb, blue["TargetGroupArn"])} == {
        ("initial", "Elb.RegistrationInProgress")
    }
    start = aws.now
    elb.get_waiter("target_in_service").wait(
        TargetGroupArn=blue["TargetGroupArn"], Targets=[{"Id": i} for i in blue_ids]
    )
    tg = aws.elbv2.target_group(blue["TargetGroupArn"])
    registration = aws.elb_health.timing.registration_s
    healthy_at = registration + (tg.check.healthy_threshold - 1) * tg.check.interval_s
    assert healthy_at <= aws.now - start < healthy_at + 15  # the waiter polls every 15 s
    elb.get_waiter("target_in_service").wait(TargetGroupArn=green["TargetGroupArn"])

    lst = aws.elbv2.listener(listener_arn)
    groups, elb_503 = lst.split(1000.0)
    assert groups == pytest.approx({"blue": 900.0, "green": 100.0}) and elb_503 == 0
    routed = lst.route_split(1000.0, Request(path="/"))
    assert routed.total() == pytest.approx(1000.0)

    checked(
        elb,
        "deregister_targets",
        TargetGroupArn=blue["TargetGroupArn"],
        Targets=[{"Id": blue_ids[0]}],
    )
    assert health(elb, blue["TargetGroupArn"], blue_ids[0]) == [
        (blue_ids[0], "draining", "Target.DeregistrationInProgress")
    ]
    assert blue_ids[0] not in tg.routable()
    start = aws.now
    elb.get_waiter("target_deregistered").wait(
        TargetGroupArn=blue["TargetGroupArn"], Targets=[{"Id": blue_ids[0]}]
    )
    assert 300 <= aws.now - start <= 315  # the delay, to the next 15 s poll
    assert health(elb, blue["TargetGroupArn"], blue_ids[0]) == [
        (blue_ids[0], "unused", "Target.NotRegistered")
    ]
    assert [r[0] for r in health(elb, blue["TargetGroupArn"])] == [blue_ids[1]]


def test_weights_to_zero_and_a_stopped_instance(aws: SimulatedAWS):
    ec2, elb = aws.client("ec2"), aws.client("elbv2")
    (iid,) = launch(ec2, 1, "m6i.large")
    aws.advance("3m")
    lb = alb(elb)
    blue = target_group(elb, "blue", lb["VpcId"])
    green = target_group(elb, "green", lb["VpcId"])
    checked(elb, "register_targets", TargetGroupArn=blue["TargetGroupArn"], Targets=[{"Id": iid}])
    arn = listener(elb, lb["LoadBalancerArn"], forward((blue["TargetGroupArn"], 1)))
    elb.get_waiter("target_in_service").wait(TargetGroupArn=blue["TargetGroupArn"])
    out = checked(
        elb,
        "modify_listener",
        ListenerArn=arn,
        DefaultActions=forward((blue["TargetGroupArn"], 0), (green["TargetGroupArn"], 0)),
    )
    weights = out["Listeners"][0]["DefaultActions"][0]["ForwardConfig"]["TargetGroups"]
    assert [w["Weight"] for w in weights] == [0, 0]
    assert aws.elbv2.listener(arn).split(50.0) == ({}, 50.0)  # all weights 0: every request 503
    ec2.stop_instances(InstanceIds=[iid])
    aws.advance("2m")
    assert health(elb, blue["TargetGroupArn"]) == [(iid, "unused", "Target.InvalidState")]
