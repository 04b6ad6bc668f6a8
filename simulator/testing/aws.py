"""A Hypothesis state machine over a simulated boto3 EC2 client.

Subclass ``Ec2ApiStateMachine`` to check your own automation through the API it really
uses: add rules that call your code with ``self.ec2`` (a genuine boto3 client) and
``self.aws`` (the SimulatedAWS: ``advance``, ``fail_host``), and invariants of your own.
Every call goes through ``self.call``, which checks that a refusal carries a code AWS uses
and that the response (or the error) matches botocore's output shape - the account does
that for every call, waiters' included, when it has ``validate_responses`` (the default of
``make_aws``); otherwise ``call`` does. The base invariants
look only through the API, as your automation would:

- no host holds more than its capacity (per instance type and in capacity units), and a
  host's Instances list agrees with the instances' Placement.HostId;
- no instance is pending, running, stopping or shutting-down on a host that is not
  available, unless the host failed - and then a running instance reports impaired;
- released hosts hold no instances;
- a terminated instance stays terminated (until it drops out of DescribeInstances);
- an instance in a subnet lists its primary interface first (device index 0, its own
  address and subnet) until it is terminated, then none; no address is held twice in a VPC.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from botocore.exceptions import ClientError, WaiterError
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from simulator.aws import ERROR_CODES, SimulatedAWS, output_problems
from simulator.catalog.catalog import instance_type as catalog_instance_type
from simulator.catalog.hosts import host_type as catalog_host_type
from simulator.core.errors import AWSError

T = TypeVar("T")

IMAGE_ID = "ami-1e749f67"
"""A well-formed AMI ID (one moto also knows, for differential runs)."""

HOST_REQUESTS: tuple[tuple[str, str], ...] = (
    ("InstanceType", "m6i.xlarge"),
    ("InstanceType", "m6i.8xlarge"),
    ("InstanceFamily", "m5"),
    ("InstanceType", "m7i.large"),
    ("InstanceType", "mac1.metal"),
    ("InstanceFamily", "m6i"),  # refused: m6i hosts hold a single size
)
"""AllocateHosts choices: single-size with recovery (m6i), mixed-size (m5), no recovery
(m7i), Mac (scrubbing, 24 h minimum)."""

INSTANCE_TYPES: tuple[str, ...] = (
    "m6i.xlarge",
    "m6i.8xlarge",
    "m6i.large",
    "m5.large",
    "m5.4xlarge",
    "m7i.large",
    "mac1.metal",
)

ACTIVE_NAMES = frozenset({"pending", "running", "stopping", "shutting-down"})
"""API state names of instances that occupy their host (rebooting reports running)."""
FAILED_HOST_STATES = frozenset({"under-assessment", "permanent-failure"})
RELEASED_HOST_STATES = frozenset({"released", "released-permanent-failure"})


def indexes() -> st.SearchStrategy[int]:
    return st.integers(0, 63)


def pick(items: Sequence[T], index: int) -> T | None:
    return items[index % len(items)] if items else None


def time_steps() -> st.SearchStrategy[int]:
    """Seconds to advance: mostly a few boots' worth, sometimes past a Mac host's 24 h."""
    return st.one_of(st.integers(1, 600), st.integers(1_800, 4 * 3_600), st.just(25 * 3_600))


class Ec2ApiStateMachine(RuleBasedStateMachine):
    """Random EC2 calls, host failures and elapsed time through a simulated boto3 client."""

    seed = 0
    max_hosts = 5
    max_instances = 40

    def __init__(self) -> None:
        super().__init__()
        self.aws = self.make_aws()
        self.ec2 = self.aws.client("ec2")
        self.zones = self.aws.availability_zones[:2]
        self.host_ids: list[str] = []
        self.instance_ids: list[str] = []
        self.terminated: set[str] = set()
        self.refusals: list[str] = []

    def make_aws(self) -> SimulatedAWS:
        """The account under test; override to configure it."""
        return SimulatedAWS(seed=self.seed, validate_responses=True)

    # ------------------------------------------------------------------ calling
    def call(self, operation: str, **params: Any) -> dict[str, Any] | None:
        """Call ``self.ec2.<operation>``; None if AWS refused it (with a known code)."""
        model = self.ec2.meta.service_model.operation_model(
            self.ec2.meta.method_to_api_mapping[operation]
        )
        checked = not self.aws.validate_responses  # else the account checks every response
        try:
            response = getattr(self.ec2, operation)(**params)
        except ClientError as e:
            problems = output_problems(model, e.response) if checked else []
            assert not problems, problems
            code = e.response["Error"]["Code"]
            assert code in ERROR_CODES, f"{operation}: unknown error code {code}"
            self.refusals.append(code)
            return None
        problems = output_problems(model, response) if checked else []
        assert not problems, problems
        return response

    def _host(self, i: int | None) -> str | None:
        return None if i is None else pick(self.host_ids, i)

    def _instances(self, i: int, also: int | None = None) -> list[str]:
        first = pick(self.instance_ids, i)
        if first is None:
            return []
        second = pick(self.instance_ids, also) if also is not None else None
        return [first] if second is None else [first, second]

    # ------------------------------------------------------------------ hosts
    @precondition(lambda self: len(self.host_ids) < self.max_hosts)
    @rule(
        request=st.sampled_from(HOST_REQUESTS),
        auto=st.sampled_from(["on", "off"]),
        recovery=st.sampled_from(["on", "off"]),
        zone=indexes(),
    )
    def allocate(self, request: tuple[str, str], auto: str, recovery: str, zone: int) -> None:
        key, value = request
        response = self.call(
            "allocate_hosts",
            AvailabilityZone=pick(self.zones, zone),
            Quantity=1,
            AutoPlacement=auto,
            HostRecovery=recovery,
            **{key: value},
        )
        if response is not None:
            self.host_ids.extend(response["HostIds"])

    @rule(i=indexes())
    def release(self, i: int) -> None:
        hid = self._host(i)
        if hid is None:
            return
        response = self.call("release_hosts", HostIds=[hid])
        assert response is not None, "ReleaseHosts reports refusals per host"
        for item in response["Unsuccessful"]:
            assert item["Error"]["Code"] in ERROR_CODES, item
            self.refusals.append(item["Error"]["Code"])
        assert len(response["Successful"]) + len(response["Unsuccessful"]) == 1

    @rule(i=indexes(), auto=st.sampled_from(["on", "off"]))
    def modify_auto_placement(self, i: int, auto: str) -> None:
        hid = self._host(i)
        if hid is not None:
            self.call("modify_hosts", HostIds=[hid], AutoPlacement=auto)

    @rule(i=indexes())
    def fail_host(self, i: int) -> None:
        hid = self._host(i)
        if hid is None:
            return
        try:
            self.aws.fail_host(hid)
        except AWSError as e:
            assert e.code in ERROR_CODES, e
            self.refusals.append(e.code)
            return
        hosts = self.call("describe_hosts")
        assert hosts is not None
        for h in hosts["Hosts"]:  # a recovery replacement is a new host of the account
            if h["HostId"] not in self.host_ids:
                self.host_ids.append(h["HostId"])

    # ------------------------------------------------------------------ instances
    @precondition(lambda self: len(self.instance_ids) < self.max_instances)
    @rule(
        itype=st.sampled_from(INSTANCE_TYPES),
        count=st.integers(1, 4),
        minimum=st.booleans(),
        on_host=st.one_of(st.none(), indexes()),
        affinity=st.sampled_from(["default", "host"]),
        zone=st.one_of(st.none(), indexes()),
        tenancy=st.sampled_from(["host", "host", "default"]),
    )
    def launch(
        self,
        itype: str,
        count: int,
        minimum: bool,
        on_host: int | None,
        affinity: str,
        zone: int | None,
        tenancy: str,
    ) -> None:
        placement: dict[str, Any] = {"Tenancy": tenancy}
        if tenancy == "host":
            placement["Affinity"] = affinity
            host_id = self._host(on_host)
            if host_id is not None:
                placement["HostId"] = host_id
        if zone is not None and "HostId" not in placement:
            placement["AvailabilityZone"] = pick(self.zones, zone)
        response = self.call(
            "run_instances",
            ImageId=IMAGE_ID,
            InstanceType=itype,
            MinCount=1 if minimum else count,
            MaxCount=count,
            Placement=placement,
        )
        if response is not None:
            launched = [i["InstanceId"] for i in response["Instances"]]
            assert (1 if minimum else count) <= len(launched) <= count
            self.instance_ids.extend(launched)

    @precondition(lambda self: len(self.instance_ids) < self.max_instances)
    @rule(i=indexes(), size=indexes(), count=st.integers(1, 4), targeted=st.booleans())
    def launch_onto_host(self, i: int, size: int, count: int, targeted: bool) -> None:
        """Launch a type the host supports (as DescribeHosts says), onto it or untargeted
        into its zone."""
        hid = self._host(i)
        if hid is None:
            return
        described = self.call("describe_hosts", HostIds=[hid])
        assert described is not None
        (host,) = described["Hosts"]
        sizes = [c["InstanceType"] for c in host["AvailableCapacity"]["AvailableInstanceCapacity"]]
        itype = host["HostProperties"].get("InstanceType") or pick(sizes, size)
        if itype is None:
            return
        placement = {"Tenancy": "host", "Affinity": "host" if size % 2 else "default"}
        if targeted:
            placement["HostId"] = hid
        else:
            placement["AvailabilityZone"] = host["AvailabilityZone"]
        response = self.call(
            "run_instances",
            ImageId=IMAGE_ID,
            InstanceType=itype,
            MinCount=1,
            MaxCount=count,
            Placement=placement,
        )
        if response is not None:
            self.instance_ids.extend(i["InstanceId"] for i in response["Instances"])

    @rule(i=indexes(), also=st.one_of(st.none(), indexes()), hibernate=st.booleans())
    def stop(self, i: int, also: int | None, hibernate: bool) -> None:
        ids = self._instances(i, also)
        if ids:
            self.call("stop_instances", InstanceIds=ids, Hibernate=hibernate)

    @rule(i=indexes(), also=st.one_of(st.none(), indexes()))
    def start(self, i: int, also: int | None) -> None:
        ids = self._instances(i, also)
        if ids:
            self.call("start_instances", InstanceIds=ids)

    @rule(i=indexes())
    def reboot(self, i: int) -> None:
        ids = self._instances(i)
        if ids:
            self.call("reboot_instances", InstanceIds=ids)

    @rule(i=indexes(), also=st.one_of(st.none(), indexes()))
    def terminate(self, i: int, also: int | None) -> None:
        ids = self._instances(i, also)
        if ids:
            self.call("terminate_instances", InstanceIds=ids)

    @rule(
        i=indexes(),
        to_host=st.one_of(st.none(), indexes()),
        affinity=st.one_of(st.none(), st.sampled_from(["default", "host"])),
    )
    def move(self, i: int, to_host: int | None, affinity: str | None) -> None:
        iid = pick(self.instance_ids, i)
        host_id = self._host(to_host)
        if iid is None or (host_id is None and affinity is None):
            return
        params: dict[str, Any] = {"InstanceId": iid}
        if host_id is not None:
            params.update(HostId=host_id, Tenancy="host")
        if affinity is not None:
            params["Affinity"] = affinity
        self.call("modify_instance_placement", **params)

    @rule(i=indexes())
    def wait_until_running(self, i: int) -> None:
        """A waiter: its sleeps advance simulated time."""
        iid = pick(self.instance_ids, i)
        if iid is None:
            return
        waiter = self.ec2.get_waiter("instance_running")
        try:
            waiter.wait(InstanceIds=[iid], WaiterConfig={"Delay": 5, "MaxAttempts": 6})
        except WaiterError as e:
            error = e.last_response.get("Error", {}).get("Code")
            assert error is None or error in ERROR_CODES, e

    # ------------------------------------------------------------------ time
    @rule(seconds=time_steps())
    def advance_time(self, seconds: int) -> None:
        self.aws.advance(seconds)

    # ------------------------------------------------------------------ invariants
    def snapshot(self) -> tuple[list[dict], list[dict], dict[str, dict]]:
        """(hosts, instances, statuses by instance ID) as DescribeHosts,
        DescribeInstances and DescribeInstanceStatus(IncludeAllInstances) report them."""
        hosts = self.call("describe_hosts")
        reservations = self.call("describe_instances")
        statuses = self.call("describe_instance_status", IncludeAllInstances=True)
        assert hosts is not None and reservations is not None and statuses is not None
        instances = [i for r in reservations["Reservations"] for i in r["Instances"]]
        by_id = {s["InstanceId"]: s for s in statuses["InstanceStatuses"]}
        return hosts["Hosts"], instances, by_id

    @invariant()
    def api_view_obeys_the_rules(self) -> None:
        hosts, instances, statuses = self.snapshot()
        by_host = {h["HostId"]: h for h in hosts}
        on_host: dict[str, set[str]] = {h: set() for h in by_host}
        addresses: dict[tuple[str, str], str] = {}
        for inst in instances:
            iid, state = inst["InstanceId"], inst["State"]["Name"]
            self.check_interfaces(inst, addresses)
            host_id = inst["Placement"].get("HostId")
            if iid in self.terminated:
                assert state == "terminated", f"{iid} was terminated, now {state}"
            if state == "terminated":
                self.terminated.add(iid)
            if host_id is None or state not in ACTIVE_NAMES:
                continue
            host = by_host[host_id]
            on_host[host_id].add(iid)
            assert host["State"] not in RELEASED_HOST_STATES, f"{iid} {state} on released {host}"
            if host["State"] != "available":
                assert host["State"] in FAILED_HOST_STATES, f"{iid} {state} on {host['State']}"
                if state == "running":
                    status = statuses[iid]
                    assert status["SystemStatus"]["Status"] == "impaired", status
                    assert status["InstanceStatus"]["Status"] == "impaired", status
        for host in hosts:
            listed = {i["InstanceId"] for i in host["Instances"]}
            assert listed == on_host[host["HostId"]], (host["HostId"], listed, on_host)
            if host["State"] in RELEASED_HOST_STATES:
                assert not listed, f"released {host['HostId']} holds {listed}"
            self.check_capacity(host)

    @staticmethod
    def check_interfaces(inst: dict[str, Any], addresses: dict[tuple[str, str], str]) -> None:
        """An instance in a subnet has its primary interface at device index 0 with its
        address until it is terminated (then none); no address is held twice in a VPC."""
        enis = inst.get("NetworkInterfaces", [])
        if inst["State"]["Name"] == "terminated" or "SubnetId" not in inst:
            assert enis == [], f"{inst['InstanceId']} {inst['State']['Name']} lists {enis}"
            return
        primary = enis[0]
        assert primary["Attachment"]["DeviceIndex"] == 0, primary
        assert primary["PrivateIpAddress"] == inst["PrivateIpAddress"], (primary, inst)
        assert primary["SubnetId"] == inst["SubnetId"], (primary, inst)
        for eni in enis:
            key = (eni["VpcId"], eni["PrivateIpAddress"])
            assert (
                addresses.setdefault(key, eni["NetworkInterfaceId"]) == eni["NetworkInterfaceId"]
            ), f"{key} held twice"

    @staticmethod
    def check_capacity(host: dict[str, Any]) -> None:
        """No host over capacity, per type and in capacity units."""
        htype = catalog_host_type(host["HostProperties"]["InstanceFamily"])
        counts: dict[str, int] = {}
        units = 0
        for i in host["Instances"]:
            t = catalog_instance_type(i["InstanceType"])
            counts[t.name] = counts.get(t.name, 0) + 1
            units += htype.units_per_instance(t.vcpu, t.size)
        assert units <= htype.capacity_units, f"{host['HostId']} over capacity: {units}"
        for cap in host["AvailableCapacity"]["AvailableInstanceCapacity"]:
            assert 0 <= cap["AvailableCapacity"] <= cap["TotalCapacity"], cap
            assert counts.get(cap["InstanceType"], 0) <= cap["TotalCapacity"], cap
        assert host["AvailableCapacity"]["AvailableVCpus"] >= 0, host
