import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.core.durations import format_duration, parse_duration
from simulator.core.errors import DurationError


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("5m", 300),
        ("24h", 86400),
        ("30d", 2592000),
        ("1h30m", 5400),
        ("1.5h", 5400),
        ("250ms", 0.25),
        ("2w", 1209600),
        (45, 45),
        (2.5, 2.5),
        ("120", 120),
        (" 5 m ", 300),
    ],
)
def test_parse(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("bad", ["", "5x", "m5", "five minutes", -1, "-5m", True, None, [1], "nan"])
def test_bad_durations_name_what_was_expected(bad):
    with pytest.raises(DurationError, match="expected a duration such as '90s'"):
        parse_duration(bad)


@given(st.integers(min_value=0, max_value=10**8))
def test_format_round_trips(seconds):
    assert parse_duration(format_duration(seconds)) == seconds


def test_format_examples():
    assert format_duration(90) == "1m30s"
    assert format_duration(86400) == "1d"
    assert format_duration(0) == "0s"
