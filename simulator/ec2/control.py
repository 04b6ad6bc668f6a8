"""The EC2 control plane in simulated time: requests go to the pure Fleet at once,
and every transition that takes time (boot, stop, scrub, recovery...) is scheduled on
the World to complete after a draw from its distribution.

A scheduled completion remembers how long the resource's history was when it was
scheduled; if anything else happened to the resource meanwhile (say, an instance
terminated while pending), the stale completion is dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from simulator.core.world import World
from simulator.ec2.timing import Ec2Timing
from simulator.lifecycle.fleet import (
    Changes,
    Fleet,
    HostStateChange,
    InstanceStateChange,
    UnsuccessfulItem,
)
from simulator.lifecycle.host import HostState
from simulator.lifecycle.instance import InstanceState

Listener = Callable[[Changes], None]


class Ec2ControlPlane:
    """A Fleet driven by a World: the same calls as Fleet, without ``at``."""

    def __init__(self, world: World, fleet: Fleet | None = None, timing: Ec2Timing | None = None):
        self.world = world
        self.fleet = fleet if fleet is not None else Fleet()
        self.timing = timing if timing is not None else Ec2Timing()
        self.listeners: list[Listener] = []
        self.pending_completions = 0

    # ----------------------------------------------------------------- requests
    def allocate_hosts(self, **kw: Any) -> list[str]:
        ids = self.fleet.allocate_hosts(at=self.world.now, **kw)
        self._handle(
            Changes(hosts=tuple(HostStateChange(h, None, self.fleet.hosts[h].state) for h in ids))
        )
        return ids

    def modify_hosts(self, host_ids: list[str], **kw: Any):
        return self.fleet.modify_hosts(host_ids, at=self.world.now, **kw)

    def release_hosts(self, host_ids: list[str]) -> tuple[list[str], list[UnsuccessfulItem]]:
        before = {h: self.fleet.hosts[h].state for h in host_ids if h in self.fleet.hosts}
        ok, failed = self.fleet.release_hosts(host_ids, at=self.world.now)
        released = (HostStateChange(h, before[h], self.fleet.hosts[h].state) for h in ok)
        self._handle(Changes(hosts=tuple(released)))
        return ok, failed

    def modify_host_resource_group(self, host_id: str) -> Changes:
        return self._handle(self.fleet.modify_host_resource_group(host_id, at=self.world.now))

    def run_instances(self, instance_type: str, count: int = 1, **kw: Any) -> list[str]:
        ids = self.fleet.run_instances(instance_type, count, at=self.world.now, **kw)
        self._handle(
            Changes(
                instances=tuple(InstanceStateChange(i, None, InstanceState.PENDING) for i in ids)
            )
        )
        return ids

    def boot_now(self, instance_ids: list[str]) -> None:
        """Complete the boot of pending instances at once (a scenario's initial fleet is
        running when the simulation starts); their scheduled boots become stale."""
        for iid in instance_ids:
            self._handle(self.fleet.complete_boot(iid, at=self.world.now))

    def start_instances(self, ids: list[str]) -> Changes:
        return self._handle(self.fleet.start_instances(ids, at=self.world.now))

    def stop_instances(self, ids: list[str], hibernate: bool = False) -> Changes:
        return self._handle(self.fleet.stop_instances(ids, at=self.world.now, hibernate=hibernate))

    def reboot_instances(self, ids: list[str]) -> Changes:
        return self._handle(self.fleet.reboot_instances(ids, at=self.world.now))

    def terminate_instances(self, ids: list[str]) -> Changes:
        return self._handle(self.fleet.terminate_instances(ids, at=self.world.now))

    def modify_instance_placement(self, instance_id: str, **kw: Any) -> bool:
        return self.fleet.modify_instance_placement(instance_id, at=self.world.now, **kw)

    def fail_host(self, host_id: str) -> Changes:
        """AWS detects a failure of the host now (under-assessment)."""
        return self._handle(self.fleet.fail_host(host_id, at=self.world.now))

    # ----------------------------------------------------------------- timing
    def _handle(self, changes: Changes) -> Changes:
        w = self.world
        for c in changes.instances:
            w.emit(
                "instance.state",
                c.instance_id,
                previous=str(c.previous_state),
                current=str(c.current_state),
            )
            self._schedule_instance(c.instance_id)
        for iid in changes.impaired:
            w.emit("instance.status", iid, status="impaired")
        for h in changes.hosts:
            w.emit(
                "host.state",
                h.host_id,
                previous=None if h.previous_state is None else str(h.previous_state),
                current=str(h.current_state),
            )
            self._schedule_host(h.host_id)
        for listener in self.listeners:
            listener(changes)
        return changes

    def _schedule_instance(self, iid: str) -> None:
        inst = self.fleet.instances[iid]
        mac = inst.is_mac
        step = {
            InstanceState.PENDING: ("mac_boot" if mac else "boot", self.fleet.complete_boot),
            InstanceState.REBOOTING: ("reboot", self.fleet.complete_reboot),
            InstanceState.STOPPING: ("mac_stop" if mac else "stop", self.fleet.complete_stop),
            InstanceState.SHUTTING_DOWN: (
                "mac_stop" if mac else "shutdown",
                self.fleet.complete_termination,
            ),
        }.get(inst.state)
        if step is None:
            return
        name, complete = step
        mark = len(inst.history)
        stream = f"ec2.{name}"

        def still_current() -> bool:
            return len(inst.history) == mark

        self._after(stream, name, still_current, lambda: complete(iid, at=self.world.now))

    def _schedule_host(self, host_id: str) -> None:
        host = self.fleet.hosts[host_id]
        mark = len(host.history)
        name: str | None = None
        complete: Callable[[], Changes] | None = None
        if host.state is HostState.PENDING and host.pending_reason == "scrub":
            name = "scrub_mac_apple_silicon" if host.apple_silicon else "scrub_mac_x86"
            complete = lambda: self.fleet.complete_scrub(host_id, at=self.world.now)  # noqa: E731
        elif host.state is HostState.PENDING and host.pending_reason == "modification":
            name = "host_modification"
            complete = lambda: self.fleet.complete_host_modification(  # noqa: E731
                host_id, at=self.world.now
            )
        elif host.state is HostState.PENDING and host.pending_reason == "recovery":
            name = "host_recovery"
            complete = lambda: self.fleet.complete_recovery(host_id, at=self.world.now)  # noqa: E731
        elif host.state is HostState.UNDER_ASSESSMENT and host.replacement_host_id is None:
            name = "host_assessment"
            complete = lambda: self.fleet.complete_assessment(host_id, at=self.world.now)  # noqa: E731
        if name is None or complete is None:
            return

        def still_current() -> bool:
            return len(host.history) == mark

        self._after(f"ec2.{name}", name, still_current, complete)

    def _after(
        self,
        stream: str,
        timing: str,
        still_current: Callable[[], bool],
        complete: Callable[[], Changes],
    ) -> None:
        delay = self.timing[timing].draw(self.world.rng(stream))
        self.pending_completions += 1

        def wait() -> Generator:
            yield self.world.env.timeout(delay)
            self.pending_completions -= 1
            if still_current():
                self._handle(complete())

        self.world.process(wait())
