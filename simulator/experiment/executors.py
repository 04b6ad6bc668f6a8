"""Where runs execute: in this process, on local processes, or on a Dask cluster.

Every executor runs the same plain function on the same plain payloads and yields each
record as it finishes; runs are deterministic from their seed, so the results are the
same on every executor, only the order of completion differs (callers sort).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Protocol

from simulator.core.errors import EcsimError

Payload = dict[str, Any]
Record = dict[str, Any]
Task = Callable[[Payload], Record]

EXECUTORS = ("serial", "processes", "dask")


class Executor(Protocol):
    name: str

    def map_unordered(self, fn: Task, payloads: list[Payload]) -> Iterator[Record]: ...

    def close(self) -> None: ...


class SerialExecutor:
    """One run after the other in this process (the reference the others must match)."""

    name = "serial"

    def map_unordered(self, fn: Task, payloads: list[Payload]) -> Iterator[Record]:
        for p in payloads:
            yield fn(p)

    def close(self) -> None:
        pass


class ProcessExecutor:
    """Local worker processes (forkserver: workers start from a clean process that has
    the simulator imported, never from a parent that holds threads)."""

    name = "processes"

    def __init__(self, workers: int | None = None):
        self.workers = workers or os.cpu_count() or 1
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["simulator.experiment.replications"])
        self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx)

    def map_unordered(self, fn: Task, payloads: list[Payload]) -> Iterator[Record]:
        pending: set[Future] = set()
        todo = iter(payloads)
        try:
            for p in todo:  # a bounded window: an interrupt leaves little queued
                pending.add(self.pool.submit(fn, p))
                if len(pending) >= 2 * self.workers:
                    break
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for f in done:
                    nxt = next(todo, None)
                    if nxt is not None:
                        pending.add(self.pool.submit(fn, nxt))
                    yield f.result()
        finally:
            for f in pending:
                f.cancel()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor:
    """A Dask distributed cluster: the scheduler at ``scheduler`` (workers there need
    ecsim installed), or a LocalCluster of ``workers`` on this machine when none."""

    name = "dask"

    def __init__(
        self,
        scheduler: str | None = None,
        workers: int | None = None,
        processes: bool = True,
    ):
        from distributed import Client, LocalCluster

        self.cluster = None
        try:
            if scheduler:
                self.client = Client(scheduler, timeout="10s")
            else:
                self.cluster = LocalCluster(
                    n_workers=workers or os.cpu_count() or 1,
                    threads_per_worker=1,
                    processes=processes,
                    dashboard_address=None,
                )
                self.client = Client(self.cluster)
        except OSError as exc:
            if self.cluster is not None:
                self.cluster.close()
            raise EcsimError(
                f"--scheduler {scheduler}: cannot reach the Dask scheduler ({exc})"
            ) from None

    def map_unordered(self, fn: Task, payloads: list[Payload]) -> Iterator[Record]:
        from distributed import as_completed

        futures = [self.client.submit(fn, p, key=f"ecsim-run-{p['key']}") for p in payloads]
        try:
            for f in as_completed(futures):
                yield f.result()
        finally:
            self.client.cancel([f for f in futures if not f.done()])

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def make_executor(
    name: str,
    workers: int | None = None,
    scheduler: str | None = None,
    dask_processes: bool = True,
) -> Executor:
    """The executor named ``name`` (serial, processes or dask)."""
    if name == "serial":
        if scheduler:
            raise EcsimError("--scheduler: only with --executor dask")
        return SerialExecutor()
    if name == "processes":
        if scheduler:
            raise EcsimError("--scheduler: only with --executor dask")
        return ProcessExecutor(workers)
    if name == "dask":
        return DaskExecutor(scheduler, workers, dask_processes)
    raise EcsimError(f"--executor: expected one of {', '.join(EXECUTORS)}, got {name!r}")
