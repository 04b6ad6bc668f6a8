"""Speed of the simulated boto3 clients.

Prints: the wall time of the acceptance script (allocate an m6i host, launch 32
m6i.xlarge, wait with the instance_running waiter, be refused the 33rd and the release);
and boto3 calls per second against SimulatedAWS for a few calls, with and without
response validation. A benchmark, not a test: nothing is asserted.

    .venv/bin/python benchmarks/bench_aws.py
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Callable
from typing import Any

from simulator.aws import SimulatedAWS
from simulator.aws.examples import fill_dedicated_host

IMAGE_ID = "ami-1e749f67"


def timed(fn: Callable[[], Any]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def acceptance(repeats: int = 7) -> None:
    cold = timed(lambda: SimulatedAWS(seed=0).client("ec2"))
    setups, scripts, simulated = [], [], []
    for seed in range(repeats):
        t = time.perf_counter()
        aws = SimulatedAWS(seed=seed)
        ec2 = aws.client("ec2")
        setups.append(time.perf_counter() - t)
        result = None

        def run(ec2: Any = ec2) -> None:
            nonlocal result
            result = fill_dedicated_host(ec2)

        scripts.append(timed(run))
        simulated.append(aws.now)
        assert result is not None and result.extra_launch_error == "InsufficientCapacityOnHost"
    print("acceptance script (fill an m6i host with 32 m6i.xlarge, waiter, refusals)")
    print(f"  first account + client (loads botocore models): {cold * 1000:8.1f} ms")
    setup = statistics.median(setups) * 1000
    print(f"  later account + client:                         {setup:8.1f} ms")
    print(
        f"  script wall time: median {statistics.median(scripts) * 1000:.1f} ms, "
        f"min {min(scripts) * 1000:.1f} ms, max {max(scripts) * 1000:.1f} ms "
        f"over {repeats} runs"
    )
    print(f"  simulated time the script took: {statistics.median(simulated):.0f} s")


def calls_per_second(validate: bool, seconds: float = 1.0) -> None:
    aws = SimulatedAWS(seed=1, validate_responses=validate)
    ec2 = aws.client("ec2")
    host_id = ec2.allocate_hosts(
        AvailabilityZone="us-east-1a", InstanceType="m6i.xlarge", Quantity=1
    )["HostIds"][0]
    ids = [
        i["InstanceId"]
        for i in ec2.run_instances(
            ImageId=IMAGE_ID,
            InstanceType="m6i.xlarge",
            MinCount=32,
            MaxCount=32,
            Placement={"HostId": host_id},
        )["Instances"]
    ]
    aws.advance("1m")
    one = ids[:1]
    cases: dict[str, Callable[[], Any]] = {
        "describe_hosts (1 host)": lambda: ec2.describe_hosts(HostIds=[host_id]),
        "describe_instances (1 id)": lambda: ec2.describe_instances(InstanceIds=one),
        "describe_instances (32, filtered)": lambda: ec2.describe_instances(
            Filters=[{"Name": "instance-state-name", "Values": ["running"]}]
        ),
        "describe_instance_status (32)": lambda: ec2.describe_instance_status(),
        "reboot_instances (1)": lambda: ec2.reboot_instances(InstanceIds=one),
        "unknown id -> ClientError": lambda: _refused(ec2),
    }
    print(f"boto3 calls per second, validate_responses={validate}")
    for name, call in cases.items():
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            call()
            n += 1
        rate = n / (time.perf_counter() - t0)
        print(f"  {name:36s} {rate:8.0f} calls/s")


def _refused(ec2: Any) -> None:
    with contextlib.suppress(ec2.exceptions.ClientError):
        ec2.stop_instances(InstanceIds=["i-0123456789abcdef0"])


if __name__ == "__main__":
    acceptance()
    print()
    calls_per_second(validate=False)
    print()
    calls_per_second(validate=True)
