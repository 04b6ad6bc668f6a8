"""The load-balancer issue's acceptance script: a boto3 script creates an ALB with two
target groups, puts an ECS service behind each, sets the listener's weights to 90/10,
waits target_in_service, runs 30 simulated minutes under ``aws.send_traffic`` and reads
RequestCount per target group with get_metric_data: it sees the 90/10 split. An alarm
on the second group's RequestCount goes to ALARM once traffic flows and leaves it, as
TreatMissingData says, when traffic stops."""

from __future__ import annotations

import datetime as dt

import pytest

from simulator.aws import SimulatedAWS

USER_DATA = "#!/bin/bash\necho ECS_CLUSTER=web >> /etc/ecs/ecs.config\n"


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
        td = ecs.register_task_definition(
            family=name,
            networkMode="awsvpc",
            containerDefinitions=[
                {
                    "name": "app",
                    "image": f"shop:{name}",
                    "cpu": 1024,
                    "memory": 2048,
                    "essential": True,
                    "portMappings": [{"containerPort": 8080}],
                }
            ],
        )["taskDefinition"]["taskDefinitionArn"]
        ecs.create_service(
            cluster="web",
            serviceName=name,
            taskDefinition=td,
            desiredCount=3,
            networkConfiguration={"awsvpcConfiguration": {"subnets": ["subnet-a"]}},
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
