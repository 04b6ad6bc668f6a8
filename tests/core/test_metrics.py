import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from simulator.core.metrics import MetricRecorder


def test_points_and_labels_become_columns():
    rec = MetricRecorder()
    rec.record(0, "CPUUtilization", 50.0, service="web")
    rec.record(60, "CPUUtilization", 70.0, service="web")
    rec.record(0, "InstanceCount", 4, cluster="prod")
    df = rec.to_frame()
    assert list(df.columns) == ["time", "metric", "cluster", "service", "value"]
    web = df[(df.metric == "CPUUtilization") & (df.service == "web")]
    assert web["value"].tolist() == [50.0, 70.0]
    assert df[df.metric == "InstanceCount"]["cluster"].tolist() == ["prod"]
    assert df[df.metric == "InstanceCount"]["service"].isna().all()


def test_vector_and_block_recording_match_single_points():
    services = ["a", "b", "c"]
    values = np.arange(12, dtype=float).reshape(4, 3)
    times = np.array([0.0, 60.0, 120.0, 180.0])

    single = MetricRecorder()
    for i, t in enumerate(times):
        for j, s in enumerate(services):
            single.record(t, "m", values[i, j], service=s)

    vector = MetricRecorder()
    ids = vector.series_ids("m", "service", services)
    for i, t in enumerate(times):
        vector.record_ids(t, ids, values[i])

    block = MetricRecorder()
    block.record_block(times, block.series_ids("m", "service", services), values)

    expected = single.to_frame()
    for other in (vector.to_frame(), block.to_frame()):
        assert expected.astype(str).equals(other.astype(str))


def test_a_million_points_in_few_chunks():
    rec = MetricRecorder()
    ids = rec.series_ids("m", "service", [f"s{i}" for i in range(1000)])
    for t in range(1000):
        rec.record_ids(t, ids, np.full(1000, t, dtype=float))
    df = rec.to_frame()
    assert len(df) == 1_000_000
    assert df["service"].dtype == "category"
    assert df.groupby("service", observed=True)["value"].sum().eq(sum(range(1000))).all()


@given(st.lists(st.tuples(st.integers(0, 100), st.sampled_from("xyz"), st.floats(-1e6, 1e6))))
def test_every_point_is_kept_in_time_order(points):
    rec = MetricRecorder()
    for t, s, v in points:
        rec.record(t, "m", v, service=s)
    df = rec.to_frame()
    assert len(df) == len(points)
    assert df["time"].is_monotonic_increasing
    assert sorted(df["value"].tolist()) == sorted(v for _, _, v in points)


def test_a_block_keeps_its_times_and_ids_once_and_values_at_their_width():
    services = [f"s{i}" for i in range(100)]
    values = np.random.default_rng(1).random((60, 100)) * 1e3
    times = np.arange(60) * 60.0
    wide = MetricRecorder()
    wide.record_block(times, wide.series_ids("m", "service", services), values)
    narrow = MetricRecorder(dtype=np.float32)
    narrow.record_block(times, narrow.series_ids("m", "service", services), values)
    assert len(wide) == len(narrow) == 6000
    assert wide.nbytes == 6000 * 8 + 60 * 8 + 100 * 4  # values, times once, ids once
    assert narrow.nbytes == 6000 * 4 + 60 * 8 + 100 * 4
    assert wide.nbytes / len(wide) < 8.2 and narrow.nbytes / len(narrow) < 4.2  # not 24
    exact = wide.to_frame()["value"].to_numpy()
    rounded = narrow.to_frame()["value"].to_numpy()
    assert list(exact) == list(values.ravel())
    assert not np.array_equal(rounded, exact)  # float32 rounds...
    np.testing.assert_allclose(rounded, exact, rtol=6e-8)  # ...to float32's half an ulp


@given(
    st.lists(
        st.tuples(
            st.integers(0, 20),
            st.sampled_from(["m", "n"]),
            st.sampled_from(["a", "b"]),
            st.sampled_from(["x", "y", None]),
            st.floats(-1e6, 1e6),
        ),
        max_size=60,
    ),
    st.booleans(),
)
def test_grouped_gives_the_frame_filtered_by_label_and_grouped_by_metric(points, blocks):
    """Series sharing a service and metric but not another label merge, as in the table."""
    rec = MetricRecorder()
    for t, metric, svc, tg, v in points:
        labels = {"service": svc} | ({"target_group": tg} if tg else {})
        if blocks:  # the same point as a one-row block
            rec.record_block([t], [rec.series_id(metric, **labels)], [[v]])
        else:
            rec.record(t, metric, v, **labels)
    grouped = rec.grouped("service")
    df = rec.to_frame()
    expected = (
        {
            (str(s), str(m)): (g["time"].to_numpy(), g["value"].to_numpy())
            for (s, m), g in df.groupby(["service", "metric"], observed=True)
        }
        if len(df)
        else {}
    )
    assert grouped.keys() == expected.keys()
    for key, (times, values) in expected.items():
        assert grouped[key][0].tolist() == times.tolist()
        assert grouped[key][1].tolist() == values.tolist()


def test_grouped_reads_float32_values_as_the_frame_does():
    rec = MetricRecorder(dtype=np.float32)
    rec.record_block([0.0, 60.0], rec.series_ids("m", "service", ["a"]), [[0.1], [0.2]])
    times, values = rec.grouped("service")[("a", "m")]
    assert values.dtype == np.float64
    assert values.tolist() == rec.to_frame()["value"].tolist()
