"""ECS task-set operations (EXTERNAL and CODE_DEPLOY services): CreateTaskSet,
UpdateTaskSet, UpdateServicePrimaryTaskSet, DeleteTaskSet, DescribeTaskSets, answered by
``simulator.ecs.task_sets``. The task-set APIs are for the EXTERNAL controller (botocore
CreateTaskSet: "only supported for services that use the EXTERNAL deployment
controller"); CodeDeploy drives a CODE_DEPLOY service's task sets itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from botocore.model import OperationModel

from simulator.aws.ecs import INVALID_PARAMETER, SERVICE_NOT_ACTIVE, SERVICE_NOT_FOUND, short
from simulator.aws.ecs_services import parse_load_balancers
from simulator.aws.ecs_tasks import _strategy, check_network
from simulator.aws.ecs_views import failure, task_set_view
from simulator.core.errors import AWSError
from simulator.ecs.control import EcsCluster, Service
from simulator.ecs.task_sets import EXTERNAL, TaskSet, TaskSets, check_scale

if TYPE_CHECKING:
    from simulator.aws.ecs import EcsService

NOT_EXTERNAL = (
    "The {op} operation is only supported for services that use the EXTERNAL deployment "
    "controller (ecsim wording)."
)


def task_sets(svc: EcsService) -> TaskSets:
    ts = svc.ecs.task_sets
    assert ts is not None, "SimulatedAWS attaches TaskSets to its control plane"
    return ts


def _service(svc: EcsService, p: Mapping[str, Any], op: str) -> tuple[EcsCluster, Service]:
    cluster = svc.cluster(p.get("cluster"))
    service = cluster.services.get(short(p["service"]))
    if service is None:
        raise AWSError(SERVICE_NOT_FOUND, "Service not found.")
    if service.status != "ACTIVE":
        raise AWSError(SERVICE_NOT_ACTIVE, "Service was not ACTIVE.")
    if op != "DescribeTaskSets" and service.controller != EXTERNAL:
        raise AWSError(INVALID_PARAMETER, NOT_EXTERNAL.format(op=op))
    return cluster, service


def _scale(p: Mapping[str, Any]) -> float:
    scale = p.get("scale")
    if scale is None:
        return 100.0
    return check_scale(scale.get("value", 100.0), scale.get("unit", "PERCENT"))


def view(svc: EcsService, cluster: EcsCluster, service: Service, ts: TaskSet) -> dict[str, Any]:
    return task_set_view(svc.account, cluster, service, ts)


def create_task_set(svc: EcsService, model: OperationModel, p: dict[str, Any]) -> dict[str, Any]:
    """A new task set of an EXTERNAL service: ACTIVE (PRIMARY if it is the first), its
    tasks registered in its own target groups."""
    cluster, service = _service(svc, p, "CreateTaskSet")
    td = svc.task_definition(p["taskDefinition"], active=True)
    check_network(td, p)
    lbs = parse_load_balancers(svc, td, p.get("loadBalancers") or ())
    if len(lbs) > 1:
        raise AWSError(
            INVALID_PARAMETER, "A task set can have at most one load balancer (ecsim wording)."
        )
    strategy = _strategy(svc, cluster, p) if p.get("capacityProviderStrategy") else ()
    ts = task_sets(svc).create(
        cluster,
        service,
        td.arn,
        load_balancers=lbs,
        scale=_scale(p),
        external_id=p.get("externalId"),
        launch_type=p.get("launchType"),
        capacity_provider_strategy=strategy or (),
        network_configuration=p.get("networkConfiguration"),
        tags=p.get("tags") or (),
    )
    return {"taskSet": view(svc, cluster, service, ts)}


def update_task_set(svc: EcsService, model: OperationModel, p: dict[str, Any]) -> dict[str, Any]:
    cluster, service = _service(svc, p, "UpdateTaskSet")
    ts = task_sets(svc).find(service, p["taskSet"])
    task_sets(svc).update_scale(cluster, service, ts, _scale(p))
    return {"taskSet": view(svc, cluster, service, ts)}


def update_service_primary_task_set(
    svc: EcsService, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    cluster, service = _service(svc, p, "UpdateServicePrimaryTaskSet")
    ts = task_sets(svc).find(service, p["primaryTaskSet"])
    task_sets(svc).set_primary(cluster, service, ts)
    return {"taskSet": view(svc, cluster, service, ts)}


def delete_task_set(svc: EcsService, model: OperationModel, p: dict[str, Any]) -> dict[str, Any]:
    cluster, service = _service(svc, p, "DeleteTaskSet")
    ts = task_sets(svc).find(service, p["taskSet"])
    task_sets(svc).delete(cluster, service, ts, bool(p.get("force", False)))
    return {"taskSet": view(svc, cluster, service, ts)}


def describe_task_sets(svc: EcsService, model: OperationModel, p: dict[str, Any]) -> dict[str, Any]:
    """Every task set of the service, or the ones named (unknown ones are failures with
    reason MISSING)."""
    cluster, service = _service(svc, p, "DescribeTaskSets")
    if service.controller == "ECS":
        raise AWSError(
            INVALID_PARAMETER,
            "DescribeTaskSets is only supported for services that use the CODE_DEPLOY or "
            "EXTERNAL deployment controller (ecsim wording).",
        )
    registry = task_sets(svc)
    refs = p.get("taskSets") or []
    if not refs:
        return {
            "taskSets": [view(svc, cluster, service, t) for t in registry.task_sets(service)],
            "failures": [],
        }
    found, failures = [], []
    for ref in refs:
        try:
            found.append(view(svc, cluster, service, registry.find(service, ref)))
        except AWSError:
            failures.append(failure(ref, "MISSING"))
    return {"taskSets": found, "failures": failures}
