"""The CloudWatch API answered by the account's metric store and alarms.

``aws.client("cloudwatch")`` reads and writes the same ``MetricStore`` the simulation's
publishers write into (``aws.cloudwatch_store``) and the same ``Alarms`` the evaluator
runs in simulated time (``aws.alarms``). botocore 1.44 speaks smithy-rpc-v2-cbor to
CloudWatch (the model is ``awsQueryCompatible``): errors carry the query-protocol code
(``InvalidParameterValue``, ``ResourceNotFound``...) as a real client sees it, through the
``x-amzn-query-error`` header, with ``QueryErrorCode`` the modelled shape's name.

Each operation declares the params it simulates and those it accepts without effect; any
other param is refused with UnsupportedOperation naming it (metric math alarms, metric
math expressions, linked accounts, entity metric data...).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from botocore.model import OperationModel
from botocore.utils import parse_to_aware_datetime

from simulator.aws import errors
from simulator.aws.operations import Operation, find
from simulator.aws.operations import op as _op
from simulator.cloudwatch import expressions
from simulator.cloudwatch import store as st
from simulator.cloudwatch.alarms import (
    RESOURCE_NOT_FOUND,
    VALIDATION_ERROR,
    AlarmConfig,
    AlarmState,
    MetricAlarm,
)
from simulator.core.errors import AWSError

if TYPE_CHECKING:
    from simulator.aws.account import SimulatedAWS

INVALID_NEXT_TOKEN = "InvalidNextToken"
INVALID_FORMAT = "InvalidFormat"
ERROR_CODES: frozenset[str] = frozenset(
    {
        st.INVALID_PARAMETER_VALUE,
        st.INVALID_PARAMETER_COMBINATION,
        st.MISSING_PARAMETER,
        VALIDATION_ERROR,
        RESOURCE_NOT_FOUND,
        INVALID_NEXT_TOKEN,
        INVALID_FORMAT,
        errors.UNSUPPORTED_OPERATION,
    }
)
"""Every code the simulated CloudWatch client answers with."""

MAX_DATAPOINTS_PER_STATISTICS = 1440
"""GetMetricStatistics: "The maximum number of data points returned from a single call is
1,440" (API reference)."""
QUERY_ID = re.compile(r"[a-z][a-zA-Z0-9_]*")
"""GetMetricData Id: "The first character must be a lowercase letter" (API reference)."""
FUTURE_LIMIT = 2 * 3600
PAST_LIMIT = 14 * 86_400
"""PutMetricData accepts timestamps up to two weeks in the past and two hours ahead."""


def _invalid(message: str) -> AWSError:
    return AWSError(st.INVALID_PARAMETER_VALUE, message)


def _dims(items: Sequence[Mapping[str, str]] | None) -> st.DimensionsKey:
    return st.dimensions_key([(d["Name"], d["Value"]) for d in items or ()])


def _dims_out(key: st.DimensionsKey) -> list[dict[str, str]]:
    return [{"Name": n, "Value": v} for n, v in key]


def _token(kind: str, offset: int) -> str:
    return base64.urlsafe_b64encode(f"ecsim-cw-{kind}:{offset}".encode()).decode()


def _offset(kind: str, token: str | None) -> int:
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
        prefix, _, number = text.partition(":")
        if prefix != f"ecsim-cw-{kind}" or not number.isdigit():
            raise ValueError(text)
        return int(number)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise AWSError(INVALID_NEXT_TOKEN, "The service cannot find the NextToken.") from None


def _max_records(p: Mapping[str, Any], default: int) -> int:
    n = p.get("MaxRecords", default)
    if not 1 <= n <= 100:
        raise _invalid(f"The parameter MaxRecords must be between 1 and 100, got {n}.")
    return int(n)


class CloudWatchService:
    """The CloudWatch API of one simulated account and Region."""

    name = "cloudwatch"

    def __init__(self, account: SimulatedAWS):
        self.account = account
        self.store: st.MetricStore = account.cloudwatch_store
        self.alarms = account.alarms
        self._given: dict[str, frozenset[str]] = {}
        """The PutMetricAlarm params each alarm was last put with (DescribeAlarms shows
        optional members, such as TreatMissingData, only when they were set)."""

    def handle(self, model: OperationModel, params: Mapping[str, Any]) -> dict[str, Any]:
        op = find(OPERATIONS, model, params, f"the CloudWatch operation {model.name}")
        return op.handler(self, dict(params))

    def error_details(self, model: OperationModel, error: AWSError) -> dict[str, str]:
        """What botocore's query-compatible parsing adds to ``Error``."""
        shape = model.service_model.shape_for_error_code(error.code)
        return {"QueryErrorCode": shape.name if shape is not None else error.code, "Type": "Sender"}

    # ------------------------------------------------------------------ time
    def seconds(self, value: Any, name: str) -> float:
        """A request timestamp (datetime, ISO string or epoch seconds) in simulated s."""
        try:
            at = parse_to_aware_datetime(value)
        except (ValueError, TypeError):
            raise _invalid(f"The parameter {name} is not a valid timestamp: {value!r}.") from None
        return (at - self.account.start_time).total_seconds()

    def wall(self, seconds: float) -> dt.datetime:
        return self.account.timestamp(seconds)

    # ------------------------------------------------------------------ alarms
    def put_metric_alarm(self, p: dict[str, Any]) -> dict[str, Any]:
        for required in ("MetricName", "Namespace", "Period", "EvaluationPeriods"):
            if required not in p:
                raise _validation_missing(required)
        for required in ("ComparisonOperator", "Threshold"):
            if required not in p:
                raise _validation_missing(required)
        config = AlarmConfig(
            alarm_name=p["AlarmName"],
            namespace=p["Namespace"],
            metric_name=p["MetricName"],
            period=p["Period"],
            evaluation_periods=p["EvaluationPeriods"],
            threshold=float(p["Threshold"]),
            comparison_operator=p["ComparisonOperator"],
            dimensions=_dims(p.get("Dimensions")),
            statistic=p.get("Statistic"),
            extended_statistic=p.get("ExtendedStatistic"),
            datapoints_to_alarm=p.get("DatapointsToAlarm"),
            treat_missing_data=p.get("TreatMissingData", "missing"),
            evaluate_low_sample_count_percentile=p.get("EvaluateLowSampleCountPercentile"),
            unit=p.get("Unit"),
            alarm_description=p.get("AlarmDescription"),
            actions_enabled=p.get("ActionsEnabled", True),
            alarm_actions=tuple(p.get("AlarmActions", ())),
            ok_actions=tuple(p.get("OKActions", ())),
            insufficient_data_actions=tuple(p.get("InsufficientDataActions", ())),
        )
        for key in ("AlarmActions", "OKActions", "InsufficientDataActions"):
            if len(p.get(key, ())) > 5:
                raise AWSError(VALIDATION_ERROR, f"{key} can hold at most 5 actions.")
        self.alarms.put(config, self.account.now)
        self._given[config.alarm_name] = frozenset(p)
        return {}

    def alarm_view(self, alarm: MetricAlarm) -> dict[str, Any]:
        c = alarm.config
        given = self._given.get(alarm.name, frozenset())
        out: dict[str, Any] = {
            "AlarmName": c.alarm_name,
            "AlarmArn": alarm.arn,
            "AlarmConfigurationUpdatedTimestamp": self.wall(alarm.configuration_updated_at),
            "ActionsEnabled": c.actions_enabled,
            "OKActions": list(c.ok_actions),
            "AlarmActions": list(c.alarm_actions),
            "InsufficientDataActions": list(c.insufficient_data_actions),
            "StateValue": alarm.state.value,
            "StateReason": alarm.state_reason,
            "StateUpdatedTimestamp": self.wall(alarm.state_updated_at),
            "MetricName": c.metric_name,
            "Namespace": c.namespace,
            "Dimensions": _dims_out(c.dimensions),
            "Period": c.period,
            "EvaluationPeriods": c.evaluation_periods,
            "Threshold": float(c.threshold),
            "ComparisonOperator": c.comparison_operator,
            "StateTransitionedTimestamp": self.wall(alarm.state_transitioned_at),
        }
        if c.alarm_description is not None:
            out["AlarmDescription"] = c.alarm_description
        if alarm.state_reason_data is not None:
            out["StateReasonData"] = alarm.state_reason_data
        if c.statistic is not None:
            out["Statistic"] = c.statistic
        else:
            out["ExtendedStatistic"] = c.extended_statistic
        if c.unit is not None:
            out["Unit"] = c.unit
        if c.datapoints_to_alarm is not None:
            out["DatapointsToAlarm"] = c.datapoints_to_alarm
        if "TreatMissingData" in given:
            out["TreatMissingData"] = c.treat_missing_data
        if c.evaluate_low_sample_count_percentile is not None:
            out["EvaluateLowSampleCountPercentile"] = c.evaluate_low_sample_count_percentile
        return out

    def describe_alarms(self, p: dict[str, Any]) -> dict[str, Any]:
        if "AlarmNames" in p and "AlarmNamePrefix" in p:
            raise AWSError(
                st.INVALID_PARAMETER_COMBINATION,
                "AlarmNames and AlarmNamePrefix cannot be specified together.",
            )
        for key in ("ChildrenOfAlarmName", "ParentsOfAlarmName"):
            if key in p:
                raise errors.not_simulated(f"composite alarms (DescribeAlarms {key})")
        types = p.get("AlarmTypes") or ["MetricAlarm"]
        alarms = self.alarms.sorted() if "MetricAlarm" in types else []
        if "AlarmNames" in p:
            names = set(p["AlarmNames"])
            alarms = [a for a in alarms if a.name in names]
        if "AlarmNamePrefix" in p:
            alarms = [a for a in alarms if a.name.startswith(p["AlarmNamePrefix"])]
        if "StateValue" in p:
            alarms = [a for a in alarms if a.state.value == p["StateValue"]]
        if "ActionPrefix" in p:
            prefix = p["ActionPrefix"]
            alarms = [
                a
                for a in alarms
                if any(
                    x.startswith(prefix)
                    for x in (
                        *a.config.alarm_actions,
                        *a.config.ok_actions,
                        *a.config.insufficient_data_actions,
                    )
                )
            ]
        start = _offset("alarms", p.get("NextToken"))
        size = _max_records(p, 50)
        rows = alarms[start : start + size]
        out: dict[str, Any] = {"MetricAlarms": [self.alarm_view(a) for a in rows]}
        if "CompositeAlarm" in types:
            out["CompositeAlarms"] = []
        if start + size < len(alarms):
            out["NextToken"] = _token("alarms", start + size)
        return out

    def describe_alarm_history(self, p: dict[str, Any]) -> dict[str, Any]:
        types = p.get("AlarmTypes") or ["MetricAlarm", "CompositeAlarm"]
        items = self.alarms.history(p.get("AlarmName")) if "MetricAlarm" in types else []
        if "HistoryItemType" in p:
            items = [h for h in items if h.item_type == p["HistoryItemType"]]
        if "StartDate" in p:
            t0 = self.seconds(p["StartDate"], "StartDate")
            items = [h for h in items if h.timestamp >= t0]
        if "EndDate" in p:
            t1 = self.seconds(p["EndDate"], "EndDate")
            items = [h for h in items if h.timestamp <= t1]
        if p.get("ScanBy", "TimestampDescending") == "TimestampDescending":
            # Newest first; items of one instant keep the order they happened in reversed.
            items = list(reversed(items))
        start = _offset("history", p.get("NextToken"))
        size = _max_records(p, 100)
        rows = items[start : start + size]
        out: dict[str, Any] = {
            "AlarmHistoryItems": [
                {
                    "AlarmName": h.alarm_name,
                    "AlarmType": "MetricAlarm",
                    "Timestamp": self.wall(h.timestamp),
                    "HistoryItemType": h.item_type,
                    "HistorySummary": h.summary,
                    "HistoryData": h.data,
                }
                for h in rows
            ]
        }
        if start + size < len(items):
            out["NextToken"] = _token("history", start + size)
        return out

    def set_alarm_state(self, p: dict[str, Any]) -> dict[str, Any]:
        if p["AlarmName"] not in self.alarms:
            raise AWSError(RESOURCE_NOT_FOUND, f"Alarm {p['AlarmName']} not found", http_status=404)
        self.alarms.set_alarm_state(
            p["AlarmName"],
            AlarmState(p["StateValue"]),
            p["StateReason"],
            p.get("StateReasonData"),
            self.account.now,
        )
        return {}

    def delete_alarms(self, p: dict[str, Any]) -> dict[str, Any]:
        names = list(p.get("AlarmNames", ()))
        if len(names) > 100:
            raise _invalid("You can delete at most 100 alarms in one call.")
        self.alarms.delete(names, self.account.now)
        for name in names:
            self._given.pop(name, None)
        return {}

    # ------------------------------------------------------------------ metrics
    def put_metric_data(self, p: dict[str, Any]) -> dict[str, Any]:
        namespace = p["Namespace"]
        if namespace.startswith("AWS/"):
            raise _invalid(
                f"The value {namespace} for parameter Namespace is invalid: namespaces "
                "starting with AWS/ are reserved for AWS services."
            )
        data = p.get("MetricData")
        if not data:
            raise AWSError(st.MISSING_PARAMETER, "The parameter MetricData is required.")
        if len(data) > 1000:
            raise _invalid(
                f"The collection MetricData must have at most 1000 items, got {len(data)}."
            )
        now = self.account.now
        puts = []
        for i, d in enumerate(data, 1):
            where = f"MetricData.member.{i}"
            t = self.seconds(d["Timestamp"], f"{where}.Timestamp") if "Timestamp" in d else now
            if t > now + FUTURE_LIMIT or t < now - PAST_LIMIT:
                raise _invalid(
                    f"The parameter {where}.Timestamp must be at most two weeks in the past "
                    "and two hours in the future."
                )
            values = d.get("Values")
            if values is not None and len(values) > 150:
                raise _invalid(f"The collection {where}.Values must have at most 150 items.")
            kinds = [k for k in ("Value", "Values", "StatisticValues") if k in d]
            if len(kinds) > 1:
                raise AWSError(
                    st.INVALID_PARAMETER_COMBINATION,
                    f"The parameters {where}.{kinds[0]} and {where}.{kinds[1]} are mutually "
                    "exclusive and you have specified both.",
                )
            if not kinds:
                raise AWSError(
                    st.MISSING_PARAMETER,
                    f"One of {where}.Value, {where}.Values or {where}.StatisticValues is required.",
                )
            numbers = [("Value", d.get("Value"))]
            numbers += [("Values", v) for v in d.get("Values", ())]
            numbers += [("Counts", v) for v in d.get("Counts", ())]
            numbers += [
                (f"StatisticValues.{k}", v) for k, v in d.get("StatisticValues", {}).items()
            ]
            for k, v in numbers:
                if v is not None and not math.isfinite(v):
                    raise _invalid(
                        f"The value {v} for parameter {where}.{k} is invalid: CloudWatch "
                        "rejects NaN and infinite values."
                    )
            res = d.get("StorageResolution", 60)
            if res not in (1, 60):
                raise _invalid(
                    f"The value {res} for parameter {where}.StorageResolution is invalid: "
                    "use 1 or 60."
                )
            st.check_key(namespace, d["MetricName"], _dims(d.get("Dimensions")))
            puts.append((d, t, res))
        # Validate every datum in a scratch series first: the call stores all or nothing.
        scratch = st.SeriesHandle(("", "", ()))
        for d, t, res in puts:
            _put(scratch, d, t, res)
        for d, t, res in puts:
            _put(
                self.store.series(namespace, d["MetricName"], _dims(d.get("Dimensions"))), d, t, res
            )
        return {}

    def _stat_names(self, p: Mapping[str, Any]) -> list[str]:
        stats = list(p.get("Statistics", ())) + list(p.get("ExtendedStatistics", ()))
        if not stats:
            raise AWSError(
                st.MISSING_PARAMETER,
                "Must specify either Statistics or ExtendedStatistics.",
            )
        if len(p.get("Statistics", ())) > 5 or len(p.get("ExtendedStatistics", ())) > 10:
            raise _invalid("At most 5 Statistics and 10 ExtendedStatistics may be requested.")
        for s in p.get("ExtendedStatistics", ()):
            if st.percentile_of(s) is None:
                raise _invalid(f"The value {s} for parameter ExtendedStatistics is invalid.")
        return stats

    def get_metric_statistics(self, p: dict[str, Any]) -> dict[str, Any]:
        stats = self._stat_names(p)
        start = self.seconds(p["StartTime"], "StartTime")
        end = self.seconds(p["EndTime"], "EndTime")
        period = p["Period"]
        if start >= end:
            raise _invalid("The parameter StartTime must be less than the parameter EndTime.")
        handle = self.store.find(p["Namespace"], p["MetricName"], _dims(p.get("Dimensions")))
        st.check_period(period, high_resolution=handle is None or handle.high_resolution)
        age = self.account.now - start
        count = math.ceil((end - st.align_start(start, period, age)) / period)
        if count > MAX_DATAPOINTS_PER_STATISTICS:
            raise AWSError(
                st.INVALID_PARAMETER_COMBINATION,
                f"You have requested up to {count:,} datapoints, which exceeds the limit of "
                f"{MAX_DATAPOINTS_PER_STATISTICS:,}. You may reduce the datapoints requested "
                "by increasing Period, or decreasing the time range.",
            )
        points = (
            []
            if handle is None
            else handle.statistics(start, end, period, stats, now=self.account.now)
        )
        unit = p.get("Unit")
        if unit is not None and handle is not None and (handle.unit or "None") != unit:
            points = []
        rows = []
        for d in points:
            row: dict[str, Any] = {"Timestamp": self.wall(d.timestamp)}
            ext = {}
            for s in stats:
                if s not in d.values:
                    continue
                if s in st.STATISTICS:
                    row[s] = d.values[s]
                else:
                    ext[s] = d.values[s]
            if ext:
                row["ExtendedStatistics"] = ext
            row["Unit"] = d.unit or "None"
            rows.append(row)
        return {"Label": p["MetricName"], "Datapoints": rows}

    def get_metric_data(self, p: dict[str, Any]) -> dict[str, Any]:
        if "LabelOptions" in p:
            raise errors.not_simulated("the GetMetricData parameter LabelOptions")
        queries = p["MetricDataQueries"]
        if not queries or len(queries) > 500:
            raise _invalid("MetricDataQueries must hold 1 to 500 queries.")
        start = self.seconds(p["StartTime"], "StartTime")
        end = self.seconds(p["EndTime"], "EndTime")
        if start >= end:
            raise _invalid("The parameter StartTime must be less than the parameter EndTime.")
        ids = [q["Id"] for q in queries]
        for qid in ids:
            if not QUERY_ID.fullmatch(qid):
                raise AWSError(
                    VALIDATION_ERROR,
                    f"Invalid metric Id {qid!r}: it must start with a lowercase letter and "
                    "hold only letters, digits and underscores.",
                )
        if len(set(ids)) != len(ids):
            raise AWSError(
                VALIDATION_ERROR, "The values for parameter Id in MetricDataQueries are not unique."
            )
        descending = p.get("ScanBy", "TimestampDescending") == "TimestampDescending"
        by_id = {q["Id"]: q for q in queries}
        for q in queries:
            if "AccountId" in q:
                raise errors.not_simulated("cross-account queries (MetricDataQueries.AccountId)")
            if ("MetricStat" in q) == ("Expression" in q):
                raise AWSError(
                    VALIDATION_ERROR,
                    f"The query {q['Id']} must have exactly one of MetricStat or Expression.",
                )
        done: dict[str, dict[float, float]] = {}
        visiting: set[str] = set()

        def series_of(qid: str) -> dict[float, float]:
            if qid in done:
                return done[qid]
            q = by_id.get(qid)
            if q is None:
                raise AWSError(VALIDATION_ERROR, f"The expression refers to an unknown Id {qid!r}.")
            if qid in visiting:
                raise AWSError(VALIDATION_ERROR, f"The expression of {qid} refers to itself.")
            visiting.add(qid)
            if "MetricStat" in q:
                done[qid] = self._metric_stat_series(q, start, end)
            else:
                try:
                    done[qid] = expressions.evaluate(q["Expression"], series_of)
                except expressions.UnsupportedExpression as e:
                    raise errors.not_simulated(f"{e} in MetricDataQueries.Expression") from None
                except expressions.ExpressionError as e:
                    raise AWSError(VALIDATION_ERROR, str(e)) from None
            visiting.discard(qid)
            return done[qid]

        results = []
        for q in queries:
            values = series_of(q["Id"])
            if not q.get("ReturnData", True):
                continue
            items = sorted(values.items(), reverse=descending)
            default = q["MetricStat"]["Metric"]["MetricName"] if "MetricStat" in q else q["Id"]
            results.append(
                {
                    "Id": q["Id"],
                    "Label": q.get("Label", default),
                    "Timestamps": [self.wall(t) for t, _ in items],
                    "Values": [v for _, v in items],
                    "StatusCode": "Complete",
                }
            )
        limit = p.get("MaxDatapoints", 100_800)
        if sum(len(r["Timestamps"]) for r in results) > limit:
            raise errors.not_simulated("GetMetricData paging (more datapoints than MaxDatapoints)")
        if p.get("NextToken"):
            raise AWSError(INVALID_NEXT_TOKEN, "The service cannot find the NextToken.")
        return {"MetricDataResults": results, "Messages": []}

    def _metric_stat_series(
        self, q: Mapping[str, Any], start: float, end: float
    ) -> dict[float, float]:
        ms = q["MetricStat"]
        metric = ms["Metric"]
        if "Namespace" not in metric or "MetricName" not in metric:
            raise AWSError(VALIDATION_ERROR, f"The query {q['Id']} needs Namespace and MetricName.")
        stat = ms["Stat"]
        st.percentile_of(stat)
        handle = self.store.find(
            metric["Namespace"], metric["MetricName"], _dims(metric.get("Dimensions"))
        )
        period = ms["Period"]
        st.check_period(period, high_resolution=handle is None or handle.high_resolution)
        points = (
            []
            if handle is None
            else handle.statistics(
                start, end, period, [stat], now=self.account.now, round_by_age=False
            )
        )
        unit = ms.get("Unit")
        if unit is not None and handle is not None and (handle.unit or "None") != unit:
            points = []
        return {d.timestamp: d.values[stat] for d in points if stat in d.values}

    def list_metrics(self, p: dict[str, Any]) -> dict[str, Any]:
        for key in ("IncludeLinkedAccounts", "OwningAccount"):
            if p.get(key):
                raise errors.not_simulated(f"cross-account observability (ListMetrics {key})")
        filters = [(f["Name"], f.get("Value")) for f in p.get("Dimensions", ())]
        keys = self.store.list_metrics(p.get("Namespace"), p.get("MetricName"), filters)
        if p.get("RecentlyActive") == "PT3H":
            cutoff = self.account.now - 3 * 3600
            keys = [
                k
                for k in keys
                if (h := self.store.find(*k)) is not None
                and (h.last_timestamp() or -math.inf) >= cutoff
            ]
        start = _offset("metrics", p.get("NextToken"))
        size = 500
        rows = keys[start : start + size]
        out: dict[str, Any] = {
            "Metrics": [
                {"Namespace": ns, "MetricName": name, "Dimensions": _dims_out(dims)}
                for ns, name, dims in rows
            ]
        }
        if start + size < len(keys):
            out["NextToken"] = _token("metrics", start + size)
        return out


def _validation_missing(name: str) -> AWSError:
    return AWSError(VALIDATION_ERROR, f"The parameter {name} is required for a metric alarm.")


def _put(handle: st.SeriesHandle, d: Mapping[str, Any], t: float, res: int) -> None:
    handle.put(
        t,
        value=d.get("Value"),
        values=d.get("Values"),
        counts=d.get("Counts"),
        statistic_values=d.get("StatisticValues"),
        unit=d.get("Unit"),
        storage_resolution=res,
    )


OPERATIONS: Mapping[str, Operation] = {
    "PutMetricAlarm": _op(
        CloudWatchService.put_metric_alarm,
        [
            "AlarmName",
            "AlarmDescription",
            "ActionsEnabled",
            "OKActions",
            "AlarmActions",
            "InsufficientDataActions",
            "MetricName",
            "Namespace",
            "Statistic",
            "ExtendedStatistic",
            "Dimensions",
            "Period",
            "Unit",
            "EvaluationPeriods",
            "DatapointsToAlarm",
            "Threshold",
            "ComparisonOperator",
            "TreatMissingData",
            "EvaluateLowSampleCountPercentile",
        ],
        inert=["Tags"],
    ),
    "DescribeAlarms": _op(
        CloudWatchService.describe_alarms,
        [
            "AlarmNames",
            "AlarmNamePrefix",
            "AlarmTypes",
            "StateValue",
            "ActionPrefix",
            "MaxRecords",
            "NextToken",
            "ChildrenOfAlarmName",
            "ParentsOfAlarmName",
        ],
    ),
    "DescribeAlarmHistory": _op(
        CloudWatchService.describe_alarm_history,
        [
            "AlarmName",
            "AlarmTypes",
            "HistoryItemType",
            "StartDate",
            "EndDate",
            "MaxRecords",
            "NextToken",
            "ScanBy",
        ],
    ),
    "SetAlarmState": _op(
        CloudWatchService.set_alarm_state,
        ["AlarmName", "StateValue", "StateReason", "StateReasonData"],
    ),
    "DeleteAlarms": _op(CloudWatchService.delete_alarms, ["AlarmNames"]),
    "PutMetricData": _op(CloudWatchService.put_metric_data, ["Namespace", "MetricData"]),
    "GetMetricStatistics": _op(
        CloudWatchService.get_metric_statistics,
        [
            "Namespace",
            "MetricName",
            "Dimensions",
            "StartTime",
            "EndTime",
            "Period",
            "Statistics",
            "ExtendedStatistics",
            "Unit",
        ],
    ),
    "GetMetricData": _op(
        CloudWatchService.get_metric_data,
        [
            "MetricDataQueries",
            "StartTime",
            "EndTime",
            "NextToken",
            "ScanBy",
            "MaxDatapoints",
            "LabelOptions",
        ],
    ),
    "ListMetrics": _op(
        CloudWatchService.list_metrics,
        [
            "Namespace",
            "MetricName",
            "Dimensions",
            "NextToken",
            "RecentlyActive",
            "IncludeLinkedAccounts",
            "OwningAccount",
        ],
    ),
}
"""Every CloudWatch operation ecsim simulates."""
