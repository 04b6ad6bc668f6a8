"""CodeDeploy ECS deployments through boto3, in simulated time: the issue's Done-when
script (the seed's CDK stack, a canary deployment with a hook, polled with GetDeployment),
an alarm-triggered rollback, stop / continue, hooks that fail or never answer, and AWS's
errors."""

from __future__ import annotations

import json
import time

import pytest
from botocore.exceptions import ClientError

from simulator.testing.deploy import CLUSTER, SERVICE, blue_green_world


def appspec(td: str, hooks: dict[str, str] | None = None, *, as_json: bool = False) -> str:
    doc = {
        "version": 0.0,
        "Resources": [
            {
                "TargetService": {
                    "Type": "AWS::ECS::Service",
                    "Properties": {
                        "TaskDefinition": td,
                        "LoadBalancerInfo": {"ContainerName": "app", "ContainerPort": 8080},
                    },
                }
            }
        ],
        "Hooks": [{k: v} for k, v in (hooks or {}).items()],
    }
    if as_json:
        return json.dumps(doc)
    hook_lines = "".join(f"  - {k}: {v}\n" for k, v in (hooks or {}).items())
    return (
        "version: 0.0\n"
        "Resources:\n"
        "  - TargetService:\n"
        "      Type: AWS::ECS::Service\n"
        "      Properties:\n"
        f'        TaskDefinition: "{td}"\n'
        "        LoadBalancerInfo:\n"
        '          ContainerName: "app"\n'
        "          ContainerPort: 8080\n" + (f"Hooks:\n{hook_lines}" if hook_lines else "")
    )


def deploy(w, content: str, **params) -> str:
    return w.codedeploy.create_deployment(
        applicationName="api",
        deploymentGroupName="api-dg",
        revision={"revisionType": "AppSpecContent", "appSpecContent": {"content": content}},
        **params,
    )["deploymentId"]


def cd_info(w, did: str) -> dict:
    return w.codedeploy.get_deployment(deploymentId=did)["deploymentInfo"]


def status(w, did: str) -> str:
    return w.codedeploy.get_deployment(deploymentId=did)["deploymentInfo"]["status"]


def target(w, did: str) -> dict:
    """The ECS target; before the deployment starts (DeploymentNotStartedException) a
    stand-in with every event Pending, for polling predicates."""
    try:
        return w.codedeploy.get_deployment_target(
            deploymentId=did, targetId=f"{CLUSTER}:{SERVICE}"
        )["deploymentTarget"]["ecsTarget"]
    except ClientError as e:
        if e.response["Error"]["Code"] != "DeploymentNotStartedException":
            raise
        return {"status": "Pending", "lifecycleEvents": [{"status": "Pending"}] * 8}


def events(w, did: str) -> dict[str, str]:
    return {e["lifecycleEventName"]: e["status"] for e in target(w, did)["lifecycleEvents"]}


def test_done_when_the_cdk_canary_deployment_runs_as_aws_documents() -> None:
    """The issue's script: what the CDK stack creates, a deployment with a hook, polled."""
    wall = time.monotonic()
    w = blue_green_world(0, desired=2)
    aws, cd = w.aws, w.codedeploy
    calls: list[dict] = []

    def after_allow_test_traffic(event, context):
        calls.append(dict(event))
        client = aws.client("codedeploy")
        client.put_lifecycle_event_hook_execution_status(
            deploymentId=event["DeploymentId"],
            lifecycleEventHookExecutionId=event["LifecycleEventHookExecutionId"],
            status="Succeeded",
        )

    arn = aws.lambda_function("validate", after_allow_test_traffic)
    assert arn == "arn:aws:lambda:us-east-1:123456789012:function:validate"
    td = w.register_revision()
    did = deploy(w, appspec(td, {"AfterAllowTestTraffic": arn}))
    trace: list[tuple[float, str, dict[str, int]]] = []
    seen_events: list[dict[str, str]] = []
    with aws.patch_sleep():
        while True:
            info = cd.get_deployment(deploymentId=did)["deploymentInfo"]
            trace.append((aws.now, info["status"], w.weights()))
            if info["status"] not in ("Created", "InProgress", "Ready"):
                break
            if info["status"] != "Created":  # targets exist once it has started
                seen_events.append(events(w, did))
            time.sleep(15)
    statuses = [s for _, s, _ in trace]
    assert statuses[-1] == "Succeeded"
    assert statuses[0] == "Created"  # until the deployment's process runs
    assert set(statuses[1:]) == {"InProgress", "Succeeded"}
    # the weights AWS documents for the canary: 10 % for five minutes, then 100 %
    green_shares = [wt.get("green", 0) for _, _, wt in trace]
    assert 10 in green_shares and green_shares[-1] == 100
    ten = [t for t, _, wt in trace if wt.get("green") == 10]
    assert 285 <= ten[-1] - ten[0] <= 300
    assert {"blue", "green"} <= set(trace[-1][2]) and trace[-1][2]["blue"] == 0
    # the hook ran once with the payload AWS sends
    assert len(calls) == 1 and set(calls[0]) == {"DeploymentId", "LifecycleEventHookExecutionId"}
    assert calls[0]["DeploymentId"] == did
    # lifecycle events went through in AWS's order; the target is Succeeded in the wait
    order = [
        "BeforeInstall",
        "Install",
        "AfterInstall",
        "AllowTestTraffic",
        "AfterAllowTestTraffic",
        "BeforeAllowTraffic",
        "AllowTraffic",
        "AfterAllowTraffic",
    ]
    assert list(events(w, did)) == order
    assert set(events(w, did).values()) == {"Succeeded"}
    in_wait = [e for e in seen_events if set(e.values()) == {"Succeeded"}]
    assert in_wait, "the 15-minute termination wait is InProgress with every event Succeeded"
    info = cd.get_deployment(deploymentId=did)["deploymentInfo"]
    assert info["creator"] == "user"
    assert info["deploymentOverview"]["Succeeded"] == 1
    assert info["instanceTerminationWaitTimeStarted"] is True
    duration = (info["completeTime"] - info["createTime"]).total_seconds()
    assert duration >= 300 + 15 * 60  # the canary interval and the termination wait
    sets = w.ecs.describe_task_sets(cluster=CLUSTER, service=SERVICE)["taskSets"]
    assert [(t["status"], t["taskDefinition"], t["startedBy"], t["externalId"]) for t in sets] == [
        ("PRIMARY", td, "CODE_DEPLOY", did)
    ]
    assert time.monotonic() - wall < 60  # seconds of wall time for ~25 simulated minutes


def test_alarm_stops_and_rolls_back_as_a_new_deployment() -> None:
    w = blue_green_world(1, desired=2, alarms=["green-5xx"])
    aws, cd = w.aws, w.codedeploy
    green_dimension = w.green.split(":")[-1]
    aws.client("cloudwatch").put_metric_alarm(
        AlarmName="green-5xx",
        Namespace="AWS/ApplicationELB",
        MetricName="HTTPCode_Target_5XX_Count",
        Dimensions=[{"Name": "TargetGroup", "Value": green_dimension}],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        TreatMissingData="notBreaching",
    )
    did = deploy(w, appspec(w.register_revision()))
    aws.run_until(lambda: w.weights().get("green") == 10, timeout="1h")
    aws.client("cloudwatch").set_alarm_state(
        AlarmName="green-5xx", StateValue="ALARM", StateReason="green returns 5xx"
    )
    aws.run_until(lambda: status(w, did) != "InProgress", timeout="10m")
    info = cd.get_deployment(deploymentId=did)["deploymentInfo"]
    assert info["status"] == "Stopped"
    assert info["errorInformation"]["code"] == "ALARM_ACTIVE"
    rollback_id = info["rollbackInfo"]["rollbackDeploymentId"]
    rb = cd.get_deployment(deploymentId=rollback_id)["deploymentInfo"]
    assert rb["creator"] == "codeDeployRollback"
    assert rb["rollbackInfo"]["rollbackTriggeringDeploymentId"] == did
    assert w.weights() == {"blue": 100, "green": 0}  # blue holds all production traffic
    cd.get_waiter("deployment_successful").wait(deploymentId=rollback_id)
    sets = w.ecs.describe_task_sets(cluster=CLUSTER, service=SERVICE)["taskSets"]
    assert [(t["status"], t["runningCount"]) for t in sets] == [("PRIMARY", 2)]
    assert sets[0]["taskDefinition"] == w.task_definition
    listed = cd.list_deployments(applicationName="api", deploymentGroupName="api-dg")
    assert listed["deployments"] == [rollback_id, did]
    stopped = cd.list_deployments(
        applicationName="api", deploymentGroupName="api-dg", includeOnlyStatuses=["Stopped"]
    )
    assert stopped["deployments"] == [did]


def test_alarm_without_rollback_leaves_the_canary_serving() -> None:
    w = blue_green_world(2, alarms=["a"], rollback_events=["DEPLOYMENT_FAILURE"])
    aws = w.aws
    aws.client("cloudwatch").put_metric_alarm(
        AlarmName="a",
        Namespace="AWS/ApplicationELB",
        MetricName="HTTPCode_Target_5XX_Count",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        TreatMissingData="notBreaching",
    )
    did = deploy(w, appspec(w.register_revision()))
    aws.run_until(lambda: w.weights().get("green") == 10, timeout="1h")
    aws.client("cloudwatch").set_alarm_state(AlarmName="a", StateValue="ALARM", StateReason="x")
    aws.run_until(lambda: status(w, did) != "InProgress", timeout="10m")
    info = w.codedeploy.get_deployment(deploymentId=did)["deploymentInfo"]
    assert info["status"] == "Stopped" and "rollbackInfo" not in info
    assert w.weights() == {"blue": 90, "green": 10}  # components remain in their state


def test_waiter_gives_up_with_botocores_limits() -> None:
    w = blue_green_world(3, termination_wait_minutes=60)
    did = deploy(w, appspec(w.register_revision()))
    start = w.aws.now
    with pytest.raises(Exception) as e:
        w.codedeploy.get_waiter("deployment_successful").wait(deploymentId=did)
    assert "Max attempts exceeded" in str(e.value)
    assert w.aws.now - start == pytest.approx(15 * 119)  # 120 attempts, 15 s apart
    assert status(w, did) == "InProgress"


def test_continue_skips_the_termination_wait_and_stop_rolls_back() -> None:
    w = blue_green_world(4, config="CodeDeployDefault.ECSAllAtOnce")
    cd = w.codedeploy
    did = deploy(w, appspec(w.register_revision(), as_json=True))
    with pytest.raises(ClientError) as e:
        deploy(w, appspec(w.register_revision()))
    assert e.value.response["Error"]["Code"] == "DeploymentLimitExceededException"
    assert f"already has an active Deployment '{did}'" in e.value.response["Error"]["Message"]
    w.aws.run_until(lambda: target(w, did)["status"] == "Succeeded", timeout="1h")
    assert status(w, did) == "InProgress"  # the termination wait
    with pytest.raises(ClientError) as e:
        cd.continue_deployment(deploymentId=did, deploymentWaitType="READY_WAIT")
    assert e.value.response["Error"]["Code"] == "DeploymentIsNotInReadyStateException"
    cd.continue_deployment(deploymentId=did, deploymentWaitType="TERMINATION_WAIT")
    w.aws.run_until(lambda: status(w, did) == "Succeeded", timeout="10m")
    second = deploy(w, appspec(w.register_revision("api:3")))
    w.aws.run_until(
        lambda: w.weights().get("blue") == 100 - 0 and status(w, second) == "InProgress"
    )
    w.aws.run_until(lambda: target(w, second)["status"] == "Succeeded", timeout="1h")
    out = cd.stop_deployment(deploymentId=second, autoRollbackEnabled=True)
    assert out["status"] == "Pending"
    w.aws.run_until(lambda: status(w, second) == "Stopped", timeout="1m")
    info = cd.get_deployment(deploymentId=second)["deploymentInfo"]
    assert info["errorInformation"]["code"] == "MANUAL_STOP"
    rb = info["rollbackInfo"]["rollbackDeploymentId"]
    cd.get_waiter("deployment_successful").wait(deploymentId=rb)
    # roles alternate: the first deployment moved production to the green group
    assert w.weights() == {"blue": 0, "green": 100}
    with pytest.raises(ClientError) as e:
        cd.stop_deployment(deploymentId=second)
    assert e.value.response["Error"]["Code"] == "DeploymentAlreadyCompletedException"


def test_ready_wait_and_hook_failure() -> None:
    w = blue_green_world(5, ready_wait_minutes=30)
    aws, cd = w.aws, w.codedeploy

    def refuse(event, context):
        aws.client("codedeploy").put_lifecycle_event_hook_execution_status(
            deploymentId=event["DeploymentId"],
            lifecycleEventHookExecutionId=event["LifecycleEventHookExecutionId"],
            status="Failed",
        )

    aws.lambda_function("refuse", refuse)
    did = deploy(w, appspec(w.register_revision()))
    aws.run_until(lambda: status(w, did) == "Ready", timeout="1h")
    assert w.weights() == {"blue": 1}  # production untouched while Ready
    assert w.weights(w.test_listener) == {"blue": 0, "green": 100}
    cd.continue_deployment(deploymentId=did, deploymentWaitType="READY_WAIT")
    aws.run_until(lambda: target(w, did)["status"] == "Succeeded", timeout="1h")
    cd.continue_deployment(deploymentId=did, deploymentWaitType="TERMINATION_WAIT")
    aws.run_until(lambda: status(w, did) == "Succeeded", timeout="10m")
    bad = deploy(w, appspec(w.register_revision("api:3"), {"BeforeAllowTraffic": "refuse"}))
    aws.run_until(lambda: status(w, bad) == "Ready", timeout="1h")
    cd.continue_deployment(deploymentId=bad)
    aws.run_until(lambda: status(w, bad) == "Failed", timeout="10m")
    aws.advance("1s")  # the rollback deployment is created right after the failure
    info = cd.get_deployment(deploymentId=bad)["deploymentInfo"]
    assert info["errorInformation"]["code"] == "HOOK_EXECUTION_FAILURE"
    assert events(w, bad)["BeforeAllowTraffic"] == "Failed"
    assert info["rollbackInfo"]["rollbackDeploymentId"]  # DEPLOYMENT_FAILURE is configured
    with pytest.raises(ClientError) as e:
        cd.put_lifecycle_event_hook_execution_status(
            deploymentId=bad, lifecycleEventHookExecutionId="x", status="Done"
        )
    assert e.value.response["Error"]["Code"] in (
        "InvalidLifecycleEventHookExecutionIdException",
        "InvalidLifecycleEventHookExecutionStatusException",
    )


def test_deployment_errors() -> None:
    w = blue_green_world(6)
    cd = w.codedeploy
    for bad, code in (
        ({"deploymentId": "nope"}, "InvalidDeploymentIdException"),
        ({"deploymentId": "d-AAAAAAAAA"}, "DeploymentDoesNotExistException"),
    ):
        with pytest.raises(ClientError) as e:
            cd.get_deployment(**bad)
        assert e.value.response["Error"]["Code"] == code
    with pytest.raises(ClientError) as e:
        deploy(w, "version: 0.0\nResources: []\n")
    assert e.value.response["Error"]["Code"] == "InvalidRevisionException"
    with pytest.raises(ClientError) as e:
        deploy(w, appspec("api:99"))
    assert e.value.response["Error"]["Code"] == "InvalidRevisionException"
    with pytest.raises(ClientError) as e:
        deploy(w, appspec(w.task_definition), deploymentConfigName="Nope")
    assert e.value.response["Error"]["Code"] == "DeploymentConfigDoesNotExistException"
    did = deploy(w, appspec(w.register_revision()))
    with pytest.raises(ClientError) as e:  # Created: its process has not run yet
        cd.list_deployment_targets(deploymentId=did)
    assert e.value.response["Error"]["Code"] == "DeploymentNotStartedException"
    w.aws.advance("1s")
    targets = cd.list_deployment_targets(deploymentId=did)["targetIds"]
    assert targets == [f"{CLUSTER}:{SERVICE}"]
    batch = cd.batch_get_deployment_targets(deploymentId=did, targetIds=targets)
    assert batch["deploymentTargets"][0]["deploymentTargetType"] == "ECSTarget"
    with pytest.raises(ClientError) as e:
        cd.get_deployment_target(deploymentId=did, targetId="x:y")
    assert e.value.response["Error"]["Code"] == "DeploymentTargetDoesNotExistException"
    w.aws.run_until(lambda: target(w, did)["lifecycleEvents"][1]["status"] == "Succeeded")
    info = target(w, did)["taskSetsInfo"]
    green = next(t for t in info if t["taskSetLabel"] == "Green")
    blue = next(t for t in info if t["taskSetLabel"] == "Blue")
    assert (green["desiredCount"], green["runningCount"]) == (2, 2)
    assert green["trafficWeight"] == w.weights().get("green", 0)  # the listener's share
    assert blue["trafficWeight"] == 100 - green["trafficWeight"]
    assert green["targetGroup"] == {"name": "green"}


def test_a_target_group_alarm_fed_by_traffic_stops_the_canary() -> None:
    """The CloudWatch chain end to end: send_traffic, the ALB's per-minute metrics for
    green's target group, the alarm's evaluation, the deployment's poll, the rollback."""
    w = blue_green_world(7, desired=2, alarms=["green-requests"])
    aws = w.aws
    aws.client("cloudwatch").put_metric_alarm(
        AlarmName="green-requests",
        Namespace="AWS/ApplicationELB",
        MetricName="RequestCount",
        Dimensions=[
            {"Name": "LoadBalancer", "Value": w.load_balancer.split(":loadbalancer/")[1]},
            {"Name": "TargetGroup", "Value": w.green.split(":")[-1]},
        ],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        TreatMissingData="notBreaching",
    )
    aws.send_traffic(w.load_balancer, 50)
    aws.advance("3m")
    did = deploy(w, appspec(w.register_revision()))
    aws.run_until(lambda: w.weights().get("green") == 10, timeout="1h")
    canary_at = aws.now
    aws.run_until(lambda: status(w, did) != "InProgress", timeout="10m")
    stopped_at = aws.now
    assert status(w, did) == "Stopped"
    # green's first full minute of traffic is published at its end, evaluated, then polled
    assert 60 <= stopped_at - canary_at <= 120 + 30
    history = aws.client("cloudwatch").describe_alarm_history(
        AlarmName="green-requests", HistoryItemType="StateUpdate"
    )["AlarmHistoryItems"]
    assert any("to ALARM" in h["HistorySummary"] for h in history)
    aws.advance("1s")
    assert w.weights() == {"blue": 100, "green": 0}


def test_green_scales_out_the_capacity_provider() -> None:
    """On an Auto Scaling group capacity provider, green's tasks wait PROVISIONING while
    managed scaling adds instances: the extra capacity a blue/green deployment costs."""
    w = blue_green_world(8, desired=4, instance_type="m6i.large")
    ecs = w.ecs

    def instances() -> int:
        return len(ecs.list_container_instances(cluster=CLUSTER)["containerInstanceArns"])

    before = instances()
    did = deploy(w, appspec(w.register_revision()))
    w.aws.run_until(lambda: target(w, did)["lifecycleEvents"][1]["status"] == "Succeeded", "2h")
    during = instances()
    assert during > before  # green at 100 % beside blue needed more instances
    w.codedeploy.get_waiter("deployment_successful").wait(deploymentId=did)
    sets = ecs.describe_task_sets(cluster=CLUSTER, service=SERVICE)["taskSets"]
    assert [(t["status"], t["runningCount"]) for t in sets] == [("PRIMARY", 4)]


def test_an_alarm_already_in_alarm_blocks_the_deployment() -> None:
    w = blue_green_world(9, alarms=["x"])
    cw = w.aws.client("cloudwatch")
    cw.put_metric_alarm(
        AlarmName="x",
        Namespace="Custom",
        MetricName="Errors",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    cw.set_alarm_state(AlarmName="x", StateValue="ALARM", StateReason="already failing")
    did = deploy(w, appspec(w.register_revision()))
    w.aws.advance("1s")
    info = w.codedeploy.get_deployment(deploymentId=did)["deploymentInfo"]
    assert (info["status"], info["errorInformation"]["code"]) == ("Stopped", "ALARM_ACTIVE")
    assert "rollbackInfo" not in info and "startTime" not in info
    sets = w.ecs.describe_task_sets(cluster=CLUSTER, service=SERVICE)["taskSets"]
    assert len(sets) == 1  # no green was created


def test_a_hook_that_never_answers_fails_the_deployment_after_an_hour() -> None:
    w = blue_green_world(10)

    def crashes(event, context):
        raise RuntimeError("bug in the hook")  # Lambda logs it; CodeDeploy hears nothing

    w.aws.lambda_function("crashes", crashes)
    did = deploy(w, appspec(w.register_revision(), {"AfterInstall": "crashes"}))
    w.aws.advance("1s")
    started = w.aws.now
    w.aws.run_until(lambda: status(w, did) != "InProgress", timeout="2h")
    assert w.aws.now - started == pytest.approx(3600, abs=400)  # Install, then the hour
    info = w.codedeploy.get_deployment(deploymentId=did)["deploymentInfo"]
    assert (info["status"], info["errorInformation"]["code"]) == ("Failed", "TIMEOUT")
    failed = [e for e in target(w, did)["lifecycleEvents"] if e["status"] == "Failed"]
    assert [e["lifecycleEventName"] for e in failed] == ["AfterInstall"]
    assert failed[0]["diagnostics"]["errorCode"] == "ScriptTimedOut"
    w.aws.advance("1s")
    assert "rollbackDeploymentId" in cd_info(w, did)["rollbackInfo"]  # DEPLOYMENT_FAILURE
    assert w.weights() == {"blue": 100, "green": 0}  # the rollback's reroute


def test_no_request_is_lost_while_traffic_shifts() -> None:
    """Conservation through a canary: every minute, what the load balancer was offered is
    what its target groups received plus what it answered itself (503s), and green's share
    of it is the listener's weight that minute."""
    w = blue_green_world(11, desired=2, termination_wait_minutes=1)
    aws, rps = w.aws, 40.0
    aws.send_traffic(w.load_balancer, rps)
    aws.advance("2m")
    did = deploy(w, appspec(w.register_revision()))
    start = aws.now
    shares: dict[int, float] = {}  # minute start -> green's share at it
    while status(w, did) in ("Created", "InProgress"):
        weights = w.weights()
        shares.setdefault(int(aws.now // 60) * 60, weights.get("green", 0) / 100)
        aws.advance("10s")
    assert status(w, did) == "Succeeded"
    aws.advance("2m")
    lb = w.load_balancer.split(":loadbalancer/")[1]
    groups = {"blue": w.blue.split(":")[-1], "green": w.green.split(":")[-1]}

    def query(i: int, metric: str, **dims: str) -> dict:
        dimensions = [{"Name": "LoadBalancer", "Value": lb}]
        dimensions += [{"Name": "TargetGroup", "Value": v} for v in dims.values()]
        stat = {"Namespace": "AWS/ApplicationELB", "MetricName": metric, "Dimensions": dimensions}
        return {"Id": f"q{i}", "MetricStat": {"Metric": stat, "Period": 60, "Stat": "Sum"}}

    queries = [query(0, "HTTPCode_ELB_5XX_Count")]
    for tg in groups.values():
        queries.append(query(len(queries), "RequestCount", tg=tg))
        queries.append(query(len(queries), "HTTPCode_ELB_5XX_Count", tg=tg))
    t0, t1 = aws.timestamp(int(start // 60) * 60), aws.timestamp(aws.now - 60)
    result = aws.client("cloudwatch").get_metric_data(
        MetricDataQueries=queries, StartTime=t0, EndTime=t1
    )["MetricDataResults"]
    per_minute: dict[object, list[float]] = {}
    for r in result:
        for ts, v in zip(r["Timestamps"], r["Values"], strict=True):
            per_minute.setdefault(ts, [0.0] * len(queries))[int(r["Id"][1:])] = v
    assert len(per_minute) >= 5
    for ts, values in per_minute.items():
        assert sum(values) == pytest.approx(rps * 60, rel=1e-9), ts
        green = values[3] + values[4]
        minute = int((ts - aws.start_time).total_seconds())
        if minute in shares and minute + 60 in shares and shares[minute] == shares[minute + 60]:
            assert green / (rps * 60) == pytest.approx(shares[minute], abs=1e-9), ts
