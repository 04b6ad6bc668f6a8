"""Replications: seeds derived from the scenario's seed, one run as a plain task, and the
store that keeps each finished run so an interrupted experiment resumes.

Replication 0 runs with the scenario's own seed (it is the run ``ecsim run`` does);
replication i > 0 runs with a seed drawn from ``SeedSequence`` of the scenario seed, so
replications are independent and reproducible. Every variant and sweep point of
replication i uses the same seed: common random numbers, the same arrivals and faults.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.core.rng import seed_sequence


def replication_seeds(seed: int, n: int) -> list[int]:
    """The seeds of replications 0..n-1 under the scenario seed ``seed``."""
    if n < 1:
        raise ValueError(f"replications: expected an integer >= 1, got {n}")
    children = seed_sequence(int(seed), "replications").spawn(max(0, n - 1))
    return [int(seed)] + [int(c.generate_state(1)[0]) for c in children]


@dataclass(frozen=True)
class RunTask:
    """One run to do: a point and variant of the scenario (as plain data) and a seed."""

    point: int
    point_values: dict[str, Any]
    variant: str
    replication: int
    seed: int
    scenario: dict[str, Any] = field(repr=False)

    @property
    def key(self) -> str:
        """Content address: the same scenario and seed is the same run, whatever grid it
        came from (so a widened sweep reuses the runs it already has)."""
        text = json.dumps({"scenario": self.scenario, "seed": self.seed}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:24]

    def payload(self) -> dict[str, Any]:
        """What a worker needs (plain JSON types: any executor can ship it)."""
        return {"key": self.key, "scenario": self.scenario, "seed": self.seed}


def execute(payload: dict[str, Any]) -> dict[str, Any]:
    """Run one task on whatever process it lands on: the record the store keeps."""
    from simulator.experiment.run import run
    from simulator.scenario.schema import Scenario

    started = time.perf_counter()
    result = run(Scenario.model_validate(payload["scenario"]), seed=payload["seed"])
    return {
        "key": payload["key"],
        "seed": payload["seed"],
        "summary": json.loads(json.dumps(result.summary)),
        "wall_s": round(time.perf_counter() - started, 3),
    }


class RunStore:
    """Finished runs as one JSON file each under ``directory``, written atomically
    (a temporary file renamed into place), so a file that exists is a whole run."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def path(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def has(self, key: str) -> bool:
        return self.path(key).is_file()

    def load(self, key: str) -> dict[str, Any]:
        return json.loads(self.path(key).read_text())

    def save(self, record: dict[str, Any]) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.path(record["key"])
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=self.directory)
        try:
            with os.fdopen(fd, "w") as f:
                json.dump(record, f, sort_keys=True)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target
