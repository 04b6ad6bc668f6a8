"""AWS's EC2 error codes that the lifecycle layer raises, each with where it was verified.

"EC2 error list" below is AWS's "Error codes for the Amazon EC2 API" page
(docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html), as copied into
solvuu/awsm lib/codegen/ec2_errors.ml. Where no source names the exact code for a case,
the comment says which documented code was chosen as the closest.
"""

from __future__ import annotations

# --- instances -------------------------------------------------------------------------
INCORRECT_INSTANCE_STATE = "IncorrectInstanceState"
"""EC2 error list: 'The instance is in an incorrect state for the requested action'."""

INVALID_INSTANCE_STATE = "InvalidInstanceState"
"""EC2 error list: 'If you're modifying the instance placement, the instance must be in the
stopped state' - the code ModifyInstancePlacement answers for a non-stopped instance."""

UNSUPPORTED_OPERATION = "UnsupportedOperation"
"""EC2 error list: 'you can't stop an instance that's instance store-backed'."""

UNSUPPORTED_HIBERNATION = "UnsupportedHibernationConfiguration"
"""EC2 error list: the instance could not be hibernated because it is not enabled for it."""

INVALID_INSTANCE_ID_NOT_FOUND = "InvalidInstanceID.NotFound"
"""EC2 error list: 'The specified instance does not exist'."""

# --- hosts -----------------------------------------------------------------------------
INVALID_HOST_ID_NOT_FOUND = "InvalidHostID.NotFound"
"""EC2 error list has both InvalidHostID.NotFound and InvalidHostId.NotFound; the ID
spelling is the one live APIs answer (terraform-provider-aws matches
Client.InvalidHostID.NotFound, DescribeHosts answers InvalidHostID.NotFound)."""

INVALID_HOST_STATE = "InvalidHostState"
"""EC2 error list: 'The Dedicated Host must be in the available state to complete the
operation'. Also used when a start targets a host that is not available (the User Guide
says only that such a start 'fails')."""

INSUFFICIENT_CAPACITY_ON_HOST = "InsufficientCapacityOnHost"
"""EC2 error list; a live answer (aws/aws-sdk-js-v3#5340, HTTP 400): 'Dedicated host h-...
has insufficient capacity to launch the instances in this request.'"""

INSUFFICIENT_HOST_CAPACITY = "InsufficientHostCapacity"
"""Live RunInstances answer for host tenancy without a fitting host (HTTP 400): 'You do not
have a host with a matching configuration and sufficient capacity...'."""

UNSUPPORTED_INSTANCE_TYPE_ON_HOST = "UnsupportedInstanceTypeOnHost"
"""EC2 error list: 'The instance type is not supported on the Dedicated Host'."""

INVALID_HOST_CONFIGURATION = "InvalidHostConfiguration"
"""Live AllocateHosts answer for a family that can't be allocated as mixed-size
(awsdocs/amazon-ec2-user-guide#147: "The instance family 'Mac1' is not supported.")."""

HOST_LIMIT_EXCEEDED = "HostLimitExceeded"
"""EC2 error list: 'You've reached the limit on the number of Dedicated Hosts'."""

INVALID_QUANTITY = "InvalidQuantity"
"""EC2 error list: 'The specified quantity of Dedicated Hosts is not valid'."""

INVALID_AUTO_PLACEMENT = "InvalidAutoPlacement"
"""EC2 error list: 'The specified value for auto-placement is not valid'."""

INVALID_AFFINITY = "InvalidAffinity"
"""EC2 error list: 'The specified affinity value is not valid'."""

# ReleaseHosts / ModifyHosts report per-host failures as Unsuccessful items whose codes
# carry a 'Client.' prefix.
CLIENT_HOST_OCCUPIED = "Client.InvalidHost.Occupied"
"""ReleaseHosts API reference, example 2: "Dedicated host 'h-...' cannot be released as it
is occupied"."""

CLIENT_HOST_MIN_ALLOCATION = "Client.HostMinAllocationPeriodUnexpired"
"""Live ReleaseHosts answer for a Mac host younger than 24 h (iknowjason/MacLab README):
'Unable to release Dedicated Host h-... mac2-m2.metal hosts must be allocated to your AWS
account for at least 24 hour(s). You can release this host any time after ...'."""

CLIENT_INVALID_HOST_ID_NOT_FOUND = "Client.InvalidHostID.NotFound"
"""terraform-provider-aws (ErrCodeClientInvalidHostIDNotFound) for ReleaseHosts items; also
used for hosts already released, whose IDs 'can no longer be specified' (ReleaseHosts)."""

CLIENT_INVALID_HOST_STATE = "Client.InvalidHostState"
"""Not seen verbatim: InvalidHostState with the 'Client.' prefix of the other
Unsuccessful-item codes, for hosts that are pending, under-assessment or failed."""

# --- request shape ----------------------------------------------------------------------
INVALID_PARAMETER_VALUE = "InvalidParameterValue"
INVALID_PARAMETER_COMBINATION = "InvalidParameterCombination"
MISSING_PARAMETER = "MissingParameter"
INVALID_REQUEST = "InvalidRequest"
"""ModifyInstancePlacement doc: changing a T3 instance's tenancy from host answers this."""

UNSUPPORTED = "Unsupported"
"""EC2 error list: 'The specified request is unsupported'; chosen for a Mac instance
without host tenancy (no source names the exact code)."""

INCORRECT_STATE = "IncorrectState"
"""EC2 error list: 'The resource is in an incorrect state for the request'; chosen for a
resource-group change on a host with active instances (no source names the exact code)."""

ALL: frozenset[str] = frozenset(
    v for k, v in dict(globals()).items() if k.isupper() and isinstance(v, str)
)
"""Every code this layer can raise or report; tests check nothing else escapes."""
