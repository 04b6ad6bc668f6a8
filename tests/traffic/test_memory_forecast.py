import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from simulator.traffic.forecast import linear_forecast
from simulator.traffic.memory import MemoryModel, in_flight


def test_usage_and_time_to_limit():
    m = MemoryModel(baseline_mib=256, per_in_flight_mib=2, leak_mib_per_hour=32)
    assert m.usage(3600, in_flight=10) == pytest.approx(256 + 20 + 32)
    # (1024 - 256 - 20) / 32 MiB per hour
    assert m.time_to_limit(1024, in_flight=10) == pytest.approx((1024 - 276) / 32 * 3600)
    assert MemoryModel(256).time_to_limit(1024) == math.inf
    assert MemoryModel(2048).time_to_limit(1024) == 0.0


def test_littles_law():
    assert in_flight(100.0, 0.05) == pytest.approx(5.0)


@given(
    slope=st.floats(1e-6, 1e-2),
    start=st.floats(0, 90),
    noise=st.floats(0, 0.5),
    seed=st.integers(0, 1000),
)
def test_forecast_finds_the_crossing_of_a_noisy_line(slope, start, noise, seed):
    rng = np.random.default_rng(seed)
    t = np.arange(0, 6 * 3600, 60.0)
    assume(slope * t[-1] >= 20 * noise)  # the climb stands out of the noise
    v = start + slope * t + rng.normal(0, noise, t.size)
    f = linear_forecast(t, v, threshold=100.0)
    truth = (100.0 - start) / slope
    assert f.slope > 0
    assert f.crossing_time == pytest.approx(max(truth, t[-1]), rel=0.05, abs=600)


def test_flat_or_falling_never_crosses_and_window_limits_the_fit():
    t = np.arange(0, 100, 1.0)
    assert linear_forecast(t, 50 - 0.1 * t).crossing_time is None
    v = np.where(t < 50, 90.0, 10 + t)  # only the recent rise matters with a window
    f = linear_forecast(t, v, threshold=200.0, window=40)
    assert f.slope == pytest.approx(1.0)
    assert f.crossing_time == pytest.approx(190.0)
    with pytest.raises(ValueError):
        linear_forecast([1.0], [2.0])
