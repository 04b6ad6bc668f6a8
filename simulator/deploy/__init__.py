"""Blue/green, canary and linear deployments as pure data and state machines (no simpy).

- ``configs``: CodeDeploy deployment configurations and their weight timelines;
- ``codedeploy``: the CodeDeploy ECS lifecycle, hooks, one active deployment per group,
  rollback as a new deployment;
- ``ecs_native``: ECS's own ``deploymentConfiguration.strategy`` (BLUE_GREEN, LINEAR,
  CANARY), lifecycle stages, hooks, rollback in place;
- ``groups``: CodeDeploy applications and deployment groups as validated data;
- ``risk``: the analytic model (exposure, time to detect, capacity, duration) the timed
  driver is checked against.

See docs/deploy.md.
"""

from simulator.deploy.configs import (
    PREDEFINED,
    DeploymentConfig,
    RoutingType,
    TrafficRouting,
    custom_config,
    traffic_routing_from_api,
)
from simulator.deploy.timeline import Shift, WeightTimeline

__all__ = [
    "PREDEFINED",
    "DeploymentConfig",
    "RoutingType",
    "Shift",
    "TrafficRouting",
    "WeightTimeline",
    "custom_config",
    "traffic_routing_from_api",
]
