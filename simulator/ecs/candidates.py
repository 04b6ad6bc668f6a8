"""CandidateArrays: container instances as numpy columns, for placement at scale.

One row per container instance. Resources, counts and task-group counts are int arrays;
string subjects (attributes, instance IDs, agent versions) are integer codes into a value
list, so a cluster-query comparison is evaluated once per distinct value and broadcast.
Placement mutates the arrays as it decides (commit/release), so a run of decisions sees
its own earlier choices; ``copy()`` gives a scratch copy for dry runs.

It implements simulator.ecs.query.QueryView.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from simulator.ecs.container_instance import ContainerInstance
from simulator.ecs.query import Subject, string_value
from simulator.ecs.task_definition import TaskRequirements

if TYPE_CHECKING:
    from simulator.ecs.placement_buckets import PlacementBuckets


class CandidateArrays:
    """Columns over container instances (a snapshot kept in step by commit/release/sync)."""

    def __init__(self, instances: Sequence[ContainerInstance]):
        self.instances = list(instances)
        n = self.size = len(self.instances)
        self.arns = [ci.arn for ci in self.instances]
        self.ids = [ci.container_instance_id for ci in self.instances]
        self.ec2_ids = [ci.ec2_instance_id for ci in self.instances]
        self.placeable = np.fromiter((ci.placeable for ci in self.instances), bool, n)
        self.agent_connected = np.fromiter((ci.agent_connected for ci in self.instances), bool, n)
        self.cpu = np.fromiter((ci.remaining_cpu for ci in self.instances), np.int64, n)
        self.memory = np.fromiter((ci.remaining_memory for ci in self.instances), np.int64, n)
        self.enis = np.fromiter((ci.remaining_enis for ci in self.instances), np.int64, n)
        self.running = np.fromiter((ci.running_tasks_count for ci in self.instances), np.int64, n)
        self.pending = np.fromiter((ci.pending_tasks_count for ci in self.instances), np.int64, n)
        self.registered_at = np.fromiter((ci.registered_at for ci in self.instances), float, n)
        self.ports = [set(ci.registered_ports | ci.used_ports) for ci in self.instances]
        self.ports_udp = [set(ci.registered_ports_udp | ci.used_ports_udp) for ci in self.instances]
        self.groups: dict[str, np.ndarray] = {}
        for i, ci in enumerate(self.instances):
            for g, c in ci.group_counts.items():
                self.groups.setdefault(g, np.zeros(n, np.int64))[i] = c
        self._codes: dict[tuple[Subject, str | None], tuple[np.ndarray, list]] = {}
        self._port_free: dict[tuple[str, int], np.ndarray] = {}
        self._totals: dict[tuple[str, str | None], np.ndarray] = {}
        self._totals_of: dict[str | None, list[str]] = {}  # group -> attributes in _totals
        self._zeros = np.zeros(n, np.int64)
        self.static_cache: dict = {}
        self.buckets: dict[tuple, PlacementBuckets | None] = {}  # placement's, per shape

    # --- QueryView --------------------------------------------------------------------------
    def string_codes(self, subject: Subject, name: str | None) -> tuple[np.ndarray, list]:
        key = (subject, name)
        hit = self._codes.get(key)
        if hit is None:
            lookup: dict[str | None, int] = {}
            codes = np.fromiter(
                (
                    lookup.setdefault(string_value(ci, subject, name), len(lookup))
                    for ci in self.instances
                ),
                np.intp,
                self.size,
            )
            hit = self._codes[key] = (codes, list(lookup))
        return hit

    def numbers(self, subject: Subject) -> np.ndarray:
        if subject is Subject.RUNNING_TASKS_COUNT:
            return self.running
        return self.registered_at

    def group_count(self, group: str) -> np.ndarray:
        return self.groups.get(group, self._zeros)

    def group_names(self) -> list[str]:
        return [g for g, c in self.groups.items() if c.any()]

    # --- resources ----------------------------------------------------------------------------
    def port_free(self, port: int, udp: bool = False) -> np.ndarray:
        """Rows where ``port`` is free (cached per port; commit/release keep it current)."""
        key = ("udp" if udp else "tcp", port)
        hit = self._port_free.get(key)
        if hit is None:
            taken = self.ports_udp if udp else self.ports
            hit = self._port_free[key] = np.fromiter(
                (port not in t for t in taken), bool, self.size
            )
        return hit

    def tasks_of(self, group: str | None) -> np.ndarray:
        """Per-row task counts of ``group`` (all tasks when there is no group)."""
        return self.running + self.pending if group is None else self.group_count(group)

    def value_totals(self, attribute: str, group: str | None) -> tuple[np.ndarray, np.ndarray]:
        """(codes, totals): tasks of ``group`` per value of ``attribute`` (spread's counts).

        Kept current by commit/release, so a spread decision costs O(values) to count.
        """
        codes_, values = self.string_codes(Subject.ATTRIBUTE, attribute)
        key = (attribute, group)
        totals = self._totals.get(key)
        if totals is None:
            counts = self.tasks_of(group)
            totals = np.bincount(codes_, weights=counts, minlength=len(values)).astype(np.int64)
            self._totals[key] = totals
            self._totals_of.setdefault(group, []).append(attribute)
        return codes_, totals

    def _count(self, i: int, group: str | None, delta: int) -> None:
        """Totals of all tasks, and of ``group``'s, move by ``delta`` at row i (looked up by
        group: a cluster of many services keeps totals for each)."""
        self._count_group(i, None, delta)
        if group is not None:
            self._count_group(i, group, delta)

    def _count_group(self, i: int, group: str | None, delta: int) -> None:
        for attribute in self._totals_of.get(group, ()):
            codes_ = self._codes[(Subject.ATTRIBUTE, attribute)][0]
            self._totals[(attribute, group)][codes_[i]] += delta

    def commit(
        self, i: int, req: TaskRequirements, group: str | None, pending: bool = False
    ) -> None:
        """Record a task placed on row i."""
        self.cpu[i] -= req.cpu
        self.memory[i] -= req.memory
        self.enis[i] -= req.eni
        self._take_ports(i, req, take=True)
        if group is not None:
            if group not in self.groups:
                self.groups[group] = np.zeros(self.size, np.int64)
            self.groups[group][i] += 1
        (self.pending if pending else self.running)[i] += 1
        self._count(i, group, +1)
        self.row_changed(i)

    def release(
        self, i: int, req: TaskRequirements, group: str | None, pending: bool = False
    ) -> None:
        """Record a task stopped on row i."""
        self.cpu[i] += req.cpu
        self.memory[i] += req.memory
        self.enis[i] += req.eni
        self._take_ports(i, req, take=False)
        if group is not None and group in self.groups:
            self.groups[group][i] -= 1
        (self.pending if pending else self.running)[i] -= 1
        self._count(i, group, -1)
        self.row_changed(i)

    def row_changed(self, i: int) -> None:
        """Row i's resources, status or agent changed: the placement buckets follow."""
        for b in self.buckets.values():
            if b is not None:
                b.row_changed(self, i)

    def static_changed(self) -> None:
        """Attributes, agents or rows changed: drop what was cached on them."""
        self.static_cache.clear()
        self.buckets.clear()

    def _take_ports(self, i: int, req: TaskRequirements, take: bool) -> None:
        for ports, udp, taken in (
            (req.ports, False, self.ports),
            (req.ports_udp, True, self.ports_udp),
        ):
            for p in ports:
                if take:
                    taken[i].add(p)
                else:
                    taken[i].discard(p)
                cached = self._port_free.get(("udp" if udp else "tcp", p))
                if cached is not None:
                    cached[i] = not take

    def sync(self, i: int) -> None:
        """Re-read row i from its ContainerInstance (after allocate/release/status change)."""
        ci = self.instances[i]
        self.placeable[i] = ci.placeable
        self.agent_connected[i] = ci.agent_connected
        self.cpu[i], self.memory[i], self.enis[i] = (
            ci.remaining_cpu,
            ci.remaining_memory,
            ci.remaining_enis,
        )
        self.running[i], self.pending[i] = ci.running_tasks_count, ci.pending_tasks_count
        self.ports[i] = set(ci.registered_ports | ci.used_ports)
        self.ports_udp[i] = set(ci.registered_ports_udp | ci.used_ports_udp)
        for g, arr in self.groups.items():
            arr[i] = ci.group_counts.get(g, 0)
        for g, c in ci.group_counts.items():
            if g not in self.groups:
                self.groups[g] = np.zeros(self.size, np.int64)
                self.groups[g][i] = c
        for (proto, port), arr in self._port_free.items():
            arr[i] = port not in (self.ports_udp[i] if proto == "udp" else self.ports[i])
        self.attributes_changed()

    def attributes_changed(self) -> None:
        """Drop cached attribute columns and query results (after PutAttributes)."""
        self._codes.clear()
        self._totals.clear()
        self._totals_of.clear()
        self.static_changed()

    def copy(self) -> CandidateArrays:
        """An independent copy (same instance objects, separate columns) for dry runs."""
        new = object.__new__(CandidateArrays)
        new.__dict__.update(self.__dict__)
        for name in ("placeable", "agent_connected", "cpu", "memory", "enis", "running", "pending"):
            setattr(new, name, getattr(self, name).copy())
        new.ports = [set(p) for p in self.ports]
        new.ports_udp = [set(p) for p in self.ports_udp]
        new.groups = {g: a.copy() for g, a in self.groups.items()}
        new._port_free = {k: a.copy() for k, a in self._port_free.items()}
        new._codes = dict(self._codes)
        new._totals = {k: a.copy() for k, a in self._totals.items()}
        new._totals_of = {g: list(a) for g, a in self._totals_of.items()}
        new.static_cache = dict(self.static_cache)
        new.buckets = {}  # they follow this copy's rows: rebuilt on use
        return new
