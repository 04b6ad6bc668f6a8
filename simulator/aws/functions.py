"""Python callables run as the simulated account's functions (Lambda), in simulated time.

A function run is a simulation process: the callable runs in a worker thread while the
simulation waits for it, so it may call the account's clients (answered at once, at the
simulated instant) and ``time.sleep`` (or a waiter), which suspends it until simulated time
has moved on by that much. Only one of the two threads is ever running, so the run is as
deterministic as the rest of the simulation. A run that sleeps past its ``timeout`` is
stopped at that sleep (Lambda's function timeout) with FunctionTimeout; an exception ends
the run and is kept on it (``FunctionRun.error``), as Lambda logs it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simulator.aws.sleep import patch_time_sleep
from simulator.core.durations import Duration, parse_duration
from simulator.core.errors import EcsimError

if TYPE_CHECKING:
    from simulator.aws.account import SimulatedAWS

Function = Callable[[dict[str, Any], Any], Any]
"""A Lambda-style handler: ``handler(event, context)``."""

DEFAULT_TIMEOUT = 900.0
"""Lambda's maximum function timeout, 15 minutes (Lambda quotas)."""

_RUNNING: ContextVar[FunctionRun | None] = ContextVar("ecsim_function_run", default=None)


def current_run() -> FunctionRun | None:
    """The function run this thread is executing, if any."""
    return _RUNNING.get()


class FunctionTimeout(EcsimError):
    """The function slept past its timeout (Lambda: 'Task timed out after N seconds')."""


@dataclass
class Context:
    """The parts of Lambda's context object scripts read."""

    function_name: str
    aws_request_id: str
    deadline: float
    account: SimulatedAWS

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - self.account.now) * 1000))


@dataclass
class FunctionRun:
    """One invocation: when it ran, what it returned or raised."""

    name: str
    event: dict[str, Any]
    started: float
    ended: float | None = None
    result: Any = None
    error: BaseException | None = None
    sleeps: list[float] = field(default_factory=list)
    clock: _Clock | None = None


class _Clock:
    """The sleeps of a running function: hand control back to the simulation."""

    def __init__(self, run: FunctionRun, handoff: _Handoff, deadline: float, account: Any):
        self.run, self.handoff, self.deadline, self.account = run, handoff, deadline, account

    def advance(self, duration: Duration) -> float:
        seconds = parse_duration(duration)
        if self.account.now + seconds > self.deadline:
            raise FunctionTimeout(
                f"Task timed out after {self.deadline - self.run.started:g} seconds"
            )
        self.run.sleeps.append(seconds)
        self.handoff.to_sim.put(("sleep", seconds))
        self.handoff.to_fn.get()
        return float(self.account.now)


@dataclass
class _Handoff:
    to_sim: queue.Queue = field(default_factory=queue.Queue)
    to_fn: queue.Queue = field(default_factory=queue.Queue)


def invoke(
    account: SimulatedAWS,
    fn: Function,
    event: dict[str, Any],
    *,
    name: str,
    timeout: Duration = DEFAULT_TIMEOUT,
    request_id: str = "",
) -> FunctionRun:
    """Start ``fn(event, context)`` as a process at the current simulated instant."""
    run = FunctionRun(name, event, account.now)
    limit = parse_duration(timeout)
    account.world.process(_drive(account, fn, run, limit, request_id))
    return run


def _drive(
    account: SimulatedAWS, fn: Function, run: FunctionRun, limit: float, request_id: str
) -> Generator:
    run.started = account.now
    deadline = account.now + limit
    handoff = _Handoff()
    context = Context(run.name, request_id, deadline, account)

    clock = run.clock = _Clock(run, handoff, deadline, account)

    def body() -> None:
        _RUNNING.set(run)
        try:
            with patch_time_sleep(clock):
                run.result = fn(run.event, context)
        except BaseException as e:  # kept on the run, as Lambda logs it
            run.error = e
        finally:
            handoff.to_sim.put(("done", 0.0))

    worker = threading.Thread(target=body, name=f"ecsim-function-{run.name}", daemon=True)
    worker.start()
    while True:
        kind, seconds = handoff.to_sim.get()
        if kind == "done":
            break
        yield account.world.env.timeout(seconds)
        handoff.to_fn.put(None)
    worker.join()
    run.ended = account.now
    account.world.emit(
        "function.end", run.name, error=None if run.error is None else repr(run.error)
    )


@dataclass
class LambdaFunction:
    """A function registered on the account: a name, its ARN and the handler."""

    name: str
    arn: str
    handler: Function
    timeout: float = DEFAULT_TIMEOUT


class FunctionRegistry:
    """The account's Lambda functions (``SimulatedAWS.lambda_function``), by name or ARN:
    what CodeDeploy's AppSpec ``Hooks`` name."""

    def __init__(self, region: str, account_id: str):
        self.region, self.account_id = region, account_id
        self.functions: dict[str, LambdaFunction] = {}

    def arn(self, name: str) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{name}"

    def register(self, name: str, handler: Function, timeout: Duration = DEFAULT_TIMEOUT) -> str:
        if not callable(handler):
            raise EcsimError(f"the function {name!r} needs a callable handler(event, context)")
        self.functions[name] = LambdaFunction(
            name, self.arn(name), handler, parse_duration(timeout)
        )
        return self.arn(name)

    def find(self, ref: str) -> LambdaFunction | None:
        """By name, ARN or ARN with a version / alias qualifier."""
        name = ref
        if ref.startswith("arn:"):
            parts = ref.split(":")
            name = parts[6] if len(parts) > 6 else ref
        return self.functions.get(name)
