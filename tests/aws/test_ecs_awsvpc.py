"""awsvpc tasks: an ENI in one of the given subnets, the zone following it, AZ spread over
the subnets' zones, unknown subnets and security groups refused, ENI limits per type."""

from __future__ import annotations

import ipaddress
from collections import Counter
from typing import Any

import pytest
from ecs_api_helpers import DEFAULT_SUBNETS, call, error, launch, service_tasks, taskdef
from hypothesis import given
from hypothesis import strategies as st

from simulator.aws import SimulatedAWS
from simulator.aws.ec2_vpc import VpcModel


def awsvpc_taskdef(family: str = "web", **extra: Any) -> dict[str, Any]:
    return taskdef(family, 256, 512, networkMode="awsvpc", **extra)


def network(*subnets: str, **extra: Any) -> dict[str, Any]:
    return {"awsvpcConfiguration": {"subnets": list(subnets), **extra}}


@pytest.fixture
def fleet() -> tuple[SimulatedAWS, Any, Any, dict[str, str]]:
    """Two m6i.xlarge instances in each of us-east-1a, b, c; zone -> default subnet."""
    aws = SimulatedAWS(seed=5, validate_responses=True)
    ec2, ecs = aws.client("ec2"), aws.client("ecs")
    call(ecs, "create_cluster", clusterName="c")
    subnets = {
        s["AvailabilityZone"]: s["SubnetId"]
        for s in call(
            ec2, "describe_subnets", Filters=[{"Name": "default-for-az", "Values": ["true"]}]
        )["Subnets"]
    }
    for subnet in subnets.values():
        launch(ec2, "c", "m6i.xlarge", 2, SubnetId=subnet)
    aws.run_until(
        lambda: len(ecs.list_container_instances(cluster="c")["containerInstanceArns"]) == 6
    )
    call(ecs, "register_task_definition", **awsvpc_taskdef())
    return aws, ec2, ecs, subnets


def test_the_helpers_default_subnets_are_the_accounts(fleet) -> None:
    _, _, _, subnets = fleet
    assert [subnets[z] for z in ("us-east-1a", "us-east-1b", "us-east-1c")] == DEFAULT_SUBNETS


def _eni(task: dict[str, Any]) -> dict[str, str]:
    (attachment,) = task["attachments"]
    assert attachment["type"] == "ElasticNetworkInterface"
    return {d["name"]: d["value"] for d in attachment["details"]}


def test_run_task_takes_an_eni_in_the_given_subnet_and_its_zone(fleet) -> None:
    aws, ec2, ecs, subnets = fleet
    b = subnets["us-east-1b"]
    before = call(ec2, "describe_subnets", SubnetIds=[b])["Subnets"][0]["AvailableIpAddressCount"]
    tasks = call(ecs, "run_task", cluster="c", taskDefinition="web", count=4,
                 networkConfiguration=network(b))["tasks"]  # fmt: skip
    assert {t["availabilityZone"] for t in tasks} == {"us-east-1b"}
    cidr = ipaddress.ip_network(
        call(ec2, "describe_subnets", SubnetIds=[b])["Subnets"][0]["CidrBlock"]
    )
    enis = [_eni(t) for t in tasks]
    assert {e["subnetId"] for e in enis} == {b}
    assert all(ipaddress.ip_address(e["privateIPv4Address"]) in cidr for e in enis)
    assert len({e["privateIPv4Address"] for e in enis}) == 4
    assert len({e["networkInterfaceId"] for e in enis}) == 4
    after = call(ec2, "describe_subnets", SubnetIds=[b])["Subnets"][0]["AvailableIpAddressCount"]
    assert before - after == 4
    code, _ = error(ec2, "delete_subnet", SubnetId=b)
    assert code == "DependencyViolation"
    arns = [t["taskArn"] for t in tasks]
    ecs.get_waiter("tasks_running").wait(cluster="c", tasks=arns)
    running = call(ecs, "describe_tasks", cluster="c", tasks=arns)["tasks"]
    assert {t["attachments"][0]["status"] for t in running} == {"ATTACHED"}
    ip = _eni(running[0])["privateIPv4Address"]
    assert running[0]["containers"][0]["networkInterfaces"][0]["privateIpv4Address"] == ip
    for arn in arns:
        call(ecs, "stop_task", cluster="c", task=arn)
    ecs.get_waiter("tasks_stopped").wait(cluster="c", tasks=arns)
    stopped = call(ecs, "describe_tasks", cluster="c", tasks=arns)["tasks"]
    assert {t["attachments"][0]["status"] for t in stopped} == {"DELETED"}
    again = call(ec2, "describe_subnets", SubnetIds=[b])["Subnets"][0]["AvailableIpAddressCount"]
    assert again == before


def test_a_service_spreads_over_the_zones_of_its_subnets(fleet) -> None:
    aws, _, ecs, subnets = fleet
    config = network(subnets["us-east-1a"], subnets["us-east-1c"])
    service = call(ecs, "create_service", cluster="c", serviceName="web", taskDefinition="web",
                   desiredCount=6, networkConfiguration=config)["service"]  # fmt: skip
    assert service["networkConfiguration"]["awsvpcConfiguration"]["subnets"] == [
        subnets["us-east-1a"],
        subnets["us-east-1c"],
    ]
    assert service["placementConstraints"] == []
    ecs.get_waiter("services_stable").wait(cluster="c", services=["web"])
    tasks = service_tasks(ecs, "c", "web")
    assert Counter(t["availabilityZone"] for t in tasks) == {"us-east-1a": 3, "us-east-1c": 3}
    for t in tasks:
        assert _eni(t)["subnetId"] == subnets[t["availabilityZone"]]


def test_update_service_moves_new_tasks_to_the_new_subnets(fleet) -> None:
    aws, _, ecs, subnets = fleet
    call(ecs, "create_service", cluster="c", serviceName="web", taskDefinition="web",
         desiredCount=2, networkConfiguration=network(subnets["us-east-1a"]))  # fmt: skip
    ecs.get_waiter("services_stable").wait(cluster="c", services=["web"])
    call(ecs, "update_service", cluster="c", service="web", forceNewDeployment=True,
         networkConfiguration=network(subnets["us-east-1b"]))  # fmt: skip
    aws.run_until(
        lambda: {t["availabilityZone"] for t in service_tasks(ecs, "c", "web")} == {"us-east-1b"},
        timeout="30m",
    )
    described = ecs.describe_services(cluster="c", services=["web"])["services"][0]
    assert described["placementConstraints"] == []


def test_unknown_subnets_and_security_groups_are_refused_as_ecs_does(fleet) -> None:
    _, _, ecs, subnets = fleet
    a = subnets["us-east-1a"]
    base = {"cluster": "c", "taskDefinition": "web"}
    assert error(ecs, "run_task", networkConfiguration=network("subnet-nope"), **base) == (
        "InvalidParameterException",
        "Error retrieving subnet information for [subnet-nope]: The subnet ID 'subnet-nope' "
        "does not exist (ErrorCode: InvalidSubnetID.NotFound)",
    )
    code, message = error(
        ecs, "run_task", networkConfiguration=network(a, securityGroups=["sg-nope"]), **base
    )
    assert code == "InvalidParameterException"
    assert message.startswith("Error retrieving security group information for [sg-nope]")
    assert "InvalidGroup.NotFound" in message
    assert error(ecs, "run_task", networkConfiguration=network(), **base) == (
        "InvalidParameterException",
        "subnets can not be empty.",
    )
    public = network(a, assignPublicIp="ENABLED")
    assert error(ecs, "run_task", networkConfiguration=public, **base)[1] == (
        "Assign public IP is not supported for this launch type."
    )
    code, _ = error(
        ecs, "create_service", serviceName="s", desiredCount=1,
        networkConfiguration=network("subnet-nope"), **base,
    )  # fmt: skip
    assert code == "InvalidParameterException"


def test_eni_limits_bound_awsvpc_tasks_per_instance() -> None:
    """m5.large: 3 network interfaces, the primary one is the instance's: 2 awsvpc tasks."""
    aws = SimulatedAWS(seed=5, validate_responses=True)
    ec2, ecs = aws.client("ec2"), aws.client("ecs")
    call(ecs, "create_cluster", clusterName="c")
    launch(ec2, "c", "m5.large", 1)
    aws.run_until(
        lambda: len(ecs.list_container_instances(cluster="c")["containerInstanceArns"]) == 1
    )
    call(ecs, "register_task_definition", **taskdef("tiny", 64, 64, networkMode="awsvpc"))
    out = call(ecs, "run_task", cluster="c", taskDefinition="tiny", count=3,
               networkConfiguration=network(*DEFAULT_SUBNETS))  # fmt: skip
    assert len(out["tasks"]) == 2
    assert [f["reason"] for f in out["failures"]] == ["RESOURCE:ENI"]


def test_fargate_tasks_take_the_zones_of_their_subnets_in_turn() -> None:
    aws = SimulatedAWS(seed=5, validate_responses=True, capacity_providers=True)
    ecs = aws.client("ecs")
    default = [{"capacityProvider": "FARGATE", "weight": 1}]
    call(ecs, "create_cluster", clusterName="f", capacityProviders=["FARGATE"],
         defaultCapacityProviderStrategy=default)  # fmt: skip
    call(ecs, "register_task_definition", family="fn", requiresCompatibilities=["FARGATE"],
         networkMode="awsvpc", cpu="256", memory="512",
         containerDefinitions=[{"name": "fn", "image": "fn:1", "essential": True}])  # fmt: skip
    config = network(DEFAULT_SUBNETS[1], DEFAULT_SUBNETS[2], assignPublicIp="ENABLED")
    call(ecs, "create_service", cluster="f", serviceName="fn", taskDefinition="fn",
         desiredCount=4, networkConfiguration=config)  # fmt: skip
    ecs.get_waiter("services_stable").wait(cluster="f", services=["fn"])
    tasks = service_tasks(ecs, "f", "fn")
    assert Counter(t["availabilityZone"] for t in tasks) == {"us-east-1b": 2, "us-east-1c": 2}
    assert {_eni(t)["subnetId"] for t in tasks} == {DEFAULT_SUBNETS[1], DEFAULT_SUBNETS[2]}


@given(st.lists(st.tuples(st.booleans(), st.integers(0, 40)), max_size=60))
def test_eni_addresses_are_unique_free_and_in_their_subnet(steps: list[tuple[bool, int]]) -> None:
    """Any sequence of creations and deletions: every live ENI has its own address inside
    its subnet, past the four addresses AWS reserves at the start, never the last one."""
    vpc = VpcModel(("us-east-1a",))
    subnet = vpc.add_subnet(next(iter(vpc.vpcs)), "172.31.16.0/28", "us-east-1a")
    net = ipaddress.ip_network(subnet.cidr)
    for create, pick in steps:
        live = sorted(vpc.enis)
        if create or not live:
            vpc.add_eni(subnet.subnet_id, "task")
        else:
            vpc.delete_eni(live[pick % len(live)])
        ips = [e.private_ip for e in vpc.enis.values() if e.private_ip]
        assert len(ips) == len(set(ips))
        assert all(net[4] <= ipaddress.ip_address(ip) < net[-1] for ip in ips)
        assert len(ips) == min(len(vpc.enis), net.num_addresses - 5)
