"""A Hypothesis state machine over the boto3 codedeploy, ecs and elbv2 clients: random
deployments (configurations, hooks that succeed or fail, alarms, stops, skipped waits)
interleaved with simulated time. Invariants, checked after every step:

- the production listener's weights total 100 % over the groups in use (its total weight
  is positive, and only the pair's two groups are forwarded to);
- at most one deployment of the group is active (Created, InProgress or Ready);
- green takes no production traffic before Install and every hook up to
  BeforeAllowTraffic have succeeded;
- after a rollback has completed, blue holds all production traffic at its desired count.
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from simulator.deploy.configs import PREDEFINED
from simulator.testing.deploy import CLUSTER, SERVICE, blue_green_world

ACTIVE = ("Created", "InProgress", "Ready")
BEFORE_TRAFFIC = (
    "BeforeInstall",
    "Install",
    "AfterInstall",
    "AllowTestTraffic",
    "AfterAllowTestTraffic",
    "BeforeAllowTraffic",
)
HOOK_EVENTS = (
    "BeforeInstall",
    "AfterInstall",
    "AfterAllowTestTraffic",
    "BeforeAllowTraffic",
    "AfterAllowTraffic",
)
DESIRED = 2


def appspec(td: str, hook: tuple[str, str] | None) -> str:
    text = (
        "version: 0.0\nResources:\n  - TargetService:\n      Type: AWS::ECS::Service\n"
        f'      Properties:\n        TaskDefinition: "{td}"\n        LoadBalancerInfo:\n'
        '          ContainerName: "app"\n          ContainerPort: 8080\n'
    )
    if hook is not None:
        text += f"Hooks:\n  - {hook[0]}: {hook[1]}\n"
    return text


class Deployments(RuleBasedStateMachine):
    @initialize()
    def world(self) -> None:
        self.w = blue_green_world(
            11,
            desired=DESIRED,
            termination_wait_minutes=5,
            alarms=["health"],
            config="CodeDeployDefault.ECSCanary10Percent5Minutes",
        )
        aws = self.w.aws
        aws.client("cloudwatch").put_metric_alarm(
            AlarmName="health",
            Namespace="Custom",
            MetricName="Errors",
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            TreatMissingData="notBreaching",
        )
        for status in ("Succeeded", "Failed"):
            aws.lambda_function(status.lower(), self._hook(status))
        self.revision = 1
        self.ids: list[str] = []

    def _hook(self, status: str):
        def handler(event, context):
            self.w.aws.client("codedeploy").put_lifecycle_event_hook_execution_status(
                deploymentId=event["DeploymentId"],
                lifecycleEventHookExecutionId=event["LifecycleEventHookExecutionId"],
                status=status,
            )

        return handler

    # ------------------------------------------------------------------ helpers
    def active(self, statuses: tuple[str, ...] = ACTIVE) -> list[str]:
        return self.w.codedeploy.list_deployments(
            applicationName="api", deploymentGroupName="api-dg", includeOnlyStatuses=list(statuses)
        )["deployments"]

    def started(self) -> list[str]:
        """Active deployments that have targets (Created ones have none yet)."""
        return self.active(("InProgress", "Ready"))

    def prod(self) -> dict[str, int]:
        (lst,) = self.w.elbv2.describe_listeners(ListenerArns=[self.w.production_listener])[
            "Listeners"
        ]
        groups = lst["DefaultActions"][0]["ForwardConfig"]["TargetGroups"]
        return {g["TargetGroupArn"]: g.get("Weight", 1) for g in groups}

    def target(self, did: str) -> dict:
        return self.w.codedeploy.get_deployment_target(
            deploymentId=did, targetId=f"{CLUSTER}:{SERVICE}"
        )["deploymentTarget"]["ecsTarget"]

    # ------------------------------------------------------------------ rules
    @rule(
        config=st.sampled_from(sorted(PREDEFINED)),
        hook=st.none()
        | st.tuples(st.sampled_from(HOOK_EVENTS), st.sampled_from(["succeeded", "failed"])),
    )
    def deploy(self, config: str, hook: tuple[str, str] | None) -> None:
        if self.active():
            return
        self.revision += 1
        td = self.w.register_revision(f"api:{self.revision}")
        did = self.w.codedeploy.create_deployment(
            applicationName="api",
            deploymentGroupName="api-dg",
            deploymentConfigName=config,
            revision={
                "revisionType": "AppSpecContent",
                "appSpecContent": {"content": appspec(td, hook)},
            },
        )["deploymentId"]
        self.ids.append(did)

    @rule(seconds=st.integers(1, 1200))
    def advance(self, seconds: int) -> None:
        self.w.aws.advance(seconds)

    @rule(state=st.sampled_from(["ALARM", "OK"]))
    def alarm(self, state: str) -> None:
        self.w.aws.client("cloudwatch").set_alarm_state(
            AlarmName="health", StateValue=state, StateReason="test"
        )

    @rule(rollback=st.booleans())
    def stop(self, rollback: bool) -> None:
        for did in self.active():
            if (
                self.w.codedeploy.get_deployment(deploymentId=did)["deploymentInfo"].get("creator")
                == "user"
            ):
                self.w.codedeploy.stop_deployment(deploymentId=did, autoRollbackEnabled=rollback)

    @rule()
    def skip_termination_wait(self) -> None:
        for did in self.started():
            if self.target(did)["status"] == "Succeeded":
                self.w.codedeploy.continue_deployment(
                    deploymentId=did, deploymentWaitType="TERMINATION_WAIT"
                )

    # ------------------------------------------------------------------ invariants
    @invariant()
    def weights_total_100_percent_over_the_pair(self) -> None:
        weights = self.prod()
        assert sum(weights.values()) > 0
        assert set(weights) <= {self.w.blue, self.w.green}

    @invariant()
    def one_active_deployment(self) -> None:
        assert len(self.active()) <= 1

    @invariant()
    def green_waits_for_install_and_hooks(self) -> None:
        for did in self.started():
            view = self.target(did)
            green = next((t for t in view["taskSetsInfo"] if t["taskSetLabel"] == "Green"), None)
            if green is None:
                continue
            arn = self.w.elbv2.describe_target_groups(Names=[green["targetGroup"]["name"]])[
                "TargetGroups"
            ][0]["TargetGroupArn"]
            if self.prod().get(arn, 0) > 0:
                done = {e["lifecycleEventName"]: e["status"] for e in view["lifecycleEvents"]}
                assert all(done[e] == "Succeeded" for e in BEFORE_TRAFFIC), done

    @invariant()
    def rollback_leaves_blue_with_everything(self) -> None:
        if not self.ids or self.active():
            return
        cd = self.w.codedeploy
        last = cd.list_deployments(applicationName="api", deploymentGroupName="api-dg")[
            "deployments"
        ][0]
        info = cd.get_deployment(deploymentId=last)["deploymentInfo"]
        if info["creator"] != "codeDeployRollback" or info["status"] != "Succeeded":
            return
        weights = self.prod()
        (serving,) = [arn for arn, weight in weights.items() if weight > 0]
        sets = self.w.ecs.describe_task_sets(cluster=CLUSTER, service=SERVICE)["taskSets"]
        primary = [t for t in sets if t["status"] == "PRIMARY"]
        assert len(primary) == 1
        assert primary[0]["loadBalancers"][0]["targetGroupArn"] == serving
        assert sum(weights.values()) == weights[serving]  # 100 % on blue
        assert primary[0]["runningCount"] == DESIRED  # blue never scaled down


TestDeployments = Deployments.TestCase
