"""Turn a loaded Collection into quads: one named graph per source, one shared, one report.

The working graph is a compact table of pyoxigraph quads, built straight from the model
objects: every later stage (checks, site, exports, stores) reads it, and pyoxigraph parses,
queries and serialises it at 10-50x rdflib's speed. rdflib stays at the edge:
`KbGraph.dataset()` gives an rdflib Dataset for the public Python API, the memory store and the
tests.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import OWL, RDF, RDFS, SKOS, XSD, Dataset, Graph, Literal, URIRef
from rdflib.namespace import PROV

from .expr import references
from .findings import KINDS, Finding, Side
from .graphcache import Block, GraphCache, block_key
from .iris import Iris
from .model import Claim, Collection, Evidence, IgnoredMention, Quantity, Statement, TimeSpec
from .oxterms import QuadTable
from .queries import decimal_text, slug_term
from .terms import to_rdflib
from .tiers import tier
from .verdicts import LABELS, VERDICTS, rating
from .vocab import KB, OA, SCHEMA, WD

BOUND_TERMS = {
    "exact": KB.Exact,
    "approximately": KB.Approximately,
    "at-least": KB.AtLeast,
    "more-than": KB.MoreThan,
    "at-most": KB.AtMost,
    "less-than": KB.LessThan,
    "range": KB.Range,
}
# The vocabulary names each verdict and finding kind as slug_term spells it (kb:MostlyAccurate).
VERDICT_TERMS = {verdict: URIRef(slug_term(verdict).value) for verdict in VERDICTS}
# ClaimReview's rating: 5 is best. Google reads alternateName; the number orders verdicts.
VERDICT_RATINGS = {verdict: (LABELS[verdict], rating(verdict)) for verdict in VERDICTS}
DOCUMENT_TERMS = {
    "filing": KB.Filing,
    "statistics": KB.OfficialStatistics,
    "statement": KB.OriginalStatement,
    "news": KB.NewsReport,
    "aggregator": KB.Aggregator,
    "other": KB.OtherDocument,
}
ENTITY_TYPES = {
    "organization": SCHEMA.Organization,
    "person": SCHEMA.Person,
    "product": SCHEMA.Product,
    "project": SCHEMA.Project,
    "place": SCHEMA.Place,
    "event": SCHEMA.Event,
}
CONTEXT_CHARS = 24  # code points of prefix/suffix kept in each TextQuoteSelector

PREFIXES = {
    "kb": str(KB._NS),
    "schema": str(SCHEMA),
    "prov": str(PROV),
    "oa": str(OA),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "skos": str(SKOS),
    "xsd": str(XSD),
    "wd": str(WD),
}


def dec(value: Decimal | int) -> Literal:
    """An rdflib xsd:decimal literal in canonical form, always with a decimal point.

    rdflib's Turtle round trip rewrites "81462000000" as 81462000000.0, so writing the canonical
    form from the start keeps every serialisation isomorphic to the graph.
    """
    return Literal(decimal_text(Decimal(value)), datatype=XSD.decimal)


def published(when: str) -> ox.Literal:
    """A publication date or date-time as its typed literal."""
    kind = XSD.dateTime if "T" in when else XSD.date
    return typed(when, str(kind))


def site_url(collection: Collection, *parts: str) -> URIRef:
    """The public URL of a page of the site, e.g. site_url(c, 'claim', id) -> .../claim/id/."""
    return URIRef(collection.config.site_url + "".join(f"{p}/" for p in parts))


def bind_prefixes(graph: Graph, iris: Iris) -> None:
    """Bind the prefixes every rdflib serialisation uses, so output is readable and stable."""
    for prefix, ns in prefixes(iris).items():
        graph.bind(prefix, ns, override=True, replace=True)


def prefixes(iris: Iris) -> dict[str, str]:
    """The prefixes of every serialisation: the vocabularies, then one per kind of our nodes."""
    out = dict(PREFIXES)
    for kind in ("claim", "entity", "property", "evidence", "document", "source", "relation"):
        out[kind] = iris.base + kind + "/"
    return out


# -- pyoxigraph terms ------------------------------------------------------------------------------

_NODES: dict[str, ox.NamedNode] = {}


def node(iri: str) -> ox.NamedNode:
    """A pyoxigraph IRI, made once per distinct IRI (vocabulary terms recur on every claim)."""
    hit = _NODES.get(iri)
    if hit is None:
        if len(_NODES) > 100_000:  # our own IRIs are many and used once or twice: bound it
            _NODES.clear()
        hit = _NODES[iri] = ox.NamedNode(iri)
    return hit


def typed(value: str, datatype: str) -> ox.Literal:
    """A literal of the given XSD (or other) datatype."""
    return ox.Literal(value, datatype=node(datatype))


def text(value: str, lang: str | None = None) -> ox.Literal:
    """A plain string, or a language-tagged one."""
    return ox.Literal(value, language=lang) if lang else ox.Literal(value)


def decimal(value: Decimal | int) -> ox.Literal:
    """An xsd:decimal in canonical form, always with a decimal point (see dec)."""
    return typed(decimal_text(Decimal(value)), XSD_DECIMAL)


def integer(value: int) -> ox.Literal:
    """An xsd:integer."""
    return typed(str(int(value)), XSD_INTEGER)


def boolean(value: bool) -> ox.Literal:
    """An xsd:boolean."""
    return typed("true" if value else "false", str(XSD.boolean))


def partial_date(value: str) -> ox.Literal:
    """A date known to the year, month or day, typed xsd:gYear, xsd:gYearMonth or xsd:date."""
    kind = {4: XSD.gYear, 7: XSD.gYearMonth}.get(len(value), XSD.date)
    return typed(value, str(kind))


XSD_DECIMAL = str(XSD.decimal)
XSD_INTEGER = str(XSD.integer)
XSD_DATE = str(XSD.date)


class KbGraph(QuadTable):
    """The knowledge base as pyoxigraph quads: the one working graph every stage reads.

    The quads are kept compactly (kb.oxterms.QuadTable) in the order they were made, each once;
    iterating gives them as pyoxigraph Quads. In-memory Oxigraph stores for SPARQL (`query`,
    `store`) are made per use, and an rdflib Dataset for the Python API on demand.
    """

    def __init__(self, quads: Iterable[ox.Quad], iris: Iris):
        super().__init__()
        self.iris = iris
        self._dataset: Dataset | None = None
        self.extend(quads)

    @property
    def quads(self) -> Iterator[ox.Quad]:
        """The quads in order, made afresh: a new iterator on each use."""
        return iter(self)

    def extend(self, quads: Iterable[ox.Quad | ox.Triple]) -> None:
        """Add quads (e.g. the report graph's findings) not already present."""
        super().extend(quads)
        self.reset_dataset()

    def reset_dataset(self) -> None:
        """Forget the rdflib Dataset made so far: the quads changed."""
        self._dataset = None

    def claim_rows(self) -> dict[str, array]:
        """Each claim's rows, by claim id: its node's and its hash sub-nodes' (time, anchor,
        review, rating)."""
        prefix = str(self.iris.claim(""))
        # Which claim each subject belongs to, decided once per distinct term, not per quad.
        owner: dict[int, str] = {}
        for i, term in enumerate(self.terms):
            if isinstance(term, ox.NamedNode) and term.value.startswith(prefix):
                owner[i] = term.value[len(prefix):].split("#", 1)[0]
        rows: dict[str, array] = {}
        for row, subject in enumerate(self.s):
            ident = owner.get(subject)
            if ident is not None:
                found = rows.get(ident)
                if found is None:
                    found = rows[ident] = array("I")
                found.append(row)
        return rows

    def query_claims(self, sparql: str, batch: int = 500, only: set[str] | None = None,
                     rows_of: dict[str, set[int]] | None = None
                     ) -> Iterator[ox.QuerySolutions]:
        """The solutions of a SELECT that reads claims and the nodes they link to (a claim's
        subject and its label, say), from a store per batch of claims, in claim id order;
        only: of these claims alone; rows_of: query_rows(sparql), if the caller has it (it
        is emptied as the batches are made).

        One store of every quad the query names would hold 60% of the graph at 380 bytes a
        quad; a batch's store holds its claims' quads and their linked nodes' (of the
        predicates the query names). Batches come in claim id order, so a query ordered by
        claim gives the rows it gives on the whole graph (tests/test_export.py compares them).
        """
        rows_of = self.query_rows(sparql) if rows_of is None else rows_of
        ids = sorted(rows_of if only is None else only & rows_of.keys())
        for start in range(0, max(len(ids), 1), batch):
            rows = set().union(*(rows_of.pop(ident) for ident in ids[start:start + batch]))
            solutions = self.store_rows(sorted(rows)).query(sparql,
                                                            use_default_graph_as_union=True)
            if not isinstance(solutions, ox.QuerySolutions):
                raise TypeError("KbGraph.query_claims runs SELECT queries only")
            yield solutions

    def query_rows(self, sparql: str) -> dict[str, set[int]]:
        """The rows a query reading claims (see query_claims) may read for each claim, by
        claim id: its own and its linked nodes', of the predicates the query names."""
        predicates = {self.known(p) for p in self.named_predicates(sparql)}
        first, after = self.subject_rows()
        p_of, o_of = self.p, self.o
        linked_rows: dict[int, list[int]] = {}  # a linked node's rows, found once
        out: dict[str, set[int]] = {}
        for ident, own in self.claim_rows().items():
            rows = out[ident] = set()
            for row in own:
                if p_of[row] in predicates:
                    rows.add(row)
                    node = o_of[row]
                    found = linked_rows.get(node)
                    if found is None:
                        found = linked_rows[node] = []
                        at = first[node]
                        while at >= 0:
                            if p_of[at] in predicates:
                                found.append(at)
                            at = after[at]
                    rows.update(found)
        return out

    def dataset(self) -> Dataset:
        """The graph as an rdflib Dataset, for the public Python API and the memory store."""
        if self._dataset is None:
            self._dataset = to_rdflib(self)
            bind_prefixes(self._dataset, self.iris)
        return self._dataset

    def serialize(self, fmt: ox.RdfFormat, rows: Sequence[int] | None = None,
                  graphs: bool = True, output: Path | None = None) -> bytes:
        """All quads, or those at some rows (see claim_rows), in one RDF format, with our
        prefixes bound (streamed to output if given, and then b"" is returned)."""
        # The quads are made in a fixed order from the model, so no sort is needed for the same
        # input to give the same bytes.
        items: Iterable[ox.Quad] | Iterable[ox.Triple]
        if rows is None:
            items = iter(self) if graphs else self.triples()
        else:
            items = self.quads_at(rows) if graphs else self.triples_at(rows)
        names = None if fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.N_TRIPLES) else \
            prefixes(self.iris)
        if output is not None:
            ox.serialize(items, str(output), format=fmt, prefixes=names)
            return b""
        return ox.serialize(items, format=fmt, prefixes=names) or b""


class _Plain:
    """A namespace's terms as plain IRI text, each looked up once: rdflib's namespaces make and
    check a new URIRef on every attribute access, which was a fifth of building the graph of
    10,000 claims (800,000 lookups)."""

    def __init__(self, namespace: Any):
        self._namespace = namespace

    def __getattr__(self, name: str) -> str:
        value = str(getattr(self._namespace, name))
        setattr(self, name, value)  # found as an attribute from now on, without this method
        return value


_RDF, _RDFS, _OWL, _SKOS, _PROV, _OA, _KB, _SCHEMA = (
    _Plain(ns) for ns in (RDF, RDFS, OWL, SKOS, PROV, OA, KB, SCHEMA))


# The shared graph's name among the sources' in a GraphCache: no source has an empty id.
SHARED = ""


class _Builder:
    """Makes the quads for each kind of model object, in the right named graph."""

    def __init__(self, collection: Collection):
        self.c = collection
        self.iris = Iris(collection.config.base)
        self.graph = KbGraph((), self.iris)
        # Each model object's quads, each once, until they go into their graph's block.
        self.pending: dict[tuple[int, int, int, int], None] = {}
        self.blocks: dict[int, tuple[array, array, array]] = {}
        self.shared = node(self.iris.shared_graph())

    def add(self, g: ox.NamedNode, s: str | ox.NamedNode, p: str, o) -> None:
        """One quad; s and p may be IRIs as text, o an IRI as text or a pyoxigraph term."""
        ident = self.graph.id
        self.pending[ident(s), ident(p), ident(o), ident(g)] = None

    def _each(self, make, objects) -> None:
        """Make each object's quads, then file them in their graphs' blocks."""
        blocks = self.blocks
        for obj in objects:
            make(obj)
            # A quad repeats only within one object (an expression naming a claim twice): no
            # two objects share a subject node.
            for s, p, o, g in self.pending:
                block = blocks.get(g)
                if block is None:
                    block = blocks[g] = (array("I"), array("I"), array("I"))
                block[0].append(s)
                block[1].append(p)
                block[2].append(o)
            self.pending.clear()

    def build(self, cache: GraphCache | None = None) -> KbGraph:
        """The graph; with a cache, each source's named graph is taken from it where kept under
        the same key, and kept there where made anew."""
        keys = self._keys() if cache is not None else {}
        kept = {ident: block for ident, key in keys.items()
                if cache is not None and (block := cache.lookup(ident, key)) is not None}
        if SHARED not in kept:
            self._each(lambda _: self._collection(), [None])
            self._each(self._entity, self.c.entities.values())
            self._each(self._property, self.c.properties.values())
            self._each(self._reviewer, self.c.config.reviewers.values())
            self._each(self._document, self.c.documents.values())
            self._each(self._evidence, self.c.evidence.values())
        self._each(self._source, (s for s in self.c.sources.values() if s.id not in kept))
        self._each(self._claim, (c for c in self.c.claims.values() if c.source not in kept))
        self._each(self._relation, (r for r in self.c.relations.values()
                                    if r.source not in kept))
        self._each(self._ignored, (m for m in self.c.ignored if m.source not in kept))
        if cache is not None:
            for ident, key in keys.items():
                g = self.graph.id(self.iris.source_graph(ident) if ident else self.shared)
                self.graph.graph_keys[g] = key
                if ident in kept:
                    self.blocks[g] = self._splice(kept[ident])
                elif g in self.blocks:
                    cache.store(ident, key, self._local(self.blocks[g]))
        # One block per named graph, in name order: TriG then writes each graph once.
        graph, terms = self.graph, self.graph.terms
        for g in sorted(self.blocks, key=lambda g: str(terms[g])):
            s, p, o = self.blocks.pop(g)
            graph.s.extend(s)
            graph.p.extend(p)
            graph.o.extend(o)
            graph.g.extend(array("I", [g]) * len(s))
        return graph

    def _keys(self) -> dict[str, str]:
        """The key of each source's named graph (kb.graphcache.block_key), for the sources
        whose folder has one, and of the shared graph (as SHARED) if its files have one."""
        config = self.c.config
        refs: dict[str, list] = {}
        for r in self.c.relations.values():
            # Which ids a relation names are claims, evidence or neither decides its quads.
            refs.setdefault(r.source, []).append(
                [r.id, [[ref, ref in self.c.claims, ref in self.c.evidence]
                        for ref in references(r.expression)]])
        keys = {ident: block_key(folder, [config.base, config.site_url, refs.get(ident, [])])
                for ident, folder in self.c.folder_keys.items() if ident in self.c.sources}
        if self.c.shared_key is not None:
            keys[SHARED] = block_key(self.c.shared_key, [config.base, config.site_url])
        return keys

    def _local(self, block: tuple[array, array, array]) -> Block:
        """A block of the table's rows with its own numbers: its distinct terms, in order."""
        numbers: dict[int, int] = {}
        local = [array("I", (numbers.setdefault(i, len(numbers)) for i in column))
                 for column in block]
        terms, key = self.graph.terms, self.graph.key
        return Block([key(terms[i]) for i in numbers], *local)

    def _splice(self, block: Block) -> tuple[array, array, array]:
        """A kept block in the table's numbers (its terms added where new)."""
        at = self.graph.ids(block.terms).__getitem__
        return array("I", map(at, block.s)), array("I", map(at, block.p)), \
            array("I", map(at, block.o))

    def _collection(self) -> None:
        add, g, cfg, n = self.add, self.shared, self.c.config, self.iris.dataset()
        add(g, n, _RDF.type, _SCHEMA.Dataset)
        add(g, n, _SCHEMA.name, text(cfg.title, "en"))
        if cfg.description:
            add(g, n, _SCHEMA.description, text(cfg.description, "en"))
        add(g, n, _SCHEMA.license, cfg.license_url)
        add(g, n, _SCHEMA.url, cfg.site_url)

    def _entity(self, entity) -> None:
        add, g, n = self.add, self.shared, self.iris.entity(entity.id)
        add(g, n, _RDF.type, _KB.Entity)
        add(g, n, _RDF.type, ENTITY_TYPES[entity.kind])
        for lang, label in sorted(entity.labels.items()):
            add(g, n, _RDFS.label, text(label, lang))
        if entity.description:
            add(g, n, _SCHEMA.description, text(entity.description, "en"))
        if entity.wikidata:
            add(g, n, _OWL.sameAs, WD[entity.wikidata])
            add(g, n, _SCHEMA.sameAs, WD[entity.wikidata])

    def _property(self, prop) -> None:
        add, g, n = self.add, self.shared, self.iris.property(prop.id)
        add(g, n, _RDF.type, _KB.Property)
        add(g, n, _RDF.type, _RDF.Property)
        for lang, label in sorted(prop.labels.items()):
            add(g, n, _RDFS.label, text(label, lang))
        add(g, n, _RDFS.comment, text(prop.description, "en"))
        add(g, n, _KB.dimension, text(prop.dimension))
        if prop.wikidata:
            add(g, n, _SKOS.exactMatch, WD[prop.wikidata])

    def _reviewer(self, reviewer) -> None:
        add, g, n = self.add, self.shared, self.iris.reviewer(reviewer.id)
        add(g, n, _RDF.type, _SCHEMA.Person if reviewer.kind == "person" else _SCHEMA.Organization)
        add(g, n, _SCHEMA.name, text(reviewer.name))
        if reviewer.url:
            add(g, n, _SCHEMA.url, reviewer.url)

    def _publisher(self, g: ox.NamedNode, n: str, name: str) -> None:
        publisher = Iris.part(n, "publisher")
        self.add(g, n, _SCHEMA.publisher, publisher)
        self.add(g, publisher, _RDF.type, _SCHEMA.Organization)
        self.add(g, publisher, _SCHEMA.name, text(name))

    def _document(self, doc) -> None:
        add, g, n = self.add, self.shared, self.iris.document(doc.id)
        add(g, n, _RDF.type, _KB.EvidenceDocument)
        add(g, n, _RDF.type, _SCHEMA.CreativeWork)
        add(g, n, _SCHEMA.name, text(doc.title))
        self._publisher(g, n, doc.publisher)
        if doc.date:
            add(g, n, _SCHEMA.datePublished, partial_date(doc.date))
        add(g, n, _SCHEMA.url, doc.url)
        add(g, n, _KB.documentKind, DOCUMENT_TERMS[doc.kind])
        # The tier is also on the kind (ontology); on the document it makes queries one hop.
        add(g, n, _KB.reliabilityTier, integer(tier(doc.kind)))
        add(g, n, _KB.retrieved, typed(doc.retrieved, XSD_DATE))
        if doc.archive_url:
            add(g, n, _SCHEMA.archivedAt, doc.archive_url)
        if doc.notes:
            add(g, n, _KB.note, text(doc.notes, "en"))

    def _statement(self, g: ox.NamedNode, n: str, st: Statement) -> None:
        """The triple and its qualifiers, shared by claims and evidence."""
        self.add(g, n, _RDF.type, _RDF.Statement)
        self.add(g, n, _RDF.subject, self.iris.entity(st.subject))
        self.add(g, n, _RDF.predicate, self.iris.property(st.property))
        self._quantity(g, n, st.quantity)
        if st.time is not None:
            self._time(g, n, st.time)
        if st.compared_with:
            self.add(g, n, _KB.comparedWith, self.iris.entity(st.compared_with))

    def _quantity(self, g: ox.NamedNode, n: str, q: Quantity) -> None:
        add = self.add
        add(g, n, _RDF.object, decimal(q.amount))
        add(g, n, _KB.unit, text(q.unit))
        add(g, n, _KB.boundKind, BOUND_TERMS[q.bound])
        lower, upper = q.implied_bounds()
        if lower is not None:
            add(g, n, _KB.lowerBound, decimal(lower))
        if upper is not None:
            add(g, n, _KB.upperBound, decimal(upper))
        if q.precision is not None:
            add(g, n, _KB.precision, decimal(q.precision))

    def _time(self, g: ox.NamedNode, n: str, t: TimeSpec) -> None:
        add, tnode = self.add, Iris.part(n, "time")
        add(g, n, _KB.time, tnode)
        add(g, tnode, _RDF.type, _KB.PointInTime if t.kind == "point" else _KB.Period)
        add(g, tnode, _KB.startDate, typed(t.start.isoformat(), XSD_DATE))
        add(g, tnode, _KB.endDate, typed(t.end.isoformat(), XSD_DATE))
        add(g, tnode, _KB.timePrecision, text(t.precision))
        if t.phrase:
            add(g, tnode, _KB.timePhrase, text(t.phrase))

    def _evidence(self, ev: Evidence) -> None:
        add, g, n = self.add, self.shared, self.iris.evidence(ev.id)
        add(g, n, _RDF.type, _KB.EvidenceStatement)
        self._statement(g, n, ev)
        add(g, n, _KB.quote, text(ev.quote))
        add(g, n, _PROV.wasDerivedFrom, self.iris.document(ev.document))
        if ev.note:
            add(g, n, _KB.note, text(ev.note, "en"))

    def _source(self, source) -> None:
        add, g = self.add, node(self.iris.source_graph(source.id))
        n, stored = self.iris.source(source.id), self.iris.source_text(source.id)
        add(g, n, _RDF.type, _SCHEMA.NewsArticle)
        add(g, n, _SCHEMA.headline, text(source.title, source.language))
        if source.url:
            add(g, n, _SCHEMA.url, source.url)
        self._publisher(g, n, source.publisher)
        add(g, n, _SCHEMA.datePublished, published(source.published))
        add(g, n, _SCHEMA.inLanguage, text(source.language))
        for note in source.notes:
            add(g, n, _KB.note, text(note, "en"))
        add(g, n, _KB.text, stored)
        add(g, stored, _RDF.type, _KB.SourceText)
        add(g, stored, _KB.sha256, text(source.sha256))
        add(g, stored, _KB.characterCount, integer(len(source.text)))

    def _anchor(self, g: ox.NamedNode, n: str, source_id: str, start: int, end: int) -> None:
        """A Web Annotation pinning n to [start, end) of the source text by quote and offsets."""
        add, body = self.add, self.c.sources[source_id].text
        anchor, target = Iris.part(n, "anchor"), Iris.part(n, "target")
        quote_sel, pos_sel = Iris.part(n, "quote-selector"), Iris.part(n, "position-selector")
        add(g, n, _KB.anchor, anchor)
        add(g, anchor, _RDF.type, _OA.Annotation)
        add(g, anchor, _OA.motivatedBy, _OA.identifying)
        add(g, anchor, _OA.hasBody, n)
        add(g, anchor, _OA.hasTarget, target)
        add(g, target, _RDF.type, _OA.SpecificResource)
        add(g, target, _OA.hasSource, self.iris.source_text(source_id))
        add(g, target, _OA.hasSelector, quote_sel)
        add(g, target, _OA.hasSelector, pos_sel)
        add(g, quote_sel, _RDF.type, _OA.TextQuoteSelector)
        add(g, quote_sel, _OA.exact, text(body[start:end]))
        add(g, quote_sel, _OA.prefix, text(body[max(0, start - CONTEXT_CHARS):start]))
        add(g, quote_sel, _OA.suffix, text(body[end:end + CONTEXT_CHARS]))
        add(g, pos_sel, _RDF.type, _OA.TextPositionSelector)
        add(g, pos_sel, _OA.start, typed(str(start), NON_NEGATIVE))
        add(g, pos_sel, _OA.end, typed(str(end), NON_NEGATIVE))

    def _claim(self, claim: Claim) -> None:
        add, source = self.add, self.c.sources[claim.source]
        g, n = node(self.iris.source_graph(claim.source)), self.iris.claim(claim.id)
        add(g, n, _RDF.type, _KB.Claim)
        add(g, n, _RDF.type, _SCHEMA.Claim)
        self._statement(g, n, claim)
        add(g, n, _KB.quote, text(claim.quote, source.language))
        add(g, n, _KB.normalisedQuote, text(claim.normalised, source.language))
        add(g, n, _KB.statement, text(claim.statement, "en"))
        self._anchor(g, n, claim.source, claim.start, claim.end)
        add(g, n, _PROV.wasDerivedFrom, self.iris.source(claim.source))
        add(g, n, _SCHEMA.appearance, self.iris.source(claim.source))
        # A claim is first made where it appears, when that was published (ClaimReview's
        # itemReviewed.firstAppearance and datePublished).
        add(g, n, _SCHEMA.firstAppearance, self.iris.source(claim.source))
        add(g, n, _SCHEMA.datePublished, published(source.published))
        # The claim's author, as Google's ClaimReview recommends: who published the article.
        add(g, n, _SCHEMA.author, Iris.part(self.iris.source(claim.source), "publisher"))
        add(g, n, _KB.confidence, decimal(claim.confidence))
        for ident in dict.fromkeys((claim.subject, claim.compared_with, *claim.about)):
            if ident:
                add(g, n, _SCHEMA.about, self.iris.entity(ident))
        if claim.review is not None:
            self._review(g, n, claim)

    def _review(self, g: ox.NamedNode, n: str, claim: Claim) -> None:
        add, review = self.add, claim.review
        rnode, rating = Iris.part(n, "review"), Iris.part(n, "rating")
        name, value = VERDICT_RATINGS[review.verdict]
        add(g, n, _SCHEMA.review, rnode)
        add(g, rnode, _RDF.type, _SCHEMA.ClaimReview)
        add(g, rnode, _SCHEMA.itemReviewed, n)
        add(g, rnode, _SCHEMA.claimReviewed, text(claim.claim_reviewed, "en"))
        add(g, rnode, _SCHEMA.reviewBody, text(review.explanation, "en"))
        # The headline pages and shares lead with: the verdict and, for a wrong claim, the fix.
        add(g, rnode, _SCHEMA.headline, text(claim.headline, "en"))
        add(g, rnode, _SCHEMA.author, self.iris.reviewer(review.reviewer))
        add(g, rnode, _SCHEMA.datePublished, typed(review.date.isoformat(), XSD_DATE))
        add(g, rnode, _SCHEMA.url, site_url(self.c, "claim", claim.id))
        add(g, rnode, _KB.verdict, VERDICT_TERMS[review.verdict])
        add(g, rnode, _SCHEMA.reviewRating, rating)
        add(g, rating, _RDF.type, _SCHEMA.Rating)
        add(g, rating, _SCHEMA.alternateName, text(name, "en"))
        add(g, rating, _SCHEMA.ratingValue, integer(value))
        add(g, rating, _SCHEMA.bestRating, integer(5))
        add(g, rating, _SCHEMA.worstRating, integer(1))
        for ev in review.evidence:
            add(g, rnode, _SCHEMA.isBasedOn, self.iris.evidence(ev))

    def _relation(self, relation) -> None:
        add = self.add
        g, n = node(self.iris.source_graph(relation.source)), self.iris.relation(relation.id)
        add(g, n, _RDF.type, _KB.Relation)
        add(g, n, _KB.expression, text(relation.expression))
        add(g, n, _RDFS.comment, text(relation.description, "en"))
        add(g, n, _PROV.wasDerivedFrom, self.iris.source(relation.source))
        for ref in references(relation.expression):
            if ref in self.c.claims:
                add(g, n, _KB.involves, self.iris.claim(ref))
            elif ref in self.c.evidence:
                add(g, n, _KB.involves, self.iris.evidence(ref))

    def _ignored(self, mention: IgnoredMention) -> None:
        add = self.add
        g = node(self.iris.source_graph(mention.source))
        n = self.iris.ignored(mention.source, mention.id)
        add(g, n, _RDF.type, _KB.IgnoredMention)
        add(g, n, _KB.quote, text(mention.text))
        add(g, n, _KB.reason, text(mention.reason, "en"))
        add(g, n, _PROV.wasDerivedFrom, self.iris.source(mention.source))
        self._anchor(g, n, mention.source, mention.start, mention.end)


def finding_triples(iris: Iris, findings: list[Finding], claims: set[str]
                    ) -> Iterator[tuple[str, str, str | ox.Literal]]:
    """The report graph's triples: the check report node and one node per finding (subjects
    and predicates as IRI text, objects as IRI text or literals)."""
    # IRIs minted as text: an rdflib URIRef for each finding and claim it involves was a
    # third of the report graph's time.
    mint = iris.text
    report = str(iris.report())
    kinds = {kind: str(KB[info.term]) for kind, info in KINDS.items()}
    yield report, _RDF.type, _KB.CheckReport
    for f in findings:
        n = mint("finding", f.id)
        yield report, _KB.finding, n
        yield n, _RDF.type, _KB.Finding
        yield n, _RDF.type, kinds[f.kind]
        yield n, _KB.holds, boolean(f.holds)
        yield n, _KB.message, text(f.message, "en")
        for ident in f.involves:
            yield n, _KB.involves, mint("claim" if ident in claims else "evidence", ident)
        if f.relation:
            yield n, _KB.relation, mint("relation", f.relation)
        if f.source:
            yield n, _PROV.wasDerivedFrom, mint("source", f.source)
        for side, lo, hi, unit in (("left", _KB.leftLower, _KB.leftUpper, _KB.leftUnit),
                                   ("right", _KB.rightLower, _KB.rightUpper, _KB.rightUnit)):
            s: Side | None = getattr(f, side)
            if s is None:
                continue
            if s.lower is not None:
                yield n, lo, decimal(s.lower)
            if s.upper is not None:
                yield n, hi, decimal(s.upper)
            yield n, unit, text(s.unit)
        if f.factor is not None:
            yield n, _KB.factorLow, decimal(f.factor[0])
            yield n, _KB.factorHigh, decimal(f.factor[1])


NON_NEGATIVE = str(XSD.nonNegativeInteger)


def build_graph(collection: Collection, cache: bool = False) -> KbGraph:
    """The knowledge base as quads (one named graph per source plus a shared one); cache:
    keep each source's named graph in the claims folder, and take it from there while its
    inputs are unchanged (kb.graphcache)."""
    kept = GraphCache(Path(collection.root)) if cache and (
        collection.folder_keys or collection.shared_key) else None
    graph = _Builder(collection).build(kept)
    if kept is not None:
        kept.prune()
    return graph


def build_dataset(collection: Collection) -> Dataset:
    """The knowledge base as an rdflib Dataset, for users of rdflib's Python API."""
    return build_graph(collection).dataset()


def add_findings(graph: KbGraph, findings: list[Finding], claims: set[str]) -> None:
    """Write findings into the report graph."""
    # Straight into the table by term numbers: pyoxigraph Quads (470 bytes each) for the
    # findings of 100,000 claims took 850 MB at once.
    # The terms numbered in one pass (QuadTable.ids): a call of QuadTable.id for each of the
    # 80,000 triples' three terms at 10,000 claims took half the time.
    g = graph.id(graph.iris.report_graph())
    # Its IRIs are text and its literals pyoxigraph's: each term is its own key.
    numbers = graph.ids([term for triple in finding_triples(graph.iris, findings, claims)
                         for term in triple])
    graph.extend_ids(numbers[0::3], numbers[1::3], numbers[2::3], [g] * (len(numbers) // 3))
    graph.reset_dataset()
