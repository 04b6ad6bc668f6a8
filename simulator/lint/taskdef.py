"""Security checks of an ECS task definition, each tied to the AWS Security Hub control
(Security Hub User Guide, "Security Hub controls for Amazon ECS") or the ECS Developer
Guide best practice it corresponds to.

The input is a task definition as ``aws ecs register-task-definition --cli-input-json``
takes it, or as DescribeTaskDefinition answers it (``{"taskDefinition": {...}}``). Each
finding names the JSON path of the offending field (``$.containerDefinitions[1].user``),
its severity (Security Hub's for the control) and the control. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL")


@dataclass(frozen=True)
class Control:
    """A Security Hub control (or, with ``control`` empty, a documented best practice)."""

    id: str
    title: str
    severity: str
    reference: str


HUB = "https://docs.aws.amazon.com/securityhub/latest/userguide/ecs-controls.html"
BEST_PRACTICES = (
    "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/security-tasks-containers.html"
)
CONTROLS: Mapping[str, Control] = {
    "ECS.1": Control(
        "ECS.1",
        "Amazon ECS task definitions should have secure networking modes and user "
        "definitions (retired March 2026; see ECS.4, ECS.17, ECS.20)",
        "HIGH",
        f"{HUB}#ecs-1",
    ),
    "ECS.3": Control(
        "ECS.3", "ECS task definitions should not share the host's process namespace", "HIGH",
        f"{HUB}#ecs-3",
    ),
    "ECS.4": Control(
        "ECS.4", "ECS containers should run as non-privileged", "HIGH", f"{HUB}#ecs-4"
    ),
    "ECS.5": Control(
        "ECS.5", "ECS containers should be limited to read-only access to root filesystems",
        "HIGH", f"{HUB}#ecs-5",
    ),
    "ECS.8": Control(
        "ECS.8", "Secrets should not be passed as container environment variables", "HIGH",
        f"{HUB}#ecs-8",
    ),
    "ECS.9": Control(
        "ECS.9", "ECS task definitions should have a logging configuration", "HIGH",
        f"{HUB}#ecs-9",
    ),
    "ECS.17": Control(
        "ECS.17", "ECS task definitions should not use host network mode", "MEDIUM",
        f"{HUB}#ecs-17",
    ),
    "ECS.20": Control(
        "ECS.20", "ECS Task Definitions should configure non-root users in Linux container "
        "definitions", "MEDIUM", f"{HUB}#ecs-20",
    ),
    "BP.secrets": Control(
        "", "Pass sensitive data through secrets (Secrets Manager or Parameter Store), not "
        "plain environment variables", "MEDIUM", BEST_PRACTICES,
    ),
}  # fmt: skip
"""The controls the checks report. Severities are Security Hub's for each control."""

ECS8_KEYS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "ECS_ENGINE_AUTH_DATA")
"""ECS.8 (AWS Config rule ecs-no-environment-secrets): the environment keys it flags."""
SECRET_NAME = re.compile(
    r"(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIALS?)", re.IGNORECASE
)
"""Environment names that look like secrets: beyond ECS.8's three keys, ecsim's heuristic
for the ECS best practice of passing them through ``secrets``."""
ROOT_USERS = ("", "root", "0")


@dataclass(frozen=True)
class Finding:
    control: Control
    path: str
    message: str

    @property
    def severity(self) -> str:
        return self.control.severity

    def to_dict(self) -> dict[str, str]:
        return {
            "control": self.control.id or "best-practice",
            "severity": self.severity,
            "path": self.path,
            "message": self.message,
            "title": self.control.title,
            "reference": self.control.reference,
        }


class TaskDefinitionShapeError(ValueError):
    """The document is not a task definition (the message names the field path)."""


def _user_is_root(user: Any) -> bool:
    return str(user or "").split(":", 1)[0].strip() in ROOT_USERS


def _containers(td: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for i, c in enumerate(td.get("containerDefinitions") or ()):
        yield f"$.containerDefinitions[{i}]", c


def _linux(td: Mapping[str, Any]) -> bool:
    family = (td.get("runtimePlatform") or {}).get("operatingSystemFamily", "LINUX")
    return str(family).upper() == "LINUX"


def _host_network(td: Mapping[str, Any]) -> Iterator[Finding]:
    if td.get("networkMode") == "host":
        yield Finding(CONTROLS["ECS.17"], "$.networkMode", "networkMode is host")
        for path, c in _containers(td):
            if not c.get("privileged") and _user_is_root(c.get("user")):
                yield Finding(
                    CONTROLS["ECS.1"],
                    path,
                    f"container {c.get('name', '?')!r} uses host networking as root "
                    "without privileged opted in",
                )


def _pid_host(td: Mapping[str, Any]) -> Iterator[Finding]:
    if td.get("pidMode") == "host":
        yield Finding(CONTROLS["ECS.3"], "$.pidMode", "pidMode is host")


def _privileged(td: Mapping[str, Any]) -> Iterator[Finding]:
    for path, c in _containers(td):
        if c.get("privileged") is True:
            yield Finding(
                CONTROLS["ECS.4"],
                f"{path}.privileged",
                f"container {c.get('name', '?')!r} is privileged",
            )


def _read_only_root(td: Mapping[str, Any]) -> Iterator[Finding]:
    for path, c in _containers(td):
        if c.get("readonlyRootFilesystem") is not True:
            where = "false" if "readonlyRootFilesystem" in c else "not set"
            yield Finding(
                CONTROLS["ECS.5"],
                f"{path}.readonlyRootFilesystem",
                f"container {c.get('name', '?')!r}: readonlyRootFilesystem is {where}",
            )


def _root_user(td: Mapping[str, Any]) -> Iterator[Finding]:
    if not _linux(td):
        return
    for path, c in _containers(td):
        if _user_is_root(c.get("user")):
            user = c.get("user")
            what = f"user is {user!r}" if user else "user is not set (the image's, root by default)"
            yield Finding(
                CONTROLS["ECS.20"], f"{path}.user", f"container {c.get('name', '?')!r}: {what}"
            )


def _environment_secrets(td: Mapping[str, Any]) -> Iterator[Finding]:
    for path, c in _containers(td):
        for j, var in enumerate(c.get("environment") or ()):
            name = str(var.get("name", ""))
            where = f"{path}.environment[{j}]"
            if name.upper() in ECS8_KEYS:
                yield Finding(
                    CONTROLS["ECS.8"], where, f"environment variable {name} holds a credential"
                )
            elif SECRET_NAME.search(name):
                yield Finding(
                    CONTROLS["BP.secrets"],
                    where,
                    f"environment variable {name} looks like a secret",
                )


def _logging(td: Mapping[str, Any]) -> Iterator[Finding]:
    for path, c in _containers(td):
        if not c.get("logConfiguration"):
            yield Finding(
                CONTROLS["ECS.9"],
                f"{path}.logConfiguration",
                f"container {c.get('name', '?')!r} has no logConfiguration",
            )


CHECKS: tuple[Callable[[Mapping[str, Any]], Iterator[Finding]], ...] = (
    _host_network,
    _pid_host,
    _privileged,
    _read_only_root,
    _root_user,
    _environment_secrets,
    _logging,
)


def _shape(doc: Any) -> Mapping[str, Any]:
    if isinstance(doc, Mapping) and isinstance(doc.get("taskDefinition"), Mapping):
        doc = doc["taskDefinition"]
    if not isinstance(doc, Mapping):
        raise TaskDefinitionShapeError("$: expected a JSON object (a task definition)")
    containers = doc.get("containerDefinitions")
    if not isinstance(containers, list) or not containers:
        raise TaskDefinitionShapeError("$.containerDefinitions: expected a non-empty list")
    for i, c in enumerate(containers):
        if not isinstance(c, Mapping):
            raise TaskDefinitionShapeError(f"$.containerDefinitions[{i}]: expected an object")
        env = c.get("environment", [])
        if not isinstance(env, list) or not all(isinstance(e, Mapping) for e in env):
            raise TaskDefinitionShapeError(
                f"$.containerDefinitions[{i}].environment: expected a list of name/value objects"
            )
    return doc


def lint(doc: Any) -> list[Finding]:
    """Every finding of task definition ``doc``, in check order then document order;
    TaskDefinitionShapeError if it is not a task definition."""
    td = _shape(doc)
    return [f for check in CHECKS for f in check(td)]
