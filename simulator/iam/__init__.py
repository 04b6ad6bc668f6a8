"""IAM, pure: policy documents parsed and validated, requests evaluated as IAM documents
it, and the ECS actions' resource types and condition keys as data (no simpy, no boto3).

``simulator.aws.iam`` and ``simulator.aws.sts`` serve these through boto3 clients; the
ECS facade authorizes every call of a client made with a principal's credentials.
"""

from simulator.iam.evaluate import Decision, Request, evaluate
from simulator.iam.policy import MALFORMED_POLICY_DOCUMENT, Policy, parse_policy

__all__ = ["MALFORMED_POLICY_DOCUMENT", "Decision", "Policy", "Request", "evaluate", "parse_policy"]
