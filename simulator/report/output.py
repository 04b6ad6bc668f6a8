"""Safe report directories: a marker, an exclusive lock, stale-temporary cleanup, a swap.

Rules (README "Output safety"):

- a report directory carries a marker file, ``.ecsim-report``; ``--force`` replaces only
  a directory that has it (or, from before the marker, holds nothing but ecsim's report
  files), never a file, a symlink, a user's own directory, the current directory or one
  of its parents;
- a writer holds an exclusive, non-blocking ``flock`` on ``.NAME.lock`` beside the target
  from before the run until the report is in place (then removes it), so of two
  concurrent runs into the same directory one wins and the other is refused at once;
- the report is filled in ``.NAME.tmp-*`` and swapped into place with one atomic
  ``renameat2(RENAME_EXCHANGE)`` where the kernel has it, so the old report or the new one
  is always at NAME; where it does not, the old one is moved to ``.NAME.old-*`` first and
  the next run puts it back if a kill came between the two renames;
- the next run into the same parent removes the ``.X.tmp-*`` / ``.X.old-*`` that a killed
  run left, once it holds X's lock (so never those of a live run);
- the directory's mode honours the umask (``mkdtemp`` alone would make it 0700).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from simulator.core.errors import OutputExistsError, OutputLockedError, OutputRefusedError

MARKER = ".ecsim-report"
_STALE = re.compile(r"^\.(?P<name>.+)\.(?:tmp|old)-[A-Za-z0-9_]+$")
_held: dict[Path, int] = {}
"""Locks this process holds: resolved target -> lock file descriptor."""


REPORT_FILES = frozenset(
    {"report.md", "summary.json", "metrics.parquet", "events.parquet", "events.jsonl"}
)
"""What ecsim writes into a report (besides PNG plots and one directory per variant)."""


def is_report(path: Path) -> bool:
    """A real directory (not a symlink) that ecsim wrote: it holds the marker file, or it
    is a report written before the marker existed (only ecsim's own files in it)."""
    if not path.is_dir() or path.is_symlink():
        return False
    return (path / MARKER).is_file() or _unmarked_report(path, depth=0)


def _unmarked_report(path: Path, depth: int) -> bool:
    try:
        entries = list(path.iterdir())
    except OSError:
        return False
    if not any(e.name == "summary.json" and e.is_file() for e in entries):
        return False
    for e in entries:
        if e.is_symlink():
            return False
        if e.is_dir():
            if depth > 0 or not _unmarked_report(e, depth + 1):
                return False
        elif not (e.name in REPORT_FILES or e.suffix == ".png"):
            return False
    return True


def check_output(out: Path, force: bool) -> None:
    """Refuse early (before a run) what the write would refuse."""
    out = Path(out)
    here = Path.cwd().resolve()
    resolved = out.resolve() if out.exists() or out.is_symlink() else out.absolute()
    if resolved == here or resolved in here.parents or out.name in ("", ".", ".."):
        raise OutputRefusedError(
            f"{out}: refusing to write a report over the current directory or one of its "
            "parents; give --out a new directory"
        )
    if not (out.exists() or out.is_symlink()):
        return
    if not force:
        raise OutputExistsError(f"{out}: output directory exists; use --force to replace it")
    if not is_report(out):
        what = (
            "a symlink"
            if out.is_symlink()
            else "not a directory"
            if not out.is_dir()
            else "a directory that is not an ecsim report (no .ecsim-report marker)"
        )
        raise OutputRefusedError(
            f"{out}: exists and is {what}; --force replaces only an ecsim report directory"
        )


def _lock_path(out: Path) -> Path:
    return out.parent / f".{out.name}.lock"


def _try_lock(out: Path) -> int | None:
    """A descriptor holding the exclusive lock of ``out``, or None if someone else has it.

    The holder unlinks the lock file before it lets go (``_unlock``), so a lock taken on a
    file that is no longer at the path is stale and taken again on the new file."""
    path = _lock_path(out)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return None
            raise
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)


def _unlock(out: Path, fd: int) -> None:
    with contextlib.suppress(OSError):
        os.unlink(_lock_path(out))
    os.close(fd)


@contextlib.contextmanager
def reserve(out: Path, force: bool) -> Iterator[Path]:
    """Hold ``out``'s lock for the block (re-entrant in one process); refuse at once when
    another process holds it or when ``check_output`` would refuse."""
    out = Path(out)
    key = out.absolute()
    if key in _held:
        yield out
        return
    check_output(out, force)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd = _try_lock(out)
    except OSError as exc:
        raise OutputRefusedError(f"{out}: cannot create the report directory ({exc})") from None
    if fd is None:
        raise OutputLockedError(
            f"{out}: another ecsim run is writing this report directory; wait for it or "
            "choose another --out"
        )
    _held[key] = fd
    try:
        clean_stale(out.parent)
        check_output(out, force)  # again: the state may have changed before the lock
        yield out
    finally:
        del _held[key]
        _unlock(out, fd)


def clean_stale(parent: Path) -> list[Path]:
    """Remove what killed runs left in ``parent``; restore an old report a kill stranded."""
    removed: list[Path] = []
    try:
        entries = sorted(parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        m = _STALE.match(entry.name)
        if m is None or entry.is_symlink() or not entry.is_dir():
            continue
        target = parent / m["name"]
        mine = target.absolute() in _held
        fd = None if mine else _try_lock(target)
        if not mine and fd is None:
            continue  # a live run owns it
        try:
            if ".old-" in entry.name[len(m["name"]) + 1 :]:
                inner = entry / m["name"]
                if not (target.exists() or target.is_symlink()) and is_report(inner):
                    os.replace(inner, target)  # a kill between the two renames: put it back
            if _ours(entry):
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
        finally:
            if fd is not None:
                _unlock(target, fd)
    return removed


def _ours(entry: Path) -> bool:
    """A temporary ecsim made: empty, marked, or holding one marked report."""
    try:
        names = os.listdir(entry)
    except OSError:
        return False
    if not names or MARKER in names:
        return True
    return len(names) == 1 and is_report(entry / names[0])


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_marker(d: Path) -> None:
    (d / MARKER).write_text(json.dumps({"written_by": "ecsim", "format": 1}) + "\n")


def atomic_directory(out: Path, force: bool, fill: Callable[[Path], None]) -> Path:
    """Create (or, with ``force``, replace) the report ``out`` by filling a marked temporary
    directory and swapping it into place."""
    out = Path(out)
    with reserve(out, force):
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
        try:
            write_marker(tmp)
            fill(tmp)
            os.chmod(tmp, 0o777 & ~_umask())
            if out.exists() or out.is_symlink():
                check_output(out, force)
                _swap(tmp, out)
            else:
                os.replace(tmp, out)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return out


def _swap(new: Path, out: Path) -> None:
    """Put ``new`` at ``out`` and remove the old ``out``; one of them is always at ``out``."""
    if _exchange(new, out):
        shutil.rmtree(new, ignore_errors=True)  # ``new`` now names the old report
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    os.replace(out, old / out.name)
    os.replace(new, out)
    shutil.rmtree(old, ignore_errors=True)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux renameat2); False where unsupported."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError, TypeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    renameat2.argtypes += [ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    rc = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EXDEV):
        return False
    raise OSError(err, os.strerror(err), str(b))
