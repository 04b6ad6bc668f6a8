"""The same Application Auto Scaling calls against ecsim and moto: where moto implements
the behaviour both must agree (shapes, names, the alarms a policy puts); where moto departs
from AWS's documentation the test pins moto's answer (docs/autoscaling.md lists them)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from simulator.aws import SimulatedAWS, output_problems

MOTO_CHANGED = "moto now behaves like AWS here: update the list in docs/autoscaling.md"
TARGET = {
    "ServiceNamespace": "ecs",
    "ResourceId": "service/web/app",
    "ScalableDimension": "ecs:service:DesiredCount",
}
POLICY = {
    "PolicyName": "cpu50",
    "PolicyType": "TargetTrackingScaling",
    "TargetTrackingScalingPolicyConfiguration": {
        "TargetValue": 50.0,
        "PredefinedMetricSpecification": {
            "PredefinedMetricType": "ECSServiceAverageCPUUtilization"
        },
    },
}


@pytest.fixture
def clients(moto_env: None, moto_session: Any) -> Any:
    from moto import mock_aws

    aws = SimulatedAWS(seed=1, validate_responses=True)
    with mock_aws():
        yield {
            "ecsim": tuple(aws.client(s) for s in ("ecs", "application-autoscaling", "cloudwatch")),
            "moto": tuple(
                moto_session.client(s, region_name="us-east-1")
                for s in ("ecs", "application-autoscaling", "cloudwatch")
            ),
        }


def setup(ecs: Any, aas: Any) -> None:
    ecs.create_cluster(clusterName="web")
    ecs.register_task_definition(
        family="app", containerDefinitions=[{"name": "app", "image": "x", "memory": 512}]
    )
    ecs.create_service(cluster="web", serviceName="app", taskDefinition="app", desiredCount=2)
    aas.register_scalable_target(**TARGET, MinCapacity=1, MaxCapacity=8)


def code(call: Any, **params: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call(**params)
    e = info.value.response["Error"]
    return e["Code"], e["Message"]


def test_policies_and_their_alarms_agree(clients: dict[str, Any]) -> None:
    seen = {}
    for name, (ecs, aas, cw) in clients.items():
        setup(ecs, aas)
        put = aas.put_scaling_policy(**TARGET, **POLICY)
        model = aas.meta.service_model.operation_model("PutScalingPolicy")
        assert not output_problems(model, put)
        (policy,) = aas.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"]
        alarms = cw.describe_alarms()["MetricAlarms"]
        seen[name] = (
            put["PolicyARN"].split(":scalingPolicy:")[0],
            put["PolicyARN"].split(":resource/")[1],
            sorted(a["AlarmName"].rsplit("-", 5)[0] for a in put["Alarms"]),
            {k: policy[k] for k in ("PolicyName", "ResourceId", "PolicyType")},
            policy["TargetTrackingScalingPolicyConfiguration"],
            sorted(
                (
                    a["Namespace"],
                    a["MetricName"],
                    a["Statistic"],
                    a["EvaluationPeriods"],
                    a["ComparisonOperator"],
                    tuple((d["Name"], d["Value"]) for d in a["Dimensions"]),
                    a["AlarmActions"][0].split(":createdBy/")[0] == put["PolicyARN"],
                )
                for a in alarms
            ),
        )
        thresholds = sorted(a["Threshold"] for a in alarms)
        if name == "moto":
            # moto puts both alarms at a fixed threshold, not the target / 90 % of it
            assert thresholds != [45.0, 50.0], MOTO_CHANGED
        else:
            assert thresholds == [45.0, 50.0]
    assert seen["ecsim"] == seen["moto"], seen


def test_errors_where_moto_departs(clients: dict[str, Any]) -> None:
    got = {}
    for name, (ecs, aas, cw) in clients.items():
        setup(ecs, aas)
        missing = {**TARGET, "ResourceId": "service/web/nope"}
        got[name] = (
            code(aas.register_scalable_target, **missing, MinCapacity=1, MaxCapacity=2),
            code(aas.deregister_scalable_target, **missing)[0],
            code(aas.delete_scaling_policy, **TARGET, PolicyName="x")[0],
        )
        aas.put_scaling_policy(**TARGET, **POLICY)
        aas.delete_scaling_policy(**TARGET, PolicyName="cpu50")
        assert cw.describe_alarms()["MetricAlarms"] == []  # deleted with their policy
    assert got["ecsim"][0] == got["moto"][0]  # "ECS service doesn't exist: ..."
    # AWS's API reference: ObjectNotFoundException for a target or policy that does not
    # exist; moto answers ValidationException
    assert got["ecsim"][1:] == ("ObjectNotFoundException", "ObjectNotFoundException")
    assert got["moto"][1:] == ("ValidationException", "ValidationException"), MOTO_CHANGED
