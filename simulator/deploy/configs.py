"""CodeDeploy deployment configurations for ECS, as data, each with its weight timeline.

The five predefined ``CodeDeployDefault.ECS*`` configurations and custom ones built from a
``trafficRoutingConfig`` (TimeBasedCanary, TimeBasedLinear, AllAtOnce; integer percentages
and minutes). Facts and sources: docs/deploy.md and the reference's section A.1.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from simulator.core.errors import AWSError
from simulator.deploy import codes
from simulator.deploy.timeline import WeightTimeline, all_at_once, equal_steps, two_steps

PREDEFINED_PREFIX = "CodeDeployDefault."

PERCENT_RANGE = (1, 99)
"""[param] Valid custom canary/linear percentages. AWS documents none; 0 shifts nothing
and 100 is AllAtOnce, so ecsim accepts 1-99."""
INTERVAL_RANGE_MINUTES = (1, 2880)
"""[param] Valid custom canaryInterval/linearInterval in minutes. AWS documents none; ecsim
takes at least one minute and at most 2880 (the termination wait's maximum)."""
LINEAR_WAIT_AFTER_LAST_STEP = False
"""[param] Whether AllowTraffic waits one more interval after the last linear shift
(unconfirmed; the botocore doc says the percentage shifts at the *start* of each
increment, so by default AllowTraffic ends at the last shift)."""
CONFIG_LIMIT = 50
"""[param] Custom deployment configurations per account before
DeploymentConfigLimitExceededException (the quota is not in the service model)."""


class RoutingType(StrEnum):
    TIME_BASED_CANARY = "TimeBasedCanary"
    TIME_BASED_LINEAR = "TimeBasedLinear"
    ALL_AT_ONCE = "AllAtOnce"


@dataclass(frozen=True)
class TrafficRouting:
    """A ``trafficRoutingConfig``: ``percentage`` per step and ``interval`` minutes."""

    type: RoutingType
    percentage: int = 100
    interval_minutes: int = 0

    def timeline(self, *, linear_wait_after_last_step: bool = LINEAR_WAIT_AFTER_LAST_STEP):
        """The green weight over time from the start of AllowTraffic."""
        if self.type is RoutingType.ALL_AT_ONCE:
            return all_at_once()
        interval = self.interval_minutes * 60.0
        if self.type is RoutingType.TIME_BASED_CANARY:
            return two_steps(float(self.percentage), interval)
        return equal_steps(
            float(self.percentage), interval, wait_after_last=linear_wait_after_last_step
        )

    def to_api(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type.value}
        if self.type is RoutingType.TIME_BASED_CANARY:
            out["timeBasedCanary"] = {
                "canaryPercentage": self.percentage,
                "canaryInterval": self.interval_minutes,
            }
        elif self.type is RoutingType.TIME_BASED_LINEAR:
            out["timeBasedLinear"] = {
                "linearPercentage": self.percentage,
                "linearInterval": self.interval_minutes,
            }
        return out


def _bad(message: str) -> AWSError:
    return AWSError(codes.INVALID_TRAFFIC_ROUTING, message)


def _in_range(name: str, value: Any, bounds: tuple[int, int], unit: str) -> int:
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(f"{name} must be an integer number of {unit}, got {value!r}.")
    if not low <= value <= high:
        raise _bad(f"{name} must be between {low} and {high} {unit}, got {value} (ecsim wording).")
    return value


def traffic_routing_from_api(config: Mapping[str, Any]) -> TrafficRouting:
    """Read a ``trafficRoutingConfig``; InvalidTrafficRoutingConfigurationException if bad.

    botocore does not check enum values client-side, so the type is checked here; the
    member matching the type is required and the other one refused.
    """
    raw_type = config.get("type")
    try:
        kind = RoutingType(str(raw_type))
    except ValueError:
        names = ", ".join(t.value for t in RoutingType)
        raise _bad(f"trafficRoutingConfig.type must be one of {names}, got {raw_type!r}.") from None
    members = {"timeBasedCanary", "timeBasedLinear"} & set(config)
    if kind is RoutingType.ALL_AT_ONCE:
        if members:
            raise _bad(f"An AllAtOnce traffic routing config takes no {sorted(members)[0]}.")
        return TrafficRouting(kind)
    wanted = "timeBasedCanary" if kind is RoutingType.TIME_BASED_CANARY else "timeBasedLinear"
    other = members - {wanted}
    if other:
        raise _bad(f"A {kind} traffic routing config takes {wanted}, not {other.pop()}.")
    body = config.get(wanted)
    if not isinstance(body, Mapping):
        raise _bad(f"A {kind} traffic routing config requires {wanted}.")
    pct_key, int_key = (
        ("canaryPercentage", "canaryInterval")
        if kind is RoutingType.TIME_BASED_CANARY
        else ("linearPercentage", "linearInterval")
    )
    for key in (pct_key, int_key):
        if key not in body:
            raise _bad(f"{wanted}.{key} is required.")
    pct = _in_range(f"{wanted}.{pct_key}", body[pct_key], PERCENT_RANGE, "percent")
    minutes = _in_range(f"{wanted}.{int_key}", body[int_key], INTERVAL_RANGE_MINUTES, "minutes")
    return TrafficRouting(kind, pct, minutes)


def config_id(name: str) -> str:
    """A stable deploymentConfigId (a UUID, as AWS returns) derived from the name."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"codedeploy/deployment-config/{name}"))


@dataclass(frozen=True)
class DeploymentConfig:
    """One deployment configuration of the ECS compute platform."""

    name: str
    routing: TrafficRouting
    predefined: bool = False
    create_time: float = 0.0
    compute_platform: str = "ECS"

    @property
    def config_id(self) -> str:
        return config_id(self.name)

    def timeline(
        self, *, linear_wait_after_last_step: bool = LINEAR_WAIT_AFTER_LAST_STEP
    ) -> WeightTimeline:
        return self.routing.timeline(linear_wait_after_last_step=linear_wait_after_last_step)

    def weight_at(self, t: float) -> float:
        """Green's weight (percent) ``t`` seconds after AllowTraffic began."""
        return self.timeline().weight_at(t)

    def shift_instants(self) -> list[float]:
        return self.timeline().shift_instants


def _predefined(name: str, routing: TrafficRouting) -> DeploymentConfig:
    return DeploymentConfig(PREDEFINED_PREFIX + name, routing, predefined=True)


_C, _L = RoutingType.TIME_BASED_CANARY, RoutingType.TIME_BASED_LINEAR
PREDEFINED: Mapping[str, DeploymentConfig] = MappingProxyType(
    {
        c.name: c
        for c in (
            _predefined("ECSAllAtOnce", TrafficRouting(RoutingType.ALL_AT_ONCE)),
            _predefined("ECSLinear10PercentEvery1Minutes", TrafficRouting(_L, 10, 1)),
            _predefined("ECSLinear10PercentEvery3Minutes", TrafficRouting(_L, 10, 3)),
            _predefined("ECSCanary10Percent5Minutes", TrafficRouting(_C, 10, 5)),
            _predefined("ECSCanary10Percent15Minutes", TrafficRouting(_C, 10, 15)),
        )
    }
)
"""The predefined ECS configurations (names as aws-cdk spells them: capital-P Percent,
plural Minutes; the user guide's lower-case '10percent' is a typo)."""

DEFAULT_ECS_CONFIG = PREDEFINED_PREFIX + "ECSAllAtOnce"
"""[param] The configuration of an ECS deployment group created without one (the ECS
console's default; the API documents CodeDeployDefault.OneAtATime, a Server config)."""


def custom_config(
    name: str, traffic_routing: Mapping[str, Any], at: float = 0.0
) -> DeploymentConfig:
    """A custom ECS configuration from CreateDeploymentConfig's parameters."""
    if not name:
        raise AWSError(codes.DEPLOYMENT_CONFIG_NAME_REQUIRED, "Deployment config name is required.")
    if name.startswith(PREDEFINED_PREFIX):
        raise AWSError(
            codes.INVALID_DEPLOYMENT_CONFIG_NAME,
            f"Deployment config name {name} is invalid: the prefix {PREDEFINED_PREFIX} is "
            "reserved for predefined configurations (ecsim wording).",
        )
    return DeploymentConfig(name, traffic_routing_from_api(traffic_routing), create_time=at)
