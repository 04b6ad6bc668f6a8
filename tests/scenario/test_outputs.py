"""outputs: which metrics a run keeps, and whether it keeps its trace; same summary."""

import pytest

from simulator.core.errors import ScenarioError
from simulator.experiment import run
from simulator.scenario import validate_scenario
from simulator.scenario.outputs import SUMMARY_METRICS, known_metrics


def scenario(**outputs):
    return {
        "name": "outputs",
        "duration": "3h",
        "tick": "1m",
        "capacity": {"instance_type": "m6i.xlarge", "count": 4},
        "services": [{"name": "web", "cpu": 1024, "memory": 2048, "desired_count": 4}],
        "traffic": [{"service": "web", "pattern": "constant", "rps": 300}],
        "events": [{"at": "1h", "action": "deploy", "service": "web"}],
        "outputs": {"plots": False, **outputs},
    }


def without_events(summary):
    return {k: v for k, v in summary.items() if k != "events"}


def test_kept_metrics_are_the_summarys_and_those_named_and_the_summary_is_the_same():
    full = run(validate_scenario(scenario(), source="t"))
    kept = run(validate_scenario(scenario(metrics=["OOMKills"]), source="t"))
    names = set(kept.metrics["metric"].astype(str))
    assert names == (SUMMARY_METRICS | {"OOMKills"}) & set(known_metrics())
    assert len(kept.metrics) < len(full.metrics)
    assert kept.summary == full.summary


def test_without_the_trace_no_events_are_kept_and_the_summary_is_the_same():
    full = run(validate_scenario(scenario(), source="t"))
    quiet = run(validate_scenario(scenario(trace=False), source="t"))
    assert len(full.events) > 0 and len(quiet.events) == 0
    assert without_events(quiet.summary) == without_events(full.summary)


def test_an_unknown_metric_is_refused_with_its_field_path():
    with pytest.raises(ScenarioError, match=r"outputs\.metrics\[1\].*unknown metric 'Latency'"):
        validate_scenario(scenario(metrics=["OOMKills", "Latency"]), source="t")
