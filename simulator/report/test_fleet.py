"""Report parts for test fleets: the table in report.md, the makespan-vs-cost frontier."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402


def _s(x: float | None) -> str:
    return "n/a" if x is None else f"{x:,.0f} s"


def test_fleet_lines(summary: dict[str, Any]) -> list[str]:
    """The report.md section of a run with a test fleet (none without)."""
    tf = summary.get("test_fleet")
    if not tf:
        return []
    outcomes = ", ".join(f"{n} {k}" for k, n in tf["batch_outcomes"].items())
    util = "n/a" if tf["utilization"] is None else f"{tf['utilization'] * 100:.1f} %"
    rows = [
        ("tests / batches", f"{tf['tests']:,} / {tf['batches']} ({tf['strategy']})"),
        ("suite test time", _s(tf["suite_test_s"])),
        ("planned makespan (no waits)", _s(tf["planned_makespan_s"])),
        ("makespan", _s(tf["makespan_s"]) if tf["finished"] else "not finished"),
        ("cost until the last batch task stopped", f"{tf['cost_usd']:.4f} USD"),
        ("utilization of the batches", util),
        (
            "capacity wait (max / mean)",
            f"{_s(tf['capacity_wait_max_s'])} / {_s(tf['capacity_wait_mean_s'])}",
        ),
        ("time to first failure", _s(tf["time_to_first_failure_s"])),
        ("test time saved by fast-fail", _s(tf["test_s_saved_by_fast_fail"])),
        ("batches", outcomes),
    ]
    lines = ["## Test fleet", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in rows]
    return [*lines, ""]


COLORS = {"passed": "tab:green", "failed": "tab:red", "stopped": "tab:orange"}


def plot_batches(tf: dict[str, Any], path: Path) -> Path:
    """One bar per batch: waiting for capacity (grey), starting (light), its tests (by
    outcome: green passed, red failed, orange stopped by fast-fail)."""
    rows = tf["batch_timeline"]
    fig, ax = plt.subplots(figsize=(9, max(3.0, min(12.0, 0.12 * len(rows) + 1.5))))
    for r in rows:
        y, sub = r["batch"], r["submitted_s"]
        placed, running, ended = r["placed_s"], r["running_s"], r["ended_s"]
        if placed is not None:
            ax.barh(y, (placed - sub) / 60, left=sub / 60, color="0.6", height=0.8)
        if placed is not None and running is not None:
            ax.barh(y, (running - placed) / 60, left=placed / 60, color="0.85", height=0.8)
        if running is not None and ended is not None:
            color = COLORS.get(r["outcome"], "tab:blue")
            ax.barh(y, (ended - running) / 60, left=running / 60, color=color, height=0.8)
    if tf["time_to_first_failure_s"] is not None:
        ax.axvline(tf["time_to_first_failure_s"] / 60, color="tab:red", lw=0.8)
    ax.invert_yaxis()
    ax.set_title(f"Test fleet: {tf['tests']:,} tests in {tf['batches']} batches")
    ax.set_xlabel("simulated time (minutes)")
    ax.set_ylabel("batch")
    ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_frontier(df: pd.DataFrame, path: Path, title: str) -> Path:
    """Makespan (minutes) against cost, one point per sweep point, the frontier joined."""
    fig, ax = plt.subplots(figsize=(8, 5))
    done = df[df["finished"].astype(bool)]
    ax.scatter(done["makespan_s"] / 60, done["cost_usd"], color="tab:gray", label="sweep point")
    front = done[done["on_frontier"]].sort_values("makespan_s")
    ax.plot(front["makespan_s"] / 60, front["cost_usd"], "o-", color="tab:blue", label="frontier")
    for _, r in done.iterrows():
        ax.annotate(
            r["point"],
            (r["makespan_s"] / 60, r["cost_usd"]),
            fontsize=7,
            xytext=(4, 3),
            textcoords="offset points",
        )
    ax.set_title(title)
    ax.set_xlabel("makespan (minutes)")
    ax.set_ylabel("cost (USD)")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def write_frontier(df: pd.DataFrame, out: Path, name: str) -> Path:
    """``out``/frontier.csv, frontier.png and frontier.md (the table, the plot)."""
    out.mkdir(parents=True, exist_ok=True)
    df.to_csv(out / "frontier.csv", index=False)
    plot_frontier(df, out / "frontier.png", f"{name}: makespan vs cost")
    lines = [
        f"# {name}: makespan vs cost",
        "",
        "| point | makespan | cost USD | on frontier |",
        "|---|---|---|---|",
    ]
    for _, r in df.iterrows():
        span = _s(r["makespan_s"]) if r["finished"] else "not finished"
        lines.append(
            f"| {r['point']} | {span} | {r['cost_usd']:.4f} | {'yes' if r['on_frontier'] else ''} |"
        )
    lines += ["", "![frontier](frontier.png)", ""]
    (out / "frontier.md").write_text("\n".join(lines))
    return out
