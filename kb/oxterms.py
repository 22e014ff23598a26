"""Term conversion between pyoxigraph and kb.queries' library-free terms (no rdflib import)."""

from __future__ import annotations

import pyoxigraph as ox

from .errors import KbError
from .queries import RDF_LANG_STRING, XSD, Blank, Iri, Lit, Term

# -- terms ----------------------------------------------------------------------------------------

_STRING = XSD + "string"


class UnsupportedTerm(KbError):
    """A term kb has no form for (an RDF-star triple term, say): one line, not a traceback."""


def to_ox(term: Term):
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


def from_ox(term) -> Term | None:
    """A pyoxigraph term as a kb term."""
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


