"""Error codes the boto3 facade answers itself, each with where it was verified.

The lifecycle layer's codes (IncorrectInstanceState, InsufficientCapacityOnHost...) live in
``simulator.lifecycle.codes``; these are the request-level ones that only an API front end
meets: malformed IDs, dry runs, paging, idempotency, and what ecsim does not simulate.
"""

from __future__ import annotations

from collections.abc import Iterable

from simulator.core.errors import AWSError
from simulator.lifecycle import codes

UNSUPPORTED_OPERATION = "UnsupportedOperation"
"""EC2 error list: 'The specified request includes an unsupported operation'. ecsim answers
it, with a message starting 'ecsim does not simulate', for operations, parameters and
filters it does not model, so a script never gets a silently wrong answer."""

DRY_RUN_OPERATION = "DryRunOperation"
"""EC2 common client errors; a live answer is HTTP 412 'Request would have succeeded, but
DryRun flag is set.' (getmoto/moto#1980, aws/aws-cli#3127)."""
DRY_RUN_STATUS = 412

INVALID_INSTANCE_ID_MALFORMED = "InvalidInstanceID.Malformed"
"""Live answers to StopInstances and DescribeInstances: 'Invalid id: "ma1"'
(ClusterLabs/cluster-glue#29)."""

INVALID_AMI_ID_MALFORMED = "InvalidAMIID.Malformed"
"""EC2 error list: 'The specified AMI ID is malformed'."""

INVALID_PAGINATION_TOKEN = "InvalidPaginationToken"
"""EC2 common client errors: 'The specified pagination token is not valid or is expired'."""

IDEMPOTENT_PARAMETER_MISMATCH = "IdempotentParameterMismatch"
"""EC2 common client errors: a client token reused with different parameters."""

INVALID_PARAMETER_VALUE = codes.INVALID_PARAMETER_VALUE
"""Also the live answer to an unknown filter: "The filter 'public-ip' is invalid"
(boto/boto3#1299, aws/aws-cli#7225)."""

INVALID_INSTANCE_TYPE = "InvalidInstanceType"
"""EC2 error list: 'The instance type is not supported'; DescribeInstanceTypes answers it for
names it does not describe: 'The following supplied instance types do not exist: [x]'."""

OPERATION_NOT_PERMITTED = "OperationNotPermitted"
"""EC2 error codes list: termination or stop protection refuses TerminateInstances /
StopInstances."""

MISSING_PARAMETER = codes.MISSING_PARAMETER
INVALID_PARAMETER_COMBINATION = codes.INVALID_PARAMETER_COMBINATION
INVALID_INSTANCE_ID_NOT_FOUND = codes.INVALID_INSTANCE_ID_NOT_FOUND
INVALID_HOST_ID_NOT_FOUND = codes.INVALID_HOST_ID_NOT_FOUND
HOST_LIMIT_EXCEEDED = codes.HOST_LIMIT_EXCEEDED
INSTANCE_LIMIT_EXCEEDED = "InstanceLimitExceeded"
"""EC2 error list: 'You've reached the limit on the number of instances you can run
concurrently' (simulator.aws.limits)."""


ALL: frozenset[str] = (
    frozenset(
        v
        for k, v in dict(globals()).items()
        if k.isupper() and isinstance(v, str) and not k.startswith("_")
    )
    | codes.ALL
)
"""Every code a simulated client can answer with."""


def not_simulated(what: str, supported: Iterable[str] = ()) -> AWSError:
    """The error for something AWS has and ecsim does not model, naming what it does."""
    names = sorted(supported)
    tail = f"; ecsim simulates: {', '.join(names)}" if names else ""
    return AWSError(UNSUPPORTED_OPERATION, f"ecsim does not simulate {what}{tail}.")


def dry_run() -> AWSError:
    return AWSError(
        DRY_RUN_OPERATION,
        "Request would have succeeded, but DryRun flag is set.",
        http_status=DRY_RUN_STATUS,
    )
