"""IAM's wildcard matching: ``*`` any run of characters, ``?`` one character, nothing else
special (unlike fnmatch, ``[`` is literal).

ARNs match component by component (IAM User Guide, ARN condition operators: "each of the
six colon-delimited components of the ARN is checked separately"), so ``*`` never crosses
from the service into the Region.
"""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=4096)
def _compiled(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.compile(body, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def like(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """``value`` matches the IAM wildcard ``pattern`` (case-sensitive unless asked)."""
    return _compiled(pattern, ignore_case).fullmatch(value) is not None


def arn_like(pattern: str, arn: str) -> bool:
    """ArnLike / Resource-element matching: each of the six components separately."""
    if pattern == "*":
        return True
    want = pattern.split(":", 5)
    have = arn.split(":", 5)
    if len(want) != 6 or len(have) != 6:
        return False
    return all(like(w, h) for w, h in zip(want, have, strict=True))
