"""PlacementBuckets: spread(attribute) and binpack placement in O(buckets + log instances).

The whole-column pass (``placement._narrow``) makes about a dozen numpy passes over every
container instance for each task it places, so a placement costs O(instances): at tens of
thousands of instances and millions of placements it is the largest term of a fleet's run.
The policies used most are spread by an attribute (a service's default is
spread(attribute:ecs.availability-zone)) and binpack on CPU or memory, alone or chained,
perhaps ending in random. Each of their strategies scores a row by one *component*: the
row's value of the spread attribute (scored by the group's task total for that value) or
the row's remaining CPU or memory (scored by itself). Rows with the same components score
the same under every strategy, so a decision needs only:

1. the *buckets* (joint values of the components) that hold an eligible row,
2. each strategy's score per bucket, keeping the best buckets strategy by strategy,
3. the j-th eligible row, in row order, of the buckets that tie, j drawn as the column
   pass draws it (``rng.integers(k)`` when k > 1, ``rng.choice(k)`` for random).

A PlacementBuckets serves one task shape (CPU, memory, ENIs, architecture, static memberOf
expressions) and one list of components. It keeps, per bucket, a Fenwick tree over the rows
(1 where the row is eligible) and its counts. CandidateArrays tells it of every row that
changes (``row_changed``): the row's bit is set or cleared, and a binpack component that
moved takes the row to another bucket. Attributes, agents or new rows drop it (a rebuild is
a few vectorised passes). Decisions and random draws are the column pass's: same
candidates, same order, same draws (tests/ecs/test_placement_buckets.py compares them).

Requests outside its reach use the column pass: host ports, distinctInstance, memberOf
expressions on task groups or running counts, spread(instanceId|host) before a random, or
more than ``MAX_BUCKETS`` live joint values (a binpack fleet with many distinct remainders;
when a run reaches that, the rest of it uses the column pass).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulator.ecs.query import Subject

if TYPE_CHECKING:
    from simulator.ecs.candidates import CandidateArrays

MAX_BUCKETS = 64
"""More live joint values than this: the column pass (a decision costs O(buckets))."""

BINPACK_COMPONENTS = ("cpu", "memory")
"""Components read from the row's remaining resources; the others are spread fields
(``attribute:<name>``)."""


def fenwick(bits: np.ndarray) -> list[int]:
    """A 1-based Fenwick tree of ``bits`` (index 0 unused), built in vectorised passes."""
    n = bits.size
    sums = np.concatenate(([0], np.cumsum(bits, dtype=np.int64)))
    k = np.arange(1, n + 1)
    return [0, *(sums[k] - sums[k - (k & -k)]).tolist()]


class PlacementBuckets:
    """Eligible rows per joint value of ``components``, for tasks of one shape.

    ``components``: spread fields (``attribute:<name>``) and "cpu" / "memory" (binpack),
    each once.
    """

    def __init__(
        self,
        a: CandidateArrays,
        static_ok: np.ndarray,
        cpu: int,
        memory: int,
        eni: int,
        components: tuple[str, ...],
    ):
        self.cpu, self.memory, self.eni = cpu, memory, eni
        self.components = components
        self.static_ok = static_ok
        self.n = n = a.size
        self.top = 1 << (n.bit_length() - 1) if n else 0
        self.too_many = False
        self._dynamic = [(k, c) for k, c in enumerate(components) if c in BINPACK_COMPONENTS]
        ok = self._fits(a, slice(None))
        columns = [
            getattr(a, c)
            if c in BINPACK_COMPONENTS
            else a.string_codes(Subject.ATTRIBUTE, c.removeprefix("attribute:"))[0]
            for c in components
        ]
        if columns:
            values, part = np.unique(np.stack(columns, axis=1), axis=0, return_inverse=True)
            part = part.reshape(-1)
        else:  # random alone: one bucket
            values, part = np.zeros((1, 0), np.int64), np.zeros(n, np.intp)
        if len(values) > MAX_BUCKETS:
            self.too_many = True
            return
        self.keys: list[tuple[int, ...]] = [tuple(int(c) for c in v) for v in values]
        self.index = {key: p for p, key in enumerate(self.keys)}
        self.part: list[int] = part.tolist()
        self.members = np.bincount(part, minlength=len(values)).tolist()
        self.on = bytearray(ok.astype(np.uint8).tobytes())
        self.trees = [fenwick((ok & (part == p)).astype(np.int64)) for p in range(len(values))]
        self.counts = [int(np.count_nonzero(ok & (part == p))) for p in range(len(values))]

    # --- keeping it current ------------------------------------------------------------------
    def _fits(self, a: CandidateArrays, rows: int | slice) -> np.ndarray:
        """Eligible (``placement._Checks.eligible`` for this shape) at ``rows``: a row or
        all of them."""
        ok = self.static_ok[rows] & a.placeable[rows] & a.agent_connected[rows]
        ok = ok & (a.cpu[rows] >= self.cpu) & (a.memory[rows] >= self.memory)
        return ok & (a.enis[rows] >= self.eni) if self.eni else ok

    def row_changed(self, a: CandidateArrays, i: int) -> None:
        """Row i's resources, status or agent may have changed: update its bit and bucket."""
        if self.too_many:
            return
        ok = bool(self._fits(a, i))
        was, p = bool(self.on[i]), self.part[i]
        if self._dynamic:
            key = list(self.keys[p])
            for k, c in self._dynamic:
                key[k] = int(a.cpu[i] if c == "cpu" else a.memory[i])
            q = self._bucket(tuple(key))
            if q < 0:
                return
            if q != p:
                if was:
                    self._add(p, i, -1)
                    self._add(q, i, +1)
                self.members[p] -= 1
                self.members[q] += 1
                self.part[i] = p = q
        if ok != was:
            self.on[i] = ok
            self._add(p, i, 1 if ok else -1)

    def _bucket(self, key: tuple[int, ...]) -> int:
        """The bucket of ``key``, made (or an empty one reused) if new; -1: too many."""
        p = self.index.get(key)
        if p is not None:
            return p
        empty = next((q for q, m in enumerate(self.members) if m == 0), None)
        if empty is None:
            if len(self.keys) >= MAX_BUCKETS:
                self.too_many = True
                return -1
            self.keys.append(key)
            self.members.append(0)
            self.counts.append(0)
            self.trees.append([0] * (self.n + 1))
            empty = len(self.keys) - 1
        else:  # no rows: its tree is all zeros
            del self.index[self.keys[empty]]
            self.keys[empty] = key
        self.index[key] = empty
        return empty

    def _add(self, p: int, i: int, d: int) -> None:
        self.counts[p] += d
        tree, n, k = self.trees[p], self.n, i + 1
        while k <= n:
            tree[k] += d
            k += k & -k

    # --- deciding --------------------------------------------------------------------------
    def eligible(self) -> list[int]:
        """The buckets holding an eligible row."""
        counts = self.counts
        return [p for p in range(len(counts)) if counts[p]]

    def narrow(self, buckets: list[int], component: int, totals: np.ndarray | None) -> list[int]:
        """The buckets scoring least by ``components[component]``: the group's task total for
        the value (spread, ``totals``) or the remaining resource itself (binpack)."""
        keys = self.keys
        if totals is None:
            scores = [keys[p][component] for p in buckets]
        else:
            scores = [int(totals[keys[p][component]]) for p in buckets]
        best = min(scores)
        return [p for p, s in zip(buckets, scores, strict=True) if s == best]

    def count(self, buckets: list[int]) -> int:
        counts = self.counts
        return sum(counts[p] for p in buckets)

    def select(self, buckets: list[int], j: int) -> int:
        """The j-th (0-based) eligible row, in row order, of ``buckets``."""
        trees = [self.trees[p] for p in buckets]
        pos, rem, step, n = 0, j + 1, self.top, self.n
        if len(trees) == 1:
            tree = trees[0]
            while step:
                nxt = pos + step
                if nxt <= n and tree[nxt] < rem:
                    pos = nxt
                    rem -= tree[nxt]
                step >>= 1
            return pos
        while step:
            nxt = pos + step
            if nxt <= n:
                s = sum(t[nxt] for t in trees)
                if s < rem:
                    pos = nxt
                    rem -= s
            step >>= 1
        return pos
