from pathlib import Path

import pytest

from simulator.core.errors import ScenarioError
from simulator.scenario import load_scenario, parse_scenario

SCENARIOS = sorted(Path(__file__).parents[2].joinpath("scenarios").glob("*.yaml"))

GOOD = """\
name: t
duration: 1h
capacity: {instance_type: m6i.xlarge, count: 2}
services:
  - {name: web, cpu: 1024, memory: 2048, desired_count: 2}
traffic:
  - {service: web, pattern: constant, rps: 100}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, source="s.yaml")
    return info.value.problems


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_every_bundled_scenario_loads(path):
    scenario = load_scenario(path)
    assert scenario.name
    assert scenario.duration > 0


def test_good_scenario_values_and_defaults():
    s = parse_scenario(GOOD)
    assert s.duration == 3600.0
    assert s.tick == 60.0
    assert s.services[0].workload == "web-dynamic"
    assert s.region == "us-east-1"


def test_wrong_type_names_file_field_and_expectation():
    text = GOOD.replace("desired_count: 2}", "desired_count: ten}")
    assert problems(text) == [
        "s.yaml: services[0].desired_count: expected an integer >= 0, got 'ten'"
    ]


def test_negative_and_boolean_counts():
    assert problems(GOOD.replace("xlarge, count: 2}", "xlarge, count: -1}")) == [
        "s.yaml: capacity.count: expected an integer >= 0, got -1"
    ]
    assert problems(GOOD.replace("xlarge, count: 2}", "xlarge, count: true}")) == [
        "s.yaml: capacity.count: expected an integer >= 0, got True"
    ]


def test_unknown_key_suggests_the_right_one():
    assert problems(GOOD.replace("duration:", "duraton:")) == [
        "s.yaml: duration: required field is missing",
        "s.yaml: duraton: unknown field (did you mean: duration?)",
    ]
    nested = GOOD.replace("cpu: 1024,", "cpus: 1024, cpu: 1024,")
    assert problems(nested) == ["s.yaml: services[0].cpus: unknown field (did you mean: cpu?)"]


def test_bad_duration():
    assert problems(GOOD.replace("duration: 1h", "duration: 1 hour")) == [
        "s.yaml: duration: expected a duration such as '90s', '5m', '24h', '30d' "
        "or a number of seconds, got '1 hour'"
    ]


def test_yaml_syntax_error_names_the_line():
    (line,) = problems(GOOD.replace("xlarge, count: 2}", "xlarge, count: 2"))
    assert line.startswith("s.yaml:4:")
    assert "YAML syntax error" in line


def test_all_errors_at_once():
    text = GOOD.replace("duration: 1h", "duration: x").replace("rps: 100", "rps: -3")
    assert len(problems(text)) == 2


def test_union_tags_and_entries_inside_them():
    text = GOOD.replace("pattern: constant", "pattern: sine")
    assert problems(text) == [
        "s.yaml: traffic[0].pattern: expected one of 'constant', 'diurnal', 'steps', "
        "'trace', got 'sine'"
    ]
    events = GOOD + "events:\n  - {at: 5m, action: set_desired_count, service: web, count: 3}\n"
    assert problems(events) == [
        "s.yaml: events[0].desired_count: required field is missing",
        "s.yaml: events[0].count: unknown field (did you mean: desired_count?)",
    ]


def test_references_to_catalog_and_services():
    text = GOOD.replace("m6i.xlarge", "m6i.xlarg").replace("{service: web", "{service: api")
    assert problems(text) == [
        "s.yaml: capacity.instance_type: unknown instance type 'm6i.xlarg' "
        "(did you mean: m6i.xlarge, m6i.8xlarge, m6i.4xlarge?)",
        "s.yaml: traffic[0].service: no service named 'api' in services",
    ]


def test_event_after_the_end_and_mac_capacity():
    text = GOOD + "events:\n  - {at: 2h, action: set_instance_count, count: 3}\n"
    assert problems(text) == ["s.yaml: events[0].at: expected a time <= duration (3600s)"]
    mac = GOOD.replace("m6i.xlarge", "mac2.metal")
    assert "runs only on a Dedicated Host" in problems(mac)[0]


def test_empty_and_non_mapping_files():
    assert problems("") == ["s.yaml: the file is empty; expected a scenario mapping"]
    assert problems("- a\n- b\n") == ["s.yaml: expected a mapping of scenario fields, got list"]


def test_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(tmp_path / "nope.yaml")


def test_only_safe_yaml_is_loaded():
    text = GOOD.replace("name: t", "name: !!python/object/apply:os.system ['echo hacked']")
    (line,) = problems(text)
    assert "YAML syntax error" in line or "could not determine a constructor" in line
