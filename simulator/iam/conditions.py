"""IAM condition operators as data: each base operator's value kind, whether it is a
negated form, and how one request value compares with one policy value.

Semantics follow the IAM User Guide ("IAM JSON policy elements: Condition operators",
"Single-valued vs. multivalued context keys"):

- a key absent from the request makes a positive operator false and a negated one
  (StringNotEquals, ArnNotLike...) true; ``...IfExists`` makes any operator true;
- ``Null``: ``true`` holds when the key is absent, ``false`` when it is present;
- ``ForAllValues:`` holds when every request value matches some policy value (and when
  the key is absent or empty); ``ForAnyValue:`` when at least one does (false if absent);
- a negated operator holds when no request value matches any policy value;
- Numeric and Date values that do not parse match nothing (ecsim's choice, IAM refuses
  such policies only for some operators).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from simulator.iam.wildcards import arn_like, like


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _date(text: str) -> float | None:
    if text.lstrip("-").isdigit():
        return float(text)
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.timestamp()


def _ordered(parse: Callable[[str], float | None], cmp: Callable[[float, float], bool]):
    def match(have: str, want: str) -> bool:
        a, b = parse(have), parse(want)
        return a is not None and b is not None and cmp(a, b)

    return match


@dataclass(frozen=True)
class Operator:
    """A base condition operator: ``match(request value, policy value)`` of its positive
    form, and whether the operator is that form's negation."""

    match: Callable[[str, str], bool]
    negated: bool = False


def _eq(a: str, b: str) -> bool:
    return a == b


def _ieq(a: str, b: str) -> bool:
    return a.lower() == b.lower()


def _like(a: str, b: str) -> bool:
    return like(b, a)


def _bool(a: str, b: str) -> bool:
    return a.lower() == b.lower()


def _arn_like(a: str, b: str) -> bool:
    return arn_like(b, a)


def _num(cmp: Callable[[float, float], bool]) -> Callable[[str, str], bool]:
    return _ordered(_number, cmp)


def _date_cmp(cmp: Callable[[float, float], bool]) -> Callable[[str, str], bool]:
    return _ordered(_date, cmp)


OPERATORS: dict[str, Operator] = {
    "StringEquals": Operator(_eq),
    "StringNotEquals": Operator(_eq, negated=True),
    "StringEqualsIgnoreCase": Operator(_ieq),
    "StringNotEqualsIgnoreCase": Operator(_ieq, negated=True),
    "StringLike": Operator(_like),
    "StringNotLike": Operator(_like, negated=True),
    "NumericEquals": Operator(_num(lambda a, b: a == b)),
    "NumericNotEquals": Operator(_num(lambda a, b: a == b), negated=True),
    "NumericLessThan": Operator(_num(lambda a, b: a < b)),
    "NumericLessThanEquals": Operator(_num(lambda a, b: a <= b)),
    "NumericGreaterThan": Operator(_num(lambda a, b: a > b)),
    "NumericGreaterThanEquals": Operator(_num(lambda a, b: a >= b)),
    "DateEquals": Operator(_date_cmp(lambda a, b: a == b)),
    "DateNotEquals": Operator(_date_cmp(lambda a, b: a == b), negated=True),
    "DateLessThan": Operator(_date_cmp(lambda a, b: a < b)),
    "DateLessThanEquals": Operator(_date_cmp(lambda a, b: a <= b)),
    "DateGreaterThan": Operator(_date_cmp(lambda a, b: a > b)),
    "DateGreaterThanEquals": Operator(_date_cmp(lambda a, b: a >= b)),
    "Bool": Operator(_bool),
    "ArnEquals": Operator(_arn_like),
    "ArnLike": Operator(_arn_like),
    "ArnNotEquals": Operator(_arn_like, negated=True),
    "ArnNotLike": Operator(_arn_like, negated=True),
}
"""Every base operator ecsim evaluates (IpAddress / BinaryEquals are not modelled). ArnEquals
and ArnLike behave alike: IAM documents both with wildcard matching per component."""
NULL = "Null"
QUALIFIERS = ("ForAllValues", "ForAnyValue")


def holds(
    op: Operator,
    qualifier: str | None,
    if_exists: bool,
    have: Sequence[str] | None,
    want: Sequence[str],
) -> bool:
    """One condition on one key: ``have`` the request's values (None: key absent),
    ``want`` the policy's values (policy variables already substituted)."""
    if qualifier == "ForAllValues":
        if not have:
            return True
        if op.negated:
            return all(not any(op.match(h, w) for w in want) for h in have)
        return all(any(op.match(h, w) for w in want) for h in have)
    if qualifier == "ForAnyValue":
        if not have:
            return False
        if op.negated:
            return any(not any(op.match(h, w) for w in want) for h in have)
        return any(op.match(h, w) for h in have for w in want)
    if have is None:
        return if_exists or op.negated
    hit = any(op.match(h, w) for h in have for w in want)
    return not hit if op.negated else hit


def null_holds(have: Sequence[str] | None, want: Sequence[str]) -> bool:
    """``Null``: "true" holds for an absent (or empty) key, "false" for a present one."""
    absent = not have
    return any((w.lower() == "true") == absent for w in want)
