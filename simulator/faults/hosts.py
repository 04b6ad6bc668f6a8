"""Host failures at a rate: each available Dedicated Host fails after an exponential
time (a Poisson process per host), drawn from the ``faults.host_failures`` stream.

Implemented by thinning a Poisson process of rate ``max_hosts / mtbf``: each candidate
failure is accepted with probability (available hosts / max_hosts) and hits an available
host chosen uniformly. Every candidate consumes the same draws whatever the fleet does,
so two variants of a scenario (host recovery on and off) see the same failure times.
"""

from __future__ import annotations

from collections.abc import Generator

from simulator.core.world import World
from simulator.ec2.control import Ec2ControlPlane
from simulator.lifecycle.host import HostState

STREAM = "faults.host_failures"


def host_failures(
    world: World, ec2: Ec2ControlPlane, mtbf: float, max_hosts: int, start: float = 0.0
) -> Generator:
    """A SimPy process: fail available hosts at rate 1/mtbf each."""
    rng = world.rng(STREAM)
    if max_hosts <= 0 or mtbf <= 0:
        return
    yield world.env.timeout(max(0.0, start - world.now))
    rate = max_hosts / mtbf
    while True:
        yield world.env.timeout(rng.exponential(1.0 / rate))
        accept, pick = rng.random(), rng.random()
        available = [h.host_id for h in ec2.fleet.hosts.values() if h.state is HostState.AVAILABLE]
        if accept < len(available) / max_hosts:
            host_id = available[int(pick * len(available))]
            world.emit("fault.host_failure", host_id)
            ec2.fail_host(host_id)
