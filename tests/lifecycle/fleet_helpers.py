"""Helpers shared by the lifecycle tests."""

from collections.abc import Callable

import pytest

from simulator.core.errors import AWSError
from simulator.lifecycle import Fleet


def refused(fn: Callable, *args, **kwargs) -> AWSError:
    """Call ``fn`` expecting AWSError; return it."""
    with pytest.raises(AWSError) as e:
        fn(*args, **kwargs)
    return e.value


def running(fleet: Fleet, instance_type: str, count: int = 1, *, at: float, **kw) -> list[str]:
    """Launch and boot ``count`` instances at ``at``."""
    ids = fleet.run_instances(instance_type, count, at=at, **kw)
    for iid in ids:
        fleet.complete_boot(iid, at=at)
    return ids


def stopped(fleet: Fleet, ids: list[str], *, at: float) -> None:
    fleet.stop_instances(ids, at=at)
    for iid in ids:
        fleet.complete_stop(iid, at=at)
