import numpy as np

from simulator.core.world import World
from simulator.ec2 import Ec2ControlPlane
from simulator.faults import host_failures
from simulator.lifecycle.host import HostState


def failure_times(seed: int, recovery: str, hosts: int = 20, days: float = 120) -> list[float]:
    world = World(seed=seed)
    ec2 = Ec2ControlPlane(world)
    ec2.allocate_hosts(instance_type="m6i.xlarge", quantity=hosts, host_recovery=recovery)
    world.process(host_failures(world, ec2, mtbf=30 * 86400, max_hosts=hosts))
    world.run(days * 86400)
    return [e.time for e in world.trace.of_kind("fault.host_failure")]


def test_failure_rate_matches_the_mean_time_between_failures():
    # 20 hosts, MTBF 30 days, host recovery keeps 20 hosts available: about 80 failures
    # in 120 days; over 10 seeds the count is Poisson(800): 3 sigma is about 85
    total = sum(len(failure_times(seed, "on")) for seed in range(10))
    assert abs(total - 800) < 85


def test_variants_see_the_same_first_failure():
    on, off = failure_times(5, "on"), failure_times(5, "off")
    assert on[0] == off[0]
    # without recovery the failed hosts leave the pool, so fewer failures follow
    assert len(off) <= 20 < len(on)


def test_only_available_hosts_fail():
    world = World(seed=2)
    ec2 = Ec2ControlPlane(world)
    ids = ec2.allocate_hosts(instance_type="m6i.xlarge", quantity=3, host_recovery="off")
    world.process(host_failures(world, ec2, mtbf=86400, max_hosts=3))
    world.run(30 * 86400)
    failed = [e.resource for e in world.trace.of_kind("fault.host_failure")]
    assert sorted(failed) == sorted(ids)  # each fails once, then is never available again
    # hosts without instances are retired once assessed unrecoverable
    assert all(ec2.fleet.hosts[h].state is HostState.RELEASED_PERMANENT_FAILURE for h in ids)
    assert np.all(np.diff([e.time for e in world.trace.of_kind("fault.host_failure")]) > 0)
