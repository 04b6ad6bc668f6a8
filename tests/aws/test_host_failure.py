"""Host failure through the API: under-assessment, impaired status checks, and host
recovery (a replacement host) or its absence (permanent-failure, then retirement)."""

from __future__ import annotations

import pytest
from aws_helpers import HOST_ZONE, allocate, checked, error_of, host, instances, launch

from simulator.aws import SimulatedAWS


def statuses(ec2, ids: list[str], **params) -> dict[str, dict]:
    response = checked(ec2, "describe_instance_status", InstanceIds=ids, **params)
    return {s["InstanceId"]: s for s in response["InstanceStatuses"]}


def running_on_host(aws: SimulatedAWS, ec2, recovery: str, itype: str = "m6i.xlarge"):
    host_id = allocate(
        ec2,
        itype,
        HostRecovery=recovery,
        TagSpecifications=[
            {"ResourceType": "dedicated-host", "Tags": [{"Key": "team", "Value": "blue"}]}
        ],
    )
    ids = launch(ec2, 4, itype, Placement={"HostId": host_id, "Tenancy": "host"})
    ec2.get_waiter("instance_running").wait(InstanceIds=ids)
    return host_id, ids


def test_with_recovery_the_instances_move_to_a_replacement_host() -> None:
    aws = SimulatedAWS(seed=3, validate_responses=True)
    ec2 = aws.client("ec2")
    host_id, ids = running_on_host(aws, ec2, "on")
    failed_at = aws.timestamp()

    aws.fail_host(host_id)

    failed = host(ec2, host_id)
    assert failed["State"] == "under-assessment"
    assert {i["InstanceId"] for i in failed["Instances"]} == set(ids)
    hosts = checked(ec2, "describe_hosts")["Hosts"]
    (replacement,) = [h for h in hosts if h["HostId"] != host_id]
    assert replacement["State"] == "pending"
    assert replacement["AvailabilityZone"] == HOST_ZONE
    assert replacement["HostProperties"]["InstanceType"] == "m6i.xlarge"
    assert replacement["Tags"] == [{"Key": "team", "Value": "blue"}]
    for status in statuses(ec2, ids).values():
        assert status["InstanceState"]["Name"] == "running"
        for check in ("InstanceStatus", "SystemStatus"):
            assert status[check]["Status"] == "impaired"
            (detail,) = status[check]["Details"]
            assert detail == {
                "Name": "reachability",
                "Status": "failed",
                "ImpairedSince": failed_at,
            }
    impaired = checked(
        ec2,
        "describe_instance_status",
        Filters=[{"Name": "system-status.status", "Values": ["impaired"]}],
    )["InstanceStatuses"]
    assert {s["InstanceId"] for s in impaired} == set(ids)
    # no launches onto a host under assessment
    assert (
        error_of(
            ec2,
            "run_instances",
            ImageId="ami-1e749f67",
            InstanceType="m6i.xlarge",
            MinCount=1,
            MaxCount=1,
            Placement={"HostId": host_id, "Tenancy": "host"},
        )["Code"]
        == "InvalidHostState"
    )

    aws.run_until(lambda: host(ec2, replacement["HostId"])["State"] == "available", "2h")

    assert host(ec2, host_id)["State"] == "released-permanent-failure"
    assert host(ec2, host_id)["Instances"] == []
    moved = instances(ec2, InstanceIds=ids)
    assert {i["Placement"]["HostId"] for i in moved} == {replacement["HostId"]}
    assert {i["State"]["Name"] for i in moved} == {"running"}
    assert {s["SystemStatus"]["Status"] for s in statuses(ec2, ids).values()} == {"ok"}
    assert {i["InstanceId"] for i in host(ec2, replacement["HostId"])["Instances"]} == set(ids)


@pytest.mark.parametrize(
    ("recovery", "itype"),
    [("off", "m6i.xlarge"), ("on", "m7i.large")],
    ids=["recovery-off", "recovery-unsupported-m7i"],
)
def test_without_recovery_the_host_fails_permanently(recovery: str, itype: str) -> None:
    aws = SimulatedAWS(seed=4, validate_responses=True)
    ec2 = aws.client("ec2")
    host_id, ids = running_on_host(aws, ec2, recovery, itype)

    aws.fail_host(host_id)

    assert host(ec2, host_id)["State"] == "under-assessment"
    assert len(checked(ec2, "describe_hosts")["Hosts"]) == 1, "no replacement host"
    assert {s["InstanceStatus"]["Status"] for s in statuses(ec2, ids).values()} == {"impaired"}
    busy = checked(ec2, "release_hosts", HostIds=[host_id])["Unsuccessful"]
    assert [u["Error"]["Code"] for u in busy] == ["Client.InvalidHost.Occupied"]

    aws.run_until(lambda: host(ec2, host_id)["State"] == "permanent-failure", "3h")

    # the instances keep running, impaired, until they are stopped or terminated
    assert {i["State"]["Name"] for i in instances(ec2, InstanceIds=ids)} == {"running"}
    assert {s["SystemStatus"]["Status"] for s in statuses(ec2, ids).values()} == {"impaired"}
    checked(ec2, "terminate_instances", InstanceIds=ids)
    ec2.get_waiter("instance_terminated").wait(InstanceIds=ids)
    retired = host(ec2, host_id)
    assert retired["State"] == "released-permanent-failure"
    assert retired["Instances"] == []
    assert "ReleaseTime" in retired


def test_stopped_instances_are_not_applicable_and_only_shown_with_include_all() -> None:
    aws = SimulatedAWS(seed=5, validate_responses=True)
    ec2 = aws.client("ec2")
    host_id, ids = running_on_host(aws, ec2, "off")
    checked(ec2, "stop_instances", InstanceIds=ids[:1])
    ec2.get_waiter("instance_stopped").wait(InstanceIds=ids[:1])
    aws.fail_host(host_id)

    assert set(statuses(ec2, ids)) == set(ids[1:]), "running instances only by default"
    everything = statuses(ec2, ids, IncludeAllInstances=True)
    assert everything[ids[0]]["InstanceState"]["Name"] == "stopped"
    assert everything[ids[0]]["InstanceStatus"] == {"Status": "not-applicable"}
    assert everything[ids[0]]["SystemStatus"] == {"Status": "not-applicable"}
    # a stopped instance can't start on a host that is under assessment
    assert error_of(ec2, "start_instances", InstanceIds=ids[:1])["Code"] in (
        "InvalidHostState",
        "InsufficientHostCapacity",
    )


def test_failing_an_unknown_host_names_it() -> None:
    from simulator.core.errors import AWSError

    aws = SimulatedAWS()
    with pytest.raises(AWSError) as info:
        aws.fail_host("h-0123456789abcdef0")
    assert info.value.code == "InvalidHostID.NotFound"
    assert "h-0123456789abcdef0" in info.value.message
