"""The cluster's placement index stays equal to a fresh snapshot of its instances, and
placement on it decides exactly as on the snapshot (same instances, same failures)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.ecs.candidates import CandidateArrays
from simulator.ecs.placement import place
from simulator.ecs.placement_index import PlacementIndex
from simulator.ecs.task_definition import TaskRequirements
from tests.ecs.test_ecs_control import cluster, taskdef

STRATEGIES = [
    None,
    [{"type": "binpack", "field": "cpu"}],
    [{"type": "spread", "field": "attribute:ecs.availability-zone"}],
    [{"type": "spread", "field": "instanceId"}, {"type": "binpack", "field": "memory"}],
    [{"type": "random"}],
]
REQ = TaskRequirements(1024, 2048, (), (), 0, None, None, ())  # type: ignore[arg-type]

ops = st.lists(
    st.tuples(
        st.sampled_from(["run", "stop", "drain", "activate", "terminate", "wait"]),
        st.integers(0, 9),
        st.sampled_from(range(len(STRATEGIES))),
    ),
    min_size=1,
    max_size=12,
)


def decisions(arrays, strategy, seed, group):
    placed, failures = place(
        REQ, 4, arrays, STRATEGIES[strategy], group=group, rng=np.random.default_rng(seed)
    )
    return [p.container_instance_id for p in placed], [f.to_api() for f in failures]


def assert_same_as_snapshot(index: PlacementIndex, instances, strategy: int, seed: int) -> None:
    view = index.view()
    connected = [ci for ci in instances if ci.agent_connected]
    fresh = CandidateArrays(connected)
    rows = [index.row[ci.container_instance_id] for ci in connected]
    for name in ("cpu", "memory", "running", "pending"):
        assert getattr(view, name)[rows].tolist() == getattr(fresh, name).tolist(), name
    assert view.placeable[rows].tolist() == fresh.placeable.tolist()
    assert not view.placeable[[i for i in range(view.size) if i not in rows]].any()
    for g in fresh.groups:
        assert view.group_count(g)[rows].tolist() == fresh.group_count(g).tolist()
    for group in ("family:web", "family:api"):
        assert decisions(view.copy(), strategy, seed, group) == decisions(
            CandidateArrays(connected), strategy, seed, group
        )


@settings(deadline=None)
@given(ops, st.integers(0, 2**16))
def test_index_follows_the_cluster_and_places_as_a_snapshot(steps, seed):
    world, ec2, ecs, ids = cluster(instances=4)
    ecs.register_task_definition(taskdef("web"))
    ecs.register_task_definition(taskdef("api", cpu=512, memory=1024))
    prod = ecs.cluster("prod")
    for action, k, strategy in steps:
        cis = list(prod.container_instances.values())
        live = [t for t in prod.tasks.values() if t.live]
        if action == "run":
            family = "web" if k % 2 else "api"
            ecs.run_task("prod", family, 1 + k % 3, strategies=STRATEGIES[strategy])
        elif action == "stop" and live:
            ecs.stop_task("prod", live[k % len(live)].task_arn)
        elif action in ("drain", "activate") and cis:
            ci = cis[k % len(cis)]
            if ci.status.value in ("ACTIVE", "DRAINING"):
                status = "DRAINING" if action == "drain" else "ACTIVE"
                ecs.update_container_instances_state("prod", [ci.container_instance_id], status)
        elif action == "terminate":
            ec2.terminate_instances([ids[k % len(ids)]])
        world.run(world.now + 15 * (1 + k))
        assert_same_as_snapshot(prod.placement, prod.container_instances.values(), strategy, seed)
