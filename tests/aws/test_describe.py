"""Describe calls, filters, pagination and the finer points of the instance API."""

from __future__ import annotations

from aws_helpers import IMAGE_ID, allocate, checked, error_of, host, instances, launch

from simulator.aws import SimulatedAWS


def fresh(**kwargs):
    aws = SimulatedAWS(validate_responses=True, **kwargs)
    return aws, aws.client("ec2")


def names(found: list[dict]) -> list[str]:
    return [i["InstanceId"] for i in found]


def test_filters_by_state_host_type_and_wildcards() -> None:
    aws, ec2 = fresh(seed=1)
    host_id = allocate(ec2)
    on_host = launch(ec2, 2, Placement={"HostId": host_id})
    shared = launch(ec2, 1, "m6i.large")
    ec2.get_waiter("instance_running").wait(InstanceIds=on_host + shared)
    checked(ec2, "stop_instances", InstanceIds=shared)

    def found(*filters) -> list[str]:
        return names(instances(ec2, Filters=[{"Name": n, "Values": v} for n, v in filters]))

    assert found(("host-id", [host_id])) == on_host
    assert found(("instance-type", ["m6i.*"])) == on_host + shared
    assert found(("instance-type", ["m6i.?arge"])) == shared
    assert found(("instance-state-name", ["running"])) == on_host
    assert found(("instance-state-name", ["stopping", "stopped"])) == shared
    assert found(("instance-state-code", ["16"]), ("tenancy", ["host"])) == on_host
    assert found(("affinity", ["default"])) == on_host, "affinity only for host tenancy"
    assert found(("availability-zone", ["us-east-1a"])) == on_host + shared


def test_unknown_filters_are_invalid_and_unsimulated_ones_are_named() -> None:
    _, ec2 = fresh()
    invalid = error_of(ec2, "describe_instances", Filters=[{"Name": "colour", "Values": ["x"]}])
    assert invalid["Code"] == "InvalidParameterValue"
    assert invalid["Message"].startswith("The filter 'colour' is invalid")
    documented = error_of(
        ec2, "describe_instances", Filters=[{"Name": "dns-name", "Values": ["v"]}]
    )
    assert documented["Code"] == "UnsupportedOperation"
    assert "'dns-name'" in documented["Message"]
    # DescribeInstanceStatus has no tag filters (aws/aws-cli#7225)
    status = error_of(
        ec2, "describe_instance_status", Filters=[{"Name": "tag:Name", "Values": ["x"]}]
    )
    assert status["Code"] == "InvalidParameterValue"
    host = error_of(ec2, "describe_hosts", Filter=[{"Name": "host-id", "Values": ["h"]}])
    assert host["Message"].startswith("The filter 'host-id' is invalid")


def test_tags_are_kept_and_filterable() -> None:
    _, ec2 = fresh()
    tagged = launch(
        ec2,
        2,
        "m6i.large",
        TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "env", "Value": "prod"}]},
            {"ResourceType": "volume", "Tags": [{"Key": "ignored", "Value": "yes"}]},
        ],
    )
    plain = launch(ec2, 1, "m6i.large")
    assert names(instances(ec2, Filters=[{"Name": "tag:env", "Values": ["prod"]}])) == tagged
    assert names(instances(ec2, Filters=[{"Name": "tag-key", "Values": ["env"]}])) == tagged
    assert instances(ec2, InstanceIds=tagged)[0]["Tags"] == [{"Key": "env", "Value": "prod"}]
    assert "Tags" not in instances(ec2, InstanceIds=plain)[0]
    bad = error_of(
        ec2,
        "run_instances",
        ImageId=IMAGE_ID,
        InstanceType="m6i.large",
        MinCount=1,
        MaxCount=1,
        TagSpecifications=[{"ResourceType": "dedicated-host", "Tags": []}],
    )
    assert bad["Code"] == "InvalidParameterValue"


def test_pagination_with_a_boto3_paginator() -> None:
    _, ec2 = fresh()
    ids = launch(ec2, 12, "m6i.large")
    pages = list(ec2.get_paginator("describe_instances").paginate(PaginationConfig={"PageSize": 5}))
    assert [len(p["Reservations"][0]["Instances"]) for p in pages] == [5, 5, 2]
    assert [
        i["InstanceId"] for p in pages for r in p["Reservations"] for i in r["Instances"]
    ] == ids
    assert error_of(ec2, "describe_instances", MaxResults=3)["Code"] == "InvalidParameterValue"
    combined = error_of(ec2, "describe_instances", InstanceIds=ids[:1], MaxResults=5)
    assert combined["Code"] == "InvalidParameterCombination"
    assert error_of(ec2, "describe_instances", NextToken="junk")["Code"] == "InvalidPaginationToken"


def test_reservations_group_instances_launched_together() -> None:
    _, ec2 = fresh()
    first = launch(ec2, 2, "m6i.large")
    second = launch(ec2, 1, "m6i.large")
    reservations = checked(ec2, "describe_instances")["Reservations"]
    assert [[i["InstanceId"] for i in r["Instances"]] for r in reservations] == [first, second]
    assert [i["AmiLaunchIndex"] for i in reservations[0]["Instances"]] == [0, 1]
    assert reservations[0]["OwnerId"] == "123456789012"


def test_ids_are_checked_like_aws() -> None:
    _, ec2 = fresh()
    malformed = error_of(ec2, "describe_instances", InstanceIds=["ma1"])
    assert malformed == {"Code": "InvalidInstanceID.Malformed", "Message": 'Invalid id: "ma1"'}
    two = error_of(ec2, "terminate_instances", InstanceIds=["i-12345678", "i-12345668"])
    assert two == {
        "Code": "InvalidInstanceID.NotFound",
        "Message": "The instance IDs 'i-12345678, i-12345668' do not exist",
    }
    assert error_of(ec2, "describe_hosts", HostIds=["h-0123456789abcdef0"])["Code"] == (
        "InvalidHostID.NotFound"
    )
    release = checked(ec2, "release_hosts", HostIds=["h-0123456789abcdef0"])
    assert [u["Error"]["Code"] for u in release["Unsuccessful"]] == [
        "Client.InvalidHostID.NotFound"
    ]
    assert (
        error_of(
            ec2,
            "run_instances",
            ImageId="image-1",
            InstanceType="m6i.large",
            MinCount=1,
            MaxCount=1,
        )["Code"]
        == "InvalidAMIID.Malformed"
    )


def test_terminated_instances_drop_out_after_an_hour() -> None:
    aws, ec2 = fresh(seed=2)
    (iid,) = launch(ec2, 1, "m6i.large")
    checked(ec2, "terminate_instances", InstanceIds=[iid])
    ec2.get_waiter("instance_terminated").wait(InstanceIds=[iid])
    assert instances(ec2, InstanceIds=[iid])[0]["State"] == {"Code": 48, "Name": "terminated"}
    assert error_of(ec2, "start_instances", InstanceIds=[iid])["Code"] == "IncorrectInstanceState"
    aws.advance("61m")
    assert instances(ec2) == []
    assert error_of(ec2, "describe_instances", InstanceIds=[iid])["Code"] == (
        "InvalidInstanceID.NotFound"
    )


def test_a_reboot_reports_running_code_16() -> None:
    aws, ec2 = fresh(seed=3)
    (iid,) = launch(ec2, 1, "m6i.large")
    ec2.get_waiter("instance_running").wait(InstanceIds=[iid])
    assert checked(ec2, "reboot_instances", InstanceIds=[iid]).keys() == {"ResponseMetadata"}
    assert aws.fleet.instances[iid].state.value == "rebooting"
    assert instances(ec2, InstanceIds=[iid])[0]["State"] == {"Code": 16, "Name": "running"}
    status = checked(ec2, "describe_instance_status", InstanceIds=[iid])["InstanceStatuses"]
    assert status[0]["InstanceState"] == {"Code": 16, "Name": "running"}
    stop = checked(ec2, "stop_instances", InstanceIds=[iid])["StoppingInstances"][0]
    assert stop["PreviousState"] == {"Code": 16, "Name": "running"}
    assert stop["CurrentState"] == {"Code": 64, "Name": "stopping"}


def test_reboot_is_queued_for_valid_instances_and_ignored_for_terminated_ones() -> None:
    aws, ec2 = fresh(seed=7)
    running, gone = launch(ec2, 2, "m6i.large")
    ec2.get_waiter("instance_running").wait(InstanceIds=[running, gone])
    checked(ec2, "terminate_instances", InstanceIds=[gone])
    ec2.get_waiter("instance_terminated").wait(InstanceIds=[gone])
    checked(ec2, "reboot_instances", InstanceIds=[running, gone])
    checked(ec2, "reboot_instances", InstanceIds=[running])  # reported running: accepted
    assert aws.fleet.instances[running].state.value == "rebooting"
    assert instances(ec2, InstanceIds=[gone])[0]["State"]["Name"] == "terminated"
    (iid,) = launch(ec2, 1, "m6i.large")
    assert error_of(ec2, "reboot_instances", InstanceIds=[iid])["Code"] == (
        "IncorrectInstanceState"
    ), "a pending instance can't be rebooted"


def test_stop_start_and_terminate_report_state_changes() -> None:
    aws, ec2 = fresh(seed=4)
    (iid,) = launch(ec2, 1, "m6i.large", HibernationOptions={"Configured": True})
    ec2.get_waiter("instance_running").wait(InstanceIds=[iid])
    stop = checked(ec2, "stop_instances", InstanceIds=[iid], Hibernate=True)
    assert stop["StoppingInstances"] == [
        {
            "CurrentState": {"Code": 64, "Name": "stopping"},
            "InstanceId": iid,
            "PreviousState": {"Code": 16, "Name": "running"},
        }
    ]
    ec2.get_waiter("instance_stopped").wait(InstanceIds=[iid])
    stopped = instances(ec2, InstanceIds=[iid])[0]
    assert stopped["StateTransitionReason"].startswith("User initiated (2024-01-01 00:00:")
    assert stopped["StateReason"]["Code"] == "Client.UserInitiatedShutdown"
    again = checked(ec2, "stop_instances", InstanceIds=[iid])["StoppingInstances"][0]
    assert again["PreviousState"] == again["CurrentState"] == {"Code": 80, "Name": "stopped"}
    start = checked(ec2, "start_instances", InstanceIds=[iid])["StartingInstances"][0]
    assert (start["PreviousState"]["Name"], start["CurrentState"]["Name"]) == ("stopped", "pending")
    ec2.get_waiter("instance_running").wait(InstanceIds=[iid])
    relaunched = instances(ec2, InstanceIds=[iid])[0]
    assert relaunched["LaunchTime"] > stopped["LaunchTime"], "a start updates LaunchTime"
    assert relaunched["StateTransitionReason"] == ""
    term = checked(ec2, "terminate_instances", InstanceIds=[iid])["TerminatingInstances"][0]
    assert term["CurrentState"] == {"Code": 32, "Name": "shutting-down"}


def test_hibernating_an_instance_not_enabled_for_it_is_refused() -> None:
    _, ec2 = fresh(seed=5)
    (iid,) = launch(ec2, 1, "m6i.large")
    ec2.get_waiter("instance_running").wait(InstanceIds=[iid])
    error = error_of(ec2, "stop_instances", InstanceIds=[iid], Hibernate=True)
    assert error["Code"] == "UnsupportedHibernationConfiguration"


def test_max_count_launches_as_many_as_fit_above_min_count() -> None:
    _, ec2 = fresh()
    host_id = allocate(ec2, "m6i.8xlarge")  # 4 per host
    ids = launch(ec2, 6, "m6i.8xlarge", MinCount=2, Placement={"HostId": host_id})
    assert len(ids) == 4
    refused = error_of(
        ec2,
        "run_instances",
        ImageId=IMAGE_ID,
        InstanceType="m6i.8xlarge",
        MinCount=1,
        MaxCount=1,
        Placement={"HostId": host_id},
    )
    assert refused["Code"] == "InsufficientCapacityOnHost"


def test_auto_placement_is_off_by_default_and_stays_in_the_zone() -> None:
    _, ec2 = fresh()
    targeted_only = allocate(ec2)
    assert host(ec2, targeted_only)["AutoPlacement"] == "off"
    assert host(ec2, targeted_only)["HostRecovery"] == "off"
    untargeted = {
        "ImageId": IMAGE_ID,
        "InstanceType": "m6i.xlarge",
        "MinCount": 1,
        "MaxCount": 1,
        "Placement": {"Tenancy": "host", "AvailabilityZone": "us-east-1b"},
    }
    assert error_of(ec2, "run_instances", **untargeted)["Code"] == "InsufficientHostCapacity"
    auto_a = allocate(ec2, AutoPlacement="on")
    assert error_of(ec2, "run_instances", **untargeted)["Code"] == "InsufficientHostCapacity"
    auto_b = allocate(ec2, AutoPlacement="on", AvailabilityZone="us-east-1b")
    (placed,) = checked(ec2, "run_instances", **untargeted)["Instances"]
    assert placed["Placement"]["HostId"] == auto_b
    assert placed["Placement"]["AvailabilityZone"] == "us-east-1b"
    anywhere = dict(untargeted, Placement={"Tenancy": "host"})
    (first,) = checked(ec2, "run_instances", **anywhere)["Instances"]
    assert first["Placement"]["HostId"] == auto_a
    assert host(ec2, auto_a)["AutoPlacement"] == "on", "restored after the request"
    wrong_zone = dict(untargeted, Placement={"HostId": auto_a, "AvailabilityZone": "us-east-1b"})
    assert error_of(ec2, "run_instances", **wrong_zone)["Code"] == "InvalidParameterCombination"
    assert (
        error_of(
            ec2,
            "allocate_hosts",
            AvailabilityZone="us-east-1z",
            InstanceType="m6i.xlarge",
            Quantity=1,
        )["Code"]
        == "InvalidParameterValue"
    )


def test_host_id_implies_host_tenancy() -> None:
    _, ec2 = fresh()
    host_id = allocate(ec2)
    (inst,) = checked(
        ec2,
        "run_instances",
        ImageId=IMAGE_ID,
        InstanceType="m6i.xlarge",
        MinCount=1,
        MaxCount=1,
        Placement={"HostId": host_id},
    )["Instances"]
    assert inst["Placement"] == {
        "AvailabilityZone": "us-east-1a",
        "GroupName": "",
        "Tenancy": "host",
        "HostId": host_id,
        "Affinity": "default",
    }


def test_mixed_size_hosts_report_capacity_per_size() -> None:
    _, ec2 = fresh()
    response = checked(
        ec2, "allocate_hosts", AvailabilityZone="us-east-1a", InstanceFamily="m5", Quantity=1
    )
    (host_id,) = response["HostIds"]
    launch(ec2, 1, "m5.4xlarge", Placement={"HostId": host_id})
    h = host(ec2, host_id)
    assert h["AllowsMultipleInstanceTypes"] == "on"
    assert "InstanceType" not in h["HostProperties"]
    capacity = {c["InstanceType"]: c for c in h["AvailableCapacity"]["AvailableInstanceCapacity"]}
    assert capacity["m5.4xlarge"] == {
        "AvailableCapacity": 5,
        "InstanceType": "m5.4xlarge",
        "TotalCapacity": 6,  # EC2 User Guide: an m5 host takes 6 x m5.4xlarge
    }
    assert capacity["m5.large"]["AvailableCapacity"] == 40
    assert h["AvailableCapacity"]["AvailableVCpus"] == 80
    assert (
        error_of(
            ec2, "allocate_hosts", AvailabilityZone="us-east-1a", InstanceFamily="m6i", Quantity=1
        )["Code"]
        == "InvalidHostConfiguration"
    )


def test_a_stopped_instance_moves_to_another_host() -> None:
    _, ec2 = fresh(seed=6)
    first, second = allocate(ec2), allocate(ec2)
    (iid,) = launch(ec2, 1, Placement={"HostId": first, "Affinity": "host"})
    ec2.get_waiter("instance_running").wait(InstanceIds=[iid])
    busy = error_of(ec2, "modify_instance_placement", InstanceId=iid, HostId=second)
    assert busy["Code"] == "InvalidInstanceState"
    checked(ec2, "stop_instances", InstanceIds=[iid])
    ec2.get_waiter("instance_stopped").wait(InstanceIds=[iid])
    assert checked(ec2, "modify_instance_placement", InstanceId=iid, HostId=second)["Return"]
    checked(ec2, "start_instances", InstanceIds=[iid])
    ec2.get_waiter("instance_running").wait(InstanceIds=[iid])
    assert instances(ec2, InstanceIds=[iid])[0]["Placement"]["HostId"] == second
    assert host(ec2, first)["Instances"] == []
    other_zone = allocate(ec2, AvailabilityZone="us-east-1c")
    checked(ec2, "stop_instances", InstanceIds=[iid])
    ec2.get_waiter("instance_stopped").wait(InstanceIds=[iid])
    moved = error_of(ec2, "modify_instance_placement", InstanceId=iid, HostId=other_zone)
    assert moved["Code"] == "InvalidParameterCombination"


def test_client_tokens_make_requests_idempotent() -> None:
    aws, ec2 = fresh()
    request = {
        "ImageId": IMAGE_ID,
        "InstanceType": "m6i.large",
        "MinCount": 2,
        "MaxCount": 2,
        "ClientToken": "deploy-42",
    }
    first = checked(ec2, "run_instances", **request)
    again = checked(ec2, "run_instances", **request)
    assert again["ReservationId"] == first["ReservationId"]
    assert len(aws.fleet.instances) == 2
    mismatch = error_of(ec2, "run_instances", **dict(request, MaxCount=3, MinCount=3))
    assert mismatch["Code"] == "IdempotentParameterMismatch"
    assert instances(ec2)[0]["ClientToken"] == "deploy-42"


def test_host_tags_and_filters() -> None:
    _, ec2 = fresh()
    tagged = allocate(
        ec2,
        TagSpecifications=[
            {"ResourceType": "dedicated-host", "Tags": [{"Key": "project", "Value": "ci"}]}
        ],
    )
    allocate(ec2, AvailabilityZone="us-east-1b")

    def found(name: str, values: list[str]) -> list[str]:
        hosts = checked(ec2, "describe_hosts", Filter=[{"Name": name, "Values": values}])
        return [h["HostId"] for h in hosts["Hosts"]]

    assert found("tag:project", ["ci"]) == [tagged]
    assert found("tag-key", ["project"]) == [tagged]
    assert found("availability-zone", ["us-east-1a"]) == [tagged]
    assert found("instance-type", ["m6i.xlarge"]) != []
    assert found("auto-placement", ["on"]) == []


def test_the_host_quota_is_enforced() -> None:
    _, ec2 = fresh(host_limit_per_family=2)
    allocate(ec2, Quantity=2)
    error = error_of(
        ec2, "allocate_hosts", AvailabilityZone="us-east-1a", InstanceType="m6i.xlarge", Quantity=1
    )
    assert error["Code"] == "HostLimitExceeded"


def test_validate_responses_catches_a_malformed_response(monkeypatch) -> None:
    """The debug mode: a response botocore could never have parsed is an error."""
    import pytest

    from simulator.aws import ResponseShapeError, ec2_hosts

    _, ec2 = fresh()
    allocate(ec2)
    real = ec2_hosts.host_view
    monkeypatch.setattr(ec2_hosts, "host_view", lambda *a: {**real(*a), "Colour": "red"})
    with pytest.raises(ResponseShapeError, match="unknown member 'Colour'"):
        ec2.describe_hosts()
