"""The ECS AppSpec of a CodeDeploy revision (``revisionType='AppSpecContent'``), read and
checked: what a deployment will run and which Lambda hooks it calls.

YAML or JSON (YAML is a superset of JSON). Shape [doc reference-appspec-file-structure-
resources / -hooks]: ``version: 0.0``; ``Resources`` a list holding one
``TargetService`` of ``Type: AWS::ECS::Service`` with ``Properties.TaskDefinition``,
``LoadBalancerInfo{ContainerName, ContainerPort}`` and optional ``PlatformVersion``,
``NetworkConfiguration.AwsvpcConfiguration``, ``CapacityProviderStrategy``; ``Hooks`` a list
of single-key maps ``- AfterAllowTestTraffic: "fn"``. A problem raises
InvalidRevisionException naming the field (ecsim wording: AWS's text is not documented).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from simulator.core.errors import AWSError
from simulator.deploy.codedeploy import HOOKABLE_EVENTS, LifecycleEvent
from simulator.deploy.codes import INVALID_REVISION

PROPERTY_NAMES = frozenset(
    {
        "TaskDefinition",
        "LoadBalancerInfo",
        "PlatformVersion",
        "NetworkConfiguration",
        "CapacityProviderStrategy",
    }
)


def _bad(message: str) -> AWSError:
    return AWSError(INVALID_REVISION, f"The AppSpec content is invalid: {message} (ecsim wording).")


@dataclass(frozen=True)
class AppSpec:
    task_definition: str
    container_name: str
    container_port: int
    hooks: Mapping[LifecycleEvent, str] = field(default_factory=dict)
    platform_version: str | None = None
    network_configuration: Mapping[str, Any] | None = None
    capacity_provider_strategy: tuple[Mapping[str, Any], ...] = ()


def parse_appspec(
    content: str,
    sha256: str | None = None,
    *,
    container_exists: Callable[[str, str], bool] | None = None,
) -> AppSpec:
    """Read ``content``; ``sha256`` (if given) must be its SHA-256 hex digest;
    ``container_exists(task_definition, name)`` checks ContainerName against the task
    definition when the caller can."""
    if sha256 is not None and hashlib.sha256(content.encode()).hexdigest() != sha256.lower():
        raise _bad("sha256 does not match the SHA-256 of the content")
    try:
        doc = yaml.safe_load(content)
    except yaml.YAMLError as e:
        raise _bad(f"not YAML or JSON ({str(e).splitlines()[0]})") from None
    if not isinstance(doc, Mapping):
        raise _bad("the document must be a map with version, Resources and Hooks")
    unknown = sorted(set(doc) - {"version", "Resources", "Hooks"})
    if unknown:
        raise _bad(f"unknown top-level key {unknown[0]}")
    if str(doc.get("version")) not in ("0.0", "0"):
        raise _bad(f"version must be 0.0, got {doc.get('version')!r}")
    resources = doc.get("Resources")
    if not isinstance(resources, list) or len(resources) != 1:
        raise _bad("Resources must be a list with exactly one TargetService")
    entry = resources[0]
    if not isinstance(entry, Mapping) or len(entry) != 1:
        raise _bad("Resources[0] must be a single-key map (- TargetService: ...)")
    ((_name, target),) = entry.items()
    if not isinstance(target, Mapping) or target.get("Type") != "AWS::ECS::Service":
        raise _bad("Resources[0].Type must be AWS::ECS::Service")
    props = target.get("Properties")
    if not isinstance(props, Mapping):
        raise _bad("Resources[0].Properties is required")
    extra = sorted(set(props) - PROPERTY_NAMES)
    if extra:
        raise _bad(f"Resources[0].Properties.{extra[0]} is not an ECS AppSpec property")
    task_definition = props.get("TaskDefinition")
    if not isinstance(task_definition, str) or not task_definition:
        raise _bad("Resources[0].Properties.TaskDefinition is required")
    lb = props.get("LoadBalancerInfo")
    if not isinstance(lb, Mapping):
        raise _bad("Resources[0].Properties.LoadBalancerInfo is required")
    container, port = lb.get("ContainerName"), lb.get("ContainerPort")
    if not isinstance(container, str) or not container:
        raise _bad("LoadBalancerInfo.ContainerName is required")
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise _bad(f"LoadBalancerInfo.ContainerPort must be a port number, got {port!r}")
    if container_exists is not None and not container_exists(task_definition, container):
        raise _bad(f"the task definition {task_definition} has no container named {container}")
    strategy = props.get("CapacityProviderStrategy") or []
    if not isinstance(strategy, list):
        raise _bad("CapacityProviderStrategy must be a list")
    return AppSpec(
        task_definition,
        container,
        port,
        _hooks(doc.get("Hooks")),
        props.get("PlatformVersion"),
        props.get("NetworkConfiguration"),
        tuple(strategy),
    )


def _hooks(raw: Any) -> dict[LifecycleEvent, str]:
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise _bad("Hooks must be a list of single-key maps (- BeforeInstall: fn)")
    hooks: dict[LifecycleEvent, str] = {}
    names = ", ".join(e.value for e in HOOKABLE_EVENTS)
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping) or len(item) != 1:
            raise _bad(f"Hooks[{i}] must be a single-key map")
        ((event, function),) = item.items()
        try:
            ev = LifecycleEvent(event)
        except ValueError:
            raise _bad(f"Hooks[{i}]: {event!r} is not one of {names}") from None
        if ev not in HOOKABLE_EVENTS:
            raise _bad(f"Hooks[{i}]: {event} cannot be scripted (hooks: {names})")
        if ev in hooks:
            raise _bad(f"Hooks[{i}]: {event} has a hook already (one function per event)")
        if not isinstance(function, str) or not function:
            raise _bad(f"Hooks[{i}]: {event} needs a Lambda function name or ARN")
        hooks[ev] = function
    return hooks
