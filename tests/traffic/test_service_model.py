"""The hyperthread effect: factor shape, the capacity fixed point, x86 against Graviton."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.traffic.service_model import (
    ARM64,
    X86_64,
    PerformanceProfile,
    effective_capacity,
    profile_for,
    task_capacity,
    throughput_factor,
)

knees = st.floats(0.0, 0.95)
efficiencies = st.floats(0.05, 1.0)


def test_runbook_defaults():
    # AWS Graviton perf runbook: per-vCPU throughput kept at full load
    assert profile_for("x86_64").full_load_efficiency == 0.63
    assert profile_for("arm64").full_load_efficiency == 0.96
    assert X86_64.knee == ARM64.knee == 0.5
    with pytest.raises(ValueError, match="arch"):
        profile_for("sparc")


def test_task_capacity_is_cpu_share_times_throughput_per_vcpu():
    assert task_capacity([512, 1024, 4096], 200.0).tolist() == [100.0, 200.0, 800.0]


@given(knees, efficiencies, st.lists(st.floats(-1.0, 2.0), min_size=2, max_size=50))
def test_factor_is_monotone_and_bounded(knee, e, us):
    u = np.sort(np.asarray(us))
    f = throughput_factor(u, knee, e)
    assert np.all(np.diff(f) <= 1e-12)
    assert np.all((f >= e - 1e-12) & (f <= 1.0))
    assert np.all(f[u <= knee] == 1.0)
    assert np.all(np.abs(f[u >= 1.0] - e) < 1e-12)


def test_factor_values():
    assert throughput_factor([0.25, 0.5, 0.75, 1.0], 0.5, 0.63).tolist() == pytest.approx(
        [1.0, 1.0, 0.815, 0.63]
    )


@given(knees, efficiencies, st.floats(0.0, 1.5))
def test_effective_capacity_is_a_fixed_point(knee, e, x):
    c = effective_capacity(x * 100.0, 100.0, knee, e)
    u, cap = float(c.utilization), float(c.capacity)
    if c.saturated:
        assert u == 1.0 and cap == pytest.approx(100.0 * e)
    else:
        # busy u of the time at speed f(u) does the offered work, and u = offered / capacity
        assert u * float(throughput_factor(u, knee, e)) == pytest.approx(x, abs=1e-9)
        assert cap * u == pytest.approx(x * 100.0, abs=1e-7)
        assert u < 1.0


@given(knees, efficiencies)
def test_utilization_rises_with_load_until_saturation(knee, e):
    x = np.linspace(0, 1.2, 400)
    c = effective_capacity(x, 1.0, knee, e)
    stable = ~c.saturated
    assert np.all(np.diff(c.utilization[stable]) >= -1e-12)
    # once saturated, more load stays saturated
    first = np.argmax(c.saturated) if c.saturated.any() else x.size
    assert c.saturated[first:].all()


def test_x86_saturates_earlier_than_graviton():
    load = np.array([0.3, 0.6, 0.7, 0.9])
    x86 = X86_64.capacity(load * 100, 100.0)
    arm = ARM64.capacity(load * 100, 100.0)
    assert x86.utilization[0] == arm.utilization[0] == pytest.approx(0.3)  # below the knee
    assert x86.saturated.tolist() == [False, False, True, True]
    assert arm.saturated.tolist() == [False, False, False, False]
    assert np.all(x86.utilization[:2] >= arm.utilization[:2])
    # the x86 peak of u f(u) lies just above 0.63 (documented), then it saturates at 0.63
    assert not X86_64.capacity(63.3, 100.0).saturated
    assert X86_64.capacity(63.5, 100.0).saturated
    assert float(X86_64.capacity(80.0, 100.0).capacity) == pytest.approx(63.0)


def test_no_degradation_is_plain_utilization():
    c = PerformanceProfile("x86_64").capacity(np.array([0.0, 50.0, 99.0, 100.0]), 100.0)
    assert c.utilization.tolist() == pytest.approx([0.0, 0.5, 0.99, 1.0])
    assert c.saturated.tolist() == [False, False, False, True]


def test_profile_validation():
    with pytest.raises(ValueError, match="full_load_efficiency"):
        PerformanceProfile("x86_64", 0.5, 1.2)
    with pytest.raises(ValueError, match="knee"):
        PerformanceProfile("x86_64", 1.0, 0.6)
