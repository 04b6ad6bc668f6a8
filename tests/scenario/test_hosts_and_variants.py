import pytest

from simulator.core.errors import ScenarioError
from simulator.scenario import parse_scenario
from simulator.scenario.variants import all_variants, apply_overrides, parse_path, variant

HOSTS = """\
name: h
duration: 1d
capacity:
  dedicated_hosts:
    - {instance_type: m6i.xlarge, count: 2, instances_per_host: 32, host_recovery: on}
services:
  - {name: web, cpu: 1024, memory: 2048, desired_count: 10}
events:
  - {at: 1h, action: fail_host, host: 1}
faults:
  - {kind: host_failures, mean_time_between_failures: 30d}
variants:
  recovery-on: {}
  recovery-off:
    capacity.dedicated_hosts[0].host_recovery: "off"
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, source="s.yaml")
    return info.value.problems


def test_dedicated_hosts_load_and_yaml_on_off_is_read_as_aws_spells_it():
    s = parse_scenario(HOSTS)
    group = s.capacity.dedicated_hosts[0]
    assert group.host_recovery == "on"  # YAML reads a bare `on` as true
    assert s.faults[0].mean_time_between_failures == 30 * 86400


def test_host_capacity_and_indexes_are_checked():
    text = HOSTS.replace("instances_per_host: 32", "instances_per_host: 33").replace(
        "host: 1}", "host: 2}"
    )
    assert problems(text) == [
        "s.yaml: capacity.dedicated_hosts[0].instances_per_host: expected at most 32 "
        "(a m6i.xlarge host holds 32), got 33",
        "s.yaml: events[0].host: expected a host index < 2 (the scenario allocates 2 "
        "Dedicated Hosts), got 2",
    ]


def test_bad_on_off_and_mac_as_shared_capacity():
    assert problems(HOSTS.replace("host_recovery: on}", "host_recovery: maybe}")) == [
        "s.yaml: capacity.dedicated_hosts[0].host_recovery: expected on or off, got 'maybe'"
    ]
    text = HOSTS.replace("capacity:\n", "capacity:\n  instance_type: mac2.metal\n  count: 1\n")
    assert "runs only on a Dedicated Host" in problems(text)[0]


def test_variants_apply_their_overrides():
    s = parse_scenario(HOSTS)
    both = all_variants(s)
    assert list(both) == ["recovery-on", "recovery-off"]
    assert both["recovery-on"].capacity.dedicated_hosts[0].host_recovery == "on"
    assert both["recovery-off"].capacity.dedicated_hosts[0].host_recovery == "off"
    assert both["recovery-off"].services == s.services  # everything else is the base's


def test_variant_mistakes_are_reported_with_the_variant_path():
    bad = HOSTS.replace('host_recovery: "off"', 'host_recovery: "sometimes"')
    assert problems(bad) == [
        "s.yaml: variants.recovery-off: capacity.dedicated_hosts[0].host_recovery: "
        "expected on or off, got 'sometimes'"
    ]
    missing = HOSTS.replace("hosts[0].host_recovery", "hosts[3].host_recovery")
    assert problems(missing) == [
        "s.yaml: variants.recovery-off: capacity.dedicated_hosts[3].host_recovery: "
        "no item [3] there"
    ]
    with pytest.raises(ScenarioError, match="no variant 'maybe'"):
        variant(parse_scenario(HOSTS), "maybe")


def test_paths():
    assert parse_path("a.b[2].c") == ["a", "b", 2, "c"]
    with pytest.raises(ValueError):
        parse_path("a..b")
    with pytest.raises(ValueError):
        parse_path("a.b[x]")
    assert apply_overrides({"a": [{"b": 1}]}, {"a[0].b": 2}) == {"a": [{"b": 2}]}


def test_timing_overrides_are_validated():
    text = HOSTS + "ec2_timing:\n  bot: 30s\n"
    (line,) = problems(text)
    assert line.startswith("s.yaml: ec2_timing.bot: unknown EC2 timing 'bot'")


MIXED = """\
name: m
duration: 1h
capacity:
  dedicated_hosts:
    - instance_family: m5
      count: 1
      instances: {m5.4xlarge: 2, m5.xlarge: 8}
"""


def test_mixed_size_hosts_by_family():
    from simulator.experiment import run

    s = parse_scenario(MIXED)
    r = run(s)
    assert r.summary["healthy_instances_min"] == 10
    assert r.summary["dedicated_hosts"][0]["instance_type"] == "m5 (mixed sizes)"


def test_mixed_size_rules():
    too_many = MIXED.replace("m5.xlarge: 8", "m5.xlarge: 20")
    assert problems(too_many) == [
        "s.yaml: capacity.dedicated_hosts[0].instances: the mix needs 112 of the m5 host's "
        "96 capacity units (vCPUs)"
    ]
    single = MIXED.replace("instance_family: m5", "instance_family: m6i")
    assert "hold a single size" in problems(single)[0]
    wrong = MIXED.replace("m5.xlarge: 8", "c5.xlarge: 8")
    assert problems(wrong) == [
        "s.yaml: capacity.dedicated_hosts[0].instances.c5.xlarge: expected an instance type "
        "of the m5 family, got c5.xlarge"
    ]
    both = MIXED.replace(
        "instance_family: m5", "instance_family: m5\n      instance_type: m5.large"
    )
    assert "exactly one of instance_type" in problems(both)[0]
