"""A Hypothesis state machine over the boto3 codedeploy client: applications, groups and
deployment configs created, updated and deleted at random, checked against a model of
what AWS would hold, through the API only."""

from __future__ import annotations

from botocore.exceptions import ClientError
from codedeploy_helpers import group_params
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from simulator.aws import SimulatedAWS
from simulator.deploy import PREDEFINED

APPS = st.sampled_from(["web", "api"])
GROUPS = st.sampled_from(["g1", "g2", "g3"])
SERVICES = st.sampled_from(["s1", "s2"])
CONFIGS = st.sampled_from(["c1", "c2", *sorted(PREDEFINED)])


def _code(fn, **params) -> str | None:
    try:
        fn(**params)
    except ClientError as e:
        return e.response["Error"]["Code"]
    return None


class CodeDeployApi(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.cd = SimulatedAWS(seed=5, validate_responses=True).client("codedeploy")
        self.apps: set[str] = set()
        self.groups: dict[tuple[str, str], tuple[str, str]] = {}  # -> (service, config)
        self.configs: set[str] = set()

    @rule(app=APPS)
    def create_application(self, app: str) -> None:
        code = _code(self.cd.create_application, applicationName=app, computePlatform="ECS")
        assert code == ("ApplicationAlreadyExistsException" if app in self.apps else None)
        self.apps.add(app)

    @rule(app=APPS)
    def delete_application(self, app: str) -> None:
        self.cd.delete_application(applicationName=app)
        self.apps.discard(app)
        self.groups = {k: v for k, v in self.groups.items() if k[0] != app}

    @rule(name=st.sampled_from(["c1", "c2"]), pct=st.integers(1, 99), minutes=st.integers(1, 30))
    def create_config(self, name: str, pct: int, minutes: int) -> None:
        code = _code(
            self.cd.create_deployment_config,
            deploymentConfigName=name,
            computePlatform="ECS",
            trafficRoutingConfig={
                "type": "TimeBasedLinear",
                "timeBasedLinear": {"linearPercentage": pct, "linearInterval": minutes},
            },
        )
        assert code == ("DeploymentConfigAlreadyExistsException" if name in self.configs else None)
        self.configs.add(name)

    @rule(name=CONFIGS)
    def delete_config(self, name: str) -> None:
        code = _code(self.cd.delete_deployment_config, deploymentConfigName=name)
        in_use = any(cfg == name for _, cfg in self.groups.values())
        if name in PREDEFINED:
            assert code == "InvalidOperationException"
        elif in_use:
            assert code == "DeploymentConfigInUseException"
        else:
            assert code is None
            self.configs.discard(name)

    @rule(app=APPS, group=GROUPS, service=SERVICES, config=CONFIGS)
    def create_group(self, app: str, group: str, service: str, config: str) -> None:
        params = group_params(
            applicationName=app,
            deploymentGroupName=group,
            deploymentConfigName=config,
            ecsServices=[{"clusterName": "prod", "serviceName": service}],
        )
        code = _code(self.cd.create_deployment_group, **params)
        if app not in self.apps:
            expected = "ApplicationDoesNotExistException"
        elif (app, group) in self.groups:
            expected = "DeploymentGroupAlreadyExistsException"
        elif config not in PREDEFINED and config not in self.configs:
            expected = "DeploymentConfigDoesNotExistException"
        elif any(s == service for s, _ in self.groups.values()):
            expected = "ECSServiceMappingLimitExceededException"
        else:
            expected = None
            self.groups[(app, group)] = (service, config)
        assert code == expected

    @rule(app=APPS, group=GROUPS)
    def delete_group(self, app: str, group: str) -> None:
        code = _code(
            self.cd.delete_deployment_group, applicationName=app, deploymentGroupName=group
        )
        assert code is None
        self.groups.pop((app, group), None)

    @invariant()
    def the_api_shows_the_model(self) -> None:
        assert set(self.cd.list_applications()["applications"]) == self.apps
        listed = self.cd.list_deployment_configs()["deploymentConfigsList"]
        assert set(listed) == set(PREDEFINED) | self.configs
        for app in self.apps:
            groups = self.cd.list_deployment_groups(applicationName=app)["deploymentGroups"]
            assert set(groups) == {g for a, g in self.groups if a == app}
            for g in groups:
                info = self.cd.get_deployment_group(applicationName=app, deploymentGroupName=g)[
                    "deploymentGroupInfo"
                ]
                service, config = self.groups[(app, g)]
                assert info["ecsServices"][0]["serviceName"] == service
                assert info["deploymentConfigName"] == config
        services = [s for s, _ in self.groups.values()]
        assert len(services) == len(set(services))  # one group per ECS service


TestCodeDeployApi = CodeDeployApi.TestCase
