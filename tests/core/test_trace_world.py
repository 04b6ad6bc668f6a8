import io
import json

import pytest

from simulator.core.durations import parse_duration
from simulator.core.errors import DurationError
from simulator.core.trace import EventTrace
from simulator.core.world import World


def test_trace_streams_json_lines_and_builds_a_table():
    buf = io.StringIO()
    trace = EventTrace(jsonl=buf)
    trace.emit(1.5, "instance.state", "i-1", state="running")
    trace.emit(3.0, "host.state", "h-1", state="available")
    lines = [json.loads(line) for line in buf.getvalue().splitlines()]
    assert lines[0] == {
        "time": 1.5,
        "kind": "instance.state",
        "resource": "i-1",
        "state": "running",
    }
    df = trace.to_frame()
    assert df["kind"].tolist() == ["instance.state", "host.state"]
    assert json.loads(df["details"][1]) == {"state": "available"}
    assert [e.resource for e in trace.of_kind("host.state")] == ["h-1"]


def test_world_clock_accepts_durations_and_runs_in_order():
    world = World(seed=1)
    seen = []
    world.at("5m", lambda: seen.append(("a", world.now)))
    world.at(30, lambda: seen.append(("b", world.now)))

    def proc():
        yield world.timeout("1h")
        world.emit("done", "p")

    world.process(proc())
    world.run("2h")
    assert seen == [("b", 30.0), ("a", 300.0)]
    assert world.trace.events[0].time == parse_duration("1h")
    assert world.now == 7200.0


def test_world_progress_reports_simulated_time():
    world = World()
    calls = []
    world.run("1d", progress=lambda now, total: calls.append((now, total)), chunks=10)
    assert calls[-1] == (86400.0, 86400.0)
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)
    assert len(calls) == 10


def test_world_rejects_bad_durations():
    with pytest.raises(DurationError):
        World().timeout("soon")


def test_after_runs_each_action_at_its_time_and_same_instant_ones_in_process_order():
    def actions(use_after: bool):
        world = World(seed=1)
        seen = []

        def later(delay, name):
            def action():
                seen.append((world.now, name))

            if use_after:
                world.after(delay, action)
            else:  # what a process per action gives

                def wait():
                    yield world.env.timeout(delay)
                    action()

                world.process(wait())

        def chain():
            yield world.env.timeout(1.0)
            later(2.5, "c")
            later(0.0, "now-1")
            later(0.0, "now-2")

        world.process(chain())
        later(3.0, "b")
        later(0.0, "zero")
        later(0.25, "a")
        world.run(10)
        return seen

    assert actions(True) == actions(False)
    assert [name for _, name in actions(True)] == ["zero", "a", "now-1", "now-2", "b", "c"]


def test_omitted_kinds_are_counted_and_neither_kept_nor_streamed():
    buf = io.StringIO()
    trace = EventTrace(jsonl=buf)
    trace.omit = frozenset({"ecs.task"})
    trace.emit(1.0, "ecs.task", "t-1", state="PENDING")
    trace.emit(2.0, "service.deploy", "web")
    assert [e.kind for e in trace.events] == ["service.deploy"]
    assert [json.loads(line)["kind"] for line in buf.getvalue().splitlines()] == ["service.deploy"]
    assert trace.counts == {"ecs.task": 1, "service.deploy": 1}
    quiet = EventTrace(keep=False)
    assert quiet.emit(1.0, "ecs.task", "t-1") is None and quiet.counts["ecs.task"] == 1
