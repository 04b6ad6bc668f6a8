"""The Fleet: instances tied to Dedicated Hosts, with every documented placement rule.

Pure and untimed: each method takes the simulated time ``at`` and returns what changed.
Requests (``run_instances``, ``stop_instances``...) validate everything first and change
nothing when they refuse, raising ``AWSError`` with AWS's code. Timed completions
(``complete_boot``, ``complete_scrub``...) are called later by the DES, which decides the
delays; they raise if the resource has moved on (e.g. terminated while stopping), so a
timed layer should check the state or catch ``AWSError`` when its timer fires.

Rules and their sources (EC2 User Guide, June 2023 archive, unless noted):
- Instances launch only onto ``available`` hosts; single-size hosts take only their type,
  mixed-size ones any size of their family up to capacity (``simulator.catalog.hosts``).
- Host tenancy without a host ID goes to any available host with auto-placement on.
- Affinity ``host``: a stopped instance restarts only on its host; ``default``: on its last
  host if it can, else on any auto-placement host ("best effort").
- ReleaseHosts is refused while any instance on the host is pending, running, rebooting,
  stopping or shutting-down (seed post), and for Mac hosts before 24 h. Stopped instances
  don't block release; they are detached from the released host and, as the
  ModifyInstancePlacement reference says of an unassociated instance, land on an
  auto-placement host at their next start (binding to it if their affinity is ``host``).
- Stopping or terminating a Mac instance scrubs its host (available -> pending).
- Host failure: the host goes under-assessment and its instances are impaired. With host
  recovery on and supported by the family, a replacement is allocated (pending);
  ``complete_recovery`` relaunches the running EBS-backed instances on it (same IDs) and
  releases the original (released-permanent-failure), or leaves it permanent-failure when
  some instances could not be recovered (instance store). Without recovery,
  ``complete_assessment`` decides: healthy again, or permanent-failure, where instances
  keep running impaired until stopped or terminated, after which AWS retires the host.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from simulator.catalog.hosts import MAC_MINIMUM_ALLOCATION_SECONDS, HostType
from simulator.core.errors import AWSError, CatalogError
from simulator.lifecycle import codes
from simulator.lifecycle.host import Host, HostAction, HostState, OnOff
from simulator.lifecycle.instance import (
    Action,
    Affinity,
    Instance,
    InstanceState,
    RootDevice,
    Tenancy,
)

MIXED_SIZE_FAMILIES_DOC = "A1, C5, M5, R5, C5n, M5n, R5n and T3"


class InstanceTypeLike(Protocol):
    """What the fleet needs to know of an instance type (catalog.InstanceType has it)."""

    @property
    def name(self) -> str: ...
    @property
    def family(self) -> str: ...
    @property
    def arch(self) -> str: ...
    @property
    def vcpu(self) -> int: ...


@dataclass(frozen=True, slots=True)
class InstanceStateChange:
    """AWS's InstanceStateChange: one transition of one instance; ``previous_state`` None
    for a newly launched instance."""

    instance_id: str
    previous_state: InstanceState | None
    current_state: InstanceState


@dataclass(frozen=True, slots=True)
class HostStateChange:
    """One transition of one host; ``previous_state`` None for a newly allocated host."""

    host_id: str
    previous_state: HostState | None
    current_state: HostState


@dataclass(frozen=True, slots=True)
class Changes:
    """What one call changed, in the order it happened."""

    instances: tuple[InstanceStateChange, ...] = ()
    hosts: tuple[HostStateChange, ...] = ()
    impaired: tuple[str, ...] = ()
    """Instances whose status turned impaired (their state itself did not change)."""
    detached: tuple[str, ...] = ()
    """Stopped instances no longer associated with a host (it was released)."""


class UnsuccessfulItem(NamedTuple):
    """AWS's UnsuccessfulItem: ResourceId and Error {Code, Message}."""

    resource_id: str
    code: str
    message: str


class _Log:
    """Collects changes while a call runs."""

    def __init__(self) -> None:
        self.instances: list[InstanceStateChange] = []
        self.hosts: list[HostStateChange] = []
        self.impaired: list[str] = []
        self.detached: list[str] = []

    def freeze(self) -> Changes:
        return Changes(
            tuple(self.instances), tuple(self.hosts), tuple(self.impaired), tuple(self.detached)
        )


def _unique(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(ids))


class Fleet:
    """Instances and Dedicated Hosts of one account and Region, and the rules between them.

    ``instance_types`` and ``host_types`` resolve catalog entries (defaults: the package
    catalog); pass others to model types the catalog lacks. ``host_limit_per_family``
    models the Dedicated Host quota (None: unlimited). ``affinity_change_requires_stopped``
    selects the 2023 User Guide rule (affinity too needs a stopped instance) over the
    current API reference (only host ID, tenancy and placement group need it).
    """

    def __init__(
        self,
        *,
        instance_types: Callable[[str], InstanceTypeLike] | None = None,
        host_types: Callable[[str], HostType] | None = None,
        host_limit_per_family: int | None = None,
        affinity_change_requires_stopped: bool = False,
        mac_minimum_allocation_seconds: float = MAC_MINIMUM_ALLOCATION_SECONDS,
    ):
        if instance_types is None:
            from simulator.catalog.catalog import instance_type

            instance_types = instance_type
        if host_types is None:
            from simulator.catalog.hosts import host_type

            host_types = host_type
        self._instance_types = instance_types
        self._host_types = host_types
        self.host_limit_per_family = host_limit_per_family
        self.affinity_change_requires_stopped = affinity_change_requires_stopped
        self.mac_minimum_allocation_seconds = mac_minimum_allocation_seconds
        self.instances: dict[str, Instance] = {}
        self.hosts: dict[str, Host] = {}
        self.time = 0.0
        self._next_instance = 1
        self._next_host = 1
        # Capacity taken by active instances, kept up to date as they change (launches
        # are O(hosts), not O(instances)); check_fleet recomputes it from scratch.
        self._used: defaultdict[str, int] = defaultdict(int)
        self._sizes: defaultdict[tuple[str, str], int] = defaultdict(int)

    # ------------------------------------------------------------------ queries
    def instances_on(self, host_id: str) -> list[Instance]:
        """Instances placed on the host (active, and stopped but still associated)."""
        return [self.instances[i] for i in sorted(self.hosts[host_id].instances)]

    def active_instances(self, host_id: str) -> list[Instance]:
        """Instances occupying the host: pending, running, rebooting, stopping, shutting-down."""
        return [i for i in self.instances_on(host_id) if i.active]

    def used_units(self, host_id: str) -> int:
        """Capacity units taken by the host's active instances."""
        self.hosts[host_id]  # KeyError for an unknown host
        return self._used[host_id]

    def available_units(self, host_id: str) -> int:
        """Capacity units left for new launches (AvailableVCpus where units are vCPUs)."""
        return self.hosts[host_id].capacity - self.used_units(host_id)

    def room_for(self, host_id: str, instance_type: str) -> int:
        """How many more instances of ``instance_type`` the host could take now."""
        spec = self._spec(instance_type)
        host = self.hosts[host_id]
        if host.state is not HostState.AVAILABLE or not host.accepts_type(spec.name, spec.family):
            return 0
        return _Plan(self).room(host, spec.vcpu, _size(spec.name))

    # ------------------------------------------------------------------ hosts
    def allocate_hosts(
        self,
        *,
        at: float,
        instance_type: str | None = None,
        instance_family: str | None = None,
        quantity: int = 1,
        auto_placement: OnOff = "off",
        host_recovery: OnOff = "off",
    ) -> list[str]:
        """AllocateHosts: ``quantity`` hosts, available at once; returns their HostIds.

        ``instance_type`` makes single-size hosts; ``instance_family`` mixed-size ones,
        which only the families AWS lists support (else InvalidHostConfiguration).
        """
        self._tick(at)
        if instance_type is not None and instance_family is not None:
            raise AWSError(
                codes.INVALID_PARAMETER_COMBINATION,
                "You cannot specify InstanceFamily and InstanceType in the same request.",
            )
        if instance_type is None and instance_family is None:
            raise AWSError(
                codes.MISSING_PARAMETER, "AllocateHosts needs InstanceType or InstanceFamily."
            )
        if not isinstance(quantity, int) or quantity < 1:
            raise AWSError(
                codes.INVALID_QUANTITY, f"Quantity must be a positive integer, got {quantity!r}."
            )
        if auto_placement not in ("on", "off"):
            raise AWSError(
                codes.INVALID_AUTO_PLACEMENT,
                f"AutoPlacement must be 'on' or 'off', got {auto_placement!r}.",
            )
        if host_recovery not in ("on", "off"):
            raise AWSError(
                codes.INVALID_PARAMETER_VALUE,
                f"HostRecovery must be 'on' or 'off', got {host_recovery!r}.",
            )
        if instance_type is not None:
            family = self._spec(instance_type).family
            htype = self._host_type(family, f"The instance type '{instance_type}'")
        else:
            family = str(instance_family)
            htype = self._host_type(family, f"The instance family '{family}'")
            if not htype.mixed_sizes:
                raise AWSError(
                    codes.INVALID_HOST_CONFIGURATION,
                    f"The instance family '{family}' is not supported: only "
                    f"{MIXED_SIZE_FAMILIES_DOC} hosts support multiple instance types; "
                    f"allocate {family} hosts by InstanceType.",
                )
        if self.host_limit_per_family is not None:
            held = sum(1 for h in self.hosts.values() if h.family == family and not h.released)
            if held + quantity > self.host_limit_per_family:
                raise AWSError(
                    codes.HOST_LIMIT_EXCEEDED,
                    f"The number of Dedicated hosts you've requested ({quantity}) would bring "
                    f"your total up to {held + quantity} for the specified group of instance "
                    f"types ({family}). This exceeds your current limit of "
                    f"{self.host_limit_per_family}.",
                )
        ids = []
        for _ in range(quantity):
            host = self._new_host(htype, instance_type, auto_placement, host_recovery, at)
            ids.append(host.host_id)
        return ids

    def modify_hosts(
        self,
        host_ids: Iterable[str],
        *,
        at: float,
        auto_placement: OnOff | None = None,
        host_recovery: OnOff | None = None,
    ) -> tuple[list[str], list[UnsuccessfulItem]]:
        """ModifyHosts (auto-placement, host recovery): (Successful, Unsuccessful)."""
        self._tick(at)
        if auto_placement is None and host_recovery is None:
            raise AWSError(
                codes.MISSING_PARAMETER, "ModifyHosts needs AutoPlacement or HostRecovery."
            )
        if auto_placement not in (None, "on", "off"):
            raise AWSError(
                codes.INVALID_AUTO_PLACEMENT,
                f"AutoPlacement must be 'on' or 'off', got {auto_placement!r}.",
            )
        if host_recovery not in (None, "on", "off"):
            raise AWSError(
                codes.INVALID_PARAMETER_VALUE,
                f"HostRecovery must be 'on' or 'off', got {host_recovery!r}.",
            )
        ok: list[str] = []
        failed: list[UnsuccessfulItem] = []
        for hid in _unique(host_ids):
            host = self.hosts.get(hid)
            if host is None or host.released:
                failed.append(_not_found_item(hid, host))
                continue
            if auto_placement is not None:
                host.auto_placement = auto_placement
            if host_recovery is not None:
                host.host_recovery = host_recovery
            ok.append(hid)
        return ok, failed

    def release_hosts(
        self, host_ids: Iterable[str], *, at: float
    ) -> tuple[list[str], list[UnsuccessfulItem]]:
        """ReleaseHosts: (Successful, Unsuccessful) as AWS shapes them.

        Refused per host: unknown or already released (Client.InvalidHostID.NotFound);
        any active instance (Client.InvalidHost.Occupied); not available
        (Client.InvalidHostState); a Mac host younger than 24 h
        (Client.HostMinAllocationPeriodUnexpired). Stopped instances are detached.
        """
        self._tick(at)
        ok: list[str] = []
        failed: list[UnsuccessfulItem] = []
        for hid in _unique(host_ids):
            host = self.hosts.get(hid)
            if host is None or host.released:
                failed.append(_not_found_item(hid, host))
                continue
            busy = self.active_instances(hid)
            if busy:
                states = ", ".join(f"{i.instance_id} {i.state}" for i in busy[:3])
                if len(busy) > 3:
                    states += f" and {len(busy) - 3} more"
                failed.append(
                    UnsuccessfulItem(
                        hid,
                        codes.CLIENT_HOST_OCCUPIED,
                        f"Dedicated host '{hid}' cannot be released as it is occupied "
                        f"({states}); stop or terminate its instances first (rule: no "
                        "instance may be pending, running, rebooting, stopping or "
                        "shutting-down).",
                    )
                )
                continue
            if host.state is not HostState.AVAILABLE:
                failed.append(
                    UnsuccessfulItem(
                        hid,
                        codes.CLIENT_INVALID_HOST_STATE,
                        f"Dedicated host '{hid}' is {host.state}; only an available host "
                        "can be released.",
                    )
                )
                continue
            earliest = host.allocation_time + self.mac_minimum_allocation_seconds
            if host.is_mac and at < earliest:
                what = host.instance_type or f"{host.family} hosts"
                failed.append(
                    UnsuccessfulItem(
                        hid,
                        codes.CLIENT_HOST_MIN_ALLOCATION,
                        f"Unable to release Dedicated Host {hid}. {what} hosts must be "
                        f"allocated to your AWS account for at least "
                        f"{self.mac_minimum_allocation_seconds / 3600:g} hour(s). You can "
                        f"release this host any time after t={earliest:g}s.",
                    )
                )
                continue
            host.apply(HostAction.RELEASE, at)
            self._detach_all(host, _Log())
            ok.append(hid)
        return ok, failed

    def modify_host_resource_group(self, host_id: str, *, at: float) -> Changes:
        """Add the host to (or remove it from) a host resource group: available -> pending.

        Assumed (no source): the host must hold no active instance (IncorrectState), so
        that no instance runs on a pending host. ``complete_host_modification`` ends it.
        """
        self._tick(at)
        host = self._host(host_id)
        host.check(HostAction.BEGIN_MODIFICATION)
        busy = self.active_instances(host_id)
        if busy:
            raise AWSError(
                codes.INCORRECT_STATE,
                f"Dedicated host '{host_id}' has active instances "
                f"({', '.join(i.instance_id for i in busy)}); stop them before changing its "
                "resource-group membership.",
            )
        log = _Log()
        host.member_of_resource_group = not host.member_of_resource_group
        self._host_do(host, HostAction.BEGIN_MODIFICATION, at, log)
        return log.freeze()

    def complete_host_modification(self, host_id: str, *, at: float) -> Changes:
        """A host modification finished: pending -> available."""
        return self._host_completion(host_id, HostAction.MODIFICATION_COMPLETE, at)

    def complete_scrub(self, host_id: str, *, at: float) -> Changes:
        """A Mac host's scrubbing finished: pending -> available."""
        return self._host_completion(host_id, HostAction.SCRUB_COMPLETE, at)

    def fail_host(self, host_id: str, *, at: float) -> Changes:
        """AWS detects a host failure: under-assessment, instances impaired, and with host
        recovery on and supported, a replacement host allocated in pending."""
        self._tick(at)
        host = self._host(host_id)
        host.check(HostAction.FAILURE_DETECTED)
        log = _Log()
        self._host_do(host, HostAction.FAILURE_DETECTED, at, log)
        for inst in self.active_instances(host_id):
            inst.impaired = True
            log.impaired.append(inst.instance_id)
        if host.host_recovery == "on" and host.recovery_supported:
            repl = self._new_host(
                self._host_type(host.family, f"The host family '{host.family}'"),
                host.instance_type,
                host.auto_placement,
                host.host_recovery,
                at,
                replaces_host_id=host.host_id,
            )
            host.replacement_host_id = repl.host_id
            log.hosts.append(HostStateChange(repl.host_id, None, repl.state))
        return log.freeze()

    def complete_recovery(self, host_id: str, *, at: float) -> Changes:
        """Host recovery finished (``host_id``: the failed host or its replacement).

        Running EBS-backed instances relaunch on the replacement, keeping their IDs
        (running -> pending -> running); pending ones move and boot there as scheduled.
        The replacement becomes available; the original released-permanent-failure, or
        permanent-failure when instances that can't be recovered are still on it.
        """
        self._tick(at)
        host = self._host(host_id, allow_released=True)
        recovering = host.state is HostState.PENDING and host.pending_reason == "recovery"
        orig = self.hosts[host.replaces_host_id] if recovering and host.replaces_host_id else host
        if orig.replacement_host_id is None:
            raise AWSError(
                codes.INVALID_HOST_STATE,
                f"Dedicated host '{host_id}' has no host recovery in progress (it is "
                f"{host.state}; recovery needs host recovery on and a supported family).",
            )
        repl = self.hosts[orig.replacement_host_id]
        repl.check(HostAction.RECOVERY_COMPLETE)
        orig.check(HostAction.RECOVERED_ELSEWHERE)
        log = _Log()
        self._host_do(repl, HostAction.RECOVERY_COMPLETE, at, log)
        for inst in self.instances_on(orig.host_id):
            movable = inst.state in (
                InstanceState.PENDING,
                InstanceState.RUNNING,
                InstanceState.REBOOTING,
            )
            if not movable or inst.root_device != "ebs":
                continue
            self._move(inst, repl.host_id)
            inst.impaired = False
            if inst.state is not InstanceState.PENDING:
                self._do(inst, Action.RECOVER, at, log)
                self._do(inst, Action.BOOTED, at, log)
        if self.active_instances(orig.host_id):
            self._host_do(orig, HostAction.ASSESSED_UNRECOVERABLE, at, log)
        else:
            self._host_do(orig, HostAction.RECOVERED_ELSEWHERE, at, log)
            self._detach_all(orig, log)
        return log.freeze()

    def complete_assessment(self, host_id: str, *, at: float, healthy: bool = False) -> Changes:
        """An assessment without host recovery ended: healthy (available again, instances
        no longer impaired) or permanent-failure (instances keep running impaired)."""
        self._tick(at)
        host = self._host(host_id, allow_released=True)
        repl = self.hosts.get(host.replacement_host_id or "")
        if repl is not None and repl.state is HostState.PENDING:
            raise AWSError(
                codes.INVALID_HOST_STATE,
                f"Dedicated host '{host_id}' is being recovered onto "
                f"'{host.replacement_host_id}'; complete_recovery ends its assessment.",
            )
        action = HostAction.ASSESSED_HEALTHY if healthy else HostAction.ASSESSED_UNRECOVERABLE
        host.check(action)
        log = _Log()
        self._host_do(host, action, at, log)
        if healthy:
            for inst in self.active_instances(host_id):
                inst.impaired = False
        else:
            self._maybe_retire(host, at, log)
        return log.freeze()

    # ------------------------------------------------------------------ instances
    def run_instances(
        self,
        instance_type: str,
        count: int = 1,
        *,
        at: float,
        min_count: int | None = None,
        tenancy: Tenancy = "default",
        host_id: str | None = None,
        affinity: Affinity = "default",
        root_device: RootDevice = "ebs",
        hibernation_configured: bool = False,
    ) -> list[str]:
        """RunInstances: up to ``count`` (at least ``min_count``, default all) instances in
        pending; returns their InstanceIds. All or nothing below ``min_count``."""
        self._tick(at)
        if not isinstance(count, int) or count < 1:
            raise AWSError(codes.INVALID_PARAMETER_VALUE, f"MaxCount must be >= 1, got {count}.")
        need = count if min_count is None else min_count
        if not isinstance(need, int) or not 1 <= need <= count:
            raise AWSError(
                codes.INVALID_PARAMETER_VALUE,
                f"MinCount must be between 1 and MaxCount ({count}), got {min_count}.",
            )
        self._check_placement_values(tenancy, affinity)
        if root_device not in ("ebs", "instance-store"):
            raise AWSError(
                codes.INVALID_PARAMETER_VALUE,
                f"root device must be 'ebs' or 'instance-store', got {root_device!r}.",
            )
        spec = self._spec(instance_type)
        size = _size(spec.name)
        if tenancy != "host" and (host_id is not None or affinity == "host"):
            raise AWSError(
                codes.INVALID_PARAMETER_COMBINATION,
                "Placement HostId and Affinity 'host' need Tenancy 'host' "
                f"(got tenancy {tenancy!r}).",
            )
        if tenancy != "host" and spec.family.startswith("mac"):
            raise AWSError(
                codes.UNSUPPORTED,
                f"{spec.name} instances run only on Dedicated Hosts: launch them with "
                "Tenancy 'host'.",
            )
        placements: list[str | None]
        if tenancy == "default":
            placements = [None] * count
        elif host_id is not None:
            host = self._host(host_id)
            self._check_host_takes(host, spec)
            n = min(count, _Plan(self).room(host, spec.vcpu, size))
            if n < need:
                raise AWSError(
                    codes.INSUFFICIENT_CAPACITY_ON_HOST,
                    f"Dedicated host {host_id} has insufficient capacity to launch the "
                    f"instances in this request ({need} x {spec.name} asked, room for {n}).",
                )
            placements = [host_id] * n
        else:
            plan = _Plan(self)
            placements = []
            for host in self._auto_candidates(spec):
                while len(placements) < count and plan.room(host, spec.vcpu, size) > 0:
                    plan.take(host, spec.vcpu, size)
                    placements.append(host.host_id)
            if len(placements) < need:
                raise AWSError(
                    codes.INSUFFICIENT_HOST_CAPACITY,
                    "You do not have a host with a matching configuration and sufficient "
                    f"capacity ({need} x {spec.name}: room for {len(placements)} on available "
                    "hosts with auto-placement on). Either target a host resource group that "
                    "can automatically allocate hosts on your behalf, or manually allocate a "
                    "new host to your account and then try again.",
                )
        ids = []
        for hid in placements:
            iid = f"i-{self._next_instance:017x}"
            self._next_instance += 1
            inst = Instance(
                iid,
                spec.name,
                family=spec.family,
                vcpu=spec.vcpu,
                arch=spec.arch,
                at=at,
                host_id=hid,
                tenancy=tenancy,
                affinity=affinity,
                root_device=root_device,
                hibernation_configured=hibernation_configured,
            )
            self.instances[iid] = inst
            if hid is not None:
                self.hosts[hid].instances.add(iid)
                self._account(inst, +1)
            ids.append(iid)
        return ids

    def stop_instances(
        self, instance_ids: Iterable[str], *, at: float, hibernate: bool = False
    ) -> Changes:
        """StopInstances (Hibernate=``hibernate``): running -> stopping; EBS-backed only."""
        action = Action.HIBERNATE if hibernate else Action.STOP
        return self._request(instance_ids, action, at)

    def reboot_instances(self, instance_ids: Iterable[str], *, at: float) -> Changes:
        """RebootInstances: running -> rebooting, on the same host."""
        return self._request(instance_ids, Action.REBOOT, at)

    def terminate_instances(self, instance_ids: Iterable[str], *, at: float) -> Changes:
        """TerminateInstances: -> shutting-down, or stopped -> terminated at once."""
        return self._request(instance_ids, Action.TERMINATE, at)

    def start_instances(self, instance_ids: Iterable[str], *, at: float) -> Changes:
        """StartInstances: stopped -> pending, placed by tenancy, affinity and auto-placement
        (see the module docstring); all or nothing."""
        self._tick(at)
        insts = [self._instance(i) for i in _unique(instance_ids)]
        for inst in insts:
            inst.check(Action.START)
        plan = _Plan(self)
        targets: dict[str, str | None] = {}
        for inst in insts:
            if inst.state is InstanceState.STOPPED and inst.tenancy == "host":
                host = self._start_target(inst, plan)
                plan.take(host, inst.vcpu, inst.size)
                targets[inst.instance_id] = host.host_id
        log = _Log()
        for inst in insts:
            if inst.instance_id in targets:
                self._move(inst, targets[inst.instance_id])
            self._do(inst, Action.START, at, log)
        return log.freeze()

    def modify_instance_placement(
        self,
        instance_id: str,
        *,
        at: float,
        host_id: str | None = None,
        affinity: Affinity | None = None,
        tenancy: Tenancy | None = None,
    ) -> bool:
        """ModifyInstancePlacement; returns True (the API's Return).

        Host ID and tenancy change only on a stopped instance (InvalidInstanceState);
        affinity any time but shutting-down/terminated (current API reference) unless
        ``affinity_change_requires_stopped``. A T3 instance can't leave host tenancy
        (InvalidRequest), nor can a Mac instance.
        """
        self._tick(at)
        inst = self._instance(instance_id)
        if host_id is None and affinity is None and tenancy is None:
            raise AWSError(
                codes.MISSING_PARAMETER,
                "At least one attribute for affinity, host ID or tenancy must be specified.",
            )
        self._check_placement_values(tenancy or inst.tenancy, affinity or inst.affinity)
        needs_stop = (
            host_id is not None
            or tenancy is not None
            or (affinity is not None and self.affinity_change_requires_stopped)
        )
        gone = inst.state in (InstanceState.SHUTTING_DOWN, InstanceState.TERMINATED)
        if gone or (needs_stop and inst.state is not InstanceState.STOPPED):
            what = "host ID or tenancy" if needs_stop else "affinity"
            raise AWSError(
                codes.INVALID_INSTANCE_STATE,
                f"The instance '{instance_id}' is in state '{inst.state}'; its {what} can be "
                "modified only when it is stopped (rule: ModifyInstancePlacement).",
            )
        new_tenancy: Tenancy = tenancy or inst.tenancy
        if inst.tenancy == "host" and new_tenancy != "host":
            if inst.family == "t3":
                raise AWSError(
                    codes.INVALID_REQUEST,
                    f"The instance '{instance_id}' is a T3 instance with host tenancy; its "
                    "tenancy can't be changed from host to dedicated or default.",
                )
            if inst.is_mac:
                raise AWSError(
                    codes.UNSUPPORTED,
                    f"The instance '{instance_id}' is a Mac instance: it runs only on a "
                    "Dedicated Host.",
                )
        new_affinity: Affinity = affinity or (inst.affinity if new_tenancy == "host" else "default")
        if new_tenancy != "host" and (host_id is not None or new_affinity == "host"):
            raise AWSError(
                codes.INVALID_PARAMETER_COMBINATION,
                "HostId and Affinity 'host' need Tenancy 'host'.",
            )
        target = None
        if host_id is not None:
            target = self._host(host_id)
            if not target.accepts_type(inst.instance_type, inst.family):
                raise AWSError(
                    codes.UNSUPPORTED_INSTANCE_TYPE_ON_HOST,
                    f"Dedicated host '{host_id}' ({target.instance_type or target.family}) "
                    f"does not support instance type {inst.instance_type}.",
                )
        if target is not None:
            self._move(inst, target.host_id)
        elif new_tenancy == "default":
            self._move(inst, None)
        inst.tenancy = new_tenancy
        inst.affinity = new_affinity
        return True

    def complete_boot(self, instance_id: str, *, at: float) -> Changes:
        """The launch or start delay elapsed: pending -> running."""
        return self._completion(instance_id, Action.BOOTED, at)

    def complete_reboot(self, instance_id: str, *, at: float) -> Changes:
        """The reboot finished: rebooting -> running."""
        return self._completion(instance_id, Action.REBOOTED, at)

    def complete_stop(self, instance_id: str, *, at: float) -> Changes:
        """The instance finished stopping: stopping -> stopped (a Mac host starts scrubbing)."""
        return self._completion(instance_id, Action.STOPPED, at)

    def complete_termination(self, instance_id: str, *, at: float) -> Changes:
        """The instance finished shutting down: shutting-down -> terminated."""
        return self._completion(instance_id, Action.TERMINATED, at)

    # ------------------------------------------------------------------ internals
    def _tick(self, at: float) -> None:
        if at < self.time:
            raise ValueError(f"time went backwards: at={at} < fleet time {self.time}")
        self.time = float(at)

    def _spec(self, instance_type: str) -> InstanceTypeLike:
        try:
            return self._instance_types(instance_type)
        except CatalogError as e:
            raise AWSError(
                codes.INVALID_PARAMETER_VALUE,
                f"Invalid value '{instance_type}' for InstanceType: {e}",
            ) from None

    def _host_type(self, family: str, what: str) -> HostType:
        try:
            return self._host_types(family)
        except CatalogError:
            raise AWSError(
                codes.INVALID_HOST_CONFIGURATION,
                f"{what} is not supported on Dedicated Hosts (no host type for family "
                f"'{family}' in the catalog).",
            ) from None

    def _new_host_id(self) -> str:
        hid = f"h-{self._next_host:017x}"
        self._next_host += 1
        return hid

    def _new_host(
        self,
        htype: HostType,
        instance_type: str | None,
        auto_placement: OnOff,
        host_recovery: OnOff,
        at: float,
        replaces_host_id: str | None = None,
    ) -> Host:
        """A host of ``htype``; with ``replaces_host_id``, a recovery replacement (pending)."""
        host = Host(
            self._new_host_id(),
            htype.family,
            capacity=htype.capacity_units,
            at=at,
            instance_type=instance_type,
            auto_placement=auto_placement,
            host_recovery=host_recovery,
            is_mac=htype.is_mac,
            apple_silicon=htype.apple_silicon,
            size_units=htype.size_units,
            size_limits=htype.size_limits,
            recovery_supported=htype.host_recovery_supported,
            replaces_host_id=replaces_host_id,
        )
        self.hosts[host.host_id] = host
        return host

    def _instance(self, instance_id: str) -> Instance:
        try:
            return self.instances[instance_id]
        except KeyError:
            raise AWSError(
                codes.INVALID_INSTANCE_ID_NOT_FOUND,
                f"The instance ID '{instance_id}' does not exist",
            ) from None

    def _host(self, host_id: str, *, allow_released: bool = False) -> Host:
        host = self.hosts.get(host_id)
        if host is None or (host.released and not allow_released):
            why = "has been released and" if host is not None else "does not exist; it"
            raise AWSError(
                codes.INVALID_HOST_ID_NOT_FOUND,
                f"The Dedicated Host ID '{host_id}' {why} can't be specified in a request.",
            )
        return host

    @staticmethod
    def _check_placement_values(tenancy: str, affinity: str) -> None:
        if tenancy not in ("default", "host"):
            raise AWSError(
                codes.INVALID_PARAMETER_VALUE,
                f"Tenancy must be 'default' or 'host', got {tenancy!r} (dedicated instances "
                "are not modelled).",
            )
        if affinity not in ("default", "host"):
            raise AWSError(
                codes.INVALID_AFFINITY,
                f"Affinity must be 'default' or 'host', got {affinity!r}.",
            )

    def _check_host_takes(self, host: Host, spec: InstanceTypeLike) -> None:
        """A targeted launch or start onto ``host``: state and type, not capacity."""
        if host.state is not HostState.AVAILABLE:
            raise AWSError(
                codes.INVALID_HOST_STATE,
                f"The Dedicated Host '{host.host_id}' is {host.state}: it must be in the "
                "available state to launch or start instances on it.",
            )
        if not host.accepts_type(spec.name, spec.family):
            supports = host.instance_type or f"any {host.family} size"
            raise AWSError(
                codes.UNSUPPORTED_INSTANCE_TYPE_ON_HOST,
                f"The instance type {spec.name} is not supported on Dedicated Host "
                f"'{host.host_id}', which supports {supports}.",
            )

    def _auto_candidates(self, spec: InstanceTypeLike) -> list[Host]:
        """Hosts accepting untargeted launches of ``spec``, in allocation order."""
        return [
            h
            for h in self.hosts.values()
            if h.state is HostState.AVAILABLE
            and h.auto_placement == "on"
            and h.accepts_type(spec.name, spec.family)
        ]

    def _start_target(self, inst: Instance, plan: _Plan) -> Host:
        """Where a stopped host-tenancy instance starts (see the module docstring)."""
        spec = _Spec(inst.instance_type, inst.family, inst.arch, inst.vcpu)
        last = self.hosts.get(inst.host_id) if inst.host_id else None
        if last is not None and inst.affinity == "host":
            self._check_host_takes(last, spec)
            if plan.room(last, inst.vcpu, inst.size) < 1:
                raise AWSError(
                    codes.INSUFFICIENT_CAPACITY_ON_HOST,
                    f"Dedicated host {last.host_id} has insufficient capacity to start "
                    f"instance {inst.instance_id}, which has affinity to it.",
                )
            return last
        if (
            last is not None
            and last.state is HostState.AVAILABLE
            and last.accepts_type(inst.instance_type, inst.family)
            and plan.room(last, inst.vcpu, inst.size) > 0
        ):
            return last
        for host in self._auto_candidates(spec):
            if plan.room(host, inst.vcpu, inst.size) > 0:
                return host
        raise AWSError(
            codes.INSUFFICIENT_HOST_CAPACITY,
            "You do not have a host with a matching configuration and sufficient capacity "
            f"to start {inst.instance_id} ({inst.instance_type}, affinity {inst.affinity}): "
            "no available host with auto-placement on has room.",
        )

    def _move(self, inst: Instance, host_id: str | None) -> None:
        if inst.host_id == host_id:
            if host_id is not None:
                self.hosts[host_id].instances.add(inst.instance_id)
            return
        self._account(inst, -1)
        if inst.host_id is not None and inst.host_id in self.hosts:
            self.hosts[inst.host_id].instances.discard(inst.instance_id)
        inst.host_id = host_id
        if host_id is not None:
            self.hosts[host_id].instances.add(inst.instance_id)
        self._account(inst, +1)

    def _account(self, inst: Instance, sign: int) -> None:
        """Add (+1) or remove (-1) an active instance's share of its host's capacity."""
        if inst.active:
            self._adjust(inst, sign)

    def _adjust(self, inst: Instance, sign: int) -> None:
        if inst.host_id is None:
            return
        host = self.hosts[inst.host_id]
        self._used[host.host_id] += sign * host.units_for(inst.vcpu, inst.size)
        self._sizes[(host.host_id, inst.size)] += sign

    def _request(self, instance_ids: Iterable[str], action: Action, at: float) -> Changes:
        """A request over several instances: validate all, then apply all."""
        self._tick(at)
        insts = [self._instance(i) for i in _unique(instance_ids)]
        for inst in insts:
            inst.check(action)
        log = _Log()
        for inst in insts:
            self._do(inst, action, at, log)
        return log.freeze()

    def _completion(self, instance_id: str, action: Action, at: float) -> Changes:
        self._tick(at)
        inst = self._instance(instance_id)
        inst.check(action)
        log = _Log()
        self._do(inst, action, at, log)
        return log.freeze()

    def _do(self, inst: Instance, action: Action, at: float, log: _Log) -> None:
        """Apply ``action`` and its consequences for the host."""
        was_active = inst.active
        previous = inst.apply(action, at)
        if inst.active != was_active:
            self._adjust(inst, 1 if inst.active else -1)
        log.instances.append(InstanceStateChange(inst.instance_id, previous, inst.state))
        if inst.state is not previous and inst.state in (
            InstanceState.STOPPED,
            InstanceState.TERMINATED,
        ):
            self._left_host(inst, previous, at, log)

    def _left_host(self, inst: Instance, previous: InstanceState, at: float, log: _Log) -> None:
        """The instance stopped or terminated: free its slot, scrub a Mac host, retire a
        failed one."""
        inst.impaired = False
        host = self.hosts.get(inst.host_id) if inst.host_id else None
        if host is None:
            return
        if inst.state is InstanceState.TERMINATED:
            host.instances.discard(inst.instance_id)
        was_on_host = previous in (InstanceState.STOPPING, InstanceState.SHUTTING_DOWN)
        if host.is_mac and was_on_host and host.state is HostState.AVAILABLE:
            self._host_do(host, HostAction.BEGIN_SCRUB, at, log)
        self._maybe_retire(host, at, log)

    def _maybe_retire(self, host: Host, at: float, log: _Log) -> None:
        """A permanently failed host with no active instance left is retired."""
        if host.state is HostState.PERMANENT_FAILURE and not self.active_instances(host.host_id):
            self._host_do(host, HostAction.RETIRE, at, log)
            self._detach_all(host, log)

    def _detach_all(self, host: Host, log: _Log) -> None:
        """A released host holds no instances: its stopped ones lose their association."""
        for iid in sorted(host.instances):
            inst = self.instances[iid]
            if inst.host_id == host.host_id:
                inst.host_id = None
                log.detached.append(iid)
        host.instances.clear()

    def _host_do(self, host: Host, action: HostAction, at: float, log: _Log) -> None:
        previous = host.apply(action, at)
        log.hosts.append(HostStateChange(host.host_id, previous, host.state))

    def _host_completion(self, host_id: str, action: HostAction, at: float) -> Changes:
        self._tick(at)
        host = self._host(host_id)
        host.check(action)
        log = _Log()
        self._host_do(host, action, at, log)
        return log.freeze()


class _Spec(NamedTuple):
    name: str
    family: str
    arch: str
    vcpu: int


def _size(instance_type: str) -> str:
    return instance_type.split(".", 1)[1] if "." in instance_type else instance_type


def _not_found_item(host_id: str, host: Host | None) -> UnsuccessfulItem:
    why = "has been released" if host is not None else "does not exist"
    return UnsuccessfulItem(
        host_id,
        codes.CLIENT_INVALID_HOST_ID_NOT_FOUND,
        f"The host ID '{host_id}' {why}.",
    )


class _Plan:
    """Capacity reserved by a request that is still being validated."""

    def __init__(self, fleet: Fleet):
        self.fleet = fleet
        self.units: defaultdict[str, int] = defaultdict(int)
        self.sizes: defaultdict[tuple[str, str], int] = defaultdict(int)

    def room(self, host: Host, vcpu: int, size: str) -> int:
        """How many more instances of ``size`` fit on ``host``."""
        hid = host.host_id
        used = self.fleet._used[hid] + self.units[hid]
        n = (host.capacity - used) // host.units_for(vcpu, size)
        limit = host.size_limits.get(size)
        if limit is not None:
            n = min(n, limit - self.fleet._sizes[(hid, size)] - self.sizes[(hid, size)])
        return max(n, 0)

    def take(self, host: Host, vcpu: int, size: str) -> None:
        self.units[host.host_id] += host.units_for(vcpu, size)
        self.sizes[(host.host_id, size)] += 1
