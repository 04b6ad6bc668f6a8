"""A record of a run's rolling deployments, for reports: when each started and
completed, or that it never did ("stuck")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from simulator.ecs import deployment as dep

if TYPE_CHECKING:
    from simulator.ecs.control import EcsCluster


@dataclass(frozen=True)
class DeploymentRecord:
    service: str
    deployment_id: str
    task_definition: str
    started_at: float
    completed_at: float | None  # None: never completed
    rollout_state: str
    rollout_state_reason: str

    @property
    def stuck(self) -> bool:
        return self.completed_at is None and self.rollout_state == "IN_PROGRESS"


class DeploymentLog:
    """Keeps every deployment a service starts (they leave the service when retired)."""

    def __init__(self, cluster: EcsCluster):
        self.cluster = cluster
        self._seen: dict[str, tuple[str, dep.Deployment]] = {}  # id -> (service, deployment)

    def started(self, service: str) -> None:
        """Note the service's deployments now (call after UpdateService)."""
        svc = self.cluster.services[service]
        for d in svc.deployments:
            self._seen.setdefault(d.id, (service, d))

    def records(self) -> list[DeploymentRecord]:
        """Every noted deployment, plus any still on a service (circuit-breaker rollbacks),
        the initial ones excepted, by start time."""
        for name in sorted(self.cluster.services):
            svc = self.cluster.services[name]
            for d in svc.deployments:
                if d.id not in self._seen and d.created_at > 0:
                    self._seen[d.id] = (name, d)
        out = []
        for service, d in self._seen.values():
            if d.created_at <= 0:
                continue  # the services' first deployments, settled at time 0
            done = d.rollout_state is dep.RolloutState.COMPLETED
            out.append(
                DeploymentRecord(
                    service,
                    d.id,
                    d.task_definition,
                    d.created_at,
                    d.updated_at if done else None,
                    str(d.rollout_state),
                    d.rollout_state_reason or "",
                )
            )
        return sorted(out, key=lambda r: (r.started_at, r.service, r.deployment_id))
