import numpy as np

from simulator.core.rng import RandomStreams


def test_same_seed_same_draws():
    a = RandomStreams(42).stream("ec2.boot").random(100)
    b = RandomStreams(42).stream("ec2.boot").random(100)
    assert np.array_equal(a, b)


def test_different_seed_or_name_differs():
    base = RandomStreams(42).stream("ec2.boot").random(10)
    assert not np.array_equal(base, RandomStreams(43).stream("ec2.boot").random(10))
    assert not np.array_equal(base, RandomStreams(42).stream("ec2.stop").random(10))


def test_new_stream_leaves_others_unchanged():
    plain = RandomStreams(7)
    expected = plain.stream("arrivals.web").random(50)

    busy = RandomStreams(7)
    busy.stream("faults").random(1000)  # a stream created first and drawn heavily
    busy.stream("another.new.stream").normal(size=10)
    assert np.array_equal(busy.stream("arrivals.web").random(50), expected)


def test_stream_is_reused_not_restarted():
    streams = RandomStreams(1)
    first = streams.stream("x").random()
    second = streams["x"].random()
    assert first != second
    assert streams.names() == ["x"]
