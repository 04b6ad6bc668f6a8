"""DescribeNetworkInterfaces: instances' primary interfaces (device index 0, created with
the instance in its subnet, deleted when it terminates) and awsvpc task ENIs (in-use,
requester-managed, the task's attachment ARN as Description) as EC2 describes them, every
simulated filter, IDs and their NotFound error, tags, pagination, the interface gone once
the task stopped, DescribeInstances' NetworkInterfaces and DeleteNetworkInterface."""

from __future__ import annotations

from typing import Any

import pytest
from ecs_api_helpers import DEFAULT_SUBNETS, IMAGE_ID, call, error, launch, taskdef

from simulator.aws import SimulatedAWS

TASK_ENIS = [{"Name": "requester-managed", "Values": ["true"]}]
PRIMARY_ENIS = [{"Name": "attachment.device-index", "Values": ["0"]}]


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
    enis = call(ec2, "describe_network_interfaces", Filters=TASK_ENIS)["NetworkInterfaces"]
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
        assert attachment["DeleteOnTermination"] is False
    per_instance: dict[str, list[int]] = {}
    for e in call(ec2, "describe_network_interfaces")["NetworkInterfaces"]:
        per_instance.setdefault(e["Attachment"]["InstanceId"], []).append(
            e["Attachment"]["DeviceIndex"]
        )
    assert set(per_instance) == set(instances.values())
    for indexes in per_instance.values():  # the primary interface holds 0, tasks 1 and up
        assert sorted(indexes) == list(range(len(indexes))) and len(indexes) >= 2


def test_filters_select_by_every_simulated_field(running) -> None:
    _, ec2, _, tasks, group = running
    enis = call(ec2, "describe_network_interfaces")["NetworkInterfaces"]
    assert len(enis) == 5  # two instances' primary interfaces, three tasks'
    first = next(e for e in enis if e["RequesterManaged"])

    def ids(*filters: tuple[str, list[str]]) -> set[str]:
        params = [{"Name": n, "Values": v} for n, v in filters]
        out = call(ec2, "describe_network_interfaces", Filters=params)["NetworkInterfaces"]
        return {e["NetworkInterfaceId"] for e in out}

    every = {e["NetworkInterfaceId"] for e in enis}
    tasks_ = {e["NetworkInterfaceId"] for e in enis if e["RequesterManaged"]}
    primaries = every - tasks_
    assert len(tasks_) == 3 and len(primaries) == 2
    in_a = {e["NetworkInterfaceId"] for e in enis if e["SubnetId"] == DEFAULT_SUBNETS[0]}
    assert in_a and in_a != every and in_a & primaries and in_a & tasks_
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
    assert ids(("description", ["arn:aws:ecs:*:attachment/*"])) == tasks_
    assert ids(("description", [""])) == primaries
    assert ids(("group-id", [group])) == tasks_
    assert ids(("requester-managed", ["true"])) == tasks_
    assert ids(("requester-managed", ["false"])) == primaries
    assert ids(("attachment.device-index", ["0"])) == primaries
    assert ids(("attachment.device-index", ["1", "2"])) == tasks_
    assert ids(("attachment.delete-on-termination", ["true"])) == primaries
    assert ids(("attachment.delete-on-termination", ["false"])) == tasks_
    assert ids(("attachment.status", ["attached"])) == every
    instance = first["Attachment"]["InstanceId"]
    on_it = {e["NetworkInterfaceId"] for e in enis if e["Attachment"]["InstanceId"] == instance}
    assert len(on_it) >= 2 and on_it & primaries
    assert ids(("attachment.instance-id", [instance])) == on_it
    assert ids(("attachment.instance-id", [instance]), ("attachment.device-index", ["0"])) == (
        on_it & primaries
    )
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
    assert len(enis) == 5
    first = call(ec2, "describe_network_interfaces", MaxResults=5)
    assert len(first["NetworkInterfaces"]) == 5 and "NextToken" not in first
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
    left = call(ec2, "describe_network_interfaces", Filters=TASK_ENIS)["NetworkInterfaces"]
    assert eni not in {e["NetworkInterfaceId"] for e in left} and len(left) == 2
    code, _ = error(ec2, "describe_network_interfaces", NetworkInterfaceIds=[eni])
    assert code == "InvalidNetworkInterfaceID.NotFound"


def test_a_group_an_interface_uses_is_not_deleted(running) -> None:
    aws, ec2, ecs, tasks, group = running
    code, _ = error(ec2, "delete_security_group", GroupId=group)
    assert code == "DependencyViolation"  # the tasks' interfaces use it
    for task in tasks:
        call(ecs, "stop_task", cluster="c", task=task["taskArn"])
    aws.advance("5m")
    assert call(ec2, "delete_security_group", GroupId=group)["Return"] is True


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


# ----------------------------------------------------------------------------- primary
def run(ec2: Any, count: int = 1, **params: Any) -> list[dict[str, Any]]:
    return call(
        ec2,
        "run_instances",
        ImageId=IMAGE_ID,
        InstanceType="m6i.large",
        MinCount=count,
        MaxCount=count,
        **params,
    )["Instances"]


def enis_of(ec2: Any, instance_id: str) -> list[dict[str, Any]]:
    filters = [{"Name": "attachment.instance-id", "Values": [instance_id]}]
    return call(ec2, "describe_network_interfaces", Filters=filters)["NetworkInterfaces"]


def described(ec2: Any, instance_id: str) -> dict[str, Any]:
    return call(ec2, "describe_instances", InstanceIds=[instance_id])["Reservations"][0][
        "Instances"
    ][0]


def test_run_instances_creates_each_instances_primary_interface() -> None:
    aws = SimulatedAWS(seed=3, validate_responses=True)
    ec2 = aws.client("ec2")
    vpc = call(ec2, "create_vpc", CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    subnet = call(
        ec2, "create_subnet", VpcId=vpc, CidrBlock="10.1.2.0/24", AvailabilityZone="us-east-1b"
    )["Subnet"]["SubnetId"]
    group = call(ec2, "create_security_group", GroupName="app", Description="a", VpcId=vpc)
    launched = run(ec2, 2, SubnetId=subnet, SecurityGroupIds=[group["GroupId"]])
    assert [i["PrivateIpAddress"] for i in launched] == ["10.1.2.4", "10.1.2.5"]
    for inst in launched:
        (eni,) = enis_of(ec2, inst["InstanceId"])
        assert (eni["SubnetId"], eni["VpcId"], eni["AvailabilityZone"]) == (
            subnet,
            vpc,
            "us-east-1b",
        )
        assert eni["PrivateIpAddress"] == inst["PrivateIpAddress"]
        assert eni["PrivateDnsName"] == inst["PrivateDnsName"]
        assert (
            eni["PrivateDnsName"] == f"ip-{inst['PrivateIpAddress'].replace('.', '-')}.ec2.internal"
        )
        assert eni["Description"] == "" and eni["RequesterManaged"] is False
        assert eni["InterfaceType"] == "interface" and eni["Status"] == "in-use"
        assert eni["Groups"] == [{"GroupId": group["GroupId"], "GroupName": "app"}]
        attachment = eni["Attachment"]
        assert attachment["InstanceId"] == inst["InstanceId"]
        assert (attachment["DeviceIndex"], attachment["NetworkCardIndex"]) == (0, 0)
        assert attachment["DeleteOnTermination"] is True and attachment["Status"] == "attached"
        assert attachment["AttachmentId"] == f"eni-attach-{eni['NetworkInterfaceId'][4:]}"
        assert attachment["AttachTime"] == inst["LaunchTime"]
        # RunInstances and DescribeInstances list the same interface
        for view in (inst, described(ec2, inst["InstanceId"])):
            (listed,) = view["NetworkInterfaces"]
            assert listed["NetworkInterfaceId"] == eni["NetworkInterfaceId"]
            assert listed["MacAddress"] == eni["MacAddress"]
            assert listed["Attachment"] == {
                k: v for k, v in attachment.items() if k not in ("InstanceId", "InstanceOwnerId")
            }
            assert {k: listed[k] for k in ("SubnetId", "VpcId", "Groups", "Description")} == {
                k: eni[k] for k in ("SubnetId", "VpcId", "Groups", "Description")
            }
    macs = {e["MacAddress"] for i in launched for e in i["NetworkInterfaces"]}
    assert len(macs) == 2
    (sub,) = call(ec2, "describe_subnets", SubnetIds=[subnet])["Subnets"]
    assert sub["AvailableIpAddressCount"] == 256 - 5 - 2


def test_without_subnet_an_instance_is_in_its_zones_default_subnet() -> None:
    aws = SimulatedAWS(seed=3, validate_responses=True)
    ec2 = aws.client("ec2")
    (inst,) = run(ec2, Placement={"AvailabilityZone": "us-east-1c"})
    default = call(ec2, "describe_security_groups", GroupNames=["default"])["SecurityGroups"][0]
    assert inst["SubnetId"] == DEFAULT_SUBNETS[2]
    assert inst["VpcId"] == default["VpcId"]
    assert inst["SecurityGroups"] == [{"GroupId": default["GroupId"]}]
    assert inst["PrivateIpAddress"] == "172.31.32.4"  # the /20 of us-east-1c, first free
    (eni,) = enis_of(ec2, inst["InstanceId"])
    assert eni["SubnetId"] == DEFAULT_SUBNETS[2] and eni["AvailabilityZone"] == "us-east-1c"
    assert eni["Groups"] == [{"GroupId": default["GroupId"], "GroupName": "default"}]
    (first,) = run(ec2)  # no zone: the Region's first
    assert first["SubnetId"] == DEFAULT_SUBNETS[0]
    assert first["PrivateIpAddress"] == "172.31.0.4"


def test_termination_deletes_the_primary_interface_and_frees_its_address() -> None:
    aws = SimulatedAWS(seed=3, validate_responses=True)
    ec2 = aws.client("ec2")
    keep, gone = (i["InstanceId"] for i in run(ec2, 2, SubnetId=DEFAULT_SUBNETS[1]))
    (eni,) = enis_of(ec2, gone)
    free = call(ec2, "describe_subnets", SubnetIds=[DEFAULT_SUBNETS[1]])["Subnets"][0]
    assert free["AvailableIpAddressCount"] == 4091 - 2
    aws.advance("1m")
    call(ec2, "stop_instances", InstanceIds=[keep])
    call(ec2, "terminate_instances", InstanceIds=[gone])
    assert len(enis_of(ec2, gone)) == 1  # shutting-down: still attached
    aws.advance("5m")
    assert described(ec2, gone)["State"]["Name"] == "terminated"
    assert described(ec2, keep)["State"]["Name"] == "stopped"
    assert enis_of(ec2, gone) == []
    assert len(enis_of(ec2, keep)) == 1  # a stopped instance keeps its interface
    code, _ = error(
        ec2, "describe_network_interfaces", NetworkInterfaceIds=[eni["NetworkInterfaceId"]]
    )
    assert code == "InvalidNetworkInterfaceID.NotFound"
    view = described(ec2, gone)
    assert view["NetworkInterfaces"] == [] and "PrivateIpAddress" not in view
    free = call(ec2, "describe_subnets", SubnetIds=[DEFAULT_SUBNETS[1]])["Subnets"][0]
    assert free["AvailableIpAddressCount"] == 4091 - 1
    (again,) = run(ec2, SubnetId=DEFAULT_SUBNETS[1])
    assert again["PrivateIpAddress"] == eni["PrivateIpAddress"]  # the lowest free address
    assert again["NetworkInterfaces"][0]["NetworkInterfaceId"] != eni["NetworkInterfaceId"]


def test_a_container_instance_lists_its_tasks_interfaces_after_its_primary(running) -> None:
    _, ec2, ecs, tasks, group = running
    for task in tasks:
        ci = call(
            ecs, "describe_container_instances", cluster="c",
            containerInstances=[task["containerInstanceArn"]],
        )["containerInstances"][0]  # fmt: skip
        view = described(ec2, ci["ec2InstanceId"])
        listed = view["NetworkInterfaces"]
        assert [e["Attachment"]["DeviceIndex"] for e in listed] == list(range(len(listed)))
        assert listed[0]["PrivateIpAddress"] == view["PrivateIpAddress"]
        assert listed[0]["Groups"][0]["GroupName"] == "default"
        task_eni = _eni_of(task)["networkInterfaceId"]
        assert task_eni in [e["NetworkInterfaceId"] for e in listed[1:]]
        described_enis = {e["NetworkInterfaceId"]: e for e in enis_of(ec2, ci["ec2InstanceId"])}
        assert [e["NetworkInterfaceId"] for e in listed] == sorted(
            described_enis, key=lambda i: described_enis[i]["Attachment"]["DeviceIndex"]
        )
        for e in listed:
            assert e["MacAddress"] == described_enis[e["NetworkInterfaceId"]]["MacAddress"]
            assert e["Description"] == described_enis[e["NetworkInterfaceId"]]["Description"]


def test_instances_launched_around_the_api_get_primary_interfaces() -> None:
    aws = SimulatedAWS(seed=3, validate_responses=True)
    ec2 = aws.client("ec2")
    aws.create_auto_scaling_group("asg", ["m6g.large"], min_size=2, max_size=2)
    aws.advance("1m")
    reservations = call(ec2, "describe_instances")["Reservations"]
    found = [i for r in reservations for i in r["Instances"]]
    assert len(found) == 2
    for inst in found:
        (eni,) = enis_of(ec2, inst["InstanceId"])
        assert eni["SubnetId"] == inst["SubnetId"] and inst["SubnetId"] in DEFAULT_SUBNETS
        assert eni["PrivateIpAddress"] == inst["PrivateIpAddress"]
        assert eni["AvailabilityZone"] == inst["Placement"]["AvailabilityZone"]


def test_primary_interfaces_take_run_instances_tags_and_instance_groups() -> None:
    aws = SimulatedAWS(seed=3, validate_responses=True)
    ec2 = aws.client("ec2")
    specs = [
        {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web"}]},
        {"ResourceType": "network-interface", "Tags": [{"Key": "team", "Value": "net"}]},
    ]
    (inst,) = run(ec2, TagSpecifications=specs)
    (eni,) = enis_of(ec2, inst["InstanceId"])
    assert eni["TagSet"] == [{"Key": "team", "Value": "net"}]
    assert inst["Tags"] == [{"Key": "Name", "Value": "web"}]
    group = call(ec2, "create_security_group", GroupName="app", Description="a")["GroupId"]
    aws.advance("1m")
    call(ec2, "stop_instances", InstanceIds=[inst["InstanceId"]])
    call(ec2, "modify_instance_attribute", InstanceId=inst["InstanceId"], Groups=[group])
    (eni,) = enis_of(ec2, inst["InstanceId"])
    assert eni["Groups"] == [{"GroupId": group, "GroupName": "app"}]
    filters = [{"Name": "group-id", "Values": [group]}]
    listed = call(ec2, "describe_network_interfaces", Filters=filters)["NetworkInterfaces"]
    assert [e["NetworkInterfaceId"] for e in listed] == [eni["NetworkInterfaceId"]]
    assert described(ec2, inst["InstanceId"])["NetworkInterfaces"][0]["Groups"] == eni["Groups"]


def test_a_subnet_without_free_addresses_refuses_or_trims_the_launch() -> None:
    aws = SimulatedAWS(seed=3, validate_responses=True)
    ec2 = aws.client("ec2")
    vpc = call(ec2, "create_vpc", CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    subnet = call(ec2, "create_subnet", VpcId=vpc, CidrBlock="10.2.0.0/28")["Subnet"]["SubnetId"]
    code, message = error(
        ec2, "run_instances", ImageId=IMAGE_ID, MinCount=12, MaxCount=12, SubnetId=subnet
    )
    assert code == "InsufficientFreeAddressesInSubnet" and subnet in message
    launched = call(
        ec2, "run_instances", ImageId=IMAGE_ID, MinCount=1, MaxCount=20, SubnetId=subnet
    )["Instances"]
    assert len(launched) == 16 - 5
    assert len({i["PrivateIpAddress"] for i in launched}) == 11
    (sub,) = call(ec2, "describe_subnets", SubnetIds=[subnet])["Subnets"]
    assert sub["AvailableIpAddressCount"] == 0


def test_delete_network_interface_refuses_attached_interfaces() -> None:
    aws = SimulatedAWS(seed=3, validate_responses=True)
    ec2 = aws.client("ec2")
    (inst,) = run(ec2)
    eni = inst["NetworkInterfaces"][0]["NetworkInterfaceId"]
    code, message = error(ec2, "delete_network_interface", NetworkInterfaceId=eni)
    assert code == "InvalidParameterValue"
    assert message == f"Network interface '{eni}' is currently in use."
    assert len(enis_of(ec2, inst["InstanceId"])) == 1
    code, message = error(
        ec2, "delete_network_interface", NetworkInterfaceId="eni-0123456789abcdef0"
    )
    assert code == "InvalidNetworkInterfaceID.NotFound"
    assert message == "The networkInterface ID 'eni-0123456789abcdef0' does not exist"


def test_interface_ids_addresses_and_macs_are_deterministic() -> None:
    def story() -> list[tuple[str, str, str, str]]:
        aws = SimulatedAWS(seed=9, validate_responses=True)
        ec2 = aws.client("ec2")
        ids = [i["InstanceId"] for i in run(ec2, 3)]
        call(ec2, "terminate_instances", InstanceIds=ids[1:2])
        aws.advance("5m")
        run(ec2, 2, Placement={"AvailabilityZone": "us-east-1b"})
        return [
            (e["NetworkInterfaceId"], e["PrivateIpAddress"], e["MacAddress"], e["SubnetId"])
            for e in call(ec2, "describe_network_interfaces")["NetworkInterfaces"]
        ]

    first = story()
    assert first == story()
    assert len(first) == 4 and len({e[0] for e in first}) == 4 and len({e[2] for e in first}) == 4
    assert [e[1] for e in first] == ["172.31.0.4", "172.31.0.6", "172.31.16.4", "172.31.16.5"]


def test_describe_instances_filters_by_their_interfaces(running) -> None:
    _, ec2, _, tasks, group = running

    def ids(name: str, *values: str) -> set[str]:
        filters = [{"Name": name, "Values": list(values)}]
        reservations = call(ec2, "describe_instances", Filters=filters)["Reservations"]
        return {i["InstanceId"] for r in reservations for i in r["Instances"]}

    reservations = call(ec2, "describe_instances")["Reservations"]
    every = {i["InstanceId"]: i for r in reservations for i in r["Instances"]}
    assert len(every) == 2
    task_eni = _eni_of(tasks[0])
    (owner,) = [
        iid
        for iid, inst in every.items()
        if task_eni["networkInterfaceId"]
        in [e["NetworkInterfaceId"] for e in inst["NetworkInterfaces"]]
    ]
    assert ids("network-interface.network-interface-id", task_eni["networkInterfaceId"]) == {owner}
    assert ids("network-interface.private-ip-address", task_eni["privateIPv4Address"]) == {owner}
    assert ids("network-interface.mac-address", task_eni["macAddress"]) == {owner}
    # a task's address is on the instance's interfaces, not the instance's own address
    assert ids("private-ip-address", task_eni["privateIPv4Address"]) == set()
    assert ids("private-ip-address", every[owner]["PrivateIpAddress"]) == {owner}
    assert ids("private-dns-name", every[owner]["PrivateDnsName"]) == {owner}
    assert ids("network-interface.group-id", group) == set(every)
    assert ids("network-interface.requester-managed", "true") == set(every)
    assert ids("network-interface.attachment.device-index", "0") == set(every)
    assert ids("network-interface.subnet-id", DEFAULT_SUBNETS[2]) == set()
    deepest = max(
        len(inst["NetworkInterfaces"]) for inst in every.values()
    )  # fixture: 3 tasks on 2 instances
    assert deepest == 3
    assert len(ids("network-interface.attachment.device-index", "2")) == 1
    code, message = error(
        ec2,
        "describe_instances",
        Filters=[{"Name": "network-interface.association.public-ip", "Values": ["1.2.3.4"]}],
    )
    assert code == "UnsupportedOperation" and "network-interface.association.public-ip" in message
