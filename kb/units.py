"""The one unit registry: pint's SI units plus currencies, each its own dimension."""

from __future__ import annotations

import math
import re
from fractions import Fraction
from functools import cache, lru_cache

from .limits import shorten

# Currencies are separate dimensions so that CNY never silently converts to USD: a conversion
# needs an exchange rate (CNY/USD) taken from a claim or from evidence.
CURRENCIES = ("USD", "CNY", "TWD", "KRW", "EUR", "JPY", "HKD")

_DEFINITIONS = (
    *(f"{code} = [currency_{code}]" for code in CURRENCIES),
    # Floating-point operations are counted, not timed: FLOP is a quantity of work.
    "FLOP = [computation]",
    "FLOPS = FLOP / second",
    "ratio = []",
    # A change of a percentage is not a percentage of it: 2 个百分点 is not 2 %. Each is its own
    # dimension so that a claim in one never silently compares with a mention in the other.
    "percentage_point = [percentage_point]",
    "basis_point = 0.01 * percentage_point",
    "index_point = [index_point]",
)


# A unit code is unit names joined by '/' or '*', each with an optional small power (m^2, s**-1):
# pint would otherwise also evaluate arbitrary arithmetic (km**99999999), which can take long
# or overflow.
_NAME = r"[^\W\d_][\w%°µΩ]*|%|°[A-Za-z]?"
_FACTOR = rf"(?:{_NAME})(?:\s*(?:\^|\*\*)\s*-?[1-4])?"
_UNIT_CODE = re.compile(rf"{_FACTOR}(?:\s*[*/]\s*{_FACTOR})*")
MAX_UNIT_CHARS = 40


class UnitError(ValueError):
    """A unit code the registry does not know, or a dimension mismatch."""


@cache
def registry():
    """The shared pint registry, built on first use (pint costs ~0.3 s to import and set up)."""
    import pint

    try:
        # pint parses its definition files on every start (0.3 s) unless it may cache them.
        reg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True, cache_folder=":auto:")
    except OSError:  # no writable cache folder: parse them, as pint does by default
        reg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    for line in _DEFINITIONS:
        reg.define(line)
    return reg


@lru_cache(maxsize=1024)
def parse_unit(code: str):
    """Parse a unit code such as USD, USD/kg, FLOPS or t; raise UnitError if unknown."""
    import pint  # on first use, as in registry(): pint costs ~0.3 s to import

    if not code or not code.strip():
        raise UnitError("empty unit")
    if len(code) > MAX_UNIT_CHARS or not _UNIT_CODE.fullmatch(code.strip()):
        raise UnitError(f"unknown unit '{code[:MAX_UNIT_CHARS]}'")
    reg = registry()
    try:
        unit = reg.parse_units(code)
        magnitude = reg.Quantity(1, unit).to_base_units().magnitude
    except (pint.errors.UndefinedUnitError, pint.errors.DefinitionSyntaxError,
            AttributeError, TypeError, ValueError, SyntaxError, ArithmeticError) as exc:
        raise UnitError(f"unknown unit '{code}'") from exc
    if not (isinstance(magnitude, (int, float)) and math.isfinite(magnitude) and magnitude):
        raise UnitError(f"unknown unit '{code}'")  # yotta^4/yocto^4: beyond a float
    return unit


def unit_problem(code: str) -> str | None:
    """A message saying why a unit code is not usable, or None when it is."""
    try:
        parse_unit(code)
    except UnitError:
        return (f"unknown unit '{shorten(code)}'; use a unit such as USD, CNY, count, ratio, "
                "FLOPS, t, kg, USD/kg or USD/kWh")
    return None


@lru_cache(maxsize=1024)
def dimension(code: str) -> str:
    """The dimensionality of a unit as a canonical string, e.g. '[currency_USD] / [mass]'."""
    dims = registry().get_dimensionality(parse_unit(code))
    return str(dims) if dims else "dimensionless"


@lru_cache(maxsize=1024)
def factor_to_base(code: str) -> Fraction:
    """The exact factor that converts an amount in this unit to SI base units of its dimension."""
    reg = registry()
    magnitude = reg.Quantity(1, parse_unit(code)).to_base_units().magnitude
    return Fraction(str(magnitude)).limit_denominator(10**15)


def convert_factor(from_code: str, to_code: str) -> Fraction:
    """The exact factor from one unit to another of the same dimension; UnitError otherwise."""
    if dimension(from_code) != dimension(to_code):
        raise UnitError(f"cannot convert {from_code} ({dimension(from_code)}) to {to_code} "
                        f"({dimension(to_code)})")
    return factor_to_base(from_code) / factor_to_base(to_code)
