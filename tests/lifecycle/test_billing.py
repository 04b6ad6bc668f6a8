"""Billing meters driven by state histories."""

import pytest
from fleet_helpers import running, stopped

from simulator.lifecycle import fleet_bills, host_bill, instance_bill, total_cost
from simulator.lifecycle.billing import periods

DAY = 24 * 3600.0


def test_periods_clip_and_merge():
    entries = [(0.0, False), (10.0, True), (20.0, True), (30.0, False), (50.0, True)]
    assert periods(entries, until=60.0) == [(10.0, 30.0), (50.0, 60.0)]
    assert periods(entries, until=15.0) == [(10.0, 15.0)]
    assert periods(entries, until=5.0) == []


def test_shared_instance_billed_per_second_while_running(fleet):
    (iid,) = fleet.run_instances("m6i.xlarge", at=0.0)
    fleet.complete_boot(iid, at=15.0)  # pending is free
    bill = instance_bill(fleet.instances[iid], until=15.0 + 3600.0, price_per_hour=0.192)
    assert bill.seconds == 3600.0 and bill.billed_seconds == 3600.0 and bill.periods == 1
    assert bill.cost == pytest.approx(0.192)


def test_sixty_second_minimum_per_start(fleet):
    (iid,) = running(fleet, "m5.large", at=0.0)
    stopped(fleet, [iid], at=10.0)
    fleet.start_instances([iid], at=100.0)
    fleet.complete_boot(iid, at=110.0)
    stopped(fleet, [iid], at=130.0)
    bill = instance_bill(fleet.instances[iid], until=1000.0, price_per_hour=1.0)
    assert bill.seconds == 10.0 + 20.0
    assert bill.periods == 2 and bill.billed_seconds == 120.0


def test_a_minimum_is_charged_when_the_period_starts(fleet):
    (iid,) = running(fleet, "m5.large", at=0.0)
    bill = instance_bill(fleet.instances[iid], until=5.0, price_per_hour=1.0)
    assert bill.seconds == 5.0 and bill.billed_seconds == 60.0


def test_reboot_does_not_start_a_new_period(fleet):
    (iid,) = running(fleet, "m5.large", at=0.0)
    fleet.reboot_instances([iid], at=100.0)
    fleet.complete_reboot(iid, at=130.0)
    bill = instance_bill(fleet.instances[iid], until=200.0, price_per_hour=1.0)
    assert bill.periods == 1 and bill.seconds == 200.0


def test_stopping_and_shutting_down_are_free(fleet):
    (a, b) = running(fleet, "m5.large", 2, at=0.0)
    fleet.stop_instances([a], at=100.0)
    fleet.terminate_instances([b], at=100.0)
    bills = fleet_bills(fleet.instances.values(), [], 500.0, instance_price=lambda _: 1.0)
    assert bills[a].seconds == bills[b].seconds == 100.0


def test_instances_on_a_host_are_not_billed_the_host_is(fleet):
    (hid,) = fleet.allocate_hosts(at=0.0, instance_type="m6i.xlarge")
    ids = running(fleet, "m6i.xlarge", 3, tenancy="host", host_id=hid, at=0.0)
    bills = fleet_bills(fleet.instances.values(), fleet.hosts.values(), 3600.0)
    assert all(bills[i].seconds == 0.0 and bills[i].cost == 0.0 for i in ids)
    assert bills[hid].seconds == 3600.0
    assert bills[hid].cost == pytest.approx(6.7584)  # catalog estimate for an m6i host
    assert total_cost(bills.values()) == pytest.approx(6.7584)


def test_moving_off_a_host_starts_instance_billing(fleet):
    (hid,) = fleet.allocate_hosts(at=0.0, instance_type="m5.large")
    (iid,) = running(fleet, "m5.large", tenancy="host", host_id=hid, at=0.0)
    stopped(fleet, [iid], at=100.0)
    fleet.modify_instance_placement(iid, tenancy="default", at=100.0)
    fleet.start_instances([iid], at=100.0)
    fleet.complete_boot(iid, at=100.0)
    bill = instance_bill(fleet.instances[iid], until=400.0, price_per_hour=1.0)
    assert bill.seconds == 300.0


def test_host_billed_only_while_available(fleet):
    (hid,) = fleet.allocate_hosts(at=0.0, instance_type="m5.large")
    fleet.modify_host_resource_group(hid, at=1000.0)
    fleet.complete_host_modification(hid, at=1600.0)
    fleet.fail_host(hid, at=2000.0)
    bill = host_bill(fleet.hosts[hid], until=5000.0, price_per_hour=1.0)
    assert bill.seconds == 1000.0 + 400.0 and bill.periods == 2


def test_released_host_stops_billing(fleet):
    (hid,) = fleet.allocate_hosts(at=0.0, instance_type="m5.large")
    fleet.release_hosts([hid], at=30.0)
    bill = host_bill(fleet.hosts[hid], until=DAY, price_per_hour=1.0)
    assert bill.seconds == 30.0 and bill.billed_seconds == 60.0


def test_mac_host_has_a_24h_minimum(fleet):
    (hid,) = fleet.allocate_hosts(at=0.0, instance_type="mac2.metal")
    early = host_bill(fleet.hosts[hid], until=3600.0, price_per_hour=0.65)
    assert early.seconds == 3600.0 and early.billed_seconds == DAY
    assert early.cost == pytest.approx(0.65 * 24)
    fleet.release_hosts([hid], at=30 * 3600.0)
    late = host_bill(fleet.hosts[hid], until=40 * 3600.0, price_per_hour=0.65)
    assert late.billed_seconds == 30 * 3600.0
    assert host_bill(fleet.hosts[hid], until=-1.0, price_per_hour=0.65).billed_seconds == 0.0


def test_mac_instance_costs_nothing_itself(fleet):
    (hid,) = fleet.allocate_hosts(at=0.0, instance_type="mac1.metal")
    (iid,) = running(fleet, "mac1.metal", tenancy="host", host_id=hid, at=0.0)
    bills = fleet_bills(fleet.instances.values(), fleet.hosts.values(), 3600.0)
    assert bills[iid].cost == 0.0 and bills[hid].cost == pytest.approx(1.083 * 24)
