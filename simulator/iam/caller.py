"""Who makes a call, from the access key it was signed with, and what IAM decides.

A client made without credentials is the account's administrator (``ADMIN``): every call
is allowed, as before principals existed. Any other access key must be a user's access
key or an unexpired STS session; its principal's identity-based policies decide each
request. Tags and policies are read at call time, so a change applies to the next call
(IAM itself is eventually consistent; ecsim applies changes at once).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from simulator.core.errors import AWSError
from simulator.iam.evaluate import Decision, Request, evaluate
from simulator.iam.policy import Policy
from simulator.iam.principals import IamAccount

ACCESS_DENIED = "AccessDeniedException"
"""ECS's code (botocore ecs model: "You don't have authorization to perform the requested
action"); IAM and STS answer AccessDenied."""
Kind = Literal["Admin", "User", "AssumedRole"]


class UnknownCredentials(Exception):
    """The access key is unknown, its secret wrong, or its session expired."""

    def __init__(self, expired: bool = False):
        self.expired = expired
        super().__init__("expired" if expired else "invalid")


@dataclass(frozen=True)
class Caller:
    """The principal of one call: its ARN, unique ID, tags and policies."""

    kind: Kind
    arn: str
    user_id: str
    account_id: str
    tags: Mapping[str, str] = field(default_factory=dict)
    policies: tuple[Policy, ...] = ()
    role_arn: str | None = None
    username: str | None = None

    @property
    def admin(self) -> bool:
        return self.kind == "Admin"

    def context(self, region: str, when: dt.datetime) -> dict[str, tuple[str, ...]]:
        """The global condition keys of this principal's requests."""
        out: dict[str, tuple[str, ...]] = {
            "aws:PrincipalArn": (self.role_arn or self.arn,),
            "aws:PrincipalAccount": (self.account_id,),
            "aws:PrincipalType": (self.kind,),
            "aws:userid": (self.user_id,),
            "aws:RequestedRegion": (region,),
            "aws:SecureTransport": ("true",),
            "aws:CurrentTime": (when.strftime("%Y-%m-%dT%H:%M:%SZ"),),
            "aws:EpochTime": (str(int(when.timestamp())),),
        }
        if self.username is not None:
            out["aws:username"] = (self.username,)
        for key in sorted(self.tags):
            out[f"aws:PrincipalTag/{key}"] = (self.tags[key],)
        return out


def admin(account_id: str) -> Caller:
    return Caller("Admin", f"arn:aws:iam::{account_id}:root", account_id, account_id)


def resolve(
    iam: IamAccount, key_id: str, secret: str | None, token: str | None, now: float
) -> Caller:
    """The principal holding ``key_id``; UnknownCredentials if none does."""
    key = iam.access_keys.get(key_id)
    if key is not None:
        if key.secret != secret:
            raise UnknownCredentials()
        user = iam.user(key.user)
        return Caller(
            "User",
            user.arn,
            user.unique_id,
            iam.account_id,
            dict(user.tags),
            tuple(iam.policies_of(user)),
            username=user.name,
        )
    session = iam.sessions.get(key_id)
    if session is None or session.secret != secret or session.token != token:
        raise UnknownCredentials()
    if now >= session.expires_at:
        raise UnknownCredentials(expired=True)
    role = iam.role(session.role)
    return Caller(
        "AssumedRole",
        session.arn(iam.account_id),
        f"{role.unique_id}:{session.name}",
        iam.account_id,
        {**role.tags, **session.tags},
        tuple(iam.policies_of(role)),
        role_arn=role.arn,
    )


def denial(caller: Caller, request: Request, decision: Decision, code: str) -> AWSError:
    """AccessDenied worded as AWS words it (IAM User Guide, "Troubleshoot access denied
    error messages")."""
    head = (
        f"User: {caller.arn} is not authorized to perform: {request.action} on resource: "
        f"{request.resource}"
    )
    if decision.outcome == "ExplicitDeny":
        return AWSError(code, f"{head} with an explicit deny in an identity-based policy")
    return AWSError(
        code, f"{head} because no identity-based policy allows the {request.action} action"
    )


def authorize(caller: Caller, requests: Iterable[Request], code: str = ACCESS_DENIED) -> None:
    """Every request allowed, or the first denied one raised as ``code``."""
    if caller.admin:
        return
    for request in requests:
        decision = evaluate(caller.policies, request)
        if not decision.allowed:
            raise denial(caller, request, decision, code)


def principal_matches(values: Sequence[str], caller: Caller) -> tuple[bool, bool]:
    """Whether a trust policy's AWS principal ``values`` cover ``caller``: (matches,
    names the caller itself rather than its whole account)."""
    account = {caller.account_id, f"arn:aws:iam::{caller.account_id}:root"}
    own = {caller.arn} | ({caller.role_arn} if caller.role_arn else set())
    if any(v in own for v in values):
        return True, True
    if any(v == "*" or v in account for v in values):
        return True, False
    return False, False
