"""Hypothesis state machines over the pure Fleet: random requests, AWS events and time,
checking the invariants of ``simulator.testing.lifecycle`` after every step."""

from hypothesis.stateful import invariant, rule

from simulator.lifecycle import Fleet, HostState
from simulator.testing.lifecycle import FleetStateMachine, check_fleet, indexes, pick


class FleetMachine(FleetStateMachine):
    """The base machine as shipped."""


TestFleet = FleetMachine.TestCase


class StrictFleetMachine(FleetStateMachine):
    """The 2023 User Guide's affinity rule, a host quota, and recovery-heavy hosts."""

    def make_fleet(self) -> Fleet:
        return Fleet(host_limit_per_family=2, affinity_change_requires_stopped=True)

    @rule(i=indexes())
    def fail_a_busy_host(self, i: int) -> None:
        busy = [h for h in self.host_ids(HostState.AVAILABLE) if self.fleet.active_instances(h)]
        hid = pick(busy, i)
        if hid is not None:
            self.call(self.fleet.fail_host, hid)

    @invariant()
    def recovered_instances_run_on_available_hosts(self) -> None:
        for h in self.fleet.hosts.values():
            if h.replaces_host_id is not None and h.state is HostState.AVAILABLE:
                for inst in self.fleet.active_instances(h.host_id):
                    assert not inst.impaired, inst


TestStrictFleet = StrictFleetMachine.TestCase


class ErrorCoverageMachine(FleetStateMachine):
    """Records every refusal code; the test below checks the machine reaches the rules."""

    seen: set[str] = set()

    def teardown(self) -> None:
        ErrorCoverageMachine.seen.update(self.refusals)


def test_machine_exercises_the_refusal_rules():
    from hypothesis import settings
    from hypothesis.stateful import run_state_machine_as_test

    ErrorCoverageMachine.seen = set()
    run_state_machine_as_test(
        ErrorCoverageMachine,
        settings=settings(
            max_examples=60,
            stateful_step_count=40,
            deadline=None,
            database=None,
            derandomize=True,
        ),
    )
    # The random walk must hit the core rules, or the invariants prove little.
    assert {
        "IncorrectInstanceState",
        "Client.InvalidHost.Occupied",
        "InsufficientHostCapacity",
        "InvalidHostState",
    } <= ErrorCoverageMachine.seen


def test_check_fleet_catches_an_over_capacity_host():
    fleet = Fleet()
    (hid,) = fleet.allocate_hosts(at=0.0, instance_type="m6i.metal")
    fleet.run_instances("m6i.metal", tenancy="host", host_id=hid, at=0.0)
    (iid,) = fleet.run_instances("m6i.metal", at=0.0)
    inst = fleet.instances[iid]  # smuggle a second metal instance onto the host
    inst.tenancy, inst.host_id = "host", hid
    fleet.hosts[hid].instances.add(iid)
    try:
        check_fleet(fleet)
    except AssertionError as e:
        assert "over capacity" in str(e)
    else:
        raise AssertionError("check_fleet missed an over-capacity host")


def test_check_fleet_catches_a_running_instance_on_a_pending_host():
    fleet = Fleet()
    (hid,) = fleet.allocate_hosts(at=0.0, instance_type="m5.large")
    fleet.run_instances("m5.large", tenancy="host", host_id=hid, at=0.0)
    fleet.hosts[hid].state = HostState.PENDING  # what a buggy rule would do
    try:
        check_fleet(fleet)
    except AssertionError as e:
        assert "active on" in str(e)
    else:
        raise AssertionError("check_fleet missed an instance on a pending host")


def test_pick_wraps_and_handles_empty():
    assert pick([], 3) is None
    assert pick(["a", "b"], 3) == "b"
