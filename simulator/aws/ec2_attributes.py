"""DescribeInstanceAttribute, ModifyInstanceAttribute and DescribeAccountAttributes.

ModifyInstanceAttribute changes what the simulation uses: instanceType (only while the
instance is stopped, as AWS requires; shared tenancy only), userData (stopped only),
termination and stop protection (TerminateInstances / StopInstances then refuse it),
the shutdown behaviour, EBS optimization and security groups (which must exist).
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from botocore.model import OperationModel

from simulator.aws import errors
from simulator.aws.ec2_views import ROOT_DEVICE_NAME
from simulator.catalog.catalog import instance_type as catalog_instance_type
from simulator.core.errors import AWSError, CatalogError
from simulator.lifecycle import codes
from simulator.lifecycle.instance import InstanceState

if TYPE_CHECKING:
    from simulator.aws.ec2 import Ec2Service

ATTRIBUTE_KEYS = {
    "instanceType": "InstanceType",
    "userData": "UserData",
    "disableApiTermination": "DisableApiTermination",
    "disableApiStop": "DisableApiStop",
    "instanceInitiatedShutdownBehavior": "InstanceInitiatedShutdownBehavior",
    "rootDeviceName": "RootDeviceName",
    "ebsOptimized": "EbsOptimized",
    "groupSet": "Groups",
}
"""Attribute name -> its DescribeInstanceAttribute output member (those ecsim keeps)."""


def describe_instance_attribute(
    svc: Ec2Service, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    inst = svc.find_instances([p["InstanceId"]])[0]
    meta = svc.instance_meta_of(inst.instance_id)
    name = p["Attribute"]
    if name not in ATTRIBUTE_KEYS:
        raise errors.not_simulated(f"the instance attribute {name}", ATTRIBUTE_KEYS)
    values: dict[str, Any] = {
        "instanceType": {"Value": inst.instance_type},
        "userData": {"Value": _b64(meta.user_data)} if meta.user_data else {},
        "disableApiTermination": {"Value": meta.disable_api_termination},
        "disableApiStop": {"Value": meta.disable_api_stop},
        "instanceInitiatedShutdownBehavior": {"Value": meta.shutdown_behavior},
        "rootDeviceName": {"Value": ROOT_DEVICE_NAME},
        "ebsOptimized": {"Value": meta.ebs_optimized},
        "groupSet": [{"GroupId": g} for g in meta.security_groups],
    }
    return {"InstanceId": inst.instance_id, ATTRIBUTE_KEYS[name]: values[name]}


def _b64(text: str) -> str:
    try:
        base64.b64decode(text, validate=True)
        return text
    except ValueError:
        return base64.b64encode(text.encode()).decode()


def _value(p: dict[str, Any], member: str, attribute: str) -> Any:
    if member in p:
        v = p[member]
        return v.get("Value") if isinstance(v, dict) else v
    if p.get("Attribute") == attribute:
        return p.get("Value")
    return None


def modify_instance_attribute(
    svc: Ec2Service, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    inst = svc.find_instances([p["InstanceId"]])[0]
    meta = svc.instance_meta_of(inst.instance_id)
    attribute = p.get("Attribute")
    if attribute is not None and attribute not in ATTRIBUTE_KEYS:
        raise errors.not_simulated(f"modifying the instance attribute {attribute}", ATTRIBUTE_KEYS)
    stopped = inst.state is InstanceState.STOPPED
    new_type = _value(p, "InstanceType", "instanceType")
    if new_type is not None:
        if not stopped:
            raise AWSError(
                codes.INCORRECT_INSTANCE_STATE,
                f"The instance '{inst.instance_id}' is not in the 'stopped' state.",
            )
        if inst.tenancy == "host":
            raise errors.not_simulated("changing the type of a Dedicated Host instance")
        try:
            spec = catalog_instance_type(new_type)
        except CatalogError as e:
            raise AWSError(errors.INVALID_PARAMETER_VALUE, str(e)) from None
        inst.instance_type = spec.name
        inst.family = spec.family
        inst.size = spec.size
        inst.arch = spec.arch
        inst.vcpu = spec.vcpu
    user_data = _value(p, "UserData", "userData")
    if user_data is not None:
        if not stopped:
            raise AWSError(
                codes.INCORRECT_INSTANCE_STATE,
                f"The instance '{inst.instance_id}' is not in the 'stopped' state.",
            )
        meta.user_data = user_data.decode() if isinstance(user_data, bytes) else str(user_data)
    for member, attr, field in (
        ("DisableApiTermination", "disableApiTermination", "disable_api_termination"),
        ("DisableApiStop", "disableApiStop", "disable_api_stop"),
        ("EbsOptimized", "ebsOptimized", "ebs_optimized"),
    ):
        v = _value(p, member, attr)
        if v is not None:
            setattr(meta, field, str(v).lower() == "true" if isinstance(v, str) else bool(v))
    behavior = _value(p, "InstanceInitiatedShutdownBehavior", "instanceInitiatedShutdownBehavior")
    if behavior is not None:
        if behavior not in ("stop", "terminate"):
            raise AWSError(
                errors.INVALID_PARAMETER_VALUE,
                f"Invalid value '{behavior}' for "
                "instanceInitiatedShutdownBehavior (stop or terminate).",
            )
        meta.shutdown_behavior = behavior
    if p.get("Groups"):
        meta.security_groups = [svc.vpc.group(g).group_id for g in p["Groups"]]
        primary = svc.vpc.primary_of(inst.instance_id)
        if primary is not None:  # an instance's groups are its primary interface's
            primary.groups = tuple(meta.security_groups)
    return {}


ACCOUNT_ATTRIBUTES = {
    "supported-platforms": ["VPC"],
    "vpc-max-security-groups-per-interface": ["5"],
    "max-elastic-ips": ["5"],
    "vpc-max-elastic-ips": ["5"],
    "max-instances": ["20"],
}
"""DescribeAccountAttributes values of a new account (EC2 API reference example and VPC
quotas: 5 security groups per network interface, 5 Elastic IPs; max-instances is the
legacy On-Demand instance count limit). default-vpc is the account's default VPC."""


def describe_account_attributes(
    svc: Ec2Service, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    default = svc.vpc.default_vpc
    values = {**ACCOUNT_ATTRIBUTES, "default-vpc": [default.vpc_id if default else "none"]}
    names = p.get("AttributeNames") or sorted(values)
    unknown = [n for n in names if n not in values]
    if unknown:
        raise AWSError(
            errors.INVALID_PARAMETER_VALUE, f"Invalid attribute name: {', '.join(unknown)}"
        )
    return {
        "AccountAttributes": [
            {"AttributeName": n, "AttributeValues": [{"AttributeValue": v} for v in values[n]]}
            for n in names
        ]
    }
