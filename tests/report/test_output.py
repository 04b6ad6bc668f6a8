"""Output safety: what --force may replace, the lock, stale temporaries, umask, the swap."""

import os
import stat
from pathlib import Path

import pytest

from simulator.core.errors import OutputExistsError, OutputLockedError, OutputRefusedError
from simulator.report import output
from simulator.report.output import MARKER, atomic_directory, clean_stale, is_report


def fill(text: str):
    def _fill(d: Path) -> None:
        (d / "report.md").write_text(text)

    return _fill


def test_a_report_carries_the_marker_and_force_replaces_it(tmp_path):
    out = atomic_directory(tmp_path / "r", False, fill("one"))
    assert is_report(out)
    atomic_directory(out, True, fill("two"))
    assert (out / "report.md").read_text() == "two"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


@pytest.mark.parametrize("kind", ["file", "user_dir", "symlink"])
def test_force_refuses_what_is_not_a_report(tmp_path, kind):
    out = tmp_path / "r"
    if kind == "file":
        out.write_text("precious")
    elif kind == "user_dir":
        out.mkdir()
        (out / "thesis.tex").write_text("precious")
    else:
        report = atomic_directory(tmp_path / "real", False, fill("x"))
        out.symlink_to(report)
    with pytest.raises(OutputRefusedError, match="--force replaces only an ecsim report"):
        atomic_directory(out, True, fill("new"))
    if kind == "file":
        assert out.read_text() == "precious"
    elif kind == "user_dir":
        assert (out / "thesis.tex").read_text() == "precious"
    else:
        assert out.is_symlink() and (tmp_path / "real" / "report.md").read_text() == "x"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_force_refuses_the_current_directory_and_its_parents(tmp_path, monkeypatch):
    (tmp_path / "sub").mkdir()
    (tmp_path / MARKER).write_text("{}")  # even one that looks like a report
    monkeypatch.chdir(tmp_path / "sub")
    for target in (Path("."), Path(".."), tmp_path, tmp_path / "sub"):
        with pytest.raises(OutputRefusedError, match="current directory"):
            atomic_directory(target, True, fill("x"))
    assert (tmp_path / "sub").is_dir() and (tmp_path / MARKER).exists()


def test_without_force_an_existing_report_is_kept(tmp_path):
    out = atomic_directory(tmp_path / "r", False, fill("one"))
    with pytest.raises(OutputExistsError, match="use --force"):
        atomic_directory(out, False, fill("two"))
    assert (out / "report.md").read_text() == "one"


def test_a_second_writer_is_refused_while_the_first_holds_the_lock(tmp_path):
    out = tmp_path / "r"
    fd = output._try_lock(out)  # another process's lock: its own open file description
    assert fd is not None
    try:
        with pytest.raises(OutputLockedError, match="another ecsim run"):
            atomic_directory(out, False, fill("x"))
        assert not out.exists()
    finally:
        os.close(fd)
    atomic_directory(out, False, fill("x"))
    assert not (tmp_path / ".r.lock").exists()


def test_stale_temporaries_of_killed_runs_are_cleaned_but_not_a_live_runs(tmp_path):
    dead = tmp_path / ".a.tmp-dead1234"
    dead.mkdir()
    (dead / MARKER).write_text("{}")
    live = tmp_path / ".b.tmp-live1234"
    live.mkdir()
    mine = tmp_path / ".c.tmp-user"  # a user's own directory that happens to match
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    fd = output._try_lock(tmp_path / "b")  # b's writer is still running
    try:
        atomic_directory(tmp_path / "r", False, fill("x"))
    finally:
        os.close(fd)
    assert not dead.exists()
    assert live.exists()
    assert (mine / "notes.txt").read_text() == "keep"


def test_an_old_report_stranded_between_two_renames_is_put_back(tmp_path):
    old = tmp_path / ".r.old-abc123"
    old.mkdir()
    atomic_directory(old / "r", False, fill("previous"))
    clean_stale(tmp_path)
    assert (tmp_path / "r" / "report.md").read_text() == "previous"
    assert not old.exists()


@pytest.mark.parametrize("exchange", [True, False])
def test_the_swap_replaces_the_old_report(tmp_path, monkeypatch, exchange):
    if not exchange:
        monkeypatch.setattr(output, "_exchange", lambda a, b: False)
    out = atomic_directory(tmp_path / "r", False, fill("one"))
    atomic_directory(out, True, fill("two"))
    assert (out / "report.md").read_text() == "two"
    assert [p.name for p in tmp_path.iterdir()] == ["r"]


def test_the_swap_is_one_atomic_exchange_on_linux(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x").write_text("a")
    (b / "x").write_text("b")
    if not output._exchange(a, b):
        pytest.skip("no renameat2 here")
    assert (a / "x").read_text() == "b" and (b / "x").read_text() == "a"


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_the_report_directory_honours_the_umask(tmp_path, mask):
    old = os.umask(mask)
    try:
        out = atomic_directory(tmp_path / "r", False, fill("x"))
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o777 & ~mask
    assert stat.S_IMODE((out / "report.md").stat().st_mode) == 0o666 & ~mask


def test_a_report_from_before_the_marker_is_replaced_but_not_one_with_a_users_file(tmp_path):
    old = tmp_path / "r"
    (old / "v1").mkdir(parents=True)
    for name in ("report.md", "summary.json", "metrics.parquet", "cost.png"):
        (old / name).write_text("x")
        (old / "v1" / name).write_text("x")
    assert is_report(old)
    (old / "v1" / "notes.txt").write_text("mine")
    assert not is_report(old)
    with pytest.raises(OutputRefusedError):
        atomic_directory(old, True, fill("new"))
    (old / "v1" / "notes.txt").unlink()
    atomic_directory(old, True, fill("new"))
    assert (old / "report.md").read_text() == "new" and (old / MARKER).is_file()
