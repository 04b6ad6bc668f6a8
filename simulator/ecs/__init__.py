"""Amazon ECS: clusters, container instances, services and task placement."""

from simulator.ecs.cluster import Cluster, ContainerInstance, Placement, ServiceSpec

__all__ = ["Cluster", "ContainerInstance", "Placement", "ServiceSpec"]
