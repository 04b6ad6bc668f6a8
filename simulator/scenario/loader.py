"""Load a scenario file: YAML (safe_load only) -> validated Scenario, or one line per problem.

Errors read ``FILE: FIELD.PATH: expected ..., got ...`` and are all reported at once.
"""

from __future__ import annotations

import types
import typing
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from simulator.catalog.catalog import did_you_mean, instance_types, workloads
from simulator.core.errors import ScenarioError
from simulator.scenario.schema import Scenario

Loc = tuple[str | int, ...]


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate ``path``; raises ScenarioError listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([f"{path}: no such file"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([f"{path}: cannot read the file ({exc})"]) from None
    return parse_scenario(text, source=str(path))


def parse_scenario(text: str, source: str = "<scenario>") -> Scenario:
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        problem = exc.problem or exc.context or "invalid YAML"
        raise ScenarioError([f"{where}: YAML syntax error: {problem}"]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([f"{source}: YAML error: {exc}"]) from None
    return validate_scenario(data, source)


def validate_scenario(data: Any, source: str = "<scenario>") -> Scenario:
    """Validate already-parsed data (a dict) as a scenario."""
    if data is None:
        raise ScenarioError([f"{source}: the file is empty; expected a scenario mapping"])
    if not isinstance(data, dict):
        raise ScenarioError(
            [f"{source}: expected a mapping of scenario fields, got {type(data).__name__}"]
        )
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError([_format(source, err) for err in exc.errors()]) from None
    problems = [f"{source}: {loc}: {msg}" for loc, msg in check_references(scenario)]
    if problems:
        raise ScenarioError(problems)
    return scenario


def check_references(s: Scenario) -> list[tuple[str, str]]:
    """Problems pydantic cannot see: names that refer to catalogs or to other entries."""
    out: list[tuple[str, str]] = []
    types_ = instance_types()
    if s.capacity.instance_type not in types_:
        out.append(
            (
                "capacity.instance_type",
                f"unknown instance type {s.capacity.instance_type!r}"
                + did_you_mean(s.capacity.instance_type, set(types_)),
            )
        )
    elif types_[s.capacity.instance_type].price_per_hour is None:
        out.append(
            (
                "capacity.instance_type",
                f"{s.capacity.instance_type} runs only on a Dedicated Host; "
                "expected a shared-tenancy instance type",
            )
        )
    names: dict[str, int] = {}
    known_workloads = workloads()
    for i, svc in enumerate(s.services):
        if svc.name in names:
            out.append((f"services[{i}].name", f"duplicate service name {svc.name!r}"))
        names.setdefault(svc.name, i)
        if svc.workload not in known_workloads:
            out.append(
                (
                    f"services[{i}].workload",
                    f"unknown workload {svc.workload!r}"
                    + did_you_mean(svc.workload, set(known_workloads))
                    + f"; known: {', '.join(sorted(known_workloads))}",
                )
            )
    seen_traffic: set[str] = set()
    for i, t in enumerate(s.traffic):
        if t.service not in names:
            out.append((f"traffic[{i}].service", _unknown_service(t.service, names)))
        elif t.service in seen_traffic:
            out.append((f"traffic[{i}].service", f"service {t.service!r} already has traffic"))
        seen_traffic.add(t.service)
        if getattr(t, "pattern", "") == "diurnal" and t.peak_rps < t.min_rps:
            out.append((f"traffic[{i}].peak_rps", f"expected a number >= min_rps ({t.min_rps:g})"))
    if s.tick <= 0 or s.tick > s.duration:
        out.append(("tick", f"expected a duration > 0 and <= duration ({s.duration:g}s)"))
    if s.duration <= 0:
        out.append(("duration", "expected a duration > 0"))
    for i, e in enumerate(s.events):
        if e.at > s.duration:
            out.append((f"events[{i}].at", f"expected a time <= duration ({s.duration:g}s)"))
        service = getattr(e, "service", None)
        if service is not None and service not in names:
            out.append((f"events[{i}].service", _unknown_service(service, names)))
    return out


def _unknown_service(name: str, names: dict[str, int]) -> str:
    return f"no service named {name!r} in services{did_you_mean(name, set(names))}"


def _format(source: str, err: Any) -> str:
    loc, fields = _walk(tuple(err["loc"]))
    kind = err["type"]
    value = err.get("input")
    if kind == "extra_forbidden":
        msg = "unknown field" + did_you_mean(str(err["loc"][-1]), fields)
    elif kind == "missing":
        msg = "required field is missing"
    elif kind == "literal_error":
        msg = f"expected one of {err['ctx']['expected']}, got {_got(value)}"
    elif kind == "union_tag_invalid":
        loc = f"{loc}.{err['ctx']['discriminator'].strip(chr(39))}"
        msg = f"expected one of {err['ctx']['expected_tags']}, got {_got(err['ctx']['tag'])}"
    elif kind == "union_tag_not_found":
        loc = f"{loc}.{err['ctx']['discriminator'].strip(chr(39))}"
        msg = "required field is missing (it says which kind of entry this is)"
    elif kind in ("model_type", "dict_type", "model_attributes_type"):
        msg = f"expected a mapping, got {_got(value)}"
    elif kind == "list_type":
        msg = f"expected a list, got {_got(value)}"
    elif kind == "bool_type" or kind == "bool_parsing":
        msg = f"expected true or false, got {_got(value)}"
    elif kind == "string_type":
        msg = f"expected a string, got {_got(value)}"
    elif kind == "too_short":
        msg = f"expected at least {err['ctx']['min_length']} item(s)"
    else:
        msg = err["msg"]
    return f"{source}: {loc}: {msg}" if loc else f"{source}: {msg}"


def _got(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _walk(loc: Loc) -> tuple[str, set[str]]:
    """The printable path of ``loc`` (union tags dropped) and the field names valid at
    its last step, for "did you mean" hints."""
    parts: list[str] = []
    current: Any = Scenario
    for step in loc:
        current = _unwrap(current)
        members = _union_models(current)
        if members and isinstance(step, str):
            tagged = _member_for_tag(members, step)
            if tagged is not None:  # a discriminator tag pydantic put in the path
                current = tagged
                continue
        if isinstance(step, int):
            parts.append(f"[{step}]")
            current = _item_type(current)
        else:
            parts.append(f".{step}" if parts else step)
            if isinstance(current, type) and issubclass(current, BaseModel):
                field = current.model_fields.get(step)
                current = field.annotation if field is not None else None
            else:
                current = None
    parent = _parent_model(loc)
    fields = set(parent.model_fields) if parent is not None else set()
    return "".join(parts), fields


def _parent_model(loc: Loc) -> type[BaseModel] | None:
    current: Any = Scenario
    for step in loc[:-1]:
        current = _unwrap(current)
        members = _union_models(current)
        if members and isinstance(step, str):
            tagged = _member_for_tag(members, step)
            if tagged is not None:
                current = tagged
                continue
        if isinstance(step, int):
            current = _item_type(current)
        elif isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(step)
            current = field.annotation if field is not None else None
        else:
            return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(tp: Any) -> Any:
    while get_origin(tp) is typing.Annotated:
        tp = get_args(tp)[0]
    return tp


def _item_type(tp: Any) -> Any:
    tp = _unwrap(tp)
    if get_origin(tp) in (list, tuple):
        return _unwrap(get_args(tp)[0])
    return None


def _union_models(tp: Any) -> list[type[BaseModel]]:
    if get_origin(tp) in (Union, types.UnionType):
        return [a for a in get_args(tp) if isinstance(a, type) and issubclass(a, BaseModel)]
    return []


def _member_for_tag(members: list[type[BaseModel]], tag: str) -> type[BaseModel] | None:
    for m in members:
        for name in ("action", "pattern"):
            field = m.model_fields.get(name)
            if field is not None and tag in get_args(field.annotation):
                return m
    return None
