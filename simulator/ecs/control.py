"""The ECS control plane in simulated time: clusters, container instances that follow
their EC2 instances, tasks through their lifecycle, and the service scheduler.

Requests (RunTask, StopTask, CreateService, UpdateService...) apply at once; every
transition that takes time (agent registration, image pull, stopTimeout...) is scheduled
on the World. Scheduled completions remember the task's history length and are dropped
if something else happened to the task meanwhile. Services are reconciled after any
change that concerns them, coalesced to once per instant.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulator.catalog.catalog import instance_type as catalog_instance_type
from simulator.core.errors import AWSError
from simulator.core.world import World
from simulator.ec2.control import Ec2ControlPlane
from simulator.ecs import deployment as dep
from simulator.ecs.constraints import SERVICE_DEFAULT_STRATEGIES, service_group
from simulator.ecs.container_instance import (
    DEFAULT_AMI_ID,
    ContainerInstance,
    ContainerInstanceStatus,
    InstanceAction,
)
from simulator.ecs.placement import (
    PlacementFailure,
    place,
    select_tasks_to_stop,
    service_event_message,
)
from simulator.ecs.placement_index import PlacementIndex
from simulator.ecs.retention import StoppedTasks
from simulator.ecs.task import (
    REASON_ESSENTIAL_EXITED,
    REASON_FAILED_TO_START,
    REASON_HOST_LOST,
    REASON_SCALING,
    REASON_USER,
    StopCode,
    Task,
    TaskAction,
    TaskState,
)
from simulator.ecs.task_definition import (
    NetworkMode,
    TaskDefinition,
    TaskDefinitionRegistry,
    TaskRequirements,
)
from simulator.ecs.timing import STOP_TIMEOUT_DEFAULT, EcsTiming
from simulator.lifecycle.fleet import Changes
from simulator.lifecycle.instance import InstanceState

AVAILABILITY_ZONES = ("a", "b", "c")
"""Instances are spread over three AZs of the Region by their launch order."""

CLIENT_EXCEPTION = "ClientException"
INVALID_PARAMETER = "InvalidParameterException"
CLUSTER_NOT_FOUND = "ClusterNotFoundException"
SERVICE_NOT_FOUND = "ServiceNotFoundException"
SERVICE_NOT_ACTIVE = "ServiceNotActiveException"

STARTING = (TaskState.PROVISIONING, TaskState.PENDING, TaskState.ACTIVATING)
TASK_ID_BLOCK = 64  # task ids drawn at once (``EcsControlPlane._new_task_id``)
LAUNCH_DRAWN = ("image_pull", "activation", "graceful_stop", "deprovisioning")
"""The timed steps a task's launch draws, in this order (``_launch_durations``)."""
LAUNCH_DRAWN_AWSVPC = ("eni_attachment", *LAUNCH_DRAWN)


@dataclass
class Service:
    """An ECS service: what it should run and how it replaces tasks."""

    name: str
    arn: str
    cluster: str
    desired_count: int
    strategies: tuple = SERVICE_DEFAULT_STRATEGIES
    constraints: tuple = ()
    config: dep.DeploymentConfiguration = field(default_factory=dep.DeploymentConfiguration)
    scheduling_strategy: str = "REPLICA"
    health_check_grace_period: float = 0.0
    launch_type: str = "EC2"
    status: str = "ACTIVE"
    created_at: float = 0.0
    deployments: list[dep.Deployment] = field(default_factory=list)
    events: list[tuple[float, str]] = field(default_factory=list)  # newest first
    tasks: dict[str, None] = field(default_factory=dict)
    """Live task ids in launch order (a dict, not a set: iteration must not depend on the
    hash seed, or which task a scale-in stops would differ between processes)."""
    running_count: int = 0
    pending_count: int = 0
    launch_failures: int = 0
    next_launch_at: float = 0.0
    last_placement_message: str | None = None
    last_placement_at: float = float("-inf")
    steady: bool = False
    retry_scheduled: bool = False
    settled: tuple | None = None
    """What the last reconcile read that can change without a task event (``_settled_key``);
    None until a rolling reconcile has run."""
    task_deployment: dict[str, dep.Deployment] = field(default_factory=dict)
    capacity_provider_strategy: tuple = ()  # StrategyItems (simulator.ecs.capacity_strategy)
    load_balancers: tuple = ()  # ServiceLoadBalancer (simulator.ecs.load_balancers)
    controller: str = "ECS"  # deploymentController; others: simulator.ecs.task_sets

    @property
    def group(self) -> str:
        return service_group(self.name)

    @property
    def primary(self) -> dep.Deployment:
        return self.deployments[0]


@dataclass
class EcsCluster:
    name: str
    arn: str
    status: str = "ACTIVE"
    container_instances: dict[str, ContainerInstance] = field(default_factory=dict)
    by_ec2: dict[str, str] = field(default_factory=dict)  # EC2 id -> container instance id
    tasks: dict[str, Task] = field(default_factory=dict)  # every task, by id
    services: dict[str, Service] = field(default_factory=dict)
    # aggregates over ACTIVE container instances, kept as things change (cheap sampling)
    registered_cpu: int = 0
    registered_memory: int = 0
    used_cpu: int = 0
    used_memory: int = 0
    active_count: int = 0  # ACTIVE container instances whose agent is connected
    draining: set[str] = field(default_factory=set)  # DRAINING container instance ids
    placement: PlacementIndex = field(default_factory=PlacementIndex)
    stopped_tasks_dropped: int = 0  # stopped tasks forgotten after their retention
    """Placement arrays over the container instances, kept in step (``touch`` on change)."""

    def active_instances(self) -> list[ContainerInstance]:
        return [ci for ci in self.container_instances.values() if ci.placeable]


Listener = Callable[[str, Task, "TaskState | None"], None]
"""Called with ("started" | "running" | "stopping" | "stopped", task, state before)."""


class EcsControlPlane:
    """ECS for one account and Region, driven by a World, on an Ec2ControlPlane."""

    def __init__(
        self,
        world: World,
        ec2: Ec2ControlPlane,
        *,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        timing: EcsTiming | None = None,
        reserved_memory_mib: int = 0,
        zone_of: Callable[[str], str] | None = None,
        ami_of: Callable[[str], str] | None = None,
    ):
        """``zone_of`` / ``ami_of``: an EC2 instance's Availability Zone and AMI as its
        account knows them (the boto3 facade); by default zones follow the instance ID and
        the AMI is the ECS-optimized placeholder."""
        self.world = world
        self.ec2 = ec2
        self.region = region
        self.account_id = account_id
        self.timing = timing if timing is not None else EcsTiming()
        self.reserved_memory_mib = reserved_memory_mib
        self.reserved_memory: dict[str, int] = {}  # EC2 id -> its agent's ECS_RESERVED_MEMORY
        self.task_definitions = TaskDefinitionRegistry(region, account_id)
        self.clusters: dict[str, EcsCluster] = {}
        self.joins: dict[str, str] = {}  # EC2 instance id -> cluster (ECS_CLUSTER)
        self.waiting_joins: dict[str, list[str]] = {}  # cluster not created yet -> EC2 ids
        self.zone_of = zone_of
        self.ami_of = ami_of
        self.start_failure: dict[str, float] = {}  # task definition ARN -> probability
        self.task_listeners: list[Listener] = []
        # capacity providers: CapacityProviders(self) sets ``capacity`` (simulator.ecs.capacity)
        self.capacity: Any = None
        self.registration_listeners: list[Callable[[EcsCluster, ContainerInstance], None]] = []
        # services' loadBalancers: TargetRegistration(self) sets ``load_balancing``
        # (simulator.ecs.load_balancers)
        self.load_balancing: Any = None
        # CODE_DEPLOY / EXTERNAL services: TaskSets(self) sets ``task_sets``
        self.task_sets: Any = None
        self.stopped_tasks: StoppedTasks | None = None
        """Set (simulator.ecs.retention) to forget stopped tasks after ECS's hour; None keeps
        every stopped task (what tests of the API look at)."""
        self._kicked: set[tuple[str, str]] = set()
        self._kick_order: list[tuple[str, str]] = []  # a heap of the same keys
        self._ids = itertools.count(1)
        self._task_ids: list[str] = []  # drawn ahead, next last (``_new_task_id``)
        self._deployment_ids = itertools.count(1)
        ec2.listeners.append(self._on_ec2)

    # ------------------------------------------------------------------ clusters
    def create_cluster(self, name: str = "default") -> EcsCluster:
        """CreateCluster; a deleted (INACTIVE) cluster's name makes a new cluster, and agents
        waiting for the cluster (``join_when_created``) register to it."""
        existing = self.clusters.get(name)
        if existing is None or existing.status == "INACTIVE":
            arn = f"arn:aws:ecs:{self.region}:{self.account_id}:cluster/{name}"
            self.clusters[name] = EcsCluster(name, arn)
        for ec2_id in self.waiting_joins.pop(name, []):
            inst = self.ec2.fleet.instances.get(ec2_id)
            if inst is not None and inst.state is not InstanceState.TERMINATED:
                self.join(ec2_id, name)
        return self.clusters[name]

    def delete_cluster(self, name: str) -> EcsCluster:
        """DeleteCluster: refused while container instances are ACTIVE or DRAINING, services
        ACTIVE or DRAINING, or tasks not STOPPED; the cluster becomes INACTIVE."""
        cluster = self.cluster(name)
        if any(
            ci.status in (ContainerInstanceStatus.ACTIVE, ContainerInstanceStatus.DRAINING)
            for ci in cluster.container_instances.values()
        ):
            raise AWSError(
                "ClusterContainsContainerInstancesException",
                "The Cluster cannot be deleted while Container Instances are active or draining.",
            )
        if any(s.status != "INACTIVE" for s in cluster.services.values()):
            raise AWSError(
                "ClusterContainsServicesException",
                "The Cluster cannot be deleted while Services are active.",
            )
        if any(t.live for t in cluster.tasks.values()):
            raise AWSError(
                "ClusterContainsTasksException",
                "The Cluster cannot be deleted while Tasks are active.",
            )
        cluster.status = "INACTIVE"
        return cluster

    def cluster(self, name: str = "default") -> EcsCluster:
        short = name.rsplit("/", 1)[-1]
        found = self.clusters.get(short)
        if found is None or found.status != "ACTIVE":
            raise AWSError(CLUSTER_NOT_FOUND, "Cluster not found.")
        return found

    # ------------------------------------------------------------ registration
    def join(self, ec2_instance_id: str, cluster: str) -> None:
        """The instance's user data sets ECS_CLUSTER=<cluster>: once it runs, its agent
        registers it after the agent start delay."""
        self.cluster(cluster)
        self.joins[ec2_instance_id] = cluster
        inst = self.ec2.fleet.instances[ec2_instance_id]
        if inst.state is InstanceState.RUNNING and not inst.impaired:
            self._schedule_registration(ec2_instance_id)

    def register_now(self, ec2_instance_id: str, cluster: str) -> ContainerInstance | None:
        """RegisterContainerInstance by API: the running instance joins ``cluster`` now."""
        name = self.cluster(cluster).name
        self.joins[ec2_instance_id] = name
        return self._register(ec2_instance_id)

    def join_when_created(self, ec2_instance_id: str, cluster: str) -> None:
        """As ``join``, but the agent keeps retrying while the cluster does not exist (its
        RegisterContainerInstance answers ClusterNotFoundException): it registers once the
        cluster is created."""
        name = cluster.rsplit("/", 1)[-1]
        found = self.clusters.get(name)
        if found is not None and found.status == "ACTIVE":
            self.join(ec2_instance_id, name)
        else:
            self.waiting_joins.setdefault(name, []).append(ec2_instance_id)

    def _schedule_registration(self, ec2_id: str) -> None:
        inst = self.ec2.fleet.instances[ec2_id]
        mark = len(inst.history)
        if self.timing.instant:
            self._register(ec2_id)
            return
        delay = self.timing.draw("agent_registration", self.world.rng("ecs.agent_registration"))

        def wait() -> Generator:
            yield self.world.env.timeout(delay)
            now_inst = self.ec2.fleet.instances[ec2_id]
            if len(now_inst.history) == mark and not now_inst.impaired:
                self._register(ec2_id)

        self.world.process(wait())

    def _register(self, ec2_id: str) -> ContainerInstance | None:
        name = self.joins.get(ec2_id)
        if name is None:  # deregistered meanwhile: the agent registers no more
            return None
        found = self.clusters.get(name)
        if found is None or found.status != "ACTIVE":  # deleted meanwhile: the agent waits
            self.waiting_joins.setdefault(self.joins.pop(ec2_id), []).append(ec2_id)
            return None
        cluster = found
        existing = cluster.by_ec2.get(ec2_id)
        if existing is not None:  # a stopped instance started again: the agent reconnects
            ci = cluster.container_instances[existing]
            if ci.agent_connected:  # still connected (StartInstances of a running instance)
                return ci
            ci.agent_connected = True
            cluster.placement.touch(ci)
            if ci.placeable:
                self._count_instance(cluster, ci, +1)
        else:
            inst = self.ec2.fleet.instances[ec2_id]
            itype = catalog_instance_type(inst.instance_type)
            ci = ContainerInstance(
                ec2_id,
                itype,
                availability_zone=self.availability_zone(ec2_id),
                cluster=cluster.name,
                region=self.region,
                account_id=self.account_id,
                reserved_memory_mib=self.reserved_memory.get(ec2_id, self.reserved_memory_mib),
                registered_at=self.world.now,
                ami_id=self.ami_of(ec2_id) if self.ami_of is not None else DEFAULT_AMI_ID,
            )
            cluster.container_instances[ci.container_instance_id] = ci
            cluster.by_ec2[ec2_id] = ci.container_instance_id
            cluster.placement.add(ci)
            self._count_instance(cluster, ci, +1)
        self.world.emit(
            "ecs.container_instance",
            ci.container_instance_id,
            status=str(ci.status),
            ec2_instance_id=ec2_id,
        )
        for listener in self.registration_listeners:  # capacity providers place waiting tasks
            listener(cluster, ci)
        self._kick_cluster(cluster)
        return ci

    def availability_zone(self, ec2_id: str) -> str:
        if self.zone_of is not None:
            return self.zone_of(ec2_id)
        n = int(ec2_id.rsplit("-", 1)[-1], 16)
        return f"{self.region}{AVAILABILITY_ZONES[n % len(AVAILABILITY_ZONES)]}"

    def _count_instance(self, cluster: EcsCluster, ci: ContainerInstance, sign: int) -> None:
        cluster.active_count += sign
        cluster.registered_cpu += sign * ci.registered_cpu
        cluster.registered_memory += sign * ci.registered_memory
        cluster.used_cpu += sign * (ci.registered_cpu - ci.remaining_cpu)
        cluster.used_memory += sign * (ci.registered_memory - ci.remaining_memory)

    def _on_ec2(self, changes: Changes) -> None:
        """Container instances follow their EC2 instances."""
        lost = list(changes.impaired)
        for c in changes.instances:
            ec2_id = c.instance_id
            if ec2_id not in self.joins:
                continue
            inst = self.ec2.fleet.instances[ec2_id]
            if c.current_state is InstanceState.RUNNING and not inst.impaired:
                self._schedule_registration(ec2_id)
            elif c.previous_state in (InstanceState.RUNNING, InstanceState.REBOOTING, None):
                lost.append(ec2_id)
            elif c.current_state is InstanceState.PENDING:
                lost.append(ec2_id)  # recovery relaunch: the tasks did not survive
        for ec2_id in lost:
            self._instance_lost(ec2_id)

    def _instance_lost(self, ec2_id: str) -> None:
        cluster_name = self.joins.get(ec2_id)
        if cluster_name is None or cluster_name not in self.clusters:
            return
        cluster = self.clusters[cluster_name]
        ci_id = cluster.by_ec2.get(ec2_id)
        if ci_id is None:
            return
        ci = cluster.container_instances[ci_id]
        if not ci.agent_connected:
            return
        reason = REASON_HOST_LOST.format(instance_id=ec2_id)
        for task_id in list(ci.allocations):
            self._lose(cluster, cluster.tasks[task_id], reason)
        if ci.placeable:
            self._count_instance(cluster, ci, -1)
        ci.agent_connected = False
        inst = self.ec2.fleet.instances[ec2_id]
        gone = inst.state in (InstanceState.SHUTTING_DOWN, InstanceState.TERMINATED)
        if gone and ci.status is not ContainerInstanceStatus.INACTIVE:
            ci.apply(InstanceAction.DEREGISTER)
            ci.apply(InstanceAction.DEREGISTERED)
        cluster.placement.touch(ci)
        self.world.emit(
            "ecs.container_instance",
            ci_id,
            status=str(ci.status),
            agent_connected=ci.agent_connected,
            ec2_instance_id=ec2_id,
        )
        self._kick_cluster(cluster)

    def update_container_instances_state(
        self, cluster_name: str, container_instances: Iterable[str], status: str
    ) -> list[ContainerInstance]:
        """DRAINING: no new placements, service tasks are replaced; ACTIVE: back to normal."""
        cluster = self.cluster(cluster_name)
        action = {"DRAINING": InstanceAction.DRAIN, "ACTIVE": InstanceAction.ACTIVATE}.get(status)
        if action is None:
            raise AWSError(INVALID_PARAMETER, f"Invalid status {status!r}: DRAINING or ACTIVE.")
        out = []
        for ref in container_instances:
            ci = self._container_instance(cluster, ref)
            was = ci.placeable and ci.agent_connected
            ci.apply(action)
            cluster.placement.touch(ci)
            now = ci.placeable and ci.agent_connected
            if was != now:
                self._count_instance(cluster, ci, +1 if now else -1)
            out.append(ci)
            if ci.status is ContainerInstanceStatus.DRAINING:
                cluster.draining.add(ci.container_instance_id)
                self._stop_pending_service_tasks(cluster, ci)
            else:
                cluster.draining.discard(ci.container_instance_id)
        self._kick_cluster(cluster)
        return out

    def deregister_container_instance(
        self, cluster_name: str, ref: str, force: bool = False
    ) -> ContainerInstance:
        """DeregisterContainerInstance: refused while tasks hold resources on it unless
        ``force``; forced, its tasks are lost at once (AWS leaves them running, orphaned and
        no longer accounted for; a service replaces them either way). The agent does not
        register the instance again."""
        cluster = self.cluster(cluster_name)
        ci = self._container_instance(cluster, ref)
        if ci.allocations and not force:
            raise AWSError(INVALID_PARAMETER, "Found running tasks on the instance.")
        for task_id in list(ci.allocations):
            self._lose(cluster, cluster.tasks[task_id], "Container instance deregistered.")
        if ci.placeable and ci.agent_connected:
            self._count_instance(cluster, ci, -1)
        if ci.status is not ContainerInstanceStatus.INACTIVE:
            ci.apply(InstanceAction.DEREGISTER)
            ci.apply(InstanceAction.DEREGISTERED)
        ci.agent_connected = False
        cluster.placement.touch(ci)
        cluster.draining.discard(ci.container_instance_id)
        self.joins.pop(ci.ec2_instance_id, None)
        self.world.emit("ecs.container_instance", ci.container_instance_id, status=str(ci.status))
        self._kick_cluster(cluster)
        return ci

    def _container_instance(self, cluster: EcsCluster, ref: str) -> ContainerInstance:
        key = ref.rsplit("/", 1)[-1]
        ci = cluster.container_instances.get(key)
        if ci is None and key in cluster.by_ec2:
            ci = cluster.container_instances[cluster.by_ec2[key]]
        if ci is None:
            raise AWSError(INVALID_PARAMETER, f"Container instance {ref} not found.")
        return ci

    def _stop_pending_service_tasks(self, cluster: EcsCluster, ci: ContainerInstance) -> None:
        for task_id in list(ci.allocations):
            task = cluster.tasks[task_id]
            if task.group.startswith("service:") and task.last_status in STARTING:
                self._stop(
                    cluster,
                    task,
                    StopCode.SERVICE_SCHEDULER_INITIATED,
                    "Container instance is draining",
                )

    # --------------------------------------------------------- task definitions
    def register_task_definition(self, doc: Mapping[str, Any]) -> TaskDefinition:
        return self.task_definitions.register(doc, at=self.world.now)

    # ----------------------------------------------------------------- tasks
    def run_task(
        self,
        cluster_name: str,
        task_definition: str,
        count: int = 1,
        *,
        strategies: Iterable | None = None,
        constraints: Iterable = (),
        group: str | None = None,
        started_by: str | None = None,
        capacity_provider_strategy: Iterable | None = None,
    ) -> tuple[list[Task], list[PlacementFailure]]:
        """RunTask on EC2 capacity: place ``count`` tasks, start them; failures as AWS.
        With ``capacity_provider_strategy`` the tasks go to capacity providers instead."""
        cluster = self.cluster(cluster_name)
        td = self.task_definitions.describe(task_definition)
        if not 1 <= count <= 10:
            raise AWSError(INVALID_PARAMETER, "count must be between 1 and 10.")
        group = group or f"family:{td.family}"
        return self._launch(
            cluster,
            td,
            count,
            strategies,
            constraints,
            group,
            started_by,
            capacity_provider_strategy=capacity_provider_strategy,
        )

    def start_task(
        self,
        cluster_name: str,
        task_definition: str,
        container_instances: Iterable[str],
        *,
        group: str | None = None,
        started_by: str | None = None,
        service: Service | None = None,
    ) -> tuple[list[Task], list[PlacementFailure]]:
        """StartTask: one task on each named container instance (no placement strategy)."""
        cluster = self.cluster(cluster_name)
        td = self.task_definitions.describe(task_definition)
        group = group or f"family:{td.family}"
        tasks, failures = [], []
        for ref in container_instances:
            ci = self._container_instance(cluster, ref)
            req = td.requirements()
            reason = ci.shortfall(req) if ci.placeable and ci.agent_connected else "AGENT"
            if reason is not None:
                failures.append(PlacementFailure(ci.arn, reason, ci.container_instance_id))
                continue
            tasks.append(self._start_on(cluster, td, ci, group, started_by, service))
        return tasks, failures

    def container_exited(self, cluster_name: str, task_id: str, container_reason: str) -> None:
        """An essential container exited (an OOM kill, a crash): the task stops with
        EssentialContainerExited and its service, if any, replaces it."""
        cluster = self.cluster(cluster_name)
        task = cluster.tasks.get(task_id)
        if task is None or not task.live or task.desired_status == "STOPPED":
            return
        task.container_reason = container_reason
        self._stop(cluster, task, StopCode.ESSENTIAL_CONTAINER_EXITED, REASON_ESSENTIAL_EXITED)

    def stop_task(self, cluster_name: str, task_ref: str, reason: str | None = None) -> Task:
        cluster = self.cluster(cluster_name)
        task = cluster.tasks.get(task_ref.rsplit("/", 1)[-1])
        if task is None:
            raise AWSError(INVALID_PARAMETER, "The referenced task was not found.")
        self._stop(cluster, task, StopCode.USER_INITIATED, reason or REASON_USER)
        return task

    def _launch(
        self,
        cluster: EcsCluster,
        td: TaskDefinition,
        count: int,
        strategies: Iterable | None,
        constraints: Iterable,
        group: str,
        started_by: str | None,
        service: Service | None = None,
        capacity_provider_strategy: Iterable | None = None,
    ) -> tuple[list[Task], list[PlacementFailure]]:
        cp_strategy = capacity_provider_strategy or (
            service.capacity_provider_strategy if service is not None else ()
        )
        if cp_strategy:  # capacity providers: no failures, unplaced tasks wait PROVISIONING
            tasks = self._capacity().launch(
                cluster, td, count, strategies, constraints, group, started_by, service, cp_strategy
            )
            return tasks, []
        req = td.requirements()
        placements, failures = place(
            req,
            count,
            cluster.placement.view(),
            strategies,
            constraints,
            group,
            self.world.rng("ecs.placement"),
        )
        drawn = self._launch_durations(cluster.name, group, req.network_mode, len(placements))
        tasks = [
            self._start_on(cluster, td, p.container_instance, group, started_by, service, d, req)
            for p, d in zip(placements, drawn, strict=True)
        ]
        return tasks, failures

    def _start_on(
        self,
        cluster: EcsCluster,
        td: TaskDefinition,
        ci: ContainerInstance | None,
        group: str,
        started_by: str | None,
        service: Service | None = None,
        durations: dict[str, float] | None = None,
        req: TaskRequirements | None = None,
    ) -> Task:
        """A new task on ``ci``; ``ci`` None: it stays PROVISIONING without a container
        instance until a capacity provider places or provisions it (``place_unplaced``).
        ``durations``, ``req``: its timed steps, drawn with the rest of its launch, and
        ``td``'s requirements, when the launch has them."""
        task_id = self._new_task_id()
        arn = f"arn:aws:ecs:{self.region}:{self.account_id}:task/{cluster.name}/{task_id}"
        task = Task(
            arn,
            td.arn,
            at=self.world.now,
            group=group,
            container_instance=ci.container_instance_id if ci is not None else None,
            started_by=started_by,
        )
        if req is None:
            req = td.requirements()
        if ci is not None:
            ci.allocate(task_id, req, group, pending=True)
            cluster.placement.touch(ci)
            if ci.placeable and ci.agent_connected:
                cluster.used_cpu += req.cpu
                cluster.used_memory += req.memory
        cluster.tasks[task_id] = task
        if durations is None:
            (durations,) = self._launch_durations(cluster.name, group, req.network_mode, 1)
        task.durations = durations
        if service is not None:
            service.tasks[task_id] = None
            service.primary.task_ids.add(task_id)
            service.primary.live_ids[task_id] = None
            service.task_deployment[task_id] = service.primary
            service.pending_count += 1
        self._notify("started", task)
        self.world.emit("ecs.task", task_id, state=str(task.last_status), group=group)
        if ci is None:
            return task
        if req.network_mode is NetworkMode.AWSVPC:
            self._after(cluster, task, "eni_attachment", TaskAction.PROVISIONED)
        else:
            self._advance(cluster, task, TaskAction.PROVISIONED)
        return task

    def _new_task_id(self) -> str:
        """A UUID's hex digits from the task-id stream. Drawn 64 at a time: the stream
        serves only this, and numpy's ``Generator.bytes`` takes whole 32-bit words, so a
        block is the same ids as one draw each (0.55 against 11.1 microseconds an id,
        timed once here)."""
        if not self._task_ids:
            block = self.world.rng("ecs.task_ids").bytes(16 * TASK_ID_BLOCK).hex()
            self._task_ids = [block[i : i + 32] for i in range(len(block) - 32, -1, -32)]
        return self._task_ids.pop()

    # -------------------------------------------------------------- lifecycle
    def _advance(self, cluster: EcsCluster, task: Task, action: TaskAction) -> None:
        """Apply ``action`` now and schedule what follows it."""
        before = task.last_status
        task.apply(action, self.world.now)
        self._entered(cluster, task, before)

    def _stop(self, cluster: EcsCluster, task: Task, code: StopCode, reason: str) -> None:
        """Ask a task to stop (StopTask, the scheduler, a failure); first reason wins."""
        if task.desired_status == "STOPPED" or not task.live:
            return
        before = task.last_status
        task.stop(self.world.now, code, reason)
        if task.last_status is not before:
            self._entered(cluster, task, before)

    def _lose(self, cluster: EcsCluster, task: Task, reason: str) -> None:
        """The task's container instance went away: STOPPED at once."""
        if not task.live:
            return
        if task.stop_code is None:
            task.stop_code, task.stopped_reason = StopCode.TERMINATION_NOTICE, reason
        task.desired_status = "STOPPED"
        before = task.last_status
        task.apply(TaskAction.INSTANCE_LOST, self.world.now)
        self._entered(cluster, task, before)

    def _entered(self, cluster: EcsCluster, task: Task, before: TaskState) -> None:
        """Bookkeeping and the next timed step for the state ``task`` just entered."""
        state = task.last_status
        task_id = self.task_id(task)
        self.world.emit("ecs.task", task_id, state=str(state), group=task.group)
        if state is TaskState.PENDING:
            p = self.start_failure.get(task.task_definition_arn, 0.0)
            fails = (
                bool(p) and self._stream(cluster.name, task.group, "start_failures").random() < p
            )
            self._after(cluster, task, "image_pull", TaskAction.STARTED, fail=fails)
        elif state is TaskState.ACTIVATING:
            if self.load_balancing is not None:
                self.load_balancing.activating(cluster, task)
            self._after(cluster, task, "activation", TaskAction.ACTIVATED)
        elif state is TaskState.RUNNING:
            if task.container_instance is not None:  # None: Fargate
                ci = cluster.container_instances[task.container_instance]
                ci.mark_running(task_id)
                cluster.placement.touch(ci)
            self._notify("running", task, before)
        elif state is TaskState.DEACTIVATING:
            self._notify("stopping", task, before)
            # behind a load balancer the task stays DEACTIVATING until its targets'
            # deregistration delay has passed; the binding calls ``deactivated`` then
            if self.load_balancing is None or not self.load_balancing.deactivating(cluster, task):
                self._after(cluster, task, "deactivation", TaskAction.DEACTIVATED)
        elif state is TaskState.STOPPING:
            if before is not TaskState.DEACTIVATING:
                self._notify("stopping", task, before)
            graceful = self._duration(cluster, task, "graceful_stop")
            self._after_delay(
                cluster,
                task,
                min(graceful, self._stop_timeout(task)),
                TaskAction.CONTAINERS_STOPPED,
            )
        elif state is TaskState.DEPROVISIONING:
            if before is TaskState.PROVISIONING:
                self._notify("stopping", task, before)
            self._after(cluster, task, "deprovisioning", TaskAction.DEPROVISIONED)
        elif state is TaskState.STOPPED:
            if before in (*STARTING, TaskState.RUNNING):  # lost before it began stopping
                self._notify("stopping", task, before)
            self._release(cluster, task)
            if self.load_balancing is not None:
                self.load_balancing.stopped(cluster, task)
            self._notify("stopped", task, before)
            if self.stopped_tasks is not None:
                self.stopped_tasks.stopped(self.world.now, cluster.name, task_id)
                self.stopped_tasks.drop(
                    self.world.now,
                    self.clusters,
                    lambda t: getattr(t, "last_status", None) is TaskState.STOPPED,
                )

    def _stop_timeout(self, task: Task) -> float:
        """SIGTERM to SIGKILL: the longest container stopTimeout, else the agent's default."""
        td = self.task_definitions.describe(task.task_definition_arn)
        return max(
            float(c.extra.get("stopTimeout", STOP_TIMEOUT_DEFAULT))
            for c in td.spec.container_definitions
        )

    def _after(
        self,
        cluster: EcsCluster,
        task: Task,
        timing: str,
        action: TaskAction,
        fail: bool = False,
    ) -> None:
        self._after_delay(cluster, task, self._duration(cluster, task, timing), action, fail)

    def _launch_durations(
        self, cluster_name: str, group: str, network_mode: NetworkMode, n: int
    ) -> list[dict[str, float]]:
        """The timed steps (``LAUNCH_DRAWN``) of ``n`` tasks launched together, drawn now
        from their group's streams: the n-th task a service launches has the same timings
        whatever else the cluster does, so variants compare task for task (common random
        numbers), and a batch is drawn at once (the same values as one task at a time).
        Drawn in ``instant`` mode too: a task of the initial fleet still takes its graceful
        stop days later."""
        durations = self.timing.durations
        names = LAUNCH_DRAWN_AWSVPC if network_mode is NetworkMode.AWSVPC else LAUNCH_DRAWN
        columns = [durations[x].draws(self._stream(cluster_name, group, x), n) for x in names]
        return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]

    def _duration(self, cluster: EcsCluster, task: Task, timing: str) -> float:
        """The delay of the step ``timing`` of ``task``: drawn at launch, else (a step a
        launch cannot foresee, such as Fargate's provisioning) from the group's stream
        now; 0 in ``instant`` mode."""
        delay = task.durations.pop(timing, None)
        if self.timing.instant:
            return 0.0
        if delay is None:
            delay = self.timing.durations[timing].draw(
                self._stream(cluster.name, task.group, timing)
            )
        return delay

    def _stream(self, cluster_name: str, group: str, timing: str) -> np.random.Generator:
        """The random stream of one timing for one task group (a service, a family)."""
        return self.world.rng(f"ecs.{timing}/{cluster_name}/{group}")

    def _after_delay(
        self,
        cluster: EcsCluster,
        task: Task,
        delay: float,
        action: TaskAction,
        fail: bool = False,
    ) -> None:
        mark = len(task.history)

        def complete() -> None:
            if len(task.history) != mark:
                return  # something else happened to the task meanwhile
            if fail:
                self._stop(cluster, task, StopCode.TASK_FAILED_TO_START, REASON_FAILED_TO_START)
            else:
                self._advance(cluster, task, action)

        if self.timing.instant:
            complete()  # a scenario's initial state settles at once
            return
        self.world.after(delay, complete)

    def deactivated(self, cluster: EcsCluster, task: Task) -> None:
        """The load balancers have deregistered ``task`` (deregistration delay over)."""
        if task.last_status is TaskState.DEACTIVATING:
            self._advance(cluster, task, TaskAction.DEACTIVATED)

    def reconsider(self, cluster: EcsCluster, svc: Service) -> None:
        """Something the scheduler waits on changed (a target became healthy)."""
        self._kick(cluster, svc)

    def healthy_count(self, cluster: EcsCluster, svc: Service) -> int:
        """Tasks that count as healthy for minimumHealthyPercent: RUNNING, and behind a
        load balancer also healthy in its target groups."""
        if self.load_balancing is None or not svc.load_balancers:
            return svc.running_count
        return self.load_balancing.healthy_count(cluster, svc)

    def _release(self, cluster: EcsCluster, task: Task) -> None:
        task_id = self.task_id(task)
        ci = cluster.container_instances.get(task.container_instance or "")
        if ci is not None and task_id in ci.allocations:
            req = ci.allocations[task_id].requirements
            ci.release(task_id)
            cluster.placement.touch(ci)
            if ci.placeable and ci.agent_connected:
                cluster.used_cpu -= req.cpu
                cluster.used_memory -= req.memory

    @staticmethod
    def task_id(task: Task) -> str:
        return task.task_id

    def _notify(self, what: str, task: Task, before: TaskState | None = None) -> None:
        """``what``: started, running, stopping (left service), stopped."""
        if task.group.startswith("service:"):
            cluster = self.clusters.get(task.task_arn.split("/")[-2])
            service = cluster.services.get(task.group[8:]) if cluster else None
            if cluster is not None and service is not None:
                self._service_task_event(cluster, service, what, task, before)
        for listener in self.task_listeners:  # after the service's own counts moved
            listener(what, task, before)

    # --------------------------------------------------------------- services
    def create_service(
        self,
        cluster_name: str,
        name: str,
        task_definition: str,
        desired_count: int = 0,
        *,
        strategies: Iterable | None = None,
        constraints: Iterable = (),
        deployment_configuration: dep.DeploymentConfiguration | None = None,
        scheduling_strategy: str = "REPLICA",
        health_check_grace_period: float = 0.0,
        capacity_provider_strategy: Iterable = (),
        load_balancers: Iterable = (),
    ) -> Service:
        cluster = self.cluster(cluster_name)
        existing = cluster.services.get(name)
        if existing is not None and existing.status != "INACTIVE":
            raise AWSError(INVALID_PARAMETER, "Creation of service was not idempotent.")
        td = self.task_definitions.describe(task_definition)
        cp_strategy = (
            self._capacity().check_strategy(cluster.name, capacity_provider_strategy, td)
            if capacity_provider_strategy
            else ()
        )
        if scheduling_strategy not in ("REPLICA", "DAEMON"):
            raise AWSError(INVALID_PARAMETER, "schedulingStrategy must be REPLICA or DAEMON.")
        arn = f"arn:aws:ecs:{self.region}:{self.account_id}:service/{cluster.name}/{name}"
        strategies = tuple(strategies) if strategies is not None else SERVICE_DEFAULT_STRATEGIES
        config = deployment_configuration or (
            dep.DeploymentConfiguration(0, 100)
            if scheduling_strategy == "DAEMON"
            else dep.DeploymentConfiguration()
        )
        svc = Service(
            name,
            arn,
            cluster.name,
            desired_count,
            strategies=strategies,
            constraints=tuple(constraints),
            config=config,
            scheduling_strategy=scheduling_strategy,
            health_check_grace_period=health_check_grace_period,
            created_at=self.world.now,
            capacity_provider_strategy=cp_strategy,
            load_balancers=tuple(load_balancers),
        )
        if svc.load_balancers:
            if self.load_balancing is None:
                raise AWSError(
                    INVALID_PARAMETER,
                    "loadBalancers need a load balancer model "
                    "(simulator.ecs.load_balancers.TargetRegistration).",
                )
            self.load_balancing.check(svc)
        svc.deployments.append(self._new_deployment(td.arn, desired_count))
        cluster.services[name] = svc
        self._kick(cluster, svc)
        return svc

    def service(self, cluster_name: str, name: str) -> Service:
        cluster = self.cluster(cluster_name)
        svc = cluster.services.get(name.rsplit("/", 1)[-1])
        if svc is None:
            raise AWSError(SERVICE_NOT_FOUND, "Service not found.")
        return svc

    def update_service(
        self,
        cluster_name: str,
        name: str,
        *,
        desired_count: int | None = None,
        task_definition: str | None = None,
        deployment_configuration: dep.DeploymentConfiguration | None = None,
        force_new_deployment: bool = False,
    ) -> Service:
        cluster = self.cluster(cluster_name)
        svc = self.service(cluster_name, name)
        if svc.status != "ACTIVE":
            raise AWSError(SERVICE_NOT_ACTIVE, "Service was not ACTIVE.")
        if desired_count is not None:
            svc.desired_count = desired_count
        if deployment_configuration is not None:
            svc.config = deployment_configuration
        new_td = (
            self.task_definitions.describe(task_definition).arn
            if task_definition is not None
            else None
        )
        if (new_td is not None and new_td != svc.primary.task_definition) or force_new_deployment:
            old = svc.primary
            old.status = dep.DeploymentStatus.ACTIVE
            svc.deployments.insert(
                0, self._new_deployment(new_td or old.task_definition, svc.desired_count)
            )
            svc.launch_failures = 0
            svc.next_launch_at = self.world.now
            svc.steady = False
        svc.primary.desired_count = svc.desired_count
        self._kick(cluster, svc)
        return svc

    def delete_service(self, cluster_name: str, name: str, force: bool = False) -> Service:
        cluster = self.cluster(cluster_name)
        svc = self.service(cluster_name, name)
        if svc.desired_count > 0 and not force and svc.scheduling_strategy == "REPLICA":
            raise AWSError(
                INVALID_PARAMETER,
                "The service cannot be stopped while it is scaled above 0.",
            )
        svc.status = "DRAINING"
        svc.desired_count = 0
        self._kick(cluster, svc)
        return svc

    def _new_deployment(self, task_definition: str, desired: int) -> dep.Deployment:
        n = next(self._deployment_ids)
        return dep.Deployment(
            id=f"ecs-svc/{(n * 7919 + 1000000000000000000) % 10**19:019d}",
            task_definition=task_definition,
            desired_count=desired,
            created_at=self.world.now,
        )

    def _event(self, svc: Service, message: str) -> None:
        svc.events.insert(0, (self.world.now, message))
        del svc.events[100:]  # DescribeServices keeps the latest 100
        self.world.emit("ecs.service_event", svc.name, message=message)

    def _kick_cluster(self, cluster: EcsCluster) -> None:
        """The cluster's capacity changed: reconcile the services it may concern. A steady
        service (one deployment, every task RUNNING, as many as desired) with no task on a
        draining instance has nothing to do (its own task events kick it when it does);
        daemons follow the instances."""
        everyone = bool(cluster.draining)
        for svc in cluster.services.values():
            if everyone or not svc.steady or svc.scheduling_strategy == "DAEMON":
                self._kick(cluster, svc)

    def _kick(self, cluster: EcsCluster, svc: Service) -> None:
        """Reconcile ``svc`` once, at the end of this instant (never re-entrantly)."""
        key = (cluster.name, svc.name)
        if key in self._kicked:
            return
        if not self._kicked:
            self.world.soon(self.settle)
        self._kicked.add(key)
        heapq.heappush(self._kick_order, key)

    def settle(self) -> None:
        """Reconcile every service that asked for it, until none does."""
        while self._kick_order:  # in (cluster, service) name order, as a heap keeps it
            cluster_name, name = heapq.heappop(self._kick_order)
            self._kicked.discard((cluster_name, name))
            cluster = self.clusters.get(cluster_name)
            if cluster is not None and name in cluster.services:
                self._reconcile(cluster, cluster.services[name])

    def _service_task_event(
        self,
        cluster: EcsCluster,
        svc: Service,
        what: str,
        task: Task,
        before: TaskState | None,
    ) -> None:
        task_id = self.task_id(task)
        if task_id not in svc.tasks:
            return
        if self.load_balancing is not None and svc.load_balancers:
            self.load_balancing.task_changed(svc, task_id)
        d = svc.task_deployment.get(task_id)
        if what == "running":
            svc.running_count += 1
            svc.pending_count -= 1
            svc.launch_failures = 0
            if d is not None:
                d.running += 1
        elif what == "stopping":
            if before is TaskState.RUNNING:
                svc.running_count -= 1
                if d is not None:
                    d.running -= 1
            elif before in STARTING:
                svc.pending_count -= 1
            if d is not None:
                d.live_ids.pop(task_id, None)
                if task.stop_code is StopCode.TASK_FAILED_TO_START:
                    self._task_failed(cluster, svc, d)  # counted before it is replaced
        elif what == "stopped":
            svc.tasks.pop(task_id, None)
            svc.task_deployment.pop(task_id, None)
            if d is not None:
                d.task_ids.discard(task_id)
        if what in ("running", "stopped") and self._unchanged_by(cluster, svc, what, task_id, d):
            return  # the reconcile it would ask for could change nothing
        self._kick(cluster, svc)

    def _settled_key(self, svc: Service) -> tuple:
        """What a rolling reconcile reads that can change without a task event of the
        service: its desired count, configuration and deployments (the API kicks the
        service on these, a direct assignment does not), and whether a target of its target
        groups entered or left healthy or unhealthy (``TargetGroup._kept_version``)."""
        lb = self.load_balancing
        versions = (
            tuple(lb.target_groups(x.target_group_arn)._kept_version for x in svc.load_balancers)
            if lb is not None
            else ()
        )
        return (svc.desired_count, svc.config, svc.primary, len(svc.deployments), versions)

    def _unchanged_by(
        self, cluster: EcsCluster, svc: Service, what: str, task_id: str, d: dep.Deployment | None
    ) -> bool:
        """True when reconciling ``svc`` after this task event would do nothing, so the
        event need not ask for it. A rolling deployment reconciles after each of its tasks'
        events; two of a replacement's four change nothing a reconcile reads:

        - a new task RUNNING whose targets are not healthy yet: it does not count for
          minimumHealthyPercent until they are (their health check asks again), and while
          an older deployment remains its running count decides nothing;
        - an old task STOPPED while its deployment keeps other tasks: it had already left
          the counts when it began stopping.

        That holds only if the last reconcile left nothing to do and nothing it reads has
        moved since: no kick pending or a launch, a scale-in or an old task still starting
        due (those reconcile again), and ``_settled_key`` as that reconcile left it.
        Capacity freed by the stop is read only by a launch, excluded here."""
        if d is None or svc.settled is None or cluster.draining or svc.status != "ACTIVE":
            return False
        primary = svc.primary
        if what == "running":
            lb = self.load_balancing
            if d is not primary or len(svc.deployments) < 2 or not svc.load_balancers:
                return False
            if lb is None or lb.healthy(task_id):
                return False
        elif not d.task_ids:  # the last task of its deployment: the reconcile retires it
            return False
        previous = svc.deployments[1:]
        if any(len(x.live_ids) > x.running for x in previous):
            return False  # old tasks still starting: the reconcile stops them
        desired = svc.desired_count
        want = desired - len(primary.live_ids)
        if want < 0:
            return False
        if want > 0:
            _, high = dep.rolling_bounds(desired, svc.config)
            room = high - len(primary.live_ids) - sum(len(x.live_ids) for x in previous)
            if self._launch_wanted(primary, want, room):
                return False  # the reconcile tries to launch again
        return svc.settled == self._settled_key(svc)

    @staticmethod
    def _launch_wanted(primary: dep.Deployment, want: int, room: int) -> bool:
        """A rolling reconcile starts tasks (or waits to retry): some are wanted, maximumPercent
        leaves room, and the deployment's circuit breaker has not failed it."""
        return want > 0 and room > 0 and primary.rollout_state is not dep.RolloutState.FAILED

    def _task_failed(self, cluster: EcsCluster, svc: Service, d: dep.Deployment) -> None:
        svc.launch_failures += 1
        svc.next_launch_at = self.world.now + dep.retry_delay(svc.launch_failures)
        if d is not svc.primary or d.rollout_state is not dep.RolloutState.IN_PROGRESS:
            return
        d.failed_tasks += 1
        threshold = dep.circuit_breaker_threshold(
            svc.desired_count, minimum=svc.config.circuit_breaker_minimum
        )
        if not svc.config.circuit_breaker or d.failed_tasks < threshold:
            return
        d.rollout_state = dep.RolloutState.FAILED
        d.rollout_state_reason = (
            f"ECS deployment circuit breaker: tasks failed to start. ({d.failed_tasks} of "
            f"threshold {threshold})"
        )
        self._event(svc, dep.EVENT_DEPLOYMENT_FAILED.format(service=svc.name, deployment=d.id))
        if svc.config.rollback:
            previous = next(  # the last deployment that completed (ECS rolls back to it)
                (x for x in svc.deployments[1:] if x.rollout_state is dep.RolloutState.COMPLETED),
                None,
            )
            if previous is not None:
                self._event(
                    svc, dep.EVENT_ROLLBACK.format(service=svc.name, deployment=previous.id)
                )
                d.status = dep.DeploymentStatus.ACTIVE
                back = self._new_deployment(previous.task_definition, svc.desired_count)
                back.rollout_state_reason = (
                    f"ECS deployment circuit breaker: rolling back to deploymentId {previous.id}."
                )
                svc.deployments.insert(0, back)
                svc.launch_failures = 0
                svc.next_launch_at = self.world.now

    # -------------------------------------------------------------- scheduler
    def _reconcile(self, cluster: EcsCluster, svc: Service) -> None:
        if svc.status == "INACTIVE":
            return
        registry = self.task_sets  # CODE_DEPLOY / EXTERNAL, and ECS blue/green services
        svc.settled = None  # while it runs, and after any reconcile but a rolling one
        if registry is not None and (svc.controller != "ECS" or svc.arn in registry.of_service):
            registry.reconcile(cluster, svc)  # its task sets, not deployments
            return
        if svc.scheduling_strategy == "DAEMON":
            self._reconcile_daemon(cluster, svc)
            self._retire_deployments(cluster, svc)
            return
        self._reconcile_replica(cluster, svc)
        self._retire_deployments(cluster, svc)
        svc.settled = self._settled_key(svc)

    def _live(self, cluster: EcsCluster, svc: Service) -> list[Task]:
        tasks = cluster.tasks
        return [tasks[t] for t in svc.tasks if tasks[t].desired_status == "RUNNING"]

    def _reconcile_replica(self, cluster: EcsCluster, svc: Service) -> None:
        """Keep the desired count; replace old tasks (older deployments, draining
        instances) within minimumHealthyPercent and maximumPercent. Cheap in steady state
        and in a deployment's every step: the old tasks are counted from their
        deployments, and listed only when some are to be stopped."""
        primary = svc.primary
        desired = svc.desired_count
        primary.desired_count = desired
        tasks, draining = cluster.tasks, cluster.draining
        on_draining = (
            [tasks[t] for t in primary.live_ids if tasks[t].container_instance in draining]
            if draining
            else []
        )
        previous = svc.deployments[1:]
        acted = False  # stopped, launched or scaled in before step 3 (each asks again)
        # 1. old tasks that never ran go at once: they hold capacity and serve nothing.
        # A deployment's live tasks are STARTING or RUNNING with desiredStatus RUNNING,
        # and ``running`` counts the RUNNING ones (``_service_task_event``).
        n_draining = len(on_draining)
        if any(len(d.live_ids) > d.running for d in previous) or any(
            t.last_status in STARTING for t in on_draining
        ):
            old = [tasks[t] for d in previous for t in d.live_ids] + on_draining
            scaling = REASON_SCALING.format(deployment_id=primary.id)
            for t in [t for t in old if t.last_status in STARTING]:
                self._stop(cluster, t, StopCode.SERVICE_SCHEDULER_INITIATED, scaling)
                acted = True
            on_draining = [t for t in on_draining if t.desired_status == "RUNNING"]
        n_old = sum(len(d.live_ids) for d in previous) + len(on_draining)
        n_new = len(primary.live_ids) - n_draining
        low, high = dep.rolling_bounds(desired, svc.config)
        # 2. start new tasks within maximumPercent, or scale in
        want = desired - n_new
        room = high - n_new - n_old
        if self._launch_wanted(primary, want, room):
            acted = True
            if self.world.now >= svc.next_launch_at:
                self._start_service_tasks(cluster, svc, min(want, room))
            else:
                self._retry_later(cluster, svc)
        elif want < 0:
            acted = True
            new = [
                tasks[t] for t in primary.live_ids if tasks[t].container_instance not in draining
            ]
            self._scale_in(cluster, svc, new, -want)
        # 3. stop old running tasks while minimumHealthyPercent holds
        if not n_old:
            return
        can_stop = n_old if desired == 0 else self.healthy_count(cluster, svc) - low
        if can_stop <= 0:
            return
        old = [tasks[t] for d in previous for t in d.live_ids] + on_draining
        running = (t for t in old if t.last_status is TaskState.RUNNING)
        stopped = list(itertools.islice(running, can_stop))  # the first can_stop running
        scaling = REASON_SCALING.format(deployment_id=primary.id)
        for t in stopped:
            self._stop(cluster, t, StopCode.SERVICE_SCHEDULER_INITIATED, scaling)
        if stopped:
            ids = [self.task_id(t) for t in stopped]
            message = dep.EVENT_STOPPED.format(
                service=svc.name, count=len(ids), tasks=dep.task_list(ids)
            )
            self._event(svc, message)
            if not acted and not draining and want == 0:
                self._drop_repeat(cluster, svc, n_old - len(stopped), low, running)

    def _drop_repeat(
        self, cluster: EcsCluster, svc: Service, n_old: int, low: int, running: Iterator[Task]
    ) -> None:
        """The stops just made ask for a reconcile of ``svc`` again: drop it when it
        could do nothing. Only step 3 acted (the caller checks: no launch is wanted, no
        instance drains, nothing else was stopped or started), and the stops move no count
        steps 1 and 2 read but ``room`` (which a launch would need, and none is wanted);
        so the repeat would stop more only if minimumHealthyPercent still lets some go
        and an old task still runs. Its retirement of deployments is the one that follows
        this reconcile, on the same state. ``running``: the old RUNNING tasks not stopped."""
        desired = svc.desired_count
        can_stop = n_old if desired == 0 else self.healthy_count(cluster, svc) - low
        if n_old and can_stop > 0 and next(running, None) is not None:
            return
        key = (cluster.name, svc.name)
        if key in self._kicked:  # the settle already scheduled stays (it finds no work)
            self._kicked.discard(key)
            self._kick_order.remove(key)
            heapq.heapify(self._kick_order)

    def _start_service_tasks(self, cluster: EcsCluster, svc: Service, count: int) -> None:
        td = self.task_definitions.describe(svc.primary.task_definition)
        started: list[Task] = []
        failures: list[PlacementFailure] = []
        while count > 0:
            batch, failures = self._launch(  # the scheduler is not bound by RunTask's 10
                cluster,
                td,
                count,
                svc.strategies,
                svc.constraints,
                svc.group,
                svc.primary.id,
                svc,
            )
            started += batch
            count -= len(batch)
            if failures or not batch:
                break
        if started:
            svc.steady = False
            ids = [self.task_id(t) for t in started]
            self._event(
                svc,
                dep.EVENT_STARTED.format(
                    service=svc.name, count=len(ids), tasks=dep.task_list(ids)
                ),
            )
        if failures:
            self._placement_event(cluster, svc, service_event_message(svc.name, failures[0]))
        else:
            svc.last_placement_message = None

    def _placement_event(self, cluster: EcsCluster, svc: Service, message: str) -> None:
        """Post "unable to place" once per cause, and again each ``duplicate_event_interval``
        while the cause holds (the scheduler looks again then)."""
        interval = self.timing.duplicate_event_interval
        repeat = self.world.now - svc.last_placement_at >= interval
        if message == svc.last_placement_message and not repeat:
            return
        self._event(svc, message)
        svc.last_placement_message = message
        svc.last_placement_at = self.world.now

        def look_again() -> Generator:
            yield self.world.env.timeout(interval)
            if svc.last_placement_message is not None:
                self._kick(cluster, svc)

        self.world.process(look_again())

    def _retry_later(self, cluster: EcsCluster, svc: Service) -> None:
        if svc.retry_scheduled:
            return
        svc.retry_scheduled = True
        delay = max(0.0, svc.next_launch_at - self.world.now)

        def later() -> Generator:
            yield self.world.env.timeout(delay)
            svc.retry_scheduled = False
            self._kick(cluster, svc)

        self.world.process(later())

    def _scale_in(self, cluster: EcsCluster, svc: Service, tasks: list[Task], n: int) -> None:
        starting = [t for t in tasks if t.last_status in STARTING]
        victims = starting[:n]
        n -= len(victims)
        if n > 0 and svc.capacity_provider_strategy:  # Fargate: keep the strategy's split
            running = [t for t in tasks if t.last_status is TaskState.RUNNING]
            picked = self._capacity().scale_in_victims(cluster, svc, running, n)
            victims += picked
            n -= len(picked)
        if n > 0:
            td = self.task_definitions.describe(svc.primary.task_definition)
            running = [t for t in tasks if t.last_status is TaskState.RUNNING]
            by_ci: dict[str, list[Task]] = {}
            for t in running:
                by_ci.setdefault(t.container_instance or "", []).append(t)
            candidates = [cluster.container_instances[c] for c in by_ci if c]
            picks = select_tasks_to_stop(
                td.requirements(),
                n,
                candidates,
                svc.strategies,
                svc.group,
                self.world.rng("ecs.scale_in"),
            )
            for p in picks:
                pool = by_ci.get(p.container_instance_id, [])
                if pool:
                    victims.append(pool.pop())
        for t in victims:
            self._stop(
                cluster,
                t,
                StopCode.SERVICE_SCHEDULER_INITIATED,
                REASON_SCALING.format(deployment_id=svc.primary.id),
            )
        if victims:
            ids = [self.task_id(t) for t in victims]
            self._event(
                svc,
                dep.EVENT_STOPPED.format(
                    service=svc.name, count=len(ids), tasks=dep.task_list(ids)
                ),
            )

    def _reconcile_daemon(self, cluster: EcsCluster, svc: Service) -> None:
        """One task per ACTIVE container instance; a new deployment replaces per instance."""
        td = self.task_definitions.describe(svc.primary.task_definition)
        live = self._live(cluster, svc)
        by_ci: dict[str, list[Task]] = {}
        for t in live:
            by_ci.setdefault(t.container_instance or "", []).append(t)
        svc.desired_count = 0
        for ci in cluster.container_instances.values():
            if not (ci.placeable and ci.agent_connected):
                continue
            svc.desired_count += 1
            mine = by_ci.get(ci.container_instance_id, [])
            current = [t for t in mine if self.task_id(t) in svc.primary.task_ids]
            for t in mine:
                if t not in current:
                    self._stop(
                        cluster,
                        t,
                        StopCode.SERVICE_SCHEDULER_INITIATED,
                        REASON_SCALING.format(deployment_id=svc.primary.id),
                    )
            if not current and self.world.now >= svc.next_launch_at:
                self.start_task(
                    cluster.name,
                    td.arn,
                    [ci.container_instance_id],
                    group=svc.group,
                    started_by=svc.primary.id,
                    service=svc,
                )
        svc.primary.desired_count = svc.desired_count

    def _retire_deployments(self, cluster: EcsCluster, svc: Service) -> None:
        primary = svc.primary
        if len(svc.deployments) > 1:  # most reconciles: the primary alone, nothing to retire
            for d in svc.deployments[1:]:
                if not d.task_ids:
                    d.status = dep.DeploymentStatus.INACTIVE
                    # empty, but their tables keep the size they grew to: a retired
                    # deployment a record still holds should not hold that memory
                    d.task_ids, d.live_ids = set(), {}
            svc.deployments = [primary] + [
                d for d in svc.deployments[1:] if d.status is not dep.DeploymentStatus.INACTIVE
            ]
        running_primary = primary.running
        done = len(svc.deployments) == 1 and running_primary == svc.desired_count
        if done and primary.rollout_state is dep.RolloutState.IN_PROGRESS:
            primary.rollout_state = dep.RolloutState.COMPLETED
            primary.rollout_state_reason = f"ECS deployment {primary.id} completed."
            primary.updated_at = self.world.now
            self._event(
                svc,
                dep.EVENT_DEPLOYMENT_COMPLETED.format(service=svc.name, deployment=primary.id),
            )
        live = sum(len(d.live_ids) for d in svc.deployments)
        steady = done and live == svc.desired_count
        if steady and not svc.steady:
            self._event(svc, dep.EVENT_STEADY.format(service=svc.name))
        svc.steady = steady
        if svc.status == "DRAINING" and not svc.tasks:
            svc.status = "INACTIVE"

    # ----------------------------------------------------------------- queries

    # ------------------------------------------- capacity providers (simulator.ecs.capacity)
    # Hooks for CapacityProviders: tasks created PROVISIONING without a container instance
    # (``_start_on`` with ci None), then placed on an Auto Scaling group's instance or
    # provisioned on Fargate; Fargate Spot interruptions.
    def _capacity(self) -> Any:
        if self.capacity is None:
            raise AWSError(
                INVALID_PARAMETER,
                "The cluster has no capacity providers (simulator.ecs.capacity.CapacityProviders).",
            )
        return self.capacity

    def start_unplaced(
        self,
        cluster: EcsCluster,
        td: TaskDefinition,
        group: str,
        started_by: str | None,
        service: Service | None = None,
    ) -> Task:
        """A task PROVISIONING with no container instance yet."""
        return self._start_on(cluster, td, None, group, started_by, service)

    def place_unplaced(self, cluster: EcsCluster, task: Task, ci: ContainerInstance) -> None:
        """Place a waiting PROVISIONING task on ``ci``; its lifecycle continues from there."""
        req = self.task_definitions.describe(task.task_definition_arn).requirements()
        task.container_instance = ci.container_instance_id
        ci.allocate(task.task_id, req, task.group, pending=True)
        cluster.placement.touch(ci)
        if ci.placeable and ci.agent_connected:
            cluster.used_cpu += req.cpu
            cluster.used_memory += req.memory
        self.world.emit(
            "ecs.task_placed", task.task_id, container_instance=ci.container_instance_id
        )
        if req.network_mode is NetworkMode.AWSVPC:
            self._after(cluster, task, "eni_attachment", TaskAction.PROVISIONED)
        else:
            self._advance(cluster, task, TaskAction.PROVISIONED)

    def provision_unplaced(self, cluster: EcsCluster, task: Task, timing: str) -> None:
        """Fargate: PROVISIONING ends after the ``timing`` delay, with no container instance."""
        self._after(cluster, task, timing, TaskAction.PROVISIONED)

    def interrupt_task(self, cluster: EcsCluster, task: Task, code: StopCode, reason: str) -> None:
        """Stop a task for a reason of AWS's own (a Spot interruption notice)."""
        self._stop(cluster, task, code, reason)

    def lose_task(self, cluster: EcsCluster, task: Task, reason: str) -> None:
        """The task's capacity is gone: STOPPED at once."""
        self._lose(cluster, task, reason)
