"""EC2 in simulated time: the pure lifecycle Fleet driven by the World's clock."""

from simulator.ec2.control import Ec2ControlPlane
from simulator.ec2.timing import Ec2Timing

__all__ = ["Ec2ControlPlane", "Ec2Timing"]
