"""The comparison of a scenario's variants: one table, overlaid plots, combined tables."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from simulator.experiment.result import RunResult  # noqa: E402

COMPARE_HEADER = (
    "variant",
    "cost USD",
    "host failures",
    "capacity lost (instance-h)",
    "fewest healthy instances",
    "most tasks short",
    "errors %",
)


SIZING_HEADER = (
    "variant",
    "platform",
    "tasks",
    "instances",
    "p99 at peak ms",
    "CPU at peak %",
    "monthly cost USD",
    "requests per USD",
)


def is_sizing(summaries: dict[str, dict]) -> bool:
    return all(s.get("sizing") for s in summaries.values())


def table(summaries: dict[str, dict]) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """The comparison table: sizing columns when every variant was sized."""
    if is_sizing(summaries):
        return SIZING_HEADER, sizing_rows(summaries)
    return question_table(summaries)


def sizing_rows(summaries: dict[str, dict]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for name, s in summaries.items():
        z = s["sizing"]
        rpd = z.get("requests_per_dollar")
        rows.append(
            (
                name,
                z["platform"],
                str(z["tasks"]),
                str(z["instances"]) if z["instances"] else "-",
                f"{z['p99_at_peak_ms']:.1f}",
                f"{z['utilization_at_peak_pct']:.0f}",
                f"{z['monthly_cost_usd']:,.0f}",
                f"{rpd:,.0f}" if rpd else "n/a",
            )
        )
    return rows


def plot_sizing(summaries: dict[str, dict], path: Path) -> Path:
    names = list(summaries)
    cost = [summaries[n]["sizing"]["monthly_cost_usd"] for n in names]
    rpd = [summaries[n]["sizing"]["requests_per_dollar"] or 0 for n in names]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    left.bar(names, cost, color="tab:blue")
    left.set_ylabel("USD per month (730 h)")
    left.set_title("Monthly cost at the sized fleet")
    right.bar(names, [r / 1e6 for r in rpd], color="tab:green")
    right.set_ylabel("million requests per USD")
    right.set_title("Requests per dollar")
    for ax in (left, right):
        ax.tick_params(axis="x", rotation=30)
        ax.grid(axis="y", alpha=0.3)
    first = next(iter(summaries.values()))["sizing"]
    fig.suptitle(
        f"{first['service']}: sized for p99 <= {first['p99_target_ms']:g} ms at "
        f"{first['peak_rps']:,.0f} rps"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def compare_rows(summaries: dict[str, dict]) -> list[tuple[str, ...]]:
    return question_table(summaries)[1]


def question_table(summaries: dict[str, dict]) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """Per variant the numbers that answer most questions (p99, CPU, errors, OOM kills,
    tasks short, cost, monthly cost); host-failure columns only when a variant has
    Dedicated Hosts or host failures, OOM kills only when one happened."""
    from simulator.experiment.metrics import HEADLINE, has_hosts, run_metrics

    hosts = has_hosts(list(summaries.values()))
    values = {name: run_metrics(s) for name, s in summaries.items()}
    shown = [
        m
        for m in HEADLINE
        if m.column
        and (not m.host or hosts)
        and (m.name != "oom_kills" or any(v["oom_kills"] for v in values.values()))
    ]
    header = ("variant", *(m.label for m in shown))
    rows = [(name, *(_fmt(v[m.name]) for m in shown)) for name, v in values.items()]
    return header, rows


def _fmt(x: float) -> str:
    if x != x:  # NaN: the run had no such number
        return "n/a"
    if float(x).is_integer() and abs(x) < 1e6:
        return f"{x:,.0f}"
    return f"{x:,.2f}" if abs(x) >= 10 else f"{x:.3f}"


def _cluster_series(result: RunResult, metric: str) -> pd.Series:
    df = result.metrics[result.metrics["metric"] == metric]
    return df.set_index("time")["value"]


def plot_service_comparison(results: dict[str, RunResult], path: Path) -> Path:
    """Without hosts: the worst service's p99 and CPU and the cumulative cost over time."""
    fig, axes = plt.subplots(3, 1, figsize=(9, 9), sharex=True)
    for name, r in results.items():
        m = r.metrics
        for ax, metric, scale in (
            (axes[0], "TargetResponseTime.p99", 1000.0),
            (axes[1], "CPUUtilization", 1.0),
        ):
            if "service" not in m.columns:  # no services (a test fleet): nothing per service
                continue
            df = m[(m["metric"] == metric) & m["service"].notna()]
            worst = df.groupby("time")["value"].max() * scale
            ax.plot(worst.index / 3600, worst.to_numpy(), label=name)
        cost = _cluster_series(r, "CumulativeCost")
        axes[2].plot(cost.index / 3600, cost.to_numpy(), label=name)
    axes[0].set_ylabel("p99 latency, worst service (ms)")
    axes[0].set_yscale("log")
    axes[1].set_ylabel("CPU utilization, busiest service (%)")
    return _finish_panels(fig, axes, path, "Variants: latency, CPU and cost")


def _finish_panels(fig: plt.Figure, axes, path: Path, title: str) -> Path:
    """Three stacked panels over time, the last one cumulative cost: label, save, close."""
    axes[2].set_ylabel("cumulative cost (USD)")
    axes[2].set_xlabel("simulated time (hours)")
    axes[0].set_title(title)
    for ax in axes:
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:  # a fleet without services draws no line
            ax.legend(loc="best", fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_fleet_comparison(results: dict[str, RunResult], path: Path) -> Path:
    from simulator.experiment.metrics import has_hosts

    if not has_hosts([r.summary for r in results.values()]):
        return plot_service_comparison(results, path)
    fig, axes = plt.subplots(3, 1, figsize=(9, 9), sharex=True)
    for name, r in results.items():
        healthy = _cluster_series(r, "HealthyInstances")
        lost = _cluster_series(r, "CapacityLostInstances")
        cost = _cluster_series(r, "CumulativeCost")
        axes[0].step(healthy.index / 3600, healthy.to_numpy(), where="post", label=name)
        axes[1].step(lost.index / 3600, lost.to_numpy(), where="post", label=name)
        axes[2].plot(cost.index / 3600, cost.to_numpy(), label=name)
    axes[0].set_ylabel("healthy running instances")
    axes[1].set_ylabel("instances lost")
    return _finish_panels(fig, axes, path, "Variants: capacity and cost")


def fill_comparison(results: dict[str, RunResult], d: Path, plots: bool = True) -> None:
    summaries = {name: r.summary for name, r in results.items()}
    first = next(iter(results.values()))
    scenario = first.summary["scenario"].split("@", 1)[0]
    combined = {"scenario": scenario, "variants": summaries}
    (d / "summary.json").write_text(json.dumps(combined, indent=2, sort_keys=True) + "\n")
    metrics = pd.concat(
        [r.metrics.assign(variant=name) for name, r in results.items()], ignore_index=True
    )
    metrics["variant"] = metrics["variant"].astype("category")
    metrics.to_parquet(d / "metrics.parquet", index=False)
    events = pd.concat(
        [r.events.assign(variant=name) for name, r in results.items()], ignore_index=True
    )
    events.to_parquet(d / "events.parquet", index=False)
    images = [plot_fleet_comparison(results, d / "variants.png").name] if plots else []
    if plots and is_sizing(summaries):
        images.insert(0, plot_sizing(summaries, d / "sizing.png").name)
    header, rows = table(summaries)
    lines = [
        f"# {scenario}: {len(results)} variants",
        "",
        "Every variant ran with the same seed, so they saw the same arrivals and the same "
        "fault times (common random numbers); differences are the model's.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    lines.append("")
    for image in images:
        lines += [f"![{image[:-4]}]({image})", ""]
    lines += ["Each variant's own report: " + ", ".join(f"[{n}]({n}/report.md)" for n in results)]
    (d / "report.md").write_text("\n".join(lines) + "\n")
