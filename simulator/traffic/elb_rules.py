"""Listener rules: conditions on a request, priorities, and matching as ELBv2 does it.

Pure. Conditions (ELBv2 API reference, RuleCondition and its *ConditionConfig shapes):

- ``path-pattern``: case sensitive, against the URL path only (not the query string);
- ``host-header``: case insensitive, at least one "." and only letters after the last;
- ``http-header``: header name case insensitive (not Host), values case insensitive;
- ``query-string``: key/value pairs or values, case insensitive; ``\\*`` and ``\\?``
  match literal characters;
- ``http-request-method``: exact, case sensitive, no wildcards;
- ``source-ip``: CIDR blocks, no wildcards.

Wildcards ``*`` (0 or more characters) and ``?`` (exactly one). Within a condition any value
may match; a rule matches when all its conditions do. A rule takes at most one of each of
host-header, path-pattern, http-request-method and source-ip, at most 5 condition values
and 5 wildcards in all (Quotas for your Application Load Balancers). Rules are evaluated
in priority order, lowest first; the default rule (no conditions) matches last.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from urllib.parse import parse_qsl

from simulator.core.errors import AWSError
from simulator.traffic.elb_actions import Action

VALIDATION_ERROR = "ValidationError"
PRIORITY_IN_USE = "PriorityInUse"
MIN_PRIORITY, MAX_PRIORITY = 1, 50000
MAX_CONDITION_VALUES = 5
MAX_WILDCARDS = 5
MAX_VALUE_LENGTH = 128
FIELDS = (
    "path-pattern",
    "host-header",
    "http-header",
    "query-string",
    "http-request-method",
    "source-ip",
)
ONCE_PER_RULE = ("path-pattern", "host-header", "http-request-method", "source-ip")
METHOD = re.compile(r"[A-Z_-]{1,40}")
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,40}")  # RFC 7230 token
HOST = re.compile(r".*\.[A-Za-z]+")


@dataclass(frozen=True)
class Request:
    """The attributes of one HTTP request that rules can match."""

    path: str = "/"
    host: str = ""
    method: str = "GET"
    headers: Mapping[str, str | Sequence[str]] = field(default_factory=dict)
    query: str = ""
    source_ip: str = "0.0.0.0"

    def header_values(self, name: str) -> list[str]:
        """Every value of header ``name`` (case insensitive), in order."""
        out: list[str] = []
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                out.extend([value] if isinstance(value, str) else list(value))
        return out


@lru_cache(maxsize=4096)
def wildcard(pattern: str, ignore_case: bool, escapes: bool = False) -> re.Pattern[str]:
    """``pattern`` with ELBv2's wildcards as a regular expression matching a whole string;
    with ``escapes``, ``\\*`` and ``\\?`` are literal (query-string values)."""
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if escapes and c == "\\" and i + 1 < len(pattern) and pattern[i + 1] in "*?":
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if c == "*" else "." if c == "?" else re.escape(c))
        i += 1
    return re.compile("".join(out), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def _wildcards(value: str, escapes: bool = False) -> int:
    if escapes:
        value = value.replace("\\*", "").replace("\\?", "")
    return value.count("*") + value.count("?")


@dataclass(frozen=True)
class QueryPair:
    """One query-string condition value: ``key`` None matches any key."""

    value: str
    key: str | None = None


@dataclass(frozen=True)
class Condition:
    """One rule condition."""

    field: str
    values: tuple[str, ...] = ()
    header_name: str | None = None
    pairs: tuple[QueryPair, ...] = ()

    def value_count(self) -> int:
        return len(self.pairs) if self.field == "query-string" else len(self.values)

    def wildcard_count(self) -> int:
        if self.field in ("http-request-method", "source-ip"):
            return 0
        if self.field == "query-string":
            return sum(
                _wildcards(p.value, True) + _wildcards(p.key or "", True) for p in self.pairs
            )
        return sum(_wildcards(v) for v in self.values)

    def problems(self) -> list[str]:
        """Every rule of the API reference this condition breaks."""
        if self.field not in FIELDS:
            return [f"Condition field '{self.field}' must be one of {list(FIELDS)}"]
        out = []
        if self.value_count() == 0:
            out.append(f"A '{self.field}' condition must have at least one value")
        texts = (
            list(self.values) + [p.value for p in self.pairs] + [p.key or "" for p in self.pairs]
        )
        if any(len(v) > MAX_VALUE_LENGTH for v in texts):
            out.append(f"Condition values are at most {MAX_VALUE_LENGTH} characters")
        if any(v == "" for v in self.values) or any(p.value == "" for p in self.pairs):
            out.append("The value for a condition can't be empty")
        if self.field == "host-header":
            out += [f"Invalid host header '{v}'" for v in self.values if not HOST.fullmatch(v)]
        elif self.field == "http-request-method":
            out += [
                f"Invalid HTTP request method '{v}'" for v in self.values if not METHOD.fullmatch(v)
            ]
        elif self.field == "http-header":
            name = self.header_name or ""
            if not HEADER_NAME.fullmatch(name) or name.lower() == "host":
                out.append(
                    f"Invalid HTTP header name '{name}' (use a host-header condition for Host)"
                )
        elif self.field == "source-ip":
            for v in self.values:
                try:
                    ipaddress.ip_network(v, strict=False)
                except ValueError:
                    out.append(f"Source IP '{v}' is not a CIDR block")
        return out

    @cached_property
    def _patterns(self) -> tuple[re.Pattern[str], ...]:
        ignore_case = self.field != "path-pattern"
        return tuple(wildcard(v, ignore_case) for v in self.values)

    def matches(self, request: Request) -> bool:
        f = self.field
        if f == "path-pattern":
            path = request.path.split("?", 1)[0] if "?" in request.path else request.path
            return any(p.fullmatch(path) for p in self._patterns)
        if f == "host-header":
            host = request.host.rsplit(":", 1)[0] if ":" in request.host else request.host
            return any(p.fullmatch(host) for p in self._patterns)
        if f == "http-header":
            got = request.header_values(self.header_name or "")
            return any(p.fullmatch(g) for g in got for p in self._patterns)
        if f == "http-request-method":
            return request.method in self.values
        if f == "source-ip":
            try:
                ip = ipaddress.ip_address(request.source_ip)
            except ValueError:
                return False
            nets = [ipaddress.ip_network(v, strict=False) for v in self.values]
            return any(ip.version == n.version and ip in n for n in nets)
        query = request.query or (request.path.split("?", 1)[1] if "?" in request.path else "")
        pairs = parse_qsl(query, keep_blank_values=True)
        for want in self.pairs:
            value_re = wildcard(want.value, True, escapes=True)
            key_re = None if want.key is None else wildcard(want.key, True, escapes=True)
            for key, value in pairs:
                if (key_re is None or key_re.fullmatch(key)) and value_re.fullmatch(value):
                    return True
        return False


def check_conditions(conditions: Sequence[Condition]) -> None:
    """ValidationError naming the first rule the conditions of one rule break."""
    for c in conditions:
        problems = c.problems()
        if problems:
            raise AWSError(VALIDATION_ERROR, problems[0])
    for name in ONCE_PER_RULE:
        if sum(1 for c in conditions if c.field == name) > 1:
            raise AWSError(VALIDATION_ERROR, f"A rule can only have one '{name}' condition")
    values = sum(c.value_count() for c in conditions)
    if values > MAX_CONDITION_VALUES:
        raise AWSError(
            VALIDATION_ERROR, f"A rule can only have '{MAX_CONDITION_VALUES}' condition values"
        )
    wildcards = sum(c.wildcard_count() for c in conditions)
    if wildcards > MAX_WILDCARDS:
        raise AWSError(VALIDATION_ERROR, f"A rule can only have '{MAX_WILDCARDS}' wildcards")


def check_priority(priority: int) -> None:
    if not MIN_PRIORITY <= priority <= MAX_PRIORITY:
        raise AWSError(
            VALIDATION_ERROR,
            f"Priority must be between {MIN_PRIORITY} and {MAX_PRIORITY}, got {priority}",
        )


@dataclass
class Rule:
    """A listener rule: ``priority`` None is the listener's default rule."""

    priority: int | None
    conditions: list[Condition]
    action: Action
    arn: str = ""

    def __post_init__(self) -> None:
        if self.priority is not None:
            check_priority(self.priority)
            if not self.conditions:
                raise AWSError(VALIDATION_ERROR, "A rule must have at least one condition")
        check_conditions(self.conditions)

    @property
    def is_default(self) -> bool:
        return self.priority is None

    def matches(self, request: Request) -> bool:
        return all(c.matches(request) for c in self.conditions)


def first_match(rules: Sequence[Rule], request: Request) -> Rule | None:
    """The non-default rule of lowest priority whose conditions all match ``request``."""
    for rule in sorted((r for r in rules if r.priority is not None), key=lambda r: r.priority or 0):
        if rule.matches(request):
            return rule
    return None
