"""The cluster query language: the developer guide's examples, each operator, errors."""

from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.catalog import instance_type
from simulator.core.errors import AWSError
from simulator.ecs.candidates import CandidateArrays
from simulator.ecs.container_instance import ContainerInstance
from simulator.ecs.query import Junction, Not, parse
from simulator.ecs.task_definition import TaskRequirements

T2017 = datetime(2017, 6, 1, tzinfo=UTC).timestamp()
T2019 = datetime(2019, 6, 1, tzinfo=UTC).timestamp()


def fleet() -> list[ContainerInstance]:
    spec = [
        ("i-abcd1234", "t3.small", "us-east-1a", "1.14.4", T2017),
        ("i-wxyx7890", "m6g.large", "us-east-1b", "1.14.5", T2019),
        ("i-00000003", "m6i.large", "us-east-1d", "1.9.0", T2019),
        ("i-00000004", "c6g.large", "us-east-1d", "1.70.0", T2017),
    ]
    out = []
    for ec2_id, itype, az, version, at in spec:
        out.append(
            ContainerInstance(
                ec2_id,
                instance_type(itype),
                availability_zone=az,
                agent_version=version,
                registered_at=at,
            )
        )
    out[0].put_attribute("stack", "prod")
    out[1].put_attribute("stack", "")
    out[0].allocate("t1", TaskRequirements(1, 1), "service:production")
    out[2].allocate("t2", TaskRequirements(1, 1), "database")
    out[2].allocate("t3", TaskRequirements(1, 1), "service:production")
    return out


def selected(expression: str, instances=None) -> list[int]:
    instances = instances or fleet()
    return [i for i, ci in enumerate(instances) if parse(expression).matches(ci)]


# --- the guide's examples -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression,expected",
    [
        ("attribute:ecs.instance-type == t3.small", [0]),
        ("attribute:ecs.availability-zone in [us-east-1a, us-east-1b]", [0, 1]),
        (
            "attribute:ecs.instance-type =~ m6.* and attribute:ecs.availability-zone != us-east-1d",
            [1],
        ),
        ("task:group == service:production", [0, 2]),
        ("not(task:group == database)", [0, 1, 3]),
        ("runningTasksCount == 1", [0]),
        ("agentVersion < 1.14.5", [0, 2]),  # 1.9.0 < 1.14.5 as versions, not as strings
        ("registeredAt < 2018-02-13", [0, 3]),
        ("ec2InstanceId in ['i-abcd1234', 'i-wxyx7890']", [0, 1]),
    ],
)
def test_developer_guide_examples(expression, expected):
    assert selected(expression) == expected


# --- operators ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression,expected",
    [
        ("attribute:ecs.cpu-architecture equals arm64", [1, 3]),
        ("attribute:ecs.cpu-architecture not_equals arm64", [0, 2]),
        ("attribute:ecs.availability-zone !in [us-east-1d]", [0, 1]),
        ("attribute:ecs.availability-zone not_in [us-east-1d]", [0, 1]),
        ("attribute:ecs.availability-zone not in [us-east-1a, us-east-1d]", [1]),
        ("attribute:stack exists", [0, 1]),
        ("attribute:stack !exists", [2, 3]),
        ("attribute:stack not_exists", [2, 3]),
        ("attribute:stack == ''", [1]),  # an attribute with an empty value
        ("attribute:ecs.instance-type matches (m6g|c6g)\\..*", [1, 3]),
        ("attribute:ecs.instance-type !~ .*g\\..*", [0, 2]),
        ("attribute:ecs.instance-type =~ m6", []),  # a full match, as Java's String.matches
        ("runningTasksCount >= 1", [0, 2]),
        ("runningTasksCount greater_than 1", [2]),
        ("runningTasksCount less_than_equal 0", [1, 3]),
        ("registeredAt >= 2019-06-01T00:00:00Z", [1, 2]),
        ("registeredAt > 2019-05-31T23:59:59+00:00", [1, 2]),
        ("registeredAt <= 2017-06-01T00:00:00", [0, 3]),
        ("agentVersion >= 1.14.5", [1, 3]),
        ("agentConnected == true", [0, 1, 2, 3]),
        ("ec2InstanceId =~ i-0000.*", [2, 3]),
        ("task:group in [database, nothing]", [2]),
        ("task:group exists", [0, 2]),
        ("task:group !exists", [1, 3]),
        ("task:group =~ service:.*", [0, 2]),
        ("task:group != database", [0, 1, 3]),
        ("attribute:missing != x", [0, 1, 2, 3]),  # lacking the attribute is "not equal"
    ],
)
def test_operators(expression, expected):
    assert selected(expression) == expected


def test_precedence_not_then_and_then_or():
    a = "attribute:ecs.availability-zone == us-east-1a"
    b = "attribute:ecs.cpu-architecture == arm64"
    c = "runningTasksCount == 0"
    assert selected(f"{a} or {b} and {c}") == selected(f"{a} or ({b} and {c})") == [0, 1, 3]
    assert selected(f"({a} or {b}) and {c}") == [1, 3]
    assert selected(f"not {a} and {c}") == [1, 3]
    assert selected(f"!({a} || {b}) && {c}") == []
    assert isinstance(parse(f"{a} or {b} and {c}").root, Junction)
    assert isinstance(parse(f"not {a}").root, Not)


def test_dynamic_expressions_are_marked():
    assert parse("task:group == x").dynamic
    assert parse("attribute:a exists or runningTasksCount > 3").dynamic
    assert not parse("attribute:a exists").dynamic


# --- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression,position,fragment",
    [
        ("", 0, "empty expression"),
        ("attribute:x ==", 14, "needs an argument"),
        ("foo == 1", 0, "unknown subject 'foo'"),
        ("attribute:x ~= 1", 12, "unknown operator"),
        ("runningTasksCount =~ 1", 18, "not valid for runningTasksCount"),
        ("runningTasksCount > many", 0, "needs an integer"),
        ("registeredAt < yesterday", 0, "invalid date"),
        ("attribute:x == [a, b]", 15, "takes one value"),
        ("attribute:x in a", 15, "expects an argument list"),
        ("attribute:x in [a b]", 18, "expected ',' or ']'"),
        ("attribute:x == 'open", 15, "unterminated"),
        ("(attribute:x == 1", 17, "expected ')'"),
        ("attribute:x == 1 junk", 17, "unexpected 'j'"),
        ("attribute:x =~ [", 15, "takes one value"),
        ("attribute:x =~ a(b", 0, "invalid pattern"),
        ("agentVersion exists", 13, "not valid for agentVersion"),
    ],
)
def test_errors_name_the_position(expression, position, fragment):
    with pytest.raises(AWSError) as e:
        parse(expression)
    assert e.value.code == "InvalidParameterException"
    assert e.value.message.startswith(f"Invalid constraint expression '{expression}': ")
    assert e.value.message.endswith(f" at position {position}.")
    assert fragment in e.value.message


def test_expressions_longer_than_2000_characters_are_refused():
    long = "attribute:x == " + "a" * 2000
    with pytest.raises(AWSError, match="longer than 2000"):
        parse(long)


@given(st.text(alphabet="attribute:xy =!~<>[](),'\"andort ", max_size=30))
def test_parser_fails_only_with_aws_errors(text):
    try:
        parse(text)
    except AWSError as e:
        assert e.code == "InvalidParameterException"


# --- one evaluator, two views -------------------------------------------------------------------

SUBJECTS = [
    "attribute:ecs.availability-zone == us-east-1d",
    "attribute:ecs.cpu-architecture in [arm64]",
    "attribute:stack exists",
    "runningTasksCount > 0",
    "task:group == service:production",
    "agentVersion < 1.14.5",
    "attribute:ecs.instance-type =~ .*\\.large",
]


@given(
    st.lists(st.sampled_from(SUBJECTS), min_size=1, max_size=4),
    st.lists(st.sampled_from([" and ", " or "]), min_size=3, max_size=3),
    st.lists(st.booleans(), min_size=4, max_size=4),
)
def test_mask_over_arrays_equals_per_instance_evaluation(parts, joins, negate):
    text = parts[0] if not negate[0] else f"not ({parts[0]})"
    for k, part in enumerate(parts[1:], start=1):
        text += joins[k - 1] + (f"not ({part})" if negate[k] else part)
    instances = fleet()
    expression = parse(text)
    mask = expression.mask(CandidateArrays(instances))
    assert mask.tolist() == [expression.matches(ci) for ci in instances]


def test_array_masks_follow_placements():
    instances = fleet()
    arrays = CandidateArrays(instances)
    expression = parse("task:group == service:new")
    assert not expression.mask(arrays).any()
    arrays.commit(3, TaskRequirements(1, 1), "service:new")
    assert np.flatnonzero(expression.mask(arrays)).tolist() == [3]
