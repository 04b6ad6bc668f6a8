"""Task definitions as ``aws ecs register-task-definition --cli-input-json`` takes them.

``parse_task_definition(doc)`` validates a request as ECS does and returns a
TaskDefinitionSpec; ``TaskDefinitionRegistry`` numbers revisions per family and answers
describe/deregister; ``spec.requirements()`` is what placement needs: CPU units, memory MiB,
host ports, ENIs and CPU architecture. Errors are AWSError with ECS's codes and texts
(see simulator.ecs.codes for each text's source).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType
from typing import Any, TypeVar

from simulator.core.errors import AWSError, EcsimError
from simulator.ecs import codes
from simulator.ecs.constraints import MEMBER_OF, PlacementConstraint, constraints_from_api
from simulator.ecs.facts import default_int, fargate_size_valid


class NetworkMode(StrEnum):
    BRIDGE = "bridge"
    HOST = "host"
    AWSVPC = "awsvpc"
    NONE = "none"


class Compatibility(StrEnum):
    EC2 = "EC2"
    FARGATE = "FARGATE"
    EXTERNAL = "EXTERNAL"
    MANAGED_INSTANCES = "MANAGED_INSTANCES"


class CpuArchitecture(StrEnum):
    X86_64 = "X86_64"
    ARM64 = "ARM64"

    @property
    def attribute_value(self) -> str:
        """The container instance attribute ecs.cpu-architecture that matches it."""
        return {"X86_64": "x86_64", "ARM64": "arm64"}[self.value]


class TaskDefinitionInputError(EcsimError, ValueError):
    """The request does not fit the API's input shape (botocore would refuse to send it)."""


def _client(message: str) -> AWSError:
    return AWSError(codes.CLIENT_EXCEPTION, message)


# --- cpu and memory strings ------------------------------------------------------------------

_NUMBER = r"(\d+(?:\.\d+)?|\.\d+)"
_CPU = re.compile(rf"^\s*{_NUMBER}\s*(vcpu)?\s*$", re.IGNORECASE)
_MEMORY = re.compile(rf"^\s*{_NUMBER}\s*(gb)?\s*$", re.IGNORECASE)


def _units(value: object, pattern: re.Pattern[str], scale: int) -> int | None:
    """An integer of units from 1024 / "1024" / "1 vCPU" / "2 GB"; None if unreadable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    m = pattern.match(value) if isinstance(value, str) else None
    if not m:
        return None
    number, unit = float(m.group(1)), m.group(2)
    units = number * scale if unit else number
    return int(units) if units == int(units) else None


def parse_task_cpu(value: object) -> int:
    """Task cpu as ECS accepts it ("1024", "1 vCPU", "0.25 vcpu") -> CPU units."""
    units = _units(value, _CPU, 1024)
    if units is None or units <= 0:
        raise _client(codes.INVALID_TASK_CPU)
    return units


def parse_task_memory(value: object) -> int:
    """Task memory as ECS accepts it ("2048", "2GB", "2 GB") -> MiB."""
    units = _units(value, _MEMORY, 1024)
    if units is None or units <= 0:
        raise _client(codes.INVALID_TASK_MEMORY)
    return units


# --- the input shape (botocore's model) --------------------------------------------------------


@lru_cache(maxsize=1)
def _members() -> Mapping[str, tuple[str, ...]]:
    import botocore.loaders  # deferred: loading the model costs ~50 ms once

    shapes = botocore.loaders.Loader().load_service_model("ecs", "service-2")["shapes"]
    return MappingProxyType(
        {
            name: tuple(shapes[name]["members"])
            for name in ("RegisterTaskDefinitionRequest", "ContainerDefinition", "PortMapping")
        }
    )


def _check_keys(doc: Mapping, shape: str, where: str) -> None:
    allowed = _members()[shape]
    for key in doc:
        if key not in allowed:
            raise TaskDefinitionInputError(
                f'Unknown parameter in {where}: "{key}", must be one of: {", ".join(allowed)}'
            )


# --- parsed task definition ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PortMapping:
    container_port: int
    host_port: int | None  # None or 0: dynamic (bridge) / same as containerPort (host, awsvpc)
    protocol: str  # "tcp" | "udp"; ECS treats any other value as tcp

    def to_api(self, network_mode: NetworkMode) -> dict:
        if network_mode in (NetworkMode.AWSVPC, NetworkMode.HOST):
            host = self.container_port
        else:
            host = self.host_port or 0
        return {"containerPort": self.container_port, "hostPort": host, "protocol": self.protocol}


@dataclass(frozen=True, slots=True)
class ContainerDefinition:
    name: str
    image: str
    cpu: int = 0
    memory: int | None = None
    memory_reservation: int | None = None
    essential: bool = True
    port_mappings: tuple[PortMapping, ...] = ()
    environment: tuple[tuple[str, str], ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def reserved_memory(self) -> int:
        """What the container takes from an instance: memoryReservation, else memory."""
        if self.memory_reservation is not None:
            return self.memory_reservation
        return self.memory or 0

    def to_api(self, network_mode: NetworkMode) -> dict:
        out: dict[str, Any] = dict(self.extra)
        out.update(name=self.name, image=self.image, cpu=self.cpu)
        if self.memory is not None:
            out["memory"] = self.memory
        if self.memory_reservation is not None:
            out["memoryReservation"] = self.memory_reservation
        out["portMappings"] = [p.to_api(network_mode) for p in self.port_mappings]
        out["essential"] = self.essential
        out["environment"] = [{"name": k, "value": v} for k, v in self.environment]
        return out


@dataclass(frozen=True, slots=True)
class TaskRequirements:
    """What one task needs from a container instance, and where it may run.

    ``arch`` is the ecs.cpu-architecture value required ("x86_64" | "arm64"), None for no
    constraint. ``ports``/``ports_udp`` are fixed host ports; ``eni`` is 1 in awsvpc mode.
    ``constraints`` are the task definition's memberOf constraints.
    """

    cpu: int
    memory: int
    ports: tuple[int, ...] = ()
    ports_udp: tuple[int, ...] = ()
    eni: int = 0
    arch: str | None = None
    network_mode: NetworkMode = NetworkMode.BRIDGE
    constraints: tuple[PlacementConstraint, ...] = ()


@dataclass(frozen=True, slots=True)
class TaskDefinitionSpec:
    """A validated RegisterTaskDefinition request (no revision yet)."""

    family: str
    container_definitions: tuple[ContainerDefinition, ...]
    network_mode: NetworkMode = NetworkMode.BRIDGE
    cpu: int | None = None  # task-level CPU units
    memory: int | None = None  # task-level MiB
    requires_compatibilities: tuple[Compatibility, ...] = ()
    cpu_architecture: CpuArchitecture | None = None
    operating_system_family: str | None = None
    placement_constraints: tuple[PlacementConstraint, ...] = ()
    task_role_arn: str | None = None
    execution_role_arn: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def fargate_compatible(self) -> bool:
        """Would this definition validate for Fargate (awsvpc and a valid task size)?"""
        return (
            self.network_mode is NetworkMode.AWSVPC
            and self.cpu is not None
            and self.memory is not None
            and fargate_size_valid(self.cpu, self.memory)
        )

    @property
    def compatibilities(self) -> tuple[str, ...]:
        """The API's computed ``compatibilities``: EC2, plus FARGATE when it would validate."""
        return ("EC2", "FARGATE") if self.fargate_compatible else ("EC2",)

    def requirements(self, default_architecture: str | None = None) -> TaskRequirements:
        """CPU, memory, ports, ENI and architecture one task of this definition needs.

        Memory: task-level memory, else the sum per container of memoryReservation (or
        memory when no reservation). CPU: task-level cpu, else the sum of container cpu.
        Architecture: runtimePlatform.cpuArchitecture; without it the EC2 scheduler has no
        architecture to match (the image decides at run time), so ``default_architecture``
        (None) applies; Fargate's documented default is X86_64.
        """
        cpu = self.cpu if self.cpu is not None else sum(c.cpu for c in self.container_definitions)
        if self.memory is not None:
            memory = self.memory
        else:
            memory = sum(c.reserved_memory for c in self.container_definitions)
        tcp, udp = self.host_ports()
        if self.cpu_architecture is not None:
            arch: str | None = self.cpu_architecture.attribute_value
        elif Compatibility.FARGATE in self.requires_compatibilities:
            arch = CpuArchitecture.X86_64.attribute_value
        else:
            arch = default_architecture
        return TaskRequirements(
            cpu=cpu,
            memory=memory,
            ports=tcp,
            ports_udp=udp,
            eni=1 if self.network_mode is NetworkMode.AWSVPC else 0,
            arch=arch,
            network_mode=self.network_mode,
            constraints=tuple(c for c in self.placement_constraints if c.type == MEMBER_OF),
        )

    def host_ports(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Fixed host ports (tcp, udp) a task reserves on its container instance.

        bridge: a non-zero hostPort (0/absent is a dynamic port, not reserved); host: the
        containerPort; awsvpc: none (ports are on the task's own ENI); none: none.
        """
        tcp: set[int] = set()
        udp: set[int] = set()
        if self.network_mode in (NetworkMode.AWSVPC, NetworkMode.NONE):
            return (), ()
        for c in self.container_definitions:
            for p in c.port_mappings:
                if self.network_mode is NetworkMode.HOST:
                    port = p.container_port
                else:
                    port = p.host_port or 0
                if port:
                    (udp if p.protocol == "udp" else tcp).add(port)
        return tuple(sorted(tcp)), tuple(sorted(udp))


# --- parsing and validation -------------------------------------------------------------------

_FAMILY = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
MODELLED_FIELDS = {  # RegisterTaskDefinition members the model reads
    "family",
    "containerDefinitions",
    "networkMode",
    "cpu",
    "memory",
    "requiresCompatibilities",
    "runtimePlatform",
    "placementConstraints",
    "taskRoleArn",
    "executionRoleArn",
}
_KNOWN_CONTAINER = {
    "name",
    "image",
    "cpu",
    "memory",
    "memoryReservation",
    "essential",
    "portMappings",
    "environment",
}


def _int_field(value: object, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TaskDefinitionInputError(f"Invalid type for parameter {where}, value: {value!r}")
    return value


def _parse_port(doc: Mapping, where: str) -> PortMapping:
    _check_keys(doc, "PortMapping", where)
    container_port = _int_field(doc.get("containerPort"), f"{where}.containerPort")
    host_port = _int_field(doc.get("hostPort"), f"{where}.hostPort")
    if container_port is None:
        raise TaskDefinitionInputError(f"{where}.containerPort is required (ecsim)")
    protocol = doc.get("protocol", "tcp")
    return PortMapping(container_port, host_port, "udp" if protocol == "udp" else "tcp")


def _parse_container(doc: Mapping, i: int) -> ContainerDefinition:
    where = f"containerDefinitions[{i}]"
    _check_keys(doc, "ContainerDefinition", where)
    for key in ("name", "image"):
        if not doc.get(key):
            raise _client(codes.CONTAINER_FIELD_EMPTY.format(field=key))
    ports = tuple(
        _parse_port(p, f"{where}.portMappings[{j}]")
        for j, p in enumerate(doc.get("portMappings") or ())
    )
    env = tuple(
        (str(e.get("name", "")), str(e.get("value", ""))) for e in doc.get("environment") or ()
    )
    _check_container_sizes(doc)
    return ContainerDefinition(
        name=str(doc["name"]),
        image=str(doc["image"]),
        cpu=_int_field(doc.get("cpu"), f"{where}.cpu") or 0,
        memory=_int_field(doc.get("memory"), f"{where}.memory"),
        memory_reservation=_int_field(doc.get("memoryReservation"), f"{where}.memoryReservation"),
        essential=bool(doc.get("essential", True)),
        port_mappings=ports,
        environment=env,
        extra=MappingProxyType({k: v for k, v in doc.items() if k not in _KNOWN_CONTAINER}),
    )


CONTAINER_MEMORY_MIN_MIB = 6
"""RegisterTaskDefinition memory doc: the Docker 20.10.0 or later daemon reserves a minimum
of 6 MiB of memory for a container."""


def _check_container_sizes(doc: Mapping) -> None:
    """A container's cpu is >= 0 and its memory limits >= 6 MiB (ecsim wording)."""
    name = doc.get("name")
    cpu = doc.get("cpu")
    if isinstance(cpu, int) and cpu < 0:
        raise _client(f"Invalid 'cpu' setting for container '{name}': expected >= 0, got {cpu}.")
    for key in ("memory", "memoryReservation"):
        value = doc.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value < 6:
            raise _client(
                f"Invalid '{key}' setting for container '{name}': the Docker daemon needs at "
                f"least {CONTAINER_MEMORY_MIN_MIB} MiB, got {value}."
            )


_E = TypeVar("_E", bound=StrEnum)


def _enum(kind: type[_E], value: object, message: str) -> _E:
    if not isinstance(value, str):  # every member's value is a string
        raise _client(message.format(value=value))
    try:
        return kind(value)
    except ValueError:
        raise _client(message.format(value=value)) from None


def parse_task_definition(doc: Mapping[str, Any]) -> TaskDefinitionSpec:
    """Validate a RegisterTaskDefinition request as ECS does; ClientException on refusal."""
    _check_keys(doc, "RegisterTaskDefinitionRequest", "input")
    family = doc.get("family")
    if not isinstance(family, str) or not _FAMILY.match(family):
        raise _client(codes.INVALID_FAMILY.format(family=family))
    raw_containers = doc.get("containerDefinitions") or ()
    if not raw_containers:
        raise _client(codes.CONTAINER_LIST_EMPTY)
    containers = tuple(_parse_container(c, i) for i, c in enumerate(raw_containers))
    mode = _enum(NetworkMode, doc.get("networkMode", "bridge"), codes.INVALID_NETWORK_MODE)
    compat = tuple(
        _enum(Compatibility, c, codes.INVALID_COMPATIBILITY)
        for c in doc.get("requiresCompatibilities") or ()
    )
    platform = doc.get("runtimePlatform") or {}
    arch = platform.get("cpuArchitecture")
    spec = TaskDefinitionSpec(
        family=family,
        container_definitions=containers,
        network_mode=NetworkMode(mode),
        cpu=parse_task_cpu(doc["cpu"]) if doc.get("cpu") is not None else None,
        memory=parse_task_memory(doc["memory"]) if doc.get("memory") is not None else None,
        requires_compatibilities=tuple(Compatibility(c) for c in compat),
        cpu_architecture=(
            CpuArchitecture(_enum(CpuArchitecture, arch, codes.INVALID_CPU_ARCHITECTURE))
            if arch is not None
            else None
        ),
        operating_system_family=platform.get("operatingSystemFamily"),
        placement_constraints=_task_definition_constraints(doc.get("placementConstraints")),
        task_role_arn=doc.get("taskRoleArn"),
        execution_role_arn=doc.get("executionRoleArn"),
        extra=MappingProxyType({k: v for k, v in doc.items() if k not in MODELLED_FIELDS}),
    )
    _validate(spec)
    return spec


def _task_definition_constraints(docs: object) -> tuple[PlacementConstraint, ...]:
    """Only memberOf is allowed in a task definition (distinctInstance is for RunTask and
    services: aws-samples/aws-cdk-examples#628)."""
    for d in docs or ():  # type: ignore[attr-defined]
        if d.get("type") != MEMBER_OF:
            raise _client(codes.CONSTRAINT_TYPE_NOT_SUPPORTED.format(type=d.get("type")))
    return constraints_from_api(docs)  # type: ignore[arg-type]


def _validate(spec: TaskDefinitionSpec) -> None:
    """ECS's refusals, Fargate's first (its rules are the strictest), then per container."""
    containers = spec.container_definitions
    if Compatibility.FARGATE in spec.requires_compatibilities:
        if spec.network_mode is not NetworkMode.AWSVPC:
            raise _client(codes.FARGATE_REQUIRES_AWSVPC)
        if spec.cpu is None:
            raise _client(codes.FARGATE_REQUIRES_TASK_CPU)
        if spec.memory is None:
            raise _client(codes.FARGATE_REQUIRES_TASK_MEMORY)
        if not fargate_size_valid(spec.cpu, spec.memory):
            raise _client(codes.NO_FARGATE_CONFIGURATION.format(cpu=spec.cpu, memory=spec.memory))
    if spec.cpu is not None and not (
        default_int("ec2_task_cpu_min") <= spec.cpu <= default_int("ec2_task_cpu_max")
    ):
        raise _client(codes.INVALID_TASK_CPU)
    for c in containers:
        if (
            c.memory is not None
            and c.memory_reservation is not None
            and c.memory < c.memory_reservation
        ):
            raise _client(codes.CONTAINER_MEMORY_BELOW_RESERVATION.format(name=c.name))
        if spec.memory is None and not (c.memory or c.memory_reservation):
            raise _client(codes.CONTAINER_MEMORY_REQUIRED.format(name=c.name))
        if spec.memory is not None and c.memory is not None and c.memory > spec.memory:
            raise _client(codes.CONTAINER_MEMORY_ABOVE_TASK.format(name=c.name))
    if spec.memory is not None and sum(c.memory_reservation or 0 for c in containers) > spec.memory:
        raise _client(codes.CONTAINER_RESERVATION_SUM_ABOVE_TASK)
    if spec.cpu is not None and sum(c.cpu for c in containers) > spec.cpu:
        raise _client(codes.CONTAINER_CPU_SUM_ABOVE_TASK)
    if not any(c.essential for c in containers):
        raise _client(codes.NO_ESSENTIAL_CONTAINER)
    for c in containers:
        for p in c.port_mappings:
            if spec.network_mode is NetworkMode.NONE:
                raise _client(codes.NONE_MODE_NO_PORTS)
            if p.host_port not in (None, p.container_port):
                if spec.network_mode is NetworkMode.AWSVPC:
                    raise _client(codes.AWSVPC_PORTS_MUST_MATCH)
                if spec.network_mode is NetworkMode.HOST:
                    raise _client(codes.HOST_PORTS_MUST_MATCH)


# --- registered task definitions ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TaskDefinition:
    """A registered revision: ``family:revision`` and its ARN."""

    spec: TaskDefinitionSpec
    revision: int
    arn: str
    status: str = "ACTIVE"  # ACTIVE | INACTIVE
    registered_at: float | None = None

    @property
    def family(self) -> str:
        return self.spec.family

    @property
    def family_revision(self) -> str:
        return f"{self.spec.family}:{self.revision}"

    def requirements(self, default_architecture: str | None = None) -> TaskRequirements:
        return self.spec.requirements(default_architecture)

    def to_api(self) -> dict:
        """DescribeTaskDefinition's ``taskDefinition`` (botocore TaskDefinition shape)."""
        s = self.spec
        out: dict[str, Any] = {k: v for k, v in s.extra.items() if k not in ("tags",)}
        out.update(
            taskDefinitionArn=self.arn,
            containerDefinitions=[c.to_api(s.network_mode) for c in s.container_definitions],
            family=s.family,
            networkMode=s.network_mode.value,
            revision=self.revision,
            volumes=list(s.extra.get("volumes", [])),
            status=self.status,
            placementConstraints=[c.to_api() for c in s.placement_constraints],
            compatibilities=list(s.compatibilities),
        )
        if s.task_role_arn:
            out["taskRoleArn"] = s.task_role_arn
        if s.execution_role_arn:
            out["executionRoleArn"] = s.execution_role_arn
        if s.requires_compatibilities:
            out["requiresCompatibilities"] = [c.value for c in s.requires_compatibilities]
        if s.cpu is not None:
            out["cpu"] = str(s.cpu)
        if s.memory is not None:
            out["memory"] = str(s.memory)
        platform = {}
        if s.cpu_architecture is not None:
            platform["cpuArchitecture"] = s.cpu_architecture.value
        if s.operating_system_family is not None:
            platform["operatingSystemFamily"] = s.operating_system_family
        if platform:
            out["runtimePlatform"] = platform
        if self.registered_at is not None:
            out["registeredAt"] = datetime.fromtimestamp(self.registered_at, UTC)
        return out


class TaskDefinitionRegistry:
    """Families and their revisions in one account and Region.

    Revisions start at 1 and only grow: deregistering marks a revision INACTIVE and its
    number is never reused.
    """

    def __init__(self, region: str = "us-east-1", account_id: str = "123456789012"):
        self.region = region
        self.account_id = account_id
        self._families: dict[str, list[TaskDefinition]] = {}

    def arn(self, family: str, revision: int) -> str:
        return f"arn:aws:ecs:{self.region}:{self.account_id}:task-definition/{family}:{revision}"

    def register(
        self, doc: Mapping[str, Any] | TaskDefinitionSpec, at: float | None = None
    ) -> TaskDefinition:
        spec = doc if isinstance(doc, TaskDefinitionSpec) else parse_task_definition(doc)
        revisions = self._families.setdefault(spec.family, [])
        rev = len(revisions) + 1
        td = TaskDefinition(spec, rev, self.arn(spec.family, rev), registered_at=at)
        revisions.append(td)
        return td

    def describe(self, ref: str) -> TaskDefinition:
        """``family`` (latest ACTIVE revision), ``family:revision`` or a full ARN."""
        family, rev = self._split(ref)
        revisions = self._families.get(family, [])
        if rev is None:
            active = [td for td in revisions if td.status == "ACTIVE"]
            if active:
                return active[-1]
        elif 1 <= rev <= len(revisions):
            return revisions[rev - 1]
        raise _client(codes.UNABLE_TO_DESCRIBE)

    def deregister(self, ref: str) -> TaskDefinition:
        family, rev = self._split(ref)
        revisions = self._families.get(family, [])
        if rev is None or not 1 <= rev <= len(revisions):
            raise _client(codes.TASK_DEFINITION_NOT_FOUND)
        td = replace(revisions[rev - 1], status="INACTIVE")
        revisions[rev - 1] = td
        return td

    def delete(self, ref: str) -> TaskDefinition:
        """DeleteTaskDefinitions: an INACTIVE revision becomes DELETE_IN_PROGRESS."""
        family, rev = self._split(ref)
        revisions = self._families.get(family, [])
        if rev is None or not 1 <= rev <= len(revisions):
            raise _client(codes.TASK_DEFINITION_NOT_FOUND)
        td = revisions[rev - 1]
        if td.status == "ACTIVE":
            raise _client(
                "The specified task definition is still in ACTIVE status. Please deregister "
                "the target and try again."
            )
        td = replace(td, status="DELETE_IN_PROGRESS")
        revisions[rev - 1] = td
        return td

    def list_families(self) -> list[str]:
        return sorted(self._families)

    def list_arns(self, family_prefix: str = "", status: str = "ACTIVE") -> list[str]:
        return [
            td.arn
            for fam in sorted(self._families)
            if fam.startswith(family_prefix)
            for td in self._families[fam]
            if td.status == status
        ]

    def _split(self, ref: str) -> tuple[str, int | None]:
        name = ref.rsplit("task-definition/", 1)[-1] if ref.startswith("arn:") else ref
        family, sep, rev = name.partition(":")
        if sep and not rev.isdigit():
            raise _client(codes.UNABLE_TO_DESCRIBE)
        return family, int(rev) if sep else None
