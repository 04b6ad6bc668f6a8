"""Helpers for the boto3 ECS facade tests: calls that validate their responses."""

from __future__ import annotations

from typing import Any

from aws_helpers import checked, error_of

IMAGE_ID = "ami-1e749f67"
DEFAULT_SUBNETS = [f"subnet-{n:017x}" for n in (3, 4, 5)]
"""The default VPC's subnets of a new account (us-east-1a, b, c; test_ecs_awsvpc checks)."""
USER_DATA = "#!/bin/bash\necho ECS_CLUSTER={cluster} >> /etc/ecs/ecs.config\n"


def call(client: Any, operation: str, **params: Any) -> dict[str, Any]:
    """``client.<operation>(**params)``, its response checked against the output shape."""
    return checked(client, operation, **params)


def error(client: Any, operation: str, **params: Any) -> tuple[str, str]:
    """(code, message) of a call that must fail."""
    e = error_of(client, operation, **params)
    return e["Code"], e["Message"]


def taskdef(
    family: str = "web", cpu: int = 512, memory: int = 1024, **extra: Any
) -> dict[str, Any]:
    container = {"name": family, "image": f"{family}:1", "cpu": cpu, "memory": memory}
    container.update(extra.pop("container", {}))
    return {"family": family, "containerDefinitions": [container], **extra}


def launch(
    ec2: Any, cluster: str, instance_type: str = "m6i.xlarge", count: int = 1, **params: Any
) -> list[str]:
    response = call(
        ec2,
        "run_instances",
        ImageId=IMAGE_ID,
        InstanceType=instance_type,
        MinCount=count,
        MaxCount=count,
        UserData=USER_DATA.format(cluster=cluster),
        **params,
    )
    return [i["InstanceId"] for i in response["Instances"]]


def container_instances(ecs: Any, cluster: str, **params: Any) -> list[dict[str, Any]]:
    arns = call(ecs, "list_container_instances", cluster=cluster, **params)["containerInstanceArns"]
    if not arns:
        return []
    return call(ecs, "describe_container_instances", cluster=cluster, containerInstances=arns)[
        "containerInstances"
    ]


def attribute(ci: dict[str, Any], name: str) -> str | None:
    return next((a.get("value") for a in ci["attributes"] if a["name"] == name), None)


def resources(ci: dict[str, Any], which: str) -> dict[str, Any]:
    """registeredResources / remainingResources by name: integers, or sets of ports."""
    out: dict[str, Any] = {}
    for r in ci[which]:
        out[r["name"]] = (
            r["integerValue"] if r["type"] == "INTEGER" else set(r.get("stringSetValue", []))
        )
    return out


def instances_by_arn(ecs: Any, cluster: str) -> dict[str, dict[str, Any]]:
    """Container instances by ARN, each with an ``arch`` key added."""
    out = {}
    for ci in container_instances(ecs, cluster):
        out[ci["containerInstanceArn"]] = {**ci, "arch": attribute(ci, "ecs.cpu-architecture")}
    return out


def describe_service(ecs: Any, cluster: str, name: str) -> dict[str, Any]:
    return call(ecs, "describe_services", cluster=cluster, services=[name])["services"][0]


def describe_task(ecs: Any, cluster: str, arn: str) -> dict[str, Any]:
    return call(ecs, "describe_tasks", cluster=cluster, tasks=[arn])["tasks"][0]


def service_tasks(ecs: Any, cluster: str, name: str, **params: Any) -> list[dict[str, Any]]:
    arns = call(ecs, "list_tasks", cluster=cluster, serviceName=name, **params)["taskArns"]
    if not arns:
        return []
    return call(ecs, "describe_tasks", cluster=cluster, tasks=arns)["tasks"]


def awsvpc_service_taskdef(ecs: Any, family: str, cpu: int = 512, memory: int = 1024) -> str:
    """Register an awsvpc task definition whose container ``app`` listens on 8080 (for
    services behind ip target groups); its ARN."""
    doc = taskdef(
        family,
        cpu,
        memory,
        networkMode="awsvpc",
        container={"name": "app", "portMappings": [{"containerPort": 8080}], "essential": True},
    )
    return ecs.register_task_definition(**doc)["taskDefinition"]["taskDefinitionArn"]
