"""Ops scripts written for real AWS, run unchanged against SimulatedAWS by the tests and
benchmarks. They take a boto3 EC2 client and know nothing of the simulation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError


@dataclass
class FillResult:
    """What ``fill_dedicated_host`` saw."""

    host_id: str
    instance_ids: list[str]
    extra_launch_error: str | None
    """The error code of the launch one past capacity (None if it was accepted)."""
    release: dict[str, Any]
    """The ReleaseHosts response for the busy host."""


def fill_dedicated_host(
    ec2: Any,
    *,
    zone: str = "us-east-1a",
    instance_type: str = "m6i.xlarge",
    count: int = 32,
    image_id: str = "ami-1e749f67",
) -> FillResult:
    """Allocate a host, launch ``count`` instances onto it, wait until they run, then try
    one launch more and the release of the busy host."""
    host_id = ec2.allocate_hosts(AvailabilityZone=zone, InstanceType=instance_type, Quantity=1)[
        "HostIds"
    ][0]
    placement = {"HostId": host_id, "Tenancy": "host"}
    reservation = ec2.run_instances(
        ImageId=image_id,
        InstanceType=instance_type,
        MinCount=count,
        MaxCount=count,
        Placement=placement,
    )
    ids = [i["InstanceId"] for i in reservation["Instances"]]
    ec2.get_waiter("instance_running").wait(InstanceIds=ids)
    try:
        ec2.run_instances(
            ImageId=image_id,
            InstanceType=instance_type,
            MinCount=1,
            MaxCount=1,
            Placement=placement,
        )
        error = None
    except ClientError as e:
        error = e.response["Error"]["Code"]
    release = ec2.release_hosts(HostIds=[host_id])
    return FillResult(host_id, ids, error, release)


def drain_and_release(ec2: Any, host_id: str, instance_ids: list[str]) -> dict[str, Any]:
    """Terminate the instances, wait until they are gone, release the host."""
    ec2.terminate_instances(InstanceIds=instance_ids)
    ec2.get_waiter("instance_terminated").wait(InstanceIds=instance_ids)
    return ec2.release_hosts(HostIds=[host_id])
