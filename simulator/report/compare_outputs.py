"""``ecsim compare OUT_A OUT_B``: two finished reports, each headline number of B
against A with intervals.

A report is a sweep or replications directory (``results.parquet``), a variants report
or a single run (``summary.json``: one replication per variant). Groups (point fields
and variant) present in both are compared; when each side has a single group, those
two are. Replications that share seeds are paired (common random numbers: the paired
t interval); otherwise Welch's interval for independent samples is used.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from simulator.core.errors import EcsimError
from simulator.experiment.metrics import HEADLINE, run_metrics
from simulator.experiment.stats import (
    format_interval,
    interval_for,
    paired_difference,
    welch_difference,
)

KEYS = ["group", "replication", "seed", "metric", "value"]


def load_results(out: Path) -> tuple[pd.DataFrame, bool]:
    """The tidy rows of a finished report (group, replication, seed, metric, value), and
    whether the scenario has hosts (for the host-failure rows)."""
    out = Path(out)
    if (out / "results.parquet").is_file():
        df = pd.read_parquet(out / "results.parquet")
        described = (
            json.loads((out / "sweep.json").read_text()) if (out / "sweep.json").is_file() else {}
        )
        fields = described.get("fields", [])
        label = df[fields].astype(str).agg(", ".join, axis=1) if fields else ""
        multi = df["variant"].nunique() > 1
        if fields and multi:
            df["group"] = label + " / " + df["variant"].astype(str)
        elif fields:
            df["group"] = label
        else:
            df["group"] = df["variant"].astype(str)
        return df[KEYS], bool(described.get("has_hosts", True))
    if (out / "summary.json").is_file():
        data = json.loads((out / "summary.json").read_text())
        summaries = data.get("variants", {"base": data})
        rows = [
            {"group": name, "replication": 0, "seed": s["seed"], "metric": k, "value": v}
            for name, s in summaries.items()
            for k, v in run_metrics(s).items()
        ]
        has_hosts = any(
            s.get("dedicated_hosts") or s.get("host_failures") for s in summaries.values()
        )
        return pd.DataFrame(rows, columns=KEYS), has_hosts
    raise EcsimError(f"{out}: not a finished report (no results.parquet or summary.json)")


def compare_outputs(a: Path, b: Path) -> tuple[list[str], list[list[str]], str]:
    """Header, rows and a note on how the intervals were made."""
    da, hosts_a = load_results(a)
    db, hosts_b = load_results(b)
    ga, gb = list(dict.fromkeys(da["group"])), list(dict.fromkeys(db["group"]))
    common = [g for g in ga if g in gb]
    pairs = [(g, g) for g in common] if common else []
    if not pairs and len(ga) == 1 and len(gb) == 1:
        pairs = [(ga[0], gb[0])]
    if not pairs:
        raise EcsimError(f"no group to compare: {a} has {', '.join(ga)}; {b} has {', '.join(gb)}")
    metrics = [m for m in HEADLINE if not m.host or hosts_a or hosts_b]
    header = [
        "group",
        "number",
        f"A: {a.name}",
        f"B: {b.name}",
        "B - A [95 % CI]",
        "p",
        "significant",
    ]
    rows = []
    paired_any = False
    for g_a, g_b in pairs:
        for m in metrics:
            xa = da[(da["group"] == g_a) & (da["metric"] == m.name)].sort_values("replication")
            xb = db[(db["group"] == g_b) & (db["metric"] == m.name)].sort_values("replication")
            if xa.empty or xb.empty or xa["value"].isna().all() or xb["value"].isna().all():
                continue
            paired = len(xa) == len(xb) and list(xa["seed"]) == list(xb["seed"])
            paired_any = paired_any or paired
            d = (
                paired_difference(xa["value"], xb["value"])
                if paired
                else welch_difference(xa["value"], xb["value"])
            )
            rows.append(
                [
                    g_a if g_a == g_b else f"{g_a} -> {g_b}",
                    m.label,
                    format_interval(interval_for(m.name, xa["value"])),
                    format_interval(interval_for(m.name, xb["value"])),
                    format_interval(d.interval),
                    "n/a" if d.p_value != d.p_value else f"{d.p_value:.3g}",
                    "yes" if d.significant else "no",
                ]
            )
    note = (
        "Replications with the same seeds are paired (paired t interval); others use "
        "Welch's interval. One replication per side gives no interval."
        if paired_any
        else "Seeds differ: Welch's interval for independent samples."
    )
    return header, rows, note
