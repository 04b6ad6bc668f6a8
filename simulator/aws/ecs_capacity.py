"""Capacity provider operations: CreateCapacityProvider, DescribeCapacityProviders and
PutClusterCapacityProviders, on ``simulator.ecs.capacity``'s model.

FARGATE and FARGATE_SPOT exist in every account. An Auto Scaling group provider wraps an
Auto Scaling group of the account: the autoscaling API is not simulated, so groups are made
with ``SimulatedAWS.create_auto_scaling_group`` (which returns the group's ARN) and named by
ARN or name in ``autoScalingGroupProvider.autoScalingGroupArn``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.model import OperationModel

from simulator.aws import errors
from simulator.aws.ecs import INVALID_PARAMETER, MISSING, page, short, view_cluster
from simulator.aws.ecs_views import failure
from simulator.core.errors import AWSError
from simulator.ecs.capacity import ManagedScaling

if TYPE_CHECKING:
    from simulator.aws.ecs import EcsService

MANAGED_SCALING = {
    "status": "status",
    "targetCapacity": "target_capacity",
    "minimumScalingStepSize": "minimum_scaling_step_size",
    "maximumScalingStepSize": "maximum_scaling_step_size",
    "instanceWarmupPeriod": "instance_warmup_period",
}
"""API member -> ManagedScaling field."""
PROVIDER_KEYS = frozenset(
    {"autoScalingGroupArn", "managedScaling", "managedTerminationProtection", "managedDraining"}
)


def _registry(svc: EcsService) -> Any:
    capacity = svc.ecs.capacity
    if capacity is None:
        raise errors.not_simulated(
            "capacity providers on this account (make the SimulatedAWS with "
            "capacity_providers=True)"
        )
    return capacity


def _arn(svc: EcsService, name: str) -> str:
    account = svc.account
    return f"arn:aws:ecs:{account.region}:{account.account_id}:capacity-provider/{name}"


def provider_view(svc: EcsService, name: str) -> dict[str, Any]:
    """One CapacityProvider."""
    p = _registry(svc).providers[name]
    if p.kind != "ASG":
        return {
            "capacityProviderArn": _arn(svc, name),
            "name": name,
            "status": "ACTIVE",
            "tags": [],
            "type": name,
        }
    s = p.managed_scaling
    return {
        "capacityProviderArn": _arn(svc, name),
        "name": name,
        "status": "ACTIVE",
        "autoScalingGroupProvider": {
            "autoScalingGroupArn": svc.account.auto_scaling_group_arn(p.asg.name),
            "managedScaling": {
                api: (int(getattr(s, field)) if api != "status" else s.status)
                for api, field in MANAGED_SCALING.items()
            },
            "managedTerminationProtection": p.managed_termination_protection,
            "managedDraining": "ENABLED",
        },
        "updateStatus": "CREATE_COMPLETE",
        "tags": svc.provider_tags.get(name, []),
        "type": "EC2_AUTOSCALING",
    }


def create_capacity_provider(
    svc: EcsService, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    """An Auto Scaling group provider: managed scaling (ENABLED by default, target 100 %)
    and managed termination protection (DISABLED by default)."""
    registry = _registry(svc)
    doc = dict(p.get("autoScalingGroupProvider") or {})
    if not doc:
        raise errors.not_simulated(
            "capacity providers other than Auto Scaling group providers",
            ["autoScalingGroupProvider"],
        )
    extra = set(doc) - PROVIDER_KEYS
    if extra:
        raise errors.not_simulated(
            f"the autoScalingGroupProvider member(s) {', '.join(sorted(extra))}", PROVIDER_KEYS
        )
    asg = svc.account.auto_scaling_group(doc["autoScalingGroupArn"])
    scaling = {MANAGED_SCALING[k]: v for k, v in (doc.get("managedScaling") or {}).items()}
    provider = registry.create_capacity_provider(
        p["name"],
        asg,
        managed_scaling=ManagedScaling(**scaling),
        managed_termination_protection=doc.get("managedTerminationProtection", "DISABLED"),
    )
    svc.provider_tags[provider.name] = [dict(t) for t in p.get("tags") or ()]
    return {"capacityProvider": provider_view(svc, provider.name)}


def describe_capacity_providers(
    svc: EcsService, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    registry = _registry(svc)
    names = p.get("capacityProviders")
    if names is None:
        rows = [provider_view(svc, n) for n in registry.providers]
        out = page("capacityProviders", rows, p, default=10)
        out["failures"] = []
        return out
    found, failures = [], []
    for ref in names:
        name = short(ref)
        if name in registry.providers:
            found.append(provider_view(svc, name))
        else:
            failures.append(failure(_arn(svc, name), MISSING))
    return {"capacityProviders": found, "failures": failures}


def put_cluster_capacity_providers(
    svc: EcsService, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    """Associate providers with the cluster (managed scaling starts) and set its default
    capacity provider strategy."""
    registry = _registry(svc)
    cluster = svc.cluster(p["cluster"])
    names = [short(n) for n in p.get("capacityProviders") or []]
    for n in names:
        if n not in registry.providers:
            raise AWSError(INVALID_PARAMETER, f"The capacity provider {n} does not exist.")
    registry.put_cluster_capacity_providers(
        cluster.name, names, list(p.get("defaultCapacityProviderStrategy") or [])
    )
    return {"cluster": view_cluster(svc, cluster)}
