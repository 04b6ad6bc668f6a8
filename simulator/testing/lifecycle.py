"""Hypothesis strategies and a base state machine over the pure ``Fleet``.

Subclass ``FleetStateMachine`` to check your own automation against AWS's lifecycle rules:
add rules that call your policy with ``self.fleet`` and ``self.now``, and invariants that
state what must never happen. Every rule of the base machine goes through ``self.call``,
which accepts AWS's refusals (``AWSError``) but asserts that a refused call changed
nothing and used a known error code. The base invariants check the fleet's own rules:

- no host holds more than its capacity, or a size it doesn't support;
- no active instance sits on a host that is not available, unless the host failed and
  the instance is marked impaired;
- released hosts hold no instances; terminated instances stay terminated;
- a Mac host is never released less than 24 h after its allocation;
- billing: a host's billed-state seconds equal its seconds in ``available``, an
  instance's equal its seconds running off-host, measured here by a shadow clock.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any, TypeVar

from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from simulator.catalog.catalog import instance_types as catalog_instance_types
from simulator.core.errors import AWSError
from simulator.lifecycle import codes
from simulator.lifecycle.billing import BILLED_INSTANCE_STATES, fleet_bills
from simulator.lifecycle.fleet import Fleet
from simulator.lifecycle.host import HostState, OnOff
from simulator.lifecycle.instance import InstanceState

T = TypeVar("T")

DEFAULT_FAMILIES: tuple[str, ...] = ("m5", "m6i", "t3", "mac1", "m6g")
"""Mixed-size (m5, t3), single-size with recovery (m6i, m6g), and Mac (scrubbing, 24 h)."""

HOST_REQUESTS: tuple[tuple[str, str], ...] = (
    ("family", "m5"),
    ("type", "m5.xlarge"),
    ("type", "m6i.xlarge"),
    ("type", "m6i.8xlarge"),
    ("family", "t3"),
    ("type", "mac1.metal"),
    ("type", "m6g.16xlarge"),
    ("family", "m6i"),  # refused: m6i hosts are single-size
)
"""(kind, value) pairs for AllocateHosts: InstanceFamily or InstanceType."""

_RUNNING = frozenset({InstanceState.RUNNING})
HOST_OK_STATES = frozenset({HostState.AVAILABLE})
FAILED_HOST_STATES = frozenset({HostState.UNDER_ASSESSMENT, HostState.PERMANENT_FAILURE})


# ----------------------------------------------------------------------------- strategies
def instance_type_names(families: Sequence[str] = DEFAULT_FAMILIES) -> st.SearchStrategy[str]:
    """Instance type names of ``families`` from the catalog."""
    names = sorted(n for n, t in catalog_instance_types().items() if t.family in families)
    return st.sampled_from(names)


def host_requests(
    requests: Sequence[tuple[str, str]] = HOST_REQUESTS,
) -> st.SearchStrategy[tuple[str, str]]:
    """(``"family"`` | ``"type"``, value) for AllocateHosts."""
    return st.sampled_from(list(requests))


def on_off() -> st.SearchStrategy[OnOff]:
    values: list[OnOff] = ["on", "off"]
    return st.sampled_from(values)


def tenancies() -> st.SearchStrategy[str]:
    return st.sampled_from(["default", "host"])


def affinities() -> st.SearchStrategy[str]:
    return st.sampled_from(["default", "host"])


def time_steps() -> st.SearchStrategy[int]:
    """Whole seconds to advance: mostly short, sometimes past a Mac host's 24 h."""
    return st.one_of(st.integers(1, 900), st.integers(3_600, 30 * 3_600))


def indexes() -> st.SearchStrategy[int]:
    """An index into whatever list a rule picks from (taken modulo its length)."""
    return st.integers(0, 63)


def seconds_ids() -> st.SearchStrategy[int | None]:
    """Maybe a second instance for a request (requests validate all ids first)."""
    return st.one_of(st.none(), indexes())


def anyones() -> st.SearchStrategy[bool]:
    """True a quarter of the time: pick any instance, whatever its state, to hit refusals."""
    return st.sampled_from([False, False, False, True])


def pick(items: Sequence[T], index: int) -> T | None:
    """``items[index % len(items)]``, or None when there is nothing to pick."""
    return items[index % len(items)] if items else None


# ----------------------------------------------------------------------------- checks
def snapshot(fleet: Fleet) -> tuple[Any, ...]:
    """Everything a refused request must leave unchanged."""
    return (
        tuple(
            (i.instance_id, i.state, i.host_id, i.tenancy, i.affinity, i.impaired, len(i.history))
            for i in fleet.instances.values()
        ),
        tuple(
            (
                h.host_id,
                h.state,
                h.pending_reason,
                frozenset(h.instances),
                h.auto_placement,
                h.host_recovery,
                h.member_of_resource_group,
                h.replacement_host_id,
                len(h.history),
            )
            for h in fleet.hosts.values()
        ),
    )


def check_fleet(fleet: Fleet) -> None:
    """Assert the fleet's structural rules; usable outside Hypothesis too."""
    for host in fleet.hosts.values():
        held = [fleet.instances[i] for i in host.instances]
        active = [i for i in held if i.active]
        for inst in held:
            assert inst.host_id == host.host_id, f"{inst} listed on {host}"
            assert inst.family == host.family, f"{inst} on a {host.family} host"
        used = sum(host.units_for(i.vcpu, i.size) for i in active)
        assert used <= host.capacity, f"{host} over capacity: {used} > {host.capacity}"
        assert fleet.used_units(host.host_id) == used, f"{host}: capacity bookkeeping drifted"
        for size, limit in host.size_limits.items():
            n = sum(1 for i in active if i.size == size)
            assert n <= limit, f"{host}: {n} x {size} > limit {limit}"
        if host.instance_type is not None:
            wrong = [i for i in active if i.instance_type != host.instance_type]
            assert not wrong, f"single-size {host} runs {wrong}"
        if host.released:
            assert not host.instances, f"released {host} holds {sorted(host.instances)}"
        if active and host.state not in HOST_OK_STATES:
            assert host.state in FAILED_HOST_STATES, f"{active} active on {host}"
            assert all(i.impaired for i in active), f"{active} on failed {host} not impaired"
        if host.is_mac:
            assert len(active) <= 1, f"Mac {host} runs {active}"
    for inst in fleet.instances.values():
        assert inst.history[-1].state is inst.state, f"{inst}: history out of step"
        times = [e.at for e in inst.history]
        assert times == sorted(times), f"{inst}: history not in time order"
        if inst.tenancy == "default":
            assert inst.host_id is None, f"shared-tenancy {inst} on a host"
        if inst.active and inst.tenancy == "host":
            assert inst.host_id is not None, f"host-tenancy {inst} active on no host"
        if inst.host_id is not None and inst.state is not InstanceState.TERMINATED:
            host = fleet.hosts[inst.host_id]
            assert inst.instance_id in host.instances, f"{inst} missing from {host}"
        if inst.state in (InstanceState.STOPPED, InstanceState.TERMINATED):
            assert not inst.impaired, f"{inst} impaired while {inst.state}"
        if inst.impaired:
            its_host = fleet.hosts.get(inst.host_id or "")
            assert its_host is not None and its_host.state in FAILED_HOST_STATES, f"{inst} impaired"


# ----------------------------------------------------------------------------- machine
class FleetStateMachine(RuleBasedStateMachine):
    """Random AWS requests, AWS events and elapsed time over one ``Fleet``."""

    max_hosts = 6
    max_instances = 24

    def __init__(self) -> None:
        super().__init__()
        self.fleet = self.make_fleet()
        self.now = 0.0
        self.refusals: list[str] = []
        self.terminated: set[str] = set()
        self.host_seconds: dict[str, float] = {}
        self.instance_seconds: dict[str, float] = {}

    def make_fleet(self) -> Fleet:
        """The fleet under test; override to configure it."""
        return Fleet()

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        """Call a fleet method at ``self.now``; a refusal must change nothing."""
        before = snapshot(self.fleet)
        try:
            return fn(*args, at=self.now, **kwargs)
        except AWSError as e:
            assert e.code in codes.ALL, f"unknown error code {e.code}"
            assert snapshot(self.fleet) == before, f"{e.code} left a change behind"
            self.refusals.append(e.code)
            return None

    def ids(self, state: InstanceState | None = None) -> list[str]:
        return [i for i, x in self.fleet.instances.items() if state is None or x.state is state]

    def host_ids(self, state: HostState | None = None) -> list[str]:
        return [h for h, x in self.fleet.hosts.items() if state is None or x.state is state]

    # ---- a starting fleet, so that every example begins with something to act on
    @initialize(
        auto=on_off(), recovery=on_off(), n_host=st.integers(0, 4), n_shared=st.integers(0, 2)
    )
    def seed_fleet(self, auto: OnOff, recovery: OnOff, n_host: int, n_shared: int) -> None:
        """A mixed m5 host (auto-placement on), an m6i and a Mac host, some instances."""
        f = self.fleet
        (m5,) = f.allocate_hosts(at=self.now, instance_family="m5", auto_placement="on")
        f.allocate_hosts(
            at=self.now, instance_type="m6i.2xlarge", auto_placement=auto, host_recovery=recovery
        )
        f.allocate_hosts(at=self.now, instance_type="mac1.metal", auto_placement=auto)
        ids = (
            f.run_instances("m5.xlarge", n_host, tenancy="host", host_id=m5, at=self.now)
            if n_host
            else []
        )
        ids += f.run_instances("m6g.large", n_shared, at=self.now) if n_shared else []
        for iid in ids:
            f.complete_boot(iid, at=self.now)

    # ---- hosts
    @precondition(lambda self: len(self.fleet.hosts) < self.max_hosts)
    @rule(request=host_requests(), auto=on_off(), recovery=on_off())
    def allocate(self, request: tuple[str, str], auto: OnOff, recovery: OnOff) -> None:
        kind, value = request
        key = "instance_family" if kind == "family" else "instance_type"
        self.call(
            self.fleet.allocate_hosts,
            auto_placement=auto,
            host_recovery=recovery,
            **{key: value},
        )

    @rule(i=indexes())
    def release(self, i: int) -> None:
        hid = pick(self.host_ids(), i)
        if hid is None:
            return
        before = self.fleet.hosts[hid].state
        result = self.call(self.fleet.release_hosts, [hid])
        assert result is not None, "ReleaseHosts reports failures per host, never raises"
        ok, failed = result
        for item in failed:
            assert item.code in codes.ALL, f"unknown error code {item.code}"
            assert self.fleet.hosts[hid].state is before, f"{item.code} changed {hid}"
            self.refusals.append(item.code)
        assert len(ok) + len(failed) == 1

    @rule(i=indexes(), auto=on_off())
    def modify_auto_placement(self, i: int, auto: OnOff) -> None:
        hid = pick(self.host_ids(), i)
        if hid is not None:
            self.call(self.fleet.modify_hosts, [hid], auto_placement=auto)

    @rule(i=indexes())
    def change_resource_group(self, i: int) -> None:
        hid = pick(self.host_ids(HostState.AVAILABLE), i)
        if hid is not None:
            self.call(self.fleet.modify_host_resource_group, hid)

    @rule(i=indexes())
    def host_pending_completes(self, i: int) -> None:
        hid = pick(self.host_ids(HostState.PENDING), i)
        if hid is None:
            return
        reason = self.fleet.hosts[hid].pending_reason
        if reason == "scrub":
            self.call(self.fleet.complete_scrub, hid)
        elif reason == "modification":
            self.call(self.fleet.complete_host_modification, hid)
        else:
            self.call(self.fleet.complete_recovery, hid)

    @rule(i=indexes())
    def fail_host(self, i: int) -> None:
        hid = pick(self.host_ids(), i)
        if hid is not None:
            self.call(self.fleet.fail_host, hid)

    @rule(i=indexes(), healthy=st.booleans())
    def assessment_completes(self, i: int, healthy: bool) -> None:
        hid = pick(self.host_ids(HostState.UNDER_ASSESSMENT), i)
        if hid is not None:
            self.call(self.fleet.complete_assessment, hid, healthy=healthy)

    # ---- instances
    @precondition(lambda self: len(self.fleet.instances) < self.max_instances)
    @rule(
        itype=instance_type_names(),
        count=st.integers(1, 3),
        tenancy=tenancies(),
        affinity=affinities(),
        on_host=st.one_of(st.none(), indexes()),
    )
    def launch(
        self, itype: str, count: int, tenancy: str, affinity: str, on_host: int | None
    ) -> None:
        host_id = None if on_host is None else pick(self.host_ids(), on_host)
        self.call(
            self.fleet.run_instances,
            itype,
            count,
            tenancy=tenancy,  # type: ignore[arg-type]
            affinity=affinity,  # type: ignore[arg-type]
            host_id=host_id,
        )

    @precondition(lambda self: len(self.fleet.instances) < self.max_instances)
    @rule(i=indexes(), size=indexes(), count=st.integers(1, 3), targeted=st.booleans())
    def launch_onto_host(self, i: int, size: int, count: int, targeted: bool) -> None:
        """Launch a type some host supports, onto it or by auto-placement."""
        hid = pick(self.host_ids(), i)
        if hid is None:
            return
        host = self.fleet.hosts[hid]
        itype = host.instance_type or pick(self._family_types(host.family), size)
        self.call(
            self.fleet.run_instances,
            itype,
            count,
            tenancy="host",
            host_id=hid if targeted else None,
            affinity="host" if size % 2 else "default",
        )

    @rule(i=indexes(), also=seconds_ids(), hibernate=st.booleans(), anyone=anyones())
    def stop(self, i: int, also: int | None, hibernate: bool, anyone: bool) -> None:
        pool = _RUNNING if not anyone else None
        self._request(self.fleet.stop_instances, pool, i, also, hibernate=hibernate)

    @rule(i=indexes(), also=seconds_ids(), anyone=anyones())
    def start(self, i: int, also: int | None, anyone: bool) -> None:
        pool = {InstanceState.STOPPED} if not anyone else None
        self._request(self.fleet.start_instances, pool, i, also)

    @rule(i=indexes(), anyone=anyones())
    def reboot(self, i: int, anyone: bool) -> None:
        pool = _RUNNING if not anyone else None
        self._request(self.fleet.reboot_instances, pool, i, None)

    @rule(i=indexes(), also=seconds_ids(), anyone=anyones())
    def terminate(self, i: int, also: int | None, anyone: bool) -> None:
        pool = None if anyone else {*_RUNNING, InstanceState.STOPPED}
        self._request(self.fleet.terminate_instances, pool, i, also)

    @rule(i=indexes(), to_host=indexes(), affinity=affinities(), anyone=anyones())
    def move_to_host(self, i: int, to_host: int, affinity: str, anyone: bool) -> None:
        """Target a stopped instance at another host of its family (ModifyInstancePlacement)."""
        iid = pick(self.ids() if anyone else self.ids(InstanceState.STOPPED), i)
        if iid is None:
            return
        family = self.fleet.instances[iid].family
        hosts = [h for h, x in self.fleet.hosts.items() if anyone or x.family == family]
        host_id = pick(hosts, to_host)
        if host_id is not None:
            self.call(
                self.fleet.modify_instance_placement,
                iid,
                host_id=host_id,
                tenancy="host",
                affinity=affinity,  # type: ignore[arg-type]
            )

    @rule(
        i=indexes(),
        affinity=st.one_of(st.none(), affinities()),
        tenancy=st.one_of(st.none(), tenancies()),
        anyone=anyones(),
    )
    def change_tenancy_or_affinity(
        self, i: int, affinity: str | None, tenancy: str | None, anyone: bool
    ) -> None:
        iid = pick(self.ids() if anyone else self.ids(InstanceState.STOPPED), i)
        if iid is None or (affinity is None and tenancy is None):
            return
        self.call(
            self.fleet.modify_instance_placement,
            iid,
            affinity=affinity,  # type: ignore[arg-type]
            tenancy=tenancy,  # type: ignore[arg-type]
        )

    @rule(i=indexes())
    def boot_completes(self, i: int) -> None:
        self._complete(InstanceState.PENDING, self.fleet.complete_boot, i)

    @rule(i=indexes())
    def reboot_completes(self, i: int) -> None:
        self._complete(InstanceState.REBOOTING, self.fleet.complete_reboot, i)

    @rule(i=indexes())
    def stop_completes(self, i: int) -> None:
        self._complete(InstanceState.STOPPING, self.fleet.complete_stop, i)

    @rule(i=indexes())
    def termination_completes(self, i: int) -> None:
        self._complete(InstanceState.SHUTTING_DOWN, self.fleet.complete_termination, i)

    # ---- time
    @rule(seconds=time_steps())
    def advance_time(self, seconds: int) -> None:
        """Time passes; the shadow meters add it to whatever is billed right now."""
        for h in self.fleet.hosts.values():
            if h.state is HostState.AVAILABLE:
                self.host_seconds[h.host_id] = self.host_seconds.get(h.host_id, 0.0) + seconds
        for i in self.fleet.instances.values():
            if i.state in BILLED_INSTANCE_STATES and i.host_id is None:
                key = i.instance_id
                self.instance_seconds[key] = self.instance_seconds.get(key, 0.0) + seconds
        self.now += seconds

    # ---- invariants
    @invariant()
    def fleet_rules_hold(self) -> None:
        check_fleet(self.fleet)

    @invariant()
    def terminated_stays_terminated(self) -> None:
        for iid in self.terminated:
            assert self.fleet.instances[iid].state is InstanceState.TERMINATED, iid
        self.terminated |= set(self.ids(InstanceState.TERMINATED))

    @invariant()
    def mac_hosts_kept_24h(self) -> None:
        for h in self.fleet.hosts.values():
            if h.is_mac and h.state is HostState.RELEASED:
                assert h.release_time is not None
                assert h.release_time - h.allocation_time >= 24 * 3600, h

    @invariant()
    def billing_matches_shadow_meters(self) -> None:
        bills = fleet_bills(
            self.fleet.instances.values(),
            self.fleet.hosts.values(),
            self.now,
            instance_price=lambda _t: 1.0,
            host_price=lambda _f: 1.0,
        )
        for rid, bill in bills.items():
            shadow = (self.host_seconds if bill.kind == "host" else self.instance_seconds).get(
                rid, 0.0
            )
            assert abs(bill.seconds - shadow) < 1e-6, f"{rid}: billed {bill.seconds} != {shadow}"
            assert bill.billed_seconds >= bill.seconds
            if bill.kind == "instance" or not self.fleet.hosts[rid].is_mac:
                assert bill.billed_seconds <= bill.seconds + 60.0 * bill.periods
            if bill.kind == "instance" and self.fleet.instances[rid].tenancy == "host":
                on_host_only = all(e.host_id is not None for e in self.fleet.instances[rid].history)
                assert not on_host_only or bill.seconds == 0.0, f"{rid} billed on a host"

    # ---- helpers
    @staticmethod
    def _family_types(family: str) -> list[str]:
        return sorted(n for n, t in catalog_instance_types().items() if t.family == family)

    def _request(
        self,
        fn: Callable[..., Any],
        pool: Collection[InstanceState] | None,
        i: int,
        also: int | None,
        **kwargs: Any,
    ) -> None:
        """Request ``fn`` for one or two instances from ``pool`` (None: any instance)."""
        ids = [k for k, x in self.fleet.instances.items() if pool is None or x.state in pool]
        first = pick(ids, i)
        if first is None:
            return
        chosen = [first] if also is None else [first, pick(ids, also) or first]
        self.call(fn, chosen, **kwargs)

    def _complete(self, state: InstanceState, fn: Callable[..., Any], i: int) -> None:
        iid = pick(self.ids(state), i)
        if iid is not None:
            self.call(fn, iid)
