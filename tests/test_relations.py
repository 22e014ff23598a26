"""Relations: evaluated with intervals and units, sound end to end, never an exception."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.errors import Origin
from kb.expr import BinOp, Convert, ExprError, Neg, Num, Ref, parse_relation
from kb.intervals import quantity_interval
from kb.model import Quantity, Relation, Statement
from kb.relations import RelationError, evaluate, holds, stated
from kb.units import factor_to_base

ORIGIN = Origin("relations.yaml", 1)


def st_(ident, amount, unit, bound="exact", lower=None, upper=None, precision=None):
    def d(x):
        return None if x is None else Decimal(x)

    return Statement(ident, "s", "p", Quantity(Decimal(amount), unit, bound, d(lower), d(upper),
                                               d(precision)), None, None, ORIGIN)


ENV = {s.id: s for s in [
    st_("dojo-exaflops", "1e20", "FLOPS"),
    st_("dojo-d1-count", "3000", "count"),
    st_("d1-vs-a100", "3.5", "ratio", "range", "3", "4"),
    st_("valuation-cny", "2.6e12", "CNY", precision="1e11"),
    st_("valuation-usd", "358.6e9", "USD", "approximately", precision="1e8"),
    st_("rate", "7.25", "CNY/USD", precision="0.01"),
    st_("payload", "150", "t"),
    st_("cost-per-kg", "10", "USD/kg", "approximately"),
    st_("launch-cost", "75e6", "USD", "approximately", precision="1e6"),
    st_("gap", "5e9", "USD", "more-than", "5e9", "6e9"),
    st_("share", "60", "percent"),
    st_("fraction", "0.6", "ratio", precision="0.01"),
    st_("nothing", "0", "count"),
]}


def rel(expression: str):
    return evaluate(Relation("r", "src", expression, "", ORIGIN), ENV)


def test_the_example_from_the_issue():
    f = rel("dojo-exaflops == dojo-d1-count * d1-vs-a100 * 312e12 [FLOPS]")
    assert not f.holds
    assert f.message == "3000 × 3–4 × 312 TFLOPS = 2.81–3.74 EFLOPS, claimed 100 EFLOPS: off by " \
                        "27–36×"
    assert (f.right.lower, f.right.upper, f.right.unit) == (Decimal("2.808e18"),
                                                            Decimal("3.744e18"), "FLOPS")
    assert f.factor == (Decimal("26.7094"), Decimal("35.6126"))
    assert f.involves == ("dojo-exaflops", "dojo-d1-count", "d1-vs-a100")


def test_currency_converts_through_a_stated_rate():
    f = rel("valuation-cny / valuation-usd == 7.25 [CNY/USD]")
    assert f.holds
    assert f.message == "2.6 trillion CNY ÷ ≈358.6 billion USD = 6.77–7.78 CNY/USD vs " \
                        "7.25 CNY/USD: holds"
    assert rel("valuation-usd * rate == valuation-cny").holds


def test_units_of_one_dimension_convert_automatically():
    f = rel("payload * cost-per-kg < launch-cost")
    assert f.holds  # 150 t = 150,000 kg at about 10 USD/kg: 1.5 million < 75 million
    assert rel("share == fraction").holds  # 60% = 0.6
    converted = rel("(payload * cost-per-kg) [USD] < launch-cost")
    assert converted.left.unit == "USD"


def test_parenthesised_subexpressions_are_shown_with_parentheses():
    f = rel("launch-cost / (payload * cost-per-kg) > 10")
    assert f.message.startswith("≈75 million USD ÷ (150 t × ≈10 USD/kg) = ")


@pytest.mark.parametrize("op,left,right,expected", [
    ("==", (1, 2), (2, 3), True), ("==", (1, 2), (3, 4), False),
    ("<", (1, 2), (2, 3), True), ("<", (2, 3), (1, 2), False),
    ("<=", (2, 3), (1, 2), True), ("<=", (3, 4), (1, 2), False),
    (">", (3, 4), (1, 3), True), (">", (1, 2), (2, 3), False),
    (">=", (1, 2), (2, 3), True), (">=", (1, 2), (3, 4), False),
])
def test_a_comparison_holds_when_some_values_satisfy_it(op, left, right, expected):
    from kb.intervals import Interval

    assert holds(op, Interval.of(*left), Interval.of(*right)) is expected


@pytest.mark.parametrize("expression,message", [
    ("valuation-cny == valuation-usd", "the two sides have different dimensions: CNY "
     "([currency_CNY]) and USD ([currency_USD]) at column 15"),
    ("valuation-cny - valuation-usd > 0 [CNY]", "cannot subtract CNY ([currency_CNY]) and USD "
     "([currency_USD]) at column 15"),
    ("launch-cost / nothing > 1 [USD]", "division by zero: 0 is exactly 0 at column 13"),
    ("payload == 3 [tonnez]", "unknown unit 'tonnez' at column 12"),
    ("payload [USD] == 1 [USD]", "cannot convert t ([mass]) to USD ([currency_USD]) at column 9"),
    ("payload ==", "malformed expression: expected a number, an id or '(', found the end at "
     "column 11"),
    ("payload = 3", "malformed expression: unexpected character '=' at column 9"),
    ("unknown-id == 3", "unknown claim or evidence 'unknown-id' at column 1"),
])
def test_errors_name_the_column(expression, message):
    with pytest.raises(RelationError) as info:
        rel(expression)
    assert str(info.value).startswith(message + ";"), str(info.value)


def test_stated_reads_like_the_text():
    assert stated(ENV["valuation-usd"].quantity) == "≈358.6 billion USD"
    assert stated(ENV["gap"].quantity) == "5–6 billion USD"
    assert stated(ENV["d1-vs-a100"].quantity) == "3–4"
    assert stated(ENV["share"].quantity) == "60%"


# -- properties ------------------------------------------------------------------------------------

NUMERIC = ["dojo-d1-count", "d1-vs-a100", "payload", "cost-per-kg", "launch-cost", "gap",
           "share", "fraction", "valuation-cny", "rate"]


@st.composite
def expressions(draw, depth=3):
    """Random expression text over ENV's ids and constants (some ill-dimensioned)."""
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        if draw(st.booleans()):
            return draw(st.sampled_from(NUMERIC))
        value = draw(st.sampled_from(["2", "0.5", "7.25", "312e12", "1e-3"]))
        unit = draw(st.sampled_from(["", " [kg]", " [USD]", " [CNY/USD]", " [t]"]))
        return value + unit
    op = draw(st.sampled_from([" + ", " - ", " * ", " / "]))
    left, right = draw(expressions(depth - 1)), draw(expressions(depth - 1))
    if draw(st.booleans()):
        return f"({left}{op}{right})"
    return f"-{left}" if draw(st.integers(0, 5)) == 0 else f"{left}{op}{right}"


def point_value(node, picks):
    """The exact value of a tree in base units, with each id at a chosen point of its interval."""
    if isinstance(node, Ref):
        return picks[node.ident]
    if isinstance(node, Num):
        return node.value * (factor_to_base(node.unit) if node.unit else 1)
    if isinstance(node, Neg):
        return -point_value(node.operand, picks)
    if isinstance(node, Convert):
        return point_value(node.operand, picks)
    a, b = point_value(node.left, picks), point_value(node.right, picks)
    assert isinstance(node, BinOp)
    return {"+": a + b, "-": a - b, "*": a * b}[node.op] if node.op != "/" else a / b


@settings(max_examples=300, deadline=None)
@given(expressions(), expressions(), st.data())
def test_true_values_lie_in_the_computed_sides(left, right, data):
    """Whenever each id's true value lies in its interval, each side's true value lies in the
    interval the finding reports (in its unit); otherwise the relation is a RelationError."""
    try:
        finding = rel(f"{left} == {right}")
    except RelationError:
        return
    tree = parse_relation(f"{left} == {right}")
    picks = {}
    for ident in NUMERIC:
        q = ENV[ident].quantity
        iv = quantity_interval(q)
        t = data.draw(st.fractions(min_value=0, max_value=1, max_denominator=50))
        picks[ident] = (iv.lo + t * (iv.hi - iv.lo)) * factor_to_base(q.unit)
    for node, side in ((tree.left, finding.left), (tree.right, finding.right)):
        try:
            true = point_value(node, picks)
        except ZeroDivisionError:
            continue
        shown = true / (factor_to_base(side.unit) if side.unit != "dimensionless" else 1)
        assert side.lower is None or Fraction(side.lower) <= shown, (node, side)
        assert side.upper is None or shown <= Fraction(side.upper), (node, side)


@given(st.text(alphabet="abc-xyz 0123456789.e+*/()[]=<>!USDkg,", max_size=40))
def test_any_text_gives_a_finding_or_a_clear_error(text):
    try:
        parse_relation(text)
    except ExprError as exc:
        assert exc.column >= 1
    try:
        rel(text)
    except RelationError as exc:
        assert " at column " in str(exc)
