"""Hypothesis state machines over the simulated boto3 client (simulator.testing.aws)."""

from __future__ import annotations

from hypothesis.stateful import invariant, rule

from simulator.testing.aws import Ec2ApiStateMachine, indexes, pick


class Ec2Api(Ec2ApiStateMachine):
    """The base machine as shipped."""


TestEc2Api = Ec2Api.TestCase


class ReleaseIdleHosts(Ec2ApiStateMachine):
    """How a user checks their own automation: a cost-saving job that releases the hosts
    DescribeHosts shows as idle must never be refused as occupied."""

    def __init__(self) -> None:
        super().__init__()
        self.job_refusals: list[str] = []

    def release_idle_hosts(self) -> None:
        """The automation under test, written against boto3 only."""
        hosts = self.ec2.describe_hosts(Filter=[{"Name": "state", "Values": ["available"]}])
        idle = [h["HostId"] for h in hosts["Hosts"] if not h["Instances"]]
        if idle:
            response = self.ec2.release_hosts(HostIds=idle)
            self.job_refusals += [u["Error"]["Code"] for u in response["Unsuccessful"]]

    @rule(i=indexes())
    def run_the_job(self, i: int) -> None:
        if pick([True, False], i):
            self.release_idle_hosts()

    @invariant()
    def the_job_is_never_refused_as_occupied(self) -> None:
        assert "Client.InvalidHost.Occupied" not in self.job_refusals, self.job_refusals


TestReleaseIdleHosts = ReleaseIdleHosts.TestCase
