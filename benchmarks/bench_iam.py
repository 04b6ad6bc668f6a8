"""Cost of authorization: the pure evaluator on the seed's ABAC policy, and ECS calls per
second through boto3 as the administrator (no authorization) and as a role with that
policy. A benchmark, not a test: nothing is asserted.

    .venv/bin/python benchmarks/bench_iam.py
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from simulator.aws import SimulatedAWS
from simulator.iam import Request, evaluate, parse_policy

POLICY = (Path(__file__).parents[1] / "tests" / "aws" / "data" / "ecs-abac-policy.json").read_text()
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "sts:AssumeRole"}
        ],
    }
)
TAGS = [{"key": "owner", "value": "mock_user"}, {"key": "environment", "value": "development"}]


def evaluations(n: int = 20000) -> None:
    policy = parse_policy(POLICY)
    context = {
        "aws:PrincipalTag/owner": ["mock_user"],
        "aws:PrincipalTag/environment": ["development"],
        "aws:ResourceTag/owner": ["mock_user"],
        "aws:ResourceTag/environment": ["development"],
    }
    request = Request("ecs:DeleteCluster", "arn:aws:ecs:us-east-1:123456789012:cluster/x", context)
    t = time.perf_counter()
    for _ in range(n):
        evaluate([policy], request)
    dt = time.perf_counter() - t
    print(f"pure evaluation (7 statements, allowed by the 2nd): {n / dt:,.0f} per second")


def calls(n: int = 300) -> None:
    aws = SimulatedAWS(seed=0)
    iam = aws.client("iam")
    role = iam.create_role(
        RoleName="dev",
        AssumeRolePolicyDocument=TRUST,
        Tags=[{"Key": t["key"], "Value": t["value"]} for t in TAGS],
    )["Role"]
    arn = iam.create_policy(PolicyName="abac", PolicyDocument=POLICY)["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="dev", PolicyArn=arn)
    c = aws.client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="bench")["Credentials"]
    admin = aws.client("ecs")
    admin.create_cluster(clusterName="x", tags=TAGS)
    as_role = aws.client(
        "ecs",
        aws_access_key_id=c["AccessKeyId"],
        aws_secret_access_key=c["SecretAccessKey"],
        aws_session_token=c["SessionToken"],
    )
    for name, client in (("administrator", admin), ("role with ABAC policy", as_role)):
        client.describe_clusters(clusters=["x"])
        t = time.perf_counter()
        for _ in range(n):
            client.describe_clusters(clusters=["x"])
        dt = time.perf_counter() - t
        print(f"DescribeClusters as {name}: {n / dt:,.0f} calls per second")


if __name__ == "__main__":
    evaluations()
    calls()
