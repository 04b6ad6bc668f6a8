"""The output-shape validator: it must accept what botocore parses and catch every way a
hand-built response could differ."""

from __future__ import annotations

import datetime as dt

import botocore.session
import pytest
from aws_helpers import IMAGE_ID, allocate, checked, error_of, launch
from dateutil.tz import tzutc

from simulator.aws import EC2_OPERATIONS, ResponseShapeError, SimulatedAWS, check_output
from simulator.aws.shapes import output_problems
from simulator.catalog.catalog import instance_types

MODEL = botocore.session.get_session().get_service_model("ec2")
META = {"RequestId": "r", "HTTPStatusCode": 200, "HTTPHeaders": {}, "RetryAttempts": 0}
NOW = dt.datetime(2024, 1, 1, tzinfo=tzutc())


def problems(operation: str, body: dict) -> list[str]:
    return output_problems(MODEL.operation_model(operation), {**body, "ResponseMetadata": META})


def host(**overrides) -> dict:
    base = {"HostId": "h-1", "State": "available", "AllocationTime": NOW, "Instances": []}
    return {**base, **overrides}


def test_a_valid_response_passes() -> None:
    assert problems("DescribeHosts", {"Hosts": [host()]}) == []
    assert problems("RebootInstances", {}) == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"Hosts": [host(Colour="red")]}, "unknown member 'Colour'"),
        ({"Hosts": [host(State="broken")]}, "not a value of enum AllocationState"),
        ({"Hosts": [host(AllocationTime="2024-01-01")]}, "expected a datetime"),
        ({"Hosts": [host(AllocationTime=NOW.replace(tzinfo=None))]}, "naive"),
        ({"Hosts": [host(MemberOfServiceLinkedResourceGroup="false")]}, "expected a boolean"),
        ({"Hosts": [host(HostProperties={"Cores": True})]}, "expected an integer"),
        ({"Hosts": [host(HostProperties={"Cores": 1.5})]}, "expected an integer"),
        ({"Hosts": [host(Instances={"InstanceId": "i"})]}, "expected a list"),
        ({"Hosts": [host(HostId=None)]}, "None is never parsed"),
        ({"Hosts": host()}, "expected a list"),
        ({"Hostz": []}, "unknown member 'Hostz'"),
    ],
)
def test_every_kind_of_mismatch_is_caught(body: dict, expected: str) -> None:
    found = problems("DescribeHosts", body)
    assert any(expected in p for p in found), found


def test_paths_name_where_the_problem_is() -> None:
    (problem,) = problems("DescribeHosts", {"Hosts": [host(), host(State="x")]})
    assert problem.startswith("DescribeHosts.Hosts[1].State:")


def test_operations_without_output_must_return_nothing() -> None:
    assert problems("RebootInstances", {"Return": True}) == [
        "RebootInstances: has no output shape but returned ['Return']"
    ]


def test_error_responses_are_checked_as_errors() -> None:
    model = MODEL.operation_model("StopInstances")
    error = {
        "Error": {"Code": "X", "Message": "m"},
        "ResponseMetadata": {**META, "HTTPStatusCode": 400},
    }
    assert output_problems(model, error) == []
    assert output_problems(model, {**error, "StoppingInstances": []})
    assert output_problems(model, {**error, "ResponseMetadata": META}), "status 200 error"


def test_check_output_raises_with_all_problems() -> None:
    with pytest.raises(ResponseShapeError) as info:
        check_output(
            MODEL.operation_model("DescribeHosts"),
            {"Hosts": [host(State="x", Colour="y")], "ResponseMetadata": META},
        )
    assert len(info.value.problems) == 2


def test_maps_are_walked() -> None:
    model = botocore.session.get_session().get_service_model("sqs")
    op = model.operation_model("GetQueueAttributes")
    ok = {"Attributes": {"VisibilityTimeout": "30"}, "ResponseMetadata": META}
    assert output_problems(op, ok) == []
    bad = {"Attributes": {"VisibilityTimeout": 30}, "ResponseMetadata": META}
    assert output_problems(op, bad)
    wrong_key = {"Attributes": {"NotAnAttribute": "1"}, "ResponseMetadata": META}
    assert output_problems(op, wrong_key), "map keys are checked against their enum"


def test_every_simulated_operation_validates_on_a_busy_account() -> None:
    """Each operation, called on an account with hosts and instances in many states."""
    aws = SimulatedAWS(seed=8, validate_responses=True)
    ec2 = aws.client("ec2")
    host_id = allocate(ec2, HostRecovery="on")
    mixed = checked(
        ec2, "allocate_hosts", AvailabilityZone="us-east-1b", InstanceFamily="m5", Quantity=1
    )["HostIds"][0]
    ids = launch(ec2, 4, Placement={"HostId": host_id, "Affinity": "host"})
    launch(ec2, 2, "m5.large", Placement={"HostId": mixed})
    launch(ec2, 1, "m6g.large", KeyName="k", Monitoring={"Enabled": True})
    ec2.get_waiter("instance_running").wait(InstanceIds=ids)
    checked(ec2, "stop_instances", InstanceIds=ids[:1])
    checked(ec2, "reboot_instances", InstanceIds=ids[1:2])
    checked(ec2, "terminate_instances", InstanceIds=ids[2:3])
    aws.fail_host(host_id)
    seen = set()
    for operation, params in [
        ("describe_hosts", {}),
        ("describe_instances", {}),
        ("describe_instance_status", {"IncludeAllInstances": True}),
        ("modify_hosts", {"HostIds": [mixed, "h-0123456789abcdef0"], "AutoPlacement": "on"}),
        ("release_hosts", {"HostIds": [host_id, mixed]}),
        ("start_instances", {"InstanceIds": ids[3:]}),
        ("reboot_instances", {"InstanceIds": ids[3:]}),
        ("stop_instances", {"InstanceIds": ids[3:]}),
        ("terminate_instances", {"InstanceIds": ids[3:]}),
        ("modify_instance_placement", {"InstanceId": ids[0], "Affinity": "default"}),
        (
            "run_instances",
            {"ImageId": IMAGE_ID, "InstanceType": "m6i.large", "MinCount": 1, "MaxCount": 1},
        ),
        ("describe_instance_types", {"InstanceTypes": ["m1.small", "m6g.metal"]}),
        ("describe_instance_type_offerings", {"LocationType": "availability-zone"}),
        ("describe_availability_zones", {}),
        (
            "create_launch_template",
            {
                "LaunchTemplateName": "base",
                "LaunchTemplateData": {"ImageId": IMAGE_ID, "InstanceType": "m6i.large"},
            },
        ),
        (
            "create_launch_template_version",
            {
                "LaunchTemplateName": "base",
                "SourceVersion": "1",
                "LaunchTemplateData": {"InstanceType": "m7g.large"},
            },
        ),
        ("modify_launch_template", {"LaunchTemplateName": "base", "DefaultVersion": "2"}),
        ("describe_launch_templates", {}),
        ("describe_launch_template_versions", {"LaunchTemplateName": "base"}),
        ("delete_launch_template", {"LaunchTemplateName": "base"}),
        ("describe_vpcs", {}),
        ("describe_subnets", {}),
        ("describe_security_groups", {}),
        ("describe_network_interfaces", {}),
        ("create_security_group", {"GroupName": "web", "Description": "web"}),
        ("delete_security_group", {"GroupName": "web"}),
        ("create_tags", {"Resources": ids[:1], "Tags": [{"Key": "k", "Value": "v"}]}),
        ("describe_tags", {}),
        ("delete_tags", {"Resources": ids[:1]}),
        ("describe_instance_attribute", {"InstanceId": ids[0], "Attribute": "instanceType"}),
        (
            "modify_instance_attribute",
            {"InstanceId": ids[0], "DisableApiTermination": {"Value": False}},
        ),
        ("describe_account_attributes", {}),
        (
            "allocate_hosts",
            {"AvailabilityZone": "us-east-1a", "InstanceType": "mac1.metal", "Quantity": 1},
        ),
    ]:
        checked(ec2, operation, **params)
        seen.add(ec2.meta.method_to_api_mapping[operation])
    vpc = checked(ec2, "create_vpc", CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = checked(ec2, "create_subnet", VpcId=vpc, CidrBlock="10.0.0.0/24")["Subnet"]
    checked(ec2, "delete_subnet", SubnetId=subnet["SubnetId"])
    checked(ec2, "delete_vpc", VpcId=vpc)
    seen |= {"CreateVpc", "CreateSubnet", "DeleteSubnet", "DeleteVpc"}
    eni = checked(ec2, "describe_network_interfaces")["NetworkInterfaces"][0]
    refused = error_of(
        ec2, "delete_network_interface", NetworkInterfaceId=eni["NetworkInterfaceId"]
    )
    assert refused["Code"] == "InvalidParameterValue"  # every modelled interface is attached
    seen.add("DeleteNetworkInterface")
    aws.advance("2h")
    checked(ec2, "describe_hosts")
    checked(ec2, "describe_instances")
    assert seen == set(EC2_OPERATIONS)


def test_every_catalog_instance_type_is_a_valid_instance_type_value() -> None:
    enum = set(MODEL.shape_for("InstanceType").enum)
    assert set(instance_types()) <= enum
