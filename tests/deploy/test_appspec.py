"""The ECS AppSpec: the documented YAML and JSON forms, hooks, and each refusal."""

import hashlib
import json

import pytest

from simulator.core.errors import AWSError
from simulator.deploy.appspec import parse_appspec
from simulator.deploy.codedeploy import LifecycleEvent

TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:2"
YAML = f"""
version: 0.0
Resources:
  - TargetService:
      Type: AWS::ECS::Service
      Properties:
        TaskDefinition: "{TD}"
        LoadBalancerInfo:
          ContainerName: "web"
          ContainerPort: 8080
        PlatformVersion: "LATEST"
Hooks:
  - BeforeInstall: "LambdaFunctionToValidateBeforeInstall"
  - AfterAllowTestTraffic: "arn:aws:lambda:us-east-1:123456789012:function:validate"
"""


def test_documented_yaml_form():
    spec = parse_appspec(YAML)
    assert spec.task_definition == TD and spec.container_name == "web"
    assert spec.container_port == 8080 and spec.platform_version == "LATEST"
    assert spec.hooks == {
        LifecycleEvent.BEFORE_INSTALL: "LambdaFunctionToValidateBeforeInstall",
        LifecycleEvent.AFTER_ALLOW_TEST_TRAFFIC: (
            "arn:aws:lambda:us-east-1:123456789012:function:validate"
        ),
    }


def test_json_form_and_sha256():
    doc = {
        "version": 0.0,
        "Resources": [
            {
                "TargetService": {
                    "Type": "AWS::ECS::Service",
                    "Properties": {
                        "TaskDefinition": TD,
                        "LoadBalancerInfo": {"ContainerName": "web", "ContainerPort": 80},
                    },
                }
            }
        ],
    }
    text = json.dumps(doc)
    spec = parse_appspec(text, hashlib.sha256(text.encode()).hexdigest())
    assert spec.container_port == 80 and spec.hooks == {}
    with pytest.raises(AWSError) as e:
        parse_appspec(text, "0" * 64)
    assert e.value.code == "InvalidRevisionException" and "sha256" in e.value.message


@pytest.mark.parametrize(
    "edit, rule",
    [
        (("version: 0.0", "version: 1.0"), "version must be 0.0"),
        (("AWS::ECS::Service", "AWS::Lambda::Function"), "Type must be AWS::ECS::Service"),
        (("ContainerPort: 8080", "ContainerPort: web"), "ContainerPort must be a port"),
        (('ContainerName: "web"', 'ContainerName: ""'), "ContainerName is required"),
        (("BeforeInstall:", "Install:"), "cannot be scripted"),
        (("BeforeInstall:", "BeforeBlockTraffic:"), "is not one of"),
        (("AfterAllowTestTraffic:", "BeforeInstall:"), "has a hook already"),
        (("PlatformVersion", "Platform"), "not an ECS AppSpec property"),
        (("Hooks:", "Hookz:"), "unknown top-level key"),
        (("version: 0.0\n", "version: 0.0\n: :\n"), "not YAML"),
    ],
)
def test_refusals_name_the_field(edit, rule):
    with pytest.raises(AWSError) as e:
        parse_appspec(YAML.replace(*edit))
    assert e.value.code == "InvalidRevisionException"
    assert rule in e.value.message


def test_container_must_be_in_the_task_definition():
    with pytest.raises(AWSError) as e:
        parse_appspec(YAML, container_exists=lambda td, name: name == "api")
    assert "no container named web" in e.value.message
    assert parse_appspec(YAML, container_exists=lambda td, name: name == "web").container_name
