"""The simulated Region's Availability Zones: DescribeAvailabilityZones and zone IDs.

Zone IDs follow AWS's form (``use1-az1``: the Region's short code, then the zone's index);
AWS maps names to IDs per account, ecsim maps the n-th zone to ``az<n>``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.model import OperationModel

from simulator.aws import errors
from simulator.aws.filters import apply_filters
from simulator.core.errors import AWSError

if TYPE_CHECKING:
    from simulator.aws.ec2 import Ec2Service

DIRECTIONS = {
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "central": "c",
    "northeast": "ne",
    "northwest": "nw",
    "southeast": "se",
    "southwest": "sw",
}
"""Region name words -> the letters AWS's zone IDs use (use1, apse1, euc1, cac1...)."""


def region_code(region: str) -> str:
    """us-east-1 -> use1, ap-southeast-2 -> apse2."""
    parts = region.split("-")
    middle = "".join(DIRECTIONS.get(w, w[:1]) for w in parts[1:-1])
    return f"{parts[0]}{middle}{parts[-1]}"


def zone_id(region: str, zone: str) -> str:
    """The ID of ``zone`` (its letter's position: a -> az1)."""
    index = ord(zone[len(region) :][:1]) - ord("a") + 1 if zone.startswith(region) else 1
    return f"{region_code(region)}-az{index}"


def _zone_view(svc: Ec2Service, zone: str) -> dict[str, Any]:
    region = svc.account.region
    return {
        "ZoneName": zone,
        "ZoneId": zone_id(region, zone),
        "State": "available",
        "OptInStatus": "opt-in-not-required",
        "Messages": [],
        "RegionName": region,
        "GroupName": region,
        "NetworkBorderGroup": region,
        "ZoneType": "availability-zone",
    }


ZONE_FILTERS = {
    "group-name": lambda z: [z["GroupName"]],
    "network-border-group": lambda z: [z["NetworkBorderGroup"]],
    "opt-in-status": lambda z: [z["OptInStatus"]],
    "region-name": lambda z: [z["RegionName"]],
    "state": lambda z: [z["State"]],
    "zone-id": lambda z: [z["ZoneId"]],
    "zone-name": lambda z: [z["ZoneName"]],
    "zone-type": lambda z: [z["ZoneType"]],
}


def describe_availability_zones(
    svc: Ec2Service, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    """The simulated zones (all available); unknown names or IDs are refused."""
    zones = [_zone_view(svc, z) for z in svc.account.availability_zones]
    names = p.get("ZoneNames") or []
    ids = p.get("ZoneIds") or []
    for asked, key in ((names, "ZoneName"), (ids, "ZoneId")):
        known = {z[key] for z in zones}
        bad = [a for a in asked if a not in known]
        if bad:
            raise AWSError(
                errors.INVALID_PARAMETER_VALUE,
                f"The zone '{bad[0]}' does not exist in region '{svc.account.region}'.",
            )
    if names or ids:
        zones = [z for z in zones if z["ZoneName"] in names or z["ZoneId"] in ids]
    zones = apply_filters(zones, p.get("Filters"), ZONE_FILTERS, operation_model=model)
    return {"AvailabilityZones": zones}
