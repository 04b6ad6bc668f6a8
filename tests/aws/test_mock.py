"""simulated_aws() and @simulate_aws: a fresh account per block or call, boto3's default
session answered by it, usable inside Hypothesis' @given."""

from __future__ import annotations

import time

import boto3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.aws.mock import current, simulate_aws, simulated_aws
from simulator.core.errors import EcsimError


@settings(max_examples=5, deadline=None)
@given(count=st.integers(1, 3))
def test_a_fresh_account_inside_given(count: int) -> None:
    with simulated_aws(seed=count) as aws:
        ec2 = boto3.client("ec2")
        ec2.run_instances(ImageId="ami-1e749f67", MinCount=count, MaxCount=count)
        time.sleep(120)  # advances the simulated clock, not the wall clock
        found = ec2.describe_instances()["Reservations"][0]["Instances"]
        assert len(found) == count and all(i["State"]["Name"] == "running" for i in found)
        assert aws.now == 120


@simulate_aws(seed=3)
def test_the_decorator_gives_each_call_an_account() -> None:
    aws = current()
    assert aws.world.seed == 3 and aws.now == 0
    assert boto3.client("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"] == []


def test_the_default_session_is_restored() -> None:
    before = boto3.DEFAULT_SESSION
    with simulated_aws():
        assert boto3.DEFAULT_SESSION is not before
    assert boto3.DEFAULT_SESSION is before
    with pytest.raises(EcsimError, match="no simulated_aws"):
        current()
