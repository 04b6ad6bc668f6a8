"""Task placement as ECS does it, vectorised over container instances.

For each task (developer guide, "How Amazon ECS places tasks"): (1) keep ACTIVE instances
whose agent is connected, that have the task's required attributes (its CPU architecture)
and enough CPU, memory, host ports and ENIs; (2) apply the binding constraints
(distinctInstance, memberOf); (3) apply up to 5 strategies in order, best effort: each keeps
only the best-scoring candidates (binpack: least remaining of cpu|memory; spread: the value
of the field with the fewest tasks of the group; random); (4) select, breaking remaining ties
with the rng if given, else the first row. With no strategy: the Availability Zone, then the
instance, with the fewest tasks of the group (aws-facts "No strategy"; the service
scheduler's documented default). A service passes SERVICE_DEFAULT_STRATEGIES (spread by AZ).

When nothing fits, the failure names the closest instance: the one that passed the most
checks, in the order above, and the reason of the first check it failed (RunTask's
``failures[].reason``). ``service_event_message`` renders the service event for it.

``select_tasks_to_stop`` is the scale-in side: binpack stops on the instance left with the
most free resource, spread keeps the field's values balanced (random within a value).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from simulator.core.errors import EcsimError
from simulator.ecs import codes
from simulator.ecs.candidates import CandidateArrays
from simulator.ecs.constraints import (
    AZ_ATTRIBUTE,
    BINPACK,
    DISTINCT_INSTANCE,
    RANDOM,
    SPREAD,
    PlacementConstraint,
    PlacementStrategy,
    constraints_from_api,
    strategies_from_api,
)
from simulator.ecs.container_instance import ContainerInstance
from simulator.ecs.placement_buckets import PlacementBuckets
from simulator.ecs.query import Subject
from simulator.ecs.task_definition import TaskRequirements

NO_STRATEGY: tuple[PlacementStrategy, ...] = (
    PlacementStrategy(SPREAD, AZ_ATTRIBUTE),
    PlacementStrategy(SPREAD, "instanceId"),
)
"""What placement does when no strategy is given: fewest tasks of the group per AZ, then
per instance."""


@dataclass(frozen=True, slots=True)
class Placement:
    """One task placed: the row in the candidate arrays and the instance it names."""

    index: int
    container_instance_arn: str
    container_instance_id: str
    ec2_instance_id: str
    container_instance: ContainerInstance | None = None


@dataclass(frozen=True, slots=True)
class PlacementFailure:
    """RunTask's ``failures[]`` entry: the closest instance (None: no instances) and why."""

    arn: str | None
    reason: str
    container_instance_id: str | None = None

    def to_api(self) -> dict:
        out = {"reason": self.reason}
        if self.arn is not None:
            out["arn"] = self.arn
        return out


StrategyLike = PlacementStrategy | Mapping
ConstraintLike = PlacementConstraint | Mapping


def _arrays(candidates: CandidateArrays | Sequence[ContainerInstance]) -> CandidateArrays:
    return candidates if isinstance(candidates, CandidateArrays) else CandidateArrays(candidates)


def _need_rng(rng: np.random.Generator | None) -> np.random.Generator:
    if rng is None:
        raise EcsimError("the random strategy needs an rng (a named stream: world.rng(...))")
    return rng


def _arch_mask(arrays: CandidateArrays, arch: str | None) -> np.ndarray:
    """Rows whose ecs.cpu-architecture is ``arch`` (all rows when the task has none)."""
    key = ("arch", arch)
    hit = arrays.static_cache.get(key)
    if hit is None:
        if arch is None:
            hit = np.ones(arrays.size, bool)
        else:
            codes_, values = arrays.string_codes(Subject.ATTRIBUTE, "ecs.cpu-architecture")
            hit = np.array([v == arch for v in values], bool)[codes_]
        arrays.static_cache[key] = hit
    return hit


class _Checks:
    """The ordered placement checks for one request over one set of arrays."""

    def __init__(
        self,
        arrays: CandidateArrays,
        req: TaskRequirements,
        constraints: tuple[PlacementConstraint, ...],
        group: str | None,
    ):
        self.a, self.req, self.group = arrays, req, group
        self.distinct = any(c.type == DISTINCT_INSTANCE for c in constraints)
        queries = [c.query for c in constraints if c.query is not None]
        self.dynamic_queries = [q for q in queries if q.dynamic]
        self.attribute_ok = _arch_mask(arrays, req.arch)
        static_member = np.ones(arrays.size, bool)
        for q in queries:
            if not q.dynamic:
                static_member &= q.mask(arrays)
        self.static_member = static_member
        self.base = arrays.placeable & arrays.agent_connected & self.attribute_ok & static_member

    def ordered(self) -> list[tuple[str, np.ndarray]]:
        """(reason, pass-mask) in ECS's order; used to explain a failure."""
        a, req = self.a, self.req
        out = [
            (codes.AGENT, a.agent_connected),
            (codes.ATTRIBUTE, self.attribute_ok),
            (codes.RESOURCE_CPU, a.cpu >= req.cpu),
            (codes.RESOURCE_MEMORY, a.memory >= req.memory),
            (codes.RESOURCE_PORTS, self._ports(req.ports, udp=False)),
            (codes.RESOURCE_PORTS_UDP, self._ports(req.ports_udp, udp=True)),
            (codes.RESOURCE_ENI, a.enis >= req.eni),
        ]
        if self.distinct:
            out.append((codes.DISTINCT_INSTANCE_UNSATISFIED, a.tasks_of(self.group) == 0))
        member = self.static_member.copy()
        for q in self.dynamic_queries:
            member &= q.mask(a)
        out.append((codes.MEMBER_OF_UNSATISFIED, member))
        return out

    def _ports(self, ports: tuple[int, ...], udp: bool) -> np.ndarray:
        ok = np.ones(self.a.size, bool)
        for p in ports:
            ok &= self.a.port_free(p, udp)
        return ok

    def eligible(self) -> np.ndarray:
        a, req = self.a, self.req
        ok = self.base & (a.cpu >= req.cpu) & (a.memory >= req.memory)
        if req.eni:
            ok &= a.enis >= req.eni
        if req.ports:
            ok &= self._ports(req.ports, udp=False)
        if req.ports_udp:
            ok &= self._ports(req.ports_udp, udp=True)
        if self.distinct:
            ok &= a.tasks_of(self.group) == 0
        for q in self.dynamic_queries:
            ok &= q.mask(a)
        return ok

    def closest(self) -> PlacementFailure:
        """The instance that got furthest through the checks, and the check it failed."""
        a = self.a
        alive = a.placeable.copy()
        stage = np.full(a.size, -1)
        checks = self.ordered()
        for k, (_, passed) in enumerate(checks):
            stage[alive & ~passed] = k
            alive &= passed
        candidates = np.flatnonzero(a.placeable)
        best = int(stage[candidates].max())
        rows = candidates[stage[candidates] == best]
        reason = checks[best][0]
        tie = {
            codes.RESOURCE_CPU: a.cpu,
            codes.RESOURCE_MEMORY: a.memory,
            codes.RESOURCE_ENI: a.enis,
        }
        if reason in tie:  # closest = the most of the missing resource
            rows = rows[tie[reason][rows] == tie[reason][rows].max()]
        i = int(rows[0])
        return PlacementFailure(a.arns[i], reason, a.ids[i])


_WORST = np.iinfo(np.int64).max


def _spread_counts(
    a: CandidateArrays, strategy: PlacementStrategy, group: str | None
) -> np.ndarray:
    """Per row: tasks of the group sharing the row's value of the spread field."""
    name = strategy.attribute
    if name is None:  # instanceId / host
        return a.tasks_of(group)
    codes_, totals = a.value_totals(name, group)
    return totals[codes_]


def _narrow(
    ok: np.ndarray,
    strategies: Sequence[PlacementStrategy],
    a: CandidateArrays,
    group: str | None,
    rng: np.random.Generator | None,
    stop: bool,
) -> int:
    """Apply strategies in order, each keeping only its best rows of ``ok``; break ties.

    Works on whole-column masks (contiguous numpy passes beat gathers of candidate rows).
    """
    sign = -1 if stop else 1  # placing: least is best; stopping: most is best
    for s in strategies:
        if s.type == RANDOM:
            rows = np.flatnonzero(ok)
            weights = a.tasks_of(group)[rows].astype(float) if stop else None
            p = weights / weights.sum() if weights is not None and weights.sum() else None
            return int(_need_rng(rng).choice(rows, p=p))
        if s.type == BINPACK:
            scores = a.cpu if s.field == "cpu" else a.memory
        else:
            scores = _spread_counts(a, s, group)
        if stop:
            scores = scores * sign
        best = np.where(ok, scores, _WORST).min()
        ok = ok & (scores == best)
    if rng is not None:
        rows = np.flatnonzero(ok)
        return int(rows[rng.integers(rows.size)]) if rows.size > 1 else int(rows[0])
    return int(ok.argmax())  # the first remaining row


def _buckets(
    a: CandidateArrays,
    req: TaskRequirements,
    constraints: tuple[PlacementConstraint, ...],
    strategies: Sequence[PlacementStrategy],
) -> PlacementBuckets | None:
    """The request's PlacementBuckets on ``a`` (built on first use), or None when the
    request is outside their reach (see simulator.ecs.placement_buckets)."""
    if req.ports or req.ports_udp:
        return None
    if any(c.type == DISTINCT_INSTANCE or c.query is None or c.query.dynamic for c in constraints):
        return None
    components: list[str] = []
    for s in strategies:
        if s.type == RANDOM:
            break
        if s.type == SPREAD and s.attribute is None:  # instanceId / host: per row
            return None
        assert s.field is not None
        components.append(s.field)
    fields = tuple(dict.fromkeys(components))
    key = (req.cpu, req.memory, req.eni, req.arch, tuple(c.expression for c in constraints), fields)
    if key in a.buckets:
        b = a.buckets[key]
        return None if b is None or b.too_many else b
    static_ok = _arch_mask(a, req.arch).copy()
    for c in constraints:
        assert c.query is not None
        static_ok &= c.query.mask(a)
    b = PlacementBuckets(a, static_ok, req.cpu, req.memory, req.eni, fields)
    a.buckets[key] = None if b.too_many else b
    return a.buckets[key]


def _choose(
    b: PlacementBuckets,
    strategies: Sequence[PlacementStrategy],
    a: CandidateArrays,
    group: str | None,
    rng: np.random.Generator | None,
) -> int | None:
    """``_narrow`` on the buckets: the same row and the same draws; None: nothing fits."""
    buckets = b.eligible()
    if not buckets:
        return None
    for s in strategies:
        if s.type == RANDOM:
            return b.select(buckets, int(_need_rng(rng).choice(b.count(buckets))))
        if len(buckets) > 1:  # spread: the group's totals per value; binpack: none
            assert s.field is not None
            totals = a.value_totals(s.attribute, group)[1] if s.attribute is not None else None
            buckets = b.narrow(buckets, b.components.index(s.field), totals)
    k = b.count(buckets)
    return b.select(buckets, int(rng.integers(k)) if rng is not None and k > 1 else 0)


def place(
    task_requirements: TaskRequirements,
    count: int,
    candidates: CandidateArrays | Sequence[ContainerInstance],
    strategies: Iterable[StrategyLike] | None = None,
    constraints: Iterable[ConstraintLike] = (),
    group: str | None = None,
    rng: np.random.Generator | None = None,
    *,
    pending: bool = False,
    buckets: bool = True,
) -> tuple[list[Placement], list[PlacementFailure]]:
    """Place ``count`` tasks; returns (placements, failures).

    ``candidates``: CandidateArrays (updated in place with each decision, so the caller's
    next call sees them) or container instances (a snapshot is taken; the instances are not
    touched: apply each Placement with ``container_instance.allocate``). ``strategies``:
    None or () for the default, or up to 5 PlacementStrategy / API dicts. ``constraints``:
    RunTask/service constraints; the task definition's memberOf constraints come with the
    requirements. ``group``: the task group counted by spread and distinctInstance
    (``service:<name>``, ``family:<family>``). Failures are deduplicated RunTask failures.
    ``buckets`` False: always the whole-column pass (the reference PlacementBuckets
    are tested against).
    """
    a = _arrays(candidates)
    req = task_requirements
    chosen = strategies_from_api(strategies) or NO_STRATEGY
    cons = constraints_from_api(tuple(constraints) + tuple(req.constraints))  # 10 in all
    if not a.placeable.any():
        return [], [PlacementFailure(None, codes.NO_CONTAINER_INSTANCES)]
    placements: list[Placement] = []
    fast = _buckets(a, req, cons, chosen) if buckets else None
    checks: _Checks | None = None
    for _ in range(count):
        if fast is not None and not fast.too_many:
            i = _choose(fast, chosen, a, group, rng)
            if i is None:
                return placements, [_Checks(a, req, cons, group).closest()]
        else:  # the whole-column pass (from the start, or once the buckets overflowed)
            checks = checks or _Checks(a, req, cons, group)
            ok = checks.eligible()
            if not ok.any():
                return placements, [checks.closest()]
            i = _narrow(ok, chosen, a, group, rng, stop=False)
        a.commit(i, req, group, pending)
        ci = a.instances[i] if a.instances else None
        placements.append(Placement(i, a.arns[i], a.ids[i], a.ec2_ids[i], ci))
    return placements, []


def select_tasks_to_stop(
    task_requirements: TaskRequirements,
    count: int,
    candidates: CandidateArrays | Sequence[ContainerInstance],
    strategies: Iterable[StrategyLike] | None = None,
    group: str | None = None,
    rng: np.random.Generator | None = None,
) -> list[Placement]:
    """Instances to stop ``count`` tasks of ``group`` on (one entry per task), for scale-in.

    binpack(field): the instance that will have the most of ``field`` free; spread(field):
    the value with the most tasks of the group, then (ties) random within it; random: a
    task at random; none: the AZ, then the instance, with the most tasks of the group.
    The arrays are updated as if each task stopped.
    """
    a = _arrays(candidates)
    chosen = strategies_from_api(strategies) or NO_STRATEGY
    out: list[Placement] = []
    for _ in range(count):
        ok = a.tasks_of(group) > 0
        if not ok.any():
            break
        i = _narrow(ok, chosen, a, group, rng, stop=True)
        a.release(i, task_requirements, group)
        out.append(Placement(i, a.arns[i], a.ids[i], a.ec2_ids[i], a.instances[i]))
    return out


def service_event_message(service: str, failure: PlacementFailure, *, legacy: bool = False) -> str:
    """The service event ECS writes when a service task cannot be placed.

    ``legacy`` picks the pre-2023 suffix ("...see the Troubleshooting section.").
    """
    head = codes.UNABLE_TO_PLACE.format(service=service)
    tail = codes.TROUBLESHOOTING_LEGACY if legacy else codes.TROUBLESHOOTING
    if failure.arn is None:
        middle = codes.REASON.format(reason=failure.reason)
    else:
        phrase = codes.CLOSEST_PHRASES.get(failure.reason) or codes.ENCOUNTERED_ERROR.format(
            reason=failure.reason
        )
        middle = codes.CLOSEST_MATCH.format(
            container_instance=failure.container_instance_id or failure.arn.rsplit("/", 1)[-1],
            phrase=phrase,
        )
    return f"{head} {middle} {tail}"
