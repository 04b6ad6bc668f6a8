"""Every served operation, fuzzed from botocore's input shapes: whatever the parameters,
no Python exception other than ClientError or ParamValidationError leaves the call."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

import pytest
from botocore.exceptions import ClientError, ParamValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.aws import EC2_OPERATIONS, ECS_OPERATIONS, SimulatedAWS

PLAUSIBLE = [
    "m6i.xlarge",
    "m6g.large",
    "c5",
    "us-east-1a",
    "ami-0123456789abcdef0",
    "default",
    "web",
    "on",
    "off",
    "host",
    "FARGATE",
    "attribute:ecs.cpu-architecture == arm64",
    "(" * 300,
    "\x00",
    "",
]
HUGE = [0, -1, 1, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 2**64 + 5, -(2**63)]


def _shape_strategy(
    shape: Any, depth: int = 0, served: frozenset[str] | None = None
) -> st.SearchStrategy[Any]:
    """Values of a botocore shape; at the top, optional members only among the params the
    operation simulates (``served``), so the calls reach the handlers."""
    kind = shape.type_name
    if depth > 4:
        return st.none()
    if kind == "structure":
        members = dict(shape.members)
        required = set(shape.required_members)
        if served is not None:
            members = {k: v for k, v in members.items() if k in served or k in required}
        return st.fixed_dictionaries(
            {k: _shape_strategy(v, depth + 1) for k, v in members.items() if k in required},
            optional={
                k: _shape_strategy(v, depth + 1) for k, v in members.items() if k not in required
            },
        )
    if kind == "list":
        return st.lists(_shape_strategy(shape.member, depth + 1), max_size=3)
    if kind == "map":
        return st.dictionaries(
            _shape_strategy(shape.key, depth + 1),
            _shape_strategy(shape.value, depth + 1),
            max_size=2,
        )
    if kind == "string":
        enum = list(shape.enum or [])
        options = [st.sampled_from(PLAUSIBLE), st.text(max_size=12)]
        if enum:
            options.insert(0, st.sampled_from(enum))
        return st.one_of(options)
    if kind in ("integer", "long"):
        return st.one_of(st.sampled_from(HUGE), st.integers(-10, 10_000))
    if kind == "boolean":
        return st.booleans()
    if kind in ("double", "float"):
        return st.floats(allow_nan=True, allow_infinity=True)
    if kind == "timestamp":
        return st.datetimes(
            min_value=dt.datetime(1970, 1, 2), max_value=dt.datetime(2100, 1, 1)
        ).map(lambda d: d.replace(tzinfo=dt.UTC))
    if kind == "blob":
        return st.binary(max_size=16)
    return st.none()


@pytest.fixture(scope="module")
def account() -> SimulatedAWS:
    aws = SimulatedAWS(seed=1)
    ec2, ecs = aws.client("ec2"), aws.client("ecs")
    ecs.create_cluster(clusterName="default")
    ec2.allocate_hosts(AvailabilityZone="us-east-1a", InstanceType="m6i.xlarge", Quantity=1)
    ec2.run_instances(
        ImageId="ami-0123456789abcdef0",
        InstanceType="m6i.xlarge",
        MinCount=1,
        MaxCount=2,
        UserData="#!/bin/bash\necho ECS_CLUSTER=default >> /etc/ecs/ecs.config\n",
    )
    aws.advance("5m")
    return aws


OPERATIONS = [("ec2", name) for name in sorted(EC2_OPERATIONS)] + [
    ("ecs", name) for name in sorted(ECS_OPERATIONS)
]
EXAMPLES = settings().max_examples * 6  # ci: 180 calls, dev: 3,000


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_no_exception_but_client_errors_leaves_a_call(account, data):
    service, name = data.draw(st.sampled_from(OPERATIONS), label="operation")
    client = account.client(service) if service == "ecs" else _ec2(account)
    model = client.meta.service_model.operation_model(name)
    op = (EC2_OPERATIONS if service == "ec2" else ECS_OPERATIONS)[name]
    served = frozenset(op.params) | frozenset(op.inert)
    params = data.draw(_shape_strategy(model.input_shape, served=served), label="params")
    method = getattr(client, _snake(name))
    with contextlib.suppress(ClientError, ParamValidationError):  # anything else fails
        method(**params)


_clients: dict[int, Any] = {}


def _ec2(account: SimulatedAWS) -> Any:
    return _clients.setdefault(id(account), account.client("ec2"))


def _snake(name: str) -> str:
    from botocore import xform_name

    return xform_name(name)
