"""ECS's own BLUE_GREEN / LINEAR / CANARY deployments through boto3 in simulated time:
a CANARY 10 % / 5-minute canary with a 5-minute bake reaching SUCCESSFUL with the weights
and stages at the documented instants, a FAILED hook and an alarm rolling back in place,
StopServiceDeployment(ROLLBACK), and the validation errors."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.aws.account import SimulatedAWS
from simulator.testing.deploy import CLUSTER, SERVICE, default_subnets, network, register

ROLE = "arn:aws:iam::123456789012:role/ecsInfrastructureRole"


class World:
    def __init__(self, config: dict[str, Any], desired: int = 2) -> None:
        aws = self.aws = SimulatedAWS(seed=0, validate_responses=True)
        ecs, elbv2 = self.ecs, self.elbv2 = aws.client("ecs"), aws.client("elbv2")
        ecs.create_cluster(
            clusterName=CLUSTER,
            capacityProviders=["FARGATE"],
            defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1}],
        )
        lb = elbv2.create_load_balancer(Name="api", Subnets=default_subnets(aws)[:2])
        lb_arn = lb["LoadBalancers"][0]["LoadBalancerArn"]
        groups = []
        for name in ("blue", "green"):
            arn = elbv2.create_target_group(
                Name=name, Protocol="HTTP", Port=8080, TargetType="ip", VpcId="vpc-0a"
            )["TargetGroups"][0]["TargetGroupArn"]
            elbv2.modify_target_group_attributes(
                TargetGroupArn=arn,
                Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "30"}],
            )
            groups.append(arn)
        self.blue, self.green = groups
        self.listeners = []
        for port in (80, 8080):
            self.listeners.append(
                elbv2.create_listener(
                    LoadBalancerArn=lb_arn,
                    Protocol="HTTP",
                    Port=port,
                    DefaultActions=[
                        {
                            "Type": "forward",
                            "ForwardConfig": {
                                "TargetGroups": [{"TargetGroupArn": self.blue, "Weight": 1}]
                            },
                        }
                    ],
                )["Listeners"][0]["ListenerArn"]
            )
        self.rules = [
            elbv2.describe_rules(ListenerArn=arn)["Rules"][0]["RuleArn"] for arn in self.listeners
        ]
        self.td = register(ecs)
        self.service = ecs.create_service(
            cluster=CLUSTER,
            serviceName=SERVICE,
            taskDefinition=self.td,
            desiredCount=desired,
            deploymentConfiguration=config,
            loadBalancers=[self.load_balancer()],
            networkConfiguration=network(aws),
            healthCheckGracePeriodSeconds=60,
        )["service"]
        aws.run_until(lambda: self.healthy(self.blue) == desired, timeout="30m")

    def load_balancer(self, **advanced: Any) -> dict[str, Any]:
        return {
            "targetGroupArn": self.blue,
            "containerName": "app",
            "containerPort": 8080,
            "advancedConfiguration": {
                "alternateTargetGroupArn": self.green,
                "productionListenerRule": self.rules[0],
                "testListenerRule": self.rules[1],
                "roleArn": ROLE,
                **advanced,
            },
        }

    def healthy(self, tg: str) -> int:
        return sum(
            d["TargetHealth"]["State"] == "healthy"
            for d in self.elbv2.describe_target_health(TargetGroupArn=tg)[
                "TargetHealthDescriptions"
            ]
        )

    def weights(self, listener: int = 0) -> dict[str, int]:
        (lst,) = self.elbv2.describe_listeners(ListenerArns=[self.listeners[listener]])["Listeners"]
        groups = lst["DefaultActions"][0]["ForwardConfig"]["TargetGroups"]
        names = {self.blue: "blue", self.green: "green"}
        return {names[g["TargetGroupArn"]]: g.get("Weight", 1) for g in groups}

    def deploy(self) -> str:
        self.ecs.update_service(
            cluster=CLUSTER, service=SERVICE, taskDefinition=register(self.ecs, "api:2")
        )
        (brief,) = self.ecs.list_service_deployments(cluster=CLUSTER, service=SERVICE)[
            "serviceDeployments"
        ]
        return str(brief["serviceDeploymentArn"])

    def describe(self, arn: str) -> dict[str, Any]:
        (d,) = self.ecs.describe_service_deployments(serviceDeploymentArns=[arn])[
            "serviceDeployments"
        ]
        return dict(d)

    def trace(self, arn: str, every: float = 15.0, limit: float = 7200.0) -> list[tuple]:
        """(t, status, stage, weights) every ``every`` seconds until the deployment ends."""
        out = []
        start = self.aws.now
        while self.aws.now - start < limit:
            d = self.describe(arn)
            out.append((self.aws.now - start, d["status"], d.get("lifecycleStage"), self.weights()))
            if d["status"] not in (
                "PENDING",
                "IN_PROGRESS",
                "ROLLBACK_REQUESTED",
                "ROLLBACK_IN_PROGRESS",
                "STOP_REQUESTED",
            ):
                break
            self.aws.advance(every)
        return out


CANARY = {
    "strategy": "CANARY",
    "bakeTimeInMinutes": 5,
    "canaryConfiguration": {"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 5},
}


def first(trace: list[tuple], pred) -> float:
    return next(t for t, *rest in trace if pred(*rest))


def test_canary_reaches_successful_with_the_documented_weights_and_stages() -> None:
    w = World(CANARY)
    arn = w.deploy()
    d = w.describe(arn)
    assert d["status"] in ("PENDING", "IN_PROGRESS")
    assert d["sourceServiceRevisions"][0]["requestedProductionTrafficWeight"] == 100.0
    trace = w.trace(arn)
    assert trace[-1][1] == "SUCCESSFUL"
    assert trace[-1][2] == "CLEAN_UP"
    # green scales up with no production traffic, then 10 % for 5 minutes, then 100 %
    scale = [wt.get("green", 0) for _, _, stage, wt in trace if stage == "SCALE_UP"]
    assert scale and set(scale) == {0}
    t10 = first(trace, lambda s, st, wt: wt.get("green") == 10)
    t100 = first(trace, lambda s, st, wt: wt.get("green") == 100)
    assert 285 <= t100 - t10 <= 315
    # the bake time follows 100 %, then the old revision drains (30 s delay) in CLEAN_UP
    t_bake = first(trace, lambda s, st, wt: st == "BAKE_TIME")
    t_clean = first(trace, lambda s, st, wt: st == "CLEAN_UP")
    assert 285 <= t_clean - t_bake <= 315
    assert t_bake >= t100 - 15
    stages = []
    for _, _, stage, _ in trace:
        if stage and (not stages or stages[-1] != stage):
            stages.append(stage)
    order = ["SCALE_UP", "PRODUCTION_TRAFFIC_SHIFT", "BAKE_TIME", "CLEAN_UP"]
    assert [s for s in stages if s in order] == order
    assert trace[-1][3] == {"blue": 0, "green": 100}
    d = w.describe(arn)
    assert d["targetServiceRevision"]["requestedProductionTrafficWeight"] == 100.0
    assert d["targetServiceRevision"]["runningTaskCount"] == 2
    assert "rollback" not in d and "finishedAt" in d
    svc = w.ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]
    assert svc["taskDefinition"].endswith(":2") and svc["runningCount"] == 2
    assert svc["deploymentConfiguration"]["strategy"] == "CANARY"
    assert w.healthy(w.green) == 2 and w.healthy(w.blue) == 0


def test_a_hook_answering_failed_rolls_back_in_place() -> None:
    calls: list[dict] = []

    def check(event, context):
        calls.append(dict(event))
        if len(calls) < 3:
            return {"hookStatus": "IN_PROGRESS", "callBackDelay": 20}
        return {"hookStatus": "FAILED"}

    config = dict(CANARY)
    w = World(config)
    fn = w.aws.lambda_function("check", check)
    w.ecs.update_service(
        cluster=CLUSTER,
        service=SERVICE,
        deploymentConfiguration={
            **CANARY,
            "lifecycleHooks": [
                {
                    "hookTargetArn": fn,
                    "roleArn": ROLE,
                    "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"],
                }
            ],
        },
    )
    arn = w.deploy()
    trace = w.trace(arn, every=5)
    d = w.describe(arn)
    assert d["status"] == "ROLLBACK_SUCCESSFUL"
    assert d["serviceDeploymentArn"] == arn  # in place, the same ARN
    assert d["rollback"]["serviceRevisionArn"] == d["sourceServiceRevisions"][0]["arn"]
    assert (
        len(calls) == 3
        and calls[0]["targetServiceRevisionArn"] == d["targetServiceRevision"]["arn"]
    )
    # green never had production traffic; the test listener went back to blue
    assert all(wt.get("green", 0) == 0 for *_, wt in trace)
    assert w.weights(1).get("green", 0) == 0
    assert w.healthy(w.blue) == 2
    svc = w.ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]
    assert svc["taskDefinition"] == w.td


def test_an_alarm_with_rollback_rolls_back_during_the_canary() -> None:
    config = {**CANARY, "alarms": {"alarmNames": ["api-5xx"], "enable": True, "rollback": True}}
    w = World(config)
    cw = w.aws.client("cloudwatch")
    cw.put_metric_alarm(
        AlarmName="api-5xx",
        MetricName="HTTPCode_Target_5XX_Count",
        Namespace="AWS/ApplicationELB",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    arn = w.deploy()
    w.aws.run_until(lambda: w.weights().get("green") == 10, timeout="30m")
    t_canary = w.aws.now
    w.aws.advance(60)
    cw.set_alarm_state(AlarmName="api-5xx", StateValue="ALARM", StateReason="test")
    trace = w.trace(arn)
    d = w.describe(arn)
    assert d["status"] == "ROLLBACK_SUCCESSFUL"
    assert d["alarms"]["status"] == "TRIGGERED" and d["alarms"]["triggeredAlarmNames"] == [
        "api-5xx"
    ]
    assert w.weights() == {"blue": 100, "green": 0}
    # rolled back within one poll interval (30 s) of the alarm, before the canary ended
    assert d["rollback"]["startedAt"].timestamp() - w.aws.timestamp(t_canary).timestamp() <= 95
    assert all(wt.get("green", 0) <= 10 for *_, wt in trace)


def test_stop_service_deployment_rollback_reroutes_to_the_source_revision() -> None:
    w = World(CANARY)
    arn = w.deploy()
    w.aws.run_until(lambda: w.weights().get("green") == 10, timeout="30m")
    assert (
        w.ecs.stop_service_deployment(serviceDeploymentArn=arn, stopType="ROLLBACK")[
            "serviceDeploymentArn"
        ]
        == arn
    )
    w.trace(arn)
    d = w.describe(arn)
    assert d["status"] == "ROLLBACK_SUCCESSFUL" and w.weights()["green"] == 0
    with pytest.raises(ClientError) as e:
        w.ecs.stop_service_deployment(serviceDeploymentArn=arn)
    assert e.value.response["Error"]["Code"] == "ConflictException"
    listed = w.ecs.list_service_deployments(
        cluster=CLUSTER, service=SERVICE, status=["ROLLBACK_SUCCESSFUL"]
    )["serviceDeployments"]
    assert [x["serviceDeploymentArn"] for x in listed] == [arn]


@pytest.mark.parametrize(
    ("config", "text"),
    [
        ({"strategy": "BLUE_GREEN"}, "bakeTimeInMinutes is required"),
        ({"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 2.0}}, "stepPercent"),
        ({"strategy": "CANARY", "canaryConfiguration": {"canaryPercent": 0.05}}, "canaryPercent"),
        ({"strategy": "ROLLING", "canaryConfiguration": {}}, "only valid with strategy CANARY"),
    ],
)
def test_invalid_strategies_are_refused_with_ecs_errors(config, text) -> None:
    w = World(CANARY)
    with pytest.raises(ClientError) as e:
        w.ecs.create_service(
            cluster=CLUSTER,
            serviceName="other",
            taskDefinition=w.td,
            desiredCount=1,
            deploymentConfiguration=config,
            loadBalancers=[w.load_balancer()],
            networkConfiguration=network(w.aws),
        )
    assert e.value.response["Error"]["Code"] == "InvalidParameterException"
    assert text in e.value.response["Error"]["Message"]


def test_linear_moves_production_weight_in_equal_steps_with_no_bake_after_100() -> None:
    config = {
        "strategy": "LINEAR",
        "bakeTimeInMinutes": 0,
        "linearConfiguration": {"stepPercent": 25.0, "stepBakeTimeInMinutes": 1},
    }
    w = World(config)
    arn = w.deploy()
    trace = w.trace(arn, every=5)
    assert trace[-1][1] == "SUCCESSFUL"
    t = {p: first(trace, lambda s, st, wt, p=p: wt.get("green") == p) for p in (25, 50, 75, 100)}
    assert [round(t[p] - t[25]) for p in (50, 75, 100)] == [60, 120, 180]
    # no step bake after 100 %: BAKE_TIME (0 minutes) and CLEAN_UP follow at once
    t_clean = first(trace, lambda s, st, wt: st == "CLEAN_UP")
    assert t_clean - t[100] <= 5


def test_in_progress_hooks_are_invoked_again_after_their_callback_delay() -> None:
    at: list[float] = []
    w = World(CANARY)

    def hook(event, context):
        at.append(w.aws.now)
        return {"hookStatus": "IN_PROGRESS"} if len(at) < 3 else {"hookStatus": "SUCCEEDED"}

    fn = w.aws.lambda_function("hook", hook)
    hooks = [{"hookTargetArn": fn, "roleArn": ROLE, "lifecycleStages": ["POST_SCALE_UP"]}]
    w.ecs.update_service(
        cluster=CLUSTER,
        service=SERVICE,
        deploymentConfiguration={**CANARY, "lifecycleHooks": hooks},
    )
    arn = w.deploy()
    trace = w.trace(arn, every=10)
    assert trace[-1][1] == "SUCCESSFUL"
    assert [b - a for a, b in zip(at, at[1:], strict=False)] == [30.0, 30.0]  # the default


def test_a_hook_timeout_with_continue_lets_the_deployment_go_on() -> None:
    at: list[float] = []
    w = World(CANARY)

    def never_done(event, context):
        at.append(w.aws.now)
        return {"hookStatus": "IN_PROGRESS", "callBackDelay": 25}

    fn = w.aws.lambda_function("slow", never_done)
    hooks = [
        {
            "hookTargetArn": fn,
            "roleArn": ROLE,
            "lifecycleStages": ["PRE_SCALE_UP"],
            "timeoutConfiguration": {"timeoutInMinutes": 1, "action": "CONTINUE"},
        }
    ]
    w.ecs.update_service(
        cluster=CLUSTER,
        service=SERVICE,
        deploymentConfiguration={**CANARY, "lifecycleHooks": hooks},
    )
    arn = w.deploy()
    trace = w.trace(arn, every=10)
    assert trace[-1][1] == "SUCCESSFUL"
    assert len(at) == 3 and at[-1] - at[0] == 50.0  # 0, 25, 50; the minute ran out at 60
    t_scale = first(trace, lambda s, st, wt: st == "SCALE_UP")
    assert 55 <= t_scale <= 70


def test_an_alarm_without_rollback_stops_where_traffic_is() -> None:
    config = {**CANARY, "alarms": {"alarmNames": ["api-5xx"], "enable": True, "rollback": False}}
    w = World(config)
    cw = w.aws.client("cloudwatch")
    cw.put_metric_alarm(
        AlarmName="api-5xx",
        MetricName="HTTPCode_Target_5XX_Count",
        Namespace="AWS/ApplicationELB",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    arn = w.deploy()
    w.aws.run_until(lambda: w.weights().get("green") == 10, timeout="30m")
    cw.set_alarm_state(AlarmName="api-5xx", StateValue="ALARM", StateReason="test")
    w.trace(arn)
    d = w.describe(arn)
    assert d["status"] == "STOPPED" and "rollback" not in d
    assert w.weights() == {"blue": 90, "green": 10}


def test_a_traffic_shifting_service_needs_advanced_configuration() -> None:
    w = World(CANARY)
    lb = w.load_balancer()
    del lb["advancedConfiguration"]
    with pytest.raises(ClientError) as e:
        w.ecs.create_service(
            cluster=CLUSTER,
            serviceName="other",
            taskDefinition=w.td,
            desiredCount=1,
            deploymentConfiguration=CANARY,
            loadBalancers=[lb],
            networkConfiguration=network(w.aws),
        )
    assert e.value.response["Error"]["Code"] == "InvalidParameterException"
    assert "advancedConfiguration" in e.value.response["Error"]["Message"]
    assert not any(
        a.endswith("/other") for a in w.ecs.list_services(cluster=CLUSTER)["serviceArns"]
    )
    with pytest.raises(ClientError) as e:
        w.ecs.stop_service_deployment(serviceDeploymentArn=w.service["serviceArn"] + "/nope")
    assert e.value.response["Error"]["Code"] == "ServiceDeploymentNotFoundException"


@st.composite
def strategies(draw) -> dict[str, Any]:
    bake = draw(st.integers(0, 2))
    if draw(st.booleans()):
        percent = draw(st.integers(1, 500)) / 10
        minutes = draw(st.integers(0, 3))
        return {
            "strategy": "CANARY",
            "bakeTimeInMinutes": bake,
            "canaryConfiguration": {"canaryPercent": percent, "canaryBakeTimeInMinutes": minutes},
        }
    step = draw(st.sampled_from([12.5, 20.0, 25.0, 33.3, 50.0]))
    return {
        "strategy": "LINEAR",
        "bakeTimeInMinutes": bake,
        "linearConfiguration": {
            "stepPercent": step,
            "stepBakeTimeInMinutes": draw(st.integers(0, 1)),
        },
    }


@settings(max_examples=10 if settings().max_examples <= 30 else 40)
@given(config=strategies(), stop_after=st.one_of(st.none(), st.integers(0, 400)))
def test_weights_only_grow_until_a_rollback_and_end_on_one_side(config, stop_after) -> None:
    """Property: once the deployment has touched the production rule its weights total
    100 (or 999 for 0.1 % steps); green's share never falls while the deployment goes forward; the
    deployment ends with every weight and every healthy task on one side."""
    w = World(config)
    arn = w.deploy()
    start = w.aws.now
    shares: list[float] = []
    while True:
        d = w.describe(arn)
        wt = w.weights()
        total = wt.get("blue", 0) + wt.get("green", 0)
        assert total in (100, 999) or wt == {"blue": 1}  # the listener as created
        if d["status"] == "IN_PROGRESS":
            shares.append(wt.get("green", 0) / total)
            assert shares == sorted(shares)
        if d["status"] in ("SUCCESSFUL", "ROLLBACK_SUCCESSFUL"):
            break
        if (
            stop_after is not None
            and w.aws.now - start >= stop_after
            and d["status"] == "IN_PROGRESS"
        ):
            if d.get("lifecycleStage") != "CLEAN_UP":
                w.ecs.stop_service_deployment(serviceDeploymentArn=arn, stopType="ROLLBACK")
            stop_after = None
        assert w.aws.now - start < 4 * 3600
        w.aws.advance(20)
    side, other = (w.green, w.blue) if d["status"] == "SUCCESSFUL" else (w.blue, w.green)
    assert w.healthy(side) == 2 and w.healthy(other) == 0
    assert w.weights() in ({"blue": 0, "green": 100}, {"blue": 100, "green": 0})
    expected_green = 100 if side == w.green else 0
    assert w.weights()["green"] == expected_green


def test_blue_green_shifts_all_production_traffic_at_once_then_bakes() -> None:
    w = World({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 2})
    arn = w.deploy()
    trace = w.trace(arn, every=5)
    assert trace[-1][1] == "SUCCESSFUL"
    greens = sorted({wt.get("green", 0) for *_, wt in trace})
    assert greens == [0, 100]
    t100 = first(trace, lambda s, st, wt: wt.get("green") == 100)
    t_clean = first(trace, lambda s, st, wt: st == "CLEAN_UP")
    assert 115 <= t_clean - t100 <= 125
