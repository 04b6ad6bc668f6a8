"""The deployment machines drawn by ``ecsim states``; the layer imports no simpy."""

import subprocess
import sys

import networkx as nx

from simulator.deploy import codedeploy, ecs_native
from simulator.deploy.graphs import codedeploy_graph, ecs_deployment_graph
from simulator.lifecycle.graph import START_NODE
from simulator.report import diagrams


def test_codedeploy_graph_has_every_step_and_final_statuses():
    g = codedeploy_graph()
    assert set(g.nodes) == {s.value for s in codedeploy.Step} | {START_NODE}
    finals = {n for n, d in g.nodes(data=True) if d["final"]}
    assert finals == {"Succeeded", "Failed", "Stopped"}
    assert nx.descendants(g, START_NODE) == {s.value for s in codedeploy.Step}
    assert "await-ready" in g.edges["AfterAllowTestTraffic", "ReadyWait"]["label"]


def test_ecs_graph_reaches_every_step():
    g = ecs_deployment_graph()
    assert nx.descendants(g, START_NODE) == {s.value for s in ecs_native.Step}
    assert g.edges["PRODUCTION_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT"]["label"] == "shift"


def test_states_registry_renders_them():
    for name in ("codedeploy", "ecs-deployment"):
        assert name in diagrams.MACHINES and name in diagrams.TITLES
        assert diagrams.render(name, "mermaid").startswith("stateDiagram-v2")
        assert "digraph" in diagrams.render(name, "dot")


def test_deploy_imports_no_simpy():
    code = (
        "import sys, simulator.deploy.codedeploy, simulator.deploy.ecs_native, "
        "simulator.deploy.risk; sys.exit('simpy' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_ecsim_states_draws_the_deployment_machines(tmp_path):
    for machine in ("codedeploy", "ecs-deployment"):
        g = diagrams.graph(machine)
        proc = subprocess.run(
            [sys.executable, "-m", "simulator.cli", "states", machine, "--format", "dot"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.count("->") == g.number_of_edges()
    png = tmp_path / "cd.png"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "simulator.cli",
            "states",
            "codedeploy",
            "-f",
            "png",
            "--out",
            str(png),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert png.read_bytes()[:4] == b"\x89PNG"
