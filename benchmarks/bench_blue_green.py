"""A CodeDeploy blue/green deployment's cost as its service grows.

The seed's stack (``simulator.testing.deploy.blue_green_world``: Fargate tasks behind an
ALB with blue and green target groups, a production and a test listener) at each
``--desired`` count, settled with blue healthy; then one CodeDeploy deployment
(Canary10Percent5Minutes, a 5-minute termination wait) of a new revision, run for 40
simulated minutes. Prints per size the CPU seconds of the deployment alone (the settling
of the stack is not counted), per task, and the exponent fitted (log-log least squares)
over the sizes: near 1 is a deployment whose cost grows with its tasks, 2 one that looks
at every task on each task's event.

    .venv/bin/python benchmarks/bench_blue_green.py --desired 100 200 400

A benchmark, not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import time

from bench_fleet_scale import slope  # the log-log least-squares fit, a sibling script's

from simulator.aws import SimulatedAWS
from simulator.testing.deploy import blue_green_world


def appspec(task_definition: str) -> str:
    target = {
        "Type": "AWS::ECS::Service",
        "Properties": {
            "TaskDefinition": task_definition,
            "LoadBalancerInfo": {"ContainerName": "app", "ContainerPort": 8080},
        },
    }
    return json.dumps({"version": 0.0, "Resources": [{"TargetService": target}]})


def deployment_cpu(desired: int) -> tuple[float, str]:
    """CPU seconds of one deployment of a service of ``desired`` tasks, and its status."""
    aws = SimulatedAWS(seed=0, validate_responses=False)
    w = blue_green_world(0, desired=desired, termination_wait_minutes=5, aws=aws)
    td = w.register_revision()
    t0 = time.process_time()
    did = w.codedeploy.create_deployment(
        applicationName="api",
        deploymentGroupName="api-dg",
        revision={"revisionType": "AppSpecContent", "appSpecContent": {"content": appspec(td)}},
    )["deploymentId"]
    aws.advance("40m")
    cpu = time.process_time() - t0
    return cpu, w.codedeploy.get_deployment(deploymentId=did)["deploymentInfo"]["status"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--desired", type=int, nargs="+", default=[100, 200, 400])
    args = parser.parse_args()
    sizes, cpus = [], []
    for n in args.desired:
        cpu, status = deployment_cpu(n)
        sizes.append(n)
        cpus.append(cpu)
        print(f"{n:>5} tasks: {status}, {cpu:.2f} CPU-s, {cpu / n * 1000:.2f} ms per task")
    if len(sizes) > 1:
        print(f"exponent in tasks: {slope(sizes, cpus):.2f}")


if __name__ == "__main__":
    main()
