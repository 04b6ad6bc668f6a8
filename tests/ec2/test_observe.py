"""The per-tick observer agrees with the exact billing meters and the fleet's states."""

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.catalog.catalog import instance_type
from simulator.catalog.hosts import host_type
from simulator.core.world import World
from simulator.ec2 import Ec2ControlPlane
from simulator.ec2.observe import FleetObserver
from simulator.lifecycle.billing import fleet_bills


def observed(seed: int = 0) -> tuple[Ec2ControlPlane, FleetObserver]:
    ec2 = Ec2ControlPlane(World(seed=seed))
    obs = FleetObserver(
        ec2.fleet,
        lambda t: instance_type(t).price_per_hour or 0.0,
        lambda f: host_type(f).price_per_hour,
        lambda: ec2.world.now,
    )
    ec2.listeners.append(obs)
    return ec2, obs


actions = st.lists(
    st.tuples(
        st.sampled_from(["launch", "stop", "start", "terminate", "reboot", "fail", "wait"]),
        st.integers(0, 7),
        st.floats(1, 3000),
    ),
    max_size=25,
)


@given(actions, st.integers(0, 3))
def test_counts_and_cost_match_the_fleet(steps, seed):
    ec2, obs = observed(seed)
    (hid,) = ec2.allocate_hosts(instance_type="m6i.xlarge", host_recovery="on")
    fleet = ec2.fleet
    for kind, k, wait in steps:
        ids = list(ec2.fleet.instances)
        target = [ids[k % len(ids)]] if ids else []
        try:
            if kind == "launch":
                if k % 2:
                    ec2.run_instances("m6i.xlarge", 1, tenancy="host", host_id=hid)
                else:
                    ec2.run_instances("m6g.large", 1)
            elif kind == "stop" and target:
                ec2.stop_instances(target)
            elif kind == "start" and target:
                ec2.start_instances(target)
            elif kind == "terminate" and target:
                ec2.terminate_instances(target)
            elif kind == "reboot" and target:
                ec2.reboot_instances(target)
            elif kind == "fail":
                available = [h for h, v in ec2.fleet.hosts.items() if str(v.state) == "available"]
                if available:
                    ec2.fail_host(available[0])
        except Exception as exc:  # refused by AWS's rules: fine, nothing changed
            assert type(exc).__name__ == "AWSError"
        ec2.world.run(ec2.world.now + wait)
        assert +obs.instances == Counter(i.state for i in fleet.instances.values())
        assert +obs.hosts == Counter(h.state for h in fleet.hosts.values())
        assert obs.impaired == {i for i, v in fleet.instances.items() if v.impaired}
    # once every open period is older than the 60 s minimum, the accrued cost is exact
    ec2.world.run(ec2.world.now + 10_000)  # past every scheduled completion
    now = ec2.world.now
    bills = fleet_bills(fleet.instances.values(), fleet.hosts.values(), now)
    assert obs.cost(now) == pytest.approx(sum(b.cost for b in bills.values()), rel=1e-9, abs=1e-9)
