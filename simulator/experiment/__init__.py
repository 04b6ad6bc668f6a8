"""Experiments: one run of a scenario (replications and sweeps build on it)."""

from simulator.experiment.result import RunResult
from simulator.experiment.run import run, run_variants

__all__ = ["RunResult", "run", "run_variants"]
