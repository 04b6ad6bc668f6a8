"""Scenario container instances register what the ECS agent would: the memory the OS
reports less ``capacity.reserved_memory_mib`` (ECS_RESERVED_MEMORY), as the boto3 facade's
do for the same type and reserve."""

import pytest

from simulator.aws import SimulatedAWS
from simulator.catalog import instance_type
from simulator.core.errors import ScenarioError
from simulator.ecs.container_instance import os_memory_mib, registered_memory_mib
from simulator.scenario import parse_scenario
from simulator.scenario.build import Simulation

SCENARIO = """\
name: mem
duration: 10m
capacity: {{instance_type: {itype}, count: 2, reserved_memory_mib: {reserve}}}
services:
  - {{name: web, cpu: 256, memory: 512, desired_count: 1}}
traffic:
  - {{service: web, pattern: constant, rps: 10}}
"""


def _scenario_memory(itype: str, reserve: int) -> set[int]:
    sim = Simulation(parse_scenario(SCENARIO.format(itype=itype, reserve=reserve)))
    sim.start()
    sim.world.run(300)
    cis = sim.cluster.container_instances.values()
    assert len(cis) == 2
    return {ci.registered_memory for ci in cis}


def _facade_memory(itype: str, reserve: int) -> int:
    aws = SimulatedAWS(seed=3)
    ecs = aws.client("ecs")
    ecs.create_cluster(clusterName="c")
    user_data = "#!/bin/bash\necho ECS_CLUSTER=c >> /etc/ecs/ecs.config\n"
    user_data += f"echo ECS_RESERVED_MEMORY={reserve} >> /etc/ecs/ecs.config\n"
    aws.client("ec2").run_instances(
        ImageId="ami-1e749f67", InstanceType=itype, MinCount=1, MaxCount=1, UserData=user_data
    )
    aws.advance("3m")
    arns = ecs.list_container_instances(cluster="c")["containerInstanceArns"]
    (ci,) = ecs.describe_container_instances(cluster="c", containerInstances=arns)[
        "containerInstances"
    ]
    return next(r["integerValue"] for r in ci["registeredResources"] if r["name"] == "MEMORY")


@pytest.mark.parametrize(("itype", "reserve"), [("m6i.xlarge", 0), ("c6g.4xlarge", 1024)])
def test_scenario_and_facade_register_the_same_memory(itype: str, reserve: int) -> None:
    expected = registered_memory_mib(instance_type(itype), reserve)
    assert expected == os_memory_mib(instance_type(itype)) - reserve
    assert expected < instance_type(itype).memory_mib - reserve
    assert _scenario_memory(itype, reserve) == {expected}
    assert _facade_memory(itype, reserve) == expected


def test_a_reserve_beyond_what_the_os_reports_is_refused_at_validation() -> None:
    """m6i.large: 8192 MiB nominal, 7985 reported; a reserve of 8000 leaves nothing."""
    with pytest.raises(ScenarioError) as info:
        parse_scenario(SCENARIO.format(itype="m6i.large", reserve=8000), source="s.yaml")
    assert any("7985 MiB the OS reports" in p for p in info.value.problems)
