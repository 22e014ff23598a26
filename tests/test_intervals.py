"""Interval arithmetic: sound for every operator (hypothesis); the interval each bound states."""

from __future__ import annotations

import math
import operator
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kb.intervals import (
    APPROXIMATELY,
    INF,
    Interval,
    IntervalError,
    describe_apart,
    factor_apart,
    format_factor,
    format_interval,
    quantity_interval,
)
from kb.model import Quantity

F = Fraction
numbers = st.one_of(
    st.fractions(min_value=-10**6, max_value=10**6, max_denominator=1000),
    st.sampled_from([F(0), F(1), F(-1)]),
)


@st.composite
def member_of_interval(draw):
    """An interval (sometimes unbounded on a side, sometimes touching 0) and a value in it."""
    a, b = sorted([draw(numbers), draw(numbers)])
    lo = -INF if draw(st.integers(0, 4)) == 0 else a
    hi = INF if draw(st.integers(0, 4)) == 0 else b
    x = a + draw(st.fractions(min_value=0, max_value=1, max_denominator=100)) * (b - a)
    if lo == -INF and draw(st.booleans()):
        x = a - draw(st.fractions(min_value=0, max_value=10**6, max_denominator=10))
    if hi == INF and draw(st.booleans()):
        x = b + draw(st.fractions(min_value=0, max_value=10**6, max_denominator=10))
    return Interval(lo, hi), x


def well_formed(iv: Interval) -> bool:
    return not (math.isnan(iv.lo) or math.isnan(iv.hi)) and iv.lo <= iv.hi


@pytest.mark.parametrize("op", [operator.add, operator.sub, operator.mul])
@given(member_of_interval(), member_of_interval())
def test_sound_for_add_sub_mul(op, xs, ys):
    (X, x), (Y, y) = xs, ys
    result = op(X, Y)
    assert well_formed(result)
    assert result.contains(op(x, y)), f"{X} {op.__name__} {Y} = {result} misses {op(x, y)}"


@given(member_of_interval(), member_of_interval())
def test_sound_for_division(xs, ys):
    (X, x), (Y, y) = xs, ys
    assume(y != 0)  # the true divisor is never 0: division by 0 has no true result
    result = X / Y
    assert well_formed(result)
    assert result.contains(x / y), f"{X} / {Y} = {result} misses {x / y}"


@given(member_of_interval(), numbers)
def test_scaling_is_multiplying_by_the_point(xs, k):
    # scale takes shortcuts for k = 1 and k > 0; the interval must be the product's.
    X, _ = xs
    assert X.scale(k) == X * Interval.point(k)


@given(member_of_interval())
def test_sound_for_negation(xs):
    X, x = xs
    assert (-X).contains(-x)


@given(member_of_interval())
def test_division_by_exactly_zero_is_an_error(xs):
    X, _ = xs
    with pytest.raises(IntervalError, match="division by zero"):
        X / Interval.point(0)


def test_division_by_an_interval_containing_zero_is_unbounded():
    assert Interval.of(1, 2) / Interval.of(-1, 1) == Interval(-INF, INF)
    assert Interval.of(1, 2) / Interval.of(0, 4) == Interval(F(1, 4), INF)
    assert Interval.of(1, 2) / Interval.of(-4, 0) == Interval(-INF, F(-1, 4))
    assert Interval.point(0) / Interval.of(0, 4) == Interval.point(0)


def test_zero_times_unbounded_is_zero_at_the_endpoint():
    assert Interval.of(0, 2) * Interval(F(3), INF) == Interval(F(0), INF)
    assert Interval.point(0) * Interval(-INF, INF) == Interval.point(0)


def test_arithmetic_is_exact():
    third = Interval.point(1) / Interval.point(3)
    assert third == Interval.point(F(1, 3))
    assert (third * Interval.point(3)).lo == 1


# -- the interval a quantity states ----------------------------------------------------------------

def q(amount, bound="exact", lower=None, upper=None, precision=None):
    def d(x):
        return None if x is None else Decimal(x)

    return Quantity(Decimal(amount), "USD", bound, d(lower), d(upper), d(precision))


@pytest.mark.parametrize("quantity,lo,hi", [
    (q("81462e6", precision="1e6"), F(814615, 10) * 10**6, F(814625, 10) * 10**6),
    (q("3000"), F(3000), F(3000)),
    # approximately: 5% (176 亿: ±8.8 亿) unless half the precision is wider
    (q("176e8", "approximately", precision="1e8"), F(1672) * 10**7, F(1848) * 10**7),
    (q("10", "approximately", precision="10"), F(5), F(15)),
    (q("-20", "approximately"), F(-21), F(-19)),
    (q("6e11", "more-than"), F(6 * 10**11), INF),
    (q("5e9", "more-than", lower="5e9", upper="6e9"), F(5 * 10**9), F(6 * 10**9)),
    (q("1000", "at-least"), F(1000), INF),
    (q("7000", "at-most"), F(0), F(7000)),
    (q("50", "less-than"), F(0), F(50)),
    (q("-5", "less-than"), -INF, F(-5)),
    (q("3.5", "range", lower="3", upper="4", precision="1"), F(5, 2), F(9, 2)),
    (q("2.15e7", "range", lower="1.5e7", upper="2.8e7", precision="1e4"), F(14995000),
     F(28005000)),
])
def test_quantity_interval(quantity, lo, hi):
    assert quantity_interval(quantity) == Interval(lo, hi)


def test_approximately_follows_its_named_tolerance():
    iv = quantity_interval(q("200", "approximately"))
    assert (iv.lo, iv.hi) == (200 * (1 - APPROXIMATELY), 200 * (1 + APPROXIMATELY))


# -- how far apart, and how it reads ---------------------------------------------------------------

def test_factor_apart_is_nearest_and_farthest_ratio():
    computed = Interval.of(F(2808, 1000), F(3744, 1000))
    claimed = Interval.point(100)
    assert factor_apart(claimed, computed) == (F(100) / F(3744, 1000), F(100) / F(2808, 1000))
    assert factor_apart(Interval.of(1, 2), Interval.of(2, 3)) is None  # touching: overlap
    assert factor_apart(Interval.of(-2, 1), Interval.of(5, 6)) is None  # straddles zero
    assert factor_apart(Interval.of(-10, -8), Interval.of(-4, -2)) == (F(2), F(5))
    assert factor_apart(Interval.of(0, 1), Interval.of(3, 4)) == (F(3), INF)


def test_describe_apart_uses_a_difference_when_a_ratio_says_little():
    assert describe_apart(Interval.point(100), Interval.point(10), "USD") == "off by 10×"
    # a small near factor with a large far one is still a factor
    assert describe_apart(Interval.of(F(1, 2), F(3, 2)), Interval.of(F(1, 4), F(47, 100)),
                          "USD") == "off by 1.1–6×"
    assert describe_apart(Interval.of(F(40435, 2), F(40437, 2)), Interval.of(F(40455, 2),
                          F(40457, 2)), "year") == "off by 9–11 year"
    assert describe_apart(Interval.point(2019), Interval.of(0, 2017), "year") == \
        "off by at least 2 year"
    assert describe_apart(Interval.point(2019), Interval(-INF, F(2017)), "year") == \
        "off by at least 2 year"


@pytest.mark.parametrize("iv,unit,text", [
    (Interval.of(F(2808) * 10**15, F(3744) * 10**15), "FLOPS", "2.81–3.74 EFLOPS"),
    (Interval.point(F(81462) * 10**6), "USD", "81.462 billion USD"),
    (Interval.point(312), "TFLOPS", "312 TFLOPS"),
    (Interval.of(3, 4), "ratio", "3–4"),
    (Interval.of(F(595, 10), F(605, 10)), "percent", "59.5–60.5%"),
    (Interval.point(320000), "count", "320,000"),
    (Interval(F(5 * 10**9), INF), "USD", "≥ 5 billion USD"),
    (Interval(-INF, INF), "USD", "any value"),
    (Interval.of(-F(103, 10) * 10**9, -10**10), "USD", "-10.3 to -10 billion USD"),
])
def test_format_interval(iv, unit, text):
    assert format_interval(iv, unit) == text


def test_format_interval_in_chinese_scales():
    assert format_interval(Interval.point(F(81462) * 10**6), "USD", "zh") == "814.62 亿 USD"


def test_format_factor():
    assert format_factor((F(267, 10), F(356, 10))) == "27–36×"
    assert format_factor((F(11, 10), F(11, 10))) == "1.1×"
    assert format_factor((F(24), INF)) == "at least 24×"


def test_format_factor_of_huge_ratios():
    # Found by hypothesis: a 29-digit factor overflowed decimal's default precision.
    assert format_factor((F(48672 * 10**24), F(48672 * 10**24 + 1))) == "4.9e28×"
    assert format_factor((F(2 * 10**6), INF)) == "at least 2e6×"
    assert format_factor((F(999_999), F(999_999))) == "999999×"
