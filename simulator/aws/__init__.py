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

from simulator.aws import autoscaling, ec2_templates, ec2_vpc
from simulator.aws.account import DEFAULT_ACCOUNT_ID, SimulatedAWS, SimulationTimeout
from simulator.aws.autoscaling import OPERATIONS as AUTOSCALING_OPERATIONS
from simulator.aws.ec2 import OPERATIONS as EC2_OPERATIONS
from simulator.aws.ecs import ERROR_CODES as ECS_ERROR_CODES
from simulator.aws.ecs_operations import OPERATIONS as ECS_OPERATIONS
from simulator.aws.elbv2_operations import OPERATIONS as ELBV2_OPERATIONS
from simulator.aws.errors import ALL as _EC2_CODES
from simulator.aws.shapes import ResponseShapeError, check_output, output_problems

ERROR_CODES = _EC2_CODES | ec2_vpc.CODES | ec2_templates.CODES | autoscaling.ERROR_CODES
"""Every code a simulated EC2 or Auto Scaling client can answer with."""

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
