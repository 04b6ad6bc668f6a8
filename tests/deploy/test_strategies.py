"""A scenario deploy event's strategy in its owner's words, resolved and validated."""

import pytest

from simulator.deploy.strategies import StrategyError, default_rollback_events, resolve
from simulator.scenario.loader import parse_scenario

BASE = """
name: s
duration: 2h
capacity: {instance_type: m6i.xlarge, count: 2}
services:
  - {name: api, cpu: 256, memory: 512, desired_count: 2}
events:
  - at: 10m
    action: deploy
    service: api
"""


def test_each_owner_resolves_to_its_timeline():
    cd = resolve("CodeDeployDefault.ECSLinear10PercentEvery3Minutes", termination_wait_s=900)
    assert (cd.owner, cd.wait_s, cd.timeline.time_to_full) == ("codedeploy", 900, 1620)
    custom = resolve(
        {
            "codedeploy": {
                "type": "TimeBasedCanary",
                "timeBasedCanary": {"canaryPercentage": 20, "canaryInterval": 2},
            }
        }
    )
    assert custom.label == "custom:TimeBasedCanary20Percent2Minutes"
    assert [(s.at, s.weight) for s in custom.timeline.shifts] == [(0, 20), (120, 100)]
    ecs = resolve({"ecs": {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 7}})
    assert (ecs.label, ecs.wait_s, ecs.timeline.time_to_full) == ("ECS:BLUE_GREEN", 420, 0)
    argo = resolve({"argo": {"steps": [{"setWeight": 30}, {"pause": {}}], "manualPause": "2m"}})
    assert argo.ecsim_strategy and argo.timeline.time_to_full == 120
    flagger = resolve({"flagger": {"stepWeight": 25, "interval": "30s"}})
    assert flagger.label == "ecsim:flagger" and flagger.timeline.time_to_full == 90


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("CodeDeployDefault.ECSCanary10percent5Minutes", "unknown CodeDeploy configuration"),
        (
            {"codedeploy": {"type": "TimeBasedLinear"}},
            "InvalidTrafficRoutingConfigurationException",
        ),
        ({"ecs": {"strategy": "BLUE_GREEN"}}, "bakeTimeInMinutes is required"),
        ({"ecs": {"strategy": "ROLLING"}}, "ROLLING shifts no traffic"),
        ({"argo": {"steps": [{"setWeight": 120}]}}, r"strategy\.argo\.steps\[0\]\.setWeight"),
        ({"flagger": {"stepWeight": 10, "threshold": 0}}, r"strategy\.flagger\.threshold"),
        ({"spinnaker": {}}, "exactly one of"),
        ({"ecs": {}, "argo": {}}, "exactly one of"),
    ],
)
def test_bad_strategies_name_the_field(spec, message):
    with pytest.raises(StrategyError, match=message):
        resolve(spec)


def test_termination_wait_is_codedeploys_only():
    with pytest.raises(StrategyError, match="termination_wait is CodeDeploy's"):
        resolve({"flagger": {"stepWeight": 10}}, termination_wait_s=60)


def test_cdk_rollback_defaults():
    assert default_rollback_events([]) == ("DEPLOYMENT_FAILURE",)
    assert default_rollback_events(["a"]) == ("DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("    alarms: [x]\n", r"events\[0\]: alarms needs a traffic-shifting strategy"),
        (
            "    strategy: CodeDeployDefault.ECSAllAtOnce\n    termination_wait: 90s\n",
            "termination_wait must be whole minutes from 0 to 2880",
        ),
        (
            "    strategy: CodeDeployDefault.ECSAllAtOnce\n    alarms: [a,b,c,d,e,f,g,h,i,j,k]\n",
            "AlarmsLimitExceededException",
        ),
        (
            "    strategy: CodeDeployDefault.ECSAllAtOnce\n    rollback_events: [ON_ALARM]\n",
            r"events\[0\]\.rollback_events",
        ),
        (
            "    strategy: {ecs: {strategy: LINEAR, linearConfiguration: {stepPercent: 1}}}\n",
            "stepPercent",
        ),
    ],
)
def test_scenario_deploy_fields_are_validated(extra, message):
    with pytest.raises(Exception, match=message):
        parse_scenario(BASE + extra)


def test_a_valid_strategy_deploy_loads():
    sc = parse_scenario(
        BASE
        + "    strategy: CodeDeployDefault.ECSCanary10Percent5Minutes\n    termination_wait: 15m\n"
        "    alarms: [green-5xx]\n"
    )
    s = sc.events[0].resolved_strategy()
    assert s.label == "CodeDeployDefault.ECSCanary10Percent5Minutes" and s.wait_s == 900
