"""Load-time checks of a scenario's ``test_fleet`` section, each with its field path.

The durations CSV is read relative to the scenario file (its path made absolute here, as
trace files are), so the run never meets a missing file or a bad row.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from simulator.core.distributions import distribution
from simulator.core.errors import AWSError, EcsimError, ScenarioError
from simulator.scenario.capacity_checks import _check_strategy, has_instance_capacity

Problem = tuple[str, str]


def resolve_test_fleet(scenario: Any, source: str, base: Path) -> Any:
    """``scenario`` with its durations CSV path absolute; raises ScenarioError listing
    every problem of the ``test_fleet`` section."""
    tf = scenario.test_fleet
    if tf is None:
        return scenario
    if tf.durations_csv is not None:
        tf = tf.model_copy(update={"durations_csv": str((base / tf.durations_csv).resolve())})
        scenario = scenario.model_copy(update={"test_fleet": tf})
    problems = check_test_fleet(scenario)
    if problems:
        raise ScenarioError([f"{source}: {loc}: {msg}" for loc, msg in problems])
    return scenario


def check_test_fleet(s: Any) -> list[Problem]:
    from simulator.batch.plan import plan, read_durations
    from simulator.ecs.task_definition import parse_task_definition
    from simulator.scenario.run_checks import task_definition_doc

    tf = s.test_fleet
    where = "test_fleet"
    out: list[Problem] = []
    n: int | None = None
    if tf.durations_csv is not None:
        if tf.tests is not None or tf.duration is not None:
            out.append((where, "expected durations_csv or tests with duration, not both"))
        try:
            n = len(read_durations(tf.durations_csv))
        except EcsimError as exc:
            out.append((f"{where}.durations_csv", str(exc)))
    elif tf.tests is None or tf.duration is None:
        out.append((where, "expected tests and duration (a distribution), or durations_csv"))
    else:
        n = tf.tests
        try:
            distribution(tf.duration)
        except EcsimError as exc:
            out.append((f"{where}.duration", str(exc)))
        except (KeyError, TypeError) as exc:
            out.append((f"{where}.duration", f"expected a duration or a distribution ({exc})"))
    if tf.strategy == "given":
        if n is not None:
            try:
                plan([0.0] * n, tf.batches, "given", tf.given)
            except EcsimError as exc:
                out.append((f"{where}.given", str(exc)))
    elif tf.given:
        out.append((f"{where}.given", f"expected none with strategy {tf.strategy}"))
    spec = SimpleNamespace(
        name="test-batch",
        cpu=tf.cpu,
        memory=tf.memory,
        cpu_architecture=tf.cpu_architecture,
        capacity_provider_strategy=tf.capacity_provider_strategy,
        scheduling_strategy="REPLICA",
    )
    try:
        parse_task_definition(task_definition_doc(spec))
    except AWSError as exc:
        if not exc.message.startswith("No Fargate configuration"):  # reported below
            out.append((f"{where}.cpu", f"{exc.code}: {exc.message}"))
    providers = {p.name: p for p in s.capacity_providers}
    out += _check_strategy(where, spec, providers)
    if not tf.capacity_provider_strategy and not has_instance_capacity(s):
        out.append((where, "batch tasks need container instances or a capacity_provider_strategy"))
    return out
