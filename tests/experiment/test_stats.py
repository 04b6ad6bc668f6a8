"""Intervals over replications: coverage, exactness where known, paired differences."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.experiment.stats import (
    bootstrap_interval,
    format_interval,
    interval_for,
    mean_interval,
    paired_difference,
    quantile_interval,
    t_critical,
    welch_difference,
)


@pytest.mark.parametrize(("df", "table"), [(1, 12.706), (2, 4.303), (4, 2.776), (9, 2.262)])
def test_t_critical_matches_the_tables(df, table):
    assert t_critical(df) == pytest.approx(table, abs=1e-3)


def test_t_interval_covers_the_mean_about_95_percent_of_the_time():
    rng = np.random.default_rng(1)
    hits = sum(mean_interval(rng.normal(10, 3, size=5)).contains(10.0) for _ in range(2000))
    assert 0.93 < hits / 2000 < 0.97  # 5 values: a z interval would cover about 88 %


def test_order_statistic_interval_is_distribution_free():
    rng = np.random.default_rng(2)
    median = np.log(2)  # of the exponential(1)
    hits = sum(
        quantile_interval(rng.exponential(size=20), 0.5).contains(median) for _ in range(1000)
    )
    assert hits / 1000 >= 0.93


def test_bootstrap_is_deterministic_and_brackets_the_mean():
    x = [30.2, 31.0, 29.7, 45.1, 30.5, 30.9]
    a, b = bootstrap_interval(x), bootstrap_interval(x)
    assert a == b and a.method == "bootstrap"
    assert a.low < np.mean(x) < a.high


def test_interval_kind_follows_the_metric():
    x = [1.0, 2.0, 3.0]
    assert interval_for("p99_latency_ms_max", x).method == "bootstrap"
    assert interval_for("cost_usd", x).method == "t"


def test_one_value_has_no_width():
    i = mean_interval([4.0])
    assert (i.low, i.high, i.method) == (4.0, 4.0, "exact")
    assert format_interval(i) == "4.00"


def test_paired_difference_sees_a_shift_that_noise_hides():
    rng = np.random.default_rng(3)
    base = rng.normal(100, 20, size=10)  # large spread between replications...
    shifted = base + 1.0 + rng.normal(0, 0.1, size=10)  # ...but a steady +1 per pair
    paired = paired_difference(base, shifted)
    assert paired.significant and paired.interval.contains(1.0)
    assert not welch_difference(base, shifted).significant


def test_identical_variants_are_not_different():
    d = paired_difference([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    assert d.interval.estimate == 0 and not d.significant and d.p_value == 1.0


@given(st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=30))
def test_mean_interval_contains_the_sample_mean(values):
    i = mean_interval(values)
    assert i.low <= i.estimate <= i.high
    assert i.estimate == pytest.approx(float(np.mean(values)), abs=1e-6)
