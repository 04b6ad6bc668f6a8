"""Files that used to validate and then crash or mislead the run: each is refused at load
time with the file and field path, in one line."""

import copy
from pathlib import Path

import pytest
import yaml

from simulator.core.errors import ScenarioError
from simulator.scenario import load_scenario, parse_scenario
from simulator.scenario.run_checks import task_definition_doc

ROOT = Path(__file__).parents[2]
QUICKSTART = yaml.safe_load((ROOT / "scenarios" / "quickstart.yaml").read_text())


def mutated(change) -> str:
    data = copy.deepcopy(QUICKSTART)
    change(data)
    return yaml.safe_dump(data)


def traffic(entry):
    return lambda d: d["traffic"].__setitem__(0, {"service": "web", **entry})


def service(**fields):
    return lambda d: d["services"][0].update(fields)


def event(**fields):
    return lambda d: d["events"].append(fields)


CASES = {
    "unsorted steps": (
        traffic({"pattern": "steps", "steps": [[3600, 10], [0, 5]]}),
        "traffic[0].steps[1]: expected times in increasing order",
    ),
    "rps inf": (traffic({"pattern": "constant", "rps": float("inf")}), "traffic[0].rps"),
    "rps 1e308": (traffic({"pattern": "constant", "rps": 1e308}), "traffic[0].rps"),
    "factor inf": (
        event(at=60, action="scale_traffic", service="web", factor=float("inf")),
        "events[1].factor",
    ),
    "weekly inf": (
        traffic({"pattern": "diurnal", "min_rps": 1, "peak_rps": 9, "weekly": [1] * 6 + [1e999]}),
        "traffic[0].weekly[6]",
    ),
    "spot discount nan": (
        lambda d: d.__setitem__("fargate_prices", {"spot_discount": float("nan")}),
        "fargate_prices.spot_discount",
    ),
    "spot discount above 1": (
        lambda d: d.__setitem__("fargate_prices", {"spot_discount": 1.5}),
        "fargate_prices.spot_discount: expected a fraction from 0 to 1",
    ),
    "negative price": (
        lambda d: d.__setitem__("fargate_prices", {"x86_64_vcpu_hour": -1}),
        "fargate_prices.x86_64_vcpu_hour: expected a number >= 0",
    ),
    "sizing p99 0": (
        lambda d: d.__setitem__("sizing", {"service": "web", "p99": 0}),
        "sizing.p99: expected a duration > 0",
    ),
    "sizing unreachable": (
        lambda d: d.__setitem__("sizing", {"service": "web", "p99": "1ms"}),
        "sizing.p99: no task count",
    ),
    "sizing without shared instances": (
        lambda d: d.update(
            capacity={"dedicated_hosts": [{"instance_type": "m6i.xlarge", "count": 1}]},
            sizing={"service": "web", "p99": "200ms"},
        ),
        "sizing: sizing sets the count of capacity.instance_type's shared-tenancy instances",
    ),
    "name with NUL": (lambda d: d.__setitem__("name", "a\x00b"), "name: expected 1 to 100"),
    "name of 300": (lambda d: d.__setitem__("name", "a" * 300), "name: expected 1 to 100"),
    "name with slash": (lambda d: d.__setitem__("name", "a/b"), "name: expected 1 to 100"),
    "name dot": (lambda d: d.__setitem__("name", "."), "name: expected 1 to 100"),
    "service name NUL": (service(name="w\x00"), "services[0].name: expected up to 255"),
    "memberOf 400 deep": (
        service(
            placement_constraints=[
                {"type": "memberOf", "expression": "(" * 400 + "attribute:a == b" + ")" * 400}
            ]
        ),
        "services[0].placement_constraints[0].expression: InvalidParameterException",
    ),
    "memberOf syntax": (
        service(placement_constraints=[{"type": "memberOf", "expression": "attribute:a =="}]),
        "services[0].placement_constraints[0].expression: InvalidParameterException",
    ),
    "task cpu ECS rejects": (service(cpu=7), "services[0].cpu: ClientException: Invalid 'cpu'"),
    "reserved memory": (
        lambda d: d["capacity"].__setitem__("reserved_memory_mib", 10**7),
        "capacity.reserved_memory_mib: expected less than m6i.xlarge's memory",
    ),
    "ecs_timing typo": (
        lambda d: d.__setitem__("ecs_timing", {"agent_registraton": "10s"}),
        "ecs_timing.agent_registraton: unknown ECS timing",
    ),
    "ecs_timing fixed row as the CSV writes it": (
        lambda d: d.__setitem__(
            "ecs_timing", {"deactivation": {"distribution": "fixed", "low": "0s", "high": "0s"}}
        ),
        "ecs_timing.deactivation.high: unknown field (a fixed distribution takes value)",
    ),
    "ec2_timing unknown key": (
        lambda d: d.__setitem__(
            "ec2_timing",
            {"host_recovery": {"distribution": "uniform", "low": "1m", "high": "2m", "x": 1}},
        ),
        "ec2_timing.host_recovery.x: unknown field",
    ),
    "ec2_timing missing key": (
        lambda d: d.__setitem__(
            "ec2_timing", {"host_recovery": {"distribution": "uniform", "low": "1m"}}
        ),
        "ec2_timing.host_recovery.high: required field is missing",
    ),
    "placement field": (
        service(placement_strategy=[{"type": "binpack", "field": "disk"}]),
        "services[0].placement_strategy: InvalidParameterException",
    ),
    "min healthy 300": (
        service(deployment={"minimum_healthy_percent": 300, "maximum_percent": 100}),
        "services[0].deployment.minimum_healthy_percent: expected an integer from 0 to 100",
    ),
    "max below min": (
        service(deployment={"minimum_healthy_percent": 100, "maximum_percent": 50}),
        "services[0].deployment.maximum_percent: expected at least minimum_healthy_percent",
    ),
    "probability 2": (
        event(at=60, action="deploy", service="web", start_failure_probability=2),
        "events[1].start_failure_probability: expected a number >= 0 and <= 1",
    ),
    "variant name unsafe": (
        lambda d: d.__setitem__("variants", {"../x": {"seed": 1}}),
        "variants.../x: expected 1 to 100",
    ),
    "seed too big": (lambda d: d.__setitem__("seed", 2**64), "seed: expected an integer"),
    "no services": (
        lambda d: [d.pop(k) for k in ("services", "traffic", "events")],
        None,  # valid: a cluster with no services runs
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_refused_at_load_time_with_the_field_path(name):
    change, expected = CASES[name]
    text = mutated(change)
    if expected is None:
        parse_scenario(text, source="s.yaml")
        return
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, source="s.yaml")
    lines = info.value.problems
    assert any(expected in line for line in lines), lines
    assert all(line.startswith("s.yaml: ") and "\n" not in line for line in lines)


YAML_CASES = {
    "duplicate key": ("name: a\nname: b\nduration: 1h\n", "s.yaml:2:1: ", "duplicate key 'name'"),
    "on key": ("name: a\nduration: 1h\non: 1\n", "s.yaml:3:1: ", "read as a boolean"),
    "yes key": ("name: a\nduration: 1h\nyes: 1\n", "s.yaml:3:1: ", "read as a boolean"),
    "deep": ("a: " + "[" * 1000 + "]" * 1000 + "\n", "s.yaml:1:", "nested deeper than 64"),
    "bomb": (
        "a: &a [x,x,x,x,x,x,x,x,x,x]\n"
        + "".join(
            f"{k}: &{k} [{', '.join(['*' + p] * 10)}]\n"
            for p, k in zip("abcdefgh", "bcdefghi", strict=True)
        )
        + "name: q\nduration: 1h\n",
        "s.yaml:",
        "once aliases are expanded",
    ),
}


@pytest.mark.parametrize("name", sorted(YAML_CASES))
def test_yaml_surprises_and_bombs_are_refused_with_the_line(name):
    text, where, expected = YAML_CASES[name]
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, source="s.yaml")
    (line,) = info.value.problems
    assert line.startswith(where) and expected in line, line


def test_base60_times_are_strings_and_refused_as_durations():
    text = mutated(traffic({"pattern": "diurnal", "min_rps": 1, "peak_rps": 9}))
    text = text.replace("pattern: diurnal", "pattern: diurnal\n  peak_at: 14:00")
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, source="s.yaml")
    assert any("peak_at: expected a duration" in p and "'14:00'" in p for p in info.value.problems)


def test_quoted_on_is_a_key_and_a_bare_on_value_still_reads():
    text = mutated(lambda d: None) + "'on': 1\n"
    with pytest.raises(ScenarioError, match="on: unknown field"):
        parse_scenario(text, source="s.yaml")


@pytest.mark.parametrize("path", ["/dev/zero", "/dev/urandom", "/dev/null", "/"])
def test_non_regular_files_are_refused_without_reading(path):
    if not Path(path).exists():
        pytest.skip(f"no {path}")
    with pytest.raises(ScenarioError, match="not a regular file"):
        load_scenario(path)


def test_a_fifo_is_refused_without_hanging(tmp_path):
    import os

    fifo = tmp_path / "s.yaml"
    os.mkfifo(fifo)
    with pytest.raises(ScenarioError, match="not a regular file"):
        load_scenario(fifo)


def test_files_over_the_size_limit_are_refused(tmp_path):
    big = tmp_path / "s.yaml"
    big.write_text("# " + "x" * (1 << 20) + "\n")
    with pytest.raises(ScenarioError, match="may have at most 1,048,576"):
        load_scenario(big)


def test_a_shorter_duration_drops_later_events_and_names_the_file(tmp_path):
    path = ROOT / "scenarios" / "quickstart.yaml"
    s = load_scenario(path, overrides={"duration": 3600.0})
    assert s.duration == 3600.0 and s.events == []


def test_the_load_time_task_definition_is_the_one_the_run_registers():
    from simulator.scenario.build import Simulation

    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        s = load_scenario(path)
        for svc in s.services:
            assert task_definition_doc(svc) == Simulation._task_definition(None, svc, 1)


def test_traces_stay_inside_the_scenarios_directory(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "t.csv").write_text("0,10\n60,20\n")
    (tmp_path / "secret.txt").write_text("aws_secret_access_key = AKIASECRET\n")
    scenario = tmp_path / "sub" / "s.yaml"
    for file, ok in (("t.csv", True), ("../secret.txt", False), (str(tmp_path / "x"), False)):
        scenario.write_text(mutated(traffic({"pattern": "trace", "file": file})))
        if ok:
            load_scenario(scenario)
            continue
        with pytest.raises(ScenarioError, match="outside the scenario's directory") as info:
            load_scenario(scenario)
        assert "AKIA" not in str(info.value)


def test_a_file_that_is_not_a_trace_is_never_quoted(tmp_path):
    (tmp_path / "secret.txt").write_text("[default]\naws_secret_access_key = AKIASECRET,x,y\n")
    scenario = tmp_path / "s.yaml"
    scenario.write_text(mutated(traffic({"pattern": "trace", "file": "secret.txt"})))
    with pytest.raises(ScenarioError) as info:
        load_scenario(scenario)
    (line,) = info.value.problems
    assert "secret.txt:2:3: expected 2 columns" in line
    assert "AKIA" not in line and "aws_secret" not in line
    outside = tmp_path / "sub"
    outside.mkdir()
    scenario = outside / "s.yaml"
    scenario.write_text(mutated(traffic({"pattern": "trace", "file": "../secret.txt"})))
    with pytest.raises(ScenarioError) as info:
        load_scenario(scenario, traces_anywhere=True)
    assert "expected 2 columns" in str(info.value) and "AKIA" not in str(info.value)
