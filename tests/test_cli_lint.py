"""`ecsim lint`: findings and exit codes as a user sees them."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
SAMPLE = ROOT / "tests" / "aws" / "data" / "web-arm64-task-definition.json"


def ecsim(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "simulator.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def write(tmp_path: Path, name: str, doc) -> Path:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return path


UNSAFE = {
    "family": "bad",
    "networkMode": "host",
    "containerDefinitions": [
        {
            "name": "app",
            "image": "app:1",
            "privileged": True,
            "environment": [{"name": "AWS_SECRET_ACCESS_KEY", "value": "x"}],
        }
    ],
}
SAFE = {
    "family": "ok",
    "networkMode": "awsvpc",
    "containerDefinitions": [
        {
            "name": "app",
            "image": "app:1",
            "user": "1000",
            "readonlyRootFilesystem": True,
            "logConfiguration": {"logDriver": "awslogs"},
        }
    ],
}


def test_findings_exit_1_with_paths_and_controls(tmp_path):
    proc = ecsim("lint", "--format", "json", str(write(tmp_path, "bad.json", UNSAFE)))
    assert proc.returncode == 1, proc.stderr
    (found,) = json.loads(proc.stdout).values()
    by_control = {f["control"]: f["path"] for f in found}
    assert by_control == {
        "ECS.17": "$.networkMode",
        "ECS.4": "$.containerDefinitions[0].privileged",
        "ECS.5": "$.containerDefinitions[0].readonlyRootFilesystem",
        "ECS.20": "$.containerDefinitions[0].user",
        "ECS.8": "$.containerDefinitions[0].environment[0]",
        "ECS.9": "$.containerDefinitions[0].logConfiguration",
    }
    table = ecsim("lint", str(tmp_path / "bad.json"))
    assert (
        table.returncode == 1
        and "ECS.4: ECS containers should run as non-privileged" in table.stdout
    )


def test_a_clean_definition_exits_0(tmp_path):
    proc = ecsim("lint", str(write(tmp_path, "ok.json", {"taskDefinition": SAFE})))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("ok.json: no findings")


def test_the_bundled_sample_is_linted(tmp_path):
    proc = ecsim("lint", "--format", "json", str(SAMPLE))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    found = json.loads(proc.stdout)[str(SAMPLE)]
    assert {f["control"] for f in found} >= {"ECS.5"}


def test_unreadable_files_exit_2_one_line_each(tmp_path):
    bad_json = write(tmp_path, "broken.json", '{"a":')
    not_td = write(tmp_path, "list.json", "[1, 2]")
    proc = ecsim("lint", str(tmp_path / "missing.json"), str(bad_json), str(not_td), "/dev/zero")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.splitlines() == [
        f"{tmp_path / 'missing.json'}: no such file",
        f"{bad_json}: not valid JSON: line 1 column 6: Expecting value",
        f"{not_td}: $: expected a JSON object (a task definition)",
        "/dev/zero: not a regular file; expected a task definition file",
    ]
    assert ecsim("lint", "--format", "xml", str(not_td)).returncode == 2
