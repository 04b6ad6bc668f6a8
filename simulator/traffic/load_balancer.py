"""Application Load Balancers and the registry of one account's ELBv2 resources. Pure.

``LoadBalancers`` holds load balancers, target groups, listeners and rules by ARN, checks
AWS's names and quotas, and keeps each target group's ``in_use`` flag true exactly while a
listener or rule forwards to it. ARNs and DNS names have AWS's formats:

- ``arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name>/<16 hex>``
- ``.../targetgroup/<name>/<16 hex>``, ``.../listener/app/<lb name>/<lb id>/<16 hex>``,
  ``.../listener-rule/app/<lb name>/<lb id>/<listener id>/<16 hex>``
- DNS ``<name>-<10 digits>.<region>.elb.amazonaws.com`` (``internal-`` first if internal).

A load balancer is ``provisioning`` for ``provisioning_s`` after creation, then
``active`` (a parameter: AWS documents no figure; a few minutes is what users observe).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from simulator.core.errors import AWSError
from simulator.traffic import elb_attributes as attrs
from simulator.traffic.elb_actions import Action, ForwardAction
from simulator.traffic.elb_listener import Listener
from simulator.traffic.elb_rules import Condition, Rule
from simulator.traffic.elb_targets import (
    PROTOCOLS,
    TARGET_TYPES,
    HealthCheck,
    TargetChange,
    TargetGroup,
)

VALIDATION_ERROR = "ValidationError"
LOAD_BALANCER_NOT_FOUND = "LoadBalancerNotFound"
TARGET_GROUP_NOT_FOUND = "TargetGroupNotFound"
LISTENER_NOT_FOUND = "ListenerNotFound"
RULE_NOT_FOUND = "RuleNotFound"
DUPLICATE_LOAD_BALANCER_NAME = "DuplicateLoadBalancerName"
DUPLICATE_TARGET_GROUP_NAME = "DuplicateTargetGroupName"
DUPLICATE_LISTENER = "DuplicateListener"
RESOURCE_IN_USE = "ResourceInUse"
OPERATION_NOT_PERMITTED = "OperationNotPermitted"
TOO_MANY_LOAD_BALANCERS = "TooManyLoadBalancers"
TOO_MANY_TARGET_GROUPS = "TooManyTargetGroups"
TOO_MANY_LISTENERS = "TooManyListeners"
TOO_MANY_RULES = "TooManyRules"
TOO_MANY_UNIQUE_TARGET_GROUPS = "TooManyUniqueTargetGroupsPerLoadBalancer"
TARGET_GROUP_ASSOCIATION_LIMIT = "TargetGroupAssociationLimit"

QUOTAS: Mapping[str, int] = MappingProxyType(
    {
        "application-load-balancers": 50,
        "listeners-per-application-load-balancer": 50,
        "rules-per-application-load-balancer": 100,
        "target-groups": 3000,
        "target-groups-per-application-load-balancer": 100,
        "targets-per-target-group": 1000,
    }
)
"""Default quotas (Quotas for your Application Load Balancers), excluding default rules."""

NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?")
HOSTED_ZONES: Mapping[str, str] = MappingProxyType(
    {
        "us-east-1": "Z35SXDOTRQ7X7K",
        "us-east-2": "Z3AADJGX6KTTL2",
        "us-west-1": "Z368ELLRRE2KJ0",
        "us-west-2": "Z1H1FL5HABSF5",
        "eu-west-1": "Z32O12XQLNTSW2",
        "eu-central-1": "Z215JYRZR1TBD5",
        "ap-northeast-1": "Z14GRHDCWA56QT",
        "ap-southeast-1": "Z1LMS91P8CMLE5",
        "ap-southeast-2": "Z1GM3OXH4ZPM65",
    }
)
"""CanonicalHostedZoneId of Application Load Balancers per Region (Elastic Load Balancing
endpoints and quotas); other Regions get a placeholder."""


def check_name(name: str, kind: str) -> None:
    """AWS's name rule for load balancers and target groups: 1-32 alphanumerics or
    hyphens, not beginning or ending with a hyphen; a load balancer's not ``internal-``."""
    if not NAME.fullmatch(name):
        raise AWSError(
            VALIDATION_ERROR,
            f"{kind} name '{name}' can have a maximum of 32 characters, must contain only "
            "alphanumeric characters or hyphens, and must not begin or end with a hyphen",
        )
    if kind == "Load balancer" and name.lower().startswith("internal-"):
        raise AWSError(
            VALIDATION_ERROR, f"Load balancer name '{name}' cannot begin with 'internal-'"
        )


@dataclass
class Subnet:
    subnet_id: str
    zone: str


@dataclass
class LoadBalancer:
    """An Application Load Balancer."""

    name: str
    arn: str
    dns_name: str
    created_at: float
    active_at: float
    scheme: str = "internet-facing"
    subnets: list[Subnet] = field(default_factory=list)
    vpc_id: str = ""
    security_groups: list[str] = field(default_factory=list)
    ip_address_type: str = "ipv4"
    listeners: dict[str, Listener] = field(default_factory=dict)
    attributes: dict[str, str] = field(default_factory=lambda: dict(attrs.LOAD_BALANCER_DEFAULTS))

    @property
    def id(self) -> str:
        return self.arn.rsplit("/", 1)[1]

    def state(self, at: float) -> str:
        """LoadBalancerState.Code: provisioning, then active."""
        return "active" if at >= self.active_at else "provisioning"

    def target_groups(self) -> list[TargetGroup]:
        out: dict[str, TargetGroup] = {}
        for listener in self.listeners.values():
            for tg in listener.target_groups():
                out.setdefault(tg.arn, tg)
        return list(out.values())

    def rule_count(self) -> int:
        return sum(len(listener.rules) for listener in self.listeners.values())


UsageHook = Callable[[list[TargetChange]], None]


class LoadBalancers:
    """One account's and Region's ELBv2 resources.

    ``ids`` draws the random parts of ARNs and DNS names; ``on_changes`` hooks receive the
    target changes that starting or stopping to use a target group causes (the health
    check driver subscribes)."""

    def __init__(
        self,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        *,
        ids: np.random.Generator | None = None,
        zones: Sequence[str] = (),
        provisioning_s: float = 120.0,
        quotas: Mapping[str, int] = QUOTAS,
        clock: Callable[[], float] = lambda: 0.0,
    ):
        self.region = region
        self.account_id = account_id
        self.zones = tuple(zones) or tuple(f"{region}{s}" for s in "abc")
        self.provisioning_s = float(provisioning_s)
        self.quotas = dict(quotas)
        self.clock = clock
        self._ids = ids if ids is not None else np.random.default_rng(0)
        self.load_balancers: dict[str, LoadBalancer] = {}
        self.target_groups: dict[str, TargetGroup] = {}
        self.listeners: dict[str, Listener] = {}
        self.rules: dict[str, tuple[Listener, Rule]] = {}
        self.default_rules: dict[str, Listener] = {}
        self.tags: dict[str, dict[str, str]] = {}
        self.on_changes: list[UsageHook] = []

    # ------------------------------------------------------------------ ids
    def _hex(self) -> str:
        return self._ids.bytes(8).hex()

    def _arn(self, resource: str) -> str:
        return f"arn:aws:elasticloadbalancing:{self.region}:{self.account_id}:{resource}"

    # ------------------------------------------------------------------ lookups
    def find(self, ref: str) -> LoadBalancer:
        """A load balancer by ARN, DNS name or name (LoadBalancerNotFound)."""
        lb = self.load_balancers.get(ref)
        if lb is None:
            ref_l = ref.lower().rstrip(".")
            lb = next(
                (
                    b
                    for b in self.load_balancers.values()
                    if ref_l in (b.dns_name.lower(), b.name.lower())
                ),
                None,
            )
        if lb is None:
            raise AWSError(LOAD_BALANCER_NOT_FOUND, f"Load balancer '{ref}' not found")
        return lb

    def target_group(self, ref: str) -> TargetGroup:
        """A target group by ARN or name (TargetGroupNotFound)."""
        tg = self.target_groups.get(ref)
        if tg is None:
            tg = next((t for t in self.target_groups.values() if t.name == ref), None)
        if tg is None:
            raise AWSError(TARGET_GROUP_NOT_FOUND, f"Target groups '{ref}' not found")
        return tg

    def listener(self, arn: str) -> Listener:
        found = self.listeners.get(arn)
        if found is None:
            raise AWSError(LISTENER_NOT_FOUND, f"Listener '{arn}' not found")
        return found

    def rule(self, arn: str) -> tuple[Listener, Rule | None]:
        """(listener, rule) by rule ARN; the rule is None for a listener's default rule."""
        if arn in self.rules:
            return self.rules[arn]
        if arn in self.default_rules:
            return self.default_rules[arn], None
        raise AWSError(RULE_NOT_FOUND, f"One or more rules not found: '{arn}'")

    def default_rule_arn(self, listener: Listener) -> str:
        return next(a for a, lst in self.default_rules.items() if lst is listener)

    def load_balancer_of(self, listener: Listener) -> LoadBalancer:
        return self.load_balancers[listener.load_balancer_arn]

    def load_balancer_arns(self, tg: TargetGroup) -> list[str]:
        """The load balancers whose listeners or rules forward to ``tg``."""
        return [
            lb.arn
            for lb in self.load_balancers.values()
            if any(t is tg for t in lb.target_groups())
        ]

    # ------------------------------------------------------------------ load balancers
    def create_load_balancer(
        self,
        name: str,
        *,
        scheme: str = "internet-facing",
        subnets: Sequence[str] = (),
        zones: Sequence[str] = (),
        security_groups: Sequence[str] = (),
        ip_address_type: str = "ipv4",
        vpc_id: str = "",
    ) -> LoadBalancer:
        """CreateLoadBalancer (type application). Subnets map to the account's zones in
        order when ``zones`` is not given; with neither, one subnet per zone."""
        check_name(name, "Load balancer")
        if any(lb.name == name for lb in self.load_balancers.values()):
            raise AWSError(
                DUPLICATE_LOAD_BALANCER_NAME,
                f"A load balancer with the same name '{name}' exists, but with different settings",
            )
        if len(self.load_balancers) >= self.quotas["application-load-balancers"]:
            raise AWSError(
                TOO_MANY_LOAD_BALANCERS, "The maximum number of load balancers has been reached"
            )
        if scheme not in ("internet-facing", "internal"):
            raise AWSError(
                "InvalidScheme", f"Scheme '{scheme}' must be internet-facing or internal"
            )
        for z in zones:
            if z not in self.zones:
                raise AWSError(
                    "AvailabilityZoneNotSupported", f"Availability zone '{z}' is not supported"
                )
        chosen = list(zones) or [self.zones[i % len(self.zones)] for i in range(len(subnets))]
        ids = list(subnets) or [f"subnet-{self._ids.bytes(8).hex()[:17]}" for _ in self.zones]
        if not chosen:
            chosen = list(self.zones)
        if len(set(chosen)) < 2 and len(self.zones) >= 2:
            raise AWSError(
                VALIDATION_ERROR,
                "At least two subnets in two different Availability Zones must be specified",
            )
        hexid = self._hex()
        digits = int(self._ids.integers(10**9, 10**10))
        prefix = "internal-" if scheme == "internal" else ""
        now = self.clock()
        lb = LoadBalancer(
            name,
            self._arn(f"loadbalancer/app/{name}/{hexid}"),
            f"{prefix}{name}-{digits}.{self.region}.elb.amazonaws.com",
            now,
            now + self.provisioning_s,
            scheme,
            [Subnet(s, z) for s, z in zip(ids, chosen, strict=False)],
            vpc_id,
            list(security_groups),
            ip_address_type,
        )
        self.load_balancers[lb.arn] = lb
        return lb

    def delete_load_balancer(self, lb: LoadBalancer) -> None:
        """DeleteLoadBalancer: its listeners and rules go with it; target groups stay."""
        if lb.attributes.get("deletion_protection.enabled") == "true":
            raise AWSError(
                OPERATION_NOT_PERMITTED,
                f"Load balancer '{lb.arn}' cannot be deleted because deletion protection is "
                "enabled",
            )
        for listener in list(lb.listeners.values()):
            self._drop_listener(listener)
        del self.load_balancers[lb.arn]
        self.tags.pop(lb.arn, None)
        self._sync_use()

    # ------------------------------------------------------------------ target groups
    def create_target_group(
        self,
        name: str,
        *,
        protocol: str = "HTTP",
        port: int = 80,
        target_type: str = "instance",
        vpc_id: str = "",
        check: HealthCheck | None = None,
    ) -> TargetGroup:
        """CreateTargetGroup (HTTP or HTTPS; instance or ip targets)."""
        check_name(name, "Target group")
        if target_type not in TARGET_TYPES:
            raise AWSError(
                "UnsupportedOperation",
                f"ecsim does not simulate target type '{target_type}'; "
                "ecsim simulates: instance, ip.",
            )
        if protocol not in PROTOCOLS:
            raise AWSError(
                "UnsupportedOperation",
                f"ecsim does not simulate target group protocol '{protocol}'; "
                "ecsim simulates: HTTP, HTTPS.",
            )
        if not 1 <= port <= 65535:
            raise AWSError(VALIDATION_ERROR, f"Port must be 1-65535, got {port}")
        hc = check or HealthCheck.for_protocol(protocol)
        problems = hc.problems()
        if problems:
            raise AWSError(VALIDATION_ERROR, problems[0])
        for tg in self.target_groups.values():
            if tg.name == name:
                raise AWSError(
                    DUPLICATE_TARGET_GROUP_NAME,
                    f"A target group with the same name '{name}' exists, but with different "
                    "settings",
                )
        if len(self.target_groups) >= self.quotas["target-groups"]:
            raise AWSError(
                TOO_MANY_TARGET_GROUPS, "The maximum number of target groups has been reached"
            )
        tg = TargetGroup(
            name,
            self._arn(f"targetgroup/{name}/{self._hex()}"),
            check=hc,
            protocol=protocol,
            port=port,
            target_type=target_type,
            vpc_id=vpc_id,
            in_use=False,
        )
        self.target_groups[tg.arn] = tg
        return tg

    def delete_target_group(self, tg: TargetGroup) -> None:
        """DeleteTargetGroup: ResourceInUse while a listener or rule forwards to it."""
        if self.load_balancer_arns(tg):
            raise AWSError(
                RESOURCE_IN_USE,
                f"Target group '{tg.arn}' is currently in use by a listener or a rule",
            )
        del self.target_groups[tg.arn]
        self.tags.pop(tg.arn, None)

    # ------------------------------------------------------------------ listeners
    def _check_groups(
        self, lb: LoadBalancer, action: Action, extra: Sequence[Listener] = ()
    ) -> None:
        if not isinstance(action, ForwardAction):
            return
        for tg in action.target_groups():
            if tg.arn not in self.target_groups:
                raise AWSError(TARGET_GROUP_NOT_FOUND, f"Target groups '{tg.arn}' not found")
            others = [a for a in self.load_balancer_arns(tg) if a != lb.arn]
            if others:
                raise AWSError(
                    TARGET_GROUP_ASSOCIATION_LIMIT,
                    "The following target groups cannot be associated with more than one load "
                    f"balancer: '{tg.arn}'",
                )
        unique = {t.arn for t in lb.target_groups()} | {t.arn for t in action.target_groups()}
        if len(unique) > self.quotas["target-groups-per-application-load-balancer"]:
            raise AWSError(
                TOO_MANY_UNIQUE_TARGET_GROUPS, "Too many unique target groups for the load balancer"
            )

    def create_listener(
        self, lb: LoadBalancer, port: int, protocol: str, default_action: Action
    ) -> Listener:
        """CreateListener: one listener per port of a load balancer."""
        if any(lst.port == port for lst in lb.listeners.values()):
            raise AWSError(
                DUPLICATE_LISTENER, "A listener already exists on this port for this load balancer"
            )
        if len(lb.listeners) >= self.quotas["listeners-per-application-load-balancer"]:
            raise AWSError(TOO_MANY_LISTENERS, "The maximum number of listeners has been reached")
        self._check_groups(lb, default_action)
        hexid = self._hex()
        listener = Listener(
            port,
            protocol=protocol,
            arn=self._arn(f"listener/app/{lb.name}/{lb.id}/{hexid}"),
            load_balancer_arn=lb.arn,
        )
        listener.set_default_action(default_action)
        lb.listeners[listener.arn] = listener
        self.listeners[listener.arn] = listener
        self.default_rules[
            self._arn(f"listener-rule/app/{lb.name}/{lb.id}/{hexid}/{self._hex()}")
        ] = listener
        listener.on_change = self._sync_use
        self._sync_use()
        return listener

    def modify_listener(
        self,
        listener: Listener,
        *,
        port: int | None = None,
        protocol: str | None = None,
        default_action: Action | None = None,
    ) -> Listener:
        lb = self.load_balancer_of(listener)
        if port not in (None, listener.port) and any(
            lst.port == port for lst in lb.listeners.values()
        ):
            raise AWSError(
                DUPLICATE_LISTENER,
                "A listener already exists on this port for this load balancer",
            )
        if default_action is not None:
            self._check_groups(lb, default_action)
        if protocol is not None:
            Listener(port or listener.port, protocol=protocol)  # validates
            listener.protocol = protocol
        if port is not None:
            listener.port = port
        if default_action is not None:
            listener.set_default_action(default_action)
        return listener

    def _drop_listener(self, listener: Listener) -> None:
        lb = self.load_balancer_of(listener)
        del lb.listeners[listener.arn]
        del self.listeners[listener.arn]
        for arn in [a for a, (lst, _) in self.rules.items() if lst is listener]:
            del self.rules[arn]
            self.tags.pop(arn, None)
        for arn in [a for a, lst in self.default_rules.items() if lst is listener]:
            del self.default_rules[arn]
        self.tags.pop(listener.arn, None)
        listener.on_change = None

    def delete_listener(self, listener: Listener) -> None:
        self._drop_listener(listener)
        self._sync_use()

    # ------------------------------------------------------------------ rules
    def create_rule(
        self, listener: Listener, priority: int, conditions: Sequence[Condition], action: Action
    ) -> Rule:
        """CreateRule: PriorityInUse, TooManyRules (per load balancer)."""
        lb = self.load_balancer_of(listener)
        if lb.rule_count() >= self.quotas["rules-per-application-load-balancer"]:
            raise AWSError(TOO_MANY_RULES, "The maximum number of rules has been reached")
        self._check_groups(lb, action)
        listener_id = listener.arn.rsplit("/", 1)[1]
        rule = Rule(
            priority,
            list(conditions),
            action,
            self._arn(f"listener-rule/app/{lb.name}/{lb.id}/{listener_id}/{self._hex()}"),
        )
        listener.add_rule(rule)
        self.rules[rule.arn] = (listener, rule)
        return rule

    def modify_rule(
        self,
        arn: str,
        conditions: Sequence[Condition] | None = None,
        action: Action | None = None,
    ) -> None:
        """ModifyRule; the default rule takes only actions (OperationNotPermitted)."""
        listener, rule = self.rule(arn)
        lb = self.load_balancer_of(listener)
        if action is not None:
            self._check_groups(lb, action)
        if rule is None:
            if conditions:
                raise AWSError(
                    OPERATION_NOT_PERMITTED, "Conditions cannot be set on a default rule"
                )
            if action is not None:
                listener.set_default_action(action)
            return
        if conditions is not None:
            Rule(rule.priority, list(conditions), rule.action)  # validates
            rule.conditions = list(conditions)
        if action is not None:
            rule.action = action
        listener._changed()

    def delete_rule(self, arn: str) -> None:
        listener, rule = self.rule(arn)
        if rule is None:
            raise AWSError(OPERATION_NOT_PERMITTED, "Default rule cannot be deleted")
        listener.remove_rule(rule)
        del self.rules[arn]
        self.tags.pop(arn, None)

    def set_rule_priorities(self, priorities: Mapping[str, int]) -> list[Rule]:
        """SetRulePriorities: all rules change together, per listener."""
        by_listener: dict[str, dict[int, int]] = {}
        found: list[Rule] = []
        for arn, priority in priorities.items():
            listener, rule = self.rule(arn)
            if rule is None:
                raise AWSError(OPERATION_NOT_PERMITTED, "Default rule priority cannot be modified")
            Rule(priority, rule.conditions, rule.action)  # validates the priority
            by_listener.setdefault(listener.arn, {})[id(rule)] = priority
            found.append(rule)
        for listener_arn, changes in by_listener.items():
            self.listeners[listener_arn].set_priorities(changes)
        return found

    # ------------------------------------------------------------------ use of groups
    def _sync_use(self) -> None:
        """Set every target group's ``in_use`` from the listeners; tell the hooks."""
        used = {tg.arn for lb in self.load_balancers.values() for tg in lb.target_groups()}
        at = self.clock()
        changes: list[TargetChange] = []
        for tg in self.target_groups.values():
            changes += tg.set_in_use(tg.arn in used, at)
        for hook in list(self.on_changes):
            hook(changes)

    # ------------------------------------------------------------------ tags
    def resource_exists(self, arn: str) -> None:
        """AWSError with the code of the resource kind the ARN names, if it is missing."""
        kind = arn.split(":", 5)[-1].split("/", 1)[0] if arn.count(":") >= 5 else ""
        tables: dict[str, tuple[Mapping[str, object], str]] = {
            "loadbalancer": (self.load_balancers, LOAD_BALANCER_NOT_FOUND),
            "targetgroup": (self.target_groups, TARGET_GROUP_NOT_FOUND),
            "listener": (self.listeners, LISTENER_NOT_FOUND),
            "listener-rule": ({**self.rules, **self.default_rules}, RULE_NOT_FOUND),
        }
        table, code = tables.get(kind, ({}, VALIDATION_ERROR))
        if arn not in table:
            raise AWSError(
                code,
                f"Resource '{arn}' not found"
                if kind in tables
                else f"'{arn}' is not a valid ELBv2 ARN",
            )
