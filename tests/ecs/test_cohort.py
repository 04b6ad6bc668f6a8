"""A cohort's counts, taken by bisection at any instants, against the control plane's own
counters sampled at those instants during a rolling deployment; and its histories."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.ecs.cohort import LIFECYCLE, Cohort
from simulator.ecs.rolling_plan import started_history, stopped_history
from simulator.ecs.task import TaskState, TaskTransition
from simulator.ecs.timing import STOP_TIMEOUT_DEFAULT
from simulator.testing.rolling import DEPLOY_AT, RollingRun

STARTING = (TaskState.PROVISIONING, TaskState.PENDING, TaskState.ACTIVATING)


def _sampled(desired: int, minimum: int, maximum: int, times: np.ndarray):
    """Run to each of ``times`` and read the service's counters there; then finish."""
    run = RollingRun.start(desired, minimum, maximum, seed=11)
    svc = run.sim.ecs.service(run.sim.cluster.name, "web")
    tg = run.sim.load_balancers.groups["web"]
    running, pending, healthy = [], [], []
    for t in times:
        run.sim.world.run(float(t))
        running.append(svc.running_count)
        pending.append(svc.pending_count)
        healthy.append(tg.health_counts()[0])
    run.sim.world.run(7200.0)
    return run, np.array(running), np.array(pending), np.array(healthy)


def _cohort(run: RollingRun) -> Cohort:
    """The deployment's tasks as one cohort, from the closed form and the draws alone."""
    plan, delay = run.plan(), run.deregistration_delay
    histories = [started_history(at, d) for at, (_, d) in zip(plan.launched, run.new, strict=True)]
    for at, (task, d) in zip(plan.stopped, run.old, strict=True):
        started = task.history[:4]  # the initial fleet, settled at once at the start
        histories.append(started + stopped_history(at, d, delay, STOP_TIMEOUT_DEFAULT))
    return Cohort.from_histories(histories)


@pytest.mark.parametrize(
    ("desired", "minimum", "maximum"), [(6, 100, 200), (8, 50, 100), (7, 75, 150)]
)
def test_counts_by_bisection_are_the_control_plane_s_counters(desired, minimum, maximum):
    rng = np.random.default_rng(5)
    # instants across the deployment, none an event's own (running to an instant stops
    # before that instant's events, where the counts include them): a grid from half a
    # second after the deployment, and random ones
    grid = DEPLOY_AT + 0.5 + np.arange(0, 900, 7.0)
    times = np.sort(np.concatenate([grid, rng.uniform(0, 7200, 60)]))
    run, running, pending, healthy = _sampled(desired, minimum, maximum, times)
    counts = _cohort(run).counts(times)
    assert np.array_equal(run.cohort(run.plan()).healthy_targets(times), healthy)
    assert np.array_equal(counts[TaskState.RUNNING], running)
    assert np.array_equal(sum(counts[s] for s in STARTING), pending)
    assert running.min() < desired or pending.max() > 0  # the deployment was sampled
    # every member is in one state from its launch on: the old ones throughout, the new
    # ones from the instant the control plane launched them
    new_launches = np.sort([t.history[0].at for t, _ in run.new])
    launched = desired + np.searchsorted(new_launches, times, side="right")
    assert np.array_equal(sum(counts.values()), launched)


def test_a_member_s_history_is_the_task_s():
    run = RollingRun.start(6, seed=3)
    run.sim.world.run(7200.0)
    cohort = _cohort(run)
    tasks = [t for t, _ in run.new] + [t for t, _ in run.old]
    assert len(cohort) == len(tasks)
    for m, task in enumerate(tasks):
        assert cohort.history(m) == task.history


def test_history_as_of_an_instant_and_counts_at_the_instants_of_entry():
    history = [TaskTransition(float(k), state) for k, state in enumerate(LIFECYCLE[:4])]
    cohort = Cohort.from_histories([history])
    assert cohort.history(0, at=1.5) == history[:2]
    counts = cohort.counts(np.array([0.0, 2.0, 3.0]))
    assert counts[TaskState.PROVISIONING].tolist() == [1, 0, 0]
    assert counts[TaskState.ACTIVATING].tolist() == [0, 1, 0]  # an instant counts from its event
    assert counts[TaskState.RUNNING].tolist() == [0, 0, 1]


def test_histories_out_of_lifecycle_order_are_refused():
    bad = [TaskTransition(0.0, TaskState.PROVISIONING), TaskTransition(1.0, TaskState.RUNNING)]
    with pytest.raises(ValueError, match="expected PENDING at step 1, got RUNNING"):
        Cohort.from_histories([bad])
    backwards = [
        TaskTransition(5.0, TaskState.PROVISIONING),
        TaskTransition(1.0, TaskState.PENDING),
    ]
    with pytest.raises(ValueError, match="before the one it comes from"):
        Cohort.from_histories([backwards])


@pytest.mark.parametrize(("minimum", "maximum"), [(100, 200), (50, 100)])
def test_a_cohort_built_from_arrays_is_the_one_built_from_histories(minimum, maximum):
    run = RollingRun.start(7, minimum, maximum, seed=2)
    run.sim.world.run(7200.0)
    from_arrays = run.cohort(run.plan())
    assert np.array_equal(from_arrays.entered, _cohort(run).entered)  # float for float
    new, old = from_arrays.entered[:, :7], from_arrays.entered[:, 7:]
    assert np.isfinite(new[:4]).all() and np.isinf(new[4:]).all()  # every new one runs on
    assert np.isfinite(old).all()  # every old one was stopped


def test_a_target_counts_healthy_from_its_check_until_it_is_deregistered():
    history = [TaskTransition(float(k), state) for k, state in enumerate(LIFECYCLE)]
    entered = Cohort.from_histories([history, history]).entered
    cohort = Cohort(entered, healthy=np.array([2.5, 9.0]))  # the second: stopped first
    assert cohort.healthy_targets(np.array([2.0, 2.5, 3.9, 4.0, 10.0])).tolist() == [0, 1, 1, 0, 0]
    with pytest.raises(ValueError, match="one instant per member"):
        Cohort(entered, healthy=np.array([1.0]))
