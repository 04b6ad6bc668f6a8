"""The ELBv2 API (Application Load Balancers) answered by the simulation's load balancer
model (``simulator.traffic.load_balancer``) and its health checks
(``simulator.traffic.elb_health``).

As for EC2 and ECS, each operation declares the params it simulates and the ones it
accepts without effect; any other param is refused with UnsupportedOperation naming it.
Request parsing (actions, conditions, tags, paging) lives in ``simulator.aws.elbv2_parse``;
the handlers and the operation table in ``simulator.aws.elbv2_operations``.
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from botocore.model import OperationModel

from simulator.aws.operations import Operation, find
from simulator.core.errors import AWSError
from simulator.lifecycle.instance import InstanceState
from simulator.traffic.elb_health import HealthChecks
from simulator.traffic.load_balancer import LoadBalancers
from simulator.traffic.target_health import ProbeResult

if TYPE_CHECKING:
    from simulator.aws.account import SimulatedAWS

INVALID_TARGET = "InvalidTarget"
TOO_MANY_TARGETS = "TooManyTargets"
INSTANCE_ID = re.compile(r"i-(?:[0-9a-f]{8}|[0-9a-f]{17})")
PRIVATE_RANGES = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
)
"""Where an ip target's address may be (CreateTargetGroup TargetType ip: RFC 1918 and RFC
6598 ranges)."""


def default_vpc_id(account_id: str, region: str) -> str:
    """The account's default VPC (ecsim has no VPC model; one stable ID per account)."""
    return "vpc-" + uuid.uuid5(uuid.NAMESPACE_URL, f"{account_id}/{region}/vpc").hex[:17]


class Elbv2Service:
    """The ELBv2 API of one simulated account and Region."""

    name = "elbv2"
    operations: Mapping[str, Operation]
    """The operation table, set by ``simulator.aws.elbv2_operations`` (which imports
    this module)."""

    def __init__(self, account: SimulatedAWS, registry: LoadBalancers, health: HealthChecks):
        self.account = account
        self.registry = registry
        self.health = health
        self.vpc_id = default_vpc_id(account.account_id, account.region)
        health.type_probes["instance"] = self.instance_probe

    def handle(self, model: OperationModel, params: Mapping[str, Any]) -> dict[str, Any]:
        """The parsed body of ``model``'s response to ``params``; AWSError if refused."""
        operation = find(self.operations, model, params, f"the ELBv2 operation {model.name}")
        return operation.handler(self, dict(params))

    # ------------------------------------------------------------------ targets
    def instance_state(self, instance_id: str) -> InstanceState | None:
        inst = self.account.fleet.instances.get(instance_id)
        return None if inst is None else inst.state

    def instance_probe(self, instance_id: str) -> ProbeResult:
        """An instance target passes while its instance is running; a stopped or terminated
        one is ``unused`` (Target.InvalidState)."""
        state = self.instance_state(instance_id)
        if state in (InstanceState.RUNNING,):
            return ProbeResult.PASS
        if state in (None, InstanceState.STOPPED, InstanceState.TERMINATED):
            return ProbeResult.INVALID_STATE
        return ProbeResult.FAILED

    def check_targets(self, target_type: str, ids: list[str], registering: bool) -> None:
        """InvalidTarget unless every ID is a target of ``target_type``: an instance of the
        account's fleet (running, to register) or a private IPv4 address."""
        if target_type == "ip":
            bad = []
            for i in ids:
                try:
                    ip = ipaddress.ip_address(i)
                except ValueError:
                    bad.append(i)
                    continue
                if ip.version != 4 or not any(ip in n for n in PRIVATE_RANGES):
                    bad.append(i)
            if bad:
                raise AWSError(
                    INVALID_TARGET,
                    "The following IP addresses are not valid private IPv4 addresses: "
                    + ", ".join(f"'{b}'" for b in bad),
                )
            return
        unknown = [i for i in ids if not INSTANCE_ID.fullmatch(i) or self.instance_state(i) is None]
        if unknown:
            raise AWSError(
                INVALID_TARGET,
                "The following targets are not valid instances: "
                + ", ".join(f"'{u}'" for u in unknown),
            )
        if registering:
            stopped = [i for i in ids if self.instance_state(i) is not InstanceState.RUNNING]
            if stopped:
                raise AWSError(
                    INVALID_TARGET,
                    "The following targets are not in a running state and cannot be "
                    "registered: " + ", ".join(f"'{s}'" for s in stopped),
                )
