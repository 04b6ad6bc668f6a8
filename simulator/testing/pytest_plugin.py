"""pytest fixtures for tests against simulated AWS.

Enabled by the ``ecsim`` entry point (``[project.entry-points.pytest11]``), or explicitly
with ``pytest -p simulator.testing.pytest_plugin``.

    def test_release_is_refused_while_busy(ec2_client, simulated_aws):
        host = ec2_client.allocate_hosts(AvailabilityZone="us-east-1a",
                                         InstanceType="m6i.xlarge", Quantity=1)["HostIds"][0]
        ...
        simulated_aws.advance("10m")

    @pytest.mark.simulated_aws(seed=7, region="eu-west-1")
    def test_in_ireland(ec2_client): ...

Responses are validated against botocore's output shapes by default (the marker's
``validate_responses=False`` turns it off).
"""

from __future__ import annotations

from typing import Any

import pytest

from simulator.aws import SimulatedAWS

MARKER = "simulated_aws"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**kwargs): keyword arguments for the simulated_aws fixture's "
        "SimulatedAWS (seed, region, timing, availability_zones...)",
    )


@pytest.fixture
def simulated_aws(request: pytest.FixtureRequest) -> SimulatedAWS:
    """A fresh simulated AWS account (seed 0, us-east-1 unless the marker says otherwise)."""
    kwargs: dict[str, Any] = {"validate_responses": True}
    marker = request.node.get_closest_marker(MARKER)
    if marker is not None:
        if marker.args:
            raise pytest.UsageError(f"@pytest.mark.{MARKER} takes keyword arguments only")
        kwargs.update(marker.kwargs)
    return SimulatedAWS(**kwargs)


@pytest.fixture
def ec2_client(simulated_aws: SimulatedAWS) -> Any:
    """A boto3 EC2 client of ``simulated_aws``."""
    return simulated_aws.client("ec2")


@pytest.fixture
def ecs_client(simulated_aws: SimulatedAWS) -> Any:
    """A boto3 ECS client of ``simulated_aws`` (the same account, clock and fleet)."""
    return simulated_aws.client("ecs")
