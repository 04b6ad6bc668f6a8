"""The bundled scenario scenarios/dotnet-graviton.yaml (the seed's .NET on Graviton post)."""

import json
from pathlib import Path

import pytest

from simulator.catalog import instance_type
from simulator.ecs.container_instance import registered_memory_mib
from simulator.experiment import run

SCENARIO = Path(__file__).parents[2] / "scenarios" / "dotnet-graviton.yaml"


@pytest.fixture(scope="module")
def result():
    return run(SCENARIO)


def service_events(result) -> list[tuple[float, str]]:
    ev = result.events[result.events["kind"] == "ecs.service_event"]
    return [(t, json.loads(d)["message"]) for t, d in zip(ev["time"], ev["details"], strict=True)]


def test_two_8gib_tasks_run_on_one_c6g_4xlarge(result):
    s = result.summary
    assert s["instance_type"] == "c6g.4xlarge" and s["arch"] == "arm64"
    running = result.series("RunningTaskCount", service="dotnet-web")
    assert running.loc[: 3600 - 1].eq(2).all()
    # memory, not CPU, binds: 2 x 8192 of the 31940 - 1024 MiB registered (what the OS
    # reports less ECS_RESERVED_MEMORY), 2 x 1024 of 16384 units
    mem = result.series("MemoryReservation").loc[0]
    cpu = result.series("CPUReservation").loc[0]
    registered = registered_memory_mib(instance_type("c6g.4xlarge"), 1024)
    assert registered == 31940 - 1024
    assert mem == pytest.approx(2 * 8192 / registered * 100)
    assert cpu == pytest.approx(2 * 1024 / 16384 * 100)


def test_the_rolling_deployment_replaces_one_task_at_a_time(result):
    deploy = [(t, m) for t, m in service_events(result) if 3600 <= t < 3 * 3600]
    started = [m for _, m in deploy if "has started" in m]
    assert started and all("has started 1 tasks" in m for m in started)
    assert any("insufficient memory available" in m for _, m in deploy)
    assert any("deployment completed" in m for _, m in deploy)
    running = result.series("RunningTaskCount", service="dotnet-web")
    assert running.loc[3600 : 3 * 3600 - 1].between(2, 3).all()  # never below desired


def test_asking_for_four_leaves_one_unplaced(result):
    running = result.series("RunningTaskCount", service="dotnet-web")
    assert running.loc[4 * 3600 :].eq(3).all()
    assert result.summary["services"]["dotnet-web"]["tasks_short_max"] >= 1
    assert result.summary["services"]["dotnet-web"]["failed_requests"] == 0
