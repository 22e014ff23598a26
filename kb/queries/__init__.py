"""SPARQL queries shipped as .rq files, prepared once, parameterised only through initBindings."""

from __future__ import annotations

from functools import cache
from importlib import resources

from rdflib import Literal, URIRef
from rdflib.query import Result

from ..vocab import NS


def query_text(name: str) -> str:
    """The text of kb/queries/NAME.rq."""
    path = resources.files("kb.queries").joinpath(f"{name}.rq")
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
def term_slug(term: str) -> str:
    """A kb: vocabulary term as the slug the YAML and CLI use."""
    local = term[len(NS):]
    out = []
    for i, ch in enumerate(local):
        if ch.isupper() and i:
            out.append("-")
        out.append(ch.lower())
    return "".join(out).replace("point-in-time", "point")


def plain(value, base: str | None = None) -> str:
    """A result value as plain text: our IRIs as ids, vocabulary terms as slugs, literals as-is."""
    if value is None:
        return ""
    if isinstance(value, URIRef):
        text = str(value)
        if text.startswith(NS):
            return term_slug(text)
        if base and text.startswith(base) and "#" not in text:
            rest = text[len(base):]
            kind, _, ident = rest.partition("/")
            if kind != "source" or "/" not in ident:
                return ident or text
        return text
    if isinstance(value, Literal):
        return str(value)
    return str(value)


def run_select(graph, name: str, base: str | None = None, **bindings) -> list[dict[str, str]]:
    """Rows of a named SELECT query as dicts of plain text."""
    if base is None:
        base = _guess_base(graph)
    result = run(graph, name, **bindings)
    return [{str(k): plain(row[k], base) for k in result.vars} for row in result]


def _guess_base(graph) -> str | None:
    from rdflib import RDF

    from ..vocab import SCHEMA

    for node in graph.subjects(RDF.type, SCHEMA.Dataset):
        return str(node)
    return None
