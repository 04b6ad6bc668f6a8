"""EC2 Describe* filters and pagination, as the EC2 API applies them.

Filters: several filters AND together, several values of one filter OR together, and a
value may use the wildcards ``*`` and ``?`` (``\\`` escapes them). A filter name AWS
documents for the operation but ecsim does not simulate is refused with
UnsupportedOperation; a name AWS does not document is refused as AWS does:
InvalidParameterValue "The filter 'x' is invalid".
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any, TypeVar

from botocore.model import OperationModel

from simulator.aws import errors
from simulator.core.errors import AWSError

T = TypeVar("T")

FieldValues = Callable[[T], Iterable[str]]
"""The values of one filter field for one resource (tags give several)."""


@lru_cache(maxsize=64)
def documented_filters(operation_model: OperationModel, member: str) -> frozenset[str]:
    """The filter names in the service model's documentation of ``member``."""
    shape = operation_model.input_shape
    if shape is None or member not in shape.members:
        return frozenset()
    doc = shape.members[member].documentation or ""
    return frozenset(html.unescape(n) for n in re.findall(r"<code>([^<\s]+)</code>\s*-", doc))


def _pattern(value: str) -> re.Pattern[str]:
    out, escaped = [], False
    for ch in value:
        if escaped:
            out.append(re.escape(ch))
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        else:
            out.append(re.escape(ch))
    return re.compile("".join(out), re.DOTALL)


TAG_FILTERS = ("tag:<key>", "tag-key", "tag-value")


def _field(
    name: str,
    fields: Mapping[str, FieldValues[T]],
    tags: Callable[[T], Mapping[str, str]] | None,
    tag_filters: frozenset[str],
) -> FieldValues[T] | None:
    if name in fields:
        return fields[name]
    if tags is None:
        return None
    if name.startswith("tag:") and "tag:<key>" in tag_filters:
        key = name[4:]
        return lambda item: [tags(item)[key]] if key in tags(item) else []
    if name == "tag-key" and name in tag_filters:
        return lambda item: list(tags(item))
    if name == "tag-value" and name in tag_filters:
        return lambda item: list(tags(item).values())
    return None


def apply_filters(
    items: Iterable[T],
    filters: Sequence[Mapping[str, Any]] | None,
    fields: Mapping[str, FieldValues[T]],
    *,
    operation_model: OperationModel,
    member: str = "Filters",
    tags: Callable[[T], Mapping[str, str]] | None = None,
    tag_filters: Iterable[str] = TAG_FILTERS,
) -> list[T]:
    """``items`` that match every filter; refuses filters ecsim does not evaluate.

    ``tags`` gives an item's tags, for the ``tag_filters`` the operation accepts."""
    checks: list[tuple[FieldValues[T], list[re.Pattern[str]]]] = []
    documented = documented_filters(operation_model, member)
    tag_filters = frozenset(tag_filters) if tags else frozenset()
    for f in filters or ():
        name = f.get("Name")
        values = f.get("Values") or []
        if not name:
            raise AWSError(errors.MISSING_PARAMETER, f"A filter in {member} has no Name.")
        field = _field(name, fields, tags, tag_filters)
        if field is None:
            simulated = sorted(fields) + sorted(tag_filters)
            if name in documented or (name.startswith("tag:") and "tag:<key>" in documented):
                raise errors.not_simulated(f"the {operation_model.name} filter '{name}'", simulated)
            raise AWSError(
                errors.INVALID_PARAMETER_VALUE,
                f"The filter '{name}' is invalid (ecsim evaluates for "
                f"{operation_model.name}: {', '.join(simulated)}).",
            )
        checks.append((field, [_pattern(v) for v in values]))
    out = []
    for item in items:
        if all(
            any(p.fullmatch(v) for v in field(item) for p in patterns) for field, patterns in checks
        ):
            out.append(item)
    return out


def paginate(
    items: Sequence[T],
    max_results: int | None,
    next_token: str | None,
    *,
    low: int,
    high: int,
) -> tuple[list[T], str | None]:
    """One page of ``items`` and the token of the next page (None on the last)."""
    start = 0
    if next_token:
        start = _decode_token(next_token)
        if start > len(items):
            raise AWSError(
                errors.INVALID_PAGINATION_TOKEN,
                f"The pagination token '{next_token}' is not valid or is expired.",
            )
    if max_results is None:
        return list(items[start:]), None
    if not low <= max_results <= high:
        raise AWSError(
            errors.INVALID_PARAMETER_VALUE,
            f"Value ( {max_results} ) for parameter maxResults is invalid. Expecting a value "
            f"between {low} and {high}.",
        )
    end = start + max_results
    token = _encode_token(end) if end < len(items) else None
    return list(items[start:end]), token


def _encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"ecsim:{offset}".encode()).decode()


def _decode_token(token: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
        prefix, _, number = text.partition(":")
        if prefix != "ecsim" or not number.isdigit():
            raise ValueError(text)
        return int(number)
    except (ValueError, UnicodeDecodeError):
        raise AWSError(
            errors.INVALID_PAGINATION_TOKEN,
            f"The pagination token '{token}' is not valid or is expired.",
        ) from None
