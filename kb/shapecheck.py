"""The shape check: the graph validated against the package's SHACL shapes, each violation
located in the YAML file and line it came from."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from rdflib import RDF
from rdflib.namespace import PROV

from .errors import Origin, Problem
from .graph import KbGraph
from .iris import Iris
from .model import Collection, Document, Entity, PropertyDef, Relation, Statement
from .shacl import Result, start_validation
from .shapecache import ShapeCache
from .validate import check_references
from .vocab import KB, SCHEMA

CLASS_COMPONENT = "http://www.w3.org/ns/shacl#ClassConstraintComponent"

# Which YAML field a SHACL result path (or a claim's sub-node) points at, to report its line;
# keyed by the IRI as text, as kb.shacl reports it (a URIRef hashes unlike its str).
_PATH_FIELDS = {str(term): field for term, field in {
    RDF.subject: "subject",
    RDF.predicate: "property",
    RDF.object: "amount",
    KB.unit: "unit",
    KB.boundKind: "bound",
    KB.lowerBound: "lower",
    KB.upperBound: "upper",
    KB.precision: "precision",
    KB.time: "time",
    KB.confidence: "confidence",
    KB.quote: "quote",
    KB.normalisedQuote: "normalised",
    KB.statement: "statement",
    KB.anchor: "start",
    KB.reason: "reason",
    SCHEMA.review: "review",
    PROV.wasDerivedFrom: "document",
}.items()}
_FRAGMENT_FIELDS = {"time": "time", "review": "review", "rating": "review", "anchor": "start",
                    "target": "start", "quote-selector": "quote", "position-selector": "start"}


def check_shapes(c: Collection, graph: KbGraph) -> list[Problem]:
    """Validate the graph against the package's SHACL shapes; locate each violation in the YAML."""
    return start_shapes(c, graph)()


def start_shapes(c: Collection, graph: KbGraph) -> Callable[[], list[Problem]]:
    """check_shapes(c, graph), whose finish() gives the problems once a forked child checking
    part of the graph (kb.shacl.start_validation) is done. A graph whose named graphs have keys
    (kb.graphcache) is checked with the results kept in the claims folder (kb.shapecache)."""
    cache = ShapeCache(Path(c.root)) if graph.graph_keys and c.root else None
    kept = cache.load() if cache is not None else None
    finish = start_validation(graph, kept)

    def located() -> list[Problem]:
        results = finish()
        if cache is not None and kept is not None:
            cache.save(kept)
        return list(_located(c, results))
    return located


def _located(c: Collection, results: list[Result]) -> Iterator[Problem]:
    """Each violation as a Problem at its YAML file and line."""
    if not results:
        return
    locator = _Locator(c)
    # sh:class restates dangling references, which check_references reports more clearly, and
    # references to entries that failed to load, whose own error is reported.
    dangling = {(p.kind, p.ident) for p in check_references(c)} | _refers_to_broken(c)
    for r in results:
        message = r.message.replace("{value}", r.value if r.value is not None else "")
        origin, kind, ident = locator.locate(r.focus, r.path)
        if r.component == CLASS_COMPONENT and (kind, ident) in dangling:
            continue
        yield Problem(origin, kind, ident, message)


def _refers_to_broken(c: Collection) -> set[tuple[str, str]]:
    """(kind, id) of the claims and evidence that name an entry which failed to load."""
    out = set()
    for kind, statements in (("claim", c.claims), ("evidence", c.evidence)):
        for st in statements.values():
            names = {("entity", st.subject), ("property", st.property),
                     ("entity", st.compared_with or ""),
                     ("document", getattr(st, "document", "")),
                     *(("entity", ident) for ident in getattr(st, "about", ()))}
            if names & c.broken:
                out.add((kind, st.id))
    return out


class _Locator:
    """Maps a graph node back to the YAML file, line and id it came from."""

    def __init__(self, c: Collection):
        self.c, self.iris = c, Iris(c.config.base)

    def locate(self, node: str, path: str | None) -> tuple[Origin, str, str]:
        fragment = str(node).partition("#")[2]
        key = _FRAGMENT_FIELDS.get(fragment) or _PATH_FIELDS.get(path or "", "")
        split = self.iris.kind_and_id(str(node))
        kind, ident = split if split else ("", str(node))
        table: dict[str, Mapping[str, Statement]] = {"claim": self.c.claims,
                                                     "evidence": self.c.evidence}
        if kind in table and ident in table[kind]:
            return table[kind][ident].line_of(key), kind, ident
        if kind in ("entity", "property", "document", "relation"):
            by_kind: dict[str, Mapping[str, Entity | PropertyDef | Document | Relation]] = {
                "entity": self.c.entities, "property": self.c.properties,
                "document": self.c.documents, "relation": self.c.relations}
            objects = by_kind[kind]
            if ident in objects:
                return objects[ident].origin, kind, ident
        if kind == "source":
            source_id, _, rest = ident.partition("/")
            if rest.startswith("ignored/"):
                for m in self.c.ignored:
                    if m.source == source_id and m.id == rest.split("/", 1)[1]:
                        return m.origin, "ignored mention", m.id
            if source_id in self.c.sources:
                return self.c.sources[source_id].origin, "source", source_id
        return Origin(self.c.root, 0), kind, ident
