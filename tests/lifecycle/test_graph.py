"""Transition tables drawn as graphs."""

import networkx as nx

from simulator.lifecycle import (
    HOST_TRANSITIONS,
    INSTANCE_TRANSITIONS,
    HostState,
    InstanceState,
    host_graph,
    instance_graph,
)
from simulator.lifecycle.graph import START_NODE


def test_instance_graph_has_every_state_and_transition():
    g = instance_graph()
    assert set(g.nodes) == {s.value for s in InstanceState} | {START_NODE}
    n_actions = sum(len(d["actions"]) for _, _, d in g.edges(data=True))
    assert n_actions == len(INSTANCE_TRANSITIONS) + 1  # + run-instances
    assert g.edges["running", "stopping"]["label"] == "stop, hibernate"
    assert g.edges[START_NODE, "pending"]["label"] == "run-instances"
    assert g.nodes["terminated"]["final"] and not g.nodes["stopped"]["final"]


def test_every_instance_state_is_reachable_and_terminated_is_reachable_from_all():
    g = instance_graph()
    assert nx.descendants(g, START_NODE) == {s.value for s in InstanceState}
    for s in InstanceState:
        if s is not InstanceState.TERMINATED:
            assert nx.has_path(g, s.value, "terminated"), s


def test_host_graph():
    g = host_graph()
    assert set(g.nodes) == {s.value for s in HostState} | {START_NODE}
    n_actions = sum(len(d["actions"]) for _, _, d in g.edges(data=True))
    assert n_actions == len(HOST_TRANSITIONS) + 2
    assert sorted(g.edges["pending", "available"]["actions"]) == [
        "modify-complete",
        "recovery-complete",
        "scrub-complete",
    ]
    assert g.nodes["released"]["final"] and g.nodes["released-permanent-failure"]["final"]
    assert nx.descendants(g, START_NODE) == {s.value for s in HostState}
