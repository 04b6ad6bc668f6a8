"""The rolling deployment's closed form against the replica scheduler itself: the same
launches and the same stops, at the same instants, from the tasks' drawn durations."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.ecs.deployment import DeploymentConfiguration, rolling_bounds
from simulator.ecs.rolling_plan import plan_rolling
from simulator.ecs.task import TaskState
from simulator.scenario import validate_scenario
from simulator.scenario.build import Simulation

DEPLOY_AT = 1800.0


def _scenario(desired: int, minimum: int, maximum: int, seed: int) -> dict:
    return {
        "name": "rolling",
        "seed": seed,
        "duration": 7200.0,
        "tick": "1m",
        "capacity": {"instance_type": "m6i.xlarge", "count": 2 * desired},
        "services": [
            {
                "name": "web",
                "cpu": 1024,
                "memory": 2048,
                "desired_count": desired,
                "deployment": {"minimum_healthy_percent": minimum, "maximum_percent": maximum},
            }
        ],
        "traffic": [{"service": "web", "pattern": "constant", "rps": 50.0 * desired}],
        "events": [{"at": DEPLOY_AT, "action": "deploy", "service": "web"}],
        "outputs": {"plots": False},
    }


def _entered(task, state: TaskState) -> float:
    at = task.time_entered(state)
    assert at is not None, (task, state)
    return at


def _run(desired: int, minimum: int, maximum: int, seed: int):
    """The scheduler's deployment, and the plan computed from the new tasks' draws."""
    sim = Simulation(validate_scenario(_scenario(desired, minimum, maximum, seed), source="t"))
    launched = []  # every task, in launch order, with the durations it drew

    def record(what, task, before) -> None:
        if what == "started":
            launched.append((task, dict(task.durations)))

    sim.ecs.task_listeners.append(record)
    sim.start()
    sim.world.run(7200.0)
    old = [t for t, _ in launched if t.history[0].at < DEPLOY_AT]
    new = [(t, d) for t, d in launched if t.history[0].at >= DEPLOY_AT]
    binding = sim.ecs.load_balancing
    tg = sim.load_balancers.groups["web"]
    wait = binding.timing.registration_s + (tg.check.healthy_threshold - 1) * tg.check.interval_s

    def ready_at(k: int, launched_at: float) -> float:
        d = new[k][1]  # what the k-th new task drew at its launch
        activating = launched_at + d["image_pull"]
        return max(activating + d["activation"], activating + wait)

    low, high = rolling_bounds(desired, DeploymentConfiguration(minimum, maximum))
    plan = plan_rolling(DEPLOY_AT, len(old), desired, low, high, ready_at)
    return old, [t for t, _ in new], plan


def _check(desired: int, minimum: int, maximum: int, seed: int) -> None:
    old, new, plan = _run(desired, minimum, maximum, seed)
    assert not plan.stalled
    assert len(old) == len(new) == desired
    assert [t.history[0].at for t in new] == plan.launched
    assert [_entered(t, TaskState.DEACTIVATING) for t in old] == plan.stopped
    # ready: RUNNING, and healthy no earlier than RUNNING (the scheduler counts both)
    assert all(_entered(t, TaskState.RUNNING) <= r for t, r in zip(new, plan.ready, strict=True))


@pytest.mark.parametrize(
    ("desired", "minimum", "maximum"),
    [(6, 100, 200), (6, 50, 100), (8, 100, 125), (5, 0, 100), (7, 75, 150)],
)
def test_the_plan_is_the_scheduler_s_deployment(desired, minimum, maximum):
    _check(desired, minimum, maximum, seed=3)


@settings(max_examples=8, deadline=None)
@given(
    desired=st.integers(1, 9),
    minimum=st.sampled_from([0, 50, 75, 100]),
    extra=st.sampled_from([0, 25, 50, 100]),
    seed=st.integers(0, 2**16),
)
def test_the_plan_matches_any_bounds_and_seed(desired, minimum, extra, seed):
    maximum = max(100, minimum + extra)
    low, high = rolling_bounds(desired, DeploymentConfiguration(minimum, maximum))
    if high <= low and high <= desired:  # no room to start and none to stop: ECS waits
        return
    _check(desired, minimum, maximum, seed)


def test_a_deployment_with_no_room_either_way_stalls():
    plan = plan_rolling(0.0, 4, 4, 4, 4, lambda k, at: at + 10.0)
    assert plan.stalled and plan.launched == [] and plan.stopped == []


def test_stops_wait_for_readiness_and_free_room_for_starts_in_the_same_instant():
    # 4 tasks, min 50 % (2), max 100 % (4): two stop at once, then each start is bounded
    plan = plan_rolling(0.0, 4, 4, 2, 4, lambda k, at: at + 10.0 + k)
    assert plan.stopped[:2] == [0.0, 0.0] and plan.launched[:2] == [0.0, 0.0]
    assert plan.stopped[2:] == [10.0, 11.0]  # each old one waits for a new one
    assert plan.launched[2:] == [10.0, 11.0]  # and its room starts the next
