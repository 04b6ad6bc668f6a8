"""Every module of the package imports on its own: a new import circle fails here.

Each module is imported alone, in sorted order, in a child process that has no module
of the package loaded yet. The children are forked from a fresh interpreter that has
imported only the third-party modules the package imports at module level (numpy,
pandas, pydantic, boto3...), so each costs the package's own imports, not the
interpreter's start.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import os
import subprocess
import sys
import traceback
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PACKAGE = ROOT / "simulator"


def modules() -> list[str]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        out.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return sorted(out)


def third_party() -> list[str]:
    """Modules the package imports at module level that are not its own."""
    found: set[str] = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Import):
                found |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module)
    return sorted(m for m in found if m.split(".")[0] not in ("simulator", "__future__"))


def _import_alone(name: str) -> str | None:
    """Import ``name`` in a forked child; its error text, or None."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report and leave without running the parent's cleanup
        os.close(read)
        message = b""
        try:
            importlib.import_module(name)
        except BaseException:
            message = traceback.format_exc().encode()
        os.write(write, message)
        os.close(write)
        os._exit(0)
    os.close(write)
    chunks = []
    while chunk := os.read(read, 65536):
        chunks.append(chunk)
    os.close(read)
    os.waitpid(pid, 0)
    text = b"".join(chunks).decode()
    return text or None


def main(only: list[str]) -> int:
    """In a fresh interpreter: load the third-party modules, then import each module of
    the package (or those starting with one of ``only``) alone in a forked child; print
    the failures, one per line."""
    for name in third_party():
        with contextlib.suppress(ImportError):  # optional: the module needing it reports
            importlib.import_module(name)
    failed = 0
    for name in modules():
        if only and not name.startswith(tuple(only)):
            continue
        error = _import_alone(name)
        if error is not None:
            failed += 1
            print(f"{name}: {error.strip().splitlines()[-1]}")
    return 1 if failed else 0


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_every_module_imports_alone_in_sorted_order(tmp_path):
    # each child compiles what it imports; a bytecode cache of the test's own (outside
    # the tree) lets the later children reuse it even where bytecode writing is off
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(tmp_path / "pycache")
    done = subprocess.run(
        [sys.executable, __file__],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_module_list_covers_the_package():
    names = modules()
    assert "simulator" in names and "simulator.aws.ecs" in names
    assert names == sorted(set(names))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main(sys.argv[1:]))
