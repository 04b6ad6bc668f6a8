import pytest

from simulator.core.distributions import Fixed
from simulator.core.errors import AWSError
from simulator.core.world import World
from simulator.ec2 import Ec2ControlPlane, Ec2Timing
from simulator.lifecycle.host import HostState
from simulator.lifecycle.instance import InstanceState


def control(**fixed: float) -> Ec2ControlPlane:
    timing = Ec2Timing()
    for name, seconds in fixed.items():
        timing.durations[name] = Fixed(seconds)
    return Ec2ControlPlane(World(seed=1), timing=timing)


def test_default_timings_come_from_the_catalog_with_aws_facts_ranges():
    t = Ec2Timing()
    assert (t["boot"].low, t["boot"].high) == (5.0, 17.0)
    assert (t["mac_boot"].low, t["mac_boot"].high) == (360.0, 1200.0)
    assert t["scrub_mac_apple_silicon"].high == 110 * 60


def test_boot_completes_after_the_drawn_delay():
    ec2 = Ec2ControlPlane(World(seed=3))
    (iid,) = ec2.run_instances("m6i.large")
    ec2.world.run(4.9)
    assert ec2.fleet.instances[iid].state is InstanceState.PENDING
    ec2.world.run(17.1)
    inst = ec2.fleet.instances[iid]
    assert inst.state is InstanceState.RUNNING
    assert 5.0 <= inst.history[-1].at <= 17.0


def test_stale_completion_is_dropped():
    ec2 = control(boot=10, shutdown=100)
    (iid,) = ec2.run_instances("m6i.large")
    ec2.world.run(5)
    ec2.terminate_instances([iid])  # pending -> shutting-down before the boot completes
    ec2.world.run(200)
    states = [str(t.state) for t in ec2.fleet.instances[iid].history]
    assert states == ["pending", "shutting-down", "terminated"]


def test_mac_stop_scrubs_the_host_then_it_is_available_again():
    ec2 = control(mac_boot=600, mac_stop=900, scrub_mac_apple_silicon=3600)
    (hid,) = ec2.allocate_hosts(instance_type="mac2.metal")
    (iid,) = ec2.run_instances("mac2.metal", tenancy="host", host_id=hid)
    ec2.world.run(700)
    ec2.stop_instances([iid])
    ec2.world.run(700 + 901)
    assert ec2.fleet.hosts[hid].state is HostState.PENDING
    ec2.world.run(700 + 900 + 3601)
    assert ec2.fleet.hosts[hid].state is HostState.AVAILABLE


def test_host_recovery_moves_instances_and_retires_the_host():
    ec2 = control(boot=10, host_recovery=1200)
    (hid,) = ec2.allocate_hosts(instance_type="m6i.xlarge", host_recovery="on")
    ids = ec2.run_instances("m6i.xlarge", 32, tenancy="host", host_id=hid)
    ec2.world.run(60)
    ec2.fail_host(hid)
    assert all(ec2.fleet.instances[i].impaired for i in ids)
    ec2.world.run(60 + 1201)
    host = ec2.fleet.hosts[hid]
    assert host.state is HostState.RELEASED_PERMANENT_FAILURE
    new = {ec2.fleet.instances[i].host_id for i in ids}
    assert len(new) == 1 and new != {hid}
    assert all(ec2.fleet.instances[i].state is InstanceState.RUNNING for i in ids)
    kinds = {e.kind for e in ec2.world.trace.events}
    assert {"instance.state", "instance.status", "host.state"} <= kinds


def test_without_recovery_the_host_ends_in_permanent_failure():
    ec2 = control(boot=10, host_assessment=1800)
    (hid,) = ec2.allocate_hosts(instance_type="m6i.xlarge", host_recovery="off")
    ids = ec2.run_instances("m6i.xlarge", 4, tenancy="host", host_id=hid)
    ec2.world.run(60)
    ec2.fail_host(hid)
    ec2.world.run(60 + 1801)
    assert ec2.fleet.hosts[hid].state is HostState.PERMANENT_FAILURE
    assert all(ec2.fleet.instances[i].impaired for i in ids)


def test_refusals_carry_aws_codes():
    ec2 = control(boot=10)
    (hid,) = ec2.allocate_hosts(instance_type="m6i.xlarge")
    ec2.run_instances("m6i.xlarge", 32, tenancy="host", host_id=hid)
    with pytest.raises(AWSError) as info:
        ec2.run_instances("m6i.xlarge", 1, tenancy="host", host_id=hid)
    assert info.value.code == "InsufficientCapacityOnHost"
    ok, failed = ec2.release_hosts([hid])
    assert ok == [] and failed[0].code == "Client.InvalidHost.Occupied"


def test_timing_overrides_are_checked():
    t = Ec2Timing.with_overrides(
        {"boot": "30s", "stop": {"distribution": "exponential", "mean": "1m"}}
    )
    assert t["boot"].mean == 30 and t["stop"].mean == 60
    with pytest.raises(Exception, match="unknown EC2 timing 'bot'"):
        Ec2Timing.with_overrides({"bot": "30s"})
