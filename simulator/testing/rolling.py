"""One service's rolling deployment in a scenario, with every task and what it drew.

One service of ``desired`` tasks behind its load balancer on twice as many m6i.xlarge
instances, deployed at ``DEPLOY_AT``. ``RollingRun`` keeps every task the control plane
launched with the durations it drew at launch, so the closed form
(``simulator.ecs.rolling_plan``) and cohorts (``simulator.ecs.cohort``) can be compared
with the scheduler, and their cost measured against it (``benchmarks/bench_rolling_plan.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simulator.ecs.cohort import Cohort
from simulator.ecs.deployment import DeploymentConfiguration, rolling_bounds
from simulator.ecs.rolling_plan import (
    RollingPlan,
    plan_rolling,
    ready_at,
    rolling_cohort,
    started_history,
)
from simulator.ecs.task import Task
from simulator.ecs.timing import STOP_TIMEOUT_DEFAULT
from simulator.scenario import validate_scenario
from simulator.scenario.build import Simulation

DEPLOY_AT = 1800.0
"""When the deployment begins (the initial fleet is settled by then)."""


def rolling_scenario(
    desired: int,
    minimum: int = 100,
    maximum: int = 200,
    seed: int = 7,
    deploy: bool = True,
    duration: float = 7200.0,
    lean: bool = False,
) -> dict:
    """The scenario: ``minimum`` / ``maximum`` are the service's minimumHealthyPercent and
    maximumPercent; ``lean`` keeps no metrics or trace."""
    return {
        "name": f"rolling-{desired}",
        "seed": seed,
        "duration": duration,
        "tick": "1m",
        "capacity": {"instance_type": "m6i.xlarge", "count": 2 * desired},
        "services": [
            {
                "name": "web",
                "cpu": 1024,
                "memory": 2048,
                "desired_count": desired,
                "deployment": {"minimum_healthy_percent": minimum, "maximum_percent": maximum},
            }
        ],
        "traffic": [{"service": "web", "pattern": "constant", "rps": 50.0 * desired}],
        "events": [{"at": DEPLOY_AT, "action": "deploy", "service": "web"}] if deploy else [],
        "outputs": {"plots": False, **({"metrics": [], "trace": False} if lean else {})},
    }


@dataclass
class RollingRun:
    """A started simulation of ``rolling_scenario`` and every task it launched, in launch
    order, each with the durations it drew (``Task.durations`` as the launch left it)."""

    sim: Simulation
    desired: int
    config: DeploymentConfiguration
    launched: list[tuple[Task, dict[str, float]]] = field(default_factory=list)

    @classmethod
    def start(cls, desired: int, minimum: int = 100, maximum: int = 200, **kw) -> RollingRun:
        doc = rolling_scenario(desired, minimum, maximum, **kw)
        sim = Simulation(validate_scenario(doc, source="rolling"))
        sim.keep_live_metrics = False
        run = cls(sim, desired, DeploymentConfiguration(minimum, maximum))

        def record(what: str, task: Task, before: object) -> None:
            if what == "started":
                run.launched.append((task, dict(task.durations)))

        sim.ecs.task_listeners.append(record)
        sim.start()
        return run

    @property
    def old(self) -> list[tuple[Task, dict[str, float]]]:
        """The tasks of the deployment before (the initial fleet)."""
        return [(t, d) for t, d in self.launched if t.history[0].at < DEPLOY_AT]

    @property
    def new(self) -> list[tuple[Task, dict[str, float]]]:
        """The deployment's own tasks."""
        return [(t, d) for t, d in self.launched if t.history[0].at >= DEPLOY_AT]

    @property
    def health_wait(self) -> float:
        """From a target's registration to its healthy state: the registration, then
        HealthyThresholdCount - 1 intervals."""
        tg = self.sim.load_balancers.groups["web"]
        timing = self.sim.ecs.load_balancing.timing
        return float(timing.registration_s + (tg.check.healthy_threshold - 1) * tg.check.interval_s)

    @property
    def deregistration_delay(self) -> float:
        return float(self.sim.load_balancers.groups["web"].deregistration_delay_s)

    @staticmethod
    def draws(tasks: list[tuple[Task, dict[str, float]]]) -> dict[str, np.ndarray]:
        """The tasks' draws as one array per timing, in their order."""
        names = tasks[0][1] if tasks else {}
        return {name: np.array([d[name] for _, d in tasks]) for name in names}

    def cohort(self, plan: RollingPlan) -> Cohort:
        """The deployment's tasks (new, then old) as one cohort, from arrays."""
        old = self.old
        started = np.array([[h.at for h in t.history[:4]] for t, _ in old]).T.reshape(4, -1)
        return rolling_cohort(
            plan,
            self.draws(self.new),
            started,
            self.draws(old),
            self.deregistration_delay,
            STOP_TIMEOUT_DEFAULT,
            self.health_wait,
            started[2],  # the initial fleet settles at once: healthy as it registers
        )

    def plan(self) -> RollingPlan:
        """The closed form's deployment from the new tasks' draws (run the simulation past
        the deployment first: the draws are made as the scheduler launches them)."""
        new, wait = self.new, self.health_wait

        def ready(k: int, launched_at: float) -> float:
            return ready_at(started_history(launched_at, new[k][1]), wait)

        low, high = rolling_bounds(self.desired, self.config)
        return plan_rolling(DEPLOY_AT, len(self.old), self.desired, low, high, ready)
