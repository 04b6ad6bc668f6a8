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
from simulator.lifecycle.fleet import Changes
from simulator.lifecycle.host import HostState

STREAM = "faults.host_failures"


def host_failures(
    world: World, ec2: Ec2ControlPlane, mtbf: float, max_hosts: int, start: float = 0.0
) -> Generator:
    """A SimPy process: fail available hosts at rate 1/mtbf each."""
    rng = world.rng(STREAM)
    if max_hosts <= 0 or mtbf <= 0:
        return
    available = AvailableHosts(ec2)
    yield world.env.timeout(max(0.0, start - world.now))
    rate = max_hosts / mtbf
    while True:
        yield world.env.timeout(rng.exponential(1.0 / rate))
        accept, pick = rng.random(), rng.random()
        n = len(available.ids)
        if accept < n / max_hosts:
            host_id = available.ids[int(pick * n)]
            world.emit("fault.host_failure", host_id)
            ec2.fail_host(host_id)


class AvailableHosts:
    """The ids of available hosts, kept current from the control plane's changes, with
    O(1) removal (swap with the last), so picking one costs nothing on large fleets."""

    def __init__(self, ec2: Ec2ControlPlane):
        self.ids: list[str] = []
        self._index: dict[str, int] = {}
        for host in ec2.fleet.hosts.values():
            if host.state is HostState.AVAILABLE:
                self._add(host.host_id)
        ec2.listeners.append(self)

    def __call__(self, changes: Changes) -> None:
        for h in changes.hosts:
            if h.current_state is HostState.AVAILABLE:
                self._add(h.host_id)
            else:
                self._remove(h.host_id)

    def _add(self, host_id: str) -> None:
        if host_id not in self._index:
            self._index[host_id] = len(self.ids)
            self.ids.append(host_id)

    def _remove(self, host_id: str) -> None:
        i = self._index.pop(host_id, None)
        if i is None:
            return
        last = self.ids.pop()
        if i < len(self.ids):
            self.ids[i] = last
            self._index[last] = i
