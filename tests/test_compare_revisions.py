"""benchmarks/compare_revisions.py: alternating rounds, CPU seconds, the median ratio."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _module():
    spec = importlib.util.spec_from_file_location(
        "compare_revisions", ROOT / "benchmarks" / "compare_revisions.py"
    )
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


SPIN = """\
import sys, time
end = time.process_time() + float(sys.argv[1]) * {factor}
while time.process_time() < end:
    pass
"""


def test_the_slower_checkout_has_the_larger_cpu_time(tmp_path, capsys):
    old, new = tmp_path / "old", tmp_path / "new"
    for d, factor in ((old, 1), (new, 3)):
        (d / "bench").mkdir(parents=True)
        (d / "bench" / "spin.py").write_text(SPIN.format(factor=factor))
    rows, ratio = _module().compare("bench/spin.py", old, new, 2, ["0.05"])
    assert len(rows) == 2
    assert all(n > b for b, n in rows)
    assert 1.5 < ratio < 6
    out = capsys.readouterr().out
    assert out.count("round ") == 2


def test_main_passes_what_follows_the_double_dash(tmp_path, capsys):
    for d in (tmp_path / "a", tmp_path / "b"):
        d.mkdir()
        (d / "spin.py").write_text(SPIN.format(factor=1))
    _module().main(["spin.py", "--baseline", str(tmp_path / "a"), "--new", str(tmp_path / "b"),
                    "--rounds", "1", "--", "0.01"])  # fmt: skip
    assert "median ratio new / baseline:" in capsys.readouterr().out
