"""Service operations: CreateService, UpdateService, DeleteService, DescribeServices and
ListServices, answered by the control plane's replica and daemon schedulers.

The scheduler reconciles a service at the end of the simulated instant a change happens
in (RunTask-like placements, rolling replacement within minimumHealthyPercent and
maximumPercent, the deployment circuit breaker), so a service's tasks appear as soon as
simulated time moves: a waiter's first sleep, ``aws.advance``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from botocore.model import OperationModel

from simulator.aws import ecs_deployments, errors, limits
from simulator.aws.ecs import (
    INVALID_PARAMETER,
    MISSING,
    SERVICE_NOT_ACTIVE,
    SERVICE_NOT_FOUND,
    page,
    short,
)
from simulator.aws.ecs_tasks import _strategy, network_of, with_zones
from simulator.aws.ecs_views import failure, service_view
from simulator.core.errors import AWSError
from simulator.ecs import deployment as dep
from simulator.ecs.constraints import (
    SERVICE_DEFAULT_STRATEGIES,
    constraints_from_api,
    strategies_from_api,
)
from simulator.ecs.control import EcsCluster, Service
from simulator.ecs.load_balancers import ServiceLoadBalancer
from simulator.ecs.task_sets import CODE_DEPLOY, CONTROLLERS, EXTERNAL

if TYPE_CHECKING:
    from simulator.aws.ecs import EcsService

SERVICE_NAME = re.compile(r"[A-Za-z0-9_-]{1,255}")
CONFIG_KEYS = frozenset(
    {"minimumHealthyPercent", "maximumPercent", "deploymentCircuitBreaker", "strategy"}
)
"""DeploymentConfiguration members ecsim simulates (``strategy`` ROLLING only; alarms are
accepted while disabled)."""
BREAKER_KEYS = frozenset({"enable", "rollback"})
MAX_DESCRIBE = 10
"""DescribeServices: "You may specify up to 10 services" (API reference)."""


def view(svc: EcsService, cluster: EcsCluster, service: Service) -> dict[str, Any]:
    config = svc.networks.services.get((cluster.name, service.name))
    out = service_view(
        svc.account,
        cluster,
        service,
        tags=svc.service_tags.get(service.arn, ()),
        network=config.to_api() if config is not None else None,
        hidden=[config.zone_constraint()] if config is not None else (),
    )
    ecs_deployments.deployments(svc.account).view(service, out)
    return out


def _config(
    doc: Mapping[str, Any] | None, base: dep.DeploymentConfiguration | None = None
) -> dep.DeploymentConfiguration | None:
    """A DeploymentConfiguration from the request, members not given kept from ``base``."""
    if doc is None:
        return None
    doc = ecs_deployments.strip_strategy(doc)  # BLUE_GREEN / LINEAR / CANARY members
    alarms = doc.pop("alarms", None)
    if alarms and alarms.get("enable"):
        raise errors.not_simulated("deployment alarms (CloudWatch is not simulated)")
    extra = set(doc) - CONFIG_KEYS
    breaker = doc.get("deploymentCircuitBreaker") or {}
    extra |= {f"deploymentCircuitBreaker.{k}" for k in set(breaker) - BREAKER_KEYS}
    if extra:
        raise errors.not_simulated(
            f"the deploymentConfiguration member(s) {', '.join(sorted(extra))}",
            sorted(CONFIG_KEYS | {"alarms (disabled)"}),
        )
    merged = base.to_api() if base is not None else {}
    merged.update({k: v for k, v in doc.items() if k not in ecs_deployments.STRATEGY_KEYS})
    config = dep.DeploymentConfiguration.from_api(merged)
    low, high = config.minimum_healthy_percent, config.maximum_percent
    if not 0 <= low <= 100 or high < 0:
        raise AWSError(
            INVALID_PARAMETER,
            "minimumHealthyPercent must be 0-100 and maximumPercent not negative (ecsim wording).",
        )
    return config


def _refuse_nonempty(p: Mapping[str, Any], *names: str) -> None:
    given = [n for n in names if p.get(n)]
    if given:
        raise errors.not_simulated(f"services with {', '.join(given)}")


DAEMON_DESIRED_COUNT = (
    "The daemon scheduling strategy does not support a desired count for services."
)
DAEMON_MAXIMUM_PERCENT = (
    "The daemon scheduling strategy does not support values above 100 for maximumPercent."
)
DAEMON_PLACEMENT_STRATEGY = "The daemon scheduling strategy does not support placement strategies."
"""CreateService refusals of a DAEMON service, as AWS words them (quoted in public
CloudFormation linters and drift tools); the API reference: 'Don't specify a desired
count' and the DAEMON maximumPercent is 100."""


def _check_daemon(p: Mapping[str, Any]) -> None:
    if p.get("desiredCount") is not None:
        raise AWSError(INVALID_PARAMETER, DAEMON_DESIRED_COUNT)
    if (p.get("deploymentConfiguration") or {}).get("maximumPercent", 100) > 100:
        raise AWSError(INVALID_PARAMETER, DAEMON_MAXIMUM_PERCENT)
    if p.get("placementStrategy"):
        raise AWSError(INVALID_PARAMETER, DAEMON_PLACEMENT_STRATEGY)


def create_service(svc: EcsService, model: OperationModel, p: dict[str, Any]) -> dict[str, Any]:
    """A REPLICA (desiredCount required) or DAEMON service; placement strategies default
    to spread by Availability Zone; deploymentConfiguration defaults 100 / 200 %."""
    cluster = svc.cluster(p.get("cluster"))
    name = p["serviceName"]
    if not SERVICE_NAME.fullmatch(name):
        raise AWSError(
            INVALID_PARAMETER,
            "Service name can have up to 255 letters (uppercase and lowercase), numbers, "
            "underscores, and hyphens (ecsim wording).",
        )
    _refuse_nonempty(p, "serviceRegistries", "serviceConnectConfiguration")
    controller = (p.get("deploymentController") or {}).get("type", "ECS")
    if controller not in CONTROLLERS:
        raise AWSError(INVALID_PARAMETER, f"Unknown deployment controller type {controller}.")
    if controller == EXTERNAL:
        return ecs_task_sets_service(svc, cluster, name, p)
    if "taskDefinition" not in p:
        raise AWSError(INVALID_PARAMETER, "taskDefinition is required (ecsim wording).")
    td = svc.task_definition(p["taskDefinition"], active=True)
    load_balancers = parse_load_balancers(svc, td, p.get("loadBalancers") or ())
    scheduling = p.get("schedulingStrategy", "REPLICA")
    desired = p.get("desiredCount")
    if desired is None and scheduling == "REPLICA":
        raise AWSError(
            INVALID_PARAMETER,
            "desiredCount is required for a REPLICA service (ecsim wording).",
        )
    _check_desired(desired)
    if scheduling == "DAEMON":
        _check_daemon(p)
    strategy = _strategy(svc, cluster, p)
    network = network_of(svc, td, p, strategy)
    prepared = None
    if controller == "ECS":  # BLUE_GREEN / LINEAR / CANARY, checked before creating
        prepared = ecs_deployments.deployments(svc.account).prepare(p)
    existing = cluster.services.get(name)
    if existing is not None and existing.status != "INACTIVE":
        raise AWSError(INVALID_PARAMETER, "Creation of service was not idempotent.")
    service = svc.ecs.create_service(
        cluster.name,
        name,
        td.arn,
        desired or 0,
        strategies=(
            strategies_from_api(p["placementStrategy"]) if "placementStrategy" in p else None
        ),
        constraints=with_zones(
            constraints_from_api(p.get("placementConstraints")), network, strategy
        ),
        deployment_configuration=_config(p.get("deploymentConfiguration")),
        scheduling_strategy=scheduling,
        health_check_grace_period=float(p.get("healthCheckGracePeriodSeconds", 0)),
        capacity_provider_strategy=strategy or (),
        load_balancers=load_balancers,
    )
    if controller == CODE_DEPLOY:  # its first task set: PRIMARY, the service's own
        registry = svc.ecs.task_sets
        registry.adopt(service, CODE_DEPLOY)
        registry.create(
            cluster,
            service,
            td.arn,
            load_balancers=load_balancers,
            network_configuration=p.get("networkConfiguration"),
            primary=True,
        )
    elif prepared is not None:
        ecs_deployments.deployments(svc.account).adopt(cluster, service, p, prepared)
    svc.service_tags[service.arn] = [dict(t) for t in p.get("tags") or ()]
    svc.networks.services.pop((cluster.name, name), None)
    if network is not None:
        svc.networks.services[(cluster.name, name)] = network
    return {"service": view(svc, cluster, service)}


def ecs_task_sets_service(
    svc: EcsService, cluster: EcsCluster, name: str, p: dict[str, Any]
) -> dict[str, Any]:
    """An EXTERNAL service: no task definition or tasks of its own (its task sets, made
    with CreateTaskSet, carry them); desiredCount and placement as for any service."""
    for given in ("taskDefinition", "loadBalancers", "networkConfiguration", "launchType"):
        if p.get(given):
            raise AWSError(
                INVALID_PARAMETER,
                f"{given} is specified on the task sets of a service with the EXTERNAL "
                "deployment controller, not on the service (ecsim wording).",
            )
    existing = cluster.services.get(name)
    if existing is not None and existing.status != "INACTIVE":
        raise AWSError(INVALID_PARAMETER, "Creation of service was not idempotent.")
    desired = p.get("desiredCount")
    if desired is None:
        raise AWSError(
            INVALID_PARAMETER, "desiredCount is required for a REPLICA service (ecsim wording)."
        )
    _check_desired(desired)
    account = svc.account
    service = Service(
        name,
        f"arn:aws:ecs:{account.region}:{account.account_id}:service/{cluster.name}/{name}",
        cluster.name,
        desired,
        strategies=(
            tuple(strategies_from_api(p["placementStrategy"]))
            if "placementStrategy" in p
            else SERVICE_DEFAULT_STRATEGIES
        ),
        constraints=tuple(constraints_from_api(p.get("placementConstraints"))),
        health_check_grace_period=float(p.get("healthCheckGracePeriodSeconds", 0)),
        created_at=account.now,
    )
    cluster.services[name] = service
    svc.ecs.task_sets.adopt(service, EXTERNAL)
    svc.service_tags[service.arn] = [dict(t) for t in p.get("tags") or ()]
    return {"service": view(svc, cluster, service)}


def parse_load_balancers(
    svc: EcsService, td: Any, entries: Iterable[Mapping[str, Any]]
) -> list[ServiceLoadBalancer]:
    """CreateService's ``loadBalancers``: ELBv2 target groups of this account, a
    container of the task definition and one of its container ports."""
    out = []
    for entry in entries:
        if "loadBalancerName" in entry or "targetGroupArn" not in entry:
            raise errors.not_simulated("Classic Load Balancers (loadBalancerName)")
        name, port = entry.get("containerName"), entry.get("containerPort")
        if name is None or port is None:
            raise AWSError(
                INVALID_PARAMETER,
                "containerName and containerPort must be specified for a load balancer.",
            )
        container = next((c for c in td.spec.container_definitions if c.name == name), None)
        if container is None:
            raise AWSError(
                INVALID_PARAMETER,
                f"The container {name} does not exist in the task definition.",
            )
        ports = {m.container_port for m in container.port_mappings}
        if ports and port not in ports:
            raise AWSError(
                INVALID_PARAMETER,
                f"The container {name} did not have a container port {port} defined.",
            )
        tg = svc.account.elbv2.target_group(entry["targetGroupArn"])
        if td.spec.network_mode.value == "awsvpc" and tg.target_type != "ip":
            raise AWSError(
                INVALID_PARAMETER,
                f"The provided target group {tg.arn} has target type {tg.target_type}, "
                "which is incompatible with the awsvpc network mode specified in the task "
                "definition.",
            )
        out.append(ServiceLoadBalancer(tg.arn, name, int(port)))
    return out


def update_service(svc: EcsService, model: OperationModel, p: dict[str, Any]) -> dict[str, Any]:
    """desiredCount; a new taskDefinition or forceNewDeployment starts a deployment;
    deploymentConfiguration, placement and the grace period apply from now on without
    one (API reference)."""
    cluster = svc.cluster(p.get("cluster"))
    service = _service(svc, cluster, p["service"])
    if service.status != "ACTIVE":
        raise AWSError(SERVICE_NOT_ACTIVE, "Service was not ACTIVE.")
    _refuse_nonempty(p, "loadBalancers", "serviceRegistries", "serviceConnectConfiguration")
    if p.get("capacityProviderStrategy"):
        raise errors.not_simulated("changing a service's capacity provider strategy")
    controller = (p.get("deploymentController") or {}).get("type", service.controller)
    if controller != service.controller:
        raise errors.not_simulated(
            f"changing the deployment controller from {service.controller} to {controller}"
        )
    desired = p.get("desiredCount")
    _check_desired(desired)
    if service.controller != "ECS":
        return _update_task_set_service(svc, cluster, service, p)
    td = svc.task_definition(p["taskDefinition"], active=True) if "taskDefinition" in p else None
    book = ecs_deployments.deployments(svc.account)
    if book.native(service) is not None:  # BLUE_GREEN / LINEAR / CANARY
        return _update_native(svc, cluster, service, p, td.arn if td is not None else None)
    config = _config(p.get("deploymentConfiguration"), service.config)
    if "placementStrategy" in p:
        service.strategies = strategies_from_api(p["placementStrategy"])
    network = svc.networks.services.get((cluster.name, service.name))
    if "networkConfiguration" in p:
        current = td or svc.task_definition(service.primary.task_definition)
        network = network_of(svc, current, p, list(service.capacity_provider_strategy) or None)
    if "placementConstraints" in p or "networkConfiguration" in p:
        given = (
            constraints_from_api(p["placementConstraints"])
            if "placementConstraints" in p
            else [c for c in service.constraints if c not in _hidden(svc, cluster, service)]
        )
        cp = service.capacity_provider_strategy or None
        service.constraints = tuple(with_zones(given, network, cp))
        if network is not None:
            svc.networks.services[(cluster.name, service.name)] = network
    if "healthCheckGracePeriodSeconds" in p:
        service.health_check_grace_period = float(p["healthCheckGracePeriodSeconds"])
    svc.ecs.update_service(
        cluster.name,
        service.name,
        desired_count=desired if service.scheduling_strategy == "REPLICA" else None,
        task_definition=td.arn if td is not None else None,
        deployment_configuration=config,
        force_new_deployment=bool(p.get("forceNewDeployment", False)),
    )
    return {"service": view(svc, cluster, service)}


def _update_native(
    svc: EcsService, cluster: EcsCluster, service: Service, p: dict[str, Any], td: str | None
) -> dict[str, Any]:
    """A traffic-shifting service: the new configuration first, then a service deployment
    for a new task definition (ecs_deployments); other members as on any service."""
    book = ecs_deployments.deployments(svc.account)
    if "deploymentConfiguration" in p:
        book.reconfigure(service, p["deploymentConfiguration"])
        config = _config(p["deploymentConfiguration"], service.config)
        if config is not None:
            service.config = config
    if p.get("forceNewDeployment"):
        raise errors.not_simulated("forceNewDeployment on a BLUE_GREEN/LINEAR/CANARY service")
    for key, attr in (("healthCheckGracePeriodSeconds", "health_check_grace_period"),):
        if key in p:
            setattr(service, attr, float(p[key]))
    if p.get("desiredCount") is not None:
        service.desired_count = p["desiredCount"]
    primary = svc.ecs.task_sets.primary(service)
    if td is not None and primary is not None and td != primary.task_definition:
        book.deploy(cluster, service, td)
    svc.ecs.reconsider(cluster, service)
    return {"service": view(svc, cluster, service)}


CODE_DEPLOY_TASK_DEFINITION = (
    "Unable to update task definition on services with a CODE_DEPLOY deployment controller. "
    "Use AWS CodeDeploy to trigger a new deployment."
)
"""UpdateService's refusal, as AWS words it (quoted in fabfuel/ecs-deploy#120)."""
TASK_SET_SERVICE_UPDATABLE = frozenset(
    {
        "cluster",
        "service",
        "desiredCount",
        "deploymentConfiguration",
        "healthCheckGracePeriodSeconds",
        "placementStrategy",
        "placementConstraints",
        "deploymentController",
    }
)
"""What UpdateService may change on a CODE_DEPLOY / EXTERNAL service (botocore
UpdateService: desired count, deployment configuration, grace period, placement; managed
and propagated tags are accepted without effect)."""


def _update_task_set_service(
    svc: EcsService, cluster: EcsCluster, service: Service, p: dict[str, Any]
) -> dict[str, Any]:
    if p.get("taskDefinition") and service.controller == CODE_DEPLOY:
        raise AWSError(INVALID_PARAMETER, CODE_DEPLOY_TASK_DEFINITION)
    other = sorted(k for k in p if k not in TASK_SET_SERVICE_UPDATABLE and p[k] not in (None, []))
    if other:
        raise AWSError(
            INVALID_PARAMETER,
            f"{', '.join(other)} cannot be updated on a service with the {service.controller} "
            "deployment controller (ecsim wording).",
        )
    if "deploymentConfiguration" in p:
        config = _config(p["deploymentConfiguration"], service.config)
        if config is not None:
            service.config = config
    if "placementStrategy" in p:
        service.strategies = strategies_from_api(p["placementStrategy"])
    if "placementConstraints" in p:
        service.constraints = constraints_from_api(p["placementConstraints"])
    if "healthCheckGracePeriodSeconds" in p:
        service.health_check_grace_period = float(p["healthCheckGracePeriodSeconds"])
    if p.get("desiredCount") is not None:
        service.desired_count = p["desiredCount"]
    svc.ecs.reconsider(cluster, service)
    return {"service": view(svc, cluster, service)}


def delete_service(svc: EcsService, model: OperationModel, p: dict[str, Any]) -> dict[str, Any]:
    """DRAINING until its tasks have stopped, then INACTIVE; a REPLICA service scaled
    above 0 needs ``force``."""
    cluster = svc.cluster(p.get("cluster"))
    service = _service(svc, cluster, p["service"])
    if service.status != "ACTIVE":
        raise AWSError(SERVICE_NOT_ACTIVE, "Service was not ACTIVE.")
    svc.ecs.delete_service(cluster.name, service.name, force=bool(p.get("force", False)))
    return {"service": view(svc, cluster, service)}


def _hidden(svc: EcsService, cluster: EcsCluster, service: Service) -> list[Any]:
    config = svc.networks.services.get((cluster.name, service.name))
    return [config.zone_constraint()] if config is not None else []


def _service(svc: EcsService, cluster: EcsCluster, ref: str) -> Service:
    found = cluster.services.get(short(ref))
    if found is None:
        raise AWSError(SERVICE_NOT_FOUND, "Service not found.")
    return found


def describe_services(svc: EcsService, model: OperationModel, p: dict[str, Any]) -> dict[str, Any]:
    """Services by name or ARN (up to 10); INACTIVE ones are still described, unknown
    ones are failures with reason MISSING."""
    cluster = svc.cluster(p.get("cluster"))
    refs = p.get("services") or []
    if not refs:
        raise AWSError(INVALID_PARAMETER, "Services cannot be empty.")
    if len(refs) > MAX_DESCRIBE:
        raise AWSError(
            INVALID_PARAMETER,
            f"services can have at most {MAX_DESCRIBE} items (ecsim wording).",
        )
    found, failures = [], []
    for ref in refs:
        service = cluster.services.get(short(ref))
        if service is None:
            failures.append(failure(missing_service_arn(svc, ref), MISSING))
        else:
            found.append(view(svc, cluster, service))
    return {"services": found, "failures": failures}


def missing_service_arn(svc: EcsService, ref: str) -> str:
    """The ``arn`` of a MISSING failure: the ARN given, else the name in the short form
    ``arn:aws:ecs:<region>:<account>:service/<name>`` (no cluster), as ECS answers it
    (quoted from live answers in aws-actions/amazon-ecs-deploy-task-definition#312, #369,
    #544: "arn:aws:ecs:us-east-2:***:service/pawebapp-service is MISSING")."""
    if ref.startswith("arn:"):
        return ref
    return f"arn:aws:ecs:{svc.account.region}:{svc.account.account_id}:service/{ref}"


def list_services(svc: EcsService, model: OperationModel, p: dict[str, Any]) -> dict[str, Any]:
    """ACTIVE and DRAINING services (10 a page unless maxResults says otherwise)."""
    cluster = svc.cluster(p.get("cluster"))
    rows = [s for s in cluster.services.values() if s.status != "INACTIVE"]
    if p.get("schedulingStrategy"):
        rows = [s for s in rows if s.scheduling_strategy == p["schedulingStrategy"]]
    if p.get("launchType"):
        rows = [
            s for s in rows if not s.capacity_provider_strategy and s.launch_type == p["launchType"]
        ]
    return page("serviceArns", [s.arn for s in rows], p, default=10)


def _check_desired(desired: int | None) -> None:
    """desiredCount from 0 to the tasks-per-service quota (simulator.aws.limits)."""
    if desired is not None and desired < 0:
        raise AWSError(INVALID_PARAMETER, "desiredCount can not be negative (ecsim wording).")
    if desired is not None and desired > limits.TASKS_PER_SERVICE:
        raise AWSError(
            INVALID_PARAMETER,
            f"desiredCount {desired} is above the {limits.TASKS_PER_SERVICE:,} tasks per "
            "service quota (ecsim wording).",
        )
