"""The acceptance script: a plain boto3 ops script, written for AWS, run against ecsim."""

from __future__ import annotations

import time

from aws_helpers import checked, host, instances

from simulator.aws import SimulatedAWS
from simulator.aws.examples import drain_and_release, fill_dedicated_host
from simulator.lifecycle import codes


def test_fill_an_m6i_host_wait_and_be_refused(capsys) -> None:
    aws = SimulatedAWS(seed=1, region="us-east-1", validate_responses=True)
    ec2 = aws.client("ec2")
    wall = time.perf_counter()
    result = fill_dedicated_host(ec2)
    wall = time.perf_counter() - wall
    with capsys.disabled():
        print(f"\nacceptance script: {wall * 1000:.0f} ms wall, {aws.now:.0f} s simulated")

    assert len(result.instance_ids) == 32
    running = instances(ec2, InstanceIds=result.instance_ids)
    assert {i["State"]["Name"] for i in running} == {"running"}
    assert {i["Placement"]["HostId"] for i in running} == {result.host_id}
    assert {i["Placement"]["Tenancy"] for i in running} == {"host"}
    assert aws.now > 0, "the waiter's sleeps advanced simulated time"

    # The 33rd: AWS's live answer to a full targeted host (aws/aws-sdk-js-v3#5340).
    assert (
        result.extra_launch_error
        == codes.INSUFFICIENT_CAPACITY_ON_HOST
        == ("InsufficientCapacityOnHost")
    )
    # The busy host: ReleaseHosts API reference, example 2.
    assert result.release["Successful"] == []
    (item,) = result.release["Unsuccessful"]
    assert item["ResourceId"] == result.host_id
    assert item["Error"]["Code"] == "Client.InvalidHost.Occupied"
    assert (
        f"Dedicated host '{result.host_id}' cannot be released as it is occupied"
        in (item["Error"]["Message"])
    )

    full = host(ec2, result.host_id)
    assert full["State"] == "available"
    assert len(full["Instances"]) == 32
    assert full["AvailableCapacity"] == {
        "AvailableInstanceCapacity": [
            {"AvailableCapacity": 0, "InstanceType": "m6i.xlarge", "TotalCapacity": 32}
        ],
        "AvailableVCpus": 0,
    }
    assert full["HostProperties"] == {
        "Cores": 64,
        "Sockets": 2,
        "TotalVCpus": 128,
        "InstanceFamily": "m6i",
        "InstanceType": "m6i.xlarge",
    }


def test_the_script_can_then_drain_and_release() -> None:
    aws = SimulatedAWS(seed=2, validate_responses=True)
    ec2 = aws.client("ec2")
    result = fill_dedicated_host(ec2)
    release = drain_and_release(ec2, result.host_id, result.instance_ids)
    assert release["Successful"] == [result.host_id] and release["Unsuccessful"] == []
    released = host(ec2, result.host_id)
    assert released["State"] == "released"
    assert released["Instances"] == []
    assert released["ReleaseTime"] > released["AllocationTime"]
    assert checked(ec2, "describe_hosts", Filter=[{"Name": "state", "Values": ["released"]}])[
        "Hosts"
    ] == [released]


def test_same_seed_same_answers() -> None:
    """Boot times and request IDs come from the seed: two runs are identical."""

    def run(seed: int) -> tuple:
        aws = SimulatedAWS(seed=seed)
        result = fill_dedicated_host(aws.client("ec2"))
        return aws.now, result.release["ResponseMetadata"]["RequestId"]

    assert run(5) == run(5)
    assert run(5) != run(6)
