"""How the site writes a figure, defined once so the site check can read every figure back.

A page shows each figure as ``<data value="LEXICAL" data-node="IRI" data-prop="CURIE">TEXT</data>``:
the value attribute carries the graph literal's exact lexical form and TEXT is ``display(...)`` of
it. The site check recomputes both from the graph, so a tampered page cannot go unnoticed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from rdflib import RDF, URIRef

from .intervals import SI_UNITS
from .queries import plain_decimal, term_slug
from .verdicts import LABELS
from .vocab import KB

# Short-scale words for large amounts: "81.462 billion USD" reads better than 81462000000.
_SCALES = ((Decimal(10) ** 12, "trillion"), (Decimal(10) ** 9, "billion"),
           (Decimal(10) ** 6, "million"))
_SI_PREFIXES = ((18, "E"), (15, "P"), (12, "T"), (9, "G"), (6, "M"), (3, "k"))
_SUPERSCRIPT = str.maketrans("-−0123456789", "⁻⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
MINUS = "\u2212"  # a true minus sign: a hyphen is not one, and breaks across lines


@dataclass(frozen=True)
class FigureProp:
    """A property whose value pages show: its name for messages and how it is written."""

    curie: str
    predicate: URIRef
    name: str
    style: str  # quantity | computed | number | chance | verdict | holds | factor
    unit_predicate: URIRef | None = None  # where the unit is, on the same node


def _props(style: str, unit_predicate: URIRef | None, names: dict[str, str]) -> list[FigureProp]:
    """The properties of one style, from their CURIEs and names."""
    prefixes = {"rdf": RDF, "kb": KB}
    return [FigureProp(curie, getattr(prefixes[curie.split(":")[0]], curie.split(":")[1]), name,
                       style, unit_predicate) for curie, name in names.items()]


FIGURE_PROPS: dict[str, FigureProp] = {p.curie: p for p in (
    *_props("quantity", KB.unit, {"rdf:object": "amount", "kb:lowerBound": "lower bound",
                                  "kb:upperBound": "upper bound", "kb:precision": "precision"}),
    *_props("chance", None, {"kb:confidence": "chance the claim is true"}),
    *_props("verdict", None, {"kb:verdict": "verdict"}),
    *_props("holds", None, {"kb:holds": "outcome"}),
    *_props("computed", KB.leftUnit, {"kb:leftLower": "left lower bound",
                                      "kb:leftUpper": "left upper bound"}),
    *_props("computed", KB.rightUnit, {"kb:rightLower": "right lower bound",
                                       "kb:rightUpper": "right upper bound"}),
    *_props("factor", None, {"kb:factorLow": "factor (low)", "kb:factorHigh": "factor (high)"}),
)}

HOLDS_TEXT = {"true": "holds", "false": "does not hold"}
# Stated amounts are shown exactly; values the checks compute (interval ends, factors) can have
# dozens of digits, so they are shown to this many significant digits: more would be precision
# no input had ("86.5217 ×").
COMPUTED_DIGITS = 3


def plain_number(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros, with thousands separators: 81,462.5."""
    whole, dot, frac = plain_decimal(value).partition(".")
    sign = MINUS if whole.startswith("-") else ""
    whole = f"{int(whole.lstrip('-') or '0'):,}"
    return f"{sign}{whole}{dot}{frac}"


def significant(value: Decimal, digits: int = COMPUTED_DIGITS) -> Decimal:
    """A value rounded to a number of significant digits (for computed values only)."""
    if not value or len(value.normalize().as_tuple().digits) <= digits:
        return value
    return value.quantize(Decimal(1).scaleb(value.adjusted() - digits + 1))


def number_text(value: Decimal) -> str:
    """A number as people read it: 3,000 / 81.462 billion / 1.1 × 10¹⁸, never rounded."""
    magnitude = abs(value)
    if magnitude >= Decimal(10) ** 15:
        power = value.adjusted()
        mantissa = value.scaleb(-power)
        return f"{plain_number(mantissa)} × 10{str(power).translate(_SUPERSCRIPT)}"
    for scale, word in _SCALES:
        if magnitude >= scale:
            return f"{plain_number(value / scale)} {word}"
    return plain_number(value)


def quantity_text(value: Decimal, unit: str) -> str:
    """An amount with its unit: '81.462 billion USD', '12.5 %', '3.5 ×', '1.1 EFLOPS'."""
    if unit in SI_UNITS and abs(value) >= 1000:
        for power, prefix in _SI_PREFIXES:
            if abs(value) >= Decimal(10) ** power:
                return f"{plain_number(value.scaleb(-power))} {prefix}{unit}"
    if unit == "percent":
        return f"{number_text(value)} %"
    if unit == "ratio":
        return f"{number_text(value)} ×"
    if unit in ("count", "dimensionless", ""):  # a bare number: "1", never "1 dimensionless"
        return number_text(value)
    if unit == "year":  # a calendar year (2026) or a number of years (5 years)
        if value >= 1000 and value == value.to_integral():
            return format(value.normalize(), "f")
        return f"{number_text(value)} {'year' if value == 1 else 'years'}"
    return f"{number_text(value)} {unit}"


def display(prop: FigureProp, lexical: str, unit: str | None = None) -> str:
    """The text a page shows for a figure, from the value's lexical form (and unit)."""
    if prop.style == "quantity":
        return quantity_text(Decimal(lexical), unit or "")
    if prop.style == "computed":
        return quantity_text(significant(Decimal(lexical)), unit or "")
    if prop.style == "number":
        return lexical
    if prop.style == "chance":
        return chance_text(Decimal(lexical))
    if prop.style == "factor":
        return f"{number_text(significant(Decimal(lexical)))} ×"
    if prop.style == "verdict":
        return LABELS[lexical]
    if prop.style == "holds":
        return HOLDS_TEXT[lexical]
    raise ValueError(f"unknown figure style {prop.style!r}")


def lexical(prop: FigureProp, value: str) -> str:
    """The value attribute for a graph value (a literal's lexical form or an IRI): a verdict's
    slug, a boolean as true/false, anything else as it is."""
    if prop.style == "verdict":
        return term_slug(value)
    if prop.style == "holds":
        return "true" if value in ("true", "1") else "false"
    return value


def chance_text(value: Decimal) -> str:
    """A probability as a percentage, for people: 0.03 -> '3%', 0.975 -> '97.5%'."""
    return f"{plain_number((value * 100).normalize())}%"


_POWER = re.compile(r"10\^(-?\d+)")
_NEGATIVE = re.compile(r"(?<![\w\-–])-(?=\d)")  # a hyphen starting a number, not in 2008-2012


def prose(text: str) -> str:
    """Text as pages show it: caret powers as superscripts (10^20 -> 10²⁰), and a hyphen that
    makes a number negative as a true minus sign (-10.3 -> −10.3)."""
    text = _POWER.sub(lambda m: "10" + m.group(1).translate(_SUPERSCRIPT), text)
    return _NEGATIVE.sub(MINUS, text)
