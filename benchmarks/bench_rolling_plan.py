"""A rolling deployment: the per-task scheduler against its closed form's decisions.

One service of ``--desired`` tasks behind its load balancer (minimumHealthyPercent 100,
maximumPercent 200) on twice as many m6i.xlarge instances, deployed at 30 minutes and run
to 2 hours. The scheduler's cost is the CPU seconds of that window with the deployment
less the same window without it (ticks and traffic cancel). The closed form's cost is
``simulator.ecs.rolling_plan.plan_rolling`` on the durations the new tasks drew in that
run: the launches and stops alone, not the rest of what a task cohort would do (its
per-tick counts, the stopped tasks' draining and deprovisioning). Prints both per
replaced task and checks that the plan's stops are the scheduler's.

    .venv/bin/python benchmarks/bench_rolling_plan.py --desired 25 100 400

A benchmark, not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import time

from simulator.ecs.deployment import DeploymentConfiguration, rolling_bounds
from simulator.ecs.rolling_plan import plan_rolling
from simulator.ecs.task import TaskState
from simulator.scenario import validate_scenario
from simulator.scenario.build import Simulation

DEPLOY_AT, END = 1800.0, 7200.0


def scenario(desired: int, deploy: bool) -> dict:
    return {
        "name": f"rolling-{desired}",
        "seed": 7,
        "duration": END,
        "tick": "1m",
        "capacity": {"instance_type": "m6i.xlarge", "count": 2 * desired},
        "services": [{"name": "web", "cpu": 1024, "memory": 2048, "desired_count": desired}],
        "traffic": [{"service": "web", "pattern": "constant", "rps": 100.0 * desired}],
        "events": [{"at": DEPLOY_AT, "action": "deploy", "service": "web"}] if deploy else [],
        "outputs": {"plots": False, "metrics": [], "trace": False},
    }


def window(desired: int, deploy: bool) -> tuple[float, list, Simulation]:
    """CPU seconds from the deployment's instant to the end; every task with its draws."""
    sim = Simulation(validate_scenario(scenario(desired, deploy), source="bench"))
    sim.keep_live_metrics = False
    launched: list = []
    sim.ecs.task_listeners.append(
        lambda what, task, before: (
            launched.append((task, dict(task.durations))) if what == "started" else None
        )
    )
    sim.start()
    sim.world.run(DEPLOY_AT)
    t0 = time.process_time()
    sim.world.run(END)
    return time.process_time() - t0, launched, sim


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--desired", type=int, nargs="+", default=[25, 100, 400])
    parser.add_argument("--repeat", type=int, default=200, help="plans timed per size")
    args = parser.parse_args()
    for desired in args.desired:
        with_deploy, launched, sim = window(desired, True)
        without, _, _ = window(desired, False)
        old = [t for t, _ in launched if t.history[0].at < DEPLOY_AT]
        new = [d for t, d in launched if t.history[0].at >= DEPLOY_AT]
        tg = sim.load_balancers.groups["web"]
        wait = (
            sim.ecs.load_balancing.timing.registration_s
            + (tg.check.healthy_threshold - 1) * tg.check.interval_s
        )

        def ready_at(k: int, at: float, new: list = new, wait: float = wait) -> float:
            activating = at + new[k]["image_pull"]
            return max(activating + new[k]["activation"], activating + wait)

        low, high = rolling_bounds(desired, DeploymentConfiguration())
        t0 = time.process_time()
        for _ in range(args.repeat):
            plan = plan_rolling(DEPLOY_AT, len(old), desired, low, high, ready_at)
        planned = (time.process_time() - t0) / args.repeat
        same = plan.stopped == [t.time_entered(TaskState.DEACTIVATING) for t in old]
        scheduler = with_deploy - without
        print(
            f"{desired:5d} tasks: scheduler {scheduler:.4f} CPU-s "
            f"({1e6 * scheduler / desired:,.0f} us a replaced task; window {with_deploy:.3f} "
            f"with the deployment, {without:.3f} without), closed form {planned * 1e3:.3f} ms "
            f"({1e6 * planned / desired:.2f} us a task, {args.repeat} repeats), "
            f"stops {'the same' if same else 'DIFFERENT'}",
            flush=True,
        )


if __name__ == "__main__":
    main()
