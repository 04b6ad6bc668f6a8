import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.catalog import instance_type
from simulator.ecs.cluster import Cluster, ServiceSpec

XL = instance_type("m6i.xlarge")  # 4096 CPU units, 16384 MiB


def cluster(instances: int = 2, reserve: int = 0) -> Cluster:
    c = Cluster("c", reserved_memory_mib=reserve)
    c.add_instances(XL, instances, at=0.0)
    return c


def test_registered_resources():
    c = cluster(1, reserve=512)
    ci = next(iter(c.instances.values()))
    assert (ci.registered_cpu, ci.registered_memory) == (4096, 16384 - 512)


def test_first_fit_fills_the_first_instance_first():
    c = cluster(2)
    c.services["web"] = ServiceSpec("web", 1024, 2048, 5, "web-dynamic")
    result = c.reconcile()
    assert result.started == {"web": 5}
    assert [ci.tasks.get("web", 0) for ci in c.instances.values()] == [4, 1]


def test_what_does_not_fit_is_unplaced():
    c = cluster(1)
    c.services["big"] = ServiceSpec("big", 1024, 6000, 4, "web-dynamic")
    result = c.reconcile()
    assert result.started == {"big": 2}  # memory binds: 2 x 6000 <= 16384
    assert result.unplaced == {"big": 2}


def test_scale_in_and_instance_loss():
    c = cluster(2)
    c.services["web"] = ServiceSpec("web", 1024, 1024, 6, "web-dynamic")
    c.reconcile()
    c.services["web"].desired_count = 3
    assert c.reconcile().stopped == {"web": 3}
    assert c.running("web") == 3
    c.remove_instances(1, at=100.0)
    assert c.running("web") == sum(ci.tasks.get("web", 0) for ci in c.instances.values())


ops = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.integers(0, 3)),
        st.tuples(st.just("remove"), st.integers(0, 3)),
        st.tuples(st.just("desired"), st.sampled_from(["a", "b"]), st.integers(0, 20)),
    ),
    max_size=25,
)


@given(ops)
def test_aggregates_always_match_the_instances(steps):
    c = Cluster("c")
    c.services["a"] = ServiceSpec("a", 512, 1024, 0, "web-dynamic")
    c.services["b"] = ServiceSpec("b", 2048, 3000, 0, "web-dynamic")
    for t, step in enumerate(steps):
        if step[0] == "add":
            c.add_instances(XL, step[1], at=float(t))
        elif step[0] == "remove":
            c.remove_instances(step[1], at=float(t))
        else:
            c.services[step[1]].desired_count = step[2]
        c.reconcile()
        for ci in c.instances.values():  # never over what the instance registered
            assert 0 <= ci.used_cpu <= ci.registered_cpu
            assert 0 <= ci.used_memory <= ci.registered_memory
        for name, svc in c.services.items():
            counted = sum(ci.tasks.get(name, 0) for ci in c.instances.values())
            assert c.running(name) == counted <= svc.desired_count
        cpu = sum(ci.used_cpu for ci in c.instances.values())
        total = sum(ci.registered_cpu for ci in c.instances.values())
        assert c.reserved()[0] == pytest.approx(cpu / total if total else 0.0)
