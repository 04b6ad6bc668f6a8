"""CodeDeploy deployment configurations: the predefined timelines and custom validation."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.core.errors import AWSError
from simulator.deploy import PREDEFINED, RoutingType, TrafficRouting, codes, custom_config
from simulator.deploy.configs import traffic_routing_from_api

P = "CodeDeployDefault."


def test_the_five_predefined_ecs_configs_and_their_exact_names():
    assert sorted(PREDEFINED) == sorted(
        P + n
        for n in (
            "ECSAllAtOnce",
            "ECSLinear10PercentEvery1Minutes",
            "ECSLinear10PercentEvery3Minutes",
            "ECSCanary10Percent5Minutes",
            "ECSCanary10Percent15Minutes",
        )
    )


def test_all_at_once_is_100_percent_at_0():
    tl = PREDEFINED[P + "ECSAllAtOnce"].timeline()
    assert tl.shift_instants == [0.0] and tl.weight_at(0) == 100 and tl.duration == 0


@pytest.mark.parametrize("minutes", [5, 15])
def test_canary_is_10_percent_then_the_remaining_90_interval_later(minutes):
    c = PREDEFINED[f"{P}ECSCanary10Percent{minutes}Minutes"]
    assert c.shift_instants() == [0.0, minutes * 60.0]
    assert c.weight_at(-1) == 0
    assert c.weight_at(0) == 10
    assert c.weight_at(minutes * 60 - 0.001) == 10
    assert c.weight_at(minutes * 60) == 100
    assert c.timeline().duration == minutes * 60


@pytest.mark.parametrize("minutes", [1, 3])
def test_linear_shifts_10_percent_at_the_start_of_each_increment(minutes):
    c = PREDEFINED[f"{P}ECSLinear10PercentEvery{minutes}Minutes"]
    tl = c.timeline()
    assert tl.shift_instants == [k * minutes * 60.0 for k in range(10)]
    assert [s.weight for s in tl.shifts] == [10.0 * (k + 1) for k in range(10)]
    # 100 % after 9 intervals (the first increment moves at the start)
    assert tl.time_to_full == 9 * minutes * 60
    assert c.weight_at(9 * minutes * 60 - 1) == 90
    assert tl.duration == tl.time_to_full


def test_linear_wait_after_last_step_is_a_parameter():
    tl = TrafficRouting(RoutingType.TIME_BASED_LINEAR, 10, 1).timeline(
        linear_wait_after_last_step=True
    )
    assert tl.time_to_full == 540 and tl.duration == 600


def test_linear_percentage_not_dividing_100_caps_the_last_step():
    tl = TrafficRouting(RoutingType.TIME_BASED_LINEAR, 30, 2).timeline()
    assert [(s.at, s.weight) for s in tl.shifts] == [
        (0, 30),
        (120, 60),
        (240, 90),
        (360, 100),
    ]


def test_api_round_trip():
    for c in PREDEFINED.values():
        assert traffic_routing_from_api(c.routing.to_api()) == c.routing


@pytest.mark.parametrize(
    "config, rule",
    [
        ({"type": "Canary"}, "must be one of"),
        ({"type": "TimeBasedCanary"}, "requires timeBasedCanary"),
        (
            {"type": "TimeBasedCanary", "timeBasedCanary": {"canaryPercentage": 10}},
            "canaryInterval",
        ),
        (
            {
                "type": "TimeBasedCanary",
                "timeBasedCanary": {"canaryPercentage": 0, "canaryInterval": 5},
            },
            "between 1 and 99",
        ),
        (
            {
                "type": "TimeBasedLinear",
                "timeBasedLinear": {"linearPercentage": 100, "linearInterval": 1},
            },
            "between 1 and 99",
        ),
        (
            {
                "type": "TimeBasedLinear",
                "timeBasedLinear": {"linearPercentage": 10, "linearInterval": 0},
            },
            "minutes",
        ),
        (
            {
                "type": "TimeBasedLinear",
                "timeBasedLinear": {"linearPercentage": 1.5, "linearInterval": 1},
            },
            "integer",
        ),
        (
            {
                "type": "TimeBasedLinear",
                "timeBasedCanary": {"canaryPercentage": 10, "canaryInterval": 1},
            },
            "takes timeBasedLinear",
        ),
        ({"type": "AllAtOnce", "timeBasedLinear": {}}, "takes no"),
    ],
)
def test_invalid_traffic_routing_configs_are_refused_with_the_rule(config, rule):
    with pytest.raises(AWSError) as e:
        traffic_routing_from_api(config)
    assert e.value.code == codes.INVALID_TRAFFIC_ROUTING
    assert rule in e.value.message


def test_custom_names_cannot_take_the_predefined_prefix():
    with pytest.raises(AWSError) as e:
        custom_config(P + "Mine", {"type": "AllAtOnce"})
    assert e.value.code == codes.INVALID_DEPLOYMENT_CONFIG_NAME
    with pytest.raises(AWSError) as e:
        custom_config("", {"type": "AllAtOnce"})
    assert e.value.code == codes.DEPLOYMENT_CONFIG_NAME_REQUIRED


routing = st.one_of(
    st.just(TrafficRouting(RoutingType.ALL_AT_ONCE)),
    st.builds(
        TrafficRouting,
        st.sampled_from([RoutingType.TIME_BASED_CANARY, RoutingType.TIME_BASED_LINEAR]),
        st.integers(1, 99),
        st.integers(1, 2880),
    ),
)


@given(routing, st.lists(st.floats(-100, 10**6, allow_nan=False), min_size=2, max_size=20))
def test_weights_are_monotone_from_0_to_100(r, times):
    tl = r.timeline()
    ts = sorted(times)
    weights = [tl.weight_at(t) for t in ts]
    assert weights == sorted(weights)
    assert all(0 <= w <= 100 for w in weights)
    assert tl.weight_at(-1e-9) == 0
    assert tl.weight_at(tl.time_to_full) == 100
    assert tl.weight_at(tl.duration + 1e9) == 100


@given(routing)
def test_shift_count_and_time_to_full(r):
    tl = r.timeline()
    if r.type is RoutingType.TIME_BASED_LINEAR:
        n = -(-100 // r.percentage)
        assert len(tl.shifts) == n
        assert tl.time_to_full == (n - 1) * r.interval_minutes * 60
    elif r.type is RoutingType.TIME_BASED_CANARY:
        assert len(tl.shifts) == 2 and tl.time_to_full == r.interval_minutes * 60
    else:
        assert len(tl.shifts) == 1 and tl.time_to_full == 0
    assert tl.shifts[-1].weight == 100
