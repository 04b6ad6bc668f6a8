"""Wiring a botocore Session so that every client it makes is answered by a simulation.

botocore 1.44's ``BaseClient._make_api_call`` runs, in order:

1. ``provide-client-params.<service>.<Op>`` - handlers may replace the params;
2. ``before-parameter-build.<service>.<Op>`` - handlers see the caller's params;
3. endpoint resolution, then ``_convert_to_request_dict``, whose serializer is wrapped by
   ``ParamValidationDecorator``: invalid params raise ``ParamValidationError`` here;
4. ``before-call.<service>.<Op>`` with ``emit_until_response``: the first handler that
   returns ``(http_response, parsed)`` replaces the HTTP request entirely;
5. ``after-call.<service>.<Op>``; then if ``http_response.status_code >= 300`` botocore
   raises ``ClientError`` built from ``parsed["Error"]["Code"]``, else returns ``parsed``.

Steps 2 and 4 receive the same ``context`` dict, so we stash a copy of the caller's params
there at step 2 and answer from it at step 4, which only runs once botocore has validated
them against the real service model. Nothing ever reaches the network: services ecsim does
not simulate are answered with an UnsupportedOperation error as well.

The credentials a client signs with reach the responder through ``call_credentials()``
(the client's RequestSigner holds them; botocore passes it to ``before-call``), so the
account knows which principal makes each call.

Each SimulatedAWS gets its own isolated Session (no environment variables, no config or
credentials files) sharing one data loader, so only the first client loads the models.
"""

from __future__ import annotations

import contextvars
import copy
import os
import threading
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, Protocol

import botocore.loaders
import botocore.session
from botocore.awsrequest import AWSResponse
from botocore.configprovider import BOTOCORE_DEFAUT_SESSION_VARIABLES
from botocore.credentials import ReadOnlyCredentials
from botocore.model import OperationModel

from simulator.aws.sleep import Clock, install_waiter_clock, simulated_time

PARAMS_KEY = "ecsim.params"
_CREDENTIALS: contextvars.ContextVar[ReadOnlyCredentials | None] = contextvars.ContextVar(
    "ecsim.credentials", default=None
)


def call_credentials() -> ReadOnlyCredentials | None:
    """The credentials of the call being answered (None outside a call)."""
    return _CREDENTIALS.get()


class Responder(Protocol):
    """What answers calls: (operation model, caller's params) -> (HTTP status, parsed).

    ``params`` is None for services whose params were not stashed (not simulated)."""

    def respond(
        self, model: OperationModel, params: Mapping[str, Any] | None
    ) -> tuple[int, dict[str, Any]]: ...


class _EmptyBody:
    """The raw body of a simulated response: botocore never reads it, but may ask."""

    def stream(self, **_: Any):
        return iter([b""])


def http_response(url: str, status: int, headers: Mapping[str, str]) -> AWSResponse:
    return AWSResponse(url, status, dict(headers), _EmptyBody())


_LOADER: botocore.loaders.Loader | None = None
_LOADER_LOCK = threading.Lock()


def _shared_loader() -> botocore.loaders.Loader:
    global _LOADER
    with _LOADER_LOCK:
        if _LOADER is None:
            _LOADER = botocore.loaders.create_loader()
        return _LOADER


def _isolated_vars() -> dict[str, tuple[Any, ...]]:
    """botocore's session variables with no environment variable and no config file."""
    out = {
        name: (None, None, default, convert)
        for name, (_cfg, _env, default, convert) in BOTOCORE_DEFAUT_SESSION_VARIABLES.items()
    }
    out["config_file"] = (None, None, os.devnull, None)
    out["credentials_file"] = (None, None, os.devnull, None)
    return out


def simulated_session(
    responder: Responder, clock: Clock, services: frozenset[str]
) -> botocore.session.Session:
    """A botocore Session whose clients are all answered by ``responder``.

    ``services`` get their caller's params stashed (the others are refused anyway), and
    waiters of all its clients sleep on ``clock``.
    """
    install_waiter_clock()
    session = botocore.session.Session(session_vars=_isolated_vars())
    session.register_component("data_loader", _shared_loader())
    for service in services:
        # More specific than botocore's own 'before-parameter-build' handlers, so it runs
        # first and sees the params exactly as the caller passed them.
        session.register(f"before-parameter-build.{service}", _stash_params)
    session.register("before-call", partial(_answer, responder))
    session.register("creating-client-class", partial(_add_simulated_waiters, clock))
    return session


def _stash_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    context[PARAMS_KEY] = copy.deepcopy(params)


def _answer(
    responder: Responder,
    model: OperationModel,
    params: Mapping[str, Any],
    context: dict[str, Any],
    request_signer: Any = None,
    **_: Any,
) -> tuple[AWSResponse, dict[str, Any]]:
    credentials = getattr(request_signer, "_credentials", None)  # no public accessor
    frozen = credentials.get_frozen_credentials() if credentials is not None else None
    token = _CREDENTIALS.set(frozen)
    try:
        status, parsed = responder.respond(model, context.pop(PARAMS_KEY, None))
    finally:
        _CREDENTIALS.reset(token)
    headers = parsed.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    return http_response(str(params.get("url", "")), status, headers), parsed


class _SimulatedWaiters:
    """Mixed into simulated client classes: their waiters sleep on the simulated clock."""

    _ecsim_clock: Clock

    def get_waiter(self, waiter_name: str) -> Any:
        waiter = super().get_waiter(waiter_name)  # type: ignore[misc]
        wait: Callable[..., Any] = waiter.wait
        clock = self._ecsim_clock

        def simulated_wait(**kwargs: Any) -> Any:
            with simulated_time(clock):
                return wait(**kwargs)

        simulated_wait.__doc__ = wait.__doc__
        waiter.wait = simulated_wait
        return waiter


def _add_simulated_waiters(
    clock: Clock, class_attributes: dict[str, Any], base_classes: list[type], **_: Any
) -> None:
    """``creating-client-class`` handler: botocore's hook for extending client classes."""
    class_attributes["_ecsim_clock"] = clock
    base_classes.insert(0, _SimulatedWaiters)
