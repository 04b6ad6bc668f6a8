"""Helpers for the boto3 ELBv2 tests: an ALB, target groups and a weighted listener."""

from __future__ import annotations

from typing import Any

from aws_helpers import checked

SUBNETS = ["subnet-0a", "subnet-0b"]


def alb(elb: Any, name: str = "web", **params: Any) -> dict[str, Any]:
    params.setdefault("Subnets", SUBNETS)
    return checked(elb, "create_load_balancer", Name=name, **params)["LoadBalancers"][0]


def target_group(elb: Any, name: str, vpc_id: str, **params: Any) -> dict[str, Any]:
    params.setdefault("Protocol", "HTTP")
    params.setdefault("Port", 80)
    return checked(elb, "create_target_group", Name=name, VpcId=vpc_id, **params)["TargetGroups"][0]


def forward(*weighted: tuple[str, int]) -> list[dict[str, Any]]:
    return [
        {
            "Type": "forward",
            "ForwardConfig": {
                "TargetGroups": [{"TargetGroupArn": arn, "Weight": w} for arn, w in weighted]
            },
        }
    ]


def listener(elb: Any, lb_arn: str, actions: list[dict[str, Any]], port: int = 80) -> str:
    return checked(
        elb,
        "create_listener",
        LoadBalancerArn=lb_arn,
        Protocol="HTTP",
        Port=port,
        DefaultActions=actions,
    )["Listeners"][0]["ListenerArn"]


def health(elb: Any, tg_arn: str, *ids: str) -> list[tuple[str, str, str | None]]:
    params: dict[str, Any] = {"TargetGroupArn": tg_arn}
    if ids:
        params["Targets"] = [{"Id": i} for i in ids]
    rows = checked(elb, "describe_target_health", **params)["TargetHealthDescriptions"]
    return [
        (r["Target"]["Id"], r["TargetHealth"]["State"], r["TargetHealth"].get("Reason"))
        for r in rows
    ]
