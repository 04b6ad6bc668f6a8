"""Simulated time: waiters and patched sleeps advance it; nothing else waits."""

from __future__ import annotations

import threading
import time

import botocore.waiter
import pytest
from aws_helpers import IMAGE_ID, instances, launch
from botocore.exceptions import WaiterError

from simulator.aws import SimulatedAWS, SimulationTimeout
from simulator.aws.sleep import current_clock


def test_a_waiter_returns_at_once_in_wall_time_and_advances_simulated_time() -> None:
    aws = SimulatedAWS(seed=9)
    ec2 = aws.client("ec2")
    ids = launch(ec2, 3, "m6i.large")
    wall = time.perf_counter()
    ec2.get_waiter("instance_running").wait(InstanceIds=ids)
    assert time.perf_counter() - wall < 5.0  # 15 s delays, never really slept
    assert aws.now in (15.0, 30.0), "polled every 15 s until boot (5-17 s) finished"
    assert {i["State"]["Name"] for i in instances(ec2, InstanceIds=ids)} == {"running"}
    assert current_clock() is None, "the clock is unset once the waiter returns"


def test_a_waiter_gives_up_after_its_attempts_in_simulated_time() -> None:
    aws = SimulatedAWS()
    ec2 = aws.client("ec2")
    (iid,) = launch(ec2, 1, "m6i.large")
    ec2.get_waiter("instance_running").wait(InstanceIds=[iid])
    with pytest.raises(WaiterError, match="Max attempts exceeded"):
        ec2.get_waiter("instance_stopped").wait(
            InstanceIds=[iid], WaiterConfig={"Delay": 60, "MaxAttempts": 5}
        )
    assert aws.now >= 4 * 60


def test_boto3_resource_waiters_are_simulated_too() -> None:
    aws = SimulatedAWS(seed=3)
    ec2 = aws.resource("ec2")
    (inst,) = ec2.create_instances(
        ImageId=IMAGE_ID, InstanceType="m6i.large", MinCount=1, MaxCount=1
    )
    inst.wait_until_running()
    inst.reload()
    assert inst.state["Name"] == "running"
    assert aws.now > 0


def test_patch_sleep_advances_the_clock_for_your_own_sleeps() -> None:
    aws = SimulatedAWS()
    wall = time.perf_counter()
    with aws.patch_sleep():
        time.sleep(3600)
        time.sleep(0.5)
    assert time.perf_counter() - wall < 1.0
    assert aws.now == 3600.5
    assert time.sleep.__module__ == "time", "time.sleep is restored"


def test_patched_sleep_in_one_thread_does_not_touch_another() -> None:
    aws = SimulatedAWS()
    slept: list[float] = []
    inside = threading.Event()
    done = threading.Event()

    def other_thread() -> None:
        inside.wait()
        t = time.perf_counter()
        time.sleep(0.05)  # time.sleep is patched now, but not for this thread
        slept.append(time.perf_counter() - t)
        done.set()

    thread = threading.Thread(target=other_thread)
    thread.start()
    with aws.patch_sleep():
        inside.set()
        assert done.wait(5)
        time.sleep(10)
    thread.join()
    assert slept[0] >= 0.04
    assert aws.now == 10.0


def test_waiters_of_real_clients_still_sleep_for_real() -> None:
    """botocore.waiter's sleep proxy falls through when no simulated waiter runs."""
    SimulatedAWS()  # installs the proxy
    assert getattr(botocore.waiter.time, "ecsim_proxy", False)
    t = time.perf_counter()
    botocore.waiter.time.sleep(0.05)
    assert time.perf_counter() - t >= 0.04
    assert botocore.waiter.time.monotonic() > 0, "other attributes are the time module's"


def test_two_accounts_keep_their_own_clocks() -> None:
    a, b = SimulatedAWS(seed=1), SimulatedAWS(seed=2)
    ids = launch(a.client("ec2"), 1, "m6i.large")
    with b.patch_sleep():
        a.client("ec2").get_waiter("instance_running").wait(InstanceIds=ids)
        time.sleep(7)
    assert a.now > 0 and b.now == 7.0


def test_run_until_stops_at_the_first_moment_the_condition_holds() -> None:
    aws = SimulatedAWS(seed=11)
    ec2 = aws.client("ec2")
    (iid,) = launch(ec2, 1, "m6i.large")

    def running() -> bool:
        return instances(ec2, InstanceIds=[iid])[0]["State"]["Name"] == "running"

    at = aws.run_until(running, timeout="1m")
    assert 5.0 <= at <= 17.0, "the boot time drawn from the ec2_timing.csv range"
    boot = aws.fleet.instances[iid].history[-1].at
    assert at == boot


def test_run_until_times_out_in_simulated_time() -> None:
    aws = SimulatedAWS()
    with pytest.raises(SimulationTimeout, match="10m"):
        aws.run_until(lambda: False, timeout="10m")
    assert aws.now == 600.0


def test_advance_takes_durations() -> None:
    aws = SimulatedAWS()
    assert aws.advance("1h30m") == 5400.0
    assert aws.advance(0) == 5400.0
    from simulator.core.errors import DurationError

    with pytest.raises(DurationError):
        aws.advance("-5m")


def test_timing_overrides_make_transitions_exact() -> None:
    aws = SimulatedAWS(timing={"boot": "5s", "stop": {"distribution": "fixed", "value": "1m"}})
    ec2 = aws.client("ec2")
    (iid,) = launch(ec2, 1, "m6i.large")
    assert aws.run_until(lambda: instances(ec2)[0]["State"]["Name"] == "running") == 5.0
    ec2.stop_instances(InstanceIds=[iid])
    assert aws.run_until(lambda: instances(ec2)[0]["State"]["Name"] == "stopped") == 65.0
    from simulator.core.errors import EcsimError

    with pytest.raises(EcsimError, match="unknown EC2 timing 'bot'"):
        SimulatedAWS(timing={"bot": "5s"})


def test_clients_can_be_used_from_several_threads() -> None:
    """One lock serialises calls; every thread's waiter advances the one clock (so
    concurrent sleeps add up rather than overlap)."""
    aws = SimulatedAWS(seed=12, validate_responses=True)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            ec2 = aws.client("ec2")
            ids = launch(ec2, 3, "m6i.large")
            ec2.get_waiter("instance_running").wait(InstanceIds=ids)
            ec2.terminate_instances(InstanceIds=ids)
            ec2.get_waiter("instance_terminated").wait(InstanceIds=ids)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    states = {i["State"]["Name"] for i in instances(aws.client("ec2"))}
    assert states == {"terminated"} and len(aws.fleet.instances) == 12
