"""Facts as data: instance types, prices, CPU factors and workload profiles, with sources."""

from simulator.catalog.catalog import (
    InstanceType,
    instance_type,
    instance_types,
    requests_per_vcpu_second,
    workloads,
)

__all__ = [
    "InstanceType",
    "instance_type",
    "instance_types",
    "requests_per_vcpu_second",
    "workloads",
]
