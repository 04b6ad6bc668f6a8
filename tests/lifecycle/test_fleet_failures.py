"""Host failure: under-assessment, impaired instances, host recovery, permanent failure."""

from fleet_helpers import refused, running, stopped

from simulator.lifecycle import HostState, InstanceState, codes


def _failed_with_recovery(fleet, n=2, **launch):
    (hid,) = fleet.allocate_hosts(
        at=0.0, instance_type="m6i.xlarge", auto_placement="on", host_recovery="on"
    )
    ids = running(fleet, "m6i.xlarge", n, tenancy="host", host_id=hid, at=0.0, **launch)
    changes = fleet.fail_host(hid, at=100.0)
    return hid, ids, changes


def test_failure_impairs_instances_and_allocates_a_replacement(fleet):
    hid, ids, changes = _failed_with_recovery(fleet)
    host = fleet.hosts[hid]
    assert host.state is HostState.UNDER_ASSESSMENT
    repl = fleet.hosts[host.replacement_host_id]
    assert repl.state is HostState.PENDING and repl.pending_reason == "recovery"
    assert repl.replaces_host_id == hid
    assert (repl.instance_type, repl.auto_placement) == ("m6i.xlarge", "on")
    assert set(changes.impaired) == set(ids)
    assert [(c.host_id, c.previous_state, c.current_state) for c in changes.hosts] == [
        (hid, HostState.AVAILABLE, HostState.UNDER_ASSESSMENT),
        (repl.host_id, None, HostState.PENDING),
    ]
    for iid in ids:
        inst = fleet.instances[iid]
        assert inst.impaired and inst.state is InstanceState.RUNNING  # status, not state
    for target in (hid, repl.host_id):
        e = refused(fleet.run_instances, "m6i.xlarge", tenancy="host", host_id=target, at=101.0)
        assert e.code == codes.INVALID_HOST_STATE


def test_recovery_relaunches_instances_on_the_replacement(fleet):
    hid, ids, _ = _failed_with_recovery(fleet)
    repl_id = fleet.hosts[hid].replacement_host_id
    changes = fleet.complete_recovery(hid, at=700.0)
    assert fleet.hosts[repl_id].state is HostState.AVAILABLE
    assert fleet.hosts[hid].state is HostState.RELEASED_PERMANENT_FAILURE
    assert fleet.hosts[hid].instances == set()
    for iid in ids:
        inst = fleet.instances[iid]
        assert inst.host_id == repl_id and not inst.impaired
        assert inst.state is InstanceState.RUNNING
        assert [e.state for e in inst.history[-2:]] == [
            InstanceState.PENDING,
            InstanceState.RUNNING,
        ]
        assert inst.history[-1].host_id == repl_id
    assert sorted(ids) == sorted(fleet.hosts[repl_id].instances)
    moved = [(c.instance_id, c.current_state) for c in changes.instances]
    assert moved.count((ids[0], InstanceState.PENDING)) == 1


def test_recovery_can_be_completed_through_the_replacement_id(fleet):
    hid, _, _ = _failed_with_recovery(fleet)
    fleet.complete_recovery(fleet.hosts[hid].replacement_host_id, at=700.0)
    assert fleet.hosts[hid].state is HostState.RELEASED_PERMANENT_FAILURE
    assert refused(fleet.complete_recovery, hid, at=701.0).code == codes.INVALID_HOST_STATE


def test_pending_instance_moves_and_boots_on_the_replacement(fleet):
    (hid,) = fleet.allocate_hosts(at=0.0, instance_type="m6i.xlarge", host_recovery="on")
    (iid,) = fleet.run_instances("m6i.xlarge", tenancy="host", host_id=hid, at=0.0)
    fleet.fail_host(hid, at=1.0)
    fleet.complete_recovery(hid, at=2.0)
    inst = fleet.instances[iid]
    assert inst.state is InstanceState.PENDING and inst.host_id != hid
    fleet.complete_boot(iid, at=3.0)
    assert inst.state is InstanceState.RUNNING


def test_instance_store_instances_are_not_recovered(fleet):
    (hid,) = fleet.allocate_hosts(at=0.0, instance_type="m6i.xlarge", host_recovery="on")
    (ebs,) = running(fleet, "m6i.xlarge", tenancy="host", host_id=hid, at=0.0)
    (store,) = running(
        fleet, "m6i.xlarge", tenancy="host", host_id=hid, root_device="instance-store", at=0.0
    )
    fleet.fail_host(hid, at=1.0)
    fleet.complete_recovery(hid, at=2.0)
    assert fleet.hosts[hid].state is HostState.PERMANENT_FAILURE
    assert fleet.instances[ebs].host_id != hid
    s = fleet.instances[store]
    assert s.host_id == hid and s.impaired and s.state is InstanceState.RUNNING
    # Once nothing runs on it any more, AWS retires the failed host.
    fleet.terminate_instances([store], at=3.0)
    changes = fleet.complete_termination(store, at=4.0)
    assert fleet.hosts[hid].state is HostState.RELEASED_PERMANENT_FAILURE
    assert changes.hosts[-1].current_state is HostState.RELEASED_PERMANENT_FAILURE


def test_stopped_instances_are_not_recovered_and_cannot_start_on_the_failed_host(fleet):
    (hid,) = fleet.allocate_hosts(at=0.0, instance_type="m6i.xlarge", host_recovery="on")
    (iid,) = running(fleet, "m6i.xlarge", tenancy="host", host_id=hid, affinity="host", at=0.0)
    stopped(fleet, [iid], at=1.0)
    fleet.fail_host(hid, at=2.0)
    e = refused(fleet.start_instances, [iid], at=3.0)
    assert e.code == codes.INVALID_HOST_STATE
    changes = fleet.complete_recovery(hid, at=4.0)
    assert changes.detached == (iid,)
    inst = fleet.instances[iid]
    assert inst.host_id is None and inst.state is InstanceState.STOPPED
    # The replacement kept auto-placement off, so no host accepts an untargeted start...
    assert refused(fleet.start_instances, [iid], at=5.0).code == codes.INSUFFICIENT_HOST_CAPACITY
    # ... until the instance targets one (the User Guide's advice).
    repl = fleet.hosts[hid].replacement_host_id
    fleet.modify_instance_placement(iid, host_id=repl, at=6.0)
    fleet.start_instances([iid], at=7.0)
    assert inst.state is InstanceState.PENDING and inst.host_id == repl


def test_failure_without_recovery_then_permanent_failure(fleet):
    (hid,) = fleet.allocate_hosts(at=0.0, instance_type="m6i.xlarge")  # recovery off
    ids = running(fleet, "m6i.xlarge", 2, tenancy="host", host_id=hid, at=0.0)
    changes = fleet.fail_host(hid, at=1.0)
    assert fleet.hosts[hid].replacement_host_id is None
    assert len(changes.hosts) == 1
    assert refused(fleet.complete_recovery, hid, at=2.0).code == codes.INVALID_HOST_STATE
    fleet.complete_assessment(hid, at=3.0)
    assert fleet.hosts[hid].state is HostState.PERMANENT_FAILURE
    for iid in ids:  # "Your instances might continue to run."
        assert fleet.instances[iid].state is InstanceState.RUNNING
        assert fleet.instances[iid].impaired
    assert fleet.release_hosts([hid], at=4.0)[1][0].code == codes.CLIENT_HOST_OCCUPIED
    fleet.stop_instances(ids, at=5.0)
    fleet.complete_stop(ids[0], at=6.0)
    assert fleet.hosts[hid].state is HostState.PERMANENT_FAILURE
    fleet.complete_stop(ids[1], at=7.0)
    assert fleet.hosts[hid].state is HostState.RELEASED_PERMANENT_FAILURE
    assert fleet.hosts[hid].instances == set()
    assert all(not fleet.instances[i].impaired for i in ids)


def test_permanent_failure_of_an_empty_host_retires_it_at_once(fleet):
    (hid,) = fleet.allocate_hosts(at=0.0, instance_type="m6i.xlarge")
    fleet.fail_host(hid, at=1.0)
    fleet.complete_assessment(hid, at=2.0)
    assert fleet.hosts[hid].state is HostState.RELEASED_PERMANENT_FAILURE


def test_assessment_can_find_the_host_healthy(fleet):
    (hid,) = fleet.allocate_hosts(at=0.0, instance_type="m6i.xlarge")
    (iid,) = running(fleet, "m6i.xlarge", tenancy="host", host_id=hid, at=0.0)
    fleet.fail_host(hid, at=1.0)
    fleet.complete_assessment(hid, at=2.0, healthy=True)
    assert fleet.hosts[hid].state is HostState.AVAILABLE
    assert not fleet.instances[iid].impaired


def test_recovery_needs_a_supporting_family(fleet):
    # mac1 is not in the User Guide's list of families that support host recovery.
    (hid,) = fleet.allocate_hosts(at=0.0, instance_type="mac1.metal", host_recovery="on")
    fleet.fail_host(hid, at=1.0)
    assert fleet.hosts[hid].replacement_host_id is None


def test_assessment_waits_for_a_recovery_in_progress(fleet):
    hid, _, _ = _failed_with_recovery(fleet)
    e = refused(fleet.complete_assessment, hid, at=200.0)
    assert e.code == codes.INVALID_HOST_STATE and "complete_recovery" in e.message


def test_only_an_available_host_can_fail(fleet):
    hid, _, _ = _failed_with_recovery(fleet)
    assert refused(fleet.fail_host, hid, at=200.0).code == codes.INVALID_HOST_STATE


def test_instances_stopped_during_assessment_stay_with_the_failed_host(fleet):
    hid, ids, _ = _failed_with_recovery(fleet)
    fleet.stop_instances([ids[0]], at=150.0)  # stopping when the recovery completes
    fleet.complete_recovery(hid, at=700.0)
    assert fleet.hosts[hid].state is HostState.PERMANENT_FAILURE
    assert fleet.instances[ids[0]].host_id == hid
    fleet.complete_stop(ids[0], at=800.0)
    assert fleet.hosts[hid].state is HostState.RELEASED_PERMANENT_FAILURE
    assert fleet.instances[ids[0]].host_id is None


def test_a_replacement_can_fail_and_be_recovered_in_turn(fleet):
    hid, ids, _ = _failed_with_recovery(fleet)
    first = fleet.hosts[hid].replacement_host_id
    fleet.complete_recovery(first, at=200.0)
    fleet.fail_host(first, at=300.0)
    second = fleet.hosts[first].replacement_host_id
    assert second not in (hid, first)
    fleet.complete_recovery(first, at=400.0)  # by the failed replacement's own id
    assert fleet.hosts[first].state is HostState.RELEASED_PERMANENT_FAILURE
    assert all(fleet.instances[i].host_id == second for i in ids)
