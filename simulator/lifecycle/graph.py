"""Transition tables as networkx graphs, for drawing (``ecsim states``) and analysis.

Nodes are states (their AWS spelling); one edge per (from, to) pair whose ``actions``
attribute lists every action that takes it and whose ``label`` joins them. A ``start``
node, when given, marks how a resource is created.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import TypeVar

import networkx as nx

from simulator.lifecycle import host, instance

START_NODE = "(start)"

# Mapping is invariant in its key, so the table is generic over its state and action enums.
S = TypeVar("S", bound=Enum)
A = TypeVar("A", bound=Enum)


def transition_graph(
    table: Mapping[tuple[S, A], S],
    initial: Mapping[str, S] | None = None,
) -> nx.DiGraph:
    """A DiGraph of ``table``; ``initial`` maps a creating action's label to its state."""
    g = nx.DiGraph()
    for (src, action), dst in table.items():
        g.add_node(str(src.value), final=False)
        g.add_node(str(dst.value), final=False)
        a, b = str(src.value), str(dst.value)
        if g.has_edge(a, b):
            g.edges[a, b]["actions"].append(str(action.value))
        else:
            g.add_edge(a, b, actions=[str(action.value)])
    for label, state in (initial or {}).items():
        g.add_node(START_NODE, final=False)
        g.add_edge(START_NODE, str(state.value), actions=[label])
    for _, _, data in g.edges(data=True):
        data["label"] = ", ".join(data["actions"])
    for node in g.nodes:
        g.nodes[node]["final"] = all(v == node for v in g.successors(node))
    return g


def instance_graph() -> nx.DiGraph:
    """The EC2 instance lifecycle (RunInstances creates instances in pending)."""
    return transition_graph(instance.TRANSITIONS, {"run-instances": instance.INITIAL_STATE})


def host_graph() -> nx.DiGraph:
    """The Dedicated Host lifecycle (allocated available; a recovery replacement pending)."""
    return transition_graph(
        host.TRANSITIONS,
        {
            "allocate-hosts": host.INITIAL_STATE,
            "allocate-replacement": host.REPLACEMENT_INITIAL_STATE,
        },
    )
