"""The `flow` fidelity: per tick, every service's tasks as identical M/M/c queues.

A service's request rate is split evenly over its running tasks. A task of ``cpu``
units has ``c = max(1, cpu // 1024)`` servers whose total rate is the task's vCPU
share times the workload's throughput per vCPU on that instance family. When a task
is offered more than it can serve, it serves its capacity, the excess fails (counted
as 5xx), and the served requests' latency is reported as the service timeout.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.traffic.queueing import mmc_mean_response, mmc_response_quantile


@dataclass(frozen=True)
class TaskModel:
    """Per-service arrays: servers per task and each server's rate (requests/s)."""

    servers: np.ndarray  # int, per service
    server_rate: np.ndarray  # float, per service
    timeout: np.ndarray  # seconds, per service

    @classmethod
    def build(cls, cpu_units: list[int], rps_per_vcpu: list[float], timeouts: list[float]):
        cpu = np.asarray(cpu_units, dtype=float)
        servers = np.maximum(1, (cpu // 1024)).astype(np.int64)
        capacity = cpu / 1024.0 * np.asarray(rps_per_vcpu, dtype=float)
        return cls(servers, capacity / servers, np.asarray(timeouts, dtype=float))

    @property
    def task_capacity(self) -> np.ndarray:
        return self.servers * self.server_rate


@dataclass(frozen=True)
class FlowResult:
    """Per service, for one tick: rates in requests/s, latencies in seconds."""

    offered: np.ndarray
    served: np.ndarray
    failed: np.ndarray
    utilization: np.ndarray  # busy fraction of the service's task capacity, 0..1
    latency_mean: np.ndarray
    latency_p50: np.ndarray
    latency_p99: np.ndarray


def evaluate(model: TaskModel, offered: np.ndarray, tasks: np.ndarray) -> FlowResult:
    """Queueing outcome of ``offered`` requests/s over ``tasks`` running tasks each."""
    offered = np.asarray(offered, dtype=float)
    tasks = np.asarray(tasks, dtype=float)
    capacity = tasks * model.task_capacity
    served = np.minimum(offered, capacity)
    failed = offered - served
    with np.errstate(divide="ignore", invalid="ignore"):
        per_task = np.where(tasks > 0, offered / tasks, 0.0)
        utilization = np.where(capacity > 0, served / capacity, 0.0)
    stable = per_task < model.task_capacity
    lam = np.where(stable, per_task, 0.0)
    mean = mmc_mean_response(model.servers, lam, model.server_rate)
    p50 = mmc_response_quantile(0.50, model.servers, lam, model.server_rate)
    p99 = mmc_response_quantile(0.99, model.servers, lam, model.server_rate)
    overloaded = ~stable & (tasks > 0)
    no_tasks = tasks <= 0
    # a request is never reported slower than the timeout that would have failed it
    mean, p50, p99 = (np.minimum(x, model.timeout) for x in (mean, p50, p99))
    mean = np.where(overloaded, model.timeout, np.where(no_tasks, np.nan, mean))
    p50 = np.where(overloaded, model.timeout, np.where(no_tasks, np.nan, p50))
    p99 = np.where(overloaded, model.timeout, np.where(no_tasks, np.nan, p99))
    return FlowResult(offered, served, failed, utilization, mean, p50, p99)
