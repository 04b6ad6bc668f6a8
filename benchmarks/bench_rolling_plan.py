"""A rolling deployment: the per-task scheduler against its closed form's decisions.

``simulator.testing.rolling``: one service of ``--desired`` tasks behind its load
balancer (minimumHealthyPercent 100, maximumPercent 200) on twice as many m6i.xlarge
instances, deployed at 30 minutes and run to 2 hours, lean. The scheduler's cost is the
CPU seconds of that window with the deployment less the same window without it (ticks
and traffic cancel). The closed form's cost is ``simulator.ecs.rolling_plan.plan_rolling``
on the durations the new tasks drew in that run: the launches and stops alone, then every
new and stopped task's history from them (``started_history``, ``stopped_history``); not
the rest of what a task cohort would do (placement, per-tick counts, target
registration). Prints each per replaced task and checks that the plan's stops and the new
tasks' histories are the scheduler's.

    .venv/bin/python benchmarks/bench_rolling_plan.py --desired 25 100 400

A benchmark, not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from simulator.ecs.cohort import Cohort
from simulator.ecs.deployment import DeploymentConfiguration, rolling_bounds
from simulator.ecs.rolling_plan import (
    plan_rolling,
    rolling_cohort,
    started_history,
    stopped_history,
)
from simulator.ecs.task import TaskState
from simulator.ecs.timing import STOP_TIMEOUT_DEFAULT
from simulator.testing.rolling import DEPLOY_AT, RollingRun

END = 7200.0


def window(desired: int, deploy: bool) -> tuple[float, RollingRun]:
    """CPU seconds from the deployment's instant to the end, and the run."""
    run = RollingRun.start(desired, deploy=deploy, duration=END, lean=True)
    run.sim.world.run(DEPLOY_AT)
    t0 = time.process_time()
    run.sim.world.run(END)
    return time.process_time() - t0, run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--desired", type=int, nargs="+", default=[25, 100, 400])
    parser.add_argument("--repeat", type=int, default=200, help="plans timed per size")
    args = parser.parse_args()
    for desired in args.desired:
        with_deploy, run = window(desired, True)
        without, _ = window(desired, False)
        old = [t for t, _ in run.old]
        old_draws = run.old
        new = [d for _, d in run.new]
        new_tasks = [t for t, _ in run.new]
        wait = run.health_wait

        def ready(k: int, at: float, new: list = new, wait: float = wait) -> float:
            activating = at + new[k]["image_pull"]  # ready_at(started_history(...)), inlined
            return max(activating + new[k]["activation"], activating + wait)

        low, high = rolling_bounds(desired, DeploymentConfiguration())
        t0 = time.process_time()
        for _ in range(args.repeat):
            plan = plan_rolling(DEPLOY_AT, len(old), desired, low, high, ready)
        planned = (time.process_time() - t0) / args.repeat
        delay = run.deregistration_delay
        t0 = time.process_time()
        for _ in range(args.repeat):
            histories = [started_history(at, d) for at, d in zip(plan.launched, new, strict=True)]
            histories += [
                stopped_history(at, d, delay, STOP_TIMEOUT_DEFAULT)
                for at, (_, d) in zip(plan.stopped, old_draws, strict=True)
            ]
        built = (time.process_time() - t0) / args.repeat
        old_started = [t.history[:4] for t in old]  # the initial fleet's start
        members = histories[:desired] + [
            a + b for a, b in zip(old_started, histories[desired:], strict=True)
        ]
        ticks = np.arange(DEPLOY_AT, END + 1, 60.0)  # the window's 1-minute ticks
        t0 = time.process_time()
        for _ in range(args.repeat):
            cohort = Cohort.from_histories(members)
        made = (time.process_time() - t0) / args.repeat
        new_draws, old_draw_arrays = run.draws(run.new), run.draws(run.old)
        started = np.array([[h.at for h in t.history[:4]] for t in old]).T.reshape(4, -1)
        t0 = time.process_time()
        for _ in range(args.repeat):
            from_arrays = rolling_cohort(
                plan,
                new_draws,
                started,
                old_draw_arrays,
                delay,
                STOP_TIMEOUT_DEFAULT,
                wait,
                started[2],  # the initial fleet: healthy as it registers
            )
        arrayed = (time.process_time() - t0) / args.repeat
        t0 = time.process_time()
        for _ in range(args.repeat):
            counts = from_arrays.counts(ticks)
            healthy = from_arrays.healthy_targets(ticks)
        counted = (time.process_time() - t0) / args.repeat
        svc = run.sim.ecs.service(run.sim.cluster.name, "web")
        same = (
            plan.stopped == [t.time_entered(TaskState.DEACTIVATING) for t in old]
            and all(t.history == h for t, h in zip(new_tasks, histories, strict=False))
            and counts[TaskState.RUNNING][-1] == svc.running_count  # at the window's end
            and healthy[-1] == run.sim.load_balancers.groups["web"].health_counts()[0]
            and np.array_equal(from_arrays.entered, cohort.entered)
        )
        scheduler = with_deploy - without
        print(
            f"{desired:5d} tasks: scheduler {scheduler:.4f} CPU-s "
            f"({1e6 * scheduler / desired:,.0f} us a replaced task; window {with_deploy:.3f} "
            f"with the deployment, {without:.3f} without), closed form {planned * 1e3:.3f} ms "
            f"({1e6 * planned / desired:.2f} us a task), every task's history "
            f"{1e6 * built / desired:.2f} us a replaced task ({args.repeat} repeats each); "
            f"stops, histories, counts, cohorts {'the same' if same else 'DIFFERENT'}; "
            f"a cohort of its {len(members)} tasks built in {made * 1e3:.3f} ms from the "
            f"histories, {arrayed * 1e3:.3f} ms from arrays, its states and healthy targets "
            f"counted at {len(ticks)} ticks in {counted * 1e3:.3f} ms",
            flush=True,
        )


if __name__ == "__main__":
    main()
