import numpy as np
import pytest

from simulator.core.errors import AWSError
from simulator.traffic.elb import (
    Condition,
    FixedResponseAction,
    ForwardAction,
    Listener,
    ProbeResult,
    QueryPair,
    Request,
    Rule,
    TargetGroup,
)
from simulator.traffic.elb_rules import wildcard


def group(name: str) -> TargetGroup:
    tg = TargetGroup(name, f"arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/{name}/x")
    tg.register(f"{name}-1", at=0)
    for _ in range(tg.check.healthy_threshold):
        tg.record_check(f"{name}-1", ProbeResult.PASS, 0.0)
    return tg


def cond(field: str, *values: str, **kw) -> Condition:
    return Condition(field, tuple(values), **kw)


@pytest.mark.parametrize(
    ("pattern", "text", "ignore_case", "matches"),
    [
        ("/img/*", "/img/a/b.png", False, True),
        ("/img/*", "/IMG/a.png", False, False),
        ("/a?c", "/abc", False, True),
        ("/a?c", "/ac", False, False),
        ("*.example.com", "API.Example.com", True, True),
        ("a.b", "axb", False, False),  # '.' is literal, not a regex dot
        ("[x]", "x", False, False),  # brackets are literal too
    ],
)
def test_wildcards(pattern, text, ignore_case, matches):
    assert bool(wildcard(pattern, ignore_case).fullmatch(text)) is matches


def test_each_condition_field_matches_as_documented():
    assert cond("path-pattern", "/api/*").matches(Request(path="/api/x?debug=1"))
    assert not cond("path-pattern", "/api/*").matches(Request(path="/API/x"))
    assert cond("host-header", "*.example.com").matches(Request(host="Shop.EXAMPLE.com:8080"))
    header = cond("http-header", "canary*", header_name="X-Release")
    assert header.matches(Request(headers={"x-release": "CANARY-7"}))
    assert header.matches(Request(headers={"X-Release": ["stable", "canary"]}))
    assert not header.matches(Request(headers={"X-Other": "canary"}))
    assert cond("http-request-method", "POST").matches(Request(method="POST"))
    assert not cond("http-request-method", "POST").matches(Request(method="post"))
    assert cond("source-ip", "10.0.0.0/8").matches(Request(source_ip="10.1.2.3"))
    assert not cond("source-ip", "10.0.0.0/8").matches(Request(source_ip="192.168.0.1"))
    assert not cond("source-ip", "10.0.0.0/8").matches(Request(source_ip="::1"))
    q = Condition("query-string", pairs=(QueryPair("b*", "version"),))
    assert q.matches(Request(query="Version=BETA2"))
    assert not q.matches(Request(query="other=beta"))
    anykey = Condition("query-string", pairs=(QueryPair("x\\*y"),))
    assert anykey.matches(Request(path="/p?k=x*y")) and not anykey.matches(Request(query="k=xzy"))


def test_rules_by_priority_then_default():
    blue, green, canary = group("blue"), group("green"), group("canary")
    listener = Listener(80, [(blue, 1)])
    listener.add_rule(Rule(20, [cond("path-pattern", "/api/*")], ForwardAction([(green, 1)])))
    listener.add_rule(
        Rule(
            10,
            [cond("path-pattern", "/api/*"), cond("http-header", "yes", header_name="X-Canary")],
            ForwardAction([(canary, 1)]),
        )
    )
    assert listener.route_split(5.0, Request(path="/api/v1")).groups == {"green": 5.0}
    canary_request = Request(path="/api/v1", headers={"X-Canary": "YES"})
    assert listener.route_split(5.0, canary_request).groups == {"canary": 5.0}
    assert listener.route_split(5.0, Request(path="/")).groups == {"blue": 5.0}
    rule, action = listener.route(Request(path="/"))
    assert rule is None and action.groups == [(blue, 1)]


def test_priorities_unique_and_in_range():
    listener = Listener(80, [(group("blue"), 1)])
    listener.add_rule(Rule(1, [cond("path-pattern", "/a")], FixedResponseAction(404)))
    with pytest.raises(AWSError) as e:
        listener.add_rule(Rule(1, [cond("path-pattern", "/b")], FixedResponseAction(404)))
    assert e.value.code == "PriorityInUse"
    for bad in (0, 50001):
        with pytest.raises(AWSError, match="between 1 and 50000"):
            Rule(bad, [cond("path-pattern", "/a")], FixedResponseAction(404))
    Rule(50000, [cond("path-pattern", "/a")], FixedResponseAction(404))


def test_swapping_priorities_together():
    listener = Listener(80, [(group("blue"), 1)])
    a = listener.add_rule(Rule(1, [cond("path-pattern", "/a")], FixedResponseAction(201)))
    b = listener.add_rule(Rule(2, [cond("path-pattern", "/*")], FixedResponseAction(202)))
    assert listener.route_split(1.0, Request(path="/a")).fixed == {201: 1.0}
    listener.set_priorities({id(a): 2, id(b): 1})
    assert listener.route_split(1.0, Request(path="/a")).fixed == {202: 1.0}


@pytest.mark.parametrize(
    ("conditions", "message"),
    [
        ([cond("path-pattern", *[f"/{i}" for i in range(6)])], "'5' condition values"),
        ([cond("path-pattern", "/*/*/*"), cond("host-header", "*.*.*.com")], "'5' wildcards"),
        ([cond("path-pattern", "/a"), cond("path-pattern", "/b")], "one 'path-pattern'"),
        ([cond("host-header", "localhost")], "Invalid host header"),
        ([cond("http-request-method", "get")], "Invalid HTTP request method"),
        ([cond("http-header", "x", header_name="Host")], "host-header condition"),
        ([cond("source-ip", "10.0.0.0/33")], "not a CIDR block"),
        ([cond("path-pattern", "/" + "a" * 128)], "at most 128"),
        ([cond("cookie", "x")], "must be one of"),
        ([], "at least one condition"),
    ],
)
def test_condition_limits(conditions, message):
    with pytest.raises(AWSError, match=message) as e:
        Rule(1, conditions, FixedResponseAction(404))
    assert e.value.code == "ValidationError"


def test_fixed_response_and_elb_503_in_request_fidelity():
    rng = np.random.default_rng(1)
    empty = TargetGroup("empty", "arn:empty")
    listener = Listener(80, [(empty, 1)])
    listener.add_rule(Rule(1, [cond("path-pattern", "/health")], FixedResponseAction(200)))
    assert listener.choose(rng, Request(path="/health")).status == 200
    routed = listener.choose(rng, Request(path="/"))
    assert routed.status == 503 and routed.target_group is empty and routed.target_id is None
    listener.set_forward([(empty, 0)])
    assert listener.choose(rng).status == 503 and listener.choose(rng).target_group is None
    with pytest.raises(AWSError, match="2XX, 4XX or 5XX"):
        FixedResponseAction(302)


def test_route_cache_follows_rule_changes():
    from simulator.traffic.load_balancer import LoadBalancers

    registry = LoadBalancers()
    lb = registry.create_load_balancer("web")
    blue, green = registry.create_target_group("blue"), registry.create_target_group("green")
    listener = registry.create_listener(lb, 80, "HTTP", ForwardAction([(blue, 1)]))
    rule = registry.create_rule(
        listener, 1, [cond("path-pattern", "/api/*")], ForwardAction([(green, 1)])
    )
    request = Request(path="/v2/x")
    assert listener.route(request)[0] is None
    registry.modify_rule(rule.arn, conditions=[cond("path-pattern", "/v2/*")])
    assert listener.route(request)[0] is rule  # the same request object, routed anew
    registry.delete_rule(rule.arn)
    assert listener.route(request)[0] is None


def test_split_classes_adds_up_request_classes():
    blue, green = group("blue"), group("green")
    listener = Listener(80, [(blue, 3), (green, 1)])
    listener.add_rule(Rule(1, [cond("path-pattern", "/static/*")], FixedResponseAction(404)))
    s = listener.split_classes([(Request(path="/"), 40.0), (Request(path="/static/x"), 10.0)])
    assert s.groups == {"blue": 30.0, "green": 10.0}
    assert s.fixed == {404: 10.0} and s.elb_503 == 0.0 and s.total() == 50.0
