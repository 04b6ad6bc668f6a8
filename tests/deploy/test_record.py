import pytest

from simulator.deploy.record import DeploymentRecord


def _record() -> DeploymentRecord:
    return DeploymentRecord(
        "d-1", "web", "CodeDeployDefault.ECSCanary10Percent5Minutes", "blue-tg", "green-tg", 0.0
    )


def test_green_share_follows_recorded_weights():
    r = _record()
    r.set_weights(100.0, {"blue-tg": 90, "green-tg": 10})
    r.set_weights(400.0, {"blue-tg": 0, "green-tg": 1})
    assert r.green_share_at(50.0) == 0.0
    assert r.green_share_at(100.0) == pytest.approx(0.1)
    assert r.green_share_at(400.0) == 1.0
    with pytest.raises(ValueError):
        r.set_weights(300.0, {"blue-tg": 1})


def test_phases_open_and_close_and_only_changes_are_kept():
    r = _record()
    r.open_phase("Install", 0.0)
    r.close_phase("Install", 130.0)
    assert r.phase("Install").end == 130.0
    with pytest.raises(ValueError):
        r.close_phase("AllowTraffic", 1.0)
    r.see_alarm(10.0, "a", "OK")
    r.see_alarm(70.0, "a", "OK")
    r.see_alarm(130.0, "a", "ALARM")
    assert [a.state for a in r.alarms] == ["OK", "ALARM"]
    r.count_tasks(0.0, "green", 0)
    r.count_tasks(5.0, "green", 0)
    r.count_tasks(9.0, "green", 3)
    assert [t.running for t in r.tasks] == [0, 3]
