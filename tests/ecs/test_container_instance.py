"""Container instances: registered resources, ENI data, attributes, status and allocation."""

import csv
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st
from shape_check import problems

from simulator.catalog import instance_type, instance_types
from simulator.core.errors import AWSError, EcsimError
from simulator.ecs import codes
from simulator.ecs.container_instance import (
    TRANSITIONS,
    ContainerInstance,
    ContainerInstanceStatus,
    InstanceAction,
    InsufficientResources,
    os_memory_mib,
    registered_memory_mib,
)
from simulator.ecs.facts import EniLimit, eni_limit, eni_limits
from simulator.ecs.task_definition import NetworkMode, TaskRequirements

S, A = ContainerInstanceStatus, InstanceAction
M6I_XL_OS = os_memory_mib(instance_type("m6i.xlarge"))
"""What the agent reads as total memory on an m6i.xlarge (16384 MiB nominal)."""


def ci(type_name="m6i.xlarge", az="us-east-1a", **kw) -> ContainerInstance:
    return ContainerInstance(
        "i-0123456789abcdef0", instance_type(type_name), availability_zone=az, **kw
    )


def req(cpu=256, memory=512, ports=(), ports_udp=(), eni=0) -> TaskRequirements:
    mode = NetworkMode.AWSVPC if eni else NetworkMode.BRIDGE
    return TaskRequirements(cpu, memory, tuple(ports), tuple(ports_udp), eni, None, mode)


# --- registered resources ---------------------------------------------------------------------


def test_registered_resources_of_m6i_xlarge():
    c = ci(reserved_memory_mib=256)
    assert (c.registered_cpu, c.registered_memory) == (4 * 1024, M6I_XL_OS - 256)
    assert M6I_XL_OS == int(16384 * 8_373_026_816 / 8 / 1024**3) == 15970
    assert c.registered_ports == {22, 2375, 2376, 51678, 51679}  # agent README, Linux default
    assert c.registered_ports_udp == frozenset()
    assert c.registered_enis == 3  # m6i.xlarge: 4 ENIs, the primary one counts


def test_registered_resources_of_the_seed_c6g_4xlarge():
    c = ci("c6g.4xlarge")
    assert (c.registered_cpu, c.registered_enis) == (16384, 7)
    assert c.registered_memory == os_memory_mib(instance_type("c6g.4xlarge")) < 32768
    assert c.attributes["ecs.cpu-architecture"] == "arm64"


def test_reserved_memory_defaults_to_the_agents_zero_and_must_fit():
    assert ci().registered_memory == M6I_XL_OS
    assert ci(reserved_memory_mib=M6I_XL_OS - 1).registered_memory == 1
    with pytest.raises(EcsimError, match="15970 MiB the OS reports"):
        ci(reserved_memory_mib=M6I_XL_OS)


def test_scenarios_and_the_facade_register_the_same_figure():
    """One function: what the OS reports less ECS_RESERVED_MEMORY, for every type."""
    for name in ("m6i.xlarge", "c6g.4xlarge", "m4.large", "t2.micro"):
        t = instance_type(name)
        assert (
            ci(name, reserved_memory_mib=128).registered_memory
            == registered_memory_mib(t, 128)
            == os_memory_mib(t) - 128
        )


def test_reserved_ports_are_parameters():
    c = ci(reserved_ports=(22,), reserved_ports_udp=(53,))
    assert (c.registered_ports, c.registered_ports_udp) == ({22}, {53})


# --- ENI data -------------------------------------------------------------------------------------


def test_eni_limits_cover_every_catalog_type_with_a_source():
    text = resources.files("simulator.catalog").joinpath("data", "eni_limits.csv").read_text()
    rows = {r["instance_type"]: r for r in csv.DictReader(text.splitlines())}
    assert set(rows) == set(instance_types())
    for name, row in rows.items():
        assert row["source"], name
        assert row["max_enis"] == "" or int(row["max_enis"]) >= 2, name


@pytest.mark.parametrize(
    "name,max_enis",
    [
        ("t3.nano", 2),
        ("t3.small", 3),
        ("m5.large", 3),
        ("m6g.medium", 2),
        ("c6i.4xlarge", 8),
        ("c5.9xlarge", 8),
        ("c5.18xlarge", 15),
        ("m7i.48xlarge", 15),
        ("r6g.metal", 15),
        ("mac2.metal", 8),
    ],
)
def test_documented_eni_limits(name, max_enis):
    assert eni_limit(name).max_enis == max_enis
    assert eni_limit(name).awsvpc_task_limit == max_enis - 1


def test_unknown_eni_limit_is_explicit():
    assert EniLimit("x.large", None, "unknown").awsvpc_task_limit is None
    assert all(lim.max_enis is not None for lim in eni_limits().values())  # none unknown today
    with pytest.raises(KeyError):
        eni_limit("z9.huge")


def test_eni_limit_override():
    assert ci(eni_task_limit=10).registered_enis == 10


# --- attributes -----------------------------------------------------------------------------------


def test_platform_attributes():
    c = ci("m6g.large", az="us-east-1c", ami_id="ami-123")
    assert c.attributes == {
        "ecs.instance-type": "m6g.large",
        "ecs.availability-zone": "us-east-1c",
        "ecs.cpu-architecture": "arm64",
        "ecs.os-type": "linux",
        "ecs.os-family": "LINUX",
        "ecs.ami-id": "ami-123",
    }
    assert ci("m6i.large").arch == "x86_64"


def test_custom_attributes():
    c = ci(attributes={"team": "payments"})
    c.put_attribute("ecs.capability.task-eni")
    assert c.attributes["team"] == "payments" and c.attributes["ecs.capability.task-eni"] is None
    c.delete_attribute("team")
    assert "team" not in c.attributes


def test_identity_is_deterministic_and_arn_is_long_format():
    a, b = ci(cluster="prod"), ci(cluster="prod")
    assert a.container_instance_id == b.container_instance_id
    assert len(a.container_instance_id) == 32
    assert (
        a.arn
        == f"arn:aws:ecs:us-east-1:123456789012:container-instance/prod/{a.container_instance_id}"
    )


# --- status ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("pair", sorted(TRANSITIONS, key=str))
def test_every_transition_in_the_table(pair):
    status, action = pair
    c = ci(status=status)
    assert c.apply(action) is TRANSITIONS[pair]


@pytest.mark.parametrize(
    "status,action",
    [(s, a) for s in S for a in A if (s, a) not in TRANSITIONS],
)
def test_actions_outside_the_table_are_refused(status, action):
    c = ci(status=status)
    with pytest.raises(AWSError) as e:
        c.apply(action)
    assert e.value.code == "InvalidParameterException"
    assert status.value in e.value.message
    assert c.status is status


def test_trunking_registration_and_termination_path():
    c = ci(status=S.REGISTERING)
    assert not c.placeable
    for action, expected in [
        (A.REGISTERED, S.ACTIVE),
        (A.DRAIN, S.DRAINING),
        (A.ACTIVATE, S.ACTIVE),
        (A.DEREGISTER, S.DEREGISTERING),
        (A.DEREGISTERED, S.INACTIVE),
    ]:
        assert c.apply(action) is expected
    assert not c.placeable


def test_only_active_takes_tasks():
    assert ci().placeable
    assert not ci(status=S.DRAINING).placeable


# --- allocate / release ---------------------------------------------------------------------------


def test_allocate_and_release_are_exact():
    c = ci()
    r = req(1024, 2048, ports=(80,), ports_udp=(53,), eni=1)
    c.allocate("t1", r, "service:web")
    assert (c.remaining_cpu, c.remaining_memory, c.remaining_enis) == (3072, M6I_XL_OS - 2048, 2)
    assert 80 in c.remaining_ports and c.used_ports_udp == {53}
    assert (c.running_tasks_count, c.group_counts) == (1, {"service:web": 1})
    c.release("t1")
    assert (c.remaining_cpu, c.remaining_memory, c.remaining_enis) == (4096, M6I_XL_OS, 3)
    assert (c.used_ports, c.used_ports_udp, c.group_counts, c.running_tasks_count) == (
        set(),
        set(),
        {},
        0,
    )


@pytest.mark.parametrize(
    "r,reason",
    [
        (req(cpu=4097), codes.RESOURCE_CPU),
        (req(memory=M6I_XL_OS + 1), codes.RESOURCE_MEMORY),
        (req(ports=(22,)), codes.RESOURCE_PORTS),
        (req(eni=4), codes.RESOURCE_ENI),
    ],
)
def test_allocation_never_exceeds_registered(r, reason):
    c = ci()
    with pytest.raises(InsufficientResources) as e:
        c.allocate("t", r)
    assert e.value.reason == reason
    assert (c.remaining_cpu, c.remaining_memory, c.running_tasks_count) == (4096, M6I_XL_OS, 0)


def test_port_held_by_a_task_refuses_a_second():
    c = ci()
    c.allocate("a", req(ports=(8080,)))
    assert c.shortfall(req(ports=(8080,))) == codes.RESOURCE_PORTS
    assert c.shortfall(req(ports_udp=(8080,))) is None  # udp is a separate resource
    c.allocate("b", req(ports_udp=(8080,)))
    assert c.shortfall(req(ports_udp=(8080,))) == codes.RESOURCE_PORTS_UDP


def test_pending_then_running_counts():
    c = ci()
    c.allocate("t", req(), pending=True)
    assert (c.pending_tasks_count, c.running_tasks_count) == (1, 0)
    c.mark_running("t")
    assert (c.pending_tasks_count, c.running_tasks_count) == (0, 1)


def test_double_allocate_and_unknown_release_are_refused():
    c = ci()
    c.allocate("t", req())
    with pytest.raises(EcsimError):
        c.allocate("t", req())
    with pytest.raises(EcsimError):
        c.release("other")


@given(
    st.lists(
        st.tuples(st.booleans(), st.integers(0, 2048), st.integers(0, 6000), st.integers(0, 1)),
        max_size=40,
    )
)
def test_resources_stay_within_registered(ops):
    c = ci("m6i.large")
    live: list[str] = []
    for n, (add, cpu, mem, eni) in enumerate(ops):
        if add or not live:
            try:
                c.allocate(f"t{n}", req(cpu, mem, eni=eni))
                live.append(f"t{n}")
            except InsufficientResources:
                pass
        else:
            c.release(live.pop(0))
        assert 0 <= c.remaining_cpu <= c.registered_cpu
        assert 0 <= c.remaining_memory <= c.registered_memory
        assert 0 <= c.remaining_enis <= c.registered_enis
        assert c.running_tasks_count == len(live)


def test_describe_shape_matches_botocore():
    c = ci(attributes={"flag": None})
    c.allocate("t", req(ports=(80,)))
    api = c.to_api()
    assert problems("ContainerInstance", api) == []
    remaining = {r["name"]: r for r in api["remainingResources"]}
    assert remaining["CPU"]["integerValue"] == 4096 - 256
    assert "80" in remaining["PORTS"]["stringSetValue"]
    assert {"name": "flag"} in api["attributes"]
