"""The EC2 API answered by the simulated fleet.

``Ec2Service.handle`` takes an operation and the caller's (already validated) params and
returns the parsed response body, or raises ``AWSError`` with AWS's code. Each operation
declares the params it simulates and the ones it accepts without effect (networking,
IAM...); any other param is refused with UnsupportedOperation naming it, so a script
never gets an answer that silently ignored something that matters. RunInstances' UserData
goes to the launch hooks: the ECS facade reads ECS_CLUSTER from it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from botocore.model import OperationModel

from simulator.aws import (
    ec2_attributes,
    ec2_hosts,
    ec2_instance_types,
    ec2_instances,
    ec2_network_interfaces,
    ec2_tags,
    ec2_templates,
    ec2_vpc,
    ec2_zones,
    errors,
)
from simulator.aws.ec2_views import HostMeta, InstanceMeta, ViewContext
from simulator.aws.operations import Operation, find
from simulator.aws.operations import op as _op
from simulator.core.errors import AWSError
from simulator.ec2.control import Ec2ControlPlane
from simulator.lifecycle.fleet import Changes
from simulator.lifecycle.instance import Instance, InstanceState

DRY_RUN = frozenset({"DryRun"})  # every EC2 operation takes it
INSTANCE_ID = re.compile(r"i-(?:[0-9a-f]{8}|[0-9a-f]{17})")
DEFAULT_IMAGE_ID = "ami-00000000000000000"
"""The AMI reported for instances launched around the API (through ``aws.control``)."""


class Ec2Account(ViewContext, Protocol):
    """What the EC2 facade needs from the simulated account."""

    control: Ec2ControlPlane
    region: str
    availability_zones: tuple[str, ...]
    terminated_visibility: float

    @property
    def now(self) -> float: ...


class LaunchHook(Protocol):
    """Told about RunInstances requests (the ECS agent reads UserData's ECS_CLUSTER)."""

    def check_launch(self, params: Mapping[str, Any]) -> None:
        """Refuse the request (AWSError) before anything launches."""

    def launched(self, instance_ids: Sequence[str], params: Mapping[str, Any]) -> None:
        """The request launched ``instance_ids`` (not called for ClientToken replays)."""


OPERATIONS: Mapping[str, Operation] = {
    "AllocateHosts": _op(
        ec2_hosts.allocate_hosts,
        [
            "AvailabilityZone",
            "InstanceType",
            "InstanceFamily",
            "Quantity",
            "AutoPlacement",
            "HostRecovery",
            "ClientToken",
            "TagSpecifications",
        ],
    ),
    "DescribeHosts": _op(
        ec2_hosts.describe_hosts, ["HostIds", "Filter", "MaxResults", "NextToken"]
    ),
    "ModifyHosts": _op(ec2_hosts.modify_hosts, ["HostIds", "AutoPlacement", "HostRecovery"]),
    "ReleaseHosts": _op(ec2_hosts.release_hosts, ["HostIds"]),
    "RunInstances": _op(
        ec2_instances.run_instances,
        [
            "ImageId",
            "InstanceType",
            "MinCount",
            "MaxCount",
            "Placement",
            "HibernationOptions",
            "TagSpecifications",
            "ClientToken",
            "KeyName",
            "Monitoring",
            "EbsOptimized",
            "UserData",
            "LaunchTemplate",
            "SecurityGroupIds",
            "SecurityGroups",
            "SubnetId",
            "DisableApiTermination",
            "DisableApiStop",
            "InstanceInitiatedShutdownBehavior",
        ],
        inert=[
            "IamInstanceProfile",
            "MetadataOptions",
            "BlockDeviceMappings",
        ],
    ),
    "DescribeInstances": _op(
        ec2_instances.describe_instances, ["InstanceIds", "Filters", "MaxResults", "NextToken"]
    ),
    "DescribeInstanceStatus": _op(
        ec2_instances.describe_instance_status,
        ["InstanceIds", "Filters", "MaxResults", "NextToken", "IncludeAllInstances"],
    ),
    "StartInstances": _op(ec2_instances.start_instances, ["InstanceIds"]),
    "StopInstances": _op(
        ec2_instances.stop_instances, ["InstanceIds", "Hibernate"], inert=["Force"]
    ),
    "RebootInstances": _op(ec2_instances.reboot_instances, ["InstanceIds"]),
    "TerminateInstances": _op(ec2_instances.terminate_instances, ["InstanceIds"]),
    "ModifyInstancePlacement": _op(
        ec2_instances.modify_instance_placement, ["InstanceId", "HostId", "Affinity", "Tenancy"]
    ),
    "DescribeInstanceTypes": _op(
        ec2_instance_types.describe_instance_types,
        ["InstanceTypes", "Filters", "MaxResults", "NextToken"],
        inert=["IncludeUnsupportedInRegion"],
    ),
    "DescribeInstanceTypeOfferings": _op(
        ec2_instance_types.describe_instance_type_offerings,
        ["LocationType", "Filters", "MaxResults", "NextToken"],
    ),
    "DescribeAvailabilityZones": _op(
        ec2_zones.describe_availability_zones,
        ["ZoneNames", "ZoneIds", "Filters"],
        inert=["AllAvailabilityZones"],
    ),
    "CreateLaunchTemplate": _op(
        ec2_templates.create_launch_template,
        ["LaunchTemplateName", "LaunchTemplateData", "VersionDescription", "TagSpecifications"],
        inert=["ClientToken", "Operator"],
    ),
    "CreateLaunchTemplateVersion": _op(
        ec2_templates.create_launch_template_version,
        [
            "LaunchTemplateId",
            "LaunchTemplateName",
            "SourceVersion",
            "VersionDescription",
            "LaunchTemplateData",
        ],
        inert=["ClientToken", "ResolveAlias"],
    ),
    "ModifyLaunchTemplate": _op(
        ec2_templates.modify_launch_template,
        ["LaunchTemplateId", "LaunchTemplateName", "DefaultVersion"],
        inert=["ClientToken"],
    ),
    "DeleteLaunchTemplate": _op(
        ec2_templates.delete_launch_template, ["LaunchTemplateId", "LaunchTemplateName"]
    ),
    "DescribeLaunchTemplates": _op(
        ec2_templates.describe_launch_templates,
        ["LaunchTemplateIds", "LaunchTemplateNames", "Filters", "MaxResults", "NextToken"],
        inert=["IncludeManagedResources"],
    ),
    "DescribeLaunchTemplateVersions": _op(
        ec2_templates.describe_launch_template_versions,
        [
            "LaunchTemplateId",
            "LaunchTemplateName",
            "Versions",
            "MinVersion",
            "MaxVersion",
            "MaxResults",
            "NextToken",
        ],
        inert=["ResolveAlias", "IncludeManagedResources", "Filters"],
    ),
    "CreateVpc": _op(
        ec2_vpc.create_vpc,
        ["CidrBlock", "TagSpecifications", "InstanceTenancy"],
        inert=["AmazonProvidedIpv6CidrBlock"],
    ),
    "DescribeVpcs": _op(ec2_vpc.describe_vpcs, ["VpcIds", "Filters", "MaxResults", "NextToken"]),
    "DeleteVpc": _op(ec2_vpc.delete_vpc, ["VpcId"]),
    "CreateSubnet": _op(
        ec2_vpc.create_subnet,
        ["VpcId", "CidrBlock", "AvailabilityZone", "AvailabilityZoneId", "TagSpecifications"],
    ),
    "DescribeSubnets": _op(
        ec2_vpc.describe_subnets, ["SubnetIds", "Filters", "MaxResults", "NextToken"]
    ),
    "DeleteSubnet": _op(ec2_vpc.delete_subnet, ["SubnetId"]),
    "CreateSecurityGroup": _op(
        ec2_vpc.create_security_group, ["GroupName", "Description", "VpcId", "TagSpecifications"]
    ),
    "DescribeSecurityGroups": _op(
        ec2_vpc.describe_security_groups,
        ["GroupIds", "GroupNames", "Filters", "MaxResults", "NextToken"],
    ),
    "DeleteSecurityGroup": _op(ec2_vpc.delete_security_group, ["GroupId", "GroupName"]),
    "DescribeNetworkInterfaces": _op(
        ec2_network_interfaces.describe_network_interfaces,
        ["NetworkInterfaceIds", "Filters", "MaxResults", "NextToken"],
        inert=["IncludeManagedResources"],
    ),
    "DeleteNetworkInterface": _op(
        ec2_network_interfaces.delete_network_interface, ["NetworkInterfaceId"]
    ),
    "CreateTags": _op(ec2_tags.create_tags, ["Resources", "Tags"]),
    "DeleteTags": _op(ec2_tags.delete_tags, ["Resources", "Tags"]),
    "DescribeTags": _op(ec2_tags.describe_tags, ["Filters", "MaxResults", "NextToken"]),
    "DescribeInstanceAttribute": _op(
        ec2_attributes.describe_instance_attribute, ["InstanceId", "Attribute"]
    ),
    "ModifyInstanceAttribute": _op(
        ec2_attributes.modify_instance_attribute,
        [
            "InstanceId",
            "Attribute",
            "Value",
            "InstanceType",
            "UserData",
            "DisableApiTermination",
            "DisableApiStop",
            "InstanceInitiatedShutdownBehavior",
            "EbsOptimized",
            "Groups",
        ],
    ),
    "DescribeAccountAttributes": _op(
        ec2_attributes.describe_account_attributes, ["AttributeNames"]
    ),
}
"""Every EC2 operation ecsim simulates."""


class Ec2Service:
    """The EC2 API of one simulated account and Region."""

    name = "ec2"
    operations: Mapping[str, Operation]
    """The operation table (set below, once the table is built)."""

    def __init__(self, account: Ec2Account):
        self.account = account
        self.fleet = account.fleet
        self.control = account.control
        self.host_meta: dict[str, HostMeta] = {}
        self.instance_meta: dict[str, InstanceMeta] = {}
        self._tokens: dict[tuple[str, str], tuple[str, Any]] = {}
        self.launch_hooks: list[LaunchHook] = []
        self._next_reservation = 1
        self.templates = ec2_templates.Templates()
        self.vpc = ec2_vpc.VpcModel(account.availability_zones)
        self.launching = False
        """True while RunInstances launches: it gives its instances their interfaces."""
        self.control.listeners.append(self._on_ec2)

    def handle(self, model: OperationModel, params: Mapping[str, Any]) -> dict[str, Any]:
        """The parsed body of ``model``'s response to ``params``; AWSError if refused."""
        op = find(OPERATIONS, model, params, f"the EC2 operation {model.name}", DRY_RUN)
        if params.get("DryRun"):
            raise errors.dry_run()
        return op.handler(self, model, dict(params))

    # ------------------------------------------------------------------ API-only facts
    def zone(self, name: str | None) -> str:
        """A valid Availability Zone of the Region (the first one when None)."""
        zones = self.account.availability_zones
        if name is None:
            return zones[0]
        if name not in zones:
            raise AWSError(
                errors.INVALID_PARAMETER_VALUE,
                f"Invalid availability zone: [{name}] (the zones of {self.account.region} "
                f"are {', '.join(zones)}).",
            )
        return name

    def host_meta_of(self, host_id: str) -> HostMeta:
        """API facts of a host; a recovery replacement inherits its original's."""
        meta = self.host_meta.get(host_id)
        if meta is None:
            host = self.fleet.hosts[host_id]
            if host.replaces_host_id is not None:
                orig = self.host_meta_of(host.replaces_host_id)
                meta = HostMeta(orig.availability_zone, dict(orig.tags))
            else:
                meta = HostMeta(self.zone(None))
            self.host_meta[host_id] = meta
        return meta

    def instance_meta_of(self, instance_id: str) -> InstanceMeta:
        """API facts of an instance (defaults for one launched around the API: its zone's
        default subnet and the default VPC's default group, as RunInstances without
        SubnetId gives them)."""
        meta = self.instance_meta.get(instance_id)
        if meta is None:
            inst = self.fleet.instances[instance_id]
            zone = (
                self.host_meta_of(inst.host_id).availability_zone
                if inst.host_id
                else self.zone(None)
            )
            meta = InstanceMeta(self.new_reservation_id(), DEFAULT_IMAGE_ID, 0, zone)
            subnet = self.default_subnet_id(zone)
            if subnet is not None:
                meta.subnet_id = subnet
                meta.vpc_id = self.vpc.subnets[subnet].vpc_id
                meta.security_groups = [self.vpc.group_named("default", meta.vpc_id).group_id]
            self.instance_meta[instance_id] = meta
            if inst.state is not InstanceState.TERMINATED and not self.launching:
                self.attach_primary(instance_id)
        return meta

    def default_subnet_id(self, zone: str) -> str | None:
        """Where an instance launched without SubnetId goes: the default subnet of its
        zone, if it exists and has a free address (otherwise nowhere: not in a VPC)."""
        subnet = self.vpc.default_subnet(zone)
        if subnet is None or self.vpc.free_addresses(subnet.subnet_id) < 1:
            return None
        return subnet.subnet_id

    def attach_primary(self, instance_id: str) -> None:
        """Create the instance's primary interface in its subnet (none outside a VPC)."""
        meta = self.instance_meta[instance_id]
        if meta.subnet_id is None or instance_id in self.vpc.primary:
            return
        eni = self.vpc.add_primary_eni(
            instance_id,
            meta.subnet_id,
            tuple(meta.security_groups),
            created_at=self.account.now,
        )
        eni.tags = dict(meta.interface_tags)

    def _on_ec2(self, changes: Changes) -> None:
        """Instances launched around the API get their facts (and primary interface) at
        launch; a terminated instance's primary interface is deleted with it."""
        for c in changes.instances:
            if c.previous_state is None and not self.launching:
                self.instance_meta_of(c.instance_id)
            elif c.current_state is InstanceState.TERMINATED:
                primary = self.vpc.primary.get(c.instance_id)
                if primary is not None:
                    self.vpc.delete_eni(primary)

    def new_reservation_id(self) -> str:
        rid = f"r-{self._next_reservation:017x}"
        self._next_reservation += 1
        return rid

    # ------------------------------------------------------------------ instances
    def visible(self, inst: Instance) -> bool:
        """Terminated instances drop out of the API after ``terminated_visibility``."""
        if inst.state is not InstanceState.TERMINATED:
            return True
        return self.account.now - inst.history[-1].at <= self.account.terminated_visibility

    def find_instances(self, ids: Sequence[str]) -> list[Instance]:
        """The instances named by ``ids`` (deduplicated, in order), as the API finds them:
        InvalidInstanceID.Malformed, then InvalidInstanceID.NotFound naming every miss."""
        for iid in ids:
            if not INSTANCE_ID.fullmatch(iid):
                raise AWSError(errors.INVALID_INSTANCE_ID_MALFORMED, f'Invalid id: "{iid}"')
        unique = list(dict.fromkeys(ids))
        missing = [
            i
            for i in unique
            if i not in self.fleet.instances or not self.visible(self.fleet.instances[i])
        ]
        if len(missing) == 1:
            raise AWSError(
                errors.INVALID_INSTANCE_ID_NOT_FOUND,
                f"The instance ID '{missing[0]}' does not exist",
            )
        if missing:
            raise AWSError(
                errors.INVALID_INSTANCE_ID_NOT_FOUND,
                f"The instance IDs '{', '.join(missing)}' do not exist",
            )
        return [self.fleet.instances[i] for i in unique]

    def visible_instances(self) -> list[Instance]:
        return [i for i in self.fleet.instances.values() if self.visible(i)]

    @contextmanager
    def auto_placement_only_in(self, zones: set[str]) -> Iterator[None]:
        """Untargeted host placement stays within ``zones``.

        The Fleet has no Availability Zones; an instance can't land on, or restart on, a
        host in another zone (its EBS volume is zonal). For the duration of one request,
        under the account lock, hosts elsewhere stop accepting untargeted launches.
        """
        off = [
            h
            for h in self.fleet.hosts.values()
            if h.auto_placement == "on"
            and not h.released
            and self.host_meta_of(h.host_id).availability_zone not in zones
        ]
        for h in off:
            h.auto_placement = "off"
        try:
            yield
        finally:
            for h in off:
                h.auto_placement = "on"

    # ------------------------------------------------------------------ request helpers
    def tags(
        self,
        specs: Sequence[Mapping[str, Any]] | None,
        resource_type: str,
        ignored: Iterable[str] = (),
    ) -> dict[str, str]:
        """Tags for ``resource_type`` from TagSpecifications; other simulated-away types
        (volumes...) are accepted and ignored, anything else is refused."""
        out: dict[str, str] = {}
        ignore = set(ignored)
        for spec in specs or ():
            kind = spec.get("ResourceType")
            if kind in ignore:
                continue
            if kind != resource_type:
                raise AWSError(
                    errors.INVALID_PARAMETER_VALUE,
                    f"'{kind}' is not a valid taggable resource type for this operation "
                    f"(expected '{resource_type}').",
                )
            for tag in spec.get("Tags") or ():
                out[tag["Key"]] = tag.get("Value", "")
        return out

    def replay(self, operation: str, params: Mapping[str, Any]) -> Any:
        """The earlier result of a request with the same ClientToken, if any."""
        token = params.get("ClientToken")
        if token is None:
            return None
        seen = self._tokens.get((operation, token))
        if seen is None:
            return None
        fingerprint, result = seen
        if fingerprint != _fingerprint(params):
            raise AWSError(
                errors.IDEMPOTENT_PARAMETER_MISMATCH,
                f"Arguments on this idempotent request are inconsistent with arguments used "
                f"in previous request(s) with client token '{token}'.",
            )
        return result

    def remember(self, operation: str, params: Mapping[str, Any], result: Any) -> None:
        token = params.get("ClientToken")
        if token is not None:
            self._tokens[(operation, token)] = (_fingerprint(params), result)


def _fingerprint(params: Mapping[str, Any]) -> str:
    rest = {k: v for k, v in params.items() if k not in ("ClientToken", "DryRun")}
    return json.dumps(rest, sort_keys=True, default=str)


Ec2Service.operations = OPERATIONS  # the table every Ec2Service answers with
