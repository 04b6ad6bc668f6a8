"""Absurd sizes are one-line errors naming the field, before anything runs."""

import copy
import time
from pathlib import Path

import pytest
import yaml

from simulator.core.errors import ScenarioError
from simulator.scenario import load_scenario, parse_scenario
from simulator.scenario.limits import MAX_TICKS, estimate

ROOT = Path(__file__).parents[2]
QUICKSTART = yaml.safe_load((ROOT / "scenarios" / "quickstart.yaml").read_text())


def text(change) -> str:
    data = copy.deepcopy(QUICKSTART)
    change(data)
    return yaml.safe_dump(data)


QUOTAS = {
    "count 1e9": (lambda d: d["capacity"].update(count=10**9), "capacity.count"),
    "count 1e6": (lambda d: d["capacity"].update(count=10**6), "capacity.count"),
    "desired 1e6": (lambda d: d["services"][0].update(desired_count=10**6), "desired_count"),
    "event desired": (lambda d: d["events"][0].update(desired_count=10**7), "events[0]"),
    "hosts": (
        lambda d: d["capacity"].update(
            dedicated_hosts=[{"instance_type": "m6i.xlarge", "count": 10**6}]
        ),
        "capacity.dedicated_hosts",
    ),
}


@pytest.mark.parametrize("name", sorted(QUOTAS))
def test_aws_quotas_are_refused_at_once(name):
    change, field = QUOTAS[name]
    started = time.monotonic()
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text(change), source="s.yaml")
    assert time.monotonic() - started < 5
    assert any(field in p and "quota" in p for p in info.value.problems), info.value.problems


def hosts(*groups: tuple[int, int], shared: int = 0):
    def change(d):
        d["capacity"].update(
            count=shared,
            dedicated_hosts=[
                {"instance_type": "m6i.xlarge", "count": n, "instances_per_host": k}
                for n, k in groups
            ],
        )

    return change


def test_instances_on_dedicated_hosts_count_toward_the_cluster_quota():
    """ECS: at most 5,000 EC2 instances registered per cluster, wherever they run."""
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text(hosts((156, 32), (1, 9))), source="s.yaml")
    (problem,) = [p for p in info.value.problems if "per cluster" in p]
    assert "s.yaml: capacity.dedicated_hosts: expected at most 5,000" in problem
    assert "got 5,001 (0 shared and 5,001 on Dedicated Hosts)" in problem
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text(hosts((150, 32), shared=201)), source="s.yaml")
    assert any("got 5,001 (201 shared and 4,800" in p for p in info.value.problems)


def test_a_cluster_of_exactly_the_quota_is_accepted():
    scenario = parse_scenario(text(hosts((156, 32), (1, 8))), source="s.yaml")
    assert (
        sum(g.count * (g.instances_per_host or 0) for g in scenario.capacity.dedicated_hosts)
        == 5_000
    )


COSTS = {
    "tick 1ms": (lambda d: d.update(tick="1ms"), "tick:"),
    "duration 100000d": (lambda d: d.update(duration="100000d"), "duration:"),
    "90 days of requests": (
        lambda d: d.update(duration="90d", fidelity="request"),
        "fidelity:",
    ),
}


@pytest.mark.parametrize("name", sorted(COSTS))
def test_cost_limits_are_refused_unless_allowed(tmp_path, name):
    change, field = COSTS[name]
    path = tmp_path / "s.yaml"
    path.write_text(text(change))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert any(f"s.yaml: {field}" in p and "--allow-large" in p for p in info.value.problems)
    scenario = load_scenario(path, allow_large=True)
    assert scenario.name == "quickstart"


def test_the_estimate_counts_ticks_rows_and_requests():
    s = parse_scenario(text(lambda d: None))
    e = estimate(s)
    assert e.ticks == 2 * 1440 + 1
    assert e.metric_rows > e.ticks * len(s.services) * 10
    assert e.requests == 0

    def slow(d):
        d.update(fidelity="request")
        d["traffic"][0].update(min_rps=1, peak_rps=10)
        d["traffic"][1].update(rps=10)

    r = estimate(parse_scenario(text(slow)))
    assert r.requests == pytest.approx((10 + 10) * 2 * 86400)
    assert MAX_TICKS >= 366 * 1440  # a year at one-minute ticks fits
