"""Metric resolution: periods aggregated from ticks by each metric's statistic."""

import numpy as np
import pytest

from simulator.core.metric_period import PeriodAggregator, aggregate, statistic


def test_each_kind_of_metric_has_its_statistic():
    assert statistic("RequestCount") == "sum"
    assert statistic("HTTPCode_ELB_503_Count") == "sum"
    assert statistic("TargetResponseTime.p99") == "maximum"
    assert statistic("TargetResponseTime.mean") == "served"
    assert statistic("OOMKills") == "last"
    assert statistic("CumulativeCost") == "last"
    assert statistic("RunningTaskCount") == "average"
    assert statistic("CPUUtilization") == "average"


def ticks(n, seed=0):
    rng = np.random.default_rng(seed)
    times = np.arange(n) * 60.0
    served = rng.integers(0, 50, size=(n, 2)).astype(float)
    latency = np.where(served > 0, rng.random((n, 2)), np.nan)
    return times, {
        "RequestCount": rng.random((n, 2)) * 100,
        "HTTPCode_Target_2XX_Count": served,
        "TargetResponseTime.mean": latency,
        "TargetResponseTime.p99": rng.random((n, 2)),
        "RunningTaskCount": rng.integers(0, 9, size=(n, 2)).astype(float),
        "OOMKills": np.cumsum(rng.integers(0, 2, size=(n, 2)), axis=0).astype(float),
    }


def test_sums_weighted_means_maxima_and_last_values_per_period():
    times, values = ticks(12)
    lengths = np.full(12, 60.0)
    lengths[-1] = 30.0  # a last tick cut short by the end of the run
    starts, out = aggregate(times, lengths, values, 300.0)
    assert list(starts) == [0.0, 300.0, 600.0]
    for k, sl in enumerate([slice(0, 5), slice(5, 10), slice(10, 12)]):
        assert out["RequestCount"][k] == pytest.approx(values["RequestCount"][sl].sum(axis=0))
        assert out["TargetResponseTime.p99"][k] == pytest.approx(
            values["TargetResponseTime.p99"][sl].max(axis=0)
        )
        w = lengths[sl, None]
        run = values["RunningTaskCount"][sl]
        assert out["RunningTaskCount"][k] == pytest.approx((run * w).sum(0) / w.sum())
        assert list(out["OOMKills"][k]) == list(values["OOMKills"][sl][-1])
    # the period's mean latency times its served requests is the ticks' sum of the same
    served = values["HTTPCode_Target_2XX_Count"]
    lat = np.nan_to_num(values["TargetResponseTime.mean"])
    per_period = np.nan_to_num(out["TargetResponseTime.mean"]) * out["HTTPCode_Target_2XX_Count"]
    assert per_period.sum() == pytest.approx((lat * served).sum())


def test_a_period_whose_ticks_are_all_nan_stays_nan():
    times = np.arange(4) * 60.0
    values = {
        "TargetResponseTime.mean": np.full((4, 1), np.nan),
        "HTTPCode_Target_2XX_Count": np.zeros((4, 1)),
    }
    _, out = aggregate(times, np.full(4, 60.0), values, 120.0)
    assert np.isnan(out["TargetResponseTime.mean"]).all()


@pytest.mark.parametrize("block", [1, 3, 5, 7, 12])
def test_blocks_of_any_size_give_the_periods_of_one_block(block):
    times, values = ticks(12, seed=3)
    lengths = np.full(12, 60.0)
    whole_t, whole = aggregate(times, lengths, values, 240.0)
    agg = PeriodAggregator(240.0)
    got_t, got = [], {m: [] for m in values}
    for i in range(0, 12, block):
        sl = slice(i, i + block)
        t, out = agg.push(times[sl], lengths[sl], {m: v[sl] for m, v in values.items()})
        got_t.append(t)
        for m in values:
            got[m].append(out[m])
    t, out = agg.finish()
    got_t.append(t)
    for m in values:
        got[m].append(out[m])
    assert list(np.concatenate(got_t)) == list(whole_t)
    for m in values:
        np.testing.assert_allclose(np.concatenate(got[m]), whole[m], equal_nan=True)


def test_a_period_must_be_positive():
    with pytest.raises(ValueError, match="period"):
        PeriodAggregator(0)
