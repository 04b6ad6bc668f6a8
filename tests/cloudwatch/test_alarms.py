"""Metric alarm rules, checked without a simulation: the guide's tables, texts, properties."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.cloudwatch.alarms import (
    GUIDE_TABLES,
    AlarmConfig,
    Alarms,
    AlarmState,
    StateChange,
    TreatMissingData,
    evaluate_range,
)
from simulator.cloudwatch.store import MetricStore
from simulator.core.errors import AWSError

TREATMENTS = ("missing", "ignore", "breaching", "notBreaching")


def decode(points: str) -> list[float | None]:
    """'0-X' -> [0.0 (not breaching), None (missing), 1.0 (breaching)] for threshold 0.5."""
    return [{"0": 0.0, "X": 1.0, "-": None}[c] for c in points]


def run(values: list[float | None], n: int, m: int, treat: str) -> AlarmState | None:
    return evaluate_range(
        values,
        evaluation_periods=n,
        datapoints_to_alarm=m,
        breaches=lambda v: v > 0.5,
        treat_missing_data=treat,
    ).state


@pytest.mark.parametrize(("n", "m", "points", "expected"), GUIDE_TABLES)
def test_every_row_of_the_guides_missing_data_tables(
    n: int, m: int, points: str, expected: tuple[str, ...]
) -> None:
    for treat, want in zip(TREATMENTS, expected, strict=True):
        got = run(decode(points), n, m, treat)
        assert (got.value if got else "retain") == want, (points, treat)


def config(**overrides: object) -> AlarmConfig:
    base: dict[str, object] = dict(
        alarm_name="errors",
        namespace="App",
        metric_name="Errors",
        period=60,
        evaluation_periods=1,
        threshold=5.0,
        comparison_operator="GreaterThanThreshold",
        statistic="Sum",
    )
    base.update(overrides)
    return AlarmConfig(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        ({"period": 45}, "Period"),
        ({"period": 0}, "Period"),
        ({"evaluation_periods": 0}, "EvaluationPeriods"),
        ({"datapoints_to_alarm": 2}, "DatapointsToAlarm"),
        ({"comparison_operator": "GreaterThanUpperThreshold"}, "anomaly detection"),
        ({"comparison_operator": "Bigger"}, "ComparisonOperator"),
        ({"statistic": None}, "Statistic"),
        ({"extended_statistic": "p99"}, "Exactly one"),
        ({"statistic": None, "extended_statistic": "tm90"}, "percentile"),
        ({"treat_missing_data": "zero"}, "TreatMissingData"),
        ({"period": 60, "evaluation_periods": 1441}, "86400"),
        ({"evaluate_low_sample_count_percentile": "ignore"}, "percentile"),
    ],
)
def test_put_metric_alarm_rules(overrides: dict, needle: str) -> None:
    with pytest.raises(AWSError, match=needle) as info:
        config(**overrides)
    assert info.value.code == "ValidationError"


def test_cadence_every_minute_or_every_ten_seconds() -> None:
    assert config(period=60).cadence == 60
    assert config(period=300).cadence == 60
    assert {config(period=p).cadence for p in (10, 20, 30)} == {10}


def store_with(values: dict[int, float]) -> MetricStore:
    store = MetricStore()
    for minute, v in values.items():
        store.put("App", "Errors", {}, minute * 60, value=v)
    return store


def test_new_alarm_is_insufficient_data_with_the_initial_reason() -> None:
    alarms = Alarms()
    a = alarms.put(config(), 0)
    assert a.state is AlarmState.INSUFFICIENT_DATA
    assert a.state_reason == "Unchecked: Initial alarm creation"
    assert a.arn == "arn:aws:cloudwatch:us-east-1:123456789012:alarm:errors"
    assert [h.item_type for h in alarms.history()] == ["ConfigurationUpdate"]
    assert json.loads(alarms.history()[0].data)["type"] == "Create"


def test_alarm_reason_and_reason_data_texts() -> None:
    alarms = Alarms()
    alarms.put(config(evaluation_periods=3, datapoints_to_alarm=2), 0)
    store = store_with({0: 6.0, 1: 1.0, 2: 9.0})
    (change,) = alarms.evaluate(store, 180)
    assert change.new_state is AlarmState.ALARM
    assert change.reason == (
        "Threshold Crossed: 2 out of the last 3 datapoints [9.0 (01/01/24 00:02:00), "
        "6.0 (01/01/24 00:00:00)] were greater than the threshold (5.0) "
        "(minimum 2 datapoints for OK -> ALARM transition)."
    )
    data = json.loads(alarms.get("errors").state_reason_data or "")
    assert data["version"] == "1.0"
    assert data["queryDate"] == "2024-01-01T00:03:00.000+0000"
    assert data["startDate"] == "2024-01-01T00:00:00.000+0000"
    assert data["period"] == 60 and data["statistic"] == "Sum" and data["threshold"] == 5.0
    assert data["recentDatapoints"] == [6.0, 1.0, 9.0]
    assert [d["value"] for d in data["evaluatedDatapoints"]] == [9.0, 1.0, 6.0]


def test_ok_reason_and_filled_missing_reason() -> None:
    alarms = Alarms()
    alarms.put(config(treat_missing_data="notBreaching", evaluation_periods=2), 0)
    store = store_with({0: 1.0})
    (change,) = alarms.evaluate(store, 120)
    assert change.reason == (
        "Threshold Crossed: 1 out of the last 2 datapoints [1.0 (01/01/24 00:00:00)] was not "
        "greater than the threshold (5.0) and 1 missing datapoint was treated as "
        "[NonBreaching] (minimum 1 datapoint for ALARM -> OK transition)."
    )


def test_no_datapoint_reasons() -> None:
    alarms = Alarms()
    alarms.put(config(alarm_name="b", treat_missing_data="breaching", evaluation_periods=2), 0)
    alarms.put(config(alarm_name="m", evaluation_periods=3), 0)
    changes = {c.alarm_name: c for c in alarms.evaluate(MetricStore(), 600)}
    assert changes["b"].reason == (
        "Threshold Crossed: no datapoints were received for 2 periods and 2 missing "
        "datapoints were treated as [Breaching]."
    )
    assert "m" not in changes  # already INSUFFICIENT_DATA: no transition, no history
    alarms.set_alarm_state("m", "OK", "testing", None, 610)
    (back,) = alarms.evaluate(MetricStore(), 660, only=lambda a: a.name == "m")
    assert back.reason == "Insufficient Data: 3 datapoints were unknown."


def test_set_alarm_state_lasts_until_the_next_evaluation() -> None:
    alarms = Alarms()
    seen: list[StateChange] = []
    alarms.subscribe(seen.append, "errors")
    alarms.put(config(), 0)
    store = store_with({0: 1.0, 1: 1.0})
    alarms.evaluate(store, 60)
    assert alarms.get("errors").state is AlarmState.OK
    alarms.set_alarm_state("errors", "ALARM", "drill", '{"drill": true}', 90)
    assert alarms.get("errors").state is AlarmState.ALARM
    alarms.evaluate(store, 120)
    assert alarms.get("errors").state is AlarmState.OK
    assert [(c.old_state.value, c.new_state.value, c.timestamp) for c in seen] == [
        ("INSUFFICIENT_DATA", "OK", 60),
        ("OK", "ALARM", 90),
        ("ALARM", "OK", 120),
    ]
    with pytest.raises(AWSError) as info:
        alarms.set_alarm_state("errors", "OK", "x", "not json", 130)
    assert info.value.code == "InvalidFormat"


def test_actions_recorded_only_when_enabled() -> None:
    arn = "arn:aws:sns:us-east-1:123456789012:ops"
    alarms = Alarms()
    alarms.put(config(alarm_name="on", alarm_actions=(arn,)), 0)
    alarms.put(config(alarm_name="off", alarm_actions=(arn,), actions_enabled=False), 0)
    changes = {c.alarm_name: c for c in alarms.evaluate(store_with({0: 9.0}), 60)}
    assert changes["on"].actions == (arn,) and changes["off"].actions == ()
    actions = [h for h in alarms.history() if h.item_type == "Action"]
    assert [(h.alarm_name, h.summary) for h in actions] == [
        ("on", f"Successfully executed action {arn}")
    ]


def test_update_keeps_state_and_delete_keeps_history() -> None:
    alarms = Alarms()
    alarms.put(config(), 0)
    alarms.evaluate(store_with({0: 9.0}), 60)
    alarms.put(config(threshold=100.0), 70)
    assert alarms.get("errors").state is AlarmState.ALARM
    assert alarms.get("errors").config.threshold == 100.0
    with pytest.raises(AWSError) as info:
        alarms.delete(["errors", "nope"], 80)
    assert info.value.code == "ResourceNotFound" and "errors" in alarms
    alarms.delete(["errors"], 80)
    assert "errors" not in alarms
    kinds = [
        json.loads(h.data).get("type")
        for h in alarms.history("errors")
        if h.item_type == "ConfigurationUpdate"
    ]
    assert kinds == ["Create", "Update", "Delete"]


def test_low_sample_percentile_ignore_keeps_state() -> None:
    alarms = Alarms()
    base = dict(statistic=None, extended_statistic="p99", threshold=0.5)
    alarms.put(config(alarm_name="ign", evaluate_low_sample_count_percentile="ignore", **base), 0)
    alarms.put(config(alarm_name="eva", evaluate_low_sample_count_percentile="evaluate", **base), 0)
    store = MetricStore()
    store.put("App", "Errors", {}, 0, values=[1.0], counts=[10])  # p99 needs 1000 samples
    changed = {c.alarm_name for c in alarms.evaluate(store, 60)}
    assert changed == {"eva"}


# ---------------------------------------------------------------------- properties
slot = st.sampled_from([None, 0.0, 1.0])


@st.composite
def ranges(draw: st.DrawFn) -> tuple[list[float | None], int, int]:
    n = draw(st.integers(1, 6))
    m = draw(st.integers(1, n))
    values = draw(st.lists(slot, min_size=n + 2, max_size=n + 2))
    return values, n, m


@given(ranges(), st.sampled_from(TREATMENTS), st.data())
def test_one_more_breaching_datapoint_never_clears_an_alarm(
    r: tuple[list[float | None], int, int], treat: str, data: st.DataObject
) -> None:
    values, n, m = r
    goods = [i for i, v in enumerate(values) if v == 0.0]
    if run(values, n, m, treat) is not AlarmState.ALARM or not goods:
        return
    worse = list(values)
    worse[data.draw(st.sampled_from(goods))] = 1.0
    assert run(worse, n, m, treat) is AlarmState.ALARM


@given(ranges(), st.sampled_from(TREATMENTS))
def test_fewer_datapoints_to_alarm_never_clears_an_alarm(
    r: tuple[list[float | None], int, int], treat: str
) -> None:
    values, n, m = r
    if m > 1 and run(values, n, m, treat) is AlarmState.ALARM:
        assert run(values, n, m - 1, treat) is AlarmState.ALARM


@given(ranges())
def test_breaching_fill_alarms_whenever_not_breaching_fill_does(
    r: tuple[list[float | None], int, int],
) -> None:
    values, n, m = r
    if run(values, n, m, "notBreaching") is AlarmState.ALARM:
        assert run(values, n, m, "breaching") is AlarmState.ALARM
    if run(values, n, m, "breaching") is AlarmState.OK:
        assert run(values, n, m, "notBreaching") is AlarmState.OK


@given(ranges(), st.sampled_from(TREATMENTS))
def test_m_breaching_datapoints_in_the_last_n_periods_always_alarm(
    r: tuple[list[float | None], int, int], treat: str
) -> None:
    values, n, m = r
    if sum(1 for v in values[-n:] if v == 1.0) >= m:
        assert run(values, n, m, treat) is AlarmState.ALARM


@given(st.integers(1, 6), st.integers(0, 6), st.sampled_from(TREATMENTS))
def test_an_empty_range(n: int, extra: int, treat: str) -> None:
    got = run([None] * (n + extra), n, n, treat)
    expected = {
        "missing": AlarmState.INSUFFICIENT_DATA,
        "ignore": None,
        "breaching": AlarmState.ALARM,
        "notBreaching": AlarmState.OK,
    }
    assert got is expected[treat]


@given(ranges(), st.sampled_from(TREATMENTS))
def test_with_n_real_datapoints_treatment_does_not_matter(
    r: tuple[list[float | None], int, int], treat: str
) -> None:
    values, n, m = r
    if sum(v is not None for v in values) >= n:
        assert run(values, n, m, treat) is run(values, n, m, TreatMissingData.MISSING)
        assert run(values, n, m, treat) is not AlarmState.INSUFFICIENT_DATA


@given(ranges())
def test_insufficient_data_only_under_missing(r: tuple[list[float | None], int, int]) -> None:
    values, n, m = r
    for treat in ("ignore", "breaching", "notBreaching"):
        assert run(values, n, m, treat) is not AlarmState.INSUFFICIENT_DATA


def test_dynamodb_alarms_always_ignore_missing_data() -> None:
    alarms = Alarms()
    alarms.put(config(namespace="AWS/DynamoDB", treat_missing_data="breaching"), 0)
    alarms.put(config(alarm_name="app", treat_missing_data="breaching"), 0)
    changed = {c.alarm_name for c in alarms.evaluate(MetricStore(), 60)}
    assert changed == {"app"}  # the DynamoDB alarm keeps INSUFFICIENT_DATA
