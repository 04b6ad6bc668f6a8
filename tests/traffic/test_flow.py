import numpy as np
import pytest

from simulator.traffic import flow
from simulator.traffic.arrivals import Constant, Diurnal


def model():
    # web: 1 vCPU task at 200 rps/vCPU; big: 2 vCPU task -> 2 servers of 100 rps
    return flow.TaskModel.build([1024, 2048], [200.0, 50.0], [30.0, 10.0])


def test_task_capacity_from_cpu_share():
    m = model()
    assert m.servers.tolist() == [1, 2]
    assert m.task_capacity.tolist() == [200.0, 100.0]
    half = flow.TaskModel.build([512], [200.0], [30.0])
    assert half.servers.tolist() == [1]
    assert half.task_capacity.tolist() == [100.0]


def test_even_split_and_utilization():
    r = flow.evaluate(model(), np.array([300.0, 50.0]), np.array([3, 1]))
    assert r.utilization.tolist() == pytest.approx([0.5, 0.5])
    assert r.failed.tolist() == [0.0, 0.0]
    # M/M/1 at rho 0.5 and mu 200: mean response 1 / (200 - 100)
    assert r.latency_mean[0] == pytest.approx(0.01)


def test_overload_fails_the_excess_and_reports_the_timeout():
    r = flow.evaluate(model(), np.array([1000.0, 0.0]), np.array([2, 1]))
    assert r.served[0] == 400.0
    assert r.failed[0] == 600.0
    assert r.utilization[0] == 1.0
    assert r.latency_p99[0] == 30.0


def test_no_tasks_means_every_request_fails():
    r = flow.evaluate(model(), np.array([10.0, 0.0]), np.array([0, 0]))
    assert r.failed[0] == 10.0
    assert np.isnan(r.latency_p99[0])


def test_latency_never_exceeds_the_timeout():
    r = flow.evaluate(model(), np.array([199.99, 0.0]), np.array([1, 1]))
    assert r.latency_p99[0] <= 30.0


def test_arrivals():
    t = np.array([0.0, 14 * 3600.0, 26 * 3600.0])
    d = Diurnal(min_rps=100, peak_rps=500, peak_at=14 * 3600.0).rate(t)
    assert d[1] == pytest.approx(500)
    assert d[2] == pytest.approx(100)
    assert Constant(7).rate(t).tolist() == [7, 7, 7]
