"""A task event that cannot change a rolling reconcile does not ask for one
(``EcsControlPlane._unchanged_by``): the same run with every event asking gives the same
tasks, service events, deployments, summary and metrics."""

from __future__ import annotations

import json
from unittest import mock

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.ecs.control import EcsControlPlane
from simulator.ecs.deployment import DeploymentConfiguration
from simulator.experiment.result import RunResult
from simulator.experiment.run import record, summarize
from simulator.scenario import validate_scenario
from simulator.scenario.build import Simulation
from simulator.testing.rolling import DEPLOY_AT, rolling_scenario


def _outcome(doc: dict, skipping: bool) -> tuple:
    skipped = [0]
    original = EcsControlPlane._unchanged_by

    def unchanged_by(self, *args) -> bool:
        if not skipping:
            return False
        found = original(self, *args)
        skipped[0] += found
        return found

    with mock.patch.object(EcsControlPlane, "_unchanged_by", unchanged_by):
        sim = Simulation(validate_scenario(doc, source="test"))
        sim.start()
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


def _same(doc: dict) -> int:
    asked, _ = _outcome(doc, False)
    skipped_run, skipped = _outcome(doc, True)
    assert skipped_run == asked
    return skipped


def test_a_rolling_deployment_skips_reconciles_and_ends_the_same():
    doc = rolling_scenario(6, 100, 200, seed=5, duration=3600.0)
    assert _same(doc) >= 6  # a new task's RUNNING or an old one's STOPPED


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
}


@settings(max_examples=12, deadline=None)
@given(
    desired=st.integers(1, 7),
    minimum=st.sampled_from([0, 50, 100]),
    extra=st.sampled_from([0, 50, 100]),
    perturbation=st.sampled_from(sorted(PERTURBATIONS)),
    seed=st.integers(0, 2**16),
)
def test_any_bounds_and_perturbation_end_the_same(desired, minimum, extra, perturbation, seed):
    doc = rolling_scenario(desired, minimum, max(100, minimum + extra), seed=seed)
    doc["duration"] = 3600.0
    doc["events"] += PERTURBATIONS[perturbation]
    if perturbation == "failing_starts":
        doc["events"][0]["start_failure_probability"] = 0.5
    _same(doc)


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
