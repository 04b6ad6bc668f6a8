"""The live metric store: CloudWatch metrics as PutMetricData takes them, queried mid-run.

Pure (no simpy): the simulation's publishers write into it on every metric tick and the
alarms, scaling policies and the boto3 ``cloudwatch`` client read from it while the run
goes on. A series is keyed by (Namespace, MetricName, Dimensions as a sorted tuple of
(name, value)); each holds one row per put in a numpy array that doubles its capacity when
full (amortised O(1) appends, no Python object per point). Raw values published with
``values``/``counts`` go to a per-series pool so percentiles can be computed from them.

What the store does not decide: whether a metric is published at all. AWS/ApplicationELB
metrics, for example, are absent when no requests flow; the publisher simply does not put
a point for that minute, and the store reports the period as missing.

Timestamps are simulated seconds. Periods are aligned as GetMetricStatistics aligns them:
the start time is rounded down to a whole minute (periods of 60 s or more) or to a
multiple of the period (1, 5, 10, 20 and 30 s, high-resolution metrics only), and the
datapoints are the consecutive periods from there. A read that says when it is made
(``now``: GetMetricStatistics and GetMetricData through the boto3 client) follows
CloudWatch's retention (``RETENTION``): a StartTime older than 3 hours needs a period that
is a multiple of 60, older than 15 days of 300, older than 63 days of 3600, or no
datapoints are returned; GetMetricStatistics rounds such a StartTime down to 5 minutes or
an hour; data older than 455 days is gone. Since the aggregates of a 5-minute or hour
period are the same whether the minutes were rolled up when stored or when read, the rows
are kept as put (the memory of a rollup is not saved).
"""

from __future__ import annotations

import math
import re
from array import array
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from simulator.core.errors import AWSError

INVALID_PARAMETER_VALUE = "InvalidParameterValue"
INVALID_PARAMETER_COMBINATION = "InvalidParameterCombination"
MISSING_PARAMETER = "MissingParameter"

STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
"""The five standard statistics (GetMetricStatistics ``Statistics``)."""
HIGH_RESOLUTION_PERIODS = (1, 5, 10, 20, 30)
"""Periods under a minute, allowed only for metrics stored with StorageResolution 1."""
PERCENTILE = re.compile(r"p(\d{1,2}(?:\.\d{0,10})?|100(?:\.0{0,10})?)")
"""ExtendedStatistic percentiles: p0.0 to p100 (other extended statistics are refused)."""
STATISTIC_SET_KEYS = frozenset({"SampleCount", "Sum", "Minimum", "Maximum"})

DimensionsKey = tuple[tuple[str, str], ...]
MetricKey = tuple[str, str, DimensionsKey]

# Columns of a series' row array.
_T, _N, _SUM, _MIN, _MAX, _VSTART, _VLEN = range(7)
_COLS = 7
_NO_RAW = -1.0
"""``_VLEN`` of a statistic set whose raw values are unknown (no percentiles from it)."""


def dimensions_key(
    dimensions: Mapping[str, str] | Sequence[tuple[str, str]] | None,
) -> DimensionsKey:
    """Dimensions as the store keys them: a tuple of (name, value) sorted by name."""
    if not dimensions:
        return ()
    items = dimensions.items() if isinstance(dimensions, Mapping) else dimensions
    return tuple(sorted((str(k), str(v)) for k, v in items))


def _invalid(message: str) -> AWSError:
    return AWSError(INVALID_PARAMETER_VALUE, message)


def percentile_of(name: str) -> float | None:
    """The percentile (0-100) a statistic name asks for, None for a standard statistic;
    InvalidParameterValue for anything else (trimmed means and the like are not modelled)."""
    if name in STATISTICS:
        return None
    m = PERCENTILE.fullmatch(name)
    if m is None:
        raise _invalid(
            f"The statistic {name!r} is not valid: use one of {', '.join(STATISTICS)} or a "
            "percentile p0.0-p100 (ecsim does not simulate trimmed mean and other extended "
            "statistics)."
        )
    return float(m.group(1))


def check_period(period: int, high_resolution: bool) -> None:
    """Periods CloudWatch accepts: 1/5/10/20/30 s for high-resolution metrics, else a
    multiple of 60 (InvalidParameterValue otherwise)."""
    if not isinstance(period, int) or isinstance(period, bool) or period <= 0:
        raise _invalid(f"The parameter Period must be a positive integer, got {period!r}.")
    if period % 60 == 0:
        return
    if period in HIGH_RESOLUTION_PERIODS:
        if high_resolution:
            return
        raise _invalid(
            f"The parameter Period {period} is valid only for high-resolution metrics "
            "(StorageResolution 1); this metric has standard resolution: use a multiple of 60."
        )
    raise _invalid(
        "The parameter Period must be 1, 5, 10, 20, 30 (high-resolution metrics) or a "
        f"multiple of 60, got {period}."
    )


RETENTION: tuple[tuple[float, int], ...] = (
    (3 * 3600.0, 1),
    (15 * 86400.0, 60),
    (63 * 86400.0, 300),
    (455 * 86400.0, 3600),
)
"""(age, period): CloudWatch keeps data under a minute's period for 3 hours, 1-minute data
for 15 days, 5-minute data for 63 days and 1-hour data for 455 days; older data is
aggregated to the next period, and is gone after 455 days (GetMetricStatistics, "Amazon
CloudWatch retains metric data as follows")."""
EXPIRY = RETENTION[-1][0]


def retained_period(age: float) -> int:
    """The period a read's StartTime ``age`` seconds ago must be a multiple of (the Period
    parameter: "or no data points in that time range is returned")."""
    for limit, period in RETENTION:
        if age <= limit:
            return period
    return RETENTION[-1][1]


def align_start(start: float, period: int, age: float | None = None) -> float:
    """GetMetricStatistics' rounding of StartTime: down to the minute for periods of 60 s
    or more, down to a multiple of the period for shorter ones; a StartTime ``age``
    seconds ago between 15 and 63 days down to 5 minutes, older down to the hour."""
    step = 60 if period >= 60 else period
    if age is not None and age > RETENTION[1][0]:
        step = 300 if age <= RETENTION[2][0] else 3600
    return math.floor(start / step) * step


@dataclass(slots=True)
class Datapoint:
    """One period's statistics. ``timestamp`` is the period's start (simulated seconds);
    ``values`` maps each requested statistic it could compute to its value (a percentile
    is left out when the period holds statistic sets without raw values)."""

    timestamp: float
    values: dict[str, float]
    sample_count: float
    unit: str | None = None


class SeriesHandle:
    """One metric series: append points without hashing its key again (hot loops).

    Single values go to two C arrays of doubles (``array('d')``: amortised O(1) appends,
    no Python object per point) and move into the numpy row array in one block the next
    time the series is read; every other datum goes to the row array directly."""

    __slots__ = (
        "key",
        "unit",
        "high_resolution",
        "_rows",
        "_n",
        "_pool",
        "_pool_n",
        "_sorted",
        "_bt",
        "_bv",
    )

    def __init__(self, key: MetricKey, capacity: int = 64):
        self.key = key
        self.unit: str | None = None
        self.high_resolution = False
        self._rows = np.empty((capacity, _COLS), dtype=np.float64)
        self._n = 0
        self._pool = np.empty((0, 2), dtype=np.float64)
        self._pool_n = 0
        self._sorted = True
        self._bt = array("d")
        self._bv = array("d")

    def __len__(self) -> int:
        return self._n + len(self._bt)

    @property
    def namespace(self) -> str:
        return self.key[0]

    @property
    def metric_name(self) -> str:
        return self.key[1]

    @property
    def dimensions(self) -> DimensionsKey:
        return self.key[2]

    # ------------------------------------------------------------------ writing
    def put(
        self,
        timestamp: float,
        *,
        value: float | None = None,
        values: Sequence[float] | None = None,
        counts: Sequence[float] | None = None,
        statistic_values: Mapping[str, float] | None = None,
        unit: str | None = None,
        storage_resolution: int = 60,
    ) -> None:
        """Add one datum, exactly as a MetricDatum carries it (one of value, values with
        optional counts, statistic_values)."""
        if storage_resolution == 60:
            # Standard resolution: CloudWatch keeps one-minute granularity, so the datum
            # counts at the start of its minute (sub-minute periods see it only there).
            timestamp -= timestamp % 60
        elif storage_resolution == 1:
            self.high_resolution = True
        else:
            raise _invalid(
                f"The parameter StorageResolution must be 1 or 60, got {storage_resolution!r}."
            )
        if unit is not None:
            self.unit = unit
        if values is None and statistic_values is None and value is not None:
            self._bt.append(timestamp)  # the hot path
            self._bv.append(value)
        else:
            self._put_general(timestamp, value, values, counts, statistic_values)

    def _flush(self) -> None:
        """Move the buffered single values into the row array."""
        k = len(self._bt)
        if not k:
            return
        t = np.frombuffer(self._bt, dtype=np.float64)
        v = np.frombuffer(self._bv, dtype=np.float64)
        self._append_singles(t, v)
        self._bt = array("d")
        self._bv = array("d")

    def _append_singles(self, t: np.ndarray, v: np.ndarray) -> None:
        k = t.shape[0]
        while self._n + k > self._rows.shape[0]:
            self._grow()
        n = self._n
        block = self._rows[n : n + k]
        block[:, _T] = t
        block[:, _N] = 1.0
        block[:, _SUM] = v
        block[:, _MIN] = v
        block[:, _MAX] = v
        block[:, _VSTART] = 0.0
        block[:, _VLEN] = 0.0
        if (n and t[0] < self._rows[n - 1, _T]) or bool(np.any(np.diff(t) < 0)):
            self._sorted = False
        self._n = n + k

    def _stamps(self, timestamps: Sequence[float] | np.ndarray, resolution: int) -> np.ndarray:
        """Timestamps as stored: floored to the minute at standard resolution; resolution
        1 marks the series high-resolution (PutMetricData's StorageResolution)."""
        t = np.array(timestamps, dtype=np.float64)
        if resolution == 60:
            t -= t % 60
        elif resolution == 1:
            self.high_resolution = True
        else:
            raise _invalid(f"The parameter StorageResolution must be 1 or 60, got {resolution!r}.")
        return t

    def put_many(
        self,
        timestamps: Sequence[float] | np.ndarray,
        values: Sequence[float] | np.ndarray,
        *,
        storage_resolution: int = 60,
    ) -> None:
        """Append many single-value points at once (vectorised)."""
        t = self._stamps(timestamps, storage_resolution)
        v = np.asarray(values, dtype=np.float64)
        if t.shape != v.shape or t.ndim != 1:
            raise _invalid("timestamps and values must be 1-D sequences of the same length.")
        if t.shape[0]:
            self._flush()
            self._append_singles(t, v)

    def put_values_many(
        self,
        timestamps: Sequence[float] | np.ndarray,
        values: np.ndarray,
        counts: np.ndarray,
        *,
        storage_resolution: int = 60,
    ) -> None:
        """Append k data of m weighted values each (``values``, ``counts``: shape (k, m),
        counts > 0 in every row), as k puts with Values and Counts would (vectorised)."""
        t = self._stamps(timestamps, storage_resolution)
        v = np.asarray(values, dtype=np.float64)
        c = np.asarray(counts, dtype=np.float64)
        if v.ndim != 2 or v.shape != c.shape or v.shape[0] != t.shape[0] or not v.shape[1]:
            raise _invalid("values and counts must be (k, m) arrays for k timestamps.")
        if bool(np.any(c < 0)) or bool(np.any(c.sum(axis=1) <= 0)):
            raise _invalid("Counts must not be negative and must add up to more than 0.")
        k, m = v.shape
        if not k:
            return
        self._flush()
        start = self._pool_n
        need = start + k * m
        if need > self._pool.shape[0]:
            grown = np.empty((max(64, 2 * need), 2), dtype=np.float64)
            grown[:start] = self._pool[:start]
            self._pool = grown
        self._pool[start:need, 0] = v.ravel()
        self._pool[start:need, 1] = c.ravel()
        self._pool_n = need
        used = c > 0
        while self._n + k > self._rows.shape[0]:
            self._grow()
        n = self._n
        block = self._rows[n : n + k]
        block[:, _T] = t
        block[:, _N] = c.sum(axis=1)
        block[:, _SUM] = (v * c).sum(axis=1)
        block[:, _MIN] = np.where(used, v, np.inf).min(axis=1)
        block[:, _MAX] = np.where(used, v, -np.inf).max(axis=1)
        block[:, _VSTART] = start + m * np.arange(k)
        block[:, _VLEN] = m
        if (n and t[0] < self._rows[n - 1, _T]) or bool(np.any(np.diff(t) < 0)):
            self._sorted = False
        self._n = n + k

    def _grow(self) -> None:
        grown = np.empty((max(64, 2 * self._rows.shape[0]), _COLS), dtype=np.float64)
        grown[: self._n] = self._rows[: self._n]
        self._rows = grown

    def _put_general(
        self,
        timestamp: float,
        value: float | None,
        values: Sequence[float] | None,
        counts: Sequence[float] | None,
        statistic_values: Mapping[str, float] | None,
    ) -> None:
        given = [x is not None for x in (value, values, statistic_values)]
        if sum(given) != 1:
            raise AWSError(
                INVALID_PARAMETER_COMBINATION,
                "A metric datum must have exactly one of Value, Values (with optional "
                "Counts) or StatisticValues.",
            )
        if counts is not None and values is None:
            raise AWSError(INVALID_PARAMETER_COMBINATION, "Counts may be given only with Values.")
        self._flush()
        if statistic_values is not None:
            row = self._statistic_set_row(timestamp, statistic_values)
        else:
            assert values is not None
            row = self._values_row(timestamp, values, counts)
        if self._n == self._rows.shape[0]:
            self._grow()
        if self._n and timestamp < self._rows[self._n - 1, _T]:
            self._sorted = False
        self._rows[self._n] = row
        self._n += 1

    def _statistic_set_row(self, timestamp: float, s: Mapping[str, float]) -> tuple[float, ...]:
        missing = STATISTIC_SET_KEYS - set(s)
        if missing:
            raise AWSError(
                MISSING_PARAMETER,
                f"StatisticValues must have SampleCount, Sum, Minimum and Maximum; missing "
                f"{', '.join(sorted(missing))}.",
            )
        n, total = float(s["SampleCount"]), float(s["Sum"])
        lo, hi = float(s["Minimum"]), float(s["Maximum"])
        if n <= 0 or lo > hi:
            raise _invalid(
                "StatisticValues must have SampleCount > 0 and Minimum <= Maximum, got "
                f"SampleCount={n}, Minimum={lo}, Maximum={hi}."
            )
        # CloudWatch can give percentiles of a statistic set only when it holds one
        # distinct value: SampleCount 1, or Minimum == Maximum and Sum == Minimum * count.
        raw = lo == hi and math.isclose(total, lo * n, rel_tol=1e-9, abs_tol=1e-9)
        return (timestamp, n, total, lo, hi, 0.0, 0.0 if raw else _NO_RAW)

    def _values_row(
        self, timestamp: float, values: Sequence[float], counts: Sequence[float] | None
    ) -> tuple[float, ...]:
        v = np.asarray(values, dtype=np.float64)
        if v.ndim != 1 or v.shape[0] == 0:
            raise _invalid("Values must be a non-empty list of numbers.")
        if counts is None:
            c = np.ones_like(v)
        else:
            c = np.asarray(counts, dtype=np.float64)
            if c.shape != v.shape:
                raise _invalid(
                    f"Counts must have as many entries as Values ({v.shape[0]}), got "
                    f"{c.shape[0] if c.ndim else 0}."
                )
            if bool(np.any(c < 0)):
                raise _invalid("Counts must not be negative.")
        total_n = float(c.sum())
        if total_n <= 0:
            raise _invalid("Counts must add up to more than 0.")
        start = self._pool_n
        need = start + v.shape[0]
        if need > self._pool.shape[0]:
            grown = np.empty((max(64, 2 * need), 2), dtype=np.float64)
            grown[:start] = self._pool[:start]
            self._pool = grown
        self._pool[start:need, 0] = v
        self._pool[start:need, 1] = c
        self._pool_n = need
        used = v[c > 0]
        return (
            timestamp,
            total_n,
            float((v * c).sum()),
            float(used.min()),
            float(used.max()),
            float(start),
            float(v.shape[0]),
        )

    # ------------------------------------------------------------------ reading
    def rows(self) -> np.ndarray:
        """The stored rows sorted by timestamp (columns t, n, sum, min, max, ...)."""
        self._flush()
        if not self._sorted:
            order = np.argsort(self._rows[: self._n, _T], kind="stable")
            self._rows[: self._n] = self._rows[: self._n][order]
            self._sorted = True
        return self._rows[: self._n]

    def last_timestamp(self) -> float | None:
        return float(self.rows()[-1, _T]) if len(self) else None

    def statistics(
        self,
        start: float,
        end: float,
        period: int,
        statistics: Sequence[str],
        *,
        align: bool = True,
        now: float | None = None,
        round_by_age: bool = True,
    ) -> list[Datapoint]:
        """Datapoints of the periods in [start, end) that hold data, oldest first.

        ``align=False`` (alarms) takes the periods from ``start`` exactly and accepts any
        alarm period on any series: a sub-minute period over a standard-resolution series
        simply finds data only in the periods that hold a minute's start. ``now``: the
        read is made then and follows CloudWatch's retention (``RETENTION``);
        ``round_by_age`` False keeps the minute rounding of an old StartTime (GetMetricData
        rounds by the period only)."""
        if align:
            check_period(period, self.high_resolution)
        age = None if now is None or not align else now - start
        if age is not None and period % retained_period(age):
            return []  # a period finer than CloudWatch still keeps for that StartTime
        wanted = list(dict.fromkeys(statistics))
        if not wanted:
            raise AWSError(
                MISSING_PARAMETER, "At least one of Statistics or ExtendedStatistics is required."
            )
        pcts = {s: percentile_of(s) for s in wanted}
        t0 = align_start(start, period, age if round_by_age else None) if align else float(start)
        if end <= t0:
            return []
        rows = self.rows()
        ts = rows[:, _T]
        first = t0 if now is None else max(t0, now - EXPIRY)  # older data has expired
        lo, hi = np.searchsorted(ts, [first, end], side="left")
        if lo >= hi:
            return []
        sel = rows[lo:hi]
        bucket = np.floor((sel[:, _T] - t0) / period).astype(np.int64)
        # Buckets are contiguous because rows are sorted: reduce over their boundaries.
        cuts = np.flatnonzero(np.diff(bucket)) + 1
        starts = np.concatenate(([0], cuts))
        n = np.add.reduceat(sel[:, _N], starts)
        columns: dict[str, list[float | None]] = {}
        for name, p in pcts.items():
            if p is not None:
                columns[name] = self._percentiles(sel, bucket, starts, p)
            elif name == "SampleCount":
                columns[name] = n.tolist()
            elif name == "Sum":
                columns[name] = np.add.reduceat(sel[:, _SUM], starts).tolist()
            elif name == "Average":
                columns[name] = (np.add.reduceat(sel[:, _SUM], starts) / n).tolist()
            elif name == "Minimum":
                columns[name] = np.minimum.reduceat(sel[:, _MIN], starts).tolist()
            else:
                columns[name] = np.maximum.reduceat(sel[:, _MAX], starts).tolist()
        times = (t0 + bucket[starts] * float(period)).tolist()
        counts = n.tolist()
        unit = self.unit
        if len(columns) == 1 and pcts[wanted[0]] is None:
            (name,) = columns
            return [
                Datapoint(ts, {name: x}, c, unit)  # type: ignore[dict-item]
                for ts, x, c in zip(times, columns[name], counts, strict=True)
            ]
        names = list(columns)
        rows_of = zip(*(columns[k] for k in names), strict=True)
        return [
            Datapoint(ts, {k: x for k, x in zip(names, r, strict=True) if x is not None}, c, unit)
            for ts, c, r in zip(times, counts, rows_of, strict=True)
        ]

    def _percentiles(
        self, sel: np.ndarray, bucket: np.ndarray, starts: np.ndarray, p: float
    ) -> list[float | None]:
        """Nearest-rank percentile of each bucket's raw samples: the smallest value with
        at least p % of the samples at or below it. None for a bucket holding a statistic
        set without raw values (CloudWatch gives no percentile from those)."""
        vlen = sel[:, _VLEN]
        single = vlen == 0
        b_parts = [bucket[single]]
        v_parts = [sel[single, _MIN]]
        c_parts = [sel[single, _N]]
        pooled = np.flatnonzero(vlen > 0)
        if pooled.size:
            lens = vlen[pooled].astype(np.int64)
            first = sel[pooled, _VSTART].astype(np.int64)
            offsets = np.repeat(first - np.concatenate(([0], np.cumsum(lens)[:-1])), lens)
            idx = np.arange(int(lens.sum())) + offsets
            b_parts.append(np.repeat(bucket[pooled], lens))
            v_parts.append(self._pool[idx, 0])
            c_parts.append(self._pool[idx, 1])
        b = np.concatenate(b_parts)
        v = np.concatenate(v_parts)
        c = np.concatenate(c_parts)
        keep = c > 0  # a value published with count 0 is no sample
        b, v, c = b[keep], v[keep], c[keep]
        if not v.size:
            return [None] * starts.shape[0]
        order = np.lexsort((v, b))
        b, v, c = b[order], v[order], c[order]
        cum = np.cumsum(c)
        ids = bucket[starts]
        lo = np.searchsorted(b, ids, side="left")
        hi = np.searchsorted(b, ids, side="right")
        before = np.where(lo > 0, cum[np.maximum(lo - 1, 0)], 0.0)
        total = np.where(hi > lo, cum[np.maximum(hi - 1, 0)], 0.0) - before
        target = before + np.maximum(p / 100.0 * total, 1e-300) - 1e-9 * np.maximum(total, 1.0)
        pick = np.minimum(np.searchsorted(cum, target, side="left"), np.maximum(hi - 1, 0))
        pick = np.maximum(pick, lo)
        result: list[float] = v[np.minimum(pick, v.size - 1)].tolist()
        no_raw = np.flatnonzero(vlen == _NO_RAW)
        blocked = set(bucket[no_raw].tolist()) if no_raw.size else set()
        out: list[float | None] = []
        for i, bid in enumerate(ids.tolist()):
            if bid in blocked or total[i] <= 0:
                out.append(None)
            else:
                out.append(result[i])
        return out


@dataclass
class MetricStore:
    """Every metric series of one simulated account, live during the run."""

    _series: dict[MetricKey, SeriesHandle] = field(default_factory=dict)

    def series(
        self,
        namespace: str,
        metric_name: str,
        dimensions: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
    ) -> SeriesHandle:
        """The handle of a series, created empty if it does not exist yet."""
        key = (namespace, metric_name, dimensions_key(dimensions))
        handle = self._series.get(key)
        if handle is None:
            check_key(namespace, metric_name, key[2])
            handle = SeriesHandle(key)
            self._series[key] = handle
        return handle

    def find(
        self,
        namespace: str,
        metric_name: str,
        dimensions: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
    ) -> SeriesHandle | None:
        """The series if anything was ever put into it (no series is created)."""
        return self._series.get((namespace, metric_name, dimensions_key(dimensions)))

    def put(
        self,
        namespace: str,
        metric_name: str,
        dimensions: Mapping[str, str] | Sequence[tuple[str, str]] | None,
        timestamp: float,
        *,
        value: float | None = None,
        values: Sequence[float] | None = None,
        counts: Sequence[float] | None = None,
        statistic_values: Mapping[str, float] | None = None,
        unit: str | None = None,
        storage_resolution: int = 60,
    ) -> None:
        """Add one datum to a series (created on first put), as PutMetricData does."""
        self.series(namespace, metric_name, dimensions).put(
            timestamp,
            value=value,
            values=values,
            counts=counts,
            statistic_values=statistic_values,
            unit=unit,
            storage_resolution=storage_resolution,
        )

    def statistics(
        self,
        namespace: str,
        metric_name: str,
        dimensions: Mapping[str, str] | Sequence[tuple[str, str]] | None,
        start: float,
        end: float,
        period: int,
        statistics: Sequence[str],
    ) -> list[Datapoint]:
        """Datapoints of [start, end) in ``period``-second periods, oldest first; a series
        that was never put answers no datapoints (as CloudWatch does)."""
        handle = self.find(namespace, metric_name, dimensions)
        if handle is None:
            check_period(period, high_resolution=period in HIGH_RESOLUTION_PERIODS)
            for s in statistics:
                percentile_of(s)
            return []
        return handle.statistics(start, end, period, statistics)

    def list_metrics(
        self,
        namespace: str | None = None,
        metric_name: str | None = None,
        dimensions: Mapping[str, str | None] | Sequence[tuple[str, str | None]] | None = None,
    ) -> list[MetricKey]:
        """Keys of the series that hold data and match: a dimension filter with value None
        matches any value of that dimension name (ListMetrics' DimensionFilter)."""
        wanted: list[tuple[str, str | None]] = list(
            (dimensions.items() if isinstance(dimensions, Mapping) else dimensions) or ()
        )
        out = []
        for key, handle in self._series.items():
            if not len(handle):
                continue
            if namespace is not None and key[0] != namespace:
                continue
            if metric_name is not None and key[1] != metric_name:
                continue
            have = dict(key[2])
            if all(n in have and (v is None or have[n] == v) for n, v in wanted):
                out.append(key)
        return sorted(out)

    def __iter__(self) -> Iterator[SeriesHandle]:
        return iter(self._series.values())

    def __len__(self) -> int:
        return len(self._series)


def check_key(namespace: str, metric_name: str, dims: DimensionsKey) -> None:
    """The rules PutMetricData applies to a metric's identity."""
    if not namespace or not metric_name:
        raise AWSError(MISSING_PARAMETER, "Namespace and MetricName are required.")
    if len(dims) > 30:
        raise _invalid(f"A metric can have at most 30 dimensions, got {len(dims)}.")
    names = [n for n, _ in dims]
    if len(set(names)) != len(names):
        raise _invalid(f"Dimension names must be unique, got {names}.")
