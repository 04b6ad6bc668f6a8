"""ECS task sets against moto's TaskSet: the same boto3 calls on an EXTERNAL service.

moto keeps task sets as records (no tasks per task set, no health, no draining); where it
departs from AWS's documentation ecsim follows the documentation, and each departure is
pinned here and listed in docs/deploy.md.
"""

from __future__ import annotations

from typing import Any

from aws_helpers import checked
from test_ecs_moto_differential import (  # noqa: F401 (fixtures)
    CLUSTER,
    Backend,
    agree,
    both,
    each,
    ecsim,
    moto,
    moto_frozen,
    register,
)

MOTO_CHANGED = "moto now behaves like AWS here: update the task-set departures in docs/deploy.md"


def _external(b: Backend) -> str:
    b.launch()
    register(b, "app", 128, 256)
    checked(
        b.ecs,
        "create_service",
        cluster=CLUSTER,
        serviceName="ext",
        desiredCount=4,
        deploymentController={"type": "EXTERNAL"},
    )
    return "app:1"


def _create(b: Backend, scale: float) -> dict[str, Any]:
    return checked(
        b.ecs,
        "create_task_set",
        cluster=CLUSTER,
        service="ext",
        taskDefinition="app:1",
        externalId="pipeline-1",
        scale={"value": scale, "unit": "PERCENT"},
    )["taskSet"]


def _sets(b: Backend) -> list[dict[str, Any]]:
    return checked(b.ecs, "describe_task_sets", cluster=CLUSTER, service="ext")["taskSets"]


def test_task_set_records_agree(both: list[Backend]) -> None:  # noqa: F811
    for b in both:
        _external(b)
    service = agree(
        both,
        lambda b: {
            k: v
            for k, v in checked(b.ecs, "describe_services", cluster=CLUSTER, services=["ext"])[
                "services"
            ][0].items()
            if k in ("deploymentController", "taskSets", "desiredCount")
        },
    )
    assert service == {
        "deploymentController": {"type": "EXTERNAL"},
        "taskSets": [],
        "desiredCount": 4,
    }
    first = each(both, lambda b: _create(b, 50))
    agree(
        both,
        lambda b: {
            k: first[b.name][k] for k in ("externalId", "scale", "serviceArn", "clusterArn")
        },
    )
    for name, ts in first.items():
        assert ts["taskSetArn"].split(":task-set/")[1].startswith(f"{CLUSTER}/ext/ecs-svc/"), name
        assert ts["taskDefinition"].endswith("task-definition/app:1"), name
    second = each(both, lambda b: _create(b, 100))
    agree(
        both,
        lambda b: checked(
            b.ecs,
            "update_service_primary_task_set",
            cluster=CLUSTER,
            service="ext",
            primaryTaskSet=second[b.name]["taskSetArn"],
        )["taskSet"]["status"],
    )
    agree(both, lambda b: sorted(t["status"] for t in _sets(b)))  # one PRIMARY, one ACTIVE
    agree(
        both,
        lambda b: checked(
            b.ecs,
            "update_task_set",
            cluster=CLUSTER,
            service="ext",
            taskSet=first[b.name]["taskSetArn"],
            scale={"value": 25, "unit": "PERCENT"},
        )["taskSet"]["scale"],
    )
    for b in both:
        b.settle()
    deleted = agree(
        both,
        lambda b: checked(
            b.ecs,
            "delete_task_set",
            cluster=CLUSTER,
            service="ext",
            taskSet=first[b.name]["taskSetArn"],
            force=True,
        )["taskSet"]["taskSetArn"].split("/")[-3:-2],
    )
    assert deleted == ["ext"]
    for b in both:
        b.settle()
    agree(both, lambda b: [t["status"] for t in _sets(b)])  # only the PRIMARY is left


def test_departures_from_moto(both: list[Backend]) -> None:  # noqa: F811
    for b in both:
        _external(b)
    first = each(both, lambda b: _create(b, 50))
    # AWS: the first task set of a service serves production (PRIMARY); moto: ACTIVE
    assert first["ecsim"]["status"] == "PRIMARY"
    assert first["moto"]["status"] == "ACTIVE", MOTO_CHANGED
    # AWS: computedDesiredCount = ceil(desiredCount x scale); tasks take time to start
    assert first["ecsim"]["stabilityStatus"] == "STABILIZING"
    assert first["moto"]["stabilityStatus"] == "STEADY_STATE", MOTO_CHANGED
    both[0].settle()
    (ts,) = _sets(both[0])
    assert (ts["computedDesiredCount"], ts["runningCount"]) == (2, 2)
    assert ts["stabilityStatus"] == "STEADY_STATE"
    # AWS: DeleteTaskSet without force refuses a task set not scaled to zero; moto deletes
    results = {}
    for b in both:
        try:
            b.ecs.delete_task_set(
                cluster=CLUSTER, service="ext", taskSet=first[b.name]["taskSetArn"]
            )
            results[b.name] = "deleted"
        except b.ecs.exceptions.ClientError as e:
            results[b.name] = e.response["Error"]["Code"]
    assert results["ecsim"] == "InvalidParameterException"
    assert results["moto"] == "deleted", MOTO_CHANGED
