"""Write a run's report directory: report.md, plots, Parquet tables, summary.json.

Everything is written into a temporary sibling directory that is swapped into place
only when complete, so a failed or interrupted run never leaves a half-written
report, and an existing report is replaced only when ``force`` is given and it is an
ecsim report (see simulator/report/output.py).
"""

from __future__ import annotations

import json
from pathlib import Path

from simulator.core.durations import format_duration
from simulator.experiment.result import RunResult
from simulator.report import deployments
from simulator.report.output import atomic_directory, check_output, reserve
from simulator.report.parquet import write_parquet
from simulator.report.plots import write_plots
from simulator.report.test_fleet import test_fleet_lines

__all__ = ["atomic_directory", "check_output", "reserve", "write_report", "write_variants_report"]


def fill_report(result: RunResult, d: Path, plots: bool = True, trace_jsonl: bool = False) -> None:
    """Write one run's files into the existing directory ``d``."""
    write_parquet(result.metrics, d / "metrics.parquet")
    write_parquet(result.events, d / "events.parquet")
    if trace_jsonl:
        write_events_jsonl(result, d / "events.jsonl")
    (d / "summary.json").write_text(json.dumps(result.summary, indent=2, sort_keys=True) + "\n")
    images = [p.name for p in write_plots(result, d)] if plots else []
    if plots and result.traffic_deployments:
        images += [p.name for p in deployments.write_plots(result.traffic_deployments, d)]
    (d / "report.md").write_text(render_markdown(result, images))


def write_events_jsonl(result: RunResult, path: Path) -> None:
    """The event trace as JSON lines: {"time", "kind", "resource", **details}."""
    with path.open("w") as f:
        for time, kind, resource, details in result.events.itertuples(index=False):
            record = {"time": time, "kind": kind, "resource": resource, **json.loads(details)}
            f.write(json.dumps(record, sort_keys=True) + "\n")


def write_report(
    result: RunResult,
    out: Path,
    force: bool = False,
    plots: bool = True,
    trace_jsonl: bool = False,
) -> Path:
    return atomic_directory(Path(out), force, lambda d: fill_report(result, d, plots, trace_jsonl))


def write_variants_report(
    results: dict[str, RunResult],
    out: Path,
    force: bool = False,
    plots: bool = True,
    trace_jsonl: bool = False,
) -> Path:
    """A comparison of a scenario's variants, with each variant's own report beside it."""
    from simulator.report.compare import fill_comparison

    def fill(d: Path) -> None:
        for name, result in results.items():
            (d / name).mkdir()
            fill_report(result, d / name, plots, trace_jsonl)
        fill_comparison(results, d, plots)

    return atomic_directory(Path(out), force, fill)


def summary_rows(summary: dict) -> list[tuple[str, ...]]:
    """One row per service: the table printed by the CLI and written in report.md."""
    rows: list[tuple[str, ...]] = []
    for name, s in summary["services"].items():
        rows.append(
            (
                name,
                f"{s['peak_rps']:,.0f}",
                f"{s['max_cpu_utilization_pct']:.1f}",
                _ms(s["mean_latency_ms"]),
                _ms(s["p99_latency_ms_max"]),
                f"{s['error_rate'] * 100:.3f}",
                f"{s['running_tasks_min']}-{s['running_tasks_max']}",
                str(s["tasks_short_max"]),
            )
        )
    return rows


SUMMARY_HEADER = (
    "service",
    "peak rps",
    "CPU % max",
    "mean ms",
    "p99 ms max",
    "errors %",
    "tasks",
    "short",
)


def capacity_line(s: dict) -> str:
    """What ran: shared-tenancy instances and Dedicated Hosts, and what failed."""
    parts = []
    if s["instance_type"]:
        parts.append(f"{s['instance_type']} ({s['arch']}) shared-tenancy instances")
    for g in s["dedicated_hosts"]:
        parts.append(
            f"{g['count']} Dedicated Host(s) for {g['instance_type']} "
            f"(host recovery {g['host_recovery']})"
        )
    parts += provider_parts(s)
    line = f"Capacity: up to {s['instances_max']} instances: " + "; ".join(parts) + "."
    if s["host_failures"]:
        line += (
            f" {s['host_failures']} host failure(s); capacity lost "
            f"{s['capacity_lost_instance_hours']:,.1f} instance-hours; fewest healthy "
            f"instances {s['healthy_instances_min']}."
        )
    return line


def provider_parts(s: dict) -> list[str]:
    """One phrase per capacity provider (summaries without them give none)."""
    out = []
    for name, p in (s.get("capacity_providers") or {}).items():
        if p["kind"] == "ASG":
            out.append(
                f"capacity provider {name} ({', '.join(p['instance_types'])} Auto Scaling "
                f"group, {p['instances_min']}-{p['instances_max']} instances, "
                f"CapacityProviderReservation mean {p['reservation_mean_pct']:.0f} % for "
                f"target {p['target_capacity']}, {p['tasks_waited']} task(s) waited for "
                f"capacity, longest {p['wait_max_s']:.0f} s)"
            )
        else:
            out.append(
                f"{name} ({p['tasks']} task(s), {p['task_hours']:,.1f} task-hours, "
                f"{p['spot_interruptions']} Spot interruption(s))"
            )
    return out


def cost_line(s: dict) -> str:
    per_million = s["cost_per_million_requests_usd"]
    line = f"Cost: ${s['cost_usd']:,.2f}"
    if s["host_cost_usd"]:
        estimate = " (host prices estimated)" if s["host_price_is_estimate"] else ""
        line += (
            f" (instances ${s['instance_cost_usd']:,.2f}, Dedicated Hosts "
            f"${s['host_cost_usd']:,.2f}{estimate})"
        )
    elif s.get("fargate_cost_usd"):
        line += (
            f" (instances ${s['instance_cost_usd']:,.2f}, Fargate ${s['fargate_cost_usd']:,.2f})"
        )
    if per_million is not None:
        line += f", ${per_million:.4f} per million requests"
    return line + "."


def _ms(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1f}"


def deployment_lines(s: dict) -> list[str]:
    """The run's deployments: id, start, end or stuck, tasks short; stuck ones flagged."""
    deployments = s.get("deployments") or []
    if not deployments:
        return []
    lines = [
        "## Deployments",
        "",
        "| service | deployment | started | completed | took | tasks short (max) |",
        "|---|---|---|---|---|---|",
    ]
    for d in deployments:
        done = (
            format_duration(round(d["completed_s"]))
            if d["completed_s"] is not None
            else ("**stuck**" if d["stuck"] else d["rollout_state"])
        )
        took = format_duration(round(d["duration_s"])) if d["duration_s"] is not None else "-"
        lines.append(
            f"| {d['service']} | {d['deployment_id']} | {format_duration(d['started_s'])} "
            f"| {done} | {took} | {d['tasks_short_max']} |"
        )
    stuck = s.get("deployments_stuck", 0)
    if stuck:
        lines += ["", f"**{stuck} deployment(s) never completed** by the end of the run."]
    return [*lines, ""]


def alarm_lines(s: dict) -> list[str]:
    """The run's CloudWatch alarms: time in ALARM, state changes, first ALARM, final state."""
    alarms = s.get("alarms") or {}
    if not alarms:
        return []
    lines = [
        "## Alarms",
        "",
        "| alarm | time in ALARM | state changes | first ALARM | final state |",
        "|---|---|---|---|---|",
    ]
    for name, a in alarms.items():
        first = a.get("first_alarm_s")
        lines.append(
            f"| {name} | {format_duration(round(a['time_in_alarm_s'] or 0))} "
            f"| {a['transitions']} | {'-' if first is None else format_duration(round(first))} "
            f"| {a['final_state']} |"
        )
    return [*lines, ""]


def render_markdown(result: RunResult, images: list[str]) -> str:
    s = result.summary
    lines = [
        f"# {s['scenario']}",
        "",
        f"Seed {s['seed']}, {format_duration(s['duration_s'])} simulated at "
        f"{format_duration(s['tick_s'])} ticks in {s['region']}.",
        "",
        capacity_line(s),
        "",
        "| " + " | ".join(SUMMARY_HEADER) + " |",
        "|" + "---|" * len(SUMMARY_HEADER),
    ]
    lines += ["| " + " | ".join(row) + " |" for row in summary_rows(s)]
    lines += [
        "",
        cost_line(s),
        f"Peak CPU reservation of the cluster: {s['cpu_reservation_pct_max']:.1f} %.",
        "",
    ]
    lines += deployment_lines(s)
    lines += deployments.table_lines(s)
    lines += alarm_lines(s)
    lines += test_fleet_lines(s)
    for image in images:
        lines += [f"![{image[:-4]}]({image})", ""]
    lines += [
        "Files: `metrics.parquet` (time, metric, labels, value), `events.parquet` "
        "(time, kind, resource, details), `summary.json`.",
        "",
    ]
    return "\n".join(lines)
