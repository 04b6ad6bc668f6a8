"""A bounded, strict YAML reader for scenario files.

``yaml.safe_load`` constructs no Python objects, but it still accepts what a scenario
should not: duplicate keys (the last silently wins), YAML 1.1's base-60 numbers
(``peak_at: 14:00`` is 840), ``on``/``yes``/``off``/``no`` as boolean *keys*, documents
nested deep enough to exhaust the recursion limit, and alias bombs ("billion laughs")
whose expansion grows without bound. This reader refuses each with the line and column.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_DEPTH = 64
"""Nesting levels of mappings and lists (a scenario needs fewer than 10)."""
MAX_NODES = 200_000
"""Values after every alias is expanded (each use of an alias counts its whole tree)."""
MAX_ALIASES = 1_000

_BASE60 = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
_BOOL_WORDS = {"yes", "no", "on", "off", "y", "n", "true", "false"}


class _Loader(yaml.SafeLoader):
    """SafeLoader without base-60 numbers, with duplicate-key, depth and alias limits."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise ComposerError(
                    None,
                    None,
                    f"more than {MAX_ALIASES} aliases (*name)",
                    self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise ComposerError(
                    None,
                    None,
                    f"nested deeper than {MAX_DEPTH} levels",
                    self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            if (
                isinstance(key_node, ScalarNode)
                and key_node.tag == "tag:yaml.org,2002:bool"
                and key_node.style is None
                and key_node.value.lower() in _BOOL_WORDS
            ):
                raise ConstructorError(
                    None,
                    None,
                    f"the key {key_node.value!r} is read as a boolean by YAML 1.1; "
                    f"quote it ('{key_node.value}')",
                    key_node.start_mark,
                )
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
            except TypeError:
                continue  # an unhashable key: the base constructor reports it
            if duplicate:
                raise ConstructorError(
                    None,
                    None,
                    f"duplicate key {key!r} (first on line {seen[key].line + 1})",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
# PyYAML's own int and float resolvers, less their base-60 alternatives, so ``14:00``
# stays the string "14:00" (and gets a clear "expected a duration" error later).
_INT_RE = re.compile(
    r"""^(?:[-+]?0b[0-1_]+
    |[-+]?0[0-7_]+
    |[-+]?(?:0|[1-9][0-9_]*)
    |[-+]?0x[0-9a-fA-F_]+)$""",
    re.X,
)
_FLOAT_RE = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)
_Loader.yaml_implicit_resolvers = {
    first: [(tag, r) for tag, r in entries if tag not in (_INT, _FLOAT)]
    for first, entries in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_INT, _INT_RE, list("-+0123456789"))
_Loader.add_implicit_resolver(_FLOAT, _FLOAT_RE, list("-+0123456789."))


def expanded_size(node: Node, limit: int = MAX_NODES) -> int:
    """How many values the document holds once aliases are expanded (stops past limit)."""
    sizes: dict[int, int] = {}

    def size(n: Node) -> int:
        key = id(n)
        if key in sizes:
            return sizes[key]
        total = 1
        if isinstance(n, SequenceNode):
            for child in n.value:
                total += size(child)
                if total > limit:
                    break
        elif isinstance(n, MappingNode):
            for k, v in n.value:
                total += size(k) + size(v)
                if total > limit:
                    break
        sizes[key] = total
        return total

    return size(node)


def load(text: str) -> Any:
    """Parse one YAML document under the limits; yaml.YAMLError (with marks) on refusal."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if expanded_size(node) > MAX_NODES:
            raise ComposerError(
                None,
                None,
                f"more than {MAX_NODES:,} values once aliases are expanded",
                node.start_mark,
            )
        return loader.construct_document(node)
    finally:
        loader.dispose()


def looks_base60(value: Any) -> bool:
    """A string YAML 1.1 would have read as a base-60 number (``14:00``)."""
    return isinstance(value, str) and bool(_BASE60.match(value.strip()))
