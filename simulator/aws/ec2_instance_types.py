"""DescribeInstanceTypes and DescribeInstanceTypeOfferings, answered from the catalog.

Records are EC2's own (``simulator.catalog.ec2_types``); every documented filter is
evaluated by walking the record: ``vcpu-info.default-vcpus`` is ``VCpuInfo.DefaultVCpus``
(names compared without dashes and case, a plural member matches its singular filter
segment). Offerings: ecsim launches every described type in every Availability Zone of the
simulated Region, so that is what it offers (a departure from AWS's per-zone lists,
docs/aws.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from botocore.model import OperationModel, Shape

from simulator.aws import errors
from simulator.aws.ec2_zones import zone_id
from simulator.aws.filters import apply_filters, documented_filters, paginate
from simulator.catalog import ec2_types
from simulator.core.errors import AWSError

if TYPE_CHECKING:
    from simulator.aws.ec2 import Ec2Service

MAX_INSTANCE_TYPES = 100
"""DescribeInstanceTypes: 'The instance types' (up to 100, EC2 API reference)."""


_UNFIT = object()


def fit(value: Any, shape: Shape) -> Any:
    """``value`` without what botocore's ``shape`` does not know (members, enum values): the
    data may be newer than the installed botocore."""
    if shape.type_name == "structure":
        members = shape.members  # type: ignore[attr-defined]
        out = {k: fit(v, members[k]) for k, v in value.items() if k in members}
        return {k: v for k, v in out.items() if v is not _UNFIT}
    if shape.type_name == "list":
        items = (fit(v, shape.member) for v in value)  # type: ignore[attr-defined]
        return [v for v in items if v is not _UNFIT]
    enum = getattr(shape, "enum", None)
    if enum and value not in enum:
        return _UNFIT
    return value


def _norm(text: str) -> str:
    return text.replace("-", "").replace("_", "").lower()


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _walk(value: Any, segments: list[str]) -> Iterable[str]:
    if isinstance(value, list):
        for item in value:
            yield from _walk(item, segments)
        return
    if not segments:
        yield _text(value)
        return
    if not isinstance(value, Mapping):
        return
    head = _norm(segments[0])
    for key, inner in value.items():
        k = _norm(key)
        if k in (head, head + "s", head + "es"):
            yield from _walk(inner, segments[1:])


def _record_field(name: str):
    segments = name.split(".")
    return lambda record: list(_walk(record, segments))


def _type_filters(model: OperationModel) -> dict[str, Any]:
    return {n: _record_field(n) for n in documented_filters(model, "Filters")}


def describe_instance_types(
    svc: Ec2Service, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    """Every described type (or the ones asked for), as EC2 describes it."""
    known = ec2_types.descriptions()
    asked = list(dict.fromkeys(p.get("InstanceTypes") or []))
    if len(asked) > MAX_INSTANCE_TYPES:
        raise AWSError(
            errors.INVALID_PARAMETER_VALUE,
            f"The maximum number of instance types is {MAX_INSTANCE_TYPES}.",
        )
    missing = [t for t in asked if t not in known]
    if missing:
        raise AWSError(
            errors.INVALID_INSTANCE_TYPE,
            f"The following supplied instance types do not exist: [{', '.join(missing)}]",
        )
    records = [known[t] for t in asked] if asked else list(known.values())
    rows = apply_filters(records, p.get("Filters"), _type_filters(model), operation_model=model)
    page, token = paginate(rows, p.get("MaxResults"), p.get("NextToken"), low=5, high=100)
    info = model.service_model.shape_for("InstanceTypeInfo")
    out: dict[str, Any] = {"InstanceTypes": [fit(dict(r), info) for r in page]}
    if token:
        out["NextToken"] = token
    return out


LOCATION_TYPES = ("region", "availability-zone", "availability-zone-id")


def describe_instance_type_offerings(
    svc: Ec2Service, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    """Every described type in every location of the kind asked (default: the Region)."""
    kind = p.get("LocationType", "region")
    if kind not in LOCATION_TYPES:
        raise AWSError(
            "InvalidParameterValue",
            f"Value ({kind}) for parameter locationType is invalid. "
            f"Valid values: {', '.join(LOCATION_TYPES)}",
        )
    account = svc.account
    if kind == "region":
        locations = [account.region]
    elif kind == "availability-zone":
        locations = list(account.availability_zones)
    else:
        locations = [zone_id(account.region, z) for z in account.availability_zones]
    rows = [
        {"InstanceType": t, "LocationType": kind, "Location": loc}
        for loc in locations
        for t in ec2_types.descriptions()
    ]
    fields = {
        "instance-type": lambda r: [r["InstanceType"]],
        "location": lambda r: [r["Location"]],
    }
    rows = apply_filters(rows, p.get("Filters"), fields, operation_model=model)
    page, token = paginate(rows, p.get("MaxResults"), p.get("NextToken"), low=5, high=1000)
    out: dict[str, Any] = {"InstanceTypeOfferings": page}
    if token:
        out["NextToken"] = token
    return out
