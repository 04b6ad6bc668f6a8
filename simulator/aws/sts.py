"""The STS API of the simulated account: AssumeRole issues temporary credentials that a
client can be made with (``aws.client("ecs", aws_access_key_id=...)``), and
GetCallerIdentity says whose they are.

AssumeRole is decided as the IAM User Guide describes for a role of the same account:
the role's trust policy must allow ``sts:AssumeRole`` for the caller; when it names the
caller itself that suffices, when it trusts the whole account the caller's own
identity-based policies must also allow ``sts:AssumeRole`` on the role. The account's
administrator (a client made without credentials) may assume any role whose trust policy
trusts the account; unlike AWS's root user, which cannot assume roles, so that a script
run as the administrator can switch to a role as the seed's post does in the console.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from botocore.model import OperationModel

from simulator.aws import errors
from simulator.aws.operations import Operation, find, op
from simulator.core.errors import AWSError
from simulator.iam.caller import Caller, authorize, principal_matches
from simulator.iam.evaluate import Request, applies
from simulator.iam.principals import tags_of

if TYPE_CHECKING:
    from simulator.aws.account import SimulatedAWS

ACCESS_DENIED = "AccessDenied"
VALIDATION_ERROR = "ValidationError"
ERROR_CODES: frozenset[str] = frozenset(
    {ACCESS_DENIED, VALIDATION_ERROR, "ExpiredToken", "InvalidClientTokenId"}
    | {errors.UNSUPPORTED_OPERATION}
)
"""Every code the simulated STS client answers with."""
SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}")


class StsService:
    """``aws.client("sts")``."""

    name = "sts"

    def __init__(self, account: SimulatedAWS):
        self.account = account
        self.operations = OPERATIONS

    def handle(self, model: OperationModel, params: Mapping[str, Any]) -> dict[str, Any]:
        operation = find(self.operations, model, params, f"the STS operation {model.name}")
        return operation.handler(self, dict(params))


def _trusted(caller: Caller, role_arn: str, trust: Any, context: Mapping[str, Any]) -> bool:
    request = Request("sts:AssumeRole", role_arn, context)
    allowed_by_name = allowed_by_account = False
    for statement in trust.statements:
        values = [v for kind, vs in statement.principals if kind == "AWS" for v in vs]
        matches, by_name = principal_matches(values, caller)
        if not matches or not applies(statement, request):
            continue
        if statement.effect == "Deny":
            return False
        allowed_by_name |= by_name
        allowed_by_account |= not by_name
    if allowed_by_name:
        return True
    if not allowed_by_account:
        return False
    if caller.admin:
        return True
    try:
        authorize(caller, [request], ACCESS_DENIED)
    except AWSError:
        return False
    return True


def assume_role(svc: StsService, p: dict[str, Any]) -> dict[str, Any]:
    account = svc.account
    caller = account.caller()
    name = p["RoleSessionName"]
    if not SESSION_NAME.fullmatch(name):
        raise AWSError(
            VALIDATION_ERROR,
            f"1 validation error detected: Value '{name}' at 'roleSessionName' failed to "
            "satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
        )
    try:
        role = account.iam.role_by_arn(p["RoleArn"])
    except AWSError:
        role = None
    context = caller.context(account.region, account.timestamp())
    if role is None or role.trust is None or not _trusted(caller, role.arn, role.trust, context):
        raise AWSError(
            ACCESS_DENIED,
            f"User: {caller.arn} is not authorized to perform: sts:AssumeRole on resource: "
            f"{p['RoleArn']}",
            403,
        )
    duration = p.get("DurationSeconds", 3600)
    if not 900 <= duration <= role.max_session_duration:
        raise AWSError(
            VALIDATION_ERROR,
            f"The requested DurationSeconds exceeds the MaxSessionDuration set for this role "
            f"({role.max_session_duration}), or is under 900.",
        )
    if caller.kind == "AssumedRole" and duration > 3600:
        raise AWSError(
            VALIDATION_ERROR,
            "The requested DurationSeconds exceeds the 1 hour session limit for roles "
            "assumed by role chaining.",
        )
    session = account.iam.start_session(
        role, name, account.now + duration, tags_of(p.get("Tags", ()))
    )
    return {
        "Credentials": {
            "AccessKeyId": session.key_id,
            "SecretAccessKey": session.secret,
            "SessionToken": session.token,
            "Expiration": account.timestamp(session.expires_at),
        },
        "AssumedRoleUser": {
            "AssumedRoleId": f"{role.unique_id}:{name}",
            "Arn": session.arn(account.account_id),
        },
    }


def get_caller_identity(svc: StsService, p: dict[str, Any]) -> dict[str, Any]:
    caller = svc.account.caller()
    return {"UserId": caller.user_id, "Account": caller.account_id, "Arn": caller.arn}


OPERATIONS: Mapping[str, Operation] = {
    "AssumeRole": op(
        assume_role,
        ["RoleArn", "RoleSessionName", "DurationSeconds", "Tags"],
        inert=["ExternalId", "SourceIdentity"],
    ),
    "GetCallerIdentity": op(get_caller_identity, []),
}
"""Every STS operation ecsim simulates (session policies are not modelled)."""
