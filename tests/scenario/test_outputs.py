"""outputs: which metrics a run keeps, and whether it keeps its trace; same summary."""

import numpy as np
import pytest

from simulator.core.errors import ScenarioError
from simulator.experiment import run
from simulator.scenario import validate_scenario
from simulator.scenario.outputs import SUMMARY_METRICS, TASK_EVENT_KINDS, known_metrics


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


def by_service(result, metric):
    m = result.metrics
    return m[(m["metric"] == metric) & (m["service"] == "web")].set_index("time")["value"]


def test_a_metrics_period_keeps_one_point_a_period_with_each_metrics_statistic():
    full = run(validate_scenario(scenario(), source="t"))
    coarse = run(validate_scenario(scenario(metrics_period="5m"), source="t"))
    assert len(coarse.metrics) * 5 == pytest.approx(len(full.metrics), rel=0.01)
    assert set(coarse.metrics["time"]) == {300.0 * k for k in range(36)}
    for metric in ("RequestCount", "HTTPCode_Target_2XX_Count", "HTTPCode_ELB_503_Count"):
        assert by_service(coarse, metric).sum() == pytest.approx(by_service(full, metric).sum())
    p99 = by_service(full, "TargetResponseTime.p99")
    assert by_service(coarse, "TargetResponseTime.p99").max() == pytest.approx(p99.max())
    running = by_service(full, "RunningTaskCount")
    first = running[running.index < 300.0]
    assert by_service(coarse, "RunningTaskCount")[0.0] == pytest.approx(first.mean())
    f, c = full.summary, coarse.summary
    assert c["metrics_period_s"] == 300.0 and "metrics_period_s" not in f
    web_f, web_c = f["services"]["web"], c["services"]["web"]
    for key in ("requests", "failed_requests", "mean_latency_ms", "p99_latency_ms_max"):
        assert web_c[key] == pytest.approx(web_f[key], rel=1e-9)
    assert c["cost_usd"] == f["cost_usd"]


def test_float32_metrics_are_the_float64_ones_rounded():
    full = run(validate_scenario(scenario(), source="t"))
    narrow = run(validate_scenario(scenario(metrics_dtype="float32"), source="t"))
    a, b = full.metrics["value"].to_numpy(), narrow.metrics["value"].to_numpy()
    np.testing.assert_array_equal(b, a.astype(np.float32).astype(np.float64))


def test_service_detail_leaves_out_the_per_task_events_and_counts_them():
    full = run(validate_scenario(scenario(), source="t"))
    lean = run(validate_scenario(scenario(detail="service"), source="t"))
    kinds = set(full.events["kind"])
    assert TASK_EVENT_KINDS & kinds
    assert not TASK_EVENT_KINDS & set(lean.events["kind"])
    kept = full.events[~full.events["kind"].isin(TASK_EVENT_KINDS)]
    assert kept.reset_index(drop=True).equals(lean.events.reset_index(drop=True))
    assert without_events(lean.summary) == without_events(full.summary)


@pytest.mark.parametrize(
    "outputs, match",
    [
        ({"metrics_period": "90s"}, r"outputs\.metrics_period.*multiple of the tick \(60s\)"),
        ({"metrics_period": "30s"}, r"outputs\.metrics_period.*multiple of the tick"),
        ({"metrics_period": "-5m"}, r"outputs\.metrics_period"),
        ({"detail": "container"}, r"outputs\.detail"),
        ({"metrics_dtype": "float16"}, r"outputs\.metrics_dtype"),
    ],
)
def test_bad_outputs_are_refused_with_their_field_path(outputs, match):
    with pytest.raises(ScenarioError, match=match):
        validate_scenario(scenario(**outputs), source="t")
