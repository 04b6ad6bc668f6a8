"""Policy documents IAM refuses, refused with MalformedPolicyDocument and the rule."""

import json

import pytest

from simulator.core.errors import AWSError
from simulator.iam.policy import parse_policy


def doc(*statements, version="2012-10-17"):
    return json.dumps({"Version": version, "Statement": list(statements)})


OK = {"Effect": "Allow", "Action": "ecs:RunTask", "Resource": "*"}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{not json", "Syntax errors in policy."),
        (json.dumps({"Version": "2012-10-17"}), "Syntax errors in policy."),
        (doc({"Action": "ecs:*", "Resource": "*"}), "Missing required field Effect"),
        (doc({**OK, "Effect": "Alow"}), "Invalid effect: Alow"),
        (doc({"Effect": "Allow", "Resource": "*"}), "Policy statement must contain actions."),
        (doc({"Effect": "Allow", "Action": "ecs:*"}), "Policy statement must contain resources."),
        (doc({**OK, "Action": "RunTask"}), "Actions/Conditions must be prefaced by a vendor"),
        (doc({**OK, "Principal": "*"}), "Policy document should not specify a principal."),
        (doc({**OK, "Resource": "cluster/x"}), 'Resource cluster/x must be in ARN format or "*".'),
        (doc({**OK, "Condition": {"StringEqualz": {"aws:TagKeys": "a"}}}), "Invalid Condition"),
        (doc({**OK, "Condition": {"NullIfExists": {"aws:TagKeys": "a"}}}), "Invalid Condition"),
        (doc(OK, version="2020-01-01"), "The policy failed legacy parsing"),
        (doc({**OK, "Sid": "A"}, {**OK, "Sid": "A"}), "must be unique"),
    ],
)
def test_malformed_documents_are_refused_with_the_rule(document, message):
    with pytest.raises(AWSError) as e:
        parse_policy(document)
    assert e.value.code == "MalformedPolicyDocument"
    assert message in e.value.message


def test_condition_operators_are_split_into_qualifier_base_and_if_exists():
    policy = parse_policy(
        doc({**OK, "Condition": {"ForAnyValue:StringLikeIfExists": {"aws:TagKeys": ["a*", 1]}}})
    )
    (c,) = policy.statements[0].conditions
    assert (c.qualifier, c.operator, c.if_exists, c.values) == (
        "ForAnyValue",
        "StringLike",
        True,
        ("a*", "1"),
    )


def test_trust_policies_need_a_principal_and_no_resource():
    trust = {
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Principal": {"AWS": "arn:aws:iam::1:root"},
    }
    assert parse_policy(doc(trust), kind="trust").statements[0].principals == (
        ("AWS", ("arn:aws:iam::1:root",)),
    )
    with pytest.raises(AWSError, match="Missing required field Principal"):
        parse_policy(doc({"Effect": "Allow", "Action": "sts:AssumeRole"}), kind="trust")
