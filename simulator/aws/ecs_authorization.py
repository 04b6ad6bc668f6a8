"""What IAM authorizes for each ECS call: the action, the resource (its ARN and tags, read
from the ECS model) and the request's condition keys, per the Service Authorization
Reference rows in ``simulator/iam/data`` (``simulator.iam.ecs_facts``).

- The resource is the one the reference marks required: RunTask and StartTask act on the
  task definition, DeregisterContainerInstance on the cluster, CreateService on the new
  service's ARN. Operations on several resources (DescribeClusters) authorize each.
- ``aws:ResourceTag/k`` and ``ecs:ResourceTag/k`` are the existing resource's tags (none
  while it is being created); ``aws:RequestTag/k`` and ``aws:TagKeys`` the call's
  ``tags`` (UntagResource: its ``tagKeys``); ``ecs:cluster``, ``ecs:task-definition``,
  ``ecs:capacity-provider``, ``ecs:container-instances`` and
  ``ecs:enable-execute-command`` come from the call's parameters as ARNs / "true"/"false".
- Tagging on create: a call that creates a resource with ``tags`` also needs
  ``ecs:TagResource`` on it, with ``ecs:CreateAction`` the creating operation (ECS
  Developer Guide, "Grant permission to tag resources on creation"; the account setting
  tagResourceAuthorization is on by default). A task's ID is drawn only once it is placed,
  so a task being created is ``.../task/<cluster>/*`` (ecsim's choice).
- ListServices, ListTaskDefinitions and the other operations the reference gives no
  resource type authorize ``*``; ListTasks authorizes ``.../container-instance/<cluster>/*``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simulator.aws.ecs_account import SETTING_DEFAULTS, _tag_store
from simulator.core.errors import AWSError
from simulator.iam import ecs_facts
from simulator.iam.evaluate import Request

if TYPE_CHECKING:
    from simulator.aws.ecs import EcsService

CREATE_ACTIONS = frozenset(
    {
        "CreateCapacityProvider",
        "CreateCluster",
        "CreateService",
        "CreateTaskSet",
        "RegisterContainerInstance",
        "RegisterTaskDefinition",
        "RunTask",
        "StartTask",
    }
)
"""ECS Developer Guide, "Grant permission to tag resources on creation": the tag-on-create
actions."""


@dataclass(frozen=True)
class Target:
    """One resource a call acts on: its type, ARN, whether it exists yet, and any
    request keys that belong to it."""

    kind: str | None
    arn: str
    exists: bool = True
    keys: Mapping[str, Sequence[str]] = field(default_factory=dict)


def _short(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


class _Arns:
    def __init__(self, svc: EcsService):
        self.prefix = f"arn:aws:ecs:{svc.account.region}:{svc.account.account_id}"
        self.svc = svc

    def cluster(self, ref: str | None) -> str:
        return self.of("cluster", ref or "default")

    def cluster_name(self, ref: str | None) -> str:
        return _short(ref or "default")

    def of(self, kind: str, ref: str, cluster: str | None = None) -> str:
        if ref.startswith("arn:"):
            return ref
        where = (
            f"{self.cluster_name(cluster)}/" if kind not in ("cluster", "capacity-provider") else ""
        )
        return f"{self.prefix}:{kind}/{where}{ref}"

    def task_definition(self, ref: str) -> str:
        try:
            return self.svc.ecs.task_definitions.describe(ref).arn
        except AWSError:
            return ref if ref.startswith("arn:") else f"{self.prefix}:task-definition/{ref}"

    def providers(self, p: Mapping[str, Any]) -> list[str]:
        names = [i["capacityProvider"] for i in p.get("capacityProviderStrategy") or ()]
        return [self.of("capacity-provider", n) for n in names]


def _launch_keys(a: _Arns, p: Mapping[str, Any]) -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {"ecs:cluster": [a.cluster(p.get("cluster"))]}
    providers = a.providers(p)
    if providers:
        keys["ecs:capacity-provider"] = providers
    if "enableExecuteCommand" in p:
        keys["ecs:enable-execute-command"] = ["true" if p["enableExecuteCommand"] else "false"]
    return keys


def _star(a: _Arns, p: Mapping[str, Any]) -> list[Target]:
    return [Target(None, "*")]


def _create_cluster(a: _Arns, p: Mapping[str, Any]) -> list[Target]:
    name = p.get("clusterName", "default")
    exists = name in a.svc.ecs.clusters and a.svc.ecs.clusters[name].status == "ACTIVE"
    return [Target("cluster", a.cluster(name), exists)]


def _clusters(a: _Arns, p: Mapping[str, Any]) -> list[Target]:
    refs = p.get("clusters") or [p.get("cluster")]
    return [Target("cluster", a.cluster(r)) for r in refs]


def _in_cluster(kind: str, param: str) -> Callable[[_Arns, Mapping[str, Any]], list[Target]]:
    def targets(a: _Arns, p: Mapping[str, Any]) -> list[Target]:
        refs = p.get(param) or []
        refs = [refs] if isinstance(refs, str) else refs
        keys = {"ecs:cluster": [a.cluster(p.get("cluster"))]}
        return [Target(kind, a.of(kind, r, p.get("cluster")), True, keys) for r in refs]

    return targets


def _run_task(a: _Arns, p: Mapping[str, Any]) -> list[Target]:
    keys = _launch_keys(a, p)
    if p.get("containerInstances"):
        keys["ecs:container-instances"] = [
            a.of("container-instance", r, p.get("cluster")) for r in p["containerInstances"]
        ]
    return [Target("task-definition", a.task_definition(p["taskDefinition"]), True, keys)]


def _list_tasks(a: _Arns, p: Mapping[str, Any]) -> list[Target]:
    ref = p.get("containerInstance") or "*"
    arn = a.of("container-instance", ref, p.get("cluster"))
    return [
        Target(
            "container-instance", arn, ref != "*", {"ecs:cluster": [a.cluster(p.get("cluster"))]}
        )
    ]


def _create_service(a: _Arns, p: Mapping[str, Any]) -> list[Target]:
    keys = _launch_keys(a, p)
    if p.get("taskDefinition"):
        keys["ecs:task-definition"] = [a.task_definition(p["taskDefinition"])]
    name = p.get("serviceName") or p.get("service") or ""
    exists = "service" in p
    return [Target("service", a.of("service", name, p.get("cluster")), exists, keys)]


def _list_services(a: _Arns, p: Mapping[str, Any]) -> list[Target]:
    return [Target(None, "*", True, {"ecs:cluster": [a.cluster(p.get("cluster"))]})]


def _provider(a: _Arns, p: Mapping[str, Any]) -> list[Target]:
    return [Target("capacity-provider", a.of("capacity-provider", p["name"]), False)]


def _providers(a: _Arns, p: Mapping[str, Any]) -> list[Target]:
    names = p.get("capacityProviders") or []
    return [Target("capacity-provider", a.of("capacity-provider", n)) for n in names] or [
        Target("capacity-provider", f"{a.prefix}:capacity-provider/*", False)
    ]


def _put_providers(a: _Arns, p: Mapping[str, Any]) -> list[Target]:
    keys = {"ecs:capacity-provider": [a.of("capacity-provider", n) for n in p["capacityProviders"]]}
    return [Target("cluster", a.cluster(p["cluster"]), True, keys)]


def _kind_of(arn: str) -> str | None:
    kind = arn.split(":", 5)[-1].partition("/")[0]
    return kind if kind in ecs_facts.resource_types() else None


def _by_arn(a: _Arns, p: Mapping[str, Any]) -> list[Target]:
    return [Target(_kind_of(p["resourceArn"]), p["resourceArn"])]


def _task_definitions(a: _Arns, p: Mapping[str, Any]) -> list[Target]:
    return [Target("task-definition", a.task_definition(r)) for r in p["taskDefinitions"]]


def _register_instance(a: _Arns, p: Mapping[str, Any]) -> list[Target]:
    return [Target("cluster", a.cluster(p.get("cluster")))]


def _task_set_targets(
    a: _Arns, p: Mapping[str, Any], refs: Sequence[str], exists: bool
) -> list[Target]:
    """Task sets are ``task-set/<cluster>/<service>/<id>`` with ``ecs:cluster`` and
    ``ecs:service`` as request keys (the reference's task-set rows)."""
    cluster = a.cluster_name(p.get("cluster"))
    service = _short(p.get("service") or "")
    keys: dict[str, list[str]] = {
        "ecs:cluster": [a.cluster(p.get("cluster"))],
        "ecs:service": [a.of("service", service, p.get("cluster"))],
    }
    prefix = f"{a.prefix}:task-set/{cluster}/{service}"
    return [
        Target("task-set", r if r.startswith("arn:") else f"{prefix}/{r}", exists, keys)
        for r in refs
    ]


def _create_task_set(a: _Arns, p: Mapping[str, Any]) -> list[Target]:
    (target,) = _task_set_targets(a, p, ["*"], False)
    keys = dict(target.keys) | _launch_keys(a, p)
    keys["ecs:task-definition"] = [a.task_definition(p["taskDefinition"])]
    return [Target(target.kind, target.arn, False, keys)]


def _task_set(param: str) -> Callable[[_Arns, Mapping[str, Any]], list[Target]]:
    def targets(a: _Arns, p: Mapping[str, Any]) -> list[Target]:
        refs = p.get(param) or ["*"]
        refs = [refs] if isinstance(refs, str) else refs
        return _task_set_targets(a, p, refs, refs != ["*"])

    return targets


def _service_deployments(param: str) -> Callable[[_Arns, Mapping[str, Any]], list[Target]]:
    def targets(a: _Arns, p: Mapping[str, Any]) -> list[Target]:
        refs = p.get(param) or []
        refs = [refs] if isinstance(refs, str) else refs
        return [Target("service-deployment", r) for r in refs]

    return targets


def _list_service_deployments(a: _Arns, p: Mapping[str, Any]) -> list[Target]:
    keys = {"ecs:cluster": [a.cluster(p.get("cluster"))]}
    return [Target("service", a.of("service", _short(p["service"]), p.get("cluster")), True, keys)]


TARGETS: Mapping[str, Callable[[_Arns, Mapping[str, Any]], list[Target]]] = {
    "CreateCluster": _create_cluster,
    "DescribeClusters": _clusters,
    "ListClusters": _star,
    "DeleteCluster": _clusters,
    "RegisterTaskDefinition": _star,
    "DescribeTaskDefinition": _star,
    "ListTaskDefinitions": _star,
    "ListTaskDefinitionFamilies": _star,
    "DeregisterTaskDefinition": _star,
    "ListContainerInstances": _clusters,
    "DescribeContainerInstances": _in_cluster("container-instance", "containerInstances"),
    "UpdateContainerInstancesState": _in_cluster("container-instance", "containerInstances"),
    "DeregisterContainerInstance": _clusters,
    "RunTask": _run_task,
    "StartTask": _run_task,
    "StopTask": _in_cluster("task", "task"),
    "DescribeTasks": _in_cluster("task", "tasks"),
    "ListTasks": _list_tasks,
    "CreateService": _create_service,
    "UpdateService": _create_service,
    "DeleteService": _in_cluster("service", "service"),
    "DescribeServices": _in_cluster("service", "services"),
    "ListServices": _list_services,
    "CreateCapacityProvider": _provider,
    "DescribeCapacityProviders": _providers,
    "PutClusterCapacityProviders": _put_providers,
    "TagResource": _by_arn,
    "UntagResource": _by_arn,
    "ListTagsForResource": _by_arn,
    "PutAccountSetting": _star,
    "PutAccountSettingDefault": _star,
    "DeleteAccountSetting": _star,
    "ListAccountSettings": _star,
    "RegisterContainerInstance": _register_instance,
    "DeleteTaskDefinitions": _task_definitions,
    "CreateTaskSet": _create_task_set,
    "UpdateTaskSet": _task_set("taskSet"),
    "UpdateServicePrimaryTaskSet": _task_set("primaryTaskSet"),
    "DeleteTaskSet": _task_set("taskSet"),
    "DescribeTaskSets": _task_set("taskSets"),
    "ListServiceDeployments": _list_service_deployments,
    "DescribeServiceDeployments": _service_deployments("serviceDeploymentArns"),
    "StopServiceDeployment": _service_deployments("serviceDeploymentArn"),
}
"""Per simulated ECS operation: the resources IAM authorizes it on."""


def _resource_tags(svc: EcsService, arn: str) -> dict[str, str]:
    try:
        store, key = _tag_store(svc, arn)
    except AWSError:
        return {}
    return {t["key"]: t.get("value", "") for t in store.get(key, [])}


def _request_tags(operation: str, p: Mapping[str, Any]) -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    if operation == "UntagResource":
        keys["aws:TagKeys"] = list(p.get("tagKeys") or ())
        return keys
    tags = p.get("tags") or ()
    for t in tags:
        keys[f"aws:RequestTag/{t['key']}"] = [t.get("value", "")]
    if tags:
        keys["aws:TagKeys"] = [t["key"] for t in tags]
    return keys


def requests(
    svc: EcsService, operation: str, p: Mapping[str, Any], principal: Mapping[str, Sequence[str]]
) -> list[Request]:
    """The IAM requests an ECS ``operation`` with params ``p`` makes, each with the
    principal's global keys ``principal`` and only the keys its action supports."""
    arns = _Arns(svc)
    targets = TARGETS[operation](arns, p)
    actions = [operation] * len(targets)
    setting = svc.account_setting_defaults.get(
        "tagResourceAuthorization", SETTING_DEFAULTS["tagResourceAuthorization"]
    )
    if operation in CREATE_ACTIONS and p.get("tags") and setting == "on":
        created = targets[0]
        if operation in ("RunTask", "StartTask"):
            created = Target("task", arns.of("task", "*", p.get("cluster")))
        elif operation == "RegisterTaskDefinition":
            created = Target("task-definition", arns.of("task-definition", f"{p['family']}:*"))
        keys = {**created.keys, "ecs:CreateAction": [operation]}
        targets.append(Target(created.kind, created.arn, False, keys))
        actions.append("TagResource")
    request_keys = _request_tags(operation, p)
    out = []
    for action, target in zip(actions, targets, strict=True):
        context: dict[str, Sequence[str]] = {**principal, **request_keys, **target.keys}
        if target.exists and target.arn != "*":
            for k, v in _resource_tags(svc, target.arn).items():
                context[f"aws:ResourceTag/{k}"] = [v]
                context[f"ecs:ResourceTag/{k}"] = [v]
        supported = ecs_facts.filter_context(action, target.kind, context)
        out.append(Request(f"ecs:{action}", target.arn, supported))
    return out
