"""ECS's own strategies: validation, timelines, the stage machine, hooks, rollback in place."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.core.errors import AWSError
from simulator.deploy.ecs_native import (
    FINAL_STEPS,
    STAGES,
    TRANSITIONS,
    Action,
    HookStage,
    HookStatus,
    ServiceDeployment,
    ServiceDeploymentStatus,
    Stage,
    Step,
    Strategy,
    stage_sequence,
    strategy_from_api,
)

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:check"


def test_stage_order_is_the_models():
    assert [s.value for s in Stage] == [
        "RECONCILE_SERVICE",
        "PRE_SCALE_UP",
        "SCALE_UP",
        "POST_SCALE_UP",
        "TEST_TRAFFIC_SHIFT",
        "POST_TEST_TRAFFIC_SHIFT",
        "PRODUCTION_TRAFFIC_SHIFT",
        "POST_PRODUCTION_TRAFFIC_SHIFT",
        "BAKE_TIME",
        "CLEAN_UP",
    ]


def test_defaults_linear_10_every_6_and_canary_5_for_10():
    lin = strategy_from_api({"strategy": "LINEAR"})
    assert (lin.step_percent, lin.step_bake_minutes) == (10.0, 6)
    assert lin.timeline().time_to_full == 9 * 360
    can = strategy_from_api({"strategy": "CANARY"})
    tl = can.timeline()
    assert [(s.at, s.weight) for s in tl.shifts] == [(0, 5.0), (600, 100)]


def test_linear_tenths_and_no_bake_after_the_last_step():
    cfg = strategy_from_api(
        {
            "strategy": "LINEAR",
            "linearConfiguration": {"stepPercent": 33.3, "stepBakeTimeInMinutes": 2},
        }
    )
    tl = cfg.timeline()
    assert [s.weight for s in tl.shifts] == [33.3, 66.6, 99.9, 100.0]
    assert tl.duration == tl.time_to_full == 3 * 120
    # CloudFormation's rule: steps = floor(100/p) when p does not divide 100
    assert cfg.cfn_minutes() == 0 + 2 * 3
    assert (
        strategy_from_api({"strategy": "LINEAR", "bakeTimeInMinutes": 5}).cfn_minutes() == 5 + 6 * 9
    )


@pytest.mark.parametrize(
    "config, rule",
    [
        ({"strategy": "PURPLE"}, "must be one of"),
        ({"strategy": "BLUE_GREEN"}, "bakeTimeInMinutes is required"),
        ({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1441}, "between 0 and 1440"),
        (
            {"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 2.9}},
            "multiple of 0.1 from 3.0",
        ),
        ({"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 10.05}}, "multiple of 0.1"),
        ({"strategy": "CANARY", "canaryConfiguration": {"canaryPercent": 0.0}}, "from 0.1"),
        (
            {"strategy": "CANARY", "canaryConfiguration": {"canaryBakeTimeInMinutes": -1}},
            "between 0",
        ),
        ({"strategy": "ROLLING", "linearConfiguration": {}}, "only valid with strategy LINEAR"),
        ({"strategy": "LINEAR", "canaryConfiguration": {}}, "only valid with strategy CANARY"),
        (
            {"strategy": "CANARY", "lifecycleHooks": [{"lifecycleStages": ["POST_SCALE_UP"]}]},
            "hookTargetArn is required",
        ),
        (
            {
                "strategy": "CANARY",
                "lifecycleHooks": [{"hookTargetArn": LAMBDA, "lifecycleStages": ["SCALE_UP"]}],
            },
            "is not one of",
        ),
        (
            {
                "strategy": "CANARY",
                "lifecycleHooks": [
                    {"targetType": "PAUSE", "lifecycleStages": ["PRODUCTION_TRAFFIC_SHIFT"]}
                ],
            },
            "PAUSE hook cannot run",
        ),
        (
            {
                "strategy": "CANARY",
                "lifecycleHooks": [
                    {
                        "hookTargetArn": LAMBDA,
                        "lifecycleStages": ["POST_SCALE_UP"],
                        "timeoutConfiguration": {"timeoutInMinutes": 20161},
                    }
                ],
            },
            "between 1 and 20160",
        ),
    ],
)
def test_validation_errors_are_invalid_parameter_with_the_rule(config, rule):
    with pytest.raises(AWSError) as e:
        strategy_from_api(config)
    assert e.value.code == "InvalidParameterException"
    assert rule in e.value.message


def _deployment(config: dict, source: str | None = "rev/1") -> ServiceDeployment:
    return ServiceDeployment(
        "arn:sd/1",
        strategy_from_api(config),
        at=0,
        source_revision_arn=source,
        target_revision_arn="rev/2",
    )


def _walk(d: ServiceDeployment, until: Step) -> None:
    d.apply(Action.START, 0)
    while d.step is not until:
        if d.step is Step.PRODUCTION_TRAFFIC_SHIFT and d.shift_index + 1 < len(
            d.config.timeline().shifts
        ):
            d.apply(Action.SHIFT, 0)
        else:
            d.apply(Action.COMPLETE, 0)


def test_linear_deployment_walks_every_stage_and_shifts_in_steps():
    d = _deployment({"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 25.0}})
    _walk(d, Step.PRODUCTION_TRAFFIC_SHIFT)
    assert d.production_weight() == 25.0
    with pytest.raises(AWSError) as e:
        d.apply(Action.COMPLETE, 1)
    assert "not reached 100" in e.value.message and "arn:sd/1" in e.value.message
    for w in (50.0, 75.0, 100.0):
        d.apply(Action.SHIFT, 1)
        assert d.production_weight() == w
    with pytest.raises(AWSError):
        d.apply(Action.SHIFT, 1)
    _walk_rest(d)
    assert d.status is ServiceDeploymentStatus.SUCCESSFUL


def _walk_rest(d):
    while not d.final:
        d.apply(Action.COMPLETE, d.history[-1].at)


def test_rollback_in_place_keeps_the_arn_and_records_it():
    d = _deployment({"strategy": "CANARY"})
    _walk(d, Step.BAKE_TIME)
    d.apply(Action.ROLLBACK, 100, reason="alarm triggered")
    assert d.arn == "arn:sd/1" and d.status is ServiceDeploymentStatus.ROLLBACK_REQUESTED
    assert d.rollback.reason == "alarm triggered" and d.rollback.service_revision_arn == "rev/1"
    d.apply(Action.COMPLETE, 101)
    assert d.status is ServiceDeploymentStatus.ROLLBACK_IN_PROGRESS
    assert d.lifecycle_stage is Stage.PRODUCTION_TRAFFIC_SHIFT
    assert d.current_hook_points() == [HookStage.PRODUCTION_TRAFFIC_SHIFT]
    d.apply(Action.COMPLETE, 102)
    assert d.production_weight() == 0 and d.current_hook_points() == [HookStage.TEST_TRAFFIC_SHIFT]
    _walk_rest(d)
    assert d.status is ServiceDeploymentStatus.ROLLBACK_SUCCESSFUL


def test_rollback_needs_a_previous_completed_deployment():
    d = _deployment({"strategy": "CANARY"}, source=None)
    _walk(d, Step.POST_SCALE_UP)
    with pytest.raises(AWSError) as e:
        d.apply(Action.ROLLBACK, 1)
    assert "COMPLETED" in e.value.message


def test_lambda_hook_in_progress_reinvokes_after_30s_or_callback_delay():
    hook = {
        "hookTargetArn": LAMBDA,
        "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"],
        "hookDetails": {"k": 1},
    }
    d = _deployment({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 5, "lifecycleHooks": [hook]})
    _walk(d, Step.POST_TEST_TRAFFIC_SHIFT)
    [run] = d.start_hooks(HookStage.POST_TEST_TRAFFIC_SHIFT, 10)
    assert d.payload(run, "arn:svc")["hookDetails"] == {"k": 1}
    assert d.payload(run, "arn:svc")["testTrafficWeights"] == {"rev/2": 100.0, "rev/1": 0.0}
    with pytest.raises(AWSError):
        d.apply(Action.COMPLETE, 10)  # the hook is unresolved
    assert run.answer({"hookStatus": "IN_PROGRESS"}, 10) == ("reinvoke", 40.0, {"k": 1})
    assert (
        run.answer(
            {"hookStatus": "IN_PROGRESS", "callBackDelay": 60, "hookDetails": {"k": 2}}, 40
        ).at
        == 100
    )
    assert run.answer({"hookStatus": "SUCCEEDED"}, 100).kind == "continue"
    d.apply(Action.COMPLETE, 100)
    assert d.step is Step.PRODUCTION_TRAFFIC_SHIFT


@pytest.mark.parametrize(
    "response", [{"hookStatus": "FAILED"}, {"hookStatus": "done"}, None, "SUCCEEDED"]
)
def test_lambda_hook_failed_or_invalid_rolls_back(response):
    hook = {"hookTargetArn": LAMBDA, "lifecycleStages": ["PRE_SCALE_UP"]}
    d = _deployment({"strategy": "CANARY", "lifecycleHooks": [hook]})
    _walk(d, Step.PRE_SCALE_UP)
    [run] = d.start_hooks(HookStage.PRE_SCALE_UP, 0)
    assert run.answer(response, 1).kind == "rollback" and run.status is HookStatus.FAILED


def test_hook_timeout_takes_its_action():
    hook = {
        "hookTargetArn": LAMBDA,
        "lifecycleStages": ["PRE_SCALE_UP"],
        "timeoutConfiguration": {"timeoutInMinutes": 2, "action": "CONTINUE"},
    }
    d = _deployment({"strategy": "CANARY", "lifecycleHooks": [hook]})
    _walk(d, Step.PRE_SCALE_UP)
    [run] = d.start_hooks(HookStage.PRE_SCALE_UP, 0)
    assert run.expires_at == 120
    assert run.answer({"hookStatus": "IN_PROGRESS", "callBackDelay": 500}, 0).at == 120
    assert run.answer({"hookStatus": "SUCCEEDED"}, 120) == ("continue", 120, None)
    assert run.status is HookStatus.TIMED_OUT


def test_default_hook_timeout_is_24h_rollback():
    d = _deployment(
        {
            "strategy": "CANARY",
            "lifecycleHooks": [{"hookTargetArn": LAMBDA, "lifecycleStages": ["PRE_SCALE_UP"]}],
        }
    )
    h = d.config.hooks[0]
    assert (h.timeout_minutes, h.timeout_action) == (1440, "ROLLBACK")


def test_pause_hook_waits_for_continue_service_deployment():
    hook = {"targetType": "PAUSE", "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"]}
    d = _deployment({"strategy": "CANARY", "lifecycleHooks": [hook]})
    _walk(d, Step.POST_TEST_TRAFFIC_SHIFT)
    [run] = d.start_hooks(HookStage.POST_TEST_TRAFFIC_SHIFT, 0)
    assert run.status is HookStatus.AWAITING_ACTION
    with pytest.raises(AWSError):
        run.resolve("MAYBE", 1)
    assert run.resolve("ROLLBACK", 1).kind == "rollback"
    with pytest.raises(AWSError):
        run.resolve("CONTINUE", 2)  # no longer awaiting


def test_production_hook_points_once_per_step():
    cfg = strategy_from_api({"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 50.0}})
    seq = stage_sequence(cfg)
    prod = [s for s, _ in seq if s is Step.PRODUCTION_TRAFFIC_SHIFT]
    assert len(prod) == 2
    assert [s for s, _ in seq if s is not Step.PRODUCTION_TRAFFIC_SHIFT] == [
        s for s in STAGES if s is not Step.PRODUCTION_TRAFFIC_SHIFT
    ]


def test_rolling_has_no_blue_green_machine():
    with pytest.raises(AWSError):
        _deployment({"strategy": "ROLLING"})
    assert strategy_from_api({}).strategy is Strategy.ROLLING


@given(st.lists(st.sampled_from(list(Action)), max_size=40))
def test_no_transition_out_of_a_final_status(seq):
    d = _deployment({"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 50.0}})
    weights = []
    for i, a in enumerate(seq):
        was_final, before = d.final, d.step
        try:
            d.apply(a, float(i))
        except AWSError as e:
            assert "arn:sd/1" in e.message and d.step is before
            continue
        assert not was_final
        assert TRANSITIONS[(before, a)] is d.step
        weights.append(d.production_weight())
        if d.status is not ServiceDeploymentStatus.ROLLBACK_IN_PROGRESS and d.rollback is None:
            assert weights == sorted(weights)
    assert not [k for k in TRANSITIONS if k[0] in FINAL_STEPS]


def test_enums_are_the_ecs_models():
    import botocore.session

    from simulator.deploy.ecs_native import ServiceDeploymentStatus as SDS

    m = botocore.session.get_session().get_service_model("ecs")
    assert [s.value for s in Stage] == m.shape_for("ServiceDeploymentLifecycleStage").enum
    assert [h.value for h in HookStage] == m.shape_for("DeploymentLifecycleHookStage").enum
    assert {s.value for s in SDS} == set(m.shape_for("ServiceDeploymentStatus").enum)
    assert {s.value for s in HookStatus} == set(m.shape_for("DeploymentLifecycleHookStatus").enum)
    assert {s.value for s in Strategy} == set(m.shape_for("DeploymentStrategy").enum)


@given(
    st.sampled_from(["LINEAR", "CANARY"]),
    st.integers(1, 1000).map(lambda n: n / 10),
    st.integers(0, 1440),
)
def test_ecs_timelines_are_monotone_and_end_at_100(strategy, pct, bake):
    key = "linearConfiguration" if strategy == "LINEAR" else "canaryConfiguration"
    body = (
        {"stepPercent": max(pct, 3.0), "stepBakeTimeInMinutes": bake}
        if strategy == "LINEAR"
        else {"canaryPercent": pct, "canaryBakeTimeInMinutes": bake}
    )
    tl = strategy_from_api({"strategy": strategy, key: body}).timeline()
    weights = [s.weight for s in tl.shifts]
    assert weights == sorted(weights) and weights[-1] == 100
    assert tl.duration == tl.time_to_full  # no bake after the last step


def test_zero_step_bake_shifts_every_step_at_once():
    cfg = strategy_from_api(
        {
            "strategy": "LINEAR",
            "linearConfiguration": {"stepPercent": 10.0, "stepBakeTimeInMinutes": 0},
        }
    )
    tl = cfg.timeline()
    assert len(tl.shifts) == 10 and tl.shift_instants == [0.0] * 10
    assert tl.weight_at(0) == 100 and tl.time_to_full == 0
    assert len([s for s, _ in stage_sequence(cfg) if s is Step.PRODUCTION_TRAFFIC_SHIFT]) == 10
