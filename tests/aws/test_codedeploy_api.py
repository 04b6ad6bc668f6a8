"""The boto3 codedeploy client: applications, ECS deployment groups, deployment configs.

Every response is validated against botocore's output shape (conftest)."""

from __future__ import annotations

import pytest
from aws_helpers import checked, error_of
from codedeploy_helpers import PROD, group_params

from simulator.aws import SimulatedAWS
from simulator.deploy import codes
from simulator.deploy.codedeploy import LifecycleEvent
from simulator.deploy.groups import DeploymentGroup, deployment_options


@pytest.fixture
def aws() -> SimulatedAWS:
    return SimulatedAWS(seed=3, validate_responses=True)


@pytest.fixture
def cd(aws):
    c = aws.client("codedeploy")
    checked(c, "create_application", applicationName="web", computePlatform="ECS")
    return c


def test_application_lifecycle(cd, aws):
    info = checked(cd, "get_application", applicationName="web")["application"]
    assert info["computePlatform"] == "ECS" and info["createTime"] == aws.timestamp(0)
    assert (
        error_of(cd, "create_application", applicationName="web", computePlatform="ECS")["Code"]
        == codes.APPLICATION_ALREADY_EXISTS
    )
    assert checked(cd, "list_applications")["applications"] == ["web"]
    batch = checked(cd, "batch_get_applications", applicationNames=["web"])["applicationsInfo"]
    assert [a["applicationName"] for a in batch] == ["web"]
    assert error_of(cd, "get_application", applicationName="nope")["Code"] == (
        codes.APPLICATION_DOES_NOT_EXIST
    )
    assert error_of(cd, "get_application", applicationName="bad name!")["Code"] == (
        codes.INVALID_APPLICATION_NAME
    )
    checked(cd, "delete_application", applicationName="web")
    assert checked(cd, "list_applications")["applications"] == []


def test_server_platform_is_not_simulated(aws):
    cd = aws.client("codedeploy")
    err = error_of(cd, "create_application", applicationName="srv")
    assert err["Code"] == "UnsupportedOperation" and "ECS only" in err["Message"]


def test_deployment_group_round_trip(cd):
    gid = checked(cd, "create_deployment_group", **group_params())["deploymentGroupId"]
    info = checked(cd, "get_deployment_group", applicationName="web", deploymentGroupName="web-dg")[
        "deploymentGroupInfo"
    ]
    assert info["deploymentGroupId"] == gid and info["computePlatform"] == "ECS"
    assert info["deploymentStyle"]["deploymentType"] == "BLUE_GREEN"
    pair = info["loadBalancerInfo"]["targetGroupPairInfoList"][0]
    assert pair["prodTrafficRoute"]["listenerArns"] == [PROD]
    assert (
        info["blueGreenDeploymentConfiguration"]["terminateBlueInstancesOnDeploymentSuccess"][
            "terminationWaitTimeInMinutes"
        ]
        == 15
    )
    listed = checked(cd, "list_deployment_groups", applicationName="web")
    assert listed["deploymentGroups"] == ["web-dg"] and listed["applicationName"] == "web"
    assert error_of(cd, "create_deployment_group", **group_params())["Code"] == (
        codes.DEPLOYMENT_GROUP_ALREADY_EXISTS
    )


def test_group_defaults_to_all_at_once_and_gives_machine_options(cd, aws):
    checked(cd, "create_deployment_group", **_without(group_params(), "deploymentConfigName"))
    svc = aws._services["codedeploy"]
    g: DeploymentGroup = svc.groups[("web", "web-dg")]
    assert g.config_name == "CodeDeployDefault.ECSAllAtOnce"
    opts = deployment_options(g, {LifecycleEvent.AFTER_ALLOW_TEST_TRAFFIC: "check"})
    assert opts.has_test_listener and opts.termination_wait_minutes == 15
    assert opts.ready_wait_minutes is None and opts.rollback_enabled
    assert {e.value for e in opts.rollback_events} == {
        "DEPLOYMENT_FAILURE",
        "DEPLOYMENT_STOP_ON_ALARM",
    }


def _without(d: dict, key: str) -> dict:
    return {k: v for k, v in d.items() if k != key}


def _pair(**changes):
    p = group_params()["loadBalancerInfo"]["targetGroupPairInfoList"][0] | changes
    return {"loadBalancerInfo": {"targetGroupPairInfoList": [p]}}


@pytest.mark.parametrize(
    "change, code",
    [
        (
            {
                "deploymentStyle": {
                    "deploymentType": "IN_PLACE",
                    "deploymentOption": "WITH_TRAFFIC_CONTROL",
                }
            },
            codes.INVALID_DEPLOYMENT_STYLE,
        ),
        ({"ecsServices": []}, codes.INVALID_ECS_SERVICE),
        (_pair(targetGroups=[{"name": "a"}]), codes.INVALID_TARGET_GROUP_PAIR),
        (_pair(targetGroups=[{"name": "a"}, {"name": "a"}]), codes.INVALID_TARGET_GROUP_PAIR),
        (_pair(prodTrafficRoute={"listenerArns": [PROD, PROD]}), codes.INVALID_TARGET_GROUP_PAIR),
        (
            _pair(prodTrafficRoute={"listenerArns": ["listener-1"]}),
            codes.INVALID_LOAD_BALANCER_INFO,
        ),
        ({"loadBalancerInfo": {"elbInfoList": [{"name": "x"}]}}, codes.INVALID_LOAD_BALANCER_INFO),
        (
            {
                "blueGreenDeploymentConfiguration": {
                    "terminateBlueInstancesOnDeploymentSuccess": {"action": "KEEP_ALIVE"}
                }
            },
            codes.INVALID_BLUE_GREEN_CONFIG,
        ),
        (
            {
                "blueGreenDeploymentConfiguration": {
                    "terminateBlueInstancesOnDeploymentSuccess": {
                        "terminationWaitTimeInMinutes": 2881
                    }
                }
            },
            codes.INVALID_BLUE_GREEN_CONFIG,
        ),
        (
            {
                "alarmConfiguration": {
                    "enabled": True,
                    "alarms": [{"name": f"a{i}"} for i in range(11)],
                }
            },
            codes.ALARMS_LIMIT_EXCEEDED,
        ),
        ({"alarmConfiguration": {"enabled": True, "alarms": []}}, codes.INVALID_ALARM_CONFIG),
        (
            {"autoRollbackConfiguration": {"enabled": True, "events": ["ON_FIRE"]}},
            codes.INVALID_AUTO_ROLLBACK_CONFIG,
        ),
        ({"serviceRoleArn": "role"}, codes.INVALID_ROLE),
        (
            {"deploymentConfigName": "CodeDeployDefault.OneAtATime"},
            codes.DEPLOYMENT_CONFIG_DOES_NOT_EXIST,
        ),
        ({"autoScalingGroups": ["asg"]}, codes.INVALID_INPUT),
    ],
)
def test_deployment_group_validation(cd, change, code):
    params = group_params(**change)
    params = {k: v for k, v in params.items() if v is not None}
    err = error_of(cd, "create_deployment_group", **params)
    assert err["Code"] == code, err
    assert checked(cd, "list_deployment_groups", applicationName="web")["deploymentGroups"] == []


def test_missing_blue_green_config(cd):
    p = _without(group_params(), "blueGreenDeploymentConfiguration")
    assert error_of(cd, "create_deployment_group", **p)["Code"] == codes.INVALID_BLUE_GREEN_CONFIG


def test_one_service_per_group(cd):
    checked(cd, "create_deployment_group", **group_params())
    err = error_of(cd, "create_deployment_group", **group_params(deploymentGroupName="other"))
    assert err["Code"] == codes.ECS_SERVICE_MAPPING_LIMIT_EXCEEDED


def test_update_rename_and_refusal_keeps_the_group(cd):
    checked(cd, "create_deployment_group", **group_params())
    checked(
        cd,
        "update_deployment_group",
        applicationName="web",
        currentDeploymentGroupName="web-dg",
        newDeploymentGroupName="web-dg2",
        deploymentConfigName="CodeDeployDefault.ECSLinear10PercentEvery1Minutes",
    )
    info = checked(
        cd, "get_deployment_group", applicationName="web", deploymentGroupName="web-dg2"
    )["deploymentGroupInfo"]
    assert info["deploymentConfigName"] == "CodeDeployDefault.ECSLinear10PercentEvery1Minutes"
    assert info["alarmConfiguration"]["alarms"] == [{"name": "web-5xx"}]
    err = error_of(
        cd,
        "update_deployment_group",
        applicationName="web",
        currentDeploymentGroupName="web-dg2",
        deploymentStyle={
            "deploymentType": "IN_PLACE",
            "deploymentOption": "WITHOUT_TRAFFIC_CONTROL",
        },
    )
    assert err["Code"] == codes.INVALID_DEPLOYMENT_STYLE
    batch = checked(
        cd,
        "batch_get_deployment_groups",
        applicationName="web",
        deploymentGroupNames=["web-dg2", "gone"],
    )
    assert [g["deploymentGroupName"] for g in batch["deploymentGroupsInfo"]] == ["web-dg2"]
    assert "gone" in batch["errorMessage"]
    checked(cd, "delete_deployment_group", applicationName="web", deploymentGroupName="web-dg2")
    assert (
        error_of(cd, "get_deployment_group", applicationName="web", deploymentGroupName="web-dg2")[
            "Code"
        ]
        == codes.DEPLOYMENT_GROUP_DOES_NOT_EXIST
    )


CANARY = {
    "type": "TimeBasedCanary",
    "timeBasedCanary": {"canaryPercentage": 20, "canaryInterval": 2},
}


def test_custom_deployment_config_lifecycle(cd):
    cid = checked(
        cd,
        "create_deployment_config",
        deploymentConfigName="c20",
        computePlatform="ECS",
        trafficRoutingConfig=CANARY,
    )["deploymentConfigId"]
    info = checked(cd, "get_deployment_config", deploymentConfigName="c20")["deploymentConfigInfo"]
    assert info["deploymentConfigId"] == cid and info["trafficRoutingConfig"] == CANARY
    assert "c20" in checked(cd, "list_deployment_configs")["deploymentConfigsList"]
    assert (
        error_of(
            cd,
            "create_deployment_config",
            deploymentConfigName="c20",
            computePlatform="ECS",
            trafficRoutingConfig=CANARY,
        )["Code"]
        == codes.DEPLOYMENT_CONFIG_ALREADY_EXISTS
    )
    checked(cd, "create_deployment_group", **group_params(deploymentConfigName="c20"))
    assert error_of(cd, "delete_deployment_config", deploymentConfigName="c20")["Code"] == (
        codes.DEPLOYMENT_CONFIG_IN_USE
    )
    checked(cd, "delete_deployment_group", applicationName="web", deploymentGroupName="web-dg")
    checked(cd, "delete_deployment_config", deploymentConfigName="c20")
    assert error_of(cd, "get_deployment_config", deploymentConfigName="c20")["Code"] == (
        codes.DEPLOYMENT_CONFIG_DOES_NOT_EXIST
    )


def test_deployment_config_errors(cd):
    assert (
        error_of(
            cd, "delete_deployment_config", deploymentConfigName="CodeDeployDefault.ECSAllAtOnce"
        )["Code"]
        == codes.INVALID_OPERATION
    )
    bad = {
        "type": "TimeBasedLinear",
        "timeBasedLinear": {"linearPercentage": 0, "linearInterval": 1},
    }
    assert (
        error_of(
            cd,
            "create_deployment_config",
            deploymentConfigName="x",
            computePlatform="ECS",
            trafficRoutingConfig=bad,
        )["Code"]
        == codes.INVALID_TRAFFIC_ROUTING
    )
    assert (
        error_of(
            cd,
            "create_deployment_config",
            deploymentConfigName="x",
            computePlatform="ECS",
            trafficRoutingConfig={"type": "Fast"},
        )["Code"]
        == codes.INVALID_TRAFFIC_ROUTING
    )
    err = error_of(
        cd,
        "create_deployment_config",
        deploymentConfigName="x",
        computePlatform="ECS",
        trafficRoutingConfig={"type": "AllAtOnce"},
        minimumHealthyHosts={"type": "HOST_COUNT", "value": 1},
    )
    assert err["Code"] == codes.INVALID_MINIMUM_HEALTHY_HOSTS
    assert (
        error_of(cd, "create_deployment_config", deploymentConfigName="x", computePlatform="ECS")[
            "Code"
        ]
        == codes.INVALID_TRAFFIC_ROUTING
    )


@pytest.mark.parametrize(
    "operation, params, expected",
    [
        (
            "create_deployment",
            {"applicationName": "web", "deploymentGroupName": "web-dg"},
            "RevisionRequiredException",
        ),
        ("get_deployment", {"deploymentId": "d-ABCDEFGHI"}, codes.DEPLOYMENT_DOES_NOT_EXIST),
        ("stop_deployment", {"deploymentId": "d-ABCDEFGHI"}, codes.DEPLOYMENT_DOES_NOT_EXIST),
        ("get_deployment", {"deploymentId": "12"}, "InvalidDeploymentIdException"),
    ],
)
def test_deployment_operations_answer_with_aws_errors(cd, operation, params, expected):
    if operation == "create_deployment":
        cd.create_deployment_group(**group_params())
    assert error_of(cd, operation, **params)["Code"] == expected


def test_ec2_members_are_refused_for_ecs(cd):
    params = group_params()
    params["ec2TagSet"] = {"ec2TagSetList": [[{"Key": "k", "Value": "v", "Type": "KEY_AND_VALUE"}]]}
    assert error_of(cd, "create_deployment_group", **params)["Code"] == codes.INVALID_INPUT


def test_paging_of_applications(aws):
    cd = aws.client("codedeploy")
    for i in range(105):
        cd.create_application(applicationName=f"a{i:03d}", computePlatform="ECS")
    first = checked(cd, "list_applications")
    assert len(first["applications"]) == 100
    rest = checked(cd, "list_applications", nextToken=first["nextToken"])
    assert len(rest["applications"]) == 5 and "nextToken" not in rest
    assert (
        error_of(cd, "list_applications", nextToken="garbage")["Code"] == codes.INVALID_NEXT_TOKEN
    )


def test_every_code_is_an_error_shape_of_the_model(aws):
    model = aws.client("codedeploy").meta.service_model
    shapes = set(model.error_shapes and [s.name for s in model.error_shapes])
    assert shapes >= codes.CODEDEPLOY_ALL
