"""The live publisher's driver, the lazy store, the alarm log and the vectorised puts."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.cloudwatch.alarm_log import AlarmLog
from simulator.cloudwatch.alarms import AlarmState, StateChange
from simulator.cloudwatch.elb_metrics import GroupPeriod, GroupSeries, publish, publish_series
from simulator.cloudwatch.live import LiveStore, PeriodicPublisher
from simulator.cloudwatch.store import MetricStore
from simulator.core.world import World
from simulator.traffic.elb import TargetGroup

ARN_LB = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/front/abc"


def test_publisher_snapshots_at_the_start_and_puts_at_the_end() -> None:
    world = World(0)
    seen: list[tuple[str, float, float]] = []
    pub = PeriodicPublisher(
        world,
        60,
        lambda at: seen.append(("snap", at, world.now)) or at,
        lambda at, snap: seen.append(("put", at, world.now)),
    )
    world.env.run(until=30)
    pub.start()
    pub.start()  # idempotent
    world.env.run(until=185)
    # the first whole period starts at 60; each is put at its end, stamped with its start
    assert seen == [
        ("snap", 60, 60), ("put", 60, 120), ("snap", 120, 120), ("put", 120, 180),
        ("snap", 180, 180),
    ]  # fmt: skip
    assert pub.published == 2


def test_live_store_catches_up_before_every_read() -> None:
    store = LiveStore()
    pending = [5.0]

    def catch_up() -> None:
        while pending:
            store.put("App", "M", {"k": "v"}, 0.0, value=pending.pop())

    store.before_read.append(catch_up)
    assert store.find("App", "M", {"k": "v"}) is not None
    pending.append(7.0)
    points = store.statistics("App", "M", {"k": "v"}, 0, 60, 60, ["Sum"])
    assert points[0].values["Sum"] == 12.0
    pending.append(1.0)
    assert len(store) == 1 and not pending


def _change(t: float, old: AlarmState, new: AlarmState, name: str = "a") -> StateChange:
    return StateChange(name, old, new, "", t, ())


@given(st.lists(st.tuples(st.floats(1, 100), st.sampled_from(list(AlarmState))), max_size=12))
def test_time_in_alarm_is_the_sum_of_the_alarm_intervals(steps) -> None:
    log = AlarmLog()
    t, state = 0.0, AlarmState.INSUFFICIENT_DATA
    expected = 0.0
    for dt, new in steps:
        t += dt
        if new is state:
            continue
        log.record(_change(t, state, new))
        state = new
    end = t + 10.0
    # the expected time from a per-second walk of the recorded states
    edges = [(c.timestamp, c.new_state) for c in log.changes] + [(end, None)]
    for (t0, s0), (t1, _) in zip(edges, edges[1:], strict=False):
        if s0 is AlarmState.ALARM:
            expected += t1 - t0
    out = log.summary(["a", "b"], end)
    assert out["a"]["time_in_alarm_s"] == pytest.approx(expected)
    assert out["a"]["transitions"] == len(log.changes)
    assert out["a"]["final_state"] == str(state)
    assert out["b"] == {
        "time_in_alarm_s": 0.0, "transitions": 0, "first_alarm_s": None,
        "final_state": "INSUFFICIENT_DATA",
    }  # fmt: skip


@given(
    st.lists(
        st.tuples(st.floats(0.001, 2.0), st.floats(0.001, 2.0), st.floats(1.0, 1e4)),
        min_size=1,
        max_size=6,
    )
)
def test_put_values_many_equals_one_put_per_datum(rows) -> None:
    one, many = MetricStore(), MetricStore()
    times = [60.0 * i for i in range(len(rows))]
    values = np.array([[a, a + b, a + 2 * b] for a, b, _ in rows])
    counts = np.array([[0.5 * n, 0.48 * n, 0.02 * n] for _, _, n in rows])
    for t, v, c in zip(times, values, counts, strict=True):
        one.put("App", "T", None, t, values=list(v), counts=list(c))
    many.series("App", "T").put_values_many(times, values, counts)
    stats = ["Sum", "SampleCount", "Minimum", "Maximum", "p50", "p99"]
    a = one.statistics("App", "T", None, 0, 60.0 * len(rows), 60, stats)
    b = many.statistics("App", "T", None, 0, 60.0 * len(rows), 60, stats)
    assert len(a) == len(b) == len(rows)
    for x, y in zip(a, b, strict=True):
        assert x.values == pytest.approx(y.values)


def _group(name: str) -> TargetGroup:
    tg = TargetGroup(
        name, f"arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/{name}/1"
    )
    return tg


def test_publish_series_equals_publish_period_by_period() -> None:
    """The vectorised publisher and the per-period one put the same datapoints."""
    tg = _group("blue")
    rates = [100.0, 0.0, 250.0, 400.0]
    targets = [2, 2, 0, 3]
    one, many = MetricStore(), MetricStore()
    for i, (rate, n) in enumerate(zip(rates, targets, strict=True)):
        publish(one, 60.0 * i, 60, [GroupPeriod(ARN_LB, tg, rate, (150.0,) * n)])
    k = len(rates)
    publish_series(
        many,
        60,
        [
            GroupSeries(
                ARN_LB, tg, 60.0 * np.arange(k), np.array(rates), np.array(targets, float),
                np.full(k, 150.0), np.zeros(k), np.zeros(k),
            )
        ],
    )  # fmt: skip
    keys = one.list_metrics()
    assert keys == many.list_metrics()
    assert len(keys) >= 7
    for ns, metric, dims in keys:
        a = one.statistics(ns, metric, dims, 0, 60 * k, 60, ["Sum", "SampleCount", "p99"])
        b = many.statistics(ns, metric, dims, 0, 60 * k, 60, ["Sum", "SampleCount", "p99"])
        assert [(p.timestamp, p.values) for p in a] == [
            (p.timestamp, pytest.approx(p.values)) for p in b
        ], metric


def test_a_namespace_hook_replaces_the_full_catch_up_for_its_namespace() -> None:
    store = LiveStore()
    calls: list[str] = []
    store.before_read.append(lambda: calls.append("all"))
    store.before_read_namespace["AWS/ECS"] = [lambda: calls.append("ecs")]
    store.find("AWS/ECS", "CPUUtilization", {"ClusterName": "c", "ServiceName": "s"})
    store.statistics("AWS/ECS", "CPUUtilization", None, 0, 60, 60, ["Average"])
    assert calls and set(calls) == {"ecs"}  # the hooks are idempotent: once or more a read
    calls.clear()
    store.find("AWS/ApplicationELB", "RequestCount", {})
    assert calls == ["all"]
    store.list_metrics()
    assert calls == ["all", "all"]
