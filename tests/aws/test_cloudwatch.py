"""boto3 cloudwatch against SimulatedAWS: alarms evaluated in simulated time, metrics read
back from the live store, AWS's error codes; every response checked against botocore's
output shapes (tests/aws/conftest.py)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from simulator.aws import SimulatedAWS
from simulator.cloudwatch.alarms import AlarmState

DIMS = [{"Name": "TargetGroup", "Value": "targetgroup/green/0123456789abcdef"}]
NS = "App"


@pytest.fixture
def aws() -> SimulatedAWS:
    return SimulatedAWS(seed=3, validate_responses=True)


@pytest.fixture
def cw(aws: SimulatedAWS) -> Any:
    return aws.client("cloudwatch")


def code_of(info: pytest.ExceptionInfo[ClientError]) -> str:
    return info.value.response["Error"]["Code"]


def put_alarm(cw: Any, name: str = "green-requests", **kw: Any) -> None:
    params: dict[str, Any] = dict(
        AlarmName=name,
        Namespace=NS,
        MetricName="RequestCount",
        Dimensions=DIMS,
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=50.0,
        ComparisonOperator="GreaterThanThreshold",
    )
    params.update(kw)
    cw.put_metric_alarm(**params)


def put_requests(cw: Any, value: float, **kw: Any) -> None:
    cw.put_metric_data(
        Namespace=NS,
        MetricData=[{"MetricName": "RequestCount", "Dimensions": DIMS, "Value": value, **kw}],
    )


def state(cw: Any, name: str = "green-requests") -> str:
    return cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["StateValue"]


def transitions(cw: Any, aws: SimulatedAWS, name: str) -> list[tuple[float, str]]:
    items = cw.describe_alarm_history(
        AlarmName=name, HistoryItemType="StateUpdate", ScanBy="TimestampAscending"
    )["AlarmHistoryItems"]
    out = []
    for item in items:
        data = json.loads(item["HistoryData"])
        seconds = (item["Timestamp"] - aws.start_time).total_seconds()
        out.append((seconds, data["newState"]["stateValue"]))
    return out


@pytest.mark.parametrize(
    ("treat", "after_stop"),
    [
        ("notBreaching", [(480.0, "OK")]),
        ("missing", [(480.0, "INSUFFICIENT_DATA")]),
        ("ignore", []),
    ],
)
def test_alarm_goes_to_alarm_and_leaves_it_as_treat_missing_data_says(
    aws: SimulatedAWS, cw: Any, treat: str, after_stop: list[tuple[float, str]]
) -> None:
    put_alarm(cw, TreatMissingData=treat)
    cw.get_waiter("alarm_exists").wait(AlarmNames=["green-requests"])
    assert state(cw) == "INSUFFICIENT_DATA"
    for _ in range(5):  # minutes 0-4: 120 requests a minute
        put_requests(cw, 120.0)
        aws.advance("1m")
    assert state(cw) == "ALARM"
    aws.advance("10m")  # no data from minute 5 on
    # The last datapoint (minute 4) stays in the 3-period evaluation range until t = 480.
    assert transitions(cw, aws, "green-requests") == [(60.0, "ALARM"), *after_stop]
    final = {"notBreaching": "OK", "missing": "INSUFFICIENT_DATA", "ignore": "ALARM"}[treat]
    assert state(cw) == final
    alarm = cw.describe_alarms(AlarmNames=["green-requests"])["MetricAlarms"][0]
    assert alarm["TreatMissingData"] == treat
    if treat == "notBreaching":
        assert alarm["StateReason"] == (
            "Threshold Crossed: no datapoints were received for 1 period and 1 missing "
            "datapoint was treated as [NonBreaching]."
        )


def test_alarm_reason_names_the_breaching_datapoint(aws: SimulatedAWS, cw: Any) -> None:
    put_alarm(cw)
    put_requests(cw, 120.0)
    aws.advance("1m")
    # advance() runs the events strictly before the new now (simpy's run(until)); the
    # evaluation due at exactly t = 60 runs as soon as time moves on.
    assert state(cw) == "INSUFFICIENT_DATA"
    aws.advance("1s")
    alarm = cw.describe_alarms()["MetricAlarms"][0]
    assert alarm["StateReason"] == (
        "Threshold Crossed: 1 out of the last 1 datapoints [120.0 (01/01/24 00:00:00)] was "
        "greater than the threshold (50.0) (minimum 1 datapoint for OK -> ALARM transition)."
    )
    data = json.loads(alarm["StateReasonData"])
    assert data["recentDatapoints"] == [120.0]
    assert alarm["StateTransitionedTimestamp"] == aws.timestamp(60)


def test_alarms_seen_from_the_simulation(aws: SimulatedAWS, cw: Any) -> None:
    seen = []
    aws.alarms.subscribe(seen.append)
    put_alarm(cw)
    handle = aws.cloudwatch_store.series(NS, "RequestCount", {d["Name"]: d["Value"] for d in DIMS})
    handle.put(aws.now, value=500.0)  # a publisher writing straight into the store
    aws.advance("61s")
    assert [(c.new_state, c.timestamp) for c in seen] == [(AlarmState.ALARM, 60.0)]
    stats = cw.get_metric_statistics(
        Namespace=NS,
        MetricName="RequestCount",
        Dimensions=DIMS,
        StartTime=aws.start_time,
        EndTime=aws.timestamp(),
        Period=60,
        Statistics=["Sum"],
    )
    assert [d["Sum"] for d in stats["Datapoints"]] == [500.0]


def test_set_alarm_state_lasts_until_next_evaluation(aws: SimulatedAWS, cw: Any) -> None:
    put_alarm(cw, TreatMissingData="notBreaching")
    aws.advance("61s")
    assert state(cw) == "OK"
    aws.advance("9s")
    cw.set_alarm_state(AlarmName="green-requests", StateValue="ALARM", StateReason="drill")
    assert state(cw) == "ALARM"
    aws.advance("49s")
    assert state(cw) == "ALARM"  # t = 119: the next evaluation is at t = 120
    aws.advance("2s")
    assert state(cw) == "OK"
    assert transitions(cw, aws, "green-requests") == [(60.0, "OK"), (70.0, "ALARM"), (120.0, "OK")]
    with pytest.raises(ClientError) as info:
        cw.set_alarm_state(AlarmName="nope", StateValue="OK", StateReason="x")
    assert code_of(info) == "ResourceNotFound"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(ClientError) as info:
        cw.set_alarm_state(
            AlarmName="green-requests", StateValue="OK", StateReason="x", StateReasonData="{"
        )
    assert code_of(info) == "InvalidFormat"


def test_describe_alarms_filters_and_pages(aws: SimulatedAWS, cw: Any) -> None:
    for i in range(7):
        put_alarm(
            cw,
            name=f"a-{i}",
            Threshold=-1.0 if i % 2 else 1e9,
            TreatMissingData="breaching" if i % 2 else "notBreaching",
        )
    put_alarm(cw, name="b-0")
    aws.advance("61s")
    assert len(cw.describe_alarms()["MetricAlarms"]) == 8
    assert [a["AlarmName"] for a in cw.describe_alarms(AlarmNamePrefix="a-")["MetricAlarms"]] == [
        f"a-{i}" for i in range(7)
    ]
    in_alarm = cw.describe_alarms(StateValue="ALARM")["MetricAlarms"]
    assert [a["AlarmName"] for a in in_alarm] == ["a-1", "a-3", "a-5"]
    pages = cw.get_paginator("describe_alarms").paginate(PaginationConfig={"PageSize": 3})
    names = [a["AlarmName"] for page in pages for a in page["MetricAlarms"]]
    assert names == sorted(names) and len(names) == 8
    assert cw.describe_alarms(AlarmTypes=["CompositeAlarm"])["MetricAlarms"] == []
    with pytest.raises(ClientError) as info:
        cw.describe_alarms(AlarmNames=["a-1"], AlarmNamePrefix="a")
    assert code_of(info) == "InvalidParameterCombination"
    with pytest.raises(ClientError) as info:
        cw.describe_alarms(NextToken="garbage")
    assert code_of(info) == "InvalidNextToken"


def test_describe_alarm_history_dates_types_and_order(aws: SimulatedAWS, cw: Any) -> None:
    put_alarm(cw, AlarmActions=["arn:aws:sns:us-east-1:123456789012:ops"])
    put_requests(cw, 120.0)
    aws.advance("2m")  # evaluated at t = 60 (ALARM) and t = 120 (still ALARM, no item)
    items = cw.describe_alarm_history(AlarmName="green-requests")["AlarmHistoryItems"]
    assert [i["HistoryItemType"] for i in items] == ["Action", "StateUpdate", "ConfigurationUpdate"]
    assert (
        items[0]["HistorySummary"]
        == "Successfully executed action arn:aws:sns:us-east-1:123456789012:ops"
    )
    assert items[1]["HistorySummary"] == "Alarm updated from INSUFFICIENT_DATA to ALARM"
    assert items[2]["HistorySummary"] == 'Alarm "green-requests" created'
    later = cw.describe_alarm_history(StartDate=aws.timestamp(30), EndDate=aws.timestamp(90))
    assert {i["Timestamp"] for i in later["AlarmHistoryItems"]} == {aws.timestamp(60)}
    one = cw.describe_alarm_history(MaxRecords=1)
    assert len(one["AlarmHistoryItems"]) == 1 and "NextToken" in one


def test_delete_alarms(aws: SimulatedAWS, cw: Any) -> None:
    put_alarm(cw, name="x")
    put_alarm(cw, name="y")
    with pytest.raises(ClientError) as info:
        cw.delete_alarms(AlarmNames=["x", "missing"])
    assert code_of(info) == "ResourceNotFound"
    assert len(cw.describe_alarms()["MetricAlarms"]) == 2  # nothing deleted
    cw.delete_alarms(AlarmNames=["x", "y"])
    assert cw.describe_alarms()["MetricAlarms"] == []
    aws.advance("5m")
    assert not aws.alarm_evaluator.running


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"Period": 45}, "ValidationError"),
        ({"ComparisonOperator": "GreaterThanUpperThreshold"}, "ValidationError"),
        ({"DatapointsToAlarm": 3}, "ValidationError"),
        ({"ExtendedStatistic": "p99"}, "ValidationError"),
        ({"TreatMissingData": "zero"}, "ValidationError"),
        ({"Metrics": [{"Id": "m1", "Expression": "1"}]}, "UnsupportedOperation"),
    ],
)
def test_put_metric_alarm_refusals(cw: Any, kw: dict[str, Any], code: str) -> None:
    with pytest.raises(ClientError) as info:
        put_alarm(cw, **kw)
    assert code_of(info) == code


def test_metric_statistics_periods_and_percentiles(aws: SimulatedAWS, cw: Any) -> None:
    for second in range(0, 120):
        cw.put_metric_data(
            Namespace=NS,
            MetricData=[
                {
                    "MetricName": "Latency",
                    "Timestamp": aws.timestamp(second),
                    "Values": [0.01, 0.5],
                    "Counts": [99, 1],
                    "StorageResolution": 1,
                    "Unit": "Seconds",
                }
            ],
        )
    aws.advance("2m")
    out = cw.get_metric_statistics(
        Namespace=NS,
        MetricName="Latency",
        StartTime=aws.timestamp(0),
        EndTime=aws.timestamp(120),
        Period=30,
        Statistics=["SampleCount", "Maximum"],
        ExtendedStatistics=["p99", "p99.9"],
    )
    points = out["Datapoints"]
    assert out["Label"] == "Latency"
    assert [p["Timestamp"] for p in points] == [aws.timestamp(s) for s in (0, 30, 60, 90)]
    assert points[0]["SampleCount"] == 3000 and points[0]["Maximum"] == 0.5
    assert points[0]["ExtendedStatistics"] == {"p99": 0.01, "p99.9": 0.5}
    assert points[0]["Unit"] == "Seconds"
    with pytest.raises(ClientError) as info:
        cw.get_metric_statistics(
            Namespace=NS,
            MetricName="Latency",
            StartTime=aws.timestamp(0),
            EndTime=aws.timestamp(120),
            Period=7,
            Statistics=["Sum"],
        )
    assert code_of(info) == "InvalidParameterValue"
    assert info.value.response["Error"]["QueryErrorCode"] == "InvalidParameterValueException"
    with pytest.raises(ClientError) as info:
        cw.get_metric_statistics(
            Namespace=NS,
            MetricName="Latency",
            StartTime=aws.timestamp(0),
            EndTime=aws.timestamp(86_400 * 2),
            Period=60,
            Statistics=["Sum"],
        )
    assert code_of(info) == "InvalidParameterCombination"


def test_standard_resolution_refuses_sub_minute_periods(aws: SimulatedAWS, cw: Any) -> None:
    put_requests(cw, 1.0)
    with pytest.raises(ClientError) as info:
        cw.get_metric_statistics(
            Namespace=NS,
            MetricName="RequestCount",
            Dimensions=DIMS,
            StartTime=aws.timestamp(0),
            EndTime=aws.timestamp(60),
            Period=10,
            Statistics=["Sum"],
        )
    assert code_of(info) == "InvalidParameterValue"


def test_old_data_is_read_with_the_periods_cloudwatch_keeps(aws: SimulatedAWS, cw: Any) -> None:
    """20 days on, 1-minute data is answered only in multiples of 5 minutes, by both
    GetMetricStatistics and GetMetricData (CloudWatch's retention)."""
    put_requests(cw, 7.0)
    aws.advance("20d")
    query = dict(
        Namespace=NS,
        MetricName="RequestCount",
        Dimensions=DIMS,
        StartTime=aws.timestamp(0),
        EndTime=aws.timestamp(600),
        Statistics=["Sum"],
    )
    assert cw.get_metric_statistics(Period=60, **query)["Datapoints"] == []
    (point,) = cw.get_metric_statistics(Period=300, **query)["Datapoints"]
    assert point["Sum"] == 7.0

    def data(period: int) -> list[float]:
        stat = {"Metric": {k: query[k] for k in ("Namespace", "MetricName", "Dimensions")}}
        q = {"Id": "r", "MetricStat": {**stat, "Period": period, "Stat": "Sum"}}
        out = cw.get_metric_data(
            MetricDataQueries=[q], StartTime=query["StartTime"], EndTime=query["EndTime"]
        )
        return out["MetricDataResults"][0]["Values"]

    assert data(60) == []
    assert data(300) == [7.0]


def test_get_metric_data(aws: SimulatedAWS, cw: Any) -> None:
    for minute in range(6):
        put_requests(cw, float(minute))
        aws.advance("1m")
    query = {
        "Id": "green",
        "MetricStat": {
            "Metric": {"Namespace": NS, "MetricName": "RequestCount", "Dimensions": DIMS},
            "Period": 120,
            "Stat": "Sum",
        },
    }
    out = cw.get_metric_data(
        MetricDataQueries=[query], StartTime=aws.timestamp(0), EndTime=aws.timestamp()
    )
    (r,) = out["MetricDataResults"]
    assert r["Id"] == "green" and r["StatusCode"] == "Complete" and r["Label"] == "RequestCount"
    assert r["Values"] == [9.0, 5.0, 1.0]  # newest first (TimestampDescending)
    assert r["Timestamps"] == [aws.timestamp(s) for s in (240, 120, 0)]
    asc = cw.get_metric_data(
        MetricDataQueries=[query],
        StartTime=aws.timestamp(0),
        EndTime=aws.timestamp(),
        ScanBy="TimestampAscending",
    )
    assert asc["MetricDataResults"][0]["Values"] == [1.0, 5.0, 9.0]
    hidden = cw.get_metric_data(
        MetricDataQueries=[{**query, "ReturnData": False}],
        StartTime=aws.timestamp(0),
        EndTime=aws.timestamp(),
    )
    assert hidden["MetricDataResults"] == []
    with pytest.raises(ClientError) as info:
        cw.get_metric_data(
            MetricDataQueries=[{**query, "Id": "Green"}],
            StartTime=aws.timestamp(0),
            EndTime=aws.timestamp(),
        )
    assert code_of(info) == "ValidationError"


def test_get_metric_data_arithmetic_expressions(aws: SimulatedAWS, cw: Any) -> None:
    def metric(name: str) -> dict[str, Any]:
        return {"Metric": {"Namespace": NS, "MetricName": name}, "Period": 60, "Stat": "Sum"}

    for minute in range(4):
        data = [{"MetricName": "Requests", "Value": 100.0}]
        if minute != 1:  # no 5xx datapoint in minute 1
            data.append({"MetricName": "Errors", "Value": float(minute)})
        cw.put_metric_data(Namespace=NS, MetricData=data)
        aws.advance("1m")
    queries = [
        {"Id": "errors", "MetricStat": metric("Errors"), "ReturnData": False},
        {"Id": "requests", "MetricStat": metric("Requests"), "ReturnData": False},
        {"Id": "rate", "Expression": "100 * errors / requests", "Label": "5xx %"},
        {"Id": "ok", "Expression": "requests - errors"},
    ]
    out = cw.get_metric_data(
        MetricDataQueries=queries,
        StartTime=aws.timestamp(0),
        EndTime=aws.timestamp(),
        ScanBy="TimestampAscending",
    )
    rate, ok = out["MetricDataResults"]
    assert (rate["Id"], rate["Label"], ok["Label"]) == ("rate", "5xx %", "ok")
    # Series are matched by timestamp: minute 1 has no Errors datapoint, so no result.
    assert rate["Timestamps"] == [aws.timestamp(s) for s in (0, 120, 180)]
    assert rate["Values"] == [0.0, 2.0, 3.0]
    assert ok["Values"] == [100.0, 98.0, 97.0]
    for bad, code in [
        ("SUM(METRICS())", "UnsupportedOperation"),
        ("errors / nothing", "ValidationError"),
        ("errors +", "ValidationError"),
        ("42", "UnsupportedOperation"),
    ]:
        with pytest.raises(ClientError) as info:
            cw.get_metric_data(
                MetricDataQueries=[*queries[:2], {"Id": "x", "Expression": bad}],
                StartTime=aws.timestamp(0),
                EndTime=aws.timestamp(),
            )
        assert code_of(info) == code, bad
    with pytest.raises(ClientError) as info:
        cw.get_metric_data(
            MetricDataQueries=[
                {"Id": "a", "Expression": "b * 2"},
                {"Id": "b", "Expression": "a + 1"},
            ],
            StartTime=aws.timestamp(0),
            EndTime=aws.timestamp(),
        )
    assert code_of(info) == "ValidationError"


def test_put_metric_data_rules(aws: SimulatedAWS, cw: Any) -> None:
    with pytest.raises(ClientError) as info:
        cw.put_metric_data(
            Namespace="AWS/ApplicationELB", MetricData=[{"MetricName": "X", "Value": 1}]
        )
    assert code_of(info) == "InvalidParameterValue"
    with pytest.raises(ClientError) as info:
        cw.put_metric_data(
            Namespace=NS, MetricData=[{"MetricName": "X", "Value": 1, "Values": [1.0]}]
        )
    assert code_of(info) == "InvalidParameterCombination"
    with pytest.raises(ClientError) as info:
        cw.put_metric_data(Namespace=NS, MetricData=[{"MetricName": "X"}])
    assert code_of(info) == "MissingParameter"
    with pytest.raises(ClientError) as info:
        cw.put_metric_data(
            Namespace=NS,
            MetricData=[{"MetricName": "X", "Value": 1, "Timestamp": aws.timestamp(3 * 3600)}],
        )
    assert code_of(info) == "InvalidParameterValue"
    with pytest.raises(ClientError) as info:
        cw.put_metric_data(
            Namespace=NS, MetricData=[{"MetricName": "X", "Values": [1.0, float("nan")]}]
        )
    assert code_of(info) == "InvalidParameterValue"
    # A refused call stores nothing, not even its valid data.
    with pytest.raises(ClientError):
        cw.put_metric_data(
            Namespace=NS,
            MetricData=[
                {"MetricName": "Good", "Value": 1},
                {"MetricName": "Bad", "Values": [1.0], "Counts": [1.0, 2.0]},
            ],
        )
    assert cw.list_metrics(Namespace=NS)["Metrics"] == []


def test_list_metrics(aws: SimulatedAWS, cw: Any) -> None:
    put_requests(cw, 1.0)
    cw.put_metric_data(
        Namespace="Other",
        MetricData=[{"MetricName": "Y", "Value": 1, "Dimensions": [{"Name": "A", "Value": "1"}]}],
    )
    assert len(cw.list_metrics()["Metrics"]) == 2
    assert cw.list_metrics(Namespace=NS)["Metrics"] == [
        {"Namespace": NS, "MetricName": "RequestCount", "Dimensions": DIMS}
    ]
    assert len(cw.list_metrics(Dimensions=[{"Name": "A"}])["Metrics"]) == 1
    assert cw.list_metrics(Dimensions=[{"Name": "A", "Value": "2"}])["Metrics"] == []
    aws.advance("4h")
    assert cw.list_metrics(RecentlyActive="PT3H")["Metrics"] == []


def test_waiter_advances_simulated_time(aws: SimulatedAWS, cw: Any) -> None:
    aws.world.at(
        12,
        lambda: aws.alarms.put(
            aws.alarms.get("seed").config.__class__(
                "late", NS, "RequestCount", 60, 1, 1.0, "GreaterThanThreshold", statistic="Sum"
            ),
            aws.now,
        ),
    )
    put_alarm(cw, name="seed")
    cw.get_waiter("alarm_exists").wait(AlarmNames=["late"])
    assert aws.now == 15.0  # three 5-s delays: found on the attempt after t = 12


def test_timestamps_accept_datetimes_strings_and_numbers(aws: SimulatedAWS, cw: Any) -> None:
    base = aws.start_time
    put_requests(cw, 1.0, Timestamp=base)
    put_requests(cw, 2.0, Timestamp=(base + dt.timedelta(minutes=1)).isoformat())
    put_requests(cw, 4.0, Timestamp=(base + dt.timedelta(minutes=2)).timestamp())
    aws.advance("3m")
    out = cw.get_metric_statistics(
        Namespace=NS,
        MetricName="RequestCount",
        Dimensions=DIMS,
        StartTime=base,
        EndTime=aws.timestamp(),
        Period=60,
        Statistics=["Sum"],
    )
    assert [d["Sum"] for d in out["Datapoints"]] == [1.0, 2.0, 4.0]
