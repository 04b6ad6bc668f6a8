"""The minimal VPC model, tags on every kept resource, instance and account attributes."""

from __future__ import annotations

from collections import Counter
from typing import Any

from aws_helpers import IMAGE_ID, checked, error_of, instances, launch

from simulator.aws import SimulatedAWS


def fresh() -> tuple[SimulatedAWS, Any]:
    aws = SimulatedAWS(seed=4, validate_responses=True)
    return aws, aws.client("ec2")


def network(ec2: Any) -> tuple[str, list[str], str]:
    vpc = checked(ec2, "create_vpc", CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        checked(ec2, "create_subnet", VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=zone)[
            "Subnet"
        ]["SubnetId"]
        for i, zone in enumerate(["us-east-1a", "us-east-1b"])
    ]
    sg = checked(ec2, "create_security_group", GroupName="web", Description="web", VpcId=vpc)[
        "GroupId"
    ]
    return vpc, subnets, sg


def test_a_new_account_has_a_default_vpc_with_a_subnet_per_zone() -> None:
    _, ec2 = fresh()
    (vpc,) = checked(ec2, "describe_vpcs")["Vpcs"]
    assert vpc["IsDefault"] and vpc["CidrBlock"] == "172.31.0.0/16"
    subnets = checked(ec2, "describe_subnets")["Subnets"]
    assert [s["AvailabilityZone"] for s in subnets] == ["us-east-1a", "us-east-1b", "us-east-1c"]
    assert all(s["DefaultForAz"] and s["AvailableIpAddressCount"] == 4091 for s in subnets)
    groups = checked(ec2, "describe_security_groups", GroupNames=["default"])["SecurityGroups"]
    assert groups[0]["VpcId"] == vpc["VpcId"]
    attrs = checked(ec2, "describe_account_attributes")["AccountAttributes"]
    by_name = {
        a["AttributeName"]: [v["AttributeValue"] for v in a["AttributeValues"]] for a in attrs
    }
    assert by_name["default-vpc"] == [vpc["VpcId"]]
    assert by_name["supported-platforms"] == ["VPC"]


def test_instances_land_in_their_subnets_zone() -> None:
    _, ec2 = fresh()
    vpc, subnets, sg = network(ec2)
    ids = launch(ec2, 1, "m6i.large", SubnetId=subnets[1], SecurityGroupIds=[sg])
    (inst,) = instances(ec2, InstanceIds=ids)
    assert inst["Placement"]["AvailabilityZone"] == "us-east-1b"
    assert (inst["SubnetId"], inst["VpcId"], inst["SecurityGroups"]) == (
        subnets[1],
        vpc,
        [{"GroupId": sg}],
    )
    assert [
        i["InstanceId"]
        for i in instances(ec2, Filters=[{"Name": "subnet-id", "Values": [subnets[1]]}])
    ] == ids
    (subnet,) = checked(ec2, "describe_subnets", SubnetIds=[subnets[1]])["Subnets"]
    assert subnet["AvailableIpAddressCount"] == 256 - 5 - 1
    clash = error_of(
        ec2,
        "run_instances",
        ImageId=IMAGE_ID,
        MinCount=1,
        MaxCount=1,
        SubnetId=subnets[1],
        Placement={"AvailabilityZone": "us-east-1a"},
    )
    assert clash["Code"] == "InvalidParameterCombination"
    assert error_of(ec2, "delete_subnet", SubnetId=subnets[1])["Code"] == "DependencyViolation"
    assert error_of(ec2, "delete_vpc", VpcId=vpc)["Code"] == "DependencyViolation"
    assert error_of(ec2, "delete_security_group", GroupId=sg)["Code"] == "DependencyViolation"


def test_vpc_errors_use_aws_codes() -> None:
    _, ec2 = fresh()
    vpc, subnets, _ = network(ec2)
    assert error_of(ec2, "create_subnet", VpcId=vpc, CidrBlock="10.0.0.128/25")["Code"] == (
        "InvalidSubnet.Conflict"
    )
    assert error_of(ec2, "create_subnet", VpcId=vpc, CidrBlock="10.9.0.0/24")["Code"] == (
        "InvalidSubnet.Range"
    )
    assert (
        error_of(ec2, "create_subnet", VpcId="vpc-0123456789abcdef0", CidrBlock="10.0.9.0/24")[
            "Code"
        ]
        == "InvalidVpcID.NotFound"
    )
    assert (
        error_of(ec2, "describe_subnets", SubnetIds=["subnet-0123456789abcdef0"])["Code"]
        == "InvalidSubnetID.NotFound"
    )
    assert (
        error_of(ec2, "create_security_group", GroupName="web", Description="again", VpcId=vpc)[
            "Code"
        ]
        == "InvalidGroup.Duplicate"
    )
    assert error_of(ec2, "create_vpc", CidrBlock="10.0.0.0/8")["Code"] == "InvalidVpc.Range"
    for s in subnets:
        checked(ec2, "delete_subnet", SubnetId=s)
    groups = checked(
        ec2, "describe_security_groups", Filters=[{"Name": "vpc-id", "Values": [vpc]}]
    )["SecurityGroups"]
    for g in groups:
        if g["GroupName"] != "default":
            checked(ec2, "delete_security_group", GroupId=g["GroupId"])
    checked(ec2, "delete_vpc", VpcId=vpc)
    assert len(checked(ec2, "describe_vpcs")["Vpcs"]) == 1


def test_tags_on_every_kept_resource_and_their_filters() -> None:
    _, ec2 = fresh()
    vpc, subnets, sg = network(ec2)
    ids = launch(ec2, 2, "m6i.large")
    host = checked(
        ec2, "allocate_hosts", AvailabilityZone="us-east-1a", InstanceType="m6i.xlarge", Quantity=1
    )["HostIds"][0]
    resources = [ids[0], vpc, subnets[0], sg, host]
    checked(ec2, "create_tags", Resources=resources, Tags=[{"Key": "team", "Value": "ops"}])
    tags = checked(ec2, "describe_tags", Filters=[{"Name": "key", "Values": ["team"]}])["Tags"]
    assert Counter(t["ResourceType"] for t in tags) == Counter(
        ["instance", "vpc", "subnet", "security-group", "dedicated-host"]
    )
    assert [
        i["InstanceId"] for i in instances(ec2, Filters=[{"Name": "tag:team", "Values": ["ops"]}])
    ] == [ids[0]]
    assert (
        checked(ec2, "describe_vpcs", Filters=[{"Name": "tag:team", "Values": ["ops"]}])["Vpcs"][0][
            "VpcId"
        ]
        == vpc
    )
    checked(ec2, "delete_tags", Resources=[ids[0]], Tags=[{"Key": "team", "Value": "other"}])
    assert instances(ec2, InstanceIds=[ids[0]])[0]["Tags"] == [{"Key": "team", "Value": "ops"}]
    checked(ec2, "delete_tags", Resources=[ids[0]], Tags=[{"Key": "team"}])
    assert "Tags" not in instances(ec2, InstanceIds=[ids[0]])[0]
    missing = error_of(
        ec2, "create_tags", Resources=["i-0123456789abcdef0"], Tags=[{"Key": "a", "Value": "b"}]
    )
    assert missing["Code"] == "InvalidInstanceID.NotFound"
    reserved = error_of(ec2, "create_tags", Resources=[ids[1]], Tags=[{"Key": "aws:x"}])
    assert reserved["Code"] == "InvalidParameterValue"
    assert (
        error_of(ec2, "create_tags", Resources=["ami-12345678"], Tags=[{"Key": "a"}])["Code"]
        == "UnsupportedOperation"
    )


def test_instance_attributes_change_what_the_simulation_does() -> None:
    aws, ec2 = fresh()
    (iid,) = launch(ec2, 1, "m6i.large", UserData="#!/bin/sh\necho hi")
    aws.advance("1m")
    checked(ec2, "modify_instance_attribute", InstanceId=iid, DisableApiTermination={"Value": True})
    assert error_of(ec2, "terminate_instances", InstanceIds=[iid])["Code"] == (
        "OperationNotPermitted"
    )
    running = error_of(
        ec2, "modify_instance_attribute", InstanceId=iid, InstanceType={"Value": "m6i.xlarge"}
    )
    assert running["Code"] == "IncorrectInstanceState"
    checked(ec2, "stop_instances", InstanceIds=[iid])
    aws.advance("2m")
    checked(ec2, "modify_instance_attribute", InstanceId=iid, InstanceType={"Value": "m7g.large"})
    out = checked(ec2, "describe_instance_attribute", InstanceId=iid, Attribute="instanceType")
    assert out["InstanceType"] == {"Value": "m7g.large"}
    assert instances(ec2, InstanceIds=[iid])[0]["Architecture"] == "arm64"
    data = checked(ec2, "describe_instance_attribute", InstanceId=iid, Attribute="userData")
    assert data["UserData"]["Value"] == "IyEvYmluL3NoCmVjaG8gaGk="
    checked(
        ec2,
        "modify_instance_attribute",
        InstanceId=iid,
        Attribute="disableApiTermination",
        Value="false",
    )
    checked(ec2, "terminate_instances", InstanceIds=[iid])
