"""Evaluating identity-based policies for one request, as the IAM User Guide's "Policy
evaluation logic" describes for a principal of the same account:

1. an explicit Deny in any statement that applies decides (ExplicitDeny);
2. otherwise an Allow that applies decides (Allow);
3. otherwise the request is implicitly denied (ImplicitDeny).

A statement applies when its Action (or NotAction), its Resource (or NotResource) and
every one of its conditions match: conditions AND across operators and keys, OR across a
key's values. Action names match case-insensitively with wildcards; resources match ARN
component by component. In a 2012-10-17 policy ``${key}`` (``${key, 'default'}``,
``${*}``, ``${?}``, ``${$}``) stands for the request's value of ``key``; a variable with
no value makes that Resource entry or condition value match nothing (IAM User Guide,
"Policy variables": "the policy element ... is evaluated as false").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from simulator.iam.conditions import NULL, OPERATORS, holds, null_holds
from simulator.iam.policy import VARIABLE, Condition, Policy, Statement
from simulator.iam.wildcards import arn_like, like

Outcome = Literal["Allow", "ExplicitDeny", "ImplicitDeny"]
SPECIAL = {"*": "*", "?": "?", "$": "$"}


@dataclass(frozen=True)
class Request:
    """What IAM authorizes: the action (``ecs:RunTask``), the resource ARN (or ``*``)
    and the request context, condition key -> values (keys compare case-insensitively,
    as IAM's condition keys do)."""

    action: str
    resource: str
    context: Mapping[str, Sequence[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        folded = {k.lower(): tuple(v) for k, v in self.context.items()}
        object.__setattr__(self, "context", folded)

    def values(self, key: str) -> tuple[str, ...] | None:
        got = self.context.get(key.lower())
        return None if got is None else tuple(got)


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    statement: Statement | None = None

    @property
    def allowed(self) -> bool:
        return self.outcome == "Allow"


def substitute(text: str, request: Request) -> str | None:
    """``text`` with its policy variables replaced; None if one has no value."""
    missing = False

    def one(m) -> str:
        nonlocal missing
        body = m.group(1).strip()
        if body in SPECIAL:
            return SPECIAL[body]
        key, _, default = body.partition(",")
        got = request.values(key.strip())
        if got is not None and len(got) == 1:
            return got[0]
        default = default.strip()
        if len(default) >= 2 and default[0] == default[-1] == "'":
            return default[1:-1]
        missing = True
        return ""

    out = VARIABLE.sub(one, text)
    return None if missing else out


def _resolved(values: Iterable[str], request: Request, variables: bool) -> list[str]:
    if not variables:
        return list(values)
    return [v for v in (substitute(x, request) for x in values) if v is not None]


def _condition(c: Condition, request: Request, variables: bool) -> bool:
    want = _resolved(c.values, request, variables)
    if not want:
        return False
    have = request.values(c.key)
    if c.operator == NULL:
        return null_holds(have, want)
    return holds(OPERATORS[c.operator], c.qualifier, c.if_exists, have, want)


def _action_matches(patterns: Sequence[str], action: str) -> bool:
    return any(like(p, action, ignore_case=True) for p in patterns)


def _resource_matches(patterns: Sequence[str], request: Request, variables: bool) -> bool:
    return any(arn_like(p, request.resource) for p in _resolved(patterns, request, variables))


def applies(statement: Statement, request: Request, variables: bool = True) -> bool:
    """Whether ``statement`` applies to ``request`` (its effect aside)."""
    if statement.actions:
        if not _action_matches(statement.actions, request.action):
            return False
    elif _action_matches(statement.not_actions, request.action):
        return False
    if statement.resources:
        if not _resource_matches(statement.resources, request, variables):
            return False
    elif statement.not_resources and _resource_matches(statement.not_resources, request, variables):
        return False
    return all(_condition(c, request, variables) for c in statement.conditions)


def evaluate(policies: Iterable[Policy], request: Request) -> Decision:
    """The decision of identity-based ``policies`` (all of one principal) on ``request``."""
    allow: Statement | None = None
    for policy in policies:
        variables = policy.version == "2012-10-17"
        for statement in policy.statements:
            if not applies(statement, request, variables):
                continue
            if statement.effect == "Deny":
                return Decision("ExplicitDeny", statement)
            allow = allow or statement
    if allow is not None:
        return Decision("Allow", allow)
    return Decision("ImplicitDeny")
