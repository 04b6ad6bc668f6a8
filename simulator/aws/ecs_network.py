"""awsvpc networking of ECS tasks: networkConfiguration checked against the account's VPC
model, one ENI per task in one of the given subnets, the task's zone following it.

RunTask and CreateService take ``networkConfiguration.awsvpcConfiguration`` (subnets,
securityGroups, assignPublicIp). Unknown subnets or security groups are
InvalidParameterException with ECS's texts (live answers: "Error retrieving subnet
information for [x]: The subnet ID 'x' does not exist (ErrorCode: InvalidSubnetID.NotFound)",
eddmann/serverless-fargate#20; the security-group text is its counterpart, assumed).

On EC2 capacity a task is placed only on container instances in the zones of its subnets
(a ``memberOf(attribute:ecs.availability-zone in [...])`` constraint the service does not
report), so the default AZ spread runs over those zones; its ENI is in the first given
subnet of its instance's zone. Fargate tasks take the zone of the given subnets with the
fewest tasks of their group (ties: the order given). The ENI is created when the task
starts (its lowest free address, ``ec2_vpc.VpcModel.add_eni``) and deleted once the task
STOPPED; DescribeTasks reports it as the task's ElasticNetworkInterface attachment and
DescribeNetworkInterfaces as a requester-managed interface (``ec2_network_interfaces``)
attached to the task's container instance (none on Fargate).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simulator.aws.ec2_vpc import NetworkInterface, VpcModel
from simulator.core.errors import AWSError
from simulator.ecs import codes
from simulator.ecs.constraints import AZ_ATTRIBUTE, MEMBER_OF, PlacementConstraint
from simulator.ecs.task import Task, TaskState
from simulator.ecs.task_definition import NetworkMode, TaskDefinition

if TYPE_CHECKING:
    from simulator.ecs.control import EcsControlPlane

MAX_SUBNETS = 16
MAX_SECURITY_GROUPS = 5
"""AwsVpcConfiguration: 'up to 16 subnets', 'up to 5 security groups' (API reference)."""
SUBNETS_EMPTY = "subnets can not be empty."  # wording assumed (no public source found)
PUBLIC_IP_ON_EC2 = "Assign public IP is not supported for this launch type."
SUBNET_MISSING = (
    "Error retrieving subnet information for [{ids}]: The subnet ID '{first}' does not exist "
    "(ErrorCode: InvalidSubnetID.NotFound)"
)
GROUP_MISSING = (
    "Error retrieving security group information for [{ids}]: The security group '{first}' "
    "does not exist (ErrorCode: InvalidGroup.NotFound)"
)
ATTACHED_FROM = {
    TaskState.PROVISIONING: "ATTACHING",
    TaskState.DEPROVISIONING: "DETACHING",
    TaskState.STOPPED: "DELETED",
}
"""Attachment status by task state (ATTACHED otherwise; botocore Attachment.status doc)."""


def _invalid(message: str) -> AWSError:
    return AWSError(codes.INVALID_PARAMETER, message)


@dataclass(frozen=True)
class AwsvpcConfig:
    """A request's awsvpcConfiguration, checked; ``zones`` of its subnets, in order."""

    subnets: tuple[str, ...]
    security_groups: tuple[str, ...]
    assign_public_ip: str
    zones: tuple[str, ...]

    def to_api(self) -> dict[str, Any]:
        return {
            "awsvpcConfiguration": {
                "subnets": list(self.subnets),
                "securityGroups": list(self.security_groups),
                "assignPublicIp": self.assign_public_ip,
            }
        }

    def zone_constraint(self) -> PlacementConstraint:
        """Only container instances in the subnets' zones take the task."""
        return PlacementConstraint(MEMBER_OF, f"{AZ_ATTRIBUTE} in [{', '.join(self.zones)}]")


def parse(
    vpc: VpcModel, td: TaskDefinition, p: Mapping[str, Any], *, fargate: bool
) -> AwsvpcConfig | None:
    """The checked awsvpcConfiguration of an awsvpc task definition's request (None for
    other network modes; ecs_tasks.check_network has refused a missing or extra one)."""
    if td.spec.network_mode is not NetworkMode.AWSVPC:
        return None
    doc = (p.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
    subnets = list(dict.fromkeys(doc.get("subnets") or ()))
    if not subnets:
        raise _invalid(SUBNETS_EMPTY)
    if len(subnets) > MAX_SUBNETS:
        raise _invalid(f"subnets can have at most {MAX_SUBNETS} items (ecsim wording).")
    missing = [s for s in subnets if s not in vpc.subnets]
    if missing:
        raise _invalid(SUBNET_MISSING.format(ids=", ".join(missing), first=missing[0]))
    vpcs = {vpc.subnets[s].vpc_id for s in subnets}
    if len(vpcs) > 1:
        raise _invalid("The subnets must all be in the same VPC (ecsim wording).")
    groups = list(dict.fromkeys(doc.get("securityGroups") or ()))
    if len(groups) > MAX_SECURITY_GROUPS:
        raise _invalid(
            f"securityGroups can have at most {MAX_SECURITY_GROUPS} items (ecsim wording)."
        )
    missing = [g for g in groups if g not in vpc.groups]
    if missing:
        raise _invalid(GROUP_MISSING.format(ids=", ".join(missing), first=missing[0]))
    (vpc_id,) = vpcs
    foreign = [g for g in groups if vpc.groups[g].vpc_id != vpc_id]
    if foreign:
        raise _invalid(
            f"Security group {foreign[0]} is not in the VPC {vpc_id} of the subnets "
            "(ecsim wording)."
        )
    if not groups:  # "the default security group for the VPC" (API reference)
        groups = [g.group_id for g in vpc.groups.values() if g.vpc_id == vpc_id][:1]
    public = doc.get("assignPublicIp", "DISABLED")
    if public == "ENABLED" and not fargate:
        raise _invalid(PUBLIC_IP_ON_EC2)
    zones = tuple(dict.fromkeys(vpc.subnets[s].availability_zone for s in subnets))
    return AwsvpcConfig(tuple(subnets), tuple(groups), public, zones)


@dataclass
class TaskEni:
    """A task's network interface (kept after it is deleted, for DescribeTasks)."""

    attachment_id: str
    eni: NetworkInterface
    zone: str
    group: str


class TaskNetworks:
    """Which configuration each awsvpc task starts with, and its ENI: a task listener of
    the ECS control plane (``started``: attach; ``stopped``: delete the interface)."""

    def __init__(self, ecs: EcsControlPlane, vpc: VpcModel):
        self.ecs = ecs
        self.vpc = vpc
        self.services: dict[tuple[str, str], AwsvpcConfig] = {}
        """(cluster, service) -> the configuration its new tasks take."""
        self.pending: AwsvpcConfig | None = None
        """The RunTask/StartTask configuration while that call starts its tasks."""
        self.tasks: dict[str, TaskEni] = {}
        self._in_zone: dict[str, dict[str, int]] = {}  # group -> zone -> tasks with an ENI
        ecs.task_listeners.append(self.on_task)

    def config_of(self, task: Task) -> AwsvpcConfig | None:
        if self.pending is not None and not task.group.startswith("service:"):
            return self.pending
        cluster = task.task_arn.split("/")[-2]
        return self.services.get((cluster, task.group[len("service:") :]))

    def on_task(self, what: str, task: Task, before: TaskState | None) -> None:
        if what == "started" and task.task_id not in self.tasks:
            config = self.config_of(task)
            if config is not None:
                self._attach(task, config)
        elif what == "stopped" and task.task_id in self.tasks:
            found = self.tasks[task.task_id]
            if found.eni.eni_id in self.vpc.enis:  # a task's ENI goes only here
                self._in_zone[found.group][found.zone] -= 1
            self.vpc.delete_eni(found.eni.eni_id)

    def _attach(self, task: Task, config: AwsvpcConfig) -> None:
        zone = self._zone(task, config)
        subnet = next(
            (s for s in config.subnets if self.vpc.subnets[s].availability_zone == zone),
            config.subnets[0],
        )
        attachment = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{task.task_arn}/eni"))
        _, _, _, region, account, _ = task.task_arn.split(":", 5)
        description = f"arn:aws:ecs:{region}:{account}:attachment/{attachment}"
        eni = self.vpc.add_eni(
            subnet,
            description,
            config.security_groups,
            created_at=self.ecs.world.now,
            instance_id=self._instance_of(task),
            requester_managed=True,
        )
        self.tasks[task.task_id] = TaskEni(attachment, eni, zone, task.group)
        counts = self._in_zone.setdefault(task.group, {})
        counts[zone] = counts.get(zone, 0) + 1

    def _instance_of(self, task: Task) -> str | None:
        """The EC2 instance the task's ENI attaches to (None on Fargate)."""
        if task.container_instance is None:
            return None
        cluster = self.ecs.clusters[task.task_arn.split("/")[-2]]
        ci = cluster.container_instances.get(task.container_instance)
        return ci.ec2_instance_id if ci is not None else None

    def _zone(self, task: Task, config: AwsvpcConfig) -> str:
        if task.container_instance is not None:
            cluster = self.ecs.clusters[task.task_arn.split("/")[-2]]
            ci = cluster.container_instances.get(task.container_instance)
            if ci is not None:
                return ci.availability_zone
        live = self._in_zone.get(task.group, {})  # the group's tasks whose ENI exists
        return min(config.zones, key=lambda z: (live.get(z, 0), config.zones.index(z)))

    def zone_of(self, task: Task) -> str | None:
        found = self.tasks.get(task.task_id)
        return found.zone if found is not None else None

    def attachments(self, task: Task) -> list[dict[str, Any]]:
        """DescribeTasks' ``attachments`` of ``task``: its ENI, or nothing."""
        found = self.tasks.get(task.task_id)
        if found is None:
            return []
        eni = found.eni
        region = task.task_arn.split(":")[3]
        domain = "ec2.internal" if region == "us-east-1" else f"{region}.compute.internal"
        details = [
            ("subnetId", eni.subnet_id),
            ("networkInterfaceId", eni.eni_id),
            ("macAddress", eni.mac),
            ("privateDnsName", f"ip-{eni.private_ip.replace('.', '-')}.{domain}"),
            ("privateIPv4Address", eni.private_ip),
        ]
        return [
            {
                "id": found.attachment_id,
                "type": "ElasticNetworkInterface",
                "status": ATTACHED_FROM.get(task.last_status, "ATTACHED"),
                "details": [{"name": n, "value": v} for n, v in details if v],
            }
        ]
