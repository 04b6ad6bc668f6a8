"""GetDeployment / GetDeploymentTarget answers built from the pure machine validate against
botocore's output shapes at every step of a deployment and of its rollback."""

from __future__ import annotations

import botocore.session
import pytest
from codedeploy_helpers import group_params

from simulator.aws import SimulatedAWS
from simulator.aws.codedeploy_views import (
    TaskSetView,
    deployment_info,
    ecs_target,
    target_id,
    target_status,
)
from simulator.aws.shapes import shape_problems
from simulator.deploy.codedeploy import Action, DeploymentBook, LifecycleEvent, Step
from simulator.deploy.groups import deployment_options

MODEL = botocore.session.get_session().get_service_model("codedeploy")
INFO = MODEL.shape_for("DeploymentInfo")
TARGET = MODEL.shape_for("DeploymentTarget")


@pytest.fixture
def setup():
    aws = SimulatedAWS(seed=2)
    cd = aws.client("codedeploy")
    cd.create_application(applicationName="web", computePlatform="ECS")
    cd.create_deployment_group(**group_params())
    group = aws._services["codedeploy"].groups[("web", "web-dg")]
    return aws, group


def _check(d, group, aws):
    info = deployment_info(d, group, aws.timestamp, sha256="ab" * 32)
    assert shape_problems(INFO, info, "DeploymentInfo") == []
    sets = [
        TaskSetView("ecs-svc/1", 4, 0, 4, "PRIMARY", 90.0, "web-blue", "Blue"),
        TaskSetView("ecs-svc/2", 4, 0, 4, "ACTIVE", 10.0, "web-green", "Green"),
    ]
    target = ecs_target(
        d, group, "arn:aws:ecs:us-east-1:123456789012:service/prod/web", sets, aws.timestamp, 0
    )
    assert shape_problems(TARGET, target, "DeploymentTarget") == []
    assert "content" not in info["revision"]["appSpecContent"]
    return info, target


def test_views_through_a_deployment_and_its_rollback(setup):
    aws, group = setup
    book = DeploymentBook()
    hooks = {LifecycleEvent.AFTER_ALLOW_TEST_TRAFFIC: "check"}
    d = book.create(
        ("web", "web-dg"), group.config_name, at=0, options=deployment_options(group, hooks)
    )
    info, target = _check(d, group, aws)
    assert info["status"] == "Created" and target["ecsTarget"]["status"] == "Pending"
    assert target_id(group) == "prod:web"
    d.apply(Action.START, 1)
    for _ in range(4):
        d.apply(Action.COMPLETE, 2)
        _check(d, group, aws)
    assert d.step is Step.AFTER_ALLOW_TEST_TRAFFIC
    h = d.start_hook("exec-1", 3)
    d.put_hook_status(h.execution_id, "Succeeded", 4)
    d.apply(Action.COMPLETE, 5)  # BeforeAllowTraffic
    info, target = _check(d, group, aws)
    assert info["deploymentOverview"]["InProgress"] == 1
    d.apply(Action.ALARM, 100, cause="alarm", message="Alarm web-5xx is in ALARM")
    info, target = _check(d, group, aws)
    assert info["status"] == "Stopped" and info["errorInformation"]["code"] == "ALARM_ACTIVE"
    events = {e["lifecycleEventName"]: e for e in target["ecsTarget"]["lifecycleEvents"]}
    assert events["AllowTraffic"]["status"] == "Failed"
    assert events["AllowTraffic"]["diagnostics"]["errorCode"] == "UnknownError"
    assert events["AfterAllowTraffic"]["status"] == "Skipped"
    rb = book.roll_back(d, 100)
    info, _ = _check(d, group, aws)
    assert info["rollbackInfo"]["rollbackDeploymentId"] == rb.deployment_id
    rb.apply(Action.START_ROLLBACK, 100)
    rb.apply(Action.COMPLETE, 101)
    rb_info, _ = _check(rb, group, aws)
    assert rb_info["creator"] == "codeDeployRollback" and rb_info["status"] == "Succeeded"
    assert rb_info["rollbackInfo"]["rollbackTriggeringDeploymentId"] == d.deployment_id


def test_target_is_succeeded_during_the_termination_wait(setup):
    aws, group = setup
    d = DeploymentBook().create(
        ("web", "web-dg"), group.config_name, at=0, options=deployment_options(group, {})
    )
    d.apply(Action.START, 0)
    while d.step is not Step.TERMINATION_WAIT:
        d.apply(Action.COMPLETE, 1)
    info, target = _check(d, group, aws)
    assert info["status"] == "InProgress" and target_status(d) == "Succeeded"
    assert info["instanceTerminationWaitTimeStarted"] is True
    d.apply(Action.CONTINUE_TERMINATION, 2)
    info, _ = _check(d, group, aws)
    assert info["status"] == "Succeeded" and info["completeTime"] == aws.timestamp(2)
