"""Transitions per second of the pure lifecycle machines and of the Fleet.

Run: ``.venv/bin/python benchmarks/bench_lifecycle.py [--scale N]``. Prints one line per
benchmark; a benchmark, not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from simulator.lifecycle import Action, Fleet, HostAction, fleet_bills
from simulator.lifecycle.host import Host
from simulator.lifecycle.instance import Instance

INSTANCE_CYCLE = [
    Action.BOOTED,
    Action.REBOOT,
    Action.REBOOTED,
    Action.STOP,
    Action.STOPPED,
    Action.START,
    Action.BOOTED,
    Action.STOP,
    Action.STOPPED,
    Action.START,
]
HOST_CYCLE = [
    HostAction.BEGIN_SCRUB,
    HostAction.SCRUB_COMPLETE,
    HostAction.BEGIN_MODIFICATION,
    HostAction.MODIFICATION_COMPLETE,
    HostAction.FAILURE_DETECTED,
    HostAction.ASSESSED_HEALTHY,
]


def timed(name: str, n: int, fn: Callable[[], None]) -> None:
    t0 = time.perf_counter()
    fn()
    dt = time.perf_counter() - t0
    print(f"{name:<52} {n:>9,d} in {dt:7.3f} s  = {n / dt:>12,.0f} /s")


def bench_instance(n_cycles: int) -> None:
    inst = Instance("i-1", "m6i.large", family="m6i", vcpu=2, arch="x86_64", at=0.0)

    def run() -> None:
        t = 0.0
        for _ in range(n_cycles):
            for a in INSTANCE_CYCLE:
                t += 1.0
                inst.apply(a, t)

    timed("Instance.apply (pure state machine)", n_cycles * len(INSTANCE_CYCLE), run)


def bench_host(n_cycles: int) -> None:
    host = Host("h-1", "m6i", capacity=128, at=0.0)

    def run() -> None:
        t = 0.0
        for _ in range(n_cycles):
            for a in HOST_CYCLE:
                t += 1.0
                host.apply(a, t)

    timed("Host.apply (pure state machine)", n_cycles * len(HOST_CYCLE), run)


def bench_fleet(n_hosts: int) -> None:
    fleet = Fleet()
    fleet.allocate_hosts(at=0.0, instance_family="m5", quantity=n_hosts, auto_placement="on")
    per_host = 96 // 4
    ids: list[str] = []
    t = [1.0]

    def launch() -> None:
        for _ in range(n_hosts):
            ids.extend(fleet.run_instances("m5.xlarge", per_host, tenancy="host", at=t[0]))

    timed(f"Fleet.run_instances, auto-placement, {n_hosts} hosts", n_hosts * per_host, launch)

    def cycle() -> None:
        for iid in ids:
            fleet.complete_boot(iid, at=t[0])
        fleet.stop_instances(ids, at=t[0])
        for iid in ids:
            fleet.complete_stop(iid, at=t[0])
        fleet.start_instances(ids, at=t[0])
        for iid in ids:
            fleet.complete_boot(iid, at=t[0])

    timed("Fleet boot/stop/stop-done/start/boot transitions", 5 * len(ids), cycle)

    def release() -> None:
        fleet.stop_instances(ids, at=t[0])
        for iid in ids:
            fleet.complete_stop(iid, at=t[0])
        fleet.release_hosts(list(fleet.hosts), at=t[0])

    timed("Fleet stop all + ReleaseHosts (transitions)", 2 * len(ids) + n_hosts, release)

    def bill() -> None:
        fleet_bills(fleet.instances.values(), fleet.hosts.values(), 3600.0)

    timed("fleet_bills (resources billed)", len(ids) + n_hosts, bill)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=1, help="multiply the workload")
    args = parser.parse_args()
    bench_instance(20_000 * args.scale)
    bench_host(20_000 * args.scale)
    for n in (10, 50 * args.scale):
        bench_fleet(n)


if __name__ == "__main__":
    main()
