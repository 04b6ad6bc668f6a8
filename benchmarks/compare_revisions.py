"""CPU time of one benchmark script in two checkouts, measured alternately in one run.

Each round runs the script once in each checkout (the order alternates between rounds, so
a drift in machine load falls on both), each in a child process whose ``PYTHONPATH`` is
its checkout (its own ``simulator`` package is imported). The CPU seconds of a run are the
user + system time of the child and every process it waited for. Prints each round and
the median ratio new / baseline (1.10 = the new checkout takes 10 % longer).

    .venv/bin/python benchmarks/compare_revisions.py benchmarks/bench_run.py \\
        --baseline /work/wt/baseline --rounds 5 -- --child quickstart
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cpu_seconds(checkout: Path, script: str, args: list[str]) -> float:
    """User + system CPU seconds of one run of ``script`` in ``checkout``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    subprocess.run(
        [sys.executable, str(checkout / script), *args],
        cwd=checkout,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def compare(
    script: str, baseline: Path, new: Path, rounds: int, args: list[str]
) -> tuple[list[tuple[float, float]], float]:
    """Per round (baseline s, new s), and the median of the per-round ratios."""
    rows = []
    for k in range(rounds):
        order = [(0, baseline), (1, new)] if k % 2 == 0 else [(1, new), (0, baseline)]
        times = [0.0, 0.0]
        for slot, checkout in order:
            times[slot] = cpu_seconds(checkout, script, args)
        rows.append((times[0], times[1]))
        print(
            f"round {k + 1}: baseline {times[0]:8.2f} s  new {times[1]:8.2f} s  "
            f"ratio {times[1] / times[0]:.3f}",
            flush=True,
        )
    return rows, statistics.median(n / b for b, n in rows)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("script", help="the benchmark, relative to each checkout")
    p.add_argument("--baseline", type=Path, required=True, help="the older checkout")
    p.add_argument("--new", type=Path, default=ROOT, help="the newer checkout (this one)")
    p.add_argument("--rounds", type=int, default=5)
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in argv:  # what follows goes to the script
        k = argv.index("--")
        argv, extra = argv[:k], argv[k + 1 :]
    a = p.parse_args(argv)
    if a.rounds < 1:
        p.error("--rounds must be at least 1")
    for checkout in (a.baseline, a.new):
        if not (checkout / a.script).is_file():
            p.error(f"{checkout / a.script} does not exist")
    _, ratio = compare(a.script, a.baseline.resolve(), a.new.resolve(), a.rounds, extra)
    print(f"median ratio new / baseline: {ratio:.3f}")


if __name__ == "__main__":
    main()
