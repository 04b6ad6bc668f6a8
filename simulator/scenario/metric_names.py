"""The metrics a scenario run records (metrics.parquet), by what they are recorded per.

Shared by the Simulation that records them and the ``outputs:`` checks that name them.
"""

from __future__ import annotations

from simulator.traffic.fidelity import METRICS as TRAFFIC_METRICS

PER_SERVICE_METRICS = (
    *TRAFFIC_METRICS,
    "RunningTaskCount",
    "DesiredTaskCount",
    "PendingTaskCount",
    "MemoryUtilization",
    "OOMKills",
    "HTTPCode_ELB_502_Count",
    "HTTPCode_ELB_5XX_Count",
    "HealthyHostCount",
    "UnHealthyHostCount",
)
PER_TARGET_GROUP_METRICS = (
    "RequestCount",
    "HTTPCode_Target_2XX_Count",
    "HTTPCode_Target_5XX_Count",
    "HTTPCode_ELB_5XX_Count",
    "TargetResponseTime.mean",
    "TargetResponseTime.p99",
)
"""Also recorded by ``target_group`` (its name), for exposure per side of a deployment."""
CLUSTER_METRICS = (
    "InstanceCount",
    "CPUReservation",
    "MemoryReservation",
    "CumulativeCost",
    "HealthyInstances",
    "ExpectedInstances",
    "CapacityLostInstances",
    "ImpairedInstances",
    "PendingInstances",
    "HostsAvailable",
    "HostsPending",
    "HostsUnderAssessment",
    "HostsFailed",
)
