"""Arithmetic metric math: series matched by timestamp, non-finite results dropped."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.cloudwatch.expressions import (
    ExpressionError,
    UnsupportedExpression,
    evaluate,
    references,
)

series = st.dictionaries(
    st.integers(0, 20).map(lambda k: 60.0 * k), st.floats(-1e3, 1e3), max_size=15
)


@given(series, series)
def test_binary_operations_match_timestamps(a: dict[float, float], b: dict[float, float]) -> None:
    data = {"a": a, "b": b}
    got = evaluate("a + 2 * b", data.__getitem__)
    assert got == {t: a[t] + 2 * b[t] for t in sorted(a) if t in b}
    ratio = evaluate("100 * a / b", data.__getitem__)
    finite = {t for t in a if t in b and b[t] != 0 and math.isfinite(100 * a[t] / b[t])}
    assert set(ratio) == finite  # division by zero or overflow: no datapoint


def test_unary_constants_and_order() -> None:
    data = {"m1": {120.0: 3.0, 60.0: 1.0}}
    assert list(evaluate("-m1 + 1", data.__getitem__).items()) == [(60.0, 0.0), (120.0, -2.0)]
    assert references("m1 / (m2 + 3)") == ["m1", "m2"]


@pytest.mark.parametrize("expr", ["SUM([m1, m2])", "FILL(m1, 0)", "m1 > 2", "3"])
def test_functions_and_constants_are_unsupported(expr: str) -> None:
    with pytest.raises(UnsupportedExpression):
        evaluate(expr, lambda _id: {0.0: 1.0})


@pytest.mark.parametrize("expr", ["m1 +", "m1 ** 2", "1 / 0 + m1", "m1 % 2"])
def test_malformed_expressions(expr: str) -> None:
    with pytest.raises(ExpressionError):
        evaluate(expr, lambda _id: {0.0: 1.0})
