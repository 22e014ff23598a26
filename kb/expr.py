"""The relation language: arithmetic over claim/evidence ids and constants; parsed, never eval'ed.

    relation   := expr COMPARE expr
    COMPARE    := '==' | '<' | '<=' | '>' | '>='
    expr       := term (('+' | '-') term)*
    term       := factor (('*' | '/') factor)*
    factor     := ('-' | '+') factor | atom
    atom       := NUMBER [ '[' UNIT ']' ] | ( ID | '(' expr ')' ) [ '[' UNIT ']' ]

Ids may contain hyphens (tesla-revenue-2022), so a binary minus must have spaces around it:
`a - b`. A number without a unit is dimensionless; `312e12 [FLOPS]` and `7.25 [CNY/USD]` carry
units. After an id or a parenthesised expression, `[UNIT]` converts it to that unit, which must
have the same dimension (`(a * b) [EFLOPS]`, `payload [kg]`); it changes how the value is shown,
never its meaning, because quantities of one dimension convert into each other automatically.
Currencies are separate dimensions: CNY becomes USD only by dividing by a rate such as
`7.25 [CNY/USD]` (a constant, or a claim or evidence statement whose unit is CNY/USD).
`==` holds when the two sides' intervals overlap.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from .limits import MAX_DEPTH, MAX_EXPR_TOKENS, number_problem, shorten

COMPARISONS = ("==", "<=", ">=", "<", ">")


class ExprError(ValueError):
    """A malformed expression, with the column (1-based) where it went wrong."""

    def __init__(self, message: str, column: int):
        super().__init__(f"{message} at column {column}")
        self.column = column


# Each node keeps the 1-based column it starts at (for BinOp: its operator), so that errors
# found while evaluating (a unit mismatch, a division by zero) can point at it. Columns do not
# take part in equality: two trees that read the same are equal.

@dataclass(frozen=True)
class Num:
    """A constant, with its unit if it has one: 312e12 [FLOPS]."""

    value: Fraction
    unit: str | None
    text: str
    column: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Ref:
    """The id of a claim or evidence statement."""

    ident: str
    column: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Neg:
    """Unary minus."""

    operand: Node
    column: int = field(default=0, compare=False)


@dataclass(frozen=True)
class _Binary:
    """An operator between two expressions (its column is the operator's)."""

    op: str
    left: Node
    right: Node
    column: int = field(default=0, compare=False)


class BinOp(_Binary):
    """A binary operation: + - * /."""


class Compare(_Binary):
    """The relation: two expressions and the comparison between them."""


@dataclass(frozen=True)
class Convert:
    """An expression shown in another unit of its dimension: (a * b) [EFLOPS]."""

    operand: Node
    unit: str
    column: int = field(default=0, compare=False)


Node = Num | Ref | Neg | BinOp | Convert

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
    out: list[_Tok] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ExprError(f"unexpected character {text[pos]!r}", pos + 1)
        kind = m.lastgroup
        if kind is None:  # every alternative of _TOKEN is a named group
            raise ExprError(f"unexpected character {text[pos]!r}", pos + 1)
        if kind != "space":
            if len(out) == MAX_EXPR_TOKENS:
                # Evaluating and showing a relation recurse over its tree: keep it small.
                raise ExprError(f"the expression has more than {MAX_EXPR_TOKENS} numbers, ids "
                                "and operators (docs/limits.md); split it into several "
                                "relations", pos + 1)
            out.append(_Tok(kind, m.group(), pos + 1))
        pos = m.end()
    out.append(_Tok("end", "", len(text) + 1))
    return out


class _Parser:
    def __init__(self, text: str):
        self.toks = _tokens(text)
        self.i = 0
        self.depth = 0  # of parentheses and signs being parsed

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
        return Compare(tok.text, left, right, tok.column)

    def expr(self) -> Node:
        return self.chain(("+", "-"), self.term)

    def term(self) -> Node:
        return self.chain(("*", "/"), self.factor)

    def chain(self, ops: tuple[str, str], operand: Callable[[], Node]) -> Node:
        """Operands joined by operators of one precedence, grouped from the left."""
        node = operand()
        while self.peek().text in ops:
            tok = self.take()
            node = BinOp(tok.text, node, operand(), tok.column)
        return node

    def nest(self, tok: _Tok) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExprError(f"parentheses and signs are nested more than {MAX_DEPTH} levels "
                            "deep (docs/limits.md); simplify the expression", tok.column)

    def factor(self) -> Node:
        if self.peek().text in ("-", "+"):
            tok = self.take()
            self.nest(tok)
            operand = self.factor()
            self.depth -= 1
            return Neg(operand, tok.column) if tok.text == "-" else operand
        return self.atom()

    def atom(self) -> Node:
        tok = self.take()
        if tok.kind == "number":
            try:
                problem = number_problem(Decimal(tok.text))
            except InvalidOperation:  # an exponent beyond even Decimal's range
                problem = "is out of range"
            if problem:
                raise ExprError(f"the number {shorten(tok.text)} {problem} (docs/limits.md)",
                                tok.column)
            unit = self.unit()
            return Num(Fraction(tok.text), unit, tok.text, tok.column)
        node: Node
        if tok.kind == "ident":
            node = Ref(tok.text, tok.column)
        elif tok.text == "(":
            self.nest(tok)
            node = self.expr()
            self.expect(")")
            self.depth -= 1
        else:
            raise ExprError(f"expected a number, an id or '(', found {_show(tok)}", tok.column)
        column = self.peek().column
        unit = self.unit()
        return Convert(node, unit, column) if unit else node

    def unit(self) -> str | None:
        if self.peek().kind != "unit":
            return None
        tok = self.take()
        unit = tok.text[1:-1].strip()
        if not unit:
            raise ExprError("empty unit '[]'", tok.column)
        return unit


def _show(tok: _Tok) -> str:
    return "the end" if tok.kind == "end" else f"'{shorten(tok.text)}'"


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
    if isinstance(node, (Neg, Convert)):
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
