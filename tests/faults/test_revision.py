"""Bad versions: the fault facts, the tick and request arithmetic, and a faulty revision's
errors and latency seen in a run's metrics in both fidelities."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.experiment import run
from simulator.faults.revision import FaultError, RevisionFault, RevisionFaults
from simulator.scenario.loader import parse_scenario


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _book(revisions: dict[str, str]) -> tuple[RevisionFaults, Clock]:
    clock = Clock()
    return RevisionFaults(clock, lambda _c, target: revisions.get(target)), clock


@pytest.mark.parametrize(
    ("fields", "word"),
    [
        ({"error_probability": 1.5}, "error_probability"),
        ({"latency_multiplier": 0}, "latency_multiplier"),
        ({"cpu_cost_factor": -1}, "cpu_cost_factor"),
        ({"memory_leak_mib_per_hour": -3}, "memory_leak_mib_per_hour"),
        ({"start_failure_probability": 2}, "start_failure_probability"),
        ({"onset": "later"}, "onset"),
        ({"error_rate": 0.1}, "unknown fault field"),
        ({"error_probability": float("nan")}, "error_probability"),
    ],
)
def test_bad_fields_are_refused_naming_the_field(fields, word):
    with pytest.raises(FaultError, match=word):
        RevisionFault.from_fields(fields)


def test_half_the_targets_bad_for_half_a_tick_gives_an_eighth_of_errors():
    book, clock = _book({"a": "td:1", "b": "td:2"})
    book.inject("td:2", RevisionFault(error_probability=0.5, latency_multiplier=3.0, onset=30.0))
    book.task_running("g", "a")
    book.task_running("g", "b")
    error, slow = book.tick_factors("g", np.array([0.0, 60.0]), np.array([60.0, 120.0]))
    # tick 0: b is bad for 30 of 60 s, half the target-seconds: 0.5 x 0.25
    assert error == pytest.approx([0.125, 0.25])
    assert slow == pytest.approx([1.0 + 2.0 * 0.25, 1.0 + 2.0 * 0.5])


def test_first_request_onset_waits_for_a_share_of_traffic():
    book, clock = _book({"g1": "td:2"})
    book.inject("td:2", RevisionFault(error_probability=1.0, onset="first_request"))
    book.set_share("green", 0.0)
    clock.now = 10.0
    book.task_running("green", "g1")
    assert math.isinf(book.onset_of("td:2"))
    clock.now = 100.0
    book.set_share("green", 0.1)
    assert book.onset_of("td:2") == 100.0


def test_cpu_cost_divides_capacity_and_leak_counts_from_onset():
    book, _ = _book({})
    book.inject("td:3", RevisionFault(cpu_cost_factor=2.0, memory_leak_mib_per_hour=60, onset=600))
    assert book.capacity_factor("td:3") == 0.5
    assert book.capacity_factor("td:other") == 1.0
    assert book.leak("td:3", started=0.0, now=600.0) == 0.0
    assert book.leak("td:3", started=0.0, now=1200.0) == pytest.approx(10.0)
    assert book.leak_rate("td:3", 1200.0) == pytest.approx(60 / 3600)


@given(
    p=st.floats(0.0, 1.0),
    onset=st.floats(0.0, 200.0),
    stop=st.floats(0.0, 300.0),
)
def test_error_share_is_a_probability_and_zero_before_onset(p, onset, stop):
    book, clock = _book({"a": "td:1", "b": "td:2"})
    book.inject("td:2", RevisionFault(error_probability=p, onset=onset))
    book.task_running("g", "a")
    book.task_running("g", "b")
    clock.now = stop
    book.task_stopping("g", "b")
    starts = np.arange(0.0, 300.0, 10.0)
    error, _ = book.tick_factors("g", starts, starts + 10.0)
    assert np.all((error >= 0) & (error <= p / 2 + 1e-12))
    assert np.all(error[starts + 10.0 <= onset] == 0)


def test_request_draws_only_for_faulty_targets_after_onset():
    book, _ = _book({"a": "td:1", "b": "td:2"})
    book.inject("td:2", RevisionFault(error_probability=1.0, latency_multiplier=2.0, onset=5.0))
    book.task_running("g", "a")
    book.task_running("g", "b")
    bad, slow = book.request_faults(
        "g", ["a", "b", "b", None], np.array([10.0, 1.0, 10.0, 10.0]), np.random.default_rng(0)
    )
    assert bad.tolist() == [False, False, True, False]
    assert slow.tolist() == [1.0, 1.0, 2.0, 1.0]


SCENARIO = """
name: bad-version
seed: 3
duration: 2h
tick: 1m
fidelity: {fidelity}
capacity: {{instance_type: m6i.xlarge, count: 4}}
services:
  - name: api
    cpu: 1024
    memory: 2048
    desired_count: 4
    workload: web-dynamic
traffic:
  - {{service: api, pattern: constant, rps: 40}}
events:
  - at: 30m
    action: deploy
    service: api
    fault: {{error_probability: 0.2, latency_multiplier: 3, onset: 0s}}
"""


def _metric(frame, name, label, value):
    rows = frame[(frame.metric == name) & (frame[label] == value)]
    return rows.set_index("time")["value"]


@pytest.mark.parametrize("fidelity", ["flow", "request"])
def test_a_faulty_revision_shows_its_error_share_and_latency(fidelity):
    sc = parse_scenario(SCENARIO.format(fidelity=fidelity))
    result = run(sc)
    m = result.metrics
    requests = _metric(m, "RequestCount", "target_group", "api")
    errors = _metric(m, "HTTPCode_Target_5XX_Count", "target_group", "api")
    p99 = _metric(m, "TargetResponseTime.p99", "service", "api")
    before = requests.index < 1800
    late = requests.index >= 5400  # the rolling deployment is over by then
    assert errors[before].sum() == 0
    share = errors[late].sum() / requests[late].sum()
    assert share == pytest.approx(0.2, abs=0.03 if fidelity == "request" else 1e-6)
    slow = p99[p99.index >= 5400].mean() / p99[p99.index < 1800].mean()
    assert slow == pytest.approx(3.0, rel=0.15)


def test_a_leak_without_a_memory_model_is_refused():
    text = SCENARIO.format(fidelity="flow").replace(
        "latency_multiplier: 3, onset: 0s", "memory_leak_mib_per_hour: 5"
    )
    with pytest.raises(Exception, match=r"events\[0\]\.fault\.memory_leak_mib_per_hour"):
        parse_scenario(text)


def test_a_bad_onset_names_the_field():
    text = SCENARIO.format(fidelity="flow").replace("onset: 0s", "onset: soon")
    with pytest.raises(Exception, match=r"onset"):
        parse_scenario(text)


def test_a_leaking_revision_is_oom_killed_after_the_deploy_only():
    text = (
        SCENARIO.format(fidelity="flow")
        .replace("duration: 2h", "duration: 6h")
        .replace(
            "workload: web-dynamic",
            "workload: web-dynamic\n    memory_model: {baseline_mib: 512}",
        )
        .replace(
            "error_probability: 0.2, latency_multiplier: 3, onset: 0s",
            "memory_leak_mib_per_hour: 1200",
        )
    )
    result = run(parse_scenario(text))
    kills = _metric(result.metrics, "OOMKills", "service", "api")
    assert kills[kills.index <= 1800].max() == 0
    # 1536 MiB of headroom at 1200 MiB/h: the first kills come about 77 min after start
    first = kills[kills > 0].index.min()
    assert 1800 + 70 * 60 <= first <= 1800 + 95 * 60
