"""The one place a call's principal is found and, for ECS, authorized before it runs.

``SimulatedAWS.respond`` calls ``check`` for every call: the access key the client signed
with (``hooks.call_credentials``) names the principal; an unknown key or an expired
session is refused the way each protocol refuses it; ECS calls of any principal but the
administrator are authorized request by request (``ecs_authorization``). Other services
answer any valid principal (docs/iam.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from botocore.model import OperationModel

from simulator.aws import ecs_authorization
from simulator.aws.hooks import call_credentials
from simulator.core.errors import AWSError
from simulator.iam.caller import Caller, UnknownCredentials, admin, authorize, resolve

if TYPE_CHECKING:
    from simulator.aws.account import SimulatedAWS

ADMIN_KEY = "ecsim"
"""The access key of clients made without credentials (``DUMMY_CREDENTIALS``)."""
INVALID = "The security token included in the request is invalid."
EXPIRED = "The security token included in the request is expired"
JSON_SERVICES = ("ecs", "codedeploy", "application-autoscaling")


def refusal(service_name: str, expired: bool) -> AWSError:
    """How each protocol answers bad credentials: ECS, CodeDeploy and Application Auto
    Scaling (JSON) with UnrecognizedClientException / ExpiredTokenException, EC2 with
    AuthFailure, the query services (IAM, STS, ELBv2...) with InvalidClientTokenId /
    ExpiredToken."""
    if service_name in JSON_SERVICES:
        code = "ExpiredTokenException" if expired else "UnrecognizedClientException"
        return AWSError(code, EXPIRED if expired else INVALID, 400)
    if service_name == "ec2":
        return AWSError(
            "RequestExpired" if expired else "AuthFailure",
            EXPIRED if expired else "AWS was not able to validate the provided access credentials",
            401 if not expired else 400,
        )
    return AWSError(
        "ExpiredToken" if expired else "InvalidClientTokenId", EXPIRED if expired else INVALID, 403
    )


def caller(account: SimulatedAWS, service_name: str) -> Caller:
    """The principal of the call being answered; AWSError for unknown credentials."""
    creds = call_credentials()
    if creds is None or creds.access_key == ADMIN_KEY:
        return admin(account.account_id)
    try:
        return resolve(account.iam, creds.access_key, creds.secret_key, creds.token, account.now)
    except UnknownCredentials as e:
        raise refusal(service_name, e.expired) from None


def check(
    account: SimulatedAWS, service_name: str, model: OperationModel, params: Mapping[str, Any]
) -> Caller:
    """The call's principal, once it may make the call (AWSError otherwise)."""
    who = caller(account, service_name)
    if service_name == "ecs" and not who.admin and model.name in ecs_authorization.TARGETS:
        context = who.context(account.region, account.timestamp())
        ecs = account.service("ecs")
        requests = ecs_authorization.requests(ecs, model.name, params, context)
        authorize(who, requests)
    return who
