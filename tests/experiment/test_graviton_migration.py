"""The bundled scenario scenarios/graviton-migration.yaml, asserted."""

from pathlib import Path

import pytest

from simulator.catalog import instance_type
from simulator.ecs.container_instance import registered_memory_mib
from simulator.experiment import run_variants

SCENARIO = Path(__file__).parents[2] / "scenarios" / "graviton-migration.yaml"


@pytest.fixture(scope="module")
def summaries():
    return {name: r.summary for name, r in run_variants(SCENARIO).items()}


def test_every_variant_is_sized_to_hold_the_target_and_then_holds_it(summaries):
    assert set(summaries) == {"m6i", "m6g", "m7g", "c7g", "fargate-x86", "fargate-arm"}
    for name, s in summaries.items():
        z = s["sizing"]
        assert z["p99_at_peak_ms"] <= 50.0, name
        svc = s["services"]["api"]
        assert svc["running_tasks_min"] == z["tasks"], name
        # the simulated day meets the target the sizing promised, with no failures
        assert svc["p99_latency_ms_max"] <= 50.0 + 1e-6, name
        assert svc["failed_requests"] == 0, name


def test_graviton_needs_fewer_tasks_and_costs_less(summaries):
    tasks = {n: s["sizing"]["tasks"] for n, s in summaries.items()}
    assert tasks["m7g"] < tasks["m6g"] < tasks["m6i"]
    assert tasks["fargate-arm"] < tasks["fargate-x86"]
    rpd = {n: s["sizing"]["requests_per_dollar"] for n, s in summaries.items()}
    assert max(rpd, key=rpd.get) in {"c7g", "m7g"}
    assert rpd["m6g"] > rpd["m6i"] and rpd["fargate-arm"] > rpd["fargate-x86"]


def test_instances_and_monthly_cost_follow_from_the_tasks(summaries):
    for name in ("m6i", "m6g", "m7g", "c7g"):
        z = summaries[name]["sizing"]
        itype = instance_type(z["platform"])
        # 1 vCPU / 2048 MiB tasks: c7g.xlarge (8 GiB) registers 7985 MiB, 3 tasks' worth
        per_instance = min(itype.vcpu * 1024 // 1024, registered_memory_mib(itype) // 2048)
        assert z["instances"] == -(-z["tasks"] // per_instance)
        monthly = z["instances"] * itype.price_per_hour * 730
        assert z["monthly_cost_usd"] == pytest.approx(monthly, rel=1e-6)
