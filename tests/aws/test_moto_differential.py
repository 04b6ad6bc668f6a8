"""The same boto3 call sequences against ecsim and moto's mock_aws.

Where moto implements a behaviour, both must agree. Where moto contradicts AWS's
documentation, ecsim must follow the documentation; each such test also pins moto's
behaviour, so that if moto changes, the list in docs/aws.md gets updated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aws_helpers import HOST_ZONE, IMAGE_ID, checked, error_of
from botocore.exceptions import ClientError

from simulator.aws import SimulatedAWS

MOTO_CHANGED = "moto now behaves like AWS here: update the deviation list in docs/aws.md"
UNKNOWN_INSTANCE = "i-0123456789abcdef0"
UNKNOWN_HOST = "h-0123456789abcdef0"


@pytest.fixture
def clients(moto_ec2: Any) -> dict[str, Any]:
    return {"ecsim": SimulatedAWS(seed=1, validate_responses=True).client("ec2"), "moto": moto_ec2}


def each(clients: dict[str, Any], fn: Callable[[Any], Any]) -> dict[str, Any]:
    return {name: fn(client) for name, client in clients.items()}


def agree(clients: dict[str, Any], fn: Callable[[Any], Any]) -> Any:
    results = each(clients, fn)
    assert results["ecsim"] == results["moto"], results
    return results["ecsim"]


def allocate(ec2: Any, **params: Any) -> list[str]:
    params = {"AvailabilityZone": HOST_ZONE, "Quantity": 1, "InstanceType": "m6i.xlarge", **params}
    return checked(ec2, "allocate_hosts", **params)["HostIds"]


def run(ec2: Any, count: int = 1, **params: Any) -> dict[str, Any]:
    params = {"ImageId": IMAGE_ID, "InstanceType": "m6i.large", **params}
    params.setdefault("MinCount", count)
    return checked(ec2, "run_instances", MaxCount=count, **params)


def state(ec2: Any, iid: str) -> str:
    response = checked(ec2, "describe_instances", InstanceIds=[iid])
    return response["Reservations"][0]["Instances"][0]["State"]["Name"]


def changes(response: dict[str, Any], key: str) -> list[tuple[str, str]]:
    return [(c["PreviousState"]["Name"], c["CurrentState"]["Name"]) for c in response[key]]


# ----------------------------------------------------------------------------- agreement
HOST_FIELDS = ("AutoPlacement", "AvailabilityZone", "State", "HostRecovery", "OwnerId", "Tags")


def host_record(ec2: Any, ids: list[str]) -> list[dict[str, Any]]:
    hosts = checked(ec2, "describe_hosts", HostIds=ids)["Hosts"]
    out = []
    for h in sorted(hosts, key=lambda h: ids.index(h["HostId"])):
        record = {k: h.get(k) for k in HOST_FIELDS}
        props = h["HostProperties"]
        record["Type"] = props.get("InstanceType") or props.get("InstanceFamily")
        out.append(record)
    return out


def test_host_records_agree(clients: dict[str, Any]) -> None:
    tags = [{"ResourceType": "dedicated-host", "Tags": [{"Key": "team", "Value": "blue"}]}]
    ids = each(
        clients,
        lambda ec2: allocate(
            ec2, Quantity=2, AutoPlacement="on", HostRecovery="on", TagSpecifications=tags
        ),
    )
    assert {name: len(v) for name, v in ids.items()} == {"ecsim": 2, "moto": 2}
    records = agree(clients, lambda ec2: host_record(ec2, ids[_name(clients, ec2)]))
    assert records[0]["Type"] == "m6i.xlarge" and records[0]["Tags"] == tags[0]["Tags"]

    def modify(ec2: Any) -> tuple:
        mine = ids[_name(clients, ec2)]
        response = checked(ec2, "modify_hosts", HostIds=mine, AutoPlacement="off")
        checked(ec2, "modify_hosts", HostIds=mine[:1], HostRecovery="off")
        return response["Successful"] == mine, host_record(ec2, mine)

    assert agree(clients, modify)[0]

    def release(ec2: Any) -> tuple:
        mine = ids[_name(clients, ec2)]
        response = checked(ec2, "release_hosts", HostIds=mine[:1])
        available = checked(
            ec2, "describe_hosts", Filter=[{"Name": "state", "Values": ["available"]}]
        )
        return (
            response["Successful"] == mine[:1],
            host_record(ec2, mine),
            [h["HostId"] == mine[1] for h in available["Hosts"]],
        )

    released = agree(clients, release)
    assert [r["State"] for r in released[1]] == ["released", "available"]


def test_host_family_allocation_agrees(clients: dict[str, Any]) -> None:
    def allocate_family(ec2: Any) -> list[Any]:
        ids = checked(
            ec2,
            "allocate_hosts",
            AvailabilityZone=HOST_ZONE,
            InstanceFamily="m5",
            Quantity=1,
            AutoPlacement="off",
        )["HostIds"]
        m5_large = [{"Name": "instance-type", "Values": ["m5.large"]}]
        return [host_record(ec2, ids), checked(ec2, "describe_hosts", Filter=m5_large)["Hosts"]]

    records, by_type = agree(clients, allocate_family)
    assert records[0]["Type"] == "m5"
    assert by_type == [], "instance-type matches single-size hosts only"


def test_legal_transitions_and_settled_states_agree(clients: dict[str, Any]) -> None:
    def lifecycle(ec2: Any) -> list[Any]:
        seen: list[Any] = []
        launched = run(ec2, 2)
        ids = [i["InstanceId"] for i in launched["Instances"]]
        seen.append([i["State"]["Name"] for i in launched["Instances"]])
        ec2.get_waiter("instance_running").wait(InstanceIds=ids)
        seen.append([state(ec2, i) for i in ids])
        seen.append(changes(checked(ec2, "stop_instances", InstanceIds=ids), "StoppingInstances"))
        ec2.get_waiter("instance_stopped").wait(InstanceIds=ids)
        seen.append([state(ec2, i) for i in ids])
        seen.append(changes(checked(ec2, "start_instances", InstanceIds=ids), "StartingInstances"))
        ec2.get_waiter("instance_running").wait(InstanceIds=ids)
        checked(ec2, "reboot_instances", InstanceIds=ids)
        seen.append([state(ec2, i) for i in ids])  # rebooting reports running
        term = checked(ec2, "terminate_instances", InstanceIds=ids)
        seen.append(changes(term, "TerminatingInstances"))
        ec2.get_waiter("instance_terminated").wait(InstanceIds=ids)
        seen.append([state(ec2, i) for i in ids])
        statuses = checked(ec2, "describe_instance_status", InstanceIds=ids)["InstanceStatuses"]
        seen.append(statuses)
        return seen

    seen = agree(clients, lifecycle)
    assert seen[0] == ["pending", "pending"]
    assert seen[2] == [("running", "stopping")] * 2
    assert seen[4] == [("stopped", "pending")] * 2
    assert seen[6] == [("running", "shutting-down")] * 2
    assert seen[7] == ["terminated"] * 2


def test_running_status_checks_agree(clients: dict[str, Any]) -> None:
    def status(ec2: Any) -> list[dict[str, Any]]:
        ids = [i["InstanceId"] for i in run(ec2, 1)["Instances"]]
        ec2.get_waiter("instance_running").wait(InstanceIds=ids)
        found = checked(ec2, "describe_instance_status", InstanceIds=ids)["InstanceStatuses"]
        return [
            {k: s[k] for k in ("InstanceState", "InstanceStatus", "SystemStatus")} for s in found
        ]

    assert agree(clients, status)[0]["SystemStatus"]["Status"] == "ok"


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("describe_instances", {"InstanceIds": [UNKNOWN_INSTANCE]}),
        ("describe_instance_status", {"InstanceIds": [UNKNOWN_INSTANCE]}),
        ("start_instances", {"InstanceIds": [UNKNOWN_INSTANCE]}),
        ("stop_instances", {"InstanceIds": [UNKNOWN_INSTANCE]}),
        ("reboot_instances", {"InstanceIds": [UNKNOWN_INSTANCE]}),
        ("terminate_instances", {"InstanceIds": [UNKNOWN_INSTANCE, "i-12345678"]}),
    ],
)
def test_not_found_errors_agree(clients: dict[str, Any], operation: str, params: dict) -> None:
    error = agree(clients, lambda ec2: error_of(ec2, operation, **params))
    assert error["Code"] == "InvalidInstanceID.NotFound"


def test_dry_run_agrees(clients: dict[str, Any]) -> None:
    def dry(ec2: Any) -> tuple:
        with pytest.raises(ClientError) as info:
            ec2.run_instances(
                ImageId=IMAGE_ID, InstanceType="m6i.large", MinCount=1, MaxCount=1, DryRun=True
            )
        return info.value.response["Error"]["Code"], info.value.response["ResponseMetadata"][
            "HTTPStatusCode"
        ]

    assert agree(clients, dry) == ("DryRunOperation", 412)


def _primary(ec2: Any, iid: str) -> dict[str, Any]:
    filters = [{"Name": "attachment.instance-id", "Values": [iid]}]
    (eni,) = checked(ec2, "describe_network_interfaces", Filters=filters)["NetworkInterfaces"]
    return eni


def test_primary_interfaces_agree(clients: dict[str, Any]) -> None:
    """RunInstances without SubnetId puts the instance in a default subnet with one
    interface at device index 0 carrying the instance's address."""

    def launch(ec2: Any) -> tuple:
        (inst,) = run(ec2)["Instances"]
        eni = _primary(ec2, inst["InstanceId"])
        (listed,) = inst["NetworkInterfaces"]
        subnet = checked(ec2, "describe_subnets", SubnetIds=[inst["SubnetId"]])["Subnets"][0]
        return (
            listed["NetworkInterfaceId"] == eni["NetworkInterfaceId"],
            eni["PrivateIpAddress"] == inst["PrivateIpAddress"] == listed["PrivateIpAddress"],
            eni["SubnetId"] == inst["SubnetId"],
            subnet["DefaultForAz"],
            subnet["AvailabilityZone"] == inst["Placement"]["AvailabilityZone"],
            eni["MacAddress"] == listed["MacAddress"],
            eni["Attachment"]["DeviceIndex"],
            eni["Attachment"]["Status"],
            eni["Status"],
            eni["InterfaceType"],
            eni["RequesterManaged"],
            [g["GroupName"] for g in eni["Groups"]],
        )

    agreed = agree(clients, launch)
    assert agreed == (True,) * 6 + (0, "attached", "in-use", "interface", False, ["default"])


# ----------------------------------------------------------------------------- deviations
def test_over_capacity_launch(clients: dict[str, Any]) -> None:
    """EC2 User Guide: an M6i host takes 32 m6i.xlarge (seed post); the 33rd is refused
    with InsufficientCapacityOnHost (live answer, aws/aws-sdk-js-v3#5340)."""

    def fill(ec2: Any) -> str | None:
        (host_id,) = allocate(ec2)
        placement = {"HostId": host_id, "Tenancy": "host"}
        run(ec2, 32, InstanceType="m6i.xlarge", Placement=placement)
        try:
            run(ec2, 1, InstanceType="m6i.xlarge", Placement=placement)
        except ClientError as e:
            return e.response["Error"]["Code"]
        return None

    results = each(clients, fill)
    assert results["ecsim"] == "InsufficientCapacityOnHost"
    assert results["moto"] is None, MOTO_CHANGED


def test_release_of_a_busy_host(clients: dict[str, Any]) -> None:
    """ReleaseHosts reference: 'You must stop or terminate all instances on a host before it
    can be released' (example 2: Client.InvalidHost.Occupied)."""

    def release_busy(ec2: Any) -> tuple:
        (host_id,) = allocate(ec2)
        run(ec2, 1, InstanceType="m6i.xlarge", Placement={"HostId": host_id, "Tenancy": "host"})
        response = checked(ec2, "release_hosts", HostIds=[host_id])
        codes = [u["Error"]["Code"] for u in response.get("Unsuccessful", [])]
        return response["Successful"], codes

    results = each(clients, release_busy)
    assert results["ecsim"] == ([], ["Client.InvalidHost.Occupied"])
    assert results["moto"][0] != [] and results["moto"][1] == [], MOTO_CHANGED


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        ("start_instances", "IncorrectInstanceState"),
        ("stop_instances", "IncorrectInstanceState"),
        ("reboot_instances", "terminated"),
    ],
)
def test_acting_on_a_terminated_instance(
    clients: dict[str, Any], operation: str, expected: str
) -> None:
    """A terminated instance can't be started (EC2 User Guide) or stopped
    (IncorrectInstanceState); 'Requests to reboot terminated instances are ignored'
    (RebootInstances reference): the call succeeds and the instance stays terminated."""

    def act(ec2: Any) -> str:
        (iid,) = [i["InstanceId"] for i in run(ec2)["Instances"]]
        checked(ec2, "terminate_instances", InstanceIds=[iid])
        ec2.get_waiter("instance_terminated").wait(InstanceIds=[iid])
        try:
            getattr(ec2, operation)(InstanceIds=[iid])
        except ClientError as e:
            return e.response["Error"]["Code"]
        return state(ec2, iid)

    results = each(clients, act)
    assert results["ecsim"] == expected
    assert results["moto"] in ("running", "stopped"), MOTO_CHANGED


def test_rebooting_a_stopped_instance(clients: dict[str, Any]) -> None:
    """RebootInstances reboots running instances; a stopped one is IncorrectInstanceState."""

    def reboot_stopped(ec2: Any) -> str:
        (iid,) = [i["InstanceId"] for i in run(ec2)["Instances"]]
        ec2.get_waiter("instance_running").wait(InstanceIds=[iid])
        checked(ec2, "stop_instances", InstanceIds=[iid])
        ec2.get_waiter("instance_stopped").wait(InstanceIds=[iid])
        try:
            ec2.reboot_instances(InstanceIds=[iid])
        except ClientError as e:
            return e.response["Error"]["Code"]
        return state(ec2, iid)

    results = each(clients, reboot_stopped)
    assert results["ecsim"] == "IncorrectInstanceState"
    assert results["moto"] == "running", MOTO_CHANGED


def test_max_count_is_launched_when_capacity_allows(clients: dict[str, Any]) -> None:
    """RunInstances MaxCount: 'Amazon EC2 launches the largest possible number of instances
    above the specified minimum count'."""
    results = each(clients, lambda ec2: len(run(ec2, 5, MinCount=1)["Instances"]))
    assert results["ecsim"] == 5
    assert results["moto"] == 1, MOTO_CHANGED


def test_host_tenancy_is_reported(clients: dict[str, Any]) -> None:
    """Placement.Tenancy of an instance launched onto a Dedicated Host is 'host'."""

    def tenancy(ec2: Any) -> str:
        (host_id,) = allocate(ec2)
        placement = {"HostId": host_id, "Tenancy": "host"}
        (inst,) = run(ec2, InstanceType="m6i.xlarge", Placement=placement)["Instances"]
        return inst["Placement"]["Tenancy"]

    results = each(clients, tenancy)
    assert results["ecsim"] == "host"
    assert results["moto"] == "default", MOTO_CHANGED


def test_auto_placement_default(clients: dict[str, Any]) -> None:
    """AllocateHosts AutoPlacement: 'Default: off' (API reference)."""

    def default(ec2: Any) -> str:
        (host_id,) = allocate(ec2)
        return checked(ec2, "describe_hosts", HostIds=[host_id])["Hosts"][0]["AutoPlacement"]

    results = each(clients, default)
    assert results["ecsim"] == "off"
    assert results["moto"] == "on", MOTO_CHANGED


def test_malformed_instance_ids(clients: dict[str, Any]) -> None:
    """Live answer: InvalidInstanceID.Malformed 'Invalid id: "ma1"'."""
    results = each(clients, lambda ec2: error_of(ec2, "describe_instances", InstanceIds=["ma1"]))
    assert results["ecsim"] == {
        "Code": "InvalidInstanceID.Malformed",
        "Message": 'Invalid id: "ma1"',
    }
    assert results["moto"]["Code"] == "InvalidInstanceID.NotFound", MOTO_CHANGED


def test_unknown_hosts(clients: dict[str, Any]) -> None:
    """ReleaseHosts and ModifyHosts report an unknown host as an Unsuccessful item
    (Client.InvalidHostID.NotFound); DescribeHosts refuses it (InvalidHostID.NotFound)."""
    sim = clients["ecsim"]
    for operation, params in (
        ("release_hosts", {}),
        ("modify_hosts", {"AutoPlacement": "on"}),
    ):
        response = checked(sim, operation, HostIds=[UNKNOWN_HOST], **params)
        assert [u["Error"]["Code"] for u in response["Unsuccessful"]] == [
            "Client.InvalidHostID.NotFound"
        ]
        with pytest.raises(KeyError):  # moto: a Python exception escapes the client
            getattr(clients["moto"], operation)(HostIds=[UNKNOWN_HOST], **params)
    assert error_of(sim, "describe_hosts", HostIds=[UNKNOWN_HOST])["Code"] == (
        "InvalidHostID.NotFound"
    )
    moto_hosts = checked(clients["moto"], "describe_hosts", HostIds=[UNKNOWN_HOST])["Hosts"]
    assert moto_hosts == [], MOTO_CHANGED


def test_moto_windows_ami_platform_fails_the_output_shape(moto_ec2: Any) -> None:
    """A finding of the shape validator: moto reports Platform 'windows' for its Windows
    AMIs; the PlatformValues enum (and AWS) says 'Windows'."""
    from simulator.aws import output_problems

    response = moto_ec2.run_instances(
        ImageId="ami-12c6146b", InstanceType="m6i.large", MinCount=1, MaxCount=1
    )
    model = moto_ec2.meta.service_model.operation_model("RunInstances")
    problems = output_problems(model, response)
    assert problems == [
        "RunInstances.Instances[0].Platform: 'windows' is not a value of enum PlatformValues "
        "(Windows)"
    ], MOTO_CHANGED


def _name(clients: dict[str, Any], ec2: Any) -> str:
    return next(name for name, client in clients.items() if client is ec2)


def test_primary_interface_description_and_termination(clients: dict[str, Any]) -> None:
    """The interface RunInstances creates has Description "" and DeleteOnTermination true
    (botocore's GetLaunchTemplateData and DescribeNetworkInterfaceAttribute examples, taken
    from live instances), so termination deletes it; an attached interface can't be deleted
    ("You can't delete a network interface that is in use", EC2 User Guide)."""

    def lifecycle(ec2: Any) -> tuple:
        (inst,) = run(ec2)["Instances"]
        eni = _primary(ec2, inst["InstanceId"])
        try:
            ec2.delete_network_interface(NetworkInterfaceId=eni["NetworkInterfaceId"])
            deleted: str | None = None
        except ClientError as e:
            deleted = e.response["Error"]["Code"]
        checked(ec2, "terminate_instances", InstanceIds=[inst["InstanceId"]])
        ec2.get_waiter("instance_terminated").wait(InstanceIds=[inst["InstanceId"]])
        left = checked(
            ec2,
            "describe_network_interfaces",
            Filters=[{"Name": "network-interface-id", "Values": [eni["NetworkInterfaceId"]]}],
        )["NetworkInterfaces"]
        return eni["Description"], eni["Attachment"]["DeleteOnTermination"], deleted, len(left)

    results = each(clients, lifecycle)
    assert results["ecsim"] == ("", True, "InvalidParameterValue", 0)
    assert results["moto"] == ("Primary network interface", False, None, 0), MOTO_CHANGED
