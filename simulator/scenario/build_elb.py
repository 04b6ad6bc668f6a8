"""Every scenario service behind a load balancer: one Application Load Balancer
listener forwarding to one target group per service, with the service's settings
(``services[].load_balancer``) and ELBv2's defaults otherwise."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from simulator.core.errors import AWSError
from simulator.ecs.load_balancers import ServiceLoadBalancer
from simulator.scenario import schema
from simulator.traffic.elb import (
    TARGET_GROUP_NOT_FOUND,
    HealthCheck,
    Listener,
    TargetGroup,
)

ACCOUNT_ID = "123456789012"
CONTAINER_PORT = 80


def target_group_name(service: str) -> str:
    """A valid target group name for the service: up to 32 alphanumerics and hyphens."""
    name = re.sub(r"[^A-Za-z0-9-]+", "-", service).strip("-") or "service"
    return name[:32].rstrip("-")


def target_group_arn(region: str, name: str, key: str) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return f"arn:aws:elasticloadbalancing:{region}:{ACCOUNT_ID}:targetgroup/{name}/{digest}"


@dataclass
class ServiceLoadBalancers:
    """The scenario's target groups and listeners, by service."""

    groups: dict[str, TargetGroup] = field(default_factory=dict)  # service -> group
    listeners: dict[str, Listener] = field(default_factory=dict)  # service -> listener
    _by_arn: dict[str, str] = field(default_factory=dict)  # group ARN -> service

    def target_group(self, arn: str) -> TargetGroup:
        service = self._by_arn.get(arn)
        if service is None:
            raise AWSError(TARGET_GROUP_NOT_FOUND, f"One or more target groups not found: {arn}")
        return self.groups[service]

    @property
    def columns(self) -> dict[str, str]:
        """Target group ARN -> the traffic model's column (the service's name)."""
        return dict(self._by_arn)

    def service_of(self, arn: str) -> str:
        return self._by_arn[arn]

    def arn_of(self, service: str) -> str:
        return self.groups[service].arn

    def group_of(self, service: str) -> TargetGroup:
        return self.groups[service]

    def binding(self, service: str) -> ServiceLoadBalancer:
        """The service's ``loadBalancers`` entry."""
        return ServiceLoadBalancer(self.arn_of(service), service, CONTAINER_PORT)


def service_load_balancers(scenario: schema.Scenario) -> ServiceLoadBalancers:
    out = ServiceLoadBalancers()
    for spec in scenario.services:
        lb = spec.load_balancer
        hc = lb.health_check
        name = target_group_name(spec.name)
        tg = TargetGroup(
            name,
            target_group_arn(scenario.region, name, f"{scenario.name}/{spec.name}"),
            check=HealthCheck(
                interval_s=hc.interval,
                timeout_s=hc.timeout,
                healthy_threshold=hc.healthy_threshold,
                unhealthy_threshold=hc.unhealthy_threshold,
            ),
            deregistration_delay_s=lb.deregistration_delay,
            algorithm=scenario.routing,
            target_type="ip",
        )
        out.groups[spec.name] = tg
        out._by_arn[tg.arn] = spec.name
        listener = Listener(port=CONTAINER_PORT)
        listener.set_forward([(tg, 1)])
        out.listeners[spec.name] = listener
    return out
