"""An EC2 Auto Scaling group, as much of one as an ECS capacity provider needs.

The group keeps ``desired_capacity`` instances in service between ``min_size`` and
``max_size``: it launches through ``Ec2ControlPlane.run_instances`` and each instance joins
the ECS cluster (its user data sets ECS_CLUSTER), and it replaces an instance that
terminates without the group asking (EC2 Auto Scaling health replacement). Several
instance types are a mixed instances policy with the "prioritized" On-Demand allocation
strategy: the first type launches; the others are there for capacity calculations (x86 and
Graviton types may be mixed). Scale-in picks its victims as the default termination policy
does among unprotected instances: the Availability Zone with the most instances, then at
random (a named stream) since all instances share one launch template.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Generator, Iterable, Sequence

from simulator.catalog.catalog import InstanceType, instance_type
from simulator.core.errors import AWSError
from simulator.core.world import World
from simulator.ec2.control import Ec2ControlPlane
from simulator.lifecycle.fleet import Changes
from simulator.lifecycle.instance import InstanceState

VALIDATION_ERROR = "ValidationError"
"""EC2 Auto Scaling's error code for out-of-range sizes (AutoScaling API reference)."""

GONE = (InstanceState.SHUTTING_DOWN, InstanceState.TERMINATED)

JoinCluster = Callable[[str], None]
ZoneOf = Callable[[str], str]


class AutoScalingGroup:
    """One group: its sizes, its in-service instances (launch order) and their launch times."""

    def __init__(
        self,
        world: World,
        ec2: Ec2ControlPlane,
        name: str,
        instance_types: Sequence[str],
        *,
        min_size: int,
        max_size: int,
        desired_capacity: int | None = None,
        join: JoinCluster | None = None,
        zone_of: ZoneOf | None = None,
    ):
        if not instance_types:
            raise AWSError(VALIDATION_ERROR, f"Auto Scaling group {name}: no instance types.")
        self.types: tuple[InstanceType, ...] = tuple(instance_type(t) for t in instance_types)
        desired = min_size if desired_capacity is None else desired_capacity
        _check_sizes(name, min_size, max_size, desired)
        self.world = world
        self.ec2 = ec2
        self.name = name
        self.min_size = min_size
        self.max_size = max_size
        self.desired_capacity = 0
        self.instances: list[str] = []
        self.launched_at: dict[str, float] = {}
        self.join = join
        self.zone_of = zone_of or (lambda _iid: "")
        self._leaving: set[str] = set()  # instances the group itself terminates
        self._replacing = False
        ec2.listeners.append(self._on_ec2)
        self._initial = desired

    # ------------------------------------------------------------------ sizes
    @property
    def launch_type(self) -> InstanceType:
        """The type the group launches (prioritized allocation: the first)."""
        return self.types[0]

    def start(self) -> list[str]:
        """Launch the initial desired capacity; returns the new instance ids."""
        return self.set_desired_capacity(self._initial)

    def set_desired_capacity(self, desired: int, protected: Iterable[str] = ()) -> list[str]:
        """SetDesiredCapacity: launches up to it, or terminates unprotected instances down to
        it; returns the instances launched."""
        _check_sizes(self.name, self.min_size, self.max_size, desired)
        if desired < len(self.instances):
            self.scale_in(len(self.instances) - desired, protected)
        self.desired_capacity = desired
        return self._fill()

    def _fill(self) -> list[str]:
        missing = self.desired_capacity - len(self.instances)
        if missing <= 0:
            return []
        ids = self.ec2.run_instances(self.launch_type.name, missing)
        for iid in ids:
            self.instances.append(iid)
            self.launched_at[iid] = self.world.now
            if self.join is not None:
                self.join(iid)
        self.world.emit(
            "autoscaling.launch", self.name, instances=ids, desired_capacity=self.desired_capacity
        )
        return ids

    def scale_in(self, count: int, protected: Iterable[str] = ()) -> list[str]:
        """Terminate up to ``count`` unprotected instances (never below ``min_size``) and lower
        the desired capacity by as many; returns the terminated ids."""
        count = min(count, len(self.instances) - self.min_size)
        shielded = set(protected)
        victims = choose_victims(
            [i for i in self.instances if i not in shielded],
            count,
            self.zone_of,
            Counter(self.zone_of(i) for i in self.instances),
            self.world.rng(f"asg.{self.name}.termination"),
        )
        return self.terminate(victims, decrement=True)

    def terminate(self, ids: Sequence[str], decrement: bool = True) -> list[str]:
        """TerminateInstanceInAutoScalingGroup for each id (ShouldDecrementDesiredCapacity)."""
        ids = [i for i in ids if i in self.instances]
        if not ids:
            return []
        for iid in ids:
            self.instances.remove(iid)
            self._leaving.add(iid)
        if decrement:
            self.desired_capacity = max(self.min_size, self.desired_capacity - len(ids))
        self.world.emit(
            "autoscaling.terminate",
            self.name,
            instances=ids,
            desired_capacity=self.desired_capacity,
        )
        self.ec2.terminate_instances(list(ids))
        self._schedule_fill()
        return ids

    # ------------------------------------------------------------------ health
    def _on_ec2(self, changes: Changes) -> None:
        """An in-service instance that terminates without the group asking is replaced."""
        lost = [
            c.instance_id
            for c in changes.instances
            if c.current_state in GONE
            and c.instance_id in self.launched_at
            and c.instance_id not in self._leaving
            and c.instance_id in self.instances
        ]
        for iid in lost:
            self.instances.remove(iid)
            self.world.emit("autoscaling.unhealthy", self.name, instance=iid)
        if lost:
            self._schedule_fill()

    def _schedule_fill(self) -> None:
        """Launch replacements at the end of this instant (never inside an EC2 callback)."""
        if self._replacing or len(self.instances) >= self.desired_capacity:
            return
        self._replacing = True

        def later() -> Generator:
            yield self.world.env.timeout(0)
            self._replacing = False
            self._fill()

        self.world.process(later())


def _check_sizes(name: str, min_size: int, max_size: int, desired: int) -> None:
    if not 0 <= min_size <= max_size:
        raise AWSError(
            VALIDATION_ERROR,
            f"Auto Scaling group {name}: expected 0 <= MinSize <= MaxSize, "
            f"got MinSize {min_size}, MaxSize {max_size}.",
        )
    if desired > max_size:
        raise AWSError(
            VALIDATION_ERROR,
            f"New SetDesiredCapacity value {desired} is above max value {max_size} "
            f"for the AutoScalingGroup.",
        )
    if desired < min_size:
        raise AWSError(
            VALIDATION_ERROR,
            f"New SetDesiredCapacity value {desired} is below min value {min_size} "
            f"for the AutoScalingGroup.",
        )


def choose_victims(
    candidates: Sequence[str],
    count: int,
    zone_of: ZoneOf,
    zone_counts: Counter,
    rng,
) -> list[str]:
    """The default termination policy, one victim at a time: from the Availability Zone with
    the most instances of the group (ties: the zone that sorts first), then at random."""
    pool = list(candidates)
    counts = Counter(zone_counts)
    out: list[str] = []
    while pool and len(out) < count:
        zones = {zone_of(i) for i in pool}
        top = max(counts[z] for z in zones)
        zone = min(z for z in zones if counts[z] == top)
        in_zone = [i for i in pool if zone_of(i) == zone]
        victim = in_zone[int(rng.integers(len(in_zone)))] if len(in_zone) > 1 else in_zone[0]
        pool.remove(victim)
        counts[zone] -= 1
        out.append(victim)
    return out
