"""State diagrams drawn from the lifecycle transition tables (via networkx).

The pictures are generated from the same tables the state machines enforce, so they
cannot drift from the code.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from pathlib import Path
from typing import cast

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402

from simulator.deploy import graphs as deploy_graphs  # noqa: E402
from simulator.ecs import task  # noqa: E402
from simulator.lifecycle.graph import (  # noqa: E402
    START_NODE,
    host_graph,
    instance_graph,
    transition_graph,
)


def task_graph() -> nx.DiGraph:
    """The ECS task lifecycle (RunTask and the service scheduler create PROVISIONING tasks)."""
    table = cast(Mapping[tuple[Enum, Enum], Enum], task.TRANSITIONS)  # Mapping keys are invariant
    return transition_graph(table, {"run-task": task.INITIAL_STATE})


MACHINES = {
    "instance": instance_graph,
    "host": host_graph,
    "task": task_graph,
    **deploy_graphs.MACHINES,
}
TITLES = {
    "instance": "EC2 instance lifecycle",
    "host": "EC2 Dedicated Host lifecycle",
    "task": "Amazon ECS task lifecycle",
    **deploy_graphs.TITLES,
}
FORMATS = ("png", "dot", "mermaid")


def graph(machine: str) -> nx.DiGraph:
    return MACHINES[machine]()


def to_dot(g: nx.DiGraph, name: str) -> str:
    lines = [f'digraph "{name}" {{', "  rankdir=LR;", "  node [shape=box, style=rounded];"]
    for node, data in g.nodes(data=True):
        if node == START_NODE:
            lines.append(f'  "{node}" [shape=point];')
        elif data.get("final"):
            lines.append(f'  "{node}" [peripheries=2];')
    for a, b, data in g.edges(data=True):
        lines.append(f'  "{a}" -> "{b}" [label="{data["label"]}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid_id(state: str) -> str:
    return state.replace("-", "_")


def to_mermaid(g: nx.DiGraph) -> str:
    lines = ["stateDiagram-v2"]
    for node in g.nodes:
        if node != START_NODE:
            lines.append(f'    state "{node}" as {_mermaid_id(node)}')
    for a, b, data in g.edges(data=True):
        src = "[*]" if a == START_NODE else _mermaid_id(a)
        lines.append(f"    {src} --> {_mermaid_id(b)}: {data['label']}")
    for node, data in g.nodes(data=True):
        if data.get("final") and node != START_NODE:
            lines.append(f"    {_mermaid_id(node)} --> [*]")
    return "\n".join(lines) + "\n"


def to_png(g: nx.DiGraph, path: Path, title: str) -> Path:
    fig, ax = plt.subplots(figsize=(11, 7))
    pos = nx.circular_layout(g)  # numpy only (kamada_kawai would need scipy)
    finals = [n for n, d in g.nodes(data=True) if d.get("final") and n != START_NODE]
    others = [n for n in g.nodes if n not in finals and n != START_NODE]
    nx.draw_networkx_nodes(g, pos, nodelist=others, node_color="#cfe3f7", node_size=2600, ax=ax)
    nx.draw_networkx_nodes(g, pos, nodelist=finals, node_color="#f3c7c7", node_size=2600, ax=ax)
    if START_NODE in g:
        nx.draw_networkx_nodes(g, pos, nodelist=[START_NODE], node_color="black", node_size=80)
    nx.draw_networkx_labels(g, pos, labels={n: n for n in g if n != START_NODE}, font_size=8, ax=ax)
    nx.draw_networkx_edges(
        g, pos, ax=ax, arrows=True, arrowsize=14, node_size=2600, connectionstyle="arc3,rad=0.12"
    )
    labels = {(a, b): d["label"] for a, b, d in g.edges(data=True)}
    nx.draw_networkx_edge_labels(g, pos, edge_labels=labels, font_size=6, ax=ax, label_pos=0.4)
    ax.set_title(title)
    ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def render(machine: str, fmt: str) -> str:
    """Text formats (dot, mermaid) as a string."""
    g = graph(machine)
    return to_dot(g, f"{machine}-lifecycle") if fmt == "dot" else to_mermaid(g)
