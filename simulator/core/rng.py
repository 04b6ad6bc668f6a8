"""Named random streams: every draw comes from a stream derived from (seed, name).

Streams are independent of creation order, so adding a new stream never shifts the
draws of another, and two variants of a scenario (x86 vs Graviton) see the same
arrivals and faults (common random numbers).
"""

from __future__ import annotations

import hashlib

import numpy as np


def _name_key(name: str) -> list[int]:
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return [int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4)]


def seed_sequence(seed: int, name: str) -> np.random.SeedSequence:
    """The SeedSequence of stream ``name`` under ``seed`` (stable across runs and hosts)."""
    return np.random.SeedSequence(entropy=[int(seed), *_name_key(name)])


class RandomStreams:
    """A lazily-created ``numpy.random.Generator`` per stream name."""

    def __init__(self, seed: int):
        self.seed = int(seed)
        self._streams: dict[str, np.random.Generator] = {}

    def stream(self, name: str) -> np.random.Generator:
        gen = self._streams.get(name)
        if gen is None:
            gen = np.random.Generator(np.random.PCG64(seed_sequence(self.seed, name)))
            self._streams[name] = gen
        return gen

    __getitem__ = stream

    def names(self) -> list[str]:
        return sorted(self._streams)
