"""AWS's limits on absurd sizes: ClientErrors with AWS's codes, never OverflowError,
MemoryError or a hang."""

import pytest
from botocore.exceptions import ClientError

from simulator.aws import limits

AMI = "ami-0123456789abcdef0"


def code(exc: pytest.ExceptionInfo) -> str:
    return exc.value.response["Error"]["Code"]


def test_max_count_is_an_upper_bound_capped_by_the_account_limit(ec2_client, monkeypatch):
    monkeypatch.setattr(limits, "INSTANCE_LIMIT", 7)
    r = ec2_client.run_instances(ImageId=AMI, InstanceType="m6i.large", MinCount=1, MaxCount=2**63)
    assert len(r["Instances"]) == 7
    with pytest.raises(ClientError) as info:
        ec2_client.run_instances(ImageId=AMI, InstanceType="m6i.large", MinCount=1, MaxCount=1)
    assert code(info) == "InstanceLimitExceeded"


def test_min_count_above_the_limit_is_instance_limit_exceeded(ec2_client):
    with pytest.raises(ClientError) as info:
        ec2_client.run_instances(
            ImageId=AMI, InstanceType="m6i.large", MinCount=2**63, MaxCount=2**63
        )
    assert code(info) == "InstanceLimitExceeded"
    assert ec2_client.describe_instances()["Reservations"] == []


@pytest.mark.parametrize("quantity", [2**63, 2**31, limits.HOST_LIMIT + 1])
def test_huge_host_quantities_are_host_limit_exceeded(ec2_client, quantity):
    with pytest.raises(ClientError) as info:
        ec2_client.allocate_hosts(
            AvailabilityZone="us-east-1a", InstanceType="m6i.xlarge", Quantity=quantity
        )
    assert code(info) == "HostLimitExceeded"
    assert ec2_client.describe_hosts()["Hosts"] == []


@pytest.mark.parametrize(
    "container",
    [
        {"memory": -5},
        {"memory": 5},
        {"memoryReservation": -1, "memory": 512},
        {"memory": 512, "cpu": -5},
    ],
)
def test_negative_container_sizes_are_refused(ecs_client, container):
    with pytest.raises(ClientError) as info:
        ecs_client.register_task_definition(
            family="f", containerDefinitions=[{"name": "c", "image": "i", **container}]
        )
    assert code(info) == "ClientException"
    assert ecs_client.list_task_definitions()["taskDefinitionArns"] == []


def test_desired_count_above_the_tasks_per_service_quota(ecs_client):
    ecs_client.create_cluster(clusterName="default")
    ecs_client.register_task_definition(
        family="f", containerDefinitions=[{"name": "c", "image": "i", "memory": 128}]
    )
    with pytest.raises(ClientError) as info:
        ecs_client.create_service(
            cluster="default", serviceName="s", taskDefinition="f", desiredCount=2**40
        )
    assert code(info) == "InvalidParameterException"
    ecs_client.create_service(
        cluster="default", serviceName="s", taskDefinition="f", desiredCount=1
    )
    with pytest.raises(ClientError) as info:
        ecs_client.update_service(cluster="default", service="s", desiredCount=2**63)
    assert code(info) == "InvalidParameterException"
