"""SPARQL queries shipped as .rq files, prepared once, parameterised only through bindings.

Bindings reach rdflib as initBindings and pyoxigraph as substitutions; a remote endpoint gets
them as a VALUES block (see kb.stores.sparql). Nothing here imports an RDF library at import
time: a query on the oxigraph store must never pay for importing rdflib.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rdflib.query import Result

# kb.vocab.NS, repeated so that this module needs no rdflib; tests/test_store.py checks they agree.
NS = "https://kb.example.org/ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

# -- RDF terms independent of any library, so the three stores give comparable answers ----------


class _Term:
    """Immutable, hashable and ordered by kind, then fields (plain classes: dataclasses cost
    milliseconds to create, and this module is on every query's import path)."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()
    _rank = 0

    def _key(self) -> tuple:
        return (self._rank, *(getattr(self, f) or "" for f in self._fields))

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and self._key() == other._key()

    def __lt__(self, other) -> bool:
        return self._key() < other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __setattr__(self, name, value):
        raise AttributeError("terms are immutable")

    def __repr__(self) -> str:
        args = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._fields)
        return f"{type(self).__name__}({args})"


class _Named(_Term):
    """A term that is one string: an IRI, or a blank node's label."""

    __slots__ = ()

    def __init__(self, text: str):
        object.__setattr__(self, self._fields[0], text)


# The characters an IRI in N-Triples may not hold: they would end the <...> or break the line.
_NOT_IN_IRI = re.compile(r'[<>"{}|^`\\\x00-\x20]')


class Iri(_Named):
    """An IRI."""

    __slots__ = _fields = ("value",)
    _rank = 1
    value: str

    def n3(self) -> str:
        """The IRI in N-Triples syntax; refuses characters that would break out of <...>."""
        if _NOT_IN_IRI.search(self.value):
            raise ValueError(f"{self.value!r} is not a valid IRI")
        return f"<{self.value}>"


class Lit(_Term):
    """A literal: its lexical form, its datatype IRI (None for a plain string) and language."""

    __slots__ = ("datatype", "lang", "value")
    _fields = ("value", "datatype", "lang")
    _rank = 2
    value: str
    datatype: str | None
    lang: str | None

    def __init__(self, value: str, datatype: str | None = None, lang: str | None = None):
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "datatype", datatype)
        object.__setattr__(self, "lang", lang)

    def n3(self) -> str:
        """The literal in N-Triples syntax, escaped."""
        text = '"' + escape_string(self.value) + '"'
        if self.lang:
            return f"{text}@{self.lang}"
        if self.datatype and self.datatype != XSD + "string":
            return f"{text}^^{Iri(self.datatype).n3()}"
        return text

    def python(self):
        """The value as Python: Decimal, int, float, bool or str (dates stay ISO text)."""
        kind = (self.datatype or "").removeprefix(XSD)
        try:
            if kind == "decimal":
                return Decimal(self.value)
            if kind in _INTEGER_TYPES:
                return int(self.value)
            if kind in ("double", "float"):
                return float(self.value)
        except (ArithmeticError, ValueError):
            return self.value
        if kind == "boolean":
            return self.value in ("true", "1")
        return self.value


class Blank(_Named):
    """A blank node (its label means nothing outside one answer)."""

    __slots__ = _fields = ("id",)  # ranked first, as _Term's _rank says
    id: str

    def n3(self) -> str:
        """The blank node in N-Triples syntax."""
        return f"_:{self.id}"


Term = Iri | Lit | Blank


def text_of(term: Term | None) -> str:
    """The text of a term a query always binds to an IRI or a literal: its IRI or lexical form."""
    if isinstance(term, (Iri, Lit)):
        return term.value
    raise TypeError(f"expected an IRI or a literal, found {term!r}")

_INTEGER_TYPES = frozenset((
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
    "nonPositiveInteger", "negativeInteger", "unsignedInt", "unsignedLong", "unsignedShort",
    "unsignedByte",
))


def escape_string(text: str) -> str:
    """Escape a string for a quoted N-Triples / SPARQL literal."""
    # A chain of str.replace, each one scan in C: ten times as fast as a lookup per character
    # (or str.translate, which takes that path for Chinese text) on a claim's row.
    return (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
            .replace("\r", "\\r").replace("\t", "\\t"))


DECIMAL_PLACES = 12
_QUANTUM = Decimal(1).scaleb(-DECIMAL_PLACES)


def normalised(term: Term) -> Term:
    """A term with numbers in canonical lexical form, so servers that rewrite them still agree.

    Virtuoso returns "0.50"^^xsd:decimal as 0.5 and true as "1"^^xsd:boolean; comparing
    answers by value needs one spelling per value (and integer subtypes count as integers).
    Virtuoso also keeps only 15 decimal places, so decimals are rounded to DECIMAL_PLACES,
    safely short of that: computed interval bounds carry 28 digits that mean nothing.
    """
    if not isinstance(term, Lit) or not term.datatype:
        return term
    kind = term.datatype.removeprefix(XSD)
    if kind == "decimal":
        try:
            value = Decimal(term.value)
            exponent = value.as_tuple().exponent  # a letter for NaN and infinities
            if isinstance(exponent, int) and exponent < -DECIMAL_PLACES:
                value = value.quantize(_QUANTUM, ROUND_HALF_UP)
            return Lit(decimal_text(value), term.datatype)
        except ArithmeticError:
            return term
    if kind in _INTEGER_TYPES:
        try:
            return Lit(str(int(term.value)), XSD + "integer")
        except ValueError:
            return term
    if kind == "boolean":
        return boolean(term.value in ("true", "1"))
    return term


def decimal_text(value: Decimal) -> str:
    """A decimal in canonical form, always with a decimal point: 81462000000.0, 0.97."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0")
        if text.endswith("."):
            text += "0"
    else:
        text += ".0"
    return "0.0" if text == "-0.0" else text


def plain_decimal(value: Decimal) -> str:
    """A decimal as people write it, no exponent or trailing zeros: 81462000000, 0.95, 2.5."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def decimal(value) -> Lit:
    """An xsd:decimal literal for a number given as text, int, float or Decimal."""
    return Lit(decimal_text(Decimal(str(value))), XSD + "decimal")


def boolean(value: bool) -> Lit:
    """An xsd:boolean literal."""
    return Lit("true" if value else "false", XSD + "boolean")


def date_literal(value) -> Lit:
    """An xsd:date literal for a datetime.date."""
    return Lit(value.isoformat(), XSD + "date")


# -- the query files -------------------------------------------------------------------------------


@cache
def query_text(name: str) -> str:
    """The text of kb/queries/NAME.rq (read once per process)."""
    # A path beside this module, not importlib.resources: that import alone costs 5 ms.
    path = Path(__file__).with_name(f"{name}.rq")
    if not path.is_file():
        raise KeyError(f"no query named {name!r}")
    return path.read_text("utf-8")


@cache
def prepared(name: str):
    """The parsed and prepared form of a named query (parsing costs more than running)."""
    from rdflib.plugins.sparql import prepareQuery

    return prepareQuery(query_text(name))


def run(graph, name: str, **bindings) -> Result:
    """Run a named query on an rdflib graph or Dataset with the given variable bindings."""
    return graph.query(prepared(name), initBindings=bindings)


# Vocabulary terms shown as slugs (kb:MostlyAccurate -> mostly-accurate, kb:Period -> period).
# Remembered: the site check asks for a verdict's slug on every page that shows one, and the
# vocabulary is small.
@lru_cache(maxsize=256)
def term_slug(term: str) -> str:
    """A kb: vocabulary term as the slug the YAML and CLI use."""
    local = term[len(NS):]
    out = []
    for i, ch in enumerate(local):
        if ch.isupper() and i:
            out.append("-")
        out.append(ch.lower())
    return "".join(out).replace("point-in-time", "point")


def slug_term(slug: str) -> Iri:
    """The kb: vocabulary term for a slug: mostly-accurate -> kb:MostlyAccurate."""
    return Iri(NS + "".join(part.capitalize() for part in slug.split("-")))


def iri_text(text: str, base: str | None) -> str:
    """One of our IRIs as its id, a vocabulary term as its slug, any other IRI as is."""
    if text.startswith(NS):
        return term_slug(text)
    if base and text.startswith(base) and "#" not in text:
        rest = text[len(base):]
        kind, _, ident = rest.partition("/")
        if kind != "source" or "/" not in ident:
            return ident or text
    return text


def plain(value, base: str | None = None) -> str:
    """A result value as plain text: our IRIs as ids, vocabulary terms as slugs, literals as-is."""
    if value is None:
        return ""
    if isinstance(value, Iri):
        return iri_text(value.value, base)
    if isinstance(value, (Lit, Blank)):
        return value.value if isinstance(value, Lit) else value.n3()
    from rdflib import URIRef

    if isinstance(value, URIRef):
        return iri_text(str(value), base)
    return str(value)


def run_select(graph, name: str, base: str | None = None, **bindings) -> list[dict[str, str]]:
    """Rows of a named SELECT query on an rdflib graph as dicts of plain text."""
    if base is None:
        base = _guess_base(graph)
    result = run(graph, name, **bindings)
    return [{str(k): plain(row.get(k), base) for k in result.vars or ()}
            for row in result.bindings]


def _guess_base(graph) -> str | None:
    from rdflib import RDF

    from ..vocab import SCHEMA

    for node in graph.subjects(RDF.type, SCHEMA.Dataset):
        return str(node)
    return None

