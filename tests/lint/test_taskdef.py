"""Task definition checks: each unsafe setting found at its JSON path with its control."""

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from simulator.lint.taskdef import TaskDefinitionShapeError, lint


def hardened(n: int = 2) -> dict:
    """A task definition no check objects to."""
    return {
        "family": "safe",
        "networkMode": "awsvpc",
        "containerDefinitions": [
            {
                "name": f"c{i}",
                "image": "app:1",
                "user": "1000:1000",
                "readonlyRootFilesystem": True,
                "logConfiguration": {"logDriver": "awslogs", "options": {}},
                "environment": [{"name": "LOG_LEVEL", "value": "info"}],
                "secrets": [{"name": "DB_PASSWORD", "valueFrom": "arn:aws:secretsmanager:x"}],
            }
            for i in range(n)
        ],
    }


def controls(doc) -> list[tuple[str, str]]:
    return [(f.control.id or "best-practice", f.path) for f in lint(doc)]


def test_a_hardened_definition_has_no_findings():
    assert lint(hardened()) == []
    assert lint({"taskDefinition": hardened()}) == []  # DescribeTaskDefinition's shape


MUTATIONS = {
    "privileged": (
        lambda td, i: td["containerDefinitions"][i].update(privileged=True),
        "ECS.4",
        ".privileged",
    ),
    "root": (lambda td, i: td["containerDefinitions"][i].update(user="root"), "ECS.20", ".user"),
    "uid0": (lambda td, i: td["containerDefinitions"][i].update(user="0:0"), "ECS.20", ".user"),
    "no-user": (lambda td, i: td["containerDefinitions"][i].pop("user"), "ECS.20", ".user"),
    "writable": (
        lambda td, i: td["containerDefinitions"][i].update(readonlyRootFilesystem=False),
        "ECS.5",
        ".readonlyRootFilesystem",
    ),
    "credential": (
        lambda td, i: td["containerDefinitions"][i]["environment"].append(
            {"name": "AWS_ACCESS_KEY_ID", "value": "AKIA..."}
        ),
        "ECS.8",
        ".environment[1]",
    ),
    "password": (
        lambda td, i: td["containerDefinitions"][i]["environment"].append(
            {"name": "db_password", "value": "hunter2"}
        ),
        "best-practice",
        ".environment[1]",
    ),
    "no-logs": (
        lambda td, i: td["containerDefinitions"][i].pop("logConfiguration"),
        "ECS.9",
        ".logConfiguration",
    ),
}


@given(st.dictionaries(st.sampled_from(sorted(MUTATIONS)), st.integers(0, 1), max_size=3))
def test_each_unsafe_setting_is_one_finding_at_its_path(mutations):
    # at most one mutation per field of a container: two user changes would overwrite
    users = [m for m in mutations if m in ("root", "uid0", "no-user")]
    secrets = [m for m in mutations if m in ("credential", "password")]
    assume(len(users) <= 1 and len(secrets) <= 1)
    td = hardened()
    expected = []
    for name, i in mutations.items():
        change, control, field = MUTATIONS[name]
        change(td, i)
        expected.append((control, f"$.containerDefinitions[{i}]{field}"))
    assert sorted(controls(td)) == sorted(expected)


def test_host_network_mode_and_the_retired_combined_control():
    td = hardened(1)
    td["networkMode"] = "host"
    assert controls(td) == [("ECS.17", "$.networkMode")]
    td["containerDefinitions"][0]["user"] = "root"
    assert controls(td) == [
        ("ECS.17", "$.networkMode"),
        ("ECS.1", "$.containerDefinitions[0]"),
        ("ECS.20", "$.containerDefinitions[0].user"),
    ]
    td["containerDefinitions"][0]["privileged"] = True  # opted in: ECS.1 passes, ECS.4 fails
    assert ("ECS.1", "$.containerDefinitions[0]") not in controls(td)
    assert ("ECS.4", "$.containerDefinitions[0].privileged") in controls(td)


def test_pid_host_and_windows_containers():
    td = hardened(1)
    td["pidMode"] = "host"
    assert controls(td) == [("ECS.3", "$.pidMode")]
    win = hardened(1)
    win["runtimePlatform"] = {"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE"}
    del win["containerDefinitions"][0]["user"]
    assert controls(win) == []  # ECS.20 is for Linux container definitions


def test_findings_carry_severity_and_reference():
    td = hardened(1)
    td["containerDefinitions"][0]["privileged"] = True
    (f,) = lint(td)
    assert f.to_dict() == {
        "control": "ECS.4",
        "severity": "HIGH",
        "path": "$.containerDefinitions[0].privileged",
        "message": "container 'c0' is privileged",
        "title": "ECS containers should run as non-privileged",
        "reference": "https://docs.aws.amazon.com/securityhub/latest/userguide/ecs-controls.html#ecs-4",
    }


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([], "$: expected a JSON object"),
        ({"family": "x"}, "$.containerDefinitions: expected a non-empty list"),
        ({"containerDefinitions": ["x"]}, "$.containerDefinitions[0]: expected an object"),
        (
            {"containerDefinitions": [{"environment": {"A": "b"}}]},
            "$.containerDefinitions[0].environment",
        ),
    ],
)
def test_documents_that_are_not_task_definitions(doc, message):
    with pytest.raises(
        TaskDefinitionShapeError, match=message.replace("$", r"\$").replace("[", r"\[")
    ):
        lint(doc)
