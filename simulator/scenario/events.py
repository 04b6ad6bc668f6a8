"""Timed scenario events, dispatched from a table: event type -> what it does.

Each handler takes the running Simulation and the event; adding an action means one
schema class and one row here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from simulator.faults.revision import RevisionFault
from simulator.lifecycle.host import HostState
from simulator.scenario import schema

if TYPE_CHECKING:
    from simulator.scenario.build import Simulation


def set_desired_count(sim: Simulation, event: schema.SetDesiredCount) -> None:
    sim.ecs.update_service(sim.cluster.name, event.service, desired_count=event.desired_count)
    sim.world.emit("service.desired_count", event.service, desired_count=event.desired_count)


def set_instance_count(sim: Simulation, event: schema.SetInstanceCount) -> None:
    sim.set_shared_count(event.count)


def scale_traffic(sim: Simulation, event: schema.ScaleTraffic) -> None:
    # the factor is already part of the service's arrival model; recorded for the trace
    sim.world.emit("traffic.scaled", event.service, factor=event.factor)


def deploy(sim: Simulation, event: schema.Deploy) -> None:
    fault = event.fault
    start_failure = event.start_failure_probability
    if fault is not None:
        start_failure = max(start_failure, fault.start_failure_probability)
    arn = sim.register(sim.specs[event.service], start_failure)
    if fault is not None:
        sim.faults.inject(arn, RevisionFault(**fault.model_dump()), now=sim.world.now)
        sim.world.emit("fault.revision", event.service, task_definition=arn)
    sim.ecs.update_service(
        sim.cluster.name, event.service, task_definition=arn, desired_count=event.desired_count
    )
    sim.deployments.started(event.service)
    sim.world.emit("service.deploy", event.service, task_definition=arn)


def drain_instances(sim: Simulation, event: schema.DrainInstances) -> None:
    active = [
        ci.container_instance_id
        for ci in sim.cluster.container_instances.values()
        if ci.placeable and ci.agent_connected
    ][: event.count]
    sim.ecs.update_container_instances_state(sim.cluster.name, active, "DRAINING")
    sim.world.emit("ecs.drain", sim.cluster.name, container_instances=active)


def fail_host(sim: Simulation, event: schema.FailHost) -> None:
    hid = sim.host_ids[event.host]
    if sim.ec2.fleet.hosts[hid].state is HostState.AVAILABLE:
        sim.world.emit("fault.host_failure", hid)
        sim.ec2.fail_host(hid)
    else:
        sim.world.emit("fault.skipped", hid, reason="host not available")


HANDLERS: Mapping[type, Callable[[Simulation, Any], None]] = {
    schema.SetDesiredCount: set_desired_count,
    schema.SetInstanceCount: set_instance_count,
    schema.ScaleTraffic: scale_traffic,
    schema.Deploy: deploy,
    schema.DrainInstances: drain_instances,
    schema.FailHost: fail_host,
}


def apply(sim: Simulation, event: Any) -> None:
    """Carry out one timed event."""
    HANDLERS[type(event)](sim, event)
