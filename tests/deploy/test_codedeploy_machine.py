"""The CodeDeploy ECS deployment machine: order, guards, hooks, rollback, one per group."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.core.errors import AWSError
from simulator.deploy import codes
from simulator.deploy.codedeploy import (
    FINAL_STEPS,
    ROLLBACK_CREATOR,
    TRANSITIONS,
    Action,
    Deployment,
    DeploymentBook,
    DeploymentStatus,
    EventStatus,
    LifecycleEvent,
    Options,
    RollbackEvent,
    Step,
    invoke,
)

G = ("app", "dg")
E = LifecycleEvent


def walk_to(d: Deployment, target: Step, at: float = 0.0) -> None:
    """Drive ``d`` along the success path until it is in ``target``."""
    d.apply(Action.START, at)
    n = 0
    while d.step is not target:
        if d.step is Step.AFTER_ALLOW_TEST_TRAFFIC and d.options.ready_wait_minutes is not None:
            d.apply(Action.AWAIT_READY, at)
        elif d.step is Step.READY_WAIT:
            d.apply(Action.CONTINUE_READY, at)
        else:
            d.apply(Action.COMPLETE, at)
        n += 1
        assert n < 20


def test_success_path_statuses_and_events():
    book = DeploymentBook()
    d = book.create(
        G, "CodeDeployDefault.ECSAllAtOnce", at=0, options=Options(termination_wait_minutes=15)
    )
    assert d.status is DeploymentStatus.CREATED and d.deployment_id.startswith("d-")
    assert len(d.deployment_id) == 11 and d.deployment_id[2:].isalnum()
    walk_to(d, Step.TERMINATION_WAIT, at=10)
    assert d.status is DeploymentStatus.IN_PROGRESS  # still InProgress during the wait
    assert d.termination_wait_started
    assert all(r.status is EventStatus.SUCCEEDED for r in d.events.values())
    assert book.active(G) is d
    d.apply(Action.COMPLETE, 910)
    assert d.status is DeploymentStatus.SUCCEEDED and d.complete_time == 910
    assert book.active(G) is None


def test_ready_wait_is_status_ready_and_needs_continue():
    d = Deployment("d-1", G, "c", at=0, options=Options(ready_wait_minutes=30))
    walk_to(d, Step.AFTER_ALLOW_TEST_TRAFFIC)
    with pytest.raises(AWSError) as e:
        d.apply(Action.COMPLETE, 1)
    assert "Ready" in e.value.message or "STOP_DEPLOYMENT" in e.value.message
    d.apply(Action.AWAIT_READY, 1)
    assert d.status is DeploymentStatus.READY
    assert d.events[E.AFTER_ALLOW_TEST_TRAFFIC].status is EventStatus.SUCCEEDED
    d.apply(Action.READY_TIMEOUT, 1801, cause="ready_timeout")
    assert d.status is DeploymentStatus.STOPPED and d.error[0] == "TIMEOUT"


def test_continue_ready_outside_ready_is_not_ready_state():
    d = Deployment("d-2", G, "c", at=0)
    walk_to(d, Step.INSTALL)
    with pytest.raises(AWSError) as e:
        d.apply(Action.CONTINUE_READY, 1)
    assert e.value.code == codes.DEPLOYMENT_NOT_READY
    assert "d-2" in e.value.message and "InProgress" in e.value.message
    assert "continue-ready" in e.value.message


def test_no_transition_out_of_a_final_status():
    d = Deployment("d-3", G, "c", at=0)
    d.apply(Action.STOP, 0, cause="manual_stop")
    assert d.error == ("MANUAL_STOP", "manual stop")
    for a in Action:
        with pytest.raises(AWSError) as e:
            d.check(a)
        assert e.value.code == codes.DEPLOYMENT_ALREADY_COMPLETED


def test_final_steps_have_no_outgoing_transitions_in_the_table():
    assert not [k for k in TRANSITIONS if k[0] in FINAL_STEPS]


def test_hook_protocol_succeeded_advances_failed_fails():
    hooks = {E.AFTER_ALLOW_TEST_TRAFFIC: "validate", E.BEFORE_INSTALL: "pre"}
    d = Deployment("d-4", G, "c", at=0, options=Options(has_test_listener=True, hooks=hooks))
    d.apply(Action.START, 0)
    with pytest.raises(AWSError) as e:  # the BeforeInstall hook has not answered
        d.apply(Action.COMPLETE, 1)
    assert "hook" in e.value.message
    h = d.start_hook("exec-1", 1)
    assert h.payload == {"DeploymentId": "d-4", "LifecycleEventHookExecutionId": "exec-1"}
    assert h.deadline == 3601
    with pytest.raises(AWSError) as e:
        d.put_hook_status("exec-1", "Done", 2)
    assert e.value.code == codes.INVALID_HOOK_STATUS
    with pytest.raises(AWSError) as e:
        d.put_hook_status("nope", "Succeeded", 2)
    assert e.value.code == codes.INVALID_HOOK_EXECUTION_ID
    d.put_hook_status("exec-1", "Succeeded", 2)
    assert d.step is Step.INSTALL
    with pytest.raises(AWSError) as e:
        d.put_hook_status("exec-1", "Succeeded", 3)
    assert e.value.code == codes.LIFECYCLE_EVENT_ALREADY_COMPLETED
    d.apply(Action.COMPLETE, 3)
    d.apply(Action.COMPLETE, 3)
    d.apply(Action.COMPLETE, 3)
    assert d.step is Step.AFTER_ALLOW_TEST_TRAFFIC
    d.start_hook("exec-2", 4)
    d.put_hook_status("exec-2", "Failed", 5)
    assert d.status is DeploymentStatus.FAILED
    assert d.error[0] == "HOOK_EXECUTION_FAILURE"
    assert d.events[E.AFTER_ALLOW_TEST_TRAFFIC].status is EventStatus.FAILED
    assert d.events[E.ALLOW_TRAFFIC].status is EventStatus.SKIPPED


def test_hook_timeout_after_an_hour():
    d = Deployment("d-5", G, "c", at=0, options=Options(hooks={E.BEFORE_INSTALL: "slow"}))
    d.apply(Action.START, 0)
    h = d.start_hook("x", 0)
    assert not d.hook_timed_out("x", 3599)
    assert d.hook_timed_out("x", 3600)
    assert d.status is DeploymentStatus.FAILED and d.error[0] == "TIMEOUT"
    assert h.status is EventStatus.FAILED


def test_after_allow_test_traffic_hook_does_nothing_without_a_test_listener():
    d = Deployment("d-6", G, "c", at=0, options=Options(hooks={E.AFTER_ALLOW_TEST_TRAFFIC: "v"}))
    walk_to(d, Step.BEFORE_ALLOW_TRAFFIC)  # no hook was needed
    assert d.hooks == {}


def test_invoke_calls_the_handler_as_lambda_does():
    seen = {}
    d = Deployment("d-7", G, "c", at=0, options=Options(hooks={E.BEFORE_INSTALL: "fn"}))
    d.apply(Action.START, 0)
    h = d.start_hook("e", 0)

    def handler(event, context):
        seen.update(event, name=context.function_name)
        d.put_hook_status(event["LifecycleEventHookExecutionId"], "Succeeded", 1)

    invoke(handler, h, "arn:aws:lambda:us-east-1:123456789012:function:fn")
    assert seen["name"] == "fn" and seen["DeploymentId"] == "d-7"
    assert d.step is Step.INSTALL


def test_green_takes_no_production_before_before_allow_traffic_succeeded():
    d = Deployment("d-8", G, "c", at=0)
    walk_to(d, Step.BEFORE_ALLOW_TRAFFIC)
    assert not d.green_may_take_production()
    d.apply(Action.COMPLETE, 1)
    assert d.green_may_take_production()


def test_one_active_deployment_per_group_message():
    book = DeploymentBook()
    d = book.create(G, "c", at=0)
    with pytest.raises(AWSError) as e:
        book.create(G, "c", at=1)
    assert e.value.code == codes.DEPLOYMENT_LIMIT_EXCEEDED
    assert (
        e.value.message
        == f"The Deployment Group 'dg' already has an active Deployment '{d.deployment_id}'"
    )
    other = book.create(("app", "other"), "c", at=1)
    assert other.active


def test_rollback_is_a_new_deployment_pointing_both_ways():
    opts = Options(
        rollback_enabled=True, rollback_events=frozenset({RollbackEvent.DEPLOYMENT_STOP_ON_ALARM})
    )
    book = DeploymentBook()
    d = book.create(G, "c", at=0, options=opts)
    walk_to(d, Step.ALLOW_TRAFFIC)
    assert d.should_roll_back(Action.ALARM)
    assert not d.should_roll_back(Action.FAIL)  # DEPLOYMENT_FAILURE not configured
    assert d.should_roll_back(Action.STOP, requested=True)
    d.apply(Action.ALARM, 60, cause="alarm")
    assert d.status is DeploymentStatus.STOPPED and d.error[0] == "ALARM_ACTIVE"
    rb = book.roll_back(d, 60)
    assert rb.creator == ROLLBACK_CREATOR and rb.deployment_id != d.deployment_id
    assert d.rollback_info.rollback_deployment_id == rb.deployment_id
    assert rb.rollback_info.rollback_triggering_deployment_id == d.deployment_id
    assert book.active(G) is rb
    with pytest.raises(AWSError):
        rb.apply(Action.START, 60)
    rb.apply(Action.START_ROLLBACK, 60)
    rb.apply(Action.COMPLETE, 61)
    assert rb.status is DeploymentStatus.SUCCEEDED
    with pytest.raises(AWSError):
        book.roll_back(d, 62)  # already rolled back


def test_no_rollback_from_before_install():
    opts = Options(rollback_enabled=True, rollback_events=frozenset(RollbackEvent))
    d = Deployment("d-9", G, "c", at=0, options=opts)
    d.apply(Action.START, 0)
    assert not d.should_roll_back(Action.FAIL)


# ----------------------------------------------------------------------------- properties
actions = st.lists(st.sampled_from(list(Action)), max_size=40)


@given(actions, st.booleans(), st.booleans())
def test_random_action_sequences_respect_the_table(seq, ready, test_listener):
    opts = Options(ready_wait_minutes=5 if ready else None, has_test_listener=test_listener)
    d = Deployment("d-P", G, "c", at=0, options=opts)
    t = 0.0
    for a in seq:
        was_final = d.final
        before = d.step
        try:
            d.apply(a, t)
        except AWSError as e:
            assert "d-P" in e.message
            assert d.step is before
            continue
        finally:
            t += 1
        assert not was_final, "a final deployment moved"
        assert TRANSITIONS[(before, a)] is d.step
        assert d.green_may_take_production() <= (
            d.step in (Step.ALLOW_TRAFFIC, Step.AFTER_ALLOW_TRAFFIC, Step.TERMINATION_WAIT)
        )
    if d.final:
        assert d.complete_time is not None
        assert not [
            r
            for r in d.events.values()
            if r.status in (EventStatus.PENDING, EventStatus.IN_PROGRESS)
        ]


@given(
    st.lists(
        st.tuples(st.sampled_from(["a", "b"]), st.sampled_from(["create", "finish", "rollback"])),
        max_size=30,
    )
)
def test_at_most_one_active_deployment_per_group_and_rollback_pairs(ops):
    book = DeploymentBook()
    t = 0.0
    for group_name, op in ops:
        g = ("app", group_name)
        t += 1
        current = book.active(g)
        if op == "create":
            try:
                book.create(g, "c", at=t)
            except AWSError as e:
                assert e.code == codes.DEPLOYMENT_LIMIT_EXCEEDED and current is not None
        elif current is not None:
            if current.step is Step.CREATED:
                current.apply(Action.START_ROLLBACK if current.is_rollback else Action.START, t)
            if op == "finish" or current.is_rollback:
                current.apply(
                    Action.FAIL if current.step is not Step.REROUTE else Action.COMPLETE, t
                )
            else:
                current.apply(Action.STOP, t)
                book.roll_back(current, t)
        for name in ("a", "b"):
            assert len([d for d in book.of_group(("app", name)) if d.active]) <= 1
    for d in book.deployments.values():
        info = d.rollback_info
        if info and info.rollback_deployment_id:
            rb = book.deployments[info.rollback_deployment_id]
            assert rb.rollback_info.rollback_triggering_deployment_id == d.deployment_id
            assert rb.creator == ROLLBACK_CREATOR
        if d.is_rollback:
            orig = book.deployments[d.rollback_info.rollback_triggering_deployment_id]
            assert orig.rollback_info.rollback_deployment_id == d.deployment_id


def test_error_information_codes_are_the_models():
    import botocore.session

    model = botocore.session.get_session().get_service_model("codedeploy")
    enum = set(model.shape_for("ErrorCode").enum)
    from simulator.deploy.codedeploy import ERROR_CODES

    assert set(ERROR_CODES.values()) <= enum
    statuses = set(model.shape_for("DeploymentStatus").enum)
    assert {s.value for s in DeploymentStatus} == statuses
    assert {s.value for s in EventStatus} == set(model.shape_for("LifecycleEventStatus").enum)
    assert ROLLBACK_CREATOR in model.shape_for("DeploymentCreator").enum
