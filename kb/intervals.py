"""Exact interval arithmetic over Fractions and infinities, and the interval a quantity states.

An Interval is closed: [lo, hi] with exact Fraction ends, or -inf/+inf (math.inf) when a side is
unbounded. Open ends in the text ("more than 5 billion") are treated as closed, which only ever
widens an interval: a relation is reported as failing only when it fails even with the
endpoints included.

Every operation is sound: whenever x lies in X and y in Y, x op y lies in X op Y. Products of an
endpoint 0 with an infinite endpoint count as 0 (the usual convention of extended interval
arithmetic: 0 times any finite member of an unbounded interval is 0). Division by an interval
that is exactly [0, 0] is undefined and raises IntervalError; division by an interval that
merely contains 0 gives the sound hull of all finite quotients, which is unbounded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, localcontext
from fractions import Fraction
from functools import lru_cache
from typing import overload

from .model import Quantity

# "Approximately" (约/省略/大约/左右/险阻/about) allows 5% either way, or half the stated
# precision if that is wider: "约 176 亿" is 176 亿 ± 8.8 亿.
APPROXIMATELY = Fraction(5, 100)

INF = math.inf
Bound = Fraction | float  # a Fraction, or -inf / +inf


class IntervalError(ArithmeticError):
    """An operation with no defined result, such as division by exactly zero."""


def _frac(x: Fraction | int | Decimal | float) -> Bound:
    if isinstance(x, float) and math.isinf(x):
        return x
    return Fraction(x)


@dataclass(frozen=True)
class Interval:
    """A closed interval [lo, hi]; lo may be -inf and hi +inf."""

    lo: Bound
    hi: Bound

    def __post_init__(self):
        if self.lo == INF or self.hi == -INF or self.lo > self.hi:
            raise ValueError(f"not an interval: [{self.lo}, {self.hi}]")

    @classmethod
    def point(cls, x: Fraction | int | Decimal) -> Interval:
        """The interval holding exactly one value."""
        return cls(_frac(x), _frac(x))

    @classmethod
    def of(cls, lo, hi) -> Interval:
        """An interval from any exact numbers (int, Decimal, Fraction) or infinities."""
        return cls(_frac(lo), _frac(hi))

    @property
    def bounded(self) -> bool:
        """Whether both ends are finite."""
        return not (math.isinf(self.lo) or math.isinf(self.hi))

    @property
    def is_point(self) -> bool:
        """Whether the interval holds a single value."""
        return self.lo == self.hi

    def contains(self, x) -> bool:
        """Whether x lies in the interval."""
        return self.lo <= x <= self.hi

    def overlaps(self, other: Interval) -> bool:
        """Whether the two intervals share at least one value."""
        return self.lo <= other.hi and other.lo <= self.hi

    def __neg__(self) -> Interval:
        return Interval(-self.hi, -self.lo)

    def __add__(self, other: Interval) -> Interval:
        return Interval(self.lo + other.lo, self.hi + other.hi)

    def __sub__(self, other: Interval) -> Interval:
        return self + (-other)

    def __mul__(self, other: Interval) -> Interval:
        products = [_mul(a, b) for a in (self.lo, self.hi) for b in (other.lo, other.hi)]
        return Interval(min(products), max(products))

    def __truediv__(self, other: Interval) -> Interval:
        return self * other.reciprocal()

    def reciprocal(self) -> Interval:
        """1 / x for every non-zero x in the interval (sound hull)."""
        lo, hi = self.lo, self.hi
        if lo == 0 and hi == 0:
            raise IntervalError("division by zero: the divisor is exactly 0")
        if lo < 0 < hi:
            return Interval(-INF, INF)
        if lo == 0:
            return Interval(_inv(hi), INF)
        if hi == 0:
            return Interval(-INF, _inv(lo))
        return Interval(_inv(hi), _inv(lo))

    def scale(self, k: Fraction) -> Interval:
        """The interval multiplied by an exact constant."""
        # Most statements are compared in their own unit (k = 1), and a positive k keeps the
        # ends in order: two products instead of four, or none (a fifth of the contradictions'
        # time at 10,000 claims went to these).
        if k == 1:
            return self
        if k > 0:
            return Interval(_mul(self.lo, k), _mul(self.hi, k))
        return self * Interval.point(k)


def _mul(a: Bound, b: Bound) -> Bound:
    if a == 0 or b == 0:
        return Fraction(0)
    if isinstance(a, float) or isinstance(b, float):
        return INF if (a > 0) == (b > 0) else -INF
    return a * b


def _inv(x: Bound) -> Bound:
    return Fraction(0) if math.isinf(x) else 1 / x


def quantity_interval(q: Quantity) -> Interval:
    """The values a quantity allows, in its own unit.

    exact:              amount ± precision/2 (a point if no precision is given)
    approximately:      amount ± max(precision/2, 5% of |amount|)
    at-least/more-than: [lower, upper or +inf)
    at-most/less-than:  [0 if amount >= 0 else -inf, upper]
    range:              [lower − precision/2, upper + precision/2]
    """
    amount = Fraction(q.amount)
    half = Fraction(q.precision) / 2 if q.precision is not None else Fraction(0)
    lower, upper = q.implied_bounds()
    if q.bound == "approximately":
        slack = max(half, APPROXIMATELY * abs(amount))
        return Interval(amount - slack, amount + slack)
    # implied_bounds gives a one-sided bound its amount as that side.
    if q.bound in ("at-least", "more-than") and lower is not None:
        return _hull(Fraction(lower), Fraction(upper) if upper is not None else INF)
    if q.bound in ("at-most", "less-than") and upper is not None:
        return _hull(Fraction(0) if amount >= 0 else -INF, Fraction(upper))
    if q.bound == "range" and lower is not None and upper is not None:
        return _hull(Fraction(lower) - half, Fraction(upper) + half)
    return Interval(amount - half, amount + half)


def _hull(a: Bound, b: Bound) -> Interval:
    # Inconsistent bounds (lower above upper) are a shape error reported elsewhere; the
    # interval of such data must still be defined, so it spans both.
    return Interval(min(a, b), max(a, b))


def factor_apart(a: Interval, b: Interval) -> tuple[Bound, Bound] | None:
    """By how much two disjoint intervals of the same sign are apart, as (nearest, farthest).

    Both factors are >= 1: the larger side divided by the smaller. None when the intervals
    overlap or when a ratio has no meaning (the intervals straddle or touch zero).
    """
    if a.overlaps(b):
        return None
    low, high = (a, b) if a.hi < b.lo else (b, a)
    if low.lo >= 0 and low.hi > 0:
        near = high.lo / low.hi
        far = INF if low.lo == 0 or math.isinf(high.hi) else high.hi / low.lo
        return near, far
    if high.hi <= 0 and high.lo < 0:
        near = low.hi / high.lo
        far = INF if high.hi == 0 or math.isinf(low.lo) else low.lo / high.hi
        return near, far
    return None


@overload
def to_decimal(x: Fraction, rounding: str = ..., digits: int = ...) -> Decimal: ...
@overload
def to_decimal(x: Bound, rounding: str = ..., digits: int = ...) -> Decimal | None: ...
def to_decimal(x: Bound, rounding: str = ROUND_FLOOR, digits: int = 28) -> Decimal | None:
    """A Fraction as a Decimal (exact when it can be, else rounded outward); None for ±inf."""
    if isinstance(x, float):
        return None
    with localcontext() as ctx:
        ctx.prec = digits
        ctx.rounding = rounding
        value = Decimal(x.numerator) / Decimal(x.denominator)
    return value


def interval_decimals(iv: Interval) -> tuple[Decimal | None, Decimal | None]:
    """The ends of an interval as Decimals rounded outward (None where unbounded)."""
    return to_decimal(iv.lo, ROUND_FLOOR), to_decimal(iv.hi, ROUND_CEILING)


# -- display ---------------------------------------------------------------------------------------

# Units shown with SI prefixes (2.8 EFLOPS); prefixed forms are normalised first (312 TFLOPS).
SI_UNITS = ("FLOPS", "FLOP", "W", "Wh", "Hz", "B", "bit")
_SI_PREFIXES = ((18, "E"), (15, "P"), (12, "T"), (9, "G"), (6, "M"), (3, "k"))
# Everything else (money, counts, tonnes) uses short-scale words in English and 万/亿 in Chinese.
_WORDS = {"en": ((12, " trillion"), (9, " billion"), (6, " million")),
          "zh": ((16, " 亿亿"), (12, " 万亿"), (8, " 亿"), (4, " 万"))}
_BARE_UNITS = ("count", "ratio", "dimensionless", "")


def _split_si(unit: str) -> tuple[int, str]:
    for exp, prefix in _SI_PREFIXES:
        if unit.startswith(prefix) and unit[len(prefix):] in SI_UNITS:
            return exp, unit[len(prefix):]
    return 0, unit


def _scale_for(x: Bound, unit: str, lang: str) -> tuple[int, str, str]:
    """(power of ten, text after the number, unit text) to show a magnitude like x with."""
    exp, base = _split_si(unit)
    mag = abs(x) * Fraction(10) ** exp if not isinstance(x, float) else Fraction(0)
    if base in SI_UNITS:
        for e, prefix in _SI_PREFIXES:
            if mag >= Fraction(10) ** e:
                return e - exp, "", f" {prefix}{base}"
        return -exp, "", f" {base}"
    if unit == "percent":
        return 0, "", "%"
    tail = "" if unit in _BARE_UNITS else f" {unit}"
    for e, word in _WORDS[lang]:
        if mag >= Fraction(10) ** e:
            return e, word, tail
    return 0, "", tail


def _mantissa(x: Fraction, digits: int, group: bool) -> str:
    if x == 0:
        return "0"
    if x.denominator == 1 and abs(x) < 10**6:  # whole numbers are never rounded: 2019, 3000
        return f"{int(x):,}" if group and abs(x) >= 10000 else str(int(x))
    d = to_decimal(x, digits=40)
    q = Decimal(1).scaleb(d.adjusted() - digits + 1)
    with localcontext() as ctx:
        # quantize needs room for every digit it keeps, past the default 28.
        ctx.prec = max(ctx.prec, d.adjusted() - q.adjusted() + 2)
        text = format(d.quantize(q), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if group and "." not in text and abs(int(text)) >= 10000:
        text = f"{int(text):,}"
    return text


def format_amount(x: Bound, unit: str = "", lang: str = "en", digits: int = 6) -> str:
    """A number in a unit, scaled for reading: 81.462 billion USD, 2.808 EFLOPS, 814.62 亿 USD."""
    if isinstance(x, float):
        return "+∞" if x > 0 else "-∞"
    e, word, tail = _scale_for(abs(x), unit, lang)
    return f"{_mantissa(x / Fraction(10) ** e, digits, not word)}{word}{tail}"


def format_interval(iv: Interval, unit: str = "", lang: str = "en", digits: int = 3) -> str:
    """An interval for reading: '2.34–4.21 EFLOPS', '≥ 5 billion USD', '60%'."""
    if not iv.bounded:
        if math.isinf(iv.lo) and math.isinf(iv.hi):
            return "any value"
        sign, x = ("≥ ", iv.lo) if math.isinf(iv.hi) else ("≤ ", iv.hi)
        return sign + format_amount(x, unit, lang, max(digits, 6))
    if iv.is_point:
        return format_amount(iv.lo, unit, lang, max(digits, 6))
    # Both ends are finite here: Fractions.
    lo, hi = Fraction(iv.lo), Fraction(iv.hi)
    e, word, tail = _scale_for(max(abs(lo), abs(hi)), unit, lang)
    scale = Fraction(10) ** e
    lo, hi = lo / scale, hi / scale
    group = not word
    for n in range(digits, 10):
        a, b = _mantissa(lo, n, group), _mantissa(hi, n, group)
        if a != b:
            break
    dash = " to " if lo < 0 else "–"  # "-10.3 to -10", never "-10.3–-10"
    return f"{a}{dash}{b}{word}{tail}"


# A ratio below this says little ("off by 1×"), and for calendar years (2019 against 2017)
# nothing: unless its far end is large, the distance between the intervals is shown instead.
MEANINGFUL_FACTOR = Fraction(11, 10)
LARGE_FACTOR = 2


@lru_cache(maxsize=1 << 16)
def describe_apart(a: Interval, b: Interval, unit: str) -> str:
    """How far apart two disjoint intervals are: 'off by 24–43×' or 'off by 1–3 year'."""
    # Cached: articles repeat a figure, so a figure's contradictions repeat a pair of values.
    factor = factor_apart(a, b)
    if factor and (factor[0] >= MEANINGFUL_FACTOR or LARGE_FACTOR <= factor[1] < INF):
        return f"off by {format_factor(factor)}"
    low, high = (a, b) if a.hi < b.lo else (b, a)
    near, far = high.lo - low.hi, high.hi - low.lo
    # A far end hundreds of times the near one comes from a bound open to 0 or infinity
    # ("≤ 2017" is [0, 2017]); only the near end then says anything.
    if far == INF or far > 100 * near:
        return f"off by at least {format_amount(near, unit, digits=3)}"
    return f"off by {format_interval(Interval(near, far), unit)}"


def format_factor(factor: tuple[Bound, Bound]) -> str:
    """A factor range for reading: '27–36×', '1.1×', 'at least 24×'."""
    def one(x: Bound) -> str:
        if x >= 10**6:  # a factor of millions is read as a power of ten: "4.9e28×"
            mantissa, _, exponent = f"{float(x):.2g}".partition("e")
            return f"{mantissa}e{int(exponent)}"
        return _mantissa(Fraction(x), 2 if x < 10 else max(2, len(str(int(x)))), False)

    near, far = factor
    if math.isinf(far):
        return f"at least {one(near)}×"
    a, b = one(near), one(far)
    return f"{a}×" if a == b else f"{a}–{b}×"
