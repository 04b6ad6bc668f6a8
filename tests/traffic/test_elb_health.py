import pytest

from simulator.core.errors import AWSError
from simulator.core.world import World
from simulator.traffic.elb import FixedResponseAction, ForwardAction, ProbeResult, Reason
from simulator.traffic.elb import TargetHealthState as S
from simulator.traffic.elb_health import ElbTiming, HealthChecks
from simulator.traffic.load_balancer import LoadBalancers


@pytest.fixture
def setup():
    world = World(1)
    registry = LoadBalancers(clock=lambda: world.now, ids=world.rng("ids"))
    checks = HealthChecks(world, registry, ElbTiming(registration_s=10))
    changes = []
    checks.hooks.append(changes.append)
    return world, registry, checks, changes


def test_first_check_after_registration_then_healthy_on_the_threshold(setup):
    world, registry, checks, changes = setup
    lb = registry.create_load_balancer("web")
    tg = registry.create_target_group("blue")
    registry.create_listener(lb, 80, "HTTP", ForwardAction([(tg, 1)]))
    checks.register(tg, "t1")
    world.run(5)
    assert tg.targets["t1"].reason is Reason.REGISTRATION_IN_PROGRESS
    world.run(11)
    assert tg.targets["t1"].reason is Reason.INITIAL_HEALTH_CHECKING
    world.run(10 + 4 * 30 - 0.001)
    assert tg.targets["t1"].state is S.INITIAL
    world.run(10 + 4 * 30 + 0.001)  # simpy runs events strictly before `until`
    assert tg.targets["t1"].state is S.HEALTHY
    assert [(c.at, c.state) for c in changes] == [
        (0.0, S.INITIAL),
        (10.0, S.INITIAL),
        (130.0, S.HEALTHY),
    ]


def test_probe_failures_make_unhealthy_and_hooks_see_it(setup):
    world, registry, checks, changes = setup
    lb = registry.create_load_balancer("web")
    tg = registry.create_target_group("blue")
    registry.create_listener(lb, 80, "HTTP", ForwardAction([(tg, 1)]))
    up = {"t1": True}
    checks.set_probe(tg, lambda t: ProbeResult.PASS if up[t] else ProbeResult.TIMEOUT)
    checks.register(tg, "t1")
    world.run(200)
    assert tg.targets["t1"].state is S.HEALTHY
    up["t1"] = False
    world.run(300)
    last = changes[-1]
    assert (last.previous, last.state, last.reason) == (S.HEALTHY, S.UNHEALTHY, Reason.TIMEOUT)
    # the first failure at t=220 leaves it healthy; the second at t=250 makes it unhealthy
    assert last.at == 250.0


def test_targets_of_an_unused_group_are_not_checked_until_used(setup):
    world, registry, checks, changes = setup
    lb = registry.create_load_balancer("web")
    blue, green = registry.create_target_group("blue"), registry.create_target_group("green")
    checks.register(green, "g1")
    listener = registry.create_listener(lb, 80, "HTTP", ForwardAction([(blue, 1)]))
    world.run(600)
    assert (green.targets["g1"].state, green.targets["g1"].reason) == (S.UNUSED, Reason.NOT_IN_USE)
    listener.set_forward([(blue, 90), (green, 10)])
    assert green.targets["g1"].reason is Reason.REGISTRATION_IN_PROGRESS
    world.run(600 + 130 + 0.001)
    assert green.targets["g1"].state is S.HEALTHY
    listener.set_default_action(FixedResponseAction(503))
    assert green.targets["g1"].reason is Reason.NOT_IN_USE
    listener.set_forward([(green, 1)])  # used again within one interval: one check loop
    world.run(2000)
    checks_at = [c.at for c in changes if c.target_id == "g1" and c.state is S.HEALTHY]
    assert checks_at == pytest.approx([730.0, 730.001 + 130])


def test_deregistration_completes_after_the_delay(setup):
    world, registry, checks, changes = setup
    lb = registry.create_load_balancer("web")
    tg = registry.create_target_group("blue")
    tg.set_attributes({"deregistration_delay.timeout_seconds": "60"})
    registry.create_listener(lb, 80, "HTTP", ForwardAction([(tg, 1)]))
    checks.register(tg, "t1")
    world.run(200)
    checks.deregister(tg, "t1")
    assert tg.targets["t1"].state is S.DRAINING and tg.routable() == []
    world.run(259)
    assert "t1" in tg.targets
    world.run(261)
    assert "t1" not in tg.targets
    assert (changes[-1].state, changes[-1].reason) == (S.UNUSED, Reason.NOT_REGISTERED)
    with pytest.raises(AWSError) as e:
        checks.deregister(tg, "t1")
    assert e.value.code == "InvalidTarget"


def test_registry_names_and_quotas():
    registry = LoadBalancers()
    lb = registry.create_load_balancer("web", scheme="internal")
    assert lb.dns_name.startswith("internal-web-") and lb.dns_name.endswith(
        ".us-east-1.elb.amazonaws.com"
    )
    assert registry.find(lb.dns_name) is lb and registry.find(lb.arn) is lb
    assert lb.state(0) == "provisioning" and lb.state(120) == "active"
    for bad in ("-web", "web-", "a" * 33, "internal-x", "we_b"):
        with pytest.raises(AWSError) as e:
            registry.create_load_balancer(bad)
        assert e.value.code == "ValidationError"
    with pytest.raises(AWSError) as e:
        registry.create_load_balancer("web")
    assert e.value.code == "DuplicateLoadBalancerName"
    tg = registry.create_target_group("blue")
    registry.create_listener(lb, 80, "HTTP", ForwardAction([(tg, 1)]))
    with pytest.raises(AWSError) as e:
        registry.delete_target_group(tg)
    assert e.value.code == "ResourceInUse"
    other = registry.create_load_balancer("other")
    with pytest.raises(AWSError) as e:
        registry.create_listener(other, 80, "HTTP", ForwardAction([(tg, 1)]))
    assert e.value.code == "TargetGroupAssociationLimit"
    small = LoadBalancers(quotas={**registry.quotas, "target-groups": 1})
    small.create_target_group("a")
    with pytest.raises(AWSError) as e:
        small.create_target_group("b")
    assert e.value.code == "TooManyTargetGroups"


def test_interval_change_applies_from_the_next_check(setup):
    world, registry, checks, changes = setup
    lb = registry.create_load_balancer("web")
    tg = registry.create_target_group("blue")
    registry.create_listener(lb, 80, "HTTP", ForwardAction([(tg, 1)]))
    checks.register(tg, "t1")
    world.run(11)  # first check at t=10, next due at t=40
    from dataclasses import replace

    tg.check = replace(tg.check, interval_s=10.0)
    world.run(200)
    healthy = [c.at for c in changes if c.state is S.HEALTHY]
    assert healthy == [40.0 + 3 * 10.0]  # checks at 10, 40, then every 10 s: 5th at 70
