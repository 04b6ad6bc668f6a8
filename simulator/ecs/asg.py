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

Lifecycle hooks (``simulator.ecs.asg_lifecycle``) hold launching instances in Pending:Wait
and leaving ones in Terminating:Wait until completed or timed out; ``listeners`` hear of
each action (the Auto Scaling facade delivers them to the account's hook functions).
Instances protected from scale-in (SetInstanceProtection) are never scale-in victims.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Sequence

from simulator.catalog.catalog import InstanceType, instance_type
from simulator.core.errors import AWSError
from simulator.core.world import World
from simulator.ec2.control import Ec2ControlPlane
from simulator.ecs import asg_lifecycle as lc
from simulator.ecs.asg_lifecycle import Activity, LifecycleAction, LifecycleHook
from simulator.lifecycle.fleet import Changes
from simulator.lifecycle.instance import InstanceState

VALIDATION_ERROR = "ValidationError"
"""EC2 Auto Scaling's error code for out-of-range sizes (AutoScaling API reference)."""

GONE = (InstanceState.SHUTTING_DOWN, InstanceState.TERMINATED)

JoinCluster = Callable[[str], None]
ZoneOf = Callable[[str], str]
Launcher = Callable[[str, str | None], str]
"""(instance type, Availability Zone or None) -> the new instance's id."""
ActionListener = Callable[["AutoScalingGroup", LifecycleAction], None]


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
        self.hooks: dict[str, LifecycleHook] = {}
        self.actions: list[LifecycleAction] = []
        self.state: dict[str, str] = {}  # instance -> lifecycle state, while in the group
        self.protected: set[str] = set()  # SetInstanceProtection
        self.new_instances_protected = False
        self.listeners: list[ActionListener] = []
        self.activities: list[Activity] = []
        self.launcher: Launcher | None = None
        self.zones: tuple[str, ...] = ()
        self.created_at = world.now
        self._serial = 0

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
        if self.launcher is None:
            ids = self.ec2.run_instances(self.launch_type.name, missing)
        else:
            ids = []
            for _ in range(missing):  # one by one: each goes to the emptiest zone
                ids.append(self.launcher(self.launch_type.name, self._next_zone(ids)))
        for iid in ids:
            self.instances.append(iid)
            self.launched_at[iid] = self.world.now
            self.state[iid] = lc.PENDING
            if self.new_instances_protected:
                self.protected.add(iid)
            if self.join is not None:
                self.join(iid)
            self._activity(
                f"Launching a new EC2 instance: {iid}",
                f"an instance was started in response to a difference between desired and "
                f"actual capacity, increasing the capacity to {self.desired_capacity}",
            )
        self.world.emit(
            "autoscaling.launch", self.name, instances=ids, desired_capacity=self.desired_capacity
        )
        for iid in ids:
            self._start_actions(iid, lc.LAUNCHING)
        return ids

    def _next_zone(self, launching: Sequence[str] = ()) -> str | None:
        """The group's zone with the fewest of its instances (AZ rebalancing on launch)."""
        if not self.zones:
            return None
        counts = Counter(self.zone_of(i) for i in [*self.instances, *launching])
        return min(self.zones, key=lambda z: (counts[z], self.zones.index(z)))

    def scale_in(self, count: int, protected: Iterable[str] = ()) -> list[str]:
        """Terminate up to ``count`` unprotected instances (never below ``min_size``) and lower
        the desired capacity by as many; returns the terminated ids."""
        count = min(count, len(self.instances) - self.min_size)
        shielded = set(protected) | self.protected
        victims = choose_victims(
            [i for i in self.instances if i not in shielded],
            count,
            self.zone_of,
            Counter(self.zone_of(i) for i in self.instances),
            self.world.rng(f"asg.{self.name}.termination"),
        )
        return self.terminate(victims, decrement=True)

    def terminate(self, ids: Sequence[str], decrement: bool = True) -> list[str]:
        """TerminateInstanceInAutoScalingGroup for each id (ShouldDecrementDesiredCapacity);
        an instance a terminating hook holds is terminated once its actions complete."""
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
        now_ids = []
        for iid in ids:
            self._activity(
                f"Terminating EC2 instance: {iid}",
                "an instance was taken out of service in response to a user request"
                + (", shrinking the capacity" if decrement else ""),
            )
            self._close_actions(iid, lc.LAUNCHING)
            if self._start_actions(iid, lc.TERMINATING):
                continue
            self.state[iid] = lc.TERMINATING_STATE
            now_ids.append(iid)
        if now_ids:
            self.ec2.terminate_instances(now_ids)
        self._schedule_fill()
        return ids

    def delete(self, force: bool = False) -> None:
        """DeleteAutoScalingGroup: with ``force`` its instances terminate at once (their
        lifecycle actions are dropped); the group stops reacting to EC2 either way."""
        if force:
            for a in self.actions:
                if a.open:
                    a.result = lc.ABANDON
            ids = [i for i in self.state if self.state[i] != lc.TERMINATED]
            self.instances.clear()
            self._leaving.update(ids)
            live = [i for i in ids if self.ec2.fleet.instances[i].state not in GONE]
            if live:
                self.ec2.terminate_instances(live)
        self.desired_capacity = 0
        if self._on_ec2 in self.ec2.listeners:
            self.ec2.listeners.remove(self._on_ec2)

    # ------------------------------------------------------------------ lifecycle hooks
    def _token(self) -> str:
        self._serial += 1
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"ecsim/asg/{self.name}/{self._serial}"))

    def _activity(self, description: str, cause: str, status: str = "Successful") -> None:
        at = self.world.now
        self.activities.append(Activity(self._token(), description, cause, at, at, status, 100))

    def open_actions(self, iid: str | None = None) -> list[LifecycleAction]:
        return [a for a in self.actions if a.open and (iid is None or a.instance_id == iid)]

    def _start_actions(self, iid: str, transition: str) -> bool:
        """Hold ``iid`` on every hook of ``transition``; False when there is none."""
        hooks = sorted(
            (h for h in self.hooks.values() if h.transition == transition), key=lambda h: h.name
        )
        if not hooks:
            return False
        self.state[iid] = lc.PENDING_WAIT if transition == lc.LAUNCHING else lc.TERMINATING_WAIT
        now = self.world.now
        started = []
        for h in hooks:
            action = LifecycleAction(
                hook=h,
                instance_id=iid,
                token=self._token(),
                started=now,
                deadline=now + h.heartbeat_timeout,
                global_deadline=now + lc.global_timeout(h.heartbeat_timeout),
            )
            self.actions.append(action)
            started.append(action)
            self.world.process(self._expire(action))
        for action in started:
            for listener in list(self.listeners):
                listener(self, action)
        return True

    def _expire(self, action: LifecycleAction) -> Generator:
        """The hook's DefaultResult once its heartbeat timeout passes with no answer."""
        while action.open:
            wait = action.deadline - self.world.now
            if wait > 0:
                yield self.world.env.timeout(wait)
                continue
            self.world.emit(
                "autoscaling.lifecycle_timeout",
                self.name,
                instance=action.instance_id,
                hook=action.hook.name,
                result=action.hook.default_result,
            )
            self.complete(action, action.hook.default_result)

    def find_action(
        self, hook_name: str, *, token: str | None = None, instance_id: str | None = None
    ) -> LifecycleAction:
        """The open action of ``hook_name`` by token or instance (ValidationError if none)."""
        for a in self.actions:
            match = a.token == token if token is not None else a.instance_id == instance_id
            if a.open and a.hook.name == hook_name and match:
                return a
        if token is not None:
            raise AWSError(VALIDATION_ERROR, f"No active Lifecycle Action found with token {token}")
        raise AWSError(
            VALIDATION_ERROR, f"No active Lifecycle Action found with instance ID {instance_id}"
        )

    def heartbeat(self, action: LifecycleAction) -> None:
        """RecordLifecycleActionHeartbeat: the timeout restarts (up to the global cap)."""
        now = self.world.now
        action.heartbeats.append(now)
        action.deadline = min(now + action.hook.heartbeat_timeout, action.global_deadline)

    def complete(self, action: LifecycleAction, result: str) -> None:
        """CompleteLifecycleAction (or the timeout's default result)."""
        if not action.open:
            return
        action.result = result
        iid = action.instance_id
        transition = action.hook.transition
        if result == lc.ABANDON:
            self._close_actions(iid, transition)
        if any(a.hook.transition == transition for a in self.open_actions(iid)):
            return
        if transition == lc.LAUNCHING:
            if iid not in self.instances:
                return
            if result == lc.ABANDON:
                self.terminate([iid], decrement=False)
                return
            running = self.ec2.fleet.instances[iid].state is InstanceState.RUNNING
            self.state[iid] = lc.IN_SERVICE if running else lc.PENDING_PROCEED
        else:
            self.state[iid] = lc.TERMINATING_PROCEED
            if self.ec2.fleet.instances[iid].state not in GONE:
                self.ec2.terminate_instances([iid])

    def _close_actions(self, iid: str, transition: str) -> None:
        for a in self.open_actions(iid):
            if a.hook.transition == transition:
                a.result = lc.ABANDON

    # ------------------------------------------------------------------ health
    def _on_ec2(self, changes: Changes) -> None:
        """An in-service instance that terminates without the group asking is replaced."""
        for c in changes.instances:
            iid = c.instance_id
            state = self.state.get(iid)
            if state is None:
                continue
            if c.current_state is InstanceState.RUNNING and state in (
                lc.PENDING,
                lc.PENDING_PROCEED,
            ):
                self.state[iid] = lc.IN_SERVICE
            elif c.current_state is InstanceState.TERMINATED:
                del self.state[iid]
                self.protected.discard(iid)
                for a in self.open_actions(iid):
                    a.result = lc.ABANDON
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
