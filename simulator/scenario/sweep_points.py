"""Sweep points: the grid (and explicit points) over dotted field paths, each point a
validated scenario. The same path syntax as variants (``capacity.dedicated_hosts[0].count``).
"""

from __future__ import annotations

import itertools
from typing import Any

import yaml
from pydantic import ValidationError

from simulator.core.errors import ScenarioError
from simulator.scenario import loader
from simulator.scenario.schema import Scenario
from simulator.scenario.variants import apply_overrides, parse_path

Point = dict[str, Any]


def grid_points(grid: dict[str, list[Any]], points: list[Point] | None = None) -> list[Point]:
    """Each explicit point (or one empty point) crossed with every combination of the
    grid, in the order written: the last grid path varies fastest."""
    paths = list(grid)
    combos = [dict(zip(paths, values, strict=True)) for values in itertools.product(*grid.values())]
    return [{**p, **c} for p in (points or [{}]) for c in combos]


def parse_set(option: str) -> tuple[str, list[Any]]:
    """``a.b[0].c=1,2,3`` -> ('a.b[0].c', [1, 2, 3]); each value read as YAML (so 6 is a
    number, off is false, m6i.xlarge a string). ValueError says what is wrong."""
    path, sep, values = option.partition("=")
    path = path.strip()
    if not sep or not path:
        raise ValueError(f"--set {option!r}: expected FIELD.PATH=VALUE[,VALUE...]")
    parse_path(path)
    items = [v.strip() for v in values.split(",")]
    if any(v == "" for v in items):
        raise ValueError(f"--set {option!r}: empty value")
    out = []
    for v in items:
        try:
            out.append(yaml.safe_load(v))
        except yaml.YAMLError:
            raise ValueError(f"--set {option!r}: cannot read value {v!r}") from None
    return path, out


def sweep_of(scenario: Scenario, sets: list[str] | None = None) -> tuple[list[Point], int]:
    """The points and replications: the scenario's ``sweep:`` section, its grid extended
    (or, for the same path, replaced) by ``--set`` options."""
    grid: dict[str, list[Any]] = dict(scenario.sweep.grid) if scenario.sweep else {}
    explicit = list(scenario.sweep.points) if scenario.sweep else []
    problems = []
    for option in sets or []:
        try:
            path, values = parse_set(option)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        grid[path] = values
    if problems:
        raise ScenarioError(problems)
    reps = scenario.sweep.replications if scenario.sweep else 1
    return grid_points(grid, explicit), reps


def point_scenario(scenario: Scenario, point: Point, source: str = "<scenario>") -> Scenario:
    """The scenario at ``point`` (validated, variants kept, sweep section dropped)."""
    base = scenario.model_dump()
    base["sweep"] = None
    label = ", ".join(f"{k}={v}" for k, v in point.items()) or "base"
    prefix = f"{source}: sweep point {label}"
    try:
        data = apply_overrides(base, point)
    except ValueError as exc:
        raise ScenarioError([f"{prefix}: {exc}"]) from None
    try:
        result = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(
            [f"{prefix}: {loader.format_error('', e).lstrip(': ')}" for e in exc.errors()]
        ) from None
    problems = [f"{prefix}: {loc}: {msg}" for loc, msg in loader.check_references(result)]
    if problems:
        raise ScenarioError(problems)
    return result


def check_sweep(scenario: Scenario, source: str = "<scenario>") -> None:
    """Every point of the scenario's own sweep section is a valid scenario (all problems
    in one ScenarioError), so ``ecsim validate`` catches a wrong path or value."""
    if scenario.sweep is None:
        return
    points, _ = sweep_of(scenario)
    problems: list[str] = []
    for p in points:
        try:
            point_scenario(scenario, p, source)
        except ScenarioError as exc:
            problems += exc.problems
    if problems:
        raise ScenarioError(problems)
