"""The IRI scheme. IRIs are stable: they derive only from the base and author-chosen ids."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rdflib import URIRef


def _minter(kind: str) -> Callable[[Iris, str], URIRef]:
    """A method that mints the IRI of a thing of one kind from its id."""

    def mint(self: Iris, ident: str) -> URIRef:
        return URIRef(self.text(kind, ident))

    mint.__doc__ = f"The IRI of the {kind} with this id."
    return mint


@dataclass(frozen=True)
class Iris:
    """Mints the IRIs of one collection from its base."""

    base: str

    def _iri(self, *parts: str) -> URIRef:
        return URIRef(self.base + "/".join(parts))

    def text(self, kind: str, ident: str) -> str:
        """The IRI of the thing of this kind and id as text (iris.text("claim", "x") is
        str(iris.claim("x"))), for a caller minting many: an rdflib URIRef checks each."""
        return f"{self.base}{kind}/{ident}"

    # One method per kind of thing, named for it: iris.claim("x") is <base>claim/x.
    claim, evidence, document, entity, property, source, relation, reviewer, finding = (
        _minter(kind) for kind in ("claim", "evidence", "document", "entity", "property",
                                   "source", "relation", "reviewer", "finding"))

    def source_text(self, ident: str) -> URIRef:
        return self._iri("source", ident, "text")

    def ignored(self, source: str, ident: str) -> URIRef:
        return self._iri("source", source, "ignored", ident)

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
