"""Scenario fields for capacity providers, strategies and Service Auto Scaling: values,
defaults and one-line errors naming the file, the field path and what was expected."""

import numpy as np
import pytest

from simulator.core.errors import ScenarioError
from simulator.experiment import run
from simulator.scenario import parse_scenario
from simulator.scenario.build import Simulation
from simulator.scenario.build_capacity import ServiceMetrics
from simulator.traffic import flow

GOOD = """\
name: t
duration: 2h
capacity_providers:
  - name: asg
    auto_scaling_group: {instance_types: [m6g.xlarge, m6i.xlarge], min_size: 1, max_size: 4}
  - name: FARGATE
  - name: FARGATE_SPOT
    interruption_rate_per_hour: 0.1
services:
  - name: web
    cpu: 1024
    memory: 2048
    desired_count: 2
    capacity_provider_strategy: [{capacity_provider: asg, weight: 1}]
    auto_scaling:
      min: 2
      max: 10
      policies: [{metric: ECSServiceAverageCPUUtilization, target: 60}]
  - name: jobs
    cpu: 512
    memory: 1024
    desired_count: 3
    capacity_provider_strategy:
      - {capacity_provider: FARGATE, base: 1, weight: 1}
      - {capacity_provider: FARGATE_SPOT, weight: 2}
traffic:
  - {service: web, pattern: constant, rps: 300}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, source="s.yaml")
    return info.value.problems


def test_defaults_are_aws_defaults():
    s = parse_scenario(GOOD)
    asg = s.capacity_providers[0]
    assert asg.managed_scaling.target_capacity == 100
    assert asg.managed_scaling.minimum_scaling_step_size == 1
    assert asg.managed_scaling.maximum_scaling_step_size == 10000
    assert asg.managed_scaling.instance_warmup_period == 300
    assert asg.managed_termination_protection == "DISABLED"  # the API's default
    assert s.capacity.count == 0  # capacity may be left out with capacity providers
    policy = s.services[0].auto_scaling.policies[0]
    assert policy.scale_in_cooldown is None  # ecs_capacity.csv's 300 s applies


def test_auto_scaling_sees_the_flow_models_utilization():
    """The policies' CPU metric is flow.evaluate's utilization of the running tasks now."""
    sim = Simulation(parse_scenario(GOOD))
    sim.start()
    metrics = ServiceMetrics(sim)
    for t in (600, 1800, 5400):
        sim.world.run(t)
        running = np.array([sim.cluster.services[n].running_count for n in sim.names], float)
        model = flow.TaskModel.build(
            [s.cpu for s in sim.scenario.services], sim._rps_per_vcpu(), sim.task_model.timeout
        )
        offered = sim.offered(np.array([t]))[0] * sim.traffic_factor
        expected = flow.evaluate(model, offered, running).utilization[0] * 100
        assert metrics("web", "ECSServiceAverageCPUUtilization") == pytest.approx(expected)
        per_task_minute = 300 * 60 / running[0]
        assert metrics("web", "ALBRequestCountPerTarget") == pytest.approx(per_task_minute)
        memory = metrics("web", "ECSServiceAverageMemoryUtilization")
        assert memory == pytest.approx(40 + 40 * expected / 100)  # the stated assumption


def test_small_run_scales_and_bills_fargate():
    s = run(parse_scenario(GOOD)).summary
    cp = s["capacity_providers"]
    assert cp["asg"]["instances_max"] >= 1
    assert cp["FARGATE"]["tasks"] == 1 and cp["FARGATE_SPOT"]["tasks"] >= 2
    assert s["fargate_cost_usd"] > 0
    assert s["cost_usd"] == pytest.approx(s["instance_cost_usd"] + s["fargate_cost_usd"])
    assert s["services"]["jobs"]["running_tasks_max"] == 3
    # the target tracking policy's two CloudWatch alarms are alarms of the run
    prefix = "TargetTracking-service/t/web-Alarm"
    mine = {k: v for k, v in s["alarms"].items() if k.startswith(prefix)}
    assert sorted(k[len(prefix) :].split("-")[0] for k in mine) == ["High", "Low"]
    high = next(v for k, v in mine.items() if "-AlarmHigh-" in k)
    assert high["first_alarm_s"] is not None  # it went to ALARM...
    assert s["auto_scaling"]["web"]["scale_outs"] >= 1  # ...and scaled the service out


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "capacity_provider: asg,",
            "capacity_provider: asgg,",
            "s.yaml: services[0].capacity_provider_strategy[0].capacity_provider: no capacity "
            "provider named 'asgg' in capacity_providers (did you mean: asg?)",
        ),
        (
            "[{capacity_provider: asg, weight: 1}]",
            "[{capacity_provider: asg, weight: 1}, {capacity_provider: FARGATE, weight: 1}]",
            "s.yaml: services[0].capacity_provider_strategy: expected Fargate providers or Auto "
            "Scaling group providers, not a mix",
        ),
        (
            "    cpu: 512\n    memory: 1024",
            "    cpu: 512\n    memory: 512",
            "s.yaml: services[1].memory: expected a Fargate task size (cpu 512: memory 1024, "
            "2048, 3072, 4096), got cpu 512, memory 512",
        ),
        (
            "min_size: 1, max_size: 4",
            "min_size: 5, max_size: 4",
            "s.yaml: capacity_providers[0].auto_scaling_group.max_size: expected >= min_size "
            "(5), got 4",
        ),
        (
            "min: 2\n      max: 10",
            "min: 10\n      max: 2",
            "s.yaml: services[0].auto_scaling.max: expected >= min (10), got 2",
        ),
        (
            "target: 60}]",
            "target: 60}, {metric: ECSServiceAverageCPUUtilization, target: 50}]",
            "s.yaml: services[0].auto_scaling.policies[1].metric: "
            "ECSServiceAverageCPUUtilization has a policy already",
        ),
        (
            "{capacity_provider: FARGATE, base: 1, weight: 1}",
            "{capacity_provider: FARGATE, base: 1, weight: 1001}",
            "s.yaml: services[1].capacity_provider_strategy[0].weight: expected an integer "
            "from 0 to 1000, got 1001",
        ),
        (
            "{capacity_provider: FARGATE_SPOT, weight: 2}",
            "{capacity_provider: FARGATE_SPOT, base: 1, weight: 2}",
            "s.yaml: services[1].capacity_provider_strategy: expected a base on one capacity "
            "provider only",
        ),
        (
            "  - name: FARGATE\n",
            "  - name: FARGATE\n    interruption_rate_per_hour: 1\n",
            "s.yaml: capacity_providers[1].interruption_rate_per_hour: only FARGATE_SPOT is "
            "interrupted",
        ),
        (
            "duration: 2h\n",
            "duration: 2h\nfargate_prices: {spot_discont: 0.5}\n",
            "s.yaml: fargate_prices.spot_discont: unknown Fargate price 'spot_discont' (did you "
            "mean: spot_discount?); known: x86_64_vcpu_hour, x86_64_gb_hour, arm64_vcpu_hour, "
            "arm64_gb_hour, spot_discount, minimum_billed_seconds",
        ),
        (
            "min_size: 1, max_size: 4}",
            "min_size: 1, max_size: 4}\n    managed_scaling: {target_capacity: 0}",
            "s.yaml: capacity_providers[0].managed_scaling.target_capacity: expected an "
            "integer from 1 to 100, got 0",
        ),
    ],
)
def test_errors_name_the_field_and_what_was_expected(old, new, expected):
    assert GOOD.count(old) == 1
    assert problems(GOOD.replace(old, new)) == [expected]


def test_alb_requests_need_traffic_and_services_need_capacity():
    text = GOOD.replace(
        "ECSServiceAverageCPUUtilization, target: 60", "ALBRequestCountPerTarget, target: 900"
    )
    text = text.replace("traffic:\n  - {service: web, pattern: constant, rps: 300}\n", "")
    assert problems(text) == [
        "s.yaml: services[0].auto_scaling.policies[0].metric: expected traffic for service 'web'"
    ]
    no_strategy = GOOD.replace(
        "    capacity_provider_strategy: [{capacity_provider: asg, weight: 1}]\n", ""
    )
    parse_scenario(no_strategy)  # EC2 tasks may use the group's instances
    fargate_only = no_strategy.replace(
        "  - name: asg\n    auto_scaling_group: {instance_types: [m6g.xlarge, m6i.xlarge], "
        "min_size: 1, max_size: 4}\n",
        "",
    )
    assert problems(fargate_only) == ["s.yaml: capacity: services need container instances"]


def test_all_problems_at_once():
    assert problems(GOOD.replace("  - name: FARGATE\n", "  - name: workers\n")) == [
        "s.yaml: capacity_providers[1].auto_scaling_group: required for 'workers' (only "
        "FARGATE and FARGATE_SPOT need none)",
        "s.yaml: services[1].capacity_provider_strategy[0].capacity_provider: no capacity "
        "provider named 'FARGATE' in capacity_providers (did you mean: FARGATE_SPOT?)",
    ]
