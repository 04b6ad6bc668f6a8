"""Sweeps and replications: points x variants x replications, run on any executor,
resumed from the runs already stored, summarized with intervals.

The tidy table has one row per (point, variant, replication, metric): the point's
field values as columns named by their path, then ``point``, ``variant``,
``replication``, ``seed``, ``metric`` and ``value``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.core.durations import Duration, parse_duration
from simulator.core.errors import EcsimError
from simulator.experiment.executors import Executor, SerialExecutor
from simulator.experiment.metrics import run_metrics
from simulator.experiment.replications import RunStore, RunTask, execute, replication_seeds
from simulator.experiment.stats import interval_for, paired_difference
from simulator.scenario.schema import Scenario
from simulator.scenario.sweep_points import Point, point_scenario
from simulator.scenario.variants import all_variants

Progress = Callable[[int, int], None]


@dataclass
class SweepPlan:
    """What a sweep will run: every task, in the order of the tidy table."""

    scenario: str
    points: list[Point]
    variants: list[str]
    replications: int
    seeds: list[int]
    tasks: list[RunTask]
    has_hosts: bool
    duration_s: float

    @property
    def fields(self) -> list[str]:
        return list(dict.fromkeys(k for p in self.points for k in p))

    def describe(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "points": self.points,
            "fields": self.fields,
            "variants": self.variants,
            "replications": self.replications,
            "seeds": self.seeds,
            "runs": len(self.tasks),
            "has_hosts": self.has_hosts,
            "duration_s": self.duration_s,
        }


def plan_sweep(
    scenario: Scenario,
    points: list[Point] | None = None,
    replications: int = 1,
    seed: int | None = None,
    duration: Duration | None = None,
    variants: list[str] | None = None,
    source: str = "<scenario>",
) -> SweepPlan:
    """Expand points x variants x replications into tasks (validating every point)."""
    # the duration override applies to each concrete run, as `ecsim run --duration` does
    # (events past the new end simply do not happen)
    length = parse_duration(duration) if duration is not None else None
    points = points or [{}]
    seeds = replication_seeds(scenario.seed if seed is None else seed, replications)
    tasks: list[RunTask] = []
    names: list[str] = []
    has_hosts = False
    for i, values in enumerate(points):
        at = point_scenario(scenario, values, source) if values else scenario
        by_name = all_variants(at, source)
        chosen = _choose(by_name, variants)
        if not names:
            names = chosen
        for name in chosen:
            v = by_name[name]
            has_hosts = has_hosts or bool(
                v.capacity.dedicated_hosts
                or v.faults
                or any(getattr(e, "action", "") == "fail_host" for e in v.events)
            )
            if len(by_name) > 1:
                v = v.model_copy(update={"name": f"{v.name}@{name}"})
            if length is not None:
                v = v.model_copy(update={"duration": length})
            data = v.model_dump(mode="json")
            data["sweep"] = None
            for r, s in enumerate(seeds):
                tasks.append(RunTask(i, values, name, r, s, data))
    return SweepPlan(
        scenario.name,
        points,
        names,
        replications,
        seeds,
        tasks,
        has_hosts,
        length if length is not None else scenario.duration,
    )


def _choose(by_name: dict[str, Scenario], wanted: list[str] | None) -> list[str]:
    if not wanted:
        return list(by_name)
    unknown = [w for w in wanted if w not in by_name]
    if unknown:
        known = ", ".join(by_name)
        raise EcsimError(f"--variant: no variant {unknown[0]!r} (known: {known})")
    return list(wanted)


@dataclass
class SweepResult:
    plan: SweepPlan
    records: dict[str, dict[str, Any]]  # key -> stored record
    executed: int = 0  # runs done by this call (the rest came from the store)
    _cache: dict[Any, pd.DataFrame] = field(default_factory=dict, repr=False)

    def runs(self) -> list[tuple[RunTask, dict[str, Any]]]:
        return [(t, self.records[t.key]) for t in self.plan.tasks]

    def table(self) -> pd.DataFrame:
        """The tidy table: point fields, point, variant, replication, seed, metric, value."""
        if "table" not in self._cache:
            self._cache["table"] = self._table()
        return self._cache["table"].copy()

    def _table(self) -> pd.DataFrame:
        rows = []
        fields = self.plan.fields
        for t, rec in self.runs():
            base = {f: t.point_values.get(f) for f in fields}
            base.update(point=t.point, variant=t.variant, replication=t.replication, seed=t.seed)
            for metric, value in run_metrics(rec["summary"]).items():
                rows.append({**base, "metric": metric, "value": value})
        df = pd.DataFrame(rows)
        for f in fields:  # one type per column, so Parquet can hold it
            kinds = {type(v) for v in df[f].dropna()}
            if len(kinds) > 1 and not kinds <= {int, float}:
                df[f] = df[f].astype(str)
        df["variant"] = pd.Categorical(df["variant"], categories=self.plan.variants)
        df["value"] = df["value"].astype(float)
        return df

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Per point, variant and metric: the estimate with its interval."""
        if ("summary", level) not in self._cache:
            self._cache["summary", level] = summarize_table(self.table(), self.plan.fields, level)
        return self._cache["summary", level].copy()

    def differences(self, level: float = 0.95) -> pd.DataFrame:
        """Per point and metric: each variant minus the first, paired by replication."""
        key = ("differences", level)
        if key not in self._cache:
            self._cache[key] = paired_differences(self.table(), self.plan.fields, level)
        return self._cache[key].copy()


def summarize_table(df: pd.DataFrame, fields: list[str], level: float = 0.95) -> pd.DataFrame:
    rows = []
    for (point, variant, metric), g in df.groupby(
        ["point", "variant", "metric"], observed=True, sort=False
    ):
        values = g["value"].to_numpy()
        first = g.iloc[0]
        row: dict[str, Any] = {f: first[f] for f in fields}
        row.update(point=point, variant=variant, metric=metric)
        if bool(pd.isna(values).all()):
            row.update(estimate=math.nan, low=math.nan, high=math.nan, n=0, method="none")
        else:
            i = interval_for(str(metric), values, level)
            # a number that cannot be negative (a cost, a count) keeps its interval >= 0:
            # the clipped part holds no possible mean, so coverage only grows
            low = max(i.low, 0.0) if bool((values[~pd.isna(values)] >= 0).all()) else i.low
            row.update(estimate=i.estimate, low=low, high=i.high, n=i.n, method=i.method)
        rows.append(row)
    return pd.DataFrame(rows)


def paired_differences(df: pd.DataFrame, fields: list[str], level: float = 0.95) -> pd.DataFrame:
    variants = list(df["variant"].cat.categories) if hasattr(df["variant"], "cat") else []
    if len(variants) < 2:
        return pd.DataFrame()
    ref = variants[0]
    rows = []
    for (point, metric), g in df.groupby(["point", "metric"], observed=True, sort=False):
        wide = g.pivot_table(
            index="replication", columns="variant", values="value", observed=True, dropna=False
        )
        if ref not in wide:
            continue
        first = g.iloc[0]
        for other in variants[1:]:
            if other not in wide:
                continue
            a, b = wide[ref].to_numpy(), wide[other].to_numpy()
            if bool(pd.isna(a).all() or pd.isna(b).all()):
                continue
            d = paired_difference(a, b, level)
            row: dict[str, Any] = {f: first[f] for f in fields}
            row.update(point=point, metric=metric, variant=other, reference=ref)
            row.update(
                difference=d.interval.estimate,
                low=d.interval.low,
                high=d.interval.high,
                n=d.interval.n,
                p_value=d.p_value,
                significant=d.significant,
            )
            rows.append(row)
    return pd.DataFrame(rows)


def run_sweep(
    plan: SweepPlan,
    store: RunStore | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> SweepResult:
    """Run the plan's tasks that the store does not hold yet; every finished run is
    stored before the next is awaited, so an interrupt loses only runs in flight."""
    executor = executor or SerialExecutor()
    records: dict[str, dict[str, Any]] = {}
    todo: dict[str, RunTask] = {}
    for t in plan.tasks:
        if t.key in records or t.key in todo:
            continue
        if store is not None and store.has(t.key):
            records[t.key] = store.load(t.key)
        else:
            todo[t.key] = t
    unique = len(records) + len(todo)
    done = len(records)
    if progress is not None:
        progress(done, unique)
    executed = 0
    for rec in executor.map_unordered(execute, [t.payload() for t in todo.values()]):
        if store is not None:
            store.save(rec)
        records[rec["key"]] = rec
        executed += 1
        done += 1
        if progress is not None:
            progress(done, unique)
    return SweepResult(plan, records, executed)


def load_plan_description(out: Path) -> dict[str, Any]:
    return json.loads((Path(out) / "sweep.json").read_text())


def run_replications(
    scenario: Scenario,
    replications: int,
    seed: int | None = None,
    duration: Duration | None = None,
    variants: list[str] | None = None,
    executor: Executor | None = None,
    store: RunStore | None = None,
) -> SweepResult:
    """``replications`` runs of every variant of ``scenario`` (common random numbers)."""
    plan = plan_sweep(scenario, None, replications, seed, duration, variants)
    return run_sweep(plan, store, executor)
