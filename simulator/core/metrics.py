"""Metric time series with labels, recorded into compact columnar blocks.

A series is (metric name, labels). Points are kept as blocks: a block of T times and S
series holds its times once (float64), its series ids once (int32) and a T x S array of
values (``dtype``: float64 by default, float32 to halve it), so a point costs its value's
bytes plus a share of its block's times and ids, not 24 bytes (time, id and value each).
One DataFrame is built at the end. Recording a vector of values for many series at one
time is a single append, which keeps a month of a large fleet cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

LabelSet = tuple[tuple[str, str], ...]


def _label_set(labels: Mapping[str, object]) -> LabelSet:
    return tuple(sorted((k, str(v)) for k, v in labels.items()))


class MetricRecorder:
    """Collects (time, metric, labels, value) points; ``to_frame`` makes the table."""

    def __init__(
        self, keep: Callable[[str], bool] | None = None, dtype: npt.DTypeLike = np.float64
    ) -> None:
        self.keep = keep
        """Which metrics are recorded (None: all); points of the others are dropped."""
        self.dtype = np.dtype(dtype)
        """How values are stored (float64: as computed; float32: 4 bytes a point, about
        7 significant digits)."""
        self._kept: list[bool] = []  # per series id
        self._kept_array = np.ones(0, bool)
        self._series: dict[tuple[str, LabelSet], int] = {}
        self._series_list: list[tuple[str, LabelSet]] = []
        # blocks: times (T,), series ids (S,), values (T, S)
        self._blocks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        # single points are buffered in lists and flushed as one chunk
        self._pt: list[float] = []
        self._pi: list[int] = []
        self._pv: list[float] = []

    def series_id(self, metric: str, **labels: object) -> int:
        """The id of a series, created on first use; cache it for hot loops."""
        key = (metric, _label_set(labels))
        sid = self._series.get(key)
        if sid is None:
            sid = len(self._series_list)
            self._series[key] = sid
            self._series_list.append(key)
            self._kept.append(self.keep is None or self.keep(metric))
        return sid

    def _mask(self, ids: np.ndarray) -> np.ndarray | None:
        """Which of ``ids`` are kept (None: all of them)."""
        if self.keep is None:
            return None
        if len(self._kept_array) != len(self._kept):
            self._kept_array = np.array(self._kept, bool)
        mask = self._kept_array[ids]
        return None if mask.all() else mask

    def series_ids(self, metric: str, label: str, values: Sequence[object]) -> np.ndarray:
        """Ids of one series per value of a single label, e.g. one per service."""
        return np.array([self.series_id(metric, **{label: v}) for v in values], dtype=np.int64)

    def record(self, time: float, metric: str, value: float, **labels: object) -> None:
        sid = self.series_id(metric, **labels)
        if not self._kept[sid]:
            return
        self._pt.append(float(time))
        self._pi.append(sid)
        self._pv.append(float(value))

    def record_ids(self, time: float, ids: npt.ArrayLike, values: npt.ArrayLike) -> None:
        """Record ``values[i]`` for series ``ids[i]`` at ``time`` (one append)."""
        self.record_block([float(time)], ids, values)

    def record_block(self, times: npt.ArrayLike, ids: npt.ArrayLike, values: npt.ArrayLike) -> None:
        """Record a block of points: times[t], ids[s], values[t, s]."""
        t = np.asarray(times, dtype=np.float64)
        i = np.asarray(ids, dtype=np.int64)
        v = np.asarray(values, dtype=np.float64).reshape(t.shape[0], i.shape[0])
        mask = self._mask(i)
        if mask is not None:
            i, v = i[mask], v[:, mask]
        if t.shape[0] == 0 or i.shape[0] == 0:
            return
        self._blocks.append((t.copy(), i.astype(np.int32), v.astype(self.dtype, copy=True)))

    def _flush_points(self) -> None:
        if self._pt:
            n = len(self._pt)
            values = np.array(self._pv, dtype=self.dtype).reshape(n, 1)
            for k in range(n):  # single points: blocks of one (rare: a few per run)
                self._blocks.append(
                    (np.array([self._pt[k]]), np.array([self._pi[k]], np.int32), values[k : k + 1])
                )
            self._pt, self._pi, self._pv = [], [], []

    def __len__(self) -> int:
        return sum(b[2].size for b in self._blocks) + len(self._pt)

    @property
    def nbytes(self) -> int:
        """Bytes the recorded points take (arrays' data, not Python object headers)."""
        return sum(t.nbytes + i.nbytes + v.nbytes for t, i, v in self._blocks)

    def _columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(times, series ids, values) of every point, block by block, row by row."""
        if not self._blocks:
            return np.empty(0), np.empty(0, dtype=np.int32), np.empty(0, dtype=self.dtype)
        times = np.concatenate([np.repeat(t, i.shape[0]) for t, i, _ in self._blocks])
        ids = np.concatenate([np.tile(i, t.shape[0]) for t, i, _ in self._blocks])
        values = np.concatenate([v.ravel() for _, _, v in self._blocks])
        return times, ids, values

    def grouped(self, label: str) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]:
        """(value of ``label``, metric) -> (times, values) of the points of every series
        with that label, in the long table's order (time, then series id): what filtering
        ``to_frame()`` by the label and grouping by metric gives, without building the
        table (a summary reads a long run's points this way at a fraction of its memory)."""
        self._flush_points()
        members: dict[tuple[str, str], list[int]] = {}
        for sid, (metric, ls) in enumerate(self._series_list):
            value = dict(ls).get(label)
            if value is not None:
                members.setdefault((value, metric), []).append(sid)
        parts: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}
        for t, i, v in self._blocks:
            for j, sid in enumerate(i.tolist()):
                parts.setdefault(sid, []).append((t, v[:, j]))
        out: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        for key, sids in members.items():
            chunks = [(sid, t, v) for sid in sids for t, v in parts.get(sid, ())]
            if not chunks:
                continue
            times = np.concatenate([t for _, t, _ in chunks])
            values = np.concatenate([v for _, _, v in chunks]).astype(np.float64)
            if len(sids) > 1:
                ids = np.concatenate([np.full(t.shape[0], sid) for sid, t, _ in chunks])
                order = np.lexsort((ids, times))
            else:
                order = np.argsort(times, kind="stable")
            out[key] = (times[order], values[order])
        return out

    def to_frame(self) -> pd.DataFrame:
        """Long table: time, metric, value and one column per label name (categoricals).

        Built a column at a time, each sorted and its unsorted copy dropped before the
        next, codes at the categories' own width, and the frame made without copying:
        the peak is about 1.5 times the table, not 3 (a long run's table is the largest
        thing a run holds)."""
        self._flush_points()
        label_names = sorted({k for _, ls in self._series_list for k, _ in ls})
        times, ids, values = self._columns()
        order = np.lexsort((ids, times))
        times = times[order]
        ids = ids[order]
        values = values[order]
        del order
        metric_names = [m for m, _ in self._series_list]
        columns: dict[str, object] = {
            "time": times,
            "metric": _categorical(metric_names, ids),
        }
        for name in label_names:
            per_series = [dict(ls).get(name) for _, ls in self._series_list]
            columns[name] = _categorical(per_series, ids)
        del ids
        columns["value"] = values.astype(np.float64, copy=False)
        return pd.DataFrame(columns, copy=False)


def _categorical(per_series: Sequence[str | None], ids: np.ndarray) -> pd.Categorical:
    """The column of one label (or the metric name) for the points of series ``ids``."""
    codes, categories = _codes(per_series, ids)
    return pd.Categorical.from_codes(codes, categories, validate=False)


def _codes(per_series: Sequence[str | None], ids: np.ndarray) -> tuple[np.ndarray, list[str]]:
    categories = sorted({v for v in per_series if v is not None})
    index = {v: i for i, v in enumerate(categories)}
    width = np.int8 if len(categories) < 127 else np.int16 if len(categories) < 32767 else np.int32
    lookup = np.array(
        [index.get(v, -1) if v is not None else -1 for v in per_series] or [-1], dtype=width
    )
    codes = lookup[ids] if len(ids) else np.empty(0, dtype=width)
    return codes, categories
