"""``aws.inject_fault``: a bad version in the boto3 world. The canary group's service runs
a revision that answers 20 % 5xx; its target group's HTTPCode_Target_5XX_Count shows
that share of its RequestCount and the stable group shows none."""

from __future__ import annotations

import pytest
from test_traffic_acceptance import build, dimension

from simulator.aws import SimulatedAWS
from simulator.core.errors import EcsimError


def _sum(cw, lb_dim, tg_arn, metric, start, end) -> float:
    data = cw.get_metric_data(
        MetricDataQueries=[
            {
                "Id": "m",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/ApplicationELB",
                        "MetricName": metric,
                        "Dimensions": [
                            {"Name": "LoadBalancer", "Value": lb_dim},
                            {"Name": "TargetGroup", "Value": dimension(tg_arn, "TargetGroup")},
                        ],
                    },
                    "Period": 60,
                    "Stat": "Sum",
                },
            }
        ],
        StartTime=start,
        EndTime=end,
    )
    return sum(data["MetricDataResults"][0]["Values"])


def test_a_faulty_revision_answers_its_share_of_5xx_on_its_target_group() -> None:
    aws = SimulatedAWS(seed=11, validate_responses=True)
    lb, groups = build(aws)
    ecs, cw = aws.client("ecs"), aws.client("cloudwatch")
    ecs.get_waiter("services_stable").wait(cluster="web", services=["stable", "canary"])
    aws.advance("10m")  # targets healthy
    canary_td = ecs.describe_services(cluster="web", services=["canary"])["services"][0][
        "taskDefinition"
    ]
    aws.inject_fault(canary_td, error_probability=0.2, latency_multiplier=2.0)
    start = aws.timestamp()
    aws.send_traffic(lb["DNSName"], 300)
    aws.advance("20m")
    end = aws.timestamp()
    lb_dim = dimension(lb["LoadBalancerArn"], "LoadBalancer")
    canary = {
        m: _sum(cw, lb_dim, groups["canary"], m, start, end)
        for m in ("RequestCount", "HTTPCode_Target_5XX_Count")
    }
    stable_5xx = _sum(cw, lb_dim, groups["stable"], "HTTPCode_Target_5XX_Count", start, end)
    assert canary["RequestCount"] > 0
    assert canary["HTTPCode_Target_5XX_Count"] / canary["RequestCount"] == pytest.approx(0.2)
    assert stable_5xx == 0


def test_inject_fault_refuses_unknown_revisions_and_bad_fields() -> None:
    aws = SimulatedAWS(seed=1)
    build(aws)
    with pytest.raises(Exception, match="Unable to describe task definition"):
        aws.inject_fault("nope:9", error_probability=0.1)
    td = aws.client("ecs").describe_services(cluster="web", services=["stable"])["services"][0][
        "taskDefinition"
    ]
    with pytest.raises(EcsimError, match="error_probability"):
        aws.inject_fault(td, error_probability=3)
