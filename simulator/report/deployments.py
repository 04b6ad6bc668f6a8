"""Traffic-shifting deployments in a report: the metrics table (report.md, summary.json),
a timeline plot per deployment and one comparison plot across deployments.

Inputs are what every strategy's driver leaves (``DeploymentRecord``), the two sides'
per-tick series (``GroupSeries``) and the metrics computed from them
(``simulator.deploy.metrics``), so CodeDeploy, ECS and ecsim's own strategies are drawn
the same way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from simulator.deploy.metrics import DeploymentMetrics, GroupSeries  # noqa: E402
from simulator.deploy.record import DeploymentRecord  # noqa: E402

SUMMARY_KEY = "traffic_deployments"
HEADER = (
    "deployment",
    "strategy",
    "status",
    "exposed requests",
    "bad responses",
    "detectable (first weight)",
    "time to detect",
    "time to contain",
    "rollback complete",
    "duration",
    "peak tasks",
    "extra task-hours",
    "extra cost (USD)",
)
ALARM_LEVEL = {"OK": 0, "INSUFFICIENT_DATA": 0.5, "ALARM": 1}


@dataclass
class DeploymentView:
    """One deployment as the report draws it."""

    record: DeploymentRecord
    blue: GroupSeries
    green: GroupSeries
    metrics: DeploymentMetrics


def _s(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f} s"


def _first_detectable(d: dict) -> str:
    phases = d.get("detectable_by_phase") or []
    if not phases:
        return "-"
    p = phases[0]
    marks = ", ".join(f"{name} {'yes' if ok else 'no'}" for name, ok in p["detectable"].items())
    return f"{p['weight'] * 100:g} %: {marks}" if marks else f"{p['weight'] * 100:g} %"


def table_rows(deployments: Sequence[dict]) -> list[tuple[str, ...]]:
    """One row per deployment (``DeploymentMetrics.as_dict()`` values)."""
    rows: list[tuple[str, ...]] = []
    for d in deployments:
        rows.append(
            (
                d["deployment_id"],
                d["strategy"],
                d["status"] + (" (rolled back)" if d["rolled_back"] else ""),
                f"{d['exposed_requests']:,.0f}",
                f"{d['bad_responses']:,.0f}",
                _first_detectable(d),
                _s(d["time_to_detect"]),
                _s(d["time_to_contain"]),
                _s(d["time_to_rollback_complete"]),
                _s(d["duration"]),
                str(d["peak_tasks"]),
                f"{d['extra_task_seconds'] / 3600:.2f}",
                f"{d['extra_cost']:.4f}",
            )
        )
    return rows


def table_lines(summary: dict) -> list[str]:
    """The report.md section; empty without traffic-shifting deployments."""
    deployments = summary.get(SUMMARY_KEY) or []
    if not deployments:
        return []
    lines = [
        "## Traffic-shifting deployments",
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "---|" * len(HEADER),
    ]
    lines += ["| " + " | ".join(row) + " |" for row in table_rows(deployments)]
    escaped = [d["deployment_id"] for d in deployments if d.get("escaped_to_100pct")]
    if escaped:
        lines += ["", f"Escaped to 100 % before any alarm: {', '.join(escaped)}."]
    return [*lines, ""]


def _minutes(t: Sequence[float] | np.ndarray | float, origin: float) -> np.ndarray:
    return (np.asarray(t, dtype=float) - origin) / 60.0


def _steps(changes: list[tuple[float, float]], end: float) -> tuple[list[float], list[float]]:
    xs = [c[0] for c in changes] + [end]
    ys = [c[1] for c in changes] + [changes[-1][1] if changes else 0.0]
    return xs, ys


def plot_timeline(view: DeploymentView, path: Path) -> Path:
    """Four panels over the deployment: production weight per side, requests and bad
    responses per side, alarm state per alarm, running tasks per side."""
    r = view.record
    end = r.ended if r.ended is not None else max(view.blue.end, view.green.end)
    fig, axes = plt.subplots(4, 1, figsize=(9, 10), sharex=True)
    sides = (("blue", r.blue_target_group, view.blue), ("green", r.green_target_group, view.green))
    for side, tg, _ in sides:
        changes = []
        for w in r.weights:
            total = sum(w.weights.values())
            changes.append((w.at, 100.0 * w.weights.get(tg, 0) / total if total else 0.0))
        if changes and changes[0][0] > r.created:  # blue held everything before the first
            changes.insert(0, (r.created, 100.0 if side == "blue" else 0.0))
        if changes:
            xs, ys = _steps(changes, end)
            axes[0].step(_minutes(xs, r.created), ys, where="post", color=side, label=side)
    axes[0].set_ylabel("production weight (%)")
    axes[0].set_ylim(-5, 105)
    for side, _, series in sides:
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(series.lengths > 0, series.requests / series.lengths, 0.0)
            bad = np.where(series.lengths > 0, series.bad / series.lengths, 0.0)
        x = _minutes(series.starts, r.created)
        axes[1].step(x, rate, where="post", color=side, label=f"{side} requests/s")
        axes[1].step(x, bad, ":", where="post", color=side, label=f"{side} 5xx/s")
    axes[1].set_ylabel("requests/s")
    for name in sorted({a.alarm for a in r.alarms}):
        changes = [(a.at, ALARM_LEVEL.get(a.state, 0.5)) for a in r.alarms if a.alarm == name]
        xs, ys = _steps(changes, end)
        axes[2].step(_minutes(xs, r.created), ys, where="post", label=name)
    axes[2].set_yticks([0, 0.5, 1], ["OK", "INSUFFICIENT", "ALARM"])
    axes[2].set_ylabel("alarm state")
    for side, _, _ in sides:
        changes = [(t.at, float(t.running)) for t in r.tasks if t.side == side]
        if changes:
            xs, ys = _steps(changes, end)
            axes[3].step(_minutes(xs, r.created), ys, where="post", color=side, label=side)
    axes[3].set_ylabel("running tasks")
    axes[3].set_xlabel("minutes since the deployment was created")
    marks: dict[float, list[str]] = {}
    for t, label in ((r.detected, "detected"), (r.contained, "contained")):
        if t is not None:
            marks.setdefault(t, []).append(label)
    for t, labels in marks.items():
        mark = float(_minutes(t, r.created))
        for ax in axes:
            ax.axvline(mark, color="red", ls="--", lw=0.8)
        axes[0].annotate(" " + ", ".join(labels), (mark, 50), fontsize="small", color="red")
    axes[0].set_title(f"{r.deployment_id}: {r.strategy} ({r.status})")
    for ax in axes:
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="best", fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_comparison(deployments: Sequence[dict], path: Path) -> Path:
    """Bars across deployments: exposure, time to detect, duration and extra cost
    (a deployment whose fault was never detected gets no time-to-detect bar)."""
    labels = [
        f"{d['strategy'].removeprefix('CodeDeployDefault.')}\n{d['deployment_id']}"
        for d in deployments
    ]
    x = np.arange(len(deployments))
    panels = (
        ("exposed_requests", "exposed requests", 1.0),
        ("time_to_detect", "time to detect (min)", 1 / 60),
        ("duration", "duration (min)", 1 / 60),
        ("extra_cost", "extra cost (USD)", 1.0),
    )
    fig, axes = plt.subplots(2, 2, figsize=(12, 8))
    for ax, (key, title, scale) in zip(axes.flat, panels, strict=True):
        values = [np.nan if d.get(key) is None else d[key] * scale for d in deployments]
        ax.bar(x, values, color="tab:blue")
        ax.set_title(title)
        ax.set_xticks(x, labels, rotation=30, ha="right", fontsize="small")
        ax.grid(alpha=0.3, axis="y")
    fig.suptitle("Deployments compared")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def attach(result, views: Sequence[DeploymentView]) -> None:
    """Put the deployments on a RunResult: their metrics in the summary
    (``traffic_deployments``) and the views the plots draw."""
    result.traffic_deployments = list(views)
    result.summary[SUMMARY_KEY] = [v.metrics.as_dict() for v in views]


def _file_name(deployment_id: str) -> str:
    return "deployment-" + re.sub(r"[^A-Za-z0-9_-]+", "-", deployment_id) + ".png"


def write_plots(views: Sequence[DeploymentView], directory: Path) -> list[Path]:
    """A timeline per deployment and, with two or more, the comparison."""
    paths = [plot_timeline(v, directory / _file_name(v.record.deployment_id)) for v in views]
    if len(views) > 1:
        paths.append(
            plot_comparison([v.metrics.as_dict() for v in views], directory / "deployments.png")
        )
    return paths
