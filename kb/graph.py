"""Turn a loaded Collection into an rdflib Dataset: one named graph per source, one shared."""

from __future__ import annotations

from decimal import Decimal

from rdflib import OWL, RDF, RDFS, SKOS, XSD, Dataset, Graph, Literal, URIRef
from rdflib.namespace import PROV

from .expr import references
from .iris import Iris
from .model import Claim, Collection, Evidence, IgnoredMention, Quantity, Statement, TimeSpec
from .verdicts import LABELS
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
VERDICT_TERMS = {
    "accurate": KB.Accurate,
    "mostly-accurate": KB.MostlyAccurate,
    "misleading": KB.Misleading,
    "inaccurate": KB.Inaccurate,
    "unverifiable": KB.Unverifiable,
}
# ClaimReview's rating: 5 is best. Google reads alternateName; the number orders verdicts.
VERDICT_RATINGS = {verdict: (LABELS[verdict], value) for verdict, value in
                   (("accurate", 5), ("mostly-accurate", 4), ("unverifiable", 3),
                    ("misleading", 2), ("inaccurate", 1))}
DOCUMENT_TERMS = {
    "annual-report": KB.AnnualReport,
    "filing": KB.Filing,
    "financial-release": KB.FinancialRelease,
    "official-statement": KB.OfficialStatement,
    "transcript": KB.Transcript,
    "index-publication": KB.IndexPublication,
    "datasheet": KB.Datasheet,
    "launch-record": KB.LaunchRecord,
    "news-report": KB.NewsReport,
    "reference": KB.Reference,
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
    """An xsd:decimal literal in canonical form, always with a decimal point.

    rdflib's Turtle round trip rewrites "81462000000" as 81462000000.0, so writing the canonical
    form from the start keeps every serialisation isomorphic to the Dataset.
    """
    from .queries import decimal_text

    return Literal(decimal_text(Decimal(value)), datatype=XSD.decimal)


def partial_date(text: str) -> Literal:
    """A date known to the year, month or day, typed xsd:gYear, xsd:gYearMonth or xsd:date."""
    kind = {4: XSD.gYear, 7: XSD.gYearMonth}.get(len(text), XSD.date)
    return Literal(text, datatype=kind)


def site_url(collection: Collection, *parts: str) -> URIRef:
    """The public URL of a page of the site, e.g. site_url(c, 'claim', id) -> .../claim/id/."""
    return URIRef(collection.config.site_url + "".join(f"{p}/" for p in parts))


def bind_prefixes(graph: Graph, iris: Iris) -> None:
    """Bind the prefixes every serialisation uses, so output is readable and stable."""
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True, replace=True)
    for kind in ("claim", "entity", "property", "evidence", "document", "source", "relation"):
        graph.bind(kind, iris.base + kind + "/", override=True, replace=True)


class _Builder:
    """Adds the triples for each kind of model object to the right named graph."""

    def __init__(self, collection: Collection):
        self.c = collection
        self.iris = Iris(collection.config.base)
        self.ds = Dataset(default_union=True)
        bind_prefixes(self.ds, self.iris)
        self.shared = self.ds.graph(self.iris.shared_graph())

    def build(self) -> Dataset:
        self._collection()
        for entity in self.c.entities.values():
            self._entity(entity)
        for prop in self.c.properties.values():
            self._property(prop)
        for reviewer in self.c.config.reviewers.values():
            self._reviewer(reviewer)
        for doc in self.c.documents.values():
            self._document(doc)
        for ev in self.c.evidence.values():
            self._evidence(ev)
        for source in self.c.sources.values():
            self._source(source)
        for claim in self.c.claims.values():
            self._claim(claim)
        for relation in self.c.relations.values():
            self._relation(relation)
        for mention in self.c.ignored:
            self._ignored(mention)
        return self.ds

    def _collection(self) -> None:
        g, cfg, node = self.shared, self.c.config, self.iris.dataset()
        g.add((node, RDF.type, SCHEMA.Dataset))
        g.add((node, SCHEMA.name, Literal(cfg.title, lang="en")))
        if cfg.description:
            g.add((node, SCHEMA.description, Literal(cfg.description, lang="en")))
        g.add((node, SCHEMA.license, URIRef(cfg.license_url)))
        g.add((node, SCHEMA.url, URIRef(cfg.site_url)))

    def _entity(self, entity) -> None:
        g, node = self.shared, self.iris.entity(entity.id)
        g.add((node, RDF.type, KB.Entity))
        g.add((node, RDF.type, ENTITY_TYPES[entity.kind]))
        for lang, label in sorted(entity.labels.items()):
            g.add((node, RDFS.label, Literal(label, lang=lang)))
        if entity.description:
            g.add((node, SCHEMA.description, Literal(entity.description, lang="en")))
        if entity.wikidata:
            g.add((node, OWL.sameAs, WD[entity.wikidata]))
            g.add((node, SCHEMA.sameAs, WD[entity.wikidata]))

    def _property(self, prop) -> None:
        g, node = self.shared, self.iris.property(prop.id)
        g.add((node, RDF.type, KB.Property))
        g.add((node, RDF.type, RDF.Property))
        for lang, label in sorted(prop.labels.items()):
            g.add((node, RDFS.label, Literal(label, lang=lang)))
        g.add((node, RDFS.comment, Literal(prop.description, lang="en")))
        g.add((node, KB.dimension, Literal(prop.dimension)))
        if prop.wikidata:
            g.add((node, SKOS.exactMatch, WD[prop.wikidata]))

    def _reviewer(self, reviewer) -> None:
        g, node = self.shared, self.iris.reviewer(reviewer.id)
        kind = SCHEMA.Person if reviewer.kind == "person" else SCHEMA.Organization
        g.add((node, RDF.type, kind))
        g.add((node, SCHEMA.name, Literal(reviewer.name)))
        if reviewer.url:
            g.add((node, SCHEMA.url, URIRef(reviewer.url)))

    def _publisher(self, g: Graph, node: URIRef, name: str) -> None:
        publisher = Iris.part(node, "publisher")
        g.add((node, SCHEMA.publisher, publisher))
        g.add((publisher, RDF.type, SCHEMA.Organization))
        g.add((publisher, SCHEMA.name, Literal(name)))

    def _document(self, doc) -> None:
        g, node = self.shared, self.iris.document(doc.id)
        g.add((node, RDF.type, KB.EvidenceDocument))
        g.add((node, RDF.type, SCHEMA.CreativeWork))
        g.add((node, SCHEMA.name, Literal(doc.title)))
        self._publisher(g, node, doc.publisher)
        if doc.date:
            g.add((node, SCHEMA.datePublished, partial_date(doc.date)))
        g.add((node, SCHEMA.url, URIRef(doc.url)))
        g.add((node, KB.documentKind, DOCUMENT_TERMS[doc.kind]))
        if doc.notes:
            g.add((node, KB.note, Literal(doc.notes, lang="en")))

    def _statement(self, g: Graph, node: URIRef, st: Statement) -> None:
        """The triple and its qualifiers, shared by claims and evidence."""
        g.add((node, RDF.type, RDF.Statement))
        g.add((node, RDF.subject, self.iris.entity(st.subject)))
        g.add((node, RDF.predicate, self.iris.property(st.property)))
        self._quantity(g, node, st.quantity)
        if st.time is not None:
            self._time(g, node, st.time)
        if st.compared_with:
            g.add((node, KB.comparedWith, self.iris.entity(st.compared_with)))

    def _quantity(self, g: Graph, node: URIRef, q: Quantity) -> None:
        g.add((node, RDF.object, dec(q.amount)))
        g.add((node, KB.unit, Literal(q.unit)))
        g.add((node, KB.boundKind, BOUND_TERMS[q.bound]))
        lower, upper = q.implied_bounds()
        if lower is not None:
            g.add((node, KB.lowerBound, dec(lower)))
        if upper is not None:
            g.add((node, KB.upperBound, dec(upper)))
        if q.precision is not None:
            g.add((node, KB.precision, dec(q.precision)))

    def _time(self, g: Graph, node: URIRef, t: TimeSpec) -> None:
        tnode = Iris.part(node, "time")
        g.add((node, KB.time, tnode))
        g.add((tnode, RDF.type, KB.PointInTime if t.kind == "point" else KB.Period))
        g.add((tnode, KB.startDate, Literal(t.start)))
        g.add((tnode, KB.endDate, Literal(t.end)))
        g.add((tnode, KB.timePrecision, Literal(t.precision)))
        if t.phrase:
            g.add((tnode, KB.timePhrase, Literal(t.phrase)))

    def _evidence(self, ev: Evidence) -> None:
        g, node = self.shared, self.iris.evidence(ev.id)
        g.add((node, RDF.type, KB.EvidenceStatement))
        self._statement(g, node, ev)
        g.add((node, KB.quote, Literal(ev.quote)))
        g.add((node, PROV.wasDerivedFrom, self.iris.document(ev.document)))
        if ev.note:
            g.add((node, KB.note, Literal(ev.note, lang="en")))

    def _source(self, source) -> None:
        g = self.ds.graph(self.iris.source_graph(source.id))
        node, text = self.iris.source(source.id), self.iris.source_text(source.id)
        g.add((node, RDF.type, SCHEMA.NewsArticle))
        g.add((node, SCHEMA.headline, Literal(source.title, lang=source.language)))
        if source.url:
            g.add((node, SCHEMA.url, URIRef(source.url)))
        self._publisher(g, node, source.publisher)
        kind = XSD.dateTime if "T" in source.published else XSD.date
        g.add((node, SCHEMA.datePublished, Literal(source.published, datatype=kind)))
        g.add((node, SCHEMA.inLanguage, Literal(source.language)))
        for note in source.notes:
            g.add((node, KB.note, Literal(note, lang="en")))
        g.add((node, KB.text, text))
        g.add((text, RDF.type, KB.SourceText))
        g.add((text, KB.sha256, Literal(source.sha256)))
        g.add((text, KB.characterCount, Literal(len(source.text))))

    def _anchor(self, g: Graph, node: URIRef, source_id: str, start: int, end: int) -> None:
        """A Web Annotation pinning node to [start, end) of the source text by quote and offsets."""
        text = self.c.sources[source_id].text
        anchor, target = Iris.part(node, "anchor"), Iris.part(node, "target")
        quote_sel, pos_sel = Iris.part(node, "quote-selector"), Iris.part(node, "position-selector")
        g.add((node, KB.anchor, anchor))
        g.add((anchor, RDF.type, OA.Annotation))
        g.add((anchor, OA.motivatedBy, OA.identifying))
        g.add((anchor, OA.hasBody, node))
        g.add((anchor, OA.hasTarget, target))
        g.add((target, RDF.type, OA.SpecificResource))
        g.add((target, OA.hasSource, self.iris.source_text(source_id)))
        g.add((target, OA.hasSelector, quote_sel))
        g.add((target, OA.hasSelector, pos_sel))
        g.add((quote_sel, RDF.type, OA.TextQuoteSelector))
        g.add((quote_sel, OA.exact, Literal(text[start:end])))
        g.add((quote_sel, OA.prefix, Literal(text[max(0, start - CONTEXT_CHARS):start])))
        g.add((quote_sel, OA.suffix, Literal(text[end:end + CONTEXT_CHARS])))
        g.add((pos_sel, RDF.type, OA.TextPositionSelector))
        g.add((pos_sel, OA.start, Literal(start, datatype=XSD.nonNegativeInteger)))
        g.add((pos_sel, OA.end, Literal(end, datatype=XSD.nonNegativeInteger)))

    def _claim(self, claim: Claim) -> None:
        source = self.c.sources[claim.source]
        g = self.ds.graph(self.iris.source_graph(claim.source))
        node = self.iris.claim(claim.id)
        g.add((node, RDF.type, KB.Claim))
        g.add((node, RDF.type, SCHEMA.Claim))
        self._statement(g, node, claim)
        g.add((node, KB.quote, Literal(claim.quote, lang=source.language)))
        g.add((node, KB.normalisedQuote, Literal(claim.normalised, lang=source.language)))
        g.add((node, KB.statement, Literal(claim.statement, lang="en")))
        self._anchor(g, node, claim.source, claim.start, claim.end)
        g.add((node, PROV.wasDerivedFrom, self.iris.source(claim.source)))
        g.add((node, SCHEMA.appearance, self.iris.source(claim.source)))
        # The claim's author, as Google's ClaimReview recommends: who published the article.
        g.add((node, SCHEMA.author, Iris.part(self.iris.source(claim.source), "publisher")))
        g.add((node, KB.confidence, dec(claim.confidence)))
        for ident in dict.fromkeys((claim.subject, claim.compared_with, *claim.about)):
            if ident:
                g.add((node, SCHEMA.about, self.iris.entity(ident)))
        if claim.review is not None:
            self._review(g, node, claim)

    def _review(self, g: Graph, node: URIRef, claim: Claim) -> None:
        review, rnode, rating = claim.review, Iris.part(node, "review"), Iris.part(node, "rating")
        name, value = VERDICT_RATINGS[review.verdict]
        g.add((node, SCHEMA.review, rnode))
        g.add((rnode, RDF.type, SCHEMA.ClaimReview))
        g.add((rnode, SCHEMA.itemReviewed, node))
        g.add((rnode, SCHEMA.claimReviewed, Literal(claim.statement, lang="en")))
        g.add((rnode, SCHEMA.reviewBody, Literal(review.explanation, lang="en")))
        g.add((rnode, SCHEMA.author, self.iris.reviewer(review.reviewer)))
        g.add((rnode, SCHEMA.datePublished, Literal(review.date)))
        g.add((rnode, SCHEMA.url, site_url(self.c, "claim", claim.id)))
        g.add((rnode, KB.verdict, VERDICT_TERMS[review.verdict]))
        g.add((rnode, SCHEMA.reviewRating, rating))
        g.add((rating, RDF.type, SCHEMA.Rating))
        g.add((rating, SCHEMA.alternateName, Literal(name, lang="en")))
        g.add((rating, SCHEMA.ratingValue, Literal(value)))
        g.add((rating, SCHEMA.bestRating, Literal(5)))
        g.add((rating, SCHEMA.worstRating, Literal(1)))
        for ev in review.evidence:
            g.add((rnode, SCHEMA.isBasedOn, self.iris.evidence(ev)))

    def _relation(self, relation) -> None:
        g = self.ds.graph(self.iris.source_graph(relation.source))
        node = self.iris.relation(relation.id)
        g.add((node, RDF.type, KB.Relation))
        g.add((node, KB.expression, Literal(relation.expression)))
        g.add((node, RDFS.comment, Literal(relation.description, lang="en")))
        g.add((node, PROV.wasDerivedFrom, self.iris.source(relation.source)))
        for ref in references(relation.expression):
            if ref in self.c.claims:
                g.add((node, KB.involves, self.iris.claim(ref)))
            elif ref in self.c.evidence:
                g.add((node, KB.involves, self.iris.evidence(ref)))

    def _ignored(self, mention: IgnoredMention) -> None:
        g = self.ds.graph(self.iris.source_graph(mention.source))
        node = self.iris.ignored(mention.source, mention.id)
        g.add((node, RDF.type, KB.IgnoredMention))
        g.add((node, KB.quote, Literal(mention.text)))
        g.add((node, KB.reason, Literal(mention.reason, lang="en")))
        g.add((node, PROV.wasDerivedFrom, self.iris.source(mention.source)))
        self._anchor(g, node, mention.source, mention.start, mention.end)


def build_dataset(collection: Collection) -> Dataset:
    """The knowledge base as an rdflib Dataset (one named graph per source plus a shared one)."""
    return _Builder(collection).build()
