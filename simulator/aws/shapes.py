"""Check a parsed response against botocore's OUTPUT shape of its operation.

A real EC2 response reaches the caller only after botocore's parser has built it from the
shape, so it can hold no key, type or enum value the shape lacks. A simulated response is
built by hand; this walk catches every way it could differ: unknown or missing members,
wrong scalar types (``True`` is not an integer), enum values, naive timestamps, ``None``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape

from simulator.core.errors import EcsimError

METADATA_KEY = "ResponseMetadata"


class ResponseShapeError(EcsimError):
    """A simulated response that botocore's parser could never have produced."""

    def __init__(self, operation: str, problems: list[str]):
        self.operation = operation
        self.problems = problems
        super().__init__(
            f"{operation} response does not match its output shape:\n  " + "\n  ".join(problems)
        )


def output_problems(operation_model: OperationModel, parsed: Mapping[str, Any]) -> list[str]:
    """Every mismatch between ``parsed`` (what a client call returned, or the response of
    its ClientError) and the operation's output shape; empty when it validates."""
    name = operation_model.name
    if not isinstance(parsed, Mapping):
        return [f"{name}: expected a dict, got {type(parsed).__name__}"]
    problems = _metadata_problems(parsed.get(METADATA_KEY), f"{name}.{METADATA_KEY}")
    if "Error" in parsed:
        return problems + _error_problems(parsed, name, operation_model)
    body = {k: v for k, v in parsed.items() if k != METADATA_KEY}
    shape = operation_model.output_shape
    if shape is None:
        if body:
            problems.append(f"{name}: has no output shape but returned {sorted(body)}")
        return problems
    return problems + shape_problems(shape, body, name)


def check_output(operation_model: OperationModel, parsed: Mapping[str, Any]) -> None:
    """Raise ResponseShapeError listing every mismatch (see ``output_problems``)."""
    problems = output_problems(operation_model, parsed)
    if problems:
        raise ResponseShapeError(operation_model.name, problems)


def shape_problems(shape: Shape, value: Any, path: str) -> list[str]:
    """Mismatches between ``value`` and ``shape``, each prefixed with its path."""
    out: list[str] = []
    _walk(shape, value, path, out)
    return out


def _walk(shape: Shape, value: Any, path: str, out: list[str]) -> None:
    if value is None:
        out.append(f"{path}: None is never parsed (omit the member instead)")
        return
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(shape, StructureShape)
        if getattr(shape, "is_document_type", False):
            return
        if not isinstance(value, Mapping):
            out.append(f"{path}: expected a dict ({shape.name}), got {type(value).__name__}")
            return
        members = shape.members
        for key in value:
            if key not in members:
                out.append(f"{path}: unknown member {key!r} (shape {shape.name})")
        for key in shape.required_members:
            if key not in value:
                out.append(f"{path}: required member {key!r} missing (shape {shape.name})")
        for key, item in value.items():
            if key in members:
                _walk(members[key], item, f"{path}.{key}", out)
    elif kind == "list":
        assert isinstance(shape, ListShape)
        if not isinstance(value, list):
            out.append(f"{path}: expected a list ({shape.name}), got {type(value).__name__}")
            return
        for i, item in enumerate(value):
            _walk(shape.member, item, f"{path}[{i}]", out)
    elif kind == "map":
        assert isinstance(shape, MapShape)
        if not isinstance(value, Mapping):
            out.append(f"{path}: expected a dict ({shape.name}), got {type(value).__name__}")
            return
        for key, item in value.items():
            _walk(shape.key, key, f"{path}<key {key!r}>", out)
            _walk(shape.value, item, f"{path}[{key!r}]", out)
    else:
        problem = _scalar_problem(shape, value)
        if problem:
            out.append(f"{path}: {problem}")


def _scalar_problem(shape: Shape, value: Any) -> str | None:
    kind = shape.type_name
    got = f"{type(value).__name__} {value!r}"
    if kind == "string":
        if not isinstance(value, str):
            return f"expected a string ({shape.name}), got {got}"
        enum = _enum(shape)
        if enum and value not in enum:
            return f"{value!r} is not a value of enum {shape.name} ({', '.join(shape.enum)})"
        return None
    if kind in ("integer", "long"):
        ok = isinstance(value, int) and not isinstance(value, bool)
        return None if ok else f"expected an integer ({shape.name}), got {got}"
    if kind == "boolean":
        return None if isinstance(value, bool) else f"expected a boolean, got {got}"
    if kind in ("float", "double"):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return None if ok else f"expected a number ({shape.name}), got {got}"
    if kind == "timestamp":
        if not isinstance(value, dt.datetime):
            return f"expected a datetime ({shape.name}), got {got}"
        if value.tzinfo is None:
            return f"timestamp {value!r} is naive; botocore parses timezone-aware datetimes"
        return None
    if kind == "blob":
        ok = isinstance(value, bytes | bytearray)
        return None if ok else f"expected bytes ({shape.name}), got {got}"
    return f"unhandled shape type {kind!r} ({shape.name})"


def _error_shape(operation_model: OperationModel | None, code: Any) -> StructureShape | None:
    if operation_model is None or not isinstance(code, str):
        return None
    shape = operation_model.service_model.shape_for_error_code(code)
    return shape if isinstance(shape, StructureShape) else None


@lru_cache(maxsize=4096)
def _enum(shape: Shape) -> frozenset[str]:
    """A shape's enum values as a set (InstanceType has about a thousand)."""
    return frozenset(shape.enum or ())


def _metadata_problems(meta: Any, path: str) -> list[str]:
    if meta is None:
        return [f"{path}: missing (botocore always adds it)"]
    if not isinstance(meta, Mapping):
        return [f"{path}: expected a dict, got {type(meta).__name__}"]
    out = []
    status = meta.get("HTTPStatusCode")
    if not isinstance(status, int) or isinstance(status, bool):
        out.append(f"{path}.HTTPStatusCode: expected an integer, got {status!r}")
    for key, kind in (("RequestId", str), ("HTTPHeaders", Mapping), ("RetryAttempts", int)):
        if key in meta and not isinstance(meta[key], kind):
            out.append(f"{path}.{key}: expected {kind.__name__}, got {meta[key]!r}")
    return out


def _error_problems(
    parsed: Mapping[str, Any], name: str, operation_model: OperationModel | None = None
) -> list[str]:
    """An error as botocore parses it: Error {Code, Message}, plus - for a code the service
    models as an error shape (ECS's ClusterNotFoundException...) - that shape's members at
    the top level, as botocore's endpoint adds them (``_add_modeled_error_fields``)."""
    out = []
    error = parsed["Error"]
    if not isinstance(error, Mapping):
        return [f"{name}.Error: expected a dict, got {type(error).__name__}"]
    for key in ("Code", "Message"):
        if not isinstance(error.get(key), str):
            out.append(f"{name}.Error.{key}: expected a string, got {error.get(key)!r}")
    extra = set(parsed) - {"Error", METADATA_KEY}
    modeled = _error_shape(operation_model, error.get("Code"))
    if modeled is not None:
        for key in sorted(extra & set(modeled.members)):
            out += shape_problems(modeled.members[key], parsed[key], f"{name}.{key}")
        extra -= set(modeled.members)
    if extra:
        out.append(f"{name}: an error response also has {sorted(extra)}")
    status = parsed.get(METADATA_KEY, {}).get("HTTPStatusCode")
    if isinstance(status, int) and status < 300:
        out.append(f"{name}: an error response with HTTP status {status}")
    return out
