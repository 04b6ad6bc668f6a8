"""How the simulated fleet looks through the EC2 API: Host, Instance, InstanceStatus.

The Fleet knows lifecycles and placement; what only the API has (Availability Zone, tags,
AMI, reservation, client token) is kept here, per resource, by the EC2 facade. Values
follow the API reference: ``rebooting`` is reported as ``running`` (code 16); a host lists
only the instances that consume its capacity; capacity is what could launch now.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from simulator.catalog.hosts import HostType
from simulator.lifecycle.fleet import Fleet, InstanceTypeLike
from simulator.lifecycle.host import Host, HostState
from simulator.lifecycle.instance import STATE_CODES, Instance, InstanceState

ROOT_DEVICE_NAME = "/dev/xvda"
USER_SHUTDOWN = {
    "Code": "Client.UserInitiatedShutdown",
    "Message": "Client.UserInitiatedShutdown: User initiated shutdown",
}
_STOPPED_BY_USER = (
    InstanceState.STOPPING,
    InstanceState.STOPPED,
    InstanceState.SHUTTING_DOWN,
    InstanceState.TERMINATED,
)
_RUNNING = (InstanceState.RUNNING, InstanceState.REBOOTING)


@dataclass
class HostMeta:
    """API-only facts of one Dedicated Host."""

    availability_zone: str
    tags: dict[str, str] = field(default_factory=dict)
    client_token: str | None = None


@dataclass
class InstanceMeta:
    """API-only facts of one instance, fixed at launch."""

    reservation_id: str
    image_id: str
    launch_index: int
    availability_zone: str
    tags: dict[str, str] = field(default_factory=dict)
    key_name: str | None = None
    client_token: str | None = None
    monitoring: bool = False
    ebs_optimized: bool = False
    subnet_id: str | None = None
    vpc_id: str | None = None
    security_groups: list[str] = field(default_factory=list)
    user_data: str | None = None
    disable_api_termination: bool = False
    disable_api_stop: bool = False
    shutdown_behavior: str = "stop"
    interface_tags: dict[str, str] = field(default_factory=dict)
    """RunInstances' TagSpecifications for ``network-interface``: its primary interface's."""


class ViewContext(Protocol):
    """What the views need from the simulated account."""

    account_id: str
    fleet: Fleet

    def timestamp(self, seconds: float | None = None) -> dt.datetime: ...
    def instance_type(self, name: str) -> InstanceTypeLike: ...
    def host_type(self, family: str) -> HostType: ...
    def family_types(self, family: str) -> list[InstanceTypeLike]: ...


def tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


# ----------------------------------------------------------------------------- hosts
def host_view(host: Host, meta: HostMeta, ctx: ViewContext) -> dict[str, Any]:
    """One Host as DescribeHosts returns it."""
    htype = ctx.host_type(host.family)
    props: dict[str, Any] = {
        "Cores": htype.physical_cores,
        "Sockets": htype.sockets,
        "TotalVCpus": htype.vcpus,
        "InstanceFamily": host.family,
    }
    if host.instance_type is not None:
        props["InstanceType"] = host.instance_type
    active = ctx.fleet.active_instances(host.host_id)
    out: dict[str, Any] = {
        "AutoPlacement": host.auto_placement,
        "AvailabilityZone": meta.availability_zone,
        "AvailableCapacity": _capacity(host, htype, ctx),
        "HostId": host.host_id,
        "HostProperties": props,
        "Instances": [
            {
                "InstanceId": i.instance_id,
                "InstanceType": i.instance_type,
                "OwnerId": ctx.account_id,
            }
            for i in active
        ],
        "State": host.state.value,
        "AllocationTime": ctx.timestamp(host.allocation_time),
        "Tags": tag_list(meta.tags),
        "HostRecovery": host.host_recovery,
        "AllowsMultipleInstanceTypes": "on" if host.mixed_size else "off",
        "OwnerId": ctx.account_id,
        "MemberOfServiceLinkedResourceGroup": False,
    }
    if host.release_time is not None:
        out["ReleaseTime"] = ctx.timestamp(host.release_time)
    if meta.client_token is not None:
        out["ClientToken"] = meta.client_token
    return out


def _capacity(host: Host, htype: HostType, ctx: ViewContext) -> dict[str, Any]:
    """What could launch on the host now: nothing unless it is available."""
    types = (
        [ctx.instance_type(host.instance_type)]
        if host.instance_type is not None
        else ctx.family_types(host.family)
    )
    per_type = []
    for t in types:
        size = t.name.split(".", 1)[1]
        per_type.append(
            {
                "AvailableCapacity": ctx.fleet.room_for(host.host_id, t.name),
                "InstanceType": t.name,
                "TotalCapacity": htype.instances_per_host(t.vcpu, size),
            }
        )
    vcpus = 0
    if host.state is HostState.AVAILABLE:
        vcpus = ctx.fleet.available_units(host.host_id) * htype.vcpus // htype.capacity_units
    return {"AvailableInstanceCapacity": per_type, "AvailableVCpus": vcpus}


HOST_FILTERS: Mapping[str, Callable[[tuple[Host, HostMeta]], Iterable[str]]] = {
    "auto-placement": lambda hm: [hm[0].auto_placement],
    "availability-zone": lambda hm: [hm[1].availability_zone],
    "client-token": lambda hm: [hm[1].client_token] if hm[1].client_token else [],
    "host-reservation-id": lambda hm: [],
    "instance-type": lambda hm: [hm[0].instance_type] if hm[0].instance_type else [],
    "state": lambda hm: [hm[0].state.value],
}
"""DescribeHosts filters (the API reference lists these and tag-key)."""


# ----------------------------------------------------------------------------- instances
def architecture(inst: Instance) -> str:
    if inst.is_mac:
        return "x86_64_mac" if inst.family == "mac1" else "arm64_mac"
    return inst.arch


def launch_time(inst: Instance) -> float:
    """When the instance last entered pending (a start updates LaunchTime)."""
    return next(t.at for t in reversed(inst.history) if t.state is InstanceState.PENDING)


def user_stop_time(inst: Instance) -> float | None:
    """When the stop or terminate request that led to the current state was made."""
    if inst.state not in _STOPPED_BY_USER:
        return None
    at = None
    for t in reversed(inst.history):
        if t.state not in _STOPPED_BY_USER:
            break
        at = t.at
    return at


def instance_view(inst: Instance, meta: InstanceMeta, ctx: ViewContext) -> dict[str, Any]:
    """One Instance as RunInstances and DescribeInstances return it."""
    placement: dict[str, Any] = {
        "AvailabilityZone": meta.availability_zone,
        "GroupName": "",
        "Tenancy": inst.tenancy,
    }
    if inst.host_id is not None:
        placement["HostId"] = inst.host_id
    if inst.tenancy == "host":
        placement["Affinity"] = inst.affinity
    reason = ""
    stopped_at = user_stop_time(inst)
    if stopped_at is not None:
        reason = f"User initiated ({ctx.timestamp(stopped_at):%Y-%m-%d %H:%M:%S} GMT)"
    out: dict[str, Any] = {
        "AmiLaunchIndex": meta.launch_index,
        "ImageId": meta.image_id,
        "InstanceId": inst.instance_id,
        "InstanceType": inst.instance_type,
        "LaunchTime": ctx.timestamp(launch_time(inst)),
        "Monitoring": {"State": "enabled" if meta.monitoring else "disabled"},
        "Placement": placement,
        "State": {"Code": STATE_CODES[inst.state], "Name": inst.state.api_name},
        "StateTransitionReason": reason,
        "Architecture": architecture(inst),
        "ClientToken": meta.client_token or "",
        "EbsOptimized": meta.ebs_optimized,
        "Hypervisor": "xen",
        "RootDeviceName": ROOT_DEVICE_NAME,
        "RootDeviceType": inst.root_device,
        "VirtualizationType": "hvm",
        "HibernationOptions": {"Configured": inst.hibernation_configured},
    }
    if meta.key_name is not None:
        out["KeyName"] = meta.key_name
    if meta.tags:
        out["Tags"] = tag_list(meta.tags)
    if meta.subnet_id is not None:
        out["SubnetId"] = meta.subnet_id
        out["VpcId"] = meta.vpc_id
        out["SecurityGroups"] = [{"GroupId": g} for g in meta.security_groups]
    if stopped_at is not None:
        out["StateReason"] = dict(USER_SHUTDOWN)
    elif inst.state is InstanceState.PENDING:
        out["StateReason"] = {"Code": "pending", "Message": "pending"}
    return out


InstanceRow = tuple[Instance, InstanceMeta]


def _iso(ctx_ts: dt.datetime) -> str:
    return ctx_ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ctx_ts.microsecond // 1000:03d}Z"


def instance_filters(ctx: ViewContext) -> Mapping[str, Callable[[InstanceRow], Iterable[str]]]:
    """DescribeInstances filters ecsim evaluates (names and values as AWS documents)."""
    return {
        "affinity": lambda r: [r[0].affinity] if r[0].tenancy == "host" else [],
        "architecture": lambda r: [architecture(r[0])],
        "availability-zone": lambda r: [r[1].availability_zone],
        "client-token": lambda r: [r[1].client_token] if r[1].client_token else [],
        "hibernation-options.configured": lambda r: [str(r[0].hibernation_configured).lower()],
        "host-id": lambda r: [r[0].host_id] if r[0].host_id else [],
        "hypervisor": lambda r: ["xen"],
        "image-id": lambda r: [r[1].image_id],
        "instance-id": lambda r: [r[0].instance_id],
        "instance-state-code": lambda r: [str(STATE_CODES[r[0].state])],
        "instance-state-name": lambda r: [r[0].state.api_name],
        "instance-type": lambda r: [r[0].instance_type],
        "key-name": lambda r: [r[1].key_name] if r[1].key_name else [],
        "launch-index": lambda r: [str(r[1].launch_index)],
        "launch-time": lambda r: [_iso(ctx.timestamp(launch_time(r[0])))],
        "monitoring-state": lambda r: ["enabled" if r[1].monitoring else "disabled"],
        "owner-id": lambda r: [ctx.account_id],
        "reservation-id": lambda r: [r[1].reservation_id],
        "root-device-name": lambda r: [ROOT_DEVICE_NAME],
        "root-device-type": lambda r: [r[0].root_device],
        "subnet-id": lambda r: [r[1].subnet_id] if r[1].subnet_id else [],
        "vpc-id": lambda r: [r[1].vpc_id] if r[1].vpc_id else [],
        "instance.group-id": lambda r: list(r[1].security_groups),
        "tenancy": lambda r: [r[0].tenancy],
        "virtualization-type": lambda r: ["hvm"],
    }


# ----------------------------------------------------------------------------- status
def impaired_since(inst: Instance, fleet: Fleet) -> float | None:
    """When the instance's host failure began, if the instance is impaired."""
    if not inst.impaired or inst.host_id is None:
        return None
    host = fleet.hosts[inst.host_id]
    for t in reversed(host.history):
        if t.state is HostState.UNDER_ASSESSMENT:
            return t.at
    return host.history[-1].at


def status_summaries(inst: Instance, ctx: ViewContext) -> tuple[dict[str, Any], str]:
    """(InstanceStatusSummary, its Status): ok or impaired while running, else
    not-applicable. A host failure fails both the system and the instance check."""
    if inst.state not in _RUNNING:
        return {"Status": "not-applicable"}, "not-applicable"
    since = impaired_since(inst, ctx.fleet)
    if since is None:
        return {"Status": "ok", "Details": [{"Name": "reachability", "Status": "passed"}]}, "ok"
    detail = {"Name": "reachability", "Status": "failed", "ImpairedSince": ctx.timestamp(since)}
    return {"Status": "impaired", "Details": [detail]}, "impaired"


def status_view(inst: Instance, meta: InstanceMeta, ctx: ViewContext) -> dict[str, Any]:
    """One InstanceStatus as DescribeInstanceStatus returns it."""
    return {
        "AvailabilityZone": meta.availability_zone,
        "InstanceId": inst.instance_id,
        "InstanceState": {"Code": STATE_CODES[inst.state], "Name": inst.state.api_name},
        "InstanceStatus": status_summaries(inst, ctx)[0],
        "SystemStatus": status_summaries(inst, ctx)[0],
    }


def status_filters(ctx: ViewContext) -> Mapping[str, Callable[[InstanceRow], Iterable[str]]]:
    """DescribeInstanceStatus filters ecsim evaluates."""

    def status(r: InstanceRow) -> list[str]:
        return [status_summaries(r[0], ctx)[1]]

    def reachability(r: InstanceRow) -> list[str]:
        summary, _ = status_summaries(r[0], ctx)
        return [d["Status"] for d in summary.get("Details", [])]

    return {
        "availability-zone": lambda r: [r[1].availability_zone],
        "instance-state-code": lambda r: [str(STATE_CODES[r[0].state])],
        "instance-state-name": lambda r: [r[0].state.api_name],
        "instance-status.status": status,
        "instance-status.reachability": reachability,
        "system-status.status": status,
        "system-status.reachability": reachability,
    }


def is_running(inst: Instance) -> bool:
    """Running as the API reports it (a reboot reports running)."""
    return inst.state in _RUNNING
