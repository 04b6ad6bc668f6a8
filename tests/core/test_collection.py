"""Fewer collections while a run goes; the caller's thresholds come back after."""

import gc

import pytest

from simulator.core.collection import YOUNG_THRESHOLD, fewer_collections
from simulator.core.world import World


@pytest.fixture
def default_thresholds():
    old = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*old)


def test_raised_inside_and_restored_after(default_thresholds):
    with fewer_collections():
        assert gc.get_threshold() == (YOUNG_THRESHOLD, 10, 10)
    assert gc.get_threshold() == (700, 10, 10)


def test_restored_when_the_run_raises(default_thresholds):
    world = World(seed=1)

    def boom() -> None:
        raise RuntimeError("model error")

    world.after(5.0, boom)
    with pytest.raises(RuntimeError):
        world.run(10.0)
    assert gc.get_threshold() == (700, 10, 10)


def test_a_higher_threshold_or_a_disabled_collector_is_left_alone(default_thresholds):
    gc.set_threshold(50_000, 10, 10)
    with fewer_collections():
        assert gc.get_threshold() == (50_000, 10, 10)
    gc.set_threshold(700, 10, 10)
    gc.disable()
    try:
        with fewer_collections():
            assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.enable()


def test_the_world_runs_with_the_raised_threshold(default_thresholds):
    world = World(seed=1)
    seen = []
    world.after(1.0, lambda: seen.append(gc.get_threshold()[0]))
    world.run(2.0)
    assert seen == [YOUNG_THRESHOLD]
