"""DescribeInstanceTypes / DescribeInstanceTypeOfferings / DescribeAvailabilityZones, and
every described type launching through both the EC2 and the ECS paths."""

from __future__ import annotations

from typing import Any

from aws_helpers import IMAGE_ID, checked, error_of
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.aws import SimulatedAWS
from simulator.catalog import ec2_types

DESCRIBED = sorted(ec2_types.descriptions())


def fresh(**kwargs: Any) -> tuple[SimulatedAWS, Any]:
    aws = SimulatedAWS(validate_responses=True, **kwargs)
    return aws, aws.client("ec2")


def test_run_instances_without_instance_type_launches_m1_small() -> None:
    _, ec2 = fresh()
    out = checked(ec2, "run_instances", ImageId=IMAGE_ID, MinCount=1, MaxCount=1)
    assert out["Instances"][0]["InstanceType"] == "m1.small"


def test_every_described_type_is_paged_out_and_validates() -> None:
    _, ec2 = fresh()
    pages = ec2.get_paginator("describe_instance_types").paginate(
        PaginationConfig={"PageSize": 100}
    )
    names = [t["InstanceType"] for page in pages for t in page["InstanceTypes"]]
    assert names == DESCRIBED
    assert len(names) == 1395 + 36 + 2
    assert {"p2.xlarge", "cg1.4xlarge", "u-24tb1.metal"} <= set(names)


def test_filters_walk_the_record() -> None:
    _, ec2 = fresh()

    def found(*filters: tuple[str, list[str]]) -> set[str]:
        params = {"Filters": [{"Name": n, "Values": v} for n, v in filters]}
        pages = ec2.get_paginator("describe_instance_types").paginate(**params)
        return {t["InstanceType"] for p in pages for t in p["InstanceTypes"]}

    graviton4 = found(
        ("processor-info.supported-architecture", ["arm64"]),
        ("vcpu-info.default-vcpus", ["4"]),
        ("instance-type", ["m*.xlarge"]),
    )
    assert {"m6g.xlarge", "m7g.xlarge", "m8g.xlarge"} <= graviton4
    assert "m6i.xlarge" not in graviton4
    assert found(("instance-type", ["t2.*"]), ("burstable-performance-supported", ["true"]))
    assert found(("instance-type", ["m1.small"]), ("current-generation", ["false"])) == {"m1.small"}
    assert "m5.large" in found(("network-info.maximum-network-interfaces", ["3"]))
    error = error_of(ec2, "describe_instance_types", Filters=[{"Name": "colour", "Values": ["x"]}])
    assert error["Code"] == "InvalidParameterValue"


def test_unknown_and_retired_types_are_refused_as_ec2_does() -> None:
    _, ec2 = fresh()
    error = error_of(ec2, "describe_instance_types", InstanceTypes=["m6i.large", "cc1.4xlarge"])
    assert error["Code"] == "InvalidInstanceType"
    assert "[cc1.4xlarge]" in error["Message"]


def test_offerings_cover_every_zone_and_zone_id() -> None:
    _, ec2 = fresh(region="ap-southeast-2")
    zones = checked(ec2, "describe_availability_zones")["AvailabilityZones"]
    assert [(z["ZoneName"], z["ZoneId"]) for z in zones] == [
        ("ap-southeast-2a", "apse2-az1"),
        ("ap-southeast-2b", "apse2-az2"),
        ("ap-southeast-2c", "apse2-az3"),
    ]
    out = checked(
        ec2,
        "describe_instance_type_offerings",
        LocationType="availability-zone",
        Filters=[{"Name": "instance-type", "Values": ["a1.large"]}],
    )["InstanceTypeOfferings"]
    assert [o["Location"] for o in out] == [z["ZoneName"] for z in zones]
    region = checked(ec2, "describe_instance_type_offerings", MaxResults=1000)
    assert len(region["InstanceTypeOfferings"]) == 1000 and region["NextToken"]
    error = error_of(ec2, "describe_availability_zones", ZoneNames=["us-east-1a"])
    assert error["Code"] == "InvalidParameterValue"


@settings(max_examples=10, deadline=None)
@given(st.sampled_from([n for n in DESCRIBED if not n.startswith("mac")]))
def test_ec2_and_ecs_agree_on_any_type(name: str) -> None:
    """The type launches; its container instance registers the type's vCPUs as CPU units."""
    aws, ec2 = fresh()
    ecs = aws.client("ecs")
    ecs.create_cluster(clusterName="c")
    described = checked(ec2, "describe_instance_types", InstanceTypes=[name])["InstanceTypes"][0]
    checked(
        ec2,
        "run_instances",
        ImageId=IMAGE_ID,
        InstanceType=name,
        MinCount=1,
        MaxCount=1,
        UserData="#!/bin/bash\necho ECS_CLUSTER=c >> /etc/ecs/ecs.config",
    )
    aws.advance("3m")
    arns = ecs.list_container_instances(cluster="c")["containerInstanceArns"]
    (ci,) = ecs.describe_container_instances(cluster="c", containerInstances=arns)[
        "containerInstances"
    ]
    cpu = next(r for r in ci["registeredResources"] if r["name"] == "CPU")
    assert cpu["integerValue"] == described["VCpuInfo"]["DefaultVCpus"] * 1024
    attrs = {a["name"]: a.get("value") for a in ci["attributes"]}
    assert attrs.get("ecs.instance-type") == name


def test_moto_describes_the_same_records(moto_ec2: Any) -> None:
    """moto answers from the same EC2 data: the descriptions agree member for member."""
    _, ec2 = fresh()
    names = ["m1.small", "t2.micro", "a1.large", "m6g.xlarge", "c4.large"]
    ours = checked(ec2, "describe_instance_types", InstanceTypes=names)["InstanceTypes"]
    theirs = moto_ec2.describe_instance_types(InstanceTypes=names)["InstanceTypes"]
    by_name = {t["InstanceType"]: t for t in theirs}
    for t in ours:
        other = by_name[t["InstanceType"]]
        for key in ("VCpuInfo", "MemoryInfo", "ProcessorInfo", "CurrentGeneration"):
            assert t[key] == other[key], (t["InstanceType"], key)
        assert (
            t["NetworkInfo"]["MaximumNetworkInterfaces"]
            == other["NetworkInfo"]["MaximumNetworkInterfaces"]
        )


def test_types_from_aws_spec_tables_are_described_and_launch() -> None:
    """p6e-gb200 and u7inh have no DescribeInstanceTypes record in any data set: their
    records come from AWS's spec tables and still validate against botocore's shape."""
    _, ec2 = fresh()
    out = checked(
        ec2,
        "describe_instance_types",
        InstanceTypes=["p6e-gb200.36xlarge", "u7inh-32tb.480xlarge"],
    )["InstanceTypes"]
    by_name = {t["InstanceType"]: t for t in out}
    gb200 = by_name["p6e-gb200.36xlarge"]
    assert gb200["VCpuInfo"]["DefaultVCpus"] == 144
    assert gb200["ProcessorInfo"]["SupportedArchitectures"] == ["arm64"]
    assert gb200["NetworkInfo"]["MaximumNetworkInterfaces"] == 39
    assert by_name["u7inh-32tb.480xlarge"]["MemoryInfo"]["SizeInMiB"] == 32768 * 1024
    filters = [
        {"Name": "processor-info.supported-architecture", "Values": ["arm64"]},
        {"Name": "vcpu-info.default-vcpus", "Values": ["144"]},
    ]
    pages = ec2.get_paginator("describe_instance_types").paginate(Filters=filters)
    assert {t["InstanceType"] for p in pages for t in p["InstanceTypes"]} == {"p6e-gb200.36xlarge"}
    error = error_of(ec2, "describe_instance_types", InstanceTypes=["u7ib-12tb.224xlarge"])
    assert error["Code"] == "InvalidInstanceType"
    out = checked(ec2, "run_instances", ImageId=IMAGE_ID, InstanceType="u7inh-32tb.480xlarge",
                  MinCount=1, MaxCount=1)  # fmt: skip
    assert out["Instances"][0]["InstanceType"] == "u7inh-32tb.480xlarge"
