"""The notebooks run top to bottom and show what they claim."""

import runpy
from pathlib import Path

NOTEBOOKS = Path(__file__).parents[1] / "notebooks"


def test_graviton_what_if(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ns = runpy.run_path(str(NOTEBOOKS / "graviton_what_if.py"))
    table = ns["table"]
    assert list(table.index) == ["m6i.xlarge", "m6g.xlarge", "m7g.xlarge", "c7g.xlarge"]
    # the same four instances cost less on Graviton, and the faster cores cut latency
    assert (
        table.loc["m6g.xlarge", "cost (USD, 2 days)"]
        < table.loc["m6i.xlarge", "cost (USD, 2 days)"]
    )
    assert table.loc["m7g.xlarge", "web p99 max (ms)"] < table.loc["m6i.xlarge", "web p99 max (ms)"]
    assert (tmp_path / "graviton_what_if.png").exists()
