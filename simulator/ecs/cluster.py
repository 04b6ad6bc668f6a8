"""A first ECS cluster model: container instances of one type and replica services.

Tasks are counted per (service, container instance); placement is first-fit over
container instances in launch order. Registered CPU is vCPUs x 1024 and registered
memory the instance memory minus a reserve, as the ECS agent registers them.
The timing of launches and task states is deepened by the lifecycle and ECS issues.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from simulator.catalog.catalog import InstanceType

UNABLE_TO_PLACE = (
    "service {service} was unable to place a task because no container instance met all "
    "of its requirements."
)


@dataclass(eq=False)  # identity: two registrations are never "equal"
class ContainerInstance:
    instance_id: str
    instance_type: InstanceType
    registered_cpu: int
    registered_memory: int
    launched_at: float
    terminated_at: float | None = None
    used_cpu: int = 0
    used_memory: int = 0
    tasks: dict[str, int] = field(default_factory=dict)

    def fits(self, cpu: int, memory: int) -> int:
        """How many more tasks of this size fit."""
        return min(
            (self.registered_cpu - self.used_cpu) // cpu,
            (self.registered_memory - self.used_memory) // memory,
        )


@dataclass
class ServiceSpec:
    name: str
    cpu: int
    memory: int
    desired_count: int
    workload: str


@dataclass
class Placement:
    """What a reconcile did: tasks started and stopped per service, and shortfalls."""

    started: dict[str, int] = field(default_factory=dict)
    stopped: dict[str, int] = field(default_factory=dict)
    unplaced: dict[str, int] = field(default_factory=dict)


class Cluster:
    """Container instances and the running-task counts of each service."""

    def __init__(self, name: str, reserved_memory_mib: int = 0):
        self.name = name
        self.reserved_memory_mib = reserved_memory_mib
        self.instances: dict[str, ContainerInstance] = {}  # registered, in launch order
        self.retired: list[ContainerInstance] = []
        self.services: dict[str, ServiceSpec] = {}
        self._next_id = 0
        # running aggregates, so per-tick questions cost O(1) on large fleets
        self._running: dict[str, int] = {}
        self._registered = [0, 0]  # cpu, memory of active instances
        self._used = [0, 0]

    def register(self, instance_id: str, itype: InstanceType, at: float) -> ContainerInstance:
        """An EC2 instance's agent registers it (CPU = vCPUs x 1024, memory - reserve)."""
        ci = ContainerInstance(
            instance_id=instance_id,
            instance_type=itype,
            registered_cpu=itype.vcpu * 1024,
            registered_memory=max(0, itype.memory_mib - self.reserved_memory_mib),
            launched_at=at,
        )
        self.instances[instance_id] = ci
        self._registered[0] += ci.registered_cpu
        self._registered[1] += ci.registered_memory
        return ci

    def is_registered(self, instance_id: str) -> bool:
        return instance_id in self.instances

    def deregister(self, instance_id: str, at: float) -> ContainerInstance | None:
        """The instance left (stopped, terminated, impaired): its tasks stop with it."""
        ci = self.instances.pop(instance_id, None)
        if ci is None:
            return None
        self._retire(ci, at)
        return ci

    def add_instances(self, itype: InstanceType, count: int, at: float) -> list[ContainerInstance]:
        """Register ``count`` new instances with generated ids (for tests and notebooks)."""
        added = []
        for _ in range(count):
            self._next_id += 1
            added.append(self.register(f"i-{self._next_id:017x}", itype, at))
        return added

    def remove_instances(self, count: int, at: float) -> list[ContainerInstance]:
        """Deregister ``count`` instances, newest first; their tasks stop."""
        removed = []
        for _ in range(min(count, len(self.instances))):
            _, ci = self.instances.popitem()
            self._retire(ci, at)
            removed.append(ci)
        return removed

    def _retire(self, ci: ContainerInstance, at: float) -> None:
        ci.terminated_at = at
        for name, n in ci.tasks.items():
            self._running[name] = self._running.get(name, 0) - n
        ci.tasks = {}
        self._registered[0] -= ci.registered_cpu
        self._registered[1] -= ci.registered_memory
        self._used[0] -= ci.used_cpu
        self._used[1] -= ci.used_memory
        ci.used_cpu = ci.used_memory = 0
        self.retired.append(ci)

    def running(self, service: str) -> int:
        return self._running.get(service, 0)

    def reconcile(self) -> Placement:
        """Bring every service toward its desired count: stop extras, place missing."""
        result = Placement()
        for svc in self.services.values():
            running = self.running(svc.name)
            if running > svc.desired_count:
                result.stopped[svc.name] = self._stop(svc, running - svc.desired_count)
            elif running < svc.desired_count:
                placed = self._place(svc, svc.desired_count - running)
                result.started[svc.name] = placed
                short = svc.desired_count - running - placed
                if short:
                    result.unplaced[svc.name] = short
        return result

    def _place(self, svc: ServiceSpec, count: int) -> int:
        placed = 0
        for ci in self.instances.values():
            if placed == count:
                break
            n = min(count - placed, ci.fits(svc.cpu, svc.memory))
            if n > 0:
                ci.tasks[svc.name] = ci.tasks.get(svc.name, 0) + n
                ci.used_cpu += n * svc.cpu
                ci.used_memory += n * svc.memory
                placed += n
        self._running[svc.name] = self._running.get(svc.name, 0) + placed
        self._used[0] += placed * svc.cpu
        self._used[1] += placed * svc.memory
        return placed

    def _stop(self, svc: ServiceSpec, count: int) -> int:
        stopped = 0
        for ci in reversed(self.instances.values()):
            if stopped == count:
                break
            n = min(count - stopped, ci.tasks.get(svc.name, 0))
            if n > 0:
                ci.tasks[svc.name] -= n
                ci.used_cpu -= n * svc.cpu
                ci.used_memory -= n * svc.memory
                stopped += n
        self._running[svc.name] = self._running.get(svc.name, 0) - stopped
        self._used[0] -= stopped * svc.cpu
        self._used[1] -= stopped * svc.memory
        return stopped

    def reserved(self) -> tuple[float, float]:
        """Fractions of registered CPU and memory reserved by tasks."""
        cpu, mem = self._registered
        return (self._used[0] / cpu if cpu else 0.0, self._used[1] / mem if mem else 0.0)
