"""Seeds of replications, common random numbers, and the run store."""

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from simulator.experiment.replications import RunStore, replication_seeds
from simulator.experiment.sweep import plan_sweep
from simulator.scenario.loader import load_scenario

SCENARIOS = Path(__file__).parents[2] / "scenarios"


@given(st.integers(0, 2**32 - 1), st.integers(1, 30))
def test_seeds_start_at_the_scenario_seed_and_are_distinct(seed, n):
    seeds = replication_seeds(seed, n)
    assert seeds[0] == seed and len(set(seeds)) == n
    assert seeds == replication_seeds(seed, n)
    assert replication_seeds(seed, n + 3)[:n] == seeds  # more replications keep the first


def test_variants_of_one_replication_share_the_seed():
    s = load_scenario(SCENARIOS / "dedicated-host-recovery.yaml")
    plan = plan_sweep(s, None, 3, duration="1h")
    by_rep = {}
    for t in plan.tasks:
        by_rep.setdefault(t.replication, set()).add(t.seed)
    assert all(len(seeds) == 1 for seeds in by_rep.values())
    assert {t.variant for t in plan.tasks} == {"recovery-on", "recovery-off"}
    assert len({t.key for t in plan.tasks}) == len(plan.tasks)


def test_store_writes_whole_files_only(tmp_path):
    store = RunStore(tmp_path / "runs")
    store.save({"key": "abc", "summary": {"x": 1}})
    assert store.has("abc") and store.load("abc")["summary"] == {"x": 1}
    assert [p.name for p in (tmp_path / "runs").iterdir()] == ["abc.json"]
    assert json.loads((tmp_path / "runs" / "abc.json").read_text())["key"] == "abc"
