"""The IRI scheme. IRIs are stable: they derive only from the base and author-chosen ids."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import URIRef


@dataclass(frozen=True)
class Iris:
    """Mints the IRIs of one collection from its base."""

    base: str

    def _iri(self, *parts: str) -> URIRef:
        return URIRef(self.base + "/".join(parts))

    def claim(self, ident: str) -> URIRef:
        return self._iri("claim", ident)

    def evidence(self, ident: str) -> URIRef:
        return self._iri("evidence", ident)

    def document(self, ident: str) -> URIRef:
        return self._iri("document", ident)

    def entity(self, ident: str) -> URIRef:
        return self._iri("entity", ident)

    def property(self, ident: str) -> URIRef:
        return self._iri("property", ident)

    def source(self, ident: str) -> URIRef:
        return self._iri("source", ident)

    def source_text(self, ident: str) -> URIRef:
        return self._iri("source", ident, "text")

    def relation(self, ident: str) -> URIRef:
        return self._iri("relation", ident)

    def reviewer(self, ident: str) -> URIRef:
        return self._iri("reviewer", ident)

    def ignored(self, source: str, ident: str) -> URIRef:
        return self._iri("source", source, "ignored", ident)

    def finding(self, ident: str) -> URIRef:
        return self._iri("finding", ident)

    def source_graph(self, ident: str) -> URIRef:
        return self._iri("graph", ident)

    def shared_graph(self) -> URIRef:
        return self._iri("graph", "shared")

    def report(self) -> URIRef:
        """The check report node; outside finding/ so no finding id can collide with it."""
        return self._iri("report")

    def report_graph(self) -> URIRef:
        return self._iri("graph", "report")

    def dataset(self) -> URIRef:
        return URIRef(self.base)

    @staticmethod
    def part(node: str, fragment: str) -> URIRef:
        """A sub-node of a claim or statement (its time, anchor, review) as a hash IRI."""
        return URIRef(f"{node}#{fragment}")

    def kind_and_id(self, iri: str) -> tuple[str, str] | None:
        """Split one of our IRIs into (kind, id), e.g. ('claim', 'tesla-revenue-2022')."""
        if not iri.startswith(self.base):
            return None
        rest = iri[len(self.base):].split("#", 1)[0]
        kind, _, ident = rest.partition("/")
        return (kind, ident) if ident else None
