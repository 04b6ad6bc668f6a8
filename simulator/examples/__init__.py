"""The bundled example scenarios (copies of the repository's scenarios/, shipped as
package data so ``ecsim init --example NAME`` works from a pip install), and the
commented starter that ``ecsim init`` writes."""

from __future__ import annotations

from importlib import resources


def _data():
    return resources.files(__package__).joinpath("data")


def example_names() -> list[str]:
    return sorted(p.name[: -len(".yaml")] for p in _data().iterdir() if p.name.endswith(".yaml"))


def example_text(name: str) -> str:
    return _data().joinpath(f"{name}.yaml").read_text(encoding="utf-8")


def starter_text() -> str:
    return resources.files(__package__).joinpath("starter.yaml").read_text(encoding="utf-8")
