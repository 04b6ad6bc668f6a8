"""The ECS API answered by the simulated ECS control plane (``simulator.ecs.control``).

``EcsService.handle`` takes an operation and the caller's (already validated) params and
returns the parsed response body, or raises ``AWSError`` with ECS's code. As for EC2, each
operation declares the params it simulates and the ones it accepts without effect; any
other param is refused with UnsupportedOperation naming it.

EC2 instances join a cluster the way the ECS-optimized AMI does: RunInstances ``UserData``
(plain text or base64, a shell script or a bare ecs.config) that sets
``ECS_CLUSTER=<name>`` makes the instance's agent register it to that cluster once it is
running, after the agent start delay (``ecs_timing``). Without ECS_CLUSTER an instance
joins nothing (ecsim cannot tell an ECS-optimized AMI from another one).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from botocore.model import OperationModel

from simulator.aws import errors
from simulator.aws.ecs_network import TaskNetworks
from simulator.aws.ecs_pagination import page
from simulator.aws.ecs_pagination import paginate as paginate  # part of this module's API
from simulator.aws.ecs_views import cluster_view, container_instance_view, failure
from simulator.aws.operations import Operation, find
from simulator.catalog.catalog import instance_type as catalog_instance_type
from simulator.core.errors import AWSError, CatalogError
from simulator.ecs import codes
from simulator.ecs.container_instance import (
    ContainerInstance,
    ContainerInstanceStatus,
    os_memory_mib,
    registered_memory_mib,
)
from simulator.ecs.control import EcsCluster, EcsControlPlane
from simulator.ecs.facts import eni_limit
from simulator.ecs.query import parse as parse_query
from simulator.ecs.task_definition import TaskDefinition, TaskDefinitionInputError

if TYPE_CHECKING:
    from simulator.aws.account import SimulatedAWS
    from simulator.aws.ec2_vpc import VpcModel

T = TypeVar("T")

CLIENT_EXCEPTION = codes.CLIENT_EXCEPTION
INVALID_PARAMETER = codes.INVALID_PARAMETER
CLUSTER_NOT_FOUND = "ClusterNotFoundException"
SERVICE_NOT_FOUND = "ServiceNotFoundException"
SERVICE_NOT_ACTIVE = "ServiceNotActiveException"
CLUSTER_CONTAINS_INSTANCES = "ClusterContainsContainerInstancesException"
CLUSTER_CONTAINS_SERVICES = "ClusterContainsServicesException"
CLUSTER_CONTAINS_TASKS = "ClusterContainsTasksException"

ERROR_CODES: frozenset[str] = frozenset(
    {
        CLIENT_EXCEPTION,
        INVALID_PARAMETER,
        CLUSTER_NOT_FOUND,
        SERVICE_NOT_FOUND,
        SERVICE_NOT_ACTIVE,
        CLUSTER_CONTAINS_INSTANCES,
        CLUSTER_CONTAINS_SERVICES,
        CLUSTER_CONTAINS_TASKS,
        "ResourceNotFoundException",
        errors.UNSUPPORTED_OPERATION,
    }
)
"""Every code the simulated ECS client answers with (botocore ecs error shapes, plus
UnsupportedOperation for what ecsim does not simulate)."""

MISSING = "MISSING"
"""``failures[].reason`` of a resource that does not exist (the waiters match on it)."""
TASK_DEFINITION_INACTIVE = "TaskDefinition is inactive"
"""Live answer quoted in aws/aws-cdk#33195 (UpdateService of an INACTIVE revision)."""

ECS_CLUSTER = re.compile(r"""(?m)\bECS_CLUSTER\s*=\s*["']?([A-Za-z0-9_:/.-]+)""")
ECS_RESERVED_MEMORY = re.compile(r"""(?m)\bECS_RESERVED_MEMORY\s*=\s*["']?([0-9]+)""")


def _agent_setting(user_data: str | bytes | None, pattern: re.Pattern[str]) -> str | None:
    """The value user data gives an agent variable (the last assignment wins, as in a shell
    or an env file), read as plain text or as base64 (as boto3 sends it); None if none."""
    if not user_data:
        return None
    raw = user_data if isinstance(user_data, bytes) else user_data.encode()
    texts = [raw.decode("utf-8", "replace")]
    with contextlib.suppress(binascii.Error, ValueError, UnicodeDecodeError):
        texts.insert(0, base64.b64decode(raw, validate=True).decode("utf-8"))
    for text in texts:
        found = pattern.findall(text)
        if found:
            return str(found[-1])
    return None


def cluster_of_user_data(user_data: str | bytes | None) -> str | None:
    """The ECS_CLUSTER that user data sets; None if none."""
    found = _agent_setting(user_data, ECS_CLUSTER)
    return found.rsplit("/", 1)[-1] if found is not None else None


def reserved_memory_of_user_data(user_data: str | bytes | None) -> int | None:
    """The ECS_RESERVED_MEMORY (MiB) that user data sets; None if none."""
    found = _agent_setting(user_data, ECS_RESERVED_MEMORY)
    return int(found) if found is not None else None


def short(ref: str) -> str:
    """The name or ID at the end of a name, ID or ARN."""
    return ref.rsplit("/", 1)[-1]


class EcsService:
    """The ECS API of one simulated account and Region."""

    name = "ecs"
    operations: Mapping[str, Operation]
    """The operation table, set by ``simulator.aws.ecs_operations`` (the table names
    this module's handlers, so this module cannot import it)."""

    def __init__(self, account: SimulatedAWS, ecs: EcsControlPlane, vpc: VpcModel):
        self.account = account
        self.ecs = ecs
        self.networks = TaskNetworks(ecs, vpc)
        """awsvpc tasks' configurations and ENIs in the account's VPC model."""
        self.cluster_tags: dict[str, list[dict[str, str]]] = {}
        self.task_overrides: dict[str, dict[str, Any]] = {}
        self.task_tags: dict[str, list[dict[str, str]]] = {}
        self.service_tags: dict[str, list[dict[str, str]]] = {}
        self.task_definition_tags: dict[str, list[dict[str, str]]] = {}
        self.provider_tags: dict[str, list[dict[str, str]]] = {}
        self.container_instance_tags: dict[str, list[dict[str, str]]] = {}
        self.account_settings: dict[tuple[str, str], str] = {}  # (principal, name) -> value
        self.account_setting_defaults: dict[str, str] = {}

    def handle(self, model: OperationModel, params: Mapping[str, Any]) -> dict[str, Any]:
        """The parsed body of ``model``'s response to ``params``; AWSError if refused."""
        operation = find(self.operations, model, params, f"the ECS operation {model.name}")
        try:
            return operation.handler(self, model, dict(params))
        except TaskDefinitionInputError as e:
            raise AWSError(CLIENT_EXCEPTION, str(e)) from None
        finally:
            # the service scheduler reacts within the instant of a change; running it now,
            # after the answer was built, shows its decisions to the very next call
            self.ecs.settle()

    # ------------------------------------------------------------------ lookups
    def cluster(self, ref: str | None) -> EcsCluster:
        """The ACTIVE cluster named (default: ``default``); ClusterNotFoundException."""
        return self.ecs.cluster(short(ref or "default"))

    def cluster_arn(self, name: str) -> str:
        return f"arn:aws:ecs:{self.account.region}:{self.account.account_id}:cluster/{name}"

    def task_definition(self, ref: str, *, active: bool = False) -> TaskDefinition:
        """A revision by family, family:revision or ARN; ``active``: refuse an INACTIVE one
        (RunTask, CreateService: new tasks cannot use it)."""
        td = self.ecs.task_definitions.describe(ref)
        if active and td.status != "ACTIVE":
            raise AWSError(CLIENT_EXCEPTION, TASK_DEFINITION_INACTIVE)
        return td

    def container_instance(self, cluster: EcsCluster, ref: str) -> ContainerInstance | None:
        """A container instance of ``cluster`` by ID or ARN (EC2 instance IDs too)."""
        key = short(ref)
        ci = cluster.container_instances.get(key)
        if ci is None and key in cluster.by_ec2:
            ci = cluster.container_instances[cluster.by_ec2[key]]
        return ci

    def container_instance_arn(self, cluster: EcsCluster, ref: str) -> str:
        if ref.startswith("arn:"):
            return ref
        return (
            f"arn:aws:ecs:{self.account.region}:{self.account.account_id}:container-instance/"
            f"{cluster.name}/{ref}"
        )

    def capacity_provider_of_instance(self, ci: ContainerInstance) -> str | None:
        """The Auto Scaling group provider whose group launched the instance, if any."""
        capacity = self.ecs.capacity
        if capacity is None:
            return None
        for provider in capacity.providers.values():
            asg = getattr(provider, "asg", None)
            if asg is not None and ci.ec2_instance_id in asg.launched_at:
                return provider.name
        return None

    # ------------------------------------------------------------------ EC2 hook
    def check_launch(self, params: Mapping[str, Any]) -> None:
        """RunInstances with ECS_CLUSTER in its user data: refused (UnsupportedOperation)
        before anything launches if ecsim cannot model the type as a container instance."""
        if cluster_of_user_data(params.get("UserData")) is None:
            return
        itype = params.get("InstanceType", "m1.small")
        try:
            known = catalog_instance_type(itype)
            enis = eni_limit(itype).awsvpc_task_limit
        except CatalogError:
            known, enis = None, None
        if known is None or enis is None:
            raise errors.not_simulated(
                f"ECS container instances of type {itype} (no catalog row or ENI limit in "
                "simulator/catalog/data)"
            )
        reserve = reserved_memory_of_user_data(params.get("UserData"))
        if reserve is not None and registered_memory_mib(known, reserve) <= 0:
            raise errors.not_simulated(
                f"ECS_RESERVED_MEMORY={reserve} on {itype}: it leaves no memory of the "
                f"{os_memory_mib(known)} MiB the OS reports"
            )

    def launched(self, instance_ids: Sequence[str], params: Mapping[str, Any]) -> None:
        """Instances launched with ECS_CLUSTER in their user data join that cluster."""
        name = cluster_of_user_data(params.get("UserData"))
        if name is None:
            return
        reserve = reserved_memory_of_user_data(params.get("UserData"))
        for iid in instance_ids:
            if reserve is not None:
                self.ecs.reserved_memory[iid] = reserve
            self.ecs.join_when_created(iid, name)


def task_definition_view(svc: EcsService, td: TaskDefinition) -> dict[str, Any]:
    """TaskDefinition.to_api as ECS answers it: registeredAt on the account's clock, every
    container with mountPoints and volumesFrom (empty when not given), EFS volumes with
    their rootDirectory ('/' when not given, RegisterTaskDefinition reference)."""
    out = td.to_api()
    if td.registered_at is not None:
        out["registeredAt"] = svc.account.timestamp(td.registered_at)
    for c in out.get("containerDefinitions", []):
        c.setdefault("mountPoints", [])
        c.setdefault("volumesFrom", [])
    for v in out.get("volumes", []):
        efs = v.get("efsVolumeConfiguration")
        if efs is not None:
            v["efsVolumeConfiguration"] = {"rootDirectory": "/", **efs}
    return out


# ----------------------------------------------------------------------------- clusters
def _capacity_of(svc: EcsService, cluster: EcsCluster) -> tuple[list[str], list[dict]]:
    capacity = svc.ecs.capacity
    assoc = capacity.clusters.get(cluster.name) if capacity is not None else None
    if assoc is None:
        return [], []
    return list(assoc.providers), [i.to_api() for i in assoc.default_strategy]


def view_cluster(svc: EcsService, cluster: EcsCluster) -> dict[str, Any]:
    providers, strategy = _capacity_of(svc, cluster)
    return cluster_view(cluster, providers, strategy, svc.cluster_tags.get(cluster.name, ()))


def create_cluster(svc: EcsService, model: OperationModel, p: dict[str, Any]) -> dict[str, Any]:
    """CreateCluster: idempotent on the name of an ACTIVE cluster."""
    name = p.get("clusterName", "default")
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,255}", name):
        raise AWSError(
            INVALID_PARAMETER,
            "Cluster name can have up to 255 letters (uppercase and lowercase), numbers, "
            "underscores, and hyphens (ecsim wording).",
        )
    existing = svc.ecs.clusters.get(name)
    cluster = svc.ecs.create_cluster(name)
    if existing is not cluster or "tags" in p:
        svc.cluster_tags[name] = [dict(t) for t in p.get("tags") or ()]
    providers = p.get("capacityProviders")
    if providers:
        _put_providers(svc, cluster, providers, p.get("defaultCapacityProviderStrategy") or ())
    return {"cluster": view_cluster(svc, cluster)}


def _put_providers(
    svc: EcsService, cluster: EcsCluster, providers: Sequence[str], strategy: Sequence[Mapping]
) -> None:
    capacity = svc.ecs.capacity
    if capacity is None:
        raise errors.not_simulated(
            "capacity providers on this account (make the SimulatedAWS with "
            "capacity_providers=True)"
        )
    capacity.put_cluster_capacity_providers(cluster.name, list(providers), list(strategy))


def describe_clusters(svc: EcsService, model: OperationModel, p: dict[str, Any]) -> dict[str, Any]:
    """Clusters by name or ARN (default: ``default``); INACTIVE ones are still described,
    unknown ones are failures with reason MISSING."""
    refs = p.get("clusters") or ["default"]
    found, failures = [], []
    for ref in refs:
        cluster = svc.ecs.clusters.get(short(ref))
        if cluster is None:
            failures.append(failure(svc.cluster_arn(short(ref)), MISSING))
        else:
            found.append(view_cluster(svc, cluster))
    return {"clusters": found, "failures": failures}


def list_clusters(svc: EcsService, model: OperationModel, p: dict[str, Any]) -> dict[str, Any]:
    arns = [c.arn for c in svc.ecs.clusters.values() if c.status == "ACTIVE"]
    return page("clusterArns", arns, p)


def delete_cluster(svc: EcsService, model: OperationModel, p: dict[str, Any]) -> dict[str, Any]:
    cluster = svc.ecs.delete_cluster(short(p["cluster"]))
    return {"cluster": view_cluster(svc, cluster)}


# ----------------------------------------------------------------------- task definitions
def register_task_definition(
    svc: EcsService, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    """The JSON ``aws ecs register-task-definition --cli-input-json`` takes; ECS's
    refusals (ClientException) come from simulator.ecs.task_definition."""
    td = svc.ecs.register_task_definition(p)
    tags = [dict(t) for t in p.get("tags") or ()]
    svc.task_definition_tags[td.arn] = tags
    out: dict[str, Any] = {"taskDefinition": task_definition_view(svc, td)}
    if tags:
        out["tags"] = tags
    return out


def describe_task_definition(
    svc: EcsService, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    td = svc.task_definition(p["taskDefinition"])
    out: dict[str, Any] = {"taskDefinition": task_definition_view(svc, td)}
    if "TAGS" in (p.get("include") or ()):
        out["tags"] = svc.task_definition_tags.get(td.arn, [])
    return out


def list_task_definitions(
    svc: EcsService, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    """ACTIVE revisions by default; ``familyPrefix`` is a whole family name (API
    reference); ASC: by family, then revision; DESC reverses both."""
    status = p.get("status", "ACTIVE")
    family = p.get("familyPrefix")
    arns = [
        a
        for a in svc.ecs.task_definitions.list_arns("", status=status)
        if family is None or a.rsplit("/", 1)[-1].rsplit(":", 1)[0] == family
    ]
    if p.get("sort") == "DESC":
        arns.reverse()
    return page("taskDefinitionArns", arns, p)


def list_task_definition_families(
    svc: EcsService, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    registry = svc.ecs.task_definitions
    status = p.get("status", "ACTIVE")
    prefix = p.get("familyPrefix", "")
    families = []
    for fam in registry.list_families():
        if not fam.startswith(prefix):
            continue
        active = bool(registry.list_arns(fam, status="ACTIVE"))
        if status == "ALL" or (status == "ACTIVE") == active:
            families.append(fam)
    return page("families", families, p)


def deregister_task_definition(
    svc: EcsService, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    td = svc.ecs.task_definitions.deregister(p["taskDefinition"])
    return {"taskDefinition": task_definition_view(svc, td)}


# ---------------------------------------------------------------------- container instances
def _instances(svc: EcsService, cluster: EcsCluster) -> list[ContainerInstance]:
    return list(cluster.container_instances.values())


def list_container_instances(
    svc: EcsService, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    """All but INACTIVE instances, or those of ``status``; ``filter`` is a cluster query."""
    cluster = svc.cluster(p.get("cluster"))
    status = p.get("status")
    rows = [
        ci
        for ci in _instances(svc, cluster)
        if (ci.status.value == status if status else ci.status is not _INACTIVE)
    ]
    if p.get("filter"):
        query = parse_query(p["filter"])
        rows = [ci for ci in rows if query.matches(ci)]
    return page("containerInstanceArns", [ci.arn for ci in rows], p)


_INACTIVE = ContainerInstanceStatus.INACTIVE


def _instance_view(svc: EcsService, ci: ContainerInstance) -> dict[str, Any]:
    return container_instance_view(svc.account, ci, svc.capacity_provider_of_instance(ci))


def _describe_instances(
    svc: EcsService, cluster: EcsCluster, refs: Sequence[str]
) -> tuple[list[ContainerInstance], list[dict[str, str]]]:
    found, failures = [], []
    for ref in refs:
        ci = svc.container_instance(cluster, ref)
        if ci is None:
            failures.append(failure(svc.container_instance_arn(cluster, ref), MISSING))
        else:
            found.append(ci)
    return found, failures


def describe_container_instances(
    svc: EcsService, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    cluster = svc.cluster(p.get("cluster"))
    refs = p.get("containerInstances") or []
    if not refs:
        raise AWSError(CLIENT_EXCEPTION, "Container Instances cannot be empty.")
    found, failures = _describe_instances(svc, cluster, refs)
    views = [_instance_view(svc, ci) for ci in found]
    return {"containerInstances": views, "failures": failures}


def update_container_instances_state(
    svc: EcsService, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    """DRAINING or ACTIVE; unknown instances are MISSING failures, INACTIVE (deregistered)
    ones INACTIVE failures."""
    cluster = svc.cluster(p.get("cluster"))
    status = p["status"]
    if status not in ("ACTIVE", "DRAINING"):
        raise AWSError(
            INVALID_PARAMETER, "Container instance status should be one of [ACTIVE, DRAINING]"
        )
    found, failures = _describe_instances(svc, cluster, p.get("containerInstances") or [])
    usable = []
    for ci in found:
        if ci.status in (ContainerInstanceStatus.ACTIVE, ContainerInstanceStatus.DRAINING):
            usable.append(ci)
        else:
            failures.append(failure(ci.arn, codes.INACTIVE))
    if usable:
        svc.ecs.update_container_instances_state(
            cluster.name, [ci.container_instance_id for ci in usable], status
        )
    views = [_instance_view(svc, ci) for ci in usable]
    return {"containerInstances": views, "failures": failures}


def deregister_container_instance(
    svc: EcsService, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    """INACTIVE at once; with tasks on it only with ``force`` (the tasks are lost)."""
    cluster = svc.cluster(p.get("cluster"))
    ci = svc.ecs.deregister_container_instance(
        cluster.name, p["containerInstance"], force=bool(p.get("force", False))
    )
    return {"containerInstance": _instance_view(svc, ci)}
