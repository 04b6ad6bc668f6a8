"""Determinism across processes: every bundled scenario, run in processes with different
PYTHONHASHSEED, gives identical tables (metrics, events) and summaries.

Set or dict-of-ids iteration, object ids or wall time leaking into a result shows up
here. Under the ``ci`` Hypothesis profile the runs are capped at one simulated day; under
``dev`` they run their full durations.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from simulator.scenario.loader import load_scenario

ROOT = Path(__file__).parents[2]
SCENARIOS = [
    p for p in sorted((ROOT / "scenarios").glob("*.yaml")) if not load_scenario(p).shifts_traffic
]
"""The rolling-run scenarios (the traffic-shifting comparison: test_deployment_choice)."""
CAP = None if os.environ.get("HYPOTHESIS_PROFILE") == "dev" else 86400.0

SCRIPT = """
import json, sys
from pathlib import Path
from simulator.experiment.run import run_variants
from simulator.scenario.loader import load_scenario

cap = None if sys.argv[2] == "none" else float(sys.argv[2])
for path in sys.argv[3:]:
    s = load_scenario(path)
    if cap is not None and s.duration > cap:
        s = load_scenario(path, overrides={"duration": cap})
    for name, r in run_variants(s).items():
        d = Path(sys.argv[1]) / Path(path).stem / name
        d.mkdir(parents=True)
        r.metrics.to_parquet(d / "metrics.parquet", index=False)
        r.events.to_parquet(d / "events.parquet", index=False)
        (d / "summary.json").write_text(json.dumps(r.summary, sort_keys=True))
"""


def start(out: Path, hash_seed: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    return subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(out), str(CAP or "none"), *map(str, SCENARIOS)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> tuple[Path, Path]:
    """The two processes run side by side (the suite's machines have two cores)."""
    a, b = tmp_path_factory.mktemp("hash1"), tmp_path_factory.mktemp("hash2")
    procs = [start(a, "1"), start(b, "4242")]
    for p in procs:
        _, err = p.communicate(timeout=1800)
        assert p.returncode == 0, err[-2000:]
    return a, b


def test_every_scenario_ran(outputs):
    a, _ = outputs
    assert {p.name for p in a.iterdir()} == {p.stem for p in SCENARIOS}


def test_every_table_is_identical_across_hash_seeds(outputs):
    a, b = outputs
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert len(files) >= 3 * len(SCENARIOS)
    different = []
    for rel in files:
        if rel.suffix == ".json":
            same = (a / rel).read_text() == (b / rel).read_text()
        else:
            same = pd.read_parquet(a / rel).equals(pd.read_parquet(b / rel))
        if not same:
            different.append(str(rel))
    assert different == []
