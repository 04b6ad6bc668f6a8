"""Declared load balancers in scenario files: validation, and traffic split by weights."""

from pathlib import Path

import numpy as np
import pytest

from simulator.core.errors import ScenarioError
from simulator.experiment.run import run
from simulator.scenario import load_scenario, parse_scenario
from simulator.scenario.build import Simulation

WEIGHTED = Path(__file__).parents[2] / "scenarios" / "weighted-listener.yaml"

BASE = """\
name: t
duration: 30m
capacity: {instance_type: m6i.xlarge, count: 2}
load_balancers:
  - name: front
    listeners:
      - port: 80
        default_action:
          forward: FORWARD
        rules: RULES
    target_groups:
      - {name: blue}
      - {name: green}
services:
  - {name: a, cpu: 1024, memory: 2048, desired_count: 2, load_balancer: {target_group: blue}}
  - {name: b, cpu: 1024, memory: 2048, desired_count: 1, load_balancer: {target_group: green}}
traffic:
  - {service: a, pattern: constant, rps: 100}
"""
FORWARD = "[{target_group: blue, weight: 3}, {target_group: green, weight: 1}]"


def text(forward: str = FORWARD, rules: str = "[]") -> str:
    return BASE.replace("FORWARD", forward).replace("RULES", rules)


def problems(t: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(t, source="s.yaml")
    return info.value.problems


def test_weighted_listener_splits_the_traffic_90_10_per_target_group():
    result = run(WEIGHTED)
    m = result.metrics
    requests = m[m.metric == "RequestCount"].groupby("service", observed=True)["value"].sum()
    share = requests["web-canary"] / (requests["web"] + requests["web-canary"])
    assert share == pytest.approx(0.10, abs=0.005)
    # the scenario's alarms are in the summary
    assert set(result.summary["alarms"]) == {"canary-5xx", "canary-requests"}


def test_weighted_listener_live_request_counts_per_target_group():
    sim = Simulation(load_scenario(WEIGHTED))
    sim.start()
    sim.world.run(1800.0)
    lbs = sim.load_balancers
    store = sim.metric_store
    sums = {}
    for name in ("stable", "canary"):
        tg = lbs.target_groups[name]
        dims = {
            "LoadBalancer": lbs.load_balancer_of(tg.arn).split(":loadbalancer/")[1],
            "TargetGroup": "targetgroup/" + tg.arn.split(":targetgroup/")[1],
        }
        points = store.statistics("AWS/ApplicationELB", "RequestCount", dims, 0, 1800, 60, ["Sum"])
        assert len(points) == 29  # the minute in progress is not published yet
        sums[name] = sum(p.values["Sum"] for p in points)
    assert sums["canary"] / (sums["stable"] + sums["canary"]) == pytest.approx(0.10, rel=1e-9)


def test_listener_weights_follow_the_declaration():
    sim = Simulation(parse_scenario(text()))
    sim.start()
    sim.world.run(600.0)
    assert sim.shares() == pytest.approx(np.array([0.75, 0.25]))
    # both groups' columns take the listener's traffic: 100 rps split 3:1
    assert [a.rate(np.array([0.0]))[0] for a in sim.arrivals] == [100.0, 100.0]


PLAIN = """\
name: t
duration: 30m
capacity: {instance_type: m6i.xlarge, count: 2}
services:
  - {name: a, cpu: 1024, memory: 2048, desired_count: 2}
  - {name: b, cpu: 1024, memory: 2048, desired_count: 1}
traffic:
  - {service: a, pattern: constant, rps: 100}
"""


def test_files_without_load_balancers_get_one_per_service():
    sim = Simulation(parse_scenario(PLAIN))
    lbs = sim.load_balancers
    assert sorted(lbs.listeners) == ["a", "b"]
    assert {tg.name for tg in lbs.groups.values()} == {"a", "b"}
    assert lbs.entry == {"a": "a", "b": "b"}
    assert len({lbs.load_balancer_of(tg.arn) for tg in lbs.groups.values()}) == 2
    assert sim.arrivals[1] is None  # b has no traffic


@pytest.mark.parametrize(
    ("forward", "rules", "expected"),
    [
        (
            "[{target_group: blu, weight: 1}]",
            "[]",
            "load_balancers[0].listeners[0].default_action.forward[0].target_group: unknown "
            "target group 'blu'",
        ),
        (
            "[{target_group: blue, weight: 1000}]",
            "[]",
            "load_balancers[0].listeners[0].default_action.forward[0].weight: expected an "
            "integer from 0 to 999, got 1000",
        ),
        (
            "[" + ", ".join(["{target_group: blue}"] * 6) + "]",
            "[]",
            "load_balancers[0].listeners[0].default_action.forward: expected 1 to 5 target "
            "groups, got 6",
        ),
        (
            FORWARD,
            "[{priority: 5, conditions: {path: [/a]}, fixed_response: {status_code: 404}},"
            " {priority: 5, conditions: {path: [/b]}, fixed_response: {status_code: 404}}]",
            "load_balancers[0].listeners[0].rules[1].priority: duplicate priority 5",
        ),
        (
            FORWARD,
            "[{priority: 5, conditions: {}, fixed_response: {status_code: 404}}]",
            "load_balancers[0].listeners[0].rules[0].conditions: A rule must have at least "
            "one condition",
        ),
        (
            FORWARD,
            "[{priority: 5, conditions: {path: [/a]}, forward: [{target_group: red}]}]",
            "load_balancers[0].listeners[0].rules[0].forward[0].target_group: unknown target "
            "group 'red'",
        ),
    ],
)
def test_bad_declarations_name_file_field_and_expectation(forward, rules, expected):
    found = problems(text(forward, rules))
    assert any(p.startswith(f"s.yaml: {expected}") for p in found), found


def test_service_pointing_at_an_unknown_group():
    found = problems(text().replace("{target_group: green}}", "{target_group: gren}}"))
    assert any(
        p.startswith("s.yaml: services[1].load_balancer.target_group: unknown target group "
                     "'gren' (did you mean: green?)") for p in found
    ), found  # fmt: skip


def test_weighted_group_without_a_service_and_shared_groups():
    no_b = text().replace("load_balancer: {target_group: green}", "desired_count: 1")
    found = problems(no_b.replace("desired_count: 1, desired_count: 1", "desired_count: 1"))
    assert any("target group 'green' has weight 1 but no service is behind it" in p for p in found)
    both = text().replace("{target_group: green}}", "{target_group: blue}}")
    found = problems(both)
    assert any("is already the group of service 'a'" in p for p in found), found


def test_request_fidelity_refuses_a_weighted_listener():
    found = problems(text().replace("duration: 30m", "duration: 30m\nfidelity: request"))
    assert any("fidelity: request routes a listener to one target group" in p for p in found)


def test_settings_belong_to_the_declared_group():
    t = text().replace("{target_group: blue}}", "{target_group: blue, deregistration_delay: 5s}}")
    found = problems(t)
    assert any(
        "services[0].load_balancer.deregistration_delay: set deregistration_delay on the "
        "declared target group 'blue'" in p
        for p in found
    ), found


def test_declared_group_settings_reach_the_model():
    t = text().replace(
        "- {name: blue}",
        "- {name: blue, deregistration_delay: 20s, slow_start: 60s, algorithm: "
        "least_outstanding_requests, health_check: {interval: 10s}}",
    )
    sim = Simulation(parse_scenario(t))
    tg = sim.load_balancers.target_groups["blue"]
    assert (tg.deregistration_delay_s, tg.slow_start_s, tg.algorithm) == (
        20.0,
        60.0,
        "least_outstanding_requests",
    )
    assert tg.check.interval_s == 10.0
    bad = problems(t.replace("slow_start: 60s", "slow_start: 10s"))
    assert any("slow_start: expected 0 (off) or 30 to 900 seconds, got 10" in p for p in bad)


def test_a_weight_0_group_without_a_service_is_inert():
    t = text("[{target_group: blue, weight: 3}, {target_group: green, weight: 1},"
             " {target_group: spare, weight: 0}]").replace(
        "      - {name: green}", "      - {name: green}\n      - {name: spare}")  # fmt: skip
    sim = Simulation(parse_scenario(t))
    sim.start()
    sim.world.run(600.0)
    keys = sim.metric_store.list_metrics("AWS/ApplicationELB", "RequestCount")
    groups = {
        dict(dims).get("TargetGroup", "").split("/")[1] for _, _, dims in keys if len(dims) == 2
    }
    assert groups == {"blue", "green"}
    assert sim.shares() == pytest.approx(np.array([0.75, 0.25]))
