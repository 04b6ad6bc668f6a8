"""Fixtures for the lifecycle tests (helpers live in fleet_helpers.py)."""

import pytest

from simulator.lifecycle import Fleet


@pytest.fixture
def fleet() -> Fleet:
    return Fleet()
