"""The deployment machines as networkx graphs, for ``ecsim states`` (drawn from the same
tables the machines enforce)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import cast

import networkx as nx

from simulator.deploy import codedeploy, ecs_native
from simulator.lifecycle.graph import transition_graph

Table = Mapping[tuple[Enum, Enum], Enum]


def codedeploy_graph() -> nx.DiGraph:
    """A CodeDeploy ECS blue/green deployment (CreateDeployment creates it Created)."""
    return transition_graph(
        cast(Table, codedeploy.TRANSITIONS), {"create-deployment": codedeploy.INITIAL_STEP}
    )


def ecs_deployment_graph() -> nx.DiGraph:
    """An ECS service deployment under BLUE_GREEN, LINEAR or CANARY."""
    return transition_graph(
        cast(Table, ecs_native.TRANSITIONS), {"update-service": ecs_native.INITIAL_STEP}
    )


MACHINES = {"codedeploy": codedeploy_graph, "ecs-deployment": ecs_deployment_graph}
TITLES = {
    "codedeploy": "CodeDeploy ECS blue/green deployment",
    "ecs-deployment": "Amazon ECS service deployment (BLUE_GREEN, LINEAR, CANARY)",
}
