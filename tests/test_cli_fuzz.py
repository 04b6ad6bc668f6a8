"""The command line under mutated scenarios: every bundled scenario with one value
replaced, removed or added, through ``ecsim validate`` and ``ecsim run``.

Asserts: exit 0 or 2, never a traceback, never a hang past a bound, never a partial
output (the target is either absent or a whole report, and nothing temporary is left).
``ci``: a fast subset; ``dev``: a few hundred examples.
"""

from __future__ import annotations

import copy
import math
import os
import signal
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from simulator.cli import app
from simulator.report.output import MARKER

ROOT = Path(__file__).parents[1]
SCENARIOS = {p.stem: yaml.safe_load(p.read_text()) for p in sorted(ROOT.glob("scenarios/*.yaml"))}
SCENARIOS = {
    name: doc
    for name, doc in SCENARIOS.items()
    if not any("strategy" in e for e in doc.get("events") or ())
}
"""The rolling-run scenarios (each strategy deploy of the others runs a whole blue/green stack)."""
DEV = os.environ.get("HYPOTHESIS_PROFILE") == "dev"
BOUND_S = 120
"""No single command may take longer (a 30-minute run of any bundled scenario takes ~1 s)."""

HOSTILE = st.one_of(
    st.sampled_from(
        [
            None,
            0,
            -1,
            1,
            2**63,
            10**9,
            1e308,
            math.inf,
            -math.inf,
            math.nan,
            0.5,
            True,
            "",
            "14:00",
            "on",
            "1ms",
            "100000d",
            "a/b",
            ".",
            "\x1b[2J\x00",
            ":x: [bold]",
            "x" * 300,
            [],
            {},
            [[3600, 1], [0, 2]],
            {"distribution": "uniform", "low": "1m"},
            "(" * 50,
        ]
    ),
    st.integers(-(2**64), 2**64),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
)


def paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += paths(v, (*prefix, i))
    return out


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(st.sampled_from(sorted(SCENARIOS)))
    data = copy.deepcopy(SCENARIOS[name])
    where = draw(st.sampled_from(paths(data)))
    parent = data
    for step in where[:-1]:
        parent = parent[step]
    action = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
    if action == "replace":
        parent[where[-1]] = draw(HOSTILE)
    elif action == "delete":
        del parent[where[-1]]
    elif isinstance(parent, dict):
        parent[draw(st.sampled_from(["extra", "on", "x\ny", "name"]))] = draw(HOSTILE)
    else:
        parent.append(draw(HOSTILE))
    return name, yaml.safe_dump(data, allow_unicode=False)


class Hang(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise Hang(f"a command took longer than {BOUND_S} s")


def invoke(args: list[str]) -> Any:
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(BOUND_S)
    try:
        return CliRunner().invoke(app, args, catch_exceptions=True)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def check(result: Any) -> None:
    assert not isinstance(result.exception, Hang), result.exception
    assert result.exit_code in (0, 2), (result.exit_code, result.output, result.exception)
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output


@settings(
    max_examples=300 if DEV else 12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(case=mutated())
def test_mutated_scenarios_exit_0_or_2_without_traceback_or_partial_output(tmp_path, case):
    name, text = case
    work = Path(tmp_path) / f"case-{abs(hash(text)) % 10**12}"
    work.mkdir()
    (work / "traffic.csv").write_text("0,10\n60,20\n")
    path = work / "s.yaml"
    path.write_text(text)
    validated = invoke(["validate", str(path)])
    check(validated)
    if validated.exit_code != 0 and not DEV:
        return  # ci: validation alone for what it refuses; dev also runs it
    out = work / "out" / "report"
    ran = invoke(["run", str(path), "--out", str(out), "--duration", "30m", "-q"])
    check(ran)
    if ran.exit_code == 0:
        assert (out / MARKER).is_file() and (out / "summary.json").is_file()
    else:
        assert not out.exists()
    parent = out.parent
    leftovers = [p.name for p in parent.iterdir() if p.name != "report"] if parent.exists() else []
    assert leftovers == []
