"""Scenario variants: named what-ifs that change a few fields of a base scenario.

A variant maps field paths (``capacity.dedicated_hosts[0].host_recovery``) to values.
Every variant is validated with the base, so ``ecsim validate`` catches its mistakes.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from pydantic import ValidationError

from simulator.core.errors import ScenarioError
from simulator.scenario import loader
from simulator.scenario.schema import Scenario

_TOKEN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


def parse_path(path: str) -> list[str | int]:
    """``a.b[2].c`` -> ['a', 'b', 2, 'c']; ValueError when malformed."""
    tokens: list[str | int] = []
    for part in path.split("."):
        if not part:
            raise ValueError(f"empty step in field path {path!r}")
        matched = 0
        for m in _TOKEN.finditer(part):
            if m.start() != matched:
                break
            tokens.append(m.group(1) if m.group(1) else int(m.group(2)))
            matched = m.end()
        if matched != len(part):
            raise ValueError(f"malformed field path {path!r}")
    return tokens


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``data`` with each path set; ValueError naming a path that does not exist."""
    out = copy.deepcopy(data)
    for path, value in overrides.items():
        tokens = parse_path(path)
        node: Any = out
        for i, tok in enumerate(tokens):
            last = i == len(tokens) - 1
            if isinstance(tok, int):
                if not isinstance(node, list) or tok >= len(node):
                    raise ValueError(f"{path}: no item [{tok}] there")
            elif not isinstance(node, dict):
                raise ValueError(f"{path}: {tok!r} is not a field there")
            if last:
                node[tok] = value
            else:
                if isinstance(node, dict) and tok not in node:
                    raise ValueError(f"{path}: no field {tok!r} there")
                node = node[tok]
    return out


def variant(scenario: Scenario, name: str, source: str = "<scenario>") -> Scenario:
    """The scenario as variant ``name`` has it (the variant's name is appended to the
    scenario's name so their reports do not collide)."""
    if name not in scenario.variants:
        known = ", ".join(scenario.variants) or "none"
        raise ScenarioError([f"{source}: variants: no variant {name!r} (known: {known})"])
    base = scenario.model_dump()
    base["variants"] = {}
    prefix = f"{source}: variants.{name}"
    try:
        data = apply_overrides(base, scenario.variants[name])
    except ValueError as exc:
        raise ScenarioError([f"{prefix}: {exc}"]) from None
    try:
        result = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(
            [f"{prefix}: {loader.format_error('', e).lstrip(': ')}" for e in exc.errors()]
        ) from None
    result = loader.resolve_files(result, source)
    problems = [f"{prefix}: {loc}: {msg}" for loc, msg in loader.check_references(result)]
    if problems:
        raise ScenarioError(problems)
    return result


def all_variants(scenario: Scenario, source: str = "<scenario>") -> dict[str, Scenario]:
    """Every variant by name (the base alone, named "base", when there are none);
    raises one ScenarioError with the problems of all of them."""
    if not scenario.variants:
        return {"base": scenario}
    out: dict[str, Scenario] = {}
    problems: list[str] = []
    for name in scenario.variants:
        try:
            out[name] = variant(scenario, name, source)
        except ScenarioError as exc:
            problems += exc.problems
    if problems:
        raise ScenarioError(problems)
    return out
