"""The same boto3 codedeploy calls against ecsim and moto's mock_aws, for what moto
implements (applications and deployment groups; moto has no deployment configs).

Where moto departs from AWS's documentation ecsim follows the documentation; each such
test pins moto's behaviour too, so the list in docs/deploy.md stays true.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from codedeploy_helpers import group_params

from simulator.aws import SimulatedAWS

MOTO_CHANGED = "moto now behaves like AWS here: update the departure list in docs/deploy.md"


@pytest.fixture
def moto_cd(moto_env: None, moto_session: Any) -> Iterator[Any]:
    from moto import mock_aws

    with mock_aws():
        yield moto_session.client("codedeploy", region_name="us-east-1")


@pytest.fixture
def ecsim_cd() -> Any:
    return SimulatedAWS(seed=1, validate_responses=True).client("codedeploy")


def code(fn, **params) -> str | None:
    try:
        fn(**params)
    except ClientError as e:
        return e.response["Error"]["Code"]
    return None


def test_applications_agree(moto_cd, ecsim_cd):
    for c in (moto_cd, ecsim_cd):
        c.create_application(applicationName="web", computePlatform="ECS")
    views = [c.get_application(applicationName="web")["application"] for c in (moto_cd, ecsim_cd)]
    for v in views:
        assert v["applicationName"] == "web" and v["computePlatform"] == "ECS"
    assert [c.list_applications()["applications"] for c in (moto_cd, ecsim_cd)] == [["web"]] * 2
    codes = {
        code(c.create_application, applicationName="web", computePlatform="ECS")
        for c in (moto_cd, ecsim_cd)
    }
    assert codes == {"ApplicationAlreadyExistsException"}
    codes = {code(c.get_application, applicationName="nope") for c in (moto_cd, ecsim_cd)}
    assert codes == {"ApplicationDoesNotExistException"}
    batch = [
        [
            a["applicationName"]
            for a in c.batch_get_applications(applicationNames=["web"])["applicationsInfo"]
        ]
        for c in (moto_cd, ecsim_cd)
    ]
    assert batch == [["web"]] * 2


def test_deployment_groups_agree(moto_cd, ecsim_cd):
    for c in (moto_cd, ecsim_cd):
        c.create_application(applicationName="web", computePlatform="ECS")
        c.create_deployment_group(**group_params())
    infos = [
        c.get_deployment_group(applicationName="web", deploymentGroupName="web-dg")[
            "deploymentGroupInfo"
        ]
        for c in (moto_cd, ecsim_cd)
    ]
    for key in (
        "deploymentGroupName",
        "deploymentConfigName",
        "ecsServices",
        "deploymentStyle",
        "serviceRoleArn",
    ):
        assert infos[0][key] == infos[1][key], key
    pairs = [i["loadBalancerInfo"]["targetGroupPairInfoList"] for i in infos]
    assert pairs[0] == pairs[1]
    listed = [
        c.list_deployment_groups(applicationName="web")["deploymentGroups"]
        for c in (moto_cd, ecsim_cd)
    ]
    assert listed == [["web-dg"]] * 2
    codes = {code(c.create_deployment_group, **group_params()) for c in (moto_cd, ecsim_cd)}
    assert codes == {"DeploymentGroupAlreadyExistsException"}
    codes = {
        code(c.get_deployment_group, applicationName="web", deploymentGroupName="x")
        for c in (moto_cd, ecsim_cd)
    }
    assert codes == {"DeploymentGroupDoesNotExistException"}


def test_departure_moto_accepts_an_invalid_ecs_group(moto_cd, ecsim_cd):
    """AWS refuses KEEP_ALIVE for ECS (terraform-provider-aws#23995); moto stores it."""
    bad = group_params(
        blueGreenDeploymentConfiguration={
            "terminateBlueInstancesOnDeploymentSuccess": {"action": "KEEP_ALIVE"}
        }
    )
    for c in (moto_cd, ecsim_cd):
        c.create_application(applicationName="web", computePlatform="ECS")
    assert code(ecsim_cd.create_deployment_group, **bad) == (
        "InvalidBlueGreenDeploymentConfigurationException"
    )
    assert code(moto_cd.create_deployment_group, **bad) is None, MOTO_CHANGED


def test_departure_moto_has_no_deployment_configs(moto_cd, ecsim_cd):
    name = "CodeDeployDefault.ECSCanary10Percent5Minutes"
    info = ecsim_cd.get_deployment_config(deploymentConfigName=name)["deploymentConfigInfo"]
    assert info["trafficRoutingConfig"]["timeBasedCanary"] == {
        "canaryPercentage": 10,
        "canaryInterval": 5,
    }
    with pytest.raises(Exception) as e:  # moto raises NotImplementedError through its stub
        moto_cd.get_deployment_config(deploymentConfigName=name)
    assert not isinstance(e.value, KeyError), MOTO_CHANGED


def test_departure_moto_creates_deployments_that_stay_created(moto_cd, ecsim_cd):
    """moto keeps a deployment Created forever and accepts an AppSpec without Resources;
    ecsim checks the AppSpec (InvalidRevisionException) and runs deployments in time
    (tests/aws/test_codedeploy_deployments.py)."""
    for c in (moto_cd, ecsim_cd):
        c.create_application(applicationName="web", computePlatform="ECS")
        c.create_deployment_group(**group_params())
    revision = {"revisionType": "AppSpecContent", "appSpecContent": {"content": "version: 0.0"}}
    did = moto_cd.create_deployment(
        applicationName="web", deploymentGroupName="web-dg", revision=revision
    )["deploymentId"]
    assert moto_cd.get_deployment(deploymentId=did)["deploymentInfo"]["status"] == "Created", (
        MOTO_CHANGED
    )
    assert code(
        ecsim_cd.create_deployment,
        applicationName="web",
        deploymentGroupName="web-dg",
        revision=revision,
    ) == ("InvalidRevisionException")
