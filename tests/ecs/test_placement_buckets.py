"""Spread and binpack placement on PlacementBuckets decides exactly as the whole-column
pass: the same instances, the same failures and the same random draws, through runs of
placements, stops, status changes, agent disconnections and attribute changes on a kept
PlacementIndex."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.catalog import instance_type
from simulator.core.errors import EcsimError
from simulator.ecs.candidates import CandidateArrays
from simulator.ecs.constraints import PlacementConstraint
from simulator.ecs.container_instance import ContainerInstance, ContainerInstanceStatus
from simulator.ecs.placement import place
from simulator.ecs.placement_buckets import MAX_BUCKETS, PlacementBuckets, fenwick
from simulator.ecs.placement_index import PlacementIndex
from simulator.ecs.task_definition import TaskRequirements

AZ = "attribute:ecs.availability-zone"
TYPE = "attribute:ecs.instance-type"
RACK = "attribute:rack"
STRATEGIES = [
    [{"type": "spread", "field": AZ}],
    [{"type": "spread", "field": AZ}, {"type": "spread", "field": TYPE}],
    [{"type": "spread", "field": TYPE}, {"type": "random"}],
    [{"type": "random"}],
    [{"type": "spread", "field": RACK}, {"type": "spread", "field": AZ}],
    [{"type": "spread", "field": AZ}, {"type": "random"}, {"type": "binpack", "field": "cpu"}],
    [{"type": "binpack", "field": "memory"}],
    [{"type": "spread", "field": AZ}, {"type": "binpack", "field": "cpu"}],
    [{"type": "binpack", "field": "cpu"}, {"type": "spread", "field": TYPE}],
    [{"type": "binpack", "field": "cpu"}, {"type": "binpack", "field": "memory"}],
]
SHAPES = [
    TaskRequirements(1024, 2048),
    TaskRequirements(2048, 8192),
    TaskRequirements(512, 1024, eni=1),
    TaskRequirements(1024, 1024, arch="arm64"),
]
CONSTRAINTS = [[], [{"type": "memberOf", "expression": "attribute:ecs.instance-type =~ m6i.*"}]]
TYPES = ["m6i.xlarge", "m6g.xlarge", "m6i.2xlarge"]
AZS = ["us-east-1a", "us-east-1b", "us-east-1c"]


def fleet(kinds: list[tuple[int, int]]) -> list[ContainerInstance]:
    out = []
    for k, (t, z) in enumerate(kinds):
        ci = ContainerInstance(
            f"i-{k:017x}", instance_type(TYPES[t]), availability_zone=AZS[z], cluster="c"
        )
        if k % 4 == 0:
            ci.attributes["rack"] = f"r{k % 3}"  # others lack it: a value of its own
        out.append(ci)
    return out


step = st.tuples(
    st.sampled_from(["place"] * 4 + ["stop"] * 3 + ["drain", "activate", "agent", "attr"]),
    st.integers(0, 99),
    st.integers(0, len(STRATEGIES) - 1),
    st.integers(0, len(SHAPES) - 1),
    st.integers(0, len(CONSTRAINTS) - 1),
    st.integers(1, 12),
)


def _place(view, s, shape, cons, count, seed, buckets):
    got, failures = place(
        SHAPES[shape],
        count,
        view,
        STRATEGIES[s],
        CONSTRAINTS[cons],
        group=f"service:s{shape}",
        rng=np.random.default_rng(seed),
        buckets=buckets,
    )
    return [p.index for p in got], [f.to_api() for f in failures]


@settings(deadline=None, max_examples=200)  # cheap examples; fewer miss stale buckets
@given(
    st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2)), min_size=1, max_size=12),
    st.lists(step, min_size=8, max_size=40),
)
def test_buckets_decide_as_the_column_pass(kinds, steps):
    instances = fleet(kinds)
    index = PlacementIndex()
    for ci in instances:
        index.add(ci)
    held: list[tuple[ContainerInstance, str, TaskRequirements, str]] = []
    for n, (op, x, s, shape, cons, count) in enumerate(steps):
        ci = instances[x % len(instances)]
        if op == "place":
            view = index.view()
            reference = view.copy()  # the column pass on the same arrays, same seed
            expect = _place(reference, s, shape, cons, count, n, buckets=False)
            got = _place(view, s, shape, cons, count, n, buckets=True)
            assert got == expect
            for name in ("cpu", "memory", "enis", "running", "pending"):
                assert getattr(view, name).tolist() == getattr(reference, name).tolist()
            for i in got[0]:  # the control plane allocates and touches what was placed
                task = f"t{n}-{len(held)}"
                target = view.instances[i]
                group = f"service:s{shape}"
                target.allocate(task, SHAPES[shape], group, pending=True)
                index.touch(target)
                held.append((target, task, SHAPES[shape], group))
        elif op == "stop" and held:
            target, task, _, _ = held.pop(x % len(held))
            target.release(task)
            index.touch(target)
        elif op == "drain" and ci.status is ContainerInstanceStatus.ACTIVE:
            ci.status = ContainerInstanceStatus.DRAINING
            index.touch(ci)
        elif op == "activate":
            ci.status = ContainerInstanceStatus.ACTIVE
            index.touch(ci)
        elif op == "agent" and not any(h[0] is ci for h in held):
            ci.agent_connected = not ci.agent_connected
            index.touch(ci)
        elif op == "attr":
            ci.attributes["rack"] = f"r{x % 2}"
            index.attributes_changed()


def test_drained_and_freed_rows_reach_the_buckets():
    instances = fleet([(0, 0), (0, 1), (0, 2)])  # m6i.xlarge: one 2 vCPU / 8 GiB task each
    index = PlacementIndex()
    for ci in instances:
        index.add(ci)
    placed, failures = _place(index.view(), 0, 1, 0, 3, 1, buckets=True)
    assert sorted(placed) == [0, 1, 2] and failures == []
    for i in placed:
        instances[i].allocate(f"t{i}", SHAPES[1], "service:s1")
        index.touch(instances[i])
    placed, failures = _place(index.view(), 0, 1, 0, 1, 2, buckets=True)
    assert placed == [] and failures  # full
    for i in placed:
        instances[i].allocate(f"t{i}", SHAPES[1], "service:s1")
    instances[0].release("t0")  # room again on row 0 ...
    instances[1].status = ContainerInstanceStatus.DRAINING  # ... and on row 1, drained
    instances[1].release("t1")
    for ci in instances[:2]:
        index.touch(ci)
    assert _place(index.view(), 0, 1, 0, 2, 3, buckets=True)[0] == [0]


def test_a_lone_candidate_then_a_tie_decide_as_the_column_pass():
    """One row left after the strategies, then a tie over several: the same rows as the
    column pass, so its draws stay in step."""
    for seed in range(10):
        runs = []
        for buckets in (True, False):
            instances = fleet([(0, 0), (0, 1), (0, 1), (0, 1)])
            instances[1].allocate("t", SHAPES[0], "service:s0")  # b leads: a is alone first
            got = _place(CandidateArrays(instances), 0, 0, 0, 3, seed, buckets=buckets)
            runs.append(got)
        assert runs[0] == runs[1]


def test_kept_buckets_equal_a_rebuild():
    """A run of placements leaves the kept buckets equal to ones built afresh."""
    instances = fleet([(k % 3, k % 3) for k in range(300)])
    arrays = CandidateArrays(instances)
    req = TaskRequirements(1024, 2048)
    for seed in range(20):
        place(req, 7, arrays, STRATEGIES[0], group="service:a", rng=np.random.default_rng(seed))
    (kept,) = [b for b in arrays.buckets.values() if b is not None]
    fresh = PlacementBuckets(arrays, kept.static_ok, 1024, 2048, 0, kept.components)
    assert kept.trees == fresh.trees and kept.counts == fresh.counts
    assert sum(kept.counts) == int(np.count_nonzero(arrays.cpu >= 1024))


def test_fenwick_selects_every_row_in_order():
    bits = np.array([0, 1, 1, 0, 0, 1, 0, 1, 1, 1, 0, 1], np.int64)
    arrays = CandidateArrays(fleet([(0, 0)] * bits.size))
    b = PlacementBuckets(arrays, bits.astype(bool), 0, 0, 0, ())
    assert [b.select([0], j) for j in range(int(bits.sum()))] == np.flatnonzero(bits).tolist()
    assert fenwick(bits)[8] == int(bits[:8].sum())


def test_too_many_values_use_the_column_pass():
    instances = fleet([(0, 0)] * (MAX_BUCKETS + 1))
    for k, ci in enumerate(instances):
        ci.attributes["slot"] = str(k)
    arrays = CandidateArrays(instances)
    strategy = [{"type": "spread", "field": "attribute:slot"}]
    got, _ = place(SHAPES[0], 3, arrays, strategy, group="g", rng=np.random.default_rng(1))
    assert list(arrays.buckets.values()) == [None]
    expect, _ = place(
        SHAPES[0], 3, CandidateArrays(instances), strategy, group="g", buckets=False,
        rng=np.random.default_rng(1),
    )  # fmt: skip
    assert [p.index for p in got] == [p.index for p in expect]


def test_many_remainders_leave_binpack_to_the_column_pass():
    """Tasks of many sizes leave many remainders: past MAX_BUCKETS live values the buckets
    give up, mid-run, and the decisions stay the column pass's."""
    instances = fleet([(2, k % 3) for k in range(2 * MAX_BUCKETS)])
    arrays, reference = CandidateArrays(instances), CandidateArrays(instances)
    binpack, anywhere = [{"type": "binpack", "field": "memory"}], [{"type": "random"}]
    shape = TaskRequirements(16, 256)
    for k in range(2 * MAX_BUCKETS):
        filler = TaskRequirements(16, 100 + 7 * k)  # a remainder of its own
        for req, strategy in ((filler, anywhere), (shape, binpack)):
            got, _ = place(req, 2, arrays, strategy, group="g", rng=np.random.default_rng(k))
            expect, _ = place(
                req, 2, reference, strategy, group="g", rng=np.random.default_rng(k), buckets=False
            )
            assert [p.index for p in got] == [p.index for p in expect]
    (kept,) = [b for key, b in arrays.buckets.items() if key[:2] == (16, 256)]
    assert kept is None or kept.too_many


def test_random_without_an_rng_is_refused_on_either_path():
    arrays = CandidateArrays(fleet([(0, 0), (1, 1)]))
    for buckets in (True, False):
        with pytest.raises(EcsimError, match="needs an rng"):
            place(SHAPES[0], 1, arrays, [{"type": "random"}], buckets=buckets)


def test_constraints_outside_the_buckets_take_the_column_pass():
    arrays = CandidateArrays(fleet([(0, 0), (1, 1)]))
    distinct = [PlacementConstraint("distinctInstance")]
    place(SHAPES[0], 2, arrays, STRATEGIES[0], distinct, group="g", rng=np.random.default_rng(0))
    ports = TaskRequirements(256, 256, ports=(8080,))
    place(ports, 1, arrays, STRATEGIES[0], group="g", rng=np.random.default_rng(0))
    assert arrays.buckets == {}
