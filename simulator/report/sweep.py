"""The report of a sweep or of replications: tidy Parquet, summaries with intervals,
paired differences, a table that fits the question and plots with interval bands.

Host-failure columns and panels appear only when the scenario has Dedicated Hosts,
host faults or fail_host events; OOM kills only when some run had one.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from simulator.core.durations import format_duration  # noqa: E402
from simulator.experiment.metrics import HEADLINE, Metric  # noqa: E402
from simulator.experiment.stats import Interval, format_interval  # noqa: E402
from simulator.experiment.sweep import SweepResult  # noqa: E402


def columns(summary: pd.DataFrame, has_hosts: bool) -> list[Metric]:
    """The headline numbers worth a column for this experiment."""
    present = set(summary["metric"]) if len(summary) else set()
    out = []
    for m in HEADLINE:
        if not m.column or m.name not in present or (m.host and not has_hosts):
            continue
        if m.name == "oom_kills":
            est = summary.loc[summary["metric"] == m.name, "high"]
            if not (est.fillna(0) > 0).any():
                continue
        out.append(m)
    return out


def _cell(row: pd.Series) -> str:
    if pd.isna(row["estimate"]):
        return "n/a"
    i = Interval(row["estimate"], row["low"], row["high"], int(row["n"]), method=row["method"])
    return format_interval(i)


def summary_table(
    result: SweepResult, summary: pd.DataFrame | None = None
) -> tuple[list[str], list[list[str]]]:
    """Header and rows: the point's fields, the variant, each headline number with its
    95 % interval ``estimate [low, high]``."""
    summary = result.summary() if summary is None else summary
    fields = result.plan.fields
    metrics = columns(summary, result.plan.has_hosts)
    show_variant = len(result.plan.variants) > 1
    header = [
        *[short_field(f) for f in fields],
        *(["variant"] if show_variant else []),
        *[m.label for m in metrics],
    ]
    rows = []
    for (_, variant), g in summary.groupby(["point", "variant"], observed=True, sort=False):
        by = g.set_index("metric")
        first = g.iloc[0]
        row = [str(first[f]) for f in fields]
        if show_variant:
            row.append(str(variant))
        row += [_cell(by.loc[m.name]) for m in metrics]
        rows.append(row)
    return header, rows


def differences_table(
    result: SweepResult, diffs: pd.DataFrame
) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the paired differences (variant - reference) of headline numbers."""
    if diffs.empty:
        return [], []
    fields = result.plan.fields
    present = set(diffs["metric"])
    wanted = {m.name: m for m in columns(result.summary(), result.plan.has_hosts)}
    wanted = {k: v for k, v in wanted.items() if k in present}
    header = [
        *[short_field(f) for f in fields],
        "variant",
        "number",
        "difference [95 % CI]",
        "p",
        "significant",
    ]
    rows = []
    for _, d in diffs.iterrows():
        m = wanted.get(d["metric"])
        if m is None:
            continue
        i = Interval(d["difference"], d["low"], d["high"], int(d["n"]))
        rows.append(
            [
                *[str(d[f]) for f in fields],
                f"{d['variant']} - {d['reference']}",
                m.label,
                format_interval(i),
                "n/a" if pd.isna(d["p_value"]) else f"{d['p_value']:.3g}",
                "yes" if d["significant"] else "no",
            ]
        )
    return header, rows


def _atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_sweep_report(result: SweepResult, out: Path, plots: bool = True) -> Path:
    """Write results.parquet, summary.parquet/.csv, differences.csv, sweep.json, plots
    and report.md into ``out`` (each file replaced atomically; the runs/ store stays)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    table = result.table()
    summary = result.summary()
    diffs = result.differences()
    _atomic_write(out / "results.parquet", lambda p: table.to_parquet(p, index=False))
    _atomic_write(out / "summary.parquet", lambda p: summary.to_parquet(p, index=False))
    _atomic_write(out / "summary.csv", lambda p: summary.to_csv(p, index=False))
    _atomic_write(out / "differences.csv", lambda p: diffs.to_csv(p, index=False))
    _atomic_write(
        out / "sweep.json",
        lambda p: p.write_text(json.dumps(result.plan.describe(), indent=2, default=str) + "\n"),
    )
    images: list[str] = []
    if plots:
        images.append(plot_summary(result, summary, out / "summary.png").name)
    _atomic_write(
        out / "report.md", lambda p: p.write_text(render_markdown(result, summary, diffs, images))
    )
    return out


def render_markdown(
    result: SweepResult, summary: pd.DataFrame, diffs: pd.DataFrame, images: list[str]
) -> str:
    plan = result.plan
    header, rows = summary_table(result, summary)
    what = (
        f"{len(plan.points)} point(s) over {', '.join(plan.fields)}" if plan.fields else "one point"
    )
    lines = [
        f"# {plan.scenario}: {what}, {len(plan.variants)} variant(s), "
        f"{plan.replications} replication(s)",
        "",
        f"{len(plan.tasks)} runs of {format_duration(plan.duration_s)} each. Replication 0 "
        f"uses the scenario's seed ({plan.seeds[0]}), the others seeds derived from it; "
        "every point and variant of a replication uses the same seed (common random "
        "numbers). Intervals are 95 %: Student's t for means, a percentile bootstrap "
        "for per-run percentiles and extremes (p99, maxima, minima).",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    lines.append("")
    dh, drows = differences_table(result, diffs)
    if drows:
        lines += [
            "## Paired differences",
            "",
            "Each variant minus the first, replication by replication (same seeds): the "
            "mean difference, its 95 % t interval and the paired t test; significant when "
            "the interval excludes zero.",
            "",
            "| " + " | ".join(dh) + " |",
            "|" + "---|" * len(dh),
        ]
        lines += ["| " + " | ".join(r) + " |" for r in drows]
        lines.append("")
    for image in images:
        lines += [f"![{image[:-4]}]({image})", ""]
    lines += [
        "Files: `results.parquet` (tidy: point fields, point, variant, replication, seed, "
        "metric, value), `summary.parquet` / `summary.csv` (estimate, low, high per point, "
        "variant and metric), `differences.csv`, `sweep.json`, `runs/` (one JSON per "
        "finished run: a rerun skips them).",
        "",
    ]
    return "\n".join(lines)


def _numeric(values: list[Any]) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def plot_summary(result: SweepResult, summary: pd.DataFrame, path: Path) -> Path:
    """One panel per headline number: estimate against the first swept field (lines with
    interval bands, one per variant), or bars with interval whiskers without a numeric
    field."""
    plan = result.plan
    metrics = columns(summary, plan.has_hosts)
    x_field = plan.fields[0] if plan.fields else None
    numeric = x_field is not None and _numeric([p.get(x_field) for p in plan.points])
    ncols = 2
    nrows = max(1, math.ceil(len(metrics) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(11, 3.2 * nrows), squeeze=False)
    labels = _point_labels(plan.points, plan.fields)
    for ax, m in zip(axes.flat, metrics, strict=False):
        sub = summary[summary["metric"] == m.name]
        for k, (variant, g) in enumerate(sub.groupby("variant", observed=True, sort=False)):
            g = g.sort_values("point")
            est, lo, hi = (g[c].to_numpy(dtype=float) for c in ("estimate", "low", "high"))
            if numeric:
                x = g[x_field].to_numpy(dtype=float)
                (line,) = ax.plot(x, est, marker="o", label=str(variant))
                ax.fill_between(x, lo, hi, alpha=0.2, color=line.get_color())
            else:
                n = len(plan.variants)
                width = 0.8 / n
                x = g["point"].to_numpy(dtype=float) + (k - (n - 1) / 2) * width
                ax.bar(x, est, width=width, label=str(variant))
                ax.errorbar(x, est, yerr=[est - lo, hi - est], fmt="none", ecolor="black")
        ax.set_title(f"{m.label} ({m.unit})", fontsize="medium")
        if numeric:
            ax.set_xlabel(str(x_field))
            ax.set_xticks(sorted({float(p[str(x_field)]) for p in plan.points}))
        else:
            ax.set_xticks(range(len(labels)), labels, rotation=20, fontsize="small")
        ax.grid(alpha=0.3)
        if len(plan.variants) > 1:
            ax.legend(fontsize="small")
    for ax in list(axes.flat)[len(metrics) :]:
        ax.set_visible(False)
    fig.suptitle(
        f"{plan.scenario}: estimates with 95 % intervals ({plan.replications} replication(s))"
    )
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    _atomic_write(path, lambda p: fig.savefig(p, dpi=90, format="png"))
    plt.close(fig)
    return path


def short_field(path: str) -> str:
    """``capacity.dedicated_hosts[0].count`` -> ``dedicated_hosts[0].count``."""
    parts = path.split(".")
    return ".".join(parts[-2:])


def _point_labels(points: list[dict[str, Any]], fields: list[str]) -> list[str]:
    if not fields:
        return ["base"]
    short = {f: f.rsplit(".", 1)[-1] for f in fields}
    return [", ".join(f"{short[f]}={p.get(f)}" for f in fields) for p in points]
