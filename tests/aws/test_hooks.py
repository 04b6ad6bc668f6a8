"""How calls are answered: botocore's event order, validation before simulation, errors as
ClientError with AWS's codes, and nothing ever leaving the process."""

from __future__ import annotations

import pytest
from aws_helpers import allocate, checked, error_of
from botocore.exceptions import ClientError, ParamValidationError

from simulator.aws import EC2_OPERATIONS, SimulatedAWS
from simulator.core.errors import EcsimError


def test_botocore_event_order_is_as_the_hooks_assume() -> None:
    """provide-client-params -> before-parameter-build -> (validation) -> before-call
    (our answer) -> after-call; the same context dict travels from the second to the
    fourth, and the caller's params are seen unchanged."""
    aws = SimulatedAWS()
    ec2 = aws.client("ec2")
    seen: list[tuple[str, object]] = []

    def record(name):
        def handler(event_name, **kwargs):
            seen.append((name, id(kwargs.get("context"))))

        return handler

    for event in ("provide-client-params", "before-parameter-build", "after-call"):
        ec2.meta.events.register(f"{event}.ec2.DescribeHosts", record(event))
    # registered last and least specific: runs after our answer would have been returned
    ec2.meta.events.register("before-call", record("generic-before-call"))
    checked(ec2, "describe_hosts")
    names = [n for n, _ in seen]
    assert names == ["provide-client-params", "before-parameter-build", "after-call"], (
        "before-call stops at the first response: ours, before generic handlers"
    )
    assert seen[0][1] == seen[1][1] == seen[2][1], "one context dict per call"


def test_invalid_params_never_reach_the_simulation() -> None:
    aws = SimulatedAWS()
    ec2 = aws.client("ec2")
    with pytest.raises(ParamValidationError, match="MinCount"):
        ec2.run_instances(ImageId="ami-1e749f67", MaxCount=1)  # MinCount is required
    with pytest.raises(ParamValidationError, match="Quantity"):
        ec2.allocate_hosts(AvailabilityZone="us-east-1a", InstanceType="m6i.xlarge", Quantity="1")
    assert aws.calls == 0
    assert aws.fleet.instances == {} and aws.fleet.hosts == {}


def test_validation_cannot_be_switched_off() -> None:
    from botocore.config import Config

    aws = SimulatedAWS()
    ec2 = aws.client("ec2", config=Config(parameter_validation=False))
    with pytest.raises(ParamValidationError):
        ec2.describe_instances(InstanceIds="i-00000000000000001")


def test_errors_arrive_as_client_error_with_aws_code_and_status() -> None:
    aws = SimulatedAWS()
    ec2 = aws.client("ec2")
    with pytest.raises(ClientError) as info:
        ec2.stop_instances(InstanceIds=["i-0123456789abcdef0"])
    e = info.value
    assert e.operation_name == "StopInstances"
    assert e.response["Error"] == {
        "Code": "InvalidInstanceID.NotFound",
        "Message": "The instance ID 'i-0123456789abcdef0' does not exist",
    }
    assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert str(e) == (
        "An error occurred (InvalidInstanceID.NotFound) when calling the StopInstances "
        "operation: The instance ID 'i-0123456789abcdef0' does not exist"
    )


def test_unsupported_operations_name_themselves_and_the_supported_ones() -> None:
    ec2 = SimulatedAWS().client("ec2")
    error = error_of(ec2, "describe_nat_gateways")
    assert error["Code"] == "UnsupportedOperation"
    assert "DescribeNatGateways" in error["Message"]
    for operation in EC2_OPERATIONS:
        assert operation in error["Message"]


def test_unsimulated_parameters_are_refused_by_name() -> None:
    ec2 = SimulatedAWS().client("ec2")
    error = error_of(
        ec2,
        "run_instances",
        ImageId="ami-1e749f67",
        InstanceType="m6i.large",
        MinCount=1,
        MaxCount=1,
        CpuOptions={"CoreCount": 1},
    )
    assert error["Code"] == "UnsupportedOperation"
    assert "CpuOptions" in error["Message"]
    placement = error_of(
        ec2,
        "run_instances",
        ImageId="ami-1e749f67",
        InstanceType="m6i.large",
        MinCount=1,
        MaxCount=1,
        Placement={"GroupName": "cluster-pg"},
    )
    assert "GroupName" in placement["Message"]
    host_id = allocate(ec2)
    assert (
        "InstanceType"
        in error_of(ec2, "modify_hosts", HostIds=[host_id], InstanceType="m6i.large")["Message"]
    )


def test_inert_parameters_are_accepted() -> None:
    ec2 = SimulatedAWS().client("ec2")
    response = checked(
        ec2,
        "run_instances",
        ImageId="ami-1e749f67",
        InstanceType="m6i.large",
        MinCount=1,
        MaxCount=1,
        IamInstanceProfile={"Name": "ecsInstanceRole"},
        UserData="#!/bin/sh\necho hi",
        KeyName="ops",
    )
    assert response["Instances"][0]["KeyName"] == "ops"


def test_unknown_subnets_and_security_groups_are_refused() -> None:
    ec2 = SimulatedAWS().client("ec2")
    base = {"ImageId": "ami-1e749f67", "InstanceType": "m6i.large", "MinCount": 1, "MaxCount": 1}
    subnet = error_of(ec2, "run_instances", SubnetId="subnet-0123456789abcdef0", **base)
    assert subnet["Code"] == "InvalidSubnetID.NotFound"
    group = error_of(ec2, "run_instances", SecurityGroupIds=["sg-0123456789abcdef0"], **base)
    assert group["Code"] == "InvalidGroup.NotFound"


def test_dry_run_answers_412_and_changes_nothing() -> None:
    aws = SimulatedAWS()
    ec2 = aws.client("ec2")
    with pytest.raises(ClientError) as info:
        ec2.run_instances(
            ImageId="ami-1e749f67", InstanceType="m6i.large", MinCount=1, MaxCount=1, DryRun=True
        )
    assert info.value.response["Error"]["Code"] == "DryRunOperation"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    assert aws.fleet.instances == {}


def test_clients_for_unsimulated_services_are_refused_early() -> None:
    aws = SimulatedAWS()
    with pytest.raises(EcsimError, match=r"simulates only: ([\w-]+, )*ec2"):
        aws.client("s3")
    with pytest.raises(EcsimError, match="us-east-1"):
        aws.client("ec2", region_name="eu-west-1")


def test_other_services_of_the_session_never_reach_the_network() -> None:
    s3 = SimulatedAWS().boto3_session.client("s3")
    with pytest.raises(ClientError) as info:
        s3.list_buckets()
    assert info.value.response["Error"]["Code"] == "UnsupportedOperation"
    assert "s3" in info.value.response["Error"]["Message"]


def test_the_environment_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    """No profile, config file, endpoint or credentials from the environment is used."""
    monkeypatch.setenv("AWS_PROFILE", "does-not-exist")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    ec2 = SimulatedAWS().client("ec2")
    assert checked(ec2, "describe_hosts")["Hosts"] == []


def test_moto_and_ecsim_coexist(moto_ec2) -> None:
    """Inside mock_aws, simulated clients are still answered by the simulation."""
    ec2 = SimulatedAWS().client("ec2")
    host_id = allocate(ec2)
    assert host_id.startswith("h-0000")
    assert checked(moto_ec2, "describe_hosts")["Hosts"] == []


def test_the_responses_carry_request_metadata() -> None:
    aws = SimulatedAWS()
    aws.advance("90s")
    meta = checked(aws.client("ec2"), "describe_hosts")["ResponseMetadata"]
    assert meta["HTTPStatusCode"] == 200
    assert meta["RetryAttempts"] == 0
    assert meta["HTTPHeaders"]["x-amzn-requestid"] == meta["RequestId"]
    assert meta["HTTPHeaders"]["date"] == "Mon, 01 Jan 2024 00:01:30 GMT"


def test_bad_account_settings_are_refused() -> None:
    with pytest.raises(EcsimError, match="region"):
        SimulatedAWS(region="mars")
    with pytest.raises(EcsimError, match="availability_zones"):
        SimulatedAWS(region="eu-west-1", availability_zones=["us-east-1a"])
    with pytest.raises(EcsimError, match="12 digits"):
        SimulatedAWS(account_id="42")
