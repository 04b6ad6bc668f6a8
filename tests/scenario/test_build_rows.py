"""The sampler's buffered rows: a row shared with the tick before is converted once."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from simulator.scenario.build import _rows


@given(
    st.lists(
        st.tuples(st.booleans(), st.lists(st.integers(0, 9), min_size=3, max_size=3)),
        min_size=1,
        max_size=30,
    )
)
def test_shared_rows_give_the_array_of_every_row(ticks):
    rows: list[list[int]] = []
    for share, row in ticks:  # a shared row is the same object as the tick before
        rows.append(rows[-1] if share and rows else row)
    expected = np.array(rows, dtype=float)
    assert np.array_equal(_rows(rows, (len(rows), 3)), expected)


def test_no_services():
    assert _rows([[], []], (2, 0)).shape == (2, 0)
