"""The Auto Scaling client: groups from launch templates, sizes, protection, lifecycle
hooks with their timeouts, scaling activities, and capacity providers by ARN."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from aws_helpers import IMAGE_ID, checked, error_of

from simulator.aws import SimulatedAWS

ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"]
TERMINATING = "autoscaling:EC2_INSTANCE_TERMINATING"
LAUNCHING = "autoscaling:EC2_INSTANCE_LAUNCHING"


@pytest.fixture
def account() -> tuple[SimulatedAWS, Any, Any]:
    aws = SimulatedAWS(seed=2, validate_responses=True)
    ec2, asg = aws.client("ec2"), aws.client("autoscaling")
    checked(
        ec2,
        "create_launch_template",
        LaunchTemplateName="base",
        LaunchTemplateData={"ImageId": IMAGE_ID, "InstanceType": "m6i.large"},
    )
    return aws, ec2, asg


def create(asg: Any, name: str = "g", **params: Any) -> None:
    params.setdefault("LaunchTemplate", {"LaunchTemplateName": "base"})
    params.setdefault("AvailabilityZones", ZONES)
    params = {k: v for k, v in params.items() if v is not None}
    params.setdefault("MinSize", 0)
    params.setdefault("MaxSize", 6)
    checked(asg, "create_auto_scaling_group", AutoScalingGroupName=name, **params)


def group(asg: Any, name: str = "g") -> dict[str, Any]:
    return checked(asg, "describe_auto_scaling_groups", AutoScalingGroupNames=[name])[
        "AutoScalingGroups"
    ][0]


def states(asg: Any, name: str = "g") -> list[str]:
    return sorted(i["LifecycleState"] for i in group(asg, name)["Instances"])


def test_a_group_launches_its_template_balanced_across_zones(account) -> None:
    aws, ec2, asg = account
    create(asg, DesiredCapacity=6)
    g = group(asg)
    assert (g["MinSize"], g["MaxSize"], g["DesiredCapacity"]) == (0, 6, 6)
    assert Counter(i["AvailabilityZone"] for i in g["Instances"]) == Counter({z: 2 for z in ZONES})
    assert {i["InstanceType"] for i in g["Instances"]} == {"m6i.large"}
    assert states(asg) == ["Pending"] * 6
    aws.advance("1m")
    assert states(asg) == ["InService"] * 6
    found = checked(
        ec2,
        "describe_instances",
        Filters=[{"Name": "tag:aws:autoscaling:groupName", "Values": ["g"]}],
    )
    assert sum(len(r["Instances"]) for r in found["Reservations"]) == 6
    assert group(asg)["AutoScalingGroupARN"] == aws.auto_scaling_group_arn("g")


def test_mixed_instances_policy_launches_the_first_override(account) -> None:
    _, _, asg = account
    checked(
        asg,
        "create_auto_scaling_group",
        AutoScalingGroupName="g",
        MixedInstancesPolicy={
            "LaunchTemplate": {
                "LaunchTemplateSpecification": {"LaunchTemplateName": "base"},
                "Overrides": [{"InstanceType": "m7g.large"}, {"InstanceType": "m6i.large"}],
            }
        },
        MinSize=0,
        MaxSize=4,
        DesiredCapacity=2,
        AvailabilityZones=ZONES,
    )
    assert {i["InstanceType"] for i in group(asg)["Instances"]} == {"m7g.large"}


def test_sizes_and_errors(account) -> None:
    _, _, asg = account
    create(asg, DesiredCapacity=1)
    error = error_of(asg, "set_desired_capacity", AutoScalingGroupName="g", DesiredCapacity=9)
    assert error["Code"] == "ValidationError" and "above max value 6" in error["Message"]
    assert (
        error_of(
            asg,
            "create_auto_scaling_group",
            AutoScalingGroupName="g",
            LaunchTemplate={"LaunchTemplateName": "base"},
            MinSize=0,
            MaxSize=1,
            AvailabilityZones=ZONES,
        )["Code"]
        == "AlreadyExists"
    )
    missing = error_of(
        asg,
        "create_auto_scaling_group",
        AutoScalingGroupName="h",
        MinSize=0,
        MaxSize=1,
        AvailabilityZones=ZONES,
    )
    assert missing["Code"] == "ValidationError"
    assert (
        error_of(asg, "set_desired_capacity", AutoScalingGroupName="nope", DesiredCapacity=1)[
            "Code"
        ]
        == "ValidationError"
    )
    assert error_of(asg, "delete_auto_scaling_group", AutoScalingGroupName="g")["Code"] == (
        "ResourceInUse"
    )
    checked(asg, "update_auto_scaling_group", AutoScalingGroupName="g", MinSize=3)
    assert group(asg)["DesiredCapacity"] == 3, "a MinSize above desired raises it"
    checked(asg, "delete_auto_scaling_group", AutoScalingGroupName="g", ForceDelete=True)
    assert checked(asg, "describe_auto_scaling_groups")["AutoScalingGroups"] == []


def test_scale_in_protection_and_terminate_in_group(account) -> None:
    aws, _, asg = account
    create(asg, DesiredCapacity=3)
    aws.advance("1m")
    ids = [i["InstanceId"] for i in group(asg)["Instances"]]
    checked(
        asg,
        "set_instance_protection",
        AutoScalingGroupName="g",
        InstanceIds=ids[:2],
        ProtectedFromScaleIn=True,
    )
    checked(asg, "set_desired_capacity", AutoScalingGroupName="g", DesiredCapacity=1)
    aws.advance("2m")
    assert sorted(i["InstanceId"] for i in group(asg)["Instances"]) == sorted(ids[:2])
    assert all(i["ProtectedFromScaleIn"] for i in group(asg)["Instances"])
    out = checked(
        asg,
        "terminate_instance_in_auto_scaling_group",
        InstanceId=ids[0],
        ShouldDecrementDesiredCapacity=False,
    )
    assert ids[0] in out["Activity"]["Description"]
    aws.advance("2m")
    g = group(asg)
    # desired is 1: the protected pair outlived it, so the one taken out is not replaced
    assert (g["DesiredCapacity"], [i["InstanceId"] for i in g["Instances"]]) == (1, [ids[1]])
    activities = checked(asg, "describe_scaling_activities", AutoScalingGroupName="g")
    descriptions = [a["Description"] for a in activities["Activities"]]
    assert descriptions[0] == f"Terminating EC2 instance: {ids[0]}", "most recent first"
    assert descriptions[-1].startswith("Launching")
    assert any(ids[0] in d and d.startswith("Terminating") for d in descriptions)


def test_launching_hook_holds_pending_wait_until_completed(account) -> None:
    aws, _, asg = account
    create(
        asg,
        LifecycleHookSpecificationList=[
            {
                "LifecycleHookName": "warm",
                "LifecycleTransition": LAUNCHING,
                "HeartbeatTimeout": 600,
                "DefaultResult": "ABANDON",
            }
        ],
        DesiredCapacity=2,
    )
    aws.advance("2m")
    assert states(asg) == ["Pending:Wait"] * 2
    first, second = (i["InstanceId"] for i in group(asg)["Instances"])
    checked(
        asg,
        "complete_lifecycle_action",
        AutoScalingGroupName="g",
        LifecycleHookName="warm",
        InstanceId=first,
        LifecycleActionResult="CONTINUE",
    )
    checked(
        asg,
        "record_lifecycle_action_heartbeat",
        AutoScalingGroupName="g",
        LifecycleHookName="warm",
        InstanceId=second,
    )
    aws.advance("9m")  # 11 min from launch: past the first timeout, not the heartbeat's
    by_id = {i["InstanceId"]: i["LifecycleState"] for i in group(asg)["Instances"]}
    assert by_id == {first: "InService", second: "Pending:Wait"}
    aws.advance("2m")  # the heartbeat's 10 min have passed: ABANDON terminates and replaces
    by_id = {i["InstanceId"]: i["LifecycleState"] for i in group(asg)["Instances"]}
    assert second not in by_id and by_id[first] == "InService" and len(by_id) == 2
    error = error_of(
        asg,
        "complete_lifecycle_action",
        AutoScalingGroupName="g",
        LifecycleHookName="warm",
        InstanceId=second,
        LifecycleActionResult="CONTINUE",
    )
    assert error == {"Code": "ValidationError", "Message": error["Message"]}
    assert "No active Lifecycle Action found" in error["Message"]


def test_terminating_hook_default_result_after_the_heartbeat_timeout(account) -> None:
    aws, ec2, asg = account
    create(asg, DesiredCapacity=1)
    checked(
        asg,
        "put_lifecycle_hook",
        AutoScalingGroupName="g",
        LifecycleHookName="drain",
        LifecycleTransition=TERMINATING,
        HeartbeatTimeout=120,
        DefaultResult="CONTINUE",
    )
    hooks = checked(asg, "describe_lifecycle_hooks", AutoScalingGroupName="g")["LifecycleHooks"]
    assert hooks[0]["GlobalTimeout"] == 12000 and hooks[0]["DefaultResult"] == "CONTINUE"
    aws.advance("1m")
    checked(asg, "set_desired_capacity", AutoScalingGroupName="g", DesiredCapacity=0)
    (inst,) = group(asg)["Instances"]
    assert inst["LifecycleState"] == "Terminating:Wait"
    aws.advance("119s")
    state = ec2.describe_instances(InstanceIds=[inst["InstanceId"]])["Reservations"][0][
        "Instances"
    ][0]["State"]["Name"]
    assert state == "running"
    aws.advance("2m")
    state = ec2.describe_instances(InstanceIds=[inst["InstanceId"]])["Reservations"][0][
        "Instances"
    ][0]["State"]["Name"]
    assert state == "terminated"
    bad = error_of(
        asg,
        "put_lifecycle_hook",
        AutoScalingGroupName="g",
        LifecycleHookName="x",
        LifecycleTransition=TERMINATING,
        HeartbeatTimeout=10,
    )
    assert bad["Code"] == "ValidationError"


def test_eventbridge_hook_function_sees_the_detail(account) -> None:
    aws, _, asg = account
    seen: list[dict[str, Any]] = []

    def handler(event: dict[str, Any], context: Any) -> None:
        seen.append(event)
        detail = event["detail"]
        aws.client("autoscaling").complete_lifecycle_action(
            AutoScalingGroupName=detail["AutoScalingGroupName"],
            LifecycleHookName=detail["LifecycleHookName"],
            LifecycleActionToken=detail["LifecycleActionToken"],
            LifecycleActionResult="CONTINUE",
        )

    aws.on_lifecycle_action(handler, event_format="eventbridge")
    create(
        asg,
        LifecycleHookSpecificationList=[
            {
                "LifecycleHookName": "up",
                "LifecycleTransition": LAUNCHING,
                "NotificationMetadata": "hello",
            }
        ],
        DesiredCapacity=1,
    )
    aws.advance("1m")
    assert states(asg) == ["InService"]
    (event,) = seen
    assert event["detail-type"] == "EC2 Instance-launch Lifecycle Action"
    assert event["detail"]["NotificationMetadata"] == "hello"


def test_a_capacity_provider_uses_an_api_group_by_arn(account) -> None:
    aws, _, asg = account
    create(asg, DesiredCapacity=1)
    ecs = aws.client("ecs")
    arn = group(asg)["AutoScalingGroupARN"]
    out = checked(
        ecs,
        "create_capacity_provider",
        name="cp",
        autoScalingGroupProvider={"autoScalingGroupArn": arn},
    )
    assert out["capacityProvider"]["autoScalingGroupProvider"]["autoScalingGroupArn"] == arn


def test_subnets_give_the_zones_and_instances_take_them(account) -> None:
    aws, ec2, asg = account
    vpc = checked(ec2, "create_vpc", CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        checked(ec2, "create_subnet", VpcId=vpc, CidrBlock=f"10.1.{i}.0/24", AvailabilityZone=z)[
            "Subnet"
        ]["SubnetId"]
        for i, z in enumerate(["us-east-1b", "us-east-1c"])
    ]
    create(asg, AvailabilityZones=None, VPCZoneIdentifier=",".join(subnets), DesiredCapacity=4)
    g = group(asg)
    assert g["VPCZoneIdentifier"] == ",".join(subnets)
    assert sorted(g["AvailabilityZones"]) == ["us-east-1b", "us-east-1c"]
    ids = [i["InstanceId"] for i in g["Instances"]]
    found = checked(ec2, "describe_instances", InstanceIds=ids)["Reservations"]
    assert Counter(i["SubnetId"] for r in found for i in r["Instances"]) == Counter(
        {s: 2 for s in subnets}
    )
    bad = error_of(
        asg,
        "create_auto_scaling_group",
        AutoScalingGroupName="h",
        LaunchTemplate={"LaunchTemplateName": "base"},
        MinSize=0,
        MaxSize=1,
        VPCZoneIdentifier="subnet-0123456789abcdef0",
    )
    assert bad["Code"] == "ValidationError" and "subnet-0123456789abcdef0" in bad["Message"]
