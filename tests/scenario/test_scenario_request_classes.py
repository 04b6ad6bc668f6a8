"""Request classes in scenario traffic, routed by the listener's rules in both fidelities."""

from pathlib import Path

import pytest

from simulator.cloudwatch.elb_metrics import NAMESPACE, dimension
from simulator.core.errors import ScenarioError
from simulator.experiment.run import run
from simulator.scenario import load_scenario, parse_scenario
from simulator.scenario.build import Simulation

BUNDLED = Path(__file__).parents[2] / "scenarios" / "path-rules.yaml"
SHARES = {"api": 0.30, "web": 0.55, "fixed_200": 0.10, "fixed_403": 0.05}


def _lb_sum(sim: Simulation, metric: str) -> float:
    lb = dimension(sim.load_balancers.load_balancers["shop"], "LoadBalancer")
    points = sim.metric_store.statistics(
        NAMESPACE, metric, {"LoadBalancer": lb}, 0, sim.scenario.duration, 60, ["Sum"]
    )
    return sum(p.values["Sum"] for p in points)


def _group_requests(result) -> dict[str, float]:
    m = result.metrics
    rows = m[(m.metric == "RequestCount") & m.target_group.notna()]
    return rows.groupby("target_group", observed=True)["value"].sum().to_dict()


def _run(text_or_path, fidelity: str | None = None, rps: float | None = None):
    scenario = load_scenario(text_or_path) if isinstance(text_or_path, Path) else text_or_path
    update: dict = {}
    if fidelity is not None:
        update["fidelity"] = fidelity
    if rps is not None:
        update["traffic"] = [t.model_copy(update={"rps": rps}) for t in scenario.traffic]
        update["duration"] = 1200.0
    if update:
        scenario = scenario.model_copy(update=update)
    sim = Simulation(scenario)
    sim.start()
    sim.world.run(scenario.duration)
    sim.flush()
    return sim


def test_path_rule_sends_the_api_class_to_the_second_group_flow():
    sim = _run(BUNDLED)
    m = sim.world.metrics.to_frame()
    rows = m[(m.metric == "RequestCount") & m.target_group.notna()]
    requests = rows.groupby("target_group", observed=True)["value"].sum()
    offered = 500 * 3600
    assert requests["api"] / offered == pytest.approx(SHARES["api"], rel=1e-9)
    assert requests["web"] / offered == pytest.approx(SHARES["web"], rel=1e-9)
    # the fixed responses: counted per load balancer, as ALBs count them
    fixed = _lb_sum(sim, "HTTP_Fixed_Response_Count")
    assert fixed / offered == pytest.approx(SHARES["fixed_200"] + SHARES["fixed_403"], rel=1e-9)
    assert _lb_sum(sim, "HTTPCode_ELB_4XX_Count") / offered == pytest.approx(0.05, rel=1e-9)
    assert _lb_sum(sim, "HTTPCode_ELB_5XX_Count") == 0
    # the api group's own alarm sees its share: 150 req/s x 60 s = 9000 < 12000
    assert str(sim.alarms.get("api-requests").state) == "OK"


def test_path_rule_sends_the_api_class_to_the_second_group_request_fidelity():
    sim = _run(BUNDLED, fidelity="request", rps=50.0)
    m = sim.world.metrics.to_frame()
    rows = m[(m.metric == "RequestCount") & m.target_group.notna()]
    requests = rows.groupby("target_group", observed=True)["value"].sum()
    offered = 50 * 1200  # 60,000 requests: a share's standard deviation is under 0.2 %
    assert requests["api"] / offered == pytest.approx(SHARES["api"], abs=0.01)
    assert requests["web"] / offered == pytest.approx(SHARES["web"], abs=0.01)
    assert _lb_sum(sim, "HTTPCode_ELB_4XX_Count") / offered == pytest.approx(0.05, rel=1e-9)


def test_the_bundled_scenario_runs_and_reports_both_groups():
    result = run(BUNDLED)
    requests = _group_requests(result)
    assert set(requests) == {"web", "api"}
    assert requests["api"] / requests["web"] == pytest.approx(0.30 / 0.55, rel=1e-9)


BASE = """\
name: t
duration: 30m
capacity: {instance_type: m6i.xlarge, count: 2}
load_balancers:
  - name: front
    listeners:
      - port: 80
        default_action: {forward: [{target_group: blue}]}
        rules:
          - priority: 5
            conditions: {method: [POST], query: {version: "2"}, source_ip: ["10.0.0.0/8"]}
            forward: [{target_group: green}]
    target_groups:
      - {name: blue}
      - {name: green}
services:
  - {name: a, cpu: 1024, memory: 2048, desired_count: 2, load_balancer: {target_group: blue}}
  - {name: b, cpu: 1024, memory: 2048, desired_count: 2, load_balancer: {target_group: green}}
traffic:
  - service: a
    pattern: constant
    rps: 100
    requests: REQUESTS
"""


def text(requests: str) -> str:
    return BASE.replace("REQUESTS", requests)


def test_method_query_and_source_ip_conditions_route_a_class():
    requests = (
        "[{share: 0.25, method: POST, query: {version: '2'}, source_ip: 10.1.2.3},"
        " {share: 0.25, method: POST, query: {version: '2'}, source_ip: 192.168.0.1},"
        " {share: 0.5, method: GET, query: {version: '2'}, source_ip: 10.1.2.3}]"
    )
    sim = _run(parse_scenario(text(requests)))
    m = sim.world.metrics.to_frame()
    rows = m[(m.metric == "RequestCount") & m.target_group.notna()]
    requests_by = rows.groupby("target_group", observed=True)["value"].sum()
    # only the first class matches all three conditions of the rule
    assert requests_by["green"] / (requests_by["blue"] + requests_by["green"]) == pytest.approx(
        0.25, rel=1e-9
    )


def test_without_requests_traffic_is_one_class_that_follows_the_default_action():
    sim = _run(parse_scenario(text("[]")))
    m = sim.world.metrics.to_frame()
    rows = m[(m.metric == "RequestCount") & m.target_group.notna()]
    requests_by = rows.groupby("target_group", observed=True)["value"].sum().to_dict()
    assert requests_by.get("green", 0.0) == 0.0
    assert requests_by["blue"] == pytest.approx(100 * 1800, rel=1e-9)


def problems(t: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(t, source="s.yaml")
    return info.value.problems


AT = "traffic[0].requests"


@pytest.mark.parametrize(
    "requests, expected",
    [
        ("[{share: 0.5}, {share: 0.4}]", f"{AT}: expected shares that add up to 1, got 0.9"),
        ("[{share: 1, source_ip: 10.0.0.300}]", f"{AT}[0].source_ip: expected an IPv4 or IPv6"),
        ("[{share: 1.0, method: get}]", f"{AT}[0].method: expected an HTTP method"),
        ("[{share: 1.0, path: api}]", f"{AT}[0].path: expected a path starting with '/'"),
        ("[{share: 0}]", f"{AT}[0].share"),
        ("[{share: 1.0, cookie: x}]", f"{AT}[0].cookie"),
    ],
)
def test_bad_request_classes_name_file_field_and_expectation(requests, expected):
    found = problems(text(requests))
    assert any(expected in p and p.startswith("s.yaml: ") for p in found), found


def test_two_traffic_entries_at_one_listener_cannot_both_have_classes():
    t = text("[{share: 1.0}]") + "  - {service: b, pattern: constant, rps: 10}\n"
    found = problems(t)
    assert any(
        "traffic[0].requests: request classes need the only traffic entering listener front:80" in p
        for p in found
    ), found
