"""The relation language: arithmetic over claim/evidence ids and constants; parsed, never eval'ed.

    relation   := expr COMPARE expr
    COMPARE    := '==' | '<' | '<=' | '>' | '>='
    expr       := term (('+' | '-') term)*
    term       := factor (('*' | '/') factor)*
    factor     := ('-' | '+') factor | atom
    atom       := NUMBER [ '[' UNIT ']' ] | ID | '(' expr ')'

Ids may contain hyphens (tesla-revenue-2022), so a binary minus must have spaces around it:
`a - b`. A number without a unit is dimensionless; `312e12 [FLOPS]` and `7.25 [CNY/USD]` carry
units. `==` holds when the two sides' intervals overlap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

COMPARISONS = ("==", "<=", ">=", "<", ">")


class ExprError(ValueError):
    """A malformed expression, with the column (1-based) where it went wrong."""

    def __init__(self, message: str, column: int):
        super().__init__(f"{message} at column {column}")
        self.column = column


@dataclass(frozen=True)
class Num:
    value: Fraction
    unit: str | None
    text: str


@dataclass(frozen=True)
class Ref:
    ident: str


@dataclass(frozen=True)
class Neg:
    operand: Node


@dataclass(frozen=True)
class BinOp:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Compare:
    op: str
    left: Node
    right: Node


Node = Num | Ref | Neg | BinOp

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<unit>\[[^\[\]]*\])
  | (?P<ident>[a-z][a-z0-9]*(?:-[a-z0-9]+)*)
  | (?P<op><=|>=|==|[-+*/()<>])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str
    column: int


def _tokens(text: str) -> list[_Tok]:
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ExprError(f"unexpected character {text[pos]!r}", pos + 1)
        if m.lastgroup != "space":
            out.append(_Tok(m.lastgroup, m.group(), pos + 1))
        pos = m.end()
    out.append(_Tok("end", "", len(text) + 1))
    return out


class _Parser:
    def __init__(self, text: str):
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def expect(self, text: str) -> None:
        tok = self.take()
        if tok.text != text:
            raise ExprError(f"expected {text!r}, found {_show(tok)}", tok.column)

    def relation(self) -> Compare:
        left = self.expr()
        tok = self.take()
        if tok.text not in COMPARISONS:
            raise ExprError(f"expected a comparison ({', '.join(COMPARISONS)}), found "
                            f"{_show(tok)}", tok.column)
        right = self.expr()
        end = self.take()
        if end.kind != "end":
            raise ExprError(f"unexpected {_show(end)}", end.column)
        return Compare(tok.text, left, right)

    def expr(self) -> Node:
        node = self.term()
        while self.peek().text in ("+", "-"):
            op = self.take().text
            node = BinOp(op, node, self.term())
        return node

    def term(self) -> Node:
        node = self.factor()
        while self.peek().text in ("*", "/"):
            op = self.take().text
            node = BinOp(op, node, self.factor())
        return node

    def factor(self) -> Node:
        if self.peek().text in ("-", "+"):
            op = self.take().text
            operand = self.factor()
            return Neg(operand) if op == "-" else operand
        return self.atom()

    def atom(self) -> Node:
        tok = self.take()
        if tok.kind == "number":
            unit = None
            if self.peek().kind == "unit":
                unit = self.take().text[1:-1].strip()
                if not unit:
                    raise ExprError("empty unit '[]'", tok.column)
            return Num(Fraction(tok.text), unit, tok.text)
        if tok.kind == "ident":
            return Ref(tok.text)
        if tok.text == "(":
            node = self.expr()
            self.expect(")")
            return node
        raise ExprError(f"expected a number, an id or '(', found {_show(tok)}", tok.column)


def _show(tok: _Tok) -> str:
    return "the end" if tok.kind == "end" else repr(tok.text)


def parse_relation(text: str) -> Compare:
    """Parse 'expr OP expr'; raise ExprError (with a column) if it is malformed."""
    return _Parser(text).relation()


def parse_expr(text: str) -> Node:
    """Parse a bare arithmetic expression (no comparison)."""
    parser = _Parser(text)
    node = parser.expr()
    end = parser.take()
    if end.kind != "end":
        raise ExprError(f"unexpected {_show(end)}", end.column)
    return node


def walk_refs(node: Node | Compare) -> list[str]:
    """The ids an expression tree refers to, in order of first appearance."""
    if isinstance(node, Ref):
        return [node.ident]
    if isinstance(node, Neg):
        return walk_refs(node.operand)
    if isinstance(node, (BinOp, Compare)):
        return list(dict.fromkeys(walk_refs(node.left) + walk_refs(node.right)))
    return []


def references(text: str) -> list[str]:
    """The ids an expression mentions; tolerant of syntax errors, which the checks report."""
    try:
        return list(dict.fromkeys(t.text for t in _tokens(text) if t.kind == "ident"))
    except ExprError:
        return re.findall(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*", text)
