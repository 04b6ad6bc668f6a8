"""Placement: resources, constraints, strategies, failures, service events, scale-in."""

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.catalog import instance_type
from simulator.core.errors import AWSError, EcsimError
from simulator.ecs import codes
from simulator.ecs.candidates import CandidateArrays
from simulator.ecs.constraints import (
    SERVICE_DEFAULT_STRATEGIES,
    PlacementStrategy,
    family_group,
    service_group,
)
from simulator.ecs.container_instance import ContainerInstance, ContainerInstanceStatus
from simulator.ecs.placement import place, select_tasks_to_stop, service_event_message
from simulator.ecs.task_definition import NetworkMode, TaskRequirements, parse_task_definition

AZS = ("us-east-1a", "us-east-1b", "us-east-1c")
G = "service:web"


def make(types, azs=None, **kw) -> list[ContainerInstance]:
    azs = azs or [AZS[k % 3] for k in range(len(types))]
    return [
        ContainerInstance(f"i-{k:017x}", instance_type(t), availability_zone=az, **kw)
        for k, (t, az) in enumerate(zip(types, azs, strict=True))
    ]


def req(cpu=256, memory=512, ports=(), eni=0, arch=None, constraints=()) -> TaskRequirements:
    mode = NetworkMode.AWSVPC if eni else NetworkMode.BRIDGE
    return TaskRequirements(cpu, memory, tuple(ports), (), eni, arch, mode, tuple(constraints))


def spread(field="instanceId"):
    return {"type": "spread", "field": field}


def binpack(field="memory"):
    return {"type": "binpack", "field": field}


def apply(placements, r, group=G):
    for n, p in enumerate(placements):
        p.container_instance.allocate(f"task-{id(p)}-{n}", r, group)


# --- resources ----------------------------------------------------------------------------------


def test_places_count_tasks_and_reports_where():
    cis = make(["m6i.xlarge"] * 3)
    placed, failures = place(req(), 3, cis, [spread()], group=G)
    assert failures == []
    assert sorted(p.index for p in placed) == [0, 1, 2]
    assert placed[0].container_instance_arn == cis[placed[0].index].arn
    assert placed[0].ec2_instance_id == cis[placed[0].index].ec2_instance_id


def test_instances_are_not_touched_only_the_snapshot():
    cis = make(["m6i.xlarge"])
    place(req(), 1, cis, group=G)
    assert cis[0].remaining_cpu == 4096


def test_arrays_remember_decisions_across_calls():
    arrays = CandidateArrays(make(["m6i.large"]))  # 2048 CPU
    assert len(place(req(cpu=1024), 1, arrays, group=G)[0]) == 1
    assert len(place(req(cpu=1024), 1, arrays, group=G)[0]) == 1
    placed, failures = place(req(cpu=1024), 1, arrays, group=G)
    assert placed == [] and failures[0].reason == codes.RESOURCE_CPU


@pytest.mark.parametrize(
    "r,reason",
    [
        (req(cpu=8192), "RESOURCE:CPU"),
        (req(memory=65536), "RESOURCE:MEMORY"),
        (req(ports=(22,)), "RESOURCE:PORTS"),
        (req(eni=1, cpu=1), "RESOURCE:ENI"),
    ],
)
def test_resource_failures(r, reason):
    cis = make(["m6i.xlarge"], eni_task_limit=0)
    placed, failures = place(r, 1, cis, group=G)
    assert placed == []
    assert [f.to_api() for f in failures] == [{"arn": cis[0].arn, "reason": reason}]


def test_host_port_one_task_per_instance():
    cis = make(["m6i.xlarge"] * 2)
    placed, failures = place(req(ports=(80,)), 3, cis, group=G)
    assert sorted(p.index for p in placed) == [0, 1]
    assert failures[0].reason == "RESOURCE:PORTS"


def test_eni_limit_bounds_awsvpc_density():
    cis = make(["m6i.large"])  # 3 ENIs -> 2 awsvpc tasks
    placed, failures = place(req(cpu=1, memory=1, eni=1), 5, cis, group=G)
    assert len(placed) == 2 and failures[0].reason == "RESOURCE:ENI"


def test_agent_disconnected_is_agent():
    cis = make(["m6i.xlarge"])
    cis[0].agent_connected = False
    assert place(req(), 1, cis)[1][0].reason == "AGENT"


def test_no_instances_and_draining_instances():
    placed, failures = place(req(), 1, [], group=G)
    assert failures[0].to_api() == {"reason": "No Container Instances were found in your cluster."}
    cis = make(["m6i.xlarge"], status=ContainerInstanceStatus.DRAINING)
    assert place(req(), 1, cis)[1][0].reason == codes.NO_CONTAINER_INSTANCES
    cis = make(["m6i.xlarge", "m6i.xlarge"])
    cis[0].status = ContainerInstanceStatus.DRAINING
    assert [p.index for p in place(req(), 2, cis, [spread()], group=G)[0]] == [1, 1]


# --- architecture ---------------------------------------------------------------------------------


def test_arm64_task_runs_only_on_graviton():
    cis = make(["m6i.xlarge", "m6g.xlarge", "m6i.xlarge", "c6g.xlarge"])
    placed, _ = place(req(arch="arm64"), 4, cis, [spread()], group=G)
    assert {p.index for p in placed} == {1, 3}


def test_x86_task_on_graviton_only_fleet_is_attribute():
    cis = make(["m6g.xlarge"])
    _, failures = place(req(arch="x86_64"), 1, cis, group=G)
    assert failures[0].reason == "ATTRIBUTE"
    assert service_event_message("web", failures[0]).endswith(
        f"container-instance {cis[0].container_instance_id} is missing an attribute required "
        "by your task. For more information, see the Troubleshooting section of the Amazon "
        "ECS Developer Guide."
    )


# --- constraints ----------------------------------------------------------------------------------


def test_distinct_instance():
    cis = make(["m6i.xlarge"] * 3)
    placed, failures = place(req(), 5, cis, [binpack()], [{"type": "distinctInstance"}], group=G)
    assert sorted(p.index for p in placed) == [0, 1, 2]
    assert failures[0].reason == "DistinctInstance placement constraint unsatisfied."


def test_distinct_instance_counts_existing_tasks_of_the_group():
    cis = make(["m6i.xlarge"] * 2)
    cis[0].allocate("old", req(), G)
    cis[1].allocate("other", req(), "service:other")
    placed, _ = place(req(), 2, cis, None, [{"type": "distinctInstance"}], group=G)
    assert [p.index for p in placed] == [1]


def test_member_of_from_request_and_from_task_definition():
    cis = make(["t3.small", "m6i.xlarge", "m6g.xlarge"])
    c = [{"type": "memberOf", "expression": "attribute:ecs.instance-type =~ m6.*"}]
    placed, _ = place(req(), 4, cis, [spread()], c, group=G)
    assert {p.index for p in placed} == {1, 2}
    spec = parse_task_definition(
        {
            "family": "arm",
            "containerDefinitions": [{"name": "a", "image": "x", "memory": 512, "cpu": 256}],
            "placementConstraints": [
                {"type": "memberOf", "expression": "attribute:ecs.cpu-architecture == arm64"}
            ],
        }
    )
    placed, _ = place(spec.requirements(), 2, cis, [spread()], group=G)
    assert {p.index for p in placed} == {2}


def test_member_of_unsatisfied():
    cis = make(["m6i.xlarge"])
    c = [{"type": "memberOf", "expression": "attribute:ecs.instance-type == t2.small"}]
    _, failures = place(req(), 1, cis, None, c, group=G)
    assert failures[0].reason == "MemberOf placement constraint unsatisfied."


def test_task_group_affinity_follows_placements_in_the_same_call():
    cis = make(["m6i.xlarge"] * 3)
    cis[2].allocate("db", req(), "database")
    c = [{"type": "memberOf", "expression": "task:group == database"}]
    placed, _ = place(req(), 3, cis, [spread()], c, group=G)
    assert {p.index for p in placed} == {2}
    anti = [{"type": "memberOf", "expression": "not(task:group == database)"}]
    placed, _ = place(req(), 4, cis, [spread()], anti, group=G)
    assert {p.index for p in placed} == {0, 1}


def test_constraint_validation_errors():
    cis = make(["m6i.xlarge"])
    with pytest.raises(AWSError) as e:
        place(req(), 1, cis, None, [{"type": "distinctInstance", "expression": "x == y"}])
    assert (e.value.code, e.value.message) == (
        "InvalidParameterException",
        "distinctInstance expression should not be specified.",
    )
    with pytest.raises(AWSError, match="InvalidParameterException"):
        place(req(), 1, cis, None, [{"type": "memberOf"}])
    with pytest.raises(AWSError, match="InvalidParameterException"):
        place(req(), 1, cis, None, [{"type": "nearby"}])


# --- strategies -----------------------------------------------------------------------------------


def test_binpack_memory_picks_least_remaining_memory_that_fits():
    cis = make(["m6i.xlarge"] * 3)
    cis[0].allocate("a", req(memory=8192), "x")
    cis[1].allocate("b", req(memory=15000), "x")  # 1384 left: too little for 2048
    cis[2].allocate("c", req(memory=4096), "x")
    placed, _ = place(req(memory=2048), 1, cis, [binpack("memory")], group=G)
    assert placed[0].index == 0


def test_binpack_cpu_fills_one_instance_first():
    cis = make(["m6i.xlarge"] * 3)
    placed, _ = place(req(cpu=1024, memory=1), 6, cis, [binpack("cpu")], group=G)
    assert Counter(p.index for p in placed) == {0: 4, 1: 2}


def test_spread_instance_id_is_even():
    cis = make(["m6i.xlarge"] * 4)
    placed, _ = place(req(), 10, cis, [spread("host")], group=G)
    counts = Counter(p.index for p in placed)
    assert sorted(counts.values()) == [2, 2, 3, 3]


def test_spread_by_az_counts_existing_tasks_of_the_service_only():
    cis = make(["m6i.xlarge"] * 3)  # one per AZ
    cis[0].allocate("old1", req(), G)
    cis[0].allocate("old2", req(), G)
    cis[1].allocate("noise", req(), "service:other")
    placed, _ = place(req(), 2, cis, SERVICE_DEFAULT_STRATEGIES, group=G)
    assert sorted(p.index for p in placed) == [1, 2]


def test_spread_az_then_binpack_memory_within_the_az():
    cis = make(["m6i.xlarge"] * 4, azs=["us-east-1a", "us-east-1a", "us-east-1b", "us-east-1b"])
    cis[1].allocate("a", req(memory=4096), "x")
    cis[3].allocate("b", req(memory=4096), "x")
    placed, _ = place(
        req(), 2, cis, [spread("attribute:ecs.availability-zone"), binpack()], group=G
    )
    assert sorted(p.index for p in placed) == [1, 3]


def test_no_strategy_prefers_the_az_then_the_instance_with_fewest_tasks():
    cis = make(["m6i.xlarge"] * 4, azs=["us-east-1a", "us-east-1a", "us-east-1b", "us-east-1b"])
    for k, ci in enumerate(cis[:3]):
        ci.allocate(f"t{k}", req(), G)  # a: 2 tasks, b: 1 task (on instance 2)
    placed, _ = place(req(), 1, cis, None, group=G)
    assert placed[0].index == 3


def test_random_is_seeded_and_needs_an_rng():
    cis = make(["m6i.xlarge"] * 8)
    first = [
        p.index
        for p in place(req(), 6, cis, [{"type": "random"}], group=G, rng=np.random.default_rng(7))[
            0
        ]
    ]
    again = [
        p.index
        for p in place(req(), 6, cis, [{"type": "random"}], group=G, rng=np.random.default_rng(7))[
            0
        ]
    ]
    assert first == again and len(set(first)) > 1
    with pytest.raises(EcsimError, match="rng"):
        place(req(), 1, cis, [{"type": "random"}], group=G)


def test_strategy_validation():
    cis = make(["m6i.xlarge"])
    for bad in (
        {"type": "binpack", "field": "disk"},
        {"type": "spread"},
        {"type": "pack"},
        {"type": "spread", "field": "attribute:"},
    ):
        with pytest.raises(AWSError) as e:
            place(req(), 1, cis, [bad])
        assert e.value.code == "InvalidParameterException"
    with pytest.raises(AWSError, match="maximum is 5"):
        place(req(), 1, cis, [spread()] * 6)
    assert PlacementStrategy("spread", "attribute:rack").attribute == "rack"


def test_groups():
    assert (service_group("web"), family_group("web")) == ("service:web", "family:web")


# --- service events -------------------------------------------------------------------------------


def test_service_event_insufficient_cpu_matches_the_troubleshooting_text():
    cis = make(["m6i.large"])
    _, failures = place(req(cpu=4096), 1, cis, group=G)
    cid = cis[0].container_instance_id
    assert service_event_message("X", failures[0], legacy=True) == (
        "service X was unable to place a task because no container instance met all of its "
        f"requirements. The closest matching container-instance {cid} has insufficient CPU "
        "units available. For more information, see the Troubleshooting section."
    )


@pytest.mark.parametrize(
    "reason,phrase",
    [
        ("RESOURCE:MEMORY", "has insufficient memory available."),
        ("RESOURCE:PORTS", "is already using a port required by your task."),
        ("ATTRIBUTE", "is missing an attribute required by your task."),
        ("RESOURCE:ENI", 'encountered error "RESOURCE:ENI".'),
        ("AGENT", 'encountered error "AGENT".'),
        (
            "DistinctInstance placement constraint unsatisfied.",
            'encountered error "DistinctInstance placement constraint unsatisfied.".',
        ),
    ],
)
def test_service_event_variants(reason, phrase):
    from simulator.ecs.placement import PlacementFailure

    f = PlacementFailure("arn:aws:ecs:us-east-1:1:container-instance/c/abc", reason, "abc")
    msg = service_event_message("web", f)
    assert f"The closest matching container-instance abc {phrase} For more information" in msg


def test_service_event_without_instances():
    _, failures = place(req(), 1, [], group=G)
    assert service_event_message("web", failures[0]) == (
        "service web was unable to place a task because no container instance met all of its "
        "requirements. Reason: No Container Instances were found in your cluster. For more "
        "information, see the Troubleshooting section of the Amazon ECS Developer Guide."
    )


def test_closest_instance_is_the_one_that_got_furthest():
    cis = make(["m6g.xlarge", "m6i.large", "m6i.xlarge"])
    cis[2].allocate("hog", req(cpu=4000, memory=1), "x")  # 96 CPU left
    _, failures = place(req(cpu=1024, memory=20000, arch="x86_64"), 1, cis, group=G)
    # 0 fails ATTRIBUTE, 2 fails CPU, 1 passes CPU and fails MEMORY: 1 got furthest
    assert (failures[0].arn, failures[0].reason) == (cis[1].arn, "RESOURCE:MEMORY")


def test_closest_among_equals_has_the_most_of_the_missing_resource():
    cis = make(["m6i.large", "m6i.xlarge", "m6i.large"])
    _, failures = place(req(cpu=8192), 1, cis, group=G)
    assert (failures[0].arn, failures[0].reason) == (cis[1].arn, "RESOURCE:CPU")


# --- scale-in -------------------------------------------------------------------------------------


def test_scale_in_binpack_stops_where_most_is_left():
    cis = make(["m6i.xlarge"] * 3)
    r = req(memory=1024)
    for k, n in enumerate([3, 1, 2]):
        for j in range(n):
            cis[k].allocate(f"t{k}{j}", r, G)
    stops = select_tasks_to_stop(r, 2, cis, [binpack()], group=G)
    assert [s.index for s in stops] == [1, 2]


def test_scale_in_spread_keeps_azs_balanced():
    cis = make(["m6i.xlarge"] * 3)
    r = req()
    for k, n in enumerate([4, 2, 1]):
        for j in range(n):
            cis[k].allocate(f"t{k}{j}", r, G)
    stops = select_tasks_to_stop(
        r, 3, cis, SERVICE_DEFAULT_STRATEGIES, group=G, rng=np.random.default_rng(1)
    )
    assert [s.index for s in stops] == [0, 0, 0]  # 4,2,1 -> 1,2,1 ... balanced at 1..2


def test_scale_in_default_and_group_only():
    cis = make(["m6i.xlarge"] * 2, azs=["us-east-1a", "us-east-1a"])
    cis[0].allocate("a", req(), G)
    cis[1].allocate("b", req(), G)
    cis[1].allocate("c", req(), G)
    cis[0].allocate("other", req(), "service:other")
    stops = select_tasks_to_stop(req(), 5, cis, None, group=G)
    assert [s.index for s in stops] == [1, 0, 1]  # only the group's 3 tasks


# --- properties -----------------------------------------------------------------------------------

TYPES = ["t3.small", "m6i.large", "m6g.large", "c6g.xlarge", "m6i.xlarge", "c6i.large"]
fleets = st.lists(st.tuples(st.sampled_from(TYPES), st.sampled_from(AZS)), min_size=1, max_size=12)
requests = st.builds(
    req,
    cpu=st.integers(0, 3000),
    memory=st.integers(1, 9000),
    ports=st.lists(st.sampled_from([22, 80, 443, 8080]), max_size=2, unique=True),
    eni=st.integers(0, 1),
    arch=st.sampled_from([None, "x86_64", "arm64"]),
)
strategy_lists = st.lists(
    st.sampled_from(
        [binpack("cpu"), binpack("memory"), spread(), spread("attribute:ecs.availability-zone")]
    ),
    max_size=3,
)


@settings(max_examples=40)
@given(fleets, requests, st.integers(1, 15), strategy_lists, st.booleans())
def test_property_never_overcommits_and_arch_always_matches(fleet, r, count, strategies, distinct):
    types, azs = zip(*fleet, strict=True)
    cis = make(list(types), list(azs))
    constraints = [{"type": "distinctInstance"}] if distinct else []
    placed, failures = place(r, count, cis, strategies, constraints, group=G)
    assert len(placed) == count or failures
    apply(placed, r)  # allocate() refuses any overcommit (InsufficientResources)
    for ci in cis:
        assert ci.remaining_cpu >= 0 and ci.remaining_memory >= 0 and ci.remaining_enis >= 0
        assert len(ci.used_ports) == len(r.ports) * ci.group_counts.get(G, 0)
        assert not (ci.used_ports & ci.registered_ports)
    for p in placed:
        assert r.arch in (None, p.container_instance.arch)
    if distinct:
        assert max(Counter(p.index for p in placed).values(), default=0) <= 1


@given(fleets, st.integers(1, 2048), st.sampled_from(["cpu", "memory"]))
def test_property_binpack_picks_the_least_remaining(fleet, size, field):
    types, azs = zip(*fleet, strict=True)
    cis = make(list(types), list(azs))
    for k, ci in enumerate(cis):  # uneven starting load
        load = req(
            cpu=(k * 389) % (ci.registered_cpu // 2),
            memory=(k * 977) % (ci.registered_memory // 2) + 1,
        )
        ci.allocate(f"pre{k}", load, "x")
    r = req(cpu=size, memory=size)
    placed, _ = place(r, 1, cis, [binpack(field)], group=G)
    fits = [ci for ci in cis if ci.shortfall(r) is None]
    if not fits:
        assert placed == []
        return
    remaining = (lambda c: c.remaining_cpu) if field == "cpu" else (lambda c: c.remaining_memory)
    assert remaining(placed[0].container_instance) == min(remaining(c) for c in fits)


@given(
    st.integers(1, 9),
    st.integers(1, 40),
    st.sampled_from(["instanceId", "attribute:ecs.availability-zone"]),
)
def test_property_spread_stays_within_one_of_even(n, count, field):
    cis = make(["m6i.4xlarge"] * n)  # ample capacity: 16 vCPU, 64 GiB each
    placed, failures = place(req(cpu=128, memory=128), count, cis, [spread(field)], group=G)
    assert failures == [] and len(placed) == count
    if field == "instanceId":
        buckets = Counter({k: 0 for k in range(n)}) + Counter(p.index for p in placed)
        values = [buckets[k] for k in range(n)]
    else:
        per_az = Counter(cis[p.index].availability_zone for p in placed)
        values = [per_az[az] for az in {ci.availability_zone for ci in cis}]
    assert max(values) - min(values) <= 1


# --- the seed's .NET on Graviton service ---------------------------------------------------------


def test_seed_dotnet_service_on_two_c6g_4xlarge_in_two_azs():
    """CDK: VPC with MaxAzs 2, capacity c6g.4xlarge, ApplicationLoadBalancedEc2Service with
    MemoryLimitMiB 8192 and DesiredCount 2: one task per AZ under the service default."""
    spec = parse_task_definition(
        {
            "family": "Service",
            "requiresCompatibilities": ["EC2"],
            "containerDefinitions": [
                {
                    "name": "web",
                    "image": "app",
                    "memory": 8192,
                    "portMappings": [{"containerPort": 80}],
                }
            ],
        }
    )
    cis = make(["c6g.4xlarge"] * 2, azs=["us-east-1a", "us-east-1b"], reserved_memory_mib=1024)
    arrays = CandidateArrays(cis)
    placed, failures = place(spec.requirements(), 2, arrays, SERVICE_DEFAULT_STRATEGIES, group=G)
    assert failures == [] and sorted(p.index for p in placed) == [0, 1]
    # each c6g.4xlarge holds 3 such tasks (32768 - 1024 reserved = 31744 MiB): 4 more fit
    placed, failures = place(spec.requirements(), 10, arrays, SERVICE_DEFAULT_STRATEGIES, group=G)
    assert len(placed) == 4 and failures[0].reason == "RESOURCE:MEMORY"


# --- the arrays' bookkeeping ---------------------------------------------------------------------


def test_copy_is_independent_and_sync_rereads_an_instance():
    cis = make(["m6i.xlarge"] * 2)
    arrays = CandidateArrays(cis)
    scratch = arrays.copy()
    place(req(cpu=4096), 1, scratch, group=G)
    assert arrays.cpu.tolist() == [4096, 4096] and scratch.cpu.tolist() == [0, 4096]
    cis[0].allocate("t", req(cpu=1024, ports=(80,)), G)
    arrays.sync(0)
    assert arrays.cpu[0] == 3072 and arrays.group_count(G).tolist() == [1, 0]
    assert not arrays.port_free(80)[0]
    cis[1].status = ContainerInstanceStatus.DRAINING
    arrays.sync(1)
    assert {p.index for p in place(req(), 3, arrays, [spread()], group=G)[0]} == {0}


def test_attribute_changes_reach_queries_after_attributes_changed():
    cis = make(["m6i.xlarge"] * 2)
    arrays = CandidateArrays(cis)
    c = [{"type": "memberOf", "expression": "attribute:rack == r1"}]
    assert place(req(), 1, arrays, None, c, group=G)[0] == []
    cis[1].put_attribute("rack", "r1")
    arrays.attributes_changed()
    assert [p.index for p in place(req(), 1, arrays, None, c, group=G)[0]] == [1]


@given(
    st.lists(
        st.tuples(st.booleans(), st.integers(0, 5), st.sampled_from([G, "service:b", None])),
        max_size=30,
    )
)
def test_spread_totals_stay_in_step_with_commits_and_releases(ops):
    cis = make(["m6i.4xlarge"] * 6)
    arrays = CandidateArrays(cis)
    arrays.value_totals("ecs.availability-zone", G)  # cached before the changes
    arrays.value_totals("ecs.availability-zone", None)
    live = []
    for add, i, group in ops:
        if add or not live:
            arrays.commit(i, req(), group)
            live.append((i, group))
        else:
            j, g = live.pop()
            arrays.release(j, req(), g)
    for group in (G, None):
        codes_, totals = arrays.value_totals("ecs.availability-zone", group)
        fresh = np.bincount(codes_, weights=arrays.tasks_of(group), minlength=len(totals))
        assert totals.tolist() == fresh.astype(int).tolist()


def test_scale_in_random_stops_tasks_of_the_group_only():
    cis = make(["m6i.xlarge"] * 4)
    for k in range(3):
        cis[k].allocate(f"t{k}", req(), G)
    cis[3].allocate("x", req(), "service:other")
    stops = select_tasks_to_stop(
        req(), 4, cis, [{"type": "random"}], group=G, rng=np.random.default_rng(3)
    )
    assert sorted(s.index for s in stops) == [0, 1, 2]


def test_ten_constraints_in_all_counting_the_task_definitions():
    c = {"type": "memberOf", "expression": "attribute:ecs.os-type == linux"}
    spec = parse_task_definition(
        {
            "family": "f",
            "containerDefinitions": [{"name": "a", "image": "x", "memory": 64}],
            "placementConstraints": [c] * 6,
        }
    )
    cis = make(["m6i.xlarge"])
    assert place(spec.requirements(), 1, cis, None, [c] * 4, group=G)[0]
    with pytest.raises(AWSError, match="maximum is 10"):
        place(spec.requirements(), 1, cis, None, [c] * 5, group=G)


@pytest.mark.parametrize(
    "module",
    [
        "task_definition",
        "container_instance",
        "query",
        "constraints",
        "candidates",
        "placement",
        "codes",
        "facts",
    ],
)
def test_the_placement_domain_imports_no_simpy(module):
    """Pure modules (DESIGN.md principle 1): the timed layer drives them, never the reverse."""
    import ast
    import importlib.util
    from pathlib import Path

    tree = ast.parse(Path(importlib.util.find_spec(f"simulator.ecs.{module}").origin).read_text())
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not {n for n in names if n.startswith(("simpy", "simulator.core.world"))}
