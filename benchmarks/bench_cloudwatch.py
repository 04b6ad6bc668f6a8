"""Speed of the live metric store and of alarm evaluation.

- put: 1,000 series x 1,440 ticks (a day at 1-minute ticks), one ``SeriesHandle.put`` per
  point, ticks outer and series inner as a publisher calls it; points per wall second.
  Also ``MetricStore.put`` (key hashed per point) and ``SeriesHandle.put_many`` (one call
  per series) for comparison.
- statistics: one series' day at Period 60 (1,440 datapoints) and 300, Sum/Average/
  Maximum and p99; then every series once at Period 60.
- alarms: 1,000 alarms (one per series, Period 60, N = 3) evaluated at one instant.

Best of three runs each.

    .venv/bin/python benchmarks/bench_cloudwatch.py
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulator.cloudwatch.alarms import AlarmConfig, Alarms  # noqa: E402
from simulator.cloudwatch.store import MetricStore  # noqa: E402

SERIES, TICKS = 1_000, 1_440


def best(fn: Callable[[], object], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def filled_store() -> MetricStore:
    store = MetricStore()
    handles = [
        store.series("AWS/ApplicationELB", "RequestCount", {"TargetGroup": f"tg-{i}"})
        for i in range(SERIES)
    ]
    rng = np.random.default_rng(0)
    values = rng.poisson(600, size=(TICKS, SERIES)).astype(float).tolist()
    for k in range(TICKS):
        t = 60.0 * k
        row = values[k]
        for i, h in enumerate(handles):
            h.put(t, value=row[i])
    return store


def main() -> None:
    points = SERIES * TICKS
    rng = np.random.default_rng(0)
    values = rng.poisson(600, size=(TICKS, SERIES)).astype(float)
    rows = values.tolist()

    def handles_put() -> None:
        store = MetricStore()
        hs = [
            store.series("AWS/ApplicationELB", "RequestCount", {"TargetGroup": f"tg-{i}"})
            for i in range(SERIES)
        ]
        for k in range(TICKS):
            t = 60.0 * k
            row = rows[k]
            for i, h in enumerate(hs):
                h.put(t, value=row[i])

    def store_put() -> None:
        store = MetricStore()
        dims = [{"TargetGroup": f"tg-{i}"} for i in range(SERIES)]
        for k in range(TICKS // 4):  # a quarter of the day: this path is slower
            t = 60.0 * k
            row = rows[k]
            for i in range(SERIES):
                store.put("AWS/ApplicationELB", "RequestCount", dims[i], t, value=row[i])

    def many_put() -> None:
        store = MetricStore()
        ts = np.arange(TICKS) * 60.0
        for i in range(SERIES):
            store.series("AWS/ApplicationELB", "RequestCount", {"TargetGroup": f"tg-{i}"}).put_many(
                ts, values[:, i]
            )

    t_handles = best(handles_put)
    t_store = best(store_put)
    t_many = best(many_put)
    print(
        f"put via handles      : {points / t_handles:12,.0f} points/s "
        f"({t_handles:.2f} s for {points:,})"
    )
    print(f"put via MetricStore  : {points / 4 / t_store:12,.0f} points/s")
    print(f"put_many per series  : {points / t_many:12,.0f} points/s")

    store = filled_store()
    dims = {"TargetGroup": "tg-7"}
    for period in (60, 300):
        for stats in (["Sum", "Average", "Maximum"], ["p99"]):
            t = best(
                lambda p=period, s=stats: store.statistics(
                    "AWS/ApplicationELB", "RequestCount", dims, 0, 86_400, p, s
                ),
                runs=5,
            )
            print(f"statistics 1 day P={period:<3} {'/'.join(stats):<19}: {t * 1e3:8.2f} ms")
    t_all = best(
        lambda: [
            store.statistics(
                "AWS/ApplicationELB",
                "RequestCount",
                {"TargetGroup": f"tg-{i}"},
                0,
                86_400,
                60,
                ["Sum"],
            )
            for i in range(SERIES)
        ]
    )
    print(f"statistics 1 day P=60 Sum, all {SERIES} series: {t_all:.2f} s")

    alarms = Alarms()
    for i in range(SERIES):
        alarms.put(
            AlarmConfig(
                f"a-{i}",
                "AWS/ApplicationELB",
                "RequestCount",
                60,
                3,
                700.0,
                "GreaterThanThreshold",
                dimensions={"TargetGroup": f"tg-{i}"},
                statistic="Sum",
            ),
            0,
        )
    t_eval = best(lambda: alarms.evaluate(store, 43_200.0))
    print(
        f"evaluate {SERIES} alarms at one instant: {t_eval * 1e3:.1f} ms "
        f"({t_eval / SERIES * 1e6:.0f} us per alarm)"
    )


if __name__ == "__main__":
    main()
