import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.batch.plan import draw_failures, outcome, plan, read_durations
from simulator.core.errors import EcsimError

suites = st.lists(st.floats(0, 3600, allow_nan=False), min_size=0, max_size=60)
ks = st.integers(1, 12)


@given(suites, ks, st.sampled_from(["round_robin", "by_duration"]))
def test_every_test_in_exactly_one_batch(d, k, strategy):
    p = plan(d, k, strategy)
    assert len(p.batches) == k
    assert sorted(i for b in p.batches for i in b) == list(range(len(d)))


@given(suites, ks)
def test_by_duration_makespan_bounds(d, k):
    lpt, rr = plan(d, k, "by_duration"), plan(d, k, "round_robin")
    lower = max(max(d, default=0.0), sum(d) / k)
    assert lpt.makespan >= lower - 1e-6
    # LPT is within 4/3 of the optimum, and the optimum is at most round robin's makespan
    assert lpt.makespan <= 4 / 3 * rr.makespan + 1e-6
    assert lpt.makespan <= 4 / 3 * max(lower, rr.makespan) + 1e-6


def test_by_duration_beats_round_robin_on_a_skewed_suite():
    d = [100, 1, 1, 1, 100, 1, 1, 1]
    assert plan(d, 4, "round_robin").makespan == 200  # both 100 s tests in batch 0
    assert plan(d, 4, "by_duration").makespan == 100


def test_given_batches_are_checked():
    assert plan([1, 2, 3], 2, "given", [[2], [0, 1]]).loads == [3.0, 3.0]
    with pytest.raises(EcsimError, match=r"batches\[1\]: test 0 is already in batches\[0\]"):
        plan([1, 2], 2, "given", [[0], [0, 1]])
    with pytest.raises(EcsimError, match=r"tests \[1\] are in no batch"):
        plan([1, 2], 2, "given", [[0], []])
    with pytest.raises(EcsimError, match="expected strategy one of"):
        plan([1], 1, "random")


@given(suites, ks, st.integers(0, 2**32 - 1), st.floats(0, 0.2))
def test_fast_fail_work_adds_up(d, k, seed, prob):
    p = plan(d, k, "by_duration")
    fails = draw_failures(len(d), prob, np.random.default_rng(seed))
    o = outcome(p, fails)
    assert o.done_s + o.saved_s == pytest.approx(p.total, abs=1e-6)
    assert o.saved_s >= -1e-9
    if o.first_failure_s is None:
        assert o.saved_s == pytest.approx(0.0, abs=1e-6)
        assert max(o.ends, default=0.0) == pytest.approx(p.makespan)
    else:
        assert fails[o.failed_test]
        assert all(e <= o.first_failure_s + 1e-9 for e in o.ends)
    slow = outcome(p, fails, fast_fail=False)
    assert slow.saved_s == pytest.approx(0.0, abs=1e-6)


def test_fast_fail_saves_the_rest():
    p = plan([10, 10, 10, 10], 2, "round_robin")  # batches (0, 2) and (1, 3)
    o = outcome(p, [False, False, False, True])
    assert o.first_failure_s == 20
    assert o.failed_test == 3
    assert o.ends == (20, 20)
    assert o.done_s == 40 and o.saved_s == 0  # both batches had 20 s of work each
    o = outcome(p, [True, False, False, False])
    assert o.first_failure_s == 10 and o.done_s == 20 and o.saved_s == 20
    o = outcome(plan([10, 25], 2, "round_robin"), [True, False])  # test 1 cut at 10 s
    assert o.ends == (10, 10) and o.done_s == 20 and o.saved_s == 15
    late = outcome(p, [True, False, False, False], starts=[0, 30])  # batch 1 never started
    assert late.ends == (10, 30) and late.done_s == 10 and late.saved_s == 30


def test_read_durations(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text("test,duration_s\na,1.5\nb,3\n")
    assert read_durations(f) == [1.5, 3.0]
    f.write_text("test,duration_s\na,-1\n")
    with pytest.raises(EcsimError, match=r"d.csv:2: duration_s: expected seconds >= 0"):
        read_durations(f)
    f.write_text("test,secs\na,1\n")
    with pytest.raises(EcsimError, match="header column 'duration_s'"):
        read_durations(f)
