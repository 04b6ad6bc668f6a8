"""A scenario's deployment strategy, resolved: its label, weight timeline, the wait after
100 % and (for ecsim's plans) its analysis schedule.

A scenario's ``deploy`` event names its ``strategy`` in its owner's own words:

- a CodeDeploy configuration name (``CodeDeployDefault.ECSCanary10Percent5Minutes``), or
  ``{codedeploy: <trafficRoutingConfig>}`` for a custom TimeBasedCanary /
  TimeBasedLinear / AllAtOnce (integer percent and minutes), with the deploy event's
  ``termination_wait``;
- ``{ecs: <deploymentConfiguration>}``: ECS's BLUE_GREEN / CANARY / LINEAR with
  ``bakeTimeInMinutes`` and ``canaryConfiguration`` / ``linearConfiguration``;
- ``{argo: {steps: [...], analysis: {...}, manualPause: 10m}}`` or ``{flagger: {...}}``:
  ecsim's strategies (deploy/plans.py), not AWS's.

Each form is checked by the module that owns its rules (configs, ecs_native, plans); the
error names the field. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from simulator.core.errors import AWSError, EcsimError
from simulator.deploy import plans
from simulator.deploy.configs import PREDEFINED, traffic_routing_from_api
from simulator.deploy.ecs_native import Strategy, strategy_from_api
from simulator.deploy.timeline import WeightTimeline

TERMINATION_WAIT_MAX_MINUTES = 2880
ROLLBACK_EVENTS = ("DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST")
KINDS = ("codedeploy", "ecs", "argo", "flagger")


class StrategyError(EcsimError, ValueError):
    """A strategy broke its owner's rule; the message starts with the field path."""


@dataclass(frozen=True)
class ResolvedStrategy:
    """``owner``: codedeploy, ecs, argo or flagger; ``label`` as records name it
    (``CodeDeployDefault.ECSCanary10Percent5Minutes``, ``ECS:CANARY``, ``ecsim:argo``);
    ``wait_s``: termination wait (CodeDeploy) or bake time (ECS) after 100 %."""

    owner: str
    label: str
    timeline: WeightTimeline
    wait_s: float = 0.0
    plan: plans.Plan | None = None

    @property
    def ecsim_strategy(self) -> bool:
        """An ecsim strategy (Argo- or Flagger-style), not AWS's."""
        return self.owner in ("argo", "flagger")


def _aws(where: str, err: AWSError) -> StrategyError:
    return StrategyError(f"{where}: {err.code}: {err.message}")


def resolve(
    spec: str | Mapping[str, Any], *, termination_wait_s: float = 0.0, where: str = "strategy"
) -> ResolvedStrategy:
    """The strategy a deploy event names (see the module docstring)."""
    if isinstance(spec, str):
        config = PREDEFINED.get(spec)
        if config is None:
            known = ", ".join(sorted(PREDEFINED))
            raise StrategyError(
                f"{where}: unknown CodeDeploy configuration {spec!r}; predefined: {known} "
                "(or {codedeploy: ...}, {ecs: ...}, {argo: ...}, {flagger: ...})"
            )
        return ResolvedStrategy("codedeploy", spec, config.timeline(), termination_wait_s)
    if not isinstance(spec, Mapping) or len(spec) != 1 or next(iter(spec)) not in KINDS:
        raise StrategyError(
            f"{where}: expected a CodeDeploy configuration name or exactly one of {list(KINDS)}"
        )
    kind, body = next(iter(spec.items()))
    here = f"{where}.{kind}"
    if not isinstance(body, Mapping):
        raise StrategyError(f"{here}: expected a mapping, got {type(body).__name__}")
    if kind == "codedeploy":
        try:
            routing = traffic_routing_from_api(body)
        except AWSError as err:
            raise _aws(here, err) from None
        label = f"custom:{routing.type}"
        if routing.type != "AllAtOnce":
            label += f"{routing.percentage}Percent{routing.interval_minutes}Minutes"
        return ResolvedStrategy("codedeploy", label, routing.timeline(), termination_wait_s)
    if termination_wait_s:
        raise StrategyError(
            f"{where}: termination_wait is CodeDeploy's (ECS uses bakeTimeInMinutes; "
            "Argo and Flagger have none)"
        )
    if kind == "ecs":
        try:
            cfg = strategy_from_api(body)
        except AWSError as err:
            raise _aws(here, err) from None
        if cfg.strategy is Strategy.ROLLING:
            raise StrategyError(f"{here}.strategy: ROLLING shifts no traffic; omit strategy")
        return ResolvedStrategy(
            "ecs", f"ECS:{cfg.strategy}", cfg.timeline(), cfg.bake_time_minutes * 60.0
        )
    try:
        if kind == "argo":
            extra = sorted(set(body) - {"steps", "analysis", "manualPause"})
            if extra:
                raise plans.PlanError(f"{here}: unknown field(s) {extra}")
            manual = body.get("manualPause", plans.DEFAULT_MANUAL_PAUSE_S)
            plan = plans.argo_plan(
                body.get("steps", []),
                background=body.get("analysis"),
                manual_pause_s=plans.seconds(f"{here}.manualPause", manual),
                where=f"{here}.steps",
            )
        else:
            plan = plans.flagger_plan(body, where=here)
    except plans.PlanError as err:
        raise StrategyError(str(err)) from None
    return ResolvedStrategy(kind, plan.strategy, plan.timeline, 0.0, plan)


def default_rollback_events(alarms: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """CDK's EcsDeploymentGroup defaults: roll back on failure, and on an alarm stop when
    the group has alarms."""
    return ("DEPLOYMENT_FAILURE",) + (("DEPLOYMENT_STOP_ON_ALARM",) if alarms else ())
