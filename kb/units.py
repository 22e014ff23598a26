"""The one unit registry: a small exact table of SI units, currencies and counts.

It used to be pint, whose import and set-up cost about a quarter of a `kb check` of the seed
(docs/benchmarks.md). The table keeps pint's names, dimensions and
factors for every unit it lists (tests/test_units.py compares them with pint), so results and
messages are what they were; the factors are exact Fractions instead of floats.
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache

from .limits import shorten

# Currencies are separate dimensions so that CNY never silently converts to USD: a conversion
# needs an exchange rate (CNY/USD) taken from a claim or from evidence.
CURRENCIES = ("USD", "CNY", "TWD", "KRW", "EUR", "JPY", "HKD", "GBP")

Dims = tuple[tuple[str, int], ...]  # base dimension and exponent, in pint's order
_TIME: Dims = (("[time]", 1),)
_LENGTH: Dims = (("[length]", 1),)
_MASS: Dims = (("[mass]", 1),)
_POWER: Dims = (("[mass]", 1), ("[length]", 2), ("[time]", -3))
_ENERGY: Dims = (("[mass]", 1), ("[length]", 2), ("[time]", -2))
_YEAR = Fraction(31557600)  # the Julian year of 365.25 days, as pint defines it

# symbol -> (pint's name, factor to the base unit of its dimension, dimension, takes SI prefixes)
_UNITS: dict[str, tuple[str, Fraction, Dims, bool]] = {
    **{code: (code, Fraction(1), ((f"[currency_{code}]", 1),), False) for code in CURRENCIES},
    # Floating-point operations are counted, not timed: FLOP is a quantity of work.
    "FLOP": ("FLOP", Fraction(1), (("[computation]", 1),), True),
    "FLOPS": ("FLOPS", Fraction(1), (("[computation]", 1), ("[time]", -1)), True),
    "ratio": ("ratio", Fraction(1), (), False),
    "count": ("count", Fraction(1), (), False),
    "percent": ("percent", Fraction(1, 100), (), False),
    "%": ("percent", Fraction(1, 100), (), False),
    "permille": ("permille", Fraction(1, 1000), (), False),
    # A change of a percentage is not a percentage of it: 2 个百分点 is not 2 %. Each is its own
    # dimension so that a claim in one never silently compares with a mention in the other.
    "percentage_point": ("percentage_point", Fraction(1), (("[percentage_point]", 1),), False),
    "basis_point": ("basis_point", Fraction(1, 100), (("[percentage_point]", 1),), False),
    "index_point": ("index_point", Fraction(1), (("[index_point]", 1),), False),
    "m": ("meter", Fraction(1), _LENGTH, True),
    "g": ("gram", Fraction(1, 1000), _MASS, True),
    "t": ("metric_ton", Fraction(1000), _MASS, False),
    "s": ("second", Fraction(1), _TIME, True),
    "min": ("minute", Fraction(60), _TIME, False),
    "h": ("hour", Fraction(3600), _TIME, False),
    "d": ("day", Fraction(86400), _TIME, False),
    "week": ("week", Fraction(604800), _TIME, False),
    "month": ("month", _YEAR / 12, _TIME, False),
    "year": ("year", _YEAR, _TIME, False),
    "W": ("watt", Fraction(1), _POWER, True),
    "Wh": ("watt_hour", Fraction(3600), _ENERGY, True),
    "Hz": ("hertz", Fraction(1), (("[time]", -1),), True),
    # pint counts information in bits, as a number: a byte is 8 of them, dimensionless.
    "B": ("byte", Fraction(8), (), True),
    "bit": ("bit", Fraction(1), (), False),
    "A": ("ampere", Fraction(1), (("[current]", 1),), True),
    "Ah": ("ampere_hour", Fraction(3600), (("[current]", 1), ("[time]", 1)), True),
    # Only the unit itself (a temperature is not scaled but shifted; pint's factor for 1 degC
    # is 274.15 K): no other temperature unit is listed, so nothing converts to or from it.
    "degC": ("degree_Celsius", Fraction(1), (("[temperature]", 1),), False),
    # The mention reader's words 季度, 点 and 年代 name these; pint knows them as the imperial
    # quarter (a mass), the typographic point (a length) and a dimensionless decade, so a
    # quote "3个季度" does not read as a duration. Kept as pint had them (results unchanged).
    "quarter": ("quarter", Fraction(28 * 45359237, 10**8), _MASS, False),
    "point": ("point", Fraction(127, 360000), _LENGTH, False),
    "decade": ("decade", Fraction(10), (), False),
}
# pint's names (and their plurals) are codes as well: kilogram, years, watt_hour.
_NAMES = {entry[0]: entry for entry in _UNITS.values()}
_PREFIXES = {"E": ("exa", 18), "P": ("peta", 15), "T": ("tera", 12), "G": ("giga", 9),
             "M": ("mega", 6), "k": ("kilo", 3), "c": ("centi", -2), "m": ("milli", -3),
             "u": ("micro", -6), "n": ("nano", -9)}
_TOKEN = re.compile(r"\s*(?:(?P<op>[*/])\s*)?(?P<name>[A-Za-z_%]\w*|1)"
                    r"(?:\s*(?:\*\*|\^)\s*(?P<exp>-?[1-4]))?\s*")


# A unit code longer than this is no unit: it would only be echoed back in a long message.
MAX_UNIT_CHARS = 40


class UnitError(ValueError):
    """A unit code the registry does not know, or a dimension mismatch."""


class Unit:
    """A product of named units with integer exponents, in the order pint keeps them."""

    __slots__ = ("items",)

    def __init__(self, items: tuple[tuple[str, int], ...] = ()):
        self.items = items

    def _combine(self, other: Unit, sign: int) -> Unit:
        # As pint multiplies its containers: the left's names first, then the right's new ones.
        exps = dict(self.items)
        for name, exp in other.items:
            exps[name] = exps.get(name, 0) + sign * exp
            if not exps[name]:
                del exps[name]
        return Unit(tuple(exps.items()))

    def __mul__(self, other: Unit) -> Unit:
        return self._combine(other, 1)

    def __truediv__(self, other: Unit) -> Unit:
        return self._combine(other, -1)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Unit) and self.items == other.items

    def __hash__(self) -> int:
        return hash(self.items)

    def __repr__(self) -> str:
        return f"Unit({self.items!r})"

    def dims(self) -> Dims:
        """The base dimensions and their exponents (empty when dimensionless)."""
        total: dict[str, int] = {}
        for name, exp in self.items:
            for dim, e in _lookup(name)[2]:
                total[dim] = total.get(dim, 0) + e * exp
        return tuple((d, e) for d, e in total.items() if e)

    def factor(self) -> Fraction:
        """The exact factor to the base units of its dimension."""
        result = Fraction(1)
        for name, exp in self.items:
            result *= _lookup(name)[1] ** exp
        return result


DIMENSIONLESS = Unit()


@lru_cache(maxsize=1024)
def _lookup(code: str) -> tuple[str, Fraction, Dims, bool]:
    """A single unit by symbol or name, SI prefix and plural allowed; KeyError if unknown."""
    if entry := _UNITS.get(code) or _NAMES.get(code):
        return entry
    # As pint reads them: a prefix symbol before a symbol (kWh), a prefix name before a name
    # (kilowatt_hour).
    for symbol, (name, power) in _PREFIXES.items():
        for prefix, table in ((symbol, _UNITS), (name, _NAMES)):
            base = table.get(code[len(prefix):]) if code.startswith(prefix) else None
            if base and base[3]:
                return name + base[0], base[1] * Fraction(10) ** power, base[2], False
    if code.endswith("s") and (entry := _NAMES.get(code[:-1])):
        return entry
    raise KeyError(code)


def format_dims(dims: Dims) -> str:
    """Dimensions as pint writes them: '[currency_USD] * [time] ** 2 / [mass] / [length] ** 2'."""
    def power(dim: str, exp: int) -> str:
        return dim if exp == 1 else f"{dim} ** {exp}"

    up = " * ".join(power(d, e) for d, e in dims if e > 0) or "1"
    return up + "".join(f" / {power(d, -e)}" for d, e in dims if e < 0)


@lru_cache(maxsize=1024)
def parse_unit(code: str) -> Unit:
    """Parse a unit code such as USD, USD/kg, FLOPS or t; raise UnitError if unknown."""
    if not code or not code.strip():
        raise UnitError("empty unit")
    if len(code) > MAX_UNIT_CHARS:
        raise UnitError(f"unknown unit '{code[:MAX_UNIT_CHARS]}'")
    if code.strip() == "dimensionless":
        return DIMENSIONLESS
    unit, pos = DIMENSIONLESS, 0
    while pos < len(code):
        m = _TOKEN.match(code, pos)
        if not m or (pos == 0) == bool(m["op"]) or (m["name"] == "1" and pos):
            raise UnitError(f"unknown unit '{code}'")
        pos = m.end()
        if m["name"] == "1":
            continue
        try:
            name = _lookup(m["name"])[0]
        except KeyError:
            raise UnitError(f"unknown unit '{code}'") from None
        term = Unit(((name, int(m["exp"] or 1)),))
        unit = unit / term if m["op"] == "/" else unit * term
    return unit


def unit_problem(code: str) -> str | None:
    """A message saying why a unit code is not usable, or None when it is."""
    try:
        parse_unit(code)
    except UnitError:
        return (f"unknown unit '{shorten(code)}'; use a unit such as USD, CNY, count, ratio, "
                "FLOPS, t, kg, USD/kg or USD/kWh")
    return None


def unit_dimension(unit: Unit) -> str:
    """A parsed unit's dimensionality as a canonical string, e.g. '[currency_USD] / [mass]'."""
    dims = unit.dims()
    return format_dims(dims) if dims else "dimensionless"


@lru_cache(maxsize=1024)
def dimension(code: str) -> str:
    """The dimensionality of a unit as a canonical string, e.g. '[currency_USD] / [mass]'."""
    return unit_dimension(parse_unit(code))


@lru_cache(maxsize=1024)
def factor_to_base(code: str) -> Fraction:
    """The exact factor that converts an amount in this unit to SI base units of its dimension."""
    return parse_unit(code).factor()


def is_dimensionless(name: str) -> bool:
    """Whether a unit name (as Unit.items holds it) measures no dimension: count, percent."""
    return not _lookup(name)[2]


def convert_factor(from_code: str, to_code: str) -> Fraction:
    """The exact factor from one unit to another of the same dimension; UnitError otherwise."""
    if dimension(from_code) != dimension(to_code):
        raise UnitError(f"cannot convert {from_code} ({dimension(from_code)}) to {to_code} "
                        f"({dimension(to_code)})")
    return factor_to_base(from_code) / factor_to_base(to_code)
