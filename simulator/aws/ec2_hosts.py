"""Dedicated Host operations: AllocateHosts, DescribeHosts, ModifyHosts, ReleaseHosts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from botocore.model import OperationModel

from simulator.aws import errors, limits
from simulator.aws.ec2_views import HOST_FILTERS, HostMeta, host_view
from simulator.aws.filters import apply_filters, paginate
from simulator.core.errors import AWSError
from simulator.lifecycle.fleet import UnsuccessfulItem

if TYPE_CHECKING:
    from simulator.aws.ec2 import Ec2Service

DEFAULT_AUTO_PLACEMENT = "off"
"""AllocateHosts AutoPlacement, 'Default: off' (API reference; moto defaults to on)."""
HOST_TAG_FILTERS = ("tag:<key>", "tag-key")
"""The reference lists tag-key; live scripts also filter DescribeHosts by tag:<key>
(``aws ec2 describe-hosts --filter "Name=tag:Name,Values=..."``)."""
DEFAULT_HOST_RECOVERY = "off"
"""AllocateHosts HostRecovery, 'Default: off' (API reference)."""


def allocate_hosts(svc: Ec2Service, model: OperationModel, p: dict[str, Any]) -> dict[str, Any]:
    """Hosts are available at once; Availability Zone and Quantity are required."""
    if "AvailabilityZone" not in p:
        raise AWSError(
            errors.MISSING_PARAMETER, "The request must contain the parameter AvailabilityZone"
        )
    if "Quantity" not in p:
        raise AWSError(errors.MISSING_PARAMETER, "The request must contain the parameter Quantity")
    held = sum(1 for h in svc.fleet.hosts.values() if not h.released)
    quantity = p["Quantity"]
    if isinstance(quantity, int) and held + quantity > limits.HOST_LIMIT:
        raise AWSError(
            errors.HOST_LIMIT_EXCEEDED,
            f"The number of Dedicated hosts you've requested ({quantity}) would bring your "
            f"total up to {held + quantity}. This exceeds your current limit of "
            f"{limits.HOST_LIMIT}.",
        )
    zone = svc.zone(p["AvailabilityZone"])
    tags = svc.tags(p.get("TagSpecifications"), "dedicated-host")
    earlier = svc.replay(model.name, p)
    if earlier is not None:
        return {"HostIds": list(earlier)}
    ids = svc.control.allocate_hosts(
        instance_type=p.get("InstanceType"),
        instance_family=p.get("InstanceFamily"),
        quantity=p["Quantity"],
        auto_placement=p.get("AutoPlacement", DEFAULT_AUTO_PLACEMENT),
        host_recovery=p.get("HostRecovery", DEFAULT_HOST_RECOVERY),
    )
    for hid in ids:
        svc.host_meta[hid] = HostMeta(zone, dict(tags), p.get("ClientToken"))
    svc.remember(model.name, p, list(ids))
    return {"HostIds": list(ids)}


def describe_hosts(svc: Ec2Service, model: OperationModel, p: dict[str, Any]) -> dict[str, Any]:
    """Released hosts still appear (ReleaseHosts reference); unknown IDs are refused."""
    ids = p.get("HostIds") or []
    if ids and "MaxResults" in p:
        raise AWSError(
            errors.INVALID_PARAMETER_COMBINATION,
            "You cannot specify MaxResults and HostIds in the same request.",
        )
    missing = [h for h in dict.fromkeys(ids) if h not in svc.fleet.hosts]
    if missing:
        raise AWSError(
            errors.INVALID_HOST_ID_NOT_FOUND,
            f"The host ID{'s' if len(missing) > 1 else ''} '{', '.join(missing)}' "
            f"{'do' if len(missing) > 1 else 'does'} not exist",
        )
    hosts = [svc.fleet.hosts[h] for h in dict.fromkeys(ids)] if ids else svc.fleet.hosts.values()
    rows = [(h, svc.host_meta_of(h.host_id)) for h in hosts]
    rows = apply_filters(
        rows,
        p.get("Filter"),
        HOST_FILTERS,
        operation_model=model,
        member="Filter",
        tags=lambda r: r[1].tags,
        tag_filters=HOST_TAG_FILTERS,
    )
    page, token = paginate(rows, p.get("MaxResults"), p.get("NextToken"), low=5, high=500)
    out: dict[str, Any] = {"Hosts": [host_view(h, meta, svc.account) for h, meta in page]}
    if token:
        out["NextToken"] = token
    return out


def modify_hosts(svc: Ec2Service, model: OperationModel, p: dict[str, Any]) -> dict[str, Any]:
    ok, failed = svc.control.modify_hosts(
        p["HostIds"], auto_placement=p.get("AutoPlacement"), host_recovery=p.get("HostRecovery")
    )
    return {"Successful": list(ok), "Unsuccessful": unsuccessful(failed)}


def release_hosts(svc: Ec2Service, model: OperationModel, p: dict[str, Any]) -> dict[str, Any]:
    """Per-host refusals (occupied, unknown, Mac under 24 h) are Unsuccessful items."""
    ok, failed = svc.control.release_hosts(p["HostIds"])
    return {"Successful": list(ok), "Unsuccessful": unsuccessful(failed)}


def unsuccessful(items: Iterable[UnsuccessfulItem]) -> list[dict[str, Any]]:
    """AWS's UnsuccessfulItem: {Error: {Code, Message}, ResourceId}."""
    return [
        {"Error": {"Code": u.code, "Message": u.message}, "ResourceId": u.resource_id}
        for u in items
    ]
