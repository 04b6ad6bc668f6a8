"""SpreadBuckets: spread(attribute) placement in O(values + log instances) a task.

The whole-column pass (``placement._narrow``) makes about a dozen numpy passes over every
container instance for each task it places, so a placement costs O(instances): at tens of
thousands of instances and millions of placements it is the largest term of a fleet's run.
The policies services use most are spread by an attribute (a service's default is
spread(attribute:ecs.availability-zone)), perhaps several, perhaps ending in random. Their
decision needs only:

1. which joint values of the spread attributes have an eligible instance (a *bucket*
   each),
2. each value's task totals for the group (CandidateArrays keeps them),
3. the j-th eligible row, in row order, of the buckets that tie, j drawn as the column
   pass draws it (``rng.integers(k)`` when k > 1, ``rng.choice(k)`` for random).

A SpreadBuckets serves one task shape (CPU, memory, ENIs, architecture, static memberOf
expressions) and one set of spread attributes. It keeps, per bucket, a Fenwick tree over the
rows (1 where the row is eligible) and the bucket's count; CandidateArrays tells it of every
row that changes (``row_changed``), and drops it when attributes, agents or rows change
(a rebuild is a few vectorised passes). Decisions and random draws are the column pass's:
same candidates, same order, same draws (tests/ecs/test_spread_buckets.py compares them).

Requests outside its reach use the column pass: host ports, distinctInstance, memberOf
expressions on task groups or running counts, binpack or spread(instanceId|host) before a
random, or more than ``MAX_BUCKETS`` joint values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulator.ecs.query import Subject

if TYPE_CHECKING:
    from simulator.ecs.candidates import CandidateArrays

MAX_BUCKETS = 64
"""More joint values than this: the column pass (a decision would cost O(buckets))."""


def fenwick(bits: np.ndarray) -> list[int]:
    """A 1-based Fenwick tree of ``bits`` (index 0 unused), built in vectorised passes."""
    n = bits.size
    sums = np.concatenate(([0], np.cumsum(bits, dtype=np.int64)))
    k = np.arange(1, n + 1)
    return [0, *(sums[k] - sums[k - (k & -k)]).tolist()]


class SpreadBuckets:
    """Eligible rows per joint value of ``attributes``, for tasks of one shape."""

    def __init__(
        self,
        a: CandidateArrays,
        static_ok: np.ndarray,
        cpu: int,
        memory: int,
        eni: int,
        attributes: tuple[str, ...],
    ):
        self.cpu, self.memory, self.eni = cpu, memory, eni
        self.attributes = attributes
        self.static_ok = static_ok
        self.n = n = a.size
        self.top = 1 << (n.bit_length() - 1) if n else 0
        ok = static_ok & a.placeable & a.agent_connected & (a.cpu >= cpu) & (a.memory >= memory)
        if eni:
            ok &= a.enis >= eni
        columns = [a.string_codes(Subject.ATTRIBUTE, name)[0] for name in attributes]
        if columns:
            values, part = np.unique(np.stack(columns, axis=1), axis=0, return_inverse=True)
            part = part.reshape(-1)
        else:  # random alone: one bucket
            values, part = np.zeros((1, 0), np.intp), np.zeros(n, np.intp)
        self.too_many = len(values) > MAX_BUCKETS
        if self.too_many:
            return
        self.codes: list[tuple[int, ...]] = [tuple(int(c) for c in v) for v in values]
        self.part: list[int] = part.tolist()
        self.on = bytearray(ok.astype(np.uint8).tobytes())
        self.trees = [fenwick((ok & (part == p)).astype(np.int64)) for p in range(len(values))]
        self.counts = [int(np.count_nonzero(ok & (part == p))) for p in range(len(values))]

    def row_changed(self, a: CandidateArrays, i: int) -> None:
        """Row i's resources, status or agent may have changed: update its bit."""
        ok = bool(
            self.static_ok[i]
            and a.placeable[i]
            and a.agent_connected[i]
            and a.cpu[i] >= self.cpu
            and a.memory[i] >= self.memory
            and (not self.eni or a.enis[i] >= self.eni)
        )
        if ok == bool(self.on[i]):
            return
        self.on[i] = ok
        d = 1 if ok else -1
        p = self.part[i]
        self.counts[p] += d
        tree, n, k = self.trees[p], self.n, i + 1
        while k <= n:
            tree[k] += d
            k += k & -k

    def eligible(self) -> list[int]:
        """The buckets holding an eligible row."""
        counts = self.counts
        return [p for p in range(len(counts)) if counts[p]]

    def narrow(self, buckets: list[int], position: int, totals: np.ndarray) -> list[int]:
        """spread by ``attributes[position]``: the buckets whose value has fewest tasks."""
        codes = self.codes
        scores = [int(totals[codes[p][position]]) for p in buckets]
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
