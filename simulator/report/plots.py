"""PNG plots of a RunResult with matplotlib's Agg backend (no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from simulator.experiment.result import RunResult  # noqa: E402


def _hours(index: pd.Index) -> pd.Index:
    return index / 3600.0


def _per_service(result: RunResult, metric: str) -> dict[str, pd.Series]:
    df = result.metrics[result.metrics["metric"] == metric]
    if "service" not in df.columns:  # a scenario without services (a test fleet alone)
        return {}
    return {
        str(name): g.set_index("time")["value"] for name, g in df.groupby("service", observed=True)
    }


def _finish(fig: plt.Figure, ax: plt.Axes, path: Path, title: str, ylabel: str) -> Path:
    ax.set_title(title)
    ax.set_xlabel("simulated time (hours)")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best", fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_utilization(result: RunResult, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(9, 4))
    for name, s in _per_service(result, "CPUUtilization").items():
        ax.plot(_hours(s.index), s.to_numpy(), label=name)
    ax.set_ylim(0, 105)
    return _finish(fig, ax, path, "Task CPU utilization by service", "CPU utilization (%)")


def plot_latency(result: RunResult, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(9, 4))
    p50 = _per_service(result, "TargetResponseTime.p50")
    for name, s in _per_service(result, "TargetResponseTime.p99").items():
        line = ax.plot(_hours(s.index), s.to_numpy() * 1000, label=f"{name} p99")[0]
        m = p50[name]
        ax.plot(
            _hours(m.index), m.to_numpy() * 1000, "--", color=line.get_color(), label=f"{name} p50"
        )
    ax.set_yscale("log")
    return _finish(fig, ax, path, "TargetResponseTime p50 / p99", "latency (ms, log scale)")


def plot_capacity(result: RunResult, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(9, 4))
    for name, s in _per_service(result, "RunningTaskCount").items():
        ax.step(_hours(s.index), s.to_numpy(), where="post", label=f"{name} running tasks")
    inst = result.metrics[result.metrics["metric"] == "InstanceCount"].set_index("time")["value"]
    ax.step(_hours(inst.index), inst.to_numpy(), where="post", color="black", label="instances")
    ax.set_ylim(bottom=0)
    return _finish(fig, ax, path, "Running tasks and instances", "count")


def plot_cost(result: RunResult, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(9, 4))
    cost = result.metrics[result.metrics["metric"] == "CumulativeCost"].set_index("time")["value"]
    ax.plot(_hours(cost.index), cost.to_numpy(), color="tab:green", label="on-demand EC2")
    return _finish(fig, ax, path, "Cumulative cost", "USD")


def plot_health(result: RunResult, path: Path) -> Path:
    """HealthyHostCount per target group (one per service) against running tasks."""
    fig, ax = plt.subplots(figsize=(9, 4))
    running = _per_service(result, "RunningTaskCount")
    for name, s in _per_service(result, "HealthyHostCount").items():
        line = ax.step(_hours(s.index), s.to_numpy(), where="post", label=f"{name} healthy")[0]
        if name in running:
            r = running[name]
            ax.step(
                _hours(r.index),
                r.to_numpy(),
                ":",
                where="post",
                color=line.get_color(),
                label=f"{name} running",
            )
    ax.set_ylim(bottom=0)
    return _finish(fig, ax, path, "HealthyHostCount and running tasks", "targets")


def plot_errors(result: RunResult, path: Path) -> Path:
    """5xx error rate per service: the targets' 5xx and the load balancer's own."""
    fig, ax = plt.subplots(figsize=(9, 4))
    requests = _per_service(result, "RequestCount")
    target = _per_service(result, "HTTPCode_Target_5XX_Count")
    elb = _per_service(result, "HTTPCode_ELB_5XX_Count")
    no_target = _per_service(result, "HTTPCode_ELB_503_Count")
    for name, req in requests.items():
        zero = req * 0.0
        arrived = req + no_target.get(name, zero)
        failed = target.get(name, zero) + elb.get(name, zero)
        rate = (failed / arrived.where(arrived > 0)).fillna(0.0) * 100.0
        ax.plot(_hours(rate.index), rate.to_numpy(), label=name)
    ax.set_ylim(bottom=0)
    return _finish(fig, ax, path, "5xx error rate (target and load balancer)", "errors (%)")


def _cluster(result: RunResult, metric: str) -> pd.Series:
    return result.metrics[result.metrics["metric"] == metric].set_index("time")["value"]


def has_hosts(result: RunResult) -> bool:
    return bool(result.summary.get("dedicated_hosts")) or bool(result.summary.get("host_failures"))


def plot_fleet(result: RunResult, path: Path) -> Path:
    """Instances by health and Dedicated Hosts by state over time."""
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    for metric, label in (
        ("HealthyInstances", "healthy running"),
        ("ImpairedInstances", "impaired"),
        ("PendingInstances", "pending"),
    ):
        s = _cluster(result, metric)
        top.step(_hours(s.index), s.to_numpy(), where="post", label=label)
    top.set_ylabel("instances")
    top.set_title("EC2 instances and Dedicated Hosts")
    for metric, label in (
        ("HostsAvailable", "available"),
        ("HostsPending", "pending"),
        ("HostsUnderAssessment", "under-assessment"),
        ("HostsFailed", "permanent-failure / released-permanent-failure"),
    ):
        s = _cluster(result, metric)
        bottom.step(_hours(s.index), s.to_numpy(), where="post", label=label)
    bottom.set_ylabel("hosts")
    top.grid(alpha=0.3)
    top.legend(loc="best", fontsize="small")
    return _finish(fig, bottom, path, "", "hosts")


def has_capacity_providers(result: RunResult) -> bool:
    return any(
        p.get("kind") == "ASG" for p in result.summary.get("capacity_providers", {}).values()
    )


def plot_capacity_providers(result: RunResult, path: Path) -> Path:
    """Managed scaling: CapacityProviderReservation against targetCapacity (top); the
    group's instances, tasks waiting in PROVISIONING and auto-scaled desired counts."""
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    m = result.metrics
    for name, p in result.summary["capacity_providers"].items():
        if p.get("kind") != "ASG":
            continue
        mine = m[m["capacity_provider"] == name]
        res = mine[mine["metric"] == "CapacityProviderReservation"].set_index("time")["value"]
        line = top.step(_hours(res.index), res.clip(upper=300).to_numpy(), where="post", label=name)
        top.axhline(p["target_capacity"], ls="--", color=line[0].get_color(), lw=0.8)
        for metric, label in (
            ("GroupInServiceInstances", "instances"),
            ("ProvisioningTaskCount", "tasks PROVISIONING"),
        ):
            s = mine[mine["metric"] == metric].set_index("time")["value"]
            bottom.step(_hours(s.index), s.to_numpy(), where="post", label=f"{name} {label}")
    desired = _per_service(result, "DesiredTaskCount")
    for name in result.summary.get("auto_scaling", {}):
        s = desired[name]
        bottom.step(_hours(s.index), s.to_numpy(), where="post", label=f"{name} desired tasks")
    top.set_ylabel("reservation (%)")
    top.set_title("CapacityProviderReservation (dashed: targetCapacity; clipped at 300 %)")
    top.grid(alpha=0.3)
    top.legend(loc="best", fontsize="small")
    return _finish(fig, bottom, path, "", "count")


PLOTS = {
    "utilization.png": plot_utilization,
    "latency.png": plot_latency,
    "capacity.png": plot_capacity,
    "cost.png": plot_cost,
    "health.png": plot_health,
    "errors.png": plot_errors,
}


def has_memory(result: RunResult) -> bool:
    util = result.metrics[result.metrics["metric"] == "MemoryUtilization"]["value"]
    return bool(util.notna().any())


def plot_memory(result: RunResult, path: Path) -> Path:
    """MemoryUtilization per service, OOM kills, and the trend forecast of 100 %."""
    fig, ax = plt.subplots(figsize=(9, 4))
    for name, s in _per_service(result, "MemoryUtilization").items():
        s = s.dropna()
        if s.empty:
            continue
        ax.plot(_hours(s.index), s.to_numpy(), label=f"{name} MemoryUtilization")
        info = result.summary["services"].get(name, {})
        made, hit = info.get("forecast_made_at_s"), info.get("forecast_100pct_at_s")
        if made is not None and hit is not None:
            window = s[s.index <= made]
            slope = info["forecast_slope_pct_per_hour"] / 3600
            intercept = float(window.mean() - slope * window.index.to_numpy().mean())
            xs = pd.Index([made, hit])
            ax.plot(
                _hours(xs),
                intercept + slope * xs.to_numpy(),
                "--",
                color="black",
                lw=1.5,
                label=f"{name} forecast (made at {made / 3600:.1f} h): 100 % at {hit / 3600:.1f} h",
            )
        ooms = result.events[
            (result.events["kind"] == "task.oom_killed")
            & result.events["details"].str.contains(f'"service": "{name}"', regex=False)
        ]["time"]
        if len(ooms):
            ax.scatter(
                _hours(pd.Index(ooms)),
                [100] * len(ooms),
                marker="x",
                color="red",
                label=f"{name} OOM kills",
                zorder=3,
            )
    ax.axhline(100, color="grey", lw=0.8)
    ax.set_ylim(0, 110)
    return _finish(fig, ax, path, "Container memory utilization and forecast", "memory (%)")


def write_plots(result: RunResult, directory: Path) -> list[Path]:
    plots = PLOTS if "service" in result.metrics.columns else {"capacity.png": plot_capacity}
    paths = [fn(result, directory / name) for name, fn in plots.items()]
    if has_memory(result):
        paths.append(plot_memory(result, directory / "memory.png"))
    if has_hosts(result):
        paths.append(plot_fleet(result, directory / "fleet.png"))
    if has_capacity_providers(result):
        paths.append(plot_capacity_providers(result, directory / "capacity_providers.png"))
    if result.summary.get("test_fleet"):
        from simulator.report.test_fleet import plot_batches

        paths.append(plot_batches(result.summary["test_fleet"], directory / "test_fleet.png"))
    return paths
