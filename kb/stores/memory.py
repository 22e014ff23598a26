"""The memory store: the knowledge base as an rdflib Dataset, built from claims/ on every run."""

from __future__ import annotations

from rdflib import BNode, Dataset, Graph, Literal, URIRef

from ..queries import RDF_LANG_STRING, XSD, Blank, Iri, Lit, Term, prepared
from .base import Answer, Bindings, Store, StoreError


class MemoryStore(Store):
    """Queries run by rdflib over the union of the Dataset's named graphs."""

    kind = "memory"

    def __init__(self, dataset: Dataset, base: str, problems: list | None = None):
        self.dataset = dataset
        self._base = base
        self.problem_count = len(problems or ())

    @property
    def base(self) -> str:
        return self._base

    def run_named(self, name: str, bindings: Bindings) -> Answer:
        # Named queries are parsed once per process (kb.queries.prepared), not per call.
        return self._run(prepared(name), bindings)

    def query(self, text: str, bindings: Bindings | None = None) -> Answer:
        return self._run(text, bindings)

    def _run(self, query, bindings: Bindings | None) -> Answer:
        init = {k: to_rdflib(v) for k, v in (bindings or {}).items()}
        try:
            result = self.dataset.query(query, initBindings=init)
            # rdflib evaluates lazily: a SERVICE request or a bad regex fails while the
            # rows are read, so they are read in here too.
            return self._answer(result)
        except StoreError:
            raise
        except Exception as exc:  # rdflib raises pyparsing and plain exceptions alike
            raise StoreError(f"{_kind_of(exc)}: {_first_line(exc)}") from None

    @staticmethod
    def _answer(result) -> Answer:
        if result.type == "ASK":
            return Answer("ask", boolean=bool(result.askAnswer))
        if result.type in ("CONSTRUCT", "DESCRIBE"):
            return Answer("construct", triples=[
                (term_of(s), term_of(p), term_of(o)) for s, p, o in result.graph or ()])
        variables = result.vars or []
        return Answer("select", tuple(str(v) for v in variables),
                      [tuple(from_rdflib(row.get(v)) for v in variables)
                       for row in result.bindings])

    def graph_names(self) -> list[str]:
        return sorted(str(g.identifier) for g in self.dataset.graphs()
                      if isinstance(g.identifier, URIRef) and len(g))

    def graph_ntriples(self, name: str) -> bytes:
        graph: Graph = self.dataset.graph(URIRef(name))
        return graph.serialize(format="nt", encoding="utf-8")


def to_rdflib(term: Term):
    """A kb term as an rdflib term."""
    if isinstance(term, Iri):
        return URIRef(term.value)
    if isinstance(term, Blank):
        return BNode(term.id)
    if term.lang:
        return Literal(term.value, lang=term.lang)
    return Literal(term.value, datatype=URIRef(term.datatype) if term.datatype else None)


def from_rdflib(term) -> Term | None:
    """An rdflib term as a kb term (None, an unbound variable, as None)."""
    return None if term is None else term_of(term)


def term_of(term) -> Term:
    """An rdflib term as a kb term."""
    if isinstance(term, URIRef):
        return Iri(str(term))
    if isinstance(term, BNode):
        return Blank(str(term))
    if isinstance(term, Literal):
        if term.language:
            return Lit(str(term), None, term.language)
        datatype = str(term.datatype) if term.datatype is not None else None
        if datatype in (XSD + "string", RDF_LANG_STRING):
            datatype = None
        return Lit(str(term), datatype)
    raise StoreError(f"unsupported term in an answer: {term!r}")


def _kind_of(exc: Exception) -> str:
    name = type(exc).__name__
    return "SPARQL syntax error" if "Parse" in name else "the query failed"


def _first_line(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
