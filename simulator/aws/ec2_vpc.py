"""A minimal VPC model: VPCs, subnets (each in one Availability Zone) and security groups,
with Create/Describe/Delete of each, and network interfaces; RunInstances' SubnetId places
the instance in its subnet's zone (without it: the zone's default subnet), its primary
interface in the subnet, and unknown subnets or security groups are refused with AWS's
codes.

A new account has a default VPC (172.31.0.0/16) with a default subnet (/20) in each zone
and a ``default`` security group, as AWS creates them ("Default VPCs", VPC User Guide).
Routing, ACLs and rules are not modelled: a group's rules are not kept.
"""

from __future__ import annotations

import heapq
import ipaddress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.model import OperationModel

from simulator.aws import errors
from simulator.aws.ec2_views import tag_list
from simulator.aws.ec2_zones import zone_id
from simulator.aws.filters import apply_filters, paginate
from simulator.core.errors import AWSError

if TYPE_CHECKING:
    from simulator.aws.ec2 import Ec2Service

VPC_NOT_FOUND = "InvalidVpcID.NotFound"
SUBNET_NOT_FOUND = "InvalidSubnetID.NotFound"
GROUP_NOT_FOUND = "InvalidGroup.NotFound"
GROUP_DUPLICATE = "InvalidGroup.Duplicate"
SUBNET_RANGE = "InvalidSubnet.Range"
SUBNET_CONFLICT = "InvalidSubnet.Conflict"
VPC_RANGE = "InvalidVpc.Range"
DEPENDENCY_VIOLATION = "DependencyViolation"
CANNOT_DELETE = "CannotDelete"
ENI_NOT_FOUND = "InvalidNetworkInterfaceID.NotFound"
NO_FREE_ADDRESS = "InsufficientFreeAddressesInSubnet"
"""EC2 error codes list (VPC)."""
CODES = frozenset(
    {
        VPC_NOT_FOUND,
        SUBNET_NOT_FOUND,
        GROUP_NOT_FOUND,
        GROUP_DUPLICATE,
        SUBNET_RANGE,
        SUBNET_CONFLICT,
        VPC_RANGE,
        DEPENDENCY_VIOLATION,
        CANNOT_DELETE,
        ENI_NOT_FOUND,
        NO_FREE_ADDRESS,
    }
)
RESERVED_PER_SUBNET = 5
"""AWS reserves the first four and the last address of every subnet (VPC User Guide)."""
DEFAULT_VPC_CIDR = "172.31.0.0/16"


@dataclass
class Vpc:
    vpc_id: str
    cidr: str
    is_default: bool = False
    tenancy: str = "default"
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class Subnet:
    subnet_id: str
    vpc_id: str
    cidr: str
    availability_zone: str
    default_for_az: bool = False
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class SecurityGroup:
    group_id: str
    name: str
    description: str
    vpc_id: str
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class NetworkInterface:
    """An elastic network interface in a subnet: an instance's primary interface (device
    index 0, created and deleted with the instance) or one ECS attaches per awsvpc task.

    ``instance_id``/``device_index``: the instance it is attached to (None: attached
    outside any instance of the account, as Fargate's are); ``requester_managed``: created
    and managed by an AWS service (ECS) rather than the account; ``delete_on_termination``:
    the attachment's flag (true for a primary interface)."""

    eni_id: str
    subnet_id: str
    private_ip: str
    mac: str
    description: str
    groups: tuple[str, ...] = ()
    created_at: float = 0.0
    instance_id: str | None = None
    device_index: int = 0
    requester_managed: bool = False
    interface_type: str = "interface"
    delete_on_termination: bool = False
    tags: dict[str, str] = field(default_factory=dict)


class _SubnetAddresses:
    """A subnet's private addresses: the lowest free one is handed out (AWS reserves the
    first four and the last). Addresses given back wait in a heap; the rest are above
    ``next``, so taking one is O(log n), not a walk over every interface."""

    def __init__(self, cidr: str):
        net = ipaddress.ip_network(cidr)
        self.base = int(net.network_address)
        self.next = 4
        self.end = net.num_addresses - 1  # the broadcast address, reserved
        self.freed: list[int] = []  # offsets under ``next`` given back
        self.held = 0  # interfaces in the subnet, with an address or without

    def take(self) -> str:
        """The lowest free address, or "" when none is left."""
        self.held += 1
        if self.freed:
            offset = heapq.heappop(self.freed)
        elif self.next < self.end:
            offset, self.next = self.next, self.next + 1
        else:
            return ""
        return str(ipaddress.ip_address(self.base + offset))

    def give_back(self, address: str) -> None:
        self.held -= 1
        if address:
            heapq.heappush(self.freed, int(ipaddress.ip_address(address)) - self.base)


class VpcModel:
    """The account's VPCs, subnets, security groups and network interfaces (creation
    order)."""

    def __init__(self, zones: tuple[str, ...]):
        self.vpcs: dict[str, Vpc] = {}
        self.subnets: dict[str, Subnet] = {}
        self.groups: dict[str, SecurityGroup] = {}
        self.enis: dict[str, NetworkInterface] = {}
        self.primary: dict[str, str] = {}
        """instance id -> its primary interface's id, while the instance has one."""
        self.attached: dict[str, list[str]] = {}
        """instance id -> the ids of the interfaces attached to it (creation order)."""
        self._serial = 0
        self._addresses: dict[str, _SubnetAddresses] = {}  # subnet id -> what it hands out
        vpc = self.add_vpc(DEFAULT_VPC_CIDR, is_default=True)
        blocks = ipaddress.ip_network(DEFAULT_VPC_CIDR).subnets(new_prefix=20)
        for zone, block in zip(zones, blocks, strict=False):
            self.add_subnet(vpc.vpc_id, str(block), zone, default_for_az=True)

    def _id(self, prefix: str) -> str:
        self._serial += 1
        return f"{prefix}-{self._serial:017x}"

    def add_vpc(self, cidr: str, *, is_default: bool = False, tenancy: str = "default") -> Vpc:
        vpc = Vpc(self._id("vpc"), cidr, is_default, tenancy)
        self.vpcs[vpc.vpc_id] = vpc
        self.add_group(vpc.vpc_id, "default", "default VPC security group")
        return vpc

    def add_subnet(self, vpc_id: str, cidr: str, zone: str, default_for_az: bool = False) -> Subnet:
        subnet = Subnet(self._id("subnet"), vpc_id, cidr, zone, default_for_az)
        self.subnets[subnet.subnet_id] = subnet
        return subnet

    def add_eni(
        self,
        subnet_id: str,
        description: str,
        groups: tuple[str, ...] = (),
        *,
        created_at: float = 0.0,
        instance_id: str | None = None,
        requester_managed: bool = False,
    ) -> NetworkInterface:
        """A new interface with the lowest free address of the subnet (AWS reserves the
        first four and the last: "Subnet CIDR reservations", VPC User Guide); attached to
        ``instance_id`` at its lowest free device index above the primary interface's 0."""
        taken = {e.device_index for e in self.attached_to(instance_id)} if instance_id else set()
        index = next(i for i in range(1, len(taken) + 2) if i not in taken) if instance_id else 0
        return self._new_eni(
            subnet_id,
            description,
            groups,
            created_at=created_at,
            instance_id=instance_id,
            device_index=index,
            requester_managed=requester_managed,
        )

    def add_primary_eni(
        self, instance_id: str, subnet_id: str, groups: tuple[str, ...], *, created_at: float
    ) -> NetworkInterface:
        """The primary interface RunInstances creates with a VPC instance: device index 0,
        deleted on termination, Description "" (botocore's GetLaunchTemplateData example)."""
        eni = self._new_eni(
            subnet_id,
            "",
            groups,
            created_at=created_at,
            instance_id=instance_id,
            device_index=0,
            delete_on_termination=True,
        )
        self.primary[instance_id] = eni.eni_id
        return eni

    def attached_to(self, instance_id: str) -> list[NetworkInterface]:
        """The interfaces attached to an instance, by device index (the primary's is 0)."""
        enis = [self.enis[i] for i in self.attached.get(instance_id, ())]
        return sorted(enis, key=lambda e: e.device_index)

    def primary_of(self, instance_id: str) -> NetworkInterface | None:
        eni_id = self.primary.get(instance_id)
        return self.enis.get(eni_id) if eni_id is not None else None

    def free_addresses(self, subnet_id: str) -> int:
        """Addresses of the subnet no interface holds (its size less the 5 reserved)."""
        subnet = self.subnet(subnet_id)
        size = ipaddress.ip_network(subnet.cidr).num_addresses - RESERVED_PER_SUBNET
        return max(0, size - self._addresses_of(subnet).held)

    def _addresses_of(self, subnet: Subnet) -> _SubnetAddresses:
        found = self._addresses.get(subnet.subnet_id)
        if found is None:
            found = self._addresses[subnet.subnet_id] = _SubnetAddresses(subnet.cidr)
        return found

    def default_subnet(self, zone: str) -> Subnet | None:
        """The default VPC's default subnet in ``zone`` (None once deleted)."""
        vpc = self.default_vpc
        return next(
            (
                s
                for s in self.subnets.values()
                if s.default_for_az
                and s.availability_zone == zone
                and vpc is not None
                and s.vpc_id == vpc.vpc_id
            ),
            None,
        )

    def _new_eni(
        self,
        subnet_id: str,
        description: str,
        groups: tuple[str, ...],
        *,
        created_at: float,
        instance_id: str | None,
        device_index: int,
        requester_managed: bool = False,
        delete_on_termination: bool = False,
    ) -> NetworkInterface:
        ip = self._addresses_of(self.subnet(subnet_id)).take()
        eni_id = self._id("eni")
        serial = self._serial
        mac = "02:" + ":".join(f"{(serial >> s) & 0xFF:02x}" for s in (32, 24, 16, 8, 0))
        eni = NetworkInterface(
            eni_id,
            subnet_id,
            ip,
            mac,
            description,
            groups,
            created_at=created_at,
            instance_id=instance_id,
            device_index=device_index,
            requester_managed=requester_managed,
            delete_on_termination=delete_on_termination,
        )
        self.enis[eni_id] = eni
        if instance_id is not None:
            self.attached.setdefault(instance_id, []).append(eni_id)
        return eni

    def delete_eni(self, eni_id: str) -> None:
        eni = self.enis.pop(eni_id, None)
        if eni is None:
            return
        self._addresses[eni.subnet_id].give_back(eni.private_ip)
        if eni.instance_id is None:
            return
        left = [i for i in self.attached.get(eni.instance_id, ()) if i != eni_id]
        if left:
            self.attached[eni.instance_id] = left
        else:
            self.attached.pop(eni.instance_id, None)
        if self.primary.get(eni.instance_id) == eni_id:
            del self.primary[eni.instance_id]

    def add_group(self, vpc_id: str, name: str, description: str) -> SecurityGroup:
        group = SecurityGroup(self._id("sg"), name, description, vpc_id)
        self.groups[group.group_id] = group
        return group

    @property
    def default_vpc(self) -> Vpc | None:
        return next((v for v in self.vpcs.values() if v.is_default), None)

    def vpc(self, vpc_id: str) -> Vpc:
        found = self.vpcs.get(vpc_id)
        if found is None:
            raise AWSError(VPC_NOT_FOUND, f"The vpc ID '{vpc_id}' does not exist")
        return found

    def subnet(self, subnet_id: str) -> Subnet:
        found = self.subnets.get(subnet_id)
        if found is None:
            raise AWSError(SUBNET_NOT_FOUND, f"The subnet ID '{subnet_id}' does not exist")
        return found

    def eni(self, eni_id: str) -> NetworkInterface:
        found = self.enis.get(eni_id)
        if found is None:
            raise AWSError(ENI_NOT_FOUND, f"The networkInterface ID '{eni_id}' does not exist")
        return found

    def group(self, group_id: str) -> SecurityGroup:
        found = self.groups.get(group_id)
        if found is None:
            raise AWSError(GROUP_NOT_FOUND, f"The security group '{group_id}' does not exist")
        return found

    def group_named(self, name: str, vpc_id: str | None = None) -> SecurityGroup:
        vpc_id = vpc_id or (self.default_vpc.vpc_id if self.default_vpc else None)
        for g in self.groups.values():
            if g.name == name and g.vpc_id == vpc_id:
                return g
        raise AWSError(
            GROUP_NOT_FOUND,
            f"The security group '{name}' does not exist in default VPC '{vpc_id}'",
        )


# ----------------------------------------------------------------------------- views
def _vpc_view(svc: Ec2Service, v: Vpc) -> dict[str, Any]:
    return {
        "OwnerId": svc.account.account_id,
        "InstanceTenancy": v.tenancy,
        "CidrBlockAssociationSet": [
            {
                "AssociationId": f"vpc-cidr-assoc-{v.vpc_id[4:]}",
                "CidrBlock": v.cidr,
                "CidrBlockState": {"State": "associated"},
            }
        ],
        "IsDefault": v.is_default,
        "Tags": tag_list(v.tags),
        "VpcId": v.vpc_id,
        "State": "available",
        "CidrBlock": v.cidr,
        "DhcpOptionsId": "dopt-00000000000000001",
    }


def _free(svc: Ec2Service, s: Subnet) -> int:
    return svc.vpc.free_addresses(s.subnet_id)


def _subnet_view(svc: Ec2Service, s: Subnet) -> dict[str, Any]:
    account = svc.account
    return {
        "AvailabilityZoneId": zone_id(account.region, s.availability_zone),
        "MapCustomerOwnedIpOnLaunch": False,
        "OwnerId": account.account_id,
        "AssignIpv6AddressOnCreation": False,
        "Ipv6CidrBlockAssociationSet": [],
        "Tags": tag_list(s.tags),
        "SubnetArn": f"arn:aws:ec2:{account.region}:{account.account_id}:subnet/{s.subnet_id}",
        "EnableDns64": False,
        "Ipv6Native": False,
        "SubnetId": s.subnet_id,
        "State": "available",
        "VpcId": s.vpc_id,
        "CidrBlock": s.cidr,
        "AvailableIpAddressCount": _free(svc, s),
        "AvailabilityZone": s.availability_zone,
        "DefaultForAz": s.default_for_az,
        "MapPublicIpOnLaunch": s.default_for_az,
    }


def _group_view(svc: Ec2Service, g: SecurityGroup) -> dict[str, Any]:
    account = svc.account
    return {
        "GroupId": g.group_id,
        "IpPermissionsEgress": [
            {
                "IpProtocol": "-1",
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                "Ipv6Ranges": [],
                "PrefixListIds": [],
                "UserIdGroupPairs": [],
            }
        ],
        "Tags": tag_list(g.tags),
        "VpcId": g.vpc_id,
        "SecurityGroupArn": f"arn:aws:ec2:{account.region}:{account.account_id}:"
        f"security-group/{g.group_id}",
        "OwnerId": account.account_id,
        "GroupName": g.name,
        "Description": g.description,
        "IpPermissions": [],
    }


VPC_FILTERS = {
    "cidr": lambda v: [v.cidr],
    "cidr-block-association.cidr-block": lambda v: [v.cidr],
    "is-default": lambda v: [str(v.is_default).lower()],
    "owner-id": lambda v: [],
    "state": lambda v: ["available"],
    "vpc-id": lambda v: [v.vpc_id],
}
SUBNET_FILTERS = {
    "availability-zone": lambda s: [s.availability_zone],
    "cidr-block": lambda s: [s.cidr],
    "default-for-az": lambda s: [str(s.default_for_az).lower()],
    "state": lambda s: ["available"],
    "subnet-id": lambda s: [s.subnet_id],
    "vpc-id": lambda s: [s.vpc_id],
}
GROUP_FILTERS = {
    "description": lambda g: [g.description],
    "group-id": lambda g: [g.group_id],
    "group-name": lambda g: [g.name],
    "vpc-id": lambda g: [g.vpc_id],
}


def _page(svc: Ec2Service, key: str, rows: list, p: dict[str, Any], view) -> dict[str, Any]:
    page, token = paginate(rows, p.get("MaxResults"), p.get("NextToken"), low=5, high=1000)
    out: dict[str, Any] = {key: [view(svc, r) for r in page]}
    if token:
        out["NextToken"] = token
    return out


# ----------------------------------------------------------------------------- VPCs
def create_vpc(svc: Ec2Service, model: OperationModel, p: dict[str, Any]) -> dict[str, Any]:
    """CidrBlock between /16 and /28 (VPC User Guide, 'VPC CIDR blocks')."""
    cidr = p.get("CidrBlock")
    if cidr is None:
        raise AWSError(errors.MISSING_PARAMETER, "The request must contain the parameter CidrBlock")
    try:
        net = ipaddress.ip_network(cidr)
    except ValueError:
        raise AWSError(
            errors.INVALID_PARAMETER_VALUE,
            f"Value ({cidr}) for parameter cidrBlock is invalid. This is not a valid CIDR block.",
        ) from None
    if not 16 <= net.prefixlen <= 28:
        raise AWSError(VPC_RANGE, f"The CIDR '{cidr}' is invalid.")
    vpc = svc.vpc.add_vpc(str(net), tenancy=p.get("InstanceTenancy", "default"))
    vpc.tags = svc.tags(p.get("TagSpecifications"), "vpc")
    return {"Vpc": _vpc_view(svc, vpc)}


def describe_vpcs(svc: Ec2Service, model: OperationModel, p: dict[str, Any]) -> dict[str, Any]:
    ids = p.get("VpcIds") or []
    rows = [svc.vpc.vpc(i) for i in ids] if ids else list(svc.vpc.vpcs.values())
    rows = apply_filters(
        rows, p.get("Filters"), VPC_FILTERS, operation_model=model, tags=lambda v: v.tags
    )
    return _page(svc, "Vpcs", rows, p, _vpc_view)


def delete_vpc(svc: Ec2Service, model: OperationModel, p: dict[str, Any]) -> dict[str, Any]:
    vpc = svc.vpc.vpc(p["VpcId"])
    if any(s.vpc_id == vpc.vpc_id for s in svc.vpc.subnets.values()) or any(
        g.vpc_id == vpc.vpc_id and g.name != "default" for g in svc.vpc.groups.values()
    ):
        raise AWSError(
            DEPENDENCY_VIOLATION,
            f"The vpc '{vpc.vpc_id}' has dependencies and cannot be deleted.",
        )
    for gid in [g.group_id for g in svc.vpc.groups.values() if g.vpc_id == vpc.vpc_id]:
        del svc.vpc.groups[gid]
    del svc.vpc.vpcs[vpc.vpc_id]
    return {}


# ----------------------------------------------------------------------------- subnets
def create_subnet(svc: Ec2Service, model: OperationModel, p: dict[str, Any]) -> dict[str, Any]:
    """A subnet of the VPC's range, not overlapping another, in one zone (default: the
    first zone)."""
    vpc = svc.vpc.vpc(p["VpcId"])
    cidr = p.get("CidrBlock")
    if cidr is None:
        raise AWSError(errors.MISSING_PARAMETER, "The request must contain the parameter CidrBlock")
    try:
        net = ipaddress.ip_network(cidr)
    except ValueError:
        raise AWSError(SUBNET_RANGE, f"The CIDR '{cidr}' is invalid.") from None
    if not net.subnet_of(ipaddress.ip_network(vpc.cidr)) or not 16 <= net.prefixlen <= 28:  # type: ignore[arg-type]
        raise AWSError(SUBNET_RANGE, f"The CIDR '{cidr}' is invalid.")
    for s in svc.vpc.subnets.values():
        if s.vpc_id == vpc.vpc_id and net.overlaps(ipaddress.ip_network(s.cidr)):
            raise AWSError(SUBNET_CONFLICT, f"The CIDR '{cidr}' conflicts with another subnet")
    zone = p.get("AvailabilityZone")
    if zone is None and p.get("AvailabilityZoneId"):
        by_id = {zone_id(svc.account.region, z): z for z in svc.account.availability_zones}
        zone = by_id.get(p["AvailabilityZoneId"])
        if zone is None:
            raise AWSError(
                errors.INVALID_PARAMETER_VALUE,
                f"Invalid availability zone: [{p['AvailabilityZoneId']}]",
            )
    subnet = svc.vpc.add_subnet(vpc.vpc_id, str(net), svc.zone(zone))
    subnet.tags = svc.tags(p.get("TagSpecifications"), "subnet")
    return {"Subnet": _subnet_view(svc, subnet)}


def describe_subnets(svc: Ec2Service, model: OperationModel, p: dict[str, Any]) -> dict[str, Any]:
    ids = p.get("SubnetIds") or []
    rows = [svc.vpc.subnet(i) for i in ids] if ids else list(svc.vpc.subnets.values())
    rows = apply_filters(
        rows, p.get("Filters"), SUBNET_FILTERS, operation_model=model, tags=lambda s: s.tags
    )
    return _page(svc, "Subnets", rows, p, _subnet_view)


def delete_subnet(svc: Ec2Service, model: OperationModel, p: dict[str, Any]) -> dict[str, Any]:
    subnet = svc.vpc.subnet(p["SubnetId"])
    live = [
        iid
        for iid, m in svc.instance_meta.items()
        if m.subnet_id == subnet.subnet_id
        and svc.fleet.instances[iid].state.api_name != "terminated"
    ]
    live += [e.eni_id for e in svc.vpc.enis.values() if e.subnet_id == subnet.subnet_id]
    if live:
        raise AWSError(
            DEPENDENCY_VIOLATION,
            f"The subnet '{subnet.subnet_id}' has dependencies and cannot be deleted.",
        )
    del svc.vpc.subnets[subnet.subnet_id]
    return {}


# ----------------------------------------------------------------------------- groups
def create_security_group(
    svc: Ec2Service, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    vpc_id = p.get("VpcId") or (svc.vpc.default_vpc.vpc_id if svc.vpc.default_vpc else None)
    if vpc_id is None:
        raise AWSError(errors.MISSING_PARAMETER, "No default VPC for this user")
    svc.vpc.vpc(vpc_id)
    name = p["GroupName"]
    if any(g.name == name and g.vpc_id == vpc_id for g in svc.vpc.groups.values()):
        raise AWSError(
            GROUP_DUPLICATE,
            f"The security group '{name}' already exists for VPC '{vpc_id}'",
        )
    group = svc.vpc.add_group(vpc_id, name, p["Description"])
    group.tags = svc.tags(p.get("TagSpecifications"), "security-group")
    out: dict[str, Any] = {
        "GroupId": group.group_id,
        "SecurityGroupArn": _group_view(svc, group)["SecurityGroupArn"],
    }
    if group.tags:
        out["Tags"] = tag_list(group.tags)
    return out


def describe_security_groups(
    svc: Ec2Service, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    rows = list(svc.vpc.groups.values())
    if p.get("GroupIds") or p.get("GroupNames"):
        rows = [svc.vpc.group(i) for i in p.get("GroupIds") or []] + [
            svc.vpc.group_named(n) for n in p.get("GroupNames") or []
        ]
    rows = apply_filters(
        rows, p.get("Filters"), GROUP_FILTERS, operation_model=model, tags=lambda g: g.tags
    )
    return _page(svc, "SecurityGroups", rows, p, _group_view)


def delete_security_group(
    svc: Ec2Service, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    if "GroupId" in p:
        group = svc.vpc.group(p["GroupId"])
    elif "GroupName" in p:
        group = svc.vpc.group_named(p["GroupName"])
    else:
        raise AWSError(errors.MISSING_PARAMETER, "The request must contain the parameter GroupId")
    if group.name == "default":
        raise AWSError(
            CANNOT_DELETE,
            'the specified group: "default" name: "default" cannot be deleted by a user',
        )
    in_use = [
        iid
        for iid, m in svc.instance_meta.items()
        if group.group_id in m.security_groups
        and svc.fleet.instances[iid].state.api_name != "terminated"
    ]
    in_use += [e.eni_id for e in svc.vpc.enis.values() if group.group_id in e.groups]
    if in_use:
        raise AWSError(DEPENDENCY_VIOLATION, f"resource {group.group_id} has a dependent object")
    del svc.vpc.groups[group.group_id]
    return {"Return": True, "GroupId": group.group_id}


# ----------------------------------------------------------------------------- launches
def placement_of(
    svc: Ec2Service,
    subnet_id: str | None,
    group_ids: list[str],
    group_names: list[str],
    zone: str | None,
) -> tuple[str | None, str | None, list[str]]:
    """(zone, subnet, security group ids) of a RunInstances request: a subnet fixes the
    zone (a different Placement.AvailabilityZone is refused); unknown ids are refused."""
    subnet = svc.vpc.subnet(subnet_id) if subnet_id else None
    if subnet is not None and zone is not None and zone != subnet.availability_zone:
        raise AWSError(
            errors.INVALID_PARAMETER_COMBINATION,
            f"The specified Availability Zone {zone} does not match the subnet "
            f"{subnet.subnet_id}'s ({subnet.availability_zone}).",
        )
    vpc_id = (
        subnet.vpc_id if subnet else (svc.vpc.default_vpc.vpc_id if svc.vpc.default_vpc else None)
    )
    groups = [svc.vpc.group(g).group_id for g in group_ids]
    groups += [svc.vpc.group_named(n, vpc_id).group_id for n in group_names]
    if not groups and vpc_id is not None:
        groups = [svc.vpc.group_named("default", vpc_id).group_id]
    return (
        (subnet.availability_zone if subnet else zone),
        (subnet.subnet_id if subnet else None),
        groups,
    )
