"""DescribeNetworkInterfaces: awsvpc task ENIs as EC2 describes them (in-use,
requester-managed, the task's attachment ARN as Description), every simulated filter, IDs
and their NotFound error, tags, pagination, and the interface gone once the task stopped."""

from __future__ import annotations

from typing import Any

import pytest
from ecs_api_helpers import DEFAULT_SUBNETS, call, error, launch, taskdef

from simulator.aws import SimulatedAWS


def network(*subnets: str, **extra: Any) -> dict[str, Any]:
    return {"awsvpcConfiguration": {"subnets": list(subnets), **extra}}


@pytest.fixture
def running() -> tuple[SimulatedAWS, Any, Any, list[dict[str, Any]], str]:
    """Three awsvpc tasks on m6i.xlarge instances in us-east-1a and b, a security group."""
    aws = SimulatedAWS(seed=11, validate_responses=True)
    ec2, ecs = aws.client("ec2"), aws.client("ecs")
    call(ecs, "create_cluster", clusterName="c")
    for subnet in DEFAULT_SUBNETS[:2]:
        launch(ec2, "c", "m6i.xlarge", 1, SubnetId=subnet)
    aws.run_until(
        lambda: len(ecs.list_container_instances(cluster="c")["containerInstanceArns"]) == 2
    )
    vpc_id = call(ec2, "describe_subnets", SubnetIds=[DEFAULT_SUBNETS[0]])["Subnets"][0]["VpcId"]
    group = call(ec2, "create_security_group", GroupName="web", Description="w", VpcId=vpc_id)
    call(ecs, "register_task_definition", **taskdef("web", 256, 512, networkMode="awsvpc"))
    config = network(*DEFAULT_SUBNETS[:2], securityGroups=[group["GroupId"]])
    tasks = call(
        ecs, "run_task", cluster="c", taskDefinition="web", count=3, networkConfiguration=config
    )["tasks"]
    aws.advance("2m")
    tasks = call(ecs, "describe_tasks", cluster="c", tasks=[t["taskArn"] for t in tasks])["tasks"]
    assert all(t["lastStatus"] == "RUNNING" for t in tasks)
    return aws, ec2, ecs, tasks, group["GroupId"]


def _eni_of(task: dict[str, Any]) -> dict[str, str]:
    (attachment,) = task["attachments"]
    return {d["name"]: d["value"] for d in attachment["details"]} | {"id": attachment["id"]}


def test_task_enis_appear_as_ec2_shows_them(running) -> None:
    aws, ec2, ecs, tasks, group = running
    enis = call(ec2, "describe_network_interfaces")["NetworkInterfaces"]
    assert len(enis) == 3
    by_id = {e["NetworkInterfaceId"]: e for e in enis}
    instances = {
        ci["containerInstanceArn"]: ci["ec2InstanceId"]
        for ci in call(
            ecs,
            "describe_container_instances",
            cluster="c",
            containerInstances=ecs.list_container_instances(cluster="c")["containerInstanceArns"],
        )["containerInstances"]
    }
    for task in tasks:
        att = _eni_of(task)
        eni = by_id[att["networkInterfaceId"]]
        assert eni["Status"] == "in-use" and eni["InterfaceType"] == "interface"
        assert eni["RequesterManaged"] is True
        assert (
            eni["Description"] == f"arn:aws:ecs:us-east-1:{aws.account_id}:attachment/{att['id']}"
        )
        assert eni["SubnetId"] == att["subnetId"]
        assert eni["PrivateIpAddress"] == att["privateIPv4Address"]
        assert eni["MacAddress"] == att["macAddress"]
        assert eni["AvailabilityZone"] == task["availabilityZone"]
        assert eni["VpcId"].startswith("vpc-") and eni["OwnerId"] == aws.account_id
        assert [g["GroupId"] for g in eni["Groups"]] == [group]
        assert eni["Groups"][0]["GroupName"] == "web"
        attachment = eni["Attachment"]
        assert attachment["InstanceId"] == instances[task["containerInstanceArn"]]
        assert attachment["Status"] == "attached" and attachment["DeviceIndex"] >= 1
    per_instance: dict[str, list[int]] = {}
    for e in enis:
        per_instance.setdefault(e["Attachment"]["InstanceId"], []).append(
            e["Attachment"]["DeviceIndex"]
        )
    for indexes in per_instance.values():  # the primary interface holds 0
        assert sorted(indexes) == list(range(1, len(indexes) + 1))


def test_filters_select_by_every_simulated_field(running) -> None:
    _, ec2, _, tasks, group = running
    enis = call(ec2, "describe_network_interfaces")["NetworkInterfaces"]
    first = enis[0]

    def ids(*filters: tuple[str, list[str]]) -> set[str]:
        params = [{"Name": n, "Values": v} for n, v in filters]
        out = call(ec2, "describe_network_interfaces", Filters=params)["NetworkInterfaces"]
        return {e["NetworkInterfaceId"] for e in out}

    every = {e["NetworkInterfaceId"] for e in enis}
    in_a = {e["NetworkInterfaceId"] for e in enis if e["SubnetId"] == DEFAULT_SUBNETS[0]}
    assert in_a and in_a != every
    assert ids(("subnet-id", [DEFAULT_SUBNETS[0]])) == in_a
    assert ids(("availability-zone", ["us-east-1a"])) == in_a
    assert ids(("vpc-id", [first["VpcId"]])) == every
    assert ids(("vpc-id", ["vpc-0000000000000dead"])) == set()
    assert ids(("network-interface-id", [first["NetworkInterfaceId"]])) == {
        first["NetworkInterfaceId"]
    }
    assert ids(("private-ip-address", [first["PrivateIpAddress"]])) == {first["NetworkInterfaceId"]}
    assert ids(("status", ["in-use"])) == every and ids(("status", ["available"])) == set()
    assert ids(("interface-type", ["interface"])) == every
    assert ids(("interface-type", ["branch"])) == set()
    assert ids(("description", ["arn:aws:ecs:*:attachment/*"])) == every
    assert ids(("group-id", [group])) == every
    assert ids(("requester-managed", ["true"])) == every
    instance = first["Attachment"]["InstanceId"]
    on_it = {e["NetworkInterfaceId"] for e in enis if e["Attachment"]["InstanceId"] == instance}
    assert ids(("attachment.instance-id", [instance])) == on_it
    assert ids(("subnet-id", [DEFAULT_SUBNETS[0]]), ("status", ["available"])) == set()
    code, _ = error(
        ec2, "describe_network_interfaces", Filters=[{"Name": "colour", "Values": ["x"]}]
    )
    assert code == "InvalidParameterValue"
    code, message = error(
        ec2,
        "describe_network_interfaces",
        Filters=[{"Name": "association.public-ip", "Values": ["1.2.3.4"]}],
    )
    assert code == "UnsupportedOperation" and "association.public-ip" in message


def test_tags_are_kept_and_filtered(running) -> None:
    _, ec2, _, _, _ = running
    enis = call(ec2, "describe_network_interfaces")["NetworkInterfaces"]
    target = enis[1]["NetworkInterfaceId"]
    call(ec2, "create_tags", Resources=[target], Tags=[{"Key": "team", "Value": "web"}])
    out = call(
        ec2,
        "describe_network_interfaces",
        Filters=[{"Name": "tag:team", "Values": ["web"]}],
    )["NetworkInterfaces"]
    assert [e["NetworkInterfaceId"] for e in out] == [target]
    assert out[0]["TagSet"] == [{"Key": "team", "Value": "web"}]
    out = call(ec2, "describe_network_interfaces", Filters=[{"Name": "tag-key", "Values": ["t*"]}])
    assert [e["NetworkInterfaceId"] for e in out["NetworkInterfaces"]] == [target]
    tags = call(ec2, "describe_tags", Filters=[{"Name": "resource-id", "Values": [target]}])
    assert tags["Tags"][0]["ResourceType"] == "network-interface"


def test_ids_missing_ids_and_pages(running) -> None:
    _, ec2, _, _, _ = running
    enis = call(ec2, "describe_network_interfaces")["NetworkInterfaces"]
    wanted = [enis[2]["NetworkInterfaceId"], enis[0]["NetworkInterfaceId"]]
    out = call(ec2, "describe_network_interfaces", NetworkInterfaceIds=wanted)
    assert [e["NetworkInterfaceId"] for e in out["NetworkInterfaces"]] == wanted
    code, message = error(
        ec2, "describe_network_interfaces", NetworkInterfaceIds=["eni-0123456789abcdef0"]
    )
    assert code == "InvalidNetworkInterfaceID.NotFound"
    assert message == "The networkInterface ID 'eni-0123456789abcdef0' does not exist"
    code, _ = error(ec2, "describe_network_interfaces", NetworkInterfaceIds=wanted, MaxResults=5)
    assert code == "InvalidParameterCombination"
    first = call(ec2, "describe_network_interfaces", MaxResults=5)
    assert len(first["NetworkInterfaces"]) == 3 and "NextToken" not in first
    pages = ec2.get_paginator("describe_network_interfaces").paginate()
    assert [e["NetworkInterfaceId"] for p in pages for e in p["NetworkInterfaces"]] == [
        e["NetworkInterfaceId"] for e in enis
    ]


def test_a_stopped_tasks_interface_is_gone(running) -> None:
    aws, ec2, ecs, tasks, _ = running
    eni = _eni_of(tasks[0])["networkInterfaceId"]
    call(ecs, "stop_task", cluster="c", task=tasks[0]["taskArn"])
    aws.advance("5m")
    assert (
        call(ecs, "describe_tasks", cluster="c", tasks=[tasks[0]["taskArn"]])["tasks"][0][
            "lastStatus"
        ]
        == "STOPPED"
    )
    left = call(ec2, "describe_network_interfaces")["NetworkInterfaces"]
    assert eni not in {e["NetworkInterfaceId"] for e in left} and len(left) == 2
    code, _ = error(ec2, "describe_network_interfaces", NetworkInterfaceIds=[eni])
    assert code == "InvalidNetworkInterfaceID.NotFound"


def test_fargate_task_interfaces_have_no_instance_attachment() -> None:
    aws = SimulatedAWS(seed=5, validate_responses=True, capacity_providers=True)
    ec2, ecs = aws.client("ec2"), aws.client("ecs")
    default = [{"capacityProvider": "FARGATE", "weight": 1}]
    call(ecs, "create_cluster", clusterName="f", capacityProviders=["FARGATE"],
         defaultCapacityProviderStrategy=default)  # fmt: skip
    call(ecs, "register_task_definition", family="fn", requiresCompatibilities=["FARGATE"],
         networkMode="awsvpc", cpu="256", memory="512",
         containerDefinitions=[{"name": "fn", "image": "fn:1", "essential": True}])  # fmt: skip
    call(ecs, "create_service", cluster="f", serviceName="fn", taskDefinition="fn",
         desiredCount=2, networkConfiguration=network(DEFAULT_SUBNETS[2]))  # fmt: skip
    ecs.get_waiter("services_stable").wait(cluster="f", services=["fn"])
    enis = call(ec2, "describe_network_interfaces")["NetworkInterfaces"]
    assert len(enis) == 2
    assert all("Attachment" not in e and e["Status"] == "in-use" for e in enis)
    assert {e["AvailabilityZone"] for e in enis} == {"us-east-1c"}
    assert (
        call(
            ec2,
            "describe_network_interfaces",
            Filters=[{"Name": "attachment.instance-id", "Values": ["*"]}],
        )["NetworkInterfaces"]
        == []
    )
