"""The ECS cluster query language, as memberOf constraints use it.

Grammar (the developer guide's "Cluster query language" page)::

    expression := or
    or         := and (("or" | "||") and)*
    and        := not (("and" | "&&") not)*
    not        := ("not" | "!") not | "(" expression ")" | comparison
    comparison := subject operator [argument]
    argument   := value | "[" value ("," value)* "]"

Subjects: ``attribute:<name>``, ``agentConnected``, ``agentVersion``, ``ec2InstanceId``,
``registeredAt``, ``runningTasksCount``, ``task:group``. Operators and their word forms are
the page's table (``==``/``equals``, ``!in``/``not_in``, ``=~``/``matches``...). ``matches``
takes a Java regular expression; Python's ``re.fullmatch`` stands in (Java's
``String.matches`` is a full match too).

Parsing is a hand-written lexer plus recursive descent, because arguments are barewords that
may hold ``.``, ``:``, ``-``, ``*`` and even balanced parentheses (``=~ (m6g|c6g).*``).
Errors are InvalidParameterException naming the 0-based character position.

An Expression evaluates against a QueryView (columns over many container instances, as
numpy masks) or a single ContainerInstance.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from simulator.core.errors import AWSError
from simulator.ecs import codes
from simulator.ecs.facts import default_int

if TYPE_CHECKING:
    from simulator.ecs.container_instance import ContainerInstance


class Subject(StrEnum):
    ATTRIBUTE = "attribute"
    AGENT_CONNECTED = "agentConnected"
    AGENT_VERSION = "agentVersion"
    EC2_INSTANCE_ID = "ec2InstanceId"
    REGISTERED_AT = "registeredAt"
    RUNNING_TASKS_COUNT = "runningTasksCount"
    TASK_GROUP = "task:group"


OPERATOR_ALIASES: dict[str, str] = {
    "==": "==",
    "equals": "==",
    "!=": "!=",
    "not_equals": "!=",
    ">": ">",
    "greater_than": ">",
    ">=": ">=",
    "greater_than_equal": ">=",
    "<": "<",
    "less_than": "<",
    "<=": "<=",
    "less_than_equal": "<=",
    "exists": "exists",
    "!exists": "!exists",
    "not_exists": "!exists",
    "in": "in",
    "!in": "!in",
    "not_in": "!in",
    "=~": "=~",
    "matches": "=~",
    "!~": "!~",
    "not_matches": "!~",
}
"""Operator spellings -> canonical symbol (the page's operator table)."""

_EQUALITY = frozenset({"==", "!=", "in", "!in", "=~", "!~"})
_ORDERING = frozenset({"==", "!=", ">", ">=", "<", "<="})
VALID_OPERATORS: dict[Subject, frozenset[str]] = {
    Subject.AGENT_CONNECTED: _EQUALITY,
    Subject.AGENT_VERSION: _ORDERING,
    Subject.ATTRIBUTE: frozenset(set(OPERATOR_ALIASES.values())),
    Subject.EC2_INSTANCE_ID: _EQUALITY,
    Subject.REGISTERED_AT: _ORDERING,
    Subject.RUNNING_TASKS_COUNT: _ORDERING,
    Subject.TASK_GROUP: _EQUALITY | {"exists", "!exists"},
}
"""Valid operators per subject, as the page lists them (task:group is not listed there:
ecsim allows the equality family and exists)."""

_LIST_OPS = frozenset({"in", "!in"})
_NO_ARG_OPS = frozenset({"exists", "!exists"})
_SYMBOL_OPS = ("!exists", "!in", "==", "!=", ">=", "<=", "=~", "!~", ">", "<")
_WORD = re.compile(r"[A-Za-z0-9_.:@/\\-]+")
_DATE_FORMATS = ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d")
_SUBJECT_WORDS = {s.value: s for s in Subject if s is not Subject.ATTRIBUTE}


class QueryView(Protocol):
    """Columns over N container instances that an expression reads.

    String subjects come as (codes, values): ``values[codes[i]]`` is instance i's value,
    None when the instance lacks it (an attribute without a value is "").
    """

    size: int
    static_cache: dict

    def string_codes(self, subject: Subject, name: str | None) -> tuple[np.ndarray, list]: ...

    def numbers(self, subject: Subject) -> np.ndarray: ...

    def group_count(self, group: str) -> np.ndarray: ...

    def group_names(self) -> Sequence[str]: ...


# --- AST ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Comparison:
    subject: Subject
    name: str | None  # attribute name
    op: str
    args: tuple[str, ...]
    position: int

    @property
    def dynamic(self) -> bool:
        """True when the value changes as tasks are placed (no caching across placements)."""
        return self.subject in (Subject.RUNNING_TASKS_COUNT, Subject.TASK_GROUP)

    def mask(self, view: QueryView) -> np.ndarray:
        if not self.dynamic:
            key = ("cmp", self)
            hit = view.static_cache.get(key)
            if hit is None:
                hit = view.static_cache[key] = self._mask(view)
            return hit
        return self._mask(view)

    def _mask(self, view: QueryView) -> np.ndarray:
        s = self.subject
        if s is Subject.TASK_GROUP:
            return self._group_mask(view)
        if s is Subject.RUNNING_TASKS_COUNT:
            return _compare_numbers(view.numbers(s), self.op, float(self.args[0]))
        if s is Subject.REGISTERED_AT:
            return _compare_numbers(view.numbers(s), self.op, _parse_date(self.args[0]))
        code_arr, values = view.string_codes(s, self.name)
        table = np.fromiter((self._test(v) for v in values), bool, len(values))
        return table[code_arr] if len(values) else np.zeros(view.size, bool)

    def _test(self, value: str | None) -> bool:
        """The comparison on one string value (None: the instance lacks the subject)."""
        op, args = self.op, self.args
        if op == "exists":
            return value is not None
        if op == "!exists":
            return value is None
        if op in ("==", "!=", "in", "!in"):
            hit = value is not None and value in args
            return hit if op in ("==", "in") else not hit
        if op in ("=~", "!~"):
            hit = value is not None and _regex(args[0]).fullmatch(value) is not None
            return hit if op == "=~" else not hit
        if value is None:
            return False
        a, b = _ordering_key(self.subject, value), _ordering_key(self.subject, args[0])
        if type(a) is not type(b):
            a, b = str(value), args[0]
        return _ORDER[op](a, b)

    def _group_mask(self, view: QueryView) -> np.ndarray:
        op, args = self.op, self.args
        if op in ("exists", "!exists"):
            groups = list(view.group_names())
        elif op in ("=~", "!~"):
            groups = [g for g in view.group_names() if _regex(args[0]).fullmatch(g)]
        else:
            groups = list(args)
        hosts = np.zeros(view.size, bool)
        for g in groups:
            hosts |= view.group_count(g) > 0
        return hosts if op in ("==", "in", "=~", "exists") else ~hosts


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node

    @property
    def dynamic(self) -> bool:
        return self.operand.dynamic

    def mask(self, view: QueryView) -> np.ndarray:
        return ~self.operand.mask(view)


@dataclass(frozen=True, slots=True)
class Junction:
    op: str  # "and" | "or"
    operands: tuple[Node, ...]

    @property
    def dynamic(self) -> bool:
        return any(o.dynamic for o in self.operands)

    def mask(self, view: QueryView) -> np.ndarray:
        out = self.operands[0].mask(view).copy()
        for o in self.operands[1:]:
            if self.op == "and":
                out &= o.mask(view)
            else:
                out |= o.mask(view)
        return out


Node = Comparison | Not | Junction


@dataclass(frozen=True, slots=True)
class Expression:
    """A parsed cluster query: evaluate it over many instances or one."""

    text: str
    root: Node

    @property
    def dynamic(self) -> bool:
        """True if the result depends on tasks placed (runningTasksCount, task:group)."""
        return self.root.dynamic

    def mask(self, view: QueryView) -> np.ndarray:
        """Boolean mask over the view's instances (a fresh array the caller may modify)."""
        return np.array(self.root.mask(view), dtype=bool, copy=True)

    def matches(self, instance: ContainerInstance) -> bool:
        """The expression on one container instance."""
        return bool(self.mask(_SingleView(instance))[0])


# --- evaluation helpers ---------------------------------------------------------------------

# Operands are ordering keys of one type (version tuples, floats or strings, see
# _ordering_key), so Any: no single static type covers all three.
_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}


def _compare_numbers(column: np.ndarray, op: str, value: float) -> np.ndarray:
    return {
        "==": np.equal,
        "!=": np.not_equal,
        ">": np.greater,
        ">=": np.greater_equal,
        "<": np.less,
        "<=": np.less_equal,
    }[op](column, value)


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _version(text: str) -> tuple[int, ...] | None:
    parts = text.lstrip("v").split(".")
    return tuple(int(p) for p in parts) if all(p.isdigit() for p in parts) else None


def _ordering_key(subject: Subject, text: str) -> object:
    if subject is Subject.AGENT_VERSION:
        return _version(text) or text
    try:
        return float(text)
    except ValueError:
        return text


def _parse_date(text: str) -> float:
    """POSIX seconds of a registeredAt argument (the page's four date formats, UTC default)."""
    raw = text[:-1] + "+00:00" if text.endswith("Z") else text
    for fmt in _DATE_FORMATS:
        try:
            d = datetime.strptime(raw, fmt)
        except ValueError:
            continue
        return (d if d.tzinfo else d.replace(tzinfo=UTC)).timestamp()
    raise ValueError(text)


class _SingleView:
    """A QueryView of one ContainerInstance, so both paths share one evaluator."""

    size = 1

    def __init__(self, ci: ContainerInstance):
        self.ci = ci
        self.static_cache: dict = {}

    def string_codes(self, subject: Subject, name: str | None) -> tuple[np.ndarray, list]:
        return np.zeros(1, np.intp), [string_value(self.ci, subject, name)]

    def numbers(self, subject: Subject) -> np.ndarray:
        if subject is Subject.RUNNING_TASKS_COUNT:
            return np.array([self.ci.running_tasks_count], float)
        return np.array([self.ci.registered_at], float)

    def group_count(self, group: str) -> np.ndarray:
        return np.array([self.ci.group_counts.get(group, 0)])

    def group_names(self) -> list[str]:
        return [g for g, n in self.ci.group_counts.items() if n > 0]


def string_value(ci: ContainerInstance, subject: Subject, name: str | None) -> str | None:
    """A container instance's value for a string subject (None when it lacks it)."""
    if subject is Subject.ATTRIBUTE:
        if name not in ci.attributes:
            return None
        value = ci.attributes[name]
        return "" if value is None else value
    if subject is Subject.EC2_INSTANCE_ID:
        return ci.ec2_instance_id
    if subject is Subject.AGENT_VERSION:
        return ci.agent_version
    if subject is Subject.AGENT_CONNECTED:
        return "true" if ci.agent_connected else "false"
    raise ValueError(subject)


# --- parsing --------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.pos = 0

    # errors
    def fail(self, why: str, position: int | None = None) -> AWSError:
        at = self.pos if position is None else position
        return AWSError(
            codes.INVALID_PARAMETER,
            codes.INVALID_EXPRESSION.format(expression=self.text, why=why, position=at),
        )

    # lexing
    def skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self) -> str:
        self.skip_ws()
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def peek_word(self) -> str:
        self.skip_ws()
        m = _WORD.match(self.text, self.pos)
        return m.group(0) if m else ""

    def take_word(self) -> tuple[str, int]:
        self.skip_ws()
        m = _WORD.match(self.text, self.pos)
        if not m:
            raise self.fail("expected a subject" if self.pos < len(self.text) else "unexpected end")
        self.pos = m.end()
        return m.group(0), m.start()

    def at_symbol(self, *symbols: str) -> str | None:
        self.skip_ws()
        for s in symbols:
            if self.text.startswith(s, self.pos):
                return s
        return None

    # grammar
    def parse(self) -> Node:
        if not self.text.strip():
            raise self.fail("empty expression", 0)
        node = self.parse_or()
        if self.peek():
            raise self.fail(f"unexpected {self.text[self.pos]!r}")
        return node

    def parse_or(self) -> Node:
        items = [self.parse_and()]
        while self._connective("or", "||"):
            items.append(self.parse_and())
        return items[0] if len(items) == 1 else Junction("or", tuple(items))

    def parse_and(self) -> Node:
        items = [self.parse_not()]
        while self._connective("and", "&&"):
            items.append(self.parse_not())
        return items[0] if len(items) == 1 else Junction("and", tuple(items))

    def _connective(self, word: str, symbol: str) -> bool:
        if self.at_symbol(symbol):
            self.pos += len(symbol)
            return True
        if self.peek_word() == word:
            self.pos += len(word)
            return True
        return False

    def parse_not(self) -> Node:
        if self.peek_word() == "not":
            self.pos += 3
            return Not(self.parse_not())
        if self.peek() == "!" and not self.at_symbol("!=", "!~", "!in", "!exists"):
            self.pos += 1
            return Not(self.parse_not())
        if self.peek() == "(":
            self.pos += 1
            node = self.parse_or()
            if self.peek() != ")":
                raise self.fail("expected ')'")
            self.pos += 1
            return node
        return self.parse_comparison()

    def parse_comparison(self) -> Comparison:
        word, start = self.take_word()
        if word.startswith("attribute:") and len(word) > len("attribute:"):
            subject, name = Subject.ATTRIBUTE, word[len("attribute:") :]
        elif word in _SUBJECT_WORDS:
            subject, name = _SUBJECT_WORDS[word], None
        else:
            raise self.fail(f"unknown subject {word!r}", start)
        op, op_at = self.parse_operator()
        if op not in VALID_OPERATORS[subject]:
            raise self.fail(f"operator {op!r} is not valid for {word}", op_at)
        args = self.parse_argument(op)
        cmp = Comparison(subject, name, op, args, start)
        self.check_argument(cmp)
        return cmp

    def parse_operator(self) -> tuple[str, int]:
        self.skip_ws()
        at = self.pos
        for sym in _SYMBOL_OPS:
            end = at + len(sym)
            if not self.text.startswith(sym, at):
                continue
            if sym[-1].isalpha() and end < len(self.text) and _WORD.match(self.text, end):
                continue  # "!inside" is not "!in" followed by "side"
            self.pos = end
            return OPERATOR_ALIASES[sym], at
        word = self.peek_word()
        if word == "not":  # "not in" (the brief's spelling of not_in)
            self.pos += 3
            if self.peek_word() == "in":
                self.pos += 2
                return "!in", at
            raise self.fail("expected 'in' after 'not'")
        if word in OPERATOR_ALIASES:
            self.pos += len(word)
            return OPERATOR_ALIASES[word], at
        if self.pos >= len(self.text):
            raise self.fail("expected an operator")
        raise self.fail(f"unknown operator {word or self.text[self.pos]!r}")

    def parse_argument(self, op: str) -> tuple[str, ...]:
        if op in _NO_ARG_OPS:
            return ()
        self.skip_ws()
        if self.pos >= len(self.text):
            raise self.fail(f"operator {op!r} needs an argument")
        if self.text[self.pos] == "[":
            if op not in _LIST_OPS:
                raise self.fail(f"operator {op!r} takes one value, not a list")
            return self.parse_list()
        if op in _LIST_OPS:
            raise self.fail(f"operator {op!r} expects an argument list [a, b, ...]")
        return (self.parse_value(in_list=False),)

    def parse_list(self) -> tuple[str, ...]:
        self.pos += 1  # "["
        values = [self.parse_value(in_list=True)]
        while True:
            c = self.peek()
            if c == ",":
                self.pos += 1
                values.append(self.parse_value(in_list=True))
            elif c == "]":
                self.pos += 1
                return tuple(values)
            else:
                raise self.fail("expected ',' or ']' in argument list")

    def parse_value(self, in_list: bool) -> str:
        self.skip_ws()
        start = self.pos
        if start < len(self.text) and self.text[start] in "'\"":
            end = self.text.find(self.text[start], start + 1)
            if end < 0:
                raise self.fail("unterminated quoted value", start)
            self.pos = end + 1
            return self.text[start + 1 : end]
        depth = 0
        while self.pos < len(self.text):
            c = self.text[self.pos]
            if c.isspace() or (in_list and c in ",]"):
                break
            if c == "(":
                depth += 1
            elif c == ")":
                if depth == 0:
                    break
                depth -= 1
            self.pos += 1
        if self.pos == start:
            raise self.fail("expected a value")
        return self.text[start : self.pos]

    def check_argument(self, cmp: Comparison) -> None:
        """Type-check an argument where the subject has a type (counts, dates, regexes)."""
        if not cmp.args:
            return
        arg = cmp.args[0]
        if cmp.subject is Subject.RUNNING_TASKS_COUNT and not arg.lstrip("-").isdigit():
            raise self.fail(f"runningTasksCount needs an integer, not {arg!r}", cmp.position)
        if cmp.subject is Subject.REGISTERED_AT:
            try:
                _parse_date(arg)
            except ValueError:
                raise self.fail(f"invalid date {arg!r}", cmp.position) from None
        if cmp.op in ("=~", "!~"):
            try:
                _regex(arg)
            except re.error as e:
                raise self.fail(f"invalid pattern {arg!r} ({e.msg})", cmp.position) from None


@lru_cache(maxsize=1024)
def parse(expression: str) -> Expression:
    """Parse a cluster query; InvalidParameterException names the position of the error."""
    limit = default_int("max_expression_length")
    if len(expression) > limit:
        raise _Parser(expression).fail(f"longer than {limit} characters", limit)
    try:
        return Expression(expression, _Parser(expression).parse())
    except RecursionError:  # a recursive-descent parser: bound the nesting, not the stack
        raise _Parser(expression).fail("parentheses nested too deeply", 0) from None
