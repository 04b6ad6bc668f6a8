"""The timed test fleet: each batch one ECS task (RunTask) running its tests in sequence.

Batches are submitted at the start. On EC2 capacity without a capacity provider strategy,
RunTask refuses what does not fit (RESOURCE:CPU / RESOURCE:MEMORY): those batches wait in a
queue and are submitted again whenever a batch task stops (what a CI runner that retries
RunTask does). With a capacity provider strategy the tasks wait in PROVISIONING while
managed scaling launches instances, or start on Fargate. A batch's container exits when
its last test ends (stop code EssentialContainerExited). With fast-fail, the first failing
test stops every other batch task (StopTask) and drops the queued batches.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simulator.batch.plan import Plan, draw_durations, draw_failures, plan, read_durations
from simulator.core.distributions import distribution
from simulator.ecs.fargate import fargate_cost
from simulator.ecs.task import Task, TaskState
from simulator.lifecycle.billing import fleet_bills

if TYPE_CHECKING:
    from simulator.scenario.build import Simulation

FAMILY = "test-batch"


@dataclass
class Batch:
    index: int
    submitted_s: float = 0.0
    placed_s: float | None = None
    """When a container instance (or Fargate) took the task: the end of the capacity wait."""
    running_s: float | None = None
    ended_s: float | None = None
    """When its tests stopped: the last one finished, or fast-fail cut it."""
    stopped_s: float | None = None
    done_s: float = 0.0
    task: Task | None = None
    outcome: str = "queued"  # queued, running, passed, failed, stopped, not_run


class TestFleetRun:
    """The scenario's ``test_fleet`` on ``sim``: call ``start`` once, ``summary`` after."""

    __test__ = False  # not a pytest class

    def __init__(self, sim: Simulation):
        tf = sim.scenario.test_fleet
        assert tf is not None
        self.sim, self.spec, self.world = sim, tf, sim.world
        if tf.durations_csv is not None:
            durations = read_durations(tf.durations_csv)
        else:
            assert tf.tests is not None
            dist = distribution(tf.duration)
            durations = draw_durations(dist, tf.tests, self.world.rng("test_fleet.durations"))
        self.plan: Plan = plan(durations, tf.batches, tf.strategy, tf.given or None)
        self.failures = draw_failures(
            len(durations), tf.failure_probability, self.world.rng("test_fleet.failures")
        )
        self.batches = [Batch(b) for b in range(tf.batches)]
        self.queue: deque[int] = deque()
        self.by_task: dict[str, Batch] = {}
        self.first_failure_s: float | None = None
        self.failed_test: int | None = None
        self.failed_tests = 0
        self.cut = False  # fast-fail has stopped the fleet
        self.task_definition = ""
        self.fargate = bool(tf.capacity_provider_strategy) and all(
            i.capacity_provider.startswith("FARGATE") for i in tf.capacity_provider_strategy
        )

    def start(self) -> None:
        tf = self.spec
        doc: dict[str, Any] = {
            "family": FAMILY,
            "containerDefinitions": [
                {"name": FAMILY, "image": f"{FAMILY}:v1", "essential": True}
                | {"cpu": tf.cpu, "memory": tf.memory}
            ],
            "cpu": str(tf.cpu),
            "memory": str(tf.memory),
        }
        if tf.cpu_architecture is not None:
            doc["runtimePlatform"] = {
                "cpuArchitecture": tf.cpu_architecture,
                "operatingSystemFamily": "LINUX",
            }
        if self.fargate:
            doc.update(networkMode="awsvpc", requiresCompatibilities=["FARGATE"])
        self.task_definition = self.sim.ecs.register_task_definition(doc).arn
        self.sim.ecs.task_listeners.append(self._on_task)
        now = self.world.now
        for b in self.batches:
            b.submitted_s = now
            self.queue.append(b.index)
        self._submit()

    # ------------------------------------------------------------------ timed
    def _submit(self) -> None:
        strategy = [
            {"capacityProvider": i.capacity_provider, "base": i.base, "weight": i.weight}
            for i in self.spec.capacity_provider_strategy
        ] or None
        while self.queue and not self.cut:
            b = self.batches[self.queue[0]]
            tasks, _failures = self.sim.ecs.run_task(
                self.sim.cluster.name,
                self.task_definition,
                1,
                started_by=f"batch-{b.index}",
                capacity_provider_strategy=strategy,
            )
            if not tasks:
                return  # the cluster is full: submitted again when a batch task stops
            self.queue.popleft()
            b.task, b.outcome = tasks[0], "running"
            self.by_task[tasks[0].task_id] = b
            if tasks[0].last_status is not TaskState.PROVISIONING or self.fargate:
                b.placed_s = self.world.now  # Fargate's PROVISIONING is its ENI, not capacity

    def _on_task(self, what: str, task: Task, before: TaskState | None) -> None:
        b = self.by_task.get(task.task_id)
        if b is None:
            return
        now = self.world.now
        if what == "running" and b.running_s is None:
            b.running_s = now
            if b.placed_s is None:
                b.placed_s = task.time_entered(TaskState.PENDING) or now
            self.world.process(self._run(b, task))
        elif what == "stopped":
            b.stopped_s = now
            if b.ended_s is None:  # stopped before or while running its tests
                b.ended_s = now
                if b.outcome == "running":
                    b.outcome = "stopped"
            self._submit()

    def _run(self, b: Batch, task: Task) -> Generator:
        d = self.plan.durations
        for i in self.plan.batches[b.index]:
            began = self.world.now
            yield self.world.timeout(d[i])
            if b.ended_s is not None:  # StopTask (fast-fail) while this test ran
                b.done_s += max(0.0, b.ended_s - began)
                return
            b.done_s += d[i]
            if self.failures[i]:
                self.failed_tests += 1
                if self.first_failure_s is None:
                    self.first_failure_s, self.failed_test = self.world.now, i
                b.outcome = "failed"
                if self.spec.fast_fail:
                    b.ended_s = self.world.now
                    self._exit(task)
                    self._fast_fail(b)
                    return
        b.ended_s = self.world.now
        if b.outcome == "running":
            b.outcome = "passed"
        self._exit(task)

    def _exit(self, task: Task) -> None:
        self.sim.ecs.container_exited(self.sim.cluster.name, task.task_id, "")

    def _fast_fail(self, failed: Batch) -> None:
        self.cut = True
        now = self.world.now
        for b in self.batches:
            if b is failed or b.ended_s is not None:
                continue
            if b.task is None:
                b.ended_s, b.outcome = now, "not_run"
                continue
            b.ended_s, b.outcome = now, "stopped"
            self.sim.ecs.stop_task(
                self.sim.cluster.name,
                b.task.task_arn,
                reason=f"Fast-fail: test {self.failed_test} failed in batch {failed.index}",
            )
        self.queue.clear()

    # ---------------------------------------------------------------- results
    def summary(self) -> dict[str, Any]:
        """Makespan, cost, utilization, capacity waits, fast-fail's savings (JSON types)."""
        p, bs = self.plan, self.batches
        finished = all(b.ended_s is not None for b in bs)
        makespan = max((b.ended_s or 0.0) for b in bs) if finished else None
        stopped = [b.stopped_s for b in bs if b.stopped_s is not None]
        until = max(stopped) if finished and stopped else self.sim.scenario.duration
        fleet = self.sim.ec2.fleet
        bills = fleet_bills(fleet.instances.values(), fleet.hosts.values(), until)
        ec2_cost = sum(b.cost for b in bills.values())
        fg_cost = fargate_cost(self.sim.ecs, until)
        done = sum(b.done_s for b in bs)
        waits = [b.placed_s - b.submitted_s for b in bs if b.placed_s is not None]
        starts = [b.running_s - b.submitted_s for b in bs if b.running_s is not None]
        outcomes: dict[str, int] = {}
        for b in bs:
            outcomes[b.outcome] = outcomes.get(b.outcome, 0) + 1
        return {
            "tests": len(p.durations),
            "batches": len(bs),
            "strategy": self.spec.strategy,
            "fast_fail": self.spec.fast_fail,
            "finished": finished,
            "suite_test_s": _r(p.total),
            "planned_makespan_s": _r(p.makespan),
            "makespan_s": _r(makespan),
            "tasks_stopped_s": _r(until) if finished else None,
            "cost_usd": _r(ec2_cost + fg_cost),
            "ec2_cost_usd": _r(ec2_cost),
            "fargate_cost_usd": _r(fg_cost),
            "utilization": _r(done / (len(bs) * makespan)) if makespan else None,
            "capacity_wait_max_s": _r(max(waits, default=0.0)),
            "capacity_wait_mean_s": _r(sum(waits) / len(waits)) if waits else None,
            "batches_waited_for_capacity": sum(1 for w in waits if w > 0),
            "start_wait_max_s": _r(max(starts, default=0.0)),
            "time_to_first_failure_s": _r(self.first_failure_s),
            "failed_test": self.failed_test,
            "failed_tests": self.failed_tests,
            "test_s_done": _r(done),
            "test_s_saved_by_fast_fail": _r(p.total - done) if finished and self.cut else 0.0,
            "batch_outcomes": dict(sorted(outcomes.items())),
            "batch_timeline": [
                {
                    "batch": b.index,
                    "tests": len(p.batches[b.index]),
                    "work_s": _r(p.work(b.index)),
                    "done_s": _r(b.done_s),
                    "submitted_s": _r(b.submitted_s),
                    "placed_s": _r(b.placed_s),
                    "running_s": _r(b.running_s),
                    "ended_s": _r(b.ended_s),
                    "outcome": b.outcome,
                }
                for b in bs
            ],
        }


def _r(x: float | None) -> float | None:
    return None if x is None else round(float(x), 6)
