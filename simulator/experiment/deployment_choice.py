"""The deployment choice, measured: one bad version deployed under each strategy on the
seed's blue/green stack (simulator.testing.deploy), with the traffic-shift engine
(simulator.ecs.traffic_shift), live CloudWatch alarms and ALB metrics, and the
section-5 metrics of each deployment (simulator.deploy.metrics).

Each strategy runs in its own fresh simulated account with the same seed, traffic, fault
and alarm, so the table compares strategies and nothing else. The alarm is a
target-group alarm on green's HTTPCode_Target_5XX_Count (Sum per period), polled by the
engine; an LB-wide error-rate rule is evaluated per phase from the measured series
(``detectable_by_phase``). ecsim's Argo- and Flagger-style plans run on the same engine:
their analysis is the alarm, polled at the plan's check interval (ecsim's choice: a
failureLimit or threshold above the first failure is not modelled by the engine yet).
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.cloudwatch.alarms import AlarmConfig
from simulator.core.errors import EcsimError
from simulator.deploy.metrics import AlarmRule, GroupSeries, Prices, measure
from simulator.deploy.record import DeploymentRecord
from simulator.deploy.strategies import ResolvedStrategy, default_rollback_events
from simulator.ecs.fargate import FargatePrices
from simulator.ecs.traffic_shift import POLL_INTERVAL_S, ShiftSettings, Sides, TrafficShift
from simulator.report.deployments import DeploymentView
from simulator.testing.deploy import CLUSTER, SERVICE, blue_green_world

NAMESPACE = "AWS/ApplicationELB"
PERIOD = 60
TASK_CPU, TASK_MEMORY = 256, 512  # the seed stack's task size


@dataclass(frozen=True)
class Setup:
    """What every strategy faces: traffic, the service, the bad version and the alarm.

    ``fault``: aws.inject_fault's fields for the new revision (None: a good version);
    its onset is the revision's first request unless it gives one. ``alarm_threshold``:
    green target group's 5xx per ``alarm_period_s`` that puts the alarm in ALARM.
    ``lb_rate_threshold``: the LB-wide error-rate rule checked per phase (a fraction)."""

    rps: float = 100.0
    desired: int = 4
    fault: Mapping[str, Any] | None = field(default_factory=lambda: {"error_probability": 0.2})
    alarm_threshold: float = 10.0
    alarm_period_s: int = PERIOD
    lb_rate_threshold: float = 0.05
    poll_interval_s: float = POLL_INTERVAL_S
    rollback_events: tuple[str, ...] | None = None
    seed: int = 0
    settle_s: float = 600.0
    """Traffic on blue before the deployment (the alarm sees normal load first)."""


def _dimension(arn: str, kind: str) -> str:
    if kind == "LoadBalancer":
        return arn.split(":loadbalancer/", 1)[-1]
    return "targetgroup/" + arn.split(":targetgroup/", 1)[-1]


def _series(aws: Any, lb: str, tg: str, start: float, end: float) -> GroupSeries:
    dims = {"LoadBalancer": _dimension(lb, "LoadBalancer"), "TargetGroup": _dimension(tg, "")}
    store = aws.cloudwatch_store

    def sums(metric: str) -> dict[float, float]:
        points = store.statistics(NAMESPACE, metric, dims, start, end, PERIOD, ["Sum"])
        return {p.timestamp: p.values.get("Sum", 0.0) for p in points}

    requests = sums("RequestCount")
    bad5 = sums("HTTPCode_Target_5XX_Count")
    elb5 = sums("HTTPCode_ELB_5XX_Count")
    starts = [start + k * PERIOD for k in range(int((end - start) // PERIOD))]
    return GroupSeries.of(
        starts,
        [requests.get(t, 0.0) for t in starts],
        [bad5.get(t, 0.0) + elb5.get(t, 0.0) for t in starts],
        float(PERIOD),
    )


def _poll_interval(strategy: ResolvedStrategy, setup: Setup) -> float:
    plan = strategy.plan
    if plan is None:
        return setup.poll_interval_s
    if plan.interval_s is not None:  # Flagger: a check per interval
        return plan.interval_s
    intervals = [a.interval_s for a in plan.analyses.values() if a.interval_s]
    return min(intervals) if intervals else setup.poll_interval_s


def run_strategy(strategy: ResolvedStrategy, setup: Setup = Setup()) -> DeploymentView:
    """Deploy the bad (or good) version under ``strategy`` and measure it."""
    w = blue_green_world(setup.seed, desired=setup.desired, codedeploy=False)
    aws = w.aws
    aws.send_traffic(w.load_balancer, setup.rps)
    aws.advance(setup.settle_s)
    alarm = "green-5xx"
    aws.alarms.put(
        AlarmConfig(
            alarm_name=alarm,
            namespace=NAMESPACE,
            metric_name="HTTPCode_Target_5XX_Count",
            dimensions=(
                ("LoadBalancer", _dimension(w.load_balancer, "LoadBalancer")),
                ("TargetGroup", _dimension(w.green, "")),
            ),
            statistic="Sum",
            period=setup.alarm_period_s,
            evaluation_periods=1,
            threshold=setup.alarm_threshold,
            comparison_operator="GreaterThanThreshold",
            treat_missing_data="notBreaching",
        ),
        aws.now,
    )
    aws.alarm_evaluator.start()
    td = w.register_revision()
    if setup.fault is not None:
        aws.inject_fault(td, **{"onset": "first_request", **setup.fault})
    svc = aws.ecs.service(CLUSTER, SERVICE)
    (blue,) = aws.task_sets.task_sets(svc)
    start = aws.now
    record = DeploymentRecord(
        # an id from what was deployed and how (stable across runs, distinct per setup)
        "d-" + f"{zlib.crc32(repr((strategy.label, setup)).encode()):09d}"[-9:],
        SERVICE,
        strategy.label,
        w.blue,
        w.green,
        created=start,
    )
    sides = Sides(
        CLUSTER, SERVICE, blue, w.blue, w.green, w.production_listener, w.test_listener, (alarm,)
    )
    engine = TrafficShift(
        aws.task_sets,
        aws.elbv2,
        aws.alarms,
        sides,
        record,
        ShiftSettings(poll_interval_s=_poll_interval(strategy, setup)),
    )
    events = setup.rollback_events
    if events is None:
        events = default_rollback_events([alarm])
    proc = aws.world.process(
        engine.run(
            td,
            strategy.timeline,
            wait_s=strategy.wait_s,
            rollback_on_alarm="DEPLOYMENT_STOP_ON_ALARM" in events,
        )
    )
    aws.run_until(lambda: proc.triggered, timeout="12h")
    aws.advance(2 * PERIOD)  # the last minutes' metrics are put
    end = (aws.now // PERIOD) * PERIOD - PERIOD
    t0 = (start // PERIOD) * PERIOD
    blue_s = _series(aws, w.load_balancer, w.blue, t0, end)
    green_s = _series(aws, w.load_balancer, w.green, t0, end)
    onset = aws.revision_faults.onset_of(td) if setup.fault is not None else None
    price = FargatePrices.default().per_hour(TASK_CPU, TASK_MEMORY, None, False)
    metrics = measure(
        record,
        blue_s,
        green_s,
        desired=setup.desired,
        fault_onset=onset if onset is not None and onset != float("inf") else None,
        alarms=[
            AlarmRule("lb-5xx-rate", "load_balancer", setup.lb_rate_threshold),
            AlarmRule(alarm, "target_group", setup.alarm_threshold, float(setup.alarm_period_s)),
        ],
        prices=Prices(task_per_hour=price),
    )
    return DeploymentView(record, blue_s, green_s, metrics)


def compare(strategies: Sequence[ResolvedStrategy], setup: Setup = Setup()) -> list[DeploymentView]:
    """Each strategy in its own account with the same setup."""
    return [run_strategy(s, setup) for s in strategies]


def scenario_runs(scenario: Any) -> list[tuple[ResolvedStrategy, Setup]]:
    """The traffic-shifting deploy events of a validated Scenario, each as a strategy and
    its Setup: the service's desired count, its constant traffic, the event's fault and
    rollback events. A deploying service needs constant traffic (ecsim's choice: the
    comparison holds the load fixed)."""
    out = []
    for i, event in enumerate(scenario.events):
        strategy = getattr(event, "resolved_strategy", lambda: None)()
        if strategy is None:
            continue
        service = next(s for s in scenario.services if s.name == event.service)
        traffic = next((t for t in scenario.traffic if t.service == event.service), None)
        if traffic is None or getattr(traffic, "pattern", None) != "constant":
            raise EcsimError(
                f"events[{i}].service: the deployment comparison needs constant traffic for "
                f"service {event.service!r}"
            )
        fault = None if event.fault is None else event.fault.model_dump()
        if fault is not None and fault["onset"] == 0.0:
            fault["onset"] = "first_request"  # the new revision is bad from its first request
        setup = Setup(
            rps=float(traffic.rps),
            desired=event.desired_count or service.desired_count,
            fault=fault,
            rollback_events=None if event.rollback_events is None else tuple(event.rollback_events),
            seed=scenario.seed,
            settle_s=max(float(event.at), 60.0),
        )
        out.append((strategy, setup))
    return out


def write_choice_report(views: Sequence[DeploymentView], out: Path, force: bool = False) -> Path:
    """A report directory: report.md with the deployments table, summary.json, a timeline
    per deployment and the comparison plot."""
    import json

    from simulator.report import deployments as rep
    from simulator.report.output import atomic_directory

    def fill(d: Path) -> None:
        summary = {rep.SUMMARY_KEY: [v.metrics.as_dict() for v in views]}
        (d / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
        images = [p.name for p in rep.write_plots(views, d)]
        lines = ["# Deployment choice", "", *rep.table_lines(summary)]
        lines += [f"![{name[:-4]}]({name})" for name in images]
        (d / "report.md").write_text("\n".join(lines) + "\n")

    return atomic_directory(out, force, fill)
