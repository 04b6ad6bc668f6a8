"""A seed-like ECS blue/green deployment group (the CDK stage: canary, 15-minute wait,
test listener, an alarm with DEPLOYMENT_STOP_ON_ALARM)."""

from __future__ import annotations

import copy
from typing import Any

ROLE = "arn:aws:iam::123456789012:role/codedeploy-ecs"
LB = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188"
PROD = f"{LB}/f2f7dc8efc522ab2"
TEST = f"{LB}/0467ef3c8400ae65"


def group_params(**overrides: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "applicationName": "web",
        "deploymentGroupName": "web-dg",
        "serviceRoleArn": ROLE,
        "deploymentConfigName": "CodeDeployDefault.ECSCanary10Percent5Minutes",
        "ecsServices": [{"clusterName": "prod", "serviceName": "web"}],
        "deploymentStyle": {
            "deploymentType": "BLUE_GREEN",
            "deploymentOption": "WITH_TRAFFIC_CONTROL",
        },
        "blueGreenDeploymentConfiguration": {
            "terminateBlueInstancesOnDeploymentSuccess": {
                "action": "TERMINATE",
                "terminationWaitTimeInMinutes": 15,
            },
            "deploymentReadyOption": {"actionOnTimeout": "CONTINUE_DEPLOYMENT"},
        },
        "loadBalancerInfo": {
            "targetGroupPairInfoList": [
                {
                    "targetGroups": [{"name": "web-blue"}, {"name": "web-green"}],
                    "prodTrafficRoute": {"listenerArns": [PROD]},
                    "testTrafficRoute": {"listenerArns": [TEST]},
                }
            ]
        },
        "alarmConfiguration": {"enabled": True, "alarms": [{"name": "web-5xx"}]},
        "autoRollbackConfiguration": {
            "enabled": True,
            "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"],
        },
    }
    params = copy.deepcopy(params)
    params.update(overrides)
    return params
