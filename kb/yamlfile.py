"""Read YAML with libyaml (C), keeping the line of every mapping key and list item.

ruamel.yaml is pure Python: it took 765 ms for the seed's 186 KB of YAML, where libyaml through
PyYAML's CSafeLoader takes about 30 ms (24x), and its time grows with the size of a scalar.
The loader only needs plain values and line numbers for its messages, so mappings and lists
come back as dict and list subclasses that carry them.

The values follow the YAML 1.2 core schema, as ruamel did: only true/false are booleans (a
country code `no` stays text), `1e6` is a number, and there are no sexagesimal integers. A key
given twice is an error, not silently the last one.

Whatever a file says, the work stays bounded (kb/limits.py): the composed document is walked
once, before any value is built, to refuse nesting deeper than MAX_DEPTH and aliases whose
expansion would outgrow a file; each scalar is bounded in length and refused if it holds a
control character; numbers keep the text they were written as (so no digit is lost to binary
rounding and 1e309 is not infinity) and integers longer than MAX_DIGITS are refused before
Python converts them.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml._yaml import CParser  # libyaml, bundled with PyYAML's wheels
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .limits import MAX_DEPTH, MAX_DIGITS, MAX_EXPANDED_SIZE, MAX_SCALAR_CHARS, shorten
from .safefile import find_forbidden, forbidden_char

MarkedYAMLError = yaml.MarkedYAMLError
YAMLError = yaml.YAMLError


class YamlLimitError(ValueError):
    """A YAML file exceeds a bound of kb/limits.py or holds a forbidden value, at a line."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line, self.message = line, message


NESTED = (f"mappings and lists are nested more than {MAX_DEPTH} levels deep (docs/limits.md); "
          "flatten them")


def _limit(node: Node, message: str) -> YamlLimitError:
    return YamlLimitError(node.start_mark.line + 1, message)


class YamlFloat(float):
    """A YAML float that remembers how it was written: 0.1 stays 0.1 and 1e309 stays 1e309."""

    text = ""

    def __str__(self) -> str:
        return self.text


def yaml_float(text: str) -> float:
    """The value of a YAML float written as text: a YamlFloat keeping it, or an infinity."""
    lower = text.lower()
    if lower.lstrip("+-") == ".inf":
        return float("-inf") if lower.startswith("-") else float("inf")
    value = YamlFloat(float("nan") if lower == ".nan" else float(lower))
    value.text = text
    return value


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
    """Builds YamlMap and YamlSeq with their lines; refuses duplicate keys and deep nesting."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # of the mappings and lists being built

    def construct_scalar(self, node):
        value = super().construct_scalar(node)
        if len(value) > MAX_SCALAR_CHARS:
            raise _limit(node, f"a value of {len(value)} characters is longer than the limit of "
                         f"{MAX_SCALAR_CHARS} (docs/limits.md); shorten it")
        # The file's text has been checked whole; only an escape (\0) adds a character.
        if node.style == '"' and (m := find_forbidden(value)):
            raise _limit(node, f"a value holds the control character U+{ord(m.group()):04X}, "
                         "which is not allowed; remove it")
        return value

    def enter(self, node: Node) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _limit(node, NESTED)

    def construct_core_int(self, node):
        text = self.construct_scalar(node)
        if len(text.lstrip("+-")) > MAX_DIGITS:
            # Python refuses to convert more than 4,300 digits, and no count needs 35.
            raise _limit(node, f"the number {text[:20]}… has more than {MAX_DIGITS} digits "
                         "(docs/limits.md); write it with an exponent, like 1.5e30")
        if text.startswith("0o"):
            return int(text[2:], 8)
        return int(text, 0) if text.startswith("0x") else int(text)

    def construct_core_float(self, node):
        return yaml_float(self.construct_scalar(node))

    def construct_core_timestamp(self, node):
        try:
            return self.construct_yaml_timestamp(node)
        except ValueError:  # 2022-13-45: kept as text, which the field reports as a bad date
            return self.construct_scalar(node)

    def construct_located_map(self, node: MappingNode):
        data = YamlMap()
        data.line = node.start_mark.line + 1
        data.key_lines = {}
        yield data
        self.enter(node)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise ConstructorError("while constructing a mapping", node.start_mark,
                                       "found an unhashable key", key_node.start_mark) from None
            if key in data:
                raise ConstructorError("while constructing a mapping", node.start_mark,
                                       f"found duplicate key '{shorten(str(key))}'",
                                       key_node.start_mark)
            data[key] = self.construct_object(value_node, deep=True)
            data.key_lines[key] = key_node.start_mark.line + 1
        self.depth -= 1

    def construct_located_seq(self, node: SequenceNode):
        data = YamlSeq()
        data.line = node.start_mark.line + 1
        data.item_lines = [child.start_mark.line + 1 for child in node.value]
        yield data
        self.enter(node)
        data.extend(self.construct_object(child, deep=True) for child in node.value)
        self.depth -= 1


def _unsupported(self, node):
    raise _limit(node, f"the tag {node.tag.replace('tag:yaml.org,2002:', '!!')} is not supported "
                 "here; write plain text, numbers, lists and mappings")


_Constructor.add_constructor("tag:yaml.org,2002:int", _Constructor.construct_core_int)  # type: ignore[type-var]
_Constructor.add_constructor("tag:yaml.org,2002:float", _Constructor.construct_core_float)  # type: ignore[type-var]
# Binary data, sets and ordered pairs would reach the claims as Python bytes, sets and tuples.
for _tag in ("binary", "set", "omap", "pairs"):
    _Constructor.add_constructor(f"tag:yaml.org,2002:{_tag}", _unsupported)
_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_core_timestamp)  # type: ignore[type-var]
_Constructor.add_constructor("tag:yaml.org,2002:map", _Constructor.construct_located_map)  # type: ignore[type-var]
_Constructor.add_constructor("tag:yaml.org,2002:seq", _Constructor.construct_located_seq)  # type: ignore[type-var]


class _Loader(CParser, _Constructor, _Resolver):
    def __init__(self, stream):
        CParser.__init__(self, stream)
        _Constructor.__init__(self)
        _Resolver.__init__(self)


def _check_shape(root: Node) -> None:
    """Refuse nesting deeper than MAX_DEPTH and a document whose expanded aliases outgrow it.

    An alias is the node it names, so the walk remembers each node's size and depth: linear
    in the number of nodes however often they are aliased.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in size:
            continue
        if isinstance(node, ScalarNode):
            size[key], depth[key] = 1 + len(node.value), 0
            continue
        children = [c for pair in node.value for c in pair] if isinstance(node, MappingNode) \
            else list(node.value)
        if not children_done:
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in size)
            continue
        depth[key] = 1 + max((depth[id(c)] for c in children), default=0)
        size[key] = 1 + sum(size[id(c)] for c in children)
        if depth[key] > MAX_DEPTH:
            raise _limit(node, NESTED)
        if size[key] > MAX_EXPANDED_SIZE:
            raise _limit(node, "with its aliases (*name) expanded the document grows beyond "
                         f"{MAX_EXPANDED_SIZE} (docs/limits.md); write the values out instead "
                         "of repeating aliases")


# An anchor (&name) starts a line or follows a space or a flow indicator; "R&D" is not one.
_ANCHOR = re.compile(r"(?:^|[\s\[{,])&[^\s\[\]{},]", re.MULTILINE)


def parse_yaml(text: str) -> Any:
    """One YAML document as plain values, with YamlMap and YamlSeq for its collections.

    Raises MarkedYAMLError (or YAMLError) on a syntax error and YamlLimitError when the
    document exceeds a bound of kb/limits.py.
    """
    if found := forbidden_char(text):
        line, column, char = found
        raise YamlLimitError(line, f"control character {char} at column {column} is not "
                                   "allowed; remove it")
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _ANCHOR.search(text):  # only an anchor can be aliased: otherwise nothing to expand
            _check_shape(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()
