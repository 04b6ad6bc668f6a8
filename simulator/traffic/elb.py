"""Application Load Balancers as ELBv2 models them: listeners forwarding to up to five
weighted target groups, listener rules, targets with health checks, deregistration delay,
slow start. Pure: the timed driver (``simulator.traffic.elb_health``) or the simulation
calls ``record_check``/``health_check`` and ``complete_deregistration`` at their times.

This module gathers the public names; they live in small modules beside it:

- ``target_health``: states, reason codes, descriptions, the transition table;
- ``elb_targets``: HealthCheck, Target, TargetGroup, per_target, choose_target;
- ``elb_attributes``: target group and load balancer attributes;
- ``elb_actions``: forward (weighted) and fixed-response actions, RouteSplit, Routed;
- ``elb_rules``: Request, Condition, Rule and ELBv2's matching;
- ``elb_listener``: Listener (default action, rules, split, choose);
- ``load_balancer``: LoadBalancer and the account's registry, LoadBalancers.

Routing rules modelled (ELBv2 User Guide): a listener's matching rule (or default action)
forwards to weighted target groups (0-999); within a group, requests go to healthy targets
(round robin, least outstanding requests or weighted random); when no target of a group is
healthy and some are unhealthy, the group fails open to those; a weighted group with no
routable target answers 503. A draining target receives no new requests; its in-flight
ones finish within the deregistration delay (default 300 s).
"""

from __future__ import annotations

from simulator.traffic.elb_actions import (
    MAX_TARGET_GROUPS_PER_ACTION,
    MAX_WEIGHT,
    Action,
    FixedResponseAction,
    ForwardAction,
    Routed,
    RouteSplit,
    Stickiness,
)
from simulator.traffic.elb_listener import Listener
from simulator.traffic.elb_rules import Condition, QueryPair, Request, Rule
from simulator.traffic.elb_targets import (
    INVALID_TARGET,
    HealthCheck,
    Target,
    TargetChange,
    TargetGroup,
    choose_target,
    per_target,
)
from simulator.traffic.target_health import ProbeResult, Reason, TargetHealthState

VALIDATION_ERROR = "ValidationError"
TARGET_GROUP_NOT_FOUND = "TargetGroupNotFound"

__all__ = [
    "INVALID_TARGET",
    "MAX_TARGET_GROUPS_PER_ACTION",
    "MAX_WEIGHT",
    "TARGET_GROUP_NOT_FOUND",
    "VALIDATION_ERROR",
    "Action",
    "Condition",
    "FixedResponseAction",
    "ForwardAction",
    "HealthCheck",
    "Listener",
    "ProbeResult",
    "QueryPair",
    "Reason",
    "Request",
    "RouteSplit",
    "Routed",
    "Rule",
    "Stickiness",
    "Target",
    "TargetChange",
    "TargetGroup",
    "TargetHealthState",
    "choose_target",
    "per_target",
]
