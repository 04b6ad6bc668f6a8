"""A container instance: an EC2 instance registered to a cluster by its ECS agent. Pure.

Registered resources are what the agent reports (ECS developer guide; agent README):
CPU = vCPUs x 1024; MEMORY = ``registered_memory_mib``: what the OS reports
(``os_memory_mib``: MemTotal, below the nominal size) less ``reserved_memory_mib``
(ECS_RESERVED_MEMORY, default 0), the same figure for scenarios, the boto3 facade and the
sizing arithmetic; PORTS = the agent's reserved TCP ports (ECS_RESERVED_PORTS); PORTS_UDP
likewise.
Without ENI trunking an instance attaches at most max ENIs - 1 awsvpc tasks (the primary
network interface counts as one: api_failures_messages.md).

Status follows a transition table (data); allocate/release keep remaining <= registered.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType

from simulator.catalog.catalog import InstanceType
from simulator.core.errors import AWSError, EcsimError
from simulator.ecs import codes
from simulator.ecs.facts import default_int, default_ports, eni_limit
from simulator.ecs.task_definition import TaskRequirements

# The ecs.ami-id attribute of an instance whose AMI the caller does not know.
DEFAULT_AMI_ID = "ami-ecsoptimized"

OS_MEMORY_BYTES_M4_LARGE = 8_373_026_816
"""``free -b`` total on an m4.large (8 GiB) running the ECS-optimized Amazon Linux AMI: "This
instance has 8373026816 bytes of total memory, which translates to 7985 MiB available for
tasks" (ECS developer guide, memory-management.html; AWS Batch guide, same figures)."""
OS_MEMORY_FRACTION = OS_MEMORY_BYTES_M4_LARGE / (8 * 1024**3)
"""The share of the nominal memory the OS reports (0.9747...). AWS documents one instance's
figure; ecsim applies its share to every type (kernel and platform overhead grow with the
memory size: struct page alone is 64 bytes per 4 KiB page), a documented assumption."""


def os_memory_mib(instance_type: InstanceType) -> int:
    """What the ECS agent reads as total memory (Docker ``ReadMemInfo``): the nominal MiB
    times ``OS_MEMORY_FRACTION``, rounded down (m4.large and m5.large: 7985 MiB)."""
    return int(instance_type.memory_mib * OS_MEMORY_FRACTION)


def registered_memory_mib(instance_type: InstanceType, reserved_memory_mib: int = 0) -> int:
    """The MEMORY the agent registers: what the OS reports less ECS_RESERVED_MEMORY (may be
    <= 0 when the reserve does not fit; ContainerInstance refuses that)."""
    return os_memory_mib(instance_type) - reserved_memory_mib


class ContainerInstanceStatus(StrEnum):
    """ContainerInstance.status (botocore doc lists INACTIVE too, the enum does not)."""

    REGISTERING = "REGISTERING"
    REGISTRATION_FAILED = "REGISTRATION_FAILED"
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"
    DEREGISTERING = "DEREGISTERING"
    DRAINING = "DRAINING"


class InstanceAction(StrEnum):
    """What happens to a container instance: API calls and the agent's timed completions."""

    REGISTERED = "registered"  # trunk ENI provisioned (awsvpcTrunking): REGISTERING -> ACTIVE
    REGISTRATION_FAILED = "registration-failed"
    DRAIN = "drain"  # UpdateContainerInstancesState status=DRAINING
    ACTIVATE = "activate"  # UpdateContainerInstancesState status=ACTIVE
    DEREGISTER = "deregister"  # DeregisterContainerInstance, or the EC2 instance terminated
    DEREGISTERED = "deregistered"  # trunk ENI released: DEREGISTERING -> INACTIVE


S, A = ContainerInstanceStatus, InstanceAction

TRANSITIONS: Mapping[tuple[ContainerInstanceStatus, InstanceAction], ContainerInstanceStatus] = (
    MappingProxyType(
        {
            (S.REGISTERING, A.REGISTERED): S.ACTIVE,
            (S.REGISTERING, A.REGISTRATION_FAILED): S.REGISTRATION_FAILED,
            (S.REGISTERING, A.DEREGISTER): S.DEREGISTERING,
            (S.REGISTRATION_FAILED, A.DEREGISTER): S.DEREGISTERING,
            (S.ACTIVE, A.DRAIN): S.DRAINING,
            (S.ACTIVE, A.ACTIVATE): S.ACTIVE,  # no-op
            (S.ACTIVE, A.DEREGISTER): S.DEREGISTERING,
            (S.DRAINING, A.ACTIVATE): S.ACTIVE,
            (S.DRAINING, A.DRAIN): S.DRAINING,  # no-op
            (S.DRAINING, A.DEREGISTER): S.DEREGISTERING,
            (S.DEREGISTERING, A.DEREGISTERED): S.INACTIVE,
        }
    )
)
"""(status, action) -> next status, from the ContainerInstance.status doc (botocore): with
awsvpcTrunking a new instance is REGISTERING while its trunk ENI is provisioned, then ACTIVE
or REGISTRATION_FAILED; a terminated instance is DEREGISTERING while the trunk is released,
then INACTIVE. Without trunking the timed layer applies the two steps back to back. DRAINING
<-> ACTIVE is UpdateContainerInstancesState."""

del S, A

PLACEABLE = frozenset({ContainerInstanceStatus.ACTIVE})
"""Only ACTIVE instances take new tasks (DRAINING: "new tasks aren't placed")."""


class InsufficientResources(EcsimError):
    """allocate() was asked for more than remains; ``reason`` is RunTask's failure reason."""

    def __init__(self, reason: str, message: str):
        self.reason = reason
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Allocation:
    """A task's hold on an instance, kept so release() gives back exactly what it took."""

    task_id: str
    requirements: TaskRequirements
    group: str | None
    pending: bool


class ContainerInstance:
    """One registered EC2 instance: resources, attributes, status and task counts.

    ``registered_at`` is POSIX seconds (the query language's registeredAt compares dates);
    the DES layer passes its start epoch plus simulated time.
    """

    __slots__ = (
        "ec2_instance_id",
        "container_instance_id",
        "arn",
        "cluster",
        "instance_type",
        "status",
        "agent_connected",
        "agent_version",
        "registered_at",
        "registered_cpu",
        "registered_memory",
        "registered_ports",
        "registered_ports_udp",
        "registered_enis",
        "remaining_cpu",
        "remaining_memory",
        "remaining_enis",
        "used_ports",
        "used_ports_udp",
        "attributes",
        "group_counts",
        "running_tasks_count",
        "pending_tasks_count",
        "allocations",
    )

    def __init__(
        self,
        ec2_instance_id: str,
        instance_type: InstanceType,
        *,
        availability_zone: str,
        cluster: str = "default",
        region: str = "us-east-1",
        account_id: str = "123456789012",
        reserved_memory_mib: int | None = None,
        reserved_ports: tuple[int, ...] | None = None,
        reserved_ports_udp: tuple[int, ...] | None = None,
        eni_task_limit: int | None = None,
        ami_id: str = DEFAULT_AMI_ID,
        attributes: Mapping[str, str | None] | None = None,
        status: ContainerInstanceStatus = ContainerInstanceStatus.ACTIVE,
        registered_at: float = 0.0,
        agent_version: str = "1.82.0",
        container_instance_id: str | None = None,
    ):
        reserve = (
            default_int("ECS_RESERVED_MEMORY")
            if reserved_memory_mib is None
            else reserved_memory_mib
        )
        if reserve < 0 or registered_memory_mib(instance_type, reserve) <= 0:
            raise EcsimError(
                f"reserved memory {reserve} MiB does not fit {instance_type.name} "
                f"({os_memory_mib(instance_type)} MiB the OS reports)"
            )
        self.ec2_instance_id = ec2_instance_id
        # deterministic 32-hex id, the shape of new-format container instance IDs
        self.container_instance_id = (
            container_instance_id
            or uuid.uuid5(uuid.NAMESPACE_URL, f"{cluster}/{ec2_instance_id}").hex
        )
        self.cluster = cluster
        self.arn = (
            f"arn:aws:ecs:{region}:{account_id}:container-instance/"
            f"{cluster}/{self.container_instance_id}"
        )
        self.instance_type = instance_type
        self.status = status
        self.agent_connected = True
        self.agent_version = agent_version
        self.registered_at = registered_at
        self.registered_cpu = instance_type.vcpu * 1024
        self.registered_memory = registered_memory_mib(instance_type, reserve)
        self.registered_ports = frozenset(
            default_ports("ECS_RESERVED_PORTS") if reserved_ports is None else reserved_ports
        )
        self.registered_ports_udp = frozenset(
            default_ports("ECS_RESERVED_PORTS_UDP")
            if reserved_ports_udp is None
            else reserved_ports_udp
        )
        if eni_task_limit is None:
            eni_task_limit = eni_limit(instance_type.name).awsvpc_task_limit
            if eni_task_limit is None:
                raise EcsimError(
                    f"the ENI limit of {instance_type.name} is unknown: pass eni_task_limit"
                )
        self.registered_enis = eni_task_limit
        self.remaining_cpu = self.registered_cpu
        self.remaining_memory = self.registered_memory
        self.remaining_enis = self.registered_enis
        self.used_ports: set[int] = set()
        self.used_ports_udp: set[int] = set()
        self.attributes: dict[str, str | None] = {
            "ecs.instance-type": instance_type.name,
            "ecs.availability-zone": availability_zone,
            "ecs.cpu-architecture": instance_type.arch,
            "ecs.os-type": "linux",
            "ecs.os-family": "LINUX",
            "ecs.ami-id": ami_id,
        }
        self.attributes.update(attributes or {})
        self.group_counts: dict[str, int] = {}
        self.running_tasks_count = 0
        self.pending_tasks_count = 0
        self.allocations: dict[str, Allocation] = {}

    # --- identity and attributes -----------------------------------------------------------
    @property
    def availability_zone(self) -> str:
        return self.attributes["ecs.availability-zone"] or ""

    @property
    def arch(self) -> str:
        return self.attributes["ecs.cpu-architecture"] or ""

    def put_attribute(self, name: str, value: str | None = None) -> None:
        """PutAttributes on this instance (a custom attribute, or a value change)."""
        self.attributes[name] = value

    def delete_attribute(self, name: str) -> None:
        self.attributes.pop(name, None)

    def __repr__(self) -> str:
        return (
            f"ContainerInstance({self.ec2_instance_id}, {self.instance_type.name}, "
            f"{self.availability_zone}, {self.status.value})"
        )

    # --- status ----------------------------------------------------------------------------
    def apply(self, action: InstanceAction) -> ContainerInstanceStatus:
        """Move along the transition table; an action not in it is refused."""
        nxt = TRANSITIONS.get((self.status, action))
        if nxt is None:
            allowed = sorted({s.value for (s, a) in TRANSITIONS if a is action})
            raise AWSError(
                codes.INVALID_PARAMETER,
                f"container instance {self.container_instance_id} is {self.status.value}: "
                f"{action.value} is accepted only from {', '.join(allowed)} (ecsim wording)",
            )
        self.status = nxt
        return nxt

    @property
    def placeable(self) -> bool:
        return self.status in PLACEABLE

    # --- resources ---------------------------------------------------------------------------
    @property
    def remaining_ports(self) -> frozenset[int]:
        """Ports taken: the agent's reserved ports plus those of running tasks."""
        return self.registered_ports | self.used_ports

    def shortfall(self, req: TaskRequirements) -> str | None:
        """The RunTask failure reason if ``req`` does not fit now, else None."""
        if req.cpu > self.remaining_cpu:
            return codes.RESOURCE_CPU
        if req.memory > self.remaining_memory:
            return codes.RESOURCE_MEMORY
        taken = self.registered_ports | self.used_ports
        if any(p in taken for p in req.ports):
            return codes.RESOURCE_PORTS
        taken_udp = self.registered_ports_udp | self.used_ports_udp
        if any(p in taken_udp for p in req.ports_udp):
            return codes.RESOURCE_PORTS_UDP
        if req.eni > self.remaining_enis:
            return codes.RESOURCE_ENI
        return None

    def allocate(
        self,
        task_id: str,
        req: TaskRequirements,
        group: str | None = None,
        *,
        pending: bool = False,
    ) -> Allocation:
        """Take a task's resources; refuses (InsufficientResources) rather than overcommit."""
        if task_id in self.allocations:
            raise EcsimError(
                f"task {task_id} already holds resources on {self.container_instance_id}"
            )
        reason = self.shortfall(req)
        if reason is not None:
            raise InsufficientResources(
                reason, f"{reason}: task {task_id} does not fit container instance {self}"
            )
        self.remaining_cpu -= req.cpu
        self.remaining_memory -= req.memory
        self.remaining_enis -= req.eni
        self.used_ports.update(req.ports)
        self.used_ports_udp.update(req.ports_udp)
        if group is not None:
            self.group_counts[group] = self.group_counts.get(group, 0) + 1
        if pending:
            self.pending_tasks_count += 1
        else:
            self.running_tasks_count += 1
        alloc = Allocation(task_id, req, group, pending)
        self.allocations[task_id] = alloc
        return alloc

    def mark_running(self, task_id: str) -> None:
        """A PENDING task reached RUNNING: it moves from pendingTasksCount to running."""
        alloc = self.allocations[task_id]
        if alloc.pending:
            self.pending_tasks_count -= 1
            self.running_tasks_count += 1
            self.allocations[task_id] = Allocation(task_id, alloc.requirements, alloc.group, False)

    def release(self, task_id: str) -> Allocation:
        """Give back exactly what ``task_id`` took (a task stopped)."""
        alloc = self.allocations.pop(task_id, None)
        if alloc is None:
            raise EcsimError(f"task {task_id} holds nothing on {self.container_instance_id}")
        req = alloc.requirements
        self.remaining_cpu += req.cpu
        self.remaining_memory += req.memory
        self.remaining_enis += req.eni
        self.used_ports.difference_update(req.ports)
        self.used_ports_udp.difference_update(req.ports_udp)
        if alloc.group is not None:
            left = self.group_counts[alloc.group] - 1
            if left:
                self.group_counts[alloc.group] = left
            else:
                del self.group_counts[alloc.group]
        if alloc.pending:
            self.pending_tasks_count -= 1
        else:
            self.running_tasks_count -= 1
        return alloc

    # --- API shape ----------------------------------------------------------------------------
    def _resources(self, remaining: bool) -> list[dict]:
        cpu = self.remaining_cpu if remaining else self.registered_cpu
        mem = self.remaining_memory if remaining else self.registered_memory
        tcp = self.registered_ports | (self.used_ports if remaining else set())
        udp = self.registered_ports_udp | (self.used_ports_udp if remaining else set())

        def integer(name: str, value: int) -> dict:
            return {
                "name": name,
                "type": "INTEGER",
                "doubleValue": 0.0,
                "longValue": 0,
                "integerValue": value,
            }

        def stringset(name: str, ports: set[int] | frozenset[int]) -> dict:
            return {
                "name": name,
                "type": "STRINGSET",
                "doubleValue": 0.0,
                "longValue": 0,
                "integerValue": 0,
                "stringSetValue": [str(p) for p in sorted(ports)],
            }

        return [
            integer("CPU", cpu),
            integer("MEMORY", mem),
            stringset("PORTS", tcp),
            stringset("PORTS_UDP", udp),
        ]

    def to_api(self) -> dict:
        """DescribeContainerInstances' ``containerInstances[]`` (botocore shape).

        remainingResources PORTS lists the ports in use, as the API does (reserved + bound).
        """
        return {
            "containerInstanceArn": self.arn,
            "ec2InstanceId": self.ec2_instance_id,
            "version": 1,
            "versionInfo": {"agentVersion": self.agent_version},
            "remainingResources": self._resources(remaining=True),
            "registeredResources": self._resources(remaining=False),
            "status": self.status.value,
            "agentConnected": self.agent_connected,
            "runningTasksCount": self.running_tasks_count,
            "pendingTasksCount": self.pending_tasks_count,
            "attributes": [
                {"name": k} if v is None else {"name": k, "value": v}
                for k, v in self.attributes.items()
            ],
            "registeredAt": datetime.fromtimestamp(self.registered_at, UTC),
            "attachments": [],
            "tags": [],
        }
