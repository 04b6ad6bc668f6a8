"""CreateTags, DeleteTags and DescribeTags over every resource the EC2 facade keeps:
instances, Dedicated Hosts, launch templates, VPCs, subnets, security groups and network
interfaces.

Tags of each resource live where its other API facts do (InstanceMeta, HostMeta...), so
the Describe* calls' tag filters see what CreateTags wrote. A resource ID of a kind ecsim
does not model (ami-, vol-...) is refused with UnsupportedOperation naming it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from botocore.model import OperationModel

from simulator.aws import errors
from simulator.aws.filters import apply_filters, paginate
from simulator.core.errors import AWSError

if TYPE_CHECKING:
    from simulator.aws.ec2 import Ec2Service

RESOURCE_TYPES = {
    "i": "instance",
    "h": "dedicated-host",
    "lt": "launch-template",
    "vpc": "vpc",
    "subnet": "subnet",
    "sg": "security-group",
    "eni": "network-interface",
}
"""ID prefix -> DescribeTags resource-type (TagDescription.ResourceType enum)."""
MAX_TAGS = 50
"""EC2 User Guide, tag restrictions: 'Maximum number of tags per resource - 50'."""
INVALID_ID = "InvalidID"
"""EC2 error codes list: 'The specified ID for the resource you are trying to tag is not
valid'."""


def _tags_of(svc: Ec2Service, rid: str) -> dict[str, str]:
    """The live tag dict of resource ``rid`` (its own NotFound code if it does not exist)."""
    prefix = rid.split("-", 1)[0]
    if prefix not in RESOURCE_TYPES or "-" not in rid:
        if "-" in rid:
            raise errors.not_simulated(
                f"tags on {rid} (ecsim keeps tags of {', '.join(sorted(RESOURCE_TYPES.values()))})"
            )
        raise AWSError(INVALID_ID, f"The ID '{rid}' is not valid")
    if prefix == "i":
        svc.find_instances([rid])
        return svc.instance_meta_of(rid).tags
    if prefix == "h":
        if rid not in svc.fleet.hosts:
            raise AWSError(errors.INVALID_HOST_ID_NOT_FOUND, f"The host ID '{rid}' does not exist")
        return svc.host_meta_of(rid).tags
    if prefix == "lt":
        return svc.templates.find(rid, None).tags
    if prefix == "vpc":
        return svc.vpc.vpc(rid).tags
    if prefix == "subnet":
        return svc.vpc.subnet(rid).tags
    if prefix == "eni":
        return svc.vpc.eni(rid).tags
    return svc.vpc.group(rid).tags


def _check_keys(tags: Any) -> None:
    """Every tag names its key (botocore's model leaves Key optional; EC2 does not)."""
    for t in tags:
        if not t.get("Key"):
            raise AWSError(errors.INVALID_PARAMETER_VALUE, "Tag key must not be empty.")


def create_tags(svc: Ec2Service, model: OperationModel, p: dict[str, Any]) -> dict[str, Any]:
    """All or nothing: every resource is checked before any tag is written."""
    targets = [_tags_of(svc, rid) for rid in p["Resources"]]
    _check_keys(p["Tags"])
    new = {t["Key"]: t.get("Value", "") for t in p["Tags"]}
    for key in new:
        if key.lower().startswith("aws:"):
            raise AWSError(
                errors.INVALID_PARAMETER_VALUE,
                f"Tag keys starting with 'aws:' are reserved for internal use ({key}).",
            )
    for tags in targets:
        if len(set(tags) | set(new)) > MAX_TAGS:
            raise AWSError(
                "TagLimitExceeded",
                f"The maximum number of tags ({MAX_TAGS}) for the resource would be exceeded.",
            )
    for tags in targets:
        tags.update(new)
    return {}


def delete_tags(svc: Ec2Service, model: OperationModel, p: dict[str, Any]) -> dict[str, Any]:
    """A tag given with a Value is deleted only if the value matches; without one, always;
    with no Tags at all, every tag of the resource (except aws: ones)."""
    targets = [_tags_of(svc, rid) for rid in p["Resources"]]
    _check_keys(p.get("Tags", ()))
    for tags in targets:
        if "Tags" not in p:
            for key in [k for k in tags if not k.startswith("aws:")]:
                del tags[key]
            continue
        for t in p["Tags"]:
            key = t["Key"]
            if key in tags and ("Value" not in t or tags[key] == t["Value"]):
                del tags[key]
    return {}


def _all_tags(svc: Ec2Service) -> Iterator[dict[str, str]]:
    def rows(rid: str, tags: dict[str, str]) -> Iterator[dict[str, str]]:
        kind = RESOURCE_TYPES[rid.split("-", 1)[0]]
        for k, v in tags.items():
            yield {"Key": k, "ResourceId": rid, "ResourceType": kind, "Value": v}

    for inst in svc.visible_instances():
        yield from rows(inst.instance_id, svc.instance_meta_of(inst.instance_id).tags)
    for hid in svc.fleet.hosts:
        yield from rows(hid, svc.host_meta_of(hid).tags)
    for t in svc.templates.by_id.values():
        yield from rows(t.template_id, t.tags)
    for v in svc.vpc.vpcs.values():
        yield from rows(v.vpc_id, v.tags)
    for s in svc.vpc.subnets.values():
        yield from rows(s.subnet_id, s.tags)
    for g in svc.vpc.groups.values():
        yield from rows(g.group_id, g.tags)
    for e in svc.vpc.enis.values():
        yield from rows(e.eni_id, e.tags)


TAG_FIELDS = {
    "key": lambda r: [r["Key"]],
    "value": lambda r: [r["Value"]],
    "resource-id": lambda r: [r["ResourceId"]],
    "resource-type": lambda r: [r["ResourceType"]],
}


def describe_tags(svc: Ec2Service, model: OperationModel, p: dict[str, Any]) -> dict[str, Any]:
    rows = list(_all_tags(svc))
    filters = list(p.get("Filters") or ())
    plain = [f for f in filters if not str(f.get("Name", "")).startswith("tag:")]
    by_tag = [f for f in filters if str(f.get("Name", "")).startswith("tag:")]
    rows = apply_filters(rows, plain, TAG_FIELDS, operation_model=model)
    for f in by_tag:  # tag:<key>: resources having that tag (any of the values)
        key = f["Name"][4:]
        ok = {
            r["ResourceId"]
            for r in rows
            if r["Key"] == key and (not f.get("Values") or r["Value"] in f["Values"])
        }
        rows = [r for r in rows if r["ResourceId"] in ok]
    page, token = paginate(rows, p.get("MaxResults"), p.get("NextToken"), low=5, high=1000)
    out: dict[str, Any] = {"Tags": page}
    if token:
        out["NextToken"] = token
    return out
