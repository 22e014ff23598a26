"""Evaluate declared relations with exact interval arithmetic, checking units and dimensions.

Each id in an expression stands for the interval its claim or evidence statement allows
(kb.intervals.quantity_interval), in its unit. Values are carried in SI base units of their
dimension, so quantities of one dimension mix freely (t with kg, percent with ratio, year with
day); currencies are dimensions of their own and mix only through a rate (`7.25 [CNY/USD]`).

A comparison holds when some values inside the two intervals satisfy it, i.e. when the stated
figures *can* all be true together:

    a == b   the intervals overlap          a < b    a.lo <  b.hi       a > b    a.hi >  b.lo
                                             a <= b   a.lo <= b.hi       a >= b   a.hi >= b.lo

When a relation does not hold, its finding reports both intervals and the factor by which they
are apart: "3000 × (3–4 × 312 TFLOPS) = 2.34–4.21 EFLOPS, claimed 100 EFLOPS: off by 24–43×".
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR
from fractions import Fraction
from functools import lru_cache

from .expr import (
    BinOp,
    Compare,
    Convert,
    ExprError,
    Neg,
    Node,
    Num,
    Ref,
    parse_relation,
    walk_refs,
)
from .findings import Finding, Side
from .intervals import (
    Interval,
    IntervalError,
    describe_apart,
    factor_apart,
    format_amount,
    format_interval,
    interval_decimals,
    quantity_interval,
    to_decimal,
)
from .model import Quantity, Relation, Statement
from .units import (
    DIMENSIONLESS,
    Unit,
    UnitError,
    factor_to_base,
    is_dimensionless,
    parse_unit,
    unit_dimension,
)

OPERATORS = {"+": "+", "-": "−", "*": "×", "/": "÷"}
COMPARISON_SYMBOLS = {"==": "=", "<": "<", "<=": "≤", ">": ">", ">=": "≥"}
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}


class RelationError(ValueError):
    """A relation that cannot be evaluated: malformed, a unit mismatch, a division by zero."""

    def __init__(self, message: str, column: int, hint: str):
        super().__init__(f"{message} at column {column}; {hint}")
        self.column = column


@dataclass(frozen=True)
class Value:
    """An evaluated sub-expression: its interval in base units, its unit, and how it reads."""

    interval: Interval
    unit: Unit
    text: str
    precedence: int = 9  # of the operator at its top, for parentheses when shown
    code: str | None = None  # a unit code to show it in (from an id's unit or a conversion)


def evaluate(relation: Relation, statements: dict[str, Statement]) -> Finding:
    """The finding for one relation; RelationError if it is malformed or ill-dimensioned."""
    try:
        tree = parse_relation(relation.expression)
    except ExprError as exc:
        message = str(exc).rsplit(" at column ", 1)[0]
        raise RelationError(f"malformed expression: {message}", exc.column,
                            "fix the expression (the syntax is in docs/claims-format.md, "
                            "relations.yaml)") from None
    env = _Env(statements)
    left, right = env.eval(tree.left), env.eval(tree.right)
    dims = _dims(left.unit), _dims(right.unit)
    if dims[0] != dims[1]:
        raise RelationError(
            f"the two sides have different dimensions: {_show_unit(left)} ({dims[0]}) and "
            f"{_show_unit(right)} ({dims[1]})", tree.column, _conversion_hint(dims))
    code = _display_code(tree, left, right, env)
    return _finding(relation, tree, left, right, code, walk_refs(tree))


def holds(op: str, left: Interval, right: Interval) -> bool:
    """Whether values inside the two intervals can satisfy the comparison."""
    if op == "==":
        return left.overlaps(right)
    if op == "<":
        return left.lo < right.hi
    if op == "<=":
        return left.lo <= right.hi
    if op == ">":
        return left.hi > right.lo
    return left.hi >= right.lo


@lru_cache(maxsize=1 << 16)
def stated(q: Quantity) -> str:
    """A quantity as its text states it: '81.462 billion USD', '≈17.6 billion USD', '3–4'."""
    # Cached: a claim of a figure many articles state is shown in a finding with each of them.
    lower, upper = q.implied_bounds()
    if q.bound == "range" and lower is not None and upper is not None:
        return format_interval(Interval.of(lower, upper), q.unit)
    if q.bound in ("more-than", "at-least") and upper is not None:
        return format_interval(Interval.of(lower, upper), q.unit)
    signs = {"approximately": "≈", "more-than": "> ", "at-least": "≥ ", "less-than": "< ",
             "at-most": "≤ "}
    return signs.get(q.bound, "") + format_amount(Fraction(q.amount), q.unit)


class _Env:
    """Evaluates expression trees against the claims and evidence they name."""

    def __init__(self, statements: dict[str, Statement]):
        self.statements = statements
        self.codes: list[str] = []  # unit codes met, in order: candidates for showing results

    def eval(self, node: Node) -> Value:
        """The value of a sub-expression."""
        if isinstance(node, Ref):
            return self.ref(node)
        if isinstance(node, Num):
            return self.num(node)
        if isinstance(node, Neg):
            inner = self.eval(node.operand)
            return Value(-inner.interval, inner.unit, f"−{_wrap(inner, 3)}", 3, inner.code)
        if isinstance(node, Convert):
            return self.convert(node)
        return self.binop(node)

    def ref(self, node: Ref) -> Value:
        """A claim's or evidence's interval, in base units."""
        st = self.statements.get(node.ident)
        if st is None:
            raise RelationError(f"unknown claim or evidence '{node.ident}'", node.column,
                                "fix the id")
        q = st.quantity
        unit = _unit(q.unit, node.column)
        self.codes.append(q.unit)
        base = quantity_interval(q).scale(factor_to_base(q.unit))
        return Value(base, unit, stated(q), code=q.unit)

    def num(self, node: Num) -> Value:
        """A constant, in base units."""
        code = node.unit or ""
        unit = _unit(code, node.column) if code else DIMENSIONLESS
        if code:
            self.codes.append(code)
        factor = factor_to_base(code) if code else Fraction(1)
        return Value(Interval.point(node.value * factor), unit,
                     format_amount(node.value, code), code=code or None)

    def convert(self, node: Convert) -> Value:
        """The same value, to be shown in another unit of its dimension."""
        inner = self.eval(node.operand)
        target = _unit(node.unit, node.column)
        if _dims(target) != _dims(inner.unit):
            raise RelationError(f"cannot convert {_show_unit(inner)} ({_dims(inner.unit)}) to "
                                f"{node.unit} ({_dims(target)})", node.column,
                                "convert only between units of one dimension")
        self.codes.insert(0, node.unit)
        return Value(inner.interval, target, inner.text, inner.precedence, node.unit)

    def binop(self, node: BinOp) -> Value:
        """+ and - need one dimension; * and / combine units."""
        a, b = self.eval(node.left), self.eval(node.right)
        prec = _PRECEDENCE[node.op]
        text = f"{_wrap(a, prec)} {OPERATORS[node.op]} {_wrap(b, prec + 1)}"
        if node.op in "+-":
            if _dims(a.unit) != _dims(b.unit):
                verb = "add" if node.op == "+" else "subtract"
                raise RelationError(
                    f"cannot {verb} {_show_unit(a)} ({_dims(a.unit)}) and {_show_unit(b)} "
                    f"({_dims(b.unit)})", node.column,
                    _conversion_hint((_dims(a.unit), _dims(b.unit))))
            interval = a.interval + b.interval if node.op == "+" else a.interval - b.interval
            return Value(interval, a.unit, text, prec, a.code or b.code)
        if node.op == "*":
            return Value(a.interval * b.interval, a.unit * b.unit, text, prec)
        try:
            interval = a.interval / b.interval
        except IntervalError:
            raise RelationError(f"division by zero: {b.text} is exactly 0", node.column,
                                "fix the divisor") from None
        return Value(interval, a.unit / b.unit, text, prec)


def _wrap(v: Value, prec: int) -> str:
    return f"({v.text})" if v.precedence < prec else v.text


def _unit(code: str, column: int) -> Unit:
    try:
        return parse_unit(code)
    except UnitError:
        raise RelationError(f"unknown unit '{code}'", column, "use a unit such as USD, CNY, "
                            "count, ratio, FLOPS, t, kg or USD/kg") from None


def _dims(unit: Unit) -> str:
    return unit_dimension(unit)


def _show_unit(v: Value) -> str:
    return v.code or _code_of(v.unit) or "a number"


def _code_of(unit: Unit) -> str:
    """A readable code for a compound unit, leaving out dimensionless factors."""
    up: list[str] = []
    down: list[str] = []
    for name, exp in unit.items:
        if is_dimensionless(name):
            continue
        part = name if abs(exp) == 1 else f"{name}**{abs(exp)}"
        (up if exp > 0 else down).append(part)
    if not up and not down:
        return ""
    text = "*".join(up) or "1"
    return text + "".join(f"/{d}" for d in down)


def _conversion_hint(dims: tuple[str, str]) -> str:
    if any("currency" in d for d in dims):
        return ("currencies convert only through a stated rate: multiply or divide by one, "
                "e.g. `7.25 [CNY/USD]` or a claim whose unit is CNY/USD")
    return "check the units of the ids and constants"


def _display_code(tree: Compare, left: Value, right: Value, env: _Env) -> str:
    """The unit to show both sides in: a bare id's, else the first unit of that dimension met."""
    dims = _dims(left.unit)
    preferred = [v.code for v in (left, right) if v.code and _dims(parse_unit(v.code)) == dims]
    for code in preferred + env.codes:
        if _dims(parse_unit(code)) == dims:
            return code
    return _code_of(left.unit)


def _side(v: Value, code: str) -> tuple[Interval, Side]:
    iv = v.interval.scale(1 / factor_to_base(code)) if code else v.interval
    lower, upper = interval_decimals(iv)
    return iv, Side(lower, upper, code or "dimensionless", v.text)


def _finding(relation: Relation, tree: Compare, left: Value, right: Value, code: str,
             involves: list[str]) -> Finding:
    liv, lside = _side(left, code)
    riv, rside = _side(right, code)
    ok = holds(tree.op, liv, riv)
    factor = None if ok else factor_apart(liv, riv)
    if ok:
        tail = "holds"
    elif liv.overlaps(riv):
        tail = "does not hold (the intervals only touch)"
    else:
        tail = describe_apart(liv, riv, code)
    bare = [isinstance(tree.left, Ref), isinstance(tree.right, Ref)]
    if tree.op == "==" and bare.count(True) == 1:
        ref_side, computed, civ = (left, right, riv) if bare[0] else (right, left, liv)
        message = (f"{computed.text} = {format_interval(civ, code)}, claimed {ref_side.text}: "
                   f"{tail}")
    else:
        symbol = "vs" if tree.op == "==" else COMPARISON_SYMBOLS[tree.op]
        message = (f"{_render(tree.left, left, liv, code)} {symbol} "
                   f"{_render(tree.right, right, riv, code)}: {tail}")
    return Finding(id=relation.id, kind="relation", holds=ok, message=message,
                   involves=tuple(involves), left=lside, right=rside, relation=relation.id,
                   source=relation.source, factor=decimal_factor(factor))


def decimal_factor(factor) -> tuple | None:
    """A finding's factor as Decimals to 6 significant digits, rounded outward; None if unbounded.

    An unbounded factor (one side reaches 0 or infinity) has no finite far end; the message
    says "at least N×" instead.
    """
    if not factor or any(isinstance(f, float) for f in factor):
        return None
    return to_decimal(factor[0], ROUND_FLOOR, 6), to_decimal(factor[1], ROUND_CEILING, 6)


def _render(node: Node, v: Value, iv: Interval, code: str) -> str:
    if isinstance(node, Ref):
        return f"{node.ident} ({v.text})"
    if isinstance(node, Num):
        return v.text
    return f"{v.text} = {format_interval(iv, code)}"
