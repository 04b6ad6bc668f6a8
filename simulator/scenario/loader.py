"""Load a scenario file: YAML (safe_load only) -> validated Scenario, or one line per problem.

Errors read ``FILE: FIELD.PATH: expected ..., got ...`` and are all reported at once.
"""

from __future__ import annotations

import os
import stat
import types
import typing
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from simulator.batch import checks as batch_checks  # a module: batch.checks loads this package
from simulator.catalog.catalog import did_you_mean, instance_types, runtime_factors, workloads
from simulator.catalog.hosts import host_type, host_types, hosts_capacity
from simulator.core.durations import parse_duration
from simulator.core.errors import EcsimError, ScenarioError
from simulator.core.text import printable
from simulator.scenario import (
    build_alarms,
    build_elb,
    limits,
    run_checks,
    sweep_points,
    variants,
    yaml_load,
)
from simulator.scenario.capacity_checks import check_capacity_providers, has_instance_capacity
from simulator.scenario.recurring import expand_recurring
from simulator.scenario.schema import (
    MAX_RPS,
    DiurnalTraffic,
    FailHost,
    Scenario,
    StepsTraffic,
    TraceTraffic,
)
from simulator.traffic.arrivals import Trace, TraceFileError

Loc = tuple[str | int, ...]


MAX_FILE_BYTES = 1 << 20
"""A scenario file is at most 1 MiB (traffic traces belong in their own CSV files)."""


def read_text(path: Path, limit: int = MAX_FILE_BYTES, what: str = "scenario file") -> str:
    """The UTF-8 text of a regular file of at most ``limit`` bytes; ScenarioError if not.

    A FIFO, a device (``/dev/zero``, ``/dev/urandom``) or a directory is refused before
    it is read, so validation can neither hang nor exhaust memory."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise ScenarioError([f"{path}: no such file"]) from None
    except OSError as exc:
        raise ScenarioError([f"{path}: cannot read the file ({exc.strerror})"]) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ScenarioError([f"{path}: not a regular file; expected a {what}"])
        if st.st_size > limit:
            raise ScenarioError(
                [f"{path}: {st.st_size:,} bytes; a {what} may have at most {limit:,}"]
            )
        chunks = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 16, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        data = b"".join(chunks)
    except OSError as exc:
        raise ScenarioError([f"{path}: cannot read the file ({exc.strerror})"]) from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise ScenarioError([f"{path}: more than {limit:,} bytes; a {what} may have at most"])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            [f"{path}: not UTF-8 text (byte {exc.start}: {exc.reason}); expected a {what}"]
        ) from None


MAX_TRACE_BYTES = 64 << 20
"""A traffic trace CSV is at most 64 MiB."""

_traces_anywhere: ContextVar[bool] = ContextVar("traces_anywhere", default=False)
_allow_large: ContextVar[bool] = ContextVar("allow_large", default=False)


def load_scenario(
    path: str | Path,
    overrides: dict[str, Any] | None = None,
    traces_anywhere: bool = False,
    allow_large: bool = False,
) -> Scenario:
    """Read and validate ``path``; raises ScenarioError listing every problem.

    ``overrides`` (e.g. ``{"duration": "1h"}`` from the command line) replace top-level
    fields before validation, so every check, the variants' too, sees them and names
    the file. Trace files must be inside the scenario file's directory unless
    ``traces_anywhere`` (the command line's ``--traces-anywhere``). Sizes beyond the cost
    limits of simulator/scenario/limits.py are refused unless ``allow_large``."""
    path = Path(path)
    tokens = _traces_anywhere.set(traces_anywhere), _allow_large.set(allow_large)
    try:
        return parse_scenario(read_text(path), source=str(path), overrides=overrides)
    finally:
        _traces_anywhere.reset(tokens[0])
        _allow_large.reset(tokens[1])


def parse_scenario(
    text: str, source: str = "<scenario>", overrides: dict[str, Any] | None = None
) -> Scenario:
    try:
        data = yaml_load.load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        problem = exc.problem or exc.context or "invalid YAML"
        raise ScenarioError([f"{where}: YAML syntax error: {problem}"]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([f"{source}: YAML error: {exc}"]) from None
    except RecursionError:
        raise ScenarioError([f"{source}: YAML error: nested too deeply"]) from None
    if overrides and isinstance(data, dict):
        data = apply_run_overrides(data, overrides)
    return validate_scenario(data, source)


def apply_run_overrides(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Top-level fields replaced; with a shorter duration, the events after its end are
    dropped (the run would never reach them), so the check that events fall inside the
    duration applies to the file's own duration only."""
    data = {**data, **overrides}
    if "duration" in overrides and isinstance(data.get("events"), list):
        end = overrides["duration"]

        def inside(e: Any) -> bool:
            try:
                return parse_duration(e["at"]) <= end
            except (EcsimError, KeyError, TypeError):
                return True  # validation reports it

        data["events"] = [e for e in data["events"] if inside(e)]
    return data


def validate_scenario(data: Any, source: str = "<scenario>") -> Scenario:
    """Validate already-parsed data (a dict) as a scenario."""
    if data is None:
        raise ScenarioError([f"{source}: the file is empty; expected a scenario mapping"])
    if not isinstance(data, dict):
        raise ScenarioError(
            [f"{source}: expected a mapping of scenario fields, got {type(data).__name__}"]
        )

    data, recurring = expand_recurring(data)
    if recurring:
        raise ScenarioError([f"{source}: {loc}: {msg}" for loc, msg in recurring])
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError([format_error(source, err) for err in exc.errors()]) from None
    scenario = resolve_files(scenario, source)
    if scenario.test_fleet is not None:
        scenario = batch_checks.resolve_test_fleet(scenario, source, scenario_dir(source))
    problems = [f"{source}: {loc}: {msg}" for loc, msg in check_references(scenario)]
    if problems:
        raise ScenarioError(problems)
    if scenario.variants:
        variants.all_variants(scenario, source)
    if scenario.sweep is not None:
        sweep_points.check_sweep(scenario, source)
    return scenario


def scenario_dir(source: str) -> Path:
    return (Path(source).parent if source and not source.startswith("<") else Path.cwd()).resolve()


def resolve_files(scenario: Scenario, source: str) -> Scenario:
    """Trace files are relative to the scenario file: make their paths absolute, and keep
    them inside its directory (symlinks resolved) unless traces may be anywhere."""
    base = scenario_dir(source)
    traffic = []
    changed = False
    problems = []
    for i, t in enumerate(scenario.traffic):
        if isinstance(t, TraceTraffic):
            resolved = (base / t.file).resolve()
            if not _traces_anywhere.get() and not resolved.is_relative_to(base):
                problems.append(
                    f"{source}: traffic[{i}].file: {printable(t.file)!r} is outside the "
                    f"scenario's directory ({base}); pass --traces-anywhere to read it"
                )
            if str(resolved) != t.file:
                t = t.model_copy(update={"file": str(resolved)})
                changed = True
        traffic.append(t)
    if problems:
        raise ScenarioError(problems)
    return scenario.model_copy(update={"traffic": traffic}) if changed else scenario


def _check_trace(where: str, t: Any) -> list[tuple[str, str]]:
    """A trace that reads: a regular file under the size limit with valid rows. Errors
    name the line and column but never quote the file (it may not be a trace at all)."""
    try:
        st = os.stat(t.file)
    except OSError as exc:
        return [(where, f"cannot read {t.file}: {exc.strerror}")]
    if not stat.S_ISREG(st.st_mode):
        return [(where, f"{t.file}: not a regular file; expected a CSV trace")]
    if st.st_size > MAX_TRACE_BYTES:
        return [(where, f"{t.file}: {st.st_size:,} bytes; a trace may have at most 64 MiB")]
    try:
        trace = Trace.from_csv(t.file, t.interpolation)
    except TraceFileError as exc:
        return [(where, f"{exc.path}:{exc.line}:{exc.column}: expected {exc.expected}")]
    except (EcsimError, UnicodeDecodeError) as exc:
        return [(where, f"{t.file}: not a CSV trace ({type(exc).__name__})")]
    if trace.rps.size and float(trace.rps.max()) > MAX_RPS:
        return [(where, f"{t.file}: a rate above {MAX_RPS:g} requests/s")]
    return []


def check_traffic_and_profiles(s: Scenario) -> list[tuple[str, str]]:
    """Trace files that read, profiles of known instance types, runtimes with data,
    memory models that fit their tasks, a sizing target that names a service."""
    out: list[tuple[str, str]] = []
    for i, t in enumerate(s.traffic):
        if isinstance(t, TraceTraffic):
            out += _check_trace(f"traffic[{i}].file", t)
        if isinstance(t, DiurnalTraffic) and t.weekly is not None and len(t.weekly) != 7:
            out.append((f"traffic[{i}].weekly", f"expected 7 day multipliers, got {len(t.weekly)}"))
        if isinstance(t, StepsTraffic) and not t.steps:
            out.append((f"traffic[{i}].steps", "expected at least one [time, rps] step"))
    types_ = instance_types()
    for name, measured in s.profiles.items():
        for itype in measured:
            if itype not in types_:
                out.append(
                    (
                        f"profiles.{name}.{itype}",
                        "unknown instance type" + did_you_mean(itype, set(types_)),
                    )
                )
    runtimes = {r for (_, r) in runtime_factors()}
    names = [svc.name for svc in s.services]
    for i, svc in enumerate(s.services):
        if svc.runtime is not None and svc.runtime not in runtimes:
            out.append(
                (
                    f"services[{i}].runtime",
                    f"expected one of {', '.join(sorted(runtimes))}, got {svc.runtime!r}",
                )
            )
        m = svc.memory_model
        if m is not None and m.baseline_mib >= svc.memory:
            out.append(
                (
                    f"services[{i}].memory_model.baseline_mib",
                    f"expected less than the task's memory ({svc.memory} MiB), "
                    f"got {m.baseline_mib:g}",
                )
            )
    if s.sizing is not None:
        if s.sizing.service not in names:
            out.append(
                ("sizing.service", _unknown_service(s.sizing.service, dict.fromkeys(names, 0)))
            )
        elif not any(t.service == s.sizing.service for t in s.traffic):
            out.append(
                ("sizing.service", f"service {s.sizing.service!r} has no traffic to size for")
            )
    return out


def check_references(s: Scenario) -> list[tuple[str, str]]:
    """Problems pydantic cannot see: names that refer to catalogs or to other entries."""
    out: list[tuple[str, str]] = []
    cap = s.capacity
    if cap.instance_type is None and cap.count:
        out.append(("capacity.instance_type", "required when capacity.count > 0"))
    if cap.instance_type is not None:
        out += _check_instance_type("capacity.instance_type", cap.instance_type, shared=True)
    if not cap.count and not cap.dedicated_hosts and not s.capacity_providers:
        out.append(
            ("capacity", "expected instances (count > 0), dedicated_hosts or capacity_providers")
        )
    for i, group in enumerate(cap.dedicated_hosts):
        out += _check_host_group(f"capacity.dedicated_hosts[{i}]", group)
    total_hosts = sum(g.count for g in cap.dedicated_hosts)
    for i, e in enumerate(s.events):
        if isinstance(e, FailHost) and e.host >= total_hosts:
            out.append(
                (
                    f"events[{i}].host",
                    f"expected a host index < {total_hosts} (the scenario allocates "
                    f"{total_hosts} Dedicated Hosts), got {e.host}",
                )
            )
    if any(not svc.capacity_provider_strategy for svc in s.services) and not (
        has_instance_capacity(s)
    ):
        out.append(("capacity", "services need container instances"))
    out += check_capacity_providers(s)
    names: dict[str, int] = {}
    known_workloads = {**workloads(), **s.profiles}
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
        if isinstance(t, DiurnalTraffic) and t.peak_rps < t.min_rps:
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
        fault = getattr(e, "fault", None)
        leaks = fault is not None and fault.memory_leak_mib_per_hour > 0
        if leaks and service in names and s.services[names[service]].memory_model is None:
            out.append(
                (
                    f"events[{i}].fault.memory_leak_mib_per_hour",
                    f"a leak needs service {service!r} to have a memory_model",
                )
            )
    lb_problems = build_elb.check_load_balancers(s)
    out += lb_problems
    if not lb_problems:  # alarm shorthands need the load balancers
        out += build_alarms.alarm_configs(s, build_elb.service_load_balancers(s))[1]
    quotas = limits.check_quotas(s)
    if quotas:  # an absurd size: the other checks could take as long as the run
        return out + quotas
    out += [] if _allow_large.get() else limits.check_cost(s)
    out += check_traffic_and_profiles(s)
    out += run_checks.check_all(s)
    if not out:
        out += run_checks.check_sizing(s)
    return out


def _check_instance_type(where: str, name: str, shared: bool) -> list[tuple[str, str]]:
    types_ = instance_types()
    if name not in types_:
        return [(where, f"unknown instance type {name!r}" + did_you_mean(name, set(types_)))]
    if shared and types_[name].price_per_hour is None:
        return [
            (
                where,
                f"{name} runs only on a Dedicated Host; expected a shared-tenancy instance "
                "type (or put it under capacity.dedicated_hosts)",
            )
        ]
    return []


def _check_host_group(where: str, group: Any) -> list[tuple[str, str]]:
    if (group.instance_type is None) == (group.instance_family is None):
        return [
            (
                where,
                "expected exactly one of instance_type (single-size hosts) or "
                "instance_family (mixed-size hosts)",
            )
        ]
    if group.instance_type is not None:
        problems = _check_instance_type(f"{where}.instance_type", group.instance_type, False)
        if problems:
            return problems
        if group.instances:
            return [
                (
                    f"{where}.instances",
                    "only with instance_family (mixed-size hosts); use instances_per_host",
                )
            ]
        per_host = hosts_capacity(group.instance_type)
        if per_host == 0:
            return [(f"{where}.instance_type", f"no Dedicated Host takes {group.instance_type}")]
        if group.instances_per_host is not None and group.instances_per_host > per_host:
            return [
                (
                    f"{where}.instances_per_host",
                    f"expected at most {per_host} (a {group.instance_type} host holds "
                    f"{per_host}), got {group.instances_per_host}",
                )
            ]
        return []
    family = group.instance_family
    known = host_types()
    if family not in known:
        return [
            (
                f"{where}.instance_family",
                f"unknown host family {family!r}" + did_you_mean(family, set(known)),
            )
        ]
    htype = host_type(family)
    if not htype.mixed_sizes:
        return [
            (
                f"{where}.instance_family",
                f"{family} hosts hold a single size; expected a "
                "mixed-size family (A1, C5, M5, R5, C5n, M5n, R5n, T3) or use instance_type",
            )
        ]
    if group.instances_per_host is not None:
        return [(f"{where}.instances_per_host", "only with instance_type; use instances")]
    out = []
    used = 0
    for name, n in group.instances.items():
        problems = _check_instance_type(f"{where}.instances.{name}", name, False)
        if problems:
            out += problems
            continue
        itype = instance_types()[name]
        if itype.family != family:
            out.append(
                (
                    f"{where}.instances.{name}",
                    f"expected an instance type of the {family} family, got {name}",
                )
            )
            continue
        used += n * htype.units_per_instance(itype.vcpu, itype.size)
    if not out and used > htype.capacity_units:
        out.append(
            (
                f"{where}.instances",
                f"the mix needs {used} of the {family} host's "
                f"{htype.capacity_units} capacity units (vCPUs)",
            )
        )
    return out


def _unknown_service(name: str, names: dict[str, int]) -> str:
    return f"no service named {name!r} in services{did_you_mean(name, set(names))}"


def format_error(source: str, err: Any) -> str:
    """One line for one pydantic error: ``SOURCE: FIELD.PATH: expected ..., got ...``."""
    loc, fields = _walk(tuple(step for step in err["loc"] if step != "[key]"))
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
