"""The `ecsim run` command's output safety, end to end (see simulator/report/output.py)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).parents[1]
QUICKSTART = ROOT / "scenarios" / "quickstart.yaml"


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "simulator.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def test_of_two_concurrent_runs_one_wins_and_the_other_exits_2(tmp_path):
    out = tmp_path / "q"
    procs = [start("run", str(QUICKSTART), "--out", str(out), "--duration", "6h", "-q")]
    procs.append(start("run", str(QUICKSTART), "--out", str(out), "--duration", "6h", "-q"))
    results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    assert sorted(rc for rc, _ in results) == [0, 2]
    loser = next(err for rc, err in results if rc == 2)
    assert len(loser.strip().splitlines()) == 1, loser
    assert "another ecsim run is writing" in loser or "exists; use --force" in loser
    assert sorted(p.name for p in tmp_path.iterdir()) == ["q"]
    assert (out / ".ecsim-report").is_file()


def test_force_refuses_a_users_own_directory(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep")
    proc = start("run", str(QUICKSTART), "--out", str(out), "--duration", "1h", "--force")
    rc = proc.wait(timeout=120)
    err = proc.stderr.read()
    assert rc == 2
    assert "--force replaces only an ecsim report directory" in err
    assert (out / "notes.txt").read_text() == "keep"


def test_a_killed_runs_temporary_is_cleaned_by_the_next_run(tmp_path):
    out = tmp_path / "q"
    proc = start("run", str(QUICKSTART), "--out", str(out), "-q")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if any(p.name.startswith(".q.tmp-") for p in tmp_path.iterdir()):
            break
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert not out.exists(), "killed while writing: no partial report at the target"
    assert any(p.name.startswith(".q.tmp-") for p in tmp_path.iterdir())
    again = start("run", str(QUICKSTART), "--out", str(out), "--duration", "1h", "-q")
    assert again.wait(timeout=120) == 0, again.stderr.read()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["q"]
