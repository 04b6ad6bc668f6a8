"""DescribeNetworkInterfaces and DeleteNetworkInterface over the VPC model's interfaces,
and the NetworkInterfaces DescribeInstances lists for each instance.

Every instance in a subnet has a primary interface (``ec2_vpc.VpcModel.add_primary_eni``),
created with it and deleted when it is terminated: Description "", ``RequesterManaged``
false, the instance's address, MAC and security groups, attached at device index 0 with
``DeleteOnTermination`` true (botocore's GetLaunchTemplateData example, read from a live
instance; a primary interface can't be detached, EC2 User Guide). ECS creates one
interface per awsvpc task (``ecs_network``): ``RequesterManaged`` true (ECS manages it:
"Requester-managed network interfaces", VPC User Guide), its Description the task's
attachment ARN (``arn:aws:ecs:<region>:<account>:attachment/<id>``), attached to the
task's container instance at device index 1 and up with ``DeleteOnTermination`` false;
Fargate task interfaces carry no Attachment (the instance is not the account's). Every
modelled interface is attached, so ``in-use``, and DeleteNetworkInterface refuses it
("You can't delete a network interface that is in use", EC2 User Guide, "Delete a network
interface").

An instance's NetworkInterfaces lists every interface attached to it by device index, the
primary first, then its awsvpc tasks': those are ordinary interfaces attached to the
container instance (each takes one of the instance type's network interfaces, which is
why an instance without trunking runs that maximum less one awsvpc tasks: ECS Developer
Guide, "Elastic network interface trunking"), and EC2 describes an instance with every
interface attached to it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from botocore.model import OperationModel

from simulator.aws import errors
from simulator.aws.ec2_views import InstanceRow, tag_list
from simulator.aws.ec2_vpc import ENI_NOT_FOUND, NetworkInterface
from simulator.aws.ec2_zones import zone_id
from simulator.aws.filters import apply_filters, paginate
from simulator.core.errors import AWSError

if TYPE_CHECKING:
    from simulator.aws.ec2 import Ec2Service

STATUS = "in-use"
"""Every modelled interface exists only while attached (DescribeNetworkInterfaces, status
filter: "if a network interface is attached to an instance the status is in-use")."""
IN_USE = "Network interface '{eni}' is currently in use."
"""DeleteNetworkInterface of an attached interface: InvalidParameterValue with this text
(live answers: aws/amazon-vpc-cni-k8s#1399 for an instance's interface,
gruntwork-io/cloud-nuke#431 and #1132). The error codes list's InvalidNetworkInterface.InUse
is what an attach or a launch with an interface in use answers (hashicorp/
terraform-provider-aws#27513)."""


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


def _attachment(svc: Ec2Service, eni: NetworkInterface) -> dict[str, Any]:
    return {
        "AttachTime": svc.account.timestamp(eni.created_at),
        "AttachmentId": _attachment_id(eni),
        "DeleteOnTermination": eni.delete_on_termination,
        "DeviceIndex": eni.device_index,
        "NetworkCardIndex": 0,
        "Status": "attached",
    }


def _addresses(svc: Ec2Service, eni: NetworkInterface) -> dict[str, Any]:
    """The members NetworkInterface and InstanceNetworkInterface share."""
    dns = _dns(svc, eni.private_ip)
    return {
        "Description": eni.description,
        "Groups": _groups(svc, eni),
        "InterfaceType": eni.interface_type,
        "Ipv6Addresses": [],
        "MacAddress": eni.mac,
        "NetworkInterfaceId": eni.eni_id,
        "OwnerId": svc.account.account_id,
        "PrivateDnsName": dns,
        "PrivateIpAddress": eni.private_ip,
        "PrivateIpAddresses": [
            {"Primary": True, "PrivateDnsName": dns, "PrivateIpAddress": eni.private_ip}
        ],
        "SourceDestCheck": True,
        "Status": STATUS,
        "SubnetId": eni.subnet_id,
        "VpcId": _vpc_id(svc, eni),
    }


def network_interface_view(svc: Ec2Service, eni: NetworkInterface) -> dict[str, Any]:
    """One NetworkInterface as DescribeNetworkInterfaces reports it."""
    account = svc.account
    out: dict[str, Any] = {
        "AvailabilityZone": _zone(svc, eni),
        "AvailabilityZoneId": zone_id(account.region, _zone(svc, eni)),
        **_addresses(svc, eni),
        "Ipv4Prefixes": [],
        "Ipv6Prefixes": [],
        "RequesterManaged": eni.requester_managed,
        "TagSet": tag_list(eni.tags),
        "DenyAllIgwTraffic": False,
        "Ipv6Native": False,
    }
    if eni.instance_id is not None:
        out["Attachment"] = {
            **_attachment(svc, eni),
            "InstanceId": eni.instance_id,
            "InstanceOwnerId": account.account_id,
        }
    return out


def instance_network(svc: Ec2Service, instance_id: str) -> dict[str, Any]:
    """What DescribeInstances adds to an Instance from its interfaces: NetworkInterfaces
    (InstanceNetworkInterface items), and the primary's address and DNS name."""
    enis = svc.vpc.attached_to(instance_id)
    out: dict[str, Any] = {
        "NetworkInterfaces": [
            {**_addresses(svc, e), "Attachment": _attachment(svc, e)} for e in enis
        ]
    }
    primary = svc.vpc.primary_of(instance_id)
    if primary is not None:
        out["PrivateIpAddress"] = primary.private_ip
        out["PrivateDnsName"] = _dns(svc, primary.private_ip)
        out["SourceDestCheck"] = True
    return out


def _attached(eni: NetworkInterface, value: str) -> list[str]:
    return [value] if eni.instance_id is not None else []


def _filters(svc: Ec2Service) -> dict[str, Any]:
    owner = svc.account.account_id
    return {
        "addresses.primary": lambda e: ["true"],
        "addresses.private-ip-address": lambda e: [e.private_ip],
        "attachment.attachment-id": lambda e: _attached(e, _attachment_id(e)),
        "attachment.delete-on-termination": lambda e: _attached(
            e, str(e.delete_on_termination).lower()
        ),
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


INSTANCE_FILTERS = {
    f"network-interface.{name}": name
    for name in (
        "addresses.primary",
        "addresses.private-ip-address",
        "attachment.attachment-id",
        "attachment.delete-on-termination",
        "attachment.device-index",
        "attachment.instance-id",
        "attachment.instance-owner-id",
        "attachment.status",
        "availability-zone",
        "description",
        "group-id",
        "mac-address",
        "network-interface-id",
        "owner-id",
        "private-dns-name",
        "private-ip-address",
        "requester-managed",
        "source-dest-check",
        "status",
        "subnet-id",
        "vpc-id",
    )
} | {"network-interface.addresses.private-dns-name": "private-dns-name"}
"""DescribeInstances' ``network-interface.*`` filters -> the DescribeNetworkInterfaces
filter they apply to each interface attached to the instance."""


def instance_filters(svc: Ec2Service) -> dict[str, Callable[[InstanceRow], Iterable[str]]]:
    """DescribeInstances filters over an instance's interfaces; ``private-ip-address`` and
    ``private-dns-name`` are its primary interface's."""
    per_eni = _filters(svc)

    def over(name: str) -> Callable[[InstanceRow], list[str]]:
        field = per_eni[name]
        return lambda r: [v for e in svc.vpc.attached_to(r[0].instance_id) for v in field(e)]

    def primary(r: InstanceRow) -> list[NetworkInterface]:
        eni = svc.vpc.primary_of(r[0].instance_id)
        return [eni] if eni is not None else []

    out: dict[str, Callable[[InstanceRow], Iterable[str]]] = {
        name: over(field) for name, field in INSTANCE_FILTERS.items()
    }
    out["network-interface.attachment.network-card-index"] = lambda r: [
        "0" for _ in svc.vpc.attached_to(r[0].instance_id)
    ]
    out["private-ip-address"] = lambda r: [e.private_ip for e in primary(r)]
    out["private-dns-name"] = lambda r: [_dns(svc, e.private_ip) for e in primary(r)]
    out["source-dest-check"] = lambda r: ["true" for _ in primary(r)]
    return out


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


def delete_network_interface(
    svc: Ec2Service, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    """Every modelled interface is attached (a primary one for its instance's life, a task's
    until ECS deletes it), so an existing one is refused as in use."""
    eni = svc.vpc.eni(p["NetworkInterfaceId"])
    raise AWSError(errors.INVALID_PARAMETER_VALUE, IN_USE.format(eni=eni.eni_id))
