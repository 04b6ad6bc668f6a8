"""The metric store: statistics, period alignment, resolutions and percentiles."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.cloudwatch.store import MetricStore, align_start, dimensions_key, percentile_of
from simulator.core.errors import AWSError

NS, NAME = "App", "Latency"
DIMS = {"Service": "web", "Cluster": "prod"}


def test_dimensions_key_is_sorted_and_order_free() -> None:
    assert dimensions_key({"b": "2", "a": "1"}) == (("a", "1"), ("b", "2"))
    store = MetricStore()
    assert store.series(NS, NAME, {"b": "2", "a": "1"}) is store.series(
        NS, NAME, [("a", "1"), ("b", "2")]
    )


def test_standard_statistics_per_minute() -> None:
    store = MetricStore()
    h = store.series(NS, NAME, DIMS)
    for t in range(0, 180, 10):  # 6 points a minute, values = t
        h.put(t, value=float(t))
    assert h.rows()[1, 0] == 0.0  # stored at the start of its minute
    pts = store.statistics(
        NS, NAME, DIMS, 0, 180, 60, ["Sum", "Average", "Minimum", "Maximum", "SampleCount"]
    )
    # Standard resolution: every datum counts at the start of its minute.
    assert [p.timestamp for p in pts] == [0.0, 60.0, 120.0]
    first = pts[0].values
    assert first == {
        "Sum": 150.0,
        "Average": 25.0,
        "Minimum": 0.0,
        "Maximum": 50.0,
        "SampleCount": 6.0,
    }
    assert pts[2].values["Minimum"] == 120.0


def test_high_resolution_keeps_seconds() -> None:
    store = MetricStore()
    h = store.series(NS, NAME, DIMS)
    for t in range(0, 60):
        h.put(t, value=float(t), storage_resolution=1)
    pts = store.statistics(NS, NAME, DIMS, 0, 60, 10, ["Sum", "Maximum", "SampleCount"])
    assert [p.timestamp for p in pts] == [0, 10, 20, 30, 40, 50]
    assert pts[1].values == {"Sum": float(sum(range(10, 20))), "Maximum": 19.0, "SampleCount": 10.0}


@pytest.mark.parametrize("period", [1, 5, 10, 20, 30])
def test_sub_minute_periods_need_high_resolution(period: int) -> None:
    store = MetricStore()
    store.put(NS, NAME, DIMS, 0, value=1.0)
    with pytest.raises(AWSError) as info:
        store.statistics(NS, NAME, DIMS, 0, 60, period, ["Sum"])
    assert info.value.code == "InvalidParameterValue"


@pytest.mark.parametrize("period", [0, 7, 45, 90, -60])
def test_invalid_periods(period: int) -> None:
    store = MetricStore()
    store.put(NS, NAME, DIMS, 0, value=1.0, storage_resolution=1)
    with pytest.raises(AWSError, match="Period"):
        store.statistics(NS, NAME, DIMS, 0, 600, period, ["Sum"])


def test_start_is_rounded_down_as_get_metric_statistics_does() -> None:
    assert align_start(125.0, 300) == 120.0  # to the minute for periods >= 60
    assert align_start(125.0, 60) == 120.0
    assert align_start(37.0, 10) == 30.0  # to a multiple of a sub-minute period
    assert align_start(37.0, 5) == 35.0
    store = MetricStore()
    h = store.series(NS, NAME, DIMS)
    for t in range(0, 900, 60):
        h.put(t, value=1.0)
    pts = store.statistics(NS, NAME, DIMS, 130, 900, 300, ["SampleCount"])
    assert [p.timestamp for p in pts] == [120, 420, 720]
    assert [p.sample_count for p in pts] == [5, 5, 3]


def test_end_is_exclusive_and_empty_periods_are_absent() -> None:
    store = MetricStore()
    store.put(NS, NAME, DIMS, 0, value=1.0)
    store.put(NS, NAME, DIMS, 240, value=2.0)
    pts = store.statistics(NS, NAME, DIMS, 0, 240, 60, ["Sum"])
    assert [(p.timestamp, p.values["Sum"]) for p in pts] == [(0, 1.0)]


def test_out_of_order_puts_are_sorted() -> None:
    store = MetricStore()
    for t in (300, 0, 120, 60):
        store.put(NS, NAME, DIMS, t, value=t / 60)
    pts = store.statistics(NS, NAME, DIMS, 0, 360, 60, ["Sum"])
    assert [p.timestamp for p in pts] == [0, 60, 120, 300]
    assert [p.values["Sum"] for p in pts] == [0.0, 1.0, 2.0, 5.0]


def test_unknown_series_has_no_datapoints() -> None:
    assert MetricStore().statistics(NS, NAME, DIMS, 0, 600, 60, ["Sum"]) == []


def test_percentiles_from_values_and_counts() -> None:
    store = MetricStore()
    store.put(NS, NAME, DIMS, 0, values=[1.0, 2.0, 100.0], counts=[90, 9, 1])
    (p,) = store.statistics(
        NS, NAME, DIMS, 0, 60, 60, ["p50", "p90", "p99", "p99.9", "Sum", "SampleCount"]
    )
    assert p.values["p50"] == 1.0
    assert p.values["p90"] == 1.0
    assert p.values["p99"] == 2.0
    assert p.values["p99.9"] == 100.0
    assert p.values["Sum"] == 90 + 18 + 100
    assert p.sample_count == 100


def test_percentiles_not_available_from_statistic_sets() -> None:
    store = MetricStore()
    store.put(
        NS,
        NAME,
        DIMS,
        0,
        statistic_values={"SampleCount": 4, "Sum": 10, "Minimum": 1, "Maximum": 4},
    )
    (p,) = store.statistics(NS, NAME, DIMS, 0, 60, 60, ["p99", "Average"])
    assert "p99" not in p.values
    assert p.values["Average"] == 2.5


def test_statistic_set_of_one_value_gives_percentiles() -> None:
    # CloudWatch: percentiles of a statistic set when Min == Max and Sum == Min * count.
    store = MetricStore()
    store.put(
        NS,
        NAME,
        DIMS,
        0,
        statistic_values={"SampleCount": 3, "Sum": 15, "Minimum": 5, "Maximum": 5},
    )
    store.put(NS, NAME, DIMS, 1, value=1.0)
    (p,) = store.statistics(NS, NAME, DIMS, 0, 60, 60, ["p50", "p10"])
    assert p.values == {"p50": 5.0, "p10": 1.0}


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"value": 1.0, "values": [1.0]},
        {
            "value": 1.0,
            "statistic_values": {"SampleCount": 1, "Sum": 1, "Minimum": 1, "Maximum": 1},
        },
        {"values": [1.0, 2.0], "counts": [1.0]},
        {"statistic_values": {"SampleCount": 1, "Sum": 1}},
        {"counts": [1.0]},
    ],
)
def test_a_datum_needs_exactly_one_form(kwargs: dict) -> None:
    with pytest.raises(AWSError):
        MetricStore().put(NS, NAME, DIMS, 0, **kwargs)


def test_bad_statistic_names() -> None:
    assert percentile_of("p99.9") == 99.9
    assert percentile_of("Sum") is None
    for bad in ("p101", "tm99", "avg", "P99"):
        with pytest.raises(AWSError):
            percentile_of(bad)


def test_list_metrics_filters() -> None:
    store = MetricStore()
    store.put("AWS/ECS", "CPUUtilization", {"ClusterName": "c", "ServiceName": "a"}, 0, value=1)
    store.put("AWS/ECS", "CPUUtilization", {"ClusterName": "c", "ServiceName": "b"}, 0, value=1)
    store.put("AWS/ECS", "MemoryUtilization", {"ClusterName": "c", "ServiceName": "a"}, 0, value=1)
    store.series("App", "Empty", {})  # a handle with no data is not listed
    assert len(store.list_metrics()) == 3
    assert len(store.list_metrics(metric_name="CPUUtilization")) == 2
    assert len(store.list_metrics(dimensions={"ServiceName": "a"})) == 2
    assert len(store.list_metrics(dimensions={"ServiceName": None})) == 3
    assert store.list_metrics(namespace="App") == []


def test_put_many_matches_single_puts() -> None:
    a, b = MetricStore(), MetricStore()
    ts = np.arange(0, 3600, 10.0)
    vs = np.sin(ts)
    ha = a.series(NS, NAME, DIMS)
    for t, v in zip(ts, vs, strict=True):
        ha.put(float(t), value=float(v))
    b.series(NS, NAME, DIMS).put_many(ts, vs)
    stats = ["Sum", "Minimum", "Maximum", "SampleCount", "p90"]
    assert a.statistics(NS, NAME, DIMS, 0, 3600, 300, stats) == b.statistics(
        NS, NAME, DIMS, 0, 3600, 300, stats
    )


@given(
    st.lists(
        st.tuples(st.integers(0, 3599), st.floats(-1e6, 1e6, allow_nan=False)),
        min_size=1,
        max_size=80,
    ),
    st.sampled_from([60, 120, 300, 600]),
)
def test_statistics_agree_with_a_plain_computation(
    points: list[tuple[int, float]], period: int
) -> None:
    store = MetricStore()
    h = store.series(NS, NAME, DIMS)
    for t, v in points:
        h.put(t, value=v, storage_resolution=1)
    got = store.statistics(
        NS, NAME, DIMS, 0, 3600, period, ["Sum", "Minimum", "Maximum", "SampleCount", "p50"]
    )
    buckets: dict[int, list[float]] = {}
    for t, v in points:
        buckets.setdefault(t // period * period, []).append(v)
    assert [d.timestamp for d in got] == sorted(buckets)
    for d in got:
        vals = sorted(buckets[int(d.timestamp)])
        assert d.sample_count == len(vals)
        assert math.isclose(d.values["Sum"], math.fsum(vals), rel_tol=1e-9, abs_tol=1e-6)
        assert d.values["Minimum"] == vals[0] and d.values["Maximum"] == vals[-1]
        # Nearest rank: the smallest value with at least half the samples at or below it.
        assert d.values["p50"] == vals[math.ceil(0.5 * len(vals)) - 1]


@given(
    st.lists(
        st.tuples(
            st.integers(0, 599),
            st.lists(st.tuples(st.integers(-50, 50), st.integers(0, 5)), min_size=1, max_size=6),
        ),
        min_size=1,
        max_size=30,
    ),
    st.sampled_from([0.0, 10.0, 50.0, 90.0, 99.0, 99.9, 100.0]),
)
def test_percentiles_of_mixed_puts_agree_with_a_plain_computation(
    puts: list[tuple[int, list[tuple[int, int]]]], pct: float
) -> None:
    store = MetricStore()
    h = store.series(NS, NAME, DIMS)
    samples: dict[int, list[float]] = {}
    for t, pairs in puts:
        if sum(c for _, c in pairs) == 0:
            continue
        if len(pairs) == 1 and pairs[0][1] == 1:
            h.put(t, value=float(pairs[0][0]), storage_resolution=1)
        else:
            h.put(
                t,
                values=[float(v) for v, _ in pairs],
                counts=[c for _, c in pairs],
                storage_resolution=1,
            )
        samples.setdefault(t // 60 * 60, []).extend(float(v) for v, c in pairs for _ in range(c))
    name = f"p{pct:g}" if pct != int(pct) else f"p{int(pct)}"
    got = {
        d.timestamp: d.values[name] for d in store.statistics(NS, NAME, DIMS, 0, 600, 60, [name])
    }
    assert set(got) == set(samples)
    for t, vals in samples.items():
        vals.sort()
        rank = max(1, math.ceil(round(pct / 100 * len(vals), 9)))
        assert got[t] == vals[rank - 1], (t, vals)


DAY = 86400.0


def _minutes(h, start: float, n: int) -> None:
    """One point a minute from ``start``, value 1, 2, 3, ... (the minute's number + 1)."""
    for k in range(n):
        h.put(start + 60.0 * k, value=float(k + 1))


def test_retention_asks_coarser_periods_of_older_start_times() -> None:
    """GetMetricStatistics' Period rule: a StartTime over 15 days old needs a multiple of
    300, over 63 days of 3600, or no datapoints are returned."""
    store = MetricStore()
    h = store.series(NS, NAME, DIMS)
    start = 1000 * 60.0
    _minutes(h, start, 120)
    for age, refused, kept in ((20 * DAY, 60, 300), (70 * DAY, 300, 3600)):
        now = start + age
        assert h.statistics(start, start + 7200, refused, ["Sum"], now=now) == []
        got = h.statistics(start, start + 7200, kept, ["Sum"], now=now)
        assert sum(p.values["Sum"] for p in got) == sum(range(1, 121))
    # the same periods on recent data: answered, minute by minute
    got = h.statistics(start, start + 7200, 60, ["Sum"], now=start + DAY)
    assert [p.values["Sum"] for p in got] == [float(k) for k in range(1, 121)]


def test_an_old_start_time_rounds_down_to_five_minutes_or_the_hour() -> None:
    store = MetricStore()
    h = store.series(NS, NAME, DIMS)
    base = 10 * 3600.0  # 10:00
    _minutes(h, base, 120)
    start = base + 32 * 60 + 34  # 10:32:34
    five = h.statistics(start, base + 7200, 300, ["SampleCount"], now=base + 20 * DAY)
    assert five[0].timestamp == base + 30 * 60  # 10:30:00
    assert five[0].sample_count == 5.0
    hour = h.statistics(start, base + 7200, 3600, ["SampleCount"], now=base + 70 * DAY)
    assert hour[0].timestamp == base  # 10:00:00, the whole first hour
    assert hour[0].sample_count == 60.0
    recent = h.statistics(start, base + 7200, 300, ["SampleCount"], now=base + DAY)
    assert recent[0].timestamp == base + 32 * 60  # under 15 days: to the minute
    assert align_start(start, 300, age=20 * DAY) == base + 30 * 60
    assert align_start(start, 300) == base + 32 * 60


def test_high_resolution_data_is_read_per_second_for_three_hours() -> None:
    store = MetricStore()
    store.put(NS, NAME, DIMS, timestamp=100.0, value=1.0, storage_resolution=1)
    h = store.series(NS, NAME, DIMS)
    assert len(h.statistics(100.0, 101.0, 1, ["Sum"], now=100.0 + 2 * 3600)) == 1
    assert h.statistics(100.0, 101.0, 1, ["Sum"], now=100.0 + 4 * 3600) == []
    assert len(h.statistics(60.0, 120.0, 60, ["Sum"], now=100.0 + 4 * 3600)) == 1


def test_data_older_than_455_days_is_gone() -> None:
    store = MetricStore()
    h = store.series(NS, NAME, DIMS)
    h.put(0.0, value=1.0)
    h.put(100 * DAY, value=2.0)
    now = 500 * DAY
    got = h.statistics(0.0, 200 * DAY, 3600, ["Sum"], now=now)
    assert [p.values["Sum"] for p in got] == [2.0]  # the first is 500 days old
    assert len(h.statistics(0.0, 200 * DAY, 3600, ["Sum"])) == 2  # no now: no retention
