"""Read YAML with libyaml (C), keeping the line of every mapping key and list item.

ruamel.yaml is pure Python: it took 765 ms for the seed's 186 KB of YAML, where libyaml through
PyYAML's CSafeLoader takes about 30 ms (24x), and its time grows with the size of a scalar.
The loader only needs plain values and line numbers for its messages, so mappings and lists
come back as dict and list subclasses that carry them.

The values follow the YAML 1.2 core schema, as ruamel did: only true/false are booleans (a
country code `no` stays text), `1e6` is a number, and there are no sexagesimal integers. A key
given twice is an error, not silently the last one.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml._yaml import CParser  # libyaml, bundled with PyYAML's wheels
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, SequenceNode

MarkedYAMLError = yaml.MarkedYAMLError


class YamlMap(dict):
    """A YAML mapping with the line (1-based) where it starts and where each key is."""

    line = 0
    key_lines: dict = {}  # noqa: RUF012  (replaced, never mutated, by the constructor)

    def line_of(self, key: Any, default: int) -> int:
        """The line of a key, or default if the mapping lacks it."""
        return self.key_lines.get(key, default)


class YamlSeq(list):
    """A YAML list with the line (1-based) where it starts and where each item is."""

    line = 0
    item_lines: list[int] = []  # noqa: RUF012  (replaced, never mutated, by the constructor)


class _Resolver(yaml.resolver.BaseResolver):
    """Plain scalars typed by the YAML 1.2 core schema (plus dates, which the claims use)."""


_CORE = [
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$",
     "-+0123456789"),
    ("tag:yaml.org,2002:float",
     r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
     r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", "-+0123456789."),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:timestamp",
     r"^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}"
     r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}"
     r"(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$", "0123456789"),
]
for _tag, _pattern, _first in _CORE:
    _Resolver.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))


class _Constructor(SafeConstructor):
    """Builds YamlMap and YamlSeq with their lines; refuses duplicate keys."""

    def construct_core_int(self, node):
        text = self.construct_scalar(node)
        if text.startswith("0o"):
            return int(text[2:], 8)
        return int(text, 0) if text.startswith("0x") else int(text)

    def construct_core_float(self, node):
        text = self.construct_scalar(node).lower()
        if text.lstrip("+-") == ".inf":
            return float("-inf") if text.startswith("-") else float("inf")
        return float("nan") if text == ".nan" else float(text)

    def construct_located_map(self, node: MappingNode):
        data = YamlMap()
        data.line = node.start_mark.line + 1
        data.key_lines = {}
        yield data
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise ConstructorError("while constructing a mapping", node.start_mark,
                                       "found an unhashable key", key_node.start_mark) from None
            if key in data:
                raise ConstructorError("while constructing a mapping", node.start_mark,
                                       f"found duplicate key {key!r}", key_node.start_mark)
            data[key] = self.construct_object(value_node, deep=True)
            data.key_lines[key] = key_node.start_mark.line + 1

    def construct_located_seq(self, node: SequenceNode):
        data = YamlSeq()
        data.line = node.start_mark.line + 1
        data.item_lines = [child.start_mark.line + 1 for child in node.value]
        yield data
        data.extend(self.construct_object(child, deep=True) for child in node.value)


_Constructor.add_constructor("tag:yaml.org,2002:int", _Constructor.construct_core_int)  # type: ignore[type-var]
_Constructor.add_constructor("tag:yaml.org,2002:float", _Constructor.construct_core_float)  # type: ignore[type-var]
_Constructor.add_constructor("tag:yaml.org,2002:map", _Constructor.construct_located_map)  # type: ignore[type-var]
_Constructor.add_constructor("tag:yaml.org,2002:seq", _Constructor.construct_located_seq)  # type: ignore[type-var]


class _Loader(CParser, _Constructor, _Resolver):
    def __init__(self, stream):
        CParser.__init__(self, stream)
        _Constructor.__init__(self)
        _Resolver.__init__(self)


def parse_yaml(text: str) -> Any:
    """One YAML document as plain values, with YamlMap and YamlSeq for its collections."""
    loader = _Loader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
