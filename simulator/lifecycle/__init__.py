"""EC2 instance and Dedicated Host lifecycles: pure state machines, the fleet that ties
instances to hosts, and billing meters. No simpy here: the DES drives these objects."""

from simulator.lifecycle import codes
from simulator.lifecycle.billing import Bill, fleet_bills, host_bill, instance_bill, total_cost
from simulator.lifecycle.fleet import (
    Changes,
    Fleet,
    HostStateChange,
    InstanceStateChange,
    UnsuccessfulItem,
)
from simulator.lifecycle.graph import host_graph, instance_graph, transition_graph
from simulator.lifecycle.host import TRANSITIONS as HOST_TRANSITIONS
from simulator.lifecycle.host import Host, HostAction, HostState
from simulator.lifecycle.instance import ACTIVE_STATES, STATE_CODES, Action, Instance, InstanceState
from simulator.lifecycle.instance import TRANSITIONS as INSTANCE_TRANSITIONS

__all__ = [
    "ACTIVE_STATES",
    "HOST_TRANSITIONS",
    "INSTANCE_TRANSITIONS",
    "STATE_CODES",
    "Action",
    "Bill",
    "Changes",
    "Fleet",
    "Host",
    "HostAction",
    "HostState",
    "HostStateChange",
    "Instance",
    "InstanceState",
    "InstanceStateChange",
    "UnsuccessfulItem",
    "codes",
    "fleet_bills",
    "host_bill",
    "host_graph",
    "instance_bill",
    "instance_graph",
    "total_cost",
    "transition_graph",
]
