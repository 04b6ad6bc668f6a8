"""Metric alarms as CloudWatch evaluates them (pure: no simpy; the evaluator times them).

The rule (CloudWatch User Guide, "Evaluating an alarm" and "How alarm state is evaluated
when data is missing"): at each evaluation CloudWatch retrieves the datapoints of an
*evaluation range* longer than EvaluationPeriods (N); ecsim's range is N + 2 periods by
default, which is the guide's example (5 datapoints for N = 3) and a parameter.

- At least N real datapoints in the range: the N most recent are evaluated; ALARM if at
  least DatapointsToAlarm (M) of them breach, else OK. TreatMissingData is not used.
- Fewer than N: every real datapoint in the range is evaluated and N minus their number
  are filled as TreatMissingData says. ``breaching``/``notBreaching`` fill them as
  breaching / within the threshold. ``missing`` and ``ignore`` fill nothing: ALARM if M
  real ones breach; OK if any real one does not; if every real one breaches (fewer than
  M), ``missing`` gives ALARM when the oldest evaluated slot is a real datapoint (the
  metric stopped after breaching) and INSUFFICIENT_DATA when it is a missing one (too few
  datapoints so far), while ``ignore`` keeps the current state. No datapoint at all:
  INSUFFICIENT_DATA under ``missing``, the current state under ``ignore``. This is the
  reading of the guide's two example tables that reproduces every row of both
  (``GUIDE_TABLES`` below; tests/cloudwatch check them); the guide states no general rule.

States start at INSUFFICIENT_DATA ("Unchecked: Initial alarm creation"); SetAlarmState
changes the state until the next evaluation; StateReason and StateReasonData follow the
texts CloudWatch writes (e.g. "Threshold Crossed: 1 out of the last 1 datapoints [6.0
(25/09/22 18:49:00)] was greater than the threshold (5.0) (minimum 1 datapoint for OK ->
ALARM transition).").
"""

from __future__ import annotations

import datetime as dt
import json
import math
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from simulator.cloudwatch.store import (
    PERCENTILE,
    STATISTICS,
    DimensionsKey,
    MetricStore,
    dimensions_key,
)
from simulator.core.errors import AWSError

VALIDATION_ERROR = "ValidationError"
RESOURCE_NOT_FOUND = "ResourceNotFound"
DEFAULT_EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
"""The wall-clock time simulated second 0 stands for (the account's start_time)."""
DEFAULT_RANGE_EXTRA = 2
"""Evaluation range = EvaluationPeriods + this many periods (the guide's 5 for N = 3)."""


class AlarmState(StrEnum):
    OK = "OK"
    ALARM = "ALARM"
    INSUFFICIENT_DATA = "INSUFFICIENT_DATA"


class TreatMissingData(StrEnum):
    MISSING = "missing"
    NOT_BREACHING = "notBreaching"
    BREACHING = "breaching"
    IGNORE = "ignore"


COMPARISONS: Mapping[str, tuple[Callable[[float, float], bool], str]] = {
    "GreaterThanOrEqualToThreshold": (operator.ge, "greater than or equal to"),
    "GreaterThanThreshold": (operator.gt, "greater than"),
    "LessThanThreshold": (operator.lt, "less than"),
    "LessThanOrEqualToThreshold": (operator.le, "less than or equal to"),
}
"""The static-threshold operators: predicate(value, threshold) and StateReason's phrase."""
ANOMALY_OPERATORS = frozenset(
    {
        "LessThanLowerOrGreaterThanUpperThreshold",
        "LessThanLowerThreshold",
        "GreaterThanUpperThreshold",
    }
)
"""Anomaly-detection band operators: they need a band model, which ecsim does not have."""

_FILL_NAME = {
    TreatMissingData.BREACHING: "Breaching",
    TreatMissingData.NOT_BREACHING: "NonBreaching",
}


def _validation(message: str) -> AWSError:
    return AWSError(VALIDATION_ERROR, message)


@dataclass(frozen=True)
class AlarmConfig:
    """One PutMetricAlarm request for a single-metric, static-threshold alarm."""

    alarm_name: str
    namespace: str
    metric_name: str
    period: int
    evaluation_periods: int
    threshold: float
    comparison_operator: str
    dimensions: DimensionsKey = ()
    statistic: str | None = None
    extended_statistic: str | None = None
    datapoints_to_alarm: int | None = None
    treat_missing_data: str = TreatMissingData.MISSING
    evaluate_low_sample_count_percentile: str | None = None
    unit: str | None = None
    alarm_description: str | None = None
    actions_enabled: bool = True
    alarm_actions: tuple[str, ...] = ()
    ok_actions: tuple[str, ...] = ()
    insufficient_data_actions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "dimensions", dimensions_key(self.dimensions))
        for name in ("alarm_actions", "ok_actions", "insufficient_data_actions"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        self._validate()

    def _validate(self) -> None:
        if not self.alarm_name or len(self.alarm_name) > 255 or not self.alarm_name.isascii():
            raise _validation("AlarmName must be 1 to 255 ASCII characters.")
        if not self.namespace or not self.metric_name:
            raise _validation("MetricName and Namespace are required for a metric alarm.")
        if (self.statistic is None) == (self.extended_statistic is None):
            raise _validation("Exactly one of Statistic or ExtendedStatistic must be specified.")
        if self.statistic is not None and self.statistic not in STATISTICS:
            raise _validation(
                f"Statistic must be one of {', '.join(STATISTICS)}, got {self.statistic!r}."
            )
        if self.extended_statistic is not None and not PERCENTILE.fullmatch(
            self.extended_statistic
        ):
            raise _validation(
                f"ExtendedStatistic must be a percentile p0.0-p100, got "
                f"{self.extended_statistic!r} (ecsim does not simulate other extended "
                "statistics)."
            )
        p = self.period
        if (
            isinstance(p, bool)
            or not isinstance(p, int)
            or not (p in (10, 20, 30) or (p > 0 and p % 60 == 0))
        ):
            raise _validation(f"Period must be 10, 20, 30 or a multiple of 60, got {p!r}.")
        n = self.evaluation_periods
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise _validation(f"EvaluationPeriods must be at least 1, got {n!r}.")
        limit = 86_400 if p < 3600 else 604_800
        if p * n > limit:
            raise _validation(
                f"Period multiplied by EvaluationPeriods must not exceed {limit} seconds "
                f"for this period, got {p} x {n} = {p * n}."
            )
        m = self.datapoints_to_alarm
        if m is not None and not (1 <= m <= n):
            raise _validation(
                f"DatapointsToAlarm must be between 1 and EvaluationPeriods ({n}), got {m}."
            )
        if self.comparison_operator in ANOMALY_OPERATORS:
            raise _validation(
                f"ComparisonOperator {self.comparison_operator} is for anomaly detection "
                "alarms, which ecsim does not simulate; use GreaterThanOrEqualToThreshold, "
                "GreaterThanThreshold, LessThanThreshold or LessThanOrEqualToThreshold."
            )
        if self.comparison_operator not in COMPARISONS:
            raise _validation(
                f"ComparisonOperator must be one of {', '.join(COMPARISONS)}, got "
                f"{self.comparison_operator!r}."
            )
        if not isinstance(self.threshold, int | float) or not math.isfinite(self.threshold):
            raise _validation(f"Threshold must be a finite number, got {self.threshold!r}.")
        if self.treat_missing_data not in set(TreatMissingData):
            raise _validation(
                "TreatMissingData must be one of breaching, notBreaching, ignore, missing, "
                f"got {self.treat_missing_data!r}."
            )
        low = self.evaluate_low_sample_count_percentile
        if low is not None:
            if low not in ("evaluate", "ignore"):
                raise _validation(
                    f"EvaluateLowSampleCountPercentile must be evaluate or ignore, got {low!r}."
                )
            if self.extended_statistic is None:
                raise _validation(
                    "EvaluateLowSampleCountPercentile applies only to alarms on a percentile "
                    "(ExtendedStatistic)."
                )

    @property
    def m(self) -> int:
        """DatapointsToAlarm (default EvaluationPeriods: an N out of N alarm)."""
        return self.datapoints_to_alarm or self.evaluation_periods

    @property
    def stat(self) -> str:
        return self.statistic or self.extended_statistic or ""

    @property
    def cadence(self) -> int:
        """Seconds between evaluations: every minute for periods of 60 s or more, every
        10 s for 10-s and 30-s periods (the guide) and, ecsim's choice, for 20-s ones."""
        return 60 if self.period >= 60 else 10

    def breaches(self, value: float) -> bool:
        return COMPARISONS[self.comparison_operator][0](value, self.threshold)


@dataclass(frozen=True)
class Evaluation:
    """The outcome of one evaluation over the range's values (oldest first).

    ``state`` None means keep the current state. ``evaluated`` are the indices of the real
    datapoints evaluated, ``filled`` how many missing ones TreatMissingData filled."""

    state: AlarmState | None
    evaluated: tuple[int, ...]
    filled: int
    breaching: int


def evaluate_range(
    values: Sequence[float | None],
    *,
    evaluation_periods: int,
    datapoints_to_alarm: int,
    breaches: Callable[[float], bool],
    treat_missing_data: str = TreatMissingData.MISSING,
) -> Evaluation:
    """CloudWatch's decision over one evaluation range (see the module docstring)."""
    n, m = evaluation_periods, datapoints_to_alarm
    known = {i: v for i, v in enumerate(values) if v is not None}
    real = list(known)
    if len(real) >= n:
        used = tuple(real[-n:])
        b = sum(1 for i in used if breaches(known[i]))
        return Evaluation(AlarmState.ALARM if b >= m else AlarmState.OK, used, 0, b)
    used = tuple(real)
    b = sum(1 for i in used if breaches(known[i]))
    fill = n - len(real)
    treat = TreatMissingData(treat_missing_data)
    if treat in (TreatMissingData.BREACHING, TreatMissingData.NOT_BREACHING):
        filled_b = fill if treat is TreatMissingData.BREACHING else 0
        state = AlarmState.ALARM if b + filled_b >= m else AlarmState.OK
        return Evaluation(state, used, fill, b + filled_b)
    keep = treat is TreatMissingData.IGNORE
    if not real:
        return Evaluation(None if keep else AlarmState.INSUFFICIENT_DATA, (), 0, 0)
    if b >= m:
        return Evaluation(AlarmState.ALARM, used, 0, b)
    if b < len(real):
        return Evaluation(AlarmState.OK, used, 0, b)
    if keep:
        return Evaluation(None, used, 0, b)
    missing = [i for i, v in enumerate(values) if v is None]
    newest_missing = missing[-fill:]
    oldest_is_real = all(real[0] < i for i in newest_missing)
    return Evaluation(
        AlarmState.ALARM if oldest_is_real else AlarmState.INSUFFICIENT_DATA, used, 0, b
    )


GUIDE_TABLES: tuple[tuple[int, int, str, tuple[str, str, str, str]], ...] = (
    # (N, M, datapoints oldest first, states for missing, ignore, breaching, notBreaching)
    # CloudWatch User Guide, "How alarm state is evaluated when data is missing";
    # "retain" = the current state is kept.
    (3, 3, "0-X-X", ("OK", "OK", "OK", "OK")),
    (3, 3, "0----", ("OK", "OK", "OK", "OK")),
    (3, 3, "-----", ("INSUFFICIENT_DATA", "retain", "ALARM", "OK")),
    (3, 3, "0XX-X", ("ALARM", "ALARM", "ALARM", "ALARM")),
    (3, 3, "----X", ("INSUFFICIENT_DATA", "retain", "ALARM", "OK")),
    (3, 3, "X----", ("ALARM", "retain", "ALARM", "OK")),
    (3, 2, "0-X-X", ("ALARM", "ALARM", "ALARM", "ALARM")),
    (3, 2, "00X0X", ("ALARM", "ALARM", "ALARM", "ALARM")),
    (3, 2, "0-X--", ("OK", "OK", "ALARM", "OK")),
    (3, 2, "----0", ("OK", "OK", "ALARM", "OK")),
    (3, 2, "----X", ("INSUFFICIENT_DATA", "retain", "ALARM", "OK")),
)


ALWAYS_IGNORE_NAMESPACES = frozenset({"AWS/DynamoDB"})
"""PutMetricAlarm reference: "Alarms that evaluate metrics in the AWS/DynamoDB namespace
always ignore missing data even if you choose a different option for TreatMissingData."
"""


def effective_treatment(config: AlarmConfig) -> str:
    """The TreatMissingData an evaluation applies (AWS/DynamoDB always ignores)."""
    if config.namespace in ALWAYS_IGNORE_NAMESPACES:
        return TreatMissingData.IGNORE
    return config.treat_missing_data


# ---------------------------------------------------------------------- texts
def format_reason_time(at: dt.datetime) -> str:
    """StateReason's datapoint time: '(25/09/22 18:49:00)' is dd/mm/yy HH:MM:SS, UTC."""
    return at.astimezone(dt.UTC).strftime("%d/%m/%y %H:%M:%S")


def format_iso_ms(at: dt.datetime) -> str:
    """StateReasonData's and HistoryData's timestamps: 2022-11-08T11:26:05.399+0000."""
    u = at.astimezone(dt.UTC)
    return u.strftime("%Y-%m-%dT%H:%M:%S.") + f"{u.microsecond // 1000:03d}+0000"


def _plural(k: int, word: str) -> str:
    return f"{k} {word}" if k == 1 else f"{k} {word}s"


def _was(k: int) -> str:
    return "was" if k == 1 else "were"


@dataclass(frozen=True)
class HistoryItem:
    """One DescribeAlarmHistory item (``timestamp`` in simulated seconds)."""

    alarm_name: str
    timestamp: float
    item_type: str
    summary: str
    data: str


@dataclass(frozen=True)
class StateChange:
    """What subscribers are told when an alarm's state changes."""

    alarm_name: str
    old_state: AlarmState
    new_state: AlarmState
    reason: str
    timestamp: float
    actions: tuple[str, ...]
    """The ARNs CloudWatch would run (empty when ActionsEnabled is false)."""


Subscriber = Callable[[StateChange], None]

ActionHandler = Callable[["MetricAlarm", float], None]
"""Runs one alarm action (``alarm`` in its current state, at simulated time ``now``)."""

REPEATING_ACTION_PREFIXES = ("arn:aws:autoscaling:",)
"""CloudWatch User Guide, "Alarm actions": alarms invoke actions only when the state
changes, "the exception is for alarms with Auto Scaling actions": those are invoked again
at each evaluation while the alarm stays in the state (EC2 Auto Scaling and Application
Auto Scaling policy ARNs both start with ``arn:aws:autoscaling:``)."""


def repeats(action_arn: str) -> bool:
    """Whether CloudWatch invokes this action at every evaluation in the state."""
    return action_arn.startswith(REPEATING_ACTION_PREFIXES)


@dataclass
class MetricAlarm:
    """One alarm's configuration and state; ``history`` newest last."""

    config: AlarmConfig
    arn: str
    created_at: float
    epoch: dt.datetime = DEFAULT_EPOCH
    state: AlarmState = AlarmState.INSUFFICIENT_DATA
    state_reason: str = "Unchecked: Initial alarm creation"
    state_reason_data: str | None = None
    state_updated_at: float = 0.0
    state_transitioned_at: float = 0.0
    configuration_updated_at: float = 0.0
    history: list[HistoryItem] = field(default_factory=list)
    last_evaluated_at: float | None = None
    latest_value: float | None = None
    """The newest datapoint the last evaluation retrieved (None: none in its range)."""

    def __post_init__(self) -> None:
        self.state_updated_at = self.created_at
        self.state_transitioned_at = self.created_at
        self.configuration_updated_at = self.created_at

    @property
    def name(self) -> str:
        return self.config.alarm_name

    def wall(self, seconds: float) -> dt.datetime:
        return self.epoch + dt.timedelta(seconds=seconds)

    # ------------------------------------------------------------------ evaluation
    def evaluate(
        self,
        store: MetricStore,
        now: float,
        *,
        ingestion_delay: float = 0.0,
        range_extra: int = DEFAULT_RANGE_EXTRA,
    ) -> StateChange | None:
        """Evaluate at simulated time ``now``; the state change it caused, if any.

        The newest period evaluated ends at the last multiple of the evaluation cadence
        at or before ``now - ingestion_delay``: a datapoint for [kP, (k+1)P) is visible
        from (k+1)P + ingestion_delay on."""
        c = self.config
        self.last_evaluated_at = now
        end = math.floor((now - ingestion_delay) / c.cadence + 1e-9) * c.cadence
        count = c.evaluation_periods + max(0, range_extra)
        start = end - count * c.period
        values: list[float | None] = [None] * count
        samples: list[float] = [0.0] * count
        handle = store.find(c.namespace, c.metric_name, c.dimensions)
        if handle is not None and end > start:
            for d in handle.statistics(start, end, c.period, [c.stat], align=False):
                k = int(round((d.timestamp - start) / c.period))
                if 0 <= k < count and c.stat in d.values:
                    values[k] = d.values[c.stat]
                    samples[k] = d.sample_count
        self.latest_value = next((v for v in reversed(values) if v is not None), None)
        outcome = evaluate_range(
            values,
            evaluation_periods=c.evaluation_periods,
            datapoints_to_alarm=c.m,
            breaches=c.breaches,
            treat_missing_data=effective_treatment(c),
        )
        if outcome.state is not None and self._low_samples(outcome, samples):
            outcome = replace(outcome, state=None)
        if outcome.state is None or outcome.state is self.state:
            # A state set by SetAlarmState lasts until this evaluation; if it equals the
            # evaluated state nothing changes (CloudWatch does not record a transition).
            return None
        reason = self._reason(outcome, values, start)
        data = self._reason_data(outcome, values, samples, start, now)
        return self.set_state(outcome.state, reason, data, now)

    def _low_samples(self, outcome: Evaluation, samples: Sequence[float]) -> bool:
        """EvaluateLowSampleCountPercentile=ignore: keep the state while a percentile's
        datapoint has fewer than 10/(1-p) samples (p > 0.5) or 10/p (p <= 0.5)."""
        c = self.config
        if c.evaluate_low_sample_count_percentile != "ignore" or c.extended_statistic is None:
            return False
        p = float(c.extended_statistic[1:]) / 100.0
        need = 10 / (1 - p) if p > 0.5 else (10 / p if p > 0 else math.inf)
        return any(samples[i] < need for i in outcome.evaluated)

    def _reason(self, o: Evaluation, values: Sequence[float | None], start: float) -> str:
        c = self.config
        if o.state is AlarmState.INSUFFICIENT_DATA:
            k = c.evaluation_periods
            return f"Insufficient Data: {_plural(k, 'datapoint')} {_was(k)} unknown."
        phrase = COMPARISONS[c.comparison_operator][1]
        alarm = o.state is AlarmState.ALARM
        minimum = c.m if alarm else c.evaluation_periods - c.m + 1
        transition = "OK -> ALARM" if alarm else "ALARM -> OK"
        tail = f" (minimum {_plural(minimum, 'datapoint')} for {transition} transition)."
        if o.filled and not o.evaluated:
            k = c.evaluation_periods
            return (
                f"Threshold Crossed: no datapoints were received for {_plural(k, 'period')} "
                f"and {_plural(o.filled, 'missing datapoint')} {_was(o.filled)} treated as "
                f"[{_FILL_NAME[TreatMissingData(c.treat_missing_data)]}]."
            )
        known = {i: float(v) for i, v in enumerate(values) if v is not None}
        shown = [i for i in reversed(o.evaluated) if c.breaches(known[i]) == alarm]
        listed = ", ".join(
            f"{known[i]!r} ({format_reason_time(self.wall(start + i * c.period))})" for i in shown
        )
        verb = _was(len(shown))
        neg = "" if alarm else "not "
        text = (
            f"Threshold Crossed: {len(shown)} out of the last {c.evaluation_periods} "
            f"datapoints [{listed}] {verb} {neg}{phrase} the threshold ({float(c.threshold)!r})"
        )
        if o.filled:
            text += (
                f" and {_plural(o.filled, 'missing datapoint')} {_was(o.filled)} treated as "
                f"[{_FILL_NAME[TreatMissingData(c.treat_missing_data)]}]"
            )
        return text + tail

    def _reason_data(
        self,
        o: Evaluation,
        values: Sequence[float | None],
        samples: Sequence[float],
        start: float,
        now: float,
    ) -> str:
        c = self.config
        first = o.evaluated[0] if o.evaluated else len(values) - c.evaluation_periods
        data: dict[str, Any] = {
            "version": "1.0",
            "queryDate": format_iso_ms(self.wall(now)),
            "startDate": format_iso_ms(self.wall(start + first * c.period)),
        }
        if c.statistic is not None:
            data["statistic"] = c.statistic
        else:
            data["extendedStatistic"] = c.extended_statistic
        data["unit"] = c.unit
        data["period"] = c.period
        data["recentDatapoints"] = [values[i] for i in o.evaluated]
        data["threshold"] = float(c.threshold)
        data["evaluatedDatapoints"] = [
            {
                "timestamp": format_iso_ms(self.wall(start + i * c.period)),
                "sampleCount": samples[i],
                "value": values[i],
            }
            for i in reversed(o.evaluated)
        ]
        if data["unit"] is None:
            del data["unit"]
        return json.dumps(data, separators=(",", ":"))

    # ------------------------------------------------------------------ state
    def set_state(
        self, state: AlarmState | str, reason: str, reason_data: str | None, now: float
    ) -> StateChange | None:
        """Move to ``state`` (history item, actions); None if it is the current state."""
        new = AlarmState(state)
        old = self.state
        if new is old:
            return None
        old_reason = self.state_reason
        self.state_reason = reason
        self.state_reason_data = reason_data
        self.state_updated_at = now
        self.state = new
        self.state_transitioned_at = now
        new_state: dict[str, Any] = {"stateValue": new.value, "stateReason": reason}
        if reason_data is not None:
            try:
                new_state["stateReasonData"] = json.loads(reason_data)
            except ValueError:
                new_state["stateReasonData"] = reason_data
        self.history.append(
            HistoryItem(
                self.name,
                now,
                "StateUpdate",
                f"Alarm updated from {old.value} to {new.value}",
                json.dumps(
                    {
                        "version": "1.0",
                        "oldState": {"stateValue": old.value, "stateReason": old_reason},
                        "newState": new_state,
                    },
                    separators=(",", ":"),
                ),
            )
        )
        actions = self.actions_for(new)
        for arn in actions:
            self.history.append(
                HistoryItem(
                    self.name,
                    now,
                    "Action",
                    f"Successfully executed action {arn}",
                    json.dumps(
                        {
                            "actionState": "Succeeded",
                            "stateUpdateTimestamp": int(self.wall(now).timestamp() * 1000),
                            "notificationResource": arn,
                        },
                        separators=(",", ":"),
                    ),
                )
            )
        return StateChange(self.name, old, new, reason, now, actions)

    def actions_for(self, state: AlarmState) -> tuple[str, ...]:
        c = self.config
        if not c.actions_enabled:
            return ()
        return {
            AlarmState.ALARM: c.alarm_actions,
            AlarmState.OK: c.ok_actions,
            AlarmState.INSUFFICIENT_DATA: c.insufficient_data_actions,
        }[state]

    def configuration_json(self) -> dict[str, Any]:
        """The alarm's configuration as HistoryData's createdAlarm/updatedAlarm shows it."""
        c = self.config
        out: dict[str, Any] = {
            "alarmName": c.alarm_name,
            "alarmArn": self.arn,
            "actionsEnabled": c.actions_enabled,
            "alarmActions": list(c.alarm_actions),
            "okactions": list(c.ok_actions),
            "insufficientDataActions": list(c.insufficient_data_actions),
            "namespace": c.namespace,
            "metricName": c.metric_name,
            "dimensions": [{"name": n, "value": v} for n, v in c.dimensions],
            "period": c.period,
            "evaluationPeriods": c.evaluation_periods,
            "datapointsToAlarm": c.m,
            "threshold": float(c.threshold),
            "comparisonOperator": c.comparison_operator,
            "treatMissingData": c.treat_missing_data,
        }
        if c.statistic is not None:
            out["statistic"] = c.statistic.upper()
        else:
            out["extendedStatistic"] = c.extended_statistic
        return out


class Alarms:
    """The metric alarms of one account and Region: create/update, delete, look up, and
    tell subscribers about state changes (deployments, scaling policies, tests)."""

    def __init__(
        self,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        *,
        epoch: dt.datetime = DEFAULT_EPOCH,
    ):
        self.region = region
        self.account_id = account_id
        self.epoch = epoch
        self._alarms: dict[str, MetricAlarm] = {}
        self._history: list[HistoryItem] = []
        """History of deleted alarms (CloudWatch keeps history after a delete)."""
        self._subscribers: list[tuple[str | None, Subscriber]] = []
        self.on_put: list[Callable[[MetricAlarm], None]] = []
        """Called after every put (the evaluator starts itself on the first alarm)."""
        self._actions: dict[str, ActionHandler] = {}
        self.on_evaluated: list[Callable[[float], object]] = []
        """Called after each round of evaluations with its time (a scaling policy that
        several alarms invoke decides once, when all of them are evaluated)."""

    def arn(self, name: str) -> str:
        return f"arn:aws:cloudwatch:{self.region}:{self.account_id}:alarm:{name}"

    def __contains__(self, name: object) -> bool:
        return name in self._alarms

    def __len__(self) -> int:
        return len(self._alarms)

    def __iter__(self) -> Any:
        return iter(self.sorted())

    def sorted(self) -> list[MetricAlarm]:
        """Every alarm, by name (DescribeAlarms' order)."""
        return [self._alarms[k] for k in sorted(self._alarms)]

    def get(self, name: str) -> MetricAlarm:
        alarm = self._alarms.get(name)
        if alarm is None:
            raise AWSError(RESOURCE_NOT_FOUND, f"Alarm {name} not found", http_status=404)
        return alarm

    def put(self, config: AlarmConfig, now: float) -> MetricAlarm:
        """PutMetricAlarm: create, or overwrite the configuration keeping the state."""
        alarm = self._alarms.get(config.alarm_name)
        if alarm is None:
            alarm = MetricAlarm(config, self.arn(config.alarm_name), now, self.epoch)
            self._alarms[config.alarm_name] = alarm
            kind, key, summary = "Create", "createdAlarm", "created"
            body: dict[str, Any] = {key: alarm.configuration_json()}
        else:
            original = alarm.configuration_json()
            alarm.config = config
            alarm.configuration_updated_at = now
            kind, summary = "Update", "updated"
            body = {"updatedAlarm": alarm.configuration_json(), "originalAlarm": original}
        alarm.history.append(
            HistoryItem(
                config.alarm_name,
                now,
                "ConfigurationUpdate",
                f'Alarm "{config.alarm_name}" {summary}',
                json.dumps({"version": "1.0", "type": kind, **body}, separators=(",", ":")),
            )
        )
        for hook in self.on_put:
            hook(alarm)
        return alarm

    def delete(self, names: Iterable[str], now: float) -> None:
        """DeleteAlarms: ResourceNotFound naming the first unknown one, nothing deleted."""
        names = list(dict.fromkeys(names))
        for name in names:
            self.get(name)
        for name in names:
            alarm = self._alarms.pop(name)
            alarm.history.append(
                HistoryItem(
                    name,
                    now,
                    "ConfigurationUpdate",
                    f'Alarm "{name}" deleted',
                    json.dumps(
                        {
                            "version": "1.0",
                            "type": "Delete",
                            "deletedAlarm": alarm.configuration_json(),
                        },
                        separators=(",", ":"),
                    ),
                )
            )
            self._history.extend(alarm.history)

    def history(self, name: str | None = None) -> list[HistoryItem]:
        """History items, oldest first (of deleted alarms too)."""
        items = list(self._history)
        for alarm in self._alarms.values():
            items.extend(alarm.history)
        if name is not None:
            items = [h for h in items if h.alarm_name == name]
        return sorted(items, key=lambda h: h.timestamp)

    # ------------------------------------------------------------------ actions
    def register_action(self, arn: str, handler: ActionHandler) -> None:
        """``handler`` runs the action ``arn`` when an alarm naming it invokes it."""
        self._actions[arn] = handler

    def unregister_action(self, arn: str) -> None:
        self._actions.pop(arn, None)

    def _invoke(self, alarm: MetricAlarm, changed: bool, now: float) -> None:
        """Run the alarm's actions for its state: all on a change, the repeating ones
        (Auto Scaling policies) at every evaluation that leaves the state as it was."""
        for arn in alarm.actions_for(alarm.state):
            handler = self._actions.get(arn)
            if handler is not None and (changed or repeats(arn)):
                handler(alarm, now)

    # ------------------------------------------------------------------ state changes
    def subscribe(self, callback: Subscriber, alarm_name: str | None = None) -> None:
        """Call ``callback(change)`` on every state change (of ``alarm_name`` only, if
        given), whether from an evaluation or from SetAlarmState."""
        self._subscribers.append((alarm_name, callback))

    def unsubscribe(self, callback: Subscriber) -> None:
        self._subscribers = [(n, cb) for n, cb in self._subscribers if cb is not callback]

    def notify(self, change: StateChange | None) -> StateChange | None:
        if change is not None:
            for name, cb in list(self._subscribers):
                if name is None or name == change.alarm_name:
                    cb(change)
        return change

    def set_alarm_state(
        self, name: str, state: AlarmState | str, reason: str, reason_data: str | None, now: float
    ) -> StateChange | None:
        """SetAlarmState: the state holds until the alarm's next evaluation."""
        alarm = self.get(name)
        if reason_data is not None:
            try:
                json.loads(reason_data)
            except ValueError:
                raise AWSError("InvalidFormat", "StateReasonData must be valid JSON.") from None
        change = self.notify(alarm.set_state(state, reason, reason_data, now))
        if change is not None:
            self._invoke(alarm, True, now)
        return change

    def evaluate(
        self,
        store: MetricStore,
        now: float,
        *,
        ingestion_delay: float = 0.0,
        range_extra: int = DEFAULT_RANGE_EXTRA,
        only: Callable[[MetricAlarm], bool] | None = None,
    ) -> list[StateChange]:
        """Evaluate every alarm (by name; those ``only`` selects) at ``now``."""
        changes: list[StateChange] = []
        for alarm in self.sorted():
            if only is not None and not only(alarm):
                continue
            change = alarm.evaluate(
                store, now, ingestion_delay=ingestion_delay, range_extra=range_extra
            )
            if change is not None:
                self.notify(change)
                changes.append(change)
            self._invoke(alarm, change is not None, now)
        for hook in list(self.on_evaluated):
            hook(now)
        return changes
