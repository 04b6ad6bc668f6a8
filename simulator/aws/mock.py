"""``with simulated_aws() as aws:`` and ``@simulate_aws()``: a fresh simulated account for a
block or a function, the way moto's ``mock_aws`` is used.

Inside, boto3's default session is the account's: ``boto3.client("ecs")`` and
``boto3.resource("ec2")`` - in your code or in a script you import - are answered by it,
and ``time.sleep`` in this thread advances its clock (``patch_sleep=False`` keeps real
sleeps). Each entry makes a new account, so it works inside Hypothesis' ``@given`` (where a
function-scoped fixture cannot). ``current()`` is the innermost active account.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import ContextDecorator, contextmanager
from typing import Any

import boto3

from simulator.aws.account import SimulatedAWS
from simulator.core.errors import EcsimError

_ACTIVE: list[SimulatedAWS] = []


def current() -> SimulatedAWS:
    """The account of the innermost ``simulated_aws`` block or ``simulate_aws`` function."""
    if not _ACTIVE:
        raise EcsimError("no simulated_aws() block or @simulate_aws() function is active")
    return _ACTIVE[-1]


@contextmanager
def simulated_aws(*, patch_sleep: bool = True, **kwargs: Any) -> Iterator[SimulatedAWS]:
    """A fresh SimulatedAWS(**kwargs) (responses validated unless told otherwise) that
    boto3's default session answers from for the duration of the block."""
    kwargs.setdefault("validate_responses", True)
    aws = SimulatedAWS(**kwargs)
    saved = boto3.DEFAULT_SESSION
    boto3.DEFAULT_SESSION = aws.boto3_session
    _ACTIVE.append(aws)
    try:
        with aws.patch_sleep() if patch_sleep else contextlib.nullcontext():
            yield aws
    finally:
        _ACTIVE.remove(aws)
        boto3.DEFAULT_SESSION = saved


class simulate_aws(ContextDecorator):  # noqa: N801 - used like moto's mock_aws
    """``@simulate_aws(seed=1)`` on a function (or ``with simulate_aws():``): each call
    runs against a fresh account, reachable as ``simulator.aws.mock.current()``."""

    def __init__(self, **kwargs: Any):
        self.kwargs = kwargs
        self._blocks: list[contextlib.AbstractContextManager[SimulatedAWS]] = []

    def __enter__(self) -> SimulatedAWS:
        block = simulated_aws(**self.kwargs)
        self._blocks.append(block)
        return block.__enter__()

    def __exit__(self, *exc: Any) -> None:
        self._blocks.pop().__exit__(*exc)
