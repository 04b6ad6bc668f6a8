"""Speed of the simulated boto3 ECS client.

Prints: the wall time of the ECS acceptance script (launch 2 Graviton and 2 x86
instances into a cluster through their user data, register a task definition, create a
binpacked arm64-only service of 6 tasks, wait for services_stable); and boto3 ECS calls
per second for a few calls on a cluster of 20 instances and 100 tasks, with and without
response validation. A benchmark, not a test: nothing is asserted.

    .venv/bin/python benchmarks/bench_aws_ecs.py
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from simulator.aws import SimulatedAWS
from simulator.aws.examples import ECS_USER_DATA, deploy_arm64_service

IMAGE_ID = "ami-1e749f67"
TASK_DEFINITION = {
    "family": "web",
    "containerDefinitions": [
        {"name": "web", "image": "web:1", "cpu": 1024, "memory": 3072, "essential": True}
    ],
}


def acceptance(repeats: int = 7) -> None:
    walls, simulated = [], []
    for seed in range(repeats):
        aws = SimulatedAWS(seed=seed)
        ec2, ecs = aws.client("ec2"), aws.client("ecs")
        t = time.perf_counter()
        with aws.patch_sleep():
            deploy_arm64_service(ec2, ecs, TASK_DEFINITION, desired_count=6)
        walls.append(time.perf_counter() - t)
        simulated.append(aws.now)
    print("ECS acceptance script (4 instances, a binpacked arm64 service, services_stable)")
    print(
        f"  wall time: median {statistics.median(walls) * 1000:.1f} ms, "
        f"min {min(walls) * 1000:.1f} ms, max {max(walls) * 1000:.1f} ms over {repeats} runs"
    )
    print(f"  simulated time the script took: {statistics.median(simulated):.0f} s")


def calls_per_second(validate: bool, seconds: float = 1.0) -> None:
    aws = SimulatedAWS(seed=1, validate_responses=validate)
    ec2, ecs = aws.client("ec2"), aws.client("ecs")
    ecs.create_cluster(clusterName="prod")
    ec2.run_instances(
        ImageId=IMAGE_ID,
        InstanceType="m6g.2xlarge",
        MinCount=20,
        MaxCount=20,
        UserData=ECS_USER_DATA.format(cluster="prod"),
    )
    aws.advance("2m")
    ecs.register_task_definition(**TASK_DEFINITION)
    ecs.create_service(cluster="prod", serviceName="web", taskDefinition="web", desiredCount=100)
    ecs.get_waiter("services_stable").wait(cluster="prod", services=["web"])
    arns = ecs.list_tasks(cluster="prod", serviceName="web")["taskArns"]
    instances = ecs.list_container_instances(cluster="prod")["containerInstanceArns"]
    cases: dict[str, Callable[[], Any]] = {
        "describe_services (100 tasks)": lambda: ecs.describe_services(
            cluster="prod", services=["web"]
        ),
        "describe_tasks (10 tasks)": lambda: ecs.describe_tasks(cluster="prod", tasks=arns[:10]),
        "list_tasks (100)": lambda: ecs.list_tasks(cluster="prod", serviceName="web"),
        "describe_container_instances (20)": lambda: ecs.describe_container_instances(
            cluster="prod", containerInstances=instances
        ),
    }
    label = "with" if validate else "without"
    print(f"boto3 ECS calls per second, {label} response validation")
    for name, fn in cases.items():
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            fn()
            n += 1
        print(f"  {name:36s} {n / (time.perf_counter() - start):8.0f} /s")


if __name__ == "__main__":
    acceptance()
    calls_per_second(validate=False)
    calls_per_second(validate=True)
