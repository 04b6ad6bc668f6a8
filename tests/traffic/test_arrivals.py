"""Arrival models: shapes, composition, trace CSVs and their errors, seeded noise."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.core.rng import RandomStreams
from simulator.traffic.arrivals import (
    DAY,
    Constant,
    Diurnal,
    Noisy,
    Scaled,
    Spike,
    Steps,
    Sum,
    Trace,
    TraceFileError,
    rate_bound,
)


def test_diurnal_weekly_shape_monday_first():
    weekly = (1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.25)
    d = Diurnal(100, 500, peak_at=14 * 3600, weekly=weekly)
    peaks = np.arange(7) * DAY + 14 * 3600
    assert d.rate(peaks).tolist() == pytest.approx([500] * 5 + [250, 125])
    # the week repeats; without a weekly shape, every day is the same
    assert d.rate(peaks + 7 * DAY).tolist() == pytest.approx(d.rate(peaks).tolist())
    assert Diurnal(100, 500).rate(peaks).tolist() == pytest.approx([500] * 7)


def test_diurnal_weekly_needs_seven_multipliers():
    with pytest.raises(ValueError, match="7 multipliers"):
        Diurnal(1, 2, weekly=(1, 1, 1))


def test_steps_and_before():
    s = Steps([("0s", 10.0), ("1m", 30.0), (120, 0.0)], before=5.0)
    assert s.rate(np.array([-1.0, 0.0, 59.9, 60.0, 119.0, 120.0, 1e6])).tolist() == [
        5,
        10,
        10,
        30,
        30,
        0,
        0,
    ]
    with pytest.raises(ValueError, match="increasing"):
        Steps([(60, 1.0), (30, 2.0)])


def test_spike_scaled_and_sum():
    base = Constant(100)
    spike = Spike(base, at="1h", duration="10m", multiplier=3.0)
    t = np.array([3599.0, 3600.0, 4199.0, 4200.0])
    assert spike.rate(t).tolist() == [100, 300, 300, 100]
    assert Scaled(spike, 0.5).rate(t).tolist() == [50, 150, 150, 50]
    assert Sum([base, Scaled(base, 2)]).rate(t).tolist() == [300] * 4


def write(tmp_path, text, name="trace.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_trace_seconds_linear_and_step(tmp_path):
    path = write(tmp_path, "timestamp,rps\n# a comment\n0,100\n60,200\n\n120,100\n")
    linear = Trace.from_csv(path)
    step = Trace.from_csv(path, interpolation="step")
    t = np.array([-10.0, 0.0, 30.0, 60.0, 90.0, 500.0])
    assert linear.rate(t).tolist() == [100, 100, 150, 200, 150, 100]
    assert step.rate(t).tolist() == [100, 100, 100, 200, 200, 100]


def test_trace_iso_times_are_relative_to_the_first_row(tmp_path):
    path = write(tmp_path, "2024-04-01T00:00:00Z,10\n2024-04-01T00:01:00+00:00,70\n")
    trace = Trace.from_csv(path)
    assert trace.times.tolist() == [0.0, 60.0]
    assert trace.rate(np.array([30.0])).tolist() == [40.0]


@pytest.mark.parametrize(
    ("text", "line", "column", "expected"),
    [
        ("0,10\n60,ten\n", 2, 2, "requests per second"),
        ("0,10\nsoon,5\n", 2, 1, "a time"),
        ("0,10\n60,10,3\n", 2, 3, "2 columns"),
        ("0,10\n60\n", 2, 2, "2 columns"),
        ("0,10\n0,20\n", 2, 1, "after the previous row"),
        ("0,10\n60,-1\n", 2, 2, ">= 0"),
        ("0,10\n2024-04-01T00:00:00,5\n", 2, 1, "same kind"),
        ("time,rps\n", 1, 1, "at least one row"),
        ("0,nan\n", 1, 2, "requests per second"),
    ],
)
def test_trace_csv_errors_name_file_line_column_and_expected(
    tmp_path, text, line, column, expected
):
    path = write(tmp_path, text)
    with pytest.raises(TraceFileError) as info:
        Trace.from_csv(path)
    err = info.value
    assert (err.path, err.line, err.column) == (str(path), line, column)
    assert expected in err.expected
    assert str(err).startswith(f"{path}:{line}:{column}: expected ")


def test_trace_missing_file(tmp_path):
    with pytest.raises(TraceFileError, match="readable CSV"):
        Trace.from_csv(tmp_path / "nope.csv")


def noisy(seed: int, name: str, base=None) -> Noisy:
    return Noisy(base or Constant(50.0), RandomStreams(seed).stream(name), tick=60)


def test_noise_same_seed_same_noise_whatever_the_call_pattern():
    t = np.arange(0, 3 * DAY, 60.0)
    a = noisy(7, "traffic.web.noise").rate(t)
    b = noisy(7, "traffic.web.noise")
    # another order and chunking, and repeated calls, give the same rates
    pieces = [b.rate(t[i : i + 997]) for i in reversed(range(0, t.size, 997))]
    assert np.array_equal(np.concatenate(pieces[::-1]), a)
    assert np.array_equal(b.rate(t), a)
    # within a tick the rate is constant: count / tick
    assert np.array_equal(b.rate(t + 59.0), a)
    assert np.allclose(a * 60, np.round(a * 60))


def test_noise_is_poisson_around_the_base():
    t = np.arange(0, 10 * DAY, 60.0)
    counts = noisy(1, "traffic.web.noise").rate(t) * 60
    # Poisson(3000): mean and variance 3000; 14,400 ticks
    assert counts.mean() == pytest.approx(3000, abs=4 * math.sqrt(3000 / t.size))
    assert counts.var() == pytest.approx(3000, rel=0.05)


def test_noise_streams_are_independent():
    t = np.arange(0, 10 * DAY, 60.0)
    a = noisy(7, "traffic.web.noise").rate(t)
    b = noisy(7, "traffic.api.noise").rate(t)
    c = noisy(8, "traffic.web.noise").rate(t)
    assert not np.array_equal(a, b)
    assert not np.array_equal(a, c)
    for other in (b, c):
        r = np.corrcoef(a, other)[0, 1]
        assert abs(r) < 4 / math.sqrt(t.size)  # four standard errors of a zero correlation


def test_noise_follows_a_shaped_base():
    base = Diurnal(100, 1000)
    t = np.arange(0, 7 * DAY, 60.0)
    n = noisy(3, "traffic.web.noise", base).rate(t)
    assert np.corrcoef(n, base.rate(t))[0, 1] > 0.99


MODELS = [
    Constant(12.0),
    Diurnal(100, 900, peak_at=3 * 3600),
    Diurnal(900, 100, peak_at=3 * 3600, weekly=(1, 2, 1, 1, 0.5, 0, 3)),
    Steps([(0, 10), (100, 50), (5000, 5)]),
    Spike(Diurnal(10, 20), at=1000, duration=300, multiplier=4),
    Spike(Constant(10), at=1000, duration=300, multiplier=0.1),
    Scaled(Steps([(0, 1), (10, 3)]), 2.5),
    Sum([Constant(1), Diurnal(0, 5)]),
    Trace([0, 100, 200, 300], [5, 50, 0, 20]),
    Trace([0, 100, 200, 300], [5, 50, 0, 20], interpolation="step"),
    Noisy(Diurnal(50, 500), RandomStreams(1).stream("n"), tick=60),
]


@given(
    st.sampled_from(MODELS),
    st.floats(0, 8 * DAY),
    st.floats(0, 2 * DAY),
)
def test_max_rate_bounds_the_rate_over_the_interval(model, start, width):
    end = start + width
    t = np.linspace(start, end, 2001)
    assert np.all(model.rate(t) <= rate_bound(model, start, end) * (1 + 1e-12) + 1e-12)


def test_a_model_without_max_rate_gets_a_sampled_bound():
    class Ramp:
        def rate(self, times):
            return np.asarray(times, dtype=float)

    assert rate_bound(Ramp(), 0.0, 10.0) == pytest.approx(15.0)
