"""The load-balancer issue's acceptance script: a boto3 script creates an ALB with two
target groups, puts an ECS service behind each, sets the listener's weights to 90/10,
waits target_in_service, runs 30 simulated minutes under ``aws.send_traffic`` and reads
RequestCount per target group with get_metric_data: it sees the 90/10 split. An alarm
on the second group's RequestCount goes to ALARM once traffic flows and leaves it, as
TreatMissingData says, when traffic stops."""

from __future__ import annotations

import datetime as dt

import pytest
from ecs_api_helpers import DEFAULT_SUBNETS, awsvpc_service_taskdef
from ecs_api_helpers import USER_DATA as HELPER_USER_DATA

from simulator.aws import SimulatedAWS

USER_DATA = HELPER_USER_DATA.format(cluster="web")


def build(aws: SimulatedAWS):
    ec2, ecs, elbv2 = aws.client("ec2"), aws.client("ecs"), aws.client("elbv2")
    ecs.create_cluster(clusterName="web")
    ec2.run_instances(
        ImageId="ami-12345678",
        InstanceType="m6i.xlarge",
        MinCount=4,
        MaxCount=4,
        UserData=USER_DATA,
    )
    lb = elbv2.create_load_balancer(Name="shop", Subnets=["subnet-a", "subnet-b"])["LoadBalancers"][
        0
    ]
    groups = {}
    for name in ("stable", "canary"):
        groups[name] = elbv2.create_target_group(
            Name=name, Protocol="HTTP", Port=8080, TargetType="ip", VpcId="vpc-1"
        )["TargetGroups"][0]["TargetGroupArn"]
    elbv2.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": groups["stable"]}],
    )
    listener = elbv2.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"][0]
    elbv2.modify_listener(
        ListenerArn=listener["ListenerArn"],
        DefaultActions=[
            {
                "Type": "forward",
                "ForwardConfig": {
                    "TargetGroups": [
                        {"TargetGroupArn": groups["stable"], "Weight": 90},
                        {"TargetGroupArn": groups["canary"], "Weight": 10},
                    ]
                },
            }
        ],
    )
    for name, arn in groups.items():
        td = awsvpc_service_taskdef(ecs, name, cpu=1024, memory=2048)
        ecs.create_service(
            cluster="web",
            serviceName=name,
            taskDefinition=td,
            desiredCount=3,
            networkConfiguration={"awsvpcConfiguration": {"subnets": DEFAULT_SUBNETS}},
            loadBalancers=[{"targetGroupArn": arn, "containerName": "app", "containerPort": 8080}],
        )
    return lb, groups


def dimension(arn: str, kind: str) -> str:
    if kind == "LoadBalancer":
        return arn.split(":loadbalancer/", 1)[1]
    return "targetgroup/" + arn.split(":targetgroup/", 1)[1]


def test_a_weighted_listener_splits_traffic_and_an_alarm_follows_it() -> None:
    aws = SimulatedAWS(seed=11, validate_responses=True)
    lb, groups = build(aws)
    ecs, elbv2, cw = aws.client("ecs"), aws.client("elbv2"), aws.client("cloudwatch")
    ecs.get_waiter("services_stable").wait(cluster="web", services=["stable", "canary"])
    for arn in groups.values():
        aws.run_until(
            lambda arn=arn: (
                len(elbv2.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"])
                == 3
            ),
            timeout="10m",
        )
        elbv2.get_waiter("target_in_service").wait(TargetGroupArn=arn)
    lb_dim = dimension(lb["LoadBalancerArn"], "LoadBalancer")
    canary_dims = [
        {"Name": "LoadBalancer", "Value": lb_dim},
        {"Name": "TargetGroup", "Value": dimension(groups["canary"], "TargetGroup")},
    ]
    cw.put_metric_alarm(
        AlarmName="canary-traffic",
        Namespace="AWS/ApplicationELB",
        MetricName="RequestCount",
        Dimensions=canary_dims,
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1000.0,
        ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="notBreaching",
    )
    start = aws.timestamp()
    aws.send_traffic(lb["DNSName"], 300)
    aws.advance("30m")
    end = aws.timestamp()
    queries = [
        {
            "Id": name,
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/ApplicationELB",
                    "MetricName": "RequestCount",
                    "Dimensions": [
                        {"Name": "LoadBalancer", "Value": lb_dim},
                        {"Name": "TargetGroup", "Value": dimension(arn, "TargetGroup")},
                    ],
                },
                "Period": 60,
                "Stat": "Sum",
            },
        }
        for name, arn in groups.items()
    ]
    data = cw.get_metric_data(MetricDataQueries=queries, StartTime=start, EndTime=end)
    sums = {r["Id"]: sum(r["Values"]) for r in data["MetricDataResults"]}
    total = sums["stable"] + sums["canary"]
    assert total == pytest.approx(300 * 60 * 29, rel=0.04)  # the last minute is not put yet
    assert sums["canary"] / total == pytest.approx(0.10, abs=0.001)
    alarm = cw.describe_alarms(AlarmNames=["canary-traffic"])["MetricAlarms"][0]
    assert alarm["StateValue"] == "ALARM"  # 10 % of 300 rps = 1,800 a minute > 1,000
    aws.send_traffic(lb["DNSName"], 0)
    stopped = aws.now
    aws.advance("5m")
    alarm = cw.describe_alarms(AlarmNames=["canary-traffic"])["MetricAlarms"][0]
    assert alarm["StateValue"] == "OK"  # notBreaching: no requests, no datapoint
    history = cw.describe_alarm_history(AlarmName="canary-traffic", HistoryItemType="StateUpdate")
    items = sorted(history["AlarmHistoryItems"], key=lambda h: h["Timestamp"])
    summaries = [h["HistorySummary"] for h in items]
    assert any("to ALARM" in s for s in summaries) and "to OK" in summaries[-1]
    ok_at = (items[-1]["Timestamp"] - aws.start_time).total_seconds()
    assert stopped < ok_at <= stopped + 4 * 60
    assert isinstance(items[-1]["Timestamp"], dt.datetime)


def test_response_time_points_give_the_model_s_p50_p99_and_mean() -> None:
    from simulator.cloudwatch.elb_metrics import response_time_points
    from simulator.cloudwatch.store import MetricStore

    p50, mean, p99 = 0.010, 0.0144, 0.046  # an M/M/1 shape: mean > p50, long tail
    values, counts = response_time_points(p50, mean, p99, 1000.0)
    store = MetricStore()
    store.put("AWS/ApplicationELB", "TargetResponseTime", {}, 0.0, values=values, counts=counts)
    (point,) = store.statistics(
        "AWS/ApplicationELB", "TargetResponseTime", {}, 0.0, 60.0, 60, ["Average", "p50", "p99"]
    )
    assert point.values["p50"] == pytest.approx(p50)
    assert point.values["p99"] == pytest.approx(p99)
    assert point.values["Average"] == pytest.approx(mean)
