"""Fleet rules on the host side: allocation, release, scrubbing, resource groups."""

import pytest
from fleet_helpers import refused, running, stopped

from simulator.lifecycle import Fleet, HostState, InstanceState, codes

DAY = 24 * 3600.0


# ---------------------------------------------------------------- AllocateHosts
def test_allocate_by_type_is_single_size_and_available(fleet):
    (hid,) = fleet.allocate_hosts(at=0.0, instance_type="m6i.xlarge")
    h = fleet.hosts[hid]
    assert hid == "h-00000000000000001"
    assert h.state is HostState.AVAILABLE and h.instance_type == "m6i.xlarge"
    assert h.auto_placement == "off" and h.host_recovery == "off"  # AWS defaults
    assert h.capacity == 128 and fleet.available_units(hid) == 128


def test_allocate_by_family_is_mixed_size(fleet):
    ids = fleet.allocate_hosts(at=0.0, instance_family="m5", quantity=3, auto_placement="on")
    assert len(ids) == 3 and len(set(ids)) == 3
    assert all(fleet.hosts[h].mixed_size and fleet.hosts[h].auto_placement == "on" for h in ids)


@pytest.mark.parametrize("family", ["m6i", "m6g", "mac1", "c7i"])
def test_allocate_by_family_refused_for_single_size_families(fleet, family):
    e = refused(fleet.allocate_hosts, at=0.0, instance_family=family)
    assert e.code == codes.INVALID_HOST_CONFIGURATION
    assert f"'{family}' is not supported" in e.message
    assert not fleet.hosts


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        (
            {"instance_type": "m5.large", "instance_family": "m5"},
            codes.INVALID_PARAMETER_COMBINATION,
        ),
        ({}, codes.MISSING_PARAMETER),
        ({"instance_type": "m5.large", "quantity": 0}, codes.INVALID_QUANTITY),
        ({"instance_type": "m5.large", "auto_placement": "yes"}, codes.INVALID_AUTO_PLACEMENT),
        ({"instance_type": "m5.large", "host_recovery": "maybe"}, codes.INVALID_PARAMETER_VALUE),
        ({"instance_type": "m5.lage"}, codes.INVALID_PARAMETER_VALUE),
        ({"instance_family": "x9"}, codes.INVALID_HOST_CONFIGURATION),
    ],
)
def test_allocate_request_errors(fleet, kwargs, code):
    assert refused(fleet.allocate_hosts, at=0.0, **kwargs).code == code
    assert not fleet.hosts


def test_unknown_type_error_suggests_names(fleet):
    e = refused(fleet.allocate_hosts, at=0.0, instance_type="m5.lage")
    assert "m5.large" in e.message


def test_host_limit_per_family():
    fleet = Fleet(host_limit_per_family=2)
    fleet.allocate_hosts(at=0.0, instance_type="mac1.metal")
    e = refused(fleet.allocate_hosts, at=0.0, instance_type="mac1.metal", quantity=2)
    assert e.code == codes.HOST_LIMIT_EXCEEDED
    assert "exceeds your current limit of 2" in e.message
    assert len(fleet.hosts) == 1
    fleet.allocate_hosts(at=0.0, instance_family="m5", quantity=2)  # other family


def test_modify_hosts(fleet):
    (hid,) = fleet.allocate_hosts(at=0.0, instance_type="m5.large")
    ok, bad = fleet.modify_hosts([hid, "h-nope"], at=1.0, auto_placement="on")
    assert ok == [hid] and fleet.hosts[hid].auto_placement == "on"
    assert bad[0].resource_id == "h-nope" and bad[0].code == codes.CLIENT_INVALID_HOST_ID_NOT_FOUND
    assert refused(fleet.modify_hosts, [hid], at=1.0).code == codes.MISSING_PARAMETER


# ---------------------------------------------------------------- ReleaseHosts
def test_release_empty_host(fleet):
    (hid,) = fleet.allocate_hosts(at=0.0, instance_type="m5.large")
    ok, bad = fleet.release_hosts([hid], at=10.0)
    assert ok == [hid] and bad == []
    h = fleet.hosts[hid]
    assert h.state is HostState.RELEASED and h.release_time == 10.0


def _busy_in(fleet: Fleet, state: InstanceState) -> tuple[str, str]:
    (hid,) = fleet.allocate_hosts(at=0.0, instance_type="m5.large")
    (iid,) = fleet.run_instances("m5.large", tenancy="host", host_id=hid, at=0.0)
    if state is not InstanceState.PENDING:
        fleet.complete_boot(iid, at=1.0)
    if state is InstanceState.REBOOTING:
        fleet.reboot_instances([iid], at=2.0)
    if state is InstanceState.STOPPING:
        fleet.stop_instances([iid], at=2.0)
    if state is InstanceState.SHUTTING_DOWN:
        fleet.terminate_instances([iid], at=2.0)
    assert fleet.instances[iid].state is state
    return hid, iid


@pytest.mark.parametrize(
    "state",
    [
        InstanceState.PENDING,
        InstanceState.RUNNING,
        InstanceState.REBOOTING,
        InstanceState.STOPPING,
        InstanceState.SHUTTING_DOWN,
    ],
)
def test_release_refused_while_an_instance_is_active(fleet, state):
    hid, iid = _busy_in(fleet, state)
    ok, bad = fleet.release_hosts([hid], at=3.0)
    assert ok == []
    (item,) = bad
    assert item.resource_id == hid and item.code == codes.CLIENT_HOST_OCCUPIED
    assert f"Dedicated host '{hid}' cannot be released as it is occupied" in item.message
    assert iid in item.message and str(state) in item.message
    assert fleet.hosts[hid].state is HostState.AVAILABLE


def test_release_with_stopped_instance_detaches_it(fleet):
    (hid,) = fleet.allocate_hosts(at=0.0, instance_type="m5.large")
    (iid,) = running(fleet, "m5.large", tenancy="host", host_id=hid, affinity="host", at=0.0)
    stopped(fleet, [iid], at=5.0)
    assert fleet.release_hosts([hid], at=6.0) == ([hid], [])
    assert fleet.hosts[hid].instances == set()
    inst = fleet.instances[iid]
    assert inst.host_id is None and inst.affinity == "host" and inst.state is InstanceState.STOPPED
    # Its next start lands on an auto-placement host and binds to it.
    (other,) = fleet.allocate_hosts(at=7.0, instance_type="m5.large", auto_placement="on")
    fleet.start_instances([iid], at=8.0)
    assert inst.host_id == other and iid in fleet.hosts[other].instances


def test_release_reports_unknown_and_released_ids(fleet):
    (hid,) = fleet.allocate_hosts(at=0.0, instance_type="m5.large")
    fleet.release_hosts([hid], at=1.0)
    ok, bad = fleet.release_hosts([hid, "h-0123"], at=2.0)
    assert ok == []
    assert [(b.resource_id, b.code) for b in bad] == [
        (hid, codes.CLIENT_INVALID_HOST_ID_NOT_FOUND),
        ("h-0123", codes.CLIENT_INVALID_HOST_ID_NOT_FOUND),
    ]
    assert "has been released" in bad[0].message


def test_release_mixes_successful_and_unsuccessful(fleet):
    a, b = fleet.allocate_hosts(at=0.0, instance_type="m5.large", quantity=2)
    fleet.run_instances("m5.large", tenancy="host", host_id=b, at=0.0)
    ok, bad = fleet.release_hosts([a, b, a], at=1.0)
    assert ok == [a] and [x.resource_id for x in bad] == [b]


def test_release_refused_for_pending_host(fleet):
    (hid,) = fleet.allocate_hosts(at=0.0, instance_type="m5.large")
    fleet.modify_host_resource_group(hid, at=1.0)
    ok, bad = fleet.release_hosts([hid], at=2.0)
    assert ok == [] and bad[0].code == codes.CLIENT_INVALID_HOST_STATE


def test_mac_host_cannot_be_released_within_24h(fleet):
    (hid,) = fleet.allocate_hosts(at=100.0, instance_type="mac1.metal")
    ok, bad = fleet.release_hosts([hid], at=100.0 + DAY - 1)
    assert ok == [] and bad[0].code == codes.CLIENT_HOST_MIN_ALLOCATION
    assert "must be allocated to your AWS account for at least 24 hour(s)" in bad[0].message
    assert fleet.release_hosts([hid], at=100.0 + DAY) == ([hid], [])


def test_mac_minimum_is_a_parameter():
    fleet = Fleet(mac_minimum_allocation_seconds=3600.0)
    (hid,) = fleet.allocate_hosts(at=0.0, instance_type="mac2.metal")
    assert fleet.release_hosts([hid], at=3600.0) == ([hid], [])


def test_non_mac_host_has_no_minimum(fleet):
    (hid,) = fleet.allocate_hosts(at=0.0, instance_type="m6g.large")
    assert fleet.release_hosts([hid], at=1.0) == ([hid], [])


# ---------------------------------------------------------------- Mac scrubbing
@pytest.mark.parametrize("how", ["stop", "terminate"])
def test_mac_instance_stop_or_terminate_scrubs_host(fleet, how):
    (hid,) = fleet.allocate_hosts(at=0.0, instance_type="mac1.metal")
    (iid,) = running(fleet, "mac1.metal", tenancy="host", host_id=hid, at=0.0)
    if how == "stop":
        fleet.stop_instances([iid], at=10.0)
        changes = fleet.complete_stop(iid, at=900.0)
    else:
        fleet.terminate_instances([iid], at=10.0)
        changes = fleet.complete_termination(iid, at=900.0)
    h = fleet.hosts[hid]
    assert h.state is HostState.PENDING and h.pending_reason == "scrub"
    assert [(c.host_id, c.previous_state, c.current_state) for c in changes.hosts] == [
        (hid, HostState.AVAILABLE, HostState.PENDING)
    ]
    # Nothing launches or releases while it scrubs.
    e = refused(fleet.run_instances, "mac1.metal", tenancy="host", host_id=hid, at=901.0)
    assert e.code == codes.INVALID_HOST_STATE
    fleet.complete_scrub(hid, at=900.0 + 50 * 60)
    assert h.state is HostState.AVAILABLE
    fleet.run_instances("mac1.metal", tenancy="host", host_id=hid, at=4000.0)


def test_stopped_mac_instance_terminated_later_does_not_scrub_again(fleet):
    (hid,) = fleet.allocate_hosts(at=0.0, instance_type="mac2.metal")
    (iid,) = running(fleet, "mac2.metal", tenancy="host", host_id=hid, at=0.0)
    stopped(fleet, [iid], at=10.0)
    fleet.complete_scrub(hid, at=20.0)
    changes = fleet.terminate_instances([iid], at=30.0)
    assert changes.hosts == () and fleet.hosts[hid].state is HostState.AVAILABLE


def test_non_mac_stop_does_not_scrub(fleet):
    (hid,) = fleet.allocate_hosts(at=0.0, instance_type="m5.large")
    (iid,) = running(fleet, "m5.large", tenancy="host", host_id=hid, at=0.0)
    stopped(fleet, [iid], at=1.0)
    assert fleet.hosts[hid].state is HostState.AVAILABLE


def test_scrub_completion_requires_a_scrub(fleet):
    (hid,) = fleet.allocate_hosts(at=0.0, instance_type="m5.large")
    assert refused(fleet.complete_scrub, hid, at=1.0).code == codes.INVALID_HOST_STATE
    fleet.modify_host_resource_group(hid, at=1.0)
    assert refused(fleet.complete_scrub, hid, at=2.0).code == codes.INVALID_HOST_STATE


# ---------------------------------------------------------------- resource groups
def test_resource_group_change_goes_through_pending(fleet):
    (hid,) = fleet.allocate_hosts(at=0.0, instance_type="m5.large")
    changes = fleet.modify_host_resource_group(hid, at=1.0)
    h = fleet.hosts[hid]
    assert h.state is HostState.PENDING and h.member_of_resource_group
    assert changes.hosts[0].current_state is HostState.PENDING
    fleet.complete_host_modification(hid, at=2.0)
    assert h.state is HostState.AVAILABLE
    fleet.modify_host_resource_group(hid, at=3.0)
    assert not h.member_of_resource_group


def test_resource_group_change_refused_with_active_instances(fleet):
    (hid,) = fleet.allocate_hosts(at=0.0, instance_type="m5.large")
    running(fleet, "m5.large", tenancy="host", host_id=hid, at=0.0)
    e = refused(fleet.modify_host_resource_group, hid, at=1.0)
    assert e.code == codes.INCORRECT_STATE
    h = fleet.hosts[hid]
    assert h.state is HostState.AVAILABLE and not h.member_of_resource_group


def test_time_cannot_go_backwards(fleet):
    fleet.allocate_hosts(at=10.0, instance_type="m5.large")
    with pytest.raises(ValueError):
        fleet.allocate_hosts(at=9.0, instance_type="m5.large")
