"""A scenario's load balancers: the declared ones (``load_balancers:``), and for every
service that names no declared target group, one Application Load Balancer with one
listener forwarding to one target group of its own, with the service's settings
(``services[].load_balancer``) and ELBv2's defaults otherwise.

Traffic enters at listeners: a service's ``traffic`` enters at the listener one of whose
actions (the default action or a rule's) forwards to the service's target group. Its
request classes (``traffic[].requests``, ``build_requests``; one class without
attributes by default) go through the listener's rules in priority order, as ELBv2
routes them: the first rule that matches, else the default action; a forward action's
weights split the class over its groups, a fixed response answers it. What the scenario
model leaves out, and refuses with a clear error: a target group in the actions of more
than one listener (its share would depend on the listener), two services in one target
group, and a weighted group no service is behind.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from simulator.catalog.catalog import did_you_mean
from simulator.core.errors import AWSError
from simulator.ecs.load_balancers import ServiceLoadBalancer
from simulator.scenario import schema
from simulator.scenario.build_requests import DEFAULT, Classes, listener_classes
from simulator.traffic.elb import (
    TARGET_GROUP_NOT_FOUND,
    Condition,
    FixedResponseAction,
    ForwardAction,
    HealthCheck,
    Listener,
    QueryPair,
    Rule,
    TargetGroup,
)
from simulator.traffic.elb_actions import MAX_TARGET_GROUPS_PER_ACTION, Action

ACCOUNT_ID = "123456789012"
CONTAINER_PORT = 80
SLOW_START_RANGE = (30.0, 900.0)
Problem = tuple[str, str]


def target_group_name(service: str) -> str:
    """A valid target group name for the service: up to 32 alphanumerics and hyphens."""
    name = re.sub(r"[^A-Za-z0-9-]+", "-", service).strip("-") or "service"
    return name[:32].rstrip("-")


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def target_group_arn(region: str, name: str, key: str) -> str:
    return f"arn:aws:elasticloadbalancing:{region}:{ACCOUNT_ID}:targetgroup/{name}/{_digest(key)}"


def load_balancer_arn(region: str, name: str, key: str) -> str:
    return (
        f"arn:aws:elasticloadbalancing:{region}:{ACCOUNT_ID}:loadbalancer/app/{name}/{_digest(key)}"
    )


def listener_arn(lb_arn: str, port: int) -> str:
    return lb_arn.replace(":loadbalancer/", ":listener/") + f"/{_digest(f'{lb_arn}:{port}')}"


@dataclass
class ServiceLoadBalancers:
    """The scenario's load balancers, listeners and target groups."""

    groups: dict[str, TargetGroup] = field(default_factory=dict)  # service -> group
    listeners: dict[str, Listener] = field(default_factory=dict)  # "lb:port" -> listener
    target_groups: dict[str, TargetGroup] = field(default_factory=dict)  # name -> group
    load_balancers: dict[str, str] = field(default_factory=dict)  # name -> ARN
    entry: dict[str, str] = field(default_factory=dict)  # service -> its traffic's listener
    classes: dict[str, Classes] = field(default_factory=dict)  # listener key -> requests
    _by_arn: dict[str, str] = field(default_factory=dict)  # group ARN -> service
    _lb_of: dict[str, str] = field(default_factory=dict)  # group ARN -> load balancer ARN

    def target_group(self, arn: str) -> TargetGroup:
        service = self._by_arn.get(arn)
        if service is None:
            raise AWSError(TARGET_GROUP_NOT_FOUND, f"One or more target groups not found: {arn}")
        return self.groups[service]

    @property
    def columns(self) -> dict[str, str]:
        """Target group ARN -> the traffic model's column (the service's name)."""
        return dict(self._by_arn)

    def service_of(self, arn: str) -> str:
        return self._by_arn[arn]

    def arn_of(self, service: str) -> str:
        return self.groups[service].arn

    def group_of(self, service: str) -> TargetGroup:
        return self.groups[service]

    def load_balancer_of(self, target_group_arn: str) -> str:
        """The ARN of the load balancer whose listeners use the group ("" for none)."""
        return self._lb_of.get(target_group_arn, "")

    def binding(self, service: str) -> ServiceLoadBalancer:
        """The service's ``loadBalancers`` entry."""
        return ServiceLoadBalancer(self.arn_of(service), service, CONTAINER_PORT)

    def classes_at(self, key: str) -> Classes:
        """The request classes entering at listener ``key`` (one without attributes
        when its traffic declares none)."""
        return self.classes.get(key, DEFAULT)

    def entering(self) -> dict[str, list[str]]:
        """Listener key -> the services whose traffic enters there (declaration order)."""
        out: dict[str, list[str]] = {}
        for service, key in self.entry.items():
            out.setdefault(key, []).append(service)
        return out


def _health_check(hc: schema.HealthCheckSettings) -> HealthCheck:
    return HealthCheck(
        interval_s=hc.interval,
        timeout_s=hc.timeout,
        healthy_threshold=hc.healthy_threshold,
        unhealthy_threshold=hc.unhealthy_threshold,
    )


class _Builder:
    """Builds the model objects, collecting every problem with its field path."""

    def __init__(self, scenario: schema.Scenario):
        self.s = scenario
        self.out = ServiceLoadBalancers()
        self.problems: list[Problem] = []
        self._declared_at: dict[str, str] = {}  # group name -> its field path

    def build(self) -> ServiceLoadBalancers:
        for i, lb in enumerate(self.s.load_balancers):
            self._declared_groups(i, lb)
        self._services()
        for i, lb in enumerate(self.s.load_balancers):
            self._declared_listeners(i, lb)
        self._defaults()
        self._entries()
        self.out.classes, problems = listener_classes(self.s, self.out.entry)
        self.problems += problems
        return self.out

    # ------------------------------------------------------------------ declared
    def _declared_groups(self, i: int, lb: schema.LoadBalancerSpec) -> None:
        s, out = self.s, self.out
        where = f"load_balancers[{i}]"
        if lb.name in out.load_balancers:
            self.problems.append((f"{where}.name", f"duplicate load balancer name {lb.name!r}"))
        lb_arn = load_balancer_arn(s.region, lb.name, f"{s.name}/lb/{lb.name}")
        out.load_balancers.setdefault(lb.name, lb_arn)
        for k, spec in enumerate(lb.target_groups):
            at = f"{where}.target_groups[{k}]"
            if spec.name in out.target_groups:
                self.problems.append(
                    (f"{at}.name", f"duplicate target group name {spec.name!r} (names are unique "
                     "in an account and Region)")
                )  # fmt: skip
                continue
            low, high = SLOW_START_RANGE
            if spec.slow_start and not low <= spec.slow_start <= high:
                self.problems.append(
                    (f"{at}.slow_start", f"expected 0 (off) or {low:g} to {high:g} seconds, "
                     f"got {spec.slow_start:g}")
                )  # fmt: skip
            tg = TargetGroup(
                spec.name,
                target_group_arn(s.region, spec.name, f"{s.name}/tg/{spec.name}"),
                check=_health_check(spec.health_check),
                deregistration_delay_s=spec.deregistration_delay,
                algorithm=spec.algorithm or s.routing,
                target_type="ip",
                slow_start_s=spec.slow_start,
            )
            out.target_groups[spec.name] = tg
            out._lb_of[tg.arn] = lb_arn
            self._declared_at[spec.name] = at

    def _services(self) -> None:
        out = self.out
        for j, spec in enumerate(self.s.services):
            name = spec.load_balancer.target_group
            if name is None:
                continue
            at = f"services[{j}].load_balancer"
            tg = out.target_groups.get(name)
            if tg is None:
                self.problems.append((f"{at}.target_group", self._unknown(name)))
                continue
            if tg.arn in out._by_arn:
                self.problems.append(
                    (f"{at}.target_group", f"target group {name!r} is already the group of "
                     f"service {out._by_arn[tg.arn]!r}; expected one service per target group")
                )  # fmt: skip
                continue
            own = spec.load_balancer.model_fields_set & {"health_check", "deregistration_delay"}
            for key in sorted(own):
                self.problems.append(
                    (f"{at}.{key}", f"set {key} on the declared target group {name!r} "
                     f"({self._declared_at[name]}), not on a service that points at it")
                )  # fmt: skip
            out.groups[spec.name] = tg
            out._by_arn[tg.arn] = spec.name

    def _unknown(self, name: str) -> str:
        known = sorted(self.out.target_groups)
        return (
            f"unknown target group {name!r}"
            + did_you_mean(name, set(known))
            + (f"; declared: {', '.join(known)}" if known else "; no target group is declared")
        )

    def _action(self, where: str, a: schema.ListenerAction, lb_groups: set[str]) -> Action | None:
        if (a.forward is None) == (a.fixed_response is None):
            self.problems.append((where, "expected exactly one of forward or fixed_response"))
            return None
        if a.fixed_response is not None:
            f = a.fixed_response
            try:
                return FixedResponseAction(f.status_code, f.content_type, f.message_body)
            except AWSError as e:
                self.problems.append((f"{where}.fixed_response", f"{e.message} ({e.code})"))
                return None
        assert a.forward is not None
        if len(a.forward) > MAX_TARGET_GROUPS_PER_ACTION:
            self.problems.append(
                (f"{where}.forward", f"expected 1 to {MAX_TARGET_GROUPS_PER_ACTION} target "
                 f"groups, got {len(a.forward)}")
            )  # fmt: skip
            return None
        groups: list[tuple[TargetGroup, int]] = []
        for k, w in enumerate(a.forward):
            at = f"{where}.forward[{k}].target_group"
            if w.target_group not in self.out.target_groups:
                self.problems.append((at, self._unknown(w.target_group)))
            elif w.target_group not in lb_groups:
                self.problems.append(
                    (at, f"target group {w.target_group!r} belongs to another load balancer "
                     "(ELBv2 associates a target group with one load balancer)")
                )  # fmt: skip
            elif any(tg.name == w.target_group for tg, _ in groups):
                self.problems.append((at, f"target group {w.target_group!r} appears twice"))
            else:
                groups.append((self.out.target_groups[w.target_group], w.weight))
        if len(groups) != len(a.forward):
            return None
        return ForwardAction(groups)

    def _declared_listeners(self, i: int, lb: schema.LoadBalancerSpec) -> None:
        out = self.out
        lb_arn = out.load_balancers[lb.name]
        lb_groups = {g.name for g in lb.target_groups}
        ports: set[int] = set()
        for k, spec in enumerate(lb.listeners):
            where = f"load_balancers[{i}].listeners[{k}]"
            if spec.port in ports:
                self.problems.append((f"{where}.port", f"duplicate listener port {spec.port}"))
                continue
            ports.add(spec.port)
            listener = Listener(
                spec.port,
                protocol=spec.protocol,
                arn=listener_arn(lb_arn, spec.port),
                load_balancer_arn=lb_arn,
            )
            action = self._action(f"{where}.default_action", spec.default_action, lb_groups)
            if action is not None:
                listener.set_default_action(action)
            priorities: dict[int, int] = {}
            for r, rule in enumerate(spec.rules):
                at = f"{where}.rules[{r}]"
                if rule.priority in priorities:
                    self.problems.append(
                        (f"{at}.priority", f"duplicate priority {rule.priority} (rules"
                         f"[{priorities[rule.priority]}] has it; PriorityInUse)")
                    )  # fmt: skip
                    continue
                priorities[rule.priority] = r
                rule_action = self._action(at, rule, lb_groups)
                conditions = _conditions(rule.conditions)
                if rule_action is None:
                    continue
                try:
                    listener.add_rule(Rule(rule.priority, conditions, rule_action))
                except AWSError as e:
                    self.problems.append((f"{at}.conditions", f"{e.message} ({e.code})"))
            out.listeners[f"{lb.name}:{spec.port}"] = listener

    # ------------------------------------------------------------------ defaults
    def _defaults(self) -> None:
        s, out = self.s, self.out
        for j, spec in enumerate(s.services):
            if spec.load_balancer.target_group is not None:
                continue
            lb = spec.load_balancer
            name = target_group_name(spec.name)
            if name in out.target_groups and name in self._declared_at:
                self.problems.append(
                    (f"services[{j}].load_balancer", f"the service's own target group would be "
                     f"named {name!r}, which {self._declared_at[name]} declares; set "
                     f"load_balancer.target_group: {name} or rename that group")
                )  # fmt: skip
                continue
            tg = TargetGroup(
                name,
                target_group_arn(s.region, name, f"{s.name}/{spec.name}"),
                check=_health_check(lb.health_check),
                deregistration_delay_s=lb.deregistration_delay,
                algorithm=s.routing,
                target_type="ip",
            )
            lb_arn = load_balancer_arn(s.region, name, f"{s.name}/{spec.name}")
            out.groups[spec.name] = tg
            out._by_arn[tg.arn] = spec.name
            out._lb_of[tg.arn] = lb_arn
            out.target_groups.setdefault(name, tg)
            listener = Listener(
                port=CONTAINER_PORT,
                arn=listener_arn(lb_arn, CONTAINER_PORT),
                load_balancer_arn=lb_arn,
            )
            listener.set_forward([(tg, 1)])
            out.listeners[spec.name] = listener

    def _entries(self) -> None:
        """Each service's listener: the one whose default action or a rule's forwards
        to its group."""
        out = self.out
        forwarded: dict[str, list[str]] = {}  # group ARN -> listener keys
        reported: set[str] = set()
        for key, listener in out.listeners.items():
            actions = [listener.forward] + [
                r.action.groups for r in listener.rules if isinstance(r.action, ForwardAction)
            ]
            for tg, weight in (pair for groups in actions for pair in groups):
                keys = forwarded.setdefault(tg.arn, [])
                if key not in keys:
                    keys.append(key)
                if weight and tg.arn not in out._by_arn and tg.arn not in reported:
                    reported.add(tg.arn)
                    self.problems.append(
                        (self._listener_at(key), f"target group {tg.name!r} has weight "
                         f"{weight} but no service is behind it; expected a service with "
                         f"load_balancer.target_group: {tg.name}, or weight 0")
                    )  # fmt: skip
        for j, spec in enumerate(self.s.services):
            group = out.groups.get(spec.name)
            if group is None:
                continue
            keys = forwarded.get(group.arn, [])
            if len(keys) > 1:
                self.problems.append(
                    (f"services[{j}].load_balancer.target_group", f"target group {group.name!r} "
                     f"is in the actions of {len(keys)} listeners ({', '.join(keys)}); "
                     "ecsim's scenarios take a group's traffic from one listener")
                )  # fmt: skip
            elif keys:
                out.entry[spec.name] = keys[0]

    def _listener_at(self, key: str) -> str:
        name, _, port = key.partition(":")
        for i, lb in enumerate(self.s.load_balancers):
            for k, spec in enumerate(lb.listeners):
                if lb.name == name and str(spec.port) == port:
                    return f"load_balancers[{i}].listeners[{k}].default_action"
        return "load_balancers"


def _conditions(c: schema.RuleConditions) -> list[Condition]:
    out = []
    if c.path:
        out.append(Condition("path-pattern", tuple(c.path)))
    if c.host:
        out.append(Condition("host-header", tuple(c.host)))
    for name in sorted(c.headers):
        out.append(Condition("http-header", tuple(c.headers[name]), header_name=name))
    if c.method:
        out.append(Condition("http-request-method", tuple(c.method)))
    if c.query:
        pairs = tuple(QueryPair(value, key) for key, value in c.query.items())
        out.append(Condition("query-string", pairs=pairs))
    if c.source_ip:
        out.append(Condition("source-ip", tuple(c.source_ip)))
    return out


def check_load_balancers(scenario: schema.Scenario) -> list[Problem]:
    """Every problem of the scenario's load balancer declarations, with field paths."""
    b = _Builder(scenario)
    b.build()
    out = list(b.problems)
    names = {s.name for s in scenario.services}
    for i, t in enumerate(scenario.traffic):
        if t.service in names and t.service not in b.out.entry:
            tg = b.out.groups.get(t.service)
            if tg is not None:
                out.append(
                    (f"traffic[{i}].service", f"service {t.service!r}'s target group "
                     f"{tg.name!r} is in no listener's actions: its traffic has no "
                     "listener to enter at")
                )  # fmt: skip
    if scenario.fidelity == "request":
        for key, listener in b.out.listeners.items():
            rules = [r.action for r in listener.rules if isinstance(r.action, ForwardAction)]
            if any(len(groups) > 1 for groups in [listener.forward, *(a.groups for a in rules)]):
                out.append(
                    (b._listener_at(key), "fidelity: request routes a listener to one target "
                     "group; use fidelity: flow for weighted target groups")
                )  # fmt: skip
    return out


def service_load_balancers(scenario: schema.Scenario) -> ServiceLoadBalancers:
    """The scenario's load balancers (the scenario has passed check_load_balancers)."""
    b = _Builder(scenario)
    out = b.build()
    if b.problems:
        loc, msg = b.problems[0]
        raise AWSError("ValidationError", f"{loc}: {msg}")
    return out
