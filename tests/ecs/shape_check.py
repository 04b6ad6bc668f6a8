"""Check a dict against a botocore ECS shape: unknown keys, scalar types, enum values.

A small walk kept beside the ECS tests so they do not depend on the boto3 facade package.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

import botocore.session
from botocore.model import ListShape, MapShape, Shape, StructureShape


@lru_cache(maxsize=1)
def _model():
    return botocore.session.get_session().get_service_model("ecs")


def problems(shape_name: str, value: Any) -> list[str]:
    out: list[str] = []
    _walk(_model().shape_for(shape_name), value, shape_name, out)
    return out


def _walk(shape: Shape, value: Any, path: str, out: list[str]) -> None:
    if isinstance(shape, StructureShape):
        if not isinstance(value, dict):
            out.append(f"{path}: expected a structure")
            return
        for key, item in value.items():
            if key not in shape.members:
                out.append(f"{path}.{key}: not a member of {shape.name}")
            else:
                _walk(shape.members[key], item, f"{path}.{key}", out)
    elif isinstance(shape, ListShape):
        if not isinstance(value, list):
            out.append(f"{path}: expected a list")
            return
        for i, item in enumerate(value):
            _walk(shape.member, item, f"{path}[{i}]", out)
    elif isinstance(shape, MapShape):
        if not isinstance(value, dict):
            out.append(f"{path}: expected a map")
    else:
        expected = {
            "string": str,
            "integer": int,
            "long": int,
            "boolean": bool,
            "double": float,
            "timestamp": dt.datetime,
        }.get(shape.type_name)
        if expected is not None and (
            not isinstance(value, expected) or (expected is int and isinstance(value, bool))
        ):
            out.append(f"{path}: {value!r} is not {shape.type_name}")
        enum = shape.metadata.get("enum")
        if enum and value not in enum:
            out.append(f"{path}: {value!r} not in {enum}")
