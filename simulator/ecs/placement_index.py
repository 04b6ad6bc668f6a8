"""PlacementIndex: one cluster's placement arrays, kept in step with its container instances.

Placement used to snapshot every container instance of the cluster on every launch: O(instances)
per launch, the quadratic term of a large fleet. The index keeps one CandidateArrays per
cluster instead. The control plane ``touch``es an instance whenever it changes (a task's
resources taken or given back, RUNNING, status, agent connection); ``view`` re-reads the
touched rows (O(changed rows)) and returns the arrays to place on.

Rows are the cluster's container instances in registration order, like the snapshot's, so
placement decides exactly as before (ties and rng draws over the same candidate order). A row
whose agent is disconnected stays, marked not placeable and holding no tasks (its tasks were
lost), which makes it invisible to every check, strategy and failure message, as an absent
row was. Attribute columns and per-value task totals (spread) are kept current per row;
masks cached per query are recomputed (vectorised) only when an agent connects or
disconnects, or instances are added. Custom attributes put on a registered instance reach
placement after ``attributes_changed``.
"""

from __future__ import annotations

import numpy as np

from simulator.ecs.candidates import CandidateArrays
from simulator.ecs.container_instance import ContainerInstance
from simulator.ecs.query import Subject, string_value

_INT_COLUMNS = ("cpu", "memory", "enis", "running", "pending")


class PlacementIndex(CandidateArrays):
    """CandidateArrays over a cluster's container instances, updated row by row."""

    def __init__(self) -> None:
        super().__init__([])
        self.row: dict[str, int] = {}  # container instance id -> row
        self._dirty: dict[int, None] = {}  # touched rows, in touch order
        self._new: list[ContainerInstance] = []
        self._row_groups: list[set[str]] = []  # groups with tasks on the row, as last read
        self._lookups: dict[tuple[Subject, str | None], dict[str | None, int]] = {}

    # --- what the control plane calls ----------------------------------------------------
    def add(self, ci: ContainerInstance) -> None:
        """A container instance registered to the cluster (a new, last row)."""
        self.row[ci.container_instance_id] = self.size + len(self._new)
        self._new.append(ci)

    def touch(self, ci: ContainerInstance) -> None:
        """``ci`` changed: re-read its row before the next placement."""
        i = self.row.get(ci.container_instance_id)
        if i is not None and i < self.size:
            self._dirty[i] = None

    def view(self) -> CandidateArrays:
        """The arrays, current."""
        if self._new:
            self._grow()
        if self._dirty:
            dirty, self._dirty = self._dirty, {}
            for i in dirty:
                self._refresh(i)
        return self

    # --- keeping rows current ------------------------------------------------------------
    def _grow(self) -> None:
        new, self._new = self._new, []
        n, k = self.size, len(new)
        self.instances += new
        self.arns += [ci.arn for ci in new]
        self.ids += [ci.container_instance_id for ci in new]
        self.ec2_ids += [ci.ec2_instance_id for ci in new]
        self.placeable = np.concatenate(
            [
                self.placeable,
                np.fromiter((ci.placeable and ci.agent_connected for ci in new), bool, k),
            ]
        )
        self.agent_connected = np.concatenate(
            [self.agent_connected, np.fromiter((ci.agent_connected for ci in new), bool, k)]
        )
        self.registered_at = np.concatenate(
            [self.registered_at, np.fromiter((ci.registered_at for ci in new), float, k)]
        )
        for name in _INT_COLUMNS:
            setattr(self, name, np.concatenate([getattr(self, name), np.zeros(k, np.int64)]))
        self.ports += [set() for _ in new]
        self.ports_udp += [set() for _ in new]
        self._row_groups += [set() for _ in new]
        for g, arr in list(self.groups.items()):
            self.groups[g] = np.concatenate([arr, np.zeros(k, np.int64)])
        self._port_free = {
            key: np.concatenate([arr, np.ones(k, bool)]) for key, arr in self._port_free.items()
        }
        self.size = n + k
        self._zeros = np.zeros(self.size, np.int64)
        for key, (codes_, values) in list(self._codes.items()):
            lookup = self._lookups[key]
            extra = np.fromiter(
                (lookup.setdefault(string_value(ci, *key), len(lookup)) for ci in new),
                np.intp,
                k,
            )
            values.extend(list(lookup)[len(values) :])
            self._codes[key] = (np.concatenate([codes_, extra]), values)
        self._fit_totals()
        self.static_changed()
        for i in range(n, n + k):  # resources, ports, tasks: as for any changed row
            self._refresh(i)

    def _fit_totals(self) -> None:
        """Per-value totals as long as their attribute's value list (new values: 0)."""
        for (attribute, g), totals in list(self._totals.items()):
            values = self._codes[(Subject.ATTRIBUTE, attribute)][1]
            if len(totals) < len(values):
                self._totals[(attribute, g)] = np.concatenate(
                    [totals, np.zeros(len(values) - len(totals), np.int64)]
                )

    def _refresh(self, i: int) -> None:
        ci = self.instances[i]
        connected = ci.agent_connected
        self.placeable[i] = ci.placeable and connected
        if bool(self.agent_connected[i]) != connected:
            self.agent_connected[i] = connected
            for key in [k for k in self._codes if k[0] is Subject.AGENT_CONNECTED]:
                del self._codes[key]
                del self._lookups[key]
            self.static_changed()
        self.cpu[i] = ci.remaining_cpu
        self.memory[i] = ci.remaining_memory
        self.enis[i] = ci.remaining_enis
        before = int(self.running[i] + self.pending[i])
        self.running[i], self.pending[i] = ci.running_tasks_count, ci.pending_tasks_count
        moved = ci.running_tasks_count + ci.pending_tasks_count - before
        if moved:
            self._count_group(i, None, moved)
        held = self._row_groups[i]
        counts = ci.group_counts
        for g in held | counts.keys() if held or counts else ():
            new = counts.get(g, 0)
            arr = self.groups.get(g)
            if arr is None:
                arr = self.groups[g] = np.zeros(self.size, np.int64)
            delta = new - int(arr[i])
            if delta:
                arr[i] = new
                self._count_group(i, g, delta)
        self._row_groups[i] = set(counts)
        self._set_ports(i, ci.registered_ports | ci.used_ports, udp=False)
        self._set_ports(i, ci.registered_ports_udp | ci.used_ports_udp, udp=True)
        if self.buckets:
            self.row_changed(i)

    def _set_ports(self, i: int, now: frozenset[int] | set[int], udp: bool) -> None:
        taken = (self.ports_udp if udp else self.ports)[i]
        if taken == now:
            return
        proto = "udp" if udp else "tcp"
        for p in taken ^ now:
            cached = self._port_free.get((proto, p))
            if cached is not None:
                cached[i] = p not in now
        (self.ports_udp if udp else self.ports)[i] = set(now)

    # --- caches the snapshot builds, kept with their lookups ------------------------------
    def string_codes(self, subject: Subject, name: str | None) -> tuple[np.ndarray, list]:
        key = (subject, name)
        hit = self._codes.get(key)
        if hit is None:
            hit = super().string_codes(subject, name)
            self._lookups[key] = {v: k for k, v in enumerate(hit[1])}
        return hit

    def attributes_changed(self) -> None:
        super().attributes_changed()
        self._lookups.clear()
