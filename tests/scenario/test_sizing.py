import numpy as np
import pytest

from simulator.catalog import instance_type
from simulator.ecs.container_instance import os_memory_mib
from simulator.scenario.sizing import instances_for, tasks_for_latency, tasks_per_instance
from simulator.traffic import flow


def p99(tasks, peak=1000.0):
    model = flow.TaskModel.build([1024], [200.0], [30.0])
    return float(flow.evaluate(model, np.array([peak]), np.array([float(tasks)])).latency_p99[0])


def test_fewest_tasks_holding_the_target():
    s = tasks_for_latency(1000.0, 1024, 200.0, p99_target_s=0.1)
    assert p99(s.tasks) <= 0.1 < p99(s.tasks - 1)
    assert s.p99_s == pytest.approx(p99(s.tasks))
    assert 0 < s.utilization < 1


def test_impossible_target():
    # one request alone takes 1/200 s on average: a 1 ms p99 cannot be met
    with pytest.raises(ValueError, match="no task count"):
        tasks_for_latency(1000.0, 1024, 200.0, p99_target_s=0.001, max_tasks=512)


def test_instances():
    m6i = instance_type("m6i.xlarge")  # 4096 units, 16384 MiB nominal, 15970 registered
    assert tasks_per_instance(m6i, 1024, 2048) == 4
    assert tasks_per_instance(m6i, 512, 8192) == os_memory_mib(m6i) // 8192 == 1  # memory
    assert tasks_per_instance(m6i, 512, 7985) == 2
    assert instances_for(9, m6i, 1024, 2048) == 3
    with pytest.raises(ValueError, match="does not fit"):
        instances_for(1, m6i, 8192, 1024)
