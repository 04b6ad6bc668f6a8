"""Service Auto Scaling: target tracking, alarms, cooldowns, several policies, deployments."""

import pytest

from simulator.core.errors import AWSError
from simulator.core.world import World
from simulator.ec2 import Ec2ControlPlane
from simulator.ecs.autoscaling import (
    PredefinedMetric,
    ServiceAutoScaling,
    TargetTrackingPolicy,
    target_tracking_capacity,
)
from simulator.ecs.control import EcsControlPlane
from simulator.ecs.deployment import DeploymentConfiguration

CPU = PredefinedMetric.CPU.value
MEM = PredefinedMetric.MEMORY.value
ALB = PredefinedMetric.ALB_REQUESTS.value


def test_target_tracking_capacity():
    assert target_tracking_capacity(10, 90, 60) == 15
    assert target_tracking_capacity(4, 30, 60) == 2
    assert target_tracking_capacity(3, 60, 60) == 3  # exactly at target: no change
    assert target_tracking_capacity(7, 61, 60) == 8


def test_policy_defaults_and_refusals():
    p = TargetTrackingPolicy(CPU, 60)
    assert (p.scale_out_cooldown, p.scale_in_cooldown) == (300, 300)
    assert (p.scale_out_datapoints, p.scale_in_datapoints, p.scale_in_threshold_ratio) == (
        3,
        15,
        0.9,
    )
    with pytest.raises(AWSError, match="PredefinedMetricType"):
        TargetTrackingPolicy("CPUUtilization", 60)
    with pytest.raises(AWSError, match="TargetValue"):
        TargetTrackingPolicy(CPU, 0)


class Script:
    """A metric source: value(service, metric) from a function of the minute."""

    def __init__(self, world, **curves):
        self.world = world
        self.curves = curves

    def __call__(self, service, metric):
        minute = int(round(self.world.now / 60))
        curve = self.curves.get({CPU: "cpu", MEM: "mem", ALB: "alb"}[metric])
        return None if curve is None else curve(minute)


def setup(desired=4, instances=8, config=None):
    world = World(5)
    ec2 = Ec2ControlPlane(world)
    ecs = EcsControlPlane(world, ec2)
    ecs.create_cluster("prod")
    for iid in ec2.run_instances("m6i.2xlarge", instances):
        ecs.join(iid, "prod")
    ecs.register_task_definition(
        {
            "family": "web",
            "containerDefinitions": [
                {"name": "web", "image": "x", "cpu": 1024, "memory": 2048, "essential": True}
            ],
        }
    )
    world.run(60)
    svc = ecs.create_service("prod", "web", "web", desired, deployment_configuration=config)
    world.run(180)  # running and deployment COMPLETED
    return world, ecs, svc


def scaler(world, ecs, policies, lo=1, hi=40, **curves):
    s = ServiceAutoScaling(
        ecs,
        "prod",
        "web",
        min_capacity=lo,
        max_capacity=hi,
        policies=policies,
        metrics=Script(world, **curves),
    )
    s.start()
    return s


def minutes(world, n):
    world.run(world.now + n * 60 + 1)


def test_scale_out_needs_3_of_3_datapoints_above_target():
    world, ecs, svc = setup()
    start = int(world.now // 60)
    # above target at minutes +1, +2, below at +3, then above from +4 on
    s = scaler(
        world, ecs, [TargetTrackingPolicy(CPU, 60)], cpu=lambda m: 40 if m == start + 3 else 90
    )
    minutes(world, 5)
    assert s.activities == []  # +4, +5 only two in a row
    minutes(world, 1)
    (a,) = s.activities
    assert (a.previous, a.desired, a.direction) == (4, 6, "out")  # ceil(4 x 90 / 60)
    assert svc.desired_count == 6
    assert a.time == (start + 6) * 60


def test_scale_in_needs_15_of_15_datapoints_below_90_percent_of_target():
    world, ecs, svc = setup(desired=10)
    s = scaler(world, ecs, [TargetTrackingPolicy(CPU, 60)], cpu=lambda m: 55)
    minutes(world, 30)
    assert s.activities == []  # 55 < 60 but not < 54
    s2 = ServiceAutoScaling(
        ecs,
        "prod",
        "web",
        min_capacity=1,
        max_capacity=40,
        policies=[TargetTrackingPolicy(CPU, 60)],
        metrics=Script(world, cpu=lambda m: 30),
    )
    s2.start()
    minutes(world, 14)
    assert s2.activities == []
    minutes(world, 1)
    (a,) = s2.activities
    assert (a.previous, a.desired, a.direction) == (10, 5, "in")  # ceil(10 x 30 / 60)


def test_scale_in_threshold_ratio_is_a_parameter():
    world, ecs, svc = setup(desired=20, instances=10)
    policy = TargetTrackingPolicy(CPU, 60, scale_in_datapoints=2)
    default = scaler(world, ecs, [policy], cpu=lambda m: 57)
    minutes(world, 5)
    assert default.activities == []  # 57 is below 60 but not below 60 x 0.9 = 54
    policy = TargetTrackingPolicy(CPU, 60, scale_in_threshold_ratio=1.0, scale_in_datapoints=2)
    at_target = scaler(world, ecs, [policy], cpu=lambda m: 57)
    minutes(world, 2)
    assert [a.desired for a in at_target.activities] == [19]  # ceil(20 x 57 / 60)


def test_scale_out_cooldown_counts_the_previous_scale_out():
    world, ecs, svc = setup()
    values = {"v": 90.0}
    s = scaler(world, ecs, [TargetTrackingPolicy(CPU, 60)], cpu=lambda m: values["v"])
    minutes(world, 3)
    assert [a.desired for a in s.activities] == [6]  # 4 x 90 / 60
    minutes(world, 2)
    assert len(s.activities) == 1  # same demand within the cooldown: nothing
    values["v"] = 120.0  # a larger scale-out: from the capacity before the first one
    minutes(world, 1)
    assert [a.desired for a in s.activities] == [6, 8]  # ceil(4 x 120 / 60), not 6 x 2
    minutes(world, 6)  # the cooldown is over: 8 x 120 / 60
    assert s.activities[-1].desired == 16


def test_scale_in_cooldown_blocks_scale_in_but_not_scale_out():
    world, ecs, svc = setup(desired=20, instances=10)
    values = {"v": 20.0}
    policy = TargetTrackingPolicy(CPU, 60, scale_in_datapoints=1)
    s = scaler(world, ecs, [policy], cpu=lambda m: values["v"])
    minutes(world, 1)
    assert [a.desired for a in s.activities] == [7]  # ceil(20 x 20 / 60)
    minutes(world, 3)
    assert len(s.activities) == 1  # still low, but within the scale-in cooldown
    values["v"] = 100.0
    minutes(world, 3)
    assert s.activities[-1].direction == "out"  # scale-out at once, cooldown or not
    values["v"] = 10.0
    minutes(world, 1)
    assert s.activities[-1].direction == "in"  # the scale-out ended the scale-in cooldown


def test_min_and_max_capacity():
    world, ecs, svc = setup(desired=4)
    s = scaler(world, ecs, [TargetTrackingPolicy(CPU, 50)], lo=5, hi=7, cpu=lambda m: 500)
    assert svc.desired_count == 5  # registering the scalable target moves it into range
    minutes(world, 3)
    assert svc.desired_count == 7
    assert [a.desired for a in s.activities] == [5, 7]


def test_several_policies_out_if_any_in_only_if_all():
    world, ecs, svc = setup(desired=10)
    policies = [
        TargetTrackingPolicy(CPU, 60, scale_in_datapoints=1),
        TargetTrackingPolicy(ALB, 1000, scale_in_datapoints=1),
    ]
    load = {"cpu": 30.0, "alb": 1000.0}
    s = scaler(world, ecs, policies, cpu=lambda m: load["cpu"], alb=lambda m: load["alb"])
    minutes(world, 3)
    assert s.activities == []  # CPU says in, requests do not
    load["alb"] = 2000.0
    minutes(world, 3)
    assert s.activities[-1].desired == 20  # requests say out: the largest capacity
    load.update(cpu=15.0, alb=400.0)
    minutes(world, 1)
    # both say in: the larger of ceil(20 x 15/60) = 5 and ceil(20 x 400/1000) = 8
    assert s.activities[-1].direction == "in" and s.activities[-1].desired == 8


def test_scale_in_is_suspended_during_a_deployment():
    # minimumHealthyPercent 100 and maximumPercent 100: the rollout cannot progress
    world, ecs, svc = setup(desired=6, config=DeploymentConfiguration(100, 100))
    ecs.update_service("prod", "web", force_new_deployment=True)
    s = scaler(world, ecs, [TargetTrackingPolicy(CPU, 60, scale_in_datapoints=2)], cpu=lambda m: 10)
    minutes(world, 5)
    assert s.activities == [] and s.suspended_scale_ins >= 3
    assert s.deployment_in_progress()
    s2 = scaler(world, ecs, [TargetTrackingPolicy(MEM, 50)], mem=lambda m: 90)
    minutes(world, 3)
    assert s2.activities[-1].direction == "out"  # scale-out continues during deployments


def test_no_datapoint_no_alarm():
    world, ecs, svc = setup()
    s = scaler(world, ecs, [TargetTrackingPolicy(CPU, 60)], cpu=lambda m: None)
    minutes(world, 20)
    assert s.activities == []


def test_refusals():
    world, ecs, svc = setup()
    with pytest.raises(AWSError, match="different metric"):
        scaler(world, ecs, [TargetTrackingPolicy(CPU, 60), TargetTrackingPolicy(CPU, 70)])
    with pytest.raises(AWSError, match="MinCapacity"):
        scaler(world, ecs, [TargetTrackingPolicy(CPU, 60)], lo=5, hi=2)


def test_the_policies_are_cloudwatch_alarms_named_as_aws_names_them():
    world, ecs, svc = setup()
    s = scaler(
        world,
        ecs,
        [TargetTrackingPolicy(CPU, 60), TargetTrackingPolicy(MEM, 70, disable_scale_in=True)],
        cpu=lambda m: 90,
        mem=lambda m: 10,
    )
    names = [a.name for a in s.alarms.sorted()]
    assert len(names) == 3  # DisableScaleIn: the memory policy has no AlarmLow
    assert all(n.startswith("TargetTracking-service/prod/web-Alarm") for n in names)
    cpu = s.states[0]
    high = s.alarm(cpu.high.alarm_name)
    assert (high.config.namespace, high.config.metric_name, high.config.statistic) == (
        "AWS/ECS",
        "CPUUtilization",
        "Average",
    )
    assert dict(high.config.dimensions) == {"ClusterName": "prod", "ServiceName": "web"}
    assert cpu.low is not None and s.alarm(cpu.low.alarm_name).config.threshold == 54.0
    assert high.config.alarm_actions[0].startswith(cpu.arn + ":createdBy/")
    minutes(world, 3)
    assert high.state.value == "ALARM"
    (a,) = s.activities
    assert a.cause == (
        f"monitor alarm {cpu.high.alarm_name} in state ALARM triggered policy {cpu.policy.name}"
    )
    assert a.description == "Setting desired count to 6."
    s.delete_policy(cpu.policy.name)
    assert [x.name for x in s.alarms.sorted()] == [s.states[0].high.alarm_name]


def test_alb_policy_alarm_names_the_target_group_of_its_resource_label():
    world, ecs, svc = setup()
    label = "app/shop/50dc6c495c0c9188/targetgroup/web/943f017f100becff"
    s = scaler(world, ecs, [TargetTrackingPolicy(ALB, 1000, resource_label=label)])
    high = s.alarm(s.states[0].high.alarm_name).config
    assert (high.namespace, high.metric_name, high.statistic) == (
        "AWS/ApplicationELB",
        "RequestCountPerTarget",
        "Sum",
    )
    assert high.dimensions == (("TargetGroup", "targetgroup/web/943f017f100becff"),)
    with pytest.raises(AWSError, match="ResourceLabel must be"):
        scaler(world, ecs, [TargetTrackingPolicy(ALB, 1000, resource_label="web")])


def test_a_deleted_service_is_not_scaled_by_its_alarms():
    world, ecs, svc = setup()
    s = scaler(world, ecs, [TargetTrackingPolicy(CPU, 60)], cpu=lambda m: 90)
    ecs.delete_service("prod", "web", force=True)
    minutes(world, 5)
    assert s.alarm(s.states[0].high.alarm_name).state.value == "ALARM"  # still evaluated
    assert s.activities == [] and svc.desired_count == 0


def test_a_scaler_started_mid_minute_decides_on_cloudwatchs_minute_grid():
    """The one timing the alarms change: CloudWatch evaluates on whole minutes, so a scaler
    started at t0 + 30 s decides at whole minutes (its first datapoint is the minute it
    started in), where the earlier datapoint alarm decided at t0 + 30 s + k minutes. AWS's
    alarms are evaluated on CloudWatch's schedule, not on the policy's creation time."""
    world, ecs, svc = setup()
    world.run(world.now + 30)
    started = world.now
    s = scaler(world, ecs, [TargetTrackingPolicy(CPU, 60)], cpu=lambda m: 90)
    minutes(world, 4)
    (a,) = s.activities
    assert a.time % 60 == 0
    assert a.time == (started // 60 + 3) * 60  # three whole-minute datapoints, the first partial
