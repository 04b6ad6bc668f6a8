"""Makespan versus cost over a test fleet's sweep: which (batches, instance type) choices
are worth having (the Pareto frontier: no other choice is both faster and cheaper).

The points are the scenario's own ``sweep:`` section (its grid and points, the same field
paths ``ecsim sweep`` takes); each point is run once with the scenario's seed.

    python -m simulator.batch.frontier scenarios/test-fleet.yaml out/test-fleet-frontier
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.core.errors import EcsimError
from simulator.scenario.schema import Scenario
from simulator.scenario.sweep_points import Point, point_scenario, sweep_of

COLUMNS = (
    "makespan_s",
    "cost_usd",
    "utilization",
    "capacity_wait_max_s",
    "time_to_first_failure_s",
    "test_s_saved_by_fast_fail",
    "finished",
)


def pareto(points: Sequence[tuple[float, float]]) -> list[bool]:
    """For each (makespan, cost): whether no other point is at least as good in both and
    better in one (lower is better in both)."""
    out = []
    for i, (m, c) in enumerate(points):
        dominated = any(
            (m2 <= m and c2 <= c and (m2 < m or c2 < c))
            for j, (m2, c2) in enumerate(points)
            if j != i
        )
        out.append(not dominated)
    return out


def label(point: Point) -> str:
    """A short label of a point: the last part of each path and its value."""
    parts = []
    for path, value in point.items():
        name = path.rsplit(".", 1)[-1]
        shown = ",".join(map(str, value)) if isinstance(value, list) else str(value)
        parts.append(f"{name}={shown}")
    return " ".join(parts) or "base"


def _varies(points: list[Point], key: str) -> bool:
    return len({repr(p.get(key)) for p in points}) > 1


def fleet_frontier(scenario: Scenario, source: str = "<scenario>") -> pd.DataFrame:
    """One row per sweep point: its label, the test fleet's numbers, on_frontier."""
    from simulator.experiment.run import run

    if scenario.test_fleet is None:
        raise EcsimError(f"{source}: expected a test_fleet section")
    points, _replications = sweep_of(scenario)
    varying = [k for k in dict.fromkeys(k for p in points for k in p) if _varies(points, k)]
    rows: list[dict[str, Any]] = []
    for point in points:
        at = point_scenario(scenario, point, source) if point else scenario
        tf = run(at).summary["test_fleet"]
        shown = {k: v for k, v in point.items() if k in varying}
        rows.append({"point": label(shown), **{k: tf[k] for k in COLUMNS}})
    df = pd.DataFrame(rows)
    done = df["finished"].astype(bool)
    ok = df[done]
    front = pareto(list(zip(ok["makespan_s"], ok["cost_usd"], strict=True)))
    df["on_frontier"] = False
    df.loc[ok.index, "on_frontier"] = front
    return df


def main(argv: list[str] | None = None) -> int:
    from simulator.core.errors import ScenarioError
    from simulator.report.test_fleet import write_frontier
    from simulator.scenario.loader import load_scenario

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m simulator.batch.frontier SCENARIO OUT_DIR", file=sys.stderr)
        return 2
    try:
        sc = load_scenario(args[0])
        df = fleet_frontier(sc, args[0])
    except (ScenarioError, EcsimError) as exc:
        print(exc, file=sys.stderr)
        return 2
    out = write_frontier(df, Path(args[1]), sc.name)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
