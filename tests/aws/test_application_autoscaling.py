"""Application Auto Scaling through boto3: a script registers an ECS service as a scalable
target, puts a CPU target tracking policy, drives load with ``aws.send_traffic``, sees the
policy's AlarmHigh go to ALARM and the desired count rise; the load stops and AlarmLow
scales in after its 15 datapoints. The alarms are CloudWatch alarms of the account."""

from __future__ import annotations

import json
import math

import pytest
from aws_helpers import checked, error_of
from ecs_api_helpers import DEFAULT_SUBNETS, awsvpc_service_taskdef
from ecs_api_helpers import USER_DATA as HELPER_USER_DATA

from simulator.aws import SimulatedAWS

USER_DATA = HELPER_USER_DATA.format(cluster="web")
RESOURCE = "service/web/app"
TARGET = {
    "ServiceNamespace": "ecs",
    "ResourceId": RESOURCE,
    "ScalableDimension": "ecs:service:DesiredCount",
}
CPU_POLICY = {
    "PolicyName": "cpu50",
    "PolicyType": "TargetTrackingScaling",
    "TargetTrackingScalingPolicyConfiguration": {
        "TargetValue": 50.0,
        "PredefinedMetricSpecification": {
            "PredefinedMetricType": "ECSServiceAverageCPUUtilization"
        },
    },
}


def build(aws: SimulatedAWS) -> dict:
    ec2, ecs, elbv2 = aws.client("ec2"), aws.client("ecs"), aws.client("elbv2")
    ecs.create_cluster(clusterName="web")
    ec2.run_instances(
        ImageId="ami-12345678",
        InstanceType="m6i.xlarge",
        MinCount=4,
        MaxCount=4,
        UserData=USER_DATA,
    )
    lb = elbv2.create_load_balancer(Name="shop", Subnets=["subnet-a", "subnet-b"])
    lb = lb["LoadBalancers"][0]
    tg = elbv2.create_target_group(
        Name="app", Protocol="HTTP", Port=8080, TargetType="ip", VpcId="vpc-1"
    )["TargetGroups"][0]["TargetGroupArn"]
    elbv2.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}],
    )
    td = awsvpc_service_taskdef(ecs, "app", cpu=1024, memory=2048)
    ecs.create_service(
        cluster="web",
        serviceName="app",
        taskDefinition=td,
        desiredCount=2,
        networkConfiguration={"awsvpcConfiguration": {"subnets": DEFAULT_SUBNETS}},
        loadBalancers=[{"targetGroupArn": tg, "containerName": "app", "containerPort": 8080}],
    )
    ecs.get_waiter("services_stable").wait(cluster="web", services=["app"])
    elbv2.get_waiter("target_in_service").wait(TargetGroupArn=tg)
    return {"lb": lb, "tg": tg}


def desired(aws: SimulatedAWS) -> int:
    return aws.ecs.service("web", "app").desired_count


def alarm(aws: SimulatedAWS, name: str) -> dict:
    (found,) = checked(aws.client("cloudwatch"), "describe_alarms", AlarmNames=[name])[
        "MetricAlarms"
    ]
    return found


def test_target_tracking_scales_out_on_alarm_high_and_in_after_15_low_datapoints() -> None:
    aws = SimulatedAWS(seed=3, validate_responses=True)
    made = build(aws)
    aas = aws.client("application-autoscaling")
    checked(aas, "register_scalable_target", **TARGET, MinCapacity=1, MaxCapacity=8)
    put = checked(aas, "put_scaling_policy", **TARGET, **CPU_POLICY)
    names = sorted(a["AlarmName"] for a in put["Alarms"])
    high = next(n for n in names if "-AlarmHigh-" in n)
    low = next(n for n in names if "-AlarmLow-" in n)
    assert high.startswith("TargetTracking-service/web/app-AlarmHigh-")
    assert low.startswith("TargetTracking-service/web/app-AlarmLow-")
    h, lo = alarm(aws, high), alarm(aws, low)
    (action,) = h["AlarmActions"]
    assert action.startswith(put["PolicyARN"] + ":createdBy/") and lo["AlarmActions"] == [action]
    assert (h["Namespace"], h["MetricName"], h["Statistic"]) == (
        "AWS/ECS",
        "CPUUtilization",
        "Average",
    )
    assert {d["Name"]: d["Value"] for d in h["Dimensions"]} == {
        "ClusterName": "web",
        "ServiceName": "app",
    }
    assert (h["Threshold"], h["EvaluationPeriods"], h["ComparisonOperator"]) == (
        50.0,
        3,
        "GreaterThanThreshold",
    )
    assert (lo["Threshold"], lo["EvaluationPeriods"], lo["ComparisonOperator"]) == (
        45.0,
        15,
        "LessThanThreshold",
    )
    assert h["AlarmDescription"].startswith("DO NOT EDIT OR DELETE.")
    policies = checked(aas, "describe_scaling_policies", ServiceNamespace="ecs")
    (p,) = policies["ScalingPolicies"]
    assert sorted(a["AlarmName"] for a in p["Alarms"]) == names
    assert p["PolicyARN"] == put["PolicyARN"]

    aws.send_traffic(made["lb"]["DNSName"], 300)  # 75 % of what two 1-vCPU tasks serve
    started = aws.now
    aws.run_until(lambda: aws.alarms.get(high).state == "ALARM", timeout="10m")
    went = aws.now
    assert went - started >= 3 * 60  # three one-minute datapoints above 50 first
    assert went % 60 == 0  # on CloudWatch's evaluation grid
    recent = json.loads(alarm(aws, high)["StateReasonData"])["recentDatapoints"]
    assert len(recent) == 3 and min(recent) > 50
    assert desired(aws) == math.ceil(2 * recent[-1] / 50)  # at the same evaluation
    (first,) = checked(aas, "describe_scaling_activities", ServiceNamespace="ecs")[
        "ScalingActivities"
    ]
    assert first["Description"] == f"Setting desired count to {desired(aws)}."
    assert first["Cause"] == f"monitor alarm {high} in state ALARM triggered policy cpu50"
    assert first["StatusCode"] == "Successful"

    aws.advance("10m")
    scaled = desired(aws)
    assert aws.alarms.get(low).state == "OK"  # the new tasks hold it within 45-50 %
    aws.send_traffic(made["lb"]["DNSName"], 0)
    stopped = aws.now
    aws.run_until(lambda: desired(aws) < scaled, timeout="40m")
    assert aws.alarms.get(low).state == "ALARM"
    assert aws.now - stopped >= 15 * 60  # AlarmLow: 15 of 15 datapoints below 45
    assert desired(aws) == 1  # ceil(n x 0 / 50) = 0, raised to MinCapacity
    acts = checked(aas, "describe_scaling_activities", ServiceNamespace="ecs")["ScalingActivities"]
    assert acts[0]["Cause"] == f"monitor alarm {low} in state ALARM triggered policy cpu50"
    assert acts[0]["StartTime"] >= acts[-1]["StartTime"]  # newest first


def test_delete_policy_deletes_its_alarms_and_deregister_ends_the_target() -> None:
    aws = SimulatedAWS(seed=1, validate_responses=True)
    build(aws)
    aas, cw = aws.client("application-autoscaling"), aws.client("cloudwatch")
    checked(aas, "register_scalable_target", **TARGET, MinCapacity=3, MaxCapacity=8)
    assert desired(aws) == 3  # moved into [min, max] at once
    checked(aas, "put_scaling_policy", **TARGET, **CPU_POLICY)
    assert len(cw.describe_alarms()["MetricAlarms"]) == 2
    checked(aas, "delete_scaling_policy", PolicyName="cpu50", **TARGET)
    assert cw.describe_alarms()["MetricAlarms"] == []
    (t,) = checked(aas, "describe_scalable_targets", ServiceNamespace="ecs")["ScalableTargets"]
    assert (t["MinCapacity"], t["MaxCapacity"], t["ResourceId"]) == (3, 8, RESOURCE)
    checked(aas, "deregister_scalable_target", **TARGET)
    assert (
        checked(aas, "describe_scalable_targets", ServiceNamespace="ecs")["ScalableTargets"] == []
    )
    err = error_of(aas, "deregister_scalable_target", **TARGET)
    assert err["Code"] == "ObjectNotFoundException"


@pytest.mark.parametrize(
    ("change", "code", "words"),
    [
        ({"PolicyType": "StepScaling"}, "ValidationException", "StepScaling is not simulated"),
        (
            {
                "TargetTrackingScalingPolicyConfiguration": {
                    "TargetValue": 100.0,
                    "PredefinedMetricSpecification": {
                        "PredefinedMetricType": "ALBRequestCountPerTarget"
                    },
                }
            },
            "ValidationException",
            "ResourceLabel is required",
        ),
        (
            {"ResourceId": "service/web/nope"},
            "ObjectNotFoundException",
            "No scalable target registered",
        ),
    ],
)
def test_refusals(change: dict, code: str, words: str) -> None:
    aws = SimulatedAWS(seed=1, validate_responses=True)
    build(aws)
    aas = aws.client("application-autoscaling")
    checked(aas, "register_scalable_target", **TARGET, MinCapacity=1, MaxCapacity=4)
    err = error_of(aas, "put_scaling_policy", **{**TARGET, **CPU_POLICY, **change})
    assert err["Code"] == code and words in err["Message"]


def test_register_refuses_an_unknown_service_and_other_namespaces() -> None:
    aws = SimulatedAWS(seed=1, validate_responses=True)
    aas = aws.client("application-autoscaling")
    err = error_of(aas, "register_scalable_target", **TARGET, MinCapacity=1, MaxCapacity=2)
    assert err["Code"] == "ValidationException" and RESOURCE in err["Message"]
    err = error_of(
        aas,
        "register_scalable_target",
        ServiceNamespace="dynamodb",
        ResourceId="table/t",
        ScalableDimension="dynamodb:table:ReadCapacityUnits",
        MinCapacity=1,
        MaxCapacity=2,
    )
    assert err["Code"] == "ValidationException" and "ecs only" in err["Message"]
