"""Real boto3 clients answered by the simulation.

    from simulator.aws import SimulatedAWS
    aws = SimulatedAWS(seed=1, region="us-east-1")
    ec2 = aws.client("ec2")          # a genuine boto3 client
    ecs = aws.client("ecs")          # answered by the same simulation (same clock, fleet)
    ec2.allocate_hosts(AvailabilityZone="us-east-1a", InstanceType="m6i.xlarge", Quantity=1)
    aws.advance("10m")               # simulated time; waiters and patch_sleep() advance it too
    aws.fail_host(host_id)           # the host goes under-assessment now

See docs/aws.md (EC2) and docs/aws-ecs.md (ECS) for what is simulated, the error codes,
and how ecsim differs from moto.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "AUTOSCALING_OPERATIONS": ("simulator.aws.autoscaling", "OPERATIONS"),
    "DEFAULT_ACCOUNT_ID": ("simulator.aws.account", "DEFAULT_ACCOUNT_ID"),
    "EC2_OPERATIONS": ("simulator.aws.ec2", "OPERATIONS"),
    "ECS_ERROR_CODES": ("simulator.aws.ecs", "ERROR_CODES"),
    "ECS_OPERATIONS": ("simulator.aws.ecs_operations", "OPERATIONS"),
    "ELBV2_OPERATIONS": ("simulator.aws.elbv2_operations", "OPERATIONS"),
    "ResponseShapeError": ("simulator.aws.shapes", "ResponseShapeError"),
    "SimulatedAWS": ("simulator.aws.account", "SimulatedAWS"),
    "SimulationTimeout": ("simulator.aws.account", "SimulationTimeout"),
    "check_output": ("simulator.aws.shapes", "check_output"),
    "output_problems": ("simulator.aws.shapes", "output_problems"),
}
"""Imported on first use (PEP 562): a scenario run that needs one fact from a submodule
(``simulator.aws.limits``) does not pay for boto3 and the whole facade."""


def __getattr__(name: str) -> Any:
    if name == "ERROR_CODES":
        return _error_codes()
    if name not in _EXPORTS:
        raise AttributeError(f"module 'simulator.aws' has no attribute {name!r}")
    module, attribute = _EXPORTS[name]
    value = getattr(import_module(module), attribute)
    globals()[name] = value
    return value


def _error_codes() -> frozenset[str] | set[str]:
    """Every code a simulated EC2 or Auto Scaling client can answer with."""
    codes = (
        import_module("simulator.aws.errors").ALL
        | import_module("simulator.aws.ec2_vpc").CODES
        | import_module("simulator.aws.ec2_templates").CODES
        | import_module("simulator.aws.autoscaling").ERROR_CODES
    )
    globals()["ERROR_CODES"] = codes
    return codes


__all__ = [
    "AUTOSCALING_OPERATIONS",
    "DEFAULT_ACCOUNT_ID",
    "EC2_OPERATIONS",
    "ECS_ERROR_CODES",
    "ECS_OPERATIONS",
    "ELBV2_OPERATIONS",
    "ERROR_CODES",
    "ResponseShapeError",
    "SimulatedAWS",
    "SimulationTimeout",
    "check_output",
    "output_problems",
]
