"""Policy evaluation as the IAM User Guide documents it."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.iam import Request, evaluate, parse_policy

ARN = "arn:aws:ecs:us-east-1:123456789012:cluster/web"


def policy(*statements, version="2012-10-17"):
    return parse_policy(json.dumps({"Version": version, "Statement": list(statements)}))


def allow(**extra):
    return {"Effect": "Allow", "Action": "ecs:*", "Resource": "*", **extra}


def outcome(policies, action="ecs:DeleteCluster", resource=ARN, **context):
    ctx = {k.replace("__", "/").replace("_", ":", 1): v for k, v in context.items()}
    return evaluate(policies, Request(action, resource, ctx)).outcome


def test_explicit_deny_beats_allow_and_nothing_is_an_implicit_deny():
    deny = {"Effect": "Deny", "Action": "ecs:DeleteCluster", "Resource": ARN}
    assert outcome([policy(allow())]) == "Allow"
    assert outcome([policy(allow()), policy(deny)]) == "ExplicitDeny"
    assert outcome([]) == "ImplicitDeny"
    assert outcome([policy(allow(Action="ec2:*"))]) == "ImplicitDeny"


def test_action_names_ignore_case_and_take_wildcards():
    assert outcome([policy(allow(Action="ECS:delete*"))]) == "Allow"
    assert outcome([policy(allow(Action="ecs:Delete?luster"))]) == "Allow"
    assert outcome([policy(allow(Action="ecs:Describe*"))]) == "ImplicitDeny"


def test_not_action_and_not_resource_match_everything_else():
    na = {"Effect": "Allow", "NotAction": "ecs:DeleteCluster", "Resource": "*"}
    assert outcome([policy(na)]) == "ImplicitDeny"
    assert outcome([policy(na)], action="ecs:RunTask") == "Allow"
    nr = {"Effect": "Allow", "Action": "ecs:*", "NotResource": "arn:aws:ecs:*:*:cluster/prod-*"}
    assert outcome([policy(nr)]) == "Allow"
    assert outcome([policy(nr)], resource=ARN.replace("web", "prod-1")) == "ImplicitDeny"


def test_resource_wildcards_stay_within_an_arn_component():
    assert outcome([policy(allow(Resource="arn:aws:ecs:*:123456789012:cluster/w?b"))]) == "Allow"
    assert outcome([policy(allow(Resource="arn:aws:ecs:*"))]) == "ImplicitDeny"
    assert outcome([policy(allow(Resource="arn:aws:ecs:*:*:*"))]) == "Allow"


@pytest.mark.parametrize(
    ("operator", "want", "have", "expected"),
    [
        ("StringEquals", "dev", ["dev"], True),
        ("StringEquals", "dev", ["Dev"], False),
        ("StringEqualsIgnoreCase", "dev", ["Dev"], True),
        ("StringNotEquals", "dev", ["prod"], True),
        ("StringNotEquals", "dev", None, True),
        ("StringEquals", "dev", None, False),
        ("StringEqualsIfExists", "dev", None, True),
        ("StringEqualsIfExists", "dev", ["prod"], False),
        ("StringLike", "d*v", ["deeev"], True),
        ("StringNotLike", "d*", ["dev"], False),
        ("NumericLessThan", "10", ["9.5"], True),
        ("NumericGreaterThanEquals", "10", ["9"], False),
        ("NumericEquals", "10", ["ten"], False),
        ("Bool", "true", ["TRUE"], True),
        ("Bool", "false", ["true"], False),
        ("Null", "true", None, True),
        ("Null", "false", None, False),
        ("Null", "false", ["x"], True),
        ("ArnLike", "arn:aws:ecs:*:*:cluster/*", [ARN], True),
        ("ArnEquals", "arn:aws:ecs:us-east-1:123456789012:cluster/web", [ARN], True),
        ("ArnNotLike", "arn:aws:ecs:*:*:cluster/w*", [ARN], False),
        ("DateLessThan", "2030-01-01T00:00:00Z", ["2024-01-01T00:00:00Z"], True),
    ],
)
def test_condition_operators(operator, want, have, expected):
    ctx = {} if have is None else {"ecs:key": have}
    p = policy(allow(Condition={operator: {"ecs:key": want}}))
    assert evaluate([p], Request("ecs:DeleteCluster", ARN, ctx)).allowed is expected


@pytest.mark.parametrize(
    ("qualifier", "have", "expected"),
    [
        ("ForAllValues", ["owner"], True),
        ("ForAllValues", ["owner", "environment"], True),
        ("ForAllValues", ["owner", "cost"], False),
        ("ForAllValues", None, True),
        ("ForAnyValue", ["cost", "owner"], True),
        ("ForAnyValue", ["cost"], False),
        ("ForAnyValue", None, False),
    ],
)
def test_set_qualifiers_on_multivalued_keys(qualifier, have, expected):
    ctx = {} if have is None else {"aws:TagKeys": have}
    cond = {f"{qualifier}:StringEquals": {"aws:TagKeys": ["owner", "environment"]}}
    p = policy(allow(Condition=cond))
    assert evaluate([p], Request("ecs:TagResource", ARN, ctx)).allowed is expected


def test_policy_variables_resolve_from_the_request_and_fail_closed_when_absent():
    cond = {"StringEquals": {"aws:ResourceTag/owner": "${aws:PrincipalTag/owner}"}}
    p = policy(allow(Condition=cond))
    ctx = {"aws:ResourceTag/owner": ["ana"], "aws:PrincipalTag/owner": ["ana"]}
    assert evaluate([p], Request("ecs:StopTask", ARN, ctx)).allowed
    ctx["aws:PrincipalTag/owner"] = ["bo"]
    assert not evaluate([p], Request("ecs:StopTask", ARN, ctx)).allowed
    del ctx["aws:PrincipalTag/owner"]
    assert not evaluate([p], Request("ecs:StopTask", ARN, ctx)).allowed
    with_default = {"StringEquals": {"aws:ResourceTag/owner": "${aws:PrincipalTag/owner, 'ana'}"}}
    assert evaluate(
        [policy(allow(Condition=with_default))], Request("ecs:StopTask", ARN, ctx)
    ).allowed
    # 2008-10-17 policies take ${...} literally
    old = policy(allow(Condition=cond), version="2008-10-17")
    literal = {"aws:ResourceTag/owner": ["${aws:PrincipalTag/owner}"]}
    assert evaluate([old], Request("ecs:StopTask", ARN, literal)).allowed


def test_variables_in_resources():
    p = policy(allow(Resource="arn:aws:ecs:*:*:cluster/${aws:PrincipalTag/team}-*"))
    req = Request(
        "ecs:DeleteCluster", ARN.replace("web", "blue-1"), {"aws:PrincipalTag/team": ["blue"]}
    )
    assert evaluate([p], req).allowed
    assert not evaluate([p], Request("ecs:DeleteCluster", req.resource, {})).allowed


def test_condition_keys_compare_case_insensitively():
    p = policy(allow(Condition={"StringEquals": {"AWS:RequestTag/Owner": "x"}}))
    assert evaluate([p], Request("ecs:CreateCluster", ARN, {"aws:requesttag/owner": ["x"]})).allowed


effects = st.sampled_from(["Allow", "Deny"])
actions = st.sampled_from(["ecs:*", "ecs:RunTask", "ecs:Stop*", "ec2:*"])
statements = st.lists(
    st.builds(lambda e, a: {"Effect": e, "Action": a, "Resource": "*"}, effects, actions),
    min_size=1,
    max_size=6,
)


@given(
    statements, st.randoms(use_true_random=False), st.sampled_from(["ecs:RunTask", "ecs:StopTask"])
)
def test_the_decision_does_not_depend_on_statement_order(stmts, rnd, action):
    shuffled = list(stmts)
    rnd.shuffle(shuffled)
    req = Request(action, ARN)
    a = evaluate([policy(*stmts)], req).outcome
    b = evaluate([policy(s) for s in shuffled], req).outcome
    assert a == b
    covers = {"ecs:RunTask": ("ecs:*", "ecs:RunTask"), "ecs:StopTask": ("ecs:*", "ecs:Stop*")}
    denied = any(s["Effect"] == "Deny" and s["Action"] in covers[action] for s in stmts)
    assert (a == "ExplicitDeny") is denied
