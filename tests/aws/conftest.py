"""Fixtures for the boto3 facade tests.

The simulated_aws, ec2_client and ecs_client fixtures come from the ecsim pytest plugin; they are
imported here so the tests run before the plugin's entry point is installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from simulator.aws import SimulatedAWS, check_output
from simulator.testing.pytest_plugin import (  # noqa: F401
    ec2_client,
    ecs_client,
    simulated_aws,
)


@pytest.fixture(autouse=True)
def every_response_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every simulated response in these tests, whatever its account's settings, is checked
    against botocore's output shape before the caller sees it."""
    original = SimulatedAWS.respond

    def respond(self: SimulatedAWS, model: Any, params: Any) -> tuple[int, dict[str, Any]]:
        status, parsed = original(self, model, params)
        if not self.validate_responses:  # otherwise respond() has just checked it
            check_output(model, parsed)
        return status, parsed

    monkeypatch.setattr(SimulatedAWS, "respond", respond)


@pytest.fixture
def moto_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials and Region for moto (SimulatedAWS itself reads no environment)."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(scope="session")
def moto_session() -> Any:
    """One boto3 Session for every moto client: each new default session would load the
    EC2 model again (about 0.4 s a client). Made after moto is imported, so its clients
    carry moto's stubbing handler."""
    import boto3
    import moto  # noqa: F401

    return boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )


@pytest.fixture
def moto_ec2(moto_env: None, moto_session: Any) -> Iterator[Any]:
    """A boto3 EC2 client answered by moto's mock_aws (fresh moto state per test)."""
    from moto import mock_aws

    with mock_aws():
        yield moto_session.client("ec2", region_name="us-east-1")
