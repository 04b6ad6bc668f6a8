"""The same boto3 CloudWatch calls against ecsim and moto's mock_aws.

Where moto implements a behaviour, both agree. Where moto departs from AWS's documentation,
ecsim follows the documentation and the test pins moto's answer, so that if moto changes,
the list in docs/cloudwatch.md gets updated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from simulator.aws import SimulatedAWS

MOTO_CHANGED = "moto now behaves like AWS here: update the deviation list in docs/cloudwatch.md"
T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
ALARM = dict(
    AlarmName="errors",
    Namespace="App",
    MetricName="Errors",
    Dimensions=[{"Name": "Service", "Value": "web"}],
    Statistic="Sum",
    Period=60,
    EvaluationPeriods=2,
    DatapointsToAlarm=1,
    Threshold=5.0,
    ComparisonOperator="GreaterThanThreshold",
    AlarmActions=["arn:aws:sns:us-east-1:123456789012:ops"],
)


@pytest.fixture
def moto_cloudwatch(moto_env: None, moto_session: Any) -> Iterator[Any]:
    from moto import mock_aws

    with mock_aws():
        yield moto_session.client("cloudwatch", region_name="us-east-1")


@pytest.fixture
def aws() -> SimulatedAWS:
    return SimulatedAWS(seed=1, validate_responses=True, start_time=T0)


@pytest.fixture
def clients(aws: SimulatedAWS, moto_cloudwatch: Any) -> dict[str, Any]:
    return {"ecsim": aws.client("cloudwatch"), "moto": moto_cloudwatch}


def each(clients: dict[str, Any], fn: Callable[[Any], Any]) -> dict[str, Any]:
    return {name: fn(client) for name, client in clients.items()}


def agree(clients: dict[str, Any], fn: Callable[[Any], Any]) -> Any:
    results = each(clients, fn)
    assert results["ecsim"] == results["moto"], results
    return results["ecsim"]


def error_code(fn: Callable[[], Any]) -> str | None:
    try:
        fn()
    except ClientError as e:
        return str(e.response["Error"]["Code"])
    return None


CONFIG_KEYS = (
    "AlarmName",
    "AlarmArn",
    "Namespace",
    "MetricName",
    "Dimensions",
    "Statistic",
    "Period",
    "EvaluationPeriods",
    "DatapointsToAlarm",
    "Threshold",
    "ComparisonOperator",
    "ActionsEnabled",
    "AlarmActions",
    "OKActions",
    "InsufficientDataActions",
)


def test_put_and_describe_alarm_configuration(clients: dict[str, Any]) -> None:
    each(clients, lambda c: c.put_metric_alarm(**ALARM))

    def config(c: Any) -> dict[str, Any]:
        (alarm,) = c.describe_alarms(AlarmNames=["errors"])["MetricAlarms"]
        return {k: alarm.get(k) for k in CONFIG_KEYS}

    agree(clients, config)
    agree(
        clients,
        lambda c: [
            a["AlarmName"] for a in c.describe_alarms(AlarmNamePrefix="err")["MetricAlarms"]
        ],
    )
    agree(clients, lambda c: c.describe_alarms(AlarmNames=["other"])["MetricAlarms"])


def test_update_keeps_one_alarm(clients: dict[str, Any]) -> None:
    each(clients, lambda c: c.put_metric_alarm(**ALARM))
    each(clients, lambda c: c.put_metric_alarm(**{**ALARM, "Threshold": 9.0}))
    agree(
        clients,
        lambda c: [(a["AlarmName"], a["Threshold"]) for a in c.describe_alarms()["MetricAlarms"]],
    )


def test_new_alarm_state_departs_in_moto(clients: dict[str, Any]) -> None:
    # AWS: "When this operation creates an alarm, the alarm state is immediately set to
    # INSUFFICIENT_DATA" (PutMetricAlarm reference). moto starts alarms in OK.
    each(clients, lambda c: c.put_metric_alarm(**ALARM))
    states = each(clients, lambda c: c.describe_alarms()["MetricAlarms"][0]["StateValue"])
    assert states["ecsim"] == "INSUFFICIENT_DATA"
    assert states["moto"] == "OK", MOTO_CHANGED


def test_moto_alarms_never_evaluate(aws: SimulatedAWS, clients: dict[str, Any]) -> None:
    each(clients, lambda c: c.put_metric_alarm(**ALARM))
    datum = {
        "MetricName": "Errors",
        "Dimensions": ALARM["Dimensions"],
        "Value": 100.0,
        "Timestamp": T0,
    }
    each(clients, lambda c: c.put_metric_data(Namespace="App", MetricData=[datum]))
    aws.advance("61s")  # ecsim evaluates in simulated time; moto has no clock that would
    states = each(clients, lambda c: c.describe_alarms()["MetricAlarms"][0]["StateValue"])
    assert states["ecsim"] == "ALARM"
    assert states["moto"] == "OK", MOTO_CHANGED


def test_set_alarm_state(clients: dict[str, Any]) -> None:
    each(clients, lambda c: c.put_metric_alarm(**ALARM))
    each(
        clients,
        lambda c: c.set_alarm_state(AlarmName="errors", StateValue="ALARM", StateReason="drill"),
    )
    agree(
        clients,
        lambda c: [
            (a["StateValue"], a["StateReason"])
            for a in c.describe_alarms(StateValue="ALARM")["MetricAlarms"]
        ],
    )
    agree(
        clients,
        lambda c: error_code(
            lambda: c.set_alarm_state(AlarmName="nope", StateValue="OK", StateReason="x")
        ),
    )


def test_delete_alarms(clients: dict[str, Any]) -> None:
    each(clients, lambda c: c.put_metric_alarm(**ALARM))
    # AWS: "If you specify any alarm that does not exist, no alarms are deleted" and
    # DeleteAlarms answers ResourceNotFound; moto deletes what it finds and succeeds.
    codes = each(
        clients, lambda c: error_code(lambda: c.delete_alarms(AlarmNames=["errors", "nope"]))
    )
    assert codes["ecsim"] == "ResourceNotFound"
    assert codes["moto"] is None, MOTO_CHANGED
    each(clients, lambda c: c.put_metric_alarm(**ALARM))
    each(clients, lambda c: c.delete_alarms(AlarmNames=["errors"]))
    agree(clients, lambda c: c.describe_alarms()["MetricAlarms"])


def test_describe_alarm_history_not_in_moto(clients: dict[str, Any]) -> None:
    each(clients, lambda c: c.put_metric_alarm(**ALARM))
    items = clients["ecsim"].describe_alarm_history(AlarmName="errors")["AlarmHistoryItems"]
    assert [i["HistoryItemType"] for i in items] == ["ConfigurationUpdate"]
    with pytest.raises(NotImplementedError):
        clients["moto"].describe_alarm_history(AlarmName="errors")


def put_series(c: Any) -> None:
    for i in range(5):
        c.put_metric_data(
            Namespace="App",
            MetricData=[
                {
                    "MetricName": "Latency",
                    "Value": float(i),
                    "Timestamp": T0 + dt.timedelta(seconds=30 * i),
                }
            ],
        )


def test_metric_statistics_and_data(clients: dict[str, Any]) -> None:
    each(clients, put_series)
    agree(
        clients,
        lambda c: [
            (d["Timestamp"], d["Sum"], d["SampleCount"], d["Maximum"])
            for d in c.get_metric_statistics(
                Namespace="App",
                MetricName="Latency",
                StartTime=T0,
                EndTime=T0 + dt.timedelta(minutes=5),
                Period=60,
                Statistics=["Sum", "SampleCount", "Maximum"],
            )["Datapoints"]
        ],
    )
    query = [
        {
            "Id": "m1",
            "MetricStat": {
                "Metric": {"Namespace": "App", "MetricName": "Latency"},
                "Period": 60,
                "Stat": "Sum",
            },
        }
    ]

    def data(c: Any) -> Any:
        (r,) = c.get_metric_data(
            MetricDataQueries=query, StartTime=T0, EndTime=T0 + dt.timedelta(minutes=5)
        )["MetricDataResults"]
        return r["Id"], r["Timestamps"], r["Values"], r["StatusCode"]

    agree(clients, data)
    labels = each(
        clients,
        lambda c: c.get_metric_data(
            MetricDataQueries=query, StartTime=T0, EndTime=T0 + dt.timedelta(minutes=5)
        )["MetricDataResults"][0]["Label"],
    )
    # Undocumented default label: ecsim answers the metric name, moto "name stat".
    assert labels == {"ecsim": "Latency", "moto": "Latency Sum"}, MOTO_CHANGED


def test_list_metrics(clients: dict[str, Any]) -> None:
    each(clients, put_series)
    each(
        clients,
        lambda c: c.put_metric_data(
            Namespace="Other",
            MetricData=[
                {
                    "MetricName": "Y",
                    "Value": 1.0,
                    "Timestamp": T0,
                    "Dimensions": [{"Name": "A", "Value": "1"}],
                }
            ],
        ),
    )
    listed = each(clients, lambda c: sorted(c.list_metrics()["Metrics"], key=str))
    # Both hold the same metrics; AWS lists each metric once, moto once per datapoint.
    unique = {k: [m for i, m in enumerate(v) if m not in v[:i]] for k, v in listed.items()}
    assert unique["ecsim"] == unique["moto"] == listed["ecsim"]
    assert len(listed["moto"]) == 6, MOTO_CHANGED
    agree(clients, lambda c: c.list_metrics(Namespace="Other")["Metrics"])


def test_put_metric_data_value_and_values_exclusive(clients: dict[str, Any]) -> None:
    codes = each(
        clients,
        lambda c: error_code(
            lambda: c.put_metric_data(
                Namespace="App", MetricData=[{"MetricName": "X", "Value": 1.0, "Values": [1.0]}]
            )
        ),
    )
    # PutMetricData documents InvalidParameterCombination; moto answers InvalidParameterValue.
    assert codes["ecsim"] == "InvalidParameterCombination"
    assert codes["moto"] == "InvalidParameterValue", MOTO_CHANGED


def test_validation_moto_skips(clients: dict[str, Any]) -> None:
    # Period 45 (PutMetricAlarm: 10, 20, 30 or a multiple of 60), the reserved AWS/
    # namespace and GetMetricStatistics Period 7: AWS refuses, moto accepts.
    checks = {
        "alarm period": lambda c: c.put_metric_alarm(**{**ALARM, "Period": 45}),
        "AWS/ namespace": lambda c: c.put_metric_data(
            Namespace="AWS/X", MetricData=[{"MetricName": "M", "Value": 1.0}]
        ),
        "statistics period": lambda c: c.get_metric_statistics(
            Namespace="App",
            MetricName="M",
            StartTime=T0,
            EndTime=T0 + dt.timedelta(minutes=5),
            Period=7,
            Statistics=["Sum"],
        ),
    }
    for what, call in checks.items():
        codes = each(clients, lambda c, call=call: error_code(lambda: call(c)))
        assert codes["ecsim"] in ("ValidationError", "InvalidParameterValue"), what
        assert codes["moto"] is None, (what, MOTO_CHANGED)
