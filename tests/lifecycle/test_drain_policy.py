"""Worked example: check your own automation against AWS's lifecycle rules.

A drain-then-release policy stops every instance on a host it drains, waits until none is
active, and only then releases the host. The property: it never releases a busy host
(ReleaseHosts would answer Client.InvalidHost.Occupied; worse, a real script that ignores
the Unsuccessful list believes the host is gone and keeps paying for it). The base
machine supplies everything else that can happen meanwhile - launches, failures, scrubs,
time - and checks the fleet's own invariants after every step.
"""

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import invariant, rule, run_state_machine_as_test

from simulator.lifecycle import Fleet, HostState, InstanceState, UnsuccessfulItem, codes
from simulator.testing.lifecycle import FleetStateMachine, indexes, pick


class DrainThenRelease:
    """Drain hosts: no new launches, stop what runs, release once nothing is active."""

    def __init__(self, fleet: Fleet):
        self.fleet = fleet
        self.draining: set[str] = set()
        self.released: list[str] = []

    def drain(self, host_id: str, at: float) -> None:
        self.fleet.modify_hosts([host_id], auto_placement="off", at=at)
        self.draining.add(host_id)

    def step(self, at: float) -> tuple[list[str], list[UnsuccessfulItem]]:
        ok: list[str] = []
        failed: list[UnsuccessfulItem] = []
        for hid in sorted(self.draining):
            host = self.fleet.hosts[hid]
            if host.released:
                self.draining.discard(hid)
                continue
            active = self.fleet.active_instances(hid)
            stoppable = [
                i.instance_id
                for i in active
                if i.state in (InstanceState.RUNNING, InstanceState.REBOOTING)
            ]
            if stoppable:
                self.fleet.stop_instances(stoppable, at=at)
            if self.ready(hid):
                done, refused = self.fleet.release_hosts([hid], at=at)
                ok += done
                failed += refused
        self.released += ok
        return ok, failed

    def ready(self, host_id: str) -> bool:
        """Release only an available host with nothing active on it."""
        host = self.fleet.hosts[host_id]
        return host.state is HostState.AVAILABLE and not self.fleet.active_instances(host_id)


class ReleaseRightAfterStopping(DrainThenRelease):
    """The classic bug: release as soon as the stops are requested."""

    def ready(self, host_id: str) -> bool:
        return self.fleet.hosts[host_id].state is HostState.AVAILABLE


class DrainPolicyMachine(FleetStateMachine):
    policy_class: type[DrainThenRelease] = DrainThenRelease

    def __init__(self) -> None:
        super().__init__()
        self.policy = self.policy_class(self.fleet)

    @rule(i=indexes())
    def start_draining(self, i: int) -> None:
        hid = pick(self.host_ids(HostState.AVAILABLE), i)
        if hid is not None:
            self.policy.drain(hid, at=self.now)

    @rule()
    def policy_step(self) -> None:
        busy_before = {
            hid: [i.instance_id for i in self.fleet.active_instances(hid)]
            for hid in self.policy.draining
            if not self.fleet.hosts[hid].released
        }
        ok, failed = self.policy.step(self.now)
        for item in failed:
            assert item.code != codes.CLIENT_HOST_OCCUPIED, (
                f"the policy tried to release busy host {item.resource_id}: {item.message}"
            )
        for hid in ok:
            assert not busy_before[hid], f"released {hid} while {busy_before[hid]} were active"

    @invariant()
    def released_hosts_are_empty(self) -> None:
        for hid in self.policy.released:
            assert self.fleet.hosts[hid].released
            assert not self.fleet.hosts[hid].instances


TestDrainThenRelease = DrainPolicyMachine.TestCase


def test_the_machine_catches_a_policy_that_releases_too_early():
    class Buggy(DrainPolicyMachine):
        policy_class = ReleaseRightAfterStopping

    with pytest.raises(AssertionError, match="busy host"):
        run_state_machine_as_test(
            Buggy,
            settings=settings(
                max_examples=200,
                stateful_step_count=30,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.generate],  # finding it is the point; shrinking costs seconds
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
