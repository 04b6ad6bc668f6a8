import pytest
import yaml

from simulator.core.errors import ScenarioError
from simulator.experiment.run import run
from simulator.scenario.loader import parse_scenario, validate_scenario

EC2 = """
name: tf
seed: 3
duration: 2h
capacity: {instance_type: m5.large, count: 2}
test_fleet:
  tests: 16
  duration: 100s
  batches: 8
  strategy: round_robin
  cpu: 1024
  memory: 1024
"""


def fleet(text: str, **changes) -> dict:
    data = yaml.safe_load(text)
    data["test_fleet"].update(changes)
    return run(validate_scenario(data)).summary["test_fleet"]


def test_batches_wait_for_room_on_a_full_cluster():
    s = fleet(EC2)
    # two m5.large hold four 1-vCPU batches: four run, four wait for one to stop
    assert s["finished"] and s["batch_outcomes"] == {"passed": 8}
    assert s["batches_waited_for_capacity"] == 4
    assert s["capacity_wait_max_s"] >= 200  # a whole batch of 2 x 100 s
    assert s["makespan_s"] >= 2 * s["planned_makespan_s"]
    assert s["test_s_done"] == pytest.approx(1600)
    assert s["test_s_saved_by_fast_fail"] == 0
    assert 0 < s["utilization"] <= 0.5 + 1e-9  # half the batches idle in the queue
    assert s["ec2_cost_usd"] > 0 and s["fargate_cost_usd"] == 0


def test_fast_fail_stops_the_other_batches():
    s = fleet(EC2, batches=6, failure_probability=1.0)
    # every first test fails; the earliest failure stops the running batches, drops the queued
    assert s["time_to_first_failure_s"] is not None
    assert s["batch_outcomes"]["not_run"] == 2
    assert s["batch_outcomes"]["failed"] >= 1
    assert s["test_s_done"] + s["test_s_saved_by_fast_fail"] == pytest.approx(1600)
    assert s["test_s_saved_by_fast_fail"] > 1600 / 2
    assert s["makespan_s"] == pytest.approx(s["time_to_first_failure_s"])
    slow = fleet(EC2, batches=6, failure_probability=1.0, fast_fail=False)
    assert slow["test_s_saved_by_fast_fail"] == 0 and slow["failed_tests"] == 16
    assert slow["makespan_s"] > s["makespan_s"]


def test_fargate_batches_are_billed_as_fargate_tasks():
    data = yaml.safe_load(EC2)
    data["capacity_providers"] = [{"name": "FARGATE"}]
    data["test_fleet"]["capacity_provider_strategy"] = [{"capacity_provider": "FARGATE"}]
    data["test_fleet"]["memory"] = 2048
    s = run(validate_scenario(data)).summary["test_fleet"]
    assert s["finished"] and s["batches_waited_for_capacity"] == 0
    assert s["fargate_cost_usd"] > 0


def test_same_seed_same_fleet():
    a = fleet(EC2, duration={"distribution": "exponential", "mean": "60s"})
    b = fleet(EC2, duration={"distribution": "exponential", "mean": "60s"})
    assert a == b


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"duration": None}, "test_fleet: expected tests and duration"),
        ({"duration": {"distribution": "normal"}}, "test_fleet.duration: expected distribution"),
        ({"strategy": "given", "given": [[0]]}, "test_fleet.given: strategy given: expected 8"),
        ({"given": [[0]]}, "test_fleet.given: expected none with strategy round_robin"),
        (
            {"capacity_provider_strategy": [{"capacity_provider": "FARGATE"}]},
            r"capacity_provider_strategy\[0\].capacity_provider: no capacity provider named",
        ),
        ({"duration": {"distribution": "uniform"}}, "test_fleet.duration: expected a duration"),
        ({"batches": 0}, "test_fleet.batches"),
        ({"failure_probability": 2}, "test_fleet.failure_probability"),
        ({"durations_csv": "missing.csv", "tests": None, "duration": None}, "cannot read"),
    ],
)
def test_bad_test_fleet_is_a_clear_error(changes, message):
    data = yaml.safe_load(EC2)
    data["test_fleet"].update(changes)
    with pytest.raises(ScenarioError, match=message):
        validate_scenario(data, "tf.yaml")


def test_durations_csv_beside_the_scenario(tmp_path):
    (tmp_path / "d.csv").write_text("test,duration_s\n" + "".join(f"t{i},30\n" for i in range(6)))
    text = EC2.replace("  tests: 16\n  duration: 100s\n", "  durations_csv: d.csv\n")
    (tmp_path / "tf.yaml").write_text(text)
    from simulator.scenario.loader import load_scenario

    s = run(load_scenario(tmp_path / "tf.yaml")).summary["test_fleet"]
    assert s["tests"] == 6 and s["test_s_done"] == pytest.approx(180)


def test_the_example_scenario():
    s = run("scenarios/test-fleet.yaml").summary
    tf = s["test_fleet"]
    assert tf["finished"] and tf["tests"] == 2000
    # seed 7 draws a failing test: fast-fail stops the fleet there
    assert tf["time_to_first_failure_s"] is not None
    assert tf["makespan_s"] == pytest.approx(tf["time_to_first_failure_s"])
    assert tf["test_s_saved_by_fast_fail"] > 0
    assert tf["batch_outcomes"]["failed"] >= 1
    # managed scaling launched the instances the batches waited for
    assert tf["batches_waited_for_capacity"] > 0
    assert s["capacity_providers"]["tests-asg"]["scale_outs"] >= 1
    assert tf["cost_usd"] > 0
    with open("scenarios/test-fleet.yaml") as f:
        assert parse_scenario(f.read()).test_fleet.batches == 40


def test_variants_of_a_fleet_without_services_write_their_comparison(tmp_path):
    from simulator.experiment.run import run_variants
    from simulator.report.writer import write_variants_report

    data = yaml.safe_load(EC2)
    data["variants"] = {"four": {"test_fleet.batches": 4}, "eight": {"test_fleet.batches": 8}}
    results = run_variants(validate_scenario(data))
    write_variants_report(results, tmp_path / "out")
    assert (tmp_path / "out" / "variants.png").exists()
    assert (tmp_path / "out" / "report.md").exists()
    makespans = [r.summary["test_fleet"]["makespan_s"] for r in results.values()]
    assert makespans[0] != makespans[1]
