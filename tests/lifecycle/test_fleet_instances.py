"""Fleet rules on the instance side: launch, placement, start, stop, placement changes."""

from typing import NamedTuple

import pytest
from fleet_helpers import refused, running, stopped

from simulator.catalog.catalog import instance_type as catalog_type
from simulator.core.errors import CatalogError
from simulator.lifecycle import Fleet, HostState, InstanceState, codes


# ---------------------------------------------------------------- RunInstances
def test_shared_tenancy_launch(fleet):
    ids = fleet.run_instances("m6g.large", 2, at=0.0)
    assert ids == ["i-00000000000000001", "i-00000000000000002"]
    for iid in ids:
        inst = fleet.instances[iid]
        assert inst.state is InstanceState.PENDING and inst.host_id is None
        assert (inst.family, inst.vcpu, inst.arch) == ("m6g", 2, "arm64")
    changes = fleet.complete_boot(ids[0], at=12.0)
    assert [(c.previous_state, c.current_state) for c in changes.instances] == [
        (InstanceState.PENDING, InstanceState.RUNNING)
    ]


def test_explicit_host_must_exist(fleet):
    e = refused(fleet.run_instances, "m5.large", tenancy="host", host_id="h-nope", at=0.0)
    assert e.code == codes.INVALID_HOST_ID_NOT_FOUND and "h-nope" in e.message


def test_single_size_host_takes_only_its_type(fleet):
    (hid,) = fleet.allocate_hosts(at=0.0, instance_type="m6i.xlarge")
    e = refused(fleet.run_instances, "m6i.2xlarge", tenancy="host", host_id=hid, at=0.0)
    assert e.code == codes.UNSUPPORTED_INSTANCE_TYPE_ON_HOST
    e = refused(fleet.run_instances, "m5.xlarge", tenancy="host", host_id=hid, at=0.0)
    assert e.code == codes.UNSUPPORTED_INSTANCE_TYPE_ON_HOST
    assert not fleet.instances


def test_single_size_host_capacity(fleet):
    (hid,) = fleet.allocate_hosts(at=0.0, instance_type="m6i.8xlarge")
    fleet.run_instances("m6i.8xlarge", 4, tenancy="host", host_id=hid, at=0.0)
    e = refused(fleet.run_instances, "m6i.8xlarge", tenancy="host", host_id=hid, at=0.0)
    assert e.code == codes.INSUFFICIENT_CAPACITY_ON_HOST
    assert f"Dedicated host {hid} has insufficient capacity" in e.message


def test_mixed_size_host_takes_any_mix_up_to_its_vcpus(fleet):
    (hid,) = fleet.allocate_hosts(at=0.0, instance_family="m5")
    fleet.run_instances("m5.4xlarge", 5, tenancy="host", host_id=hid, at=0.0)  # 80 vCPUs
    fleet.run_instances("m5.xlarge", 3, tenancy="host", host_id=hid, at=0.0)  # 92
    fleet.run_instances("m5.large", 2, tenancy="host", host_id=hid, at=0.0)  # 96
    assert fleet.available_units(hid) == 0
    e = refused(fleet.run_instances, "m5.large", tenancy="host", host_id=hid, at=0.0)
    assert e.code == codes.INSUFFICIENT_CAPACITY_ON_HOST


def test_launch_is_all_or_nothing_below_min_count(fleet):
    (hid,) = fleet.allocate_hosts(at=0.0, instance_type="m6i.8xlarge")
    e = refused(fleet.run_instances, "m6i.8xlarge", 5, tenancy="host", host_id=hid, at=0.0)
    assert e.code == codes.INSUFFICIENT_CAPACITY_ON_HOST
    assert not fleet.instances and not fleet.hosts[hid].instances
    ids = fleet.run_instances("m6i.8xlarge", 5, min_count=3, tenancy="host", host_id=hid, at=0.0)
    assert len(ids) == 4


def test_launch_onto_a_host_that_is_not_available(fleet):
    (hid,) = fleet.allocate_hosts(at=0.0, instance_type="m5.large")
    fleet.fail_host(hid, at=1.0)
    e = refused(fleet.run_instances, "m5.large", tenancy="host", host_id=hid, at=2.0)
    assert e.code == codes.INVALID_HOST_STATE and "under-assessment" in e.message


def test_launch_onto_released_host_is_not_found(fleet):
    (hid,) = fleet.allocate_hosts(at=0.0, instance_type="m5.large")
    fleet.release_hosts([hid], at=1.0)
    e = refused(fleet.run_instances, "m5.large", tenancy="host", host_id=hid, at=2.0)
    assert e.code == codes.INVALID_HOST_ID_NOT_FOUND


def test_auto_placement_uses_only_hosts_with_it_on(fleet):
    (off,) = fleet.allocate_hosts(at=0.0, instance_type="m5.large")
    e = refused(fleet.run_instances, "m5.large", tenancy="host", at=0.0)
    assert e.code == codes.INSUFFICIENT_HOST_CAPACITY
    assert "You do not have a host with a matching configuration" in e.message
    (on,) = fleet.allocate_hosts(at=0.0, instance_type="m5.large", auto_placement="on")
    (iid,) = fleet.run_instances("m5.large", tenancy="host", at=0.0)
    assert fleet.instances[iid].host_id == on and not fleet.hosts[off].instances


def test_auto_placement_fills_several_hosts(fleet):
    a, b = fleet.allocate_hosts(at=0.0, instance_type="m6i.metal", quantity=2, auto_placement="on")
    ids = fleet.run_instances("m6i.metal", 2, tenancy="host", at=0.0)
    assert {fleet.instances[i].host_id for i in ids} == {a, b}
    assert refused(fleet.run_instances, "m6i.metal", tenancy="host", at=0.0).code == (
        codes.INSUFFICIENT_HOST_CAPACITY
    )


def test_auto_placement_matches_the_host_configuration(fleet):
    fleet.allocate_hosts(at=0.0, instance_type="m5.large", auto_placement="on")
    e = refused(fleet.run_instances, "m5.xlarge", tenancy="host", at=0.0)
    assert e.code == codes.INSUFFICIENT_HOST_CAPACITY


def test_t3_host_capacity_units(fleet):
    (hid,) = fleet.allocate_hosts(at=0.0, instance_family="t3")
    fleet.run_instances("t3.nano", 190, tenancy="host", host_id=hid, at=0.0)
    # 2 units left: one t3.large (2 units) or two t3.micro (1 unit each).
    assert fleet.room_for(hid, "t3.large") == 1
    assert fleet.room_for(hid, "t3.micro") == 2
    assert fleet.room_for(hid, "t3.xlarge") == 0
    fleet.run_instances("t3.micro", 2, tenancy="host", host_id=hid, at=0.0)
    e = refused(fleet.run_instances, "t3.nano", tenancy="host", host_id=hid, at=0.0)
    assert e.code == codes.INSUFFICIENT_CAPACITY_ON_HOST


class _R5(NamedTuple):
    name: str
    family: str
    arch: str
    vcpu: int


def _with_r5(name: str):
    if name.startswith("r5."):
        vcpu = {"large": 2, "4xlarge": 16, "8xlarge": 32}[name.split(".")[1]]
        return _R5(name, "r5", "x86_64", vcpu)
    return catalog_type(name)


def test_per_size_limit_on_a_mixed_host():
    fleet = Fleet(instance_types=_with_r5)
    (hid,) = fleet.allocate_hosts(at=0.0, instance_family="r5")
    fleet.run_instances("r5.8xlarge", 2, tenancy="host", host_id=hid, at=0.0)
    e = refused(fleet.run_instances, "r5.8xlarge", tenancy="host", host_id=hid, at=0.0)
    assert e.code == codes.INSUFFICIENT_CAPACITY_ON_HOST  # 32 vCPUs free, but 2 is the cap
    fleet.run_instances("r5.4xlarge", 2, tenancy="host", host_id=hid, at=0.0)
    assert fleet.available_units(hid) == 0


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"count": 0}, codes.INVALID_PARAMETER_VALUE),
        ({"count": 2, "min_count": 3}, codes.INVALID_PARAMETER_VALUE),
        ({"tenancy": "dedicated"}, codes.INVALID_PARAMETER_VALUE),
        ({"affinity": "sticky"}, codes.INVALID_AFFINITY),
        ({"host_id": "h-1"}, codes.INVALID_PARAMETER_COMBINATION),
        ({"affinity": "host"}, codes.INVALID_PARAMETER_COMBINATION),
        ({"root_device": "floppy"}, codes.INVALID_PARAMETER_VALUE),
    ],
)
def test_run_instances_request_errors(fleet, kwargs, code):
    assert refused(fleet.run_instances, "m5.large", at=0.0, **kwargs).code == code
    assert not fleet.instances


def test_mac_needs_host_tenancy(fleet):
    assert refused(fleet.run_instances, "mac1.metal", at=0.0).code == codes.UNSUPPORTED


def test_unknown_instance_type(fleet):
    e = refused(fleet.run_instances, "m9.large", at=0.0)
    assert e.code == codes.INVALID_PARAMETER_VALUE and "m9.large" in e.message


# ---------------------------------------------------------------- requests
def test_unknown_instance_id(fleet):
    e = refused(fleet.stop_instances, ["i-nope"], at=0.0)
    assert e.code == codes.INVALID_INSTANCE_ID_NOT_FOUND


def test_requests_validate_every_instance_before_changing_any(fleet):
    (a,) = running(fleet, "m5.large", at=0.0)
    (b,) = fleet.run_instances("m5.large", at=0.0)  # pending: can't stop
    e = refused(fleet.stop_instances, [a, b], at=1.0)
    assert e.code == codes.INCORRECT_INSTANCE_STATE and b in e.message
    assert fleet.instances[a].state is InstanceState.RUNNING


def test_stop_start_reboot_terminate_changes(fleet):
    (iid,) = running(fleet, "m5.large", at=0.0)
    ch = fleet.reboot_instances([iid], at=1.0)
    assert ch.instances[0].current_state is InstanceState.REBOOTING
    fleet.complete_reboot(iid, at=2.0)
    ch = fleet.stop_instances([iid], at=3.0)
    assert (ch.instances[0].previous_state, ch.instances[0].current_state) == (
        InstanceState.RUNNING,
        InstanceState.STOPPING,
    )
    ch = fleet.stop_instances([iid], at=4.0)  # idempotent, as the API is
    assert ch.instances[0].current_state is InstanceState.STOPPING
    fleet.complete_stop(iid, at=5.0)
    ch = fleet.start_instances([iid], at=6.0)
    assert ch.instances[0].current_state is InstanceState.PENDING
    fleet.complete_boot(iid, at=7.0)
    fleet.terminate_instances([iid], at=8.0)
    fleet.complete_termination(iid, at=9.0)
    assert refused(fleet.start_instances, [iid], at=10.0).code == codes.INCORRECT_INSTANCE_STATE


def test_instance_store_backed_instance_cannot_stop(fleet):
    (iid,) = running(fleet, "m5.large", root_device="instance-store", at=0.0)
    assert refused(fleet.stop_instances, [iid], at=1.0).code == codes.UNSUPPORTED_OPERATION
    assert refused(fleet.stop_instances, [iid], hibernate=True, at=1.0).code == (
        codes.UNSUPPORTED_OPERATION
    )
    assert fleet.instances[iid].state is InstanceState.RUNNING


def test_completions_refuse_when_the_instance_moved_on(fleet):
    (iid,) = running(fleet, "m5.large", at=0.0)
    fleet.stop_instances([iid], at=1.0)
    fleet.terminate_instances([iid], at=2.0)  # terminate while stopping
    assert refused(fleet.complete_stop, iid, at=3.0).code == codes.INCORRECT_INSTANCE_STATE
    fleet.complete_termination(iid, at=4.0)


def test_terminated_instance_leaves_its_host(fleet):
    (hid,) = fleet.allocate_hosts(at=0.0, instance_type="m6i.metal")
    (iid,) = running(fleet, "m6i.metal", tenancy="host", host_id=hid, at=0.0)
    fleet.terminate_instances([iid], at=1.0)
    assert fleet.room_for(hid, "m6i.metal") == 0  # shutting-down still occupies it
    fleet.complete_termination(iid, at=2.0)
    assert iid not in fleet.hosts[hid].instances and fleet.room_for(hid, "m6i.metal") == 1


# ---------------------------------------------------------------- start and affinity
def _stopped_on_host(fleet, affinity, *, auto="off"):
    (hid,) = fleet.allocate_hosts(at=0.0, instance_type="m6i.metal", auto_placement=auto)
    (iid,) = running(fleet, "m6i.metal", tenancy="host", host_id=hid, affinity=affinity, at=0.0)
    stopped(fleet, [iid], at=1.0)
    return hid, iid


def test_affinity_host_restarts_on_the_same_host(fleet):
    hid, iid = _stopped_on_host(fleet, "host")
    fleet.allocate_hosts(at=2.0, instance_type="m6i.metal", auto_placement="on")
    fleet.start_instances([iid], at=3.0)
    assert fleet.instances[iid].host_id == hid


def test_affinity_host_start_fails_when_its_host_is_full(fleet):
    hid, iid = _stopped_on_host(fleet, "host")
    fleet.run_instances("m6i.metal", tenancy="host", host_id=hid, at=2.0)  # takes the slot
    fleet.allocate_hosts(at=2.0, instance_type="m6i.metal", auto_placement="on")
    e = refused(fleet.start_instances, [iid], at=3.0)
    assert e.code == codes.INSUFFICIENT_CAPACITY_ON_HOST
    assert fleet.instances[iid].state is InstanceState.STOPPED


def test_affinity_host_start_fails_when_its_host_is_not_available(fleet):
    hid, iid = _stopped_on_host(fleet, "host")
    fleet.modify_host_resource_group(hid, at=2.0)
    assert refused(fleet.start_instances, [iid], at=3.0).code == codes.INVALID_HOST_STATE


def test_affinity_default_prefers_the_last_host(fleet):
    hid, iid = _stopped_on_host(fleet, "default")
    fleet.allocate_hosts(at=2.0, instance_type="m6i.metal", auto_placement="on")
    fleet.start_instances([iid], at=3.0)
    assert fleet.instances[iid].host_id == hid


def test_affinity_default_moves_when_the_last_host_is_full(fleet):
    hid, iid = _stopped_on_host(fleet, "default")
    fleet.run_instances("m6i.metal", tenancy="host", host_id=hid, at=2.0)
    e = refused(fleet.start_instances, [iid], at=3.0)
    assert e.code == codes.INSUFFICIENT_HOST_CAPACITY
    (other,) = fleet.allocate_hosts(at=4.0, instance_type="m6i.metal", auto_placement="on")
    fleet.start_instances([iid], at=5.0)
    assert fleet.instances[iid].host_id == other
    assert iid in fleet.hosts[other].instances and iid not in fleet.hosts[hid].instances


def test_start_of_several_instances_plans_capacity_together(fleet):
    (hid,) = fleet.allocate_hosts(at=0.0, instance_type="m6i.metal", auto_placement="on")
    a = running(fleet, "m6i.metal", tenancy="host", host_id=hid, at=0.0)[0]
    stopped(fleet, [a], at=1.0)
    (b,) = fleet.run_instances("m6i.metal", tenancy="host", host_id=hid, at=2.0)
    fleet.complete_boot(b, at=2.0)
    stopped(fleet, [b], at=3.0)
    e = refused(fleet.start_instances, [a, b], at=4.0)  # only one slot
    assert e.code == codes.INSUFFICIENT_HOST_CAPACITY
    assert {fleet.instances[i].state for i in (a, b)} == {InstanceState.STOPPED}


# ---------------------------------------------------------------- ModifyInstancePlacement
def test_placement_changes_need_a_stopped_instance(fleet):
    (a, b) = fleet.allocate_hosts(at=0.0, instance_type="m6i.metal", quantity=2)
    (iid,) = running(fleet, "m6i.metal", tenancy="host", host_id=a, at=0.0)
    e = refused(fleet.modify_instance_placement, iid, host_id=b, at=1.0)
    assert e.code == codes.INVALID_INSTANCE_STATE and "stopped" in e.message
    stopped(fleet, [iid], at=2.0)
    assert fleet.modify_instance_placement(iid, host_id=b, affinity="host", at=3.0) is True
    assert iid in fleet.hosts[b].instances and iid not in fleet.hosts[a].instances
    fleet.start_instances([iid], at=4.0)
    assert fleet.instances[iid].host_id == b


def test_affinity_change_rule_is_selectable():
    current = Fleet()
    (hid,) = current.allocate_hosts(at=0.0, instance_type="m5.large")
    (iid,) = running(current, "m5.large", tenancy="host", host_id=hid, at=0.0)
    current.modify_instance_placement(iid, affinity="host", at=1.0)  # current API: allowed
    assert current.instances[iid].affinity == "host"
    old = Fleet(affinity_change_requires_stopped=True)  # 2023 User Guide
    (hid,) = old.allocate_hosts(at=0.0, instance_type="m5.large")
    (iid,) = running(old, "m5.large", tenancy="host", host_id=hid, at=0.0)
    e = refused(old.modify_instance_placement, iid, affinity="host", at=1.0)
    assert e.code == codes.INVALID_INSTANCE_STATE


def test_tenancy_changes(fleet):
    (iid,) = running(fleet, "m5.large", at=0.0)
    stopped(fleet, [iid], at=1.0)
    (hid,) = fleet.allocate_hosts(at=2.0, instance_type="m5.large", auto_placement="on")
    fleet.modify_instance_placement(iid, tenancy="host", at=3.0)
    fleet.start_instances([iid], at=4.0)
    assert fleet.instances[iid].host_id == hid
    fleet.complete_boot(iid, at=5.0)
    stopped(fleet, [iid], at=6.0)
    fleet.modify_instance_placement(iid, tenancy="default", at=7.0)
    inst = fleet.instances[iid]
    assert inst.host_id is None and inst.tenancy == "default" and not fleet.hosts[hid].instances


def test_t3_and_mac_instances_cannot_leave_host_tenancy(fleet):
    (t3h,) = fleet.allocate_hosts(at=0.0, instance_family="t3")
    (t3,) = running(fleet, "t3.small", tenancy="host", host_id=t3h, at=0.0)
    stopped(fleet, [t3], at=1.0)
    assert refused(fleet.modify_instance_placement, t3, tenancy="default", at=2.0).code == (
        codes.INVALID_REQUEST
    )
    (mh,) = fleet.allocate_hosts(at=2.0, instance_type="mac2.metal")
    (mac,) = running(fleet, "mac2.metal", tenancy="host", host_id=mh, at=2.0)
    stopped(fleet, [mac], at=3.0)
    assert refused(fleet.modify_instance_placement, mac, tenancy="default", at=4.0).code == (
        codes.UNSUPPORTED
    )


def test_placement_request_errors(fleet):
    (hid,) = fleet.allocate_hosts(at=0.0, instance_type="m6i.large")
    (iid,) = running(fleet, "m5.large", at=0.0)
    stopped(fleet, [iid], at=1.0)
    assert refused(fleet.modify_instance_placement, iid, at=2.0).code == codes.MISSING_PARAMETER
    e = refused(fleet.modify_instance_placement, iid, host_id=hid, tenancy="host", at=2.0)
    assert e.code == codes.UNSUPPORTED_INSTANCE_TYPE_ON_HOST
    e = refused(fleet.modify_instance_placement, iid, host_id=hid, at=2.0)
    assert e.code == codes.INVALID_PARAMETER_COMBINATION  # still default tenancy
    e = refused(fleet.modify_instance_placement, iid, host_id="h-x", tenancy="host", at=2.0)
    assert e.code == codes.INVALID_HOST_ID_NOT_FOUND
    inst = fleet.instances[iid]
    assert (inst.tenancy, inst.host_id) == ("default", None)


def test_custom_resolver_errors_become_aws_errors():
    def lookup(name):
        raise CatalogError(f"no {name}")

    fleet = Fleet(instance_types=lookup)
    assert refused(fleet.run_instances, "x.large", at=0.0).code == codes.INVALID_PARAMETER_VALUE


def test_queries(fleet):
    (hid,) = fleet.allocate_hosts(at=0.0, instance_family="m5")
    a, b = fleet.run_instances("m5.xlarge", 2, tenancy="host", host_id=hid, at=0.0)
    fleet.complete_boot(a, at=1.0)
    stopped(fleet, [a], at=2.0)
    assert [i.instance_id for i in fleet.instances_on(hid)] == [a, b]
    assert [i.instance_id for i in fleet.active_instances(hid)] == [b]
    assert fleet.used_units(hid) == 4 and fleet.available_units(hid) == 92
    assert fleet.hosts[hid].state is HostState.AVAILABLE
