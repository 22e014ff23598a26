"""Term conversion between pyoxigraph and kb.queries' library-free terms (no rdflib import)."""

from __future__ import annotations

from typing import overload

import pyoxigraph as ox

from .errors import KbError
from .queries import RDF_LANG_STRING, XSD, Blank, Iri, Lit, Term

# -- terms ----------------------------------------------------------------------------------------

_STRING = XSD + "string"


class UnsupportedTerm(KbError):
    """A term kb has no form for (an RDF-star triple term, say): one line, not a traceback."""


def to_ox(term: Term) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """A kb term as a pyoxigraph term."""
    if isinstance(term, Iri):
        return ox.NamedNode(term.value)
    if isinstance(term, Blank):
        return ox.BlankNode(term.id)
    if term.lang:
        return ox.Literal(term.value, language=term.lang)
    if term.datatype and term.datatype != _STRING:
        return ox.Literal(term.value, datatype=ox.NamedNode(term.datatype))
    return ox.Literal(term.value)


OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


@overload
def from_ox(term: OxTerm) -> Term: ...
@overload
def from_ox(term: None) -> None: ...
@overload
def from_ox(term: OxTerm | None) -> Term | None: ...
def from_ox(term: OxTerm | None) -> Term | None:
    """A pyoxigraph term as a kb term (None, an unbound variable, as None)."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return Iri(term.value)
    if isinstance(term, ox.BlankNode):
        return Blank(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Lit(term.value, None, term.language)
        datatype = term.datatype.value
        return Lit(term.value, None if datatype in (_STRING, RDF_LANG_STRING) else datatype)
    raise UnsupportedTerm(f"unsupported term in an answer: {term!r}")


