"""Helpers for the boto3 facade tests: calls that validate their responses."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from simulator.aws import output_problems

HOST_ZONE = "us-east-1a"
IMAGE_ID = "ami-1e749f67"
"""A well-formed AMI ID that moto also knows (moto.ec2.models.amis.AMIS: Ubuntu, EBS;
moto's ami-12c6146b is a Windows AMI whose Platform fails the output shape)."""


def checked(client: Any, operation: str, **params: Any) -> dict[str, Any]:
    """Call ``client.<operation>`` and assert the response validates against its shape."""
    response = getattr(client, operation)(**params)
    model = client.meta.service_model.operation_model(client.meta.method_to_api_mapping[operation])
    problems = output_problems(model, response)
    assert not problems, problems
    return response


def error_of(client: Any, operation: str, **params: Any) -> dict[str, Any]:
    """The Error of a call that must fail with ClientError (and validate as an error)."""
    with pytest.raises(ClientError) as info:
        getattr(client, operation)(**params)
    model = client.meta.service_model.operation_model(client.meta.method_to_api_mapping[operation])
    problems = output_problems(model, info.value.response)
    assert not problems, problems
    return info.value.response["Error"]


def allocate(client: Any, instance_type: str = "m6i.xlarge", **params: Any) -> str:
    params.setdefault("AvailabilityZone", HOST_ZONE)
    params.setdefault("Quantity", 1)
    return checked(client, "allocate_hosts", InstanceType=instance_type, **params)["HostIds"][0]


def launch(
    client: Any, count: int = 1, instance_type: str = "m6i.xlarge", **params: Any
) -> list[str]:
    params.setdefault("ImageId", IMAGE_ID)
    response = checked(
        client,
        "run_instances",
        InstanceType=instance_type,
        MinCount=params.pop("MinCount", count),
        MaxCount=count,
        **params,
    )
    return [i["InstanceId"] for i in response["Instances"]]


def instances(client: Any, **params: Any) -> list[dict[str, Any]]:
    response = checked(client, "describe_instances", **params)
    return [i for r in response["Reservations"] for i in r["Instances"]]


def host(client: Any, host_id: str) -> dict[str, Any]:
    return checked(client, "describe_hosts", HostIds=[host_id])["Hosts"][0]


def code(e: ClientError) -> str:
    return e.response["Error"]["Code"]
