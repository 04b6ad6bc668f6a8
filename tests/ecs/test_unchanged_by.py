"""A task event that cannot change a rolling reconcile does not ask for one
(``EcsControlPlane._unchanged_by``), and a reconcile's own stops do not ask for a repeat
that could do nothing (``_drop_repeat``): the same run with every event asking gives the
same tasks, service events, deployments, trace, metrics and summary."""

from __future__ import annotations

import json
from unittest import mock

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.ecs.control import EcsControlPlane
from simulator.ecs.deployment import DeploymentConfiguration
from simulator.experiment.result import RunResult
from simulator.experiment.run import record, summarize
from simulator.scenario import validate_scenario
from simulator.scenario.build import Simulation
from simulator.testing.rolling import DEPLOY_AT, rolling_scenario


def _outcome(
    doc: dict, skipping: bool, failing_at: float | None = None, deregistered: bool = False
) -> tuple:
    skipped = [0]
    original = EcsControlPlane._unchanged_by

    def unchanged_by(self, *args) -> bool:
        if not skipping:
            return False
        found = original(self, *args)
        skipped[0] += found
        return found

    drop = EcsControlPlane._drop_repeat

    def drop_repeat(self, *args) -> None:
        if skipping:
            before = len(self._kick_order)
            drop(self, *args)
            skipped[0] += before - len(self._kick_order)

    with (
        mock.patch.object(EcsControlPlane, "_unchanged_by", unchanged_by),
        mock.patch.object(EcsControlPlane, "_drop_repeat", drop_repeat),
    ):
        sim = Simulation(validate_scenario(doc, source="test"))
        sim.start()
        lb = sim.ecs.load_balancing
        old = list(sim.cluster.services["web"].tasks)[:2]
        if failing_at is not None:  # two old tasks' health checks fail from then on
            sim.world.at(failing_at, lambda: [lb.set_health(t, False) for t in old])
        if deregistered:  # the first old task's target taken out behind ECS's back

            def deregister() -> None:
                for arn, target in lb.targets_of(old[0]):
                    lb.target_groups(arn).deregister(target, sim.world.now)

            sim.world.at(DEPLOY_AT - 10.0, deregister)
        sim.world.run(doc["duration"])
        sim.flush()
    cluster = sim.cluster
    tasks = [
        (t.task_arn, t.history, t.stop_code, t.stopped_reason, t.container_instance)
        for t in cluster.tasks.values()
    ]
    services = [
        (
            s.name,
            s.events,
            s.running_count,
            s.pending_count,
            [(d.id, d.status, d.rollout_state, d.updated_at) for d in s.deployments],
        )
        for s in cluster.services.values()
    ]
    metrics = sim.world.metrics.to_frame()
    trace = [(e.time, e.kind, e.resource, e.details) for e in sim.world.trace.events]
    result = RunResult(doc["name"], sim.seed, doc["duration"], pd.DataFrame(), pd.DataFrame())
    summary = summarize(record(sim), result, sim.world.metrics)
    # NaN is not equal to itself: metrics by their hash, the summary as JSON
    hashed = pd.util.hash_pandas_object(metrics, index=False).tolist()
    return (tasks, services, trace, hashed, json.dumps(summary, sort_keys=True, default=str)), (
        skipped[0]
    )


def _same(doc: dict, failing_at: float | None = None, deregistered: bool = False) -> int:
    asked, _ = _outcome(doc, False, failing_at, deregistered)
    skipped_run, skipped = _outcome(doc, True, failing_at, deregistered)
    assert skipped_run == asked
    return skipped


def test_a_rolling_deployment_skips_reconciles_and_ends_the_same():
    doc = rolling_scenario(6, 100, 200, seed=5, duration=3600.0)
    assert _same(doc) >= 12  # per replaced task: its RUNNING, the repeat, the old STOPPED


PERTURBATIONS: dict[str, list[dict]] = {
    "none": [],
    "scale_out": [
        {
            "at": DEPLOY_AT + 40.0,
            "action": "set_desired_count",
            "service": "web",
            "desired_count": 9,
        }
    ],
    "scale_in": [
        {
            "at": DEPLOY_AT + 90.0,
            "action": "set_desired_count",
            "service": "web",
            "desired_count": 2,
        }
    ],
    "drain": [{"at": DEPLOY_AT + 60.0, "action": "drain_instances", "count": 3}],
    "redeploy": [{"at": DEPLOY_AT + 100.0, "action": "deploy", "service": "web"}],
    "instances_lost": [{"at": DEPLOY_AT + 70.0, "action": "set_instance_count", "count": 1}],
    "failing_starts": [],
    "old_unhealthy": [],
}


@settings(max_examples=12, deadline=None)
@given(
    desired=st.integers(1, 7),
    minimum=st.sampled_from([0, 50, 100]),
    extra=st.sampled_from([0, 50, 100]),
    perturbation=st.sampled_from(sorted(PERTURBATIONS)),
    seed=st.integers(0, 2**16),
    after=st.floats(-120.0, 240.0),
)
def test_any_bounds_and_perturbation_end_the_same(
    desired, minimum, extra, perturbation, seed, after
):
    doc = rolling_scenario(desired, minimum, max(100, minimum + extra), seed=seed)
    doc["duration"] = 3600.0
    doc["events"] += PERTURBATIONS[perturbation]
    if perturbation == "failing_starts":
        doc["events"][0]["start_failure_probability"] = 0.5
    _same(doc, DEPLOY_AT + after if perturbation == "old_unhealthy" else None)


@settings(max_examples=6, deadline=None)
@given(
    desired=st.integers(3, 7),
    minimum=st.sampled_from([0, 50]),
    seed=st.integers(0, 2**16),
    after=st.floats(-120.0, 240.0),
)
def test_old_tasks_failing_health_during_the_deployment_end_the_same(desired, minimum, seed, after):
    # ECS replaces an old task whose target turns unhealthy, in the middle of the stops
    doc = rolling_scenario(desired, minimum, 100, seed=seed)
    doc["duration"] = 3600.0
    _same(doc, DEPLOY_AT + after)


def test_a_change_made_without_a_kick_makes_the_next_event_ask():
    doc = rolling_scenario(4, 100, 200, seed=2, duration=3600.0)
    sim = Simulation(validate_scenario(doc, source="test"))
    sim.start()
    sim.world.run(DEPLOY_AT + 1.0)  # the deployment's tasks launched, none RUNNING yet
    ecs, cluster = sim.ecs, sim.cluster
    svc = cluster.services["web"]
    old = svc.deployments[1]
    task_id = next(iter(old.task_ids))

    def unchanged() -> bool:
        return ecs._unchanged_by(cluster, svc, "stopped", task_id, old)

    assert unchanged()  # an old task's STOPPED, its deployment keeps others
    tg = sim.load_balancers.groups["web"]
    tg._kept_version += 1  # a target entered or left healthy without telling the scheduler
    assert not unchanged()
    tg._kept_version -= 1
    svc.desired_count += 1  # a desired count set directly, not through UpdateService
    assert not unchanged()
    svc.desired_count -= 1
    assert unchanged()
    config = svc.config
    svc.config = DeploymentConfiguration(50, 100)  # room 0 still; fewer healthy needed
    assert not unchanged()
    svc.config = config
    assert unchanged()


@pytest.mark.parametrize("desired", [3, 5])
def test_an_old_task_running_but_not_healthy_is_stopped_and_the_repeat_kept(desired):
    # its target deregistered behind ECS's back: stopping it frees no minimumHealthyPercent
    # room, so the reconcile that its stop asks for stops the next old task
    doc = rolling_scenario(desired, 100, 200, seed=4)
    doc["duration"] = 3600.0
    _same(doc, deregistered=True)
