"""The operation tables every simulated service answers from.

Each service maps an operation name to its handler, the parameters it simulates and the
ones it accepts without effect; ``find`` refuses any other operation or parameter with
UnsupportedOperation naming it, so a script learns at once what ecsim does not model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.model import OperationModel

from simulator.aws import errors


@dataclass(frozen=True)
class Operation:
    """One simulated operation: its handler, simulated params, params accepted inertly."""

    handler: Callable[..., dict[str, Any]]
    params: frozenset[str]
    inert: frozenset[str] = frozenset()


def op(
    handler: Callable[..., dict[str, Any]], params: Iterable[str], inert: Iterable[str] = ()
) -> Operation:
    return Operation(handler, frozenset(params), frozenset(inert))


def find(
    operations: Mapping[str, Operation],
    model: OperationModel,
    params: Mapping[str, Any],
    what: str,
    always: frozenset[str] = frozenset(),
) -> Operation:
    """The operation answering ``model``; UnsupportedOperation for an operation not in
    ``operations`` (``what`` names it) or a parameter it does not take (``always``:
    parameters every operation of the service takes, such as EC2's DryRun)."""
    operation = operations.get(model.name)
    if operation is None:
        raise errors.not_simulated(what, operations)
    unknown = set(params) - operation.params - operation.inert - always
    if unknown:
        raise errors.not_simulated(
            f"the {model.name} parameter(s) {', '.join(sorted(unknown))}",
            operation.params | operation.inert,
        )
    return operation
