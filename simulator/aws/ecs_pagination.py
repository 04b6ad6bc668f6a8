"""ECS's List* paging: maxResults and an opaque nextToken (shared by the ECS handlers'
modules, which ``simulator.aws.ecs`` and each other import).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from simulator.core.errors import AWSError
from simulator.ecs import codes

T = TypeVar("T")
INVALID_PARAMETER = codes.INVALID_PARAMETER


def paginate(
    items: Sequence[T], max_results: int | None, next_token: str | None, default: int
) -> tuple[list[T], str | None]:
    """One page of a List* answer: maxResults 1-100 (``default`` when absent, as each
    operation's reference says), an opaque nextToken."""
    start = 0
    if next_token:
        try:
            text = base64.urlsafe_b64decode(next_token.encode()).decode()
            prefix, _, number = text.partition(":")
            if prefix != "ecsim-ecs" or not number.isdigit():
                raise ValueError(text)
            start = int(number)
        except (ValueError, UnicodeDecodeError, binascii.Error):
            raise AWSError(INVALID_PARAMETER, "Invalid nextToken (ecsim wording).") from None
    size = default if max_results is None else max_results
    if not 1 <= size <= 100:
        raise AWSError(INVALID_PARAMETER, "maxResults must be between 1 and 100 (ecsim wording).")
    end = start + size
    token = None
    if end < len(items):
        token = base64.urlsafe_b64encode(f"ecsim-ecs:{end}".encode()).decode()
    return list(items[start:end]), token


def page(key: str, items: Sequence[Any], p: Mapping[str, Any], default: int = 100) -> dict:
    rows, token = paginate(items, p.get("maxResults"), p.get("nextToken"), default)
    out: dict[str, Any] = {key: rows}
    if token:
        out["nextToken"] = token
    return out
