"""DescribeNetworkInterfaces over the VPC model's interfaces: the ENIs ECS creates for
awsvpc tasks (``ecs_network``), as EC2 describes a task's interface.

A task ENI is ``in-use`` while it exists (ECS creates it when the task starts and deletes
it once the task stopped), ``InterfaceType`` ``interface``, ``RequesterManaged`` true (ECS
manages it: "Requester-managed network interfaces", VPC User Guide), its Description the
task's attachment ARN (``arn:aws:ecs:<region>:<account>:attachment/<id>``), attached to
the task's container instance at device index 1 and up (the primary interface is 0). The
model keeps no instances' primary interfaces, so they are not described; Fargate task
interfaces carry no Attachment (the instance is not the account's).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.model import OperationModel

from simulator.aws import errors
from simulator.aws.ec2_views import tag_list
from simulator.aws.ec2_vpc import ENI_NOT_FOUND, NetworkInterface
from simulator.aws.ec2_zones import zone_id
from simulator.aws.filters import apply_filters, paginate
from simulator.core.errors import AWSError

if TYPE_CHECKING:
    from simulator.aws.ec2 import Ec2Service

STATUS = "in-use"
"""A task ENI exists only while attached (DescribeNetworkInterfaces, status filter: "if a
network interface is attached to an instance the status is in-use")."""


def _dns(svc: Ec2Service, ip: str) -> str:
    region = svc.account.region
    domain = "ec2.internal" if region == "us-east-1" else f"{region}.compute.internal"
    return f"ip-{ip.replace('.', '-')}.{domain}"


def _zone(svc: Ec2Service, eni: NetworkInterface) -> str:
    return svc.vpc.subnets[eni.subnet_id].availability_zone


def _vpc_id(svc: Ec2Service, eni: NetworkInterface) -> str:
    return svc.vpc.subnets[eni.subnet_id].vpc_id


def _attachment_id(eni: NetworkInterface) -> str:
    return f"eni-attach-{eni.eni_id[4:]}"


def _groups(svc: Ec2Service, eni: NetworkInterface) -> list[dict[str, str]]:
    return [
        {"GroupId": g, "GroupName": svc.vpc.groups[g].name if g in svc.vpc.groups else g}
        for g in eni.groups
    ]


def network_interface_view(svc: Ec2Service, eni: NetworkInterface) -> dict[str, Any]:
    """One NetworkInterface as DescribeNetworkInterfaces reports it."""
    account = svc.account
    dns = _dns(svc, eni.private_ip)
    out: dict[str, Any] = {
        "AvailabilityZone": _zone(svc, eni),
        "AvailabilityZoneId": zone_id(account.region, _zone(svc, eni)),
        "Description": eni.description,
        "Groups": _groups(svc, eni),
        "InterfaceType": eni.interface_type,
        "Ipv6Addresses": [],
        "MacAddress": eni.mac,
        "NetworkInterfaceId": eni.eni_id,
        "OwnerId": account.account_id,
        "PrivateDnsName": dns,
        "PrivateIpAddress": eni.private_ip,
        "PrivateIpAddresses": [
            {"Primary": True, "PrivateDnsName": dns, "PrivateIpAddress": eni.private_ip}
        ],
        "Ipv4Prefixes": [],
        "Ipv6Prefixes": [],
        "RequesterManaged": eni.requester_managed,
        "SourceDestCheck": True,
        "Status": STATUS,
        "SubnetId": eni.subnet_id,
        "TagSet": tag_list(eni.tags),
        "VpcId": _vpc_id(svc, eni),
        "DenyAllIgwTraffic": False,
        "Ipv6Native": False,
    }
    if eni.instance_id is not None:
        out["Attachment"] = {
            "AttachTime": account.timestamp(eni.created_at),
            "AttachmentId": _attachment_id(eni),
            "DeleteOnTermination": False,
            "DeviceIndex": eni.device_index,
            "NetworkCardIndex": 0,
            "InstanceId": eni.instance_id,
            "InstanceOwnerId": account.account_id,
            "Status": "attached",
        }
    return out


def _attached(eni: NetworkInterface, value: str) -> list[str]:
    return [value] if eni.instance_id is not None else []


def _filters(svc: Ec2Service) -> dict[str, Any]:
    owner = svc.account.account_id
    return {
        "addresses.primary": lambda e: ["true"],
        "addresses.private-ip-address": lambda e: [e.private_ip],
        "attachment.attachment-id": lambda e: _attached(e, _attachment_id(e)),
        "attachment.delete-on-termination": lambda e: _attached(e, "false"),
        "attachment.device-index": lambda e: _attached(e, str(e.device_index)),
        "attachment.instance-id": lambda e: _attached(e, e.instance_id or ""),
        "attachment.instance-owner-id": lambda e: _attached(e, owner),
        "attachment.status": lambda e: _attached(e, "attached"),
        "availability-zone": lambda e: [_zone(svc, e)],
        "availability-zone-id": lambda e: [zone_id(svc.account.region, _zone(svc, e))],
        "description": lambda e: [e.description],
        "group-id": lambda e: list(e.groups),
        "interface-type": lambda e: [e.interface_type],
        "mac-address": lambda e: [e.mac],
        "network-interface-id": lambda e: [e.eni_id],
        "owner-id": lambda e: [owner],
        "private-dns-name": lambda e: [_dns(svc, e.private_ip)],
        "private-ip-address": lambda e: [e.private_ip],
        "requester-managed": lambda e: [str(e.requester_managed).lower()],
        "source-dest-check": lambda e: ["true"],
        "status": lambda e: [STATUS],
        "subnet-id": lambda e: [e.subnet_id],
        "vpc-id": lambda e: [_vpc_id(svc, e)],
    }


def describe_network_interfaces(
    svc: Ec2Service, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    """The account's network interfaces (creation order), by ID or filter, paged."""
    ids = list(dict.fromkeys(p.get("NetworkInterfaceIds") or []))
    if ids and p.get("MaxResults") is not None:
        raise AWSError(
            errors.INVALID_PARAMETER_COMBINATION,
            "The parameter NetworkInterfaceIds cannot be used with the parameter maxResults",
        )
    missing = [i for i in ids if i not in svc.vpc.enis]
    if missing:
        raise AWSError(
            ENI_NOT_FOUND,
            f"The networkInterface ID{'s' if len(missing) > 1 else ''} "
            f"'{', '.join(missing)}' do{'' if len(missing) > 1 else 'es'} not exist",
        )
    rows = [svc.vpc.enis[i] for i in ids] if ids else list(svc.vpc.enis.values())
    rows = apply_filters(
        rows,
        p.get("Filters"),
        _filters(svc),
        operation_model=model,
        tags=lambda e: e.tags,
        tag_filters=("tag:<key>", "tag-key"),
    )
    page, token = paginate(rows, p.get("MaxResults"), p.get("NextToken"), low=5, high=1000)
    out: dict[str, Any] = {"NetworkInterfaces": [network_interface_view(svc, e) for e in page]}
    if token:
        out["NextToken"] = token
    return out
