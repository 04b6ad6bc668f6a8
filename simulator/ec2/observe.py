"""Running counts and cost of a fleet, kept up to date from its Changes.

Sampling a large fleet every tick must not walk every instance, so this keeps counts
by state, the impaired set and a per-second cost accumulator as changes arrive. The
cost here accrues per second while billed and applies the 60 s minimum when a billed
period closes; the exact bill (with the Mac 24 h minimum) is
``simulator.lifecycle.billing.fleet_bills``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from functools import partial

from simulator.lifecycle.billing import BILLED_INSTANCE_STATES, MINIMUM_PERIOD_SECONDS
from simulator.lifecycle.fleet import Changes, Fleet
from simulator.lifecycle.host import HostState
from simulator.lifecycle.instance import InstanceState

PriceOf = Callable[[str], float]


class FleetObserver:
    """Subscribe with ``control.listeners.append(observer)``."""

    def __init__(self, fleet: Fleet, instance_price: PriceOf, host_price: PriceOf, clock):
        self.fleet = fleet
        self.instance_price = instance_price
        self.host_price = host_price
        self.clock = clock  # () -> now
        self.instances: Counter[InstanceState] = Counter()
        self.hosts: Counter[HostState] = Counter()
        self.impaired: set[str] = set()
        self.host_failures = 0
        self._open: dict[str, tuple[float, float]] = {}  # resource -> (start, USD/s)
        self._rate = 0.0  # USD/s of open periods
        self._rate_start = 0.0  # sum of USD/s x start of open periods
        self._closed = 0.0

    def __call__(self, changes: Changes) -> None:
        now = self.clock()
        for c in changes.instances:
            if c.previous_state is not None:
                self.instances[c.previous_state] -= 1
            self.instances[c.current_state] += 1
            inst = self.fleet.instances[c.instance_id]
            billed = c.current_state in BILLED_INSTANCE_STATES and inst.host_id is None
            self._bill(c.instance_id, billed, now, partial(self.instance_price, inst.instance_type))
            if not inst.impaired:
                self.impaired.discard(c.instance_id)
        for h in changes.hosts:
            if h.previous_state is not None:
                self.hosts[h.previous_state] -= 1
            self.hosts[h.current_state] += 1
            if h.current_state is HostState.UNDER_ASSESSMENT:
                self.host_failures += 1
            host = self.fleet.hosts[h.host_id]
            billed = h.current_state is HostState.AVAILABLE
            self._bill(h.host_id, billed, now, partial(self.host_price, host.family))
        self.impaired.update(changes.impaired)
        if changes.hosts:
            self.impaired = {i for i in self.impaired if self.fleet.instances[i].impaired}

    def _bill(self, rid: str, billed: bool, now: float, price: Callable[[], float]) -> None:
        is_open = rid in self._open
        if billed and not is_open:
            per_second = price() / 3600.0
            self._open[rid] = (now, per_second)
            self._rate += per_second
            self._rate_start += per_second * now
        elif not billed and is_open:
            start, per_second = self._open.pop(rid)
            self._rate -= per_second
            self._rate_start -= per_second * start
            self._closed += per_second * max(MINIMUM_PERIOD_SECONDS, now - start)

    def cost(self, now: float) -> float:
        """USD accrued up to ``now`` (open periods without their minimum yet)."""
        return self._closed + self._rate * now - self._rate_start

    @property
    def healthy_running(self) -> int:
        running = self.instances[InstanceState.RUNNING]
        return running - sum(
            1 for i in self.impaired if self.fleet.instances[i].state is InstanceState.RUNNING
        )
