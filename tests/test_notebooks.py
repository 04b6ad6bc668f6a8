"""The notebooks execute top to bottom (nbclient, a real kernel), from a directory
outside the repository, with plots inline, writing nothing, and answer their question."""

import re
import subprocess
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _repo_files() -> set[str]:
    out = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    files = {line for line in out.splitlines() if "__pycache__" not in line}
    return files | {f"notebooks/{p.name}" for p in (ROOT / "notebooks").iterdir()}


def execute(path: Path, cwd: Path) -> nbformat.NotebookNode:
    book = nbformat.read(path, as_version=4)
    resources = {"metadata": {"path": str(cwd)}}  # the kernel's working directory
    NotebookClient(book, timeout=120, kernel_name="python3", resources=resources).execute()
    return book


def outputs(book: nbformat.NotebookNode) -> tuple[str, int]:
    text, images = [], 0
    for cell in book.cells:
        for out in cell.get("outputs", []):
            text.append(out.get("text", ""))
            data = out.get("data", {})
            text.append(data.get("text/plain", ""))
            images += "image/png" in data
    return "\n".join(text), images


def test_there_are_the_three_notebooks():
    assert [p.name for p in NOTEBOOKS] == [
        "dedicated_host_planning.ipynb",
        "graviton_what_if.ipynb",
        "sweep_p99_cost.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_anywhere_and_writes_nothing(path, tmp_path):
    before = _repo_files()
    book = execute(path, tmp_path)
    text, images = outputs(book)
    assert images >= 1, "a plot shown inline"
    assert _repo_files() == before, "the notebook wrote into the repository"
    assert list(tmp_path.iterdir()) == []
    if path.stem == "graviton_what_if":
        assert re.search(r"cheapest: (m6g|m7g|c7g)\.xlarge", text)
    elif path.stem == "dedicated_host_planning":
        m = re.search(r"recovery off loses ([\d,]+) more instance-hours", text)
        assert m and int(m.group(1).replace(",", "")) > 0
    else:
        m = re.search(r"(\d+) instances hold p99 under 50 ms .* at \$([\d,]+) per month", text)
        assert m and 3 <= int(m.group(1)) <= 6
