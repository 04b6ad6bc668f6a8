"""A scenario's ``alarms:`` as CloudWatch AlarmConfigs (PutMetricAlarm requests).

The shorthands name a metric's dimensions as AWS publishes them: ``service: NAME`` is
ClusterName and ServiceName in AWS/ECS, and the LoadBalancer and TargetGroup of the
service's target group in AWS/ApplicationELB (TargetGroup alone for
RequestCountPerTarget, which ALBs publish per target group); ``target_group: NAME`` is
that group's LoadBalancer and TargetGroup. Pure.
"""

from __future__ import annotations

from simulator.cloudwatch.alarms import AlarmConfig
from simulator.cloudwatch.elb_metrics import NAMESPACE as ELB_NAMESPACE
from simulator.cloudwatch.elb_metrics import dimension
from simulator.cloudwatch.store import PERCENTILE, STATISTICS
from simulator.core.errors import AWSError
from simulator.scenario import schema
from simulator.scenario.build_elb import ServiceLoadBalancers

ECS_NAMESPACE = "AWS/ECS"
TARGET_GROUP_ONLY = frozenset({"RequestCountPerTarget"})
Problem = tuple[str, str]


def publish_period(s: schema.Scenario) -> int:
    """Seconds between the live metrics' datapoints: a minute, or the shortest alarm
    period under a minute (10, 20 or 30 s: high-resolution metrics)."""
    short = [a.period for a in s.alarms if a.period in (10, 20, 30)]
    return min(short) if short else 60


def _dimensions(
    s: schema.Scenario, a: schema.AlarmSettings, lbs: ServiceLoadBalancers
) -> dict[str, str] | Problem:
    given = [k for k in ("dimensions", "service", "target_group") if k in a.model_fields_set]
    if len(given) > 1:
        return ("", f"expected one of dimensions, service or target_group, got {given}")
    if a.service is not None:
        if a.service not in lbs.groups and a.service not in {x.name for x in s.services}:
            return ("service", f"unknown service {a.service!r}")
        if a.namespace == ECS_NAMESPACE:
            return {"ClusterName": s.name, "ServiceName": a.service}
        if a.namespace != ELB_NAMESPACE:
            return ("service", f"the service shorthand names AWS/ECS or {ELB_NAMESPACE} "
                    f"dimensions, not {a.namespace}'s; give dimensions")  # fmt: skip
        tg = lbs.groups[a.service]
    elif a.target_group is not None:
        if a.namespace != ELB_NAMESPACE:
            return ("target_group", f"the target_group shorthand is for {ELB_NAMESPACE}")
        found = lbs.target_groups.get(a.target_group)
        if found is None:
            return ("target_group", f"unknown target group {a.target_group!r}; known: "
                    f"{', '.join(sorted(lbs.target_groups))}")  # fmt: skip
        tg = found
    else:
        return dict(a.dimensions)
    dims = {"TargetGroup": dimension(tg.arn, "TargetGroup")}
    if a.metric_name not in TARGET_GROUP_ONLY:
        dims["LoadBalancer"] = dimension(lbs.load_balancer_of(tg.arn), "LoadBalancer")
    return dims


def alarm_configs(
    s: schema.Scenario, lbs: ServiceLoadBalancers
) -> tuple[list[AlarmConfig], list[Problem]]:
    """The scenario's alarms, and the problems (field path, message) of those that fail."""
    configs: list[AlarmConfig] = []
    problems: list[Problem] = []
    names: dict[str, int] = {}
    for i, a in enumerate(s.alarms):
        where = f"alarms[{i}]"
        if a.name in names:
            problems.append((f"{where}.name", f"duplicate alarm name {a.name!r}"))
            continue
        names[a.name] = i
        if a.period in (10, 20, 30) and s.tick > a.period:
            problems.append(
                (f"{where}.period", f"a {a.period}-s period needs tick <= {a.period}s (the "
                 f"metrics are sampled at most once a tick), got tick {s.tick:g}s")
            )  # fmt: skip
            continue
        dims = _dimensions(s, a, lbs)
        if isinstance(dims, tuple):
            loc, msg = dims
            problems.append((f"{where}.{loc}" if loc else where, msg))
            continue
        if a.statistic not in STATISTICS and not PERCENTILE.fullmatch(a.statistic):
            problems.append(
                (f"{where}.statistic", f"expected one of {', '.join(STATISTICS)} or a "
                 f"percentile such as p99, got {a.statistic!r}")
            )  # fmt: skip
            continue
        standard = a.statistic in STATISTICS
        try:
            configs.append(
                AlarmConfig(
                    alarm_name=a.name,
                    namespace=a.namespace,
                    metric_name=a.metric_name,
                    period=a.period,
                    evaluation_periods=a.evaluation_periods,
                    threshold=a.threshold,
                    comparison_operator=a.comparison_operator,
                    dimensions=tuple(sorted(dims.items())),
                    statistic=a.statistic if standard else None,
                    extended_statistic=None if standard else a.statistic,
                    datapoints_to_alarm=a.datapoints_to_alarm,
                    treat_missing_data=a.treat_missing_data,
                    alarm_description=a.description,
                )
            )
        except AWSError as e:
            problems.append((where, f"{e.message} ({e.code})"))
    return configs, problems
