"""The bundled scenario scenarios/dedicated-host-recovery.yaml, asserted."""

from pathlib import Path

import pytest

from simulator.experiment import run_variants

SCENARIO = Path(__file__).parents[2] / "scenarios" / "dedicated-host-recovery.yaml"


@pytest.fixture(scope="module")
def results():
    return run_variants(SCENARIO)


def test_same_failure_times_start_both_variants(results):
    def first_failure(name):
        events = results[name].events
        return events[events["kind"] == "fault.host_failure"]["time"].iloc[0]

    assert first_failure("recovery-on") == first_failure("recovery-off")


def test_recovery_on_keeps_the_fleet(results):
    s = results["recovery-on"].summary
    assert s["host_failures"] >= 1
    # every failed host was replaced and retired; the fleet ends whole
    assert s["hosts_by_state"]["released-permanent-failure"] == s["host_failures"]
    assert s["hosts_by_state"]["available"] == 8
    healthy = results["recovery-on"].series("HealthyInstances")
    assert healthy.iloc[-1] == 256
    # capacity is lost only while a host is under assessment (recovery takes 10-30 min)
    assert s["capacity_lost_instance_hours"] <= s["host_failures"] * 32 * 0.5 + 1e-9
    # a failed host's tasks come back on the other hosts' spare room within a tick
    # (5 min: image pull and start take seconds), never more than one tick in a row
    r = results["recovery-on"]
    short = r.series("DesiredTaskCount", service="web") - r.series(
        "RunningTaskCount", service="web"
    )
    assert (short > 0).sum() <= s["host_failures"]
    assert short.iloc[-1] == 0


def test_recovery_off_loses_the_failed_hosts_instances(results):
    s = results["recovery-off"].summary
    assert s["hosts_by_state"]["permanent-failure"] == s["host_failures"] >= 1
    healthy = results["recovery-off"].series("HealthyInstances")
    assert healthy.iloc[-1] == 256 - 32 * s["host_failures"]
    on = results["recovery-on"].summary
    assert s["capacity_lost_instance_hours"] > 100 * on["capacity_lost_instance_hours"]
    # the failed hosts' tasks could not all be placed again: the service ran short
    assert s["services"]["web"]["tasks_short_max"] > 0


def test_hosts_are_billed_only_while_available(results):
    on, off = results["recovery-on"].summary, results["recovery-off"].summary
    assert on["instance_cost_usd"] == off["instance_cost_usd"] == 0  # all on hosts
    assert on["host_price_is_estimate"]
    # recovery on: 8 hosts available almost all month; off: fewer hosts billed
    month_of_8 = 8 * 30 * 24 * 6.7584
    assert on["host_cost_usd"] == pytest.approx(month_of_8, rel=0.01)
    assert off["host_cost_usd"] < on["host_cost_usd"]
