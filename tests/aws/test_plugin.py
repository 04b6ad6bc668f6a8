"""The pytest plugin, loaded by its entry point (pytest11 in pyproject.toml)."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

USER_TESTS = """
import pytest
from botocore.exceptions import ClientError


def test_fixtures(simulated_aws, ec2_client):
    hosts = ec2_client.allocate_hosts(
        AvailabilityZone="us-east-1a", InstanceType="m6i.xlarge", Quantity=1
    )["HostIds"]
    assert simulated_aws.fleet.hosts.keys() == set(hosts)
    assert simulated_aws.validate_responses
    simulated_aws.advance("5m")
    assert simulated_aws.now == 300


def test_each_test_gets_a_fresh_account(ec2_client):
    assert ec2_client.describe_hosts()["Hosts"] == []


@pytest.mark.simulated_aws(seed=7, region="eu-west-1")
def test_marker(simulated_aws, ec2_client):
    assert simulated_aws.world.seed == 7
    assert ec2_client.meta.region_name == "eu-west-1"
    with pytest.raises(ClientError):
        ec2_client.describe_nat_gateways()


@pytest.mark.simulated_aws("positional")
def test_marker_takes_keywords_only(simulated_aws):
    pass
"""


def test_plugin_fixtures_and_marker(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--strict-markers")
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(["*takes keyword arguments only*"])
