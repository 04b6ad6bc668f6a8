"""Sweep points: --set parsing, grids crossed with points, validation of every point."""

from pathlib import Path

import pytest

from simulator.core.errors import ScenarioError
from simulator.scenario.loader import load_scenario, parse_scenario
from simulator.scenario.sweep_points import grid_points, parse_set, point_scenario, sweep_of

SCENARIOS = Path(__file__).parents[2] / "scenarios"


def test_set_values_are_read_as_yaml():
    assert parse_set("capacity.count=4,6,8") == ("capacity.count", [4, 6, 8])
    assert parse_set("capacity.instance_type=m6i.xlarge, m7g.xlarge")[1] == [
        "m6i.xlarge",
        "m7g.xlarge",
    ]
    for bad in ("capacity.count", "=1", "capacity..count=1", "capacity.count=1,,2"):
        with pytest.raises(ValueError):
            parse_set(bad)


def test_grid_is_every_combination_last_path_fastest():
    points = grid_points({"a": [1, 2], "b": ["x", "y"]})
    assert points == [
        {"a": 1, "b": "x"},
        {"a": 1, "b": "y"},
        {"a": 2, "b": "x"},
        {"a": 2, "b": "y"},
    ]
    assert grid_points({"a": [1]}, [{"c": 0}, {"c": 1}]) == [{"c": 0, "a": 1}, {"c": 1, "a": 1}]


def test_a_point_is_a_validated_scenario():
    s = load_scenario(SCENARIOS / "dedicated-host-recovery.yaml")
    p = point_scenario(s, {"capacity.dedicated_hosts[0].count": 6})
    assert p.capacity.dedicated_hosts[0].count == 6 and p.variants == s.variants
    with pytest.raises(ScenarioError, match=r"capacity.dedicated_hosts\[0\].count"):
        point_scenario(s, {"capacity.dedicated_hosts[0].count": 0})
    with pytest.raises(ScenarioError, match="capacity.nope: unknown field"):
        point_scenario(s, {"capacity.nope": 1})


def test_sweep_section_is_checked_at_load_and_extended_by_set():
    text = (SCENARIOS / "quickstart.yaml").read_text()
    good = parse_scenario(text + "sweep:\n  grid:\n    capacity.count: [3, 4]\n  replications: 2\n")
    points, reps = sweep_of(good, ["services[0].desired_count=6,8"])
    assert reps == 2 and len(points) == 4
    with pytest.raises(ScenarioError, match="sweep point capacity.count=-1"):
        parse_scenario(text + "sweep:\n  grid:\n    capacity.count: [-1]\n")
