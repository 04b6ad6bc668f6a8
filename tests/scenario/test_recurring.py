"""Recurring events: every / until / count expand into plain events at load time."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.core.errors import ScenarioError
from simulator.scenario.loader import parse_scenario
from simulator.scenario.recurring import expand_recurring

BASE = """
name: r
duration: 7d
capacity: {instance_type: m6i.xlarge, count: 2}
services: [{name: web, cpu: 1024, memory: 2048, desired_count: 2}]
events:
"""


def events(text: str):
    return parse_scenario(BASE + text).events


def test_daily_deploy_to_the_end_of_the_run():
    evs = events("  - {at: 10h, every: 1d, action: deploy, service: web}\n")
    assert [e.at / 3600 for e in evs] == [10 + 24 * k for k in range(7)]
    assert all(e.action == "deploy" and e.service == "web" for e in evs)


def test_count_and_until_bound_the_repeats():
    assert len(events("  - {at: 0, every: 1h, count: 5, action: deploy, service: web}\n")) == 5
    until = events("  - {at: 0, every: 1d, until: 3d, action: deploy, service: web}\n")
    assert [e.at for e in until] == [0, 86400, 2 * 86400]  # until is exclusive


def test_written_events_keep_their_index_for_error_messages():
    with pytest.raises(ScenarioError) as exc:
        events(
            "  - {at: 1h, every: 1d, action: deploy, service: web}\n"
            "  - {at: 2h, action: set_desired_count, service: web, desired_count: -1}\n"
        )
    assert any("events[1].desired_count" in p for p in exc.value.problems)


@pytest.mark.parametrize(
    ("field", "bad", "needle"),
    [("every", "often", "events[0].every"), ("every", "0s", "events[0].every"),
     ("count", 0, "events[0].count"), ("until", "soon", "events[0].until")],
)  # fmt: skip
def test_bad_recurrence_names_the_field(field, bad, needle):
    every = "" if field == "every" else "every: 1d, "  # a key given twice is refused
    line = f"  - {{at: 1h, {every}{field}: {bad}, action: deploy, service: web}}\n"
    with pytest.raises(ScenarioError) as exc:
        events(line)
    assert any(needle in p for p in exc.value.problems)


@given(st.integers(0, 23), st.integers(1, 48), st.integers(1, 20))
def test_expansion_is_a_regular_sequence_within_the_bounds(start_h, every_h, count):
    data = {
        "duration": 86400 * 3,
        "events": [{"at": start_h * 3600, "every": every_h * 3600, "count": count, "action": "x"}],
    }
    out, problems = expand_recurring(data)
    assert not problems
    times = sorted(e["at"] for e in out["events"])
    assert times[0] == start_h * 3600 and len(times) <= count
    assert all(b - a == every_h * 3600 for a, b in zip(times, times[1:], strict=False))
    assert times[-1] < 86400 * 3 or len(times) == 1
    assert all("every" not in e for e in out["events"])


def test_set_instance_count_keeps_its_own_count():
    evs = events("  - {at: 1h, every: 1d, occurrences: 2, action: set_instance_count, count: 3}\n")
    assert [(e.at, e.count) for e in evs] == [(3600, 3), (3600 + 86400, 3)]
