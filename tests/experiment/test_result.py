"""RunResult builds its long table from the run's store only when it is read."""

import pickle

import pytest

from simulator.core.metrics import MetricRecorder
from simulator.experiment import run
from simulator.experiment.replications import execute
from simulator.scenario.loader import load_scenario

QUICKSTART = "scenarios/quickstart.yaml"


def test_the_table_read_from_a_result_is_the_stores_table():
    result = run(QUICKSTART, duration="30m")
    again = run(QUICKSTART, duration="30m")
    table = result.metrics
    assert len(table) > 0
    assert table.equals(again.metrics)
    assert result.metrics is table  # built once, then kept


def test_a_replication_keeps_only_the_summary_and_never_builds_the_table(monkeypatch):
    def refuse(self):
        raise AssertionError("the long table was built")

    sc = load_scenario(QUICKSTART).model_copy(update={"duration": 1800.0})
    monkeypatch.setattr(MetricRecorder, "to_frame", refuse)
    record = execute({"key": "k", "scenario": sc.model_dump(mode="json"), "seed": 3})
    assert record["summary"]["services"]
    with pytest.raises(AssertionError, match="table was built"):
        _ = run(sc, seed=3).metrics


def test_a_pickled_result_gives_the_same_table():
    result = run(QUICKSTART, duration="30m")
    back = pickle.loads(pickle.dumps(result))
    assert back.metrics.equals(result.metrics)
    assert back.summary == result.summary
