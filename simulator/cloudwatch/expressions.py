"""Arithmetic metric math for GetMetricData: ``+ - * /``, parentheses, numbers and the
ids of other queries, e.g. ``100 * errors / requests``.

CloudWatch's metric math matches time series by timestamp: an operation between two
series has a value only where both do, and an operation with a number applies to every
value. A datapoint whose result is not a finite number (division by zero) is dropped.
Functions (SUM, FILL, METRICS(), IF...) and Metrics Insights queries are not simulated:
``UnsupportedExpression`` names the construct so the caller can refuse it.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping

Series = dict[float, float]
"""timestamp -> value"""
Value = Series | float

_OPS: Mapping[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


class ExpressionError(ValueError):
    """The expression is malformed or names an unknown id (a ValidationError)."""


class UnsupportedExpression(ValueError):
    """Valid metric math that ecsim does not evaluate (functions, Insights queries)."""


def references(expression: str) -> list[str]:
    """The query ids an expression uses, in order of appearance."""
    tree = _parse(expression)
    return [n.id for n in ast.walk(tree) if isinstance(n, ast.Name)]


def evaluate(expression: str, resolve: Callable[[str], Series]) -> Series:
    """The series an arithmetic expression gives; ``resolve(id)`` returns another query's."""
    result = _eval(_parse(expression).body, resolve)
    if not isinstance(result, dict):
        raise UnsupportedExpression(
            f"the expression {expression!r} is a constant; ecsim evaluates only expressions "
            "over at least one metric"
        )
    return dict(sorted(result.items()))


def _parse(expression: str) -> ast.Expression:
    try:
        return ast.parse(expression, mode="eval")
    except SyntaxError:
        if any(ch.isupper() for ch in expression) and "(" in expression:
            raise UnsupportedExpression(
                f"metric math functions or Metrics Insights queries ({expression!r})"
            ) from None
        raise ExpressionError(f"The expression {expression!r} is not valid metric math.") from None


def _eval(node: ast.AST, resolve: Callable[[str], Series]) -> Value:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        if isinstance(node.value, bool):
            raise ExpressionError(f"Unexpected value {node.value!r} in the expression.")
        return float(node.value)
    if isinstance(node, ast.Name):
        return resolve(node.id)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _eval(node.operand, resolve)
        sign = -1.0 if isinstance(node.op, ast.USub) else 1.0
        if isinstance(inner, dict):
            return {t: sign * v for t, v in inner.items()}
        return sign * inner
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        fn = _OPS[type(node.op)]
        return _combine(fn, _eval(node.left, resolve), _eval(node.right, resolve))
    if isinstance(node, ast.Call | ast.List | ast.Compare | ast.IfExp | ast.BoolOp):
        raise UnsupportedExpression(
            "metric math functions, comparisons and lists (ecsim evaluates + - * / only)"
        )
    raise ExpressionError("The expression is not valid metric math.")


def _apply(fn: Callable[[float, float], float], a: float, b: float) -> float | None:
    try:
        out = fn(a, b)
    except ZeroDivisionError:
        return None
    return out if math.isfinite(out) else None


def _combine(fn: Callable[[float, float], float], a: Value, b: Value) -> Value:
    if isinstance(a, dict) and isinstance(b, dict):
        pairs = ((t, _apply(fn, a[t], b[t])) for t in a if t in b)
    elif isinstance(a, dict) and not isinstance(b, dict):
        pairs = ((t, _apply(fn, v, b)) for t, v in a.items())
    elif isinstance(b, dict) and not isinstance(a, dict):
        pairs = ((t, _apply(fn, a, v)) for t, v in b.items())
    else:
        assert not isinstance(a, dict) and not isinstance(b, dict)
        out = _apply(fn, a, b)
        if out is None:
            raise ExpressionError("The expression divides a constant by zero.")
        return out
    return {t: v for t, v in pairs if v is not None}
